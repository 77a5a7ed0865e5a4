//! The board listing of `spikeloom boards`: each built-in board's device, clocks, host link and
//! resources, as data.

use serde::Serialize;
use spikeloom_board::{Board, ClockPlan, HostLinkKind};

/// One row of the listing (also the JSON schema of `boards --json`).
#[derive(Debug, Serialize)]
pub struct BoardRow {
    /// Name for `--board`.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// `ice40` or `ecp5`.
    pub family: String,
    /// Vendor device name.
    pub device: String,
    /// Package.
    pub package: String,
    /// Board oscillator, MHz.
    pub clock_mhz: f64,
    /// Default design clock (what the PLL makes when `--clock-mhz` does not choose), MHz.
    pub design_clock_mhz: f64,
    /// Default design clock of a design with a convolution core, MHz.
    pub conv_design_clock_mhz: f64,
    /// How the design clock is made: the PLL primitive, or `none` (the oscillator).
    pub pll: String,
    /// `uart-bridge`, `uart-pins` or `none`, with the bridge chip when known.
    pub host_link: String,
    /// Baud rate of the host link at the default design clock.
    pub default_baud: Option<u32>,
    /// 4-input LUTs.
    pub luts: u32,
    /// Flip-flops.
    pub ffs: u32,
    /// Block RAMs.
    pub bram: u32,
    /// Bits per block RAM.
    pub bram_bits: u32,
    /// SPRAM blocks.
    pub spram: u32,
    /// Hard multipliers.
    pub dsp: u32,
}

impl BoardRow {
    /// The row of one board.
    pub fn of(b: &Board) -> BoardRow {
        let d = &b.device;
        // a built-in board's default clock plan exists (board validation checks it)
        let clock = ClockPlan::new(b, None, None).ok();
        let link = match b.host_link.kind {
            HostLinkKind::UartBridge => "uart-bridge",
            HostLinkKind::UartPins => "uart-pins",
            HostLinkKind::None => "none",
        };
        BoardRow {
            name: b.name.clone(),
            description: b.description.clone(),
            family: crate::design::family_name(d.family).into(),
            device: d.name.clone(),
            package: d.package.clone(),
            clock_mhz: b.clock.freq_mhz,
            design_clock_mhz: clock.map_or(b.design.freq_mhz, |c| c.design.mhz()),
            conv_design_clock_mhz: ClockPlan::new(b, Some(b.design.default_mhz(true)), None)
                .map_or(b.design.default_mhz(true), |c| c.design.mhz()),
            pll: clock
                .and_then(|c| c.pll)
                .map_or("none".into(), |p| p.primitive().cell().into()),
            host_link: match &b.host_link.bridge {
                Some(chip) => format!("{link} ({chip})"),
                None => link.into(),
            },
            default_baud: clock.and_then(|c| c.uart).map(|u| u.baud),
            luts: d.luts,
            ffs: d.ffs,
            bram: d.bram_count,
            bram_bits: d.bram_bits,
            spram: d.spram_count,
            dsp: d.dsp_count,
        }
    }
}

/// Every built-in board's row (a broken built-in board is a failure of this build, not input).
pub fn list() -> crate::error::Result<Vec<BoardRow>> {
    let boards = spikeloom_board::list().map_err(crate::error::Error::failure)?;
    Ok(boards.iter().map(BoardRow::of).collect())
}
