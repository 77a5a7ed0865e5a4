// sl_acc: the shared accumulator front end of the dense engine. One set of P accumulator lanes
// (adders only) serves every dense layer in turn; each layer has its own neuron unit (sl_unit)
// that updates the neurons one per cycle while the lanes already accumulate the next block.
// For each block of P neurons of layer `cur`: stream the events of every projection of the layer
// (one event read per cycle, one bubble per projection), read one store word of P weights per
// event from the shared weight store and add each lane's weight (or value x weight) to its
// accumulator; then hand the P sums over to the layer's unit (HAND: `ho`, as soon as the unit
// has issued the previous block's last neuron) and start the next block at once.
// State machine:
//   IDLE -start-> ACC: issue one event read per cycle; one bubble cycle per projection switch
//   ACC -> DRAIN (every event read issued; the pipeline drains for DRAIN_N cycles) -> WAIT
//   (the last word is in the accumulate stage: acc_d is the final sum) -> hand-off
//   Early hand-off: when a block that is not the layer's last has issued every read and the
//   unit is free already (it then stays free), ACC goes on with the next block at once and
//   the hand-off of this one is pending (hc counts DRAIN_N + 1 cycles): it happens at the
//   cycle the block's last word is in the accumulate stage, exactly when WAIT would have had
//   it, while the next block's first word is still two stages behind.
//   (ho, when the unit is free) -> ACC (next block) | FIN (last block: wait for the unit to
//   drain) -> DONE (done = 1 for one cycle) -> IDLE
// Pipeline (every stage registered, so no path crosses two memories):
//   t   event read issued (buffer)
//   t+1 event index valid (v1), registered (ev_q: no path from the buffer's memory output
//       through the address adder), with its projection's row base (rb_q: the next block's
//       reads may have started by t+2)
//   t+2 (vr) store word address rb_q + ev_q, registered (wa_q)
//   t+3 store read issued with the registered address (va)
//   t+4 the store's memories have read (vb); the store registers each bank's output in fabric
//   t+5 store word valid (vc: the bank multiplexer's output), registered (w_q)
//   t+6 accumulate (vq): acc + term(w_q)
// The store's read latency is 2 (sl_rom banks or SPRAM, then a fabric register per bank before
// the depth multiplexer), so no path runs from a memory output through the multiplexer.
// A paired projection (PROJ_PAIRED: its buffer keeps even and odd positions in two memories)
// reads two events per cycle: e counts pairs, the second event (ev_rdata2) goes through the
// same stages on a second path (ev_q2, wa2_q on the store's second read port, w2_q), and the
// accumulate stage adds both weights (binary events only: a paired buffer carries no values).
// After the last event read the accumulators drain for DRAIN_N = 4 cycles (plan::ACC_LATENCY):
// in WAIT the last word is in the accumulate stage, so `acc_d` is the block's final sum at `ho`.
// Per-projection tables (packed, projection 0 in the LSBs) cover every dense layer's
// projections; layer l owns projections L_J0[l] .. L_JN[l] and has L_NB[l] blocks.
// Rust twin: spikeloom-cyclesim `engine::Acc`.
`default_nettype none

module sl_acc #(
    parameter integer P = 1,          // lanes
    parameter integer EV_W = 8,       // event index/count/address width (also block counter)
    parameter integer NL = 1,         // dense layers
    parameter integer LW = 1,         // dense layer index width
    parameter integer JT = 1,         // projections of all dense layers
    parameter integer JW = 1,         // projection index width
    parameter integer WA = 8,         // weight store address width
    parameter integer WM = 8,         // weight store word width
    parameter integer ACC_W = 16,     // accumulator width (the widest layer's)
    parameter integer VB = 1,         // event value width (1: binary spikes, ev_rval unused)
    parameter integer VMUL = 0,       // VB > 1: 0 shift-add product, 1 `*` operator
    parameter [NL*EV_W-1:0] L_NB = 0,   // blocks of layer l
    parameter [NL*JW-1:0] L_J0 = 0,     // first projection of layer l
    parameter [NL*JW-1:0] L_JN = 0,     // last projection of layer l
    parameter [NL*6-1:0] L_WB = 0,      // weight bits of layer l (1..32)
    parameter [JT*WA-1:0] PROJ_OFF = 0, // store word of projection j's row 0
    parameter [JT*WA-1:0] PROJ_SRC = 0, // source size of projection j (rows per block)
    parameter [JT-1:0] PROJ_DELAYED = 0,
    parameter [JT-1:0] PROJ_PAIRED = 0  // projection j reads two events per cycle
) (
    input  wire              clk,
    input  wire              rst,
    input  wire              start,
    input  wire [LW-1:0]     layer,     // dense layer to run (with start)
    output wire              done,
    output reg  [LW-1:0]     cur,       // the layer being run
    // event buffers of the JT projections' sources (count of the bank each projection reads)
    input  wire [JT*EV_W-1:0] ev_cnt,
    input  wire [JT*EV_W-1:0] ev_rdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [JT*EV_W-1:0] ev_rdata2,  // second event of a pair (paired projections)
    input  wire [WM-1:0]      w_word2,    // the store word of the second event
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [JT*VB-1:0]   ev_rval,  // values of the events on ev_rdata (VB > 1 only)
    input  wire [WM-1:0]      w_word,   // the store word read last cycle (its low P * WB bits)
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [EV_W-1:0]   ev_raddr,
    output wire              ev_rprev,
    output wire [WA-1:0]     w_addr,
    output wire [WA-1:0]     w_addr2,   // the store's second read port (0 without pairs)
    // hand-off to the units: at the edge where ho = 1 the unit of `cur` takes the block's first
    // neuron (ho_base) and the hs registers take the block's P sums
    output wire              ho,
    output wire [EV_W-1:0]   ho_base,
    output wire [P*ACC_W-1:0] hs,
    input  wire              u_free,    // the current layer's unit issues its last neuron, or idles
    input  wire              u_idle     // every unit idle with its pipeline empty
);
    localparam [2:0] S_IDLE = 3'd0, S_ACC = 3'd1, S_WAIT = 3'd2, S_FIN = 3'd3, S_DONE = 3'd4,
                     S_DRAIN = 3'd5;
    localparam [1:0] DRAIN_LAST = 2'd3;  // DRAIN_N - 1: DRAIN lasts 4 cycles
    localparam integer P_I = P;
    localparam [EV_W-1:0] P_V = P_I[EV_W-1:0];

    reg [2:0]      st;
    reg [EV_W-1:0] blk;     // current block
    reg [EV_W-1:0] nbase;   // blk * P
    reg [JW-1:0]   j;       // current projection
    reg [EV_W-1:0] e;       // next event to read
    reg            v1;      // event read issued last cycle
    reg [JW-1:0]   j1;      // its projection
    reg            vr;      // registered event index valid
    reg [EV_W-1:0] ev_q;    // the event index read last cycle, registered
    reg [WA-1:0]   rb_q;    // its projection's row base, registered with it
    reg [2:0]      hc;      // pending early hand-off: cycles since its block's reads ended
    reg [EV_W-1:0] hbase;   // first neuron of the block handed over early
    reg            v1b;     // the read of last cycle has a second event
    reg            vrb;     // ... registered
    reg [EV_W-1:0] ev_q2;   // the second event's index, registered
    reg [1:0]      dr;      // drain cycle
    reg [WA-1:0]   rowbase [0:JT-1];  // PROJ_OFF[j] + blk * PROJ_SRC[j]

    wire [EV_W-1:0] cnt_sel [0:JT-1];
    wire [EV_W-1:0] rd_sel [0:JT-1];
    wire [EV_W-1:0] rd2_sel [0:JT-1];
    wire [VB-1:0]   rv_sel [0:JT-1];
    wire [JW-1:0]   l_j0 [0:NL-1];
    wire [JW-1:0]   l_jn [0:NL-1];
    wire [EV_W-1:0] l_nb [0:NL-1];
    genvar g;
    generate
        for (g = 0; g < JT; g = g + 1) begin : g_proj
            assign cnt_sel[g] = ev_cnt[g*EV_W +: EV_W];
            assign rd_sel[g] = ev_rdata[g*EV_W +: EV_W];
            assign rd2_sel[g] = ev_rdata2[g*EV_W +: EV_W];
            assign rv_sel[g] = ev_rval[g*VB +: VB];
        end
        for (g = 0; g < NL; g = g + 1) begin : g_layer
            assign l_j0[g] = L_J0[g*JW +: JW];
            assign l_jn[g] = L_JN[g*JW +: JW];
            assign l_nb[g] = L_NB[g*EV_W +: EV_W];
        end
    endgenerate
    // the event's value, delayed along with its weight word (stages r, a, b, c, q)
    /* verilator lint_off UNUSEDSIGNAL */
    reg [VB-1:0] val_r, val_a, val_b, val_c, val_q;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        ev_q <= rd_sel[j1];
        rb_q <= rowbase[j1];
        ev_q2 <= rd2_sel[j1];
        val_r <= rv_sel[j1];
        val_a <= val_r;
        val_b <= val_a;
        val_c <= val_b;
        val_q <= val_c;
    end

    // Reads left in the current projection (`rem`, registered): loaded from the count of the
    // projection being entered (the counts of the buffers a layer reads do not change while it
    // runs), so no path runs from the counts through a compare into the buffers' addresses. A
    // paired projection's e counts pairs (events 2e and 2e + 1): ceil(count / 2) reads, the
    // last one with a single event when the count is odd (`odd`).
    reg [EV_W-1:0] rem;
    reg            odd;
    wire paired = PROJ_PAIRED[j];
    wire issue = (st == S_ACC) && (rem != {EV_W{1'b0}});
    wire issue2 = issue && paired && !(rem == {{(EV_W - 1){1'b0}}, 1'b1} && odd);
    // the projection entered at this edge (start, next projection, next block)
    reg [JW-1:0] j_new;
    always @* begin
        if (st == S_IDLE) j_new = l_j0[layer];
        else if (st == S_WAIT || j == l_jn[cur]) j_new = l_j0[cur];
        else j_new = j + 1'b1;
    end
    // the hand-off cycle of a pending early hand-off (DRAIN_N + 1 cycles after the decision)
    localparam [2:0] HC_HO = 3'd5;
    // in ACC, the block's reads are done: take the next block at once (not the last block, the
    // unit free, no hand-off pending)
    wire last_blk = blk == l_nb[cur] - 1'b1;
    wire early = (st == S_ACC) && !issue && (j == l_jn[cur]) && !last_blk && u_free
        && (hc == 3'd0);
    wire [EV_W-1:0] c_new = cnt_sel[j_new];
    wire [EV_W-1:0] r_new = PROJ_PAIRED[j_new] ? (c_new >> 1) + {{(EV_W - 1){1'b0}}, c_new[0]}
                                               : c_new;
    assign ev_raddr = issue ? e : {EV_W{1'b0}};
    assign ev_rprev = issue && PROJ_DELAYED[j];

    // weight store read: word rb_q + event index, registered; zero unless a read is
    // valid (the store's address bus is shared with the loader)
    wire [WA-1:0] w_row;
    wire [WA-1:0] w_row2;
    generate
        if (WA > EV_W) begin : g_wa_wide
            assign w_row = rb_q + {{(WA - EV_W){1'b0}}, ev_q};
            assign w_row2 = rb_q + {{(WA - EV_W){1'b0}}, ev_q2};
        end else begin : g_wa_same
            assign w_row = rb_q + ev_q;
            assign w_row2 = rb_q + ev_q2;
        end
    endgenerate
    reg [WA-1:0] wa_q;
    reg [WA-1:0] wa2_q;
    reg va, vb, vc, vq;
    reg va2, vb2, vc2, vq2;  // the second event of a pair, stage by stage
    always @(posedge clk) begin
        wa_q <= vr ? w_row : {WA{1'b0}};
        wa2_q <= vrb ? w_row2 : {WA{1'b0}};
    end
    assign w_addr = wa_q;
    assign w_addr2 = wa2_q;
    // the store word of stage c, registered for the accumulate stage
    /* verilator lint_off UNUSEDSIGNAL */
    reg [WM-1:0] w_q;
    reg [WM-1:0] w2_q;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        w_q <= w_word;
        w2_q <= w_word2;
    end

    assign ho = ((st == S_WAIT) && u_free) || (hc == HC_HO);
    // the registers of the next block's first read: early, or at a hand-off in WAIT
    wire next_blk = early || ((st == S_WAIT) && u_free && !last_blk);
    assign ho_base = (hc != 3'd0) ? hbase : nbase;
    assign done = st == S_DONE;

    // lanes: accumulators; lane k of layer l's row is w_word[k*WB_l +: WB_l]
    generate
        for (g = 0; g < P; g = g + 1) begin : g_lane
            reg signed [ACC_W-1:0] acc;
            reg signed [ACC_W-1:0] hreg;
            // the lane's weight, sign-extended, for the current layer's weight width
            reg signed [ACC_W-1:0] w_x;
            reg signed [ACC_W-1:0] w_x2;  // the second event's weight (0 unless valid)
            integer l;
            always @* begin
                w_x = {ACC_W{1'b0}};
                w_x2 = {ACC_W{1'b0}};
                for (l = 0; l < NL; l = l + 1)
                    if (cur == l[LW-1:0]) begin
                        w_x = lane_weight(w_q, g, L_WB[l*6 +: 6]);
                        if (vq2) w_x2 = lane_weight(w2_q, g, L_WB[l*6 +: 6]);
                    end
            end
            // the term one event adds: the weight, or value * weight
            wire signed [ACC_W-1:0] term;
            if (VB == 1) begin : g_bin
                assign term = w_x;
            end else if (VMUL != 0) begin : g_mul
                assign term = w_x * $signed({{(ACC_W - VB){1'b0}}, val_q});
            end else begin : g_sa
                reg signed [ACC_W-1:0] t;
                integer b;
                always @* begin
                    t = {ACC_W{1'b0}};
                    for (b = 0; b < VB; b = b + 1)
                        if (val_q[b]) t = t + (w_x <<< b);
                end
                assign term = t;
            end
            // acc_d: the accumulator's next value; in WAIT it is the block's final sum
            wire signed [ACC_W-1:0] acc_d = vq ? acc + term + w_x2 : acc;
            always @(posedge clk) begin
                if (rst || ho || (st == S_IDLE && start)) acc <= {ACC_W{1'b0}};
                else acc <= acc_d;
                if (ho) hreg <= acc_d;
            end
            assign hs[g*ACC_W +: ACC_W] = hreg;
        end
    endgenerate

    // Sign-extended field `k` of width `wb` (1..32, at most ACC_W) of a store word.
    function automatic signed [ACC_W-1:0] lane_weight;
        input [WM-1:0] word;
        input integer k;
        input [5:0] wb;
        integer b;
        reg [ACC_W-1:0] f;
        begin
            f = {ACC_W{1'b0}};
            for (b = 0; b < ACC_W; b = b + 1)
                if (b < wb) f[b] = (k * wb + b < WM) ? word[k*wb + b] : 1'b0;
                else f[b] = f[wb - 1];
            lane_weight = f;
        end
    endfunction

    integer q;
    always @(posedge clk) begin
        if (rst) begin
            st <= S_IDLE;
            cur <= {LW{1'b0}};
            blk <= {EV_W{1'b0}};
            nbase <= {EV_W{1'b0}};
            j <= {JW{1'b0}};
            e <= {EV_W{1'b0}};
            rem <= {EV_W{1'b0}};
            odd <= 1'b0;
            hc <= 3'd0;
            hbase <= {EV_W{1'b0}};
            v1 <= 1'b0;
            v1b <= 1'b0;
            vrb <= 1'b0;
            va2 <= 1'b0;
            vb2 <= 1'b0;
            vc2 <= 1'b0;
            vq2 <= 1'b0;
            j1 <= {JW{1'b0}};
            vr <= 1'b0;
            dr <= 2'd0;
            va <= 1'b0;
            vb <= 1'b0;
            vc <= 1'b0;
            vq <= 1'b0;
            for (q = 0; q < JT; q = q + 1) rowbase[q] <= {WA{1'b0}};
        end else begin
            v1 <= issue;
            v1b <= issue2;
            vrb <= v1b;
            va2 <= vrb;
            vb2 <= va2;
            vc2 <= vb2;
            vq2 <= vc2;
            j1 <= j;
            vr <= v1;
            va <= vr;
            vb <= va;
            vc <= vb;
            vq <= vc;
            if (hc == HC_HO) hc <= 3'd0;
            else if (hc != 3'd0) hc <= hc + 3'd1;
            case (st)
                S_IDLE: if (start) begin
                    st <= S_ACC;
                    cur <= layer;
                    blk <= {EV_W{1'b0}};
                    nbase <= {EV_W{1'b0}};
                    j <= l_j0[layer];
                    e <= {EV_W{1'b0}};
                    rem <= r_new;
                    odd <= c_new[0];
                    for (q = 0; q < JT; q = q + 1) rowbase[q] <= PROJ_OFF[q*WA +: WA];
                end
                S_ACC: if (issue) begin
                        e <= e + 1'b1;
                        rem <= rem - 1'b1;
                    end else if (early) begin
                        // the next block at once (below); this one is handed over when summed
                        hc <= 3'd1;
                        hbase <= nbase;
                    end else if (j == l_jn[cur]) begin
                        st <= S_DRAIN;
                        dr <= 2'd0;
                    end else begin
                        j <= j + 1'b1;
                        e <= {EV_W{1'b0}};
                        rem <= r_new;
                        odd <= c_new[0];
                    end
                // the unit took the block (ho_base, hs); go on with the next one (below)
                S_WAIT: if (ho) st <= last_blk ? S_FIN : S_ACC;
                S_DRAIN: if (dr == DRAIN_LAST) st <= S_WAIT;
                    else dr <= dr + 1'b1;
                S_FIN: if (u_idle) st <= S_DONE;
                S_DONE: st <= S_IDLE;
                default: st <= S_IDLE;
            endcase
            if (next_blk) begin
                blk <= blk + 1'b1;
                nbase <= nbase + P_V;
                j <= l_j0[cur];
                e <= {EV_W{1'b0}};
                rem <= r_new;
                odd <= c_new[0];
                for (q = 0; q < JT; q = q + 1) rowbase[q] <= rowbase[q] + PROJ_SRC[q*WA +: WA];
            end
        end
    end
endmodule

`default_nettype wire
