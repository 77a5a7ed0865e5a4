//! Resolution of the discrete-time semantics (convention, dt, reset mode, reset delay) from the
//! caller's options, the NIR file's metadata, and the snnTorch defaults — in that order.
//!
//! NIR files do not record how they were discretized (NIR-NOTES §3.2), so these settings are
//! assumptions unless the user or the file says otherwise; `Semantics::provenance` records which.
//!
//! Metadata keys read from the top-level graph's `metadata/` group (all optional):
//!
//! | key | accepted values |
//! | --- | --- |
//! | `convention` or `library` | `"snntorch"`, `"nir-euler"` (also `"nir_euler"`, `"euler"`), `"norse"`, `"sinabs"`, `"rockpool"` |
//! | `dt` | positive number (float, int, or numeric string), seconds |
//! | `reset_mechanism` or `reset` | `"subtract"`, `"zero"`, `"none"` (snnTorch's names) |
//! | `reset_delay` | bool/int (0/1) or `"true"`/`"false"` |
//!
//! No exporter writes any of these keys (snnTorch, Norse 1.1, Sinabs 3.1 and Rockpool 3.1 write
//! no metadata at all), so for their files the convention is the user's `--semantics` choice.
//! Defaults per convention: dt 1e-4 s (snntorch, nir-euler), 1e-3 s (norse, rockpool when `r`
//! does not give it), 1 (sinabs: tau counts steps); reset subtract with delay (snntorch), zero
//! without delay (nir-euler, norse), subtract without delay (sinabs, rockpool, the only ones
//! they have).

use std::collections::BTreeMap;

use spikeloom_nir::MetaValue;

use crate::error::LowerError;
use crate::net::{Convention, ResetMode, Semantics, SettingSource};

/// snnTorch's hard-coded export time step (`export_nir.py`), in seconds.
pub const SNNTORCH_DT: f64 = 1e-4;

/// Caller overrides; `None` means "take it from the file metadata, else the default".
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SemanticsOptions {
    /// Discretization convention (default: snnTorch).
    pub convention: Option<Convention>,
    /// Time step in seconds (default 1e-4).
    pub dt: Option<f64>,
    /// Reset rule (default: subtract for snnTorch, zero for nir-euler).
    pub reset: Option<ResetMode>,
    /// snnTorch `reset_delay` (default: true for snnTorch, false for nir-euler).
    pub reset_delay: Option<bool>,
}

impl ResetMode {
    /// Parses snnTorch's `reset_mechanism` names.
    pub fn parse(text: &str) -> Option<ResetMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "subtract" => Some(ResetMode::Subtract),
            "zero" => Some(ResetMode::Zero),
            "none" => Some(ResetMode::None),
            _ => None,
        }
    }

    /// snnTorch's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            ResetMode::Subtract => "subtract",
            ResetMode::Zero => "zero",
            ResetMode::None => "none",
        }
    }
}

impl Convention {
    /// Parses `snntorch` / `nir-euler` / `norse` / `sinabs` / `rockpool`.
    pub fn parse(text: &str) -> Option<Convention> {
        match text.trim().to_ascii_lowercase().as_str() {
            "snntorch" => Some(Convention::Snntorch),
            "nir-euler" | "nir_euler" | "euler" => Some(Convention::NirEuler),
            "norse" => Some(Convention::Norse),
            "sinabs" => Some(Convention::Sinabs),
            "rockpool" => Some(Convention::Rockpool),
            "spyx" => Some(Convention::Spyx),
            _ => None,
        }
    }

    /// Canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Snntorch => "snntorch",
            Convention::NirEuler => "nir-euler",
            Convention::Norse => "norse",
            Convention::Sinabs => "sinabs",
            Convention::Rockpool => "rockpool",
            Convention::Spyx => "spyx",
        }
    }

    /// Default time step in seconds (Sinabs: 1, its tau counts steps).
    pub fn default_dt(self) -> f64 {
        match self {
            Convention::Snntorch | Convention::NirEuler => SNNTORCH_DT,
            Convention::Norse | Convention::Rockpool => 1e-3,
            Convention::Sinabs | Convention::Spyx => 1.0,
        }
    }

    /// True when a neuron can emit several spikes in one step (spike counts, not bits).
    pub fn multi_spike(self) -> bool {
        matches!(self, Convention::Sinabs | Convention::Rockpool)
    }
}

/// Resolves every setting: user option, else metadata, else the convention's default.
pub fn resolve(
    opts: &SemanticsOptions,
    metadata: &BTreeMap<String, MetaValue>,
) -> Result<Semantics, LowerError> {
    let mut provenance = Vec::new();

    let (convention, src) = pick(
        opts.convention,
        meta_convention(metadata)?,
        Convention::Snntorch,
    );
    provenance.push(("convention".to_string(), src));

    let (dt, src) = pick(opts.dt, meta_dt(metadata)?, convention.default_dt());
    if !(dt.is_finite() && dt > 0.0) {
        return Err(LowerError::Option {
            option: "dt".into(),
            detail: format!("must be a positive number of seconds, got {dt}"),
        });
    }
    provenance.push(("dt".to_string(), src));

    let default_reset = match convention {
        Convention::Snntorch | Convention::Sinabs | Convention::Rockpool => ResetMode::Subtract,
        Convention::NirEuler | Convention::Norse => ResetMode::Zero,
        Convention::Spyx => ResetMode::Subtract,
    };
    let (reset, src) = pick(opts.reset, meta_reset(metadata)?, default_reset);
    provenance.push(("reset".to_string(), src));

    let default_delay = convention == Convention::Snntorch;
    let (reset_delay, src) = pick(opts.reset_delay, meta_reset_delay(metadata)?, default_delay);
    provenance.push(("reset_delay".to_string(), src));
    crate::exporters::check_settings(convention, reset, reset_delay)?;

    Ok(Semantics {
        convention,
        dt,
        reset,
        reset_delay,
        provenance,
    })
}

fn pick<T>(user: Option<T>, meta: Option<T>, default: T) -> (T, SettingSource) {
    match (user, meta) {
        (Some(v), _) => (v, SettingSource::User),
        (None, Some(v)) => (v, SettingSource::Metadata),
        (None, None) => (default, SettingSource::Default),
    }
}

fn meta_error(key: &str, found: &MetaValue, accepted: &str) -> LowerError {
    LowerError::Metadata {
        key: key.to_string(),
        detail: format!(
            "found {found:?}, expected {accepted}; fix the file or pass the option explicitly"
        ),
    }
}

fn meta_convention(meta: &BTreeMap<String, MetaValue>) -> Result<Option<Convention>, LowerError> {
    const ACCEPTED: &str = "\"snntorch\", \"nir-euler\", \"norse\", \"sinabs\" or \"rockpool\"";
    for key in ["convention", "library"] {
        if let Some(value) = meta.get(key) {
            return match value {
                MetaValue::Str(s) => Convention::parse(s)
                    .map(Some)
                    .ok_or_else(|| meta_error(key, value, ACCEPTED)),
                _ => Err(meta_error(key, value, ACCEPTED)),
            };
        }
    }
    Ok(None)
}

fn meta_dt(meta: &BTreeMap<String, MetaValue>) -> Result<Option<f64>, LowerError> {
    let Some(value) = meta.get("dt") else {
        return Ok(None);
    };
    let dt = match value {
        MetaValue::Float(f) => Some(*f),
        MetaValue::Int(i) => Some(*i as f64),
        MetaValue::Str(s) => s.trim().parse::<f64>().ok(),
        MetaValue::Array(a) if a.len() == 1 => Some(a[0]),
        _ => None,
    };
    match dt {
        Some(dt) if dt.is_finite() && dt > 0.0 => Ok(Some(dt)),
        _ => Err(meta_error("dt", value, "a positive number of seconds")),
    }
}

fn meta_reset(meta: &BTreeMap<String, MetaValue>) -> Result<Option<ResetMode>, LowerError> {
    for key in ["reset_mechanism", "reset"] {
        if let Some(value) = meta.get(key) {
            let accepted = "\"subtract\", \"zero\" or \"none\"";
            return match value {
                MetaValue::Str(s) => ResetMode::parse(s)
                    .map(Some)
                    .ok_or_else(|| meta_error(key, value, accepted)),
                _ => Err(meta_error(key, value, accepted)),
            };
        }
    }
    Ok(None)
}

fn meta_reset_delay(meta: &BTreeMap<String, MetaValue>) -> Result<Option<bool>, LowerError> {
    let Some(value) = meta.get("reset_delay") else {
        return Ok(None);
    };
    let parsed = match value {
        MetaValue::Int(0) => Some(false),
        MetaValue::Int(1) => Some(true),
        MetaValue::Float(f) if *f == 0.0 || *f == 1.0 => Some(*f == 1.0),
        MetaValue::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| meta_error("reset_delay", value, "a bool (0/1) or \"true\"/\"false\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, MetaValue)]) -> BTreeMap<String, MetaValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn defaults_are_snntorch_defaults() {
        let s = resolve(&SemanticsOptions::default(), &BTreeMap::new()).unwrap();
        assert_eq!(s.convention, Convention::Snntorch);
        assert_eq!(s.dt, 1e-4);
        assert_eq!(s.reset, ResetMode::Subtract);
        assert!(s.reset_delay);
        assert!(s
            .provenance
            .iter()
            .all(|(_, src)| *src == SettingSource::Default));
        assert_eq!(s.provenance.len(), 4);
    }

    #[test]
    fn user_beats_metadata_beats_default() {
        let m = meta(&[
            ("reset_mechanism", MetaValue::Str("zero".into())),
            ("reset_delay", MetaValue::Int(0)),
            ("dt", MetaValue::Str("0.001".into())),
        ]);
        let opts = SemanticsOptions {
            reset: Some(ResetMode::None),
            ..Default::default()
        };
        let s = resolve(&opts, &m).unwrap();
        assert_eq!(s.reset, ResetMode::None);
        assert!(!s.reset_delay);
        assert_eq!(s.dt, 1e-3);
        let src: BTreeMap<_, _> = s.provenance.into_iter().collect();
        assert_eq!(src["reset"], SettingSource::User);
        assert_eq!(src["reset_delay"], SettingSource::Metadata);
        assert_eq!(src["dt"], SettingSource::Metadata);
        assert_eq!(src["convention"], SettingSource::Default);
    }

    #[test]
    fn euler_convention_changes_reset_defaults() {
        let m = meta(&[("convention", MetaValue::Str("nir-euler".into()))]);
        let s = resolve(&SemanticsOptions::default(), &m).unwrap();
        assert_eq!(s.convention, Convention::NirEuler);
        assert_eq!(s.reset, ResetMode::Zero);
        assert!(!s.reset_delay);
    }

    #[test]
    fn bad_metadata_names_the_key() {
        let m = meta(&[("reset", MetaValue::Str("halfway".into()))]);
        let err = resolve(&SemanticsOptions::default(), &m).unwrap_err();
        assert!(
            matches!(&err, LowerError::Metadata { key, .. } if key == "reset"),
            "{err}"
        );
        let m = meta(&[("dt", MetaValue::Float(-1.0))]);
        assert!(resolve(&SemanticsOptions::default(), &m).is_err());
        let opts = SemanticsOptions {
            dt: Some(0.0),
            ..Default::default()
        };
        assert!(resolve(&opts, &BTreeMap::new()).is_err());
    }
}
