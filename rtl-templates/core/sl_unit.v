// sl_unit: the neuron unit of one dense layer in the engine: updates the layer's neurons one per
// cycle from the block sums the shared accumulators (sl_acc) hand over, while the accumulators
// already work on the next block.
// At the hand-off edge (ho) the unit takes the block's first neuron; then it issues one neuron
// per cycle (RUN, the block's valid lanes only: min(P, SIZE - base)), LAT = 7 cycles deep:
//   issue (cycle 0): state RAM and parameter ROM reads of neuron n0, the lane's sum registered
//   cycles 1..6: sl_neuron's deep streaming pipeline (PIPE = 3: inputs registered, X and the
//                decay products, rounding, leak and reset, membrane sum, saturation/compare)
//   cycle 7 (pv[LAT]): the state written back, the spike pushed into the layer's event buffer,
//                the trace beat (one neuron per cycle)
// `busy`: the unit still needs this block's hand-off registers after this cycle (RUN and not
// the last lane), so the accumulators may hand over the next block in the last lane's cycle.
// `active`: anything in flight (RUN or a stage busy).
// State and parameters are per neuron: the state RAM is addressed by the neuron index, cleared
// after reset through clr_en/clr_addr like every state memory.
// Rust twin: spikeloom-cyclesim `engine::Unit`.
`default_nettype none

module sl_unit #(
    parameter integer P = 1,          // lanes of the accumulators
    parameter integer KW = 1,         // lane counter width (holds P - 1)
    parameter integer EV_W = 8,       // neuron index width
    parameter [EV_W-1:0] SIZE = 1,    // neurons
    parameter integer ACC_W = 16,     // width of the shared accumulators (hs lanes)
    parameter integer LACC = 16,      // this layer's accumulator width (its sums fit it)
    // neuron datapath (see sl_neuron)
    parameter integer KIND = 0,
    parameter integer CNT = 0,
    parameter integer FLOOR = 0,
    parameter integer SPW = 1,
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
    // per-layer constants, or ROMs of one value per neuron when *_ROM = 1
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
    // state clearing after reset (driven by the controller)
    input  wire              clr_en,
    input  wire [EV_W-1:0]   clr_addr,
    // hand-off from the accumulators (ho already selects this unit's layer)
    input  wire              ho,
    input  wire [EV_W-1:0]   ho_base,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [P*ACC_W-1:0] hs,     // lanes wider than LACC carry sign copies
    /* verilator lint_on UNUSEDSIGNAL */
    output wire              busy,
    output wire              active,
    // this layer's spikes (push_val: the count, 1 for binary spikes)
    output wire              push,
    output wire [EV_W-1:0]   push_idx,
    output wire [SPW-1:0]    push_val,
    // verification trace: one neuron per cycle (all zero unless trace_valid)
    output wire              trace_valid,
    output wire [EV_W-1:0]   trace_neuron,
    output wire [31:0]       trace_v,
    output wire [SPW-1:0]    trace_spike
);
    localparam integer P_LAST_I = P - 1;
    localparam [KW-1:0] P_LAST = P_LAST_I[KW-1:0];
    localparam integer SIZE_I = {{(32 - EV_W){1'b0}}, SIZE};

    reg            run;
    reg [KW-1:0]   k;       // lane being issued
    reg [KW-1:0]   lastk;   // last valid lane of the block
    reg [EV_W-1:0] n0;      // neuron being issued
    localparam integer LAT = 7;  // issue to write-back (plan::UNIT_LATENCY)
    reg [LAT:1]    pv;      // pv[k]: the neuron issued k cycles ago is in flight
    reg [EV_W-1:0] nv [1:LAT];
    wire [EV_W-1:0] n_out = nv[LAT];
    wire           p_out = pv[LAT];
    /* verilator lint_off UNUSEDSIGNAL */  // bits above LACC are sign copies
    reg signed [ACC_W-1:0] sum_q;
    /* verilator lint_on UNUSEDSIGNAL */

    assign busy = run && (k != lastk);
    assign active = run || (pv != {LAT{1'b0}});

    // lanes of the block that hold real neurons: min(P, SIZE - base) - 1 (LEW bits hold both
    // the neuron count and the lane counter)
    localparam integer LEW = (EV_W + 1 > KW + 1) ? EV_W + 1 : KW + 1;
    localparam integer P_I_L = P;
    wire [LEW-1:0] left = {{(LEW - EV_W){1'b0}}, SIZE} - {{(LEW - EV_W){1'b0}}, ho_base};
    localparam [LEW-1:0] P_L = P_I_L[LEW-1:0];
    wire [KW-1:0] ho_last = (left > P_L) ? P_LAST : left[KW-1:0] - 1'b1;

    // the lane's sum: a multiplexer over the P hand-off registers
    reg signed [ACC_W-1:0] lane_sum;
    integer q;
    always @* begin
        lane_sum = {ACC_W{1'b0}};
        for (q = 0; q < P; q = q + 1)
            if (k == q[KW-1:0]) lane_sum = hs[q*ACC_W +: ACC_W];
    end

    // state memories, addressed by neuron; cleared after reset
    wire            st_we = p_out || (clr_en && clr_addr < SIZE);
    wire [EV_W-1:0] st_waddr = clr_en ? clr_addr : n_out;
    wire [SB-1:0] u_rd;
    wire signed [SB-1:0] u_new;
    sl_ram #(.W(SB), .DEPTH(SIZE_I), .AW(EV_W)) u_state (
        .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {SB{1'b0}} : u_new),
        .raddr(n0), .rdata(u_rd)
    );
    wire [CB-1:0] i_rd;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CB-1:0] i_new;  // only stored by CubaLif and CubaLi units
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (KIND == 1 || KIND == 3) begin : g_current
            sl_ram #(.W(CB), .DEPTH(SIZE_I), .AW(EV_W)) u_current (
                .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {CB{1'b0}} : i_new),
                .raddr(n0), .rdata(i_rd)
            );
        end else begin : g_no_current
            assign i_rd = {CB{1'b0}};
        end
    endgenerate

    // per-neuron parameters: constant or ROM word, read with the state
    wire [PW-1:0] bias_w, theta_w, vreset_w;
    wire [DS:0] beta_w, alpha_w;
    sl_param #(.P(1), .PW(PW), .NB(SIZE_I), .AW(EV_W), .ROM(BIAS_ROM), .K(BIAS_K), .INIT_FILE(BIAS_FILE))
        u_bias (.clk(clk), .addr(n0), .word(bias_w));
    sl_param #(.P(1), .PW(PW), .NB(SIZE_I), .AW(EV_W), .ROM(THETA_ROM), .K(THETA_K), .INIT_FILE(THETA_FILE))
        u_theta (.clk(clk), .addr(n0), .word(theta_w));
    sl_param #(.P(1), .PW(PW), .NB(SIZE_I), .AW(EV_W), .ROM(VRESET_ROM), .K(VRESET_K), .INIT_FILE(VRESET_FILE))
        u_vreset (.clk(clk), .addr(n0), .word(vreset_w));
    sl_param #(.P(1), .PW(DS + 1), .NB(SIZE_I), .AW(EV_W), .ROM(BETA_ROM), .K(BETA_K), .INIT_FILE(BETA_FILE))
        u_beta (.clk(clk), .addr(n0), .word(beta_w));
    sl_param #(.P(1), .PW(DS + 1), .NB(SIZE_I), .AW(EV_W), .ROM(ALPHA_ROM), .K(ALPHA_K), .INIT_FILE(ALPHA_FILE))
        u_alpha (.clk(clk), .addr(n0), .word(alpha_w));

    wire [SPW-1:0] cnt;
    sl_neuron #(
        .KIND(KIND), .RESET(RESET), .RESET_DELAY(RESET_DELAY), .ROUND(ROUND), .ACC_W(LACC),
        .SB(SB), .CB(CB), .PW(PW), .DS(DS), .WS(WS), .W(W), .BETA_SA(BETA_SA), .ALPHA_SA(ALPHA_SA),
        .BETA_K(BETA_K), .ALPHA_K(ALPHA_K), .PIPE(3), .CNT(CNT), .FLOOR(FLOOR), .SPW(SPW)
    ) u_neuron (
        .clk(clk), .ld(1'b1), .acc(sum_q[LACC-1:0]), .u(u_rd), .i_cur(i_rd),
        .bias(bias_w), .theta(theta_w), .v_reset(vreset_w), .beta(beta_w), .alpha(alpha_w),
        .u_next(u_new), .i_next(i_new), .spike(cnt)
    );

    assign push = p_out && (cnt != {SPW{1'b0}});
    assign push_idx = push ? n_out : {EV_W{1'b0}};
    assign push_val = push ? cnt : {SPW{1'b0}};
    assign trace_valid = p_out;
    assign trace_neuron = p_out ? n_out : {EV_W{1'b0}};
    generate
        if (SB < 32) begin : g_ext
            assign trace_v = p_out ? {{(32 - SB){u_new[SB-1]}}, u_new} : 32'd0;
        end else begin : g_full
            assign trace_v = p_out ? u_new : 32'd0;
        end
    endgenerate
    assign trace_spike = p_out ? cnt : {SPW{1'b0}};

    integer t;
    always @(posedge clk) begin
        if (rst) begin
            run <= 1'b0;
            k <= {KW{1'b0}};
            lastk <= {KW{1'b0}};
            n0 <= {EV_W{1'b0}};
            pv <= {LAT{1'b0}};
            for (t = 1; t <= LAT; t = t + 1) nv[t] <= {EV_W{1'b0}};
        end else begin
            pv <= {pv[LAT-1:1], run};
            nv[1] <= n0;
            for (t = 2; t <= LAT; t = t + 1) nv[t] <= nv[t-1];
            if (run) sum_q <= lane_sum;
            if (ho) begin
                run <= 1'b1;
                k <= {KW{1'b0}};
                lastk <= ho_last;
                n0 <= ho_base;
            end else if (run) begin
                if (k == lastk) run <= 1'b0;
                k <= k + 1'b1;
                n0 <= n0 + 1'b1;
            end
        end
    end
endmodule

`default_nettype wire
