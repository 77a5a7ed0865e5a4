//! Property test: cycle model == integer contract (independent reference in tests/common and
//! spikeloom_qnet::eval) on random networks; cycles per step == Plan::step_cycles, each at most
//! Plan::max_step_cycles.

mod common;

use spikeloom_cyclesim::{simulate, simulate_on_chip};
use spikeloom_plan::{plan, testing, PlanConfig, StateMemChoice};

const STEPS: usize = 7;
const SAMPLES: usize = 2;

fn check_seed(seed: u64) {
    check_net(seed, &testing::random_qnet(seed), true);
}

/// The checks on `net`; `share`: `PlanConfig::share_units`. Returns the cycles of each step.
fn check_net(seed: u64, net: &spikeloom_qnet::QNet, share: bool) -> Vec<Vec<u64>> {
    check_net_in(seed, net, share, None)
}

/// As [`check_net`]; `state`: plan for an iCE40 as large with the UP5K's four SPRAMs and the
/// units' state there (`StateMemChoice::Spram`: stalling units, at least one) or in block RAM.
fn check_net_in(
    seed: u64,
    net: &spikeloom_qnet::QNet,
    share: bool,
    state: Option<StateMemChoice>,
) -> Vec<Vec<u64>> {
    let mut rng = testing::Rng::new(seed ^ 0xabcdef);
    let lanes = match seed % 5 {
        0 => None,
        k => Some(k as usize),
    };
    let mut device = testing::big_device();
    let mut cfg = PlanConfig {
        lanes,
        require_fit: false,
        share_units: share,
        ..PlanConfig::default()
    };
    if let Some(m) = state {
        device.family = spikeloom_board::Family::Ice40;
        device.spram_count = 4;
        cfg.state_memory = m;
    }
    let p = plan(net, &cfg, &device).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let stalls = p
        .engine
        .as_ref()
        .is_some_and(|e| e.units.iter().any(|u| u.state_spram));
    assert_eq!(
        stalls,
        state == Some(StateMemChoice::Spram),
        "seed {seed}: units' state in SPRAM\n{p}"
    );
    let (samples, input) = common::random_samples(&mut rng, STEPS, SAMPLES, net.input_size, 40);
    let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    common::assert_steps_within_max(&p, &tr, &format!("seed {seed}"));
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

/// Units whose state is in SPRAM (they issue no neuron while one is written back): the
/// contract holds, the cycle formula follows the stalls exactly, and no step is faster than
/// with the state in block RAM.
#[test]
fn units_with_state_in_spram_match_contract_and_the_cycle_formula() {
    let (mut slower, mut total) = (0, 0);
    for seed in 0..common::cases(60) {
        let net = if seed % 2 == 0 {
            testing::random_qnet(seed)
        } else {
            testing::random_shared_qnet(seed)
        };
        let stalled = check_net_in(seed, &net, true, Some(StateMemChoice::Spram));
        let bram = check_net_in(seed, &net, true, Some(StateMemChoice::Bram));
        for (s, b) in stalled.iter().flatten().zip(bram.iter().flatten()) {
            assert!(
                s >= b,
                "seed {seed}: {s} cycles with SPRAM state, {b} without"
            );
            slower += usize::from(s > b);
            total += 1;
        }
    }
    // the stalls show: most steps are slower
    assert!(2 * slower > total, "{slower} of {total} steps slower");
}

#[test]
fn cycle_model_matches_contract_on_random_nets() {
    let count = common::cases(400);
    for seed in 0..count {
        check_seed(seed);
    }
}

/// `Plan::max_step_cycles` bounds every step the cycle model runs (its own cycle count, not the
/// formula) on every kind of random network (dense, shared units, convolutions on their cores
/// or on units, poolings, delay lines, graded input and spike counts), at a random density and
/// with every input feature active in every step.
#[test]
fn max_step_cycles_bounds_every_step_on_random_nets() {
    let makers: [fn(u64) -> spikeloom_qnet::QNet; 6] = [
        testing::random_qnet,
        testing::random_shared_qnet,
        testing::random_conv_qnet,
        testing::random_pool_qnet,
        testing::random_delay_qnet,
        testing::random_format3_qnet,
    ];
    let mut closest = 0.0f64;
    // (at 200 seeds this finds steps the formula at the largest activity does not bound)
    for seed in 0..common::cases(200) {
        for (k, make) in makers.iter().enumerate() {
            let net = make(seed);
            let mut rng = testing::Rng::new(seed ^ 0x6d61_7873 ^ k as u64);
            let cfg = PlanConfig {
                lanes: [None, Some(1), Some(2), Some(3)][rng.below(4)],
                conv_units: Some(rng.chance(50)),
                require_fit: false,
                ..PlanConfig::default()
            };
            let p = plan(&net, &cfg, &testing::big_device())
                .unwrap_or_else(|e| panic!("seed {seed} net {k}: {e}"));
            let max = p.max_step_cycles();
            for density in [100, 1 + rng.below(99) as u64] {
                let (_, input) = common::random_value_samples(
                    &mut rng,
                    STEPS,
                    SAMPLES,
                    net.input_size,
                    density,
                    net.input_bits,
                );
                let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                let ctx = format!("seed {seed} net {k} density {density}\n{p}");
                common::assert_steps_within_max(&p, &tr, &ctx);
                let most = tr.cycles_per_step.iter().flatten().max().copied();
                closest = closest.max(most.unwrap_or(0) as f64 / max as f64);
            }
        }
    }
    eprintln!("longest step / max_step_cycles: {closest:.3}");
}
