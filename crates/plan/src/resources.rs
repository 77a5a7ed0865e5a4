//! Resource estimate (LUT/FF/BRAM/DSP) and the fit check against a device.
//!
//! Estimates, not synthesis results: block RAM counts follow the device's RAM geometries exactly,
//! logic counts are per-bit rules of thumb (an adder bit = 1 LUT4, a register bit = 1 FF).

use crate::interface::ubits;
use crate::types::{CorePlan, Leak, NeuronKind, Plan};
use spikeloom_board::{Device, Family};

/// Estimated resources of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// LUT4s.
    pub luts: u32,
    /// Flip-flops.
    pub ffs: u32,
    /// Block RAMs.
    pub brams: u32,
    /// Hard multipliers.
    pub dsps: u32,
    /// Bits of initialised ROM (weights and per-neuron parameters).
    pub rom_bits: u64,
}

/// Outcome of the fit check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FitReport {
    /// True when every resource is within the device.
    pub fits: bool,
    /// One line per exceeded resource, with what would make it fit.
    pub problems: Vec<String>,
}

/// Block RAMs for a `depth x width` memory on `device` (best of the device's aspect ratios).
pub fn bram_blocks(device: &Device, depth: usize, width: u32) -> u32 {
    if depth == 0 || width == 0 {
        return 0;
    }
    let shapes: &[(usize, u32)] = match device.family {
        Family::Ice40 => &[(256, 16), (512, 8), (1024, 4), (2048, 2)],
        Family::Ecp5 => &[
            (512, 36),
            (1024, 18),
            (2048, 9),
            (4096, 4),
            (8192, 2),
            (16384, 1),
        ],
    };
    shapes
        .iter()
        .map(|&(d, w)| (depth.div_ceil(d) as u32) * width.div_ceil(w))
        .min()
        .unwrap_or(0)
}

fn leak_cost(leak: Leak, bits: u32, decay_bits: u32, dsp: bool) -> (u32, u32) {
    match leak {
        Leak::ShiftAdd { terms } => (terms.max(1) * bits, 0),
        Leak::Multiply if dsp => (0, 1),
        Leak::Multiply => (bits * decay_bits, 0),
    }
}

fn core_resources(core: &CorePlan, device: &Device) -> Resources {
    let p = core.lanes as u32;
    let dsp = device.dsp_count > 0;
    let (bl, bd) = leak_cost(core.beta_leak, core.work_bits, core.decay_bits(), dsp);
    let (al, ad) = if core.kind == NeuronKind::CubaLif {
        leak_cost(core.alpha_leak, core.work_bits, core.decay_bits(), dsp)
    } else {
        (0, 0)
    };
    // Per lane: accumulator adder, X/reset/saturation arithmetic (~6 work-width operations), leak.
    let lane_luts = core.acc_bits + 6 * core.work_bits + bl + al;
    let state_w = core.state_bits + core.current_bits;
    let mut brams = bram_blocks(device, core.weight_depth(), p * core.weight_bits)
        + bram_blocks(device, core.blocks, p * state_w);
    let mut rom_bits = (core.weights.len() as u64) * u64::from(core.weight_bits);
    for param in [
        &core.bias,
        &core.theta,
        &core.v_reset,
        &core.beta,
        &core.alpha,
    ] {
        if param.is_rom() {
            brams += bram_blocks(
                device,
                core.blocks,
                p * core.param_bits.max(core.decay_bits()),
            );
            rom_bits += (core.blocks as u64) * u64::from(p * core.param_bits);
        }
    }
    let addr = ubits(core.weight_depth());
    Resources {
        luts: p * lane_luts + 120 + 3 * addr * core.projections.len() as u32,
        ffs: p * (core.acc_bits + 1) + 60 + addr * core.projections.len() as u32,
        brams,
        dsps: p * (bd + ad),
        rom_bits,
    }
}

/// Estimate the plan's resources on `device`.
pub(crate) fn estimate(plan: &Plan, device: &Device) -> Resources {
    let mut total = Resources {
        luts: 150,
        ffs: 60,
        ..Resources::default()
    };
    for core in &plan.cores {
        let r = core_resources(core, device);
        total.luts += r.luts;
        total.ffs += r.ffs;
        total.brams += r.brams;
        total.dsps += r.dsps;
        total.rom_bits += r.rom_bits;
    }
    for buf in &plan.buffers {
        let idx = ubits(buf.depth.saturating_sub(1));
        total.brams += bram_blocks(device, buf.depth * buf.banks, idx);
        total.luts += 4 * idx + 20;
        total.ffs += 2 * ubits(buf.depth) + idx;
    }
    total
}

/// Compare an estimate with the device and say what would fit.
pub(crate) fn check(plan: &Plan, r: &Resources, device: &Device) -> FitReport {
    let mut problems = Vec::new();
    if r.brams > device.bram_count {
        let note = if device.spram_count > 0 {
            " (SPRAM is not used: it cannot be initialised from the bitstream; a weight loader would free EBR)"
        } else {
            ""
        };
        problems.push(format!(
            "block RAM: need {} of {} ({} ROM bits of weights/parameters){note}; use fewer weight bits, a smaller model, or a bigger device",
            r.brams, device.bram_count, r.rom_bits
        ));
    }
    if r.luts > device.luts {
        let lanes = plan.trace_lanes();
        problems.push(format!(
            "logic: need ~{} LUTs of {}; use fewer lanes (now up to {lanes}), fewer state bits, or a bigger device",
            r.luts, device.luts
        ));
    }
    if r.ffs > device.ffs {
        problems.push(format!(
            "flip-flops: need ~{} of {}; use fewer lanes",
            r.ffs, device.ffs
        ));
    }
    if r.dsps > device.dsp_count && device.dsp_count > 0 {
        problems.push(format!(
            "multipliers: need {} of {}; use fewer lanes or power-of-two-friendly decays (shift-add leak)",
            r.dsps, device.dsp_count
        ));
    }
    FitReport {
        fits: problems.is_empty(),
        problems,
    }
}
