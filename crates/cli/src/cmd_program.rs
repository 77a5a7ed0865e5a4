//! `spikeloom program DIR`: put a built design on the board with the programmer its board file
//! names (`spikeloom_pipeline::program`: detect the board, the weight image, the bitstream).

use crate::CliError;
use clap::Args;
use spikeloom_pipeline::program::{program, Io, Target};
use std::path::PathBuf;

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

/// Run the command.
pub fn run(args: &ProgramArgs) -> Result<(), CliError> {
    let target = match (args.flash, args.sram) {
        (true, _) => Target::Flash,
        (_, true) => Target::Sram,
        _ => Target::Default,
    };
    let io = Io {
        cancel: Some(crate::interrupt::flag()),
        say: &mut |line| println!("{line}"),
    };
    Ok(program(&args.dir, args.board.as_deref(), target, io)?)
}
