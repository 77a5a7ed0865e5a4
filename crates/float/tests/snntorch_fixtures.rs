//! The float engine against snnTorch itself: for every trained-model fixture in
//! `tests/fixtures/models/<name>/` (model.nir exported by snnTorch, input.npy — 0/1 spikes, or
//! pixel values 0..16 for the graded-input model `graded` — and the spikes,
//! membranes and currents recorded from the snnTorch run), lower the NIR file with the
//! fixture's reset settings and require 100 % spike agreement and membranes within float
//! rounding, for every layer, sample and step.

mod common;

use spikeloom_qnet::SpikeSteps;
use std::path::{Path, PathBuf};

use common::npy;
use serde_json::Value;
use spikeloom_float::{lower, simulate, Convention, ResetMode, SemanticsOptions, SettingSource};

/// State tolerance: `|got - want| <= REL * |want| + SCALE * max|want over the layer|`. The
/// second term covers values that are small after cancellation (U = βU + X − θ): torch's matmul
/// sums in a kernel-dependent order (it even changes with the batch size), so X may differ by
/// an ulp of its own magnitude, not of U's.
const REL: f64 = 1e-5;
const SCALE: f64 = 1e-6;

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models")
}

/// Settings shared by every layer of the model (the exporter does not store them).
fn options(meta: &Value) -> SemanticsOptions {
    let layers = meta["layers"].as_array().expect("meta.layers");
    let reset = layers[0]["reset_mechanism"]
        .as_str()
        .expect("reset_mechanism");
    let delay = layers[0]["reset_delay"].as_bool().expect("reset_delay");
    for l in layers {
        assert_eq!(
            l["reset_mechanism"].as_str(),
            Some(reset),
            "mixed reset mechanisms are not modelled by one option"
        );
        assert_eq!(l["reset_delay"].as_bool(), Some(delay));
    }
    SemanticsOptions {
        reset: ResetMode::parse(reset),
        reset_delay: Some(delay),
        ..Default::default()
    }
}

/// Compares one model; returns a one-line report.
fn check_model(dir: &Path) -> String {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let file = spikeloom_nir::read(dir.join("model.nir"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let net =
        lower(&file.graph, &options(&meta)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    // snnTorch's parameters (r = tau/1e-4) are recognised as its fingerprint.
    assert_eq!(net.semantics.convention, Convention::Snntorch);
    let source = &net.semantics.provenance[0];
    assert!(
        source.0 == "convention"
            && matches!(&source.1, SettingSource::Fingerprint(why) if why.starts_with("r = tau/1e-4")),
        "{} {source:?}",
        dir.display()
    );
    let input = npy(dir, "input.npy");
    let [t, n, f] = input.shape[..] else {
        panic!("input.npy must be [T, N, F], got {:?}", input.shape)
    };
    let data: Vec<u8> = input
        .data
        .to_i64()
        .expect("integer input")
        .into_iter()
        .map(|v| v as u8)
        .collect();
    let trace = simulate(&net, &SpikeSteps::graded(t, n, f, data, 8).unwrap()).unwrap();

    let mut report = format!("{}:", dir.file_name().unwrap().to_string_lossy());
    for layer in meta["layers"].as_array().unwrap() {
        let node = layer["nir_node"].as_str().unwrap();
        let stem = layer["file_name"].as_str().unwrap();
        let got = trace
            .layers
            .iter()
            .find(|l| l.name == node)
            .unwrap_or_else(|| panic!("no layer {node}"));
        let want_spk = npy(dir, &format!("expected_spikes_{stem}.npy"))
            .data
            .to_f64();
        let want_mem = npy(dir, &format!("expected_mem_{stem}.npy")).data.to_f64();
        assert_eq!(want_spk.len(), got.spikes.len(), "{node}: trace size");
        let spike_mismatch = got
            .spikes
            .iter()
            .zip(&want_spk)
            .filter(|(a, b)| f64::from(**a) != **b)
            .count();
        let (mem_bad, mem_max) = common::compare(&got.membrane, &want_mem, REL, SCALE);
        let mut line = format!(
            " {node}: spikes {}/{} agree ({} spikes), membrane max |diff| {mem_max:.3e}",
            want_spk.len() - spike_mismatch,
            want_spk.len(),
            want_spk.iter().filter(|v| **v != 0.0).count()
        );
        let syn_file = dir.join(format!("expected_syn_{stem}.npy"));
        let mut syn_bad = 0;
        if syn_file.exists() {
            let want_syn = npy(dir, &format!("expected_syn_{stem}.npy")).data.to_f64();
            let (bad, max) = common::compare(
                got.current.as_deref().expect("current trace"),
                &want_syn,
                REL,
                SCALE,
            );
            syn_bad = bad;
            line += &format!(", current max |diff| {max:.3e}");
        }
        report += &line;
        assert_eq!(spike_mismatch, 0, "{report}");
        assert_eq!(mem_bad, 0, "{report}: membrane outside tolerance");
        assert_eq!(syn_bad, 0, "{report}: current outside tolerance");
    }
    report
}

/// Checks every case folder under `root`; returns how many there were. A missing `root` fails:
/// a test that needs the fixtures must not pass without them.
fn check_all(root: &Path) -> usize {
    let entries = std::fs::read_dir(root).unwrap_or_else(|e| {
        panic!(
            "no fixture models at {} ({e}); regenerate them with tests/fixtures/gen/run.sh",
            root.display()
        )
    });
    let mut dirs: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("meta.json").exists())
        .collect();
    dirs.sort();
    for dir in &dirs {
        eprintln!("{}", check_model(dir));
    }
    dirs.len()
}

/// The trained-model fixtures shared by the whole project: every folder with a meta.json.
#[test]
fn every_fixture_model_matches_snntorch() {
    let checked = check_all(&models_dir());
    assert_eq!(checked, FIXTURES.len(), "{}", models_dir().display());
}

/// The fixture folders of tests/fixtures/models: the digits models of make_models.py and
/// make_cnn.py, and the anchor-scale models of make_scale.py (braille: the NIR paper's Braille
/// RSynaptic network, 2,166 synapses; mnist_mlp: 784-128-10, 101,632 synapses; shd_rleaky:
/// 700-RLeaky(128)-20, 108,544 synapses).
const FIXTURES: [&str; 11] = [
    "braille",
    "cnn",
    "graded",
    "lif_single",
    "mlp_subtract",
    "mlp_subtract_nodelay",
    "mlp_zero",
    "mnist_mlp",
    "rleaky",
    "shd_rleaky",
    "synaptic",
];

/// The folder list is what the project expects: a missing fixture fails instead of passing
/// with fewer cases.
#[test]
fn every_expected_fixture_folder_is_present() {
    assert_eq!(common::fixture_folders(&models_dir()), FIXTURES);
}

/// The graded-input fixture (`graded`): input events carry the pixel value 0..16 as the input
/// current, so the first layer adds `value * W` per event instead of `W`.
#[test]
fn graded_input_fixture_matches_snntorch() {
    let dir = models_dir().join("graded");
    let input = npy(&dir, "input.npy");
    let values = input.data.to_i64().expect("integer input");
    let max = values.iter().copied().max().unwrap_or(0);
    assert_eq!(max, 16, "graded/input.npy must hold raw pixel values 0..16");
    assert!(
        values.iter().any(|v| *v > 1 && *v < 16),
        "graded/input.npy has no intermediate values"
    );
    eprintln!("{}", check_model(&dir));
}

/// This crate's own small snnTorch cases: every reset mode x reset delay for Leaky, Synaptic,
/// RLeaky and RSynaptic (generated by tests/data/gen_snn_cases.py).
#[test]
fn every_reset_mode_matches_snntorch() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/snn_cases");
    assert_eq!(
        check_all(&root),
        12,
        "expected the 12 generated cases in {}",
        root.display()
    );
}
