`default_nettype none
// esp_commit — finishes requests in request order once their crypto is
// done, and hands each completion to egress.
//
// Outbound SA or empty slot: the status was final at parse.
// Inbound SA: the state-dependent checks run now, through esp_state
// (client B), with the SA's state as every earlier request left it:
// LIFETIME, the parse status, WINDOW / REPLAY, AUTH (the computed ICV
// against the packet's, compared in one step), window update, then what the
// lane found in the plaintext: PAD (pad length and bytes 1..p), PROTO
// (tunnel: next header 4 and an inner IPv4 header whose total length fits
// the payload), TOO_BIG (output longer than out_cap).  The output length is
// the inner total length (tunnel) or the outer header plus payload
// (transport, whose header length, protocol and checksum egress patches).
// The SPI and sequence are reported as parse read them unless the request
// stopped before the packet was looked at (early status, LIFETIME).
module esp_commit #(
  parameter N_CTX = 8,     // contexts (power of two)
  parameter SA_SLOTS = 64  // SA slots
) (
  input  wire           clk_i,
  input  wire           rst_ni,
  // job (esp_parse)
  input  wire           job_i,
  input  wire [CW-1:0]  job_ctx_i,
  input  wire           job_dec_i,
  input  wire           job_final_i,
  input  wire [3:0]     job_status_i,
  input  wire [31:0]    job_spi_i,
  input  wire [31:0]    job_seq_i,
  input  wire [1:0]     job_flags_i,
  input  wire [15:0]    job_out_len_i,
  input  wire [3:0]     job_early_i,
  input  wire [3:0]     job_late_i,
  input  wire [10:0]    job_win_i,
  input  wire [5:0]     job_h_i,
  input  wire           job_transport_i,
  input  wire [11:0]    job_clen_i,
  input  wire [15:0]    job_out_cap_i,
  input  wire [20:0]    job_psum_i,
  input  wire [7:0]     job_ttl_i,
  input  wire [31:0]    job_soft_kb_i,
  input  wire [31:0]    job_hard_kb_i,
  input  wire [SAW-1:0] job_slot_i,
  input  wire [63:0]    job_cookie_i,
  input  wire [31:0]    job_slot32_i,
  input  wire [7:0]     job_start_i,
  // the packet's ICV (esp_ingress)
  input  wire           picv_we_i,
  input  wire [CW-1:0]  picv_ctx_i,
  input  wire [95:0]    picv_i,
  // the context to commit next and whether its crypto is done
  input  wire [CW-1:0]  ctx_i,
  input  wire           ready_i,
  input  wire [40:0]    di_i,         // lane: {pad ok, pad length, next header, byte 0, bytes 2..3}
  input  wire [95:0]    icv_i,        // hash: computed ICV
  output wire           done_o,       // ctx_i committed
  // esp_state client B
  output wire           st_req_o,
  input  wire           st_ack_i,
  output wire [SAW-1:0] st_slot_o,
  output wire [3:0]     st_early_o,
  output wire [3:0]     st_late_o,
  output wire [15:0]    st_len_o,
  output wire [31:0]    st_seq_o,
  output wire [10:0]    st_win_o,
  output wire           st_auth_fail_o,
  output wire [3:0]     st_post_o,
  output wire [31:0]    st_soft_kb_o,
  output wire [31:0]    st_hard_kb_o,
  input  wire [3:0]     st_status_i,
  input  wire [1:0]     st_flags_i,
  // completion to egress
  output wire           e_valid_o,
  input  wire           e_ready_i,
  output wire [CW-1:0]  e_ctx_o,
  output wire [191:0]   e_rec_o,
  output wire [15:0]    e_len_o,      // output bytes
  output wire [7:0]     e_start_o,    // first output byte in the header area
  output wire           e_icv_en_o,   // append the ICV (outbound)
  output wire [11:0]    e_icv_pos_o,  // its position from the start of the header area
  output wire [95:0]    e_icv_o,
  output wire           e_ovr_o,      // patch length, protocol, checksum (inbound transport)
  output wire [15:0]    e_ovr_len_o,
  output wire [7:0]     e_ovr_nh_o,
  output wire [15:0]    e_ovr_csum_o
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
  localparam [3:0] S_PAD = ESPFAB_STATUS_PAD[3:0];
  localparam [3:0] S_PROTO = ESPFAB_STATUS_PROTO[3:0];
  localparam [3:0] S_TOO_BIG = ESPFAB_STATUS_TOO_BIG[3:0];
  localparam [3:0] S_LIFETIME = ESPFAB_STATUS_LIFETIME[3:0];
  localparam JW = 1 + 1 + 4 + 32 + 32 + 2 + 16 + 4 + 4 + 11 + 6 + 1 + 12 + 16 + 21 + 8 + 32 + 32 + SAW + 64 + 32 + 8;

  function [15:0] fold2;  // the model's ones' complement checksum of a sum
    input [31:0] s;
    reg   [31:0] t;
    begin
      t = {16'd0, s[15:0]} + {16'd0, s[31:16]};
      t = {16'd0, t[15:0]} + {16'd0, t[31:16]};
      fold2 = ~t[15:0];
    end
  endfunction

  // ---- per-context records (distributed RAM) -----------------------------------
  wire [JW-1:0] jr;
  esp_ram #(.DW(JW), .AW(CW), .WE_W(1), .ASYNC_RD(1)) u_job (
    .clk_i(clk_i), .we_i(job_i), .wbe_i(1'b1), .wa_i(job_ctx_i),
    .wd_i({job_dec_i, job_final_i, job_status_i, job_spi_i, job_seq_i, job_flags_i, job_out_len_i,
           job_early_i, job_late_i, job_win_i, job_h_i, job_transport_i, job_clen_i, job_out_cap_i,
           job_psum_i, job_ttl_i, job_soft_kb_i, job_hard_kb_i, job_slot_i, job_cookie_i, job_slot32_i,
           job_start_i}),
    .ra_i(ctx_i), .rd_o(jr)
  );
  wire          j_dec, j_final, j_transport;
  wire [3:0]    j_status, j_early, j_late;
  wire [31:0]   j_spi, j_seq, j_soft, j_hard, j_slot32;
  wire [1:0]    j_flags;
  wire [15:0]   j_out_len, j_out_cap;
  wire [10:0]   j_win;
  wire [5:0]    j_h;
  wire [11:0]   j_clen;
  wire [20:0]   j_psum;
  wire [7:0]    j_ttl, j_start;
  wire [SAW-1:0] j_slot;
  wire [63:0]   j_cookie;
  assign {j_dec, j_final, j_status, j_spi, j_seq, j_flags, j_out_len, j_early, j_late, j_win, j_h,
          j_transport, j_clen, j_out_cap, j_psum, j_ttl, j_soft, j_hard, j_slot, j_cookie, j_slot32,
          j_start} = jr;

  wire [95:0] picv;
  esp_ram #(.DW(96), .AW(CW), .WE_W(1), .ASYNC_RD(1)) u_picv (
    .clk_i(clk_i), .we_i(picv_we_i), .wbe_i(1'b1), .wa_i(picv_ctx_i), .wd_i(picv_i),
    .ra_i(ctx_i), .rd_o(picv)
  );

  // ---- inbound: what the plaintext says ------------------------------------------
  wire        pad_ok = di_i[40];
  wire [7:0]  pad = di_i[39:32];
  wire [7:0]  nh = di_i[31:24];
  wire [7:0]  ib0 = di_i[23:16];
  wire [15:0] itl = di_i[15:0];
  wire [11:0] plen = j_clen - {4'd0, pad} - 12'd2;
  wire [5:0]  ih = {ib0[3:0], 2'b00};
  wire        proto_bad = nh != 8'd4 || plen < 12'd20 || ib0[7:4] != 4'd4 || ih < 6'd20 ||
                          itl < {10'd0, ih} || itl > {4'd0, plen};
  wire [15:0] olen = j_transport ? ({10'd0, j_h} + {4'd0, plen}) : itl;
  wire [3:0]  post = !pad_ok ? S_PAD : (!j_transport && proto_bad) ? S_PROTO :
                     (olen > j_out_cap) ? S_TOO_BIG : S_OK;
  wire        auth_fail = icv_i != picv;
  wire [15:0] ocsum = fold2({11'd0, j_psum} + {16'd0, olen} + {16'd0, j_ttl, nh});

  // ---- FSM ------------------------------------------------------------------------
  reg wait_q, wait_d;
  reg push;
  reg [3:0]  status;
  reg [1:0]  flags;
  always @* begin
    wait_d = wait_q;
    push = 1'b0;
    status = j_status;
    flags = j_flags;
    if (!wait_q) begin
      if (ready_i && e_ready_i) begin
        if (j_final)
          push = 1'b1;
        else
          wait_d = 1'b1;
      end
    end else if (st_ack_i) begin
      status = st_status_i;
      flags = st_flags_i;
      push = 1'b1;
      wait_d = 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni)
      wait_q <= 1'b0;
    else
      wait_q <= wait_d;
  end

  wire        ok = status == S_OK;
  wire        stopped = j_early != 4'd0 || status == S_LIFETIME;
  wire [31:0] spi = (!j_final && stopped) ? 32'd0 : j_spi;
  wire [31:0] seq = (!j_final && stopped) ? 32'd0 : j_seq;
  wire [15:0] len = j_final ? j_out_len : (ok ? olen : 16'd0);

  assign done_o = push;
  assign st_req_o = wait_q;
  assign st_slot_o = j_slot;
  assign st_early_o = j_early;
  assign st_late_o = j_late;
  assign st_len_o = olen;
  assign st_seq_o = j_seq;
  assign st_win_o = j_win;
  assign st_auth_fail_o = auth_fail;
  assign st_post_o = post;
  assign st_soft_kb_o = j_soft;
  assign st_hard_kb_o = j_hard;

  assign e_valid_o = push;
  assign e_ctx_o = ctx_i;
  assign e_rec_o = {j_cookie, j_slot32, spi, seq, len, 4'd0, status, 6'd0, flags};
  assign e_len_o = len;
  assign e_start_o = j_start;
  assign e_icv_en_o = j_final && !j_dec;
  assign e_icv_pos_o = 12'd128 + j_clen;
  assign e_icv_o = icv_i;
  assign e_ovr_o = !j_final && j_transport && ok;
  assign e_ovr_len_o = olen;
  assign e_ovr_nh_o = nh;
  assign e_ovr_csum_o = ocsum;

endmodule
`default_nettype wire
