//! The precision search on a trained fixture (snnTorch mlp_subtract, its 64 labelled samples):
//! the chosen network keeps the accuracy within the drop (measured here with the golden
//! evaluator and an argmax written in this test), every move saved memory, no single further
//! one-bit move stays within the bound (the greedy stop), and the written config reproduces
//! the network.

use std::path::{Path, PathBuf};

use spikeloom_float::{lower, SemanticsOptions};
use spikeloom_npy::read_npy;
use spikeloom_qnet::{eval, QNet, SpikeSteps};
use spikeloom_quant::{quantize, search, Calibration, QuantConfig, Width};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models/mlp_subtract")
}

fn setup() -> (spikeloom_float::FloatNet, Calibration, Vec<usize>) {
    let dir = fixture();
    let file = spikeloom_nir::read(dir.join("model.nir")).unwrap();
    let net = lower(&file.graph, &SemanticsOptions::default()).unwrap();
    let x = read_npy(&dir.join("input.npy")).unwrap();
    let [t, n, f] = x.shape[..] else { panic!() };
    let data: Vec<u8> = x.data.to_i64().unwrap().iter().map(|&v| v as u8).collect();
    let input = SpikeSteps::new(t, n, f, data).unwrap();
    let labels: Vec<usize> = read_npy(&dir.join("labels.npy"))
        .unwrap()
        .data
        .to_i64()
        .unwrap()
        .iter()
        .map(|&v| v as usize)
        .collect();
    let calib = Calibration::simulate(&net, input, Some(labels.clone())).unwrap();
    (net, calib, labels)
}

/// Accuracy of `q` on the calibration input: output spike counts summed over time, argmax
/// (lowest index on ties).
fn accuracy(q: &QNet, input: &SpikeSteps, labels: &[usize]) -> f64 {
    let trace = eval(q, input).unwrap();
    let out = &trace.layers[q.output_layer];
    let (t, n) = (input.steps(), input.samples());
    let size = q.layers[q.output_layer].size;
    let mut hits = 0;
    for (s, &label) in labels.iter().enumerate() {
        let counts: Vec<u32> = (0..size)
            .map(|i| {
                (0..t)
                    .map(|k| u32::from(out.spikes[(k * n + s) * size + i]))
                    .sum()
            })
            .collect();
        let best = (0..size).fold(0, |b, i| if counts[i] > counts[b] { i } else { b });
        hits += usize::from(best == label);
    }
    hits as f64 / labels.len() as f64
}

#[test]
fn the_search_keeps_accuracy_within_the_drop_and_stops_where_no_move_does() {
    let (net, calib, labels) = setup();
    let drop = 0.02;
    let found = search(&net, &calib, &QuantConfig::default(), drop).unwrap();
    let float = found.float_accuracy;
    let acc = accuracy(&found.qnet, &calib.input, &labels);
    eprintln!(
        "float {float:.4}, chosen {acc:.4}, memory {} -> {} bits in {} moves, {} quantizations",
        found.start.0,
        spikeloom_quant::memory_bits(&found.qnet),
        found.path.len(),
        found.evaluations
    );
    assert!(acc >= float - drop - 1e-9, "{acc} < {float} - {drop}");
    assert_eq!(Some(acc), found.report.fixed_accuracy);
    // Every move saved memory, and the path ends at the chosen network's memory.
    let mut memory = found.start.0;
    for s in &found.path {
        assert!(s.memory_bits < memory, "{s:?}");
        assert_eq!(s.to + 1, s.from);
        memory = s.memory_bits;
    }
    assert_eq!(memory, spikeloom_quant::memory_bits(&found.qnet));
    assert!(
        found.path.len() > 5,
        "the 8/16-bit start has room to shrink"
    );
    // The greedy stop: no further one-bit move keeps the bound (or it cannot be quantized).
    for layer in &net.layers {
        for width in [Width::Weight, Width::State] {
            let mut cfg = found.config.clone();
            let p = cfg.layer.get_mut(&layer.name).unwrap();
            let (w, s) = (p.weight_bits.unwrap(), p.state_bits.unwrap());
            match width {
                Width::Weight if w > 2 => p.weight_bits = Some(w - 1),
                Width::State if s > w.max(4) => p.state_bits = Some(s - 1),
                _ => continue,
            }
            if let Ok((q, _)) = quantize(&net, Some(&calib), &cfg) {
                let a = accuracy(&q, &calib.input, &labels);
                assert!(a < float - drop, "{} {width:?} -1 keeps {a}", layer.name);
            }
        }
    }
    // The written config reproduces the network.
    let text = found.config.to_toml_string().unwrap();
    let back = QuantConfig::from_toml_str(&text).unwrap();
    let (q, _) = quantize(&net, Some(&calib), &back).unwrap();
    assert_eq!(q, found.qnet);
}

#[test]
fn the_search_needs_labels_and_a_start_within_the_bound() {
    let (net, calib, _) = setup();
    let unlabelled =
        Calibration::new(&net, calib.input.clone(), calib.float.clone(), None).unwrap();
    let err = search(&net, &unlabelled, &QuantConfig::default(), 0.01)
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs labels"), "{err}");
    let narrow =
        QuantConfig::from_toml_str("[default]\nweight_bits = 2\nstate_bits = 4\n").unwrap();
    let err = search(&net, &calib, &narrow, 0.0).unwrap_err().to_string();
    assert!(
        err.contains("the starting widths already lose") && err.contains("start wider"),
        "{err}"
    );
}
