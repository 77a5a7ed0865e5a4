//! `verify::synaptic_ops` counts weight accumulations: one per (event, target) pair, whatever
//! the event's value (a graded value or a spike count is one multiply-accumulate per synapse),
//! so synaptic ops per cycle can be held against the weights the chip's memories deliver.

use spikeloom_pipeline::verify::synaptic_ops;
use spikeloom_plan::{testing, PlanConfig};
use spikeloom_qnet::SpikeSteps;

#[test]
fn graded_events_count_one_accumulation_per_synapse() {
    let (inputs, hidden, outputs) = (20, 12, 5);
    let mut net = testing::mlp_qnet(inputs, hidden, outputs, 7);
    net.input_bits = 4;
    let (t, n) = (6, 3);
    let mut rng = spikeloom_testkit::Rng::new(11);
    // graded values 0..=15, about half of them zero
    let data: Vec<u8> = (0..t * n * inputs)
        .map(|_| {
            if rng.chance(50) {
                rng.below(16) as u8
            } else {
                0
            }
        })
        .collect();
    let input = SpikeSteps::graded(t, n, inputs, data, 4).unwrap();
    assert!(
        input.data().iter().any(|&v| v > 1),
        "the precondition: values above 1"
    );
    let plan = spikeloom_plan::plan(&net, &PlanConfig::default(), &testing::big_device()).unwrap();
    let cycle = spikeloom_cyclesim::simulate(&plan, &input).unwrap();
    let golden = spikeloom_qnet::eval(&net, &input).unwrap();
    let ops = synaptic_ops(&plan, &input, &cycle);
    for (s, per_step) in ops.iter().enumerate() {
        for (step, &got) in per_step.iter().enumerate() {
            // every non-zero input reaches every hidden neuron, every hidden spike every output
            let events = input.row(step, s).iter().filter(|&&v| v > 0).count();
            let at = (step * n + s) * hidden;
            let spikes = golden.layers[0].spikes[at..at + hidden]
                .iter()
                .filter(|&&v| v > 0)
                .count();
            let want = (events * hidden + spikes * outputs) as u64;
            assert_eq!(got, want, "sample {s}, step {step}");
        }
    }
}
