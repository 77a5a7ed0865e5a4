//! `inspect --json` says which convention it applies, from what (flag, metadata, version,
//! fingerprint, default) and with what evidence, and which other conventions the file fits and
//! what they would change; on the NIR paper's files and the library fixtures (issue 19).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs spikeloom from the repository root; it must succeed. Returns its stdout.
fn spikeloom_ok(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("spikeloom runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn inspect(model: &str, extra: &[&str]) -> Value {
    let args: Vec<&str> = ["inspect", model, "--json"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    serde_json::from_str(&spikeloom_ok(&args)).expect("inspect --json prints JSON")
}

const PAPER_NORSE: &str = "tests/fixtures/nir-paper/01_lif/lif_norse.nir";
const PAPER_ROCKPOOL: &str = "tests/fixtures/nir-paper/01_lif/lif_rockpool.nir";
const NORSE_11: &str = "tests/fixtures/exporters/norse_lifbox/model.nir";

fn alternative<'a>(conv: &'a Value, name: &str) -> Option<&'a Value> {
    conv["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
}

#[test]
fn norse_picks_its_version_from_the_file() {
    // The NIR paper's export: written by nir 0.1.1, before Norse 1.1 wrote dt*tau.
    let v = inspect(PAPER_NORSE, &["--semantics", "norse", "--dt", "1e-4"]);
    let c = &v["semantics"]["convention"];
    assert_eq!(c["value"], "norse@<1.1");
    assert_eq!(c["source"], "version");
    assert_eq!(c["guess"], true);
    assert!(c["evidence"][0]
        .as_str()
        .unwrap()
        .starts_with("the file was written by nir 0.1.1"));
    // What Norse 1.1's reading would change: the per-step factor dt/tau = 0.04 becomes
    // dt^2/tau = 4e-6 (decay 0.96 -> 0.999996, input 0.04 -> 4e-6).
    let v11 = alternative(c, "norse@1.1").expect("norse@1.1 is an alternative");
    assert_eq!(
        v11["differs"],
        serde_json::json!([
            "layer `1`: decay 0.96 -> 0.999996",
            "layer `1`: max |input weight| 0.04 -> 4e-6"
        ])
    );
    // nir-euler is the same network here (r = 1, reset to zero, no delay).
    assert_eq!(
        alternative(c, "nir-euler").unwrap()["differs"],
        serde_json::json!([])
    );
    // Norse 1.1's own export (nir 1.0.4): its taus are below dt, so they are dt*tau.
    let v = inspect(NORSE_11, &["--semantics", "norse"]);
    let c = &v["semantics"]["convention"];
    assert_eq!(c["value"], "norse@1.1");
    assert_eq!(c["source"], "fingerprint");
    // The versioned name is a flag like any other.
    let v = inspect(PAPER_NORSE, &["--semantics", "norse@1.1"]);
    assert_eq!(v["semantics"]["convention"]["value"], "norse@1.1");
    assert_eq!(v["semantics"]["convention"]["source"], "flag");
    assert_eq!(v["semantics"]["convention"]["guess"], false);
}

#[test]
fn rockpool_is_recognised_from_r_and_every_guess_says_so() {
    let v = inspect(PAPER_ROCKPOOL, &[]);
    let s = &v["semantics"];
    assert_eq!(s["convention"]["value"], "rockpool");
    assert_eq!(s["convention"]["source"], "fingerprint");
    assert_eq!(s["convention"]["guess"], true);
    assert!(s["convention"]["evidence"][0]
        .as_str()
        .unwrap()
        .contains("holds with dt = 0.0001 s, a round time step"));
    assert_eq!(s["dt"]["value"], 1e-4);
    assert_eq!(s["dt"]["source"], "fingerprint");
    // The NIR equations would read the same file as a single-spike Euler neuron.
    let euler = alternative(&s["convention"], "nir-euler").expect("nir-euler fits any file");
    assert!(
        euler["differs"].as_array().unwrap().contains(&Value::from(
            "spikes: spike counts (several per step) -> one per step"
        )),
        "{euler}"
    );
}

#[test]
fn without_a_signature_the_default_is_said_with_what_the_file_fits() {
    // r = 1: Norse or Sinabs (or the NIR equations), not snnTorch's r = tau/1e-4.
    let v = inspect(PAPER_NORSE, &[]);
    let c = &v["semantics"]["convention"];
    assert_eq!(c["value"], "snntorch");
    assert_eq!(c["source"], "default");
    assert_eq!(c["guess"], true);
    let names: Vec<&str> = c["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "nir-euler",
            "norse@1.1",
            "norse@>1.1",
            "sinabs",
            "spikingjelly"
        ]
    );
    // An snnTorch export carries snnTorch's signature.
    let v = inspect("tests/fixtures/models/mlp_subtract/model.nir", &[]);
    assert_eq!(v["semantics"]["convention"]["source"], "fingerprint");
    assert_eq!(v["semantics"]["convention"]["value"], "snntorch");
}

/// The commands that run a model say so when its convention is a guess.
#[test]
fn simulate_reports_a_guessed_convention() {
    let run = |model: &str, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
            .args(["simulate", model, "--input"])
            .arg("tests/fixtures/nir-paper/01_lif/input.npy")
            .args(extra)
            .current_dir(root())
            .output()
            .expect("spikeloom runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(PAPER_ROCKPOOL, &[]);
    assert!(
        err.starts_with("note: semantics rockpool is a guess (fingerprint: "),
        "{err}"
    );
    let err = run(PAPER_NORSE, &["--semantics", "norse", "--dt", "1e-4"]);
    assert!(
        err.starts_with("note: semantics norse@<1.1 is a guess (version: "),
        "{err}"
    );
    // Chosen by the flag: nothing to report.
    assert_eq!(
        run(PAPER_NORSE, &["--semantics", "norse@<1.1", "--dt", "1e-4"]),
        ""
    );
}

const SINABS_SINGLE: &str = "tests/fixtures/exporters/sinabs_single/model.nir";

/// The spike mode is an assumed setting like the others: a row with its source, multi by
/// default under sinabs (the file cannot say SingleSpike), single when asked; `simulate` with
/// `--spike-mode single` then reproduces Sinabs' SingleSpike run spike for spike
/// (crates/float/tests/exporter_fixtures.rs has the comparison).
#[test]
fn the_spike_mode_is_an_assumed_setting_with_its_source() {
    let v = inspect(SINABS_SINGLE, &["--semantics", "sinabs"]);
    let m = &v["semantics"]["spike_mode"];
    assert_eq!(m["value"], "multi");
    assert_eq!(m["source"], "default");
    let v = inspect(
        SINABS_SINGLE,
        &["--semantics", "sinabs", "--spike-mode", "single"],
    );
    let m = &v["semantics"]["spike_mode"];
    assert_eq!(m["value"], "single");
    assert_eq!(m["source"], "flag");
    // The text form names the option to change it.
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args(["inspect", SINABS_SINGLE, "--semantics", "sinabs"])
        .current_dir(root())
        .output()
        .expect("spikeloom runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "spike_mode   multi\n                 ^ assumed default; override with --spike-mode"
        ),
        "{text}"
    );
    // snnTorch has no multi-spike neurons.
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args([
            "simulate",
            SINABS_SINGLE,
            "--spike-mode",
            "multi",
            "--input",
            "tests/fixtures/exporters/sinabs_single/input.npy",
        ])
        .current_dir(root())
        .output()
        .expect("spikeloom runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "snntorch fires at most one spike per step; multi applies to sinabs and rockpool"
        ),
        "{err}"
    );
}

const SPIKINGJELLY: &str = "tests/fixtures/exporters/spikingjelly_mlp";

/// A SpikingJelly export (trained by SpikingJelly 2.0.0) is recognised from its IF `r = 1/dt`,
/// with that dt, and runs from the CLI: `simulate` fires the output spikes SpikingJelly fired
/// (meta.json, recorded from its own run) and `quantize` keeps its accuracy on its labels.
#[test]
fn spikingjelly_is_recognised_and_runs_from_the_cli() {
    let model = format!("{SPIKINGJELLY}/model.nir");
    let v = inspect(&model, &[]);
    let s = &v["semantics"];
    assert_eq!(s["convention"]["value"], "spikingjelly");
    assert_eq!(s["convention"]["source"], "fingerprint");
    assert!(s["convention"]["evidence"][0]
        .as_str()
        .unwrap()
        .starts_with("IF r = 1/dt with dt = 0.0001 s"));
    assert_eq!(s["dt"]["value"], 1e-4);
    assert_eq!(s["dt"]["source"], "fingerprint");
    assert_eq!(s["reset"]["value"], "zero");
    assert_eq!(s["reset_delay"]["value"], false);
    assert_eq!(s["spike_mode"]["value"], "single");
    let v = inspect(&model, &["--semantics", "spikingjelly"]);
    assert_eq!(v["semantics"]["convention"]["source"], "flag");

    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(SPIKINGJELLY).join("meta.json")).unwrap(),
    )
    .unwrap();
    let run = spikeloom_ok;
    let input = format!("{SPIKINGJELLY}/input.npy");
    let labels = format!("{SPIKINGJELLY}/labels.npy");
    let out = run(&["simulate", &model, "--input", &input, "--engine", "float"]);
    let spikes = meta["layers"][2]["spike_total"].as_u64().unwrap();
    assert!(out.contains(&format!("{spikes} output spikes")), "{out}");
    let q = std::env::temp_dir().join(format!("spikeloom-sj-{}.q.json", std::process::id()));
    let out = run(&[
        "quantize",
        &model,
        "--calibrate",
        &input,
        "--labels",
        &labels,
        "-o",
        q.to_str().unwrap(),
    ]);
    let accuracy = meta["fixture_accuracy"].as_f64().unwrap() * 100.0;
    assert!(
        out.contains(&format!(
            "accuracy float {accuracy:.2}% fixed {accuracy:.2}%"
        )),
        "{out}"
    );
    std::fs::remove_file(&q).unwrap();
}
