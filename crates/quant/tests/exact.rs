//! A one-layer network whose every float value is exactly representable in the fixed-point
//! format (weights k/128, beta 0.5/0.75, threshold 1, 24-bit state): the integer result must
//! equal the float engine's bit for bit.

mod common;

use common::*;
use spikeloom_float::{ResetMode, Source};
use spikeloom_quant::{quantize, Calibration, Precision, QuantConfig};

fn exact_case(reset: ResetMode, reset_delay: bool, seed: u64) {
    let mut rng = Rng::new(seed);
    let (inputs, size) = (4, 3);
    // k/128 with |k| <= 127; the first weight is the maximum so w_lsb = 1/128 exactly.
    let mut weight: Vec<f64> = (0..inputs * size)
        .map(|_| (rng.next_u64() % 200) as f64 / 128.0 - 100.0 / 128.0)
        .collect();
    weight[0] = 127.0 / 128.0;
    let layer = layer(
        "lif",
        Source::Input,
        inputs,
        weight,
        lif(vec![0.5, 0.75, 0.75], 1.0, reset, reset_delay),
    );
    let net = net(inputs, vec![layer]);
    let input = random_input(&mut rng, 6, 5, inputs, 0.5);
    let calib = Calibration::simulate(&net, input, None).unwrap();
    let cfg = QuantConfig {
        default: Precision {
            state_bits: Some(24),
            ..Precision::default()
        },
        ..QuantConfig::default()
    };
    let (q, report) = quantize(&net, Some(&calib), &cfg).unwrap();
    let l = &q.layers[0];
    assert_eq!(l.inputs[0].weight[0], 127);
    assert!(
        l.state_lsb <= 1.0 / f64::from(1u32 << 19),
        "state lsb {} too coarse for an exact test",
        l.state_lsb
    );
    let fixed = spikeloom_qnet::eval(&q, &calib.input).unwrap();
    let (ft, qt) = (&calib.float.layers[0], &fixed.layers[0]);
    assert_eq!(qt.spikes, ft.spikes, "{reset:?} delay {reset_delay}");
    for (i, (&m, &f)) in qt.membrane.iter().zip(&ft.membrane).enumerate() {
        assert_eq!(
            f64::from(m) * l.state_lsb,
            f64::from(f),
            "membrane {i} ({reset:?}, delay {reset_delay})"
        );
    }
    assert_eq!(report.layers[0].spike_agreement, Some(1.0));
    assert_eq!(report.layers[0].state_saturations, Some(0));
    assert_eq!(report.layers[0].max_weight_error, 0.0);
    assert_eq!(report.layers[0].max_threshold_error, 0.0);
    assert!(ft.spikes.contains(&1), "the case must spike to test resets");
}

#[test]
fn subtract_delayed_reset_is_exact() {
    exact_case(ResetMode::Subtract, true, 1);
}

#[test]
fn subtract_immediate_reset_is_exact() {
    exact_case(ResetMode::Subtract, false, 2);
}

#[test]
fn zero_reset_is_exact() {
    exact_case(ResetMode::Zero, true, 3);
    exact_case(ResetMode::Zero, false, 4);
}
