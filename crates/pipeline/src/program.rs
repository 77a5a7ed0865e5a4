//! Programming a board (`spikeloom program DIR`, `build --program`): put a built design on the
//! board with the programmer its board file names: first check that the right board is attached (the board
//! file's `detect` command), then write the weight image at its flash offset (a design whose
//! weights are loaded at start-up), then the bitstream, so the last step configures the FPGA
//! and its loader finds the image.

use crate::design::Manifest;
use crate::error::{Error, Result};
use spikeloom_board::{Board, Programmer};
use spikeloom_toolchain::process::{
    find_program, run_watched, Event, ProcessError, ToolCommand, Watch,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

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

/// How a programming run reports and stops: every line for the user (the steps, the
/// programmer's output) goes to `say`; the programmer is stopped with its process group when
/// `cancel` is set.
pub struct Io<'a> {
    /// The cancel flag polled while a programmer runs.
    pub cancel: Option<&'a AtomicBool>,
    /// Lines for the user's output.
    pub say: &'a mut dyn FnMut(String),
}

/// Program the design in `dir` (see the module doc).
pub fn program(dir: &Path, board: Option<&str>, target: Target, io: Io<'_>) -> Result<()> {
    let Io { cancel, say } = io;
    let manifest = read_manifest(dir)?;
    let board = Board::resolve(board.unwrap_or(&manifest.board)).map_err(Error::input)?;
    if board.name != manifest.board {
        return Err(Error::input(format!(
            "{} was built for board `{}`, not `{}`",
            dir.display(),
            manifest.board,
            board.name
        )));
    }
    let bitstream = bitstream_path(dir)?;
    let programmer = board.programmer.as_ref().ok_or_else(|| {
        Error::input(format!(
            "board `{}`'s file names no programmer ([programmer] command): program {} with \
             your own tool",
            board.name,
            bitstream.display()
        ))
    })?;
    let steps = plan(&board, programmer, &manifest, dir, &bitstream, target, say)?;
    for step in &steps {
        require_on_path(&step.command[0], &board)?;
    }
    if let Some(d) = &programmer.detect {
        detect(&board, d, dir, cancel, say)?;
    }
    for step in &steps {
        say(format!(
            "program: {} ({})",
            step.what,
            step.command.join(" ")
        ));
        let cmd = tool_command(&step.what, &step.command, dir);
        run_tool(&cmd, cancel, Some(&mut *say)).map_err(|e| failed(&board, &step.what, e))?;
    }
    say(format!(
        "program: done ({} on {})",
        match target {
            Target::Sram => "configuration memory",
            Target::Flash => "configuration flash",
            Target::Default => "the board file's usual target",
        },
        board.name
    ));
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
    say: &mut dyn FnMut(String),
) -> Result<Vec<Step>> {
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
        return Err(Error::input(format!(
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
                    return Err(Error::input(format!(
                        "{} is missing: the design loads its weights from the flash at {offset:#x}; \
                         rebuild it",
                        image.display()
                    )));
                }
                let cmd = flash.program_command(offset, &w.file).ok_or_else(|| {
                    Error::input(format!(
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
            _ => say(format!(
                "program: the weight image {} is not in the flash on this board; `spikeloom run` \
                 sends it over the host link",
                w.file
            )),
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

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(crate::design::MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::input(format!(
            "cannot read {}: {e}; pass the directory written by `spikeloom build`",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| Error::input(format!("{}: {e}", path.display())))
}

/// The bitstream `build` wrote, named in its `report.json`.
fn bitstream_path(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("report.json");
    let missing = || {
        Error::input(format!(
            "{} has no bitstream ({} is missing): run `spikeloom build` for it first",
            dir.display(),
            path.display()
        ))
    };
    let text = std::fs::read_to_string(&path).map_err(|_| missing())?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    let name = report["bitstream"].as_str().ok_or_else(missing)?;
    let bitstream = dir.join(name);
    if !bitstream.is_file() {
        return Err(Error::input(format!(
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

fn require_on_path(program: &str, board: &Board) -> Result<()> {
    if find_program(Path::new(program)).is_some() {
        return Ok(());
    }
    let install = match package(program) {
        Some(pkg) => format!(
            "install it with scripts/install-tools.sh (Debian package `{pkg}`: apt-get install \
             {pkg})"
        ),
        None => format!("install `{program}` (it is not packaged by Debian)"),
    };
    Err(Error::input(format!(
        "the programmer `{program}` is not on PATH: board `{}`'s file programs it with \
         `{program}`; {install}, or put it on PATH",
        board.name
    )))
}

/// A programmer still running after this long is stopped with everything it started (a bound
/// against a hung USB transfer, far above writing a few MB of bitstream; not measured on a
/// board).
const PROGRAMMER_TIME_LIMIT: Duration = Duration::from_secs(600);

/// Run one programmer command (its whole process group is stopped by `cancel` or the time
/// limit), passing its output lines, indented, to `echo`.
fn run_tool(
    cmd: &ToolCommand,
    cancel: Option<&AtomicBool>,
    mut echo: Option<&mut dyn FnMut(String)>,
) -> Result<spikeloom_toolchain::process::ToolOutput, ProcessError> {
    let watch = Watch {
        time_limit: Some(PROGRAMMER_TIME_LIMIT),
        cancel,
    };
    run_watched(cmd, &watch, &mut |event| {
        if let (Some(echo), Event::Line(line)) = (echo.as_mut(), event) {
            echo(format!("  {line}"));
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
fn detect(
    board: &Board,
    d: &spikeloom_board::Detect,
    dir: &Path,
    cancel: Option<&AtomicBool>,
    say: &mut dyn FnMut(String),
) -> Result<()> {
    let line = d.command.join(" ");
    say(format!("program: checking the attached board ({line})"));
    let output = match run_tool(&tool_command("detect", &d.command, dir), cancel, None) {
        Ok(out) => format!("{}{}", out.stdout, out.stderr),
        Err(ProcessError::Failed { tail, .. }) => tail,
        Err(e) => return Err(Error::failure(e.to_string())),
    };
    if !output.contains(&d.present) {
        return Err(Error::failure(format!(
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
        return Err(Error::failure(format!(
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

fn failed(board: &Board, what: &str, e: ProcessError) -> Error {
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
    Error::failure(format!(
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
