//! The UART divider: achievable rates, their error, and the rates every board file promises.

use spikeloom_board::{board_wrapper, Board, TopParams, UartRate, MAX_BAUD_ERROR};

#[test]
fn divider_rounds_to_nearest_and_reports_the_error() {
    let r = UartRate::new(12_000_000, 3_000_000);
    assert_eq!((r.clocks_per_bit, r.actual, r.error), (4, 3e6, 0.0));
    // 25 MHz / 115200 = 217.01 -> 217 cycles, 115207 baud.
    let r = UartRate::new(25_000_000, 115_200);
    assert_eq!(r.clocks_per_bit, 217);
    assert!((r.actual - 25e6 / 217.0).abs() < 1e-6 && r.error < 1e-4);
    // 25 MHz / 3 Mbaud = 8.33 -> 8 cycles = 3.125 Mbaud, 4.2 % fast: rejected.
    let r = UartRate::new(25_000_000, 3_000_000);
    assert_eq!(r.clocks_per_bit, 8);
    assert!((r.error - 0.125 / 3.0).abs() < 1e-12);
    let msg = r.problem(25.0).unwrap();
    assert!(
        msg.contains("3000000 is not reachable") && msg.contains("4.17 % off"),
        "{msg}"
    );
    // 1.5 Mbaud: 16.67 -> 17 cycles, 1.96 %: accepted.
    assert!(UartRate::new(25_000_000, 1_500_000).problem(25.0).is_none());
    assert!(UartRate::new(12_000_000, 6_000_000)
        .problem(12.0)
        .unwrap()
        .contains("need >= 4 clocks per bit"));
    // 8N1: 10 bits per byte.
    assert!((UartRate::new(12_000_000, 3_000_000).seconds_for(300) - 1e-3).abs() < 1e-12);
}

#[test]
fn every_board_max_and_default_baud_is_reachable() {
    for name in Board::builtin_names() {
        let b = Board::builtin(name).unwrap();
        if !b.has_uart() {
            continue;
        }
        for baud in [b.host_link.max_baud.unwrap(), b.default_baud().unwrap()] {
            let r = UartRate::new(b.design_clock_hz(), baud);
            assert!(
                r.problem(b.design.freq_mhz).is_none() && r.error <= MAX_BAUD_ERROR,
                "{name}: {baud}: {r:?}"
            );
        }
    }
}

#[test]
fn wrapper_rejects_a_rate_the_divider_cannot_make() {
    let b = Board::builtin("ulx3s-85f").unwrap();
    let p = TopParams {
        input_size: 64,
        output_size: 10,
        in_w: 6,
        out_w: 4,
        in_value_w: 1,
        out_value_w: 1,
        baud: None,
        image_crc: None,
    };
    assert!(board_wrapper(&b, &p).unwrap().contains(".BAUD(1000000)"));
    let err = board_wrapper(
        &b,
        &TopParams {
            baud: Some(1_500_000),
            image_crc: None,
            ..p
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("exceeds the link's max_baud 1000000"), "{err}");
    let b = Board::builtin("orangecrab-25f").unwrap();
    let with = |baud| TopParams {
        baud: Some(baud),
        image_crc: None,
        ..p
    };
    // 48e6 / 2.5e6 = 19.2 -> 19 cycles = 2526316 baud, 1.05 %: accepted.
    assert!(board_wrapper(&b, &with(2_500_000))
        .unwrap()
        .contains(".BAUD(2500000)"));
    // 48e6 / 2.9e6 = 16.55 -> 17 cycles = 2823529 baud, 2.64 %: rejected.
    let err = board_wrapper(&b, &with(2_900_000)).unwrap_err().to_string();
    assert!(
        err.contains("2900000 is not reachable from the 48 MHz design clock")
            && err.contains("17 clocks per bit")
            && err.contains("2.64 % off"),
        "{err}"
    );
}
