//! `spikeloom simulate`: run one engine on input spikes, print accuracy, write `.npz`.

use crate::args::{Engine, SimulateArgs};
use crate::output::{EngineOutput, Membrane};
use crate::CliError;
use anyhow::anyhow;
use spikeloom_float::{FloatNet, SpikeInput};
use spikeloom_pipeline::input::{accuracy, load_labels, load_steps, Spikes};
use spikeloom_pipeline::model::LoadedModel;
use spikeloom_plan::{Plan, PlanConfig};
use spikeloom_qnet::{QNet, SpikeSteps};

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
            let labels = load_opt_labels(args, input.n)?;
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
            }
            run_cycle(
                &plan,
                &input,
                model.qnet.layers[model.qnet.output_layer].state_lsb,
            )?
        }
        Engine::Rtl => {
            let (model, input) = load_integer_model(args)?;
            let plan = hardware_plan(&model.qnet, &args.board, args.lanes, false)?;
            run_rtl(
                &plan,
                &input,
                args,
                model.qnet.layers[model.qnet.output_layer].state_lsb,
            )?
        }
    };
    let labels = load_opt_labels(args, out.n)?;
    report(&out, labels.as_deref(), args)
}

/// Plan the integer network for a board's device. With `require_fit = false` the plan is made
/// even when it would not fit (simulation only); the fit report is still available.
pub fn hardware_plan(
    q: &QNet,
    board: &str,
    lanes: Option<usize>,
    require_fit: bool,
) -> Result<Plan, CliError> {
    let board = spikeloom_board::Board::resolve(board).map_err(CliError::input)?;
    let cfg = PlanConfig {
        lanes,
        require_fit,
        ..PlanConfig::default()
    };
    spikeloom_plan::plan(q, &cfg, &board.device).map_err(CliError::input)
}

/// Cycle-accurate model on the output layer, with cycles per step.
pub fn run_cycle(plan: &Plan, input: &Spikes, v_scale: f64) -> Result<EngineOutput, CliError> {
    let steps = SpikeSteps::graded(
        input.t,
        input.n,
        input.f,
        input.data.clone(),
        plan.input_bits,
    )
    .map_err(CliError::input)?;
    let trace = spikeloom_cyclesim::simulate(plan, &steps).map_err(CliError::failure)?;
    let out = plan.output_layer;
    let cycles: Vec<u64> = trace.cycles_per_step.iter().flatten().copied().collect();
    let (min, max) = (
        cycles.iter().min().copied().unwrap_or(0),
        cycles.iter().max().copied().unwrap_or(0),
    );
    let mean = cycles.iter().sum::<u64>() as f64 / cycles.len().max(1) as f64;
    eprintln!("cycles per step: mean {mean:.1}, min {min}, max {max}");
    Ok(EngineOutput {
        t: input.t,
        n: input.n,
        o: plan.cores[out].size,
        spikes: trace.spikes[out].clone(),
        v: Membrane::Fixed {
            raw: trace.membranes[out].clone(),
            scale: v_scale,
        },
        extra: vec![(
            "cycles".to_string(),
            spikeloom_npy::NpyArray {
                shape: vec![input.n, input.t],
                data: spikeloom_npy::NpyData::U32(
                    cycles
                        .iter()
                        .map(|&c| u32::try_from(c).unwrap_or(u32::MAX))
                        .collect(),
                ),
            },
        )],
    })
}

fn write_vcd(
    plan: &Plan,
    input: &Spikes,
    sample: usize,
    path: &std::path::Path,
) -> Result<(), CliError> {
    let steps = SpikeSteps::graded(
        input.t,
        input.n,
        input.f,
        input.data.clone(),
        plan.input_bits,
    )
    .map_err(CliError::input)?;
    let file = std::fs::File::create(path)
        .map_err(|e| CliError::failure(anyhow!("cannot create {}: {e}", path.display())))?;
    spikeloom_cyclesim::simulate_with_vcd(plan, &steps, sample, std::io::BufWriter::new(file))
        .map_err(CliError::input)?;
    eprintln!("wrote waveform of sample {sample} to {}", path.display());
    Ok(())
}

/// The generated Verilog under Verilator or Icarus, decoded like the other engines.
fn run_rtl(
    plan: &Plan,
    input: &Spikes,
    args: &SimulateArgs,
    v_scale: f64,
) -> Result<EngineOutput, CliError> {
    use crate::args::RtlSimulator;
    let sim = match args.simulator {
        RtlSimulator::Verilator => spikeloom_cosim::Simulator::Verilator,
        RtlSimulator::Icarus => spikeloom_cosim::Simulator::Icarus,
    };
    let work = std::env::temp_dir().join(format!(
        "spikeloom-rtl-{}",
        &plan.model_hash[..plan.model_hash.len().min(12)]
    ));
    let bundle_dir = work.join("rtl");
    spikeloom_verilog::generate(plan, &spikeloom_verilog::GenOptions::default())
        .write_to(&bundle_dir)
        .map_err(|e| CliError::failure(anyhow!("cannot write {}: {e}", bundle_dir.display())))?;
    let stim = spikeloom_cosim::stimulus_from_values(
        &input.data,
        [input.t, input.n, input.f],
        plan.input_bits,
    )
    .map_err(CliError::input)?;
    let iface = plan.top_interface();
    eprintln!("running {sim} on {} ...", bundle_dir.display());
    let log =
        spikeloom_cosim::run_rtl(&bundle_dir, &iface, &stim, sim, &work.join(sim.to_string()))
            .map_err(CliError::failure)?;
    let rtl =
        spikeloom_cosim::decode_log(&log, &iface, input.t, input.n).map_err(CliError::failure)?;
    let out = plan.output_layer;
    let cycles: Vec<u64> = rtl.cycles_per_step.iter().flatten().copied().collect();
    Ok(EngineOutput {
        t: input.t,
        n: input.n,
        o: plan.cores[out].size,
        spikes: rtl.layers[out].spikes.clone(),
        v: Membrane::Fixed {
            raw: rtl.layers[out]
                .membranes
                .iter()
                .map(|&v| i32::try_from(v).unwrap_or(i32::MAX))
                .collect(),
            scale: v_scale,
        },
        extra: vec![cycles_array(input, &cycles)],
    })
}

fn cycles_array(input: &Spikes, cycles: &[u64]) -> (String, spikeloom_npy::NpyArray) {
    (
        "cycles".to_string(),
        spikeloom_npy::NpyArray {
            shape: vec![input.n, input.t],
            data: spikeloom_npy::NpyData::U32(
                cycles
                    .iter()
                    .map(|&c| u32::try_from(c).unwrap_or(u32::MAX))
                    .collect(),
            ),
        },
    )
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
pub fn load_integer_model(args: &SimulateArgs) -> Result<(LoadedModel, Spikes), CliError> {
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

/// Golden integer model on the output layer.
pub fn run_fixed(q: &QNet, input: &Spikes) -> Result<EngineOutput, CliError> {
    let steps = SpikeSteps::graded(input.t, input.n, input.f, input.data.clone(), q.input_bits)
        .map_err(CliError::input)?;
    let trace = spikeloom_qnet::eval(q, &steps).map_err(CliError::input)?;
    let layer = &trace.layers[q.output_layer];
    Ok(EngineOutput {
        t: input.t,
        n: input.n,
        o: layer.size,
        spikes: layer.spikes.clone(),
        v: Membrane::Fixed {
            raw: layer.membrane.clone(),
            scale: q.layers[q.output_layer].state_lsb,
        },
        extra: Vec::new(),
    })
}

/// Float engine on the output layer.
pub fn run_float(net: &FloatNet, input: &Spikes) -> Result<EngineOutput, CliError> {
    let si =
        SpikeInput::new(input.t, input.n, input.f, input.data.clone()).map_err(CliError::input)?;
    let trace = spikeloom_float::simulate(net, &si).map_err(CliError::input)?;
    let layer = &trace.layers[net.output_layer];
    Ok(EngineOutput {
        t: input.t,
        n: input.n,
        o: layer.size,
        spikes: layer.spikes.clone(),
        v: Membrane::Float(layer.membrane.clone()),
        extra: Vec::new(),
    })
}

fn report(out: &EngineOutput, labels: Option<&[i64]>, args: &SimulateArgs) -> Result<(), CliError> {
    let total: u64 = out.spikes.iter().map(|&s| u64::from(s)).sum();
    println!(
        "engine {:?}: {} steps x {} samples, {} output neurons, {total} output spikes",
        args.engine, out.t, out.n, out.o
    );
    if let Some(labels) = labels {
        println!(
            "accuracy {:.2}% (spike-count argmax, {} samples)",
            100.0 * accuracy(&out.counts(), labels),
            out.n
        );
    }
    if let Some(path) = &args.out {
        out.write(path).map_err(CliError::failure)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
