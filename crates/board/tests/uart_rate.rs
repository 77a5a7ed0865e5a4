//! The UART divider: exact rates at a design clock (FTDI bridges), rates within the error bound
//! on links whose rates are not known, and the rate every board gets at its default clock.

mod common;
use common::*;
use spikeloom_board::{
    board_wrapper, exact_rates, ftdi_makes, Board, ClockPlan, Freq, UartRate, MAX_BAUD_ERROR,
};

fn mhz(x: f64) -> Freq {
    Freq::from_mhz(x).unwrap()
}

#[test]
fn divider_rounds_to_nearest_and_reports_the_error() {
    let r = UartRate::new(mhz(12.0), 3_000_000);
    assert_eq!((r.clocks_per_bit, r.actual, r.error), (4, 3e6, 0.0));
    // 25 MHz / 115200 = 217.01 -> 217 cycles, 115207 baud.
    let r = UartRate::new(mhz(25.0), 115_200);
    assert_eq!(r.clocks_per_bit, 217);
    assert!((r.actual - 25e6 / 217.0).abs() < 1e-6 && r.error < 1e-4);
    // 25 MHz / 3 Mbaud = 8.33 -> 8 cycles = 3.125 Mbaud, 4.2 % fast: rejected.
    let r = UartRate::new(mhz(25.0), 3_000_000);
    assert_eq!(r.clocks_per_bit, 8);
    assert!((r.error - 0.125 / 3.0).abs() < 1e-12);
    let msg = r.problem(mhz(25.0)).unwrap();
    assert!(
        msg.contains("3000000 is not reachable") && msg.contains("4.17 % off"),
        "{msg}"
    );
    // 1.5 Mbaud: 16.67 -> 17 cycles, 1.96 %: accepted.
    assert!(UartRate::new(mhz(25.0), 1_500_000)
        .problem(mhz(25.0))
        .is_none());
    assert!(UartRate::new(mhz(12.0), 6_000_000)
        .problem(mhz(12.0))
        .unwrap()
        .contains("need >= 4 clocks per bit"));
    // a design clock that is not a whole number of hertz: 100/3 MHz / 115200 = 289.35 -> 289
    let r = UartRate::new(Freq::ratio(100_000_000, 3), 115_200);
    assert_eq!(r.clocks_per_bit, 289);
    // 8N1: 10 bits per byte.
    assert!((UartRate::new(mhz(12.0), 3_000_000).seconds_for(300) - 1e-3).abs() < 1e-12);
}

/// FTDI AN232B-05: divisor n + {0, 1/8, ..., 7/8} for n >= 2, or 1 (3 MBaud) and 1.5 (2 MBaud)
/// on the 3 MHz generator; "490000 baud: divisor 6.122, nearest 6.125 = 489796" (not exact).
#[test]
fn ftdi_rates_follow_the_application_note() {
    for (baud, exact) in [
        (3_000_000, true),
        (2_000_000, true),
        (1_500_000, true),
        (2_500_000, false), // divisor 1.2
        (1_000_000, true),
        (490_000, false),
        (489_795, false), // 3e6 / 6.125 = 489795.9: not a whole number of baud
        (115_200, false), // divisor 26.04
        (9_600, true),
    ] {
        assert_eq!(ftdi_makes(3_000_000, baud), exact, "{baud}");
    }
    // the FT2232H's 12 MHz generator: 12, 8 and 6 Mbaud
    assert!(ftdi_makes(12_000_000, 12_000_000));
    assert!(ftdi_makes(12_000_000, 8_000_000));
    assert!(ftdi_makes(12_000_000, 6_000_000));
    assert!(!ftdi_makes(12_000_000, 7_500_000)); // divisor 1.6
    assert!(!ftdi_makes(12_000_000, 0));
}

/// Worked by hand: 18 MHz / k must be a whole rate that 96e6 / rate makes an allowed eighth:
/// k = 6 (3 Mbaud, 32 eighths), 9 (2 Mbaud, 48), 12 (1.5 Mbaud, 64); k = 4, 5, 8, 10 fail.
#[test]
fn exact_rates_at_a_clock() {
    assert_eq!(
        exact_rates(mhz(18.0), 12_000_000, 12_000_000, 3),
        [(3_000_000, 6), (2_000_000, 9), (1_500_000, 12)]
    );
    // 48 MHz reaches 12 Mbaud at the receiver's minimum of 4 clocks per bit
    assert_eq!(
        exact_rates(mhz(48.0), 12_000_000, 12_000_000, 1),
        [(12_000_000, 4)]
    );
    // the FT231X's max_baud caps it: 45 MHz gives 3 Mbaud at 15 clocks per bit
    assert_eq!(
        exact_rates(mhz(45.0), 3_000_000, 3_000_000, 1),
        [(3_000_000, 15)]
    );
    // 100/3 MHz is no whole number of hertz: no whole baud rate divides it
    assert!(exact_rates(Freq::ratio(100_000_000, 3), 3_000_000, 3_000_000, 5).is_empty());
}

#[test]
fn every_board_gets_a_usable_rate_at_its_default_clock() {
    for name in Board::builtin_names() {
        let b = Board::builtin(name).unwrap();
        let c = ClockPlan::new(&b, None, None).unwrap();
        let Some(u) = c.uart else {
            assert!(!b.has_uart(), "{name}");
            continue;
        };
        let r = UartRate::new(c.design, u.baud);
        assert_eq!(r.clocks_per_bit, u.clocks_per_bit, "{name}");
        assert!(
            r.problem(c.design).is_none() && r.error <= MAX_BAUD_ERROR,
            "{name}: {u:?}"
        );
        if let Some(base) = b.host_link.baud_base {
            assert!(u.exact && r.error == 0.0, "{name}: {u:?}");
            assert!(ftdi_makes(base, u64::from(u.baud)), "{name}: {u:?}");
        }
    }
}

#[test]
fn a_rate_the_divider_cannot_make_is_refused() {
    let b = Board::builtin("ulx3s-85f").unwrap();
    let err = ClockPlan::new(&b, None, Some(3_500_000))
        .unwrap_err()
        .to_string();
    assert!(err.contains("exceeds the link's max_baud 3000000"), "{err}");
    // a cable on header pins: any rate within 2 % of what the divider makes
    let b = Board::builtin("orangecrab-25f").unwrap();
    let at = |baud| ClockPlan::new(&b, Some(48.0), Some(baud));
    // 48e6 / 2.5e6 = 19.2 -> 19 cycles = 2526316 baud, 1.05 %: accepted.
    let c = at(2_500_000).unwrap();
    assert!(board_wrapper(&b, &params(c))
        .unwrap()
        .contains(".BAUD(2500000), .CLKS_PER_BIT(19),"));
    // 48e6 / 2.9e6 = 16.55 -> 17 cycles = 2823529 baud, 2.64 %: rejected.
    let err = at(2_900_000).unwrap_err().to_string();
    assert!(
        err.contains("2900000 is not reachable from the 48 MHz design clock")
            && err.contains("17 clocks per bit")
            && err.contains("2.64 % off"),
        "{err}"
    );
}
