//! Linear maps and affine expressions used while lowering: the value of every synapse node
//! (Affine, Linear, Scale, Flatten, Conv, pooling, and sums of edges) is an affine function of
//! spike sources (the graph input and neuron nodes). Identity and diagonal maps stay compact
//! until the end so Flatten/Scale chains do not build dense `n x n` matrices; a convolution of a
//! source stays a shared kernel (`Map::Conv`) unless it is composed with something that is not
//! a per-channel scale, then it is unrolled. A non-overlapping pooling of a source (`Map::Pool`)
//! stays an index map in front of whatever follows it (`Map::Pooled`: the following Conv keeps
//! its kernel, the following Flatten + Affine its own matrix), so weights are never copied per
//! pooled element; only a pooling behind another map (no neuron in between) is unrolled.
//!
//! A NIR `Delay` does not change a map: it moves the term to a key with per-source-element
//! delays (`TermKey::delay`), which the following linear nodes leave alone. That is exact when
//! every source element reaches the Delay's elements through non-zero weights only at one
//! delay (always true right after a source, or after Flatten/Scale/non-overlapping pooling, or
//! for a uniform delay); other placements are rejected by `Expr::delayed`.

use std::collections::BTreeMap;

use crate::conv::{self, ConvGeometry, PoolGeometry};

/// A linear map from a source vector (`cols`) to a node's vector (`rows`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Map {
    /// `y = x`.
    Identity(usize),
    /// `y = d ⊙ x`.
    Diag(Vec<f64>),
    /// Row-major `(rows, cols)`.
    Dense {
        rows: usize,
        cols: usize,
        data: Vec<f64>,
    },
    /// A convolution with its kernel (`rows = target_size`, `cols = source_size`).
    Conv(ConvGeometry, Vec<f64>),
    /// A non-overlapping sum pooling times a scale (AvgPool: `1/(kH*kW)`; `rows` = pooled
    /// elements, `cols` = source elements).
    Pool(PoolGeometry, f64),
    /// `inner ∘ pool` with the pooling's scale folded into `inner` (`cols` = the pooling's
    /// source elements, `rows` = `inner`'s rows).
    Pooled(PoolGeometry, Box<Map>),
}

impl Map {
    pub(crate) fn rows(&self) -> usize {
        match self {
            Map::Identity(n) => *n,
            Map::Diag(d) => d.len(),
            Map::Dense { rows, .. } => *rows,
            Map::Conv(g, _) => g.target_size(),
            Map::Pool(g, _) => g.target_size(),
            Map::Pooled(_, inner) => inner.rows(),
        }
    }

    pub(crate) fn cols(&self) -> usize {
        match self {
            Map::Identity(n) => *n,
            Map::Diag(d) => d.len(),
            Map::Dense { cols, .. } => *cols,
            Map::Conv(g, _) => g.source_size(),
            Map::Pool(g, _) | Map::Pooled(g, _) => g.source_size(),
        }
    }

    /// Every weight times `s` (the map itself when `s` is 1).
    fn scaled(&self, s: f64) -> Map {
        if s == 1.0 {
            return self.clone();
        }
        match self {
            Map::Identity(n) => Map::Diag(vec![s; *n]),
            Map::Diag(d) => Map::Diag(d.iter().map(|v| v * s).collect()),
            Map::Dense { rows, cols, data } => Map::Dense {
                rows: *rows,
                cols: *cols,
                data: data.iter().map(|v| v * s).collect(),
            },
            Map::Conv(g, k) => Map::Conv(g.clone(), k.iter().map(|v| v * s).collect()),
            Map::Pool(g, t) => Map::Pool(g.clone(), t * s),
            Map::Pooled(g, inner) => Map::Pooled(g.clone(), Box::new(inner.scaled(s))),
        }
    }

    /// `outer ∘ self`. Caller guarantees `outer.cols() == self.rows()`.
    pub(crate) fn then(&self, outer: &Map) -> Map {
        match (outer, self) {
            (Map::Identity(_), inner) => inner.clone(),
            (outer, Map::Identity(_)) => outer.clone(),
            // the pooling stays an index map; what follows it keeps its own weights
            (outer, Map::Pool(g, s)) => Map::Pooled(g.clone(), Box::new(outer.scaled(*s))),
            (outer, Map::Pooled(g, inner)) => Map::Pooled(g.clone(), Box::new(inner.then(outer))),
            (outer @ (Map::Pool(..) | Map::Pooled(..)), inner) => inner.then(&outer.densified()),
            (Map::Diag(d), Map::Conv(g, k)) => match channel_scales(g, d) {
                Some(scales) => Map::Conv(g.clone(), scale_kernel(g, k, &scales)),
                None => self.densified().then(outer),
            },
            (Map::Conv(g, k), Map::Diag(d)) if d.iter().all(|v| *v == d[0]) => {
                Map::Conv(g.clone(), k.iter().map(|w| w * d[0]).collect())
            }
            (outer @ Map::Conv(..), inner) => inner.then(&outer.densified()),
            (outer, inner @ Map::Conv(..)) => inner.densified().then(outer),
            (Map::Diag(a), Map::Diag(b)) => {
                Map::Diag(a.iter().zip(b).map(|(x, y)| x * y).collect())
            }
            (Map::Diag(a), Map::Dense { rows, cols, data }) => {
                let mut out = data.clone();
                for (r, row) in out.chunks_mut(*cols).enumerate() {
                    row.iter_mut().for_each(|w| *w *= a[r]);
                }
                Map::Dense {
                    rows: *rows,
                    cols: *cols,
                    data: out,
                }
            }
            (Map::Dense { rows, cols, data }, Map::Diag(b)) => {
                let mut out = data.clone();
                for row in out.chunks_mut(*cols) {
                    row.iter_mut().zip(b).for_each(|(w, s)| *w *= s);
                }
                Map::Dense {
                    rows: *rows,
                    cols: *cols,
                    data: out,
                }
            }
            (
                Map::Dense {
                    rows,
                    cols: mid,
                    data: a,
                },
                Map::Dense { cols, data: b, .. },
            ) => {
                let mut out = vec![0.0; rows * cols];
                for r in 0..*rows {
                    let out_row = &mut out[r * cols..(r + 1) * cols];
                    for k in 0..*mid {
                        let w = a[r * mid + k];
                        if w != 0.0 {
                            let b_row = &b[k * cols..(k + 1) * cols];
                            out_row.iter_mut().zip(b_row).for_each(|(o, x)| *o += w * x);
                        }
                    }
                }
                Map::Dense {
                    rows: *rows,
                    cols: *cols,
                    data: out,
                }
            }
        }
    }

    /// A convolution or pooling unrolled to a dense matrix; other maps unchanged.
    pub(crate) fn densified(&self) -> Map {
        match self {
            Map::Conv(..) | Map::Pool(..) | Map::Pooled(..) => Map::Dense {
                rows: self.rows(),
                cols: self.cols(),
                data: self.to_dense(),
            },
            other => other.clone(),
        }
    }

    /// Scales row `r` by `gain[r]`, keeping a convolution when the gain is uniform per channel.
    pub(crate) fn scale_rows(&self, gain: &[f64]) -> Map {
        if gain.iter().all(|g| *g == 1.0) {
            return self.clone();
        }
        self.then(&Map::Diag(gain.to_vec()))
    }

    /// Element-wise sum of two maps of the same shape.
    pub(crate) fn add(&self, other: &Map) -> Map {
        match (self, other) {
            (Map::Conv(g, a), Map::Conv(h, b)) if g == h => {
                Map::Conv(g.clone(), a.iter().zip(b).map(|(x, y)| x + y).collect())
            }
            (Map::Pooled(g, a), Map::Pooled(h, b)) if g == h => {
                Map::Pooled(g.clone(), Box::new(a.add(b)))
            }
            (a @ (Map::Conv(..) | Map::Pool(..) | Map::Pooled(..)), b)
            | (a, b @ (Map::Conv(..) | Map::Pool(..) | Map::Pooled(..))) => {
                a.densified().add(&b.densified())
            }
            (
                Map::Dense {
                    rows,
                    cols,
                    data: a,
                },
                Map::Dense { data: b, .. },
            ) => Map::Dense {
                rows: *rows,
                cols: *cols,
                data: a.iter().zip(b).map(|(x, y)| x + y).collect(),
            },
            (a, b) if a.is_diagonal() && b.is_diagonal() => Map::Diag(
                a.diagonal()
                    .iter()
                    .zip(b.diagonal())
                    .map(|(x, y)| x + y)
                    .collect(),
            ),
            (a, b) => Map::Dense {
                rows: a.rows(),
                cols: a.cols(),
                data: add_dense(&a.to_dense(), &b.to_dense()),
            },
        }
    }

    fn is_diagonal(&self) -> bool {
        matches!(self, Map::Identity(_) | Map::Diag(_))
    }

    fn diagonal(&self) -> Vec<f64> {
        match self {
            Map::Identity(n) => vec![1.0; *n],
            Map::Diag(d) => d.clone(),
            Map::Dense { .. } | Map::Conv(..) | Map::Pool(..) | Map::Pooled(..) => {
                unreachable!("diagonal() is only called on diagonal maps")
            }
        }
    }

    /// Row-major dense matrix.
    pub(crate) fn to_dense(&self) -> Vec<f64> {
        match self {
            Map::Dense { data, .. } => data.clone(),
            Map::Conv(g, k) => conv::to_dense(g, k),
            Map::Pool(g, s) => {
                let cols = g.source_size();
                let mut out = vec![0.0; g.target_size() * cols];
                for c in 0..cols {
                    if let Some(m) = g.map(c) {
                        out[m * cols + c] = *s;
                    }
                }
                out
            }
            Map::Pooled(g, inner) => {
                let (rows, cols, mid) = (inner.rows(), g.source_size(), g.target_size());
                let dense = inner.to_dense();
                let mut out = vec![0.0; rows * cols];
                for c in 0..cols {
                    if let Some(m) = g.map(c) {
                        for r in 0..rows {
                            out[r * cols + c] = dense[r * mid + m];
                        }
                    }
                }
                out
            }
            diag => {
                let d = diag.diagonal();
                let n = d.len();
                let mut out = vec![0.0; n * n];
                for (i, v) in d.iter().enumerate() {
                    out[i * n + i] = *v;
                }
                out
            }
        }
    }

    /// `y = A x` for a dense vector.
    pub(crate) fn apply(&self, x: &[f64]) -> Vec<f64> {
        match self {
            Map::Identity(_) => x.to_vec(),
            Map::Diag(d) => d.iter().zip(x).map(|(a, b)| a * b).collect(),
            Map::Dense { cols, data, .. } => data
                .chunks(*cols)
                .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
                .collect(),
            Map::Conv(g, k) => conv::apply(g, k, x),
            Map::Pool(g, s) => conv::pool_apply(g, *s, x),
            Map::Pooled(g, inner) => inner.apply(&conv::pool_apply(g, 1.0, x)),
        }
    }
}

/// The per-output-channel factors of `d`, if `d` is constant over each channel's plane.
fn channel_scales(g: &ConvGeometry, d: &[f64]) -> Option<Vec<f64>> {
    let plane = g.plane().max(1);
    d.chunks(plane)
        .map(|c| c.iter().all(|v| *v == c[0]).then_some(c[0]))
        .collect()
}

fn scale_kernel(g: &ConvGeometry, kernel: &[f64], scales: &[f64]) -> Vec<f64> {
    kernel
        .chunks(g.fan_in().max(1))
        .zip(scales)
        .flat_map(|(k, s)| k.iter().map(move |w| w * s))
        .collect()
}

/// The delay of every source element (column) of `map`, given the delay of every target
/// element (row): the common delay of the rows it reaches with a non-zero weight (0 when it
/// reaches none). `Err((column, delay, other delay))` when the rows disagree.
fn source_delays(map: &Map, steps: &[usize]) -> Result<Vec<usize>, (usize, usize, usize)> {
    let cols = map.cols();
    if let Some(first) = steps.first() {
        if steps.iter().all(|d| d == first) {
            return Ok(vec![*first; cols]);
        }
    }
    match map {
        Map::Identity(_) | Map::Diag(_) => Ok(steps.to_vec()),
        _ => {
            let dense = map.to_dense();
            let mut out: Vec<Option<usize>> = vec![None; cols];
            for (r, row) in dense.chunks(cols.max(1)).enumerate() {
                for (c, w) in row.iter().enumerate() {
                    if *w == 0.0 {
                        continue;
                    }
                    match out[c] {
                        Some(d) if d != steps[r] => return Err((c, d, steps[r])),
                        _ => out[c] = Some(steps[r]),
                    }
                }
            }
            Ok(out.into_iter().map(|d| d.unwrap_or(0)).collect())
        }
    }
}

fn add_dense(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// One source's contribution to an expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    /// Map from the source's spikes to the expression's vector.
    pub(crate) map: Map,
    /// Synapse node names the contribution passed through (for `Projection::origin`).
    pub(crate) origins: Vec<String>,
}

/// Which spikes a term reads: a source (NIR node name) and the delay in steps of each source
/// element (empty: no delay). Contributions of one source at different delays stay apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TermKey {
    pub(crate) source: String,
    pub(crate) delay: Vec<usize>,
}

impl TermKey {
    fn plain(source: &str) -> TermKey {
        TermKey {
            source: source.to_string(),
            delay: Vec::new(),
        }
    }
}

/// `y = Σ_src map_src · s_src(t - delay_src) + bias`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub(crate) size: usize,
    pub(crate) terms: BTreeMap<TermKey, Term>,
    pub(crate) bias: Vec<f64>,
}

impl Expr {
    /// The spikes of one source, unweighted.
    pub(crate) fn source(name: &str, size: usize) -> Expr {
        let term = Term {
            map: Map::Identity(size),
            origins: Vec::new(),
        };
        Expr {
            size,
            terms: BTreeMap::from([(TermKey::plain(name), term)]),
            bias: vec![0.0; size],
        }
    }

    /// An expression with no contribution yet.
    pub(crate) fn zero(size: usize) -> Expr {
        Expr {
            size,
            terms: BTreeMap::new(),
            bias: vec![0.0; size],
        }
    }

    /// Adds `other` (same size) into `self`; contributions of the same source at the same
    /// delays are summed.
    pub(crate) fn add(&mut self, other: &Expr) {
        for (key, term) in &other.terms {
            self.add_term(key, term);
        }
        self.bias
            .iter_mut()
            .zip(&other.bias)
            .for_each(|(a, b)| *a += b);
    }

    fn add_term(&mut self, key: &TermKey, term: &Term) {
        match self.terms.get_mut(key) {
            Some(mine) => {
                mine.map = mine.map.add(&term.map);
                for o in &term.origins {
                    if !mine.origins.contains(o) {
                        mine.origins.push(o.clone());
                    }
                }
            }
            None => {
                self.terms.insert(key.clone(), term.clone());
            }
        }
    }

    /// The expression seen through a NIR `Delay` of `steps[k]` steps on element `k`: each
    /// term's source elements get the delay of the elements they reach. Errors (with the
    /// reason) when a source element reaches elements of different delays, or a biased
    /// element is delayed (a delayed constant would be missing for its first steps).
    pub(crate) fn delayed(&self, steps: &[usize], node: &str) -> Result<Expr, String> {
        debug_assert_eq!(steps.len(), self.size);
        if let Some(k) = (0..self.size).find(|&k| steps[k] > 0 && self.bias[k] != 0.0) {
            return Err(format!(
                "element {k} carries a constant bias ({}) from an Affine or convolution before the \
                 Delay; a delayed constant is zero for its first {} steps, which a bias cannot \
                 express; place the Delay before the biased node",
                self.bias[k], steps[k]
            ));
        }
        let mut out = Expr::zero(self.size);
        out.bias = self.bias.clone();
        for (key, term) in &self.terms {
            let per_source = source_delays(&term.map, steps).map_err(|(j, a, b)| {
                format!(
                    "element {j} of source `{}` reaches Delay elements with different delays \
                     ({a} and {b} steps) through `{}`; per-source delays cannot express that; \
                     place the Delay directly after the source (or use one delay value)",
                    key.source,
                    if term.origins.is_empty() {
                        key.source.clone()
                    } else {
                        term.origins.join(" -> ")
                    }
                )
            })?;
            let delay: Vec<usize> = if key.delay.is_empty() {
                per_source
            } else {
                key.delay
                    .iter()
                    .zip(&per_source)
                    .map(|(a, b)| a + b)
                    .collect()
            };
            let key = TermKey {
                source: key.source.clone(),
                delay: if delay.iter().all(|d| *d == 0) {
                    Vec::new()
                } else {
                    delay
                },
            };
            let mut term = term.clone();
            term.origins.push(node.to_string());
            out.add_term(&key, &term);
        }
        Ok(out)
    }

    /// `outer · self + bias`, recording `node` as an origin of every term.
    pub(crate) fn transform(&self, outer: &Map, bias: Option<&[f64]>, node: &str) -> Expr {
        let terms = self
            .terms
            .iter()
            .map(|(key, term)| {
                let mut origins = term.origins.clone();
                origins.push(node.to_string());
                (
                    key.clone(),
                    Term {
                        map: term.map.then(outer),
                        origins,
                    },
                )
            })
            .collect();
        let mut new_bias = outer.apply(&self.bias);
        if let Some(b) = bias {
            new_bias.iter_mut().zip(b).for_each(|(a, c)| *a += c);
        }
        Expr {
            size: outer.rows(),
            terms,
            bias: new_bias,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense(rows: usize, cols: usize, data: &[f64]) -> Map {
        Map::Dense {
            rows,
            cols,
            data: data.to_vec(),
        }
    }

    #[test]
    fn composition_matches_matrix_product() {
        // [[1,2],[3,4]] · [[5],[6]] = [[17],[39]]
        let inner = dense(2, 1, &[5.0, 6.0]);
        let outer = dense(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(inner.then(&outer), dense(2, 1, &[17.0, 39.0]));
        let d = Map::Diag(vec![2.0, -1.0]);
        assert_eq!(inner.then(&d), dense(2, 1, &[10.0, -6.0]));
        assert_eq!(d.then(&outer), dense(2, 2, &[2.0, -2.0, 6.0, -4.0]));
        assert_eq!(Map::Identity(2).then(&d), d);
    }

    /// Pool then Affine keeps the Affine's matrix behind the index map (no copies), and equals
    /// the dense product of the two; an AvgPool's scale lands in the weights.
    #[test]
    fn pooling_stays_an_index_map_in_front_of_the_weights() {
        let g = conv::pool_geometry([1, 2, 4], [2, 2], [2, 2], [0, 0]).unwrap();
        let affine = dense(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let pooled = Map::Pool(g.clone(), 0.25).then(&affine);
        match &pooled {
            Map::Pooled(h, inner) => {
                assert_eq!(h, &g);
                assert_eq!(**inner, affine.scaled(0.25));
            }
            other => panic!("not pooled: {other:?}"),
        }
        let pool_dense = Map::Pool(g.clone(), 0.25).densified();
        assert_eq!(pooled.to_dense(), pool_dense.then(&affine).to_dense());
        // a per-row gain (a neuron's input scale) stays behind the index map as well
        let gained = pooled.scale_rows(&[2.0, 1.0, 1.0]);
        assert!(matches!(gained, Map::Pooled(..)), "{gained:?}");
        let x = [1.0, 0.0, 2.0, 3.0, 0.0, 1.0, 1.0, 1.0];
        assert_eq!(pooled.apply(&x), pool_dense.then(&affine).apply(&x));
    }

    #[test]
    fn sums_merge_per_source_and_densify_only_when_needed() {
        let mut a = Expr::source("x", 2);
        a.add(&Expr::source("x", 2));
        let x = TermKey::plain("x");
        assert_eq!(a.terms[&x].map, Map::Diag(vec![2.0, 2.0]));
        let b = Expr::source("x", 2).transform(
            &dense(2, 2, &[0.0, 1.0, 1.0, 0.0]),
            Some(&[1.0, 2.0]),
            "w",
        );
        a.add(&b);
        assert_eq!(a.terms[&x].map, dense(2, 2, &[2.0, 1.0, 1.0, 2.0]));
        assert_eq!(a.terms[&x].origins, vec!["w".to_string()]);
        assert_eq!(a.bias, vec![1.0, 2.0]);
    }
}
