// sl_conv: one layer whose single projection is a convolution (event-driven, weights shared).
// Lanes stripe the output channels: the P lanes of accumulator/state address a hold the P output
// channels co = g * COG + j * P + k (lane k; chunk j of group g) at output position pos, with
// a = (g * NCH + j) * HWO + pos (NCH = ceil(COG / P) chunks per group; channels of the last chunk
// beyond COG are padding lanes: zero weights, never valid). The kernel ROM holds P weights per
// word, the P output channels of one chunk for one (ci, ky, kx) tap.
// Phase 1 (scatter): for each input event, decode (ci, iy, ix) and visit its kernel footprint,
// one tap (chunk j, ky, kx) per cycle (taps clipped by the border or the stride cost their
// cycle too, so the count is fixed); a valid tap reads one kernel word and adds its P weights to
// the P lanes at address (g * NCH + j) * HWO + oy * WO + ox (padding lanes add their zero weight).
// Phase 2 (sweep): for each address (block) read the P accumulator lanes, update the neurons in
// one cycle (UPD, the trace beat; the accumulators are cleared in the same cycle), then push the
// block's spikes one per cycle (SPK). Lane k of block (chunk c, pos) is neuron
// nbase + k * HWO with nbase = (first channel of c) * HWO + pos: the trace beat reports
// trace_base = nbase and trace_step = HWO. Spikes leave in address order (not neuron order).
// State machine (cycles: events * (5 + NCH*KH*KW) + 2 + NB * 3 + spikes, plus DONE):
//   IDLE -start-> FETCH: issue the read of event e, or (no event left) -> DRAIN
//   FETCH -> DEC (register the event index) -> DEC2 (row) -> DEC3 (column, channel) -> DEC4
//   (row in the plane, kernel word, group) -> TAP x (NCH*KH*KW) -> FETCH
//   DRAIN (the last tap's write lands) -> RD (read block) -> UPD -> SPK -> RD (next block) | DONE
// Scatter pipeline: TAP (target address) -> A (accumulator RAM + kernel ROM read) -> B (add,
// write). No read-after-write hazard: the taps of one event reach distinct addresses, and FETCH,
// DEC, DEC2, DEC3 and DEC4 separate the last tap of an event from the first of the next, so every read is issued
// after the previous write to that address has landed.
// Event values (VB > 1): the event's value is registered in DEC and every lane adds
// value * weight (VMUL as in sl_acc, one product per lane); the last tap's write (stage B) lands
// before the next DEC, so it still sees its own event's value. Spike counts (CNT > 0): the counts
// are registered in UPD and each SPK push carries its lane's count (push_val).
// Pooled projection: the event index arrives through sl_pmap (the pooled element) with ev_rok,
// registered in DEC; an event outside every window visits its taps but adds nothing.
// Shared accumulators (EXT_ACC = 1, plan::SharedAcc): the P lanes' RAM is one RAM outside,
// shared by every convolution core; the core drives its port only while it runs or clears and
// leaves every word it used at 0 (UPD), so the next core finds zeros.
// On a shared neuron unit (EXT_UNIT = 1, plan `PlanConfig::conv_units`): no neuron datapaths,
// state or parameter memories here. The sweep reads a block (RD), then hands it over when the
// unit is not busy (HO: the P sums into the hand-off registers hs, the block zeroed, the next
// block read in the same cycle; while the unit is busy the block is read again), and after the
// last block waits for the unit to drain (UW) before DONE; the unit updates one neuron per
// cycle and pushes the spikes. Cycles of the sweep: 1 + the layer's neurons + UNIT_LATENCY + 3.
// Kernel in the weight store (KSTORE = 1, plan WeightStore::kernels, UP5K): no kernel ROM here;
// the tap's kernel word is read through the store's port: k_raddr, ORed with the engine's onto
// the store's read address, is the tap's kernel word in TAP (zero in every other state), and
// the store registers it (its read latency is 2), so k_rdata arrives in stage B like the ROM's
// word: the same pipeline and cycles.
// Several layers (NL > 1, plan ConvEngine): one instance runs the convolution layers one at a
// time (the controller starts one when the one before is done). The start bit latches the
// layer (lay); every per-layer parameter is a table of NL entries (layer 0 in the LSBs) and the
// running layer's entry is used; so are its event list's inputs. done, running, ho and ev_rd
// carry one bit per layer. The products of the decode, kernel word and tap address are then
// variable (SB_MAC16 on the UP5K) and strides must be powers of two (SHL, SWL: a shift). The
// generator requires EXT_ACC = EXT_UNIT = KSTORE = 1 and GRPS = 1. With NL = 1 the tables are
// constants and the module is the single core.
// Rust twin: spikeloom-cyclesim `core::Core` (scatter phase in conv.rs), one per layer served.
`default_nettype none

module sl_conv #(
    parameter integer NL = 1,         // layers served, one at a time (plan ConvEngine, NL > 1)
    parameter integer P = 1,          // lanes
    parameter integer EV_W = 8,       // event index/count/address width (also block counter)
    parameter integer CLR_W = 8,      // clear address width (sl_ctrl's)
    parameter integer CW = 9,         // neuron/accumulator/weight address width (> EV_W)
    parameter integer XW = CW,        // coordinate width: rows, columns, kernel offsets (<= CW)
    // Per-layer parameters hold NL entries, layer 0 in the LSBs (one entry with NL = 1).
    parameter [NL*EV_W-1:0] NB = 1,   // blocks: groups * NCH * HWO
    parameter integer NBM = 1,        // the most blocks of a layer (cleared after reset)
    parameter integer WDEPTH = 1,     // kernel words (P weights each)
    parameter [NL-1:0] DELAYED = 0,   // reads the previous step's events
    parameter WEIGHT_FILE = "",
    parameter integer WB = 8,         // weight bits
    parameter integer ACC_W = 16,
    parameter integer VB = 1,         // event value width (1: binary spikes)
    parameter integer VMUL = 0,       // VB > 1: 0 shift-add product, 1 `*` operator
    parameter integer EXT_ACC = 0,    // 1: the accumulator RAM is outside (acc_* ports), shared
    parameter integer EXT_UNIT = 0,   // 1: a shared neuron unit updates the neurons (ho_* ports)
    parameter integer KSTORE = 0,     // 1: the kernel is in the weight store (k_* ports)
    parameter integer KA = CW,        // kernel word address width (the store's with KSTORE)
    parameter [NL*KA-1:0] KBASE = 0,  // kernel word 0's word in the ROM or (KSTORE) the store
    parameter [NL*CW-1:0] WI = 1,     // W_in
    parameter [NL*CW-1:0] HI = 1,     // H_in
    // x / WI = (x * WI_M) >> WI_S for every source index x, and x / HI = (x * HI_M) >> HI_S
    // for every row x < C_in * H_in (the generator checks both exhaustively; one shift for
    // every layer)
    parameter integer MW = 32,        // multiplier width
    parameter [NL*MW-1:0] WI_M = 1,
    parameter integer WI_S = 0,
    parameter [NL*MW-1:0] HI_M = 1,
    parameter integer HI_S = 0,
    parameter integer GRPS = 1,       // channel groups (1 with NL > 1)
    parameter [NL*CW-1:0] CIG = 1,    // input channels per group
    parameter [NL*CW-1:0] COG = 1,    // output channels per group
    parameter [NL*CW-1:0] HWO = 1,    // H_out * W_out
    parameter [NL*CW-1:0] HO = 1,
    parameter [NL*CW-1:0] WO = 1,
    parameter [NL*CW-1:0] KH = 1,
    parameter [NL*CW-1:0] KW = 1,
    parameter [NL*CW-1:0] SH = 1,     // strides (powers of two with NL > 1: SHL, SWL their logs)
    parameter [NL*CW-1:0] SW = 1,
    parameter [NL*XW-1:0] SHL = 0,
    parameter [NL*XW-1:0] SWL = 0,
    parameter [NL*CW-1:0] PH = 0,
    parameter [NL*CW-1:0] PX = 0,
    parameter [NL*CW-1:0] DH = 1,
    parameter [NL*CW-1:0] DW = 1,
    parameter [NL*CW-1:0] NCH = 1,    // ceil(COG / P): lane chunks per group
    parameter [NL*CW-1:0] GRP_A = 1,  // NCH * HWO: first address of the next group
    parameter [NL*CW-1:0] GRP_N = 1,  // COG * HWO: first neuron of the next group
    parameter [NL*CW-1:0] CH_N = 1,   // P * HWO: neuron step to the next chunk
    parameter [NL*CW-1:0] GRP_W = 1,  // NCH * CIG * KH * KW: first kernel word of the next group
    parameter [NL*CW-1:0] KK = 1,     // KH * KW
    parameter [NL*CW-1:0] CO_STEP = 1, // (CIG - 1) * KH * KW + 1: weight step to the next channel
    // neuron datapath (see sl_neuron)
    parameter integer KIND = 0,
    parameter integer CNT = 0,        // spike count bits (0: binary spikes)
    parameter integer FLOOR = 0,
    parameter integer SPW = 1,        // spike width: CNT, or 1
    parameter integer RESET = 0,
    parameter integer RESET_DELAY = 1,
    parameter integer ROUND = 0,
    parameter integer SB = 16,
    parameter integer CB = 2,
    parameter integer PW = 16,
    parameter integer DS = 8,
    parameter integer WS = 0,
    parameter integer W = 32,
    parameter integer BETA_SA = 0,
    parameter integer ALPHA_SA = 0,
    parameter signed [PW-1:0] BIAS_K = 0,
    parameter signed [PW-1:0] THETA_K = 0,
    parameter signed [PW-1:0] VRESET_K = 0,
    parameter [DS:0] BETA_K = 0,
    parameter [DS:0] ALPHA_K = 0,
    parameter integer BIAS_ROM = 0,
    parameter integer THETA_ROM = 0,
    parameter integer VRESET_ROM = 0,
    parameter integer BETA_ROM = 0,
    parameter integer ALPHA_ROM = 0,
    parameter BIAS_FILE = "",
    parameter THETA_FILE = "",
    parameter VRESET_FILE = "",
    parameter BETA_FILE = "",
    parameter ALPHA_FILE = ""
) (
    input  wire              clk,
    input  wire              rst,
    input  wire [NL-1:0]     start,     // layer l starts (bit l)
    output wire [NL-1:0]     done,
    input  wire              clr_en,
    input  wire [CLR_W-1:0]  clr_addr,
    // the source event list of each layer (layer 0 in the LSBs)
    input  wire [NL*EV_W-1:0] ev_cnt,
    input  wire [NL*EV_W-1:0] ev_rdata,
    input  wire [NL-1:0]     ev_rok,    // the event lies in a pooling window (1 unpooled)
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [NL*VB-1:0]  ev_rval,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [EV_W-1:0]   ev_raddr,
    output wire              ev_rprev,
    output wire [NL-1:0]     ev_rd,     // layer l reads event ev_raddr (FETCH with one left)
    output wire              push,
    output wire [EV_W-1:0]   push_idx,
    output wire [SPW-1:0]     push_val,
    output wire              trace_valid,
    output wire [EV_W-1:0]   trace_base,
    output wire [EV_W-1:0]   trace_step,
    output wire [P-1:0]      trace_lane_valid,
    output wire [P*32-1:0]   trace_v,
    output wire [P*SPW-1:0]   trace_spike,
    // the shared accumulator RAM's port (EXT_ACC = 1): all zero while the core neither scatters,
    // sweeps nor clears, so the top ORs the cores' ports; zero with EXT_ACC = 0
    output wire              acc_we,
    output wire [CW-1:0]     acc_wa,
    output wire [CW-1:0]     acc_ra,
    output wire [P*ACC_W-1:0] acc_wd,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [P*ACC_W-1:0] acc_rd,  // unused with EXT_ACC = 0
    // the shared neuron unit (EXT_UNIT = 1; unused and zero otherwise)
    input  wire              u_busy,   // it still needs the hand-off registers after this cycle
    input  wire              u_active, // anything in flight
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [NL-1:0]     ho,       // hand layer l's swept block over at this edge
    output wire [EV_W-1:0]   ho_base,  // its lane 0's neuron
    output wire [CLR_W-1:0]  ho_addr,  // its lane 0's state slot (block * P)
    output wire [CW-1:0]     ho_last,  // its last valid lane
    output wire [P*ACC_W-1:0] hs,      // the hand-off registers
    output wire [NL-1:0]     running,  // layer l runs (the top selects this core's hs for the unit)
    // the weight store's read port (KSTORE = 1; zero and unused otherwise)
    output wire [KA-1:0]     k_raddr,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [P*WB-1:0]   k_rdata
    /* verilator lint_on UNUSEDSIGNAL */
);
    localparam [3:0] S_IDLE = 4'd0, S_FETCH = 4'd1, S_DEC = 4'd2, S_TAP = 4'd3, S_DRAIN = 4'd4,
                     S_RD = 4'd5, S_UPD = 4'd6, S_SPK = 4'd7, S_DONE = 4'd8, S_DEC2 = 4'd9,
                     S_DEC3 = 4'd10, S_DEC4 = 4'd11, S_HO = 4'd12, S_UW = 4'd13;
    localparam integer P_I = P;
    localparam integer NBM_I = NBM;
    localparam [EV_W-1:0] NB_V = NBM_I[EV_W-1:0];
    localparam [CW-1:0] P_C = P_I[CW-1:0];
    localparam [CW-1:0] ONE = 1;
    localparam [XW-1:0] ONE_X = 1;
    localparam [XW-1:0] ZERO_X = 0;
    localparam [EV_W-1:0] ONE_E = 1;
    localparam [CW-EV_W-1:0] ZX = 0;  // zero extension EV_W -> CW

    // ---- the running layer's parameters (constants with NL = 1) ----
    localparam integer LW = (NL > 1) ? $clog2(NL) : 1;
    reg  [LW-1:0] lay_q;  // the layer started last (NL > 1)
    wire [LW-1:0] lay = (NL > 1) ? lay_q : {LW{1'b0}};
    // (a coordinate uses the low XW bits of its CW-bit parameter; SHL, SWL only with NL > 1)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [EV_W-1:0] nb_l = NB[lay*EV_W +: EV_W];
    wire delayed_l = DELAYED[lay];
    wire [KA-1:0] kbase_l = KBASE[lay*KA +: KA];
    wire [MW-1:0] wi_m_l = WI_M[lay*MW +: MW];
    wire [MW-1:0] hi_m_l = HI_M[lay*MW +: MW];
    wire [XW-1:0] shl_l = SHL[lay*XW +: XW];
    wire [XW-1:0] swl_l = SWL[lay*XW +: XW];
    wire [CW-1:0] wi_l = WI[lay*CW +: CW], hi_l = HI[lay*CW +: CW], cig_l = CIG[lay*CW +: CW],
                  cog_l = COG[lay*CW +: CW], hwo_l = HWO[lay*CW +: CW], ho_l = HO[lay*CW +: CW],
                  wo_l = WO[lay*CW +: CW], kh_l = KH[lay*CW +: CW], kw_l = KW[lay*CW +: CW],
                  sh_l = SH[lay*CW +: CW], sw_l = SW[lay*CW +: CW], ph_l = PH[lay*CW +: CW],
                  px_l = PX[lay*CW +: CW], dh_l = DH[lay*CW +: CW], dw_l = DW[lay*CW +: CW],
                  nch_l = NCH[lay*CW +: CW], grp_a_l = GRP_A[lay*CW +: CW],
                  grp_n_l = GRP_N[lay*CW +: CW], ch_n_l = CH_N[lay*CW +: CW],
                  grp_w_l = GRP_W[lay*CW +: CW], kk_l = KK[lay*CW +: CW],
                  co_step_l = CO_STEP[lay*CW +: CW];
    /* verilator lint_on UNUSEDSIGNAL */
    // ... at the coordinate width (every coordinate, offset and their sums fit XW bits:
    // plan CorePlan::xy_bits)
    wire [XW-1:0] kh_last = kh_l[XW-1:0] - ONE_X;
    wire [XW-1:0] kw_last = kw_l[XW-1:0] - ONE_X;
    wire [XW-1:0] ph_x = ph_l[XW-1:0], px_x = px_l[XW-1:0], sh_x = sh_l[XW-1:0],
                  sw_x = sw_l[XW-1:0], dh_x = dh_l[XW-1:0], dw_x = dw_l[XW-1:0],
                  ho_x = ho_l[XW-1:0], wo_x = wo_l[XW-1:0];
    wire [CW-1:0] nch_last = nch_l - ONE;
    wire [CW-1:0] hwo_last = hwo_l - ONE;
    wire [EV_W-1:0] nb_last = nb_l - ONE_E;
    // the layer's source event list
    wire [EV_W-1:0] ev_cnt_l = ev_cnt[lay*EV_W +: EV_W];
    wire [EV_W-1:0] ev_rdata_l = ev_rdata[lay*EV_W +: EV_W];
    wire ev_rok_l = ev_rok[lay];
    wire [VB-1:0] ev_rval_l = ev_rval[lay*VB +: VB];
    localparam [NL-1:0] ONE_NL = 1;
    wire [NL-1:0] lay_bit = ONE_NL << lay;  // one-hot
    // the index of the layer starting (one start at a time)
    reg [LW-1:0] start_i;
    integer si;
    always @* begin
        start_i = {LW{1'b0}};
        for (si = 0; si < NL; si = si + 1)
            if (start[si]) start_i = si[LW-1:0];
    end

    reg [3:0]      st;
    always @(posedge clk) if (st == S_IDLE && start != {NL{1'b0}}) lay_q <= start_i;
    reg [EV_W-1:0] e;       // next event to read
    reg [EV_W-1:0] blk;     // sweep block (accumulator/state address)
    reg [CW-1:0]   spos;    // output position of the block
    reg [CW-1:0]   sj;      // channel within the group of the block's lane 0 (chunk * P)
    reg [CW-1:0]   gbase;   // first neuron of the block's group
    reg [CW-1:0]   cbase;   // first neuron of the block's lane-0 channel
    reg [P-1:0]    mask;    // spikes of the block not yet pushed
    reg [CLR_W-1:0] sa;     // state slot of the block's lane 0 (blk * P; EXT_UNIT)
    wire [CW-1:0]  nbase_c = cbase + spos;  // neuron of lane 0
    wire [EV_W-1:0] nbase = nbase_c[EV_W-1:0];
    // decoded event and tap counters
    reg [XW-1:0]   iy, ix;
    reg [CW-1:0]   ch;                // lane chunk within the group
    reg [XW-1:0]   ky, kx;            // kernel row/column
    reg [XW-1:0]   kyoff, kxoff;      // ky * DH, kx * DW
    reg [CW-1:0]   ch_base;           // address of chunk ch at output position 0
    reg [KA-1:0]   widx;              // kernel word of the tap (its store word with KSTORE)
    // scatter pipeline
    reg            t_v, a_v;
    reg [CW-1:0]   t_a, a_a;
    /* verilator lint_off UNUSEDSIGNAL */  // the kernel ROM's address (unused with KSTORE)
    reg [KA-1:0]   t_w;
    /* verilator lint_on UNUSEDSIGNAL */
    localparam [KA-1:0] ONE_K = 1;
    // the event's first kernel word and the step to the next channel at the kernel address
    // width (KA >= CW)
    wire [KA-1:0] w_first, co_step_k;

    // ---- event fetch and decode ----
    wire issue = (st == S_FETCH) && (e < ev_cnt_l);
    assign ev_raddr = issue ? e : {EV_W{1'b0}};
    assign ev_rprev = issue && delayed_l;
    assign ev_rd = issue ? lay_bit : {NL{1'b0}};
    // Decode in registered steps, divisions by constants as a multiplication by the reciprocal
    // and a shift: DEC takes the event index i, DEC2 its row over all channels
    // r = i / W_in = ci * H_in + iy, DEC3 the column ix = i - r * W_in and the channel
    // ci = r / H_in, DEC4 the row iy = r - ci * H_in and the channel's kernel word and group.
    wire [CW-1:0] ev_i = {ZX, ev_rdata_l};
    reg  [CW-1:0] dv_i, dv_row, dv_ci;
    // (the products' bits outside the quotient are unused)
    /* verilator lint_off UNUSEDSIGNAL */
    // (wide enough for the product and for the quotient's bits at the shift)
    localparam integer MS = (WI_S > HI_S) ? WI_S : HI_S;
    localparam integer DPW = CW + ((MW > MS) ? MW : MS);
    wire [DPW-1:0] d_row_p = dv_i * wi_m_l;
    wire [DPW-1:0] d_ci_p = dv_row * hi_m_l;
    /* verilator lint_on UNUSEDSIGNAL */
    // the column and the row within the channel, at the address width (they fit XW bits)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CW-1:0] ix_c = dv_i - dv_row * wi_l;
    wire [CW-1:0] iy_c = dv_row - dv_ci * hi_l;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [CW-1:0] d_grp = (GRPS == 1) ? {CW{1'b0}} : dv_ci / cig_l;
    wire [CW-1:0] d_cim = (GRPS == 1) ? dv_ci : dv_ci % cig_l;
    wire [CW-1:0] w_first_c = d_grp * grp_w_l + d_cim * kk_l;
    generate
        if (KA > CW) begin : g_ka_wide
            assign w_first = {{(KA - CW){1'b0}}, w_first_c};
            assign co_step_k = {{(KA - CW){1'b0}}, co_step_l};
        end else begin : g_ka_same
            assign w_first = w_first_c;
            assign co_step_k = co_step_l;
        end
    endgenerate

    // ---- tap target: o*s - p + k*d = i on both axes ----
    // (at the coordinate width XW: iy + PH and ix + PX never overflow it; a tap left of or
    // above the map wraps ty/tx, which the >= checks reject)
    wire [XW-1:0] ty = iy + ph_x - kyoff;
    wire [XW-1:0] tx = ix + px_x - kxoff;
    // the output coordinate and whether the stride hits it: a division by a constant with one
    // layer, a shift by the stride's log with several (powers of two)
    wire [XW-1:0] oy, ox;
    wire on_y, on_x;
    generate
        if (NL == 1) begin : g_div
            assign oy = ty / sh_x;
            assign ox = tx / sw_x;
            assign on_y = ty % sh_x == ZERO_X;
            assign on_x = tx % sw_x == ZERO_X;
        end else begin : g_shift
            assign oy = ty >> shl_l;
            assign ox = tx >> swl_l;
            assign on_y = (ty & (sh_x - ONE_X)) == ZERO_X;
            assign on_x = (tx & (sw_x - ONE_X)) == ZERO_X;
        end
    endgenerate
    reg ev_ok;  // registered in DEC
    wire tap_ok = ev_ok && (iy + ph_x >= kyoff) && on_y && (oy < ho_x)
               && (ix + px_x >= kxoff) && on_x && (ox < wo_x);
    wire [CW-1:0] oy_c, ox_c;  // oy, ox at the address width
    generate
        if (XW < CW) begin : g_xw_narrow
            assign oy_c = {{(CW - XW){1'b0}}, oy};
            assign ox_c = {{(CW - XW){1'b0}}, ox};
        end else begin : g_xw_same
            assign oy_c = oy;
            assign ox_c = ox;
        end
    endgenerate
    wire [CW-1:0] tap_a = ch_base + oy_c * wo_l + ox_c;
    wire last_kx = kx == kw_last;
    wire last_ky = ky == kh_last;
    wire last_tap = last_kx && last_ky && (ch == nch_last);

    // ---- kernel ROM (stage A read): P weights per word, lane k in bits [k*WB +: WB]; or the
    // weight store's word (KSTORE: its address in TAP, registered by the store) ----
    wire [P*WB-1:0] w_word;
    generate
        if (KSTORE != 0) begin : g_kstore
            assign k_raddr = (st == S_TAP) ? widx : {KA{1'b0}};
            assign w_word = k_rdata;
        end else begin : g_krom
            assign k_raddr = {KA{1'b0}};
            sl_rom #(.W(P * WB), .DEPTH(WDEPTH), .AW(KA), .INIT_FILE(WEIGHT_FILE)) u_weights (
                .clk(clk), .addr(t_w), .rdata(w_word)
            );
        end
    endgenerate

    // ---- accumulator lanes ----
    // EXT_UNIT: the block is handed over (and zeroed) in HO when the unit takes it
    wire ho_fire = (EXT_UNIT != 0) && (st == S_HO) && !u_busy;
    wire last_blk = blk == nb_last;
    wire sweep = (st == S_RD) || (st == S_UPD) || (st == S_HO);
    wire [CW-1:0] blk_c = {ZX, blk};
    // HO reads the next block as it hands this one over
    wire [CW-1:0] acc_raddr = (ho_fire && !last_blk) ? blk_c + ONE : sweep ? blk_c : t_a;
    wire zero_blk = (st == S_UPD) || ho_fire;
    // the clear address: the clear writes the core's blocks only (clr_w), so its low EV_W bits
    // address them
    wire [EV_W-1:0] clr_a;
    wire clr_in;  // clr_addr < NBM
    generate
        if (CLR_W > EV_W) begin : g_clr_wide
            assign clr_a = clr_addr[EV_W-1:0];
            assign clr_in = (clr_addr[CLR_W-1:EV_W] == {(CLR_W - EV_W){1'b0}}) && (clr_a < NB_V);
        end else if (CLR_W == EV_W) begin : g_clr_same
            assign clr_a = clr_addr;
            assign clr_in = clr_a < NB_V;
        end else begin : g_clr_narrow
            assign clr_a = {{(EV_W - CLR_W){1'b0}}, clr_addr};
            assign clr_in = clr_a < NB_V;
        end
    endgenerate
    wire [CW-1:0] acc_waddr = clr_en ? {ZX, clr_a} : zero_blk ? blk_c : a_a;
    wire clr_w = clr_en && clr_in;
    wire [P*ACC_W-1:0] acc_word;
    // written by stage B at every valid tap (a padding lane adds its zero weight), zeroed by
    // UPD or HO (the block was just read) and by the post-reset clear
    wire a_we = clr_w || zero_blk || a_v;
    wire [P*ACC_W-1:0] acc_wword;  // every lane's write data
    generate
        if (EXT_ACC != 0) begin : g_ext_acc
            assign acc_word = acc_rd;
            assign acc_we = a_we;
            assign acc_wa = a_we ? acc_waddr : {CW{1'b0}};
            assign acc_ra = (st != S_IDLE) ? acc_raddr : {CW{1'b0}};
            assign acc_wd = a_we ? acc_wword : {(P * ACC_W){1'b0}};
        end else begin : g_own_acc
            assign acc_we = 1'b0;
            assign acc_wa = {CW{1'b0}};
            assign acc_ra = {CW{1'b0}};
            assign acc_wd = {(P * ACC_W){1'b0}};
        end
    endgenerate
    // value of the event being scattered (registered in DEC)
    /* verilator lint_off UNUSEDSIGNAL */
    reg [VB-1:0] ev_val;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) if (st == S_DEC) ev_val <= ev_rval_l;

    // state memories, addressed by block; cleared after reset (none on a shared unit, where
    // these wires are unused)
    /* verilator lint_off UNUSEDSIGNAL */
    wire            st_we = (st == S_UPD) || clr_w;
    wire [EV_W-1:0] st_waddr = clr_en ? clr_a : blk;
    wire [P*SB-1:0] u_word;
    wire [P*SB-1:0] u_next_word;
    wire [P*CB-1:0] i_word;
    wire [P*CB-1:0] i_next_word;  // only stored by CubaLif and CubaLi cores
    wire [P*PW-1:0] bias_word;
    wire [P*PW-1:0] theta_word;
    wire [P*PW-1:0] vreset_word;
    wire [P*(DS+1)-1:0] beta_word;
    wire [P*(DS+1)-1:0] alpha_word;
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (EXT_UNIT == 0) begin : g_state
            sl_ram #(.W(P * SB), .DEPTH(NBM), .AW(EV_W)) u_state (
                .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {(P * SB){1'b0}} : u_next_word),
                .raddr(blk), .rdata(u_word)
            );
            if (KIND == 1 || KIND == 3) begin : g_current
                sl_ram #(.W(P * CB), .DEPTH(NBM), .AW(EV_W)) u_current (
                    .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {(P * CB){1'b0}} : i_next_word),
                    .raddr(blk), .rdata(i_word)
                );
            end else begin : g_no_current
                assign i_word = {(P * CB){1'b0}};
            end
            sl_param #(.P(P), .PW(PW), .NB(NBM), .AW(EV_W), .ROM(BIAS_ROM), .K(BIAS_K), .INIT_FILE(BIAS_FILE))
                u_bias (.clk(clk), .addr(blk), .word(bias_word));
            sl_param #(.P(P), .PW(PW), .NB(NBM), .AW(EV_W), .ROM(THETA_ROM), .K(THETA_K), .INIT_FILE(THETA_FILE))
                u_theta (.clk(clk), .addr(blk), .word(theta_word));
            sl_param #(.P(P), .PW(PW), .NB(NBM), .AW(EV_W), .ROM(VRESET_ROM), .K(VRESET_K), .INIT_FILE(VRESET_FILE))
                u_vreset (.clk(clk), .addr(blk), .word(vreset_word));
            sl_param #(.P(P), .PW(DS + 1), .NB(NBM), .AW(EV_W), .ROM(BETA_ROM), .K(BETA_K), .INIT_FILE(BETA_FILE))
                u_beta (.clk(clk), .addr(blk), .word(beta_word));
            sl_param #(.P(P), .PW(DS + 1), .NB(NBM), .AW(EV_W), .ROM(ALPHA_ROM), .K(ALPHA_K), .INIT_FILE(ALPHA_FILE))
                u_alpha (.clk(clk), .addr(blk), .word(alpha_word));
        end else begin : g_no_state
            assign u_word = {(P * SB){1'b0}};
            assign i_word = {(P * CB){1'b0}};
            assign bias_word = {(P * PW){1'b0}};
            assign theta_word = {(P * PW){1'b0}};
            assign vreset_word = {(P * PW){1'b0}};
            assign beta_word = {(P * (DS + 1)){1'b0}};
            assign alpha_word = {(P * (DS + 1)){1'b0}};
        end
    endgenerate

    wire [P-1:0] lane_valid;
    wire [P-1:0] lane_spike;
    wire [P*SPW-1:0] lane_cnt;
    genvar g;
    generate
        for (g = 0; g < P; g = g + 1) begin : g_lane
            localparam [CW-1:0] LANE_C = g;
            // this lane's product of the tap: weight (lane g of the kernel word) times the
            // event's value
            wire signed [WB-1:0] w_s = w_word[g*WB +: WB];
            wire signed [ACC_W-1:0] w_x = {{(ACC_W - WB){w_s[WB-1]}}, w_s};
            wire signed [ACC_W-1:0] term;
            if (VB == 1) begin : g_bin
                assign term = w_x;
            end else if (VMUL != 0) begin : g_mul
                assign term = w_x * $signed({{(ACC_W - VB){1'b0}}, ev_val});
            end else begin : g_sa
                reg signed [ACC_W-1:0] t;
                integer b;
                always @* begin
                    t = {ACC_W{1'b0}};
                    for (b = 0; b < VB; b = b + 1)
                        if (ev_val[b]) t = t + (w_x <<< b);
                end
                assign term = t;
            end
            wire signed [ACC_W-1:0] b_sum = $signed(acc_word[g*ACC_W +: ACC_W]) + term;
            assign acc_wword[g*ACC_W +: ACC_W] = (clr_en || zero_blk) ? {ACC_W{1'b0}} : b_sum;
            if (EXT_ACC == 0) begin : g_acc
                // this lane's accumulator RAM
                sl_ram #(.W(ACC_W), .DEPTH(NBM), .AW(CW)) u_acc (
                    .clk(clk), .we(a_we), .waddr(acc_waddr), .wdata(acc_wword[g*ACC_W +: ACC_W]),
                    .raddr(acc_raddr), .rdata(acc_word[g*ACC_W +: ACC_W])
                );
            end
            wire signed [SB-1:0] u_new;
            if (EXT_UNIT == 0) begin : g_neuron
            sl_neuron #(
                .KIND(KIND), .RESET(RESET), .RESET_DELAY(RESET_DELAY), .ROUND(ROUND), .ACC_W(ACC_W),
                .SB(SB), .CB(CB), .PW(PW), .DS(DS), .WS(WS), .W(W), .BETA_SA(BETA_SA), .ALPHA_SA(ALPHA_SA),
                .BETA_K(BETA_K), .ALPHA_K(ALPHA_K), .CNT(CNT), .FLOOR(FLOOR), .SPW(SPW)
            ) u_neuron (
                .clk(clk), .ld(1'b0), .acc(acc_word[g*ACC_W +: ACC_W]), .u(u_word[g*SB +: SB]), .i_cur(i_word[g*CB +: CB]),
                .bias(bias_word[g*PW +: PW]), .theta(theta_word[g*PW +: PW]),
                .v_reset(vreset_word[g*PW +: PW]), .beta(beta_word[g*(DS+1) +: DS+1]),
                .alpha(alpha_word[g*(DS+1) +: DS+1]), .n_max(3'd7),
                .u_next(u_new), .i_next(i_next_word[g*CB +: CB]), .spike(lane_cnt[g*SPW +: SPW])
            );
            end else begin : g_no_neuron
                assign u_new = {SB{1'b0}};
                assign i_next_word[g*CB +: CB] = {CB{1'b0}};
                assign lane_cnt[g*SPW +: SPW] = {SPW{1'b0}};
            end
            assign lane_spike[g] = |lane_cnt[g*SPW +: SPW];
            assign trace_spike[g*SPW +: SPW] = (trace_valid && lane_valid[g]) ? lane_cnt[g*SPW +: SPW] : {SPW{1'b0}};
            assign u_next_word[g*SB +: SB] = u_new;
            assign lane_valid[g] = (sj + LANE_C) < cog_l;
            if (SB < 32) begin : g_ext
                assign trace_v[g*32 +: 32] = trace_valid ? {{(32 - SB){u_new[SB-1]}}, u_new} : 32'd0;
            end else begin : g_full
                assign trace_v[g*32 +: 32] = trace_valid ? u_new : 32'd0;
            end
        end
    endgenerate

    assign trace_valid = st == S_UPD;
    assign trace_base = trace_valid ? nbase : {EV_W{1'b0}};
    assign trace_step = trace_valid ? hwo_l[EV_W-1:0] : {EV_W{1'b0}};
    assign trace_lane_valid = trace_valid ? lane_valid : {P{1'b0}};

    // spike counts of the block, registered in UPD for the pushes
    /* verilator lint_off UNUSEDSIGNAL */
    reg [P*SPW-1:0] cnt_q;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) if (CNT > 0 && st == S_UPD) cnt_q <= lane_cnt;

    // the lowest pending lane: its neuron is nbase + lane * HWO
    reg [CW-1:0]  low_off;
    reg [SPW-1:0] low_val;
    integer q;
    always @* begin
        low_off = {CW{1'b0}};
        low_val = {SPW{1'b0}};
        for (q = P - 1; q >= 0; q = q - 1)
            if (mask[q]) begin
                low_off = q[CW-1:0] * hwo_l;
                low_val = cnt_q[q*SPW +: SPW];
            end
    end
    localparam [SPW-1:0] ONE_SW = 1;
    /* verilator lint_off UNUSEDSIGNAL */  // a neuron index fits EV_W bits
    wire [CW-1:0] push_n = nbase_c + low_off;
    /* verilator lint_on UNUSEDSIGNAL */
    assign push = (st == S_SPK) && (mask != {P{1'b0}});
    assign push_idx = push ? push_n[EV_W-1:0] : {EV_W{1'b0}};
    assign push_val = !push ? {SPW{1'b0}} : (CNT > 0) ? low_val : ONE_SW;
    assign done = (st == S_DONE) ? lay_bit : {NL{1'b0}};
    assign running = (st != S_IDLE) ? lay_bit : {NL{1'b0}};

    // ---- hand-off to the shared unit (EXT_UNIT) ----
    localparam integer P_M1 = P - 1;
    localparam [CW-1:0] P_LAST_C = P_M1[CW-1:0];
    localparam [CLR_W-1:0] P_E = P_I[CLR_W-1:0];
    /* verilator lint_off UNUSEDSIGNAL */  // read with EXT_UNIT only
    reg [P*ACC_W-1:0] hreg;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) if (ho_fire) hreg <= acc_word;
    generate
        if (EXT_UNIT != 0) begin : g_ho
            assign ho = ho_fire ? lay_bit : {NL{1'b0}};
            assign ho_base = nbase;
            assign ho_addr = sa;
            // the block's valid lanes: min(P, COG - sj)
            assign ho_last = (cog_l - sj > P_LAST_C) ? P_LAST_C : cog_l - sj - ONE;
            assign hs = hreg;
        end else begin : g_no_ho
            assign ho = {NL{1'b0}};
            assign ho_base = {EV_W{1'b0}};
            assign ho_addr = {CLR_W{1'b0}};
            assign ho_last = {CW{1'b0}};
            assign hs = {(P * ACC_W){1'b0}};
        end
    endgenerate
    // the next block's sweep position: the next position, else the next chunk (of this group,
    // else of the next group) at position 0 (SPK after its last push, or HO handing over)
    task advance;
        begin
            blk <= blk + 1'b1;
            sa <= sa + P_E;
            if (spos != hwo_last) spos <= spos + ONE;
            else begin
                spos <= {CW{1'b0}};
                if (sj + P_C < cog_l) begin
                    sj <= sj + P_C;
                    cbase <= cbase + ch_n_l;
                end else begin
                    sj <= {CW{1'b0}};
                    gbase <= gbase + grp_n_l;
                    cbase <= gbase + grp_n_l;
                end
            end
        end
    endtask

    always @(posedge clk) begin
        if (rst) begin
            st <= S_IDLE;
            e <= {EV_W{1'b0}};
            blk <= {EV_W{1'b0}};
            spos <= {CW{1'b0}};
            sj <= {CW{1'b0}};
            gbase <= {CW{1'b0}};
            cbase <= {CW{1'b0}};
            mask <= {P{1'b0}};
            sa <= {CLR_W{1'b0}};
            t_v <= 1'b0;
            a_v <= 1'b0;
        end else begin
            // scatter pipeline
            t_v <= (st == S_TAP) && tap_ok;
            t_a <= tap_a;
            t_w <= widx;
            a_v <= t_v;
            a_a <= t_a;
            case (st)
                S_IDLE: if (start != {NL{1'b0}}) begin
                    st <= S_FETCH;
                    e <= {EV_W{1'b0}};
                    blk <= {EV_W{1'b0}};
                    sa <= {CLR_W{1'b0}};
                    spos <= {CW{1'b0}};
                    sj <= {CW{1'b0}};
                    gbase <= {CW{1'b0}};
                    cbase <= {CW{1'b0}};
                end
                S_FETCH: if (issue) begin
                    st <= S_DEC;
                    e <= e + 1'b1;
                end else st <= S_DRAIN;
                S_DEC: begin
                    st <= S_DEC2;
                    ev_ok <= ev_rok_l;
                    dv_i <= ev_i;
                end
                S_DEC2: begin
                    st <= S_DEC3;
                    dv_row <= d_row_p[WI_S +: CW];
                end
                S_DEC3: begin
                    st <= S_DEC4;
                    ix <= ix_c[XW-1:0];
                    dv_ci <= d_ci_p[HI_S +: CW];
                end
                S_DEC4: begin
                    st <= S_TAP;
                    iy <= iy_c[XW-1:0];
                    ch <= {CW{1'b0}};
                    ky <= ZERO_X;
                    kx <= ZERO_X;
                    kyoff <= ZERO_X;
                    kxoff <= ZERO_X;
                    ch_base <= d_grp * grp_a_l;
                    widx <= kbase_l + w_first;
                end
                S_TAP: begin
                    if (last_tap) st <= S_FETCH;
                    if (!last_kx) begin
                        kx <= kx + ONE_X;
                        kxoff <= kxoff + dw_x;
                        widx <= widx + ONE_K;
                    end else begin
                        kx <= ZERO_X;
                        kxoff <= ZERO_X;
                        if (!last_ky) begin
                            ky <= ky + ONE_X;
                            kyoff <= kyoff + dh_x;
                            widx <= widx + ONE_K;
                        end else begin
                            ky <= ZERO_X;
                            kyoff <= ZERO_X;
                            ch <= ch + ONE;
                            ch_base <= ch_base + hwo_l;
                            widx <= widx + co_step_k;
                        end
                    end
                end
                S_DRAIN: st <= S_RD;
                S_RD: st <= (EXT_UNIT != 0) ? S_HO : S_UPD;
                S_UPD: begin
                    mask <= lane_spike & lane_valid;
                    st <= S_SPK;
                end
                S_SPK: if (mask != {P{1'b0}}) mask <= mask & (mask - 1'b1);
                    else if (last_blk) st <= S_DONE;
                    else begin
                        st <= S_RD;
                        advance;
                    end
                S_HO: if (ho_fire) begin
                    if (last_blk) st <= S_UW;
                    else advance;
                end
                S_UW: if (!u_active) st <= S_DONE;
                default: st <= S_IDLE;  // S_DONE
            endcase
        end
    end
endmodule

`default_nettype wire
