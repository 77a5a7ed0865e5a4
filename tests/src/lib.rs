//! Shared helpers of the workspace-level integration tests (`tests/tests/*.rs`): loading the
//! trained fixtures of `tests/fixtures/models/` through the whole software chain.

use spikeloom_float::{Convention, FloatNet, FloatTrace, ResetMode, SemanticsOptions, SpikeMode};
use spikeloom_npy::NpyData;
use spikeloom_qnet::SpikeSteps;
use std::path::{Path, PathBuf};

/// The trained fixture folders.
pub const MODELS: &[&str] = &[
    "lif_single",
    "mlp_subtract",
    "mlp_zero",
    "mlp_subtract_nodelay",
    "rleaky",
    "synaptic",
    "cnn",
    "graded",
];

/// The fixtures of the other exporters (`tests/fixtures/exporters/`, simulated by each library)
/// that have an integer contract; Spyx is refused by the quantizer (crates/quant/src/quantize.rs).
pub const EXPORTERS: &[&str] = &[
    "norse_lifbox",
    "sinabs_lif",
    "sinabs_iaf",
    "sinabs_single",
    "rockpool_lif",
    "spikingjelly_mlp",
    "spikingjelly_cuba",
];

/// Repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One fixture, loaded and lowered with the settings its meta.json records.
pub struct Fixture {
    /// Folder name.
    pub name: String,
    /// The lowered float network.
    pub net: FloatNet,
    /// Input events `[T][N][F]`: binary spikes, or graded values (the `graded` fixture).
    pub input: SpikeSteps,
    /// Labels, one per sample (empty for the untrained exporter fixtures).
    pub labels: Vec<usize>,
}

/// The first `keep` samples of a `[T][N][F]` uint8 array, as graded input (any u8).
fn first_samples(path: &Path, keep: usize) -> SpikeSteps {
    let input = spikeloom_npy::read_npy(path).expect("input.npy");
    let (t, n, f) = (input.shape[0], input.shape[1], input.shape[2]);
    let keep = keep.min(n);
    let data: Vec<u8> = match input.data {
        NpyData::U8(d) => d,
        other => other
            .to_i64()
            .expect("integer input")
            .into_iter()
            .map(|v| u8::try_from(v).expect("input values fit u8"))
            .collect(),
    };
    let mut kept = Vec::with_capacity(t * keep * f);
    for step in 0..t {
        kept.extend_from_slice(&data[step * n * f..(step * n + keep) * f]);
    }
    SpikeSteps::graded(t, keep, f, kept, 8).expect("input shape")
}

impl Fixture {
    /// Load `tests/fixtures/models/<name>`, keeping the first `samples` samples.
    pub fn load(name: &str, samples: usize) -> Fixture {
        let dir = root().join("tests/fixtures/models").join(name);
        let meta: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("meta.json")).expect("meta.json"),
        )
        .expect("meta.json is JSON");
        let layer0 = &meta["layers"][0];
        let opts = SemanticsOptions {
            reset: ResetMode::parse(layer0["reset_mechanism"].as_str().expect("reset")),
            reset_delay: layer0["reset_delay"].as_bool(),
            ..SemanticsOptions::default()
        };
        let file = spikeloom_nir::read(dir.join("model.nir")).expect("model.nir reads");
        let net = spikeloom_float::lower(&file.graph, &opts).expect("model lowers");
        let input = first_samples(&dir.join("input.npy"), samples);
        let keep = input.samples();
        let labels = spikeloom_npy::read_npy(&dir.join("labels.npy")).expect("labels.npy");
        let labels = labels.data.to_i64().expect("integer labels");
        Fixture {
            name: name.to_string(),
            net,
            input,
            labels: labels[..keep].iter().map(|&l| l as usize).collect(),
        }
    }

    /// Every trained fixture (`MODELS`) and then every exporter fixture (`EXPORTERS`).
    pub fn all(samples: usize) -> Vec<Fixture> {
        MODELS
            .iter()
            .map(|m| Fixture::load(m, samples))
            .chain(EXPORTERS.iter().map(|e| Fixture::load_exporter(e, samples)))
            .collect()
    }

    /// The labels as a calibration wants them (`None` for the unlabelled exporter fixtures).
    pub fn label_option(&self) -> Option<Vec<usize>> {
        (!self.labels.is_empty()).then(|| self.labels.clone())
    }

    /// Load `tests/fixtures/exporters/<name>` with the convention its meta.json names
    /// (`semantics_option`), keeping the first `samples` samples.
    pub fn load_exporter(name: &str, samples: usize) -> Fixture {
        let dir = root().join("tests/fixtures/exporters").join(name);
        let meta: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("meta.json")).expect("meta.json"),
        )
        .expect("meta.json is JSON");
        let convention = meta["semantics_option"]
            .as_str()
            .and_then(Convention::parse)
            .expect("meta.json names a convention");
        // `--spike-mode` where the fixture needs one (sinabs_single: SingleSpike layers).
        let spike_mode = meta["spike_mode_option"]
            .as_str()
            .map(|m| SpikeMode::parse(m).expect("meta.json names a spike mode"));
        let opts = SemanticsOptions {
            convention: Some(convention),
            spike_mode,
            ..SemanticsOptions::default()
        };
        let file = spikeloom_nir::read(dir.join("model.nir")).expect("model.nir reads");
        let net = spikeloom_float::lower(&file.graph, &opts).expect("model lowers");
        Fixture {
            name: name.to_string(),
            net,
            input: first_samples(&dir.join("input.npy"), samples),
            labels: Vec::new(),
        }
    }

    /// The float engine's trace of the input.
    pub fn float_trace(&self) -> FloatTrace {
        spikeloom_float::simulate(&self.net, &self.input).expect("float simulation")
    }
}
