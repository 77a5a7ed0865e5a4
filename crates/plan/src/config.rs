//! Planner settings (one small typed config; the CLI fills it).

use crate::loader::LoaderConfig;
use crate::resources::BoardTopConfig;
use crate::types::{
    AccMemChoice, ConvEngineChoice, EventMemChoice, KernelMemChoice, StateMemChoice,
    WeightMemChoice,
};

/// How to map a network onto hardware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanConfig {
    /// Lanes per core for every layer; `None` = choose (at most `max_lanes`, fewer if it does not fit).
    pub lanes: Option<usize>,
    /// Upper bound for the automatic lane choice.
    pub max_lanes: usize,
    /// Fail with [`crate::PlanError::DoesNotFit`] when the estimate exceeds the device.
    /// Off for pure simulation, where the device only feeds the report.
    pub require_fit: bool,
    /// Use shift-and-add leak when a uniform decay constant has at most this many set bits.
    pub shift_add_max_terms: u32,
    /// Memory of the dense weights (block RAM ROM or, on the iCE40 UP5K, SPRAM loaded at
    /// start-up).
    pub weight_memory: WeightMemChoice,
    /// Memory of the large event lists (block RAM each, or one shared SPRAM on the UP5K).
    pub event_memory: EventMemChoice,
    /// Whether the convolution cores share one accumulator RAM.
    pub conv_acc_memory: AccMemChoice,
    /// Memory of the neuron units' membrane state (block RAM, or an SPRAM each on the UP5K:
    /// [`crate::UnitPlan::state_spram`]).
    pub state_memory: StateMemChoice,
    /// Memory of the convolution kernels (a ROM per core, or the loaded weight store:
    /// [`crate::WeightStore::kernels`]).
    pub kernel_memory: KernelMemChoice,
    /// Whether the convolution layers share one convolution engine ([`crate::ConvEngine`]).
    pub conv_engine: ConvEngineChoice,
    /// The start-up weight loader's clock and flash offset (for a store loaded at start-up).
    pub loader: LoaderConfig,
    /// The board top `spikeloom build` puts around the core (host bridge, UART, reset, LEDs),
    /// counted in the estimate and the fit check; `None` estimates the core alone.
    pub board_top: Option<BoardTopConfig>,
    /// Let the engine read two events per cycle where the device allows it
    /// ([`crate::BufferPlan::paired`]).
    pub pair_events: bool,
    /// Let dense layers of the same neuron configuration share one neuron unit
    /// ([`crate::UnitPlan`]); `false` gives every dense layer its own unit (same cycles, more
    /// logic; for comparisons).
    pub share_units: bool,
    /// Let convolution layers update their neurons on the engine's shared units (their cores
    /// keep the scatter and hand each block's sums over, one neuron per cycle, like the
    /// accumulators) instead of P neuron datapaths of their own; needs a dense layer of the
    /// same update structure and lanes (else the layer keeps its own datapaths). `None`: a
    /// convolution core of at most [`crate::CONV_UNIT_MAX_LANES`] lanes joins (its own sweep
    /// takes 3 cycles per block of P neurons, the unit one cycle per neuron: no slower there).
    pub conv_units: Option<bool>,
    /// On iCE40 (no distributed RAM, logic is what runs out first), put the small memories
    /// Yosys would build from LUTs and FFs into block RAM while the device has block RAM to
    /// spare ([`crate::Plan::block_memories`]).
    pub small_memories_in_bram: bool,
    /// The host bridge lists the non-zero words of a step's input and scans only those
    /// (zero-skip, [`crate::Plan::bridge_zero_skip`]); `None`: when a step has more than
    /// [`crate::ZERO_SKIP_MIN_WORDS`] words of four features.
    pub zero_skip: Option<bool>,
    /// The host bridge's RUN_PIXELS command and rate encoder ([`crate::Plan::bridge_pixels`]);
    /// `None`: kept unless the design does not fit the device with it at the lanes chosen (the
    /// last resort, after fewer lanes: a plan without it is taken when it fits or leaves fewer
    /// resources short).
    pub rate_encoder: Option<bool>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            lanes: None,
            max_lanes: 8,
            require_fit: true,
            shift_add_max_terms: 3,
            weight_memory: WeightMemChoice::Auto,
            event_memory: EventMemChoice::Auto,
            conv_acc_memory: AccMemChoice::Auto,
            state_memory: StateMemChoice::Auto,
            kernel_memory: KernelMemChoice::Auto,
            conv_engine: ConvEngineChoice::Auto,
            loader: LoaderConfig::default(),
            board_top: Some(BoardTopConfig::default()),
            pair_events: true,
            share_units: true,
            conv_units: None,
            small_memories_in_bram: true,
            zero_skip: None,
            rate_encoder: None,
        }
    }
}
