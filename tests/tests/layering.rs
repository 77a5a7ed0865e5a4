//! ARCHITECTURE.md invariant: crate dependencies point one way. Each library crate may depend
//! (normal dependencies, not dev-dependencies) only on the crates listed here.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const ALLOWED: &[(&str, &[&str])] = &[
    ("spikeloom-nir", &[]),
    ("spikeloom-qnet", &[]),
    ("spikeloom-npy", &[]),
    ("spikeloom-board", &[]),
    ("spikeloom-hostlink", &[]),
    ("spikeloom-float", &["spikeloom-nir"]),
    ("spikeloom-quant", &["spikeloom-float", "spikeloom-qnet"]),
    ("spikeloom-plan", &["spikeloom-qnet", "spikeloom-board"]),
    ("spikeloom-toolchain", &["spikeloom-board"]),
    (
        "spikeloom-verilog",
        &["spikeloom-plan", "spikeloom-qnet", "spikeloom-board"],
    ),
    (
        "spikeloom-cyclesim",
        &["spikeloom-plan", "spikeloom-qnet", "spikeloom-board"],
    ),
    (
        "spikeloom-cosim",
        &[
            "spikeloom-plan",
            "spikeloom-qnet",
            "spikeloom-board",
            "spikeloom-cyclesim",
            "spikeloom-verilog",
            "spikeloom-toolchain",
        ],
    ),
    (
        "spikeloom-report",
        &[
            "spikeloom-nir",
            "spikeloom-float",
            "spikeloom-qnet",
            "spikeloom-quant",
            "spikeloom-npy",
            "spikeloom-board",
            "spikeloom-plan",
            "spikeloom-cyclesim",
            "spikeloom-toolchain",
        ],
    ),
];

#[test]
fn crate_dependencies_point_one_way() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(spikeloom_tests::root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let mut actual: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for pkg in meta["packages"].as_array().expect("packages") {
        let name = pkg["name"].as_str().unwrap_or_default().to_string();
        let deps = pkg["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["kind"].is_null())
            .filter_map(|d| d["name"].as_str())
            .filter(|d| d.starts_with("spikeloom-"))
            .map(str::to_string)
            .collect();
        actual.insert(name, deps);
    }
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for (name, deps) in &actual {
        if matches!(
            name.as_str(),
            "spikeloom" | "spikeloom-tests" | "spikeloom-bench"
        ) {
            continue; // the CLI, the integration tests and the benchmark may use everything
        }
        let ok = allowed.get(name.as_str()).unwrap_or_else(|| {
            panic!("crate {name} is not in the layering table; add it here and in ARCHITECTURE.md")
        });
        for d in deps {
            assert!(
                ok.contains(&d.as_str()),
                "{name} must not depend on {d} (ARCHITECTURE.md layering)"
            );
        }
    }
}
