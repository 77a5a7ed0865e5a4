// Small test design for the toolchain flow: a counter, a 256x16 ROM ($readmemh -> block RAM) and a
// multiply-accumulate (-> DSP), with the board top-level port names.
module blinky_mac (
  input  wire       clk,
  input  wire       uart_rx,
  output wire       uart_tx,
  output wire [1:0] led
);
  reg [23:0] cnt = 0;
  reg [7:0] addr = 0;
  reg [15:0] rom [0:255];
  reg [15:0] q = 0;
  reg [31:0] acc = 0;
  initial $readmemh("rom.hex", rom);
  always @(posedge clk) begin
    cnt <= cnt + 1;
    addr <= addr + 1;
    q <= rom[addr];
    acc <= acc + q * cnt[15:0];
  end
  assign led = {acc[31], cnt[23]};
  assign uart_tx = acc[17] ^ acc[3] ^ uart_rx;
endmodule
