//! The error type of spikeloom-cosim.

use spikeloom_toolchain::process::ProcessError;

/// Why a co-simulation step failed.
#[derive(Debug, thiserror::Error)]
pub enum CosimError {
    /// A simulator is not installed.
    #[error("`{tool}` not found on PATH; install it ({hint})")]
    ToolMissing {
        /// Program name.
        tool: String,
        /// How to install it.
        hint: String,
    },
    /// Building or running the simulator failed.
    #[error(transparent)]
    Tool(#[from] ProcessError),
    /// A file could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done (e.g. "cannot write stimulus").
        what: String,
        /// The file.
        path: String,
        /// OS error.
        source: std::io::Error,
    },
    /// The bundle directory holds no Verilog source.
    #[error("no Verilog sources (*.v, *.sv) in {dir}: generate the design first")]
    NoSources {
        /// The bundle directory.
        dir: String,
    },
    /// The harness stopped with an `ERROR` line (bad stimulus or watchdog timeout).
    #[error("{simulator} harness: {message}")]
    Harness {
        /// Simulator name.
        simulator: String,
        /// The harness's message.
        message: String,
    },
    /// A log line is not in the protocol's format.
    #[error("log line {line}: {reason}: `{text}`")]
    LogSyntax {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// Input spikes cannot be turned into a stimulus.
    #[error("input spikes: {0}")]
    Stimulus(String),
    /// A log does not fit the network/stimulus it is decoded against.
    #[error("decoding log: {0}")]
    Decode(String),
}
