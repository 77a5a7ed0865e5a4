//! The convolution engine (`Plan::conv_engine`): one sl_conv with `NL` > 1 that runs several
//! convolution layers one at a time, its per-layer geometry in parameter tables, wired to each
//! layer's own wires (done, event reads, hand-off, kernel reads) so that the rest of the top
//! (controller, event buffers, shared unit, weight store) sees the same wires as with one core
//! per layer.

use crate::top::{core_banner, kernel_addr_bits, lit, packed, proj_wires};
use spikeloom_plan::{ConvEngine, CorePlan, Plan};
use std::fmt::Write;

/// Instance prefix of the engine's wires.
pub(crate) const PREFIX: &str = "cvx";

/// `(m_j, s)` with `x / d_j == (x * m_j) >> s` for every `x < bound_j` and one shift `s` for
/// every layer (the engine shifts by a constant): the largest of the layers' smallest shifts,
/// raised while some layer's rounded-up reciprocal is not exact on its whole range (checked
/// exhaustively, like [`crate::top::reciprocal`]).
pub(crate) fn common_reciprocals(divisions: &[(usize, usize)]) -> (Vec<u64>, u32) {
    let s0 = divisions
        .iter()
        .map(|&(d, b)| crate::top::reciprocal(d, b).1)
        .max()
        .unwrap_or(0);
    (s0..96)
        .find_map(|s| {
            let ms: Option<Vec<u64>> = divisions
                .iter()
                .map(|&(d, bound)| {
                    let (d, bound) = (d.max(1) as u128, bound as u128);
                    let m = (1u128 << s).div_ceil(d);
                    ((0..bound).all(|x| (x * m) >> s == x / d))
                        .then(|| u64::try_from(m).ok())
                        .flatten()
                        .filter(|&m| m <= u64::from(u32::MAX))
                })
                .collect();
            ms.map(|ms| (ms, s))
        })
        .expect("a shift exact for one layer's reciprocal stays exact for larger shifts")
}

/// The engine's instance and, for each of its layers, the layer's wires driven from it.
pub(crate) fn emit(plan: &Plan, e: &ConvEngine, ev: u32) -> String {
    let cores: Vec<&CorePlan> = e.cores.iter().map(|&l| &plan.cores[l]).collect();
    let geo: Vec<&spikeloom_plan::ConvGeometry> = cores
        .iter()
        .map(|c| c.conv.as_ref().expect("an engine layer is a convolution"))
        .collect();
    let nl = cores.len();
    let max = |f: &dyn Fn(&CorePlan) -> u32| cores.iter().map(|c| f(c)).max().unwrap_or(1);
    let cw = max(&|c| c.coord_bits(ev));
    let xw = max(&|c| c.xy_bits(ev));
    let ka = max(&|c| kernel_addr_bits(plan, c, ev));
    let vb = max(&|c| c.value_bits.max(1));
    let nbm = cores.iter().map(|c| c.blocks).max().unwrap_or(1);
    let p = cores[0].lanes;
    let acc = plan
        .conv_acc
        .as_ref()
        .map_or_else(|| max(&|c| c.acc_bits), |a| a.acc_bits);
    let per = |w: u32, f: &dyn Fn(usize) -> usize| packed((0..nl).map(|j| lit(w, f(j) as i64)));
    let (wi_m, wi_s) = common_reciprocals(
        &geo.iter()
            .map(|g| (g.input[2], g.source_size()))
            .collect::<Vec<_>>(),
    );
    let (hi_m, hi_s) = common_reciprocals(
        &geo.iter()
            .map(|g| (g.input[1], g.input[0] * g.input[1]))
            .collect::<Vec<_>>(),
    );
    let mw = wi_m
        .iter()
        .chain(&hi_m)
        .map(|&m| 64 - m.leading_zeros())
        .max()
        .unwrap_or(1)
        .max(1);
    let mvec = |ms: &[u64]| packed(ms.iter().map(|&m| format!("{mw}'d{m}")));
    let log2 = |v: usize| v.trailing_zeros() as usize;
    // per-layer geometry (the same expressions as a single core's, sl_conv's header)
    let g_ = |f: &dyn Fn(&spikeloom_plan::ConvGeometry, &CorePlan) -> usize| {
        per(cw, &|j| f(geo[j], cores[j]))
    };
    let kk = |g: &spikeloom_plan::ConvGeometry| g.kernel[0] * g.kernel[1];
    let hwo = |g: &spikeloom_plan::ConvGeometry| g.output[1] * g.output[2];
    let params = format!(
        "        .NL({nl}), .P({p}), .EV_W({ev}), .CLR_W({clr_w}), .CW({cw}), .XW({xw}),
        .NB({nb}), .NBM({nbm}), .WDEPTH(1), .DELAYED({delayed}),
        .WB({wb}), .ACC_W({acc}), .VB({vb}), .VMUL({vmul}), .EXT_ACC(1), .EXT_UNIT(1),
        .KSTORE(1), .KA({ka}), .KBASE({kbase}),
        .WI({wi}), .HI({hi}), .MW({mw}), .WI_M({wi_mv}), .WI_S({wi_s}), .HI_M({hi_mv}), .HI_S({hi_s}),
        .GRPS(1), .CIG({cig}), .COG({cog}), .HWO({hwo_}), .HO({ho}), .WO({wo}),
        .KH({kh}), .KW({kw}), .SH({sh}), .SW({sw}), .SHL({shl}), .SWL({swl}),
        .PH({ph}), .PX({px}), .DH({dh}), .DW({dw}),
        .NCH({nch}), .GRP_A({grp_a}), .GRP_N({grp_n}), .CH_N({ch_n}), .GRP_W({grp_w}), .KK({kk_}),
        .CO_STEP({co_step})",
        clr_w = plan.clear_bits(),
        nb = per(ev, &|j| cores[j].blocks),
        delayed = packed(
            cores
                .iter()
                .map(|c| format!("1'b{}", u8::from(c.projections[0].delayed)))
        ),
        wb = cores[0].weight_bits,
        vmul = crate::top::VMUL,
        kbase = per(ka, &|j| cores[j].weight_base),
        wi = g_(&|g, _| g.input[2]),
        hi = g_(&|g, _| g.input[1]),
        wi_mv = mvec(&wi_m),
        hi_mv = mvec(&hi_m),
        cig = g_(&|g, _| g.in_per_group()),
        cog = g_(&|g, _| g.out_per_group()),
        hwo_ = g_(&|g, _| hwo(g)),
        ho = g_(&|g, _| g.output[1]),
        wo = g_(&|g, _| g.output[2]),
        kh = g_(&|g, _| g.kernel[0]),
        kw = g_(&|g, _| g.kernel[1]),
        sh = g_(&|g, _| g.stride[0]),
        sw = g_(&|g, _| g.stride[1]),
        shl = per(xw, &|j| log2(geo[j].stride[0])),
        swl = per(xw, &|j| log2(geo[j].stride[1])),
        ph = g_(&|g, _| g.padding[0]),
        px = g_(&|g, _| g.padding[1]),
        dh = g_(&|g, _| g.dilation[0]),
        dw = g_(&|g, _| g.dilation[1]),
        nch = g_(&|_, c| c.conv_chunks()),
        grp_a = g_(&|g, c| c.conv_chunks() * hwo(g)),
        grp_n = g_(&|g, _| g.out_per_group() * hwo(g)),
        ch_n = g_(&|g, c| c.lanes * hwo(g)),
        grp_w = g_(&|g, c| c.conv_chunks() * g.in_per_group() * kk(g)),
        kk_ = g_(&|g, _| kk(g)),
        co_step = g_(&|g, _| (g.in_per_group() - 1) * kk(g) + 1),
    );
    // each layer's source event list: count, index (through its pooling map), window flag, and
    // value (1 for a binary list: the engine multiplies by the value when any layer's events
    // carry one)
    let mut cnt = Vec::new();
    let mut rdata = Vec::new();
    let mut rval = Vec::new();
    let mut rok = Vec::new();
    for c in &cores {
        let (n, d, v) = proj_wires(
            plan,
            std::iter::once((*c, 0, &c.projections[0])),
            vb as usize,
        );
        cnt.push(n);
        rdata.push(d);
        rval.push(if c.value_bits > 1 { v } else { lit(vb, 1) });
        rok.push(crate::pool::rok(c, 0, &c.projections[0]));
    }
    let rev = |v: &[String]| packed(v.iter().cloned());
    let names: Vec<String> = cores.iter().map(|c| format!("`{}`", c.name)).collect();
    let mut s = String::new();
    for (j, &l) in e.cores.iter().enumerate() {
        s.push_str(&core_banner(
            cores[j],
            l,
            &format!(
                "convolution engine layer {j}, {} blocks of {} lanes",
                cores[j].blocks, p
            ),
        ));
    }
    let x = PREFIX;
    let _ = write!(
        s,
        "
    // ---- convolution engine: one sl_conv runs {names} one at a time ----
    wire [{n1}:0] {x}_done, {x}_rd, {x}_ho, {x}_running;
    wire [{e1}:0] {x}_raddr;
    wire        {x}_rprev;
    wire        {x}_acc_we;
    wire [{c1}:0] {x}_acc_wa, {x}_acc_ra;
    wire [{a1}:0] {x}_acc_wd, {x}_hs;
    wire [{e1}:0] {x}_ho_base;
    wire [{k1}:0] {x}_ho_addr;
    /* verilator lint_off UNUSEDSIGNAL */  // lanes above the unit's, address bits above the store's
    wire [{c1}:0] {x}_ho_last;
    wire [{ka1}:0] {x}_kra;
    // the core's own push and trace outputs (zero: the unit drives the layers')
    wire        {x}_cpush;
    wire [{e1}:0] {x}_cpush_idx;
    wire        {x}_cpush_val;
    wire        {x}_ctv;
    wire [{e1}:0] {x}_ctbase, {x}_ctstep;
    wire [{p1}:0] {x}_ctlv;
    wire [{v1}:0] {x}_ctvv;
    wire [{p1}:0] {x}_ctsp;
    /* verilator lint_on UNUSEDSIGNAL */
    sl_conv #(
{params}
    ) u_{x} (
        .clk(clk), .rst(rst), .start({start}), .done({x}_done),
        .clr_en(clr_en), .clr_addr(clr_addr),
        .ev_cnt({cnt}), .ev_rdata({rdata}), .ev_rok({rok}), .ev_rval({rval}),
        .ev_raddr({x}_raddr), .ev_rprev({x}_rprev), .ev_rd({x}_rd),
        .push({x}_cpush), .push_idx({x}_cpush_idx), .push_val({x}_cpush_val),
        .trace_valid({x}_ctv), .trace_base({x}_ctbase), .trace_step({x}_ctstep),
        .trace_lane_valid({x}_ctlv), .trace_v({x}_ctvv), .trace_spike({x}_ctsp),
        .acc_we({x}_acc_we), .acc_wa({x}_acc_wa), .acc_ra({x}_acc_ra), .acc_wd({x}_acc_wd),
        .acc_rd(cacc_rdata[{a1}:0]),
        .u_busy({busy}), .u_active({active}), .ho({x}_ho), .ho_base({x}_ho_base),
        .ho_addr({x}_ho_addr), .ho_last({x}_ho_last), .hs({x}_hs), .running({x}_running),
        .k_raddr({x}_kra), .k_rdata(wm_rdata[{kw1}:0])
    );
",
        names = names.join(", "),
        n1 = nl - 1,
        e1 = ev - 1,
        c1 = cw - 1,
        a1 = p as u32 * acc - 1,
        k1 = plan.clear_bits() - 1,
        ka1 = ka - 1,
        p1 = p - 1,
        v1 = p * 32 - 1,
        start = packed(e.cores.iter().map(|l| format!("start[{l}]"))),
        cnt = rev(&cnt),
        rdata = rev(&rdata),
        rok = rev(&rok),
        rval = rev(&rval),
        busy = format_args!("{}_busy", cores[0].ident),
        active = format_args!("{}_active", cores[0].ident),
        kw1 = p as u32 * cores[0].weight_bits - 1,
    );
    // each layer's wires: its bit of the per-layer outputs; the shared outputs on the first
    // layer's (the top ORs every layer's event read address and kernel address), zero on the
    // others; the hand-off fields on every layer's (the unit picks the one handing over)
    for (j, c) in cores.iter().enumerate() {
        let id = &c.ident;
        let ccw = c.coord_bits(ev);
        let cka = kernel_addr_bits(plan, c, ev);
        let aw = c.lanes as u32 * c.acc_bits;
        let first = j == 0;
        let or_zero = |sig: String, w: u32| if first { sig } else { lit(w, 0) };
        // lane k of the engine's hand-off registers, truncated to the layer's accumulator
        // width (its sums fit it: plan CorePlan::acc_bits)
        let hs = packed((0..c.lanes).map(|k| {
            let lo = k as u32 * acc;
            format!("{x}_hs[{}:{lo}]", lo + c.acc_bits - 1)
        }));
        let _ = write!(
            s,
            "    /* verilator lint_off UNUSEDSIGNAL */  // bits above the store's address
    wire [{cka1}:0] {id}_kra;
    /* verilator lint_on UNUSEDSIGNAL */
    assign {id}_done = {x}_done[{j}];
    assign {id}_rd = {x}_rd[{j}];
    assign {id}_ho = {x}_ho[{j}];
    assign {id}_running = {x}_running[{j}];
    assign {id}_raddr = {raddr};
    assign {id}_rprev = {rprev};
    assign {id}_kra = {kra};
    assign {id}_acc_we = 1'b0;
    assign {id}_acc_wa = {zc};
    assign {id}_acc_ra = {zc};
    assign {id}_acc_wd = {za};
    assign {id}_ho_base = {x}_ho_base;
    assign {id}_ho_addr = {x}_ho_addr;
    assign {id}_ho_last = {ho_last};
    assign {id}_hs = {hs};
    assign {id}_tstep = {ze};
",
            raddr = or_zero(format!("{x}_raddr"), ev),
            rprev = or_zero(format!("{x}_rprev"), 1),
            kra = or_zero(
                if cka == ka {
                    format!("{x}_kra")
                } else {
                    format!("{x}_kra[{}:0]", cka - 1)
                },
                cka
            ),
            cka1 = cka - 1,
            zc = lit(ccw, 0),
            za = lit(aw, 0),
            ze = lit(ev, 0),
            ho_last = if ccw == cw {
                format!("{x}_ho_last")
            } else {
                format!("{x}_ho_last[{}:0]", ccw - 1)
            },
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::common_reciprocals;

    #[test]
    fn common_reciprocals_divide_every_layer_exactly_with_one_shift() {
        // the N-MNIST CNN's divisions by W_in (34 over 2312 indices, 16 over 4096, 8 over
        // 1024 pooled elements), a lone layer, and divisors that need the larger shift
        for divisions in [
            vec![(34, 2312), (16, 4096), (8, 1024)],
            vec![(7, 100)],
            vec![(1, 50), (3, 3000), (5, 17)],
            vec![(6, 12), (4, 16)],
        ] {
            let (ms, s) = common_reciprocals(&divisions);
            assert_eq!(ms.len(), divisions.len());
            for (&(d, bound), &m) in divisions.iter().zip(&ms) {
                for x in 0..bound as u64 {
                    assert_eq!((x * m) >> s, x / d as u64, "d {d}, x {x}, m {m}, s {s}");
                }
            }
            // the shift is the largest any layer needs alone
            let own = divisions
                .iter()
                .map(|&(d, b)| crate::top::reciprocal(d, b).1)
                .max()
                .unwrap();
            assert!(s >= own);
        }
    }
}
