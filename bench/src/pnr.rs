//! Post place-and-route figures: the generated design wrapped for a board, built with
//! Yosys + nextpnr through `spikeloom_toolchain` (the same flow as `spikeloom build`).

use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use spikeloom_board::{board_wrapper, io_sources, Board, ClockPlan, WRAPPER_TOP};
use spikeloom_plan::Plan;
use spikeloom_toolchain::process::Watch;
use spikeloom_toolchain::{execute, prepare, BuildOptions, SourceFile, ToolEnv, ToolPaths};
use spikeloom_verilog::GenOptions;

use crate::fixture::{repo_root, BenchError};

/// One build's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PnrRow {
    /// Fixture.
    pub model: String,
    /// Board.
    pub board: String,
    /// Device.
    pub device: String,
    /// Lanes per core.
    pub lanes: Vec<usize>,
    /// nextpnr utilization: (cell type, used, available).
    pub cells: Vec<(String, u64, u64)>,
    /// Slowest clock's Fmax, MHz.
    pub fmax_mhz: Option<f64>,
    /// Target clock, MHz.
    pub target_mhz: f64,
    /// Planner estimate (LUT4, FF, BRAM, DSP) for comparison.
    pub estimate: (u32, u32, u32, u32),
    /// Build wall time, seconds.
    pub build_s: f64,
    /// Error, when the build failed (the row is kept: a failure is a result too).
    pub error: Option<String>,
}

/// Build `plan` for `board` in `work`.
pub fn build(model: &str, plan: &Plan, board: &Board, work: &Path) -> Result<PnrRow, BenchError> {
    let iface = plan.top_interface();
    // the board's default design clock (its PLL) and link rate
    let params = iface.top_params(ClockPlan::new(board, None, None).map_err(|e| e.to_string())?);
    let mut sources: Vec<SourceFile> = spikeloom_verilog::generate(plan, &GenOptions::default())
        .files
        .into_iter()
        .map(|f| SourceFile {
            name: f.path,
            contents: f.contents,
        })
        .collect();
    let wrapper = board_wrapper(board, &params).map_err(|e| e.to_string())?;
    let mut ports = board.top_ports();
    if iface.loader.is_some() && board.flash.is_some() {
        ports.extend(spikeloom_board::FLASH_PORTS);
    }
    sources.push(SourceFile {
        name: format!("{WRAPPER_TOP}.v"),
        contents: wrapper,
    });
    sources.extend(io_sources().into_iter().map(|(n, t)| SourceFile {
        name: n.into(),
        contents: t.into(),
    }));
    let bp = prepare(
        board,
        &sources,
        WRAPPER_TOP,
        &BuildOptions {
            allow_timing_failure: true,
            // a design with a weight loader reads the board's SPI flash
            ports: Some(ports),
            ..BuildOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let tools = ToolPaths::select(
        &ToolEnv::from_process(&[repo_root().join(".tools/venv/bin")]),
        &bp.tools(),
        &Watch::default(),
        &mut |_, _| {},
    )
    .map_err(|e| e.to_string())?;
    let r = &plan.resources;
    let mut row = PnrRow {
        model: model.into(),
        board: board.name.clone(),
        device: board.device.name.clone(),
        lanes: plan.cores.iter().map(|c| c.lanes).collect(),
        cells: Vec::new(),
        fmax_mhz: None,
        target_mhz: bp.freq_mhz,
        estimate: (r.luts, r.ffs, r.brams, r.dsps),
        build_s: 0.0,
        error: None,
    };
    let start = Instant::now();
    match execute(&bp, work, &tools, None, &mut |_| {}) {
        Ok(res) => {
            row.cells = res
                .report
                .utilization
                .iter()
                .map(|(k, u)| (k.clone(), u.used, u.available))
                .collect();
            row.fmax_mhz = res
                .report
                .fmax
                .values()
                .map(|f| f.achieved)
                .min_by(f64::total_cmp);
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row.build_s = start.elapsed().as_secs_f64();
    Ok(row)
}
