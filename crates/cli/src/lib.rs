//! `spikeloom`: trained SNN (NIR) -> verified Verilog -> FPGA bitstream.
//!
//! The only crate that talks to the user: it parses arguments, orchestrates the library crates,
//! prints results and maps failures to exit codes (2 = bad input, 1 = failure or mismatch).
//! [`main_with`] is the whole command; the `spikeloom` binary and the Python package's
//! `spikeloom` console script both call it, so one build serves both.

mod args;
mod cmd_boards;
mod cmd_build;
mod cmd_explore;
mod cmd_generate;
mod cmd_inspect;
mod cmd_program;
mod cmd_quantize;
mod cmd_run;
mod cmd_simulate;
mod cmd_verify;
mod config;
mod interrupt;
mod progress;

use clap::Parser;

/// Exit code for invalid input (unreadable or unsupported model, bad data, bad options).
const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a failed step (mismatch in verification, tool failure).
const EXIT_FAILURE: i32 = 1;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    code: i32,
    error: anyhow::Error,
}

impl CliError {
    /// Invalid input: exit code 2.
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        CliError {
            code: EXIT_BAD_INPUT,
            error: error.into(),
        }
    }
    /// A failed step: exit code 1.
    pub fn failure(error: impl Into<anyhow::Error>) -> Self {
        CliError {
            code: EXIT_FAILURE,
            error: error.into(),
        }
    }
}

impl From<spikeloom_pipeline::Error> for CliError {
    fn from(error: spikeloom_pipeline::Error) -> Self {
        let code = match error.kind() {
            spikeloom_pipeline::ErrorKind::Input => EXIT_BAD_INPUT,
            spikeloom_pipeline::ErrorKind::Failure => EXIT_FAILURE,
        };
        CliError {
            code,
            error: anyhow::Error::new(error),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        CliError::input(error)
    }
}

/// Run the command line `args` (the program name first) and return the process exit code:
/// 0, 1 (failure or mismatch), 2 (bad input or usage).
pub fn main_with<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and exit 0; usage errors exit 2
            let _ = e.print();
            return e.exit_code();
        }
    };
    let result = match cli.command {
        args::Command::Inspect(a) => cmd_inspect::run(&a),
        args::Command::Simulate(a) => cmd_simulate::run(&a),
        args::Command::Quantize(a) => cmd_quantize::run(&a),
        args::Command::Verify(a) => cmd_verify::run(&a),
        args::Command::Explore(a) => cmd_explore::run(&a),
        args::Command::Boards(a) => cmd_boards::run(&a),
        args::Command::Generate(a) => cmd_generate::run(&a),
        args::Command::Build(a) => cmd_build::run(&a),
        args::Command::Run(a) => cmd_run::run(&a),
        args::Command::Program(a) => cmd_program::run(&a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            e.code
        }
    }
}
