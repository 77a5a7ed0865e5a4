//! Hand-checked cases: each rounding, saturation, reset and delay rule of the contract on one or
//! two neurons, with the expected numbers worked out by hand in the comments.

use spikeloom_qnet::{
    eval, EvalError, LayerProblem, QFire, QLayer, QNet, QNeuron, QProjection, QReset, QSource,
    QTrace, QnetError, Rounding, SpikeSteps,
};

fn proj(source: QSource, weight: Vec<i32>, delayed: bool) -> QProjection {
    QProjection {
        source_delay: Vec::new(),
        source,
        source_size: 1,
        weight,
        delayed,
        origin: "fc".into(),
        conv: None,
        pool: None,
    }
}

fn layer(name: &str, w: i32, neuron: QNeuron) -> QLayer {
    QLayer {
        fire: Default::default(),
        name: name.into(),
        size: 1,
        inputs: vec![proj(QSource::Input, vec![w], false)],
        weight_bits: 8,
        weight_shift: 0,
        bias: vec![0],
        neuron,
        state_bits: 16,
        decay_shift: 2,
        rounding: Rounding::HalfUp,
        state_lsb: 1.0,
    }
}

fn lif(beta: u32, th: i64, vr: i64, reset: QReset, reset_delay: bool) -> QNeuron {
    QNeuron::Lif {
        beta: vec![beta],
        threshold: vec![th],
        v_reset: vec![vr],
        reset,
        reset_delay,
    }
}

fn net(layers: Vec<QLayer>) -> QNet {
    let output_layer = layers.len() - 1;
    QNet {
        input_bits: 1,
        format: 1,
        input_size: 1,
        layers,
        output_layer,
        provenance: vec![],
    }
}

fn run(net: &QNet, input: &[u8]) -> QTrace {
    eval(
        net,
        &SpikeSteps::new(input.len(), 1, 1, input.to_vec()).unwrap(),
    )
    .unwrap()
}

fn mem(t: &QTrace, l: usize) -> Vec<i32> {
    t.layers[l].membrane.clone()
}

fn spk(t: &QTrace, l: usize) -> Vec<u8> {
    t.layers[l].spikes.clone()
}

#[test]
fn lif_subtract_delayed_half_up() {
    // beta 3/4, theta 15, W 10 every step.
    // t0: 0+10=10 ; t1: round(7.5)=8 +10=18 fire ; t2: r: round(13.5)=14 +10-15=9 ;
    // t3: round(6.75)=7 +10=17 fire
    let tr = run(
        &net(vec![layer("a", 10, lif(3, 15, 0, QReset::Subtract, true))]),
        &[1, 1, 1, 1],
    );
    assert_eq!(mem(&tr, 0), [10, 18, 9, 17]);
    assert_eq!(spk(&tr, 0), [0, 1, 0, 1]);
}

#[test]
fn lif_subtract_delayed_floor() {
    // t1: floor(7.5)=7 +10=17 fire ; t2: floor(12.75)=12 +10-15=7 ; t3: floor(5.25)=5 +10=15 (not > 15) ;
    // t4: floor(11.25)=11 +10=21 fire
    let mut n = net(vec![layer("a", 10, lif(3, 15, 0, QReset::Subtract, true))]);
    n.layers[0].rounding = Rounding::Floor;
    let tr = run(&n, &[1, 1, 1, 1, 1]);
    assert_eq!(mem(&tr, 0), [10, 17, 7, 15, 21]);
    assert_eq!(spk(&tr, 0), [0, 1, 0, 0, 1]);
}

#[test]
fn half_up_on_negative_ties_goes_up() {
    // beta 1/2 (decay_shift 1), W -3: t0 -3 ; t1: round(-1.5) = -1 (HalfUp) -3 = -4 ; t2: -2-3=-5
    let mut n = net(vec![layer("a", -3, QNeuron::Li { beta: vec![1] })]);
    n.layers[0].decay_shift = 1;
    assert_eq!(mem(&run(&n, &[1, 1, 1]), 0), [-3, -4, -5]);
    n.layers[0].rounding = Rounding::Floor;
    // Floor: t1: floor(-1.5) = -2 -3 = -5 ; t2: floor(-2.5) = -3 -3 = -6
    assert_eq!(mem(&run(&n, &[1, 1, 1]), 0), [-3, -5, -6]);
}

#[test]
fn lif_subtract_immediate_including_negative_d() {
    // t0 10 ; t1 8+10=18 fire -> 3 ; t2 round(2.25)=2 +10 = 12 ; t3 9+10=19 fire -> 4
    let tr = run(
        &net(vec![layer("a", 10, lif(3, 15, 0, QReset::Subtract, false))]),
        &[1, 1, 1, 1],
    );
    assert_eq!(mem(&tr, 0), [10, 3, 12, 4]);
    assert_eq!(spk(&tr, 0), [0, 1, 0, 1]);
    // beta 0, W 40: t0 40 fire -> 25 (still > 15) ; t1 no input: r=1: 0+0-15 = -15, no spike,
    // d = 0 - 1 = -1 -> -15 + 15 = 0 (snnTorch's "avoid double reset" quirk, kept on purpose)
    let tr = run(
        &net(vec![layer("a", 40, lif(0, 15, 0, QReset::Subtract, false))]),
        &[1, 0],
    );
    assert_eq!(mem(&tr, 0), [25, 0]);
    assert_eq!(spk(&tr, 0), [1, 0]);
}

#[test]
fn lif_zero_keep_input_delayed() {
    // v_reset -4: t1 18 fire ; t2 r: dec(-4)=-3 +10 = 7 ; t3 round(5.25)=5 +10 = 15 ; t4 11+10 = 21 fire
    let tr = run(
        &net(vec![layer(
            "a",
            10,
            lif(3, 15, -4, QReset::ZeroKeepInput, true),
        )]),
        &[1; 5],
    );
    assert_eq!(mem(&tr, 0), [10, 18, 7, 15, 21]);
    assert_eq!(spk(&tr, 0), [0, 1, 0, 0, 1]);
}

#[test]
fn lif_zero_drop_input_delayed() {
    // t2 r: U = v_reset = -4 (input dropped) ; t3 -3+10 = 7 ; t4 5+10 = 15 ; t5 11+10 = 21 fire
    let tr = run(
        &net(vec![layer(
            "a",
            10,
            lif(3, 15, -4, QReset::ZeroDropInput, true),
        )]),
        &[1; 6],
    );
    assert_eq!(mem(&tr, 0), [10, 18, -4, 7, 15, 21]);
    assert_eq!(spk(&tr, 0), [0, 1, 0, 0, 0, 1]);
}

#[test]
fn lif_zero_immediate_sets_v_reset() {
    // t1 18 fire -> 18 - (18 - -4) = -4 ; t2 -3+10 = 7 ; t3 15 ; t4 21 fire -> -4
    let tr = run(
        &net(vec![layer(
            "a",
            10,
            lif(3, 15, -4, QReset::ZeroKeepInput, false),
        )]),
        &[1; 5],
    );
    assert_eq!(mem(&tr, 0), [10, -4, 7, 15, -4]);
    assert_eq!(spk(&tr, 0), [0, 1, 0, 0, 1]);
}

#[test]
fn state_saturation_is_counted_both_ways() {
    // state_bits 5: -16..=15 ; beta 1 (4/4), no reset, theta 14.
    // W 6: 6, 12, 18->15 (sat), 21->15 (sat) ; spikes when > 14
    let mut n = net(vec![layer("a", 6, lif(4, 14, 0, QReset::None, true))]);
    n.layers[0].state_bits = 5;
    let tr = run(&n, &[1; 4]);
    assert_eq!(mem(&tr, 0), [6, 12, 15, 15]);
    assert_eq!(spk(&tr, 0), [0, 0, 1, 1]);
    assert_eq!(tr.layers[0].saturations.state, 2);
    n.layers[0].inputs[0].weight = vec![-6];
    let tr = run(&n, &[1; 4]);
    assert_eq!(mem(&tr, 0), [-6, -12, -16, -16]);
    assert_eq!(tr.layers[0].saturations.state, 2);
}

#[test]
fn weight_shift_and_bias_form_x() {
    // Li beta 1/2 (shift 1), W 7 << 1 + bias 1 = 15: t0 15 ; t1 round(7.5)=8 +15 = 23 ;
    // t2 no input, X = bias = 1: round(11.5) = 12 + 1 = 13
    let mut n = net(vec![layer("a", 7, QNeuron::Li { beta: vec![1] })]);
    n.layers[0].decay_shift = 1;
    n.layers[0].weight_shift = 1;
    n.layers[0].bias = vec![1];
    let tr = run(&n, &[1, 1, 0]);
    assert_eq!(mem(&tr, 0), [15, 23, 13]);
    assert_eq!(spk(&tr, 0), [0, 0, 0]);
}

#[test]
fn cubalif_subtract_with_current_saturation() {
    // alpha 2/4, beta 3/4, theta 20, W 16, current_bits 6 (-32..=31)
    // t0 I 16 U 16 ; t1 I 8+16=24 U 12+24=36 fire ; t2 I 12+16=28 U 27+28-20=35 fire ;
    // t3 I 14+16=30 U round(26.25)=26+30-20=36 ; t4 I 15+16=31 U 27+31-20=38 ;
    // t5 I round(15.5)=16+16=32 -> 31 (sat) U round(28.5)=29+31-20 = 40
    let neuron = QNeuron::CubaLif {
        alpha: vec![2],
        beta: vec![3],
        threshold: vec![20],
        v_reset: vec![0],
        reset: QReset::Subtract,
        reset_delay: true,
        current_bits: 6,
    };
    let tr = run(&net(vec![layer("a", 16, neuron)]), &[1; 6]);
    assert_eq!(mem(&tr, 0), [16, 36, 35, 36, 38, 40]);
    assert_eq!(
        tr.layers[0].current.clone().unwrap(),
        [16, 24, 28, 30, 31, 31]
    );
    assert_eq!(spk(&tr, 0), [0, 1, 1, 1, 1, 1]);
    assert_eq!(tr.layers[0].saturations.current, 1);
    assert_eq!(tr.layers[0].saturations.state, 0);
}

#[test]
fn cubalif_zero_reset_drops_membrane_keeps_current() {
    // alpha 0, beta 0, theta 10, W 12, v_reset 0: every step I = 12.
    // t0 U 12 fire ; t1 r -> U = 0 (current kept: I = 12) ; t2 U 12 fire ; t3 U 0
    let neuron = QNeuron::CubaLif {
        alpha: vec![0],
        beta: vec![0],
        threshold: vec![10],
        v_reset: vec![0],
        reset: QReset::ZeroDropInput,
        reset_delay: true,
        current_bits: 16,
    };
    let tr = run(&net(vec![layer("a", 12, neuron)]), &[1; 4]);
    assert_eq!(mem(&tr, 0), [12, 0, 12, 0]);
    assert_eq!(tr.layers[0].current.clone().unwrap(), [12, 12, 12, 12]);
    assert_eq!(spk(&tr, 0), [1, 0, 1, 0]);
}

#[test]
fn delayed_and_same_step_edges() {
    // layer 0: input W 20, self-recurrent delayed W -30, beta 0, theta 15, no reset.
    //   input 1,0,1,1 -> U0 20 fire, -30, 20 fire, 20-30=-10 -> S0 = 1,0,1,0
    // layer 1 (Li, beta 0): 3 * S0[t] + 5 * S0[t-1] -> 3, 5, 3, 5
    let mut l0 = layer("l0", 20, lif(0, 15, 0, QReset::None, true));
    l0.inputs.push(QProjection {
        source_delay: Vec::new(),
        source: QSource::Layer(0),
        source_size: 1,
        weight: vec![-30],
        delayed: true,
        origin: "rec".into(),
        conv: None,
        pool: None,
    });
    let mut l1 = layer("l1", 0, QNeuron::Li { beta: vec![0] });
    l1.inputs = vec![
        proj(QSource::Layer(0), vec![3], false),
        proj(QSource::Layer(0), vec![5], true),
    ];
    let tr = run(&net(vec![l0, l1]), &[1, 0, 1, 1]);
    assert_eq!(spk(&tr, 0), [1, 0, 1, 0]);
    assert_eq!(mem(&tr, 0), [20, -30, 20, -10]);
    assert_eq!(mem(&tr, 1), [3, 5, 3, 5]);
}

#[test]
fn delayed_edge_from_a_later_layer() {
    // layer 0 (Li) reads layer 1's spikes of t-1 with W 7; layer 1 fires whenever the input spikes.
    // input 1,1,0 -> S1 = 1,1,0 -> U0 = 0, 7, 7
    let mut l0 = layer("l0", 0, QNeuron::Li { beta: vec![0] });
    l0.inputs = vec![proj(QSource::Layer(1), vec![7], true)];
    let l1 = layer("l1", 20, lif(0, 15, 0, QReset::None, true));
    let tr = run(&net(vec![l0, l1]), &[1, 1, 0]);
    assert_eq!(spk(&tr, 1), [1, 1, 0]);
    assert_eq!(mem(&tr, 0), [0, 7, 7]);
}

#[test]
fn samples_are_independent_and_time_major() {
    // Two samples: [1,1] and [0,1]; W 10, beta 1/4... beta 0: membranes t-major [10,0,10,10].
    let n = net(vec![layer("a", 10, QNeuron::Li { beta: vec![0] })]);
    let tr = eval(&n, &SpikeSteps::new(2, 2, 1, vec![1, 0, 1, 1]).unwrap()).unwrap();
    assert_eq!(mem(&tr, 0), [10, 0, 10, 10]);
    assert_eq!(tr.spike_counts(0), [0, 0]);
}

#[test]
fn input_width_mismatch_is_an_error() {
    let n = net(vec![layer("a", 10, QNeuron::Li { beta: vec![0] })]);
    let err = eval(&n, &SpikeSteps::zeros(2, 1, 3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "input has 3 features per step but the network expects 1"
    );
}

// ---- format 3: graded input, spike counts, source delays, CubaLi ----

fn net3(layers: Vec<QLayer>, input_bits: u32) -> QNet {
    QNet {
        format: 3,
        input_bits,
        ..net(layers)
    }
}

fn run_graded(net: &QNet, input: &[u8]) -> QTrace {
    eval(
        net,
        &SpikeSteps::graded(input.len(), 1, 1, input.to_vec(), net.input_bits).unwrap(),
    )
    .unwrap()
}

fn count(spike_bits: u32, floor: bool) -> QFire {
    QFire::Count {
        spike_bits,
        floor_at_minus_threshold: floor,
    }
}

#[test]
fn graded_input_and_spike_counts_carry_their_values_downstream() {
    // layer a: IF (beta 4/4), theta 10, W 10, 3-bit input, 2-bit counts (max 3).
    //   t0 U 30 -> floor(30/10) = 3 spikes, U 0 ; t1 U 50 -> 5 clamps to 3 (1 count
    //   saturation), U 20 ; t2 U 20 -> 2 spikes, U 0.
    // layer b: Li beta 0, W 2: U = 2 * count = 6, 6, 4.
    let mut a = layer("a", 10, lif(4, 10, 0, QReset::Subtract, false));
    a.fire = count(2, false);
    let mut b = layer("b", 0, QNeuron::Li { beta: vec![0] });
    b.inputs = vec![proj(QSource::Layer(0), vec![2], false)];
    let tr = run_graded(&net3(vec![a, b], 3), &[3, 5, 0]);
    assert_eq!(spk(&tr, 0), [3, 3, 2]);
    assert_eq!(mem(&tr, 0), [0, 20, 0]);
    assert_eq!(tr.layers[0].saturations.count, 1);
    assert_eq!(mem(&tr, 1), [6, 6, 4]);
}

#[test]
fn count_floor_clamps_at_minus_threshold() {
    // IF, theta 10, W -25, input 1,1,0.
    //   no floor: U -25 (floor(-2.5) = -3 -> 0 spikes), -50, -50
    //   floor:    U max(-25, -10) = -10, max(-35, -10) = -10, -10
    for (floor, want) in [(false, [-25, -50, -50]), (true, [-10, -10, -10])] {
        let mut a = layer("a", -25, lif(4, 10, 0, QReset::Subtract, false));
        a.fire = count(8, floor);
        let tr = run_graded(&net3(vec![a], 1), &[1, 1, 0]);
        assert_eq!(mem(&tr, 0), want, "floor {floor}");
        assert_eq!(spk(&tr, 0), [0, 0, 0]);
    }
}

#[test]
fn cubalif_counts_use_the_new_current() {
    // alpha 0, beta 0, theta 4, W 9: I = 9, U = 9 -> 2 spikes, U 1 (floor keeps positive U).
    let neuron = QNeuron::CubaLif {
        alpha: vec![0],
        beta: vec![0],
        threshold: vec![4],
        v_reset: vec![0],
        reset: QReset::Subtract,
        reset_delay: false,
        current_bits: 16,
    };
    let mut a = layer("a", 9, neuron);
    a.fire = count(3, true);
    let tr = run_graded(&net3(vec![a], 1), &[1, 0]);
    assert_eq!(spk(&tr, 0), [2, 0]);
    assert_eq!(mem(&tr, 0), [1, 0]);
    assert_eq!(tr.layers[0].current.clone().unwrap(), [9, 0]);
}

#[test]
fn source_delays_add_to_the_delayed_flag() {
    // Li beta 0, W 7 reading input[t - 2] (source_delay 2), and W 100 reading input[t - 1 - 1]
    // (delayed + source_delay 1): input 1,0,1,1 -> U = 107 * in[t-2] = 0, 0, 107, 0.
    let mut a = layer("a", 0, QNeuron::Li { beta: vec![0] });
    let mut p = proj(QSource::Input, vec![7], false);
    p.source_delay = vec![2];
    let mut q = proj(QSource::Input, vec![100], true);
    q.source_delay = vec![1];
    a.inputs = vec![p, q];
    let tr = run_graded(&net3(vec![a], 1), &[1, 0, 1, 1]);
    assert_eq!(mem(&tr, 0), [0, 0, 107, 0]);
}

#[test]
fn cubali_integrates_a_decaying_current() {
    // alpha 2/4, beta 4/4, HalfUp, W 8, input 1,0,0:
    // I 8, round(4) = 4, round(2) = 2 ; U 8, 12, 14 ; never spikes.
    let neuron = QNeuron::CubaLi {
        alpha: vec![2],
        beta: vec![4],
        current_bits: 16,
    };
    let tr = run_graded(&net3(vec![layer("a", 8, neuron)], 1), &[1, 0, 0]);
    assert_eq!(mem(&tr, 0), [8, 12, 14]);
    assert_eq!(tr.layers[0].current.clone().unwrap(), [8, 4, 2]);
    assert_eq!(spk(&tr, 0), [0, 0, 0]);
}

#[test]
fn input_values_wider_than_input_bits_are_an_error() {
    let n = net3(vec![layer("a", 1, QNeuron::Li { beta: vec![0] })], 2);
    let input = SpikeSteps::graded(2, 1, 1, vec![3, 5], 3).unwrap();
    let err = eval(&n, &input).unwrap_err();
    assert!(
        matches!(
            err,
            EvalError::InputValue {
                step: 1,
                value: 5,
                bits: 2,
                max: 3,
                ..
            }
        ),
        "{err}"
    );
}

/// The problems `validate` reports for layer 0 (network-level ones are returned separately).
fn problems(n: &QNet) -> (Vec<QnetError>, Vec<LayerProblem>) {
    let errs = n.validate().err().unwrap_or_default();
    let mut net_level = Vec::new();
    let mut layer_level = Vec::new();
    for e in errs {
        match e {
            QnetError::Layer { problem, .. } => layer_level.push(problem),
            other => net_level.push(other),
        }
    }
    (net_level, layer_level)
}

#[test]
fn input_bits_must_be_1_to_8_and_graded_needs_format_3() {
    let li = || layer("a", 1, QNeuron::Li { beta: vec![0] });
    for bits in [0, 9] {
        let (n, _) = problems(&net3(vec![li()], bits));
        assert_eq!(n, [QnetError::InputBits { value: bits }]);
    }
    let mut old = net3(vec![li()], 4);
    old.format = 2;
    let (n, _) = problems(&old);
    assert_eq!(
        n,
        [QnetError::InputBitsNeedsFormat {
            value: 4,
            format: 2
        }]
    );
    assert!(problems(&net3(vec![li()], 8)).0.is_empty());
}

#[test]
fn count_rules_are_validated() {
    // On a read-out.
    let mut a = layer("a", 1, QNeuron::Li { beta: vec![0] });
    a.fire = count(2, false);
    assert_eq!(
        problems(&net3(vec![a], 1)).1,
        [LayerProblem::CountOnReadout { kind: "Li" }]
    );
    let mut a = layer(
        "a",
        1,
        QNeuron::CubaLi {
            alpha: vec![0],
            beta: vec![0],
            current_bits: 16,
        },
    );
    a.fire = count(2, false);
    assert_eq!(
        problems(&net3(vec![a], 1)).1,
        [LayerProblem::CountOnReadout { kind: "CubaLi" }]
    );
    // spike_bits outside 1..=8.
    for bits in [0, 9] {
        let mut a = layer("a", 1, lif(4, 10, 0, QReset::Subtract, false));
        a.fire = count(bits, false);
        assert_eq!(
            problems(&net3(vec![a], 1)).1,
            [LayerProblem::BitWidth {
                what: "spike_bits",
                value: bits,
                min: 1,
                max: 8
            }]
        );
    }
    // Reset rule and reset delay.
    let mut a = layer("a", 1, lif(4, 10, 0, QReset::ZeroKeepInput, true));
    a.fire = count(2, false);
    let p = problems(&net3(vec![a], 1)).1;
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p
        .iter()
        .all(|x| matches!(x, LayerProblem::CountReset { .. })));
    // A zero threshold is an error, never a division by zero.
    let mut a = layer("a", 1, lif(4, 0, 0, QReset::Subtract, false));
    a.fire = count(2, false);
    let n = net3(vec![a], 1);
    assert_eq!(
        problems(&n).1,
        [LayerProblem::CountThreshold { index: 0, value: 0 }]
    );
    let err = eval(&n, &SpikeSteps::new(1, 1, 1, vec![1]).unwrap()).unwrap_err();
    assert!(matches!(err, EvalError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("threshold[0] = 0"), "{err}");
    // Count in an old file.
    let mut a = layer("a", 1, lif(4, 10, 0, QReset::Subtract, false));
    a.fire = count(2, false);
    let mut old = net3(vec![a], 1);
    old.format = 2;
    assert!(matches!(
        &problems(&old).1[..],
        [LayerProblem::NeedsFormat {
            format: 2,
            needed: 3,
            ..
        }]
    ));
}

#[test]
fn source_delay_length_and_range_are_validated() {
    let with_delay = |delay: Vec<u32>| {
        let mut a = layer("a", 1, QNeuron::Li { beta: vec![0] });
        a.inputs[0].source_delay = delay;
        net3(vec![a], 1)
    };
    assert_eq!(
        problems(&with_delay(vec![1, 2])).1,
        [LayerProblem::SourceDelayLength {
            projection: "fc".into(),
            expected: 1,
            got: 2
        }]
    );
    assert_eq!(
        problems(&with_delay(vec![4097])).1,
        [LayerProblem::SourceDelayTooLong {
            projection: "fc".into(),
            index: 0,
            delay: 4097,
            max: 4096
        }]
    );
    assert!(problems(&with_delay(vec![4096])).1.is_empty());
    let mut old = with_delay(vec![1]);
    old.format = 1;
    assert!(matches!(
        &problems(&old).1[..],
        [LayerProblem::NeedsFormat {
            format: 1,
            needed: 3,
            ..
        }]
    ));
}

#[test]
fn cubali_vectors_decays_and_current_bits_are_validated() {
    let neuron = QNeuron::CubaLi {
        alpha: vec![0, 0],
        beta: vec![5],
        current_bits: 3,
    };
    let p = problems(&net3(vec![layer("a", 1, neuron)], 1)).1;
    assert_eq!(
        p,
        [
            LayerProblem::Length {
                what: "alpha".into(),
                expected: 1,
                got: 2
            },
            LayerProblem::OutOfRange {
                what: "beta".into(),
                count: 1,
                index: 0,
                value: 5,
                min: 0,
                max: 4
            },
            LayerProblem::BitWidth {
                what: "current_bits",
                value: 3,
                min: 4,
                max: 32
            }
        ]
    );
    let mut old = net3(
        vec![layer(
            "a",
            1,
            QNeuron::CubaLi {
                alpha: vec![0],
                beta: vec![0],
                current_bits: 8,
            },
        )],
        1,
    );
    old.format = 2;
    assert!(matches!(
        &problems(&old).1[..],
        [LayerProblem::NeedsFormat {
            format: 2,
            needed: 3,
            ..
        }]
    ));
}

#[test]
fn accumulator_bound_counts_event_values() {
    // 8192 inputs x 16-bit weights << 32 = 2^60: fine for binary input; 2-bit input values
    // (up to 3) reach 3 * 2^60 >= 2^61.
    let mut a = layer("a", 1, QNeuron::Li { beta: vec![0] });
    a.weight_bits = 16;
    a.weight_shift = 32;
    a.state_bits = 32;
    a.inputs[0].source_size = 8192;
    a.inputs[0].weight = vec![1; 8192];
    let mut n = net3(vec![a], 1);
    n.input_size = 8192;
    assert!(problems(&n).1.is_empty(), "{:?}", problems(&n));
    n.input_bits = 2;
    assert_eq!(
        problems(&n).1,
        [LayerProblem::AccumulatorOverflow {
            fan_in: 8192,
            max_event: 3,
            weight_bits: 16,
            weight_shift: 32
        }]
    );
}
