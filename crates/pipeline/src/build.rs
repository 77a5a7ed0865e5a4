//! `build` around the tools: before them, the verification sample through the golden model, the
//! cycle model and (unless waived) the RTL in Icarus, and the traces the report shows (each
//! engine runs once and every consumer gets the same run); the tool run as data (the build
//! plan); after them, the bitstream and the reports.

use crate::build_report::{
    efficiency, fmax, performance, resource_rows, untimed_note, weights_report, write_reports,
    BuildReport, ClockReport, TimeLimitsReport,
};
use crate::design::{Design, RTL_DIR};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::verify::{golden_vs_cycle, rtl_vs_cycle, sample, synaptic_ops, CycleRun, Sample};
use spikeloom_float::FloatTrace;
use spikeloom_qnet::QTrace;
use spikeloom_toolchain::{BuildOptions, BuildPlan, BuildResult, TimeLimits};
use std::path::Path;
use std::sync::Arc;

/// Subdirectory where the tools run and keep their logs.
pub const BUILD_DIR: &str = "build";
/// Subdirectory of the RTL co-simulation.
pub const VERIFY_DIR: &str = "verify";

/// The design checked on its sample.
pub struct Checked {
    /// The verification sample.
    pub sample: Sample,
    /// The cycle model's run of it (trace and log).
    pub cycle: Arc<CycleRun>,
    /// The golden model's trace of it.
    pub golden: Arc<QTrace>,
    /// The float engine's trace of it (a `.nir` model only).
    pub float: Option<Arc<FloatTrace>>,
    /// Synaptic operations of each step `[N][T]`.
    pub ops: Vec<Vec<u64>>,
    /// The sample on chip (`spikeloom_cyclesim::simulate_on_chip`: the host bridge's scan
    /// feeding the core, host link excluded).
    pub on_chip: OnChip,
    /// The golden == cycle model verdict (or why it was skipped).
    pub cycle_model: String,
    /// The RTL == cycle model verdict (or why it was skipped).
    pub rtl: String,
}

impl Session<'_> {
    /// Check the session's design on the verification sample (`sample_file`'s first
    /// `samples`, else pseudo-random spikes): golden model == cycle model, and RTL (Icarus,
    /// run in `out_dir/verify` on `out_dir/rtl`, which [`crate::design::write`] wrote) == cycle
    /// model. With `verify` false both comparisons are skipped (and said so); otherwise a
    /// missing Icarus is an error, since the output would not be verified.
    pub fn check_design(
        &self,
        sample_file: Option<&Path>,
        samples: usize,
        out_dir: &Path,
        verify: bool,
    ) -> Result<Checked> {
        let d = self.design()?;
        let s = sample(
            sample_file,
            samples,
            &crate::model::qnet_input(&d.model.qnet),
        )?;
        let cycle = self.cycle(&s.spikes)?;
        let golden = self.golden(&s.spikes)?;
        let float = if self.config().is_qnet() {
            None
        } else {
            Some(self.float_trace(&s.spikes)?)
        };
        let ops = synaptic_ops(&d.plan, &s.spikes, &cycle.trace);
        let on_chip = on_chip_cycles(&d.plan, &s.spikes, &cycle.trace)?;
        let (cycle_model, rtl) = if verify {
            let verdict = golden_vs_cycle(&d.model.qnet, &golden, &cycle.trace)?;
            let rtl = rtl_vs_cycle(
                &d.plan,
                &out_dir.join(RTL_DIR),
                &out_dir.join(VERIFY_DIR),
                &cycle,
            )?;
            (format!("passed on {}: {verdict}", s.origin), rtl)
        } else {
            let skipped = "skipped (--no-verify)".to_string();
            (skipped.clone(), skipped)
        };
        Ok(Checked {
            sample: s,
            cycle,
            golden,
            float,
            ops,
            on_chip,
            cycle_model,
            rtl,
        })
    }
}

/// Cycles on chip: the host bridge's twin scanning each step's features (zero-skip) into the
/// core, as a counts-only RUN_VALUES runs; the host link's transfer is not included.
#[derive(Debug, Clone, Default)]
pub struct OnChip {
    /// Cycles of each sample, from the core reset's release to its last step's end.
    pub per_sample: Vec<u64>,
    /// Cycles of each step `[N][T]`, from its start to the next step's.
    pub per_step: Vec<Vec<u64>>,
    /// Cycles of a step without any input or spike (the floor).
    pub idle_step: u64,
}

/// `input` on chip (the host bridge's twin feeding the core); its output events must be the
/// cycle model's (`trace`), step by step.
fn on_chip_cycles(
    plan: &spikeloom_plan::Plan,
    input: &spikeloom_qnet::SpikeSteps,
    trace: &spikeloom_cyclesim::CycleTrace,
) -> Result<OnChip> {
    let runs = spikeloom_cyclesim::simulate_on_chip(plan, input).map_err(Error::failure)?;
    for (n, run) in runs.iter().enumerate() {
        for (t, outs) in run.outputs().iter().enumerate() {
            let harness = trace.outputs.get(t * input.samples() + n);
            if harness != Some(outs) {
                return Err(Error::failure(format!(
                    "sample {n} step {t}: fed by the host bridge's twin, the cycle model sends outputs {outs:?}, fed by the harness {harness:?}; this is a spikeloom bug, please report it with the model"
                )));
            }
        }
    }
    // the floor: the second of two steps without input (the first may still clear)
    let zeros = spikeloom_qnet::SpikeSteps::zeros(2, 1, input.width());
    let idle = spikeloom_cyclesim::simulate_on_chip(plan, &zeros).map_err(Error::failure)?;
    Ok(OnChip {
        per_sample: runs.iter().map(|r| r.end).collect(),
        per_step: runs.iter().map(|r| r.step_cycles()).collect(),
        idle_step: idle[0].step_cycles()[1],
    })
}

/// How the tools run: placement seeds, time limits, whether a timing failure still gives a
/// bitstream.
#[derive(Debug, Clone)]
pub struct ToolSettings {
    /// First nextpnr placement seed.
    pub seed: u32,
    /// Seeds tried (seed, seed + 1, ...); the best Fmax is kept.
    pub seeds: u32,
    /// Time limit of each kind of step.
    pub time_limits: TimeLimits,
    /// Write the bitstream even when the design misses its clock.
    pub allow_timing_failure: bool,
}

impl Session<'_> {
    /// The tool run of the session's design, as data (files, commands, time limits).
    pub fn build_plan(&self, settings: &ToolSettings) -> Result<BuildPlan> {
        let design = self.design()?;
        let opts = BuildOptions {
            // nextpnr times every clock at the design clock; the PLL output's constraint is
            // also derived from the oscillator's (the constraint file's clock frequency)
            freq_mhz: Some(design.clock.design.mhz()),
            allow_timing_failure: settings.allow_timing_failure,
            seed: settings.seed,
            // the design's ports: the board's, and the SPI flash's with a weight loader
            ports: Some(design.ports.clone()),
            seeds: settings.seeds,
            time_limits: Some(settings.time_limits),
            ..BuildOptions::default()
        };
        spikeloom_toolchain::prepare(
            &design.board,
            &design.synthesis_sources(),
            spikeloom_board::WRAPPER_TOP,
            &opts,
        )
        .map_err(Error::input)
    }
}

/// What a finished tool run gives the reports.
pub struct ToolRun<'a> {
    /// The build plan that ran.
    pub plan: &'a BuildPlan,
    /// Its result.
    pub result: &'a BuildResult,
    /// The time limits it ran with.
    pub time_limits: &'a TimeLimits,
    /// Wall time of every step of the build (own steps and tool steps), seconds.
    pub step_seconds: Vec<(String, f64)>,
}

/// After the tools: copy the bitstream into `dir`, check the weight image against it, and
/// write `report.json`, `report.txt` and `report.html` (titled `title`). Returns the report and
/// the bitstream's path.
pub fn finish(
    design: &Design,
    checked: &Checked,
    run: ToolRun<'_>,
    dir: &Path,
    title: &str,
) -> Result<(BuildReport, std::path::PathBuf)> {
    let (plan, result) = (run.plan, run.result);
    let bitstream_name = plan.bitstream.display().to_string();
    let bitstream = dir.join(&bitstream_name);
    std::fs::copy(&result.bitstream, &bitstream).map_err(|e| {
        Error::failure(format!(
            "cannot copy the bitstream to {}: {e}",
            bitstream.display()
        ))
    })?;
    let weights = weights_report(design, &bitstream, &checked.cycle.trace.load)?;
    let fmax = fmax(&result.report);
    let resources = resource_rows(&design.board, &design.plan.resources, &result.report);
    let performance = performance(checked, design, fmax);
    let synapses = crate::build_report::synapses(&design.model.qnet);
    let luts = resources
        .iter()
        .find(|r| r.name == "LUT")
        .and_then(|r| r.used);
    let report = BuildReport {
        generator: design.manifest.generator.clone(),
        board: design.board.name.clone(),
        device: design.board.device.name.clone(),
        bitstream: bitstream_name,
        model_sha256: design.manifest.model_sha256.clone(),
        lanes: design.manifest.lanes.clone(),
        fits: resources
            .iter()
            .all(|r| r.used.is_none_or(|u| u <= r.available)),
        target_mhz: plan.freq_mhz,
        clock: ClockReport::new(&design.clock),
        fmax_mhz: fmax,
        critical_path: result.report.critical_path().cloned(),
        untimed: untimed_note(&result.report),
        timing_met: result.timing_failures.is_empty() && fmax.is_some_and(|f| f >= plan.freq_mhz),
        timing_failures: result.timing_failures.clone(),
        resources,
        efficiency: efficiency(&performance, design),
        host_link: crate::build_report::HostLinkReport::of_trace(
            &design.plan,
            &checked.cycle.trace,
            design.manifest.baud,
            performance.time_per_inference_us_at_clock,
        ),
        performance,
        synapses,
        luts_per_synapse: luts.map(|l| l as f64 / synapses.max(1) as f64),
        verify_cycle_model: checked.cycle_model.clone(),
        verify_rtl: checked.rtl.clone(),
        utilization: result.report.utilization.clone(),
        synth_cells: result.report.synth_cells.clone(),
        step_seconds: run.step_seconds,
        weights,
        seed: result.seed,
        seeds: result.seeds.clone(),
        time_limits_seconds: TimeLimitsReport::from(run.time_limits),
        tools: result.tools.clone(),
        commands: result.commands.clone(),
    };
    write_reports(&report, dir)?;
    crate::report_html::write(title, design, checked, &report, &result.report, dir)?;
    Ok((report, bitstream))
}
