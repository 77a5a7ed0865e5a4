//! spikeloom-plan: maps an integer network (`QNet`) onto hardware cores and checks it fits a device.
//!
//! Architecture (read by both `spikeloom-verilog` and `spikeloom-cyclesim`):
//! - inside a time step the layers run one after another (sequential layer schedule, a
//!   time-step barrier keeps the contract's semantics exactly);
//! - dense layers run on the engine ([`EnginePlan`]): P shared accumulator lanes walk a layer's
//!   neurons in blocks of P ("output-block stationary"), streaming the event list of every
//!   projection and adding one weight word (P weights) per event; each finished block is handed
//!   to the layer's neuron unit, which updates one neuron per cycle while the lanes accumulate
//!   the next block; dense layers of the same update structure share one unit ([`UnitPlan`]);
//! - the dense weights live in one [`WeightStore`], block-major per core: word
//!   `weight_base + offset[j] + block * rows[j] + event` (block RAM ROM, or iCE40 SPRAM
//!   loaded at start-up);
//! - a layer whose (single) projection is a convolution gets a convolution core instead
//!   (rtl-templates/core/sl_conv.v): its P lanes hold P output channels of a group at one
//!   output position; the kernel is stored once, P channels per word; each input event is
//!   scattered over its kernel footprint, one tap (one word, P channels) per cycle, into the P
//!   accumulator RAMs, then the neurons are updated one address (P channels) at a time
//!   ([`conv_slot_neuron`]); a convolution mixed with other projections in one layer is
//!   rejected;
//! - a pooled projection (`QProjection::pool`, a SumPool/AvgPool whose windows do not overlap)
//!   keeps its own weights: its event indices pass an index map (rtl-templates/core/sl_pmap.v)
//!   to the pooled element before the store row (dense: `rows` per block, the pooled size plus
//!   a zero row when the pooling drops source elements) or the kernel footprint (convolution:
//!   an element outside every window adds nothing); no extra cycles;
//! - spikes of every layer go to an event buffer with two banks (ping-pong by step parity) when a
//!   delayed projection reads it, so recurrent edges see the previous step;
//! - a projection with per-source delays (NIR `Delay`) reads a delay line instead
//!   (`DelayLine`, rtl-templates/core/sl_delay.v): a ring of per-step event lists its source
//!   writes ahead into.

#![deny(clippy::float_arithmetic)]

mod build;
mod config;
mod cycles;
mod display;
mod error;
mod image;
mod interface;
mod limits;
mod loader;
// The resource cost model compares estimated costs in f64; no model value is computed here.
#[allow(clippy::float_arithmetic)]
mod resources;
mod types;
mod widths;

pub use build::plan;
/// Zero-skip pays for its list (~30 iCE40 logic cells, a block RAM) from this many input words
/// of four features on: a smaller input's scan is at most this many cycles a step (the digits
/// MLP's 64 inputs: 16), a larger one's is most of the step for a sparse input (MNIST's 784
/// inputs: 201 of ~740 cycles before zero-skip).
pub const ZERO_SKIP_MIN_WORDS: usize = 32;
/// `PlanConfig::conv_units` automatic: a convolution core of at most this many lanes updates
/// its neurons on a compatible shared unit. Its own sweep takes 3 cycles per block of P
/// neurons, the unit one cycle per neuron, so up to 3 lanes the unit is no slower, and it
/// saves the core's P neuron datapaths (the N-MNIST CNN on the ULX3S-25F at 2 lanes, two of its
/// three convolutions on the unit: 4034 -> 3696 LUT4s, 564,304 -> 546,597 cycles per 8 steps;
/// all three, with mixed count widths: 3715 LUT4s, 531,358 cycles, Fmax 52.6 -> 66.4 MHz).
pub const CONV_UNIT_MAX_LANES: usize = 3;
/// Layers whose spike counts differ in width share a neuron unit when every width is at most
/// this many bits: one digit group of the unit's radix-8 division (sl_neuron), where capping a
/// layer's count at its own `2^bits - 1` is a mask on the group's passing multiples (`n_max`),
/// so the remainder is the layer's own `U - n * theta`. Wider counts share only with their own
/// width (several digit groups would need a saturation after the division).
pub const MIXED_COUNT_MAX_BITS: u32 = 3;
pub use config::PlanConfig;
pub use cycles::{StepActivity, ACC_LATENCY, UNIT_LATENCY};
pub use error::PlanError;
pub use image::{
    crc32, flash_hex, ImageError, LoadState, WeightImage, FLASH_HEX, IMAGE_HEADER_BYTES,
    IMAGE_MAGIC, MAX_GRANULES,
};
pub use interface::{LoaderPorts, TopInterface};
pub use limits::HardwareProblem;
pub use loader::{LoaderConfig, LoaderPlan, DEFAULT_FLASH_OFFSET, READ_03_MAX_SCK_HZ, TRES1_NS};
pub use resources::{logic_cells, BoardTopConfig, FitReport, Resources};
pub mod testing;
pub use types::*;
pub use widths::bits_for_range;
