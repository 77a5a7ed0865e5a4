//! Progress of long commands on stderr, one numbered step after another. On a terminal the
//! running step is a live line (spinner, elapsed time, what the tool reports doing: Yosys pass,
//! placer iteration, router congestion); otherwise (CI logs, pipes) plain lines: the step, the
//! tool's activity when it changes phase or every [`PLAIN_EVERY`], and the result. Either way
//! each step ends with the same `done in` / `failed after` line. Fed by
//! `spikeloom_toolchain::Progress` (builds) or by the command itself (`start`/`finish`).
//! [`Counter`] shows work of a known size (explore's grid points, samples on a board, the bytes
//! of a weight load) the same way: a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal as _;
use std::mem::discriminant;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spikeloom_toolchain::{Activity, Progress};

/// In plain mode, the longest silence while a step runs.
const PLAIN_EVERY: Duration = Duration::from_secs(30);

/// The step display.
pub struct Steps {
    total: usize,
    done: usize,
    bar: Option<ProgressBar>,
    tty: bool,
    current: Option<Current>,
    /// Name and wall time (s) of every finished or failed step, in order.
    pub times: Vec<(String, f64)>,
}

/// The running step.
struct Current {
    started: Instant,
    activity: Option<Activity>,
    last_plain: Instant,
}

impl Steps {
    /// A display of `total` steps; a live line only when stderr is a terminal.
    pub fn new(total: usize) -> Steps {
        Steps {
            total,
            done: 0,
            bar: None,
            tty: std::io::stderr().is_terminal(),
            current: None,
            times: Vec::new(),
        }
    }

    /// Change the number of steps (e.g. once the number of seeds is known).
    pub fn set_total(&mut self, total: usize) {
        self.total = total;
    }

    /// Step `name` starts: `[3/6] name...`.
    pub fn start(&mut self, name: &str) {
        self.clear_bar();
        self.done += 1;
        let head = format!("[{}/{}] {name}", self.done, self.total);
        eprintln!("{head}...");
        if self.tty {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("      {spinner} {elapsed:>4} {wide_msg}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        self.current = Some(Current {
            started: Instant::now(),
            activity: None,
            last_plain: Instant::now(),
        });
    }

    /// A line under the running step (e.g. which tool was chosen).
    pub fn note(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("      {text}")),
            None => eprintln!("      {text}"),
        }
    }

    /// The running step's tool reports `activity` (or, with `None`, is still running).
    pub fn activity(&mut self, elapsed: Duration, activity: Option<Activity>) {
        let Some(cur) = &mut self.current else {
            return;
        };
        let changed_phase = match (&activity, &cur.activity) {
            (Some(new), Some(old)) => discriminant(new) != discriminant(old),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if let Some(a) = activity {
            cur.activity = Some(a);
        }
        let text = cur
            .activity
            .as_ref()
            .map_or_else(|| "running".to_string(), ToString::to_string);
        if let Some(bar) = &self.bar {
            bar.set_message(text);
        } else if changed_phase || cur.last_plain.elapsed() >= PLAIN_EVERY {
            cur.last_plain = Instant::now();
            eprintln!("      {:>5.0} s  {text}", elapsed.as_secs_f64());
        }
    }

    /// The running step finished: `name done in 12.3 s: note`.
    pub fn finish(&mut self, name: &str, took: Duration, note: &str) {
        self.clear_bar();
        self.current = None;
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        };
        eprintln!("      {name} done in {:.1} s{note}", took.as_secs_f64());
        self.times.push((name.to_string(), took.as_secs_f64()));
    }

    /// Finish a step timed by the caller.
    pub fn finish_since(&mut self, name: &str, note: &str) {
        let took = self
            .current
            .as_ref()
            .map_or(Duration::ZERO, |c| c.started.elapsed());
        self.finish(name, took, note);
    }

    /// The running step failed: `name failed after 12.3 s: reason`.
    pub fn fail(&mut self, name: &str, took: Duration, reason: &str) {
        self.clear_bar();
        self.current = None;
        eprintln!(
            "      {name} failed after {:.1} s: {reason}",
            took.as_secs_f64()
        );
        self.times.push((name.to_string(), took.as_secs_f64()));
    }

    /// Show a toolchain event.
    pub fn toolchain(&mut self, p: Progress) {
        match p {
            Progress::Started { step, .. } => self.start(&step),
            Progress::Running {
                elapsed, activity, ..
            } => self.activity(elapsed, activity),
            Progress::Finished {
                step,
                elapsed,
                note,
                ..
            } => self.finish(&step, elapsed, &note),
            Progress::Failed {
                step,
                elapsed,
                reason,
                ..
            } => self.fail(&step, elapsed, &reason),
        }
    }

    fn clear_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Progress through `total` units of work: on a terminal a bar with the count, elapsed time and
/// an estimate of what is left; otherwise a plain line at most every [`PLAIN_COUNT_EVERY`] and
/// one at the end.
pub struct Counter {
    what: String,
    unit: &'static str,
    total: u64,
    started: Instant,
    last_plain: Option<Instant>,
    bar: Option<ProgressBar>,
}

/// In plain mode, the shortest time between two count lines.
const PLAIN_COUNT_EVERY: Duration = Duration::from_secs(10);

impl Counter {
    /// `what` (e.g. `explore`) over `total` `unit`s (e.g. `points`).
    pub fn new(what: &str, total: u64, unit: &'static str) -> Counter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(&format!(
                "{what}: {{bar:30}} {{pos}}/{{len}} {unit} {{elapsed}} (about {{eta}} left)"
            )) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Counter {
            what: what.to_string(),
            unit,
            total,
            started: Instant::now(),
            last_plain: None,
            bar,
        }
    }

    /// `done` units are finished.
    pub fn set(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            if done >= self.total {
                // Keep the full bar as the record; later output goes below it.
                bar.finish();
            }
            return;
        }
        let due = self
            .last_plain
            .is_none_or(|t| t.elapsed() >= PLAIN_COUNT_EVERY);
        if due || done == self.total {
            self.last_plain = Some(Instant::now());
            eprintln!(
                "{}: {done}/{} {} ({:.0} s)",
                self.what,
                self.total,
                self.unit,
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take().filter(|b| !b.is_finished()) {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        self.clear_bar();
    }
}
