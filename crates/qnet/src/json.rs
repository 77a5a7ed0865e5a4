//! JSON load/save of a `QNet`, with a format version check before the body is interpreted.

use crate::net::{QNet, FORMAT_VERSION, MIN_FORMAT_VERSION};
use crate::validate::QnetError;

/// Why a qnet JSON file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not JSON, or not the qnet schema.
    #[error("not a valid qnet JSON file: {0}")]
    Json(#[from] serde_json::Error),
    /// No numeric `format` field at the top level.
    #[error("not a qnet file: the top-level `format` field is missing (files from `spikeloom quantize` have it)")]
    MissingFormat,
    /// Written by another format version.
    #[error("unsupported qnet format {found} (this build reads formats {MIN_FORMAT_VERSION} to {supported}); re-run `spikeloom quantize` to regenerate the file")]
    FormatVersion {
        /// Format in the file.
        found: u64,
        /// Newest format this build understands.
        supported: u32,
    },
    /// Parsed but breaks the contract.
    #[error("the qnet file breaks {} rule(s): {}", .0.len(), join(.0))]
    Invalid(Vec<QnetError>),
}

fn join(errs: &[QnetError]) -> String {
    errs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl QNet {
    /// Parses a qnet JSON document, checks its format version first, then validates it.
    pub fn from_json_str(text: &str) -> Result<Self, LoadError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let found = value
            .get("format")
            .and_then(serde_json::Value::as_u64)
            .ok_or(LoadError::MissingFormat)?;
        if !(u64::from(MIN_FORMAT_VERSION)..=u64::from(FORMAT_VERSION)).contains(&found) {
            return Err(LoadError::FormatVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let net: QNet = serde_json::from_value(value)?;
        net.validate().map_err(LoadError::Invalid)?;
        Ok(net)
    }

    /// Pretty-printed JSON (deterministic: field order is the struct order).
    pub fn to_json_string(&self) -> String {
        // Plain data with string keys: serde_json cannot fail here (non-finite `state_lsb` is
        // written as null, which the quantizer never produces).
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
