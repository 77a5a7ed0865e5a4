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
}

/// The board oscillator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// Package pin of the clock input.
    pub pin: String,
    /// Oscillator frequency in MHz.
    pub freq_mhz: f64,
}

/// The design clock: the frequency given to nextpnr (`--freq`) and used for UART timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignClock {
    /// Target frequency in MHz. Equal to the board clock until a PLL is generated.
    pub freq_mhz: f64,
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
    /// Baud rate used when the user does not choose one.
    #[serde(default)]
    pub default_baud: Option<u32>,
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

/// The command that loads a bitstream; `{bitstream}` is replaced by the file path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programmer {
    /// Program and arguments.
    pub command: Vec<String>,
}

impl Board {
    /// Design clock frequency in Hz, rounded to the nearest integer (for Verilog parameters).
    pub fn design_clock_hz(&self) -> u64 {
        (self.design.freq_mhz * 1e6).round() as u64
    }

    /// True when the board has a UART to a host.
    pub fn has_uart(&self) -> bool {
        self.host_link.kind != HostLinkKind::None
    }

    /// Baud rate to use when none is asked for.
    pub fn default_baud(&self) -> Option<u32> {
        self.host_link.default_baud
    }

    /// The programmer command for one bitstream file, if the board declares one.
    pub fn program_command(&self, bitstream: &str) -> Option<Vec<String>> {
        self.programmer.as_ref().map(|p| {
            p.command
                .iter()
                .map(|arg| arg.replace("{bitstream}", bitstream))
                .collect()
        })
    }
}
