//! Loading user data: spike inputs (`.npy`, time-major) and labels.

use anyhow::{bail, Context, Result};
use spikeloom_npy::{read_npy, NpyData};
use std::path::Path;

/// Binary spike input, time-major: `data[(t * n + sample) * f + feature]` is 0 or 1.
#[derive(Debug, Clone)]
pub struct Spikes {
    /// Time steps.
    pub t: usize,
    /// Samples.
    pub n: usize,
    /// Features per step.
    pub f: usize,
    /// 0/1 values.
    pub data: Vec<u8>,
}

impl Spikes {
    /// The features of one sample at one step.
    pub fn step(&self, t: usize, sample: usize) -> &[u8] {
        let at = (t * self.n + sample) * self.f;
        &self.data[at..at + self.f]
    }

    /// Keep only the first `n` samples.
    pub fn take_samples(&self, n: usize) -> Spikes {
        let n = n.min(self.n);
        let mut data = Vec::with_capacity(self.t * n * self.f);
        for t in 0..self.t {
            for s in 0..n {
                data.extend_from_slice(self.step(t, s));
            }
        }
        Spikes {
            t: self.t,
            n,
            f: self.f,
            data,
        }
    }
}

/// Read `[T, N, F]` or `[T, F]` uint8/bool spikes and check they are binary and `F` matches.
pub fn load_spikes(path: &Path, expected_features: usize) -> Result<Spikes> {
    load_input(path, expected_features, false)
}

/// Like `load_spikes` but accepts graded input values (any uint8: event counts or intensities);
/// the engines check them against the network's `input_bits`.
pub fn load_graded(path: &Path, expected_features: usize) -> Result<Spikes> {
    load_input(path, expected_features, true)
}

fn load_input(path: &Path, expected_features: usize, graded: bool) -> Result<Spikes> {
    let array = read_npy(path)?;
    let (t, n, f) = match array.shape.as_slice() {
        [t, n, f] => (*t, *n, *f),
        [t, f] => (*t, 1, *f),
        other => bail!(
            "{}: input must be time-major [T, N, F] or [T, F] spikes, got shape {other:?}",
            path.display()
        ),
    };
    let data = match array.data {
        NpyData::U8(v) | NpyData::Bool(v) => v,
        other => bail!(
            "{}: input dtype is {} but spikes must be uint8 or bool (0/1, or 0..255 graded \
             values where the command takes them); convert with x.astype(np.uint8)",
            path.display(),
            other.descr()
        ),
    };
    if let Some(pos) = data.iter().position(|&v| v > 1 && !graded) {
        let (step, rest) = (pos / (n * f), pos % (n * f));
        bail!(
            "{}: value {} at step {step}, sample {}, feature {} is not a spike (0/1); \
             rate-code or threshold the data first (quantize and simulate take graded values)",
            path.display(),
            data[pos],
            rest / f,
            rest % f
        );
    }
    if f != expected_features {
        bail!(
            "{}: input has {f} features per step but the model's input layer has {expected_features}",
            path.display()
        );
    }
    if t == 0 || n == 0 {
        bail!(
            "{}: input is empty (shape {:?})",
            path.display(),
            array.shape
        );
    }
    Ok(Spikes { t, n, f, data })
}

/// Read integer class labels `[N]`.
pub fn load_labels(path: &Path, n: usize) -> Result<Vec<i64>> {
    let array = read_npy(path)?;
    let labels = array
        .data
        .to_i64()
        .with_context(|| format!("{}: labels must be integers", path.display()))?;
    if array.shape.len() != 1 || labels.len() != n {
        bail!(
            "{}: labels must have shape [{n}] (one per input sample), got {:?}",
            path.display(),
            array.shape
        );
    }
    Ok(labels)
}

/// Spike-count argmax per sample (ties go to the lowest index), and accuracy against labels.
pub fn accuracy(counts: &[Vec<u32>], labels: &[i64]) -> f64 {
    let correct = counts
        .iter()
        .zip(labels)
        .filter(|(c, &l)| {
            let best =
                c.iter().enumerate().fold(
                    (0usize, 0u32),
                    |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
                );
            i64::try_from(best.0).ok() == Some(l)
        })
        .count();
    correct as f64 / labels.len().max(1) as f64
}
