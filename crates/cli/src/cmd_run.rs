//! `spikeloom run`: stream input samples through a programmed board over its UART host link,
//! print the same summary as `simulate`, and check every output spike against the integer
//! model the design was generated from (`DIR/model.q.json`). The session itself (inputs, the
//! link protocol, the checks) is `spikeloom_pipeline::board`; `--input` sends every step,
//! `--pixels` (RUN_PIXELS) and `--values` (RUN_VALUES) one frame per sample.

use crate::CliError;
use anyhow::anyhow;
use clap::Args;
use spikeloom_hostlink::{open_serial, Link};
use spikeloom_pipeline::board::{
    board_accuracy, check_against_model, check_counts_against_model, load_design, load_pixels,
    load_values, pixel_frame_bytes, pixel_spikes, run_on_link, run_pixels_on_link,
    run_values_on_link, value_spikes, values_frame_bytes, write_spikes, BoardRun, OnChip,
    PixelOptions,
};
use spikeloom_pipeline::board_weights::{ensure_weights, load_weights_file, WeightsEvent};
use spikeloom_pipeline::input::{load_labels, load_steps};
use std::path::PathBuf;
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
    /// Class labels `.npy` `[N]`: print accuracy (spike-count argmax of the output layer; none
    /// for a non-spiking read-out layer, whose membrane the host link does not return).
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
    if on_chip == Some(OnChip::Pixels) && !manifest.rate_encoder {
        return Err(CliError::input(anyhow!(
            "{} was built without the on-chip rate encoder (it did not fit the board with it, \
             or --rate-encoder off), so the board refuses RUN_PIXELS; pass spikes with --input \
             or values with --values, or rebuild with --rate-encoder on on a board it fits",
            args.dir.display()
        )));
    }
    let weights = load_weights_file(&args.dir, &manifest)?;
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
        .map(|p| load_labels(p, input.samples()))
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
    let mut load_counter = None;
    ensure_weights(&mut link, &manifest, weights.as_ref(), &mut |e| match e {
        WeightsEvent::Done(text) => {
            load_counter = None;
            println!("{text}");
        }
        WeightsEvent::Loading(text) => eprintln!("{text}"),
        WeightsEvent::Sent { done, total } => load_counter
            .get_or_insert_with(|| crate::progress::Counter::new("weights", total, "bytes"))
            .set(done),
    })?;
    let started = Instant::now();
    let mut counter = crate::progress::Counter::new("run", input.samples() as u64, "samples");
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
                summary(&out, &qnet, labels.as_deref(), started.elapsed());
                if let Some(path) = &args.out {
                    write_spikes(&out, path)?;
                    println!("wrote {}", path.display());
                }
                println!("{}", check_against_model(&qnet, &input, &out)?);
                Ok(())
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
                    input.steps(),
                    input.samples(),
                    manifest.output_size,
                    started.elapsed().as_secs_f64()
                );
                if let Some(labels) = labels.as_deref() {
                    print_accuracy(board_accuracy(&qnet, &got.counts, labels), input.samples());
                }
                println!(
                    "{}",
                    check_counts_against_model(&qnet, &input, &got.counts)?
                );
                Ok(())
            }
        };
    }
    let out = run_on_link(&mut link, &manifest, &qnet, &input, &mut progress)?;
    for note in link.notes() {
        eprintln!("warning: host link: {note}");
    }
    summary(&out, &qnet, labels.as_deref(), started.elapsed());
    if let Some(path) = &args.out {
        write_spikes(&out, path)?;
        println!("wrote {}", path.display());
    }
    println!("{}", check_against_model(&qnet, &input, &out)?);
    Ok(())
}

/// The `simulate`-style summary.
fn summary(out: &BoardRun, qnet: &spikeloom_qnet::QNet, labels: Option<&[i64]>, took: Duration) {
    let total: u64 = out.spikes.iter().map(|&s| u64::from(s)).sum();
    println!(
        "engine board: {} steps x {} samples, {} output neurons, {total} output spikes ({:.1} s)",
        out.t,
        out.n,
        out.o,
        took.as_secs_f64()
    );
    if let Some(labels) = labels {
        print_accuracy(board_accuracy(qnet, &out.counts(), labels), out.n);
    }
}

/// The board's accuracy line: spike-count argmax, or why there is none.
fn print_accuracy(accuracy: Option<f64>, samples: usize) {
    match accuracy {
        Some(a) => println!(
            "accuracy {:.2}% (spike-count argmax, {samples} samples)",
            100.0 * a
        ),
        None => println!(
            "accuracy: not measured on the board (the output layer does not spike; its \
             read-out is the membrane, which the host link does not return)"
        ),
    }
}
