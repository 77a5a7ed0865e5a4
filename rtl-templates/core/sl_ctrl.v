// sl_ctrl: the time-step controller.
// After reset it clears the state memories (CLR_N cycles, in_ready low; longer while the weight
// store is not ready: a store loaded at start-up raises w_ready when its load is complete), then
// per step:
//   BEGIN (empty the input bank) -> IN (accept events until the eos beat)
//   -> for each layer: START (start pulse, 1 cycle) -> WAIT (until the core's done)
//   -> OUT (stream the output layer's spikes: 2 cycles per event, then 1) -> OEOS (eos beat)
//   -> toggle the step parity -> BEGIN.
// Rust twin: spikeloom-cyclesim `ctrl::Ctrl`.
`default_nettype none

module sl_ctrl #(
    parameter integer EV_W = 8,
    parameter integer NL = 1,             // layers
    parameter integer LW = 1,             // layer index width
    parameter integer CLR_W = 8,          // clear address width (holds CLR_N - 1)
    parameter [CLR_W-1:0] CLR_N = 1,      // cycles of state clearing (largest block count)
    parameter [EV_W-1:0] IN_SIZE = 1      // input features
) (
    input  wire            clk,
    input  wire            rst,
    input  wire            w_ready,
    input  wire            in_valid,
    output wire            in_ready,
    input  wire            in_eos,
    input  wire [EV_W-1:0] in_index,
    output wire            out_valid,
    input  wire            out_ready,
    output wire            out_eos,
    output wire [EV_W-1:0] out_index,
    output reg             parity,
    output wire            clr_en,
    output reg  [CLR_W-1:0] clr_addr,
    output wire            in_clr,
    output wire            in_push,
    output wire [NL-1:0]   start,
    input  wire            done_any,
    output wire [EV_W-1:0] ev_raddr,
    input  wire [EV_W-1:0] out_cnt,
    input  wire [EV_W-1:0] out_rdata
);
    localparam [2:0] C_CLR = 3'd0, C_BEGIN = 3'd1, C_IN = 3'd2, C_START = 3'd3, C_WAIT = 3'd4,
                     C_OUT = 3'd5, C_OEOS = 3'd6;
    localparam integer L_LAST_I = NL - 1;
    localparam [LW-1:0] L_LAST = L_LAST_I[LW-1:0];
    localparam [NL-1:0] ONE_NL = 1;
    localparam [CLR_W-1:0] CLR_LAST = CLR_N - 1'b1;

    reg [2:0]      st;
    reg [LW-1:0]   layer;
    reg [EV_W-1:0] out_i;
    reg            primed;   // the output buffer word for out_i is on out_rdata

    assign in_ready = st == C_IN;
    assign in_push = in_ready && in_valid && !in_eos && in_index < IN_SIZE;
    assign in_clr = st == C_BEGIN;
    assign clr_en = st == C_CLR;
    assign start = (st == C_START) ? (ONE_NL << layer) : {NL{1'b0}};
    assign ev_raddr = (st == C_OUT) ? out_i : {EV_W{1'b0}};
    assign out_valid = (st == C_OEOS) || (st == C_OUT && primed);
    assign out_eos = st == C_OEOS;
    assign out_index = (st == C_OUT && primed) ? out_rdata : {EV_W{1'b0}};

    always @(posedge clk) begin
        if (rst) begin
            st <= C_CLR;
            layer <= {LW{1'b0}};
            out_i <= {EV_W{1'b0}};
            primed <= 1'b0;
            parity <= 1'b0;
            clr_addr <= {CLR_W{1'b0}};
        end else begin
            case (st)
                C_CLR: if (clr_addr == CLR_LAST) begin
                    if (w_ready) st <= C_BEGIN;
                end
                    else clr_addr <= clr_addr + 1'b1;
                C_BEGIN: st <= C_IN;
                C_IN: if (in_valid && in_eos) begin
                    st <= C_START;
                    layer <= {LW{1'b0}};
                end
                C_START: st <= C_WAIT;
                C_WAIT: if (done_any) begin
                    if (layer == L_LAST) begin
                        st <= C_OUT;
                        out_i <= {EV_W{1'b0}};
                        primed <= 1'b0;
                    end else begin
                        layer <= layer + 1'b1;
                        st <= C_START;
                    end
                end
                C_OUT: if (out_i == out_cnt) st <= C_OEOS;
                    else if (!primed) primed <= 1'b1;
                    else if (out_ready) begin
                        out_i <= out_i + 1'b1;
                        primed <= 1'b0;
                    end
                C_OEOS: if (out_ready) begin
                    parity <= ~parity;
                    st <= C_BEGIN;
                end
                default: st <= C_CLR;
            endcase
        end
    end
endmodule

`default_nettype wire
