//! Cycle-model errors.

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// The design stopped making progress (a bug: it would hang the RTL too).
    #[error("cycle model: the shared event SPRAM was asked for two accesses at cycle {at} (one port); this is a design bug, please report it with the stimulus")]
    PortConflict {
        /// Cycle of the first conflict.
        at: u64,
    },
    /// A memory that the RTL marks `no_rw_check` read and wrote one word in one cycle and the
    /// read was used (sl_ram.v: no caller may depend on it).
    #[error("cycle model: {what} read and wrote address {addr} in one cycle at cycle {at}; sl_ram's `no_rw_check` assumes this never happens (a design bug, please report it with the stimulus)")]
    ReadDuringWrite {
        /// The memory.
        what: String,
        /// Its address.
        addr: usize,
        /// Cycle of the first clash.
        at: u64,
    },
    #[error("cycle model: no progress for {cycles} cycles at cycle {at} (waiting for {waiting}); this is a design bug, please report it with the stimulus")]
    Stalled {
        /// Cycles without progress.
        cycles: u64,
        /// Cycle number.
        at: u64,
        /// What was awaited.
        waiting: String,
    },
    /// Input of the wrong shape.
    #[error("input has {got} features per step but the network takes {expected}")]
    InputWidth {
        /// Features given.
        got: usize,
        /// Features expected.
        expected: usize,
    },
    /// An input value the network's input width cannot carry.
    #[error("input value {value} (feature {feature}) exceeds {max}, the largest value of the network's {bits}-bit input{hint}", hint = if *.bits == 1 { " (it takes binary spikes)" } else { "" })]
    InputValue {
        /// Feature index.
        feature: usize,
        /// The value.
        value: u8,
        /// Largest value the input carries.
        max: u32,
        /// `Plan::input_bits`.
        bits: u32,
    },
    /// The waveform file could not be written.
    #[error("cannot write the VCD waveform: {0}")]
    Vcd(String),
    /// A sample index beyond the input.
    #[error("sample {sample} requested but the input has {samples} samples")]
    NoSuchSample {
        /// Requested sample.
        sample: usize,
        /// Samples in the input.
        samples: usize,
    },
    /// A power-on (`P`) for a design without a weight loader.
    #[error("stimulus command P (power-on and weight load) needs a design whose weights are loaded at start-up (SPRAM store); this design's weights are in the bitstream: start its stimulus with R")]
    NoLoader,
    /// A stimulus command after a power-on that the harnesses refuse too.
    #[error(
        "stimulus: P (power-on) must be followed by R, P or the end of the stimulus, not `{0}`"
    )]
    AfterPowerOn(String),
    /// A load that passed its CRC check wrote other weights than the plan's (a CRC collision).
    #[error("the weight load passed its CRC check but wrote other weights than the plan's (granule {granule}); use another flash image")]
    LoadMismatch {
        /// First granule that differs.
        granule: usize,
    },
}
