//! `spikeloom run`: stream input samples through a programmed board over its UART host link,
//! print the same summary as `simulate`, and check every output spike against the integer
//! model the design was generated from (`DIR/model.q.json`).
//!
//! Inputs: `--input` sends every step (spike bitmaps, or one value byte per feature for a
//! graded-input design: `QNet::input_bits` > 1); `--pixels` sends pixel values once per sample
//! (RUN_PIXELS): the board rate-encodes them on chip and the golden model runs on
//! `spikeloom_hostlink::rate_encode` of the same pixels; `--values` sends input values once per
//! sample (RUN_VALUES): the board feeds them at every one of `--steps` steps (a "direct current"
//! input, as the graded fixture's). Spike-count outputs (`QFire::Count`) come back as counts and
//! are compared as counts.

use crate::CliError;
use anyhow::anyhow;
use clap::Args;
use spikeloom_hostlink::{open_serial, Link, LinkError, OutEvent, SampleRun};
use spikeloom_npy::{write_npz, NpyArray, NpyData};
use spikeloom_pipeline::design::{Manifest, MANIFEST, QNET_FILE};
use spikeloom_pipeline::input::{accuracy, load_labels, load_steps, ModelInput, Spikes, Values};
use spikeloom_qnet::{QNet, SpikeSteps};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Directory written by `spikeloom build` (or `generate`) for the programmed bitstream.
    pub dir: PathBuf,
    /// Serial port of the board's host link (e.g. /dev/ttyUSB1).
    #[arg(long)]
    pub port: String,
    /// Input `.npy` (or `x.npz:name`), time-major `[T, N, *shape]` / `[T, N, F]` (or without
    /// N), any bool/int/float dtype: 0/1 spikes, or for a graded-input design values
    /// 0..2^input_bits-1 (sent every step).
    #[arg(long, required_unless_present_any = ["pixels", "values"], conflicts_with_all = ["pixels", "values"])]
    pub input: Option<PathBuf>,
    /// Pixel values `.npy` `[N, F]` / `[N, *shape]` (or one sample), integers 0..255: the board
    /// rate-encodes them on chip (spike = LFSR byte < pixel, PROTOCOL.md), so only F bytes per
    /// sample cross the link.
    #[arg(long, conflicts_with = "values")]
    pub pixels: Option<PathBuf>,
    /// Input values `.npy` `[N, F]` / `[N, *shape]` (or one sample), 0..2^input_bits-1: the
    /// board feeds the same values at every one of --steps steps (RUN_VALUES; graded "direct
    /// current" input).
    #[arg(long)]
    pub values: Option<PathBuf>,
    /// Time steps per sample with --pixels or --values [default: 25].
    #[arg(long)]
    pub steps: Option<u16>,
    /// LFSR seed of the first sample with --pixels; sample n uses seed + n (mod 65536)
    /// [default: 1].
    #[arg(long, requires = "pixels")]
    pub seed: Option<u16>,
    /// With --pixels or --values: also return every step's outputs (checked spike by spike;
    /// more traffic).
    #[arg(long)]
    pub per_step: bool,
    /// Class labels `.npy` `[N]`: print accuracy (spike-count argmax of the output layer).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Baud rate [default: the one the design was built for (`spikeloom.json`): the fastest the
    /// board's bridge makes exactly at the design clock, unless `build --baud` chose another];
    /// must match the bitstream's UART divider.
    #[arg(long)]
    pub baud: Option<u32>,
    /// How long to wait for each reply, milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub timeout_ms: u64,
    /// Write `spikes` `[T, N, O]` uint8 (the board's output spikes; spike counts for a
    /// spike-count output layer) to this `.npz`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

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
        let mut counts = vec![vec![0u32; self.o]; self.n];
        for (i, &s) in self.spikes.iter().enumerate() {
            counts[(i / self.o) % self.n][i % self.o] += u32::from(s);
        }
        counts
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

/// Run the command.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let on_chip = match (&args.pixels, &args.values) {
        (Some(_), _) => Some(OnChip::Pixels),
        (None, Some(_)) => Some(OnChip::Values),
        (None, None) => None,
    };
    if on_chip.is_none() && (args.steps.is_some() || args.per_step) {
        return Err(CliError::input(anyhow!(
            "--steps and --per-step apply to --pixels and --values only (--input carries its own steps)"
        )));
    }
    if args.seed.is_some() && args.pixels.is_none() {
        return Err(CliError::input(anyhow!(
            "--seed applies to --pixels only (the on-chip rate encoder's LFSR)"
        )));
    }
    let (manifest, qnet) = load_design(&args.dir)?;
    let weights = crate::run_weights::load_weights_file(&args.dir, &manifest)?;
    let rows = match (&args.pixels, &args.values) {
        (Some(p), _) => Some(load_pixels(p, &qnet)?),
        (None, Some(p)) => Some(load_values(p, &qnet)?),
        (None, None) => None,
    };
    let (steps, seed) = (args.steps.unwrap_or(25), args.seed.unwrap_or(1));
    let input = match (&args.input, &rows, on_chip) {
        (_, Some(px), Some(OnChip::Pixels)) => pixel_spikes(px, usize::from(steps), seed),
        (_, Some(v), _) => value_spikes(v, usize::from(steps)),
        (Some(path), None, _) => load_steps(path, &spikeloom_pipeline::model::qnet_input(&qnet))
            .map_err(CliError::input)?,
        (None, None, _) => {
            return Err(CliError::input(anyhow!(
                "pass --input, --pixels or --values"
            )))
        }
    };
    let labels = args
        .labels
        .as_ref()
        .map(|p| load_labels(p, input.n))
        .transpose()?;
    let baud = args.baud.unwrap_or(manifest.baud);
    if baud != manifest.baud {
        return Err(CliError::input(anyhow!(
            "--baud {baud} differs from the {} baud the bitstream in {} was built for (its UART \
             divider is fixed); rebuild with `--baud {baud}` or drop --baud",
            manifest.baud,
            args.dir.display()
        )));
    }
    let port = open_serial(&args.port, baud, Duration::from_millis(args.timeout_ms)).map_err(|e| {
        CliError::input(anyhow!(
            "cannot open serial port {}: {e}; check the device name (ls /dev/ttyUSB* /dev/ttyACM*) and permissions",
            args.port
        ))
    })?;
    let mut link = Link::new(port);
    // a design whose weights are loaded at start-up: the board must hold this image first
    crate::run_weights::ensure_weights(&mut link, &manifest, weights.as_ref())?;
    let started = Instant::now();
    let mut counter = crate::progress::Counter::new("run", input.n as u64, "samples");
    let mut progress = |done: usize| counter.set(done as u64);
    if let (Some(rows), Some(mode)) = (&rows, on_chip) {
        let opts = PixelOptions {
            steps,
            seed,
            per_step: args.per_step,
        };
        let got = match mode {
            OnChip::Pixels => {
                run_pixels_on_link(&mut link, &manifest, &qnet, rows, &opts, &mut progress)?
            }
            OnChip::Values => {
                run_values_on_link(&mut link, &manifest, &qnet, rows, &opts, &mut progress)?
            }
        };
        for note in link.notes() {
            eprintln!("warning: host link: {note}");
        }
        let (up, down) = match mode {
            OnChip::Pixels => pixel_frame_bytes(&manifest),
            OnChip::Values => values_frame_bytes(&manifest),
        };
        println!(
            "host link: {up} bytes up + {down} bytes down per sample ({:.2} ms at {baud} baud)",
            (up + down) as f64 * 10e3 / f64::from(baud)
        );
        return match got.spikes {
            Some(out) => {
                summary(&out, labels.as_deref(), started.elapsed());
                if let Some(path) = &args.out {
                    write_spikes(&out, path)?;
                    println!("wrote {}", path.display());
                }
                check_against_model(&qnet, &input, &out)
            }
            None => {
                if args.out.is_some() {
                    return Err(CliError::input(anyhow!(
                        "--out needs per-step outputs with --pixels/--values: add --per-step"
                    )));
                }
                println!(
                    "engine board ({}): {} steps x {} samples, {} output neurons ({:.1} s)",
                    match mode {
                        OnChip::Pixels => "on-chip rate encoder",
                        OnChip::Values => "on-chip constant values",
                    },
                    input.t,
                    input.n,
                    manifest.output_size,
                    started.elapsed().as_secs_f64()
                );
                if let Some(labels) = labels.as_deref() {
                    println!(
                        "accuracy {:.2}% (spike-count argmax, {} samples)",
                        100.0 * accuracy(&got.counts, labels),
                        input.n
                    );
                }
                check_counts_against_model(&qnet, &input, &got.counts)
            }
        };
    }
    let out = run_on_link(&mut link, &manifest, &qnet, &input, &mut progress)?;
    for note in link.notes() {
        eprintln!("warning: host link: {note}");
    }
    summary(&out, labels.as_deref(), started.elapsed());
    if let Some(path) = &args.out {
        write_spikes(&out, path)?;
        println!("wrote {}", path.display());
    }
    check_against_model(&qnet, &input, &out)
}

/// Pixel samples `[N][F]` row-major (also the value rows of `--values`).
pub type Pixels = spikeloom_pipeline::input::Rows;

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
pub fn load_pixels(path: &Path, qnet: &QNet) -> Result<Pixels, CliError> {
    let shape = spikeloom_pipeline::model::qnet_input(qnet).shape;
    spikeloom_pipeline::input::load_rows(
        path,
        &ModelInput {
            shape,
            values: Values::Any,
        },
    )
    .map_err(CliError::input)
}

/// Read RUN_VALUES input values (shapes as pixels) and check they fit the design's `input_bits`.
pub fn load_values(path: &Path, qnet: &QNet) -> Result<Pixels, CliError> {
    spikeloom_pipeline::input::load_rows(path, &spikeloom_pipeline::model::qnet_input(qnet))
        .map_err(CliError::input)
}

/// The spikes the board's encoder generates, time-major `[T][N][F]` like `--input`.
pub fn pixel_spikes(px: &Pixels, steps: usize, seed: u16) -> Spikes {
    let mut data = vec![0u8; steps * px.n * px.f];
    for n in 0..px.n {
        let row = &px.data[n * px.f..][..px.f];
        let spikes = spikeloom_hostlink::rate_encode(row, steps, sample_seed(seed, n));
        for t in 0..steps {
            data[(t * px.n + n) * px.f..][..px.f].copy_from_slice(&spikes[t * px.f..][..px.f]);
        }
    }
    Spikes {
        t: steps,
        n: px.n,
        f: px.f,
        data,
    }
}

/// The input RUN_VALUES feeds: every sample's values at each of `steps` steps, `[T][N][F]`.
pub fn value_spikes(v: &Pixels, steps: usize) -> Spikes {
    Spikes {
        t: steps,
        n: v.n,
        f: v.f,
        data: v.data.repeat(steps),
    }
}

/// Bytes host -> device and device -> host for one RUN_PIXELS sample (without per-step frames).
pub fn pixel_frame_bytes(m: &Manifest) -> (usize, usize) {
    (5 + 5 + m.input_size, 5 + 2 * m.output_size)
}

/// Bytes host -> device and device -> host for one RUN_VALUES sample (without per-step frames).
pub fn values_frame_bytes(m: &Manifest) -> (usize, usize) {
    (5 + 3 + m.input_size, 5 + 2 * m.output_size)
}

/// What the board returned for pixel (or value) samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelBoardRun {
    /// Spike counts per sample and output neuron.
    pub counts: Vec<Vec<u32>>,
    /// Per-step outputs (with `per_step`).
    pub spikes: Option<BoardRun>,
}

fn link_failure(m: &Manifest) -> impl Fn(LinkError) -> CliError + '_ {
    move |e| match e {
        LinkError::ValueTooWide { .. } | LinkError::Encode(_) => {
            CliError::input(anyhow!("board `{}`: {e}", m.board))
        }
        e => CliError::failure(anyhow!("board `{}`: {e}", m.board)),
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
) -> Result<(), CliError> {
    let status = link.status().map_err(link_failure(m))?;
    check_status(&status, m, qnet)?;
    if status.version < version {
        return Err(CliError::failure(anyhow!(
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
) -> Result<PixelBoardRun, CliError> {
    let fail = link_failure(m);
    require_protocol(link, m, qnet, 2, "no on-chip encoder (RUN_PIXELS needs version 2); rebuild and reprogram the bitstream, or send spikes with --input")?;
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
) -> Result<PixelBoardRun, CliError> {
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
    mut one: impl FnMut(usize, &[u8]) -> Result<SampleRun, CliError>,
) -> Result<PixelBoardRun, CliError> {
    if opts.steps == 0 {
        return Err(CliError::input(anyhow!("--steps must be at least 1")));
    }
    let t = usize::from(opts.steps);
    let mut counts = Vec::with_capacity(px.n);
    let mut spikes = vec![0u8; t * px.n * m.output_size];
    for n in 0..px.n {
        let row = &px.data[n * px.f..][..px.f];
        let got = one(n, row)?;
        if got.counts.len() != m.output_size {
            return Err(CliError::failure(anyhow!(
                "sample {n}: the board sent {} counts for {} outputs",
                got.counts.len(),
                m.output_size
            )));
        }
        let c: Vec<u32> = got.counts.iter().map(|&c| u32::from(c)).collect();
        if let Some(outputs) = &got.outputs {
            let from_steps = place_events(m, outputs, n, px.n, &mut spikes)?;
            if from_steps != c {
                return Err(CliError::failure(anyhow!(
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
) -> Result<Vec<u32>, CliError> {
    let mut counts = vec![0u32; m.output_size];
    for (step, events) in outputs.iter().enumerate() {
        for e in events {
            let o = e.index as usize;
            if o >= m.output_size {
                return Err(CliError::failure(anyhow!(
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
fn check_status(
    status: &spikeloom_hostlink::Status,
    m: &Manifest,
    qnet: &QNet,
) -> Result<(), CliError> {
    if (
        usize::from(status.input_size),
        usize::from(status.output_size),
    ) != (m.input_size, m.output_size)
    {
        return Err(CliError::failure(anyhow!(
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
        return Err(CliError::failure(anyhow!(
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

/// Exit 1 when the board's per-sample spike counts differ from the integer model's.
fn check_counts_against_model(
    qnet: &QNet,
    input: &Spikes,
    counts: &[Vec<u32>],
) -> Result<(), CliError> {
    let want = model_counts(qnet, input)?;
    match (0..want.len()).find(|&n| counts.get(n) != Some(&want[n])) {
        None => {
            println!(
                "board == integer model: spike counts of all {} samples identical",
                want.len()
            );
            Ok(())
        }
        Some(n) => Err(CliError::failure(anyhow!(
            "the board's spike counts differ from the integer model at sample {n}: board {:?}, model {:?}",
            counts.get(n),
            want[n]
        ))),
    }
}

/// The integer model's output spike counts per sample (saturating at 65535 like the device).
pub fn model_counts(qnet: &QNet, input: &Spikes) -> Result<Vec<Vec<u32>>, CliError> {
    let spikes = model_outputs(qnet, input)?;
    let o = spikes.len() / (input.t * input.n).max(1);
    let mut counts = vec![vec![0u32; o]; input.n];
    for (i, &s) in spikes.iter().enumerate() {
        let c = &mut counts[(i / o) % input.n][i % o];
        *c = (*c + u32::from(s)).min(65535);
    }
    Ok(counts)
}

/// Read the manifest and the integer network of a design directory.
pub fn load_design(dir: &Path) -> Result<(Manifest, QNet), CliError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|e| {
            CliError::input(anyhow!(
                "cannot read {}: {e}; pass the directory written by `spikeloom build`",
                path.display()
            ))
        })
    };
    let manifest: Manifest = serde_json::from_str(&read(MANIFEST)?)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", dir.join(MANIFEST).display())))?;
    let qnet = QNet::from_json_str(&read(QNET_FILE)?)
        .map_err(|e| CliError::input(anyhow!("{}: {e}", dir.join(QNET_FILE).display())))?;
    Ok((manifest, qnet))
}

/// Check the device runs this design, then stream every sample (reset, steps, counts): spike
/// bitmaps for a binary-input design, one value byte per feature for a graded one.
pub fn run_on_link<T: Read + Write>(
    link: &mut Link<T>,
    m: &Manifest,
    qnet: &QNet,
    input: &Spikes,
    progress: &mut dyn FnMut(usize),
) -> Result<BoardRun, CliError> {
    let fail = link_failure(m);
    let status = link.status().map_err(&fail)?;
    check_status(&status, m, qnet)?;
    let mut spikes = vec![0u8; input.t * input.n * m.output_size];
    for n in 0..input.n {
        let steps: Vec<Vec<u8>> = (0..input.t).map(|t| input.step(t, n).to_vec()).collect();
        let outputs = link.run_sample_values(&steps).map_err(&fail)?;
        let expected_counts = place_events(m, &outputs, n, input.n, &mut spikes)?;
        // The device counts on its own: a mismatch means step replies were lost or corrupted.
        let counts: Vec<u32> = link
            .counts()
            .map_err(&fail)?
            .into_iter()
            .map(u32::from)
            .collect();
        if counts != expected_counts {
            return Err(CliError::failure(anyhow!(
                "sample {n}: the board's spike counts {counts:?} differ from its step replies {expected_counts:?}"
            )));
        }
        progress(n + 1);
    }
    Ok(BoardRun {
        t: input.t,
        n: input.n,
        o: m.output_size,
        spikes,
    })
}

/// The output layer's spikes (counts for a spike-count layer) of the integer model,
/// `[T][N][O]`; the input is graded when the network's `input_bits` > 1.
pub fn model_outputs(qnet: &QNet, input: &Spikes) -> Result<Vec<u8>, CliError> {
    let steps = SpikeSteps::graded(
        input.t,
        input.n,
        input.f,
        input.data.clone(),
        qnet.input_bits.max(1),
    )
    .map_err(CliError::input)?;
    let trace = spikeloom_qnet::eval(qnet, &steps).map_err(CliError::failure)?;
    Ok(trace.layers[qnet.output_layer].spikes.clone())
}

/// Exit 1 when the board's spikes differ from the integer model's.
fn check_against_model(qnet: &QNet, input: &Spikes, out: &BoardRun) -> Result<(), CliError> {
    let want = model_outputs(qnet, input)?;
    match (0..want.len()).find(|&i| out.spikes.get(i) != Some(&want[i])) {
        None => {
            println!(
                "board == integer model: all {} output spikes identical",
                want.len()
            );
            Ok(())
        }
        Some(i) => {
            let row = i / out.o.max(1);
            Err(CliError::failure(anyhow!(
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

/// The `simulate`-style summary.
fn summary(out: &BoardRun, labels: Option<&[i64]>, took: Duration) {
    let total: u64 = out.spikes.iter().map(|&s| u64::from(s)).sum();
    println!(
        "engine board: {} steps x {} samples, {} output neurons, {total} output spikes ({:.1} s)",
        out.t,
        out.n,
        out.o,
        took.as_secs_f64()
    );
    if let Some(labels) = labels {
        println!(
            "accuracy {:.2}% (spike-count argmax, {} samples)",
            100.0 * accuracy(&out.counts(), labels),
            out.n
        );
    }
}

fn write_spikes(out: &BoardRun, path: &Path) -> Result<(), CliError> {
    let spikes = NpyArray {
        shape: vec![out.t, out.n, out.o],
        data: NpyData::U8(out.spikes.clone()),
    };
    write_npz(path, &[("spikes", &spikes)])
        .map_err(|e| CliError::failure(anyhow!("writing {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    //! `run_on_link` against the generated design inside the real board top (UART, framing,
    //! bridge) simulated in Icarus with a bit-level UART testbench: the device bytes are
    //! recorded, then replayed to the host code. Skipped without iverilog unless
    //! SPIKELOOM_REQUIRE_TOOLS=1.

    use super::*;
    use crate::args::{Cli, Command as CliCommand};
    use clap::Parser;
    use spikeloom_hostlink::Command;
    use spikeloom_pipeline::design::{write, Design, BOARD_DIR, RTL_DIR};
    use spikeloom_plan::{LoadState, WeightImage};
    use spikeloom_toolchain::process::{find_program, run, ToolCommand};
    use std::fmt::Write as _;

    const CLK_HZ: u32 = 8_000_000;
    const BAUD: u32 = 1_000_000;

    /// Bit-level UART testbench around `spikeloom_board_top` (script: `B xx` send a byte,
    /// `Q k` wait for k device frames, `W n` idle n cycles); every device byte is written as a
    /// hex line. A design with a weight loader gets the SPI flash model (`+flash=` its image).
    fn testbench(m: &Manifest, iface: &spikeloom_plan::TopInterface) -> String {
        let (loader, flash) = match iface.loader {
            Some(l) => (
                format!(", .HAS_LOADER(1), .IMAGE_CRC(32'h{:08x})", l.image_crc),
                format!(
                    "  sl_spi_flash #(.BASE(24'h{:06x}), .SIZE({}), .TRES_CYCLES({})) flash (\n    .clk(clk), .csn(csn), .sck(sck), .mosi(mosi), .miso(miso));\n",
                    l.flash_offset, l.image_bytes, l.tres_cycles
                ),
            ),
            None => (String::new(), "  assign miso = 1'b1;\n".to_string()),
        };
        format!(
            r#"module tb_run;
  localparam integer BIT = {bit};
  reg clk = 0;
  always #5 clk = ~clk;
  reg rx = 1'b1;
  wire tx;
  wire [2:0] led;
  wire csn, sck, mosi, miso;
{flash}  spikeloom_board_top #(.CLK_HZ({CLK_HZ}), .BAUD({BAUD}), .IN_SIZE({ins}), .OUT_SIZE({outs}),
    .IN_W({in_w}), .OUT_W({out_w}), .IN_VALUE_W({ivw}), .OUT_VALUE_W({ovw}), .N_LEDS(3),
    .LED_INVERT(3'b000), .TIMEOUT(100000){loader})
    dut (.clk(clk), .locked(1'b1), .uart_rx(rx), .uart_tx(tx), .led(led), .flash_csn(csn), .flash_sck(sck),
    .flash_mosi(mosi), .flash_miso(miso));
  integer script, out, cyc_log, r, i, j, n, frames = 0, state = 0, left = 0;
  integer cycle = 0;
  always @(posedge clk) cycle = cycle + 1;
  reg [8*4-1:0] op;
  reg [31:0] arg;
  reg [7:0] b;
  task send(input [7:0] v);
    begin
      rx = 0; repeat (BIT) @(posedge clk);
      for (i = 0; i < 8; i = i + 1) begin rx = v[i]; repeat (BIT) @(posedge clk); end
      rx = 1; repeat (BIT) @(posedge clk);
    end
  endtask
  initial forever begin
    @(negedge tx);
    repeat (BIT / 2) @(posedge clk);
    for (j = 0; j < 8; j = j + 1) begin repeat (BIT) @(posedge clk); b[j] = tx; end
    repeat (BIT) @(posedge clk);
    $fdisplay(out, "%02x", b);
    case (state)
      0: if (b == 8'hA5) state = 1;
      1: state = 2;
      2: begin left = b; state = 3; end
      3: begin left = left + 256 * b; state = (left == 0) ? 5 : 4; end
      4: begin left = left - 1; if (left == 0) state = 5; end
      default: begin frames = frames + 1; state = 0; $fdisplay(cyc_log, "F %0d", cycle); end
    endcase
  end
  initial begin
    script = $fopen("script.txt", "r");
    out = $fopen("device.hex", "w");
    cyc_log = $fopen("cycles.txt", "w");
    repeat (64) @(posedge clk);
    while (!$feof(script)) begin
      r = $fscanf(script, "%s %h\n", op, arg);
      if (r == 2 && op == "B") send(arg[7:0]);
      if (r == 2 && op == "W") repeat (arg) @(posedge clk);
      if (r == 2 && op == "Q") begin
        $fdisplay(cyc_log, "S %0d", cycle);
        n = 0;
        while (frames < arg && n < 1000000) begin @(posedge clk); n = n + 1; end
        if (frames < arg) begin $display("tb_run: timeout"); $fclose(out); $finish; end
      end
    end
    repeat (20 * BIT) @(posedge clk);
    $fclose(out);
    $fclose(cyc_log);
    $finish;
  end
endmodule
"#,
            bit = CLK_HZ / BAUD,
            ins = m.input_size,
            outs = m.output_size,
            in_w = iface.in_w,
            out_w = iface.out_w,
            ivw = iface.in_value_w,
            ovw = iface.out_value_w,
        )
    }

    /// What `run_on_link` sends, one command per expected reply frame: bitmap STEPs, or for a
    /// `graded` design value STEPs.
    fn commands(input: &Spikes, input_size: usize, graded: bool) -> Vec<Command> {
        let mut cmds = vec![Command::Status];
        for n in 0..input.n {
            cmds.push(Command::Reset);
            for t in 0..input.t {
                let row = input.step(t, n);
                if graded {
                    cmds.push(Command::StepValues {
                        values: row.to_vec(),
                    });
                    continue;
                }
                let events = (0u32..)
                    .zip(row)
                    .filter(|(_, &s)| s != 0)
                    .map(|(i, _)| i)
                    .collect();
                cmds.push(Command::Step { input_size, events });
            }
            cmds.push(Command::Counts);
        }
        cmds
    }

    /// Script lines sending `c` and waiting for `replies` more device frames (`frames` counts
    /// them all).
    fn push_command(script: &mut String, frames: &mut usize, c: &Command, replies: usize) {
        for b in c.encode().unwrap() {
            let _ = writeln!(script, "B {b:02x}");
        }
        *frames += replies;
        let _ = writeln!(script, "Q {frames:x}");
    }

    /// The host bytes of a script.
    fn script_bytes(script: &str) -> Vec<u8> {
        script
            .lines()
            .filter_map(|l| l.strip_prefix("B "))
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    /// iverilog and vvp, or `None` (skip) when not installed and not required.
    fn icarus() -> Option<(PathBuf, PathBuf)> {
        match (
            find_program(Path::new("iverilog")),
            find_program(Path::new("vvp")),
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => {
                assert!(
                    std::env::var("SPIKELOOM_REQUIRE_TOOLS").as_deref() != Ok("1"),
                    "iverilog/vvp required"
                );
                println!("skipped: iverilog not installed");
                None
            }
        }
    }

    /// Device bytes in, host bytes out, one byte per read like a slow serial port.
    struct Replay {
        device: std::io::Cursor<Vec<u8>>,
        sent: Vec<u8>,
    }

    impl Read for Replay {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(1);
            self.device.read(&mut buf[..n])
        }
    }

    impl Write for Replay {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.sent.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn sources(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "v"))
            .map(|p| p.display().to_string())
            .collect();
        v.sort();
        v
    }

    /// Simulate the board top around the design in `dir` on a script; returns the device bytes
    /// and the cycle log (`S c`: host done sending before a wait, `F c`: device frame done).
    fn simulate_board(
        dir: &Path,
        design: &Design,
        script: &str,
        iverilog: PathBuf,
        vvp: PathBuf,
    ) -> (Vec<u8>, String) {
        simulate_board_flash(dir, design, script, iverilog, vvp, None)
    }

    /// As [`simulate_board`]; a design with a weight loader reads `flash` (`None`: erased).
    fn simulate_board_flash(
        dir: &Path,
        design: &Design,
        script: &str,
        iverilog: PathBuf,
        vvp: PathBuf,
        flash: Option<&[u8]>,
    ) -> (Vec<u8>, String) {
        let iface = design.plan.top_interface();
        let sim = dir.join("sim");
        std::fs::create_dir_all(&sim).unwrap();
        std::fs::write(dir.join(RTL_DIR).join("script.txt"), script).unwrap();
        std::fs::write(sim.join("tb_run.v"), testbench(&design.manifest, &iface)).unwrap();
        let mut args: Vec<String> = ["-g2005", "-o", "tb.vvp", "-s", "tb_run", "tb_run.v"]
            .map(String::from)
            .to_vec();
        args.extend(sources(&dir.join(RTL_DIR)));
        args.extend(sources(&dir.join(BOARD_DIR)));
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        args.push(root.join("sim/sl_spi_flash.v").display().to_string());
        let cmd = |program: PathBuf, args: Vec<String>, cwd: PathBuf| ToolCommand {
            step: "icarus".into(),
            program,
            args,
            cwd,
            log: None,
        };
        run(&cmd(iverilog, args, sim.clone())).unwrap();
        let mut vvp_args = vec!["-n".into(), sim.join("tb.vvp").display().to_string()];
        if let Some(bytes) = flash {
            let hex = sim.join("flash.hex");
            std::fs::write(&hex, spikeloom_plan::flash_hex(bytes)).unwrap();
            vvp_args.push(format!("+flash={}", hex.display()));
        }
        let log = run(&cmd(vvp, vvp_args, dir.join(RTL_DIR))).unwrap();
        assert!(!log.stdout.contains("tb_run:"), "{}", log.stdout);
        let hex = std::fs::read_to_string(dir.join(RTL_DIR).join("device.hex")).unwrap();
        let device = hex
            .lines()
            .map(|l| u8::from_str_radix(l.trim(), 16).unwrap())
            .collect();
        let cycles = std::fs::read_to_string(dir.join(RTL_DIR).join("cycles.txt")).unwrap();
        (device, cycles)
    }

    /// Generate the digits MLP fixture for the iCEBreaker into `dir`.
    fn digits_design(dir: &Path) -> Design {
        generated(dir, "tests/fixtures/models/mlp_subtract/model.nir", &[])
    }

    /// `spikeloom generate MODEL --board icebreaker EXTRA.. -o dir` (model relative to the
    /// workspace root), in memory and written to `dir`.
    fn generated(dir: &Path, model: &str, extra: &[&str]) -> Design {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let model = root.join(model).display().to_string();
        let out = dir.display().to_string();
        let mut argv = vec!["spikeloom", "generate", &model, "--board", "icebreaker"];
        argv.extend_from_slice(extra);
        argv.extend_from_slice(&["-o", &out]);
        let cli = Cli::parse_from(argv);
        let CliCommand::Generate(g) = cli.command else {
            unreachable!()
        };
        let design = crate::config::session(&g.model, Some(&g.quant))
            .unwrap()
            .with_hw(g.hw.config())
            .into_design()
            .unwrap();
        write(&design, dir).unwrap();
        design
    }

    #[test]
    fn run_pixels_encodes_on_chip_like_rate_encode() {
        let (Some(iverilog), Some(vvp)) = (
            find_program(Path::new("iverilog")),
            find_program(Path::new("vvp")),
        ) else {
            assert!(
                std::env::var("SPIKELOOM_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "iverilog/vvp required"
            );
            println!("skipped: iverilog not installed");
            return;
        };
        let dir = std::env::temp_dir().join(format!("spikeloom-cli-runpx-{}", std::process::id()));
        let design = digits_design(&dir);
        let m = &design.manifest;
        // Pixels from the fixture's rate-coded digits: firing rate x 256 (the fixture was coded
        // with rate pixel/16), 3 samples.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let full = load_steps(
            &root.join("tests/fixtures/models/mlp_subtract/input.npy"),
            &ModelInput::flat(m.input_size, Values::Binary),
        )
        .unwrap();
        let n = 3;
        let mut data = vec![0u8; n * full.f];
        for s in 0..n {
            for i in 0..full.f {
                let c: usize = (0..full.t)
                    .map(|t| usize::from(full.data[(t * full.n + s) * full.f + i]))
                    .sum();
                data[s * full.f + i] = (c * 256 / full.t).min(255) as u8;
            }
        }
        let px = Pixels { n, f: full.f, data };
        let steps = 25u16;
        let seed = 40_000;

        // Run twice on the same board: per-step outputs, then counts only (the fast mode).
        let mut script = String::new();
        let mut frames = 0;
        let mut push = |c: &Command, replies: usize, script: &mut String| {
            for b in c.encode().unwrap() {
                let _ = writeln!(script, "B {b:02x}");
            }
            frames += replies;
            let _ = writeln!(script, "Q {frames:x}");
        };
        for per_step in [true, false] {
            push(&Command::Status, 1, &mut script);
            for s in 0..n {
                let c = Command::RunPixels {
                    pixels: px.data[s * px.f..][..px.f].to_vec(),
                    steps,
                    seed: sample_seed(seed, s),
                    per_step,
                };
                push(
                    &c,
                    if per_step { usize::from(steps) + 1 } else { 1 },
                    &mut script,
                );
            }
        }
        let (device, cycles) = simulate_board(&dir, &design, &script, iverilog, vvp);

        let mut link = Link::new(Replay {
            device: std::io::Cursor::new(device),
            sent: Vec::new(),
        });
        let input = pixel_spikes(&px, usize::from(steps), seed);
        let want_spikes = model_outputs(&design.model.qnet, &input).unwrap();
        let want_counts = model_counts(&design.model.qnet, &input).unwrap();
        assert!(want_spikes.contains(&1), "something must spike");
        for per_step in [true, false] {
            let opts = PixelOptions {
                steps,
                seed,
                per_step,
            };
            let got = run_pixels_on_link(&mut link, m, &design.model.qnet, &px, &opts, &mut |_| {})
                .unwrap();
            assert_eq!(got.counts, want_counts, "per_step {per_step}");
            if per_step {
                let out = got.spikes.unwrap();
                assert_eq!(out.spikes, want_spikes);
                check_against_model(&design.model.qnet, &input, &out).unwrap();
            } else {
                assert!(got.spikes.is_none());
                check_counts_against_model(&design.model.qnet, &input, &got.counts).unwrap();
            }
        }
        assert!(link.notes().is_empty(), "{:?}", link.notes());
        assert_eq!(
            link.into_inner().sent,
            script
                .lines()
                .filter_map(|l| l.strip_prefix("B "))
                .map(|b| u8::from_str_radix(b, 16).unwrap())
                .collect::<Vec<_>>()
        );

        // Device time of a counts-only sample: host done sending -> reply frame done, minus the
        // reply's own UART time. Reported for the throughput comparison.
        let log: Vec<(&str, u64)> = cycles
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k, v.parse().unwrap()))
            .collect();
        let bit = u64::from(CLK_HZ / BAUD);
        let (up, down) = pixel_frame_bytes(m);
        let last_s = log.iter().rposition(|(k, _)| *k == "S").unwrap();
        let compute = log[last_s + 1].1 - log[last_s].1 - down as u64 * 10 * bit;
        println!(
            "RUN_PIXELS: {up} B up, {down} B down, {compute} device cycles for {steps} steps \
             ({} cycles/step incl. encoding)",
            compute / u64::from(steps)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn run_streams_samples_through_the_simulated_board() {
        let (Some(iverilog), Some(vvp)) = (
            find_program(Path::new("iverilog")),
            find_program(Path::new("vvp")),
        ) else {
            assert!(
                std::env::var("SPIKELOOM_REQUIRE_TOOLS").as_deref() != Ok("1"),
                "iverilog/vvp required"
            );
            println!("skipped: iverilog not installed");
            return;
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let fixture = root.join("tests/fixtures/models/mlp_subtract");
        let dir = std::env::temp_dir().join(format!("spikeloom-cli-run-{}", std::process::id()));
        let model = fixture.join("model.nir").display().to_string();
        let out = dir.display().to_string();
        let cli = Cli::parse_from([
            "spikeloom",
            "generate",
            &model,
            "--board",
            "icebreaker",
            "-o",
            &out,
        ]);
        let CliCommand::Generate(g) = cli.command else {
            unreachable!()
        };
        let design = crate::config::session(&g.model, Some(&g.quant))
            .unwrap()
            .with_hw(g.hw.config())
            .into_design()
            .unwrap();
        write(&design, &dir).unwrap();

        // Two samples of the fixture, 6 steps each, keep the simulation short.
        let binary = ModelInput::flat(design.manifest.input_size, Values::Binary);
        let full = load_steps(&fixture.join("input.npy"), &binary)
            .unwrap()
            .take_samples(2);
        let t = 6;
        let input = Spikes {
            t,
            n: full.n,
            f: full.f,
            data: full.data[..t * full.n * full.f].to_vec(),
        };

        let cmds = commands(&input, design.manifest.input_size, false);
        let mut script = String::new();
        let mut host_bytes = Vec::new();
        for (k, c) in cmds.iter().enumerate() {
            let frame = c.encode().unwrap();
            for b in &frame {
                let _ = writeln!(script, "B {b:02x}");
            }
            let _ = writeln!(script, "Q {:x}", k + 1);
            host_bytes.extend(frame);
        }
        let (device, _) = simulate_board(&dir, &design, &script, iverilog, vvp);

        let mut link = Link::new(Replay {
            device: std::io::Cursor::new(device),
            sent: Vec::new(),
        });
        let mut done = Vec::new();
        let got = run_on_link(
            &mut link,
            &design.manifest,
            &design.model.qnet,
            &input,
            &mut |n| done.push(n),
        )
        .unwrap();
        assert!(link.notes().is_empty(), "{:?}", link.notes());
        assert_eq!(done, (1..=input.n).collect::<Vec<_>>());
        assert_eq!(
            link.into_inner().sent,
            host_bytes,
            "the host sends exactly the scripted commands"
        );
        // The board's spikes are the integer model's, computed independently by the golden model.
        let want = model_outputs(&design.model.qnet, &input).unwrap();
        assert_eq!(got.spikes, want);
        assert!(
            want.contains(&1),
            "the check is meaningful only if something spikes"
        );
        check_against_model(&design.model.qnet, &input, &got).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The digits MLP with its weights in SPRAM (loaded at start-up) for the iCEBreaker, and
    /// one sample of 4 steps of the fixture's spikes.
    fn loaded_digits(dir: &Path) -> (Design, WeightImage, Spikes) {
        let design = generated(
            dir,
            "tests/fixtures/models/mlp_subtract/model.nir",
            &["--weight-memory", "spram"],
        );
        let image = crate::run_weights::load_weights_file(dir, &design.manifest)
            .unwrap()
            .expect("an SPRAM design has a weight image");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let full = load_steps(
            &root.join("tests/fixtures/models/mlp_subtract/input.npy"),
            &ModelInput::flat(design.manifest.input_size, Values::Binary),
        )
        .unwrap()
        .take_samples(1);
        let t = 4;
        let input = Spikes {
            t,
            n: 1,
            f: full.f,
            data: full.data[..t * full.f].to_vec(),
        };
        (design, image, input)
    }

    /// Replay `device` to `ensure_weights` then `run_on_link`; the board's spikes must be the
    /// integer model's and the host must have sent exactly `host`.
    fn replay_loaded_run(
        design: &Design,
        image: &WeightImage,
        input: &Spikes,
        device: Vec<u8>,
        host: &[u8],
    ) {
        let mut link = Link::new(Replay {
            device: std::io::Cursor::new(device),
            sent: Vec::new(),
        });
        crate::run_weights::ensure_weights(&mut link, &design.manifest, Some(image)).unwrap();
        let got = run_on_link(
            &mut link,
            &design.manifest,
            &design.model.qnet,
            input,
            &mut |_| {},
        )
        .unwrap();
        assert!(link.notes().is_empty(), "{:?}", link.notes());
        assert_eq!(
            link.into_inner().sent,
            host,
            "the host sends the scripted commands"
        );
        let want = model_outputs(&design.model.qnet, input).unwrap();
        assert_eq!(got.spikes, want);
        assert!(want.contains(&1), "something must spike");
    }

    #[test]
    fn run_loads_the_weights_over_the_link_when_the_flash_has_none() {
        let Some((iverilog, vvp)) = icarus() else {
            return;
        };
        let dir =
            std::env::temp_dir().join(format!("spikeloom-cli-runload-{}", std::process::id()));
        let (design, image, input) = loaded_digits(&dir);
        let w = design.manifest.weights.clone().unwrap();
        // the erased flash fails the power-on load at once (4 bytes of 0xFF); then the host
        // sends the image and the samples
        let mut cmds = vec![Command::Status];
        let bytes = image.to_bytes();
        for (k, part) in bytes.chunks(crate::run_weights::LOAD_CHUNK).enumerate() {
            cmds.push(Command::Load {
                offset: (k * crate::run_weights::LOAD_CHUNK) as u32,
                data: part.to_vec(),
            });
        }
        cmds.push(Command::LoadEnd);
        cmds.extend(commands(&input, design.manifest.input_size, false));
        let (mut script, mut frames) = (String::from("W 800\n"), 0);
        for c in &cmds {
            push_command(&mut script, &mut frames, c, 1);
        }
        let (device, _) = simulate_board_flash(&dir, &design, &script, iverilog, vvp, None);
        assert!(w.bytes == bytes.len() && w.crc32 == image.crc());
        replay_loaded_run(&design, &image, &input, device, &script_bytes(&script));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn run_uses_the_weights_from_the_flash_after_the_board_read_them() {
        let Some((iverilog, vvp)) = icarus() else {
            return;
        };
        let dir =
            std::env::temp_dir().join(format!("spikeloom-cli-runflash-{}", std::process::id()));
        let (design, image, input) = loaded_digits(&dir);
        let w = design.manifest.weights.clone().unwrap();
        // STATUS while the board still reads its flash (state 0): the host asks again later
        let (mut script, mut frames) = (String::new(), 0);
        push_command(&mut script, &mut frames, &Command::Status, 1);
        let _ = writeln!(script, "W {:x}", w.load_cycles + 1000);
        push_command(&mut script, &mut frames, &Command::Status, 1);
        for c in commands(&input, design.manifest.input_size, false) {
            push_command(&mut script, &mut frames, &c, 1);
        }
        let (device, _) = simulate_board_flash(
            &dir,
            &design,
            &script,
            iverilog,
            vvp,
            Some(&image.to_bytes()),
        );
        // the first STATUS says the flash is being read, the second that the image is loaded
        let mut d = spikeloom_hostlink::Decoder::new();
        d.push(&device);
        let states: Vec<u8> = std::iter::from_fn(|| d.next_frame())
            .take(2)
            .map(
                |f| match spikeloom_hostlink::Reply::from_frame(&f.unwrap()).unwrap() {
                    spikeloom_hostlink::Reply::Status(s) => s.load.unwrap().state,
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        assert_eq!(states, [LoadState::Flash.code(), LoadState::Ready.code()]);
        replay_loaded_run(&design, &image, &input, device, &script_bytes(&script));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Deterministic graded values `0..2^bits` (about a third non-zero) for `len` features.
    fn lcg_values(len: usize, bits: u32, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = x >> 33;
                if r.is_multiple_of(3) {
                    (1 + (r / 3) % ((1 << bits) - 1)) as u8
                } else {
                    0
                }
            })
            .collect()
    }

    /// A Sinabs multi-spike MLP quantized with 3-bit graded input: the board takes value STEPs
    /// and RUN_VALUES and answers with spike counts; everything equals the golden evaluator.
    #[test]
    fn graded_values_and_spike_counts_through_the_simulated_board() {
        let Some((iverilog, vvp)) = icarus() else {
            return;
        };
        let dir =
            std::env::temp_dir().join(format!("spikeloom-cli-run-graded-{}", std::process::id()));
        let design = generated(
            &dir,
            "tests/fixtures/exporters/sinabs_lif/model.nir",
            &["--semantics", "sinabs", "--input-bits", "3"],
        );
        let iface = design.plan.top_interface();
        assert_eq!((iface.in_value_w, iface.out_value_w), (3, 3));
        let m = &design.manifest;
        let qnet = &design.model.qnet;
        let f = m.input_size;
        // Per-step values: 2 samples x 5 steps.
        let (t, n) = (5, 2);
        let input = Spikes {
            t,
            n,
            f,
            data: lcg_values(t * n * f, 3, 7),
        };
        // RUN_VALUES: 2 samples x 6 steps.
        let vals = Pixels {
            n: 2,
            f,
            data: lcg_values(2 * f, 3, 11),
        };
        let steps = 6u16;

        let mut script = String::new();
        let mut frames = 0;
        for c in commands(&input, f, true) {
            push_command(&mut script, &mut frames, &c, 1);
        }
        for per_step in [true, false] {
            push_command(&mut script, &mut frames, &Command::Status, 1);
            for s in 0..vals.n {
                let c = Command::RunValues {
                    values: vals.data[s * f..][..f].to_vec(),
                    steps,
                    per_step,
                };
                let replies = if per_step { usize::from(steps) + 1 } else { 1 };
                push_command(&mut script, &mut frames, &c, replies);
            }
        }
        let (device, cycles) = simulate_board(&dir, &design, &script, iverilog, vvp);

        let mut link = Link::new(Replay {
            device: std::io::Cursor::new(device),
            sent: Vec::new(),
        });
        let got = run_on_link(&mut link, m, qnet, &input, &mut |_| {}).unwrap();
        let want = model_outputs(qnet, &input).unwrap();
        assert_eq!(got.spikes, want);
        assert!(
            want.iter().any(|&c| c > 1),
            "the check is meaningful only if some output sends several spikes in one step"
        );
        check_against_model(qnet, &input, &got).unwrap();

        let vinput = value_spikes(&vals, usize::from(steps));
        let want_spikes = model_outputs(qnet, &vinput).unwrap();
        let want_counts = model_counts(qnet, &vinput).unwrap();
        assert!(want_spikes.iter().any(|&c| c > 1));
        for per_step in [true, false] {
            let opts = PixelOptions {
                steps,
                seed: 0,
                per_step,
            };
            let got = run_values_on_link(&mut link, m, qnet, &vals, &opts, &mut |_| {}).unwrap();
            assert_eq!(got.counts, want_counts, "per_step {per_step}");
            match got.spikes {
                Some(out) => {
                    assert!(per_step);
                    assert_eq!(out.spikes, want_spikes);
                    check_against_model(qnet, &vinput, &out).unwrap();
                }
                None => check_counts_against_model(qnet, &vinput, &got.counts).unwrap(),
            }
        }
        assert!(link.notes().is_empty(), "{:?}", link.notes());
        assert_eq!(link.into_inner().sent, script_bytes(&script));

        // Device time of a counts-only RUN_VALUES sample (host done sending -> reply done,
        // minus the reply's UART time), for the throughput notes in PROTOCOL.md.
        let log: Vec<(&str, u64)> = cycles
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k, v.parse().unwrap()))
            .collect();
        let bit = u64::from(CLK_HZ / BAUD);
        let (up, down) = values_frame_bytes(m);
        let last_s = log.iter().rposition(|(k, _)| *k == "S").unwrap();
        let compute = log[last_s + 1].1 - log[last_s].1 - down as u64 * 10 * bit;
        println!("RUN_VALUES: {up} B up, {down} B down, {compute} device cycles for {steps} steps");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The graded snnTorch fixture (pixel values 0..16 as the input current at every step) run
    /// with RUN_VALUES: one frame of 64 values per sample instead of 16 value STEPs.
    #[test]
    fn run_values_feeds_the_graded_fixture() {
        let Some((iverilog, vvp)) = icarus() else {
            return;
        };
        let dir =
            std::env::temp_dir().join(format!("spikeloom-cli-run-values-{}", std::process::id()));
        let design = generated(
            &dir,
            "tests/fixtures/models/graded/model.nir",
            &["--input-bits", "5"],
        );
        let m = &design.manifest;
        let qnet = &design.model.qnet;
        assert_eq!(qnet.input_bits, 5);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let full = load_steps(
            &root.join("tests/fixtures/models/graded/input.npy"),
            &spikeloom_pipeline::model::qnet_input(qnet),
        )
        .unwrap();
        // The fixture feeds the same pixels at every step: step 0 of 3 samples.
        let n = 3;
        let vals = Pixels {
            n,
            f: full.f,
            data: full.data[..n * full.f].to_vec(),
        };
        assert!(vals.data.iter().any(|&v| v > 1));
        let steps = full.t as u16;
        let mut script = String::new();
        let mut frames = 0;
        for per_step in [false, true] {
            push_command(&mut script, &mut frames, &Command::Status, 1);
            for s in 0..n {
                let c = Command::RunValues {
                    values: vals.data[s * vals.f..][..vals.f].to_vec(),
                    steps,
                    per_step,
                };
                let replies = if per_step { usize::from(steps) + 1 } else { 1 };
                push_command(&mut script, &mut frames, &c, replies);
            }
        }
        let (device, _) = simulate_board(&dir, &design, &script, iverilog, vvp);
        let mut link = Link::new(Replay {
            device: std::io::Cursor::new(device),
            sent: Vec::new(),
        });
        let vinput = value_spikes(&vals, usize::from(steps));
        // The fixture's own input is the same as RUN_VALUES' repetition.
        assert_eq!(vinput.data, full.take_samples(n).data);
        let want_counts = model_counts(qnet, &vinput).unwrap();
        assert!(want_counts.iter().flatten().any(|&c| c > 0));
        for per_step in [false, true] {
            let opts = PixelOptions {
                steps,
                seed: 0,
                per_step,
            };
            let got = run_values_on_link(&mut link, m, qnet, &vals, &opts, &mut |_| {}).unwrap();
            assert_eq!(got.counts, want_counts);
            if let Some(out) = got.spikes {
                assert_eq!(out.spikes, model_outputs(qnet, &vinput).unwrap());
            }
        }
        assert!(link.notes().is_empty(), "{:?}", link.notes());
        assert_eq!(link.into_inner().sent, script_bytes(&script));
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn msg(e: CliError) -> String {
        format!("{:#}", e.error)
    }

    fn manifest(input_size: usize, output_size: usize) -> Manifest {
        Manifest {
            generator: "test".into(),
            board: "icebreaker".into(),
            family: "ice40".into(),
            device: "up5k".into(),
            clock_hz: 12_000_000,
            baud: 115_200,
            input_size,
            output_size,
            layers: vec![],
            lanes: vec![],
            model_sha256: String::new(),
            qnet_hash: String::new(),
            weights: None,
        }
    }

    #[test]
    fn wrong_bitstream_and_misfit_values_are_refused_with_the_reason() {
        let mut qnet = spikeloom_plan::testing::random_qnet(3);
        qnet.input_bits = 4;
        let m = manifest(qnet.input_size, qnet.layers[qnet.output_layer].size);
        let status = spikeloom_hostlink::Status {
            version: 2,
            error_seen: false,
            overflow: false,
            input_size: m.input_size as u16,
            output_size: m.output_size as u16,
            steps: 0,
            crc_errors: 0,
            other_errors: 0,
            in_value_bits: 1,
            out_value_bits: 1,
            load: None,
        };
        let err = msg(check_status(&status, &m, &qnet).unwrap_err());
        assert!(
            err.contains("takes binary input spikes and sends binary output spikes (it speaks host protocol version 2")
                && err.contains("built for 4-bit input values"),
            "{err}"
        );
        qnet.input_bits = 1;
        check_status(&status, &m, &qnet).unwrap();

        let dir =
            std::env::temp_dir().join(format!("spikeloom-cli-run-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.npy");
        let array = NpyArray {
            shape: vec![2, 1, 3],
            data: NpyData::U8(vec![0, 15, 3, 1, 16, 0]),
        };
        std::fs::write(&path, spikeloom_npy::write_npy_bytes(&array)).unwrap();
        let steps = |bits| {
            load_steps(&path, &ModelInput::flat(3, Values::for_bits(bits))).map_err(CliError::input)
        };
        let err = msg(steps(4).unwrap_err());
        assert!(
            err.ends_with(
                "x.npy: 1 value is not valid: this design takes 4-bit graded input values \
                 (integers 0..=15); the first is 16 at index [1, 0, 1] (step 1, sample 0, feature \
                 1). Scale the data, or re-quantize with a larger --input-bits (and rebuild)"
            ),
            "{err}"
        );
        assert_eq!(steps(5).unwrap().data[4], 16);
        let err = msg(steps(1).unwrap_err());
        assert!(
            err.contains("3 values are not valid: this design takes binary spikes (0/1; its input is 1 bit); the first is 15 at index [0, 0, 1]"),
            "{err}"
        );
        let rows = NpyArray {
            shape: vec![2, 3],
            data: NpyData::U8(vec![0, 1, 2, 3, 4, 5]),
        };
        std::fs::write(&path, spikeloom_npy::write_npy_bytes(&rows)).unwrap();
        let rows = |bits| {
            spikeloom_pipeline::input::load_rows(
                &path,
                &ModelInput::flat(3, Values::for_bits(bits)),
            )
            .map_err(CliError::input)
        };
        let err = msg(rows(2).unwrap_err());
        assert!(
            err.contains("2 values are not valid: this design takes 2-bit graded input values (integers 0..=3); the first is 4 at index [1, 1] (sample 1, feature 1)"),
            "{err}"
        );
        let v = rows(3).unwrap();
        assert_eq!(
            value_spikes(&v, 2).data,
            [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
