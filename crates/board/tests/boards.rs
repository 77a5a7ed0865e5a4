//! Built-in boards parse and validate; constraints render exactly the used ports; bad boards
//! are rejected with messages naming the problem.

mod common;
use common::*;
use spikeloom_board::{constraints, list, Board, BoardError, Family, Port};

#[test]
fn every_builtin_board_is_valid_and_named_after_its_file() {
    let boards = list().expect("built-in boards validate");
    let names: Vec<&str> = boards.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, Board::builtin_names());
    for required in [
        "icebreaker",
        "upduino-v3",
        "icestick",
        "tinyfpga-bx",
        "ulx3s-12f",
        "ulx3s-25f",
        "ulx3s-45f",
        "ulx3s-85f",
        "orangecrab-25f",
        "orangecrab-85f",
        "colorlight-i5",
    ] {
        assert!(names.contains(&required), "missing board {required}");
    }
}

#[test]
fn builtin_files_on_disk_match_the_embedded_copies() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../boards");
    for name in Board::builtin_names() {
        let path = std::path::PathBuf::from(dir).join(format!("{name}.toml"));
        assert_eq!(Board::load(&path).unwrap(), Board::builtin(name).unwrap());
    }
}

#[test]
fn icebreaker_pcf_has_only_used_ports() {
    let b = Board::builtin("icebreaker").unwrap();
    let pcf = constraints(
        &b,
        &[
            Port::UartTx,
            Port::Clock,
            Port::UartRx,
            Port::Led(1),
            Port::Led(0),
        ],
    )
    .unwrap();
    let expected = "# spikeloom constraints for board `icebreaker` (iCE40UP5K sg48); only the ports the design uses.\n\
set_io clk 35\n\
set_frequency clk 12\n\
set_io -pullup yes uart_rx 6\n\
set_io uart_tx 9\n\
set_io led[0] 11\n\
set_io led[1] 37\n";
    assert_eq!(pcf, expected);
    // a one-bit LED bus is named `led` in the netlist (Yosys), so the constraint says `led`
    let pcf = constraints(&b, &[Port::Clock, Port::Led(0)]).unwrap();
    assert!(pcf.ends_with("set_io led 11\n"), "{pcf}");
}

#[test]
fn ulx3s_lpf_has_sites_iotypes_clock_frequency_and_fragment() {
    let b = Board::builtin("ulx3s-25f").unwrap();
    assert_eq!(b.device.family, Family::Ecp5);
    let lpf = constraints(&b, &b.top_ports()).unwrap();
    assert!(lpf.contains("LOCATE COMP \"clk\" SITE \"G2\";\nIOBUF PORT \"clk\" IO_TYPE=LVCMOS33;\nFREQUENCY PORT \"clk\" 25 MHZ;\n"), "{lpf}");
    assert!(lpf.contains("LOCATE COMP \"uart_rx\" SITE \"M1\";\nIOBUF PORT \"uart_rx\" IO_TYPE=LVCMOS33 PULLMODE=UP;"));
    assert!(lpf.contains("LOCATE COMP \"led[2]\" SITE \"C1\";"));
    assert!(!lpf.contains("led[3]"), "only the 3 status LEDs are used");
    assert!(lpf.contains("SYSCONFIG CONFIG_IOVOLTAGE=3.3"));
}

#[test]
fn missing_port_is_an_error_naming_the_board() {
    let b = Board::builtin("colorlight-i5").unwrap();
    let err = constraints(&b, &[Port::Led(4)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "board `colorlight-i5` has no LED 4; it has 1 LEDs"
    );
}

#[test]
fn unknown_board_lists_known_ones() {
    let err = Board::builtin("icebraker").unwrap_err().to_string();
    assert!(
        err.starts_with("unknown board `icebraker`; built-in boards: colorlight-i5, icebreaker,"),
        "{err}"
    );
}

#[test]
fn unknown_keys_are_rejected() {
    let text = icebreaker_text().replace("[clock]\n", "[clock]\nfrequency = 3\n");
    let err = Board::parse(&text, "x.toml").unwrap_err().to_string();
    assert!(
        err.starts_with("board file x.toml:") && err.contains("unknown field `frequency`"),
        "{err}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = icebreaker_text()
        .replace("nextpnr_device = \"up5k\"", "nextpnr_device = \"up9k\"")
        .replace("pin = \"37\"", "pin = \"35\"")
        .replace(
            "baud_base = 12000000",
            "baud_base = 12000000\ndefault_baud = 6000000",
        )
        .replace("[design]\nfreq_mhz = 18.0", "[design]\nfreq_mhz = -30.0");
    let err = Board::parse(&text, "x.toml").unwrap_err();
    let BoardError::Invalid { board, problems } = err else {
        panic!("{err}")
    };
    assert_eq!(board, "icebreaker");
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].contains("`up9k`"));
    assert!(problems[1].contains("design.freq_mhz = -30 is not a frequency"));
    assert!(problems[2].contains("give `baud_base`"), "{problems:#?}");
    assert!(
        problems[3].contains("pin `35` is used twice: clock and led `green`"),
        "{problems:#?}"
    );
}

#[test]
fn programmer_command_substitutes_the_bitstream() {
    let b = Board::builtin("icebreaker").unwrap();
    assert_eq!(
        b.program_command("out/x.bin").unwrap(),
        ["iceprog", "out/x.bin"]
    );
}

#[test]
fn wrapper_fixes_board_parameters() {
    use spikeloom_board::{board_wrapper, ClockPlan, TopParams};
    let b = Board::builtin("icebreaker").unwrap();
    let clock = ClockPlan::new(&b, None, None).unwrap();
    let p = TopParams {
        input_size: 784,
        output_size: 10,
        in_w: 10,
        out_w: 4,
        in_value_w: 1,
        out_value_w: 1,
        clock,
        image_crc: None,
        zero_skip: true,
        pixels: true,
    };
    let v = board_wrapper(&b, &p).unwrap();
    assert!(v.contains("module spikeloom_board (\n  input  wire clk,\n  input  wire uart_rx,\n  output wire uart_tx,\n  output wire [1:0] led\n);"), "{v}");
    assert!(v.contains(".CLK_HZ(18000000), .BAUD(3000000),"), "{v}");
    assert!(v.contains(".IN_SIZE(784), .OUT_SIZE(10), .IN_W(10), .OUT_W(4),"));
    assert!(v.contains(".N_LEDS(2), .LED_INVERT(2'b11)"));
    let err = board_wrapper(
        &b,
        &TopParams {
            image_crc: None,
            zero_skip: true,
            pixels: true,
            out_w: 17,
            in_value_w: 9,
            ..p
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "board `icebreaker` is invalid:\n  - index widths in 10 / out 17 must be in 1..=16\n  - value widths in 9 / out 1 must be in 1..=8 for the host protocol (one byte per value)"
    );
}

#[test]
fn weight_image_places_in_the_flash() {
    let b = Board::builtin("icebreaker").unwrap();
    let f = b
        .flash
        .as_ref()
        .expect("the iCEBreaker's flash is declared");
    assert_eq!(
        (f.size, f.erase_block, f.first_free_offset()),
        (1 << 24, 1 << 16, 0x2_0000)
    );
    assert_eq!(
        (
            f.sck.as_str(),
            f.csn.as_str(),
            f.mosi.as_str(),
            f.miso.as_str()
        ),
        ("15", "16", "14", "17")
    );
    assert!(f.check_data(0x2_0000, 200_000).is_ok());
    assert_eq!(
        f.check_data(0xFF_0000, 100_000).unwrap_err(),
        "the weight image (100000 bytes) at flash offset 0xff0000 ends at 0x10086a0, past the end of the 16777216-byte flash; use an offset of at most 0xfe0000"
    );
    // a built bitstream longer than the board file says reaches the image's erase block
    assert!(f.check_bitstream(104_090, 0x2_0000).is_ok());
    assert_eq!(
        f.check_bitstream(140_000, 0x2_0000).unwrap_err(),
        "the bitstream is 140000 bytes and its erase blocks reach 0x30000, past the weight image's flash offset 0x20000 (programming one would erase the other); rebuild with --flash-offset 0x30000 or more, and fix `flash.bitstream_bytes` in the board file"
    );
    assert_eq!(
        f.program_command(0x2_0000, "weights.bin").unwrap(),
        ["iceprog", "-o", "0x20000", "weights.bin"]
    );
}

#[test]
fn flash_pins_are_constrained_only_when_asked_for() {
    let b = Board::builtin("icebreaker").unwrap();
    let mut ports = b.top_ports();
    let plain = constraints(&b, &ports).unwrap();
    assert!(!plain.contains("flash"), "{plain}");
    ports.extend(spikeloom_board::FLASH_PORTS);
    let pcf = constraints(&b, &ports).unwrap();
    for line in [
        "set_io flash_csn 16",
        "set_io flash_sck 15",
        "set_io flash_mosi 14",
        "set_io flash_miso 17",
    ] {
        assert!(pcf.contains(line), "{pcf}");
    }
    // a board without a [flash] section cannot place them
    let ulx3s = Board::builtin("ulx3s-25f").unwrap();
    let err = constraints(&ulx3s, &spikeloom_board::FLASH_PORTS)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no SPI flash readable by the design"), "{err}");
}

/// The chip's weight bandwidth, from the datasheets' port widths (FPGA-FACTS section 8): UP5K
/// 30 EBR x 16 bits + 4 SPRAM x 16 bits; ECP5 25F 56 DP16KD x 36 bits (4 whole 8-bit weights,
/// 9 whole 4-bit ones per word).
#[test]
fn weight_bound_counts_whole_weights_per_memory_port() {
    let up5k = Board::builtin("icebreaker").unwrap().device;
    assert_eq!(up5k.weight_bound(8), 30 * 2 + 4 * 2);
    assert_eq!(up5k.weight_bound(4), 30 * 4 + 4 * 4);
    assert_eq!(up5k.weight_bound(6), 30 * 2 + 4 * 2);
    let ecp5 = Board::builtin("ulx3s-25f").unwrap().device;
    assert_eq!(ecp5.weight_bound(8), 56 * 4);
    assert_eq!(ecp5.weight_bound(4), 56 * 9);
    assert_eq!(ecp5.weight_bound(9), 56 * 4);
    // a weight wider than a port cannot be read whole from one memory
    assert_eq!(up5k.weight_bound(17), 0);
}
