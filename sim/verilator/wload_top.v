// wload_top.v -- the Verilator harness's top level for a design with a weight loader: the
// generated `spikeloom_top` plus the SPI flash model (sim/sl_spi_flash.v) on its flash pins,
// with the host-load inputs tied off, as the Icarus testbench wires them. Built with
// `--top-module spikeloom_sim_top --prefix Vspikeloom_top`, so harness.cpp drives the same ports
// as for a design without a loader, plus `wl_rst` and `wl_state`.
// Widths and the flash model's parameters come from `tb_params.vh` (sim/README.md).
module spikeloom_sim_top (
    clk, rst, in_valid, in_ready, in_eos, in_index, in_value,
    out_valid, out_ready, out_eos, out_index, out_value,
    trace_valid, trace_layer, trace_base, trace_step, trace_lane_valid, trace_v, trace_spike,
    wl_rst, wl_state
);
`include "tb_params.vh"
  // in_value / out_value are always ports here (the macros are defined only from the include
  // on): harness.cpp uses them only when the design has them (TB_IN_VW / TB_OUT_VW > 1)
  input  wire clk;
  input  wire rst;
  input  wire in_valid;
  output wire in_ready;
  input  wire in_eos;
  input  wire [IN_W-1:0] in_index;
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [IN_VW-1:0] in_value;
  /* verilator lint_on UNUSEDSIGNAL */
  output wire out_valid;
  input  wire out_ready;
  output wire out_eos;
  output wire [OUT_W-1:0] out_index;
  output wire [OUT_VW-1:0] out_value;
`ifndef TB_OUT_VALUE
  assign out_value = {OUT_VW{1'b1}};
`endif
  output wire trace_valid;
  output wire [LAYER_W-1:0] trace_layer;
  output wire [NEURON_W-1:0] trace_base;
  output wire [NEURON_W-1:0] trace_step;
  output wire [TRACE_LANES-1:0] trace_lane_valid;
  output wire [TRACE_LANES*32-1:0] trace_v;
  output wire [TRACE_LANES*SPIKE_W-1:0] trace_spike;
  input  wire wl_rst;
  output wire [3:0] wl_state;

  wire flash_csn, flash_sck, flash_mosi, flash_miso;
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] wl_crc;
  wire [23:0] wl_pos;
  /* verilator lint_on UNUSEDSIGNAL */

  sl_spi_flash #(.BASE(FLASH_BASE), .SIZE(FLASH_SIZE), .TRES_CYCLES(FLASH_TRES)) flash (
      .clk(clk), .csn(flash_csn), .sck(flash_sck), .mosi(flash_mosi), .miso(flash_miso));

  spikeloom_top dut (
      .clk(clk),
      .rst(rst),
      .in_valid(in_valid),
      .in_ready(in_ready),
      .in_eos(in_eos),
      .in_index(in_index),
`ifdef TB_IN_VALUE
      .in_value(in_value),
`endif
      .out_valid(out_valid),
      .out_ready(out_ready),
      .out_eos(out_eos),
      .out_index(out_index),
`ifdef TB_OUT_VALUE
      .out_value(out_value),
`endif
      .trace_valid(trace_valid),
      .trace_layer(trace_layer),
      .trace_base(trace_base),
      .trace_step(trace_step),
      .trace_lane_valid(trace_lane_valid),
      .trace_v(trace_v),
      .trace_spike(trace_spike),
      .wl_rst(wl_rst),
      .flash_csn(flash_csn),
      .flash_sck(flash_sck),
      .flash_mosi(flash_mosi),
      .flash_miso(flash_miso),
      .hl_start(1'b0),
      .hl_valid(1'b0),
      .hl_data(8'h00),
      .hl_keep(1'b0),
      .hl_drop(1'b0),
      .hl_end(1'b0),
      .wl_state(wl_state),
      .wl_crc(wl_crc),
      .wl_pos(wl_pos)
  );
endmodule
