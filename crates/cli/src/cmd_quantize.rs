//! `spikeloom quantize`: float network -> integer network, with the report and an optional sweep.

use crate::args::QuantizeArgs;
use crate::input::{load_labels, load_steps};
use crate::model::{
    calibration, is_qnet_file, load_nir, load_qnet_calibrated, lower, nir_input, quant_config,
};
use crate::CliError;
use anyhow::anyhow;

/// Run the command.
pub fn run(args: &QuantizeArgs) -> Result<(), CliError> {
    if is_qnet_file(&args.model.model) {
        return Err(CliError::input(anyhow!(
            "{} is already quantized; quantize takes a .nir model",
            args.model.model.display()
        )));
    }
    let loaded = load_nir(&args.model)?;
    let net = lower(&loaded, &args.model)?;
    let calib_spikes = args
        .quant
        .calibrate
        .as_ref()
        .map(|p| load_steps(p, &nir_input(&loaded, &net)))
        .transpose()?;
    let labels = match (&args.labels, &calib_spikes) {
        (Some(p), Some(s)) => Some(load_labels(p, s.n)?),
        (Some(_), None) => {
            return Err(CliError::input(anyhow!(
                "--labels needs --calibrate (the labelled samples)"
            )))
        }
        _ => None,
    };
    let model = load_qnet_calibrated(
        &args.model,
        &args.quant,
        calib_spikes.as_ref(),
        labels.as_deref(),
    )?;
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
        let calib = calibration(&net, spikes, labels.as_deref())?;
        let cfg = quant_config(&args.quant)?;
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
        let rows = spikeloom_quant::sweep(&net, &calib, &cfg, &wb, &sb)
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
