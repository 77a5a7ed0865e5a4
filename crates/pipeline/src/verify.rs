//! The verification `build` runs on a small sample, and the comparisons `verify` shares with
//! it: golden integer model == cycle model (every layer's spikes and membranes, every step),
//! and RTL (Icarus) == cycle model (the whole co-simulation log: same lines at the same cycle
//! numbers), plus the activity figures the report needs.

use crate::error::{Error, Result};
use crate::input::{load_steps, ModelInput};
use spikeloom_cosim::{
    check_tools, compare_logs, decode_log, run_rtl, FirstMismatch, LogLine, Simulator, StimCmd,
};
use spikeloom_cyclesim::{stimulus_for, CycleTrace};
use spikeloom_plan::{Plan, QSource};
use spikeloom_qnet::{QNet, QTrace, SpikeSteps};
use std::path::{Path, PathBuf};

/// Steps of the generated sample when none is given.
const RANDOM_STEPS: usize = 20;
/// Spike probability of the generated sample, percent.
const RANDOM_DENSITY: u64 = 20;

/// The verification input and where it came from.
pub struct Sample {
    /// Binary spikes `[T][N][F]`.
    pub spikes: SpikeSteps,
    /// For the report: the file, or how it was generated.
    pub origin: String,
}

/// The first `samples` samples of `path`, or deterministic pseudo-random spikes.
pub fn sample(path: Option<&Path>, samples: usize, input: &ModelInput) -> Result<Sample> {
    let samples = samples.max(1);
    let input_size = input.features();
    match path {
        Some(p) => {
            let spikes = load_steps(p, input)?.take_samples(samples);
            let origin = format!(
                "{} (first {} of its samples, {} steps)",
                p.display(),
                spikes.samples(),
                spikes.steps()
            );
            Ok(Sample { spikes, origin })
        }
        None => {
            let mut state = 0x5EED_u64;
            let data = (0..RANDOM_STEPS * samples * input_size)
                .map(|_| {
                    // 64-bit LCG (Knuth's MMIX constants); the high bits are the random ones.
                    // The one generator outside the tests (whose is `testkit::Rng`, a
                    // dev-dependency that library code may not use): the default sample's
                    // spikes, the same in every release.
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    u8::from((state >> 33) % 100 < RANDOM_DENSITY)
                })
                .collect();
            let spikes =
                SpikeSteps::new(RANDOM_STEPS, samples, input_size, data).map_err(Error::failure)?;
            let origin = format!(
                "pseudo-random spikes ({samples} samples x {RANDOM_STEPS} steps, {RANDOM_DENSITY}% density); \
                 pass --sample X.npy for real data"
            );
            Ok(Sample { spikes, origin })
        }
    }
}

/// One cycle-model run: the trace (every layer, step, sample) and the log of the stimulus it
/// ran (what the RTL must reproduce line for line).
pub struct CycleRun {
    /// The trace.
    pub trace: CycleTrace,
    /// The stimulus of every sample, concatenated.
    pub stim: Vec<StimCmd>,
    /// The log of that stimulus.
    pub log: Vec<LogLine>,
}

/// Run the cycle model on `input` once, keeping its trace and its log.
pub fn cycle_run(plan: &Plan, input: &SpikeSteps) -> Result<CycleRun> {
    let (trace, log) =
        spikeloom_cyclesim::simulate_with_log(plan, input).map_err(Error::failure)?;
    let stim = (0..input.samples())
        .flat_map(|n| stimulus_for(input, n))
        .collect();
    Ok(CycleRun { trace, stim, log })
}

/// Golden model vs cycle model: `Ok(summary)` when every spike and membrane agrees.
pub fn golden_vs_cycle(net: &QNet, golden: &QTrace, cycle: &CycleTrace) -> Result<String> {
    if let Some(m) = first_difference(net, golden, cycle) {
        return Err(Error::Mismatch {
            engine: "cycle model".into(),
            reference: "integer golden model".into(),
            place: m,
            advice: "; this is a spikeloom bug, please report it with the model".into(),
        });
    }
    let values: usize = golden.layers.iter().map(|l| l.spikes.len()).sum();
    Ok(format!(
        "{values} neuron-steps, spikes and membranes identical"
    ))
}

/// The first (layer, step, sample, neuron) where the traces differ, described: layers in order,
/// within a layer a spike before a membrane (`spikeloom_qnet::LayerTrace::first_difference`).
fn first_difference(net: &QNet, golden: &QTrace, cycle: &CycleTrace) -> Option<String> {
    if (golden.steps, golden.samples) != (cycle.steps, cycle.samples) {
        return Some("the trace shape".into());
    }
    golden
        .layers
        .iter()
        .zip(&net.layers)
        .enumerate()
        .find_map(|(l, (g, layer))| {
            let d = g.first_difference(
                golden.samples,
                &cycle.layers[l].spikes,
                &cycle.layers[l].membrane,
            )?;
            let got = d.got.map_or("nothing".to_string(), |v| v.to_string());
            Some(format!(
                "layer `{}` neuron {} step {} sample {}: {} golden {}, cycle model {got}",
                layer.name, d.neuron, d.step, d.sample, d.what, d.golden
            ))
        })
}

/// Generate the plan's Verilog bundle into `dir` (what `verify` and `simulate --engine rtl`
/// simulate; `build` writes its design's with the board files, [`crate::design::write`]).
pub fn write_bundle(plan: &Plan, dir: &Path) -> Result<()> {
    spikeloom_verilog::generate(plan, &spikeloom_verilog::GenOptions::default())
        .write_to(dir)
        .map_err(|e| Error::write(dir, e))
}

/// One RTL simulation of the cycle model's stimulus, and where its log first differs from the
/// cycle model's (`None`: every line agrees, cycle stamps included). Shared by `build` (Icarus)
/// and `verify` (each simulator).
pub struct RtlRun {
    /// The simulator's log.
    pub log: Vec<LogLine>,
    /// The first difference from the cycle model's log.
    pub mismatch: Option<FirstMismatch>,
}

/// Simulate the bundle in `rtl_dir` with `sim` (building in `work_dir`) on the stimulus of
/// `cycle` and compare its log with the cycle model's.
pub fn rtl_run(
    plan: &Plan,
    rtl_dir: &Path,
    work_dir: &Path,
    cycle: &CycleRun,
    sim: Simulator,
) -> Result<RtlRun> {
    let log = run_rtl(rtl_dir, &plan.top_interface(), &cycle.stim, sim, work_dir)
        .map_err(Error::failure)?;
    let mismatch = compare_logs(&cycle.log, &log);
    Ok(RtlRun { log, mismatch })
}

/// RTL co-simulation in Icarus vs the cycle model's log: `Ok(summary)` when every line agrees,
/// cycle stamps included. Without a usable Icarus this is an error
/// ([`Error::SimulatorMissing`]): the output would not be verified.
pub fn rtl_vs_cycle(
    plan: &Plan,
    rtl_dir: &Path,
    work_dir: &Path,
    cycle: &CycleRun,
) -> Result<String> {
    check_tools(Simulator::Icarus).map_err(|e| Error::SimulatorMissing {
        what: "verification (RTL co-simulation)".into(),
        simulator: "Icarus Verilog".into(),
        reason: e.to_string(),
        advice: "Without it the bitstream would not be verified; pass --no-verify to build it \
                 unverified"
            .into(),
    })?;
    let rtl = rtl_run(plan, rtl_dir, work_dir, cycle, Simulator::Icarus)
        .map_err(|e| Error::failure(format!("RTL co-simulation: {e}")))?;
    if let Some(m) = rtl.mismatch {
        return Err(Error::Mismatch {
            engine: "RTL (Icarus)".into(),
            reference: "cycle model".into(),
            place: m.to_string(),
            advice: format!("; files in {}", work_dir.display()),
        });
    }
    Ok(format!(
        "{} log lines identical, cycle for cycle (Icarus)",
        rtl.log.len()
    ))
}

/// What `verify` checks against the golden model: the plan, the input, the simulators and
/// where they work.
pub struct EngineCheckInput<'a> {
    /// The integer network.
    pub qnet: &'a QNet,
    /// Its golden trace of `steps`.
    pub golden: &'a QTrace,
    /// The hardware plan.
    pub plan: &'a Plan,
    /// The input samples.
    pub input: &'a SpikeSteps,
    /// The same, as the engines take it (`input_bits` wide).
    pub steps: &'a SpikeSteps,
    /// RTL simulators to run, in order.
    pub simulators: &'a [Simulator],
    /// Work directory (generated RTL, simulator builds, reproducers).
    pub work: &'a Path,
    /// An RTL directory to check instead of generating `work/rtl`.
    pub rtl: Option<&'a Path>,
}

/// One engine against the golden model.
pub struct EngineCheck {
    /// `cycle`, or the simulator's name.
    pub engine: String,
    /// Each layer's differences from the golden trace.
    pub layers: Vec<LayerDiff>,
    /// Where the engine's log first differs from the cycle model's (RTL engines).
    pub log_mismatch: Option<FirstMismatch>,
    /// Cycles of each step `[N][T]`.
    pub cycles_per_step: Vec<Vec<u64>>,
}

/// The engines checked, the cycle model first.
pub struct EngineChecks {
    /// The RTL bundle the simulators ran.
    pub bundle_dir: PathBuf,
    /// Cycle model, then each simulator.
    pub engines: Vec<EngineCheck>,
}

/// What [`check_engines`] is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckEvent {
    /// A stage starts (its description).
    Start(String),
    /// A stage ended (its name, a note).
    Done(String, String),
    /// A reproducer of an RTL mismatch was written to this directory.
    Reproducer(PathBuf),
    /// The cycle model's waveform of this sample was written to this file.
    Waveform(usize, PathBuf),
}

/// The cycle model and each RTL simulator against the golden trace, layer by layer (spikes and
/// membranes, every step), and each simulator's log against the cycle model's (cycle stamps
/// included); a log mismatch leaves a reproducer and the cycle model's waveform in `work`.
pub fn check_engines(
    c: &EngineCheckInput<'_>,
    on: &mut dyn FnMut(CheckEvent),
) -> Result<EngineChecks> {
    let (q, input) = (c.qnet, c.input);
    let samples = format!("{} samples x {} steps", input.samples(), input.steps());
    on(CheckEvent::Start(format!("cycle model ({samples})")));
    let run = cycle_run(c.plan, c.steps)?;
    let cycle = &run.trace;
    let layers = (0..q.layers.len())
        .map(|l| {
            c.golden.layers[l].diff(
                input.samples(),
                &cycle.layers[l].spikes,
                &cycle.layers[l].membrane,
            )
        })
        .collect();
    let mut engines = vec![EngineCheck {
        engine: "cycle".into(),
        layers,
        log_mismatch: None,
        cycles_per_step: cycle.cycles_per_step.clone(),
    }];
    on(CheckEvent::Done("cycle model".into(), String::new()));
    on(CheckEvent::Start(
        if c.rtl.is_some() {
            "RTL (given)"
        } else {
            "generate RTL"
        }
        .into(),
    ));
    let bundle_dir = match c.rtl {
        Some(dir) => dir.to_path_buf(),
        None => {
            let dir = c.work.join("rtl");
            write_bundle(c.plan, &dir)?;
            dir
        }
    };
    on(CheckEvent::Done(
        "RTL".into(),
        bundle_dir.display().to_string(),
    ));
    let iface = c.plan.top_interface();
    for &sim in c.simulators {
        let name = sim.to_string();
        on(CheckEvent::Start(format!("{sim} ({samples})")));
        let RtlRun { log, mismatch } =
            rtl_run(c.plan, &bundle_dir, &c.work.join(&name), &run, sim)?;
        on(CheckEvent::Done(name.clone(), String::new()));
        if let Some(m) = &mismatch {
            let dir = write_reproducer(c.work, q, input, &run.stim, &run.log, &log, &name)?;
            on(CheckEvent::Reproducer(dir));
            let vcd = write_mismatch_vcd(c.work, c.plan, c.steps, m.sample, &name)?;
            on(CheckEvent::Waveform(m.sample, vcd));
        }
        let rtl =
            decode_log(&log, &iface, input.steps(), input.samples()).map_err(Error::failure)?;
        let layers = (0..q.layers.len())
            .map(|l| {
                c.golden.layers[l].diff(
                    input.samples(),
                    &rtl.layers[l].spikes,
                    &rtl.layers[l].membrane,
                )
            })
            .collect();
        engines.push(EngineCheck {
            engine: name,
            layers,
            log_mismatch: mismatch,
            cycles_per_step: rtl.cycles_per_step,
        });
    }
    Ok(EngineChecks {
        bundle_dir,
        engines,
    })
}

/// Synaptic operations (weight accumulations) of each step `[N][T]`: an event adds one weight
/// (times its value, in one multiply-accumulate) to every neuron of a dense layer it projects
/// to, and to every neuron of its kernel footprint in a convolution layer (through the
/// pooling's index map when pooled: an element outside every window adds nothing). A graded
/// value or a spike count is one operation per synapse, not `v`: the count the chip's weight
/// memories bound.
pub fn synaptic_ops(plan: &Plan, input: &SpikeSteps, cycle: &CycleTrace) -> Vec<Vec<u64>> {
    let (steps, samples) = (input.steps(), input.samples());
    let row = |src: QSource, t: usize, n: usize| -> &[u8] {
        match src {
            QSource::Input => input.row(t, n),
            QSource::Layer(l) => {
                let size = plan.cores[l].size;
                &cycle.layers[l].spikes[(t * samples + n) * size..][..size]
            }
        }
    };
    // weights one event of source element i adds
    let fan_out = |core: &spikeloom_plan::CorePlan, p: &spikeloom_plan::ProjPlan, i: usize| {
        let m = match &p.pool {
            Some(g) => match g.map(i) {
                Some(m) => m,
                None => return 0,
            },
            None => i,
        };
        match &core.conv {
            Some(g) => {
                let mut n = 0u64;
                g.for_each_target(m, |_, _| n += 1);
                n
            }
            None => core.size as u64,
        }
    };
    (0..samples)
        .map(|n| {
            (0..steps)
                .map(|t| {
                    let mut ops = 0;
                    for core in &plan.cores {
                        for p in &core.projections {
                            let t_src = match (p.delayed, t) {
                                (true, 0) => continue,
                                (true, _) => t - 1,
                                (false, _) => t,
                            };
                            for (i, &v) in row(p.source, t_src, n).iter().enumerate() {
                                if v > 0 {
                                    ops += fan_out(core, p, i);
                                }
                            }
                        }
                    }
                    ops
                })
                .collect()
        })
        .collect()
}

pub use spikeloom_qnet::LayerDiff;

/// Accuracy of the output layer of a float trace (when given) and of the golden trace under
/// the network's read-out (`spikeloom_quant::Readout`: spike counts, or the membrane summed
/// over time for a non-spiking read-out layer).
pub fn trace_accuracy(
    q: &QNet,
    float: Option<&spikeloom_float::FloatTrace>,
    fixed: &QTrace,
    labels: &[i64],
) -> (Option<f64>, f64) {
    let readout = spikeloom_quant::Readout::of_qnet(q);
    let o = q.output_layer;
    let size = q.layers[o].size;
    let (steps, samples) = (fixed.steps, fixed.samples);
    let float = float.map(|f| {
        let l = &f.layers[o];
        let p = readout.predict_arrays(steps, samples, size, &l.spikes, &l.membrane);
        spikeloom_quant::accuracy(&p, labels)
    });
    let l = &fixed.layers[o];
    let p = readout.predict_arrays(steps, samples, size, &l.spikes, &l.membrane);
    (float, spikeloom_quant::accuracy(&p, labels))
}

/// The cycle model's waveform of the first mismatching sample, to compare with the RTL's, in
/// `work/reproducer-<sim>/`; returns its path.
pub fn write_mismatch_vcd(
    work: &Path,
    plan: &Plan,
    steps: &SpikeSteps,
    sample: usize,
    sim: &str,
) -> Result<PathBuf> {
    let path = work
        .join(format!("reproducer-{sim}"))
        .join(format!("cycle-model-sample{sample}.vcd"));
    let file = std::fs::File::create(&path)
        .map_err(|e| Error::failure(format!("cannot create {}: {e}", path.display())))?;
    spikeloom_cyclesim::simulate_with_vcd(
        plan,
        steps,
        sample.min(steps.samples() - 1),
        std::io::BufWriter::new(file),
    )
    .map_err(Error::failure)?;
    Ok(path)
}

/// A reproducer of an RTL mismatch in `work/reproducer-<sim>/`: the integer network, the
/// input, the stimulus, both logs and how to rerun them; returns the directory.
pub fn write_reproducer(
    work: &Path,
    q: &QNet,
    input: &SpikeSteps,
    stim: &[spikeloom_cosim::StimCmd],
    expected: &[spikeloom_cosim::LogLine],
    got: &[spikeloom_cosim::LogLine],
    sim: &str,
) -> Result<PathBuf> {
    let dir = work.join(format!("reproducer-{sim}"));
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text)
            .map_err(|e| Error::failure(format!("cannot write {}: {e}", dir.join(name).display())))
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::failure(format!("{}: {e}", dir.display())))?;
    write("model.q.json", q.to_json_string())?;
    write("stimulus.txt", spikeloom_cosim::format_stimulus(stim))?;
    write("expected.log", spikeloom_cosim::format_log(expected))?;
    write(&format!("{sim}.log"), spikeloom_cosim::format_log(got))?;
    let array = spikeloom_npy::NpyArray {
        shape: vec![input.steps(), input.samples(), input.width()],
        data: spikeloom_npy::NpyData::U8(input.data().to_vec()),
    };
    write(
        "README.txt",
        format!(
            "Reproduce: spikeloom simulate model.q.json --input input.npy --engine cycle; \
             the RTL ({sim}) log differs from expected.log (the cycle model's). Rerun the RTL with \
             sim/README.md's instructions on stimulus.txt.\n"
        ),
    )?;
    std::fs::write(
        dir.join("input.npy"),
        spikeloom_npy::write_npy_bytes(&array),
    )
    .map_err(|e| Error::failure(format!("{}: {e}", dir.display())))?;
    Ok(dir)
}
