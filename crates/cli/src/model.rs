//! Loading a model: NIR file -> validated flat graph -> float network with the chosen semantics.

use crate::args::{ModelArgs, ResetArg, SemanticsArg};
use crate::CliError;
use anyhow::anyhow;
use spikeloom_float::{Convention, FloatNet, ResetMode, SemanticsOptions};
use spikeloom_nir::{Graph, NirFile};

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
    Ok(LoadedNir { sha256: sha256_hex(&bytes), file, flat })
}

/// Lower a loaded graph to the float network.
pub fn lower(loaded: &LoadedNir, args: &ModelArgs) -> Result<FloatNet, CliError> {
    spikeloom_float::lower(&loaded.flat, &semantics_options(args))
        .map_err(|e| CliError::input(anyhow!("{}: {e}", args.model.display())))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
