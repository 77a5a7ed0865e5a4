//! Post-synthesis check: synthesize the design with Yosys for an FPGA family, then simulate the
//! gate-level netlist (with Yosys's simulation models of the family's cells) in the Icarus
//! testbench. Its log must equal the RTL's: synthesis did not change the behaviour.

use std::fmt;
use std::path::{Path, PathBuf};

use spikeloom_toolchain::process::{find_program, run, ToolCommand};

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

/// Synthesize `bundle_dir`'s design for `target` and simulate the netlist on `stim` with Icarus
/// (work files in `work_dir/netlist-<target>/`). Returns the netlist's log.
pub fn run_netlist(
    bundle_dir: &Path,
    iface: &TopInterface,
    stim: &[StimCmd],
    target: NetlistTarget,
    work_dir: &Path,
) -> Result<Vec<LogLine>, CosimError> {
    check_tools(Simulator::Icarus)?;
    let yosys = find_program(Path::new("yosys")).ok_or_else(|| CosimError::ToolMissing {
        tool: "yosys".into(),
        hint: "apt-get install yosys".into(),
    })?;
    let sources = design_sources(bundle_dir)?;
    let dir = prepare_dir(&work_dir.join(format!("netlist-{target}")))?;
    let netlist = dir.join("net.v");
    let script = dir.join("synth.ys");
    write(
        &script,
        &synth_script(&sources, target, &netlist),
        "cannot write",
    )?;
    run(&ToolCommand {
        step: format!("yosys-synth-{target}"),
        program: yosys.clone(),
        args: vec!["-q".into(), "-s".into(), script.display().to_string()],
        // Memory initialisation files are named relative to the bundle.
        cwd: bundle_dir.to_path_buf(),
        log: Some(dir.join("synth.log")),
    })?;
    let cells = cell_models(&yosys, target)?;
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

/// `<yosys datdir>/<family>/cells_sim.v`, the datdir found beside the yosys binary
/// (`<prefix>/bin/yosys` -> `<prefix>/share/yosys`), as `yosys-config --datdir` reports it.
fn cell_models(yosys: &Path, target: NetlistTarget) -> Result<PathBuf, CosimError> {
    let resolved = yosys
        .canonicalize()
        .map_err(|e| io_err("cannot resolve", yosys, e))?;
    let datdir = resolved
        .parent()
        .and_then(Path::parent)
        .map(|prefix| prefix.join("share/yosys"))
        .unwrap_or_default();
    let cells = datdir.join(target.to_string()).join("cells_sim.v");
    if cells.is_file() {
        Ok(cells)
    } else {
        Err(CosimError::ToolMissing {
            tool: format!("yosys cell models ({})", cells.display()),
            hint: "install yosys with its data files (apt-get install yosys)".into(),
        })
    }
}
