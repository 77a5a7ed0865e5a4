//! Twin of rtl-templates/core/sl_neuron.v: one lane's update in exact integer arithmetic.
//! The plan sized the RTL's work width so that this i64 arithmetic and the RTL agree bit for bit.

use spikeloom_plan::{CorePlan, NeuronKind, QReset, Rounding};

/// Per-lane parameters of one neuron.
#[derive(Debug, Clone, Copy)]
pub struct LaneParams {
    /// Bias.
    pub bias: i64,
    /// Threshold.
    pub theta: i64,
    /// Reset value.
    pub v_reset: i64,
    /// Membrane decay.
    pub beta: i64,
    /// Current decay.
    pub alpha: i64,
}

impl LaneParams {
    /// Parameters of neuron slot `n` (block * lanes + lane) of `core`.
    pub fn of(core: &CorePlan, n: usize) -> Self {
        Self {
            bias: core.bias.at(n),
            theta: core.theta.at(n),
            v_reset: core.v_reset.at(n),
            beta: core.beta.at(n),
            alpha: core.alpha.at(n),
        }
    }
}

fn dec(v: i64, d: i64, shift: u32, rounding: Rounding) -> i64 {
    let p = v * d;
    match rounding {
        Rounding::Floor => p >> shift,
        Rounding::HalfUp if shift == 0 => p,
        Rounding::HalfUp => (p + (1i64 << (shift - 1))) >> shift,
    }
}

fn sat(x: i64, bits: u32) -> i64 {
    let hi = (1i64 << (bits - 1)) - 1;
    x.clamp(-hi - 1, hi)
}

/// New membrane, new current and spike of one lane.
pub fn update(core: &CorePlan, acc: i64, u: i64, i: i64, p: &LaneParams) -> (i64, i64, bool) {
    let (ds, rnd) = (core.decay_shift, core.rounding);
    let x = (acc << core.weight_shift) + p.bias;
    let r = u > p.theta;
    let i_new = sat(dec(i, p.alpha, ds, rnd) + x, core.current_bits.max(2));
    let drive = if core.kind == NeuronKind::CubaLif {
        i_new
    } else {
        x
    };
    let un = dec(u, p.beta, ds, rnd) + drive;
    let pre = match (core.kind, core.reset) {
        (NeuronKind::Li, _) | (_, QReset::None) => un,
        (_, QReset::Subtract) => un - if r { p.theta } else { 0 },
        (NeuronKind::Lif, QReset::ZeroKeepInput) => {
            dec(if r { p.v_reset } else { u }, p.beta, ds, rnd) + x
        }
        _ => {
            if r {
                p.v_reset
            } else {
                un
            }
        }
    };
    let u1 = sat(pre, core.state_bits);
    let s = core.kind != NeuronKind::Li && u1 > p.theta;
    let u2 = if core.reset_delay
        || core.kind == NeuronKind::Li
        || core.reset == QReset::None
        || s == r
    {
        u1
    } else if core.reset == QReset::Subtract {
        if s {
            u1 - p.theta
        } else {
            u1 + p.theta
        }
    } else if s {
        p.v_reset
    } else {
        u1 + (u1 - p.v_reset)
    };
    let i_out = if core.kind == NeuronKind::CubaLif {
        i_new
    } else {
        0
    };
    (sat(u2, core.state_bits), i_out, s)
}
