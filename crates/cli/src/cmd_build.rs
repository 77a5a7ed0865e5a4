//! `spikeloom build`: generate, verify on a small sample, synthesise, place and route, pack, and
//! report. Progress goes to stderr one line per step; tool logs stay in `DIR/build/`.

use crate::args::{ModelArgs, QuantArgs};
use crate::build_verify::{cycle_trace, golden_vs_cycle, rtl_vs_cycle, sample, synaptic_ops};
use crate::cmd_generate::{self, Design, HwArgs, RTL_DIR};
use crate::report::{
    fmax, render, resource_rows, BuildReport, ClockReport, Performance, WeightsReport,
};
use crate::CliError;
use anyhow::anyhow;
use clap::Args;
use spikeloom_toolchain::{
    execute, prepare, BuildOptions, Progress, ToolEnv, ToolPaths, ToolchainError,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Subdirectory where the tools run and keep their logs.
const BUILD_DIR: &str = "build";
/// Subdirectory of the RTL co-simulation.
const VERIFY_DIR: &str = "verify";

/// `build` arguments.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Quantization settings (for a `.nir` model).
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Board, output directory, lanes.
    #[command(flatten)]
    pub hw: HwArgs,
    /// Skip verification (golden vs cycle model vs RTL); the cycle model still runs for the report.
    #[arg(long)]
    pub no_verify: bool,
    /// Write the bitstream even when the design misses the design clock.
    #[arg(long)]
    pub allow_timing_failure: bool,
    /// Spikes `.npy` ([T, N, F]) for verification and the performance figures
    /// [default: pseudo-random spikes].
    #[arg(long)]
    pub sample: Option<PathBuf>,
    /// How many samples of the sample file to verify with.
    #[arg(long, default_value_t = 2)]
    pub verify_samples: usize,
    /// nextpnr placement seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
}

/// Step counter for the progress lines.
struct Steps {
    total: usize,
    done: usize,
    times: Vec<(String, f64)>,
}

impl Steps {
    fn start(&mut self, name: &str) -> Instant {
        self.done += 1;
        eprintln!("[{}/{}] {name}...", self.done, self.total);
        Instant::now()
    }
    fn finish(&mut self, name: &str, started: Instant, note: &str) {
        self.record(name, started.elapsed(), note);
    }
    fn record(&mut self, name: &str, took: Duration, note: &str) {
        let secs = took.as_secs_f64();
        eprintln!(
            "      {name} done in {secs:.1} s{}",
            if note.is_empty() {
                String::new()
            } else {
                format!(": {note}")
            }
        );
        self.times.push((name.to_string(), secs));
    }
}

/// Run the command.
pub fn run(args: &BuildArgs) -> Result<(), CliError> {
    let dir = &args.hw.out;
    let mut steps = Steps {
        total: 5,
        done: 0,
        times: Vec::new(),
    };

    let t = steps.start("plan + generate");
    let design = cmd_generate::prepare(&args.model, &args.quant, &args.hw)?;
    cmd_generate::write(&design, dir)?;
    steps.finish(
        "generate",
        t,
        &format!(
            "{} cores, lanes {:?}",
            design.plan.cores.len(),
            design.manifest.lanes
        ),
    );

    let t = steps.start("verify (golden model, cycle model, RTL co-simulation)");
    let (perf_input, verify_cycle, verify_rtl) = verify(args, &design, dir)?;
    let verify_load = perf_input.load;
    steps.finish("verify", t, &verify_rtl);

    let tools = ToolPaths::discover(&ToolEnv::from_process(&tool_dirs()));
    let opts = BuildOptions {
        // nextpnr times every clock at the design clock; the PLL output's constraint is also
        // derived from the oscillator's (the constraint file's clock frequency)
        freq_mhz: Some(design.clock.design.mhz()),
        allow_timing_failure: args.allow_timing_failure,
        seed: args.seed,
        // the design's ports: the board's, and the SPI flash's with a weight loader
        ports: Some(design.ports.clone()),
        ..BuildOptions::default()
    };
    let plan = prepare(
        &design.board,
        &design.synthesis_sources(),
        spikeloom_board::WRAPPER_TOP,
        &opts,
    )
    .map_err(CliError::input)?;
    let build_dir = dir.join(BUILD_DIR);
    let mut progress = |p: Progress| match p {
        Progress::Started { step, .. } => {
            steps.start(&step);
        }
        Progress::Finished { step, elapsed, .. } => steps.record(&step, elapsed, ""),
    };
    // The three tool steps are counted by the toolchain's progress, on top of our two.
    let result = execute(&plan, &build_dir, &tools, &mut progress)
        .map_err(|e| tool_error(e, &build_dir, &design))?;

    let bitstream_name = plan.bitstream.display().to_string();
    let bitstream = dir.join(&bitstream_name);
    std::fs::copy(&result.bitstream, &bitstream).map_err(|e| {
        CliError::failure(anyhow!(
            "cannot copy the bitstream to {}: {e}",
            bitstream.display()
        ))
    })?;

    let weights = weights_report(&design, &bitstream, &verify_load)?;
    let fmax = fmax(&result.report);
    let perf = perf_input.into_performance(&design, fmax);
    let resources = resource_rows(&design.board, &design.plan.resources, &result.report);
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
        performance: perf,
        verify_cycle_model: verify_cycle,
        verify_rtl,
        utilization: result.report.utilization.clone(),
        synth_cells: result.report.synth_cells.clone(),
        step_seconds: steps.times.clone(),
        weights,
    };
    write_reports(&report, dir)?;
    let s = crate::build_verify::sample(
        args.sample.as_ref(),
        args.verify_samples,
        design.plan.input_size,
    )?;
    crate::build_html::write(&args.model, &design, &s, &report, &result.report, dir)?;
    print!("{}", render(&report));
    println!(
        "\nwrote {} and report.json / report.txt / report.html to {}",
        bitstream.display(),
        dir.display()
    );
    if !report.timing_met {
        eprintln!(
            "warning: timing not met; the bitstream may not work at the {} MHz design clock",
            design.clock.design
        );
    }
    Ok(())
}

/// What the performance figures need from verification.
struct PerfInput {
    origin: String,
    cycles: Vec<Vec<u64>>,
    ops: Vec<Vec<u64>>,
    /// The cycle model's start-up weight load (cycles, outcome), if the design has one.
    load: Option<(u64, spikeloom_plan::LoadState)>,
}

/// The weight image's report: the built bitstream must end before the image's flash offset
/// (the board file's `bitstream_bytes` promised it), and the cycle model's load must have
/// succeeded in the planned number of cycles.
fn weights_report(
    d: &Design,
    bitstream: &Path,
    load: &Option<(u64, spikeloom_plan::LoadState)>,
) -> Result<Option<WeightsReport>, CliError> {
    let Some(w) = &d.manifest.weights else {
        return Ok(None);
    };
    let bitstream_bytes = std::fs::metadata(bitstream)
        .map_err(|e| CliError::failure(anyhow!("cannot read {}: {e}", bitstream.display())))?
        .len();
    if let (Some(flash), Some(offset)) = (&d.board.flash, w.flash_offset) {
        flash
            .check_bitstream(bitstream_bytes, offset)
            .map_err(|e| CliError::failure(anyhow!("board `{}`: {e}", d.board.name)))?;
    }
    match load {
        Some((cycles, spikeloom_plan::LoadState::Ready)) if *cycles == w.load_cycles => {}
        other => {
            return Err(CliError::failure(anyhow!(
                "the cycle model's start-up weight load ended as {other:?}, but the plan expects it ready after {} cycles; this is a bug, please report it",
                w.load_cycles
            )))
        }
    }
    let program = d
        .board
        .flash
        .as_ref()
        .zip(w.flash_offset)
        .and_then(|(f, offset)| f.program_command(offset, &w.file))
        .map(|c| c.join(" "));
    Ok(Some(WeightsReport {
        file: w.file.clone(),
        bytes: w.bytes,
        crc32: format!("{:#010x}", w.crc32),
        flash_offset: w.flash_offset.map(|o| format!("{o:#x}")),
        bitstream_bytes,
        program,
        load_cycles: w.load_cycles,
        load_ms_at_clock: w.load_cycles as f64 / (d.clock.design.mhz() * 1e3),
    }))
}

impl PerfInput {
    fn into_performance(self, d: &Design, fmax: Option<f64>) -> Performance {
        Performance::new(
            self.origin,
            &self.cycles,
            &self.ops,
            d.plan.clear_cycles as u64,
            d.plan.idle_step_cycles(),
            d.clock.design.mhz(),
            fmax,
        )
    }
}

/// Cycle model on the sample (always), golden comparison and RTL co-simulation (unless
/// --no-verify). Returns the performance inputs and the two verification verdicts.
fn verify(
    args: &BuildArgs,
    d: &Design,
    dir: &Path,
) -> Result<(PerfInput, String, String), CliError> {
    let s = sample(args.sample.as_ref(), args.verify_samples, d.plan.input_size)?;
    let trace = cycle_trace(&d.plan, &s.spikes)?;
    let perf = PerfInput {
        ops: synaptic_ops(&d.plan, &s.spikes, &trace),
        cycles: trace.cycles_per_step.clone(),
        origin: s.origin.clone(),
        load: trace.load,
    };
    if args.no_verify {
        let skipped = "skipped (--no-verify)".to_string();
        return Ok((perf, skipped.clone(), skipped));
    }
    let cycle = golden_vs_cycle(&d.model.qnet, &s.spikes, &trace)?;
    let rtl = match rtl_vs_cycle(
        &d.plan,
        &dir.join(RTL_DIR),
        &dir.join(VERIFY_DIR),
        &s.spikes,
    )? {
        Ok(summary) => summary,
        Err(reason) => {
            eprintln!("warning: RTL co-simulation skipped: {reason}");
            format!("skipped: {reason}")
        }
    };
    Ok((perf, format!("passed on {}: {cycle}", s.origin), rtl))
}

/// Directories searched for the tools after PATH: the project-local `.tools/venv/bin` (where
/// scripts/install-tools.sh puts the YoWASP tools) above the working directory or the binary.
fn tool_dirs() -> Vec<PathBuf> {
    let mut starts: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    starts.extend(
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf)),
    );
    let mut dirs = Vec::new();
    for start in starts {
        for dir in start.ancestors() {
            let candidate = dir.join(".tools/venv/bin");
            if candidate.is_dir() && !dirs.contains(&candidate) {
                dirs.push(candidate);
            }
        }
    }
    dirs
}

/// A toolchain failure: exit 1 with the step, the tool's last lines and where the logs are; a
/// timing failure with the critical path and what to try.
fn tool_error(e: ToolchainError, build_dir: &Path, design: &Design) -> CliError {
    match e {
        ToolchainError::MissingTools(_) => CliError::failure(anyhow!("{e}")),
        ToolchainError::Timing { board, details } => {
            // the report nextpnr wrote says where the time goes
            let path = std::fs::read_to_string(build_dir.join("report.json"))
                .ok()
                .and_then(|text| spikeloom_toolchain::parse_nextpnr_report(&text).ok())
                .and_then(|r| r.critical_path().cloned())
                .map_or(String::new(), |p| {
                    format!("\ncritical path:\n{}", crate::report::path_text(&p))
                });
            let lanes = &design.manifest.lanes;
            CliError::failure(anyhow!(
                "timing failed on board `{board}`: {details} (design clock {}){path}\n\
                 what to try: a lower design clock (--clock-mhz, e.g. {}), fewer lanes (--lanes; now {lanes:?}), \
                 other placement seeds (--seed N), or --allow-timing-failure to get the bitstream anyway\n\
                 (logs of every step are in {})",
                design.clock.describe(),
                suggest_clock(&details),
                build_dir.display()
            ))
        }
        e => CliError::failure(anyhow!(
            "{e}\n(logs of every step are in {})",
            build_dir.display()
        )),
    }
}

/// A clock to suggest after a timing failure: the lowest achieved Fmax in `details`
/// (`... reaches 16.29 MHz < target ...`), rounded down to a whole MHz.
fn suggest_clock(details: &str) -> String {
    details
        .split("reaches ")
        .skip(1)
        .filter_map(|s| s.split(' ').next()?.parse::<f64>().ok())
        .reduce(f64::min)
        .map_or("a lower one".to_string(), |f| {
            format!("{}", f.floor().max(1.0))
        })
}

/// The note on paths nextpnr leaves out of Fmax: through a hard block on its constant clock
/// (an iCE40 SB_MAC16 without registers).
fn untimed_note(r: &spikeloom_toolchain::ToolReport) -> Option<String> {
    let (into, out) = r.constant_clock_paths();
    if into.is_none() && out.is_none() {
        return None;
    }
    let ns = |p: Option<&spikeloom_toolchain::CriticalPath>| p.map_or(0.0, |p| p.delay_ns);
    let block = into
        .map(|p| p.to.signal.clone())
        .or(out.map(|p| p.from.signal.clone()))
        .unwrap_or_default();
    Some(format!(
        "nextpnr times a hard block without registers ({block}) as if it had them (its clock is `{}`): the longest path into it is {:.1} ns and out of it {:.1} ns, \
         and a path through it takes both plus its own combinational delay, which is in neither; Fmax leaves such paths out \
         (a registered multiplier removes the gap)",
        spikeloom_toolchain::CONSTANT_CLOCK,
        ns(into),
        ns(out)
    ))
}

fn write_reports(report: &BuildReport, dir: &Path) -> Result<(), CliError> {
    let json = serde_json::to_string_pretty(report).map_err(CliError::failure)? + "\n";
    for (name, text) in [("report.json", json), ("report.txt", render(report))] {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::failure(anyhow!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}
