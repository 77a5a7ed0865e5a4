//! The trained digits CNN fixture (tests/fixtures/models/cnn: Conv2d -> Leaky -> AvgPool2d ->
//! Flatten -> Linear -> Leaky, exported by snnTorch): quantized at the default 8-bit weights its
//! accuracy stays within one point of the float network's on the 128 held-out samples, and
//! the convolution stays a shared-kernel projection in the contract.

use std::path::{Path, PathBuf};

use spikeloom_float::{lower, ResetMode, SemanticsOptions};
use spikeloom_npy::read_npy;
use spikeloom_qnet::{eval, SpikeSteps};
use spikeloom_quant::{predict, quantize, Calibration, QuantConfig};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models/cnn")
}

fn load() -> (spikeloom_float::FloatNet, SpikeSteps, Vec<usize>) {
    let dir = fixture();
    let file = spikeloom_nir::read(dir.join("model.nir")).expect("cnn model.nir");
    let opts = SemanticsOptions {
        reset: ResetMode::parse("subtract"),
        reset_delay: Some(true),
        ..Default::default()
    };
    let net = lower(&file.graph, &opts).expect("lower cnn");
    let x = read_npy(&dir.join("accuracy_input.npy")).expect("accuracy_input.npy");
    let [t, n, f] = x.shape[..] else {
        panic!("accuracy_input.npy shape {:?}", x.shape)
    };
    let data: Vec<u8> = x.data.to_i64().unwrap().iter().map(|v| *v as u8).collect();
    let labels = read_npy(&dir.join("accuracy_labels.npy")).expect("accuracy_labels.npy");
    let labels = labels
        .data
        .to_i64()
        .unwrap()
        .iter()
        .map(|v| *v as usize)
        .collect();
    (net, SpikeSteps::new(t, n, f, data).unwrap(), labels)
}

#[test]
fn quantized_cnn_is_within_one_point_of_float() {
    let (net, input, labels) = load();
    let calib = Calibration::simulate(&net, input.clone(), Some(labels.clone())).unwrap();
    let (q, report) = quantize(&net, Some(&calib), &QuantConfig::default()).unwrap();

    let conv = q.layers[0].inputs[0]
        .conv
        .as_ref()
        .expect("conv projection kept");
    assert_eq!((conv.input, conv.output), ([1, 8, 8], [4, 8, 8]));
    assert_eq!(
        q.layers[0].inputs[0].weight.len(),
        4 * 9,
        "kernel stored once"
    );
    assert!(
        q.layers[1].inputs[0].conv.is_none(),
        "pool+flatten+linear is dense"
    );
    assert_eq!(q.layers[1].inputs[0].source_size, 256);

    // Accuracy recomputed here from the golden evaluator, independently of the report.
    let trace = eval(&q, &input).unwrap();
    let out = &trace.layers[q.output_layer];
    let (steps, samples) = (input.steps(), input.samples());
    let fixed = predict(steps, samples, 10, |i| f64::from(out.spikes[i]));
    let fl = &calib.float.layers[net.output_layer];
    let float = predict(steps, samples, 10, |i| f64::from(fl.spikes[i]));
    let acc =
        |p: &[usize]| p.iter().zip(&labels).filter(|(a, b)| a == b).count() as f64 / samples as f64;
    let (fa, qa) = (acc(&float), acc(&fixed));
    eprintln!("cnn: float accuracy {fa:.4}, fixed accuracy {qa:.4} on {samples} samples");
    assert!(fa > 0.8, "float accuracy {fa}");
    assert!(
        (fa - qa).abs() <= 0.01,
        "float {fa} vs fixed {qa}\n{report}"
    );
    assert_eq!(report.float_accuracy, Some(fa));
    assert_eq!(report.fixed_accuracy, Some(qa));
    assert_eq!(report.layers[0].state_saturations, Some(0), "{report}");
}
