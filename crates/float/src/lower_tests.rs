//! Unit tests of the lowering on graphs built in Rust.

use std::collections::BTreeMap;

use spikeloom_nir::{FloatDtype, Graph, MetaValue, Node, Tensor};

use crate::{
    lower, Convention, LowerError, Neuron, ResetMode, SemanticsOptions, SettingSource, Source,
    ZeroResetInput,
};

fn t64(shape: &[usize], data: &[f64]) -> Tensor {
    Tensor {
        shape: shape.to_vec(),
        data: data.to_vec(),
        dtype: FloatDtype::F64,
    }
}

fn vec64(data: &[f64]) -> Tensor {
    t64(&[data.len()], data)
}

fn affine(rows: usize, cols: usize, w: &[f64], b: &[f64]) -> Node {
    Node::Affine {
        weight: t64(&[rows, cols], w),
        bias: vec64(b),
    }
}

/// An snnTorch-style LIF export of `beta` (float64 path): tau = dt/(1-beta), r = tau/dt.
fn snn_lif(beta: &[f64], thr: f64) -> Node {
    let tau: Vec<f64> = beta.iter().map(|b| 1e-4 / (1.0 - b)).collect();
    let r: Vec<f64> = tau.iter().map(|t| t / 1e-4).collect();
    let n = beta.len();
    Node::Lif {
        tau: vec64(&tau),
        r: vec64(&r),
        v_leak: vec64(&vec![0.0; n]),
        v_threshold: vec64(&vec![thr; n]),
        v_reset: vec64(&vec![0.0; n]),
    }
}

fn graph(nodes: Vec<(&str, Node)>, edges: &[(&str, &str)]) -> Graph {
    Graph {
        nodes: nodes.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        edges: edges
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        metadata: BTreeMap::new(),
    }
}

fn input(n: usize) -> Node {
    Node::Input { shape: vec![n] }
}

fn output(n: usize) -> Node {
    Node::Output { shape: vec![n] }
}

fn two_layer() -> Graph {
    graph(
        vec![
            ("input", input(2)),
            (
                "fc1",
                affine(3, 2, &[1., 2., 3., 4., 5., 6.], &[0.5, 0.25, 0.125]),
            ),
            ("lif1", snn_lif(&[0.9, 0.8, 0.5], 1.0)),
            (
                "fc2",
                Node::Linear {
                    weight: t64(&[1, 3], &[1., -1., 2.]),
                },
            ),
            ("lif2", snn_lif(&[0.75], 2.0)),
            ("output", output(1)),
        ],
        &[
            ("input", "fc1"),
            ("fc1", "lif1"),
            ("lif1", "fc2"),
            ("fc2", "lif2"),
            ("lif2", "output"),
        ],
    )
}

#[test]
fn feedforward_chain_becomes_two_layers() {
    let net = lower(&two_layer(), &SemanticsOptions::default()).unwrap();
    assert_eq!(net.input_size, 2);
    assert_eq!(net.layers.len(), 2);
    assert_eq!(net.output_layer, 1);
    let l1 = &net.layers[0];
    assert_eq!((l1.name.as_str(), l1.size), ("lif1", 3));
    assert_eq!(l1.inputs.len(), 1);
    let p = &l1.inputs[0];
    assert_eq!(
        (p.source, p.source_size, p.delayed, p.origin.as_str()),
        (Source::Input, 2, false, "fc1")
    );
    // Gain r·dt/tau is 1 up to rounding and must be taken as exactly 1: weights untouched.
    assert_eq!(p.weight, vec![1., 2., 3., 4., 5., 6.]);
    assert_eq!(l1.bias, vec![0.5, 0.25, 0.125]);
    match &l1.neuron {
        Neuron::Lif {
            beta,
            threshold,
            reset,
            reset_delay,
            zero_input,
            ..
        } => {
            let expect: Vec<f64> = [0.9f32, 0.8, 0.5].iter().map(|b| *b as f64).collect();
            assert_eq!(beta, &expect);
            assert_eq!(threshold, &vec![1.0; 3]);
            assert_eq!(
                (*reset, *reset_delay, *zero_input),
                (ResetMode::Subtract, true, ZeroResetInput::Keep)
            );
        }
        other => panic!("expected Lif, got {other:?}"),
    }
    let l2 = &net.layers[1];
    assert_eq!(l2.inputs[0].source, Source::Layer(0));
    assert_eq!(l2.inputs[0].weight, vec![1., -1., 2.]);
    assert_eq!(l2.bias, vec![0.0]);
}

#[test]
fn float32_tau_recovers_snntorch_beta_exactly() {
    // The exporter's f32 arithmetic: tau = f32(dt)/(1 - beta) in f32, r = tau/f32(dt).
    let betas: Vec<f32> = (0..2000).map(|i| 0.5 + (i as f32) * 0.000_249_7).collect();
    let dt32 = 1e-4f32;
    let tau: Vec<f64> = betas.iter().map(|b| (dt32 / (1.0 - b)) as f64).collect();
    let r: Vec<f64> = tau.iter().map(|t| (*t as f32 / dt32) as f64).collect();
    let n = betas.len();
    let f32t = |d: &[f64]| Tensor {
        shape: vec![d.len()],
        data: d.to_vec(),
        dtype: FloatDtype::F32,
    };
    let lif = Node::Lif {
        tau: f32t(&tau),
        r: f32t(&r),
        v_leak: f32t(&vec![0.0; n]),
        v_threshold: f32t(&vec![1.0; n]),
        v_reset: f32t(&vec![0.0; n]),
    };
    let w: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let g = graph(
        vec![
            ("input", input(1)),
            ("fc", affine(n, 1, &w, &vec![0.0; n])),
            ("lif", lif),
            ("output", output(n)),
        ],
        &[("input", "fc"), ("fc", "lif"), ("lif", "output")],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let Neuron::Lif { beta, .. } = &net.layers[0].neuron else {
        panic!("Lif")
    };
    let exact = beta
        .iter()
        .zip(&betas)
        .filter(|(a, b)| **a == **b as f64)
        .count();
    assert_eq!(exact, n, "every f32 beta >= 0.5 must come back exactly");
    assert_eq!(
        net.layers[0].inputs[0].weight, w,
        "unit gain must not perturb weights"
    );
}

#[test]
fn recurrent_cycle_is_delayed_and_input_dropped_on_zero_reset() {
    let g = graph(
        vec![
            ("input", input(2)),
            ("fc1", affine(2, 2, &[1., 0., 0., 1.], &[0., 0.])),
            ("rnn.lif", snn_lif(&[0.5, 0.5], 1.0)),
            ("rnn.w_rec", affine(2, 2, &[0., 1., 1., 0.], &[0.25, 0.5])),
            ("output", output(2)),
        ],
        &[
            ("input", "fc1"),
            ("fc1", "rnn.lif"),
            ("rnn.lif", "rnn.w_rec"),
            ("rnn.w_rec", "rnn.lif"),
            ("rnn.lif", "output"),
        ],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    assert_eq!(net.layers.len(), 1);
    let l = &net.layers[0];
    let rec = l
        .inputs
        .iter()
        .find(|p| p.source == Source::Layer(0))
        .expect("recurrent projection");
    assert!(rec.delayed);
    assert_eq!(rec.origin, "rnn.w_rec");
    assert_eq!(rec.weight, vec![0., 1., 1., 0.]);
    let fwd = l
        .inputs
        .iter()
        .find(|p| p.source == Source::Input)
        .expect("forward projection");
    assert!(!fwd.delayed);
    // The recurrent bias is part of the constant drive from t = 0.
    assert_eq!(l.bias, vec![0.25, 0.5]);
    assert!(matches!(
        l.neuron,
        Neuron::Lif {
            zero_input: ZeroResetInput::Drop,
            ..
        }
    ));
}

#[test]
fn longer_cycle_delays_only_the_back_edge() {
    // input -> a -> wab -> b -> wba -> a : the edge b -> a closes the cycle.
    let g = graph(
        vec![
            ("input", input(1)),
            ("win", affine(1, 1, &[1.], &[0.])),
            ("a", snn_lif(&[0.5], 1.0)),
            ("wab", affine(1, 1, &[2.], &[0.])),
            ("b", snn_lif(&[0.5], 1.0)),
            (
                "wba",
                Node::Linear {
                    weight: t64(&[1, 1], &[-1.]),
                },
            ),
            ("output", output(1)),
        ],
        &[
            ("input", "win"),
            ("win", "a"),
            ("a", "wab"),
            ("wab", "b"),
            ("b", "wba"),
            ("wba", "a"),
            ("b", "output"),
        ],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let names: Vec<&str> = net.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    let back = net.layers[0]
        .inputs
        .iter()
        .find(|p| p.source == Source::Layer(1))
        .unwrap();
    assert!(back.delayed);
    assert!(!net.layers[1].inputs[0].delayed);
    assert_eq!(net.output_layer, 1);
}

#[test]
fn several_edges_into_a_node_sum_and_flatten_and_scale_fold() {
    // Two paths from the input into the same neuron: fc (dense) and scale·flatten (diagonal).
    let g = graph(
        vec![
            ("input", Node::Input { shape: vec![1, 2] }),
            (
                "flat",
                Node::Flatten {
                    input_type: Some(vec![1, 2]),
                    start_dim: 0,
                    end_dim: -1,
                },
            ),
            ("fc", affine(2, 2, &[1., 2., 3., 4.], &[1., 1.])),
            (
                "scale",
                Node::Scale {
                    scale: vec64(&[10., 20.]),
                },
            ),
            ("lif", snn_lif(&[0.5], 1.0)),
            ("output", output(2)),
        ],
        &[
            ("input", "flat"),
            ("flat", "fc"),
            ("flat", "scale"),
            ("fc", "lif"),
            ("scale", "lif"),
            ("lif", "output"),
        ],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let l = &net.layers[0];
    assert_eq!(
        l.size, 2,
        "scalar neuron parameters broadcast to the input size"
    );
    assert_eq!(
        l.inputs.len(),
        1,
        "contributions of one source merge into one projection"
    );
    assert_eq!(l.inputs[0].weight, vec![11., 2., 3., 24.]);
    assert_eq!(l.bias, vec![1., 1.]);
    assert_eq!(l.inputs[0].origin, "fc + scale");
}

#[test]
fn non_unit_gain_and_leak_are_folded() {
    // Plain NIR LIF: tau = 2e-4 (beta 0.5), r = 3 -> gain 3·1e-4/2e-4 = 1.5, v_leak 2 -> bias 0.5·2 = 1.
    let lif = Node::Lif {
        tau: vec64(&[2e-4]),
        r: vec64(&[3.0]),
        v_leak: vec64(&[2.0]),
        v_threshold: vec64(&[1.0]),
        v_reset: vec64(&[0.0]),
    };
    let g = graph(
        vec![
            ("input", input(1)),
            ("fc", affine(1, 1, &[2.], &[4.])),
            ("lif", lif),
            ("output", output(1)),
        ],
        &[("input", "fc"), ("fc", "lif"), ("lif", "output")],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let l = &net.layers[0];
    assert!((l.inputs[0].weight[0] - 3.0).abs() < 1e-12);
    assert!((l.bias[0] - (4.0 * 1.5 + 1.0)).abs() < 1e-12);
}

#[test]
fn cubalif_gains_multiply_and_euler_is_rejected() {
    // alpha 0.5 (tau_syn 2e-4), beta 0.75 (tau_mem 4e-4); snnTorch w_in = tau_syn/dt, r = tau_mem/dt.
    let cuba = Node::CubaLif {
        tau_syn: vec64(&[2e-4]),
        tau_mem: vec64(&[4e-4]),
        r: vec64(&[4.0 * 2.0]),
        v_leak: vec64(&[0.0]),
        v_threshold: vec64(&[1.0]),
        v_reset: vec64(&[0.0]),
        w_in: vec64(&[2.0]),
    };
    let g = graph(
        vec![
            ("input", input(1)),
            ("fc", affine(1, 1, &[1.], &[0.])),
            ("cuba", cuba),
            ("output", output(1)),
        ],
        &[("input", "fc"), ("fc", "cuba"), ("cuba", "output")],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let Neuron::CubaLif { alpha, beta, .. } = &net.layers[0].neuron else {
        panic!("CubaLif")
    };
    assert_eq!((alpha[0], beta[0]), (0.5, 0.75));
    // w_in gain 1, membrane gain r·dt/tau_mem = 8e-4/4e-4 = 2.
    assert!((net.layers[0].inputs[0].weight[0] - 2.0).abs() < 1e-12);
    let euler = SemanticsOptions {
        convention: Some(Convention::NirEuler),
        ..Default::default()
    };
    let err = lower(&g, &euler).unwrap_err();
    assert!(
        matches!(&err, LowerError::Unsupported { node, .. } if node == "cuba"),
        "{err}"
    );
}

#[test]
fn metadata_and_options_set_semantics_with_provenance() {
    let mut g = two_layer();
    g.metadata
        .insert("reset_mechanism".into(), MetaValue::Str("zero".into()));
    let opts = SemanticsOptions {
        reset_delay: Some(false),
        ..Default::default()
    };
    let net = lower(&g, &opts).unwrap();
    let src: BTreeMap<_, _> = net.semantics.provenance.iter().cloned().collect();
    assert_eq!(src["reset"], SettingSource::Metadata);
    assert_eq!(src["reset_delay"], SettingSource::User);
    assert_eq!(src["dt"], SettingSource::Default);
    assert!(matches!(
        net.layers[1].neuron,
        Neuron::Lif {
            reset: ResetMode::Zero,
            reset_delay: false,
            ..
        }
    ));
}

#[test]
fn if_and_integrator_readout() {
    let g = graph(
        vec![
            ("input", input(1)),
            ("fc", affine(1, 1, &[1.], &[0.])),
            (
                "if",
                Node::If {
                    r: vec64(&[1.0]),
                    v_threshold: vec64(&[1.0]),
                    v_reset: vec64(&[0.0]),
                },
            ),
            ("fc2", affine(1, 1, &[1.], &[0.])),
            ("li", Node::Integrator { r: vec64(&[1.0]) }),
            ("output", output(1)),
        ],
        &[
            ("input", "fc"),
            ("fc", "if"),
            ("if", "fc2"),
            ("fc2", "li"),
            ("li", "output"),
        ],
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    assert!(matches!(&net.layers[0].neuron, Neuron::Lif { beta, .. } if beta == &vec![1.0]));
    assert!(matches!(&net.layers[1].neuron, Neuron::Li { beta } if beta == &vec![1.0]));
}

fn err_of(g: &Graph) -> LowerError {
    lower(g, &SemanticsOptions::default()).unwrap_err()
}

#[test]
fn unsupported_nodes_are_named() {
    // An LI in the middle of the net.
    let mut g = two_layer();
    g.nodes.insert(
        "lif1".into(),
        Node::Li {
            tau: vec64(&[1e-3; 3]),
            r: vec64(&[10.0; 3]),
            v_leak: vec64(&[0.0; 3]),
        },
    );
    let err = err_of(&g);
    assert!(
        matches!(&err, LowerError::Unsupported { node, kind, .. } if node == "lif1" && kind == "LI"),
        "{err}"
    );
    assert!(err.to_string().contains("read-out"), "{err}");

    let mut g = two_layer();
    g.nodes.insert(
        "pool".into(),
        Node::SumPool2d {
            kernel_size: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
        },
    );
    g.edges.retain(|(a, _)| a != "fc1");
    g.edges.push(("fc1".into(), "pool".into()));
    g.edges.push(("pool".into(), "lif1".into()));
    // Pooling is supported, but not of a flat vector: the error names the node and the shape.
    let err = err_of(&g).to_string();
    assert!(err.contains("pool") && err.contains("(C, H, W)"), "{err}");
}

#[test]
fn structural_errors_are_clear() {
    let mut g = two_layer();
    g.edges.push(("fc2".into(), "nowhere".into()));
    assert!(matches!(err_of(&g), LowerError::UnknownNode { missing, .. } if missing == "nowhere"));

    let mut g = two_layer();
    g.nodes.insert(
        "fc2".into(),
        Node::Linear {
            weight: t64(&[1, 4], &[1., 1., 1., 1.]),
        },
    );
    let err = err_of(&g);
    assert!(
        matches!(&err, LowerError::Shape { node, .. } if node == "fc2"),
        "{err}"
    );

    let mut g = two_layer();
    g.nodes.remove("input");
    g.edges.retain(|(a, _)| a != "input");
    assert!(matches!(err_of(&g), LowerError::Structure { .. }));

    // A loop through synapses only.
    let mut g = two_layer();
    g.nodes.insert(
        "fb".into(),
        Node::Linear {
            weight: t64(&[3, 3], &[0.; 9]),
        },
    );
    g.edges.retain(|(a, _)| a != "fc1");
    g.edges.extend(
        [("fc1", "fb"), ("fb", "fc1"), ("fb", "lif1")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string())),
    );
    let err = err_of(&g);
    assert!(
        matches!(&err, LowerError::AlgebraicLoop { nodes } if nodes.contains(&"fb".to_string())),
        "{err}"
    );

    let mut g = two_layer();
    g.nodes
        .insert("lif1".into(), snn_lif(&[0.9, f64::NAN, 0.5], 1.0));
    let err = err_of(&g);
    assert!(
        matches!(&err, LowerError::Parameter { node, .. } if node == "lif1"),
        "{err}"
    );
}

#[test]
fn text_dump_names_layers_sources_and_provenance() {
    let g = graph(
        vec![
            ("input", input(1)),
            ("fc1", affine(1, 1, &[1.], &[0.])),
            ("rnn.lif", snn_lif(&[0.5], 1.0)),
            ("rnn.w_rec", affine(1, 1, &[-1.], &[0.25])),
            ("output", output(1)),
        ],
        &[
            ("input", "fc1"),
            ("fc1", "rnn.lif"),
            ("rnn.lif", "rnn.w_rec"),
            ("rnn.w_rec", "rnn.lif"),
            ("rnn.lif", "output"),
        ],
    );
    let opts = SemanticsOptions {
        reset: Some(ResetMode::Zero),
        ..Default::default()
    };
    let text = lower(&g, &opts).unwrap().to_string();
    let expected = "\
convention snntorch (fingerprint: r = tau/1e-4 in every LIF/CubaLIF, what snnTorch's export writes (dt = 1e-4))
dt 0.0001 (default)
reset zero (flag), reset_delay true (default)
input 1
layer 0 `rnn.lif` size 1 shape [1] [output]
  LIF beta 0.5 threshold 1 v_reset 0 reset zero delay true zero-reset input Drop
  <- input via `fc1` 1x1 weights 1
  <- rnn.lif via `rnn.w_rec` 1x1 weights -1 delayed (t-1)
  bias 0.25
";
    assert_eq!(text, expected);
}

#[test]
fn nir_euler_keeps_f64_decay_and_resets_to_v_reset_immediately() {
    let lif = Node::Lif {
        tau: vec64(&[3e-4]),
        r: vec64(&[3.0]),
        v_leak: vec64(&[0.0]),
        v_threshold: vec64(&[1.0]),
        v_reset: vec64(&[-0.5]),
    };
    let g = graph(
        vec![
            ("input", input(1)),
            ("fc", affine(1, 1, &[1.], &[0.])),
            ("lif", lif),
            ("output", output(1)),
        ],
        &[("input", "fc"), ("fc", "lif"), ("lif", "output")],
    );
    let opts = SemanticsOptions {
        convention: Some(Convention::NirEuler),
        ..Default::default()
    };
    let net = lower(&g, &opts).unwrap();
    let Neuron::Lif {
        beta,
        v_reset,
        reset,
        reset_delay,
        ..
    } = &net.layers[0].neuron
    else {
        panic!("Lif")
    };
    assert_eq!(
        beta[0],
        1.0 - 1e-4 / 3e-4,
        "no f32 rounding outside the snnTorch convention"
    );
    assert_ne!(beta[0], beta[0] as f32 as f64);
    assert_eq!(
        (*reset, *reset_delay, v_reset[0]),
        (ResetMode::Zero, false, -0.5)
    );
    // tau > 0 but below dt: decay < 0 is an error, not a clamp, outside snnTorch.
    let mut g = g;
    g.nodes.insert(
        "lif".into(),
        Node::Lif {
            tau: vec64(&[5e-5]),
            r: vec64(&[1.0]),
            v_leak: vec64(&[0.0]),
            v_threshold: vec64(&[1.0]),
            v_reset: vec64(&[0.0]),
        },
    );
    assert!(matches!(lower(&g, &opts), Err(LowerError::Parameter { param, .. }) if param == "tau"));
}

/// `two_layer` with a Delay node `d` of `delay` seconds spliced in between `from` and `to`.
fn with_delay(from: &str, to: &str, delay: &[f64]) -> Graph {
    let mut g = two_layer();
    g.nodes.insert(
        "d".into(),
        Node::Delay {
            delay: vec64(delay),
        },
    );
    g.edges.retain(|(a, b)| !(a == from && b == to));
    g.edges.push((from.into(), "d".into()));
    g.edges.push(("d".into(), to.into()));
    g
}

#[test]
fn delays_become_per_source_delays_of_the_projection() {
    // Right after a neuron layer: per element = per source neuron (f32-ish seconds round).
    let g = with_delay("lif1", "fc2", &[1e-4, 0.0, 3.0000001e-4]);
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let p = &net.layers[1].inputs[0];
    assert_eq!(
        (p.source, p.source_delay.clone()),
        (Source::Layer(0), vec![1, 0, 3])
    );
    assert_eq!(
        p.weight,
        vec![1., -1., 2.],
        "a Delay does not change weights"
    );
    assert!(net.layers[0].inputs[0].source_delay.is_empty());
    // After the Input: the first layer's projection; a scalar delay broadcasts.
    let g = with_delay("input", "fc1", &[2e-4]);
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    assert_eq!(net.layers[0].inputs[0].source_delay, vec![2, 2]);
    // After a Linear with one delay value: every source gets it. After an Affine: the bias
    // would be delayed too, which a projection cannot express.
    let g = with_delay("fc2", "lif2", &[5e-4]);
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    assert_eq!(net.layers[1].inputs[0].source_delay, vec![5, 5, 5]);
    let err = lower(
        &with_delay("fc1", "lif1", &[1e-4]),
        &SemanticsOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, LowerError::Unsupported { node, kind, hint } if node == "d" && kind == "Delay" && hint.contains("bias")),
        "{err}"
    );
    // A zero delay after an Affine is harmless.
    let net = lower(
        &with_delay("fc1", "lif1", &[0.0]),
        &SemanticsOptions::default(),
    )
    .unwrap();
    assert!(net.layers[0].inputs[0].source_delay.is_empty());
}

#[test]
fn delays_that_cannot_be_mapped_are_rejected_with_the_value() {
    // Not a whole number of steps: names the node, the value and dt.
    let err = lower(
        &with_delay("lif1", "fc2", &[1.5e-4]),
        &SemanticsOptions::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, LowerError::Parameter { node, param, .. } if node == "d" && param == "delay"),
        "{err}"
    );
    assert!(
        text.contains("0.00015") && text.contains("0.0001"),
        "{text}"
    );
    // With a dt that divides it, it lowers.
    let opts = SemanticsOptions {
        dt: Some(5e-5),
        ..Default::default()
    };
    let net = lower(&with_delay("lif1", "fc2", &[1.5e-4]), &opts).unwrap();
    assert_eq!(net.layers[1].inputs[0].source_delay, vec![3, 3, 3]);
    for bad in [-1e-4, f64::INFINITY, f64::NAN] {
        let err = lower(
            &with_delay("lif1", "fc2", &[bad]),
            &SemanticsOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, LowerError::Parameter { node, param, .. } if node == "d" && param == "delay"),
            "{bad}: {err}"
        );
    }
    // After a dense Linear, per-element delays mix: source 0 reaches output 0 only through a
    // non-zero weight, but a 2x3 map sends every source to both outputs at different delays.
    let mut g = two_layer();
    g.nodes.insert(
        "fc2".into(),
        Node::Linear {
            weight: t64(&[2, 3], &[1., 0., 2., 0., 1., 1.]),
        },
    );
    g.nodes.insert("lif2".into(), snn_lif(&[0.75, 0.5], 2.0));
    g.nodes.insert("output".into(), output(2));
    g.nodes.insert(
        "d".into(),
        Node::Delay {
            delay: vec64(&[1e-4, 2e-4]),
        },
    );
    g.edges.retain(|(a, _)| a != "fc2");
    g.edges.push(("fc2".into(), "d".into()));
    g.edges.push(("d".into(), "lif2".into()));
    let err = err_of(&g);
    assert!(
        matches!(&err, LowerError::Unsupported { node, hint, .. } if node == "d" && hint.contains("element 2 of source `lif1`")),
        "{err}"
    );
    // Where each source reaches one delay only, the per-element delays map exactly.
    g.nodes.insert(
        "fc2".into(),
        Node::Linear {
            weight: t64(&[2, 3], &[1., 0., 2., 0., 1., 0.]),
        },
    );
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    assert_eq!(net.layers[1].inputs[0].source_delay, vec![1, 2, 1]);
}

#[test]
fn two_paths_at_different_delays_stay_two_projections() {
    // lif1 reaches lif2 directly and through a 1-step Delay: two projections, summed.
    let mut g = with_delay("lif1", "fc2", &[1e-4]);
    g.edges.push(("lif1".into(), "fc2".into()));
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let delays: Vec<Vec<usize>> = net.layers[1]
        .inputs
        .iter()
        .map(|p| p.source_delay.clone())
        .collect();
    assert_eq!(delays, vec![vec![], vec![1, 1, 1]]);
}

fn cubali(tau_syn: f64, tau_mem: f64, r: f64, w_in: f64, v_leak: f64) -> Node {
    Node::CubaLi {
        tau_syn: vec64(&[tau_syn]),
        tau_mem: vec64(&[tau_mem]),
        r: vec64(&[r]),
        v_leak: vec64(&[v_leak]),
        w_in: vec64(&[w_in]),
    }
}

/// Input(1) -> fc (weight 1, bias `b`) -> CubaLI -> Output.
fn cubali_graph(node: Node, b: f64) -> Graph {
    graph(
        vec![
            ("input", input(1)),
            ("fc", affine(1, 1, &[1.], &[b])),
            ("li", node),
            ("output", output(1)),
        ],
        &[("input", "fc"), ("fc", "li"), ("li", "output")],
    )
}

#[test]
fn cubali_lowers_like_cubalif_and_lags_its_input_under_euler() {
    // alpha 0.5, beta 0.75; gains w_in·dt/tau_syn = 3·1e-4/2e-4 = 1.5, r·dt/tau_mem = 2·1e-4/4e-4 = 0.5.
    let g = cubali_graph(cubali(2e-4, 4e-4, 2.0, 3.0, 0.0), 0.0);
    let net = lower(&g, &SemanticsOptions::default()).unwrap();
    let l = &net.layers[0];
    assert_eq!(
        l.neuron,
        Neuron::CubaLi {
            alpha: vec![0.5],
            beta: vec![0.75]
        }
    );
    assert!((l.inputs[0].weight[0] - 0.75).abs() < 1e-12);
    assert!(l.inputs[0].source_delay.is_empty());
    let euler = SemanticsOptions {
        convention: Some(Convention::NirEuler),
        ..Default::default()
    };
    let net = lower(&g, &euler).unwrap();
    assert_eq!(net.layers[0].inputs[0].source_delay, vec![1]);
    // Under Euler a constant drive cannot be lagged with the spikes.
    let err = lower(
        &cubali_graph(cubali(2e-4, 4e-4, 2.0, 3.0, 0.0), 0.5),
        &euler,
    )
    .unwrap_err();
    assert!(
        matches!(&err, LowerError::Unsupported { node, kind, .. } if node == "li" && kind == "CubaLI"),
        "{err}"
    );
    // v_leak drives the membrane: not foldable, named.
    let err = lower(
        &cubali_graph(cubali(2e-4, 4e-4, 2.0, 3.0, 0.1), 0.0),
        &SemanticsOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, LowerError::Unsupported { node, hint, .. } if node == "li" && hint.contains("v_leak")),
        "{err}"
    );
}

#[test]
fn cubali_is_a_read_out_and_other_conventions_name_it() {
    let mut g = two_layer();
    g.nodes.insert(
        "lif1".into(),
        Node::CubaLi {
            tau_syn: vec64(&[2e-4; 3]),
            tau_mem: vec64(&[4e-4; 3]),
            r: vec64(&[4.0; 3]),
            v_leak: vec64(&[0.0; 3]),
            w_in: vec64(&[2.0; 3]),
        },
    );
    let err = err_of(&g);
    assert!(
        matches!(&err, LowerError::Unsupported { node, kind, hint } if node == "lif1" && kind == "CubaLI" && hint.contains("read-out")),
        "{err}"
    );
    let g = cubali_graph(cubali(2e-4, 4e-4, 2.0, 2.0, 0.0), 0.0);
    for convention in [Convention::Norse, Convention::Sinabs, Convention::Rockpool] {
        let opts = SemanticsOptions {
            convention: Some(convention),
            reset_delay: Some(false),
            ..Default::default()
        };
        let err = lower(&g, &opts).unwrap_err();
        assert!(
            matches!(&err, LowerError::Unsupported { node, kind, hint } if node == "li" && kind == "CubaLI" && hint.contains(convention.name())),
            "{convention:?}: {err}"
        );
    }
}
