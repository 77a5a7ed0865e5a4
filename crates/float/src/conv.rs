//! Convolution and pooling in the float network. The geometry types are the integer
//! contract's own (`qnet`'s `ConvGeometry`: a `Conv1d`/`Conv2d` NIR node as a 2-D
//! cross-correlation over a flattened `(C, H, W)` map, Conv1d is `H = 1`, with the event
//! footprint every engine uses; `PoolGeometry`: a pooling whose windows do not overlap, an
//! index map from source to pooled elements kept in front of the following projection's own
//! weights), so float, golden and cycle engines share one footprint. This module builds them
//! from NIR nodes (`ConvSpec`, `pool_geometry`), applies them to float vectors, and builds the
//! dense matrix of an overlapping pooling (which is composed with the following projection).
//!
//! Layouts are C-order like PyTorch: source `(ci*H_in + iy)*W_in + ix`, target
//! `(co*H_out + oy)*W_out + ox`, kernel `[C_out][C_in/groups][kH][kW]`. Output `(co, oy, ox)`
//! reads `iy = oy*stride - padding + ky*dilation` (columns alike) of its group's channels;
//! out-of-range rows/columns are zero padding.

use spikeloom_nir::Padding;

use crate::error::LowerError;

pub use spikeloom_qnet::{ConvGeometry, PoolGeometry};

/// The unrolled row-major `(target, source)` matrix of `kernel`.
pub(crate) fn to_dense(g: &ConvGeometry, kernel: &[f64]) -> Vec<f64> {
    let cols = g.source_size();
    let mut out = vec![0.0; g.target_size() * cols];
    for i in 0..cols {
        g.for_each_target(i, |o, k| out[o * cols + i] += kernel[k]);
    }
    out
}

/// `y = conv(x)` without bias.
pub(crate) fn apply(g: &ConvGeometry, kernel: &[f64], x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; g.target_size()];
    for (i, v) in x.iter().enumerate().filter(|(_, v)| **v != 0.0) {
        g.for_each_target(i, |o, k| y[o] += kernel[k] * v);
    }
    y
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

/// The geometry of a pooling node with PyTorch's output extent, if its windows do not overlap
/// (`stride >= kernel`: every source element lies in at most one window, so the pooling is an
/// index map, `PoolGeometry::map`); `None` for an overlapping pooling (a matrix, `pool_matrix`).
pub(crate) fn pool_geometry(
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

/// `y = scale * pool(x)`.
pub(crate) fn pool_apply(g: &PoolGeometry, scale: f64, x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; g.target_size()];
    for (i, v) in x.iter().enumerate() {
        if let Some(m) = g.map(i) {
            y[m] += scale * v;
        }
    }
    y
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
        let dense = to_dense(&g, &kernel);
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
            let g = pool_geometry(input, kernel, stride, padding).unwrap();
            let (rows, cols, m) = pool_matrix("p", input, kernel, stride, padding, 1.0).unwrap();
            assert_eq!((rows, cols), (g.target_size(), g.source_size()));
            for c in 0..cols {
                let hits: Vec<usize> = (0..rows).filter(|&r| m[r * cols + c] != 0.0).collect();
                assert_eq!(g.map(c), hits.first().copied(), "column {c}");
                assert!(hits.len() <= 1);
            }
        }
        assert!(pool_geometry([1, 4, 4], [3, 3], [2, 2], [0, 0]).is_none());
    }

    #[test]
    fn average_pool_divides_each_window() {
        let (rows, cols, m) = pool_matrix("p", [1, 4, 4], [2, 2], [2, 2], [0, 0], 0.25).unwrap();
        assert_eq!((rows, cols), (4, 16));
        assert_eq!(&m[..8], &[0.25, 0.25, 0.0, 0.0, 0.25, 0.25, 0.0, 0.0]);
        assert!(m.chunks(16).all(|r| r.iter().sum::<f64>() == 1.0));
    }
}
