//! Real builds with the installed tools (Yosys + nextpnr + packer) of a small design on an iCE40
//! and an ECP5 board. A missing tool skips the test, unless SPIKELOOM_REQUIRE_TOOLS=1 (CI), where
//! it fails.

use std::path::{Path, PathBuf};

use spikeloom_board::{Board, Port};
use spikeloom_toolchain::{
    execute, prepare, BuildOptions, Progress, SourceFile, ToolEnv, ToolPaths, ToolchainError,
};

fn tools() -> ToolPaths {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin");
    ToolPaths::discover(&ToolEnv::from_process(&[venv]))
}

fn sources(verilog: &str) -> Vec<SourceFile> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    vec![
        SourceFile {
            name: "blinky_mac.v".into(),
            contents: verilog.to_string(),
        },
        SourceFile {
            name: "rom.hex".into(),
            contents: std::fs::read_to_string(data.join("rom.hex")).unwrap(),
        },
    ]
}

fn design() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/blinky_mac.v"))
        .unwrap()
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn ports() -> Vec<Port> {
    vec![
        Port::Clock,
        Port::UartRx,
        Port::UartTx,
        Port::Led(0),
        Port::Led(1),
    ]
}

/// The tools are there, or the test is skipped (or fails in CI).
fn have_tools(board: &Board) -> Option<ToolPaths> {
    let tools = tools();
    let plan = prepare(
        board,
        &sources(&design()),
        "blinky_mac",
        &BuildOptions::default(),
    )
    .unwrap();
    let missing = tools.missing_messages(&plan.tools());
    if missing.is_empty() {
        return Some(tools);
    }
    assert!(
        std::env::var_os("SPIKELOOM_REQUIRE_TOOLS").is_none(),
        "tools required: {missing:?}"
    );
    eprintln!("skipping: {missing:?}");
    None
}

fn build_ok(board_name: &str, ram_cell: &str, dsp_cell: &str) {
    let board = Board::builtin(board_name).unwrap();
    let Some(tools) = have_tools(&board) else {
        return;
    };
    let opts = BuildOptions {
        ports: Some(ports()),
        ..BuildOptions::default()
    };
    let plan = prepare(&board, &sources(&design()), "blinky_mac", &opts).unwrap();
    let mut events = Vec::new();
    let dir = out_dir(board_name);
    let result = execute(&plan, &dir, &tools, &mut |p| events.push(p)).unwrap();
    let bits = std::fs::metadata(&result.bitstream).unwrap().len();
    assert!(
        bits > 10_000,
        "bitstream {} has {bits} bytes",
        result.bitstream.display()
    );
    assert_eq!(
        result.report.utilization[ram_cell].used, 1,
        "{:?}",
        result.report
    );
    assert_eq!(
        result.report.utilization[dsp_cell].used, 1,
        "{:?}",
        result.report
    );
    let (_, fmax) = result.report.fmax.iter().next().unwrap();
    assert_eq!(fmax.constraint, board.design.freq_mhz);
    assert!(fmax.achieved >= board.design.freq_mhz);
    assert!(result.timing_failures.is_empty());
    assert!(result.report.synth_cells.values().sum::<u64>() > 10);
    assert_eq!(result.logs.len(), 3);
    assert!(std::fs::read_to_string(&result.logs[0])
        .unwrap()
        .contains("Yosys"));
    assert!(
        matches!(&events[0], Progress::Started { index: 0, total: 3, step } if step == "synth")
    );
    assert_eq!(events.len(), 6);
}

#[test]
fn icebreaker_builds_a_bin_with_bram_and_dsp() {
    build_ok("icebreaker", "ICESTORM_RAM", "ICESTORM_DSP");
}

#[test]
fn ulx3s_25f_builds_a_bit_with_bram_and_dsp() {
    build_ok("ulx3s-25f", "DP16KD", "MULT18X18D");
}

#[test]
fn missed_target_frequency_is_an_error_unless_allowed() {
    let board = Board::builtin("icebreaker").unwrap();
    let Some(tools) = have_tools(&board) else {
        return;
    };
    let mut opts = BuildOptions {
        ports: Some(ports()),
        freq_mhz: Some(400.0),
        ..BuildOptions::default()
    };
    let plan = prepare(&board, &sources(&design()), "blinky_mac", &opts).unwrap();
    let err = execute(&plan, &out_dir("timing-fail"), &tools, &mut |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ToolchainError::Timing { .. }), "{msg}");
    assert!(
        msg.starts_with("timing failed on board `icebreaker`: clock `")
            && msg.contains("< target 400 MHz"),
        "{msg}"
    );

    opts.allow_timing_failure = true;
    let plan = prepare(&board, &sources(&design()), "blinky_mac", &opts).unwrap();
    let result = execute(&plan, &out_dir("timing-allowed"), &tools, &mut |_| {}).unwrap();
    assert_eq!(result.timing_failures.len(), 1);
    assert!(result.bitstream.exists());
}

#[test]
fn synthesis_error_names_the_step_and_shows_the_tools_last_lines() {
    let board = Board::builtin("icebreaker").unwrap();
    let Some(tools) = have_tools(&board) else {
        return;
    };
    let broken = design().replace("cnt <= cnt + 1;", "cnt <= cnt + ;");
    let opts = BuildOptions {
        ports: Some(ports()),
        ..BuildOptions::default()
    };
    let plan = prepare(&board, &sources(&broken), "blinky_mac", &opts).unwrap();
    let dir = out_dir("synth-error");
    let msg = execute(&plan, &dir, &tools, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("step `synth`: `"), "{msg}");
    assert!(
        msg.contains("blinky_mac.v:16: ERROR: syntax error"),
        "{msg}"
    );
    assert!(
        msg.ends_with(&format!(
            "(full log: {})",
            dir.join("./synth.log").display()
        )),
        "{msg}"
    );
}

#[test]
fn missing_tools_are_reported_before_anything_runs() {
    let board = Board::builtin("ulx3s-25f").unwrap();
    let plan = prepare(
        &board,
        &sources(&design()),
        "blinky_mac",
        &BuildOptions::default(),
    )
    .unwrap();
    let none = ToolPaths::fixed([]);
    let dir = out_dir("no-tools");
    let msg = execute(&plan, &dir, &none, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with(
            "missing tools:\n  - yosys: `yosys` was not given; run scripts/install-tools.sh"
        ),
        "{msg}"
    );
    assert_eq!(msg.matches("\n  - ").count(), 3, "{msg}");
    assert!(!dir.exists(), "nothing is written when tools are missing");
}

/// The full board top (UART, host bridge, LEDs) around the hostlink test stand-in core.
fn board_top_builds(board_name: &str) {
    use spikeloom_board::{board_wrapper, io_sources, ClockPlan, TopParams, WRAPPER_TOP};
    let board = Board::builtin(board_name).unwrap();
    let Some(tools) = have_tools(&board) else {
        return;
    };
    let standin =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../hostlink/tests/data/standin_top.v");
    let params = TopParams {
        input_size: 20,
        output_size: 12,
        in_w: 5,
        out_w: 4,
        in_value_w: 1,
        out_value_w: 1,
        clock: ClockPlan::new(&board, None, None).unwrap(),
        image_crc: None,
    };
    let mut sources: Vec<SourceFile> = io_sources()
        .into_iter()
        .map(|(name, text)| SourceFile {
            name: name.into(),
            contents: text.into(),
        })
        .collect();
    sources.push(SourceFile {
        name: "spikeloom_top.v".into(),
        contents: std::fs::read_to_string(standin).unwrap(),
    });
    sources.push(SourceFile {
        name: "spikeloom_board.v".into(),
        contents: board_wrapper(&board, &params).unwrap(),
    });
    let plan = prepare(&board, &sources, WRAPPER_TOP, &BuildOptions::default()).unwrap();
    let result = execute(
        &plan,
        &out_dir(&format!("board-top-{board_name}")),
        &tools,
        &mut |_| {},
    )
    .unwrap();
    assert!(result.timing_failures.is_empty());
    assert!(std::fs::metadata(&result.bitstream).unwrap().len() > 10_000);
}

// Every built-in board's top builds with its PLL at its default design clock (issue 13: "every
// board builds with its PLL in CI"); tests/boards_have_flow_tests below keeps the list complete.

#[test]
fn board_top_builds_for_icebreaker() {
    board_top_builds("icebreaker");
}

#[test]
fn board_top_builds_for_ulx3s_25f() {
    board_top_builds("ulx3s-25f");
}

#[test]
fn board_top_builds_for_ulx3s_12f() {
    board_top_builds("ulx3s-12f");
}

#[test]
fn board_top_builds_for_ulx3s_45f() {
    board_top_builds("ulx3s-45f");
}

#[test]
fn board_top_builds_for_ulx3s_85f() {
    board_top_builds("ulx3s-85f");
}

#[test]
fn board_top_builds_for_upduino_v3() {
    board_top_builds("upduino-v3");
}

#[test]
fn board_top_builds_for_icestick() {
    board_top_builds("icestick");
}

#[test]
fn board_top_builds_for_tinyfpga_bx() {
    board_top_builds("tinyfpga-bx");
}

#[test]
fn board_top_builds_for_orangecrab_25f() {
    board_top_builds("orangecrab-25f");
}

#[test]
fn board_top_builds_for_orangecrab_85f() {
    board_top_builds("orangecrab-85f");
}

#[test]
fn board_top_builds_for_colorlight_i5() {
    board_top_builds("colorlight-i5");
}

/// A board added to boards/ gets its own build test above.
#[test]
fn every_builtin_board_has_a_board_top_build_test() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/flow.rs")).unwrap();
    for name in Board::builtin_names() {
        let test = format!("fn board_top_builds_for_{}()", name.replace('-', "_"));
        assert!(text.contains(&test), "no `{test}` in tests/flow.rs");
    }
}
