`default_nettype none
// esp_egress — streams completions in request order: the completion record
// on the first beat (m_cpl_rec_o, held for the whole packet) and the output
// bytes, STREAM_BYTES per beat, byte 0 in the top byte, zero past out_len;
// one beat of zero data when out_len is 0.
//
// A context's output lives in two places, seen as one byte array of words
// of STREAM_BYTES (a "word" below): its header area (bytes 0..127, words
// 0..HW-1 here, written by parse in 16-byte words: outer header, UDP, SPI,
// sequence, IV, right-aligned to byte 128) and its lane's output buffer
// (ciphertext / plaintext from byte 128 on, a ring of 2048 bytes).  The
// output starts at e_start_i and is out_len bytes long.
//
// Two fetchers run ahead of the beat assembler, each through the queued
// completions in order: one reads header-area words, the other output-
// buffer words (laying the ICV over the bytes after the ciphertext,
// outbound).  Each fills its own small word queue.  The assembler takes the
// words in order and shifts them to the output's alignment (a beat is
// bytes 16n.. of the output, i.e. the tail of one stored word and the head
// of the next); inbound transport mode patches total length, protocol and
// checksum in the first beat.  An unaligned output needs one word more than
// it has beats; the assembler takes that first word from the header queue
// in the cycle it forms the previous packet's last beat, so back-to-back
// packets stream at one beat per cycle.  A context is released (free_o)
// once its last beat is formed.
module esp_egress #(
  parameter N_CTX = 8,          // contexts (power of two)
  parameter CIPHER_LANES = 1,   // lanes holding the output buffers (context c in lane c % CIPHER_LANES)
  parameter STREAM_BYTES = 16   // bytes per completion beat and per buffer word read (16 or 32)
) (
  input  wire                        clk_i,
  input  wire                        rst_ni,
  // completion (esp_commit)
  input  wire                        e_valid_i,
  output wire                        e_ready_o,
  input  wire [CW-1:0]               e_ctx_i,
  input  wire [191:0]                e_rec_i,
  input  wire [15:0]                 e_len_i,
  input  wire [7:0]                  e_start_i,
  input  wire                        e_icv_en_i,
  input  wire [11:0]                 e_icv_pos_i,
  input  wire [95:0]                 e_icv_i,
  input  wire                        e_ovr_i,
  input  wire [15:0]                 e_ovr_len_i,
  input  wire [7:0]                  e_ovr_nh_i,
  input  wire [15:0]                 e_ovr_csum_i,
  // header area writes (esp_parse): 16-byte word hw_word_i of the area
  input  wire                        hw_i,
  input  wire [CW-1:0]               hw_ctx_i,
  input  wire [2:0]                  hw_word_i,
  input  wire [127:0]                hw_wd_i,
  // output buffers (registered read, same address to every lane)
  output wire [LW-1:0]               out_rl_o,
  output wire [OAW-1:0]              out_rw_o,
  input  wire [CIPHER_LANES*BW-1:0]  out_rd_i,
  // completion stream
  output wire                        m_cpl_valid_o,
  input  wire                        m_cpl_ready_i,
  output wire [BW-1:0]               m_cpl_data_o,
  output wire                        m_cpl_last_o,
  output wire [191:0]                m_cpl_rec_o,
  // context released
  output reg                         free_o
);

  localparam CW = (N_CTX > 1) ? $clog2(N_CTX) : 1;
  localparam NG = N_CTX / CIPHER_LANES;
  localparam LW = (NG > 1) ? $clog2(NG) : 1;
  localparam LB = (CIPHER_LANES > 1) ? $clog2(CIPHER_LANES) : 1;
  localparam EW = CW + 192 + 16 + 8 + 1 + 12 + 96 + 1 + 16 + 8 + 16;
  localparam QA = 3;   // word queues: 8 words
  localparam BW = 8 * STREAM_BYTES;             // word (beat) bits
  localparam SW = STREAM_BYTES / 16;            // 16-byte words per word
  localparam WB = $clog2(STREAM_BYTES);         // log2 of the word bytes
  localparam HW = 128 / STREAM_BYTES;           // header-area words
  localparam HA = $clog2(HW);                   // their address bits
  localparam OAW = 11 - WB;                     // output buffer words per context (2048 bytes), log2
  localparam BMI = STREAM_BYTES - 1;
  localparam [7:0] HW8 = HW[7:0];
  localparam [7:0] BM8 = BMI[7:0];              // byte-in-word mask

  // ---- completion queue (4 entries) ---------------------------------------------------
  reg [EW-1:0] eq_q [0:3];
  reg [2:0]    et_q, eh_q, ehf_q, eof_q;   // tail; assembler, header-fetch and out-fetch heads
  // an entry is free once the assembler and both fetchers are past it (the
  // fetchers may trail the assembler over entries without output words)
  wire [2:0]   ecnt = et_q - eh_q;
  wire [2:0]   ecnt_h = et_q - ehf_q;
  wire [2:0]   ecnt_o = et_q - eof_q;
  assign e_ready_o = ecnt != 3'd4 && ecnt_h != 3'd4 && ecnt_o != 3'd4;

  always @(posedge clk_i) begin
    if (e_valid_i) eq_q[et_q[1:0]] <= {e_ctx_i, e_rec_i, e_len_i, e_start_i, e_icv_en_i, e_icv_pos_i, e_icv_i,
                                       e_ovr_i, e_ovr_len_i, e_ovr_nh_i, e_ovr_csum_i};
  end

  // entry fields (each function reads one field of the entry it is given)
  /* verilator lint_off UNUSEDSIGNAL */
  function [CW-1:0] f_ctx;   input [EW-1:0] e; f_ctx = e[EW-1 -: CW];            endfunction
  function [191:0]  f_rec;   input [EW-1:0] e; f_rec = e[EW-CW-1 -: 192];        endfunction
  function [15:0]   f_len;   input [EW-1:0] e; f_len = e[EW-CW-193 -: 16];       endfunction
  function [7:0]    f_start; input [EW-1:0] e; f_start = e[EW-CW-209 -: 8];      endfunction
  function          f_icven; input [EW-1:0] e; f_icven = e[EW-CW-217];           endfunction
  function [11:0]   f_icvp;  input [EW-1:0] e; f_icvp = e[EW-CW-218 -: 12];      endfunction
  function [95:0]   f_icv;   input [EW-1:0] e; f_icv = e[EW-CW-230 -: 96];       endfunction
  function          f_ovr;   input [EW-1:0] e; f_ovr = e[40];                     endfunction
  function [15:0]   f_olen;  input [EW-1:0] e; f_olen = e[39:24];                 endfunction
  function [7:0]    f_onh;   input [EW-1:0] e; f_onh = e[23:16];                  endfunction
  function [15:0]   f_ocs;   input [EW-1:0] e; f_ocs = e[15:0];                   endfunction
  // words of an entry: from start/STREAM_BYTES, one per beat, one more
  // when unaligned (none when empty)
  function [7:0] f_nbeats; input [EW-1:0] e;
    reg [15:0] l;
    reg [11:0] q;
    begin
      l = f_len(e);
      q = l[11:0] >> WB;
      f_nbeats = (l == 16'd0) ? 8'd1 : (q[7:0] + {7'd0, (l[7:0] & BM8) != 8'd0});
    end
  endfunction
  function [7:0] f_nwords; input [EW-1:0] e;
    reg [7:0] st;
    begin
      st = f_start(e);
      f_nwords = (f_len(e) == 16'd0) ? 8'd0 : f_nbeats(e) + {7'd0, (st & BM8) != 8'd0};
    end
  endfunction
  // header-area words among them (start/STREAM_BYTES .. HW-1)
  function [3:0] f_nhdr; input [EW-1:0] e;
    reg [7:0] h, st;
    begin
      st = f_start(e);
      h = HW8 - (st >> WB);
      if (st[7] || f_len(e) == 16'd0) h = 8'd0;
      if (h > f_nwords(e)) h = f_nwords(e);
      f_nhdr = h[3:0];
    end
  endfunction
  // first header-area word, first output-buffer word (HW.., unwrapped)
  function [HA-1:0] f_hw0; input [EW-1:0] e;
    reg [7:0] st;
    begin
      st = f_start(e) >> WB;
      f_hw0 = st[HA-1:0];
    end
  endfunction
  function [7:0] f_ow0; input [EW-1:0] e;
    reg [7:0] st;
    begin
      st = f_start(e);
      f_ow0 = st[7] ? (st >> WB) : HW8;
    end
  endfunction

  function [LW-1:0] loc; input [CW-1:0] c;
    loc = c[CW-1 -: LW];
  endfunction
  function [LB-1:0] lane; input [CW-1:0] c;
    lane = (CIPHER_LANES > 1) ? c[LB-1:0] : {LB{1'b0}};
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // ---- header fetcher -------------------------------------------------------------------
  wire [EW-1:0] ehf = eq_q[ehf_q[1:0]];

  reg           hf_act_q;
  reg  [HA-1:0] hf_w_q;       // next header word
  reg  [3:0]    hf_rem_q;     // header words left
  reg           hr_v_q;       // a header word read last cycle
  reg  [QA:0]   hq_wp_q, hq_rp_q;
  wire [QA:0]   hq_cnt = hq_wp_q - hq_rp_q;
  wire [BW-1:0] hdr_rd, hq_head;
  wire          hf_issue = hf_act_q && hf_rem_q != 4'd0 && ({1'b0, hq_cnt} + {{QA{1'b0}}, hr_v_q}) < 6;

  // the header area: parse writes 16-byte words, a half of a 32-byte word
  wire [HA-1:0] hw_wa;
  wire [SW-1:0] hw_be;
  generate
    if (SW == 1) begin : g_hw1
      assign hw_wa = hw_word_i;
      assign hw_be = 1'b1;
    end else begin : g_hw2
      assign hw_wa = hw_word_i[2:1];
      assign hw_be = hw_word_i[0] ? 2'b01 : 2'b10;
    end
  endgenerate

  esp_ram #(.DW(BW), .AW(CW+HA), .WE_W(SW), .ASYNC_RD(0)) u_hdr (
    .clk_i(clk_i), .we_i(hw_i), .wbe_i(hw_be), .wa_i({hw_ctx_i, hw_wa}), .wd_i({SW{hw_wd_i}}),
    .ra_i({f_ctx(ehf), hf_w_q}), .rd_o(hdr_rd)
  );
  esp_ram #(.DW(BW), .AW(QA), .WE_W(1), .ASYNC_RD(1)) u_hq (
    .clk_i(clk_i), .we_i(hr_v_q), .wbe_i(1'b1), .wa_i(hq_wp_q[QA-1:0]), .wd_i(hdr_rd),
    .ra_i(hq_rp_q[QA-1:0]), .rd_o(hq_head)
  );

  // ---- output-buffer fetcher --------------------------------------------------------------
  wire [EW-1:0] eof = eq_q[eof_q[1:0]];
  wire [EW-1:0] eof1 = eq_q[eof_q[1:0] + 2'd1];
  wire          eof1_v = (eof_q + 3'd1) != et_q;

  reg           of_act_q;
  reg  [7:0]    of_w_q;       // next word (8.. unwrapped)
  reg  [7:0]    of_rem_q;
  reg           or_v_q;       // an output word read last cycle
  reg  [7:0]    or_w_q;
  reg  [1:0]    or_e_q;       // its entry
  reg  [QA:0]   oq_wp_q, oq_rp_q;
  wire [QA:0]   oq_cnt = oq_wp_q - oq_rp_q;
  wire [BW-1:0] oq_head;
  wire          of_issue = of_act_q && of_rem_q != 8'd0 && ({1'b0, oq_cnt} + {{QA{1'b0}}, or_v_q}) < 6;
  assign out_rl_o = loc(f_ctx(eof));
  assign out_rw_o = of_w_q[OAW-1:0];

  // the output word read last cycle, ICV laid over it (the ICV starts on an
  // 8-byte boundary: per 8-byte chunk, its first 8 bytes or its last 4)
  wire [EW-1:0] eor = eq_q[or_e_q];
  wire [95:0]   eor_icv = f_icv(eor);
  wire [11:0]   eor_icvp = f_icvp(eor);
  reg  [BW-1:0] onew;
  reg  [11:0]   opos, cpos;
  integer oc;
  always @* begin
    onew = out_rd_i[BW*lane(f_ctx(eor)) +: BW];
    opos = {4'd0, or_w_q} << WB;
    for (oc = 0; oc < 2 * SW; oc = oc + 1) begin
      cpos = opos + 12'd8 * oc[11:0];
      if (f_icven(eor) && cpos == eor_icvp)
        onew[BW-1-64*oc -: 64] = eor_icv[95:32];
      else if (f_icven(eor) && cpos == eor_icvp + 12'd8)
        onew[BW-1-64*oc -: 32] = eor_icv[31:0];
    end
  end

  esp_ram #(.DW(BW), .AW(QA), .WE_W(1), .ASYNC_RD(1)) u_oq (
    .clk_i(clk_i), .we_i(or_v_q), .wbe_i(1'b1), .wa_i(oq_wp_q[QA-1:0]), .wd_i(onew),
    .ra_i(oq_rp_q[QA-1:0]), .rd_o(oq_head)
  );

  // ---- beat assembler -----------------------------------------------------------------------
  wire [EW-1:0] eh = eq_q[eh_q[1:0]];
  wire [EW-1:0] en = eq_q[eh_q[1:0] + 2'd1];
  wire          eh_v = eh_q != et_q;
  wire          en_v = (eh_q + 3'd1) != et_q;
  reg  [7:0]    wi_q;         // next word of the head entry
  reg           fresh_q;      // head entry not started: its first word is start/16
  reg  [7:0]    n_q;          // next beat
  reg  [BW-1:0] pv_q;         // previous word (unaligned output)
  reg           pvv_q;
  reg           m_v_q;
  reg  [BW-1:0] m_data_q;
  reg           m_last_q;
  reg  [191:0]  m_rec_q;

  wire [7:0]    eh_start = f_start(eh);
  wire [15:0]   eh_len = f_len(eh);
  wire [7:0]    en_start = f_start(en);
  wire [7:0]    r = eh_start & BM8;
  wire [7:0]    nbeats = f_nbeats(eh);
  wire [7:0]    wi = fresh_q ? (eh_start >> WB) : wi_q;
  wire          from_hdr = wi < HW8;
  wire          w_avail = from_hdr ? hq_cnt != {(QA+1){1'b0}} : oq_cnt != {(QA+1){1'b0}};
  wire [BW-1:0] w_head = from_hdr ? hq_head : oq_head;
  wire          can_out = !m_v_q || m_cpl_ready_i;
  // next entry: unaligned, non-empty, first word in the header area
  wire          en_pre = en_v && f_len(en) != 16'd0 && (en_start & BM8) != 8'd0 && !en_start[7];

  reg            beat_v, pop_h, pop_o, last, pre;
  reg  [BW-1:0]  beat;
  reg  [2*BW-1:0] win;
  reg  [11:0]    bpos;
  integer ei;
  always @* begin
    beat_v = 1'b0;
    pop_h = 1'b0;
    pop_o = 1'b0;
    pre = 1'b0;
    beat = {BW{1'b0}};
    win = {pv_q, w_head};
    if (eh_v && can_out) begin
      if (eh_len == 16'd0) begin
        beat_v = 1'b1;
      end else if (w_avail) begin
        pop_h = from_hdr;
        pop_o = !from_hdr;
        if (r == 8'd0) begin
          beat_v = 1'b1;
          beat = w_head;
        end else if (pvv_q) begin
          beat_v = 1'b1;
          beat = win[2*BW-1 - 8*r -: BW];
        end
      end
    end
    last = beat_v && n_q + 8'd1 == nbeats;
    // the next packet's first (header) word, while this one ends on an output word
    if (last && en_pre && !pop_h && hq_cnt != {(QA+1){1'b0}}) begin
      pre = 1'b1;
      pop_h = 1'b1;
    end
    bpos = {4'd0, n_q} << WB;
    if (beat_v) begin
      for (ei = 0; ei < STREAM_BYTES; ei = ei + 1)
        if (bpos + ei[11:0] >= eh_len[11:0] || eh_len[15:12] != 4'd0)
          beat[BW-1-8*ei -: 8] = 8'd0;
      if (f_ovr(eh) && n_q == 8'd0) begin
        beat[BW-1-8*2 -: 16] = f_olen(eh);
        beat[BW-1-8*9 -: 8] = f_onh(eh);
        beat[BW-1-8*10 -: 16] = f_ocs(eh);
      end
    end
  end

  always @* free_o = last;

  // ---- registers ---------------------------------------------------------------------------------
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      et_q <= 3'd0;
      eh_q <= 3'd0;
      ehf_q <= 3'd0;
      eof_q <= 3'd0;
      hf_act_q <= 1'b0;
      of_act_q <= 1'b0;
      hr_v_q <= 1'b0;
      or_v_q <= 1'b0;
      hq_wp_q <= {(QA+1){1'b0}};
      hq_rp_q <= {(QA+1){1'b0}};
      oq_wp_q <= {(QA+1){1'b0}};
      oq_rp_q <= {(QA+1){1'b0}};
      wi_q <= 8'd0;
      fresh_q <= 1'b1;
      n_q <= 8'd0;
      pvv_q <= 1'b0;
      m_v_q <= 1'b0;
    end else begin
      if (e_valid_i) et_q <= et_q + 3'd1;

      // header fetcher
      hr_v_q <= hf_issue;
      if (hf_issue) begin
        hf_w_q <= hf_w_q + 1'b1;
        hf_rem_q <= hf_rem_q - 4'd1;
      end
      if (hf_act_q && hf_rem_q == 4'd0) begin
        hf_act_q <= 1'b0;
        ehf_q <= ehf_q + 3'd1;
      end else if (!hf_act_q && ehf_q != et_q) begin
        hf_act_q <= 1'b1;
        hf_w_q <= f_hw0(ehf);
        hf_rem_q <= f_nhdr(ehf);
      end
      if (hr_v_q) hq_wp_q <= hq_wp_q + 1'b1;
      if (pop_h) hq_rp_q <= hq_rp_q + 1'b1;

      // output-buffer fetcher
      or_v_q <= of_issue;
      or_w_q <= of_w_q;
      or_e_q <= eof_q[1:0];
      if (of_issue) begin
        of_w_q <= of_w_q + 8'd1;
        of_rem_q <= of_rem_q - 8'd1;
      end
      if (of_act_q && (of_rem_q == 8'd0 || (of_issue && of_rem_q == 8'd1))) begin
        // done with this entry: go straight on with the next one if it is there
        eof_q <= eof_q + 3'd1;
        of_act_q <= eof1_v;
        of_w_q <= f_ow0(eof1);
        of_rem_q <= f_nwords(eof1) - {4'd0, f_nhdr(eof1)};
      end else if (!of_act_q && eof_q != et_q) begin
        of_act_q <= 1'b1;
        of_w_q <= f_ow0(eof);
        of_rem_q <= f_nwords(eof) - {4'd0, f_nhdr(eof)};
      end
      if (or_v_q) oq_wp_q <= oq_wp_q + 1'b1;
      if (pop_o) oq_rp_q <= oq_rp_q + 1'b1;

      // assembler
      if (eh_v) begin
        fresh_q <= 1'b0;
        wi_q <= wi + {7'd0, pop_h || pop_o};
      end
      if ((pop_h || pop_o) && r != 8'd0 && !pvv_q) pvv_q <= 1'b1;
      if (beat_v) n_q <= n_q + 8'd1;
      if (last) begin
        eh_q <= eh_q + 3'd1;
        n_q <= 8'd0;
        pvv_q <= pre;
        fresh_q <= !pre;
        wi_q <= (en_start >> WB) + 8'd1;
      end
      if (can_out) m_v_q <= beat_v;
    end
    if ((pop_h || pop_o) && !beat_v) pv_q <= w_head;
    else if (beat_v) pv_q <= w_head;
    if (pre) pv_q <= hq_head;
    if (can_out && beat_v) begin
      m_data_q <= beat;
      m_last_q <= last;
      m_rec_q <= f_rec(eh);
    end
  end

  assign m_cpl_valid_o = m_v_q;
  assign m_cpl_data_o = m_data_q;
  assign m_cpl_last_o = m_last_q;
  assign m_cpl_rec_o = m_rec_q;

endmodule
`default_nettype wire
