//! Scale selection: the weight LSB, the state LSB (`w_lsb / 2^weight_shift`) and rounding of
//! parameters to integers.
//!
//! Weights and state share a scale so the linear part (`acc << weight_shift`) is exact. The
//! shift is the largest that keeps the needed range, times `2^headroom_bits`, inside the state
//! (and, for CubaLif, current) register: a larger shift means finer thresholds, biases and
//! decay products, a smaller one fewer saturations.

/// Largest `weight_shift` the contract allows.
pub const MAX_WEIGHT_SHIFT: u32 = 32;

/// `w_lsb = max|W| / (2^(weight_bits-1) - 1)`: the largest weight maps to the largest code, so
/// max-abs scaling never clips. `None` when every weight is zero (any LSB represents them).
pub fn weight_lsb(max_abs_weight: f64, weight_bits: u32) -> Option<f64> {
    let codes = f64::from((1u32 << (weight_bits - 1)) - 1);
    (max_abs_weight > 0.0).then(|| max_abs_weight / codes)
}

/// Round to nearest, ties towards +inf (`floor(x + 0.5)`), then clamp to a signed `bits`-wide
/// code. Returns the code and whether it was clamped. Non-finite input is the caller's to reject.
pub fn quantize_value(x: f64, lsb: f64, bits: u32) -> (i64, bool) {
    let max = (1i64 << (bits - 1)) - 1;
    let min = -max - 1;
    let q = (x / lsb + 0.5).floor();
    if q > max as f64 {
        (max, true)
    } else if q < min as f64 {
        (min, true)
    } else {
        (q as i64, false)
    }
}

/// Float magnitudes a layer's registers must hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeNeeds {
    /// Largest |membrane| (including transient pre-reset values), thresholds, v_reset and bias.
    pub state: f64,
    /// Largest |synaptic current| (CubaLif), else 0.
    pub current: f64,
}

/// The smallest state LSB that holds `needs * 2^headroom` in both registers.
pub fn min_state_lsb(
    needs: RangeNeeds,
    state_bits: u32,
    current_bits: u32,
    headroom_bits: u32,
) -> f64 {
    let head = f64::from(1u32 << headroom_bits);
    let state_max = ((1u64 << (state_bits - 1)) - 1) as f64;
    let current_max = ((1u64 << (current_bits - 1)) - 1) as f64;
    (needs.state * head / state_max).max(needs.current * head / current_max)
}

/// The largest shift `s <= max_shift` with `needs * 2^headroom <= reg_max * w_lsb / 2^s` for the
/// state and current registers; `Err(0)` marks that even `s = 0` cannot hold the range
/// (saturation expected). With nothing to hold, the shift is `max_shift`.
pub fn choose_weight_shift(
    w_lsb: f64,
    needs: RangeNeeds,
    state_bits: u32,
    current_bits: u32,
    headroom_bits: u32,
    max_shift: u32,
) -> Result<u32, u32> {
    let lsb_min = min_state_lsb(needs, state_bits, current_bits, headroom_bits);
    let fits = |s: u32| w_lsb / 2f64.powi(s as i32) >= lsb_min;
    if !fits(0) {
        return Err(0);
    }
    let mut s = 0;
    while s < max_shift && fits(s + 1) {
        s += 1;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_lsb_maps_max_to_largest_code() {
        // 8 bits: 127 codes; 1.27 / 127 = 0.01 ; 4 bits: 7 codes; 0.7 / 7 = 0.1
        assert!((weight_lsb(1.27, 8).unwrap() - 0.01).abs() < 1e-15);
        assert!((weight_lsb(0.7, 4).unwrap() - 0.1).abs() < 1e-15);
        assert_eq!(weight_lsb(0.0, 8), None);
        assert_eq!(weight_lsb(127.0 / 128.0, 8), Some(1.0 / 128.0));
    }

    #[test]
    fn quantize_value_rounds_half_up_and_clips() {
        assert_eq!(quantize_value(0.025, 0.01, 8), (3, false)); // 2.5 -> 3 (ties up)
        assert_eq!(quantize_value(-0.025, 0.01, 8), (-2, false)); // -2.5 -> -2
        assert_eq!(quantize_value(0.024, 0.01, 8), (2, false));
        assert_eq!(quantize_value(1.3, 0.01, 8), (127, true));
        assert_eq!(quantize_value(-1.3, 0.01, 8), (-128, true));
    }

    #[test]
    fn shift_is_the_largest_that_fits_with_headroom() {
        // w_lsb 1/128, 16-bit state (max 32767), need 2.0 with 1 headroom bit: lsb >= 4/32767
        // = 1.2207e-4 ; 1/128/2^s >= 1.2207e-4 <=> 2^s <= 63.99 -> s = 5
        let needs = RangeNeeds {
            state: 2.0,
            current: 0.0,
        };
        assert_eq!(
            choose_weight_shift(1.0 / 128.0, needs, 16, 16, 1, 32),
            Ok(5)
        );
        // no headroom: 2^s <= 127.99 -> 6
        assert_eq!(
            choose_weight_shift(1.0 / 128.0, needs, 16, 16, 0, 32),
            Ok(6)
        );
        // capped by max_shift
        assert_eq!(choose_weight_shift(1.0 / 128.0, needs, 16, 16, 0, 3), Ok(3));
        // a narrow current register limits it: current 1.0 in 8 bits (127): lsb >= 2/127 > 1/128
        let cuba = RangeNeeds {
            state: 2.0,
            current: 1.0,
        };
        assert_eq!(choose_weight_shift(1.0 / 128.0, cuba, 16, 8, 1, 32), Err(0));
        // 11 bits (1023): 2/1023 = 1.955e-3 <= 1/256 but > 1/512 -> 1 ; 10 bits: 2/511 > 1/256 -> 0
        assert_eq!(choose_weight_shift(1.0 / 128.0, cuba, 16, 11, 1, 32), Ok(1));
        assert_eq!(choose_weight_shift(1.0 / 128.0, cuba, 16, 10, 1, 32), Ok(0));
    }
}
