//! A reader of VCD files (via the `vcd` crate, independent of the writer under test) that samples
//! every variable at each falling clock edge, when a cycle's inputs and outputs are all settled.
#![allow(dead_code)]

use std::collections::BTreeMap;
use vcd::{Command, ScopeItem};

/// Values of the variables (hierarchical name -> binary text, MSB first, full width) at one
/// falling edge of `clk`.
pub type Sample = BTreeMap<String, String>;

fn collect(items: &[ScopeItem], path: &str, out: &mut Vec<(String, vcd::IdCode, u32)>) {
    for item in items {
        match item {
            ScopeItem::Scope(s) => {
                let p = if path.is_empty() {
                    s.identifier.clone()
                } else {
                    format!("{path}.{}", s.identifier)
                };
                collect(&s.items, &p, out);
            }
            ScopeItem::Var(v) => out.push((format!("{path}.{}", v.reference), v.code, v.size)),
            _ => {}
        }
    }
}

/// Left-extend a VCD value to `width` bits (with 0, or x/z when that is the leading digit).
fn extend(v: &str, width: u32) -> String {
    let w = width as usize;
    if v.len() >= w {
        return v[v.len() - w..].to_string();
    }
    let pad = match v.chars().next() {
        Some(c @ ('x' | 'z' | 'X' | 'Z')) => c.to_ascii_lowercase(),
        _ => '0',
    };
    format!("{}{v}", pad.to_string().repeat(w - v.len()))
}

/// Parse `text` and return the samples at every falling edge of the variable `<top>.clk`,
/// where `top` is the scope path of the design (e.g. `spikeloom_top` or `tb.dut`); names in
/// the samples are relative to `top`. Panics on malformed VCD (this is a test helper).
pub fn negedge_samples(text: &str, top: &str) -> Vec<Sample> {
    let mut parser = vcd::Parser::new(text.as_bytes());
    let header = parser.parse_header().expect("VCD header");
    let mut vars = Vec::new();
    collect(&header.items, "", &mut vars);
    let prefix = format!("{top}.");
    let vars: Vec<(String, vcd::IdCode, u32)> = vars
        .into_iter()
        .filter_map(|(n, c, w)| n.strip_prefix(&prefix).map(|r| (r.to_string(), c, w)))
        .collect();
    let clk = vars
        .iter()
        .find(|(n, _, _)| n == "clk")
        .map(|v| v.1)
        .expect("clk declared");
    let mut now: BTreeMap<vcd::IdCode, String> = BTreeMap::new();
    let mut samples = Vec::new();
    let mut last_time: Option<u64> = None;
    let mut clk_before = String::from("x");
    let mut flush = |now: &BTreeMap<vcd::IdCode, String>, clk_before: &mut String| {
        let c = now.get(&clk).cloned().unwrap_or_else(|| "x".into());
        if c == "0" && *clk_before != "0" {
            samples.push(
                vars.iter()
                    .map(|(n, code, w)| {
                        let v = now.get(code).cloned().unwrap_or_else(|| "x".into());
                        (n.clone(), extend(&v, *w))
                    })
                    .collect(),
            );
        }
        *clk_before = c;
    };
    for cmd in parser {
        match cmd.expect("VCD command") {
            Command::Timestamp(t) => {
                if let Some(prev) = last_time {
                    assert!(t > prev, "timestamps must increase: {prev} then {t}");
                    flush(&now, &mut clk_before);
                }
                last_time = Some(t);
            }
            Command::ChangeScalar(code, v) => {
                now.insert(code, v.to_string());
            }
            Command::ChangeVector(code, v) => {
                now.insert(code, v.to_string());
            }
            _ => {}
        }
    }
    flush(&now, &mut clk_before);
    samples
}

/// Unsigned value of a sampled binary text (None if it holds x/z).
pub fn uint(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 2).ok()
}
