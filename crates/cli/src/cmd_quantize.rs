//! `spikeloom quantize`: float network -> integer network, with the report and an optional sweep.

use crate::args::QuantizeArgs;
use crate::CliError;
use anyhow::anyhow;
use spikeloom_pipeline::input::load_labels;
use spikeloom_pipeline::model::quant_config;
use spikeloom_pipeline::Session;

/// Run the command.
pub fn run(args: &QuantizeArgs) -> Result<(), CliError> {
    let session = crate::config::session(&args.model, Some(&args.quant))?;
    if session.config().is_qnet() {
        return Err(CliError::input(anyhow!(
            "{} is already quantized; quantize takes a .nir model",
            args.model.model.display()
        )));
    }
    session.float_net()?;
    let calib_spikes = session.calibration_input()?.cloned();
    let labels = match (&args.labels, &calib_spikes) {
        (Some(p), Some(s)) => Some(load_labels(p, s.samples())?),
        (Some(_), None) => {
            return Err(CliError::input(anyhow!(
                "--labels needs --calibrate (the labelled samples)"
            )))
        }
        _ => None,
    };
    if let Some(pct) = args.max_accuracy_drop {
        let (Some(spikes), Some(labels)) = (&calib_spikes, &labels) else {
            return Err(CliError::input(anyhow!(
                "--max-accuracy-drop needs --calibrate and --labels (the labelled samples the \
                 accuracy is measured on)"
            )));
        };
        let calib = session.calibration(spikes, Some(labels))?;
        return precision_search(args, &session, &calib, pct);
    }
    let session = session.with_calibration(None, labels.clone());
    let model = session.quantized()?;
    let report = model
        .report
        .as_ref()
        .expect("a .nir model always has a quantization report");
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
    } else {
        println!("{report}");
    }
    if let Some(out) = &args.output {
        std::fs::write(out, model.qnet.to_json_string())
            .map_err(|e| CliError::failure(anyhow!("cannot write {}: {e}", out.display())))?;
        eprintln!("wrote {}", out.display());
    }
    if !args.sweep_weight_bits.is_empty() || !args.sweep_state_bits.is_empty() {
        let spikes = calib_spikes.as_ref().ok_or_else(|| {
            CliError::input(anyhow!(
                "--sweep-* needs --calibrate (and --labels for accuracy)"
            ))
        })?;
        let calib = session.calibration(spikes, labels.as_deref())?;
        let cfg = quant_config(&session.config().quant)?;
        let net = session.float_net()?;
        let wb = if args.sweep_weight_bits.is_empty() {
            vec![8]
        } else {
            args.sweep_weight_bits.clone()
        };
        let sb = if args.sweep_state_bits.is_empty() {
            vec![16]
        } else {
            args.sweep_state_bits.clone()
        };
        let rows = spikeloom_quant::sweep(net, &calib, &cfg, &wb, &sb)
            .map_err(|e| CliError::input(anyhow!("{e}")))?;
        println!("\nsweep: weight_bits state_bits  accuracy  spike_agreement  memory_bits");
        for r in rows {
            let pct = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{:.2}%", 100.0 * x));
            println!(
                "       {:>11} {:>10} {:>9} {:>16} {:>12}",
                r.weight_bits,
                r.state_bits,
                pct(r.accuracy),
                pct(r.spike_agreement),
                r.memory_bits
            );
        }
    }
    Ok(())
}

/// `--max-accuracy-drop`: search per-layer widths, print the report and the path taken, write
/// the network (`-o`) and its per-layer TOML config beside it.
fn precision_search(
    args: &QuantizeArgs,
    session: &Session,
    calib: &spikeloom_quant::Calibration,
    pct: f64,
) -> Result<(), CliError> {
    let found = session.precision_search(calib, pct / 100.0)?;
    let qnet = &found.qnet;
    let toml = found.config.to_toml_string().map_err(CliError::failure)?;
    if args.json {
        let out = serde_json::json!({
            "report": found.report,
            "search": {
                "float_accuracy": found.float_accuracy,
                "floor": found.floor,
                "start": { "memory_bits": found.start.0, "accuracy": found.start.1 },
                "path": found.path,
                "evaluations": found.evaluations,
            },
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!("{}", found.report);
        println!(
            "\nprecision search: float accuracy {:.2}%, keep fixed >= {:.2}% (drop <= {pct} points); \
             {} quantizations",
            100.0 * found.float_accuracy,
            100.0 * found.floor,
            found.evaluations
        );
        println!(
            "  start        {:>10} bits  accuracy {:.2}%",
            found.start.0,
            100.0 * found.start.1
        );
        for s in &found.path {
            println!(
                "  {:<12} {:>10} bits  accuracy {:.2}%  ({} {} {} -> {})",
                "",
                s.memory_bits,
                100.0 * s.accuracy,
                s.layer,
                s.width.key(),
                s.from,
                s.to
            );
        }
        println!(
            "  chosen: {} -> {} bits of weights + state ({} moves)",
            found.start.0,
            found.path.last().map_or(found.start.0, |s| s.memory_bits),
            found.path.len()
        );
    }
    match &args.output {
        Some(out) => {
            std::fs::write(out, qnet.to_json_string())
                .map_err(|e| CliError::failure(anyhow!("cannot write {}: {e}", out.display())))?;
            let config = config_path(out);
            std::fs::write(&config, &toml).map_err(|e| {
                CliError::failure(anyhow!("cannot write {}: {e}", config.display()))
            })?;
            eprintln!(
                "wrote {} and its per-layer config {} (quantize again with --quant-config {})",
                out.display(),
                config.display(),
                config.display()
            );
        }
        None => println!("\nper-layer config (TOML; -o writes it beside the .q.json):\n{toml}"),
    }
    Ok(())
}

/// `model.q.json` -> `model.q.toml` (any other name: `.toml` appended).
fn config_path(out: &std::path::Path) -> std::path::PathBuf {
    let name = out.to_string_lossy();
    match name.strip_suffix(".json") {
        Some(stem) => std::path::PathBuf::from(format!("{stem}.toml")),
        None => std::path::PathBuf::from(format!("{name}.toml")),
    }
}
