//! Property test: cycle model == integer contract (independent reference in tests/common and
//! spikeloom_qnet::eval) on random networks; cycles per step == Plan::step_cycles.

mod common;

use spikeloom_cyclesim::simulate;
use spikeloom_plan::{plan, testing, PlanConfig, StepActivity};

const STEPS: usize = 7;
const SAMPLES: usize = 2;

fn check_seed(seed: u64) {
    let net = testing::random_qnet(seed);
    let mut rng = testing::Rng::new(seed ^ 0xabcdef);
    let lanes = match seed % 5 {
        0 => None,
        k => Some(k as usize),
    };
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &testing::big_device()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let (samples, input) = common::random_samples(&mut rng, STEPS, SAMPLES, net.input_size, 40);
    let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let golden =
        spikeloom_qnet::eval(&net, &input).unwrap_or_else(|e| panic!("seed {seed}: eval: {e}"));
    for (n, sample) in samples.iter().enumerate() {
        let r = common::reference(&net, sample);
        for (li, layer) in net.layers.iter().enumerate() {
            for t in 0..STEPS {
                let at = (t * SAMPLES + n) * layer.size;
                let ctx = format!("seed {seed} sample {n} layer {li} step {t}\n{p}");
                let mem: Vec<i64> = tr.membranes[li][at..at + layer.size]
                    .iter()
                    .map(|&v| i64::from(v))
                    .collect();
                assert_eq!(mem, r.membranes[li][t], "membrane vs reference, {ctx}");
                assert_eq!(
                    &tr.spikes[li][at..at + layer.size],
                    &r.spikes[li][t][..],
                    "spikes vs reference, {ctx}"
                );
                let g = &golden.layers[li];
                assert_eq!(
                    &tr.spikes[li][at..at + layer.size],
                    &g.spikes[at..at + layer.size],
                    "spikes vs qnet::eval, {ctx}"
                );
                assert_eq!(
                    &tr.membranes[li][at..at + layer.size],
                    &g.membrane[at..at + layer.size],
                    "membrane vs qnet::eval, {ctx}"
                );
            }
        }
        // output stream == output layer spikes (ascending)
        let ol = net.output_layer;
        for t in 0..STEPS {
            let want: Vec<u32> = r.spikes[ol][t]
                .iter()
                .enumerate()
                .filter(|(_, &s)| s == 1)
                .map(|(i, _)| i as u32)
                .collect();
            assert_eq!(
                tr.outputs[t * SAMPLES + n],
                want,
                "seed {seed} output stream step {t}"
            );
        }
        // cycle formula
        for t in 0..STEPS {
            let act = StepActivity {
                input_events: sample[t].iter().filter(|&&s| s == 1).count(),
                prev_input_events: if t == 0 {
                    0
                } else {
                    sample[t - 1].iter().filter(|&&s| s == 1).count()
                },
                block_spikes: p
                    .cores
                    .iter()
                    .enumerate()
                    .map(|(li, c)| {
                        r.spikes[li][t]
                            .chunks(c.lanes)
                            .map(|b| b.iter().filter(|&&s| s == 1).count())
                            .collect()
                    })
                    .collect(),
                prev_spikes: (0..net.layers.len())
                    .map(|li| {
                        if t == 0 {
                            0
                        } else {
                            r.spikes[li][t - 1].iter().filter(|&&s| s == 1).count()
                        }
                    })
                    .collect(),
                line_events: Vec::new(),
            };
            assert_eq!(
                tr.cycles_per_step[n][t],
                p.step_cycles(&act),
                "seed {seed} sample {n} step {t}: cycles"
            );
        }
    }
}

#[test]
fn cycle_model_matches_contract_on_random_nets() {
    let count: u64 = std::env::var("SPIKELOOM_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    for seed in 0..count {
        check_seed(seed);
    }
}
