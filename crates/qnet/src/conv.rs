//! Geometry of a convolution projection (`ConvGeometry`): PyTorch/NIR `Conv2d` cross-correlation over a
//! `(C, H, W)` spike map, with `Conv1d` as the special case `H = 1, kH = 1`. Owns the index
//! arithmetic every consumer shares: which outputs an input event touches and with which
//! kernel weight (`for_each_target`), and the geometry rules (`problems`).
//!
//! Layouts (all C-order, as PyTorch flattens):
//! - source neuron `i = (ci*H_in + iy)*W_in + ix`;
//! - target neuron `o = (co*H_out + oy)*W_out + ox`;
//! - weight `((co*(C_in/groups) + ci % (C_in/groups))*kH + ky)*kW + kx` (stored once, shared).
//!
//! Output `(co, oy, ox)` reads input row `iy = oy*stride_h - padding_h + ky*dilation_h` (same for
//! columns), for input channels of its group `co / (C_out/groups)`; rows/columns outside the input
//! are zero (padding). The event-driven form (each input event adds its kernel footprint to the
//! outputs it reaches) gives exactly the same integer sums.

use serde::{Deserialize, Serialize};

/// A 2-D convolution geometry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvGeometry {
    /// Source shape `(C_in, H_in, W_in)`.
    pub input: [usize; 3],
    /// Target shape `(C_out, H_out, W_out)`; `C_out*H_out*W_out` is the layer size.
    pub output: [usize; 3],
    /// Kernel `(kH, kW)`.
    pub kernel: [usize; 2],
    /// Stride `(sH, sW)`.
    pub stride: [usize; 2],
    /// Zero rows/columns before the first input row/column (`"same"` padding: `d*(k-1)/2`).
    pub padding: [usize; 2],
    /// Dilation `(dH, dW)`.
    pub dilation: [usize; 2],
    /// Channel groups: `C_in` and `C_out` are both multiples of it.
    pub groups: usize,
}

impl ConvGeometry {
    /// Number of shared kernel weights: `C_out * C_in/groups * kH * kW`.
    pub fn weight_len(&self) -> usize {
        self.output[0] * self.in_per_group() * self.kernel[0] * self.kernel[1]
    }

    /// Source neurons `C_in*H_in*W_in`.
    pub fn source_size(&self) -> usize {
        self.input.iter().product()
    }

    /// Target neurons `C_out*H_out*W_out`.
    pub fn target_size(&self) -> usize {
        self.output.iter().product()
    }

    /// Weights summed into one output (its fan-in): `C_in/groups * kH * kW`.
    pub fn fan_in(&self) -> usize {
        self.in_per_group() * self.kernel[0] * self.kernel[1]
    }

    /// Neurons per output channel: `H_out*W_out`.
    pub fn plane(&self) -> usize {
        self.output[1] * self.output[2]
    }

    /// Input channels per group.
    pub fn in_per_group(&self) -> usize {
        self.input[0] / self.groups.max(1)
    }

    /// Output channels per group.
    pub fn out_per_group(&self) -> usize {
        self.output[0] / self.groups.max(1)
    }

    /// Calls `f(target, weight_index)` for every output the input event `source` reaches (its
    /// kernel footprint), in ascending `(co, ky, kx)` order. Requires a geometry without
    /// `problems` and `source < source_size()`.
    pub fn for_each_target(&self, source: usize, mut f: impl FnMut(usize, usize)) {
        let [_, h_in, w_in] = self.input;
        let [_, h_out, w_out] = self.output;
        let [kh, kw] = self.kernel;
        let (ci, iy, ix) = (
            source / (h_in * w_in),
            (source / w_in) % h_in,
            source % w_in,
        );
        let (cig, cog) = (self.in_per_group(), self.out_per_group());
        let group = ci / cig;
        for co in group * cog..(group + 1) * cog {
            let w_base = (co * cig + ci % cig) * kh;
            for ky in 0..kh {
                let Some(oy) = tap(iy, ky, self.padding[0], self.dilation[0], self.stride[0])
                else {
                    continue;
                };
                if oy >= h_out {
                    continue;
                }
                for kx in 0..kw {
                    let Some(ox) = tap(ix, kx, self.padding[1], self.dilation[1], self.stride[1])
                    else {
                        continue;
                    };
                    if ox < w_out {
                        f((co * h_out + oy) * w_out + ox, (w_base + ky) * kw + kx);
                    }
                }
            }
        }
    }

    /// Everything wrong with the geometry itself (empty when it is usable).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (what, v) in [
            ("input", &self.input[..]),
            ("output", &self.output[..]),
            ("kernel", &self.kernel[..]),
            ("stride", &self.stride[..]),
            ("dilation", &self.dilation[..]),
        ] {
            if v.contains(&0) {
                out.push(format!("{what} {v:?} has a zero entry"));
            }
        }
        if self.groups == 0
            || !self.input[0].is_multiple_of(self.groups.max(1))
            || !self.output[0].is_multiple_of(self.groups.max(1))
        {
            out.push(format!(
                "groups {} must be >= 1 and divide both C_in {} and C_out {}",
                self.groups, self.input[0], self.output[0]
            ));
        }
        if !out.is_empty() {
            return out;
        }
        for axis in 0..2 {
            let extent = self.dilation[axis] * (self.kernel[axis] - 1) + 1;
            if self.padding[axis] >= extent {
                out.push(format!(
                    "padding {} on axis {axis} is not smaller than the dilated kernel extent {extent}",
                    self.padding[axis]
                ));
            }
            // The last output window must start inside the (top/left padded) input.
            let last_start = (self.output[axis + 1] - 1) * self.stride[axis];
            if last_start >= self.input[axis + 1] + self.padding[axis] {
                out.push(format!(
                    "output extent {} on axis {axis} is too large for input {} with stride {} and padding {}",
                    self.output[axis + 1],
                    self.input[axis + 1],
                    self.stride[axis],
                    self.padding[axis]
                ));
            }
        }
        out
    }
}

/// Output coordinate that reads input coordinate `i` through kernel tap `k`, if any:
/// `o*s - p + k*d = i`.
#[inline]
fn tap(i: usize, k: usize, p: usize, d: usize, s: usize) -> Option<usize> {
    let t = (i + p).checked_sub(k * d)?;
    t.is_multiple_of(s).then_some(t / s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry() -> ConvGeometry {
        ConvGeometry {
            input: [2, 4, 5],
            output: [4, 2, 3],
            kernel: [3, 2],
            stride: [2, 2],
            padding: [1, 0],
            dilation: [1, 2],
            groups: 2,
        }
    }

    /// The footprint (scatter) form visits exactly the taps of the direct (gather) formula.
    #[test]
    fn footprint_is_the_transpose_of_the_window() {
        let g = geometry();
        assert!(g.problems().is_empty(), "{:?}", g.problems());
        let mut scatter = Vec::new();
        for i in 0..g.source_size() {
            g.for_each_target(i, |o, w| scatter.push((o, i, w)));
        }
        let mut gather = Vec::new();
        let [_, h, w] = g.input;
        for co in 0..4 {
            for oy in 0..2 {
                for ox in 0..3 {
                    for c in 0..1 {
                        let ci = (co / 2) + c;
                        for ky in 0..3 {
                            for kx in 0..2 {
                                let iy = (oy * 2 + ky) as isize - 1;
                                let ix = (ox * 2 + kx * 2) as isize;
                                if iy < 0 || iy >= h as isize || ix >= w as isize {
                                    continue;
                                }
                                let i = (ci * h + iy as usize) * w + ix as usize;
                                let o = (co * 2 + oy) * 3 + ox;
                                gather.push((o, i, (co * 3 + ky) * 2 + kx));
                            }
                        }
                    }
                }
            }
        }
        scatter.sort_unstable();
        gather.sort_unstable();
        assert_eq!(scatter, gather);
    }

    #[test]
    fn bad_geometry_is_described() {
        let mut g = geometry();
        g.groups = 3;
        assert!(g.problems()[0].contains("groups 3"));
        let mut g = geometry();
        g.output[1] = 4;
        assert!(g.problems()[0].contains("output extent 4 on axis 0"));
        let mut g = geometry();
        g.padding = [3, 0];
        assert!(g.problems()[0].contains("padding 3 on axis 0"));
    }
}
