//! Emits the pooling index maps (sl_pmap) of the pooled projections: one combinational map per
//! pooled projection between its event buffer's read data and the core (the engine's
//! accumulators or a convolution core) that reads it.

use std::fmt::Write;

use spikeloom_plan::{CorePlan, Plan, ProjPlan};

use crate::top::{lit, ubits};

/// Name prefix of projection `j` of core `c`'s map.
fn name(c: &CorePlan, j: usize) -> String {
    format!("pm_{}_{j}", c.ident)
}

/// The read data a core sees for projection `j`: the pooled index when pooled, else the
/// buffer's read data.
pub(crate) fn rdata(c: &CorePlan, j: usize, p: &ProjPlan) -> String {
    match &p.pool {
        Some(_) => format!("{}_m", name(c, j)),
        None => format!("b{}_rdata", p.buffer),
    }
}

/// `ev_rok` of a convolution core's projection `j`: the map's `ok`, or 1 unpooled.
pub(crate) fn rok(c: &CorePlan, j: usize, p: &ProjPlan) -> String {
    match &p.pool {
        Some(_) => format!("{}_ok", name(c, j)),
        None => "1'b1".into(),
    }
}

/// Declarations and instances of every pooled projection's map.
pub(crate) fn emit(plan: &Plan, ev: u32) -> String {
    let mut s = String::new();
    for c in &plan.cores {
        for (j, p) in c.projections.iter().enumerate() {
            let Some(g) = &p.pool else { continue };
            let [_, h, w] = g.input;
            let [_, ho, wo] = g.output;
            // every coordinate and index the map forms, with margin
            let big = [h * w * g.input[0], h + g.padding[0], w + g.padding[1]]
                .into_iter()
                .max()
                .unwrap_or(1);
            let cw = ubits(big).max(ev) + 1;
            let l = |v: usize| lit(cw, v as i64);
            // a dense core reads its zero row (the last) for an element outside every window
            let none = if c.conv.is_some() { 0 } else { p.rows - 1 };
            let n = name(c, j);
            // a dense core reads the zero row instead of looking at `ok`
            let (off, on) = if c.conv.is_some() {
                ("", "")
            } else {
                (
                    "    /* verilator lint_off UNUSEDSIGNAL */\n",
                    "\n    /* verilator lint_on UNUSEDSIGNAL */",
                )
            };
            let _ = write!(
                s,
                "
    // pooling of `{origin}`: {input:?} -> {output:?}, window {kernel:?}, stride {stride:?}, padding {padding:?}
    wire [{e1}:0] {n}_m;
{off}    wire {n}_ok;{on}
    sl_pmap #(
        .EV_W({ev}), .CW({cw}), .HW({hw}), .WI({wi}), .KH({kh}), .KW({kw}), .SH({sh}), .SW({sw}),
        .PH({ph}), .PX({px}), .HO({ho_}), .WO({wo_}), .NONE({none_})
    ) u_{n} (.idx(b{b}_rdata), .m({n}_m), .ok({n}_ok));
",
                origin = p.origin,
                input = g.input,
                output = g.output,
                kernel = g.kernel,
                stride = g.stride,
                padding = g.padding,
                e1 = ev - 1,
                hw = l(h * w),
                wi = l(w),
                kh = l(g.kernel[0]),
                kw = l(g.kernel[1]),
                sh = l(g.stride[0]),
                sw = l(g.stride[1]),
                ph = l(g.padding[0]),
                px = l(g.padding[1]),
                ho_ = l(ho),
                wo_ = l(wo),
                none_ = lit(ev, none as i64),
                b = p.buffer,
            );
        }
    }
    s
}
