//! `spikeloom program DIR` (and `build --program`): put a built design on the board with the
//! programmer its board file names: first check that the right board is attached (the board
//! file's `detect` command), then write the weight image at its flash offset (a design whose
//! weights are loaded at start-up), then the bitstream, so the last step configures the FPGA
//! and its loader finds the image.

use crate::CliError;
use anyhow::anyhow;
use clap::Args;
use spikeloom_board::{Board, Programmer};
use spikeloom_pipeline::design::Manifest;
use spikeloom_toolchain::process::{run_watched, Event, ProcessError, ToolCommand, Watch};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `program` arguments.
#[derive(Debug, Args)]
pub struct ProgramArgs {
    /// The directory `spikeloom build` wrote.
    pub dir: PathBuf,
    /// Write the configuration flash (the design survives a power cycle).
    #[arg(long, conflicts_with = "sram")]
    pub flash: bool,
    /// Load the FPGA's configuration memory only (fast; lost at power-off).
    #[arg(long)]
    pub sram: bool,
    /// Board (name or TOML path) when the design was built from a board file outside
    /// `boards/` [default: the board named in DIR/spikeloom.json].
    #[arg(long)]
    pub board: Option<String>,
}

/// Where the bitstream goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The board file's usual command.
    Default,
    /// The configuration flash.
    Flash,
    /// The configuration memory.
    Sram,
}

/// Run the command.
pub fn run(args: &ProgramArgs) -> Result<(), CliError> {
    let target = match (args.flash, args.sram) {
        (true, _) => Target::Flash,
        (_, true) => Target::Sram,
        _ => Target::Default,
    };
    program(&args.dir, args.board.as_deref(), target)
}

/// Program the design in `dir` (see the module doc).
pub fn program(dir: &Path, board: Option<&str>, target: Target) -> Result<(), CliError> {
    let manifest = read_manifest(dir)?;
    let board = Board::resolve(board.unwrap_or(&manifest.board)).map_err(CliError::input)?;
    if board.name != manifest.board {
        return Err(CliError::input(anyhow!(
            "{} was built for board `{}`, not `{}`",
            dir.display(),
            manifest.board,
            board.name
        )));
    }
    let bitstream = bitstream_path(dir)?;
    let programmer = board.programmer.as_ref().ok_or_else(|| {
        CliError::input(anyhow!(
            "board `{}`'s file names no programmer ([programmer] command): program {} with \
             your own tool",
            board.name,
            bitstream.display()
        ))
    })?;
    let steps = plan(&board, programmer, &manifest, dir, &bitstream, target)?;
    for step in &steps {
        require_on_path(&step.command[0], &board)?;
    }
    if let Some(d) = &programmer.detect {
        detect(&board, d, dir)?;
    }
    for step in &steps {
        println!("program: {} ({})", step.what, step.command.join(" "));
        let cmd = tool_command(&step.what, &step.command, dir);
        run_tool(&cmd, true).map_err(|e| failed(&board, &step.what, e))?;
    }
    println!(
        "program: done ({} on {})",
        match target {
            Target::Sram => "configuration memory",
            Target::Flash => "configuration flash",
            Target::Default => "the board file's usual target",
        },
        board.name
    );
    Ok(())
}

/// One programmer run.
struct Step {
    what: String,
    command: Vec<String>,
}

/// The runs, in order: the weight image (where the design has one at a flash offset), then
/// the bitstream.
fn plan(
    board: &Board,
    programmer: &Programmer,
    manifest: &Manifest,
    dir: &Path,
    bitstream: &Path,
    target: Target,
) -> Result<Vec<Step>, CliError> {
    let command = match target {
        Target::Default => &programmer.command,
        Target::Flash => &programmer.flash,
        Target::Sram => &programmer.sram,
    };
    if command.is_empty() {
        let (flag, what) = match target {
            Target::Flash => ("--flash", "write the configuration flash"),
            _ => ("--sram", "load the configuration memory"),
        };
        return Err(CliError::input(anyhow!(
            "board `{}`'s programmer ({}) cannot {what} ([programmer] has no `{}` command); \
             drop {flag}",
            board.name,
            programmer.command[0],
            &flag[2..]
        )));
    }
    let mut steps = Vec::new();
    if let Some(w) = &manifest.weights {
        match (w.flash_offset, &board.flash) {
            (Some(offset), Some(flash)) => {
                let image = dir.join(&w.file);
                if !image.is_file() {
                    return Err(CliError::input(anyhow!(
                        "{} is missing: the design loads its weights from the flash at {offset:#x}; \
                         rebuild it",
                        image.display()
                    )));
                }
                let cmd = flash.program_command(offset, &w.file).ok_or_else(|| {
                    CliError::input(anyhow!(
                        "board `{}`'s file names no command that writes the flash at an \
                             offset ([flash] program): write {} at {offset:#x} with your own tool",
                        board.name,
                        image.display()
                    ))
                })?;
                steps.push(Step {
                    what: format!("weight image at flash offset {offset:#x}"),
                    command: cmd,
                });
            }
            _ => println!(
                "program: the weight image {} is not in the flash on this board; `spikeloom run` \
                 sends it over the host link",
                w.file
            ),
        }
    }
    let name = bitstream
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    steps.push(Step {
        what: "bitstream".into(),
        command: Programmer::with_bitstream(command, &name),
    });
    Ok(steps)
}

fn read_manifest(dir: &Path) -> Result<Manifest, CliError> {
    let path = dir.join(spikeloom_pipeline::design::MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        CliError::input(anyhow!(
            "cannot read {}: {e}; pass the directory written by `spikeloom build`",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))
}

/// The bitstream `build` wrote, named in its `report.json`.
fn bitstream_path(dir: &Path) -> Result<PathBuf, CliError> {
    let path = dir.join("report.json");
    let missing = || {
        CliError::input(anyhow!(
            "{} has no bitstream ({} is missing): run `spikeloom build` for it first",
            dir.display(),
            path.display()
        ))
    };
    let text = std::fs::read_to_string(&path).map_err(|_| missing())?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))?;
    let name = report["bitstream"].as_str().ok_or_else(missing)?;
    let bitstream = dir.join(name);
    if !bitstream.is_file() {
        return Err(CliError::input(anyhow!(
            "{} is missing: run `spikeloom build` again",
            bitstream.display()
        )));
    }
    Ok(bitstream)
}

/// Debian package with each programmer (installed by `scripts/install-tools.sh`).
fn package(program: &str) -> Option<&'static str> {
    match program {
        "iceprog" => Some("fpga-icestorm"),
        "openFPGALoader" => Some("openfpgaloader"),
        "dfu-util" => Some("dfu-util"),
        _ => None,
    }
}

fn require_on_path(program: &str, board: &Board) -> Result<(), CliError> {
    let found = Path::new(program).components().count() > 1 && Path::new(program).is_file()
        || std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
            .unwrap_or(false);
    if found {
        return Ok(());
    }
    let install = match package(program) {
        Some(pkg) => format!(
            "install it with scripts/install-tools.sh (Debian package `{pkg}`: apt-get install \
             {pkg})"
        ),
        None => format!("install `{program}` (it is not packaged by Debian)"),
    };
    Err(CliError::input(anyhow!(
        "the programmer `{program}` is not on PATH: board `{}`'s file programs it with \
         `{program}`; {install}, or put it on PATH",
        board.name
    )))
}

/// A programmer still running after this long is stopped with everything it started (a bound
/// against a hung USB transfer, far above writing a few MB of bitstream; not measured on a
/// board).
const PROGRAMMER_TIME_LIMIT: Duration = Duration::from_secs(600);

/// Run one programmer command (its whole process group is stopped by Ctrl-C or the time limit),
/// echoing its output lines when `echo`.
fn run_tool(
    cmd: &ToolCommand,
    echo: bool,
) -> Result<spikeloom_toolchain::process::ToolOutput, ProcessError> {
    let watch = Watch {
        time_limit: Some(PROGRAMMER_TIME_LIMIT),
        cancel: Some(crate::interrupt::flag()),
    };
    run_watched(cmd, &watch, &mut |event| {
        if let (true, Event::Line(line)) = (echo, event) {
            println!("  {line}");
        }
    })
}

fn tool_command(step: &str, command: &[String], dir: &Path) -> ToolCommand {
    ToolCommand {
        step: step.to_string(),
        program: PathBuf::from(&command[0]),
        args: command[1..].to_vec(),
        cwd: dir.to_path_buf(),
        log: None,
    }
}

/// Check the attached board before writing anything to it.
fn detect(board: &Board, d: &spikeloom_board::Detect, dir: &Path) -> Result<(), CliError> {
    let line = d.command.join(" ");
    println!("program: checking the attached board ({line})");
    let output = match run_tool(&tool_command("detect", &d.command, dir), false) {
        Ok(out) => format!("{}{}", out.stdout, out.stderr),
        Err(ProcessError::Failed { tail, .. }) => tail,
        Err(e) => return Err(CliError::failure(anyhow!("{e}"))),
    };
    if !output.contains(&d.present) {
        return Err(CliError::failure(anyhow!(
            "no board found: `{line}` found no {} attached (its output: {}). Connect the board \
             over USB (and check its permissions: udev rules or root), then try again",
            board.name,
            last_lines(&output)
        )));
    }
    if !d.identity.iter().any(|id| output.contains(id.as_str())) {
        let seen: Vec<&str> = output
            .lines()
            .filter(|l| l.contains(&d.present))
            .map(str::trim)
            .collect();
        return Err(CliError::failure(anyhow!(
            "wrong board: the design is for {} ({}), which answers `{}`, but the attached board \
             answers `{}`. Attach the {} or build for the board you have (`spikeloom boards`)",
            board.name,
            board.device.name,
            d.identity.join("` or `"),
            seen.join("; "),
            board.name
        )));
    }
    Ok(())
}

fn failed(board: &Board, what: &str, e: ProcessError) -> CliError {
    let detail = match &e {
        ProcessError::Failed {
            program,
            status,
            tail,
            ..
        } => format!(
            "`{program}` {status}; its last output:\n{}",
            last_lines(tail)
        ),
        other => other.to_string(),
    };
    CliError::failure(anyhow!(
        "programming the {what} of {} failed: {detail}",
        board.name
    ))
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(5)..];
    if tail.is_empty() {
        "nothing".into()
    } else {
        tail.join("\n")
    }
}
