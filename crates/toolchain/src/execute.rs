//! Running a [`BuildPlan`]: write its files, check every tool up front, run the steps through
//! [`crate::process::run`] (the only spawner), parse reports and judge timing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::process::{run, ProcessError};
use crate::report::{parse_nextpnr_report, parse_yosys_stat, ToolReport};
use crate::{BuildPlan, StepKind, ToolPaths, ToolchainError};

/// Progress of a running build, for a progress bar.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Step `index` of `total` (0-based) started.
    Started {
        /// Step index.
        index: usize,
        /// Number of steps.
        total: usize,
        /// Step name.
        step: String,
    },
    /// A step finished successfully.
    Finished {
        /// Step index.
        index: usize,
        /// Step name.
        step: String,
        /// Wall time.
        elapsed: Duration,
    },
}

/// A finished build.
#[derive(Debug, Clone)]
pub struct BuildResult {
    /// The bitstream.
    pub bitstream: PathBuf,
    /// Utilization, Fmax and synthesis cell counts.
    pub report: ToolReport,
    /// Timing misses (empty when the target was met; non-empty only if allowed).
    pub timing_failures: Vec<String>,
    /// Log file of every step, in order.
    pub logs: Vec<PathBuf>,
    /// Wall time of every step, in order.
    pub step_times: Vec<(String, Duration)>,
}

/// Execute `plan` in `dir` (created if needed) with `tools`, reporting progress.
pub fn execute(
    plan: &BuildPlan,
    dir: &Path,
    tools: &ToolPaths,
    progress: &mut dyn FnMut(Progress),
) -> Result<BuildResult, ToolchainError> {
    let missing = tools.missing_messages(&plan.tools());
    if !missing.is_empty() {
        return Err(ToolchainError::MissingTools(missing));
    }
    std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
    for f in &plan.files {
        let path = dir.join(&f.path);
        std::fs::write(&path, &f.contents).map_err(|source| io(&path, source))?;
    }
    let total = plan.steps.len();
    let mut report = ToolReport::default();
    let mut timing_failures = Vec::new();
    let mut logs = Vec::new();
    let mut step_times = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let mut cmd = step.command.clone();
        cmd.cwd = dir.join(&cmd.cwd);
        // `missing_messages` was empty, so every tool of the plan resolves.
        if let Some(path) = tools.get(step.tool) {
            cmd.program = path.to_path_buf();
        }
        let log = cmd.log.as_ref().map(|l| cmd.cwd.join(l));
        progress(Progress::Started {
            index,
            total,
            step: cmd.step.clone(),
        });
        let start = Instant::now();
        run(&cmd).map_err(|source| step_error(source, log.as_deref()))?;
        let elapsed = start.elapsed();
        logs.extend(log);
        step_times.push((cmd.step.clone(), elapsed));
        progress(Progress::Finished {
            index,
            step: cmd.step.clone(),
            elapsed,
        });
        match step.kind {
            StepKind::Synthesis => {
                report.synth_cells = read_with(&dir.join(&plan.stat), parse_yosys_stat)?;
            }
            StepKind::PlaceAndRoute => {
                let parsed = read_with(&dir.join(&plan.report), parse_nextpnr_report)?;
                report.utilization = parsed.utilization;
                report.fmax = parsed.fmax;
                report.critical_paths = parsed.critical_paths;
                timing_failures = report.timing_failures(plan.freq_mhz);
                if !timing_failures.is_empty() && !plan.allow_timing_failure {
                    return Err(ToolchainError::Timing {
                        board: plan.board.clone(),
                        details: timing_failures.join("; "),
                    });
                }
            }
            StepKind::Pack => {}
        }
    }
    Ok(BuildResult {
        bitstream: dir.join(&plan.bitstream),
        report,
        timing_failures,
        logs,
        step_times,
    })
}

fn read_with<T>(path: &Path, parse: fn(&str) -> Result<T, String>) -> Result<T, ToolchainError> {
    let text = std::fs::read_to_string(path).map_err(|source| io(path, source))?;
    parse(&text).map_err(|message| ToolchainError::Report {
        path: path.display().to_string(),
        message,
    })
}

fn io(path: &Path, source: std::io::Error) -> ToolchainError {
    ToolchainError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn step_error(source: ProcessError, log: Option<&Path>) -> ToolchainError {
    ToolchainError::Step {
        source,
        log: log
            .map(|l| l.display().to_string())
            .unwrap_or_else(|| "none".to_string()),
    }
}
