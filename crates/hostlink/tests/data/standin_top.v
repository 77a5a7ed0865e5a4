// TEST DATA ONLY: a stand-in for the generated spikeloom_top (same ports as the shared interface
// spec) that echoes every input event with index < OUT_SIZE as an output event, then the eos beat.
// It holds in_ready low for 3 cycles after reset (as a design clearing memories may) and while a
// step's outputs drain.
// With LOADER defined it is a design whose weights are loaded at start-up: the loader
// (rtl-templates/mem/sl_wload.v, its ports as the generated top has them) fills a 20-granule
// store, and input event i < 20 becomes the output event with the index in the low 4 bits of
// granule i (< 12 in the test's image), so the outputs show the loaded weights. The image's CRC
// and the loader's host timeout come from standin_wload.vh, written by the test; the board top
// holds the stand-in in reset until the load is complete.
module spikeloom_top (
  input  wire        clk,
  input  wire        rst,
  input  wire        in_valid,
  output wire        in_ready,
  input  wire        in_eos,
  input  wire [4:0]  in_index,
  output wire        out_valid,
  input  wire        out_ready,
  output wire        out_eos,
  output wire [3:0]  out_index,
  output wire        trace_valid,
  output wire [0:0]  trace_layer,
  output wire [4:0]  trace_base,
  output wire [0:0]  trace_lane_valid,
  output wire [31:0] trace_v,
`ifdef LOADER
  output wire [0:0]  trace_spike,
  input  wire        wl_rst,
  output wire        flash_csn,
  output wire        flash_sck,
  output wire        flash_mosi,
  input  wire        flash_miso,
  input  wire        hl_start,
  input  wire        hl_valid,
  input  wire [7:0]  hl_data,
  input  wire        hl_keep,
  input  wire        hl_drop,
  input  wire        hl_end,
  output wire [3:0]  wl_state,
  output wire [31:0] wl_crc,
  output wire [23:0] wl_pos
);
`include "standin_wload.vh"
  localparam N = 20;
  wire wl_we, wl_ready;
  wire [15:0] wl_addr, wl_data;
  reg [15:0] store [0:N-1];
  always @(posedge clk) if (wl_we && wl_addr < N) store[wl_addr] <= wl_data;
  sl_wload #(.N_GRAN(N), .CRC(IMAGE_CRC), .FLASH_OFFSET(24'h020000), .TRES_CYCLES(24),
             .HOST_TIMEOUT(HOST_TIMEOUT)) u_load (
    .clk(clk), .rst(wl_rst), .flash_csn(flash_csn), .flash_sck(flash_sck),
    .flash_mosi(flash_mosi), .flash_miso(flash_miso), .hl_start(hl_start), .hl_valid(hl_valid),
    .hl_data(hl_data), .hl_keep(hl_keep), .hl_drop(hl_drop), .hl_end(hl_end), .wl_we(wl_we),
    .wl_addr(wl_addr), .wl_data(wl_data), .wl_ready(wl_ready), .wl_state(wl_state),
    .wl_crc(wl_crc), .wl_pos(wl_pos));
  wire echo = in_index < N;
  wire [3:0] echo_index = store[in_index][3:0];
`else
  output wire [0:0]  trace_spike
);
  localparam OUT_SIZE = 12;
  wire echo = in_index < OUT_SIZE;
  wire [3:0] echo_index = in_index[3:0];
`endif
  reg [3:0] fifo [0:31];
  reg [5:0] wr = 0, rd = 0;
  reg [1:0] hold = 0;
  reg eos_pending = 0;
  wire empty = (wr == rd);
  assign in_ready = (hold == 0) && !eos_pending;
  assign out_valid = !empty || eos_pending;
  assign out_eos = empty && eos_pending;
  assign out_index = empty ? 4'd0 : fifo[rd[4:0]];
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
        else if (echo) begin
          fifo[wr[4:0]] <= echo_index;
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
