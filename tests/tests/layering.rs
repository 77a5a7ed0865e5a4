//! ARCHITECTURE.md invariant: crate dependencies point one way. The allowed dependencies are
//! ARCHITECTURE.md's code map, read from the file, so the table and this test cannot disagree:
//! each library crate's normal (not dev-) dependencies on the workspace's crates must be exactly
//! the "depends on" column of its row.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// The code map's rows: crate package name -> the crates it depends on (`None`: "all", the
/// CLI, the tests and the benchmark, which may use everything).
fn code_map() -> BTreeMap<String, Option<BTreeSet<String>>> {
    let text = std::fs::read_to_string(spikeloom_tests::root().join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md is readable");
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("Code map"))
        .expect("ARCHITECTURE.md has a `## Code map` section");
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let first = cells[0].trim_start_matches("| ");
        // `nir`, or `cli` (`spikeloom`) when the package name differs from the folder
        let names: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
        let package = match names.as_slice() {
            [_, package] => package.to_string(),
            [name] => format!("spikeloom-{name}"),
            _ => panic!("code map row without a crate name: {line}"),
        };
        let deps = cells.last().unwrap_or(&"").trim_end_matches(" |").trim();
        let deps = if deps.starts_with("all") {
            None
        } else {
            Some(
                deps.split(", ")
                    .filter(|d| *d != "—")
                    .map(|d| format!("spikeloom-{d}"))
                    .collect(),
            )
        };
        rows.insert(package, deps);
    }
    rows
}

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
    let map = code_map();
    assert!(map.len() >= 16, "the code map lists every crate: {map:?}");
    for (name, deps) in &actual {
        let row = map.get(name).unwrap_or_else(|| {
            panic!("crate {name} is not in ARCHITECTURE.md's code map; add its row")
        });
        let Some(documented) = row else {
            continue; // the CLI, the integration tests and the benchmark may use everything
        };
        assert_eq!(
            deps, documented,
            "{name}: its dependencies (left) differ from its row in ARCHITECTURE.md's code map \
             (right); change the code or the table"
        );
    }
    for name in map.keys() {
        assert!(
            actual.contains_key(name),
            "ARCHITECTURE.md's code map lists {name}, which is not a workspace crate"
        );
    }
}
