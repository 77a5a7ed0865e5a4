//! build's golden == cycle-model check names the first difference (layer, neuron, step, sample,
//! what and both values), a spike before a membrane, and passes equal traces.

use spikeloom_pipeline::verify::golden_vs_cycle;
use spikeloom_plan::{plan, testing, PlanConfig};
use spikeloom_qnet::SpikeSteps;

#[test]
fn the_first_difference_is_named_with_both_values() {
    let net = testing::mlp_qnet(6, 5, 3, 7);
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &testing::big_device()).unwrap();
    let (steps, samples) = (4, 2);
    let mut rng = testing::Rng::new(11);
    let data = (0..steps * samples * net.input_size)
        .map(|_| u8::from(rng.chance(50)))
        .collect();
    let input = SpikeSteps::new(steps, samples, net.input_size, data).unwrap();
    let golden = spikeloom_qnet::eval(&net, &input).unwrap();
    let cycle = spikeloom_cyclesim::simulate(&p, &input).unwrap();
    let ok = golden_vs_cycle(&net, &golden, &cycle).unwrap();
    let values: usize = golden.layers.iter().map(|l| l.spikes.len()).sum();
    assert_eq!(
        ok,
        format!("{values} neuron-steps, spikes and membranes identical")
    );

    // the hidden layer (5 neurons), step 2, sample 1, neuron 1: row 2 * 2 + 1
    let (l, size) = (0, net.layers[0].size);
    assert_eq!(size, 5);
    let i = (2 * samples + 1) * size + 1;
    let mut bad = cycle.clone();
    bad.layers[l].membrane[i] += 3;
    bad.layers[l].membrane[i + 1] += 1;
    let name = &net.layers[l].name;
    let want = golden.layers[l].membrane[i];
    assert_eq!(
        golden_vs_cycle(&net, &golden, &bad)
            .unwrap_err()
            .to_string(),
        format!(
            "verification failed: the cycle model differs from the integer golden model at layer \
             `{name}` neuron 1 step 2 sample 1: membrane golden {want}, cycle model {}; this is \
             a spikeloom bug, please report it with the model",
            want + 3
        )
    );
    // a spike anywhere in the layer is named before a membrane
    bad.layers[l].spikes[i + 2] ^= 1;
    let s = golden.layers[l].spikes[i + 2];
    assert!(golden_vs_cycle(&net, &golden, &bad)
        .unwrap_err()
        .to_string()
        .contains(&format!(
            "`{name}` neuron 3 step 2 sample 1: spike golden {s}, cycle model {}",
            s ^ 1
        )),);
}
