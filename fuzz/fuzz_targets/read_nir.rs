//! Fuzz target: `read_bytes` must return Ok or Err for any input, never panic, abort or hang;
//! whatever it returns must also survive validation, shape inference and subgraph inlining.
//! Run: `cargo +nightly fuzz run read_nir fuzz/corpus/read_nir` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = spikeloom_nir::read_bytes(data) {
        let _ = spikeloom_nir::validate(&file.graph);
        let _ = spikeloom_nir::infer_shapes(&file.graph);
        if let Ok(flat) = spikeloom_nir::flatten_subgraphs(&file.graph) {
            let _ = spikeloom_nir::infer_shapes(&flat);
        }
    }
});
