//! One time step of one neuron, in f32, in exactly the operation order of snnTorch 1.0
//! (`_neurons/leaky.py`, `synaptic.py`, `rleaky.py`, `rsynaptic.py`); the rules are listed in
//! ARCHITECTURE.md "Semantics".
//! Every `+`, `-`, `*` below is one rounded f32 operation, as in torch.

use crate::net::{ResetMode, ZeroResetInput};

/// Per-layer constants of the reset logic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResetRule {
    pub(crate) mode: ResetMode,
    pub(crate) delay: bool,
    pub(crate) zero_input: ZeroResetInput,
}

/// Per-neuron constants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cell {
    pub(crate) beta: f32,
    pub(crate) threshold: f32,
    pub(crate) v_reset: f32,
}

/// Leaky / RLeaky. `rec` is the delayed (recurrent) drive, `None` when the layer has none.
/// Returns the new membrane and the spike.
#[inline]
pub(crate) fn lif(rule: ResetRule, c: Cell, u_prev: f32, x: f32, rec: Option<f32>) -> (f32, bool) {
    // Reset flag from the membrane stored by the previous step (strict >).
    let r = u_prev > c.threshold;
    let u = match rule.mode {
        ResetMode::Zero if r && rule.zero_input == ZeroResetInput::Keep => {
            // Leaky: the previous membrane is zeroed, this step's input is kept.
            add_rec(c.beta * c.v_reset + x, rec)
        }
        ResetMode::Zero if r => c.v_reset,
        ResetMode::Subtract if r => add_rec(c.beta * u_prev + x, rec) - c.threshold,
        _ => add_rec(c.beta * u_prev + x, rec),
    };
    fire(rule, c, r, u)
}

/// Synaptic / RSynaptic: returns `(current, membrane, spike)`. The current is never reset.
#[inline]
pub(crate) fn cuba(
    rule: ResetRule,
    alpha: f32,
    c: Cell,
    (i_prev, u_prev): (f32, f32),
    x: f32,
    rec: Option<f32>,
) -> (f32, f32, bool) {
    let r = u_prev > c.threshold;
    let i = add_rec(alpha * i_prev + x, rec);
    // The membrane integrates the NEW current of the same step.
    let base = c.beta * u_prev + i;
    let u = match rule.mode {
        ResetMode::Subtract if r => base - c.threshold,
        // Synaptic drops the whole new membrane, including this step's input.
        ResetMode::Zero if r => c.v_reset,
        _ => base,
    };
    let (u, s) = fire(rule, c, r, u);
    (i, u, s)
}

/// Leaky integrator read-out: `U = beta*U + X (+ rec)`, no spike.
#[inline]
pub(crate) fn li(beta: f32, u_prev: f32, x: f32, rec: Option<f32>) -> f32 {
    add_rec(beta * u_prev + x, rec)
}

#[inline]
fn add_rec(v: f32, rec: Option<f32>) -> f32 {
    match rec {
        Some(r) => v + r,
        None => v,
    }
}

/// Spike on the new membrane, then snnTorch's immediate-reset block when `reset_delay` is off.
#[inline]
fn fire(rule: ResetRule, c: Cell, r: bool, u: f32) -> (f32, bool) {
    let s = u > c.threshold;
    if rule.delay || rule.mode == ResetMode::None {
        return (u, s);
    }
    // do_reset = S - r ("avoid double reset"): +1 resets now, -1 undoes a reset applied this
    // step that did not lead to a spike (snnTorch's arithmetic, kept as is).
    let u = match (i8::from(s) - i8::from(r), rule.mode) {
        (1, ResetMode::Subtract) => u - c.threshold,
        (-1, ResetMode::Subtract) => u + c.threshold,
        (1, _) => c.v_reset,
        (-1, _) => u + (u - c.v_reset),
        _ => u,
    };
    (u, s)
}
