//! The report page in headless Chromium: it loads, and the DOM Chromium builds has every plot
//! and section of the source (no parse error swallowed part of the page). Needs `chromium`:
//! skipped with a message when missing unless SPIKELOOM_REQUIRE_TOOLS=1.

mod common;

use std::path::{Path, PathBuf};

use spikeloom_toolchain::process::{find_program, run, ToolCommand};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|p| find_program(Path::new(p)))
}

#[test]
fn report_loads_in_headless_chromium() {
    let Some(browser) = chromium() else {
        spikeloom_testkit::skip_or_fail("chromium not found (apt-get install chromium)");
        return;
    };
    let r = common::run("mlp_subtract", 4);
    let html = spikeloom_report::render(&common::report(&r));
    let dir = std::env::temp_dir().join(format!("spikeloom-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let out = run(&ToolCommand {
        step: "chromium".into(),
        program: browser,
        args: vec![
            "--headless".into(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            format!("--user-data-dir={}", dir.join("profile").display()),
            "--dump-dom".into(),
            format!("file://{}", page.display()),
        ],
        cwd: dir.clone(),
        log: None,
    })
    .expect("chromium failed to load the report");
    let dom = out.stdout;
    let count = |s: &str, needle: &str| s.matches(needle).count();
    assert!(
        dom.contains("spikeloom report: mlp_subtract"),
        "title missing from the DOM"
    );
    assert_eq!(
        count(&dom, "<svg"),
        count(&html, "<svg"),
        "Chromium lost some plots"
    );
    assert_eq!(count(&dom, "<section"), count(&html, "<section"));
    assert_eq!(count(&dom, "<polyline"), count(&html, "<polyline"));
    assert!(dom.contains("</body></html>") || dom.contains("</body>"));
    let _ = std::fs::remove_dir_all(&dir);
}
