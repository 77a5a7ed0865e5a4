//! Snapshot tests of what a reader of a generated design sees first: the top-level Verilog and
//! the plan dump (`plan.txt`), for the digits-shaped MLP on the iCEBreaker (SPRAM-free, block
//! RAM ROM, unpaired) and on the ULX3S-25F (paired event buffers, the store's second port).
//! A change to either shows up as a reviewable diff (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test -p spikeloom-verilog --test snapshots` and `git diff`).

use spikeloom_plan::{plan, testing, PlanConfig};
use spikeloom_verilog::{generate, GenOptions};

fn design(board: &str) -> (String, String) {
    let net = testing::digits_mlp();
    let device = spikeloom_board::Board::builtin(board)
        .expect("builtin board")
        .device;
    let cfg = PlanConfig {
        lanes: Some(4),
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &device).expect("plan");
    let bundle = generate(&p, &GenOptions::default());
    let top = bundle
        .files
        .iter()
        .find(|f| f.path == "spikeloom_top.v")
        .expect("top")
        .contents
        .clone();
    (top, p.to_string())
}

#[test]
fn icebreaker_top_and_plan() {
    let (top, plan) = design("icebreaker");
    insta::assert_snapshot!("icebreaker_top", top);
    insta::assert_snapshot!("icebreaker_plan", plan);
}

#[test]
fn ulx3s_paired_top_and_plan() {
    let (top, plan) = design("ulx3s-25f");
    assert!(
        top.contains(".PAIR(1)"),
        "the ULX3S design reads event pairs"
    );
    insta::assert_snapshot!("ulx3s_top", top);
    insta::assert_snapshot!("ulx3s_plan", plan);
}
