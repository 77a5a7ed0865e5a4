// sl_wspram: the weight store in iCE40 UP5K SPRAM (SB_SPRAM256KA, 16K x 16 each).
// NC SPRAMs side by side make one NC*16-bit word; NG such rows of SPRAMs are stacked in depth
// (word w is in group w / 16384 at address w % 16384). Read latency 2, like the banked ROM
// store: the read address is registered once more (raddr_q: 14 FFs instead of a register on
// every SPRAM output), then the SPRAM's registered read.
// SPRAM cannot be initialised by the bitstream, so the store has a write port of 16-bit
// granules: granule g is bits [16c+15:16c] of word g / NC, c = g % NC. Reads and writes never
// overlap (the cores run only once the load is complete), and a column reads only when it is
// not written: Yosys maps each 16K x 16 array to one SB_SPRAM256KA only for that "no change"
// behaviour (with synth_ice40 -spram or the ram_style attribute below).
// Packed (PACK = 1, plan WeightMem::Spram `packed`, NC = 1): two 8-bit words per SPRAM word,
// word w the low byte of SPRAM word w / 2 when w is even, the high byte when odd; the byte
// select (raddr's bit 0) is registered twice beside the read and picks the output byte. The
// write side is unchanged: a granule is one SPRAM word (two store words).
// Rust twin: spikeloom-cyclesim `engine::Acc` (it reads the same words as its cores' rows).
// The words are Plan::weight_image; the load through the write port is the harness's.
`default_nettype none

module sl_wspram #(
    parameter integer NC = 1,   // columns: 1, 2 or 4
    parameter integer NG = 1,   // groups in depth: NC * NG <= 4
    parameter integer AW = 14,  // word address width
    parameter integer PACK = 0, // 1: two 8-bit words per SPRAM word (NC = 1)
    parameter integer OW = (PACK != 0) ? 8 : NC * 16  // word width
) (
    input  wire             clk,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [AW-1:0]    raddr,  // bits above the store's depth are ignored
    input  wire [15:0]      waddr,  // granule index
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [OW-1:0]    rdata,
    input  wire             we,
    input  wire [15:0]      wdata
);
    localparam integer LC = (NC > 1) ? $clog2(NC) : 0;  // column bits of a granule index
    localparam integer GB = (NG > 1) ? $clog2(NG) : 1;  // group select width

    // word and column of the granule being written; the SPRAM word address of the read,
    // zero-extended (the store word address without its byte select when packed)
    /* verilator lint_off UNUSEDSIGNAL */  // the word bits above the store's depth
    wire [15:0] wword = waddr >> LC;
    reg  [AW-1:0] raddr_q;
    always @(posedge clk) raddr_q <= raddr;
    wire [31:0] ra = {{(32 - AW){1'b0}}, raddr_q} >> PACK;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [GB-1:0] wgrp;
    wire [GB-1:0] rgrp;
    generate
        if (NG > 1) begin : g_grp
            assign wgrp = wword[14 +: GB];
            assign rgrp = ra[14 +: GB];
        end else begin : g_one
            assign wgrp = 1'b0;
            assign rgrp = 1'b0;
        end
    endgenerate

    reg [GB-1:0] rgrp_q;  // group of the word being read, for the output multiplexer
    always @(posedge clk) rgrp_q <= rgrp;

    wire [NC*16-1:0] q [0:NG-1];
    genvar g, c;
    generate
        for (g = 0; g < NG; g = g + 1) begin : g_group
            for (c = 0; c < NC; c = c + 1) begin : g_col
                localparam [GB-1:0] G = g;
                (* ram_style = "huge" *) reg [15:0] mem [0:16383];
                reg [15:0] rd;
                wire wsel;
                if (NC > 1) begin : g_wsel_c
                    localparam [LC-1:0] C = c;
                    assign wsel = we && wgrp == G && waddr[LC-1:0] == C;
                end else begin : g_wsel_1
                    assign wsel = we && wgrp == G;
                end
                wire [13:0] a = wsel ? wword[13:0] : ra[13:0];
                always @(posedge clk) begin
                    if (wsel) mem[a] <= wdata;
                    else rd <= mem[a];
                end
                assign q[g][c*16 +: 16] = rd;
            end
        end
    endgenerate
    generate
        if (PACK != 0) begin : g_pack
            reg hi_q;  // the byte of the word being read
            always @(posedge clk) hi_q <= raddr_q[0];
            wire [15:0] qw = q[rgrp_q];
            assign rdata = hi_q ? qw[15:8] : qw[7:0];
        end else begin : g_whole
            assign rdata = q[rgrp_q];
        end
    endgenerate
endmodule

`default_nettype wire
