// spikeloom rtl-templates/io/host_bridge.v: the framed host protocol (crates/hostlink/PROTOCOL.md)
// between UART bytes and the spikeloom_top event streams.
// Rust twin: spikeloom-cyclesim `bridge::Bridge` (the step path: feature memory, non-zero word
// list, scan, rate encoder, event output, run states; not the frame parser and sender), wired to
// the core by `sim::run_bridge`
//
// Host -> device: A5 CMD LENlo LENhi payload CRC8; CRC-8 (poly 0x07, init 0) over CMD..payload.
//   01 RESET (len 0)            -> core reset, counts cleared, ACK
//   02 STEP  (len ceil(IN/8))   -> input bitmap sent as ascending events + eos; reply STEP_OUT
//         graded (IN_VALUE_W > 1): len IN, one value byte per feature; the non-zero ones are
//         sent as ascending events with their value on in_value
//   03 COUNTS (len 0)           -> per-output spike counts since RESET (u16, saturating)
//   04 STATUS (len 0)           -> version, flags, sizes, steps, error counters, value widths
//   05 RUN_PIXELS (len 5+IN)    -> flags, seed u16, T u16, IN pixel bytes: reset, then T steps whose
//                                  spikes the on-chip LFSR rate encoder generates (version 5: words
//                                  of four zero pixels take no LFSR state); optional STEP_OUT
//                                  per step (flags bit 0), then RUN_OUT 85 = counts. A bridge
//                                  without the rate encoder (PIXELS = 0; STATUS flags bit 2)
//                                  refuses it with error 10 and its feature memory keeps only
//                                  IN_VALUE_W bits per feature instead of a byte.
//   06 RUN_VALUES (len 3+IN)    -> flags, T u16, IN value bytes: reset, then T steps each fed the
//                                  same values (as a graded STEP); optional STEP_OUT per step, then
//                                  VALUES_OUT 86 = counts
//   07 LOAD (len 5..65535)      -> offset u32, then image bytes for the weight loader (HAS_LOADER):
//                                  offset 0 starts a load, any other must equal the bytes the loader
//                                  has taken; a frame with a bad CRC is rolled back (hl_drop), a
//                                  good one kept (hl_keep); reply 87 = load state u8, CRC-32 of the
//                                  payload taken u32, position u32
//   08 LOAD_END (len 0)         -> the image is complete (hl_end: an unfinished load fails); reply
//                                  88 = the same 9 bytes
// With a weight loader, STEP / RUN_* are refused (error 9) until the weights are loaded, and the
// core stays in reset meanwhile (board top).
// A value byte that does not fit IN_VALUE_W bits fails the command (error 5) before it runs.
// Output counts (OUT_VALUE_W > 1): STEP_OUT entries are u16 index + u8 count, the counts add the
// count (saturating u16). IN_VALUE_W = OUT_VALUE_W = 1 is protocol version 2 byte for byte (but
// STATUS, which reports version 5 and the widths).
// Device -> host: A5 TYPE LENlo LENhi payload CRC8; TYPE = CMD|0x80 for replies, EE for errors.
// Garbage is skipped until the next A5; a bad CRC, unknown command, wrong length or a stalled
// frame (TIMEOUT cycles without a byte) sends an error frame and resynchronizes.
//
// Timing structure (every path is a few logic levels between registers):
// - A received byte's compares (SYNC, CRC match, value range) are registered before the parser
//   sees them; the byte itself is read from uart_rx's shift register, which holds it for >= 6
//   cycles after its valid (the parser reads it within 2). uart_rx delivers a byte at most every 10 x CLKS_PER_BIT >= 40 cycles, so the
//   parser spends extra cycles where a check is wide (length, LOAD offset, final CRC decision) and
//   error counting happens a cycle after the error.
// - The input features live in the feature memory `px`, four bytes (features) per word: value or
//   pixel bytes as received, a binary bitmap byte as two words of 0/1 bytes. A step scans the words
//   through a pipeline (address, memory read, register + LFSR taps, spike mask) stalled by one
//   enable; the mask emitter sends one event per cycle from a registered output (in_valid ..),
//   so no path runs from in_ready or the memory data back to the memory address. Zero-skip: as
//   the words arrive, those with a non-zero feature are listed, and a step scans only them (an
//   all-zero word takes no cycle and, in RUN_PIXELS, no LFSR state). A step costs max(1, listed
//   words) + 5 cycles plus one per extra event of a word (a word with k > 1 events: k cycles).
// - The frame sender prepares each byte in registers (type decoded once per frame, memory fetch,
//   the payload byte, selection) while the UART sends the previous one.
// - Size: counters only as wide as the design needs, memories without read-first bypass
//   (no_rw_check), the output-event buffer in block RAM, one byte lane written per feature byte.
module spikeloom_host_bridge #(
  parameter integer IN_SIZE = 8,
  parameter integer OUT_SIZE = 8,
  parameter integer IN_W = 3,
  parameter integer OUT_W = 3,
  parameter integer IN_VALUE_W = 1,   // bits of an input value (1 = binary spikes, bitmap STEP)
  parameter integer OUT_VALUE_W = 1,  // bits of an output spike count (1 = binary, index-only)
  parameter integer TIMEOUT = 100000,
  parameter integer HAS_LOADER = 0,   // 1: the core loads its weights (sl_wload's hl_* / wl_*)
  parameter integer OBUF_BLOCK = 1,   // 1: the step's output events in block RAM (iCE40)
  parameter integer ZERO_SKIP = 1,    // 1: a step scans only the listed non-zero words
  parameter integer PIXELS = 1,       // 1: RUN_PIXELS and its rate encoder; 0: refused (error 10)
  parameter [31:0] IMAGE_CRC = 32'h0  // CRC-32 of the design's weight image (STATUS)
) (
  input  wire             clk,
  input  wire             rst,
  input  wire [7:0]       rx_data,
  input  wire             rx_valid,
  output wire [7:0]       tx_data,
  output wire             tx_valid,
  input  wire             tx_ready,
  output reg              core_rst,
  output wire             in_valid,
  input  wire             in_ready,
  output wire             in_eos,
  output wire [IN_W-1:0]  in_index,
  output wire [IN_VALUE_W-1:0] in_value,
  input  wire             out_valid,
  output wire             out_ready,
  input  wire             out_eos,
  input  wire [OUT_W-1:0] out_index,
  input  wire [OUT_VALUE_W-1:0] out_value,  // tie to 1 for a binary output layer
  output wire             busy,
  output reg              error_pulse,
  // the weight loader's host stream and state (HAS_LOADER; see rtl-templates/mem/sl_wload.v)
  output reg              hl_start,
  output reg              hl_valid,
  output reg  [7:0]       hl_data,
  output reg              hl_keep,
  output reg              hl_drop,
  output reg              hl_end,
  input  wire [3:0]       wl_state,
  input  wire [31:0]      wl_crc,
  input  wire [23:0]      wl_pos
);
  localparam integer NBYTES = (IN_SIZE + 7) / 8;
  localparam PIX = PIXELS != 0;
  // bits the feature memory keeps per feature: a pixel byte, else the design's value bits
  localparam integer FW = PIX ? 8 : (IN_VALUE_W > 1) ? IN_VALUE_W : 1;
  localparam integer PXW = (IN_SIZE + 3) / 4;           // feature words of a step
  localparam integer PXD = (2 * NBYTES > PXW) ? 2 * NBYTES : PXW;  // words a bitmap writes
  localparam integer AW = (PXD < 2) ? 1 : $clog2(PXD);
  localparam integer LAST_N = IN_SIZE - 4 * (PXW - 1);  // features in the last word, 1..4
  localparam [3:0] LAST_M = 4'b1111 >> (4 - LAST_N);
  localparam [AW-1:0] LAST_A = PXW - 1;
  localparam integer NZW = $clog2(PXW + 1);             // a count of words, 0..PXW
  localparam ZSKIP = ZERO_SKIP != 0;
  localparam [NZW-1:0] LAST_W = PXW - 1;                // the last word (no list: li == word)
  localparam [7:0] SYNC = 8'hA5, VERSION = 8'd5;
  localparam [7:0] C_RESET = 8'h01, C_STEP = 8'h02, C_COUNTS = 8'h03, C_STATUS = 8'h04;
  localparam [7:0] C_PIX = 8'h05, C_VAL = 8'h06, C_LOAD = 8'h07, C_LEND = 8'h08;
  localparam LOADER = HAS_LOADER != 0;
  localparam [3:0] W_READY = 4'd2;  // sl_wload's ready state
  localparam GRADED = IN_VALUE_W > 1;   // STEP carries one value byte per feature
  localparam OCNT = OUT_VALUE_W > 1;    // STEP_OUT entries carry a count byte
  localparam [15:0] PIX_LEN = IN_SIZE + 5;
  localparam [15:0] VAL_LEN = IN_SIZE + 3;
  localparam [15:0] STEP_LEN = GRADED ? IN_SIZE : NBYTES;
  localparam [7:0] T_ERROR = 8'hEE;
  // Counter widths: only as wide as this design's numbers need (a 16-bit field of the protocol
  // is zero-extended when sent). PW: a payload length (any u16 with a loader: LOAD frames; else
  // at most the longest accepted frame, larger LEN values are refused before the payload);
  // LW: a reply's payload length (COUNTS 2 x OUT, STEP_OUT up to 3 x OUT, STATUS 25);
  // CW: an output count (0..OUT).
  localparam integer MAXLEN = (PIX_LEN > STEP_LEN) ? PIX_LEN : STEP_LEN;
  localparam integer PW = LOADER ? 16 : $clog2(MAXLEN + 1);
  localparam integer MAXREP = (OCNT ? 3 : 2) * OUT_SIZE;
  localparam integer LW = $clog2(((MAXREP > 25) ? MAXREP : 25) + 1);
  localparam integer CW = $clog2(OUT_SIZE + 1);
  localparam [7:0] E_CRC = 8'd1, E_CMD = 8'd2, E_LEN = 8'd3, E_TIMEOUT = 8'd4, E_VALUE = 8'd5,
                   E_BUSY = 8'd6, E_NOLOAD = 8'd7, E_SEQ = 8'd8, E_NOTREADY = 8'd9,
                   E_NOPIX = 8'd10;

  function [7:0] crc8(input [7:0] crc, input [7:0] b);
    integer i;
    reg [7:0] c;
    begin
      c = crc ^ b;
      for (i = 0; i < 8; i = i + 1) c = c[7] ? ((c << 1) ^ 8'h07) : (c << 1);
      crc8 = c;
    end
  endfunction

  // The rate encoder's LFSR (PROTOCOL.md, crates/hostlink/src/encode.rs): 16-bit Galois, shifting
  // right, toggle mask 0xB400; 8 shifts per feature, spike = low byte < pixel. 8 to 32 shifts are a
  // linear map of the state (each bit an XOR of at most 10 state bits).
  function [15:0] lfsr8(input [15:0] s);
    integer i;
    reg [15:0] v;
    begin
      v = s;
      for (i = 0; i < 8; i = i + 1) v = v[0] ? ((v >> 1) ^ 16'hB400) : (v >> 1);
      lfsr8 = v;
    end
  endfunction

  localparam [3:0] G_IDLE = 4'd0, G_RST = 4'd1, G_CLR = 4'd2, G_SCAN = 4'd3, G_WAIT = 4'd4,
                   G_TX = 4'd5, G_PNEXT = 4'd6, G_PFIN = 4'd7;
  reg [3:0] gst = G_IDLE;
  reg [CW-1:0] clr = 0;
  reg clr_done = 0;          // G_CLR wrote the last count
  reg [15:0] steps = 0;
  reg overflow = 0;
  reg err_clear = 0;
  reg cmd_take = 0;          // engine took the pending command
  reg ack_after_clear = 0;   // RESET command (not power-up): send ACK once counts are clear
  reg [7:0] ttype = 0;
  reg [LW-1:0] tlen = 0;
  reg tstart = 0;
  reg transmitting = 0;
  reg tdone = 0;
  reg [7:0] tx_code = 0, tx_detail = 0;
  reg [CW-1:0] tx_word = 0;
  reg [1:0] tsub = 0;        // byte within a 3-byte STEP_OUT entry
  reg [CW-1:0] ocount = 0;
  // RUN_* state: the whole sample reads the feature memory and header.
  reg pix_run = 0;
  reg ptrace = 0;
  reg [15:0] pleft = 0;      // steps still to run
  reg [3:0] after_tx = 0;    // engine state after a frame of a pixel run is sent
  // A RUN_* header goes straight into the run's registers (ptrace, pleft, lfsr): its bytes are
  // taken only while no step scans and no command waits (d_ok), and those registers matter only
  // during a run (pleft counts down only then).
  // vscan: a step sends the stored values (STEP, RUN_VALUES) instead of rate-encoding them
  // (RUN_PIXELS).
  reg vscan = 0;
  reg scan_go = 0;           // pulse: start a step's scan
  reg eos_sent = 0;          // the core took this step's end-of-step beat
  reg out_done = 0;          // the core sent this step's output end-of-step beat
  // The feature memory is read while a step scans it (for a whole RUN_* sample); payload bytes
  // may only be written otherwise.
  wire scanning = (gst == G_PNEXT) || (gst == G_SCAN) || pix_run;

  // ---------------------------------------------------------------- received bytes, registered
  reg [7:0] pcrc = 0;
  reg rv = 0;                // rb arrived (one cycle after uart_rx's valid)
  // the byte: uart_rx holds it from its valid until the next byte's first data bit (>= 6
  // cycles), and it is read at rv and, for a bitmap byte's high half, the cycle after
  wire [7:0] rb = rx_data;
  reg r_sync = 0, r_crcok = 0, r_wide = 0, r_nz = 0;
  always @(posedge clk) begin
    rv <= rx_valid && !rst;
    if (rx_valid) begin
      r_sync <= rx_data == SYNC;
      r_crcok <= rx_data == pcrc;
      r_wide <= (rx_data >> IN_VALUE_W) != 8'd0;
      r_nz <= rx_data != 8'd0;
    end
  end

  // ---------------------------------------------------------------- frame parser (host -> device)
  // States 0..5 are the parser states a timeout reports (error 4 detail); 6..10 take no byte.
  localparam [3:0] P_HUNT = 4'd0, P_CMD = 4'd1, P_LENL = 4'd2, P_LENH = 4'd3, P_PAY = 4'd4,
                   P_CRC = 4'd5, P_LEN1 = 4'd6, P_LEN2 = 4'd7, P_LEN3 = 4'd8, P_HI = 4'd9,
                   P_FIN = 4'd10;
  reg [3:0] pst = P_HUNT;
  reg [7:0] pcmd = 0, plen_lo = 0;
  reg [PW-1:0] prem = 0;     // payload bytes still to come
  reg plen_big = 0;          // LEN does not fit PW bits (so it is wrong)
  reg p_last = 0;            // prem == 1: the next payload byte is the last
  reg p_last_hi = 0;         // the bitmap byte whose high half P_HI writes was the last
  reg [2:0] hpos = 0;        // payload byte position, saturating at 7 (headers, LOAD offset)
  // the command, decoded at its byte
  reg c_reset = 0, c_step = 0, c_counts = 0, c_status = 0, c_pix = 0, c_val = 0, c_load = 0,
      c_lend = 0;
  reg e_step = 0, e_pix = 0, e_val = 0, e_zero = 0, e_ge5 = 0;  // length compares (P_LEN1)
  reg known_r = 0, len_ok_r = 0;
  // what the next payload byte does, decoded between bytes (the state changes only at a byte)
  reg d_ok = 0;              // pay_ok
  reg d_value = 0;           // a value byte (range-checked)
  reg d_word = 0;            // a feature byte that completes a word (4th, or the payload's last)
  reg d_feat = 0;            // any other feature byte
  reg d_flags = 0, d_seed0 = 0, d_seed1 = 0, d_steps0 = 0, d_steps1 = 0;  // RUN_* header bytes
  reg d_off0 = 0, d_off1 = 0, d_off2 = 0, d_off3 = 0, d_image = 0;      // LOAD bytes
  reg d_bitmap = 0;          // a bitmap byte (binary STEP)
  reg f_crc = 0, f_busy = 0, f_val = 0, f_seq = 0, f_noweights = 0;      // P_CRC's checks
  reg f_ok = 0;              // ... all passed
  localparam integer TW = $clog2(TIMEOUT + 2);
  localparam [TW-1:0] TMO = TIMEOUT;
  reg [TW-1:0] tmo = 0;
  reg tmo_z = 0;             // tmo ran out: no byte for TIMEOUT cycles
  reg tmo_fire = 0;          // ... in a state that waits for a byte, and none arrives now
  reg cmd_pend = 0;          // a checked command frame waits for the engine
  reg [7:0] cmd_code = 0;
  reg k_reset = 0, k_step = 0, k_counts = 0, k_pix = 0, k_val = 0, k_load = 0, k_lend = 0;
  reg p_reject = 0;          // payload arrived while the feature memory was in use
  reg p_badval = 0;          // a value byte does not fit IN_VALUE_W bits
  reg p_seq = 0;             // a LOAD frame's offset is not the loader's position
  reg [31:0] loff = 0;       // a LOAD frame's offset
  reg ochk1 = 0, ochk2 = 0;  // the offset's compares, then its decision
  reg off_zero = 0, off_pos = 0;
  reg err_pend = 0;
  reg [7:0] err_code = 0, err_detail = 0;
  reg [7:0] crc_errors = 0, other_errors = 0;
  // an error the parser raised, counted and queued the next cycle
  reg rz = 0, rz_crc = 0;
  reg [7:0] rz_code = 0, rz_detail = 0;

  // feature memory writes: one byte lane per feature byte (px_be one-hot), or a bitmap nibble as
  // a whole word of 0/1 bytes (px_bm); a word's lanes that no byte writes (past IN in the last
  // word) keep old bytes, which the scan masks (LAST_M)
  // (written at the byte's own edge, straight from the byte and the decoded flags: registering
  // them first would add a word address, a byte and the lane enables of flip-flops that share
  // no logic cell on the iCE40)
  reg [AW-1:0] waddr = 0;
  reg [1:0] wlane = 0;
  // The non-zero word list (zero-skip): the addresses of the words with a non-zero feature,
  // ascending, appended as the words arrive (nzw so far); a step scans only these words. nzn is
  // the count of the list the accepted command scans (latched when its frame is taken).
  reg nz_we = 0;
  reg [NZW-1:0] nz_wa = 0, nzw = 0, nzn = 0;
  reg [AW-1:0] nz_wd = 0;
  reg wnz = 0;               // a byte of the word being received was non-zero
  // a bitmap nibble's features that exist (the last word's beyond IN do not)
  function [3:0] wmask(input [AW-1:0] a);
    wmask = (a == LAST_A) ? LAST_M : 4'b1111;
  endfunction
  wire known_cmd = c_reset || c_step || c_counts || c_status || c_pix || c_val || c_load || c_lend;
  wire load_cmd = c_load || c_lend;
  wire needs_weights = c_step || c_pix || c_val;
  // feature bytes: graded STEP payload, RUN_PIXELS after 5 header bytes, RUN_VALUES after 3
  wire is_data = (c_step && GRADED) || (c_pix && hpos >= 3'd5) || (c_val && hpos >= 3'd3);
  wire is_value = (c_step && GRADED) || (c_val && hpos >= 3'd3);
  wire len_ok = c_load ? e_ge5 : c_step ? e_step : c_pix ? e_pix : c_val ? e_val : e_zero;
  wire pay_ok = !(scanning || cmd_pend);
  // a load may start or go on only while no step runs or waits (it resets the core)
  wire load_ok = pay_ok && (gst == G_IDLE || gst == G_TX) && !pix_run;
  wire pay = rv && pst == P_PAY;
  wire px_hi = pst == P_HI && !rst && !tmo_fire;  // a bitmap byte's high half (P_HI)
  wire px_we = (pay && d_ok && (d_bitmap || d_word || d_feat)) || (px_hi && d_ok);
  wire px_bm = px_hi || d_bitmap;
  wire [3:0] px_be = px_bm ? 4'b1111 : (4'b0001 << wlane);
  wire [7:0] px_wb = px_hi ? {4'd0, rb[7:4]} : rb;
  wire [AW-1:0] px_wa = waddr;

  always @(posedge clk) begin
    nz_we <= 1'b0;
    hl_start <= 1'b0;
    hl_valid <= 1'b0;
    hl_keep <= 1'b0;
    hl_drop <= 1'b0;
    rz <= 1'b0;
    ochk1 <= 1'b0;
    ochk2 <= ochk1;
    p_last <= prem == 16'd1;
    // the next payload byte's actions: these inputs change only at a byte (>= 40 cycles apart)
    // or, for pay_ok, only from true to false between frames
    d_ok <= pay_ok;
    d_value <= is_value;
    d_word <= is_data && (wlane == 2'd3 || p_last);
    d_feat <= is_data && !(wlane == 2'd3 || p_last);
    d_flags <= (c_pix || c_val) && hpos == 3'd0;
    d_seed0 <= c_pix && hpos == 3'd1;
    d_seed1 <= c_pix && hpos == 3'd2;
    d_steps0 <= (c_pix && hpos == 3'd3) || (c_val && hpos == 3'd1);
    d_steps1 <= (c_pix && hpos == 3'd4) || (c_val && hpos == 3'd2);
    d_off0 <= LOADER && c_load && hpos == 3'd0;
    d_off1 <= LOADER && c_load && hpos == 3'd1;
    d_off2 <= LOADER && c_load && hpos == 3'd2;
    d_off3 <= LOADER && c_load && hpos == 3'd3;
    d_image <= LOADER && c_load && hpos[2] && !p_reject && !p_seq;
    d_bitmap <= c_step && !GRADED;
    if (rv || pst == P_HUNT) begin
      tmo <= TMO;
      tmo_z <= 1'b0;
    end else begin
      tmo <= tmo - 1'b1;
      tmo_z <= tmo == 0;
    end
    // rv follows rx_valid, so no byte in the next cycle either; a byte-waiting state (1..5)
    // stays until a byte comes
    tmo_fire <= tmo_z && !tmo_fire && !rx_valid && !rv && pst != P_HUNT && pst <= P_CRC;
    if (cmd_take) cmd_pend <= 1'b0;
    // LOAD offset, complete at its 4th byte: 0 starts a load, anything else must be the
    // loader's position (compared a cycle later, decided the cycle after).
    if (ochk1) begin
      off_zero <= loff == 32'd0;
      off_pos <= loff == {8'd0, wl_pos};
    end
    if (ochk2) begin
      if (!load_ok) p_reject <= 1'b1;
      else if (off_zero) hl_start <= 1'b1;
      else if (!off_pos) p_seq <= 1'b1;
    end
    // payload bytes (P_PAY): each action is one decoded flag
    if (pay) begin
      pcrc <= crc8(pcrc, rb);
      prem <= prem - 1'b1;
      if (hpos != 3'd7) hpos <= hpos + 1'b1;
      if (!d_ok && !c_load) p_reject <= 1'b1;
      if (d_value && r_wide) p_badval <= 1'b1;
      if (d_off0) loff[7:0] <= rb;
      if (d_off1) loff[15:8] <= rb;
      if (d_off2) loff[23:16] <= rb;
      if (d_off3) begin
        loff[31:24] <= rb;
        ochk1 <= 1'b1;
      end
      if (d_image) begin
        hl_valid <= 1'b1;
        hl_data <= rb;
      end
      if (d_ok && (d_word || d_feat)) wlane <= wlane + 1'b1;
      // a bitmap byte: features 8k..8k+3 here, 8k+4..8k+7 in P_HI
      if (d_bitmap || (d_ok && d_word)) waddr <= waddr + 1'b1;
      p_last_hi <= p_last;
      // zero-skip: a finished word with a non-zero byte (or set bit) joins the list
      if (d_ok && d_feat && r_nz) wnz <= 1'b1;
      if (d_ok && d_word) wnz <= 1'b0;
      if ((d_ok && d_word && (wnz || r_nz)) ||
          (d_ok && d_bitmap && waddr <= LAST_A && (rb[3:0] & wmask(waddr)) != 4'd0)) begin
        nz_we <= 1'b1;
        nz_wa <= nzw;
        nz_wd <= waddr;
        nzw <= nzw + 1'b1;
      end
    end
    if (rst) begin
      pst <= P_HUNT;
      cmd_pend <= 1'b0;
    end else if (tmo_fire) begin
      rz <= 1'b1;
      rz_crc <= 1'b0;
      rz_code <= E_TIMEOUT;
      rz_detail <= {4'd0, pst};
      // a LOAD frame cut short: forget the bytes it gave the loader
      hl_drop <= LOADER && c_load && (pst == P_PAY || pst == P_CRC);
      pst <= P_HUNT;
    end else begin
      case (pst)
        P_HUNT: if (rv && r_sync) begin
          pst <= P_CMD;
          pcrc <= 8'd0;
        end
        P_CMD: if (rv) begin
          pcmd <= rb;
          c_reset <= rb == C_RESET;
          c_step <= rb == C_STEP;
          c_counts <= rb == C_COUNTS;
          c_status <= rb == C_STATUS;
          c_pix <= rb == C_PIX;
          c_val <= rb == C_VAL;
          c_load <= rb == C_LOAD;
          c_lend <= rb == C_LEND;
          pcrc <= crc8(pcrc, rb);
          pst <= P_LENL;
        end
        P_LENL: if (rv) begin
          plen_lo <= rb;
          known_r <= known_cmd;
          pcrc <= crc8(pcrc, rb);
          pst <= P_LENH;
        end
        P_LENH: if (rv) begin
          prem <= {rb, plen_lo};
          plen_big <= ({rb, plen_lo} >> PW) != 16'd0;
          pcrc <= crc8(pcrc, rb);
          hpos <= 0;
          wlane <= 0;
          waddr <= 0;
          nzw <= 0;
          wnz <= 1'b0;
          p_reject <= 1'b0;
          p_badval <= 1'b0;
          p_seq <= 1'b0;
          pst <= P_LEN1;
        end
        P_LEN1: begin
          e_step <= !plen_big && prem == STEP_LEN;
          e_pix <= !plen_big && prem == PIX_LEN;
          e_val <= !plen_big && prem == VAL_LEN;
          e_zero <= !plen_big && prem == 0;
          e_ge5 <= plen_big || prem >= 5;
          pst <= P_LEN2;
        end
        P_LEN2: begin
          len_ok_r <= len_ok;
          pst <= P_LEN3;
        end
        P_LEN3: begin
          rz_crc <= 1'b0;
          rz_detail <= pcmd;
          if (!known_r) begin
            rz <= 1'b1;
            rz_code <= E_CMD;
            pst <= P_HUNT;
          end else if (load_cmd && !LOADER) begin
            rz <= 1'b1;
            rz_code <= E_NOLOAD;
            pst <= P_HUNT;
          end else if (c_pix && !PIX) begin
            rz <= 1'b1;
            rz_code <= E_NOPIX;
            pst <= P_HUNT;
          end else if (!len_ok_r) begin
            rz <= 1'b1;
            rz_code <= E_LEN;
            pst <= P_HUNT;
          end else begin
            pst <= e_zero ? P_CRC : P_PAY;
          end
        end
        P_PAY: if (rv) pst <= d_bitmap ? P_HI : p_last ? P_CRC : P_PAY;
        P_HI: begin
          waddr <= waddr + 1'b1;
          if (d_ok && waddr <= LAST_A && (rb[7:4] & wmask(waddr)) != 4'd0) begin
            nz_we <= 1'b1;
            nz_wa <= nzw;
            nz_wd <= waddr;
            nzw <= nzw + 1'b1;
          end
          pst <= p_last_hi ? P_CRC : P_PAY;
        end
        P_CRC: if (rv) begin
          f_crc <= !r_crcok;
          f_busy <= p_reject || (cmd_pend && !cmd_take);
          f_val <= p_badval;
          f_seq <= p_seq;
          f_noweights <= LOADER && needs_weights && wl_state != W_READY;
          f_ok <= r_crcok && !p_reject && !(cmd_pend && !cmd_take) && !p_badval && !p_seq &&
                  !(LOADER && needs_weights && wl_state != W_READY);
          pst <= P_FIN;
        end
        P_FIN: begin
          pst <= P_HUNT;
          rz_detail <= pcmd;
          rz_crc <= f_crc;
          rz <= !f_ok;
          rz_code <= f_crc ? E_CRC : f_busy ? E_BUSY : f_val ? E_VALUE : f_seq ? E_SEQ : E_NOTREADY;
          // the loader forgets the bytes of a LOAD frame that is not taken
          hl_drop <= LOADER && c_load && (f_crc || f_busy);
          hl_keep <= LOADER && c_load && f_ok;
          if (f_ok) begin
            // the list of the features this command scans (px holds them)
            if (c_step || c_pix || c_val) nzn <= nzw;
            cmd_pend <= 1'b1;
            cmd_code <= pcmd;
            k_reset <= c_reset;
            k_step <= c_step;
            k_counts <= c_counts;
            k_pix <= c_pix;
            k_val <= c_val;
            k_load <= c_load;
            k_lend <= c_lend;
          end
        end
        default: pst <= P_HUNT;
      endcase
    end
  end

  // errors: queued for the engine, counted (saturating)
  always @(posedge clk) begin
    if (rst) begin
      err_pend <= 1'b0;
      crc_errors <= 0;
      other_errors <= 0;
    end else begin
      if (err_clear) err_pend <= 1'b0;
      if (rz) begin
        err_pend <= 1'b1;
        err_code <= rz_code;
        err_detail <= rz_detail;
        if (rz_crc) begin
          if (crc_errors != 8'hFF) crc_errors <= crc_errors + 1'b1;
        end else if (other_errors != 8'hFF) other_errors <= other_errors + 1'b1;
      end
    end
  end

  // ---------------------------------------------------------------- feature scan
  // Pipeline, all stages moving on `adv`: li (list position) -> ia (the word address, read from
  // the non-zero word list) -> pxq (feature memory read) -> pxr + taps (s2; the LFSR advances per
  // word) -> m3 (spike mask + end-of-step bit) -> the output register (one event per cycle).
  // Only the listed words are scanned (zero-skip); an empty list scans one word with no event,
  // for the end-of-step beat (lempty: it takes no LFSR state either).
  // no_rw_check (here and on the output memories): a read and a write of one address in the
  // same cycle never matters (the features and the list are written only while no step reads
  // them; a step's output indices are distinct; the sender reads after the step), so Yosys adds
  // no read-first bypass registers and compares around the block RAM.
  (* no_rw_check *)
  reg [4*FW-1:0] px [0:PXD-1];
  reg [4*FW-1:0] pxq;
  reg [4*FW-1:0] pxr = 0, d3 = 0;
  reg [31:0] taps = 0;  // RUN_PIXELS only (constant 0 without the rate encoder)
  // the list: in block RAM on iCE40 (OBUF_BLOCK), like the output events; else distributed
  reg [AW-1:0] ia;           // the list's read register: the word address in stage ia
  reg iss = 0;
  reg [NZW-1:0] li = 0, nlast = 0;
  // the scan's last list position: the list's (zero-skip), else the last word (a constant)
  wire [NZW-1:0] lend = ZSKIP ? nlast : LAST_W;
  reg iav = 0, iae = 0, lempty = 0;
  reg [AW-1:0] s1a = 0, s2a = 0, a3 = 0;
  reg s1v = 0, s1l = 0, s1e = 0, s2v = 0, s2l = 0, s2e = 0;
  reg [4:0] m3 = 0;          // lanes 0..3 to send, bit 4 = end of step after them
  reg [15:0] lfsr = 0;
  // the output register (in_valid ..) and its skid register: the emitter sees only !sv, so
  // in_ready drives nothing but these two registers
  reg ov = 0, oeos = 0, sv = 0, seos = 0;
  reg [IN_W-1:0] oidx = 0, sidx = 0;
  reg [IN_VALUE_W-1:0] oval = 0, sval = 0;
  wire out_free = !ov || in_ready;
  wire [4:0] m3_low = m3 & (~m3 + 1'b1);
  wire m3_one = (m3 & (m3 - 1'b1)) == 5'd0;
  wire emit = !sv && (m3 != 5'd0);
  wire adv = (m3 == 5'd0) || (!sv && m3_one);
  wire [1:0] lane = m3_low[1] ? 2'd1 : m3_low[2] ? 2'd2 : m3_low[3] ? 2'd3 : 2'd0;
  wire [15:0] idx_wide = {{(16 - AW){1'b0}}, a3} * 16'd4 + {14'd0, lane};
  /* verilator lint_off UNUSEDSIGNAL */  // a pixel byte's bits above the value's
  wire [FW-1:0] lane_byte = d3[FW * lane +: FW];
  /* verilator lint_on UNUSEDSIGNAL */
  localparam [IN_VALUE_W-1:0] ONE_IV = 1;
  wire [IN_W-1:0] emit_idx = idx_wide[IN_W-1:0];
  wire [IN_VALUE_W-1:0] emit_val = vscan ? lane_byte[IN_VALUE_W-1:0] : ONE_IV;
  reg [3:0] spk;
  integer j;
  always @(*) begin
    for (j = 0; j < 4; j = j + 1)
      spk[j] = (vscan || !PIX) ? (pxr[FW * j +: FW] != {FW{1'b0}})
                               : (taps[8 * j +: 8] < {{(8 - FW){1'b0}}, pxr[FW * j +: FW]});
  end
  // the states after the word's four features (a last word of LAST_N < 4 features: after those)
  wire [15:0] l8 = lfsr8(lfsr), l16 = lfsr8(l8), l24 = lfsr8(l16), l32 = lfsr8(l24);
  wire [15:0] l_last = (LAST_N == 1) ? l8 : (LAST_N == 2) ? l16 : (LAST_N == 3) ? l24 : l32;
  wire [15:0] lfsr_next = s1l ? l_last : l32;
  // the word in s1 (its data in pxq) has a non-zero feature: always, for a listed word
  wire [4*FW-1:0] s1_mask = s1l ? {{FW{LAST_M[3]}}, {FW{LAST_M[2]}}, {FW{LAST_M[1]}}, {FW{LAST_M[0]}}}
                                : {(4 * FW){1'b1}};
  wire s1_nz = ZSKIP || ((pxq & s1_mask) != {(4 * FW){1'b0}});
  assign in_valid = ov;
  assign in_eos = oeos;
  assign in_index = oidx;
  assign in_value = oval;

  // A stalled pipeline reads the word it holds in s1 again, so the read needs no enable (the
  // memory's data goes straight into pxr). The list is read with an enable instead (ia holds
  // while stalled): its address then comes straight from the li register, not through adv,
  // which kept the ECP5 distributed RAM's read off the critical path (m3 -> adv -> address ->
  // LUT RAM -> ia was 9 logic levels at 95 MHz on the MNIST design).
  wire [AW-1:0] raddr = adv ? ia : s1a;
  // the four lanes' write data: a bitmap bit, else the received byte (its value bits when the
  // memory keeps no pixel bytes: a larger value fails the command before it runs)
  reg [31:0] px_wd;
  integer l, lw;
  always @(*) begin
    for (lw = 0; lw < 4; lw = lw + 1) px_wd[8 * lw +: 8] = px_bm ? {7'd0, px_wb[lw]} : px_wb;
  end
  always @(posedge clk) begin
    for (l = 0; l < 4; l = l + 1)
      if (px_we && px_be[l]) px[px_wa][FW * l +: FW] <= px_wd[8 * l +: FW];
    pxq <= px[raddr];
  end
  generate
    if (!ZSKIP) begin : g_nzl_none
      // no list: a step scans every word (li is the word address)
      always @(posedge clk) if (adv) ia <= li[AW-1:0];
    end else if (OBUF_BLOCK != 0) begin : g_nzl_block
      (* no_rw_check, ram_style = "block" *)
      reg [AW-1:0] nzl [0:PXW-1];
      always @(posedge clk) begin
        if (nz_we) nzl[nz_wa] <= nz_wd;
        if (adv) ia <= nzl[li];
      end
    end else begin : g_nzl_lut
      // ECP5: distributed RAM, so that the list takes none of the block RAMs a design may need
      // all of (the N-MNIST CNN on the ULX3S-25F uses 56 of 56 DP16KD)
      (* no_rw_check, ram_style = "distributed" *)
      reg [AW-1:0] nzl [0:PXW-1];
      always @(posedge clk) begin
        if (nz_we) nzl[nz_wa] <= nz_wd;
        if (adv) ia <= nzl[li];
      end
    end
  endgenerate

  always @(posedge clk) begin
    if (rst) begin
      iss <= 1'b0;
      s1v <= 1'b0;
      s2v <= 1'b0;
      iav <= 1'b0;
      m3 <= 0;
      ov <= 1'b0;
      sv <= 1'b0;
    end else begin
      if (out_free) begin
        if (sv) begin
          ov <= 1'b1;
          oeos <= seos;
          oidx <= sidx;
          oval <= sval;
          sv <= 1'b0;
        end else begin
          ov <= emit;
          oeos <= m3_low[4];
          oidx <= emit_idx;
          oval <= emit_val;
        end
      end else if (emit) begin
        sv <= 1'b1;
        seos <= m3_low[4];
        sidx <= emit_idx;
        sval <= emit_val;
      end
      if (scan_go) begin
        iss <= 1'b1;
        li <= 0;
        lempty <= ZSKIP && nzn == 0;
        nlast <= (nzn == 0) ? {NZW{1'b0}} : nzn - 1'b1;
      end else if (adv) begin
        if (iss) begin
          li <= li + 1'b1;
          if (li == lend) iss <= 1'b0;
        end
        iav <= iss;
        iae <= li == lend;
        s1v <= iav;
        s1l <= ia == LAST_A;
        s1e <= iae;
        s1a <= ia;
        pxr <= pxq;
        taps <= {l32[7:0], l24[7:0], l16[7:0], l8[7:0]};
        s2v <= s1v;
        s2l <= s1l;
        s2e <= s1e;
        s2a <= s1a;
        d3 <= pxr;
        a3 <= s2a;
        m3 <= s2v ? {s2e, spk & (s2l ? LAST_M : 4'b1111) & {4{!lempty}}} : 5'd0;
      end else if (emit) m3 <= m3 & ~m3_low;
    end
  end

  // Output events of the step being replied: {count, index} (the count only when OCNT).
  localparam integer OB_W = OUT_W + (OCNT ? OUT_VALUE_W : 0);
  reg [OB_W-1:0] obuf_q;
  wire out_ev = out_valid && !out_eos;
  localparam [OUT_VALUE_W-1:0] ONE_OV = 1;
  wire [OUT_VALUE_W-1:0] ev_val = OCNT ? out_value : ONE_OV;
  wire [OB_W-1:0] ob_word;
  generate
    if (OCNT) begin : g_ob_cnt
      assign ob_word = {out_value, out_index};
    end else begin : g_ob_idx
      assign ob_word = out_index;
    end
  endgenerate
  // OBUF_BLOCK = 1 (iCE40): in block RAM even when small: as flip-flops, 10 x 7 bits cost ~130
  // logic cells. On ECP5 (0) Yosys chooses: distributed RAM, no block RAM taken from designs
  // that need every one.
  generate
    if (OBUF_BLOCK != 0) begin : g_obuf_block
      (* no_rw_check, ram_style = "block" *)
      reg [OB_W-1:0] obuf [0:OUT_SIZE-1];
      always @(posedge clk) begin
        if (out_ev && ocount < OUT_SIZE) obuf[ocount] <= ob_word;
        obuf_q <= obuf[tx_word];
      end
    end else begin : g_obuf_any
      (* no_rw_check *)
      reg [OB_W-1:0] obuf [0:OUT_SIZE-1];
      always @(posedge clk) begin
        if (out_ev && ocount < OUT_SIZE) obuf[ocount] <= ob_word;
        obuf_q <= obuf[tx_word];
      end
    end
  endgenerate

  // Counts: read address is the arriving output index during a step and the TX word otherwise;
  // the +1 is written one cycle later (indices of one step are distinct, so no hazard).
  (* no_rw_check *)
  reg [15:0] cnt_mem [0:OUT_SIZE-1];
  reg [15:0] cnt_q;
  reg cnt_we;
  reg [15:0] cnt_waddr, cnt_wdata;
  reg inc_d;
  reg [OUT_W-1:0] inc_idx;
  reg [OUT_VALUE_W-1:0] inc_val;
  wire [16:0] cnt_sum = {1'b0, cnt_q} + {{(17 - OUT_VALUE_W){1'b0}}, inc_val};
  wire [15:0] cnt_raddr = transmitting ? tx_word : {{(16 - OUT_W){1'b0}}, out_index};
  always @(posedge clk) begin
    if (cnt_we) cnt_mem[cnt_waddr] <= cnt_wdata;
    cnt_q <= cnt_mem[cnt_raddr];
  end

  // ---------------------------------------------------------------- engine
  assign busy = (gst != G_IDLE) || (pst != P_HUNT);
  assign out_ready = 1'b1;

  always @(posedge clk) begin
    err_clear <= 1'b0;
    cmd_take <= 1'b0;
    tstart <= 1'b0;
    hl_end <= 1'b0;
    cnt_we <= 1'b0;
    error_pulse <= 1'b0;
    scan_go <= 1'b0;
    if (ov && oeos && in_ready) eos_sent <= 1'b1;
    if (out_valid && out_eos) out_done <= 1'b1;
    inc_d <= out_ev;
    inc_idx <= out_index;
    inc_val <= ev_val;
    if (inc_d) begin
      cnt_we <= 1'b1;
      cnt_waddr <= {{(16 - OUT_W){1'b0}}, inc_idx};
      cnt_wdata <= cnt_sum[16] ? 16'hFFFF : cnt_sum[15:0];
    end
    if (out_ev) begin
      if (ocount < OUT_SIZE) ocount <= ocount + 1'b1;
      else overflow <= 1'b1;
    end
    // the LFSR moves one word per listed word of the step scanned (RUN_PIXELS); without the
    // list, one per scanned word with a non-zero pixel (the same rule: zero words take none)
    if (PIX && adv && s1v && !vscan && !lempty && s1_nz) lfsr <= lfsr_next;
    // the RUN_* header (see pleft)
    if (pay && d_ok) begin
      if (d_flags) ptrace <= rb[0];
      if (PIX && d_seed0) lfsr[7:0] <= rb;
      if (PIX && d_seed1) lfsr[15:8] <= rb;
      if (d_steps0) pleft[7:0] <= rb;
      if (d_steps1) pleft[15:8] <= rb;
    end
    if (rst) begin
      gst <= G_RST;
      clr <= 0;
      core_rst <= 1'b1;
      steps <= 0;
      overflow <= 1'b0;
      ocount <= 0;
      ack_after_clear <= 1'b0;
      pix_run <= 1'b0;
      vscan <= 1'b0;
    end else begin
      case (gst)
        G_IDLE: begin
          core_rst <= 1'b0;
          if (err_pend && !err_clear && !tstart) begin
            ttype <= T_ERROR;
            tlen <= 16'd2;
            tx_code <= err_code;
            tx_detail <= err_detail;
            tstart <= 1'b1;
            err_clear <= 1'b1;
            error_pulse <= 1'b1;
            gst <= G_TX;
          end else if (cmd_pend && !cmd_take && !tstart) begin
            cmd_take <= 1'b1;
            tx_code <= cmd_code;
            if (k_reset) begin
              gst <= G_RST;
              core_rst <= 1'b1;
              clr <= 0;
              ack_after_clear <= 1'b1;
            end else if (k_step) begin
              gst <= G_PNEXT;
              vscan <= 1'b1;
            end else if (k_pix || k_val) begin
              // A RESET, then the steps (G_CLR continues with the first one).
              gst <= G_RST;
              core_rst <= 1'b1;
              clr <= 0;
              pix_run <= 1'b1;
              vscan <= k_val;
              if (PIX && k_pix && lfsr == 16'd0) lfsr <= 16'hACE1;
            end else if (k_counts) begin
              ttype <= 8'h83;
              tlen <= 2 * OUT_SIZE;
              tstart <= 1'b1;
              gst <= G_TX;
            end else if (k_load) begin
              ttype <= 8'h87;
              tlen <= 16'd9;
              tstart <= 1'b1;
              gst <= G_TX;
            end else if (k_lend) begin
              hl_end <= 1'b1;
              ttype <= 8'h88;
              tlen <= 16'd9;
              tstart <= 1'b1;
              gst <= G_TX;
            end else begin
              ttype <= 8'h84;
              tlen <= 16'd25;
              tstart <= 1'b1;
              gst <= G_TX;
            end
          end
        end
        // Core reset for 2 cycles (the shared top-level contract), then clear the counts.
        G_RST: begin
          clr <= clr + 1'b1;
          if (clr == 1) begin
            core_rst <= 1'b0;
            clr <= 0;
            clr_done <= 1'b0;
            gst <= G_CLR;
          end
        end
        G_CLR: if (!clr_done) begin
          cnt_we <= 1'b1;
          cnt_waddr <= clr;
          cnt_wdata <= 0;
          clr <= clr + 1'b1;
          clr_done <= clr == OUT_SIZE - 1;
        end else begin
          steps <= 0;
          overflow <= 1'b0;
          ttype <= 8'h81;
          tlen <= 16'd1;
          tstart <= ack_after_clear;
          ack_after_clear <= 1'b0;
          gst <= pix_run ? ((pleft == 0) ? G_PFIN : G_PNEXT) : ack_after_clear ? G_TX : G_IDLE;
        end
        // one step: scan the features (G_SCAN until the end-of-step beat is taken), then the
        // outputs (G_WAIT until the output end-of-step beat has come; both flags registered)
        G_PNEXT: begin
          ocount <= 0;
          scan_go <= 1'b1;
          eos_sent <= 1'b0;
          out_done <= 1'b0;
          gst <= G_SCAN;
        end
        G_SCAN: if (eos_sent) gst <= G_WAIT;
        G_WAIT: if (out_done) begin
          if (steps != 16'hFFFF) steps <= steps + 1'b1;
          ttype <= 8'h82;
          tlen <= OCNT ? ocount + (ocount << 1) : ocount << 1;
          if (pix_run) pleft <= pleft - 1'b1;
          after_tx <= (pleft == 1) ? G_PFIN : G_PNEXT;
          if (!pix_run || ptrace) begin
            tstart <= 1'b1;
            gst <= G_TX;
          end else gst <= (pleft == 1) ? G_PFIN : G_PNEXT;
        end
        G_PFIN: begin
          ttype <= vscan ? 8'h86 : 8'h85;
          tlen <= 2 * OUT_SIZE;
          tstart <= 1'b1;
          pix_run <= 1'b0;
          gst <= G_TX;
        end
        G_TX: if (tdone) gst <= pix_run ? after_tx : G_IDLE;
        default: gst <= G_IDLE;
      endcase
    end
  end

  // ---------------------------------------------------------------- frame sender (device -> host)
  // Per byte: S_FETCH (memories present tx_word), S_PREP (candidate bytes), S_SEL (the byte into
  // tx_data), S_SEND (until the UART takes it; the CRC takes the byte).
  localparam [2:0] S_IDLE = 3'd0, S_FETCH = 3'd1, S_PREP = 3'd2, S_SEL = 3'd3, S_SEND = 3'd4;
  localparam [2:0] F_SYNC = 3'd0, F_TYPE = 3'd1, F_LENL = 3'd2, F_LENH = 3'd3, F_PAY = 3'd4,
                   F_CRC = 3'd5;
  reg [2:0] sst = S_IDLE;
  reg [2:0] fld = F_SYNC;
  reg [7:0] scrc = 0;
  reg [LW-1:0] spay = 0, srem = 0;
  reg s_last = 0;
  reg [7:0] txd = 0;
  reg tv = 0;
  // the frame's type, decoded at its start
  reg t_ack = 0, t_step = 0, t_cnt = 0, t_stat = 0, t_load = 0;
  reg [7:0] b_pay = 0;        // the next payload byte, chosen in S_PREP

  wire [15:0] obuf16 = {{(16 - OUT_W){1'b0}}, obuf_q[OUT_W-1:0]};
  wire [7:0] obuf_cnt;  // the count byte of a STEP_OUT entry (OUT_VALUE_W <= 8)
  generate
    if (OCNT) begin : g_cnt_byte
      wire [15:0] cnt16 = {{(16 - OUT_VALUE_W){1'b0}}, obuf_q[OB_W-1:OUT_W]};
      assign obuf_cnt = cnt16[7:0];
    end else begin : g_no_cnt
      assign obuf_cnt = 8'd1;
    end
  endgenerate
  // The loader's 9 bytes (LOADED, LOAD_END, STATUS bytes 12..20): state (0xFF without a
  // loader), CRC-32 of the payload taken, position; byte k of the reply's payload (STATUS: k - 12).
  // (without a loader: state 0xFF, CRC and position 0; the wl_* inputs are unused)
  wire [71:0] load_info = LOADER ? {8'd0, wl_pos, wl_crc, 4'd0, wl_state} : 72'hFF;
  wire [3:0] load_k = t_stat ? spay[3:0] - 4'd12 : spay[3:0];
  reg [7:0] stat_byte;
  always @(*) begin
    case (spay[4:0])
      5'd0: stat_byte = VERSION;
      5'd1: stat_byte = {5'd0, !PIX, overflow, (crc_errors != 0) || (other_errors != 0)};
      5'd2: stat_byte = IN_SIZE[7:0];
      5'd3: stat_byte = IN_SIZE[15:8];
      5'd4: stat_byte = OUT_SIZE[7:0];
      5'd5: stat_byte = OUT_SIZE[15:8];
      5'd6: stat_byte = steps[7:0];
      5'd7: stat_byte = steps[15:8];
      5'd8: stat_byte = crc_errors;
      5'd9: stat_byte = other_errors;
      5'd10: stat_byte = IN_VALUE_W[7:0];
      5'd11: stat_byte = OUT_VALUE_W[7:0];
      5'd21: stat_byte = IMAGE_CRC[7:0];
      5'd22: stat_byte = IMAGE_CRC[15:8];
      5'd23: stat_byte = IMAGE_CRC[23:16];
      5'd24: stat_byte = IMAGE_CRC[31:24];
      default: stat_byte = 8'h00;  // 12..20: the loader's bytes (b_load)
    endcase
  end
  wire stat_load = spay[4:0] >= 5'd12 && spay[4:0] <= 5'd20;

  wire [15:0] tlen16 = tlen;
  // the payload byte's candidates (one of them goes into b_pay)
  wire [7:0] load_byte = load_info[{load_k, 3'b000} +: 8];
  wire [7:0] cnt_byte = spay[0] ? cnt_q[15:8] : cnt_q[7:0];
  wire [7:0] ob_byte = !OCNT ? (spay[0] ? obuf16[15:8] : obuf16[7:0]) :
                       (tsub == 2'd0) ? obuf16[7:0] : (tsub == 2'd1) ? obuf16[15:8] : obuf_cnt;
  wire [7:0] err_byte = spay[0] ? tx_detail : tx_code;
  assign tx_valid = tv;
  assign tx_data = txd;

  always @(posedge clk) begin
    tdone <= 1'b0;
    if (rst) begin
      sst <= S_IDLE;
      tv <= 1'b0;
      transmitting <= 1'b0;
    end else begin
      case (sst)
        S_IDLE: if (tstart) begin
          sst <= S_PREP;
          fld <= F_SYNC;
          transmitting <= 1'b1;
          spay <= 0;
          srem <= tlen;
          tx_word <= 0;
          tsub <= 0;
          t_ack <= ttype == 8'h81;
          t_step <= ttype == 8'h82;
          t_cnt <= ttype == 8'h83 || ttype == 8'h85 || ttype == 8'h86;
          t_stat <= ttype == 8'h84;
          t_load <= ttype == 8'h87 || ttype == 8'h88;
        end
        S_FETCH: sst <= S_PREP;
        S_PREP: begin
          s_last <= srem == 16'd1;
          b_pay <= t_ack ? tx_code : t_load ? load_byte : t_step ? ob_byte : t_cnt ? cnt_byte :
                   t_stat ? (stat_load ? load_byte : stat_byte) : err_byte;
          sst <= S_SEL;
        end
        S_SEL: begin
          case (fld)
            F_SYNC: txd <= SYNC;
            F_TYPE: txd <= ttype;
            F_LENL: txd <= tlen16[7:0];
            F_LENH: txd <= tlen16[15:8];
            F_PAY: txd <= b_pay;
            default: txd <= scrc;
          endcase
          tv <= 1'b1;
          sst <= S_SEND;
        end
        S_SEND: if (tx_ready) begin
          tv <= 1'b0;
          scrc <= (fld == F_SYNC) ? 8'd0 : crc8(scrc, txd);
          case (fld)
            F_SYNC, F_TYPE, F_LENL: begin
              fld <= fld + 1'b1;
              sst <= S_PREP;
            end
            F_LENH: begin
              fld <= (srem == 0) ? F_CRC : F_PAY;
              sst <= S_FETCH;
            end
            F_PAY: begin
              spay <= spay + 1'b1;
              srem <= srem - 1'b1;
              if (t_step && OCNT) begin
                // 3-byte entries: index lo, index hi, count
                tsub <= (tsub == 2'd2) ? 2'd0 : tsub + 1'b1;
                if (tsub == 2'd2) tx_word <= tx_word + 1'b1;
              end else tx_word <= (spay + 1'b1) >> 1;
              fld <= s_last ? F_CRC : F_PAY;
              sst <= S_FETCH;
            end
            default: begin
              sst <= S_IDLE;
              transmitting <= 1'b0;
              tdone <= 1'b1;
            end
          endcase
        end
        default: sst <= S_IDLE;
      endcase
    end
  end
endmodule
