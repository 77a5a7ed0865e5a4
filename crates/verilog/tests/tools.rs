//! Generated designs pass `verilator --lint-only -Wall` with zero warnings, synthesise with Yosys
//! for iCE40 and ECP5, and generation is byte-for-byte deterministic.
//! Missing tools skip (print "skipped") unless SPIKELOOM_REQUIRE_TOOLS=1.

use spikeloom_plan::{plan, testing, Plan, PlanConfig};
use spikeloom_toolchain::process::{find_program, run, ToolCommand};
use spikeloom_verilog::{generate, Bundle, GenOptions};
use std::path::{Path, PathBuf};

fn tool(name: &str) -> Option<PathBuf> {
    let found = find_program(Path::new(name));
    if found.is_none() {
        spikeloom_testkit::skip_or_fail(format!("{name} not found"));
    }
    found
}

/// Seeds >= CONV draw a convolution network (`testing::random_conv_qnet(seed - CONV)`).
const CONV: u64 = 1000;
/// Seeds >= DELAY draw a network with NIR Delays (`testing::random_delay_qnet(seed - DELAY)`).
const DELAY: u64 = 2000;
/// Seeds >= POOL draw a conv/pool stack (`testing::random_pool_qnet(seed - POOL)`).
const POOL: u64 = 3000;

fn design(seed: u64, lanes: Option<usize>) -> (Plan, Bundle) {
    design_in(seed, lanes, false)
}

/// `evspram`: plan for a device with the UP5K's four SPRAMs, the weights there (packed when
/// the rows are at most 8 bits) and the shareable event lists in one of them (sl_evspram), the
/// units' state and the kernels in SPRAM where they fit (sl_unit `ST_SPRAM`, sl_conv
/// `KSTORE`).
fn design_in(seed: u64, lanes: Option<usize>, evspram: bool) -> (Plan, Bundle) {
    let net = if seed >= POOL {
        testing::random_pool_qnet(seed - POOL)
    } else if seed >= DELAY {
        testing::random_delay_qnet(seed - DELAY)
    } else if seed >= CONV {
        testing::random_conv_qnet(seed - CONV)
    } else {
        testing::random_qnet(seed)
    };
    let mut device = testing::big_device();
    let mut cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    if evspram {
        device.family = spikeloom_board::Family::Ice40;
        device.spram_count = 4;
        cfg.event_memory = spikeloom_plan::EventMemChoice::Spram;
        cfg.conv_acc_memory = spikeloom_plan::AccMemChoice::Shared;
        cfg.weight_memory = spikeloom_plan::WeightMemChoice::Spram;
        cfg.state_memory = spikeloom_plan::StateMemChoice::Spram;
        cfg.kernel_memory = spikeloom_plan::KernelMemChoice::Store;
    }
    let p = plan(&net, &cfg, &device).expect("plan");
    let b = generate(&p, &GenOptions::default());
    (p, b)
}

fn write(b: &Bundle, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spikeloom-vtest-{}-{tag}", std::process::id()));
    b.write_to(&dir).expect("write bundle");
    dir
}

fn cmd(step: &str, program: &Path, args: Vec<String>, cwd: &Path) -> ToolCommand {
    ToolCommand {
        step: step.into(),
        program: program.to_path_buf(),
        args,
        cwd: cwd.to_path_buf(),
        log: None,
    }
}

/// `verilator --lint-only -Wall` on bundle `b` (written under `tag`): no warning, no error.
fn lint(verilator: &Path, b: &Bundle, tag: &str) {
    let dir = write(b, tag);
    let mut args = vec![
        "--lint-only".to_string(),
        "-Wall".into(),
        "--top-module".into(),
        "spikeloom_top".into(),
    ];
    args.extend(b.verilog_paths().iter().map(|s| s.to_string()));
    let out =
        run(&cmd("verilator-lint", verilator, args, &dir)).unwrap_or_else(|e| panic!("{tag}: {e}"));
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !text.contains("%Warning") && !text.contains("%Error"),
        "{tag}: verilator output:\n{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verilator_lint_is_clean() {
    let Some(verilator) = tool("verilator") else {
        return;
    };
    // the conv/pool stacks twice: then with their shareable event lists in one SPRAM
    let (mut shared, mut kernels, mut packed, mut states) = (0, 0, 0, 0);
    for (seed, evspram) in (0..16u64)
        .chain(CONV..CONV + 16)
        .chain(DELAY..DELAY + 16)
        .chain(POOL..POOL + 16)
        .map(|s| (s, false))
        .chain((POOL..POOL + 16).map(|s| (s, true)))
    {
        let (p, b) = design_in(
            seed,
            [None, Some(1), Some(3), Some(4)]
                .get(seed as usize % 4)
                .copied()
                .flatten(),
            evspram,
        );
        shared += usize::from(p.event_spram.is_some());
        kernels += usize::from(p.weight_store.kernels);
        packed += usize::from(p.weight_store.packed());
        states += usize::from(
            p.engine
                .as_ref()
                .is_some_and(|e| e.units.iter().any(|u| u.state_spram)),
        );
        lint(
            &verilator,
            &b,
            &format!("lint{seed}{}", if evspram { "s" } else { "" }),
        );
    }
    assert!(
        shared >= 4 && kernels >= 4 && packed >= 1 && states >= 4,
        "linted designs: {shared} share an event SPRAM, {kernels} keep their kernels in the \
         store, {packed} pack their store, {states} keep a unit's state in SPRAM"
    );
    // convolution layers on the engine's shared units (sl_conv EXT_UNIT, sl_unit CONV); every
    // other seed pair with spike counts of 1..=3 bits per layer (a unit of mixed count widths:
    // sl_unit L_NMAX, narrower layers' push and trace wires sliced)
    let (mut on_units, mut mixed) = (0, 0);
    for seed in 0..400u64 {
        if on_units == 6 {
            break;
        }
        let stack = if seed.is_multiple_of(2) {
            testing::random_pool_qnet(seed / 2)
        } else {
            testing::random_conv_qnet(seed / 2)
        };
        let net = if seed % 4 >= 2 {
            testing::uniform_counts(stack, seed)
        } else {
            testing::uniform_neurons(stack, seed)
        };
        let cfg = PlanConfig {
            lanes: Some(2 + (seed / 2 % 3) as usize),
            require_fit: false,
            conv_units: Some(true),
            ..PlanConfig::default()
        };
        let p = plan(&net, &cfg, &testing::big_device()).expect("plan");
        if !(0..p.cores.len()).any(|l| p.cores[l].conv.is_some() && p.on_unit(l)) {
            continue;
        }
        on_units += 1;
        mixed += usize::from(p.engine.iter().flat_map(|e| &e.units).any(|u| {
            u.layers
                .iter()
                .any(|&l| p.cores[l].count_bits() != u.count_bits(&p.cores))
        }));
        lint(
            &verilator,
            &generate(&p, &GenOptions::default()),
            &format!("lintu{seed}"),
        );
    }
    assert_eq!(on_units, 6, "linted designs that run convolutions on units");
    // one convolution engine for every convolution layer (sl_conv NL > 1), 1-3 lanes
    let mut engines = 0;
    for seed in 0..200u64 {
        if engines == 4 {
            break;
        }
        let net = testing::uniform_neurons(testing::random_engine_qnet(seed), seed);
        let mut device = testing::big_device();
        device.family = spikeloom_board::Family::Ice40;
        device.spram_count = 4;
        let cfg = PlanConfig {
            lanes: Some(1 + (seed % 3) as usize),
            require_fit: false,
            conv_units: Some(true),
            weight_memory: spikeloom_plan::WeightMemChoice::Spram,
            event_memory: spikeloom_plan::EventMemChoice::Spram,
            conv_acc_memory: spikeloom_plan::AccMemChoice::Shared,
            state_memory: spikeloom_plan::StateMemChoice::Spram,
            kernel_memory: spikeloom_plan::KernelMemChoice::Store,
            conv_engine: spikeloom_plan::ConvEngineChoice::Shared,
            ..PlanConfig::default()
        };
        let Ok(p) = plan(&net, &cfg, &device) else {
            continue;
        };
        engines += 1;
        lint(
            &verilator,
            &generate(&p, &GenOptions::default()),
            &format!("linte{seed}"),
        );
    }
    assert_eq!(engines, 4, "linted designs with a convolution engine");
    assert!(
        mixed >= 1,
        "{mixed} linted designs have a unit of mixed count widths"
    );
}

fn synth(family: &str, seed: u64) {
    let Some(yosys) = tool("yosys") else { return };
    let (_, b) = design(seed, Some(2));
    let dir = write(&b, &format!("{family}{seed}"));
    let files = b.verilog_paths().join(" ");
    let script = format!("read_verilog {files}; synth_{family} -top spikeloom_top; stat");
    let out = run(&cmd(
        "yosys",
        &yosys,
        vec!["-q".into(), "-p".into(), script],
        &dir,
    ))
    .unwrap_or_else(|e| panic!("seed {seed} {family}: {e}"));
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(!text.contains("ERROR"), "{family}: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn yosys_synth_ice40() {
    synth("ice40", 1);
}

#[test]
fn yosys_synth_ecp5() {
    synth("ecp5", 3);
}

#[test]
fn yosys_synth_conv_ice40_and_ecp5() {
    synth("ice40", CONV + 1);
    synth("ecp5", CONV + 5);
}

#[test]
fn yosys_synth_pooled_ecp5() {
    synth("ecp5", POOL + 2);
}

#[test]
fn yosys_synth_delay_lines_ice40() {
    synth("ice40", DELAY + 1);
}

#[test]
fn generation_is_deterministic() {
    for seed in 0..8u64 {
        let (p, a) = design(seed, None);
        let b = generate(&p, &GenOptions::default());
        assert_eq!(a, b, "seed {seed}");
        // an independently built plan of the same net gives the same bytes too
        let (_, c) = design(seed, None);
        assert_eq!(a, c, "seed {seed}");
        let top = &a.files[0].contents;
        assert!(
            top.lines()
                .nth(1)
                .is_some_and(|l| l.contains(&p.model_hash)),
            "header names the model hash"
        );
    }
}
