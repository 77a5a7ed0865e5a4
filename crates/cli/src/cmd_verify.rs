//! `spikeloom verify`: float vs fixed (reported), fixed == cycle model == RTL (Verilator and
//! Icarus), bit for bit and cycle for cycle. Exits 1 on any mismatch and leaves a reproducer.

use crate::args::{SimulatorArg, VerifyArgs};
use crate::progress::Steps;
use crate::CliError;
use anyhow::anyhow;
use spikeloom_cosim::Simulator;
use spikeloom_float::FloatTrace;
use spikeloom_pipeline::engines::hardware_plan;
use spikeloom_pipeline::input::{load_labels, load_steps};
use spikeloom_pipeline::verify::{
    check_engines, trace_accuracy, CheckEvent, EngineCheckInput, LayerDiff,
};
use spikeloom_pipeline::Session;
use spikeloom_plan::Plan;
use spikeloom_qnet::{QNet, QTrace, SpikeSteps};
use std::path::PathBuf;
use std::sync::Arc;

/// Run the command.
pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let (session, float, input, all_samples) = integer_model(args)?;
    let q = &session.quantized()?.qnet;
    let labels = match &args.labels {
        Some(p) => Some(load_labels(p, all_samples)?[..input.samples()].to_vec()),
        None => None,
    };
    let steps = input.with_bits(q.input_bits).map_err(CliError::input)?;
    let sims = simulators(args.simulator);
    // Progress on stderr: a live line with the elapsed time on a terminal, plain lines in logs.
    let mut progress = Steps::new(3 + sims.len());
    let samples = format!("{} samples x {} steps", input.samples(), input.steps());
    progress.start(&format!("fixed-point model ({samples})"));
    let fixed = session.golden(&steps)?;
    progress.finish_since("fixed-point model", "");
    let plan = hardware_plan(q, &args.board, args.lanes, false)?;
    eprintln!(
        "verify: {} samples x {} steps, {} layers, board {} ({} lanes max)",
        input.samples(),
        input.steps(),
        q.layers.len(),
        args.board,
        plan.cores.iter().map(|c| c.lanes).max().unwrap_or(1)
    );

    let readout = spikeloom_quant::Readout::of_qnet(q).describe();
    match &float {
        Some(float) => {
            println!("float vs fixed (quantization; reported, not required to be equal)");
            print_float_vs_fixed(q, float, &fixed);
            if let Some(labels) = &labels {
                let (f, x) = trace_accuracy(q, Some(float), &fixed, labels);
                println!(
                    "  accuracy ({readout}): float {:.2}%  fixed {:.2}%",
                    100.0 * f.unwrap_or(0.0),
                    100.0 * x
                );
            }
        }
        None => {
            println!("float vs fixed: skipped (the model is a quantized .q.json)");
            if let Some(labels) = &labels {
                let (_, x) = trace_accuracy(q, None, &fixed, labels);
                println!("  accuracy ({readout}): fixed {:.2}%", 100.0 * x);
            }
        }
    }

    let mut failed = false;
    println!("\nfixed == cycle model == RTL (every layer, step, neuron: spikes and membranes)");
    println!(
        "  {:<10} {:<14} {:>10} {:>10}  first difference (step, sample, neuron)",
        "engine", "layer", "spikes", "membranes"
    );
    let work = work_dir(args, &plan);
    let check = EngineCheckInput {
        qnet: q,
        golden: &fixed,
        plan: &plan,
        input: &input,
        steps: &steps,
        simulators: &sims,
        work: &work,
        rtl: args.rtl.as_deref(),
    };
    let checks = check_engines(&check, &mut |e| match e {
        CheckEvent::Start(what) => progress.start(&what),
        CheckEvent::Done(name, note) => progress.finish_since(&name, &note),
        CheckEvent::Reproducer(dir) => eprintln!("reproducer written to {}", dir.display()),
        CheckEvent::Waveform(sample, path) => {
            eprintln!(
                "cycle-model waveform of sample {sample}: {}",
                path.display()
            )
        }
    })?;
    let mut cycle_rows = Vec::new();
    for e in &checks.engines {
        if let Some(m) = &e.log_mismatch {
            println!("  {:<10} log differs from the cycle model: {m}", e.engine);
            failed = true;
        }
        for (d, layer) in e.layers.iter().zip(&q.layers) {
            failed |= print_diff(&e.engine, &layer.name, d);
        }
        cycle_rows.push((e.engine.clone(), e.cycles_per_step.clone()));
    }

    println!("\ncycles per step (mean / min / max over every step of every sample)");
    let reference = cycle_rows[0].1.clone();
    for (name, rows) in &cycle_rows {
        let all: Vec<u64> = rows.iter().flatten().copied().collect();
        let mean = all.iter().sum::<u64>() as f64 / all.len().max(1) as f64;
        let same = *rows == reference;
        failed |= !same;
        println!(
            "  {name:<10} {mean:>9.1} {:>6} {:>6}  {}",
            all.iter().min().unwrap_or(&0),
            all.iter().max().unwrap_or(&0),
            if same {
                "equal to the cycle model"
            } else {
                "DIFFERS from the cycle model"
            }
        );
    }
    if failed {
        return Err(CliError::failure(anyhow!(
            "verification FAILED; reproducer and logs in {}",
            work.display()
        )));
    }
    println!(
        "\nverify: PASS (0 mismatches; work files in {})",
        work.display()
    );
    Ok(())
}

/// The session with its integer network made, the float trace of the input (for a `.nir`), the
/// input samples used and how many the file holds. A `.nir` is calibrated on `--calibrate`,
/// else on the input itself, whose float trace is then made once for both.
type IntegerModel = (Session<'static>, Option<Arc<FloatTrace>>, SpikeSteps, usize);

fn integer_model(args: &VerifyArgs) -> Result<IntegerModel, CliError> {
    let session = crate::config::session(&args.model, Some(&args.quant))?;
    let all = load_steps(&args.input, &session.model_input()?)?;
    let input = all.take_samples(args.samples.unwrap_or(all.samples()));
    if session.config().is_qnet() {
        return Ok((session, None, input, all.samples()));
    }
    let session = session.with_calibration(Some(input.clone()), None);
    session.quantized()?;
    let float = session.float_trace(&input)?;
    Ok((session, Some(float), input, all.samples()))
}

fn simulators(arg: SimulatorArg) -> Vec<Simulator> {
    match arg {
        SimulatorArg::Both => vec![Simulator::Verilator, Simulator::Icarus],
        SimulatorArg::Verilator => vec![Simulator::Verilator],
        SimulatorArg::Icarus => vec![Simulator::Icarus],
        SimulatorArg::None => vec![],
    }
}

fn work_dir(args: &VerifyArgs, plan: &Plan) -> PathBuf {
    args.work.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "spikeloom-verify-{}",
            &plan.model_hash[..plan.model_hash.len().min(12)]
        ))
    })
}

fn print_float_vs_fixed(q: &QNet, float: &FloatTrace, fixed: &QTrace) {
    for (l, layer) in q.layers.iter().enumerate() {
        let (f, x) = (&float.layers[l].spikes, &fixed.layers[l].spikes);
        let agree = f.iter().zip(x).filter(|(a, b)| a == b).count();
        let (fs, xs): (u64, u64) = (
            f.iter().map(|&v| u64::from(v)).sum(),
            x.iter().map(|&v| u64::from(v)).sum(),
        );
        println!(
            "  {:<14} spike agreement {:>7.3}%  spikes float {fs} fixed {xs}  saturations {}",
            layer.name,
            100.0 * agree as f64 / f.len().max(1) as f64,
            fixed.layers[l].saturations.total()
        );
    }
}

fn print_diff(engine: &str, layer: &str, d: &LayerDiff) -> bool {
    let first = d
        .first
        .map_or("-".to_string(), |(t, n, k)| format!("({t}, {n}, {k})"));
    println!(
        "  {engine:<10} {layer:<14} {:>10} {:>10}  {first}",
        d.mismatches, d.mismatches
    );
    d.mismatches > 0
}
