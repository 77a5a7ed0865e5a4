//! Helpers shared by the fixture tests: reading expected arrays, the membrane tolerance check and
//! the list of fixture folders.

// Each test binary that includes this module uses a subset of it.
#![allow(dead_code)]

use spikeloom_npy::{read_npy, NpyArray};
use spikeloom_qnet::SpikeSteps;
use std::path::Path;

/// Read `dir/file`, panicking with the path on error.
pub fn npy(dir: &Path, file: &str) -> NpyArray {
    read_npy(&dir.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

/// `dir/file`, an integer `[T, N, F]` `.npy`, as the float engine's input.
#[allow(dead_code)] // not every test file that shares this module uses it
pub fn spike_input(dir: &Path, file: &str) -> SpikeSteps {
    spike_input_first(dir, file, usize::MAX)
}

/// The first `keep` samples (all when the file holds fewer) of a time-major `[T, N, F]` spike
/// file.
pub fn spike_input_first(dir: &Path, file: &str, keep: usize) -> SpikeSteps {
    let a = npy(dir, file);
    let [t, n, f] = a.shape[..] else {
        panic!(
            "{}/{file} must be [T, N, F], got {:?}",
            dir.display(),
            a.shape
        )
    };
    let data = a.data.to_i64().expect("integer input");
    let keep = keep.min(n);
    let data = (0..t)
        .flat_map(|step| &data[step * n * f..][..keep * f])
        .map(|&v| v as u8)
        .collect();
    SpikeSteps::graded(t, keep, f, data, 8).unwrap()
}

/// How many values of `got` lie outside `rel * |want| + scale * max|want|`, and the largest
/// absolute difference. The scale term allows for small values left after a threshold
/// subtraction, whose relative error is large though their absolute error is an ulp of X.
pub fn compare(got: &[f32], want: &[f64], rel: f64, scale: f64) -> (usize, f64) {
    assert_eq!(got.len(), want.len(), "trace sizes differ");
    let peak = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    let mut bad = 0;
    let mut max = 0.0f64;
    for (g, w) in got.iter().zip(want) {
        let d = (f64::from(*g) - w).abs();
        max = max.max(d);
        if d > rel * w.abs() + scale * peak {
            bad += 1;
        }
    }
    (bad, max)
}

/// The sorted names of the folders under `root` that hold a meta.json (one fixture each).
pub fn fixture_folders(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| root.join(n).join("meta.json").exists())
        .collect();
    names.sort();
    names
}
