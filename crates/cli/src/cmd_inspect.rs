//! `spikeloom inspect`: graph, shapes, sizes, parameter summary, semantics assumed, support.

use crate::args::InspectArgs;
use crate::CliError;
use serde_json::Value;

/// Run the command.
pub fn run(args: &InspectArgs) -> Result<(), CliError> {
    let report = spikeloom_pipeline::inspect::report(&crate::config::config(&args.model, None)?)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print_text(&report);
    }
    Ok(())
}

fn print_text(r: &Value) {
    println!(
        "model   {} (nir {}, sha256 {})",
        r["file"].as_str().unwrap_or(""),
        r["nir_version"].as_str().unwrap_or("?"),
        &r["sha256"].as_str().unwrap_or("")[..12]
    );
    println!("nodes");
    for n in r["nodes"].as_array().into_iter().flatten() {
        println!(
            "  {:<20} {:<10} in {:<14} out {:<14} {}",
            n["name"].as_str().unwrap_or(""),
            n["type"].as_str().unwrap_or(""),
            n["input_shape"].to_string(),
            n["output_shape"].to_string(),
            n["parameters"].as_str().unwrap_or("")
        );
    }
    let edges: Vec<String> = r["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{} -> {}",
                e[0].as_str().unwrap_or(""),
                e[1].as_str().unwrap_or("")
            )
        })
        .collect();
    println!("edges   {}", edges.join(", "));
    if let Some(n) = r["neurons"].as_u64() {
        println!("size    {n} neurons, {} synapses", r["synapses"]);
    }
    if let Some(o) = r["output"].as_object() {
        println!(
            "output  layer `{}` (feeds Output node `{}`)",
            o["layer"].as_str().unwrap_or(""),
            o["output_node"].as_str().unwrap_or("")
        );
        if let Some(note) = o["note"].as_str() {
            println!("          ^ {note}");
        }
    }
    if let Some(s) = r["semantics"].as_object() {
        println!("semantics (NIR files do not record these; check them):");
        for (k, v) in s {
            let flag = match k.as_str() {
                "convention" => "semantics".to_string(),
                other => other.replace('_', "-"),
            };
            println!("  {k:<12} {}", v["value"].to_string().trim_matches('"'));
            let evidence: Vec<&str> = match &v["evidence"] {
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                Value::String(e) => vec![e.as_str()],
                _ => Vec::new(),
            };
            match v["source"].as_str() {
                Some("default") => {
                    println!("  {:<12}   ^ assumed default; override with --{flag}", "")
                }
                Some(src @ ("version" | "fingerprint")) => {
                    println!("  {:<12}   ^ a guess ({src}); override with --{flag}", "");
                }
                Some(src) => println!("  {:<12}   ^ from the {src}", ""),
                None => {}
            }
            for e in evidence {
                println!("  {:<12}     {e}", "");
            }
            for a in v["alternatives"].as_array().into_iter().flatten() {
                println!(
                    "  {:<12}   the file also fits {} ({}); it would change:",
                    "",
                    a["name"].as_str().unwrap_or(""),
                    a["fits"].as_str().unwrap_or("")
                );
                let differs = a["differs"].as_array().cloned().unwrap_or_default();
                if differs.is_empty() {
                    println!("  {:<12}     nothing (the same network)", "");
                }
                for d in differs {
                    println!("  {:<12}     {}", "", d.as_str().unwrap_or(""));
                }
            }
        }
    }
    println!("support");
    for (k, v) in r["support"].as_object().into_iter().flatten() {
        if k != "summary" {
            println!("  {k:<12} {}", v.as_str().unwrap_or(""));
        }
    }
    for l in r["support"]["summary"].as_array().into_iter().flatten() {
        println!("  layer {}", l.as_str().unwrap_or(""));
    }
}
