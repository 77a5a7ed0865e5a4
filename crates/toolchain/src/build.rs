//! The build as data: files to write and commands to run, prepared without any tool installed so
//! the whole plan can be snapshot-tested.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use spikeloom_board::{constraints, Board, Device, Family, Port};

use crate::process::ToolCommand;
use crate::{Tool, ToolchainError};

/// A source file of the design (Verilog, or data such as `$readmemh` images).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// File name inside the build directory (no directories).
    pub name: String,
    /// Contents.
    pub contents: String,
}

/// Knobs of one build.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// Target frequency in MHz; defaults to the design clock the board's PLL makes for its
    /// `design.freq_mhz` (`ClockPlan`).
    pub freq_mhz: Option<f64>,
    /// Ports of the top module to constrain; defaults to [`Board::top_ports`].
    pub ports: Option<Vec<Port>>,
    /// First nextpnr placement seed.
    pub seed: u32,
    /// How many seeds to place and route (`seed`, `seed + 1`, ...): the best Fmax is kept, and a
    /// seed that fails to route (or runs out of time) falls back to the others.
    pub seeds: u32,
    /// Keep going (and pack a bitstream) when the design misses the target frequency.
    pub allow_timing_failure: bool,
    /// Extra flags for `synth_ice40` / `synth_ecp5` (e.g. `-abc9`).
    pub synth_flags: Vec<String>,
    /// Time limit of each step; defaults to [`TimeLimits::for_device`].
    pub time_limits: Option<TimeLimits>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            freq_mhz: None,
            ports: None,
            seed: 1,
            seeds: 1,
            allow_timing_failure: false,
            synth_flags: Vec::new(),
            time_limits: None,
        }
    }
}

/// How long each kind of step may run before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLimits {
    /// Yosys.
    pub synth: Duration,
    /// One nextpnr run (per seed).
    pub place_and_route: Duration,
    /// icepack / ecppack.
    pub pack: Duration,
}

impl TimeLimits {
    /// Defaults sized per device: synthesis and each place-and-route run get 300 s plus 120 ms
    /// per LUT of the device (UP5K 934 s, ECP5 25F 3215 s, 85F 10337 s), about 3x the longest
    /// run measured on a loaded 2-core machine (UP5K 328 s, ECP5 25F 703 s; README "Tools");
    /// packing (under 2 s measured) 120 s.
    pub fn for_device(device: &Device) -> TimeLimits {
        let sized = Duration::from_secs(300) + Duration::from_millis(120) * device.luts;
        TimeLimits {
            synth: sized,
            place_and_route: sized,
            pack: Duration::from_secs(120),
        }
    }

    /// The limit of a step of `kind`.
    pub fn of(&self, kind: StepKind) -> Duration {
        match kind {
            StepKind::Synthesis => self.synth,
            StepKind::PlaceAndRoute { .. } => self.place_and_route,
            StepKind::Pack => self.pack,
        }
    }
}

/// A file the plan writes before running anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFile {
    /// Path relative to the build directory.
    pub path: PathBuf,
    /// Contents.
    pub contents: String,
}

/// What a step does (the executor parses reports after place-and-route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Yosys synthesis.
    Synthesis,
    /// nextpnr with one placement seed. Its outputs have per-seed names; the executor renames
    /// the best seed's to the names the pack step reads.
    PlaceAndRoute {
        /// Placement seed.
        seed: u32,
    },
    /// icepack / ecppack.
    Pack,
}

impl StepKind {
    /// `synth`, `place-and-route`, `pack`: the names `--step-timeout` and messages use.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Synthesis => "synth",
            StepKind::PlaceAndRoute { .. } => "place-and-route",
            StepKind::Pack => "pack",
        }
    }
}

/// One command of the plan; `command.program` is the tool's native name until executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStep {
    /// Which tool runs it.
    pub tool: Tool,
    /// What it is.
    pub kind: StepKind,
    /// The command, with `cwd` relative to the build directory.
    pub command: ToolCommand,
    /// Stopped (with everything it started) after this long.
    pub time_limit: Duration,
    /// Files it writes (relative to the build directory): removed before it runs and when it
    /// fails, so no half-written output survives.
    pub outputs: Vec<PathBuf>,
}

/// Files plus commands: everything a build does, before it is done.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildPlan {
    /// Board name.
    pub board: String,
    /// Target frequency given to nextpnr, MHz.
    pub freq_mhz: f64,
    /// Whether a timing failure still yields a bitstream.
    pub allow_timing_failure: bool,
    /// Files to write.
    pub files: Vec<PlanFile>,
    /// Commands, in order.
    pub steps: Vec<BuildStep>,
    /// The bitstream the last step writes (relative path).
    pub bitstream: PathBuf,
    /// nextpnr's JSON report of the kept seed (relative path).
    pub report: PathBuf,
    /// nextpnr's placed design of the kept seed, which the pack step reads (relative path).
    pub placed: PathBuf,
    /// Yosys' `stat -json` output (relative path).
    pub stat: PathBuf,
}

/// Plan the build of `sources` with top module `top` for `board`.
pub fn prepare(
    board: &Board,
    sources: &[SourceFile],
    top: &str,
    opts: &BuildOptions,
) -> Result<BuildPlan, ToolchainError> {
    check_inputs(sources, top)?;
    let freq_mhz = match opts.freq_mhz {
        Some(f) => f,
        None => spikeloom_board::ClockPlan::new(board, None, None)?
            .design
            .mhz(),
    };
    if !(freq_mhz.is_finite() && freq_mhz > 0.0) {
        return Err(ToolchainError::Inputs(format!(
            "target frequency {freq_mhz} MHz is not positive"
        )));
    }
    if opts.seeds == 0 {
        return Err(ToolchainError::Inputs(
            "the number of seeds must be at least 1".into(),
        ));
    }
    let limits = opts
        .time_limits
        .unwrap_or_else(|| TimeLimits::for_device(&board.device));
    let ports = opts.ports.clone().unwrap_or_else(|| board.top_ports());
    let family = board.device.family;
    let constraints_name = match family {
        Family::Ice40 => "constraints.pcf",
        Family::Ecp5 => "constraints.lpf",
    };
    let mut files: Vec<PlanFile> = sources
        .iter()
        .map(|s| PlanFile {
            path: PathBuf::from(&s.name),
            contents: s.contents.clone(),
        })
        .collect();
    files.push(PlanFile {
        path: PathBuf::from(constraints_name),
        contents: constraints(board, &ports)?,
    });
    files.push(PlanFile {
        path: PathBuf::from("synth.ys"),
        contents: yosys_script(board, sources, top, &opts.synth_flags),
    });
    let (bitstream, placed) = match family {
        Family::Ice40 => ("design.bin", "design.asc"),
        Family::Ecp5 => ("design.bit", "design.config"),
    };
    let mut steps = vec![step(
        Tool::Yosys,
        StepKind::Synthesis,
        "synth".into(),
        vec!["-s".into(), "synth.ys".into()],
        &limits,
        &["design.json", "stat.json"],
    )];
    for seed in (0..opts.seeds).map(|i| opts.seed.wrapping_add(i)) {
        let name = if opts.seeds == 1 {
            "place-and-route".to_string()
        } else {
            format!("place-and-route-seed{seed}")
        };
        let out = seed_outputs(placed, seed);
        steps.push(step(
            pnr_tool(family),
            StepKind::PlaceAndRoute { seed },
            name,
            nextpnr_args(board, constraints_name, freq_mhz, seed, &out),
            &limits,
            &[out[0].as_str(), out[1].as_str()],
        ));
    }
    steps.push(step(
        pack_tool(family),
        StepKind::Pack,
        "pack".into(),
        pack_args(family, placed, bitstream),
        &limits,
        &[bitstream],
    ));
    Ok(BuildPlan {
        board: board.name.clone(),
        freq_mhz,
        allow_timing_failure: opts.allow_timing_failure,
        files,
        steps,
        bitstream: PathBuf::from(bitstream),
        report: PathBuf::from("report.json"),
        placed: PathBuf::from(placed),
        stat: PathBuf::from("stat.json"),
    })
}

/// The per-seed names nextpnr writes: placed design, then report (`design.asc` ->
/// `design-seed1.asc`, `report-seed1.json`).
pub(crate) fn seed_outputs(placed: &str, seed: u32) -> [String; 2] {
    let (stem, ext) = placed.rsplit_once('.').unwrap_or((placed, ""));
    [
        format!("{stem}-seed{seed}.{ext}"),
        format!("report-seed{seed}.json"),
    ]
}

impl BuildPlan {
    /// The tools the plan runs.
    pub fn tools(&self) -> Vec<Tool> {
        self.steps.iter().map(|s| s.tool).collect()
    }

    /// A readable dump: file names and sizes, then each command line (for snapshots and `--dry-run`).
    pub fn render(&self) -> String {
        let mut out = format!(
            "build for board `{}` at {} MHz{}\nfiles:\n",
            self.board,
            self.freq_mhz,
            if self.allow_timing_failure {
                " (timing failure allowed)"
            } else {
                ""
            }
        );
        for f in &self.files {
            let _ = writeln!(out, "  {} ({} bytes)", f.path.display(), f.contents.len());
        }
        out.push_str("steps:\n");
        for s in &self.steps {
            let c = &s.command;
            let log = c
                .log
                .as_ref()
                .map(|l| format!(" > {}", l.display()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  [{}] {}{log} (limit {})",
                c.step,
                c.command_line(),
                crate::process::seconds(s.time_limit)
            );
        }
        out
    }
}

fn check_inputs(sources: &[SourceFile], top: &str) -> Result<(), ToolchainError> {
    let mut problems = Vec::new();
    if !sources.iter().any(|s| is_hdl(&s.name)) {
        problems.push("no Verilog source (.v/.sv) given".to_string());
    }
    let reserved = [
        "synth.ys",
        "constraints.pcf",
        "constraints.lpf",
        "design.json",
        "report.json",
        "stat.json",
        "build.log",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for s in sources {
        let plain = !s.name.is_empty()
            && s.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !s.name.starts_with('.');
        if !plain {
            problems.push(format!(
                "source name `{}` must be a plain file name ([A-Za-z0-9._-])",
                s.name
            ));
        }
        if reserved.contains(&s.name.as_str()) {
            problems.push(format!(
                "source name `{}` is reserved for the build's own files",
                s.name
            ));
        }
        if !seen.insert(s.name.as_str()) {
            problems.push(format!("source `{}` is given twice", s.name));
        }
    }
    let ident = top
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && top.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident {
        problems.push(format!("top module `{top}` is not a Verilog identifier"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ToolchainError::Inputs(problems.join("; ")))
    }
}

fn is_hdl(name: &str) -> bool {
    name.ends_with(".v") || name.ends_with(".sv")
}

fn yosys_script(board: &Board, sources: &[SourceFile], top: &str, flags: &[String]) -> String {
    let mut script = String::from("# spikeloom synthesis script\n");
    for s in sources.iter().filter(|s| is_hdl(&s.name)) {
        let sv = if s.name.ends_with(".sv") { " -sv" } else { "" };
        let _ = writeln!(script, "read_verilog -DSYNTHESIS{sv} {}", s.name);
    }
    let mut synth = match board.device.family {
        Family::Ice40 => format!("synth_ice40 -top {top}"),
        Family::Ecp5 => format!("synth_ecp5 -top {top}"),
    };
    // UP5K has SB_MAC16 blocks; synth_ice40 only maps multipliers to them when asked.
    if board.device.family == Family::Ice40 && board.device.dsp_count > 0 {
        synth.push_str(" -dsp");
    }
    for f in flags {
        synth.push(' ');
        synth.push_str(f);
    }
    let _ = writeln!(script, "{synth} -json design.json");
    script.push_str("tee -q -o stat.json stat -json\n");
    script
}

fn nextpnr_args(
    board: &Board,
    constraints: &str,
    freq_mhz: f64,
    seed: u32,
    out: &[String; 2],
) -> Vec<String> {
    let d = &board.device;
    let mut args = vec![
        format!("--{}", d.nextpnr_device),
        "--package".into(),
        d.package.clone(),
    ];
    if let Some(speed) = d.speed {
        args.extend(["--speed".into(), speed.to_string()]);
    }
    args.extend(["--json".into(), "design.json".into()]);
    match d.family {
        Family::Ice40 => args.extend([
            "--pcf".into(),
            constraints.into(),
            "--asc".into(),
            out[0].clone(),
        ]),
        Family::Ecp5 => args.extend([
            "--lpf".into(),
            constraints.into(),
            "--textcfg".into(),
            out[0].clone(),
        ]),
    }
    // Always the real target (nextpnr defaults to 12 MHz, making "PASS" meaningless); timing is
    // judged from the report by the executor, so nextpnr itself may finish on a miss.
    args.extend([
        "--freq".into(),
        freq_mhz.to_string(),
        "--timing-allow-fail".into(),
        "--report".into(),
        out[1].clone(),
        "--seed".into(),
        seed.to_string(),
    ]);
    args
}

fn pack_args(family: Family, placed: &str, bitstream: &str) -> Vec<String> {
    match family {
        Family::Ice40 => vec![placed.into(), bitstream.into()],
        Family::Ecp5 => vec!["--compress".into(), placed.into(), bitstream.into()],
    }
}

/// The tools a build for `family` runs: Yosys, its nextpnr, its packer.
pub fn tools_for(family: Family) -> [Tool; 3] {
    [Tool::Yosys, pnr_tool(family), pack_tool(family)]
}

fn pnr_tool(family: Family) -> Tool {
    match family {
        Family::Ice40 => Tool::NextpnrIce40,
        Family::Ecp5 => Tool::NextpnrEcp5,
    }
}

fn pack_tool(family: Family) -> Tool {
    match family {
        Family::Ice40 => Tool::Icepack,
        Family::Ecp5 => Tool::Ecppack,
    }
}

fn step(
    tool: Tool,
    kind: StepKind,
    name: String,
    args: Vec<String>,
    limits: &TimeLimits,
    outputs: &[&str],
) -> BuildStep {
    BuildStep {
        tool,
        kind,
        command: ToolCommand {
            log: Some(PathBuf::from(format!("{name}.log"))),
            step: name,
            program: PathBuf::from(tool.program()),
            args,
            cwd: PathBuf::from("."),
        },
        time_limit: limits.of(kind),
        outputs: outputs.iter().map(PathBuf::from).collect(),
    }
}
