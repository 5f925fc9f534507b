`default_nettype none
// esp_parse — decides, in request order, what the engine does with each
// request, from the first 96 bytes of the packet, the descriptor and the
// slot's SA (docs/esp-semantics.md, hls/esp/esp.c).
//
// Outbound SA: the request is decided here completely.  Its packet checks
// (BAD_REQUEST, TOO_BIG for in_len, IPv4 LENGTH/PROTO, TOO_BIG for the
// output) go to esp_state (client A), which adds LIFETIME and SEQ_OVERFLOW
// in the documented order, assigns the sequence number and counts bytes and
// status, so later outbound packets of the SA see it at once.
// Inbound SA: the packet checks up to the sequence number (LENGTH, PROTO,
// NO_SA for a foreign SPI, WINDOW for sequence 0) are recorded; LIFETIME,
// replay, AUTH and the rest wait for commit, in order, behind the crypto.
// Empty or out-of-range slot: NO_SA, no state.
//
// For a request that goes to the crypto units, parse emits the job (one
// cycle, job_o): layout of the input buffer, block count, padding, HMAC
// message length and prefix (SPI | sequence | IV), keys and chaining values;
// and writes the output header into the context's header buffer (words
// 2..7 of the 128-byte area in front of the cipher boundary, which egress
// streams before the ciphertext/plaintext): outbound the outer IPv4 header
// (tunnel: built from the SA; transport: the packet's own with length,
// protocol and checksum fixed), the UDP header and SPI | sequence | IV,
// right-aligned to byte 128; inbound transport the packet's IPv4 header
// (length, protocol and checksum are patched by egress).
//
// Takes about 6 cycles plus 4 for the state op and up to 6 header writes.
module esp_parse #(
  parameter N_CTX = 8,     // contexts (power of two)
  parameter SA_SLOTS = 64  // SA slots
) (
  input  wire           clk_i,
  input  wire           rst_ni,
  // header capture (esp_ingress)
  input  wire           hdr_valid_i,
  output wire           hdr_take_o,
  input  wire [767:0]   hdr_i,
  input  wire [263:0]   desc_i,
  input  wire [CW-1:0]  ctx_i,
  // SA table (registered read)
  output wire [SAW-1:0] sa_slot_o,
  input  wire           sa_usable_i,
  input  wire           sa_dir_i,
  input  wire           sa_mode_i,
  input  wire           sa_encap_i,
  input  wire [1:0]     sa_cipher_i,
  input  wire [1:0]     sa_auth_i,
  input  wire [1:0]     sa_aeskl_i,
  input  wire [31:0]    sa_spi_i,
  input  wire [10:0]    sa_win_i,
  input  wire [7:0]     sa_ttl_i,
  input  wire [31:0]    sa_tun_src_i,
  input  wire [31:0]    sa_tun_dst_i,
  input  wire [15:0]    sa_sport_i,
  input  wire [15:0]    sa_dport_i,
  input  wire [31:0]    sa_soft_kb_i,
  input  wire [31:0]    sa_hard_kb_i,
  input  wire [255:0]   sa_key_i,
  input  wire [159:0]   sa_istate_i,
  input  wire [159:0]   sa_ostate_i,
  // esp_state client A
  output wire           st_req_o,
  input  wire           st_ack_i,
  output wire [SAW-1:0] st_slot_o,
  output wire [3:0]     st_early_o,
  output wire [3:0]     st_late_o,
  output wire [15:0]    st_len_o,
  output wire           st_toobig_o,
  output wire [31:0]    st_soft_kb_o,
  output wire [31:0]    st_hard_kb_o,
  input  wire [3:0]     st_status_i,
  input  wire [31:0]    st_seq_i,
  input  wire [1:0]     st_flags_i,
  // job (one cycle)
  output wire           job_o,
  output wire [CW-1:0]  job_ctx_o,
  output wire           job_crypto_o,   // lanes and hash have work
  output wire           job_dec_o,
  output wire [1:0]     job_cipher_o,
  output wire [1:0]     job_aeskl_o,
  output wire [255:0]   job_key_o,
  output wire [1:0]     job_auth_o,
  output wire [159:0]   job_istate_o,
  output wire [159:0]   job_ostate_o,
  output wire [127:0]   job_iv_o,       // outbound: the CBC IV
  output wire [6:0]     job_w0_o,       // input buffer word of the first cipher block
  output wire [8:0]     job_nblk_o,     // cipher blocks
  output wire [11:0]    job_plen_o,     // outbound: payload bytes before the padding
  output wire [7:0]     job_pad_o,      // outbound: pad length
  output wire [7:0]     job_nh_o,       // outbound: next header
  output wire [11:0]    job_msglen_o,   // HMAC message bytes (SPI .. end of ciphertext)
  output wire [191:0]   job_prefix_o,   // SPI | sequence | IV (16 bytes)
  // job: completion and commit
  output wire           job_final_o,    // status decided here
  output wire [3:0]     job_status_o,
  output wire [31:0]    job_spi_o,
  output wire [31:0]    job_seq_o,
  output wire [1:0]     job_flags_o,
  output wire [15:0]    job_out_len_o,
  output wire [3:0]     job_early_o,
  output wire [3:0]     job_late_o,
  output wire [10:0]    job_win_o,
  output wire [5:0]     job_h_o,        // IHL*4 of the outer header
  output wire           job_transport_o,
  output wire [11:0]    job_clen_o,     // ciphertext bytes
  output wire [15:0]    job_out_cap_o,
  output wire [20:0]    job_psum_o,     // header word sum without length, TTL/protocol, checksum
  output wire [7:0]     job_ttl_o,
  output wire [31:0]    job_soft_kb_o,
  output wire [31:0]    job_hard_kb_o,
  output wire [SAW-1:0] job_slot_o,
  output wire [63:0]    job_cookie_o,
  output wire [31:0]    job_slot32_o,
  output wire [7:0]     job_start_o,    // egress: first output byte in the 128-byte header area
  // header buffer writes (8 words per context)
  output reg            hw_o,
  output wire [CW-1:0]  hw_ctx_o,
  output wire [2:0]     hw_word_o,
  output wire [127:0]   hw_wd_o,
  // parse of ctx_i is complete
  output wire           done_o
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

  localparam [3:0] S_OK = ESPFAB_STATUS_OK[3:0];
  localparam [3:0] S_WINDOW = ESPFAB_STATUS_WINDOW[3:0];
  localparam [3:0] S_LENGTH = ESPFAB_STATUS_LENGTH[3:0];
  localparam [3:0] S_NO_SA = ESPFAB_STATUS_NO_SA[3:0];
  localparam [3:0] S_TOO_BIG = ESPFAB_STATUS_TOO_BIG[3:0];
  localparam [3:0] S_PROTO = ESPFAB_STATUS_PROTO[3:0];
  localparam [3:0] S_BAD_REQUEST = ESPFAB_STATUS_BAD_REQUEST[3:0];
  localparam [16:0] MAXF = ESPFAB_MAX_FRAME[16:0];
  localparam [16:0] ICV = ESPFAB_ICV_LEN[16:0];

  localparam [2:0] P_IDLE = 3'd0, P_SA = 3'd1, P_ST = 3'd2, P_JOB = 3'd3, P_HDR = 3'd4, P_DONE = 3'd5;

  function [7:0] hb;  // captured header byte
    input [767:0] h;
    input [6:0]   ix_;
    hb = h[767 - 8*ix_ -: 8];
  endfunction

  function [15:0] fold2;  // the model's ones' complement checksum of a sum
    input [31:0] s;
    reg   [31:0] t;
    begin
      t = {16'd0, s[15:0]} + {16'd0, s[31:16]};
      t = {16'd0, t[15:0]} + {16'd0, t[31:16]};
      fold2 = ~t[15:0];
    end
  endfunction

  reg [2:0]  p_q, p_d;
  reg [3:0]  status_q, status_d;
  reg [31:0] seq_q, seq_d;
  reg [1:0]  flags_q, flags_d;
  reg [2:0]  w_q, w_d;        // header word being written

  // ---- descriptor ----------------------------------------------------------
  wire [63:0]  cookie = desc_i[263:200];
  wire [31:0]  slot = desc_i[199:168];
  wire [15:0]  in_len = desc_i[167:152];
  wire [15:0]  out_cap = desc_i[151:136];
  wire [7:0]   op = desc_i[135:128];
  wire [127:0] iv = desc_i[127:0];

  // ---- checks and layout (inputs stable from P_SA to P_DONE) ----------------
  wire        slot_in = slot < SA_SLOTS;
  wire        usable = slot_in && sa_usable_i;
  wire        outb_sa = sa_dir_i == ESPFAB_DIR_OUT[0];
  wire        op_enc = op == ESPFAB_OP_ENCAP[7:0];
  wire        op_bad = op > ESPFAB_OP_DECAP[7:0] || (op_enc != outb_sa);
  wire [3:0]  early = op_bad ? S_BAD_REQUEST : ({1'b0, in_len} > MAXF) ? S_TOO_BIG : 4'd0;
  wire        transport = sa_mode_i;
  wire        udp = sa_encap_i;
  wire        aes = sa_cipher_i == ESPFAB_CIPHER_AES[1:0];
  wire [4:0]  blk = aes ? 5'd16 : 5'd8;

  wire [7:0]  b0 = hb(hdr_i, 7'd0);
  wire [5:0]  H = {b0[3:0], 2'b00};
  wire [15:0] T = {hb(hdr_i, 7'd2), hb(hdr_i, 7'd3)};
  wire [3:0]  ip_st = (in_len < 16'd20) ? S_LENGTH :
                      (b0[7:4] != 4'd4) ? S_PROTO :
                      (H < 6'd20 || T < {10'd0, H} || T > in_len) ? S_LENGTH : 4'd0;

  // outbound
  wire [5:0]  poff = transport ? H : 6'd0;
  wire [16:0] plen = {1'b0, T} - {11'd0, poff};
  wire [7:0]  nh_e = transport ? hb(hdr_i, 7'd9) : 8'd4;
  wire [16:0] plen2 = plen + 17'd2;
  wire [3:0]  pad = aes ? (4'd0 - plen2[3:0]) : {1'b0, 3'd0 - plen2[2:0]};
  wire [16:0] clen_e = plen2 + {13'd0, pad};
  wire [16:0] esp_len = 17'd8 + {12'd0, blk} + clen_e + ICV;
  wire [5:0]  hdr_len = transport ? H : 6'd20;
  wire [4:0]  udp_len = udp ? 5'd8 : 5'd0;
  wire [16:0] total = {11'd0, hdr_len} + {12'd0, udp_len} + esp_len;
  wire        toobig_out = total > {1'b0, out_cap} || total > MAXF;

  // inbound
  wire        pbad = hb(hdr_i, 7'd9) != (udp ? 8'd17 : 8'd50);
  wire [6:0]  E = {1'b0, H} + {2'b0, udp_len};
  wire [15:0] tH = T - {10'd0, H};
  wire [15:0] ulen = {hb(hdr_i, {1'b0, H} + 7'd4), hb(hdr_i, {1'b0, H} + 7'd5)};
  wire [31:0] marker = {hb(hdr_i, {1'b0, H} + 7'd8), hb(hdr_i, {1'b0, H} + 7'd9),
                        hb(hdr_i, {1'b0, H} + 7'd10), hb(hdr_i, {1'b0, H} + 7'd11)};
  wire        udp_short = udp && tH < 16'd8;
  wire        udp_lbad = udp && ulen != tH;
  wire        udp_ike = udp && tH >= 16'd12 && marker == 32'd0;
  wire [15:0] L = T - {9'd0, E};
  wire [15:0] lmin = 16'd8 + {10'd0, blk, 1'b0} + 16'd12;
  wire [11:0] lct = L[11:0] - 12'd8 - {7'd0, blk} - 12'd12;  // meaningful when L >= lmin
  wire        esp_bad = L < lmin || (aes ? lct[3:0] != 4'd0 : lct[2:0] != 3'd0);
  wire [31:0] spi_p = {hb(hdr_i, E), hb(hdr_i, E + 7'd1), hb(hdr_i, E + 7'd2), hb(hdr_i, E + 7'd3)};
  wire [31:0] seq_p = {hb(hdr_i, E + 7'd4), hb(hdr_i, E + 7'd5), hb(hdr_i, E + 7'd6), hb(hdr_i, E + 7'd7)};
  reg  [127:0] iv_p;
  integer pk;
  always @* begin
    for (pk = 0; pk < 16; pk = pk + 1)
      iv_p[127-8*pk -: 8] = hb(hdr_i, E + 7'd8 + pk[6:0]);
  end
  wire        rep_d = ip_st == 4'd0 && !pbad && !udp_short && !udp_lbad && !udp_ike && !esp_bad;
  wire [3:0]  late_d = (ip_st != 4'd0) ? ip_st : pbad ? S_PROTO : udp_short ? S_LENGTH :
                       udp_lbad ? S_LENGTH : udp_ike ? S_PROTO : esp_bad ? S_LENGTH :
                       (spi_p != sa_spi_i) ? S_NO_SA : (seq_p == 32'd0) ? S_WINDOW : 4'd0;
  wire [11:0] clen_d = lct[11:0];

  // input buffer word of the first cipher block: ingress rotated the packet
  // by (-cstart) mod 16 bytes, which puts it at word ceil(cstart / 16)
  wire [6:0]  cstart = outb_sa ? {1'b0, poff} : (E + 7'd8 + {2'd0, blk});
  wire [6:0]  w0 = {3'd0, cstart[6:4]} + {6'd0, cstart[3:0] != 4'd0};

  // header word sum without words 1 (total length), 4 (TTL, protocol), 5 (checksum)
  reg [20:0] psum;
  reg [6:0]  ix;
  integer pn;
  always @* begin
    psum = 21'd0;
    for (pn = 0; pn < 30; pn = pn + 1) begin
      ix = {pn[5:0], 1'b0};
      if (ix < {1'b0, H} && pn != 1 && pn != 4 && pn != 5)
        psum = psum + {5'd0, hb(hdr_i, ix), hb(hdr_i, ix + 7'd1)};
    end
  end

  // ---- the decision ---------------------------------------------------------
  wire        st_op = usable && outb_sa;            // outbound: state op now
  wire        inb_commit = usable && !outb_sa;      // inbound: state op at commit
  wire        final_ = !inb_commit;
  wire [3:0]  status = !usable ? S_NO_SA : status_q;
  wire        crypto = usable && (outb_sa ? status_q == S_OK : (early == 4'd0 && late_d == 4'd0));
  wire [31:0] spi_out = !usable ? 32'd0 :
                        outb_sa ? ((status_q == S_BAD_REQUEST) ? 32'd0 : sa_spi_i) :
                        (early == 4'd0 && rep_d) ? spi_p : 32'd0;
  wire [31:0] seq_out = !usable ? 32'd0 : outb_sa ? seq_q : (early == 4'd0 && rep_d) ? seq_p : 32'd0;

  // ---- output header -------------------------------------------------------
  wire [7:0]  ttl_o = (sa_ttl_i != 8'd0) ? sa_ttl_i : 8'd64;
  wire [7:0]  proto_o = udp ? 8'd17 : 8'd50;
  wire [15:0] tot16 = total[15:0];
  wire [31:0] tsum = {16'd0, 8'h45, hb(hdr_i, 7'd1)} + {16'd0, tot16} + {16'd0, seq_q[15:0]} +
                     {16'd0, hb(hdr_i, 7'd6) & 8'h40, 8'h00} + {16'd0, ttl_o, proto_o} +
                     {16'd0, sa_tun_src_i[31:16]} + {16'd0, sa_tun_src_i[15:0]} +
                     {16'd0, sa_tun_dst_i[31:16]} + {16'd0, sa_tun_dst_i[15:0]};
  wire [15:0] tcsum = fold2(tsum);
  wire [15:0] xcsum = fold2({11'd0, psum} + {16'd0, tot16} + {16'd0, hb(hdr_i, 7'd8), proto_o});

  reg [511:0] a_nat;      // the IPv4 header, natural order
  reg [255:0] trl;        // UDP | SPI | sequence | IV, right-aligned to byte 128
  reg [7:0]   e_a;        // first trailer byte in the 128-byte area
  reg [7:0]   start;      // first header byte in the area
  always @* begin
    a_nat = hdr_i[767 -: 512];
    if (outb_sa) begin
      if (transport) begin
        a_nat[511-8*2 -: 16] = tot16;
        a_nat[511-8*9 -: 8] = proto_o;
        a_nat[511-8*10 -: 16] = xcsum;
      end else begin
        a_nat = {8'h45, hb(hdr_i, 7'd1), tot16, seq_q[15:0], hb(hdr_i, 7'd6) & 8'h40, 8'h00,
                 ttl_o, proto_o, tcsum, sa_tun_src_i, sa_tun_dst_i, 352'd0};
      end
    end
    case ({udp, aes})
      2'b00: trl = {128'd0, sa_spi_i, seq_q, iv[127:64]};
      2'b01: trl = {64'd0, sa_spi_i, seq_q, iv};
      2'b10: trl = {64'd0, sa_sport_i, sa_dport_i, esp_len[15:0] + 16'd8, 16'd0, sa_spi_i, seq_q, iv[127:64]};
      default: trl = {sa_sport_i, sa_dport_i, esp_len[15:0] + 16'd8, 16'd0, sa_spi_i, seq_q, iv};
    endcase
    if (outb_sa) begin
      e_a = 8'd128 - 8'd8 - {3'd0, blk} - {3'd0, udp_len};
      start = e_a - {2'd0, hdr_len};
    end else begin
      e_a = 8'd128;
      start = transport ? 8'd128 - {2'd0, H} : 8'd128;
    end
  end

  // word w_q of the area
  wire [895:0] a_ext = {128'd0, a_nat, 256'd0};
  wire [7:0]   ax = {1'b0, w_q, 4'd0} - start + 8'd16;
  wire [127:0] a_word = a_ext[895 - 8*ax -: 128];
  wire [127:0] t_word = w_q[0] ? trl[127:0] : trl[255:128];
  reg  [127:0] h_word;
  integer pj;
  always @* begin
    for (pj = 0; pj < 16; pj = pj + 1)
      h_word[127-8*pj -: 8] = ({1'b0, w_q, 4'd0} + pj[7:0] >= e_a) ? t_word[127-8*pj -: 8] : a_word[127-8*pj -: 8];
  end
  wire       hdr_any = crypto && start < 8'd128;

  // ---- FSM ------------------------------------------------------------------
  always @* begin
    p_d = p_q;
    status_d = status_q;
    seq_d = seq_q;
    flags_d = flags_q;
    w_d = w_q;
    hw_o = 1'b0;
    case (p_q)
      P_IDLE: if (hdr_valid_i) p_d = P_SA;
      P_SA: begin
        // the SA is on sa_*_i from now on
        status_d = S_OK;
        seq_d = 32'd0;
        flags_d = 2'd0;
        p_d = st_op ? P_ST : P_JOB;
      end
      P_ST: begin
        if (st_ack_i) begin
          status_d = st_status_i;
          seq_d = st_seq_i;
          flags_d = st_flags_i;
          p_d = P_JOB;
        end
      end
      P_JOB: begin
        w_d = start[6:4];
        p_d = hdr_any ? P_HDR : P_DONE;
      end
      P_HDR: begin
        hw_o = 1'b1;
        w_d = w_q + 3'd1;
        if (w_q == 3'd7) p_d = P_DONE;
      end
      P_DONE: p_d = P_IDLE;
      default: p_d = P_IDLE;
    endcase
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      p_q <= P_IDLE;
    end else begin
      p_q <= p_d;
    end
    status_q <= status_d;
    seq_q <= seq_d;
    flags_q <= flags_d;
    w_q <= w_d;
  end

  assign sa_slot_o = slot[SAW-1:0];
  assign hdr_take_o = p_q == P_DONE;
  assign done_o = p_q == P_DONE;

  assign st_req_o = p_q == P_ST;
  assign st_slot_o = slot[SAW-1:0];
  assign st_early_o = early;
  assign st_late_o = ip_st;
  assign st_len_o = T;
  assign st_toobig_o = toobig_out;
  assign st_soft_kb_o = sa_soft_kb_i;
  assign st_hard_kb_o = sa_hard_kb_i;

  assign job_o = p_q == P_JOB;
  assign job_ctx_o = ctx_i;
  assign job_crypto_o = crypto;
  assign job_dec_o = !outb_sa;
  assign job_cipher_o = sa_cipher_i;
  assign job_aeskl_o = sa_aeskl_i;
  assign job_key_o = sa_key_i;
  assign job_auth_o = sa_auth_i;
  assign job_istate_o = sa_istate_i;
  assign job_ostate_o = sa_ostate_i;
  assign job_iv_o = iv;
  assign job_w0_o = w0;
  assign job_nblk_o = outb_sa ? (aes ? clen_e[12:4] : clen_e[11:3]) : (aes ? {1'b0, clen_d[11:4]} : clen_d[11:3]);
  assign job_plen_o = plen[11:0];
  assign job_pad_o = {4'd0, pad};
  assign job_nh_o = nh_e;
  assign job_msglen_o = outb_sa ? (12'd8 + {7'd0, blk} + clen_e[11:0]) : (L[11:0] - 12'd12);
  assign job_prefix_o = outb_sa ? {sa_spi_i, seq_q, iv} : {spi_p, seq_p, iv_p};

  assign job_final_o = final_;
  assign job_status_o = status;
  assign job_spi_o = spi_out;
  assign job_seq_o = seq_out;
  assign job_flags_o = flags_q;
  assign job_out_len_o = (usable && outb_sa && status_q == S_OK) ? total[15:0] : 16'd0;
  assign job_early_o = early;
  assign job_late_o = late_d;
  assign job_win_o = sa_win_i;
  assign job_h_o = H;
  assign job_transport_o = transport;
  assign job_clen_o = outb_sa ? clen_e[11:0] : clen_d;
  assign job_out_cap_o = out_cap;
  assign job_psum_o = psum;
  assign job_ttl_o = hb(hdr_i, 7'd8);
  assign job_soft_kb_o = sa_soft_kb_i;
  assign job_hard_kb_o = sa_hard_kb_i;
  assign job_slot_o = slot[SAW-1:0];
  assign job_cookie_o = cookie;
  assign job_slot32_o = slot;
  assign job_start_o = start;

  assign hw_ctx_o = ctx_i;
  assign hw_word_o = w_q;
  assign hw_wd_o = h_word;

endmodule
`default_nettype wire
