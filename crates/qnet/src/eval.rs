//! The golden evaluator: computes the contract of `net` (module doc) exactly, event-driven.
//!
//! Dense weights are stored transposed (one row of `layer.size` per source neuron, or per
//! pooled element: a pooled projection maps each event through `PoolGeometry::map` first) and conv
//! kernels once, so a step costs one row (dense) or one kernel footprint (conv) addition per
//! event plus one update per neuron — the same work split the hardware uses. An event is a
//! `(source neuron, value)` pair: the value is 1 for a binary spike, the input value for graded
//! input, the spike count of a `QFire::Count` layer; it multiplies every weight it adds.

use crate::arith::{decay, saturate};
use crate::net::{ConvGeometry, PoolGeometry, QFire, QLayer, QNet, QNeuron, QReset, QSource};
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
    /// An input value does not fit `QNet::input_bits`.
    #[error("input value {value} at step {step}, sample {sample}, feature {feature} does not fit the network's {bits}-bit input (largest {max}){hint}", hint = if *.bits == 1 { "; this network takes binary spikes (quantize with graded input to feed values)" } else { "" })]
    InputValue {
        /// Step.
        step: usize,
        /// Sample.
        sample: usize,
        /// Feature.
        feature: usize,
        /// The value.
        value: u8,
        /// `QNet::input_bits`.
        bits: u32,
        /// `2^bits - 1`.
        max: u32,
    },
}

/// One event: source neuron and the value it carries (>= 1).
type Event = (u32, u32);

/// A projection prepared for event-driven accumulation.
struct Transposed {
    source: QSource,
    delayed: bool,
    /// Per-source extra delay (`QProjection::source_delay`), empty when none.
    source_delay: Vec<u32>,
    /// Pooling index map in front of the weights (`QProjection::pool`).
    pool: Option<PoolGeometry>,
    kind: Kind,
}

enum Kind {
    /// `rows[i * size .. (i + 1) * size]` are the weights from source `i`.
    Dense(Vec<i32>),
    /// Shared kernel; each event adds its footprint (`ConvGeometry::for_each_target`).
    Conv(ConvGeometry, Vec<i32>),
}

impl Transposed {
    /// Adds `value` times the weights reached by an event from source neuron `i` into `acc`
    /// (through the pooling index map: an element outside every window adds nothing).
    #[inline]
    fn add_event(&self, i: usize, value: u32, acc: &mut [i64]) {
        let i = match &self.pool {
            Some(pool) => match pool.map(i) {
                Some(m) => m,
                None => return,
            },
            None => i,
        };
        let v = i64::from(value);
        match &self.kind {
            Kind::Dense(rows) => {
                let size = acc.len();
                for (a, &w) in acc.iter_mut().zip(&rows[i * size..(i + 1) * size]) {
                    *a += v * i64::from(w);
                }
            }
            Kind::Conv(conv, kernel) => {
                conv.for_each_target(i, |o, k| acc[o] += v * i64::from(kernel[k]));
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

/// Event lists of every source (slot 0: the input, slot `1 + j`: layer `j`) for the last
/// `depth` steps: `hist[age][slot]`, age 0 being the current step.
struct Events {
    hist: Vec<Vec<Vec<Event>>>,
}

impl Events {
    fn new(depth: usize, layers: usize) -> Self {
        Self {
            hist: vec![vec![Vec::new(); layers + 1]; depth],
        }
    }

    fn slot(source: QSource) -> usize {
        match source {
            QSource::Input => 0,
            QSource::Layer(j) => 1 + j,
        }
    }

    /// Starts a step: the oldest lists become the (cleared) current ones.
    fn advance(&mut self) {
        self.hist.rotate_right(1);
        for list in &mut self.hist[0] {
            list.clear();
        }
    }

    /// Events of `source` from `age` steps ago (empty before step 0: the lists start empty).
    fn at(&self, source: QSource, age: usize) -> &[Event] {
        &self.hist[age][Self::slot(source)]
    }

    /// Value source neuron `i` sent `age` steps ago (0: none); the lists are sorted by neuron.
    fn value(&self, source: QSource, age: usize, i: u32) -> u32 {
        let list = self.at(source, age);
        list.binary_search_by_key(&i, |e| e.0)
            .map_or(0, |k| list[k].1)
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
        let max_input = (1u32 << net.input_bits.clamp(1, 8)) - 1;
        if let Some(pos) = input.data().iter().position(|&v| u32::from(v) > max_input) {
            let width = net.input_size.max(1);
            return Err(EvalError::InputValue {
                step: pos / (width * samples),
                sample: (pos / width) % samples,
                feature: pos % width,
                value: input.data()[pos],
                bits: net.input_bits,
                max: max_input,
            });
        }
        // History depth: the current step plus the longest delay any projection reads.
        let depth = 1 + self
            .projections
            .iter()
            .flatten()
            .map(|p| {
                usize::from(p.delayed) + p.source_delay.iter().max().map_or(0, |&d| d as usize)
            })
            .max()
            .unwrap_or(0);
        let mut acc: Vec<i64> = Vec::new();
        for n in 0..samples {
            let mut state: Vec<NeuronState> = net
                .layers
                .iter()
                .map(|l| NeuronState::new(l.size))
                .collect();
            let mut ev = Events::new(depth, net.layers.len());
            for t in 0..steps {
                ev.advance();
                ev.hist[0][0].extend(
                    input
                        .row(t, n)
                        .iter()
                        .enumerate()
                        .filter(|(_, &s)| s != 0)
                        .map(|(i, &s)| (i as u32, u32::from(s))),
                );
                for (l, layer) in net.layers.iter().enumerate() {
                    acc.clear();
                    acc.resize(layer.size, 0);
                    for p in &self.projections[l] {
                        let base = usize::from(p.delayed);
                        if p.source_delay.is_empty() {
                            for &(i, v) in ev.at(p.source, base) {
                                p.add_event(i as usize, v, &mut acc);
                            }
                        } else {
                            for (i, &d) in p.source_delay.iter().enumerate() {
                                let v = ev.value(p.source, base + d as usize, i as u32);
                                if v != 0 {
                                    p.add_event(i, v, &mut acc);
                                }
                            }
                        }
                    }
                    let offset = (t * samples + n) * layer.size;
                    let mut fired = std::mem::take(&mut ev.hist[0][1 + l]);
                    step_layer(
                        layer,
                        &acc,
                        &mut state[l],
                        &mut traces[l],
                        offset,
                        &mut fired,
                    );
                    ev.hist[0][1 + l] = fired;
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
            source_delay: p.source_delay.clone(),
            pool: p.pool.clone(),
            kind: Kind::Conv(conv.clone(), p.weight.clone()),
        };
    }
    let cols = p.columns();
    let mut rows = vec![0i32; p.weight.len()];
    for o in 0..size {
        for i in 0..cols {
            rows[i * size + o] = p.weight[o * cols + i];
        }
    }
    Transposed {
        source: p.source,
        delayed: p.delayed,
        source_delay: p.source_delay.clone(),
        pool: p.pool.clone(),
        kind: Kind::Dense(rows),
    }
}

fn empty_trace(l: &QLayer, rows: usize) -> LayerTrace {
    let len = rows * l.size;
    LayerTrace {
        size: l.size,
        spikes: vec![0; len],
        membrane: vec![0; len],
        current: matches!(l.neuron, QNeuron::CubaLif { .. } | QNeuron::CubaLi { .. })
            .then(|| vec![0; len]),
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

/// `QFire::Count`: the spike count of membrane `u` (clamped to `max`, counting the clamp) and
/// the membrane after subtracting `n * th` (and Sinabs' floor at `-th`).
#[inline]
fn count_fire(u: i64, th: i64, spike_bits: u32, floor: bool, sat: &mut u64) -> (i64, u32) {
    let max = (1i64 << spike_bits) - 1;
    // th > 0 (validated); floor division, negative membranes give no spike.
    let raw = u.div_euclid(th).max(0);
    let n = raw.min(max);
    *sat += u64::from(raw > max);
    let mut u = u - n * th;
    if floor {
        u = u.max(-th);
    }
    (u, n as u32)
}

/// One time step of one layer: `acc` holds the weighted event sums; writes the trace row at
/// `offset` and the events the layer sends (neuron, value) in ascending neuron order.
fn step_layer(
    layer: &QLayer,
    acc: &[i64],
    st: &mut NeuronState,
    tr: &mut LayerTrace,
    offset: usize,
    fired: &mut Vec<Event>,
) {
    fired.clear();
    let (ds, rnd, sb) = (layer.decay_shift, layer.rounding, layer.state_bits);
    let x = |o: usize| (acc[o] << layer.weight_shift) + layer.bias[o];
    let mut sat = tr.saturations;
    let count = match layer.fire {
        QFire::Single => None,
        QFire::Count {
            spike_bits,
            floor_at_minus_threshold,
        } => Some((spike_bits, floor_at_minus_threshold)),
    };
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
                if let Some((bits, floor)) = count {
                    let u = sat_state(decay(up, b, ds, rnd) + x(o), sb, &mut sat.state);
                    let (u, n) = count_fire(u, th, bits, floor, &mut sat.count);
                    finish(st, tr, offset, o, u, n, fired);
                    continue;
                }
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
                finish(st, tr, offset, o, u, u32::from(s), fired);
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
                let i = step_current(
                    st,
                    tr,
                    offset,
                    o,
                    alpha[o],
                    x(o),
                    *current_bits,
                    layer,
                    &mut sat,
                );
                let un = decay(up, beta[o], ds, rnd) + i;
                if let Some((bits, floor)) = count {
                    let u = sat_state(un, sb, &mut sat.state);
                    let (u, n) = count_fire(u, th, bits, floor, &mut sat.count);
                    finish(st, tr, offset, o, u, n, fired);
                    continue;
                }
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
                finish(st, tr, offset, o, u, u32::from(s), fired);
            }
        }
        QNeuron::Li { beta } => {
            for (o, &b) in beta.iter().enumerate() {
                let u = sat_state(decay(st.u[o], b, ds, rnd) + x(o), sb, &mut sat.state);
                finish(st, tr, offset, o, u, 0, fired);
            }
        }
        QNeuron::CubaLi {
            alpha,
            beta,
            current_bits,
        } => {
            for o in 0..layer.size {
                let i = step_current(
                    st,
                    tr,
                    offset,
                    o,
                    alpha[o],
                    x(o),
                    *current_bits,
                    layer,
                    &mut sat,
                );
                let u = sat_state(decay(st.u[o], beta[o], ds, rnd) + i, sb, &mut sat.state);
                finish(st, tr, offset, o, u, 0, fired);
            }
        }
    }
    tr.saturations = sat;
}

/// `I = sat_current(dec(I[t-1], alpha) + X)`, stored and recorded; returns the new current.
#[allow(clippy::too_many_arguments)]
#[inline]
fn step_current(
    st: &mut NeuronState,
    tr: &mut LayerTrace,
    offset: usize,
    o: usize,
    alpha: u32,
    x: i64,
    current_bits: u32,
    layer: &QLayer,
    sat: &mut Saturations,
) -> i64 {
    let (i, clamped) = saturate(
        decay(st.i[o], alpha, layer.decay_shift, layer.rounding) + x,
        current_bits,
    );
    sat.current += u64::from(clamped);
    st.i[o] = i;
    if let Some(c) = tr.current.as_mut() {
        // current_bits <= 32 (validated).
        c[offset + o] = i as i32;
    }
    i
}

#[inline]
fn finish(
    st: &mut NeuronState,
    tr: &mut LayerTrace,
    offset: usize,
    o: usize,
    u: i64,
    n: u32,
    fired: &mut Vec<Event>,
) {
    st.u[o] = u;
    // state_bits <= 32 (validated), so the saturated membrane fits i32.
    tr.membrane[offset + o] = u as i32;
    if n != 0 {
        // n < 2^8 (spike_bits <= 8, validated).
        tr.spikes[offset + o] = n as u8;
        fired.push((o as u32, n));
    }
}
