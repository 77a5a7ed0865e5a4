//! Writes the digits-shaped MLP (64 -> 48 -> 10 LIF, 8-bit weights) planned for the iCEBreaker
//! (UP5K) as a Verilog bundle, binary or with graded input and/or a spike-count hidden layer, to
//! measure the cost of the format-3 features with yosys / nextpnr by hand:
//! `cargo run -p spikeloom-verilog --example graded_bundle -- <out dir> <input bits> <count bits>`.

use spikeloom_board::Board;
use spikeloom_plan::{plan, testing::digits_mlp, PlanConfig};
use spikeloom_qnet::{QFire, QNeuron};
use spikeloom_verilog::{generate, GenOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).map_or("graded-bundle", String::as_str);
    let input_bits: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let count_bits: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut net = digits_mlp();
    net.input_bits = input_bits;
    if count_bits > 0 {
        let hidden = &mut net.layers[0];
        hidden.fire = QFire::Count {
            spike_bits: count_bits,
            floor_at_minus_threshold: false,
        };
        if let QNeuron::Lif { reset_delay, .. } = &mut hidden.neuron {
            *reset_delay = false;
        }
    }
    let board = Board::builtin("icebreaker").expect("icebreaker board");
    let p = plan(&net, &PlanConfig::default(), &board.device).expect("plan");
    eprintln!("{p}");
    generate(&p, &GenOptions::default())
        .write_to(std::path::Path::new(out))
        .expect("write bundle");
}
