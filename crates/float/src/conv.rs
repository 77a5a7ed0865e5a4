//! Convolution and pooling geometry of the float network: `ConvGeometry` (a `Conv1d`/`Conv2d`
//! NIR node as a 2-D cross-correlation over a flattened `(C, H, W)` map; Conv1d is `H = 1`),
//! the event footprint both the engine and the lowering use; `PoolGeometry` (a pooling whose
//! windows do not overlap: an index map from source to pooled elements, kept in front of the
//! following projection's own weights), and the dense matrix of an overlapping pooling (which
//! is composed with the following projection).
//!
//! Layouts are C-order like PyTorch: source `(ci*H_in + iy)*W_in + ix`, target
//! `(co*H_out + oy)*W_out + ox`, kernel `[C_out][C_in/groups][kH][kW]`. Output `(co, oy, ox)`
//! reads `iy = oy*stride - padding + ky*dilation` (columns alike) of its group's channels;
//! out-of-range rows/columns are zero padding.

use spikeloom_nir::Padding;

use crate::error::LowerError;

/// Geometry of a convolution projection (the weights live in `Projection::weight`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Source shape `(C_in, H_in, W_in)`.
    pub input: [usize; 3],
    /// Target shape `(C_out, H_out, W_out)`.
    pub output: [usize; 3],
    /// Kernel `(kH, kW)`.
    pub kernel: [usize; 2],
    /// Stride `(sH, sW)`.
    pub stride: [usize; 2],
    /// Zero rows/columns before the first input row/column.
    pub padding: [usize; 2],
    /// Dilation `(dH, dW)`.
    pub dilation: [usize; 2],
    /// Channel groups.
    pub groups: usize,
}

impl ConvGeometry {
    /// Kernel weights: `C_out * C_in/groups * kH * kW`.
    pub fn weight_len(&self) -> usize {
        self.output[0] * (self.input[0] / self.groups.max(1)) * self.kernel[0] * self.kernel[1]
    }

    /// Source neurons.
    pub fn source_size(&self) -> usize {
        self.input.iter().product()
    }

    /// Target neurons.
    pub fn target_size(&self) -> usize {
        self.output.iter().product()
    }

    /// Neurons per output channel (`H_out*W_out`).
    pub fn plane(&self) -> usize {
        self.output[1] * self.output[2]
    }

    /// Kernel weights per output channel.
    pub fn per_channel(&self) -> usize {
        self.weight_len() / self.output[0].max(1)
    }

    /// Calls `f(target, kernel_index)` for each output the input event `source` reaches.
    pub fn for_each_target(&self, source: usize, mut f: impl FnMut(usize, usize)) {
        let [_, h_in, w_in] = self.input;
        let [c_out, h_out, w_out] = self.output;
        let [kh, kw] = self.kernel;
        let cig = self.input[0] / self.groups;
        let cog = c_out / self.groups;
        let (ci, iy, ix) = (
            source / (h_in * w_in),
            (source / w_in) % h_in,
            source % w_in,
        );
        let g = ci / cig;
        for co in g * cog..(g + 1) * cog {
            let base = (co * cig + ci % cig) * kh;
            for ky in 0..kh {
                let Some(oy) = tap(iy, ky, self.padding[0], self.dilation[0], self.stride[0])
                    .filter(|&o| o < h_out)
                else {
                    continue;
                };
                for kx in 0..kw {
                    if let Some(ox) = tap(ix, kx, self.padding[1], self.dilation[1], self.stride[1])
                        .filter(|&o| o < w_out)
                    {
                        f((co * h_out + oy) * w_out + ox, (base + ky) * kw + kx);
                    }
                }
            }
        }
    }

    /// The unrolled row-major `(target, source)` matrix of `kernel`.
    pub fn to_dense(&self, kernel: &[f64]) -> Vec<f64> {
        let cols = self.source_size();
        let mut out = vec![0.0; self.target_size() * cols];
        for i in 0..cols {
            self.for_each_target(i, |o, k| out[o * cols + i] += kernel[k]);
        }
        out
    }

    /// `y = conv(x)` without bias.
    pub fn apply(&self, kernel: &[f64], x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.target_size()];
        for (i, v) in x.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            self.for_each_target(i, |o, k| y[o] += kernel[k] * v);
        }
        y
    }
}

/// Output coordinate reading input coordinate `i` through tap `k`: `o*s - p + k*d = i`.
fn tap(i: usize, k: usize, p: usize, d: usize, s: usize) -> Option<usize> {
    let t = (i + p).checked_sub(k * d)?;
    t.is_multiple_of(s).then_some(t / s)
}

/// Builds the geometry of a Conv1d/Conv2d node from its parameters and its input shape.
pub(crate) struct ConvSpec<'a> {
    pub(crate) node: &'a str,
    /// Weight shape `(C_out, C_in/groups, [kH,] kW)`.
    pub(crate) weight_shape: &'a [usize],
    pub(crate) stride: [usize; 2],
    pub(crate) padding: &'a Padding,
    pub(crate) dilation: [usize; 2],
    pub(crate) groups: usize,
    /// Input shape `(C, H, W)` (Conv1d: `(C, 1, L)`).
    pub(crate) input: [usize; 3],
}

impl ConvSpec<'_> {
    pub(crate) fn geometry(&self) -> Result<ConvGeometry, LowerError> {
        let err = |detail: String| LowerError::Shape {
            node: self.node.to_string(),
            detail,
        };
        let (c_out, cig, kernel) = match *self.weight_shape {
            [co, ci, k] => (co, ci, [1, k]),
            [co, ci, kh, kw] => (co, ci, [kh, kw]),
            ref s => {
                return Err(err(format!(
                    "weight has shape {s:?}; expected (C_out, C_in/groups, [kH,] kW)"
                )))
            }
        };
        let groups = self.groups;
        if groups == 0 || !c_out.is_multiple_of(groups) || self.input[0] != cig * groups {
            return Err(err(format!(
                "input has {} channels, weight expects C_in/groups = {cig} with groups = {groups} (and C_out {c_out} divisible by groups)",
                self.input[0]
            )));
        }
        if self.stride.contains(&0) || self.dilation.contains(&0) || kernel.contains(&0) {
            return Err(err("stride, dilation and kernel must be >= 1".into()));
        }
        let one_d = self.weight_shape.len() == 3;
        let padding = match self.padding {
            Padding::Valid => [0, 0],
            Padding::Same => {
                if self.stride != [1, 1] {
                    return Err(err("padding \"same\" needs stride 1 (as in PyTorch)".into()));
                }
                // PyTorch puts the odd extra zero row/column at the end.
                [0, 1].map(|a| self.dilation[a] * (kernel[a] - 1) / 2)
            }
            Padding::Explicit(p) => match (one_d, p.as_slice()) {
                (true, [x]) => [0, *x],
                (false, [x]) => [*x, *x],
                (false, [y, x]) => [*y, *x],
                _ => return Err(err(format!("padding {p:?} does not match the kernel rank"))),
            },
        };
        let mut output = [c_out, 0, 0];
        for a in 0..2 {
            let n = self.input[a + 1];
            let span = self.dilation[a] * (kernel[a] - 1) + 1;
            output[a + 1] = if *self.padding == Padding::Same {
                n
            } else if n + 2 * padding[a] >= span {
                (n + 2 * padding[a] - span) / self.stride[a] + 1
            } else {
                return Err(err(format!(
                    "kernel extent {span} does not fit input extent {n} with padding {}",
                    padding[a]
                )));
            };
        }
        Ok(ConvGeometry {
            input: self.input,
            output,
            kernel,
            stride: self.stride,
            padding,
            dilation: self.dilation,
            groups,
        })
    }
}

/// A pooling whose windows do not overlap (`stride >= kernel`): every source element lies in
/// at most one window, so the pooling is an index map (`map`). Layouts as the module doc;
/// window `(py, px)` covers rows `py*sH - pH .. py*sH - pH + kH` (columns alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolGeometry {
    /// Source shape `(C, H, W)`.
    pub input: [usize; 3],
    /// Pooled shape `(C, H_out, W_out)`.
    pub output: [usize; 3],
    /// Window `(kH, kW)`.
    pub kernel: [usize; 2],
    /// Stride `(sH, sW)`, at least the window.
    pub stride: [usize; 2],
    /// Zero rows/columns before the first source row/column.
    pub padding: [usize; 2],
}

impl PoolGeometry {
    /// The geometry of a pooling node with PyTorch's output extent, if its windows do not
    /// overlap (`None`: an overlapping pooling, which is not an index map).
    pub(crate) fn non_overlapping(
        input: [usize; 3],
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> Option<PoolGeometry> {
        let mut output = [input[0], 0, 0];
        for a in 0..2 {
            if stride[a] < kernel[a] || kernel[a] == 0 || padding[a] >= kernel[a] {
                return None;
            }
            output[a + 1] = (input[a + 1] + 2 * padding[a]).checked_sub(kernel[a])? / stride[a] + 1;
        }
        Some(PoolGeometry {
            input,
            output,
            kernel,
            stride,
            padding,
        })
    }

    /// Source elements.
    pub fn source_size(&self) -> usize {
        self.input.iter().product()
    }

    /// Pooled elements.
    pub fn target_size(&self) -> usize {
        self.output.iter().product()
    }

    /// The pooled element source element `i` feeds, if any (`None`: a gap or the cropped
    /// remainder past the last window).
    pub fn map(&self, i: usize) -> Option<usize> {
        let [_, h, w] = self.input;
        let (c, y, x) = (i / (h * w), (i / w) % h, i % w);
        let along = |v: usize, a: usize| {
            let t = v + self.padding[a];
            (t % self.stride[a] < self.kernel[a] && t / self.stride[a] < self.output[a + 1])
                .then_some(t / self.stride[a])
        };
        Some((c * self.output[1] + along(y, 0)?) * self.output[2] + along(x, 1)?)
    }

    /// `y = scale * pool(x)`.
    pub(crate) fn apply(&self, scale: f64, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.target_size()];
        for (i, v) in x.iter().enumerate() {
            if let Some(m) = self.map(i) {
                y[m] += scale * v;
            }
        }
        y
    }
}

/// Row-major `(C*H_out*W_out, C*H*W)` matrix of a sum pooling (`scale` = 1) or average pooling
/// (`scale` = 1/(kH*kW), zero padding counted as NIR and PyTorch's default do).
pub(crate) fn pool_matrix(
    node: &str,
    input: [usize; 3],
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    scale: f64,
) -> Result<(usize, usize, Vec<f64>), LowerError> {
    let [c, h, w] = input;
    if kernel.contains(&0) || stride.contains(&0) {
        return Err(LowerError::Shape {
            node: node.to_string(),
            detail: "kernel_size and stride must be >= 1".into(),
        });
    }
    let out_len = |n: usize, a: usize| {
        (n + 2 * padding[a])
            .checked_sub(kernel[a])
            .map(|x| x / stride[a] + 1)
    };
    let (Some(ho), Some(wo)) = (out_len(h, 0), out_len(w, 1)) else {
        return Err(LowerError::Shape {
            node: node.to_string(),
            detail: format!(
                "kernel {kernel:?} does not fit input {input:?} with padding {padding:?}"
            ),
        });
    };
    let (rows, cols) = (c * ho * wo, c * h * w);
    let mut data = vec![0.0; rows * cols];
    for ch in 0..c {
        for oy in 0..ho {
            for ox in 0..wo {
                let r = (ch * ho + oy) * wo + ox;
                for ky in 0..kernel[0] {
                    for kx in 0..kernel[1] {
                        let (iy, ix) = (oy * stride[0] + ky, ox * stride[1] + kx);
                        if iy < padding[0]
                            || ix < padding[1]
                            || iy - padding[0] >= h
                            || ix - padding[1] >= w
                        {
                            continue;
                        }
                        data[r * cols + (ch * h + iy - padding[0]) * w + ix - padding[1]] += scale;
                    }
                }
            }
        }
    }
    Ok((rows, cols, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_matches_the_direct_formula() {
        let g = ConvGeometry {
            input: [2, 5, 4],
            output: [2, 3, 2],
            kernel: [3, 3],
            stride: [2, 1],
            padding: [1, 0],
            dilation: [1, 1],
            groups: 1,
        };
        let kernel: Vec<f64> = (0..g.weight_len()).map(|k| k as f64 + 1.0).collect();
        let dense = g.to_dense(&kernel);
        // Direct cross-correlation of one-hot inputs.
        for co in 0..2 {
            for oy in 0..3usize {
                for ox in 0..2usize {
                    for ci in 0..2 {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let iy = (oy * 2 + ky) as isize - 1;
                                let ix = ox + kx;
                                if !(0..5).contains(&iy) || ix >= 4 {
                                    continue;
                                }
                                let o = (co * 3 + oy) * 2 + ox;
                                let i = (ci * 5 + iy as usize) * 4 + ix;
                                let w = kernel[((co * 2 + ci) * 3 + ky) * 3 + kx];
                                assert_eq!(dense[o * 40 + i], w, "o {o} i {i}");
                            }
                        }
                    }
                }
            }
        }
        let nonzero = dense.iter().filter(|v| **v != 0.0).count();
        // Valid kernel rows per output row: 2 (top padding), 3, 2 (past the bottom); 3 columns
        // for both output columns; per (co, ci) pair.
        assert_eq!(nonzero, 2 * 2 * (2 + 3 + 2) * 3 * 2);
    }

    /// The index map of a non-overlapping pooling is the transpose of its matrix, on an odd
    /// map with padding and a cropped remainder, and with gaps (stride > kernel).
    #[test]
    fn pool_map_matches_the_pool_matrix() {
        for (input, kernel, stride, padding) in [
            ([2, 5, 7], [2, 2], [2, 2], [0, 1]),
            ([1, 7, 6], [2, 3], [3, 3], [1, 0]),
        ] {
            let g = PoolGeometry::non_overlapping(input, kernel, stride, padding).unwrap();
            let (rows, cols, m) = pool_matrix("p", input, kernel, stride, padding, 1.0).unwrap();
            assert_eq!((rows, cols), (g.target_size(), g.source_size()));
            for c in 0..cols {
                let hits: Vec<usize> = (0..rows).filter(|&r| m[r * cols + c] != 0.0).collect();
                assert_eq!(g.map(c), hits.first().copied(), "column {c}");
                assert!(hits.len() <= 1);
            }
        }
        assert!(PoolGeometry::non_overlapping([1, 4, 4], [3, 3], [2, 2], [0, 0]).is_none());
    }

    #[test]
    fn average_pool_divides_each_window() {
        let (rows, cols, m) = pool_matrix("p", [1, 4, 4], [2, 2], [2, 2], [0, 0], 0.25).unwrap();
        assert_eq!((rows, cols), (4, 16));
        assert_eq!(&m[..8], &[0.25, 0.25, 0.0, 0.0, 0.25, 0.25, 0.0, 0.0]);
        assert!(m.chunks(16).all(|r| r.iter().sum::<f64>() == 1.0));
    }
}
