//! [`simulate`]: run samples through the cycle model and collect spikes, membranes and cycles.

use crate::bridge::Features;
use crate::error::SimError;
use crate::protocol::{LogLine, StimCmd};
use crate::sim::{BridgeRun, CycleSim};
use crate::vcd::VcdWriter;
use spikeloom_plan::{LoadState, Plan};
use spikeloom_qnet::{LayerTrace, Saturations, SpikeSteps};
use std::io::Write;

/// What the cycle model observed, arrays row-major `[T][N][size]` like `spikeloom_qnet::QTrace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleTrace {
    /// Steps.
    pub steps: usize,
    /// Samples.
    pub samples: usize,
    /// Per layer, QNet order: spikes and membranes after each step's update, in the golden
    /// trace's type (`current` is `None` and the saturation counters stay zero: the trace beat
    /// carries neither).
    pub layers: Vec<LayerTrace>,
    /// `[N][T]` cycles of each step, from the cycle after the previous output eos (for step 0:
    /// after the post-reset clear) through the step's output eos; equals `Plan::step_cycles`.
    pub cycles_per_step: Vec<Vec<u64>>,
    /// Output layer events as the output stream delivered them, `[T][N]` lists.
    pub outputs: Vec<Vec<u32>>,
    /// The start-up weight load of a design whose store is loaded (SPRAM): its cycles (from
    /// the power-on reset's release to the loader's verdict) and outcome; counted apart from
    /// the steps. `None` when the bitstream holds the weights.
    pub load: Option<(u64, LoadState)>,
}

/// The stimulus of one sample: a reset, then per step its events (ascending) and an eos.
/// Binary input (`input.bits() == 1`) gives `E i` beats, graded input `E i v` beats.
pub fn stimulus_for(input: &SpikeSteps, sample: usize) -> Vec<StimCmd> {
    let mut stim = vec![StimCmd::Reset];
    for t in 0..input.steps() {
        for (i, &s) in input.row(t, sample).iter().enumerate() {
            if s != 0 {
                stim.push(if input.bits() > 1 {
                    StimCmd::Graded(i as u32, u32::from(s))
                } else {
                    StimCmd::Event(i as u32)
                });
            }
        }
        stim.push(StimCmd::Eos);
    }
    stim
}

/// Every input value must fit the plan's input width (binary: 0/1).
fn check_values(plan: &Plan, input: &SpikeSteps) -> Result<(), SimError> {
    let bits = plan.input_bits.clamp(1, 8);
    let max = (1u32 << bits) - 1;
    match input.data().iter().position(|&v| u32::from(v) > max) {
        Some(pos) => Err(SimError::InputValue {
            feature: pos % input.width().max(1),
            value: input.data()[pos],
            max,
            bits,
        }),
        None => Ok(()),
    }
}

/// Run every sample of `input` (reset before each) and collect the trace.
pub fn simulate(plan: &Plan, input: &SpikeSteps) -> Result<CycleTrace, SimError> {
    run(plan, input, None)
}

/// [`simulate`], also returning the whole log: the log of the stimulus of every sample
/// ([`stimulus_for`], concatenated), what the RTL co-simulation is compared with. One run gives
/// both.
pub fn simulate_with_log(
    plan: &Plan,
    input: &SpikeSteps,
) -> Result<(CycleTrace, Vec<LogLine>), SimError> {
    let mut all = Vec::new();
    let trace = run(plan, input, Some(&mut all))?;
    Ok((trace, all))
}

/// Every sample of `input` run on chip ([`CycleSim::run_bridge`]): the host bridge's twin
/// scans each step's features (zero-skip) into the core, as a counts-only RUN_VALUES would, from
/// the core reset's release to the last step's end (the host link's transfer excluded). The
/// runs keep the log's output lines (traces dropped); the cycles are [`BridgeRun::end`].
pub fn simulate_on_chip(plan: &Plan, input: &SpikeSteps) -> Result<Vec<BridgeRun>, SimError> {
    if input.width() != plan.input_size {
        return Err(SimError::InputWidth {
            got: input.width(),
            expected: plan.input_size,
        });
    }
    check_values(plan, input)?;
    let mut sim = CycleSim::new(plan);
    (0..input.samples())
        .map(|n| {
            let rows: Vec<Vec<u8>> = (0..input.steps())
                .map(|t| input.row(t, n).to_vec())
                .collect();
            let mut run = sim.run_bridge(&rows, Features::Values)?;
            run.log.retain(|l| !matches!(l, LogLine::Trace { .. }));
            Ok(run)
        })
        .collect()
}

fn run(
    plan: &Plan,
    input: &SpikeSteps,
    mut keep: Option<&mut Vec<LogLine>>,
) -> Result<CycleTrace, SimError> {
    if input.width() != plan.input_size {
        return Err(SimError::InputWidth {
            got: input.width(),
            expected: plan.input_size,
        });
    }
    check_values(plan, input)?;
    let (steps, samples) = (input.steps(), input.samples());
    let sizes: Vec<usize> = plan.cores.iter().map(|c| c.size).collect();
    let mut tr = CycleTrace {
        steps,
        samples,
        layers: sizes
            .iter()
            .map(|&size| LayerTrace {
                size,
                spikes: vec![0; steps * samples * size],
                membrane: vec![0; steps * samples * size],
                current: None,
                saturations: Saturations::default(),
            })
            .collect(),
        cycles_per_step: vec![Vec::with_capacity(steps); samples],
        outputs: vec![Vec::new(); steps * samples],
        load: None,
    };
    let mut sim = CycleSim::new(plan);
    let mut log = Vec::new();
    for n in 0..samples {
        log.clear();
        sim.run_into(&stimulus_for(input, n), &mut log)?;
        let (mut t, mut last_eos) = (0usize, plan.clear_cycles as u64);
        for line in &log {
            match *line {
                LogLine::Trace {
                    layer,
                    neuron,
                    v,
                    spike,
                    ..
                } => {
                    let at = (t * samples + n) * sizes[layer as usize] + neuron as usize;
                    // counts are at most 8 bits wide (spike_bits <= 8)
                    tr.layers[layer as usize].spikes[at] = spike as u8;
                    tr.layers[layer as usize].membrane[at] = v;
                }
                LogLine::Out { index, .. } => tr.outputs[t * samples + n].push(index),
                LogLine::OutEos { cycle } => {
                    tr.cycles_per_step[n].push(cycle + 1 - last_eos);
                    last_eos = cycle + 1;
                    t += 1;
                }
                LogLine::Load { cycle, state } => {
                    tr.load = LoadState::from_code(state).map(|s| (cycle, s));
                }
                LogLine::Reset => {}
            }
        }
        if let Some(all) = keep.as_deref_mut() {
            all.append(&mut log);
        }
    }
    Ok(tr)
}

/// Run sample `sample` of `input` (after a reset) while writing its waveforms to `w` as VCD
/// (see [`VcdWriter`]); returns the log and the sink.
pub fn simulate_with_vcd<W: Write>(
    plan: &Plan,
    input: &SpikeSteps,
    sample: usize,
    w: W,
) -> Result<(Vec<LogLine>, W), SimError> {
    if input.width() != plan.input_size {
        return Err(SimError::InputWidth {
            got: input.width(),
            expected: plan.input_size,
        });
    }
    if sample >= input.samples() {
        return Err(SimError::NoSuchSample {
            sample,
            samples: input.samples(),
        });
    }
    check_values(plan, input)?;
    let mut vcd = VcdWriter::new(plan, w)?;
    let mut log = Vec::new();
    CycleSim::new(plan).run_with_vcd(&stimulus_for(input, sample), &mut log, &mut vcd)?;
    Ok((log, vcd.finish()?))
}
