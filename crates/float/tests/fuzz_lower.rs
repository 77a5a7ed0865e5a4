//! Bounded mutation fuzzing past the reader: every mutated seed (the NIR reader's corpus,
//! mutated as in crates/nir/tests/fuzz_bounded.rs) that reads and validates is lowered under
//! every convention, and each network that lowers is simulated for a few steps. Nothing may
//! panic: what the CLI accepts after validation must end in a network or a named error.
//! `SPIKELOOM_FUZZ_ITERS` raises the iteration count (default 10000; 200,000 ran clean).

#[path = "../../nir/tests/support/mutate.rs"]
mod mutate;

use spikeloom_qnet::SpikeSteps;
use std::panic::{catch_unwind, AssertUnwindSafe};

use spikeloom_float::{lower, parse_convention, simulate, SemanticsOptions};

const CONVENTIONS: [&str; 10] = [
    "snntorch",
    "nir-euler",
    "norse",
    "norse@<1.1",
    "norse@1.1",
    "sinabs",
    "rockpool",
    "spyx",
    "spikingjelly",
    // No option: metadata, fingerprint or default.
    "",
];

/// How many conventions lowered the file (0 when it does not read or validate).
fn exercise(bytes: &[u8]) -> usize {
    let Ok(file) = spikeloom_nir::read_bytes(bytes) else {
        return 0;
    };
    if spikeloom_nir::validate(&file.graph).is_err() {
        return 0;
    }
    let mut lowered = 0;
    for name in CONVENTIONS {
        let (convention, norse) = parse_convention(name).unzip();
        let opts = SemanticsOptions {
            convention,
            norse: norse.flatten(),
            ..Default::default()
        };
        let Ok(net) = lower(&file.graph, &opts) else {
            continue;
        };
        lowered += 1;
        let input = SpikeSteps::graded(3, 1, net.input_size, vec![1; 3 * net.input_size], 8)
            .expect("input of the network's size");
        let _ = simulate(&net, &input);
    }
    lowered
}

#[test]
fn mutated_graphs_lower_or_name_the_problem() {
    let corpus = mutate::corpus();
    assert!(corpus.len() >= 5, "seed corpus missing");
    let iters = mutate::iterations(10_000);
    let mut rng = mutate::Rng::new(0x0F10_A7ED);
    let (mut lowered, mut panics) = (0usize, Vec::new());
    for i in 0..iters {
        let input = mutate::mutate(&mut rng, &corpus);
        match catch_unwind(AssertUnwindSafe(|| exercise(&input))) {
            Ok(n) => lowered += n,
            Err(_) => {
                let path = std::env::temp_dir().join(format!("spikeloom-lower-crash-{i}.nir"));
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
    // The mutations must reach the lowering often, or this test exercises nothing.
    assert!(lowered > iters / 10, "{lowered} lowerings in {iters} files");
}
