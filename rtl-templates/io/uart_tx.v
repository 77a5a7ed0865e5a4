// spikeloom rtl-templates/io/uart_tx.v: 8N1 UART transmitter.
// A byte is taken when valid && ready (ready = idle); the line idles high.
module spikeloom_uart_tx #(
  parameter integer CLKS_PER_BIT = 104
) (
  input  wire       clk,
  input  wire       rst,
  input  wire [7:0] data,
  input  wire       valid,
  output wire       ready,
  output wire       tx
);
  localparam integer CW = (CLKS_PER_BIT < 2) ? 1 : $clog2(CLKS_PER_BIT + 1);
  // shift holds {stop, data, start}, sent LSB first.
  reg [9:0] shift = 10'h3FF;
  reg [3:0] left = 0;
  reg [CW-1:0] timer = 0;

  assign ready = (left == 0);
  assign tx = shift[0];

  always @(posedge clk) begin
    if (rst) begin
      shift <= 10'h3FF;
      left <= 0;
      timer <= 0;
    end else if (left == 0) begin
      if (valid) begin
        shift <= {1'b1, data, 1'b0};
        left <= 4'd10;
        timer <= CLKS_PER_BIT - 1;
      end
    end else if (timer == 0) begin
      shift <= {1'b1, shift[9:1]};
      left <= left - 1'b1;
      timer <= CLKS_PER_BIT - 1;
    end else begin
      timer <= timer - 1'b1;
    end
  end
endmodule
