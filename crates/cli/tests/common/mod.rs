//! Helpers shared by the CLI's integration tests: run the real binary in the repository root.
// Each test file uses its own subset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the binary runs there, so fixture paths are relative to it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run spikeloom in the repository root with extra environment variables: (exit code, stdout,
/// stderr).
pub fn spikeloom_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spikeloom"));
    cmd.args(args).current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the spikeloom binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run spikeloom in the repository root.
pub fn spikeloom(args: &[&str]) -> (i32, String, String) {
    spikeloom_env(args, &[])
}

/// A fresh (removed, not created) directory `<prefix>-<name>` in Cargo's test scratch space.
pub fn scratch(prefix: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{prefix}-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
