//! Per-layer reset settings (`Config::layers`, what the Python `from_snntorch` reads off the
//! trained modules) and arrays in memory (`input::steps_from_array`): the zero-reset fixture,
//! whose NIR file says nothing about its reset, equals snnTorch only with its layers set to
//! zero, and a setting for a layer the model lacks is an input error naming the layers.

use spikeloom_float::ResetMode;
use spikeloom_npy::{read_npy, NpyArray, NpyData};
use spikeloom_pipeline::input::steps_from_array;
use spikeloom_pipeline::{Config, LayerSemantics, Session};
use std::path::{Path, PathBuf};

fn fixture(file: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/models/mlp_zero")
        .join(file);
    assert!(p.is_file(), "fixture {} missing", p.display());
    p
}

fn output_spikes(layers: Vec<(String, LayerSemantics)>) -> Vec<u8> {
    let mut config = Config::new(fixture("model.nir"));
    config.layers = layers;
    let session = Session::new(config);
    let input = read_npy(&fixture("input.npy")).expect("input.npy");
    let spikes =
        steps_from_array("x", &input, &session.model_input().expect("input")).expect("spikes");
    let trace = session.float_trace(&spikes).expect("float run");
    let net = session.float_net().expect("net");
    trace.layers[net.output_layer].spikes.clone()
}

fn snntorch_output() -> Vec<u8> {
    let a = read_npy(&fixture("expected_spikes_lif2.npy")).expect("expected spikes");
    a.data.to_f64().iter().map(|&v| v as u8).collect()
}

#[test]
fn zero_reset_per_layer_matches_snntorch_and_the_default_does_not() {
    let zero = LayerSemantics {
        reset: Some(ResetMode::Zero),
        reset_delay: None,
    };
    let expected = snntorch_output();
    let set = output_spikes(vec![("lif1".into(), zero), ("lif2".into(), zero)]);
    assert_eq!(set, expected);
    assert_ne!(output_spikes(Vec::new()), expected);
    // one layer alone is not enough on this model
    assert_ne!(output_spikes(vec![("lif2".into(), zero)]), expected);
}

#[test]
fn unknown_layer_is_an_input_error_naming_the_spiking_layers() {
    let mut config = Config::new(fixture("model.nir"));
    config.layers = vec![("lif9".into(), LayerSemantics::default())];
    let err = match Session::new(config).float_net() {
        Ok(_) => panic!("an unknown layer must be refused"),
        Err(e) => e,
    };
    assert_eq!(err.kind(), spikeloom_pipeline::ErrorKind::Input);
    let text = err.to_string();
    assert!(
        text.ends_with(
            "model.nir: layer `lif9` of the per-layer reset settings is not in the model (its \
             spiking layers: lif1, lif2)"
        ),
        "{text}"
    );
}

#[test]
fn arrays_in_memory_are_checked_like_files() {
    let session = Session::new(Config::new(fixture("model.nir")));
    let model = session.model_input().expect("input");
    let half = NpyArray {
        shape: vec![2, 64],
        data: NpyData::F64([vec![0.0; 64], vec![0.5; 64]].concat()),
    };
    let err = steps_from_array("x", &half, &model).expect_err("0.5 is not a spike");
    assert!(
        err.to_string()
            .starts_with("x: 64 values are not valid: the model takes spikes (0/1) or graded integer values 0..=255; the first is 0.5 at index [1, 0]"),
        "{err}"
    );
}
