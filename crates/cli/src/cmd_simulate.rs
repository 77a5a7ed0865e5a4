//! `spikeloom simulate`: run one engine on input spikes, print accuracy, write `.npz`.

use crate::args::{Engine, SimulateArgs};
use crate::input::{accuracy, load_labels, load_spikes, Spikes};
use crate::model::{load_nir, lower};
use crate::output::{EngineOutput, Membrane};
use crate::CliError;
use anyhow::anyhow;
use spikeloom_float::{FloatNet, SpikeInput};

/// Run the command.
pub fn run(args: &SimulateArgs) -> Result<(), CliError> {
    let loaded = load_nir(&args.model)?;
    let net = lower(&loaded, &args.model)?;
    let input = load_spikes(&args.input, net.input_size)?;
    let labels = args.labels.as_ref().map(|p| load_labels(p, input.n)).transpose()?;
    let out = match args.engine {
        Engine::Float => run_float(&net, &input)?,
        Engine::Fixed => {
            return Err(CliError::input(anyhow!("engine `fixed` is not wired yet")));
        }
    };
    report(&out, labels.as_deref(), args)
}

/// Float engine on the output layer.
pub fn run_float(net: &FloatNet, input: &Spikes) -> Result<EngineOutput, CliError> {
    let si = SpikeInput::new(input.t, input.n, input.f, input.data.clone())
        .map_err(CliError::input)?;
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
        println!("accuracy {:.2}% (spike-count argmax, {} samples)", 100.0 * accuracy(&out.counts(), labels), out.n);
    }
    if let Some(path) = &args.out {
        out.write(path).map_err(CliError::failure)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
