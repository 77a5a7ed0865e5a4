//! spikeloom-toolchain: external tools (Yosys, nextpnr, packers, HDL simulators) as data, then executed.
//! `process::run` is the only function in spikeloom that spawns a process.
//!
//! A build is prepared as a [`BuildPlan`] (files + commands, no tool needed: snapshot-testable), then
//! [`execute`]d in a directory with the tools found by [`ToolPaths`]; nextpnr's JSON report becomes a
//! [`ToolReport`], and a design that misses its target frequency is an error unless allowed.

mod build;
mod error;
mod execute;
pub mod process;
mod report;
mod tools;

pub use build::{prepare, BuildOptions, BuildPlan, BuildStep, PlanFile, SourceFile, StepKind};
pub use error::ToolchainError;
pub use execute::{execute, BuildResult, Progress};
pub use report::{
    parse_nextpnr_report, parse_yosys_stat, ClockFmax, CriticalPath, PathEnd, PathStep, ToolReport,
    Usage, CONSTANT_CLOCK,
};
pub use tools::{Tool, ToolEnv, ToolPaths};
