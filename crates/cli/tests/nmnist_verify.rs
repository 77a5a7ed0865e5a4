//! `spikeloom verify` on the NIR paper's N-MNIST CNN shape trained by Sinabs
//! (tests/fixtures/exporters/nmnist_cnn: SumPools in front of a Conv and of Flatten + Affine,
//! spike counts) for the ULX3S-25F: fixed == cycle model == Verilator == Icarus, every layer,
//! step and neuron, cycle stamps included, on the first sample's first steps (Icarus runs this
//! 8,970-neuron design at a few thousand cycles per second, so the input is cut to 3 steps).

use std::path::{Path, PathBuf};
use std::process::Command;

use spikeloom_npy::{NpyArray, NpyData};

const F: &str = "tests/fixtures/exporters/nmnist_cnn";
const STEPS: usize = 3;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn present(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    if !found {
        spikeloom_testkit::skip_or_fail(format!("{tool} not found"));
    }
    found
}

#[test]
fn nmnist_cnn_verifies_on_both_simulators() {
    if !present("iverilog") || !present("verilator") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("spikeloom-nmnist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // the first sample's first STEPS steps of the fixture's input [T, N, F]
    let full = spikeloom_npy::read_npy(&root().join(F).join("input.npy")).expect("input.npy");
    let (n, f) = (full.shape[1], full.shape[2]);
    let NpyData::U8(data) = &full.data else {
        panic!("input.npy is uint8")
    };
    let cut: Vec<u8> = (0..STEPS)
        .flat_map(|t| data[t * n * f..t * n * f + f].iter().copied())
        .collect();
    let input = dir.join("input.npy");
    let array = NpyArray {
        shape: vec![STEPS, 1, f],
        data: NpyData::U8(cut),
    };
    std::fs::write(&input, spikeloom_npy::write_npy_bytes(&array)).expect("write input");
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args([
            "verify",
            &format!("{F}/model.nir"),
            "--semantics",
            "sinabs",
            "--calibrate",
            &format!("{F}/input.npy"),
            "--input",
            input.to_str().expect("utf-8 path"),
            "--board",
            "ulx3s-25f",
            "--simulator",
            "both",
            "--work",
            dir.join("work").to_str().expect("utf-8 path"),
        ])
        .current_dir(root())
        .output()
        .expect("spikeloom runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("verify: PASS"), "{stdout}");
    for sim in ["cycle", "verilator", "icarus"] {
        for layer in ["iaf1", "iaf2", "iaf3", "iaf4", "iaf5"] {
            assert!(
                stdout.lines().any(|l| {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    w == [sim, layer, "0", "0", "-"]
                }),
                "{sim} {layer}: no clean row\n{stdout}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
