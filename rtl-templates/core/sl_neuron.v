// sl_neuron: the neuron update of one lane, exactly the integer contract of spikeloom-qnet
// (crates/qnet/src/net.rs module doc). Every intermediate is W bits wide; the planner derives W
// by interval arithmetic so nothing can overflow.
// PIPE = 0: purely combinational (clk/ld unused). PIPE = 1: timing split in two stages. Stage 1
// (X, the synaptic current, leak plus drive, the reset `pre`) is computed from the inputs in
// the cycle where `ld` = 1 and registered; stage 2 (reset, saturation, threshold) uses those
// registers and the live u/theta/v_reset/beta, which the caller must hold stable until the
// cycle after `ld`. The caller drives `acc` in the `ld` cycle with the value the accumulator
// will hold in the update cycle, so the result is the same integer and no cycle is added.
// PIPE = 2: streaming, one neuron per cycle: as PIPE = 1, but theta and v_reset are registered
// with stage 1 too, so every input may change in the cycle after `ld` (the engine's unit,
// sl_unit.v, feeds a new neuron every cycle).
// Spike counts (CNT > 0, QFire::Count): U = sat(dec(U, beta) + drive), then a restoring division
// in radix 8 (ceil(CNT / 3) subtraction levels, all multiples of theta compared at once) gives
// n = min(max(floor(U / theta), 0), 2^CNT - 1) and U - n * theta in one pass (theta > 0: a
// negative U passes nothing; a U beyond the range passes everything, the saturated count);
// FLOOR = 1 then clamps U at -theta. The division sits in stage 2, no extra cycle: a 3-bit count
// core closes at ~19 MHz on the UP5K (one subtraction level after `sat`).
// Rust twin: spikeloom-cyclesim `neuron::update`.
`default_nettype none

module sl_neuron #(
    parameter integer KIND = 0,         // 0 Lif, 1 CubaLif, 2 Li, 3 CubaLi
    parameter integer RESET = 0,        // 0 subtract, 1 zero keeping input, 2 zero dropping input, 3 none
    parameter integer RESET_DELAY = 1,  // 0: immediate reset after the spike (snnTorch reset_delay=False)
    parameter integer ROUND = 0,        // 0 floor, 1 half up
    parameter integer ACC_W = 16,       // accumulator width (< W)
    parameter integer SB = 16,          // membrane width (< W)
    parameter integer CB = 2,           // current width (< W)
    parameter integer PW = 16,          // bias/threshold/reset-value width (< W)
    parameter integer DS = 8,           // decay fraction bits (DS + 2 <= W)
    parameter integer WS = 0,           // weight shift
    parameter integer W = 32,           // work width
    parameter integer PIPE = 0,         // 1: register stage 1 on `ld`; 2: also theta/v_reset (see header)
    parameter integer CNT = 0,          // spike count bits (0: one binary spike, U > theta)
    parameter integer FLOOR = 0,        // CNT > 0: clamp U at -theta after the division
    parameter integer SPW = 1,           // width of `spike`: CNT, or 1 for binary spikes
    parameter integer BETA_SA = 0,      // 1: beta is the constant BETA_K, built by shift-and-add
    parameter integer ALPHA_SA = 0,     // 1: alpha is the constant ALPHA_K, built by shift-and-add
    parameter [DS:0] BETA_K = 0,
    parameter [DS:0] ALPHA_K = 0
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                    clk,  // PIPE = 1 only
    input  wire                    ld,   // PIPE = 1 only: capture stage 1 this cycle
    // Which inputs matter depends on KIND/RESET/*_SA; the rest are tied off by the core.
    input  wire signed [ACC_W-1:0] acc,
    input  wire signed [SB-1:0]    u,
    input  wire signed [CB-1:0]    i_cur,
    input  wire signed [PW-1:0]    bias,
    input  wire signed [PW-1:0]    theta,
    input  wire signed [PW-1:0]    v_reset,
    input  wire        [DS:0]      beta,
    input  wire        [DS:0]      alpha,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire signed [SB-1:0]    u_next,
    output wire signed [CB-1:0]    i_next,
    output wire        [SPW-1:0]    spike   // binary spike, or the spike count (CNT > 0)
);
    localparam [W-1:0] ONE = 1;
    localparam [W-1:0] HALF = (ONE << DS) >> 1;         // 2^(DS-1), 0 when DS = 0
    localparam signed [W-1:0] ZERO = 0;
    localparam signed [W-1:0] SMAX = (ONE << (SB - 1)) - ONE;
    localparam signed [W-1:0] SMIN = ~SMAX;
    localparam signed [W-1:0] CMAX = (ONE << (CB - 1)) - ONE;
    localparam signed [W-1:0] CMIN = ~CMAX;

    // round_shift(d * v, DS); `sa` selects the constant shift-and-add form (same integer).
    function automatic signed [W-1:0] dec;
        input signed [W-1:0] v;
        input [DS:0] d;
        input sa;
        input [DS:0] k;
        reg signed [W-1:0] p;
        integer b;
        begin
            if (sa) begin
                p = ZERO;
                for (b = 0; b <= DS; b = b + 1)
                    if (k[b]) p = p + (v <<< b);
            end else begin
                p = v * $signed({{(W - DS - 1){1'b0}}, d});
            end
            if (ROUND == 1) p = p + $signed(HALF);
            dec = p >>> DS;
        end
    endfunction

    function automatic signed [W-1:0] sat;
        input signed [W-1:0] x;
        input signed [W-1:0] lo;
        input signed [W-1:0] hi;
        begin
            sat = (x > hi) ? hi : ((x < lo) ? lo : x);
        end
    endfunction

    wire signed [W-1:0] acc_x = {{(W - ACC_W){acc[ACC_W-1]}}, acc};
    wire signed [W-1:0] u_x   = {{(W - SB){u[SB-1]}}, u};
    wire signed [W-1:0] i_x   = {{(W - CB){i_cur[CB-1]}}, i_cur};
    wire signed [W-1:0] b_x   = {{(W - PW){bias[PW-1]}}, bias};
    wire signed [W-1:0] th_x  = {{(W - PW){theta[PW-1]}}, theta};
    wire signed [W-1:0] vr_x  = {{(W - PW){v_reset[PW-1]}}, v_reset};

    // ---- stage 1: X, synaptic current, leak plus drive, reset ----
    wire signed [W-1:0] x1 = (acc_x <<< WS) + b_x;   // X = (acc << weight_shift) + bias
    wire r = u_x > th_x;                             // spiked at the previous step

    // Synaptic current (CubaLif): I = sat_current(dec(I, alpha) + X).
    /* verilator lint_off UNUSEDSIGNAL */
    // Saturated values: the bits above the register width are sign copies.
    wire signed [W-1:0] i_new1 = sat(dec(i_x, alpha, ALPHA_SA != 0, ALPHA_K) + x1, CMIN, CMAX);
    localparam integer CUR = (KIND == 1 || KIND == 3) ? 1 : 0;  // has a synaptic current
    localparam integer FIRES = (KIND == 0 || KIND == 1) ? 1 : 0;
    wire signed [W-1:0] drive = (CUR != 0) ? i_new1 : x1;
    wire signed [W-1:0] dec_u = dec(u_x, beta, BETA_SA != 0, BETA_K);
    wire signed [W-1:0] dec_vr = dec(vr_x, beta, BETA_SA != 0, BETA_K);
    wire signed [W-1:0] un1 = dec_u + drive;

    // Reset before saturation: subtract theta, or v_reset, per RESET (r is the previous spike).
    reg signed [W-1:0] pre1;
    always @* begin
        if (FIRES == 0 || RESET == 3 || CNT > 0) pre1 = un1;
        else if (RESET == 0) pre1 = un1 - (r ? th_x : ZERO);
        else if (RESET == 1 && KIND == 0) pre1 = (r ? dec_vr : dec_u) + x1;
        else pre1 = r ? vr_x : un1;
    end

    // ---- stage boundary: wires (PIPE = 0) or registers loaded on `ld` (PIPE = 1) ----
    wire signed [W-1:0] pre;
    wire signed [W-1:0] i_new;
    wire               r2;  // r, for the immediate reset
    // theta and v_reset as stage 2 sees them (registered with stage 1 when streaming)
    wire signed [W-1:0] th2;
    wire signed [W-1:0] vr2;
    wire signed [PW-1:0] theta2;
    generate
        if (PIPE == 2) begin : g_stream
            reg signed [PW-1:0] th_q, vr_q;
            always @(posedge clk) begin
                if (ld) begin
                    th_q <= theta;
                    vr_q <= v_reset;
                end
            end
            assign theta2 = th_q;
            assign th2 = {{(W - PW){th_q[PW-1]}}, th_q};
            assign vr2 = {{(W - PW){vr_q[PW-1]}}, vr_q};
        end else begin : g_live
            assign theta2 = theta;
            assign th2 = th_x;
            assign vr2 = vr_x;
        end
        if (PIPE != 0) begin : g_pipe
            reg signed [W-1:0] pre_q, i_q;
            reg                r_q;
            always @(posedge clk) begin
                if (ld) begin
                    pre_q <= pre1;
                    i_q <= i_new1;
                    r_q <= r;
                end
            end
            assign pre = pre_q;
            assign i_new = i_q;
            assign r2 = r_q;
        end else begin : g_comb
            assign pre = pre1;
            assign i_new = i_new1;
            assign r2 = r;
        end
    endgenerate

    // ---- stage 2: saturation, threshold, immediate reset ----
    wire signed [W-1:0] u1 = sat(pre, SMIN, SMAX);
    wire s = (FIRES != 0) && (u1 > th2);

    // Immediate reset (reset_delay = False): d = S - r in {-1, 0, 1}.
    reg signed [W-1:0] u2;
    always @* begin
        if (RESET_DELAY != 0 || FIRES == 0 || RESET == 3 || s == r2) u2 = u1;
        else if (RESET == 0) u2 = s ? (u1 - th2) : (u1 + th2);
        else u2 = s ? vr2 : (u1 + (u1 - vr2));
    end

    wire signed [SB-1:0] u_out;
    generate
        if (CNT > 0) begin : g_count
            // Restoring division of U = u1 by theta in radix 8: the count bits are taken in
            // groups of up to 3 (the top group holds CNT - 3 * (NG - 1) bits), and each group
            // compares the remainder with all its multiples k * theta << lo (k = 1 .. 2^gw - 1)
            // at once: one subtraction deep instead of one per bit. theta > 0 makes the passing
            // multiples a thermometer code, so the group digit is its largest passing k and the
            // new remainder that difference: the same greedy digits, count and remainder as the
            // bit-serial restoring division (`neuron::divide` in the Rust twin).
            // Widths: U fits SB bits, k * theta << lo < 2^(PW - 1 + CNT), so DW bits hold every
            // difference; the multiples of theta are built from the parameter, beside `sat`.
            localparam integer DW = ((SB > PW + CNT) ? SB : PW + CNT) + 1;
            localparam integer NG = (CNT + 2) / 3;
            wire signed [DW-1:0] uu = {{(DW - SB){u1[SB-1]}}, u1[SB-1:0]};
            wire signed [DW-1:0] th_d = {{(DW - PW){theta2[PW-1]}}, theta2};
            // theta * k for k = 0 .. 7 (word k at k * DW), by shift and add
            wire [8*DW-1:0] mul;
            genvar gk;
            for (gk = 0; gk < 8; gk = gk + 1) begin : g_mul
                localparam [2:0] KB = gk;
                assign mul[gk*DW +: DW] = (KB[0] ? th_d : {DW{1'b0}})
                    + (KB[1] ? (th_d <<< 1) : {DW{1'b0}}) + (KB[2] ? (th_d <<< 2) : {DW{1'b0}});
            end
            reg signed [DW-1:0] rem, sel, d;
            reg [7:0] pass;  // pass[k]: rem >= k * theta << lo (pass[0] = 1)
            reg [8*DW-1:0] dk;  // rem - k * theta << lo at k * DW
            reg [SPW-1:0] n;
            integer gi, lo, gw, k;
            always @* begin
                rem = uu;
                n = {SPW{1'b0}};
                for (gi = NG - 1; gi >= 0; gi = gi - 1) begin
                    lo = 3 * gi;
                    gw = (gi == NG - 1) ? CNT - 3 * gi : 3;
                    pass = 8'd1;
                    dk = {(8 * DW){1'b0}};
                    for (k = 1; k < 8; k = k + 1) begin
                        d = rem - ($signed(mul[k*DW +: DW]) <<< lo);
                        dk[k*DW +: DW] = d;
                        pass[k] = (k < (1 << gw)) && !d[DW-1];
                    end
                    // one-hot pick of the largest passing k (pass is a thermometer code)
                    sel = pass[1] ? {DW{1'b0}} : rem;
                    for (k = 1; k < 8; k = k + 1)
                        if (pass[k] && (k == 7 || !pass[(k + 1) % 8])) begin
                            sel = sel | dk[k*DW +: DW];
                            if (gw > 0) n[lo] = n[lo] | k[0];
                            if (gw > 1) n[lo + 1] = n[lo + 1] | k[1];
                            if (gw > 2) n[lo + 2] = n[lo + 2] | k[2];
                        end
                    rem = sel;
                end
            end
            // Sinabs' floor: the remainder drops below -theta only with no spike (n > 0 leaves
            // it >= 0), i.e. when U < -theta, decided on U beside the division.
            wire signed [DW-1:0] u_th = uu + th_d;
            wire signed [DW-1:0] rem_fin = (FLOOR != 0 && u_th[DW-1]) ? -th_d : rem;
            assign u_out = rem_fin[SB-1:0];
            assign spike = n;
        end else begin : g_single
            wire signed [W-1:0] u_fin = sat(u2, SMIN, SMAX);
            assign u_out = u_fin[SB-1:0];
            assign spike = s;
        end
    endgenerate
    /* verilator lint_on UNUSEDSIGNAL */
    assign u_next = u_out;
    assign i_next = (CUR != 0) ? i_new[CB-1:0] : {CB{1'b0}};
endmodule

`default_nettype wire
