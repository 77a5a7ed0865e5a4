//! The rate encoder against an independent bit-serial model of the specified LFSR.

use spikeloom_hostlink::{rate_encode, Lfsr};

/// Bit-array model of the Galois LFSR written from the polynomial, not from the mask: shifting
/// right, the output bit (bit 0) re-enters at bit 15 (x^16) and is xored into the bits of the
/// other non-constant terms x^14, x^13, x^11 after the shift (bits 13, 12, 10).
struct BitLfsr([bool; 16]);

impl BitLfsr {
    fn new(state: u16) -> Self {
        BitLfsr(std::array::from_fn(|k| state >> k & 1 == 1))
    }
    fn shift(&mut self) {
        let out = self.0[0];
        for k in 0..15 {
            self.0[k] = self.0[k + 1];
        }
        self.0[15] = out;
        for exp in [14, 13, 11] {
            self.0[exp - 1] ^= out;
        }
    }
    fn low_byte(&self) -> u8 {
        (0..8).map(|k| u8::from(self.0[k]) << k).sum()
    }
}

#[test]
fn lfsr_matches_the_bit_serial_model_and_has_maximal_period() {
    let mut fast = Lfsr::from_seed(0x1234);
    let mut slow = BitLfsr::new(0x1234);
    let start = fast;
    let mut period = 0u32;
    loop {
        fast.shift();
        slow.shift();
        period += 1;
        assert_eq!(
            fast.0,
            (0..16).map(|k| u16::from(slow.0[k]) << k).sum::<u16>()
        );
        assert_ne!(fast.0, 0, "the LFSR must never reach the all-zero state");
        if fast == start {
            break;
        }
        assert!(period < 70_000);
    }
    assert_eq!(period, 65_535, "x^16+x^14+x^13+x^11+1 is maximal");
}

#[test]
fn rate_encode_follows_the_documented_order() {
    // features 4..7 are all 0: that word takes no LFSR state; the last word has 2 features
    let pixels = [0u8, 255, 128, 7, 0, 0, 0, 0, 200, 0];
    let steps = 9;
    for seed in [0u16, 1, 0xACE1, 0xFFFF, 777] {
        let got = rate_encode(&pixels, steps, seed);
        let mut bits = BitLfsr::new(if seed == 0 { 0xACE1 } else { seed });
        let mut want = Vec::new();
        for _ in 0..steps {
            for (i, &p) in pixels.iter().enumerate() {
                let word = i / 4 * 4;
                if pixels[word..(word + 4).min(pixels.len())] == [0; 4][..] {
                    want.push(0);
                    continue;
                }
                for _ in 0..8 {
                    bits.shift();
                }
                want.push(u8::from(bits.low_byte() < p));
            }
        }
        assert_eq!(got, want, "seed {seed}");
    }
    // a zero word changes nothing else: the same pixels without it give the same spikes
    let (with, without) = (
        rate_encode(&pixels, steps, 5),
        rate_encode(&[0, 255, 128, 7, 200, 0], steps, 5),
    );
    for t in 0..steps {
        assert_eq!(with[t * 10..][..4], without[t * 6..][..4]);
        assert_eq!(with[t * 10 + 4..][..4], [0; 4]);
        assert_eq!(with[t * 10 + 8..][..2], without[t * 6 + 4..][..2]);
    }
    // Seed 0 is the same as seed 0xACE1; different seeds give different spikes.
    assert_eq!(rate_encode(&pixels, 9, 0), rate_encode(&pixels, 9, 0xACE1));
    assert_ne!(rate_encode(&pixels, 9, 1), rate_encode(&pixels, 9, 2));
}

#[test]
fn spike_rate_tracks_the_pixel_value() {
    let pixels: Vec<u8> = (0..=255).step_by(5).map(|p| p as u8).collect();
    let steps = 2000;
    let spikes = rate_encode(&pixels, steps, 99);
    for (i, &p) in pixels.iter().enumerate() {
        let n: usize = (0..steps)
            .map(|t| usize::from(spikes[t * pixels.len() + i]))
            .sum();
        let rate = n as f64 / steps as f64;
        assert!(
            (rate - f64::from(p) / 256.0).abs() < 0.05,
            "pixel {p}: rate {rate}"
        );
        if p == 0 {
            assert_eq!(n, 0);
        }
    }
}
