//! Tool gates shared by the co-simulation tests: a missing tool skips the test, or fails it
//! under `SPIKELOOM_REQUIRE_TOOLS=1` (`spikeloom_testkit::skip_or_fail`).

use spikeloom_cosim::{check_tools, select_yosys, Simulator};
use std::path::PathBuf;

/// `sim`'s programs are installed (else skip or fail).
pub fn available(sim: Simulator) -> bool {
    match check_tools(sim) {
        Ok(()) => true,
        Err(e) => {
            spikeloom_testkit::skip_or_fail(e);
            false
        }
    }
}

/// Icarus, and the netlist check's Yosys (`cosim::select_yosys`: `YOSYS=`, PATH, the project's
/// `.tools/`), or a skip (a failure under `SPIKELOOM_REQUIRE_TOOLS=1`).
pub fn netlist_yosys() -> Option<PathBuf> {
    if !available(Simulator::Icarus) {
        return None;
    }
    select_yosys(&spikeloom_testkit::project_tool_dirs())
        .map_err(spikeloom_testkit::skip_or_fail)
        .ok()
}
