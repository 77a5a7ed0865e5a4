//! The in-process measurements: generate time, engine throughput, hardware efficiency and
//! accuracy of float vs fixed vs hardware (cycle model).

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use spikeloom_board::{Board, Device};
use spikeloom_float::FloatNet;
use spikeloom_plan::{Plan, PlanConfig, QSource};
use spikeloom_qnet::{QNet, QTrace, SpikeSteps};
use spikeloom_quant::{Calibration, QuantConfig};
use spikeloom_verilog::GenOptions;

use crate::fixture::{load_float, BenchError};
use crate::timing::{time, Timed};

/// One generate-time measurement.
#[derive(Debug, Clone, Serialize)]
pub struct GenTime {
    /// Model file.
    pub model: String,
    /// Synapses (weights) of the network.
    pub synapses: usize,
    /// read + lower + quantize (estimated ranges) + plan + generate, seconds (median).
    pub total: Timed,
    /// Bytes of generated files.
    pub bytes: usize,
}

/// Time NIR -> Verilog for `path` on `device` (no fit requirement: only the time matters).
pub fn generate_time(path: &Path, device: &Device) -> Result<GenTime, BenchError> {
    let run = || -> Result<(usize, usize), BenchError> {
        let net = load_float(path)?;
        let (q, _) = spikeloom_quant::quantize(&net, None, &QuantConfig::default())
            .map_err(|e| e.to_string())?;
        let cfg = PlanConfig {
            require_fit: false,
            ..PlanConfig::default()
        };
        let plan = spikeloom_plan::plan(&q, &cfg, device).map_err(|e| e.to_string())?;
        let bundle = spikeloom_verilog::generate(&plan, &GenOptions::default());
        Ok((
            synapses(&q),
            bundle.files.iter().map(|f| f.contents.len()).sum(),
        ))
    };
    let (syn, bytes) = run()?;
    let total = time(3, Duration::from_secs(2), || run().map(|_| ()));
    Ok(GenTime {
        model: path.display().to_string(),
        synapses: syn,
        total,
        bytes,
    })
}

/// Weights of the network.
pub fn synapses(q: &QNet) -> usize {
    q.layers
        .iter()
        .map(|l| l.inputs.iter().map(|p| p.weight.len()).sum::<usize>())
        .sum()
}

/// Synaptic events of a dense network's run: for every projection, source spikes x target
/// neurons (one weight accumulated per spike and target neuron), counted from the golden trace.
/// Right for dense projections only; [`efficiency`] counts convolutions and poolings by their
/// footprints (`spikeloom_pipeline::verify::synaptic_ops`).
pub fn synaptic_events(q: &QNet, input: &SpikeSteps, trace: &QTrace) -> u64 {
    (0..q.layers.len())
        .map(|l| layer_events(q, l, input, trace))
        .sum()
}

/// Synaptic events into layer `l`.
pub fn layer_events(q: &QNet, l: usize, input: &SpikeSteps, trace: &QTrace) -> u64 {
    let rows = input.steps() * input.samples();
    let spikes_of = |s: QSource, row: usize| -> u64 {
        match s {
            QSource::Input => input.data()[row * q.input_size..][..q.input_size]
                .iter()
                .map(|&v| u64::from(v))
                .sum(),
            QSource::Layer(j) => {
                let sz = q.layers[j].size;
                trace.layers[j].spikes[row * sz..][..sz]
                    .iter()
                    .map(|&v| u64::from(v))
                    .sum()
            }
        }
    };
    let samples = input.samples();
    let layer = &q.layers[l];
    let mut total = 0;
    for p in &layer.inputs {
        for row in 0..rows {
            // A delayed projection reads the previous step of the same sample (none at t=0).
            let src_row = if p.delayed {
                row.checked_sub(samples)
            } else {
                Some(row)
            };
            if let Some(r) = src_row {
                total += spikes_of(p.source, r) * layer.size as u64;
            }
        }
    }
    total
}

/// Throughput of one engine.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Engine name.
    pub engine: String,
    /// What was timed.
    pub what: String,
    /// Seconds for the whole input (median).
    pub time: Timed,
    /// (sample, step) pairs per second.
    pub steps_per_s: f64,
    /// Synaptic events per second.
    pub events_per_s: f64,
}

impl Throughput {
    /// From a median time of a run of `steps` sample-steps with `events` synaptic events.
    pub fn new(engine: &str, what: &str, time: Timed, steps: usize, events: u64) -> Self {
        Self {
            engine: engine.into(),
            what: what.into(),
            time,
            steps_per_s: steps as f64 / time.median_s,
            events_per_s: events as f64 / time.median_s,
        }
    }
}

/// A fixture through the pipeline, ready for timing.
pub struct Prepared {
    /// Float network.
    pub float: FloatNet,
    /// Integer network (calibrated on the fixture input).
    pub qnet: QNet,
    /// Hardware plan.
    pub plan: Plan,
    /// Input.
    pub input: SpikeSteps,
    /// Labels.
    pub labels: Vec<usize>,
    /// Float and fixed accuracy from the quantizer's report.
    pub float_accuracy: Option<f64>,
    /// Fixed accuracy.
    pub fixed_accuracy: Option<f64>,
}

/// Load, calibrate on its own input, quantize (defaults) and plan a fixture with `lanes`.
pub fn prepare(dir: &Path, device: &Device, lanes: Option<usize>) -> Result<Prepared, BenchError> {
    let float = load_float(&dir.join("model.nir"))?;
    let (input, labels) = crate::fixture::load_input(dir)?;
    let ft = spikeloom_float::simulate(&float, &input).map_err(|e| e.to_string())?;
    let calib = Calibration::new(&float, input.clone(), ft, Some(labels.clone()))
        .map_err(|e| e.to_string())?;
    let (qnet, report) = spikeloom_quant::quantize(&float, Some(&calib), &QuantConfig::default())
        .map_err(|e| e.to_string())?;
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&qnet, &cfg, device).map_err(|e| e.to_string())?;
    Ok(Prepared {
        float,
        qnet,
        plan,
        input,
        labels,
        float_accuracy: report.float_accuracy,
        fixed_accuracy: report.fixed_accuracy,
    })
}

/// Time the three Rust engines on the prepared fixture.
pub fn engines(p: &Prepared) -> Result<(Vec<Throughput>, u64), BenchError> {
    let golden = spikeloom_qnet::eval(&p.qnet, &p.input).map_err(|e| e.to_string())?;
    let events = synaptic_events(&p.qnet, &p.input, &golden);
    let steps = p.input.steps() * p.input.samples();
    let min = Duration::from_secs(2);
    let what = format!("{} samples x {} steps", p.input.samples(), p.input.steps());
    let t_fixed = time(5, min, || spikeloom_qnet::eval(&p.qnet, &p.input));
    let t_float = time(5, min, || spikeloom_float::simulate(&p.float, &p.input));
    let t_cycle = time(5, min, || spikeloom_cyclesim::simulate(&p.plan, &p.input));
    Ok((
        vec![
            Throughput::new(
                "fixed (spikeloom_qnet::eval)",
                &what,
                t_fixed,
                steps,
                events,
            ),
            Throughput::new(
                "float (spikeloom_float::simulate)",
                &what,
                t_float,
                steps,
                events,
            ),
            Throughput::new(
                "cycle model (spikeloom_cyclesim::simulate)",
                &what,
                t_cycle,
                steps,
                events,
            ),
        ],
        events,
    ))
}

/// Hardware efficiency of the cycle model on the prepared input.
#[derive(Debug, Clone, Serialize)]
pub struct Efficiency {
    /// Model.
    pub model: String,
    /// Board the plan is for.
    pub board: String,
    /// Lanes per core.
    pub lanes: Vec<usize>,
    /// Synaptic events of the run.
    pub synaptic_events: u64,
    /// Total cycles of the core alone (all steps of all samples), inputs fed by the
    /// co-simulation harness one per cycle while the previous step computes.
    pub cycles: u64,
    /// Total cycles on chip (all samples): the host bridge's twin scanning every step's
    /// non-zero input words into the core (`spikeloom_cyclesim::simulate_on_chip`), from each
    /// sample's reset release to its last step's end; the host link's transfer excluded.
    pub on_chip_cycles: u64,
    /// Events per cycle on chip over the whole run.
    pub ops_per_cycle: f64,
    /// Weight-memory port bound: one word of P weights per cycle (cores run one at a time).
    pub port_bound: f64,
    /// `ops_per_cycle / port_bound`.
    pub fraction_of_bound: f64,
    /// Widest weight of the plan, bits.
    pub weight_bits: u32,
    /// The chip's bound: weights of that width its memories deliver per cycle
    /// (`Device::weight_bound`).
    pub device_bound: f64,
    /// `ops_per_cycle / device_bound`.
    pub fraction_of_device: f64,
    /// Cycles the cores spend reading weight words (one per event per block) over all cycles.
    pub weight_read_cycles: u64,
    /// Samples (inferences) of the run.
    pub samples: usize,
    /// Steps per inference.
    pub steps: usize,
    /// The board's default design clock, MHz (µs per inference are given at it).
    pub design_mhz: f64,
    /// The dense cores' events per weight-read cycle over P: lane utilisation while streaming
    /// weights.
    pub lane_utilisation: f64,
    /// The host link at the board's default design clock: bytes and wire time per inference,
    /// step by step and as one frame per sample, beside the compute on chip.
    pub host_link: spikeloom_pipeline::build_report::HostLinkReport,
}

/// Synaptic ops per cycle of the cycle model vs the design's weight-port bound (P) and the
/// chip's (every memory port of `board`'s device at the plan's weight width).
pub fn efficiency(name: &str, p: &Prepared, board: &Board) -> Result<Efficiency, BenchError> {
    let golden = spikeloom_qnet::eval(&p.qnet, &p.input).map_err(|e| e.to_string())?;
    let trace = spikeloom_cyclesim::simulate(&p.plan, &p.input).map_err(|e| e.to_string())?;
    let cycles: u64 = trace.cycles_per_step.iter().flatten().sum();
    let on_chip_cycles: u64 = spikeloom_cyclesim::simulate_on_chip(&p.plan, &p.input)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| r.end)
        .sum();
    // every weight accumulation, convolution footprints and pooling maps included
    let events: u64 = spikeloom_pipeline::verify::synaptic_ops(&p.plan, &p.input, &trace)
        .iter()
        .flatten()
        .sum();
    // Weight words the engine reads: per dense core, per block, one per source event (blocks *
    // events); the lane use below is the dense cores' (a convolution core's taps are not words
    // of P weights).
    let (mut reads, mut dense_events) = (0u64, 0u64);
    for (l, core) in p.plan.cores.iter().enumerate() {
        if core.conv.is_some() {
            continue;
        }
        let size = p.qnet.layers[l].size.max(1) as u64;
        let ev = layer_events(&p.qnet, l, &p.input, &golden);
        dense_events += ev;
        // Source spikes = events / size; each is read once per block.
        reads += core.blocks as u64 * (ev / size);
    }
    let max_lanes = p.plan.max_lanes() as f64;
    let opc = events as f64 / on_chip_cycles.max(1) as f64;
    let weight_bits = p.plan.max_weight_bits();
    let device_bound = f64::from(board.device.weight_bound(weight_bits).max(1));
    let design_mhz = board.design.freq_mhz;
    let clock = spikeloom_board::ClockPlan::new(board, Some(design_mhz), None)
        .map_err(|e| e.to_string())?;
    let samples = p.input.samples();
    let host_link = spikeloom_pipeline::build_report::HostLinkReport::of_trace(
        &p.plan,
        &trace,
        clock.uart.map_or(115_200, |u| u.baud),
        on_chip_cycles as f64 / samples.max(1) as f64 / design_mhz,
    );
    Ok(Efficiency {
        model: name.into(),
        board: board.name.clone(),
        lanes: p.plan.cores.iter().map(|c| c.lanes).collect(),
        synaptic_events: events,
        cycles,
        on_chip_cycles,
        ops_per_cycle: opc,
        port_bound: max_lanes,
        fraction_of_bound: opc / max_lanes,
        weight_bits,
        device_bound,
        fraction_of_device: opc / device_bound,
        weight_read_cycles: reads,
        lane_utilisation: dense_events as f64 / (reads.max(1) as f64 * max_lanes),
        samples,
        steps: p.input.steps(),
        design_mhz,
        host_link,
    })
}

/// Accuracy of the three engines on a fixture.
#[derive(Debug, Clone, Serialize)]
pub struct AccuracyRow {
    /// Fixture.
    pub model: String,
    /// Labelled samples.
    pub samples: usize,
    /// Float engine.
    pub float: Option<f64>,
    /// Golden integer model.
    pub fixed: Option<f64>,
    /// Cycle model.
    pub hardware: f64,
    /// Cycle model spikes equal golden spikes in every layer, step and sample.
    pub hardware_equals_fixed: bool,
}

/// Float vs fixed vs hardware accuracy.
pub fn accuracy(name: &str, p: &Prepared) -> Result<AccuracyRow, BenchError> {
    let golden = spikeloom_qnet::eval(&p.qnet, &p.input).map_err(|e| e.to_string())?;
    let trace = spikeloom_cyclesim::simulate(&p.plan, &p.input).map_err(|e| e.to_string())?;
    let o = p.qnet.output_layer;
    let size = p.qnet.layers[o].size;
    let out = &trace.layers[o];
    let pred = spikeloom_quant::Readout::of_qnet(&p.qnet).predict_arrays(
        trace.steps,
        trace.samples,
        size,
        &out.spikes,
        &out.membrane,
    );
    let equal = golden
        .layers
        .iter()
        .zip(&trace.layers)
        .all(|(g, c)| g.spikes == c.spikes && g.membrane == c.membrane);
    Ok(AccuracyRow {
        model: name.into(),
        samples: p.labels.len(),
        float: p.float_accuracy,
        fixed: p.fixed_accuracy,
        hardware: spikeloom_quant::accuracy(&pred, &p.labels),
        hardware_equals_fixed: equal,
    })
}

/// Seconds since `t`, for coarse one-shot timings.
pub fn since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}
