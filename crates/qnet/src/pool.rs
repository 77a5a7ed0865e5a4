//! Pooling in front of a projection (`PoolGeometry`): NIR `SumPool2d` (and `AvgPool2d`, whose
//! `1/(kH*kW)` the quantizer folds into the weights) over a `(C, H, W)` map, with windows that
//! do not overlap (`stride >= kernel`). Every source element then lies in at most one window,
//! so pooling is an *index map*: source element `i` feeds pooled element `map(i)` (or nothing,
//! when it lies in a gap between windows or past the last window). A pooled projection reads
//! the pooled vector `p[m] = Σ_{i: map(i) = m} s[i]` as its source; event-driven, each source
//! event `(i, v)` simply becomes the event `(map(i), v)` of the projection behind it, so the
//! weights stay those of that projection (dense rows or a shared kernel), never copies.
//!
//! Layouts are C-order: source `i = (c*H + y)*W + x`, pooled `m = (c*H_out + py)*W_out + px`.
//! Window `(py, px)` covers rows `py*sH - pH .. py*sH - pH + kH` (columns alike); rows outside
//! the map are zero padding (counted by AvgPool's `1/(kH*kW)`, as PyTorch's default).

use serde::{Deserialize, Serialize};

/// A non-overlapping 2-D pooling, seen as an index map from source to pooled elements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolGeometry {
    /// Source shape `(C, H, W)`.
    pub input: [usize; 3],
    /// Pooled shape `(C, H_out, W_out)` (the same `C`).
    pub output: [usize; 3],
    /// Window `(kH, kW)`.
    pub kernel: [usize; 2],
    /// Stride `(sH, sW)`, at least the window (windows do not overlap).
    pub stride: [usize; 2],
    /// Zero rows/columns before the first source row/column (smaller than the window).
    pub padding: [usize; 2],
}

impl PoolGeometry {
    /// Source elements `C*H*W`.
    pub fn source_size(&self) -> usize {
        self.input.iter().product()
    }

    /// Pooled elements `C*H_out*W_out`.
    pub fn target_size(&self) -> usize {
        self.output.iter().product()
    }

    /// Source elements summed into one pooled element at most: `kH*kW`.
    pub fn window(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// The pooled element source element `i` feeds, if any. Requires a geometry without
    /// `problems` and `i < source_size()`.
    pub fn map(&self, i: usize) -> Option<usize> {
        let [_, h, w] = self.input;
        let (c, y, x) = (i / (h * w), (i / w) % h, i % w);
        let py = along(
            y,
            self.padding[0],
            self.stride[0],
            self.kernel[0],
            self.output[1],
        )?;
        let px = along(
            x,
            self.padding[1],
            self.stride[1],
            self.kernel[1],
            self.output[2],
        )?;
        Some((c * self.output[1] + py) * self.output[2] + px)
    }

    /// True when some source element lies in no window (a gap between windows, or a cropped
    /// remainder past the last one). Requires a geometry without `problems`.
    pub fn drops(&self) -> bool {
        (0..2).any(|a| {
            (0..self.input[a + 1]).any(|y| {
                along(
                    y,
                    self.padding[a],
                    self.stride[a],
                    self.kernel[a],
                    self.output[a + 1],
                )
                .is_none()
            })
        })
    }

    /// Everything wrong with the geometry itself (empty when it is usable).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (what, v) in [
            ("input", &self.input[..]),
            ("output", &self.output[..]),
            ("kernel", &self.kernel[..]),
            ("stride", &self.stride[..]),
        ] {
            if v.contains(&0) {
                out.push(format!("pooling {what} {v:?} has a zero entry"));
            }
        }
        if !out.is_empty() {
            return out;
        }
        if self.input[0] != self.output[0] {
            out.push(format!(
                "pooling keeps the channels: input {:?} and output {:?} differ in C",
                self.input, self.output
            ));
        }
        for axis in 0..2 {
            let (k, s, p) = (self.kernel[axis], self.stride[axis], self.padding[axis]);
            if s < k {
                out.push(format!(
                    "pooling stride {s} on axis {axis} is smaller than its window {k}: overlapping windows are not an index map"
                ));
            }
            if p >= k {
                out.push(format!(
                    "pooling padding {p} on axis {axis} is not smaller than its window {k}"
                ));
            }
            // The last window must start inside the (top/left padded) source.
            if (self.output[axis + 1] - 1) * s >= self.input[axis + 1] + p {
                out.push(format!(
                    "pooled extent {} on axis {axis} is too large for a source of {} with stride {s} and padding {p}",
                    self.output[axis + 1],
                    self.input[axis + 1]
                ));
            }
        }
        out
    }
}

/// The window along one axis that covers coordinate `y`: `(y + p) / s` when `(y + p) % s < k`
/// and the window exists.
#[inline]
fn along(y: usize, p: usize, s: usize, k: usize, n: usize) -> Option<usize> {
    let t = y + p;
    (t % s < k && t / s < n).then_some(t / s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index map agrees with the window definition (gather form) on an odd map with
    /// padding, gaps (stride > kernel) and a cropped remainder.
    #[test]
    fn map_is_the_window_membership() {
        let g = PoolGeometry {
            input: [2, 7, 5],
            output: [2, 3, 2],
            kernel: [2, 2],
            stride: [3, 2],
            padding: [1, 0],
        };
        assert!(g.problems().is_empty(), "{:?}", g.problems());
        let [c, h, w] = g.input;
        for i in 0..g.source_size() {
            let (ch, y, x) = (i / (h * w), (i / w) % h, i % w);
            let mut windows = Vec::new();
            for py in 0..3 {
                for px in 0..2 {
                    let y0 = (py * 3) as isize - 1;
                    let x0 = (px * 2) as isize;
                    let (yi, xi) = (y as isize, x as isize);
                    if (y0..y0 + 2).contains(&yi) && (x0..x0 + 2).contains(&xi) {
                        windows.push((ch * 3 + py) * 2 + px);
                    }
                }
            }
            assert!(windows.len() <= 1);
            assert_eq!(g.map(i), windows.first().copied(), "element {i}");
        }
        assert!(c == 2);
    }

    #[test]
    fn bad_geometry_is_described() {
        let mut g = PoolGeometry {
            input: [1, 4, 4],
            output: [1, 2, 2],
            kernel: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
        };
        assert!(g.problems().is_empty());
        g.stride = [1, 2];
        assert!(
            g.problems()[0].contains("overlapping"),
            "{:?}",
            g.problems()
        );
        g.stride = [2, 2];
        g.output = [1, 3, 2];
        assert!(g.problems()[0].contains("pooled extent 3 on axis 0"));
        g.output = [2, 2, 2];
        assert!(g.problems()[0].contains("keeps the channels"));
    }
}
