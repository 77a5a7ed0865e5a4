//! `quantize --max-accuracy-drop`: the chosen per-layer config is written beside the `.q.json`,
//! the path taken is printed, and quantizing again with that config gives the same network.

use std::path::PathBuf;

mod common;
use common::spikeloom;

const M: &str = "tests/fixtures/models/mlp_subtract";

#[test]
fn the_search_writes_its_config_beside_the_network_and_shows_its_path() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("spikeloom-precision-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let q = dir.join("m.q.json");
    let (model, input, labels) = (
        format!("{M}/model.nir"),
        format!("{M}/input.npy"),
        format!("{M}/labels.npy"),
    );
    let (code, out, err) = spikeloom(&[
        "quantize",
        &model,
        "--calibrate",
        &input,
        "--labels",
        &labels,
        "--max-accuracy-drop",
        "1",
        "-o",
        q.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let toml = dir.join("m.q.toml");
    assert!(toml.is_file(), "{err}");
    for line in [
        "precision search: float accuracy 95.31%, keep fixed >= 94.31% (drop <= 1 points)",
        "  start             29344 bits  accuracy 95.31%",
        "(lif1 weight_bits 8 -> 7)",
        "  chosen: 29344 -> ",
    ] {
        assert!(out.contains(line), "missing `{line}` in:\n{out}");
    }
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(
        text.contains("[layer.lif1]") && text.contains("[layer.lif2]"),
        "{text}"
    );
    // The config reproduces the network.
    let again = dir.join("again.q.json");
    let (code, _, err) = spikeloom(&[
        "quantize",
        &model,
        "--calibrate",
        &input,
        "--quant-config",
        toml.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&q).unwrap(),
        std::fs::read_to_string(&again).unwrap()
    );
    // Labels are needed to measure accuracy.
    let (code, _, err) = spikeloom(&[
        "quantize",
        &model,
        "--calibrate",
        &input,
        "--max-accuracy-drop",
        "1",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--max-accuracy-drop needs --calibrate and --labels"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
