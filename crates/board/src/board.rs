//! The board schema (one `boards/<name>.toml` file) as typed data.

use serde::{Deserialize, Serialize};

use crate::Device;

/// One FPGA board: device, clock, host link, LEDs, buttons and how to program it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    /// Short name used on the command line (`--board icebreaker`).
    pub name: String,
    /// One line for `spikeloom boards`.
    pub description: String,
    /// Where the board's documentation lives.
    #[serde(default)]
    pub url: Option<String>,
    /// Default I/O standard for ECP5 pins (`LVCMOS33`); iCE40 banks are fixed by the board.
    #[serde(default)]
    pub io_standard: Option<String>,
    /// Static constraint files from `constraints/` appended to the generated constraints.
    #[serde(default)]
    pub constraint_fragments: Vec<String>,
    /// The FPGA.
    pub device: Device,
    /// The on-board oscillator.
    pub clock: Clock,
    /// The clock the design is built for.
    pub design: DesignClock,
    /// How a host talks to the design.
    pub host_link: HostLink,
    /// User LEDs, in the order the top level drives them (0 = heartbeat, 1 = busy, 2 = error).
    #[serde(default)]
    pub leds: Vec<Pin>,
    /// User buttons.
    #[serde(default)]
    pub buttons: Vec<Pin>,
    /// How to load a bitstream.
    #[serde(default)]
    pub programmer: Option<Programmer>,
    /// The SPI configuration flash, when user logic can read it (the weight loader does).
    #[serde(default)]
    pub flash: Option<Flash>,
}

/// The board's SPI configuration flash: the FPGA boots from it, and after configuration user
/// logic may read it on the same pins (the weight loader reads the weight image there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flash {
    /// Part name, for messages.
    #[serde(default)]
    pub part: Option<String>,
    /// Bytes of flash.
    pub size: u32,
    /// Erase block the programmer erases (bytes, a power of two): data must not share one with
    /// the bitstream.
    pub erase_block: u32,
    /// Bytes of the device's bitstream as the packer writes it (the largest it can be).
    pub bitstream_bytes: u32,
    /// Package pin of SCK.
    pub sck: String,
    /// Package pin of CS# (active low).
    pub csn: String,
    /// Package pin the FPGA drives into the flash's DI (IO0).
    pub mosi: String,
    /// Package pin of the flash's DO (IO1) into the FPGA.
    pub miso: String,
    /// The command that writes a data file at an offset: `{offset}` (hex) and `{file}` are
    /// replaced (empty: the board has no known programmer).
    #[serde(default)]
    pub program: Vec<String>,
}

impl Flash {
    /// The first offset after the bitstream that starts an erase block: the lowest place for
    /// data that programming the bitstream never erases, and whose programming never erases
    /// the bitstream.
    pub fn first_free_offset(&self) -> u32 {
        self.bitstream_bytes.div_ceil(self.erase_block.max(1)) * self.erase_block.max(1)
    }

    /// The command that programs `file` at `offset`, if the board declares one.
    pub fn program_command(&self, offset: u32, file: &str) -> Option<Vec<String>> {
        (!self.program.is_empty()).then(|| {
            self.program
                .iter()
                .map(|a| {
                    a.replace("{offset}", &format!("{offset:#x}"))
                        .replace("{file}", file)
                })
                .collect()
        })
    }

    /// Why a built bitstream of `bitstream_len` bytes collides with data at `offset` (it reaches
    /// into the erase block the data starts in, or beyond).
    pub fn check_bitstream(&self, bitstream_len: u64, offset: u32) -> Result<(), String> {
        let block = u64::from(self.erase_block.max(1));
        let end = bitstream_len.div_ceil(block) * block;
        if end > u64::from(offset) {
            return Err(format!(
                "the bitstream is {bitstream_len} bytes and its erase blocks reach {end:#x}, past the weight image's flash offset {offset:#x} \
                 (programming one would erase the other); rebuild with --flash-offset {end:#x} or more, and fix `flash.bitstream_bytes` in the board file"
            ));
        }
        Ok(())
    }

    /// Why `image_bytes` of data cannot go at `offset` (overlapping the bitstream's erase blocks,
    /// not on an erase block boundary, or past the end of the flash), naming what would fit.
    pub fn check_data(&self, offset: u32, image_bytes: u64) -> Result<(), String> {
        let first = self.first_free_offset();
        let block = u64::from(self.erase_block.max(1));
        let end = u64::from(offset) + image_bytes;
        if offset < first {
            return Err(format!(
                "flash offset {offset:#x} overlaps the bitstream: it takes bytes 0..{:#x} ({} bytes), \
                 which the programmer erases in {}-byte blocks up to {first:#x}; use an offset of {first:#x} or more",
                self.bitstream_bytes, self.bitstream_bytes, self.erase_block
            ));
        }
        if u64::from(offset) % block != 0 {
            let up = u64::from(offset).div_ceil(block) * block;
            return Err(format!(
                "flash offset {offset:#x} is not on a {}-byte erase block boundary (programming it would erase the data before it in its block); use {up:#x}",
                self.erase_block
            ));
        }
        if end > u64::from(self.size) {
            return Err(format!(
                "the weight image ({image_bytes} bytes) at flash offset {offset:#x} ends at {end:#x}, past the end of the {}-byte flash; use an offset of at most {:#x}",
                self.size,
                (u64::from(self.size).saturating_sub(image_bytes)) / block * block
            ));
        }
        Ok(())
    }
}

/// The board oscillator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// Package pin of the clock input.
    pub pin: String,
    /// Oscillator frequency in MHz.
    pub freq_mhz: f64,
    /// How the clock reaches the PLL: `pad` (iCE40 `SB_PLL40_PAD`), `core` (`SB_PLL40_CORE`,
    /// and ECP5), `none` (no PLL) [default: from the device and package, see `Board::pll_input`].
    #[serde(default)]
    pub pll: Option<crate::PllInput>,
}

/// The default design clock: what the PLL makes when `--clock-mhz` does not choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignClock {
    /// Requested frequency in MHz; the PLL makes the fastest clock not above it that also gives
    /// the host link an exact baud rate (see `ClockPlan`). Equal to `clock.freq_mhz`: no PLL.
    pub freq_mhz: f64,
    /// The same for a design with a convolution core (`rtl-templates/core/sl_conv.v`, whose
    /// neuron update is not pipelined like the engine's) [default: `freq_mhz`].
    #[serde(default)]
    pub conv_freq_mhz: Option<f64>,
}

impl DesignClock {
    /// The default design clock request, MHz, for a design with (or without) a convolution core.
    pub fn default_mhz(&self, has_conv: bool) -> f64 {
        match (has_conv, self.conv_freq_mhz) {
            (true, Some(f)) => f,
            _ => self.freq_mhz,
        }
    }
}

/// What carries bytes between the host and the FPGA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostLinkKind {
    /// A USB-UART bridge chip on the board (FTDI, DAPLink...).
    UartBridge,
    /// UART on header pins: the user connects a 3.3 V USB-UART cable.
    UartPins,
    /// No host link: the design cannot be driven from a host.
    None,
}

/// The host link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostLink {
    /// Kind of link.
    pub kind: HostLinkKind,
    /// Bridge chip, for messages.
    #[serde(default)]
    pub bridge: Option<String>,
    /// FPGA pin receiving from the host.
    #[serde(default)]
    pub rx: Option<String>,
    /// FPGA pin transmitting to the host.
    #[serde(default)]
    pub tx: Option<String>,
    /// Highest baud rate the link supports.
    #[serde(default)]
    pub max_baud: Option<u32>,
    /// Baud rate used when the user does not choose one, on a link whose rates are not known
    /// (`baud_base` absent: a user's cable, a DAPLink).
    #[serde(default)]
    pub default_baud: Option<u32>,
    /// The bridge's baud generator, for an FTDI bridge: it makes `baud_base / d` with d = 1, 1.5
    /// or 2, 2.125, 2.25, ... (FTDI AN232B-05; FT231X 3 MHz, FT2232H 12 MHz). The link then runs
    /// at the fastest of these rates that the design clock divides exactly.
    #[serde(default)]
    pub baud_base: Option<u32>,
}

/// A named single-pin resource (LED, button).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// Name (for messages).
    pub name: String,
    /// Package pin.
    pub pin: String,
    /// True when the pin is active low (LED lit / button pressed at 0).
    #[serde(default)]
    pub active_low: bool,
    /// I/O standard overriding the board default (ECP5).
    #[serde(default)]
    pub io_standard: Option<String>,
}

/// How a bitstream gets onto the board (`spikeloom program`); in every command `{bitstream}` is
/// replaced by the file path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programmer {
    /// The board's usual way: program and arguments.
    pub command: Vec<String>,
    /// Writes the configuration flash (kept at power-off), when the programmer can.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flash: Vec<String>,
    /// Loads the FPGA's configuration memory directly (lost at power-off), when it can.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sram: Vec<String>,
    /// How to tell, before programming, that the right board is attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect: Option<Detect>,
}

/// A command that identifies the attached board without programming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// Program and arguments.
    pub command: Vec<String>,
    /// Text its output contains whenever some board answered (absent: no board attached).
    pub present: String,
    /// Texts of which one is in its output when it is this board (else: another board).
    pub identity: Vec<String>,
}

impl Programmer {
    /// `command` with `{bitstream}` replaced.
    pub fn with_bitstream(command: &[String], bitstream: &str) -> Vec<String> {
        command
            .iter()
            .map(|arg| arg.replace("{bitstream}", bitstream))
            .collect()
    }
}

impl Board {
    /// True when the board has a UART to a host.
    pub fn has_uart(&self) -> bool {
        self.host_link.kind != HostLinkKind::None
    }

    /// The programmer command for one bitstream file, if the board declares one.
    pub fn program_command(&self, bitstream: &str) -> Option<Vec<String>> {
        self.programmer
            .as_ref()
            .map(|p| Programmer::with_bitstream(&p.command, bitstream))
    }
}
