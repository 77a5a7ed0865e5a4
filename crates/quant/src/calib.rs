//! Calibration data: the input, the float engine's trace of it, and optional labels.

use spikeloom_float::{simulate, FloatNet, FloatTrace};
use spikeloom_qnet::SpikeSteps;

use crate::error::QuantError;

/// Sample inputs with their float trace; ranges, saturations and agreement are measured on it.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Input values `[T][N][input_size]`: binary spikes or graded values (build it with
    /// `SpikeSteps::graded(.., 8)` to accept any u8; the quantizer picks `input_bits` from it).
    pub input: SpikeSteps,
    /// The float engine's trace of `input` (every layer).
    pub float: FloatTrace,
    /// Class of each sample, for accuracy (spike-count argmax of the output layer).
    pub labels: Option<Vec<usize>>,
}

impl Calibration {
    /// Wraps given data after checking that its shapes match `net`.
    pub fn new(
        net: &FloatNet,
        input: SpikeSteps,
        float: FloatTrace,
        labels: Option<Vec<usize>>,
    ) -> Result<Self, QuantError> {
        let bad = |m: String| Err(QuantError::Calibration(m));
        if input.width() != net.input_size {
            return bad(format!(
                "input has {} features, the network expects {}",
                input.width(),
                net.input_size
            ));
        }
        if (float.steps, float.samples) != (input.steps(), input.samples()) {
            return bad(format!(
                "float trace is {} steps x {} samples but the input is {} x {}",
                float.steps,
                float.samples,
                input.steps(),
                input.samples()
            ));
        }
        if float.layers.len() != net.layers.len() {
            return bad(format!(
                "float trace has {} layers, the network {}",
                float.layers.len(),
                net.layers.len()
            ));
        }
        let rows = input.steps() * input.samples();
        for (l, t) in net.layers.iter().zip(&float.layers) {
            let n = rows * l.size;
            let current_ok = t.current.as_ref().is_none_or(|c| c.len() == n);
            if t.size != l.size || t.spikes.len() != n || t.membrane.len() != n || !current_ok {
                return bad(format!(
                    "float trace of layer `{}` does not have shape [{}, {}, {}]",
                    l.name,
                    input.steps(),
                    input.samples(),
                    l.size
                ));
            }
        }
        if let Some(labels) = &labels {
            if labels.len() != input.samples() {
                return bad(format!(
                    "{} labels for {} samples",
                    labels.len(),
                    input.samples()
                ));
            }
        }
        Ok(Self {
            input,
            float,
            labels,
        })
    }

    /// Runs the float engine on `input` to build the calibration set.
    pub fn simulate(
        net: &FloatNet,
        input: SpikeSteps,
        labels: Option<Vec<usize>>,
    ) -> Result<Self, QuantError> {
        let float = simulate(net, &input)?;
        Self::new(net, input, float, labels)
    }
}
