//! Resource estimate (LUT/FF/BRAM/DSP) and the fit check against a device.
//!
//! Estimates, not synthesis results. Memories are placed the way Yosys 0.23 places them (its
//! cost model, see [`map_memory`]), so block RAM and multiplier counts match `synth_ice40 -dsp` /
//! `synth_ecp5` (checked by crates/verilog/tests/resources.rs); logic counts are per-bit rules of
//! thumb (an adder bit = 1 LUT4, a register bit = 1 FF), within about 30% of Yosys' `stat`.

use crate::interface::ubits;
use crate::types::{BufferPlan, CorePlan, Leak, NeuronKind, Plan, WeightMem, WeightStore};
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
    /// iCE40 UP5K SPRAMs (SB_SPRAM256KA).
    pub sprams: u32,
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

/// Where Yosys puts one memory of the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemMap {
    /// Block RAM (SB_RAM40_4K / DP16KD), this many blocks.
    Bram(u32),
    /// ECP5 distributed RAM (TRELLIS_DPR16X4), this many 16x4 cells.
    LutRam(u32),
    /// Flip-flops and LUTs.
    Logic,
}

/// Block RAMs for a `depth x width` memory on `device` (best of the device's aspect ratios).
fn bram_blocks(device: &Device, depth: usize, width: u32) -> u32 {
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

/// The mapping Yosys' `memory_libmap` chooses for a memory with one registered read port: the
/// cheapest of block RAM (cost 64 per SB_RAM40_4K, 128 per DP16KD), ECP5 distributed RAM (4 per
/// 16x4 cell) and soft logic (1 per RAM bit, 1/16 per ROM bit); those are Yosys 0.23's library
/// costs and default logic costs (`-logic-cost-ram`/`-logic-cost-rom`). A writable block RAM
/// also pays for emulating sl_ram's read-first behaviour, modelled as 1 per data bit (fitted to
/// Yosys' choices on the generated designs).
pub(crate) fn map_memory(device: &Device, depth: usize, width: u32, rom: bool) -> MemMap {
    let bits = (depth as f64) * f64::from(width);
    let logic = if rom { bits / 16.0 } else { bits };
    let blocks = bram_blocks(device, depth, width);
    let emu = if rom { 0.0 } else { f64::from(width) };
    let (block_cost, lutram) = match device.family {
        Family::Ice40 => (64.0, None),
        Family::Ecp5 => (128.0, Some((depth.div_ceil(16) as u32) * width.div_ceil(4))),
    };
    let mut best = (logic, MemMap::Logic);
    let bram_cost = f64::from(blocks) * block_cost + emu;
    if blocks > 0 && device.bram_count > 0 && bram_cost < best.0 {
        best = (bram_cost, MemMap::Bram(blocks));
    }
    if let Some(cells) = lutram {
        if f64::from(cells) * 4.0 < best.0 {
            best = (f64::from(cells) * 4.0, MemMap::LutRam(cells));
        }
    }
    best.1
}

/// Add a memory with a registered read of `width` bits to `r`.
fn add_memory(r: &mut Resources, device: &Device, depth: usize, width: u32, rom: bool) {
    match map_memory(device, depth, width, rom) {
        MemMap::Bram(n) => r.brams += n,
        MemMap::LutRam(cells) => {
            // a 16x4 cell occupies two LUT4 sites; the read register is fabric FFs
            r.luts += 2 * cells;
            r.ffs += width;
        }
        MemMap::Logic => {
            let bits = (depth as u32) * width;
            if rom {
                // constant tables: about one LUT4 per 16 bits (wider for deep ROMs), plus the
                // read register
                r.luts += bits.div_ceil(16) + width * (depth as u32).div_ceil(16).saturating_sub(1);
            } else {
                // one FF per bit, a write-enable/read mux LUT per bit
                r.ffs += bits;
                r.luts += bits;
            }
            r.ffs += width;
        }
    }
}

/// Hard multipliers for one `a x b`-bit product on `device` (0 without DSPs).
fn dsp_tiles(device: &Device, a: u32, b: u32) -> u32 {
    let side = match device.family {
        Family::Ice40 => 16,
        Family::Ecp5 => 18,
    };
    if device.dsp_count == 0 {
        0
    } else {
        a.div_ceil(side) * b.div_ceil(side)
    }
}

/// (LUTs, DSPs) of one decay product of a `bits`-wide operand.
fn leak_cost(leak: Leak, bits: u32, decay_bits: u32, device: &Device) -> (u32, u32) {
    match leak {
        Leak::ShiftAdd { terms } => (terms.saturating_sub(1) * bits, 0),
        Leak::Multiply if device.dsp_count > 0 => (0, dsp_tiles(device, bits, decay_bits)),
        Leak::Multiply => (bits * decay_bits, 0),
    }
}

/// (LUTs, DSPs) of one neuron datapath (sl_neuron) of `core`: X/reset/saturation/compare
/// arithmetic (~6 work-width operations), the leaks, the count division.
fn neuron_cost(core: &CorePlan, device: &Device) -> (u32, u32) {
    let db = core.decay_bits();
    // The multiplier operands are the stored widths (state/current), sign-extended.
    let (bl, bd) = leak_cost(core.beta_leak, core.state_bits, db, device);
    let (al, ad) = if core.kind.has_current() {
        leak_cost(core.alpha_leak, core.current_bits, db, device)
    } else {
        (0, 0)
    };
    // zero-keeping-input reset of a LIF also decays v_reset (a constant product unless a ROM)
    let vr_decay = core.kind == NeuronKind::Lif
        && core.reset == spikeloom_qnet::QReset::ZeroKeepInput
        && (core.v_reset.is_rom() || core.beta.is_rom());
    let (vl, vd) = if vr_decay {
        leak_cost(core.beta_leak, core.param_bits, db, device)
    } else {
        (0, 0)
    };
    let count = 2 * core.count_bits() * core.work_bits;
    (6 * core.work_bits + bl + al + vl + count, bd + ad + vd)
}

/// State memories (`depth` words of `lanes` membranes, and currents) and parameter ROMs.
fn state_and_params(r: &mut Resources, core: &CorePlan, device: &Device, depth: usize, lanes: u32) {
    add_memory(r, device, depth, lanes * core.state_bits, false);
    if core.kind.has_current() {
        add_memory(r, device, depth, lanes * core.current_bits, false);
    }
    let db = core.decay_bits();
    for (param, bits) in [
        (&core.bias, core.param_bits),
        (&core.theta, core.param_bits),
        (&core.v_reset, core.param_bits),
        (&core.beta, db),
        (&core.alpha, db),
    ] {
        if param.is_rom() {
            add_memory(r, device, depth, lanes * bits, true);
            r.rom_bits += depth as u64 * u64::from(lanes * bits);
        }
    }
}

/// A dense layer's neuron unit (sl_unit): one neuron datapath streaming one neuron per cycle,
/// its lane multiplexer over the P hand-off sums, state RAM and parameter ROMs by neuron.
fn unit_resources(core: &CorePlan, device: &Device) -> Resources {
    let (nl, nd) = neuron_cost(core, device);
    let ev = ubits(core.size);
    let p = core.lanes as u32;
    let mut r = Resources {
        // datapath, lane multiplexer (a P:1 mux per sum bit), counters and compare
        luts: nl + core.acc_bits * p.saturating_sub(1).div_ceil(3) + 4 * ev + 16,
        // sum, stage-1 registers (pre, current, theta, v_reset), counters n0/n1/n2, k, lastk
        ffs: core.acc_bits
            + core.work_bits
            + 2 * core.param_bits
            + if core.kind.has_current() {
                core.work_bits
            } else {
                0
            }
            + 3 * ev
            + 2 * ubits(core.lanes)
            + 4,
        dsps: nd,
        ..Resources::default()
    };
    state_and_params(&mut r, core, device, core.size, 1);
    r
}

/// The shared accumulators (sl_acc): P lanes of accumulator adders (shift-add products for
/// event values), accumulator and hand-off registers, one sign-extension multiplexer per lane
/// when the dense layers' weight widths differ, the event/row-base pipeline per projection.
fn engine_resources(plan: &Plan) -> Resources {
    let Some(e) = &plan.engine else {
        return Resources::default();
    };
    let p = e.lanes as u32;
    let dense: Vec<&CorePlan> = e.layers.iter().map(|&l| &plan.cores[l]).collect();
    let mut widths: Vec<u32> = dense.iter().map(|c| c.weight_bits).collect();
    widths.sort_unstable();
    widths.dedup();
    let extract = if widths.len() > 1 {
        e.acc_bits * (widths.len() as u32 - 1)
    } else {
        0
    };
    let value = e.value_bits.saturating_sub(1) * e.acc_bits;
    let j: u32 = dense.iter().map(|c| c.projections.len() as u32).sum();
    let aw = plan.weight_store.addr_bits().max(plan.ev_bits);
    Resources {
        luts: p * (e.acc_bits + value + extract) + 3 * aw * j + 60,
        ffs: p * (2 * e.acc_bits + 1) + aw * j + 4 * plan.ev_bits + e.value_bits + 12,
        ..Resources::default()
    }
}

fn core_resources(core: &CorePlan, device: &Device) -> Resources {
    if core.conv.is_none() {
        return unit_resources(core, device);
    }
    let p = core.lanes as u32;
    let (nl, nd) = neuron_cost(core, device);
    let ev = ubits(core.size.max(core.fan_in()));
    // sl_conv: P neuron datapaths; one accumulator RAM per lane (NB x ACC_W); the scatter
    // pipeline (tap counters, target address arithmetic, read-modify-write, no hazard logic
    // needed) is about 12 event-width operations plus one accumulator adder; the kernel ROM.
    let mut r = Resources {
        luts: p * (nl + core.acc_bits + event_value_luts(core)) + 40 + 12 * ev + 2 * core.acc_bits,
        ffs: p * (core.acc_bits + 1) + 3 * ev + 8 + 10 * ev + 2 * core.acc_bits,
        dsps: p * nd,
        rom_bits: (core.weights.len() as u64) * u64::from(core.weight_bits),
        ..Resources::default()
    };
    add_memory(
        &mut r,
        device,
        core.weight_depth(),
        core.weight_word_bits(),
        true,
    );
    // spike counts held for the pushes (SPK), and the value registers of the event pipeline
    if core.count_bits() > 0 {
        r.ffs += p * core.count_bits();
    }
    if core.value_bits > 1 {
        r.ffs += core.value_bits;
    }
    for _ in 0..p {
        add_memory(&mut r, device, core.blocks, core.acc_bits, false);
    }
    state_and_params(&mut r, core, device, core.blocks, p);
    r
}

/// LUTs per convolution lane for graded events and spike counts (0 for binary spikes): the
/// shift-add product `value * weight` (one accumulator-wide adder per value bit beyond the
/// first; the count division is in [`neuron_cost`]). Measured with yosys `synth_ice40 -dsp` on
/// the v1 digits MLP (4 lanes, 8-bit weights): 4-bit graded input +292 LUT4s (estimate +216),
/// 8-bit +996 (estimate +504); a 3-bit count hidden layer +653 (estimate +456).
fn event_value_luts(core: &CorePlan) -> u32 {
    core.value_bits.saturating_sub(1) * core.acc_bits
}

/// The weight store: a block RAM ROM, or SPRAMs with their address multiplexers (read
/// address or granule write address per column), the write-column decode and, with more than
/// one depth group, the registered group select and the read data multiplexer.
fn store_resources(store: &WeightStore, device: &Device, cores: usize) -> Resources {
    let mut r = Resources::default();
    if store.depth == 0 {
        return r;
    }
    let aw = store.addr_bits();
    // the cores' read addresses are ORed onto one bus
    r.luts += aw * (cores.saturating_sub(1) as u32).div_ceil(3);
    match store.mem {
        WeightMem::Rom => {
            r.rom_bits = store.depth as u64 * u64::from(store.word_bits);
            add_memory(&mut r, device, store.depth, store.word_bits, true);
        }
        WeightMem::Spram { columns, groups } => {
            r.sprams = columns * groups;
            r.luts += columns * groups * (14 + 2) + store.word_bits * groups.saturating_sub(1);
            r.ffs += crate::interface::ubits(groups.saturating_sub(1) as usize);
        }
    }
    r
}

/// Estimate the plan's resources on `device`.
pub(crate) fn estimate(plan: &Plan, device: &Device) -> Resources {
    // controller and shared buses
    let mut total = Resources {
        luts: 60 + 10 * plan.ev_bits,
        ffs: 8 + 3 * plan.ev_bits,
        ..Resources::default()
    };
    let dense = plan.cores.iter().filter(|c| c.conv.is_none()).count();
    let st = store_resources(&plan.weight_store, device, dense);
    total.luts += st.luts;
    total.ffs += st.ffs;
    total.brams += st.brams;
    total.sprams += st.sprams;
    total.rom_bits += st.rom_bits;
    let en = engine_resources(plan);
    total.luts += en.luts;
    total.ffs += en.ffs;
    // sl_pmap per pooled projection: constant divisions and the pooled index (wiring for
    // power-of-two maps; a rough allowance of six event-width operations otherwise)
    for p in plan.cores.iter().flat_map(|c| &c.projections) {
        if let Some(g) = &p.pool {
            let pow2 = [
                g.input[1],
                g.input[2],
                g.output[1],
                g.output[2],
                g.stride[0],
                g.stride[1],
            ]
            .iter()
            .all(|v| v.is_power_of_two());
            total.luts += if pow2 { plan.ev_bits } else { 6 * plan.ev_bits };
        }
    }
    for core in &plan.cores {
        let r = core_resources(core, device);
        total.luts += r.luts;
        total.ffs += r.ffs;
        total.brams += r.brams;
        total.dsps += r.dsps;
        total.rom_bits += r.rom_bits;
    }
    for buf in &plan.buffers {
        if buf.delay.is_some() {
            let r = delay_line_resources(buf, plan.ev_bits, device);
            total.luts += r.luts;
            total.ffs += r.ffs;
            total.brams += r.brams;
            total.rom_bits += r.rom_bits;
            continue;
        }
        total.luts += 3 * plan.ev_bits + 4;
        total.ffs += 2 * plan.ev_bits;
        // graded values / spike counts are stored beside the index
        let value = if buf.value_bits > 1 {
            buf.value_bits
        } else {
            0
        };
        add_memory(
            &mut total,
            device,
            buf.depth * buf.banks,
            plan.ev_bits + value,
            false,
        );
    }
    total
}

/// A delay line (sl_delay.v): `slots x depth` events (index and value) in RAM, one event count
/// per slot in flip-flops with a write and a read multiplexer over the slots, the pipelined
/// write (slot = current + delay mod slots, address = slot x depth + count) and, for
/// non-uniform delays, a ROM of one delay per source neuron.
fn delay_line_resources(buf: &BufferPlan, ev_bits: u32, device: &Device) -> Resources {
    let mut r = Resources::default();
    let Some(d) = &buf.delay else {
        return r;
    };
    let slots = u32::try_from(d.slots).unwrap_or(u32::MAX);
    let sw = d.slot_bits();
    let aw = ubits(d.slots.saturating_mul(buf.depth.max(1)));
    let value = if buf.value_bits > 1 {
        buf.value_bits
    } else {
        0
    };
    // counts: one register per slot, cleared/incremented (a LUT per bit), read twice through
    // a slot multiplexer (about one LUT4 per 3 inputs per bit)
    r.ffs = r
        .ffs
        .saturating_add(slots.saturating_mul(ev_bits))
        .saturating_add(2 * aw + sw + ev_bits + value + 1);
    r.luts = r
        .luts
        .saturating_add(slots.saturating_mul(ev_bits))
        .saturating_add(2 * slots.saturating_sub(1).div_ceil(2).saturating_mul(ev_bits))
        .saturating_add(4 * aw + 3 * sw + 8);
    add_memory(
        &mut r,
        device,
        d.slots.saturating_mul(buf.depth),
        ev_bits + value,
        false,
    );
    if d.uniform().is_none() {
        r.rom_bits += buf.depth as u64 * u64::from(sw);
        add_memory(&mut r, device, buf.depth, sw, true);
    }
    r
}

/// Logic cells that `luts` estimated LUT4s occupy after packing. The LUT4 estimate counts the
/// LUTs Yosys reports; nextpnr also places carry cells (iCE40 SB_CARRY shares cells only in
/// part; ECP5 CCU2C and distributed-RAM logic are separate cells). Measured on the digits MLP:
/// iCE40 UP5K 3350 logic cells for 2249 LUT4s (x1.49), ECP5 25F 8310 TRELLIS_COMB for 3545
/// estimated LUT4s (x2.34). The fit check uses these ratios, rounded up.
pub fn logic_cells(luts: u32, device: &Device) -> u32 {
    match device.family {
        spikeloom_board::Family::Ice40 => luts.saturating_mul(3).div_ceil(2),
        spikeloom_board::Family::Ecp5 => luts.saturating_mul(5).div_ceil(2),
    }
}

/// Compare an estimate with the device and say what would fit.
pub(crate) fn check(plan: &Plan, r: &Resources, device: &Device) -> FitReport {
    let mut problems = Vec::new();
    if r.brams > device.bram_count {
        let note = match plan.weight_store.mem {
            WeightMem::Rom if device.spram_count > 0 => {
                " (the weights are in block RAM: on this device they can go to SPRAM, loaded at start-up; drop --weight-memory bram)"
            }
            WeightMem::Spram { .. } => " (the weights are already in SPRAM: this is state, parameters and event buffers)",
            WeightMem::Rom => "",
        };
        problems.push(format!(
            "block RAM: need {} of {} ({} ROM bits of weights/parameters){note}; use fewer weight bits, a smaller model, or a bigger device",
            r.brams, device.bram_count, r.rom_bits
        ));
    }
    let cells = logic_cells(r.luts, device);
    if cells > device.routable_logic_cells() {
        let lanes = plan.cores.iter().map(|c| c.lanes).max().unwrap_or(1);
        problems.push(format!(
            "logic: need ~{cells} logic cells of {} ({} LUT4s plus the carry chains nextpnr packs \
             separately), above the {}% that routes reliably; use fewer lanes (now up to {lanes}), fewer state bits, or a bigger device",
            device.luts, r.luts, device.family.routable_logic_percent()
        ));
    }
    if let WeightMem::Spram { columns, groups } = plan.weight_store.mem {
        if r.sprams > device.spram_count {
            let bits = plan.weight_store.depth as u64 * u64::from(plan.weight_store.word_bits);
            problems.push(format!(
                "SPRAM: need {} of {} ({columns} side by side for a {}-bit weight word x {groups} deep for {} words, {bits} bits); \
                 use fewer weight bits, fewer lanes (a narrower word), or a smaller model",
                r.sprams,
                device.spram_count,
                plan.weight_store.word_bits,
                plan.weight_store.depth
            ));
        }
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
    if !problems.is_empty() {
        // name the delay lines, the memories a long NIR Delay adds
        for b in &plan.buffers {
            if let Some(d) = &b.delay {
                let lr = delay_line_resources(b, plan.ev_bits, device);
                problems.push(format!(
                    "delay line of projection `{}` ({} steps x {} events): {} BRAM, ~{} LUT4, ~{} FF of the above; shorten the NIR Delay",
                    d.origin,
                    d.slots,
                    b.depth,
                    lr.brams,
                    lr.luts,
                    lr.ffs
                ));
            }
        }
    }
    FitReport {
        fits: problems.is_empty(),
        problems,
    }
}
