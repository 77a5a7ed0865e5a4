// TEST DATA ONLY: a stand-in for a generated spikeloom_top with graded input (4-bit in_value) and
// spike-count output (3-bit out_value). It echoes every input event with index < OUT_SIZE as an
// output event whose count is min(value, 7), then the eos beat. Like standin_top.v it holds
// in_ready low for 3 cycles after reset and while a step's outputs drain.
module spikeloom_top (
  input  wire        clk,
  input  wire        rst,
  input  wire        in_valid,
  output wire        in_ready,
  input  wire        in_eos,
  input  wire [4:0]  in_index,
  input  wire [3:0]  in_value,
  output wire        out_valid,
  input  wire        out_ready,
  output wire        out_eos,
  output wire [3:0]  out_index,
  output wire [2:0]  out_value,
  output wire        trace_valid,
  output wire [0:0]  trace_layer,
  output wire [4:0]  trace_base,
  output wire [0:0]  trace_lane_valid,
  output wire [31:0] trace_v,
  output wire [2:0]  trace_spike
);
  localparam OUT_SIZE = 12;
  reg [6:0] fifo [0:31];
  reg [5:0] wr = 0, rd = 0;
  reg [1:0] hold = 0;
  reg eos_pending = 0;
  wire empty = (wr == rd);
  wire [6:0] head = fifo[rd[4:0]];
  assign in_ready = (hold == 0) && !eos_pending;
  assign out_valid = !empty || eos_pending;
  assign out_eos = empty && eos_pending;
  assign out_index = empty ? 4'd0 : head[3:0];
  assign out_value = empty ? 3'd0 : head[6:4];
  assign trace_valid = 1'b0;
  assign trace_layer = 0;
  assign trace_base = 0;
  assign trace_lane_valid = 0;
  assign trace_v = 0;
  assign trace_spike = 0;
  always @(posedge clk) begin
    if (rst) begin
      wr <= 0;
      rd <= 0;
      hold <= 2'd3;
      eos_pending <= 1'b0;
    end else begin
      if (hold != 0) hold <= hold - 1'b1;
      if (in_valid && in_ready) begin
        if (in_eos) eos_pending <= 1'b1;
        else if (in_index < OUT_SIZE) begin
          fifo[wr[4:0]] <= {(in_value > 4'd7) ? 3'd7 : in_value[2:0], in_index[3:0]};
          wr <= wr + 1'b1;
        end
      end
      if (out_valid && out_ready) begin
        if (out_eos) eos_pending <= 1'b0;
        else rd <= rd + 1'b1;
      end
    end
  end
endmodule
