//! Quantizing the models of every exporter convention (tests/fixtures/exporters: Norse, Sinabs
//! LIF and IAF, Rockpool CubaLIF, SpikingJelly LIF/IF and CubaLIF; tests/fixtures/models/graded:
//! snnTorch with graded input), each calibrated on its own input. The float engine reproduces each library exactly
//! (crates/float/tests/exporter_fixtures.rs), so the float trace stands for the library here.
//! Agreement = fraction of all (step, sample, neuron) spike values that are equal (equal counts
//! for the multi-spike layers). Two bars:
//! - at 16-bit weights / 32-bit state / 16 decay bits the integer network must agree on at
//!   least `MIN_AGREEMENT_WIDE` (the mapping of each convention's rules is right: a wrong reset,
//!   fold or clamp costs far more);
//! - at the defaults (8/16/12) at least `MIN_AGREEMENT_DEFAULT` (the cost of 8-bit weights on
//!   these untrained, strongly multi-spiking random networks, where one LSB changes a count).
//!
//! Measured when written (pooled, default / wide): norse_lifbox 0.9647 / 0.9994,
//! sinabs_lif 0.9351 / 0.9990, sinabs_iaf 0.9319 / 0.9998, rockpool_lif 0.9336 / 0.9996,
//! sinabs_single (`SpikeMode::Single`) 0.9829 / 0.9999, spikingjelly_mlp 0.9874 / 0.9998,
//! spikingjelly_cuba 0.9958 / 1.0000 (SpikingJelly's two are trained),
//! graded (snnTorch, 5-bit input) see its test output.

use std::path::{Path, PathBuf};

use spikeloom_float::{lower, Convention, SemanticsOptions, SpikeMode};
use spikeloom_npy::read_npy;
use spikeloom_qnet::{eval, QFire, QNeuron, SpikeSteps};
use spikeloom_quant::{quantize, Calibration, QuantConfig, QuantReport};

/// Pooled spike agreement required at 16-bit weights, 32-bit state, 16 decay bits.
const MIN_AGREEMENT_WIDE: f64 = 0.998;
/// Pooled spike agreement required at the default widths.
const MIN_AGREEMENT_DEFAULT: f64 = 0.92;

fn wide() -> QuantConfig {
    QuantConfig::from_toml_str("[default]\nweight_bits = 16\nstate_bits = 32\ndecay_shift = 16\n")
        .unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn input(dir: &Path) -> SpikeSteps {
    let x = read_npy(&dir.join("input.npy")).expect("input.npy");
    let [t, n, f] = x.shape[..] else {
        panic!("input.npy must be [T, N, F], got {:?}", x.shape)
    };
    let data = x.data.to_i64().expect("integer input");
    let data = data.into_iter().map(|v| v as u8).collect();
    // Graded values: accept any u8; the quantizer picks input_bits from the data.
    SpikeSteps::graded(t, n, f, data, 8).unwrap()
}

fn quantize_fixture(
    dir: &Path,
    (convention, spike_mode): (Convention, Option<SpikeMode>),
    cfg: &QuantConfig,
) -> (spikeloom_qnet::QNet, QuantReport, Calibration) {
    let file = spikeloom_nir::read(dir.join("model.nir")).expect("model.nir");
    let opts = SemanticsOptions {
        convention: Some(convention),
        spike_mode,
        ..Default::default()
    };
    let net = lower(&file.graph, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let calib = Calibration::simulate(&net, input(dir), None).unwrap();
    let (q, report) = quantize(&net, Some(&calib), cfg)
        .unwrap_or_else(|e| panic!("{}: quantize: {e}", dir.display()));
    (q, report, calib)
}

/// Quantizes one exporter fixture, checks agreement and the fixed engine; returns the net.
fn check(name: &str, convention: Convention) -> spikeloom_qnet::QNet {
    check_mode(name, (convention, None))
}

fn check_mode(name: &str, convention: (Convention, Option<SpikeMode>)) -> spikeloom_qnet::QNet {
    let dir = root().join("exporters").join(name);
    let (_, report, _) = quantize_fixture(&dir, convention, &wide());
    let agreement = report.spike_agreement.expect("spiking layers");
    eprintln!("{name} (w16 s32): spike agreement {agreement:.5}");
    assert!(
        agreement >= MIN_AGREEMENT_WIDE,
        "{name}: spike agreement {agreement} < {MIN_AGREEMENT_WIDE} at 16/32 bits\n{report}"
    );
    let (q, report, calib) = quantize_fixture(&dir, convention, &QuantConfig::default());
    let agreement = report.spike_agreement.expect("spiking layers");
    eprintln!("{name} (defaults): spike agreement {agreement:.5}\n{report}");
    assert!(
        agreement >= MIN_AGREEMENT_DEFAULT,
        "{name}: spike agreement {agreement} < {MIN_AGREEMENT_DEFAULT}\n{report}"
    );
    // The quantized file round-trips and the fixed engine runs it on the same input.
    let q2 = spikeloom_qnet::QNet::from_json_str(&q.to_json_string()).unwrap();
    assert_eq!(q2, q);
    let trace = eval(&q2, &calib.input).unwrap();
    let spikes: u64 = trace.layers[q.output_layer]
        .spikes
        .iter()
        .map(|&s| u64::from(s))
        .sum();
    assert!(spikes > 0, "{name}: the output layer never fires");
    q
}

fn fires(q: &spikeloom_qnet::QNet) -> Vec<QFire> {
    q.layers.iter().map(|l| l.fire).collect()
}

#[test]
fn norse_lifbox_quantizes_with_single_spikes() {
    let q = check("norse_lifbox", Convention::Norse);
    assert!(fires(&q).iter().all(|f| *f == QFire::Single));
    assert_eq!(q.input_bits, 1);
}

#[test]
fn sinabs_lif_quantizes_to_spike_counts() {
    let q = check("sinabs_lif", Convention::Sinabs);
    for f in fires(&q) {
        assert!(
            matches!(
                f,
                QFire::Count {
                    floor_at_minus_threshold: false,
                    ..
                }
            ),
            "{f:?}"
        );
    }
}

/// Sinabs `SingleSpike` layers (`--spike-mode single`) become 1-bit counts: fire when
/// `U >= theta`, subtract theta once.
#[test]
fn sinabs_single_quantizes_to_one_bit_counts() {
    let q = check_mode(
        "sinabs_single",
        (Convention::Sinabs, Some(SpikeMode::Single)),
    );
    for f in fires(&q) {
        assert_eq!(
            f,
            QFire::Count {
                spike_bits: 1,
                floor_at_minus_threshold: false
            }
        );
    }
    // A config asking for wider counts contradicts the mode.
    let dir = root().join("exporters").join("sinabs_single");
    let file = spikeloom_nir::read(dir.join("model.nir")).unwrap();
    let opts = SemanticsOptions {
        convention: Some(Convention::Sinabs),
        spike_mode: Some(SpikeMode::Single),
        ..Default::default()
    };
    let net = lower(&file.graph, &opts).unwrap();
    let cfg = QuantConfig::from_toml_str("[default]\nspike_bits = 3\n").unwrap();
    let err = quantize(&net, None, &cfg).unwrap_err().to_string();
    assert!(
        err.contains("spike_bits 3 with spike mode single: a single-spike layer fires at most one spike per step"),
        "{err}"
    );
}

#[test]
fn sinabs_iaf_quantizes_to_spike_counts_with_the_floor() {
    let q = check("sinabs_iaf", Convention::Sinabs);
    for f in fires(&q) {
        assert!(
            matches!(
                f,
                QFire::Count {
                    floor_at_minus_threshold: true,
                    ..
                }
            ),
            "{f:?}"
        );
    }
}

#[test]
fn rockpool_cubalif_quantizes_with_the_current_factor_folded() {
    let q = check("rockpool_lif", Convention::Rockpool);
    assert!(q
        .layers
        .iter()
        .all(|l| matches!(l.neuron, QNeuron::CubaLif { .. })
            && matches!(l.fire, QFire::Count { .. })));
}

#[test]
fn spike_bits_come_from_calibration_unless_configured() {
    let dir = root().join("exporters").join("sinabs_lif");
    let (_, auto, calib) =
        quantize_fixture(&dir, (Convention::Sinabs, None), &QuantConfig::default());
    // Largest float count per layer -> its bit width (independent of the quantizer).
    for (l, lr) in auto.layers.iter().enumerate() {
        let largest = calib.float.layers[l].spikes.iter().copied().max().unwrap();
        let bits = (8 - largest.leading_zeros()).max(1);
        assert_eq!(lr.spike_bits, Some(bits), "layer {}", lr.name);
        assert_eq!(lr.count_saturations, Some(0), "layer {}", lr.name);
    }
    // One spike per step at most: counts clamp, the report counts it.
    let cfg = QuantConfig::from_toml_str("[default]\nspike_bits = 1\n").unwrap();
    let (q, one, _) = quantize_fixture(&dir, (Convention::Sinabs, None), &cfg);
    assert!(q.layers.iter().all(|l| l.fire.event_bits() == 1));
    let clamped: u64 = one.layers.iter().filter_map(|l| l.count_saturations).sum();
    assert!(clamped > 0, "{one}");
    assert!(one.notes.iter().any(|n| n.contains("spike_bits")), "{one}");
}

#[test]
fn graded_input_sets_input_bits() {
    let dir = root().join("models").join("graded");
    let file = spikeloom_nir::read(dir.join("model.nir")).expect("model.nir");
    let opts = SemanticsOptions {
        reset: spikeloom_float::ResetMode::parse("subtract"),
        reset_delay: Some(true),
        ..Default::default()
    };
    let net = lower(&file.graph, &opts).unwrap();
    let x = input(&dir);
    let largest = *x.data().iter().max().unwrap();
    let calib = Calibration::simulate(&net, x, None).unwrap();
    let (q, report) = quantize(&net, Some(&calib), &QuantConfig::default()).unwrap();
    // 0..=16 needs 5 bits.
    assert_eq!(largest, 16);
    assert_eq!(q.input_bits, 5);
    let agreement = report.spike_agreement.unwrap();
    eprintln!("graded: spike agreement {agreement:.5}\n{report}");
    assert!(agreement >= MIN_AGREEMENT_DEFAULT, "{report}");
    // A configured width the data exceed is an error naming the value.
    let cfg = QuantConfig::from_toml_str("input_bits = 4\n").unwrap();
    let err = quantize(&net, Some(&calib), &cfg).unwrap_err().to_string();
    assert!(
        err.contains("input value 16") && err.contains("input_bits = 4"),
        "{err}"
    );
    // A wider configured width is kept.
    let cfg = QuantConfig::from_toml_str("input_bits = 8\n").unwrap();
    assert_eq!(quantize(&net, Some(&calib), &cfg).unwrap().0.input_bits, 8);
}

#[test]
fn spyx_models_are_refused_with_the_reason() {
    // Spyx emits the previous step's threshold crossing; the contract has no such rule, so the
    // quantizer must refuse rather than produce a network that spikes one step early.
    let dir = root().join("exporters").join("spyx_mlp");
    let file = spikeloom_nir::read(dir.join("model.nir")).expect("model.nir");
    let opts = SemanticsOptions {
        convention: Some(Convention::Spyx),
        ..Default::default()
    };
    let net = lower(&file.graph, &opts).expect("spyx lowers in float");
    let err = quantize(&net, None, &QuantConfig::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("spyx") && text.contains("H(V[t-1]"),
        "unexpected error: {text}"
    );
}

/// SpikingJelly (trained, LIF `decay_input` both ways, `v_reset` -0.2, IF read-out): binary
/// spikes, immediate reset, the output layer's argmax kept.
#[test]
fn spikingjelly_mlp_quantizes_with_single_spikes() {
    let q = check("spikingjelly_mlp", Convention::Spikingjelly);
    assert!(fires(&q).iter().all(|f| *f == QFire::Single));
    for layer in &q.layers {
        let QNeuron::Lif { reset_delay, .. } = &layer.neuron else {
            panic!("{}: not a LIF", layer.name)
        };
        assert!(!reset_delay, "{}", layer.name);
    }
}

/// SpikingJelly CUBALIFNode layers (trained): binary spikes, immediate reset.
#[test]
fn spikingjelly_cuba_quantizes_with_single_spikes() {
    let q = check("spikingjelly_cuba", Convention::Spikingjelly);
    assert!(fires(&q).iter().all(|f| *f == QFire::Single));
    assert!(q.layers.iter().all(|l| matches!(
        l.neuron,
        QNeuron::CubaLif {
            reset_delay: false,
            ..
        }
    )));
}

/// SpikingJelly fires at `v >= threshold`: a membrane exactly at the threshold spikes in the
/// float engine and, with the contract's strict `>` against `threshold - 1` LSB, in fixed point.
/// Under Norse (strict `>`) neither fires. One IF neuron fed weight = threshold = 0.5.
#[test]
fn spikingjelly_fires_at_the_threshold_in_fixed_point_too() {
    use spikeloom_nir::{FloatDtype, Graph, Node, Tensor};
    let t = |shape: &[usize], data: &[f64]| Tensor {
        shape: shape.to_vec(),
        data: data.to_vec(),
        dtype: FloatDtype::F32,
    };
    let graph = Graph {
        nodes: [
            ("input", Node::Input { shape: vec![1] }),
            (
                "fc",
                Node::Linear {
                    weight: t(&[1, 1], &[0.5]),
                },
            ),
            (
                "if",
                Node::If {
                    r: t(&[1], &[1e4]),
                    v_threshold: t(&[1], &[0.5]),
                    v_reset: t(&[1], &[0.0]),
                },
            ),
            ("output", Node::Output { shape: vec![1] }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        edges: [("input", "fc"), ("fc", "if"), ("if", "output")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        metadata: Default::default(),
    };
    let spikes = |convention: Convention, r: f64| {
        let mut g = graph.clone();
        if let Some(Node::If { r: rr, .. }) = g.nodes.get_mut("if") {
            rr.data = vec![r];
        }
        let opts = SemanticsOptions {
            convention: Some(convention),
            ..Default::default()
        };
        let net = lower(&g, &opts).unwrap();
        let input = SpikeSteps::graded(3, 1, 1, vec![1, 0, 1], 1).unwrap();
        let calib = Calibration::simulate(&net, input.clone(), None).unwrap();
        let float: Vec<u8> = calib.float.layers[0].spikes.clone();
        let (q, _) = quantize(&net, Some(&calib), &QuantConfig::default()).unwrap();
        let fixed: Vec<u8> = eval(&q, &input).unwrap().layers[0].spikes.clone();
        (float, fixed)
    };
    assert_eq!(
        spikes(Convention::Spikingjelly, 1e4),
        (vec![1, 0, 1], vec![1, 0, 1])
    );
    assert_eq!(
        spikes(Convention::Norse, 1.0),
        (vec![0, 0, 1], vec![0, 0, 1])
    );
}
