//! The one place in spikeloom that spawns processes (ARCHITECTURE.md invariant).
//!
//! [`run`] runs a short command to completion. [`run_watched`] runs a long one in its own process
//! group, streams its output lines to the caller as they come (for progress), and stops it, with
//! everything it started, when its time limit passes or the caller cancels.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// A command to run: data first, executed by [`run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCommand {
    /// Short step name for progress and error messages (e.g. `yosys`, `verilator-build`).
    pub step: String,
    /// Program path or name looked up on PATH.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Where stdout+stderr are written (relative to `cwd`), if kept.
    pub log: Option<PathBuf>,
}

impl ToolCommand {
    /// The command line as a shell would show it (arguments with spaces or quotes are quoted).
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().cloned())
            .map(|a| shell_quote(&a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// What a finished command produced.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The program could not be started.
    #[error("step `{step}`: cannot start `{program}`: {source}")]
    Spawn {
        /// Step name.
        step: String,
        /// Program.
        program: String,
        /// OS error.
        source: std::io::Error,
    },
    /// The program exited with a failure status.
    #[error("step `{step}`: `{program}` failed ({status}); last output:\n{tail}")]
    Failed {
        /// Step name.
        step: String,
        /// Program.
        program: String,
        /// Exit status text.
        status: String,
        /// Last lines of its output.
        tail: String,
    },
    /// The log file could not be written.
    #[error("step `{step}`: cannot write log {path}: {source}")]
    Log {
        /// Step name.
        step: String,
        /// Log path.
        path: String,
        /// OS error.
        source: std::io::Error,
    },
    /// The time limit passed: the program and everything it started were stopped.
    #[error("step `{step}`: `{program}` was stopped after its time limit of {}; last output:\n{tail}", seconds(*.limit))]
    TimedOut {
        /// Step name.
        step: String,
        /// Program.
        program: String,
        /// The limit.
        limit: Duration,
        /// Last lines of its output.
        tail: String,
    },
    /// The caller cancelled (e.g. Ctrl-C): the program and everything it started were stopped.
    #[error("step `{step}`: `{program}` was interrupted after {}", seconds(*.elapsed))]
    Cancelled {
        /// Step name.
        step: String,
        /// Program.
        program: String,
        /// How long it had run.
        elapsed: Duration,
    },
}

/// `12 s`, `1.5 s` (whole seconds when whole).
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if d.subsec_millis() == 0 || s >= 100.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Bounds of a watched run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Watch<'a> {
    /// Stop the program (with everything it started) once it has run this long.
    pub time_limit: Option<Duration>,
    /// Stop it when this becomes true (the CLI sets it on Ctrl-C: the program runs in its own
    /// process group, so the terminal's interrupt does not reach it directly).
    pub cancel: Option<&'a AtomicBool>,
}

/// What a watched program is doing, as its runner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// One line of its output (stdout or stderr, in arrival order, without the newline).
    Line(&'a str),
    /// No output for a while; the program has run `elapsed` so far.
    Waiting(Duration),
}

/// How often a waiting runner reports [`Event::Waiting`] and checks its limits.
const TICK: Duration = Duration::from_millis(250);
/// How long a stopped program may take to clean up after SIGINT before it is killed.
const GRACE: Duration = Duration::from_secs(3);

/// Run one command to completion, capturing its output (and writing its log if asked). The
/// program stays in the caller's process group (a Ctrl-C in the terminal stops it too) and has no
/// time limit: for short commands; long ones use [`run_watched`].
pub fn run(cmd: &ToolCommand) -> Result<ToolOutput, ProcessError> {
    execute(cmd, &Watch::default(), false, &mut |_| {})
}

/// Run one command in its own process group, reporting each output line and regular
/// [`Event::Waiting`] ticks to `on_event`; stop the whole group (SIGINT, then SIGKILL after a
/// grace period) when `watch.time_limit` passes or `watch.cancel` is set. When this returns,
/// nothing the command started is left running.
pub fn run_watched(
    cmd: &ToolCommand,
    watch: &Watch<'_>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<ToolOutput, ProcessError> {
    execute(cmd, watch, true, on_event)
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

/// Why the wait loop stopped the program.
enum Stop {
    TimedOut(Duration),
    Cancelled(Duration),
}

fn execute(
    cmd: &ToolCommand,
    watch: &Watch<'_>,
    own_group: bool,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<ToolOutput, ProcessError> {
    let program = cmd.program.display().to_string();
    let mut log = match &cmd.log {
        Some(rel) => {
            let path = cmd.cwd.join(rel);
            let file = std::fs::File::create(&path).map_err(|source| ProcessError::Log {
                step: cmd.step.clone(),
                path: path.display().to_string(),
                source,
            })?;
            Some((path, std::io::BufWriter::new(file)))
        }
        None => None,
    };
    let mut command = Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .current_dir(&cmd.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if own_group {
        command.process_group(0);
    }
    let mut child = spawn_retrying(&mut command).map_err(|source| ProcessError::Spawn {
        step: cmd.step.clone(),
        program: program.clone(),
        source,
    })?;
    let start = Instant::now();
    let (tx, rx) = mpsc::channel::<(Stream, String)>();
    if let Some(out) = child.stdout.take() {
        spawn_reader(out, Stream::Out, tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        spawn_reader(err, Stream::Err, tx.clone());
    }
    drop(tx);

    let (mut stdout, mut stderr, mut all) = (String::new(), String::new(), Vec::<String>::new());
    let mut log_error = None;
    let mut stop = None;
    let mut status = None;
    let mut last_event = Instant::now();
    let mut output_open = true;
    while stop.is_none() && status.is_none() {
        if output_open {
            match rx.recv_timeout(TICK) {
                Ok((stream, line)) => {
                    let buf = match stream {
                        Stream::Out => &mut stdout,
                        Stream::Err => &mut stderr,
                    };
                    buf.push_str(&line);
                    buf.push('\n');
                    if let Some((path, w)) = &mut log {
                        if let Err(e) = writeln!(w, "{line}") {
                            log_error.get_or_insert((path.clone(), e));
                        }
                    }
                    on_event(Event::Line(&line));
                    last_event = Instant::now();
                    keep_tail(&mut all, line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => output_open = false,
            }
        } else {
            std::thread::sleep(TICK.min(Duration::from_millis(20)));
            status = child.try_wait().ok().flatten();
        }
        let elapsed = start.elapsed();
        if last_event.elapsed() >= TICK {
            on_event(Event::Waiting(elapsed));
            last_event = Instant::now();
        }
        if watch.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            stop = Some(Stop::Cancelled(elapsed));
        } else if watch.time_limit.is_some_and(|l| elapsed >= l) {
            stop = Some(Stop::TimedOut(watch.time_limit.unwrap_or_default()));
        }
    }
    if let Some(stop) = stop {
        stop_group(&mut child, own_group);
        if let Some((_, w)) = &mut log {
            let _ = w.flush();
        }
        let tail = tail_lines(&all.join("\n"), 30);
        return Err(match stop {
            Stop::TimedOut(limit) => ProcessError::TimedOut {
                step: cmd.step.clone(),
                program,
                limit,
                tail,
            },
            Stop::Cancelled(elapsed) => ProcessError::Cancelled {
                step: cmd.step.clone(),
                program,
                elapsed,
            },
        });
    }
    // The program has closed its output and exited; a reader may still hold a last line.
    while let Ok((stream, line)) = rx.try_recv() {
        match stream {
            Stream::Out => stdout.push_str(&line),
            Stream::Err => stderr.push_str(&line),
        }
        keep_tail(&mut all, line);
    }
    let status: ExitStatus = match status {
        Some(s) => s,
        None => child.wait().map_err(|source| ProcessError::Spawn {
            step: cmd.step.clone(),
            program: program.clone(),
            source,
        })?,
    };
    if let Some((path, mut w)) = log {
        if let Err(e) = w.flush() {
            log_error.get_or_insert((path, e));
        }
    }
    if let Some((path, source)) = log_error {
        return Err(ProcessError::Log {
            step: cmd.step.clone(),
            path: path.display().to_string(),
            source,
        });
    }
    if !status.success() {
        return Err(ProcessError::Failed {
            step: cmd.step.clone(),
            program,
            status: status.to_string(),
            tail: tail_lines(&all.join("\n"), 30),
        });
    }
    Ok(ToolOutput { stdout, stderr })
}

/// Keep the last lines of the output for error messages.
fn keep_tail(all: &mut Vec<String>, line: String) {
    const KEEP: usize = 200;
    all.push(line);
    if all.len() > 2 * KEEP {
        all.drain(..all.len() - KEEP);
    }
}

/// `Command::spawn`, retried a few times while the executable is busy (ETXTBSY): a program file
/// just written (a tool installed a moment ago, a script made by a test) can still be open for
/// writing in a process another thread forked before it exec'd.
fn spawn_retrying(command: &mut Command) -> std::io::Result<std::process::Child> {
    const ETXTBSY: i32 = 26; // Linux
    let mut attempt = 0;
    loop {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && attempt < 10 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(20 * attempt));
            }
            other => return other,
        }
    }
}

fn spawn_reader(
    pipe: impl Read + Send + 'static,
    stream: Stream,
    tx: mpsc::Sender<(Stream, String)>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        buf.pop();
                    }
                    let line = String::from_utf8_lossy(&buf).into_owned();
                    if tx.send((stream, line)).is_err() {
                        break;
                    }
                }
            }
        }
    });
}

/// Stop a running child and everything in its process group: SIGINT (YoWASP's Python wrapper
/// then removes its temporary directory), SIGKILL after [`GRACE`], then reap the child and wait
/// until the group is empty.
fn stop_group(child: &mut Child, own_group: bool) {
    let Ok(raw) = i32::try_from(child.id()) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let group = Pid::from_raw(raw);
    if own_group {
        let _ = killpg(group, Signal::SIGINT);
        let until = Instant::now() + GRACE;
        while Instant::now() < until {
            if child.try_wait().ok().flatten().is_some() && group_empty(group) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = killpg(group, Signal::SIGKILL);
    } else {
        let _ = child.kill();
    }
    let _ = child.wait();
    if own_group {
        // Grandchildren die with SIGKILL; give the kernel a moment to remove them.
        let until = Instant::now() + GRACE;
        while !group_empty(group) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// True when no process of process group `group` is still running. Killed grandchildren stay
/// zombies until init reaps them, and `killpg` still finds zombies, so where `/proc` exists its
/// process states decide.
fn group_empty(group: Pid) -> bool {
    if matches!(killpg(group, None), Err(nix::errno::Errno::ESRCH)) {
        return true;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    !entries.flatten().any(|e| {
        // `/proc/PID/stat`: `pid (comm) state ppid pgrp ...`; comm may contain spaces.
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            return false;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let alive = fields.first().is_some_and(|s| *s != "Z" && *s != "X");
        alive && fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(group.as_raw())
    })
}

/// True when `program` can be found (an explicit path that exists, or a name on PATH).
pub fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.exists().then(|| program.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
