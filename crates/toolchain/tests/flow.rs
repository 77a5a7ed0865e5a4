//! Real builds with the installed tools (Yosys + nextpnr + packer, chosen and version-checked as
//! `spikeloom build` does) of a small design on an iCE40 and an ECP5 board. A missing tool skips
//! the test, unless SPIKELOOM_REQUIRE_TOOLS=1 (CI), where it fails.

use std::path::{Path, PathBuf};

use spikeloom_board::{Board, Port};
use spikeloom_toolchain::process::Watch;
use spikeloom_toolchain::{
    execute, prepare, Activity, BuildOptions, Progress, SourceFile, Tool, ToolEnv, ToolPaths,
    ToolchainError,
};

fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin")
}

fn tools_with(env: &ToolEnv) -> ToolPaths {
    ToolPaths::select(env, &Tool::ALL, &Watch::default(), &mut |_, _| {}).unwrap()
}

fn tools() -> ToolPaths {
    tools_with(&ToolEnv::from_process(&[venv()]))
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
    spikeloom_testkit::skip_or_fail(format!("{missing:?}"));
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
    let result = execute(&plan, &dir, &tools, None, &mut |p| events.push(p)).unwrap();
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
    // the blinky runs on the clock pin itself (no PLL): nextpnr times it at the oscillator's
    // frequency, which the constraints give
    let (_, fmax) = result.report.fmax.iter().next().unwrap();
    // (nextpnr-ice40 keeps it as a period in its own units: 12.00005 for 12)
    assert!(
        (fmax.constraint - board.clock.freq_mhz).abs() < 1e-3,
        "{fmax:?}"
    );
    assert!(fmax.achieved >= board.clock.freq_mhz);
    assert!(result.timing_failures.is_empty());
    assert!(result.report.synth_cells.values().sum::<u64>() > 10);
    assert_eq!(result.logs.len(), 3);
    assert!(std::fs::read_to_string(&result.logs[0])
        .unwrap()
        .contains("Yosys"));
    assert!(
        matches!(&events[0], Progress::Started { index: 0, total: 3, step } if step == "synth")
    );
    let names = |pick: fn(&Progress) -> Option<&String>| -> Vec<String> {
        events.iter().filter_map(pick).cloned().collect()
    };
    let started = names(|p| match p {
        Progress::Started { step, .. } => Some(step),
        _ => None,
    });
    let finished = names(|p| match p {
        Progress::Finished { step, .. } => Some(step),
        _ => None,
    });
    assert_eq!(started, ["synth", "place-and-route", "pack"]);
    assert_eq!(started, finished);
    // The tools' own progress came through, parsed.
    let activities: Vec<&Activity> = events
        .iter()
        .filter_map(|p| match p {
            Progress::Running {
                activity: Some(a), ..
            } => Some(a),
            _ => None,
        })
        .collect();
    assert!(
        activities
            .iter()
            .any(|a| matches!(a, Activity::YosysPass(p) if p.starts_with("SYNTH_"))),
        "{activities:?}"
    );
    assert!(
        activities
            .iter()
            .any(|a| matches!(a, Activity::Phase("routing"))),
        "{activities:?}"
    );
    // The kept seed's outputs have their final names; nothing per-seed is left.
    assert_eq!(result.seed, 1);
    assert!(dir.join("design.json").is_file());
    assert!(dir.join("report.json").is_file());
    assert!(!dir.join("report-seed1.json").exists());
    // The build log names each tool with its version, and each command line as run.
    let log = std::fs::read_to_string(dir.join("build.log")).unwrap();
    for t in &result.tools {
        assert!(log.contains(&t.describe()), "{log}");
    }
    for c in &result.commands {
        assert!(log.contains(&c.command), "{log}");
        assert_eq!(c.outcome, "ok");
    }
    assert_eq!(result.commands.len(), 3);
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
    let err = execute(&plan, &out_dir("timing-fail"), &tools, None, &mut |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ToolchainError::Timing { .. }), "{msg}");
    assert!(
        msg.starts_with("timing failed on board `icebreaker`: clock `")
            && msg.contains("< target 400 MHz"),
        "{msg}"
    );

    opts.allow_timing_failure = true;
    let plan = prepare(&board, &sources(&design()), "blinky_mac", &opts).unwrap();
    let result = execute(&plan, &out_dir("timing-allowed"), &tools, None, &mut |_| {}).unwrap();
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
    let msg = execute(&plan, &dir, &tools, None, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("step `synth`: `"), "{msg}");
    assert!(
        msg.contains("blinky_mac.v:16: ERROR: syntax error"),
        "{msg}"
    );
    assert!(
        msg.ends_with(&format!("(full log: {})", dir.join("synth.log").display())),
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
    let msg = execute(&plan, &dir, &none, None, &mut |_| {})
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
        zero_skip: true,
        pixels: true,
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
        None,
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

/// The iCEstick's HX1K (1280 cells) holds no board top: the host bridge alone places to 140%
/// of its cells (nextpnr, measured). Its clock is built alone: the PLL (SB_PLL40_CORE from pin
/// 21), a counter on it, the LEDs.
#[test]
fn board_top_builds_for_icestick() {
    use spikeloom_board::{clock_check, ClockPlan, Port, CLOCK_CHECK_TOP};
    let board = Board::builtin("icestick").unwrap();
    let Some(tools) = have_tools(&board) else {
        return;
    };
    let clock = ClockPlan::new(&board, None, None).unwrap();
    let sources = [SourceFile {
        name: format!("{CLOCK_CHECK_TOP}.v"),
        contents: clock_check(&board, &clock),
    }];
    let mut ports = vec![Port::Clock];
    ports.extend((0..board.status_led_count()).map(Port::Led));
    let opts = BuildOptions {
        ports: Some(ports),
        ..BuildOptions::default()
    };
    let plan = prepare(&board, &sources, CLOCK_CHECK_TOP, &opts).unwrap();
    let dir = out_dir("board-top-icestick");
    let result = execute(&plan, &dir, &tools, None, &mut |_| {}).unwrap();
    assert!(result.timing_failures.is_empty());
    assert_eq!(result.report.utilization["ICESTORM_PLL"].used, 1);
    let fmax = result.report.fmax.values().next().unwrap();
    assert_eq!(fmax.constraint.round(), 18.0, "{fmax:?}");
    assert!(std::fs::metadata(&result.bitstream).unwrap().len() > 10_000);
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

/// A nextpnr that fails for seed 1 (a stand-in for a routing failure) and is the real one
/// otherwise.
fn nextpnr_failing_seed_1(dir: &Path, real: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("nextpnr-ice40-seed1-fails");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ncase \"$*\" in *\"--seed 1\"*) echo 'ERROR: Failed to route design (stand-in)' >&2; exit 1;; esac\nexec '{}' \"$@\"\n",
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn seeds_keep_the_best_fmax_and_fall_back_when_one_fails() {
    let board = Board::builtin("icebreaker").unwrap();
    let Some(tools) = have_tools(&board) else {
        return;
    };
    let opts = BuildOptions {
        ports: Some(ports()),
        seeds: 3,
        ..BuildOptions::default()
    };
    let plan = prepare(&board, &sources(&design()), "blinky_mac", &opts).unwrap();
    let dir = out_dir("seeds");
    let wrapper = nextpnr_failing_seed_1(&dir.join("fake"), tools.get(Tool::NextpnrIce40).unwrap());
    let mut env = ToolEnv::from_process(&[venv()]);
    env.overrides
        .insert("NEXTPNR_ICE40".into(), wrapper.into_os_string());
    let tools = tools_with(&env);
    let mut failed = Vec::new();
    let result = execute(&plan, &dir, &tools, None, &mut |p| {
        if let Progress::Failed { step, reason, .. } = p {
            failed.push(format!("{step}: {reason}"));
        }
    })
    .unwrap();
    assert_eq!(
        failed,
        ["place-and-route-seed1: exit status: 1: ERROR: Failed to route design (stand-in)"]
    );
    assert_eq!(result.seeds.len(), 3);
    assert_eq!(result.seeds[0].fmax_mhz, None);
    let best = result.seeds[1..]
        .iter()
        .map(|s| s.fmax_mhz.unwrap())
        .fold(f64::MIN, f64::max);
    let kept = result.seeds.iter().find(|s| s.seed == result.seed).unwrap();
    assert_eq!(kept.fmax_mhz, Some(best));
    let fmax = result.report.fmax.values().next().unwrap().achieved;
    assert_eq!(fmax, best, "the report is the kept seed's");
    assert!(std::fs::metadata(&result.bitstream).unwrap().len() > 10_000);
    for seed in 1..=3 {
        assert!(!dir.join(format!("design-seed{seed}.asc")).exists());
        assert!(dir
            .join(format!("place-and-route-seed{seed}.log"))
            .is_file());
    }
    let log = std::fs::read_to_string(dir.join("build.log")).unwrap();
    assert!(
        log.contains(&format!("kept seed {} (Fmax {best:.2} MHz) of 3 seed(s): seed 1: exit status: 1: ERROR: Failed to route design (stand-in); seed 2: ", result.seed)),
        "{log}"
    );

    // With only the failing seed, its failure is the build's.
    let opts = BuildOptions {
        seed: 1,
        seeds: 1,
        ..opts
    };
    let plan = prepare(&board, &sources(&design()), "blinky_mac", &opts).unwrap();
    let err = execute(&plan, &out_dir("seeds-fail"), &tools, None, &mut |_| {}).unwrap_err();
    assert!(
        err.to_string()
            .contains("ERROR: Failed to route design (stand-in)"),
        "{err}"
    );
}
