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
//! | `convention` or `library` | `"snntorch"`, `"nir-euler"` (also `"nir_euler"`, `"euler"`), `"norse"`, `"sinabs"`, `"rockpool"`, `"spyx"` |
//! | `dt` | positive number (float, int, or numeric string), seconds |
//! | `reset_mechanism` or `reset` | `"subtract"`, `"zero"`, `"none"` (snnTorch's names) |
//! | `reset_delay` | bool/int (0/1) or `"true"`/`"false"` |
//!
//! No exporter writes any of these keys (snnTorch, Norse 1.1, Sinabs 3.1, Rockpool 3.1 and Spyx
//! 1.0 write no metadata at all), so for their files the convention is the user's `--semantics`
//! choice, else a guess from the parameters (below), else snnTorch.
//!
//! ## Guessing the convention from the parameters (`guess_convention`)
//!
//! Used only when neither the user nor the metadata chose a convention, and reported as
//! `SettingSource::Guessed("...")` ("guessed from ..." in `inspect`). What each exporter writes
//! into LIF / CubaLIF nodes (`tau` = `tau_mem` for CubaLIF):
//!
//! | exporter | `r` | rule used | reliable? |
//! | --- | --- | --- | --- |
//! | snnTorch 1.0 | `tau / 1e-4` (hard-coded dt) | `r·1e-4/tau = 1` | yes; it is the default anyway, so no guess is recorded |
//! | Spyx 1.0 | `beta` with `tau = 1/(1 - beta)` (dt = 1) | `r = 1 - 1/tau`, some `r < 1` | yes: snnTorch has `r >= 1`, Norse/Sinabs `r = 1` |
//! | Rockpool 3.1 | `tau·exp(-dt/tau)/dt` | one dt solves it for every neuron, and the layer taus differ | only with two or more distinct taus: with one tau, any `r > 0` is solved by some dt |
//! | Norse 1.1 | `1` | — | no: Sinabs writes `r = 1` too, and both write `IF(r = 1)` |
//! | Sinabs 3.1 | `1` | — | no (same) |
//!
//! Norse and Sinabs are told apart only by the size of tau (Norse: seconds times dt, Sinabs:
//! steps), which is a magnitude heuristic, not a fingerprint, and IF-only networks carry no
//! evidence at all; for those files the explicit option remains the only way. Lava-dl was not
//! examined (it could not be installed here).
//! Defaults per convention: dt 1e-4 s (snntorch, nir-euler), 1e-3 s (norse, rockpool when `r`
//! does not give it), 1 (sinabs: tau counts steps; spyx: its import's default); reset subtract
//! with delay (snntorch), zero without delay (nir-euler, norse), subtract without delay (sinabs,
//! rockpool, spyx: the only ones they have).

use std::collections::BTreeMap;

use spikeloom_nir::{Graph, MetaValue, Node, Tensor};

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

/// Resolves every setting for `graph`: user option, else its metadata, else (convention only)
/// a guess from its parameters, else the convention's default.
pub fn resolve_for_graph(opts: &SemanticsOptions, graph: &Graph) -> Result<Semantics, LowerError> {
    let guess = match (opts.convention, meta_convention(&graph.metadata)?) {
        (None, None) => guess_convention(graph),
        _ => None,
    };
    resolve(opts, &graph.metadata, guess)
}

/// Resolves every setting: user option, else metadata, else `guess` (convention only), else
/// the convention's default.
fn resolve(
    opts: &SemanticsOptions,
    metadata: &BTreeMap<String, MetaValue>,
    guess: Option<(Convention, &'static str)>,
) -> Result<Semantics, LowerError> {
    let mut provenance = Vec::new();

    let (convention, src) = match (opts.convention, meta_convention(metadata)?, guess) {
        (Some(c), _, _) => (c, SettingSource::User),
        (None, Some(c), _) => (c, SettingSource::Metadata),
        (None, None, Some((c, why))) => (c, SettingSource::Guessed(why)),
        (None, None, None) => (Convention::Snntorch, SettingSource::Default),
    };
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

/// The exporter whose parameter signature every LIF / CubaLIF node of `graph` carries, when that
/// is a reliable fingerprint and not the default (see the module doc); `None` otherwise.
pub fn guess_convention(graph: &Graph) -> Option<(Convention, &'static str)> {
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    for node in graph.nodes.values() {
        let (tau, r) = match node {
            Node::Lif { tau, r, .. } => (tau, r),
            Node::CubaLif { tau_mem, r, .. } => (tau_mem, r),
            _ => continue,
        };
        pairs.extend(tau_r_pairs(tau, r)?);
    }
    if pairs.is_empty()
        || pairs
            .iter()
            .any(|(t, r)| t.is_nan() || !r.is_finite() || *t <= 0.0)
    {
        return None;
    }
    let snntorch = pairs
        .iter()
        .all(|(t, r)| (r * SNNTORCH_DT / t - 1.0).abs() <= 1e-5);
    if snntorch {
        return None; // the default already
    }
    let spyx = pairs
        .iter()
        .all(|(t, r)| (0.0..=1.0).contains(r) && (r - (1.0 - 1.0 / t)).abs() <= 1e-6)
        && pairs.iter().any(|(_, r)| *r < 1.0);
    if spyx {
        return Some((
            Convention::Spyx,
            "r = 1 - 1/tau in every LIF/CubaLIF, what spyx.nir.to_nir writes (r = beta, dt = 1)",
        ));
    }
    if rockpool_signature(&pairs) {
        return Some((
            Convention::Rockpool,
            "r = tau*exp(-dt/tau)/dt with one dt for neurons of different tau, what rockpool's to_nir writes",
        ));
    }
    None
}

/// Per-neuron `(tau, r)`; `None` when the shapes do not broadcast (no guess then).
fn tau_r_pairs(tau: &Tensor, r: &Tensor) -> Option<Vec<(f64, f64)>> {
    let n = tau.len().max(r.len());
    let at = |t: &Tensor, i: usize| match t.len() {
        1 => Some(t.data[0]),
        len if len == n => Some(t.data[i]),
        _ => None,
    };
    (0..n).map(|i| Some((at(tau, i)?, at(r, i)?))).collect()
}

/// Rockpool: `a·e^a = 1/r` with `a = dt/tau` gives the same dt for every neuron, over at least
/// two distinct taus (with one tau every `r > 0` has a solution).
fn rockpool_signature(pairs: &[(f64, f64)]) -> bool {
    if pairs.iter().any(|(t, r)| !t.is_finite() || *r <= 0.0) {
        return false;
    }
    let (t0, _) = pairs[0];
    if !pairs.iter().any(|(t, _)| ((t - t0) / t0).abs() > 1e-3) {
        return false;
    }
    let dts: Vec<f64> = pairs
        .iter()
        .map(|(t, r)| crate::exporters::lambert_w0(1.0 / r) * t)
        .collect();
    dts.iter().all(|d| ((d - dts[0]) / dts[0]).abs() <= 1e-5)
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
    const ACCEPTED: &str =
        "\"snntorch\", \"nir-euler\", \"norse\", \"sinabs\", \"rockpool\" or \"spyx\"";
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
        let s = resolve(&SemanticsOptions::default(), &BTreeMap::new(), None).unwrap();
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
        let s = resolve(&opts, &m, None).unwrap();
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
        let s = resolve(&SemanticsOptions::default(), &m, None).unwrap();
        assert_eq!(s.convention, Convention::NirEuler);
        assert_eq!(s.reset, ResetMode::Zero);
        assert!(!s.reset_delay);
    }

    fn t(data: &[f64]) -> Tensor {
        Tensor {
            shape: vec![data.len()],
            data: data.to_vec(),
            dtype: spikeloom_nir::FloatDtype::F32,
        }
    }

    /// One LIF node with the given per-neuron tau and r.
    fn lif_graph(tau: &[f64], r: &[f64]) -> Graph {
        let zeros = vec![0.0; tau.len()];
        let node = Node::Lif {
            tau: t(tau),
            r: t(r),
            v_leak: t(&zeros),
            v_threshold: t(&vec![1.0; tau.len()]),
            v_reset: t(&zeros),
        };
        Graph {
            nodes: [("lif".to_string(), node)].into_iter().collect(),
            edges: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }

    #[test]
    fn only_fingerprints_are_guessed() {
        // Spyx: r = beta, tau = 1/(1 - beta) (values from its export formula, dt = 1).
        let spyx = lif_graph(&[10.0, 2.0, 4.0], &[0.9, 0.5, 0.75]);
        assert_eq!(guess_convention(&spyx).map(|g| g.0), Some(Convention::Spyx));
        // snnTorch: r = tau/1e-4 is the default, no guess.
        let snn = lif_graph(&[1e-3, 5e-4], &[10.0, 5.0]);
        assert_eq!(guess_convention(&snn), None);
        // Norse and Sinabs both write r = 1: no guess.
        assert_eq!(guess_convention(&lif_graph(&[2.0, 5.0], &[1.0, 1.0])), None);
        // Rockpool r = tau*exp(-dt/tau)/dt, dt = 1e-3: a guess only with distinct taus.
        let rp = |tau: f64| tau * (-1e-3 / tau).exp() / 1e-3;
        let two = lif_graph(&[0.02, 0.005], &[rp(0.02), rp(0.005)]);
        assert_eq!(
            guess_convention(&two).map(|g| g.0),
            Some(Convention::Rockpool)
        );
        let one = lif_graph(&[0.02, 0.02], &[rp(0.02), rp(0.02)]);
        assert_eq!(guess_convention(&one), None);
    }

    #[test]
    fn a_guess_yields_to_the_user_and_the_metadata() {
        let mut g = lif_graph(&[10.0, 4.0], &[0.9, 0.75]);
        let s = resolve_for_graph(&SemanticsOptions::default(), &g).unwrap();
        assert_eq!(s.convention, Convention::Spyx);
        assert!(matches!(s.provenance[0].1, SettingSource::Guessed(_)));
        // The guessed convention's defaults follow (Spyx: dt = 1, subtract, no delay).
        assert_eq!(
            (s.dt, s.reset, s.reset_delay),
            (1.0, ResetMode::Subtract, false)
        );
        let opts = SemanticsOptions {
            convention: Some(Convention::Snntorch),
            ..Default::default()
        };
        let s = resolve_for_graph(&opts, &g).unwrap();
        assert_eq!(s.convention, Convention::Snntorch);
        g.metadata
            .insert("convention".into(), MetaValue::Str("norse".into()));
        let s = resolve_for_graph(&SemanticsOptions::default(), &g).unwrap();
        assert_eq!(s.convention, Convention::Norse);
        assert_eq!(s.provenance[0].1, SettingSource::Metadata);
    }

    #[test]
    fn bad_metadata_names_the_key() {
        let m = meta(&[("reset", MetaValue::Str("halfway".into()))]);
        let err = resolve(&SemanticsOptions::default(), &m, None).unwrap_err();
        assert!(
            matches!(&err, LowerError::Metadata { key, .. } if key == "reset"),
            "{err}"
        );
        let m = meta(&[("dt", MetaValue::Float(-1.0))]);
        assert!(resolve(&SemanticsOptions::default(), &m, None).is_err());
        let opts = SemanticsOptions {
            dt: Some(0.0),
            ..Default::default()
        };
        assert!(resolve(&opts, &BTreeMap::new(), None).is_err());
    }
}
