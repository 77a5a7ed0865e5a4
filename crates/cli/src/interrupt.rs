//! Ctrl-C while external tools run. Long tool steps run in their own process groups (so a time
//! limit can stop everything a tool started), which the terminal's interrupt does not reach. So
//! the first SIGINT or SIGTERM only sets a flag that the running step polls: it stops its tool's
//! whole group and the command fails with "interrupted". A second signal terminates at once.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Exit status of a second interrupt (128 + SIGINT).
const SECOND_SIGNAL_EXIT: i32 = 130;

/// The flag, with the handlers installed on first use.
pub fn flag() -> &'static AtomicBool {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            // Order matters: the conditional shutdown sees the flag before the second handler
            // sets it, so only a second signal exits. Registration fails only for forbidden
            // signals, which these are not; without handlers the default (terminate) stays.
            let _ = signal_hook::flag::register_conditional_shutdown(
                sig,
                SECOND_SIGNAL_EXIT,
                Arc::clone(&flag),
            );
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        flag
    })
}
