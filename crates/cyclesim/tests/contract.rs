//! Property test: cycle model == integer contract (independent reference in tests/common and
//! spikeloom_qnet::eval) on random networks; cycles per step == Plan::step_cycles.

mod common;

use spikeloom_cyclesim::{simulate, simulate_on_chip};
use spikeloom_plan::{plan, testing, PlanConfig};

const STEPS: usize = 7;
const SAMPLES: usize = 2;

fn check_seed(seed: u64) {
    check_net(seed, &testing::random_qnet(seed), true);
}

/// The checks on `net`; `share`: `PlanConfig::share_units`. Returns the cycles of each step.
fn check_net(seed: u64, net: &spikeloom_qnet::QNet, share: bool) -> Vec<Vec<u64>> {
    let mut rng = testing::Rng::new(seed ^ 0xabcdef);
    let lanes = match seed % 5 {
        0 => None,
        k => Some(k as usize),
    };
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        share_units: share,
        ..PlanConfig::default()
    };
    let p = plan(net, &cfg, &testing::big_device()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let (samples, input) = common::random_samples(&mut rng, STEPS, SAMPLES, net.input_size, 40);
    let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let golden =
        spikeloom_qnet::eval(net, &input).unwrap_or_else(|e| panic!("seed {seed}: eval: {e}"));
    for (n, sample) in samples.iter().enumerate() {
        let r = common::reference(net, sample);
        for (li, layer) in net.layers.iter().enumerate() {
            for t in 0..STEPS {
                let ctx = format!("seed {seed} sample {n} layer {li} step {t}\n{p}");
                let row = common::Row {
                    layer: li,
                    step: t,
                    at: (t * SAMPLES + n) * layer.size,
                    size: layer.size,
                    ctx: &ctx,
                };
                common::assert_row(&tr, &golden, Some(&r), &row);
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
            let act = common::activity(&p, sample, |li, t| &r.spikes[li][t][..], t, Vec::new());
            assert_eq!(
                tr.cycles_per_step[n][t],
                p.step_cycles(&act),
                "seed {seed} sample {n} step {t}: cycles"
            );
        }
    }
    // on chip (the host bridge's twin scanning each step into the core): the same output
    // stream, one step after the other
    let runs = simulate_on_chip(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    for (n, run) in runs.iter().enumerate() {
        let steps = run.outputs();
        assert_eq!(steps.len(), STEPS, "seed {seed} sample {n}: steps on chip");
        for (t, got) in steps.iter().enumerate() {
            assert_eq!(
                got,
                &tr.outputs[t * SAMPLES + n],
                "seed {seed} sample {n} step {t}: outputs on chip"
            );
        }
        assert_eq!(run.starts.len(), STEPS);
    }
    tr.cycles_per_step.clone()
}

/// Dense layers sharing one neuron unit: the contract holds, and every step takes exactly the
/// cycles it takes with a unit per layer (only one layer runs at a time).
#[test]
fn shared_units_match_contract_and_take_the_cycles_of_separate_units() {
    for seed in 0..common::cases(100) {
        let net = testing::random_shared_qnet(seed);
        let shared = check_net(seed, &net, true);
        let separate = check_net(seed, &net, false);
        assert_eq!(shared, separate, "seed {seed}: cycles per step");
    }
}

#[test]
fn cycle_model_matches_contract_on_random_nets() {
    let count = common::cases(400);
    for seed in 0..count {
        check_seed(seed);
    }
}
