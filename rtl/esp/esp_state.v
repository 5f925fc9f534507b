`default_nettype none
// esp_state — the SA state table (contract sa_state: sequence number, replay
// bitmap, byte count, expiry flags, per-status counters) and the one unit
// that reads and writes it.
//
// Every state change of the engine is one "op" here, run to completion
// before the next (4 cycles), so two requests of one SA always see each
// other's updates in request order:
//   client A (parse, in request order): a request on an outbound SA.  The
//     op decides the final status in the order of docs/esp-semantics.md
//     (early status, LIFETIME, parse status, SEQ_OVERFLOW, TOO_BIG, OK),
//     assigns the sequence number and, on OK, stores it and counts the
//     bytes.
//   client B (commit, in request order): a request on an inbound SA: early
//     status, LIFETIME, parse status, WINDOW/REPLAY against the bitmap,
//     AUTH, window update, then the post-decryption status (PAD, PROTO,
//     TOO_BIG or OK), bytes on OK.
// Both then raise the expiry flags, count the status and answer with the
// status, the assigned sequence number (client A) and the flags.  A client
// holds its request until the one-cycle ack, which carries the response.
// The host ports read a whole sa_state record (h_rd, 18 cycles) or zero /
// load one (h_wr, 17 cycles); a host read of a slot with requests in
// flight sees the state as far as those have got.
//
// Storage: st RAM, one word per slot {seq, soft, hard, bytes, bitmap}
// (1122 bits), and cnt RAM, one 64-bit counter per {slot, status}.  Record
// byte order: byte o of the contract record at [2175-8o -: 8], multi-byte
// fields little-endian as in the C struct.
module esp_state #(
  parameter SA_SLOTS = 64  // SA slots (the RAMs hold 2**clog2(SA_SLOTS))
) (
  input  wire              clk_i,
  input  wire              rst_ni,
  // client A: outbound request (parse)
  input  wire              a_req_i,
  output wire              a_ack_o,
  input  wire [SAW-1:0]    a_slot_i,
  input  wire [3:0]        a_early_i,    // BAD_REQUEST / TOO_BIG (in_len) or 0
  input  wire [3:0]        a_late_i,     // LENGTH / PROTO or 0
  input  wire [15:0]       a_len_i,      // IPv4 total length (bytes counted on OK)
  input  wire              a_toobig_i,   // output would not fit
  input  wire [31:0]       a_soft_kb_i,
  input  wire [31:0]       a_hard_kb_i,
  // client B: inbound request (commit)
  input  wire              b_req_i,
  output wire              b_ack_o,
  input  wire [SAW-1:0]    b_slot_i,
  input  wire [3:0]        b_early_i,    // BAD_REQUEST / TOO_BIG (in_len) or 0
  input  wire [3:0]        b_late_i,     // LENGTH / PROTO / NO_SA / WINDOW (seq 0) or 0
  input  wire [15:0]       b_len_i,      // output length (bytes counted on OK)
  input  wire [31:0]       b_seq_i,      // the packet's sequence number
  input  wire [10:0]       b_win_i,      // replay window (bits, <= REPLAY_MAX)
  input  wire              b_auth_fail_i,
  input  wire [3:0]        b_post_i,     // PAD / PROTO / TOO_BIG or 0 (OK)
  input  wire [31:0]       b_soft_kb_i,
  input  wire [31:0]       b_hard_kb_i,
  // response, valid with a_ack_o / b_ack_o
  output wire [3:0]        rsp_status_o,
  output wire [31:0]       rsp_seq_o,    // client A: sequence number assigned (0 if none)
  output wire [1:0]        rsp_flags_o,  // {hard, soft} after the op
  // host: zero or load a slot's state (inputs held until the ack)
  input  wire              h_wr_i,
  output wire              h_wr_ack_o,
  input  wire [SAW-1:0]    h_wr_slot_i,
  input  wire              h_wr_load_i,  // 1: load h_wr_state_i; 0: zero
  input  wire [2175:0]     h_wr_state_i,
  // host: read a slot's state
  input  wire              h_rd_i,
  output wire              h_rd_ack_o,
  input  wire [SAW-1:0]    h_rd_slot_i,
  output wire [2175:0]     h_rd_state_o
);

  // The contract include defines every shared constant; each module uses a
  // few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam SAW = (SA_SLOTS > 1) ? $clog2(SA_SLOTS) : 1;
  localparam RB = ESPFAB_REPLAY_MAX;         // bitmap bits
  localparam STW = 32 + 2 + 64 + RB;         // st word
  localparam RECW = 8 * ESPFAB_SA_STATE_BYTES;

  // st word fields
  localparam ST_SEQ = STW - 1;               // [ST_SEQ -: 32]
  localparam ST_SOFT = STW - 33;
  localparam ST_HARD = STW - 34;
  localparam ST_BYTES = STW - 35;            // [ST_BYTES -: 64]

  localparam [3:0] S_OK = ESPFAB_STATUS_OK[3:0];
  localparam [3:0] S_AUTH = ESPFAB_STATUS_AUTH[3:0];
  localparam [3:0] S_REPLAY = ESPFAB_STATUS_REPLAY[3:0];
  localparam [3:0] S_WINDOW = ESPFAB_STATUS_WINDOW[3:0];
  localparam [3:0] S_LIFETIME = ESPFAB_STATUS_LIFETIME[3:0];
  localparam [3:0] S_SEQ_OVERFLOW = ESPFAB_STATUS_SEQ_OVERFLOW[3:0];
  localparam [3:0] S_TOO_BIG = ESPFAB_STATUS_TOO_BIG[3:0];

  // FSM
  localparam [2:0] F_IDLE = 3'd0, F_CALC = 3'd1, F_WB = 3'd2, F_HR = 3'd3, F_HW = 3'd4;

  function [31:0] bswap32;
    input [31:0] v;
    bswap32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
  endfunction

  function [63:0] bswap64;
    input [63:0] v;
    bswap64 = {bswap32(v[31:0]), bswap32(v[63:32])};
  endfunction

  // ---- RAMs ---------------------------------------------------------------
  reg            st_we;
  reg  [SAW-1:0] st_wa;
  reg  [STW-1:0] st_wd;
  reg  [SAW-1:0] st_ra;
  wire [STW-1:0] st_rd;

  esp_ram #(.DW(STW), .AW(SAW), .WE_W(1), .ASYNC_RD(0)) u_st (
    .clk_i(clk_i), .we_i(st_we), .wbe_i(1'b1), .wa_i(st_wa), .wd_i(st_wd),
    .ra_i(st_ra), .rd_o(st_rd)
  );

  reg            cnt_we;
  reg  [SAW+3:0] cnt_wa;
  reg  [63:0]    cnt_wd;
  reg  [SAW+3:0] cnt_ra;
  wire [63:0]    cnt_rd;

  esp_ram #(.DW(64), .AW(SAW+4), .WE_W(1), .ASYNC_RD(0)) u_cnt (
    .clk_i(clk_i), .we_i(cnt_we), .wbe_i(1'b1), .wa_i(cnt_wa), .wd_i(cnt_wd),
    .ra_i(cnt_ra), .rd_o(cnt_rd)
  );

  // ---- registers ------------------------------------------------------------
  reg [2:0]     f_q, f_d;
  reg           cli_b_q, cli_b_d;     // op from client B
  reg [SAW-1:0] op_slot_q, op_slot_d;
  reg           op_inb_q, op_inb_d;
  reg [3:0]     op_early_q, op_early_d;
  reg [3:0]     op_late_q, op_late_d;
  reg [15:0]    op_len_q, op_len_d;
  reg           op_toobig_q, op_toobig_d;
  reg [31:0]    op_seq_q, op_seq_d;
  reg [10:0]    op_win_q, op_win_d;
  reg           op_auth_q, op_auth_d;
  reg [3:0]     op_post_q, op_post_d;
  reg [31:0]    op_soft_q, op_soft_d;
  reg [31:0]    op_hard_q, op_hard_d;
  reg [STW-1:0] new_st_q, new_st_d;
  reg [3:0]     status_q, status_d;
  reg [31:0]    seq_out_q, seq_out_d;
  reg [4:0]     idx_q, idx_d;         // host read/write counter index
  reg [RECW-1:0] rec_q, rec_d;
  reg           ack_a_q, ack_a_d, ack_b_q, ack_b_d, ack_hw_q, ack_hw_d, ack_hr_q, ack_hr_d;

  assign a_ack_o = ack_a_q;
  assign b_ack_o = ack_b_q;
  assign h_wr_ack_o = ack_hw_q;
  assign h_rd_ack_o = ack_hr_q;
  assign rsp_status_o = status_q;
  assign rsp_seq_o = seq_out_q;
  assign rsp_flags_o = {new_st_q[ST_HARD], new_st_q[ST_SOFT]};
  assign h_rd_state_o = rec_q;

  // ---- the decision (F_CALC, from the st word just read) --------------------
  reg [31:0]  c_seq;
  reg         c_soft, c_hard;
  reg [63:0]  c_bytes;
  reg [RB-1:0] c_bm;
  reg [31:0]  c_d, c_s;
  reg         c_le;
  reg [3:0]   c_status;
  reg [31:0]  c_seq_out;
  reg [63:0]  c_bytes_new;

  always @* begin
    c_seq = st_rd[ST_SEQ -: 32];
    c_soft = st_rd[ST_SOFT];
    c_hard = st_rd[ST_HARD];
    c_bytes = st_rd[ST_BYTES -: 64];
    c_bm = st_rd[RB-1:0];
    c_d = c_seq - op_seq_q;
    c_s = op_seq_q - c_seq;
    c_le = op_seq_q <= c_seq;
    c_seq_out = 32'd0;
    c_status = S_OK;
    if (op_early_q != 4'd0) begin
      c_status = op_early_q;
    end else if (c_hard) begin
      c_status = S_LIFETIME;
    end else if (op_late_q != 4'd0) begin
      c_status = op_late_q;
    end else if (op_inb_q) begin
      if (op_win_q != 11'd0 && c_le && c_d >= {21'd0, op_win_q}) begin
        c_status = S_WINDOW;
      end else if (op_win_q != 11'd0 && c_le && c_bm[c_d[9:0]]) begin
        c_status = S_REPLAY;
      end else if (op_auth_q) begin
        c_status = S_AUTH;
      end else begin
        // window update: only once the ICV has verified
        if (!c_le) begin
          if (c_s >= RB)
            c_bm = {RB{1'b0}};
          else
            c_bm = c_bm << c_s[9:0];
          c_bm[0] = 1'b1;
          c_seq = op_seq_q;
        end else if (c_d < RB) begin
          c_bm[c_d[9:0]] = 1'b1;
        end
        c_status = op_post_q;
      end
    end else begin
      if (c_seq == 32'hffffffff) begin
        c_status = S_SEQ_OVERFLOW;
      end else begin
        c_seq_out = c_seq + 32'd1;
        if (op_toobig_q) begin
          c_status = S_TOO_BIG;
        end else begin
          c_status = S_OK;
          c_seq = c_seq_out;
        end
      end
    end
    c_bytes_new = c_bytes + {48'd0, op_len_q};
    if (c_status == S_OK) begin
      c_bytes = c_bytes_new;
      if (op_soft_q != 32'd0 && c_bytes_new >= {22'd0, op_soft_q, 10'd0})
        c_soft = 1'b1;
      if (op_hard_q != 32'd0 && c_bytes_new >= {22'd0, op_hard_q, 10'd0})
        c_hard = 1'b1;
    end
  end

  // ---- host record <-> st word ------------------------------------------------
  // st word of a host write: zero, or the record's fields
  reg [STW-1:0] hw_st;
  reg [RB-1:0]  hw_bm;
  integer w;
  always @* begin
    for (w = 0; w < ESPFAB_REPLAY_WORDS; w = w + 1)
      hw_bm[32*w +: 32] = bswap32(h_wr_state_i[RECW-1-8*(ESPFAB_SA_STATE_OFF_REPLAY+4*w) -: 32]);
    hw_st = {bswap32(h_wr_state_i[RECW-1-8*ESPFAB_SA_STATE_OFF_SEQ -: 32]),
             h_wr_state_i[RECW-1-8*ESPFAB_SA_STATE_OFF_SOFT_EXPIRED -: 8] != 8'd0,
             h_wr_state_i[RECW-1-8*ESPFAB_SA_STATE_OFF_HARD_EXPIRED -: 8] != 8'd0,
             bswap64(h_wr_state_i[RECW-1-8*ESPFAB_SA_STATE_OFF_BYTES -: 64]),
             hw_bm};
    if (!h_wr_load_i)
      hw_st = {STW{1'b0}};
  end

  // record fields of the st word just read (host read)
  reg [RECW-1:0] hr_rec;
  integer w2;
  always @* begin
    hr_rec = rec_q;
    hr_rec[RECW-1-8*ESPFAB_SA_STATE_OFF_SEQ -: 32] = bswap32(st_rd[ST_SEQ -: 32]);
    hr_rec[RECW-1-8*ESPFAB_SA_STATE_OFF_SOFT_EXPIRED -: 8] = {7'd0, st_rd[ST_SOFT]};
    hr_rec[RECW-1-8*ESPFAB_SA_STATE_OFF_HARD_EXPIRED -: 8] = {7'd0, st_rd[ST_HARD]};
    hr_rec[RECW-1-8*ESPFAB_SA_STATE_OFF_RSVD0 -: 16] = 16'd0;
    hr_rec[RECW-1-8*ESPFAB_SA_STATE_OFF_BYTES -: 64] = bswap64(st_rd[ST_BYTES -: 64]);
    for (w2 = 0; w2 < ESPFAB_REPLAY_WORDS; w2 = w2 + 1)
      hr_rec[RECW-1-8*(ESPFAB_SA_STATE_OFF_REPLAY+4*w2) -: 32] = bswap32(st_rd[32*w2 +: 32]);
  end

  // ---- FSM -------------------------------------------------------------------
  always @* begin
    f_d = f_q;
    cli_b_d = cli_b_q;
    op_slot_d = op_slot_q;
    op_inb_d = op_inb_q;
    op_early_d = op_early_q;
    op_late_d = op_late_q;
    op_len_d = op_len_q;
    op_toobig_d = op_toobig_q;
    op_seq_d = op_seq_q;
    op_win_d = op_win_q;
    op_auth_d = op_auth_q;
    op_post_d = op_post_q;
    op_soft_d = op_soft_q;
    op_hard_d = op_hard_q;
    new_st_d = new_st_q;
    status_d = status_q;
    seq_out_d = seq_out_q;
    idx_d = idx_q;
    rec_d = rec_q;
    ack_a_d = 1'b0;
    ack_b_d = 1'b0;
    ack_hw_d = 1'b0;
    ack_hr_d = 1'b0;
    st_we = 1'b0;
    st_wa = op_slot_q;
    st_wd = new_st_q;
    st_ra = op_slot_q;
    cnt_we = 1'b0;
    cnt_wa = {op_slot_q, status_q};
    cnt_wd = cnt_rd + 64'd1;
    cnt_ra = {op_slot_q, c_status};

    case (f_q)
      F_IDLE: begin
        // one op at a time; the ack of the previous one is still out this cycle
        if (ack_a_q || ack_b_q || ack_hw_q || ack_hr_q) begin
          f_d = F_IDLE;
        end else if (h_wr_i) begin
          op_slot_d = h_wr_slot_i;
          idx_d = 5'd0;
          f_d = F_HW;
        end else if (h_rd_i) begin
          op_slot_d = h_rd_slot_i;
          st_ra = h_rd_slot_i;
          idx_d = 5'd0;
          rec_d = {RECW{1'b0}};
          f_d = F_HR;
        end else if (b_req_i) begin
          cli_b_d = 1'b1;
          op_slot_d = b_slot_i;
          st_ra = b_slot_i;
          op_inb_d = 1'b1;
          op_early_d = b_early_i;
          op_late_d = b_late_i;
          op_len_d = b_len_i;
          op_toobig_d = 1'b0;
          op_seq_d = b_seq_i;
          op_win_d = b_win_i;
          op_auth_d = b_auth_fail_i;
          op_post_d = b_post_i;
          op_soft_d = b_soft_kb_i;
          op_hard_d = b_hard_kb_i;
          f_d = F_CALC;
        end else if (a_req_i) begin
          cli_b_d = 1'b0;
          op_slot_d = a_slot_i;
          st_ra = a_slot_i;
          op_inb_d = 1'b0;
          op_early_d = a_early_i;
          op_late_d = a_late_i;
          op_len_d = a_len_i;
          op_toobig_d = a_toobig_i;
          op_seq_d = 32'd0;
          op_win_d = 11'd0;
          op_auth_d = 1'b0;
          op_post_d = 4'd0;
          op_soft_d = a_soft_kb_i;
          op_hard_d = a_hard_kb_i;
          f_d = F_CALC;
        end
      end
      F_CALC: begin
        // st word of op_slot is on st_rd; read the status's counter
        new_st_d = {c_seq, c_soft, c_hard, c_bytes, c_bm};
        status_d = c_status;
        seq_out_d = c_seq_out;
        cnt_ra = {op_slot_q, c_status};
        f_d = F_WB;
      end
      F_WB: begin
        st_we = 1'b1;
        cnt_we = 1'b1;
        cnt_wa = {op_slot_q, status_q};
        cnt_wd = cnt_rd + 64'd1;
        ack_a_d = !cli_b_q;
        ack_b_d = cli_b_q;
        f_d = F_IDLE;
      end
      F_HR: begin
        // idx 0: st word on st_rd, read counter 0; idx i (1..16): counter i-1 on cnt_rd
        cnt_ra = {op_slot_q, idx_q[3:0]};
        if (idx_q == 5'd0) begin
          rec_d = hr_rec;
        end else begin
          rec_d[RECW-1-8*(ESPFAB_SA_STATE_OFF_COUNT+8*({27'd0, idx_q}-32'd1)) -: 64] = bswap64(cnt_rd);
        end
        if (idx_q == 5'd16) begin
          ack_hr_d = 1'b1;
          f_d = F_IDLE;
        end
        idx_d = idx_q + 5'd1;
      end
      F_HW: begin
        st_we = (idx_q == 5'd0);
        st_wd = hw_st;
        cnt_we = 1'b1;
        cnt_wa = {op_slot_q, idx_q[3:0]};
        cnt_wd = h_wr_load_i ? bswap64(h_wr_state_i[RECW-1-8*(ESPFAB_SA_STATE_OFF_COUNT+8*idx_q[3:0]) -: 64]) : 64'd0;
        if (idx_q == 5'd15) begin
          ack_hw_d = 1'b1;
          f_d = F_IDLE;
        end
        idx_d = idx_q + 5'd1;
      end
      default: f_d = F_IDLE;
    endcase
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      f_q <= F_IDLE;
      ack_a_q <= 1'b0;
      ack_b_q <= 1'b0;
      ack_hw_q <= 1'b0;
      ack_hr_q <= 1'b0;
      rec_q <= {RECW{1'b0}};
    end else begin
      f_q <= f_d;
      ack_a_q <= ack_a_d;
      ack_b_q <= ack_b_d;
      ack_hw_q <= ack_hw_d;
      ack_hr_q <= ack_hr_d;
      rec_q <= rec_d;
    end
    cli_b_q <= cli_b_d;
    op_slot_q <= op_slot_d;
    op_inb_q <= op_inb_d;
    op_early_q <= op_early_d;
    op_late_q <= op_late_d;
    op_len_q <= op_len_d;
    op_toobig_q <= op_toobig_d;
    op_seq_q <= op_seq_d;
    op_win_q <= op_win_d;
    op_auth_q <= op_auth_d;
    op_post_q <= op_post_d;
    op_soft_q <= op_soft_d;
    op_hard_q <= op_hard_d;
    new_st_q <= new_st_d;
    status_q <= status_d;
    seq_out_q <= seq_out_d;
    idx_q <= idx_d;
  end

endmodule
`default_nettype wire
