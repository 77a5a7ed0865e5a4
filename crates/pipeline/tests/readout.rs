//! One read-out rule in every engine and report. A network whose output layer is a non-spiking
//! integrator (Li, CubaLi) names its class by the membrane summed over time: `simulate`'s fixed
//! and cycle engines, `verify`'s accuracy line, the HTML report's cycle accuracy and the board
//! session must all say so. Before this test, the CLI counted the (absent) output spikes and the
//! report read CubaLi spikes, so both put every sample in class 0.

use spikeloom_pipeline::board::board_accuracy;
use spikeloom_pipeline::engines::{run_cycle, run_fixed};
use spikeloom_pipeline::verify::trace_accuracy;
use spikeloom_plan::{plan, testing, PlanConfig};
use spikeloom_qnet::{QNet, QNeuron, SpikeSteps};
use spikeloom_quant::Readout;

fn with_readout(cuba: bool) -> QNet {
    let mut net = testing::mlp_qnet(12, 8, 4, 5);
    let out = &mut net.layers[1];
    let beta = vec![3686; out.size];
    // no bias, so the input (not a constant drift) decides the class
    out.bias = vec![0; out.size];
    out.neuron = if cuba {
        QNeuron::CubaLi {
            alpha: vec![2048; out.size],
            beta,
            current_bits: 16,
        }
    } else {
        QNeuron::Li { beta }
    };
    net.validate().expect("a valid read-out network");
    net
}

/// Independent read-out: the class whose membrane, summed over the steps in i64, is largest
/// (first on ties), from the golden trace's raw values.
fn membrane_argmax(trace: &spikeloom_qnet::QTrace, layer: usize) -> Vec<i64> {
    let l = &trace.layers[layer];
    (0..trace.samples)
        .map(|s| {
            let sums: Vec<i64> = (0..l.size)
                .map(|k| {
                    (0..trace.steps)
                        .map(|t| i64::from(l.membrane[(t * trace.samples + s) * l.size + k]))
                        .sum()
                })
                .collect();
            let mut best = 0;
            for (k, &v) in sums.iter().enumerate() {
                if v > sums[best] {
                    best = k;
                }
            }
            best as i64
        })
        .collect()
}

fn check(cuba: bool) {
    let net = with_readout(cuba);
    assert_eq!(Readout::of_qnet(&net), Readout::MembraneSum);
    let (t, n, f) = (8, 12, net.input_size);
    let mut rng = testing::Rng::new(3);
    let data: Vec<u8> = (0..t * n * f).map(|_| u8::from(rng.chance(40))).collect();
    let steps = SpikeSteps::new(t, n, f, data).unwrap();
    let spikes = steps.clone();
    let golden = spikeloom_qnet::eval(&net, &steps).unwrap();
    let labels = membrane_argmax(&golden, net.output_layer);
    // the precondition that makes the test able to fail: the read-out layer never spikes, and
    // its classes are not all class 0 (what a spike-count argmax of no spikes says)
    assert!(golden.layers[1].spikes.iter().all(|&s| s == 0));
    assert!(
        labels.iter().filter(|&&l| l != 0).count() >= 3,
        "labels {labels:?}"
    );

    let fixed = run_fixed(&net, &spikes).unwrap();
    assert_eq!(fixed.accuracy(&labels), 1.0, "fixed engine");
    let counted = spikeloom_quant::accuracy(
        &Readout::SpikeCount.predict(t, n, 4, |i| f64::from(fixed.spikes[i]), |_| 0.0),
        &labels,
    );
    assert!(counted < 1.0, "a spike-count read-out must get this wrong");

    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &testing::big_device()).unwrap();
    let cycle = run_cycle(&p, &spikes, 1.0).unwrap();
    assert_eq!(cycle.accuracy(&labels), 1.0, "cycle engine");

    assert_eq!(trace_accuracy(&net, None, &golden, &labels), (None, 1.0));

    let trace = spikeloom_cyclesim::simulate(&p, &steps).unwrap();
    let as_usize: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    assert_eq!(
        spikeloom_report::cycle_accuracy(&net, &trace, &as_usize),
        1.0,
        "report"
    );

    // the board returns spikes only: no accuracy rather than a wrong one
    assert_eq!(board_accuracy(&net, &fixed.counts(), &labels), None);
}

#[test]
fn li_read_out_is_the_membrane_sum_everywhere() {
    check(false);
}

#[test]
fn cubali_read_out_is_the_membrane_sum_everywhere() {
    check(true);
}

#[test]
fn spiking_output_is_read_by_spike_count_on_the_board_too() {
    let net = testing::mlp_qnet(12, 8, 4, 5);
    // sample 0 fires most on neuron 2, sample 1 on neuron 0 (tie with 3: lowest wins)
    let counts = vec![vec![1, 0, 5, 2], vec![4, 1, 0, 4]];
    assert_eq!(board_accuracy(&net, &counts, &[2, 0]), Some(1.0));
    assert_eq!(board_accuracy(&net, &counts, &[2, 3]), Some(0.5));
}
