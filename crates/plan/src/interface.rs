//! The generated top level's port widths (shared spec with co-simulation and board top levels).

use crate::types::Plan;
use crate::widths::bits_for_range;

/// Widths and sizes of `spikeloom_top`'s ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopInterface {
    /// Width of `in_index`.
    pub in_w: u32,
    /// Width of `out_index`.
    pub out_w: u32,
    /// Width of `trace_layer`.
    pub layer_w: u32,
    /// Width of `trace_base`.
    pub neuron_w: u32,
    /// Lanes of the trace bus.
    pub trace_lanes: usize,
    /// Width of `in_value` (graded input); 1 means binary input and no `in_value` port.
    pub in_value_w: u32,
    /// Width of `out_value` (spike counts of the output layer); 1 means binary output events
    /// and no `out_value` port.
    pub out_value_w: u32,
    /// Bits per lane of `trace_spike` (the widest spike count; 1 when all spikes are binary).
    pub spike_w: u32,
    /// Input features.
    pub input_size: usize,
    /// Output neurons.
    pub output_size: usize,
    /// (layer name, size) in QNet order.
    pub layers: Vec<(String, usize)>,
    /// Cycles after reset release spent clearing state memories (in_ready low); step 0's cycle
    /// count starts after them, in the cycle model and in decoded RTL logs alike.
    pub clear_cycles: u64,
    /// Cycles of the busiest possible step ([`Plan::max_step_cycles`]), not counting
    /// `clear_cycles`: no step of the design takes longer (the co-simulation harnesses' step
    /// limit is derived from it).
    pub max_step_cycles: u64,
    /// The weight loader's ports (`wl_rst`, `flash_*`, `hl_*`, `wl_state`, `wl_crc`, `wl_pos`)
    /// when the design loads its weights at start-up; `None` when the bitstream holds them.
    pub loader: Option<LoaderPorts>,
    /// The board top's host bridge skips all-zero input words ([`crate::Plan::bridge_zero_skip`]).
    pub zero_skip: bool,
    /// The board top's host bridge has RUN_PIXELS and its rate encoder
    /// ([`crate::Plan::bridge_pixels`]).
    pub pixels: bool,
}

/// What a harness or board top needs to know about a design's weight loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderPorts {
    /// Byte address of the weight image in the SPI flash.
    pub flash_offset: u32,
    /// Bytes of the weight image (header included).
    pub image_bytes: usize,
    /// CRC-32 of the design's weight image (what STATUS reports as the bitstream's image).
    pub image_crc: u32,
    /// Sampled cycles of CS# high the flash needs after its wake-up command before it takes the
    /// next one (tRES1 = 3 us at the design clock, rounded up).
    pub tres_cycles: u32,
}

impl TopInterface {
    /// The board top's parameters for this interface under `clock`.
    pub fn top_params(&self, clock: spikeloom_board::ClockPlan) -> spikeloom_board::TopParams {
        spikeloom_board::TopParams {
            input_size: self.input_size,
            output_size: self.output_size,
            in_w: self.in_w,
            out_w: self.out_w,
            in_value_w: self.in_value_w,
            out_value_w: self.out_value_w,
            clock,
            image_crc: self.loader.map(|l| l.image_crc),
            zero_skip: self.zero_skip,
            pixels: self.pixels,
        }
    }
}

/// Unsigned bits to hold `0..=max` (at least 1).
pub(crate) fn ubits(max: usize) -> u32 {
    bits_for_range(0, max as i128).saturating_sub(1).max(1)
}

impl Plan {
    /// Port widths of the generated `spikeloom_top`.
    pub fn top_interface(&self) -> TopInterface {
        // One index width everywhere keeps the wiring free of width adapters.
        TopInterface {
            in_w: self.ev_bits,
            out_w: self.ev_bits,
            layer_w: ubits(self.cores.len().saturating_sub(1)),
            neuron_w: self.ev_bits,
            trace_lanes: self.trace_lanes(),
            in_value_w: self.input_bits.max(1),
            out_value_w: self.output_value_bits().max(1),
            spike_w: self.trace_spike_bits(),
            input_size: self.input_size,
            output_size: self.cores[self.output_layer].size,
            layers: self
                .cores
                .iter()
                .map(|c| (c.name.clone(), c.size))
                .collect(),
            clear_cycles: self.clear_cycles as u64,
            max_step_cycles: self.max_step_cycles(),
            loader: self.loader.map(|l| LoaderPorts {
                flash_offset: l.flash_offset,
                image_bytes: l.image_bytes(),
                image_crc: l.image_crc,
                tres_cycles: l.tres_cycles(),
            }),
            zero_skip: self.bridge_zero_skip,
            pixels: self.bridge_pixels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ubits;

    #[test]
    fn unsigned_widths() {
        assert_eq!(ubits(0), 1);
        assert_eq!(ubits(1), 1);
        assert_eq!(ubits(2), 2);
        assert_eq!(ubits(255), 8);
        assert_eq!(ubits(256), 9);
    }
}
