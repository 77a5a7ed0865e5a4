//! The pipeline's error: what went wrong, and whether it is the user's input (a model, data or
//! option that cannot be used) or a failed step (a mismatch, a simulator or tool failure). The
//! CLI maps the two kinds to its exit codes; a binding maps them to its exceptions.

use std::path::PathBuf;

/// Any error of a wrapped library crate, kept whole (its message and its source chain).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Whether an error is the user's input or a failed step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The model, the data or an option cannot be used.
    Input,
    /// A step failed: verification mismatch, simulator or tool failure, I/O on outputs.
    Failure,
}

/// An error of the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model, the data or an option cannot be used (the message names what and where).
    #[error(transparent)]
    Input(Cause),
    /// A step failed.
    #[error(transparent)]
    Failed(Cause),
    /// An output file or directory could not be written.
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The system's reason.
        message: String,
    },
    /// Verification found the engines disagreeing: the output would not be verified.
    #[error("verification failed: the {engine} differs from the {reference} at {place}{advice}")]
    Mismatch {
        /// The engine that differs (`cycle model`, `RTL (Icarus)`).
        engine: String,
        /// What it was compared with.
        reference: String,
        /// Where they differ first.
        place: String,
        /// What to do (report the bug, where the files are).
        advice: String,
    },
    /// A check needs a simulator that is not installed, and the user did not waive the check.
    #[error("{what} needs {simulator}: {reason}. {advice}")]
    SimulatorMissing {
        /// What needed it.
        what: String,
        /// `Icarus Verilog`.
        simulator: String,
        /// Why it is not usable (from `spikeloom_cosim::check_tools`).
        reason: String,
        /// How to install it, or how to go on without the check.
        advice: String,
    },
    /// The user cancelled (the cancel flag was set) between two steps.
    #[error("interrupted after step `{after}`")]
    Interrupted {
        /// The last step that finished.
        after: String,
    },
}

impl Error {
    /// An input error from a message or a library error.
    pub fn input(e: impl Into<Cause>) -> Error {
        Error::Input(e.into())
    }

    /// A failed step from a message or a library error.
    pub fn failure(e: impl Into<Cause>) -> Error {
        Error::Failed(e.into())
    }

    /// A file that could not be written.
    pub fn write(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Error {
        Error::Write {
            path: path.into(),
            message: e.to_string(),
        }
    }

    /// Input or failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Input(_) => ErrorKind::Input,
            Error::Failed(_)
            | Error::Write { .. }
            | Error::Mismatch { .. }
            | Error::SimulatorMissing { .. }
            | Error::Interrupted { .. } => ErrorKind::Failure,
        }
    }
}

/// `e` and its sources, `: `-separated (as `anyhow` prints an error with `{:#}`), for a message
/// that wraps an error whose text must stay whole.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// The pipeline's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
