//! The float engine: runs a `FloatNet` over time-major inputs and records every layer's spikes,
//! membrane (and synaptic current) at every step.
//!
//! Arithmetic follows snnTorch's float32 run: a layer's drive is `X = W·s + b`, the dot
//! product summed in f32 in ascending input order (what torch's CPU kernel does for most layer
//! shapes; its order is kernel- and batch-size dependent, so X can differ from torch by an ulp),
//! then the f32 bias is added; delayed (recurrent) projections form a separate `R` added after
//! `beta*U + X`, as snnTorch's RLeaky/RSynaptic do; the neuron update is `step.rs`.
//! Work per step is proportional to the number of active inputs: each non-zero input adds one
//! contiguous weight column (stored transposed) to the accumulator, or for a convolution its
//! kernel footprint (contributions to an output still arrive in ascending input order, the
//! order a dense column sweep gives); through a pooling, input `i` adds the column or
//! footprint of its pooled element (the same products, in the same order, as the composed
//! matrix of pooling and weights). A projection with `source_delay` reads source `i` at
//! step `t - delayed - source_delay[i]` (nothing before step 0) from the recorded history, in
//! the same ascending order, at the same cost per source.

use thiserror::Error;

use spikeloom_qnet::SpikeSteps;

use crate::net::{ConvGeometry, FloatNet, Layer, Neuron, PoolGeometry, Source};
use crate::step::{self, Cell, ResetRule};

/// Traces of one layer, each `[T][N][size]` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTrace {
    /// Layer (NIR neuron node) name.
    pub name: String,
    /// Neurons in the layer.
    pub size: usize,
    /// Spikes per step: 0/1, or a count under the multi-spike Sinabs/Rockpool conventions
    /// (saturating at 255); all zero for non-spiking read-outs.
    pub spikes: Vec<u8>,
    /// Membrane after the step's reset, as snnTorch returns it.
    pub membrane: Vec<f32>,
    /// Synaptic current (CubaLIF and CubaLI layers; for a CubaLI under nir-euler, whose input
    /// is fed one step late, the Euler current of the previous step).
    pub current: Option<Vec<f32>>,
}

impl LayerTrace {
    fn new(layer: &Layer, rows: usize, cuba: bool) -> Self {
        let len = rows * layer.size;
        LayerTrace {
            name: layer.name.clone(),
            size: layer.size,
            spikes: vec![0; len],
            membrane: vec![0.0; len],
            current: cuba.then(|| vec![0.0; len]),
        }
    }
}

/// Traces of every layer, in `FloatNet::layers` order.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatTrace {
    /// Time steps T.
    pub steps: usize,
    /// Samples N.
    pub samples: usize,
    /// One entry per layer.
    pub layers: Vec<LayerTrace>,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SimError {
    /// The input's feature count differs from the network's.
    #[error("input has {found} features per step, the network expects {expected}")]
    InputFeatures {
        /// `FloatNet::input_size`.
        expected: usize,
        /// `SpikeSteps::width`.
        found: usize,
    },
    /// The network is inconsistent (only possible for hand-built nets).
    #[error("layer `{layer}`: {detail}")]
    Net {
        /// Layer name.
        layer: String,
        /// What is inconsistent.
        detail: String,
    },
}

/// A projection ready for event-wise accumulation.
struct Compiled {
    source: Source,
    /// Dense: transposed f32 weights `[source_size][size]`. Conv: the f32 kernel.
    columns: Vec<f32>,
    /// Convolution geometry: each event adds its kernel footprint instead of a column.
    conv: Option<ConvGeometry>,
    /// Pooling in front of the weights: event `i` acts as pooled element `pool.map(i)`.
    pool: Option<PoolGeometry>,
    /// Extra delay in steps per source element (`Projection::source_delay`; empty: none).
    delay: Vec<usize>,
}

struct Prepared {
    forward: Vec<Compiled>,
    recurrent: Vec<Compiled>,
    bias: Vec<f32>,
    /// Norse/Sinabs/Rockpool: the neuron update is `exporters::step`.
    exporter: Option<(crate::net::Convention, crate::net::SpikeMode)>,
}

/// Simulates `net` on `input`. Every sample starts from zero state.
pub fn simulate(net: &FloatNet, input: &SpikeSteps) -> Result<FloatTrace, SimError> {
    if input.width() != net.input_size {
        return Err(SimError::InputFeatures {
            expected: net.input_size,
            found: input.width(),
        });
    }
    let prepared: Vec<Prepared> = net
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| prepare(net, i, l))
        .collect::<Result<_, _>>()?;
    let rows = input.steps() * input.samples();
    let mut traces: Vec<LayerTrace> = net
        .layers
        .iter()
        .map(|l| {
            let cuba = matches!(l.neuron, Neuron::CubaLif { .. } | Neuron::CubaLi { .. });
            LayerTrace::new(l, rows, cuba)
        })
        .collect();
    let max_size = net.layers.iter().map(|l| l.size).max().unwrap_or(0);
    let mut acc = vec![0.0f32; max_size];
    for n in 0..input.samples() {
        for t in 0..input.steps() {
            for (li, layer) in net.layers.iter().enumerate() {
                step_layer(
                    layer,
                    &prepared[li],
                    li,
                    &mut traces,
                    input,
                    (t, n),
                    &mut acc,
                );
            }
        }
    }
    Ok(FloatTrace {
        steps: input.steps(),
        samples: input.samples(),
        layers: traces,
    })
}

fn prepare(net: &FloatNet, index: usize, layer: &Layer) -> Result<Prepared, SimError> {
    let err = |detail: String| SimError::Net {
        layer: layer.name.clone(),
        detail,
    };
    let mut forward = Vec::new();
    let mut recurrent = Vec::new();
    for p in &layer.inputs {
        let expected_cols = match p.source {
            Source::Input => net.input_size,
            Source::Layer(j) if j < net.layers.len() && (p.delayed || j < index) => net.layers[j].size,
            Source::Layer(j) => {
                return Err(err(format!(
                    "projection `{}` reads layer {j}, which is not an earlier layer (and the projection is not delayed)",
                    p.origin
                )))
            }
        };
        if !p.source_delay.is_empty() && p.source_delay.len() != expected_cols {
            return Err(err(format!(
                "projection `{}` has {} source delays for a source of {expected_cols}",
                p.origin,
                p.source_delay.len()
            )));
        }
        if let Some(pool) = &p.pool {
            if pool.source_size() != expected_cols || !pool_fits(pool) {
                return Err(err(format!(
                    "projection `{}` pools {:?} -> {:?} (kernel {:?}, stride {:?}, padding {:?}), which does not fit its source of {expected_cols}",
                    p.origin, pool.input, pool.output, pool.kernel, pool.stride, pool.padding
                )));
            }
        }
        // the elements the weights read: the source's, or the pooled ones
        let cols = p
            .pool
            .as_ref()
            .map_or(expected_cols, PoolGeometry::target_size);
        if let Some(conv) = &p.conv {
            forward_or_recurrent(
                &mut forward,
                &mut recurrent,
                p.delayed,
                compile_conv(layer, p, conv, expected_cols, cols).map_err(err)?,
            );
            continue;
        }
        if p.source_size != expected_cols || p.weight.len() != layer.size * cols {
            return Err(err(format!(
                "projection `{}` has {} weights for {} x {} (source size {})",
                p.origin,
                p.weight.len(),
                layer.size,
                cols,
                p.source_size
            )));
        }
        let mut columns = vec![0.0; p.weight.len()];
        for (r, row) in p.weight.chunks(cols.max(1)).enumerate() {
            for (c, w) in row.iter().enumerate() {
                // Weights are f32 in the exporting library.
                columns[c * layer.size + r] = *w as f32;
            }
        }
        let compiled = Compiled {
            source: p.source,
            columns,
            conv: None,
            pool: p.pool.clone(),
            delay: p.source_delay.clone(),
        };
        forward_or_recurrent(&mut forward, &mut recurrent, p.delayed, compiled);
    }
    check_params(layer).map_err(err)?;
    if layer.bias.len() != layer.size {
        return Err(err(format!(
            "bias has {} values for {} neurons",
            layer.bias.len(),
            layer.size
        )));
    }
    Ok(Prepared {
        forward,
        recurrent,
        bias: layer.bias.iter().map(|b| *b as f32).collect(),
        exporter: crate::exporters::is_exporter(net.semantics.convention)
            .then_some((net.semantics.convention, net.semantics.spike_mode)),
    })
}

fn forward_or_recurrent(
    forward: &mut Vec<Compiled>,
    recurrent: &mut Vec<Compiled>,
    delayed: bool,
    c: Compiled,
) {
    if delayed {
        recurrent.push(c)
    } else {
        forward.push(c)
    }
}

/// A pooling whose index map is safe to evaluate: no zero extent, the channels kept, windows
/// that do not overlap and padding below the window.
fn pool_fits(g: &PoolGeometry) -> bool {
    !g.input.contains(&0)
        && !g.output.contains(&0)
        && g.input[0] == g.output[0]
        && (0..2)
            .all(|a| g.kernel[a] > 0 && g.stride[a] >= g.kernel[a] && g.padding[a] < g.kernel[a])
}

/// `cols`: the elements the kernel reads (the source size, or the pooled size when pooled).
fn compile_conv(
    layer: &Layer,
    p: &crate::net::Projection,
    conv: &ConvGeometry,
    source_size: usize,
    cols: usize,
) -> Result<Compiled, String> {
    let fits = conv.groups > 0
        && conv.input[0].is_multiple_of(conv.groups)
        && conv.output[0].is_multiple_of(conv.groups)
        && !conv.stride.contains(&0)
        && !conv.dilation.contains(&0);
    if !fits
        || conv.source_size() != cols
        || p.source_size != source_size
        || conv.target_size() != layer.size
        || p.weight.len() != conv.weight_len()
    {
        return Err(format!(
            "convolution `{}` ({:?} -> {:?}, {} weights, groups {}) does not fit its source of {source_size} and the layer of {} neurons",
            p.origin, conv.input, conv.output, p.weight.len(), conv.groups, layer.size
        ));
    }
    Ok(Compiled {
        source: p.source,
        // Weights are f32 in the exporting library.
        columns: p.weight.iter().map(|w| *w as f32).collect(),
        conv: Some(conv.clone()),
        pool: p.pool.clone(),
        delay: p.source_delay.clone(),
    })
}

fn check_params(layer: &Layer) -> Result<(), String> {
    let vectors: Vec<(&str, usize)> = match &layer.neuron {
        Neuron::Lif {
            beta,
            threshold,
            v_reset,
            ..
        } => {
            vec![
                ("beta", beta.len()),
                ("threshold", threshold.len()),
                ("v_reset", v_reset.len()),
            ]
        }
        Neuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            ..
        } => vec![
            ("alpha", alpha.len()),
            ("beta", beta.len()),
            ("threshold", threshold.len()),
            ("v_reset", v_reset.len()),
        ],
        Neuron::Li { beta } => vec![("beta", beta.len())],
        Neuron::CubaLi { alpha, beta } => vec![("alpha", alpha.len()), ("beta", beta.len())],
    };
    match vectors.iter().find(|(_, n)| *n != layer.size) {
        Some((name, n)) => Err(format!("{name} has {n} values for {} neurons", layer.size)),
        None => Ok(()),
    }
}

/// Adds the weighted active inputs of `projs` at step `t` into `acc` (a delayed source element
/// at its own earlier step).
fn accumulate(
    projs: &[Compiled],
    traces: &[LayerTrace],
    input: &SpikeSteps,
    t: usize,
    n: usize,
    acc: &mut [f32],
) {
    for p in projs {
        if p.delay.is_empty() {
            let spikes = source_row(p.source, traces, input, t, n);
            for (c, &s) in spikes.iter().enumerate() {
                if s != 0 {
                    add_event(p, c, s, acc);
                }
            }
            continue;
        }
        for (c, &d) in p.delay.iter().enumerate() {
            let Some(at) = t.checked_sub(d) else {
                continue;
            };
            let s = source_row(p.source, traces, input, at, n)[c];
            if s != 0 {
                add_event(p, c, s, acc);
            }
        }
    }
}

/// The values a source emitted at step `t` for sample `n`.
fn source_row<'a>(
    source: Source,
    traces: &'a [LayerTrace],
    input: &'a SpikeSteps,
    t: usize,
    n: usize,
) -> &'a [u8] {
    match source {
        Source::Input => input.row(t, n),
        Source::Layer(j) => {
            let tr = &traces[j];
            let start = (t * input.samples() + n) * tr.size;
            &tr.spikes[start..start + tr.size]
        }
    }
}

/// Adds source element `c`'s event of value `s` (its weight column or kernel footprint, of its
/// pooled element when pooled; nothing for an element outside every window).
#[inline]
fn add_event(p: &Compiled, c: usize, s: u8, acc: &mut [f32]) {
    let c = match &p.pool {
        Some(pool) => match pool.map(c) {
            Some(m) => m,
            None => return,
        },
        None => c,
    };
    if let Some(conv) = &p.conv {
        let k = f32::from(s);
        conv.for_each_target(c, |o, w| {
            acc[o] += if s == 1 {
                p.columns[w]
            } else {
                k * p.columns[w]
            }
        });
        return;
    }
    let size = acc.len();
    let col = &p.columns[c * size..(c + 1) * size];
    if s == 1 {
        acc.iter_mut().zip(col).for_each(|(a, w)| *a += w);
    } else {
        let k = f32::from(s);
        acc.iter_mut().zip(col).for_each(|(a, w)| *a += k * w);
    }
}

fn step_layer(
    layer: &Layer,
    prep: &Prepared,
    li: usize,
    traces: &mut [LayerTrace],
    input: &SpikeSteps,
    (t, n): (usize, usize),
    acc: &mut [f32],
) {
    let size = layer.size;
    let acc = &mut acc[..size];
    acc.fill(0.0);
    accumulate(&prep.forward, traces, input, t, n, acc);
    let x: Vec<f32> = acc.iter().zip(&prep.bias).map(|(a, b)| *a + b).collect();
    let rec: Option<Vec<f32>> = (!prep.recurrent.is_empty()).then(|| {
        acc.fill(0.0);
        if t > 0 {
            accumulate(&prep.recurrent, traces, input, t - 1, n, acc);
        }
        acc.to_vec()
    });
    let row = (t * input.samples() + n) * size;
    let prev_row = (t > 0).then(|| ((t - 1) * input.samples() + n) * size);
    let tr = &mut traces[li];
    let prev = |v: &[f32], i: usize| prev_row.map_or(0.0, |p| v[p + i]);
    for i in 0..size {
        let r = rec.as_ref().map(|r| r[i]);
        if let Some(rule) = prep.exporter {
            let i_prev = tr.current.as_ref().map_or(0.0, |c| prev(c, i));
            let state = (prev(&tr.membrane, i), i_prev);
            let (u, c, s) = crate::exporters::step(rule, &layer.neuron, i, state, x[i], r);
            tr.membrane[row + i] = u;
            tr.spikes[row + i] = s;
            if let Some(cur) = tr.current.as_mut() {
                cur[row + i] = c;
            }
            continue;
        }
        match &layer.neuron {
            Neuron::Lif {
                beta,
                threshold,
                v_reset,
                reset,
                reset_delay,
                zero_input,
            } => {
                let rule = ResetRule {
                    mode: *reset,
                    delay: *reset_delay,
                    zero_input: *zero_input,
                };
                let cell = Cell {
                    beta: beta[i] as f32,
                    threshold: threshold[i] as f32,
                    v_reset: v_reset[i] as f32,
                };
                let (u, s) = step::lif(rule, cell, prev(&tr.membrane, i), x[i], r);
                tr.membrane[row + i] = u;
                tr.spikes[row + i] = u8::from(s);
            }
            Neuron::CubaLif {
                alpha,
                beta,
                threshold,
                v_reset,
                reset,
                reset_delay,
            } => {
                let rule = ResetRule {
                    mode: *reset,
                    delay: *reset_delay,
                    zero_input: crate::net::ZeroResetInput::Drop,
                };
                let cell = Cell {
                    beta: beta[i] as f32,
                    threshold: threshold[i] as f32,
                    v_reset: v_reset[i] as f32,
                };
                let cur = tr.current.as_mut().expect("CubaLIF traces have a current");
                let i_prev = prev_row.map_or(0.0, |p| cur[p + i]);
                let (c, u, s) = step::cuba(
                    rule,
                    alpha[i] as f32,
                    cell,
                    (i_prev, prev(&tr.membrane, i)),
                    x[i],
                    r,
                );
                cur[row + i] = c;
                tr.membrane[row + i] = u;
                tr.spikes[row + i] = u8::from(s);
            }
            Neuron::Li { beta } => {
                tr.membrane[row + i] = step::li(beta[i] as f32, prev(&tr.membrane, i), x[i], r);
            }
            Neuron::CubaLi { alpha, beta } => {
                let cur = tr.current.as_mut().expect("CubaLI traces have a current");
                let i_prev = prev_row.map_or(0.0, |p| cur[p + i]);
                let c = step::li(alpha[i] as f32, i_prev, x[i], r);
                cur[row + i] = c;
                tr.membrane[row + i] = beta[i] as f32 * prev(&tr.membrane, i) + c;
            }
        }
    }
}
