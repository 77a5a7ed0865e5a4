//! The RTL of every trained fixture (snnTorch, incl. graded input) and every exporter fixture
//! (Norse; Sinabs and Rockpool with spike counts) under Verilator and Icarus: the log equals the cycle model's
//! (every trace line and cycle stamp), and the decoded membranes/spikes equal the integer golden
//! model. Required in CI (SPIKELOOM_REQUIRE_TOOLS=1); skipped with a message elsewhere.

use spikeloom_cosim::{
    compare_logs, compare_with_contract, decode_log, run_rtl, stimulus_from_values, Simulator,
};
use spikeloom_plan::PlanConfig;
use spikeloom_quant::{Calibration, QuantConfig};
use spikeloom_tests::{Fixture, MODELS};

const SAMPLES: usize = 3;

fn available(sim: Simulator) -> bool {
    match spikeloom_cosim::check_tools(sim) {
        Ok(()) => true,
        Err(e) => {
            spikeloom_testkit::skip_or_fail(e);
            false
        }
    }
}

#[test]
fn every_fixture_rtl_equals_cycle_model_and_golden_model() {
    let sims: Vec<Simulator> = [Simulator::Icarus, Simulator::Verilator]
        .into_iter()
        .filter(|s| available(*s))
        .collect();
    if sims.is_empty() {
        return;
    }
    let icebreaker = spikeloom_board::Board::builtin("icebreaker").expect("board");
    // The untrained exporter networks spike densely with 16-bit state: ~5.5k logic cells at 4
    // lanes, just over the UP5K; they are planned for the ULX3S-25F.
    let ulx3s = spikeloom_board::Board::builtin("ulx3s-25f").expect("board");
    let root =
        std::env::temp_dir().join(format!("spikeloom-cosim-fixtures-{}", std::process::id()));
    for fx in Fixture::all(SAMPLES) {
        let name = &fx.name;
        let calib =
            Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calib");
        let (q, _) =
            spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default()).expect("q");
        // The plan the board gets: automatic lanes, must fit the board.
        let board = if MODELS.contains(&name.as_str()) {
            &icebreaker
        } else {
            &ulx3s
        };
        let plan = spikeloom_plan::plan(&q, &PlanConfig::default(), &board.device)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let i = &fx.input;
        let stim =
            stimulus_from_values(i.data(), [i.steps(), i.samples(), i.width()], q.input_bits)
                .expect("stim");
        let expected = spikeloom_cyclesim::CycleSim::new(&plan)
            .run_stimulus(&stim)
            .expect("cycle");
        let golden = spikeloom_qnet::eval(&q, i).expect("eval");
        let dir = root.join(name);
        spikeloom_verilog::generate(&plan, &spikeloom_verilog::GenOptions::default())
            .write_to(&dir.join("rtl"))
            .expect("write bundle");
        let iface = plan.top_interface();
        for sim in &sims {
            let log = run_rtl(
                &dir.join("rtl"),
                &iface,
                &stim,
                *sim,
                &dir.join(sim.to_string()),
            )
            .unwrap_or_else(|e| panic!("{name} {sim}: {e}"));
            if let Some(m) = compare_logs(&expected, &log) {
                panic!("{name}: {sim} log differs from the cycle model: {m}");
            }
            let rtl = decode_log(&log, &iface, i.steps(), i.samples()).expect("decode");
            if let Some(m) = compare_with_contract(&rtl, &golden, q.output_layer) {
                panic!("{name}: {sim} differs from the golden model: {m}");
            }
            eprintln!(
                "{name}: {sim} == cycle model == golden ({} log lines)",
                log.len()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
