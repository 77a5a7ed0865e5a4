//! The fuzz target (fuzz/fuzz_targets/read_nir.rs) as a bounded, deterministic `cargo test`:
//! mutate the seed corpus (fuzz/corpus/read_nir) with a seeded RNG — bit flips, byte sets,
//! interesting values, truncations, splices of two files — and require that reading and then
//! validating never panics. `SPIKELOOM_FUZZ_ITERS` raises the iteration count (default 20000).
//! The seeds (written by tests/fixtures/gen/nir_cases.py) are valid files of every storage
//! layout and the adversarial `bad_*` cases, which must fail with a named error unmutated.

#[path = "support/mutate.rs"]
mod mutate;

use std::panic::{catch_unwind, AssertUnwindSafe};

use mutate::{corpus, mutate, seeds, Rng};

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
    let iters = mutate::iterations(20_000);
    let mut rng = Rng::new(0x005E_ED0F_5EED);
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
