//! Writes the generated design of the digits MLP (mlp_subtract, 8-bit weights, 16-bit state,
//! planned for a board) plus its whole-input stimulus (sim/README.md format) and the cycle
//! model's log, for synthesis and RTL speed comparisons.
//!
//! `cargo run --release -p spikeloom-cyclesim --example mlp_bundle -- <out-dir> [board] [lanes]`

#[path = "support/mlp.rs"]
mod mlp;

use spikeloom_cyclesim::{stimulus_for, CycleSim};
use spikeloom_plan::{plan, PlanConfig};
use std::fmt::Write;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .expect("usage: mlp_bundle <out-dir> [board] [lanes]"),
    );
    let board = args.next().unwrap_or_else(|| "icebreaker".into());
    let lanes = args.next().and_then(|l| l.parse().ok());
    let net = mlp::qnet("mlp_subtract", 8, 16);
    let input = mlp::input("mlp_subtract");
    let board = spikeloom_board::Board::builtin(&board).expect("board");
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &board.device).expect("plan");
    println!("{p}");
    spikeloom_verilog::generate(&p, &Default::default())
        .write_to(&dir)
        .expect("write bundle");
    let stim: Vec<_> = (0..input.samples())
        .flat_map(|n| stimulus_for(&input, n))
        .collect();
    let text: String = stim.iter().fold(String::new(), |mut s, c| {
        let _ = writeln!(s, "{c}");
        s
    });
    std::fs::write(dir.join("stim.txt"), text).expect("write stimulus");
    let t0 = Instant::now();
    let log = CycleSim::new(&p).run_stimulus(&stim).expect("simulate");
    let secs = t0.elapsed().as_secs_f64();
    let text: String = log.iter().fold(String::new(), |mut s, l| {
        let _ = writeln!(s, "{l}");
        s
    });
    std::fs::write(dir.join("model.log"), text).expect("write log");
    println!("cycle model: {} log lines in {secs:.4} s", log.len());
}
