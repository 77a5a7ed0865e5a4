//! Speed of the cycle model on the digits MLP (mlp_subtract, 8-bit weights, 16-bit state):
//! simulated cycles per second, with and without idle-cycle skipping, and the step cycle count.
//!
//! `cargo run --release -p spikeloom-cyclesim --example speed [-- repeats]`

#[path = "support/mlp.rs"]
mod mlp;

use spikeloom_cyclesim::simulate;
use spikeloom_plan::{plan, PlanConfig};
use std::time::Instant;

fn main() {
    let repeats: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let net = mlp::qnet("mlp_subtract", 8, 16);
    let input = mlp::input("mlp_subtract");
    let board = spikeloom_board::Board::builtin("icebreaker").expect("board");
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &board.device).expect("plan");
    for c in &p.cores {
        println!(
            "core {}: {} neurons, {} lanes x {} blocks, fan-in {}",
            c.name,
            c.size,
            c.lanes,
            c.blocks,
            c.fan_in()
        );
    }
    let mut best = f64::MAX;
    let mut cycles = 0u64;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let tr = simulate(&p, &input).expect("simulate");
        best = best.min(t0.elapsed().as_secs_f64());
        cycles = tr.cycles_per_step.iter().flatten().sum();
    }
    let steps = (input.steps() * input.samples()) as f64;
    println!(
        "{} samples x {} steps: {cycles} cycles ({:.0} cycles/step) in {:.4} s = {:.2} Mcycles/s",
        input.samples(),
        input.steps(),
        cycles as f64 / steps,
        best,
        cycles as f64 / best / 1e6
    );
}
