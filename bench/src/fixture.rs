//! Loading a model (NIR file + optional input/labels) through the real pipeline.

use std::path::{Path, PathBuf};

use spikeloom_float::{FloatNet, SemanticsOptions};
use spikeloom_npy::{read_npy, NpyData};
use spikeloom_qnet::SpikeSteps;

/// Error text of the bench (a binary helper; messages say which file).
pub type BenchError = String;

/// The repository root (the bench crate sits in `bench/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Folder of a trained fixture.
pub fn fixture_dir(name: &str) -> PathBuf {
    let models = repo_root().join("tests/fixtures/models").join(name);
    if models.is_dir() {
        return models;
    }
    repo_root().join("tests/fixtures/exporters").join(name)
}

/// Read + validate + flatten + lower a NIR file. NIR does not store snnTorch's reset settings:
/// for a fixture they come from the `meta.json` beside the model (as the exporter used them),
/// otherwise snnTorch's defaults apply.
pub fn load_float(path: &Path) -> Result<FloatNet, BenchError> {
    let file = spikeloom_nir::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    spikeloom_nir::validate(&file.graph).map_err(|e| format!("{}: {e}", path.display()))?;
    let flat = spikeloom_nir::flatten_subgraphs(&file.graph)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    spikeloom_float::lower(&flat, &fixture_semantics(path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The settings a fixture's `meta.json` records (first layer's reset, the exporter's
/// convention), or the defaults.
fn fixture_semantics(model: &Path) -> SemanticsOptions {
    let meta = model.with_file_name("meta.json");
    let Some(v) = std::fs::read_to_string(&meta)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    else {
        return SemanticsOptions::default();
    };
    let layer = &v["layers"][0];
    // an exporter fixture names the convention its library's export needs (`--semantics`)
    let (convention, norse) = v["semantics_option"]
        .as_str()
        .and_then(spikeloom_float::parse_convention)
        .map_or((None, None), |(c, n)| (Some(c), n));
    SemanticsOptions {
        reset: layer["reset_mechanism"]
            .as_str()
            .and_then(spikeloom_float::ResetMode::parse),
        reset_delay: layer["reset_delay"].as_bool(),
        convention,
        norse,
        ..SemanticsOptions::default()
    }
}

/// Input spikes `[T][N][F]` and labels of a fixture folder.
pub fn load_input(dir: &Path) -> Result<(SpikeSteps, Vec<usize>), BenchError> {
    let p = dir.join("input.npy");
    let x = read_npy(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let NpyData::U8(data) = x.data else {
        return Err(format!("{}: expected uint8 spikes", p.display()));
    };
    let [t, n, f] = x.shape[..] else {
        return Err(format!("{}: expected shape [T, N, F]", p.display()));
    };
    let steps = SpikeSteps::new(t, n, f, data).map_err(|e| e.to_string())?;
    let p = dir.join("labels.npy");
    let y = read_npy(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let labels = y
        .data
        .to_i64()
        .ok_or(format!("{}: labels are not integers", p.display()))?
        .into_iter()
        .map(|v| v as usize)
        .collect();
    Ok((steps, labels))
}
