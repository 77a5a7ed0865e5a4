//! `quantize`: float network -> integer network, one layer at a time, then (with calibration
//! data) a fixed-point run to measure saturation, spike agreement and accuracy.

use spikeloom_float::{FloatNet, Layer, Neuron, ResetMode, Source, ZeroResetInput};
use spikeloom_qnet::{QConv, QLayer, QNet, QNeuron, QProjection, QReset, QSource, FORMAT_VERSION};

use crate::calib::Calibration;
use crate::config::{LayerPrecision, OpKind, QuantConfig};
use crate::error::QuantError;
use crate::measure::measure;
use crate::ranges;
use crate::report::{LayerReport, QuantReport};
use crate::scale::{
    choose_weight_shift, min_state_lsb, quantize_value, weight_lsb, RangeNeeds, MAX_WEIGHT_SHIFT,
};

/// Quantizes `net`. With `calib`, ranges are measured on its float trace and the report includes
/// saturations, spike agreement and (with labels) accuracy; without, ranges are estimated.
pub fn quantize(
    net: &FloatNet,
    calib: Option<&Calibration>,
    cfg: &QuantConfig,
) -> Result<(QNet, QuantReport), QuantError> {
    use spikeloom_float::Convention;
    if !matches!(
        net.semantics.convention,
        Convention::Snntorch | Convention::NirEuler
    ) {
        return Err(QuantError::Convention {
            convention: net.semantics.convention.name().to_string(),
        });
    }
    let precisions = cfg.resolve(net)?;
    for layer in &net.layers {
        check_finite(layer)?;
    }
    if let Some(c) = calib {
        // Re-check: the calibration may have been built for another network.
        Calibration::new(net, c.input.clone(), c.float.clone(), c.labels.clone())?;
    }
    let mut layers = Vec::with_capacity(net.layers.len());
    let mut reports = Vec::with_capacity(net.layers.len());
    for (i, (layer, prec)) in net.layers.iter().zip(&precisions).enumerate() {
        let (needs, source) = match calib {
            Some(c) => (ranges::measured(layer, i, c), "calibration"),
            None => (ranges::estimated(layer), "estimate"),
        };
        let (q, r) = quantize_layer(layer, prec, needs, source);
        layers.push(q);
        reports.push(r);
    }
    let qnet = QNet {
        input_bits: 1,
        format: FORMAT_VERSION,
        input_size: net.input_size,
        layers,
        output_layer: net.output_layer,
        provenance: provenance(net, calib, cfg),
    };
    qnet.validate().map_err(QuantError::Invalid)?;
    let mut report = QuantReport {
        layers: reports,
        calibration_steps: 0,
        calibration_samples: 0,
        float_accuracy: None,
        fixed_accuracy: None,
        spike_agreement: None,
        notes: Vec::new(),
    };
    if let Some(c) = calib {
        measure(&qnet, c, &mut report)?;
    }
    add_notes(&mut report);
    Ok((qnet, report))
}

fn provenance(
    net: &FloatNet,
    calib: Option<&Calibration>,
    cfg: &QuantConfig,
) -> Vec<(String, String)> {
    let calibration = calib.map_or_else(
        || "none (ranges estimated from parameters)".to_string(),
        |c| format!("{} samples x {} steps", c.input.samples(), c.input.steps()),
    );
    vec![
        (
            "quantizer".into(),
            format!("spikeloom-quant {}", env!("CARGO_PKG_VERSION")),
        ),
        (
            "semantics".into(),
            format!(
                "{:?} dt={} reset={:?} reset_delay={}",
                net.semantics.convention,
                net.semantics.dt,
                net.semantics.reset,
                net.semantics.reset_delay
            ),
        ),
        (
            "quant_config".into(),
            serde_json::to_string(cfg).unwrap_or_default(),
        ),
        ("calibration".into(), calibration),
    ]
}

fn add_notes(report: &mut QuantReport) {
    for l in &report.layers {
        if !l.range_fits {
            report.notes.push(format!(
                "layer `{}`: range {:.4} does not fit {} state bits with {}-bit weights at weight_shift 0; the weight LSB was coarsened to {:.4e} (fewer effective weight bits); raise state_bits (or current_bits) for full weight precision",
                l.name, l.state_range, l.precision.state_bits, l.precision.weight_bits, l.weight_lsb
            ));
        }
        let sats = l.state_saturations.unwrap_or(0) + l.current_saturations.unwrap_or(0);
        if sats > 0 {
            report.notes.push(format!("layer `{}`: {sats} saturation(s) on the calibration input; consider more headroom_bits or state_bits", l.name));
        }
        if l.clipped_params > 0 {
            report.notes.push(format!(
                "layer `{}`: {} threshold/v_reset/bias value(s) clipped to the state range",
                l.name, l.clipped_params
            ));
        }
    }
}

/// Rejects NaN/inf parameters with the layer's name.
fn check_finite(layer: &Layer) -> Result<(), QuantError> {
    let bad = |what: &str| QuantError::Layer {
        layer: layer.name.clone(),
        problem: format!("{what} contains NaN or infinity; fix the exported model"),
    };
    for p in &layer.inputs {
        if p.weight.iter().any(|w| !w.is_finite()) {
            return Err(bad(&format!("weight of projection `{}`", p.origin)));
        }
    }
    if layer.bias.iter().any(|b| !b.is_finite()) {
        return Err(bad("bias"));
    }
    let vectors: Vec<(&str, &Vec<f64>)> = match &layer.neuron {
        Neuron::Lif {
            beta,
            threshold,
            v_reset,
            ..
        } => vec![
            ("beta", beta),
            ("threshold", threshold),
            ("v_reset", v_reset),
        ],
        Neuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            ..
        } => {
            vec![
                ("alpha", alpha),
                ("beta", beta),
                ("threshold", threshold),
                ("v_reset", v_reset),
            ]
        }
        Neuron::Li { beta } => vec![("beta", beta)],
        Neuron::CubaLi { alpha, beta } => vec![("alpha", alpha), ("beta", beta)],
    };
    match vectors
        .iter()
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
    {
        Some((what, _)) => Err(bad(what)),
        None => Ok(()),
    }
}

/// Error bookkeeping while rounding a vector of parameters.
#[derive(Default)]
struct Tally {
    max_error: f64,
    clipped: usize,
}

impl Tally {
    fn code(&mut self, x: f64, lsb: f64, bits: u32) -> i64 {
        let (q, clipped) = quantize_value(x, lsb, bits);
        self.clipped += usize::from(clipped);
        self.max_error = self.max_error.max((x - q as f64 * lsb).abs());
        q
    }

    fn codes(&mut self, v: &[f64], lsb: f64, bits: u32) -> Vec<i64> {
        v.iter().map(|&x| self.code(x, lsb, bits)).collect()
    }

    /// Decay numerator `round(clamp(d, 0, 1) * 2^shift)`.
    fn decays(&mut self, v: &[f64], shift: u32) -> Vec<u32> {
        let one = f64::from(1u32 << shift);
        v.iter()
            .map(|&d| {
                let c = d.clamp(0.0, 1.0);
                self.clipped += usize::from(c != d);
                let q = (c * one + 0.5).floor();
                self.max_error = self.max_error.max((c - q / one).abs());
                q as u32
            })
            .collect()
    }
}

fn bits_of(n: usize) -> u32 {
    usize::BITS - n.leading_zeros()
}

fn quantize_layer(
    layer: &Layer,
    p: &LayerPrecision,
    needs: RangeNeeds,
    source: &str,
) -> (QLayer, LayerReport) {
    let is_cuba = matches!(layer.neuron, Neuron::CubaLif { .. });
    let needs = RangeNeeds {
        current: if is_cuba { needs.current } else { 0.0 },
        ..needs
    };
    let current_bits = if is_cuba {
        p.current_bits
    } else {
        p.state_bits
    };
    let max_w = layer
        .inputs
        .iter()
        .flat_map(|q| &q.weight)
        .fold(0.0f64, |m, w| m.max(w.abs()));
    // Weights summed into one neuron (a conv output sees one kernel window).
    let fan_in: usize = layer
        .inputs
        .iter()
        .map(|q| q.conv.as_ref().map_or(q.source_size, |g| g.per_channel()))
        .sum();
    // Keep fan_in << (weight_bits - 1 + shift) below 2^61 (the contract's exactness bound).
    let max_shift = MAX_WEIGHT_SHIFT.min(60u32.saturating_sub(p.weight_bits - 1 + bits_of(fan_in)));
    let (w_lsb, shift, fits) = match weight_lsb(max_w, p.weight_bits) {
        Some(w) => match choose_weight_shift(
            w,
            needs,
            p.state_bits,
            current_bits,
            p.headroom_bits,
            max_shift,
        ) {
            Ok(s) => (w, s, true),
            // Even shift 0 would saturate: coarsen the weights instead (fewer effective weight
            // codes), since a saturating membrane costs far more accuracy than weight rounding.
            Err(_) => (
                min_state_lsb(needs, p.state_bits, current_bits, p.headroom_bits),
                0,
                false,
            ),
        },
        None => {
            // No non-zero weight: the state LSB comes from the range alone.
            let lsb = min_state_lsb(needs, p.state_bits, current_bits, p.headroom_bits);
            (if lsb > 0.0 { lsb } else { 1.0 }, 0, true)
        }
    };
    let state_lsb = w_lsb / 2f64.powi(shift as i32);
    let mut wt = Tally::default();
    let inputs = layer
        .inputs
        .iter()
        .map(|q| QProjection {
            source_delay: Vec::new(),
            source: match q.source {
                Source::Input => QSource::Input,
                Source::Layer(j) => QSource::Layer(j),
            },
            source_size: q.source_size,
            // Codes fit i32: weight_bits <= 16.
            weight: q
                .weight
                .iter()
                .map(|&w| wt.code(w, w_lsb, p.weight_bits) as i32)
                .collect(),
            delayed: q.delayed,
            origin: q.origin.clone(),
            conv: q.conv.as_ref().map(qconv),
        })
        .collect();
    let (mut th, mut bias_t, mut clip, mut dec) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let sb = p.state_bits;
    let bias = bias_t.codes(&layer.bias, state_lsb, sb);
    let neuron = match &layer.neuron {
        Neuron::Lif {
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
            zero_input,
        } => QNeuron::Lif {
            beta: dec.decays(beta, p.decay_shift),
            threshold: th.codes(threshold, state_lsb, sb),
            v_reset: clip.codes(v_reset, state_lsb, sb),
            reset: map_reset(*reset, *zero_input),
            reset_delay: *reset_delay,
        },
        Neuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
        } => QNeuron::CubaLif {
            alpha: dec.decays(alpha, p.decay_shift),
            beta: dec.decays(beta, p.decay_shift),
            threshold: th.codes(threshold, state_lsb, sb),
            v_reset: clip.codes(v_reset, state_lsb, sb),
            // snnTorch Synaptic/RSynaptic drop the new membrane on a zero reset.
            reset: map_reset(*reset, ZeroResetInput::Drop),
            reset_delay: *reset_delay,
            current_bits: p.current_bits,
        },
        Neuron::Li { beta } => QNeuron::Li {
            beta: dec.decays(beta, p.decay_shift),
        },
        Neuron::CubaLi { alpha, beta } => QNeuron::CubaLi {
            alpha: dec.decays(alpha, p.decay_shift),
            beta: dec.decays(beta, p.decay_shift),
            current_bits: p.current_bits,
        },
    };
    let qlayer = QLayer {
        fire: Default::default(),
        name: layer.name.clone(),
        size: layer.size,
        inputs,
        weight_bits: p.weight_bits,
        weight_shift: shift,
        bias,
        neuron,
        state_bits: sb,
        decay_shift: p.decay_shift,
        rounding: p.rounding.into(),
        state_lsb,
    };
    let report = LayerReport {
        name: layer.name.clone(),
        kind: OpKind::of(layer),
        precision: LayerPrecision { current_bits, ..*p },
        weight_shift: shift,
        weight_lsb: w_lsb,
        state_lsb,
        range_source: source.to_string(),
        state_range: needs.state,
        range_fits: fits,
        weights: layer.inputs.iter().map(|q| q.weight.len()).sum(),
        clipped_weights: wt.clipped,
        max_weight_error: wt.max_error,
        max_threshold_error: th.max_error,
        max_bias_error: bias_t.max_error,
        max_decay_error: dec.max_error,
        clipped_params: th.clipped + bias_t.clipped + clip.clipped,
        clamped_decays: dec.clipped,
        state_saturations: None,
        current_saturations: None,
        spike_agreement: None,
        float_spikes: None,
        fixed_spikes: None,
    };
    (qlayer, report)
}

fn map_reset(reset: ResetMode, zero: ZeroResetInput) -> QReset {
    match (reset, zero) {
        (ResetMode::Subtract, _) => QReset::Subtract,
        (ResetMode::Zero, ZeroResetInput::Keep) => QReset::ZeroKeepInput,
        (ResetMode::Zero, ZeroResetInput::Drop) => QReset::ZeroDropInput,
        (ResetMode::None, _) => QReset::None,
    }
}

/// The contract's copy of a float convolution geometry.
fn qconv(g: &spikeloom_float::ConvGeometry) -> QConv {
    QConv {
        input: g.input,
        output: g.output,
        kernel: g.kernel,
        stride: g.stride,
        padding: g.padding,
        dilation: g.dilation,
        groups: g.groups,
    }
}
