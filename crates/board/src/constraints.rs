//! Pin constraints for the ports a design uses: PCF for iCE40 (nextpnr-ice40), LPF for ECP5
//! (nextpnr-ecp5), followed by the board's static fragments from `constraints/`.

use std::fmt::Write as _;

use crate::{builtin::fragment, Board, BoardError, Family};

/// Status LEDs the board top level drives: heartbeat, busy, error.
pub const STATUS_LEDS: usize = 3;

/// A top-level port of the board design; its Verilog name is fixed by `rtl-templates/io/board_top.v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Port {
    /// `clk`: the board oscillator.
    Clock,
    /// `uart_rx`: bytes from the host.
    UartRx,
    /// `uart_tx`: bytes to the host.
    UartTx,
    /// `led[i]`: the board's i-th LED.
    Led(usize),
    /// `btn[i]`: the board's i-th button.
    Button(usize),
    /// `flash_csn`: the SPI flash's chip select (weight loader).
    FlashCsn,
    /// `flash_sck`: the SPI flash's clock.
    FlashSck,
    /// `flash_mosi`: into the flash's DI (IO0).
    FlashMosi,
    /// `flash_miso`: from the flash's DO (IO1).
    FlashMiso,
}

/// The ports of the SPI flash a design with a weight loader uses.
pub const FLASH_PORTS: [Port; 4] = [
    Port::FlashCsn,
    Port::FlashSck,
    Port::FlashMosi,
    Port::FlashMiso,
];

impl Port {
    /// The port's name in Verilog (bus bits as `led[0]`).
    pub fn verilog_name(self) -> String {
        match self {
            Port::Clock => "clk".to_string(),
            Port::UartRx => "uart_rx".to_string(),
            Port::UartTx => "uart_tx".to_string(),
            Port::Led(i) => format!("led[{i}]"),
            Port::Button(i) => format!("btn[{i}]"),
            Port::FlashCsn => "flash_csn".to_string(),
            Port::FlashSck => "flash_sck".to_string(),
            Port::FlashMosi => "flash_mosi".to_string(),
            Port::FlashMiso => "flash_miso".to_string(),
        }
    }
}

/// One resolved pin assignment.
struct Assignment {
    port: Port,
    /// The port's name in the netlist: `led[0]`, or `led` when the bus has one bit (Yosys
    /// names a one-bit vector port by the port's name alone).
    name: String,
    pin: String,
    io_standard: Option<String>,
    pullup: bool,
}

impl Board {
    /// The ports `board_top.v` has on this board: clock, the UART if there is one, and up to
    /// [`STATUS_LEDS`] LEDs.
    pub fn top_ports(&self) -> Vec<Port> {
        let mut ports = vec![Port::Clock];
        if self.has_uart() {
            ports.extend([Port::UartRx, Port::UartTx]);
        }
        ports.extend((0..self.leds.len().min(STATUS_LEDS)).map(Port::Led));
        ports
    }

    /// Number of LEDs `board_top.v` drives on this board.
    pub fn status_led_count(&self) -> usize {
        self.leds.len().min(STATUS_LEDS)
    }

    fn assignment(&self, port: Port) -> Result<Assignment, BoardError> {
        let missing = |what: &str, hint: &str| BoardError::MissingPort {
            board: self.name.clone(),
            port: what.to_string(),
            hint: hint.to_string(),
        };
        let uart_hint = "choose a board with a UART or add `host_link` rx/tx pins to its .toml";
        let (pin, io_standard, pullup) = match port {
            Port::Clock => (self.clock.pin.clone(), None, false),
            Port::UartRx => (
                self.host_link
                    .rx
                    .clone()
                    .ok_or_else(|| missing("UART rx pin", uart_hint))?,
                None,
                // Idle-high when no cable is attached, so the receiver sees no start bits.
                true,
            ),
            Port::UartTx => (
                self.host_link
                    .tx
                    .clone()
                    .ok_or_else(|| missing("UART tx pin", uart_hint))?,
                None,
                false,
            ),
            Port::Led(i) => {
                let led = self.leds.get(i).ok_or_else(|| {
                    missing(
                        &format!("LED {i}"),
                        &format!("it has {} LEDs", self.leds.len()),
                    )
                })?;
                (led.pin.clone(), led.io_standard.clone(), false)
            }
            Port::Button(i) => {
                let b = self.buttons.get(i).ok_or_else(|| {
                    missing(
                        &format!("button {i}"),
                        &format!("it has {} buttons", self.buttons.len()),
                    )
                })?;
                (b.pin.clone(), b.io_standard.clone(), false)
            }
            Port::FlashCsn | Port::FlashSck | Port::FlashMosi | Port::FlashMiso => {
                let f = self.flash.as_ref().ok_or_else(|| {
                    missing(
                        "SPI flash readable by the design (no [flash] section)",
                        "its weights can only be loaded over the host link",
                    )
                })?;
                let pin = match port {
                    Port::FlashCsn => &f.csn,
                    Port::FlashSck => &f.sck,
                    Port::FlashMosi => &f.mosi,
                    _ => &f.miso,
                };
                (pin.clone(), None, false)
            }
        };
        Ok(Assignment {
            port,
            name: port.verilog_name(),
            pin,
            io_standard: io_standard.or_else(|| self.io_standard.clone()),
            pullup,
        })
    }
}

/// Constraints text for the `used` ports of `board` (PCF for iCE40, LPF for ECP5).
pub fn constraints(board: &Board, used: &[Port]) -> Result<String, BoardError> {
    let mut ports = used.to_vec();
    ports.sort();
    ports.dedup();
    let leds = ports.iter().filter(|p| matches!(p, Port::Led(_))).count();
    let buttons = ports
        .iter()
        .filter(|p| matches!(p, Port::Button(_)))
        .count();
    let mut assignments = ports
        .into_iter()
        .map(|p| board.assignment(p))
        .collect::<Result<Vec<_>, _>>()?;
    for a in &mut assignments {
        match a.port {
            Port::Led(0) if leds == 1 => a.name = "led".to_string(),
            Port::Button(0) if buttons == 1 => a.name = "btn".to_string(),
            _ => {}
        }
    }
    let mut out = format!(
        "# spikeloom constraints for board `{}` ({} {}); only the ports the design uses.\n",
        board.name, board.device.name, board.device.package
    );
    for a in &assignments {
        match board.device.family {
            Family::Ice40 => render_pcf(&mut out, a, board.clock.freq_mhz),
            Family::Ecp5 => render_lpf(&mut out, a, board.clock.freq_mhz),
        }
    }
    for name in &board.constraint_fragments {
        if let Some(text) = fragment(name) {
            let _ = write!(out, "# from constraints/{name}\n{text}");
        }
    }
    Ok(out)
}

fn render_pcf(out: &mut String, a: &Assignment, clock_mhz: f64) {
    let pullup = if a.pullup { "-pullup yes " } else { "" };
    let _ = writeln!(out, "set_io {pullup}{} {}", a.name, a.pin);
    // the oscillator's frequency: nextpnr derives the PLL output's constraint from it
    if a.port == Port::Clock {
        let _ = writeln!(out, "set_frequency {} {clock_mhz}", a.name);
    }
}

fn render_lpf(out: &mut String, a: &Assignment, clock_mhz: f64) {
    let name = &a.name;
    let _ = writeln!(out, "LOCATE COMP \"{name}\" SITE \"{}\";", a.pin);
    let mut iobuf = String::new();
    if let Some(std) = &a.io_standard {
        let _ = write!(iobuf, " IO_TYPE={std}");
    }
    if a.pullup {
        iobuf.push_str(" PULLMODE=UP");
    }
    if !iobuf.is_empty() {
        let _ = writeln!(out, "IOBUF PORT \"{name}\"{iobuf};");
    }
    if a.port == Port::Clock {
        let _ = writeln!(out, "FREQUENCY PORT \"{name}\" {clock_mhz} MHZ;");
    }
}
