//! Configuration: TOML parsing, resolution order, and errors for bad configs.

mod common;

use common::*;
use spikeloom_float::{Neuron, ResetMode, Source};
use spikeloom_quant::{quantize, QuantConfig, QuantError, RoundingName};

fn two_layer() -> spikeloom_float::FloatNet {
    let l0 = layer(
        "hidden",
        Source::Input,
        2,
        vec![0.5, -0.25, 0.125, 1.0],
        lif(vec![0.9, 0.9], 1.0, ResetMode::Subtract, true),
    );
    let l1 = layer(
        "readout",
        Source::Layer(0),
        2,
        vec![0.3, 0.6],
        Neuron::Li { beta: vec![0.8] },
    );
    net(2, vec![l0, l1])
}

#[test]
fn resolution_order_is_layer_then_op_then_default() {
    let cfg = QuantConfig::from_toml_str(
        r#"
        [default]
        weight_bits = 6
        state_bits = 20
        [op.li]
        state_bits = 24
        rounding = "floor"
        [layer.readout]
        weight_bits = 4
        "#,
    )
    .unwrap();
    let p = cfg.resolve(&two_layer()).unwrap();
    assert_eq!(
        (
            p[0].weight_bits,
            p[0].state_bits,
            p[0].current_bits,
            p[0].rounding
        ),
        (6, 20, 20, RoundingName::HalfUp)
    );
    assert_eq!(
        (
            p[1].weight_bits,
            p[1].state_bits,
            p[1].current_bits,
            p[1].rounding
        ),
        (4, 24, 24, RoundingName::Floor)
    );
    assert_eq!((p[0].decay_shift, p[0].headroom_bits), (12, 1));
    let (q, _) = quantize(&two_layer(), None, &cfg).unwrap();
    assert_eq!((q.layers[1].weight_bits, q.layers[1].state_bits), (4, 24));
    // max |W| = 0.6 -> 4-bit code 7
    assert_eq!(q.layers[1].inputs[0].weight, [4, 7]);
}

#[test]
fn unknown_keys_and_ops_are_toml_errors() {
    let e = QuantConfig::from_toml_str("[default]\nweight_bitz = 8\n").unwrap_err();
    assert!(e.to_string().contains("unknown field `weight_bitz`"), "{e}");
    let e = QuantConfig::from_toml_str("[op.conv]\nweight_bits = 8\n").unwrap_err();
    assert!(e.to_string().contains("conv"), "{e}");
}

#[test]
fn bad_widths_and_unknown_layers_are_all_reported() {
    let cfg = QuantConfig::from_toml_str(
        "[default]\nweight_bits = 1\n[op.lif]\ndecay_shift = 20\n[layer.hiden]\nstate_bits = 40\n",
    )
    .unwrap();
    let err = quantize(&two_layer(), None, &cfg).unwrap_err();
    let QuantError::Config(problems) = &err else {
        panic!("{err}")
    };
    let msgs: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        [
            "[default] weight_bits = 1 is outside the supported range 2..=16",
            "[op.lif] decay_shift = 20 is outside the supported range 0..=16",
            "[layer.hiden] state_bits = 40 is outside the supported range 4..=32",
            "[layer.hiden] names no layer of the network (layers: hidden, readout)",
        ]
    );
}

#[test]
fn weights_wider_than_state_is_an_error() {
    let cfg = QuantConfig::from_toml_str("[default]\nweight_bits = 12\nstate_bits = 8\n").unwrap();
    let err = quantize(&two_layer(), None, &cfg).unwrap_err();
    assert!(
        err.to_string()
            .contains("layer `hidden`: weight_bits 12 exceeds state_bits 8"),
        "{err}"
    );
}

#[test]
fn nan_parameters_name_the_layer() {
    let mut n = two_layer();
    n.layers[1].bias[0] = f64::NAN;
    let err = quantize(&n, None, &QuantConfig::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `readout`: bias contains NaN or infinity; fix the exported model"
    );
}

#[test]
fn scales_without_calibration() {
    // hidden: max|W| = 1.0 -> w_lsb 1/127, weights round(127 * w): 0.5 -> 63.5 -> 64, -0.25 -> -31.75 -> -32,
    // 0.125 -> 15.875 -> 16, 1.0 -> 127.
    let (q, report) = quantize(&two_layer(), None, &QuantConfig::default()).unwrap();
    let h = &q.layers[0];
    assert_eq!(h.inputs[0].weight, [64, -32, 16, 127]);
    assert_eq!(report.layers[0].weight_lsb, 1.0 / 127.0);
    // estimate: threshold 1 + positive drive (0.5 | 1.125) = 2.125, x2 headroom = 4.25 in 32767 codes:
    // lsb >= 1.297e-4 ; (1/127) / 2^s >= 1.297e-4 <=> 2^s <= 60.7 -> s = 5
    assert_eq!(h.weight_shift, 5);
    assert_eq!(report.layers[0].state_range, 2.125);
    // beta 0.9 * 4096 = 3686.4 -> 3686 ; threshold 1.0 / (1/127/32) = 4064
    let spikeloom_qnet::QNeuron::Lif {
        beta, threshold, ..
    } = &h.neuron
    else {
        panic!()
    };
    assert_eq!((beta[0], threshold[0]), (3686, 4064));
    assert_eq!(report.layers[0].clipped_weights, 0);
    assert!((report.layers[0].max_weight_error - (0.5 - 64.0 / 127.0_f64).abs()).abs() < 1e-12);
    assert!(report.to_string().contains("layer `hidden` (lif)"));
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<spikeloom_quant::QuantReport>(&json).unwrap(),
        report
    );
}

#[test]
fn spike_and_input_bits_layer_and_are_range_checked() {
    let cfg = QuantConfig::from_toml_str(
        r#"
        input_bits = 4
        [default]
        spike_bits = 2
        [layer.hidden]
        spike_bits = 5
        "#,
    )
    .unwrap();
    let p = cfg.resolve(&two_layer()).unwrap();
    assert_eq!((p[0].spike_bits, p[1].spike_bits), (Some(5), Some(2)));
    // snnTorch layers stay binary; input_bits is taken as configured (no calibration).
    let (q, report) = quantize(&two_layer(), None, &cfg).unwrap();
    assert_eq!(q.input_bits, 4);
    assert_eq!(report.input_bits, 4);
    assert!(q.layers.iter().all(|l| l.fire.event_bits() == 1));
    let bad = QuantConfig::from_toml_str("input_bits = 9\n[op.lif]\nspike_bits = 0\n").unwrap();
    let err = quantize(&two_layer(), None, &bad).unwrap_err().to_string();
    assert!(
        err.contains("input_bits = 9") && err.contains("[op.lif] spike_bits = 0"),
        "{err}"
    );
}

#[test]
fn multi_spike_conventions_get_counts_and_source_delays_carry_over() {
    let mut net = two_layer();
    net.semantics.convention = spikeloom_float::Convention::Sinabs;
    net.semantics.spike_mode = spikeloom_float::SpikeMode::Multi;
    net.semantics.reset_delay = false;
    if let Neuron::Lif { reset_delay, .. } = &mut net.layers[0].neuron {
        *reset_delay = false;
    }
    net.layers[1].inputs[0].source_delay = vec![3, 0];
    let (q, _) = quantize(&net, None, &QuantConfig::default()).unwrap();
    // No calibration: the default spike width (3).
    assert_eq!(
        q.layers[0].fire,
        spikeloom_qnet::QFire::Count {
            spike_bits: 3,
            floor_at_minus_threshold: false
        }
    );
    assert_eq!(q.layers[1].inputs[0].source_delay, [3, 0]);
    assert_eq!(q.format, 3);
    // Too long a delay is an error naming the layer and projection.
    net.layers[1].inputs[0].source_delay = vec![5000, 0];
    let err = quantize(&net, None, &QuantConfig::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("readout") && err.contains("readout_fc") && err.contains("5000"),
        "{err}"
    );
}
