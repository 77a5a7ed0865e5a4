//! spikeloom-toolchain: external tools (Yosys, nextpnr, packers, HDL simulators) as data, then executed.
//! `process::run` is the only function in spikeloom that spawns a process.

pub mod process;
