//! nextpnr / Yosys report parsing and timing judgement.

use spikeloom_toolchain::{parse_nextpnr_report, parse_yosys_stat};

#[test]
fn nextpnr_report_keeps_used_cells_and_fmax() {
    let json = r#"{"critical_paths": [], "fmax": {"clk$glb": {"achieved": 26.9, "constraint": 30}},
      "utilization": {"ICESTORM_LC": {"available": 5280, "used": 792}, "ICESTORM_DSP": {"available": 8, "used": 0}}}"#;
    let r = parse_nextpnr_report(json).unwrap();
    assert_eq!(r.utilization.len(), 1);
    assert_eq!(r.utilization["ICESTORM_LC"].used, 792);
    assert_eq!(r.fmax["clk$glb"].constraint, 30.0);
    assert_eq!(
        r.timing_failures(30.0),
        ["clock `clk$glb` reaches 26.90 MHz < target 30 MHz"]
    );
    assert!(r.timing_failures(26.0).is_empty());
    assert!(parse_nextpnr_report("{\"fmax\": {}}")
        .unwrap_err()
        .contains("utilization"));
}

#[test]
fn yosys_stat_sums_cells_over_modules() {
    let json = r#"{"modules": {"\\a": {"num_cells_by_type": {"SB_LUT4": 10, "SB_DFF": 2}},
      "\\b": {"num_cells_by_type": {"SB_LUT4": 5}}}, "design": {}}"#;
    let cells = parse_yosys_stat(json).unwrap();
    assert_eq!(cells["SB_LUT4"], 15);
    assert_eq!(cells["SB_DFF"], 2);
}

/// The critical path of real nextpnr 0.11.1 reports (`tests/data/nextpnr-*.json`, written by
/// `spikeloom build` of the digits MLP, tests/fixtures/models/mlp_subtract, at each board's
/// default design clock: README "Clocks"). Expected values were read from the files with a
/// separate script (Python's json: first and last cell, steps of type `logic`, sum of delays);
/// nextpnr's own Fmax is 1000 / the path's delay, a check independent of both.
#[test]
fn critical_path_of_real_nextpnr_reports() {
    for (file, from, to, levels, delay_ns) in [
        (
            "nextpnr-ice40.json",
            "u_board.g_rom.genblk1.genblk1.g_core.u_core.b1_cnt_cur",
            "u_board.g_rom.genblk1.genblk1.g_core.u_core.u_buf0.g_bin.u_mem.mem.0.0_RDATA_2",
            12,
            30.835,
        ),
        (
            "nextpnr-ecp5.json",
            "u_board.g_rom.genblk1.genblk1.g_core.u_core.u_weights.mem.0.1",
            "u_board.g_rom.genblk1.genblk1.g_core.u_core.u_acc.g_lane[6].acc",
            12,
            11.015,
        ),
    ] {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let r = parse_nextpnr_report(&json).unwrap();
        let p = r.critical_path().unwrap_or_else(|| panic!("{file}: none"));
        assert_eq!(
            (p.from.signal.as_str(), p.to.signal.as_str(), p.logic_levels),
            (from, to, levels),
            "{file}"
        );
        assert!(
            (p.delay_ns - delay_ns).abs() < 0.005,
            "{file}: {}",
            p.delay_ns
        );
        assert!(
            p.is_internal(),
            "{file}: {} -> {}",
            p.from_clock,
            p.to_clock
        );
        // the parts add up to the whole
        let parts = p.logic_ns + p.routing_ns + p.clock_to_out_ns + p.setup_ns;
        assert!((parts - p.delay_ns).abs() < 1e-6, "{file}: {parts}");
        // nextpnr's Fmax of that clock is the inverse of this path's delay
        let fmax = r.fmax.values().map(|c| c.achieved).fold(f64::MAX, f64::min);
        assert!(
            (1000.0 / p.delay_ns - fmax).abs() < 0.01 * fmax,
            "{file}: {fmax} MHz vs {} ns",
            p.delay_ns
        );
        // the design's own source lines, not Yosys' cell libraries
        assert!(!p.through.is_empty(), "{file}");
        assert!(
            p.through.iter().all(|s| !s.contains("/share/")),
            "{file}: {:?}",
            p.through
        );
    }
}
