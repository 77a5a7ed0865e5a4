// sl_core: one layer on P lanes ("output-block stationary").
// For each block of P neurons: stream the events of every projection (one weight word of P
// weights per event into P accumulators), then update the P neurons in one cycle (UPD, the trace
// beat), then push the block's spikes one per cycle into the layer's event buffer (SPK).
// State machine (one line per state, cycles per block = sum_j (events_j + 1) + 3 + spikes):
//   IDLE -start-> ACC: issue one event read per cycle; one bubble cycle per projection switch
//   ACC -> WAIT (1 cycle: the last weight word is accumulated) -> UPD -> SPK -> ACC (next block) | DONE
//   DONE (done = 1 for one cycle) -> IDLE
// Pipeline: event read (buffer, 1 cycle) -> weight store read (1 cycle) -> accumulate.
// Weights: the core's rows live in the design's shared weight store (sl_rom or sl_wspram in
// spikeloom_top, one read port: one core runs at a time); the core drives the word address on
// w_addr while its read is valid (0 otherwise, so the cores' addresses can be ORed) and takes
// the registered word on w_word one cycle later (its P * WB low bits are the row).
// Neuron update in two stages (sl_neuron PIPE = 1): stage 1 in WAIT on the accumulator's final
// sum (the last weight word added combinationally), stage 2 in UPD. State RAM and parameter
// reads are addressed by blk, which is constant from the first ACC cycle of the block, so they
// are already valid in WAIT (ACC lasts at least one cycle).
// Event values (VB > 1: graded input or spike counts of the sources): the value read with the
// event index is registered beside the weight ROM read (val2), and the lanes add value * weight
// (VMUL = 0: shift-add over the VB value bits, VMUL = 1: the `*` operator, a DSP when mapped);
// VB = 1 adds the plain weight, no multiplier. Spike counts (CNT > 0): the UPD cycle also
// registers every lane's count, and each SPK push carries its lane's count (push_val).
// Rust twin: spikeloom-cyclesim `core::Core`.
`default_nettype none

module sl_core #(
    parameter integer P = 1,          // lanes
    parameter integer NB = 1,         // blocks
    parameter integer EV_W = 8,       // event index/count/address width (also block counter)
    parameter [EV_W-1:0] SIZE = 1,    // neurons
    parameter integer J = 1,          // projections
    parameter integer WA = 8,         // weight store address width
    parameter [J*WA-1:0] PROJ_OFF = 0,  // store word of projection j's row 0 (packed, j = 0 in the LSBs)
    parameter [J*WA-1:0] PROJ_SRC = 0,  // source size of projection j
    parameter [J-1:0] PROJ_DELAYED = 0,
    parameter integer WB = 8,         // weight bits
    parameter integer ACC_W = 16,
    parameter integer VB = 1,         // event value width (1: binary spikes, ev_rval unused)
    parameter integer VMUL = 0,       // VB > 1: 0 shift-add product, 1 `*` operator
    // neuron datapath (see sl_neuron)
    parameter integer KIND = 0,
    parameter integer CNT = 0,        // spike count bits (0: binary spikes)
    parameter integer FLOOR = 0,      // CNT > 0: clamp at -theta after the count
    parameter integer SPW = 1,         // spike width: CNT, or 1 for binary spikes
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
    // per-layer constants, or ROMs of P lanes per block when *_ROM = 1
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
    input  wire              start,
    output wire              done,
    // state clearing after reset (driven by the controller)
    input  wire              clr_en,
    input  wire [EV_W-1:0]   clr_addr,
    // event buffers of the J projections' sources (count of the bank each projection reads)
    input  wire [J*EV_W-1:0] ev_cnt,
    input  wire [J*EV_W-1:0] ev_rdata,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [J*VB-1:0]   ev_rval,   // values of the events on ev_rdata (VB > 1 only)
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [EV_W-1:0]   ev_raddr,
    output wire              ev_rprev,
    // the shared weight store's read port
    output wire [WA-1:0]     w_addr,
    input  wire [P*WB-1:0]   w_word,
    // this layer's spikes (push_val: the count, 1 for binary spikes)
    output wire              push,
    output wire [EV_W-1:0]   push_idx,
    output wire [SPW-1:0]     push_val,
    // verification trace (all zero unless trace_valid)
    output wire              trace_valid,
    output wire [EV_W-1:0]   trace_base,
    output wire [P-1:0]      trace_lane_valid,
    output wire [P*32-1:0]   trace_v,
    output wire [P*SPW-1:0]   trace_spike
);
    localparam [2:0] S_IDLE = 3'd0, S_ACC = 3'd1, S_WAIT = 3'd2, S_UPD = 3'd3, S_SPK = 3'd4, S_DONE = 3'd5;
    localparam integer JW = (J > 1) ? $clog2(J) : 1;
    localparam integer J_LAST_I = J - 1;
    localparam integer NB_LAST_I = NB - 1;
    localparam integer NB_I = NB;
    localparam integer P_I = P;
    localparam [JW-1:0] J_LAST = J_LAST_I[JW-1:0];
    localparam [EV_W-1:0] NB_LAST = NB_LAST_I[EV_W-1:0];
    localparam [EV_W-1:0] NB_V = NB_I[EV_W-1:0];
    localparam [EV_W-1:0] P_V = P_I[EV_W-1:0];

    reg [2:0]      st;
    reg [EV_W-1:0] blk;     // current block
    reg [EV_W-1:0] nbase;   // blk * P
    reg [JW-1:0]   j;       // current projection
    reg [EV_W-1:0] e;       // next event to read
    reg            v1;      // event read issued last cycle
    reg [JW-1:0]   j1;      // its projection
    reg            v2;      // weight word arrives this cycle
    reg [P-1:0]    mask;    // spikes of the block not yet pushed
    reg [WA-1:0]   rowbase [0:J-1];  // PROJ_OFF[j] + blk * PROJ_SRC[j]

    wire [EV_W-1:0] cnt_sel [0:J-1];
    wire [EV_W-1:0] rd_sel [0:J-1];
    wire [VB-1:0]   rv_sel [0:J-1];
    genvar g;
    generate
        for (g = 0; g < J; g = g + 1) begin : g_proj
            assign cnt_sel[g] = ev_cnt[g*EV_W +: EV_W];
            assign rd_sel[g] = ev_rdata[g*EV_W +: EV_W];
            assign rv_sel[g] = ev_rval[g*VB +: VB];
        end
    endgenerate
    // value of the event whose weight word arrives next cycle (registered with the ROM read)
    /* verilator lint_off UNUSEDSIGNAL */
    reg [VB-1:0] val2;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) val2 <= rv_sel[j1];

    wire issue = (st == S_ACC) && (e < cnt_sel[j]);
    assign ev_raddr = issue ? e : {EV_W{1'b0}};
    assign ev_rprev = issue && PROJ_DELAYED[j];

    // weight store read: word rowbase[j1] + event index, driven only while the read is valid
    wire [WA-1:0] w_row;
    generate
        if (WA > EV_W) begin : g_wa_wide
            assign w_row = rowbase[j1] + {{(WA - EV_W){1'b0}}, rd_sel[j1]};
        end else begin : g_wa_same
            assign w_row = rowbase[j1] + rd_sel[j1];
        end
    endgenerate
    assign w_addr = v1 ? w_row : {WA{1'b0}};

    // state memories, addressed by block; cleared after reset
    wire            st_we = (st == S_UPD) || (clr_en && clr_addr < NB_V);
    wire [EV_W-1:0] st_waddr = clr_en ? clr_addr : blk;
    wire [P*SB-1:0] u_word;
    wire [P*SB-1:0] u_next_word;
    sl_ram #(.W(P * SB), .DEPTH(NB), .AW(EV_W)) u_state (
        .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {(P * SB){1'b0}} : u_next_word),
        .raddr(blk), .rdata(u_word)
    );
    wire [P*CB-1:0] i_word;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [P*CB-1:0] i_next_word;  // only stored by CubaLif and CubaLi cores
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (KIND == 1 || KIND == 3) begin : g_current
            sl_ram #(.W(P * CB), .DEPTH(NB), .AW(EV_W)) u_current (
                .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {(P * CB){1'b0}} : i_next_word),
                .raddr(blk), .rdata(i_word)
            );
        end else begin : g_no_current
            assign i_word = {(P * CB){1'b0}};
        end
    endgenerate

    // per-neuron parameters: constant or ROM word of P lanes for the block
    wire [P*PW-1:0] bias_word;
    wire [P*PW-1:0] theta_word;
    wire [P*PW-1:0] vreset_word;
    wire [P*(DS+1)-1:0] beta_word;
    wire [P*(DS+1)-1:0] alpha_word;
    sl_param #(.P(P), .PW(PW), .NB(NB), .AW(EV_W), .ROM(BIAS_ROM), .K(BIAS_K), .INIT_FILE(BIAS_FILE))
        u_bias (.clk(clk), .addr(blk), .word(bias_word));
    sl_param #(.P(P), .PW(PW), .NB(NB), .AW(EV_W), .ROM(THETA_ROM), .K(THETA_K), .INIT_FILE(THETA_FILE))
        u_theta (.clk(clk), .addr(blk), .word(theta_word));
    sl_param #(.P(P), .PW(PW), .NB(NB), .AW(EV_W), .ROM(VRESET_ROM), .K(VRESET_K), .INIT_FILE(VRESET_FILE))
        u_vreset (.clk(clk), .addr(blk), .word(vreset_word));
    sl_param #(.P(P), .PW(DS + 1), .NB(NB), .AW(EV_W), .ROM(BETA_ROM), .K(BETA_K), .INIT_FILE(BETA_FILE))
        u_beta (.clk(clk), .addr(blk), .word(beta_word));
    sl_param #(.P(P), .PW(DS + 1), .NB(NB), .AW(EV_W), .ROM(ALPHA_ROM), .K(ALPHA_K), .INIT_FILE(ALPHA_FILE))
        u_alpha (.clk(clk), .addr(blk), .word(alpha_word));

    // lanes: accumulator + neuron update
    wire [P-1:0] lane_valid;
    wire [P-1:0] lane_spike;          // lane fired (count != 0)
    wire [P*SPW-1:0] lane_cnt;         // spike or count per lane
    generate
        for (g = 0; g < P; g = g + 1) begin : g_lane
            localparam [EV_W:0] LANE = g;
            reg signed [ACC_W-1:0] acc;
            wire signed [WB-1:0] w = w_word[g*WB +: WB];
            wire signed [ACC_W-1:0] w_x = {{(ACC_W - WB){w[WB-1]}}, w};
            // the term one event adds: the weight, or value * weight
            wire signed [ACC_W-1:0] term;
            if (VB == 1) begin : g_bin
                assign term = w_x;
            end else if (VMUL != 0) begin : g_mul
                assign term = w_x * $signed({{(ACC_W - VB){1'b0}}, val2});
            end else begin : g_sa
                reg signed [ACC_W-1:0] t;
                integer b;
                always @* begin
                    t = {ACC_W{1'b0}};
                    for (b = 0; b < VB; b = b + 1)
                        if (val2[b]) t = t + (w_x <<< b);
                end
                assign term = t;
            end
            // acc_d: the accumulator's next value. In S_WAIT it is the final sum the update sees
            // in S_UPD (no weight word arrives in S_UPD), so the neuron's stage 1 runs in S_WAIT
            // on acc_d and S_UPD only does stage 2: a timing split with the same cycle schedule.
            wire signed [ACC_W-1:0] acc_d = v2 ? acc + term : acc;
            always @(posedge clk) begin
                if (rst || st == S_UPD || (st == S_IDLE && start)) acc <= {ACC_W{1'b0}};
                else acc <= acc_d;
            end
            wire signed [SB-1:0] u_new;
            sl_neuron #(
                .KIND(KIND), .RESET(RESET), .RESET_DELAY(RESET_DELAY), .ROUND(ROUND), .ACC_W(ACC_W),
                .SB(SB), .CB(CB), .PW(PW), .DS(DS), .WS(WS), .W(W), .BETA_SA(BETA_SA), .ALPHA_SA(ALPHA_SA),
                .BETA_K(BETA_K), .ALPHA_K(ALPHA_K), .PIPE(1), .CNT(CNT), .FLOOR(FLOOR), .SPW(SPW)
            ) u_neuron (
                .clk(clk), .ld(st == S_WAIT), .acc(acc_d), .u(u_word[g*SB +: SB]), .i_cur(i_word[g*CB +: CB]),
                .bias(bias_word[g*PW +: PW]), .theta(theta_word[g*PW +: PW]),
                .v_reset(vreset_word[g*PW +: PW]), .beta(beta_word[g*(DS+1) +: DS+1]),
                .alpha(alpha_word[g*(DS+1) +: DS+1]),
                .u_next(u_new), .i_next(i_next_word[g*CB +: CB]), .spike(lane_cnt[g*SPW +: SPW])
            );
            assign lane_spike[g] = |lane_cnt[g*SPW +: SPW];
            assign u_next_word[g*SB +: SB] = u_new;
            assign lane_valid[g] = ({1'b0, nbase} + LANE) < {1'b0, SIZE};
            if (SB < 32) begin : g_ext
                assign trace_v[g*32 +: 32] = trace_valid ? {{(32 - SB){u_new[SB-1]}}, u_new} : 32'd0;
            end else begin : g_full
                assign trace_v[g*32 +: 32] = trace_valid ? u_new : 32'd0;
            end
        end
    endgenerate

    assign trace_valid = st == S_UPD;
    assign trace_base = trace_valid ? nbase : {EV_W{1'b0}};
    assign trace_lane_valid = trace_valid ? lane_valid : {P{1'b0}};
    generate
        for (g = 0; g < P; g = g + 1) begin : g_tspk
            assign trace_spike[g*SPW +: SPW] = (trace_valid && lane_valid[g]) ? lane_cnt[g*SPW +: SPW] : {SPW{1'b0}};
        end
    endgenerate

    // spike counts of the block, registered in UPD for the pushes
    /* verilator lint_off UNUSEDSIGNAL */
    reg [P*SPW-1:0] cnt_q;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) if (CNT > 0 && st == S_UPD) cnt_q <= lane_cnt;

    // lowest pending spike (and its count)
    reg [EV_W-1:0] low;
    reg [SPW-1:0]   low_val;
    integer k;
    always @* begin
        low = {EV_W{1'b0}};
        low_val = {SPW{1'b0}};
        for (k = P - 1; k >= 0; k = k - 1)
            if (mask[k]) begin
                low = k[EV_W-1:0];
                low_val = cnt_q[k*SPW +: SPW];
            end
    end
    assign push = (st == S_SPK) && (mask != {P{1'b0}});
    assign push_idx = push ? nbase + low : {EV_W{1'b0}};
    localparam [SPW-1:0] ONE_SW = 1;
    assign push_val = !push ? {SPW{1'b0}} : (CNT > 0) ? low_val : ONE_SW;
    assign done = st == S_DONE;

    integer q;
    always @(posedge clk) begin
        if (rst) begin
            st <= S_IDLE;
            blk <= {EV_W{1'b0}};
            nbase <= {EV_W{1'b0}};
            j <= {JW{1'b0}};
            e <= {EV_W{1'b0}};
            v1 <= 1'b0;
            j1 <= {JW{1'b0}};
            v2 <= 1'b0;
            mask <= {P{1'b0}};
            for (q = 0; q < J; q = q + 1) rowbase[q] <= {WA{1'b0}};
        end else begin
            v1 <= issue;
            j1 <= j;
            v2 <= v1;
            case (st)
                S_IDLE: if (start) begin
                    st <= S_ACC;
                    blk <= {EV_W{1'b0}};
                    nbase <= {EV_W{1'b0}};
                    j <= {JW{1'b0}};
                    e <= {EV_W{1'b0}};
                    for (q = 0; q < J; q = q + 1) rowbase[q] <= PROJ_OFF[q*WA +: WA];
                end
                S_ACC: if (issue) e <= e + 1'b1;
                    else if (j == J_LAST) st <= S_WAIT;
                    else begin
                        j <= j + 1'b1;
                        e <= {EV_W{1'b0}};
                    end
                S_WAIT: st <= S_UPD;
                S_UPD: begin
                    mask <= lane_spike & lane_valid;
                    st <= S_SPK;
                end
                S_SPK: if (mask != {P{1'b0}}) mask <= mask & (mask - 1'b1);
                    else if (blk == NB_LAST) st <= S_DONE;
                    else begin
                        st <= S_ACC;
                        blk <= blk + 1'b1;
                        nbase <= nbase + P_V;
                        j <= {JW{1'b0}};
                        e <= {EV_W{1'b0}};
                        for (q = 0; q < J; q = q + 1) rowbase[q] <= rowbase[q] + PROJ_SRC[q*WA +: WA];
                    end
                default: st <= S_IDLE;  // S_DONE
            endcase
        end
    end
endmodule

`default_nettype wire
