// sl_rom: ROM initialised from a $readmemh file, registered read (1 cycle latency).
// Yosys maps it to initialised block RAM (EBR on iCE40/ECP5); iCE40 SPRAM is never used
// because it cannot be initialised from the bitstream. The generator marks the memory
// `ram_style = "block"` when the plan puts memories Yosys would build from logic into spare
// block RAM (`Plan::block_memories`, iCE40).
// Rust twin: spikeloom-cyclesim `engine::Acc` (the weight store's read), `core::Core` (kernel and
// parameter ROMs).
`default_nettype none

module sl_rom #(
    parameter integer W = 16,
    parameter integer DEPTH = 16,
    parameter integer AW = 4,
    parameter INIT_FILE = ""  // set by every instance; empty = no image
) (
    input  wire          clk,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [AW-1:0] addr,   // bits above clog2(DEPTH) are ignored
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [W-1:0]  rdata
);
    localparam integer IW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    reg [W-1:0] mem [0:DEPTH-1];

    generate
        if (INIT_FILE != "") begin : g_init
            initial $readmemh(INIT_FILE, mem);
        end
    endgenerate

    always @(posedge clk) rdata <= mem[addr[IW-1:0]];
endmodule

`default_nettype wire
