// spikeloom rtl-templates/io/host_bridge.v: the framed host protocol (crates/hostlink/PROTOCOL.md)
// between UART bytes and the spikeloom_top event streams.
//
// Host -> device: A5 CMD LENlo LENhi payload CRC8; CRC-8 (poly 0x07, init 0) over CMD..payload.
//   01 RESET (len 0)            -> core reset, counts cleared, ACK
//   02 STEP  (len ceil(IN/8))   -> input bitmap sent as ascending events + eos; reply STEP_OUT
//   03 COUNTS (len 0)           -> per-output spike counts since RESET (u16, saturating)
//   04 STATUS (len 0)           -> version, flags, sizes, steps, error counters
//   05 RUN_PIXELS (len 5+IN)    -> flags, seed u16, T u16, IN pixel bytes: reset, then T steps whose
//                                  spikes the on-chip LFSR rate encoder generates; optional STEP_OUT
//                                  per step (flags bit 0), then RUN_OUT 85 = counts
// Device -> host: A5 TYPE LENlo LENhi payload CRC8; TYPE = CMD|0x80 for replies, EE for errors.
// Garbage is skipped until the next A5; a bad CRC, unknown command, wrong length or a stalled
// frame (TIMEOUT cycles without a byte) sends an error frame and resynchronizes.
module spikeloom_host_bridge #(
  parameter integer IN_SIZE = 8,
  parameter integer OUT_SIZE = 8,
  parameter integer IN_W = 3,
  parameter integer OUT_W = 3,
  parameter integer TIMEOUT = 100000
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
  input  wire             out_valid,
  output wire             out_ready,
  input  wire             out_eos,
  input  wire [OUT_W-1:0] out_index,
  output wire             busy,
  output reg              error_pulse
);
  localparam integer NBYTES = (IN_SIZE + 7) / 8;
  localparam [7:0] SYNC = 8'hA5, VERSION = 8'd2;
  localparam [7:0] C_RESET = 8'h01, C_STEP = 8'h02, C_COUNTS = 8'h03, C_STATUS = 8'h04;
  localparam [7:0] C_PIX = 8'h05;
  localparam [15:0] PIX_LEN = IN_SIZE + 5;
  localparam [7:0] T_ERROR = 8'hEE;
  localparam [7:0] E_CRC = 8'd1, E_CMD = 8'd2, E_LEN = 8'd3, E_TIMEOUT = 8'd4, E_BUSY = 8'd6;

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
  // The bitmap is read while a step scans it (the pixels for a whole RUN_PIXELS sample);
  // payload bytes may only be written otherwise.
  wire scanning = (gst == G_LOAD) || (gst == G_BITS) || (gst == G_EOS) || pix_run;

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
  wire [15:0] len_now = {rx_data, plen_lo};
  reg err_pend = 0;
  reg [7:0] err_code = 0, err_detail = 0;
  reg [7:0] crc_errors = 0, other_errors = 0;

  reg bm_we;
  reg [15:0] bm_waddr;
  reg [7:0] bm_wdata;
  reg px_we;
  wire [15:0] px_waddr_now = pidx - 16'd5;

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

  wire [15:0] want_len = (pcmd == C_STEP) ? NBYTES[15:0] : (pcmd == C_PIX) ? PIX_LEN : 16'd0;
  wire known_cmd = (pcmd == C_RESET) || (pcmd == C_STEP) || (pcmd == C_COUNTS) ||
                   (pcmd == C_STATUS) || (pcmd == C_PIX);
  wire pay_ok = !(scanning || cmd_pend);

  always @(posedge clk) begin
    bm_we <= 1'b0;
    px_we <= 1'b0;
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
            if (!known_cmd) begin
              raise(E_CMD, pcmd);
              pst <= P_HUNT;
            end else if (len_now != want_len) begin
              raise(E_LEN, pcmd);
              pst <= P_HUNT;
            end else begin
              pst <= (len_now == 0) ? P_CRC : P_PAY;
            end
          end
          P_PAY: begin
            pcrc <= crc8(pcrc, rx_data);
            if (!pay_ok) p_reject <= 1'b1;
            if (pcmd == C_PIX) begin
              // Header (flags, seed, steps) then one pixel byte per feature.
              if (pay_ok) case (pidx)
                16'd0: ph_flags <= rx_data;
                16'd1: ph_seed[7:0] <= rx_data;
                16'd2: ph_seed[15:8] <= rx_data;
                16'd3: ph_steps[7:0] <= rx_data;
                16'd4: ph_steps[15:8] <= rx_data;
                default: px_we <= 1'b1;
              endcase
            end else bm_we <= pay_ok;
            bm_waddr <= (pcmd == C_PIX) ? px_waddr_now : pidx;
            bm_wdata <= rx_data;
            pidx <= pidx + 1'b1;
            if (pidx + 1'b1 == plen) pst <= P_CRC;
          end
          P_CRC: begin
            pst <= P_HUNT;
            if (rx_data != pcrc) raise(E_CRC, pcmd);
            else if (p_reject || (cmd_pend && !cmd_take)) raise(E_BUSY, pcmd);
            else begin
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

  // Pixel memory: written by a RUN_PIXELS payload, read one feature per cycle while encoding
  // (the read address runs one ahead when the current feature is done).
  reg [7:0] px [0:IN_SIZE-1];
  reg [7:0] px_q;
  wire [15:0] lfsr_next = lfsr8(lfsr);
  wire pspike = lfsr_next[7:0] < px_q;
  wire padv = (gst == G_PX) && (!pspike || in_ready);
  wire [15:0] px_raddr = (padv && pfeat != IN_SIZE - 1) ? pfeat + 1'b1 : pfeat;
  always @(posedge clk) begin
    if (px_we) px[bm_waddr] <= bm_wdata;
    px_q <= px[px_raddr];
  end

  reg [OUT_W-1:0] obuf [0:OUT_SIZE-1];
  reg [OUT_W-1:0] obuf_q;
  wire out_ev = out_valid && !out_eos;
  always @(posedge clk) begin
    if (out_ev && ocount < OUT_SIZE) obuf[ocount] <= out_index;
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
  assign out_ready = 1'b1;

  always @(posedge clk) begin
    err_clear <= 1'b0;
    cmd_take <= 1'b0;
    tstart <= 1'b0;
    cnt_we <= 1'b0;
    error_pulse <= 1'b0;
    inc_d <= out_ev;
    inc_idx <= out_index;
    if (inc_d) begin
      cnt_we <= 1'b1;
      cnt_waddr <= {{(16 - OUT_W){1'b0}}, inc_idx};
      cnt_wdata <= (cnt_q == 16'hFFFF) ? cnt_q : cnt_q + 1'b1;
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
                gst <= G_LOAD;
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
                ptrace <= ph_flags[0];
                pleft <= ph_steps;
                lfsr <= (ph_seed == 16'd0) ? 16'hACE1 : ph_seed;
              end
              C_COUNTS: begin
                ttype <= 8'h83;
                tlen <= 2 * OUT_SIZE;
                tstart <= 1'b1;
                gst <= G_TX;
              end
              default: begin
                ttype <= 8'h84;
                tlen <= 16'd10;
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
          tlen <= ocount << 1;
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
          lfsr <= lfsr_next;
          if (pfeat == IN_SIZE - 1) gst <= G_EOS;
          else pfeat <= pfeat + 1'b1;
        end
        G_PFIN: begin
          ttype <= 8'h85;
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
  wire [15:0] obuf16 = {{(16 - OUT_W){1'b0}}, obuf_q};
  always @(*) begin
    case (ttype)
      8'h81: pay_byte = tx_code;
      8'h82: pay_byte = spay[0] ? obuf16[15:8] : obuf16[7:0];
      8'h83, 8'h85: pay_byte = spay[0] ? cnt_q[15:8] : cnt_q[7:0];
      8'h84: case (spay[3:0])
        4'd0: pay_byte = VERSION;
        4'd1: pay_byte = {6'd0, overflow, (crc_errors != 0) || (other_errors != 0)};
        4'd2: pay_byte = IN_SIZE[7:0];
        4'd3: pay_byte = IN_SIZE[15:8];
        4'd4: pay_byte = OUT_SIZE[7:0];
        4'd5: pay_byte = OUT_SIZE[15:8];
        4'd6: pay_byte = steps[7:0];
        4'd7: pay_byte = steps[15:8];
        4'd8: pay_byte = crc_errors;
        default: pay_byte = other_errors;
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
          tx_word <= (spay + 1'b1) >> 1;
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
