`default_nettype none
// esp_cipher_lane — one CBC lane: an aes_core and a des_core fed one block
// per cycle, round-robin over this lane's contexts (global context c belongs
// to lane c % CIPHER_LANES, local index c / CIPHER_LANES).
//
// The lane owns its contexts' buffers:
//   input buffer   (ingress writes; two banks of even/odd words so a block
//                   and the one before it are read in one cycle, and a
//                   32-byte request beat is written in one cycle)
//   output buffer  (cipher results at 16-byte word 8 + block; egress reads
//                   STREAM_BYTES per cycle, so a 32-byte stream reads two
//                   words: the buffer is that wide, written a half at a time)
//   hash staging   (a 128-byte ring per context in HMAC message order: the
//                   ciphertext as it leaves the lane, 8 banks of 8 bytes so
//                   the hash reads a whole 64-byte block in one cycle)
// and per context the key, the IV and the CBC chaining value.
//
// Issue (cycle C0: pick a context, read buffer and key; C1: form the block,
// hand it to the core):
//   outbound: plaintext block from the input buffer (payload aligned to a
//     word by ingress), bytes past the payload replaced by the padding
//     1, 2, .., pad length, next header; XOR the previous ciphertext (the IV
//     for block 0).  A context has at most one block in the core: the next
//     waits for this one's ciphertext (the CBC loop); other contexts fill
//     the pipeline meanwhile.
//   inbound: ciphertext block and the one before it (the IV for block 0);
//     no loop, so a context may have many blocks in flight.
//   both: a context issues only while its staging ring has room for the
//     block's ciphertext (the hash frees 64 bytes per block it takes).
// Write-back (results leave each core in order into a small completion
// buffer; one result per cycle is written back): the output word (DES:
// half word), the staging ring, the chaining value; inbound the plaintext
// is checked for the padding as it passes (see pad_run) and the fields
// commit needs are kept (pad length, next header, inner IPv4 version/IHL
// and total length).  The last block of a context raises done_o.
module esp_cipher_lane #(
  parameter PIPELINED = 1,     // crypto cores unrolled (1) or iterative (0)
  parameter N_CTX = 8,         // contexts of the engine (power of two)
  parameter CIPHER_LANES = 1,  // lanes of the engine (power of two, N_CTX / CIPHER_LANES >= 2)
  parameter LANE = 0,          // this lane's index
  parameter STREAM_BYTES = 16  // request/completion beat bytes (16 or 32): input writes and output reads per cycle
) (
  input  wire              clk_i,
  input  wire              rst_ni,
  // job (esp_parse)
  input  wire              job_i,
  input  wire [CW-1:0]     job_ctx_i,
  input  wire              job_crypto_i,
  input  wire              job_dec_i,
  input  wire [1:0]        job_cipher_i,
  input  wire [1:0]        job_aeskl_i,
  input  wire [255:0]      job_key_i,
  input  wire [127:0]      job_iv_i,
  input  wire [6:0]        job_w0_i,
  input  wire [8:0]        job_nblk_i,
  input  wire [11:0]       job_plen_i,
  input  wire [7:0]        job_pad_i,
  input  wire [7:0]        job_nh_i,
  input  wire [N_CTX-1:0]  ing_done_i,     // per global context: input buffer complete
  // input buffer writes (esp_ingress): word i at in_word_i + i (in_word_i a
  // multiple of NW), data in [BW-1-128*i -: 128]
  input  wire [NW-1:0]     in_we_i,
  input  wire [CW-1:0]     in_ctx_i,
  input  wire [6:0]        in_word_i,
  input  wire [BW-1:0]     in_wd_i,
  // output buffer read (esp_egress, registered): STREAM_BYTES-wide words
  input  wire [LW-1:0]     out_rl_i,
  input  wire [OAW-1:0]    out_rw_i,
  output wire [BW-1:0]     out_rd_o,
  // staging read (esp_hash_sched, registered): block half of a local context
  input  wire [LW-1:0]     stg_rl_i,
  input  wire              stg_rh_i,
  output wire [511:0]      stg_rd_o,
  // staging flow control
  output reg  [1:0]        stg_inc_o,      // 64-byte blocks completed by this write-back
  output wire [CW-1:0]     stg_inc_ctx_o,
  input  wire              stg_cons_i,     // the hash took a block of stg_cons_ctx_i
  input  wire [CW-1:0]     stg_cons_ctx_i,
  // lane finished a context
  output reg  [N_CTX-1:0]  done_o,
  // inbound results for commit: {pad ok, pad length, next header, byte 0, bytes 2..3}
  input  wire [LW-1:0]     di_l_i,
  output wire [40:0]       di_o
);

  // The contract include defines every shared constant; each module uses a
  // few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam CW = (N_CTX > 1) ? $clog2(N_CTX) : 1;
  localparam NG = N_CTX / CIPHER_LANES;                 // contexts of this lane
  localparam LW = (NG > 1) ? $clog2(NG) : 1;
  localparam LB = (CIPHER_LANES > 1) ? $clog2(CIPHER_LANES) : 0;
  localparam FAW = 6;                                   // completion buffer: 64 entries
  localparam FD = 1 << FAW;
  localparam PW = 256 + 128 + 7 + 12 + 8 + 8 + 2 + 2;   // per-context parameters
  localparam SW = LW + 9 + 1 + 1 + 128 + 128;           // completion side info
  localparam OW = 8;                                    // output buffer word of block 0
  localparam BW = 8 * STREAM_BYTES;                     // stream beat bits
  localparam NW = STREAM_BYTES / 16;                    // 16-byte words per beat (1 or 2)
  localparam OAW = 7 - (NW - 1);                        // output buffer: words per context, log2

  // ---- per-context registers ---------------------------------------------------
  reg [NG-1:0] act_q, act_d;        // blocks left to issue
  reg [NG-1:0] busy_q, busy_d;      // outbound block in the core
  reg [NG-1:0] dec_q, dec_d;
  reg [NG-1:0] aes_q, aes_d;
  reg [8:0]    k_q [0:NG-1];        // next block to issue
  reg [8:0]    k_d [0:NG-1];
  reg [8:0]    nblk_q [0:NG-1];
  reg [8:0]    nblk_d [0:NG-1];
  reg [7:0]    slack_q [0:NG-1];    // free bytes in the staging ring
  reg [7:0]    slack_d [0:NG-1];
  reg [NG-1:0] pok_q, pok_d;        // pad run state after the last plaintext byte
  reg [7:0]    plast_q [0:NG-1];
  reg [7:0]    plast_d [0:NG-1];
  reg [40:0]   di_q [0:NG-1];
  reg [40:0]   di_d [0:NG-1];
  reg [LW-1:0] rr_q, rr_d;

  integer ci;

  // global context -> this lane?
  function mine;
    input [CW-1:0] c;
    mine = (CIPHER_LANES == 1) || (({{(32-CW){1'b0}}, c} % CIPHER_LANES) == LANE);
  endfunction

  // ---- job: parameters RAM (distributed, read at issue) ---------------------------
  wire            job_mine = job_i && mine(job_ctx_i);
  wire [LW-1:0]   job_l = job_ctx_i[CW-1 -: LW];
  wire [PW-1:0]   par_wd = {job_key_i, job_iv_i, job_w0_i, job_plen_i, job_pad_i, job_nh_i, job_aeskl_i, job_cipher_i};
  reg  [LW-1:0]   sel_l;
  wire [PW-1:0]   par_rd;

  esp_ram #(.DW(PW), .AW(LW), .WE_W(1), .ASYNC_RD(1)) u_par (
    .clk_i(clk_i), .we_i(job_mine), .wbe_i(1'b1), .wa_i(job_l), .wd_i(par_wd),
    .ra_i(sel_l), .rd_o(par_rd)
  );

  wire [255:0] p_key = par_rd[PW-1 -: 256];
  wire [127:0] p_iv = par_rd[PW-257 -: 128];
  wire [6:0]   p_w0 = par_rd[PW-385 -: 7];
  wire [11:0]  p_plen = par_rd[PW-392 -: 12];
  wire [7:0]   p_pad = par_rd[PW-404 -: 8];
  wire [7:0]   p_nh = par_rd[PW-412 -: 8];
  wire [1:0]   p_aeskl = par_rd[3:2];
  wire [1:0]   p_cipher = par_rd[1:0];

  // ---- input buffer: even and odd word banks --------------------------------------
  wire          in_mine = mine(in_ctx_i);
  wire [LW-1:0] in_l = in_ctx_i[CW-1 -: LW];
  reg  [LW+5:0] ev_ra, od_ra;
  wire [127:0]  ev_rd, od_rd;
  wire          ev_we, od_we;
  wire [127:0]  ev_wd, od_wd;
  generate
    if (NW == 1) begin : g_in1
      // one word: to the bank of its parity
      assign ev_we = in_we_i[0] && in_mine && !in_word_i[0];
      assign od_we = in_we_i[0] && in_mine && in_word_i[0];
      assign ev_wd = in_wd_i[127:0];
      assign od_wd = in_wd_i[127:0];
    end else begin : g_in2
      // two words from an even one: one to each bank, same address
      /* verilator lint_off UNUSEDSIGNAL */
      wire unused_w0 = in_word_i[0];  // always 0: ingress writes whole beats (and the flush word) from an even word
      /* verilator lint_on UNUSEDSIGNAL */
      assign ev_we = in_we_i[0] && in_mine;
      assign od_we = in_we_i[1] && in_mine;
      assign ev_wd = in_wd_i[BW-1 -: 128];
      assign od_wd = in_wd_i[BW-129 -: 128];
    end
  endgenerate

  esp_ram #(.DW(128), .AW(LW+6), .WE_W(1), .ASYNC_RD(0)) u_in_ev (
    .clk_i(clk_i), .we_i(ev_we), .wbe_i(1'b1), .wa_i({in_l, in_word_i[6:1]}),
    .wd_i(ev_wd), .ra_i(ev_ra), .rd_o(ev_rd)
  );
  esp_ram #(.DW(128), .AW(LW+6), .WE_W(1), .ASYNC_RD(0)) u_in_od (
    .clk_i(clk_i), .we_i(od_we), .wbe_i(1'b1), .wa_i({in_l, in_word_i[6:1]}),
    .wd_i(od_wd), .ra_i(od_ra), .rd_o(od_rd)
  );

  // ---- chaining values (distributed; written at outbound write-back) ---------------
  reg           ch_we;
  reg [LW-1:0]  ch_wa;
  reg [127:0]   ch_wd;
  wire [127:0]  ch_rd;

  esp_ram #(.DW(128), .AW(LW), .WE_W(1), .ASYNC_RD(1)) u_chain (
    .clk_i(clk_i), .we_i(ch_we), .wbe_i(1'b1), .wa_i(ch_wa), .wd_i(ch_wd),
    .ra_i(sel_l), .rd_o(ch_rd)
  );

  // ---- cores and their completion buffers --------------------------------------------
  // C1 stage registers
  reg           c1_v_q;
  reg [LW-1:0]  c1_l_q;
  reg [8:0]     c1_k_q;
  reg           c1_last_q, c1_aes_q, c1_dec_q, c1_3des_q, c1_wpar_q;
  reg [1:0]     c1_aeskl_q;
  reg [255:0]   c1_key_q;
  reg [127:0]   c1_chain_q;
  reg [11:0]    c1_plen_q;
  reg [7:0]     c1_pad_q, c1_nh_q;

  // completion buffer pointers, per core (0 AES, 1 DES)
  reg [FAW:0] f_wp_q [0:1];
  reg [FAW:0] f_rs_q [0:1];
  reg [FAW:0] f_rp_q [0:1];
  reg [FAW:0] f_wp_d [0:1];
  reg [FAW:0] f_rs_d [0:1];
  reg [FAW:0] f_rp_d [0:1];

  reg  [127:0] c1_blk;      // AES block, or DES block in [127:64]
  reg  [127:0] c1_mask;     // inbound: previous ciphertext
  reg  [127:0] c1_ct;       // inbound: this ciphertext (for the hash)
  wire         aes_iv = c1_v_q && c1_aes_q;
  wire         des_iv = c1_v_q && !c1_aes_q;
  wire         aes_ov, des_ov;
  wire [127:0] aes_out;
  wire [63:0]  des_out;
  /* verilator lint_off UNUSEDSIGNAL */
  wire         aes_rdy, des_rdy;          // readiness is tracked with the completion buffers
  wire [255:0] aes_okey;                  // only the setup path uses it
  wire         aes_otag, des_otag;        // results come back in order; no tag needed
  /* verilator lint_on UNUSEDSIGNAL */

  aes_core #(.PIPELINED(PIPELINED), .TAG_W(1)) u_aes (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(aes_iv), .in_ready_o(aes_rdy),
    .in_decrypt_i(c1_dec_q), .in_keylen_i(c1_aeskl_q), .in_key_i(c1_key_q), .in_block_i(c1_blk),
    .in_tag_i(1'b0), .out_valid_o(aes_ov), .out_block_o(aes_out), .out_key_o(aes_okey),
    .out_tag_o(aes_otag)
  );

  des_core #(.PIPELINED(PIPELINED), .TAG_W(1)) u_des (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(des_iv), .in_ready_o(des_rdy),
    .in_decrypt_i(c1_dec_q), .in_triple_i(c1_3des_q), .in_key_i(c1_key_q[255:64]),
    .in_block_i(c1_blk[127:64]), .in_tag_i(1'b0), .out_valid_o(des_ov), .out_block_o(des_out),
    .out_tag_o(des_otag)
  );

  // side info written at issue, result written when it leaves the core
  wire [SW-1:0] side_wd = {c1_l_q, c1_k_q, c1_last_q, c1_dec_q, c1_mask, c1_ct};
  wire [SW-1:0] side_rd0, side_rd1;
  wire [127:0]  res_rd0;
  wire [63:0]   res_rd1;

  esp_ram #(.DW(SW), .AW(FAW), .WE_W(1), .ASYNC_RD(1)) u_side_aes (
    .clk_i(clk_i), .we_i(aes_iv), .wbe_i(1'b1), .wa_i(f_wp_q[0][FAW-1:0]), .wd_i(side_wd),
    .ra_i(f_rp_q[0][FAW-1:0]), .rd_o(side_rd0)
  );
  esp_ram #(.DW(SW), .AW(FAW), .WE_W(1), .ASYNC_RD(1)) u_side_des (
    .clk_i(clk_i), .we_i(des_iv), .wbe_i(1'b1), .wa_i(f_wp_q[1][FAW-1:0]), .wd_i(side_wd),
    .ra_i(f_rp_q[1][FAW-1:0]), .rd_o(side_rd1)
  );
  esp_ram #(.DW(128), .AW(FAW), .WE_W(1), .ASYNC_RD(1)) u_res_aes (
    .clk_i(clk_i), .we_i(aes_ov), .wbe_i(1'b1), .wa_i(f_rs_q[0][FAW-1:0]), .wd_i(aes_out),
    .ra_i(f_rp_q[0][FAW-1:0]), .rd_o(res_rd0)
  );
  esp_ram #(.DW(64), .AW(FAW), .WE_W(1), .ASYNC_RD(1)) u_res_des (
    .clk_i(clk_i), .we_i(des_ov), .wbe_i(1'b1), .wa_i(f_rs_q[1][FAW-1:0]), .wd_i(des_out),
    .ra_i(f_rp_q[1][FAW-1:0]), .rd_o(res_rd1)
  );

  // a core may take a block: room in its completion buffer; iterative: idle
  wire [FAW:0] f_cnt0 = f_wp_q[0] - f_rp_q[0];
  wire [FAW:0] f_cnt1 = f_wp_q[1] - f_rp_q[1];
  wire aes_free = (f_cnt0 < FD - 2) &&
                  (PIPELINED != 0 || (f_wp_q[0] == f_rs_q[0] && !aes_iv));
  wire des_free = (f_cnt1 < FD - 2) &&
                  (PIPELINED != 0 || (f_wp_q[1] == f_rs_q[1] && !des_iv));

  // ---- C0: pick a context -------------------------------------------------------------
  reg [NG-1:0]   elig;
  reg [2*NG-1:0] dbl;
  reg            sel_v;
  reg [LW-1:0]   sel_off;
  always @* begin
    for (ci = 0; ci < NG; ci = ci + 1)
      elig[ci] = act_q[ci] && ing_done_i[ci * CIPHER_LANES + LANE] && (dec_q[ci] || !busy_q[ci]) &&
                (aes_q[ci] ? slack_q[ci] >= 8'd16 : slack_q[ci] >= 8'd8) &&
                (aes_q[ci] ? aes_free : des_free);
    dbl = {elig, elig} >> rr_q;
    sel_v = 1'b0;
    sel_off = {LW{1'b0}};
    for (ci = NG - 1; ci >= 0; ci = ci - 1)
      if (dbl[ci]) begin
        sel_v = 1'b1;
        sel_off = ci[LW-1:0];
      end
    sel_l = rr_q + sel_off;
  end

  wire [8:0]  sel_k = k_q[sel_l];
  wire        sel_aes = aes_q[sel_l];
  wire [6:0]  sel_w = p_w0 + (sel_aes ? sel_k[6:0] : sel_k[7:1]);
  wire [6:0]  sel_wp = sel_w - 7'd1;
  always @* begin
    ev_ra = sel_w[0] ? {sel_l, sel_wp[6:1]} : {sel_l, sel_w[6:1]};
    od_ra = sel_wp[0] ? {sel_l, sel_wp[6:1]} : {sel_l, sel_w[6:1]};
  end

  // ---- C1: form the block ---------------------------------------------------------------
  // Outbound plaintext byte at position p: payload, then 1, 2, .., pad, pad, nh.
  function [7:0] ptbyte;
    input [7:0]  d;
    input [11:0] p;
    input [11:0] plen;
    input [7:0]  pad;
    input [7:0]  nh;
    reg   [11:0] q;
    begin
      q = p - plen;
      if (p < plen)
        ptbyte = d;
      else if (q < {4'd0, pad})
        ptbyte = q[7:0] + 8'd1;
      else if (q == {4'd0, pad})
        ptbyte = pad;
      else
        ptbyte = nh;
    end
  endfunction

  reg [127:0] wdat, wprev, ptb;
  reg [11:0]  base;
  integer cj;
  always @* begin
    wdat = c1_wpar_q ? od_rd : ev_rd;
    wprev = c1_wpar_q ? ev_rd : od_rd;
    base = c1_aes_q ? {c1_k_q[7:0], 4'd0} : {c1_k_q[8:0], 3'd0};
    ptb = 128'd0;
    c1_mask = 128'd0;
    c1_ct = 128'd0;
    if (c1_aes_q) begin
      for (cj = 0; cj < 16; cj = cj + 1)
        ptb[127-8*cj -: 8] = ptbyte(wdat[127-8*cj -: 8], base + cj[11:0], c1_plen_q, c1_pad_q, c1_nh_q);
      if (c1_dec_q) begin
        c1_blk = wdat;
        c1_mask = wprev;
        c1_ct = wdat;
      end else begin
        c1_blk = ptb ^ c1_chain_q;
      end
    end else begin
      for (cj = 0; cj < 8; cj = cj + 1)
        ptb[127-8*cj -: 8] = ptbyte(c1_k_q[0] ? wdat[63-8*cj -: 8] : wdat[127-8*cj -: 8], base + cj[11:0],
                                   c1_plen_q, c1_pad_q, c1_nh_q);
      if (c1_dec_q) begin
        c1_blk = {c1_k_q[0] ? wdat[63:0] : wdat[127:64], 64'd0};
        c1_mask = {c1_k_q[0] ? wdat[127:64] : wprev[63:0], 64'd0};
        c1_ct = c1_blk;
      end else begin
        c1_blk = {ptb[127:64] ^ c1_chain_q[127:64], 64'd0};
      end
    end
  end

  // ---- write-back -------------------------------------------------------------------------
  reg          wb_pick_des_q, wb_pick_des_d;   // fairness between the two buffers
  wire         rdy0 = f_rp_q[0] != f_rs_q[0];
  wire         rdy1 = f_rp_q[1] != f_rs_q[1];
  wire         wb_v = rdy0 || rdy1;
  wire         wb_des = rdy1 && (!rdy0 || wb_pick_des_q);
  wire [SW-1:0] wb_side = wb_des ? side_rd1 : side_rd0;
  wire [LW-1:0] wb_l = wb_side[SW-1 -: LW];
  wire [8:0]    wb_k = wb_side[SW-LW-1 -: 9];
  wire          wb_last = wb_side[257];
  wire          wb_dec = wb_side[256];
  wire [127:0]  wb_mask = wb_side[255:128];
  wire [127:0]  wb_ict = wb_side[127:0];
  wire [127:0]  wb_res = wb_des ? {res_rd1, 64'd0} : res_rd0;
  wire [127:0]  wb_out = wb_dec ? (wb_res ^ wb_mask) : wb_res;   // plaintext / ciphertext
  wire [127:0]  wb_hct = wb_dec ? wb_ict : wb_res;               // ciphertext for the hash
  wire [CW-1:0] wb_ctx;
  generate
    if (CIPHER_LANES > 1) begin : g_ctx
      assign wb_ctx = {wb_l, LANE[LB-1:0]};
    end else begin : g_ctx1
      assign wb_ctx = wb_l;
    end
  endgenerate

  // output buffer: 16-byte word ob_w, in halves of 8 bytes (DES); with a
  // 32-byte stream a buffer word holds words 2m (upper half) and 2m+1
  wire [6:0]      ob_w = OW[6:0] + (wb_des ? wb_k[7:1] : wb_k[6:0]);
  wire [1:0]      ob_be = wb_des ? (wb_k[0] ? 2'b01 : 2'b10) : 2'b11;
  wire [127:0]    ob_wd = wb_des ? {wb_out[127:64], wb_out[127:64]} : wb_out;
  wire [OAW-1:0]  ob_wa;
  wire [2*NW-1:0] ob_wbe;
  generate
    if (NW == 1) begin : g_ob1
      assign ob_wa = ob_w;
      assign ob_wbe = ob_be;
    end else begin : g_ob2
      assign ob_wa = ob_w[6:1];
      assign ob_wbe = ob_w[0] ? {2'b00, ob_be} : {ob_be, 2'b00};
    end
  endgenerate

  esp_ram #(.DW(BW), .AW(LW+OAW), .WE_W(2*NW), .ASYNC_RD(0)) u_out (
    .clk_i(clk_i), .we_i(wb_v), .wbe_i(ob_wbe), .wa_i({wb_l, ob_wa}), .wd_i({NW{ob_wd}}),
    .ra_i({out_rl_i, out_rw_i}), .rd_o(out_rd_o)
  );

  // staging ring: message offset of this chunk = 8 + B * (k + 1)
  wire [11:0] sm = wb_des ? ({wb_k, 3'd0} + 12'd16) : ({wb_k[7:0], 4'd0} + 12'd24);
  wire [11:0] se = sm + (wb_des ? 12'd8 : 12'd16);
  wire [3:0]  se0 = sm[6:3];
  wire [3:0]  se1 = se0 + 4'd1;
  genvar b;
  generate
    for (b = 0; b < 8; b = b + 1) begin : g_stg
      wire       hit0 = se0[2:0] == b;
      wire       hit1 = !wb_des && se1[2:0] == b;
      esp_ram #(.DW(64), .AW(LW+1), .WE_W(1), .ASYNC_RD(0)) u_stg (
        .clk_i(clk_i), .we_i(wb_v && (hit0 || hit1)), .wbe_i(1'b1),
        .wa_i({wb_l, hit0 ? se0[3] : se1[3]}), .wd_i(hit0 ? wb_hct[127:64] : wb_hct[63:0]),
        .ra_i({stg_rl_i, stg_rh_i}), .rd_o(stg_rd_o[511-64*b -: 64])
      );
    end
  endgenerate

  // inbound plaintext checks
  reg [7:0] pv [0:15];
  reg       pk [0:15];
  reg       c_ok;
  reg [7:0] c_last;
  reg [7:0] f_p, f_nh, f_v3;
  reg       f_ok3;
  always @* begin
    c_ok = (wb_k == 9'd0) ? 1'b0 : pok_q[wb_l];
    c_last = (wb_k == 9'd0) ? 8'd0 : plast_q[wb_l];
    for (cj = 0; cj < 16; cj = cj + 1) begin
      pv[cj] = wb_out[127-8*cj -: 8];
      // pad_run: byte j ends a run 1, 2, .., pv[j] (values never wrap)
      pk[cj] = (pv[cj] == 8'd1) || ({1'b0, pv[cj]} == {1'b0, c_last} + 9'd1 && c_ok);
      c_ok = pk[cj];
      c_last = pv[cj];
    end
    if (wb_des) begin
      f_p = pv[6];
      f_nh = pv[7];
      f_v3 = pv[5];
      f_ok3 = pk[5];
    end else begin
      f_p = pv[14];
      f_nh = pv[15];
      f_v3 = pv[13];
      f_ok3 = pk[13];
    end
  end

  // ---- state update ------------------------------------------------------------------------
  wire          cons_mine = stg_cons_i && mine(stg_cons_ctx_i);
  wire [LW-1:0] cons_l = stg_cons_ctx_i[CW-1 -: LW];

  always @* begin
    act_d = act_q;
    busy_d = busy_q;
    dec_d = dec_q;
    aes_d = aes_q;
    pok_d = pok_q;
    rr_d = rr_q;
    wb_pick_des_d = wb_pick_des_q;
    for (ci = 0; ci < NG; ci = ci + 1) begin
      k_d[ci] = k_q[ci];
      nblk_d[ci] = nblk_q[ci];
      slack_d[ci] = slack_q[ci];
      plast_d[ci] = plast_q[ci];
      di_d[ci] = di_q[ci];
    end
    for (ci = 0; ci < 2; ci = ci + 1) begin
      f_wp_d[ci] = f_wp_q[ci];
      f_rs_d[ci] = f_rs_q[ci];
      f_rp_d[ci] = f_rp_q[ci];
    end
    ch_we = 1'b0;
    ch_wa = wb_l;
    ch_wd = wb_res;
    stg_inc_o = 2'd0;
    done_o = {N_CTX{1'b0}};

    // issue (C0)
    if (sel_v) begin
      k_d[sel_l] = sel_k + 9'd1;
      if (sel_k + 9'd1 == nblk_q[sel_l])
        act_d[sel_l] = 1'b0;
      if (!dec_q[sel_l])
        busy_d[sel_l] = 1'b1;
      slack_d[sel_l] = slack_q[sel_l] - (sel_aes ? 8'd16 : 8'd8);
      rr_d = sel_l + 1'b1;
    end
    if (aes_iv) f_wp_d[0] = f_wp_q[0] + 1'b1;
    if (des_iv) f_wp_d[1] = f_wp_q[1] + 1'b1;
    if (aes_ov) f_rs_d[0] = f_rs_q[0] + 1'b1;
    if (des_ov) f_rs_d[1] = f_rs_q[1] + 1'b1;

    // the hash took 64 bytes of staging
    if (cons_mine)
      slack_d[cons_l] = slack_d[cons_l] + 8'd64;

    // write-back
    if (wb_v) begin
      if (wb_des) f_rp_d[1] = f_rp_q[1] + 1'b1;
      else f_rp_d[0] = f_rp_q[0] + 1'b1;
      wb_pick_des_d = !wb_des;
      if (!wb_dec) begin
        busy_d[wb_l] = 1'b0;
        ch_we = 1'b1;
      end else begin
        pok_d[wb_l] = wb_des ? pk[7] : pk[15];
        plast_d[wb_l] = wb_des ? pv[7] : pv[15];
        if (wb_k == 9'd0)
          di_d[wb_l][23:0] = {pv[0], pv[2], pv[3]};
        if (wb_last)
          di_d[wb_l][40:24] = {f_p == 8'd0 || (f_v3 == f_p && f_ok3), f_p, f_nh};
      end
      stg_inc_o = {1'b0, se[11:6] != sm[11:6]} + {1'b0, wb_last && se[5:0] != 6'd0};
      if (wb_last)
        done_o[wb_ctx] = 1'b1;
    end

    // a new job (the context is idle in this lane)
    if (job_mine) begin
      act_d[job_l] = job_crypto_i;
      busy_d[job_l] = 1'b0;
      dec_d[job_l] = job_dec_i;
      aes_d[job_l] = job_cipher_i == ESPFAB_CIPHER_AES[1:0];
      k_d[job_l] = 9'd0;
      nblk_d[job_l] = job_nblk_i;
      slack_d[job_l] = (job_cipher_i == ESPFAB_CIPHER_AES[1:0]) ? 8'd104 : 8'd112;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      act_q <= {NG{1'b0}};
      busy_q <= {NG{1'b0}};
      rr_q <= {LW{1'b0}};
      c1_v_q <= 1'b0;
      wb_pick_des_q <= 1'b0;
      for (ci = 0; ci < 2; ci = ci + 1) begin
        f_wp_q[ci] <= {(FAW+1){1'b0}};
        f_rs_q[ci] <= {(FAW+1){1'b0}};
        f_rp_q[ci] <= {(FAW+1){1'b0}};
      end
    end else begin
      act_q <= act_d;
      busy_q <= busy_d;
      rr_q <= rr_d;
      c1_v_q <= sel_v;
      wb_pick_des_q <= wb_pick_des_d;
      for (ci = 0; ci < 2; ci = ci + 1) begin
        f_wp_q[ci] <= f_wp_d[ci];
        f_rs_q[ci] <= f_rs_d[ci];
        f_rp_q[ci] <= f_rp_d[ci];
      end
    end
    dec_q <= dec_d;
    aes_q <= aes_d;
    pok_q <= pok_d;
    for (ci = 0; ci < NG; ci = ci + 1) begin
      k_q[ci] <= k_d[ci];
      nblk_q[ci] <= nblk_d[ci];
      slack_q[ci] <= slack_d[ci];
      plast_q[ci] <= plast_d[ci];
      di_q[ci] <= di_d[ci];
    end
    // C1 stage
    c1_l_q <= sel_l;
    c1_k_q <= sel_k;
    c1_last_q <= sel_k + 9'd1 == nblk_q[sel_l];
    c1_aes_q <= sel_aes;
    c1_dec_q <= dec_q[sel_l];
    c1_3des_q <= p_cipher == ESPFAB_CIPHER_3DES[1:0];
    c1_wpar_q <= sel_w[0];
    c1_aeskl_q <= p_aeskl;
    c1_key_q <= p_key;
    c1_chain_q <= (sel_k == 9'd0) ? p_iv : ch_rd;
    c1_plen_q <= p_plen;
    c1_pad_q <= p_pad;
    c1_nh_q <= p_nh;
  end

  assign stg_inc_ctx_o = wb_ctx;
  assign di_o = di_q[di_l_i];

endmodule
`default_nettype wire
