//! `spikeloom explore` runs the sweep and prints a Pareto front whose points all fit the board.

use std::path::Path;
use std::process::Command;

#[test]
fn explore_prints_a_pareto_front_of_fitting_points() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let m = "tests/fixtures/models/mlp_subtract";
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args([
            "explore",
            &format!("{m}/model.nir"),
            "--input",
            &format!("{m}/input.npy"),
        ])
        .args([
            "--labels",
            &format!("{m}/labels.npy"),
            "--samples",
            "4",
            "--json",
        ])
        .args([
            "--lanes",
            "1,8",
            "--sweep-weight-bits",
            "4,8",
            "--sweep-state-bits",
            "16",
        ])
        .current_dir(root)
        .output()
        .expect("spikeloom runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Progress: stderr is not a terminal here, so plain count lines, the last one complete.
    assert!(err.contains("explore: 4/4 points ("), "{err}");
    let points: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON points");
    let points = points.as_array().expect("array");
    assert_eq!(points.len(), 4, "2 lanes x 2 weight widths x 1 state width");
    let cycles = |lanes: u64| {
        points
            .iter()
            .find(|p| p["settings"]["lanes"] == lanes)
            .and_then(|p| p["outcome"]["Ok"]["cycles_per_step"].as_f64())
            .expect("measured point")
    };
    assert!(
        cycles(8) < cycles(1),
        "more lanes must take fewer cycles per step"
    );
}
