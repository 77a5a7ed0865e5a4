//! Resource estimate (LUT4, FF, packed logic cells, block RAM, SPRAM, DSP) and the fit check
//! against a device.
//!
//! An estimate of what `spikeloom build` synthesizes: the core and (with
//! [`crate::PlanConfig::board_top`]) the board top around it, as a sum of named parts whose
//! formulas say what they count (ARCHITECTURE.md "Resources and fit"). Memories are placed the
//! way Yosys 0.70 places them ([`map_memory`]); the board-top parts were measured on each module
//! synthesized alone, the core parts follow the modules alone scaled to the flattened design.
//!
//! How it was measured: `bench/estimate_calibration.py` synthesizes 17 designs (the committed
//! fixtures digits MLP, Braille, RLeaky, Synaptic, CNN, graded input, mnist_mlp, shd_rleaky, 2-16
//! lanes, iCEBreaker and ULX3S-25F) flat with the build's Yosys 0.70 command and packs them with
//! nextpnr 0.11.1 `--pack-only`; `examples/estimate_vs_tools.rs` compares (bench/estimate.md).
//! Worst error over them: LUT4 +13%, FF +13%, logic cells (ICESTORM_LC / TRELLIS_COMB) -10%,
//! block RAM +9%, SPRAM and DSP exact; a single-neuron design is over by up to 19%.
//! crates/verilog/tests/resources.rs checks three designs within 15% in CI.

use crate::interface::ubits;
use crate::types::{
    BufferPlan, CorePlan, Leak, NeuronKind, Param, Plan, QFire, UnitPlan, WeightMem, WeightStore,
};
use spikeloom_board::{Device, Family};

/// Estimated resources of a plan (or of one of its parts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// LUT4s as Yosys counts them (`SB_LUT4` / `LUT4`).
    pub luts: u32,
    /// Flip-flops.
    pub ffs: u32,
    /// Carry cells: iCE40 `SB_CARRY` (one per bit), ECP5 `CCU2C` (two bits each).
    pub carries: u32,
    /// ECP5 distributed RAM cells (`TRELLIS_DPR16X4`); 0 on iCE40.
    pub lutrams: u32,
    /// Logic cells after packing, what decides whether logic fits: iCE40 `ICESTORM_LC` (a LUT4,
    /// a FF and a carry share one), ECP5 `TRELLIS_COMB` (LUT4s, carry halves, distributed RAM).
    /// Filled for the whole plan ([`logic_cells`]); 0 in the per-part breakdown.
    pub logic_cells: u32,
    /// Block RAMs.
    pub brams: u32,
    /// Hard multipliers.
    pub dsps: u32,
    /// iCE40 UP5K SPRAMs (SB_SPRAM256KA).
    pub sprams: u32,
    /// Bits of initialised ROM (weights and per-neuron parameters).
    pub rom_bits: u64,
}

impl Resources {
    fn add(&mut self, o: &Resources) {
        self.luts += o.luts;
        self.ffs += o.ffs;
        self.carries += o.carries;
        self.lutrams += o.lutrams;
        self.brams += o.brams;
        self.dsps += o.dsps;
        self.sprams += o.sprams;
        self.rom_bits += o.rom_bits;
    }
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

/// Block RAMs for a `depth x width` memory on `device`.
fn bram_blocks(device: &Device, depth: usize, width: u32) -> u32 {
    bram_shape(device, depth, width).0
}

/// (block RAMs, blocks in depth) of a `depth x width` memory, as Yosys 0.70 splits it: whole
/// columns of one aspect ratio, the remaining bits in the widest narrower ratios that hold them
/// (6400 x 128 -> 7 columns of 1024x18 and one of 8192x2 = 50 DP16KD; 13632 x 64 -> 3 of
/// 1024x18, one 2048x9, one 16384x1 = 50, measured on sl_rom alone), the cheapest such split
/// counting its depth multiplexer (which is why those two do not take 512x36 columns, 47 and 49
/// blocks, while 480 x 64 does: 2).
fn bram_shape(device: &Device, depth: usize, width: u32) -> (u32, u32) {
    bram_shape_ports(device, depth, width, false)
}

/// [`bram_shape`] of a memory with two read ports (`two`): an ECP5 DP16KD serves both in true
/// dual-port mode, at most 18 bits wide (the 512 x 36 shape is the single-port PDPW16KD).
fn bram_shape_ports(device: &Device, depth: usize, width: u32, two: bool) -> (u32, u32) {
    if depth == 0 || width == 0 {
        return (0, 0);
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
    let shapes = if two && device.family == Family::Ecp5 {
        &shapes[1..]
    } else {
        shapes
    };
    let column = |d: usize| depth.div_ceil(d) as u32;
    shapes
        .iter()
        .enumerate()
        .map(|(i, &(d, w))| {
            let mut blocks = (width / w) * column(d);
            let mut rest = width % w;
            for &(d2, w2) in &shapes[i + 1..] {
                if rest == 0 {
                    break;
                }
                let n = rest / w2;
                blocks += n * column(d2);
                rest -= n * w2;
            }
            if rest > 0 {
                // narrower than the narrowest ratio: one more column of it
                let &(d2, _) = shapes.last().unwrap_or(&(d, w));
                blocks += column(d2);
            }
            // or whole columns of this ratio only
            let blocks = blocks.min(width.div_ceil(w) * column(d));
            // the deeper split pays for its read multiplexer (about half a LUT per bit per
            // extra block in depth, against 64 per block)
            let g = column(d);
            (64 * blocks + width * (g - 1) / 2, blocks, g)
        })
        .min()
        .map_or((0, 0), |(_, blocks, g)| (blocks, g))
}

/// The mapping Yosys' `memory_libmap` chooses for a memory with one registered read port: the
/// cheapest of block RAM (cost 64 per SB_RAM40_4K, 128 per DP16KD), ECP5 distributed RAM and
/// soft logic (1 per RAM bit, 1/16 per ROM bit). Without `no_rw_check` a writable block RAM
/// also pays for emulating sl_ram's read-first behaviour, modelled as 1 per data bit; `block`
/// (`ram_style = "block"`) forces block RAM where the device has it ([`MemStyle`]).
/// Distributed RAM costs 5 per 16x4 cell: Yosys 0.70 puts 128x8, 160x8 and 96x16 RAMs in
/// TRELLIS_DPR16X4 but 256x8 and 128x16 in a DP16KD (checked on sl_ram alone with
/// `synth_ecp5`).
pub(crate) fn map_memory(
    device: &Device,
    depth: usize,
    width: u32,
    rom: bool,
    style: MemStyle,
) -> MemMap {
    let bits = (depth as f64) * f64::from(width);
    let logic = if rom { bits / 16.0 } else { bits };
    let blocks = bram_blocks(device, depth, width);
    if style.block && blocks > 0 && device.bram_count > 0 {
        return MemMap::Bram(blocks);
    }
    let emu = if rom || style.no_rw_check {
        0.0
    } else {
        f64::from(width)
    };
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
        if f64::from(cells) * 5.0 < best.0 {
            best = (f64::from(cells) * 5.0, MemMap::LutRam(cells));
        }
    }
    best.1
}

/// How the design marks its sl_ram / sl_rom memories ([`Plan::mem_style`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemStyle {
    /// `ram_style = "block"`: block RAM even where Yosys would use logic.
    pub block: bool,
    /// `no_rw_check`: no read-first bypass on a writable block RAM.
    pub no_rw_check: bool,
}

/// Add a memory with a registered read of `width` bits to `r` (`style`: see [`map_memory`]).
/// Measured on sl_ram / sl_rom alone (Yosys 0.70, both families): without `no_rw_check` a
/// writable block RAM gets a read-first bypass (the written word, its address and a hit flag
/// registered: 2W + AW + 2 FFs, a W-bit multiplexer and the address compare: W + AW + 2 LUTs);
/// distributed RAM registers its W-bit read and multiplexes ceil(depth/16) cells per bit (about
/// 1.5 LUT4 per extra cell); a RAM in logic is one FF and one LUT per bit.
fn add_memory(
    r: &mut Resources,
    device: &Device,
    depth: usize,
    width: u32,
    rom: bool,
    block: MemStyle,
) {
    let iw = ubits(depth.saturating_sub(1));
    match map_memory(device, depth, width, rom, block) {
        MemMap::Bram(n) => {
            r.brams += n;
            if !rom && !block.no_rw_check {
                r.ffs += 2 * width + iw + 2;
                r.luts += width + iw + 2;
            }
            // deeper than one block: the registered block select and a g:1 read multiplexer
            // per bit (iCE40 ~2 LUT4 per 3 inputs; ECP5 one LUT4 per extra block, at most 6
            // per bit, PFUMX/L6MUX do the rest: sl_rom 13632 x 64 alone 384 LUT4s, 6400 x 128
            // 768)
            let g = bram_shape(device, depth, width).1;
            if g > 1 {
                r.ffs += ubits(g as usize - 1);
                r.luts += match device.family {
                    Family::Ice40 => width * (2 * (g - 1)).div_ceil(3),
                    Family::Ecp5 => width * (g - 1).min(6),
                };
            }
        }
        MemMap::LutRam(cells) => {
            r.lutrams += cells;
            r.ffs += width;
            let d = depth.div_ceil(16) as u32;
            r.luts += (3 * d.saturating_sub(1) * width).div_ceil(2);
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

/// One neuron datapath (sl_neuron; `pipelined`: PIPE=3, a 7-stage streaming pipeline at the work
/// width W, else combinational):
/// about NEURON_FF_W W-wide pipeline registers (inputs, X and decay products, rounding, leak,
/// sums, saturation/compare; a current adds its own), NEURON_LUT_W W-wide operations, one carry
/// chain per adder stage; the leaks (shift-add or DSP) and the spike-count division on top.
fn neuron_cost(core: &CorePlan, device: &Device, pipelined: bool) -> Resources {
    let w = core.work_bits;
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
    let cur = u32::from(core.kind.has_current());
    let count = 2 * core.count_bits() * w;
    let pipe = u32::from(pipelined);
    Resources {
        luts: (11 + 3 * cur) * w / 2 + bl + al + vl + count,
        ffs: pipe * ((17 + 6 * cur) * w / 2 + core.count_bits() * w / 2),
        carries: (5 + 2 * cur) * w / 2 + count / 2,
        dsps: bd + ad + vd,
        ..Resources::default()
    }
}

/// State memories (`depth` words of `lanes` membranes, and currents) and parameter ROMs.
fn state_and_params(
    r: &mut Resources,
    core: &CorePlan,
    device: &Device,
    depth: usize,
    lanes: u32,
    block: MemStyle,
) {
    add_memory(r, device, depth, lanes * core.state_bits, false, block);
    if core.kind.has_current() {
        add_memory(r, device, depth, lanes * core.current_bits, false, block);
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
            add_memory(r, device, depth, lanes * bits, true, block);
            r.rom_bits += depth as u64 * u64::from(lanes * bits);
        }
    }
}

/// A neuron unit (sl_unit) of one or more dense layers: one neuron datapath streaming one
/// neuron per cycle, as wide as the unit ([`UnitPlan`]); its lane multiplexer (a P:1
/// multiplexer per sum bit, ~one LUT4 per input beyond the first), the issue counters and block
/// bookkeeping (~4 event-width operations); registers: the lane's sum, the counters, the neuron
/// index of each of the UNIT_LATENCY stages in flight; the state RAM and parameter ROMs by state
/// address. A unit of NL > 1 layers adds the per-layer selection: the weight-shift multiplexer
/// on the sum, a multiplexer per constant parameter, the layer size, the state address
/// register and its adders, and the layer index through the pipeline.
fn unit_resources(plan: &Plan, unit: &UnitPlan, device: &Device) -> Resources {
    let c0 = &plan.cores[unit.layers[0]];
    // the datapath as the unit builds it: the first layer's structure at the unit's widths
    let mut view = c0.clone();
    view.work_bits = unit.work_bits;
    view.param_bits = unit.param_bits;
    view.acc_bits = unit.acc_bits;
    view.beta_leak = unit.beta_leak;
    view.alpha_leak = unit.alpha_leak;
    // the division at the widest count (narrower layers are capped by a mask, a few LUTs)
    if let QFire::Count { spike_bits, .. } = &mut view.fire {
        *spike_bits = unit.count_bits(&plan.cores);
    }
    let rom_or_const = |which: fn(&CorePlan) -> &Param| match unit.param_rom(&plan.cores, which) {
        Some(v) => Param::Rom(v),
        None => Param::Const(0),
    };
    view.bias = rom_or_const(|c| &c.bias);
    view.theta = rom_or_const(|c| &c.theta);
    view.v_reset = rom_or_const(|c| &c.v_reset);
    view.beta = rom_or_const(|c| &c.beta);
    view.alpha = rom_or_const(|c| &c.alpha);
    let mut r = neuron_cost(&view, device, true);
    let ev = ubits(
        unit.layers
            .iter()
            .map(|&l| plan.cores[l].size)
            .max()
            .unwrap_or(1),
    );
    let p = c0.lanes as u32;
    let kw = ubits(c0.lanes.saturating_sub(1));
    let lat = crate::cycles::UNIT_LATENCY as u32;
    r.luts += unit.acc_bits * p.saturating_sub(1) + 4 * ev + 40;
    r.ffs += unit.acc_bits + ev * (lat + 1) + 2 * kw + lat + 2;
    r.carries += 2 * ev;
    let nl = unit.layers.len() as u32;
    if nl > 1 {
        let saw = ubits(unit.depth.saturating_sub(1));
        let lw = ubits(unit.layers.len() - 1);
        // constants that differ by layer: one multiplexer per bit
        let differs = |which: fn(&CorePlan) -> &Param| {
            unit.param_rom(&plan.cores, which).is_none()
                && unit
                    .layers
                    .windows(2)
                    .any(|w| which(&plan.cores[w[0]]) != which(&plan.cores[w[1]]))
        };
        let consts = [
            (differs(|c| &c.bias), unit.param_bits),
            (differs(|c| &c.theta), unit.param_bits),
            (differs(|c| &c.v_reset), unit.param_bits),
            (differs(|c| &c.beta), c0.decay_bits()),
            (differs(|c| &c.alpha), c0.decay_bits()),
        ];
        let shifts = unit
            .layers
            .windows(2)
            .any(|w| plan.cores[w[0]].weight_shift != plan.cores[w[1]].weight_shift);
        let sel: u32 = consts
            .iter()
            .filter(|(d, _)| *d)
            .map(|(_, b)| b)
            .sum::<u32>()
            + if shifts { unit.acc_bits } else { 0 };
        r.luts += (nl - 1) * (sel + ev) + 2 * saw;
        r.ffs += 2 * saw + lw * (lat + 1);
        r.carries += 2 * saw;
    }
    if unit.has_conv(&plan.cores) {
        // convolution layers hand blocks over too (sl_unit CONV): the state address through
        // the pipeline, the neuron step multiplexer and adder; in the top, per convolution
        // layer, a multiplexer of the hand-off registers (P lanes of the unit's sum width)
        // and of the hand-off fields (neuron, state address, last lane)
        let saw = ubits(unit.depth.saturating_sub(1));
        let convs = (0..unit.layers.len())
            .filter(|&j| unit.is_conv(&plan.cores, j))
            .count() as u32;
        let hsb = unit.hs_bits(&plan.cores, plan.engine.as_ref().map_or(2, |e| e.acc_bits));
        r.luts += nl * ev + convs * (p * hsb + ev + saw + kw);
        r.ffs += saw * lat;
        r.carries += ev;
    }
    let block = plan.mem_style();
    if unit.state_spram {
        // one SB_SPRAM256KA: its address multiplexer (write-back or issue), the write-back
        // bubble in the issue condition and the hand-off's busy
        r.sprams += 1;
        r.luts += ubits(unit.depth.saturating_sub(1)) + 3;
    } else {
        add_memory(&mut r, device, unit.depth, c0.state_bits, false, block);
    }
    if c0.kind.has_current() {
        add_memory(&mut r, device, unit.depth, c0.current_bits, false, block);
    }
    for (param, bits) in [
        (&view.bias, unit.param_bits),
        (&view.theta, unit.param_bits),
        (&view.v_reset, unit.param_bits),
        (&view.beta, c0.decay_bits()),
        (&view.alpha, c0.decay_bits()),
    ] {
        if param.is_rom() {
            add_memory(&mut r, device, unit.depth, bits, true, block);
            r.rom_bits += unit.depth as u64 * u64::from(bits);
        }
    }
    r
}

/// The shared accumulators (sl_acc): P lanes of accumulator adders (shift-add products for
/// event values), accumulator and hand-off registers, one sign-extension multiplexer per lane
/// when the dense layers' weight widths differ, the event/row-base pipeline per projection
/// (a row base register and adder per projection, the event counter and compares), the
/// registered store address and store word (WA + P x WB FFs). sl_acc alone (Yosys 0.70,
/// iCE40): P=8, ACC_W=18, WA=14, 2 projections 268 LUT4 / 425 FF / 189 carries; P=2, ACC_W=14,
/// WA=9: 121 / 123 / 55.
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
    let mut r = Resources {
        luts: p * (e.acc_bits + value + extract) + 3 * aw * j + 40,
        ffs: p * (2 * e.acc_bits + widths.last().copied().unwrap_or(0))
            + aw * (j + 1)
            + 4 * plan.ev_bits
            + e.value_bits
            + 3,
        carries: p * (e.acc_bits + value) + aw * j + 2 * plan.ev_bits,
        ..Resources::default()
    };
    if plan.buffers.iter().any(|b| b.paired) {
        // the second event's path: its index and store address registers and adder, its
        // store word register, and per lane a second weight in a three-input accumulation;
        // the store's second port: a register per bank and a second bank multiplexer
        let w = plan.weight_store.word_bits;
        let nb = plan.weight_store.rom_banks().len() as u32;
        r.luts += p * (e.acc_bits + extract) + aw + w * (nb - 1).min(6);
        // (one bank: the second port's address register is counted with the store)
        let bank_regs = if nb == 1 { 0 } else { w * nb };
        r.ffs += plan.ev_bits + aw + w + bank_regs + 2 * ubits(nb as usize - 1);
        r.carries += p * e.acc_bits + aw;
    }
    r
}

/// A convolution core (sl_conv); `on_unit`: its neurons are updated by a shared unit
/// (`EXT_UNIT`: no neuron datapaths, state or parameter memories here, but hand-off
/// registers, the block's state slot and its last valid lane).
fn core_resources(
    core: &CorePlan,
    device: &Device,
    ev_bits: u32,
    shared_acc: bool,
    on_unit: bool,
    store_kernel: Option<u32>,
    block: MemStyle,
) -> Resources {
    let p = core.lanes as u32;
    // the convolution core's datapaths are combinational (sl_neuron PIPE=0)
    let n = if on_unit {
        Resources::default()
    } else {
        neuron_cost(core, device, false)
    };
    let ev = ubits(core.size.max(core.fan_in()));
    // sl_conv: P neuron datapaths; one accumulator RAM per lane (NB x ACC_W), each with its
    // own adder fed by its lane of the kernel word (no lane-select multiplexer); the scatter
    // pipeline (tap counters, target address arithmetic, read-modify-write, no hazard logic
    // needed) and the sweep's neuron registers are about 14 event-width operations; the kernel
    // ROM, P weights per word.
    let mut r = Resources {
        luts: p * (n.luts + core.acc_bits + event_value_luts(core)) + 40 + 14 * ev,
        ffs: p * (n.ffs + core.acc_bits + 1) + 8 + 10 * ev,
        carries: p * (n.carries + core.acc_bits) + 6 * ev,
        // synth_ecp5 maps the tap address product (`oy * WO`) to a MULT18X18D as well
        // (measured: the CNN fixture with 4 lanes takes 6 on the ECP5, 5 on the UP5K)
        dsps: p * n.dsps + u32::from(device.family == Family::Ecp5 && device.dsp_count > 0),
        rom_bits: if store_kernel.is_some() {
            0
        } else {
            (core.weights.len() as u64) * u64::from(core.weight_bits)
        },
        ..Resources::default()
    };
    // iCE40: the tap and sweep address arithmetic at the address width (sl_conv `CW`: the
    // target address, the sweep's neuron bases, the kernel word; the tap coordinates and
    // their checks are at the narrower `XW`) takes about 13 LUT4 columns more than the
    // event-width operations above, where every adder and compare bit is a LUT4 beside its
    // carry. Measured (Yosys 0.70 synth_ice40, nextpnr 0.11.1 pack), whole designs packed
    // against estimated: the N-MNIST CNN at 1 lane (calibrated, SPRAM weights, on a UP5K with
    // room; CW 14, XW 7/6/5) 6039 cells against 5993 (6464 before the coordinates were
    // narrowed from CW to XW bits, when the estimate without this term said ~5600); the cnn
    // fixture ([4, 8] lanes, CW 11, XW 5) 3384 against 3461.
    if device.family == Family::Ice40 {
        r.luts += 13 * core.coord_bits(ev_bits);
    }
    match store_kernel {
        // the kernel in the weight store: the core's kernel word address, gated by TAP and
        // ORed onto the store's read bus (the store registers it)
        Some(aw) => r.luts += aw + aw.div_ceil(3),
        None => add_memory(
            &mut r,
            device,
            core.weight_depth(),
            core.weight_word_bits(),
            true,
            block,
        ),
    }
    // spike counts held for the pushes (SPK), and the value registers of the event pipeline
    if core.count_bits() > 0 {
        r.ffs += p * core.count_bits();
    }
    if core.value_bits > 1 {
        r.ffs += core.value_bits;
    }
    if !shared_acc {
        for _ in 0..p {
            add_memory(&mut r, device, core.blocks, core.acc_bits, false, block);
        }
    }
    if on_unit {
        r.luts += 2 * ev;
        r.ffs += p * core.acc_bits + ev;
        r.carries += ev;
    } else {
        state_and_params(&mut r, core, device, core.blocks, p, block);
    }
    r
}

/// One convolution engine serving several layers ([`ConvEngine`]): the largest of its layers'
/// own cores, plus the per-layer parameter tables (a multiplexer by the running layer for each
/// parameter bit that differs between layers, about two address widths' worth per extra
/// layer), the selection of each layer's event list and value (index, count, value), and the
/// variable products (decode reciprocals, remainders, kernel word, tap address): SB_MAC16s on
/// an iCE40 that has them, else multipliers in logic.
fn conv_engine_resources(
    plan: &Plan,
    e: &crate::ConvEngine,
    device: &Device,
    core: &dyn Fn(usize) -> Resources,
) -> Resources {
    let mut r = e
        .cores
        .iter()
        .map(|&l| core(l))
        .max_by_key(|r| r.luts)
        .unwrap_or_default();
    let cw = e
        .cores
        .iter()
        .map(|&l| plan.cores[l].coord_bits(plan.ev_bits))
        .max()
        .unwrap_or(1);
    let extra = e.cores.len().saturating_sub(1) as u32;
    r.luts += extra * (2 * cw + 2 * plan.ev_bits + 4);
    r.ffs += ubits(e.cores.len() - 1);
    // (measured on the N-MNIST CNN, Yosys 0.70 `synth_ice40 -dsp`: 4 SB_MAC16, the two
    // narrowest products stay in logic)
    const PRODUCTS: u32 = 6;
    const MACS: u32 = 4;
    if device.family == Family::Ice40 && device.dsp_count >= MACS {
        r.dsps += MACS;
    } else if device.family == Family::Ice40 {
        r.luts += PRODUCTS * cw * cw / 2;
        r.carries += PRODUCTS * cw;
    }
    r
}

/// LUTs per convolution lane for graded events and spike counts (0 for binary spikes): the
/// shift-add product `value * weight` (one accumulator-wide adder per value bit beyond the
/// first; the count division is in [`neuron_cost`]).
fn event_value_luts(core: &CorePlan) -> u32 {
    core.value_bits.saturating_sub(1) * core.acc_bits
}

/// The weight store: a block RAM ROM, or SPRAMs with their address multiplexers (read
/// address or granule write address per column), the write-column decode and, with more than
/// one depth group, the registered group select and the read data multiplexer (sl_wspram alone:
/// 4x1 62 LUT4s, 2x2 94, 1x4 109).
fn store_resources(
    store: &WeightStore,
    device: &Device,
    cores: usize,
    two_ports: bool,
    block: MemStyle,
) -> Resources {
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
            let banks = store.rom_banks();
            for &depth in &banks {
                if two_ports {
                    // sl_rom2: true dual-port block RAM (Yosys chooses it over duplicating)
                    let (n, g) = bram_shape_ports(device, depth, store.word_bits, true);
                    r.brams += n;
                    if g > 1 {
                        r.ffs += ubits(g as usize - 1);
                        r.luts += 2 * store.word_bits * (g - 1).min(6);
                    }
                } else {
                    add_memory(&mut r, device, depth, store.word_bits, true, block);
                }
            }
            // a fabric register per bank, the delayed bank select and the bank multiplexer;
            // one bank registers its read address instead (per port)
            let nb = banks.len() as u32;
            let w = store.word_bits;
            r.ffs += if nb == 1 {
                aw * if two_ports { 2 } else { 1 }
            } else {
                w * nb + 2 * ubits(banks.len() - 1)
            };
            if nb > 1 {
                r.luts += match device.family {
                    Family::Ice40 => w * (2 * (nb - 1)).div_ceil(3),
                    Family::Ecp5 => w * (nb - 1).min(6),
                };
            }
        }
        WeightMem::Spram {
            columns,
            groups,
            packed,
        } => {
            r.sprams = columns * groups;
            r.luts += columns * groups * (14 + 2) + store.word_bits * groups.saturating_sub(1);
            // the registered read address (read latency 2) and the group select
            r.ffs += crate::interface::ubits(groups.saturating_sub(1) as usize)
                + crate::interface::ubits(store.depth.saturating_sub(1));
            if packed {
                // the byte select, registered once more, and its multiplexer
                r.ffs += 1;
                r.luts += store.word_bits;
            }
        }
    }
    r
}

/// The weight loader (sl_wload) of a store filled at start-up: SPI flash reader, host stream
/// (LOAD frames with roll-back), CRC-32, header check, granule writer and timeouts, mostly
/// fixed-width (24-bit flash address, 32-bit CRC and length); only the image position counter
/// (PW bits, the image bytes) grows with the model. sl_wload alone (iCE40, Yosys 0.70):
/// 2000 granules 354 LUT4 / 230 FF / 53 carries, 51200 granules 367 / 244 / 63.
fn loader_resources(store: &WeightStore) -> Resources {
    if !store.is_loaded() {
        return Resources::default();
    }
    let granules = store.image_granules();
    let pw = ubits(crate::image::IMAGE_HEADER_BYTES + 2 * granules);
    Resources {
        luts: 325 + (5 * pw).div_ceil(2),
        ffs: 200 + 3 * pw,
        carries: 29 + 2 * pw,
        ..Resources::default()
    }
}

/// The board top `build` synthesizes around the core (rtl-templates/io): power-on reset,
/// heartbeat and error-LED timers (two counters of log2(clock) bits), the UART receiver and
/// transmitter (bit counters of log2(clock/baud) bits) and the host bridge. The bridge is
/// mostly fixed: its pipelined frame parser/CRC-8, STEP/COUNTS/STATUS/RUN engines and the
/// reply serializer (the protocol's u16 fields: steps, T, seed, counts; lengths and output
/// counters only as wide as the design needs); what grows with the model is the feature-word
/// address and event index registers (in_w bits each) and its memories: the step's features
/// (four bytes a word), the step's output events (OUT x index+count, always one block RAM) and
/// the 16-bit spike counters (OUT). Its memories have no read-first bypass (`no_rw_check`: no
/// address is read and written in one cycle). The LOAD/LOAD_END path exists only with a
/// loader. Measured on the bridge alone (bridge-slim, Yosys 0.70) for 1/64/784 inputs, 1/10
/// outputs, with and without a loader: iCE40 884..1132 LUT4s, 479..624 FFs, 115..163 carries,
/// 1..4 block RAMs (the digits design, 64 in / 10 out, no loader: 918 LUT4s, 479 FFs, 133
/// carries; the earlier bridge: 1294 / 862 / 200); ECP5 815..1303 LUT4s (ABC varies by ~50),
/// 494..591 FFs. Since then the received byte is read from uart_rx's shift register and the
/// feature memory is written at the byte's edge (no byte, address and enable registers): the
/// digits bridge 938 -> 925 LUT4s, 485 -> 459 FFs, 1164 -> 1143 packed cells; uart_rx 8 FFs
/// fewer.
fn board_top_resources(plan: &Plan, cfg: &BoardTopConfig, device: &Device) -> Resources {
    let bw = ubits(usize::try_from(cfg.clock_hz).unwrap_or(usize::MAX));
    let cpb = cfg.clock_hz.div_ceil(u64::from(cfg.baud.max(1))).max(2);
    let cw = ubits(usize::try_from(cpb).unwrap_or(usize::MAX));
    let loader = u32::from(plan.weight_store.is_loaded());
    let iface = plan.top_interface();
    // board_top's own counters, the two UART halves
    let mut r = Resources {
        luts: bw + 10 + 39 + 4 * cw,
        ffs: bw + 6 + 31 + 2 * cw,
        carries: 2 * bw + 2 * cw,
        ..Resources::default()
    };
    if cfg.settle_cycles > 0 {
        let sw = ubits(usize::try_from(cfg.settle_cycles).unwrap_or(usize::MAX));
        r.luts += sw + 2;
        r.ffs += sw + 1;
        r.carries += sw;
    }
    // the bridge's fixed logic; its index/count handling grows with the index widths (the
    // feature-word address and event index registers: ~8 FFs per input index bit)
    let widths = 6 * (iface.in_w + iface.out_w);
    // zero-skip (`ZERO_SKIP`: the non-zero word list's counters, compares and registers),
    // measured alone (Yosys 0.70): iCE40 digits 922 -> 952 LUT4s and 477 -> 506 FFs; ECP5
    // MNIST 943 -> 1235 LUT4s (ABC maps the whole bridge differently; N-MNIST 1077 -> 1335,
    // digits 1034 -> 1034) and 532 -> 585 FFs
    let zs = u32::from(iface.zero_skip);
    // the rate encoder (`PIXELS`: LFSR, the pixel compares, pixel-wide feature registers),
    // measured alone (Yosys 0.70, iCE40, the N-MNIST bridge: 2312 2-bit features): 1322 -> 1107
    // LUT4s and 628 -> 552 FFs without it
    let px = u32::from(iface.pixels);
    match device.family {
        Family::Ice40 => {
            r.luts += 645 + 215 * px + 30 * zs + widths + 165 * loader;
            r.ffs += 328 + 76 * px + 30 * zs + 8 * iface.in_w + 63 * loader;
            r.carries += 110 + 3 * iface.in_w + 20 * loader;
        }
        Family::Ecp5 => {
            // the ECP5 bridge's small memories are distributed RAM read through LUT
            // multiplexers: measured as a whole (with the list's multiplexer below: 1034 LUT4s
            // for 64 features, 1235 for 784, 1335 for 2312; ABC's mapping of the whole bridge
            // moves by 100-300 LUT4s between such variants)
            r.luts += 725 + 215 * px + 100 * zs + widths + 175 * loader;
            r.ffs += 328 + 76 * px + 55 * zs + 8 * iface.in_w + 65 * loader;
            r.carries += 60 + 3 * iface.in_w + 12 * loader;
        }
    }
    // the bridge's memories: the step's features in words of four bytes, the 16-bit spike
    // counters (OUT), both without a read-first bypass (`no_rw_check`), and the step's output
    // events (OUT x index+count), always in block RAM (`ram_style = "block"`)
    let ob_w = iface.out_w
        + if iface.out_value_w > 1 {
            iface.out_value_w
        } else {
            0
        };
    let mut mems = Resources::default();
    // (a feature is a pixel byte with the rate encoder, else its value bits)
    let fw = if iface.pixels {
        8
    } else {
        iface.in_value_w.max(1)
    };
    for (depth, width) in [
        (iface.input_size.div_ceil(4), 4 * fw),
        (iface.output_size, 16),
    ] {
        let mut m = Resources::default();
        add_memory(&mut m, device, depth, width, false, BRIDGE_MEMORIES);
        mems.add(&m);
    }
    // the output events: forced into block RAM on iCE40 (`OBUF_BLOCK`), Yosys's choice on ECP5
    match device.family {
        Family::Ice40 => mems.brams += bram_blocks(device, iface.output_size, ob_w),
        Family::Ecp5 => add_memory(
            &mut mems,
            device,
            iface.output_size,
            ob_w,
            false,
            BRIDGE_MEMORIES,
        ),
    }
    if device.family == Family::Ecp5 {
        // measured with the fixed logic above
        mems.luts = 0;
    }
    // the non-zero word list (zero-skip: a feature-word address per word): block RAM on iCE40,
    // distributed RAM on ECP5 (`ram_style`), read through a registered multiplexer of its
    // 16-word cells
    let words = iface.input_size.div_ceil(4);
    let aw = ubits(words - 1);
    match device.family {
        _ if !iface.zero_skip => {}
        Family::Ice40 => mems.brams += bram_blocks(device, words, aw),
        Family::Ecp5 => {
            let d = words.div_ceil(16) as u32;
            mems.lutrams += d * aw.div_ceil(4);
            mems.ffs += aw;
            mems.luts += (d.saturating_sub(1) * aw).div_ceil(2);
        }
    }
    r.add(&mems);
    r
}

/// The host bridge's own memories: `no_rw_check`, Yosys's choice of block (host_bridge.v).
const BRIDGE_MEMORIES: MemStyle = MemStyle {
    block: false,
    no_rw_check: true,
};

/// LUT4s of the flattened core against the sum of its parts, percent: synthesized as one
/// design (as `build` does), the trace logic (unconnected by the board top) disappears and
/// ABC maps across module boundaries. Measured on the calibration designs (ARCHITECTURE.md
/// "Resource estimate"): the flat core is 68-83% (iCE40) of the per-module formulas above,
/// which follow each module synthesized alone.
const CORE_LUT_PERCENT_ICE40: u32 = 76;
/// As [`CORE_LUT_PERCENT_ICE40`] for ECP5 (after the adder LUTs that CCU2C cells absorb).
const CORE_LUT_PERCENT_ECP5: u32 = 100;

/// Where the board top's size comes from (a [`crate::PlanConfig`] setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardTopConfig {
    /// The design clock, Hz (heartbeat and timeout counters).
    pub clock_hz: u64,
    /// The UART baud rate (bit-timing counters).
    pub baud: u32,
    /// Cycles the board top waits after its PLL locks before releasing reset (0: no PLL).
    /// Hook for the PLL board top: the PLL itself (SB_PLL40 / EHXPLLL) takes no logic, its
    /// settle counter about one LUT4, FF and carry per bit; recalibrate once board_top.v has it.
    pub settle_cycles: u64,
}

impl Default for BoardTopConfig {
    fn default() -> Self {
        Self {
            clock_hz: 12_000_000,
            baud: 115_200,
            settle_cycles: 0,
        }
    }
}

/// Estimate the plan's resources on `device`: the total and its parts (name, resources).
/// `board` adds the board top `spikeloom build` synthesizes around the core (host bridge, UART,
/// reset and LEDs); `None` estimates the core alone.
pub(crate) fn estimate(
    plan: &Plan,
    device: &Device,
    board: Option<&BoardTopConfig>,
) -> (Resources, Vec<(String, Resources)>) {
    let mut parts: Vec<(String, Resources)> = Vec::new();
    if let Some(cfg) = board {
        parts.push((
            "board top (host bridge, UART)".into(),
            board_top_resources(plan, cfg, device),
        ));
    }
    // controller (sl_ctrl) and the top's shared buses
    parts.push((
        "controller".into(),
        Resources {
            luts: 30 + 5 * plan.ev_bits,
            ffs: 10 + 2 * plan.ev_bits,
            carries: 2 * plan.ev_bits,
            ..Resources::default()
        },
    ));
    let dense = plan.cores.iter().filter(|c| c.conv.is_none()).count();
    parts.push((
        "weight store".into(),
        store_resources(
            &plan.weight_store,
            device,
            dense,
            plan.buffers.iter().any(|b| b.paired),
            plan.mem_style(),
        ),
    ));
    if plan.weight_store.is_loaded() {
        parts.push(("weight loader".into(), loader_resources(&plan.weight_store)));
    }
    if plan.engine.is_some() {
        parts.push(("accumulators".into(), engine_resources(plan)));
    }
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
            parts.push((
                format!("pooling index map of `{}`", p.origin),
                Resources {
                    luts: if pow2 { plan.ev_bits } else { 6 * plan.ev_bits },
                    ..Resources::default()
                },
            ));
        }
    }
    let conv_core = |l: usize| {
        core_resources(
            &plan.cores[l],
            device,
            plan.ev_bits,
            plan.conv_acc.is_some(),
            plan.on_unit(l),
            plan.weight_store
                .kernels
                .then(|| plan.weight_store.addr_bits()),
            plan.mem_style(),
        )
    };
    let engine_cores = plan.conv_engine.as_ref().map_or(&[][..], |e| &e.cores[..]);
    if let Some(e) = &plan.conv_engine {
        let names: Vec<String> = e
            .cores
            .iter()
            .map(|&l| format!("`{}`", plan.cores[l].name))
            .collect();
        parts.push((
            format!("convolution engine {}", names.join(" + ")),
            conv_engine_resources(plan, e, device, &conv_core),
        ));
    }
    for (l, core) in plan.cores.iter().enumerate() {
        if core.conv.is_none() || engine_cores.contains(&l) {
            continue;
        }
        parts.push((format!("convolution core `{}`", core.name), conv_core(l)));
    }
    for unit in plan.engine.iter().flat_map(|e| &e.units) {
        let names: Vec<String> = unit
            .layers
            .iter()
            .map(|&l| format!("`{}`", plan.cores[l].name))
            .collect();
        parts.push((
            format!("neuron unit {}", names.join(" + ")),
            unit_resources(plan, unit, device),
        ));
    }
    for buf in &plan.buffers {
        if buf.delay.is_some() {
            parts.push((
                format!("delay line `{}`", buf.name),
                delay_line_resources(buf, plan.ev_bits, device, plan.mem_style()),
            ));
            continue;
        }
        let mut r = Resources {
            luts: 3 * plan.ev_bits + 4,
            ffs: 2 * plan.ev_bits,
            carries: 2 * plan.ev_bits,
            ..Resources::default()
        };
        // graded values / spike counts are stored beside the index
        let value = if buf.value_bits > 1 {
            buf.value_bits
        } else {
            0
        };
        if buf.spram.is_some() {
            // the list's words are in the shared event SPRAM (its part below); its count
            // registers stay here
        } else if buf.paired {
            // even and odd positions in two memories of half the depth, pair addressing
            for _ in 0..2 {
                add_memory(
                    &mut r,
                    device,
                    buf.depth.div_ceil(2) * buf.banks,
                    plan.ev_bits,
                    false,
                    plan.mem_style(),
                );
            }
            r.luts += plan.ev_bits + 2;
            r.carries += plan.ev_bits;
        } else {
            add_memory(
                &mut r,
                device,
                buf.depth * buf.banks,
                plan.ev_bits + value,
                false,
                plan.mem_style(),
            );
        }
        parts.push((format!("event buffer `{}`", buf.name), r));
    }
    if let Some(sa) = &plan.conv_acc {
        // one RAM of the widest lanes, its read and write ports OR-combined over the cores
        // (each drives zeros when idle): about one LUT4 per 3 inputs per address and data bit
        let w = sa.lanes as u32 * sa.acc_bits;
        let aw = ubits(sa.depth.saturating_sub(1));
        let n = sa.cores.len() as u32;
        let mut r = Resources {
            luts: (2 * aw + w) * n.div_ceil(2) + 2 * n,
            ..Resources::default()
        };
        add_memory(&mut r, device, sa.depth, w, false, plan.mem_style());
        parts.push(("shared convolution accumulators".into(), r));
    }
    if let Some(es) = &plan.event_spram {
        parts.push((
            format!("event SPRAM ({} lists)", es.lists.len()),
            event_spram_resources(es, plan.ev_bits),
        ));
    }
    let core_luts = match device.family {
        Family::Ice40 => CORE_LUT_PERCENT_ICE40,
        Family::Ecp5 => CORE_LUT_PERCENT_ECP5,
    };
    for (name, r) in &mut parts {
        if name.starts_with("board top") {
            continue; // measured as synthesized, per family
        }
        if device.family == Family::Ecp5 {
            // an ECP5 adder bit is half a CCU2C with its own LUT; on iCE40 it is a LUT4 and an
            // SB_CARRY
            r.luts = r.luts.saturating_sub(r.carries);
        }
        r.luts = (r.luts * core_luts).div_ceil(100);
    }
    if device.family == Family::Ecp5 {
        // CCU2C cells hold two carry bits
        for (_, r) in &mut parts {
            r.carries = r.carries.div_ceil(2);
        }
    }
    let mut total = Resources::default();
    for (_, r) in &parts {
        total.add(r);
    }
    total.logic_cells = packed_cells(&total, device);
    (total, parts)
}

/// The shared event SPRAM (sl_evspram.v): one SB_SPRAM256KA; its port's address is the
/// selected list's base (an OR of constants) plus its count (write) or the read address, an
/// adder of 14 bits after an L:1 count multiplexer; the write word an L:1 multiplexer of index
/// and value (per list and bit about one LUT4 for the gate and one for the OR), plus the
/// selects. sl_evspram for the N-MNIST CNN (3 lists of 13 + 3 bits) is 153 LUT4s in the
/// design synthesised without flattening (Yosys 0.70, iCE40); this gives 139 before scaling.
fn event_spram_resources(es: &crate::types::EventSpram, ev_bits: u32) -> Resources {
    let l = es.lists.len() as u32;
    Resources {
        luts: 14 + 16 + 3 * l + (ev_bits + 16) * l + ev_bits,
        carries: 14,
        sprams: 1,
        ..Resources::default()
    }
}

/// A delay line (sl_delay.v): `slots x depth` events (index and value) in RAM, one event count
/// per slot in flip-flops with a write and a read multiplexer over the slots, the pipelined
/// write (slot = current + delay mod slots, address = slot x depth + count) and, for
/// non-uniform delays, a ROM of one delay per source neuron.
fn delay_line_resources(
    buf: &BufferPlan,
    ev_bits: u32,
    device: &Device,
    block: MemStyle,
) -> Resources {
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
    r.carries = 2 * aw + sw;
    add_memory(
        &mut r,
        device,
        d.slots.saturating_mul(buf.depth),
        ev_bits + value,
        false,
        block,
    );
    if d.uniform().is_none() {
        r.rom_bits += buf.depth as u64 * u64::from(sw);
        add_memory(&mut r, device, buf.depth, sw, true, block);
    }
    r
}

/// Logic cells nextpnr packs an estimate into (`ICESTORM_LC` / `TRELLIS_COMB`). iCE40: a cell
/// holds a LUT4, a FF and a carry; FFs fed by another FF, a block RAM or a DSP (pipeline and
/// bypass registers) and carries without a LUT of their own take a cell each: measured
/// LC = LUT4 + 3/4 FF. ECP5: every LUT4 is a cell, a CCU2C two, a TRELLIS_DPR16X4 six (four
/// RAM LUTs and two write-port cells), plus one feed-through cell per ~6 FFs.
fn packed_cells(r: &Resources, device: &Device) -> u32 {
    match device.family {
        Family::Ice40 => r.luts + (3 * r.ffs).div_ceil(4),
        Family::Ecp5 => r.luts + 2 * r.carries + 6 * r.lutrams + r.ffs.div_ceil(6),
    }
}

/// Logic cells of a plan's estimate (see [`Resources::logic_cells`]).
pub fn logic_cells(r: &Resources, device: &Device) -> u32 {
    packed_cells(r, device)
}

/// Compare an estimate with the device and say what would fit.
pub(crate) fn check(plan: &Plan, r: &Resources, device: &Device) -> FitReport {
    let mut problems = Vec::new();
    if r.brams > device.bram_count {
        let note = match plan.weight_store.mem {
            WeightMem::Rom if device.spram_count > 0 => {
                " (the weights are in block RAM: on this device they can go to SPRAM, loaded at start-up; drop --weight-memory bram)".to_string()
            }
            WeightMem::Spram { .. } => {
                let units = plan.engine.as_ref().map_or(&[][..], |e| &e.units[..]);
                let moved = units.iter().filter(|u| u.state_spram).count();
                let conv = plan.cores.iter().any(|c| c.conv.is_some());
                let mut there = vec!["the weights"];
                let mut here = Vec::new();
                if plan.event_spram.is_some() {
                    there.push("the convolutions' event lists");
                }
                match moved {
                    0 => here.push("state"),
                    n if n == units.len() => there.push("the neuron units' state"),
                    _ => {
                        there.push("some neuron units' state");
                        here.push("the other state");
                    }
                }
                if conv {
                    here.push("accumulators");
                    if plan.weight_store.kernels {
                        there.push("the kernels");
                    } else {
                        here.push("kernels");
                    }
                }
                here.extend(["parameters", "event buffers"]);
                let last = there.pop().unwrap_or_default();
                let there = if there.is_empty() {
                    last.to_string()
                } else {
                    format!("{} and {last}", there.join(", "))
                };
                let tail = here.pop().unwrap_or_default();
                format!(
                    " ({there} are already in SPRAM: this is {} and {tail})",
                    here.join(", ")
                )
            }
            WeightMem::Rom => String::new(),
        };
        problems.push(format!(
            "block RAM: need {} of {} ({} ROM bits of weights/parameters){note}; use fewer weight bits, a smaller model, or a bigger device",
            r.brams, device.bram_count, r.rom_bits
        ));
    }
    let cells = r.logic_cells;
    let lanes = plan.cores.iter().map(|c| c.lanes).max().unwrap_or(1);
    if cells > device.routable_logic_cells() {
        let fewer = if lanes > 1 {
            format!("fewer lanes (now up to {lanes}), ")
        } else {
            String::new()
        };
        problems.push(format!(
            "logic: need ~{cells} logic cells of {} ({} LUT4s and {} FFs as nextpnr packs them), \
             above the {}% that routes reliably; use {fewer}fewer state bits, or a bigger device",
            device.luts,
            r.luts,
            r.ffs,
            device.family.routable_logic_percent()
        ));
    }
    if let WeightMem::Spram {
        columns, groups, ..
    } = plan.weight_store.mem
    {
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
            "flip-flops: need ~{} of {}; use {}fewer state bits, or a bigger device",
            r.ffs,
            device.ffs,
            if lanes > 1 {
                format!("fewer lanes (now up to {lanes}), ")
            } else {
                String::new()
            }
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
                let lr = delay_line_resources(b, plan.ev_bits, device, plan.mem_style());
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
