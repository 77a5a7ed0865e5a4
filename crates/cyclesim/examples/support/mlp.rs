//! Builds the digits MLP fixture (tests/fixtures/models/mlp_subtract) as a quantized QNet and
//! its input, through the real pipeline: NIR reader -> float lowering -> calibrated quantization.

use spikeloom_qnet::{QNet, SpikeSteps};
use std::path::PathBuf;

/// Fixture directory of a model.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/models")
        .join(name)
}

/// The fixture's input spikes `[T, N, 64]`.
pub fn input(name: &str) -> SpikeSteps {
    let arr = spikeloom_npy::read_npy(&fixture(name).join("input.npy")).expect("input.npy");
    let data = match arr.data {
        spikeloom_npy::NpyData::U8(v) | spikeloom_npy::NpyData::Bool(v) => v,
        other => panic!("input.npy: unexpected dtype {other:?}"),
    };
    SpikeSteps::new(arr.shape[0], arr.shape[1], arr.shape[2], data).expect("input shape")
}

/// The fixture quantized with `weight_bits`/`state_bits`, calibrated on its own input.
pub fn qnet(name: &str, weight_bits: u32, state_bits: u32) -> QNet {
    let file = spikeloom_nir::read(fixture(name).join("model.nir")).expect("read nir");
    let flat = spikeloom_nir::flatten_subgraphs(&file.graph).expect("flatten");
    let net = spikeloom_float::lower(&flat, &Default::default()).expect("lower");
    let input = input(name);
    let float = spikeloom_float::simulate(&net, &input).expect("float sim");
    let calib = spikeloom_quant::Calibration::new(&net, input, float, None).expect("calibration");
    let mut cfg = spikeloom_quant::QuantConfig::default();
    cfg.default.weight_bits = Some(weight_bits);
    cfg.default.state_bits = Some(state_bits);
    spikeloom_quant::quantize(&net, Some(&calib), &cfg)
        .expect("quantize")
        .0
}
