`default_nettype none
// esp_hash_sched — HMAC-SHA1-96 / HMAC-MD5-96 for every context in flight,
// one 64-byte block per cycle into a sha1_core or an md5_core, round-robin
// over the contexts that have a block ready (DESIGN.md decision 6).
//
// A context's message is SPI | sequence | IV | ciphertext (hls/esp/esp.c);
// its blocks come from the lane's staging ring (the ciphertext, written by
// the lane as it leaves the cipher outbound or enters it inbound, counted
// in stg_inc_i) with the SPI | sequence | IV prefix laid over block 0, then
// the RFC 1321 / FIPS 180-4 padding and the length of key block + message.
// Block 0 starts from the SA's inner chaining value, later blocks from the
// previous result (one block of a context in the core at a time: the hash's
// loop-carried dependency); after the last inner block comes the outer
// block (inner digest, padding) from the outer chaining value.  Its first
// 12 bytes are the ICV, kept per context for commit (compare, inbound) and
// egress (append, outbound), and the context's bit in done_o rises.
//
// Cycle C0 picks a context and reads its staging block, prefix and
// chaining values; C1 builds the block and hands it to the core.
module esp_hash_sched #(
  parameter PIPELINED = 1,     // crypto cores unrolled (1) or iterative (0)
  parameter N_CTX = 8,         // contexts (power of two)
  parameter CIPHER_LANES = 1   // lanes holding the staging rings (context c in lane c % CIPHER_LANES)
) (
  input  wire                       clk_i,
  input  wire                       rst_ni,
  // job (esp_parse)
  input  wire                       job_i,
  input  wire [CW-1:0]              job_ctx_i,
  input  wire                       job_crypto_i,
  input  wire [1:0]                 job_auth_i,
  input  wire                       job_aes_i,      // IV (and prefix) of 16 bytes, else 8
  input  wire [11:0]                job_msglen_i,
  input  wire [159:0]               job_istate_i,
  input  wire [159:0]               job_ostate_i,
  input  wire [191:0]               job_prefix_i,   // SPI | sequence | IV
  // staging rings (registered read in every lane, same address)
  output wire [LW-1:0]              stg_rl_o,
  output wire                       stg_rh_o,
  input  wire [CIPHER_LANES*512-1:0] stg_rd_i,
  input  wire [CIPHER_LANES*2-1:0]  stg_inc_i,
  input  wire [CIPHER_LANES*CW-1:0] stg_inc_ctx_i,
  output wire                       stg_cons_o,
  output wire [CW-1:0]              stg_cons_ctx_o,
  // HMAC of a context done
  output reg  [N_CTX-1:0]           done_o,
  // ICV of a context (combinational read; commit)
  input  wire [CW-1:0]              icv_ra_i,
  output wire [95:0]                icv_rd_o
);

  // The contract include defines every shared constant; each module uses a
  // few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam CW = (N_CTX > 1) ? $clog2(N_CTX) : 1;
  localparam NG = N_CTX / CIPHER_LANES;
  localparam LW = (NG > 1) ? $clog2(NG) : 1;
  localparam LB = (CIPHER_LANES > 1) ? $clog2(CIPHER_LANES) : 1;

  function [31:0] bswap32;
    input [31:0] v;
    bswap32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
  endfunction

  // ---- per-context registers ---------------------------------------------------
  reg [N_CTX-1:0] act_q, act_d;      // HMAC not finished
  reg [N_CTX-1:0] busy_q, busy_d;    // a block in the core
  reg [N_CTX-1:0] md5_q, md5_d;
  reg [N_CTX-1:0] aes_q, aes_d;
  reg [N_CTX-1:0] outer_q, outer_d;  // next block is the outer one
  reg [5:0]       j_q [0:N_CTX-1];   // next inner block
  reg [5:0]       j_d [0:N_CTX-1];
  reg [5:0]       nb_q [0:N_CTX-1];  // inner blocks (message + padding)
  reg [5:0]       nb_d [0:N_CTX-1];
  reg [5:0]       ndb_q [0:N_CTX-1]; // inner blocks holding message bytes
  reg [5:0]       ndb_d [0:N_CTX-1];
  reg [1:0]       rdy_q [0:N_CTX-1]; // staged blocks not yet taken
  reg [1:0]       rdy_d [0:N_CTX-1];
  reg [11:0]      len_q [0:N_CTX-1];
  reg [11:0]      len_d [0:N_CTX-1];
  reg [CW-1:0]    rr_q, rr_d;
  reg             out_sha_q, out_sha_d, out_md5_q, out_md5_d;  // iterative: core busy

  integer hi;

  // ---- C0: pick a context --------------------------------------------------------------
  reg              c1_v_q;
  reg              c1_md5_q;
  wire             sha_free = PIPELINED != 0 || (!out_sha_q && !(c1_v_q && !c1_md5_q));
  wire             md5_free = PIPELINED != 0 || (!out_md5_q && !(c1_v_q && c1_md5_q));
  reg [N_CTX-1:0]  elig;
  reg [2*N_CTX-1:0] dbl;
  reg              sel_v;
  reg [CW-1:0]     sel_off, sel;
  always @* begin
    for (hi = 0; hi < N_CTX; hi = hi + 1)
      elig[hi] = act_q[hi] && !busy_q[hi] && (outer_q[hi] || j_q[hi] >= ndb_q[hi] || rdy_q[hi] != 2'd0) &&
                (md5_q[hi] ? md5_free : sha_free);
    dbl = {elig, elig} >> rr_q;
    sel_v = 1'b0;
    sel_off = {CW{1'b0}};
    for (hi = N_CTX - 1; hi >= 0; hi = hi - 1)
      if (dbl[hi]) begin
        sel_v = 1'b1;
        sel_off = hi[CW-1:0];
      end
    sel = rr_q + sel_off;
  end

  wire [5:0] sel_j = j_q[sel];
  wire       sel_data = !outer_q[sel] && sel_j < ndb_q[sel];
  wire [LW-1:0] sel_l;
  wire [LB-1:0] sel_lane;
  generate
    if (CIPHER_LANES > 1) begin : g_lane
      assign sel_l = sel[CW-1:LB];
      assign sel_lane = sel[LB-1:0];
    end else begin : g_lane1
      assign sel_l = sel;
      assign sel_lane = 1'b0;
    end
  endgenerate
  assign stg_rl_o = sel_l;
  assign stg_rh_o = sel_j[0];
  assign stg_cons_o = sel_v && sel_data;
  assign stg_cons_ctx_o = sel;

  // ---- per-context RAMs ------------------------------------------------------------------
  wire [319:0] hm_rd;
  wire [191:0] pf_rd;
  wire [159:0] sst_rd;
  wire [127:0] mst_rd;
  wire         sha_ov, md5_ov;
  wire [159:0] sha_out;
  wire [127:0] md5_out;
  wire [CW-1:0] sha_tag, md5_tag;

  esp_ram #(.DW(320), .AW(CW), .WE_W(1), .ASYNC_RD(0)) u_hm (
    .clk_i(clk_i), .we_i(job_i), .wbe_i(1'b1), .wa_i(job_ctx_i), .wd_i({job_istate_i, job_ostate_i}),
    .ra_i(sel), .rd_o(hm_rd)
  );
  esp_ram #(.DW(192), .AW(CW), .WE_W(1), .ASYNC_RD(0)) u_pf (
    .clk_i(clk_i), .we_i(job_i), .wbe_i(1'b1), .wa_i(job_ctx_i), .wd_i(job_prefix_i),
    .ra_i(sel), .rd_o(pf_rd)
  );
  esp_ram #(.DW(160), .AW(CW), .WE_W(1), .ASYNC_RD(0)) u_sst (
    .clk_i(clk_i), .we_i(sha_ov), .wbe_i(1'b1), .wa_i(sha_tag), .wd_i(sha_out),
    .ra_i(sel), .rd_o(sst_rd)
  );
  esp_ram #(.DW(128), .AW(CW), .WE_W(1), .ASYNC_RD(0)) u_mst (
    .clk_i(clk_i), .we_i(md5_ov), .wbe_i(1'b1), .wa_i(md5_tag), .wd_i(md5_out),
    .ra_i(sel), .rd_o(mst_rd)
  );

  // ICVs: one RAM per core (both may finish a context in the same cycle)
  wire [95:0] sha_icv = sha_out[159:64];
  wire [95:0] md5_icv = {bswap32(md5_out[127:96]), bswap32(md5_out[95:64]), bswap32(md5_out[63:32])};
  wire [95:0] isha_rd, imd5_rd;
  wire        sha_fin = sha_ov && outer_q[sha_tag];
  wire        md5_fin = md5_ov && outer_q[md5_tag];

  esp_ram #(.DW(96), .AW(CW), .WE_W(1), .ASYNC_RD(1)) u_isha (
    .clk_i(clk_i), .we_i(sha_fin), .wbe_i(1'b1), .wa_i(sha_tag), .wd_i(sha_icv),
    .ra_i(icv_ra_i), .rd_o(isha_rd)
  );
  esp_ram #(.DW(96), .AW(CW), .WE_W(1), .ASYNC_RD(1)) u_imd5 (
    .clk_i(clk_i), .we_i(md5_fin), .wbe_i(1'b1), .wa_i(md5_tag), .wd_i(md5_icv),
    .ra_i(icv_ra_i), .rd_o(imd5_rd)
  );
  assign icv_rd_o = md5_q[icv_ra_i] ? imd5_rd : isha_rd;

  // ---- C1: build the block ------------------------------------------------------------------
  reg [CW-1:0]  c1_c_q;
  reg [LB-1:0]  c1_lane_q;
  reg [5:0]     c1_j_q;
  reg           c1_outer_q, c1_last_q, c1_aes_q, c1_data_q;
  reg [11:0]    c1_len_q;

  reg [511:0] blk;
  reg [511:0] raw;
  reg [159:0] st;
  reg [14:0]  bits;
  reg [11:0]  pos;
  integer hb;
  always @* begin
    raw = stg_rd_i[512*c1_lane_q +: 512];
    if (c1_j_q == 6'd0) begin
      if (c1_aes_q)
        raw[511:320] = pf_rd;
      else
        raw[511:384] = pf_rd[191:64];
    end
    if (!c1_data_q)
      raw = 512'd0;
    blk = raw;
    for (hb = 0; hb < 64; hb = hb + 1) begin
      pos = {c1_j_q, hb[5:0]};
      if (pos == c1_len_q)
        blk[511-8*hb -: 8] = 8'h80;
      else if (pos > c1_len_q)
        blk[511-8*hb -: 8] = 8'h00;
    end
    bits = {c1_len_q + 12'd64, 3'd0};
    if (c1_last_q)
      blk[63:0] = c1_md5_q ? {bits[7:0], 1'b0, bits[14:8], 48'd0} : {49'd0, bits};
    if (c1_outer_q) begin
      if (c1_md5_q)
        blk = {bswap32(mst_rd[127:96]), bswap32(mst_rd[95:64]), bswap32(mst_rd[63:32]),
               bswap32(mst_rd[31:0]), 8'h80, 312'd0, 64'h80020000_00000000};
      else
        blk = {sst_rd, 8'h80, 280'd0, 64'h00000000_000002a0};
    end
    if (c1_outer_q)
      st = hm_rd[159:0];
    else if (c1_j_q == 6'd0)
      st = hm_rd[319:160];
    else
      st = c1_md5_q ? {mst_rd, 32'd0} : sst_rd;
  end

  /* verilator lint_off UNUSEDSIGNAL */
  wire sha_rdy, md5_rdy;  // iterative readiness is tracked with out_sha_q / out_md5_q
  /* verilator lint_on UNUSEDSIGNAL */

  sha1_core #(.PIPELINED(PIPELINED), .TAG_W(CW)) u_sha1 (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(c1_v_q && !c1_md5_q), .in_ready_o(sha_rdy),
    .in_state_i(st), .in_block_i(blk), .in_tag_i(c1_c_q),
    .out_valid_o(sha_ov), .out_state_o(sha_out), .out_tag_o(sha_tag)
  );

  md5_core #(.PIPELINED(PIPELINED), .TAG_W(CW)) u_md5 (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(c1_v_q && c1_md5_q), .in_ready_o(md5_rdy),
    .in_state_i(st[159:32]), .in_block_i(blk), .in_tag_i(c1_c_q),
    .out_valid_o(md5_ov), .out_state_o(md5_out), .out_tag_o(md5_tag)
  );

  // ---- state update --------------------------------------------------------------------------
  always @* begin
    act_d = act_q;
    busy_d = busy_q;
    md5_d = md5_q;
    aes_d = aes_q;
    outer_d = outer_q;
    rr_d = rr_q;
    out_sha_d = out_sha_q;
    out_md5_d = out_md5_q;
    for (hi = 0; hi < N_CTX; hi = hi + 1) begin
      j_d[hi] = j_q[hi];
      nb_d[hi] = nb_q[hi];
      ndb_d[hi] = ndb_q[hi];
      rdy_d[hi] = rdy_q[hi];
      len_d[hi] = len_q[hi];
    end
    done_o = {N_CTX{1'b0}};

    if (sel_v) begin
      busy_d[sel] = 1'b1;
      if (sel_data)
        rdy_d[sel] = rdy_q[sel] - 2'd1;
      rr_d = sel + 1'b1;
    end
    for (hi = 0; hi < CIPHER_LANES; hi = hi + 1)
      rdy_d[stg_inc_ctx_i[CW*hi +: CW]] = rdy_d[stg_inc_ctx_i[CW*hi +: CW]] + stg_inc_i[2*hi +: 2];

    if (c1_v_q && !c1_md5_q) out_sha_d = 1'b1;
    if (c1_v_q && c1_md5_q) out_md5_d = 1'b1;

    if (sha_ov) begin
      out_sha_d = 1'b0;
      busy_d[sha_tag] = 1'b0;
      if (outer_q[sha_tag]) begin
        act_d[sha_tag] = 1'b0;
        done_o[sha_tag] = 1'b1;
      end else begin
        if (j_q[sha_tag] + 6'd1 == nb_q[sha_tag]) outer_d[sha_tag] = 1'b1;
        j_d[sha_tag] = j_q[sha_tag] + 6'd1;
      end
    end
    if (md5_ov) begin
      out_md5_d = 1'b0;
      busy_d[md5_tag] = 1'b0;
      if (outer_q[md5_tag]) begin
        act_d[md5_tag] = 1'b0;
        done_o[md5_tag] = 1'b1;
      end else begin
        if (j_q[md5_tag] + 6'd1 == nb_q[md5_tag]) outer_d[md5_tag] = 1'b1;
        j_d[md5_tag] = j_q[md5_tag] + 6'd1;
      end
    end

    if (job_i) begin
      act_d[job_ctx_i] = job_crypto_i;
      busy_d[job_ctx_i] = 1'b0;
      md5_d[job_ctx_i] = job_auth_i == ESPFAB_AUTH_MD5[1:0];
      aes_d[job_ctx_i] = job_aes_i;
      outer_d[job_ctx_i] = 1'b0;
      j_d[job_ctx_i] = 6'd0;
      ndb_d[job_ctx_i] = job_msglen_i[11:6] + {5'd0, job_msglen_i[5:0] != 6'd0};
      nb_d[job_ctx_i] = job_msglen_i[11:6] + ((job_msglen_i[5:0] > 6'd55) ? 6'd2 : 6'd1);
      rdy_d[job_ctx_i] = 2'd0;
      len_d[job_ctx_i] = job_msglen_i;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      act_q <= {N_CTX{1'b0}};
      busy_q <= {N_CTX{1'b0}};
      rr_q <= {CW{1'b0}};
      c1_v_q <= 1'b0;
      out_sha_q <= 1'b0;
      out_md5_q <= 1'b0;
    end else begin
      act_q <= act_d;
      busy_q <= busy_d;
      rr_q <= rr_d;
      c1_v_q <= sel_v;
      out_sha_q <= out_sha_d;
      out_md5_q <= out_md5_d;
    end
    md5_q <= md5_d;
    aes_q <= aes_d;
    outer_q <= outer_d;
    for (hi = 0; hi < N_CTX; hi = hi + 1) begin
      j_q[hi] <= j_d[hi];
      nb_q[hi] <= nb_d[hi];
      ndb_q[hi] <= ndb_d[hi];
      rdy_q[hi] <= rdy_d[hi];
      len_q[hi] <= len_d[hi];
    end
    c1_c_q <= sel;
    c1_lane_q <= sel_lane;
    c1_md5_q <= md5_q[sel];
    c1_j_q <= sel_j;
    c1_outer_q <= outer_q[sel];
    c1_last_q <= !outer_q[sel] && sel_j + 6'd1 == nb_q[sel];
    c1_aes_q <= aes_q[sel];
    c1_data_q <= sel_data;
    c1_len_q <= len_q[sel];
  end

endmodule
`default_nettype wire
