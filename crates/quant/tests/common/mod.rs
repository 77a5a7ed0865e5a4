//! Hand-built float networks for the quantizer tests.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use spikeloom_float::{
    Convention, FloatNet, Layer, Neuron, Projection, ResetMode, Semantics, Source, ZeroResetInput,
};
use spikeloom_qnet::SpikeSteps;

/// Deterministic generator (SplitMix64).
pub use spikeloom_testkit::Rng;

pub fn semantics() -> Semantics {
    Semantics {
        convention: Convention::Snntorch,
        norse: None,
        dt: 1e-3,
        reset: ResetMode::Subtract,
        reset_delay: true,
        spike_mode: spikeloom_float::SpikeMode::Single,
        provenance: vec![],
    }
}

pub fn lif(beta: Vec<f64>, threshold: f64, reset: ResetMode, reset_delay: bool) -> Neuron {
    let n = beta.len();
    Neuron::Lif {
        beta,
        threshold: vec![threshold; n],
        v_reset: vec![0.0; n],
        reset,
        reset_delay,
        zero_input: ZeroResetInput::Keep,
    }
}

pub fn layer(
    name: &str,
    source: Source,
    source_size: usize,
    weight: Vec<f64>,
    neuron: Neuron,
) -> Layer {
    let size = weight.len() / source_size;
    Layer {
        name: name.into(),
        size,
        shape: vec![size],
        inputs: vec![Projection {
            source_delay: Vec::new(),
            source,
            weight,
            source_size,
            delayed: false,
            origin: format!("{name}_fc"),
            conv: None,
            pool: None,
        }],
        bias: vec![0.0; size],
        neuron,
    }
}

pub fn random_input(
    rng: &mut Rng,
    steps: usize,
    samples: usize,
    width: usize,
    density: f64,
) -> SpikeSteps {
    let data = (0..steps * samples * width)
        .map(|_| u8::from(rng.unit() < density))
        .collect();
    SpikeSteps::new(steps, samples, width, data).unwrap()
}

pub fn net(input_size: usize, layers: Vec<Layer>) -> FloatNet {
    let output_layer = layers.len() - 1;
    FloatNet {
        input_size,
        layers,
        output_layer,
        semantics: semantics(),
    }
}
