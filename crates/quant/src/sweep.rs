//! `sweep`: quantize at every (weight_bits, state_bits) pair and tabulate the cost.

use serde::{Deserialize, Serialize};
use spikeloom_float::FloatNet;
use spikeloom_qnet::{QNet, QNeuron};

use crate::calib::Calibration;
use crate::config::QuantConfig;
use crate::error::QuantError;
use crate::quantize::quantize;

/// One point of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Default weight width used.
    pub weight_bits: u32,
    /// Default state width used.
    pub state_bits: u32,
    /// Fixed-point accuracy (when the calibration has labels).
    pub accuracy: Option<f64>,
    /// Pooled spike agreement with float over spiking layers.
    pub spike_agreement: Option<f64>,
    /// Weight memory + neuron state: `Σ weights·weight_bits + Σ neurons·(state_bits [+ current_bits])`.
    pub memory_bits: u64,
}

/// Quantizes `net` once per `(weight_bits, state_bits)` pair, setting the model defaults;
/// `base`'s op and layer overrides still win. Labels come from `calib.labels`.
pub fn sweep(
    net: &FloatNet,
    calib: &Calibration,
    base: &QuantConfig,
    weight_bits: &[u32],
    state_bits: &[u32],
) -> Result<Vec<SweepRow>, QuantError> {
    let mut rows = Vec::new();
    for &wb in weight_bits {
        for &sb in state_bits {
            let mut cfg = base.clone();
            cfg.default.weight_bits = Some(wb);
            cfg.default.state_bits = Some(sb);
            let (q, report) = quantize(net, Some(calib), &cfg)?;
            rows.push(SweepRow {
                weight_bits: wb,
                state_bits: sb,
                accuracy: report.fixed_accuracy,
                spike_agreement: report.spike_agreement,
                memory_bits: memory_bits(&q),
            });
        }
    }
    Ok(rows)
}

/// Bits of weight and neuron-state storage of `q`.
pub fn memory_bits(q: &QNet) -> u64 {
    q.layers
        .iter()
        .map(|l| {
            let weights: u64 = l.inputs.iter().map(|p| p.weight.len() as u64).sum();
            let per_neuron = u64::from(l.state_bits)
                + match &l.neuron {
                    QNeuron::CubaLif { current_bits, .. } => u64::from(*current_bits),
                    _ => 0,
                };
            weights * u64::from(l.weight_bits) + l.size as u64 * per_neuron
        })
        .sum()
}
