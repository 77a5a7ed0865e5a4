// sl_wload: the weight loader. Fills a store that the bitstream cannot initialise (iCE40 SPRAM)
// through its write port, from the SPI configuration flash after power-on or from a host byte
// stream (the host bridge's LOAD command), and raises wl_ready only for a complete, checked image.
//
// Image (crates/plan/src/image.rs, `WeightImage`): 12-byte header then the payload.
//   bytes 0..3   magic "SLWI"
//   bytes 4..7   granule count, u32 little-endian (must equal N_GRAN)
//   bytes 8..11  CRC-32 of the payload, u32 LE (must equal CRC: the design's image)
//   bytes 12..   N_GRAN granules, u16 LE each; granule g goes to wl_addr = g
// CRC-32 is zlib's (IEEE 802.3, reflected, polynomial 0xEDB88320, init and final xor all ones),
// computed bit-serially: 8 cycles per payload byte (a byte arrives every 16 cycles from the
// flash; host bytes must come at least 10 cycles apart, the UART gives >= 40).
//
// Flash (after rst falls): CS# low, 0xAB (release from deep power-down: the iCE40 puts the flash
// to sleep after configuration), CS# high, wait TRES_CYCLES (>= tRES1 = 3 us), then CS# low and a
// read at FLASH_OFFSET: 0x03 + 24-bit address (FAST_READ = 0), or 0x0B + address + 8 dummy clocks
// (FAST_READ = 1, needed above 50 MHz SCK). Bytes are read until the image is complete or the
// header is wrong, then CS# goes high for good.
// SCK is clk / 2, always: the flash samples MOSI on SCK's rising edge and shifts MISO on its
// falling edge; this module samples MISO at the clock edge that makes the NEXT falling edge, one
// full SCK period after the flash launched the bit. So the round trip (FPGA pad out, flash tV,
// pad in) may take up to two clock periods minus setup, and the hold comes from the same
// delays; no DDR I/O cells, the same RTL on iCE40 and ECP5, and 0x03's 50 MHz limit holds up to a
// 100 MHz clock. SCK = clk would halve the load time but needs DDR pads and a sub-cycle timing
// budget (FPGA-V2-FACTS.md section 1).
//
// Host stream (only the host bridge drives it; each input is a one-cycle pulse):
//   hl_start   begin a host load (stops a flash read): position 0, store not ready
//   hl_valid   one image byte on hl_data (ignored unless a host load is in progress)
//   hl_keep    the bytes since the last keep/start are good (their frame's CRC matched): checkpoint
//   hl_drop    roll back to the checkpoint (their frame was bad): resend them
//   hl_end     the host says the image is complete: a load still in progress fails (INCOMPLETE)
// keep, drop and end must come at least 10 cycles after the last byte (the frame's CRC byte
// follows it on the UART). A host load without a byte, keep or drop for HOST_TIMEOUT cycles
// fails (TIMEOUT).
//
// wl_state: 0 FLASH (reading the flash), 1 HOST (host load in progress), 2 READY,
//   3 BLANK (magic all 0xFF: erased flash or no flash answering), 4 MAGIC (not an image),
//   5 COUNT (image of another size), 6 HASH (image of other weights: header CRC differs from
//   the design's), 7 CRC (payload corrupt), 8 INCOMPLETE, 9 TIMEOUT.
// wl_crc is the CRC-32 of the payload bytes read so far (the final CRC once READY or CRC);
// wl_pos the image bytes accepted.
// Rust twin: spikeloom-cyclesim `wload::Loader` (and `wload::Flash` for sim/sl_spi_flash.v).
`default_nettype none

module sl_wload #(
    parameter integer N_GRAN = 1,              // granules of the image, 1..65536
    parameter [31:0] CRC = 32'h0,               // CRC-32 of the design's payload
    parameter [23:0] FLASH_OFFSET = 24'h020000, // byte address of the image in the flash
    parameter integer TRES_CYCLES = 40,         // cycles between wake-up and read (>= 3 us)
    parameter integer FAST_READ = 0,            // 1: 0x0B + 8 dummy clocks, 0: 0x03
    parameter integer HOST_TIMEOUT = 12000000   // host load idle limit, cycles
) (
    input  wire        clk,
    input  wire        rst,          // power-on reset only (a core reset must not reload)
    output reg         flash_csn,
    output reg         flash_sck,
    output reg         flash_mosi,
    input  wire        flash_miso,
    input  wire        hl_start,
    input  wire        hl_valid,
    input  wire [7:0]  hl_data,
    input  wire        hl_keep,
    input  wire        hl_drop,
    input  wire        hl_end,
    output reg         wl_we,
    output reg  [15:0] wl_addr,
    output reg  [15:0] wl_data,
    output wire        wl_ready,
    output wire [3:0]  wl_state,
    output wire [31:0] wl_crc,
    output wire [23:0] wl_pos
);
    localparam [3:0] S_FLASH = 4'd0, S_HOST = 4'd1, S_READY = 4'd2, S_BLANK = 4'd3,
                     S_MAGIC = 4'd4, S_COUNT = 4'd5, S_HASH = 4'd6, S_CRC = 4'd7,
                     S_INCOMPLETE = 4'd8, S_TIMEOUT = 4'd9;
    localparam integer TOTAL = 12 + 2 * N_GRAN;          // image bytes
    localparam integer PW = $clog2(TOTAL + 1);
    localparam integer LAST_I = TOTAL - 1;
    localparam [PW-1:0] LAST = LAST_I[PW-1:0];
    localparam [PW-1:0] TOTAL_P = TOTAL[PW-1:0];
    localparam [PW-1:0] HDR_END = 12;
    localparam [31:0] N32 = N_GRAN;
    localparam [31:0] POLY = 32'hEDB88320;
    localparam [5:0] RD_BITS = (FAST_READ != 0) ? 6'd40 : 6'd32;
    // the read instruction, sent from bit RD_BITS - 1 down to bit 0
    localparam [39:0] RD_WORD = (FAST_READ != 0) ? {8'h0B, FLASH_OFFSET, 8'h00} :
                                                   {8'h00, 8'h03, FLASH_OFFSET};
    localparam [39:0] WAKE_WORD = 40'hAB;
    localparam integer TW = $clog2(TRES_CYCLES + 1);
    localparam integer HW = $clog2(HOST_TIMEOUT + 1);
    localparam [HW-1:0] HTO = HOST_TIMEOUT[HW-1:0];

    // ------------------------------------------------------------------ image checker
    reg [3:0]    st;
    reg          host;     // a host load was started (keep/drop/end act only then)
    reg [PW-1:0] pos;      // image bytes taken
    reg [31:0]   crc;
    reg [7:0]    lo;       // low byte of the granule being assembled
    reg          ff;       // every header byte of the current field so far was 0xFF
    reg          bad;      // a byte of the current header field differed
    reg [7:0]    sh;       // payload byte being shifted into the CRC
    reg [3:0]    nb;       // CRC bits still to shift
    reg          fin;      // the last byte was taken: compare the CRC when the shift ends
    // checkpoint (host loads): restored by hl_drop
    reg [3:0]    c_st;
    reg [PW-1:0] c_pos;
    reg [31:0]   c_crc;
    reg [7:0]    c_lo;
    reg          c_ff, c_bad;
    reg [HW-1:0] hto;      // cycles since the last host activity

    reg          fb_valid; // a byte from the flash
    reg [7:0]    fb;

    wire [7:0]   byte_in = host ? hl_data : fb;
    wire         take = (host ? (hl_valid && st == S_HOST) : (fb_valid && st == S_FLASH)) &&
                        nb == 4'd0 && !fin;
    wire         in_hdr = pos < HDR_END;
    reg  [7:0]   want;     // header byte expected at pos: "SLWI", count, CRC (little-endian)
    always @(*) begin
        case (pos[3:0])
            4'd0: want = 8'h53;
            4'd1: want = 8'h4C;
            4'd2: want = 8'h57;
            4'd3: want = 8'h49;
            4'd4: want = N32[7:0];
            4'd5: want = N32[15:8];
            4'd6: want = N32[23:16];
            4'd7: want = N32[31:24];
            4'd8: want = CRC[7:0];
            4'd9: want = CRC[15:8];
            4'd10: want = CRC[23:16];
            default: want = CRC[31:24];
        endcase
    end
    wire         field_start = pos == 0 || pos == 4 || pos == 8;
    wire         field_end = pos == 3 || pos == 7 || pos == 11;
    wire         bad_n = (field_start ? 1'b0 : bad) | (byte_in != want);
    wire         ff_n = (field_start ? 1'b1 : ff) & (byte_in == 8'hFF);
    wire [PW-1:0] ppos = pos - HDR_END;                   // payload byte index
    /* verilator lint_off UNUSEDSIGNAL */
    wire [23:0]  ppos24 = {{(24 - PW){1'b0}}, ppos};  // granule = bits [16:1]
    /* verilator lint_on UNUSEDSIGNAL */
    wire [31:0]  crc_shift = (crc >> 1) ^ ((crc[0] ^ sh[0]) ? POLY : 32'h0);

    assign wl_ready = st == S_READY;
    assign wl_state = st;
    assign wl_crc = ~crc;
    assign wl_pos = {{(24 - PW){1'b0}}, pos};

    always @(posedge clk) begin
        wl_we <= 1'b0;
        if (rst) begin
            st <= S_FLASH;
            host <= 1'b0;
            pos <= {PW{1'b0}};
            crc <= 32'hFFFFFFFF;
            lo <= 8'h00;
            ff <= 1'b1;
            bad <= 1'b0;
            sh <= 8'h00;
            nb <= 4'd0;
            fin <= 1'b0;
            c_st <= S_FLASH;
            c_pos <= {PW{1'b0}};
            c_crc <= 32'hFFFFFFFF;
            c_lo <= 8'h00;
            c_ff <= 1'b1;
            c_bad <= 1'b0;
            hto <= {HW{1'b0}};
            wl_addr <= 16'h0;
            wl_data <= 16'h0;
        end else if (hl_start) begin
            st <= S_HOST;
            host <= 1'b1;
            pos <= {PW{1'b0}};
            crc <= 32'hFFFFFFFF;
            ff <= 1'b1;
            bad <= 1'b0;
            nb <= 4'd0;
            fin <= 1'b0;
            c_st <= S_HOST;
            c_pos <= {PW{1'b0}};
            c_crc <= 32'hFFFFFFFF;
            c_ff <= 1'b1;
            c_bad <= 1'b0;
            hto <= {HW{1'b0}};
        end else if (host && hl_drop) begin
            st <= c_st;
            pos <= c_pos;
            crc <= c_crc;
            lo <= c_lo;
            ff <= c_ff;
            bad <= c_bad;
            nb <= 4'd0;
            fin <= 1'b0;
            hto <= {HW{1'b0}};
        end else if (host && hl_end) begin
            if (st == S_HOST) begin
                st <= S_INCOMPLETE;
                c_st <= S_INCOMPLETE;
            end
        end else if (host && hl_keep) begin
            c_st <= st;
            c_pos <= pos;
            c_crc <= crc;
            c_lo <= lo;
            c_ff <= ff;
            c_bad <= bad;
            hto <= {HW{1'b0}};
        end else begin
            if (st == S_HOST) begin
                if (hl_valid) hto <= {HW{1'b0}};
                else if (hto == HTO) begin
                    st <= S_TIMEOUT;
                    c_st <= S_TIMEOUT;
                end else hto <= hto + 1'b1;
            end
            if (take) begin
                pos <= pos + 1'b1;
                if (in_hdr) begin
                    bad <= bad_n;
                    ff <= ff_n;
                    if (field_end && bad_n)
                        st <= (pos == 3) ? (ff_n ? S_BLANK : S_MAGIC) :
                              (pos == 7) ? S_COUNT : S_HASH;
                end else begin
                    sh <= byte_in;
                    nb <= 4'd8;
                    if (!ppos24[0]) lo <= byte_in;
                    else begin
                        wl_we <= 1'b1;
                        wl_addr <= ppos24[16:1];
                        wl_data <= {byte_in, lo};
                    end
                    if (pos == LAST) fin <= 1'b1;
                end
            end else if (nb != 4'd0) begin
                crc <= crc_shift;
                sh <= sh >> 1;
                nb <= nb - 1'b1;
            end else if (fin) begin
                fin <= 1'b0;
                st <= (~crc == CRC) ? S_READY : S_CRC;
            end
        end
    end

    // ------------------------------------------------------------------ SPI flash reader
    localparam [2:0] F_WAKE = 3'd0, F_OUT = 3'd1, F_WEND = 3'd2, F_WAIT = 3'd3, F_IN = 3'd4,
                     F_END = 3'd5, F_OFF = 3'd6;
    reg [2:0]    fst;
    reg          rd;       // the transaction being shifted out is the read (else the wake-up)
    reg [5:0]    obits;    // bits still to send, the one on flash_mosi included
    reg [6:0]    isr;      // bits of the byte being received
    reg [2:0]    ibits;
    reg [TW-1:0] wait_n;
    wire         stop = st != S_FLASH || pos == TOTAL_P;
    wire [39:0]  oword = rd ? RD_WORD : WAKE_WORD;
    wire [5:0]   onext = obits - 6'd2;                     // index of the next bit to send

    always @(posedge clk) begin
        fb_valid <= 1'b0;
        if (rst) begin
            fst <= F_WAKE;
            flash_csn <= 1'b1;
            flash_sck <= 1'b0;
            flash_mosi <= 1'b0;
            rd <= 1'b0;
            obits <= 6'd0;
            isr <= 7'h0;
            ibits <= 3'd0;
            wait_n <= {TW{1'b0}};
            fb <= 8'h00;
        end else if (hl_start) begin
            fst <= F_OFF;
            flash_csn <= 1'b1;
            flash_sck <= 1'b0;
            flash_mosi <= 1'b0;
        end else begin
            case (fst)
                F_WAKE: begin
                    flash_csn <= 1'b0;
                    flash_mosi <= WAKE_WORD[7];
                    obits <= 6'd8;
                    fst <= F_OUT;
                end
                F_OUT: if (!flash_sck) flash_sck <= 1'b1;
                    else begin
                        flash_sck <= 1'b0;
                        if (obits == 6'd1) fst <= rd ? F_IN : F_WEND;
                        else begin
                            flash_mosi <= oword[onext];
                            obits <= obits - 1'b1;
                        end
                    end
                F_WEND: begin
                    flash_csn <= 1'b1;
                    flash_mosi <= 1'b0;
                    wait_n <= TRES_CYCLES[TW-1:0];
                    fst <= F_WAIT;
                end
                F_WAIT: if (wait_n != {TW{1'b0}}) wait_n <= wait_n - 1'b1;
                    else begin
                        flash_csn <= 1'b0;
                        flash_mosi <= RD_WORD[RD_BITS - 1];
                        obits <= RD_BITS;
                        rd <= 1'b1;
                        fst <= F_OUT;
                    end
                F_IN: if (stop) fst <= F_END;
                    else if (!flash_sck) flash_sck <= 1'b1;
                    else begin
                        flash_sck <= 1'b0;
                        isr <= {isr[5:0], flash_miso};
                        ibits <= ibits + 1'b1;
                        if (ibits == 3'd7) begin
                            fb_valid <= 1'b1;
                            fb <= {isr, flash_miso};
                        end
                    end
                F_END: begin
                    flash_csn <= 1'b1;
                    flash_sck <= 1'b0;
                    flash_mosi <= 1'b0;
                    fst <= F_OFF;
                end
                default: ;
            endcase
        end
    end
endmodule

`default_nettype wire
