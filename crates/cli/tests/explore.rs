//! `spikeloom explore` runs the sweep and prints a Pareto front whose points all fit the board;
//! the front it prints is checked against one computed here from the points it prints (`--json`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const M: &str = "tests/fixtures/models/mlp_subtract";

/// 2 lanes x 2 weight widths x 2 state widths: the wider state costs LUTs for no accuracy here,
/// so the front is a strict subset of the points.
fn explore(json: bool) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args(["explore", &format!("{M}/model.nir"), "--input"])
        .arg(format!("{M}/input.npy"))
        .args(["--labels", &format!("{M}/labels.npy"), "--samples", "4"])
        .args(["--lanes", "1,8", "--sweep-weight-bits", "4,8"])
        .args(["--sweep-state-bits", "12,24"])
        .args(json.then_some("--json"))
        .current_dir(root)
        .output()
        .expect("spikeloom runs")
}

type Key = (u64, u64, u64);

fn key(p: &Value) -> Key {
    let s = &p["settings"];
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("settings.{k}: {p}"));
    (n("lanes"), n("weight_bits"), n("state_bits"))
}

/// The front by its definition (README, `explore`): among the points that were measured and
/// fit, those no other point matches or beats in accuracy (spike agreement without labels),
/// LUTs and cycles per step while beating it in one.
fn front_of(points: &[Value]) -> BTreeSet<Key> {
    let fitting: Vec<(Key, f64, f64, f64)> = points
        .iter()
        .filter_map(|p| {
            let m = p["outcome"].get("Ok")?;
            m["fits"].as_bool()?.then_some(())?;
            let quality = m["accuracy"].as_f64().or(m["spike_agreement"].as_f64())?;
            Some((
                key(p),
                quality,
                m["luts"].as_f64()?,
                m["cycles_per_step"].as_f64()?,
            ))
        })
        .collect();
    let beats = |a: &(Key, f64, f64, f64), b: &(Key, f64, f64, f64)| {
        let no_worse = a.1 >= b.1 && a.2 <= b.2 && a.3 <= b.3;
        no_worse && (a.1 > b.1 || a.2 < b.2 || a.3 < b.3)
    };
    fitting
        .iter()
        .filter(|p| !fitting.iter().any(|o| beats(o, p)))
        .map(|p| p.0)
        .collect()
}

/// The rows of the text output's "Pareto front" table.
fn printed_front(text: &str) -> BTreeSet<Key> {
    let (_, table) = text
        .split_once("Pareto front")
        .unwrap_or_else(|| panic!("no Pareto front printed:\n{text}"));
    table
        .lines()
        .skip(2) // the title's rest and the column header
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<u64> = l
                .split_whitespace()
                .take(3)
                .map(|v| v.parse().unwrap_or_else(|_| panic!("row {l:?}")))
                .collect();
            (f[0], f[1], f[2])
        })
        .collect()
}

#[test]
fn explore_prints_the_pareto_front_of_its_fitting_points() {
    let out = explore(true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Progress: stderr is not a terminal here, so plain count lines, the last one complete.
    assert!(err.contains("explore: 8/8 points ("), "{err}");
    let points: Value = serde_json::from_slice(&out.stdout).expect("JSON points");
    let points = points.as_array().expect("array");
    assert_eq!(
        points.len(),
        8,
        "2 lanes x 2 weight widths x 2 state widths"
    );
    let cycles = |k: Key| {
        points
            .iter()
            .find(|p| key(p) == k)
            .and_then(|p| p["outcome"]["Ok"]["cycles_per_step"].as_f64())
            .expect("measured point")
    };
    assert!(
        cycles((8, 8, 12)) < cycles((1, 8, 12)),
        "more lanes must take fewer cycles per step"
    );

    let want = front_of(points);
    assert!(
        !want.is_empty() && want.len() < points.len(),
        "the grid must have dominated points for the check to mean anything: front {want:?}"
    );
    let out = explore(false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(printed_front(&text), want, "{text}");
}
