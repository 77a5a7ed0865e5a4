//! The fuzz target (fuzz/fuzz_targets/read_nir.rs) as a bounded, deterministic `cargo test`:
//! mutate the seed corpus (fuzz/corpus/read_nir) with a seeded RNG — bit flips, byte sets,
//! interesting values, truncations, splices of two files — and require that reading and then
//! validating never panics. `SPIKELOOM_FUZZ_ITERS` raises the iteration count (default 20000).
//! The seeds (written by tests/fixtures/gen/nir_cases.py) are valid files of every storage
//! layout and the adversarial `bad_*` cases, which must fail with a named error unmutated.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// xorshift64*: tiny, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// (file name, bytes) of every seed, sorted by name.
fn seeds() -> Vec<(String, Vec<u8>)> {
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

fn corpus() -> Vec<Vec<u8>> {
    seeds().into_iter().map(|(_, bytes)| bytes).collect()
}

fn mutate(rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut d = corpus[rng.below(corpus.len())].clone();
    for _ in 0..1 + rng.below(8) {
        if d.is_empty() {
            break;
        }
        let at = rng.below(d.len());
        match rng.below(6) {
            0 => d[at] ^= 1 << rng.below(8),
            1 => d[at] = rng.next() as u8,
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

/// Returns whether the mutated file still read successfully.
fn exercise(bytes: &[u8]) -> bool {
    let read = spikeloom_nir::read_bytes(bytes);
    let readable = read.is_ok();
    if let Ok(file) = read {
        let _ = spikeloom_nir::validate(&file.graph);
        let _ = spikeloom_nir::infer_shapes(&file.graph);
        if let Ok(flat) = spikeloom_nir::flatten_subgraphs(&file.graph) {
            let _ = spikeloom_nir::infer_shapes(&flat);
        }
    }
    readable
}

#[test]
fn mutated_files_never_panic() {
    let corpus = corpus();
    assert!(corpus.len() >= 5, "seed corpus missing");
    let iters: usize = std::env::var("SPIKELOOM_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut rng = Rng(0x005E_ED0F_5EED);
    let (mut readable, mut panics) = (0usize, Vec::new());
    for i in 0..iters {
        let input = mutate(&mut rng, &corpus);
        match catch_unwind(AssertUnwindSafe(|| exercise(&input))) {
            Ok(r) => readable += usize::from(r),
            Err(_) => {
                let path = std::env::temp_dir().join(format!("spikeloom-nir-crash-{i}.nir"));
                let _ = std::fs::write(&path, &input);
                panics.push(path.display().to_string());
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics, inputs saved: {panics:?}",
        panics.len()
    );
    // Both outcomes must be common, or the mutations are not reaching the decoder.
    assert!(
        readable > iters / 20 && readable < iters - iters / 20,
        "{readable} of {iters} read"
    );
}

#[test]
fn unmutated_seeds_read_and_validate() {
    let seeds = seeds();
    let bad = seeds.iter().filter(|(n, _)| n.starts_with("bad_")).count();
    assert!(bad >= 6, "expected the adversarial seeds, found {bad}");
    for (name, bytes) in &seeds {
        let outcome = spikeloom_nir::read_bytes(bytes)
            .map_err(|e| e.to_string())
            .and_then(|f| spikeloom_nir::validate(&f.graph).map_err(|d| d.to_string()));
        match (name.starts_with("bad_"), outcome) {
            (false, Err(e)) => panic!("seed {name}: {e}"),
            (true, Ok(())) => panic!("seed {name} is meant to be refused but reads and validates"),
            (true, Err(e)) => assert!(
                e.contains("node '") || e.contains("dataset '"),
                "{name}: {e}"
            ),
            (false, Ok(())) => {}
        }
    }
}
