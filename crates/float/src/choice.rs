//! What else a file could be (`inspect`'s alternatives): the other conventions whose parameter
//! signature the file also carries, each lowered and compared with the chosen network, so a
//! user sees what would change if the guess (or the default) is wrong.

use spikeloom_nir::Graph;

use crate::lower::lower;
use crate::net::{
    Convention, FloatNet, Layer, Neuron, NorseVersion, ResetMode, SettingSource, SpikeMode,
};
use crate::semantics::{
    f32_text, rockpool_dt, signature_pairs, snntorch_signature, spyx_signature, SemanticsOptions,
};

/// Another convention the file fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// Its `--semantics` name.
    pub name: &'static str,
    /// Why the file fits it (the signature its parameters carry).
    pub fits: String,
    /// What would differ from the chosen network (dt, spike rule, reset, per-layer decay and
    /// input scale); empty when the networks are the same.
    pub differs: Vec<String>,
}

/// The conventions considered, one per distinct rule (`norse@<1.1` computes what `norse@>1.1`
/// does, so only one of them is listed).
const CANDIDATES: [(Convention, Option<NorseVersion>); 8] = [
    (Convention::Snntorch, None),
    (Convention::NirEuler, None),
    (Convention::Norse, Some(NorseVersion::V1_1)),
    (Convention::Norse, Some(NorseVersion::After1_1)),
    (Convention::Sinabs, None),
    (Convention::Rockpool, None),
    (Convention::Spyx, None),
    (Convention::Spikingjelly, None),
];

/// Most lines of differences listed per alternative.
const MAX_DIFFS: usize = 6;

/// Every other convention `graph` fits and that lowers with the caller's options, with what
/// would differ from `chosen` (the network lowered with `opts`).
pub fn alternatives(graph: &Graph, opts: &SemanticsOptions, chosen: &FloatNet) -> Vec<Alternative> {
    let Some(pairs) = signature_pairs(graph) else {
        return Vec::new();
    };
    let same_rule = |c: Convention, v: Option<NorseVersion>| {
        c == chosen.semantics.convention
            && v.map(NorseVersion::tau_times_dt) == chosen.semantics.norse.map(|n| n.tau_times_dt())
    };
    CANDIDATES
        .iter()
        .filter(|(c, v)| !same_rule(*c, *v))
        .filter_map(|&(c, v)| {
            let fits = fits(c, v, &pairs)?;
            let alt_opts = SemanticsOptions {
                convention: Some(c),
                norse: v,
                // A multi-spike choice means nothing to the single-spike conventions.
                spike_mode: opts
                    .spike_mode
                    .filter(|m| *m == SpikeMode::Single || c.multi_spike()),
                ..*opts
            };
            let net = lower(graph, &alt_opts).ok()?;
            Some(Alternative {
                name: v.map_or(c.name(), NorseVersion::name),
                fits,
                differs: differences(chosen, &net),
            })
        })
        .collect()
}

/// Why the (tau, r) pairs of every LIF / CubaLIF fit a convention; `None` when they do not.
fn fits(c: Convention, v: Option<NorseVersion>, pairs: &[(f64, f64)]) -> Option<String> {
    if c == Convention::NirEuler {
        return Some(
            "the NIR equations themselves, integrated with forward Euler: any file".into(),
        );
    }
    if pairs.is_empty() {
        return Some("no LIF/CubaLIF parameters to carry an exporter's signature".into());
    }
    let r_one = pairs.iter().all(|(_, r)| *r == 1.0);
    match c {
        Convention::Snntorch => snntorch_signature(pairs)
            .then(|| "r = tau/1e-4, what snnTorch's export writes".to_string()),
        Convention::Norse => r_one.then(|| {
            match v {
                Some(NorseVersion::V1_1) => {
                    "r = 1, what Norse writes; tau read as Norse 1.1's dt·tau"
                }
                _ => "r = 1, what Norse writes; tau read in seconds (Norse before and after 1.1)",
            }
            .to_string()
        }),
        Convention::Sinabs => {
            r_one.then(|| "r = 1, what Sinabs writes; tau read in time steps".to_string())
        }
        Convention::Rockpool => rockpool_dt(pairs).filter(|_| !r_one).map(|dt| {
            format!(
                "one dt = {} s solves r = tau*exp(-dt/tau)/dt, what Rockpool writes",
                f32_text(crate::exporters::round_significant(dt, 6))
            )
        }),
        Convention::Spyx => {
            spyx_signature(pairs).then(|| "r = 1 - 1/tau, what Spyx writes (dt = 1)".to_string())
        }
        // Whatever lowers fits: its lowering checks r, v_leak and IF's r at the resolved dt.
        Convention::Spikingjelly => Some(
            "LIF r = 1 or tau/dt with v_leak = v_reset, IF r = 1/dt: what SpikingJelly writes"
                .to_string(),
        ),
        Convention::NirEuler => None,
    }
}

/// `a -> b` lines for every setting and layer parameter that differs.
fn differences(a: &FloatNet, b: &FloatNet) -> Vec<String> {
    let (sa, sb) = (&a.semantics, &b.semantics);
    let mut out = Vec::new();
    if sa.dt != sb.dt {
        out.push(format!("dt {} s -> {} s", sa.dt, sb.dt));
    }
    let (fa, fb) = (
        fire_rule(sa.convention, sa.spike_mode),
        fire_rule(sb.convention, sb.spike_mode),
    );
    if fa != fb {
        out.push(format!("spikes: {fa} -> {fb}"));
    }
    let (ra, rb) = (
        reset_rule(sa.reset, sa.reset_delay),
        reset_rule(sb.reset, sb.reset_delay),
    );
    if ra != rb {
        out.push(format!("reset {ra} -> {rb}"));
    }
    let mut layer_lines = Vec::new();
    for la in &a.layers {
        let Some(lb) = b.layers.iter().find(|l| l.name == la.name) else {
            continue;
        };
        for (what, va, vb) in [
            ("decay", decays(la).0, decays(lb).0),
            ("current decay", decays(la).1, decays(lb).1),
            (
                "max |input weight|",
                Some(input_scale(la)),
                Some(input_scale(lb)),
            ),
        ] {
            if let (Some(x), Some(y)) = (va, vb) {
                if x != y {
                    layer_lines.push(format!("layer `{}`: {what} {x} -> {y}", la.name));
                }
            }
        }
    }
    let room = MAX_DIFFS.saturating_sub(out.len()).max(1);
    if layer_lines.len() > room {
        let rest = layer_lines.len() - (room - 1);
        layer_lines.truncate(room - 1);
        layer_lines.push(format!("... and {rest} more layer parameters"));
    }
    out.extend(layer_lines);
    out
}

fn fire_rule(c: Convention, mode: SpikeMode) -> &'static str {
    match c {
        Convention::Sinabs | Convention::Rockpool if mode == SpikeMode::Multi => {
            "spike counts (several per step)"
        }
        Convention::Sinabs | Convention::Rockpool => "one per step (v >= threshold)",
        Convention::Spyx => "one per step, fired from the previous step's membrane",
        Convention::Spikingjelly => "one per step (v >= threshold)",
        _ => "one per step",
    }
}

fn reset_rule(reset: ResetMode, delay: bool) -> String {
    format!(
        "{}{}",
        reset.name(),
        if delay { " (delayed)" } else { " (immediate)" }
    )
}

/// (membrane decay, current decay) summaries of a layer.
fn decays(l: &Layer) -> (Option<String>, Option<String>) {
    match &l.neuron {
        Neuron::Lif { beta, .. } | Neuron::Li { beta } => (Some(summary(beta)), None),
        Neuron::CubaLif { alpha, beta, .. } | Neuron::CubaLi { alpha, beta } => {
            (Some(summary(beta)), Some(summary(alpha)))
        }
    }
}

/// The largest |weight| over the layer's inputs: the input gain folded into them.
fn input_scale(l: &Layer) -> String {
    let max = l
        .inputs
        .iter()
        .flat_map(|p| &p.weight)
        .fold(0.0f64, |m, w| m.max(w.abs()));
    f32_text(max)
}

/// One value when uniform (float32 precision), else `min..max`.
fn summary(v: &[f64]) -> String {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if f32_text(min) == f32_text(max) {
        f32_text(min)
    } else {
        format!("{}..{}", f32_text(min), f32_text(max))
    }
}

/// The source that decided the convention as applied: for Norse, the version's when it was
/// inferred (the family alone does not fix how tau is read), else the family's.
pub fn convention_source(sem: &crate::net::Semantics) -> SettingSource {
    let find = |key: &str| {
        sem.provenance
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
    };
    match find("norse_version") {
        Some(v) if !matches!(v, SettingSource::User | SettingSource::Metadata) => v,
        _ => find("convention").unwrap_or(SettingSource::Default),
    }
}
