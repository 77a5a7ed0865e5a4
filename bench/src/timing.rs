//! Wall-clock timing: a warm-up run, then repeated runs until both a minimum count and a
//! minimum total time are reached; the median is reported (robust to a busy shared machine).

use std::time::{Duration, Instant};

/// Median, min and repetitions of a timed closure.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Timed {
    /// Median seconds of one run.
    pub median_s: f64,
    /// Fastest run, seconds.
    pub min_s: f64,
    /// Runs measured.
    pub runs: usize,
}

/// Time `f` (at least `min_runs` runs and `min_total` of measuring, at most 200 runs).
pub fn time<T>(min_runs: usize, min_total: Duration, mut f: impl FnMut() -> T) -> Timed {
    std::hint::black_box(f());
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < min_runs.max(1) || (start.elapsed() < min_total && samples.len() < 200) {
        let t = Instant::now();
        std::hint::black_box(f());
        samples.push(t.elapsed().as_secs_f64());
    }
    samples.sort_by(f64::total_cmp);
    Timed {
        median_s: samples[samples.len() / 2],
        min_s: samples[0],
        runs: samples.len(),
    }
}
