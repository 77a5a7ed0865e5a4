//! Rough speed check of the float engine: a 784-512-256-10 LIF net with random weights,
//! 100 steps x 64 samples of 10 %-dense input spikes. `cargo run --release -p spikeloom-float
//! --example float_speed`.

use spikeloom_qnet::SpikeSteps;
use std::time::Instant;

use spikeloom_float::{
    simulate, Convention, FloatNet, Layer, Neuron, Projection, ResetMode, Semantics, Source,
    ZeroResetInput,
};

/// The tests' one seeded generator (SplitMix64).
use spikeloom_testkit::Rng;

fn layer(name: &str, rng: &mut Rng, size: usize, src: Source, src_size: usize) -> Layer {
    let scale = 3.0 / (src_size as f64).sqrt();
    let weight = (0..size * src_size)
        .map(|_| (rng.unit() - 0.4) * scale)
        .collect();
    Layer {
        name: name.into(),
        size,
        shape: vec![size],
        inputs: vec![Projection {
            source_delay: Vec::new(),
            source: src,
            weight,
            source_size: src_size,
            delayed: false,
            origin: name.into(),
            conv: None,
            pool: None,
        }],
        bias: vec![0.0; size],
        neuron: Neuron::Lif {
            beta: vec![0.9; size],
            threshold: vec![1.0; size],
            v_reset: vec![0.0; size],
            reset: ResetMode::Subtract,
            reset_delay: true,
            zero_input: ZeroResetInput::Keep,
        },
    }
}

fn main() {
    let mut rng = Rng::new(1);
    let sizes = [784, 512, 256, 10];
    let layers = (1..sizes.len())
        .map(|i| {
            let src = if i == 1 {
                Source::Input
            } else {
                Source::Layer(i - 2)
            };
            layer(&format!("lif{i}"), &mut rng, sizes[i], src, sizes[i - 1])
        })
        .collect();
    let semantics = Semantics {
        convention: Convention::Snntorch,
        norse: None,
        dt: 1e-4,
        reset: ResetMode::Subtract,
        reset_delay: true,
        spike_mode: spikeloom_float::SpikeMode::Single,
        provenance: vec![],
    };
    let net = FloatNet {
        input_size: sizes[0],
        layers,
        output_layer: sizes.len() - 2,
        semantics,
    };
    let (t, n) = (100, 64);
    let data = (0..t * n * sizes[0])
        .map(|_| u8::from(rng.unit() < 0.1))
        .collect();
    let input = SpikeSteps::graded(t, n, sizes[0], data, 8).expect("sizes agree");
    let start = Instant::now();
    let trace = simulate(&net, &input).expect("valid net");
    let secs = start.elapsed().as_secs_f64();
    let synapses: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum();
    let spikes: Vec<usize> = trace
        .layers
        .iter()
        .map(|l| l.spikes.iter().map(|s| usize::from(*s)).sum())
        .collect();
    println!("{t} steps x {n} samples, {synapses} synapses: {secs:.3} s ({:.1} sample-steps/ms), spikes per layer {spikes:?}", (t * n) as f64 / secs / 1e3);
}
