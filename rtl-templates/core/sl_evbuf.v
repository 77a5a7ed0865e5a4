// sl_evbuf: the event list of one spike source for one time step (address-event buffer).
// BANKS = 2 when a delayed (recurrent) projection reads it: bank `parity` is written during the
// step, bank `!parity` still holds the previous step (ping-pong by step parity).
// Pushes beyond DEPTH are dropped (each index occurs at most once per step in the contract).
// VB > 1: each event also carries a value (graded input, spike count), stored beside the index
// and read with it; VB = 1 (binary spikes) stores nothing and reads the value 1.
// Rust twin: spikeloom-cyclesim `evbuf::EvBuf`.
`default_nettype none

module sl_evbuf #(
    parameter integer EV_W = 8,    // width of indices, counts and addresses
    parameter integer DEPTH = 4,   // events per bank (the source size)
    parameter integer BANKS = 1,
    parameter integer VB = 1       // value width (1: binary spikes)
) (
    input  wire            clk,
    input  wire            rst,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire            parity,   // unused with one bank
    input  wire            rd_prev,  // unused with one bank
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire            clr,      // empty the write bank (start of the source's step)
    input  wire            push,
    input  wire [EV_W-1:0] push_idx,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [VB-1:0]   push_val,  // unused when VB = 1
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [EV_W-1:0] rd_addr,
    output wire [EV_W-1:0] rd_data,
    output wire [VB-1:0]   rd_val,
    output wire [EV_W-1:0] cnt_cur,  // events in the write bank
    output wire [EV_W-1:0] cnt_prev  // events in the other bank
);
    localparam integer DEPTH_I = DEPTH;
    localparam [EV_W:0] DEPTH_V = DEPTH_I[EV_W:0];
    reg [EV_W-1:0] cnt0;
    reg [EV_W-1:0] cnt1;
    wire wbank;
    wire rbank;

    generate
        if (BANKS == 2) begin : g_two
            assign wbank = parity;
            assign rbank = parity ^ rd_prev;
        end else begin : g_one
            assign wbank = 1'b0;
            assign rbank = 1'b0;
        end
    endgenerate

    wire [EV_W-1:0] wcnt = wbank ? cnt1 : cnt0;
    wire            full = {1'b0, wcnt} == DEPTH_V;
    wire            we = push && !full && !clr;
    wire [EV_W:0]   waddr = {1'b0, wcnt} + (wbank ? DEPTH_V : {(EV_W + 1){1'b0}});
    wire [EV_W:0]   raddr = {1'b0, rd_addr} + (rbank ? DEPTH_V : {(EV_W + 1){1'b0}});

    assign cnt_cur = wcnt;
    assign cnt_prev = wbank ? cnt0 : cnt1;

    always @(posedge clk) begin
        if (rst) begin
            cnt0 <= {EV_W{1'b0}};
            cnt1 <= {EV_W{1'b0}};
        end else if (clr) begin
            if (wbank) cnt1 <= {EV_W{1'b0}};
            else cnt0 <= {EV_W{1'b0}};
        end else if (we) begin
            if (wbank) cnt1 <= cnt1 + 1'b1;
            else cnt0 <= cnt0 + 1'b1;
        end
    end

    generate
        if (VB > 1) begin : g_val
            wire [EV_W+VB-1:0] word;
            sl_ram #(.W(EV_W + VB), .DEPTH(BANKS * DEPTH), .AW(EV_W + 1)) u_mem (
                .clk(clk), .we(we), .waddr(waddr), .wdata({push_val, push_idx}), .raddr(raddr),
                .rdata(word)
            );
            assign rd_data = word[EV_W-1:0];
            assign rd_val = word[EV_W+VB-1:EV_W];
        end else begin : g_bin
            sl_ram #(.W(EV_W), .DEPTH(BANKS * DEPTH), .AW(EV_W + 1)) u_mem (
                .clk(clk), .we(we), .waddr(waddr), .wdata(push_idx), .raddr(raddr), .rdata(rd_data)
            );
            assign rd_val = 1'b1;
        end
    endgenerate
endmodule

`default_nettype wire
