//! Lowering of a typed NIR graph to a `FloatNet`: every synapse chain becomes dense projections,
//! every neuron node a layer, recurrent edges become delayed projections.
//!
//! Evaluation order is a depth-first search from the Input over the neuron-level graph (an edge
//! S -> L when spikes of S reach L through synapse nodes); edges that close a cycle (back edges
//! of that search) read the previous step's spikes, all others the current step's. Layers are in
//! reverse post-order of the search, so every non-delayed projection reads an earlier layer.
//!
//! A NIR `Delay` (`y(t) = x(t - delay)`, seconds) becomes `Projection::source_delay` of every
//! projection whose path passes through it: `delay / dt` must be a whole number of steps
//! (relative tolerance 1e-6), and each source element must reach the Delay at one delay (see
//! `linmap`), else the node is rejected with the reason.

use std::collections::{BTreeMap, BTreeSet};

use spikeloom_nir::{Graph, Node, NodeShapes};

use crate::conv::{self, pool_matrix, ConvSpec};
use crate::error::LowerError;
use crate::graph::{kind, matrix_dims, role, Role, Sizes, Topology};
use crate::linmap::{Expr, Map};
use crate::net::{FloatNet, Layer, Neuron, Projection, Source, ZeroResetInput};
use crate::params::{current_lag, lower_neuron, Lowered};
use crate::semantics::{resolve_for_graph, SemanticsOptions};

/// Lowers a NIR graph to the layered float network. Nested `NIRGraph` nodes are inlined first
/// (`spikeloom_nir::flatten_subgraphs`); semantics come from `opts`, else the top-level
/// metadata, else snnTorch's defaults (see `semantics`).
pub fn lower(graph: &Graph, opts: &SemanticsOptions) -> Result<FloatNet, LowerError> {
    if graph.nodes.values().any(|n| matches!(n, Node::Graph(_))) {
        let flat = spikeloom_nir::flatten_subgraphs(graph).map_err(|e| LowerError::Structure {
            detail: format!("cannot inline nested graphs: {e}"),
        })?;
        let mut flat = flat;
        // The semantics keys live in the outer graph's metadata.
        for (k, v) in &graph.metadata {
            flat.metadata.entry(k.clone()).or_insert_with(|| v.clone());
        }
        return lower_flat(&flat, opts);
    }
    lower_flat(graph, opts)
}

fn lower_flat(graph: &Graph, opts: &SemanticsOptions) -> Result<FloatNet, LowerError> {
    let semantics = resolve_for_graph(opts, graph)?;
    let topo = Topology::new(graph)?;
    let input = single_input(&topo)?;
    let output = output_neuron(&topo)?;
    let shapes = spatial_shapes(graph)?;

    let mut builder = ExprBuilder {
        topo: &topo,
        shapes: &shapes,
        sizes: Sizes::new(&topo, &shapes),
        memo: BTreeMap::new(),
        stack: Vec::new(),
        dt: semantics.dt,
    };
    let input_size = builder.sizes.of(input)?;
    // `spikeloom_nir::validate` reports empty nodes; these keep an unvalidated graph from
    // reaching arithmetic on empty matrices.
    if input_size == 0 {
        return Err(LowerError::Shape {
            node: input.to_string(),
            detail: "the Input node has no elements; the network needs at least one input value"
                .into(),
        });
    }
    let mut neurons: BTreeMap<&str, (Expr, Lowered)> = BTreeMap::new();
    for (name, node) in &graph.nodes {
        if role(node) != Role::Neuron {
            continue;
        }
        check_readout_position(&topo, name, node)?;
        let expr = builder.neuron_input(name)?;
        if expr.size == 0 {
            return Err(LowerError::Shape {
                node: name.clone(),
                detail: "the layer has no neurons (its input has no elements)".into(),
            });
        }
        let lowered = lower_neuron(name, node, expr.size, &semantics)?;
        if lowered.size != expr.size {
            return Err(LowerError::Shape {
                node: name.clone(),
                detail: format!(
                    "has {} neurons but its input has {} values",
                    lowered.size, expr.size
                ),
            });
        }
        neurons.insert(name.as_str(), (expr, lowered));
    }

    let (order, back_edges) = evaluation_order(input, &neurons);
    let index: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let layers = order
        .iter()
        .map(|name| {
            let (expr, lowered) = neurons.remove(name).expect("ordered neurons exist");
            let lag = current_lag(&lowered.neuron, &semantics);
            build_layer(name, expr, lowered, lag, input, &index, &back_edges)
                .and_then(|layer| crate::exporters::check_layer(&semantics, &layer).map(|()| layer))
        })
        .collect::<Result<_, _>>()?;
    Ok(FloatNet {
        input_size,
        layers,
        output_layer: index[output],
        semantics,
    })
}

/// Node shapes when the graph has convolution or pooling nodes (their sizes and geometry depend
/// on spatial shapes); empty otherwise, so dense graphs do not depend on shape inference.
fn spatial_shapes(graph: &Graph) -> Result<BTreeMap<String, NodeShapes>, LowerError> {
    let spatial = graph.nodes.values().any(|n| {
        matches!(
            n,
            Node::Conv1d { .. }
                | Node::Conv2d { .. }
                | Node::SumPool2d { .. }
                | Node::AvgPool2d { .. }
        )
    });
    if !spatial {
        return Ok(BTreeMap::new());
    }
    spikeloom_nir::infer_shapes(graph).map_err(|d| LowerError::Structure {
        detail: format!("cannot infer the shapes of the convolution/pooling nodes: {d}"),
    })
}

fn single_input<'g>(topo: &Topology<'g>) -> Result<&'g str, LowerError> {
    let inputs: Vec<&str> = topo
        .graph
        .nodes
        .iter()
        .filter(|(_, n)| role(n) == Role::Input)
        .map(|(k, _)| k.as_str())
        .collect();
    match inputs.as_slice() {
        [one] if topo.preds(one).is_empty() => Ok(one),
        [one] => Err(LowerError::Structure {
            detail: format!("the Input node `{one}` has incoming edges"),
        }),
        [] => Err(LowerError::Structure {
            detail: "the graph has no Input node".into(),
        }),
        many => Err(LowerError::Structure {
            detail: format!(
                "the graph has {} Input nodes ({many:?}); only one input is supported",
                many.len()
            ),
        }),
    }
}

/// The neuron node whose spikes are the network output (through Flatten nodes, if any).
fn output_neuron<'g>(topo: &Topology<'g>) -> Result<&'g str, LowerError> {
    let outputs: Vec<&str> = topo
        .graph
        .nodes
        .iter()
        .filter(|(_, n)| role(n) == Role::Output)
        .map(|(k, _)| k.as_str())
        .collect();
    let out = match outputs.as_slice() {
        [one] => *one,
        [] => {
            // Refuse rather than pick a layer: a silent choice would prove the wrong output.
            let sinks: Vec<String> = topo
                .graph
                .nodes
                .iter()
                .filter(|(k, n)| role(n) == Role::Neuron && topo.succs(k).is_empty())
                .map(|(k, _)| format!("`{k}`"))
                .collect();
            let candidates = match sinks.as_slice() {
                [] => String::new(),
                s => format!(" (neuron nodes no other node reads: {})", s.join(", ")),
            };
            return Err(LowerError::Structure {
                detail: format!(
                    "the graph has no Output node, so it does not say which layer's spikes are \
                     the network's output, and spikeloom does not guess one; add an Output node \
                     (`nir.Output`) fed by the read-out layer{candidates}"
                ),
            });
        }
        many => {
            return Err(LowerError::Structure {
                detail: format!(
                    "the graph has {} Output nodes ({many:?}); only one output is supported",
                    many.len()
                ),
            })
        }
    };
    let mut current = out;
    loop {
        let preds = topo.preds(current);
        let [pred] = preds else {
            return Err(LowerError::Structure {
                detail: format!("the Output node `{out}` must be fed by exactly one neuron node, found {preds:?}"),
            });
        };
        let node = topo.node(pred);
        match (role(node), node) {
            (Role::Neuron, _) => return Ok(pred),
            (_, Node::Flatten { .. }) => current = pred,
            (Role::Unsupported(hint), _) => return Err(topo.unsupported(pred, hint)),
            _ => {
                return Err(topo.unsupported(
                    pred,
                    "the Output node must be driven by a neuron layer; a synapse or input as network output is not supported",
                ))
            }
        }
    }
}

/// LI, CubaLI and I nodes emit a membrane, not spikes: they may only feed the Output node.
fn check_readout_position(topo: &Topology<'_>, name: &str, node: &Node) -> Result<(), LowerError> {
    if !matches!(
        node,
        Node::Li { .. } | Node::CubaLi { .. } | Node::Integrator { .. }
    ) {
        return Ok(());
    }
    match topo.succs(name).iter().find(|s| role(topo.node(s)) != Role::Output) {
        None => Ok(()),
        Some(next) => Err(topo.unsupported(
            name,
            &format!(
                "a non-spiking integrator ({}) is only supported as the read-out layer feeding the Output node, but it feeds `{next}`",
                kind(node)
            ),
        )),
    }
}

/// Memoized affine expressions of synapse nodes in terms of spike sources.
struct ExprBuilder<'t, 'g> {
    topo: &'t Topology<'g>,
    shapes: &'t BTreeMap<String, NodeShapes>,
    sizes: Sizes<'t, 'g>,
    memo: BTreeMap<&'g str, Expr>,
    stack: Vec<&'g str>,
    /// Time step in seconds (NIR `Delay` values are seconds).
    dt: f64,
}

impl<'g> ExprBuilder<'_, 'g> {
    /// The X of a neuron node: the sum of everything its incoming edges carry.
    fn neuron_input(&mut self, name: &'g str) -> Result<Expr, LowerError> {
        if self.topo.preds(name).is_empty() {
            return Err(LowerError::Structure {
                detail: format!(
                    "neuron node `{name}` has no incoming edge; connect it or remove it"
                ),
            });
        }
        let size = self.sizes.of(name)?;
        self.sum_of_preds(name, size)
    }

    fn sum_of_preds(&mut self, name: &'g str, size: usize) -> Result<Expr, LowerError> {
        let mut sum = Expr::zero(size);
        for pred in self.topo.preds(name).to_vec() {
            let value = self.value(pred)?;
            if value.size != size {
                return Err(LowerError::Shape {
                    node: name.to_string(),
                    detail: format!(
                        "expects {size} input values but `{pred}` delivers {}",
                        value.size
                    ),
                });
            }
            sum.add(&value);
        }
        Ok(sum)
    }

    /// The output of a node as an affine expression of spike sources.
    fn value(&mut self, name: &'g str) -> Result<Expr, LowerError> {
        let node = self.topo.node(name);
        match role(node) {
            Role::Input | Role::Neuron => return Ok(Expr::source(name, self.sizes.of(name)?)),
            Role::Unsupported(hint) => return Err(self.topo.unsupported(name, hint)),
            Role::Output => {
                return Err(self
                    .topo
                    .unsupported(name, "an Output node cannot feed other nodes"))
            }
            Role::Synapse => {}
        }
        if let Some(e) = self.memo.get(name) {
            return Ok(e.clone());
        }
        if let Some(pos) = self.stack.iter().position(|n| *n == name) {
            return Err(LowerError::AlgebraicLoop {
                nodes: self.stack[pos..].iter().map(|s| s.to_string()).collect(),
            });
        }
        self.stack.push(name);
        let result = self.synapse_value(name, node);
        self.stack.pop();
        let expr = result?;
        self.memo.insert(name, expr.clone());
        Ok(expr)
    }

    fn synapse_value(&mut self, name: &'g str, node: &Node) -> Result<Expr, LowerError> {
        match node {
            Node::Affine { weight, bias } => {
                let (rows, cols) = matrix_dims(name, weight)?;
                if bias.len() != rows {
                    return Err(LowerError::Shape {
                        node: name.to_string(),
                        detail: format!("bias has {} values, weight has {rows} rows", bias.len()),
                    });
                }
                let input = self.sum_of_preds(name, cols)?;
                let map = Map::Dense {
                    rows,
                    cols,
                    data: weight.data.clone(),
                };
                Ok(input.transform(&map, Some(&bias.data), name))
            }
            Node::Linear { weight } => {
                let (rows, cols) = matrix_dims(name, weight)?;
                let input = self.sum_of_preds(name, cols)?;
                Ok(input.transform(
                    &Map::Dense {
                        rows,
                        cols,
                        data: weight.data.clone(),
                    },
                    None,
                    name,
                ))
            }
            Node::Scale { scale } => {
                let size = self.sizes.of(name)?;
                let input = self.sum_of_preds(name, size)?;
                let diag = if scale.len() == 1 {
                    vec![scale.data[0]; size]
                } else {
                    scale.data.clone()
                };
                Ok(input.transform(&Map::Diag(diag), None, name))
            }
            Node::Flatten { input_type, .. } => {
                let size = self.sizes.of(name)?;
                if let Some(shape) = input_type {
                    let n: usize = shape.iter().product();
                    if n != size {
                        return Err(LowerError::Shape {
                            node: name.to_string(),
                            detail: format!(
                                "input_type {shape:?} has {n} values, its input has {size}"
                            ),
                        });
                    }
                }
                // C-order reshape of dense data: the values do not move.
                self.sum_of_preds(name, size)
            }
            Node::Conv2d {
                weight,
                bias,
                stride,
                padding,
                dilation,
                groups,
                ..
            } => {
                let spec = ConvSpec {
                    node: name,
                    weight_shape: &weight.shape,
                    stride: *stride,
                    padding,
                    dilation: *dilation,
                    groups: *groups,
                    input: self.spatial_input(name, 3)?,
                };
                self.conv(name, spec, &weight.data, &bias.data)
            }
            Node::Conv1d {
                weight,
                bias,
                stride,
                padding,
                dilation,
                groups,
                ..
            } => {
                let spec = ConvSpec {
                    node: name,
                    weight_shape: &weight.shape,
                    stride: [1, *stride],
                    padding,
                    dilation: [1, *dilation],
                    groups: *groups,
                    input: self.spatial_input(name, 2)?,
                };
                self.conv(name, spec, &weight.data, &bias.data)
            }
            Node::Delay { delay } => {
                let size = self.sizes.of(name)?;
                let steps = delay_steps(name, delay, size, self.dt)?;
                let input = self.sum_of_preds(name, size)?;
                input
                    .delayed(&steps, name)
                    .map_err(|hint| LowerError::Unsupported {
                        node: name.to_string(),
                        kind: "Delay".into(),
                        hint,
                    })
            }
            Node::SumPool2d {
                kernel_size,
                stride,
                padding,
            } => self.pool(name, *kernel_size, *stride, *padding, 1.0),
            Node::AvgPool2d {
                kernel_size,
                stride,
                padding,
            } => {
                // Average = sum / (kH*kW), padding counted (PyTorch's count_include_pad default).
                let scale = 1.0 / (kernel_size[0] * kernel_size[1]).max(1) as f64;
                self.pool(name, *kernel_size, *stride, *padding, scale)
            }
            _ => unreachable!("only synapse roles reach synapse_value"),
        }
    }
}

impl<'g> ExprBuilder<'_, 'g> {
    /// The `(C, H, W)` input shape of a conv/pool node (`rank` 2 = Conv1d's `(C, L)` as `H = 1`).
    fn spatial_input(&self, name: &str, rank: usize) -> Result<[usize; 3], LowerError> {
        let shape = self.shapes.get(name).map(|s| s.input.as_slice());
        match (rank, shape) {
            (3, Some(&[c, h, w])) => Ok([c, h, w]),
            (2, Some(&[c, l])) => Ok([c, 1, l]),
            (_, found) => Err(LowerError::Shape {
                node: name.to_string(),
                detail: format!(
                    "needs a {rank}-D input (channels first), its input shape is {found:?}; check the Input node's shape"
                ),
            }),
        }
    }

    fn conv(
        &mut self,
        name: &'g str,
        spec: ConvSpec<'_>,
        kernel: &[f64],
        bias: &[f64],
    ) -> Result<Expr, LowerError> {
        let geometry = spec.geometry()?;
        let inferred: usize = self.shapes[name].output.iter().product();
        let c_out = geometry.output[0];
        if geometry.target_size() != inferred || kernel.len() != geometry.weight_len() {
            return Err(LowerError::Shape {
                node: name.to_string(),
                detail: format!(
                    "convolution output {:?} ({} values, {} weights) disagrees with the inferred output shape {:?}",
                    geometry.output,
                    geometry.target_size(),
                    kernel.len(),
                    self.shapes[name].output
                ),
            });
        }
        let bias = match bias.len() {
            0 => vec![0.0; c_out],
            n if n == c_out => bias.to_vec(),
            n => {
                return Err(LowerError::Shape {
                    node: name.to_string(),
                    detail: format!("bias has {n} values for {c_out} output channels"),
                })
            }
        };
        let per_neuron: Vec<f64> = bias
            .iter()
            .flat_map(|b| std::iter::repeat_n(*b, geometry.plane()))
            .collect();
        let input = self.sum_of_preds(name, geometry.source_size())?;
        let map = Map::Conv(geometry, kernel.to_vec());
        Ok(input.transform(&map, Some(&per_neuron), name))
    }

    fn pool(
        &mut self,
        name: &'g str,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        scale: f64,
    ) -> Result<Expr, LowerError> {
        let shape = self.spatial_input(name, 3)?;
        // Windows that do not overlap are an index map kept in front of the next projection's
        // weights; overlapping ones are composed as a matrix.
        let map = match conv::pool_geometry(shape, kernel, stride, padding) {
            Some(g) => Map::Pool(g, scale),
            None => {
                let (rows, cols, data) = pool_matrix(name, shape, kernel, stride, padding, scale)?;
                Map::Dense { rows, cols, data }
            }
        };
        let input = self.sum_of_preds(name, map.cols())?;
        Ok(input.transform(&map, None, name))
    }
}

/// Relative tolerance of a delay's whole number of steps (f32 delays like 0.001 s with
/// dt = 1e-4 give 10.0000005).
const DELAY_STEP_TOLERANCE: f64 = 1e-6;

/// A `Delay` node's delays in steps, one per element (a single value broadcasts).
fn delay_steps(
    name: &str,
    delay: &spikeloom_nir::Tensor,
    size: usize,
    dt: f64,
) -> Result<Vec<usize>, LowerError> {
    let values = match delay.len() {
        n if n == size => delay.data.clone(),
        1 => vec![delay.data[0]; size],
        n => {
            return Err(LowerError::Shape {
                node: name.to_string(),
                detail: format!("delay has {n} values for {size} elements"),
            })
        }
    };
    let err = |detail: String| LowerError::Parameter {
        node: name.to_string(),
        param: "delay".into(),
        detail,
    };
    values
        .iter()
        .map(|&seconds| {
            if !seconds.is_finite() || seconds < 0.0 {
                return Err(err(format!(
                    "{seconds} s is not a non-negative finite time"
                )));
            }
            let steps = seconds / dt;
            let whole = steps.round();
            if (steps - whole).abs() > DELAY_STEP_TOLERANCE * whole.max(1.0) {
                return Err(err(format!(
                    "{seconds} s is {steps} steps of dt = {dt} s, not a whole number of steps; \
                     set --dt to a step that divides every delay"
                )));
            }
            if whole > f64::from(u32::MAX) {
                return Err(err(format!(
                    "{seconds} s is {whole} steps of dt = {dt} s, more than the 2^32-1 supported"
                )));
            }
            Ok(whole as usize)
        })
        .collect()
}

type BackEdges<'g> = BTreeSet<(&'g str, &'g str)>;

/// Depth-first search from the input over the neuron graph: layer order and delayed edges.
fn evaluation_order<'g>(
    input: &'g str,
    neurons: &BTreeMap<&'g str, (Expr, Lowered)>,
) -> (Vec<&'g str>, BackEdges<'g>) {
    let mut succ: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, (expr, _)) in neurons {
        for key in expr.terms.keys() {
            let src = neurons
                .get_key_value(key.source.as_str())
                .map(|(k, _)| *k)
                .unwrap_or(input);
            succ.entry(src).or_default().push(name);
        }
    }
    let mut search = Dfs {
        succ: &succ,
        on_stack: BTreeSet::new(),
        done: BTreeSet::new(),
        post: Vec::new(),
        back: BTreeSet::new(),
    };
    search.visit(input);
    for name in neurons.keys() {
        if !search.done.contains(name) {
            search.visit(name);
        }
    }
    let order = search
        .post
        .iter()
        .rev()
        .copied()
        .filter(|n| *n != input)
        .collect();
    (order, search.back)
}

struct Dfs<'s, 'g> {
    succ: &'s BTreeMap<&'g str, Vec<&'g str>>,
    on_stack: BTreeSet<&'g str>,
    done: BTreeSet<&'g str>,
    post: Vec<&'g str>,
    back: BackEdges<'g>,
}

impl<'g> Dfs<'_, 'g> {
    fn visit(&mut self, v: &'g str) {
        self.on_stack.insert(v);
        for &w in self.succ.get(v).map(|s| s.as_slice()).unwrap_or_default() {
            if self.on_stack.contains(w) {
                self.back.insert((v, w));
            } else if !self.done.contains(w) {
                self.visit(w);
            }
        }
        self.on_stack.remove(v);
        self.done.insert(v);
        self.post.push(v);
    }
}

/// One layer from its neuron and input expression. `lag` delays every input by that many
/// steps (CubaLI under nir-euler), which is exact only without a constant drive.
fn build_layer(
    name: &str,
    expr: Expr,
    lowered: Lowered,
    lag: usize,
    input: &str,
    index: &BTreeMap<&str, usize>,
    back_edges: &BackEdges<'_>,
) -> Result<Layer, LowerError> {
    let gain = &lowered.gain;
    let inputs: Vec<Projection> = expr
        .terms
        .into_iter()
        .map(|(key, term)| {
            let src = key.source;
            let source_size = term.map.cols();
            let (weight, conv, pool) = match term.map.scale_rows(gain) {
                Map::Conv(geometry, kernel) => (kernel, Some(geometry), None),
                Map::Pooled(pool, inner) => match *inner {
                    Map::Conv(geometry, kernel) => (kernel, Some(geometry), Some(pool)),
                    other => (other.to_dense(), None, Some(pool)),
                },
                other => (other.to_dense(), None, None),
            };
            let source = if src == input {
                Source::Input
            } else {
                Source::Layer(index[src.as_str()])
            };
            let origin = if term.origins.is_empty() {
                src.clone()
            } else {
                term.origins.join(" + ")
            };
            let source_delay = match (key.delay.is_empty(), lag) {
                (true, 0) => Vec::new(),
                (true, lag) => vec![lag; source_size],
                (false, lag) => key.delay.iter().map(|d| d + lag).collect(),
            };
            Projection {
                source,
                weight,
                source_size,
                delayed: back_edges.contains(&(src.as_str(), name)),
                source_delay,
                origin,
                conv,
                pool,
            }
        })
        .collect();
    let bias: Vec<f64> = expr
        .bias
        .iter()
        .zip(gain)
        .zip(&lowered.leak_bias)
        .map(|((b, g), l)| b * g + l)
        .collect();
    if lag > 0 && bias.iter().any(|b| *b != 0.0) {
        return Err(LowerError::Unsupported {
            node: name.to_string(),
            kind: "CubaLI".into(),
            hint: "under nir-euler the membrane integrates the previous step's current, which is \
                   expressed by feeding the neuron one step late; a constant input (an Affine or \
                   convolution bias) cannot be delayed that way; use a Linear, or --semantics \
                   snntorch"
                .into(),
        });
    }
    let mut neuron = lowered.neuron;
    if let Neuron::Lif { zero_input, .. } = &mut neuron {
        // snnTorch's RLeaky drops the step's input on a zero reset, Leaky keeps it.
        if inputs.iter().any(|p| p.delayed) {
            *zero_input = ZeroResetInput::Drop;
        }
    }
    Ok(Layer {
        name: name.to_string(),
        size: lowered.size,
        shape: lowered.shape,
        inputs,
        bias,
        neuron,
    })
}
