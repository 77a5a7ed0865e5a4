//! Mutation test of the verification chain: a deliberately broken RTL template must be caught by
//! the RTL-vs-cycle-model comparison that `spikeloom verify` runs, and the unbroken design must
//! pass it (so the check is neither blind nor trivially failing).

use spikeloom_cosim::{compare_logs, run_rtl, stimulus_from_spikes, Simulator};
use spikeloom_plan::PlanConfig;
use spikeloom_quant::{Calibration, QuantConfig};
use spikeloom_tests::Fixture;

/// (what, file, original text, mutated text)
const MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "threshold >= instead of >",
        "sl_neuron.v",
        "($signed(u1c[CW0-1:0]) > $signed(th2[CW0-1:0]))",
        "($signed(u1c[CW0-1:0]) >= $signed(th2[CW0-1:0]))",
    ),
    (
        "accumulator hands over the sum without its last weight word",
        "sl_acc.v",
        "if (ho) hreg <= acc_d;",
        "if (ho) hreg <= acc;",
    ),
    (
        "scheduler reads the first block's weight rows for every block",
        "sl_acc.v",
        "rowbase[q] <= rowbase[q] + PROJ_SRC[q*WA +: WA];",
        "rowbase[q] <= rowbase[q];",
    ),
    (
        "accumulators hand over one drain cycle early (last word still in the pipeline)",
        "sl_acc.v",
        "S_DRAIN: if (dr == DRAIN_LAST) st <= S_WAIT;",
        "S_DRAIN: if (dr == DRAIN_LAST - 2'd1) st <= S_WAIT;",
    ),
    (
        "neuron unit pushes the spike of the neuron behind",
        "sl_unit.v",
        "assign push_idx = push ? n_out : {EV_W{1'b0}};",
        "assign push_idx = push ? nv[LAT-1] : {EV_W{1'b0}};",
    ),
    (
        "reset flag ignored",
        "sl_neuron.v",
        "r_1 <= $signed(u0[CW0-1:0]) > $signed(th0[CW0-1:0]);",
        "r_1 <= 1'b0;",
    ),
    (
        "weight shift lost",
        "sl_neuron.v",
        "x_1 <= (acc0 <<< WS) + b0;",
        "x_1 <= acc0 + b0;",
    ),
];

fn tools_present() -> bool {
    match spikeloom_cosim::check_tools(Simulator::Icarus) {
        Ok(()) => true,
        Err(e) => {
            spikeloom_testkit::skip_or_fail(e);
            false
        }
    }
}

#[test]
fn broken_templates_are_caught_and_the_real_one_passes() {
    if !tools_present() {
        return;
    }
    let fx = Fixture::load("mlp_subtract", 2);
    let calib = Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calib");
    let (q, _) =
        spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default()).expect("q");
    let device = spikeloom_board::Board::builtin("ulx3s-25f")
        .expect("board")
        .device;
    let cfg = PlanConfig {
        lanes: Some(4),
        require_fit: false,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
    let i = &fx.input;
    let stim = stimulus_from_spikes(i.data(), [i.steps(), i.samples(), i.width()]).expect("stim");
    let expected = spikeloom_cyclesim::CycleSim::new(&plan)
        .run_stimulus(&stim)
        .expect("cycle");
    let bundle = spikeloom_verilog::generate(&plan, &spikeloom_verilog::GenOptions::default());
    let root = std::env::temp_dir().join(format!("spikeloom-mutation-{}", std::process::id()));

    let clean = root.join("clean");
    bundle.write_to(&clean).expect("write bundle");
    let log = run_rtl(
        &clean,
        &plan.top_interface(),
        &stim,
        Simulator::Icarus,
        &root.join("w0"),
    )
    .expect("icarus runs");
    assert_eq!(
        compare_logs(&expected, &log),
        None,
        "the unmutated design must match"
    );

    for (k, (what, file, from, to)) in MUTATIONS.iter().enumerate() {
        let dir = root.join(format!("m{k}"));
        bundle.write_to(&dir).expect("write bundle");
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("template copy");
        assert!(
            text.contains(from),
            "mutation `{what}`: `{from}` not found in {file}"
        );
        std::fs::write(&path, text.replacen(from, to, 1)).expect("mutate");
        // a mutation is caught by a differing log, or by the harness stopping the run
        let caught = match run_rtl(
            &dir,
            &plan.top_interface(),
            &stim,
            Simulator::Icarus,
            &root.join(format!("w{}", k + 1)),
        ) {
            Ok(log) => compare_logs(&expected, &log).map(|m| m.to_string()),
            Err(e) => Some(format!("the run stopped: {e}")),
        };
        assert!(caught.is_some(), "mutation `{what}` was NOT caught");
        eprintln!("mutation `{what}` caught: {}", caught.unwrap_or_default());
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// (what, original text, mutated text) in sl_wload.v, the weight loader.
const LOADER_MUTATIONS: &[(&str, &str, &str)] = &[
    ("CRC shifts 9 bits per byte", "nb <= 4'd8;", "nb <= 4'd9;"),
    (
        "tRES1 wait two cycles short (the flash ignores the read)",
        "wait_n <= TRES_CYCLES[TW-1:0];",
        "wait_n <= TRES_CYCLES[TW-1:0] - 2'd2;",
    ),
];

/// The same for the weight loader of an SPRAM design: a broken sl_wload must change the power-on
/// load's `L` line (state or cycle), and the unbroken one must load in the planned cycles.
#[test]
fn a_broken_weight_loader_is_caught() {
    if !tools_present() {
        return;
    }
    let fx = Fixture::load("mlp_subtract", 1);
    let calib = Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calib");
    let (q, _) =
        spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default()).expect("q");
    let device = spikeloom_board::Board::builtin("icebreaker")
        .expect("board")
        .device;
    let cfg = PlanConfig {
        lanes: Some(2),
        require_fit: false,
        weight_memory: spikeloom_plan::WeightMemChoice::Spram,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
    let stim = [spikeloom_cosim::StimCmd::PowerOn];
    let expected = spikeloom_cyclesim::CycleSim::new(&plan)
        .run_stimulus(&stim)
        .expect("cycle");
    let bundle = spikeloom_verilog::generate(&plan, &spikeloom_verilog::GenOptions::default());
    let root = std::env::temp_dir().join(format!("spikeloom-wmutation-{}", std::process::id()));
    let run = |dir: &std::path::Path, work: &str| {
        run_rtl(
            dir,
            &plan.top_interface(),
            &stim,
            Simulator::Icarus,
            &root.join(work),
        )
        .expect("icarus runs")
    };
    let clean = root.join("clean");
    bundle.write_to(&clean).expect("write bundle");
    assert_eq!(
        run(&clean, "w0"),
        expected,
        "the unmutated loader must match"
    );
    for (k, (what, from, to)) in LOADER_MUTATIONS.iter().enumerate() {
        let dir = root.join(format!("m{k}"));
        bundle.write_to(&dir).expect("write bundle");
        let path = dir.join("sl_wload.v");
        let text = std::fs::read_to_string(&path).expect("template copy");
        assert!(text.contains(from), "mutation `{what}`: `{from}` not found");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("mutate");
        let log = run(&dir, &format!("w{}", k + 1));
        let m = compare_logs(&expected, &log);
        assert!(m.is_some(), "mutation `{what}` was NOT caught");
        eprintln!("mutation `{what}` caught: {}", m.expect("mismatch"));
    }
    let _ = std::fs::remove_dir_all(&root);
}
