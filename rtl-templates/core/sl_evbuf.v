// sl_evbuf: the event list of one spike source for one time step (address-event buffer).
// BANKS = 2 when a delayed (recurrent) projection reads it: bank `parity` is written during the
// step, bank `!parity` still holds the previous step (ping-pong by step parity).
// Pushes beyond DEPTH are dropped (each index occurs at most once per step in the contract).
// VB > 1: each event also carries a value (graded input, spike count), stored beside the index
// and read with it; VB = 1 (binary spikes) stores nothing and reads the value 1.
// PAIR = 1 (binary spikes only; the engine reads two events per cycle): the list is kept in two
// memories, even positions and odd positions, and rd_addr is a pair index: rd_data is event
// 2 * rd_addr, rd_data2 event 2 * rd_addr + 1 (stale when the list is shorter; the reader
// knows the count). Without PAIR, rd_data2 is 0.
// Rust twin: spikeloom-cyclesim `evbuf::EvBuf`.
`default_nettype none

module sl_evbuf #(
    parameter integer EV_W = 8,    // width of indices, counts and addresses
    parameter integer DEPTH = 4,   // events per bank (the source size)
    parameter integer BANKS = 1,
    parameter integer VB = 1,      // value width (1: binary spikes)
    parameter integer PAIR = 0     // 1: two memories (even/odd positions), pair reads
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
    output wire [EV_W-1:0] rd_data2,  // PAIR: event 2 * rd_addr + 1
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
    /* verilator lint_off UNUSEDSIGNAL */
    wire [EV_W:0]   waddr = {1'b0, wcnt} + (wbank ? DEPTH_V : {(EV_W + 1){1'b0}});  // not PAIR
    wire [EV_W:0]   raddr = {1'b0, rd_addr} + (rbank ? DEPTH_V : {(EV_W + 1){1'b0}});
    /* verilator lint_on UNUSEDSIGNAL */

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
        if (PAIR != 0) begin : g_pair
            // bank b's position i is at b * HD + i / 2 of the even (i even) or odd memory
            localparam integer HD = (DEPTH + 1) / 2;
            localparam integer HD_I = HD;
            localparam [EV_W:0] HD_V = HD_I[EV_W:0];
            wire [EV_W:0] hw = {2'b0, wcnt[EV_W-1:1]} + (wbank ? HD_V : {(EV_W + 1){1'b0}});
            wire [EV_W:0] hr = {1'b0, rd_addr} + (rbank ? HD_V : {(EV_W + 1){1'b0}});
            sl_ram #(.W(EV_W), .DEPTH(BANKS * HD), .AW(EV_W + 1)) u_even (
                .clk(clk), .we(we && !wcnt[0]), .waddr(hw), .wdata(push_idx), .raddr(hr),
                .rdata(rd_data)
            );
            sl_ram #(.W(EV_W), .DEPTH(BANKS * HD), .AW(EV_W + 1)) u_odd (
                .clk(clk), .we(we && wcnt[0]), .waddr(hw), .wdata(push_idx), .raddr(hr),
                .rdata(rd_data2)
            );
            assign rd_val = 1'b1;
        end else if (VB > 1) begin : g_val
            wire [EV_W+VB-1:0] word;
            sl_ram #(.W(EV_W + VB), .DEPTH(BANKS * DEPTH), .AW(EV_W + 1)) u_mem (
                .clk(clk), .we(we), .waddr(waddr), .wdata({push_val, push_idx}), .raddr(raddr),
                .rdata(word)
            );
            assign rd_data = word[EV_W-1:0];
            assign rd_val = word[EV_W+VB-1:EV_W];
            assign rd_data2 = {EV_W{1'b0}};
        end else begin : g_bin
            sl_ram #(.W(EV_W), .DEPTH(BANKS * DEPTH), .AW(EV_W + 1)) u_mem (
                .clk(clk), .we(we), .waddr(waddr), .wdata(push_idx), .raddr(raddr), .rdata(rd_data)
            );
            assign rd_val = 1'b1;
            assign rd_data2 = {EV_W{1'b0}};
        end
    endgenerate
endmodule

`default_nettype wire
