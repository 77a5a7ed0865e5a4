//! Helpers shared by the fixture tests: reading expected arrays and the membrane tolerance check.

use spikeloom_float::SpikeInput;
use spikeloom_npy::{read_npy, NpyArray};
use std::path::Path;

/// Read `dir/file`, panicking with the path on error.
pub fn npy(dir: &Path, file: &str) -> NpyArray {
    read_npy(&dir.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

/// `dir/file`, an integer `[T, N, F]` `.npy`, as the float engine's input.
#[allow(dead_code)] // not every test file that shares this module uses it
pub fn spike_input(dir: &Path, file: &str) -> SpikeInput {
    let a = npy(dir, file);
    let [t, n, f] = a.shape[..] else {
        panic!(
            "{}/{file} must be [T, N, F], got {:?}",
            dir.display(),
            a.shape
        )
    };
    let data = a.data.to_i64().expect("integer input");
    SpikeInput::new(t, n, f, data.into_iter().map(|v| v as u8).collect()).unwrap()
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
