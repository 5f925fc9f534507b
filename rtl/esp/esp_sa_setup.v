`default_nettype none
// esp_sa_setup — SA programming: takes a contract sa record from the host,
// waits until the engine has no request in flight, runs esp_sa_setup of the
// model (key checks, AES decryption key, HMAC inner and outer chaining
// values) and writes the slot, then zeroes or loads its state.
//
// Semantics are the model engine's sa_write / sa_clear: a slot >= SA_SLOTS
// or an SA the model's setup refuses (unknown cipher or auth, a key length
// the cipher does not take, an empty or over-long auth key) changes nothing
// and sets err_o.  Otherwise the slot is written with valid forced to 1;
// it is usable by the data path when dir, mode and encap are known values
// (the model's sa_usable), and its state is zeroed unless keep_state.
// clear empties the slot and zeroes its state; load (a test hook) only
// writes the state.
//
// While a write is pending hold_o stops the engine taking new packets; the
// write proceeds when idle_i says every earlier request has completed, so
// requests accepted before the write use the old SA and later ones the new.
//
// After reset every slot is emptied and its state zeroed (about 18 cycles
// per slot, sa_wr_ready_o low and no packet taken meanwhile), as the model
// starts with an empty table.
//
// The setup path has its own iterative cores (aes_core for the decryption
// key, sha1_core / md5_core for the two chaining values), so programming an
// SA never takes a slot in the data pipelines: about 180 cycles per write.
module esp_sa_setup #(
  parameter SA_SLOTS = 64  // SA slots
) (
  input  wire           clk_i,
  input  wire           rst_ni,
  // host
  input  wire           sa_wr_valid_i,
  output wire           sa_wr_ready_o,
  input  wire [31:0]    sa_wr_slot_i,
  input  wire [1087:0]  sa_wr_sa_i,
  input  wire           sa_wr_keep_state_i,
  input  wire           sa_wr_clear_i,
  input  wire           sa_wr_load_i,
  input  wire [2175:0]  sa_wr_state_i,
  output wire           sa_wr_err_o,
  // engine
  output wire           hold_o,        // take no new packet
  input  wire           idle_i,        // no request in flight
  // SA table write
  output wire           tw_o,
  output wire [SAW-1:0] tw_slot_o,
  output wire           tw_usable_o,
  output wire           tw_dir_o,
  output wire           tw_mode_o,
  output wire           tw_encap_o,
  output wire [1:0]     tw_cipher_o,
  output wire [1:0]     tw_auth_o,
  output wire [1:0]     tw_aeskl_o,
  output wire [31:0]    tw_spi_o,
  output wire [10:0]    tw_win_o,
  output wire [7:0]     tw_ttl_o,
  output wire [31:0]    tw_tun_src_o,
  output wire [31:0]    tw_tun_dst_o,
  output wire [15:0]    tw_sport_o,
  output wire [15:0]    tw_dport_o,
  output wire [31:0]    tw_soft_kb_o,
  output wire [31:0]    tw_hard_kb_o,
  output wire [255:0]   tw_key_o,
  output wire [159:0]   tw_istate_o,
  output wire [159:0]   tw_ostate_o,
  // state write (esp_state host port)
  output wire           st_wr_o,
  input  wire           st_wr_ack_i,
  output wire [SAW-1:0] st_wr_slot_o,
  output wire           st_wr_load_o,
  output wire [2175:0]  st_wr_state_o
);

  // The contract include defines every shared constant; each module uses a
  // few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam SAW = (SA_SLOTS > 1) ? $clog2(SA_SLOTS) : 1;
  localparam SAB = 8 * ESPFAB_SA_BYTES;  // 1088

  localparam [3:0] U_IDLE = 4'd0, U_DRAIN = 4'd1, U_AES = 4'd2, U_AESW = 4'd3, U_IPAD = 4'd4,
                   U_IPADW = 4'd5, U_OPAD = 4'd6, U_OPADW = 4'd7, U_TW = 4'd8, U_ST = 4'd9,
                   U_DONE = 4'd10;

  localparam [159:0] SHA1_IV = 160'h67452301_efcdab89_98badcfe_10325476_c3d2e1f0;
  localparam [127:0] MD5_IV = 128'h67452301_efcdab89_98badcfe_10325476;

  // ---- record fields (byte o of the record at [SAB-1-8o -: 8], little-endian) ----
  reg [SAB-1:0]  sa_q, sa_d;
  reg [2175:0]   stv_q, stv_d;
  reg [31:0]     slot_q, slot_d;
  reg            keep_q, keep_d, clear_q, clear_d, load_q, load_d;
  reg            err_q, err_d;
  reg            init_q, init_d;   // emptying every slot after reset
  reg [3:0]      u_q, u_d;
  reg [255:0]    deckey_q, deckey_d;
  reg [159:0]    inner_q, inner_d, outer_q, outer_d;

  function [7:0] rb;  // record byte
    input [SAB-1:0] r;
    input integer o;
    rb = r[SAB-1-8*o -: 8];
  endfunction

  wire [31:0] f_spi = {rb(sa_q, ESPFAB_SA_OFF_SPI+3), rb(sa_q, ESPFAB_SA_OFF_SPI+2),
                       rb(sa_q, ESPFAB_SA_OFF_SPI+1), rb(sa_q, ESPFAB_SA_OFF_SPI)};
  wire [7:0]  f_dir = rb(sa_q, ESPFAB_SA_OFF_DIR);
  wire [7:0]  f_mode = rb(sa_q, ESPFAB_SA_OFF_MODE);
  wire [7:0]  f_cipher = rb(sa_q, ESPFAB_SA_OFF_CIPHER);
  wire [7:0]  f_auth = rb(sa_q, ESPFAB_SA_OFF_AUTH);
  wire [7:0]  f_ekl = rb(sa_q, ESPFAB_SA_OFF_ENC_KEY_LEN);
  wire [7:0]  f_akl = rb(sa_q, ESPFAB_SA_OFF_AUTH_KEY_LEN);
  wire [7:0]  f_encap = rb(sa_q, ESPFAB_SA_OFF_ENCAP);
  wire [15:0] f_win = {rb(sa_q, ESPFAB_SA_OFF_REPLAY_WINDOW+1), rb(sa_q, ESPFAB_SA_OFF_REPLAY_WINDOW)};
  wire [7:0]  f_ttl = rb(sa_q, ESPFAB_SA_OFF_TTL);
  wire [31:0] f_tun_src = {rb(sa_q, ESPFAB_SA_OFF_TUN_SRC+3), rb(sa_q, ESPFAB_SA_OFF_TUN_SRC+2),
                           rb(sa_q, ESPFAB_SA_OFF_TUN_SRC+1), rb(sa_q, ESPFAB_SA_OFF_TUN_SRC)};
  wire [31:0] f_tun_dst = {rb(sa_q, ESPFAB_SA_OFF_TUN_DST+3), rb(sa_q, ESPFAB_SA_OFF_TUN_DST+2),
                           rb(sa_q, ESPFAB_SA_OFF_TUN_DST+1), rb(sa_q, ESPFAB_SA_OFF_TUN_DST)};
  wire [15:0] f_sport = {rb(sa_q, ESPFAB_SA_OFF_SPORT+1), rb(sa_q, ESPFAB_SA_OFF_SPORT)};
  wire [15:0] f_dport = {rb(sa_q, ESPFAB_SA_OFF_DPORT+1), rb(sa_q, ESPFAB_SA_OFF_DPORT)};
  wire [31:0] f_soft = {rb(sa_q, ESPFAB_SA_OFF_LIFE_SOFT_KB+3), rb(sa_q, ESPFAB_SA_OFF_LIFE_SOFT_KB+2),
                        rb(sa_q, ESPFAB_SA_OFF_LIFE_SOFT_KB+1), rb(sa_q, ESPFAB_SA_OFF_LIFE_SOFT_KB)};
  wire [31:0] f_hard = {rb(sa_q, ESPFAB_SA_OFF_LIFE_HARD_KB+3), rb(sa_q, ESPFAB_SA_OFF_LIFE_HARD_KB+2),
                        rb(sa_q, ESPFAB_SA_OFF_LIFE_HARD_KB+1), rb(sa_q, ESPFAB_SA_OFF_LIFE_HARD_KB)};
  wire [255:0] f_ekey = sa_q[SAB-1-8*ESPFAB_SA_OFF_ENC_KEY -: 256];
  wire [511:0] f_akey = sa_q[SAB-1-8*ESPFAB_SA_OFF_AUTH_KEY -: 512];

  // keys: bytes past the key length are zero
  reg [255:0] ekey;
  reg [511:0] ipad, opad;
  integer kb;
  always @* begin
    for (kb = 0; kb < 32; kb = kb + 1)
      ekey[255-8*kb -: 8] = (kb < f_ekl) ? f_ekey[255-8*kb -: 8] : 8'h00;
    for (kb = 0; kb < 64; kb = kb + 1) begin
      ipad[511-8*kb -: 8] = ((kb < f_akl) ? f_akey[511-8*kb -: 8] : 8'h00) ^ 8'h36;
      opad[511-8*kb -: 8] = ((kb < f_akl) ? f_akey[511-8*kb -: 8] : 8'h00) ^ 8'h5c;
    end
  end

  wire is_des = f_cipher == ESPFAB_CIPHER_DES[7:0];
  wire is_3des = f_cipher == ESPFAB_CIPHER_3DES[7:0];
  wire is_aes = f_cipher == ESPFAB_CIPHER_AES[7:0];
  wire is_md5 = f_auth == ESPFAB_AUTH_MD5[7:0];
  wire is_sha1 = f_auth == ESPFAB_AUTH_SHA1[7:0];
  // the model's esp_sa_setup: 0 or -1
  wire setup_ok = f_ekl <= ESPFAB_ENC_KEY_MAX[7:0] && f_akl <= ESPFAB_AUTH_KEY_MAX[7:0] &&
                  ((is_des && f_ekl == 8'd8) || (is_3des && f_ekl == 8'd24) ||
                   (is_aes && (f_ekl == 8'd16 || f_ekl == 8'd24 || f_ekl == 8'd32))) &&
                  (is_md5 || is_sha1) && f_akl != 8'd0;
  wire usable = f_dir <= ESPFAB_DIR_IN[7:0] && f_mode <= ESPFAB_MODE_TRANSPORT[7:0] && f_encap <= ESPFAB_ENCAP_UDP[7:0];
  wire inbound = f_dir == ESPFAB_DIR_IN[7:0];
  wire slot_ok = slot_q < SA_SLOTS;

  // ---- setup cores (iterative) ---------------------------------------------------
  reg          aes_v, hash_v;
  reg  [511:0] hash_blk;
  wire         aes_rdy, aes_ov, sha_rdy, sha_ov, md5_rdy, md5_ov;
  wire [255:0] aes_okey;
  wire [159:0] sha_out;
  wire [127:0] md5_out;
  /* verilator lint_off UNUSEDSIGNAL */
  wire [127:0] aes_oblk;  // only the key matters
  wire         aes_otag, sha_otag, md5_otag;
  /* verilator lint_on UNUSEDSIGNAL */

  aes_core #(.PIPELINED(0), .TAG_W(1)) u_aes (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(aes_v), .in_ready_o(aes_rdy),
    .in_decrypt_i(1'b0), .in_keylen_i(tw_aeskl_o), .in_key_i(ekey), .in_block_i(128'd0),
    .in_tag_i(1'b0), .out_valid_o(aes_ov), .out_block_o(aes_oblk), .out_key_o(aes_okey),
    .out_tag_o(aes_otag)
  );

  sha1_core #(.PIPELINED(0), .TAG_W(1)) u_sha1 (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(hash_v && is_sha1), .in_ready_o(sha_rdy),
    .in_state_i(SHA1_IV), .in_block_i(hash_blk), .in_tag_i(1'b0),
    .out_valid_o(sha_ov), .out_state_o(sha_out), .out_tag_o(sha_otag)
  );

  md5_core #(.PIPELINED(0), .TAG_W(1)) u_md5 (
    .clk_i(clk_i), .rst_ni(rst_ni), .in_valid_i(hash_v && is_md5), .in_ready_o(md5_rdy),
    .in_state_i(MD5_IV), .in_block_i(hash_blk), .in_tag_i(1'b0),
    .out_valid_o(md5_ov), .out_state_o(md5_out), .out_tag_o(md5_otag)
  );

  wire         hash_rdy = is_sha1 ? sha_rdy : md5_rdy;
  wire         hash_ov = is_sha1 ? sha_ov : md5_ov;
  wire [159:0] hash_out = is_sha1 ? sha_out : {md5_out, 32'd0};

  // ---- FSM -----------------------------------------------------------------
  always @* begin
    u_d = u_q;
    sa_d = sa_q;
    stv_d = stv_q;
    slot_d = slot_q;
    keep_d = keep_q;
    clear_d = clear_q;
    load_d = load_q;
    err_d = err_q;
    init_d = init_q;
    deckey_d = deckey_q;
    inner_d = inner_q;
    outer_d = outer_q;
    aes_v = 1'b0;
    hash_v = 1'b0;
    hash_blk = ipad;
    case (u_q)
      U_IDLE: begin
        if (sa_wr_valid_i) begin
          sa_d = sa_wr_sa_i;
          stv_d = sa_wr_state_i;
          slot_d = sa_wr_slot_i;
          keep_d = sa_wr_keep_state_i;
          clear_d = sa_wr_clear_i;
          load_d = sa_wr_load_i;
          err_d = 1'b0;
          u_d = U_DRAIN;
        end
      end
      U_DRAIN: begin
        if (idle_i) begin
          if (!slot_ok) begin
            err_d = 1'b1;
            u_d = U_DONE;
          end else if (load_q) begin
            u_d = U_ST;
          end else if (clear_q) begin
            u_d = U_TW;
          end else if (!setup_ok) begin
            err_d = 1'b1;
            u_d = U_DONE;
          end else if (is_aes && inbound) begin
            u_d = U_AES;
          end else begin
            deckey_d = ekey;
            u_d = U_IPAD;
          end
        end
      end
      U_AES: begin
        aes_v = 1'b1;
        if (aes_rdy) u_d = U_AESW;
      end
      U_AESW: begin
        if (aes_ov) begin
          deckey_d = aes_okey;
          u_d = U_IPAD;
        end
      end
      U_IPAD: begin
        hash_v = 1'b1;
        hash_blk = ipad;
        if (hash_rdy) u_d = U_IPADW;
      end
      U_IPADW: begin
        if (hash_ov) begin
          inner_d = hash_out;
          u_d = U_OPAD;
        end
      end
      U_OPAD: begin
        hash_v = 1'b1;
        hash_blk = opad;
        if (hash_rdy) u_d = U_OPADW;
      end
      U_OPADW: begin
        if (hash_ov) begin
          outer_d = hash_out;
          u_d = U_TW;
        end
      end
      U_TW: begin
        u_d = (keep_q && !clear_q) ? U_DONE : U_ST;
      end
      U_ST: begin
        if (st_wr_ack_i) begin
          u_d = U_DONE;
          if (init_q) begin
            // next slot of the reset sweep
            if (slot_q == SA_SLOTS - 1) begin
              init_d = 1'b0;
            end else begin
              slot_d = slot_q + 32'd1;
              u_d = U_TW;
            end
          end
        end
      end
      U_DONE: begin
        // key material does not stay in the setup registers
        sa_d = {SAB{1'b0}};
        deckey_d = 256'd0;
        inner_d = 160'd0;
        outer_d = 160'd0;
        u_d = U_IDLE;
      end
      default: u_d = U_IDLE;
    endcase
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      u_q <= U_TW;            // the reset sweep: clear slot 0 first
      init_q <= 1'b1;
      slot_q <= 32'd0;
      keep_q <= 1'b0;
      clear_q <= 1'b1;
      load_q <= 1'b0;
      err_q <= 1'b0;
      sa_q <= {SAB{1'b0}};
      deckey_q <= 256'd0;
      inner_q <= 160'd0;
      outer_q <= 160'd0;
    end else begin
      u_q <= u_d;
      init_q <= init_d;
      slot_q <= slot_d;
      keep_q <= keep_d;
      clear_q <= clear_d;
      load_q <= load_d;
      err_q <= err_d;
      sa_q <= sa_d;
      deckey_q <= deckey_d;
      inner_q <= inner_d;
      outer_q <= outer_d;
    end
    stv_q <= stv_d;
  end

  assign sa_wr_ready_o = u_q == U_IDLE;
  assign sa_wr_err_o = err_q;
  assign hold_o = u_q != U_IDLE;

  // table write: the SA (clear: an empty slot)
  assign tw_o = u_q == U_TW;
  assign tw_slot_o = slot_q[SAW-1:0];
  assign tw_usable_o = !clear_q && usable;
  assign tw_dir_o = !clear_q && inbound;
  assign tw_mode_o = !clear_q && f_mode == ESPFAB_MODE_TRANSPORT[7:0];
  assign tw_encap_o = !clear_q && f_encap == ESPFAB_ENCAP_UDP[7:0];
  assign tw_cipher_o = clear_q ? 2'd0 : f_cipher[1:0];
  assign tw_auth_o = clear_q ? 2'd0 : f_auth[1:0];
  assign tw_aeskl_o = (f_ekl == 8'd32) ? 2'd2 : (f_ekl == 8'd24) ? 2'd1 : 2'd0;
  assign tw_spi_o = clear_q ? 32'd0 : f_spi;
  assign tw_win_o = clear_q ? 11'd0 : (f_win > ESPFAB_REPLAY_MAX[15:0]) ? ESPFAB_REPLAY_MAX[10:0] : f_win[10:0];
  assign tw_ttl_o = clear_q ? 8'd0 : f_ttl;
  assign tw_tun_src_o = clear_q ? 32'd0 : f_tun_src;
  assign tw_tun_dst_o = clear_q ? 32'd0 : f_tun_dst;
  assign tw_sport_o = clear_q ? 16'd0 : f_sport;
  assign tw_dport_o = clear_q ? 16'd0 : f_dport;
  assign tw_soft_kb_o = clear_q ? 32'd0 : f_soft;
  assign tw_hard_kb_o = clear_q ? 32'd0 : f_hard;
  assign tw_key_o = clear_q ? 256'd0 : deckey_q;
  assign tw_istate_o = clear_q ? 160'd0 : inner_q;
  assign tw_ostate_o = clear_q ? 160'd0 : outer_q;

  // state: load (test hook) or zero; an update that keeps state skips this
  assign st_wr_o = u_q == U_ST;
  assign st_wr_slot_o = slot_q[SAW-1:0];
  assign st_wr_load_o = load_q;
  assign st_wr_state_o = stv_q;

endmodule
`default_nettype wire
