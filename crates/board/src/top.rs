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
    /// Width of the core's `in_value` port (`TopInterface::in_value_w`): 1 = binary input and no
    /// port (bitmap STEP), 2..=8 = graded input (STEP carries a value byte per feature).
    pub in_value_w: u32,
    /// Width of the core's `out_value` port (`TopInterface::out_value_w`): 1 = binary output and
    /// no port, 2..=8 = spike counts (STEP_OUT entries carry a count byte).
    pub out_value_w: u32,
    /// UART baud rate (`None`: the board's default).
    pub baud: Option<u32>,
    /// CRC-32 of the weight image of a design that loads its weights at start-up (its core has
    /// the weight loader's ports); `None` when the bitstream holds the weights.
    pub image_crc: Option<u32>,
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
    if !(1..=8).contains(&p.in_value_w) || !(1..=8).contains(&p.out_value_w) {
        problems.push(format!(
            "value widths in {} / out {} must be in 1..=8 for the host protocol (one byte per value)",
            p.in_value_w, p.out_value_w
        ));
    }
    if p.out_value_w > 1 && p.output_size > 65535 / 3 {
        problems.push(format!(
            "output size {} is too large for spike-count replies (3 bytes per output event, at most {} outputs)",
            p.output_size,
            65535 / 3
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
    // the SPI flash's pins, for a design with a weight loader on a board that says where they are
    let flash = p.image_crc.is_some() && board.flash.is_some();
    let _ = writeln!(v, "module {WRAPPER_TOP} (\n  input  wire clk,");
    if uart {
        let _ = writeln!(v, "  input  wire uart_rx,\n  output wire uart_tx,");
    }
    if flash {
        let _ = writeln!(
            v,
            "  output wire flash_csn,\n  output wire flash_sck,\n  output wire flash_mosi,\n  input  wire flash_miso,"
        );
    }
    let _ = writeln!(v, "  output wire [{}:0] led\n);", n_leds - 1);
    if !uart {
        let _ = writeln!(v, "  // No host link on this board: the receiver idles.\n  wire uart_rx = 1'b1;\n  wire uart_tx;");
    }
    if !flash {
        let note = if p.image_crc.is_some() {
            "  // The board file names no SPI flash pins: the weights come over the host link only."
        } else {
            "  // The weights are in the bitstream: the flash is not used."
        };
        let _ = writeln!(
            v,
            "{note}\n  wire flash_csn, flash_sck, flash_mosi;\n  wire flash_miso = 1'b1;"
        );
    }
    let loader = match p.image_crc {
        Some(crc) => format!(",\n    .HAS_LOADER(1), .IMAGE_CRC(32'h{crc:08x})"),
        None => String::new(),
    };
    let _ = writeln!(
        v,
        "  spikeloom_board_top #(\n    .CLK_HZ({}), .BAUD({baud}),\n    .IN_SIZE({}), .OUT_SIZE({}), .IN_W({}), .OUT_W({}),\n    .IN_VALUE_W({}), .OUT_VALUE_W({}),\n    .N_LEDS({n_leds}), .LED_INVERT({n_leds}'b{invert}){loader}\n  ) u_board (.clk(clk), .uart_rx(uart_rx), .uart_tx(uart_tx), .led(led),\n    .flash_csn(flash_csn), .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso));\nendmodule",
        board.design_clock_hz(),
        p.input_size,
        p.output_size,
        p.in_w,
        p.out_w,
        p.in_value_w,
        p.out_value_w
    );
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> TopParams {
        TopParams {
            input_size: 64,
            output_size: 10,
            in_w: 6,
            out_w: 4,
            in_value_w: 5,
            out_value_w: 3,
            baud: None,
            image_crc: None,
        }
    }

    #[test]
    fn wrapper_passes_the_value_widths() {
        let b = Board::builtin("icebreaker").unwrap();
        let v = board_wrapper(&b, &params()).unwrap();
        assert!(v.contains("    .IN_VALUE_W(5), .OUT_VALUE_W(3),\n"), "{v}");
    }

    #[test]
    fn wrapper_rejects_values_wider_than_a_byte_and_too_many_counted_outputs() {
        let b = Board::builtin("icebreaker").unwrap();
        let err = board_wrapper(
            &b,
            &TopParams {
                in_value_w: 9,
                output_size: 30_000,
                ..params()
            },
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "board `icebreaker` is invalid:\n  - value widths in 9 / out 3 must be in 1..=8 for the host protocol (one byte per value)\n  - output size 30000 is too large for spike-count replies (3 bytes per output event, at most 21845 outputs)"
        );
        // Binary outputs keep 2-byte entries: 30000 outputs are fine.
        assert!(board_wrapper(
            &b,
            &TopParams {
                out_value_w: 1,
                output_size: 30_000,
                ..params()
            }
        )
        .is_ok());
    }
}
