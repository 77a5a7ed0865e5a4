//! spikeloom-testkit: what the workspace's tests share, once: the seeded random generator
//! ([`Rng`]) and the gate for tests that need external tools ([`tools_required`],
//! [`skip_or_fail`]), and the independent i128 reference of the integer contract
//! ([`reference`]).
//!
//! Tests only (and `plan::testing`, the random-network generators the tests use). It reads one
//! environment variable, `SPIKELOOM_REQUIRE_TOOLS`, with one meaning: `1` makes a missing tool
//! a test failure, `0` or unset lets the test skip with a message; any other value is refused.

pub mod reference;

/// A small seeded generator (SplitMix64): the same seed gives the same stream on every
/// machine, so a failing random case is reproduced by its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p_percent` / 100.
    pub fn chance(&mut self, p_percent: u64) -> bool {
        self.next_u64() % 100 < p_percent
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The variable that turns a missing tool from a skip into a failure.
pub const REQUIRE_TOOLS: &str = "SPIKELOOM_REQUIRE_TOOLS";

/// True when `SPIKELOOM_REQUIRE_TOOLS=1`: tests must fail, not skip, when a tool is missing.
///
/// # Panics
/// On a value other than `1`, `0` or empty, so a typo cannot silently turn failures into skips.
pub fn tools_required() -> bool {
    match std::env::var(REQUIRE_TOOLS) {
        Err(_) => false,
        Ok(v) => match v.trim() {
            "1" => true,
            "0" | "" => false,
            other => panic!(
                "{REQUIRE_TOOLS}={other:?}: set it to 1 (missing tools fail) or 0 (they skip)"
            ),
        },
    }
}

/// A test's tool is missing: fail when tools are required, else print why it is skipped. The
/// caller returns after this.
///
/// # Panics
/// When `SPIKELOOM_REQUIRE_TOOLS=1`.
pub fn skip_or_fail(why: impl std::fmt::Display) {
    assert!(
        !tools_required(),
        "{why} ({REQUIRE_TOOLS}=1: missing tools fail the tests)"
    );
    eprintln!("skipped: {why} (set {REQUIRE_TOOLS}=1 to make this a failure)");
}

/// Where the project's own tools are installed (`scripts/install-tools.sh`: the YoWASP builds in
/// `.tools/venv/bin`), for tests that choose tools the way a build does.
pub fn project_tool_dirs() -> Vec<std::path::PathBuf> {
    vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_ranges_hold() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(
            xs,
            (0..8).map(|_| Rng::new(8).next_u64()).collect::<Vec<_>>()
        );
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let v = r.range(-3, 4);
            assert!((-3..=4).contains(&v));
            assert!(r.below(5) < 5);
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        // every value of a small range is reached
        let mut seen = [false; 8];
        for _ in 0..200 {
            seen[(r.range(-3, 4) + 3) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn splitmix_reference_values() {
        // SplitMix64 (Steele, Lea, Flood 2014) from state 0: the published first output
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
    }
}
