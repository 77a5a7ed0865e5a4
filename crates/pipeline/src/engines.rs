//! The engines of `simulate` on a sample, output layer only: float, golden (fixed), cycle model
//! and the RTL in a simulator; and writing their results: `.npz` with `spikes` `[T, N, O]`
//! uint8 and `v` `[T, N, O]`.

use crate::error::{chain, Error, Result};
use spikeloom_float::FloatNet;
use spikeloom_npy::{write_npz, NpyArray, NpyData};
use spikeloom_plan::{Plan, PlanConfig};
use spikeloom_qnet::{QNet, SpikeSteps};
use spikeloom_quant::{accuracy, spike_counts, Readout};
use std::path::Path;

/// Output-layer results of any engine, time-major.
pub struct EngineOutput {
    /// Time steps.
    pub t: usize,
    /// Samples.
    pub n: usize,
    /// Output neurons.
    pub o: usize,
    /// Spikes `[T, N, O]`.
    pub spikes: Vec<u8>,
    /// Membrane `[T, N, O]`: float32 (float engine) or raw int32 with a scale.
    pub v: Membrane,
    /// Extra arrays to store (e.g. cycles per step).
    pub extra: Vec<(String, NpyArray)>,
    /// How the output layer names a class.
    pub readout: Readout,
}

/// Membrane values of the output layer.
pub enum Membrane {
    /// Float engine values.
    Float(Vec<f32>),
    /// Integer engines: raw state LSBs and the value of one LSB.
    Fixed {
        /// Raw values.
        raw: Vec<i32>,
        /// Float value of one LSB.
        scale: f64,
    },
}

impl EngineOutput {
    /// Spike count per output neuron for each sample.
    pub fn counts(&self) -> Vec<Vec<u32>> {
        spike_counts(&self.spikes, self.t, self.n, self.o)
    }

    /// Predicted class of each sample under the output layer's read-out.
    pub fn predict(&self) -> Vec<usize> {
        let spike = |i: usize| f64::from(self.spikes[i]);
        match &self.v {
            Membrane::Float(v) => self
                .readout
                .predict(self.t, self.n, self.o, spike, |i| f64::from(v[i])),
            Membrane::Fixed { raw, .. } => {
                self.readout
                    .predict(self.t, self.n, self.o, spike, |i| f64::from(raw[i]))
            }
        }
    }

    /// Fraction of samples whose predicted class is their label.
    pub fn accuracy(&self, labels: &[i64]) -> f64 {
        accuracy(&self.predict(), labels)
    }

    /// Write the `.npz`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let shape = vec![self.t, self.n, self.o];
        let spikes = NpyArray {
            shape: shape.clone(),
            data: NpyData::U8(self.spikes.clone()),
        };
        let mut arrays: Vec<(String, NpyArray)> = vec![("spikes".into(), spikes)];
        match &self.v {
            Membrane::Float(v) => {
                arrays.push((
                    "v".into(),
                    NpyArray {
                        shape,
                        data: NpyData::F32(v.clone()),
                    },
                ));
            }
            Membrane::Fixed { raw, scale } => {
                arrays.push((
                    "v".into(),
                    NpyArray {
                        shape,
                        data: NpyData::I32(raw.clone()),
                    },
                ));
                arrays.push((
                    "v_scale".into(),
                    NpyArray {
                        shape: vec![],
                        data: NpyData::F64(vec![*scale]),
                    },
                ));
            }
        }
        for (name, a) in &self.extra {
            arrays.push((name.clone(), a.clone()));
        }
        let refs: Vec<(&str, &NpyArray)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
        write_npz(path, &refs)
            .map_err(|e| Error::failure(format!("writing {}: {}", path.display(), chain(&e))))
    }

    /// Cycles of each step `[N][T]` flattened, when the engine counts them.
    pub fn cycles(&self) -> Option<Vec<u64>> {
        let (_, a) = self.extra.iter().find(|(n, _)| n == "cycles")?;
        match &a.data {
            NpyData::U32(v) => Some(v.iter().map(|&c| u64::from(c)).collect()),
            _ => None,
        }
    }
}

/// Plan the integer network for a board's device. With `require_fit = false` the plan is made
/// even when it would not fit (simulation only); the fit report is still available.
pub fn hardware_plan(
    q: &QNet,
    board: &str,
    lanes: Option<usize>,
    require_fit: bool,
) -> Result<Plan> {
    let board = spikeloom_board::Board::resolve(board).map_err(Error::input)?;
    let cfg = PlanConfig {
        lanes,
        require_fit,
        ..PlanConfig::default()
    };
    spikeloom_plan::plan(q, &cfg, &board.device).map_err(Error::input)
}

/// The input as the plan's engines take it (`input_bits` wide).
fn plan_input(plan: &Plan, input: &SpikeSteps) -> Result<SpikeSteps> {
    input.with_bits(plan.input_bits).map_err(Error::input)
}

/// Cycle-accurate model on the output layer, with cycles per step.
pub fn run_cycle(plan: &Plan, input: &SpikeSteps, v_scale: f64) -> Result<EngineOutput> {
    let steps = plan_input(plan, input)?;
    let trace = spikeloom_cyclesim::simulate(plan, &steps).map_err(Error::failure)?;
    let out = plan.output_layer;
    let cycles: Vec<u64> = trace.cycles_per_step.iter().flatten().copied().collect();
    Ok(EngineOutput {
        t: input.steps(),
        n: input.samples(),
        o: plan.cores[out].size,
        spikes: trace.layers[out].spikes.clone(),
        v: Membrane::Fixed {
            raw: trace.layers[out].membrane.clone(),
            scale: v_scale,
        },
        extra: vec![cycles_array(input, &cycles)],
        readout: Readout::for_output(plan.cores[out].kind.fires()),
    })
}

/// Cycles of each sample on chip: the host bridge's twin scanning every step's non-zero input
/// words into the core (`spikeloom_cyclesim::simulate_on_chip`), from the reset to the last
/// step's end; the host link's transfer is not included.
pub fn on_chip_cycles(plan: &Plan, input: &SpikeSteps) -> Result<Vec<u64>> {
    let steps = plan_input(plan, input)?;
    let runs = spikeloom_cyclesim::simulate_on_chip(plan, &steps).map_err(Error::failure)?;
    Ok(runs.iter().map(|r| r.end).collect())
}

/// Write the cycle model's waveform of `sample` to `path` (VCD).
pub fn write_vcd(
    plan: &Plan,
    input: &SpikeSteps,
    sample: usize,
    path: &std::path::Path,
) -> Result<()> {
    let steps = plan_input(plan, input)?;
    let file = std::fs::File::create(path)
        .map_err(|e| Error::failure(format!("cannot create {}: {e}", path.display())))?;
    spikeloom_cyclesim::simulate_with_vcd(plan, &steps, sample, std::io::BufWriter::new(file))
        .map_err(Error::input)?;
    Ok(())
}

/// The generated Verilog under Verilator or Icarus, decoded like the other engines; the
/// bundle is written to `work/rtl`, the simulator builds in `work/<simulator>`.
pub fn run_rtl(
    plan: &Plan,
    input: &SpikeSteps,
    sim: spikeloom_cosim::Simulator,
    work: &Path,
    v_scale: f64,
) -> Result<EngineOutput> {
    let bundle_dir = work.join("rtl");
    crate::verify::write_bundle(plan, &bundle_dir)?;
    let stim = spikeloom_cosim::stimulus_from_values(
        input.data(),
        [input.steps(), input.samples(), input.width()],
        plan.input_bits,
    )
    .map_err(Error::input)?;
    let iface = plan.top_interface();
    let log =
        spikeloom_cosim::run_rtl(&bundle_dir, &iface, &stim, sim, &work.join(sim.to_string()))
            .map_err(Error::failure)?;
    let rtl = spikeloom_cosim::decode_log(&log, &iface, input.steps(), input.samples())
        .map_err(Error::failure)?;
    let out = plan.output_layer;
    let cycles: Vec<u64> = rtl.cycles_per_step.iter().flatten().copied().collect();
    Ok(EngineOutput {
        t: input.steps(),
        n: input.samples(),
        o: plan.cores[out].size,
        spikes: rtl.layers[out].spikes.clone(),
        v: Membrane::Fixed {
            raw: rtl.layers[out].membrane.clone(),
            scale: v_scale,
        },
        extra: vec![cycles_array(input, &cycles)],
        readout: Readout::for_output(plan.cores[out].kind.fires()),
    })
}

/// The `cycles` array `[N, T]` of an output.
fn cycles_array(input: &SpikeSteps, cycles: &[u64]) -> (String, spikeloom_npy::NpyArray) {
    (
        "cycles".to_string(),
        spikeloom_npy::NpyArray {
            shape: vec![input.samples(), input.steps()],
            data: spikeloom_npy::NpyData::U32(
                cycles
                    .iter()
                    .map(|&c| u32::try_from(c).unwrap_or(u32::MAX))
                    .collect(),
            ),
        },
    )
}

/// Golden integer model on the output layer.
pub fn run_fixed(q: &QNet, input: &SpikeSteps) -> Result<EngineOutput> {
    let steps = input.with_bits(q.input_bits).map_err(Error::input)?;
    let trace = spikeloom_qnet::eval(q, &steps).map_err(Error::input)?;
    let layer = &trace.layers[q.output_layer];
    Ok(EngineOutput {
        t: input.steps(),
        n: input.samples(),
        o: layer.size,
        spikes: layer.spikes.clone(),
        v: Membrane::Fixed {
            raw: layer.membrane.clone(),
            scale: q.layers[q.output_layer].state_lsb,
        },
        extra: Vec::new(),
        readout: Readout::of_qnet(q),
    })
}

/// Float engine on the output layer.
pub fn run_float(net: &FloatNet, input: &SpikeSteps) -> Result<EngineOutput> {
    let trace = spikeloom_float::simulate(net, input).map_err(Error::input)?;
    let layer = &trace.layers[net.output_layer];
    Ok(EngineOutput {
        t: input.steps(),
        n: input.samples(),
        o: layer.size,
        spikes: layer.spikes.clone(),
        v: Membrane::Float(layer.membrane.clone()),
        extra: Vec::new(),
        readout: Readout::of_float(net),
    })
}
