//! Graph validation: collects every problem at once (dangling edges, parameter shapes within a
//! node, NaN/inf, cycles that do not pass through a stateful node, shape inference and edge
//! shape mismatches), recursing into subgraphs with dotted names.

use std::collections::BTreeMap;

use crate::error::{Diagnostic, Diagnostics};
use crate::model::{Graph, Node, Tensor};
use crate::shapes::{infer_partial, params};

/// Check `graph`; `Err` lists every problem found, in a deterministic order.
pub fn validate(graph: &Graph) -> Result<(), Diagnostics> {
    let mut diags = Vec::new();
    validate_into(graph, "", &mut diags);
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(diags))
    }
}

fn validate_into(graph: &Graph, prefix: &str, diags: &mut Vec<Diagnostic>) {
    for (src, dst) in &graph.edges {
        for end in [src, dst] {
            if !graph.nodes.contains_key(end) {
                diags.push(Diagnostic::DanglingEdge {
                    from: format!("{prefix}{src}"),
                    to: format!("{prefix}{dst}"),
                    missing: format!("{prefix}{end}"),
                });
            }
        }
    }
    for (name, node) in &graph.nodes {
        let full = format!("{prefix}{name}");
        check_param_shapes(node, &full, diags);
        check_finite(node, &full, diags);
        if let Node::Graph(inner) = node {
            validate_into(inner, &format!("{full}."), diags);
        }
    }
    for cycle in stateless_cycles(graph) {
        diags.push(Diagnostic::CycleWithoutNeuron {
            nodes: cycle.into_iter().map(|n| format!("{prefix}{n}")).collect(),
        });
    }
    diags.extend(infer_partial(graph, prefix).1);
}

fn check_param_shapes(node: &Node, name: &str, diags: &mut Vec<Diagnostic>) {
    let mut mismatch = |field: &str, t: &Tensor, reference: &str, want: &[usize]| {
        diags.push(Diagnostic::ParamShapeMismatch {
            node: name.to_string(),
            field: field.to_string(),
            shape: t.shape.clone(),
            reference: reference.to_string(),
            reference_shape: want.to_vec(),
        });
    };
    match node {
        Node::Affine { weight, bias } if weight.shape.len() >= 2 => {
            let want = &weight.shape[..weight.shape.len() - 1];
            if !bias.shape.is_empty() && bias.shape != want {
                mismatch("bias", bias, "weight", want);
            }
        }
        Node::Conv1d { weight, bias, .. } | Node::Conv2d { weight, bias, .. }
            if !weight.shape.is_empty() =>
        {
            let want = &weight.shape[..1];
            if !bias.shape.is_empty() && bias.shape != want {
                mismatch("bias", bias, "weight", want);
            }
        }
        _ => {
            let ps = params(node);
            // Scalars broadcast (snnTorch exports scalar beta/threshold as 0-d datasets).
            if let Some((ref_name, ref_t)) = ps.iter().find(|(_, t)| !t.shape.is_empty()) {
                for (field, t) in &ps {
                    if !t.shape.is_empty() && t.shape != ref_t.shape {
                        mismatch(field, t, ref_name, &ref_t.shape);
                    }
                }
            }
        }
    }
}

/// Every float tensor of a node with its field name.
fn tensors(node: &Node) -> Vec<(&'static str, &Tensor)> {
    match node {
        Node::Affine { weight, bias } => vec![("weight", weight), ("bias", bias)],
        Node::Linear { weight } => vec![("weight", weight)],
        Node::Conv1d { weight, bias, .. } | Node::Conv2d { weight, bias, .. } => {
            vec![("weight", weight), ("bias", bias)]
        }
        other => params(other),
    }
}

/// `(time constant, resistance)` pairs that may both be +inf: snnTorch's beta = 1 exports
/// `tau = dt / (1 - beta) = inf` and `r = tau / dt = inf` (NIR-NOTES §3.2).
fn inf_pairs(node: &Node) -> &'static [(&'static str, &'static str)] {
    match node {
        Node::Lif { .. } | Node::Li { .. } => &[("tau", "r")],
        Node::CubaLif { .. } | Node::CubaLi { .. } => &[("tau_mem", "r")],
        _ => &[],
    }
}

fn check_finite(node: &Node, name: &str, diags: &mut Vec<Diagnostic>) {
    let all = tensors(node);
    let get = |field: &str| all.iter().find(|(f, _)| *f == field).map(|(_, t)| *t);
    // Element `i` of a tensor, broadcasting scalars.
    let at = |t: &Tensor, i: usize| {
        if t.len() == 1 {
            t.data[0]
        } else {
            t.data.get(i).copied().unwrap_or(0.0)
        }
    };
    for (field, t) in &all {
        let partner = inf_pairs(node).iter().find_map(|(a, b)| {
            if a == field {
                get(b)
            } else if b == field {
                get(a)
            } else {
                None
            }
        });
        let beta_one = |i: usize, v: f64| {
            v == f64::INFINITY && partner.is_some_and(|p| at(p, i) == f64::INFINITY)
        };
        let nan: Vec<usize> = (0..t.len()).filter(|&i| t.data[i].is_nan()).collect();
        let inf: Vec<usize> = (0..t.len())
            .filter(|&i| t.data[i].is_infinite() && !beta_one(i, t.data[i]))
            .collect();
        for (what, idx) in [("NaN", nan), ("infinite", inf)] {
            if let Some(&first) = idx.first() {
                diags.push(Diagnostic::NonFinite {
                    node: name.to_string(),
                    field: field.to_string(),
                    what: what.to_string(),
                    count: idx.len(),
                    first,
                });
            }
        }
    }
}

/// True for nodes that hold state across time steps, which makes a loop through them a
/// recurrence (evaluated with the previous step's value) instead of an algebraic loop.
fn is_stateful(node: &Node) -> bool {
    match node {
        Node::Lif { .. }
        | Node::CubaLif { .. }
        | Node::CubaLi { .. }
        | Node::If { .. }
        | Node::Li { .. }
        | Node::Integrator { .. }
        | Node::Delay { .. } => true,
        Node::Graph(g) => g.nodes.values().any(is_stateful),
        _ => false,
    }
}

/// Strongly connected components that form a cycle but contain no stateful node.
fn stateless_cycles(graph: &Graph) -> Vec<Vec<String>> {
    let names: Vec<&String> = graph.nodes.keys().collect();
    let index: BTreeMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut succ = vec![Vec::new(); names.len()];
    let mut self_loop = vec![false; names.len()];
    for (s, t) in &graph.edges {
        if let (Some(&a), Some(&b)) = (index.get(s), index.get(t)) {
            succ[a].push(b);
            self_loop[a] |= a == b;
        }
    }
    tarjan(&succ)
        .into_iter()
        .filter(|c| c.len() > 1 || self_loop[c[0]])
        .filter(|c| !c.iter().any(|&i| is_stateful(&graph.nodes[names[i]])))
        .map(|c| {
            let mut v: Vec<String> = c.iter().map(|&i| names[i].clone()).collect();
            v.sort();
            v
        })
        .collect()
}

/// Tarjan's SCC algorithm, iterative (no recursion depth limit on long chains).
fn tarjan(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = succ.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut out, mut next) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = succ[v].get(*child) {
                *child += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(comp);
            }
        }
    }
    out
}
