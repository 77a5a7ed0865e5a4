// sl_param: a per-neuron parameter for the P lanes of the current block: the constant K on every
// lane (ROM = 0), or a ROM word of P lanes addressed by block (ROM = 1, registered read).
// Rust twin: spikeloom-cyclesim `engine::Unit`, `core::Core` (parameters are read through
// `Param::at`).
`default_nettype none

module sl_param #(
    parameter integer P = 1,
    parameter integer PW = 8,
    parameter integer NB = 1,
    parameter integer AW = 8,
    parameter integer ROM = 0,
    parameter [PW-1:0] K = 0,
    parameter INIT_FILE = ""
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire          clk,    // unused for a constant
    input  wire [AW-1:0] addr,   // unused for a constant
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [P*PW-1:0] word
);
    generate
        if (ROM != 0) begin : g_rom
            sl_rom #(.W(P * PW), .DEPTH(NB), .AW(AW), .INIT_FILE(INIT_FILE)) u_rom (
                .clk(clk), .addr(addr), .rdata(word)
            );
        end else begin : g_const
            assign word = {P{K}};
        end
    endgenerate
endmodule

`default_nettype wire
