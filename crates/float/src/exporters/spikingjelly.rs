//! SpikingJelly (`spikingjelly.activation_based.nir_exchange`, 2.0.0): how its export writes
//! neurons, how they lower, and the fingerprint that recognises its files.
//!
//! Its neurons (`_ops/lif/reference.py`, `_ops/reset.py`, `surrogate.heaviside`), per step:
//!
//! | neuron | charge | fire | reset |
//! | --- | --- | --- | --- |
//! | `LIFNode(decay_input=True)` | `h = v + (x - (v - v_reset))/tau` | `h - θ >= 0` | `v = s·v_reset + (1 - s)·h` |
//! | `LIFNode(decay_input=False)` | `h = v - (v - v_reset)/tau + x` | same | same |
//! | `IFNode` | `h = v + x` | same | same |
//! | `CUBALIFNode` | `c = c·c_decay + x; h = v·v_decay + c` | same | same |
//!
//! `export_to_nir(net, example, dt=1e-4)` (`to_nir.py`) writes `LIF(tau = tau·dt, r = 1 if
//! decay_input else tau, v_leak = v_reset, v_threshold, v_reset)`, `IF(r = 1/dt)` and
//! `CubaLIF(tau_syn = dt/(1 - c_decay), tau_mem = dt/(1 - v_decay), r = tau_mem/dt,
//! w_in = tau_syn/dt, v_leak = 0)` (snnTorch's CubaLIF signature), no metadata, and refuses a
//! soft reset (`v_reset=None`): "NIR does not distinguish soft reset". Each of these is the
//! forward-Euler step of the NIR equation at that dt, so the lowering is nir-euler's with the
//! library's fire rule (`>=`, not `>`) and its immediate hard reset. Its import
//! (`from_nir.py`) checks the same relations and requires `tau/dt > 1`.
//!
//! SpikingJelly's membrane starts at `v_reset` (`BaseNode` registers `v = v_reset`), not at 0
//! like the engines' and the hardware's state: a LIF/IF is lowered in the frame
//! `u = v - v_reset` (`Cx::shifted`), which has the same spikes, so its membrane trace is
//! SpikingJelly's `v` minus `v_reset`. A CubaLIF with `v_reset != 0` is rejected (in that frame
//! its membrane would need a constant drive of its own).
//!
//! The input gain `1/tau` of `decay_input=True` is folded into the weights like every other
//! gain (`x/tau` instead of SpikingJelly's `(x - v)/tau`), an ulp-level difference in the
//! membrane; the fixture test (`tests/exporter_fixtures.rs`) bounds it.

use spikeloom_nir::{Graph, Node, Tensor};

use super::Cx;
use crate::error::LowerError;
use crate::net::{Neuron, ZeroResetInput};
use crate::semantics::{f32_text, tau_r_pairs as pairs};

/// Relative tolerance of the relations the export writes (`r·dt = tau`, `r·dt = 1`): the file
/// stores float64 products of the layer's float tau and dt.
const TOLERANCE: f64 = 1e-6;

fn close(a: f64, b: f64) -> bool {
    ((a - b) / b).abs() <= TOLERANCE
}

impl Cx<'_> {
    /// Lowers one SpikingJelly neuron: (neuron, input gain, constant drive `v_reset/tau`).
    pub(super) fn spikingjelly(
        &self,
        node: &Node,
    ) -> Result<(Neuron, Vec<f64>, Vec<f64>), LowerError> {
        let dt = self.sem.dt;
        let one = vec![1.0; self.size];
        match node {
            Node::Lif {
                tau,
                r,
                v_leak,
                v_threshold,
                v_reset,
            } => {
                let taus = self.steps("tau", tau)?;
                let (rs, leaks, resets) = (
                    self.vals("r", r)?,
                    self.vals("v_leak", v_leak)?,
                    self.vals("v_reset", v_reset)?,
                );
                let mut gain = Vec::with_capacity(self.size);
                for (i, (t, r)) in taus.iter().zip(&rs).enumerate() {
                    // r = 1: decay_input=True (the input decays by 1/tau too); r = tau: False.
                    gain.push(match (*r == 1.0, close(*r, *t)) {
                        (true, _) => 1.0 / t,
                        (false, true) => 1.0,
                        _ => {
                            return Err(self.err(
                                "r",
                                format!(
                                    "is {r} for neuron {i}, but SpikingJelly writes r = 1 \
                                     (decay_input=True) or r = tau/dt = {} (decay_input=False); \
                                     check --dt (now {dt} s) or the convention",
                                    f32_text(*t)
                                ),
                            ))
                        }
                    });
                }
                if let Some(i) = (0..self.size).find(|&i| leaks[i] != resets[i]) {
                    return Err(self.err(
                        "v_leak",
                        format!(
                            "is {} for neuron {i}, but SpikingJelly leaks towards v_reset = {} \
                             (its export writes v_leak = v_reset and its import rejects others)",
                            leaks[i], resets[i]
                        ),
                    ));
                }
                let beta = taus.iter().map(|t| 1.0 - 1.0 / t).collect();
                Ok((
                    self.shifted(beta, v_threshold, v_reset)?,
                    gain,
                    vec![0.0; self.size],
                ))
            }
            Node::If {
                r,
                v_threshold,
                v_reset,
            } => {
                if let Some(bad) = self.vals("r", r)?.iter().find(|r| !close(**r * dt, 1.0)) {
                    return Err(self.err(
                        "r",
                        format!(
                            "is {bad}, but SpikingJelly writes IF r = 1/dt = {} at dt = {dt} s; \
                             pass --dt {} if the model was exported with that dt",
                            f32_text(1.0 / dt),
                            f32_text(1.0 / bad)
                        ),
                    ));
                }
                Ok((
                    self.shifted(one.clone(), v_threshold, v_reset)?,
                    one.clone(),
                    vec![0.0; self.size],
                ))
            }
            Node::CubaLif {
                tau_syn,
                tau_mem,
                r,
                v_leak,
                v_threshold,
                v_reset,
                w_in,
            } => {
                self.require(
                    "v_leak",
                    v_leak,
                    0.0,
                    "writes 0 and its import rejects others",
                )?;
                // Its membrane starts at v_reset and leaks towards 0: in the frame v - v_reset
                // that is a constant drive on the membrane, which has no place in CubaLIF.
                self.require("v_reset", v_reset, 0.0, "starts the membrane at v_reset")?;
                let (syn, mem) = (
                    self.steps("tau_syn", tau_syn)?,
                    self.steps("tau_mem", tau_mem)?,
                );
                for (param, values, taus) in [("r", r, &mem), ("w_in", w_in, &syn)] {
                    let values = self.vals(param, values)?;
                    if let Some(i) = (0..self.size).find(|&i| !close(values[i], taus[i])) {
                        return Err(self.err(
                            param,
                            format!(
                                "is {} for neuron {i}, but SpikingJelly writes {param} = tau/dt = \
                                 {}; check --dt (now {dt} s)",
                                values[i],
                                f32_text(taus[i])
                            ),
                        ));
                    }
                }
                let decay = |t: &Vec<f64>| t.iter().map(|t| 1.0 - 1.0 / t).collect();
                let neuron = Neuron::CubaLif {
                    alpha: decay(&syn),
                    beta: decay(&mem),
                    threshold: self.vals("v_threshold", v_threshold)?,
                    v_reset: self.vals("v_reset", v_reset)?,
                    reset: self.sem.reset,
                    reset_delay: false,
                };
                Ok((neuron, one, vec![0.0; self.size]))
            }
            other => Err(self.unsupported(
                crate::graph::kind(other),
                "with --semantics spikingjelly only LIF, IF and CubaLIF are supported (what \
                 SpikingJelly's nir_exchange exports and imports)"
                    .into(),
            )),
        }
    }

    /// A LIF/IF in the frame `u = v - v_reset`: SpikingJelly starts `v` at `v_reset`, leaks it
    /// towards `v_reset` and resets it to `v_reset`, so `u` starts at 0, leaks towards 0, resets
    /// to 0 and fires at `u >= threshold - v_reset`, the engines' own zero initial state.
    fn shifted(
        &self,
        beta: Vec<f64>,
        threshold: &Tensor,
        v_reset: &Tensor,
    ) -> Result<Neuron, LowerError> {
        let resets = self.vals("v_reset", v_reset)?;
        Ok(Neuron::Lif {
            beta,
            threshold: self
                .vals("v_threshold", threshold)?
                .iter()
                .zip(&resets)
                .map(|(t, r)| t - r)
                .collect(),
            v_reset: vec![0.0; self.size],
            reset: self.sem.reset,
            reset_delay: false,
            zero_input: ZeroResetInput::Keep,
        })
    }

    /// A time constant in steps, `tau/dt`, which SpikingJelly requires to be above 1.
    fn steps(&self, param: &str, tau: &Tensor) -> Result<Vec<f64>, LowerError> {
        let dt = self.sem.dt;
        let steps: Vec<f64> = self.vals(param, tau)?.iter().map(|t| t / dt).collect();
        match steps.iter().find(|s| **s <= 1.0) {
            Some(bad) => Err(self.err(
                param,
                format!(
                    "{param}/dt = {} steps at dt = {dt} s, but SpikingJelly's neurons need a time \
                     constant above one step; check --dt",
                    f32_text(*bad)
                ),
            )),
            None => Ok(steps),
        }
    }
}

/// The dt a SpikingJelly file encodes, with where it was read: `1/r` of its IF nodes and
/// `tau/r` of its `decay_input=False` LIFs (`r != 1`), when they all agree. `None` when no node
/// carries it (LIFs with `r = 1` only) or they disagree.
pub(crate) fn export_dt(graph: &Graph) -> Option<(f64, String)> {
    let mut found: Vec<(f64, String)> = Vec::new();
    for (name, node) in &graph.nodes {
        match node {
            Node::If { r, .. } => {
                found.extend(
                    r.data
                        .iter()
                        .map(|r| (1.0 / r, format!("IF `{name}` r = 1/dt"))),
                );
            }
            Node::Lif { tau, r, .. } => {
                for (t, r) in pairs(tau, r)?.into_iter().filter(|(_, r)| *r != 1.0) {
                    found.push((t / r, format!("LIF `{name}` r = tau/dt")));
                }
            }
            _ => {}
        }
    }
    let (first, why) = found.first()?.clone();
    let agree = found
        .iter()
        .all(|(d, _)| d.is_finite() && *d > 0.0 && close(*d, first));
    agree.then(|| (super::round_significant(first, 6), why))
}

/// SpikingJelly's signature: IF nodes with `r = 1/dt != 1` for a round dt (Norse, Sinabs
/// and Spyx write IF `r = 1`; snnTorch and Rockpool write no IF), and every neuron node as its export
/// writes it at that dt (module doc). An IF-free file (`r = 1` LIFs) carries no evidence: Norse
/// and Sinabs write `r = 1` too.
pub(crate) fn signature(graph: &Graph) -> Option<String> {
    // IF r = 1 (dt = 1) is what Norse and Sinabs write: no evidence.
    let if_r: Vec<f64> = graph
        .nodes
        .values()
        .filter_map(|n| match n {
            Node::If { r, .. } => Some(r.data.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    if if_r.is_empty() || if_r.contains(&1.0) {
        return None;
    }
    let (dt, _) = export_dt(graph)?;
    if !crate::semantics::round_step(dt) {
        return None;
    }
    let fits = graph.nodes.values().all(|node| match node {
        Node::If { .. } => true,
        Node::Lif {
            tau,
            r,
            v_leak,
            v_reset,
            ..
        } => {
            let leak_is_reset = v_leak.len() == v_reset.len() && v_leak.data == v_reset.data;
            leak_is_reset
                && pairs(tau, r).is_some_and(|p| {
                    p.iter()
                        .all(|(t, r)| t / dt > 1.0 && (*r == 1.0 || close(r * dt, *t)))
                })
        }
        Node::CubaLif {
            tau_mem,
            r,
            w_in,
            tau_syn,
            ..
        } => [(tau_mem, r), (tau_syn, w_in)]
            .iter()
            .all(|(t, r)| pairs(t, r).is_some_and(|p| p.iter().all(|(t, r)| close(r * dt, *t)))),
        Node::Li { .. }
        | Node::CubaLi { .. }
        | Node::Integrator { .. }
        | Node::Threshold { .. } => false,
        _ => true,
    });
    fits.then(|| {
        format!(
            "IF r = 1/dt with dt = {} s and every LIF r = 1 or tau/dt with v_leak = v_reset, what \
             SpikingJelly's export_to_nir writes (Norse and Sinabs write IF r = 1)",
            f32_text(dt)
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use spikeloom_nir::FloatDtype;

    use super::*;
    use crate::net::{Convention, ResetMode, Semantics, SpikeMode};

    fn t(data: &[f64]) -> Tensor {
        Tensor {
            shape: vec![data.len()],
            data: data.to_vec(),
            dtype: FloatDtype::F64,
        }
    }

    fn sem() -> Semantics {
        Semantics {
            convention: Convention::Spikingjelly,
            norse: None,
            dt: 1e-4,
            reset: ResetMode::Zero,
            reset_delay: false,
            spike_mode: SpikeMode::Single,
            provenance: Vec::new(),
        }
    }

    fn lif(tau: f64, r: f64, v_leak: f64, v_reset: f64) -> Node {
        Node::Lif {
            tau: t(&[tau]),
            r: t(&[r]),
            v_leak: t(&[v_leak]),
            v_threshold: t(&[1.0]),
            v_reset: t(&[v_reset]),
        }
    }

    fn lower(node: &Node) -> Result<(Neuron, Vec<f64>, Vec<f64>), LowerError> {
        let sem = sem();
        let cx = Cx {
            node: "lif",
            size: 1,
            sem: &sem,
        };
        cx.spikingjelly(node)
    }

    #[test]
    fn decay_input_sets_the_gain_and_v_reset_shifts_the_threshold() {
        // decay_input=True, tau = 4 steps: h = v + (x - v)/4, so beta 0.75 and gain 0.25.
        let (n, gain, leak) = lower(&lif(4e-4, 1.0, 0.0, 0.0)).unwrap();
        let Neuron::Lif {
            beta, threshold, ..
        } = n
        else {
            panic!("{n:?}")
        };
        assert_eq!(
            (beta, threshold, gain, leak),
            (vec![0.75], vec![1.0], vec![0.25], vec![0.0])
        );
        // decay_input=False (r = tau/dt = 4), v_reset -0.5: unit gain, threshold 1 - (-0.5).
        let (n, gain, _) = lower(&lif(4e-4, 4.0, -0.5, -0.5)).unwrap();
        let Neuron::Lif {
            threshold, v_reset, ..
        } = n
        else {
            panic!("{n:?}")
        };
        assert_eq!(
            (threshold, v_reset, gain),
            (vec![1.5], vec![0.0], vec![1.0])
        );
    }

    #[test]
    fn what_spikingjelly_cannot_have_written_is_refused_naming_the_parameter() {
        let msg = |node: &Node| lower(node).unwrap_err().to_string();
        assert_eq!(
            msg(&lif(4e-4, 2.0, 0.0, 0.0)),
            "node `lif`, parameter `r`: is 2 for neuron 0, but SpikingJelly writes r = 1 \
             (decay_input=True) or r = tau/dt = 4 (decay_input=False); check --dt (now 0.0001 s) \
             or the convention"
        );
        assert_eq!(
            msg(&lif(4e-4, 1.0, 0.0, -0.2)),
            "node `lif`, parameter `v_leak`: is 0 for neuron 0, but SpikingJelly leaks towards \
             v_reset = -0.2 (its export writes v_leak = v_reset and its import rejects others)"
        );
        assert_eq!(
            msg(&lif(1e-4, 1.0, 0.0, 0.0)),
            "node `lif`, parameter `tau`: tau/dt = 1 steps at dt = 0.0001 s, but SpikingJelly's \
             neurons need a time constant above one step; check --dt"
        );
        let sinabs_if = Node::If {
            r: t(&[1.0]),
            v_threshold: t(&[1.0]),
            v_reset: t(&[0.0]),
        };
        assert_eq!(
            msg(&sinabs_if),
            "node `lif`, parameter `r`: is 1, but SpikingJelly writes IF r = 1/dt = 10000 at dt = \
             0.0001 s; pass --dt 1 if the model was exported with that dt"
        );
        assert!(crate::exporters::check_settings(
            Convention::Spikingjelly,
            ResetMode::Subtract,
            false
        )
        .unwrap_err()
        .to_string()
        .contains("refuses soft reset"));
    }

    fn graph(nodes: Vec<(&str, Node)>) -> Graph {
        Graph {
            nodes: nodes.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            edges: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }

    #[test]
    fn the_signature_needs_an_if_with_r_of_one_over_a_round_dt() {
        let if_node = |r: f64| Node::If {
            r: t(&[r]),
            v_threshold: t(&[1.0]),
            v_reset: t(&[0.0]),
        };
        let sj = graph(vec![("a", lif(2e-4, 1.0, 0.0, 0.0)), ("b", if_node(1e4))]);
        assert!(signature(&sj)
            .unwrap()
            .starts_with("IF r = 1/dt with dt = 0.0001 s"));
        assert_eq!(export_dt(&sj).map(|d| d.0), Some(1e-4));
        // Sinabs/Norse/Spyx: IF r = 1; no IF at all; a dt that is not round; v_leak != v_reset.
        assert_eq!(signature(&graph(vec![("b", if_node(1.0))])), None);
        assert_eq!(
            signature(&graph(vec![("a", lif(2e-4, 1.0, 0.0, 0.0))])),
            None
        );
        assert_eq!(signature(&graph(vec![("b", if_node(1.0 / 1.37e-4))])), None);
        let leak = graph(vec![("a", lif(2e-4, 1.0, 0.1, 0.0)), ("b", if_node(1e4))]);
        assert_eq!(signature(&leak), None);
        // A decay_input=False LIF at another dt disagrees with the IF's dt: no single dt.
        let mixed = graph(vec![("a", lif(2e-3, 2.0, 0.0, 0.0)), ("b", if_node(1e4))]);
        assert_eq!(export_dt(&mixed), None);
    }
}
