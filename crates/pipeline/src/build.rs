//! What `build` does before the tools run: the verification sample through the golden model,
//! the cycle model and (unless waived) the RTL in Icarus, and the traces the report shows; each
//! engine runs once and every consumer gets the same run.

use crate::design::RTL_DIR;
use crate::error::Result;
use crate::session::Session;
use crate::verify::{golden_vs_cycle, rtl_vs_cycle, sample, synaptic_ops, CycleRun, Sample};
use spikeloom_float::FloatTrace;
use spikeloom_qnet::QTrace;
use std::path::Path;
use std::sync::Arc;

/// Subdirectory where the tools run and keep their logs.
pub const BUILD_DIR: &str = "build";
/// Subdirectory of the RTL co-simulation.
pub const VERIFY_DIR: &str = "verify";

/// The design checked on its sample.
pub struct Checked {
    /// The verification sample.
    pub sample: Sample,
    /// The cycle model's run of it (trace and log).
    pub cycle: Arc<CycleRun>,
    /// The golden model's trace of it.
    pub golden: Arc<QTrace>,
    /// The float engine's trace of it (a `.nir` model only).
    pub float: Option<Arc<FloatTrace>>,
    /// Synaptic operations of each step `[N][T]`.
    pub ops: Vec<Vec<u64>>,
    /// The golden == cycle model verdict (or why it was skipped).
    pub cycle_model: String,
    /// The RTL == cycle model verdict (or why it was skipped).
    pub rtl: String,
}

impl Session<'_> {
    /// Check the session's design on the verification sample (`sample_file`'s first
    /// `samples`, else pseudo-random spikes): golden model == cycle model, and RTL (Icarus,
    /// run in `out_dir/verify` on `out_dir/rtl`, which [`crate::design::write`] wrote) == cycle
    /// model. With `verify` false both comparisons are skipped (and said so); otherwise a
    /// missing Icarus is an error, since the output would not be verified.
    pub fn check_design(
        &self,
        sample_file: Option<&Path>,
        samples: usize,
        out_dir: &Path,
        verify: bool,
    ) -> Result<Checked> {
        let d = self.design()?;
        let s = sample(
            sample_file,
            samples,
            &crate::model::qnet_input(&d.model.qnet),
        )?;
        let cycle = self.cycle(&s.spikes)?;
        let golden = self.golden(&s.spikes)?;
        let float = if self.config().is_qnet() {
            None
        } else {
            Some(self.float_trace(&crate::input::Spikes::from(&s.spikes))?)
        };
        let ops = synaptic_ops(&d.plan, &s.spikes, &cycle.trace);
        let (cycle_model, rtl) = if verify {
            let verdict = golden_vs_cycle(&d.model.qnet, &golden, &cycle.trace)?;
            let rtl = rtl_vs_cycle(
                &d.plan,
                &out_dir.join(RTL_DIR),
                &out_dir.join(VERIFY_DIR),
                &cycle,
            )?;
            (format!("passed on {}: {verdict}", s.origin), rtl)
        } else {
            let skipped = "skipped (--no-verify)".to_string();
            (skipped.clone(), skipped)
        };
        Ok(Checked {
            sample: s,
            cycle,
            golden,
            float,
            ops,
            cycle_model,
            rtl,
        })
    }
}
