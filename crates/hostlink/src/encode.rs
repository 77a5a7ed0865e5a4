//! The on-chip rate encoder's exact software twin: the board turns pixel values into spikes with
//! this LFSR rule (`rtl-templates/io/host_bridge.v`, command RUN_PIXELS), and [`rate_encode`]
//! reproduces its spikes bit for bit so the software engines can run on the same input.
//!
//! Rule (also in PROTOCOL.md):
//! - LFSR: 16-bit Galois, shifting right, toggle mask `0xB400` (x^16 + x^14 + x^13 + x^11 + 1,
//!   maximal length 65535). One shift: `out = s & 1; s >>= 1; if out { s ^= 0xB400 }`.
//! - Seed: the initial state is the sample's seed, or `0xACE1` when the seed is 0 (an all-zero
//!   state would lock the LFSR).
//! - Words: the features in groups of four, `4w..4w+3` (the last group holds the 1-4 features
//!   left). A group whose pixels are all 0 is skipped: it takes no LFSR state and never spikes
//!   (the device does not scan it: zero-skip, protocol version 5).
//! - Order: for each step t = 0..T, for each group with a non-zero pixel (ascending), for each
//!   feature i of the group (ascending, whatever its pixel): shift 8 times, then
//!   `spike[t][i] = (s & 0xFF) < pixel[i]`.
//!
//! So pixel 0 never spikes and pixel p spikes with probability p/256.

/// Toggle mask of the Galois LFSR (x^16 + x^14 + x^13 + x^11 + 1).
pub const LFSR_MASK: u16 = 0xB400;
/// Features per word of the device's feature memory: a word whose pixels are all 0 is skipped.
pub const WORD_FEATURES: usize = 4;
/// Initial state used for seed 0.
pub const ZERO_SEED_STATE: u16 = 0xACE1;

/// The encoder's LFSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lfsr(pub u16);

impl Lfsr {
    /// The state a sample with this seed starts from.
    pub fn from_seed(seed: u16) -> Self {
        Lfsr(if seed == 0 { ZERO_SEED_STATE } else { seed })
    }

    /// One shift.
    pub fn shift(&mut self) {
        let out = self.0 & 1;
        self.0 >>= 1;
        if out != 0 {
            self.0 ^= LFSR_MASK;
        }
    }

    /// Eight shifts, then the low byte: the random byte one feature is compared with.
    pub fn next_byte(&mut self) -> u8 {
        for _ in 0..8 {
            self.shift();
        }
        (self.0 & 0xFF) as u8
    }
}

/// Spikes `[steps][pixels.len()]` (0/1, row-major) the board generates for one sample.
pub fn rate_encode(pixels: &[u8], steps: usize, seed: u16) -> Vec<u8> {
    let mut lfsr = Lfsr::from_seed(seed);
    let mut out = Vec::with_capacity(steps * pixels.len());
    for _ in 0..steps {
        for word in pixels.chunks(WORD_FEATURES) {
            if word.iter().all(|&p| p == 0) {
                out.extend(std::iter::repeat_n(0, word.len()));
            } else {
                out.extend(word.iter().map(|&p| u8::from(lfsr.next_byte() < p)));
            }
        }
    }
    out
}
