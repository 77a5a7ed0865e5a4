//! The hardware plan: plain data read by the Verilog emitter and the cycle model alike.

pub use spikeloom_qnet::{ConvGeometry, PoolGeometry, QFire, QReset, QSource, Rounding};

use crate::resources::{FitReport, Resources};

/// Neuron model implemented by a core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeuronKind {
    /// Leaky integrate-and-fire.
    Lif,
    /// Current-based LIF (adds a synaptic current state).
    CubaLif,
    /// Leaky integrator (never spikes).
    Li,
    /// Current-based leaky integrator (CubaLif without firing).
    CubaLi,
}

impl NeuronKind {
    /// Code of the `KIND` parameter of `sl_neuron`.
    pub fn code(self) -> u32 {
        match self {
            Self::Lif => 0,
            Self::CubaLif => 1,
            Self::Li => 2,
            Self::CubaLi => 3,
        }
    }

    /// True for the kinds with a synaptic current register (CubaLif, CubaLi).
    pub fn has_current(self) -> bool {
        matches!(self, Self::CubaLif | Self::CubaLi)
    }

    /// True for the kinds that spike (Lif, CubaLif).
    pub fn fires(self) -> bool {
        matches!(self, Self::Lif | Self::CubaLif)
    }
}

/// Code of the `RESET` parameter of `sl_neuron`.
pub fn reset_code(reset: QReset) -> u32 {
    match reset {
        QReset::Subtract => 0,
        QReset::ZeroKeepInput => 1,
        QReset::ZeroDropInput => 2,
        QReset::None => 3,
    }
}

/// A per-neuron parameter: a constant when uniform across the layer, else a small ROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// Same value for every neuron of the layer (a Verilog parameter).
    Const(i64),
    /// One value per neuron, `blocks * lanes` long (padding lanes hold 0), in a ROM addressed by block.
    Rom(Vec<i64>),
}

impl Param {
    /// Value for neuron slot `n` (block * lanes + lane).
    pub fn at(&self, n: usize) -> i64 {
        match self {
            Self::Const(v) => *v,
            Self::Rom(v) => v[n],
        }
    }
    /// Smallest and largest value.
    pub fn range(&self) -> (i64, i64) {
        match self {
            Self::Const(v) => (*v, *v),
            Self::Rom(v) => {
                let lo = v.iter().copied().min().unwrap_or(0);
                let hi = v.iter().copied().max().unwrap_or(0);
                (lo, hi)
            }
        }
    }
    /// True when stored in a ROM.
    pub fn is_rom(&self) -> bool {
        matches!(self, Self::Rom(_))
    }
}

/// How the decay product `d * v` is built (both give the same integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leak {
    /// A multiplier (DSP where the device has one).
    Multiply,
    /// Sum of shifted copies of `v`, one per set bit of the constant decay.
    ShiftAdd {
        /// Number of set bits (adders).
        terms: u32,
    },
}

/// One weighted input of a core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjPlan {
    /// NIR node name of the projection.
    pub origin: String,
    /// Spike source.
    pub source: QSource,
    /// Index into [`Plan::buffers`] of the event buffer it reads (its delay line when it has
    /// per-source delays).
    pub buffer: usize,
    /// Reads the previous step's events (other bank; for a delay line, part of its delays).
    pub delayed: bool,
    /// Number of source neurons (events per step at most).
    pub src_size: usize,
    /// Pooling in front of the weights (`QProjection::pool`): each event index `i` is mapped
    /// to its pooled element (`sl_pmap`, twin `pmap::pool_map`) before the store or kernel
    /// address is formed; an index outside every window reads [`ProjPlan::rows`]' zero row
    /// (dense) or adds nothing (convolution).
    pub pool: Option<PoolGeometry>,
    /// Dense: store rows per block, `src_size`, or when pooled the pooled size, plus one
    /// all-zero row (the last) when the pooling drops source elements (gaps, cropped
    /// remainder). Convolution: the kernel's input elements (the pooled size when pooled).
    pub rows: usize,
    /// First weight word of this projection in the core's ROM.
    pub word_offset: usize,
    /// Width of the value its events carry (1: binary spikes, each adds `W`; more: graded
    /// input or spike counts, each event adds `value * W`).
    pub value_bits: u32,
}

/// One layer mapped onto one core.
#[derive(Debug, Clone, PartialEq)]
pub struct CorePlan {
    /// NIR name of the layer.
    pub name: String,
    /// Verilog identifier derived from the name (unique in the design).
    pub ident: String,
    /// Neurons.
    pub size: usize,
    /// Parallel lanes P: weights read per cycle (dense: the engine's lanes; convolution:
    /// neurons updated per cycle in its sweep).
    pub lanes: usize,
    /// ceil(size / lanes).
    pub blocks: usize,
    /// Neuron model.
    pub kind: NeuronKind,
    /// Reset rule.
    pub reset: QReset,
    /// snnTorch reset_delay.
    pub reset_delay: bool,
    /// Spike rule: one binary spike (`Single`) or a spike count per step (`Count`: restoring
    /// division of the membrane by theta over `spike_bits` stages; events carry the count).
    pub fire: QFire,
    /// Widest event value among the projections (1 when every input is binary: the
    /// accumulators add plain weights, no multiplier).
    pub value_bits: u32,
    /// Weighted inputs, in the QNet order.
    pub projections: Vec<ProjPlan>,
    /// Signed width of one weight.
    pub weight_bits: u32,
    /// Left shift of the accumulated sum.
    pub weight_shift: u32,
    /// Weight rows. Dense core: row `w`, lane `k` is `weights[w * lanes + k]` (0 for padding
    /// lanes); the rows live in the design's shared [`WeightStore`] from word `weight_base` on.
    /// Convolution core: the shared kernel, stored once in the core's own ROM, P weights per
    /// word: word `((group * chunks + chunk) * C_in/groups + ci) * kH * kW + ky * kW + kx`,
    /// lane `k` is output channel `group * C_out/groups + chunk * P + k` (0 for padding).
    pub weights: Vec<i32>,
    /// Dense core: store word of its row 0 (projection `j`'s rows start at `weight_base +
    /// word_offset`). Convolution core: store word of its kernel word 0 when the kernels live
    /// in the store ([`WeightStore::kernels`]), else 0.
    pub weight_base: usize,
    /// `Some` for a convolution core (sl_conv): its single projection is this convolution; the
    /// core scatters each input event over its kernel footprint into an accumulator RAM (one
    /// chunk of `lanes` output channels per cycle), then sweeps the neurons in blocks of
    /// `lanes` channels (see [`conv_slot_neuron`]). `None` for a dense core.
    pub conv: Option<ConvGeometry>,
    /// Bias in state LSBs.
    pub bias: Param,
    /// Threshold (strict `>`).
    pub theta: Param,
    /// Reset value.
    pub v_reset: Param,
    /// Membrane decay numerator.
    pub beta: Param,
    /// Current decay numerator (CubaLif and CubaLi; `Const(0)` otherwise).
    pub alpha: Param,
    /// Leak circuit of the membrane decay.
    pub beta_leak: Leak,
    /// Leak circuit of the current decay.
    pub alpha_leak: Leak,
    /// Signed membrane width.
    pub state_bits: u32,
    /// Signed current width (CubaLif and CubaLi; 0 otherwise).
    pub current_bits: u32,
    /// Fraction bits of decays.
    pub decay_shift: u32,
    /// Rounding of decay products.
    pub rounding: Rounding,
    /// Signed width of a lane accumulator (holds any sum of `fan_in` weights).
    pub acc_bits: u32,
    /// Signed width of every intermediate of the neuron update (no overflow possible).
    pub work_bits: u32,
    /// Signed width of every intermediate but the decay products before rounding: the
    /// streaming unit's pipeline registers after the rounding shift (<= `work_bits`).
    pub stage_bits: u32,
    /// Signed width of the bias/threshold/reset-value ports.
    pub param_bits: u32,
    /// Event buffer this layer's spikes are written to, if anyone reads them.
    pub out_buffer: Option<usize>,
}

impl CorePlan {
    /// Number of weight rows (dense core: store words it owns; convolution core: kernel ROM
    /// words). Both hold P weights per word.
    pub fn weight_depth(&self) -> usize {
        self.weights.len() / self.lanes
    }
    /// Width of one weight word: P weights.
    pub fn weight_word_bits(&self) -> u32 {
        self.lanes as u32 * self.weight_bits
    }
    /// Lane chunks per group of a convolution core, `ceil(C_out/groups / P)`; 0 for a dense core.
    pub fn conv_chunks(&self) -> usize {
        self.conv
            .as_ref()
            .map_or(0, |c| c.out_per_group().div_ceil(self.lanes))
    }
    /// Footprint taps visited per input event by a convolution core, `chunks * kH * kW` (one
    /// cycle each, valid or clipped by the border; each updates the P channels of a chunk); 0
    /// for a dense core.
    pub fn conv_taps(&self) -> usize {
        self.conv
            .as_ref()
            .map_or(0, |c| self.conv_chunks() * c.kernel[0] * c.kernel[1])
    }
    /// Neuron index step between the lanes of a block: H_out * W_out for a convolution core
    /// (its lanes are output channels, [`conv_slot_neuron`]), 1 for a dense core.
    pub fn neuron_step(&self) -> usize {
        self.conv.as_ref().map_or(1, |g| g.output[1] * g.output[2])
    }
    /// Words of this core in a neuron unit's state RAM: a dense core's neurons, a convolution
    /// core's slots (blocks x lanes, padding lanes included: its parameters are laid out by
    /// slot, [`conv_slot_neuron`]).
    pub fn state_words(&self) -> usize {
        if self.conv.is_some() {
            self.blocks * self.lanes
        } else {
            self.size
        }
    }
    /// Total fan-in (sum of source sizes).
    pub fn fan_in(&self) -> usize {
        self.projections.iter().map(|p| p.src_size).sum()
    }
    /// Width of the decay ports (unsigned, holds 2^decay_shift).
    pub fn decay_bits(&self) -> u32 {
        self.decay_shift + 1
    }
    /// Width of the value this core's events carry (and of its trace spike lanes): 1 for binary
    /// spikes, `spike_bits` for a `QFire::Count` layer.
    pub fn spike_bits(&self) -> u32 {
        self.fire.event_bits()
    }
    /// Width of a convolution core's coordinates and addresses (sl_conv `CW`): every
    /// coordinate, neuron and kernel address its datapath holds, with margin for the counters'
    /// last increments, and wider than the event index (`ev_bits`); 0 for a dense core.
    pub fn coord_bits(&self, ev_bits: u32) -> u32 {
        let Some(g) = &self.conv else { return 0 };
        let [ci, hi, wi] = g.input;
        let [_, ho, wo] = g.output;
        let [kh, kw] = g.kernel;
        let (cig, cog) = (g.in_per_group(), g.out_per_group());
        let kk = kh * kw;
        let co_step = (cig - 1) * kk + 1;
        let big = [
            Self::xy_span(g),
            ci * hi * wi,
            self.size,
            self.weight_depth() + co_step + kk,
            // neurons (the sweep's next group base), addresses, and a padding lane's neuron
            (cog + self.lanes) * ho * wo * g.groups + ho * wo,
        ]
        .into_iter()
        .max()
        .unwrap_or(1);
        crate::interface::ubits(big).max(ev_bits) + 1
    }
    /// Width of a convolution core's coordinates (sl_conv `XW`): rows and columns, kernel
    /// offsets and their sums with the padding, output rows and columns, and the geometry's
    /// constants, with one bit of margin; at most [`CorePlan::coord_bits`]. 0 for a dense core.
    pub fn xy_bits(&self, ev_bits: u32) -> u32 {
        let Some(g) = &self.conv else { return 0 };
        (crate::interface::ubits(Self::xy_span(g)) + 1).min(self.coord_bits(ev_bits))
    }

    /// The largest coordinate value sl_conv holds or compares: a row or column plus the
    /// padding and the dilated kernel extent, the output rows and columns, and the geometry's
    /// constants.
    fn xy_span(g: &ConvGeometry) -> usize {
        let ext = |a: usize| g.dilation[a] * (g.kernel[a] - 1) + 1;
        [
            g.input[1] + g.padding[0] + ext(0),
            g.input[2] + g.padding[1] + ext(1),
            g.output[1],
            g.output[2],
            g.stride[0],
            g.stride[1],
            g.dilation[0],
            g.dilation[1],
            g.kernel[0],
            g.kernel[1],
        ]
        .into_iter()
        .max()
        .unwrap_or(1)
    }
    /// `spike_bits` of a `QFire::Count` layer, 0 for binary spikes (the `CNT` parameter).
    pub fn count_bits(&self) -> u32 {
        match self.fire {
            QFire::Single => 0,
            QFire::Count { spike_bits, .. } => spike_bits,
        }
    }
}

/// Neuron of slot `slot` (address * lanes + lane) of a convolution core with `lanes` lanes, or
/// `None` for a padding lane. The lanes stripe the output channels of a group: address
/// `(group * chunks + chunk) * H_out*W_out + pos`, lane `k` holds output channel
/// `group * C_out/groups + chunk * lanes + k` at output position `pos` (see sl_conv.v).
pub fn conv_slot_neuron(g: &ConvGeometry, lanes: usize, slot: usize) -> Option<usize> {
    let hwo = g.output[1] * g.output[2];
    let cog = g.out_per_group();
    let chunks = cog.div_ceil(lanes);
    let (a, k) = (slot / lanes, slot % lanes);
    let (c, pos) = (a / hwo, a % hwo);
    let (grp, ch) = (c / chunks, c % chunks);
    let j = ch * lanes + k;
    (j < cog && grp < g.groups.max(1)).then(|| (grp * cog + j) * hwo + pos)
}

/// A delay line (NIR `Delay`, `QProjection::source_delay`): a ring of `slots` per-step event
/// lists of one source (sl_delay.v). When the source emits event (i, v) in step t it is written
/// into the list of step `t + delays[i]`; in step t the consuming core reads the list of step t
/// through the event-buffer interface, and the list is emptied at the start of step t + 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayLine {
    /// NIR name of the projection whose delays it implements (for messages).
    pub origin: String,
    /// Lists in the ring: the largest delay + 1.
    pub slots: usize,
    /// Effective delay of every source index in steps: `delayed` (0 or 1) + `source_delay[i]`,
    /// each below `slots`.
    pub delays: Vec<u32>,
}

impl DelayLine {
    /// The delay shared by every source index, if uniform (then no delay ROM is built).
    pub fn uniform(&self) -> Option<u32> {
        match self.delays.first() {
            Some(&d) if self.delays.iter().all(|&x| x == d) => Some(d),
            _ => None,
        }
    }
    /// Width of a slot index (and of one delay ROM word).
    pub fn slot_bits(&self) -> u32 {
        crate::interface::ubits(self.slots.saturating_sub(1))
    }
}

/// An event buffer: a list of spike indices of one source per step, or a delay line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferPlan {
    /// Source of the events.
    pub source: QSource,
    /// Name for comments (layer name or `input`).
    pub name: String,
    /// Events per bank (the source size: each index at most once per step).
    pub depth: usize,
    /// 2 when a delayed projection reads it (ping-pong by step parity), else 1; for a delay
    /// line the number of slots.
    pub banks: usize,
    /// Width of the value stored with each index (1: binary spikes, nothing stored; more:
    /// graded input values or spike counts, stored beside the index).
    pub value_bits: u32,
    /// `Some` for a delay line of one projection (its `banks` is then the slot count and
    /// the projection reads it as the current step's list); `None` for a plain buffer.
    pub delay: Option<DelayLine>,
    /// Read two events per cycle (sl_evbuf `PAIR`: even and odd positions in two memories,
    /// read by pair index): set when only the engine reads the buffer, its events are binary,
    /// and the weight store has a second read port for the second event (ECP5 block RAM is
    /// true dual-port). A projection reading it takes `ceil(events / 2)` accumulation cycles.
    pub paired: bool,
    /// `Some(base)`: the list lives in the shared event SPRAM ([`Plan::event_spram`]) from word
    /// `base` on (`depth` words of index and value), not in a block RAM of its own.
    pub spram: Option<usize>,
}

/// The event lists held in one iCE40 UP5K SPRAM (sl_evspram.v, one SB_SPRAM256KA, 16K x 16,
/// one port). Only lists whose writer (the input, or a convolution core's sweep) and readers
/// (convolution cores' scatter) never access them in the same cycle join: the layers run one
/// at a time, a convolution core reads its source list only while scattering and pushes its
/// spikes only while sweeping, and the host writes the input list before layer 0. Each list
/// keeps its count registers; SPRAM contents need no clearing (a list is read only below its
/// count, which reset empties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSpram {
    /// The shared buffers (indices into [`Plan::buffers`]), in address order.
    pub lists: Vec<usize>,
    /// Words used (the lists' depths summed), at most [`SPRAM_WORDS`].
    pub words: usize,
    /// Widest value stored beside an index (1: binary, nothing stored).
    pub value_bits: u32,
}

/// One accumulator RAM shared by every convolution core (instead of P RAMs per core): the
/// layers run one at a time, and a core leaves every word it used zeroed (its sweep's UPD
/// writes 0 after reading a block), as the post-reset clear leaves all of them, so each core
/// finds its words at 0. Word `a`, lane `k` (bits `[k * acc_bits +: acc_bits]`) holds lane `k`
/// of core address `a` (the core's own accumulator width in the low bits of the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAcc {
    /// The convolution cores sharing it (QNet layer indices).
    pub cores: Vec<usize>,
    /// Lanes per word: the widest core's.
    pub lanes: usize,
    /// Bits per lane: the widest core accumulator.
    pub acc_bits: u32,
    /// Words: the most blocks of a core.
    pub depth: usize,
}

/// Whether the convolution cores share one accumulator RAM (a [`crate::PlanConfig`] setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccMemChoice {
    /// Shared on iCE40 when block RAM is short (and two or more convolution cores exist).
    #[default]
    Auto,
    /// Each convolution core keeps its own accumulator RAMs.
    PerCore,
    /// Shared whenever two or more convolution cores exist.
    Shared,
}

/// Where the neuron units' membrane state goes (a [`crate::PlanConfig`] setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateMemChoice {
    /// Block RAM while the design fits there; on an iCE40 short of block RAM, the largest
    /// units' state goes to the SPRAMs the weights and event lists leave free.
    #[default]
    Auto,
    /// Every unit's state in block RAM.
    Bram,
    /// Every unit whose state can go to an SPRAM goes there, while SPRAMs are left.
    Spram,
}

/// One convolution engine (sl_conv with `NL` > 1) that runs the scatter and sweep of several
/// convolution layers, one at a time, instead of one sl_conv per layer. The layers run one after
/// another anyway (the controller starts a layer when the one before is done), so one set of
/// counters, decode and address arithmetic serves them all: the running layer (latched from its
/// start pulse) selects its geometry from per-layer parameter tables. The constant arithmetic
/// of a single core becomes variable: the decode's reciprocal multiplications and the tap
/// address products are multipliers (iCE40 MAC16s where the device has them), and strides must
/// be powers of two (a shift instead of a division). Cycles are unchanged: the engine does,
/// cycle for cycle, what each layer's own core did (`spikeloom-cyclesim` `core::Core`, one per
/// layer, is its twin).
///
/// Conditions ([`crate::Plan::conv_engine_blocker`]): two or more convolution layers, all on one
/// neuron unit (sl_conv `EXT_UNIT`), sharing the accumulator RAM ([`SharedAcc`]), with their
/// kernels in the loaded weight store ([`WeightStore::kernels`]), the same lanes and weight
/// width, one channel group, and power-of-two strides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvEngine {
    /// The convolution layers it serves (QNet layer indices, ascending): its layer `j` is
    /// `cores[j]`.
    pub cores: Vec<usize>,
}

/// Whether the convolution layers share one convolution engine (a [`crate::PlanConfig`]
/// setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConvEngineChoice {
    /// Shared on iCE40 when the design's logic is above the device's routable share and the
    /// layers meet [`ConvEngine`]'s conditions.
    #[default]
    Auto,
    /// One sl_conv per convolution layer.
    PerLayer,
    /// Shared whenever the layers meet [`ConvEngine`]'s conditions (else planning fails and
    /// says which one is not met).
    Shared,
}

/// Where the convolution kernels go (a [`crate::PlanConfig`] setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelMemChoice {
    /// A block RAM ROM per convolution core while the design fits there; into the weight
    /// store's SPRAM when block RAM is short and the store is loaded (UP5K).
    #[default]
    Auto,
    /// A ROM in each convolution core.
    Rom,
    /// Into the weight store whenever it is loaded (SPRAM) and the SPRAMs suffice.
    Store,
}

/// Words of one iCE40 UP5K SPRAM (SB_SPRAM256KA is 16K x 16).
pub const SPRAM_WORDS: usize = 16384;

/// Preferred words per bank of a ROM weight store: the depth of one ECP5 DP16KD in its deepest
/// 9-bit mode (2K x 9) and of one iCE40 EBR in its 2K x 2 mode, so that no bank needs a read
/// multiplexer between block RAMs of different depths on ECP5. Each bank's output is registered
/// in fabric before the bank multiplexer: the block RAM's slow clock-to-output (DP16KD ~5.6 ns)
/// then never meets the multiplexer in one cycle (the ECP5 critical path of the unbanked store).
/// The planner takes deeper banks ([`WeightStore::bank_words`]) when they need fewer block RAMs
/// (a word width that is not a multiple of 9 wastes a block per bank for its last bits).
pub const STORE_BANK_WORDS: usize = 2048;

/// Read latency of the weight store in cycles (sl_rom banks, then the fabric register per bank;
/// or a registered address, then SPRAM); the engine (sl_acc) registers the word once more.
pub const STORE_READ_LATENCY: usize = 2;

/// Physical memory of the [`WeightStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightMem {
    /// Block RAM ROM initialised by the bitstream: banks of [`STORE_BANK_WORDS`] words
    /// (`weights_b<k>.hex`, one sl_rom each), a fabric register per bank, then the bank
    /// multiplexer ([`WeightStore::rom_banks`]).
    Rom,
    /// iCE40 UP5K SPRAM (sl_wspram.v): `columns` SB_SPRAM256KA side by side make one word (16
    /// bits each), `groups` such rows of SPRAMs are stacked in depth. SPRAM cannot be
    /// initialised by the bitstream: the weight loader ([`Plan::loader`], sl_wload.v) fills
    /// it at start-up through its write port (`wl_*`), 16-bit granule by granule
    /// ([`Plan::weight_image`]), and the controller stays in its clear state until `wl_ready`.
    Spram {
        /// SPRAMs per word: 1, 2 or 4.
        columns: u32,
        /// SPRAMs stacked in depth (`columns * groups` <= the device's SPRAM count).
        groups: u32,
        /// Two words per 16-bit SPRAM word (rows of at most 8 bits, one column): word `w` is
        /// the low byte of SPRAM word `w / 2` when `w` is even, its high byte when odd. Half
        /// the SPRAMs and half the load of one word per SPRAM word.
        packed: bool,
    },
}

/// Where the large event lists go (a [`crate::PlanConfig`] setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventMemChoice {
    /// Block RAM when the design fits there, else the lists that can share one SPRAM go there
    /// (a device with an SPRAM left after the weight store).
    #[default]
    Auto,
    /// Every list in block RAM.
    Bram,
    /// The lists that can share one SPRAM always go there (when the device has one left).
    Spram,
}

/// Where the memory of the [`WeightStore`] goes (a [`crate::PlanConfig`] setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightMemChoice {
    /// Block RAM when the design fits there, else SPRAM where the device has it.
    #[default]
    Auto,
    /// Always block RAM ROM.
    Bram,
    /// Always SPRAM (iCE40 UP5K only).
    Spram,
}

/// The weights of every dense core in one memory with one read port: the layers run one after
/// another, so one core reads at a time. Core `c`'s row `r` is word `c.weight_base + r`; a word
/// holds the row's `lanes` weights packed at `weight_bits` each, lane 0 in the low bits, padded
/// with zeros to `word_bits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightStore {
    /// Physical memory.
    pub mem: WeightMem,
    /// Bits of one word: the widest dense row (`lanes * weight_bits`); for [`WeightMem::Spram`]
    /// a whole number of SPRAM columns, or 8 when packed (two words per SPRAM word).
    pub word_bits: u32,
    /// Words (all dense cores' rows).
    pub depth: usize,
    /// Words per bank of a ROM store (a power of two, at least [`STORE_BANK_WORDS`]).
    pub bank_words: usize,
    /// The convolution cores' kernels live here too, after the dense rows (a loaded store
    /// only, [`PlanConfig::kernel_memory`](crate::PlanConfig::kernel_memory)): a core's kernel
    /// word `w` is store word `weight_base + w`, read through the store's port during its
    /// scatter (no dense layer runs then) instead of a kernel ROM of its own.
    pub kernels: bool,
}

impl WeightStore {
    /// 16-bit granules per word (the unit of [`Plan::weight_image`]); a packed SPRAM store
    /// holds two words per granule ([`WeightStore::image_word_bits`]).
    pub fn granules_per_word(&self) -> usize {
        self.word_bits.div_ceil(16) as usize
    }
    /// True when two words share each 16-bit SPRAM word ([`WeightMem::Spram`]'s `packed`).
    pub fn packed(&self) -> bool {
        matches!(self.mem, WeightMem::Spram { packed: true, .. })
    }
    /// Bits from one word to the next in [`Plan::weight_image`]: 8 in a packed store, else
    /// a whole number of 16-bit granules.
    pub fn image_word_bits(&self) -> usize {
        if self.packed() {
            8
        } else {
            16 * self.granules_per_word()
        }
    }
    /// Length of [`Plan::weight_image`] in 16-bit granules.
    pub fn image_granules(&self) -> usize {
        (self.depth * self.image_word_bits()).div_ceil(16)
    }
    /// Width of a word address (at least 1).
    pub fn addr_bits(&self) -> u32 {
        crate::interface::ubits(self.depth.saturating_sub(1))
    }
    /// True when the store is filled at start-up (SPRAM) rather than by the bitstream.
    pub fn is_loaded(&self) -> bool {
        matches!(self.mem, WeightMem::Spram { .. })
    }
    /// Words of each bank of a ROM store: `bank_words` each, the last one the rest (empty for
    /// an empty store). Word `w` is word `w % bank_words` of bank `w / bank_words`.
    pub fn rom_banks(&self) -> Vec<usize> {
        let n = self.bank_words.max(1);
        (0..self.depth)
            .step_by(n)
            .map(|start| (self.depth - start).min(n))
            .collect()
    }
}

/// The dense engine: one set of `lanes` accumulator lanes (sl_acc) shared by every dense layer,
/// fed by the weight store, and the neuron units (sl_unit) that update one neuron per cycle
/// while the lanes accumulate the next block; dense layers of one neuron configuration share a
/// unit ([`UnitPlan`]). Every dense core has `lanes` lanes (blocks of `lanes` neurons, rows of
/// `lanes` weights).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnginePlan {
    /// Accumulator lanes P.
    pub lanes: usize,
    /// Signed width of the shared accumulators (the widest dense layer's `acc_bits`).
    pub acc_bits: u32,
    /// Widest event value any dense projection carries (1: binary spikes only, no multiplier).
    pub value_bits: u32,
    /// Cores (QNet layer indices) run by the engine, in order; a layer's position here is its
    /// engine index (`layer` port of sl_acc).
    pub layers: Vec<usize>,
    /// The neuron units; every engine layer is in exactly one.
    pub units: Vec<UnitPlan>,
}

impl EnginePlan {
    /// Engine index of core `l`, if the engine runs it.
    pub fn index_of(&self, l: usize) -> Option<usize> {
        self.layers.iter().position(|&x| x == l)
    }

    /// The unit updating core `l` and the layer's position in it, if the engine runs it.
    pub fn unit_of(&self, l: usize) -> Option<(usize, usize)> {
        self.units
            .iter()
            .enumerate()
            .find_map(|(u, p)| p.layers.iter().position(|&x| x == l).map(|j| (u, j)))
    }
}

/// One neuron unit of the engine (sl_unit): one pipelined neuron datapath that updates the
/// neurons of one or more dense layers, one per cycle. Only one layer runs at a time, so layers
/// whose update has the same structure (neuron kind, reset, spike rule, rounding, state,
/// current and decay widths) share it: their membranes (and currents) live one layer after
/// another in one state RAM, per-neuron parameter ROMs are concatenated the same way, and what
/// else differs by layer (constant parameters, the weight shift, the layer size) is selected by
/// the layer of the neuron in flight. The datapath is as wide as its widest layer, which
/// computes every layer's integers exactly (the widths only guarantee no overflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitPlan {
    /// Cores (QNet layer indices) it updates, in engine order; a layer's position here is its
    /// unit-local index (`ho_lay` / `out_lay` of sl_unit).
    pub layers: Vec<usize>,
    /// State address of each layer's neuron 0.
    pub offsets: Vec<usize>,
    /// State words (the layers' neurons).
    pub depth: usize,
    /// Signed width of the sum the datapath takes: the widest `acc_bits + weight_shift` (the
    /// unit shifts a layer's sum by its weight shift before the datapath).
    pub acc_bits: u32,
    /// Signed width of the datapath's intermediates (the widest layer's `work_bits`).
    pub work_bits: u32,
    /// Signed width of its pipeline registers after the decay products' rounding (the widest
    /// layer's `stage_bits`, and wider than the sum it takes).
    pub stage_bits: u32,
    /// Signed width of the bias/threshold/reset-value ports (the widest layer's).
    pub param_bits: u32,
    /// Leak circuit of the membrane decay: shift-add only when every layer has the same
    /// shift-add constant, else a multiplier.
    pub beta_leak: Leak,
    /// As `beta_leak`, for the current decay.
    pub alpha_leak: Leak,
    /// The membrane state RAM is one iCE40 SPRAM (16K x 16, [`UnitPlan::state_fits_spram`]):
    /// single-ported, so the unit issues no neuron in a cycle in which a neuron is written
    /// back (sl_unit `ST_SPRAM`): at full supply 7 neurons, then 7 cycles of write-backs
    /// ([`crate::UNIT_LATENCY`]), half the rate of a block RAM's.
    pub state_spram: bool,
}

impl UnitPlan {
    /// True when the unit's membrane state fits one SPRAM (16K words of at most 16 bits);
    /// a current (CubaLif, CubaLi) stays in block RAM beside it.
    pub fn state_fits_spram(&self, cores: &[CorePlan]) -> bool {
        self.depth <= SPRAM_WORDS && cores[self.layers[0]].state_bits <= 16
    }

    /// True when layers `a` and `b` can share one unit: the same update structure (everything
    /// sl_neuron fixes at elaboration except the per-layer values the unit selects) and lanes.
    /// A convolution layer may join (its core hands its blocks over like the accumulators,
    /// `PlanConfig::conv_units`); the caller decides whether it does.
    /// Spike counts of different widths share a unit when every width fits one digit group of
    /// the division ([`crate::MIXED_COUNT_MAX_BITS`]): the unit divides at the widest and caps
    /// each layer's count at its own maximum (sl_neuron `n_max`, [`UnitPlan::count_max`]).
    pub fn compatible(a: &CorePlan, b: &CorePlan) -> bool {
        a.kind == b.kind
            && a.reset == b.reset
            && a.reset_delay == b.reset_delay
            && fires_share(a.fire, b.fire)
            && a.rounding == b.rounding
            && a.state_bits == b.state_bits
            && a.current_bits == b.current_bits
            && a.decay_shift == b.decay_shift
            && a.lanes == b.lanes
    }

    /// Verilog identifier of unit `u` (instance `u_<ident>`, memory images `<ident>_*.hex`): its
    /// layer's identifier when it has one layer, else `unit<u>` (layer identifiers start with
    /// `l<index>_`, so the two never collide).
    pub fn ident(&self, cores: &[CorePlan], u: usize) -> String {
        match self.layers[..] {
            [l] => cores[l].ident.clone(),
            _ => format!("unit{u}"),
        }
    }

    /// The value of a per-neuron parameter (`which` picks it from a core) at every state
    /// address; `None` when every layer has a constant (the unit selects it by layer).
    pub fn param_rom(
        &self,
        cores: &[CorePlan],
        which: fn(&CorePlan) -> &Param,
    ) -> Option<Vec<i64>> {
        if !self.layers.iter().any(|&l| which(&cores[l]).is_rom()) {
            return None;
        }
        Some(
            self.layers
                .iter()
                .flat_map(|&l| {
                    let p = which(&cores[l]);
                    (0..cores[l].state_words()).map(move |n| p.at(n))
                })
                .collect(),
        )
    }

    /// True when unit-local layer `j` is a convolution layer (its core hands the blocks over).
    pub fn is_conv(&self, cores: &[CorePlan], j: usize) -> bool {
        cores[self.layers[j]].conv.is_some()
    }

    /// True when a convolution layer is among the unit's.
    pub fn has_conv(&self, cores: &[CorePlan]) -> bool {
        (0..self.layers.len()).any(|j| self.is_conv(cores, j))
    }

    /// Count bits of the unit's division (sl_unit/sl_neuron `CNT`): its widest layer's, 0 when
    /// its layers fire binary spikes.
    pub fn count_bits(&self, cores: &[CorePlan]) -> u32 {
        self.layers
            .iter()
            .map(|&l| cores[l].count_bits())
            .max()
            .unwrap_or(0)
    }

    /// Width of the unit's spike output (`SPW`): its widest layer's.
    pub fn spike_bits(&self, cores: &[CorePlan]) -> u32 {
        self.layers
            .iter()
            .map(|&l| cores[l].spike_bits())
            .max()
            .unwrap_or(1)
    }

    /// The largest count unit-local layer `j` may fire (sl_unit `L_NMAX`): `2^bits - 1` of its
    /// own count width, which may be narrower than the unit's ([`UnitPlan::compatible`]); 1
    /// for binary spikes.
    pub fn count_max(&self, cores: &[CorePlan], j: usize) -> u32 {
        (1u32 << cores[self.layers[j]].spike_bits()) - 1
    }

    /// Width of the hand-off lanes the unit takes: the engine's accumulators (`engine_bits`)
    /// and its convolution layers' accumulators, the widest.
    pub fn hs_bits(&self, cores: &[CorePlan], engine_bits: u32) -> u32 {
        self.layers
            .iter()
            .filter(|&&l| cores[l].conv.is_some())
            .map(|&l| cores[l].acc_bits)
            .fold(engine_bits, u32::max)
    }

    /// The unit of `layers` (compatible cores, in layer order).
    pub fn new(cores: &[CorePlan], layers: Vec<usize>) -> Self {
        let cs: Vec<&CorePlan> = layers.iter().map(|&l| &cores[l]).collect();
        let mut offsets = Vec::with_capacity(cs.len());
        let mut depth = 0;
        for c in &cs {
            offsets.push(depth);
            depth += c.state_words();
        }
        let acc_bits = cs
            .iter()
            .map(|c| c.acc_bits + c.weight_shift)
            .max()
            .unwrap_or(2);
        let leak = |f: &dyn Fn(&CorePlan) -> (Leak, &Param)| {
            let (l0, p0) = f(cs[0]);
            let same = cs.iter().all(|c| {
                let (l, p) = f(c);
                l == l0 && p == p0
            });
            match l0 {
                Leak::ShiftAdd { .. } if same => l0,
                _ => Leak::Multiply,
            }
        };
        Self {
            offsets,
            depth,
            acc_bits,
            work_bits: cs
                .iter()
                .map(|c| c.work_bits)
                .max()
                .unwrap_or(2)
                .max(acc_bits + 1),
            stage_bits: cs
                .iter()
                .map(|c| c.stage_bits)
                .max()
                .unwrap_or(2)
                .max(acc_bits + 1),
            param_bits: cs.iter().map(|c| c.param_bits).max().unwrap_or(2),
            beta_leak: leak(&|c| (c.beta_leak, &c.beta)),
            alpha_leak: leak(&|c| (c.alpha_leak, &c.alpha)),
            state_spram: false,
            layers,
        }
    }
}

/// True when layers firing `a` and `b` can share a unit's spike rule: the same rule, or spike
/// counts with the same floor whose widths both fit one digit group of the unit's division
/// ([`crate::MIXED_COUNT_MAX_BITS`]).
fn fires_share(a: QFire, b: QFire) -> bool {
    match (a, b) {
        (
            QFire::Count {
                spike_bits: x,
                floor_at_minus_threshold: fx,
            },
            QFire::Count {
                spike_bits: y,
                floor_at_minus_threshold: fy,
            },
        ) => fx == fy && (x == y || x.max(y) <= crate::MIXED_COUNT_MAX_BITS),
        _ => a == b,
    }
}

/// The complete hardware plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Input features.
    pub input_size: usize,
    /// Width of one input value (`QNet::input_bits`): 1 for binary spikes, more for graded
    /// input (the top then has an `in_value` port).
    pub input_bits: u32,
    /// Index of the output layer.
    pub output_layer: usize,
    /// Short hash of the QNet (hex), written into generated files.
    pub model_hash: String,
    /// Provenance copied from the QNet.
    pub provenance: Vec<(String, String)>,
    /// One core per layer, in QNet order.
    pub cores: Vec<CorePlan>,
    /// Event buffers; `buffers[0]` is the input buffer; delay lines come after the layers'
    /// buffers.
    pub buffers: Vec<BufferPlan>,
    /// Index into `buffers` of the output layer's buffer.
    pub output_buffer: usize,
    /// Width of every event index, count and address bus (and of the top's index ports).
    pub ev_bits: u32,
    /// Cycles spent clearing state memories after reset (largest block count).
    pub clear_cycles: usize,
    /// The dense cores' weights: one memory, one read port.
    pub weight_store: WeightStore,
    /// The event lists that share one SPRAM (`None`: every list in its own block RAM).
    pub event_spram: Option<EventSpram>,
    /// The convolution cores' shared accumulator RAM (`None`: each core has its own).
    pub conv_acc: Option<SharedAcc>,
    /// The convolution engine serving several convolution layers (`None`: one sl_conv per
    /// convolution layer).
    pub conv_engine: Option<ConvEngine>,
    /// The engine running the dense cores (`None` when every layer is a convolution).
    pub engine: Option<EnginePlan>,
    /// Every sl_ram / sl_rom memory of the core goes into block RAM (`ram_style = "block"`),
    /// also those Yosys would build from logic (`PlanConfig::small_memories_in_bram`: iCE40,
    /// when the device's block RAM holds them all).
    pub block_memories: bool,
    /// sl_ram's memory carries `no_rw_check` (no read-first bypass: every caller's reads are
    /// independent of a same-cycle write, sl_ram.v). Set on iCE40, where the bypass costs
    /// logic cells; on ECP5 the bypass stays, because without it Yosys moves small RAMs from
    /// distributed RAM into DP16KD, which the largest designs need for their weights.
    pub no_rw_check: bool,
    /// The board top's host bridge skips all-zero input words (host_bridge.v `ZERO_SKIP`): a
    /// step scans the words with a non-zero feature, listed as the frame arrives, instead of
    /// every word (`PlanConfig::zero_skip`). The list costs ~30 iCE40 logic cells and a block
    /// RAM; a scan of every word costs a cycle per four features.
    pub bridge_zero_skip: bool,
    /// The board top's host bridge has the RUN_PIXELS command and its on-chip rate encoder
    /// (host_bridge.v `PIXELS`, `PlanConfig::rate_encoder`). Without it the bridge refuses
    /// RUN_PIXELS (error 10, STATUS flags bit 2) and its feature memory keeps the input's value
    /// bits per feature instead of a pixel byte: on the N-MNIST CNN's bridge (2312 2-bit
    /// features) 4 of its 10 EBRs and 215 LUT4s (Yosys 0.70, the bridge alone).
    pub bridge_pixels: bool,
    /// The weight loader that fills a store loaded at start-up (`None` for a ROM store).
    pub loader: Option<crate::loader::LoaderPlan>,
    /// Device name the plan was checked against.
    pub device: String,
    /// Resource estimate (board top included when the config asked for it).
    pub resources: Resources,
    /// The estimate by part (board top, controller, weight store, loader, accumulators, one
    /// entry per core and buffer), in that order; they add up to `resources`.
    pub resource_parts: Vec<(String, Resources)>,
    /// Fit check.
    pub fit: FitReport,
}

impl Plan {
    /// How sl_ram / sl_rom are marked (the estimate's view of `block_memories` and
    /// `no_rw_check`).
    pub(crate) fn mem_style(&self) -> crate::resources::MemStyle {
        crate::resources::MemStyle {
            block: self.block_memories,
            no_rw_check: self.no_rw_check,
        }
    }

    /// Width of the controller's clear address (sl_ctrl `CLR_W`): it counts up to
    /// `clear_cycles - 1`, which a unit's state RAM of several layers can make wider than the
    /// event indices.
    pub fn clear_bits(&self) -> u32 {
        crate::interface::ubits(self.clear_cycles.saturating_sub(1))
    }

    /// The widest core's lanes: the most weights the design reads in one cycle from one store
    /// (cores run one at a time).
    pub fn max_lanes(&self) -> usize {
        self.cores.iter().map(|c| c.lanes).max().unwrap_or(1)
    }

    /// The widest weight of any core, bits (8 for a plan without cores).
    pub fn max_weight_bits(&self) -> u32 {
        self.cores.iter().map(|c| c.weight_bits).max().unwrap_or(8)
    }

    /// Lanes of the trace bus: a convolution core traces its P lanes at once, the engine's
    /// units one neuron per cycle.
    pub fn trace_lanes(&self) -> usize {
        self.cores
            .iter()
            .map(|c| if c.conv.is_some() { c.lanes } else { 1 })
            .max()
            .unwrap_or(1)
    }
    /// Width of one lane of the trace spike bus: the widest spike count (1 when every layer
    /// fires binary spikes).
    pub fn trace_spike_bits(&self) -> u32 {
        self.cores.iter().map(|c| c.spike_bits()).max().unwrap_or(1)
    }
    /// Width of the output value port (`out_value`, present when > 1): the output layer's
    /// spike width.
    pub fn output_value_bits(&self) -> u32 {
        self.buffers[self.output_buffer].value_bits
    }

    /// The weight store's contents as 16-bit granules: word `w` starts at bit
    /// `w * image_word_bits` of the image (granule `g` holds its bits `[16g + 15 : 16g]`), so a
    /// word is whole granules, or a byte of one in a packed SPRAM store
    /// ([`WeightStore::image_word_bits`]): the one source of the ROM image, the start-up load
    /// and the cycle model's weights. The convolution kernels are in it when the store holds
    /// them ([`WeightStore::kernels`]).
    pub fn weight_image(&self) -> Vec<u16> {
        let store = &self.weight_store;
        let stride = store.image_word_bits();
        let mut image = vec![0u16; store.image_granules()];
        for c in self
            .cores
            .iter()
            .filter(|c| c.conv.is_none() || store.kernels)
        {
            let wb = c.weight_bits as usize;
            let mask = if wb >= 32 { u32::MAX } else { (1u32 << wb) - 1 };
            for (r, row) in c.weights.chunks(c.lanes).enumerate() {
                let base = (c.weight_base + r) * stride;
                for (k, &w) in row.iter().enumerate() {
                    let field = u64::from(w as u32 & mask);
                    let pos = base + k * wb;
                    for (i, g) in image.iter_mut().enumerate().skip(pos / 16) {
                        let lo = i * 16;
                        if lo >= pos + wb {
                            break;
                        }
                        // bits of the field that land in granule i
                        let part = if lo >= pos {
                            field >> (lo - pos)
                        } else {
                            field << (pos - lo)
                        };
                        *g |= (part & 0xffff) as u16;
                    }
                }
            }
        }
        image
    }
}
