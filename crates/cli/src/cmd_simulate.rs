//! `spikeloom simulate`: run one engine on input spikes, print accuracy, write `.npz`.

use crate::args::{Engine, RtlSimulator, SimulateArgs};
use crate::CliError;
use anyhow::anyhow;
use spikeloom_pipeline::engines::{
    hardware_plan, on_chip_cycles, run_cycle, run_fixed, run_float, run_rtl, write_vcd,
    EngineOutput,
};
use spikeloom_pipeline::input::{load_labels, load_steps};
use spikeloom_pipeline::model::LoadedModel;
use spikeloom_qnet::SpikeSteps;

/// Run the command.
pub fn run(args: &SimulateArgs) -> Result<(), CliError> {
    let out = match args.engine {
        Engine::Float => {
            let session = crate::config::session(&args.model, Some(&args.quant))?;
            if session.config().is_qnet() {
                return Err(CliError::input(anyhow!(
                    "{} is a quantized network: the float engine needs the .nir model",
                    args.model.model.display()
                )));
            }
            let input = load_steps(&args.input, &session.model_input()?)?;
            let labels = load_opt_labels(args, input.samples())?;
            return report(
                &run_float(session.float_net()?, &input)?,
                labels.as_deref(),
                args,
            );
        }
        Engine::Fixed => {
            let (model, input) = load_integer_model(args)?;
            run_fixed(&model.qnet, &input)?
        }
        Engine::Cycle => {
            let (model, input) = load_integer_model(args)?;
            let plan = hardware_plan(&model.qnet, &args.board, args.lanes, false)?;
            if let Some(path) = &args.vcd {
                write_vcd(&plan, &input, args.vcd_sample, path)?;
                eprintln!(
                    "wrote waveform of sample {} to {}",
                    args.vcd_sample,
                    path.display()
                );
            }
            let out = run_cycle(
                &plan,
                &input,
                model.qnet.layers[model.qnet.output_layer].state_lsb,
            )?;
            let cycles = out.cycles().unwrap_or_default();
            let (min, max) = (
                cycles.iter().min().copied().unwrap_or(0),
                cycles.iter().max().copied().unwrap_or(0),
            );
            let mean = cycles.iter().sum::<u64>() as f64 / cycles.len().max(1) as f64;
            eprintln!("cycles per step: mean {mean:.1}, min {min}, max {max}");
            let chip = on_chip_cycles(&plan, &input)?;
            eprintln!(
                "cycles per inference on chip (the host bridge's scan of each step's non-zero \
                 input words, then the compute; host link excluded): mean {:.1}, min {}, max {}",
                chip.iter().sum::<u64>() as f64 / chip.len().max(1) as f64,
                chip.iter().min().copied().unwrap_or(0),
                chip.iter().max().copied().unwrap_or(0)
            );
            out
        }
        Engine::Rtl => {
            let (model, input) = load_integer_model(args)?;
            let plan = hardware_plan(&model.qnet, &args.board, args.lanes, false)?;
            let sim = match args.simulator {
                RtlSimulator::Verilator => spikeloom_cosim::Simulator::Verilator,
                RtlSimulator::Icarus => spikeloom_cosim::Simulator::Icarus,
            };
            let work = std::env::temp_dir().join(format!(
                "spikeloom-rtl-{}",
                &plan.model_hash[..plan.model_hash.len().min(12)]
            ));
            eprintln!("running {sim} on {} ...", work.join("rtl").display());
            run_rtl(
                &plan,
                &input,
                sim,
                &work,
                model.qnet.layers[model.qnet.output_layer].state_lsb,
            )?
        }
    };
    let labels = load_opt_labels(args, out.n)?;
    report(&out, labels.as_deref(), args)
}

fn load_opt_labels(args: &SimulateArgs, n: usize) -> Result<Option<Vec<i64>>, CliError> {
    Ok(args
        .labels
        .as_ref()
        .map(|p| load_labels(p, n))
        .transpose()?)
}

/// The integer network and the input: a `.nir` is quantized with calibration on `--calibrate`,
/// else on the input itself (said on stderr).
pub fn load_integer_model(args: &SimulateArgs) -> Result<(LoadedModel, SpikeSteps), CliError> {
    let session = crate::config::session(&args.model, Some(&args.quant))?;
    let input = load_steps(&args.input, &session.model_input()?)?;
    if session.config().is_qnet() {
        return Ok((session.quantized()?.clone(), input));
    }
    if args.quant.calibrate.is_none() {
        eprintln!("note: no --calibrate given; membrane ranges are calibrated on --input");
    }
    let session = session.with_calibration(Some(input.clone()), None);
    let model = session.quantized()?.clone();
    Ok((model, input))
}

fn report(out: &EngineOutput, labels: Option<&[i64]>, args: &SimulateArgs) -> Result<(), CliError> {
    let total: u64 = out.spikes.iter().map(|&s| u64::from(s)).sum();
    println!(
        "engine {:?}: {} steps x {} samples, {} output neurons, {total} output spikes",
        args.engine, out.t, out.n, out.o
    );
    if let Some(labels) = labels {
        println!(
            "accuracy {:.2}% ({}, {} samples)",
            100.0 * out.accuracy(labels),
            out.readout.describe(),
            out.n
        );
    }
    if let Some(path) = &args.out {
        out.write(path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
