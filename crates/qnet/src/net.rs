//! The integer network: the contract between software and hardware.
//!
//! Everything here is an integer and every operation is specified exactly; the golden
//! evaluator (`eval`), the cycle model and the RTL must all compute the same bits.
//!
//! # Arithmetic of one time step (layers in order; all intermediate values exact in i64)
//!
//! Events. Every source (the input, each layer) emits per step a value `s_src[i] >= 0` per
//! neuron: the input value (`0 ..= 2^input_bits - 1`; 0/1 when `input_bits = 1`), a `Single`
//! layer's spike (0/1), a `Count` layer's spike count `n` (`0 ..= 2^spike_bits - 1`), 0 for a
//! read-out. A projection reads `s_src[i]` of step `t - delayed - source_delay[i]`
//! (`source_delay` empty = all 0); a read before step 0 gives 0.
//!
//! ```text
//! acc[o]  = Σ_projections Σ_i s_src[i] * W[o][i]       (only i with s_src[i] != 0 cost work)
//!           dense projection: W[o][i] = weight[o*source_size + i]
//!           conv projection:  W[o][i] = weight[widx] if input i lies in output o's window at
//!                             kernel tap widx, else 0 (`ConvGeometry`: the kernel is stored once and
//!                             each input event adds its footprint; same integer sums)
//!           pooled projection (`pool: Some(PoolGeometry)`, format 4): the projection reads the pooled
//!                             source p[m] = Σ_{i: pool.map(i) = m} s_src[i] instead of s_src
//!                             (non-overlapping windows: each i feeds at most one m), i.e.
//!                             acc[o] = Σ_i s_src[i] * W[o][pool.map(i)] over the i that map;
//!                             dense: W[o][m] = weight[o*P + m], P = pool.target_size();
//!                             conv: ConvGeometry.input is the pooled shape
//! X[o]    = (acc[o] << weight_shift) + bias[o]
//! dec(v,d)= round_shift(d * v, decay_shift)                  (d unsigned, 0 ..= 2^decay_shift)
//! round_shift(x,k) = x >> k            (Rounding::Floor, arithmetic shift)
//!                  = (x + 2^(k-1)) >> k (Rounding::HalfUp; k = 0 means x)
//! sat_b(x) = clamp(x, -2^(b-1), 2^(b-1) - 1)
//!
//! Lif, fire Single:
//!         r = U[t-1] > theta
//!         Subtract:   U = dec(U[t-1], beta) + X - r*theta
//!         Zero/Keep:  U = dec(r ? v_reset : U[t-1], beta) + X
//!         Zero/Drop:  U = r ? v_reset : dec(U[t-1], beta) + X
//!         None:       U = dec(U[t-1], beta) + X
//!         U = sat_state(U);  S = U > theta
//!         if !reset_delay: d = S - r
//!             Subtract: U = sat_state(U - d*theta)
//!             Zero:     U = sat_state(U - d*(U - v_reset))
//! CubaLif, fire Single:
//!         r = U[t-1] > theta
//!         I = sat_current(dec(I[t-1], alpha) + X)
//!         Un = dec(U[t-1], beta) + I
//!         Subtract: U = Un - r*theta;  Zero: U = r ? v_reset : Un;  None: U = Un
//!         U = sat_state(U); S = U > theta; immediate reset as Lif
//! Lif / CubaLif, fire Count { spike_bits, floor_at_minus_threshold }
//!         (reset Subtract, reset_delay false, theta > 0: enforced by validation)
//!         Lif:     U = sat_state(dec(U[t-1], beta) + X)
//!         CubaLif: I = sat_current(dec(I[t-1], alpha) + X); U = sat_state(dec(U[t-1], beta) + I)
//!         q = floor(U / theta)                     (rounds towards -inf; theta > 0)
//!         S = min(max(q, 0), 2^spike_bits - 1)     (q > 2^spike_bits - 1 counts a saturation)
//!         U = U - S*theta                          (stays in the state range: 0 <= U - S*theta
//!                                                   when S > 0)
//!         if floor_at_minus_threshold: U = max(U, -theta)
//! Li:     U = sat_state(dec(U[t-1], beta) + X); S = 0
//! CubaLi: I = sat_current(dec(I[t-1], alpha) + X); U = sat_state(dec(U[t-1], beta) + I); S = 0
//! ```
//! States (U, I) start at 0. Spike values are 0/1 for `Single`, the count `S` for `Count`.
//! A saturation (state, current, count) is counted, never silent. Validation bounds
//! `Σ fan_in * max event value * 2^(weight_bits-1) << weight_shift` below 2^61, so every
//! intermediate above is exact in i64.

use serde::{Deserialize, Serialize};

/// The `format` value this build writes. Format 2 added convolution projections
/// (`QProjection::conv`); format 3 added graded input (`QNet::input_bits`), spike counts
/// (`QLayer::fire`), per-source delays (`QProjection::source_delay`) and `QNeuron::CubaLi`;
/// format 4 added pooled projections (`QProjection::pool`). Older files (whose new fields take
/// their defaults) are still read.
pub const FORMAT_VERSION: u32 = 4;

/// The oldest `format` value this build reads.
pub const MIN_FORMAT_VERSION: u32 = 1;

pub use crate::conv::ConvGeometry;
pub use crate::pool::PoolGeometry;

fn one_bit() -> u32 {
    1
}

/// Where a projection reads spikes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum QSource {
    /// The network input (`input_size` values per step, `input_bits` wide each).
    Input,
    /// Spikes (or spike counts) of layer `i`.
    Layer(usize),
}

/// An integer projection: dense (`conv: None`) or a convolution with shared weights, either
/// one optionally reading its source through a pooling index map (`pool`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QProjection {
    /// Spike source.
    pub source: QSource,
    /// Neurons of the source (dense without pooling: columns of `weight`).
    pub source_size: usize,
    /// Signed weights, each within `weight_bits`. Dense: row-major `(layer.size, columns)`,
    /// `columns` = `source_size`, or `pool.target_size()` when pooled. Conv: the kernel
    /// `[C_out][C_in/groups][kH][kW]`, `conv.weight_len()` values.
    pub weight: Vec<i32>,
    /// Convolution geometry; `None` for a dense projection. Format 2 and later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conv: Option<ConvGeometry>,
    /// Pooling of the source before the weights (an index map; module doc). Format 4 and later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolGeometry>,
    /// Back edge: reads the source's spikes of the previous step.
    pub delayed: bool,
    /// Extra delay in steps per source neuron (NIR `Delay`): source `i` is read from step
    /// `t - delayed - source_delay[i]` (zero before the first step). Empty: no extra delay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_delay: Vec<u32>,
    /// NIR node name (for messages).
    pub origin: String,
}

impl QProjection {
    /// Elements the weights read: the pooled size when pooled, else the source size (dense:
    /// the columns of `weight`; conv: `conv.source_size()`).
    pub fn columns(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(self.source_size, PoolGeometry::target_size)
    }

    /// Weights summed into one neuron at most, counting each source element once: dense the
    /// source size; conv its window `C_in/groups*kH*kW`, times the pooling window when pooled.
    pub fn fan_in(&self) -> usize {
        match &self.conv {
            None => self.source_size,
            Some(c) => c.fan_in() * self.pool.as_ref().map_or(1, PoolGeometry::window),
        }
    }
}

/// Rounding of the decay product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounding {
    /// Arithmetic shift right (towards -inf).
    Floor,
    /// Add half an LSB, then arithmetic shift right.
    HalfUp,
}

/// Reset rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QReset {
    /// Subtract the threshold.
    Subtract,
    /// Set to `v_reset`, keeping this step's input (snnTorch Leaky).
    ZeroKeepInput,
    /// Set to `v_reset`, dropping this step's input (Synaptic, RLeaky, RSynaptic).
    ZeroDropInput,
    /// No reset.
    None,
}

/// Neuron model with integer parameters (per neuron, `layer.size` long).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QNeuron {
    /// Leaky integrate-and-fire.
    Lif {
        /// Membrane decay numerator (`/ 2^decay_shift`).
        beta: Vec<u32>,
        /// Threshold in state LSBs (strict `>`).
        threshold: Vec<i64>,
        /// Reset value in state LSBs.
        v_reset: Vec<i64>,
        /// Reset rule.
        reset: QReset,
        /// snnTorch reset_delay.
        reset_delay: bool,
    },
    /// Current-based LIF.
    CubaLif {
        /// Current decay numerator.
        alpha: Vec<u32>,
        /// Membrane decay numerator.
        beta: Vec<u32>,
        /// Threshold in state LSBs.
        threshold: Vec<i64>,
        /// Reset value in state LSBs.
        v_reset: Vec<i64>,
        /// Reset rule (ZeroKeepInput is not used for CubaLif).
        reset: QReset,
        /// snnTorch reset_delay.
        reset_delay: bool,
        /// Width of the synaptic current register.
        current_bits: u32,
    },
    /// Leaky integrator read-out.
    Li {
        /// Membrane decay numerator.
        beta: Vec<u32>,
    },
    /// Current-based leaky integrator read-out (NIR `CubaLI`): CubaLif without firing.
    CubaLi {
        /// Current decay numerator.
        alpha: Vec<u32>,
        /// Membrane decay numerator.
        beta: Vec<u32>,
        /// Width of the synaptic current register.
        current_bits: u32,
    },
}

/// How a spiking layer turns its membrane into output events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QFire {
    /// One binary spike when `U > theta` (snnTorch, NIR, Norse); the reset rule is `QReset`.
    #[default]
    Single,
    /// `n = min(max(floor(U / theta), 0), 2^spike_bits - 1)` spikes in one step (Sinabs
    /// `MultiSpike`, Rockpool), then `U -= n * theta`; requires `QReset::Subtract`, no reset
    /// delay and `theta > 0`. An event then carries the count `n` (downstream adds `n * W`).
    Count {
        /// Width of the spike count (1 ..= 8).
        spike_bits: u32,
        /// Sinabs IAF: after the reset, `U = max(U, -theta)`.
        floor_at_minus_threshold: bool,
    },
}

impl QFire {
    /// True for the binary default (serde skips it).
    pub fn is_single(&self) -> bool {
        matches!(self, QFire::Single)
    }

    /// Width of the value one event carries: 1 for binary spikes.
    pub fn event_bits(&self) -> u32 {
        match self {
            QFire::Single => 1,
            QFire::Count { spike_bits, .. } => *spike_bits,
        }
    }
}

/// One integer layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QLayer {
    /// NIR name of the neuron node.
    pub name: String,
    /// Neurons.
    pub size: usize,
    /// Weighted inputs.
    pub inputs: Vec<QProjection>,
    /// Signed width of every weight.
    pub weight_bits: u32,
    /// Left shift from weight units to state units.
    pub weight_shift: u32,
    /// Constant drive per neuron in state LSBs.
    pub bias: Vec<i64>,
    /// Neuron model.
    pub neuron: QNeuron,
    /// Spike rule of `Lif`/`CubaLif` layers (`Single` for read-outs).
    #[serde(default, skip_serializing_if = "QFire::is_single")]
    pub fire: QFire,
    /// Signed width of the membrane register.
    pub state_bits: u32,
    /// Fraction bits of decay factors.
    pub decay_shift: u32,
    /// Rounding of decay products.
    pub rounding: Rounding,
    /// Value of one state LSB in float units (report only; never used in arithmetic).
    pub state_lsb: f64,
}

/// The integer network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QNet {
    /// Format version of this file.
    pub format: u32,
    /// Input features per step.
    pub input_size: usize,
    /// Width of one input value: 1 for binary spikes, up to 8 for graded (multi-bit) input
    /// events carrying `0 ..= 2^input_bits - 1` (a first layer adds `value * W`).
    #[serde(default = "one_bit")]
    pub input_bits: u32,
    /// Layers in evaluation order (a non-delayed projection reads an earlier layer).
    pub layers: Vec<QLayer>,
    /// Layer whose spikes and membrane are the output.
    pub output_layer: usize,
    /// Free-form provenance: source model hash, semantics, quantization settings.
    pub provenance: Vec<(String, String)>,
}
