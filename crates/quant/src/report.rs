//! `QuantReport`: what quantization cost, per layer and overall (serializable, with a text form).

use std::fmt::{self, Display, Formatter};

use serde::{Deserialize, Serialize};

use crate::config::{LayerPrecision, OpKind};

/// One layer's quantization record. Errors are in float units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    /// Layer (NIR neuron node) name.
    pub name: String,
    /// Neuron model.
    pub kind: OpKind,
    /// Resolved widths and rounding.
    pub precision: LayerPrecision,
    /// Chosen shift from weight to state units.
    pub weight_shift: u32,
    /// Float value of one weight code.
    pub weight_lsb: f64,
    /// Float value of one state code.
    pub state_lsb: f64,
    /// `calibration` or `estimate`.
    pub range_source: String,
    /// Float magnitude the state register had to hold (before headroom).
    pub state_range: f64,
    /// False when even `weight_shift = 0` could not hold it with max-abs weight scaling: the
    /// weight LSB was then enlarged so the range fits (fewer effective weight bits).
    pub range_fits: bool,
    /// Number of weights.
    pub weights: usize,
    /// Weights clamped to the code range.
    pub clipped_weights: usize,
    /// Largest |w - w_q * weight_lsb|.
    pub max_weight_error: f64,
    /// Largest |theta - theta_q * state_lsb| (0 for Li).
    pub max_threshold_error: f64,
    /// Largest |bias - bias_q * state_lsb|.
    pub max_bias_error: f64,
    /// Largest |decay - decay_q / 2^decay_shift| over alpha and beta.
    pub max_decay_error: f64,
    /// Thresholds, v_reset or biases clamped to the state range.
    pub clipped_params: usize,
    /// Decays outside [0, 1] clamped (as snnTorch clamps them every step).
    pub clamped_decays: usize,
    /// Membrane saturations on the calibration input.
    pub state_saturations: Option<u64>,
    /// Current saturations on the calibration input (CubaLif, CubaLi).
    pub current_saturations: Option<u64>,
    /// Spike-count width of a multi-spike (`QFire::Count`) layer; `None` for binary spikes.
    #[serde(default)]
    pub spike_bits: Option<u32>,
    /// Spike counts clamped to `2^spike_bits - 1` on the calibration input (count layers).
    #[serde(default)]
    pub count_saturations: Option<u64>,
    /// Fraction of (step, sample, neuron) where fixed and float spikes agree (spiking layers;
    /// for a multi-spike layer the counts must be equal).
    pub spike_agreement: Option<f64>,
    /// Float spikes on the calibration input (sum of counts).
    pub float_spikes: Option<u64>,
    /// Fixed-point spikes on the calibration input.
    pub fixed_spikes: Option<u64>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantReport {
    /// Width of one input value chosen for the network (1 = binary spikes).
    #[serde(default = "one")]
    pub input_bits: u32,
    /// Per layer, in network order.
    pub layers: Vec<LayerReport>,
    /// Calibration steps (0 without calibration).
    pub calibration_steps: usize,
    /// Calibration samples (0 without calibration).
    pub calibration_samples: usize,
    /// Float accuracy on the labelled calibration set.
    pub float_accuracy: Option<f64>,
    /// Fixed-point accuracy on the labelled calibration set.
    pub fixed_accuracy: Option<f64>,
    /// Spike agreement over all spiking layers (pooled).
    pub spike_agreement: Option<f64>,
    /// Warnings worth reading.
    pub notes: Vec<String>,
}

fn one() -> u32 {
    1
}

fn opt<T: Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.2}%", v * 100.0))
}

impl Display for QuantReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "quantization report ({} calibration samples x {} steps, {}-bit input{})",
            self.calibration_samples,
            self.calibration_steps,
            self.input_bits,
            if self.input_bits == 1 {
                " spikes"
            } else {
                " values"
            }
        )?;
        for l in &self.layers {
            let p = &l.precision;
            match l.spike_bits {
                Some(bits) => writeln!(
                    f,
                    "layer `{}` ({}, spike counts of {bits} bits)",
                    l.name,
                    l.kind.name()
                )?,
                None => writeln!(f, "layer `{}` ({})", l.name, l.kind.name())?,
            }
            writeln!(
                f,
                "  w{} s{} c{} decay_shift {} {:?} headroom {}  weight_shift {}  w_lsb {:.4e} state_lsb {:.4e}",
                p.weight_bits, p.state_bits, p.current_bits, p.decay_shift, p.rounding, p.headroom_bits,
                l.weight_shift, l.weight_lsb, l.state_lsb
            )?;
            writeln!(
                f,
                "  range {:.4} ({}){}",
                l.state_range,
                l.range_source,
                if l.range_fits {
                    ""
                } else {
                    "  did not fit: weight LSB coarsened"
                }
            )?;
            writeln!(
                f,
                "  weights {} clipped {} max err {:.3e} | threshold err {:.3e} bias err {:.3e} decay err {:.3e} | clipped params {} clamped decays {}",
                l.weights, l.clipped_weights, l.max_weight_error, l.max_threshold_error, l.max_bias_error, l.max_decay_error,
                l.clipped_params, l.clamped_decays
            )?;
            if l.state_saturations.is_some() {
                writeln!(
                    f,
                    "  calibration: saturations state {} current {} count {}  spikes float {} fixed {}  agreement {}",
                    opt(l.state_saturations), opt(l.current_saturations), opt(l.count_saturations), opt(l.float_spikes), opt(l.fixed_spikes),
                    pct(l.spike_agreement)
                )?;
            }
        }
        writeln!(
            f,
            "spike agreement {}  accuracy float {} fixed {}",
            pct(self.spike_agreement),
            pct(self.float_accuracy),
            pct(self.fixed_accuracy)
        )?;
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}
