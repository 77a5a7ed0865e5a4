//! Robustness of the lowering on the NIR reader's case files (tests/fixtures/nir-cases): every
//! file that reads lowers to a network or fails with an error naming a node, never panics; the
//! ones whose outcome is known are checked. The `sim_*` cases (CubaLI and Delay nodes) are
//! simulated and compared with the traces of the independent numpy emulator
//! (tests/fixtures/gen/np_emulate.py `emulate_nir`): spikes exact, membranes within rounding.

mod common;

use spikeloom_qnet::SpikeSteps;
use std::path::{Path, PathBuf};

use spikeloom_float::{lower, simulate, FloatNet, LowerError, Neuron, SemanticsOptions};

/// Membrane tolerance, as for the trained fixtures: `REL * |want| + SCALE * max|want|`. The
/// emulator sums in f64 (and integrates nir-euler in f64), the engine in f32.
const REL: f64 = 1e-5;
const SCALE: f64 = 2e-6;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nir-cases")
}

/// Reads `name` (which must exist) and lowers it with the default options; `None` when the
/// reader refuses the file (its messages are tested in crates/nir/tests/messages.rs).
fn lower_case(name: &str) -> Option<(spikeloom_nir::Graph, Result<FloatNet, LowerError>)> {
    let path = cases_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: regenerate the cases with tests/fixtures/gen/nir_cases.py",
        path.display()
    );
    let file = spikeloom_nir::read(&path).ok()?;
    let lowered = lower(&file.graph, &SemanticsOptions::default());
    Some((file.graph, lowered))
}

/// Case files the reader refuses (they never reach lowering).
const UNREADABLE: [&str; 10] = [
    "bad_large_layer",
    "bad_missing_param",
    "bad_no_node",
    "bad_not_hdf5",
    "bad_random_bytes",
    "bad_szip",
    "bad_truncated",
    "bad_unknown_type",
    "bad_unwritten_dataset",
    "bad_wrong_kind",
];

/// Case files that read but do not lower: the node (as the message quotes it) and what the
/// message must say about it, from what each case was written to contain
/// (tests/fixtures/gen/nir_cases.py).
const REFUSED: [(&str, &str, &str); 24] = [
    (
        "bad_cycle_no_neuron",
        "\"fc\"",
        "every cycle must pass through a neuron node",
    ),
    ("bad_dangling_edge", "`outptu`", "names unknown node"),
    ("bad_edge_shape", "`fc`", "weight has 4 rows"),
    ("bad_empty_input", "`input`", "has no elements"),
    ("bad_empty_layer", "`lif`", "has no neurons"),
    (
        "bad_inf_threshold",
        "`lif`",
        "parameter `v_threshold`: value inf",
    ),
    (
        "bad_nan_param",
        "`lif`",
        "parameter `v_threshold`: value NaN",
    ),
    ("bad_negative_r", "`lif`", "parameter `r`: -10 is negative"),
    (
        "bad_negative_tau",
        "`lif`",
        "parameter `tau`: time constant -0.001",
    ),
    (
        "bad_param_shapes",
        "`lif`",
        "expects 4 input values but `fc` delivers 3",
    ),
    (
        "bad_zero_tau_syn",
        "`lif`",
        "parameter `tau_syn`: time constant 0 must be positive",
    ),
    // Graphs whose Output is fed by a synapse or the input: the feeding node is named.
    (
        "conv1d_same",
        "`node` (Conv1d)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "metadata",
        "`fc` (Linear)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_affine",
        "`node` (Affine)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_avgpool2d",
        "`node` (AvgPool2d)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_conv1d",
        "`node` (Conv1d)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_conv2d",
        "`node` (Conv2d)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_delay",
        "`node` (Delay)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_flatten",
        "`input` (Input)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_linear",
        "`node` (Linear)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_scale",
        "`node` (Scale)",
        "the Output node must be driven by a neuron layer",
    ),
    (
        "node_sumpool2d",
        "`node` (SumPool2d)",
        "the Output node must be driven by a neuron layer",
    ),
    // No edges: the Output node is fed by nothing.
    (
        "no_edges",
        "`output`",
        "must be fed by exactly one neuron node, found []",
    ),
    // No Output node: the candidate read-out layer is named, none is guessed.
    ("no_output", "`lif`", "the graph has no Output node"),
];

/// The node names an error carries (a message must quote one that is in the graph).
fn named_nodes(e: &LowerError) -> Vec<String> {
    match e {
        LowerError::Unsupported { node, .. }
        | LowerError::Shape { node, .. }
        | LowerError::Parameter { node, .. } => vec![node.clone()],
        LowerError::UnknownNode { missing, .. } => vec![missing.clone()],
        LowerError::AlgebraicLoop { nodes } => nodes.clone(),
        LowerError::Structure { .. } | LowerError::Metadata { .. } | LowerError::Option { .. } => {
            Vec::new()
        }
    }
}

/// Every case file lowers (and then simulates) or fails with the message its case was written
/// for, naming the node at fault; the reader refuses exactly the `UNREADABLE` ones; and every
/// case of the two tables exists.
#[test]
fn every_readable_case_lowers_or_names_the_problem() {
    let dir = cases_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".nir").map(str::to_string))
        .collect();
    names.sort();
    assert!(
        names.len() >= 50,
        "expected the generated case set in {}, found {} files",
        dir.display(),
        names.len()
    );
    for listed in UNREADABLE.iter().chain(REFUSED.iter().map(|r| &r.0)) {
        assert!(
            names.iter().any(|n| n == listed),
            "{listed}.nir is missing from {}",
            dir.display()
        );
    }
    let (mut lowered, mut refused) = (0, 0);
    for name in &names {
        let Some((graph, result)) = lower_case(&format!("{name}.nir")) else {
            assert!(
                UNREADABLE.contains(&name.as_str()),
                "{name}: the reader refuses it"
            );
            continue;
        };
        assert!(
            !UNREADABLE.contains(&name.as_str()),
            "{name}: reads, but is listed as unreadable"
        );
        let expected = REFUSED.iter().find(|r| r.0 == name);
        match (result, expected) {
            (Ok(net), None) => {
                // A lowered network must also simulate.
                let input =
                    SpikeSteps::graded(3, 1, net.input_size, vec![1; 3 * net.input_size], 8)
                        .unwrap();
                simulate(&net, &input).unwrap_or_else(|e| panic!("{name}: {e}"));
                lowered += 1;
            }
            (Ok(_), Some((_, node, what))) => {
                panic!("{name}: lowered, but should fail naming {node}: {what}")
            }
            (Err(e), None) => panic!("{name}: should lower, failed: {e}"),
            (Err(e), Some((_, node, what))) => {
                let text = e.to_string();
                assert!(
                    text.contains(node) && text.contains(what),
                    "{name}: the message must name {node} and say \"{what}\":\n{text}"
                );
                for n in named_nodes(&e) {
                    let edge_end = graph.edges.iter().any(|(a, b)| *a == n || *b == n);
                    assert!(
                        graph.nodes.contains_key(&n) || edge_end,
                        "{name}: the error names `{n}`, which is not in the file:\n{text}"
                    );
                }
                refused += 1;
            }
        }
    }
    assert_eq!(refused, REFUSED.len());
    assert_eq!(lowered, names.len() - REFUSED.len() - UNREADABLE.len());
    assert!(lowered >= 20, "only {lowered} cases lower");
}

#[test]
fn known_cases() {
    let lowered = |name: &str| {
        lower_case(name)
            .unwrap_or_else(|| panic!("{name}: the reader refuses it"))
            .1
    };
    let net = lowered("recurrent_mixed.nir").expect("recurrent_mixed lowers");
    assert!(
        net.layers.iter().flat_map(|l| &l.inputs).any(|p| p.delayed),
        "recurrence must be delayed"
    );
    assert!(matches!(
        lowered("node_conv2d.nir"),
        Err(LowerError::Unsupported { kind, .. }) if kind == "Conv2d"
    ));
    let nested = lowered("nested.nir").expect("nested lowers");
    assert!(
        nested.layers.iter().any(|l| l.name.contains('.')),
        "the subgraph's layers keep dotted names"
    );
}

/// Lowers `sim_<case>.nir` with the settings of its metadata, runs it on its input and compares
/// every neuron node with the emulator's traces. Returns the lowered network for further checks;
/// a missing case file fails.
fn check_sim_case(case: &str) -> FloatNet {
    let dir = cases_dir();
    let path = dir.join(format!("sim_{case}.nir"));
    assert!(
        path.exists(),
        "{} is missing: regenerate the cases with tests/fixtures/gen/nir_cases.py",
        path.display()
    );
    let file = spikeloom_nir::read(&path).unwrap_or_else(|e| panic!("{case}: {e}"));
    let net =
        lower(&file.graph, &SemanticsOptions::default()).unwrap_or_else(|e| panic!("{case}: {e}"));
    let input = common::npy(&dir, &format!("sim_{case}.input.npy"));
    let [t, n, f] = input.shape[..] else {
        panic!("{case}: input must be [T, N, F], got {:?}", input.shape)
    };
    let data = input.data.to_f64().iter().map(|v| *v as u8).collect();
    let trace = simulate(&net, &SpikeSteps::graded(t, n, f, data, 8).unwrap()).unwrap();
    for layer in &trace.layers {
        let stem = format!("sim_{case}.{}", layer.name);
        let want_spk = common::npy(&dir, &format!("{stem}.spk.npy")).data.to_f64();
        let want_mem = common::npy(&dir, &format!("{stem}.mem.npy")).data.to_f64();
        let got_spk: Vec<f64> = layer.spikes.iter().map(|s| f64::from(*s)).collect();
        assert_eq!(got_spk.len(), want_spk.len(), "{stem}: trace sizes");
        let wrong: Vec<usize> = (0..got_spk.len())
            .filter(|i| got_spk[*i] != want_spk[*i])
            .collect();
        assert!(
            wrong.is_empty(),
            "{stem}: {} of {} spikes differ, first at flat index {:?}",
            wrong.len(),
            got_spk.len(),
            wrong.first()
        );
        let (bad, max) = common::compare(&layer.membrane, &want_mem, REL, SCALE);
        eprintln!(
            "{stem}: {} spikes agree ({} spikes), membrane max |diff| {max:.3e}",
            got_spk.len(),
            got_spk.iter().filter(|s| **s > 0.0).count()
        );
        assert_eq!(
            bad, 0,
            "{stem}: {bad} membranes out of tolerance (max |diff| {max:.3e})"
        );
    }
    net
}

#[test]
fn cubalif_delay_cubali_matches_the_numpy_emulator_under_snntorch() {
    let net = check_sim_case("cuba_delay");
    let li = net
        .layers
        .iter()
        .find(|l| l.name == "li")
        .expect("li layer");
    assert!(matches!(li.neuron, Neuron::CubaLi { .. }));
    // The Delay after the CubaLIF becomes that projection's per-source delays.
    assert_eq!(li.inputs.len(), 1);
    assert_eq!(li.inputs[0].source_delay, vec![0, 1, 2, 3, 0, 2]);
    // A spiking layer with delays that were dropped would fail the membrane check above; the
    // traces also need some activity to mean anything.
    let lif = net
        .layers
        .iter()
        .find(|l| l.name == "lif")
        .expect("lif layer");
    assert!(lif.inputs[0].source_delay.is_empty());
}

#[test]
fn delay_after_input_and_euler_cubali_match_the_numpy_emulator() {
    let net = check_sim_case("delay_input_euler");
    let lif = net
        .layers
        .iter()
        .find(|l| l.name == "lif")
        .expect("lif layer");
    assert_eq!(lif.inputs[0].source_delay, vec![0, 1, 2, 3, 1]);
    // Euler's CubaLI membrane reads the previous current: its input is fed one step late.
    let li = net
        .layers
        .iter()
        .find(|l| l.name == "li")
        .expect("li layer");
    assert_eq!(li.inputs[0].source_delay, vec![1; 4]);
}
