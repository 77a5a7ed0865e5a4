//! RTL simulation speed: the generated design under Verilator and Icarus through the
//! co-simulation crate, on the same stimulus as the cycle model, whose log must be identical.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use spikeloom_cosim::{
    compare_logs, run_rtl, stimulus_from_spikes, LogLine, Simulator, StimCmd, DRAIN_CYCLES,
};
use spikeloom_cyclesim::CycleSim;
use spikeloom_plan::Plan;
use spikeloom_qnet::SpikeSteps;
use spikeloom_verilog::GenOptions;

use crate::fixture::BenchError;
use crate::timing::{time, Timed};

/// One simulator's figures.
#[derive(Debug, Clone, Serialize)]
pub struct RtlRun {
    /// `verilator`, `icarus` or `cycle model`.
    pub simulator: String,
    /// One-off build time (Verilator C++ compile; Icarus compiles on every run: 0 here).
    pub build_s: f64,
    /// Run time for the stimulus (median; for Icarus includes its compile, well under 1 s).
    pub run: Timed,
    /// Simulated clock cycles.
    pub cycles: u64,
    /// Cycles per second of wall time.
    pub cycles_per_s: f64,
    /// The log equals the cycle model's, line for line, cycle stamps included.
    pub log_equals_cycle_model: bool,
}

/// Run the cycle model and the HDL simulators on `input` for `plan`, in `work`. Each simulator
/// gets the first `samples` samples of the input (Icarus is slow: a subset keeps the run short);
/// speed is compared in simulated cycles per second.
pub fn rtl_runs(
    plan: &Plan,
    input: &SpikeSteps,
    work: &Path,
    sims: &[(Simulator, usize)],
) -> Result<Vec<RtlRun>, BenchError> {
    let bundle_dir = work.join("rtl");
    spikeloom_verilog::generate(plan, &GenOptions::default())
        .write_to(&bundle_dir)
        .map_err(|e| format!("{}: {e}", bundle_dir.display()))?;
    let stim = stimulus_from_spikes(
        input.data(),
        [input.steps(), input.samples(), input.width()],
    )
    .map_err(|e| e.to_string())?;
    let model_log = CycleSim::new(plan)
        .run_stimulus(&stim)
        .map_err(|e| e.to_string())?;
    let cycles = simulated_cycles(&model_log);
    let t_model = time(5, Duration::from_secs(2), || {
        CycleSim::new(plan).run_stimulus(&stim)
    });
    let mut runs = vec![RtlRun {
        simulator: format!("cycle model ({} samples)", input.samples()),
        build_s: 0.0,
        run: t_model,
        cycles,
        cycles_per_s: cycles as f64 / t_model.median_s,
        log_equals_cycle_model: true,
    }];
    let iface = plan.top_interface();
    for &(sim, samples) in sims {
        let stim = first_samples(&stim, samples);
        let model_log = CycleSim::new(plan)
            .run_stimulus(&stim)
            .map_err(|e| e.to_string())?;
        let cycles = simulated_cycles(&model_log);
        let dir = work.join(sim.to_string());
        let start = Instant::now();
        let log =
            run_rtl(&bundle_dir, &iface, &stim, sim, &dir).map_err(|e| format!("{sim}: {e}"))?;
        let first = start.elapsed().as_secs_f64();
        // The first run is the warm-up (and Verilator's build); `time` warms up once more, so
        // ask for a single measured run when one run is already slow.
        let runs_wanted = if first > 5.0 { 1 } else { 3 };
        let t = time(runs_wanted, Duration::from_secs(1), || {
            run_rtl(&bundle_dir, &iface, &stim, sim, &dir)
        });
        runs.push(RtlRun {
            simulator: format!("{sim} ({samples} samples)"),
            build_s: if sim == Simulator::Verilator {
                (first - t.median_s).max(0.0)
            } else {
                0.0
            },
            run: t,
            cycles,
            cycles_per_s: cycles as f64 / t.median_s,
            log_equals_cycle_model: compare_logs(&model_log, &log).is_none(),
        });
    }
    Ok(runs)
}

/// The commands of the first `samples` reset segments of `stim`.
fn first_samples(stim: &[StimCmd], samples: usize) -> Vec<StimCmd> {
    let mut resets = 0;
    stim.iter()
        .take_while(|c| {
            if matches!(c, StimCmd::Reset) {
                resets += 1;
            }
            resets <= samples
        })
        .copied()
        .collect()
}

/// Clock cycles a log covers: per reset segment, its last output end-of-step cycle plus the
/// drain the harness runs after it (cycle stamps restart at every reset).
pub fn simulated_cycles(log: &[LogLine]) -> u64 {
    let mut total = 0;
    let mut last = None;
    for line in log {
        match *line {
            LogLine::Reset => {
                total += last.take().map_or(0, |c: u64| c + 1 + DRAIN_CYCLES);
            }
            LogLine::OutEos { cycle } => last = Some(cycle),
            _ => {}
        }
    }
    total + last.map_or(0, |c| c + 1 + DRAIN_CYCLES)
}
