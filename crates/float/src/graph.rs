//! Read-only views of a NIR graph used by the lowering: node roles, adjacency, and the size of
//! every node's output vector (flattened, batch-less).

use std::collections::BTreeMap;

use spikeloom_nir::{Graph, Node, NodeShapes};

use crate::error::LowerError;

/// What a node does in the layered network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Input,
    Output,
    /// Stateful node with its own layer (LIF, CubaLIF, IF, LI, CubaLI, I, Threshold).
    Neuron,
    /// Linear node folded into projections (Affine, Linear, Scale, Flatten, Conv, pooling, and
    /// Delay, which becomes the per-source delays of the projections through it).
    Synapse,
    /// Anything the float reference does not lower yet; the hint says why.
    Unsupported(&'static str),
}

/// NIR's type name of a node.
pub(crate) fn kind(node: &Node) -> &'static str {
    node.type_name()
}

pub(crate) fn role(node: &Node) -> Role {
    match node {
        Node::Input { .. } => Role::Input,
        Node::Output { .. } => Role::Output,
        Node::Lif { .. }
        | Node::CubaLif { .. }
        | Node::CubaLi { .. }
        | Node::If { .. }
        | Node::Li { .. }
        | Node::Integrator { .. }
        | Node::Threshold { .. } => Role::Neuron,
        Node::Affine { .. }
        | Node::Linear { .. }
        | Node::Scale { .. }
        | Node::Flatten { .. }
        | Node::Conv1d { .. }
        | Node::Conv2d { .. }
        | Node::SumPool2d { .. }
        | Node::AvgPool2d { .. }
        | Node::Delay { .. } => Role::Synapse,
        Node::Graph(_) => Role::Unsupported(
            "nested graphs must be flattened first (spikeloom_nir::flatten_subgraphs)",
        ),
    }
}

/// Adjacency of a graph, with every edge endpoint checked to exist.
pub(crate) struct Topology<'g> {
    pub(crate) graph: &'g Graph,
    /// Predecessors per node, in edge-file order, duplicates kept (they sum).
    pub(crate) preds: BTreeMap<&'g str, Vec<&'g str>>,
    /// Successors per node, in edge-file order.
    pub(crate) succs: BTreeMap<&'g str, Vec<&'g str>>,
}

impl<'g> Topology<'g> {
    pub(crate) fn new(graph: &'g Graph) -> Result<Topology<'g>, LowerError> {
        let mut preds: BTreeMap<&str, Vec<&str>> = graph
            .nodes
            .keys()
            .map(|k| (k.as_str(), Vec::new()))
            .collect();
        let mut succs = preds.clone();
        for (from, to) in &graph.edges {
            for end in [from, to] {
                if !graph.nodes.contains_key(end) {
                    return Err(LowerError::UnknownNode {
                        from: from.clone(),
                        to: to.clone(),
                        missing: end.clone(),
                    });
                }
            }
            preds
                .get_mut(to.as_str())
                .expect("checked")
                .push(from.as_str());
            succs
                .get_mut(from.as_str())
                .expect("checked")
                .push(to.as_str());
        }
        Ok(Topology {
            graph,
            preds,
            succs,
        })
    }

    pub(crate) fn node(&self, name: &str) -> &'g Node {
        &self.graph.nodes[name]
    }

    pub(crate) fn preds(&self, name: &str) -> &[&'g str] {
        &self.preds[name]
    }

    pub(crate) fn succs(&self, name: &str) -> &[&'g str] {
        &self.succs[name]
    }

    pub(crate) fn unsupported(&self, name: &str, hint: &str) -> LowerError {
        LowerError::Unsupported {
            node: name.to_string(),
            kind: kind(self.node(name)).to_string(),
            hint: hint.to_string(),
        }
    }
}

/// Largest parameter length of a neuron node (scalars broadcast, so 1 means "not fixed").
fn neuron_param_len(node: &Node) -> usize {
    let lens: Vec<usize> = match node {
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => {
            vec![
                tau.len(),
                r.len(),
                v_leak.len(),
                v_threshold.len(),
                v_reset.len(),
            ]
        }
        Node::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => vec![
            tau_syn.len(),
            tau_mem.len(),
            r.len(),
            v_leak.len(),
            v_threshold.len(),
            v_reset.len(),
            w_in.len(),
        ],
        Node::If {
            r,
            v_threshold,
            v_reset,
        } => vec![r.len(), v_threshold.len(), v_reset.len()],
        Node::CubaLi {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            w_in,
        } => vec![
            tau_syn.len(),
            tau_mem.len(),
            r.len(),
            v_leak.len(),
            w_in.len(),
        ],
        Node::Li { tau, r, v_leak } => vec![tau.len(), r.len(), v_leak.len()],
        Node::Integrator { r } => vec![r.len()],
        Node::Threshold { threshold } => vec![threshold.len()],
        _ => vec![0],
    };
    lens.into_iter().max().unwrap_or(0)
}

/// Output sizes of nodes, computed on demand. A size that depends only on the node's input
/// (Flatten, Scale with one value, scalar-parameter neurons) is taken from any predecessor
/// whose size is known, which resolves recurrent loops through an Affine.
pub(crate) struct Sizes<'t, 'g> {
    topo: &'t Topology<'g>,
    memo: BTreeMap<&'g str, usize>,
    visiting: Vec<&'g str>,
    /// Inferred node shapes (`spikeloom_nir::infer_shapes`); only filled for graphs with
    /// convolution or pooling nodes, whose sizes depend on spatial shapes.
    shapes: &'t BTreeMap<String, NodeShapes>,
}

impl<'t, 'g> Sizes<'t, 'g> {
    pub(crate) fn new(topo: &'t Topology<'g>, shapes: &'t BTreeMap<String, NodeShapes>) -> Self {
        Sizes {
            topo,
            memo: BTreeMap::new(),
            visiting: Vec::new(),
            shapes,
        }
    }

    /// Output size of `name`; errors if it cannot be determined.
    pub(crate) fn of(&mut self, name: &'g str) -> Result<usize, LowerError> {
        self.try_of(name)?.ok_or_else(|| LowerError::Shape {
            node: name.to_string(),
            detail: "size cannot be determined: no input of known size; give the node per-neuron parameters".into(),
        })
    }

    fn try_of(&mut self, name: &'g str) -> Result<Option<usize>, LowerError> {
        if let Some(n) = self.memo.get(name) {
            return Ok(Some(*n));
        }
        if self.visiting.contains(&name) {
            return Ok(None);
        }
        self.visiting.push(name);
        let result = self.compute(name);
        self.visiting.pop();
        if let Ok(Some(n)) = result {
            self.memo.insert(name, n);
        }
        result
    }

    fn compute(&mut self, name: &'g str) -> Result<Option<usize>, LowerError> {
        let node = self.topo.node(name);
        let own = match node {
            Node::Input { shape } => Some(shape.iter().product()),
            Node::Affine { weight, .. } | Node::Linear { weight } => {
                Some(matrix_dims(name, weight)?.0)
            }
            Node::Scale { scale } if scale.len() > 1 => Some(scale.len()),
            Node::Delay { delay } if delay.len() > 1 => Some(delay.len()),
            Node::Scale { .. }
            | Node::Delay { .. }
            | Node::Flatten { .. }
            | Node::Output { .. } => None,
            Node::Conv1d { .. }
            | Node::Conv2d { .. }
            | Node::SumPool2d { .. }
            | Node::AvgPool2d { .. } => {
                let shape = self.shapes.get(name).ok_or_else(|| LowerError::Shape {
                    node: name.to_string(),
                    detail:
                        "output shape cannot be inferred; give the Input node its (C, H, W) shape"
                            .into(),
                })?;
                Some(shape.output.iter().product())
            }
            _ if role(node) == Role::Neuron => Some(neuron_param_len(node)).filter(|n| *n > 1),
            _ => return Err(unsupported_role(self.topo, name)),
        };
        if own.is_some() {
            return Ok(own);
        }
        for pred in self.topo.preds(name).to_vec() {
            if let Some(n) = self.try_of(pred)? {
                return Ok(Some(n));
            }
        }
        // A neuron with scalar parameters and no sized input is a single neuron.
        Ok((role(node) == Role::Neuron && self.topo.preds(name).is_empty()).then_some(1))
    }
}

fn unsupported_role(topo: &Topology<'_>, name: &str) -> LowerError {
    match role(topo.node(name)) {
        Role::Unsupported(hint) => topo.unsupported(name, hint),
        _ => topo.unsupported(name, "this node cannot appear here"),
    }
}

/// `(rows, cols)` of an Affine/Linear weight, which must be 2-D.
pub(crate) fn matrix_dims(
    name: &str,
    weight: &spikeloom_nir::Tensor,
) -> Result<(usize, usize), LowerError> {
    match weight.shape.as_slice() {
        [rows, cols] if rows * cols == weight.len() => Ok((*rows, *cols)),
        shape => Err(LowerError::Shape {
            node: name.to_string(),
            detail: format!(
                "weight has shape {shape:?}; only 2-D (N_out, N_in) weights are supported"
            ),
        }),
    }
}
