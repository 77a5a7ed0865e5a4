//! The trained digits CNN fixture (tests/fixtures/models/cnn): quantized with the default
//! configuration, its convolution layer becomes a convolution core; the plan fits iCEBreaker
//! (UP5K) and ULX3S-25F by the estimate, and the cycle model equals `qnet::eval` bit for bit on
//! the fixture input, with cycles per step equal to `Plan::step_cycles`.

use spikeloom_board::Board;
use spikeloom_cyclesim::simulate;
use spikeloom_float::{lower, ResetMode, SemanticsOptions};
use spikeloom_npy::read_npy;
use spikeloom_plan::{plan, PlanConfig, StepActivity};
use spikeloom_qnet::{eval, SpikeSteps};
use spikeloom_quant::{quantize, Calibration, QuantConfig};
use std::path::Path;

fn input(name: &str) -> SpikeSteps {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models/cnn");
    let x = read_npy(&dir.join(name)).expect("input npy");
    let [t, n, f] = x.shape[..] else {
        panic!("{name} shape {:?}", x.shape)
    };
    let data: Vec<u8> = x.data.to_i64().unwrap().iter().map(|v| *v as u8).collect();
    SpikeSteps::new(t, n, f, data).unwrap()
}

#[test]
fn cnn_fixture_fits_and_cycle_model_equals_eval() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models/cnn");
    let file = spikeloom_nir::read(dir.join("model.nir")).expect("cnn model.nir");
    let opts = SemanticsOptions {
        reset: ResetMode::parse("subtract"),
        reset_delay: Some(true),
        ..Default::default()
    };
    let net = lower(&file.graph, &opts).expect("lower cnn");
    let x = input("input.npy");
    let calib = Calibration::simulate(&net, x.clone(), None).unwrap();
    let (q, _) = quantize(&net, Some(&calib), &QuantConfig::default()).unwrap();
    let golden = eval(&q, &x).unwrap();
    for board in ["icebreaker", "ulx3s-25f"] {
        let b = Board::resolve(board).expect("board");
        let p =
            plan(&q, &PlanConfig::default(), &b.device).unwrap_or_else(|e| panic!("{board}: {e}"));
        assert!(p.fit.fits, "{board}: {:?}\n{p}", p.fit.problems);
        assert!(p.cores[0].conv.is_some() && p.cores[1].conv.is_none());
        assert_eq!(p.cores[0].weights.len(), 36, "kernel stored once");
        let tr = simulate(&p, &x).unwrap();
        for (li, g) in golden.layers.iter().enumerate() {
            assert_eq!(tr.layers[li].spikes, g.spikes, "{board} layer {li} spikes");
            assert_eq!(
                tr.layers[li].membrane, g.membrane,
                "{board} layer {li} membranes"
            );
        }
        let (steps, samples) = (x.steps(), x.samples());
        let count = |v: &[u8]| v.iter().filter(|&&s| s == 1).count();
        let f = q.input_size;
        let spikes = |li: usize, t: usize, n: usize| {
            let size = q.layers[li].size;
            let at = (t * samples + n) * size;
            &golden.layers[li].spikes[at..at + size]
        };
        for n in 0..samples {
            for t in 0..steps {
                let inp = |t: usize| count(&x.data()[(t * samples + n) * f..][..f]);
                let act = StepActivity {
                    input_events: inp(t),
                    prev_input_events: if t == 0 { 0 } else { inp(t - 1) },
                    block_spikes: p
                        .cores
                        .iter()
                        .enumerate()
                        .map(|(li, c)| spikes(li, t, n).chunks(c.lanes).map(count).collect())
                        .collect(),
                    prev_spikes: (0..q.layers.len())
                        .map(|li| {
                            if t == 0 {
                                0
                            } else {
                                count(spikes(li, t - 1, n))
                            }
                        })
                        .collect(),
                    line_events: Vec::new(),
                };
                assert_eq!(
                    tr.cycles_per_step[n][t],
                    p.step_cycles(&act),
                    "{board} n {n} t {t}"
                );
            }
        }
        eprintln!(
            "{board}: lanes {:?}, {:?}, idle step {} cycles",
            p.cores.iter().map(|c| c.lanes).collect::<Vec<_>>(),
            p.resources,
            p.idle_step_cycles()
        );
    }
}
