//! The golden evaluator: computes the contract of `net` (module doc) exactly, event-driven.
//!
//! Dense weights are stored transposed (one row of `layer.size` per source neuron) and conv
//! kernels once, so a step costs one row (dense) or one kernel footprint (conv) addition per
//! active input spike plus one update per neuron — the same work split the hardware uses.

use crate::arith::{decay, saturate};
use crate::net::{QConv, QLayer, QNet, QNeuron, QReset, QSource};
use crate::spikes::SpikeSteps;
use crate::trace::{LayerTrace, QTrace, Saturations};
use crate::validate::QnetError;

/// Why a run could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The network breaks the contract.
    #[error("the network is invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<QnetError>),
    /// Input width differs from `input_size`.
    #[error("input has {got} features per step but the network expects {expected}")]
    InputWidth {
        /// `QNet::input_size`.
        expected: usize,
        /// Width of the spikes given.
        got: usize,
    },
}

/// A projection prepared for event-driven accumulation.
struct Transposed {
    source: QSource,
    delayed: bool,
    kind: Kind,
}

enum Kind {
    /// `rows[i * size .. (i + 1) * size]` are the weights from source `i`.
    Dense(Vec<i32>),
    /// Shared kernel; each event adds its footprint (`QConv::for_each_target`).
    Conv(QConv, Vec<i32>),
}

impl Transposed {
    /// Adds the weights reached by the event from source neuron `i` into `acc`.
    #[inline]
    fn add_event(&self, i: usize, acc: &mut [i64]) {
        match &self.kind {
            Kind::Dense(rows) => {
                let size = acc.len();
                for (a, &w) in acc.iter_mut().zip(&rows[i * size..(i + 1) * size]) {
                    *a += i64::from(w);
                }
            }
            Kind::Conv(conv, kernel) => {
                conv.for_each_target(i, |o, k| acc[o] += i64::from(kernel[k]));
            }
        }
    }
}

/// A validated network prepared for repeated runs.
pub struct Evaluator<'a> {
    net: &'a QNet,
    projections: Vec<Vec<Transposed>>,
}

/// Runs `net` on `input` (validating both first).
pub fn eval(net: &QNet, input: &SpikeSteps) -> Result<QTrace, EvalError> {
    Evaluator::new(net)?.run(input)
}

/// Spike index lists of every layer for the current and the previous step.
struct Events {
    cur: Vec<Vec<u32>>,
    prev: Vec<Vec<u32>>,
    input: Vec<u32>,
    prev_input: Vec<u32>,
}

impl Events {
    fn source(&self, source: QSource, delayed: bool) -> &[u32] {
        match (source, delayed) {
            (QSource::Input, false) => &self.input,
            (QSource::Input, true) => &self.prev_input,
            (QSource::Layer(j), false) => &self.cur[j],
            (QSource::Layer(j), true) => &self.prev[j],
        }
    }
}

impl<'a> Evaluator<'a> {
    /// Validates `net` and transposes its weights.
    pub fn new(net: &'a QNet) -> Result<Self, EvalError> {
        net.validate().map_err(EvalError::Invalid)?;
        let projections = net
            .layers
            .iter()
            .map(|l| l.inputs.iter().map(|p| transpose(l.size, p)).collect())
            .collect();
        Ok(Self { net, projections })
    }

    /// Runs every sample of `input` from zero state.
    pub fn run(&self, input: &SpikeSteps) -> Result<QTrace, EvalError> {
        let net = self.net;
        if input.width() != net.input_size {
            return Err(EvalError::InputWidth {
                expected: net.input_size,
                got: input.width(),
            });
        }
        let (steps, samples) = (input.steps(), input.samples());
        let mut traces: Vec<LayerTrace> = net
            .layers
            .iter()
            .map(|l| empty_trace(l, steps * samples))
            .collect();
        let mut acc: Vec<i64> = Vec::new();
        for n in 0..samples {
            let mut state: Vec<NeuronState> = net
                .layers
                .iter()
                .map(|l| NeuronState::new(l.size))
                .collect();
            let mut ev = Events {
                cur: vec![Vec::new(); net.layers.len()],
                prev: vec![Vec::new(); net.layers.len()],
                input: Vec::new(),
                prev_input: Vec::new(),
            };
            for t in 0..steps {
                std::mem::swap(&mut ev.cur, &mut ev.prev);
                std::mem::swap(&mut ev.input, &mut ev.prev_input);
                ev.input.clear();
                ev.input.extend(
                    input
                        .row(t, n)
                        .iter()
                        .enumerate()
                        .filter(|(_, &s)| s != 0)
                        .map(|(i, _)| i as u32),
                );
                for (l, layer) in net.layers.iter().enumerate() {
                    acc.clear();
                    acc.resize(layer.size, 0);
                    for p in &self.projections[l] {
                        for &i in ev.source(p.source, p.delayed) {
                            p.add_event(i as usize, &mut acc);
                        }
                    }
                    let offset = (t * samples + n) * layer.size;
                    let mut spikes = std::mem::take(&mut ev.cur[l]);
                    spikes.clear();
                    step_layer(
                        layer,
                        &acc,
                        &mut state[l],
                        &mut traces[l],
                        offset,
                        &mut spikes,
                    );
                    ev.cur[l] = spikes;
                }
            }
        }
        Ok(QTrace {
            steps,
            samples,
            layers: traces,
        })
    }
}

fn transpose(size: usize, p: &crate::net::QProjection) -> Transposed {
    if let Some(conv) = &p.conv {
        return Transposed {
            source: p.source,
            delayed: p.delayed,
            kind: Kind::Conv(conv.clone(), p.weight.clone()),
        };
    }
    let mut rows = vec![0i32; p.weight.len()];
    for o in 0..size {
        for i in 0..p.source_size {
            rows[i * size + o] = p.weight[o * p.source_size + i];
        }
    }
    Transposed {
        source: p.source,
        delayed: p.delayed,
        kind: Kind::Dense(rows),
    }
}

fn empty_trace(l: &QLayer, rows: usize) -> LayerTrace {
    let len = rows * l.size;
    LayerTrace {
        size: l.size,
        spikes: vec![0; len],
        membrane: vec![0; len],
        current: matches!(l.neuron, QNeuron::CubaLif { .. }).then(|| vec![0; len]),
        saturations: Saturations::default(),
    }
}

/// Registers of one layer for the sample being run.
struct NeuronState {
    u: Vec<i64>,
    i: Vec<i64>,
}

impl NeuronState {
    fn new(size: usize) -> Self {
        Self {
            u: vec![0; size],
            i: vec![0; size],
        }
    }
}

/// Counts a clamp of the state register.
#[inline]
fn sat_state(x: i64, bits: u32, count: &mut u64) -> i64 {
    let (v, clamped) = saturate(x, bits);
    *count += u64::from(clamped);
    v
}

/// Immediate (non-delayed) reset after the spike decision, `d = S - r`; the unsaturated new
/// membrane, or `None` when the rule has no reset (then no saturation is applied either).
#[inline]
fn immediate_reset(u: i64, s: bool, r: bool, th: i64, vr: i64, reset: QReset) -> Option<i64> {
    let d = i64::from(s) - i64::from(r);
    match reset {
        QReset::Subtract => Some(u - d * th),
        QReset::ZeroKeepInput | QReset::ZeroDropInput => Some(u - d * (u - vr)),
        QReset::None => None,
    }
}

/// One time step of one layer: `acc` holds the weighted spike sums; writes the trace row at
/// `offset` and the indices of the neurons that fired.
fn step_layer(
    layer: &QLayer,
    acc: &[i64],
    st: &mut NeuronState,
    tr: &mut LayerTrace,
    offset: usize,
    fired: &mut Vec<u32>,
) {
    let (ds, rnd, sb) = (layer.decay_shift, layer.rounding, layer.state_bits);
    let x = |o: usize| (acc[o] << layer.weight_shift) + layer.bias[o];
    let mut sat = tr.saturations;
    match &layer.neuron {
        QNeuron::Lif {
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
        } => {
            for o in 0..layer.size {
                let (up, th, vr, b) = (st.u[o], threshold[o], v_reset[o], beta[o]);
                let r = up > th;
                let u = match reset {
                    QReset::Subtract => decay(up, b, ds, rnd) + x(o) - i64::from(r) * th,
                    QReset::ZeroKeepInput => decay(if r { vr } else { up }, b, ds, rnd) + x(o),
                    QReset::ZeroDropInput if r => vr,
                    QReset::ZeroDropInput | QReset::None => decay(up, b, ds, rnd) + x(o),
                };
                let mut u = sat_state(u, sb, &mut sat.state);
                let s = u > th;
                if !reset_delay {
                    if let Some(v) = immediate_reset(u, s, r, th, vr, *reset) {
                        u = sat_state(v, sb, &mut sat.state);
                    }
                }
                finish(st, tr, offset, o, u, s, fired);
            }
        }
        QNeuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
            current_bits,
        } => {
            for o in 0..layer.size {
                let (up, th, vr) = (st.u[o], threshold[o], v_reset[o]);
                let r = up > th;
                let (i, clamped) =
                    saturate(decay(st.i[o], alpha[o], ds, rnd) + x(o), *current_bits);
                sat.current += u64::from(clamped);
                st.i[o] = i;
                if let Some(c) = tr.current.as_mut() {
                    // current_bits <= 32 (validated).
                    c[offset + o] = i as i32;
                }
                let un = decay(up, beta[o], ds, rnd) + i;
                let u = match reset {
                    QReset::Subtract => un - i64::from(r) * th,
                    QReset::ZeroKeepInput | QReset::ZeroDropInput if r => vr,
                    QReset::ZeroKeepInput | QReset::ZeroDropInput | QReset::None => un,
                };
                let mut u = sat_state(u, sb, &mut sat.state);
                let s = u > th;
                if !reset_delay {
                    if let Some(v) = immediate_reset(u, s, r, th, vr, *reset) {
                        u = sat_state(v, sb, &mut sat.state);
                    }
                }
                finish(st, tr, offset, o, u, s, fired);
            }
        }
        QNeuron::Li { beta } => {
            for (o, &b) in beta.iter().enumerate() {
                let u = sat_state(decay(st.u[o], b, ds, rnd) + x(o), sb, &mut sat.state);
                finish(st, tr, offset, o, u, false, fired);
            }
        }
    }
    tr.saturations = sat;
}

#[inline]
fn finish(
    st: &mut NeuronState,
    tr: &mut LayerTrace,
    offset: usize,
    o: usize,
    u: i64,
    s: bool,
    fired: &mut Vec<u32>,
) {
    st.u[o] = u;
    // state_bits <= 32 (validated), so the saturated membrane fits i32.
    tr.membrane[offset + o] = u as i32;
    if s {
        tr.spikes[offset + o] = 1;
        fired.push(o as u32);
    }
}
