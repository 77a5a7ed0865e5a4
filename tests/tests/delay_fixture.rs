//! NIR Delay in hardware on a file written by the `nir` package: the fixture
//! `tests/fixtures/nir-cases/sim_cuba_delay.nir` (snnTorch convention: Linear -> CubaLIF ->
//! Delay -> Linear -> CubaLI) is lowered, quantized with its recorded input as calibration,
//! planned with a delay line, and verified: cycle model == `qnet::eval` (every layer and step),
//! and the Icarus and Verilator logs == the cycle model's (cycle stamps included) and decode to
//! the golden model. Simulators are required in CI (SPIKELOOM_REQUIRE_TOOLS=1), skipped
//! with a message elsewhere.

use spikeloom_cosim::{
    compare_logs, compare_with_contract, decode_log, run_rtl, stimulus_from_values, Simulator,
};
use spikeloom_float::{lower, simulate, SemanticsOptions};
use spikeloom_plan::PlanConfig;
use spikeloom_qnet::SpikeSteps;
use spikeloom_quant::{Calibration, QuantConfig};
use std::path::Path;

#[test]
fn sim_cuba_delay_fixture_through_the_rtl() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nir-cases");
    let file = spikeloom_nir::read(dir.join("sim_cuba_delay.nir")).expect("read fixture");
    let net = lower(&file.graph, &SemanticsOptions::default()).expect("lower");
    let x = spikeloom_npy::read_npy(&dir.join("sim_cuba_delay.input.npy")).expect("input.npy");
    let [t, n, f] = x.shape[..] else {
        panic!("input must be [T, N, F], got {:?}", x.shape)
    };
    let data: Vec<u8> = x.data.to_f64().iter().map(|v| *v as u8).collect();
    let float = simulate(
        &net,
        &SpikeSteps::graded(t, n, f, data.clone(), 8).expect("shape"),
    )
    .expect("float simulation");
    let input = SpikeSteps::new(t, n, f, data.clone()).expect("spike steps");
    let calib = Calibration::new(&net, input.clone(), float, None).expect("calibration");
    let (q, _) =
        spikeloom_quant::quantize(&net, Some(&calib), &QuantConfig::default()).expect("quantize");
    assert!(
        q.layers
            .iter()
            .flat_map(|l| &l.inputs)
            .any(|p| p.source_delay.iter().any(|&d| d > 0)),
        "the quantized fixture lost its Delay"
    );
    let device = spikeloom_board::Board::builtin("icebreaker")
        .expect("board")
        .device;
    let plan = spikeloom_plan::plan(&q, &PlanConfig::default(), &device).expect("plan");
    assert!(
        plan.buffers.iter().any(|b| b.delay.is_some()),
        "no delay line planned:\n{plan}"
    );
    let golden = spikeloom_qnet::eval(&q, &input).expect("eval");
    let cycle = spikeloom_cyclesim::simulate(&plan, &input).expect("cycle model");
    for (li, l) in golden.layers.iter().enumerate() {
        assert_eq!(cycle.layers[li].spikes, l.spikes, "layer {li} spikes");
        assert_eq!(
            cycle.layers[li].membrane, l.membrane,
            "layer {li} membranes"
        );
    }
    // the Delay matters: the read-out moves at all (the delayed spikes reach it)
    let ro = &golden.layers[q.output_layer];
    assert!(ro.membrane.iter().any(|&v| v != 0), "read-out never moves");

    let stim = stimulus_from_values(&data, [t, n, f], q.input_bits).expect("stimulus");
    let expected = spikeloom_cyclesim::CycleSim::new(&plan)
        .run_stimulus(&stim)
        .expect("cycle model log");
    let root = std::env::temp_dir().join(format!("spikeloom-delay-fixture-{}", std::process::id()));
    spikeloom_verilog::generate(&plan, &spikeloom_verilog::GenOptions::default())
        .write_to(&root.join("rtl"))
        .expect("write bundle");
    let iface = plan.top_interface();
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        if let Err(e) = spikeloom_cosim::check_tools(sim) {
            spikeloom_testkit::skip_or_fail(e);
            continue;
        }
        let log = run_rtl(
            &root.join("rtl"),
            &iface,
            &stim,
            sim,
            &root.join(sim.to_string()),
        )
        .unwrap_or_else(|e| panic!("{sim}: {e}"));
        if let Some(m) = compare_logs(&expected, &log) {
            panic!("{sim} log differs from the cycle model: {m}");
        }
        let rtl = decode_log(&log, &iface, t, n).expect("decode");
        if let Some(m) = compare_with_contract(&rtl, &golden, q.output_layer) {
            panic!("{sim} differs from the integer contract: {m}");
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}
