//! [`Probe`]: the values of the top-level ports and of the controller/core/engine registers in
//! one cycle, as the RTL has them (same names, widths and state encodings), for waveforms.

/// Inputs the harness drives in one cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Inputs {
    pub rst: bool,
    pub in_valid: bool,
    pub in_eos: bool,
    /// Kept from the last event beat while no beat is presented (like the RTL testbench).
    pub in_index: u32,
    /// `in_value` (graded input only), kept like `in_index`.
    pub in_value: u32,
}

/// Everything a waveform shows besides the inputs, for one cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Probe {
    pub in_ready: bool,
    pub out_valid: bool,
    pub out_eos: bool,
    pub out_index: u32,
    pub out_value: u32,
    pub trace_valid: bool,
    pub trace_layer: u32,
    pub trace_base: u32,
    /// Neuron step between trace lanes (a convolution core's H_out * W_out; 0 otherwise).
    pub trace_step: u32,
    pub trace_lane_valid: u64,
    /// Spike (0/1) or count of every lane of the trace bus (`spike_w` bits each in the RTL).
    pub trace_spike: Vec<u32>,
    /// Membrane of every lane of the trace bus (zero while `trace_valid` is low).
    pub trace_v: Vec<i64>,
    pub ctrl_st: u64,
    pub ctrl_layer: u64,
    pub ctrl_out_i: u64,
    pub parity: bool,
    /// Register values of every module scope the VCD declares besides the controller, in its
    /// order ([`crate::vcd`]: convolution cores, the engine's `u_acc`, its units).
    pub scopes: Vec<Vec<u64>>,
}
