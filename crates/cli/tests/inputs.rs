//! Inputs as users have them (issue 16): the snnTorch CNN's natural `[T, N, 1, 8, 8]` float32
//! spikes (what `spk.numpy()` gives), in a `.npy` or as a named array of a `.npz`, run exactly
//! as the committed `[T, N, 64]` uint8 input; a `.q.json` keeps the shape; values that are not
//! spikes are refused with their count and first index, never rounded.

use spikeloom_npy::{read_npy, read_npz, write_npy_bytes, write_npz, NpyArray, NpyData};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spikeloom(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("spikeloom runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spikeloom-inputs-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CNN: &str = "tests/fixtures/models/cnn";
const LIF_SINGLE_SHAPE: &str = "[200, 1, 1]";

/// The CNN fixture's input as float32 `[T, N, 1, 8, 8]`.
fn natural_cnn_input() -> NpyArray {
    let flat = read_npy(&root().join(CNN).join("input.npy")).unwrap();
    assert_eq!(flat.shape, [25, 12, 64]);
    let NpyData::U8(v) = flat.data else {
        panic!("the fixture input is uint8")
    };
    NpyArray {
        shape: vec![25, 12, 1, 8, 8],
        data: NpyData::F32(v.iter().map(|&x| f32::from(x)).collect()),
    }
}

fn simulate(model: &str, input: &str, engine: &str, out: &Path) -> Vec<(String, NpyArray)> {
    let (code, err) = spikeloom(&[
        "simulate",
        model,
        "--input",
        input,
        "--engine",
        engine,
        "--calibrate",
        &format!("{CNN}/input.npy"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{engine} {input}: {err}");
    read_npz(out).unwrap()
}

#[test]
fn the_cnn_takes_its_natural_input_shape_dtype_and_an_npz_member() {
    let dir = temp("cnn");
    let natural = dir.join("natural.npy");
    std::fs::write(&natural, write_npy_bytes(&natural_cnn_input())).unwrap();
    let archive = dir.join("data.npz");
    let labels = read_npy(&root().join(CNN).join("labels.npy")).unwrap();
    write_npz(
        &archive,
        &[("labels", &labels), ("spikes", &natural_cnn_input())],
    )
    .unwrap();
    let model = format!("{CNN}/model.nir");
    let committed = format!("{CNN}/input.npy");
    let member = format!("{}:spikes", archive.display());
    for engine in ["float", "fixed"] {
        let want = simulate(&model, &committed, engine, &dir.join("want.npz"));
        for input in [natural.to_str().unwrap(), member.as_str()] {
            let got = simulate(&model, input, engine, &dir.join("got.npz"));
            assert_eq!(got, want, "{engine} on {input}");
        }
    }
    // Labels from the same archive.
    let (code, err) = spikeloom(&[
        "simulate",
        &model,
        "--input",
        &member,
        "--labels",
        &format!("{}:labels", archive.display()),
    ]);
    assert_eq!(code, 0, "{err}");
    // A .q.json remembers the input shape, so the quantized model takes the same array.
    let q = dir.join("cnn.q.json");
    let (code, err) = spikeloom(&[
        "quantize",
        &model,
        "--calibrate",
        &committed,
        "-o",
        q.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let got = simulate(q.to_str().unwrap(), &member, "fixed", &dir.join("q.npz"));
    let want = simulate(&model, &committed, "fixed", &dir.join("want.npz"));
    assert_eq!(got, want);
    // Without a name, an archive of several arrays is refused, naming them.
    let (code, err) = spikeloom(&["simulate", &model, "--input", archive.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the archive holds several arrays (labels, spikes); name one:")
            && err.contains("data.npz:NAME"),
        "{err}"
    );
    let (code, err) = spikeloom(&[
        "simulate",
        &model,
        "--input",
        &format!("{}:x", archive.display()),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no array named `x` (it holds: labels, spikes)"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn values_that_are_not_spikes_are_refused_never_rounded() {
    let dir = temp("bad");
    let mut x = natural_cnn_input();
    if let NpyData::F32(v) = &mut x.data {
        v[70] = 0.5; // step 0, sample 1, feature 6
        v[200] = -1.0;
        v[300] = f32::NAN;
    }
    let path = dir.join("bad.npy");
    std::fs::write(&path, write_npy_bytes(&x)).unwrap();
    let (code, err) = spikeloom(&[
        "simulate",
        &format!("{CNN}/model.nir"),
        "--input",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "bad.npy: 3 values are not valid: the model takes spikes (0/1) or graded integer \
             values 0..=255; the first is 0.5 at index [0, 1, 0, 0, 6] (step 0, sample 1, \
             feature 6). Threshold or rate-code the data, or scale graded values to integers \
             first; nothing is rounded"
        ),
        "{err}"
    );
    let (code, err) = spikeloom(&[
        "simulate",
        &format!("{CNN}/model.nir"),
        "--input",
        "tests/fixtures/models/lif_single/input.npy",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "input.npy: shape {LIF_SINGLE_SHAPE} does not fit the model's input [1, 8, 8] (64 \
             features per step): a time-major input must be [T, N, 1, 8, 8], [T, 1, 8, 8], \
             [T, N, 64] or [T, 64]"
        )),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
