// Hand-written stand-in for a generated `spikeloom_top`, used only to test the co-simulation
// harnesses and driver before (and independently of) the Verilog generator.
//
// Behaviour (the "echo rule"; crates/cosim/tests/echo.rs predicts the log from it):
// - after rst falls, CLEAR cycles with in_ready low (like a design clearing its memories);
// - COLLECT: in_ready high; each E beat stores its index; the S beat ends the step;
// - TRACE: ceil(SIZE/LANES) cycles, one trace beat per cycle for layer 0 ("echo", SIZE
//   neurons): lane k = neuron base+k (trace_step 1), v = 10*step - neuron - 3, spike = neuron got an event;
// - OUT: the stored indices in arrival order, one per cycle, then the eos beat; in the eos
//   cycle a trace beat for layer 1 ("count", 1 neuron): v = step - 3*count, spike = count != 0;
// - then back to COLLECT with step + 1.
// Widths: IN_W=3 OUT_W=3 LAYER_W=1 NEURON_W=3 TRACE_LANES=3 (trace_v is 96 bits wide so the
// wide-signal path of the C++ harness is exercised).
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
  localparam SIZE = 7;
  localparam LANES = 3;
  localparam CLEAR = 3;
  localparam S_CLEAR = 2'd0;
  localparam S_COLLECT = 2'd1;
  localparam S_TRACE = 2'd2;
  localparam S_OUT = 2'd3;

  reg [1:0] state;
  reg [1:0] clr;
  reg [7:0] step;
  reg [SIZE-1:0] seen;
  reg [2:0] events[0:15];
  reg [4:0] count;
  reg [4:0] rd;
  reg [2:0] base;

  wire last = rd == count;
  assign in_ready = state == S_COLLECT;
  assign out_valid = state == S_OUT;
  assign out_eos = last;
  assign out_index = events[rd[3:0]];

  wire tr_echo = state == S_TRACE;
  wire tr_count = state == S_OUT && last;
  assign trace_valid = tr_echo || tr_count;
  assign trace_layer = tr_count;
  assign trace_base = tr_echo ? base : 3'd0;
  assign trace_step = tr_echo ? 3'd1 : 3'd0;

  genvar k;
  generate
    for (k = 0; k < LANES; k = k + 1) begin : lane
      wire [3:0] neuron = {1'b0, base} + k;
      wire signed [31:0] v_echo = $signed({24'd0, step}) * 10 - $signed({28'd0, neuron}) - 3;
      wire signed [31:0] v_count = $signed({24'd0, step}) - $signed({27'd0, count}) * 3;
      assign trace_lane_valid[k] = tr_echo ? (neuron < SIZE) : (tr_count && k == 0);
      assign trace_v[32*k+:32] = tr_echo ? v_echo : v_count;
      assign trace_spike[k] = tr_echo ? (neuron < SIZE && seen[neuron[2:0]]) : (count != 0);
    end
  endgenerate

  always @(posedge clk) begin
    if (rst) begin
      state <= S_CLEAR;
      clr <= 2'd0;
      step <= 8'd0;
      seen <= {SIZE{1'b0}};
      count <= 5'd0;
      rd <= 5'd0;
      base <= 3'd0;
    end else begin
      case (state)
        S_CLEAR: begin
          clr <= clr + 2'd1;
          if (clr == CLEAR - 1) state <= S_COLLECT;
        end
        S_COLLECT:
        if (in_valid) begin
          if (in_eos) begin
            state <= S_TRACE;
            base <= 3'd0;
          end else begin
            events[count[3:0]] <= in_index;
            count <= count + 5'd1;
            seen[in_index] <= 1'b1;
          end
        end
        S_TRACE: begin
          base <= base + LANES;
          if (base + LANES >= SIZE) begin
            state <= S_OUT;
            rd <= 5'd0;
          end
        end
        default:
        if (out_ready) begin
          if (last) begin
            state <= S_COLLECT;
            step <= step + 8'd1;
            seen <= {SIZE{1'b0}};
            count <= 5'd0;
          end else rd <= rd + 5'd1;
        end
      endcase
    end
  end
endmodule
