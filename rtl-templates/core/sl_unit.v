// sl_unit: a neuron unit of the engine: updates the neurons of one or more dense layers (NL) one
// per cycle from the block sums the shared accumulators (sl_acc) hand over, while the
// accumulators already work on the next block. Only one layer runs at a time, so layers with the
// same update structure share a unit (plan::UnitPlan): their states live one layer after another
// in one state RAM (layer j's neuron n at L_OFF[j] + n), per-neuron parameter ROMs are laid out
// the same way, and the per-layer values (constant parameters, weight shift, size) are selected
// by the layer of the neuron in flight. The datapath is as wide as the widest layer.
// At the hand-off edge (ho, with the unit-local layer ho_lay) the unit takes the block's first
// neuron; then it issues one neuron per cycle (RUN, the block's valid lanes only:
// min(P, SIZE - base)), LAT = 7 cycles deep:
//   issue (cycle 0): state RAM and parameter ROM reads of neuron n0, the lane's sum shifted by
//                the layer's weight shift and registered
//   cycles 1..6: sl_neuron's deep streaming pipeline (PIPE = 3: inputs registered, X and the
//                decay products, rounding, leak and reset, membrane sum, saturation/compare)
//   cycle 7 (pv[LAT]): the state written back, the spike pushed into the layer's event buffer
//                (out_lay says which layer), the trace beat (one neuron per cycle)
// `busy`: the unit still needs this block's hand-off registers after this cycle (RUN and not
// the last lane), so the accumulators may hand over the next block in the last lane's cycle.
// `active`: anything in flight (RUN or a stage busy).
// The state RAM is cleared after reset through clr_en/clr_addr like every state memory.
// Convolution layers (CONV = 1, plan `PlanConfig::conv_units`): a convolution core hands its
// blocks over too (ho_conv = 1), with the block's state address (its slot, ho_addr) and last
// valid lane (ho_last); its lanes are output channels, so the neuron index steps by the
// layer's L_NSTEP (H_out * W_out) per lane while the state address steps by 1, and the state
// address travels through the pipeline beside the neuron for the write-back.
// Spike counts of different widths (CNT <= 3, plan::MIXED_COUNT_MAX_BITS): the division is
// CNT bits wide and each layer's count is capped at its L_NMAX (2^bits - 1 of its own width),
// selected by the layer in the output stage, where the division is.
// State in SPRAM (ST_SPRAM = 1, plan UnitPlan::state_spram, iCE40 UP5K): the membrane state
// RAM is one SB_SPRAM256KA (16K x 16, no-change read like sl_wspram), single-ported: a cycle
// either reads (an issue) or writes (a write-back or the clear). So the unit issues only in
// cycles without a write-back (iss): at full supply 7 neurons, then 7 cycles of their
// write-backs. `busy` holds until the block's last lane has issued.
// Rust twin: spikeloom-cyclesim `engine::Unit`.
`default_nettype none

module sl_unit #(
    parameter integer P = 1,          // lanes of the accumulators
    parameter integer KW = 1,         // lane counter width (holds P - 1)
    parameter integer EV_W = 8,       // neuron index width
    parameter integer CLR_W = 8,      // clear address width (sl_ctrl's)
    parameter integer NL = 1,         // layers
    parameter integer LW = 1,         // layer index width
    parameter integer SAW = 8,        // state address width
    parameter integer DEPTH = 1,      // state words (the layers' neurons)
    parameter integer ST_SPRAM = 0,   // 1: the state RAM is an SPRAM (SB <= 16, DEPTH <= 16384)
    parameter [NL*EV_W-1:0] L_SIZE = 1,  // neurons of layer j at j * EV_W
    parameter [NL*SAW-1:0] L_OFF = 0,    // state address of layer j's neuron 0
    parameter [NL*6-1:0] L_WS = 0,       // weight shift of layer j
    parameter [NL*3-1:0] L_NMAX = {NL{3'd7}},  // CNT <= 3: the largest count of layer j
    parameter integer CONV = 0,       // 1: convolution layers hand blocks over too (ho_conv)
    parameter [NL*EV_W-1:0] L_NSTEP = 0, // CONV: neuron step per lane of layer j (1 dense)
    parameter integer ACC_W = 16,     // width of the shared accumulators (hs lanes)
    parameter integer LACC = 16,      // datapath input: every layer's sum << its shift fits it
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
    parameter integer W = 32,
    parameter integer NW = 32,        // sl_neuron's stage width (plan::UnitPlan::stage_bits)
    parameter integer BETA_SA = 0,
    parameter integer ALPHA_SA = 0,
    // the shift-add decay constants (BETA_SA / ALPHA_SA: the same in every layer)
    parameter [DS:0] BETA_K = 0,
    parameter [DS:0] ALPHA_K = 0,
    // per-layer constants (layer j at j * width), or ROMs of one value per state word when
    // *_ROM = 1
    parameter [NL*PW-1:0] L_BIAS_K = 0,
    parameter [NL*PW-1:0] L_THETA_K = 0,
    parameter [NL*PW-1:0] L_VRESET_K = 0,
    parameter [NL*(DS+1)-1:0] L_BETA_K = 0,
    parameter [NL*(DS+1)-1:0] L_ALPHA_K = 0,
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
    input  wire [CLR_W-1:0]  clr_addr,
    // hand-off from the accumulators (ho already selects this unit's layer)
    input  wire              ho,
    input  wire [LW-1:0]     ho_lay,  // the unit-local layer of the block
    input  wire [EV_W-1:0]   ho_base,
    /* verilator lint_off UNUSEDSIGNAL */  // CONV = 1 only
    input  wire              ho_conv,  // the block comes from a convolution core
    input  wire [SAW-1:0]    ho_addr,  // ... its lane 0's layer-local state address
    input  wire [KW-1:0]     ho_last,  // ... and its last valid lane
    /* verilator lint_on UNUSEDSIGNAL */
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [P*ACC_W-1:0] hs,     // lanes wider than LACC carry sign copies
    /* verilator lint_on UNUSEDSIGNAL */
    output wire              busy,
    output wire              active,
    // this layer's spikes (push_val: the count, 1 for binary spikes)
    output wire [LW-1:0]     out_lay, // the layer of push and the trace beat (0 when idle)
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

    reg            run;
    reg [KW-1:0]   k;       // lane being issued
    reg [KW-1:0]   lastk;   // last valid lane of the block
    reg [EV_W-1:0] n0;      // neuron being issued (layer-local)
    reg [LW-1:0]   lay;     // its layer
    reg [SAW-1:0]  a0;      // its state address
    localparam integer LAT = 7;  // issue to write-back (plan::UNIT_LATENCY)
    reg [LAT:1]    pv;      // pv[k]: the neuron issued k cycles ago is in flight
    reg [EV_W-1:0] nv [1:LAT];
    reg [LW-1:0]   lv [1:LAT];
    wire [EV_W-1:0] n_out = nv[LAT];
    wire [LW-1:0]   l_out = lv[LAT];
    wire           p_out = pv[LAT];
    wire [LW-1:0]  lay1 = lv[1];  // the layer whose reads arrive this cycle
    reg signed [LACC-1:0] sum_q;

    // a neuron issues this cycle: with the state in SPRAM, not while one is written back
    wire iss = run && !((ST_SPRAM != 0) && p_out);
    assign busy = run && !(iss && (k == lastk));
    assign active = run || (pv != {LAT{1'b0}});

    // lanes of the block that hold real neurons: min(P, SIZE - base) - 1 (LEW bits hold both
    // the neuron count and the lane counter)
    localparam integer LEW = (EV_W + 1 > KW + 1) ? EV_W + 1 : KW + 1;
    localparam integer P_I_L = P;
    wire [EV_W-1:0] ho_size = L_SIZE[ho_lay*EV_W +: EV_W];
    wire [LEW-1:0] left = {{(LEW - EV_W){1'b0}}, ho_size} - {{(LEW - EV_W){1'b0}}, ho_base};
    localparam [LEW-1:0] P_L = P_I_L[LEW-1:0];
    wire [KW-1:0] ho_lastd = (left > P_L) ? P_LAST : left[KW-1:0] - 1'b1;

    // the lane's sum: a multiplexer over the P hand-off registers, shifted by the layer's
    // weight shift (exact in LACC bits: every layer's sum << its shift fits)
    reg signed [ACC_W-1:0] lane_sum;
    integer q;
    always @* begin
        lane_sum = {ACC_W{1'b0}};
        for (q = 0; q < P; q = q + 1)
            if (k == q[KW-1:0]) lane_sum = hs[q*ACC_W +: ACC_W];
    end
    localparam integer XW = (ACC_W > LACC) ? ACC_W : LACC;
    /* verilator lint_off UNUSEDSIGNAL */  // bits above LACC are sign copies
    wire signed [XW-1:0] lane_x = {{(XW - ACC_W){lane_sum[ACC_W-1]}}, lane_sum};
    wire signed [XW-1:0] lane_sh = lane_x <<< L_WS[lay*6 +: 6];
    /* verilator lint_on UNUSEDSIGNAL */

    // a neuron index as a state address (SAW may be wider than EV_W: a unit of several layers
    // holds more state words than its largest layer has neurons)
    wire [SAW-1:0] base_a;
    /* verilator lint_off UNUSEDSIGNAL */  // read by a unit of several dense layers only
    wire [SAW-1:0] nv_a;  // the neuron in stage LAT-1
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (SAW > EV_W) begin : g_aw_wide
            assign base_a = {{(SAW - EV_W){1'b0}}, ho_base};
            assign nv_a = {{(SAW - EV_W){1'b0}}, nv[LAT-1]};
        end else begin : g_aw_narrow
            assign base_a = ho_base[SAW-1:0];
            assign nv_a = nv[LAT-1][SAW-1:0];
        end
    endgenerate

    // state memories, addressed by layer offset + neuron; cleared after reset
    wire [SAW-1:0] raddr;
    wire [SAW-1:0] waddr;
    generate
        if (CONV != 0) begin : g_conv
            // the state address travels with the neuron (a convolution lane's neuron index
            // is not its address)
            reg [SAW-1:0] av [1:LAT];
            integer ta;
            always @(posedge clk) begin
                av[1] <= a0;
                for (ta = 2; ta <= LAT; ta = ta + 1) av[ta] <= av[ta-1];
            end
            assign raddr = a0;
            assign waddr = av[LAT];
        end else if (NL == 1) begin : g_one
            assign raddr = n0[SAW-1:0];
            assign waddr = n_out[SAW-1:0];
        end else begin : g_many
            // the write address, one stage ahead: the neuron in stage LAT-1 plus its offset
            reg [SAW-1:0] aw;
            always @(posedge clk) aw <= nv_a + L_OFF[lv[LAT-1]*SAW +: SAW];
            assign raddr = a0;
            assign waddr = aw;
        end
    endgenerate
    localparam integer DEPTH_I = DEPTH;
    localparam [CLR_W:0] DEPTH_E = DEPTH_I[CLR_W:0];
    wire            st_we = p_out || (clr_en && {1'b0, clr_addr} < DEPTH_E);
    wire [SAW-1:0]  st_waddr = clr_en ? clr_addr[SAW-1:0] : waddr;
    wire [SB-1:0] u_rd;
    wire signed [SB-1:0] u_new;
    generate
        if (ST_SPRAM != 0) begin : g_st_spram
            // one port: the write address when writing, else the issue's read address; the
            // read register keeps its value in a write cycle (no issue then)
            (* ram_style = "huge" *) reg [SB-1:0] mem [0:DEPTH-1];
            reg [SB-1:0] rd;
            wire [SAW-1:0] a = st_we ? st_waddr : raddr;
            always @(posedge clk) begin
                if (st_we) mem[a] <= clr_en ? {SB{1'b0}} : u_new;
                else rd <= mem[a];
            end
            assign u_rd = rd;
        end else begin : g_st_bram
            sl_ram #(.W(SB), .DEPTH(DEPTH), .AW(SAW)) u_state (
                .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {SB{1'b0}} : u_new),
                .raddr(raddr), .rdata(u_rd)
            );
        end
    endgenerate
    wire [CB-1:0] i_rd;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CB-1:0] i_new;  // only stored by CubaLif and CubaLi units
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (KIND == 1 || KIND == 3) begin : g_current
            sl_ram #(.W(CB), .DEPTH(DEPTH), .AW(SAW)) u_current (
                .clk(clk), .we(st_we), .waddr(st_waddr), .wdata(clr_en ? {CB{1'b0}} : i_new),
                .raddr(raddr), .rdata(i_rd)
            );
        end else begin : g_no_current
            assign i_rd = {CB{1'b0}};
        end
    endgenerate

    // per-neuron parameters: a ROM word read with the state, or the layer's constant
    wire [PW-1:0] bias_r, theta_r, vreset_r;
    wire [DS:0] beta_r, alpha_r;
    sl_param #(.P(1), .PW(PW), .NB(DEPTH), .AW(SAW), .ROM(BIAS_ROM), .INIT_FILE(BIAS_FILE))
        u_bias (.clk(clk), .addr(raddr), .word(bias_r));
    sl_param #(.P(1), .PW(PW), .NB(DEPTH), .AW(SAW), .ROM(THETA_ROM), .INIT_FILE(THETA_FILE))
        u_theta (.clk(clk), .addr(raddr), .word(theta_r));
    sl_param #(.P(1), .PW(PW), .NB(DEPTH), .AW(SAW), .ROM(VRESET_ROM), .INIT_FILE(VRESET_FILE))
        u_vreset (.clk(clk), .addr(raddr), .word(vreset_r));
    sl_param #(.P(1), .PW(DS + 1), .NB(DEPTH), .AW(SAW), .ROM(BETA_ROM), .INIT_FILE(BETA_FILE))
        u_beta (.clk(clk), .addr(raddr), .word(beta_r));
    sl_param #(.P(1), .PW(DS + 1), .NB(DEPTH), .AW(SAW), .ROM(ALPHA_ROM), .INIT_FILE(ALPHA_FILE))
        u_alpha (.clk(clk), .addr(raddr), .word(alpha_r));
    wire [PW-1:0] bias_w = (BIAS_ROM != 0) ? bias_r : L_BIAS_K[lay1*PW +: PW];
    wire [PW-1:0] theta_w = (THETA_ROM != 0) ? theta_r : L_THETA_K[lay1*PW +: PW];
    wire [PW-1:0] vreset_w = (VRESET_ROM != 0) ? vreset_r : L_VRESET_K[lay1*PW +: PW];
    wire [DS:0] beta_w = (BETA_ROM != 0) ? beta_r : L_BETA_K[lay1*(DS+1) +: DS + 1];
    wire [DS:0] alpha_w = (ALPHA_ROM != 0) ? alpha_r : L_ALPHA_K[lay1*(DS+1) +: DS + 1];

    wire [SPW-1:0] cnt;
    sl_neuron #(
        .KIND(KIND), .RESET(RESET), .RESET_DELAY(RESET_DELAY), .ROUND(ROUND), .ACC_W(LACC),
        .SB(SB), .CB(CB), .PW(PW), .DS(DS), .WS(0), .W(W), .NW(NW), .BETA_SA(BETA_SA), .ALPHA_SA(ALPHA_SA),
        .BETA_K(BETA_K), .ALPHA_K(ALPHA_K), .PIPE(3), .CNT(CNT), .FLOOR(FLOOR), .SPW(SPW)
    ) u_neuron (
        .clk(clk), .ld(1'b1), .acc(sum_q), .u(u_rd), .i_cur(i_rd),
        .bias(bias_w), .theta(theta_w), .v_reset(vreset_w), .beta(beta_w), .alpha(alpha_w),
        .n_max(L_NMAX[l_out*3 +: 3]),
        .u_next(u_new), .i_next(i_new), .spike(cnt)
    );

    assign out_lay = p_out ? l_out : {LW{1'b0}};
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
            lay <= {LW{1'b0}};
            a0 <= {SAW{1'b0}};
            pv <= {LAT{1'b0}};
            for (t = 1; t <= LAT; t = t + 1) begin
                nv[t] <= {EV_W{1'b0}};
                lv[t] <= {LW{1'b0}};
            end
        end else begin
            pv <= {pv[LAT-1:1], iss};
            nv[1] <= n0;
            lv[1] <= lay;
            for (t = 2; t <= LAT; t = t + 1) begin
                nv[t] <= nv[t-1];
                lv[t] <= lv[t-1];
            end
            if (iss) sum_q <= lane_sh[LACC-1:0];
            if (ho) begin
                run <= 1'b1;
                k <= {KW{1'b0}};
                lastk <= (CONV != 0 && ho_conv) ? ho_last : ho_lastd;
                n0 <= ho_base;
                lay <= ho_lay;
                a0 <= ((CONV != 0 && ho_conv) ? ho_addr : base_a) + L_OFF[ho_lay*SAW +: SAW];
            end else if (iss) begin
                if (k == lastk) run <= 1'b0;
                k <= k + 1'b1;
                n0 <= (CONV != 0) ? n0 + L_NSTEP[lay*EV_W +: EV_W] : n0 + 1'b1;
                a0 <= a0 + 1'b1;
            end
        end
    end
endmodule

`default_nettype wire
