//! Datapath widths by interval arithmetic: every intermediate of the neuron update gets a range,
//! and the work width covers all of them, so no register or wire of the datapath can overflow.

use crate::types::{NeuronKind, Param};
use spikeloom_qnet::QReset;

/// Signed bits needed to hold every value in `lo..=hi`.
pub fn bits_for_range(lo: i128, hi: i128) -> u32 {
    let mut bits = 1;
    while !(lo >= -(1i128 << (bits - 1)) && hi < (1i128 << (bits - 1))) {
        bits += 1;
    }
    bits
}

/// Closed integer interval.
#[derive(Debug, Clone, Copy)]
struct Iv(i128, i128);

impl Iv {
    fn add(self, o: Iv) -> Iv {
        Iv(self.0 + o.0, self.1 + o.1)
    }
    fn sub(self, o: Iv) -> Iv {
        Iv(self.0 - o.1, self.1 - o.0)
    }
    fn hull(self, o: Iv) -> Iv {
        Iv(self.0.min(o.0), self.1.max(o.1))
    }
    fn signed(bits: u32) -> Iv {
        Iv(-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
    fn of(p: &Param) -> Iv {
        let (lo, hi) = p.range();
        Iv(lo.into(), hi.into())
    }
    /// Product with an unsigned factor in `0..=dmax`.
    fn scale(self, dmax: i128) -> Iv {
        Iv((self.0 * dmax).min(0), (self.1 * dmax).max(0))
    }
    fn shr(self, k: u32) -> Iv {
        Iv(self.0 >> k, self.1 >> k)
    }
}

/// Inputs of the width analysis of one layer.
pub(crate) struct WidthInput<'a> {
    pub kind: NeuronKind,
    pub reset: QReset,
    /// `spike_bits` of a spike-count layer, 0 for binary spikes.
    pub count_bits: u32,
    /// Weights one step can add at most: the sum over sources of `size * max event value`.
    pub fan_in: u64,
    pub weight_bits: u32,
    pub weight_shift: u32,
    pub state_bits: u32,
    pub current_bits: u32,
    pub decay_shift: u32,
    pub bias: &'a Param,
    pub theta: &'a Param,
    pub v_reset: &'a Param,
    pub beta: &'a Param,
    pub alpha: &'a Param,
}

/// Result: accumulator, work, stage and parameter widths.
pub(crate) struct Widths {
    pub acc_bits: u32,
    pub work_bits: u32,
    /// Like `work_bits` for every intermediate but the decay products before their rounding
    /// shift: the width of the streaming unit's pipeline registers after the rounding.
    pub stage_bits: u32,
    pub param_bits: u32,
}

/// Ranges of a decay `dec(v, d)`: the product (before rounding) and the result.
fn decay(v: Iv, d: &Param, shift: u32) -> (Iv, Iv) {
    let dmax = i128::from(d.range().1.max(0));
    let prod = v.scale(dmax);
    let half = if shift == 0 { 0 } else { 1i128 << (shift - 1) };
    let rounded = Iv(prod.0, prod.1 + half);
    (rounded, rounded.shr(shift))
}

pub(crate) fn analyse(w: &WidthInput<'_>) -> Widths {
    // Any multiset of at most fan_in weights (the event buffers hold at most one list per source,
    // an event of value v adds v copies of a weight).
    let fan = w.fan_in.max(1) as i128;
    let wmax = 1i128 << (w.weight_bits - 1);
    let acc = Iv(-fan * wmax, fan * (wmax - 1));
    let x = Iv(acc.0 << w.weight_shift, acc.1 << w.weight_shift).add(Iv::of(w.bias));
    let u = Iv::signed(w.state_bits);
    let theta = Iv::of(w.theta).hull(Iv(0, 0));
    let vr = Iv::of(w.v_reset);
    let mut seen = vec![acc, x, u, theta, vr, Iv::of(w.bias)];
    // the decay products before rounding (only the work width holds them)
    let mut products = Vec::new();
    let (prod_u, dec_u) = decay(u.hull(vr), w.beta, w.decay_shift);
    products.push(prod_u);
    seen.push(dec_u);
    let drive = match w.kind {
        NeuronKind::CubaLif | NeuronKind::CubaLi => {
            let i = Iv::signed(w.current_bits);
            let (prod_i, dec_i) = decay(i, w.alpha, w.decay_shift);
            products.push(prod_i);
            seen.extend([i, dec_i, dec_i.add(x)]);
            i
        }
        _ => x,
    };
    let un = dec_u.add(drive);
    // the streaming unit (sl_neuron PIPE = 3) subtracts theta from the leak before it adds the
    // drive
    seen.push(dec_u.sub(theta));
    let pre = match w.reset {
        QReset::Subtract => un.sub(theta).hull(un),
        _ => un.hull(vr),
    };
    seen.extend([un, pre]);
    // Immediate reset (reset_delay = false): U - d*theta or U - d*(U - v_reset), d in {-1, 0, 1}.
    let imm_sub = u.add(theta).hull(u.sub(theta));
    let diff = u.sub(vr);
    let imm_zero = u.sub(diff).hull(u.add(diff));
    seen.extend([diff, imm_sub, imm_zero]);
    // Spike count: restoring division compares the remainder (0 ..= U) with theta << k,
    // k < count_bits; the result U - n*theta lies in [-theta, U] (or U itself when negative).
    if w.count_bits > 0 {
        let th_hi = theta.1 << w.count_bits;
        seen.extend([Iv(0, th_hi), Iv(-theta.1, 0)]);
    }
    let stages = seen.iter().fold(Iv(0, 0), |a, b| a.hull(*b));
    let all = products.iter().fold(stages, |a, b| a.hull(*b));
    let params = Iv::of(w.bias).hull(Iv::of(w.theta)).hull(vr);
    let acc_bits = bits_for_range(acc.0, acc.1).max(w.weight_bits + 1);
    let param_bits = bits_for_range(params.0, params.1);
    // +1: comparisons and subtractions of two in-range values stay exact; the RTL also needs the
    // work width strictly wider than every input port and the decay multiplier operand.
    let work_bits = (bits_for_range(all.0, all.1) + 1)
        .max(acc_bits + 1)
        .max(w.state_bits + 1)
        .max(w.current_bits + 1)
        .max(param_bits + 1)
        .max(w.decay_shift + 3);
    // the same margins, without the products
    let stage_bits = (bits_for_range(stages.0, stages.1) + 1)
        .max(acc_bits + 1)
        .max(w.state_bits + 1)
        .max(w.current_bits + 1)
        .max(param_bits + 1)
        .min(work_bits);
    Widths {
        acc_bits,
        work_bits,
        stage_bits,
        param_bits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_for_range_edges() {
        assert_eq!(bits_for_range(0, 0), 1);
        assert_eq!(bits_for_range(-1, 0), 1);
        assert_eq!(bits_for_range(0, 1), 2);
        assert_eq!(bits_for_range(-128, 127), 8);
        assert_eq!(bits_for_range(-129, 127), 9);
        assert_eq!(bits_for_range(-128, 128), 9);
    }
}
