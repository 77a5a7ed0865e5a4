//! Every RTL module of the accelerator has its Rust twin in the cycle model: each template in
//! rtl-templates/core and rtl-templates/mem names it in a `// Rust twin: spikeloom-cyclesim
//! `module::Item`` header line, and every item named there exists in crates/cyclesim/src.
//!
//! In rtl-templates/io the host bridge names its twin too (`bridge::Bridge`: its step path, the
//! feature scan and run states; compared with the RTL board in crates/pipeline's board tests).
//! The UARTs and the board top are not modelled cycle by cycle: they are checked by their own
//! Icarus tests against the host library (crates/hostlink, crates/cli run tests), and listed
//! here so that a new io module is a decision, not an accident.

use std::path::{Path, PathBuf};

const IO_WITHOUT_TWIN: &[&str] = &["board_top.v", "uart_rx.v", "uart_tx.v"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The backticked `module::Item` names on a template's `Rust twin:` line.
fn twins(text: &str) -> Vec<(String, String)> {
    let Some(line) = text
        .lines()
        .find(|l| l.contains("Rust twin: spikeloom-cyclesim"))
    else {
        return Vec::new();
    };
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|t| t.split_once("::"))
        .map(|(m, i)| (m.to_string(), i.to_string()))
        .collect()
}

/// True when `crates/cyclesim/src/<module>.rs` defines `item` (a struct, enum or function).
fn defined(module: &str, item: &str) -> bool {
    let path = root()
        .join("crates/cyclesim/src")
        .join(format!("{module}.rs"));
    let Ok(src) = std::fs::read_to_string(&path) else {
        return false;
    };
    ["struct", "enum", "fn"]
        .iter()
        .any(|kw| src.contains(&format!("{kw} {item}")))
}

#[test]
fn every_core_and_memory_template_has_an_existing_rust_twin() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for dir in [
        "rtl-templates/core",
        "rtl-templates/mem",
        "rtl-templates/io",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).expect("template folder") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("v") {
                continue;
            }
            let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            if dir.ends_with("io") && IO_WITHOUT_TWIN.contains(&file) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("template");
            let names = twins(&text);
            if names.is_empty() {
                problems.push(format!(
                    "{dir}/{file}: no `Rust twin: spikeloom-cyclesim` line"
                ));
            }
            for (m, i) in names {
                if !defined(&m, &i) {
                    problems.push(format!(
                        "{dir}/{file}: twin `{m}::{i}` not found in crates/cyclesim/src/{m}.rs"
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} templates found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn io_templates_without_twin_are_the_listed_ones() {
    let mut found: Vec<String> = std::fs::read_dir(root().join("rtl-templates/io"))
        .expect("io folder")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".v"))
        .filter(|n| {
            let text = std::fs::read_to_string(root().join("rtl-templates/io").join(n));
            twins(&text.expect("template")).is_empty()
        })
        .collect();
    found.sort();
    assert_eq!(
        found, IO_WITHOUT_TWIN,
        "a new io module needs a twin or a listed reason"
    );
}

#[test]
fn the_twin_check_fails_on_a_missing_item() {
    // the checker itself: a made-up twin is reported
    assert!(!defined("engine", "NoSuchUnit"));
    assert!(defined("engine", "Unit"));
    assert_eq!(
        twins("// Rust twin: spikeloom-cyclesim `a::B`, `c::d` (x)"),
        vec![("a".into(), "B".into()), ("c".into(), "d".into())]
    );
}
