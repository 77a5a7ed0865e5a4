//! Subgraph inlining: nested NIRGraph nodes become their member nodes named `outer.inner`, so
//! later stages see one flat graph. A subgraph's `Input`/`Output` nodes disappear: they are
//! first kept as virtual pass-through nodes, then contracted (every predecessor is connected to
//! every successor), which also handles subgraphs that wire an `Input` straight to an `Output`.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::NirError;
use crate::model::{Graph, Node};

/// Inline every nested NIRGraph, recursively. Subgraph metadata is kept as `sub.key`. Fails
/// only when an inlined name `sub.x` is already taken by another node.
pub fn flatten_subgraphs(graph: &Graph) -> Result<Graph, NirError> {
    let mut nodes = BTreeMap::new();
    // Inlined name -> the subgraph it came from, to name the subgraph on a clash.
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    let mut metadata = graph.metadata.clone();
    let mut edges = Vec::new();
    let mut virtuals = BTreeSet::new();
    // Subgraph name -> (virtual input names, virtual output names).
    let mut ports: BTreeMap<&str, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (name, node) in &graph.nodes {
        let Node::Graph(sub) = node else {
            if let Some(sub) = origin.get(name) {
                return Err(NirError::FlattenNameClash {
                    subgraph: sub.clone(),
                    name: name.clone(),
                });
            }
            nodes.insert(name.clone(), node.clone());
            continue;
        };
        let sub = flatten_subgraphs(sub)?;
        // `\0` cannot appear in an HDF5 link name, so virtual names never clash with real ones.
        let flat = |n: &str| match sub.nodes.get(n) {
            Some(Node::Input { .. } | Node::Output { .. }) => format!("{name}\0{n}"),
            _ => format!("{name}.{n}"),
        };
        let (mut ins, mut outs) = (Vec::new(), Vec::new());
        for (n, inner) in &sub.nodes {
            match inner {
                Node::Input { .. } => ins.push(flat(n)),
                Node::Output { .. } => outs.push(flat(n)),
                _ => {
                    let flat_name = flat(n);
                    if nodes.contains_key(&flat_name) {
                        return Err(NirError::FlattenNameClash {
                            subgraph: name.clone(),
                            name: flat_name,
                        });
                    }
                    origin.insert(flat_name.clone(), name.clone());
                    nodes.insert(flat_name, inner.clone());
                }
            }
        }
        virtuals.extend(ins.iter().chain(&outs).cloned());
        edges.extend(sub.edges.iter().map(|(s, t)| (flat(s), flat(t))));
        for (k, v) in sub.metadata {
            metadata.entry(format!("{name}.{k}")).or_insert(v);
        }
        ports.insert(name, (ins, outs));
    }
    // Parent edges name the subgraph itself (or, per the NIR docs, `sub.member`).
    let endpoint = |e: &str, as_target: bool| -> Vec<String> {
        if let Some((ins, outs)) = ports.get(e) {
            return if as_target { ins.clone() } else { outs.clone() };
        }
        if let Some((sub, member)) = e.split_once('.') {
            let virt = format!("{sub}\0{member}");
            if virtuals.contains(&virt) {
                return vec![virt];
            }
        }
        vec![e.to_string()]
    };
    let mut parent = Vec::new();
    for (s, t) in &graph.edges {
        for src in endpoint(s, false) {
            for dst in endpoint(t, true) {
                parent.push((src.clone(), dst));
            }
        }
    }
    parent.extend(edges);
    let edges = contract(parent, &virtuals);
    Ok(Graph {
        nodes,
        edges,
        metadata,
    })
}

/// Remove each virtual node, connecting its predecessors to its successors; drop duplicates.
fn contract(
    mut edges: Vec<(String, String)>,
    virtuals: &BTreeSet<String>,
) -> Vec<(String, String)> {
    for v in virtuals {
        let preds: Vec<String> = edges
            .iter()
            .filter(|(_, t)| t == v)
            .map(|(s, _)| s.clone())
            .collect();
        let succs: Vec<String> = edges
            .iter()
            .filter(|(s, _)| s == v)
            .map(|(_, t)| t.clone())
            .collect();
        edges.retain(|(s, t)| s != v && t != v);
        for p in preds.iter().filter(|p| *p != v) {
            for q in succs.iter().filter(|q| *q != v) {
                edges.push((p.clone(), q.clone()));
            }
        }
    }
    let mut seen = BTreeSet::new();
    edges.retain(|e| seen.insert(e.clone()));
    edges
}
