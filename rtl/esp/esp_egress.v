`default_nettype none
// esp_egress — streams completions in request order: the completion record
// on the first beat (m_cpl_rec_o, held for the whole packet) and the output
// bytes, 16 per beat, byte 0 in [127:120], zero past out_len; one beat of
// zero data when out_len is 0.
//
// A context's output lives in two places, seen as one byte array: its
// header area (8 words here, written by parse: outer header, UDP, SPI,
// sequence, IV, right-aligned to byte 128) and its lane's output buffer
// (ciphertext / plaintext from byte 128 on, in a ring of 128 words).  The
// output starts at e_start_i; egress reads the words in order (one per
// cycle), lays the ICV over the bytes after the ciphertext (outbound) and
// shifts them to the output's alignment.  Inbound transport mode patches
// total length, protocol and checksum in the first beat.
// The context is released (free_o) once its last beat is formed.
module esp_egress #(
  parameter N_CTX = 8,         // contexts (power of two)
  parameter CIPHER_LANES = 1   // lanes holding the output buffers (context c in lane c % CIPHER_LANES)
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
  // header area writes (esp_parse)
  input  wire                        hw_i,
  input  wire [CW-1:0]               hw_ctx_i,
  input  wire [2:0]                  hw_word_i,
  input  wire [127:0]                hw_wd_i,
  // output buffers (registered read, same address to every lane)
  output wire [LW-1:0]               out_rl_o,
  output wire [6:0]                  out_rw_o,
  input  wire [CIPHER_LANES*128-1:0] out_rd_i,
  // completion stream
  output wire                        m_cpl_valid_o,
  input  wire                        m_cpl_ready_i,
  output wire [127:0]                m_cpl_data_o,
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

  // ---- completion queue (2 entries) -------------------------------------------------
  reg [EW-1:0] eq_q [0:1];
  reg [EW-1:0] eq_d [0:1];
  reg [1:0]    ecnt_q, ecnt_d;
  assign e_ready_o = ecnt_q != 2'd2;
  wire [EW-1:0] e_in = {e_ctx_i, e_rec_i, e_len_i, e_start_i, e_icv_en_i, e_icv_pos_i, e_icv_i, e_ovr_i,
                        e_ovr_len_i, e_ovr_nh_i, e_ovr_csum_i};
  wire [CW-1:0]  h_ctx;
  wire [191:0]   h_rec;
  wire [15:0]    h_len, h_ovr_len, h_ovr_csum;
  wire [7:0]     h_start, h_ovr_nh;
  wire           h_icv_en, h_ovr;
  wire [11:0]    h_icv_pos;
  wire [95:0]    h_icv;
  assign {h_ctx, h_rec, h_len, h_start, h_icv_en, h_icv_pos, h_icv, h_ovr, h_ovr_len, h_ovr_nh, h_ovr_csum} = eq_q[0];

  wire [LW-1:0] h_l;
  wire [LB-1:0] h_lane;
  generate
    if (CIPHER_LANES > 1) begin : g_lane
      assign h_l = h_ctx[CW-1:LB];
      assign h_lane = h_ctx[LB-1:0];
    end else begin : g_lane1
      assign h_l = h_ctx;
      assign h_lane = 1'b0;
    end
  endgenerate

  // ---- header area RAM ------------------------------------------------------------------
  reg  [7:0]   fw_q, fw_d;       // next word to fetch (0..7 header area, 8.. output buffer)
  wire [127:0] hdr_rd;
  esp_ram #(.DW(128), .AW(CW+3), .WE_W(1), .ASYNC_RD(0)) u_hdr (
    .clk_i(clk_i), .we_i(hw_i), .wbe_i(1'b1), .wa_i({hw_ctx_i, hw_word_i}), .wd_i(hw_wd_i),
    .ra_i({h_ctx, fw_q[2:0]}), .rd_o(hdr_rd)
  );
  assign out_rl_o = h_l;
  assign out_rw_o = fw_q[6:0];

  // ---- packet being streamed ------------------------------------------------------------
  reg          act_q, act_d;
  reg  [7:0]   fleft_q, fleft_d;  // words still to fetch
  reg          rv_q, rv_d;        // a word read last cycle
  reg  [7:0]   rw_q, rw_d;        // its index
  reg  [127:0] wq_q [0:3];        // fetched words
  reg  [127:0] wq_d [0:3];
  reg  [2:0]   wcnt_q, wcnt_d;
  reg  [127:0] pv_q, pv_d;        // previous word (unaligned output)
  reg          pvv_q, pvv_d;
  reg  [7:0]   n_q, n_d;          // beat index
  reg          m_v_q, m_v_d;
  reg  [127:0] m_data_q, m_data_d;
  reg          m_last_q, m_last_d;
  reg  [191:0] m_rec_q, m_rec_d;

  wire [3:0]   r = h_start[3:0];
  // out_len <= MAX_FRAME: at most 128 beats, 129 words
  wire [7:0]   nbeats = (h_len == 16'd0) ? 8'd1 : (h_len[11:4] + {7'd0, h_len[3:0] != 4'd0});
  wire [7:0]   nwords = (h_len == 16'd0) ? 8'd0 : nbeats + {7'd0, r != 4'd0};

  // the word read last cycle, ICV laid over it
  reg [127:0] wnew;
  reg [11:0]  wpos;
  always @* begin
    wnew = rw_q[7:3] == 5'd0 ? hdr_rd : out_rd_i[128*h_lane +: 128];
    wpos = {rw_q, 4'd0};
    if (h_icv_en) begin
      if (wpos == h_icv_pos)
        wnew = {h_icv, wnew[31:0]};
      else if (wpos + 12'd8 == h_icv_pos)
        wnew = {wnew[127:64], h_icv[95:32]};
      else if (wpos == h_icv_pos + 12'd8)
        wnew = {h_icv[31:0], wnew[95:0]};
    end
  end

  reg         can_out, take, beat_v;
  reg [127:0] beat, wtop;
  reg [255:0] win;
  reg [11:0]  bpos;
  reg [2:0]   widx;
  integer i;
  always @* begin
    act_d = act_q;
    fw_d = fw_q;
    fleft_d = fleft_q;
    rv_d = 1'b0;
    rw_d = fw_q;
    for (i = 0; i < 4; i = i + 1) wq_d[i] = wq_q[i];
    wcnt_d = wcnt_q;
    pv_d = pv_q;
    pvv_d = pvv_q;
    n_d = n_q;
    m_v_d = m_v_q && !m_cpl_ready_i;
    m_data_d = m_data_q;
    m_last_d = m_last_q;
    m_rec_d = m_rec_q;
    eq_d[0] = eq_q[0];
    eq_d[1] = eq_q[1];
    ecnt_d = ecnt_q;
    free_o = 1'b0;
    take = 1'b0;
    beat_v = 1'b0;
    beat = 128'd0;
    wtop = wq_q[0];
    win = {pv_q, wtop};
    bpos = {n_q, 4'd0};

    // fetch a word
    if (act_q && fleft_q != 8'd0 && ({1'b0, wcnt_q} + {3'd0, rv_q}) < 4'd3) begin
      rv_d = 1'b1;
      fw_d = fw_q + 8'd1;
      fleft_d = fleft_q - 8'd1;
    end

    // form a beat
    can_out = !m_v_q || m_cpl_ready_i;
    if (act_q && can_out) begin
      if (h_len == 16'd0) begin
        beat_v = 1'b1;
      end else if (wcnt_q != 3'd0) begin
        take = 1'b1;
        if (r == 4'd0) begin
          beat_v = 1'b1;
          beat = wtop;
        end else if (!pvv_q) begin
          pvv_d = 1'b1;
          pv_d = wtop;
        end else begin
          beat_v = 1'b1;
          beat = win[255 - 8*r -: 128];
          pv_d = wtop;
        end
      end
    end
    if (beat_v) begin
      for (i = 0; i < 16; i = i + 1)
        if ({4'd0, bpos} + i[15:0] >= h_len)
          beat[127-8*i -: 8] = 8'd0;
      if (h_ovr && n_q == 8'd0) begin
        beat[127-8*2 -: 16] = h_ovr_len;
        beat[127-8*9 -: 8] = h_ovr_nh;
        beat[127-8*10 -: 16] = h_ovr_csum;
      end
      m_v_d = 1'b1;
      m_data_d = beat;
      m_last_d = n_q + 8'd1 == nbeats;
      m_rec_d = h_rec;
      n_d = n_q + 8'd1;
      if (n_q + 8'd1 == nbeats) begin
        // last beat formed: the context's buffers are no longer needed
        act_d = 1'b0;
        free_o = 1'b1;
        eq_d[0] = eq_q[1];
        ecnt_d = ecnt_d - 2'd1;
      end
    end

    // word queue: pop the head, push the word read last cycle
    if (take) begin
      wq_d[0] = wq_q[1];
      wq_d[1] = wq_q[2];
      wq_d[2] = wq_q[3];
    end
    widx = wcnt_q - {2'd0, take};
    if (rv_q)
      wq_d[widx[1:0]] = wnew;
    wcnt_d = widx + {2'd0, rv_q};

    // start the next packet
    if (!act_q && ecnt_q != 2'd0 && !free_o) begin
      act_d = 1'b1;
      fw_d = {4'd0, h_start[7:4]};
      fleft_d = nwords;
      pvv_d = 1'b0;
      n_d = 8'd0;
    end

    // queue a completion
    if (e_valid_i) begin
      eq_d[ecnt_d[0]] = e_in;
      ecnt_d = ecnt_d + 2'd1;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      act_q <= 1'b0;
      rv_q <= 1'b0;
      wcnt_q <= 3'd0;
      m_v_q <= 1'b0;
      ecnt_q <= 2'd0;
    end else begin
      act_q <= act_d;
      rv_q <= rv_d;
      wcnt_q <= wcnt_d;
      m_v_q <= m_v_d;
      ecnt_q <= ecnt_d;
    end
    fw_q <= fw_d;
    fleft_q <= fleft_d;
    rw_q <= rw_d;
    for (i = 0; i < 4; i = i + 1) wq_q[i] <= wq_d[i];
    pv_q <= pv_d;
    pvv_q <= pvv_d;
    n_q <= n_d;
    m_data_q <= m_data_d;
    m_last_q <= m_last_d;
    m_rec_q <= m_rec_d;
    eq_q[0] <= eq_d[0];
    eq_q[1] <= eq_d[1];
  end

  assign m_cpl_valid_o = m_v_q;
  assign m_cpl_data_o = m_data_q;
  assign m_cpl_last_o = m_last_q;
  assign m_cpl_rec_o = m_rec_q;

endmodule
`default_nettype wire
