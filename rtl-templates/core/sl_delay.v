// sl_delay: the delay line of one projection with per-source delays (NIR Delay): a ring of SLOTS
// per-step event lists of one source. An event (i, v) the source emits in step t is written
// into the list of step t + d_i (d_i < SLOTS: the projection's `delayed` flag plus its
// source_delay[i]); during step t the consuming core reads the list of step t through the
// event-buffer interface (rd_addr/rd_data/rd_val, cnt_cur = cnt_prev = its length).
// `step` (the controller's BEGIN beat, before any push of the step) empties the list of the
// previous step, which becomes the list of step t + SLOTS - 1, and advances the ring.
// Writes are pipelined by one cycle (the delay ROM is read with the push): the event is
// stored in the cycle after its push; nobody reads a list within a cycle of a push to it.
// Events of one list are in write order (integer sums do not depend on it).
// Rust twin: spikeloom-cyclesim `evbuf::EvBuf` (delay-line mode).
`default_nettype none

module sl_delay #(
    parameter integer EV_W = 8,    // width of indices, counts and rd_addr
    parameter integer DEPTH = 4,   // events per list (the source size)
    parameter integer SLOTS = 2,   // lists (largest delay + 1)
    parameter integer SW = 1,      // slot index width (holds SLOTS - 1)
    parameter integer AW = 4,      // memory address width (> SW, > EV_W; holds (SLOTS-1)*DEPTH + 2^EV_W)
    parameter integer VB = 1,      // value width (1: binary spikes, nothing stored)
    parameter integer D_ROM = 0,   // 1: per-source delays in a ROM (D_FILE), 0: all D_K
    parameter [SW-1:0] D_K = 0,
    parameter D_FILE = ""
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            step,
    input  wire            push,
    input  wire [EV_W-1:0] push_idx,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [VB-1:0]   push_val,  // unused when VB = 1
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [EV_W-1:0] rd_addr,
    output wire [EV_W-1:0] rd_data,
    output wire [VB-1:0]   rd_val,
    output wire [EV_W-1:0] cnt_cur,
    output wire [EV_W-1:0] cnt_prev
);
    localparam integer DEPTH_I = DEPTH;
    localparam integer LAST_I = SLOTS - 1;
    localparam integer LASTBASE_I = (SLOTS - 1) * DEPTH;
    localparam integer RING_I = SLOTS * DEPTH;  // events in the ring
    localparam [EV_W:0] DEPTH_V = DEPTH_I[EV_W:0];
    localparam [SW-1:0] LAST = LAST_I[SW-1:0];
    localparam [SW:0]   SLOTS_V = SLOTS[SW:0];
    localparam [AW-1:0] DEPTH_A = DEPTH_I[AW-1:0];
    localparam [AW-1:0] LASTBASE = LASTBASE_I[AW-1:0];

    reg [SW-1:0]         cur;    // list of the current step
    reg [AW-1:0]         rbase;  // cur * DEPTH
    reg [SLOTS*EV_W-1:0] cnts;   // length of every list
    reg                  p1;     // pipelined push
    reg [EV_W-1:0]       idx1;
    /* verilator lint_off UNUSEDSIGNAL */
    reg [VB-1:0]         val1;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SW-1:0]        d1;     // delay of idx1

    generate
        if (D_ROM != 0) begin : g_rom
            sl_rom #(.W(SW), .DEPTH(DEPTH), .AW(EV_W), .INIT_FILE(D_FILE)) u_d (
                .clk(clk), .addr(push_idx), .rdata(d1)
            );
        end else begin : g_k
            assign d1 = D_K;
        end
    endgenerate

    // write slot = cur + d1 mod SLOTS, address = slot * DEPTH + its length
    wire [SW:0]      ws_sum = {1'b0, cur} + {1'b0, d1};
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SW:0]      ws_w = (ws_sum >= SLOTS_V) ? ws_sum - SLOTS_V : ws_sum;  // < SLOTS: top bit 0
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SW-1:0]    ws = ws_w[SW-1:0];
    wire [EV_W-1:0]  wcnt = cnts[ws*EV_W +: EV_W];
    wire             full = {1'b0, wcnt} == DEPTH_V;
    wire             we = p1 && !full && !step;
    wire [AW-1:0]    wbase = {{(AW - SW){1'b0}}, ws} * DEPTH_A;
    wire [AW-1:0]    waddr = wbase + {{(AW - EV_W){1'b0}}, wcnt};
    wire [AW-1:0]    raddr = rbase + {{(AW - EV_W){1'b0}}, rd_addr};

    assign cnt_cur = cnts[cur*EV_W +: EV_W];
    assign cnt_prev = cnt_cur;

    always @(posedge clk) begin
        if (rst) begin
            cur <= LAST;
            rbase <= LASTBASE;
            cnts <= {(SLOTS * EV_W){1'b0}};
            p1 <= 1'b0;
        end else begin
            p1 <= push;
            if (step) begin
                cnts[cur*EV_W +: EV_W] <= {EV_W{1'b0}};
                if (cur == LAST) begin
                    cur <= {SW{1'b0}};
                    rbase <= {AW{1'b0}};
                end else begin
                    cur <= cur + 1'b1;
                    rbase <= rbase + DEPTH_A;
                end
            end else if (we) begin
                cnts[ws*EV_W +: EV_W] <= wcnt + 1'b1;
            end
        end
    end
    always @(posedge clk) begin
        idx1 <= push_idx;
        val1 <= push_val;
    end

    generate
        if (VB > 1) begin : g_val
            wire [EV_W+VB-1:0] word;
            sl_ram #(.W(EV_W + VB), .DEPTH(RING_I), .AW(AW)) u_mem (
                .clk(clk), .we(we), .waddr(waddr), .wdata({val1, idx1}), .raddr(raddr),
                .rdata(word)
            );
            assign rd_data = word[EV_W-1:0];
            assign rd_val = word[EV_W+VB-1:EV_W];
        end else begin : g_bin
            sl_ram #(.W(EV_W), .DEPTH(RING_I), .AW(AW)) u_mem (
                .clk(clk), .we(we), .waddr(waddr), .wdata(idx1), .raddr(raddr), .rdata(rd_data)
            );
            assign rd_val = 1'b1;
        end
    endgenerate
endmodule

`default_nettype wire
