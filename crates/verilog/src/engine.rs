//! Emits the dense engine of `spikeloom_top`: the shared accumulators (sl_acc) and one neuron
//! unit (sl_unit) per dense layer, wired to the controller, the event buffers and the weight
//! store.

use crate::top::{core_banner, lit, neuron_params, packed, proj_wires, ubits, VMUL};
use crate::GenOptions;
use spikeloom_plan::{CorePlan, EnginePlan, Plan};
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
    // ---- engine (shared accumulators, one neuron unit per dense layer) ----
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
    for (i, c) in cores.iter().enumerate() {
        let l = e.layers[i];
        let id = &c.ident;
        s.push_str(&core_banner(
            c,
            l,
            &format!("engine unit {i}, {} blocks of {} lanes", c.blocks, c.lanes),
        ));
        let _ = write!(
            s,
            "    sl_unit #(
        .P({p}), .KW({kw}), .EV_W({ev}), .SIZE({size}), .ACC_W({acc}), .LACC({lacc}),
{neuron}
    ) u_{id} (
        .clk(clk), .rst(rst), .clr_en(clr_en), .clr_addr(clr_addr),
        .ho(eng_ho && eng_cur == {me}), .ho_base(eng_ho_base), .hs(eng_hs),
        .busy({id}_busy), .active({id}_active),
        .push({id}_push), .push_idx({id}_push_idx), .push_val({id}_push_val),
        .trace_valid({id}_tv), .trace_neuron({id}_tbase), .trace_v({id}_tvv), .trace_spike({id}_tsp)
    );
    assign {id}_tlv = {id}_tv;
",
            p = e.lanes,
            kw = kw(e),
            size = lit(ev, c.size as i64),
            acc = e.acc_bits,
            lacc = c.acc_bits,
            neuron = neuron_params(c, opts),
            me = lit(lw, i as i64),
        );
    }
    s
}
