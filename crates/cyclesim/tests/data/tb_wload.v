// tb_wload: sl_wload + the SPI flash model (sim/sl_spi_flash.v), for crates/cyclesim/tests/wload.rs,
// which runs the same bench on the Rust twins (`wload::LoadBench`) and compares the logs.
// Runs under Icarus (iverilog -g2005) and Verilator (--binary --timing).
//
// tb_wload_params.vh: localparams N_GRAN, CRC, OFFSET, TRES, TRES_MODEL, FAST, HOST_TIMEOUT,
// FSIZE (flash model bytes), NOPS (entries of ops.hex).
// ops.hex: one 48-bit word per host action, ascending cycle: {cycle[31:0], op[7:0], data[7:0]},
// op bits: 0 hl_start, 1 hl_valid (data = hl_data), 2 hl_keep, 3 hl_drop, 4 hl_end; the
// inputs are applied during that cycle (sampled at its edge). Plusargs: +cycles=N (run length),
// +flash=FILE (flash contents, else erased).
// Log (rtl.log), stamped with the cycle (0 = first edge with rst low) at which it was sampled:
//   W cycle addr data          a store write
//   S cycle state crc pos      wl_state changed (and at cycle 0)
//   C cycle csn                flash_csn changed
//   E cycle state crc pos      end of the run
`timescale 1ns/1ps
module tb_wload;
`include "tb_wload_params.vh"
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1;
    reg hl_start = 1'b0, hl_valid = 1'b0, hl_keep = 1'b0, hl_drop = 1'b0, hl_end = 1'b0;
    reg [7:0] hl_data = 8'h00;
    wire csn, sck, mosi, miso, we, ready;
    wire [15:0] addr, data;
    wire [3:0] state;
    wire [31:0] crc;
    wire [23:0] pos;

    sl_wload #(.N_GRAN(N_GRAN), .CRC(CRC), .FLASH_OFFSET(OFFSET), .TRES_CYCLES(TRES),
               .FAST_READ(FAST), .HOST_TIMEOUT(HOST_TIMEOUT)) dut (
        .clk(clk), .rst(rst), .flash_csn(csn), .flash_sck(sck), .flash_mosi(mosi),
        .flash_miso(miso), .hl_start(hl_start), .hl_valid(hl_valid), .hl_data(hl_data),
        .hl_keep(hl_keep), .hl_drop(hl_drop), .hl_end(hl_end), .wl_we(we), .wl_addr(addr),
        .wl_data(data), .wl_ready(ready), .wl_state(state), .wl_crc(crc), .wl_pos(pos));
    sl_spi_flash #(.BASE(OFFSET), .SIZE(FSIZE), .TRES_CYCLES(TRES_MODEL)) flash (
        .clk(clk), .csn(csn), .sck(sck), .mosi(mosi), .miso(miso));

    reg [47:0] ops [0:NOPS-1];
    integer fd;
    integer k = 0;
    integer rst_left = 2;
    integer cycles = 0;
    reg [31:0] cyc = 32'd0;
    reg [3:0] pstate = 4'hF;
    reg pcsn = 1'b1;

    initial begin
        $readmemh("ops.hex", ops);
        if (!$value$plusargs("cycles=%d", cycles)) cycles = 1000;
        fd = $fopen("rtl.log", "w");
    end

    always @(posedge clk) begin
        if (rst) begin
            rst_left = rst_left - 1;
            if (rst_left == 0) rst <= 1'b0;
        end else begin
            if (we) $fdisplay(fd, "W %0d %0d %0d", cyc, addr, data);
            if (state != pstate) $fdisplay(fd, "S %0d %0d %0d %0d", cyc, state, crc, pos);
            if (csn != pcsn) $fdisplay(fd, "C %0d %0d", cyc, csn);
            pstate = state;
            pcsn = csn;
            if (cyc == cycles) begin
                $fdisplay(fd, "E %0d %0d %0d %0d", cyc, state, crc, pos);
                $fclose(fd);
                $finish;
            end
            // the inputs of the next cycle
            hl_start <= 1'b0;
            hl_valid <= 1'b0;
            hl_keep <= 1'b0;
            hl_drop <= 1'b0;
            hl_end <= 1'b0;
            if (k < NOPS && ops[k][47:16] == cyc + 1) begin
                hl_start <= ops[k][8];
                hl_valid <= ops[k][9];
                hl_keep <= ops[k][10];
                hl_drop <= ops[k][11];
                hl_end <= ops[k][12];
                hl_data <= ops[k][7:0];
                k = k + 1;
            end
            cyc = cyc + 1;
        end
    end
endmodule
