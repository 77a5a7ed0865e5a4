//! Shape inference: every node's per-time-step input and output shape (no batch, no time
//! dimension). Shapes come from parameters where NIR stores them (weights, neuron parameters,
//! `Input`/`Output`, Conv `input_shape`, Flatten `input_type`) and are otherwise propagated
//! along edges from the `Input` nodes (pooling, scalar-parameter neurons, Conv without
//! `input_shape`), with PyTorch's output-size formulas. Edge shape mismatches are found here.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Diagnostic, Diagnostics};
use crate::model::{Graph, Node, Padding, Tensor};

/// The shapes one node reads and writes per time step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeShapes {
    /// Shape of the node's input (the sum of everything arriving on its edges).
    pub input: Vec<usize>,
    /// Shape of the node's output.
    pub output: Vec<usize>,
}

/// Derive the input and output shape of every node of `graph` (not descending into subgraphs:
/// a subgraph node gets the shapes of its own `Input`/`Output` nodes). Fails with every problem
/// found: underivable shapes, impossible conv/pool geometry, edges whose ends disagree.
pub fn infer_shapes(graph: &Graph) -> Result<BTreeMap<String, NodeShapes>, Diagnostics> {
    let (known, diags) = infer_partial(graph, "");
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    Ok(known
        .into_iter()
        .filter_map(|(name, k)| {
            Some((
                name,
                NodeShapes {
                    input: k.input?,
                    output: k.output?,
                },
            ))
        })
        .collect())
}

/// What is known about one node's shapes so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Partial {
    pub input: Option<Vec<usize>>,
    pub output: Option<Vec<usize>>,
}

/// Best-effort inference: the shapes that could be derived plus every problem, node names
/// prefixed with `prefix` (`"sub."` inside a subgraph).
pub(crate) fn infer_partial(
    graph: &Graph,
    prefix: &str,
) -> (BTreeMap<String, Partial>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut known: BTreeMap<String, Partial> = BTreeMap::new();
    // Nodes already reported: no second diagnostic for them.
    let mut failed: BTreeSet<String> = BTreeSet::new();
    for (name, node) in &graph.nodes {
        match intrinsic(node) {
            Ok(p) => {
                known.insert(name.clone(), p);
            }
            Err(message) => {
                diags.push(Diagnostic::Shape {
                    node: format!("{prefix}{name}"),
                    message,
                });
                known.insert(name.clone(), Partial::default());
                failed.insert(name.clone());
            }
        }
    }
    let mut mismatched = vec![false; graph.edges.len()];
    // Each pass fixes at least one more shape or stops; a chain of n nodes needs n passes.
    for _ in 0..=graph.nodes.len() {
        let mut changed = false;
        for (i, (src, dst)) in graph.edges.iter().enumerate() {
            let Some(out) = known.get(src).and_then(|p| p.output.clone()) else {
                continue;
            };
            let Some(target) = known.get_mut(dst) else {
                continue;
            };
            match &target.input {
                None => {
                    target.input = Some(out);
                    changed = true;
                }
                Some(inp) if !compatible(&out, inp) && !mismatched[i] => {
                    mismatched[i] = true;
                    diags.push(Diagnostic::EdgeShapeMismatch {
                        from: format!("{prefix}{src}"),
                        to: format!("{prefix}{dst}"),
                        output: out,
                        input: inp.clone(),
                    });
                }
                Some(_) => {}
            }
            if target.output.is_none() && !failed.contains(dst) {
                if let Some(inp) = target.input.clone() {
                    match derive_output(&graph.nodes[dst], &inp) {
                        Ok(o) => {
                            target.output = Some(o);
                            changed = true;
                        }
                        Err(message) => {
                            failed.insert(dst.clone());
                            diags.push(Diagnostic::Shape {
                                node: format!("{prefix}{dst}"),
                                message,
                            });
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (name, p) in &known {
        if (p.input.is_none() || p.output.is_none()) && !failed.contains(name) {
            diags.push(Diagnostic::Shape {
                node: format!("{prefix}{name}"),
                message: "cannot infer its shape: it stores none and no edge brings one \
                          from an Input node"
                    .into(),
            });
        }
    }
    (known, diags)
}

/// Two shapes agree when equal, or equal after dropping size-1 dimensions
/// (`Output.shape = [1, 1, 1]` after a 1-neuron LIF is common in the wild: the NIR paper's
/// `tests/fixtures/nir-paper/01_lif/lif_rockpool.nir` has it).
fn compatible(a: &[usize], b: &[usize]) -> bool {
    let squeeze = |s: &[usize]| s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>();
    a == b || squeeze(a) == squeeze(b)
}

/// Shapes a node has on its own, without looking at edges.
fn intrinsic(node: &Node) -> Result<Partial, String> {
    let both = |s: Vec<usize>| Partial {
        input: Some(s.clone()),
        output: Some(s),
    };
    Ok(match node {
        Node::Input { shape } | Node::Output { shape } => both(shape.clone()),
        Node::Affine { weight, .. } | Node::Linear { weight } => {
            let w = &weight.shape;
            if w.len() < 2 {
                return Err(format!(
                    "weight has shape {}, expected (N_out, N_in)",
                    crate::error::fmt_shape(w)
                ));
            }
            let lead = &w[..w.len() - 2];
            let with = |d: usize| lead.iter().copied().chain([d]).collect::<Vec<_>>();
            Partial {
                input: Some(with(w[w.len() - 1])),
                output: Some(with(w[w.len() - 2])),
            }
        }
        Node::Conv1d {
            weight,
            input_shape,
            ..
        } => {
            conv_weight_rank(weight, 3)?;
            match input_shape {
                Some(n) => {
                    let input = vec![in_channels(node), *n];
                    Partial {
                        output: Some(derive_output(node, &input)?),
                        input: Some(input),
                    }
                }
                None => Partial::default(),
            }
        }
        Node::Conv2d {
            weight,
            input_shape,
            ..
        } => {
            conv_weight_rank(weight, 4)?;
            match input_shape {
                Some([h, w]) => {
                    let input = vec![in_channels(node), *h, *w];
                    Partial {
                        output: Some(derive_output(node, &input)?),
                        input: Some(input),
                    }
                }
                None => Partial::default(),
            }
        }
        Node::Flatten {
            input_type: Some(t),
            ..
        } => Partial {
            output: Some(derive_output(node, t)?),
            input: Some(t.clone()),
        },
        Node::Graph(g) => {
            let one = |want_input: bool| {
                let mut shapes = g.nodes.values().filter_map(|n| match (n, want_input) {
                    (Node::Input { shape }, true) | (Node::Output { shape }, false) => {
                        Some(shape.clone())
                    }
                    _ => None,
                });
                match (shapes.next(), shapes.next()) {
                    (Some(s), None) => Some(s),
                    _ => None,
                }
            };
            Partial {
                input: one(true),
                output: one(false),
            }
        }
        _ => match param_shape(node) {
            Some(s) => both(s),
            None => Partial::default(),
        },
    })
}

fn conv_weight_rank(weight: &Tensor, rank: usize) -> Result<(), String> {
    if weight.shape.len() != rank {
        return Err(format!(
            "weight has shape {}, expected {rank} dimensions (C_out, C_in/groups, kernel...)",
            crate::error::fmt_shape(&weight.shape)
        ));
    }
    Ok(())
}

fn in_channels(node: &Node) -> usize {
    match node {
        Node::Conv1d { weight, groups, .. } | Node::Conv2d { weight, groups, .. } => weight
            .shape
            .get(1)
            .copied()
            .unwrap_or(0)
            .saturating_mul(*groups),
        _ => 0,
    }
}

/// The shape shared by a node's element-wise parameters: the first non-scalar one. `None` when
/// all are scalars (0-d), which broadcast to whatever arrives.
pub(crate) fn param_shape(node: &Node) -> Option<Vec<usize>> {
    params(node)
        .into_iter()
        .map(|(_, t)| t)
        .find(|t| !t.shape.is_empty())
        .map(|t| t.shape.clone())
}

/// The element-wise parameters of shape-preserving nodes, in NIR field order.
pub(crate) fn params(node: &Node) -> Vec<(&'static str, &Tensor)> {
    match node {
        Node::Scale { scale } => vec![("scale", scale)],
        Node::Threshold { threshold } => vec![("threshold", threshold)],
        Node::Delay { delay } => vec![("delay", delay)],
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => vec![
            ("tau", tau),
            ("r", r),
            ("v_leak", v_leak),
            ("v_threshold", v_threshold),
            ("v_reset", v_reset),
        ],
        Node::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => vec![
            ("tau_syn", tau_syn),
            ("tau_mem", tau_mem),
            ("r", r),
            ("v_leak", v_leak),
            ("v_threshold", v_threshold),
            ("v_reset", v_reset),
            ("w_in", w_in),
        ],
        Node::CubaLi {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            w_in,
        } => vec![
            ("tau_syn", tau_syn),
            ("tau_mem", tau_mem),
            ("r", r),
            ("v_leak", v_leak),
            ("w_in", w_in),
        ],
        Node::If {
            r,
            v_threshold,
            v_reset,
        } => {
            vec![("r", r), ("v_threshold", v_threshold), ("v_reset", v_reset)]
        }
        Node::Li { tau, r, v_leak } => vec![("tau", tau), ("r", r), ("v_leak", v_leak)],
        Node::Integrator { r } => vec![("r", r)],
        _ => Vec::new(),
    }
}

/// Output shape of `node` given its input shape.
fn derive_output(node: &Node, input: &[usize]) -> Result<Vec<usize>, String> {
    match node {
        Node::Conv1d {
            weight,
            stride,
            padding,
            dilation,
            ..
        } => {
            conv_weight_rank(weight, 3)?;
            let pad = spatial_padding(padding, 1);
            check_channels(node, input, 2)?;
            let l = conv_len(
                input[1],
                weight.shape[2],
                *stride,
                pad[0],
                *dilation,
                padding,
            )?;
            Ok(vec![weight.shape[0], l])
        }
        Node::Conv2d {
            weight,
            stride,
            padding,
            dilation,
            ..
        } => {
            conv_weight_rank(weight, 4)?;
            let pad = spatial_padding(padding, 2);
            check_channels(node, input, 3)?;
            let h = conv_len(
                input[1],
                weight.shape[2],
                stride[0],
                pad[0],
                dilation[0],
                padding,
            )?;
            let w = conv_len(
                input[2],
                weight.shape[3],
                stride[1],
                pad[1],
                dilation[1],
                padding,
            )?;
            Ok(vec![weight.shape[0], h, w])
        }
        Node::SumPool2d {
            kernel_size,
            stride,
            padding,
        }
        | Node::AvgPool2d {
            kernel_size,
            stride,
            padding,
        } => {
            if input.len() != 3 {
                return Err(format!(
                    "pooling needs a (C, H, W) input, got {}",
                    crate::error::fmt_shape(input)
                ));
            }
            let exp = Padding::Explicit(padding.to_vec());
            let h = conv_len(input[1], kernel_size[0], stride[0], padding[0], 1, &exp)?;
            let w = conv_len(input[2], kernel_size[1], stride[1], padding[1], 1, &exp)?;
            Ok(vec![input[0], h, w])
        }
        Node::Flatten {
            start_dim, end_dim, ..
        } => flatten_shape(input, *start_dim, *end_dim),
        // Element-wise nodes with scalar parameters pass the shape through.
        _ => Ok(param_shape(node).unwrap_or_else(|| input.to_vec())),
    }
}

fn check_channels(node: &Node, input: &[usize], rank: usize) -> Result<(), String> {
    let c = in_channels(node);
    if input.len() != rank || input[0] != c {
        return Err(format!(
            "expects a {rank}-D input with {c} channels (weight C_in x groups), got {}",
            crate::error::fmt_shape(input)
        ));
    }
    Ok(())
}

fn spatial_padding(padding: &Padding, dims: usize) -> Vec<usize> {
    match padding {
        Padding::Explicit(p) if p.len() == dims => p.clone(),
        Padding::Explicit(p) if p.len() == 1 => vec![p[0]; dims],
        _ => vec![0; dims],
    }
}

/// PyTorch: `floor((n + 2p - d(k-1) - 1) / s) + 1`; `"same"` keeps `n`.
fn conv_len(
    n: usize,
    k: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    padding: &Padding,
) -> Result<usize, String> {
    if *padding == Padding::Same {
        return Ok(n);
    }
    let span = dilation
        .saturating_mul(k.saturating_sub(1))
        .saturating_add(1);
    let padded = n.saturating_add(pad.saturating_mul(2));
    if k == 0 || stride == 0 || padded < span {
        return Err(format!(
            "kernel {k} (dilation {dilation}) does not fit an input of size {n} with padding {pad}"
        ));
    }
    Ok((padded - span) / stride + 1)
}

/// C-order flatten of dims `start..=end` (negative counts from the end, like PyTorch).
fn flatten_shape(input: &[usize], start: i64, end: i64) -> Result<Vec<usize>, String> {
    let nd = input.len() as i64;
    let norm = |d: i64| if d < 0 { d + nd } else { d };
    let (s, e) = (norm(start), norm(end));
    if nd == 0 || s < 0 || e >= nd || s > e {
        return Err(format!(
            "start_dim {start} / end_dim {end} do not fit an input of shape {}",
            crate::error::fmt_shape(input)
        ));
    }
    let (s, e) = (s as usize, e as usize);
    let mid = input[s..=e]
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("size overflows")?;
    Ok(input[..s]
        .iter()
        .copied()
        .chain([mid])
        .chain(input[e + 1..].iter().copied())
        .collect())
}
