//! Validation messages, JSON round trip and version check, and the text dump.

use spikeloom_qnet::{
    ConvGeometry, LoadError, PoolGeometry, QLayer, QNet, QNeuron, QProjection, QReset, QSource,
    Rounding,
};

fn sample() -> QNet {
    let hidden = QLayer {
        fire: Default::default(),
        name: "lif1".into(),
        size: 2,
        inputs: vec![QProjection {
            source_delay: Vec::new(),
            source: QSource::Input,
            source_size: 3,
            weight: vec![1, -2, 3, 0, 127, -128],
            delayed: false,
            origin: "fc1".into(),
            conv: None,
            pool: None,
        }],
        weight_bits: 8,
        weight_shift: 4,
        bias: vec![0, 0],
        neuron: QNeuron::Lif {
            beta: vec![3686, 3686],
            threshold: vec![4000, 4100],
            v_reset: vec![0, 0],
            reset: QReset::Subtract,
            reset_delay: true,
        },
        state_bits: 16,
        decay_shift: 12,
        rounding: Rounding::HalfUp,
        state_lsb: 0.0005,
    };
    let out = QLayer {
        fire: Default::default(),
        name: "li2".into(),
        size: 1,
        inputs: vec![QProjection {
            source_delay: Vec::new(),
            source: QSource::Layer(0),
            source_size: 2,
            weight: vec![5, -5],
            delayed: false,
            origin: "fc2".into(),
            conv: None,
            pool: None,
        }],
        weight_bits: 8,
        weight_shift: 0,
        bias: vec![-3],
        neuron: QNeuron::Li { beta: vec![4096] },
        state_bits: 16,
        decay_shift: 12,
        rounding: Rounding::Floor,
        state_lsb: 0.25,
    };
    QNet {
        input_bits: 1,
        format: 1,
        input_size: 3,
        layers: vec![hidden, out],
        output_layer: 1,
        provenance: vec![("source".into(), "test".into())],
    }
}

#[test]
fn sample_is_valid_and_round_trips_through_json() {
    let net = sample();
    net.validate().unwrap();
    let text = net.to_json_string();
    assert_eq!(QNet::from_json_str(&text).unwrap(), net);
}

/// Every f64 reads back bit for bit: this `state_lsb` (from the SpikingJelly CubaLIF fixture)
/// came back one ulp off before serde_json's `float_roundtrip`.
#[test]
fn floats_round_trip_exactly() {
    let mut net = sample();
    for lsb in [
        0.001_078_927_141_474_926_5,
        0.1,
        1.0 / 3.0,
        6.103_515_625e-5,
    ] {
        net.layers[0].state_lsb = lsb;
        let back = QNet::from_json_str(&net.to_json_string()).unwrap();
        assert_eq!(back.layers[0].state_lsb.to_bits(), lsb.to_bits(), "{lsb}");
    }
}

#[test]
fn wrong_format_version_is_rejected_before_parsing_the_body() {
    let err = QNet::from_json_str(r#"{"format": 7, "whatever": true}"#).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::FormatVersion {
                found: 7,
                supported: 4
            }
        ),
        "{err}"
    );
    assert!(matches!(
        QNet::from_json_str("{}").unwrap_err(),
        LoadError::MissingFormat
    ));
    assert!(matches!(
        QNet::from_json_str("not json").unwrap_err(),
        LoadError::Json(_)
    ));
}

#[test]
fn loading_validates() {
    let mut net = sample();
    net.layers[1].inputs[0].weight[0] = 300;
    let err = QNet::from_json_str(&net.to_json_string()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the qnet file breaks 1 rule(s): layer 1 `li2`: weight of projection `fc2`: 1 value(s) outside -128..=127, first at index 0 = 300"
    );
}

#[test]
fn every_rule_is_reported_with_its_layer() {
    let mut net = sample();
    net.output_layer = 5;
    let l0 = &mut net.layers[0];
    l0.weight_bits = 17;
    l0.state_bits = 12;
    l0.bias = vec![0];
    l0.neuron = QNeuron::Lif {
        beta: vec![5000, 1],
        threshold: vec![4000, 2048],
        v_reset: vec![-2049, 0],
        reset: QReset::Subtract,
        reset_delay: true,
    };
    l0.inputs.push(QProjection {
        source_delay: Vec::new(),
        source: QSource::Layer(1),
        source_size: 2,
        weight: vec![0; 4],
        delayed: false,
        origin: "fwd".into(),
        conv: None,
        pool: None,
    });
    l0.inputs.push(QProjection {
        source_delay: Vec::new(),
        source: QSource::Layer(9),
        source_size: 1,
        weight: vec![0, 0],
        delayed: true,
        origin: "ghost".into(),
        conv: None,
        pool: None,
    });
    net.layers[1].neuron = QNeuron::CubaLif {
        alpha: vec![1],
        beta: vec![1],
        threshold: vec![1],
        v_reset: vec![0],
        reset: QReset::ZeroKeepInput,
        reset_delay: true,
        current_bits: 40,
    };
    net.layers[1].decay_shift = 17;
    let msgs: Vec<String> = net
        .validate()
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "output_layer 5 does not exist (the network has 2 layers)",
        "layer 0 `lif1`: weight_bits = 17 is outside the supported range 2..=16",
        "layer 0 `lif1`: projection `fwd` reads layer 1 in the same step but that layer is not evaluated earlier; mark it delayed (recurrent) or reorder the layers",
        "layer 0 `lif1`: projection `fwd` says its source has 2 neurons but the source has 1",
        "layer 0 `lif1`: projection `ghost` reads layer 9, which does not exist",
        "layer 0 `lif1`: bias has 1 entries, expected 2",
        "layer 0 `lif1`: beta: 1 value(s) outside 0..=4096, first at index 0 = 5000",
        "layer 0 `lif1`: threshold: 2 value(s) outside -2048..=2047, first at index 0 = 4000",
        "layer 0 `lif1`: v_reset: 1 value(s) outside -2048..=2047, first at index 0 = -2049",
        "layer 1 `li2`: decay_shift = 17 is outside the supported range 0..=16",
        "layer 1 `li2`: current_bits = 40 is outside the supported range 4..=32",
        "layer 1 `li2`: CubaLif layers cannot use ZeroKeepInput (snnTorch Synaptic drops the input on a zero reset); use ZeroDropInput",
    ];
    assert_eq!(msgs, expected);
}

#[test]
fn text_dump_is_readable_and_complete() {
    let expected = "qnet format 1
input_size 3
output_layer 1 `li2`
provenance source = test

layer 0 `lif1` lif size 2
  weight_bits 8 weight_shift 4 state_bits 16 decay_shift 12 rounding HalfUp state_lsb 5e-4
  reset Subtract reset_delay true
  beta all 2: 3686
  threshold [4000, 4100]
  v_reset all 2: 0
  bias all 2: 0
  projection `fc1` from input (3 wide)
    w[0] [1, -2, 3]
    w[1] [0, 127, -128]

layer 1 `li2` li size 1
  weight_bits 8 weight_shift 0 state_bits 16 decay_shift 12 rounding Floor state_lsb 2.5e-1
  beta [4096]
  bias [-3]
  projection `fc2` from layer 0 (2 wide)
    w[0] [5, -5]
";
    assert_eq!(sample().to_string(), expected);
}

/// `sample()` with its first layer fed by a 2x2 convolution of a (1, 2, 2) input instead:
/// two output channels of one 1x1 window each (a (2, 1, 1) map for the 2 neurons).
fn conv_sample() -> QNet {
    let mut net = sample();
    net.format = 2;
    net.input_size = 4;
    net.layers[0].inputs[0] = QProjection {
        source_delay: Vec::new(),
        source: QSource::Input,
        source_size: 4,
        weight: vec![1, 2, 3, 4, -1, -2, -3, -4],
        delayed: false,
        origin: "conv1".into(),
        conv: Some(ConvGeometry {
            input: [1, 2, 2],
            output: [2, 1, 1],
            kernel: [2, 2],
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }),
        pool: None,
    };
    net
}

#[test]
fn conv_projection_round_trips_and_needs_format_2() {
    let net = conv_sample();
    net.validate().unwrap();
    let text = net.to_json_string();
    assert!(text.contains("\"conv\": {"), "{text}");
    assert_eq!(QNet::from_json_str(&text).unwrap(), net);
    // Dense projections are written without a `conv` key (format 1 files stay readable).
    assert!(!sample().to_json_string().contains("conv"));
    let dump = net.to_string();
    assert!(
        dump.contains("  projection `conv1` from input (4 wide)\n    conv input [1, 2, 2] output [2, 1, 1] kernel [2, 2] stride [1, 1] padding [0, 0] dilation [1, 1] groups 1\n    k[0] [1, 2, 3, 4]\n    k[1] [-1, -2, -3, -4]\n"),
        "{dump}"
    );

    let mut old = conv_sample();
    old.format = 1;
    let mut bad = conv_sample();
    bad.layers[0].inputs[0].weight.pop();
    if let Some(c) = bad.layers[0].inputs[0].conv.as_mut() {
        c.groups = 2;
        c.output = [2, 2, 1];
    }
    let msgs = |n: &QNet| -> Vec<String> {
        n.validate()
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        msgs(&old),
        ["layer 0 `lif1`: projection `conv1` is a convolution, which needs qnet format 2 or later (the file says 1)"]
    );
    assert_eq!(
        msgs(&bad),
        [
            "layer 0 `lif1`: convolution projection `conv1`: groups 2 must be >= 1 and divide both C_in 1 and C_out 2",
            "layer 0 `lif1`: convolution projection `conv1`: output shape [2, 2, 1] has 4 neurons but the layer has 2",
        ]
    );
    let mut short = conv_sample();
    short.layers[0].inputs[0].weight.pop();
    assert_eq!(
        msgs(&short),
        ["layer 0 `lif1`: weight of projection `conv1` has 7 entries, expected 8"]
    );
}

/// `sample()` with its first layer reading a (1, 4, 4) input through a 2x2 sum pooling (Pool +
/// Flatten + Affine): 2 neurons x 4 pooled elements of weights, not 2 x 16.
fn pool_sample() -> QNet {
    let mut net = sample();
    net.format = 4;
    net.input_size = 16;
    net.layers[0].inputs[0] = QProjection {
        source_delay: Vec::new(),
        source: QSource::Input,
        source_size: 16,
        weight: vec![1, 2, 3, 4, -1, -2, -3, -4],
        delayed: false,
        origin: "fc1".into(),
        conv: None,
        pool: Some(PoolGeometry {
            input: [1, 4, 4],
            output: [1, 2, 2],
            kernel: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
        }),
    };
    net
}

#[test]
fn pooled_projection_round_trips_and_needs_format_4() {
    let net = pool_sample();
    net.validate().unwrap();
    let text = net.to_json_string();
    assert!(text.contains("\"pool\": {"), "{text}");
    assert_eq!(QNet::from_json_str(&text).unwrap(), net);
    assert!(!sample().to_json_string().contains("pool"));
    let dump = net.to_string();
    assert!(
        dump.contains("  projection `fc1` from input (16 wide)\n    pool input [1, 4, 4] output [1, 2, 2] kernel [2, 2] stride [2, 2] padding [0, 0]\n    w[0] [1, 2, 3, 4]\n    w[1] [-1, -2, -3, -4]\n"),
        "{dump}"
    );
    let msgs = |n: &QNet| -> Vec<String> {
        n.validate()
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let mut old = pool_sample();
    old.format = 3;
    assert_eq!(
        msgs(&old),
        ["layer 0 `lif1`: pooling in projection `fc1` needs qnet format 4 or later (the file says 3)"]
    );
    let mut bad = pool_sample();
    if let Some(p) = bad.layers[0].inputs[0].pool.as_mut() {
        p.stride = [1, 2];
        p.input = [1, 4, 2];
    }
    assert_eq!(
        msgs(&bad),
        [
            "layer 0 `lif1`: pooled projection `fc1`: pooling stride 1 on axis 0 is smaller than its window 2: overlapping windows are not an index map",
            "layer 0 `lif1`: pooled projection `fc1`: pooled extent 2 on axis 1 is too large for a source of 2 with stride 2 and padding 0",
            "layer 0 `lif1`: pooled projection `fc1`: pooling input [1, 4, 2] has 8 elements but source_size is 16",
        ]
    );
    let mut short = pool_sample();
    short.layers[0].inputs[0].weight.pop();
    assert_eq!(
        msgs(&short),
        ["layer 0 `lif1`: weight of projection `fc1` has 7 entries, expected 8"]
    );
}
