//! NIR `Threshold` (z = x > threshold, no state) through the chain: the float engine gives
//! exactly `W x + b > threshold` each step, and fixed == cycle model on it.

use spikeloom_float::SemanticsOptions;
use spikeloom_nir::{FloatDtype, Graph, Node, Tensor};
use spikeloom_plan::PlanConfig;
use spikeloom_qnet::SpikeSteps;
use spikeloom_quant::{Calibration, QuantConfig};

fn t(shape: &[usize], data: &[f64]) -> Tensor {
    Tensor {
        shape: shape.to_vec(),
        data: data.to_vec(),
        dtype: FloatDtype::F32,
    }
}

fn graph() -> (Graph, Vec<f64>, Vec<f64>, Vec<f64>) {
    let w = vec![0.5, -0.25, 0.75, 0.125, 0.5, -0.5, 1.0, 0.25, 0.25];
    let b = vec![0.0, 0.125, -0.25];
    let thr = vec![0.5, 0.25, 0.75];
    let mut g = Graph::default();
    g.nodes
        .insert("input".into(), Node::Input { shape: vec![3] });
    g.nodes.insert(
        "fc".into(),
        Node::Affine {
            weight: t(&[3, 3], &w),
            bias: t(&[3], &b),
        },
    );
    g.nodes.insert(
        "thr".into(),
        Node::Threshold {
            threshold: t(&[3], &thr),
        },
    );
    g.nodes
        .insert("output".into(), Node::Output { shape: vec![3] });
    for (a, z) in [("input", "fc"), ("fc", "thr"), ("thr", "output")] {
        g.edges.push((a.into(), z.into()));
    }
    (g, w, b, thr)
}

#[test]
fn threshold_is_stateless_compare_and_runs_on_the_hardware_model() {
    let (g, w, b, thr) = graph();
    let net = spikeloom_float::lower(&g, &SemanticsOptions::default()).expect("lowers");
    let steps = 40;
    // Every 3-bit input pattern, repeated: the stateless compare must hold at every step.
    let data: Vec<u8> = (0..steps)
        .flat_map(|s| (0..3).map(move |i| ((s >> i) & 1) as u8))
        .collect();
    let input = SpikeSteps::graded(steps, 1, 3, data.clone(), 8).expect("input");
    let tr = spikeloom_float::simulate(&net, &input).expect("simulate");
    for s in 0..steps {
        for o in 0..3 {
            let x: f64 = (0..3)
                .map(|i| w[o * 3 + i] * f64::from(data[s * 3 + i]))
                .sum::<f64>()
                + b[o];
            assert_eq!(
                tr.layers[0].spikes[s * 3 + o],
                u8::from(x > thr[o]),
                "step {s} neuron {o}"
            );
        }
    }
    let qin = SpikeSteps::new(steps, 1, 3, data).expect("steps");
    let calib = Calibration::new(&net, qin.clone(), tr, None).expect("calib");
    // (Float vs fixed may differ where W x + b equals the threshold exactly: quantization moves
    // ties. That is reported by `quantize`, not required here.)
    let (q, _) = spikeloom_quant::quantize(&net, Some(&calib), &QuantConfig::default()).expect("q");
    let golden = spikeloom_qnet::eval(&q, &qin).expect("eval");
    let device = spikeloom_board::Board::builtin("icebreaker")
        .expect("board")
        .device;
    let plan = spikeloom_plan::plan(&q, &PlanConfig::default(), &device).expect("plan");
    let cyc = spikeloom_cyclesim::simulate(&plan, &qin).expect("cycle model");
    assert_eq!(cyc.layers[0].spikes, golden.layers[0].spikes);
    assert_eq!(cyc.layers[0].membrane, golden.layers[0].membrane);
}
