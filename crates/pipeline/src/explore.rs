//! `explore`'s set-up: the sample and its labels read once, the float network calibrated on
//! it once, then every point of the sweep ([`crate::sweep`]: quantize, plan, cycle model on
//! worker threads).

use crate::error::{Error, Result};
use crate::input::{load_labels, load_steps, ModelInput};
use crate::model::quant_config;
use crate::session::Session;
use crate::sweep::{explore_with, ExploreModel, Point, Space, Workers};
use spikeloom_board::Device;
use spikeloom_qnet::SpikeSteps;
use std::path::Path;

/// The sample a sweep runs: the first `samples` of a time-major input file, with labels.
#[derive(Debug, Clone, Copy)]
pub struct ExploreSample<'a> {
    /// Input file (`.npy` or `x.npz:name`).
    pub input: &'a Path,
    /// Samples used (the first ones).
    pub samples: usize,
    /// Labels `[N]` of the file: accuracy per point.
    pub labels: Option<&'a Path>,
}

impl Session<'_> {
    /// Measure every point of `space` on `device` for the session's model (a `.q.json` at its
    /// pinned widths, a `.nir` quantized at each point's).
    pub fn explore(
        &self,
        device: &Device,
        space: &Space,
        sample: ExploreSample<'_>,
        workers: Workers<'_>,
    ) -> Result<Vec<Point>> {
        let points = if self.config().is_qnet() {
            let (sample, labels) = read_sample(sample, &self.model_input()?)?;
            explore_with(
                ExploreModel::Fixed(&self.quantized()?.qnet),
                device,
                space,
                &sample,
                labels.as_deref(),
                workers,
            )
        } else {
            let (sample, labels) = read_sample(sample, &self.model_input()?)?;
            let labels_i64: Option<Vec<i64>> = labels
                .as_ref()
                .map(|l| l.iter().map(|&v| v as i64).collect());
            let calib = self.calibration(&sample, labels_i64.as_deref())?;
            let base = quant_config(&self.config().quant)?;
            explore_with(
                ExploreModel::Float {
                    net: self.float_net()?,
                    calib: &calib,
                    base: &base,
                },
                device,
                space,
                &sample,
                labels.as_deref(),
                workers,
            )
        }?;
        Ok(points)
    }
}

/// The sample as the engines take it (any u8 value), and its labels.
fn read_sample(
    sample: ExploreSample<'_>,
    input: &ModelInput,
) -> Result<(SpikeSteps, Option<Vec<usize>>)> {
    let all = load_steps(sample.input, input)?;
    let s = all.take_samples(sample.samples);
    let labels = match sample.labels {
        Some(p) => {
            let l = load_labels(p, all.samples())?;
            Some(
                l[..s.samples()]
                    .iter()
                    .map(|&v| usize::try_from(v).unwrap_or(usize::MAX))
                    .collect(),
            )
        }
        None => None,
    };
    // Graded values are checked against each candidate's input_bits by the engines.
    if s.samples() == 0 {
        return Err(Error::input("the sample is empty"));
    }
    Ok((s, labels))
}
