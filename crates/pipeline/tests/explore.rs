//! `explore` on a trained fixture: accuracy from the cycle model equals the quantizer's own
//! fixed-point accuracy (measured with the golden evaluator, an independent implementation),
//! lanes trade LUTs for cycles, and a fixed model gives the same figures as its float origin.

use spikeloom_board::Board;
use spikeloom_pipeline::sweep::{explore, pareto, ExploreModel, Space};
use spikeloom_quant::{Calibration, Precision, QuantConfig};

mod common {
    //! The first samples of a trained fixture through the session: float network, calibration
    //! (with labels), integer network quantized on it, float trace.

    use spikeloom_float::{FloatNet, FloatTrace};
    use spikeloom_pipeline::input::{load_labels, load_steps};
    use spikeloom_pipeline::{Config, Session};
    use spikeloom_qnet::{QNet, SpikeSteps};
    use spikeloom_quant::Calibration;
    use std::path::Path;

    pub struct Run {
        pub float: FloatNet,
        pub calib: Calibration,
        pub qnet: QNet,
        pub input: SpikeSteps,
        pub labels: Vec<usize>,
        pub float_trace: FloatTrace,
    }

    pub fn run(name: &str, samples: usize) -> Run {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/models")
            .join(name);
        let session = Session::new(Config::new(dir.join("model.nir")));
        let all = load_steps(&dir.join("input.npy"), &session.model_input().unwrap()).unwrap();
        let spikes = all.take_samples(samples);
        let labels = load_labels(&dir.join("labels.npy"), all.samples()).unwrap()
            [..spikes.samples()]
            .to_vec();
        let session = session.with_calibration(Some(spikes.clone()), Some(labels.clone()));
        let calib = session.calibration(&spikes, Some(&labels)).unwrap();
        Run {
            float: session.float_net().unwrap().clone(),
            qnet: session.quantized().unwrap().qnet.clone(),
            float_trace: (*session.float_trace(&spikes).unwrap()).clone(),
            input: spikes.clone(),
            labels: labels.iter().map(|&l| l as usize).collect(),
            calib,
        }
    }
}

#[test]
fn explore_measures_the_hardware_and_keeps_the_trade_offs() {
    let r = common::run("mlp_subtract", 8);
    let board = Board::builtin("ulx3s-25f").unwrap();
    let space = Space {
        lanes: vec![1, 4],
        weight_bits: vec![4, 8],
        state_bits: vec![16],
    };
    let base = QuantConfig::default();
    let model = ExploreModel::Float {
        net: &r.float,
        calib: &r.calib,
        base: &base,
    };
    let points = explore(model, &board.device, &space, &r.input, Some(&r.labels)).unwrap();
    assert_eq!(points.len(), 4);
    for p in &points {
        let m = p.outcome.as_ref().unwrap();
        let cfg = QuantConfig {
            default: Precision {
                weight_bits: p.settings.weight_bits,
                state_bits: p.settings.state_bits,
                ..Precision::default()
            },
            ..QuantConfig::default()
        };
        let (_, report) = spikeloom_quant::quantize(&r.float, Some(&r.calib), &cfg).unwrap();
        assert_eq!(m.accuracy, report.fixed_accuracy, "{:?}", p.settings);
        assert_eq!(m.spike_agreement, report.spike_agreement);
    }
    // Same widths: 4 lanes cost more LUTs and take fewer cycles than 1 lane.
    let (one, four) = (
        points[2].outcome.as_ref().unwrap(),
        points[3].outcome.as_ref().unwrap(),
    );
    assert!(four.luts > one.luts && four.cycles_per_step < one.cycles_per_step);
    // The front holds only non-dominated points: re-check dominance by brute force.
    let front = pareto(&points);
    assert!(!front.is_empty());
    for f in &front {
        let fm = f.fitting().unwrap();
        for p in points.iter().filter_map(|p| p.fitting()) {
            let q = |m: &spikeloom_pipeline::sweep::Metrics| m.accuracy.unwrap();
            let dominated = q(p) >= q(fm)
                && p.luts <= fm.luts
                && p.cycles_per_step <= fm.cycles_per_step
                && (q(p) > q(fm) || p.luts < fm.luts || p.cycles_per_step < fm.cycles_per_step);
            assert!(!dominated, "{:?} is dominated", f.settings);
        }
    }
}

#[test]
fn a_fixed_model_varies_lanes_only_with_the_same_figures() {
    let r = common::run("mlp_subtract", 4);
    let board = Board::builtin("ulx3s-25f").unwrap();
    let space = Space {
        lanes: vec![2],
        weight_bits: vec![8],
        state_bits: vec![16],
    };
    let base = QuantConfig::default();
    let from_float = explore(
        ExploreModel::Float {
            net: &r.float,
            calib: &r.calib,
            base: &base,
        },
        &board.device,
        &space,
        &r.input,
        Some(&r.labels),
    )
    .unwrap();
    let calib = Calibration::new(
        &r.float,
        r.input.clone(),
        r.float_trace.clone(),
        Some(r.labels.clone()),
    )
    .unwrap();
    let (q, _) = spikeloom_quant::quantize(&r.float, Some(&calib), &base).unwrap();
    let fixed = explore(
        ExploreModel::Fixed(&q),
        &board.device,
        &space,
        &r.input,
        Some(&r.labels),
    )
    .unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].settings.weight_bits, None);
    let (a, b) = (
        from_float[0].outcome.as_ref().unwrap(),
        fixed[0].outcome.as_ref().unwrap(),
    );
    assert_eq!(
        (a.luts, a.brams, a.cycles_per_step, a.accuracy),
        (b.luts, b.brams, b.cycles_per_step, b.accuracy)
    );
}

#[test]
fn bad_settings_are_errors_not_panics() {
    let r = common::run("mlp_subtract", 2);
    let board = Board::builtin("ulx3s-25f").unwrap();
    let bad = Space {
        lanes: vec![0],
        ..Space::default()
    };
    let e = explore(
        ExploreModel::Fixed(&r.qnet),
        &board.device,
        &bad,
        &r.input,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("lanes"));
    let e = explore(
        ExploreModel::Fixed(&r.qnet),
        &board.device,
        &Space::default(),
        &r.input,
        Some(&[1]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("1 labels for 2 samples"));
    // A width too small to quantize is a failed point, not an error of the whole run.
    let tiny = Space {
        lanes: vec![1],
        weight_bits: vec![1],
        state_bits: vec![16],
    };
    let base = QuantConfig::default();
    let pts = explore(
        ExploreModel::Float {
            net: &r.float,
            calib: &r.calib,
            base: &base,
        },
        &board.device,
        &tiny,
        &r.input,
        None,
    )
    .unwrap();
    assert!(pts[0]
        .outcome
        .as_ref()
        .unwrap_err()
        .contains("quantization failed"));
    assert!(pareto(&pts).is_empty());
}

/// Points run on several threads come back in grid order with the same figures as on one, and
/// the progress callback counts every point once.
#[test]
fn any_number_of_jobs_gives_the_same_points_in_grid_order() {
    use spikeloom_pipeline::sweep::{explore_with, Workers};
    use std::sync::Mutex;
    let r = common::run("mlp_subtract", 4);
    let board = Board::builtin("icebreaker").unwrap();
    let space = Space {
        lanes: vec![1, 2, 4],
        weight_bits: vec![4, 6, 8],
        state_bits: vec![12, 16],
    };
    let base = QuantConfig::default();
    let model = ExploreModel::Float {
        net: &r.float,
        calib: &r.calib,
        base: &base,
    };
    let run = |jobs: usize| {
        let seen = Mutex::new(Vec::new());
        let on_point = |done: usize, total: usize| seen.lock().unwrap().push((done, total));
        let points = explore_with(
            model,
            &board.device,
            &space,
            &r.input,
            Some(&r.labels),
            Workers {
                jobs,
                on_point: Some(&on_point),
            },
        )
        .unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        (points, seen)
    };
    let (one, seen_one) = run(1);
    let (four, seen_four) = run(4);
    assert_eq!(one, four);
    let want: Vec<(usize, usize)> = (1..=18).map(|d| (d, 18)).collect();
    assert_eq!(seen_one, want);
    assert_eq!(seen_four, want);
    let order: Vec<_> = one
        .iter()
        .map(|p| {
            (
                p.settings.weight_bits.unwrap(),
                p.settings.state_bits.unwrap(),
                p.settings.lanes,
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted, "grid order: weight bits, state bits, lanes");
}
