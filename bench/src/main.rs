//! spikeloom-bench: measures everything side by side in one run and writes
//! `bench/results.json` and `bench/results.md` (markdown tables for the README).
//!
//! ```text
//! spikeloom-bench [--snntorch S.json] [--nets DIR] [--no-rtl] [--no-pnr]
//!                 [--pnr-models a,b] [--out results.json] [--md results.md]
//! ```
//! `scripts/bench.sh` prepares the synthetic networks and the snnTorch figures first.

use std::path::PathBuf;

use spikeloom_bench::fixture::{fixture_dir, repo_root, BenchError};
use spikeloom_bench::measure::{accuracy, efficiency, engines, generate_time, prepare, Prepared};
use spikeloom_bench::results::{Results, SnnTorch};
use spikeloom_bench::{pnr, rtl};
use spikeloom_board::Board;
use spikeloom_cosim::Simulator;
use spikeloom_plan::PlanError;

/// Icarus runs ~8k cycles/s: a few samples are enough to measure its speed.
const ICARUS_SAMPLES: usize = 4;

const DIGITS: [&str; 5] = [
    "mlp_subtract",
    "mlp_zero",
    "mlp_subtract_nodelay",
    "rleaky",
    "synaptic",
];

/// The anchors' scale (Spiker+ MNIST, NIR2FPGA SHD): tests/fixtures/models.
const SCALE: [&str; 2] = ["mnist_mlp", "shd_rleaky"];

/// The NIR paper's N-MNIST CNN shape (Sinabs; tests/fixtures/exporters): on both boards (the
/// UP5K at 1 lane, with its memories in SPRAM and one convolution engine).
const CNN: &str = "nmnist_cnn";

struct Args {
    snntorch: Option<PathBuf>,
    nets: PathBuf,
    rtl: bool,
    pnr: bool,
    pnr_models: Vec<String>,
    out: PathBuf,
    md: PathBuf,
}

fn args() -> Result<Args, BenchError> {
    let root = repo_root();
    let mut a = Args {
        snntorch: None,
        nets: root.join("bench/nets"),
        rtl: true,
        pnr: true,
        pnr_models: vec!["mlp_subtract".into(), "rleaky".into(), "synaptic".into()],
        out: root.join("bench/results.json"),
        md: root.join("bench/results.md"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--snntorch" => a.snntorch = Some(value()?.into()),
            "--nets" => a.nets = value()?.into(),
            "--no-rtl" => a.rtl = false,
            "--no-pnr" => a.pnr = false,
            "--pnr-models" => a.pnr_models = value()?.split(',').map(String::from).collect(),
            "--out" => a.out = value()?.into(),
            "--md" => a.md = value()?.into(),
            other => {
                return Err(format!(
                    "unknown argument {other}; see the doc comment of bench/src/main.rs"
                ))
            }
        }
    }
    Ok(a)
}

/// The fixture planned for `board` with the most lanes (8, 4, 2, 1) that fit, as `build` does.
fn fitting(name: &str, board: &Board) -> Result<Prepared, BenchError> {
    fitting_from(name, board, &[8, 4, 2, 1])
}

/// The fixture planned for `board` with the first of `lanes` that fits.
fn fitting_from(name: &str, board: &Board, lanes: &[usize]) -> Result<Prepared, BenchError> {
    let mut last = String::new();
    for &lanes in lanes {
        let p = prepare(&fixture_dir(name), &board.device, Some(lanes))?;
        if p.plan.fit.fits {
            return Ok(p);
        }
        last = PlanError::DoesNotFit {
            device: board.device.name.clone(),
            report: p.plan.fit.problems.join("; "),
        }
        .to_string();
    }
    Err(format!("{name}: {last}"))
}

fn main() {
    if let Err(e) = run() {
        eprintln!("spikeloom-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), BenchError> {
    let a = args()?;
    let ecp5 = Board::builtin("ulx3s-25f").map_err(|e| e.to_string())?;
    let ice = Board::builtin("icebreaker").map_err(|e| e.to_string())?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut setup = vec![
        format!("{cpus} CPUs visible, shared with other work"),
        "release build, single thread, medians of repeated runs".into(),
    ];

    eprintln!("generate time ...");
    let mut nets: Vec<PathBuf> = std::fs::read_dir(&a.nets)
        .map_err(|e| {
            format!(
                "{}: {e} (run scripts/bench.sh, which writes the synthetic networks)",
                a.nets.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "nir"))
        .collect();
    nets.sort();
    let big = Board::builtin("ulx3s-85f").map_err(|e| e.to_string())?;
    let mut generate = nets
        .iter()
        .map(|p| generate_time(p, &big.device))
        .collect::<Result<Vec<_>, _>>()?;
    generate.sort_by_key(|g| g.synapses);

    eprintln!("engines ...");
    let main_model = "mlp_subtract";
    let p = fitting(main_model, &ecp5)?;
    setup.push(format!(
        "engines, RTL and efficiency: {main_model} planned for {} ({}), lanes {:?}",
        ecp5.name,
        ecp5.device.name,
        p.plan.cores.iter().map(|c| c.lanes).collect::<Vec<_>>()
    ));
    let (engine_rows, events) = engines(&p)?;
    let snntorch = match &a.snntorch {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(
                serde_json::from_str::<SnnTorch>(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };

    let rtl_rows = if a.rtl {
        eprintln!("RTL simulators ...");
        let work = std::env::temp_dir().join("spikeloom-bench-rtl");
        let all = p.input.samples();
        rtl::rtl_runs(
            &p.plan,
            &p.input,
            &work,
            &[
                (Simulator::Verilator, all),
                (Simulator::Icarus, ICARUS_SAMPLES),
            ],
        )?
    } else {
        Vec::new()
    };

    eprintln!("efficiency and accuracy ...");
    let mut eff = Vec::new();
    let mut acc = Vec::new();
    for name in DIGITS {
        let q = fitting(name, &ecp5)?;
        eff.push(efficiency(name, &q, &ecp5)?);
        acc.push(accuracy(name, &q)?);
    }
    // the anchors' scale, on both boards, with the lanes the README's builds use
    for name in SCALE {
        for board in [&ice, &ecp5] {
            let q = fitting_from(name, board, &[16, 8, 4, 2, 1])?;
            eff.push(efficiency(name, &q, board)?);
            if board.name == ecp5.name {
                acc.push(accuracy(name, &q)?);
            }
        }
    }
    for board in [&ice, &ecp5] {
        let q = fitting_from(CNN, board, &[8, 4, 2, 1])?;
        eff.push(efficiency(CNN, &q, board)?);
        if board.name == ecp5.name {
            acc.push(accuracy(CNN, &q)?);
        }
    }

    let mut pnr_rows = Vec::new();
    if a.pnr {
        for name in &a.pnr_models {
            for board in [&ice, &ecp5] {
                eprintln!("place and route {name} on {} ...", board.name);
                let work =
                    std::env::temp_dir().join(format!("spikeloom-bench-pnr/{name}-{}", board.name));
                match fitting(name, board) {
                    Ok(q) => pnr_rows.push(pnr::build(name, &q.plan, board, &work)?),
                    Err(e) => pnr_rows.push(pnr::PnrRow {
                        model: name.clone(),
                        board: board.name.clone(),
                        device: board.device.name.clone(),
                        lanes: Vec::new(),
                        cells: Vec::new(),
                        fmax_mhz: None,
                        target_mhz: board.design.freq_mhz,
                        estimate: (0, 0, 0, 0),
                        build_s: 0.0,
                        error: Some(format!("does not fit: {e}")),
                    }),
                }
            }
        }
    }

    let results = Results {
        setup,
        generate,
        engine_model: main_model.into(),
        synaptic_events: events,
        engines: engine_rows,
        snntorch,
        rtl: rtl_rows,
        efficiency: eff,
        accuracy: acc,
        pnr: pnr_rows,
    };
    let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(&a.out, json + "\n").map_err(|e| format!("{}: {e}", a.out.display()))?;
    let md = results.markdown();
    std::fs::write(&a.md, &md).map_err(|e| format!("{}: {e}", a.md.display()))?;
    println!("{md}");
    eprintln!("wrote {} and {}", a.out.display(), a.md.display());
    Ok(())
}
