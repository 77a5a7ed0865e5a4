//! `QuantConfig`: bit widths and rounding, with per-layer overrides resolved in the order
//! layer name -> op type (`lif`, `cubalif`, `li`, `cubali`) -> default -> built-in default.
//! `input_bits` (width of one graded input value) is network-wide, so it is a top-level key.
//!
//! ```toml
//! input_bits = 4          # optional; default: from the calibration input (1 without)
//! [default]
//! weight_bits = 8
//! state_bits = 16
//! spike_bits = 3          # multi-spike (Sinabs/Rockpool) layers; default: from calibration
//! [op.li]
//! state_bits = 24
//! [layer.lif1]
//! weight_bits = 6
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use spikeloom_float::{FloatNet, Layer, Neuron};
use spikeloom_qnet::Rounding;

use crate::error::{ConfigProblem, QuantError};

/// Built-in weight width.
pub const DEFAULT_WEIGHT_BITS: u32 = 8;
/// Built-in state width.
pub const DEFAULT_STATE_BITS: u32 = 16;
/// Built-in decay fraction bits: 12 keeps `beta` within 2^-13 and the product
/// (`state_bits + 13` bits) small enough for one iCE40/ECP5 multiplier at 16-bit state.
pub const DEFAULT_DECAY_SHIFT: u32 = 12;
/// Built-in headroom: the calibrated (or estimated) range is doubled.
pub const DEFAULT_HEADROOM_BITS: u32 = 1;
/// Spike-count width of a multi-spike layer when neither the config nor a calibration run
/// gives one: up to 7 spikes per step.
pub const DEFAULT_SPIKE_BITS: u32 = 3;

/// Rounding of decay products, as written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingName {
    /// Arithmetic shift (towards -inf).
    Floor,
    /// Add half an LSB, then shift (default: unbiased except on exact ties).
    HalfUp,
}

impl From<RoundingName> for Rounding {
    fn from(r: RoundingName) -> Self {
        match r {
            RoundingName::Floor => Rounding::Floor,
            RoundingName::HalfUp => Rounding::HalfUp,
        }
    }
}

/// Neuron model kinds, the keys of `[op.*]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// Leaky integrate-and-fire.
    Lif,
    /// Current-based LIF.
    Cubalif,
    /// Leaky integrator.
    Li,
    /// Current-based leaky integrator.
    Cubali,
}

impl OpKind {
    /// The kind of a float layer.
    pub fn of(layer: &Layer) -> Self {
        match layer.neuron {
            Neuron::Lif { .. } => OpKind::Lif,
            Neuron::CubaLif { .. } => OpKind::Cubalif,
            Neuron::Li { .. } => OpKind::Li,
            Neuron::CubaLi { .. } => OpKind::Cubali,
        }
    }

    /// TOML key.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Lif => "lif",
            OpKind::Cubalif => "cubalif",
            OpKind::Li => "li",
            OpKind::Cubali => "cubali",
        }
    }
}

/// Optional settings of one scope; unset fields fall through to the next scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precision {
    /// Signed weight width (2..=16).
    pub weight_bits: Option<u32>,
    /// Signed membrane width (4..=32).
    pub state_bits: Option<u32>,
    /// Signed synaptic current width for CubaLif (4..=32; default = state_bits).
    pub current_bits: Option<u32>,
    /// Fraction bits of decay factors (0..=16).
    pub decay_shift: Option<u32>,
    /// Rounding of decay products.
    pub rounding: Option<RoundingName>,
    /// Extra range bits above the calibrated/estimated range (0..=8).
    pub headroom_bits: Option<u32>,
    /// Spike-count width of multi-spike (Sinabs/Rockpool) layers (1..=8; default: bits of the
    /// largest count in the calibration trace, else `DEFAULT_SPIKE_BITS`). Ignored elsewhere.
    pub spike_bits: Option<u32>,
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantConfig {
    /// Width of one input value (1..=8; 1 = binary spikes). Default: bits of the largest
    /// calibration input value, 1 without calibration. Calibration data above it is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bits: Option<u32>,
    /// Model-wide defaults.
    #[serde(default)]
    pub default: Precision,
    /// Per neuron-model overrides.
    #[serde(default)]
    pub op: BTreeMap<OpKind, Precision>,
    /// Per layer (NIR neuron node name) overrides.
    #[serde(default)]
    pub layer: BTreeMap<String, Precision>,
}

/// Fully resolved settings of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerPrecision {
    /// Weight width.
    pub weight_bits: u32,
    /// Membrane width.
    pub state_bits: u32,
    /// Current width (equals `state_bits` unless set; used by CubaLif only).
    pub current_bits: u32,
    /// Decay fraction bits.
    pub decay_shift: u32,
    /// Decay rounding.
    pub rounding: RoundingName,
    /// Headroom bits.
    pub headroom_bits: u32,
    /// Spike-count width when set in the config (multi-spike layers only); `None` lets the
    /// calibration decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spike_bits: Option<u32>,
}

impl QuantConfig {
    /// Parses TOML (unknown keys are errors).
    pub fn from_toml_str(text: &str) -> Result<Self, QuantError> {
        toml::from_str(text).map_err(|e| QuantError::Toml(e.to_string()))
    }

    /// The configuration as TOML (what `from_toml_str` reads back).
    pub fn to_toml_string(&self) -> Result<String, QuantError> {
        toml::to_string(self).map_err(|e| QuantError::Toml(e.to_string()))
    }

    /// Resolves every layer's settings, checking every scope first; all problems at once.
    pub fn resolve(&self, net: &FloatNet) -> Result<Vec<LayerPrecision>, QuantError> {
        let mut problems = Vec::new();
        if let Some(value) = self.input_bits.filter(|v| !(1..=8).contains(v)) {
            problems.push(ConfigProblem::Width {
                scope: "top level".into(),
                what: "input_bits",
                value,
                min: 1,
                max: 8,
            });
        }
        check_scope("default", &self.default, &mut problems);
        for (op, p) in &self.op {
            check_scope(&format!("op.{}", op.name()), p, &mut problems);
        }
        for (name, p) in &self.layer {
            check_scope(&format!("layer.{name}"), p, &mut problems);
            if !net.layers.iter().any(|l| &l.name == name) {
                let known = net
                    .layers
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                problems.push(ConfigProblem::UnknownLayer {
                    name: name.clone(),
                    known,
                });
            }
        }
        let resolved: Vec<LayerPrecision> =
            net.layers.iter().map(|l| self.resolve_layer(l)).collect();
        // Only meaningful once every width is in range.
        let widths_ok = problems.is_empty();
        for (l, p) in net.layers.iter().zip(&resolved) {
            if widths_ok && p.weight_bits > p.state_bits {
                problems.push(ConfigProblem::WeightWiderThanState {
                    layer: l.name.clone(),
                    weight_bits: p.weight_bits,
                    state_bits: p.state_bits,
                });
            }
        }
        if problems.is_empty() {
            Ok(resolved)
        } else {
            Err(QuantError::Config(problems))
        }
    }

    fn resolve_layer(&self, layer: &Layer) -> LayerPrecision {
        let scopes: [Option<&Precision>; 3] = [
            self.layer.get(&layer.name),
            self.op.get(&OpKind::of(layer)),
            Some(&self.default),
        ];
        let pick = |f: fn(&Precision) -> Option<u32>, fallback: u32| {
            scopes
                .iter()
                .flatten()
                .find_map(|p| f(p))
                .unwrap_or(fallback)
        };
        let state_bits = pick(|p| p.state_bits, DEFAULT_STATE_BITS);
        LayerPrecision {
            weight_bits: pick(|p| p.weight_bits, DEFAULT_WEIGHT_BITS),
            state_bits,
            current_bits: pick(|p| p.current_bits, state_bits),
            decay_shift: pick(|p| p.decay_shift, DEFAULT_DECAY_SHIFT),
            rounding: scopes
                .iter()
                .flatten()
                .find_map(|p| p.rounding)
                .unwrap_or(RoundingName::HalfUp),
            headroom_bits: pick(|p| p.headroom_bits, DEFAULT_HEADROOM_BITS),
            spike_bits: scopes.iter().flatten().find_map(|p| p.spike_bits),
        }
    }
}

fn check_scope(scope: &str, p: &Precision, out: &mut Vec<ConfigProblem>) {
    let checks: [(&'static str, Option<u32>, u32, u32); 6] = [
        ("weight_bits", p.weight_bits, 2, 16),
        ("state_bits", p.state_bits, 4, 32),
        ("current_bits", p.current_bits, 4, 32),
        ("decay_shift", p.decay_shift, 0, 16),
        ("headroom_bits", p.headroom_bits, 0, 8),
        ("spike_bits", p.spike_bits, 1, 8),
    ];
    for (what, value, min, max) in checks {
        if let Some(value) = value.filter(|v| !(min..=max).contains(v)) {
            out.push(ConfigProblem::Width {
                scope: scope.to_string(),
                what,
                value,
                min,
                max,
            });
        }
    }
}
