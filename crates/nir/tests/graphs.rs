//! Shape inference, validation and subgraph inlining on graphs built in Rust and on fixtures.
//! Expected shapes are worked out with PyTorch's formula `floor((n + 2p - d(k-1) - 1)/s) + 1`
//! in the comments; the fixtures' Output shapes were also accepted by nir's own type check.

use std::collections::BTreeMap;
use std::path::PathBuf;

use spikeloom_nir::{
    flatten_subgraphs, infer_shapes, read, validate, Diagnostic, FloatDtype, Graph, MetaValue,
    NirError, Node, NodeShapes, Tensor,
};

fn fixture(case: &str) -> Graph {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/nir-cases")
        .join(format!("{case}.nir"));
    read(path).expect(case).graph
}

fn t(shape: &[usize], fill: f64) -> Tensor {
    let n = shape.iter().product();
    Tensor {
        shape: shape.to_vec(),
        data: vec![fill; n],
        dtype: FloatDtype::F32,
    }
}

fn lif(n: usize) -> Node {
    Node::Lif {
        tau: t(&[n], 0.01),
        r: t(&[n], 1.0),
        v_leak: t(&[n], 0.0),
        v_threshold: t(&[n], 1.0),
        v_reset: t(&[n], 0.0),
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

fn shapes(input: &[usize], output: &[usize]) -> NodeShapes {
    NodeShapes {
        input: input.to_vec(),
        output: output.to_vec(),
    }
}

fn kinds(g: &Graph) -> Vec<&'static str> {
    match validate(g) {
        Ok(()) => vec![],
        Err(d) => {
            d.0.iter()
                .map(|d| match d {
                    Diagnostic::NonFinite { .. } => "NonFinite",
                    Diagnostic::ParamShapeMismatch { .. } => "ParamShapeMismatch",
                    Diagnostic::DanglingEdge { .. } => "DanglingEdge",
                    Diagnostic::EdgeShapeMismatch { .. } => "EdgeShapeMismatch",
                    Diagnostic::CycleWithoutNeuron { .. } => "CycleWithoutNeuron",
                    Diagnostic::Shape { .. } => "Shape",
                    Diagnostic::InvalidValue { .. } => "InvalidValue",
                    Diagnostic::Empty { .. } => "Empty",
                })
                .collect()
        }
    }
}

#[test]
fn cnn_shapes_propagate_from_the_input() {
    let s = infer_shapes(&fixture("cnn")).unwrap();
    // conv 3x3, pad 1, stride 1 keeps 6x6; pool 2x2 stride 2: (6-2)/2+1 = 3; 3*3*3 = 27.
    assert_eq!(s["input"], shapes(&[2, 6, 6], &[2, 6, 6]));
    assert_eq!(s["conv"], shapes(&[2, 6, 6], &[3, 6, 6]));
    assert_eq!(s["if1"], shapes(&[3, 6, 6], &[3, 6, 6]));
    assert_eq!(s["pool"], shapes(&[3, 6, 6], &[3, 3, 3]));
    assert_eq!(s["flat"], shapes(&[3, 3, 3], &[27]));
    assert_eq!(s["fc"], shapes(&[27], &[2]));
    assert_eq!(s["lif"], shapes(&[2], &[2]));
    assert_eq!(s.len(), 8);
}

#[test]
fn conv_and_pool_geometry() {
    // Conv2d (1,5,4), k 3x3, stride (1,2), pad (1,0): H (5+2-2-1)/1+1 = 5, W (4-2-1)/2+1 = 1.
    assert_eq!(
        infer_shapes(&fixture("node_conv2d")).unwrap()["node"],
        shapes(&[1, 5, 4], &[2, 5, 1])
    );
    // Conv1d L 6, k 3, stride 2, pad 1: (6+2-2-1)/2+1 = 3.
    assert_eq!(
        infer_shapes(&fixture("node_conv1d")).unwrap()["node"],
        shapes(&[2, 6], &[2, 3])
    );
    // "same" keeps the length.
    assert_eq!(
        infer_shapes(&fixture("conv1d_same")).unwrap()["node"],
        shapes(&[1, 5], &[1, 5])
    );
    // AvgPool (1,4,4), k (3,2), stride (1,2), pad (1,0): H (4+2-3)/1+1 = 4, W (4-2)/2+1 = 2.
    assert_eq!(
        infer_shapes(&fixture("node_avgpool2d")).unwrap()["node"],
        shapes(&[1, 4, 4], &[1, 4, 2])
    );
    // SumPool (2,4,6), k 2, stride 2: (2, 2, 3).
    assert_eq!(
        infer_shapes(&fixture("node_sumpool2d")).unwrap()["node"],
        shapes(&[2, 4, 6], &[2, 2, 3])
    );
}

#[test]
fn scalar_parameters_take_the_shape_of_their_input() {
    let s = infer_shapes(&fixture("scalar_params")).unwrap();
    assert_eq!(s["lif"], shapes(&[3], &[3]));
}

#[test]
fn flatten_with_negative_end_dim() {
    let g = graph(
        vec![
            (
                "input",
                Node::Input {
                    shape: vec![2, 3, 4],
                },
            ),
            (
                "flat",
                Node::Flatten {
                    input_type: None,
                    start_dim: 1,
                    end_dim: -1,
                },
            ),
            ("output", Node::Output { shape: vec![2, 12] }),
        ],
        &[("input", "flat"), ("flat", "output")],
    );
    assert_eq!(
        infer_shapes(&g).unwrap()["flat"],
        shapes(&[2, 3, 4], &[2, 12])
    );
}

#[test]
fn pooling_without_a_path_from_the_input_is_reported() {
    let pool = Node::SumPool2d {
        kernel_size: [2, 2],
        stride: [2, 2],
        padding: [0, 0],
    };
    let g = graph(
        vec![("input", Node::Input { shape: vec![4] }), ("pool", pool)],
        &[],
    );
    let err = infer_shapes(&g).unwrap_err();
    assert_eq!(
        err.0,
        vec![Diagnostic::Shape {
            node: "pool".into(),
            message:
                "cannot infer its shape: it stores none and no edge brings one from an Input node"
                    .into()
        }]
    );
}

#[test]
fn kernel_larger_than_input_is_reported() {
    let pool = Node::AvgPool2d {
        kernel_size: [5, 5],
        stride: [1, 1],
        padding: [0, 0],
    };
    let g = graph(
        vec![
            (
                "input",
                Node::Input {
                    shape: vec![1, 3, 3],
                },
            ),
            ("pool", pool),
        ],
        &[("input", "pool")],
    );
    assert_eq!(kinds(&g), vec!["Shape"]);
}

#[test]
fn valid_fixtures_validate() {
    for case in [
        "recurrent_mixed",
        "beta_one",
        "nested",
        "legacy_defaults",
        "no_edges",
        "cnn",
    ] {
        assert_eq!(validate(&fixture(case)), Ok(()), "{case}");
    }
}

#[test]
fn recurrence_through_a_neuron_is_fine_but_an_algebraic_loop_is_not() {
    let w = Node::Linear {
        weight: t(&[3, 3], 0.5),
    };
    let rec = graph(
        vec![
            ("input", Node::Input { shape: vec![3] }),
            ("lif", lif(3)),
            ("w", w.clone()),
        ],
        &[("input", "lif"), ("lif", "w"), ("w", "lif")],
    );
    assert_eq!(kinds(&rec), Vec::<&str>::new());
    let alg = graph(
        vec![("input", Node::Input { shape: vec![3] }), ("w", w)],
        &[("input", "w"), ("w", "w")],
    );
    assert_eq!(kinds(&alg), vec!["CycleWithoutNeuron"]);
}

#[test]
fn inf_is_allowed_only_as_tau_and_r_together() {
    let mut node = lif(2);
    if let Node::Lif { tau, r, .. } = &mut node {
        tau.data = vec![f64::INFINITY, f64::INFINITY];
        r.data = vec![f64::INFINITY, 2.0];
    }
    let g = graph(
        vec![("input", Node::Input { shape: vec![2] }), ("lif", node)],
        &[("input", "lif")],
    );
    // Element 1: tau = inf with finite r is not beta = 1.
    let err = validate(&g).unwrap_err();
    assert_eq!(
        err.0,
        vec![Diagnostic::NonFinite {
            node: "lif".into(),
            field: "tau".into(),
            what: "infinite".into(),
            count: 1,
            first: 1
        }]
    );
}

fn chain(node: Node, n_in: usize) -> Graph {
    graph(
        vec![("input", Node::Input { shape: vec![n_in] }), ("n", node)],
        &[("input", "n")],
    )
}

/// (field, what, count, first, value) of every InvalidValue diagnostic.
fn invalid(g: &Graph) -> Vec<(String, String, usize, usize, String)> {
    validate(g)
        .err()
        .into_iter()
        .flat_map(|d| d.0)
        .filter_map(|d| match d {
            Diagnostic::InvalidValue {
                field,
                what,
                count,
                first,
                value,
                ..
            } => Some((field, what, count, first, value)),
            _ => None,
        })
        .collect()
}

#[test]
fn time_constants_must_be_positive_and_r_and_delays_not_negative() {
    let row = |f: &str, w: &str, c, i, v: &str| (f.to_string(), w.to_string(), c, i, v.to_string());
    let mut node = lif(3);
    if let Node::Lif { tau, r, .. } = &mut node {
        tau.data = vec![0.01, -0.001, 0.0];
        r.data = vec![1.0, -2.0, -3.0];
    }
    assert_eq!(
        invalid(&chain(node, 3)),
        vec![
            row("tau", "negative", 1, 1, "-0.001"),
            row("tau", "zero", 1, 2, "0"),
            row("r", "negative", 2, 1, "-2"),
        ]
    );
    // tau = +inf is beta = 1 (with r = inf), and -inf is a NonFinite, not reported twice.
    let mut node = lif(2);
    if let Node::Lif { tau, r, .. } = &mut node {
        tau.data = vec![f64::INFINITY, f64::NEG_INFINITY];
        r.data = vec![f64::INFINITY, 1.0];
    }
    assert_eq!(kinds(&chain(node, 2)), vec!["NonFinite"]);
    let cuba = Node::CubaLif {
        tau_syn: t(&[2], -1e-3),
        tau_mem: t(&[2], 0.0),
        r: t(&[2], 1.0),
        v_leak: t(&[2], 0.0),
        v_threshold: t(&[2], 1.0),
        v_reset: t(&[2], 0.0),
        w_in: t(&[2], 1.0),
    };
    assert_eq!(
        invalid(&chain(cuba, 2)),
        vec![
            row("tau_syn", "negative", 2, 0, "-0.001"),
            row("tau_mem", "zero", 2, 0, "0"),
        ]
    );
    let li = Node::Li {
        tau: t(&[1], -1.0),
        r: t(&[1], 1.0),
        v_leak: t(&[1], 0.0),
    };
    assert_eq!(kinds(&chain(li, 1)), vec!["InvalidValue"]);
    let delay = Node::Delay {
        delay: t(&[2], -1e-4),
    };
    assert_eq!(
        invalid(&chain(delay, 2)),
        vec![row("delay", "negative", 2, 0, "-0.0001")]
    );
    assert_eq!(
        kinds(&chain(Node::Integrator { r: t(&[2], -1.0) }, 2)),
        vec!["InvalidValue"]
    );
}

#[test]
fn empty_nodes_are_reported_once_at_their_source() {
    // A 0-neuron LIF: its parameters are empty; the Output it feeds declares [0] too.
    let g = graph(
        vec![
            ("input", Node::Input { shape: vec![3] }),
            (
                "fc",
                Node::Linear {
                    weight: t(&[0, 3], 1.0),
                },
            ),
            ("lif", lif(0)),
            ("output", Node::Output { shape: vec![0] }),
        ],
        &[("input", "fc"), ("fc", "lif"), ("lif", "output")],
    );
    let err = validate(&g).unwrap_err();
    let what: Vec<(String, String)> = err
        .0
        .iter()
        .map(|d| match d {
            Diagnostic::Empty { node, what, .. } => (node.clone(), what.clone()),
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(
        what,
        vec![
            ("fc".into(), "parameter 'weight' (shape [0, 3])".into()),
            ("lif".into(), "parameter 'tau' (shape [0])".into()),
            ("output".into(), "its shape [0]".into()),
        ]
    );
    // An empty Input: the scalar-parameter LIF after it is empty only through its input.
    let scalar = Node::Lif {
        tau: t(&[], 0.01),
        r: t(&[], 1.0),
        v_leak: t(&[], 0.0),
        v_threshold: t(&[], 1.0),
        v_reset: t(&[], 0.0),
    };
    let g = graph(
        vec![
            ("input", Node::Input { shape: vec![2, 0] }),
            ("lif", scalar),
        ],
        &[("input", "lif")],
    );
    assert_eq!(kinds(&g), vec!["Empty"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut bad = lif(3);
    if let Node::Lif { v_leak, r, .. } = &mut bad {
        v_leak.data[2] = f64::NAN;
        *r = t(&[2], 1.0);
    }
    let g = graph(
        vec![
            ("input", Node::Input { shape: vec![3] }),
            ("lif", bad),
            (
                "aff",
                Node::Linear {
                    weight: t(&[3, 3], 1.0),
                },
            ),
        ],
        &[("input", "lif"), ("lif", "ghost"), ("aff", "aff")],
    );
    assert_eq!(
        kinds(&g),
        vec![
            "DanglingEdge",
            "ParamShapeMismatch",
            "NonFinite",
            "CycleWithoutNeuron"
        ]
    );
}

#[test]
fn nested_graph_is_inlined_with_dotted_names() {
    let flat = flatten_subgraphs(&fixture("nested")).unwrap();
    let names: Vec<&str> = flat.nodes.keys().map(String::as_str).collect();
    assert_eq!(names, ["fc", "input", "output", "sub.lif"]);
    let edges: Vec<(&str, &str)> = flat
        .edges
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        edges,
        [("input", "fc"), ("fc", "sub.lif"), ("sub.lif", "output")]
    );
    assert_eq!(
        flat.metadata.get("sub.inner_note"),
        Some(&MetaValue::Str("sub".into()))
    );
    assert_eq!(validate(&flat), Ok(()));
    assert_eq!(infer_shapes(&flat).unwrap()["sub.lif"], shapes(&[3], &[3]));
}

#[test]
fn pass_through_subgraph_connects_its_neighbours() {
    let inner = graph(
        vec![
            ("i", Node::Input { shape: vec![2] }),
            ("o", Node::Output { shape: vec![2] }),
        ],
        &[("i", "o")],
    );
    let outer = graph(
        vec![
            ("input", Node::Input { shape: vec![2] }),
            ("id", Node::Graph(Box::new(inner))),
            ("lif", lif(2)),
        ],
        &[("input", "id"), ("id", "lif")],
    );
    let flat = flatten_subgraphs(&outer).unwrap();
    assert_eq!(flat.edges, vec![("input".to_string(), "lif".to_string())]);
    assert_eq!(flat.nodes.len(), 2);
}

#[test]
fn doubly_nested_graphs_flatten_recursively() {
    let deepest = graph(
        vec![
            ("in", Node::Input { shape: vec![2] }),
            ("n", lif(2)),
            ("out", Node::Output { shape: vec![2] }),
        ],
        &[("in", "n"), ("n", "out")],
    );
    let middle = graph(
        vec![
            ("in", Node::Input { shape: vec![2] }),
            ("d", Node::Graph(Box::new(deepest))),
            ("out", Node::Output { shape: vec![2] }),
        ],
        &[("in", "d"), ("d", "out")],
    );
    let top = graph(
        vec![
            ("input", Node::Input { shape: vec![2] }),
            ("m", Node::Graph(Box::new(middle))),
            ("output", Node::Output { shape: vec![2] }),
        ],
        &[("input", "m"), ("m", "output")],
    );
    let flat = flatten_subgraphs(&top).unwrap();
    assert!(flat.nodes.contains_key("m.d.n"));
    assert_eq!(
        flat.edges,
        vec![
            ("input".to_string(), "m.d.n".to_string()),
            ("m.d.n".to_string(), "output".to_string())
        ]
    );
}

#[test]
fn name_clash_while_inlining_is_an_error() {
    let inner = graph(vec![("lif", lif(2))], &[]);
    let outer = graph(
        vec![("sub", Node::Graph(Box::new(inner))), ("sub.lif", lif(2))],
        &[],
    );
    let e = flatten_subgraphs(&outer).unwrap_err();
    assert!(matches!(e, NirError::FlattenNameClash { .. }));
    assert_eq!(
        e.to_string(),
        "cannot inline subgraph 'sub': its node 'sub.lif' clashes with an existing node of that \
         name; rename one of them before exporting"
    );
}

#[test]
fn subgraph_problems_carry_dotted_names() {
    let mut bad = lif(2);
    if let Node::Lif { v_threshold, .. } = &mut bad {
        v_threshold.data[0] = f64::NAN;
    }
    let inner = graph(
        vec![
            ("in", Node::Input { shape: vec![2] }),
            ("n", bad),
            ("out", Node::Output { shape: vec![2] }),
        ],
        &[("in", "n"), ("n", "out")],
    );
    let outer = graph(
        vec![
            ("input", Node::Input { shape: vec![2] }),
            ("s", Node::Graph(Box::new(inner))),
        ],
        &[("input", "s")],
    );
    let err = validate(&outer).unwrap_err();
    assert!(
        matches!(&err.0[..], [Diagnostic::NonFinite { node, .. }] if node == "s.n"),
        "{err}"
    );
}

#[test]
fn conv_with_a_malformed_weight_is_one_diagnostic_not_a_panic() {
    let conv = Node::Conv2d {
        weight: t(&[2, 3], 1.0),
        bias: t(&[2], 0.0),
        stride: [1, 1],
        padding: spikeloom_nir::Padding::Valid,
        dilation: [1, 1],
        groups: 1,
        input_shape: None,
    };
    let g = graph(
        vec![
            (
                "input",
                Node::Input {
                    shape: vec![3, 4, 4],
                },
            ),
            ("conv", conv),
        ],
        &[("input", "conv")],
    );
    let err = infer_shapes(&g).unwrap_err();
    assert_eq!(
        err.0,
        vec![Diagnostic::Shape {
            node: "conv".into(),
            message:
                "weight has shape [2, 3], expected 4 dimensions (C_out, C_in/groups, kernel...)"
                    .into()
        }]
    );
}

#[test]
fn conv_channel_mismatch_is_reported() {
    let conv = Node::Conv1d {
        weight: t(&[4, 2, 3], 1.0),
        bias: t(&[4], 0.0),
        stride: 1,
        padding: spikeloom_nir::Padding::Explicit(vec![0]),
        dilation: 1,
        groups: 1,
        input_shape: None,
    };
    let g = graph(
        vec![("input", Node::Input { shape: vec![3, 8] }), ("conv", conv)],
        &[("input", "conv")],
    );
    let err = infer_shapes(&g).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 problem(s) in the NIR graph:\n  - node 'conv': expects a 2-D input with 2 channels \
         (weight C_in x groups), got [3, 8]"
    );
}
