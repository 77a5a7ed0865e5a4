//! Start-up weight load of an MNIST-shaped MLP (784 -> 128 -> 10 LIF, 8-bit weights: 101,632
//! weights) in the iCEBreaker's SPRAM: image size, and the cycles of the load from the SPI flash
//! as the cycle model runs it (the loader and flash twins, equal to sl_wload.v and the flash
//! model in co-simulation), against `LoaderPlan::flash_load_cycles`, and the time at 12 MHz.
//!
//! `cargo run --release -p spikeloom-cyclesim --example load_cycles`

use spikeloom_cyclesim::{CycleSim, LogLine, StimCmd};
use spikeloom_plan::testing::mlp_qnet;
use spikeloom_plan::{plan, PlanConfig, WeightMemChoice};
use std::time::Instant;

fn main() {
    let net = mlp_qnet(784, 128, 10, 7);
    let board = spikeloom_board::Board::builtin("icebreaker").expect("board");
    for lanes in [1, 2, 4, 8] {
        let cfg = PlanConfig {
            lanes: Some(lanes),
            require_fit: false,
            weight_memory: WeightMemChoice::Spram,
            ..PlanConfig::default()
        };
        let Ok(p) = plan(&net, &cfg, &board.device) else {
            println!("{lanes} lanes: no plan");
            continue;
        };
        let Some(l) = p.loader else {
            println!("{lanes} lanes: no loader");
            continue;
        };
        let t0 = Instant::now();
        let log = CycleSim::new(&p)
            .run_stimulus(&[StimCmd::PowerOn])
            .expect("load");
        let took = t0.elapsed().as_secs_f64();
        let Some(LogLine::Load { cycle, state }) = log.first().copied() else {
            panic!("no load line: {log:?}");
        };
        println!(
            "{lanes} lanes: store {} words x {} bits, image {} bytes ({} granules); load {} cycles (state {}, planned {}) = {:.1} ms at {} MHz; cycle model {:.2} s ({:.1} M cycles/s)",
            p.weight_store.depth,
            p.weight_store.word_bits,
            l.image_bytes(),
            l.granules,
            cycle,
            state,
            l.flash_load_cycles(),
            cycle as f64 / (l.clock_hz as f64 / 1e3),
            l.clock_hz / 1_000_000,
            took,
            cycle as f64 / took / 1e6
        );
        assert_eq!(cycle, l.flash_load_cycles());
    }
}
