// sl_evspram: the event lists of NL spike sources in one iCE40 UP5K SPRAM (SB_SPRAM256KA,
// 16K x 16, one port). List i holds its events from word BASE[i] on, one word each: the index
// in the low EV_W bits, the value (VB > 1) above it. Each list keeps its own count register
// (reset and `clr` empty it; pushes beyond DEPTH[i] are dropped, as in sl_evbuf).
// One port serves every list: the planner shares only lists that are never written and read
// in the same cycle (the input list written by the host before the layers run; convolution
// cores that read their source list only while scattering and push their spikes only while
// sweeping, one layer at a time). A write (at most one per cycle) goes to BASE[i] + count; in
// a cycle without a write, the list whose reader raises rd[i] is read at BASE[i] + rd_addr
// and its word appears on rd_data/rd_val in the next cycle, like sl_evbuf's registered read.
// SPRAM contents are undefined at power-up and need no clearing: a list is read only below its
// count. Reads and writes never overlap, and the array reads only when not written: Yosys maps
// it to one SB_SPRAM256KA only for that "no change" behaviour (as sl_wspram).
// Rust twin: spikeloom-cyclesim `evbuf::EvSpram`.
`default_nettype none

module sl_evspram #(
    parameter integer EV_W = 8,              // index and count width
    parameter integer NL = 1,                // lists
    parameter integer VB = 1,                // widest value (1: binary spikes, not stored)
    parameter [NL*14-1:0] BASE = 0,          // first word of list i: [14*i +: 14]
    parameter [NL*(EV_W+1)-1:0] DEPTH = 0    // events of list i: [(EV_W+1)*i +: EV_W+1]
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [NL-1:0]      clr,
    input  wire [NL-1:0]      push,
    input  wire [NL*EV_W-1:0] push_idx,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [NL*VB-1:0]   push_val,  // unused when VB = 1
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [NL-1:0]      rd,
    input  wire [EV_W-1:0]    rd_addr,
    output wire [EV_W-1:0]    rd_data,
    output wire [VB-1:0]      rd_val,
    output wire [NL*EV_W-1:0] cnt
);
    localparam integer DW = (VB > 1) ? EV_W + VB : EV_W;  // stored bits per word

    // per list: its count, and its share of the port (zero unless it writes or reads)
    wire [NL-1:0]      we;
    wire               any_we = |we;
    wire [NL*14-1:0]   base_sel;
    wire [NL*EV_W-1:0] off_sel;
    wire [NL*DW-1:0]   word_sel;
    genvar i;
    generate
        for (i = 0; i < NL; i = i + 1) begin : g_list
            reg  [EV_W-1:0] c;
            wire [EV_W:0]   depth = DEPTH[i*(EV_W+1) +: EV_W+1];
            wire            full = {1'b0, c} == depth;
            wire [DW-1:0]   word;
            assign we[i] = push[i] && !full && !clr[i];
            assign cnt[i*EV_W +: EV_W] = c;
            always @(posedge clk) begin
                if (rst || clr[i]) c <= {EV_W{1'b0}};
                else if (we[i]) c <= c + 1'b1;
            end
            if (VB > 1) begin : g_val
                assign word = {push_val[i*VB +: VB], push_idx[i*EV_W +: EV_W]};
            end else begin : g_bin
                assign word = push_idx[i*EV_W +: EV_W];
            end
            assign base_sel[i*14 +: 14] = (we[i] || (rd[i] && !any_we)) ? BASE[i*14 +: 14] : 14'd0;
            assign off_sel[i*EV_W +: EV_W] = we[i] ? c : {EV_W{1'b0}};
            assign word_sel[i*DW +: DW] = we[i] ? word : {DW{1'b0}};
        end
    endgenerate

    // the port's address: the selected list's base plus its count (write) or rd_addr (read);
    // the selects are one-hot (one writer or one reader at a time), so OR-ing them selects
    reg [13:0]     base;
    reg [EV_W-1:0] off;
    reg [DW-1:0]   wword;
    integer k;
    always @* begin
        base = 14'd0;
        off = any_we ? {EV_W{1'b0}} : rd_addr;
        wword = {DW{1'b0}};
        for (k = 0; k < NL; k = k + 1) begin
            base = base | base_sel[k*14 +: 14];
            off = off | off_sel[k*EV_W +: EV_W];
            wword = wword | word_sel[k*DW +: DW];
        end
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] a_full = {18'd0, base} + {{(32 - EV_W){1'b0}}, off};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [13:0] a = a_full[13:0];
    wire [15:0] wdata;
    generate
        if (DW < 16) begin : g_pad
            assign wdata = {{(16 - DW){1'b0}}, wword};
        end else begin : g_full
            assign wdata = wword;
        end
    endgenerate

    (* ram_style = "huge" *) reg [15:0] mem [0:16383];
    /* verilator lint_off UNUSEDSIGNAL */  // bits above index and value
    reg [15:0] q;
    /* verilator lint_on UNUSEDSIGNAL */
    always @(posedge clk) begin
        if (any_we) mem[a] <= wdata;
        else q <= mem[a];
    end
    assign rd_data = q[EV_W-1:0];
    generate
        if (VB > 1) begin : g_val
            assign rd_val = q[EV_W +: VB];
        end else begin : g_bin
            assign rd_val = 1'b1;
        end
    endgenerate
endmodule

`default_nettype wire
