//! Property test for NIR Delay in hardware (delay lines, `QProjection::source_delay`): cycle
//! model == `spikeloom_qnet::eval` (itself checked against an i128 reference with delays in
//! crates/qnet/tests/reference.rs) on random format-3 networks with per-source delays, every
//! layer and step, with and without the burst fast path; cycles per step == `Plan::step_cycles`
//! with the delay lines' event counts computed here from the evaluator's spikes, each at most
//! `Plan::max_step_cycles`.

mod common;

use spikeloom_cyclesim::{simulate, CycleSim};
use spikeloom_plan::{plan, testing, PlanConfig, QSource};

const STEPS: usize = 9;
const SAMPLES: usize = 2;

fn check_seed(seed: u64, lines_seen: &mut usize, nonuniform: &mut usize) {
    let net = testing::random_delay_qnet(seed);
    net.validate()
        .unwrap_or_else(|e| panic!("seed {seed}: generator made an invalid net: {e:?}"));
    let mut rng = testing::Rng::new(seed ^ 0x5eed_de1a);
    let lanes = match seed % 4 {
        0 => None,
        k => Some(k as usize),
    };
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &testing::big_device()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let lines: Vec<usize> = (0..p.buffers.len())
        .filter(|&b| p.buffers[b].delay.is_some())
        .collect();
    assert!(!lines.is_empty(), "seed {seed}: no delay line planned\n{p}");
    *lines_seen += lines.len();
    *nonuniform += lines
        .iter()
        .filter(|&&b| {
            p.buffers[b]
                .delay
                .as_ref()
                .is_some_and(|d| d.uniform().is_none())
        })
        .count();
    let (samples, input) =
        common::random_value_samples(&mut rng, STEPS, SAMPLES, net.input_size, 50, net.input_bits);
    let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    common::assert_steps_within_max(&p, &tr, &format!("seed {seed}"));
    let golden =
        spikeloom_qnet::eval(&net, &input).unwrap_or_else(|e| panic!("seed {seed}: eval: {e}"));
    for (li, layer) in net.layers.iter().enumerate() {
        let ctx = format!("seed {seed} layer {li}\n{p}");
        assert_eq!(
            tr.layers[li].spikes, golden.layers[li].spikes,
            "spikes, {ctx}"
        );
        assert_eq!(
            tr.layers[li].membrane, golden.layers[li].membrane,
            "membranes, {ctx}"
        );
        assert_eq!(tr.layers[li].spikes.len(), STEPS * SAMPLES * layer.size);
    }
    // bursts off: same log
    for n in 0..SAMPLES {
        let stim = spikeloom_cyclesim::stimulus_for(&input, n);
        let mut a = CycleSim::new(&p);
        let mut b = CycleSim::new(&p);
        b.set_bursts(false);
        assert_eq!(
            a.run_stimulus(&stim).unwrap(),
            b.run_stimulus(&stim).unwrap(),
            "seed {seed} sample {n}: bursts change the log"
        );
    }
    // cycles per step
    for (n, sample) in samples.iter().enumerate() {
        let spikes = |li: usize, t: usize| {
            let size = net.layers[li].size;
            &golden.layers[li].spikes[(t * SAMPLES + n) * size..][..size]
        };
        let source = |src: QSource, t: usize| -> Vec<u8> {
            match src {
                QSource::Input => sample[t].clone(),
                QSource::Layer(s) => spikes(s, t).to_vec(),
            }
        };
        for t in 0..STEPS {
            let mut line_events = vec![0; p.buffers.len()];
            for &b in &lines {
                let buf = &p.buffers[b];
                let d = buf.delay.as_ref().unwrap();
                line_events[b] = d
                    .delays
                    .iter()
                    .enumerate()
                    .filter(|&(i, &di)| {
                        (di as usize) <= t && source(buf.source, t - di as usize)[i] != 0
                    })
                    .count();
            }
            let act = common::activity(&p, sample, spikes, t, line_events);
            assert_eq!(
                tr.cycles_per_step[n][t],
                p.step_cycles(&act),
                "seed {seed} sample {n} step {t}: cycles"
            );
        }
    }
}

#[test]
fn delay_lines_match_the_contract() {
    let count = common::cases(200);
    let (mut lines, mut nonuniform) = (0, 0);
    for seed in 0..count {
        check_seed(seed, &mut lines, &mut nonuniform);
    }
    if count >= 50 {
        assert!(
            nonuniform > count as usize / 4,
            "non-uniform delay lines: {nonuniform}"
        );
        assert!(
            lines > nonuniform,
            "uniform delay lines: {}",
            lines - nonuniform
        );
    }
}
