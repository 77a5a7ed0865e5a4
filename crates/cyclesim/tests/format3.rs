//! Property test for the format-3 hardware features: graded input values, spike-count layers
//! (`QFire::Count`) and CubaLi read-outs. Cycle model == independent reference (tests/common)
//! == `spikeloom_qnet::eval` on random networks (dense and convolution), every layer and step;
//! the output stream carries the counts' neurons; cycles per step == `Plan::step_cycles`.

mod common;

use spikeloom_cyclesim::{simulate, CycleSim, LogLine};
use spikeloom_plan::{plan, testing, NeuronKind, PlanConfig};
use spikeloom_qnet::QFire;

const STEPS: usize = 6;
const SAMPLES: usize = 2;

/// What the seeds exercised, so the test fails if the generator stops producing a feature.
#[derive(Default)]
struct Seen {
    graded: usize,
    counts_above_one: usize,
    cubali: usize,
    conv_graded: usize,
    /// Units holding a layer whose count is narrower than the unit's.
    mixed_units: usize,
}

fn check_seed(seed: u64, seen: &mut Seen) {
    let net = testing::random_format3_qnet(seed);
    let lanes = match seed % 5 {
        0 => None,
        k => Some(k as usize),
    };
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    check_net(seed, &net, &cfg, seen);
}

/// Cycle model == reference == contract on `net` planned with `cfg`, every layer, step and
/// output event; cycles per step == the formula.
fn check_net(seed: u64, net: &spikeloom_qnet::QNet, cfg: &PlanConfig, seen: &mut Seen) {
    net.validate()
        .unwrap_or_else(|e| panic!("seed {seed}: generator made an invalid net: {e:?}"));
    let mut rng = testing::Rng::new(seed ^ 0x3f3f);
    let p = plan(net, cfg, &testing::big_device()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    seen.mixed_units += p
        .engine
        .iter()
        .flat_map(|e| &e.units)
        .filter(|u| {
            u.layers
                .iter()
                .any(|&l| p.cores[l].count_bits() != u.count_bits(&p.cores))
        })
        .count();
    let (samples, input) =
        common::random_value_samples(&mut rng, STEPS, SAMPLES, net.input_size, 45, net.input_bits);
    let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let golden =
        spikeloom_qnet::eval(net, &input).unwrap_or_else(|e| panic!("seed {seed}: eval: {e}"));
    seen.graded += usize::from(net.input_bits > 1);
    seen.conv_graded += usize::from(net.input_bits > 1 && p.cores.iter().any(|c| c.conv.is_some()));
    seen.cubali += p
        .cores
        .iter()
        .filter(|c| c.kind == NeuronKind::CubaLi)
        .count();
    for (n, sample) in samples.iter().enumerate() {
        let r = common::reference(&common::densified(net), sample);
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
                if !layer.fire.is_single() {
                    seen.counts_above_one += r.spikes[li][t].iter().filter(|&&s| s > 1).count();
                }
            }
        }
        let ol = net.output_layer;
        for t in 0..STEPS {
            let want: Vec<u32> = r.spikes[ol][t]
                .iter()
                .enumerate()
                .filter(|(_, &s)| s != 0)
                .map(|(i, _)| i as u32)
                .collect();
            // a convolution output layer pushes in its address order (channel chunks), not
            // in neuron order
            let mut got = tr.outputs[t * SAMPLES + n].clone();
            got.sort_unstable();
            assert_eq!(got, want, "seed {seed} output stream step {t}");
        }
        for t in 0..STEPS {
            let act = common::activity(&p, sample, |li, t| &r.spikes[li][t][..], t, Vec::new());
            assert_eq!(
                tr.cycles_per_step[n][t],
                p.step_cycles(&act),
                "seed {seed} sample {n} step {t}: cycles"
            );
        }
    }
}

#[test]
fn graded_input_counts_and_cubali_match_the_contract() {
    let count = common::cases(300);
    let mut seen = Seen::default();
    for seed in 0..count {
        check_seed(seed, &mut seen);
    }
    if count >= 100 {
        assert!(
            seen.graded > count as usize / 2,
            "graded nets: {}",
            seen.graded
        );
        assert!(
            seen.conv_graded > 5,
            "graded conv nets: {}",
            seen.conv_graded
        );
        assert!(seen.cubali > 5, "CubaLi layers: {}", seen.cubali);
        assert!(
            seen.counts_above_one > 100,
            "spike counts above 1: {}",
            seen.counts_above_one
        );
    }
}

/// Layers of spike counts of different widths (1..=3 bits) on one shared unit: dense layers
/// (`random_shared_qnet`) and convolution layers joining them (`PlanConfig::conv_units`), with
/// the same contract checks; the unit divides at its widest count and caps each layer at its
/// own maximum (sl_neuron `n_max`).
#[test]
fn mixed_count_widths_on_shared_units_match_the_contract() {
    let count = common::cases(150);
    let mut seen = Seen::default();
    for seed in 0..count {
        let lanes = Some(1 + (seed % 3) as usize);
        for (k, net) in [
            testing::random_shared_qnet(seed),
            testing::random_conv_qnet(seed),
            testing::random_pool_qnet(seed),
        ]
        .into_iter()
        .enumerate()
        {
            let net = testing::uniform_counts(net, seed * 3 + k as u64);
            let cfg = PlanConfig {
                lanes,
                require_fit: false,
                conv_units: Some(true),
                ..PlanConfig::default()
            };
            check_net(seed, &net, &cfg, &mut seen);
        }
    }
    eprintln!(
        "{} units with narrower count layers, {} counts above 1",
        seen.mixed_units, seen.counts_above_one
    );
    if count >= 100 {
        assert!(
            seen.mixed_units > count as usize / 2,
            "mixed units: {}",
            seen.mixed_units
        );
        assert!(
            seen.counts_above_one > 100,
            "counts above 1: {}",
            seen.counts_above_one
        );
    }
}

/// The output stream of a count layer carries each neuron's count (`O cycle index value`), and
/// a graded network's stimulus beats carry their values (`E index value`).
#[test]
fn output_events_carry_counts() {
    let mut checked = 0;
    for seed in 0..200u64 {
        let net = testing::random_format3_qnet(seed);
        let ol = &net.layers[net.output_layer];
        if ol.fire.is_single() {
            continue;
        }
        let p = plan(&net, &PlanConfig::default(), &testing::big_device()).expect("plan");
        let mut rng = testing::Rng::new(seed);
        let (_, input) =
            common::random_value_samples(&mut rng, STEPS, 1, net.input_size, 60, net.input_bits);
        let golden = spikeloom_qnet::eval(&net, &input).expect("eval");
        let stim = spikeloom_cyclesim::stimulus_for(&input, 0);
        if net.input_bits > 1 {
            assert!(stim
                .iter()
                .all(|c| !matches!(c, spikeloom_cyclesim::StimCmd::Event(_))));
        }
        let log = CycleSim::new(&p).run_stimulus(&stim).expect("run");
        let mut t = 0;
        let mut got = vec![0u8; ol.size];
        for line in &log {
            match *line {
                LogLine::Out { index, value, .. } => got[index as usize] = value as u8,
                LogLine::OutEos { .. } => {
                    let g = &golden.layers[net.output_layer];
                    assert_eq!(
                        got,
                        &g.spikes[t * ol.size..(t + 1) * ol.size],
                        "seed {seed} step {t}"
                    );
                    got.fill(0);
                    t += 1;
                }
                _ => {}
            }
        }
        assert_eq!(t, STEPS);
        assert!(matches!(ol.fire, QFire::Count { .. }));
        checked += 1;
    }
    assert!(
        checked > 10,
        "only {checked} nets with a count output layer"
    );
}
