//! Writing simulation results: `.npz` with `spikes` `[T, N, O]` uint8 and `v` `[T, N, O]`.

use anyhow::{Context, Result};
use spikeloom_npy::{write_npz, NpyArray, NpyData};
use std::path::Path;

/// Output-layer results of any engine, time-major.
pub struct EngineOutput {
    /// Time steps.
    pub t: usize,
    /// Samples.
    pub n: usize,
    /// Output neurons.
    pub o: usize,
    /// Spikes `[T, N, O]`.
    pub spikes: Vec<u8>,
    /// Membrane `[T, N, O]`: float32 (float engine) or raw int32 with a scale.
    pub v: Membrane,
    /// Extra arrays to store (e.g. cycles per step).
    pub extra: Vec<(String, NpyArray)>,
}

/// Membrane values of the output layer.
pub enum Membrane {
    /// Float engine values.
    Float(Vec<f32>),
    /// Integer engines: raw state LSBs and the value of one LSB.
    Fixed {
        /// Raw values.
        raw: Vec<i32>,
        /// Float value of one LSB.
        scale: f64,
    },
}

impl EngineOutput {
    /// Spike count per output neuron for each sample.
    pub fn counts(&self) -> Vec<Vec<u32>> {
        let mut counts = vec![vec![0u32; self.o]; self.n];
        for t in 0..self.t {
            for (s, row) in counts.iter_mut().enumerate() {
                let at = (t * self.n + s) * self.o;
                for (c, &spk) in row.iter_mut().zip(&self.spikes[at..at + self.o]) {
                    *c += u32::from(spk);
                }
            }
        }
        counts
    }

    /// Write the `.npz`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let shape = vec![self.t, self.n, self.o];
        let spikes = NpyArray {
            shape: shape.clone(),
            data: NpyData::U8(self.spikes.clone()),
        };
        let mut arrays: Vec<(String, NpyArray)> = vec![("spikes".into(), spikes)];
        match &self.v {
            Membrane::Float(v) => {
                arrays.push((
                    "v".into(),
                    NpyArray {
                        shape,
                        data: NpyData::F32(v.clone()),
                    },
                ));
            }
            Membrane::Fixed { raw, scale } => {
                arrays.push((
                    "v".into(),
                    NpyArray {
                        shape,
                        data: NpyData::I32(raw.clone()),
                    },
                ));
                arrays.push((
                    "v_scale".into(),
                    NpyArray {
                        shape: vec![],
                        data: NpyData::F64(vec![*scale]),
                    },
                ));
            }
        }
        for (name, a) in &self.extra {
            arrays.push((name.clone(), a.clone()));
        }
        let refs: Vec<(&str, &NpyArray)> = arrays.iter().map(|(n, a)| (n.as_str(), a)).collect();
        write_npz(path, &refs).with_context(|| format!("writing {}", path.display()))
    }
}
