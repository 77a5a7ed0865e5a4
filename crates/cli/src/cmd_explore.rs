//! `spikeloom explore`: sweep lanes and bit widths with the plan's estimates and the cycle model,
//! and print the Pareto front of accuracy vs LUTs vs latency.

use crate::args::{ModelArgs, QuantArgs};
use crate::CliError;
use anyhow::anyhow;
use clap::Args;
use spikeloom_pipeline::explore::ExploreSample;
use spikeloom_pipeline::sweep::{pareto, Point, Space, Workers};
use std::path::PathBuf;

/// `explore` arguments.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Quantization settings the swept widths are applied to.
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Board (name or TOML path) whose device the estimates are checked against.
    #[arg(long, default_value = "icebreaker")]
    pub board: String,
    /// Sample input (`.npy` or `x.npz:name`, time-major as `simulate --input`) run through the
    /// cycle model at every point.
    #[arg(long)]
    pub input: PathBuf,
    /// Labels `[N]` of the sample: accuracy per point.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Use only the first N samples.
    #[arg(long, default_value_t = 16)]
    pub samples: usize,
    /// Lanes to try (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8")]
    pub lanes: Vec<usize>,
    /// Weight widths to try.
    #[arg(long, value_delimiter = ',', default_value = "4,6,8")]
    pub sweep_weight_bits: Vec<u32>,
    /// Membrane widths to try.
    #[arg(long, value_delimiter = ',', default_value = "12,16")]
    pub sweep_state_bits: Vec<u32>,
    /// Print every point as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Points measured at once [default: one per core]; the output is the same for any value.
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// Run the command.
pub fn run(args: &ExploreArgs) -> Result<(), CliError> {
    let board = spikeloom_board::Board::resolve(&args.board).map_err(CliError::input)?;
    let space = Space {
        lanes: args.lanes.clone(),
        weight_bits: args.sweep_weight_bits.clone(),
        state_bits: args.sweep_state_bits.clone(),
    };
    let jobs = match args.jobs {
        Some(0) => return Err(CliError::input(anyhow!("--jobs must be at least 1"))),
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let counter = std::sync::Mutex::new(None::<crate::progress::Counter>);
    let on_point = |done: usize, total: usize| {
        if let Ok(mut c) = counter.lock() {
            c.get_or_insert_with(|| {
                crate::progress::Counter::new("explore", total as u64, "points")
            })
            .set(done as u64);
        }
    };
    let workers = Workers {
        jobs,
        on_point: Some(&on_point),
    };
    let session = crate::config::session(&args.model, Some(&args.quant))?;
    let sample = ExploreSample {
        input: &args.input,
        samples: args.samples,
        labels: args.labels.as_deref(),
    };
    let points = session.explore(&board.device, &space, sample, workers)?;
    drop(counter);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&points).unwrap_or_default()
        );
        return Ok(());
    }
    println!("all points on {} ({}):", board.name, board.device.name);
    print_table(&points);
    println!(
        "\nPareto front (higher accuracy, fewer LUTs, fewer cycles per step; fitting points only):"
    );
    print_table(&pareto(&points));
    Ok(())
}

fn print_table(points: &[Point]) {
    println!(
        "  {:>5} {:>6} {:>6}  {:>9} {:>10} {:>6} {:>5} {:>4} {:>5} {:>12}",
        "lanes",
        "w_bits",
        "s_bits",
        "accuracy",
        "agreement",
        "LUTs",
        "BRAM",
        "DSP",
        "fits",
        "cycles/step"
    );
    for p in points {
        let s = &p.settings;
        let opt = |v: Option<u32>| v.map_or("-".to_string(), |b| b.to_string());
        match &p.outcome {
            Ok(m) => {
                let pct =
                    |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{:.2}%", 100.0 * x));
                println!(
                    "  {:>5} {:>6} {:>6}  {:>9} {:>10} {:>6} {:>5} {:>4} {:>5} {:>12.1}",
                    s.lanes,
                    opt(s.weight_bits),
                    opt(s.state_bits),
                    pct(m.accuracy),
                    pct(m.spike_agreement),
                    m.luts,
                    m.brams,
                    m.dsps,
                    if m.fits { "yes" } else { "no" },
                    m.cycles_per_step
                );
            }
            Err(why) => println!(
                "  {:>5} {:>6} {:>6}  failed: {why}",
                s.lanes,
                opt(s.weight_bits),
                opt(s.state_bits)
            ),
        }
    }
}
