//! The CLI's contract for bad input: a clear message naming what and where, exit code 2, no panic.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn spikeloom(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the spikeloom binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (case file, substrings the error message must contain)
const BAD_MODELS: &[(&str, &[&str])] = &[
    ("bad_truncated", &["corrupt or truncated HDF5"]),
    ("bad_random_bytes", &["not an HDF5 file"]),
    ("bad_not_hdf5", &["not an HDF5 file"]),
    (
        "bad_unknown_type",
        &["node 'lif'", "unknown node type 'MaxPool2d'"],
    ),
    ("bad_missing_param", &["node 'lif'", "missing field 'tau'"]),
    ("bad_nan_param", &["node 'lif'", "'v_threshold'", "NaN"]),
    ("bad_inf_threshold", &["node 'lif'", "infinite"]),
    (
        "bad_edge_shape",
        &["edge ('fc', 'lif')", "outputs shape [4]"],
    ),
    ("bad_dangling_edge", &["node 'outptu' does not exist"]),
    (
        "bad_param_shapes",
        &["node 'lif'", "parameter 'r' has shape [4]"],
    ),
    ("bad_cycle_no_neuron", &["contains no neuron"]),
    ("bad_szip", &["szip", "cannot decode"]),
    ("bad_no_node", &["'/node'"]),
    ("bad_wrong_kind", &["field 'tau'"]),
    // Issue 20's hand-made adversarial graphs (full texts in crates/nir/tests/messages.rs).
    (
        "bad_negative_tau",
        &["node 'lif': parameter 'tau' has 3 negative"],
    ),
    (
        "bad_negative_r",
        &["node 'lif': parameter 'r' has 1 negative"],
    ),
    (
        "bad_zero_tau_syn",
        &["node 'lif': parameter 'tau_syn' has 2 zero"],
    ),
    (
        "bad_empty_layer",
        &["node 'lif': parameter 'tau' (shape [0]) has no elements"],
    ),
    (
        "bad_empty_input",
        &["node 'input': its shape [0] has no elements"],
    ),
    (
        "bad_large_layer",
        &["more than the reader's limit of 512.0 MiB"],
    ),
    ("bad_unwritten_dataset", &["which no compression reaches"]),
];

/// Every malformed or adversarial graph gets a named error with exit code 2 from every command
/// that reads a model, never a panic or an "internal error" (issue 20: the 0-neuron layer used
/// to pass `simulate` and reach one in `quantize`).
#[test]
fn bad_models_exit_2_with_a_named_error() {
    let input = "tests/fixtures/models/mlp_subtract/input.npy";
    for (case, needles) in BAD_MODELS {
        let path = format!("tests/fixtures/nir-cases/{case}.nir");
        for cmd in ["inspect", "simulate", "quantize"] {
            let mut args = vec![cmd, path.as_str()];
            match cmd {
                "simulate" => args.extend(["--input", input]),
                "quantize" => args.extend(["--calibrate", input]),
                _ => {}
            }
            let (code, _, err) = spikeloom(&args);
            assert_eq!(code, 2, "{cmd} {case}: exit code {code}, stderr: {err}");
            assert!(
                !err.contains("panicked") && !err.contains("internal error"),
                "{cmd} {case}: {err}"
            );
            for needle in *needles {
                assert!(
                    err.contains(needle),
                    "{cmd} {case}: missing `{needle}` in: {err}"
                );
            }
        }
    }
}

#[test]
fn unsupported_node_is_named_by_simulate() {
    let (code, _, err) = spikeloom(&[
        "simulate",
        "tests/fixtures/nir-cases/node_delay.nir",
        "--input",
        "tests/fixtures/models/mlp_subtract/input.npy",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("node `node` (Delay) is not supported"),
        "{err}"
    );
}

#[test]
fn bad_inputs_are_explained() {
    let model = "tests/fixtures/models/mlp_subtract/model.nir";
    // labels.npy is int64 [N]: wrong rank and dtype for spikes.
    let (code, _, err) = spikeloom(&[
        "simulate",
        model,
        "--input",
        "tests/fixtures/models/mlp_subtract/labels.npy",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "labels.npy: shape [64] does not fit the model's input [64] (64 features per step): \
             a time-major input must be [T, N, 64] or [T, 64]"
        ),
        "{err}"
    );
    // lif_single's input has 1 feature; the MLP wants 64.
    let (code, _, err) = spikeloom(&[
        "simulate",
        model,
        "--input",
        "tests/fixtures/models/lif_single/input.npy",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("input.npy: shape [200, 1, 1] does not fit the model's input [64]"),
        "{err}"
    );
    // Labels of another length.
    let (code, _, err) = spikeloom(&[
        "simulate",
        model,
        "--input",
        "tests/fixtures/models/mlp_subtract/input.npy",
        "--labels",
        "tests/fixtures/models/lif_single/labels.npy",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("labels must have shape"), "{err}");
    // A missing file.
    let (code, _, err) = spikeloom(&["inspect", "no/such/model.nir"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read no/such/model.nir"), "{err}");
    // A non-physical dt.
    let (code, _, err) = spikeloom(&[
        "simulate",
        model,
        "--input",
        "tests/fixtures/models/mlp_subtract/input.npy",
        "--dt=-1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("dt"), "{err}");
}

#[test]
fn inspect_json_lists_nodes_with_shapes_and_assumed_semantics() {
    let (code, out, err) = spikeloom(&[
        "inspect",
        "tests/fixtures/models/rleaky/model.nir",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("inspect --json prints JSON");
    let nodes = v["nodes"].as_array().expect("nodes array");
    assert!(nodes
        .iter()
        .any(|n| n["type"] == "LIF" && n["output_shape"].is_array()));
    assert_eq!(v["semantics"]["reset"]["source"], "default");
    assert!(v["synapses"].as_u64().unwrap_or(0) > 0);
}

/// Runs `cmd` (inspect, simulate, quantize) on a nir-cases file with the 2-input case input.
fn on_case(cmd: &str, case: &str, extra: &[&str]) -> (i32, String, String) {
    let path = format!("tests/fixtures/nir-cases/{case}.nir");
    let input = "tests/fixtures/nir-cases/adversarial.input.npy";
    let mut args = vec![cmd, path.as_str()];
    match cmd {
        "simulate" => args.extend(["--input", input]),
        "quantize" => args.extend(["--calibrate", input]),
        _ => {}
    }
    args.extend(extra);
    spikeloom(&args)
}

#[test]
fn a_layer_too_large_to_load_says_the_limit_why_how_to_raise_it_and_that_no_fpga_holds_it() {
    let (code, _, err) = on_case("inspect", "bad_large_layer", &[]);
    assert_eq!(code, 2, "{err}");
    // The largest block RAM of the built-in boards: ULX3S-85F, LFE5U-85F, 208 DP16KD x 18432
    // bits = 479,232 bytes = 468 KiB (Lattice ECP5 family data sheet).
    assert_eq!(
        err,
        "error: tests/fixtures/nir-cases/bad_large_layer.nir: dataset '/node/nodes/fc/weight' \
         holds 12000 x 12000 float32 values (549.3 MiB), more than the reader's limit of 512.0 \
         MiB per dataset. The limit exists to bound memory: the reader allocates a whole dataset \
         and keeps every value as a 64-bit float (1.1 GiB for this one). The file is not \
         necessarily corrupt; if this machine has the memory, raise the limit to at least 550 \
         MiB with --max-dataset-mib 550 or SPIKELOOM_MAX_DATASET_MIB=550. No FPGA target holds \
         a layer this size: the largest block RAM of the supported boards is 468 KiB \
         (ulx3s-85f, LFE5U-85F)\n"
    );
}

#[test]
fn the_dataset_limit_comes_from_the_option_else_the_environment() {
    let run = |flag: Option<&str>, env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spikeloom"));
        cmd.args(["inspect", "tests/fixtures/nir-cases/bad_large_layer.nir"])
            .current_dir(root())
            .env_remove("SPIKELOOM_MAX_DATASET_MIB");
        if let Some(f) = flag {
            cmd.args(["--max-dataset-mib", f]);
        }
        if let Some(e) = env {
            cmd.env("SPIKELOOM_MAX_DATASET_MIB", e);
        }
        let out = cmd.output().expect("spikeloom runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(None, Some("2"));
    assert_eq!(code, 2);
    assert!(err.contains("the reader's limit of 2.0 MiB"), "{err}");
    let (_, err) = run(Some("1"), Some("2"));
    assert!(err.contains("the reader's limit of 1.0 MiB"), "{err}");
    let (code, err) = run(None, Some("lots"));
    assert_eq!(code, 2);
    assert!(
        err.contains("SPIKELOOM_MAX_DATASET_MIB=\"lots\" is not a whole number of MiB"),
        "{err}"
    );
    let (code, err) = run(Some("0"), None);
    assert_eq!(code, 2);
    assert!(err.contains("at least 1 MiB"), "{err}");
}

/// Issue 20, case 4: a graph without an Output node is refused (exit 2) with the candidates;
/// an Output node the nir package appended itself is used, and the commands say so.
#[test]
fn the_output_layer_is_never_guessed_silently() {
    for cmd in ["simulate", "quantize"] {
        let (code, _, err) = on_case(cmd, "no_output", &[]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert_eq!(
            err,
            "error: tests/fixtures/nir-cases/no_output.nir: graph structure: the graph has no \
             Output node, so it does not say which layer's spikes are the network's output, and \
             spikeloom does not guess one; add an Output node (`nir.Output`) fed by the read-out \
             layer (neuron nodes no other node reads: `lif`)\n",
            "{cmd}"
        );
    }
    let (code, out, err) = on_case("inspect", "no_output", &["--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["output"].is_null(), "{v}");
    assert!(
        v["support"]["float"]
            .as_str()
            .unwrap()
            .contains("the graph has no Output node"),
        "{v}"
    );
    let note = "note: the network's output is layer `lif`, through the Output node \
                `output_lif`: that is the name the nir package gives the Output node it appends \
                when a graph is written without one, so the file itself never said which layer \
                is the output\n";
    for cmd in ["simulate", "quantize"] {
        let (code, _, err) = on_case(cmd, "output_added_by_nir", &[]);
        assert_eq!(code, 0, "{cmd}: {err}");
        assert!(err.starts_with(note), "{cmd}: {err}");
    }
    let (code, out, _) = on_case("inspect", "output_added_by_nir", &["--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["output"]["layer"], "lif");
    assert_eq!(v["output"]["output_node"], "output_lif");
    assert_eq!(v["output"]["added_by_nir"], true);
}

/// The weight image's place in the SPI flash: it may not overlap the bitstream's erase blocks or
/// straddle a block boundary (past the end of the flash: crates/board/tests/boards.rs); an
/// offset for a design without a weight image is refused too. Each error says what would fit.
#[test]
fn bad_flash_offsets_are_explained() {
    let out = std::env::temp_dir().join(format!("spikeloom-flashoff-{}", std::process::id()));
    let out = out.display().to_string();
    let model = "tests/fixtures/models/mlp_subtract/model.nir";
    let gen = |extra: &[&str]| {
        let mut args = vec!["generate", model, "--board", "icebreaker", "-o", &out];
        args.extend_from_slice(extra);
        spikeloom(&args)
    };
    let cases: [(&[&str], &str); 4] = [
        (
            &["--weight-memory", "spram", "--flash-offset", "64k"],
            "board `icebreaker`: flash offset 0x10000 overlaps the bitstream: it takes bytes 0..0x1969a (104090 bytes), which the programmer erases in 65536-byte blocks up to 0x20000; use an offset of 0x20000 or more",
        ),
        (
            &["--weight-memory", "spram", "--flash-offset", "0x21000"],
            "board `icebreaker`: flash offset 0x21000 is not on a 65536-byte erase block boundary (programming it would erase the data before it in its block); use 0x30000",
        ),
        (
            &["--flash-offset", "0x20000"],
            "--flash-offset 0x20000: this design's weights fit block RAM and are in the bitstream; there is no weight image to place (use --weight-memory spram to load them from the flash)",
        ),
        (
            &["--weight-memory", "spram", "--flash-offset", "17M"],
            "flash offset `17M` is beyond the 16 MB a 24-bit SPI address reaches",
        ),
    ];
    for (extra, want) in cases {
        let (code, _, err) = gen(extra);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(want), "{extra:?}:\n{err}");
    }
    // the default offset and an explicit aligned one work, and the image goes next to the design
    for extra in [
        &["--weight-memory", "spram"][..],
        &["--weight-memory", "spram", "--flash-offset", "1M"],
    ] {
        let (code, stdout, err) = gen(extra);
        assert_eq!(code, 0, "{extra:?}: {err}");
        assert!(
            stdout.contains("weights in SPRAM, loaded at start-up: weights.bin"),
            "{stdout}"
        );
        let manifest = std::fs::read_to_string(format!("{out}/spikeloom.json")).unwrap();
        let offset = if extra.len() == 2 { 0x20000 } else { 0x100000 };
        assert!(
            manifest.contains(&format!("\"flash_offset\": {offset}")),
            "{manifest}"
        );
        let image = std::fs::read(format!("{out}/weights.bin")).unwrap();
        assert_eq!(&image[..4], b"SLWI");
    }
    // a board whose file names no SPI flash: the image comes over the host link only
    let upduino = |extra: &[&str]| {
        let mut args = vec!["generate", model, "--board", "upduino-v3", "-o", &out];
        args.extend_from_slice(extra);
        spikeloom(&args)
    };
    let (code, stdout, err) = upduino(&["--weight-memory", "spram"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("over the host link only (board `upduino-v3` names no SPI flash)"),
        "{stdout}"
    );
    let (code, _, err) = upduino(&["--weight-memory", "spram", "--flash-offset", "128k"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--flash-offset: board `upduino-v3` names no SPI flash (no [flash] section in its board file); its weights can only be loaded over the host link (`spikeloom run` does it)"),
        "{err}"
    );
    // a design in block RAM leaves no stale image behind
    let (code, _, err) = gen(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(!Path::new(&format!("{out}/weights.bin")).exists());
    let _ = std::fs::remove_dir_all(&out);
}

/// A design the hardware cannot build gets the planner's list of hardware problems (one line
/// each, naming the resource and what to do instead) and exit code 2.
#[test]
fn hardware_limits_are_listed_by_generate() {
    let out = std::env::temp_dir().join(format!("spikeloom-hwlimits-{}", std::process::id()));
    let (code, _, err) = spikeloom(&[
        "generate",
        "tests/fixtures/models/mlp_subtract/model.nir",
        "--board",
        "ulx3s-25f",
        "--weight-memory",
        "spram",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "error: tests/fixtures/models/mlp_subtract/model.nir: the network exceeds 1 hardware \
         limit(s):\n  weight store: weights in SPRAM were asked for, but LFE5U-25F has no SPRAM \
         (only the iCE40 UP5K has it); use block RAM\n"
    );
    let _ = std::fs::remove_dir_all(&out);
}
