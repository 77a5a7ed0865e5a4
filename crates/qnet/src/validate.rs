//! `QNet::validate`: every structural and range rule of the contract, all problems at once.

use crate::arith::{signed_max, signed_min};
use crate::net::{
    QFire, QLayer, QNet, QNeuron, QReset, QSource, FORMAT_VERSION, MIN_FORMAT_VERSION,
};

/// Allowed signed weight widths.
pub const WEIGHT_BITS: (u32, u32) = (2, 16);
/// Allowed signed state / current widths.
pub const STATE_BITS: (u32, u32) = (4, 32);
/// Allowed decay fraction bits.
pub const DECAY_SHIFT: (u32, u32) = (0, 16);
/// Largest weight shift (`X` must stay far inside i64).
pub const MAX_WEIGHT_SHIFT: u32 = 32;
/// Allowed widths of one input value (`QNet::input_bits`).
pub const INPUT_BITS: (u32, u32) = (1, 8);
/// Allowed widths of a spike count (`QFire::Count::spike_bits`).
pub const SPIKE_BITS: (u32, u32) = (1, 8);
/// Largest per-source delay in steps (`QProjection::source_delay`).
pub const MAX_SOURCE_DELAY: u32 = 4096;
/// The first format with graded input, spike counts, source delays and `CubaLi`.
pub const FORMAT_3: u32 = 3;
/// The first format with pooled projections (`QProjection::pool`).
pub const FORMAT_4: u32 = 4;

/// A problem with the network as a whole or with one layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QnetError {
    /// The file was written by an incompatible version.
    #[error("unsupported qnet format {found} (this build reads formats {MIN_FORMAT_VERSION} to {supported}); re-run `spikeloom quantize` to regenerate the file")]
    FormatVersion {
        /// Format in the file.
        found: u32,
        /// Newest format this build understands.
        supported: u32,
    },
    /// No layers.
    #[error("the network has no layers")]
    NoLayers,
    /// `input_size` is zero.
    #[error("input_size is 0: the network needs at least one input feature")]
    ZeroInputSize,
    /// `input_bits` outside `1 ..= 8`.
    #[error("input_bits = {value} is outside the supported range 1..=8 (1: binary spikes, up to 8: graded input values)")]
    InputBits {
        /// Given value.
        value: u32,
    },
    /// Graded input in a file whose format predates it.
    #[error(
        "input_bits = {value} (graded input) needs qnet format 3 or later (the file says {format})"
    )]
    InputBitsNeedsFormat {
        /// Given `input_bits`.
        value: u32,
        /// Format of the network.
        format: u32,
    },
    /// `output_layer` does not exist.
    #[error("output_layer {index} does not exist (the network has {count} layers)")]
    OutputLayer {
        /// Given index.
        index: usize,
        /// Number of layers.
        count: usize,
    },
    /// A problem inside one layer.
    #[error("layer {index} `{layer}`: {problem}")]
    Layer {
        /// Layer index.
        index: usize,
        /// Layer (NIR node) name.
        layer: String,
        /// What is wrong.
        problem: LayerProblem,
    },
}

/// What is wrong inside a layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayerProblem {
    /// Zero neurons.
    #[error("size is 0")]
    ZeroSize,
    /// A bit width is outside what the hardware supports.
    #[error("{what} = {value} is outside the supported range {min}..={max}")]
    BitWidth {
        /// Which width.
        what: &'static str,
        /// Given value.
        value: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
    },
    /// A parameter vector has the wrong length.
    #[error("{what} has {got} entries, expected {expected}")]
    Length {
        /// Which vector.
        what: String,
        /// Required length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// Values outside their register range.
    #[error("{what}: {count} value(s) outside {min}..={max}, first at index {index} = {value}")]
    OutOfRange {
        /// Which vector.
        what: String,
        /// Number of offending entries.
        count: usize,
        /// First offending index.
        index: usize,
        /// First offending value.
        value: i64,
        /// Lower bound.
        min: i64,
        /// Upper bound.
        max: i64,
    },
    /// A projection reads a layer that does not exist.
    #[error("projection `{projection}` reads layer {source_index}, which does not exist")]
    MissingSource {
        /// Projection origin.
        projection: String,
        /// Referenced layer.
        source_index: usize,
    },
    /// A non-delayed projection reads this layer or a later one.
    #[error("projection `{projection}` reads layer {source_index} in the same step but that layer is not evaluated earlier; mark it delayed (recurrent) or reorder the layers")]
    ForwardEdge {
        /// Projection origin.
        projection: String,
        /// Referenced layer.
        source_index: usize,
    },
    /// `source_size` disagrees with the source.
    #[error(
        "projection `{projection}` says its source has {got} neurons but the source has {expected}"
    )]
    SourceSize {
        /// Projection origin.
        projection: String,
        /// Source width.
        expected: usize,
        /// Declared width.
        got: usize,
    },
    /// CubaLif with the Leaky-only reset rule.
    #[error("CubaLif layers cannot use ZeroKeepInput (snnTorch Synaptic drops the input on a zero reset); use ZeroDropInput")]
    CubaKeepInput,
    /// A convolution projection whose geometry is unusable or disagrees with its ends.
    #[error("convolution projection `{projection}`: {detail}")]
    Conv {
        /// Projection origin.
        projection: String,
        /// What is wrong and what it should be.
        detail: String,
    },
    /// A pooled projection whose pooling is unusable or disagrees with its source or weights.
    #[error("pooled projection `{projection}`: {detail}")]
    Pool {
        /// Projection origin.
        projection: String,
        /// What is wrong and what it should be.
        detail: String,
    },
    /// A convolution projection in a file whose format predates them.
    #[error("projection `{projection}` is a convolution, which needs qnet format 2 or later (the file says {format})")]
    ConvNeedsFormat {
        /// Projection origin.
        projection: String,
        /// Format of the network.
        format: u32,
    },
    /// `(fan-in * max event value * max|w|) << weight_shift` could leave the exact i64 range.
    #[error("fan-in {fan_in} x {weight_bits}-bit weights (x event values up to {max_event}) << weight_shift {weight_shift} can reach 2^61; lower weight_shift or split the layer")]
    AccumulatorOverflow {
        /// Weights summed into one neuron (dense: source size; conv: `C_in/groups*kH*kW`).
        fan_in: usize,
        /// Largest value one event of any source carries (1: binary spikes).
        max_event: u32,
        /// Weight width.
        weight_bits: u32,
        /// Weight shift.
        weight_shift: u32,
    },
    /// `QFire::Count` on a read-out, which never fires.
    #[error("QFire::Count on a non-spiking {kind} layer; spike counts need a Lif or CubaLif layer (use QFire::Single)")]
    CountOnReadout {
        /// `Li` or `CubaLi`.
        kind: &'static str,
    },
    /// `QFire::Count` with a reset rule other than one immediate subtraction.
    #[error("QFire::Count needs reset Subtract with reset_delay false (it subtracts n*threshold in the step it fires), not {detail}")]
    CountReset {
        /// What the layer has instead.
        detail: String,
    },
    /// A threshold that is zero or negative where the rule divides by it.
    #[error("threshold[{index}] = {value}: QFire::Count divides the membrane by the threshold, so every threshold must be > 0")]
    CountThreshold {
        /// First offending neuron.
        index: usize,
        /// Its threshold.
        value: i64,
    },
    /// `source_delay` is neither empty nor one entry per source neuron.
    #[error("projection `{projection}`: source_delay has {got} entries; it must be empty or have one per source neuron ({expected})")]
    SourceDelayLength {
        /// Projection origin.
        projection: String,
        /// `source_size`.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A per-source delay longer than the hardware's history.
    #[error("projection `{projection}`: source_delay[{index}] = {delay} steps exceeds the supported {max}")]
    SourceDelayTooLong {
        /// Projection origin.
        projection: String,
        /// First offending source neuron.
        index: usize,
        /// Its delay.
        delay: u32,
        /// `MAX_SOURCE_DELAY`.
        max: u32,
    },
    /// A feature in a file whose format predates it.
    #[error("{feature} needs qnet format {needed} or later (the file says {format})")]
    NeedsFormat {
        /// Which feature.
        feature: String,
        /// Format of the network.
        format: u32,
        /// First format with the feature.
        needed: u32,
    },
}

impl QNet {
    /// Checks every rule of the contract; returns all problems found.
    pub fn validate(&self) -> Result<(), Vec<QnetError>> {
        let mut errs = Vec::new();
        if !(MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&self.format) {
            errs.push(QnetError::FormatVersion {
                found: self.format,
                supported: FORMAT_VERSION,
            });
        }
        if self.layers.is_empty() {
            errs.push(QnetError::NoLayers);
        } else if self.output_layer >= self.layers.len() {
            errs.push(QnetError::OutputLayer {
                index: self.output_layer,
                count: self.layers.len(),
            });
        }
        if self.input_size == 0 {
            errs.push(QnetError::ZeroInputSize);
        }
        if !(INPUT_BITS.0..=INPUT_BITS.1).contains(&self.input_bits) {
            errs.push(QnetError::InputBits {
                value: self.input_bits,
            });
        } else if self.input_bits > 1 && self.format < FORMAT_3 {
            errs.push(QnetError::InputBitsNeedsFormat {
                value: self.input_bits,
                format: self.format,
            });
        }
        for (index, layer) in self.layers.iter().enumerate() {
            let mut problems = Vec::new();
            check_layer(self, index, layer, &mut problems);
            errs.extend(problems.into_iter().map(|problem| QnetError::Layer {
                index,
                layer: layer.name.clone(),
                problem,
            }));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

fn check_width(
    what: &'static str,
    value: u32,
    (min, max): (u32, u32),
    out: &mut Vec<LayerProblem>,
) -> bool {
    let ok = (min..=max).contains(&value);
    if !ok {
        out.push(LayerProblem::BitWidth {
            what,
            value,
            min,
            max,
        });
    }
    ok
}

fn check_len(what: &str, got: usize, expected: usize, out: &mut Vec<LayerProblem>) -> bool {
    let ok = got == expected;
    if !ok {
        out.push(LayerProblem::Length {
            what: what.to_string(),
            expected,
            got,
        });
    }
    ok
}

fn check_range(
    what: &str,
    values: impl Iterator<Item = i64>,
    min: i64,
    max: i64,
    out: &mut Vec<LayerProblem>,
) {
    let mut first = None;
    let mut count = 0;
    for (i, v) in values.enumerate() {
        if v < min || v > max {
            count += 1;
            first.get_or_insert((i, v));
        }
    }
    if let Some((index, value)) = first {
        out.push(LayerProblem::OutOfRange {
            what: what.to_string(),
            count,
            index,
            value,
            min,
            max,
        });
    }
}

fn check_layer(net: &QNet, index: usize, layer: &QLayer, out: &mut Vec<LayerProblem>) {
    let size = layer.size;
    if size == 0 {
        out.push(LayerProblem::ZeroSize);
    }
    let wb_ok = check_width("weight_bits", layer.weight_bits, WEIGHT_BITS, out);
    let sb_ok = check_width("state_bits", layer.state_bits, STATE_BITS, out);
    let ds_ok = check_width("decay_shift", layer.decay_shift, DECAY_SHIFT, out);
    let ws_ok = check_width(
        "weight_shift",
        layer.weight_shift,
        (0, MAX_WEIGHT_SHIFT),
        out,
    );
    let mut fan_in = 0usize;
    let mut max_event = 1u32;
    // Sum over projections of fan-in x largest event value (each at most 2^8 - 1).
    let mut weighted_fan_in = 0u128;
    for p in &layer.inputs {
        check_projection(net, index, layer, p, wb_ok, out);
        let fan = p.fan_in();
        fan_in = fan_in.saturating_add(fan);
        let event = event_max(net, p.source);
        max_event = max_event.max(event);
        weighted_fan_in += fan as u128 * u128::from(event);
    }
    if wb_ok && ws_ok {
        // |X| <= sum(fan * max_event) * 2^(wb-1) * 2^ws + |bias|; below 2^61 every later sum
        // stays exact in i64.
        let bound = weighted_fan_in << (layer.weight_bits - 1 + layer.weight_shift);
        if bound >= 1u128 << 61 {
            out.push(LayerProblem::AccumulatorOverflow {
                fan_in,
                max_event,
                weight_bits: layer.weight_bits,
                weight_shift: layer.weight_shift,
            });
        }
    }
    check_fire(net, layer, out);
    let (smin, smax) = if sb_ok {
        (signed_min(layer.state_bits), signed_max(layer.state_bits))
    } else {
        (i64::MIN, i64::MAX)
    };
    if check_len("bias", layer.bias.len(), size, out) && sb_ok {
        check_range("bias", layer.bias.iter().copied(), smin, smax, out);
    }
    let decay_max = if ds_ok {
        1u32 << layer.decay_shift
    } else {
        u32::MAX
    };
    let decays = |what: &str, d: &[u32], out: &mut Vec<LayerProblem>| {
        if check_len(what, d.len(), size, out) {
            check_range(
                what,
                d.iter().map(|&x| i64::from(x)),
                0,
                i64::from(decay_max),
                out,
            );
        }
    };
    let state_vec = |what: &str, v: &[i64], out: &mut Vec<LayerProblem>| {
        if check_len(what, v.len(), size, out) && sb_ok {
            check_range(what, v.iter().copied(), smin, smax, out);
        }
    };
    match &layer.neuron {
        QNeuron::Lif {
            beta,
            threshold,
            v_reset,
            ..
        } => {
            decays("beta", beta, out);
            state_vec("threshold", threshold, out);
            state_vec("v_reset", v_reset, out);
        }
        QNeuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            reset,
            current_bits,
            ..
        } => {
            decays("alpha", alpha, out);
            decays("beta", beta, out);
            state_vec("threshold", threshold, out);
            state_vec("v_reset", v_reset, out);
            check_width("current_bits", *current_bits, STATE_BITS, out);
            if *reset == QReset::ZeroKeepInput {
                out.push(LayerProblem::CubaKeepInput);
            }
        }
        QNeuron::Li { beta } => decays("beta", beta, out),
        QNeuron::CubaLi {
            alpha,
            beta,
            current_bits,
        } => {
            decays("alpha", alpha, out);
            decays("beta", beta, out);
            check_width("current_bits", *current_bits, STATE_BITS, out);
        }
    }
}

/// Largest value one event of `source` can carry (`2^bits - 1`; widths clamped to the valid
/// range, an invalid width being reported where it is set).
fn event_max(net: &QNet, source: QSource) -> u32 {
    let bits = match source {
        QSource::Input => net.input_bits,
        QSource::Layer(j) => net.layers.get(j).map_or(1, |l| l.fire.event_bits()),
    };
    (1u32 << bits.clamp(1, 8)) - 1
}

/// Rules of `QLayer::fire` and of format-3 neuron models.
fn check_fire(net: &QNet, layer: &QLayer, out: &mut Vec<LayerProblem>) {
    if matches!(layer.neuron, QNeuron::CubaLi { .. }) && net.format < FORMAT_3 {
        out.push(LayerProblem::NeedsFormat {
            feature: "a CubaLi layer".into(),
            format: net.format,
            needed: FORMAT_3,
        });
    }
    let QFire::Count { spike_bits, .. } = layer.fire else {
        return;
    };
    if net.format < FORMAT_3 {
        out.push(LayerProblem::NeedsFormat {
            feature: "QFire::Count".into(),
            format: net.format,
            needed: FORMAT_3,
        });
    }
    check_width("spike_bits", spike_bits, SPIKE_BITS, out);
    let (threshold, reset, reset_delay) = match &layer.neuron {
        QNeuron::Lif {
            threshold,
            reset,
            reset_delay,
            ..
        }
        | QNeuron::CubaLif {
            threshold,
            reset,
            reset_delay,
            ..
        } => (threshold, *reset, *reset_delay),
        QNeuron::Li { .. } => {
            out.push(LayerProblem::CountOnReadout { kind: "Li" });
            return;
        }
        QNeuron::CubaLi { .. } => {
            out.push(LayerProblem::CountOnReadout { kind: "CubaLi" });
            return;
        }
    };
    if reset != QReset::Subtract {
        out.push(LayerProblem::CountReset {
            detail: format!("reset {reset:?}"),
        });
    }
    if reset_delay {
        out.push(LayerProblem::CountReset {
            detail: "reset_delay true".into(),
        });
    }
    if let Some((index, &value)) = threshold.iter().enumerate().find(|(_, &t)| t <= 0) {
        out.push(LayerProblem::CountThreshold { index, value });
    }
}

fn check_projection(
    net: &QNet,
    index: usize,
    layer: &QLayer,
    p: &crate::net::QProjection,
    wb_ok: bool,
    out: &mut Vec<LayerProblem>,
) {
    let source_width = match p.source {
        QSource::Input => Some(net.input_size),
        QSource::Layer(j) => {
            if j >= net.layers.len() {
                out.push(LayerProblem::MissingSource {
                    projection: p.origin.clone(),
                    source_index: j,
                });
                None
            } else {
                if !p.delayed && j >= index {
                    out.push(LayerProblem::ForwardEdge {
                        projection: p.origin.clone(),
                        source_index: j,
                    });
                }
                Some(net.layers[j].size)
            }
        }
    };
    if let Some(expected) = source_width {
        if expected != p.source_size {
            out.push(LayerProblem::SourceSize {
                projection: p.origin.clone(),
                expected,
                got: p.source_size,
            });
        }
    }
    check_source_delay(net.format, p, out);
    if let Some(pool) = &p.pool {
        if !check_pool(net.format, p, pool, out) {
            return;
        }
    }
    let what = format!("weight of projection `{}`", p.origin);
    let expected = match &p.conv {
        None => layer.size.saturating_mul(p.columns()),
        Some(conv) => {
            check_conv(net.format, layer, p, conv, out);
            if !conv.problems().is_empty() {
                // The kernel length is undefined for a broken geometry; its problems are reported.
                return;
            }
            conv.weight_len()
        }
    };
    if check_len(&what, p.weight.len(), expected, out) && wb_ok {
        check_range(
            &what,
            p.weight.iter().map(|&w| i64::from(w)),
            signed_min(layer.weight_bits),
            signed_max(layer.weight_bits),
            out,
        );
    }
}

/// `source_delay`: empty, or one delay per source neuron, each at most `MAX_SOURCE_DELAY`.
fn check_source_delay(format: u32, p: &crate::net::QProjection, out: &mut Vec<LayerProblem>) {
    if p.source_delay.is_empty() {
        return;
    }
    if format < FORMAT_3 {
        out.push(LayerProblem::NeedsFormat {
            feature: format!("source_delay of projection `{}`", p.origin),
            format,
            needed: FORMAT_3,
        });
    }
    if p.source_delay.len() != p.source_size {
        out.push(LayerProblem::SourceDelayLength {
            projection: p.origin.clone(),
            expected: p.source_size,
            got: p.source_delay.len(),
        });
    }
    if let Some((index, &delay)) = p
        .source_delay
        .iter()
        .enumerate()
        .find(|(_, &d)| d > MAX_SOURCE_DELAY)
    {
        out.push(LayerProblem::SourceDelayTooLong {
            projection: p.origin.clone(),
            index,
            delay,
            max: MAX_SOURCE_DELAY,
        });
    }
}

/// Geometry rules of a convolution projection and its agreement with both ends.
fn check_conv(
    format: u32,
    layer: &QLayer,
    p: &crate::net::QProjection,
    conv: &crate::net::ConvGeometry,
    out: &mut Vec<LayerProblem>,
) {
    let problem = |detail: String| LayerProblem::Conv {
        projection: p.origin.clone(),
        detail,
    };
    if format < 2 {
        out.push(LayerProblem::ConvNeedsFormat {
            projection: p.origin.clone(),
            format,
        });
    }
    out.extend(conv.problems().into_iter().map(problem));
    if conv.source_size() != p.columns() {
        out.push(problem(format!(
            "input shape {:?} has {} neurons but the projection reads {} ({})",
            conv.input,
            conv.source_size(),
            p.columns(),
            if p.pool.is_some() {
                "its pooled size"
            } else {
                "source_size"
            }
        )));
    }
    if conv.target_size() != layer.size {
        out.push(problem(format!(
            "output shape {:?} has {} neurons but the layer has {}",
            conv.output,
            conv.target_size(),
            layer.size
        )));
    }
}

/// A pooling's geometry and its agreement with the source; false when the geometry is unusable
/// (then the weights' expected length is undefined and not checked).
fn check_pool(
    format: u32,
    p: &crate::net::QProjection,
    pool: &crate::net::PoolGeometry,
    out: &mut Vec<LayerProblem>,
) -> bool {
    let problem = |detail: String| LayerProblem::Pool {
        projection: p.origin.clone(),
        detail,
    };
    if format < FORMAT_4 {
        out.push(LayerProblem::NeedsFormat {
            feature: format!("pooling in projection `{}`", p.origin),
            format,
            needed: FORMAT_4,
        });
    }
    let problems = pool.problems();
    let usable = problems.is_empty();
    out.extend(problems.into_iter().map(problem));
    if pool.source_size() != p.source_size {
        out.push(problem(format!(
            "pooling input {:?} has {} elements but source_size is {}",
            pool.input,
            pool.source_size(),
            p.source_size
        )));
    }
    usable
}
