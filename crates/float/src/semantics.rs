//! Resolution of the discrete-time semantics (convention, dt, reset mode, reset delay) from the
//! caller's options, the NIR file's metadata, and the snnTorch defaults — in that order.
//!
//! NIR files do not record how they were discretized (snnTorch's export, for one, assumes
//! dt = 1e-4 without writing it and writes neither its reset mechanism nor `reset_delay`;
//! ARCHITECTURE.md "Semantics"), so these settings are
//! assumptions unless the user or the file says otherwise; `Semantics::provenance` records which.
//!
//! Metadata keys read from the top-level graph's `metadata/` group (all optional):
//!
//! | key | accepted values |
//! | --- | --- |
//! | `convention` or `library` | `"snntorch"`, `"nir-euler"` (also `"nir_euler"`, `"euler"`), `"norse"`, `"sinabs"`, `"rockpool"`, `"spyx"`, `"spikingjelly"` |
//! | `dt` | positive number (float, int, or numeric string), seconds |
//! | `reset_mechanism` or `reset` | `"subtract"`, `"zero"`, `"none"` (snnTorch's names) |
//! | `reset_delay` | bool/int (0/1) or `"true"`/`"false"` |
//! | `spike_mode` | `"single"` or `"multi"` (Sinabs `SingleSpike` / `MultiSpike`) |
//!
//! No exporter writes any of these keys (snnTorch, Norse 1.1, Sinabs 3.1, Rockpool 3.1, Spyx
//! 1.0 and SpikingJelly 2.0 write no metadata at all), so for their files the convention is the user's `--semantics`
//! choice, else a guess from the parameters (below), else snnTorch. `convention` may name a
//! version (`norse@1.1`), as `--semantics` does.
//!
//! ## Decision order
//!
//! 1. Convention family: the caller's option, else metadata, else a fingerprint of the
//!    parameters (`guess_convention`), else snnTorch (`SettingSource::Default`).
//! 2. dt, reset, reset_delay, spike_mode: option, else metadata, else the convention's
//!    default (spike_mode: multi for sinabs and rockpool, single for the others, which have no
//!    other).
//! 3. Norse only, the version (how `tau` was written; `NorseVersion`): a versioned name
//!    (`norse@1.1`) from the option or the metadata, else the file's `version` (the nir package
//!    that wrote it: before nir 1.0, released 2023-12-06, the file predates Norse's switch to
//!    `tau = dt·tau` on 2024-01-15), else the parameters: a tau below dt cannot be a time
//!    constant in seconds (more than a full decay per step), so it is 1.1's `dt·tau`; taus of at
//!    least dt read as seconds (`norse@>1.1`), reported as a guess with 1.1 as the alternative.
//!
//! Every inference is recorded as `SettingSource::Version` or `SettingSource::Fingerprint` with
//! its evidence; `alternatives` lists the other conventions the file fits and what would differ.
//!
//! ## Fingerprints (`guess_convention`)
//!
//! Used only when neither the user nor the metadata chose a convention. What each exporter
//! writes into LIF / CubaLIF nodes (`tau` = `tau_mem` for CubaLIF), from their sources' git
//! history of the NIR export (README "Which semantics is my file"):
//!
//! | exporter | `r` | rule used | reliable? |
//! | --- | --- | --- | --- |
//! | snnTorch >= 0.8 (every release with NIR) | `tau / 1e-4` (hard-coded dt) | `r·1e-4/tau = 1` | yes |
//! | Spyx 0.1.x and 1.0 | `beta` with `tau = dt/(1 - beta)` (dt = 1) | `r = 1 - 1/tau`, some `r < 1` | yes: snnTorch has `r >= 1`, Norse/Sinabs `r = 1` |
//! | Rockpool (since 2023-07) | `tau·exp(-dt/tau)/dt` | one dt solves it for every neuron, over two or more distinct taus, or (one tau) a round dt (1, 2, 2.5 or 5 x 10^k) | one tau: any `r > 0` has some solution, so only a round dt is evidence |
//! | SpikingJelly 2.0 | LIF `1` (`decay_input`) or `tau/dt`, IF `1/dt` | IF `r = 1/dt != 1` for a round dt, every LIF `r = 1` or `tau/dt` with `v_leak = v_reset` (checked first: its `decay_input=False` LIF carries snnTorch's signature at dt = 1e-4) | only with an IF layer: its LIF `r = 1` is Norse's and Sinabs' |
//! | Norse (every version) | `1` | — | no: Sinabs writes `r = 1` too, and both write `IF(r = 1)` |
//! | Sinabs (since 2023-07) | `1` | — | no (same) |
//!
//! Norse and Sinabs are told apart only by the size of tau (Norse: seconds or dt·seconds,
//! Sinabs: steps), which is a magnitude heuristic, not a fingerprint, and IF-only networks carry
//! no evidence at all; for those files the explicit option remains the only way. Lava-dl was not
//! examined (it could not be installed here).
//! Defaults per convention: dt 1e-4 s (snntorch, nir-euler; spikingjelly: its export's default,
//! unless an IF `r = 1/dt` or LIF `r = tau/dt` gives it), 1e-3 s (norse, rockpool when `r`
//! does not give it), 1 (sinabs: tau counts steps; spyx: its import's default); reset subtract
//! with delay (snntorch), zero without delay (nir-euler, norse, spikingjelly: its only reset),
//! subtract without delay (sinabs,
//! rockpool, spyx: the only ones they have).

use std::collections::BTreeMap;

use spikeloom_nir::{Graph, MetaValue, Node, Tensor};

use crate::error::LowerError;
use crate::net::{Convention, NorseVersion, ResetMode, Semantics, SettingSource, SpikeMode};

/// snnTorch's hard-coded export time step (`export_nir.py`), in seconds.
pub const SNNTORCH_DT: f64 = 1e-4;

/// Caller overrides; `None` means "take it from the file metadata, else the default".
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SemanticsOptions {
    /// Discretization convention (default: snnTorch).
    pub convention: Option<Convention>,
    /// Norse version whose export rule applies (with `convention` Norse; default: from the
    /// file, see the module doc).
    pub norse: Option<NorseVersion>,
    /// The file's `version` (the nir package that wrote it): evidence for the Norse version.
    pub nir_version: Option<NirVersion>,
    /// Time step in seconds (default 1e-4).
    pub dt: Option<f64>,
    /// Reset rule (default: subtract for snnTorch, zero for nir-euler).
    pub reset: Option<ResetMode>,
    /// snnTorch `reset_delay` (default: true for snnTorch, false for nir-euler).
    pub reset_delay: Option<bool>,
    /// Spikes per step (default: multi for Sinabs and Rockpool, else single).
    pub spike_mode: Option<SpikeMode>,
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

/// A `major.minor.patch` version, as NIR files record the nir package that wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NirVersion(pub u32, pub u32, pub u32);

impl NirVersion {
    /// Parses the leading numeric parts (`0.1.1`, `1.0`, `1.0.8.dev2`); `None` for `unknown`.
    pub fn parse(text: &str) -> Option<NirVersion> {
        let mut parts = text.trim().split('.').map(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        });
        let major = parts.next()??;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(NirVersion(major, minor, patch))
    }
}

impl std::fmt::Display for NirVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// Parses a convention name with an optional version: `norse`, `norse@<1.1`, `norse@1.1`,
/// `norse@>1.1`, `snntorch`, ...
pub fn parse_convention(text: &str) -> Option<(Convention, Option<NorseVersion>)> {
    let text = text.trim().to_ascii_lowercase();
    let version = match text.as_str() {
        "norse@<1.1" => NorseVersion::Before1_1,
        "norse@1.1" | "norse@1.1.0" => NorseVersion::V1_1,
        "norse@>1.1" => NorseVersion::After1_1,
        other => return Convention::parse(other).map(|c| (c, None)),
    };
    Some((Convention::Norse, Some(version)))
}

impl Semantics {
    /// The convention's name with the version applied (`norse@1.1`, `snntorch`).
    pub fn convention_name(&self) -> &'static str {
        match self.norse {
            Some(v) => v.name(),
            None => self.convention.name(),
        }
    }
}

impl Convention {
    /// Parses `snntorch` / `nir-euler` / `norse` / `sinabs` / `rockpool` / `spyx` /
    /// `spikingjelly`.
    pub fn parse(text: &str) -> Option<Convention> {
        match text.trim().to_ascii_lowercase().as_str() {
            "snntorch" => Some(Convention::Snntorch),
            "nir-euler" | "nir_euler" | "euler" => Some(Convention::NirEuler),
            "norse" => Some(Convention::Norse),
            "sinabs" => Some(Convention::Sinabs),
            "rockpool" => Some(Convention::Rockpool),
            "spyx" => Some(Convention::Spyx),
            "spikingjelly" => Some(Convention::Spikingjelly),
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
            Convention::Spikingjelly => "spikingjelly",
        }
    }

    /// Default time step in seconds (Sinabs: 1, its tau counts steps).
    pub fn default_dt(self) -> f64 {
        match self {
            // SpikingJelly's `export_to_nir(dt=1e-4)` default.
            Convention::Snntorch | Convention::NirEuler | Convention::Spikingjelly => SNNTORCH_DT,
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
/// a guess from its parameters, else the convention's default; then the Norse version.
pub fn resolve_for_graph(opts: &SemanticsOptions, graph: &Graph) -> Result<Semantics, LowerError> {
    let guess = match (opts.convention, meta_convention(&graph.metadata)?) {
        (None, None) => guess_convention(graph),
        _ => None,
    };
    let mut sem = resolve(opts, &graph.metadata, guess)?;
    if sem.convention == Convention::Rockpool {
        recover_rockpool_dt(&mut sem, graph);
    }
    if sem.convention == Convention::Spikingjelly {
        recover_spikingjelly_dt(&mut sem, graph);
    }
    if sem.convention == Convention::Norse {
        let explicit = match (opts.norse, meta_convention(&graph.metadata)?) {
            (Some(v), _) if opts.convention == Some(Convention::Norse) => {
                Some((v, SettingSource::User))
            }
            // The metadata's version also completes a bare `--semantics norse`.
            (None, Some((Convention::Norse, Some(v))))
                if matches!(opts.convention, None | Some(Convention::Norse)) =>
            {
                Some((v, SettingSource::Metadata))
            }
            _ => None,
        };
        let (version, src) = match explicit {
            Some(e) => e,
            None => norse_version(opts.nir_version, graph, sem.dt),
        };
        sem.norse = Some(version);
        sem.provenance.push(("norse_version".to_string(), src));
    }
    Ok(sem)
}

/// Resolves every setting: user option, else metadata, else `guess` (convention only), else
/// the convention's default.
fn resolve(
    opts: &SemanticsOptions,
    metadata: &BTreeMap<String, MetaValue>,
    guess: Option<(Convention, String)>,
) -> Result<Semantics, LowerError> {
    let mut provenance = Vec::new();

    let (convention, src) = match (opts.convention, meta_convention(metadata)?, guess) {
        (Some(c), _, _) => (c, SettingSource::User),
        (None, Some((c, _)), _) => (c, SettingSource::Metadata),
        (None, None, Some((c, why))) => (c, SettingSource::Fingerprint(why)),
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
        Convention::NirEuler | Convention::Norse | Convention::Spikingjelly => ResetMode::Zero,
        Convention::Spyx => ResetMode::Subtract,
    };
    let (reset, src) = pick(opts.reset, meta_reset(metadata)?, default_reset);
    provenance.push(("reset".to_string(), src));

    let default_delay = convention == Convention::Snntorch;
    let (reset_delay, src) = pick(opts.reset_delay, meta_reset_delay(metadata)?, default_delay);
    provenance.push(("reset_delay".to_string(), src));
    crate::exporters::check_settings(convention, reset, reset_delay)?;

    let default_mode = if convention.multi_spike() {
        SpikeMode::Multi
    } else {
        SpikeMode::Single
    };
    let (spike_mode, src) = pick(opts.spike_mode, meta_spike_mode(metadata)?, default_mode);
    if spike_mode == SpikeMode::Multi && !convention.multi_spike() {
        return Err(LowerError::Option {
            option: "spike_mode".into(),
            detail: format!(
                "{} fires at most one spike per step; multi applies to sinabs and rockpool",
                convention.name()
            ),
        });
    }
    provenance.push(("spike_mode".to_string(), src));

    Ok(Semantics {
        convention,
        norse: None,
        dt,
        reset,
        reset_delay,
        spike_mode,
        provenance,
    })
}

/// Rockpool's `r` encodes the dt its model ran at: when neither the user nor the metadata gave
/// one and a single dt solves every neuron, that dt replaces the default (as a fingerprint).
fn recover_rockpool_dt(sem: &mut Semantics, graph: &Graph) {
    let Some(entry) = sem.provenance.iter_mut().find(|(k, _)| k == "dt") else {
        return;
    };
    if entry.1 != SettingSource::Default {
        return;
    }
    let Some(dt) = signature_pairs(graph).as_deref().and_then(rockpool_dt) else {
        return;
    };
    let dt = crate::exporters::round_significant(dt, 6);
    sem.dt = dt;
    entry.1 = SettingSource::Fingerprint(format!(
        "recovered from r = tau*exp(-dt/tau)/dt, which dt = {} s solves for every neuron",
        f32_text(dt)
    ));
}

/// SpikingJelly writes its dt into IF's `r = 1/dt` and a `decay_input=False` LIF's `r = tau/dt`:
/// when neither the user nor the metadata gave one and those nodes agree, that dt replaces the
/// default (as a fingerprint).
fn recover_spikingjelly_dt(sem: &mut Semantics, graph: &Graph) {
    let Some(entry) = sem.provenance.iter_mut().find(|(k, _)| k == "dt") else {
        return;
    };
    if entry.1 != SettingSource::Default {
        return;
    }
    let Some((dt, why)) = crate::exporters::spikingjelly_dt(graph) else {
        return;
    };
    sem.dt = dt;
    entry.1 = SettingSource::Fingerprint(format!(
        "recovered from {why} (dt = {} s), the dt SpikingJelly's export wrote",
        f32_text(dt)
    ));
}

/// The Norse version of a file whose convention is Norse but not its version: the nir version
/// that wrote it, else its taus at the resolved `dt` (module doc, decision order step 3).
fn norse_version(nir: Option<NirVersion>, graph: &Graph, dt: f64) -> (NorseVersion, SettingSource) {
    if let Some(v) = nir.filter(|v| v.0 == 0) {
        return (
            NorseVersion::Before1_1,
            SettingSource::Version(format!(
                "the file was written by nir {v}; nir 1.0 came out on 2023-12-06, before Norse \
                 began writing tau as dt·tau (git main 2024-01-15, #379, released in 1.1.0)"
            )),
        );
    }
    let taus: Vec<(&str, f64)> = graph
        .nodes
        .iter()
        .filter_map(|(name, node)| match node {
            Node::Lif { tau, .. } | Node::Li { tau, .. } => Some((name.as_str(), tau)),
            Node::CubaLif { tau_mem, .. } => Some((name.as_str(), tau_mem)),
            _ => None,
        })
        .flat_map(|(name, t)| t.data.iter().map(move |v| (name, *v)))
        .filter(|(_, v)| v.is_finite() && *v > 0.0)
        .collect();
    let Some(&(min_node, min_tau)) = taus.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
        return (NorseVersion::V1_1, SettingSource::Default);
    };
    if min_tau < dt {
        return (
            NorseVersion::V1_1,
            SettingSource::Fingerprint(format!(
                "tau = {} in node '{min_node}' is below dt = {dt} s: as a time constant in seconds \
                 it would decay more than fully every step, so it is Norse 1.1's dt·tau",
                f32_text(min_tau)
            )),
        );
    }
    (
        NorseVersion::After1_1,
        SettingSource::Fingerprint(format!(
            "every tau is at least dt = {dt} s, so it reads as seconds (Norse before 1.1 and \
             after it); as Norse 1.1's dt·tau the smallest, {} in node '{min_node}', would be a \
             time constant of {} s",
            f32_text(min_tau),
            f32_text(min_tau / dt)
        )),
    )
}

/// A value for a message, to float32 precision (`0.0025`, not `0.0024999999441206455`;
/// `4.77527e-6`, not `0.00000477527`).
pub(crate) fn f32_text(v: f64) -> String {
    let f = v as f32;
    if f != 0.0 && (f.abs() < 1e-4 || f.abs() >= 1e7) {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}

/// The exporter whose parameter signature every LIF / CubaLIF node of `graph` carries, with the
/// evidence; `None` when no signature holds (see the module doc).
pub fn guess_convention(graph: &Graph) -> Option<(Convention, String)> {
    // First: its IF `r = 1/dt` tells SpikingJelly from snnTorch, whose LIF signature a
    // `decay_input=False` LIF at dt = 1e-4 also carries.
    if let Some(why) = crate::exporters::spikingjelly_signature(graph) {
        return Some((Convention::Spikingjelly, why));
    }
    let pairs = signature_pairs(graph)?;
    if pairs.is_empty()
        || pairs
            .iter()
            .any(|(t, r)| t.is_nan() || !r.is_finite() || *t <= 0.0)
    {
        return None;
    }
    if snntorch_signature(&pairs) {
        return Some((
            Convention::Snntorch,
            "r = tau/1e-4 in every LIF/CubaLIF, what snnTorch's export writes (dt = 1e-4)".into(),
        ));
    }
    if spyx_signature(&pairs) {
        return Some((
            Convention::Spyx,
            "r = 1 - 1/tau in every LIF/CubaLIF, what spyx.nir.to_nir writes (r = beta, dt = 1)"
                .into(),
        ));
    }
    rockpool_signature(&pairs).map(|why| (Convention::Rockpool, why))
}

/// The (tau, r) pairs of every LIF / CubaLIF (tau_mem) neuron; `None` if shapes disagree.
pub(crate) fn signature_pairs(graph: &Graph) -> Option<Vec<(f64, f64)>> {
    let mut pairs = Vec::new();
    for node in graph.nodes.values() {
        let (tau, r) = match node {
            Node::Lif { tau, r, .. } => (tau, r),
            Node::CubaLif { tau_mem, r, .. } => (tau_mem, r),
            _ => continue,
        };
        pairs.extend(tau_r_pairs(tau, r)?);
    }
    Some(pairs)
}

/// snnTorch: `r = tau/1e-4` (unit Euler gain at its hard-coded dt); tau = r = inf is beta = 1.
pub(crate) fn snntorch_signature(pairs: &[(f64, f64)]) -> bool {
    pairs.iter().all(|(t, r)| {
        (t.is_infinite() && r.is_infinite()) || (r * SNNTORCH_DT / t - 1.0).abs() <= 1e-5
    })
}

/// Spyx: `r = beta = 1 - 1/tau` (dt = 1), with some `r < 1` (else it is Norse/Sinabs' r = 1).
pub(crate) fn spyx_signature(pairs: &[(f64, f64)]) -> bool {
    pairs
        .iter()
        .all(|(t, r)| (0.0..=1.0).contains(r) && (r - (1.0 - 1.0 / t)).abs() <= 1e-6)
        && pairs.iter().any(|(_, r)| *r < 1.0)
}

/// Per-neuron `(tau, r)`; `None` when the shapes do not broadcast (no guess then).
pub(crate) fn tau_r_pairs(tau: &Tensor, r: &Tensor) -> Option<Vec<(f64, f64)>> {
    let n = tau.len().max(r.len());
    let at = |t: &Tensor, i: usize| match t.len() {
        1 => Some(t.data[0]),
        len if len == n => Some(t.data[i]),
        _ => None,
    };
    (0..n).map(|i| Some((at(tau, i)?, at(r, i)?))).collect()
}

/// Rockpool: `a·e^a = 1/r` with `a = dt/tau` gives one dt for every neuron (`rockpool_dt`), and
/// that is evidence: over two or more distinct taus, or, with one tau (any `r > 0` has a
/// solution then), when the dt is round (1, 2, 2.5 or 5 x 10^k s, as a user sets it). `r = 1`
/// is Norse's and Sinabs' signature and is never Rockpool's.
pub(crate) fn rockpool_signature(pairs: &[(f64, f64)]) -> Option<String> {
    let dt = crate::exporters::round_significant(rockpool_dt(pairs)?, 6);
    if pairs.iter().any(|(_, r)| *r == 1.0) {
        return None;
    }
    let (t0, _) = pairs[0];
    let distinct = pairs.iter().any(|(t, _)| ((t - t0) / t0).abs() > 1e-3);
    let formula = "r = tau*exp(-dt/tau)/dt, what rockpool's to_nir writes";
    if distinct {
        return Some(format!(
            "one dt = {} s solves {formula}, for neurons of different tau",
            f32_text(dt)
        ));
    }
    round_step(dt).then(|| {
        format!(
            "{formula}, holds with dt = {} s, a round time step (with a single tau any r has \
             some dt; a round one is the evidence)",
            f32_text(dt)
        )
    })
}

/// The one dt that solves Rockpool's `r = tau·exp(-dt/tau)/dt` for every pair, if any.
pub(crate) fn rockpool_dt(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.is_empty() || pairs.iter().any(|(t, r)| !t.is_finite() || *r <= 0.0) {
        return None;
    }
    let dts: Vec<f64> = pairs
        .iter()
        .map(|(t, r)| crate::exporters::lambert_w0(1.0 / r) * t)
        .collect();
    dts.iter()
        .all(|d| ((d - dts[0]) / dts[0]).abs() <= 1e-5)
        .then_some(dts[0])
}

/// True for 1, 2, 2.5 or 5 times a power of ten, within the precision of f32 parameters.
pub(crate) fn round_step(dt: f64) -> bool {
    if !(dt.is_finite() && dt > 0.0) {
        return false;
    }
    let mantissa = dt / 10f64.powf(dt.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .any(|m| ((mantissa - m) / m).abs() <= 1e-5)
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

type VersionedConvention = (Convention, Option<NorseVersion>);

fn meta_convention(
    meta: &BTreeMap<String, MetaValue>,
) -> Result<Option<VersionedConvention>, LowerError> {
    const ACCEPTED: &str = "\"snntorch\", \"nir-euler\", \"norse\" (or \"norse@<1.1\", \
                            \"norse@1.1\", \"norse@>1.1\"), \"sinabs\", \"rockpool\", \"spyx\" \
                            or \"spikingjelly\"";
    for key in ["convention", "library"] {
        if let Some(value) = meta.get(key) {
            return match value {
                MetaValue::Str(s) => parse_convention(s)
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

fn meta_spike_mode(meta: &BTreeMap<String, MetaValue>) -> Result<Option<SpikeMode>, LowerError> {
    let Some(value) = meta.get("spike_mode") else {
        return Ok(None);
    };
    match value {
        MetaValue::Str(s) => SpikeMode::parse(s).map(Some),
        _ => None,
    }
    .ok_or_else(|| meta_error("spike_mode", value, "\"single\" or \"multi\""))
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
        assert_eq!(s.provenance.len(), 5);
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
        // snnTorch: r = tau/1e-4.
        let snn = lif_graph(&[1e-3, 5e-4], &[10.0, 5.0]);
        assert_eq!(
            guess_convention(&snn).map(|g| g.0),
            Some(Convention::Snntorch)
        );
        // Norse and Sinabs both write r = 1: no guess, whatever the taus.
        assert_eq!(guess_convention(&lif_graph(&[2.0, 5.0], &[1.0, 1.0])), None);
        let norse_like = lif_graph(&[1e-3 / (1.0f64.exp() * 0.5671432904097838)], &[1.0]);
        assert_eq!(guess_convention(&norse_like), None);
        // Rockpool r = tau*exp(-dt/tau)/dt: any dt over distinct taus...
        let rp = |tau: f64, dt: f64| tau * (-dt / tau).exp() / dt;
        let two = lif_graph(&[0.02, 0.005], &[rp(0.02, 1.37e-3), rp(0.005, 1.37e-3)]);
        let (c, why) = guess_convention(&two).unwrap();
        assert_eq!(c, Convention::Rockpool);
        assert!(why.starts_with("one dt = 0.00137 s solves"), "{why}");
        // ...and with a single tau only a round dt (1, 2, 2.5, 5 x 10^k), as the NIR paper's
        // lif_rockpool.nir (tau 2.5 ms, r 24.019737 as float32: dt = 1e-4).
        let one = lif_graph(&[0.02, 0.02], &[rp(0.02, 1e-3), rp(0.02, 1e-3)]);
        assert_eq!(
            guess_convention(&one).map(|g| g.0),
            Some(Convention::Rockpool)
        );
        let paper = lif_graph(&[0.0025f32 as f64], &[24.019737f32 as f64]);
        let (c, why) = guess_convention(&paper).unwrap();
        assert_eq!(c, Convention::Rockpool);
        assert!(
            why.contains("holds with dt = 0.0001 s, a round time step"),
            "{why}"
        );
        let odd = lif_graph(&[0.02], &[rp(0.02, 1.37e-3)]);
        assert_eq!(guess_convention(&odd), None);
    }

    #[test]
    fn the_norse_version_comes_from_the_option_metadata_nir_version_or_taus() {
        let norse = |version: Option<NorseVersion>| SemanticsOptions {
            convention: Some(Convention::Norse),
            norse: version,
            dt: Some(1e-4),
            ..Default::default()
        };
        // The NIR paper's lif_norse.nir: tau 2.5 ms, r = 1, written by nir 0.1.1.
        let mut paper = lif_graph(&[0.0025], &[1.0]);
        let version = |o: &SemanticsOptions, g: &Graph| {
            let s = resolve_for_graph(o, g).unwrap();
            let src = s.provenance.last().unwrap().1.clone();
            (s.norse.unwrap(), src.name(), s.convention_name())
        };
        let mut opts = norse(None);
        opts.nir_version = NirVersion::parse("0.1.1");
        assert_eq!(
            version(&opts, &paper),
            (NorseVersion::Before1_1, "version", "norse@<1.1")
        );
        // Without the version: tau >= dt reads as seconds, a guess.
        opts.nir_version = NirVersion::parse("1.0.8");
        assert_eq!(
            version(&opts, &paper),
            (NorseVersion::After1_1, "fingerprint", "norse@>1.1")
        );
        // Norse 1.1 at dt = 1e-3 writes tau = 1e-3 * 5 ms = 5e-6 < dt.
        let v11 = lif_graph(&[5e-6, 2e-5], &[1.0, 1.0]);
        assert_eq!(
            version(&SemanticsOptions { dt: None, ..opts }, &v11),
            (NorseVersion::V1_1, "fingerprint", "norse@1.1")
        );
        // The option and the metadata win over the evidence.
        assert_eq!(
            version(&norse(Some(NorseVersion::V1_1)), &paper),
            (NorseVersion::V1_1, "flag", "norse@1.1")
        );
        paper
            .metadata
            .insert("convention".into(), MetaValue::Str("norse@1.1".into()));
        assert_eq!(
            version(&SemanticsOptions::default(), &paper),
            (NorseVersion::V1_1, "metadata", "norse@1.1")
        );
        assert_eq!(
            version(&norse(None), &paper),
            (NorseVersion::V1_1, "metadata", "norse@1.1")
        );
        assert_eq!(
            parse_convention("Norse@>1.1"),
            Some((Convention::Norse, Some(NorseVersion::After1_1)))
        );
        assert_eq!(parse_convention("norse@2"), None);
        assert_eq!(NirVersion::parse("1.0.8.dev2"), Some(NirVersion(1, 0, 8)));
        assert_eq!(NirVersion::parse("unknown"), None);
    }

    #[test]
    fn a_guess_yields_to_the_user_and_the_metadata() {
        let mut g = lif_graph(&[10.0, 4.0], &[0.9, 0.75]);
        let s = resolve_for_graph(&SemanticsOptions::default(), &g).unwrap();
        assert_eq!(s.convention, Convention::Spyx);
        assert!(matches!(s.provenance[0].1, SettingSource::Fingerprint(_)));
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

    #[test]
    fn spike_mode_from_option_metadata_or_the_conventions_default() {
        let sinabs = |pairs: &[(&str, MetaValue)], user: Option<SpikeMode>| {
            let mut m = meta(pairs);
            m.insert("convention".into(), MetaValue::Str("sinabs".into()));
            let opts = SemanticsOptions {
                spike_mode: user,
                ..Default::default()
            };
            resolve(&opts, &m, None)
        };
        let s = sinabs(&[], None).unwrap();
        assert_eq!(s.spike_mode, SpikeMode::Multi);
        let single = [("spike_mode", MetaValue::Str("single".into()))];
        let s = sinabs(&single, None).unwrap();
        assert_eq!(s.spike_mode, SpikeMode::Single);
        let src: BTreeMap<_, _> = s.provenance.into_iter().collect();
        assert_eq!(src["spike_mode"], SettingSource::Metadata);
        let s = sinabs(&single, Some(SpikeMode::Multi)).unwrap();
        assert_eq!(s.spike_mode, SpikeMode::Multi);
        let err = sinabs(&[("spike_mode", MetaValue::Str("twice".into()))], None).unwrap_err();
        assert!(
            matches!(&err, LowerError::Metadata { key, .. } if key == "spike_mode"),
            "{err}"
        );
        // snnTorch: single, and multi is refused.
        let s = resolve(&SemanticsOptions::default(), &BTreeMap::new(), None).unwrap();
        assert_eq!(s.spike_mode, SpikeMode::Single);
        let opts = SemanticsOptions {
            spike_mode: Some(SpikeMode::Multi),
            ..Default::default()
        };
        let err = resolve(&opts, &BTreeMap::new(), None).unwrap_err();
        assert!(
            err.to_string()
                .contains("snntorch fires at most one spike per step"),
            "{err}"
        );
    }
}
