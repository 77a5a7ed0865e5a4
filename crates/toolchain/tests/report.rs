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
