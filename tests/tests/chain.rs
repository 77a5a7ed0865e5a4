//! The bit-exact chain on every trained fixture and every exporter fixture (Norse, Sinabs,
//! Rockpool): quantized golden model (`qnet::eval`) ==
//! cycle-accurate hardware model (`cyclesim`), every layer, every step, spikes and membranes;
//! and the fixed-point model keeps the float model's accuracy.

use spikeloom_plan::PlanConfig;
use spikeloom_quant::{Calibration, QuantConfig};
use spikeloom_tests::{Fixture, MODELS};

#[test]
fn fixed_equals_cycle_model_on_every_fixture() {
    let device = spikeloom_board::Board::builtin("ulx3s-25f")
        .expect("board")
        .device;
    for fx in Fixture::all(16) {
        let name = &fx.name;
        let float = fx.float_trace();
        let calib = Calibration::new(&fx.net, fx.input.clone(), float, fx.label_option())
            .expect("calibration");
        let (q, _) = spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default())
            .expect("quantize");
        let golden = spikeloom_qnet::eval(&q, &fx.input).expect("eval");
        for lanes in [None, Some(1), Some(3)] {
            let cfg = PlanConfig {
                lanes,
                require_fit: false,
                ..PlanConfig::default()
            };
            let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
            let cyc = spikeloom_cyclesim::simulate(&plan, &fx.input).expect("cycle model");
            for (l, g) in golden.layers.iter().enumerate() {
                assert_eq!(
                    cyc.layers[l].spikes, g.spikes,
                    "{name} lanes {lanes:?} layer {l}: spikes"
                );
                assert_eq!(
                    cyc.layers[l].membrane, g.membrane,
                    "{name} lanes {lanes:?} layer {l}: v"
                );
            }
            let total: u64 = cyc.cycles_per_step.iter().flatten().sum();
            assert!(total > 0, "{name}: cycles are counted");
        }
    }
}

#[test]
fn fixed_point_keeps_float_accuracy_at_8_bit_weights() {
    for name in MODELS.iter().filter(|m| **m != "lif_single") {
        let fx = Fixture::load(name, 64);
        let float = fx.float_trace();
        let calib = Calibration::new(&fx.net, fx.input.clone(), float, Some(fx.labels.clone()))
            .expect("calibration");
        let (_, report) = spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default())
            .expect("quantize");
        let (f, q) = (
            report.float_accuracy.expect("float acc"),
            report.fixed_accuracy.expect("acc"),
        );
        eprintln!("{name}: float {:.2}% fixed {:.2}%", 100.0 * f, 100.0 * q);
        // 64 samples: one sample is 1.56 points, so "within 1 point" means no sample lost.
        assert!(q >= f - 0.01, "{name}: fixed {q} vs float {f}");
    }
}
