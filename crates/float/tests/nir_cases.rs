//! Robustness of the lowering on the NIR reader's case files (tests/fixtures/nir-cases): every
//! file that reads lowers to a network or fails with an error naming a node, never panics; the
//! ones whose outcome is known are checked. The `sim_*` cases (CubaLI and Delay nodes) are
//! simulated and compared with the traces of the independent numpy emulator
//! (tests/fixtures/gen/np_emulate.py `emulate_nir`): spikes exact, membranes within rounding.

mod common;

use std::path::{Path, PathBuf};

use spikeloom_float::{lower, simulate, LowerError, Neuron, SemanticsOptions, SpikeInput};

/// Membrane tolerance, as for the trained fixtures: `REL * |want| + SCALE * max|want|`. The
/// emulator sums in f64 (and integrates nir-euler in f64), the engine in f32.
const REL: f64 = 1e-5;
const SCALE: f64 = 2e-6;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nir-cases")
}

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

/// Lowers `sim_<case>.nir` with the settings of its metadata, runs it on its input and compares
/// every neuron node with the emulator's traces. Returns the lowered network for further checks.
fn check_sim_case(case: &str) -> Option<spikeloom_float::FloatNet> {
    let dir = cases_dir();
    let path = dir.join(format!("sim_{case}.nir"));
    if !path.exists() {
        eprintln!("{} missing: skipped", path.display());
        return None;
    }
    let file = spikeloom_nir::read(&path).unwrap_or_else(|e| panic!("{case}: {e}"));
    let net =
        lower(&file.graph, &SemanticsOptions::default()).unwrap_or_else(|e| panic!("{case}: {e}"));
    let input = common::npy(&dir, &format!("sim_{case}.input.npy"));
    let [t, n, f] = input.shape[..] else {
        panic!("{case}: input must be [T, N, F], got {:?}", input.shape)
    };
    let data = input.data.to_f64().iter().map(|v| *v as u8).collect();
    let trace = simulate(&net, &SpikeInput::new(t, n, f, data).unwrap()).unwrap();
    for layer in &trace.layers {
        let stem = format!("sim_{case}.{}", layer.name);
        let want_spk = common::npy(&dir, &format!("{stem}.spk.npy")).data.to_f64();
        let want_mem = common::npy(&dir, &format!("{stem}.mem.npy")).data.to_f64();
        let got_spk: Vec<f64> = layer.spikes.iter().map(|s| f64::from(*s)).collect();
        assert_eq!(got_spk.len(), want_spk.len(), "{stem}: trace sizes");
        let wrong: Vec<usize> = (0..got_spk.len())
            .filter(|i| got_spk[*i] != want_spk[*i])
            .collect();
        assert!(
            wrong.is_empty(),
            "{stem}: {} of {} spikes differ, first at flat index {:?}",
            wrong.len(),
            got_spk.len(),
            wrong.first()
        );
        let (bad, max) = common::compare(&layer.membrane, &want_mem, REL, SCALE);
        eprintln!(
            "{stem}: {} spikes agree ({} spikes), membrane max |diff| {max:.3e}",
            got_spk.len(),
            got_spk.iter().filter(|s| **s > 0.0).count()
        );
        assert_eq!(
            bad, 0,
            "{stem}: {bad} membranes out of tolerance (max |diff| {max:.3e})"
        );
    }
    Some(net)
}

#[test]
fn cubalif_delay_cubali_matches_the_numpy_emulator_under_snntorch() {
    let Some(net) = check_sim_case("cuba_delay") else {
        return;
    };
    let li = net
        .layers
        .iter()
        .find(|l| l.name == "li")
        .expect("li layer");
    assert!(matches!(li.neuron, Neuron::CubaLi { .. }));
    // The Delay after the CubaLIF becomes that projection's per-source delays.
    assert_eq!(li.inputs.len(), 1);
    assert_eq!(li.inputs[0].source_delay, vec![0, 1, 2, 3, 0, 2]);
    // A spiking layer with delays that were dropped would fail the membrane check above; the
    // traces also need some activity to mean anything.
    let lif = net
        .layers
        .iter()
        .find(|l| l.name == "lif")
        .expect("lif layer");
    assert!(lif.inputs[0].source_delay.is_empty());
}

#[test]
fn delay_after_input_and_euler_cubali_match_the_numpy_emulator() {
    let Some(net) = check_sim_case("delay_input_euler") else {
        return;
    };
    let lif = net
        .layers
        .iter()
        .find(|l| l.name == "lif")
        .expect("lif layer");
    assert_eq!(lif.inputs[0].source_delay, vec![0, 1, 2, 3, 1]);
    // Euler's CubaLI membrane reads the previous current: its input is fed one step late.
    let li = net
        .layers
        .iter()
        .find(|l| l.name == "li")
        .expect("li layer");
    assert_eq!(li.inputs[0].source_delay, vec![1; 4]);
}
