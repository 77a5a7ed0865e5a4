// sl_rom2: ROM with two read ports, initialised from a $readmemh file, registered reads (1 cycle
// latency each). A bank of the weight store when the engine reads two events per cycle (paired
// event buffers): Yosys maps it to true dual-port block RAM (ECP5 DP16KD, both ports reading),
// so the second port costs no extra block RAM.
// Rust twin: spikeloom-cyclesim `engine::Acc` (the weight store's reads of both events of a pair).
`default_nettype none

module sl_rom2 #(
    parameter integer W = 16,
    parameter integer DEPTH = 16,
    parameter integer AW = 4,
    parameter INIT_FILE = ""  // set by every instance; empty = no image
) (
    input  wire          clk,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [AW-1:0] addr,   // bits above clog2(DEPTH) are ignored
    input  wire [AW-1:0] addr2,
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [W-1:0]  rdata,
    output reg  [W-1:0]  rdata2
);
    localparam integer IW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    reg [W-1:0] mem [0:DEPTH-1];

    generate
        if (INIT_FILE != "") begin : g_init
            initial $readmemh(INIT_FILE, mem);
        end
    endgenerate

    always @(posedge clk) rdata <= mem[addr[IW-1:0]];
    always @(posedge clk) rdata2 <= mem[addr2[IW-1:0]];
endmodule

`default_nettype wire
