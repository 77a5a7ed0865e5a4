//! Build plans are data: snapshot their rendering and generated files without running any tool.

use std::path::PathBuf;
use std::time::Duration;

use spikeloom_board::{Board, Port};
use spikeloom_toolchain::{
    prepare, BuildOptions, SourceFile, StepKind, TimeLimits, ToolchainError,
};

fn sources() -> Vec<SourceFile> {
    vec![
        SourceFile {
            name: "top.v".into(),
            contents: "module top; endmodule\n".into(),
        },
        SourceFile {
            name: "w.hex".into(),
            contents: "00\n".into(),
        },
    ]
}

#[test]
fn icebreaker_plan_snapshot() {
    let board = Board::builtin("icebreaker").unwrap();
    let plan = prepare(&board, &sources(), "top", &BuildOptions::default()).unwrap();
    assert_eq!(
        plan.render(),
        "build for board `icebreaker` at 18 MHz\nfiles:\n  top.v (22 bytes)\n  w.hex (3 bytes)\n  constraints.pcf (212 bytes)\n  synth.ys (135 bytes)\nsteps:\n  [synth] yosys -s synth.ys > synth.log (limit 934 s)\n  [place-and-route] nextpnr-ice40 --up5k --package sg48 --json design.json --pcf constraints.pcf --asc design-seed1.asc --freq 18 --timing-allow-fail --report report-seed1.json --seed 1 > place-and-route.log (limit 934 s)\n  [pack] icepack design.asc design.bin > pack.log (limit 120 s)\n"
    );
    let script = &plan
        .files
        .iter()
        .find(|f| f.path.ends_with("synth.ys"))
        .unwrap()
        .contents;
    assert_eq!(
        script,
        "# spikeloom synthesis script\nread_verilog -DSYNTHESIS top.v\nsynth_ice40 -top top -dsp -json design.json\ntee -q -o stat.json stat -json\n"
    );
}

#[test]
fn ulx3s_plan_snapshot_with_options() {
    let board = Board::builtin("ulx3s-25f").unwrap();
    let opts = BuildOptions {
        freq_mhz: Some(50.0),
        ports: Some(vec![Port::Clock, Port::Led(0)]),
        seed: 7,
        seeds: 2,
        allow_timing_failure: true,
        synth_flags: vec!["-abc9".into()],
        time_limits: Some(TimeLimits {
            synth: Duration::from_secs(60),
            place_and_route: Duration::from_millis(90_500),
            pack: Duration::from_secs(5),
        }),
    };
    let plan = prepare(&board, &sources(), "top", &opts).unwrap();
    let steps: Vec<String> = plan.render().lines().skip(7).map(str::to_string).collect();
    assert_eq!(
        steps,
        [
            "  [synth] yosys -s synth.ys > synth.log (limit 60 s)",
            "  [place-and-route-seed7] nextpnr-ecp5 --25k --package CABGA381 --speed 6 --json design.json --lpf constraints.lpf --textcfg design-seed7.config --freq 50 --timing-allow-fail --report report-seed7.json --seed 7 > place-and-route-seed7.log (limit 90.5 s)",
            "  [place-and-route-seed8] nextpnr-ecp5 --25k --package CABGA381 --speed 6 --json design.json --lpf constraints.lpf --textcfg design-seed8.config --freq 50 --timing-allow-fail --report report-seed8.json --seed 8 > place-and-route-seed8.log (limit 90.5 s)",
            "  [pack] ecppack --compress design.config design.bit > pack.log (limit 5 s)",
        ]
    );
    assert_eq!(
        plan.steps.iter().map(|s| s.kind).collect::<Vec<_>>(),
        [
            StepKind::Synthesis,
            StepKind::PlaceAndRoute { seed: 7 },
            StepKind::PlaceAndRoute { seed: 8 },
            StepKind::Pack
        ]
    );
    assert_eq!(
        plan.steps[2].outputs,
        [
            PathBuf::from("design-seed8.config"),
            PathBuf::from("report-seed8.json")
        ]
    );
    assert!(plan
        .render()
        .starts_with("build for board `ulx3s-25f` at 50 MHz (timing failure allowed)\n"));
    let lpf = &plan
        .files
        .iter()
        .find(|f| f.path.ends_with("constraints.lpf"))
        .unwrap()
        .contents;
    assert!(lpf.contains("SITE \"G2\"") && lpf.contains("SITE \"B2\"") && !lpf.contains("uart"));
    assert!(plan.files.iter().any(|f| f
        .contents
        .contains("synth_ecp5 -top top -abc9 -json design.json")));
}

#[test]
fn bad_inputs_are_all_reported() {
    let board = Board::builtin("icebreaker").unwrap();
    let bad = vec![
        SourceFile {
            name: "../x.hex".into(),
            contents: String::new(),
        },
        SourceFile {
            name: "synth.ys".into(),
            contents: String::new(),
        },
    ];
    let err = prepare(&board, &bad, "1top", &BuildOptions::default()).unwrap_err();
    let ToolchainError::Inputs(msg) = err else {
        panic!("{err}")
    };
    assert_eq!(
        msg,
        "no Verilog source (.v/.sv) given; source name `../x.hex` must be a plain file name ([A-Za-z0-9._-]); source name `synth.ys` is reserved for the build's own files; top module `1top` is not a Verilog identifier"
    );
}

#[test]
fn port_the_board_lacks_is_an_error() {
    let board = Board::builtin("colorlight-i5").unwrap();
    let opts = BuildOptions {
        ports: Some(vec![Port::Led(2)]),
        ..BuildOptions::default()
    };
    let err = prepare(&board, &sources(), "top", &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "board `colorlight-i5` has no LED 2; it has 1 LEDs"
    );
}

#[test]
fn default_time_limits_grow_with_the_device() {
    let limit = |b: &str| {
        let board = Board::builtin(b).unwrap();
        TimeLimits::for_device(&board.device).place_and_route
    };
    assert_eq!(
        limit("icebreaker"),
        Duration::from_millis(300_000 + 120 * 5280)
    );
    assert_eq!(
        limit("ulx3s-25f"),
        Duration::from_millis(300_000 + 120 * 24288)
    );
    assert!(limit("ulx3s-85f") > limit("ulx3s-25f"));
    let zero = BuildOptions {
        seeds: 0,
        ..BuildOptions::default()
    };
    let board = Board::builtin("icebreaker").unwrap();
    assert_eq!(
        prepare(&board, &sources(), "top", &zero)
            .unwrap_err()
            .to_string(),
        "build inputs: the number of seeds must be at least 1"
    );
}
