//! Hand-reasoned traces of one neuron (beta = 0.5, threshold = 1, dyadic inputs so every value
//! is exact) for every reset mode and reset delay, following snnTorch's per-step order.

use crate::{
    simulate, Convention, FloatNet, Layer, Neuron, Projection, ResetMode, Semantics, SimError,
    Source, ZeroResetInput,
};
use spikeloom_qnet::SpikeSteps;

fn semantics() -> Semantics {
    Semantics {
        convention: Convention::Snntorch,
        norse: None,
        dt: 1e-4,
        reset: ResetMode::Subtract,
        reset_delay: true,
        spike_mode: crate::net::SpikeMode::Single,
        provenance: vec![],
    }
}

/// One input feature with weight `w` into one neuron.
fn one_neuron(neuron: Neuron, w: &[f64], recurrent: Option<f64>) -> FloatNet {
    let mut inputs = vec![Projection {
        source_delay: Vec::new(),
        source: Source::Input,
        weight: w.to_vec(),
        source_size: w.len(),
        delayed: false,
        origin: "fc".into(),
        conv: None,
        pool: None,
    }];
    if let Some(v) = recurrent {
        inputs.push(Projection {
            source_delay: Vec::new(),
            source: Source::Layer(0),
            weight: vec![v],
            source_size: 1,
            delayed: true,
            origin: "w_rec".into(),
            conv: None,
            pool: None,
        });
    }
    let layer = Layer {
        name: "lif".into(),
        size: 1,
        shape: vec![1],
        inputs,
        bias: vec![0.0],
        neuron,
    };
    FloatNet {
        input_size: w.len(),
        layers: vec![layer],
        output_layer: 0,
        semantics: semantics(),
    }
}

fn lif(reset: ResetMode, reset_delay: bool, zero_input: ZeroResetInput) -> Neuron {
    Neuron::Lif {
        beta: vec![0.5],
        threshold: vec![1.0],
        v_reset: vec![0.0],
        reset,
        reset_delay,
        zero_input,
    }
}

fn run(net: &FloatNet, input: Vec<u8>) -> (Vec<f32>, Vec<u8>) {
    let steps = input.len() / net.input_size;
    let trace = simulate(
        net,
        &SpikeSteps::graded(steps, 1, net.input_size, input, 8).unwrap(),
    )
    .unwrap();
    let l = &trace.layers[0];
    (l.membrane.clone(), l.spikes.clone())
}

/// Constant drive X = 0.75.
fn constant(neuron: Neuron) -> (Vec<f32>, Vec<u8>) {
    run(&one_neuron(neuron, &[0.75], None), vec![1; 6])
}

#[test]
fn subtract_delayed() {
    // U = 0.5·U + 0.75 − S[t−1]·1
    let (u, s) = constant(lif(ResetMode::Subtract, true, ZeroResetInput::Keep));
    assert_eq!(u, [0.75, 1.125, 0.3125, 0.90625, 1.203125, 0.3515625]);
    assert_eq!(s, [0, 1, 0, 0, 1, 0]);
}

#[test]
fn subtract_immediate() {
    let (u, s) = constant(lif(ResetMode::Subtract, false, ZeroResetInput::Keep));
    assert_eq!(u, [0.75, 0.125, 0.8125, 0.15625, 0.828125, 0.1640625]);
    assert_eq!(s, [0, 1, 0, 1, 0, 1]);
}

#[test]
fn zero_delayed_keeps_or_drops_the_input() {
    let (u, s) = constant(lif(ResetMode::Zero, true, ZeroResetInput::Keep));
    assert_eq!(u, [0.75, 1.125, 0.75, 1.125, 0.75, 1.125]);
    assert_eq!(s, [0, 1, 0, 1, 0, 1]);
    let (u, s) = constant(lif(ResetMode::Zero, true, ZeroResetInput::Drop));
    assert_eq!(u, [0.75, 1.125, 0.0, 0.75, 1.125, 0.0]);
    assert_eq!(s, [0, 1, 0, 0, 1, 0]);
}

#[test]
fn zero_immediate() {
    let (u, s) = constant(lif(ResetMode::Zero, false, ZeroResetInput::Keep));
    assert_eq!(u, [0.75, 0.0, 0.75, 0.0, 0.75, 0.0]);
    assert_eq!(s, [0, 1, 0, 1, 0, 1]);
}

#[test]
fn no_reset() {
    let (u, s) = constant(lif(ResetMode::None, true, ZeroResetInput::Keep));
    assert_eq!(u, [0.75, 1.125, 1.3125, 1.40625, 1.453125, 1.4765625]);
    assert_eq!(s, [0, 1, 1, 1, 1, 1]);
}

#[test]
fn immediate_subtract_avoids_double_reset_and_undoes_a_stale_one() {
    // Features: +2.5 and −1. Steps: [2.5], [2.5], [−1].
    let net = one_neuron(
        lif(ResetMode::Subtract, false, ZeroResetInput::Keep),
        &[2.5, -1.0],
        None,
    );
    let (u, s) = run(&net, vec![1, 0, 1, 0, 0, 1]);
    // t0: U = 2.5 → spike, −1 → 1.5. t1: r = 1: U = 0.75 + 2.5 − 1 = 2.25, spike, d = 0.
    // t2: r = 1: U = 1.125 − 1 − 1 = −0.875, no spike, d = −1 → U + 1 = 0.125.
    assert_eq!(u, [1.5, 2.25, 0.125]);
    assert_eq!(s, [1, 1, 0]);
}

#[test]
fn recurrent_input_is_previous_spike() {
    // RLeaky-like: U = 0.5·U + 0.75 + (−0.5)·S[t−1], subtract, delayed.
    let net = one_neuron(
        lif(ResetMode::Subtract, true, ZeroResetInput::Drop),
        &[0.75],
        Some(-0.5),
    );
    let (u, s) = run(&net, vec![1; 4]);
    // t0 0.75; t1 1.125 S; t2 r=1: 0.5625 + 0.75 − 0.5 − 1 = −0.1875; t3 −0.09375 + 0.75 = 0.65625
    assert_eq!(u, [0.75, 1.125, -0.1875, 0.65625]);
    assert_eq!(s, [0, 1, 0, 0]);
}

fn cuba(reset: ResetMode, reset_delay: bool) -> Neuron {
    Neuron::CubaLif {
        alpha: vec![0.5],
        beta: vec![0.5],
        threshold: vec![1.0],
        v_reset: vec![0.0],
        reset,
        reset_delay,
    }
}

#[test]
fn synaptic_uses_the_new_current_in_the_same_step() {
    let net = one_neuron(cuba(ResetMode::Subtract, true), &[0.5], None);
    let trace = simulate(&net, &SpikeSteps::graded(4, 1, 1, vec![1; 4], 8).unwrap()).unwrap();
    let l = &trace.layers[0];
    // I: 0.5, 0.75, 0.875, 0.9375. U: 0.5, 1.0 (not > 1), 1.375 S, r=1: 0.6875 + 0.9375 − 1 = 0.625.
    assert_eq!(l.current.as_deref().unwrap(), [0.5, 0.75, 0.875, 0.9375]);
    assert_eq!(l.membrane, [0.5, 1.0, 1.375, 0.625]);
    assert_eq!(l.spikes, [0, 0, 1, 0]);
}

#[test]
fn synaptic_zero_drops_membrane_but_not_current() {
    let net = one_neuron(cuba(ResetMode::Zero, true), &[0.5], None);
    let trace = simulate(&net, &SpikeSteps::graded(5, 1, 1, vec![1; 5], 8).unwrap()).unwrap();
    let l = &trace.layers[0];
    // t3: r = 1 → U = 0 although I = 0.9375; t4: U = 0 + 0.96875.
    assert_eq!(l.membrane, [0.5, 1.0, 1.375, 0.0, 0.96875]);
    assert_eq!(l.current.as_deref().unwrap()[4], 0.96875);
    let net = one_neuron(cuba(ResetMode::Zero, false), &[0.5], None);
    let trace = simulate(&net, &SpikeSteps::graded(5, 1, 1, vec![1; 5], 8).unwrap()).unwrap();
    // Immediate: t2 spikes and is zeroed at once; t3: 0 + 0.9375; t4: 0.46875 + 0.96875 = 1.4375 → 0.
    assert_eq!(trace.layers[0].membrane, [0.5, 1.0, 0.0, 0.9375, 0.0]);
    assert_eq!(trace.layers[0].spikes, [0, 0, 1, 0, 1]);
}

#[test]
fn samples_are_independent_and_counts_weigh() {
    // Two samples, time-major [T][N][F]: sample 1 sees count 2 at t0.
    let net = one_neuron(
        lif(ResetMode::Subtract, true, ZeroResetInput::Keep),
        &[0.75],
        None,
    );
    let trace = simulate(
        &net,
        &SpikeSteps::graded(2, 2, 1, vec![0, 2, 1, 0], 8).unwrap(),
    )
    .unwrap();
    // Sample 1 at t1: r = 1, no input: 0.75 − 1 = −0.25.
    assert_eq!(trace.layers[0].membrane, [0.0, 1.5, 0.75, -0.25]);
    assert_eq!(trace.layers[0].spikes, [0, 1, 0, 0]);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let net = one_neuron(
        lif(ResetMode::Subtract, true, ZeroResetInput::Keep),
        &[0.75],
        None,
    );
    // (a wrong data length is refused by `SpikeSteps` itself: qnet's spikes tests)
    let wide = SpikeSteps::graded(1, 1, 2, vec![0; 2], 8).unwrap();
    assert!(matches!(
        simulate(&net, &wide),
        Err(SimError::InputFeatures {
            expected: 1,
            found: 2
        })
    ));
    let mut broken = net.clone();
    broken.layers[0].inputs[0].weight.push(1.0);
    let one = SpikeSteps::graded(1, 1, 1, vec![1], 8).unwrap();
    assert!(matches!(simulate(&broken, &one), Err(SimError::Net { .. })));
}

#[test]
fn source_delays_read_each_source_at_its_own_earlier_step() {
    // LI with beta 0 shows the step's drive: U[t] = x0[t] + 4·x1[t-2] (zero before step 0).
    let mut net = one_neuron(Neuron::Li { beta: vec![0.0] }, &[1.0, 4.0], None);
    net.layers[0].inputs[0].source_delay = vec![0, 2];
    let x0 = [1, 0, 1, 0, 0, 1];
    let x1 = [1, 1, 0, 0, 1, 0];
    let input: Vec<u8> = x0.iter().zip(&x1).flat_map(|(a, b)| [*a, *b]).collect();
    let (u, _) = run(&net, input);
    let want: Vec<f32> = (0..6)
        .map(|t| {
            f32::from(x0[t])
                + if t >= 2 {
                    4.0 * f32::from(x1[t - 2])
                } else {
                    0.0
                }
        })
        .collect();
    assert_eq!(u, want);
}

#[test]
fn a_source_delay_adds_to_the_recurrent_step() {
    // A threshold-0.5 LIF (beta 0, no reset) spikes whenever driven; its own spikes come back
    // through a delayed projection with 2 extra steps, so they are read at t - 3.
    let neuron = Neuron::Lif {
        beta: vec![0.0],
        threshold: vec![0.5],
        v_reset: vec![0.0],
        reset: ResetMode::None,
        reset_delay: true,
        zero_input: ZeroResetInput::Keep,
    };
    let mut net = one_neuron(neuron, &[1.0], Some(1.0));
    net.layers[0].inputs[1].source_delay = vec![2];
    // One input spike at step 0 echoes every third step.
    let (_, s) = run(&net, vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(s, vec![1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
}

#[test]
fn source_delays_of_the_wrong_length_are_reported() {
    let mut net = one_neuron(Neuron::Li { beta: vec![0.0] }, &[1.0, 4.0], None);
    net.layers[0].inputs[0].source_delay = vec![1];
    let err = simulate(&net, &SpikeSteps::graded(1, 1, 2, vec![0, 0], 8).unwrap()).unwrap_err();
    assert!(
        matches!(&err, SimError::Net { layer, detail } if layer == "lif" && detail.contains("source delays")),
        "{err}"
    );
}
