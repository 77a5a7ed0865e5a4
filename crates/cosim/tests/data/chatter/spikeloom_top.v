// Hand-written stand-in for a broken `spikeloom_top` that never finishes a time step, used only
// to test the harnesses' step limit (+steplimit; crates/cosim/tests/echo.rs). Same ports and
// widths as tests/data/echo (IN_W=3 OUT_W=3 LAYER_W=1 NEURON_W=3 TRACE_LANES=3).
//
// Behaviour (the "chatter rule"):
// - after rst falls, CLEAR cycles with in_ready low; then in_ready high: every beat is accepted
//   the cycle it is offered;
// - a trace beat (layer 0, neuron 0, v = 0, no spike) in every cycle from the release of rst
//   for CHATTER cycles, so the harness's idle watchdog never sees a quiet cycle;
// - a step without an event of index 0 ends normally: its S beat is followed, the next cycle,
//   by the output end-of-step beat (no output events);
// - a step with an event of index 0 never ends: after its S beat in_ready stays low and no
//   end-of-step beat ever comes (the design "loops inside the step").
// CHATTER bounds the test on a harness without a step limit: the chatter stops, and the idle
// watchdog (+timeout) stops the run, with another message, about a million cycles later.
module spikeloom_top (
    input  wire        clk,
    input  wire        rst,
    input  wire        in_valid,
    output wire        in_ready,
    input  wire        in_eos,
    input  wire [2:0]  in_index,
    output wire        out_valid,
    input  wire        out_ready,
    output wire        out_eos,
    output wire [2:0]  out_index,
    output wire        trace_valid,
    output wire [0:0]  trace_layer,
    output wire [2:0]  trace_base,
    output wire [2:0]  trace_step,
    output wire [2:0]  trace_lane_valid,
    output wire [95:0] trace_v,
    output wire [2:0]  trace_spike
);
  localparam CLEAR = 3;
  localparam [15:0] CHATTER = 16'd60000;

  reg [1:0] clr;
  reg [15:0] chat;
  reg marked;  // this step got an event of index 0
  reg stuck;  // a marked step's S was accepted: it never ends
  reg os;  // the end-of-step beat is out

  wire cleared = clr == CLEAR;
  assign in_ready = cleared && !stuck;
  assign out_valid = os;
  assign out_eos = os;
  assign out_index = 3'd0;
  assign trace_valid = chat != CHATTER;
  assign trace_layer = 1'b0;
  assign trace_base = 3'd0;
  assign trace_step = 3'd0;
  assign trace_lane_valid = 3'b001;
  assign trace_v = 96'd0;
  assign trace_spike = 3'd0;

  always @(posedge clk) begin
    if (rst) begin
      clr <= 2'd0;
      chat <= 16'd0;
      marked <= 1'b0;
      stuck <= 1'b0;
      os <= 1'b0;
    end else begin
      if (!cleared) clr <= clr + 2'd1;
      if (chat != CHATTER) chat <= chat + 16'd1;
      if (out_ready) os <= 1'b0;
      if (in_valid && in_ready) begin
        if (in_eos) begin
          if (marked) stuck <= 1'b1;
          else os <= 1'b1;
          marked <= 1'b0;
        end else if (in_index == 3'd0) marked <= 1'b1;
      end
    end
  end
endmodule
