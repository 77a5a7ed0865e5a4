//! Errors of the toolchain crate: each names the step, the file or the tool, and what to do.

use std::path::PathBuf;

use crate::process::ProcessError;

/// Why a build could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// The sources given to [`crate::prepare`] are unusable.
    #[error("build inputs: {0}")]
    Inputs(String),
    /// The board cannot host the design (e.g. a port it lacks).
    #[error(transparent)]
    Board(#[from] spikeloom_board::BoardError),
    /// Tools the plan needs are not installed.
    #[error("missing tools:\n{}", .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    MissingTools(Vec<String>),
    /// A file could not be written or read in the build directory.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// OS error.
        source: std::io::Error,
    },
    /// A tool failed; `log` holds its whole output.
    #[error("{source}\n(full log: {log})")]
    Step {
        /// The process failure, with the tool's last lines.
        source: ProcessError,
        /// Log file of the step.
        log: String,
    },
    /// A tool report could not be parsed.
    #[error("cannot parse {path}: {message}")]
    Report {
        /// Report file.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The placed design is slower than the target frequency.
    #[error("timing failed on board `{board}`: {details}; lower the target (board `design.freq_mhz`), simplify the design, or allow timing failure to get a bitstream anyway")]
    Timing {
        /// Board name.
        board: String,
        /// `clock: achieved X MHz < target Y MHz` per failing clock.
        details: String,
    },
}
