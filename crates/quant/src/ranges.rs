//! How large each layer's registers must be, in float units: measured on the calibration trace
//! when there is one, otherwise estimated from the parameters.

use spikeloom_float::{Layer, Neuron};

use crate::calib::Calibration;
use crate::scale::RangeNeeds;

/// Amplification assumed for a leaky sum without calibration: `1 / (1 - decay)`, capped at 8
/// because inputs rarely stay saturated for long (calibrate for a measured range).
fn gain(decay: f64) -> f64 {
    if decay >= 1.0 - 1.0 / 8.0 {
        8.0
    } else {
        1.0 / (1.0 - decay.max(0.0))
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Largest `|threshold|`, `|v_reset|` and `|bias|`: these must be representable whatever the
/// dynamics do.
fn params(layer: &Layer) -> f64 {
    let p = match &layer.neuron {
        Neuron::Lif {
            threshold, v_reset, ..
        }
        | Neuron::CubaLif {
            threshold, v_reset, ..
        } => max_abs(threshold).max(max_abs(v_reset)),
        Neuron::Li { .. } | Neuron::CubaLi { .. } => 0.0,
    };
    p.max(max_abs(&layer.bias))
}

fn threshold_of(layer: &Layer) -> f64 {
    match &layer.neuron {
        Neuron::Lif { threshold, .. } | Neuron::CubaLif { threshold, .. } => max_abs(threshold),
        Neuron::Li { .. } | Neuron::CubaLi { .. } => 0.0,
    }
}

/// Measured needs: largest |membrane| plus one threshold per spike for spiking layers (the
/// value before an immediate reset is up to one threshold (a multi-spike layer: `n`
/// thresholds) above what the trace shows), largest |current|.
pub fn measured(layer: &Layer, index: usize, calib: &Calibration) -> RangeNeeds {
    let t = &calib.float.layers[index];
    let peak = |v: &[f32]| v.iter().fold(0.0f64, |m, &x| m.max(f64::from(x).abs()));
    let th = threshold_of(layer);
    let state = t
        .membrane
        .iter()
        .zip(&t.spikes)
        .fold(0.0f64, |m, (&u, &s)| {
            m.max(f64::from(u).abs() + f64::from(s.max(1)) * th)
        });
    let current = t.current.as_deref().map_or(0.0, peak);
    RangeNeeds {
        state: state.max(params(layer)),
        current,
    }
}

/// Estimated needs from weights and decays when no calibration data is given.
pub fn estimated(layer: &Layer) -> RangeNeeds {
    // Per neuron: the drive with every positive (negative) input active at once.
    let mut pos = layer.bias.clone();
    let mut neg = layer.bias.clone();
    for p in &layer.inputs {
        // A conv output sums (at most) its channel's kernel; a dense one its row; through a
        // pooling each weight reads the sum of a window of source elements.
        let (rows, per_row) = match &p.conv {
            None => (p.weight.chunks(p.columns().max(1)), 1),
            Some(g) => (p.weight.chunks(g.fan_in().max(1)), g.plane().max(1)),
        };
        let window = p
            .pool
            .as_ref()
            .map_or(1.0, |g| (g.kernel[0] * g.kernel[1]) as f64);
        for (r, row) in rows.enumerate() {
            let (up, down) = (
                window * row.iter().filter(|w| **w > 0.0).sum::<f64>(),
                window * row.iter().filter(|w| **w < 0.0).sum::<f64>(),
            );
            for o in r * per_row..(r + 1) * per_row {
                pos[o] += up;
                neg[o] += down;
            }
        }
    }
    let drive = |o: usize| pos[o].max(0.0).max(-neg[o].min(0.0));
    let th = threshold_of(layer);
    let (mut state, mut current) = (0.0f64, 0.0f64);
    for o in 0..layer.size {
        match &layer.neuron {
            Neuron::Lif { beta, .. } => {
                state = state
                    .max(th + pos[o].max(0.0))
                    .max(-neg[o].min(0.0) * gain(beta[o]));
            }
            Neuron::CubaLif { alpha, beta, .. } => {
                let i = drive(o) * gain(alpha[o]);
                current = current.max(i);
                state = state.max(th + i).max(i * gain(beta[o]));
            }
            Neuron::Li { beta } => state = state.max(drive(o) * gain(beta[o])),
            Neuron::CubaLi { alpha, beta } => {
                let i = drive(o) * gain(alpha[o]);
                current = current.max(i);
                state = state.max(i * gain(beta[o]));
            }
        }
    }
    RangeNeeds {
        state: state.max(params(layer)),
        current,
    }
}
