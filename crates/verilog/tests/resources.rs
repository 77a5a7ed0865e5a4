//! The plan's resource estimate against what Yosys actually builds, on an MLP shaped like the
//! digits fixture (64 -> 48 -> 10 LIF, 8-bit weights, 16-bit state, per-neuron bias, a decay
//! needing a multiplier): memories land in block RAM (SB_RAM40_4K / DP16KD) where the plan says
//! so, multipliers in DSPs (SB_MAC16 / MULT18X18D), and the estimated block RAM and DSP counts
//! equal Yosys' `stat`; LUT/FF estimates are within 40% (iCE40) / FFs within 40% (ECP5).
//! Needs yosys: a missing tool skips unless SPIKELOOM_REQUIRE_TOOLS=1.

use spikeloom_board::Board;
use spikeloom_plan::{plan, Plan, PlanConfig};
use spikeloom_qnet::QNet;
use spikeloom_toolchain::process::{find_program, run, ToolCommand};
use spikeloom_verilog::{generate, GenOptions};
use std::collections::BTreeMap;
use std::path::Path;

fn mlp() -> QNet {
    spikeloom_plan::testing::digits_mlp()
}

/// Cell counts from Yosys' `stat` text.
fn cells(stat: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for line in stat.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let [name, n] = parts.as_slice() {
            if let Ok(n) = n.parse::<u32>() {
                if name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    *out.entry(name.to_string()).or_default() += n;
                }
            }
        }
    }
    out
}

fn synth(p: &Plan, synth_cmd: &str, tag: &str) -> Option<BTreeMap<String, u32>> {
    let Some(yosys) = find_program(Path::new("yosys")) else {
        assert!(
            std::env::var("SPIKELOOM_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "yosys is required (SPIKELOOM_REQUIRE_TOOLS=1) but not on PATH; install it with apt"
        );
        eprintln!("skipped: yosys not found");
        return None;
    };
    let b = generate(p, &GenOptions::default());
    let dir = std::env::temp_dir().join(format!("spikeloom-res-{}-{tag}", std::process::id()));
    b.write_to(&dir).expect("write bundle");
    let script = format!(
        "read_verilog {}; {synth_cmd} -top spikeloom_top; tee -o stat.txt stat",
        b.verilog_paths().join(" ")
    );
    run(&ToolCommand {
        step: "yosys".into(),
        program: yosys,
        args: vec!["-q".into(), "-p".into(), script],
        cwd: dir.clone(),
        log: None,
    })
    .unwrap_or_else(|e| panic!("{tag}: {e}"));
    let stat = std::fs::read_to_string(dir.join("stat.txt")).expect("stat");
    let _ = std::fs::remove_dir_all(&dir);
    Some(cells(&stat))
}

fn sum(c: &BTreeMap<String, u32>, prefix: &str) -> u32 {
    c.iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v)
        .sum()
}

fn within(what: &str, est: u32, got: u32) {
    let ratio = f64::from(est) / f64::from(got.max(1));
    assert!(
        (0.6..=1.4).contains(&ratio),
        "{what}: estimate {est} vs Yosys {got} (ratio {ratio:.2})"
    );
}

#[test]
fn ice40_up5k_estimate_matches_yosys() {
    let device = Board::builtin("icebreaker").expect("board").device;
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&mlp(), &cfg, &device).expect("plan");
    let Some(c) = synth(&p, "synth_ice40 -dsp", "ice40") else {
        return;
    };
    let r = &p.resources;
    eprintln!("ice40 estimate {r:?}\nyosys {c:?}");
    assert_eq!(r.brams, sum(&c, "SB_RAM40_4K"), "block RAMs");
    assert_eq!(r.dsps, sum(&c, "SB_MAC16"), "DSPs");
    assert!(
        r.dsps <= device.dsp_count,
        "automatic lanes keep the DSPs within the device"
    );
    within("LUT4", r.luts, sum(&c, "SB_LUT4"));
    within("FF", r.ffs, sum(&c, "SB_DFF"));
}

#[test]
fn ecp5_25f_estimate_matches_yosys() {
    let device = Board::builtin("ulx3s-25f").expect("board").device;
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&mlp(), &cfg, &device).expect("plan");
    let Some(c) = synth(&p, "synth_ecp5", "ecp5") else {
        return;
    };
    let r = &p.resources;
    eprintln!("ecp5 estimate {r:?}\nyosys {c:?}");
    assert_eq!(r.brams, sum(&c, "DP16KD"), "block RAMs");
    assert_eq!(r.dsps, sum(&c, "MULT18X18D"), "DSPs");
    within("FF", r.ffs, sum(&c, "TRELLIS_FF"));
}
