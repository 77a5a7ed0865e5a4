//! `spikeloom verify` proves the chain and catches a broken design: on the generated RTL it
//! passes; on the same RTL with one operator changed in a template it exits 1 and leaves a
//! reproducer (quantized model, input, stimulus, both logs, the cycle model's waveform).

use std::path::PathBuf;

mod common;
use common::spikeloom;

const M: &str = "tests/fixtures/models/mlp_subtract";

fn icarus_present() -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("iverilog").is_file()))
        .unwrap_or(false);
    if !found {
        spikeloom_testkit::skip_or_fail("iverilog not found");
    }
    found
}

#[test]
fn verify_passes_on_generated_rtl_and_catches_a_mutated_template() {
    if !icarus_present() {
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("spikeloom-verify-cli-{}", std::process::id()));
    let gen = dir.join("gen");
    let (model, input) = (format!("{M}/model.nir"), format!("{M}/input.npy"));
    let calib = ["--calibrate", &input];
    let (code, _, err) = spikeloom(
        &[
            &[
                "generate",
                &model,
                "--board",
                "icebreaker",
                "--lanes",
                "4",
                "-o",
                gen.to_str().unwrap(),
            ][..],
            &calib[..],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let rtl = gen.join("rtl");
    let verify = |work: &str| {
        let w = dir.join(work);
        let args = [
            &[
                "verify",
                &model,
                "--input",
                &input,
                "--samples",
                "3",
                "--lanes",
                "4",
            ][..],
            &[
                "--simulator",
                "icarus",
                "--rtl",
                rtl.to_str().unwrap(),
                "--work",
                w.to_str().unwrap(),
            ][..],
            &calib[..],
        ]
        .concat();
        let (code, out, err) = spikeloom(&args);
        (code, out, err, w)
    };
    let (code, out, err, _) = verify("w-clean");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verify: PASS"), "{out}");
    // Progress (stderr is not a terminal here: plain lines, one per step, each timed).
    for line in [
        "[1/4] fixed-point model (3 samples x 25 steps)...",
        "[3/4] RTL (given)...",
        "[4/4] icarus (3 samples x 25 steps)...",
        "      icarus done in ",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }

    let neuron = rtl.join("sl_neuron.v");
    let text = std::fs::read_to_string(&neuron).expect("template copy");
    assert!(text.contains("($signed(u1c[CW0-1:0]) > $signed(th2[CW0-1:0]))"));
    std::fs::write(
        &neuron,
        text.replacen(
            "($signed(u1c[CW0-1:0]) > $signed(th2[CW0-1:0]))",
            "($signed(u1c[CW0-1:0]) >= $signed(th2[CW0-1:0]))",
            1,
        ),
    )
    .expect("mutate");
    let (code, out, err, work) = verify("w-broken");
    assert_eq!(
        code, 1,
        "a mutated threshold compare must fail verification: {out}{err}"
    );
    assert!(err.contains("verification FAILED"), "{err}");
    assert!(out.contains("log differs from the cycle model"), "{out}");
    let repro = work.join("reproducer-icarus");
    for f in [
        "model.q.json",
        "input.npy",
        "stimulus.txt",
        "expected.log",
        "icarus.log",
    ] {
        assert!(repro.join(f).is_file(), "reproducer lacks {f}");
    }
    let vcd = std::fs::read_dir(&repro)
        .expect("reproducer dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with(".vcd"));
    assert!(vcd, "reproducer lacks the cycle model's waveform");
    let _ = std::fs::remove_dir_all(&dir);
}
