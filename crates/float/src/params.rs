//! Neuron parameter conversion: NIR's continuous-time parameters (tau, r, w_in, v_leak) ->
//! per-step decays, input gains and constant drives, under the resolved `Semantics`.
//!
//! Decays: `beta = 1 - dt/tau` (tau = +inf -> 1). In the snnTorch convention beta is clamped to
//! [0, 1] and rounded to f32, as snnTorch does at run time. When tau is stored as f32 the
//! exporter divided in f32 by `f32(dt)`; using `f32(dt)` in the recovery then gives back
//! snnTorch's float32 beta exactly for every beta >= 0.5 (checked on 2M random betas; with the
//! f64 dt only betas above ~0.63 come back exactly). f64 tau (RLeaky/RSynaptic exports) is
//! recovered exactly with the f64 dt.
//!
//! Gains: LIF/LI `g = r·dt/tau`, CubaLIF and CubaLI `w_in·dt/tau_syn` (current) times
//! `r·dt/tau_mem` (membrane), IF/I `g = r`. A gain within 1e-6 of 1 is taken as exactly 1, so
//! snnTorch files (whose `r = tau/dt` makes g = 1 up to rounding) are not perturbed.
//!
//! CubaLI (a CubaLIF without threshold) lowers like CubaLIF: under snntorch the membrane
//! integrates the step's new current (`Synaptic` order); under nir-euler it integrates the
//! previous step's current (textbook forward Euler, NIR's `nir_reference_impl.py`), which
//! `lower` expresses exactly as the same neuron fed one step later (`current_lag`).

use spikeloom_nir::{FloatDtype, Node, Tensor};

use crate::error::LowerError;
use crate::net::{Convention, Neuron, ResetMode, Semantics, ZeroResetInput};

/// A lowered neuron node, before its inputs are attached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lowered {
    pub(crate) size: usize,
    pub(crate) shape: Vec<usize>,
    pub(crate) neuron: Neuron,
    /// Per-neuron gain applied to every incoming weight and bias.
    pub(crate) gain: Vec<f64>,
    /// Constant drive added to X (folded `v_leak`).
    pub(crate) leak_bias: Vec<f64>,
}

/// Gains this close to 1 are exactly 1 (snnTorch's r = tau/dt round trip).
const UNIT_GAIN_TOLERANCE: f64 = 1e-6;

struct Ctx<'a> {
    node: &'a str,
    size: usize,
    sem: &'a Semantics,
}

impl Ctx<'_> {
    fn err(&self, param: &str, detail: impl Into<String>) -> LowerError {
        LowerError::Parameter {
            node: self.node.to_string(),
            param: param.to_string(),
            detail: detail.into(),
        }
    }

    /// Broadcasts a parameter tensor to `size` values, checking it is finite where required.
    fn vals(&self, param: &str, t: &Tensor, allow_inf: bool) -> Result<Vec<f64>, LowerError> {
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
        if let Some(bad) = v
            .iter()
            .find(|x| x.is_nan() || (!allow_inf && x.is_infinite()))
        {
            return Err(self.err(param, format!("value {bad} is not a finite number")));
        }
        Ok(v)
    }

    /// `beta = 1 - dt/tau` per neuron.
    fn decay(&self, param: &str, tau: &Tensor) -> Result<Vec<f64>, LowerError> {
        let dt = match (self.sem.convention, tau.dtype) {
            (Convention::Snntorch, FloatDtype::F32) => self.sem.dt as f32 as f64,
            _ => self.sem.dt,
        };
        self.vals(param, tau, true)?
            .into_iter()
            .map(|tau| self.one_decay(param, tau, dt))
            .collect()
    }

    fn one_decay(&self, param: &str, tau: f64, dt: f64) -> Result<f64, LowerError> {
        // `spikeloom_nir::validate` reports these with their meaning; unvalidated graphs stop here.
        if tau <= 0.0 {
            return Err(self.err(param, format!("time constant {tau} must be positive")));
        }
        let beta = if tau == f64::INFINITY {
            1.0
        } else {
            1.0 - dt / tau
        };
        match self.sem.convention {
            // snnTorch clamps beta to [0, 1] every step and computes in f32.
            Convention::Snntorch => Ok(beta.clamp(0.0, 1.0) as f32 as f64),
            Convention::NirEuler if (0.0..=1.0).contains(&beta) => Ok(beta),
            // Norse/Sinabs/Rockpool never get here (`exporters::lower_neuron`).
            _ => Err(self.err(
                param,
                format!(
                    "tau = {tau} with dt = {} gives decay {beta} outside [0, 1]; use a smaller dt",
                    self.sem.dt
                ),
            )),
        }
    }

    /// `gain·dt/tau` per neuron (the Euler input factor), snapped to 1 when within tolerance.
    fn euler_gain(
        &self,
        param: &str,
        gain: &Tensor,
        tau_param: &str,
        tau: &Tensor,
    ) -> Result<Vec<f64>, LowerError> {
        let g = self.vals(param, gain, true)?;
        if let Some(bad) = g.iter().find(|g| **g < 0.0) {
            return Err(self.err(
                param,
                format!("{bad} is negative: it would invert the input"),
            ));
        }
        let tau = self.vals(tau_param, tau, true)?;
        g.iter()
            .zip(&tau)
            .map(|(&g, &tau)| {
                let value = if tau.is_infinite() && g.is_infinite() {
                    // snnTorch exports beta = 1 as tau = r = inf: the ratio r/tau is 1/dt.
                    1.0
                } else if tau.is_infinite() {
                    return Err(self.err(
                        param,
                        format!("{tau_param} is infinite but {param} = {g} is finite: the input gain would be 0"),
                    ));
                } else {
                    g * self.sem.dt / tau
                };
                if !value.is_finite() {
                    return Err(self.err(param, format!("input gain {param}·dt/{tau_param} = {g}·dt/{tau} is not finite")));
                }
                Ok(snap(value))
            })
            .collect()
    }

    /// `(dt/tau)·v_leak` per neuron.
    fn leak(&self, tau: &Tensor, v_leak: &Tensor) -> Result<Vec<f64>, LowerError> {
        let tau = self.vals("tau", tau, true)?;
        let v = self.vals("v_leak", v_leak, false)?;
        Ok(tau
            .iter()
            .zip(&v)
            .map(|(t, v)| if *v == 0.0 { 0.0 } else { self.sem.dt / t * v })
            .collect())
    }
}

fn snap(g: f64) -> f64 {
    if (g - 1.0).abs() < UNIT_GAIN_TOLERANCE {
        1.0
    } else {
        g
    }
}

/// Number of neurons and the node shape: the largest parameter decides, scalars broadcast to
/// `input_size` (snnTorch's scalar-beta exports have 0-d parameters).
fn size_of(params: &[&Tensor], input_size: usize) -> (usize, Vec<usize>) {
    let biggest = params
        .iter()
        .max_by_key(|t| t.len())
        .expect("every neuron kind has parameters");
    if biggest.len() <= 1 {
        (input_size, vec![input_size])
    } else {
        (biggest.len(), biggest.shape.clone())
    }
}

/// Converts one neuron node. `input_size` is the size of the expression that drives it.
pub(crate) fn lower_neuron(
    node_name: &str,
    node: &Node,
    input_size: usize,
    sem: &Semantics,
) -> Result<Lowered, LowerError> {
    let tensors: Vec<&Tensor> = match node {
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => vec![tau, r, v_leak, v_threshold, v_reset],
        Node::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => {
            vec![tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in]
        }
        Node::If {
            r,
            v_threshold,
            v_reset,
        } => vec![r, v_threshold, v_reset],
        Node::CubaLi {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            w_in,
        } => vec![tau_syn, tau_mem, r, v_leak, w_in],
        Node::Li { tau, r, v_leak } => vec![tau, r, v_leak],
        Node::Integrator { r } => vec![r],
        Node::Threshold { threshold } => vec![threshold],
        _ => unreachable!("lower_neuron is only called on neuron nodes"),
    };
    let (size, shape) = size_of(&tensors, input_size);
    if let Some(lowered) =
        crate::exporters::lower_neuron(node_name, node, size, shape.clone(), sem)?
    {
        return Ok(lowered);
    }
    let cx = Ctx {
        node: node_name,
        size,
        sem,
    };
    let spiking =
        |threshold: &Tensor, v_reset: &Tensor, beta: Vec<f64>| -> Result<Neuron, LowerError> {
            Ok(Neuron::Lif {
                beta,
                threshold: cx.vals("v_threshold", threshold, false)?,
                v_reset: cx.vals("v_reset", v_reset, false)?,
                reset: sem.reset,
                reset_delay: sem.reset_delay,
                zero_input: ZeroResetInput::Keep,
            })
        };
    let (neuron, gain, leak_bias) = match node {
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => (
            spiking(v_threshold, v_reset, cx.decay("tau", tau)?)?,
            cx.euler_gain("r", r, "tau", tau)?,
            cx.leak(tau, v_leak)?,
        ),
        Node::If {
            r,
            v_threshold,
            v_reset,
        } => (
            spiking(v_threshold, v_reset, vec![1.0; size])?,
            cx.vals("r", r, false)?.into_iter().map(snap).collect(),
            vec![0.0; size],
        ),
        Node::Li { tau, r, v_leak } => (
            Neuron::Li {
                beta: cx.decay("tau", tau)?,
            },
            cx.euler_gain("r", r, "tau", tau)?,
            cx.leak(tau, v_leak)?,
        ),
        Node::Integrator { r } => (
            Neuron::Li {
                beta: vec![1.0; size],
            },
            cx.vals("r", r, false)?.into_iter().map(snap).collect(),
            vec![0.0; size],
        ),
        // NIR Threshold, z = x > threshold with no state: a LIF that forgets everything each
        // step (beta = 0) and never resets, so U = X and S = X > threshold exactly.
        Node::Threshold { threshold } => (
            Neuron::Lif {
                beta: vec![0.0; size],
                threshold: cx.vals("threshold", threshold, false)?,
                v_reset: vec![0.0; size],
                reset: ResetMode::None,
                reset_delay: true,
                zero_input: ZeroResetInput::Keep,
            },
            vec![1.0; size],
            vec![0.0; size],
        ),
        Node::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => lower_cuba(
            &cx,
            node_name,
            [tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in],
        )?,
        Node::CubaLi {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            w_in,
        } => lower_cuba_li(&cx, node_name, [tau_syn, tau_mem, r, v_leak, w_in])?,
        _ => unreachable!("checked above"),
    };
    Ok(Lowered {
        size,
        shape,
        neuron,
        gain,
        leak_bias,
    })
}

type Parts = (Neuron, Vec<f64>, Vec<f64>);

fn lower_cuba(cx: &Ctx<'_>, node_name: &str, t: [&Tensor; 7]) -> Result<Parts, LowerError> {
    let [tau_syn, tau_mem, r, v_leak, v_threshold, v_reset, w_in] = t;
    if cx.sem.convention == Convention::NirEuler {
        return Err(LowerError::Unsupported {
            node: node_name.to_string(),
            kind: "CubaLIF".into(),
            hint:
                "the nir-euler convention (membrane driven by the previous step's current) is not \
                   implemented for CubaLIF; use the snntorch convention"
                    .into(),
        });
    }
    if cx.vals("v_leak", v_leak, false)?.iter().any(|v| *v != 0.0) {
        return Err(LowerError::Unsupported {
            node: node_name.to_string(),
            kind: "CubaLIF".into(),
            hint:
                "a non-zero v_leak drives the membrane, not the current, and cannot be folded into \
                   the input bias; only v_leak = 0 (every snnTorch export) is supported"
                    .into(),
        });
    }
    // Decays first: a time constant <= 0 is named as such, not as the gain it breaks.
    let (alpha, beta) = (cx.decay("tau_syn", tau_syn)?, cx.decay("tau_mem", tau_mem)?);
    let g_syn = cx.euler_gain("w_in", w_in, "tau_syn", tau_syn)?;
    let g_mem = cx.euler_gain("r", r, "tau_mem", tau_mem)?;
    let neuron = Neuron::CubaLif {
        alpha,
        beta,
        threshold: cx.vals("v_threshold", v_threshold, false)?,
        v_reset: cx.vals("v_reset", v_reset, false)?,
        reset: cx.sem.reset,
        reset_delay: cx.sem.reset_delay,
    };
    // Scaling the current by g_mem is exact: U sees g_mem·I, and I is linear in X.
    let gain = g_syn.iter().zip(&g_mem).map(|(a, b)| a * b).collect();
    Ok((neuron, gain, vec![0.0; cx.size]))
}

/// CubaLI: CubaLIF's decays and gains, no threshold. Under nir-euler the membrane reads the
/// previous step's current; `lower` delays the layer's input by `current_lag` steps for that.
fn lower_cuba_li(cx: &Ctx<'_>, node_name: &str, t: [&Tensor; 5]) -> Result<Parts, LowerError> {
    let [tau_syn, tau_mem, r, v_leak, w_in] = t;
    if cx.vals("v_leak", v_leak, false)?.iter().any(|v| *v != 0.0) {
        return Err(LowerError::Unsupported {
            node: node_name.to_string(),
            kind: "CubaLI".into(),
            hint: "a non-zero v_leak drives the membrane, not the current, and cannot be folded \
                   into the input bias; only v_leak = 0 is supported"
                .into(),
        });
    }
    let g_syn = cx.euler_gain("w_in", w_in, "tau_syn", tau_syn)?;
    let g_mem = cx.euler_gain("r", r, "tau_mem", tau_mem)?;
    let neuron = Neuron::CubaLi {
        alpha: cx.decay("tau_syn", tau_syn)?,
        beta: cx.decay("tau_mem", tau_mem)?,
    };
    // As for CubaLIF: U sees g_mem·I and I is linear in X, so both gains fold into X.
    let gain = g_syn.iter().zip(&g_mem).map(|(a, b)| a * b).collect();
    Ok((neuron, gain, vec![0.0; cx.size]))
}

/// Steps by which a layer's whole input is delayed to express its convention exactly: 1 for a
/// CubaLI under nir-euler (`U[t] = beta·U[t-1] + I[t-1]` is the new-current neuron fed with
/// `X[t-1]`: its current at `t` is Euler's `I[t-1]`), else 0.
pub(crate) fn current_lag(neuron: &Neuron, sem: &Semantics) -> usize {
    match (neuron, sem.convention) {
        (Neuron::CubaLi { .. }, Convention::NirEuler) => 1,
        _ => 0,
    }
}
