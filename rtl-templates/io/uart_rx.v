// spikeloom rtl-templates/io/uart_rx.v: 8N1 UART receiver.
// A 2-flop synchronizer feeds a state machine that confirms the start bit at its middle and
// samples each data bit at its middle (CLKS_PER_BIT clock cycles per bit, >= 4). A byte is
// delivered (data + one-cycle valid) only when its stop bit is 1; otherwise it is dropped and
// frame_error pulses, and the receiver waits for the line to idle high before the next start bit.
// `data` is the shift register itself: it holds the byte from `valid` until the next byte's first
// data bit is sampled, at least 1.5 bit times later (>= 6 cycles), long enough for a reader
// that takes it with `valid` or a few cycles after (the host bridge: up to 2 cycles).
module spikeloom_uart_rx #(
  parameter integer CLKS_PER_BIT = 104
) (
  input  wire       clk,
  input  wire       rst,
  input  wire       rx,
  output wire [7:0] data,
  output reg        valid,
  output reg        frame_error
);
  localparam integer CW = (CLKS_PER_BIT < 2) ? 1 : $clog2(CLKS_PER_BIT + 1);
  localparam [2:0] IDLE = 3'd0, START = 3'd1, BITS = 3'd2, STOP = 3'd3, BREAK = 3'd4;

  // Sync flops start at 1 (line idle) so power-up does not look like a start bit.
  reg rx_m = 1'b1, rx_s = 1'b1;
  reg [2:0] state = IDLE;
  reg [CW-1:0] timer = 0;
  reg [2:0] bit_n = 0;
  reg [7:0] shift = 0;
  assign data = shift;

  always @(posedge clk) begin
    rx_m <= rx;
    rx_s <= rx_m;
    valid <= 1'b0;
    frame_error <= 1'b0;
    if (rst) begin
      state <= IDLE;
      timer <= 0;
      bit_n <= 0;
    end else begin
      case (state)
        IDLE: if (!rx_s) begin
          state <= START;
          timer <= CLKS_PER_BIT / 2 - 1;
        end
        START: if (timer == 0) begin
          // Middle of the start bit: still low, or it was a glitch.
          if (!rx_s) begin
            state <= BITS;
            timer <= CLKS_PER_BIT - 1;
            bit_n <= 0;
          end else begin
            state <= IDLE;
          end
        end else timer <= timer - 1'b1;
        BITS: if (timer == 0) begin
          shift <= {rx_s, shift[7:1]};
          timer <= CLKS_PER_BIT - 1;
          bit_n <= bit_n + 1'b1;
          if (bit_n == 3'd7) state <= STOP;
        end else timer <= timer - 1'b1;
        STOP: if (timer == 0) begin
          if (rx_s) begin
            valid <= 1'b1;
            state <= IDLE;
          end else begin
            frame_error <= 1'b1;
            state <= BREAK;
          end
        end else timer <= timer - 1'b1;
        // After a bad stop bit (break or misaligned start), wait for the idle-high line.
        BREAK: if (rx_s) state <= IDLE;
        default: state <= IDLE;
      endcase
    end
  end
endmodule
