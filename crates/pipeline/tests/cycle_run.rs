//! One cycle-model run gives both what verification compares with the golden model (the trace)
//! and what it compares with the RTL (the log): on random networks (dense, convolution, pooled,
//! delayed, graded), the trace equals `spikeloom_cyclesim::simulate`'s and the log equals a
//! fresh cycle model's run of the concatenated stimulus, as the RTL receives it.

use spikeloom_cyclesim::{simulate, stimulus_for, CycleSim};
use spikeloom_plan::{plan, testing, PlanConfig};
use spikeloom_qnet::{QNet, SpikeSteps};

const STEPS: usize = 5;
const SAMPLES: usize = 3;

fn check(net: &QNet, seed: u64) {
    let cfg = PlanConfig {
        lanes: Some(1 + (seed % 4) as usize),
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(net, &cfg, &testing::big_device()).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let mut rng = testing::Rng::new(seed ^ 0x5eed);
    let max = (1u64 << net.input_bits.clamp(1, 8)) - 1;
    let data: Vec<u8> = (0..STEPS * SAMPLES * net.input_size)
        .map(|_| {
            if rng.chance(30) {
                (1 + rng.next_u64() % max) as u8
            } else {
                0
            }
        })
        .collect();
    let input = SpikeSteps::graded(STEPS, SAMPLES, net.input_size, data, net.input_bits.max(1))
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let run = spikeloom_pipeline::verify::cycle_run(&p, &input)
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert_eq!(
        run.trace,
        simulate(&p, &input).unwrap(),
        "seed {seed}: trace"
    );
    let stim: Vec<_> = (0..SAMPLES).flat_map(|n| stimulus_for(&input, n)).collect();
    assert_eq!(run.stim, stim, "seed {seed}: stimulus");
    let fresh = CycleSim::new(&p).run_stimulus(&stim).unwrap();
    assert!(
        fresh.len() > SAMPLES * STEPS,
        "seed {seed}: a log with every step"
    );
    assert_eq!(run.log, fresh, "seed {seed}: log");
}

#[test]
fn one_run_gives_the_trace_and_the_log_of_the_whole_stimulus() {
    for seed in 0..12 {
        check(&testing::random_qnet(seed), seed);
        check(&testing::random_conv_qnet(seed), seed);
        check(&testing::random_pool_qnet(seed), seed);
        check(&testing::random_delay_qnet(seed), seed);
        check(&testing::random_format3_qnet(seed), seed);
    }
}
