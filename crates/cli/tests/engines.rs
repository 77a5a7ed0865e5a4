//! `simulate` with every engine: fixed, cycle and RTL (Icarus) write identical `.npz` outputs
//! (spikes, raw membranes, scale), and the float engine's spikes agree with them closely.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("spikeloom runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {err}");
    err
}

fn load(path: &Path) -> Vec<(String, spikeloom_npy::NpyArray)> {
    spikeloom_npy::read_npz(path).expect("npz reads")
}

fn icarus_present() -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("iverilog").is_file()))
        .unwrap_or(false);
    if !found {
        spikeloom_testkit::skip_or_fail("iverilog not found");
    }
    found
}

#[test]
fn integer_engines_write_identical_outputs() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("spikeloom-engines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let m = "tests/fixtures/models/synaptic";
    let (model, input) = (format!("{m}/model.nir"), format!("{m}/input.npy"));
    let mut engines = vec!["fixed", "cycle"];
    if icarus_present() {
        engines.push("rtl");
    } else {
        eprintln!("skipped the rtl engine: iverilog not found");
    }
    let mut outputs = Vec::new();
    for engine in &engines {
        let out = dir.join(format!("{engine}.npz"));
        let o = out.to_str().expect("utf-8 path");
        run(&[
            "simulate",
            &model,
            "--input",
            &input,
            "--engine",
            engine,
            "--simulator",
            "icarus",
            "--out",
            o,
        ]);
        outputs.push(load(&out));
    }
    let strip = |v: &Vec<(String, spikeloom_npy::NpyArray)>| {
        v.iter()
            .filter(|(k, _)| k != "cycles")
            .cloned()
            .collect::<Vec<_>>()
    };
    for (engine, out) in engines.iter().zip(&outputs).skip(1) {
        assert_eq!(
            strip(out),
            strip(&outputs[0]),
            "{engine} differs from fixed"
        );
    }
    if engines.len() == 3 {
        assert_eq!(
            outputs[1], outputs[2],
            "cycle and rtl differ (cycles per step included)"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
