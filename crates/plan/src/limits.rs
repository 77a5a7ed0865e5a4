//! The hardware's limits on a network that `QNet::validate` accepts: what the contract allows but
//! the cores do not build. Every problem is reported, not only the first.

use crate::config::PlanConfig;
use crate::types::{StateMemChoice, WeightMemChoice};
use spikeloom_board::Device;
use spikeloom_qnet::{QLayer, QNet};

/// Largest ring of a delay line (`slots x source size` events) the planner lays out; longer
/// delays are rejected before any memory is sized (the fit check rejects most before this).
pub(crate) const MAX_DELAY_EVENTS: usize = 1 << 22;

/// One hardware limit the network (or the configuration asked of the device) exceeds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {what}; {hint}")]
pub struct HardwareProblem {
    /// Where: `layer `x``, `projection `p` of layer `x``, or a resource (`weight store`).
    pub place: String,
    /// What the hardware cannot do.
    pub what: String,
    /// What to do instead.
    pub hint: String,
}

/// Every hardware limit `net` exceeds for `cfg` on `device`, in layer order (the resource
/// choice first). `net` must have passed `QNet::validate`.
pub(crate) fn problems(net: &QNet, cfg: &PlanConfig, device: &Device) -> Vec<HardwareProblem> {
    let mut out = Vec::new();
    if cfg.weight_memory == WeightMemChoice::Spram && device.spram_count == 0 {
        out.push(HardwareProblem {
            place: "weight store".into(),
            what: format!(
                "weights in SPRAM were asked for, but {} has no SPRAM (only the iCE40 UP5K has it)",
                device.name
            ),
            hint: "use block RAM".into(),
        });
    }
    if cfg.state_memory == StateMemChoice::Spram && device.spram_count == 0 {
        out.push(HardwareProblem {
            place: "neuron units".into(),
            what: format!(
                "membrane state in SPRAM was asked for, but {} has no SPRAM (only the iCE40 UP5K has it)",
                device.name
            ),
            hint: "use block RAM".into(),
        });
    }
    for l in &net.layers {
        layer_problems(l, &mut out);
    }
    out
}

fn layer_problems(l: &QLayer, out: &mut Vec<HardwareProblem>) {
    let layer = format!("layer `{}`", l.name);
    if l.inputs.is_empty() {
        out.push(HardwareProblem {
            place: layer.clone(),
            what: "has no weighted input, and a core needs at least one projection to drive its neurons".into(),
            hint: "connect the layer to a source (an input or another layer) or remove it".into(),
        });
    }
    if let Some(p) = l.inputs.iter().find(|p| p.conv.is_some()) {
        if l.inputs.len() != 1 {
            out.push(HardwareProblem {
                place: format!("convolution `{}` of {layer}", p.origin),
                what: format!(
                    "shares its layer with {} other projection(s), but a convolution core takes exactly one projection",
                    l.inputs.len() - 1
                ),
                hint: "remove the recurrent or skip inputs of the convolution layer, or simulate with --engine fixed".into(),
            });
        }
    }
    for p in l.inputs.iter().filter(|p| !p.source_delay.is_empty()) {
        let max = p.source_delay.iter().copied().max().unwrap_or(0) as usize;
        let slots = max + 1 + usize::from(p.delayed);
        if slots.saturating_mul(p.source_size.max(1)) > MAX_DELAY_EVENTS {
            out.push(HardwareProblem {
                place: format!("projection `{}` of {layer}", p.origin),
                what: format!(
                    "a delay of {max} steps over {n} source neurons needs a delay line of {slots} x {n} events, more than the {MAX_DELAY_EVENTS} the planner lays out",
                    n = p.source_size
                ),
                hint: "shorten the NIR Delay or simulate with --engine fixed".into(),
            });
        }
    }
}
