//! Graph validation: collects every problem at once (dangling edges, parameter shapes within a
//! node, NaN/inf, values outside their meaning (time constants <= 0, negative `r` or delay),
//! empty nodes, cycles that do not pass through a stateful node, shape inference and edge shape
//! mismatches), recursing into subgraphs with dotted names.

use std::collections::BTreeMap;

use crate::error::{fmt_shape, Diagnostic, Diagnostics};
use crate::model::{FloatDtype, Graph, Node, Tensor};
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
        check_domain(node, &full, diags);
        check_empty(node, &full, diags);
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
/// `tau = dt / (1 - beta) = inf` and `r = tau / dt = inf` (its `export_nir.py` writes both).
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

/// Why a value of one parameter is outside its meaning, per kind of parameter.
enum Domain {
    /// A time constant: must be > 0 (+inf is beta = 1).
    TimeConstant,
    /// An input resistance / gain: must be >= 0.
    Gain,
    /// A delay in seconds: must be >= 0.
    Delay,
}

fn domain(field: &str) -> Option<Domain> {
    match field {
        "tau" | "tau_mem" | "tau_syn" => Some(Domain::TimeConstant),
        "r" => Some(Domain::Gain),
        "delay" => Some(Domain::Delay),
        _ => None,
    }
}

/// Time constants <= 0, negative `r` and negative delays: NaN/inf are `check_finite`'s.
fn check_domain(node: &Node, name: &str, diags: &mut Vec<Diagnostic>) {
    for (field, t) in tensors(node) {
        let Some(kind) = domain(field) else {
            continue;
        };
        let negative = |v: f64| v.is_finite() && v < 0.0;
        let zero = |v: f64| v == 0.0;
        let mut report = |what: &str, hit: &dyn Fn(f64) -> bool, meaning: &str| {
            let idx: Vec<usize> = (0..t.len()).filter(|&i| hit(t.data[i])).collect();
            if let Some(&first) = idx.first() {
                diags.push(Diagnostic::InvalidValue {
                    node: name.to_string(),
                    field: field.to_string(),
                    what: what.to_string(),
                    count: idx.len(),
                    first,
                    value: stored(t, first),
                    meaning: meaning.to_string(),
                });
            }
        };
        match kind {
            Domain::TimeConstant => {
                report(
                    "negative",
                    &negative,
                    &format!(
                        "a time constant must be positive: with {field} < 0 the per-step factor \
                         1 - dt/{field} exceeds 1, so the state would grow every step instead of \
                         decaying (snnTorch exports {field} = dt/(1 - beta): a learned beta above \
                         1, which snnTorch clamps to 1 when it runs, exports a negative \
                         {field}; clamp beta to [0, 1] before exporting)"
                    ),
                );
                report(
                    "zero",
                    &zero,
                    &format!(
                        "a time constant must be positive: {field} = 0 divides by zero (dt/{field}), \
                         so the decay is undefined; use +inf for no decay"
                    ),
                );
            }
            Domain::Gain => report(
                "negative",
                &negative,
                "r scales every input of the neuron (dv/dt = (v_leak - v + r*I)/tau): a negative \
                 r would turn excitatory weights inhibitory and inhibitory ones excitatory; \
                 re-export the model (snnTorch writes r = tau/dt, so a negative tau gives a \
                 negative r too)",
            ),
            Domain::Delay => report(
                "negative",
                &negative,
                "a negative delay would deliver a spike before it was sent; delays are seconds >= 0",
            ),
        }
    }
}

/// A value as stored: f32 data printed as f32 (`-0.001`, not `-0.0010000000474974513`).
fn stored(t: &Tensor, i: usize) -> String {
    match t.dtype {
        FloatDtype::F32 => format!("{}", t.data[i] as f32),
        FloatDtype::F64 => format!("{}", t.data[i]),
    }
}

/// Nodes whose stored data has no elements: an Input/Output shape with a 0 dimension, an empty
/// weight or neuron parameter. (A node that is empty only because its input is, e.g. a scalar-
/// parameter neuron after an empty projection, traces back to one of these, which is reported.)
fn check_empty(node: &Node, name: &str, diags: &mut Vec<Diagnostic>) {
    let mut empty = |what: String, fix: &str| {
        diags.push(Diagnostic::Empty {
            node: name.to_string(),
            what,
            fix: fix.to_string(),
        })
    };
    let first_empty = || tensors(node).into_iter().find(|(_, t)| t.is_empty());
    match node {
        Node::Input { shape } if shape.contains(&0) => empty(
            format!("its shape {}", fmt_shape(shape)),
            "the network needs at least one input value per time step: re-export it with the \
             real input shape",
        ),
        Node::Output { shape } if shape.contains(&0) => empty(
            format!("its shape {}", fmt_shape(shape)),
            "the network must output at least one value: re-export it with the shape of the \
             layer that feeds the Output node",
        ),
        Node::Affine { .. } | Node::Linear { .. } | Node::Conv1d { .. } | Node::Conv2d { .. } => {
            if let Some((field, t)) = first_empty() {
                empty(
                    format!("parameter '{field}' (shape {})", fmt_shape(&t.shape)),
                    "a projection needs at least one input and one output: remove the node or \
                     re-export it with its weights",
                );
            }
        }
        _ => {
            if let Some((field, t)) = first_empty() {
                let fix = if is_stateful(node) || matches!(node, Node::Threshold { .. }) {
                    "a layer needs at least one neuron: remove the node or re-export it with its \
                     neurons"
                } else {
                    "remove the node or re-export it with one value per element"
                };
                empty(
                    format!("parameter '{field}' (shape {})", fmt_shape(&t.shape)),
                    fix,
                );
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
