//! Loading a model: NIR file -> validated flat graph -> float network with the chosen semantics.

use crate::args::{ModelArgs, QuantArgs, ResetArg, SemanticsArg};
use crate::input::{load_graded, Spikes};
use crate::CliError;
use anyhow::anyhow;
use spikeloom_float::{Convention, FloatNet, ResetMode, SemanticsOptions, SpikeInput};
use spikeloom_nir::{Graph, NirFile};
use spikeloom_qnet::{QNet, SpikeSteps};
use spikeloom_quant::{Calibration, QuantConfig, QuantReport};
use std::path::Path;

/// A model read from a `.nir` file.
pub struct LoadedNir {
    /// The file as read.
    pub file: NirFile,
    /// The graph with subgraphs inlined.
    pub flat: Graph,
    /// SHA-256 of the file bytes (hex), recorded in generated artifacts.
    pub sha256: String,
}

/// The semantic options the user gave.
pub fn semantics_options(args: &ModelArgs) -> SemanticsOptions {
    SemanticsOptions {
        convention: args.semantics.map(|s| match s {
            SemanticsArg::Snntorch => Convention::Snntorch,
            SemanticsArg::NirEuler => Convention::NirEuler,
            SemanticsArg::Norse => Convention::Norse,
            SemanticsArg::Sinabs => Convention::Sinabs,
            SemanticsArg::Rockpool => Convention::Rockpool,
            SemanticsArg::Spyx => Convention::Spyx,
        }),
        dt: args.dt,
        reset: args.reset.map(|r| match r {
            ResetArg::Subtract => ResetMode::Subtract,
            ResetArg::Zero => ResetMode::Zero,
            ResetArg::None => ResetMode::None,
        }),
        reset_delay: args.reset_delay,
    }
}

/// Read, validate and flatten a `.nir` file. Every problem is reported at once (exit code 2).
pub fn load_nir(args: &ModelArgs) -> Result<LoadedNir, CliError> {
    let path = &args.model;
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::input(anyhow!("cannot read {}: {e}", path.display())))?;
    let file = spikeloom_nir::read_bytes(&bytes)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))?;
    spikeloom_nir::validate(&file.graph)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))?;
    let flat = spikeloom_nir::flatten_subgraphs(&file.graph)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))?;
    Ok(LoadedNir {
        sha256: sha256_hex(&bytes),
        file,
        flat,
    })
}

/// Lower a loaded graph to the float network.
pub fn lower(loaded: &LoadedNir, args: &ModelArgs) -> Result<FloatNet, CliError> {
    spikeloom_float::lower(&loaded.flat, &semantics_options(args))
        .map_err(|e| CliError::input(anyhow!("{}: {e}", args.model.display())))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A model ready for the integer engines and the hardware.
pub struct LoadedModel {
    /// The integer network.
    pub qnet: QNet,
    /// SHA-256 of the model file.
    pub source_sha256: String,
    /// The quantization report (absent for a `.q.json`).
    pub report: Option<QuantReport>,
}

/// True when the model file is a quantized network rather than a NIR file.
pub fn is_qnet_file(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".json")
}

/// Load a `.q.json`, or read + lower + quantize a `.nir` (calibrated on `--calibrate` if given,
/// else on `default_calib`, else with estimated ranges).
pub fn load_qnet_calibrated(
    model: &ModelArgs,
    quant: &QuantArgs,
    default_calib: Option<&Spikes>,
    labels: Option<&[i64]>,
) -> Result<LoadedModel, CliError> {
    let path = &model.model;
    if is_qnet_file(path) {
        let bytes = std::fs::read(path)
            .map_err(|e| CliError::input(anyhow!("cannot read {}: {e}", path.display())))?;
        let text = String::from_utf8_lossy(&bytes);
        let qnet = QNet::from_json_str(&text)
            .map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))?;
        return Ok(LoadedModel {
            qnet,
            source_sha256: sha256_hex(&bytes),
            report: None,
        });
    }
    let loaded = load_nir(model)?;
    let net = lower(&loaded, model)?;
    let cfg = quant_config(quant)?;
    let owned;
    let calib_spikes = match &quant.calibrate {
        Some(p) => {
            owned = load_graded(p, net.input_size)?;
            Some(&owned)
        }
        None => default_calib,
    };
    let calib = match calib_spikes {
        Some(s) => Some(calibration(&net, s, labels)?),
        None => None,
    };
    let (mut qnet, report) = spikeloom_quant::quantize(&net, calib.as_ref(), &cfg)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", path.display())))?;
    qnet.provenance
        .insert(0, ("source_sha256".into(), loaded.sha256.clone()));
    Ok(LoadedModel {
        qnet,
        source_sha256: loaded.sha256,
        report: Some(report),
    })
}

/// [`load_qnet_calibrated`] with `--calibrate` as the only calibration source.
pub fn load_qnet(model: &ModelArgs, quant: &QuantArgs) -> Result<LoadedModel, CliError> {
    load_qnet_calibrated(model, quant, None, None)
}

/// The layered quantization config: file (if any), then CLI flags on the model defaults.
pub fn quant_config(quant: &QuantArgs) -> Result<QuantConfig, CliError> {
    let mut cfg = match &quant.quant_config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::input(anyhow!("cannot read {}: {e}", p.display())))?;
            QuantConfig::from_toml_str(&text)
                .map_err(|e| CliError::input(anyhow!("{}: {e}", p.display())))?
        }
        None => QuantConfig::default(),
    };
    if quant.weight_bits.is_some() {
        cfg.default.weight_bits = quant.weight_bits;
    }
    if quant.state_bits.is_some() {
        cfg.default.state_bits = quant.state_bits;
    }
    if quant.decay_shift.is_some() {
        cfg.default.decay_shift = quant.decay_shift;
    }
    if quant.spike_bits.is_some() {
        cfg.default.spike_bits = quant.spike_bits;
    }
    if quant.input_bits.is_some() {
        cfg.input_bits = quant.input_bits;
    }
    Ok(cfg)
}

/// Run the float engine on `spikes` and package it as calibration data.
pub fn calibration(
    net: &FloatNet,
    spikes: &Spikes,
    labels: Option<&[i64]>,
) -> Result<Calibration, CliError> {
    // Any u8 value: the quantizer derives QNet::input_bits from the data (or checks it).
    let input = SpikeSteps::graded(spikes.t, spikes.n, spikes.f, spikes.data.clone(), 8)
        .map_err(CliError::input)?;
    let fi = SpikeInput::new(spikes.t, spikes.n, spikes.f, spikes.data.clone())
        .map_err(CliError::input)?;
    let float = spikeloom_float::simulate(net, &fi).map_err(CliError::input)?;
    let labels = labels.map(|l| {
        l.iter()
            .map(|&v| usize::try_from(v).unwrap_or(usize::MAX))
            .collect()
    });
    Calibration::new(net, input, float, labels).map_err(CliError::input)
}
