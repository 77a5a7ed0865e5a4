//! `spikeloom program` and `build --program` against stand-in programmers on PATH that record
//! their arguments (shell scripts printing what the real iceprog, openFPGALoader and dfu-util
//! print; the "no board" texts were copied from the real programs run without a board).
//! The designs are `generate`'s real output (manifest, weight image at its flash offset); their
//! bitstream is a stand-in file, which the stand-in programmers never read, except in the last
//! test, where `build --program` programs a real bitstream.

use std::path::{Path, PathBuf};

mod common;
use common::{scratch, spikeloom_env};

fn tmp(name: &str) -> PathBuf {
    let dir = scratch("cli-program", name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A stand-in programmer: logs `NAME ARGS` to $FAKE_LOG; with $FAKE_ABSENT prints what the
/// real one prints without a board and fails; its detect command prints $FAKE_ID.
fn fake(bin: &Path, name: &str, detect_flag: &str, default_id: &str, absent: &str) {
    let script = format!(
        "#!/bin/sh\n\
         echo \"{name} $*\" >> \"$FAKE_LOG\"\n\
         if [ -n \"$FAKE_ABSENT\" ]; then\n  echo \"{absent}\" >&2\n  exit 2\nfi\n\
         for a in \"$@\"; do\n  if [ \"$a\" = \"{detect_flag}\" ]; then\n    \
         echo \"${{FAKE_ID:-{default_id}}}\"\n  fi\ndone\n\
         exit 0\n"
    );
    let path = bin.join(name);
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn fake_bin(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    fake(
        &bin,
        "iceprog",
        "-t",
        "flash ID: 0xEF 0x40 0x18 0x00",
        "Can't find iCE FTDI USB device (vendor_id 0x0403, device_id 0x6010 or 0x6014).",
    );
    fake(
        &bin,
        "openFPGALoader",
        "--detect",
        "index 0:\n\tidcode 0x41111043\n\tmanufacturer lattice\n\tfamily ECP5\n\tmodel  LFE5U-25",
        "JTAG init failed with: unable to open ftdi device",
    );
    fake(
        &bin,
        "dfu-util",
        "-l",
        "Found DFU: [1209:5af0]",
        "dfu-util: No DFU capable USB device available",
    );
    bin
}

/// `generate`'s design for `board` plus a stand-in bitstream named as `build` names it.
fn design(dir: &Path, board: &str, extra: &[&str], bitstream: &str) -> PathBuf {
    let out = dir.join(board);
    let mut args = vec![
        "generate",
        "tests/fixtures/models/mlp_subtract/model.nir",
        "--calibrate",
        "tests/fixtures/models/mlp_subtract/input.npy",
        "--board",
        board,
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = spikeloom_env(&args, &[]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(out.join(bitstream), b"stand-in bitstream").unwrap();
    std::fs::write(
        out.join("report.json"),
        format!("{{\"bitstream\": \"{bitstream}\"}}"),
    )
    .unwrap();
    out
}

fn program(
    dir: &Path,
    bin: &Path,
    log: &Path,
    flags: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String, String) {
    let _ = std::fs::remove_file(log);
    let mut args = vec!["program", dir.to_str().unwrap()];
    args.extend_from_slice(flags);
    let mut vars = vec![
        ("PATH", bin.to_str().unwrap()),
        ("FAKE_LOG", log.to_str().unwrap()),
    ];
    vars.extend_from_slice(env);
    let (code, out, err) = spikeloom_env(&args, &vars);
    let calls = std::fs::read_to_string(log).unwrap_or_default();
    (code, out, err, calls)
}

#[test]
fn icebreaker_weights_first_then_the_bitstream_to_flash_or_sram() {
    let dir = tmp("icebreaker");
    let bin = fake_bin(&dir);
    let log = dir.join("calls.log");
    let d = design(
        &dir,
        "icebreaker",
        &["--weight-memory", "spram"],
        "design.bin",
    );
    let (code, out, err, calls) = program(&d, &bin, &log, &[], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        calls, "iceprog -t\niceprog -o 0x20000 weights.bin\niceprog design.bin\n",
        "{out}"
    );
    let (code, out, err, calls) = program(&d, &bin, &log, &["--sram"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        calls,
        "iceprog -t\niceprog -o 0x20000 weights.bin\niceprog -S design.bin\n"
    );
    // No board attached: nothing is written.
    let (code, _, err, calls) = program(&d, &bin, &log, &[], &[("FAKE_ABSENT", "1")]);
    assert_eq!(code, 1);
    assert_eq!(calls, "iceprog -t\n");
    assert!(
        err.contains(
            "error: no board found: `iceprog -t` found no icebreaker attached (its output: Can't \
             find iCE FTDI USB device (vendor_id 0x0403, device_id 0x6010 or 0x6014).). Connect \
             the board over USB"
        ),
        "{err}"
    );
    // Another board (an iCEstick's N25Q032 flash answers 20 BA 16).
    let (code, _, err, calls) = program(
        &d,
        &bin,
        &log,
        &[],
        &[("FAKE_ID", "flash ID: 0x20 0xBA 0x16 0x10")],
    );
    assert_eq!(code, 1);
    assert_eq!(calls, "iceprog -t\n");
    assert!(
        err.contains(
            "error: wrong board: the design is for icebreaker (iCE40UP5K), which answers `flash \
             ID: 0xEF 0x40 0x18` or `flash ID: 0xEF 0x70 0x18`, but the attached board answers \
             `flash ID: 0x20 0xBA 0x16 0x10`"
        ),
        "{err}"
    );
    // The programmer is not installed.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err, _) = program(&d, &empty, &log, &[], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "error: the programmer `iceprog` is not on PATH: board `icebreaker`'s file programs \
             it with `iceprog`; install it with scripts/install-tools.sh (Debian package \
             `fpga-icestorm`: apt-get install fpga-icestorm), or put it on PATH"
        ),
        "{err}"
    );
    // A directory without a build.
    std::fs::remove_file(d.join("report.json")).unwrap();
    let (code, _, err, _) = program(&d, &bin, &log, &[], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("has no bitstream") && err.contains("run `spikeloom build`"),
        "{err}"
    );
}

#[test]
fn ulx3s_and_orangecrab_use_their_board_files_programmers() {
    let dir = tmp("ecp5");
    let bin = fake_bin(&dir);
    let log = dir.join("calls.log");
    let d = design(&dir, "ulx3s-25f", &[], "design.bit");
    let (code, out, err, calls) = program(&d, &bin, &log, &[], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        calls,
        "openFPGALoader --board ulx3s --detect\nopenFPGALoader --board ulx3s design.bit\n"
    );
    let (code, _, err, calls) = program(&d, &bin, &log, &["--flash"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        calls.ends_with("openFPGALoader --board ulx3s --write-flash design.bit\n"),
        "{calls}"
    );
    // An 85F ULX3S is attached.
    let (code, _, err, _) = program(
        &d,
        &bin,
        &log,
        &[],
        &[(
            "FAKE_ID",
            "index 0:\n\tidcode 0x41113043\n\tmodel  LFE5U-85",
        )],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("wrong board: the design is for ulx3s-25f (LFE5U-25F), which answers `idcode 0x41111043`, but the attached board answers `idcode 0x41113043`"),
        "{err}"
    );
    let (code, _, err, _) = program(&d, &bin, &log, &[], &[("FAKE_ABSENT", "1")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no board found")
            && err.contains("JTAG init failed with: unable to open ftdi device"),
        "{err}"
    );
    // dfu-util writes the OrangeCrab's flash through its bootloader; it has no SRAM mode.
    let d = design(&dir, "orangecrab-25f", &[], "design.bit");
    let (code, _, err, calls) = program(&d, &bin, &log, &[], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(calls, "dfu-util --alt 0 --download design.bit\n");
    let (code, _, err, _) = program(&d, &bin, &log, &["--sram"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("board `orangecrab-25f`'s programmer (dfu-util) cannot load the configuration memory ([programmer] has no `sram` command); drop --sram"),
        "{err}"
    );
}

/// `build --program` programs the bitstream it built (a real one: the stand-in iceprog gets
/// its name in the build directory).
#[test]
fn build_program_programs_the_built_bitstream() {
    let dir = tmp("build");
    let bin = fake_bin(&dir);
    let log = dir.join("calls.log");
    let out = dir.join("out");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (code, stdout, err) = spikeloom_env(
        &[
            "build",
            "tests/fixtures/models/lif_single/model.nir",
            "--calibrate",
            "tests/fixtures/models/lif_single/input.npy",
            "--board",
            "icebreaker",
            "-o",
            out.to_str().unwrap(),
            "--verify-samples",
            "1",
            "--program",
        ],
        &[("PATH", &path), ("FAKE_LOG", log.to_str().unwrap())],
    );
    if code != 0 && err.contains("missing tools") {
        spikeloom_testkit::skip_or_fail(format!(
            "build needs tools that are not installed:\n{err}"
        ));
        return;
    }
    assert_eq!(code, 0, "{stdout}{err}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls, "iceprog -t\niceprog design.bin\n", "{stdout}");
    assert!(std::fs::metadata(out.join("design.bin")).unwrap().len() > 1000);
    assert!(
        stdout.contains("program: done (the board file's usual target on icebreaker)"),
        "{stdout}"
    );
}
