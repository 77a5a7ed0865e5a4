//! Command-line arguments (clap derive). Raw arguments only: validation happens in `model.rs`
//! and the command modules.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// spikeloom: trained spiking networks (NIR) to verified Verilog and FPGA bitstreams.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a model contains, its shapes, sizes, semantics and what is supported.
    ///
    /// Example: spikeloom inspect model.nir --json
    Inspect(InspectArgs),
    /// Run a model on input spikes with one engine and write the output spikes/membranes.
    ///
    /// Example: spikeloom simulate model.nir --input x.npy --engine fixed --labels y.npy --out o.npz
    Simulate(SimulateArgs),
    /// Quantize a model to the integer network (the hardware contract) and report the cost.
    ///
    /// Example: spikeloom quantize model.nir --calibrate x.npy --labels y.npy -o model.q.json
    Quantize(QuantizeArgs),
    /// Prove the chain: float vs fixed (reported), fixed == cycle model == RTL (Verilator and
    /// Icarus), bit for bit and cycle for cycle; exit 1 and leave a reproducer on any mismatch.
    ///
    /// Example: spikeloom verify model.nir --input x.npy --labels y.npy --board icebreaker
    Verify(VerifyArgs),
    /// Sweep lanes and bit widths; print accuracy, LUTs and cycles per step and the Pareto front.
    ///
    /// Example: spikeloom explore model.nir --board icebreaker --input x.npy --labels y.npy
    Explore(crate::cmd_explore::ExploreArgs),
    /// List the supported boards: family, device, clock, host link and resources.
    ///
    /// Example: spikeloom boards --json
    Boards(crate::cmd_boards::BoardsArgs),
    /// Plan a model for a board (fit check) and write its Verilog, board wrapper and constraints.
    ///
    /// Example: spikeloom generate model.nir --board icebreaker -o out/
    Generate(crate::cmd_generate::GenerateArgs),
    /// Generate, verify on a sample, synthesise, place and route and pack a bitstream, with a report.
    ///
    /// Example: spikeloom build model.nir --board icebreaker -o out/ --sample x.npy
    Build(crate::cmd_build::BuildArgs),
    /// Stream input spikes through a programmed board over its UART and check its outputs.
    ///
    /// Example: spikeloom run out/ --port /dev/ttyUSB1 --input x.npy --labels y.npy
    Run(crate::cmd_run::RunArgs),
    /// Put a built design on the board with the programmer its board file names: check the
    /// attached board, write the weight image at its flash offset (if any), then the bitstream.
    ///
    /// Example: spikeloom program out/ --sram
    Program(crate::cmd_program::ProgramArgs),
}

/// How the model file is read: semantics of the exporting library.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// The model: a `.nir` file, or a quantized `.q.json` from `spikeloom quantize`.
    pub model: PathBuf,
    /// Discretization convention of the exporting library, with its version where the
    /// exporter's rules changed (norse) [default: file metadata, else guessed from the
    /// parameters (snntorch, spyx, rockpool, spikingjelly), else snntorch; `inspect` says which
    /// and why].
    #[arg(long, value_enum)]
    pub semantics: Option<SemanticsArg>,
    /// Reset mechanism (not stored in NIR files) [default: file metadata, else subtract].
    #[arg(long, value_enum)]
    pub reset: Option<ResetArg>,
    /// snnTorch reset_delay (not stored in NIR files) [default: file metadata, else true].
    #[arg(long)]
    pub reset_delay: Option<bool>,
    /// Time step in seconds used to map tau to decay factors [default: metadata, else 1e-4].
    #[arg(long)]
    pub dt: Option<f64>,
    /// Spikes per neuron and step (not stored in NIR files): `single` for a Sinabs model trained
    /// with `SingleSpike` (or Rockpool's max_spikes_per_dt = 1) [default: file metadata
    /// `spike_mode`, else multi under sinabs/rockpool, single otherwise].
    #[arg(long, value_enum)]
    pub spike_mode: Option<SpikeModeArg>,
    /// Largest dataset (weight or parameter array) the NIR reader loads, in MiB; it bounds the
    /// memory a file can take [default: SPIKELOOM_MAX_DATASET_MIB, else 512].
    #[arg(long, value_name = "MIB")]
    pub max_dataset_mib: Option<u64>,
}

/// Discretization conventions.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SemanticsArg {
    /// snnTorch Leaky/Synaptic/RLeaky/RSynaptic (beta = 1 - dt/tau).
    Snntorch,
    /// Forward Euler of the NIR equations, immediate reset to v_reset.
    NirEuler,
    /// Norse LIFBox (r ignored); the version is taken from the file (nir version, taus).
    Norse,
    /// Norse before 1.1 (git 2023-07 to 2024-01, e.g. the NIR paper's lif_norse.nir): tau in
    /// seconds.
    #[value(name = "norse@<1.1")]
    NorseBefore11,
    /// Norse 1.1.0 (PyPI): the file's tau is dt·tau.
    #[value(name = "norse@1.1")]
    Norse11,
    /// Norse git main since 2025-05-23 (#413): tau in seconds again.
    #[value(name = "norse@>1.1")]
    NorseAfter11,
    /// Sinabs (tau in steps, exp decay, multi-spike, subtract reset, IF clamp).
    Sinabs,
    /// Rockpool (exp decays, multi-spike, dt recovered from r).
    Rockpool,
    /// Spyx (beta = 1 - dt/tau, dt = 1, spike from the previous step's membrane).
    Spyx,
    /// SpikingJelly (Euler at the export's dt, fires at v >= threshold, hard reset).
    Spikingjelly,
}

/// Spikes per neuron and step.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SpikeModeArg {
    /// At most one spike per step (Sinabs SingleSpike: fires when v >= threshold, subtracts it
    /// once).
    Single,
    /// Spike counts (Sinabs MultiSpike, Rockpool): floor(v / threshold) spikes.
    Multi,
}

/// Reset mechanisms.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResetArg {
    /// Subtract the threshold.
    Subtract,
    /// Reset to v_reset (zero).
    Zero,
    /// No reset.
    None,
}

/// `inspect` arguments.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Simulation engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// Float reference (reproduces the training library).
    Float,
    /// Bit-exact integer golden model.
    Fixed,
    /// Cycle-accurate model of the generated hardware (also reports cycles per step).
    Cycle,
    /// The generated Verilog under an RTL simulator (see --simulator).
    Rtl,
}

/// Quantization settings, shared by every command that turns a `.nir` into integers.
#[derive(Debug, Clone, Args)]
pub struct QuantArgs {
    /// Signed weight width in bits (model default; the config file's overrides win).
    #[arg(long)]
    pub weight_bits: Option<u32>,
    /// Signed membrane (state) width in bits.
    #[arg(long)]
    pub state_bits: Option<u32>,
    /// Fraction bits of the decay factors.
    #[arg(long)]
    pub decay_shift: Option<u32>,
    /// Spike-count width (1-8) of multi-spike (Sinabs/Rockpool) layers [default: from the
    /// calibration's largest count, else 3].
    #[arg(long)]
    pub spike_bits: Option<u32>,
    /// Width (1-8) of one graded input value [default: from the largest calibration input
    /// value, else 1 = binary spikes]; calibration values above it are an error.
    #[arg(long)]
    pub input_bits: Option<u32>,
    /// TOML quantization config: input_bits, [default], [op.lif|cubalif|li|cubali], [layer.NAME].
    #[arg(long)]
    pub quant_config: Option<PathBuf>,
    /// Calibration input (`.npy` or `x.npz:name`, time-major like --input; spikes or graded
    /// integer values) used to measure
    /// membrane ranges and pick `input_bits`.
    #[arg(long)]
    pub calibrate: Option<PathBuf>,
}

/// `quantize` arguments.
#[derive(Debug, Args)]
pub struct QuantizeArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Quantization settings.
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Labels `[N]` of the calibration samples: report float vs fixed accuracy.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Sweep weight bits (comma-separated, e.g. 4,6,8) and print accuracy and memory per setting.
    #[arg(long, value_delimiter = ',')]
    pub sweep_weight_bits: Vec<u32>,
    /// Sweep state bits (comma-separated) together with --sweep-weight-bits.
    #[arg(long, value_delimiter = ',')]
    pub sweep_state_bits: Vec<u32>,
    /// Search per-layer weight and state widths (greedy) for the smallest memory whose fixed-point
    /// accuracy on the labelled calibration samples is at most PCT points below the float
    /// model's; writes the per-layer TOML config beside the -o file and prints the path taken.
    #[arg(long, value_name = "PCT")]
    pub max_accuracy_drop: Option<f64>,
    /// Write the quantized network here (JSON; any command accepts it as MODEL).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `simulate` arguments.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Input `.npy` (or `x.npz:name`), time-major: `[T, N, *shape]`, `[T, *shape]`, `[T, N, F]`
    /// or `[T, F]` (shape the model's input, F its size); bool/int/float 0/1 spikes, or graded
    /// integer values.
    #[arg(long)]
    pub input: PathBuf,
    /// Engine.
    #[arg(long, value_enum, default_value = "float")]
    pub engine: Engine,
    /// Quantization settings (integer engines with a `.nir` model).
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Class labels `.npy` `[N]`: print accuracy (argmax of the output layer's spike counts, or of its
    /// membrane summed over time for a non-spiking read-out layer).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Write `spikes` `[T, N, O]` uint8 and `v` `[T, N, O]` to this `.npz`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Board (name or TOML path) whose device the hardware plan targets (cycle engine).
    #[arg(long, default_value = "icebreaker")]
    pub board: String,
    /// Parallel lanes per core (cycle engine) [default: the planner's choice].
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Cycle engine: write a waveform (VCD) of the top-level and controller signals for the
    /// sample chosen with --vcd-sample.
    #[arg(long)]
    pub vcd: Option<PathBuf>,
    /// Sample recorded by --vcd.
    #[arg(long, default_value_t = 0)]
    pub vcd_sample: usize,
    /// RTL engine: the simulator.
    #[arg(long, value_enum, default_value = "verilator")]
    pub simulator: RtlSimulator,
}

/// RTL simulators for `simulate --engine rtl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RtlSimulator {
    /// Verilator (compiled; fast once built).
    Verilator,
    /// Icarus Verilog (event-driven; quick to start).
    Icarus,
}

/// Which RTL simulators `verify` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulatorArg {
    /// Verilator and Icarus.
    Both,
    /// Verilator only.
    Verilator,
    /// Icarus Verilog only.
    Icarus,
    /// No RTL simulation (fixed == cycle model only).
    None,
}

/// `verify` arguments.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Quantization settings (calibrated on --calibrate, else on --input).
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Input `.npy` (or `x.npz:name`), time-major, shapes and values as `simulate --input`.
    #[arg(long)]
    pub input: PathBuf,
    /// Labels `[N]`: report float and fixed accuracy.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Use only the first N samples.
    #[arg(long)]
    pub samples: Option<usize>,
    /// Board (name or TOML path) whose device the hardware plan targets.
    #[arg(long, default_value = "icebreaker")]
    pub board: String,
    /// Parallel lanes per core [default: the planner's choice].
    #[arg(long)]
    pub lanes: Option<usize>,
    /// RTL simulators to run.
    #[arg(long, value_enum, default_value = "both")]
    pub simulator: SimulatorArg,
    /// Directory for the generated RTL, simulator builds, logs and reproducers
    /// [default: a folder in the system temp dir named after the model hash].
    #[arg(long)]
    pub work: Option<PathBuf>,
    /// Verify this RTL directory (e.g. `generate`'s `DIR/rtl`, possibly edited by hand) instead
    /// of generating the Verilog afresh; it must come from the same model and settings.
    #[arg(long)]
    pub rtl: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn every_subcommand_is_well_formed() {
        // Catches clashing flag names across flattened argument groups at test time.
        Cli::command().debug_assert();
    }
}
