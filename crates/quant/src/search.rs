//! Precision search (`spikeloom quantize --max-accuracy-drop`): per-layer weight and state
//! widths for the smallest weight + state memory whose accuracy on the labelled calibration
//! input stays within a drop of the float model's.
//!
//! Greedy descent: start from the widths `base` resolves to (written out per layer), then, as
//! long as some move keeps the accuracy within the bound, take the move that saves the most
//! memory (ties: the higher accuracy, then the first layer, weights before state). A move lowers
//! one layer's weight or state width by one bit (weights down to 2 bits, state down to 4 and
//! never below the layer's weight width). Every candidate is a full quantization with the
//! calibration run, so the accuracy is the fixed-point model's (the hardware's, by the
//! verification chain). Greedy, not optimal: a move that loses accuracy now is never taken even
//! if a later one would win it back.

use spikeloom_float::FloatNet;
use spikeloom_qnet::QNet;

use crate::calib::Calibration;
use crate::config::QuantConfig;
use crate::error::QuantError;
use crate::quantize::quantize;
use crate::report::QuantReport;
use crate::sweep::memory_bits;

/// Narrowest widths the search tries.
const MIN_WEIGHT_BITS: u32 = 2;
const MIN_STATE_BITS: u32 = 4;

/// Which width a move lowers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Width {
    /// `weight_bits`.
    Weight,
    /// `state_bits`.
    State,
}

impl Width {
    /// The config key.
    pub fn key(self) -> &'static str {
        match self {
            Width::Weight => "weight_bits",
            Width::State => "state_bits",
        }
    }
}

/// One move the search took.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchStep {
    /// Layer (NIR node name).
    pub layer: String,
    /// Which width.
    pub width: Width,
    /// Bits before.
    pub from: u32,
    /// Bits after.
    pub to: u32,
    /// Weight + state memory after the move, bits.
    pub memory_bits: u64,
    /// Fixed-point accuracy after the move.
    pub accuracy: f64,
}

/// What the search found.
#[derive(Debug, Clone)]
pub struct Search {
    /// The per-layer configuration chosen (every layer's widths written out).
    pub config: QuantConfig,
    /// Its integer network.
    pub qnet: QNet,
    /// Its quantization report.
    pub report: QuantReport,
    /// Float accuracy on the calibration input.
    pub float_accuracy: f64,
    /// Lowest accuracy allowed: float accuracy minus the drop.
    pub floor: f64,
    /// Memory and accuracy at the start (the widths `base` resolves to).
    pub start: (u64, f64),
    /// The moves taken, in order.
    pub path: Vec<SearchStep>,
    /// Quantizations run.
    pub evaluations: usize,
}

/// Search per-layer widths (module doc). `max_drop` is a fraction (0.01 = one point).
pub fn search(
    net: &FloatNet,
    calib: &Calibration,
    base: &QuantConfig,
    max_drop: f64,
) -> Result<Search, QuantError> {
    if !(max_drop.is_finite() && max_drop >= 0.0) {
        return Err(QuantError::Search(format!(
            "the accuracy drop must be a percentage of at least 0, got {}",
            100.0 * max_drop
        )));
    }
    let resolved = base.resolve(net)?;
    let mut config = base.clone();
    for (layer, p) in net.layers.iter().zip(&resolved) {
        let entry = config.layer.entry(layer.name.clone()).or_default();
        entry.weight_bits = Some(p.weight_bits);
        entry.state_bits = Some(p.state_bits);
    }
    let mut evaluations = 1;
    let (mut qnet, mut report) = quantize(net, Some(calib), &config)?;
    let (Some(float_accuracy), Some(start_accuracy)) =
        (report.float_accuracy, report.fixed_accuracy)
    else {
        return Err(QuantError::Search(
            "needs labels for the calibration samples (--labels) to measure accuracy".into(),
        ));
    };
    let floor = float_accuracy - max_drop;
    // One sample's worth of slack against float rounding in the comparison.
    let tolerance = 1e-9;
    if start_accuracy < floor - tolerance {
        return Err(QuantError::Search(format!(
            "the starting widths already lose {:.2} points (float {:.2}%, fixed {:.2}%), more \
             than the allowed {:.2}; start wider (--weight-bits / --state-bits) or allow a \
             larger drop",
            100.0 * (float_accuracy - start_accuracy),
            100.0 * float_accuracy,
            100.0 * start_accuracy,
            100.0 * max_drop
        )));
    }
    let start = (memory_bits(&qnet), start_accuracy);
    let mut path = Vec::new();
    loop {
        let mut best: Option<(QuantConfig, QNet, QuantReport, SearchStep)> = None;
        for layer in &net.layers {
            for width in [Width::Weight, Width::State] {
                let p = &config.layer[&layer.name];
                let (w, s) = (p.weight_bits.unwrap_or(8), p.state_bits.unwrap_or(16));
                let (from, to) = match width {
                    Width::Weight if w > MIN_WEIGHT_BITS => (w, w - 1),
                    Width::State if s > MIN_STATE_BITS.max(w) => (s, s - 1),
                    _ => continue,
                };
                let mut candidate = config.clone();
                let entry = candidate
                    .layer
                    .get_mut(&layer.name)
                    .unwrap_or_else(|| unreachable!("every layer was written out"));
                match width {
                    Width::Weight => entry.weight_bits = Some(to),
                    Width::State => entry.state_bits = Some(to),
                }
                evaluations += 1;
                let Ok((q, r)) = quantize(net, Some(calib), &candidate) else {
                    continue;
                };
                let accuracy = r.fixed_accuracy.unwrap_or(0.0);
                if accuracy < floor - tolerance {
                    continue;
                }
                let step = SearchStep {
                    layer: layer.name.clone(),
                    width,
                    from,
                    to,
                    memory_bits: memory_bits(&q),
                    accuracy,
                };
                let better = best.as_ref().is_none_or(|(_, _, _, b)| {
                    (step.memory_bits, std::cmp::Reverse(ordered(step.accuracy)))
                        < (b.memory_bits, std::cmp::Reverse(ordered(b.accuracy)))
                });
                if better {
                    best = Some((candidate, q, r, step));
                }
            }
        }
        let Some((c, q, r, step)) = best else {
            break;
        };
        (config, qnet, report) = (c, q, r);
        path.push(step);
    }
    Ok(Search {
        config,
        qnet,
        report,
        float_accuracy,
        floor,
        start,
        path,
        evaluations,
    })
}

/// Accuracies are fractions of a sample count: a total order for comparing them.
fn ordered(x: f64) -> i64 {
    (x * 1e9).round() as i64
}
