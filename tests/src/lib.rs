//! Shared helpers of the workspace-level integration tests (`tests/tests/*.rs`): loading the
//! trained fixtures of `tests/fixtures/models/` through the whole software chain.

use spikeloom_float::{FloatNet, FloatTrace, ResetMode, SemanticsOptions, SpikeInput};
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
    /// Input spikes `[T][N][F]`.
    pub input: SpikeSteps,
    /// Labels, one per sample.
    pub labels: Vec<usize>,
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
        let input = spikeloom_npy::read_npy(&dir.join("input.npy")).expect("input.npy");
        let (t, n, f) = (input.shape[0], input.shape[1], input.shape[2]);
        let keep = samples.min(n);
        let NpyData::U8(data) = input.data else {
            panic!("input.npy is uint8")
        };
        let mut kept = Vec::with_capacity(t * keep * f);
        for step in 0..t {
            kept.extend_from_slice(&data[step * n * f..(step * n + keep) * f]);
        }
        let labels = spikeloom_npy::read_npy(&dir.join("labels.npy")).expect("labels.npy");
        let labels = labels.data.to_i64().expect("integer labels");
        Fixture {
            name: name.to_string(),
            net,
            input: SpikeSteps::new(t, keep, f, kept).expect("binary input"),
            labels: labels[..keep].iter().map(|&l| l as usize).collect(),
        }
    }

    /// The float engine's trace of the input.
    pub fn float_trace(&self) -> FloatTrace {
        let i = &self.input;
        let si = SpikeInput::new(i.steps(), i.samples(), i.width(), i.data().to_vec())
            .expect("input shape");
        spikeloom_float::simulate(&self.net, &si).expect("float simulation")
    }
}
