//! Twin of rtl-templates/core/sl_neuron.v: one lane's update in exact integer arithmetic.
//! The plan sized the RTL's work width so that this i64 arithmetic and the RTL agree bit for bit.

use spikeloom_plan::{CorePlan, NeuronKind, QFire, QReset, Rounding};

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

/// Restoring division of `u` by `theta > 0` for a `bits`-bit count, in the RTL's radix-8 form:
/// the count bits are taken in groups of up to 3 from the top (the top group holds
/// `bits - 3 * (groups - 1)`), and each group takes the largest digit `k < 2^width` with
/// `k * theta << lo <= rem` (the RTL compares all multiples at once). Returns the count `n`
/// (saturated at `2^bits - 1`: an out-of-range `u` passes every group) and the remainder
/// `u - n * theta`; a negative `u` passes nothing. The same digits as the bit-serial restoring
/// division, i.e. `min(max(floor(u / theta), 0), 2^bits - 1)` (checked in the tests below).
fn divide(u: i64, theta: i64, bits: u32) -> (i64, u32) {
    let (mut rem, mut n) = (u, 0u32);
    let groups = bits.div_ceil(3);
    for g in (0..groups).rev() {
        let lo = 3 * g;
        let width = if g + 1 == groups { bits - lo } else { 3 };
        // largest passing multiple (the passes form a thermometer code since theta > 0)
        if let Some(k) = (1..1i64 << width)
            .rev()
            .find(|k| rem - ((k * theta) << lo) >= 0)
        {
            rem -= (k * theta) << lo;
            n |= (k as u32) << lo;
        }
    }
    (rem, n)
}

/// New membrane, new current and spike (0/1, or the count of a `QFire::Count` core) of one lane.
pub fn update(core: &CorePlan, acc: i64, u: i64, i: i64, p: &LaneParams) -> (i64, i64, u32) {
    let (ds, rnd) = (core.decay_shift, core.rounding);
    let x = (acc << core.weight_shift) + p.bias;
    let r = u > p.theta;
    let cur = core.kind.has_current();
    let i_new = sat(dec(i, p.alpha, ds, rnd) + x, core.current_bits.max(2));
    let drive = if cur { i_new } else { x };
    let i_out = if cur { i_new } else { 0 };
    let un = dec(u, p.beta, ds, rnd) + drive;
    if let QFire::Count {
        spike_bits,
        floor_at_minus_threshold,
    } = core.fire
    {
        let (mut rem, n) = divide(sat(un, core.state_bits), p.theta, spike_bits);
        if floor_at_minus_threshold {
            rem = rem.max(-p.theta);
        }
        return (rem, i_out, n);
    }
    let pre = match (core.kind, core.reset) {
        (NeuronKind::Li | NeuronKind::CubaLi, _) | (_, QReset::None) => un,
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
    let s = core.kind.fires() && u1 > p.theta;
    let u2 = if core.reset_delay || !core.kind.fires() || core.reset == QReset::None || s == r {
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
    (sat(u2, core.state_bits), i_out, u32::from(s))
}

#[cfg(test)]
mod tests {
    use super::divide;

    /// Independent reference: floor division clamped to the count range (the contract's
    /// `count_fire`), in i128.
    fn reference(u: i64, theta: i64, bits: u32) -> (i64, u32) {
        let max = (1i128 << bits) - 1;
        let n = i128::from(u).div_euclid(i128::from(theta)).clamp(0, max);
        ((i128::from(u) - n * i128::from(theta)) as i64, n as u32)
    }

    #[test]
    fn radix8_division_is_the_clamped_floor_division() {
        for bits in 1..=8 {
            for theta in [1i64, 2, 3, 5, 7, 13, 100, 544, 1023] {
                let top = (1i64 << bits) * theta + 3 * theta;
                for u in
                    (-3 * theta - 5..=top).step_by(usize::try_from((theta / 7).max(1)).unwrap())
                {
                    assert_eq!(
                        divide(u, theta, bits),
                        reference(u, theta, bits),
                        "u {u} theta {theta} bits {bits}"
                    );
                }
                // every digit boundary k * theta (+-1) and the extremes of a 16-bit membrane
                let edges = (-2..=(1i64 << bits) + 1)
                    .flat_map(|k| [k * theta - 1, k * theta, k * theta + 1]);
                for u in edges.chain([-32768, -1, 0, 32767]) {
                    assert_eq!(
                        divide(u, theta, bits),
                        reference(u, theta, bits),
                        "u {u} theta {theta} bits {bits}"
                    );
                }
            }
        }
    }
}
