//! `spikeloom generate`: model -> hardware plan (fit-checked against a board) -> Verilog bundle,
//! board wrapper and constraints in a directory (`spikeloom_pipeline::design` has the layout).

use crate::args::{ModelArgs, QuantArgs};
use crate::CliError;
use clap::{Args, ValueEnum};
use spikeloom_pipeline::design::{clock_line, write, Design};
use spikeloom_pipeline::HwConfig;
use spikeloom_plan::{ConvEngineChoice, KernelMemChoice, StateMemChoice, WeightMemChoice};
use std::path::PathBuf;

/// Where the dense weights go (`--weight-memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightMemArg {
    /// Block RAM initialised by the bitstream when the weights fit, else the device's SPRAM
    /// (iCE40 UP5K), loaded at start-up from the SPI flash or over the host link.
    Auto,
    /// Always block RAM.
    Bram,
    /// Always SPRAM, loaded at start-up (iCE40 UP5K only).
    Spram,
}

/// Where the neuron units' membrane state goes (`--state-memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateMemArg {
    /// Block RAM while the design fits there; on an iCE40 UP5K short of block RAM, the largest
    /// units' state goes to the SPRAMs the weights and event lists leave free (such a unit
    /// updates a neuron every other cycle on average: the SPRAM has one port).
    Auto,
    /// Always block RAM.
    Bram,
    /// SPRAM for every unit whose state fits one (16K words of at most 16 bits), while SPRAMs
    /// are left (iCE40 UP5K only).
    Spram,
}

impl From<StateMemArg> for StateMemChoice {
    fn from(a: StateMemArg) -> Self {
        match a {
            StateMemArg::Auto => StateMemChoice::Auto,
            StateMemArg::Bram => StateMemChoice::Bram,
            StateMemArg::Spram => StateMemChoice::Spram,
        }
    }
}

/// Where the convolution kernels go (`--kernel-memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KernelMemArg {
    /// A block RAM ROM per convolution core while the design fits there; on an iCE40 UP5K
    /// short of block RAM, into the weight store's SPRAM (loaded with the weights; one more
    /// cycle per convolution layer and step).
    Auto,
    /// A ROM in each convolution core.
    Rom,
    /// Into the weight store whenever the weights are in SPRAM and the SPRAMs suffice.
    Store,
}

impl From<KernelMemArg> for KernelMemChoice {
    fn from(a: KernelMemArg) -> Self {
        match a {
            KernelMemArg::Auto => KernelMemChoice::Auto,
            KernelMemArg::Rom => KernelMemChoice::Rom,
            KernelMemArg::Store => KernelMemChoice::Store,
        }
    }
}

/// Whether the convolution layers share one convolution engine (`--conv-engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvEngineArg {
    /// One engine on an iCE40 whose logic the design would otherwise overfill (the layers on
    /// one shared neuron unit, kernels in the loaded weight store, power-of-two strides).
    Auto,
    /// One sl_conv per convolution layer.
    PerLayer,
    /// One sl_conv runs every convolution layer, one at a time (same cycles; its geometry
    /// becomes per-layer tables and its constant products MAC16 multipliers).
    Shared,
}

impl From<ConvEngineArg> for ConvEngineChoice {
    fn from(a: ConvEngineArg) -> Self {
        match a {
            ConvEngineArg::Auto => ConvEngineChoice::Auto,
            ConvEngineArg::PerLayer => ConvEngineChoice::PerLayer,
            ConvEngineArg::Shared => ConvEngineChoice::Shared,
        }
    }
}

/// The host bridge's rate encoder (`--rate-encoder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RateEncoderArg {
    /// Kept unless the design does not fit the board with it even at the fewest lanes asked
    /// for (the last resort: then RUN_PIXELS is refused and `spikeloom run` feeds spikes or
    /// values instead of pixels).
    Auto,
    /// The bridge rate-encodes pixels on chip (RUN_PIXELS).
    On,
    /// No rate encoder: ~215 iCE40 LUT4s fewer, and the input memory keeps the input's value
    /// bits instead of a pixel byte per feature.
    Off,
}

/// The host bridge's zero-skip (`--zero-skip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ZeroSkipArg {
    /// On when a step's input has more than 32 words of four features (more than 128 inputs):
    /// the list costs ~30 iCE40 logic cells and a block RAM, a full scan a cycle per 4 inputs.
    Auto,
    /// The bridge lists the non-zero input words and a step scans only those.
    On,
    /// A step scans every input word.
    Off,
}

impl From<WeightMemArg> for WeightMemChoice {
    fn from(a: WeightMemArg) -> Self {
        match a {
            WeightMemArg::Auto => WeightMemChoice::Auto,
            WeightMemArg::Bram => WeightMemChoice::Bram,
            WeightMemArg::Spram => WeightMemChoice::Spram,
        }
    }
}

/// `--flash-offset`: bytes, as `131072`, `0x20000`, `128k` or `1M` (iceprog's suffixes).
pub fn parse_offset(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let (digits, scale) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1024u64),
        Some((i, 'M')) => (&t[..i], 1024 * 1024),
        _ => (t, 1),
    };
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse::<u64>(),
    }
    .map_err(|_| format!("`{text}` is not a byte offset (e.g. 131072, 0x20000, 128k, 1M)"))?;
    value
        .checked_mul(scale)
        .filter(|v| *v < 1 << 24)
        .map(|v| v as u32)
        .ok_or_else(|| {
            format!("flash offset `{text}` is beyond the 16 MB a 24-bit SPI address reaches")
        })
}

/// Hardware choices shared by `generate` and `build`.
#[derive(Debug, Clone, Args)]
pub struct HwArgs {
    /// Target board: a built-in name (see `spikeloom boards`) or a path to a board .toml.
    #[arg(long)]
    pub board: String,
    /// Output directory (created if missing).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Parallel lanes per core [default: the most of 8, 4, 2, 1 that fits the board].
    #[arg(long)]
    pub lanes: Option<usize>,
    /// Design clock in MHz: the PLL makes the fastest clock not above it (on a board with a
    /// known USB-UART bridge, among those within 5% below it, the one whose exact baud rate is
    /// fastest); the board's oscillator frequency uses no PLL [default: the board's for the
    /// design's cores (`spikeloom boards`: engine / convolution core)].
    #[arg(long, value_name = "MHZ")]
    pub clock_mhz: Option<f64>,
    /// UART baud rate of the board's host link [default: the fastest the link makes exactly at
    /// the design clock, or the board's `default_baud` on a link whose rates are not known].
    #[arg(long)]
    pub baud: Option<u32>,
    /// Where the dense weights go.
    #[arg(long, value_enum, default_value_t = WeightMemArg::Auto)]
    pub weight_memory: WeightMemArg,
    /// Where the neuron units' membrane state goes.
    #[arg(long, value_enum, default_value_t = StateMemArg::Auto)]
    pub state_memory: StateMemArg,
    /// Where the convolution kernels go.
    #[arg(long, value_enum, default_value_t = KernelMemArg::Auto)]
    pub kernel_memory: KernelMemArg,
    /// Whether the convolution layers share one convolution engine.
    #[arg(long, value_enum, default_value_t = ConvEngineArg::Auto)]
    pub conv_engine: ConvEngineArg,
    /// Byte offset of the weight image in the board's SPI flash, for a design whose weights are
    /// loaded at start-up (e.g. 0x20000, 128k) [default: the first 64 kB block after the
    /// bitstream].
    #[arg(long, value_parser = parse_offset)]
    pub flash_offset: Option<u32>,
    /// Whether the host bridge skips all-zero input words (a step then scans only the words
    /// of four inputs that hold a non-zero value).
    #[arg(long, value_enum, default_value_t = ZeroSkipArg::Auto)]
    pub zero_skip: ZeroSkipArg,
    /// Whether the host bridge has the RUN_PIXELS command and its on-chip rate encoder.
    #[arg(long, value_enum, default_value_t = RateEncoderArg::Auto)]
    pub rate_encoder: RateEncoderArg,
    /// Whether convolution layers update their neurons on the dense layers' shared neuron
    /// unit (one pipelined datapath for all layers of one neuron structure and lane count)
    /// instead of P neuron datapaths per convolution core.
    #[arg(long, value_enum, default_value_t = ConvUnitsArg::Auto)]
    pub conv_units: ConvUnitsArg,
}

/// `--conv-units`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvUnitsArg {
    /// A convolution core of at most 3 lanes joins a compatible unit (its own sweep takes 3
    /// cycles per block of lanes, the unit one per neuron: no slower there).
    Auto,
    /// Convolution layers join a compatible unit (a dense layer of the same neuron structure
    /// and lanes); the others keep their own datapaths.
    On,
    /// Every convolution core keeps its own P neuron datapaths.
    Off,
}

impl HwArgs {
    /// The pipeline's hardware config.
    pub fn config(&self) -> HwConfig {
        HwConfig {
            board: self.board.clone(),
            lanes: self.lanes,
            clock_mhz: self.clock_mhz,
            baud: self.baud,
            weight_memory: self.weight_memory.into(),
            state_memory: self.state_memory.into(),
            kernel_memory: self.kernel_memory.into(),
            conv_engine: self.conv_engine.into(),
            flash_offset: self.flash_offset,
            zero_skip: match self.zero_skip {
                ZeroSkipArg::Auto => None,
                ZeroSkipArg::On => Some(true),
                ZeroSkipArg::Off => Some(false),
            },
            rate_encoder: match self.rate_encoder {
                RateEncoderArg::Auto => None,
                RateEncoderArg::On => Some(true),
                RateEncoderArg::Off => Some(false),
            },
            conv_units: match self.conv_units {
                ConvUnitsArg::Auto => None,
                ConvUnitsArg::On => Some(true),
                ConvUnitsArg::Off => Some(false),
            },
        }
    }
}

/// `generate` arguments.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Model and semantics.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Quantization settings (for a `.nir` model).
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Board, output directory, lanes.
    #[command(flatten)]
    pub hw: HwArgs,
}

/// Run the command.
pub fn run(args: &GenerateArgs) -> Result<(), CliError> {
    let session = crate::config::session(&args.model, Some(&args.quant))?.with_hw(args.hw.config());
    let design = session.design()?;
    let written = write(design, &args.hw.out)?;
    summary(design);
    println!("wrote {} files to {}", written, args.hw.out.display());
    Ok(())
}

/// Print the short summary shared with `build`.
pub fn summary(d: &Design) {
    let r = &d.plan.resources;
    let dev = &d.board.device;
    println!(
        "design for {} ({}): {} cores, lanes {:?}, ~{} of {} logic cells (~{} LUT4s, ~{} FFs), {} of {} BRAMs, {} of {} DSPs (estimate, board top included)",
        d.board.name,
        dev.name,
        d.plan.cores.len(),
        d.manifest.lanes,
        r.logic_cells,
        dev.luts,
        r.luts,
        r.ffs,
        r.brams,
        dev.bram_count,
        r.dsps,
        dev.dsp_count
    );
    println!("{}", clock_line(&d.clock));
    if let Some(w) = &d.manifest.weights {
        let from = match w.flash_offset {
            Some(offset) => format!(
                "from SPI flash offset {offset:#x} in {} cycles ({:.1} ms), or over the host link",
                w.load_cycles,
                w.load_cycles as f64 / (d.clock.design.mhz() * 1e3)
            ),
            None => format!(
                "over the host link only (board `{}` names no SPI flash)",
                d.board.name
            ),
        };
        println!(
            "weights in SPRAM, loaded at start-up: {} ({} bytes, CRC-32 {:#010x}) {from}",
            w.file, w.bytes, w.crc32
        );
    }
}
