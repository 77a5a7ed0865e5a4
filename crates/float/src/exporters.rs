//! Discrete-time conventions of the exporters other than snnTorch: Norse, Sinabs and Rockpool.
//! Owns how their NIR parameters become per-step decays and gains (`lower_neuron`) and their
//! neuron update (`step`); checked spike for spike against each library's own simulation by
//! `tests/exporter_fixtures.rs` (fixtures in `tests/fixtures/exporters/`).
//!
//! None of these libraries writes metadata naming itself, so the convention is chosen by the
//! user (`SemanticsOptions::convention`) unless the file's metadata has a `convention` key.
//!
//! | | Norse 1.1 | Sinabs 3.1 | Rockpool 3.1 |
//! | --- | --- | --- | --- |
//! | decay | `1 - dt²/tau` (file tau is `dt·tau`, Norse #411) | `exp(-dt/tau)`, dt = 1 step | `exp(-dt/tau)`, dt from `r` |
//! | input gain | `dt²/tau` (`r` ignored) | 1 (`r` ignored) | 1 (`r` only encodes dt) |
//! | fire | `v > θ`, one spike | `(v > 0)·trunc(v/θ)` spikes | `(v >= θ)·floor(v/θ)` spikes |
//! | reset | to `v_reset` (or subtract) | `v -= n·θ` | `v -= n·θ` |
//! | other | | IF: `v = relu(v + θ) - θ` | current `I = β·(I + X)` |

use spikeloom_nir::{Node, Tensor};

use crate::error::LowerError;
use crate::net::{Convention, Neuron, ResetMode, Semantics, SettingSource, ZeroResetInput};
use crate::params::Lowered;

/// True for the conventions whose neuron update is `step` below.
pub(crate) fn is_exporter(convention: Convention) -> bool {
    matches!(
        convention,
        Convention::Norse | Convention::Sinabs | Convention::Rockpool
    )
}

/// Rejects reset settings a convention does not have.
pub(crate) fn check_settings(
    convention: Convention,
    reset: ResetMode,
    reset_delay: bool,
) -> Result<(), LowerError> {
    let bad = |option: &str, detail: String| {
        Err(LowerError::Option {
            option: option.into(),
            detail,
        })
    };
    match convention {
        Convention::Snntorch | Convention::NirEuler => Ok(()),
        _ if reset_delay => bad(
            "reset_delay",
            format!(
                "{} resets in the step it fires; reset_delay must be false",
                convention.name()
            ),
        ),
        Convention::Sinabs | Convention::Rockpool if reset != ResetMode::Subtract => bad(
            "reset",
            format!(
                "{} always resets by subtracting the threshold per spike",
                convention.name()
            ),
        ),
        _ => Ok(()),
    }
}

/// Lowers one neuron node under an exporter convention; `None` for snntorch / nir-euler.
pub(crate) fn lower_neuron(
    node_name: &str,
    node: &Node,
    size: usize,
    shape: Vec<usize>,
    sem: &Semantics,
) -> Result<Option<Lowered>, LowerError> {
    let cx = Cx {
        node: node_name,
        size,
        sem,
    };
    let parts = match sem.convention {
        Convention::Snntorch | Convention::NirEuler => return Ok(None),
        Convention::Norse => cx.norse(node)?,
        Convention::Sinabs => cx.sinabs(node)?,
        Convention::Rockpool => cx.rockpool(node)?,
        Convention::Spyx => {
            return Err(LowerError::Option {
                option: "semantics".into(),
                detail: "the spyx convention is not implemented yet".into(),
            })
        }
    };
    let (neuron, gain) = parts;
    Ok(Some(Lowered {
        size,
        shape,
        neuron,
        gain,
        leak_bias: vec![0.0; size],
    }))
}

struct Cx<'a> {
    node: &'a str,
    size: usize,
    sem: &'a Semantics,
}

impl Cx<'_> {
    fn err(&self, param: &str, detail: impl Into<String>) -> LowerError {
        LowerError::Parameter {
            node: self.node.to_string(),
            param: param.to_string(),
            detail: detail.into(),
        }
    }

    fn unsupported(&self, kind: &str, hint: String) -> LowerError {
        LowerError::Unsupported {
            node: self.node.to_string(),
            kind: kind.to_string(),
            hint,
        }
    }

    /// Broadcasts a parameter to one finite value per neuron.
    fn vals(&self, param: &str, t: &Tensor) -> Result<Vec<f64>, LowerError> {
        let v = match t.len() {
            n if n == self.size => t.data.clone(),
            1 => vec![t.data[0]; self.size],
            n => {
                return Err(self.err(
                    param,
                    format!("has {n} values, the node has {} neurons", self.size),
                ))
            }
        };
        match v.iter().find(|x| !x.is_finite()) {
            Some(bad) => Err(self.err(param, format!("value {bad} is not a finite number"))),
            None => Ok(v),
        }
    }

    fn positive(&self, param: &str, t: &Tensor) -> Result<Vec<f64>, LowerError> {
        let v = self.vals(param, t)?;
        match v.iter().find(|x| **x <= 0.0) {
            Some(bad) => Err(self.err(param, format!("time constant {bad} must be positive"))),
            None => Ok(v),
        }
    }

    /// Errors unless every value of `param` equals `want` (what the library's import assumes).
    fn require(&self, param: &str, t: &Tensor, want: f64, why: &str) -> Result<(), LowerError> {
        match self.vals(param, t)?.iter().find(|x| **x != want) {
            Some(bad) => Err(self.err(
                param,
                format!(
                    "is {bad}, but {} {why}; only {param} = {want} is supported with --semantics {}",
                    self.sem.convention.name(),
                    self.sem.convention.name()
                ),
            )),
            None => Ok(()),
        }
    }

    fn spiking(
        &self,
        beta: Vec<f64>,
        threshold: &Tensor,
        v_reset: &Tensor,
    ) -> Result<Neuron, LowerError> {
        Ok(Neuron::Lif {
            beta,
            threshold: self.vals("v_threshold", threshold)?,
            v_reset: self.vals("v_reset", v_reset)?,
            reset: self.sem.reset,
            reset_delay: false,
            zero_input: ZeroResetInput::Keep,
        })
    }

    /// Norse: Euler factor `k = dt/tau_true = dt²/tau_file`, decay `1 - k`, gain `k`.
    fn norse(&self, node: &Node) -> Result<(Neuron, Vec<f64>), LowerError> {
        let dt = self.sem.dt;
        let factor = |param: &str, tau: &Tensor| -> Result<Vec<f64>, LowerError> {
            let k: Vec<f64> = self
                .positive(param, tau)?
                .iter()
                .map(|t| dt * dt / t)
                .collect();
            match k.iter().find(|k| !(0.0..=1.0).contains(*k)) {
                Some(bad) => Err(self.err(param, format!(
                    "gives the per-step factor dt²/tau = {bad} outside [0, 1] (Norse writes tau = dt·tau_true); check --dt (now {dt})"
                ))),
                None => Ok(k),
            }
        };
        let no_leak =
            |v_leak: &Tensor| self.require("v_leak", v_leak, 0.0, "starts the membrane at v_leak");
        match node {
            Node::Lif {
                tau,
                v_leak,
                v_threshold,
                v_reset,
                ..
            } => {
                no_leak(v_leak)?;
                let k = factor("tau", tau)?;
                let beta = k.iter().map(|k| 1.0 - k).collect();
                Ok((self.spiking(beta, v_threshold, v_reset)?, k))
            }
            Node::If {
                v_threshold,
                v_reset,
                ..
            } => Ok((self.spiking(vec![1.0; self.size], v_threshold, v_reset)?, vec![1.0; self.size])),
            Node::Li { tau, v_leak, .. } => {
                no_leak(v_leak)?;
                let k = factor("tau", tau)?;
                let beta = k.iter().map(|k| 1.0 - k).collect();
                Ok((Neuron::Li { beta }, k))
            }
            other => Err(self.unsupported(
                crate::graph::kind(other),
                "with --semantics norse only LIF, IF and LI are supported (Norse exports CubaLIF from \
                 its LIFCell, whose update differs from what its own NIR import builds)"
                    .into(),
            )),
        }
    }

    /// Sinabs: `alpha = exp(-dt/tau)` with tau in steps (dt = 1), unit gain.
    fn sinabs(&self, node: &Node) -> Result<(Neuron, Vec<f64>), LowerError> {
        let one = vec![1.0; self.size];
        match node {
            Node::Lif {
                tau,
                v_leak,
                v_threshold,
                v_reset,
                ..
            } => {
                self.require("v_leak", v_leak, 0.0, "rejects it on import")?;
                let beta = self.exp_decays("tau", tau, self.sem.dt)?;
                // beta == 1 marks the IF clamp in `step`; a LIF that never decays is an IF.
                if beta.contains(&1.0) {
                    return Err(self.err("tau", "is so large that the decay rounds to 1; export the layer as IF (sinabs IAF) instead"));
                }
                Ok((self.spiking(beta, v_threshold, v_reset)?, one))
            }
            Node::If {
                v_threshold,
                v_reset,
                ..
            } => Ok((self.spiking(one.clone(), v_threshold, v_reset)?, one)),
            Node::Li { tau, r, v_leak } => {
                self.require("v_leak", v_leak, 0.0, "rejects it on import")?;
                self.require("r", r, 1.0, "rejects it on import")?;
                let beta = self.exp_decays("tau", tau, self.sem.dt)?;
                Ok((Neuron::Li { beta }, one))
            }
            other => Err(self.unsupported(
                crate::graph::kind(other),
                "with --semantics sinabs only LIF, IF and LI are supported (what sinabs imports)"
                    .into(),
            )),
        }
    }

    /// Rockpool: `exp(-dt/tau)` with dt from `r = tau·exp(-dt/tau)/dt` unless given, unit gain.
    fn rockpool(&self, node: &Node) -> Result<(Neuron, Vec<f64>), LowerError> {
        let one = vec![1.0; self.size];
        match node {
            Node::CubaLif {
                tau_syn,
                tau_mem,
                r,
                v_leak,
                v_threshold,
                v_reset,
                w_in,
            } => {
                self.require("v_leak", v_leak, 0.0, "adds it to the membrane, not the current")?;
                self.require("w_in", w_in, 1.0, "ignores it on import")?;
                let dt = self.rockpool_dt(tau_mem, r)?;
                let neuron = Neuron::CubaLif {
                    alpha: self.exp_decays("tau_syn", tau_syn, dt)?,
                    beta: self.exp_decays("tau_mem", tau_mem, dt)?,
                    threshold: self.vals("v_threshold", v_threshold)?,
                    v_reset: self.vals("v_reset", v_reset)?,
                    reset: self.sem.reset,
                    reset_delay: false,
                };
                Ok((neuron, one))
            }
            Node::Lif {
                tau,
                r,
                v_leak,
                v_threshold,
                v_reset,
            } => {
                self.require("v_leak", v_leak, 0.0, "drops the bias on export")?;
                let dt = self.rockpool_dt(tau, r)?;
                Ok((self.spiking(self.exp_decays("tau", tau, dt)?, v_threshold, v_reset)?, one))
            }
            Node::Li { tau, r, v_leak } => {
                self.require("v_leak", v_leak, 0.0, "does not have it for ExpSynTorch")?;
                let dt = self.rockpool_dt(tau, r)?;
                Ok((Neuron::Li { beta: self.exp_decays("tau", tau, dt)? }, one))
            }
            other => Err(self.unsupported(
                crate::graph::kind(other),
                "with --semantics rockpool only CubaLIF, LIF and LI are supported (what rockpool exports)".into(),
            )),
        }
    }

    /// The step the model used: the user's/metadata's dt, else recovered from Rockpool's
    /// `r = tau·exp(-dt/tau)/dt` (`a = dt/tau` solves `a·e^a = 1/r`), consistent over neurons.
    fn rockpool_dt(&self, tau: &Tensor, r: &Tensor) -> Result<f64, LowerError> {
        if dt_given(self.sem) {
            return Ok(self.sem.dt);
        }
        let taus = self.positive("tau", tau)?;
        let rs = self.vals("r", r)?;
        let mut dts = Vec::with_capacity(self.size);
        for (t, r) in taus.iter().zip(&rs) {
            if *r <= 0.0 {
                return Err(self.err(
                    "r",
                    format!("{r} is not Rockpool's tau·exp(-dt/tau)/dt > 0; pass --dt"),
                ));
            }
            dts.push(lambert_w0(1.0 / r) * t);
        }
        let first = round_significant(dts[0], 6);
        match dts.iter().find(|d| ((*d - first) / first).abs() > 1e-5) {
            Some(bad) => Err(self.err(
                "r",
                format!("implies different time steps ({first} and {bad}) for different neurons; pass --dt"),
            )),
            None => Ok(first),
        }
    }

    /// `exp(-dt/tau)` computed as torch does for f32 parameters: `-dt/tau` in f32, then exp.
    fn exp_decays(&self, param: &str, tau: &Tensor, dt: f64) -> Result<Vec<f64>, LowerError> {
        Ok(self
            .positive(param, tau)?
            .iter()
            .map(|t| {
                let ratio = -(dt as f32) / (*t as f32);
                f64::from(ratio).exp() as f32 as f64
            })
            .collect())
    }
}

/// True when dt came from the user or the file's metadata rather than the default.
fn dt_given(sem: &Semantics) -> bool {
    sem.provenance
        .iter()
        .any(|(key, src)| key == "dt" && *src != SettingSource::Default)
}

/// Principal branch of Lambert W for `x > 0` (`w·e^w = x`), by Newton's method.
fn lambert_w0(x: f64) -> f64 {
    let mut w = if x < 1.0 {
        x
    } else {
        x.ln() - x.ln().ln().max(0.0)
    };
    for _ in 0..100 {
        let e = w.exp();
        let step = (w * e - x) / (e * (w + 1.0));
        w -= step;
        if step.abs() <= 1e-15 * w.abs().max(1e-300) {
            break;
        }
    }
    w
}

/// Rounds to `digits` significant decimal digits (undoes the f32 round trip of a chosen dt).
fn round_significant(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// One neuron's update under an exporter convention: `(membrane, current, spike count)`.
/// `x` is the step's drive (weights, gains and biases applied), `rec` the recurrent drive.
pub(crate) fn step(
    convention: Convention,
    neuron: &Neuron,
    i: usize,
    (u_prev, i_prev): (f32, f32),
    x: f32,
    rec: Option<f32>,
) -> (f32, f32, u8) {
    let x = rec.map_or(x, |r| x + r);
    match neuron {
        Neuron::Lif {
            beta,
            threshold,
            v_reset,
            reset,
            ..
        } => {
            let (b, th) = (beta[i] as f32, threshold[i] as f32);
            let u = b * u_prev + x;
            let (u, n) = fire(convention, *reset, u, th, v_reset[i] as f32);
            // Sinabs' IAF import clamps at -threshold: relu(v - min) + min, in its f32 order.
            let u = if convention == Convention::Sinabs && b == 1.0 {
                (u + th).max(0.0) - th
            } else {
                u
            };
            (u, 0.0, n)
        }
        Neuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            reset,
            ..
        } => {
            let (a, b) = (alpha[i] as f32, beta[i] as f32);
            let cur = match convention {
                // Rockpool: isyn += x; isyn *= beta_syn.
                Convention::Rockpool => a * (i_prev + x),
                _ => a * i_prev + x,
            };
            let u = b * u_prev + cur;
            let (u, n) = fire(
                convention,
                *reset,
                u,
                threshold[i] as f32,
                v_reset[i] as f32,
            );
            (u, cur, n)
        }
        Neuron::CubaLi { alpha, beta } => {
            let (a, b) = (alpha[i] as f32, beta[i] as f32);
            let cur = match convention {
                Convention::Rockpool => a * (i_prev + x),
                _ => a * i_prev + x,
            };
            (b * u_prev + cur, cur, 0)
        }
        Neuron::Li { beta } => {
            let b = beta[i] as f32;
            let u = match convention {
                // ExpSynTorch: isyn += x; isyn *= beta.
                Convention::Rockpool => b * (u_prev + x),
                _ => b * u_prev + x,
            };
            (u, 0.0, 0)
        }
    }
}

/// Spike count and reset. Counts above 255 saturate (the trace stores u8).
fn fire(convention: Convention, reset: ResetMode, u: f32, th: f32, v_reset: f32) -> (f32, u8) {
    let n: f32 = match convention {
        Convention::Sinabs if u > 0.0 => (u / th).trunc(),
        Convention::Rockpool if u >= th => (u / th).floor(),
        Convention::Sinabs | Convention::Rockpool => 0.0,
        _ => f32::from(u8::from(u > th)),
    };
    if n == 0.0 {
        return (u, 0);
    }
    let u = match reset {
        ResetMode::Subtract => u - n * th,
        ResetMode::Zero => v_reset,
        ResetMode::None => u,
    };
    (u, n.min(255.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambert_w_recovers_rockpool_dt() {
        for (dt, tau) in [(1e-3f64, 0.02f64), (1e-3, 0.0051), (1e-4, 0.5), (0.5, 0.7)] {
            let r = tau * (-dt / tau).exp() / dt;
            let got = lambert_w0(1.0 / r) * tau;
            assert!((got - dt).abs() < 1e-12 * dt.max(1.0), "{dt} {tau}: {got}");
        }
        assert_eq!(round_significant(9.999_999_7e-4, 6), 1e-3);
    }

    #[test]
    fn multi_spike_rules_differ_at_the_threshold() {
        // Sinabs and Rockpool fire at v == θ (trunc/floor of 1), Norse needs v > θ.
        assert_eq!(
            fire(Convention::Sinabs, ResetMode::Subtract, 1.0, 1.0, 0.0),
            (0.0, 1)
        );
        assert_eq!(
            fire(Convention::Rockpool, ResetMode::Subtract, 1.0, 1.0, 0.0),
            (0.0, 1)
        );
        assert_eq!(
            fire(Convention::Norse, ResetMode::Zero, 1.0, 1.0, 0.0),
            (1.0, 0)
        );
        assert_eq!(
            fire(Convention::Sinabs, ResetMode::Subtract, 3.5, 1.0, 0.0),
            (0.5, 3)
        );
        // Sinabs truncates towards zero above 0, Rockpool floors above θ: both 0 below θ.
        assert_eq!(
            fire(Convention::Sinabs, ResetMode::Subtract, -2.5, 1.0, 0.0),
            (-2.5, 0)
        );
        assert_eq!(
            fire(Convention::Rockpool, ResetMode::Subtract, 0.99, 1.0, 0.0),
            (0.99, 0)
        );
    }

    #[test]
    fn sinabs_if_clamps_at_minus_threshold() {
        let n = Neuron::Lif {
            beta: vec![1.0],
            threshold: vec![2.0],
            v_reset: vec![0.0],
            reset: ResetMode::Subtract,
            reset_delay: false,
            zero_input: ZeroResetInput::Keep,
        };
        assert_eq!(
            step(Convention::Sinabs, &n, 0, (0.5, 0.0), -5.0, None),
            (-2.0, 0.0, 0)
        );
        assert_eq!(
            step(Convention::Sinabs, &n, 0, (0.5, 0.0), 4.0, None),
            (0.5, 0.0, 2)
        );
        // Norse has no clamp.
        assert_eq!(
            step(Convention::Norse, &n, 0, (0.5, 0.0), -5.0, None).0,
            -4.5
        );
    }

    #[test]
    fn settings_a_convention_lacks_are_rejected() {
        assert!(check_settings(Convention::Sinabs, ResetMode::Zero, false).is_err());
        assert!(check_settings(Convention::Rockpool, ResetMode::Subtract, true).is_err());
        assert!(check_settings(Convention::Norse, ResetMode::Subtract, false).is_ok());
        assert!(check_settings(Convention::Snntorch, ResetMode::Zero, true).is_ok());
    }
}
