// spikeloom rtl-templates/io/host_bridge.v: the framed host protocol (crates/hostlink/PROTOCOL.md)
// between UART bytes and the spikeloom_top event streams.
//
// Host -> device: A5 CMD LENlo LENhi payload CRC8; CRC-8 (poly 0x07, init 0) over CMD..payload.
//   01 RESET (len 0)            -> core reset, counts cleared, ACK
//   02 STEP  (len ceil(IN/8))   -> input bitmap sent as ascending events + eos; reply STEP_OUT
//         graded (IN_VALUE_W > 1): len IN, one value byte per feature; the non-zero ones are
//         sent as ascending events with their value on in_value
//   03 COUNTS (len 0)           -> per-output spike counts since RESET (u16, saturating)
//   04 STATUS (len 0)           -> version, flags, sizes, steps, error counters, value widths
//   05 RUN_PIXELS (len 5+IN)    -> flags, seed u16, T u16, IN pixel bytes: reset, then T steps whose
//                                  spikes the on-chip LFSR rate encoder generates; optional STEP_OUT
//                                  per step (flags bit 0), then RUN_OUT 85 = counts
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
// STATUS, which reports version 3 and the widths).
// Device -> host: A5 TYPE LENlo LENhi payload CRC8; TYPE = CMD|0x80 for replies, EE for errors.
// Garbage is skipped until the next A5; a bad CRC, unknown command, wrong length or a stalled
// frame (TIMEOUT cycles without a byte) sends an error frame and resynchronizes.
module spikeloom_host_bridge #(
  parameter integer IN_SIZE = 8,
  parameter integer OUT_SIZE = 8,
  parameter integer IN_W = 3,
  parameter integer OUT_W = 3,
  parameter integer IN_VALUE_W = 1,   // bits of an input value (1 = binary spikes, bitmap STEP)
  parameter integer OUT_VALUE_W = 1,  // bits of an output spike count (1 = binary, index-only)
  parameter integer TIMEOUT = 100000,
  parameter integer HAS_LOADER = 0,   // 1: the core loads its weights (sl_wload's hl_* / wl_*)
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
  localparam [7:0] SYNC = 8'hA5, VERSION = 8'd4;
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
  localparam [7:0] E_CRC = 8'd1, E_CMD = 8'd2, E_LEN = 8'd3, E_TIMEOUT = 8'd4, E_VALUE = 8'd5,
                   E_BUSY = 8'd6, E_NOLOAD = 8'd7, E_SEQ = 8'd8, E_NOTREADY = 8'd9;

  function [7:0] crc8(input [7:0] crc, input [7:0] b);
    integer i;
    reg [7:0] c;
    begin
      c = crc ^ b;
      for (i = 0; i < 8; i = i + 1) c = c[7] ? ((c << 1) ^ 8'h07) : (c << 1);
      crc8 = c;
    end
  endfunction

  localparam [3:0] G_IDLE = 4'd0, G_RST = 4'd1, G_CLR = 4'd2, G_LOAD = 4'd3, G_BITS = 4'd4,
                   G_EOS = 4'd5, G_WAIT = 4'd6, G_TX = 4'd7, G_PNEXT = 4'd8, G_PLOAD = 4'd9,
                   G_PX = 4'd10, G_PFIN = 4'd11;

  // The rate encoder's LFSR (PROTOCOL.md, crates/hostlink/src/encode.rs): 16-bit Galois, shifting
  // right, toggle mask 0xB400; 8 shifts per feature, spike = low byte < pixel.
  function [15:0] lfsr8(input [15:0] s);
    integer i;
    reg [15:0] v;
    begin
      v = s;
      for (i = 0; i < 8; i = i + 1) v = v[0] ? ((v >> 1) ^ 16'hB400) : (v >> 1);
      lfsr8 = v;
    end
  endfunction
  reg [3:0] gst = G_IDLE;
  reg [2:0] bitk = 0;
  reg [15:0] clr = 0;
  reg [15:0] steps = 0;
  reg overflow = 0;
  reg err_clear = 0;
  reg cmd_take = 0;          // engine took the pending command
  reg ack_after_clear = 0;   // RESET command (not power-up): send ACK once counts are clear
  reg [7:0] ttype = 0;
  reg [15:0] tlen = 0;
  reg tstart = 0;
  reg transmitting = 0;
  reg tdone = 0;
  reg [7:0] tx_code = 0, tx_detail = 0;
  reg [15:0] scan_byte = 0;
  reg [15:0] tx_word = 0;
  reg [1:0] tsub = 0;        // byte within a 3-byte STEP_OUT entry
  reg [15:0] ocount = 0;
  // RUN_PIXELS state: the whole sample reads the pixel memory and header.
  reg pix_run = 0;
  reg ptrace = 0;
  reg [15:0] pleft = 0;      // steps still to run
  reg [15:0] pfeat = 0;      // feature being encoded
  reg [15:0] lfsr = 0;
  reg [3:0] after_tx = 0;    // engine state after a frame of a pixel run is sent
  reg [7:0] ph_flags = 0;
  reg [15:0] ph_seed = 0, ph_steps = 0;
  // vscan: the feature scan (G_PNEXT..G_PX) sends the stored values (graded STEP, RUN_VALUES)
  // instead of rate-encoding them (RUN_PIXELS).
  reg vscan = 0;
  // The bitmap is read while a step scans it (the pixels/values for a whole RUN_* sample);
  // payload bytes may only be written otherwise.
  wire scanning = (gst == G_LOAD) || (gst == G_BITS) || (gst == G_EOS) || (gst == G_PNEXT) ||
                  (gst == G_PLOAD) || (gst == G_PX) || pix_run;

  // ---------------------------------------------------------------- frame parser (host -> device)
  localparam [2:0] P_HUNT = 3'd0, P_CMD = 3'd1, P_LENL = 3'd2, P_LENH = 3'd3, P_PAY = 3'd4, P_CRC = 3'd5;
  reg [2:0] pst = P_HUNT;
  reg [7:0] pcmd = 0, pcrc = 0, plen_lo = 0;
  reg [15:0] plen = 0, pidx = 0;
  localparam integer TW = $clog2(TIMEOUT + 2);
  reg [TW-1:0] idle_cycles = 0;
  reg cmd_pend = 0;          // a checked command frame waits for the engine
  reg [7:0] cmd_code = 0;
  reg p_reject = 0;          // payload arrived while the bitmap was in use
  reg p_badval = 0;          // a value byte does not fit IN_VALUE_W bits
  reg p_seq = 0;             // a LOAD frame's offset is not the loader's position
  reg [23:0] loff = 0;       // low bytes of a LOAD frame's offset
  wire [15:0] len_now = {rx_data, plen_lo};
  reg err_pend = 0;
  reg [7:0] err_code = 0, err_detail = 0;
  reg [7:0] crc_errors = 0, other_errors = 0;

  reg bm_we;
  reg [15:0] bm_waddr;
  reg [7:0] bm_wdata;
  reg px_we;
  wire [15:0] px_waddr_now = (pcmd == C_PIX) ? pidx - 16'd5 : (pcmd == C_VAL) ? pidx - 16'd3 : pidx;
  // value bytes: graded STEP payload, RUN_VALUES after its 3 header bytes
  wire is_value = (pcmd == C_STEP && GRADED) || (pcmd == C_VAL && pidx >= 16'd3);
  wire value_wide = (rx_data >> IN_VALUE_W) != 8'd0;

  task raise(input [7:0] code, input [7:0] detail);
    begin
      err_pend <= 1'b1;
      err_code <= code;
      err_detail <= detail;
      if (code == E_CRC) begin
        if (crc_errors != 8'hFF) crc_errors <= crc_errors + 1'b1;
      end else if (other_errors != 8'hFF) other_errors <= other_errors + 1'b1;
    end
  endtask

  wire [15:0] want_len = (pcmd == C_STEP) ? STEP_LEN : (pcmd == C_PIX) ? PIX_LEN :
                         (pcmd == C_VAL) ? VAL_LEN : 16'd0;
  wire load_cmd = (pcmd == C_LOAD) || (pcmd == C_LEND);
  wire known_cmd = (pcmd == C_RESET) || (pcmd == C_STEP) || (pcmd == C_COUNTS) ||
                   (pcmd == C_STATUS) || (pcmd == C_PIX) || (pcmd == C_VAL) || load_cmd;
  // LOAD carries an offset and 1 or more bytes
  wire len_ok = (pcmd == C_LOAD) ? (len_now >= 16'd5) : (len_now == want_len);
  wire pay_ok = !(scanning || cmd_pend);
  // a load may start or go on only while no step runs or waits (it resets the core)
  wire load_ok = pay_ok && (gst == G_IDLE || gst == G_TX) && !pix_run;
  // commands that run the core need its weights
  wire needs_weights = (pcmd == C_STEP) || (pcmd == C_PIX) || (pcmd == C_VAL);

  always @(posedge clk) begin
    bm_we <= 1'b0;
    px_we <= 1'b0;
    hl_start <= 1'b0;
    hl_valid <= 1'b0;
    hl_keep <= 1'b0;
    hl_drop <= 1'b0;
    if (cmd_take) cmd_pend <= 1'b0;
    if (rst) begin
      pst <= P_HUNT;
      idle_cycles <= 0;
      err_pend <= 1'b0;
      cmd_pend <= 1'b0;
      crc_errors <= 0;
      other_errors <= 0;
    end else begin
      if (err_clear) err_pend <= 1'b0;
      if (rx_valid) idle_cycles <= 0;
      else if (pst != P_HUNT) idle_cycles <= idle_cycles + 1'b1;
      if (!rx_valid && pst != P_HUNT && idle_cycles >= TIMEOUT) begin
        raise(E_TIMEOUT, {5'd0, pst});
        // a LOAD frame cut short: forget the bytes it gave the loader
        hl_drop <= LOADER && pcmd == C_LOAD && (pst == P_PAY || pst == P_CRC);
        pst <= P_HUNT;
      end else if (rx_valid) begin
        case (pst)
          P_HUNT: if (rx_data == SYNC) begin
            pst <= P_CMD;
            pcrc <= 8'd0;
          end
          P_CMD: begin
            pcmd <= rx_data;
            pcrc <= crc8(pcrc, rx_data);
            pst <= P_LENL;
          end
          P_LENL: begin
            plen_lo <= rx_data;
            pcrc <= crc8(pcrc, rx_data);
            pst <= P_LENH;
          end
          P_LENH: begin
            plen <= len_now;
            pcrc <= crc8(pcrc, rx_data);
            pidx <= 0;
            p_reject <= 1'b0;
            p_badval <= 1'b0;
            p_seq <= 1'b0;
            if (!known_cmd) begin
              raise(E_CMD, pcmd);
              pst <= P_HUNT;
            end else if (load_cmd && !LOADER) begin
              raise(E_NOLOAD, pcmd);
              pst <= P_HUNT;
            end else if (!len_ok) begin
              raise(E_LEN, pcmd);
              pst <= P_HUNT;
            end else begin
              pst <= (len_now == 0) ? P_CRC : P_PAY;
            end
          end
          P_PAY: begin
            pcrc <= crc8(pcrc, rx_data);
            if (!pay_ok && pcmd != C_LOAD) p_reject <= 1'b1;
            if (is_value && value_wide) p_badval <= 1'b1;
            if (LOADER && pcmd == C_LOAD) begin
              // Offset (u32), then image bytes straight to the loader. The offset is checked
              // at its last byte: 0 starts a load, anything else must be the loader's position.
              case (pidx)
                16'd0: loff[7:0] <= rx_data;
                16'd1: loff[15:8] <= rx_data;
                16'd2: loff[23:16] <= rx_data;
                16'd3: if (!load_ok) p_reject <= 1'b1;
                  else if ({rx_data, loff} == 32'd0) hl_start <= 1'b1;
                  else if ({rx_data, loff} != {8'd0, wl_pos}) p_seq <= 1'b1;
                default: if (!p_reject && !p_seq) begin
                  hl_valid <= 1'b1;
                  hl_data <= rx_data;
                end
              endcase
            end else if (pcmd == C_PIX) begin
              // Header (flags, seed, steps) then one pixel byte per feature.
              if (pay_ok) case (pidx)
                16'd0: ph_flags <= rx_data;
                16'd1: ph_seed[7:0] <= rx_data;
                16'd2: ph_seed[15:8] <= rx_data;
                16'd3: ph_steps[7:0] <= rx_data;
                16'd4: ph_steps[15:8] <= rx_data;
                default: px_we <= 1'b1;
              endcase
            end else if (pcmd == C_VAL) begin
              // Header (flags, steps) then one value byte per feature.
              if (pay_ok) case (pidx)
                16'd0: ph_flags <= rx_data;
                16'd1: ph_steps[7:0] <= rx_data;
                16'd2: ph_steps[15:8] <= rx_data;
                default: px_we <= 1'b1;
              endcase
            end else if (GRADED) px_we <= pay_ok;
            else bm_we <= pay_ok;
            bm_waddr <= px_waddr_now;
            bm_wdata <= rx_data;
            pidx <= pidx + 1'b1;
            if (pidx + 1'b1 == plen) pst <= P_CRC;
          end
          P_CRC: begin
            pst <= P_HUNT;
            if (rx_data != pcrc || p_reject || (cmd_pend && !cmd_take)) begin
              // the loader forgets the bytes of a LOAD frame that is not taken
              hl_drop <= LOADER && pcmd == C_LOAD;
              if (rx_data != pcrc) raise(E_CRC, pcmd);
              else raise(E_BUSY, pcmd);
            end else if (p_badval) raise(E_VALUE, pcmd);
            else if (p_seq) raise(E_SEQ, pcmd);
            else if (LOADER && needs_weights && wl_state != W_READY) raise(E_NOTREADY, pcmd);
            else begin
              hl_keep <= LOADER && pcmd == C_LOAD;
              cmd_pend <= 1'b1;
              cmd_code <= pcmd;
            end
          end
          default: pst <= P_HUNT;
        endcase
      end
    end
  end

  // ---------------------------------------------------------------- memories
  reg [7:0] bm [0:NBYTES-1];
  reg [7:0] bm_q;
  always @(posedge clk) begin
    if (bm_we) bm[bm_waddr] <= bm_wdata;
    bm_q <= bm[scan_byte];
  end

  // Pixel/value memory: written by a RUN_PIXELS / RUN_VALUES / graded STEP payload, read one
  // feature per cycle while scanning (the read address runs one ahead when the current feature
  // is done).
  reg [7:0] px [0:IN_SIZE-1];
  reg [7:0] px_q;
  wire [15:0] lfsr_next = lfsr8(lfsr);
  wire pspike = vscan ? (px_q != 8'd0) : (lfsr_next[7:0] < px_q);
  wire padv = (gst == G_PX) && (!pspike || in_ready);
  wire [15:0] px_raddr = (padv && pfeat != IN_SIZE - 1) ? pfeat + 1'b1 : pfeat;
  always @(posedge clk) begin
    if (px_we) px[bm_waddr] <= bm_wdata;
    px_q <= px[px_raddr];
  end

  // Output events of the step being replied: {count, index} (the count only when OCNT).
  localparam integer OB_W = OUT_W + (OCNT ? OUT_VALUE_W : 0);
  reg [OB_W-1:0] obuf [0:OUT_SIZE-1];
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
  always @(posedge clk) begin
    if (out_ev && ocount < OUT_SIZE) obuf[ocount] <= ob_word;
    obuf_q <= obuf[tx_word];
  end

  // Counts: read address is the arriving output index during a step and the TX word otherwise;
  // the +1 is written one cycle later (indices of one step are distinct, so no hazard).
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

  wire [15:0] scan_idx = {scan_byte[12:0], bitk};
  wire bit_set = bm_q[bitk] && (scan_idx < IN_SIZE);
  assign in_valid = (gst == G_BITS && bit_set) || (gst == G_PX && pspike) || (gst == G_EOS);
  assign in_eos = (gst == G_EOS);
  assign in_index = (gst == G_PX) ? pfeat[IN_W-1:0] : scan_idx[IN_W-1:0];
  // the stored value while scanning values, else 1 (a binary spike)
  localparam [IN_VALUE_W-1:0] ONE_IV = 1;
  assign in_value = (gst == G_PX && vscan) ? px_q[IN_VALUE_W-1:0] : ONE_IV;
  assign out_ready = 1'b1;

  always @(posedge clk) begin
    err_clear <= 1'b0;
    cmd_take <= 1'b0;
    tstart <= 1'b0;
    hl_end <= 1'b0;
    cnt_we <= 1'b0;
    error_pulse <= 1'b0;
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
    if (rst) begin
      gst <= G_RST;
      clr <= 0;
      core_rst <= 1'b1;
      steps <= 0;
      overflow <= 1'b0;
      ocount <= 0;
      scan_byte <= 0;
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
            case (cmd_code)
              C_RESET: begin
                gst <= G_RST;
                core_rst <= 1'b1;
                clr <= 0;
                ack_after_clear <= 1'b1;
              end
              C_STEP: begin
                gst <= GRADED ? G_PNEXT : G_LOAD;
                vscan <= 1'b1;
                scan_byte <= 0;
                bitk <= 0;
                ocount <= 0;
              end
              C_PIX: begin
                // A RESET, then the steps (G_CLR continues with the first one).
                gst <= G_RST;
                core_rst <= 1'b1;
                clr <= 0;
                pix_run <= 1'b1;
                vscan <= 1'b0;
                ptrace <= ph_flags[0];
                pleft <= ph_steps;
                lfsr <= (ph_seed == 16'd0) ? 16'hACE1 : ph_seed;
              end
              C_VAL: begin
                gst <= G_RST;
                core_rst <= 1'b1;
                clr <= 0;
                pix_run <= 1'b1;
                vscan <= 1'b1;
                ptrace <= ph_flags[0];
                pleft <= ph_steps;
              end
              C_COUNTS: begin
                ttype <= 8'h83;
                tlen <= 2 * OUT_SIZE;
                tstart <= 1'b1;
                gst <= G_TX;
              end
              C_LOAD: if (LOADER) begin
                ttype <= 8'h87;
                tlen <= 16'd9;
                tstart <= 1'b1;
                gst <= G_TX;
              end
              C_LEND: if (LOADER) begin
                hl_end <= 1'b1;
                ttype <= 8'h88;
                tlen <= 16'd9;
                tstart <= 1'b1;
                gst <= G_TX;
              end
              default: begin
                ttype <= 8'h84;
                tlen <= 16'd25;
                tstart <= 1'b1;
                gst <= G_TX;
              end
            endcase
          end
        end
        // Core reset for 2 cycles (the shared top-level contract), then clear the counts.
        G_RST: begin
          clr <= clr + 1'b1;
          if (clr == 1) begin
            core_rst <= 1'b0;
            clr <= 0;
            gst <= G_CLR;
          end
        end
        G_CLR: begin
          cnt_we <= 1'b1;
          cnt_waddr <= clr;
          cnt_wdata <= 0;
          clr <= clr + 1'b1;
          if (clr == OUT_SIZE - 1) begin
            steps <= 0;
            overflow <= 1'b0;
            ttype <= 8'h81;
            tlen <= 16'd1;
            tstart <= ack_after_clear;
            ack_after_clear <= 1'b0;
            gst <= pix_run ? ((pleft == 0) ? G_PFIN : G_PNEXT) : ack_after_clear ? G_TX : G_IDLE;
          end
        end
        // bm_q follows bm[scan_byte] one cycle after scan_byte changes.
        G_LOAD: gst <= G_BITS;
        G_BITS: if (!bit_set || in_ready) begin
          bitk <= bitk + 1'b1;
          if (bitk == 3'd7) begin
            scan_byte <= scan_byte + 1'b1;
            gst <= (scan_byte + 1 == NBYTES) ? G_EOS : G_LOAD;
          end
        end
        G_EOS: if (in_ready) gst <= G_WAIT;
        G_WAIT: if (out_valid && out_eos) begin
          if (steps != 16'hFFFF) steps <= steps + 1'b1;
          ttype <= 8'h82;
          tlen <= OCNT ? ocount + (ocount << 1) : ocount << 1;
          pleft <= pleft - 1'b1;
          after_tx <= (pleft == 1) ? G_PFIN : G_PNEXT;
          if (!pix_run || ptrace) begin
            tstart <= 1'b1;
            gst <= G_TX;
          end else gst <= (pleft == 1) ? G_PFIN : G_PNEXT;
        end
        // RUN_PIXELS: one step = encode every feature (G_PX, one per cycle unless the core stalls
        // a spike), then the end-of-step beat (G_EOS) and the outputs (G_WAIT).
        G_PNEXT: begin
          pfeat <= 0;
          ocount <= 0;
          gst <= G_PLOAD;
        end
        G_PLOAD: gst <= G_PX;  // px_q <= px[0]
        G_PX: if (padv) begin
          if (!vscan) lfsr <= lfsr_next;
          if (pfeat == IN_SIZE - 1) gst <= G_EOS;
          else pfeat <= pfeat + 1'b1;
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
  localparam [2:0] S_IDLE = 3'd0, S_SYNC = 3'd1, S_TYPE = 3'd2, S_LENL = 3'd3, S_LENH = 3'd4,
                   S_FETCH = 3'd5, S_PAY = 3'd6, S_CRC = 3'd7;
  reg [2:0] sst = S_IDLE;
  reg [7:0] scrc = 0;
  reg [15:0] spay = 0;

  reg [7:0] pay_byte;
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
  wire [7:0] load_state = LOADER ? {4'd0, wl_state} : 8'hFF;
  wire [71:0] load_info = {8'd0, wl_pos, wl_crc, load_state};
  wire [3:0] load_k = (ttype == 8'h84) ? spay[3:0] - 4'd12 : spay[3:0];
  wire [7:0] load_byte = load_info[{load_k, 3'b000} +: 8];
  always @(*) begin
    case (ttype)
      8'h81: pay_byte = tx_code;
      // LOADED / LOAD_END (only with a loader): the loader's 9 bytes
      8'h87, 8'h88: pay_byte = LOADER ? load_byte : 8'h00;
      8'h82: if (OCNT) pay_byte = (tsub == 2'd0) ? obuf16[7:0] : (tsub == 2'd1) ? obuf16[15:8] : obuf_cnt;
             else pay_byte = spay[0] ? obuf16[15:8] : obuf16[7:0];
      8'h83, 8'h85, 8'h86: pay_byte = spay[0] ? cnt_q[15:8] : cnt_q[7:0];
      8'h84: case (spay[4:0])
        5'd0: pay_byte = VERSION;
        5'd1: pay_byte = {6'd0, overflow, (crc_errors != 0) || (other_errors != 0)};
        5'd2: pay_byte = IN_SIZE[7:0];
        5'd3: pay_byte = IN_SIZE[15:8];
        5'd4: pay_byte = OUT_SIZE[7:0];
        5'd5: pay_byte = OUT_SIZE[15:8];
        5'd6: pay_byte = steps[7:0];
        5'd7: pay_byte = steps[15:8];
        5'd8: pay_byte = crc_errors;
        5'd9: pay_byte = other_errors;
        5'd10: pay_byte = IN_VALUE_W[7:0];
        5'd11: pay_byte = OUT_VALUE_W[7:0];
        5'd12, 5'd13, 5'd14, 5'd15, 5'd16, 5'd17, 5'd18, 5'd19, 5'd20: pay_byte = load_byte;
        5'd21: pay_byte = IMAGE_CRC[7:0];
        5'd22: pay_byte = IMAGE_CRC[15:8];
        5'd23: pay_byte = IMAGE_CRC[23:16];
        default: pay_byte = IMAGE_CRC[31:24];
      endcase
      default: pay_byte = spay[0] ? tx_detail : tx_code;
    endcase
  end

  assign tx_valid = (sst != S_IDLE) && (sst != S_FETCH);
  assign tx_data = (sst == S_SYNC) ? SYNC :
                   (sst == S_TYPE) ? ttype :
                   (sst == S_LENL) ? tlen[7:0] :
                   (sst == S_LENH) ? tlen[15:8] :
                   (sst == S_PAY)  ? pay_byte : scrc;
  wire sent = tx_valid && tx_ready;

  always @(posedge clk) begin
    tdone <= 1'b0;
    if (rst) begin
      sst <= S_IDLE;
      transmitting <= 1'b0;
    end else begin
      if (sent && sst != S_SYNC) scrc <= crc8(scrc, tx_data);
      case (sst)
        S_IDLE: if (tstart) begin
          sst <= S_SYNC;
          transmitting <= 1'b1;
          spay <= 0;
          tx_word <= 0;
          tsub <= 0;
        end
        S_SYNC: if (sent) begin
          scrc <= 8'd0;
          sst <= S_TYPE;
        end
        S_TYPE: if (sent) sst <= S_LENL;
        S_LENL: if (sent) sst <= S_LENH;
        S_LENH: if (sent) sst <= (tlen == 0) ? S_CRC : S_FETCH;
        // One cycle for the memories to present word tx_word.
        S_FETCH: sst <= S_PAY;
        S_PAY: if (sent) begin
          spay <= spay + 1'b1;
          if (ttype == 8'h82 && OCNT) begin
            // 3-byte entries: index lo, index hi, count
            tsub <= (tsub == 2'd2) ? 2'd0 : tsub + 1'b1;
            if (tsub == 2'd2) tx_word <= tx_word + 1'b1;
          end else tx_word <= (spay + 1'b1) >> 1;
          sst <= (spay + 1'b1 == tlen) ? S_CRC : S_FETCH;
        end
        S_CRC: if (sent) begin
          sst <= S_IDLE;
          transmitting <= 1'b0;
          tdone <= 1'b1;
        end
        default: sst <= S_IDLE;
      endcase
    end
  end
endmodule
