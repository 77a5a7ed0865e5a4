//! Helpers shared by the board crate's tests.
#![allow(dead_code)] // each test file uses some

use spikeloom_board::{ClockPlan, TopParams};

/// The iCEBreaker's board file, to derive variants from.
pub fn icebreaker_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../boards/icebreaker.toml"
    ))
    .unwrap()
}

/// A 64-in 10-out binary design's board-top parameters at `clock`.
pub fn params(clock: ClockPlan) -> TopParams {
    TopParams {
        input_size: 64,
        output_size: 10,
        in_w: 6,
        out_w: 4,
        in_value_w: 1,
        out_value_w: 1,
        clock,
        image_crc: None,
        zero_skip: true,
        pixels: true,
    }
}
