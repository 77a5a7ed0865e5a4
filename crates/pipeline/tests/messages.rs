//! Snapshots (insta) of what users read: the main error messages, as the library returns them
//! (the CLI prints them unchanged, the Python binding raises them), and the quantization report.
//! A change of wording shows up as a reviewed snapshot diff (`cargo insta review`), not silently.
//! Paths are written relative to the repository (`<root>/...`) so the snapshots hold on any
//! clone.

use spikeloom_pipeline::input::{load_labels, load_steps};
use spikeloom_pipeline::{Config, HwConfig, Session};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The message with the repository's (and the scratch directory's) absolute paths replaced.
fn relative(msg: &str) -> String {
    let root = root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    msg.replace(&scratch.display().to_string(), "<tmp>")
        .replace(&root.display().to_string(), "<root>")
        .replace(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .display()
                .to_string(),
            "<root>",
        )
}

fn fixture(rel: &str) -> PathBuf {
    let p = root().join(rel);
    assert!(p.exists(), "fixture missing: {}", p.display());
    p
}

fn entry(out: &mut String, case: &str, result: Result<(), spikeloom_pipeline::Error>) {
    let msg = match result {
        Ok(()) => panic!("{case}: expected an error"),
        Err(e) => relative(&e.to_string()),
    };
    let _ = writeln!(out, "== {case}\n{msg}\n");
}

#[test]
fn main_error_messages() {
    let mut out = String::new();
    // NIR files the reader, the validator or the lowering refuses
    for case in [
        "bad_not_hdf5",
        "bad_truncated",
        "bad_dangling_edge",
        "bad_edge_shape",
        "bad_missing_param",
        "bad_nan_param",
        "bad_negative_tau",
        "bad_unknown_type",
        "bad_cycle_no_neuron",
        "no_output",
    ] {
        let path = fixture(&format!("tests/fixtures/nir-cases/{case}.nir"));
        let session = Session::new(Config::new(&path));
        entry(&mut out, case, session.float_net().map(|_| ()));
    }
    // a convention the integer contract does not have
    let spyx = Session::new(Config::new(fixture(
        "tests/fixtures/exporters/spyx_mlp/model.nir",
    )));
    entry(&mut out, "spyx quantize", spyx.quantized().map(|_| ()));
    // a network too large for the board
    let mut cfg = Config::new(fixture("tests/fixtures/exporters/nmnist_cnn/model.nir"));
    cfg.semantics.convention = Some(spikeloom_float::Convention::Sinabs);
    let big = Session::new(cfg).with_hw(HwConfig::new("icestick"));
    entry(&mut out, "does not fit", big.design().map(|_| ()));
    // one convolution engine asked for a network with one convolution
    let mut hw = HwConfig::new("icebreaker");
    hw.conv_engine = spikeloom_plan::ConvEngineChoice::Shared;
    let one_conv =
        Session::new(Config::new(fixture("tests/fixtures/models/cnn/model.nir"))).with_hw(hw);
    entry(
        &mut out,
        "no convolution engine",
        one_conv.design().map(|_| ()),
    );
    // an unknown board
    let mlp = fixture("tests/fixtures/models/mlp_subtract/model.nir");
    let board = Session::new(Config::new(&mlp)).with_hw(HwConfig::new("icebraker"));
    entry(&mut out, "unknown board", board.design().map(|_| ()));
    // input of the wrong shape, and labels that do not match it
    let session = Session::new(Config::new(&mlp));
    let model_input = session.model_input().expect("model input");
    let wrong = fixture("tests/fixtures/models/braille/input.npy");
    entry(
        &mut out,
        "input shape",
        load_steps(&wrong, &model_input).map(|_| ()),
    );
    entry(
        &mut out,
        "labels count",
        load_labels(&fixture("tests/fixtures/models/mlp_subtract/labels.npy"), 3).map(|_| ()),
    );
    insta::assert_snapshot!("main_error_messages", out);
}

#[test]
fn quantization_report_text() {
    let dir = fixture("tests/fixtures/models/mlp_subtract");
    let mut cfg = Config::new(dir.join("model.nir"));
    cfg.quant.calibrate = Some(dir.join("input.npy"));
    let session = Session::new(cfg);
    let model = session.quantized().expect("quantizes");
    let report = model.report.as_ref().expect("a .nir model has a report");
    insta::assert_snapshot!("mlp_subtract_quant_report", relative(&report.to_string()));
}
