//! Bytes on the host link per sample, as [`crate::Link`] (and `spikeloom run`) sends it, and
//! the time they take on the wire.
//!
//! The request frames are the real encoder's ([`Command::encode`]); a reply frame is
//! [`encode_frame`] of its payload length (PROTOCOL.md: `A5 TYPE LEN(2) payload CRC`). UART
//! bytes are 10 bits (start, 8 data, stop). USB latency is not counted: a USB-UART bridge adds
//! its own delay per reply (the FTDI latency timer, up to milliseconds), which only a board
//! measures.

use crate::frame::{encode_frame, Command};

/// Bits per UART byte: start, 8 data bits, stop.
pub const BITS_PER_BYTE: u32 = 10;

/// Bytes of one sample each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Traffic {
    /// Host to device.
    pub up: usize,
    /// Device to host.
    pub down: usize,
}

impl Traffic {
    /// Both directions.
    pub fn bytes(&self) -> usize {
        self.up + self.down
    }

    /// Microseconds on the wire at `baud`, both directions one after the other (one command
    /// in flight: each request waits for the previous reply).
    pub fn wire_us(&self, baud: u32) -> f64 {
        self.bytes() as f64 * f64::from(BITS_PER_BYTE) * 1e6 / f64::from(baud.max(1))
    }
}

/// What the design's host bridge takes and returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkShape {
    /// Input features.
    pub input_size: usize,
    /// Output neurons.
    pub output_size: usize,
    /// Input values wider than one bit (STEP carries a value byte per feature, not a bitmap).
    pub graded_input: bool,
    /// Output events carry a count (3-byte STEP_OUT entries, not 2).
    pub counted_output: bool,
}

/// Length of a device frame with `payload` bytes.
fn reply(kind: u8, payload: usize) -> usize {
    encode_frame(kind, &vec![0; payload]).len()
}

/// Length of a request frame (`cmd` encodes: its sizes are in range).
fn request(cmd: &Command) -> usize {
    cmd.encode()
        .map(|f| f.len())
        .unwrap_or_else(|e| unreachable!("a request of valid sizes encodes: {e}"))
}

/// A sample sent step by step (`Link::run_sample`, `spikeloom run --input`): RESET, one STEP per
/// step (a bitmap, or a value byte per feature), then COUNTS; `step_events[t]` is the number of
/// output events step t returns.
pub fn per_step(shape: &LinkShape, step_events: &[usize]) -> Traffic {
    let step = if shape.graded_input {
        Command::StepValues {
            values: vec![0; shape.input_size.max(1)],
        }
    } else {
        Command::Step {
            input_size: shape.input_size,
            events: Vec::new(),
        }
    };
    let entry = if shape.counted_output { 3 } else { 2 };
    let step_up = request(&step);
    let mut t = Traffic {
        up: request(&Command::Reset) + request(&Command::Counts),
        down: reply(0x81, 1) + reply(0x83, 2 * shape.output_size),
    };
    for &events in step_events {
        t.up += step_up;
        t.down += reply(0x82, entry * events);
    }
    t
}

/// A sample as one RUN_PIXELS frame (`spikeloom run --pixels`: the board rate-encodes the
/// pixels) and its RUN_OUT counts.
pub fn run_pixels(shape: &LinkShape, steps: u16) -> Traffic {
    let cmd = Command::RunPixels {
        pixels: vec![0; shape.input_size.max(1)],
        steps: steps.max(1),
        seed: 1,
        per_step: false,
    };
    Traffic {
        up: request(&cmd),
        down: reply(0x85, 2 * shape.output_size),
    }
}

/// A sample as one RUN_VALUES frame (`spikeloom run --values`: the same values every step) and
/// its VALUES_OUT counts.
pub fn run_values(shape: &LinkShape, steps: u16) -> Traffic {
    let cmd = Command::RunValues {
        values: vec![0; shape.input_size.max(1)],
        steps: steps.max(1),
        per_step: false,
    };
    Traffic {
        up: request(&cmd),
        down: reply(0x86, 2 * shape.output_size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MNIST: LinkShape = LinkShape {
        input_size: 784,
        output_size: 10,
        graded_input: false,
        counted_output: false,
    };

    /// The byte counts PROTOCOL.md states ("Limits"), written out by hand from its frame
    /// layouts: 5 framing bytes per frame, ceil(IN/8) bitmap bytes, 2 bytes per output event.
    #[test]
    fn byte_counts_follow_the_protocol_text() {
        // RESET 5 up + 6 down, 25 x STEP (5 + 98 up, 5 + 2 x events down), COUNTS 5 up + 5 + 20
        let events = [0, 3, 1, 0, 2];
        let t = per_step(&MNIST, &events);
        assert_eq!(t.up, 5 + 5 * (5 + 98) + 5);
        assert_eq!(t.down, 6 + 5 * 5 + 2 * 6 + 5 + 20);
        // the 784-input image of PROTOCOL.md: 2,585 B up step by step, 794 B as RUN_PIXELS
        assert_eq!(per_step(&MNIST, &[0; 25]).up, 2585);
        assert_eq!(run_pixels(&MNIST, 25).up, 794);
        assert_eq!(run_pixels(&MNIST, 25).down, 5 + 20);
        // graded input: a value byte per feature, and counted outputs: 3 bytes per event
        let graded = LinkShape {
            input_size: 64,
            output_size: 10,
            graded_input: true,
            counted_output: true,
        };
        let t = per_step(&graded, &[4]);
        assert_eq!(t.up, 5 + (5 + 64) + 5);
        assert_eq!(t.down, 6 + (5 + 12) + 5 + 20);
        assert_eq!(run_values(&graded, 16).up, 8 + 64);
        assert_eq!(run_values(&graded, 16).down, 25);
    }

    #[test]
    fn wire_time_is_ten_bits_per_byte() {
        let t = Traffic { up: 90, down: 10 };
        // 100 bytes x 10 bits at 1 Mbaud: 1000 us
        assert!((t.wire_us(1_000_000) - 1000.0).abs() < 1e-9);
        assert!((t.wire_us(3_000_000) - 1000.0 / 3.0).abs() < 1e-9);
    }
}
