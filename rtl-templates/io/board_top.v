// spikeloom rtl-templates/io/board_top.v: the board top level around the generated spikeloom_top.
// Reset until the clock is good, UART (8N1) host link speaking the framed protocol of
// crates/hostlink/PROTOCOL.md, and status LEDs: led[0] heartbeat (~1 Hz), led[1] busy, led[2]
// error (lit ~0.25 s per error).
// Parameters come from the generated wrapper (spikeloom_board.v): sizes and widths from the plan's
// TopInterface, CLK_HZ (the design clock, rounded to Hz), BAUD and CLKS_PER_BIT (the UART
// divider, exact at the design clock on boards with a known bridge) from the clock plan,
// LED_INVERT bit i = LED i is active low.
// Reset: `locked` is the PLL's LOCK (1 without a PLL). While it is low, reset is asserted at once
// (asynchronously); after it rises (two-flop synchronizer) reset stays asserted for SETTLE_CYCLES
// more cycles, which the wrapper sizes to 15 us: iCE40 block RAM reads return 0 for a few
// microseconds after configuration (FPGA-V2-FACTS.md section 3). A lock lost later resets again.
// IN_VALUE_W > 1: the core has an `in_value` port (graded input); OUT_VALUE_W > 1: it has an
// `out_value` port (the output layer's spike counts). 1 = no such port (binary events).
// HAS_LOADER = 1: the core loads its weights at start-up (sl_wload inside spikeloom_top): its
// loader is reset by the power-on reset only, reads the SPI configuration flash on the flash_*
// pins or takes the host bridge's LOAD stream, and the core is held in reset until the weights
// are loaded (led[1] lit while loading, led[2] lit while a load has failed). Without a loader
// the flash pins idle (CS# high).
module spikeloom_board_top #(
  parameter integer CLK_HZ = 12000000,
  parameter integer BAUD = 115200,
  parameter integer CLKS_PER_BIT = (CLK_HZ + BAUD / 2) / BAUD,
  parameter integer SETTLE_CYCLES = 31,
  parameter integer IN_SIZE = 8,
  parameter integer OUT_SIZE = 8,
  parameter integer IN_W = 3,
  parameter integer OUT_W = 3,
  parameter integer IN_VALUE_W = 1,
  parameter integer OUT_VALUE_W = 1,
  parameter integer N_LEDS = 3,
  parameter [N_LEDS-1:0] LED_INVERT = 0,
  parameter integer TIMEOUT = CLK_HZ / 50,
  parameter integer HAS_LOADER = 0,
  parameter integer OBUF_BLOCK = 1,  // the bridge's output events in block RAM (iCE40: 1)
  parameter integer ZERO_SKIP = 1,   // the bridge scans only the non-zero input words
  parameter integer PIXELS = 1,      // the bridge has RUN_PIXELS and its rate encoder
  parameter [31:0] IMAGE_CRC = 32'h0
) (
  input  wire              clk,
  input  wire              locked,
  input  wire              uart_rx,
  output wire              uart_tx,
  output wire [N_LEDS-1:0] led,
  output wire              flash_csn,
  output wire              flash_sck,
  output wire              flash_mosi,
  input  wire              flash_miso
);
  // Reset until locked, then SETTLE_CYCLES more. FPGA flops start at their init value (0).
  localparam integer SW = $clog2(SETTLE_CYCLES + 1);
  reg [1:0] lock_sync = 2'b00;
  always @(posedge clk or negedge locked)
    if (!locked) lock_sync <= 2'b00;
    else lock_sync <= {lock_sync[0], 1'b1};
  // The reset reaches every block of the design: it leaves a register (no compare logic in front
  // of its fan-out; nextpnr can route it on a global net), one cycle after the count ends.
  reg [SW-1:0] settle = 0;
  wire settling = !lock_sync[1] || (settle != SETTLE_CYCLES);
  reg rst = 1'b1;
  always @(posedge clk) begin
    rst <= settling;
    if (!lock_sync[1]) settle <= 0;
    else if (settling) settle <= settle + 1'b1;
  end

  wire [7:0] rx_data;
  wire rx_valid, rx_frame_error;
  spikeloom_uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
    .clk(clk), .rst(rst), .rx(uart_rx),
    .data(rx_data), .valid(rx_valid), .frame_error(rx_frame_error)
  );

  wire [7:0] tx_data;
  wire tx_valid, tx_ready;
  spikeloom_uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
    .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(uart_tx)
  );

  wire core_rst, in_valid, in_ready, in_eos, out_valid, out_ready, out_eos, busy, error_pulse;
  wire hl_start, hl_valid, hl_keep, hl_drop, hl_end;
  wire [7:0] hl_data;
  wire [3:0] wl_state;
  wire [31:0] wl_crc;
  wire [23:0] wl_pos;
  // the core runs only on loaded weights (sl_wload's state 2 = ready)
  wire loaded = (HAS_LOADER == 0) || (wl_state == 4'd2);
  wire load_failed = (HAS_LOADER != 0) && (wl_state > 4'd2);
  wire run_rst = core_rst || !loaded;
  wire [IN_W-1:0] in_index;
  wire [OUT_W-1:0] out_index;
  wire [IN_VALUE_W-1:0] in_value;
  wire [OUT_VALUE_W-1:0] out_value;
  spikeloom_host_bridge #(
    .IN_SIZE(IN_SIZE), .OUT_SIZE(OUT_SIZE), .IN_W(IN_W), .OUT_W(OUT_W),
    .IN_VALUE_W(IN_VALUE_W), .OUT_VALUE_W(OUT_VALUE_W), .TIMEOUT(TIMEOUT),
    .HAS_LOADER(HAS_LOADER), .OBUF_BLOCK(OBUF_BLOCK), .ZERO_SKIP(ZERO_SKIP), .PIXELS(PIXELS),
    .IMAGE_CRC(IMAGE_CRC)
  ) u_bridge (
    .clk(clk), .rst(rst),
    .rx_data(rx_data), .rx_valid(rx_valid),
    .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready),
    .core_rst(core_rst),
    .in_valid(in_valid), .in_ready(in_ready), .in_eos(in_eos), .in_index(in_index),
    .in_value(in_value),
    .out_valid(out_valid), .out_ready(out_ready), .out_eos(out_eos), .out_index(out_index),
    .out_value(out_value),
    .busy(busy), .error_pulse(error_pulse),
    .hl_start(hl_start), .hl_valid(hl_valid), .hl_data(hl_data), .hl_keep(hl_keep),
    .hl_drop(hl_drop), .hl_end(hl_end), .wl_state(wl_state), .wl_crc(wl_crc), .wl_pos(wl_pos)
  );

  // The trace outputs stay unconnected: synthesis removes the trace logic. The value ports exist
  // only when events carry values, the loader's only with a loader: one instance per combination.
`define SL_CORE_IO .clk(clk), .rst(run_rst), \
        .in_valid(in_valid), .in_ready(in_ready), .in_eos(in_eos), .in_index(in_index), \
        .out_valid(out_valid), .out_ready(out_ready), .out_eos(out_eos), .out_index(out_index)
`define SL_LOADER_IO .wl_rst(rst), .flash_csn(flash_csn), .flash_sck(flash_sck), \
        .flash_mosi(flash_mosi), .flash_miso(flash_miso), .hl_start(hl_start), \
        .hl_valid(hl_valid), .hl_data(hl_data), .hl_keep(hl_keep), .hl_drop(hl_drop), \
        .hl_end(hl_end), .wl_state(wl_state), .wl_crc(wl_crc), .wl_pos(wl_pos)
  generate
    if (HAS_LOADER != 0) begin : g_load
      if (IN_VALUE_W > 1 && OUT_VALUE_W > 1) begin : g_core_iv_ov
        spikeloom_top u_core (`SL_CORE_IO, .in_value(in_value), .out_value(out_value), `SL_LOADER_IO);
      end else if (IN_VALUE_W > 1) begin : g_core_iv
        spikeloom_top u_core (`SL_CORE_IO, .in_value(in_value), `SL_LOADER_IO);
        assign out_value = 1'b1;
      end else if (OUT_VALUE_W > 1) begin : g_core_ov
        spikeloom_top u_core (`SL_CORE_IO, .out_value(out_value), `SL_LOADER_IO);
      end else begin : g_core
        spikeloom_top u_core (`SL_CORE_IO, `SL_LOADER_IO);
        assign out_value = 1'b1;
      end
    end else begin : g_rom
      // no loader: the flash is not used, and the bridge sees no loader state
      assign flash_csn = 1'b1;
      assign flash_sck = 1'b0;
      assign flash_mosi = 1'b0;
      assign wl_state = 4'd0;
      assign wl_crc = 32'd0;
      assign wl_pos = 24'd0;
      if (IN_VALUE_W > 1 && OUT_VALUE_W > 1) begin : g_core_iv_ov
        spikeloom_top u_core (`SL_CORE_IO, .in_value(in_value), .out_value(out_value));
      end else if (IN_VALUE_W > 1) begin : g_core_iv
        spikeloom_top u_core (`SL_CORE_IO, .in_value(in_value));
        assign out_value = 1'b1;
      end else if (OUT_VALUE_W > 1) begin : g_core_ov
        spikeloom_top u_core (`SL_CORE_IO, .out_value(out_value));
      end else begin : g_core
        spikeloom_top u_core (`SL_CORE_IO);
        assign out_value = 1'b1;
      end
    end
  endgenerate
`undef SL_CORE_IO
`undef SL_LOADER_IO

  localparam integer BW = $clog2(CLK_HZ + 1);
  reg [BW-1:0] beat = 0;
  reg heartbeat = 0;
  always @(posedge clk) begin
    if (beat >= CLK_HZ / 2 - 1) begin
      beat <= 0;
      heartbeat <= ~heartbeat;
    end else beat <= beat + 1'b1;
  end

  reg [BW-1:0] err_timer = 0;
  always @(posedge clk) begin
    if (error_pulse || rx_frame_error || load_failed) err_timer <= CLK_HZ / 4;
    else if (err_timer != 0) err_timer <= err_timer - 1'b1;
  end

  wire [2:0] status = {err_timer != 0, busy || !loaded, heartbeat};
  genvar i;
  generate
    for (i = 0; i < N_LEDS; i = i + 1) begin : g_led
      if (i < 3) begin : g_status
        assign led[i] = status[i] ^ LED_INVERT[i];
      end else begin : g_off
        assign led[i] = LED_INVERT[i];
      end
    end
  endgenerate
endmodule
