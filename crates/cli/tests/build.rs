//! `boards`, `generate` and `build` through the real binary: board listing, deterministic
//! output, fit errors, tool errors, and complete builds for an iCE40 and an ECP5 board.
//! The builds need Yosys/nextpnr/packers: skipped with a printed reason when they are missing,
//! required when SPIKELOOM_REQUIRE_TOOLS=1.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{root, scratch, spikeloom, spikeloom_env};

const MODEL: &str = "tests/fixtures/models/mlp_subtract/model.nir";
const SAMPLE: &str = "tests/fixtures/models/mlp_subtract/input.npy";

fn tmp(name: &str) -> PathBuf {
    scratch("cli-build", name)
}

/// Every file under `dir` (relative path -> bytes).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn boards_json_lists_the_builtin_boards_with_their_resources() {
    let (code, out, err) = spikeloom(&["boards", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("boards --json is JSON");
    assert_eq!(rows.len(), spikeloom_board::Board::builtin_names().len());
    for name in ["icebreaker", "ulx3s-25f"] {
        let row = rows
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed"));
        // Cross-check against the board crate, the source of truth.
        let board = spikeloom_board::Board::builtin(name).unwrap();
        assert_eq!(row["device"], board.device.name.as_str());
        assert_eq!(row["luts"], board.device.luts);
        assert_eq!(row["bram"], board.device.bram_count);
        assert_eq!(row["dsp"], board.device.dsp_count);
        assert_eq!(row["spram"], board.device.spram_count);
        assert_eq!(row["design_clock_mhz"], board.design.freq_mhz);
        assert_eq!(
            row["conv_design_clock_mhz"],
            board.design.conv_freq_mhz.unwrap()
        );
        assert!(
            ["SB_PLL40_PAD", "EHXPLLL"].contains(&row["pll"].as_str().unwrap()),
            "{row}"
        );
        assert!(
            row["host_link"].as_str().unwrap().starts_with("uart"),
            "{row}"
        );
    }
    assert_eq!(
        rows.iter().find(|r| r["name"] == "ulx3s-25f").unwrap()["family"],
        "ecp5"
    );
    let (code, table, _) = spikeloom(&["boards"]);
    assert_eq!(code, 0);
    assert!(
        table.lines().any(|l| l.starts_with("icebreaker")
            && l.contains("iCE40UP5K")
            && l.contains("18 MHz, conv 12 MHz (SB_PLL40_PAD)")),
        "{table}"
    );
}

#[test]
fn generate_is_byte_identical_twice() {
    let (a, b) = (tmp("gen-a"), tmp("gen-b"));
    for dir in [&a, &b] {
        let (code, _, err) = spikeloom(&[
            "generate",
            MODEL,
            "--board",
            "icebreaker",
            "-o",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(
            bytes == &tb[path],
            "{} differs between two runs",
            path.display()
        );
    }
    for needed in [
        "plan.txt",
        "model.q.json",
        "spikeloom.json",
        "rtl/spikeloom_top.v",
        "board/spikeloom_board.v",
    ] {
        assert!(
            ta.contains_key(Path::new(needed)),
            "{needed} missing: {:?}",
            ta.keys()
        );
    }
    // Constraints name exactly the ports the board top uses (no buttons).
    let pcf = String::from_utf8(ta[Path::new("board/constraints.pcf")].clone()).unwrap();
    let ports: Vec<&str> = pcf
        .lines()
        .filter(|l| l.starts_with("set_io"))
        .filter_map(|l| l.split_whitespace().rev().nth(1))
        .collect();
    assert_eq!(
        ports,
        ["clk", "uart_rx", "uart_tx", "led[0]", "led[1]"],
        "{pcf}"
    );
    // Regenerating over an existing directory gives the same files again.
    let (code, _, err) = spikeloom(&[
        "generate",
        MODEL,
        "--board",
        "icebreaker",
        "-o",
        a.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tree(&a), ta);
}

#[test]
fn a_network_too_large_for_the_icestick_is_a_fit_error() {
    let dir = tmp("fit");
    let (code, _, err) = spikeloom(&[
        "generate",
        MODEL,
        "--board",
        "icestick",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(!err.contains("panicked"), "{err}");
    for needle in [
        "does not fit board `icestick`",
        "iCE40HX1K",
        "logic cells of 1280",
        "it fits these built-in boards",
        "icebreaker",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in: {err}");
    }
    assert!(
        !dir.join("spikeloom.json").exists(),
        "nothing is written for a design that does not fit"
    );
    // Forcing too many lanes on a board where the automatic choice fits says so.
    let (code, _, err) = spikeloom(&[
        "generate",
        MODEL,
        "--board",
        "icebreaker",
        "--lanes",
        "64",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("omit --lanes"), "{err}");
}

#[test]
fn unknown_board_is_an_input_error() {
    let (code, _, err) = spikeloom(&[
        "generate",
        MODEL,
        "--board",
        "nosuchboard",
        "-o",
        tmp("unknown").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown board `nosuchboard`") && err.contains("icebreaker"),
        "{err}"
    );
}

/// A fake Yosys in `dir` that passes the version check and fails synthesis.
fn failing_yosys(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let failing = dir.join("fake-yosys");
    std::fs::write(
        &failing,
        "#!/bin/sh\n[ \"$1\" = -V ] && { echo 'Yosys 0.70 (git sha1 fake)'; exit 0; }\necho 'ERROR: fake synthesis failure' >&2\nexit 3\n",
    )
    .unwrap();
    make_executable(&failing);
    failing
}

#[test]
fn tool_problems_exit_1_naming_the_tool_or_step() {
    let dir = tmp("tools");
    let d = dir.to_str().unwrap();
    let args = [
        "build",
        MODEL,
        "--board",
        "icebreaker",
        "-o",
        d,
        "--no-verify",
    ];
    let (code, _, err) = spikeloom_env(&args, &[("YOSYS", "/nonexistent/yosys")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("yosys") && err.contains("scripts/install-tools.sh"),
        "{err}"
    );
    // A tool that fails: the step, the program and its last lines.
    let failing = failing_yosys(&dir);
    let (code, _, err) = spikeloom_env(&args, &[("YOSYS", failing.to_str().unwrap())]);
    assert_eq!(code, 1, "{err}");
    for needle in ["step `synth`", "fake synthesis failure", "synth.log"] {
        assert!(err.contains(needle), "missing `{needle}` in: {err}");
    }
}

/// A PATH without Icarus Verilog: a directory of links to every program on the test's PATH
/// except `iverilog`, `vvp` and `iverilog-vpi` (Yosys, nextpnr and the packers stay).
fn path_without_icarus(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    for d in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let link = bin.join(&name);
            if matches!(name.to_str(), Some("iverilog" | "vvp" | "iverilog-vpi")) || link.exists() {
                continue;
            }
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink(e.path(), &link);
        }
    }
    bin.display().to_string()
}

/// Skips (returns true) when the build tools themselves are missing, unless they are required.
fn tools_missing(err: &str) -> bool {
    if !err.contains("missing tools") {
        return false;
    }
    spikeloom_testkit::skip_or_fail(format!("the build tools are not installed:\n{err}"));
    true
}

#[test]
fn without_icarus_the_build_fails_before_synthesis_unless_verification_is_waived() {
    let dir = tmp("no-icarus");
    let d = dir.join("out");
    let d = d.to_str().unwrap();
    let path = path_without_icarus(&dir);
    let args = ["build", MODEL, "--board", "icebreaker", "-o", d];
    let (code, out, err) = spikeloom_env(&args, &[("PATH", &path)]);
    if tools_missing(&err) {
        return;
    }
    assert_eq!(code, 1, "{out}\n{err}");
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "error: verification (RTL co-simulation) needs Icarus Verilog: `iverilog` not found on \
         PATH; install it (apt-get install iverilog). Without it the bitstream would not be \
         verified; pass --no-verify to build it unverified",
        "{err}"
    );
    assert!(!err.contains("synth"), "stopped before synthesis: {err}");
    for name in ["design.bin", "report.json", "report.txt", "report.html"] {
        assert!(!dir.join("out").join(name).exists(), "{name} written");
    }

    // --no-verify goes on to synthesis (a fake Yosys that fails there ends the build quickly)
    let failing = failing_yosys(&dir);
    let mut waived = args.to_vec();
    waived.push("--no-verify");
    let (code, _, err) = spikeloom_env(
        &waived,
        &[("PATH", &path), ("YOSYS", failing.to_str().unwrap())],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fake synthesis failure"), "{err}");
    assert!(!err.contains("Icarus"), "{err}");
}

#[test]
fn a_too_old_tool_named_by_an_override_is_rejected_before_anything_runs() {
    let dir = tmp("old-tool");
    let fake = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-build-old-nextpnr");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'nextpnr-ice40 -- Next Generation Place and Route (Version 0.4-1+b1)' >&2\n[ \"$1\" = --version ] && exit 0\necho 'must not run a build' >&2\nexit 1\n",
    )
    .unwrap();
    make_executable(&fake);
    let (code, _, err) = spikeloom_env(
        &[
            "build",
            MODEL,
            "--board",
            "icebreaker",
            "-o",
            dir.to_str().unwrap(),
        ],
        &[("NEXTPNR_ICE40", fake.to_str().unwrap())],
    );
    assert_eq!(code, 1, "{err}");
    let (min, _) = spikeloom_toolchain::Tool::NextpnrIce40
        .minimum_version()
        .unwrap();
    let p = fake.display();
    let want = format!(
        "error: unusable tools:\n  - nextpnr-ice40: NEXTPNR_ICE40={p}: {p} is version 0.4 (it printed `nextpnr-ice40 -- Next Generation Place and Route (Version 0.4-1+b1)`); spikeloom needs nextpnr-ice40 >= {min} ("
    );
    assert!(err.contains(&want), "{err}");
    assert!(
        err.contains("); unset NEXTPNR_ICE40 to use the YoWASP build from scripts/install-tools.sh, or point it to a newer nextpnr-ice40\n"),
        "{err}"
    );
    assert!(!err.contains("must not run"), "{err}");
    assert!(!dir.exists(), "nothing is generated with an unusable tool");
}

/// Processes whose working directory is under `dir` (what a tool run by the build would have).
fn processes_in(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let cwd = std::fs::read_link(e.path().join("cwd")).ok()?;
            let cmd = std::fs::read_to_string(e.path().join("cmdline")).ok()?;
            cwd.starts_with(&dir).then(|| {
                format!(
                    "{}: {}",
                    e.file_name().to_string_lossy(),
                    cmd.replace('\0', " ")
                )
            })
        })
        .collect()
}

#[test]
fn a_place_and_route_step_over_its_time_limit_is_stopped_with_what_it_was_doing() {
    // The smallest real design (one LIF layer): its synthesis is quick, its place-and-route
    // takes over twice the 2 s limit (4.8 s in a fresh-clone CI run on the 2-core machine,
    // since the shared neuron unit and the slimmer bridge; 7.6 s idle before them, when the
    // limit was 5 s and the smaller design came in under it).
    let dir = tmp("timeout");
    let (code, out, err) = spikeloom(&[
        "build",
        "tests/fixtures/models/lif_single/model.nir",
        "--calibrate",
        "tests/fixtures/models/lif_single/input.npy",
        "--board",
        "icebreaker",
        "-o",
        dir.to_str().unwrap(),
        "--no-verify",
        "--step-timeout",
        "place-and-route=2",
    ]);
    if code != 0 && err.contains("missing tools") {
        spikeloom_testkit::skip_or_fail(format!("needs the build tools:\n{err}"));
        return;
    }
    assert_eq!(code, 1, "{out}\n{err}");
    let build = dir.join("build");
    let msg = err
        .lines()
        .skip_while(|l| !l.starts_with("error: "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        msg.starts_with("error: step `place-and-route` (")
            && msg.contains(") stopped at its time limit of 2 s; it was "),
        "{msg}"
    );
    // What it was doing: the tool's own progress (packing, placer, router), else its last line.
    let doing = msg
        .lines()
        .next()
        .unwrap()
        .split("; it was ")
        .nth(1)
        .unwrap();
    assert!(
        [
            "at packing",
            "at placing",
            "at placer: ",
            "at router: ",
            "at routing",
            "printing `Info: ",
            // a heavily loaded machine may not have let nextpnr print its first line yet
            "silent"
        ]
        .iter()
        .any(|p| doing.starts_with(p)),
        "{doing}"
    );
    for needle in [
        "\nNothing it started is left running; its partial outputs were removed.\n",
        "\nWhat to try: fewer lanes (--lanes 4), other placement seeds (--seed 2 or --seeds 3), a bigger device (--board, see `spikeloom boards`), or a longer limit (--step-timeout place-and-route=4s).\n",
        &format!("(full log: {})", build.join("place-and-route.log").display()),
    ] {
        assert!(msg.contains(needle), "missing `{needle}` in:\n{msg}");
    }
    // The progress display showed the failure; the log kept what nextpnr printed.
    assert!(err.contains("place-and-route failed after"), "{err}");
    assert!(
        std::fs::read_to_string(build.join("place-and-route.log"))
            .unwrap()
            .contains("Info: "),
        "the log keeps nextpnr's output"
    );
    // No half-written or stale output, no bitstream, no report, nothing left running.
    for gone in [
        "design-seed1.asc",
        "report-seed1.json",
        "design.asc",
        "report.json",
        "design.bin",
    ] {
        assert!(!build.join(gone).exists(), "{gone} kept");
    }
    assert!(!dir.join("design.bin").exists() && !dir.join("report.json").exists());
    assert_eq!(processes_in(&dir), Vec::<String>::new());
    let log = std::fs::read_to_string(build.join("build.log")).unwrap();
    assert!(
        log.contains("[place-and-route] stopped at its time limit of 2 s; it was "),
        "{log}"
    );
}

/// Ctrl-C (SIGINT to spikeloom alone: the tools run in their own process groups) during
/// place-and-route stops nextpnr and everything it started, and the build fails saying so.
#[test]
fn an_interrupt_during_place_and_route_stops_the_tool() {
    use std::io::{BufRead, BufReader};
    let dir = tmp("interrupt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_spikeloom"))
        .args([
            "build",
            "tests/fixtures/models/lif_single/model.nir",
            "--calibrate",
            "tests/fixtures/models/lif_single/input.npy",
            "--board",
            "icebreaker",
            "-o",
            dir.to_str().unwrap(),
            "--no-verify",
        ])
        .current_dir(root())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.contains("] place-and-route...");
        seen.push(line);
        if started {
            break;
        }
    }
    if !seen.iter().any(|l| l.contains("] place-and-route...")) {
        let _ = child.wait();
        let err = seen.join("\n");
        assert!(err.contains("missing tools"), "{err}");
        spikeloom_testkit::skip_or_fail(format!("needs the build tools:\n{err}"));
        return;
    }
    // Let nextpnr start, then interrupt spikeloom as a terminal's Ctrl-C would.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let code = child.wait().unwrap().code();
    let err = rest.join("\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("error: interrupted during step `place-and-route` after ")
            && err.contains("; the tool and everything it started were stopped"),
        "{err}"
    );
    assert_eq!(processes_in(&dir), Vec::<String>::new());
    for gone in ["design-seed1.asc", "report-seed1.json", "design.asc"] {
        assert!(!dir.join("build").join(gone).exists(), "{gone} kept");
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

/// Build the digits MLP for `board`; `None` (skipped) when tools are missing and not required.
fn build(board: &str, bitstream: &str) -> Option<serde_json::Value> {
    build_model(MODEL, SAMPLE, board, bitstream, &[])
}

/// Build `model` for `board` (with `extra` options), verifying on the first sample of `sample`.
fn build_model(
    model: &str,
    sample: &str,
    board: &str,
    bitstream: &str,
    extra: &[&str],
) -> Option<serde_json::Value> {
    build_model_calibrated(model, sample, sample, board, bitstream, extra)
}

/// [`build_model`] with the calibration data apart from the verification sample.
fn build_model_calibrated(
    model: &str,
    calibrate: &str,
    sample: &str,
    board: &str,
    bitstream: &str,
    extra: &[&str],
) -> Option<serde_json::Value> {
    let name = Path::new(model)
        .parent()
        .and_then(|p| p.file_name())
        .unwrap_or_default();
    let dir = tmp(&format!("full-{board}-{}", name.to_string_lossy()));
    let d = dir.to_str().unwrap();
    let mut args = vec![
        "build",
        model,
        "--calibrate",
        calibrate,
        "--board",
        board,
        "-o",
        d,
        "--sample",
        sample,
        "--verify-samples",
        "1",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = spikeloom(&args);
    if code != 0 && err.contains("missing tools") {
        spikeloom_testkit::skip_or_fail(format!(
            "build for {board} needs tools that are not installed:\n{err}"
        ));
        return None;
    }
    assert_eq!(code, 0, "build for {board} failed:\n{out}\n{err}");
    for step in [
        "[1/6] tools",
        "[2/6] plan + generate",
        "[4/6] synth",
        "[5/6] place-and-route",
        "[6/6] pack",
    ] {
        assert!(err.contains(step), "progress line `{step}` missing: {err}");
    }
    let bits = std::fs::metadata(dir.join(bitstream))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(
        bits > 1000,
        "{board}: bitstream {bitstream} missing or tiny ({bits} bytes)"
    );
    for log in ["synth.log", "place-and-route.log", "build.log"] {
        assert!(dir.join("build").join(log).is_file(), "{log} kept");
    }
    let text = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    assert!(
        text.contains("Fmax") && text.contains("synaptic ops/s"),
        "{text}"
    );
    // the clock line names its source: a PLL, or the oscillator itself (the convolution
    // core's default on the iCEBreaker)
    assert!(
        text.contains(" MHz from the ") || text.contains(" MHz, the oscillator itself (no PLL)"),
        "report.txt names no clock source: {text}"
    );
    for part in [
        "\nclock: design clock ",
        "  critical path:\n",
        " logic levels: ",
    ] {
        assert!(text.contains(part), "report.txt lacks `{part}`: {text}");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    for section in [
        "Spike rasters",
        "Membrane traces",
        "Resources",
        "<svg",
        "clock source",
        "critical path from",
    ] {
        assert!(html.contains(section), "report.html lacks {section}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    // a design whose weights are loaded at start-up: the image next to the bitstream
    if let Some(w) = report.get("weights") {
        let image = std::fs::read(dir.join(w["file"].as_str().unwrap())).unwrap();
        assert_eq!(image.len() as u64, w["bytes"].as_u64().unwrap(), "{w}");
        assert_eq!(&image[..4], b"SLWI");
        assert_eq!(w["bitstream_bytes"].as_u64(), Some(bits), "{w}");
        assert!(text.contains("program it once: iceprog -o "), "{text}");
    }
    Some(report)
}

fn check_report(r: &serde_json::Value, target_mhz: f64) {
    assert_eq!(r["fits"], true, "{r}");
    // The tools that ran, with versions at least the minimum, and every command line as run.
    let tools = r["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 3, "{r}");
    for t in &tools[..2] {
        let v = &t["version"];
        assert!(
            v["major"].as_u64().unwrap() + v["minor"].as_u64().unwrap() > 0,
            "{t}"
        );
        assert!(
            t["version_line"].as_str().unwrap().contains("ersion")
                || t["version_line"].as_str().unwrap().starts_with("Yosys"),
            "{t}"
        );
    }
    assert_eq!(tools[0]["tool"], "yosys");
    let commands = r["commands"].as_array().unwrap();
    assert_eq!(commands.len(), 3, "{r}");
    for (c, t) in commands.iter().zip(tools) {
        assert!(
            c["command"]
                .as_str()
                .unwrap()
                .starts_with(t["path"].as_str().unwrap()),
            "{c} ran {t}"
        );
        assert_eq!(c["outcome"], "ok");
        assert!(c["seconds"].as_f64().unwrap() <= c["time_limit_seconds"].as_f64().unwrap());
    }
    assert!(commands[1]["command"]
        .as_str()
        .unwrap()
        .ends_with("--seed 1"));
    assert_eq!(r["seed"], 1);
    assert_eq!(r["target_mhz"], target_mhz);
    assert_eq!(r["timing_met"], true, "{r}");
    assert!(r["fmax_mhz"].as_f64().unwrap() >= target_mhz, "{r}");
    for row in r["resources"].as_array().unwrap() {
        let used = row["used"].as_u64().unwrap_or_else(|| panic!("{row}"));
        assert!(used <= row["available"].as_u64().unwrap(), "{row}");
    }
    let p = &r["performance"];
    assert!(
        p["cycles_per_step_min"].as_u64().unwrap() >= p["idle_step_cycles"].as_u64().unwrap(),
        "{p}"
    );
    assert!(
        p["synaptic_ops_per_second_at_clock"].as_f64().unwrap() > 0.0,
        "{p}"
    );
    assert!(
        r["verify_cycle_model"]
            .as_str()
            .unwrap()
            .starts_with("passed"),
        "{r}"
    );
}

/// The clock plan and the critical path in the report: the board's PLL, the bridge's exact
/// rate, nextpnr's critical path of the design clock (its delay is 1 / Fmax).
fn check_clock(r: &serde_json::Value, pll: &str, baud: u64) {
    let c = &r["clock"];
    assert_eq!(c["pll"], pll, "{c}");
    assert_eq!(c["baud"], baud, "{c}");
    assert_eq!(c["baud_exact"], true, "{c}");
    assert_eq!(c["design_mhz"], r["target_mhz"], "{c}");
    let p = &r["critical_path"];
    let delay = p["delay_ns"].as_f64().unwrap();
    let fmax = r["fmax_mhz"].as_f64().unwrap();
    assert!((1000.0 / delay - fmax).abs() < 0.01 * fmax, "{p}");
    // the path's steps are in the report; its logic levels may be 0 (a block RAM's output
    // straight into a register, as on the ULX3S digits build). How levels are counted from
    // nextpnr's steps is checked against a hand count in crates/toolchain/tests/report.rs.
    assert!(!p["steps"].as_array().unwrap().is_empty(), "{p}");
    assert!(p["logic_levels"].is_u64(), "{p}");
    for end in ["from", "to"] {
        assert!(!p[end]["signal"].as_str().unwrap().is_empty(), "{p}");
    }
}

/// The figures against the chip (issue "Accelerator v2 (2/2)" item 4) for MODEL, the digits
/// 64-48-10 MLP at the default 8-bit weights: `chip_bound` is the weights per cycle the
/// device's memories deliver (UP5K: 30 EBR + 4 SPRAM, 16-bit ports, 2 weights each = 68;
/// ECP5-25F: 56 DP16KD, 36-bit ports, 4 weights each = 224; FPGA-FACTS).
fn check_efficiency(r: &serde_json::Value, chip_bound: u64) {
    let synapses = 64 * 48 + 48 * 10;
    assert_eq!(r["synapses"], synapses, "{r}");
    let e = &r["efficiency"];
    assert_eq!(e["weight_bits"], 8, "{e}");
    assert_eq!(e["device_weight_bound"], chip_bound, "{e}");
    let opc = r["performance"]["synaptic_ops_per_cycle"].as_f64().unwrap();
    let lanes = r["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(e["lanes"], lanes, "{e}");
    let close = |got: &serde_json::Value, want: f64| {
        (got.as_f64().unwrap() - want).abs() <= 1e-9 * want.max(1.0)
    };
    assert!(close(&e["of_lanes"], opc / lanes as f64), "{e}");
    assert!(close(&e["of_device"], opc / chip_bound as f64), "{e}");
    let luts = r["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "LUT")
        .unwrap()["used"]
        .as_u64()
        .unwrap();
    assert!(
        close(&r["luts_per_synapse"], luts as f64 / f64::from(synapses)),
        "{r}"
    );
}

/// The host link's figures for the digits MLP (64 binary inputs, 10 binary outputs), written
/// out from PROTOCOL.md's frame layouts: 5 framing bytes a frame; RESET and COUNTS requests, a
/// STEP of ceil(64/8) = 8 bitmap bytes per step; RUN_PIXELS 5 + 5 + 64 bytes, RUN_OUT
/// 5 + 2 x 10. Wire time: 10 bits a byte at `baud`, added to the compute on chip.
fn check_host_link(r: &serde_json::Value, baud: u64) {
    let l = &r["host_link"];
    assert_eq!(l["baud"], baud, "{l}");
    let steps = r["performance"]["steps"].as_f64().unwrap();
    let compute = r["performance"]["time_per_inference_us_at_clock"]
        .as_f64()
        .unwrap();
    let close = |got: &serde_json::Value, want: f64| {
        (got.as_f64().unwrap() - want).abs() <= 1e-6 * want.max(1.0)
    };
    let (step, run) = (&l["per_step"], &l["per_sample"]);
    assert!(close(&step["bytes_up"], 5.0 + steps * 13.0 + 5.0), "{l}");
    assert!(close(&run["bytes_up"], 74.0), "{l}");
    assert!(close(&run["bytes_down"], 25.0), "{l}");
    // step by step: an ack, a STEP_OUT frame per step (2 bytes an output event), the counts
    let down = step["bytes_down"].as_f64().unwrap();
    assert!(down >= 6.0 + steps * 5.0 + 25.0, "{l}");
    for f in [step, run] {
        let bytes = f["bytes_up"].as_f64().unwrap() + f["bytes_down"].as_f64().unwrap();
        let wire = bytes * 10.0 * 1e6 / baud as f64;
        assert!(close(&f["wire_us"], wire), "{f}");
        assert!(close(&f["end_to_end_us"], wire + compute), "{f}");
    }
}

#[test]
fn build_for_icebreaker_gives_a_bin_that_fits_and_meets_the_clock() {
    if let Some(r) = build("icebreaker", "design.bin") {
        check_report(&r, 18.0);
        check_clock(&r, "SB_PLL40_PAD", 3_000_000);
        check_efficiency(&r, 68);
        check_host_link(&r, 3_000_000);
    }
}

#[test]
fn build_for_ulx3s_25f_gives_a_bit_that_fits_and_meets_the_clock() {
    if let Some(r) = build("ulx3s-25f", "design.bit") {
        check_report(&r, 50.0);
        check_clock(&r, "EHXPLLL", 2_000_000);
        check_efficiency(&r, 224);
        check_host_link(&r, 2_000_000);
    }
}

/// The recurrent model is built with its weights in SPRAM (the start-up weight loader, its
/// flash pins and image), the others in block RAM.
#[test]
fn recurrent_convolutional_and_graded_input_models_build_for_icebreaker() {
    for m in ["rleaky", "cnn", "graded"] {
        let model = format!("tests/fixtures/models/{m}/model.nir");
        let sample = format!("tests/fixtures/models/{m}/input.npy");
        let extra: &[&str] = if m == "rleaky" {
            &["--weight-memory", "spram", "--lanes", "2"]
        } else {
            &[]
        };
        if let Some(r) = build_model(&model, &sample, "icebreaker", "design.bin", extra) {
            // the convolution core gets the board's slower default clock (the oscillator)
            check_report(&r, if m == "cnn" { 12.0 } else { 18.0 });
            assert!(
                r["verify_rtl"].as_str().unwrap_or("").contains("identical"),
                "{m}: RTL verified in the build: {r}"
            );
            if m == "rleaky" {
                let w = &r["weights"];
                assert_eq!(w["flash_offset"], "0x20000", "{r}");
                // 16 cycles per image byte from the flash, plus the wake-up and the command
                let bytes = w["bytes"].as_u64().unwrap();
                assert!(w["load_cycles"].as_u64().unwrap() > 16 * bytes, "{w}");
                let spram = r["utilization"]["ICESTORM_SPRAM"]["used"].as_u64();
                assert!(spram.is_some_and(|n| n >= 1), "{r}");
            }
        }
    }
}

/// The NIR paper's Braille reading network, shaped and trained by snnTorch (CubaLIF recurrent
/// 12 -> 38r -> 7, 2,166 synapses; tests/fixtures/models/braille): it builds for the iCEBreaker
/// with at most 2 minutes of place-and-route (the limit stops it otherwise).
#[test]
fn the_braille_shaped_recurrent_net_builds_for_icebreaker_within_two_minutes_of_place_and_route() {
    let dir = "tests/fixtures/models/braille";
    assert!(
        root().join(dir).join("model.nir").is_file(),
        "the Braille-shaped fixture {dir} is missing (tests/fixtures/gen)"
    );
    let (model, sample) = (format!("{dir}/model.nir"), format!("{dir}/input.npy"));
    let extra = ["--reset", "zero", "--step-timeout", "place-and-route=120"];
    let Some(r) = build_model(&model, &sample, "icebreaker", "design.bin", &extra) else {
        return;
    };
    check_report(&r, 18.0);
    assert_eq!(r["time_limits_seconds"]["place_and_route"], 120.0);
    let pnr = r["step_seconds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == "place-and-route")
        .unwrap()[1]
        .as_f64()
        .unwrap();
    assert!(pnr < 120.0, "{pnr} s");
    assert!(
        r["verify_rtl"].as_str().unwrap_or("").contains("identical"),
        "RTL verified in the build: {r}"
    );
}

/// A build report that fits, meets timing at its design clock, and says golden == cycle model
/// and RTL == cycle model on its sample.
fn assert_verified(r: &serde_json::Value, what: &str) {
    assert_eq!(r["fits"], true, "{what}: {r}");
    assert_eq!(r["timing_met"], true, "{what}: {r}");
    assert!(
        r["verify_cycle_model"]
            .as_str()
            .unwrap_or("")
            .starts_with("passed"),
        "{what}: golden == cycle model: {r}"
    );
    assert!(
        r["verify_rtl"].as_str().unwrap_or("").contains("identical"),
        "{what}: RTL verified in the build: {r}"
    );
}

/// The anchors' scale (issue "Accelerator v2 (1/2)"): the MNIST-shaped 784-128-10 MLP (101,632
/// synapses) and the SHD-shaped 700-RLeaky(128)-20 net (108,544 synapses), both trained by
/// snnTorch (tests/fixtures/models/{mnist_mlp, shd_rleaky}), build into verified bitstreams:
/// on the iCEBreaker with their weights in SPRAM, loaded at start-up from the SPI flash (the
/// RTL co-simulation includes the load from the flash model), on the ULX3S-25F in block RAM.
fn build_scale(model: &str, board: &str, bitstream: &str, extra: &[&str]) {
    let dir = format!("tests/fixtures/models/{model}");
    assert!(
        root().join(&dir).join("model.nir").is_file(),
        "the scale fixture {dir} is missing (tests/fixtures/gen/scale_fixtures.py)"
    );
    let (nir, sample) = (format!("{dir}/model.nir"), format!("{dir}/input.npy"));
    let Some(r) = build_model(&nir, &sample, board, bitstream, extra) else {
        return;
    };
    assert_verified(&r, &format!("{model} on {board}"));
    let synapses: u64 = match model {
        "mnist_mlp" => 784 * 128 + 128 * 10,
        _ => 700 * 128 + 128 * 128 + 128 * 20,
    };
    let p = &r["performance"];
    println!(
        "{model} on {board}: {synapses} synapses, Fmax {} MHz, {} cycles per inference, {} ops/cycle",
        r["fmax_mhz"], p["cycles_per_inference"], p["synaptic_ops_per_cycle"]
    );
    if board == "icebreaker" {
        let w = &r["weights"];
        assert_eq!(w["flash_offset"], "0x20000", "{r}");
        // every weight stored once, packed at its width: the image holds the synapses' bytes
        // (8-bit weights), each SPRAM word padded to whole 16-bit columns (a power of two of
        // them: 7 lanes x 8 bits take a 64-bit word), plus the header and the per-word padding
        // of the last block
        let bytes = w["bytes"].as_u64().unwrap();
        let lanes = r["lanes"][0].as_u64().unwrap();
        let word_bits = (lanes * 8).div_ceil(16).next_power_of_two() * 16;
        let padded = synapses * word_bits / (lanes * 8);
        assert!(bytes >= synapses && bytes < padded + synapses / 8, "{w}");
        let spram = r["utilization"]["ICESTORM_SPRAM"]["used"].as_u64();
        assert!(spram.is_some_and(|n| (1..=4).contains(&n)), "{r}");
    }
}

// Issue "Accelerator v2 (2/2)" targets: timing met at >= 30 MHz on the iCEBreaker and at >= 90
// MHz on the ULX3S-25F (here 95 MHz: 25 steps in under 200 us, compute on chip);
// build_scale requires timing met at the design clock.
#[test]
fn the_mnist_shaped_mlp_builds_verified_for_icebreaker_with_spram_weights() {
    build_scale(
        "mnist_mlp",
        "icebreaker",
        "design.bin",
        &["--clock-mhz", "30"],
    );
}

#[test]
fn the_mnist_shaped_mlp_builds_verified_for_ulx3s_25f() {
    build_scale(
        "mnist_mlp",
        "ulx3s-25f",
        "design.bit",
        &["--lanes", "16", "--clock-mhz", "95"],
    );
}

#[test]
fn the_shd_shaped_recurrent_net_builds_verified_for_icebreaker_with_spram_weights() {
    build_scale("shd_rleaky", "icebreaker", "design.bin", &[]);
}

#[test]
fn the_shd_shaped_recurrent_net_builds_verified_for_ulx3s_25f() {
    build_scale("shd_rleaky", "ulx3s-25f", "design.bit", &[]);
}

/// The first `steps` steps of the N-MNIST fixture's first sample, written as an `[steps, 1, F]`
/// input file named by `tag` (its path returned).
fn nmnist_sample(steps: usize, tag: &str) -> PathBuf {
    let x = spikeloom_npy::read_npy(&root().join("tests/fixtures/exporters/nmnist_cnn/input.npy"))
        .expect("fixture input");
    let [_, n, f] = x.shape[..] else {
        panic!("input shape {:?}", x.shape)
    };
    let spikeloom_npy::NpyData::U8(data) = &x.data else {
        panic!("uint8 input")
    };
    let first: Vec<u8> = (0..steps)
        .flat_map(|t| data[t * n * f..][..f].to_vec())
        .collect();
    let sample = tmp(tag).join("first.npy");
    std::fs::create_dir_all(sample.parent().unwrap()).unwrap();
    std::fs::write(
        &sample,
        spikeloom_npy::write_npy_bytes(&spikeloom_npy::NpyArray {
            shape: vec![steps, 1, f],
            data: spikeloom_npy::NpyData::U8(first),
        }),
    )
    .unwrap();
    sample
}

/// Issue "Real CNNs": the NIR paper's N-MNIST CNN shape, trained and exported by Sinabs
/// (tests/fixtures/exporters/nmnist_cnn: 39,584 weights, 8,970 neurons, poolings kept as index
/// maps), builds into a verified bitstream for the ULX3S-25F: golden == cycle model == Icarus RTL
/// on the first 8 steps of the fixture's first sample. (For the iCEBreaker see the next test.)
#[test]
fn the_nmnist_shaped_cnn_builds_verified_for_ulx3s_25f() {
    let dir = "tests/fixtures/exporters/nmnist_cnn";
    let (nir, input) = (format!("{dir}/model.nir"), format!("{dir}/input.npy"));
    assert!(root().join(&nir).is_file(), "fixture {dir} missing");
    // Calibrated on the whole input; verified on the first sample's first VERIFY_STEPS steps:
    // Icarus simulates this design at a few hundred cycles per second, and the fixture's 60
    // steps took over 14 minutes on this machine.
    const VERIFY_STEPS: usize = 8;
    let sample = nmnist_sample(VERIFY_STEPS, "nmnist-sample");
    let Some(r) = build_model_calibrated(
        &nir,
        &input,
        sample.to_str().unwrap(),
        "ulx3s-25f",
        "design.bit",
        // At the board's default clock for a design with a convolution core (40 MHz): since
        // the event decode divides by reciprocals (Fmax 53.7 MHz at a 25 MHz target; 27 MHz
        // with the single-cycle decode, which needed `--clock-mhz 25`).
        &["--semantics", "sinabs"],
    ) else {
        return;
    };
    assert_verified(&r, "nmnist_cnn on ulx3s-25f");
    let p = &r["performance"];
    println!(
        "nmnist_cnn on ulx3s-25f: lanes {}, Fmax {} MHz, {} cycles per inference, {} ops/cycle",
        r["lanes"], r["fmax_mhz"], p["cycles_per_inference"], p["synaptic_ops_per_cycle"]
    );
}

/// The same CNN on the iCEBreaker (UP5K): the planner puts the weights and kernels, the large
/// event lists and the neuron unit's membranes into the four SPRAMs, drops the bridge's rate
/// encoder and runs the three convolutions on one convolution engine; the bitstream is
/// verified (golden == cycle model == Icarus RTL on the first 4 steps of the first sample: the
/// simulation of this design is the slow part of the build) and fits the device.
#[test]
fn the_nmnist_shaped_cnn_builds_verified_for_icebreaker() {
    let dir = "tests/fixtures/exporters/nmnist_cnn";
    let (nir, input) = (format!("{dir}/model.nir"), format!("{dir}/input.npy"));
    let sample = nmnist_sample(4, "nmnist-sample-ice");
    let Some(r) = build_model_calibrated(
        &nir,
        &input,
        sample.to_str().unwrap(),
        "icebreaker",
        "design.bin",
        &["--semantics", "sinabs"],
    ) else {
        return;
    };
    assert_verified(&r, "nmnist_cnn on icebreaker");
    // (the directory `build_model_calibrated` wrote; `tmp` would empty it)
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-build-full-icebreaker-nmnist_cnn");
    let plan = std::fs::read_to_string(out.join("plan.txt")).expect("plan.txt");
    assert!(
        plan.contains("convolution engine: one sl_conv runs cores [0, 1, 2]"),
        "{plan}"
    );
    let p = &r["performance"];
    println!(
        "nmnist_cnn on icebreaker: lanes {}, Fmax {} MHz, {} cycles per inference, {} ops/cycle",
        r["lanes"], r["fmax_mhz"], p["cycles_per_inference"], p["synaptic_ops_per_cycle"]
    );
}
