//! Discrete-time conventions of the exporters other than snnTorch: Norse, Sinabs, Rockpool,
//! Spyx and SpikingJelly (its lowering and fingerprint in `exporters/spikingjelly.rs`). Owns how
//! their NIR parameters become per-step decays and gains (`lower_neuron`), what each can express
//! (`check_settings`, `check_layer`) and their neuron update (`step`); checked spike for spike
//! against each library's own simulation by `tests/exporter_fixtures.rs` (fixtures in
//! `tests/fixtures/exporters/`).
//!
//! None of these libraries writes metadata naming itself, so the convention is chosen by the
//! user (`SemanticsOptions::convention`) unless the file's metadata has a `convention` key or
//! its parameters carry a fingerprint (Spyx, Rockpool, SpikingJelly; see `semantics` for why
//! Norse and Sinabs cannot be told apart, and how the Norse version is chosen).
//!
//! | | Norse | Sinabs 3.1 | Rockpool 3.1 | Spyx 1.0 |
//! | --- | --- | --- | --- | --- |
//! | decay | `1 - dt/tau` (`norse@<1.1`, `norse@>1.1`), `1 - dt²/tau` (`norse@1.1`: file tau is `dt·tau`, Norse #411) | `exp(-dt/tau)`, dt = 1 step | `exp(-dt/tau)`, dt from `r` | `1 - dt/tau` in the file's dtype, clipped to [0, 1], dt = 1 |
//! | input gain | `dt/tau` or `dt²/tau` (`r` ignored) | 1 (`r` ignored) | 1 (`r` only encodes dt) | 1 (`r`, `w_in` ignored) |
//! | fire | `v > θ`, one spike | `(v > 0)·trunc(v/θ)` spikes | `(v >= θ)·floor(v/θ)` spikes | `v[t-1] > θ`, one spike |
//! | reset | to `v_reset` (or subtract) | `v -= n·θ` | `v -= n·θ` | `v -= s·θ` |
//! | other | | IF: `v = relu(v + θ) - θ` | current `I = β·(I + X)` | CubaLIF: `v = β·(v - s·θ) + I` |
//!
//! Spyx (`spyx/nn.py`, `spyx/nir.py` of spyx 1.0.0) fires on the membrane stored by the
//! previous step: `s = H(V - θ); V = β·V + x - s·θ` (LIF; IF with β = 1), and for CuBaLIF
//! `s = H(V - θ); V = V - s·θ; I = α·I + x; V = β·V + I`. Its spike train is therefore
//! snnTorch's subtract / `reset_delay=True` spike train one step later, per layer. Spyx's
//! recurrent layers feed back this step's spike (computed from `V[t-1]`) and its export wires the
//! subgraph input through the recurrent weights, so recurrence is rejected; its import drops
//! NIR `Delay` nodes and accepts `LI` only as half of a `PSU_LIF`, so those are rejected too.

mod spikingjelly;

pub(crate) use spikingjelly::{export_dt as spikingjelly_dt, signature as spikingjelly_signature};

use spikeloom_nir::{Node, Tensor};

use crate::error::LowerError;
use spikeloom_nir::FloatDtype;

use crate::net::{
    Convention, Layer, Neuron, NorseVersion, ResetMode, Semantics, SettingSource, SpikeMode,
    ZeroResetInput,
};
use crate::params::Lowered;

/// True for the conventions whose neuron update is `step` below.
pub(crate) fn is_exporter(convention: Convention) -> bool {
    matches!(
        convention,
        Convention::Norse
            | Convention::Sinabs
            | Convention::Rockpool
            | Convention::Spyx
            | Convention::Spikingjelly
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
        Convention::Sinabs | Convention::Rockpool | Convention::Spyx
            if reset != ResetMode::Subtract =>
        {
            bad(
                "reset",
                format!(
                    "{} always resets by subtracting the threshold per spike",
                    convention.name()
                ),
            )
        }
        Convention::Spikingjelly if reset != ResetMode::Zero => bad(
            "reset",
            "spikingjelly's NIR export writes hard-reset neurons only (reset to v_reset; it \
             refuses soft reset, v_reset=None)"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// Rejects layer structure a convention's library does not simulate the way the float engine
/// would (called on every lowered layer).
pub(crate) fn check_layer(sem: &Semantics, layer: &Layer) -> Result<(), LowerError> {
    if sem.convention != Convention::Spyx {
        return Ok(());
    }
    let unsupported = |kind: &str, hint: String| {
        Err(LowerError::Unsupported {
            node: layer.name.clone(),
            kind: kind.into(),
            hint,
        })
    };
    if let Some(p) = layer.inputs.iter().find(|p| p.delayed) {
        return unsupported(
            "recurrent edge",
            format!(
                "under --semantics spyx (`{}` closes a cycle): Spyx's RLIF/RCuBaLIF feed back the \
                 spike of the same step (fired from the previous membrane), which a delayed edge \
                 does not model, and Spyx's export wires the subgraph input through the recurrent \
                 weights",
                p.origin
            ),
        );
    }
    if let Some(p) = layer.inputs.iter().find(|p| !p.source_delay.is_empty()) {
        return unsupported(
            "Delay",
            format!(
                "under --semantics spyx (on the path through `{}`): Spyx's NIR import drops Delay \
                 nodes",
                p.origin
            ),
        );
    }
    Ok(())
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
    let no_leak = |(neuron, gain)| (neuron, gain, vec![0.0; size]);
    let (neuron, gain, leak_bias) = match sem.convention {
        Convention::Snntorch | Convention::NirEuler => return Ok(None),
        Convention::Norse => no_leak(cx.norse(node)?),
        Convention::Sinabs => no_leak(cx.sinabs(node)?),
        Convention::Rockpool => no_leak(cx.rockpool(node)?),
        Convention::Spyx => no_leak(cx.spyx(node)?),
        Convention::Spikingjelly => cx.spikingjelly(node)?,
    };
    Ok(Some(Lowered {
        size,
        shape,
        neuron,
        gain,
        leak_bias,
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

    /// Norse: Euler factor `k = dt·tau_mem_inv = dt/tau_true`, decay `1 - k`, gain `k`; the
    /// file's tau is `tau_true` (`norse@<1.1`, `norse@>1.1`) or `dt·tau_true` (`norse@1.1`).
    fn norse(&self, node: &Node) -> Result<(Neuron, Vec<f64>), LowerError> {
        let dt = self.sem.dt;
        let version = self.sem.norse.unwrap_or(NorseVersion::V1_1);
        let factor = |param: &str, tau: &Tensor| -> Result<Vec<f64>, LowerError> {
            let k: Vec<f64> = self
                .positive(param, tau)?
                .iter()
                .map(|t| {
                    if version.tau_times_dt() {
                        dt * dt / t
                    } else {
                        dt / t
                    }
                })
                .collect();
            let (rule, other) = if version.tau_times_dt() {
                ("dt²/tau (Norse 1.1 writes tau = dt·tau_true)", "norse@>1.1")
            } else {
                ("dt/tau (tau read in seconds)", "norse@1.1")
            };
            match k.iter().find(|k| !(0.0..=1.0).contains(*k)) {
                Some(bad) => Err(self.err(
                    param,
                    format!(
                    "gives the per-step factor {rule} = {bad} outside [0, 1] under --semantics {}; \
                     check --dt (now {dt}) or try --semantics {other}",
                    version.name()
                ),
                )),
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

    /// Spyx (`spyx.nir.from_nir`): `beta = 1 - dt/tau`, `alpha = 1 - dt/tau_syn`, unit gain.
    fn spyx(&self, node: &Node) -> Result<(Neuron, Vec<f64>), LowerError> {
        let one = vec![1.0; self.size];
        let no_leak = |v_leak: &Tensor| {
            self.require("v_leak", v_leak, 0.0, "ignores it on import (and writes 0)")
        };
        match node {
            Node::Lif {
                tau,
                v_leak,
                v_threshold,
                v_reset,
                ..
            } => {
                no_leak(v_leak)?;
                let beta = self.spyx_decays("tau", tau)?;
                Ok((self.spiking(beta, v_threshold, v_reset)?, one))
            }
            Node::If {
                v_threshold,
                v_reset,
                ..
            } => Ok((self.spiking(one.clone(), v_threshold, v_reset)?, one)),
            Node::CubaLif {
                tau_syn,
                tau_mem,
                v_leak,
                v_threshold,
                v_reset,
                ..
            } => {
                no_leak(v_leak)?;
                let neuron = Neuron::CubaLif {
                    alpha: self.spyx_decays("tau_syn", tau_syn)?,
                    beta: self.spyx_decays("tau_mem", tau_mem)?,
                    threshold: self.vals("v_threshold", v_threshold)?,
                    v_reset: self.vals("v_reset", v_reset)?,
                    reset: self.sem.reset,
                    reset_delay: false,
                };
                Ok((neuron, one))
            }
            other => Err(self.unsupported(
                crate::graph::kind(other),
                "with --semantics spyx only LIF, IF and CubaLIF are supported (Spyx imports LI only \
                 as the reset-free PSU_LIF, LI followed by Threshold)"
                    .into(),
            )),
        }
    }

    /// Spyx's import: `1 - dt/tau` computed by numpy in the stored dtype (f32 files in f32), made
    /// f32 by JAX, clipped to [0, 1] every step (tau = inf gives 1, tau = 0 gives 0).
    fn spyx_decays(&self, param: &str, tau: &Tensor) -> Result<Vec<f64>, LowerError> {
        let dt = self.sem.dt;
        let taus = match tau.len() {
            n if n == self.size => tau.data.clone(),
            1 => vec![tau.data[0]; self.size],
            n => {
                return Err(self.err(
                    param,
                    format!("has {n} values, the node has {} neurons", self.size),
                ))
            }
        };
        taus.iter()
            .map(|t| {
                let decay = match tau.dtype {
                    FloatDtype::F32 => 1.0f32 - dt as f32 / *t as f32,
                    FloatDtype::F64 => (1.0 - dt / t) as f32,
                };
                if decay.is_nan() {
                    return Err(self.err(param, format!("time constant {t} gives no decay")));
                }
                Ok(f64::from(decay.clamp(0.0, 1.0)))
            })
            .collect()
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
pub(crate) fn lambert_w0(x: f64) -> f64 {
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
pub(crate) fn round_significant(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// One neuron's update under an exporter convention: `(membrane, current, spike count)`.
/// `x` is the step's drive (weights, gains and biases applied), `rec` the recurrent drive.
pub(crate) fn step(
    (convention, mode): (Convention, SpikeMode),
    neuron: &Neuron,
    i: usize,
    (u_prev, i_prev): (f32, f32),
    x: f32,
    rec: Option<f32>,
) -> (f32, f32, u8) {
    let x = rec.map_or(x, |r| x + r);
    if convention == Convention::Spyx {
        return spyx_step(neuron, i, (u_prev, i_prev), x);
    }
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
            let (u, n) = fire((convention, mode), *reset, u, th, v_reset[i] as f32);
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
                (convention, mode),
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

/// Spyx's neuron step (`spyx.nn.LIF`/`IF`/`CuBaLIF.__call__`): the spike comes from the
/// membrane stored by the previous step, `H(V - θ)`, and is subtracted in this step, in Spyx's
/// f32 operation order. Recurrence never reaches here (`check_layer`).
fn spyx_step(neuron: &Neuron, i: usize, (u_prev, i_prev): (f32, f32), x: f32) -> (f32, f32, u8) {
    match neuron {
        Neuron::Lif {
            beta, threshold, ..
        } => {
            let (b, th) = (beta[i] as f32, threshold[i] as f32);
            let s = u_prev - th > 0.0;
            // V = beta*V + x - s*thr (IF: beta = 1, and 1*V == V exactly).
            let u = b * u_prev + x - if s { th } else { 0.0 };
            (u, 0.0, u8::from(s))
        }
        Neuron::CubaLif {
            alpha,
            beta,
            threshold,
            ..
        } => {
            let (a, b, th) = (alpha[i] as f32, beta[i] as f32, threshold[i] as f32);
            let s = u_prev - th > 0.0;
            // The reset comes before the leak: V = beta*(V - s*thr) + (alpha*I + x).
            let v = u_prev - if s { th } else { 0.0 };
            let cur = a * i_prev + x;
            (b * v + cur, cur, u8::from(s))
        }
        // `Cx::spyx` lowers no read-outs; keep them total: a leaky integrator.
        Neuron::Li { beta } => (beta[i] as f32 * u_prev + x, 0.0, 0),
        Neuron::CubaLi { alpha, beta } => {
            let cur = alpha[i] as f32 * i_prev + x;
            (beta[i] as f32 * u_prev + cur, cur, 0)
        }
    }
}

/// Spike count and reset. Counts above 255 saturate (the trace stores u8).
fn fire(
    (convention, mode): (Convention, SpikeMode),
    reset: ResetMode,
    u: f32,
    th: f32,
    v_reset: f32,
) -> (f32, u8) {
    let n: f32 = match (convention, mode) {
        // Sinabs `SingleSpike.forward`: `(v_mem - spike_threshold >= 0).float()`, in f32.
        (Convention::Sinabs, SpikeMode::Single) => f32::from(u8::from(u - th >= 0.0)),
        // Rockpool with max_spikes_per_dt = 1: its count, capped at one.
        (Convention::Rockpool, SpikeMode::Single) => f32::from(u8::from(u >= th)),
        (Convention::Sinabs, _) if u > 0.0 => (u / th).trunc(),
        (Convention::Rockpool, _) if u >= th => (u / th).floor(),
        (Convention::Sinabs | Convention::Rockpool, _) => 0.0,
        // SpikingJelly `heaviside(h - v_threshold)`: `(x >= 0)`, in f32.
        (Convention::Spikingjelly, _) => f32::from(u8::from(u - th >= 0.0)),
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
            fire(
                (Convention::Sinabs, SpikeMode::Multi),
                ResetMode::Subtract,
                1.0,
                1.0,
                0.0
            ),
            (0.0, 1)
        );
        assert_eq!(
            fire(
                (Convention::Rockpool, SpikeMode::Multi),
                ResetMode::Subtract,
                1.0,
                1.0,
                0.0
            ),
            (0.0, 1)
        );
        assert_eq!(
            fire(
                (Convention::Norse, SpikeMode::Multi),
                ResetMode::Zero,
                1.0,
                1.0,
                0.0
            ),
            (1.0, 0)
        );
        assert_eq!(
            fire(
                (Convention::Sinabs, SpikeMode::Multi),
                ResetMode::Subtract,
                3.5,
                1.0,
                0.0
            ),
            (0.5, 3)
        );
        // Sinabs truncates towards zero above 0, Rockpool floors above θ: both 0 below θ.
        assert_eq!(
            fire(
                (Convention::Sinabs, SpikeMode::Multi),
                ResetMode::Subtract,
                -2.5,
                1.0,
                0.0
            ),
            (-2.5, 0)
        );
        assert_eq!(
            fire(
                (Convention::Rockpool, SpikeMode::Multi),
                ResetMode::Subtract,
                0.99,
                1.0,
                0.0
            ),
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
            step(
                (Convention::Sinabs, SpikeMode::Multi),
                &n,
                0,
                (0.5, 0.0),
                -5.0,
                None
            ),
            (-2.0, 0.0, 0)
        );
        assert_eq!(
            step(
                (Convention::Sinabs, SpikeMode::Multi),
                &n,
                0,
                (0.5, 0.0),
                4.0,
                None
            ),
            (0.5, 0.0, 2)
        );
        // Norse has no clamp.
        assert_eq!(
            step(
                (Convention::Norse, SpikeMode::Single),
                &n,
                0,
                (0.5, 0.0),
                -5.0,
                None
            )
            .0,
            -4.5
        );
    }

    fn spyx_lif(beta: f64, threshold: f64) -> Neuron {
        Neuron::Lif {
            beta: vec![beta],
            threshold: vec![threshold],
            v_reset: vec![0.0],
            reset: ResetMode::Subtract,
            reset_delay: false,
            zero_input: ZeroResetInput::Keep,
        }
    }

    #[test]
    fn spyx_fires_on_the_previous_membrane() {
        // Dyadic values: every f32 operation below is exact.
        let n = spyx_lif(0.5, 1.0);
        // U = 0.5*0.5 + 2 = 2.25 is above threshold, but the spike waits for the next step.
        assert_eq!(
            step(
                (Convention::Spyx, SpikeMode::Single),
                &n,
                0,
                (0.5, 0.0),
                2.0,
                None
            ),
            (2.25, 0.0, 0)
        );
        // Next step: spike from 2.25 > 1, and V = 0.5*2.25 + 0.25 - 1 = 0.375.
        assert_eq!(
            step(
                (Convention::Spyx, SpikeMode::Single),
                &n,
                0,
                (2.25, 0.0),
                0.25,
                None
            ),
            (0.375, 0.0, 1)
        );
        // Exactly at threshold: H(0) = 0.
        assert_eq!(
            step(
                (Convention::Spyx, SpikeMode::Single),
                &n,
                0,
                (1.0, 0.0),
                0.0,
                None
            ),
            (0.5, 0.0, 0)
        );
    }

    #[test]
    fn spyx_cubalif_resets_before_the_leak() {
        let n = Neuron::CubaLif {
            alpha: vec![0.5],
            beta: vec![0.5],
            threshold: vec![1.0],
            v_reset: vec![0.0],
            reset: ResetMode::Subtract,
            reset_delay: false,
        };
        // s = H(1.5 - 1) = 1; V = 1.5 - 1 = 0.5; I = 0.5*0.5 + 0.25 = 0.5; V = 0.5*0.5 + 0.5.
        // (snnTorch's order, beta*V + I - thr, would give 0.25.)
        assert_eq!(
            step(
                (Convention::Spyx, SpikeMode::Single),
                &n,
                0,
                (1.5, 0.5),
                0.25,
                None
            ),
            (0.75, 0.5, 1)
        );
    }

    #[test]
    fn spyx_decays_follow_its_import() {
        let sem = Semantics {
            convention: Convention::Spyx,
            norse: None,
            dt: 1.0,
            reset: ResetMode::Subtract,
            reset_delay: false,
            spike_mode: SpikeMode::Single,
            provenance: Vec::new(),
        };
        let cx = Cx {
            node: "lif",
            size: 4,
            sem: &sem,
        };
        let tau = Tensor {
            shape: vec![4],
            data: vec![4.0, f64::INFINITY, 0.5, 1.0],
            dtype: FloatDtype::F32,
        };
        // 1 - 1/4, 1 - 0, clip(1 - 2) = 0, 1 - 1.
        assert_eq!(
            cx.spyx_decays("tau", &tau).unwrap(),
            vec![0.75, 1.0, 0.0, 0.0]
        );
        // f32 tau: computed in f32; numpy: float(1 - 1/np.float32([3.0]))[0] = 0.6666666269302368.
        let third = Tensor {
            shape: vec![1],
            data: vec![3.0],
            dtype: FloatDtype::F32,
        };
        let got = Cx { size: 1, ..cx }.spyx_decays("tau", &third).unwrap();
        assert_eq!(got, vec![0.666_666_626_930_236_8]);
        let nan = Tensor {
            shape: vec![1],
            data: vec![f64::NAN],
            dtype: FloatDtype::F64,
        };
        assert!(Cx { size: 1, ..cx }.spyx_decays("tau", &nan).is_err());
    }

    #[test]
    fn spyx_rejects_recurrence_and_delays() {
        let sem = Semantics {
            convention: Convention::Spyx,
            norse: None,
            dt: 1.0,
            reset: ResetMode::Subtract,
            reset_delay: false,
            spike_mode: SpikeMode::Single,
            provenance: Vec::new(),
        };
        let projection = |delayed: bool, source_delay: Vec<usize>| crate::net::Projection {
            source: crate::net::Source::Layer(0),
            weight: vec![1.0],
            source_size: 1,
            delayed,
            source_delay,
            origin: "w".into(),
            conv: None,
            pool: None,
        };
        let layer = |p| Layer {
            name: "lif".into(),
            size: 1,
            shape: vec![1],
            inputs: vec![p],
            bias: vec![0.0],
            neuron: spyx_lif(0.5, 1.0),
        };
        let err = check_layer(&sem, &layer(projection(true, Vec::new()))).unwrap_err();
        assert!(err.to_string().contains("closes a cycle"), "{err}");
        let err = check_layer(&sem, &layer(projection(false, vec![2]))).unwrap_err();
        assert!(err.to_string().contains("Delay"), "{err}");
        assert!(check_layer(&sem, &layer(projection(false, Vec::new()))).is_ok());
        let snn = Semantics {
            convention: Convention::Snntorch,
            ..sem
        };
        assert!(check_layer(&snn, &layer(projection(true, Vec::new()))).is_ok());
        assert!(check_settings(Convention::Spyx, ResetMode::Zero, false).is_err());
    }

    #[test]
    fn settings_a_convention_lacks_are_rejected() {
        assert!(check_settings(Convention::Sinabs, ResetMode::Zero, false).is_err());
        assert!(check_settings(Convention::Rockpool, ResetMode::Subtract, true).is_err());
        assert!(check_settings(Convention::Norse, ResetMode::Subtract, false).is_ok());
        assert!(check_settings(Convention::Snntorch, ResetMode::Zero, true).is_ok());
    }
}
