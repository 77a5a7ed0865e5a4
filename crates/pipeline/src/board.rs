//! The board session of `spikeloom run`: stream input samples through a programmed board over
//! its UART host link and check every output spike against the integer model the design was
//! generated from (`DIR/model.q.json`).
//!
//! Inputs: every step (spike bitmaps, or one value byte per feature for a graded-input design:
//! `QNet::input_bits` > 1); pixel values once per sample (RUN_PIXELS): the board rate-encodes
//! them on chip and the golden model runs on `spikeloom_hostlink::rate_encode` of the same
//! pixels; input values once per sample (RUN_VALUES): the board feeds them at every step (a
//! "direct current" input, as the graded fixture's). Spike-count outputs (`QFire::Count`) come
//! back as counts and are compared as counts.

use crate::design::{Manifest, MANIFEST, QNET_FILE};
use crate::error::{Error, Result};
use crate::input::{ModelInput, Values};
use spikeloom_hostlink::{Link, LinkError, OutEvent, SampleRun};
use spikeloom_npy::{write_npz, NpyArray, NpyData};
use spikeloom_qnet::{QNet, SpikeSteps};
use std::io::{Read, Write};
use std::path::Path;

/// Output spikes the board produced, `[T][N][O]` row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRun {
    /// Steps.
    pub t: usize,
    /// Samples.
    pub n: usize,
    /// Output neurons.
    pub o: usize,
    /// Spikes per step: 0/1, or the spike count of a count output layer.
    pub spikes: Vec<u8>,
}

impl BoardRun {
    /// Spike count per output neuron for each sample.
    pub fn counts(&self) -> Vec<Vec<u32>> {
        spikeloom_quant::spike_counts(&self.spikes, self.t, self.n, self.o)
    }
}

/// Which command carries a sample's input once (the board generates the steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnChip {
    /// RUN_PIXELS: rate-coded binary spikes from pixel values.
    Pixels,
    /// RUN_VALUES: the same graded values at every step.
    Values,
}

/// Pixel samples `[N][F]` row-major (also the value rows of `--values`).
pub type Pixels = crate::input::Rows;

/// How RUN_PIXELS / RUN_VALUES samples are run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelOptions {
    /// Time steps per sample.
    pub steps: u16,
    /// Seed of sample 0 (sample n: `seed + n`, wrapping; RUN_PIXELS only).
    pub seed: u16,
    /// Ask for every step's outputs.
    pub per_step: bool,
}

/// The LFSR seed of sample `n`.
pub fn sample_seed(seed: u16, n: usize) -> u16 {
    seed.wrapping_add((n % 65536) as u16)
}

/// Read pixels (`[N, *shape]`, `[N, F]`, or one sample), integers 0..=255.
pub fn load_pixels(path: &Path, qnet: &QNet) -> Result<Pixels> {
    let shape = crate::model::qnet_input(qnet).shape;
    crate::input::load_rows(
        path,
        &ModelInput {
            shape,
            values: Values::Any,
        },
    )
}

/// Read RUN_VALUES input values (shapes as pixels) and check they fit the design's `input_bits`.
pub fn load_values(path: &Path, qnet: &QNet) -> Result<Pixels> {
    crate::input::load_rows(path, &crate::model::qnet_input(qnet))
}

/// The spikes the board's encoder generates, time-major `[T][N][F]` like `--input`.
pub fn pixel_spikes(px: &Pixels, steps: usize, seed: u16) -> SpikeSteps {
    let mut data = vec![0u8; steps * px.n * px.f];
    for n in 0..px.n {
        let row = &px.data[n * px.f..][..px.f];
        let spikes = spikeloom_hostlink::rate_encode(row, steps, sample_seed(seed, n));
        for t in 0..steps {
            data[(t * px.n + n) * px.f..][..px.f].copy_from_slice(&spikes[t * px.f..][..px.f]);
        }
    }
    // Rate-coded pixels are 0/1 and `data` holds steps * n * f of them.
    SpikeSteps::new(steps, px.n, px.f, data).expect("rate-coded spikes of the right shape")
}

/// The input RUN_VALUES feeds: every sample's values at each of `steps` steps, `[T][N][F]`.
pub fn value_spikes(v: &Pixels, steps: usize) -> SpikeSteps {
    // Bytes (at most 8 bits), `steps` copies of the n * f values.
    SpikeSteps::graded(steps, v.n, v.f, v.data.repeat(steps), 8).expect("values of the right shape")
}

/// Bytes host -> device and device -> host for one RUN_PIXELS sample (without per-step frames).
pub fn pixel_frame_bytes(m: &Manifest) -> (usize, usize) {
    let t = spikeloom_hostlink::traffic::run_pixels(&manifest_shape(m), 1);
    (t.up, t.down)
}

/// The link shape of a manifest's design, as far as RUN frames need it (sizes; RUN_OUT counts
/// are u16 whatever the output kind).
fn manifest_shape(m: &Manifest) -> spikeloom_hostlink::LinkShape {
    spikeloom_hostlink::LinkShape {
        input_size: m.input_size,
        output_size: m.output_size,
        graded_input: false,
        counted_output: false,
    }
}

/// Bytes host -> device and device -> host for one RUN_VALUES sample (without per-step frames).
pub fn values_frame_bytes(m: &Manifest) -> (usize, usize) {
    let t = spikeloom_hostlink::traffic::run_values(&manifest_shape(m), 1);
    (t.up, t.down)
}

/// What the board returned for pixel (or value) samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelBoardRun {
    /// Spike counts per sample and output neuron.
    pub counts: Vec<Vec<u32>>,
    /// Per-step outputs (with `per_step`).
    pub spikes: Option<BoardRun>,
}

fn link_failure(m: &Manifest) -> impl Fn(LinkError) -> Error + '_ {
    move |e| match e {
        LinkError::ValueTooWide { .. } | LinkError::Encode(_) => {
            Error::input(format!("board `{}`: {e}", m.board))
        }
        e => Error::failure(format!("board `{}`: {e}", m.board)),
    }
}

/// Checks the device against the design and that it speaks at least protocol `version`;
/// `missing` says what an older device lacks and what to do.
fn require_protocol<T: Read + Write>(
    link: &mut Link<T>,
    m: &Manifest,
    qnet: &QNet,
    version: u8,
    missing: &str,
) -> Result<()> {
    let status = link.status().map_err(link_failure(m))?;
    check_status(&status, m, qnet)?;
    if status.version < version {
        return Err(Error::failure(format!(
            "the board speaks host protocol version {}, which has {missing}",
            status.version
        )));
    }
    Ok(())
}

/// Check the device, then run every pixel sample with RUN_PIXELS.
pub fn run_pixels_on_link<T: Read + Write>(
    link: &mut Link<T>,
    m: &Manifest,
    qnet: &QNet,
    px: &Pixels,
    opts: &PixelOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<PixelBoardRun> {
    let fail = link_failure(m);
    require_protocol(link, m, qnet, 5, "an on-chip encoder without zero-skip, whose spikes differ from this version's (RUN_PIXELS needs version 5); rebuild and reprogram the bitstream, or send spikes with --input")?;
    run_on_chip(m, px, opts, progress, |n, row| {
        link.run_pixels(row, opts.steps, sample_seed(opts.seed, n), opts.per_step)
            .map_err(&fail)
    })
}

/// Check the device, then run every value sample with RUN_VALUES (`opts.seed` is unused).
pub fn run_values_on_link<T: Read + Write>(
    link: &mut Link<T>,
    m: &Manifest,
    qnet: &QNet,
    values: &Pixels,
    opts: &PixelOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<PixelBoardRun> {
    let fail = link_failure(m);
    require_protocol(link, m, qnet, 3, "no RUN_VALUES (needs version 3); rebuild and reprogram the bitstream, or send every step with --input")?;
    run_on_chip(m, values, opts, progress, |_, row| {
        link.run_values(row, opts.steps, opts.per_step)
            .map_err(&fail)
    })
}

/// Run every row with `one(sample, row)` and check each sample's per-step outputs (if any)
/// against its counts.
fn run_on_chip(
    m: &Manifest,
    px: &Pixels,
    opts: &PixelOptions,
    progress: &mut dyn FnMut(usize),
    mut one: impl FnMut(usize, &[u8]) -> Result<SampleRun>,
) -> Result<PixelBoardRun> {
    if opts.steps == 0 {
        return Err(Error::input("--steps must be at least 1"));
    }
    let t = usize::from(opts.steps);
    let mut counts = Vec::with_capacity(px.n);
    let mut spikes = vec![0u8; t * px.n * m.output_size];
    for n in 0..px.n {
        let row = &px.data[n * px.f..][..px.f];
        let got = one(n, row)?;
        if got.counts.len() != m.output_size {
            return Err(Error::failure(format!(
                "sample {n}: the board sent {} counts for {} outputs",
                got.counts.len(),
                m.output_size
            )));
        }
        let c: Vec<u32> = got.counts.iter().map(|&c| u32::from(c)).collect();
        if let Some(outputs) = &got.outputs {
            let from_steps = place_events(m, outputs, n, px.n, &mut spikes)?;
            if from_steps != c {
                return Err(Error::failure(format!(
                    "sample {n}: the board's spike counts {c:?} differ from its step replies {from_steps:?}"
                )));
            }
        }
        counts.push(c);
        progress(n + 1);
    }
    Ok(PixelBoardRun {
        counts,
        spikes: opts.per_step.then_some(BoardRun {
            t,
            n: px.n,
            o: m.output_size,
            spikes,
        }),
    })
}

/// Write sample `n`'s per-step output events into `spikes` `[T][N][O]`; returns the counts they
/// add up to (saturating at 65535 like the device).
fn place_events(
    m: &Manifest,
    outputs: &[Vec<OutEvent>],
    n: usize,
    samples: usize,
    spikes: &mut [u8],
) -> Result<Vec<u32>> {
    let mut counts = vec![0u32; m.output_size];
    for (step, events) in outputs.iter().enumerate() {
        for e in events {
            let o = e.index as usize;
            if o >= m.output_size {
                return Err(Error::failure(format!(
                    "board sent output event {o} at sample {n} step {step}, but the design has {} outputs",
                    m.output_size
                )));
            }
            spikes[(step * samples + n) * m.output_size + o] = e.count;
            counts[o] = (counts[o] + u32::from(e.count)).min(65535);
        }
    }
    Ok(counts)
}

/// The board must run this design: sizes, and (protocol version 3) input/output value widths.
fn check_status(status: &spikeloom_hostlink::Status, m: &Manifest, qnet: &QNet) -> Result<()> {
    if (
        usize::from(status.input_size),
        usize::from(status.output_size),
    ) != (m.input_size, m.output_size)
    {
        return Err(Error::failure(format!(
            "the board runs a design with {} inputs and {} outputs, but {} was built for {} and {}; \
             program the board with this directory's bitstream",
            status.input_size, status.output_size, MANIFEST, m.input_size, m.output_size
        )));
    }
    let want_in = qnet.input_bits.max(1);
    let want_out = qnet
        .layers
        .get(qnet.output_layer)
        .map_or(1, |l| l.fire.event_bits().max(1));
    let kind = |bits: u32, what: &str| {
        if bits <= 1 {
            format!("binary {what}")
        } else {
            format!("{bits}-bit {what}")
        }
    };
    let got = (
        u32::from(status.in_value_bits),
        u32::from(status.out_value_bits),
    );
    if got != (want_in, want_out) {
        let old = if status.version < 3 {
            format!(
                " (it speaks host protocol version {}, which carries binary spikes only)",
                status.version
            )
        } else {
            String::new()
        };
        return Err(Error::failure(format!(
            "the board's bitstream takes {} and sends {}{old}, but {} was built for {} and {}; \
             program the board with this directory's bitstream",
            kind(got.0, "input spikes"),
            kind(got.1, "output spikes"),
            MANIFEST,
            kind(want_in, "input values"),
            kind(want_out, "output spike counts"),
        )));
    }
    Ok(())
}

/// The board's per-sample spike counts against the integer model's: what agreed, or a failure
/// naming the first sample that differs.
pub fn check_counts_against_model(
    qnet: &QNet,
    input: &SpikeSteps,
    counts: &[Vec<u32>],
) -> Result<String> {
    let want = model_counts(qnet, input)?;
    match (0..want.len()).find(|&n| counts.get(n) != Some(&want[n])) {
        None => Ok(format!(
            "board == integer model: spike counts of all {} samples identical",
            want.len()
        )),
        Some(n) => Err(Error::failure(format!(
            "the board's spike counts differ from the integer model at sample {n}: board {:?}, model {:?}",
            counts.get(n),
            want[n]
        ))),
    }
}

/// The integer model's output spike counts per sample (saturating at 65535 like the device).
pub fn model_counts(qnet: &QNet, input: &SpikeSteps) -> Result<Vec<Vec<u32>>> {
    let spikes = model_outputs(qnet, input)?;
    let o = spikes.len() / (input.steps() * input.samples()).max(1);
    let mut counts = vec![vec![0u32; o]; input.samples()];
    for (i, &s) in spikes.iter().enumerate() {
        let c = &mut counts[(i / o) % input.samples()][i % o];
        *c = (*c + u32::from(s)).min(65535);
    }
    Ok(counts)
}

/// Accuracy of the board's per-sample output spike counts against labels (spike-count argmax,
/// ties to the lowest index), or `None` for a network whose output layer does not spike (its
/// read-out is the membrane, which the host link does not return).
pub fn board_accuracy(qnet: &QNet, counts: &[Vec<u32>], labels: &[i64]) -> Option<f64> {
    if spikeloom_quant::Readout::of_qnet(qnet) != spikeloom_quant::Readout::SpikeCount {
        return None;
    }
    let o = counts.first().map_or(0, Vec::len);
    let predicted = spikeloom_quant::predict(1, counts.len(), o, |i| {
        f64::from(counts[i / o.max(1)][i % o.max(1)])
    });
    Some(spikeloom_quant::accuracy(&predicted, labels))
}

/// Read the manifest and the integer network of a design directory.
pub fn load_design(dir: &Path) -> Result<(Manifest, QNet)> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|e| {
            Error::input(format!(
                "cannot read {}: {e}; pass the directory written by `spikeloom build`",
                path.display()
            ))
        })
    };
    let manifest: Manifest = serde_json::from_str(&read(MANIFEST)?)
        .map_err(|e| Error::input(format!("{}: {e}", dir.join(MANIFEST).display())))?;
    let qnet = QNet::from_json_str(&read(QNET_FILE)?)
        .map_err(|e| Error::input(format!("{}: {e}", dir.join(QNET_FILE).display())))?;
    Ok((manifest, qnet))
}

/// Check the device runs this design, then stream every sample (reset, steps, counts): spike
/// bitmaps for a binary-input design, one value byte per feature for a graded one.
pub fn run_on_link<T: Read + Write>(
    link: &mut Link<T>,
    m: &Manifest,
    qnet: &QNet,
    input: &SpikeSteps,
    progress: &mut dyn FnMut(usize),
) -> Result<BoardRun> {
    let fail = link_failure(m);
    let status = link.status().map_err(&fail)?;
    check_status(&status, m, qnet)?;
    let mut spikes = vec![0u8; input.steps() * input.samples() * m.output_size];
    for n in 0..input.samples() {
        let steps: Vec<Vec<u8>> = (0..input.steps())
            .map(|t| input.row(t, n).to_vec())
            .collect();
        let outputs = link.run_sample_values(&steps).map_err(&fail)?;
        let expected_counts = place_events(m, &outputs, n, input.samples(), &mut spikes)?;
        // The device counts on its own: a mismatch means step replies were lost or corrupted.
        let counts: Vec<u32> = link
            .counts()
            .map_err(&fail)?
            .into_iter()
            .map(u32::from)
            .collect();
        if counts != expected_counts {
            return Err(Error::failure(format!(
                "sample {n}: the board's spike counts {counts:?} differ from its step replies {expected_counts:?}"
            )));
        }
        progress(n + 1);
    }
    Ok(BoardRun {
        t: input.steps(),
        n: input.samples(),
        o: m.output_size,
        spikes,
    })
}

/// The output layer's spikes (counts for a spike-count layer) of the integer model,
/// `[T][N][O]`; the input is graded when the network's `input_bits` > 1.
pub fn model_outputs(qnet: &QNet, input: &SpikeSteps) -> Result<Vec<u8>> {
    let steps = input
        .with_bits(qnet.input_bits.max(1))
        .map_err(Error::input)?;
    let trace = spikeloom_qnet::eval(qnet, &steps).map_err(Error::failure)?;
    Ok(trace.layers[qnet.output_layer].spikes.clone())
}

/// The board's output spikes against the integer model's: what agreed, or a failure naming
/// the first sample, step and neuron that differ.
pub fn check_against_model(qnet: &QNet, input: &SpikeSteps, out: &BoardRun) -> Result<String> {
    let want = model_outputs(qnet, input)?;
    match (0..want.len()).find(|&i| out.spikes.get(i) != Some(&want[i])) {
        None => Ok(format!(
            "board == integer model: all {} output spikes identical",
            want.len()
        )),
        Some(i) => {
            let row = i / out.o.max(1);
            Err(Error::failure(format!(
                "the board's output differs from the integer model at sample {} step {} neuron {}: \
                 board {}, model {}",
                row % out.n.max(1),
                row / out.n.max(1),
                i % out.o.max(1),
                out.spikes.get(i).copied().unwrap_or(0),
                want[i]
            )))
        }
    }
}

/// Write the board's output spikes `[T, N, O]` to a `.npz`.
pub fn write_spikes(out: &BoardRun, path: &Path) -> Result<()> {
    let spikes = NpyArray {
        shape: vec![out.t, out.n, out.o],
        data: NpyData::U8(out.spikes.clone()),
    };
    write_npz(path, &[("spikes", &spikes)])
        .map_err(|e| Error::failure(format!("writing {}: {e}", path.display())))
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
