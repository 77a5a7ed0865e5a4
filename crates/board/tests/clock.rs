//! The design clock: which PLL each board uses, what it makes for a request, the link rate that
//! comes with it, the reset settle time, and the errors for clocks a board cannot make.
//! Expected dividers are icepll's / ecppll's for the same request (see crates/toolchain/tests/pll.rs,
//! which runs them).

mod common;
use common::*;
use spikeloom_board::{
    board_wrapper, Board, BoardError, ClockPlan, Freq, Pll, PllInput, PllPrimitive,
};

fn board(name: &str) -> Board {
    Board::builtin(name).unwrap()
}

fn plan(name: &str, mhz: Option<f64>, baud: Option<u32>) -> Result<ClockPlan, String> {
    ClockPlan::new(&board(name), mhz, baud).map_err(|e| e.to_string())
}

fn ice40(c: &ClockPlan) -> (PllPrimitive, u8, u8, u8, u8) {
    match c.pll {
        Some(Pll::Ice40 {
            primitive,
            dividers: d,
        }) => (primitive, d.divr, d.divf, d.divq, d.filter_range),
        other => panic!("not an iCE40 PLL: {other:?}"),
    }
}

/// iCEBreaker pin 35 is the PLL's pad (FPGA-V2-FACTS section 3); the other iCE40 boards' clock
/// pins are not a PLL pad of their package (icestorm's icebox.py), ECP5 always goes through the
/// fabric.
#[test]
fn each_board_uses_the_pll_its_clock_pin_allows() {
    for (name, input, primitive) in [
        ("icebreaker", PllInput::Pad, PllPrimitive::Ice40Pad),
        ("upduino-v3", PllInput::Core, PllPrimitive::Ice40Core),
        ("icestick", PllInput::Core, PllPrimitive::Ice40Core),
        ("tinyfpga-bx", PllInput::Core, PllPrimitive::Ice40Core),
        ("ulx3s-25f", PllInput::Core, PllPrimitive::Ecp5),
        ("orangecrab-85f", PllInput::Core, PllPrimitive::Ecp5),
        ("colorlight-i5", PllInput::Core, PllPrimitive::Ecp5),
    ] {
        let b = board(name);
        assert_eq!(b.pll_input(), input, "{name}");
        assert_eq!(b.pll_primitive(), Some(primitive), "{name}");
    }
    // the board file can say otherwise, and a device without a PLL has none
    let text = icebreaker_text();
    let core = Board::parse(
        &text.replace(
            "pin = \"35\"\nfreq_mhz = 12.0\n",
            "pin = \"35\"\nfreq_mhz = 12.0\npll = \"core\"\n",
        ),
        "x.toml",
    )
    .unwrap();
    assert_eq!(core.pll_primitive(), Some(PllPrimitive::Ice40Core));
    let lp384 = Board::parse(
        &text
            .replace("nextpnr_device = \"up5k\"", "nextpnr_device = \"lp384\"")
            .replace("package = \"sg48\"", "package = \"qn32\"")
            .replace("[design]\nfreq_mhz = 18.0", "[design]\nfreq_mhz = 12.0"),
        "x.toml",
    )
    .unwrap();
    assert_eq!(lp384.pll_primitive(), None);
    let err = ClockPlan::new(&lp384, Some(24.0), None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "board `icebreaker`: its device iCE40UP5K has no PLL (or the board file says `clock.pll = \"none\"`): the design runs at the 12 MHz oscillator; drop --clock-mhz or pass 12"
    );
}

#[test]
fn icebreaker_default_is_18_mhz_at_3_mbaud() {
    let c = plan("icebreaker", None, None).unwrap();
    assert_eq!(c.design, Freq::hz(18_000_000));
    // icepll -i 12 -o 18: DIVR 0, DIVF 47, DIVQ 5, FILTER_RANGE 1 (VCO 576 MHz)
    assert_eq!(ice40(&c), (PllPrimitive::Ice40Pad, 0, 47, 5, 1));
    let u = c.uart.unwrap();
    assert_eq!((u.baud, u.clocks_per_bit, u.exact), (3_000_000, 6, true));
    // 15 us at 18 MHz
    assert_eq!(c.settle_cycles(), 270);
    assert_eq!(
        c.describe(),
        "18 MHz from the 12 MHz oscillator by SB_PLL40_PAD (DIVR 0, DIVF 47, DIVQ 5, FILTER_RANGE 1; PFD 12 MHz, VCO 576 MHz)"
    );
}

/// 30 MHz: 6 Mbaud (5 clocks per bit); 48 MHz: the FT2232H's 12 Mbaud (4 clocks per bit); 31
/// MHz: the PLL outputs from 29.45 to 31 MHz (31.5, 31.125, 30.75, 30.375, 30, ...) give at
/// most 1.5 Mbaud, 375k, 750k, 375k and 6 Mbaud exactly: 30 MHz wins.
#[test]
fn icebreaker_clocks_and_their_link_rates() {
    let at = |mhz: f64| {
        let c = plan("icebreaker", Some(mhz), None).unwrap();
        let u = c.uart.unwrap();
        (c.design, u.baud, u.clocks_per_bit)
    };
    assert_eq!(at(30.0), (Freq::hz(30_000_000), 6_000_000, 5));
    assert_eq!(at(48.0), (Freq::hz(48_000_000), 12_000_000, 4));
    assert_eq!(at(31.0), (Freq::hz(30_000_000), 6_000_000, 5));
    // the oscillator itself: no PLL
    let c = plan("icebreaker", Some(12.0), None).unwrap();
    assert_eq!((c.pll, c.design), (None, Freq::hz(12_000_000)));
    assert_eq!(c.uart.unwrap().baud, 3_000_000);
    assert!(c.describe().contains("the oscillator itself (no PLL)"));
}

#[test]
fn clocks_a_board_cannot_make_are_refused_with_what_it_can() {
    assert_eq!(
        plan("icebreaker", Some(10.0), None).unwrap_err(),
        "board `icebreaker`: SB_PLL40_PAD cannot make 10 MHz or less from the 12 MHz oscillator (outputs 16-275 MHz, nearest 16.125); choose --clock-mhz in that range, or 12 to run on the oscillator without a PLL"
    );
    // above the fastest output (ecppll's limit of 400 MHz, made as 25 x 16)
    assert_eq!(
        plan("ulx3s-25f", Some(450.0), None).unwrap_err(),
        "board `ulx3s-25f`: EHXPLLL cannot make 450 MHz or more from the 25 MHz oscillator (outputs 10-400 MHz, nearest 400); choose --clock-mhz in that range, or 25 to run on the oscillator without a PLL"
    );
    assert_eq!(
        plan("icebreaker", Some(-3.0), None).unwrap_err(),
        "board `icebreaker`: the design clock -3 MHz is not a positive frequency"
    );
    // 4 Mbaud: not exact at 18 MHz (4.5 clocks per bit), nor at 17.625 or 17.25; it needs a
    // multiple of 4 MHz of at least 16 (the PLL makes no 16 MHz from 12): 24 MHz, 6 clocks
    assert_eq!(
        plan("icebreaker", None, Some(4_000_000)).unwrap_err(),
        "board `icebreaker`: no design clock from 17.1 to 18 MHz gives baud rate 4000000 that FT2232H channel B makes exactly with an integer divider (rates 12000000/d, d = 1, 1.5, 2, 2.125, ...; at least 4 clocks per bit); at 18 MHz the exact rates are: 3000000, 2000000, 1500000, 1200000, 1000000, 750000; the nearest clocks with an exact rate, and the fastest rate within 20% below: 24 MHz (4000000 baud); choose another --clock-mhz or --baud"
    );
    // the oscillator is beyond the PLL's input range
    let text = icebreaker_text();
    let err = Board::parse(
        &text.replace(
            "pin = \"35\"\nfreq_mhz = 12.0\n",
            "pin = \"35\"\nfreq_mhz = 5.0\n",
        ),
        "x.toml",
    )
    .unwrap_err();
    let BoardError::Invalid { problems, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(
        problems,
        [
            "design.freq_mhz = 18: the 5 MHz board clock is outside the SB_PLL40_PAD input range 10-133 MHz",
            "design.conv_freq_mhz = 12: the 5 MHz board clock is outside the SB_PLL40_PAD input range 10-133 MHz"
        ]
    );
}

/// ULX3S: 45 MHz = 25 x 9 / 5 (ecppll -i 25 -o 45: CLKI_DIV 5, CLKFB_DIV 9, CLKOP_DIV 13), the
/// FT231X's 3 Mbaud at 15 clocks per bit.
#[test]
fn ulx3s_clock_from_the_ehxplll() {
    let c = plan("ulx3s-25f", Some(45.0), None).unwrap();
    let Some(Pll::Ecp5 { dividers: d }) = c.pll else {
        panic!("{c:?}")
    };
    assert_eq!(
        (d.clki_div, d.clkfb_div, d.clkop_div, d.cphase()),
        (5, 9, 13, 12)
    );
    assert_eq!(c.design, Freq::hz(45_000_000));
    let u = c.uart.unwrap();
    assert_eq!((u.baud, u.clocks_per_bit), (3_000_000, 15));
    // 100 MHz: 25 x 4; the fastest exact rate is 2 Mbaud (50 clocks per bit): 100/3 is no
    // whole number of clocks, and no PLL output from 95 to 100 MHz divides into 3 Mbaud
    let c = plan("ulx3s-25f", Some(100.0), None).unwrap();
    assert_eq!(c.design, Freq::hz(100_000_000));
    assert_eq!(c.uart.unwrap().baud, 2_000_000);
}

#[test]
fn wrapper_instantiates_the_pll_and_feeds_its_lock_to_the_board_top() {
    let b = board("icebreaker");
    let v = board_wrapper(&b, &params(ClockPlan::new(&b, None, None).unwrap())).unwrap();
    for part in [
        "SB_PLL40_PAD #(\n    .FEEDBACK_PATH(\"SIMPLE\"), .DIVR(4'd0), .DIVF(7'd47), .DIVQ(3'd5), .FILTER_RANGE(3'd1)\n  ) u_pll (\n    .PACKAGEPIN(clk), .PLLOUTGLOBAL(clk_design), .LOCK(pll_locked), .RESETB(1'b1), .BYPASS(1'b0)\n  );",
        ".CLK_HZ(18000000), .BAUD(3000000), .CLKS_PER_BIT(6), .SETTLE_CYCLES(270),",
        "u_board (.clk(clk_design), .locked(pll_locked),",
    ] {
        assert!(v.contains(part), "{part}\n---\n{v}");
    }
    let b = board("upduino-v3");
    let v = board_wrapper(&b, &params(ClockPlan::new(&b, Some(18.0), None).unwrap())).unwrap();
    assert!(
        v.contains("SB_PLL40_CORE #(") && v.contains(".REFERENCECLK(clk),"),
        "{v}"
    );
    let b = board("ulx3s-25f");
    let v = board_wrapper(&b, &params(ClockPlan::new(&b, Some(45.0), None).unwrap())).unwrap();
    assert!(
        v.contains(
            ".CLKI_DIV(5), .CLKFB_DIV(9), .CLKOP_DIV(13), .CLKOP_CPHASE(12), .CLKOP_FPHASE(0)"
        ) && v.contains(".CLKI(clk), .CLKFB(clk_design), .CLKOP(clk_design), .LOCK(pll_locked),")
            && v.contains("FREQUENCY_PIN_CLKI=\"25\", FREQUENCY_PIN_CLKOP=\"45\""),
        "{v}"
    );
    // no PLL: the pin drives the design, always locked
    let b = board("icebreaker");
    let v = board_wrapper(&b, &params(ClockPlan::new(&b, Some(12.0), None).unwrap())).unwrap();
    assert!(
        v.contains("assign clk_design = clk;\n  assign pll_locked = 1'b1;") && !v.contains("u_pll"),
        "{v}"
    );
}

/// Every built-in board makes its default design clocks (the engine's and the convolution
/// core's): with its PLL, at most 5% below the request (the window the link rate may take), and
/// exactly the request where the PLL can (all but the OrangeCrab's 50 MHz from 48 MHz: the
/// EHXPLLL's PFD floor of 3.125 MHz allows CLKI_DIV <= 15, so no ratio between 1 and 16/15), or
/// the oscillator itself where the default is its frequency (the iCE40 convolution core).
#[test]
fn every_board_makes_its_default_clocks_with_its_pll() {
    for name in Board::builtin_names() {
        let b = board(name);
        for conv in [false, true] {
            let asked = b.design.default_mhz(conv);
            let c = ClockPlan::new(&b, Some(asked), None)
                .unwrap_or_else(|e| panic!("{name} at {asked} MHz: {e}"));
            let req = Freq::from_mhz(asked).unwrap();
            if asked == b.clock.freq_mhz {
                assert!(
                    c.pll.is_none() && c.design == req,
                    "{name}: {}",
                    c.describe()
                );
                continue;
            }
            assert!(c.pll.is_some(), "{name}: {}", c.describe());
            assert!(c.design <= req, "{name}: {}", c.describe());
            assert!(c.design >= req.scale(95, 100), "{name}: {}", c.describe());
            if !name.starts_with("orangecrab") {
                assert_eq!(c.design, req, "{name}: {}", c.describe());
            }
        }
        // the engine's default always uses the PLL
        assert!(
            ClockPlan::new(&b, None, None).unwrap().pll.is_some(),
            "{name}"
        );
    }
    let c = plan("orangecrab-25f", None, None).unwrap();
    assert_eq!(c.design, Freq::hz(48_000_000), "{}", c.describe());
}

/// A request whose window has no exact link rate names the nearest clocks that have one and the
/// fastest rate a little below. ULX3S at 33 MHz, checked by hand: 31.25 MHz = 25 x 5 / 4 gives
/// 250 kbaud (125 clocks; 24e6 / 250e3 = 96 eighths, d = 12), 34.375 MHz = 25 x 11 / 8 (PFD
/// 3.125 MHz) 125 kbaud (275 clocks; d = 24), 30 MHz = 25 x 6 / 5 the FT231X's 3 Mbaud (10
/// clocks).
#[test]
fn a_window_without_an_exact_rate_names_the_nearest_clocks_with_one() {
    assert_eq!(
        plan("ulx3s-25f", Some(33.0), None).unwrap_err(),
        "board `ulx3s-25f`: no design clock from 31.35 to 33 MHz gives any baud rate that FT231X makes exactly with an integer divider (rates 3000000/d, d = 1, 1.5, 2, 2.125, ...; at least 4 clocks per bit); at 32.142857 MHz the exact rates are: none; the nearest clocks with an exact rate, and the fastest rate within 20% below: 31.25 MHz (250000 baud), 34.375 MHz (125000 baud), 30 MHz (3000000 baud); choose another --clock-mhz"
    );
}
