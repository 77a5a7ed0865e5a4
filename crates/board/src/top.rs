//! The board top level: the hand-written `rtl-templates/io/*.v` (embedded) and the small
//! generated wrapper `spikeloom_board` that fixes their parameters for one board and design.

use std::fmt::Write as _;

use crate::{validate::MIN_CLOCKS_PER_BIT, Board, BoardError};

/// Top module name of the generated wrapper.
pub const WRAPPER_TOP: &str = "spikeloom_board";

/// (file name, text) of the hand-written board-level Verilog the wrapper instantiates.
pub fn io_sources() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "spikeloom_uart_rx.v",
            include_str!("../../../rtl-templates/io/uart_rx.v"),
        ),
        (
            "spikeloom_uart_tx.v",
            include_str!("../../../rtl-templates/io/uart_tx.v"),
        ),
        (
            "spikeloom_host_bridge.v",
            include_str!("../../../rtl-templates/io/host_bridge.v"),
        ),
        (
            "spikeloom_board_top.v",
            include_str!("../../../rtl-templates/io/board_top.v"),
        ),
    ]
}

/// Largest relative baud-rate error the UART divider may leave (8N1 tolerates ~4-5 % in total
/// for both ends; half of it is left to the host's bridge).
pub const MAX_BAUD_ERROR: f64 = 0.02;

/// What the board top's UART divider makes of a requested baud rate: the divider is an integer
/// number of design-clock cycles per bit, rounded to nearest like `board_top.v`'s `CLKS_PER_BIT`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UartRate {
    /// Requested baud rate.
    pub baud: u32,
    /// Design clock cycles per bit (the divider).
    pub clocks_per_bit: u64,
    /// The rate the divider really produces, bits/s.
    pub actual: f64,
    /// `|actual - baud| / baud`.
    pub error: f64,
}

impl UartRate {
    /// The divider for `baud` at `clock_hz` (same rounding as the Verilog).
    pub fn new(clock_hz: u64, baud: u32) -> Self {
        let b = u64::from(baud.max(1));
        let clocks_per_bit = ((clock_hz + b / 2) / b).max(1);
        let actual = clock_hz as f64 / clocks_per_bit as f64;
        UartRate {
            baud,
            clocks_per_bit,
            actual,
            error: (actual - f64::from(baud)).abs() / f64::from(baud.max(1)),
        }
    }

    /// Why this rate cannot be used (too few clocks per bit or more than [`MAX_BAUD_ERROR`]).
    pub fn problem(&self, clock_mhz: f64) -> Option<String> {
        if self.clocks_per_bit < MIN_CLOCKS_PER_BIT {
            Some(format!(
                "baud rate {} is too fast for the {clock_mhz} MHz design clock (need >= {MIN_CLOCKS_PER_BIT} clocks per bit)",
                self.baud
            ))
        } else if self.error > MAX_BAUD_ERROR {
            Some(format!(
                "baud rate {} is not reachable from the {clock_mhz} MHz design clock: the nearest integer divider ({} clocks per bit) gives {:.0} baud, {:.2} % off (max {:.0} %); use a rate near design clock / N, e.g. {:.0}",
                self.baud,
                self.clocks_per_bit,
                self.actual,
                100.0 * self.error,
                100.0 * MAX_BAUD_ERROR,
                self.actual,
            ))
        } else {
            None
        }
    }

    /// Seconds to send `bytes` bytes of 8N1 (10 bits each) at the real rate.
    pub fn seconds_for(&self, bytes: usize) -> f64 {
        bytes as f64 * 10.0 / self.actual
    }
}

/// The design facts the board top needs (from the plan's `TopInterface`) and the link speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopParams {
    /// Input features.
    pub input_size: usize,
    /// Output neurons.
    pub output_size: usize,
    /// Width of `in_index`.
    pub in_w: u32,
    /// Width of `out_index`.
    pub out_w: u32,
    /// UART baud rate (`None`: the board's default).
    pub baud: Option<u32>,
}

/// Verilog of `spikeloom_board`: the board's pins around `spikeloom_board_top`.
pub fn board_wrapper(board: &Board, p: &TopParams) -> Result<String, BoardError> {
    let mut problems = Vec::new();
    if p.input_size == 0 || p.input_size > 65535 || p.output_size == 0 || p.output_size > 65535 {
        problems.push(format!(
            "input size {} and output size {} must be in 1..=65535 for the host protocol",
            p.input_size, p.output_size
        ));
    }
    if p.out_w == 0 || p.out_w > 16 || p.in_w == 0 || p.in_w > 16 {
        problems.push(format!(
            "index widths in {} / out {} must be in 1..=16",
            p.in_w, p.out_w
        ));
    }
    let baud = p.baud.or(board.default_baud()).unwrap_or(115_200);
    if let Some(max) = board.host_link.max_baud {
        if baud > max {
            problems.push(format!(
                "baud rate {baud} exceeds the link's max_baud {max}"
            ));
        }
    }
    if let Some(problem) =
        UartRate::new(board.design_clock_hz(), baud).problem(board.design.freq_mhz)
    {
        problems.push(problem);
    }
    if board.leds.is_empty() {
        problems.push("the board top needs at least one LED".to_string());
    }
    if !problems.is_empty() {
        return Err(BoardError::Invalid {
            board: board.name.clone(),
            problems,
        });
    }
    let n_leds = board.status_led_count();
    let invert: String = board.leds[..n_leds]
        .iter()
        .rev()
        .map(|l| if l.active_low { '1' } else { '0' })
        .collect();
    let mut v = String::new();
    let _ = writeln!(
        v,
        "// Generated by spikeloom for board `{}` ({}): pins and parameters of the board top.",
        board.name, board.device.name
    );
    let uart = board.has_uart();
    let _ = writeln!(v, "module {WRAPPER_TOP} (\n  input  wire clk,");
    if uart {
        let _ = writeln!(v, "  input  wire uart_rx,\n  output wire uart_tx,");
    }
    let _ = writeln!(v, "  output wire [{}:0] led\n);", n_leds - 1);
    if !uart {
        let _ = writeln!(v, "  // No host link on this board: the receiver idles.\n  wire uart_rx = 1'b1;\n  wire uart_tx;");
    }
    let _ = writeln!(
        v,
        "  spikeloom_board_top #(\n    .CLK_HZ({}), .BAUD({baud}),\n    .IN_SIZE({}), .OUT_SIZE({}), .IN_W({}), .OUT_W({}),\n    .N_LEDS({n_leds}), .LED_INVERT({n_leds}'b{invert})\n  ) u_board (.clk(clk), .uart_rx(uart_rx), .uart_tx(uart_tx), .led(led));\nendmodule",
        board.design_clock_hz(),
        p.input_size,
        p.output_size,
        p.in_w,
        p.out_w
    );
    Ok(v)
}
