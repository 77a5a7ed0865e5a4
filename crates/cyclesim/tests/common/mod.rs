//! Shared test helpers: the workspace's independent reference of the QNet arithmetic
//! (`spikeloom_testkit::reference`, written from the contract in crates/qnet/src/net.rs, not
//! from the cycle model or the RTL: i128 everywhere, the spike count by floor division where
//! the cycle model and RTL divide by restoring shifts) for one sample, the dense expansion of
//! convolutions and poolings, and random samples.
#![allow(dead_code)]

use spikeloom_qnet::{ConvGeometry, QNet};

/// Per layer `[T][size]` spikes and membranes of one sample.
pub struct RefOut {
    pub spikes: Vec<Vec<Vec<u8>>>,
    pub membranes: Vec<Vec<Vec<i64>>>,
}

/// Evaluate one sample `[T][input_size]` with the workspace's independent reference
/// (`spikeloom_testkit::reference`, written from the contract's module doc).
pub fn reference(net: &QNet, input: &[Vec<u8>]) -> RefOut {
    let steps: Vec<Vec<Vec<u8>>> = input.iter().map(|row| vec![row.clone()]).collect();
    let r = spikeloom_testkit::reference::reference(net, input.len(), 1, &steps);
    RefOut {
        spikes: r
            .spikes
            .iter()
            .map(|l| l.iter().map(|t| t[0].clone()).collect())
            .collect(),
        membranes: r
            .mem
            .iter()
            .map(|l| {
                l.iter()
                    .map(|t| t[0].iter().map(|&v| v as i64).collect())
                    .collect()
            })
            .collect(),
    }
}

pub fn random_samples(
    rng: &mut spikeloom_plan::testing::Rng,
    steps: usize,
    samples: usize,
    width: usize,
    density: u64,
) -> (Vec<Vec<Vec<u8>>>, spikeloom_qnet::SpikeSteps) {
    let per: Vec<Vec<Vec<u8>>> = (0..samples)
        .map(|_| spikeloom_plan::testing::random_input(rng, steps, width, density))
        .collect();
    flatten(per, steps, samples, width, 1)
}

/// As [`random_samples`] for `bits`-wide graded input values (binary spikes when `bits = 1`).
pub fn random_value_samples(
    rng: &mut spikeloom_plan::testing::Rng,
    steps: usize,
    samples: usize,
    width: usize,
    density: u64,
    bits: u32,
) -> (Vec<Vec<Vec<u8>>>, spikeloom_qnet::SpikeSteps) {
    let per: Vec<Vec<Vec<u8>>> = (0..samples)
        .map(|_| spikeloom_plan::testing::random_values(rng, steps, width, density, bits))
        .collect();
    flatten(per, steps, samples, width, bits)
}

fn flatten(
    per: Vec<Vec<Vec<u8>>>,
    steps: usize,
    samples: usize,
    width: usize,
    bits: u32,
) -> (Vec<Vec<Vec<u8>>>, spikeloom_qnet::SpikeSteps) {
    let mut flat = Vec::new();
    for t in 0..steps {
        for s in &per {
            flat.extend_from_slice(&s[t]);
        }
    }
    let input =
        spikeloom_qnet::SpikeSteps::graded(steps, samples, width, flat, bits).expect("input");
    (per, input)
}

/// Dense weights `W[o][i]` of a convolution by the gather formula: output `(co, oy, ox)` reads
/// `(ci, oy*s - p + ky*d, ox*s - p + kx*d)` for the input channels of its group.
fn dense_of(g: &ConvGeometry, kernel: &[i32]) -> Vec<i32> {
    let [ci_n, h, w] = g.input;
    let [co_n, ho, wo] = g.output;
    let (cig, cog) = (ci_n / g.groups, co_n / g.groups);
    let n_in = ci_n * h * w;
    let mut m = vec![0; co_n * ho * wo * n_in];
    for co in 0..co_n {
        for oy in 0..ho {
            for ox in 0..wo {
                let o = (co * ho + oy) * wo + ox;
                for c in 0..cig {
                    let ci = (co / cog) * cig + c;
                    for ky in 0..g.kernel[0] {
                        for kx in 0..g.kernel[1] {
                            let iy = (oy * g.stride[0] + ky * g.dilation[0]) as isize
                                - g.padding[0] as isize;
                            let ix = (ox * g.stride[1] + kx * g.dilation[1]) as isize
                                - g.padding[1] as isize;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                continue;
                            }
                            let i = (ci * h + iy as usize) * w + ix as usize;
                            let k = ((co * cig + c) * g.kernel[0] + ky) * g.kernel[1] + kx;
                            m[o * n_in + i] = kernel[k];
                        }
                    }
                }
            }
        }
    }
    m
}

/// `net` with every convolution expanded into its dense weight matrix (same integers).
pub fn densified(net: &QNet) -> QNet {
    let mut d = net.clone();
    for l in &mut d.layers {
        for p in &mut l.inputs {
            if let Some(g) = p.conv.take() {
                p.weight = dense_of(&g, &p.weight);
            }
            if let Some(g) = p.pool.take() {
                p.weight = unpooled(&g, &p.weight);
            }
        }
    }
    d
}

/// Dense weights `W[o][i]` over the source of a pooling in front of dense weights `V[o][m]`
/// (pooled columns), by the window definition: source `(c, y, x)` feeds pooled `(c, py, px)`
/// when window `(py, px)`, rows `py*s - p .. py*s - p + k` (columns alike), covers it.
fn unpooled(g: &spikeloom_qnet::PoolGeometry, v: &[i32]) -> Vec<i32> {
    let [c_n, h, w] = g.input;
    let [_, ho, wo] = g.output;
    let (n_in, cols) = (c_n * h * w, c_n * ho * wo);
    let rows = v.len() / cols;
    let covers = |p: usize, a: usize, y: usize| {
        let lo = (p * g.stride[a]) as isize - g.padding[a] as isize;
        (lo..lo + g.kernel[a] as isize).contains(&(y as isize))
    };
    let mut m = vec![0; rows * n_in];
    for c in 0..c_n {
        for py in 0..ho {
            for px in 0..wo {
                let col = (c * ho + py) * wo + px;
                for y in (0..h).filter(|&y| covers(py, 0, y)) {
                    for x in (0..w).filter(|&x| covers(px, 1, x)) {
                        let i = (c * h + y) * w + x;
                        for o in 0..rows {
                            m[o * n_in + i] = v[o * cols + col];
                        }
                    }
                }
            }
        }
    }
    m
}

/// Number of random cases: `SPIKELOOM_PROPTEST_CASES`, else `default`.
pub fn cases(default: u64) -> u64 {
    std::env::var("SPIKELOOM_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where one (sample, layer, step) row sits in the `[T][N][size]` traces.
pub struct Row<'a> {
    /// Layer index.
    pub layer: usize,
    /// Step.
    pub step: usize,
    /// Offset of the row.
    pub at: usize,
    /// Neurons in the layer.
    pub size: usize,
    /// Message prefix naming seed, sample, layer and step.
    pub ctx: &'a str,
}

/// The cycle model's row equals the golden evaluator's and, if given, the reference's.
pub fn assert_row(
    tr: &spikeloom_cyclesim::CycleTrace,
    golden: &spikeloom_qnet::QTrace,
    reference: Option<&RefOut>,
    row: &Row<'_>,
) {
    let (li, t, span) = (row.layer, row.step, row.at..row.at + row.size);
    let ctx = row.ctx;
    if let Some(r) = reference {
        let mem: Vec<i64> = tr.layers[li].membrane[span.clone()]
            .iter()
            .map(|&v| i64::from(v))
            .collect();
        assert_eq!(mem, r.membranes[li][t], "membrane vs reference, {ctx}");
        assert_eq!(
            &tr.layers[li].spikes[span.clone()],
            &r.spikes[li][t][..],
            "spikes vs reference, {ctx}"
        );
    }
    let g = &golden.layers[li];
    assert_eq!(
        &tr.layers[li].spikes[span.clone()],
        &g.spikes[span.clone()],
        "spikes vs qnet::eval, {ctx}"
    );
    assert_eq!(
        &tr.layers[li].membrane[span.clone()],
        &g.membrane[span],
        "membrane vs qnet::eval, {ctx}"
    );
}

/// The activity `Plan::step_cycles` needs for step `t`: events are non-zero values of the
/// sample (`[T][F]`) and of `spikes(layer, step)`; `line_events` per buffer (delay lines).
pub fn activity<'s>(
    p: &spikeloom_plan::Plan,
    sample: &[Vec<u8>],
    spikes: impl Fn(usize, usize) -> &'s [u8],
    t: usize,
    line_events: Vec<usize>,
) -> spikeloom_plan::StepActivity {
    let nz = |v: &[u8]| v.iter().filter(|&&s| s != 0).count();
    spikeloom_plan::StepActivity {
        input_events: nz(&sample[t]),
        prev_input_events: if t == 0 { 0 } else { nz(&sample[t - 1]) },
        block_spikes: p
            .cores
            .iter()
            .enumerate()
            .map(|(li, c)| spikes(li, t).chunks(c.lanes).map(nz).collect())
            .collect(),
        prev_spikes: (0..p.cores.len())
            .map(|li| if t == 0 { 0 } else { nz(spikes(li, t - 1)) })
            .collect(),
        line_events,
    }
}

/// Every step the cycle model ran (`CycleTrace::cycles_per_step`, the model's own count, not
/// the formula) stays within `Plan::max_step_cycles`.
pub fn assert_steps_within_max(
    p: &spikeloom_plan::Plan,
    tr: &spikeloom_cyclesim::CycleTrace,
    ctx: &str,
) {
    let max = p.max_step_cycles();
    for (n, steps) in tr.cycles_per_step.iter().enumerate() {
        for (t, &c) in steps.iter().enumerate() {
            assert!(
                c <= max,
                "{ctx} sample {n} step {t}: {c} cycles > max_step_cycles {max}"
            );
        }
    }
}
