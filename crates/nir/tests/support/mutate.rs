//! Seeded mutation of the NIR seed corpus (fuzz/corpus/read_nir), shared by the bounded fuzz
//! tests of the reader (crates/nir/tests/fuzz_bounded.rs) and of lowering
//! (crates/float/tests/fuzz_lower.rs, which includes this file by path).

use std::path::PathBuf;

/// The tests' one seeded generator (SplitMix64).
pub use spikeloom_testkit::Rng;

/// (file name, bytes) of every seed, sorted by name.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/read_nir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("seed corpus")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(p).unwrap())
        })
        .collect()
}

pub fn corpus() -> Vec<Vec<u8>> {
    seeds().into_iter().map(|(_, bytes)| bytes).collect()
}

pub fn mutate(rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut d = corpus[rng.below(corpus.len())].clone();
    for _ in 0..1 + rng.below(8) {
        if d.is_empty() {
            break;
        }
        let at = rng.below(d.len());
        match rng.below(6) {
            0 => d[at] ^= 1 << rng.below(8),
            1 => d[at] = rng.next_u64() as u8,
            2 => d[at] = [0x00, 0xff, 0x7f, 0x80, 0x01][rng.below(5)],
            3 => {
                // Overwrite 8 bytes with a large little-endian length/address.
                let v = [u64::MAX, 1 << 40, 0x7fff_ffff, 0][rng.below(4)].to_le_bytes();
                let end = (at + 8).min(d.len());
                d[at..end].copy_from_slice(&v[..end - at]);
            }
            4 => d.truncate(at),
            _ => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len());
                let len = rng.below(256).min(other.len() - from).min(d.len() - at);
                d[at..at + len].copy_from_slice(&other[from..from + len]);
            }
        }
    }
    d
}

/// `SPIKELOOM_FUZZ_ITERS`, else `default`.
pub fn iterations(default: usize) -> usize {
    std::env::var("SPIKELOOM_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
