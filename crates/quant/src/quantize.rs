//! `quantize`: float network -> integer network, one layer at a time, then (with calibration
//! data) a fixed-point run to measure saturation, spike agreement and accuracy.
//!
//! How each exporter convention (crates/float/src/exporters.rs) maps onto the contract:
//!
//! | convention | spike rule | notes |
//! | --- | --- | --- |
//! | snntorch, nir-euler | `QFire::Single`, the float reset rule and reset delay | exact rules |
//! | spyx | rejected | Spyx emits the previous step's threshold crossing `H(V[t-1] - θ)` (snnTorch's subtract/delayed-reset spike train one step later per layer) and resets CubaLIF before the leak; the contract has neither rule yet |
//! | spikingjelly | `QFire::Single`, immediate reset to `v_reset`, threshold one state LSB lower | SpikingJelly fires at `v >= θ`; on integers `U >= θ` is `U > θ - 1`, the contract's strict rule; the reset as norse's |
//! | norse | `QFire::Single`, immediate reset (`reset_delay = false`) | the contract's `r = U[t-1] > theta` is 0 after a reset to `v_reset <= theta` (a larger `v_reset` is rejected), so the rules coincide; with `--reset subtract` they differ only after a membrane above `2 theta` |
//! | sinabs | `QFire::Count`, `floor_at_minus_threshold` for IAF (`beta == 1`) | `(v > 0)·trunc(v/θ) = max(floor(v/θ), 0)` for θ > 0 |
//! | sinabs, rockpool with spike mode single | `QFire::Count` with `spike_bits = 1` | `min(floor(v/θ), 1) = (v >= θ)` = Sinabs `SingleSpike`'s `v - θ >= 0`; reset `v -= θ` |
//! | rockpool | `QFire::Count` | `(v >= θ)·floor(v/θ)`; the current `I = α(I + X)` (CubaLIF, CubaLI) and the read-out `U = β(U + X)` (LI) become `I = αI + (αX)`: the factor is folded into that layer's weight rows and bias before quantizing |
//!
//! `spike_bits` of a count layer: the config's `spike_bits`, else the bits of the largest count
//! in the calibration trace, else `DEFAULT_SPIKE_BITS`. `QNet::input_bits`: the config's
//! `input_bits`, else the bits of the largest calibration input value, else 1.

use spikeloom_float::{
    Convention, FloatNet, Layer, Neuron, ResetMode, Source, SpikeMode, ZeroResetInput,
};
use spikeloom_qnet::{
    QFire, QLayer, QNet, QNeuron, QProjection, QReset, QSource, FORMAT_VERSION, MAX_SOURCE_DELAY,
};

use crate::calib::Calibration;
use crate::config::{LayerPrecision, OpKind, QuantConfig, DEFAULT_SPIKE_BITS};
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
    if net.semantics.convention == Convention::Spyx {
        return Err(QuantError::Convention {
            convention: "spyx".into(),
            why: "Spyx emits the previous step's threshold crossing H(V[t-1] - threshold) and resets CubaLIF before the leak; the fixed-point contract has no such rules yet, so Spyx models run in the float engine only (simulate --engine float)".into(),
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
    let input_bits = choose_input_bits(calib, cfg)?;
    let convention = net.semantics.convention;
    let mut layers = Vec::with_capacity(net.layers.len());
    let mut reports = Vec::with_capacity(net.layers.len());
    for (i, (layer, prec)) in net.layers.iter().zip(&precisions).enumerate() {
        let layer = fold_input_factor(convention, layer)?;
        let layer = &layer;
        let fire = fire_rule(
            (convention, net.semantics.spike_mode),
            layer,
            prec,
            calib.map(|c| &c.float.layers[i]),
        )?;
        let (needs, source) = match calib {
            Some(c) => (ranges::measured(layer, i, c), "calibration"),
            None => (ranges::estimated(layer), "estimate"),
        };
        let (mut q, r) = quantize_layer(layer, prec, needs, source, fire)?;
        if convention == Convention::Spikingjelly {
            inclusive_threshold(&mut q);
        }
        check_single_reset(convention, &q)?;
        layers.push(q);
        reports.push(r);
    }
    let qnet = QNet {
        input_bits,
        format: FORMAT_VERSION,
        input_size: net.input_size,
        layers,
        output_layer: net.output_layer,
        provenance: provenance(net, calib, cfg),
    };
    qnet.validate().map_err(QuantError::Invalid)?;
    let mut report = QuantReport {
        input_bits,
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
        if net.semantics.spike_mode == SpikeMode::Single {
            // One spike per step is the rule under single mode, not a saturation.
            for l in &mut report.layers {
                l.count_saturations = None;
            }
        }
    }
    add_notes(&mut report);
    Ok((qnet, report))
}

/// `QNet::input_bits`: the config's value (the calibration input must fit it), else the bits of
/// the largest calibration input value, else 1 (binary spikes).
fn choose_input_bits(calib: Option<&Calibration>, cfg: &QuantConfig) -> Result<u32, QuantError> {
    let largest = calib.map(|c| c.input.data().iter().copied().max().unwrap_or(0));
    match (cfg.input_bits, largest) {
        (Some(bits), Some(v)) if u32::from(v) >= 1u32 << bits.min(8) => {
            Err(QuantError::Calibration(format!(
                "input value {v} does not fit input_bits = {bits} (largest {}); raise input_bits or leave it unset to take it from the data",
                (1u32 << bits) - 1
            )))
        }
        (Some(bits), _) => Ok(bits),
        (None, Some(v)) => Ok(bits_of(usize::from(v)).max(1)),
        (None, None) => Ok(1),
    }
}

/// Rockpool's `I = α(I + X)` (CubaLIF, CubaLI) and `U = β(U + X)` (LI) as the contract's
/// `I = αI + X'`: every weight row and bias entry of neuron `o` is multiplied by its factor.
/// A convolution shares its kernel over a channel, so the factor must be uniform per channel.
fn fold_input_factor(convention: Convention, layer: &Layer) -> Result<Layer, QuantError> {
    let factor = match (&layer.neuron, convention) {
        (Neuron::CubaLif { alpha, .. } | Neuron::CubaLi { alpha, .. }, Convention::Rockpool) => {
            alpha
        }
        (Neuron::Li { beta }, Convention::Rockpool) => beta,
        _ => return Ok(layer.clone()),
    };
    let mut out = layer.clone();
    for (b, f) in out.bias.iter_mut().zip(factor) {
        *b *= f;
    }
    for p in &mut out.inputs {
        match &p.conv {
            None => {
                let cols = p.columns().max(1);
                for (row, f) in p.weight.chunks_mut(cols).zip(factor) {
                    row.iter_mut().for_each(|w| *w *= f);
                }
            }
            Some(g) => {
                let (plane, per_channel) = (g.plane().max(1), g.fan_in().max(1));
                for (c, kernel) in p.weight.chunks_mut(per_channel).enumerate() {
                    let fs = &factor[c * plane..((c + 1) * plane).min(factor.len())];
                    if fs.iter().any(|f| *f != fs[0]) {
                        return Err(QuantError::Layer {
                            layer: layer.name.clone(),
                            problem: format!(
                                "the Rockpool input factor (alpha/beta) differs between neurons of output channel {c} of convolution `{}`, whose kernel they share; use one time constant per channel",
                                p.origin
                            ),
                        });
                    }
                    kernel.iter_mut().for_each(|w| *w *= fs[0]);
                }
            }
        }
    }
    Ok(out)
}

/// The spike rule of a layer: counts for the multi-spike conventions (Sinabs, Rockpool), one
/// binary spike otherwise. `trace` is the layer's float calibration trace. Under spike mode
/// single a Sinabs/Rockpool layer is a count of one bit: `min(max(floor(U/θ), 0), 1)` is 1
/// exactly when `U >= θ`, Sinabs `SingleSpike`'s `v - θ >= 0`, and the reset subtracts θ once.
fn fire_rule(
    (convention, mode): (Convention, SpikeMode),
    layer: &Layer,
    prec: &LayerPrecision,
    trace: Option<&spikeloom_float::LayerTrace>,
) -> Result<QFire, QuantError> {
    if !matches!(convention, Convention::Sinabs | Convention::Rockpool) {
        return Ok(QFire::Single);
    }
    let bad = |problem: String| QuantError::Layer {
        layer: layer.name.clone(),
        problem,
    };
    let (beta, threshold, reset, reset_delay) = match &layer.neuron {
        Neuron::Lif {
            beta,
            threshold,
            reset,
            reset_delay,
            ..
        }
        | Neuron::CubaLif {
            beta,
            threshold,
            reset,
            reset_delay,
            ..
        } => (beta, threshold, *reset, *reset_delay),
        Neuron::Li { .. } | Neuron::CubaLi { .. } => return Ok(QFire::Single),
    };
    if reset != ResetMode::Subtract || reset_delay {
        return Err(bad(format!(
            "{} fires several spikes per step and subtracts n*threshold at once; reset {reset:?} with reset_delay {reset_delay} has no fixed-point model (use --reset subtract without reset delay)",
            convention.name()
        )));
    }
    if let Some(t) = threshold.iter().find(|t| **t <= 0.0) {
        return Err(bad(format!(
            "threshold {t} <= 0: a multi-spike layer divides the membrane by its threshold, which must be positive"
        )));
    }
    // Sinabs' IAF clamps the membrane at -threshold (float `step`: beta == 1 under sinabs).
    let floor = convention == Convention::Sinabs
        && matches!(layer.neuron, Neuron::Lif { .. })
        && {
            let ones = beta.iter().filter(|b| **b == 1.0).count();
            if ones != 0 && ones != beta.len() {
                return Err(bad(
                "mixes IAF neurons (beta = 1, membrane clamped at -threshold) with leaky ones; split the layer".into(),
            ));
            }
            ones != 0
        };
    let spike_bits = match (prec.spike_bits, trace) {
        (Some(bits), _) if mode == SpikeMode::Single && bits != 1 => {
            return Err(bad(format!(
                "spike_bits {bits} with spike mode single: a single-spike layer fires at most \
                 one spike per step (1 bit); drop spike_bits or use --spike-mode multi"
            )))
        }
        _ if mode == SpikeMode::Single => 1,
        (Some(bits), _) => bits,
        (None, Some(t)) => {
            let largest = t.spikes.iter().copied().max().unwrap_or(0);
            bits_of(usize::from(largest)).clamp(1, 8)
        }
        (None, None) => DEFAULT_SPIKE_BITS,
    };
    Ok(QFire::Count {
        spike_bits,
        floor_at_minus_threshold: floor,
    })
}

/// SpikingJelly fires at `U >= theta`; the contract fires at `U > theta'`. On integer codes
/// the two agree exactly with `theta' = theta - 1`.
fn inclusive_threshold(q: &mut QLayer) {
    if let QNeuron::Lif { threshold, .. } | QNeuron::CubaLif { threshold, .. } = &mut q.neuron {
        threshold.iter_mut().for_each(|t| *t = t.saturating_sub(1));
    }
}

/// Norse and SpikingJelly reset immediately to `v_reset` without the contract's
/// `r = U[t-1] > theta` term; both agree as long as the reset value is not above the threshold.
fn check_single_reset(convention: Convention, q: &QLayer) -> Result<(), QuantError> {
    if !matches!(convention, Convention::Norse | Convention::Spikingjelly) {
        return Ok(());
    }
    let (threshold, v_reset, reset) = match &q.neuron {
        QNeuron::Lif {
            threshold,
            v_reset,
            reset,
            ..
        }
        | QNeuron::CubaLif {
            threshold,
            v_reset,
            reset,
            ..
        } => (threshold, v_reset, *reset),
        QNeuron::Li { .. } | QNeuron::CubaLi { .. } => return Ok(()),
    };
    if !matches!(reset, QReset::ZeroKeepInput | QReset::ZeroDropInput) {
        return Ok(());
    }
    match threshold.iter().zip(v_reset).position(|(t, v)| v > t) {
        Some(o) => Err(QuantError::Layer {
            layer: q.name.clone(),
            problem: format!(
                "neuron {o}: v_reset is above the threshold; {} would fire again from the reset value, which the fixed-point reset rule does not model",
                convention.name()
            ),
        }),
        None => Ok(()),
    }
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
                "{:?} dt={} reset={:?} reset_delay={}{}",
                net.semantics.convention,
                net.semantics.dt,
                net.semantics.reset,
                net.semantics.reset_delay,
                // Only the multi-spike conventions have a choice (provenance elsewhere unchanged).
                if net.semantics.convention.multi_spike() {
                    format!(" spike_mode={}", net.semantics.spike_mode.name())
                } else {
                    String::new()
                }
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
        if let (Some(n), Some(bits)) = (l.count_saturations, l.spike_bits) {
            if n > 0 {
                report.notes.push(format!("layer `{}`: {n} spike count(s) clamped to {} ({bits} spike_bits) on the calibration input; raise spike_bits", l.name, (1u32 << bits) - 1));
            }
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
    fire: QFire,
) -> Result<(QLayer, LayerReport), QuantError> {
    let is_cuba = matches!(layer.neuron, Neuron::CubaLif { .. } | Neuron::CubaLi { .. });
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
    // Source elements summed into one neuron, each through one weight (a conv output sees one
    // kernel window, of pooled elements of `window` source elements each when pooled).
    let fan_in: usize = layer
        .inputs
        .iter()
        .map(|q| {
            let window = q.pool.as_ref().map_or(1, |g| g.kernel[0] * g.kernel[1]);
            q.conv
                .as_ref()
                .map_or(q.source_size, |g| g.fan_in() * window)
        })
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
    let source_delays = layer
        .inputs
        .iter()
        .map(|q| source_delay(layer, q))
        .collect::<Result<Vec<_>, _>>()?;
    let inputs = layer
        .inputs
        .iter()
        .zip(source_delays)
        .map(|(q, source_delay)| QProjection {
            source_delay,
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
            conv: q.conv.clone(),
            pool: q.pool.clone(),
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
    if let (
        QFire::Count { .. },
        QNeuron::Lif { threshold, .. } | QNeuron::CubaLif { threshold, .. },
    ) = (fire, &neuron)
    {
        if let Some(o) = threshold.iter().position(|t| *t <= 0) {
            return Err(QuantError::Layer {
                layer: layer.name.clone(),
                problem: format!(
                    "neuron {o}: the threshold rounds to {} state LSBs ({state_lsb:.3e}), but a multi-spike layer divides by it; raise state_bits or lower headroom_bits",
                    threshold[o]
                ),
            });
        }
    }
    let spike_bits = match fire {
        QFire::Count { spike_bits, .. } => Some(spike_bits),
        QFire::Single => None,
    };
    let qlayer = QLayer {
        fire,
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
        spike_bits,
        count_saturations: None,
        spike_agreement: None,
        float_spikes: None,
        fixed_spikes: None,
    };
    Ok((qlayer, report))
}

/// The contract's copy of a projection's per-source delays (at most `MAX_SOURCE_DELAY`).
fn source_delay(layer: &Layer, q: &spikeloom_float::Projection) -> Result<Vec<u32>, QuantError> {
    q.source_delay
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            u32::try_from(d)
                .ok()
                .filter(|d| *d <= MAX_SOURCE_DELAY)
                .ok_or_else(|| QuantError::Layer {
                    layer: layer.name.clone(),
                    problem: format!(
                        "projection `{}`: source {i} is delayed {d} steps, more than the supported {MAX_SOURCE_DELAY}",
                        q.origin
                    ),
                })
        })
        .collect()
}

fn map_reset(reset: ResetMode, zero: ZeroResetInput) -> QReset {
    match (reset, zero) {
        (ResetMode::Subtract, _) => QReset::Subtract,
        (ResetMode::Zero, ZeroResetInput::Keep) => QReset::ZeroKeepInput,
        (ResetMode::Zero, ZeroResetInput::Drop) => QReset::ZeroDropInput,
        (ResetMode::None, _) => QReset::None,
    }
}
