//! The resource estimate against measured designs: for each directory written by
//! `bench/estimate_calibration.py` (a `spikeloom generate` output plus `result.json` with the
//! Yosys and nextpnr counts), plan its `model.q.json` again for its board and lanes and print
//! the estimate, the measurement and the error per resource, and the estimate's per-module
//! breakdown with `-v`.
//!
//! cargo run --release -p spikeloom-plan --example estimate_vs_tools -- [-v] DIR...

use spikeloom_board::Board;
use spikeloom_plan::{plan, PlanConfig};
use spikeloom_qnet::QNet;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let mut worst = [0.0f64; 6];
    println!("| design | LUT4 | FF | logic cells | BRAM | SPRAM | DSP |");
    println!("|---|---|---|---|---|---|---|");
    for dir in args.iter().filter(|a| *a != "-v") {
        let dir = Path::new(dir);
        let read =
            |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let Ok(result) = std::fs::read_to_string(dir.join("result.json")) else {
            continue;
        };
        let result: serde_json::Value = serde_json::from_str(&result).expect("result.json");
        let manifest: serde_json::Value =
            serde_json::from_str(&read("spikeloom.json")).expect("manifest");
        let net = QNet::from_json_str(&read("model.q.json")).expect("model.q.json");
        let board = Board::builtin(manifest["board"].as_str().expect("board")).expect("board");
        let lanes = manifest["lanes"]
            .as_array()
            .expect("lanes")
            .iter()
            .filter_map(serde_json::Value::as_u64)
            .max()
            .expect("lanes") as usize;
        // the design's clock and link as generate chose them
        let mhz = manifest["clock_hz"].as_f64().expect("clock_hz") / 1e6;
        let baud = manifest["baud"].as_u64().map(|b| b as u32);
        let clock = spikeloom_board::ClockPlan::new(&board, Some(mhz), baud).expect("clock");
        let cfg = PlanConfig {
            lanes: Some(lanes),
            require_fit: false,
            board_top: Some(spikeloom_plan::BoardTopConfig {
                clock_hz: clock.design_hz_ceil(),
                baud: clock.uart.as_ref().map_or(115_200, |u| u.baud),
                settle_cycles: clock.settle_cycles(),
            }),
            loader: spikeloom_plan::LoaderConfig {
                clock_hz: clock.design_hz_ceil(),
                flash_offset: board
                    .flash
                    .as_ref()
                    .map_or(spikeloom_plan::DEFAULT_FLASH_OFFSET, |f| {
                        f.first_free_offset()
                    }),
            },
            ..PlanConfig::default()
        };
        let p = plan(&net, &cfg, &board.device).expect("plan");
        let r = &p.resources;
        let y = &result["yosys"];
        let got = |k: &str| y[k].as_u64().map(|v| v as u32);
        let cols = [
            (r.luts, got("lut")),
            (r.ffs, got("ff")),
            (r.logic_cells, result["lc"].as_u64().map(|v| v as u32)),
            (r.brams, got("bram")),
            (r.sprams, got("spram")),
            (r.dsps, got("dsp")),
        ];
        let mut row = format!("| {} |", dir.file_name().unwrap().to_string_lossy());
        for (i, (est, got)) in cols.iter().enumerate() {
            match got {
                Some(g) => {
                    let err = if *g == 0 {
                        if *est == 0 {
                            0.0
                        } else {
                            100.0
                        }
                    } else {
                        (f64::from(*est) - f64::from(*g)) / f64::from(*g) * 100.0
                    };
                    if err.abs() > worst[i].abs() {
                        worst[i] = err;
                    }
                    row.push_str(&format!(" {est} / {g} ({err:+.0}%) |"));
                }
                None => row.push_str(&format!(" {est} / - |")),
            }
        }
        println!("{row}");
        if verbose {
            for (name, m) in &p.resource_parts {
                println!(
                    "    {name:<28} lut {:>5} ff {:>5} carry {:>5} bram {:>3} dsp {:>2}",
                    m.luts, m.ffs, m.carries, m.brams, m.dsps
                );
            }
            if let Some(mods) = result["modules"].as_object() {
                for (name, m) in mods {
                    println!(
                        "    hier {name:<23} lut {:>5} ff {:>5} carry {:>5} bram {:>3} x{}",
                        m["lut"], m["ff"], m["carry"], m["bram"], m["instances"]
                    );
                }
            }
        }
    }
    println!(
        "worst error: LUT4 {:+.0}%, FF {:+.0}%, logic cells {:+.0}%, BRAM {:+.0}%, SPRAM {:+.0}%, DSP {:+.0}%",
        worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]
    );
}
