// Testbench: spikeloom_board_top with a bit-level UART model on both pins. Reads a script
// (+script=): `B xx` send a byte, `W n` idle n bit times, `Q k` wait until k device frames have
// arrived, `L x` set the PLL's lock input to x (1 at power-on); writes every byte the device sends
// as hex lines (+out=). With -DGRADED the board top
// has 4-bit input values and 3-bit output counts (for standin_graded_top.v). With -DLOADER the
// core loads its weights (standin_top.v, whose image CRC standin_wload.vh gives) from the
// SPI flash model sim/sl_spi_flash.v (+flash=FILE, else erased) or over the link.
module tb_board;
  localparam integer CLK_HZ = 8000000, BAUD = 1000000, BIT = CLK_HZ / BAUD;
`ifdef GRADED
  // with standin_graded_top.v: 4-bit input values, 3-bit output counts
  localparam integer IVW = 4, OVW = 3;
`else
  localparam integer IVW = 1, OVW = 1;
`endif
`ifdef LOADER
`include "standin_wload.vh"
  localparam integer HAS_LOADER = 1;
`else
  localparam integer HAS_LOADER = 0;
  localparam [31:0] IMAGE_CRC = 32'h0;
`endif
  reg clk = 0;
  always #5 clk = ~clk;
  reg rx = 1'b1;
  reg locked = 1'b1;
  wire tx;
  wire [2:0] led;
  wire flash_csn, flash_sck, flash_mosi, flash_miso;
`ifdef LOADER
  sl_spi_flash #(.BASE(24'h020000), .SIZE(64), .TRES_CYCLES(24)) flash (
    .clk(clk), .csn(flash_csn), .sck(flash_sck), .mosi(flash_mosi), .miso(flash_miso));
`else
  assign flash_miso = 1'b1;
`endif
  spikeloom_board_top #(
    .CLK_HZ(CLK_HZ), .BAUD(BAUD), .IN_SIZE(20), .OUT_SIZE(12), .IN_W(5), .OUT_W(4),
    .IN_VALUE_W(IVW), .OUT_VALUE_W(OVW), .N_LEDS(3), .LED_INVERT(3'b000), .TIMEOUT(2000),
    .HAS_LOADER(HAS_LOADER), .IMAGE_CRC(IMAGE_CRC)
  ) dut (.clk(clk), .locked(locked), .uart_rx(rx), .uart_tx(tx), .led(led), .flash_csn(flash_csn),
    .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso));

  integer script, out, r, n, i, frames = 0;
  reg [8*4-1:0] op;
  reg [31:0] arg;
  reg [1023:0] script_path, out_path;

  task send_byte(input [7:0] b);
    begin
      rx = 1'b0;
      repeat (BIT) @(posedge clk);
      for (i = 0; i < 8; i = i + 1) begin
        rx = b[i];
        repeat (BIT) @(posedge clk);
      end
      rx = 1'b1;
      repeat (BIT) @(posedge clk);
    end
  endtask

  // Device -> host: sample mid-bit, count whole frames (A5 TYPE LENlo LENhi payload CRC).
  reg [7:0] rbyte;
  integer fstate = 0, flen = 0, fleft = 0, j;
  initial begin : receiver
    forever begin
      @(negedge tx);
      repeat (BIT / 2) @(posedge clk);
      for (j = 0; j < 8; j = j + 1) begin
        repeat (BIT) @(posedge clk);
        rbyte[j] = tx;
      end
      repeat (BIT) @(posedge clk);
      if (tx !== 1'b1) begin
        $display("tb_board: device sent a bad stop bit");
        $finish;
      end
      $fdisplay(out, "%02x", rbyte);
      case (fstate)
        0: if (rbyte == 8'hA5) fstate = 1;
        1: fstate = 2;
        2: begin flen = rbyte; fstate = 3; end
        3: begin flen = flen + 256 * rbyte; fleft = flen; fstate = (flen == 0) ? 5 : 4; end
        4: begin fleft = fleft - 1; if (fleft == 0) fstate = 5; end
        default: begin frames = frames + 1; fstate = 0; end
      endcase
    end
  end

  initial begin
    if (!$value$plusargs("script=%s", script_path) || !$value$plusargs("out=%s", out_path)) begin
      $display("tb_board: need +script= and +out=");
      $finish;
    end
    script = $fopen(script_path, "r");
    out = $fopen(out_path, "w");
    repeat (64) @(posedge clk);
    while (!$feof(script)) begin
      r = $fscanf(script, "%s %h\n", op, arg);
      if (r == 2) begin
        if (op == "B") send_byte(arg[7:0]);
        else if (op == "W") repeat (arg * BIT) @(posedge clk);
        else if (op == "L") locked = arg[0];
        else if (op == "Q") begin
          n = 0;
          while (frames < arg && n < 5000000) begin
            @(posedge clk);
            n = n + 1;
          end
          if (frames < arg) begin
            $display("tb_board: timeout waiting for frame %0d", arg);
            $fclose(out);
            $finish;
          end
        end
      end
    end
    repeat (20 * BIT) @(posedge clk);
    $fclose(out);
    $finish;
  end
endmodule
