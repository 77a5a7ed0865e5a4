//! `inspect`'s report: graph, shapes, sizes, parameter summary, the semantics assumed (with the
//! source of each setting and what else the file fits), support and the output layer, as JSON
//! data (the CLI prints it as JSON or text).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{load_nir, output_node, semantics_options, LoadedNir};
use serde_json::{json, Value};
use spikeloom_float::{
    alternatives, convention_source, FloatNet, Neuron, SemanticsOptions, SettingSource,
};
use spikeloom_nir::{Node, Tensor};

/// The report of the config's `.nir` model.
pub fn report(config: &Config) -> Result<Value> {
    let loaded = load_nir(config)?;
    let shapes = spikeloom_nir::infer_shapes(&loaded.flat)
        .map_err(|e| Error::input(format!("{}: {e}", config.model.display())))?;
    let nodes: Vec<Value> = loaded
        .flat
        .nodes
        .iter()
        .map(|(name, node)| {
            let s = shapes.get(name);
            json!({
                "name": name,
                "type": node.type_name(),
                "input_shape": s.map(|s| s.input.clone()),
                "output_shape": s.map(|s| s.output.clone()),
                "parameters": params(node),
            })
        })
        .collect();
    let edges: Vec<Value> = loaded
        .flat
        .edges
        .iter()
        .map(|(a, b)| json!([a, b]))
        .collect();
    let opts = semantics_options(config, &loaded);
    let lowered = spikeloom_float::lower(&loaded.flat, &opts);
    let support = match &lowered {
        Ok(net) => json!({ "float": "supported", "summary": net_summary(net) }),
        Err(e) => json!({ "float": format!("unsupported: {e}") }),
    };
    Ok(json!({
        "file": config.model.display().to_string(),
        "sha256": loaded.sha256,
        "nir_version": loaded.file.version,
        "nodes": nodes,
        "edges": edges,
        "neurons": lowered.as_ref().map(|n| n.layers.iter().map(|l| l.size).sum::<usize>()).ok(),
        "synapses": lowered.as_ref().map(synapse_count).ok(),
        "output": lowered.as_ref().ok().and_then(|net| output_json(&loaded, net)),
        "semantics": lowered.as_ref().ok().map(|net| semantics_json(net, &loaded, &opts)),
        "support": support,
    }))
}

/// The layer taken as the network's output and the Output node it feeds.
fn output_json(loaded: &LoadedNir, net: &FloatNet) -> Option<Value> {
    let o = output_node(loaded, net)?;
    Some(json!({
        "layer": o.layer,
        "output_node": o.output,
        "added_by_nir": o.added_by_nir.is_some(),
        "note": o.added_by_nir,
    }))
}

fn summary(name: &str, t: &Tensor) -> String {
    let finite: Vec<f64> = t.data.iter().copied().filter(|v| v.is_finite()).collect();
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if t.data.is_empty() {
        format!("{name}=[]")
    } else if finite.is_empty() {
        format!("{name}=inf")
    } else if (max - min).abs() <= f64::EPSILON * max.abs().max(1.0) {
        format!("{name}={min:.6}")
    } else {
        format!("{name}=[{min:.4}..{max:.4}]")
    }
}

fn params(node: &Node) -> String {
    let list: Vec<String> = match node {
        Node::Affine { weight, bias } => vec![summary("weight", weight), summary("bias", bias)],
        Node::Linear { weight } => vec![summary("weight", weight)],
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => vec![
            summary("tau", tau),
            summary("r", r),
            summary("v_leak", v_leak),
            summary("v_threshold", v_threshold),
            summary("v_reset", v_reset),
        ],
        Node::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_threshold,
            w_in,
            ..
        } => vec![
            summary("tau_syn", tau_syn),
            summary("tau_mem", tau_mem),
            summary("r", r),
            summary("v_threshold", v_threshold),
            summary("w_in", w_in),
        ],
        Node::If { r, v_threshold, .. } => {
            vec![summary("r", r), summary("v_threshold", v_threshold)]
        }
        Node::Li { tau, r, .. } => vec![summary("tau", tau), summary("r", r)],
        Node::CubaLi {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            w_in,
        } => vec![
            summary("tau_syn", tau_syn),
            summary("tau_mem", tau_mem),
            summary("r", r),
            summary("v_leak", v_leak),
            summary("w_in", w_in),
        ],
        Node::Delay { delay } => vec![summary("delay", delay)],
        Node::Scale { scale } => vec![summary("scale", scale)],
        _ => Vec::new(),
    };
    list.join(" ")
}

fn synapse_count(net: &FloatNet) -> usize {
    net.layers
        .iter()
        .flat_map(|l| &l.inputs)
        .map(|p| p.weight.len())
        .sum()
}

/// Each setting with its value and source; the convention also with the evidence of an
/// inference and the alternatives the file fits (what would differ under each).
fn semantics_json(net: &FloatNet, loaded: &LoadedNir, opts: &SemanticsOptions) -> Value {
    let s = &net.semantics;
    let setting = |key: &str, value: Value| {
        let src = s.provenance.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        json!({
            "value": value,
            "source": src.map(SettingSource::name),
            "evidence": src.and_then(SettingSource::evidence),
        })
    };
    let source = convention_source(s);
    let family = s
        .provenance
        .iter()
        .find(|(k, _)| k == "convention")
        .map(|(_, v)| v);
    let alternatives: Vec<Value> = alternatives(&loaded.flat, opts, net)
        .into_iter()
        .map(|a| json!({ "name": a.name, "fits": a.fits, "differs": a.differs }))
        .collect();
    let mut evidence: Vec<&str> = family
        .and_then(SettingSource::evidence)
        .into_iter()
        .collect();
    if s.norse.is_some() {
        evidence.extend(source.evidence());
    }
    json!({
        "convention": {
            "value": s.convention_name(),
            "source": source.name(),
            "guess": source.is_guess() || source == SettingSource::Default,
            "evidence": evidence,
            "alternatives": alternatives,
        },
        "dt": setting("dt", json!(s.dt)),
        "reset": setting("reset", json!(s.reset.name())),
        "reset_delay": setting("reset_delay", json!(s.reset_delay)),
        "spike_mode": setting("spike_mode", json!(s.spike_mode.name())),
    })
}

fn net_summary(net: &FloatNet) -> Value {
    net.layers
        .iter()
        .map(|l| {
            let kind = match &l.neuron {
                Neuron::Lif { .. } => "LIF",
                Neuron::CubaLif { .. } => "CubaLIF",
                Neuron::Li { .. } => "LI",
                Neuron::CubaLi { .. } => "CubaLI",
            };
            let inputs: Vec<String> = l
                .inputs
                .iter()
                .map(|p| {
                    let delay = match p.source_delay.iter().max() {
                        Some(hi) => {
                            format!(" delay {}..{hi}", p.source_delay.iter().min().unwrap_or(hi))
                        }
                        None => String::new(),
                    };
                    // what the weights are: a shared kernel and/or a pooling index map in front
                    let shape = match (&p.conv, &p.pool) {
                        (None, None) => String::new(),
                        (Some(_), None) => format!(" conv ({} shared weights)", p.weight.len()),
                        (None, Some(g)) => format!(
                            " via pool {:?} ({} weights over {} pooled)",
                            g.kernel,
                            p.weight.len(),
                            p.columns()
                        ),
                        (Some(_), Some(g)) => format!(
                            " via pool {:?} conv ({} shared weights)",
                            g.kernel,
                            p.weight.len()
                        ),
                    };
                    format!(
                        "{}{}x{}{shape}{delay}",
                        if p.delayed { "rec " } else { "" },
                        l.size,
                        p.source_size
                    )
                })
                .collect();
            Value::String(format!(
                "{} {kind} {} neurons <- {}",
                l.name,
                l.size,
                inputs.join(" + ")
            ))
        })
        .collect()
}
