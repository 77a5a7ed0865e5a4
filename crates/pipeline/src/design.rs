//! A design: an integer network planned for a board (fit-checked, lanes chosen), its Verilog
//! bundle, board wrapper and constraints, weight image and manifest, in memory; and writing it
//! to a directory.
//!
//! Directory layout (deterministic: the same inputs give byte-identical files):
//! ```text
//! DIR/plan.txt          the plan's text dump (cores, lanes, memories, resource estimate)
//! DIR/model.q.json      the integer network the design implements (`run` checks the board with it)
//! DIR/spikeloom.json    manifest: board, baud, sizes, hashes (read by `run`)
//! DIR/rtl/              board-independent core: spikeloom_top.v, templates, memory images
//! DIR/board/            spikeloom_board.v wrapper, UART/bridge sources, constraints (used ports only)
//! DIR/weights.bin       the weight image, for a design whose weights are loaded at start-up (SPRAM):
//!                       program it into the board's SPI flash at the manifest's offset
//! ```

use crate::config::HwConfig;
use crate::error::{Error, Result};
use crate::model::LoadedModel;
use serde::{Deserialize, Serialize};
use spikeloom_board::{
    board_wrapper, constraints, io_sources, Board, ClockPlan, Device, Family, FLASH_PORTS,
};
use spikeloom_plan::{
    BoardTopConfig, LoaderConfig, Plan, PlanConfig, PlanError, WeightImage, WeightMemChoice,
    DEFAULT_FLASH_OFFSET,
};
use spikeloom_qnet::QNet;
use spikeloom_verilog::{Bundle, GenOptions};
use std::path::Path;

/// Name of the manifest file in a design directory.
pub const MANIFEST: &str = "spikeloom.json";
/// Subdirectory of the board-independent core bundle.
pub const RTL_DIR: &str = "rtl";
/// Subdirectory of the board-level sources and constraints.
pub const BOARD_DIR: &str = "board";
/// The integer network of the design.
pub const QNET_FILE: &str = "model.q.json";
/// The weight image of a design whose weights are loaded at start-up.
pub const WEIGHTS_FILE: &str = "weights.bin";

/// `ice40` / `ecp5`.
pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::Ice40 => "ice40",
        Family::Ecp5 => "ecp5",
    }
}

/// What `run` needs to know about a generated design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// spikeloom version that generated the design.
    pub generator: String,
    /// Board name.
    pub board: String,
    /// FPGA family (`ice40` / `ecp5`).
    pub family: String,
    /// Device name.
    pub device: String,
    /// Design clock, Hz.
    pub clock_hz: u64,
    /// UART baud rate the design was built for.
    pub baud: u32,
    /// Input features per step.
    pub input_size: usize,
    /// Output neurons.
    pub output_size: usize,
    /// (layer name, neurons) in network order.
    pub layers: Vec<(String, usize)>,
    /// Lanes per core.
    pub lanes: Vec<usize>,
    /// SHA-256 of the model file.
    pub model_sha256: String,
    /// Short hash of the integer network (also in the Verilog headers).
    pub qnet_hash: String,
    /// The weight image of a design whose weights are loaded at start-up (SPRAM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<WeightsInfo>,
    /// The host bridge has RUN_PIXELS and its rate encoder (`Plan::bridge_pixels`; designs
    /// written before the choice existed have it).
    #[serde(default = "yes")]
    pub rate_encoder: bool,
}

fn yes() -> bool {
    true
}

/// The weight image file of a design whose weights are loaded at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightsInfo {
    /// File name in the design directory.
    pub file: String,
    /// Bytes of the image.
    pub bytes: usize,
    /// CRC-32 of its payload: the image the bitstream expects (STATUS reports it).
    pub crc32: u32,
    /// Byte offset in the board's SPI flash where the bitstream's loader reads it (`None`: the
    /// board file names no flash; the image comes over the host link only).
    pub flash_offset: Option<u32>,
    /// Cycles of the start-up load from the flash (from the release of the power-on reset).
    pub load_cycles: u64,
}

/// A generated design, in memory.
pub struct Design {
    /// The board.
    pub board: Board,
    /// The model and its integer network.
    pub model: LoadedModel,
    /// The hardware plan.
    pub plan: Plan,
    /// The core bundle (board-independent).
    pub bundle: Bundle,
    /// Board-level files: (name, contents), wrapper first, constraints last.
    pub board_files: Vec<(String, String)>,
    /// The manifest.
    pub manifest: Manifest,
    /// The weight image of a design whose weights are loaded at start-up.
    pub weight_image: Option<WeightImage>,
    /// The board top's ports the design uses (the SPI flash's with a weight loader).
    pub ports: Vec<spikeloom_board::Port>,
    /// The design clock, its PLL and the host link's rate.
    pub clock: ClockPlan,
}

impl Design {
    /// Every synthesis source (core + board Verilog, memory images) as plain file names.
    pub fn synthesis_sources(&self) -> Vec<spikeloom_toolchain::SourceFile> {
        let core = self
            .bundle
            .files
            .iter()
            .map(|f| (f.path.clone(), f.contents.clone()));
        let board = self
            .board_files
            .iter()
            .filter(|(name, _)| name.ends_with(".v"))
            .cloned();
        core.chain(board)
            .map(|(name, contents)| spikeloom_toolchain::SourceFile { name, contents })
            .collect()
    }
}

/// `design clock 18 MHz from ...; host link 3000000 baud (6 clocks per bit, exact)`.
pub fn clock_line(c: &ClockPlan) -> String {
    let link = c.uart.map_or(String::new(), |u| {
        format!(
            "; host link {} baud ({} clocks per bit{})",
            u.baud,
            u.clocks_per_bit,
            if u.exact { ", exact" } else { "" }
        )
    });
    format!("design clock {}{link}", c.describe())
}

/// Plan the integer network for the board, and generate every file in memory.
pub fn prepare(loaded: LoadedModel, model_path: &Path, hw: &HwConfig) -> Result<Design> {
    let board = Board::resolve(&hw.board).map_err(Error::input)?;
    // the board's default clock for the cores this network gets (a layer with a convolution
    // becomes a convolution core), unless --clock-mhz chooses
    let has_conv = loaded
        .qnet
        .layers
        .iter()
        .any(|l| l.inputs.iter().any(|p| p.conv.is_some()));
    let requested = hw
        .clock_mhz
        .unwrap_or_else(|| board.design.default_mhz(has_conv));
    let clock = ClockPlan::new(&board, Some(requested), hw.baud).map_err(Error::input)?;
    let base = PlanConfig {
        weight_memory: hw.weight_memory,
        state_memory: hw.state_memory,
        kernel_memory: hw.kernel_memory,
        conv_engine: hw.conv_engine,
        loader: LoaderConfig {
            clock_hz: clock.design_hz_ceil(),
            flash_offset: hw.flash_offset.unwrap_or_else(|| {
                board
                    .flash
                    .as_ref()
                    .map_or(DEFAULT_FLASH_OFFSET, |f| f.first_free_offset())
            }),
        },
        // the estimate covers what `build` synthesizes: the core and this board's top
        board_top: Some(board_top_config(&clock)),
        zero_skip: hw.zero_skip,
        rate_encoder: hw.rate_encoder,
        conv_units: hw.conv_units,
        ..PlanConfig::default()
    };
    let plan = match plan_for(&loaded.qnet, &board.device, hw.lanes, &base) {
        Ok(p) => p,
        Err(PlanError::DoesNotFit { report, .. }) => {
            return Err(Error::failure(does_not_fit(
                &loaded, hw.lanes, &board, &report, &base,
            )));
        }
        Err(e) => return Err(Error::input(format!("{}: {e}", model_path.display()))),
    };
    let weight_image = weight_image(&plan, &board, hw.flash_offset)?;
    let bundle = spikeloom_verilog::generate(&plan, &GenOptions::default());
    let iface = plan.top_interface();
    let params = iface.top_params(clock);
    // a design with a weight loader reads the board's flash when the board says where it is
    let mut ports = board.top_ports();
    if iface.loader.is_some() && board.flash.is_some() {
        ports.extend(FLASH_PORTS);
    }
    let wrapper = board_wrapper(&board, &params).map_err(Error::input)?;
    let mut board_files = vec![(format!("{}.v", spikeloom_board::WRAPPER_TOP), wrapper)];
    board_files.extend(
        io_sources()
            .into_iter()
            .map(|(n, t)| (n.to_string(), t.to_string())),
    );
    let cons = constraints(&board, &ports).map_err(Error::input)?;
    board_files.push((constraints_name(board.device.family).into(), cons));
    let manifest = Manifest {
        generator: format!("spikeloom {}", env!("CARGO_PKG_VERSION")),
        board: board.name.clone(),
        family: family_name(board.device.family).into(),
        device: board.device.name.clone(),
        clock_hz: clock.design.round_hz(),
        baud: clock.uart.map_or(115_200, |u| u.baud),
        input_size: iface.input_size,
        output_size: iface.output_size,
        layers: iface.layers.clone(),
        lanes: plan.cores.iter().map(|c| c.lanes).collect(),
        model_sha256: loaded.source_sha256.clone(),
        qnet_hash: plan.model_hash.clone(),
        rate_encoder: plan.bridge_pixels,
        weights: plan
            .loader
            .zip(weight_image.as_ref())
            .map(|(l, img)| WeightsInfo {
                file: WEIGHTS_FILE.into(),
                bytes: img.len_bytes(),
                crc32: img.crc(),
                flash_offset: board.flash.as_ref().map(|_| l.flash_offset),
                load_cycles: l.flash_load_cycles(),
            }),
    };
    Ok(Design {
        board,
        model: loaded,
        plan,
        bundle,
        board_files,
        manifest,
        weight_image,
        ports,
        clock,
    })
}

/// The weight image of a design whose weights are loaded at start-up, checked against the
/// board's flash (it must not overlap the bitstream nor pass the end of the flash);
/// `--flash-offset` for a design without a loader, or a board without a flash, is an error.
fn weight_image(plan: &Plan, board: &Board, offset: Option<u32>) -> Result<Option<WeightImage>> {
    let Some(loader) = plan.loader else {
        return match offset {
            Some(o) => Err(Error::input(format!(
                "--flash-offset {o:#x}: this design's weights fit block RAM and are in the bitstream; \
                 there is no weight image to place (use --weight-memory spram to load them from the flash)"
            ))),
            None => Ok(None),
        };
    };
    let image = WeightImage::new(plan.weight_image()).map_err(|e| Error::failure(e.to_string()))?;
    match &board.flash {
        Some(flash) => flash
            .check_data(loader.flash_offset, image.len_bytes() as u64)
            .map_err(|e| Error::input(format!("board `{}`: {e}", board.name)))?,
        None if offset.is_some() => {
            return Err(Error::input(format!(
                "--flash-offset: board `{}` names no SPI flash (no [flash] section in its board file); \
                 its weights can only be loaded over the host link (`spikeloom run` does it)",
                board.name
            )))
        }
        None => {}
    }
    Ok(Some(image))
}

/// The board top the estimate counts for a clock plan (design clock, UART rate, reset settle).
fn board_top_config(clock: &ClockPlan) -> BoardTopConfig {
    BoardTopConfig {
        clock_hz: clock.design_hz_ceil(),
        baud: clock.uart.as_ref().map_or(115_200, |u| u.baud),
        settle_cycles: clock.settle_cycles(),
    }
}

/// Constraint file name of a family (the toolchain writes the same name).
pub fn constraints_name(family: Family) -> &'static str {
    match family {
        Family::Ice40 => "constraints.pcf",
        Family::Ecp5 => "constraints.lpf",
    }
}

/// Lanes tried by the automatic choice, most parallel first.
const AUTO_LANES: [usize; 4] = [8, 4, 2, 1];

/// Plan `net` for `device` with `lanes` per core, or else with the most lanes that fit: the
/// planner itself only backs off for logic, while memories and multipliers also grow with lanes.
/// `base` gives the other settings (weight memory, loader).
fn plan_for(
    net: &QNet,
    device: &Device,
    lanes: Option<usize>,
    base: &PlanConfig,
) -> Result<Plan, PlanError> {
    if lanes.is_some() {
        return spikeloom_plan::plan(
            net,
            &PlanConfig {
                lanes,
                ..base.clone()
            },
            device,
        );
    }
    let mut last = None;
    for max_lanes in AUTO_LANES {
        let cfg = PlanConfig {
            max_lanes,
            ..base.clone()
        };
        match spikeloom_plan::plan(net, &cfg, device) {
            Err(e @ PlanError::DoesNotFit { .. }) => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or(PlanError::Config("no lane count to try".into())))
}

/// The fit failure: what does not fit, and which built-in boards the same design fits.
fn does_not_fit(
    m: &LoadedModel,
    lanes: Option<usize>,
    board: &Board,
    report: &str,
    base: &PlanConfig,
) -> String {
    // other boards: the automatic weight, state and kernel memories (a forced SPRAM does not
    // carry over)
    let other = PlanConfig {
        weight_memory: WeightMemChoice::Auto,
        state_memory: spikeloom_plan::StateMemChoice::Auto,
        kernel_memory: spikeloom_plan::KernelMemChoice::Auto,
        conv_engine: spikeloom_plan::ConvEngineChoice::Auto,
        ..base.clone()
    };
    let fits_on: Vec<String> = spikeloom_board::list()
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.name != board.name)
        .filter(|b| {
            // that board's default clock (its board top differs only in a few counter bits)
            let top = ClockPlan::new(b, None, None)
                .map(|c| board_top_config(&c))
                .ok();
            let cfg = PlanConfig {
                board_top: top.or(other.board_top),
                ..other.clone()
            };
            plan_for(&m.qnet, &b.device, lanes, &cfg).is_ok()
        })
        .map(|b| b.name)
        .collect();
    let auto = lanes.is_some() && plan_for(&m.qnet, &board.device, None, base).is_ok();
    let hint = if auto {
        format!(
            "it fits `{}` with fewer lanes: omit --lanes to choose automatically",
            board.name
        )
    } else if fits_on.is_empty() {
        "it fits none of the built-in boards: shrink the model or quantize with fewer bits \
         (--weight-bits, --state-bits)"
            .to_string()
    } else {
        format!("it fits these built-in boards: {}", fits_on.join(", "))
    };
    format!(
        "the design does not fit board `{}` ({}):\n  - {}\n{hint}",
        board.name,
        board.device.name,
        report.lines().collect::<Vec<_>>().join("\n  - ")
    )
}

/// Write the design under `dir`; returns the number of files written.
pub fn write(d: &Design, dir: &Path) -> Result<usize> {
    let io = |e: std::io::Error, what: &Path| Error::write(what, e);
    let rtl = dir.join(RTL_DIR);
    let board = dir.join(BOARD_DIR);
    for sub in [&rtl, &board] {
        std::fs::create_dir_all(sub).map_err(|e| io(e, sub))?;
        remove_generated(sub).map_err(|e| io(e, sub))?;
    }
    d.bundle.write_to(&rtl).map_err(|e| io(e, &rtl))?;
    for (name, text) in &d.board_files {
        let path = board.join(name);
        std::fs::write(&path, text).map_err(|e| io(e, &path))?;
    }
    let manifest = serde_json::to_string_pretty(&d.manifest)
        .map_err(|e| Error::failure(format!("serializing the manifest: {e}")))?;
    let top_files = [
        ("plan.txt", d.plan.to_string()),
        (QNET_FILE, d.model.qnet.to_json_string()),
        (MANIFEST, manifest + "\n"),
    ];
    for (name, text) in &top_files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io(e, &path))?;
    }
    // a stale image must never be programmed with a design that has none
    let weights = dir.join(WEIGHTS_FILE);
    let images = match &d.weight_image {
        Some(img) => {
            std::fs::write(&weights, img.to_bytes()).map_err(|e| io(e, &weights))?;
            1
        }
        None => {
            if weights.is_file() {
                std::fs::remove_file(&weights).map_err(|e| io(e, &weights))?;
            }
            0
        }
    };
    Ok(d.bundle.files.len() + d.board_files.len() + top_files.len() + images)
}

/// Remove the generated files (sources, memory images, constraints) a previous run left in
/// `dir`, so a stale module or image can never be compiled with the new design.
fn remove_generated(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let generated = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "v" | "sv" | "hex" | "pcf" | "lpf"));
        if generated && path.is_file() {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
