//! Helpers shared by the fixture tests: reading expected arrays, the membrane tolerance check and
//! the list of fixture folders.

// Each test binary that includes this module uses a subset of it.
#![allow(dead_code)]

use spikeloom_npy::{read_npy, NpyArray};
use std::path::Path;

/// Read `dir/file`, panicking with the path on error.
pub fn npy(dir: &Path, file: &str) -> NpyArray {
    read_npy(&dir.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
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
