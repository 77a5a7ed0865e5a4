//! Robustness of the lowering on the NIR reader's case files (tests/fixtures/nir-cases): every
//! file that reads lowers to a network or fails with an error naming a node, never panics; the
//! ones whose outcome is known are checked.

use std::path::Path;

use spikeloom_float::{lower, simulate, LowerError, SemanticsOptions, SpikeInput};

fn lower_case(name: &str) -> Option<Result<spikeloom_float::FloatNet, LowerError>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/nir-cases")
        .join(name);
    if !path.exists() {
        eprintln!("{} missing: skipped", path.display());
        return None;
    }
    let file = spikeloom_nir::read(&path).ok()?;
    Some(lower(&file.graph, &SemanticsOptions::default()))
}

#[test]
fn every_readable_case_lowers_or_names_the_problem() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nir-cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".nir"))
        .collect();
    names.sort();
    for name in names {
        match lower_case(&name) {
            None => eprintln!("{name}: not readable"),
            Some(Ok(net)) => {
                // A lowered network must also simulate.
                let input =
                    SpikeInput::new(3, 1, net.input_size, vec![1; 3 * net.input_size]).unwrap();
                simulate(&net, &input).unwrap_or_else(|e| panic!("{name}: {e}"));
                eprintln!("{name}: {} layers", net.layers.len());
            }
            Some(Err(e)) => {
                assert!(!e.to_string().is_empty());
                eprintln!("{name}: {e}");
            }
        }
    }
}

#[test]
fn known_cases() {
    if let Some(r) = lower_case("recurrent_mixed.nir") {
        let net = r.unwrap();
        assert!(
            net.layers.iter().flat_map(|l| &l.inputs).any(|p| p.delayed),
            "recurrence must be delayed"
        );
    }
    if let Some(r) = lower_case("node_conv2d.nir") {
        assert!(matches!(r, Err(LowerError::Unsupported { kind, .. }) if kind == "Conv2d"));
    }
    if let Some(r) = lower_case("nested.nir") {
        r.unwrap();
    }
}
