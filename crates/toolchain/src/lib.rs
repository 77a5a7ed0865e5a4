//! spikeloom-toolchain: external tools (Yosys, nextpnr, packers, HDL simulators) as data, then executed.
//! The `process` module is the only place in spikeloom that spawns a process.
//!
//! A build is prepared as a [`BuildPlan`] (files + commands + time limits, no tool needed:
//! snapshot-testable), then [`execute`]d in a directory with the tools chosen (and version-checked)
//! by [`ToolPaths::select`]. Every step runs within its time limit and reports the tool's own
//! progress ([`Activity`]); nextpnr's JSON report becomes a [`ToolReport`], the best of the
//! placement seeds is kept, and a design that misses its target frequency is an error unless
//! allowed.

mod activity;
mod build;
mod error;
mod execute;
pub mod process;
mod report;
mod tools;

pub use activity::{parse_activity, thousands, Activity, OutputKind};
pub use build::{
    prepare, tools_for, BuildOptions, BuildPlan, BuildStep, PlanFile, SourceFile, StepKind,
    TimeLimits,
};
pub use error::{hint as time_limit_hint, ToolchainError};
pub use execute::{execute, BuildResult, CommandRecord, Progress, SeedOutcome};
pub use report::{
    parse_nextpnr_report, parse_yosys_stat, ClockFmax, CriticalPath, PathEnd, PathStep, ToolReport,
    Usage, CONSTANT_CLOCK,
};
pub use tools::{Origin, Tool, ToolEnv, ToolInfo, ToolPaths, Version, VERSION_QUERY_LIMIT};
