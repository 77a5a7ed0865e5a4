//! Helpers that fill `ReportData` pieces from the pipeline's own types (plan, quantization
//! report, traces of the three engines, nextpnr report), so callers need not know the layout.

use spikeloom_board::Device;
use spikeloom_cyclesim::CycleTrace;
use spikeloom_float::FloatTrace;
use spikeloom_plan::{CorePlan, Leak, NeuronKind, Plan, QSource};
use spikeloom_qnet::{QNet, QNeuron, QTrace};
use spikeloom_quant::QuantReport;
use spikeloom_toolchain::ToolReport;

use crate::data::{
    Engine, EngineTrace, LayerSummary, LayerTraces, NetworkSummary, QuantRow, ResourceSource,
    ResourceUse,
};

fn leak_name(core: &CorePlan) -> String {
    match core.beta_leak {
        Leak::Multiply => "multiplier".into(),
        Leak::ShiftAdd { terms } => format!("shift-add ({terms} terms)"),
    }
}

/// Network summary from the plan (layer sizes, sources, synapses, lanes, leak circuits).
pub fn network_summary(plan: &Plan) -> NetworkSummary {
    let name_of = |s: QSource| match s {
        QSource::Input => "input".to_string(),
        QSource::Layer(j) => plan
            .cores
            .get(j)
            .map_or_else(|| format!("layer {j}"), |c| c.name.clone()),
    };
    NetworkSummary {
        input_size: plan.input_size,
        output_layer: plan.output_layer,
        layers: plan
            .cores
            .iter()
            .map(|c| LayerSummary {
                name: c.name.clone(),
                kind: match c.kind {
                    NeuronKind::Lif => "LIF",
                    NeuronKind::CubaLif => "CubaLIF",
                    NeuronKind::Li => "LI",
                    NeuronKind::CubaLi => "CubaLI",
                }
                .into(),
                size: c.size,
                sources: c
                    .projections
                    .iter()
                    .map(|p| {
                        let n = name_of(p.source);
                        if p.delayed {
                            format!("{n} (delayed)")
                        } else {
                            n
                        }
                    })
                    .collect(),
                synapses: c.size * c.fan_in(),
                lanes: c.lanes,
                blocks: c.blocks,
                leak: leak_name(c),
            })
            .collect(),
    }
}

/// Quantization rows from the quantizer's report.
pub fn quant_rows(report: &QuantReport) -> Vec<QuantRow> {
    report
        .layers
        .iter()
        .map(|l| QuantRow {
            layer: l.name.clone(),
            weight_bits: l.precision.weight_bits,
            state_bits: l.precision.state_bits,
            decay_shift: l.precision.decay_shift,
            weight_shift: l.weight_shift,
            weight_lsb: l.weight_lsb,
            state_lsb: l.state_lsb,
            clipped_weights: l.clipped_weights,
            max_weight_error: l.max_weight_error,
            saturations: match (l.state_saturations, l.current_saturations) {
                (None, None) => None,
                (s, c) => Some(s.unwrap_or(0) + c.unwrap_or(0)),
            },
            spike_agreement: l.spike_agreement,
        })
        .collect()
}

/// The planner's resource estimate against `device` (board top included when the plan was made
/// for a board; see `spikeloom_plan::PlanConfig::board_top`).
pub fn estimated_resources(plan: &Plan, device: &Device) -> Vec<ResourceUse> {
    let r = &plan.resources;
    let bar = |name: &str, used: u32, available: u32| ResourceUse {
        name: name.into(),
        used: u64::from(used),
        available: u64::from(available),
        source: ResourceSource::Estimate,
    };
    let mut bars = vec![
        bar("LUT4", r.luts, device.luts),
        bar("FF", r.ffs, device.ffs),
        bar("logic cells", r.logic_cells, device.luts),
        bar("BRAM", r.brams, device.bram_count),
        bar("DSP", r.dsps, device.dsp_count),
    ];
    if device.spram_count > 0 {
        bars.insert(4, bar("SPRAM", r.sprams, device.spram_count));
    }
    bars
}

/// Readable name of a nextpnr cell type.
pub fn cell_name(cell: &str) -> &str {
    match cell {
        "ICESTORM_LC" => "logic cells (LUT4+FF)",
        "ICESTORM_RAM" | "DP16KD" => "BRAM",
        "ICESTORM_DSP" | "MULT18X18D" => "DSP",
        "ICESTORM_SPRAM" => "SPRAM",
        "TRELLIS_COMB" => "LUT4",
        "TRELLIS_FF" => "FF",
        "SB_IO" | "TRELLIS_IO" => "I/O",
        other => other,
    }
}

/// Post place-and-route utilization (every used cell type).
pub fn pnr_resources(report: &ToolReport) -> Vec<ResourceUse> {
    report
        .utilization
        .iter()
        .map(|(cell, u)| ResourceUse {
            name: format!("{} ({cell})", cell_name(cell)),
            used: u.used,
            available: u.available,
            source: ResourceSource::PlaceAndRoute,
        })
        .collect()
}

/// The slowest clock's achieved frequency after place and route.
pub fn fmax_mhz(report: &ToolReport) -> Option<f64> {
    report
        .fmax
        .values()
        .map(|f| f.achieved)
        .min_by(|a, b| a.total_cmp(b))
}

/// Uniform threshold of a layer in float units (None for Li or per-neuron thresholds).
fn threshold(net: &QNet, l: usize) -> Option<f64> {
    let layer = &net.layers[l];
    let th = match &layer.neuron {
        QNeuron::Lif { threshold, .. } | QNeuron::CubaLif { threshold, .. } => threshold,
        QNeuron::Li { .. } | QNeuron::CubaLi { .. } => return None,
    };
    let first = *th.first()?;
    th.iter()
        .all(|&v| v == first)
        .then_some(first as f64 * layer.state_lsb)
}

/// Per-layer traces of sample `sample` from each engine that ran (arrays `[T][N][size]`).
/// Returns an empty list when `sample` is out of range.
pub fn layer_traces(
    net: &QNet,
    float: Option<&FloatTrace>,
    fixed: &QTrace,
    cycle: Option<&CycleTrace>,
    sample: usize,
) -> Vec<LayerTraces> {
    if sample >= fixed.samples {
        return Vec::new();
    }
    let (steps, samples) = (fixed.steps, fixed.samples);
    net.layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let size = layer.size;
            let pick = |t: usize| (t * samples + sample) * size;
            let mut engines = Vec::new();
            if let Some(ft) = float.and_then(|f| f.layers.get(l)) {
                engines.push(EngineTrace {
                    engine: Engine::Float,
                    spikes: (0..steps)
                        .flat_map(|t| ft.spikes[pick(t)..pick(t) + size].to_vec())
                        .collect(),
                    membrane: (0..steps)
                        .flat_map(|t| {
                            ft.membrane[pick(t)..pick(t) + size]
                                .iter()
                                .map(|&v| f64::from(v))
                        })
                        .collect(),
                });
            }
            let lsb = layer.state_lsb;
            let qt = &fixed.layers[l];
            engines.push(EngineTrace {
                engine: Engine::Fixed,
                spikes: (0..steps)
                    .flat_map(|t| qt.spikes[pick(t)..pick(t) + size].to_vec())
                    .collect(),
                membrane: (0..steps)
                    .flat_map(|t| {
                        qt.membrane[pick(t)..pick(t) + size]
                            .iter()
                            .map(|&v| f64::from(v) * lsb)
                    })
                    .collect(),
            });
            if let Some(c) = cycle.filter(|c| c.layers.len() > l) {
                engines.push(EngineTrace {
                    engine: Engine::Hardware,
                    spikes: (0..steps)
                        .flat_map(|t| c.layers[l].spikes[pick(t)..pick(t) + size].to_vec())
                        .collect(),
                    membrane: (0..steps)
                        .flat_map(|t| {
                            c.layers[l].membrane[pick(t)..pick(t) + size]
                                .iter()
                                .map(|&v| f64::from(v) * lsb)
                        })
                        .collect(),
                });
            }
            LayerTraces {
                layer: layer.name.clone(),
                size,
                steps,
                sample,
                threshold: threshold(net, l),
                membrane_neurons: Vec::new(),
                engines,
            }
        })
        .collect()
}

/// Accuracy of the cycle model's output layer under the network's read-out
/// (`spikeloom_quant::Readout`: the quantizer's report uses the same rule).
pub fn cycle_accuracy(net: &QNet, cycle: &CycleTrace, labels: &[usize]) -> f64 {
    let o = net.output_layer;
    let size = net.layers[o].size;
    let predicted = spikeloom_quant::Readout::of_qnet(net).predict(
        cycle.steps,
        cycle.samples,
        size,
        |i| f64::from(cycle.layers[o].spikes[i]),
        |i| f64::from(cycle.layers[o].membrane[i]),
    );
    spikeloom_quant::accuracy(&predicted, labels)
}

/// Every step's cycle count, all samples in order.
pub fn all_step_cycles(cycle: &CycleTrace) -> Vec<u64> {
    cycle.cycles_per_step.iter().flatten().copied().collect()
}
