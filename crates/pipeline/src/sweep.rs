//! Design-space exploration (`spikeloom explore`): vary lanes and bit widths, measure accuracy,
//! estimated LUTs and cycles per step for each point, and keep the Pareto front.
//!
//! Bit widths need the float network (re-quantization with `spikeloom_quant`); a network given
//! already quantized can only vary its lanes. Latency and accuracy come from the cycle model on
//! a sample (it equals the golden model and the RTL by the verification triangle), so the
//! figures are those of the hardware, not of an approximation.

use serde::{Deserialize, Serialize};
use spikeloom_board::Device;
use spikeloom_float::FloatNet;
use spikeloom_plan::PlanConfig;
use spikeloom_qnet::{QNet, SpikeSteps};
use spikeloom_quant::{Calibration, QuantConfig};

use crate::error::{Error, Result};
use spikeloom_report::cycle_accuracy;

/// The model to explore.
#[derive(Debug, Clone, Copy)]
pub enum ExploreModel<'a> {
    /// A float network with calibration data: widths are re-quantized for every point.
    Float {
        /// The float network.
        net: &'a FloatNet,
        /// Calibration input and float trace (ranges, spike agreement).
        calib: &'a Calibration,
        /// Quantization settings the swept widths are applied to.
        base: &'a QuantConfig,
    },
    /// An integer network as given: only lanes vary.
    Fixed(&'a QNet),
}

/// The grid to sweep (every combination is one point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    /// Lanes per core.
    pub lanes: Vec<usize>,
    /// Weight widths (ignored for [`ExploreModel::Fixed`]).
    pub weight_bits: Vec<u32>,
    /// Membrane widths (ignored for [`ExploreModel::Fixed`]).
    pub state_bits: Vec<u32>,
}

impl Default for Space {
    fn default() -> Self {
        Self {
            lanes: vec![1, 2, 4, 8],
            weight_bits: vec![4, 6, 8],
            state_bits: vec![12, 16],
        }
    }
}

/// The settings of one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Lanes per core.
    pub lanes: usize,
    /// Weight width (None: as in the given integer network).
    pub weight_bits: Option<u32>,
    /// Membrane width (None: as in the given integer network).
    pub state_bits: Option<u32>,
}

/// What one point measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Hardware (cycle model) accuracy on the labelled sample.
    pub accuracy: Option<f64>,
    /// Fixed vs float spike agreement on the calibration input (float models only).
    pub spike_agreement: Option<f64>,
    /// Estimated LUT4s.
    pub luts: u32,
    /// Estimated block RAMs.
    pub brams: u32,
    /// Estimated multipliers.
    pub dsps: u32,
    /// The estimate fits the device.
    pub fits: bool,
    /// Mean cycles per time step on the sample.
    pub cycles_per_step: f64,
    /// Largest cycles of one step on the sample.
    pub max_cycles_per_step: u64,
}

/// One explored point: its settings and what it measured, or why it could not be built
/// (e.g. a width too small to quantize the network).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Settings.
    pub settings: Settings,
    /// Measurements, or the reason the point failed.
    pub outcome: Result<Metrics, String>,
}

impl Point {
    /// Metrics of a point that was built and fits the device.
    pub fn fitting(&self) -> Option<&Metrics> {
        self.outcome.as_ref().ok().filter(|m| m.fits)
    }
}

/// How [`explore_with`] runs its points.
#[derive(Clone, Copy)]
pub struct Workers<'a> {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Called after each point with (points done, points in all), from any worker.
    pub on_point: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

/// Measure every point of `space` for `model` on `device`, running the cycle model on
/// `sample` (with `labels`, one per sample, for accuracy). Points are in grid order
/// (weight bits, state bits, lanes). Runs on every core ([`explore_with`]).
pub fn explore(
    model: ExploreModel<'_>,
    device: &Device,
    space: &Space,
    sample: &SpikeSteps,
    labels: Option<&[usize]>,
) -> Result<Vec<Point>> {
    let jobs = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = Workers {
        jobs,
        on_point: None,
    };
    explore_with(model, device, space, sample, labels, workers)
}

/// [`explore`] on `workers.jobs` threads: each quantization (one per pair of widths) and each
/// point is one unit of work taken by the next free worker; results keep grid order whatever
/// the threads' timing, so the output is the same for any number of jobs.
pub fn explore_with(
    model: ExploreModel<'_>,
    device: &Device,
    space: &Space,
    sample: &SpikeSteps,
    labels: Option<&[usize]>,
    workers: Workers<'_>,
) -> Result<Vec<Point>> {
    if space.lanes.is_empty() || space.lanes.contains(&0) {
        return Err(Error::input(
            "explore: lanes must list at least one value, each at least 1",
        ));
    }
    if let Some(l) = labels.filter(|l| l.len() != sample.samples()) {
        return Err(Error::input(format!(
            "explore: {} labels for {} samples; give one label per sample",
            l.len(),
            sample.samples()
        )));
    }
    // One integer network per pair of widths (or the given one), then the points on them.
    let (nets, widths): (Vec<Quantized>, Vec<Widths>) = match model {
        ExploreModel::Fixed(net) => (vec![Ok((net.clone(), None))], vec![(None, None)]),
        ExploreModel::Float { net, calib, base } => {
            if space.weight_bits.is_empty() || space.state_bits.is_empty() {
                return Err(Error::input(
                    "explore: weight_bits and state_bits must each list at least one width",
                ));
            }
            let pairs: Vec<(u32, u32)> = space
                .weight_bits
                .iter()
                .flat_map(|&wb| space.state_bits.iter().map(move |&sb| (wb, sb)))
                .collect();
            let nets = parallel_map(&pairs, workers.jobs, |&(wb, sb)| {
                spikeloom_quant::quantize(net, Some(calib), &with_widths(base, wb, sb))
                    .map(|(q, report)| (q, report.spike_agreement))
                    .map_err(|e| format!("quantization failed: {e}"))
            });
            let widths = pairs.iter().map(|&(wb, sb)| (Some(wb), Some(sb))).collect();
            (nets, widths)
        }
    };
    let grid: Vec<(usize, usize)> = (0..nets.len())
        .flat_map(|n| space.lanes.iter().map(move |&lanes| (n, lanes)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let points = parallel_map(&grid, workers.jobs, |&(n, lanes)| {
        let (weight_bits, state_bits) = widths[n];
        let outcome = match &nets[n] {
            Ok((q, agreement)) => measure(q, *agreement, lanes, device, sample, labels),
            Err(e) => Err(e.clone()),
        };
        let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(f) = workers.on_point {
            f(finished, grid.len());
        }
        Point {
            settings: Settings {
                lanes,
                weight_bits,
                state_bits,
            },
            outcome,
        }
    });
    Ok(points)
}

/// The integer network of one pair of widths with its spike agreement, or why it failed.
type Quantized = Result<(QNet, Option<f64>), String>;
/// (weight bits, state bits) of a network; `None` for a given integer network.
type Widths = (Option<u32>, Option<u32>);

/// `f` over `items` on up to `jobs` threads, results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| unreachable!("every item was run by a worker"))
        })
        .collect()
}

/// `base` with the swept widths replacing the default and every per-op/per-layer override of
/// those two widths (the sweep is model-wide by definition).
fn with_widths(base: &QuantConfig, weight_bits: u32, state_bits: u32) -> QuantConfig {
    let mut cfg = base.clone();
    cfg.default.weight_bits = Some(weight_bits);
    cfg.default.state_bits = Some(state_bits);
    for p in cfg.op.values_mut().chain(cfg.layer.values_mut()) {
        p.weight_bits = None;
        p.state_bits = None;
    }
    cfg
}

fn measure(
    net: &QNet,
    spike_agreement: Option<f64>,
    lanes: usize,
    device: &Device,
    sample: &SpikeSteps,
    labels: Option<&[usize]>,
) -> Result<Metrics, String> {
    let cfg = PlanConfig {
        lanes: Some(lanes),
        max_lanes: lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    let plan =
        spikeloom_plan::plan(net, &cfg, device).map_err(|e| format!("planning failed: {e}"))?;
    let trace = spikeloom_cyclesim::simulate(&plan, sample)
        .map_err(|e| format!("cycle model failed: {e}"))?;
    let cycles: Vec<u64> = trace.cycles_per_step.iter().flatten().copied().collect();
    let mean = if cycles.is_empty() {
        0.0
    } else {
        cycles.iter().sum::<u64>() as f64 / cycles.len() as f64
    };
    Ok(Metrics {
        accuracy: labels.map(|l| cycle_accuracy(net, &trace, l)),
        spike_agreement,
        luts: plan.resources.luts,
        brams: plan.resources.brams,
        dsps: plan.resources.dsps,
        fits: plan.fit.fits,
        cycles_per_step: mean,
        max_cycles_per_step: cycles.iter().copied().max().unwrap_or(0),
    })
}

/// The quality a point is judged by: accuracy when measured, else spike agreement.
fn quality(m: &Metrics) -> Option<f64> {
    m.accuracy.or(m.spike_agreement)
}

/// `a` is at least as good as `b` in every objective and better in one: higher quality,
/// fewer LUTs, fewer cycles per step. Quality is compared only when both points have one.
fn dominates(a: &Metrics, b: &Metrics) -> bool {
    let (qa, qb) = match (quality(a), quality(b)) {
        (Some(x), Some(y)) => (x, y),
        _ => (0.0, 0.0),
    };
    let no_worse = qa >= qb && a.luts <= b.luts && a.cycles_per_step <= b.cycles_per_step;
    let better = qa > qb || a.luts < b.luts || a.cycles_per_step < b.cycles_per_step;
    no_worse && better
}

/// The Pareto front of `points` (accuracy up, LUTs down, cycles per step down) among the points
/// that were built and fit the device, sorted by LUTs, then cycles, then settings.
pub fn pareto(points: &[Point]) -> Vec<Point> {
    let fitting: Vec<(&Point, &Metrics)> = points
        .iter()
        .filter_map(|p| p.fitting().map(|m| (p, m)))
        .collect();
    let mut front: Vec<Point> = fitting
        .iter()
        .filter(|(_, m)| !fitting.iter().any(|(_, o)| dominates(o, m)))
        .map(|(p, _)| (*p).clone())
        .collect();
    front.sort_by(|a, b| {
        let (ma, mb) = (a.fitting(), b.fitting());
        let key = |m: Option<&Metrics>| m.map_or((0, 0.0), |m| (m.luts, m.cycles_per_step));
        let (ka, kb) = (key(ma), key(mb));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(a.settings.lanes.cmp(&b.settings.lanes))
            .then(a.settings.weight_bits.cmp(&b.settings.weight_bits))
            .then(a.settings.state_bits.cmp(&b.settings.state_bits))
    });
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lanes: usize, acc: Option<f64>, luts: u32, cycles: f64, fits: bool) -> Point {
        Point {
            settings: Settings {
                lanes,
                weight_bits: Some(8),
                state_bits: Some(16),
            },
            outcome: Ok(Metrics {
                accuracy: acc,
                spike_agreement: None,
                luts,
                brams: 0,
                dsps: 0,
                fits,
                cycles_per_step: cycles,
                max_cycles_per_step: cycles as u64,
            }),
        }
    }

    #[test]
    fn front_keeps_only_non_dominated_fitting_points() {
        let pts = vec![
            point(1, Some(0.90), 100, 500.0, true), // front: cheapest
            point(2, Some(0.90), 200, 300.0, true), // front: faster
            point(3, Some(0.85), 250, 300.0, true), // dominated by lanes=2
            point(4, Some(0.95), 400, 300.0, true), // front: most accurate
            point(5, Some(0.99), 50, 10.0, false),  // would dominate all, but does not fit
            Point {
                settings: Settings {
                    lanes: 6,
                    weight_bits: Some(2),
                    state_bits: Some(4),
                },
                outcome: Err("quantization failed".into()),
            },
        ];
        let front: Vec<usize> = pareto(&pts).iter().map(|p| p.settings.lanes).collect();
        assert_eq!(front, [1, 2, 4]);
    }

    #[test]
    fn equal_points_both_stay_and_unmeasured_quality_is_ignored() {
        let pts = vec![
            point(1, None, 100, 50.0, true),
            point(2, None, 100, 50.0, true),
            point(3, None, 120, 50.0, true),
        ];
        let front: Vec<usize> = pareto(&pts).iter().map(|p| p.settings.lanes).collect();
        assert_eq!(front, [1, 2]);
    }
}
