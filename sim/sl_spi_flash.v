// sl_spi_flash: simulation model of the board's SPI configuration flash (the W25Q128JV subset
// the weight loader uses), for co-simulation under Icarus and Verilator.
//
// Owns: serving the weight image to sl_wload's SPI reader exactly as the cycle model's twin
// (spikeloom-cyclesim `wload::Flash`) does. It is sampled on the system clock (no clock of its
// own, so Verilator needs no timing support): at every rising edge of `clk` it compares the
// loader's registered pins with their values at the previous edge, so it sees an SCK edge one
// cycle after the loader made it, and answers one cycle later (the loader samples MISO one SCK
// period after the falling edge that launched the bit, see sl_wload.v).
//
// Behaviour:
// - Starts in deep power-down (the iCE40 sends 0xB9 after configuration): every instruction but
//   0xAB is ignored. 0xAB (8 bits, then CS# high) wakes it; an instruction whose CS# falls less
//   than TRES_CYCLES sampled cycles of CS# high after that is ignored too (tRES1).
// - 0x03 + 24-bit address: data from the next falling SCK edge on; 0x0B + address + 8 dummy
//   clocks: the same, after the dummy byte. Bytes come MSB first, the address increments.
// - Memory: SIZE bytes at byte address BASE from the hex file of plusarg +flash=FILE (one byte
//   per line, $readmemh); every other address, and every address without +flash, reads 0xFF
//   (an erased flash). MISO is 1 outside the data phase (no flash answering reads 0xFF too).
`default_nettype none

module sl_spi_flash #(
    parameter [23:0] BASE = 24'h020000,
    parameter integer SIZE = 1,
    parameter integer TRES_CYCLES = 36
) (
    input  wire clk,
    input  wire csn,
    input  wire sck,
    input  wire mosi,
    output reg  miso
);
    localparam integer HW = $clog2(TRES_CYCLES + 1);
    localparam [HW-1:0] TRES = TRES_CYCLES[HW-1:0];

    reg [7:0]    mem [0:SIZE-1];
    reg          p_csn = 1'b1, p_sck = 1'b0;
    reg          asleep = 1'b1;
    reg [HW-1:0] hi_n = {HW{1'b0}};   // cycles of CS# high since the wake-up (saturating)
    reg          ok = 1'b0;           // this transaction started with the flash awake
    reg [5:0]    bits = 6'd0;         // rising SCK edges in this transaction (saturating at 63)
    reg [7:0]    cmd = 8'h00;
    reg [23:0]   addr = 24'h0;
    reg          dphase = 1'b0;
    reg [23:0]   dptr = 24'h0;
    reg [2:0]    dbit = 3'd7;
    reg [8*1024-1:0] file;
    integer      i;

    initial begin
        miso = 1'b1;
        for (i = 0; i < SIZE; i = i + 1) mem[i] = 8'hFF;
        if ($value$plusargs("flash=%s", file)) $readmemh(file, mem);
    end

    function [7:0] byte_at(input [23:0] a);
        reg [23:0] off;
        begin
            off = a - BASE;
            byte_at = (a >= BASE && {8'h0, off} < SIZE) ? mem[off] : 8'hFF;
        end
    endfunction

    wire [7:0] data_now = byte_at(dphase ? dptr : addr);
    wire [5:0] data_bits = (cmd == 8'h0B) ? 6'd40 : 6'd32;
    wire       reading = ok && (cmd == 8'h03 || cmd == 8'h0B) && bits >= data_bits;

    always @(posedge clk) begin
        p_csn <= csn;
        p_sck <= sck;
        if (csn) begin
            miso <= 1'b1;
            dphase <= 1'b0;
            if (!p_csn && bits == 6'd8 && cmd == 8'hAB) begin
                asleep <= 1'b0;
                hi_n <= {{(HW - 1){1'b0}}, 1'b1};
            end else if (hi_n != {HW{1'b0}} && hi_n < TRES) hi_n <= hi_n + 1'b1;
        end else if (p_csn) begin
            // CS# fell: a new instruction
            ok <= !asleep && hi_n >= TRES;
            bits <= 6'd0;
            dphase <= 1'b0;
            dbit <= 3'd7;
        end else if (sck && !p_sck) begin
            if (bits != 6'd63) bits <= bits + 1'b1;
            if (bits < 6'd8) cmd <= {cmd[6:0], mosi};
            else if (bits < 6'd32) addr <= {addr[22:0], mosi};
        end else if (!sck && p_sck && reading) begin
            miso <= data_now[dbit];
            if (!dphase) begin
                dphase <= 1'b1;
                dptr <= addr;
            end
            if (dbit == 3'd0) begin
                dbit <= 3'd7;
                dptr <= (dphase ? dptr : addr) + 1'b1;
            end else dbit <= dbit - 1'b1;
        end
    end
endmodule

`default_nettype wire
