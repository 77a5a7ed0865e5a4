//! One build makes each artifact once: the session's build path (design, then the check on the
//! verification sample, which also gives the report its traces) reads, lowers, quantizes and
//! plans once and runs the float, golden and cycle models once each; asking again reuses them.

use spikeloom_pipeline::{Config, HwConfig, Runs, Session};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Whether the RTL co-simulation can run (Icarus installed); without it the test still counts
/// the engine runs, with the comparisons waived, unless SPIKELOOM_REQUIRE_TOOLS=1.
fn icarus() -> bool {
    match spikeloom_cosim::check_tools(spikeloom_cosim::Simulator::Icarus) {
        Ok(()) => true,
        Err(e) => {
            spikeloom_testkit::skip_or_fail(format!("the RTL comparison needs Icarus ({e})"));
            false
        }
    }
}

#[test]
fn one_build_runs_each_engine_once() {
    let model = root().join("tests/fixtures/models/mlp_subtract/model.nir");
    let sample = root().join("tests/fixtures/models/mlp_subtract/input.npy");
    assert!(model.is_file() && sample.is_file(), "fixture missing");
    let dir = scratch("session-build");
    let verify = icarus();
    let session = Session::new(Config::new(&model)).with_hw(HwConfig::new("icebreaker"));
    let design = session.design().unwrap();
    spikeloom_pipeline::design::write(design, &dir).unwrap();
    let checked = session
        .check_design(Some(&sample), 2, &dir, verify)
        .unwrap();
    if verify {
        assert!(
            checked.rtl.contains("log lines identical"),
            "{}",
            checked.rtl
        );
        assert!(
            checked.cycle_model.starts_with("passed on "),
            "{}",
            checked.cycle_model
        );
    }
    assert!(checked.float.is_some(), "a .nir model has a float trace");
    let once = Runs {
        nir_reads: 1,
        lowerings: 1,
        quantizations: 1,
        designs: 1,
        float_runs: 1,
        golden_runs: 1,
        cycle_runs: 1,
    };
    assert_eq!(session.runs(), once);
    // every later consumer gets the same runs
    let again = session
        .check_design(Some(&sample), 2, &dir, verify)
        .unwrap();
    assert_eq!(again.golden, checked.golden);
    assert_eq!(session.runs(), once);
}

#[test]
fn a_different_sample_is_a_new_run_of_the_engines_only() {
    let model = root().join("tests/fixtures/models/mlp_subtract/model.nir");
    let sample = root().join("tests/fixtures/models/mlp_subtract/input.npy");
    let dir = scratch("session-two-samples");
    let session = Session::new(Config::new(&model)).with_hw(HwConfig::new("icebreaker"));
    spikeloom_pipeline::design::write(session.design().unwrap(), &dir).unwrap();
    session.check_design(Some(&sample), 1, &dir, false).unwrap();
    session.check_design(None, 1, &dir, false).unwrap();
    let r = session.runs();
    assert_eq!(
        (r.nir_reads, r.lowerings, r.quantizations, r.designs),
        (1, 1, 1, 1)
    );
    assert_eq!((r.float_runs, r.golden_runs, r.cycle_runs), (2, 2, 2));
}
