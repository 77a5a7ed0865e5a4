//! Start-up weight load of an MNIST-shaped MLP (784 -> 128 -> 10 LIF, 8-bit weights: 101,632
//! weights) in the iCEBreaker's SPRAM: image size, and the cycles of the load from the SPI flash
//! as the cycle model runs it (the loader and flash twins, equal to sl_wload.v and the flash
//! model in co-simulation), against `LoaderPlan::flash_load_cycles`, and the time at 12 MHz.
//!
//! `cargo run --release -p spikeloom-cyclesim --example load_cycles`

use spikeloom_cyclesim::{CycleSim, LogLine, StimCmd};
use spikeloom_plan::testing::Rng;
use spikeloom_plan::{plan, PlanConfig, WeightMemChoice};
use spikeloom_qnet::{QLayer, QNet, QNeuron, QProjection, QReset, QSource, Rounding};
use std::time::Instant;

fn layer(rng: &mut Rng, name: &str, source: QSource, inputs: usize, size: usize) -> QLayer {
    QLayer {
        fire: Default::default(),
        name: name.into(),
        size,
        inputs: vec![QProjection {
            source_delay: Vec::new(),
            source,
            source_size: inputs,
            weight: (0..inputs * size)
                .map(|_| rng.range(-128, 127) as i32)
                .collect(),
            delayed: false,
            origin: format!("fc_{name}"),
            conv: None,
        }],
        weight_bits: 8,
        weight_shift: 1,
        bias: vec![0; size],
        neuron: QNeuron::Lif {
            beta: vec![3686; size],
            threshold: vec![544; size],
            v_reset: vec![0; size],
            reset: QReset::Subtract,
            reset_delay: true,
        },
        state_bits: 16,
        decay_shift: 12,
        rounding: Rounding::HalfUp,
        state_lsb: 1.0,
    }
}

fn main() {
    let mut rng = Rng::new(7);
    let net = QNet {
        input_bits: 1,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size: 784,
        layers: vec![
            layer(&mut rng, "lif1", QSource::Input, 784, 128),
            layer(&mut rng, "lif2", QSource::Layer(0), 128, 10),
        ],
        output_layer: 1,
        provenance: vec![],
    };
    let board = spikeloom_board::Board::builtin("icebreaker").expect("board");
    for lanes in [1, 2, 4, 8] {
        let cfg = PlanConfig {
            lanes: Some(lanes),
            require_fit: false,
            weight_memory: WeightMemChoice::Spram,
            ..PlanConfig::default()
        };
        let Ok(p) = plan(&net, &cfg, &board.device) else {
            println!("{lanes} lanes: no plan");
            continue;
        };
        let Some(l) = p.loader else {
            println!("{lanes} lanes: no loader");
            continue;
        };
        let t0 = Instant::now();
        let log = CycleSim::new(&p)
            .run_stimulus(&[StimCmd::PowerOn])
            .expect("load");
        let took = t0.elapsed().as_secs_f64();
        let Some(LogLine::Load { cycle, state }) = log.first().copied() else {
            panic!("no load line: {log:?}");
        };
        println!(
            "{lanes} lanes: store {} words x {} bits, image {} bytes ({} granules); load {} cycles (state {}, planned {}) = {:.1} ms at {} MHz; cycle model {:.2} s ({:.1} M cycles/s)",
            p.weight_store.depth,
            p.weight_store.word_bits,
            l.image_bytes(),
            l.granules,
            cycle,
            state,
            l.flash_load_cycles(),
            cycle as f64 / (l.clock_hz as f64 / 1e3),
            l.clock_hz / 1_000_000,
            took,
            cycle as f64 / took / 1e6
        );
        assert_eq!(cycle, l.flash_load_cycles());
    }
}
