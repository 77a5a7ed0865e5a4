//! The plan's resource estimate against the tools, on what `spikeloom build` synthesizes: the
//! generated core plus the board wrapper (host bridge, UART, reset/LED counters). Each design is
//! synthesized flat with the build's Yosys command (`synth_ice40 -dsp` / `synth_ecp5`, top
//! `spikeloom_board`, the same tool choice as `build`: the newest of Yosys on PATH and the
//! project's YoWASP venv), and nextpnr packs it (`--pack-only`, the "Device utilisation" the
//! build report shows, without placement) for the logic cells. LUT4, FF, logic cells
//! (ICESTORM_LC / TRELLIS_COMB), block RAM, SPRAM and DSP must be within 15% of the estimate
//! (ARCHITECTURE.md "Resource estimate": how the model was calibrated).
//! Designs: the digits-shaped MLP (64-48-10 LIF, 8-bit weights) on the iCEBreaker with its
//! weights in block RAM and in SPRAM (the weight loader), and on the ULX3S-25F.
//! Needs Yosys and nextpnr: missing tools skip unless SPIKELOOM_REQUIRE_TOOLS=1.

use spikeloom_board::{
    board_wrapper, constraints, io_sources, Board, ClockPlan, Family, FLASH_PORTS,
};
use spikeloom_plan::{plan, BoardTopConfig, LoaderConfig, PlanConfig, Resources, WeightMemChoice};
use spikeloom_toolchain::process::{run, ToolCommand, Watch};
use spikeloom_toolchain::{Tool, ToolEnv, ToolPaths};
use spikeloom_verilog::{generate, GenOptions};
use std::path::{Path, PathBuf};

/// The tools `build` would choose, or `None` (skip) when one is missing.
fn tools(family: Family) -> Option<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let pnr = match family {
        Family::Ice40 => Tool::NextpnrIce40,
        Family::Ecp5 => Tool::NextpnrEcp5,
    };
    let paths = ToolPaths::select(
        &ToolEnv::from_process(&[root.join(".tools/venv/bin")]),
        &[Tool::Yosys, pnr],
        &Watch::default(),
        &mut |_, _| {},
    )
    .expect("tool selection");
    if let Err(e) = paths.check(&[Tool::Yosys, pnr]) {
        spikeloom_testkit::skip_or_fail(format!("{e}"));
        return None;
    }
    Some((
        paths.get(Tool::Yosys)?.to_path_buf(),
        paths.get(pnr)?.to_path_buf(),
    ))
}

/// What the tools made of a design.
#[derive(Debug)]
struct Measured {
    luts: u64,
    ffs: u64,
    logic_cells: u64,
    brams: u64,
    sprams: u64,
    dsps: u64,
}

fn measure(board: &Board, weights: WeightMemChoice, lanes: usize, tag: &str) -> Option<()> {
    let family = board.device.family;
    let (yosys, nextpnr) = tools(family)?;
    let clock = ClockPlan::new(board, None, None).expect("clock plan");
    let cfg = PlanConfig {
        lanes: Some(lanes),
        weight_memory: weights,
        loader: LoaderConfig {
            clock_hz: clock.design_hz_ceil(),
            ..LoaderConfig::default()
        },
        board_top: Some(BoardTopConfig {
            clock_hz: clock.design_hz_ceil(),
            baud: clock.uart.as_ref().map_or(115_200, |u| u.baud),
            settle_cycles: clock.settle_cycles(),
        }),
        ..PlanConfig::default()
    };
    let p = plan(&spikeloom_plan::testing::digits_mlp(), &cfg, &board.device).expect("plan");
    let dir = std::env::temp_dir().join(format!("spikeloom-res-{}-{tag}", std::process::id()));
    let bundle = generate(&p, &GenOptions::default());
    bundle.write_to(&dir).expect("write bundle");
    let iface = p.top_interface();
    let wrapper = board_wrapper(board, &iface.top_params(clock)).expect("board wrapper");
    let mut sources: Vec<String> = bundle
        .verilog_paths()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let board_dir = dir.join("board");
    std::fs::create_dir_all(&board_dir).expect("board dir");
    std::fs::write(board_dir.join("spikeloom_board.v"), wrapper).expect("wrapper");
    sources.push("board/spikeloom_board.v".into());
    for (name, text) in io_sources() {
        std::fs::write(board_dir.join(name), text).expect("io source");
        sources.push(format!("board/{name}"));
    }
    let synth = match family {
        Family::Ice40 => "synth_ice40 -dsp",
        Family::Ecp5 => "synth_ecp5",
    };
    let script: String = sources
        .iter()
        .map(|s| format!("read_verilog -DSYNTHESIS {s}\n"))
        .chain([format!(
            "{synth} -top spikeloom_board -json design.json\ntee -q -o stat.json stat -json\n"
        )])
        .collect();
    std::fs::write(dir.join("synth.ys"), script).expect("script");
    let started = std::time::Instant::now();
    run(&ToolCommand {
        step: "yosys".into(),
        program: yosys,
        args: vec!["-q".into(), "-s".into(), "synth.ys".into()],
        cwd: dir.clone(),
        log: Some("yosys.log".into()),
    })
    .unwrap_or_else(|e| panic!("{tag}: {e}"));
    let synth_s = started.elapsed().as_secs();
    let stat = spikeloom_toolchain::parse_yosys_stat(
        &std::fs::read_to_string(dir.join("stat.json")).expect("stat"),
    )
    .expect("stat json");
    // the board's pin constraints (the iCE40 PLL's input must sit on its clock pin)
    let mut ports = board.top_ports();
    if iface.loader.is_some() && board.flash.is_some() {
        ports.extend(FLASH_PORTS);
    }
    let (cons_name, cons_flag) = match family {
        Family::Ice40 => ("constraints.pcf", "--pcf"),
        Family::Ecp5 => ("constraints.lpf", "--lpf"),
    };
    std::fs::write(
        dir.join(cons_name),
        constraints(board, &ports).expect("constraints"),
    )
    .expect("constraints file");
    let d = &board.device;
    let pack = run(&ToolCommand {
        step: "nextpnr".into(),
        program: nextpnr,
        args: vec![
            format!("--{}", d.nextpnr_device),
            "--package".into(),
            d.package.clone(),
            "--json".into(),
            "design.json".into(),
            cons_flag.into(),
            cons_name.into(),
            "--pack-only".into(),
        ],
        cwd: dir.clone(),
        log: None,
    })
    .unwrap_or_else(|e| panic!("{tag}: {e}"));
    let log = format!("{}{}", pack.stdout, pack.stderr);
    let cells = |prefix: &str| -> u64 {
        stat.iter()
            .filter(|(k, _)| {
                k.as_str() == prefix
                    || (prefix.ends_with('*') && k.starts_with(&prefix[..prefix.len() - 1]))
            })
            .map(|(_, v)| *v)
            .sum()
    };
    let used = |cell: &str| -> u64 {
        log.lines()
            .find_map(|l| {
                let rest = l.split_once(&format!("{cell}:"))?.1;
                rest.split('/').next()?.trim().parse().ok()
            })
            .unwrap_or_else(|| panic!("{tag}: no {cell} count in nextpnr's output"))
    };
    let m = match family {
        Family::Ice40 => Measured {
            luts: cells("SB_LUT4"),
            ffs: cells("SB_DFF*"),
            logic_cells: used("ICESTORM_LC"),
            brams: cells("SB_RAM40_4K"),
            sprams: cells("SB_SPRAM256KA"),
            dsps: cells("SB_MAC16"),
        },
        Family::Ecp5 => Measured {
            luts: cells("LUT4"),
            ffs: cells("TRELLIS_FF"),
            logic_cells: used("TRELLIS_COMB"),
            brams: cells("DP16KD"),
            sprams: 0,
            dsps: cells("MULT18X18D"),
        },
    };
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{tag}: estimate {:?}\n{tag}: measured {m:?} (synthesis {synth_s} s)",
        p.resources
    );
    check(tag, &p.resources, &m);
    Some(())
}

fn check(tag: &str, r: &Resources, m: &Measured) {
    let mut bad = Vec::new();
    for (what, est, got) in [
        ("LUT4", r.luts, m.luts),
        ("FF", r.ffs, m.ffs),
        ("logic cells", r.logic_cells, m.logic_cells),
        ("block RAM", r.brams, m.brams),
        ("SPRAM", r.sprams, m.sprams),
        ("DSP", r.dsps, m.dsps),
    ] {
        let (est, got) = (f64::from(est), got as f64);
        let ok = if got == 0.0 {
            est == 0.0
        } else {
            ((est - got) / got).abs() <= 0.15
        };
        if !ok {
            bad.push(format!("{what}: estimate {est} vs measured {got}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{tag}: more than 15% off: {}",
        bad.join("; ")
    );
}

#[test]
fn icebreaker_block_ram_weights_estimate_within_15_percent() {
    let board = Board::builtin("icebreaker").expect("board");
    measure(&board, WeightMemChoice::Bram, 4, "ice40-bram");
}

#[test]
fn icebreaker_spram_weights_and_loader_estimate_within_15_percent() {
    let board = Board::builtin("icebreaker").expect("board");
    measure(&board, WeightMemChoice::Spram, 8, "ice40-spram");
}

#[test]
fn ulx3s_estimate_within_15_percent() {
    let board = Board::builtin("ulx3s-25f").expect("board");
    measure(&board, WeightMemChoice::Bram, 8, "ecp5");
}
