//! The burst fast path changes nothing observable: logs (lines and cycle numbers) with bursts on
//! and off are identical on random networks and random stimuli, several samples per run.

use spikeloom_cyclesim::{CycleSim, StimCmd};
use spikeloom_plan::{plan, testing, PlanConfig};

fn stimulus(rng: &mut testing::Rng, input_size: usize) -> Vec<StimCmd> {
    let mut stim = Vec::new();
    for _ in 0..3 {
        stim.push(StimCmd::Reset);
        let density = rng.range(0, 100) as u64;
        for _ in 0..rng.range(1, 8) {
            for i in 0..input_size {
                if rng.chance(density) {
                    stim.push(StimCmd::Event(i as u32));
                }
            }
            // out-of-range and repeated indices exercise the dropped-push paths
            if rng.chance(20) {
                stim.push(StimCmd::Event(input_size as u32 + 1));
                stim.push(StimCmd::Event(0));
            }
            stim.push(StimCmd::Eos);
        }
    }
    stim
}

#[test]
fn bursts_do_not_change_the_log() {
    for seed in 0..400u64 {
        let net = testing::random_qnet(seed);
        let cfg = PlanConfig {
            lanes: [None, Some(1), Some(2), Some(3), Some(5)][seed as usize % 5],
            require_fit: false,
            ..PlanConfig::default()
        };
        let p = plan(&net, &cfg, &testing::big_device()).expect("plan");
        let stim = stimulus(&mut testing::Rng::new(seed ^ 0xb0057), net.input_size);
        let fast = CycleSim::new(&p).run_stimulus(&stim).expect("fast");
        let mut slow_sim = CycleSim::new(&p);
        slow_sim.set_bursts(false);
        let slow = slow_sim.run_stimulus(&stim).expect("slow");
        assert_eq!(fast, slow, "seed {seed}\n{p}");
    }
}
