//! Emits the dense engine of `spikeloom_top`: the shared accumulators (sl_acc) and the neuron
//! units (sl_unit, one per group of compatible dense layers, `plan::UnitPlan`), wired to the
//! controller, the event buffers and the weight store.

use crate::hex::{unit_mem_name, UNIT_PARAMS};
use crate::top::{core_banner, lit, neuron_structure, packed, proj_wires, ubits, VMUL};
use crate::GenOptions;
use spikeloom_plan::{CorePlan, EnginePlan, Leak, Param, Plan, UnitPlan};
use std::fmt::Write;

/// Width of the engine's layer index.
fn lw(e: &EnginePlan) -> u32 {
    ubits(e.layers.len().saturating_sub(1))
}

/// Width of a unit's lane counter (holds P - 1).
fn kw(e: &EnginePlan) -> u32 {
    ubits(e.lanes.saturating_sub(1))
}

/// Declarations of the engine's wires.
pub(crate) fn decl(plan: &Plan, ev: u32, wa: u32) -> String {
    let Some(e) = &plan.engine else {
        return String::new();
    };
    format!(
        "
    // ---- engine (shared accumulators, neuron units) ----
    wire            eng_start;
    wire [{l1}:0]     eng_layer;
    wire [{l1}:0]     eng_cur;
    wire            eng_done;
    wire [{e1}:0]     eng_raddr;
    wire            eng_rprev;
    wire [{a1}:0]     eng_waddr;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [{a1}:0]     eng_waddr2;  // the store's second read port (paired buffers only)
    /* verilator lint_on UNUSEDSIGNAL */
    wire            eng_ho;
    wire [{e1}:0]     eng_ho_base;
    wire [{h1}:0]     eng_hs;
    wire            eng_free;
    wire            eng_idle;
",
        l1 = lw(e) - 1,
        e1 = ev - 1,
        a1 = wa - 1,
        h1 = e.lanes as u32 * e.acc_bits - 1,
    )
}

/// sl_acc and the units.
pub(crate) fn emit(plan: &Plan, ev: u32, wa: u32, opts: &GenOptions) -> String {
    let Some(e) = &plan.engine else {
        return String::new();
    };
    let cores: Vec<&CorePlan> = e.layers.iter().map(|&l| &plan.cores[l]).collect();
    let jt: usize = cores.iter().map(|c| c.projections.len()).sum();
    let jw = ubits(jt.saturating_sub(1));
    let lw = lw(e);
    let vb = e.value_bits.max(1) as usize;
    let projs = cores.iter().flat_map(|c| c.projections.iter());
    let (cnt, rdata, rval) = proj_wires(
        plan,
        cores.iter().flat_map(|&c| {
            c.projections
                .iter()
                .enumerate()
                .map(move |(j, p)| (c, j, p))
        }),
        vb,
    );
    let mut first = 0;
    let (mut j0, mut jn) = (Vec::new(), Vec::new());
    for c in &cores {
        j0.push(lit(jw, first as i64));
        first += c.projections.len();
        jn.push(lit(jw, first as i64 - 1));
    }
    let offs = cores.iter().flat_map(|c| {
        c.projections
            .iter()
            .map(|p| lit(wa, (c.weight_base + p.word_offset) as i64))
    });
    // store rows per block (the pooled size, plus a zero row, when pooled)
    let srcs = projs.clone().map(|p| lit(wa, p.rows as i64));
    let del = projs.clone().map(|p| format!("1'b{}", u8::from(p.delayed)));
    let pairs = packed(
        projs
            .clone()
            .map(|p| format!("1'b{}", u8::from(plan.buffers[p.buffer].paired))),
    );
    // the second event of a pair (0 for a projection reading an unpaired buffer)
    let rdata2 = packed(projs.map(|p| {
        if plan.buffers[p.buffer].paired {
            format!("b{}_rdata2", p.buffer)
        } else {
            lit(ev, 0)
        }
    }));
    let mut s = format!(
        "
    // ---- engine: {p} accumulator lanes x {acc} bits shared by the dense layers {layers:?} ----
    assign eng_start = {start};
    assign eng_layer = {sel};
    assign eng_free = ~({busy});
    assign eng_idle = ~({active});
    sl_acc #(
        .P({p}), .EV_W({ev}), .NL({nl}), .LW({lw}), .JT({jt}), .JW({jw}), .WA({wa}), .WM({wm}),
        .ACC_W({acc}), .VB({vb}), .VMUL({VMUL}),
        .L_NB({nb}), .L_J0({j0}), .L_JN({jn}), .L_WB({wb}),
        .PROJ_OFF({off}), .PROJ_SRC({src}), .PROJ_DELAYED({del}), .PROJ_PAIRED({pairs})
    ) u_acc (
        .clk(clk), .rst(rst), .start(eng_start), .layer(eng_layer), .done(eng_done), .cur(eng_cur),
        .ev_cnt({cnt}), .ev_rdata({rdata}), .ev_rdata2({rdata2}), .ev_rval({rval}),
        .w_word(wm_rdata), .w_word2(wm_rdata2), .ev_raddr(eng_raddr), .ev_rprev(eng_rprev),
        .w_addr(eng_waddr), .w_addr2(eng_waddr2),
        .ho(eng_ho), .ho_base(eng_ho_base), .hs(eng_hs), .u_free(eng_free), .u_idle(eng_idle)
    );
",
        p = e.lanes,
        acc = e.acc_bits,
        layers = e.layers,
        start = e
            .layers
            .iter()
            .map(|l| format!("start[{l}]"))
            .collect::<Vec<_>>()
            .join(" | "),
        // the engine index of the starting layer (0 when none starts)
        sel = e
            .layers
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, l)| format!("(start[{l}] ? {} : {})", lit(lw, i as i64), lit(lw, 0)))
            .chain(std::iter::once(lit(lw, 0)))
            .collect::<Vec<_>>()
            .join(" | "),
        busy = cores
            .iter()
            .map(|c| format!("{}_busy", c.ident))
            .collect::<Vec<_>>()
            .join(" | "),
        active = cores
            .iter()
            .map(|c| format!("{}_active", c.ident))
            .collect::<Vec<_>>()
            .join(" | "),
        nl = cores.len(),
        wm = plan.weight_store.word_bits,
        nb = packed(cores.iter().map(|c| lit(ev, c.blocks as i64))),
        j0 = packed(j0.into_iter()),
        jn = packed(jn.into_iter()),
        wb = packed(cores.iter().map(|c| lit(6, i64::from(c.weight_bits)))),
        off = packed(offs),
        src = packed(srcs),
        del = packed(del),
    );
    for (u, unit) in e.units.iter().enumerate() {
        s.push_str(&emit_unit(plan, e, u, unit, ev, opts));
    }
    s
}

/// One neuron unit: the sl_unit instance and each of its layers' wires (busy/active shared, the
/// push and trace beats of the layer in `out_lay`).
fn emit_unit(
    plan: &Plan,
    e: &EnginePlan,
    u: usize,
    unit: &UnitPlan,
    ev: u32,
    opts: &GenOptions,
) -> String {
    let uid = unit.ident(&plan.cores, u);
    let ulw = ubits(unit.layers.len().saturating_sub(1));
    let saw = ubits(unit.depth.saturating_sub(1));
    let me = |l: usize| lit(lw(e), e.index_of(l).unwrap_or(0) as i64);
    let mut s = String::new();
    for (j, &l) in unit.layers.iter().enumerate() {
        let c = &plan.cores[l];
        if c.conv.is_some() {
            // its convolution core has the banner; its blocks come to this unit
            let _ = writeln!(
                s,
                "    // core {l} `{}` (convolution) updates its neurons on unit `{uid}` as layer {j}",
                c.name
            );
            continue;
        }
        s.push_str(&core_banner(
            c,
            l,
            &format!(
                "engine index {}, unit `{uid}` layer {j}, {} blocks of {} lanes",
                e.index_of(l).unwrap_or(0),
                c.blocks,
                c.lanes
            ),
        ));
    }
    let conv: Vec<(usize, &str)> = unit
        .layers
        .iter()
        .enumerate()
        .filter(|&(j, _)| unit.is_conv(&plan.cores, j))
        .map(|(j, &l)| (j, plan.cores[l].ident.as_str()))
        .collect();
    let dense: Vec<(usize, usize)> = unit
        .layers
        .iter()
        .enumerate()
        .filter(|&(j, _)| !unit.is_conv(&plan.cores, j))
        .map(|(j, &l)| (j, l))
        .collect();
    let ho = format!(
        "eng_ho && ({})",
        dense
            .iter()
            .map(|&(_, l)| format!("eng_cur == {}", me(l)))
            .collect::<Vec<_>>()
            .join(" || ")
    );
    // the unit-local layer of the block handed over: a convolution core's, else the engine's
    // current layer's
    let ho_lay = conv
        .iter()
        .map(|&(j, id)| format!("{id}_ho ? {} : ", lit(ulw, j as i64)))
        .chain(
            dense
                .iter()
                .skip(1)
                .map(|&(j, l)| format!("(eng_cur == {}) ? {} : ", me(l), lit(ulw, j as i64))),
        )
        .collect::<String>()
        + &lit(ulw, dense[0].0 as i64);
    let hsb = unit.hs_bits(&plan.cores, e.acc_bits);
    let kwu = kw(e);
    // Where a convolution block comes from: each convolution core (its hand-off strobe, its
    // running flag, its wire prefix and accumulator width), or the convolution engine serving
    // all of them (`Plan::conv_engine`: one source, so the unit's multiplexers do not repeat
    // the same wires once per layer).
    let cvx = plan.conv_engine.as_ref().filter(|ce| {
        !conv.is_empty()
            && conv
                .iter()
                .all(|&(j, _)| ce.cores.contains(&unit.layers[j]))
    });
    let sources: Vec<(String, String, String, u32)> = match cvx {
        Some(_) => {
            let x = crate::convx::PREFIX;
            let bits = plan.conv_acc.as_ref().map_or(hsb, |a| a.acc_bits);
            vec![(
                format!("(|{x}_ho)"),
                format!("(|{x}_running)"),
                x.to_string(),
                bits,
            )]
        }
        None => conv
            .iter()
            .map(|&(j, id)| {
                (
                    format!("{id}_ho"),
                    format!("{id}_running"),
                    id.to_string(),
                    plan.cores[unit.layers[j]].acc_bits,
                )
            })
            .collect(),
    };
    // hand-off fields of a convolution source when it hands over, else the engine's
    let pick = |f: &dyn Fn(&str) -> String, otherwise: String| {
        sources
            .iter()
            .map(|(ho, _, id, _)| format!("{ho} ? {} : ", f(id)))
            .collect::<String>()
            + &otherwise
    };
    let ho_all = std::iter::once(format!("({ho})"))
        .chain(conv.iter().map(|&(_, id)| format!("{id}_ho")))
        .collect::<Vec<_>>()
        .join(" || ");
    let ho_base = pick(&|id| format!("{id}_ho_base"), "eng_ho_base".into());
    let ho_conv = if conv.is_empty() {
        "1'b0".to_string()
    } else {
        conv.iter()
            .map(|&(_, id)| format!("{id}_ho"))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let ho_addr = pick(&|id| format!("{id}_ho_addr[{}:0]", saw - 1), lit(saw, 0));
    let ho_last = pick(&|id| format!("{id}_ho_last[{}:0]", kwu - 1), lit(kwu, 0));
    // the hand-off registers the unit reads: a running convolution core's, else the
    // engine's, each lane sign-extended to the widest
    let lanes_of = |sig: &str, bits: u32| sext_lanes(sig, e.lanes, bits, hsb);
    let hs = sources
        .iter()
        .map(|(_, running, id, bits)| {
            format!("{running} ? {} : ", lanes_of(&format!("{id}_hs"), *bits))
        })
        .collect::<String>()
        + &lanes_of("eng_hs", e.acc_bits);
    let conv_p = if conv.is_empty() {
        String::new()
    } else {
        format!(" .CONV(1), .L_NSTEP({}),", per_nstep(plan, unit, ev))
    };
    let per =
        |f: &dyn Fn(&CorePlan) -> String| packed(unit.layers.iter().map(|&l| f(&plan.cores[l])));
    // the unit's own wires (a one-layer unit shares its identifier with its layer)
    let w = format!("{uid}_u");
    let _ = write!(
        s,
        "    wire [{l1}:0] {w}_lay;
    wire        {w}_busy;
    wire        {w}_active;
    wire        {w}_push;
    wire [{e1}:0] {w}_push_idx;
    wire [{s1}:0] {w}_push_val;
    wire        {w}_utv;
    wire [{e1}:0] {w}_utbase;
    wire [31:0] {w}_utvv;
    wire [{s1}:0] {w}_utsp;
    sl_unit #(
        .P({p}), .KW({kw}), .EV_W({ev}), .CLR_W({clr_w}), .NL({nl}), .LW({ulw}), .SAW({saw}), .DEPTH({depth}), .ST_SPRAM({st_spram}),
        .L_SIZE({sizes}), .L_OFF({offs}), .L_WS({ws}),{nmax} .ACC_W({acc}), .LACC({lacc}),{conv_p}
{neuron}
    ) u_{uid} (
        .clk(clk), .rst(rst), .clr_en(clr_en), .clr_addr(clr_addr),
        .ho({ho_all}), .ho_lay({ho_lay}), .ho_base({ho_base}),
        .ho_conv({ho_conv}), .ho_addr({ho_addr}), .ho_last({ho_last}),
        .hs({hs}),
        .busy({w}_busy), .active({w}_active), .out_lay({w}_lay),
        .push({w}_push), .push_idx({w}_push_idx), .push_val({w}_push_val),
        .trace_valid({w}_utv), .trace_neuron({w}_utbase), .trace_v({w}_utvv), .trace_spike({w}_utsp)
    );
",
        l1 = ulw - 1,
        e1 = ev - 1,
        s1 = unit.spike_bits(&plan.cores) - 1,
        nmax = count_caps(plan, unit),
        p = e.lanes,
        kw = kw(e),
        nl = unit.layers.len(),
        depth = unit.depth,
        st_spram = u8::from(unit.state_spram),
        sizes = per(&|c| lit(ev, c.size as i64)),
        offs = packed(unit.offsets.iter().map(|&o| lit(saw, o as i64))),
        ws = per(&|c| lit(6, i64::from(c.weight_shift))),
        acc = hsb,
        clr_w = plan.clear_bits(),
        lacc = unit.acc_bits,
        neuron = unit_params(plan, unit, &uid, opts),
        w = w,
    );
    for (j, &l) in unit.layers.iter().enumerate() {
        let id = &plan.cores[l].ident;
        let z = |w: u32| lit(w, 0);
        let _ = write!(
            s,
            "    wire {id}_mine = {w}_lay == {jl};  // this layer's beats
    assign {id}_busy = {w}_busy;
    assign {id}_active = {w}_active;
    assign {id}_push = {w}_push && {id}_mine;
    assign {id}_push_idx = {id}_mine ? {w}_push_idx : {ze};
    assign {id}_push_val = {id}_mine ? {w}_push_val{sl} : {zs};
    assign {id}_tv = {w}_utv && {id}_mine;
    assign {id}_tbase = {id}_mine ? {w}_utbase : {ze};
    assign {id}_tvv = {id}_mine ? {w}_utvv : 32'd0;
    assign {id}_tsp = {id}_mine ? {w}_utsp{sl} : {zs};
    assign {id}_tlv = {id}_tv;
",
            jl = lit(ulw, j as i64),
            w = w,
            ze = z(ev),
            zs = z(plan.cores[l].spike_bits()),
            // a layer of narrower counts than the unit's takes the low bits (its count is
            // capped at its own maximum, L_NMAX)
            sl = if plan.cores[l].spike_bits() < unit.spike_bits(&plan.cores) {
                format!("[{}:0]", plan.cores[l].spike_bits() - 1)
            } else {
                String::new()
            },
        );
    }
    s
}

/// sl_unit's `L_NMAX` parameter (with its leading space) when some layer's counts are narrower
/// than the unit's division (`UnitPlan::compatible`), else nothing (the default caps nothing).
fn count_caps(plan: &Plan, unit: &UnitPlan) -> String {
    let cnt = unit.count_bits(&plan.cores);
    if unit
        .layers
        .iter()
        .all(|&l| plan.cores[l].count_bits() == cnt)
    {
        return String::new();
    }
    let caps = (0..unit.layers.len()).map(|j| lit(3, i64::from(unit.count_max(&plan.cores, j))));
    format!(" .L_NMAX({}),", packed(caps))
}

/// `lanes` lanes of `bits` bits each in `sig`, each sign-extended to `to` bits (lane 0 in the
/// LSBs).
fn sext_lanes(sig: &str, lanes: usize, bits: u32, to: u32) -> String {
    if bits == to {
        return sig.to_string();
    }
    let lane = |k: usize| {
        let lo = k as u32 * bits;
        let top = lo + bits - 1;
        format!("{{{{{}{{{sig}[{top}]}}}}, {sig}[{top}:{lo}]}}", to - bits)
    };
    format!(
        "{{{}}}",
        (0..lanes).rev().map(lane).collect::<Vec<_>>().join(", ")
    )
}

/// The neuron step between lanes of each of `unit`'s layers (`L_NSTEP`): H_out * W_out for a
/// convolution layer (its lanes are output channels), 1 for a dense layer.
fn per_nstep(plan: &Plan, unit: &UnitPlan, ev: u32) -> String {
    packed(
        unit.layers
            .iter()
            .map(|&l| lit(ev, plan.cores[l].neuron_step() as i64)),
    )
}

/// sl_unit's neuron datapath parameters: sl_neuron's (from the unit's first layer: its layers
/// share them, [`UnitPlan::compatible`]; widths and leaks from the unit), the per-layer
/// constants, and the ROM images of per-neuron parameters.
fn unit_params(plan: &Plan, unit: &UnitPlan, uid: &str, opts: &GenOptions) -> String {
    let c0 = &plan.cores[unit.layers[0]];
    let ds = c0.decay_bits();
    let pw = unit.param_bits;
    let sa = |l: Leak| u8::from(matches!(l, Leak::ShiftAdd { .. }));
    let mut roms = String::new();
    let mut ks = String::new();
    for (what, which, decay) in UNIT_PARAMS {
        let bits = if decay { ds } else { pw };
        let name = what.to_uppercase();
        let rom = unit.param_rom(&plan.cores, which).is_some();
        let _ = write!(
            roms,
            ".{name}_ROM({}), .{name}_FILE(\"{}{}\"), ",
            u8::from(rom),
            opts.mem_prefix,
            unit_mem_name(uid, what)
        );
        let vals = unit.layers.iter().map(|&l| match which(&plan.cores[l]) {
            Param::Const(v) => lit(bits, *v),
            Param::Rom(_) => lit(bits, 0),
        });
        let _ = write!(ks, ".L_{name}_K({}), ", packed(vals));
    }
    let k0 = |p: &Param| match p {
        Param::Const(v) => lit(ds, *v),
        Param::Rom(_) => lit(ds, 0),
    };
    let structure = neuron_structure(
        c0,
        Some((unit.count_bits(&plan.cores), unit.spike_bits(&plan.cores))),
        &format!(
            ".PW({pw}), .W({}), .NW({}),",
            unit.work_bits, unit.stage_bits
        ),
    );
    format!(
        "{structure}
        .BETA_SA({bsa}), .ALPHA_SA({asa}), .BETA_K({bk}), .ALPHA_K({ak}),
        {ks}
        {roms}",
        bsa = sa(unit.beta_leak),
        asa = sa(unit.alpha_leak),
        bk = k0(&c0.beta),
        ak = k0(&c0.alpha),
        ks = ks.trim_end(),
        roms = roms.trim_end_matches(", "),
    )
}
