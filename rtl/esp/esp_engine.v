`default_nettype none
// esp_engine — the ESP data path of the fabric: computes exactly what
// hls/esp/esp.c esp_top computes (bytes, statuses, SA state, counters), for
// many packets at once.  Architecture and stream contract:
// docs/rtl-esp-engine.md; semantics: docs/esp-semantics.md.
//
//  ingress ──► parse (in order) ──► cipher lanes + hash (interleaved) ──► commit (in order) ──► egress
//
// Contexts: N_CTX packets in flight, handed out and retired in request
// order (a ring: alloc, parse, commit and free pointers).  Context c's
// buffers live in cipher lane c % CIPHER_LANES; per context the engine
// keeps whether its input buffer is complete and whether its lane and hash
// work is outstanding.  Commit takes the oldest parsed context once both
// are done; egress streams it and frees it.
//
// Stream width: STREAM_BYTES per request and completion beat (16: Zynq,
// 32: Alveo).  Ingress writes a beat's words into the input buffer in one
// cycle and egress reads that many output bytes per cycle; the rest of the
// engine works on 16-byte words as before.
//
// Requirements on the parameters: N_CTX a power of two, CIPHER_LANES a
// power of two with N_CTX / CIPHER_LANES >= 2, SA_SLOTS <= SA_SLOTS_MAX,
// STREAM_BYTES 16 or 32.
module esp_engine #(
  parameter PIPELINED = 1,     // crypto cores unrolled (1, Alveo) or iterative (0, Zynq-7000)
  parameter SA_SLOTS = 64,     // SA table entries (<= ESPFAB_SA_SLOTS_MAX)
  parameter N_CTX = 8,         // packets in flight
  parameter CIPHER_LANES = 1,  // parallel AES/DES lanes
  parameter STREAM_BYTES = 16  // bytes per request / completion beat: 16 (Zynq) or 32 (Alveo)
) (
  input  wire           clk_i,
  input  wire           rst_ni,          // synchronous, active low
  // requests
  input  wire           s_req_valid_i,
  output wire           s_req_ready_o,
  input  wire [8*STREAM_BYTES-1:0] s_req_data_i,  // byte 0 of the beat in the top byte
  input  wire           s_req_last_i,
  input  wire [263:0]   s_req_desc_i,    // {cookie, slot, in_len, out_cap, op, iv}, with the first beat
  // completions
  output wire           m_cpl_valid_o,
  input  wire           m_cpl_ready_i,
  output wire [8*STREAM_BYTES-1:0] m_cpl_data_o,  // byte 0 of the beat in the top byte
  output wire           m_cpl_last_o,
  output wire [191:0]   m_cpl_rec_o,     // {cookie, slot, spi, seq, out_len, status, flags}
  // SA programming
  input  wire           sa_wr_valid_i,
  output wire           sa_wr_ready_o,
  input  wire [31:0]    sa_wr_slot_i,
  input  wire [1087:0]  sa_wr_sa_i,      // contract sa record, byte o at [1087-8o -: 8]
  input  wire           sa_wr_keep_state_i,
  input  wire           sa_wr_clear_i,
  input  wire           sa_wr_load_i,    // test hook: set the slot's state to sa_wr_state_i
  input  wire [2175:0]  sa_wr_state_i,
  output wire           sa_wr_err_o,
  // SA state read
  input  wire           sa_rd_valid_i,
  output wire           sa_rd_ready_o,
  input  wire [31:0]    sa_rd_slot_i,
  output wire           sa_rd_done_o,
  output wire [2175:0]  sa_rd_state_o    // contract sa_state record, byte o at [2175-8o -: 8]
);

  // The contract include defines every shared constant; each module uses a
  // few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam CW = (N_CTX > 1) ? $clog2(N_CTX) : 1;
  localparam SAW = (SA_SLOTS > 1) ? $clog2(SA_SLOTS) : 1;
  localparam L = CIPHER_LANES;
  localparam NG = N_CTX / L;
  localparam LW = (NG > 1) ? $clog2(NG) : 1;
  localparam LB = (L > 1) ? $clog2(L) : 1;
  localparam BW = 8 * STREAM_BYTES;        // stream beat bits
  localparam SW = STREAM_BYTES / 16;       // 16-byte buffer words per beat
  localparam OAW = 7 - (SW - 1);           // output buffer read address (STREAM_BYTES words)

  generate
    if ((N_CTX & (N_CTX - 1)) != 0 || (L & (L - 1)) != 0 || NG < 2 || SA_SLOTS > ESPFAB_SA_SLOTS_MAX ||
        SA_SLOTS < 1 || (STREAM_BYTES != 16 && STREAM_BYTES != 32)) begin : g_bad_param
      // Elaboration fails on purpose: see the parameter requirements above.
      esp_engine_bad_parameters u_bad ();
    end
  endgenerate

  integer ni;

  // ---- context ring ------------------------------------------------------------------
  reg  [CW:0]      alloc_q, parse_q, commit_q, free_q;
  reg  [N_CTX-1:0] ing_done_q, lane_act_q, hash_act_q;
  wire             ctx_avail = (alloc_q - free_q) != N_CTX[CW:0];
  wire             alloc, ing_done, parse_done, commit_done, freed, ing_busy;
  wire [CW-1:0]    ing_done_ctx;
  wire             job;
  wire [CW-1:0]    job_ctx;
  wire             job_crypto;
  wire [L*N_CTX-1:0] lane_done;
  wire [N_CTX-1:0] hash_done;
  reg  [N_CTX-1:0] lane_done_any;
  wire [CW-1:0]    commit_ctx = commit_q[CW-1:0];
  wire             commit_ready = commit_q != parse_q && ing_done_q[commit_ctx] &&
                                  !lane_act_q[commit_ctx] && !hash_act_q[commit_ctx];
  wire             idle = alloc_q == free_q && !ing_busy;

  always @* begin
    lane_done_any = {N_CTX{1'b0}};
    for (ni = 0; ni < L; ni = ni + 1)
      lane_done_any = lane_done_any | lane_done[N_CTX*ni +: N_CTX];
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      alloc_q <= {(CW+1){1'b0}};
      parse_q <= {(CW+1){1'b0}};
      commit_q <= {(CW+1){1'b0}};
      free_q <= {(CW+1){1'b0}};
      ing_done_q <= {N_CTX{1'b0}};
      lane_act_q <= {N_CTX{1'b0}};
      hash_act_q <= {N_CTX{1'b0}};
    end else begin
      if (alloc) alloc_q <= alloc_q + 1'b1;
      if (parse_done) parse_q <= parse_q + 1'b1;
      if (commit_done) commit_q <= commit_q + 1'b1;
      if (freed) free_q <= free_q + 1'b1;
      for (ni = 0; ni < N_CTX; ni = ni + 1) begin
        if (alloc && alloc_q[CW-1:0] == ni[CW-1:0])
          ing_done_q[ni] <= 1'b0;
        else if (ing_done && ing_done_ctx == ni[CW-1:0])
          ing_done_q[ni] <= 1'b1;
        if (job && job_ctx == ni[CW-1:0])
          lane_act_q[ni] <= job_crypto;
        else if (lane_done_any[ni])
          lane_act_q[ni] <= 1'b0;
        if (job && job_ctx == ni[CW-1:0])
          hash_act_q[ni] <= job_crypto;
        else if (hash_done[ni])
          hash_act_q[ni] <= 1'b0;
      end
    end
  end

  // ---- SA table and setup ------------------------------------------------------------------
  wire           hold;
  wire           tw;
  wire [SAW-1:0] tw_slot;
  wire           tw_usable, tw_dir, tw_mode, tw_encap;
  wire [1:0]     tw_cipher, tw_auth, tw_aeskl;
  wire [31:0]    tw_spi, tw_tun_src, tw_tun_dst, tw_soft, tw_hard;
  wire [10:0]    tw_win;
  wire [7:0]     tw_ttl;
  wire [15:0]    tw_sport, tw_dport;
  wire [255:0]   tw_key;
  wire [159:0]   tw_istate, tw_ostate;
  wire           stw, stw_ack, stw_load;
  wire [SAW-1:0] stw_slot;
  wire [2175:0]  stw_state;

  esp_sa_setup #(.SA_SLOTS(SA_SLOTS)) u_setup (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .sa_wr_valid_i(sa_wr_valid_i), .sa_wr_ready_o(sa_wr_ready_o), .sa_wr_slot_i(sa_wr_slot_i),
    .sa_wr_sa_i(sa_wr_sa_i), .sa_wr_keep_state_i(sa_wr_keep_state_i), .sa_wr_clear_i(sa_wr_clear_i),
    .sa_wr_load_i(sa_wr_load_i), .sa_wr_state_i(sa_wr_state_i), .sa_wr_err_o(sa_wr_err_o),
    .hold_o(hold), .idle_i(idle),
    .tw_o(tw), .tw_slot_o(tw_slot), .tw_usable_o(tw_usable), .tw_dir_o(tw_dir), .tw_mode_o(tw_mode),
    .tw_encap_o(tw_encap), .tw_cipher_o(tw_cipher), .tw_auth_o(tw_auth), .tw_aeskl_o(tw_aeskl),
    .tw_spi_o(tw_spi), .tw_win_o(tw_win), .tw_ttl_o(tw_ttl), .tw_tun_src_o(tw_tun_src),
    .tw_tun_dst_o(tw_tun_dst), .tw_sport_o(tw_sport), .tw_dport_o(tw_dport), .tw_soft_kb_o(tw_soft),
    .tw_hard_kb_o(tw_hard), .tw_key_o(tw_key), .tw_istate_o(tw_istate), .tw_ostate_o(tw_ostate),
    .st_wr_o(stw), .st_wr_ack_i(stw_ack), .st_wr_slot_o(stw_slot), .st_wr_load_o(stw_load),
    .st_wr_state_o(stw_state)
  );

  wire [SAW-1:0] sa_slot;
  wire           sa_usable, sa_dir, sa_mode, sa_encap;
  wire [1:0]     sa_cipher, sa_auth, sa_aeskl;
  wire [31:0]    sa_spi, sa_tun_src, sa_tun_dst, sa_soft, sa_hard;
  wire [10:0]    sa_win;
  wire [7:0]     sa_ttl;
  wire [15:0]    sa_sport, sa_dport;
  wire [255:0]   sa_key;
  wire [159:0]   sa_istate, sa_ostate;
  wire [SAW-1:0] shape_slot;
  wire [2:0]     shape;

  esp_sa_table #(.SA_SLOTS(SA_SLOTS)) u_table (
    .clk_i(clk_i),
    .wr_i(tw), .wr_slot_i(tw_slot), .wr_usable_i(tw_usable), .wr_dir_i(tw_dir), .wr_mode_i(tw_mode),
    .wr_encap_i(tw_encap), .wr_cipher_i(tw_cipher), .wr_auth_i(tw_auth), .wr_aeskl_i(tw_aeskl),
    .wr_spi_i(tw_spi), .wr_win_i(tw_win), .wr_ttl_i(tw_ttl), .wr_tun_src_i(tw_tun_src),
    .wr_tun_dst_i(tw_tun_dst), .wr_sport_i(tw_sport), .wr_dport_i(tw_dport), .wr_soft_kb_i(tw_soft),
    .wr_hard_kb_i(tw_hard), .wr_key_i(tw_key), .wr_istate_i(tw_istate), .wr_ostate_i(tw_ostate),
    .rd_slot_i(sa_slot), .rd_usable_o(sa_usable), .rd_dir_o(sa_dir), .rd_mode_o(sa_mode),
    .rd_encap_o(sa_encap), .rd_cipher_o(sa_cipher), .rd_auth_o(sa_auth), .rd_aeskl_o(sa_aeskl),
    .rd_spi_o(sa_spi), .rd_win_o(sa_win), .rd_ttl_o(sa_ttl), .rd_tun_src_o(sa_tun_src),
    .rd_tun_dst_o(sa_tun_dst), .rd_sport_o(sa_sport), .rd_dport_o(sa_dport), .rd_soft_kb_o(sa_soft),
    .rd_hard_kb_o(sa_hard), .rd_key_o(sa_key), .rd_istate_o(sa_istate), .rd_ostate_o(sa_ostate),
    .shape_slot_i(shape_slot), .shape_o(shape)
  );

  // ---- SA state ------------------------------------------------------------------------------
  wire           sta_req, sta_ack, stb_req, stb_ack;
  wire [SAW-1:0] sta_slot, stb_slot;
  wire [3:0]     sta_early, sta_late, stb_early, stb_late, stb_post, st_status;
  wire [15:0]    sta_len, stb_len;
  wire           sta_toobig, stb_auth_fail;
  wire [31:0]    sta_soft, sta_hard, stb_soft, stb_hard, stb_seq, st_seq;
  wire [10:0]    stb_win;
  wire [1:0]     st_flags;
  wire           hr_ack;
  wire [2175:0]  hr_state;

  // host reads: a slot out of range reads as zero
  reg            rd_pend_q, rd_zero_q, rd_done_q;
  reg  [SAW-1:0] rd_slot_q;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      rd_pend_q <= 1'b0;
      rd_zero_q <= 1'b0;
      rd_done_q <= 1'b0;
    end else begin
      rd_done_q <= 1'b0;
      if (sa_rd_valid_i && !rd_pend_q) begin
        rd_zero_q <= sa_rd_slot_i >= SA_SLOTS;
        rd_pend_q <= sa_rd_slot_i < SA_SLOTS;
        rd_done_q <= sa_rd_slot_i >= SA_SLOTS;
      end else if (hr_ack) begin
        rd_pend_q <= 1'b0;
        rd_done_q <= 1'b1;
      end
    end
    if (sa_rd_valid_i && !rd_pend_q)
      rd_slot_q <= sa_rd_slot_i[SAW-1:0];
  end
  assign sa_rd_ready_o = !rd_pend_q;
  assign sa_rd_done_o = rd_done_q;
  assign sa_rd_state_o = rd_zero_q ? 2176'd0 : hr_state;

  esp_state #(.SA_SLOTS(SA_SLOTS)) u_state (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .a_req_i(sta_req), .a_ack_o(sta_ack), .a_slot_i(sta_slot), .a_early_i(sta_early),
    .a_late_i(sta_late), .a_len_i(sta_len), .a_toobig_i(sta_toobig), .a_soft_kb_i(sta_soft),
    .a_hard_kb_i(sta_hard),
    .b_req_i(stb_req), .b_ack_o(stb_ack), .b_slot_i(stb_slot), .b_early_i(stb_early),
    .b_late_i(stb_late), .b_len_i(stb_len), .b_seq_i(stb_seq), .b_win_i(stb_win),
    .b_auth_fail_i(stb_auth_fail), .b_post_i(stb_post), .b_soft_kb_i(stb_soft), .b_hard_kb_i(stb_hard),
    .rsp_status_o(st_status), .rsp_seq_o(st_seq), .rsp_flags_o(st_flags),
    .h_wr_i(stw), .h_wr_ack_o(stw_ack), .h_wr_slot_i(stw_slot), .h_wr_load_i(stw_load),
    .h_wr_state_i(stw_state),
    .h_rd_i(rd_pend_q), .h_rd_ack_o(hr_ack), .h_rd_slot_i(rd_slot_q), .h_rd_state_o(hr_state)
  );

  // ---- ingress ----------------------------------------------------------------------------------
  wire [SW-1:0] in_we;
  wire [CW-1:0] in_ctx;
  wire [6:0]    in_word;
  wire [BW-1:0] in_wd;
  wire          picv_we;
  wire [CW-1:0] picv_ctx;
  wire [95:0]   picv;
  wire          hdr_valid, hdr_take;
  wire [767:0]  hdr;
  wire [263:0]  hdr_desc;
  wire [CW-1:0] hdr_ctx;

  esp_ingress #(.N_CTX(N_CTX), .SA_SLOTS(SA_SLOTS), .STREAM_BYTES(STREAM_BYTES)) u_ingress (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .s_req_valid_i(s_req_valid_i), .s_req_ready_o(s_req_ready_o), .s_req_data_i(s_req_data_i),
    .s_req_last_i(s_req_last_i), .s_req_desc_i(s_req_desc_i),
    .hold_i(hold), .ctx_avail_i(ctx_avail), .ctx_id_i(alloc_q[CW-1:0]), .alloc_o(alloc), .busy_o(ing_busy),
    .shape_slot_o(shape_slot), .shape_i(shape),
    .in_we_o(in_we), .in_ctx_o(in_ctx), .in_word_o(in_word), .in_wd_o(in_wd),
    .picv_we_o(picv_we), .picv_ctx_o(picv_ctx), .picv_o(picv),
    .done_o(ing_done), .done_ctx_o(ing_done_ctx),
    .hdr_valid_o(hdr_valid), .hdr_take_i(hdr_take), .hdr_o(hdr), .hdr_desc_o(hdr_desc), .hdr_ctx_o(hdr_ctx)
  );

  // ---- parse ------------------------------------------------------------------------------------
  wire           job_dec, job_final, job_transport;
  wire [1:0]     job_cipher, job_aeskl, job_auth, job_flags;
  wire [255:0]   job_key;
  wire [159:0]   job_istate, job_ostate;
  wire [127:0]   job_iv;
  wire [6:0]     job_w0;
  wire [8:0]     job_nblk;
  wire [11:0]    job_plen, job_msglen, job_clen;
  wire [7:0]     job_pad, job_nh, job_ttl, job_start;
  wire [191:0]   job_prefix;
  wire [3:0]     job_status, job_early, job_late;
  wire [31:0]    job_spi, job_seq, job_soft, job_hard, job_slot32;
  wire [15:0]    job_out_len, job_out_cap;
  wire [10:0]    job_win;
  wire [5:0]     job_h;
  wire [20:0]    job_psum;
  wire [SAW-1:0] job_slot;
  wire [63:0]    job_cookie;
  wire           hw;
  wire [CW-1:0]  hw_ctx;
  wire [2:0]     hw_word;
  wire [127:0]   hw_wd;

  esp_parse #(.N_CTX(N_CTX), .SA_SLOTS(SA_SLOTS)) u_parse (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .hdr_valid_i(hdr_valid), .hdr_take_o(hdr_take), .hdr_i(hdr), .desc_i(hdr_desc), .ctx_i(hdr_ctx),
    .sa_slot_o(sa_slot), .sa_usable_i(sa_usable), .sa_dir_i(sa_dir), .sa_mode_i(sa_mode),
    .sa_encap_i(sa_encap), .sa_cipher_i(sa_cipher), .sa_auth_i(sa_auth), .sa_aeskl_i(sa_aeskl),
    .sa_spi_i(sa_spi), .sa_win_i(sa_win), .sa_ttl_i(sa_ttl), .sa_tun_src_i(sa_tun_src),
    .sa_tun_dst_i(sa_tun_dst), .sa_sport_i(sa_sport), .sa_dport_i(sa_dport), .sa_soft_kb_i(sa_soft),
    .sa_hard_kb_i(sa_hard), .sa_key_i(sa_key), .sa_istate_i(sa_istate), .sa_ostate_i(sa_ostate),
    .st_req_o(sta_req), .st_ack_i(sta_ack), .st_slot_o(sta_slot), .st_early_o(sta_early),
    .st_late_o(sta_late), .st_len_o(sta_len), .st_toobig_o(sta_toobig), .st_soft_kb_o(sta_soft),
    .st_hard_kb_o(sta_hard), .st_status_i(st_status), .st_seq_i(st_seq), .st_flags_i(st_flags),
    .job_o(job), .job_ctx_o(job_ctx), .job_crypto_o(job_crypto), .job_dec_o(job_dec),
    .job_cipher_o(job_cipher), .job_aeskl_o(job_aeskl), .job_key_o(job_key), .job_auth_o(job_auth),
    .job_istate_o(job_istate), .job_ostate_o(job_ostate), .job_iv_o(job_iv), .job_w0_o(job_w0),
    .job_nblk_o(job_nblk), .job_plen_o(job_plen), .job_pad_o(job_pad), .job_nh_o(job_nh),
    .job_msglen_o(job_msglen), .job_prefix_o(job_prefix),
    .job_final_o(job_final), .job_status_o(job_status), .job_spi_o(job_spi), .job_seq_o(job_seq),
    .job_flags_o(job_flags), .job_out_len_o(job_out_len), .job_early_o(job_early), .job_late_o(job_late),
    .job_win_o(job_win), .job_h_o(job_h), .job_transport_o(job_transport), .job_clen_o(job_clen),
    .job_out_cap_o(job_out_cap), .job_psum_o(job_psum), .job_ttl_o(job_ttl), .job_soft_kb_o(job_soft),
    .job_hard_kb_o(job_hard), .job_slot_o(job_slot), .job_cookie_o(job_cookie), .job_slot32_o(job_slot32),
    .job_start_o(job_start),
    .hw_o(hw), .hw_ctx_o(hw_ctx), .hw_word_o(hw_word), .hw_wd_o(hw_wd),
    .done_o(parse_done)
  );

  // ---- cipher lanes and hash ------------------------------------------------------------------------
  wire [LW-1:0]     out_rl;
  wire [OAW-1:0]    out_rw;
  wire [L*BW-1:0]   out_rd;
  wire [LW-1:0]     stg_rl;
  wire              stg_rh;
  wire [L*512-1:0]  stg_rd;
  wire [L*2-1:0]    stg_inc;
  wire [L*CW-1:0]   stg_inc_ctx;
  wire              stg_cons;
  wire [CW-1:0]     stg_cons_ctx;
  wire [L*41-1:0]   di_all;
  wire [LW-1:0]     commit_l;
  wire [LB-1:0]     commit_lane;
  generate
    if (L > 1) begin : g_cl
      assign commit_l = commit_ctx[CW-1:LB];
      assign commit_lane = commit_ctx[LB-1:0];
    end else begin : g_cl1
      assign commit_l = commit_ctx;
      assign commit_lane = 1'b0;
    end
  endgenerate

  genvar g;
  generate
    for (g = 0; g < L; g = g + 1) begin : g_lane
      esp_cipher_lane #(.PIPELINED(PIPELINED), .N_CTX(N_CTX), .CIPHER_LANES(L), .LANE(g),
                        .STREAM_BYTES(STREAM_BYTES)) u_lane (
        .clk_i(clk_i), .rst_ni(rst_ni),
        .job_i(job), .job_ctx_i(job_ctx), .job_crypto_i(job_crypto), .job_dec_i(job_dec),
        .job_cipher_i(job_cipher), .job_aeskl_i(job_aeskl), .job_key_i(job_key), .job_iv_i(job_iv),
        .job_w0_i(job_w0), .job_nblk_i(job_nblk), .job_plen_i(job_plen), .job_pad_i(job_pad),
        .job_nh_i(job_nh), .ing_done_i(ing_done_q),
        .in_we_i(in_we), .in_ctx_i(in_ctx), .in_word_i(in_word), .in_wd_i(in_wd),
        .out_rl_i(out_rl), .out_rw_i(out_rw), .out_rd_o(out_rd[BW*g +: BW]),
        .stg_rl_i(stg_rl), .stg_rh_i(stg_rh), .stg_rd_o(stg_rd[512*g +: 512]),
        .stg_inc_o(stg_inc[2*g +: 2]), .stg_inc_ctx_o(stg_inc_ctx[CW*g +: CW]),
        .stg_cons_i(stg_cons), .stg_cons_ctx_i(stg_cons_ctx),
        .done_o(lane_done[N_CTX*g +: N_CTX]),
        .di_l_i(commit_l), .di_o(di_all[41*g +: 41])
      );
    end
  endgenerate

  wire [95:0] icv;
  esp_hash_sched #(.PIPELINED(PIPELINED), .N_CTX(N_CTX), .CIPHER_LANES(L)) u_hash (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .job_i(job), .job_ctx_i(job_ctx), .job_crypto_i(job_crypto), .job_auth_i(job_auth),
    .job_aes_i(job_cipher == ESPFAB_CIPHER_AES[1:0]), .job_msglen_i(job_msglen),
    .job_istate_i(job_istate), .job_ostate_i(job_ostate), .job_prefix_i(job_prefix),
    .stg_rl_o(stg_rl), .stg_rh_o(stg_rh), .stg_rd_i(stg_rd), .stg_inc_i(stg_inc),
    .stg_inc_ctx_i(stg_inc_ctx), .stg_cons_o(stg_cons), .stg_cons_ctx_o(stg_cons_ctx),
    .done_o(hash_done), .icv_ra_i(commit_ctx), .icv_rd_o(icv)
  );

  // ---- commit and egress -------------------------------------------------------------------------
  wire          e_valid, e_ready, e_icv_en, e_ovr;
  wire [CW-1:0] e_ctx;
  wire [191:0]  e_rec;
  wire [15:0]   e_len, e_ovr_len, e_ovr_csum;
  wire [7:0]    e_start, e_ovr_nh;
  wire [11:0]   e_icv_pos;
  wire [95:0]   e_icv;

  esp_commit #(.N_CTX(N_CTX), .SA_SLOTS(SA_SLOTS)) u_commit (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .job_i(job), .job_ctx_i(job_ctx), .job_dec_i(job_dec), .job_final_i(job_final),
    .job_status_i(job_status), .job_spi_i(job_spi), .job_seq_i(job_seq), .job_flags_i(job_flags),
    .job_out_len_i(job_out_len), .job_early_i(job_early), .job_late_i(job_late), .job_win_i(job_win),
    .job_h_i(job_h), .job_transport_i(job_transport), .job_clen_i(job_clen), .job_out_cap_i(job_out_cap),
    .job_psum_i(job_psum), .job_ttl_i(job_ttl), .job_soft_kb_i(job_soft), .job_hard_kb_i(job_hard),
    .job_slot_i(job_slot), .job_cookie_i(job_cookie), .job_slot32_i(job_slot32), .job_start_i(job_start),
    .picv_we_i(picv_we), .picv_ctx_i(picv_ctx), .picv_i(picv),
    .ctx_i(commit_ctx), .ready_i(commit_ready), .di_i(di_all[41*commit_lane +: 41]), .icv_i(icv),
    .done_o(commit_done),
    .st_req_o(stb_req), .st_ack_i(stb_ack), .st_slot_o(stb_slot), .st_early_o(stb_early),
    .st_late_o(stb_late), .st_len_o(stb_len), .st_seq_o(stb_seq), .st_win_o(stb_win),
    .st_auth_fail_o(stb_auth_fail), .st_post_o(stb_post), .st_soft_kb_o(stb_soft),
    .st_hard_kb_o(stb_hard), .st_status_i(st_status), .st_flags_i(st_flags),
    .e_valid_o(e_valid), .e_ready_i(e_ready), .e_ctx_o(e_ctx), .e_rec_o(e_rec), .e_len_o(e_len),
    .e_start_o(e_start), .e_icv_en_o(e_icv_en), .e_icv_pos_o(e_icv_pos), .e_icv_o(e_icv),
    .e_ovr_o(e_ovr), .e_ovr_len_o(e_ovr_len), .e_ovr_nh_o(e_ovr_nh), .e_ovr_csum_o(e_ovr_csum)
  );

  esp_egress #(.N_CTX(N_CTX), .CIPHER_LANES(L), .STREAM_BYTES(STREAM_BYTES)) u_egress (
    .clk_i(clk_i), .rst_ni(rst_ni),
    .e_valid_i(e_valid), .e_ready_o(e_ready), .e_ctx_i(e_ctx), .e_rec_i(e_rec), .e_len_i(e_len),
    .e_start_i(e_start), .e_icv_en_i(e_icv_en), .e_icv_pos_i(e_icv_pos), .e_icv_i(e_icv),
    .e_ovr_i(e_ovr), .e_ovr_len_i(e_ovr_len), .e_ovr_nh_i(e_ovr_nh), .e_ovr_csum_i(e_ovr_csum),
    .hw_i(hw), .hw_ctx_i(hw_ctx), .hw_word_i(hw_word), .hw_wd_i(hw_wd),
    .out_rl_o(out_rl), .out_rw_o(out_rw), .out_rd_i(out_rd),
    .m_cpl_valid_o(m_cpl_valid_o), .m_cpl_ready_i(m_cpl_ready_i), .m_cpl_data_o(m_cpl_data_o),
    .m_cpl_last_o(m_cpl_last_o), .m_cpl_rec_o(m_cpl_rec_o),
    .free_o(freed)
  );

endmodule
`default_nettype wire
