//! Writes the digits-shaped MLP (64 -> 48 -> 10 LIF, 8-bit weights) planned for the iCEBreaker
//! (UP5K) as a Verilog bundle, binary or with graded input and/or a spike-count hidden layer, to
//! measure the cost of the format-3 features with yosys / nextpnr by hand:
//! `cargo run -p spikeloom-verilog --example graded_bundle -- <out dir> <input bits> <count bits>`.

use spikeloom_board::Board;
use spikeloom_plan::{plan, testing::Rng, PlanConfig};
use spikeloom_qnet::{QFire, QLayer, QNet, QNeuron, QProjection, QReset, QSource, Rounding};
use spikeloom_verilog::{generate, GenOptions};

fn layer(rng: &mut Rng, name: &str, source: QSource, inputs: usize, size: usize) -> QLayer {
    QLayer {
        fire: QFire::Single,
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
        bias: (0..size).map(|_| rng.range(-300, 300)).collect(),
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
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).map_or("graded-bundle", String::as_str);
    let input_bits: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let count_bits: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut rng = Rng::new(42);
    let mut hidden = layer(&mut rng, "lif1", QSource::Input, 64, 48);
    if count_bits > 0 {
        hidden.fire = QFire::Count {
            spike_bits: count_bits,
            floor_at_minus_threshold: false,
        };
        if let QNeuron::Lif { reset_delay, .. } = &mut hidden.neuron {
            *reset_delay = false;
        }
    }
    let net = QNet {
        input_bits,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size: 64,
        layers: vec![hidden, layer(&mut rng, "lif2", QSource::Layer(0), 48, 10)],
        output_layer: 1,
        provenance: vec![],
    };
    let board = Board::builtin("icebreaker").expect("icebreaker board");
    let p = plan(&net, &PlanConfig::default(), &board.device).expect("plan");
    eprintln!("{p}");
    generate(&p, &GenOptions::default())
        .write_to(std::path::Path::new(out))
        .expect("write bundle");
}
