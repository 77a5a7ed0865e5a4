// sl_ram: simple dual-port RAM, one write port, registered read (1 cycle latency).
// Written so Yosys infers block RAM on iCE40 (SB_RAM40_4K) and ECP5 (DP16KD).
// Read-during-write of the same address returns the old word here, but no caller depends on it:
// no caller uses a word read in the cycle it is written (the units write a neuron LAT cycles
// after its read and never read it again in that step; the convolution cores' read-modify-writes
// and sweeps read an address only after its write has landed; an event list is read after its
// producer has run, or in the other bank). So on iCE40 the generator marks the memory
// `no_rw_check` (`Plan::no_rw_check`): Yosys then adds no read-first bypass (2W + AW + 2 FFs and
// a W-bit multiplexer per block RAM); the netlist tests, with the vendor cell models, check
// that nothing depends on it, and the cycle model reports a unit state RAM read of the word
// being written (`SimError::ReadDuringWrite`). It also marks it `ram_style = "block"` when the plan puts
// memories Yosys would build from logic into spare block RAM (`Plan::block_memories`, iCE40).
// Rust twin: spikeloom-cyclesim `engine::Unit`, `core::Core` (their state memories: registered
// read, read-first).
`default_nettype none

module sl_ram #(
    parameter integer W = 16,      // word width
    parameter integer DEPTH = 16,  // words
    parameter integer AW = 4       // address width
) (
    input  wire          clk,
    input  wire          we,
    /* verilator lint_off UNUSEDSIGNAL */
    // Address bits above clog2(DEPTH) are ignored: callers pass their (wider) counters.
    input  wire [AW-1:0] waddr,
    input  wire [AW-1:0] raddr,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [W-1:0]  wdata,
    output reg  [W-1:0]  rdata
);
    localparam integer IW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    reg [W-1:0] mem [0:DEPTH-1];

    always @(posedge clk) begin
        if (we) mem[waddr[IW-1:0]] <= wdata;
        rdata <= mem[raddr[IW-1:0]];
    end
endmodule

`default_nettype wire
