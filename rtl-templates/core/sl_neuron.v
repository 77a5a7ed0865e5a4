// sl_neuron: the neuron update of one lane, exactly the integer contract of spikeloom-qnet
// (crates/qnet/src/net.rs module doc). Every intermediate is W bits wide; the planner derives W
// by interval arithmetic so nothing can overflow.
// PIPE = 0: purely combinational (clk/ld unused). PIPE = 1: timing split in two stages. Stage 1
// (X, the synaptic current, leak plus drive, the reset `pre`) is computed from the inputs in
// the cycle where `ld` = 1 and registered; stage 2 (reset, saturation, threshold) uses those
// registers and the live u/theta/v_reset/beta, which the caller must hold stable until the
// cycle after `ld`. The caller drives `acc` in the `ld` cycle with the value the accumulator
// will hold in the update cycle, so the result is the same integer and no cycle is added.
// PIPE = 3: deep streaming for the engine's unit (sl_unit.v, a new neuron every cycle, `ld`
// unused): the inputs are registered (S0), then S1 X, the previous spike and the raw decay
// products (DSP), S2 the rounding shifts, S3 the current's sum and the leak with the subtract
// reset folded in, S4 the current's saturation, the membrane sum and the zero reset, S5 the
// membrane's saturation and the threshold compare; the outputs (immediate reset, final
// saturation, count division) follow S5 combinationally: UNIT_LATENCY = 6 cycles from the
// inputs to the outputs, at most about one carry chain per stage. Same integers in every mode.
// The registers after the rounding shifts are NW bits wide (plan `stage_bits`: every value
// but the raw products fits it; signed values widen back to W by sign extension).
// Spike counts (CNT > 0, QFire::Count): U = sat(dec(U, beta) + drive), then a restoring division
// in radix 8 (ceil(CNT / 3) subtraction levels, all multiples of theta compared at once) gives
// n = min(max(floor(U / theta), 0), 2^CNT - 1) and U - n * theta in one pass (theta > 0: a
// negative U passes nothing; a U beyond the range passes everything, the saturated count);
// FLOOR = 1 then clamps U at -theta. With one digit group (CNT <= 3) the input n_max caps the
// count below 2^CNT - 1 (a group's multiples above it never pass), so n = min(floor(U / theta),
// n_max) and the remainder is U - n * theta: layers of narrower counts share a unit's division
// (plan::MIXED_COUNT_MAX_BITS). The division sits in stage 2, no extra cycle: a 3-bit count
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
    parameter integer NW = W,           // PIPE = 3: width of the registers after the decay
                                        // products' rounding (every value there fits it)
    parameter integer PIPE = 0,         // 0: combinational; 1: stage 1 registered on `ld`; 3: deep streaming (see header)
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
    // CNT <= 3: the largest count this neuron's layer may fire (2^bits - 1 of its own count
    // width, at most 2^CNT - 1): a unit of layers with counts of different widths divides at
    // the widest and caps each layer here. Must be valid with the outputs (PIPE = 3: the
    // neuron in the output stage). Tie to 3'd7 where every neuron has the CNT-bit range.
    input  wire        [2:0]       n_max,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire signed [SB-1:0]    u_next,
    output wire signed [CB-1:0]    i_next,
    output wire        [SPW-1:0]    spike   // binary spike, or the spike count (CNT > 0)
);
    localparam [W-1:0] ONE = 1;
    localparam [W-1:0] HALF = (ONE << DS) >> 1;         // 2^(DS-1), 0 when DS = 0
    localparam signed [W-1:0] ZERO = 0;
    // u > theta at the width both fit (the previous-spike compare)
    localparam integer CW0 = ((SB > PW) ? SB : PW) + 1;

    // Saturation to a signed B-bit range (B < W): x fits when its bits B-1 .. W-1 are all equal
    // (a wide AND, no carry chain); else the bound of its sign.
    function automatic signed [W-1:0] sat;
        input signed [W-1:0] x;
        input integer B;
        reg fits;
        integer k;
        begin
            fits = 1'b1;
            for (k = B - 1; k < W; k = k + 1)
                if (x[k] != x[W-1]) fits = 1'b0;
            if (fits) sat = x;
            else if (x[W-1]) sat = ~((ONE << (B - 1)) - ONE);
            else sat = (ONE << (B - 1)) - ONE;
        end
    endfunction

    // The stage width NW <= W: a value that fits NW bits, narrowed and widened back (sign
    // extension; a loop, not a replication, so NW = W is legal).
    /* verilator lint_off UNUSEDSIGNAL */  // bits above NW are sign copies
    function automatic signed [NW-1:0] nw;
        input signed [W-1:0] v;
        nw = v[NW-1:0];
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */
    function automatic signed [W-1:0] wd;
        input signed [NW-1:0] v;
        integer k;
        for (k = 0; k < W; k = k + 1) wd[k] = v[(k < NW) ? k : NW - 1];
    endfunction

    // The raw decay product d * v (before the rounding shift) and its rounding shift.
    function automatic signed [W-1:0] prod;
        input signed [W-1:0] v;
        input [DS:0] d;
        input sa;
        input [DS:0] k;
        integer b;
        begin
            if (sa) begin
                prod = ZERO;
                for (b = 0; b <= DS; b = b + 1)
                    if (k[b]) prod = prod + (v <<< b);
            end else begin
                prod = v * $signed({{(W - DS - 1){1'b0}}, d});
            end
        end
    endfunction
    function automatic signed [W-1:0] rnd;
        input signed [W-1:0] p;
        begin
            if (ROUND == 1) rnd = (p + $signed(HALF)) >>> DS;
            else rnd = p >>> DS;
        end
    endfunction
    // round_shift(d * v, DS); `sa` selects the constant shift-and-add form (same integer).
    function automatic signed [W-1:0] dec;
        input signed [W-1:0] v;
        input [DS:0] d;
        input sa;
        input [DS:0] k;
        begin
            dec = rnd(prod(v, d, sa, k));
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
    wire r = $signed(u_x[CW0-1:0]) > $signed(th_x[CW0-1:0]);  // spiked at the previous step

    // Synaptic current (CubaLif): I = sat_current(dec(I, alpha) + X).
    /* verilator lint_off UNUSEDSIGNAL */
    // Saturated values: the bits above the register width are sign copies.
    wire signed [W-1:0] i_new1 = sat(dec(i_x, alpha, ALPHA_SA != 0, ALPHA_K) + x1, CB);
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

    // ---- stage boundary: wires (PIPE = 0), registers loaded on `ld` (PIPE = 1), or the deep
    // streaming front S0..S4 (PIPE = 3, below) ----
    wire signed [W-1:0] pre;
    wire signed [W-1:0] i_new;
    wire               r2;  // r, for the immediate reset
    // theta and v_reset as stage 2 sees them (registered through the front when streaming)
    wire signed [W-1:0] th2;
    wire signed [W-1:0] vr2;
    generate
        if (PIPE == 3) begin : g_deep
            // S0: the inputs, straight from the unit's memories, registered
            reg signed [W-1:0] acc0, u0, i0, b0, th0, vr0;
            reg [DS:0] be0, al0;
            always @(posedge clk) begin
                acc0 <= acc_x;
                u0 <= u_x;
                i0 <= i_x;
                b0 <= b_x;
                th0 <= th_x;
                vr0 <= vr_x;
                be0 <= beta;
                al0 <= alpha;
            end
            // S1: X, the previous spike, the raw decay products
            reg signed [W-1:0] pu_1, pi_1, pvr_1;  // the products need the work width
            reg signed [NW-1:0] x_1, th_1, vr_1;
            reg r_1;
            always @(posedge clk) begin
                x_1 <= nw((acc0 <<< WS) + b0);
                r_1 <= $signed(u0[CW0-1:0]) > $signed(th0[CW0-1:0]);
                pu_1 <= prod(u0, be0, BETA_SA != 0, BETA_K);
                pi_1 <= prod(i0, al0, ALPHA_SA != 0, ALPHA_K);
                pvr_1 <= prod(vr0, be0, BETA_SA != 0, BETA_K);
                th_1 <= nw(th0);
                vr_1 <= nw(vr0);
            end
            // S2: the rounding shifts
            reg signed [NW-1:0] x_2, du_2, di_2, dvr_2, th_2, vr_2;
            reg r_2;
            always @(posedge clk) begin
                du_2 <= nw(rnd(pu_1));
                di_2 <= nw(rnd(pi_1));
                dvr_2 <= nw(rnd(pvr_1));
                x_2 <= x_1;
                r_2 <= r_1;
                th_2 <= th_1;
                vr_2 <= vr_1;
            end
            // S3: the current's sum; the leak with the subtract reset folded in (or, for the
            // zero reset keeping the input, the decayed reset value)
            localparam integer SUB = (FIRES != 0 && RESET == 0 && CNT == 0) ? 1 : 0;
            localparam integer KEEP = (FIRES != 0 && RESET == 1 && KIND == 0 && CNT == 0) ? 1 : 0;
            localparam integer DROP = (FIRES != 0 && CNT == 0 && (RESET == 2 || (RESET == 1 && KIND != 0))) ? 1 : 0;
            reg signed [NW-1:0] isum_3, a_3, x_3, th_3, vr_3;
            reg r_3;
            always @(posedge clk) begin
                isum_3 <= di_2 + x_2;
                if (SUB != 0 && r_2) a_3 <= du_2 - th_2;
                else if (KEEP != 0 && r_2) a_3 <= dvr_2;
                else a_3 <= du_2;
                x_3 <= x_2;
                r_3 <= r_2;
                th_3 <= th_2;
                vr_3 <= vr_2;
            end
            // S4: the current's saturation, the membrane sum, the zero reset dropping the input
            wire signed [W-1:0] inew_c = sat(wd(isum_3), CB);
            wire signed [W-1:0] un_c = wd(a_3) + ((CUR != 0) ? inew_c : wd(x_3));
            reg signed [NW-1:0] pre_4, inew_4, th_4, vr_4;
            reg r_4;
            always @(posedge clk) begin
                pre_4 <= (DROP != 0 && r_3) ? vr_3 : nw(un_c);
                inew_4 <= nw(inew_c);
                r_4 <= r_3;
                th_4 <= th_3;
                vr_4 <= vr_3;
            end
            assign pre = wd(pre_4);
            assign i_new = wd(inew_4);
            assign r2 = r_4;
            assign th2 = wd(th_4);
            assign vr2 = wd(vr_4);
        end else if (PIPE != 0) begin : g_pipe
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
            assign th2 = th_x;
            assign vr2 = vr_x;
        end else begin : g_comb
            assign pre = pre1;
            assign i_new = i_new1;
            assign r2 = r;
            assign th2 = th_x;
            assign vr2 = vr_x;
        end
    endgenerate

    // ---- stage 2: saturation, threshold, immediate reset ----
    // saturation and threshold (S5 registers them in deep streaming); both fit CW0 bits
    wire signed [W-1:0] u1c = sat(pre, SB);
    wire sc = (FIRES != 0) && ($signed(u1c[CW0-1:0]) > $signed(th2[CW0-1:0]));
    wire signed [W-1:0] u1;
    wire s;
    wire signed [W-1:0] i_out5, th5, vr5;
    wire r5;
    generate
        if (PIPE == 3) begin : g_s5
            reg signed [NW-1:0] u1_q, i_q5, th_q5, vr_q5;
            reg s_q, r_q5;
            always @(posedge clk) begin
                u1_q <= nw(u1c);
                s_q <= sc;
                i_q5 <= nw(i_new);
                r_q5 <= r2;
                th_q5 <= nw(th2);
                vr_q5 <= nw(vr2);
            end
            assign u1 = wd(u1_q);
            assign s = s_q;
            assign i_out5 = wd(i_q5);
            assign r5 = r_q5;
            assign th5 = wd(th_q5);
            assign vr5 = wd(vr_q5);
        end else begin : g_s5_comb
            assign u1 = u1c;
            assign s = sc;
            assign i_out5 = i_new;
            assign r5 = r2;
            assign th5 = th2;
            assign vr5 = vr2;
        end
    endgenerate

    // Immediate reset (reset_delay = False): d = S - r in {-1, 0, 1}.
    reg signed [W-1:0] u2;
    always @* begin
        if (RESET_DELAY != 0 || FIRES == 0 || RESET == 3 || s == r5) u2 = u1;
        else if (RESET == 0) u2 = s ? (u1 - th5) : (u1 + th5);
        else u2 = s ? vr5 : (u1 + (u1 - vr5));
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
            wire signed [DW-1:0] th_d = th5[DW-1:0];
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
                        pass[k] = (k < (1 << gw)) && (NG > 1 || k <= n_max) && !d[DW-1];
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
            wire signed [W-1:0] u_fin = sat(u2, SB);
            assign u_out = u_fin[SB-1:0];
            assign spike = s;
        end
    endgenerate
    /* verilator lint_on UNUSEDSIGNAL */
    assign u_next = u_out;
    assign i_next = (CUR != 0) ? i_out5[CB-1:0] : {CB{1'b0}};
endmodule

`default_nettype wire
