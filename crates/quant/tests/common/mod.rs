//! Hand-built float networks for the quantizer tests.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use spikeloom_float::{
    Convention, FloatNet, Layer, Neuron, Projection, ResetMode, Semantics, Source, ZeroResetInput,
};
use spikeloom_qnet::SpikeSteps;

/// Deterministic generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

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
