//! Arguments -> the pipeline's validated config (the only place that reads the environment for
//! it), and the session every model command opens (its notes go to stderr).

use crate::args::{ModelArgs, QuantArgs, ResetArg, SemanticsArg, SpikeModeArg};
use crate::CliError;
use anyhow::anyhow;
use spikeloom_float::{Convention, NorseVersion, ResetMode, SemanticsOptions, SpikeMode};
use spikeloom_nir::ReadOptions;
use spikeloom_pipeline::{Config, Event, QuantSettings, Session};

/// Environment variable with the reader's dataset limit in MiB (`--max-dataset-mib` wins).
pub const MAX_DATASET_ENV: &str = "SPIKELOOM_MAX_DATASET_MIB";

/// The semantic options the user gave.
fn semantics(args: &ModelArgs) -> SemanticsOptions {
    let (convention, norse) = match args.semantics {
        None => (None, None),
        Some(s) => {
            let (c, v) = match s {
                SemanticsArg::Snntorch => (Convention::Snntorch, None),
                SemanticsArg::NirEuler => (Convention::NirEuler, None),
                SemanticsArg::Norse => (Convention::Norse, None),
                SemanticsArg::NorseBefore11 => (Convention::Norse, Some(NorseVersion::Before1_1)),
                SemanticsArg::Norse11 => (Convention::Norse, Some(NorseVersion::V1_1)),
                SemanticsArg::NorseAfter11 => (Convention::Norse, Some(NorseVersion::After1_1)),
                SemanticsArg::Sinabs => (Convention::Sinabs, None),
                SemanticsArg::Rockpool => (Convention::Rockpool, None),
                SemanticsArg::Spyx => (Convention::Spyx, None),
                SemanticsArg::Spikingjelly => (Convention::Spikingjelly, None),
            };
            (Some(c), v)
        }
    };
    SemanticsOptions {
        convention,
        norse,
        nir_version: None,
        dt: args.dt,
        reset: args.reset.map(|r| match r {
            ResetArg::Subtract => ResetMode::Subtract,
            ResetArg::Zero => ResetMode::Zero,
            ResetArg::None => ResetMode::None,
        }),
        reset_delay: args.reset_delay,
        spike_mode: args.spike_mode.map(|m| match m {
            SpikeModeArg::Single => SpikeMode::Single,
            SpikeModeArg::Multi => SpikeMode::Multi,
        }),
    }
}

/// The NIR reader's options: `--max-dataset-mib`, else `SPIKELOOM_MAX_DATASET_MIB`, else the
/// library default.
fn read_options(args: &ModelArgs) -> Result<ReadOptions, CliError> {
    let mib = match (args.max_dataset_mib, std::env::var(MAX_DATASET_ENV)) {
        (Some(m), _) => Some(m),
        (None, Ok(text)) => Some(text.trim().parse::<u64>().map_err(|_| {
            CliError::input(anyhow!(
                "{MAX_DATASET_ENV}={text:?} is not a whole number of MiB (for example 2048)"
            ))
        })?),
        (None, Err(_)) => None,
    };
    Ok(match mib {
        Some(0) => {
            return Err(CliError::input(anyhow!(
                "the dataset limit must be at least 1 MiB (--max-dataset-mib / {MAX_DATASET_ENV})"
            )))
        }
        Some(m) => ReadOptions {
            max_dataset_bytes: m.saturating_mul(1 << 20),
        },
        None => ReadOptions::default(),
    })
}

/// The quantization settings of the arguments.
pub fn quant_settings(q: &QuantArgs) -> QuantSettings {
    QuantSettings {
        config_file: q.quant_config.clone(),
        weight_bits: q.weight_bits,
        state_bits: q.state_bits,
        decay_shift: q.decay_shift,
        spike_bits: q.spike_bits,
        input_bits: q.input_bits,
        calibrate: q.calibrate.clone(),
    }
}

/// The validated config of a model command.
pub fn config(model: &ModelArgs, quant: Option<&QuantArgs>) -> Result<Config, CliError> {
    Ok(Config {
        model: model.model.clone(),
        semantics: semantics(model),
        read: read_options(model)?,
        quant: quant.map(quant_settings).unwrap_or_default(),
        layers: Vec::new(),
    })
}

/// A session on the model, printing its notes on stderr.
pub fn session(model: &ModelArgs, quant: Option<&QuantArgs>) -> Result<Session<'static>, CliError> {
    Ok(Session::new(config(model, quant)?).on_event(|e| match e {
        Event::Note(text) => eprintln!("note: {text}"),
    }))
}
