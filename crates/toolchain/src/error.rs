//! Errors of the toolchain crate: each names the step, the file or the tool, and what to do.

use std::path::PathBuf;
use std::time::Duration;

use crate::process::{seconds, ProcessError};
use crate::StepKind;

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
    /// Tools are installed but cannot be used (too old, or of unknown version).
    #[error("unusable tools:\n{}", .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    UnusableTools(Vec<String>),
    /// A step ran out of time; it was stopped with everything it started and its outputs removed.
    #[error("step `{step}` ({program}) stopped at its time limit of {}; it was {doing}.\nNothing it started is left running; its partial outputs were removed.\nWhat to try: {}.\n(full log: {log})", seconds(*.limit), hint(*.kind))]
    TimeLimit {
        /// Step name.
        step: String,
        /// What the step does.
        kind: StepKind,
        /// Program (as run).
        program: String,
        /// The limit.
        limit: Duration,
        /// What the tool last reported doing (its progress, else its last output line).
        doing: String,
        /// Log file of the step.
        log: String,
    },
    /// The caller cancelled the build (e.g. Ctrl-C) during a step.
    #[error("interrupted during step `{step}` after {}; the tool and everything it started were stopped", seconds(*.elapsed))]
    Cancelled {
        /// Step name.
        step: String,
        /// How long the step had run.
        elapsed: Duration,
    },
    /// Every placement seed failed to place and route.
    #[error("place-and-route failed with every seed tried:\n{}", .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    AllSeedsFailed(Vec<String>),
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
    #[error("timing failed on board `{board}`: {details}; lower the design clock, simplify the design, try other placement seeds, or allow timing failure to get a bitstream anyway")]
    Timing {
        /// Board name.
        board: String,
        /// `clock: achieved X MHz < target Y MHz` per failing clock.
        details: String,
    },
}

/// What to try when a step of `kind` runs out of time.
pub fn hint(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Synthesis => "a smaller design (fewer lanes) or a longer time limit",
        StepKind::PlaceAndRoute { .. } => {
            "fewer lanes, another placement seed, a bigger device, or a longer time limit"
        }
        StepKind::Pack => "a longer time limit",
    }
}
