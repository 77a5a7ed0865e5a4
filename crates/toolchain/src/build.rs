//! The build as data: files to write and commands to run, prepared without any tool installed so
//! the whole plan can be snapshot-tested.

use std::fmt::Write as _;
use std::path::PathBuf;

use spikeloom_board::{constraints, Board, Family, Port};

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
    /// nextpnr placement seed.
    pub seed: u32,
    /// Keep going (and pack a bitstream) when the design misses the target frequency.
    pub allow_timing_failure: bool,
    /// Extra flags for `synth_ice40` / `synth_ecp5` (e.g. `-abc9`).
    pub synth_flags: Vec<String>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            freq_mhz: None,
            ports: None,
            seed: 1,
            allow_timing_failure: false,
            synth_flags: Vec::new(),
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
    /// nextpnr.
    PlaceAndRoute,
    /// icepack / ecppack.
    Pack,
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
    /// nextpnr's JSON report (relative path).
    pub report: PathBuf,
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
    let bitstream = match family {
        Family::Ice40 => "design.bin",
        Family::Ecp5 => "design.bit",
    };
    let steps = vec![
        step(
            Tool::Yosys,
            StepKind::Synthesis,
            "synth",
            vec!["-s".into(), "synth.ys".into()],
        ),
        step(
            pnr_tool(family),
            StepKind::PlaceAndRoute,
            "place-and-route",
            nextpnr_args(board, constraints_name, freq_mhz, opts.seed),
        ),
        step(
            pack_tool(family),
            StepKind::Pack,
            "pack",
            pack_args(family, bitstream),
        ),
    ];
    Ok(BuildPlan {
        board: board.name.clone(),
        freq_mhz,
        allow_timing_failure: opts.allow_timing_failure,
        files,
        steps,
        bitstream: PathBuf::from(bitstream),
        report: PathBuf::from("report.json"),
        stat: PathBuf::from("stat.json"),
    })
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
                "  [{}] {} {}{log}",
                c.step,
                c.program.display(),
                c.args.join(" ")
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

fn nextpnr_args(board: &Board, constraints: &str, freq_mhz: f64, seed: u32) -> Vec<String> {
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
            "design.asc".into(),
        ]),
        Family::Ecp5 => args.extend([
            "--lpf".into(),
            constraints.into(),
            "--textcfg".into(),
            "design.config".into(),
        ]),
    }
    // Always the real target (nextpnr defaults to 12 MHz, making "PASS" meaningless); timing is
    // judged from the report by the executor, so nextpnr itself may finish on a miss.
    args.extend([
        "--freq".into(),
        freq_mhz.to_string(),
        "--timing-allow-fail".into(),
        "--report".into(),
        "report.json".into(),
        "--seed".into(),
        seed.to_string(),
    ]);
    args
}

fn pack_args(family: Family, bitstream: &str) -> Vec<String> {
    match family {
        Family::Ice40 => vec!["design.asc".into(), bitstream.into()],
        Family::Ecp5 => vec![
            "--compress".into(),
            "design.config".into(),
            bitstream.into(),
        ],
    }
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

fn step(tool: Tool, kind: StepKind, name: &str, args: Vec<String>) -> BuildStep {
    BuildStep {
        tool,
        kind,
        command: ToolCommand {
            step: name.to_string(),
            program: PathBuf::from(tool.program()),
            args,
            cwd: PathBuf::from("."),
            log: Some(PathBuf::from(format!("{name}.log"))),
        },
    }
}
