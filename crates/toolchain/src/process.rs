//! The one place in spikeloom that spawns processes (ARCHITECTURE.md invariant).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A command to run: data first, executed by [`run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCommand {
    /// Short step name for progress and error messages (e.g. `yosys`, `verilator-build`).
    pub step: String,
    /// Program path or name looked up on PATH.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Where stdout+stderr are written (relative to `cwd`), if kept.
    pub log: Option<PathBuf>,
}

/// What a finished command produced.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The program could not be started.
    #[error("step `{step}`: cannot start `{program}`: {source}")]
    Spawn {
        /// Step name.
        step: String,
        /// Program.
        program: String,
        /// OS error.
        source: std::io::Error,
    },
    /// The program exited with a failure status.
    #[error("step `{step}`: `{program}` failed ({status}); last output:\n{tail}")]
    Failed {
        /// Step name.
        step: String,
        /// Program.
        program: String,
        /// Exit status text.
        status: String,
        /// Last lines of its output.
        tail: String,
    },
    /// The log file could not be written.
    #[error("step `{step}`: cannot write log {path}: {source}")]
    Log {
        /// Step name.
        step: String,
        /// Log path.
        path: String,
        /// OS error.
        source: std::io::Error,
    },
}

/// Run one command to completion, capturing its output (and writing its log if asked).
pub fn run(cmd: &ToolCommand) -> Result<ToolOutput, ProcessError> {
    let out = Command::new(&cmd.program)
        .args(&cmd.args)
        .current_dir(&cmd.cwd)
        .output()
        .map_err(|source| ProcessError::Spawn {
            step: cmd.step.clone(),
            program: cmd.program.display().to_string(),
            source,
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Some(log) = &cmd.log {
        let path: PathBuf = cmd.cwd.join(log);
        std::fs::write(&path, format!("{stdout}{stderr}")).map_err(|source| ProcessError::Log {
            step: cmd.step.clone(),
            path: path.display().to_string(),
            source,
        })?;
    }
    if !out.status.success() {
        return Err(ProcessError::Failed {
            step: cmd.step.clone(),
            program: cmd.program.display().to_string(),
            status: out.status.to_string(),
            tail: tail_lines(&format!("{stdout}{stderr}"), 30),
        });
    }
    Ok(ToolOutput { stdout, stderr })
}

/// True when `program` can be found (an explicit path that exists, or a name on PATH).
pub fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.exists().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
