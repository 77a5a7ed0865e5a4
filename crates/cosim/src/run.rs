//! Building and running a simulator on a design bundle.
//!
//! The Icarus testbench is compiled on every run (it takes well under a second); the Verilator
//! model is built once per distinct set of sources, in `work_dir/verilator-<hash>/`.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use spikeloom_toolchain::process::{find_program, run, ToolCommand};

use crate::harness::{
    icarus_params, verilator_params, FLASH_MODEL, ICARUS_TB, VERILATOR_HARNESS, VERILATOR_WLOAD_TOP,
};
use crate::{
    format_stimulus, parse_log, step_limit, CosimError, LogLine, StimCmd, TopInterface,
    DRAIN_CYCLES, TIMEOUT_CYCLES,
};
use spikeloom_plan::FLASH_HEX;

/// Which HDL simulator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulator {
    /// Verilator (compiled C++ model; fast, slower to build).
    Verilator,
    /// Icarus Verilog (event-driven; quick to start).
    Icarus,
}

impl fmt::Display for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Simulator::Verilator => "verilator",
            Simulator::Icarus => "icarus",
        })
    }
}

impl Simulator {
    /// Programs this simulator needs, with how to install each.
    fn tools(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Simulator::Verilator => &[("verilator", "apt-get install verilator")],
            Simulator::Icarus => &[
                ("iverilog", "apt-get install iverilog"),
                ("vvp", "apt-get install iverilog"),
            ],
        }
    }
}

/// Check up front that `sim`'s programs are installed.
pub fn check_tools(sim: Simulator) -> Result<(), CosimError> {
    for (tool, hint) in sim.tools() {
        if find_program(Path::new(tool)).is_none() {
            return Err(CosimError::ToolMissing {
                tool: (*tool).to_string(),
                hint: (*hint).to_string(),
            });
        }
    }
    Ok(())
}

/// Simulate the design in `bundle_dir` (every `*.v`/`*.sv` file there; `spikeloom_top` is the
/// top) on `stim` with `sim`, using `work_dir` for build products, stimulus and log, and return
/// the parsed log. The simulator runs with `bundle_dir` as its working directory so memory
/// initialisation files named relative to the bundle are found.
pub fn run_rtl(
    bundle_dir: &Path,
    iface: &TopInterface,
    stim: &[StimCmd],
    sim: Simulator,
    work_dir: &Path,
) -> Result<Vec<LogLine>, CosimError> {
    check_tools(sim)?;
    let sources = design_sources(bundle_dir)?;
    let work_dir = prepare_dir(work_dir)?;
    match sim {
        Simulator::Icarus => {
            let design = IcarusDesign {
                sources: &sources,
                defines: &[],
                include_dirs: &[],
            };
            run_icarus(&design, iface, stim, &work_dir.join("icarus"), bundle_dir)
        }
        Simulator::Verilator => {
            let exe = build_verilator(&sources, iface, &work_dir)?;
            run_harness(
                exe,
                flash_args(iface, bundle_dir),
                step_limit(iface),
                stim,
                &work_dir.join("verilator"),
                bundle_dir,
                sim,
            )
        }
    }
}

/// What Icarus compiles besides the testbench.
pub(crate) struct IcarusDesign<'a> {
    /// Design files (absolute paths).
    pub sources: &'a [PathBuf],
    /// Preprocessor defines (`NAME` or `NAME=value`).
    pub defines: &'a [&'a str],
    /// Extra include directories.
    pub include_dirs: &'a [PathBuf],
}

/// Compile the testbench with `design` in `dir` and run it on `stim` from `run_cwd`.
pub(crate) fn run_icarus(
    design: &IcarusDesign<'_>,
    iface: &TopInterface,
    stim: &[StimCmd],
    dir: &Path,
    run_cwd: &Path,
) -> Result<Vec<LogLine>, CosimError> {
    create_dir(dir)?;
    write(
        &dir.join("tb_params.vh"),
        &icarus_params(iface),
        "cannot write",
    )?;
    write(&dir.join("tb_spikeloom.v"), ICARUS_TB, "cannot write")?;
    let mut args: Vec<String> = ["-g2005", "-o", "sim.vvp", "-s", "tb_spikeloom", "-I", "."]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(design.defines.iter().map(|d| format!("-D{d}")));
    args.extend(
        design
            .include_dirs
            .iter()
            .map(|d| format!("-I{}", d.display())),
    );
    args.push("tb_spikeloom.v".into());
    if iface.loader.is_some() {
        write(&dir.join("sl_spi_flash.v"), FLASH_MODEL, "cannot write")?;
        args.push("sl_spi_flash.v".into());
    }
    args.extend(design.sources.iter().map(|p| p.display().to_string()));
    run(&ToolCommand {
        step: "icarus-build".into(),
        program: "iverilog".into(),
        args,
        cwd: dir.to_path_buf(),
        log: Some("build.log".into()),
    })?;
    let mut vvp_args = vec!["-n".to_string(), dir.join("sim.vvp").display().to_string()];
    vvp_args.extend(flash_args(iface, run_cwd));
    run_harness(
        PathBuf::from("vvp"),
        vvp_args,
        step_limit(iface),
        stim,
        dir,
        run_cwd,
        Simulator::Icarus,
    )
}

/// Run a built harness (`program` + `args`) on `stim` with `+steplimit=steplimit`
/// ([`step_limit`]); stimulus and log live in `dir`.
fn run_harness(
    program: PathBuf,
    mut args: Vec<String>,
    steplimit: u64,
    stim: &[StimCmd],
    dir: &Path,
    run_cwd: &Path,
    sim: Simulator,
) -> Result<Vec<LogLine>, CosimError> {
    create_dir(dir)?;
    let stim_path = dir.join("run.stim");
    let log_path = dir.join("run.log");
    write(&stim_path, &format_stimulus(stim), "cannot write stimulus")?;
    // A stale log must never be read as this run's result.
    if log_path.exists() {
        std::fs::remove_file(&log_path)
            .map_err(|e| io_err("cannot remove old log", &log_path, e))?;
    }
    args.push(format!("+stim={}", stim_path.display()));
    args.push(format!("+log={}", log_path.display()));
    args.push(format!("+drain={DRAIN_CYCLES}"));
    args.push(format!("+timeout={TIMEOUT_CYCLES}"));
    args.push(format!("+steplimit={steplimit}"));
    run(&ToolCommand {
        step: format!("{sim}-run"),
        program,
        args,
        cwd: run_cwd.to_path_buf(),
        log: None,
    })?;
    let text = std::fs::read_to_string(&log_path)
        .map_err(|e| io_err("cannot read simulation log", &log_path, e))?;
    parse_log(&text, &sim.to_string())
}

/// The flash model's image of a design with a weight loader: `+flash=` the bundle's
/// [`FLASH_HEX`] when it has one (without it the model is an erased flash). The path is made
/// absolute: the simulators run in the bundle's directory (its `$readmemh` files), so a
/// relative bundle path (`build -o out/`) would name no file there and the loader would read
/// an erased flash.
fn flash_args(iface: &TopInterface, bundle_dir: &Path) -> Vec<String> {
    let hex = bundle_dir.join(FLASH_HEX);
    if iface.loader.is_some() && hex.is_file() {
        let hex = hex.canonicalize().unwrap_or(hex);
        vec![format!("+flash={}", hex.display())]
    } else {
        Vec::new()
    }
}

fn build_verilator(
    sources: &[PathBuf],
    iface: &TopInterface,
    work_dir: &Path,
) -> Result<PathBuf, CosimError> {
    let mut params = verilator_params(iface);
    // a design with a weight loader is built inside wload_top.v, which includes tb_params.vh
    let wload = iface.loader.is_some();
    let top = if wload {
        params.push_str(&icarus_params(iface));
        "spikeloom_sim_top"
    } else {
        "spikeloom_top"
    };
    let mut flags: Vec<String> = [
        "--cc",
        "--exe",
        "--build",
        "-O3",
        "-j",
        "2",
        "--top-module",
        top,
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--Mdir",
        "obj",
        "-CFLAGS",
        "-I..",
        "-o",
        "Vsim",
        "harness.cpp",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if wload {
        // the harness's class keeps its name: Vspikeloom_top
        flags.extend(
            [
                "--prefix",
                "Vspikeloom_top",
                "-I.",
                "wload_top.v",
                "sl_spi_flash.v",
            ]
            .map(String::from),
        );
    }
    let key = build_key(sources, &params, &flags)?;
    let dir = work_dir.join(format!("verilator-{key}"));
    let exe = dir.join("obj/Vsim");
    if exe.is_file() {
        return Ok(exe);
    }
    create_dir(&dir)?;
    write(
        &dir.join("tb_params.h"),
        &verilator_params(iface),
        "cannot write",
    )?;
    write(&dir.join("harness.cpp"), VERILATOR_HARNESS, "cannot write")?;
    if wload {
        write(
            &dir.join("tb_params.vh"),
            &icarus_params(iface),
            "cannot write",
        )?;
        write(
            &dir.join("wload_top.v"),
            VERILATOR_WLOAD_TOP,
            "cannot write",
        )?;
        write(&dir.join("sl_spi_flash.v"), FLASH_MODEL, "cannot write")?;
    }
    let mut args = flags;
    args.extend(sources.iter().map(|p| p.display().to_string()));
    run(&ToolCommand {
        step: "verilator-build".into(),
        program: "verilator".into(),
        args,
        cwd: dir,
        log: Some("build.log".into()),
    })?;
    Ok(exe)
}

/// Hash of everything that determines the Verilator executable.
fn build_key(sources: &[PathBuf], params: &str, flags: &[String]) -> Result<String, CosimError> {
    let mut hasher = Sha256::new();
    for part in [VERILATOR_HARNESS, VERILATOR_WLOAD_TOP, FLASH_MODEL, params] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    for flag in flags {
        hasher.update(flag.as_bytes());
        hasher.update([0]);
    }
    for path in sources {
        let bytes = std::fs::read(path).map_err(|e| io_err("cannot read", path, e))?;
        // The file name, not the path: the same design in another directory reuses the build
        // (memory images are read at run time from the bundle, so they are not part of it).
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The bundle's Verilog files, sorted, as absolute paths.
pub(crate) fn design_sources(bundle_dir: &Path) -> Result<Vec<PathBuf>, CosimError> {
    let dir = bundle_dir
        .canonicalize()
        .map_err(|e| io_err("cannot open design bundle", bundle_dir, e))?;
    let entries =
        std::fs::read_dir(&dir).map_err(|e| io_err("cannot list design bundle", &dir, e))?;
    let mut sources = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| io_err("cannot list design bundle", &dir, e))?
            .path();
        let is_hdl = path
            .extension()
            .is_some_and(|ext| ext == "v" || ext == "sv");
        if is_hdl && path.is_file() {
            sources.push(path);
        }
    }
    if sources.is_empty() {
        return Err(CosimError::NoSources {
            dir: dir.display().to_string(),
        });
    }
    sources.sort();
    Ok(sources)
}

/// Create `dir` and return its absolute path.
pub(crate) fn prepare_dir(dir: &Path) -> Result<PathBuf, CosimError> {
    create_dir(dir)?;
    dir.canonicalize()
        .map_err(|e| io_err("cannot resolve", dir, e))
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), CosimError> {
    std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create directory", dir, e))
}

pub(crate) fn write(path: &Path, text: &str, what: &str) -> Result<(), CosimError> {
    std::fs::write(path, text).map_err(|e| io_err(what, path, e))
}

pub(crate) fn io_err(what: &str, path: &Path, source: std::io::Error) -> CosimError {
    CosimError::Io {
        what: what.to_string(),
        path: path.display().to_string(),
        source,
    }
}
