//! `spikeloom build`: choose and version-check the tools, generate, verify on a small sample,
//! synthesise, place and route (one or more seeds), pack, and report. Every tool step has a time
//! limit; progress (stage, elapsed time, the tool's own progress) goes to stderr; tool logs and
//! `build.log` (tools, versions, exact command lines) stay in `DIR/build/`.

use crate::args::{ModelArgs, QuantArgs};
use crate::cmd_generate::HwArgs;
use crate::progress::Steps;

use crate::CliError;
use anyhow::anyhow;
use clap::Args;
use spikeloom_board::Board;
use spikeloom_pipeline::build::{finish, ToolRun, ToolSettings, BUILD_DIR};
use spikeloom_pipeline::build_report::{fmax, remove_previous, render};
use spikeloom_pipeline::design::{write, Design};
use spikeloom_toolchain::process::{Event, Watch};
use spikeloom_toolchain::{
    execute, parse_activity, tools_for, OutputKind, StepKind, TimeLimits, ToolEnv, ToolPaths,
    ToolchainError,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Steps before the tool steps: tools, plan + generate, verify.
const OWN_STEPS: usize = 3;

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
    /// Skip verification (golden vs cycle model vs RTL): the bitstream is then not verified.
    /// Without it, a missing Icarus Verilog is an error. The cycle model still runs for the
    /// report.
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
    /// First nextpnr placement seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
    /// Place and route with this many seeds (seed, seed+1, ...) and keep the best Fmax; a seed
    /// that fails to route or runs out of time falls back to the others.
    #[arg(long, default_value_t = 1)]
    pub seeds: u32,
    /// Time limit of the tool steps, in seconds (`90`, `90s`, `5m`): for every step, or for one
    /// as STEP=TIME with STEP synth, place-and-route (per seed) or pack. Repeatable
    /// [default: sized per device, see README "Tools"].
    #[arg(long, value_name = "[STEP=]TIME")]
    pub step_timeout: Vec<String>,
    /// Program the attached board afterwards, as `spikeloom program DIR` does.
    #[arg(long)]
    pub program: bool,
}

/// Run the command.
pub fn run(args: &BuildArgs) -> Result<(), CliError> {
    let dir = &args.hw.out;
    let board = Board::resolve(&args.hw.board).map_err(CliError::input)?;
    let limits = time_limits(&board, &args.step_timeout).map_err(CliError::input)?;
    if args.seeds == 0 {
        return Err(CliError::input(anyhow!("--seeds must be at least 1")));
    }
    let cancel = crate::interrupt::flag();
    let mut steps = Steps::new(OWN_STEPS + 2 + args.seeds as usize);

    steps.start("tools (choose, check versions)");
    let tools = choose_tools(&board, &mut steps)?;
    steps.finish_since("tools", "");
    // Nothing from an earlier build may pass for this one's.
    remove_previous(dir)?;

    steps.start("plan + generate");
    let session = crate::config::session(&args.model, Some(&args.quant))?.with_hw(args.hw.config());
    let design = session.design()?;
    write(design, dir)?;
    steps.finish_since(
        "generate",
        &format!(
            "{} cores, lanes {:?}",
            design.plan.cores.len(),
            design.manifest.lanes
        ),
    );
    interrupted(cancel, "generate")?;

    steps.start("verify (golden model, cycle model, RTL co-simulation)");
    let checked = session.check_design(
        args.sample.as_deref(),
        args.verify_samples,
        dir,
        !args.no_verify,
    )?;
    steps.finish_since("verify", &checked.rtl);
    interrupted(cancel, "verify")?;

    let settings = ToolSettings {
        seed: args.seed,
        seeds: args.seeds,
        time_limits: limits,
        allow_timing_failure: args.allow_timing_failure,
    };
    let plan = session.build_plan(&settings)?;
    let build_dir = dir.join(BUILD_DIR);
    steps.set_total(OWN_STEPS + plan.steps.len());
    let result = execute(&plan, &build_dir, &tools, Some(cancel), &mut |p| {
        steps.toolchain(p);
    })
    .map_err(|e| tool_error(e, &build_dir, design))?;
    let run = ToolRun {
        plan: &plan,
        result: &result,
        time_limits: &limits,
        step_seconds: steps.times.clone(),
    };
    drop(steps);
    let title = args.model.model.display().to_string();
    let (report, bitstream) = finish(design, &checked, run, dir, &title)?;
    print!("{}", render(&report));
    println!(
        "\nwrote {} and report.json / report.txt / report.html to {}",
        bitstream.display(),
        dir.display()
    );
    if args.no_verify {
        eprintln!(
            "warning: --no-verify: the bitstream was not verified (golden model, cycle model, RTL)"
        );
    }
    if !report.timing_met {
        eprintln!(
            "warning: timing not met; the bitstream may not work at the {} MHz design clock",
            design.clock.design
        );
    }
    if args.program {
        let io = spikeloom_pipeline::program::Io {
            cancel: Some(cancel),
            say: &mut |line| println!("{line}"),
        };
        spikeloom_pipeline::program::program(
            dir,
            Some(&args.hw.board),
            spikeloom_pipeline::program::Target::Default,
            io,
        )?;
    }
    Ok(())
}

/// Choose the tools for the board's family and check their versions (a first YoWASP use
/// compiles its WebAssembly here, shown as progress). Prints each choice.
fn choose_tools(board: &Board, steps: &mut Steps) -> Result<ToolPaths, CliError> {
    let needed = tools_for(board.device.family);
    let watch = Watch {
        time_limit: None,
        cancel: Some(crate::interrupt::flag()),
    };
    let start = std::time::Instant::now();
    let tools = ToolPaths::select(
        &ToolEnv::from_process(&tool_dirs()),
        &needed,
        &watch,
        &mut |tool, event| match event {
            Event::Line(line) => {
                if let Some(a) = parse_activity(OutputKind::Other, line) {
                    steps.note(&format!("{tool}: {a}"));
                }
            }
            Event::Waiting(_) => steps.activity(start.elapsed(), None),
        },
    )
    .map_err(|e| CliError::failure(anyhow!("{e}")))?;
    tools
        .check(&needed)
        .map_err(|e| CliError::failure(anyhow!("{e}")))?;
    for t in needed {
        if let Some(info) = tools.info(t) {
            steps.note(&format!("{}: {}", info.describe(), info.reason));
        }
    }
    Ok(tools)
}

/// Fail when the user interrupted (the flag is polled by tool steps; between them, here).
fn interrupted(cancel: &std::sync::atomic::AtomicBool, after: &str) -> Result<(), CliError> {
    if cancel.load(Ordering::Relaxed) {
        return Err(CliError::failure(anyhow!(
            "interrupted after step `{after}`"
        )));
    }
    Ok(())
}

/// The time limits: the device's defaults, then each `--step-timeout` in order.
fn time_limits(board: &Board, specs: &[String]) -> anyhow::Result<TimeLimits> {
    let mut limits = TimeLimits::for_device(&board.device);
    for spec in specs {
        let (step, time) = match spec.split_once('=') {
            Some((step, time)) => (Some(step.trim()), time),
            None => (None, spec.as_str()),
        };
        let d = parse_duration(time).ok_or_else(|| {
            anyhow!("--step-timeout {spec}: `{time}` is not a time (e.g. 90, 90s, 5m)")
        })?;
        match step {
            None => {
                limits.synth = d;
                limits.place_and_route = d;
                limits.pack = d;
            }
            Some("synth") => limits.synth = d,
            Some("place-and-route" | "pnr") => limits.place_and_route = d,
            Some("pack") => limits.pack = d,
            Some(other) => {
                return Err(anyhow!(
                    "--step-timeout {spec}: unknown step `{other}` (use synth, place-and-route or pack)"
                ))
            }
        }
    }
    Ok(limits)
}

/// `90`, `90s`, `1.5m`, `2h` -> a positive duration.
fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: f64 = num.trim().parse().ok()?;
    let secs = n * match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
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

/// A toolchain failure: exit 1 with the step, what the tool was doing or its last lines (a
/// timing failure: the critical path), what to try (with this command's flags) and where the
/// logs are.
fn tool_error(e: ToolchainError, build_dir: &Path, d: &Design) -> CliError {
    match e {
        ToolchainError::MissingTools(_)
        | ToolchainError::UnusableTools(_)
        | ToolchainError::Cancelled { .. } => CliError::failure(anyhow!("{e}")),
        ToolchainError::Timing { board, details } => {
            // the report nextpnr wrote says where the time goes and how fast the design is
            let placed = std::fs::read_to_string(build_dir.join("report.json"))
                .ok()
                .and_then(|text| spikeloom_toolchain::parse_nextpnr_report(&text).ok());
            let path = placed
                .as_ref()
                .and_then(|r| r.critical_path())
                .map_or(String::new(), |p| {
                    format!(
                        "\ncritical path:\n{}",
                        spikeloom_pipeline::build_report::path_text(p)
                    )
                });
            let lower = placed
                .as_ref()
                .and_then(fmax)
                .map_or("a lower one".to_string(), |f| {
                    format!("{}", f.floor().max(1.0))
                });
            CliError::failure(anyhow!(
                "timing failed on board `{board}`: {details} (design clock {}){path}\n\
                 What to try: a lower design clock (--clock-mhz {lower}), {}, other placement seeds (--seeds 3), \
                 or --allow-timing-failure to get the bitstream anyway.\n\
                 (logs of every step are in {})",
                d.clock.describe(),
                fewer_lanes(d),
                build_dir.display()
            ))
        }
        ToolchainError::TimeLimit { kind, limit, .. } => {
            let longer = format!(
                "a longer limit (--step-timeout {}={}s)",
                kind.name(),
                (limit.as_secs() * 2).max(1)
            );
            let fewer = fewer_lanes(d);
            let tries = match kind {
                StepKind::Synthesis => format!("{fewer} or {longer}"),
                StepKind::PlaceAndRoute { seed } => format!(
                    "{fewer}, other placement seeds (--seed {} or --seeds 3), a bigger device (--board, see `spikeloom boards`), or {longer}",
                    seed.wrapping_add(1)
                ),
                StepKind::Pack => longer,
            };
            // The library's generic advice, said with this command's flags.
            let msg = e.to_string().replace(
                &format!(
                    "What to try: {}.",
                    spikeloom_toolchain::time_limit_hint(kind)
                ),
                &format!("What to try: {tries}."),
            );
            CliError::failure(anyhow!(
                "{msg}\n(logs of every step are in {})",
                build_dir.display()
            ))
        }
        e => CliError::failure(anyhow!(
            "{e}\n(logs of every step are in {})",
            build_dir.display()
        )),
    }
}

/// `fewer lanes (--lanes N)`, or a smaller model at 1 lane.
fn fewer_lanes(d: &Design) -> String {
    let max_lanes = d.manifest.lanes.iter().copied().max().unwrap_or(1);
    if max_lanes > 1 {
        format!("fewer lanes (--lanes {})", max_lanes / 2)
    } else {
        "a smaller model (the design is at 1 lane)".to_string()
    }
}
