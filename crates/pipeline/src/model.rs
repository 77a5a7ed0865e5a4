//! Loading a model: NIR file -> validated flat graph -> float network with the chosen
//! semantics; a `.q.json` -> integer network; the layered quantization config; calibration.

use crate::config::{Config, QuantSettings};
use crate::error::{Error, Result};
use crate::input::{ModelInput, Values};
use spikeloom_float::{Convention, FloatNet, FloatTrace, Neuron, NirVersion, SemanticsOptions};
use spikeloom_nir::{Graph, NirError, NirFile};
use spikeloom_qnet::{QNet, SpikeSteps};
use spikeloom_quant::{Calibration, QuantConfig, QuantReport};
use std::path::Path;

/// A model read from a `.nir` file.
pub struct LoadedNir {
    /// The file as read.
    pub file: NirFile,
    /// The graph with subgraphs inlined.
    pub flat: Graph,
    /// SHA-256 of the file bytes (hex), recorded in generated artifacts.
    pub sha256: String,
}

/// The semantic options the user gave, with the file's nir version (evidence for the Norse
/// version).
pub fn semantics_options(config: &Config, loaded: &LoadedNir) -> SemanticsOptions {
    SemanticsOptions {
        nir_version: NirVersion::parse(&loaded.file.version),
        ..config.semantics
    }
}

/// The largest block RAM of any built-in board in bytes, for the "too large" message.
fn largest_board_memory() -> Option<(String, u64)> {
    spikeloom_board::list()
        .ok()?
        .into_iter()
        .map(|b| {
            let d = &b.device;
            let bits = u64::from(d.bram_count) * u64::from(d.bram_bits);
            (format!("{}, {}", b.name, d.name), bits / 8)
        })
        .max_by_key(|(_, bytes)| *bytes)
}

/// Read, validate and flatten a `.nir` file. Every problem is reported at once.
pub fn load_nir(config: &Config) -> Result<LoadedNir> {
    let path = &config.model;
    let bytes = std::fs::read(path)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    let file = spikeloom_nir::read_bytes_with(&bytes, &config.read).map_err(|e| {
        let fpga = match (&e, largest_board_memory()) {
            (NirError::DatasetOverLimit { .. }, Some((board, bytes))) => format!(
                ". No FPGA target holds a layer this size: the largest block RAM of the \
                 supported boards is {} KiB ({board})",
                bytes / 1024
            ),
            _ => String::new(),
        };
        Error::input(format!("{}: {e}{fpga}", path.display()))
    })?;
    spikeloom_nir::validate(&file.graph)
        .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    let flat = spikeloom_nir::flatten_subgraphs(&file.graph)
        .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    Ok(LoadedNir {
        sha256: sha256_hex(&bytes),
        file,
        flat,
    })
}

/// Lower a loaded graph to the float network; returns the notes a user should see: when the
/// Output node is one the `nir` package added itself (the file never named its output, see
/// [`output_node`]) and when the convention is a guess.
pub fn lower(loaded: &LoadedNir, config: &Config) -> Result<(FloatNet, Vec<String>)> {
    let mut net = spikeloom_float::lower(&loaded.flat, &semantics_options(config, loaded))
        .map_err(|e| Error::input(format!("{}: {e}", config.model.display())))?;
    apply_layer_semantics(&mut net, &config.layers)
        .map_err(|e| Error::input(format!("{}: {e}", config.model.display())))?;
    let notes = output_node(loaded, &net)
        .and_then(|o| o.added_by_nir)
        .into_iter()
        .chain(guessed_convention(&net))
        .collect();
    Ok((net, notes))
}

/// Give each named spiking layer its own reset rule and reset delay ([`Config::layers`]).
fn apply_layer_semantics(
    net: &mut FloatNet,
    layers: &[(String, crate::config::LayerSemantics)],
) -> std::result::Result<(), String> {
    let spiking: Vec<String> = net
        .layers
        .iter()
        .filter(|l| matches!(l.neuron, Neuron::Lif { .. } | Neuron::CubaLif { .. }))
        .map(|l| l.name.clone())
        .collect();
    for (name, s) in layers {
        let Some(layer) = net.layers.iter_mut().find(|l| &l.name == name) else {
            return Err(format!(
                "layer `{name}` of the per-layer reset settings is not in the model (its spiking \
                 layers: {})",
                spiking.join(", ")
            ));
        };
        match &mut layer.neuron {
            Neuron::Lif {
                reset, reset_delay, ..
            }
            | Neuron::CubaLif {
                reset, reset_delay, ..
            } => {
                *reset = s.reset.unwrap_or(*reset);
                *reset_delay = s.reset_delay.unwrap_or(*reset_delay);
            }
            Neuron::Li { .. } | Neuron::CubaLi { .. } => {
                return Err(format!(
                    "layer `{name}` of the per-layer reset settings never spikes (a leaky \
                     integrator read-out), so it has no reset (spiking layers: {})",
                    spiking.join(", ")
                ))
            }
        }
    }
    Ok(())
}

/// A note when the convention applied is a guess that departs from the snnTorch default (a
/// Rockpool or Spyx fingerprint, an inferred Norse version): every guess is reported.
fn guessed_convention(net: &FloatNet) -> Option<String> {
    let s = &net.semantics;
    let source = spikeloom_float::convention_source(s);
    let why = source.evidence()?;
    if s.convention == Convention::Snntorch {
        return None;
    }
    Some(format!(
        "semantics {} is a guess ({}: {why}); pass --semantics to override, `spikeloom inspect` \
         lists what else the file fits",
        s.convention_name(),
        source.name()
    ))
}

/// Which node is the network's output, as `inspect` and the commands report it.
pub struct OutputNode {
    /// The layer whose spikes are the output.
    pub layer: String,
    /// The Output node it feeds.
    pub output: String,
    /// Set when the Output node has the name nir 1.0.8's type check gives the Output it appends
    /// to a graph written without one (`output_<layer>`): the text says so.
    pub added_by_nir: Option<String>,
}

/// The output layer of `net` and the Output node of the file it feeds.
pub fn output_node(loaded: &LoadedNir, net: &FloatNet) -> Option<OutputNode> {
    let layer = net.layers.get(net.output_layer)?.name.clone();
    let output = loaded
        .flat
        .nodes
        .iter()
        .find(|(_, n)| matches!(n, spikeloom_nir::Node::Output { .. }))?
        .0
        .clone();
    let generated = format!("output_{layer}");
    let added_by_nir = (output == generated
        || output
            .strip_prefix(&format!("{generated}_"))
            .is_some_and(|n| n.parse::<u32>().is_ok()))
    .then(|| {
        format!(
            "the network's output is layer `{layer}`, through the Output node `{output}`: that \
             is the name the nir package gives the Output node it appends when a graph is \
             written without one, so the file itself never said which layer is the output"
        )
    });
    Some(OutputNode {
        layer,
        output,
        added_by_nir,
    })
}

/// The input of a float model: the NIR Input node's shape (e.g. `[1, 8, 8]`) when the graph has
/// one Input whose size is the network's; any spikes or graded values (quantization picks the
/// width from them).
pub fn nir_input(loaded: &LoadedNir, net: &FloatNet) -> ModelInput {
    let mut inputs = loaded.flat.nodes.values().filter_map(|n| match n {
        spikeloom_nir::Node::Input { shape } => Some(shape),
        _ => None,
    });
    match (inputs.next(), inputs.next()) {
        (Some(shape), None) if shape.iter().product::<usize>() == net.input_size => ModelInput {
            shape: shape.clone(),
            values: Values::Any,
        },
        _ => ModelInput::flat(net.input_size, Values::Any),
    }
}

/// Provenance key of the model's per-step input shape (recorded when it has several
/// dimensions, so a `.q.json` and a built design take the same arrays as the `.nir`).
const INPUT_SHAPE_KEY: &str = "input_shape";

/// Record the model's input shape in the integer network's provenance.
pub fn record_input_shape(q: &mut QNet, shape: &[usize]) {
    if shape.len() > 1 && q.provenance.iter().all(|(k, _)| k != INPUT_SHAPE_KEY) {
        let text: Vec<String> = shape.iter().map(ToString::to_string).collect();
        q.provenance.push((INPUT_SHAPE_KEY.into(), text.join("x")));
    }
}

/// The input of an integer network: its recorded shape (else its size) and the values its
/// `input_bits` allow.
pub fn qnet_input(q: &QNet) -> ModelInput {
    let values = Values::for_bits(q.input_bits);
    let recorded = q
        .provenance
        .iter()
        .find(|(k, _)| k == INPUT_SHAPE_KEY)
        .and_then(|(_, v)| {
            v.split('x')
                .map(|d| d.parse().ok())
                .collect::<Option<Vec<usize>>>()
        })
        .filter(|s| s.iter().product::<usize>() == q.input_size);
    match recorded {
        Some(shape) => ModelInput { shape, values },
        None => ModelInput::flat(q.input_size, values),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A model ready for the integer engines and the hardware.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// The integer network.
    pub qnet: QNet,
    /// SHA-256 of the model file.
    pub source_sha256: String,
    /// The quantization report (absent for a `.q.json`).
    pub report: Option<QuantReport>,
}

/// True when the model file is a quantized network rather than a NIR file.
pub fn is_qnet_file(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".json")
}

/// Read a quantized `.q.json`.
pub fn load_qnet_file(path: &Path) -> Result<LoadedModel> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&bytes);
    let qnet =
        QNet::from_json_str(&text).map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    Ok(LoadedModel {
        qnet,
        source_sha256: sha256_hex(&bytes),
        report: None,
    })
}

/// The layered quantization config: file (if any), then CLI flags on the model defaults.
pub fn quant_config(quant: &QuantSettings) -> Result<QuantConfig> {
    let mut cfg = match &quant.config_file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::input(format!("cannot read {}: {e}", p.display())))?;
            QuantConfig::from_toml_str(&text)
                .map_err(|e| Error::input(format!("{}: {e}", p.display())))?
        }
        None => QuantConfig::default(),
    };
    if quant.weight_bits.is_some() {
        cfg.default.weight_bits = quant.weight_bits;
    }
    if quant.state_bits.is_some() {
        cfg.default.state_bits = quant.state_bits;
    }
    if quant.decay_shift.is_some() {
        cfg.default.decay_shift = quant.decay_shift;
    }
    if quant.spike_bits.is_some() {
        cfg.default.spike_bits = quant.spike_bits;
    }
    if quant.input_bits.is_some() {
        cfg.input_bits = quant.input_bits;
    }
    Ok(cfg)
}

/// Run the float engine on `spikes` and package it as calibration data.
pub fn calibration(
    net: &FloatNet,
    spikes: &SpikeSteps,
    float: FloatTrace,
    labels: Option<&[i64]>,
) -> Result<Calibration> {
    // Any u8 value: the quantizer derives QNet::input_bits from the data (or checks it).
    let input = spikes.clone();
    let labels = labels.map(|l| {
        l.iter()
            .map(|&v| usize::try_from(v).unwrap_or(usize::MAX))
            .collect()
    });
    Calibration::new(net, input, float, labels).map_err(Error::input)
}

/// The float engine on `spikes` (every layer).
pub fn float_trace(net: &FloatNet, spikes: &SpikeSteps) -> Result<FloatTrace> {
    spikeloom_float::simulate(net, spikes).map_err(Error::input)
}
