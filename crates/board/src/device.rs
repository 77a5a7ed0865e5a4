//! FPGA device facts the planner and the toolchain need (see shared FPGA-FACTS §7.1).

use serde::{Deserialize, Serialize};

/// FPGA family: selects the synthesis and place-and-route flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Lattice iCE40 (Yosys synth_ice40, nextpnr-ice40, icepack).
    Ice40,
    /// Lattice ECP5 (Yosys synth_ecp5, nextpnr-ecp5, ecppack).
    Ecp5,
}

/// Resources of one FPGA device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Family.
    pub family: Family,
    /// Device name as the vendor spells it (e.g. `iCE40UP5K`, `LFE5U-25F`).
    pub name: String,
    /// nextpnr device flag without dashes (e.g. `up5k`, `25k`).
    pub nextpnr_device: String,
    /// nextpnr package (e.g. `sg48`, `CABGA381`).
    pub package: String,
    /// Speed grade (ECP5 only; 6, 7 or 8).
    pub speed: Option<u32>,
    /// 4-input LUTs.
    pub luts: u32,
    /// Flip-flops.
    pub ffs: u32,
    /// Number of block RAMs (iCE40 SB_RAM40_4K / ECP5 DP16KD).
    pub bram_count: u32,
    /// Bits per block RAM (4096 on iCE40, 18432 on ECP5).
    pub bram_bits: u32,
    /// iCE40 UP SPRAM blocks (16K x 16 each; not bitstream-initialisable).
    pub spram_count: u32,
    /// Hard multipliers (SB_MAC16 / MULT18X18D).
    pub dsp_count: u32,
}

impl Family {
    /// The share of the device's logic cells (percent) the fit check and the automatic lane
    /// choice let a design's estimate reach. Measured with `bench/routability.py` and nextpnr
    /// 0.11.1 (README "Tools"): every design that placed routed, up to 98% of the UP5K's cells and
    /// 97% of the ECP5 25F's, with no rise in router effort; above 100% nothing places. So the
    /// 10% left is not where nextpnr starts to struggle but room for what the estimate and the
    /// tools change: Yosys 0.23 and 0.70 differ by up to 7% in iCE40 cells on the same design.
    pub fn routable_logic_percent(self) -> u32 {
        match self {
            Family::Ice40 | Family::Ecp5 => 90,
        }
    }
}

impl Device {
    /// Logic cells a design may use and still route reliably ([`Family::routable_logic_percent`]).
    pub fn routable_logic_cells(&self) -> u32 {
        self.luts * self.family.routable_logic_percent() / 100
    }

    /// Weights of `weight_bits` (1..=32) the device's memories can deliver per cycle: every
    /// block RAM and SPRAM read at its widest read port at once, each word holding as many whole
    /// weights as fit (weights do not straddle memories). This is the chip's bound on synaptic
    /// ops per cycle for a design whose weights live on chip, one weight per op (FPGA-FACTS
    /// section 8, "width bound", over every memory rather than those a design leaves to
    /// weights). iCE40: SB_RAM40_4K reads 16 bits, SB_SPRAM256KA 16 bits; ECP5: DP16KD reads
    /// 36 bits in pseudo-dual-port mode.
    pub fn weight_bound(&self, weight_bits: u32) -> u32 {
        let wb = weight_bits.clamp(1, 32);
        let (bram_port, spram_port) = match self.family {
            Family::Ice40 => (16, 16),
            Family::Ecp5 => (36, 0),
        };
        self.bram_count * (bram_port / wb) + self.spram_count * (spram_port / wb)
    }
}
