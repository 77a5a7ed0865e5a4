//! The primitive integer operations of the contract (module doc of `net`), shared by the golden
//! evaluator and available to the cycle model so both spell the rounding rules the same way.

use crate::net::Rounding;

/// `round_shift(x, k)`: arithmetic right shift by `k`, rounding as `rounding` says.
/// `HalfUp` adds `2^(k-1)` first (ties go towards +inf); `k = 0` returns `x`.
#[inline]
pub fn round_shift(x: i64, k: u32, rounding: Rounding) -> i64 {
    if k == 0 {
        return x;
    }
    match rounding {
        Rounding::Floor => x >> k,
        Rounding::HalfUp => (x + (1i64 << (k - 1))) >> k,
    }
}

/// `dec(v, d) = round_shift(d * v, decay_shift)`.
#[inline]
pub fn decay(v: i64, d: u32, decay_shift: u32, rounding: Rounding) -> i64 {
    round_shift(v * i64::from(d), decay_shift, rounding)
}

/// Smallest value of a signed `bits`-wide register.
#[inline]
pub fn signed_min(bits: u32) -> i64 {
    -(1i64 << (bits - 1))
}

/// Largest value of a signed `bits`-wide register.
#[inline]
pub fn signed_max(bits: u32) -> i64 {
    (1i64 << (bits - 1)) - 1
}

/// `sat_b(x)`: clamp to a signed `bits`-wide register; the flag says whether it clamped.
#[inline]
pub fn saturate(x: i64, bits: u32) -> (i64, bool) {
    let (lo, hi) = (signed_min(bits), signed_max(bits));
    if x < lo {
        (lo, true)
    } else if x > hi {
        (hi, true)
    } else {
        (x, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_rounds_ties_towards_plus_infinity() {
        // 5/2 = 2.5 -> 3 ; -5/2 = -2.5 -> -2 ; -7/4 = -1.75 -> -2 ; 7/4 = 1.75 -> 2
        assert_eq!(round_shift(5, 1, Rounding::HalfUp), 3);
        assert_eq!(round_shift(-5, 1, Rounding::HalfUp), -2);
        assert_eq!(round_shift(-7, 2, Rounding::HalfUp), -2);
        assert_eq!(round_shift(7, 2, Rounding::HalfUp), 2);
        assert_eq!(round_shift(-3, 0, Rounding::HalfUp), -3);
    }

    #[test]
    fn floor_rounds_towards_minus_infinity() {
        assert_eq!(round_shift(5, 1, Rounding::Floor), 2);
        assert_eq!(round_shift(-5, 1, Rounding::Floor), -3);
        assert_eq!(round_shift(-1, 4, Rounding::Floor), -1);
    }

    #[test]
    fn decay_of_three_quarters() {
        // 0.75 * 10 = 7.5 -> 8 (HalfUp), 7 (Floor) ; 0.75 * -10 = -7.5 -> -7 / -8
        assert_eq!(decay(10, 3, 2, Rounding::HalfUp), 8);
        assert_eq!(decay(10, 3, 2, Rounding::Floor), 7);
        assert_eq!(decay(-10, 3, 2, Rounding::HalfUp), -7);
        assert_eq!(decay(-10, 3, 2, Rounding::Floor), -8);
    }

    #[test]
    fn saturation_bounds_and_flag() {
        assert_eq!(saturate(127, 8), (127, false));
        assert_eq!(saturate(128, 8), (127, true));
        assert_eq!(saturate(-128, 8), (-128, false));
        assert_eq!(saturate(-129, 8), (-128, true));
        assert_eq!(
            saturate(i64::from(i32::MAX) + 1, 32),
            (i64::from(i32::MAX), true)
        );
    }
}
