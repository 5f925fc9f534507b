`default_nettype none
// esp_ingress — takes request packets off the request stream (STREAM_BYTES
// per beat) into the contexts' input buffers.
//
// A request takes the next free context (contexts are handed out in request
// order) with its first beat.  The packet is written into the context's
// input buffer (128 words of 16 bytes, a ring) rotated by `rot` bytes so
// that the block the cipher lane starts from lands on a word boundary:
// outbound the payload (offset 0 in tunnel mode, IHL*4 in transport mode),
// inbound the ciphertext (ESP header + 8 + IV).  Input byte i goes to buffer
// byte (i + rot) mod 2048.  rot is decided at the first beat from the
// request's op, byte 0 (IHL) and the slot's shape {aes, udp, transport},
// read from the SA table with the descriptor.  Whatever the packet turns
// out to be, the buffer only matters when parse finds it well formed.
//
// A beat of STREAM_BYTES = 32 holds two buffer words: both are written in
// the cycle after the beat (word 2n to the even bank, 2n+1 to the odd one).
//
// Alongside: the first 96 bytes (6 or 3 beats: every header parse needs, up to
// the IV of an ESP-in-UDP packet with 60 bytes of IPv4 header) and the
// descriptor are captured for esp_parse, which takes them (hdr_take_i)
// before the next packet may start; and the 12 bytes before the IPv4 total
// length (the packet's ICV when inbound) are captured as they pass.
//
// Timing: one beat per cycle; after a packet's last beat the stream pauses
// one cycle when the realignment owes the buffer one more word (outbound,
// rot != 0) or the beat completes the header capture.
module esp_ingress #(
  parameter N_CTX = 8,          // contexts (power of two)
  parameter SA_SLOTS = 64,      // SA slots
  parameter STREAM_BYTES = 16   // bytes per request beat: 16 or 32
) (
  input  wire           clk_i,
  input  wire           rst_ni,
  // request stream
  input  wire           s_req_valid_i,
  output wire           s_req_ready_o,
  input  wire [BW-1:0]  s_req_data_i,
  input  wire           s_req_last_i,
  input  wire [263:0]   s_req_desc_i,
  // contexts
  input  wire           hold_i,        // take no new packet
  input  wire           ctx_avail_i,   // a context is free
  input  wire [CW-1:0]  ctx_id_i,      // the next context
  output wire           alloc_o,       // it is taken (first beat accepted)
  output wire           busy_o,        // a packet is between the stream and parse
  // slot shape lookup (registered read)
  output wire [SAW-1:0] shape_slot_o,
  input  wire [2:0]     shape_i,       // {aes, udp, transport}
  // input buffer writes: word i (of SW) is in_word_o + i, in [BW-1-128*i -: 128]
  output reg  [SW-1:0]  in_we_o,       // bit i: write word i
  output wire [CW-1:0]  in_ctx_o,
  output reg  [6:0]     in_word_o,     // a multiple of SW
  output reg  [BW-1:0]  in_wd_o,
  // packet ICV capture
  output reg            picv_we_o,
  output wire [CW-1:0]  picv_ctx_o,
  output reg  [95:0]    picv_o,
  // the context's buffer is complete
  output reg            done_o,
  output wire [CW-1:0]  done_ctx_o,
  // header capture for parse
  output wire           hdr_valid_o,
  input  wire           hdr_take_i,
  output wire [767:0]   hdr_o,
  output wire [263:0]   hdr_desc_o,
  output wire [CW-1:0]  hdr_ctx_o
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
  localparam BW = 8 * STREAM_BYTES;         // beat bits
  localparam SW = STREAM_BYTES / 16;        // buffer words per beat
  localparam WB = $clog2(STREAM_BYTES);     // log2 of the beat bytes
  localparam HBI = 96 / STREAM_BYTES;
  localparam [11:0] HB = HBI[11:0];         // header beats captured
  localparam [WB:0] ICV_OFF = 5;            // 16 - 11: first ICV byte in {last word, beat} from T-1 mod STREAM_BYTES

  generate
    if (STREAM_BYTES != 16 && STREAM_BYTES != 32) begin : g_bad_param
      // Elaboration fails on purpose: the stream is 16 or 32 bytes wide.
      esp_ingress_bad_stream_bytes u_bad ();
    end
  endgenerate

  reg           pkt_q, pkt_d;          // inside a packet (first beat taken, last not yet)
  reg [CW-1:0]  ctx_q, ctx_d;
  reg [263:0]   desc_q, desc_d;
  // stage B: the beat accepted last cycle
  reg           b_v_q, b_v_d;
  reg [BW-1:0]  b_data_q, b_data_d;
  reg           b_first_q, b_first_d, b_last_q, b_last_d;
  reg [11:0]    b_idx_q, b_idx_d;
  reg [11:0]    idx_q, idx_d;          // index of the next beat
  reg [127:0]   prev_q, prev_d;        // the last word of the beat before stage B's
  reg [3:0]     rot_q, rot_d;
  reg [15:0]    t_q, t_d;              // IPv4 total length (bytes 2..3)
  reg           flush_q, flush_d;
  reg [6:0]     flush_w_q, flush_w_d;
  reg           hdr_v_q, hdr_v_d;
  reg [767:0]   hdr_q, hdr_d;

  // The word after the last beat is only needed outbound (the payload may
  // reach the end of the packet; inbound the 12-byte ICV is the end, and it
  // is captured on the side).  A new packet may start right behind the last
  // beat unless that word is owed or the header capture completes now.
  reg  [3:0] rot_now;
  wire op_enc = desc_q[135:128] == ESPFAB_OP_ENCAP[7:0];
  wire flush_need = rot_now != 4'd0 && op_enc;
  wire accept = s_req_valid_i && s_req_ready_o;
  wire first_ok = !hold_i && ctx_avail_i && !hdr_v_q && !(b_v_q && b_last_q && (b_idx_q < HB || flush_need));
  assign s_req_ready_o = pkt_q ? 1'b1 : first_ok;
  assign alloc_o = accept && !pkt_q;
  assign busy_o = pkt_q || b_v_q || flush_q || hdr_v_q;
  assign shape_slot_o = s_req_desc_i[168 +: SAW];

  // rot of the packet in stage B (first beat: from its byte 0 and the shape)
  reg [3:0] h4;      // IHL*4 mod 16
  reg [3:0] cstart;  // mod 16
  always @* begin
    h4 = {b_data_q[BW-7 -: 2], 2'b00};
    // inbound: ciphertext at IHL*4 (+8 UDP) + 8 + IV
    cstart = h4 + (shape_i[1] ? 4'd8 : 4'd0) + 4'd8 + (shape_i[2] ? 4'd0 : 4'd8);
    if (!b_first_q)
      rot_now = rot_q;
    else if (op_enc)
      rot_now = shape_i[0] ? (4'd0 - h4) : 4'd0;
    else
      rot_now = 4'd0 - cstart;
  end

  // word window: stored word = last rot bytes of the previous beat, then the
  // first 16-rot bytes of this one
  function [127:0] realign;
    input [127:0] pv;
    input [127:0] cur;
    input [3:0]   r;
    reg   [255:0] win;
    begin
      win = {pv, cur};
      realign = win[8*(16+r)-1 -: 128];
    end
  endfunction

  // ICV capture: the beat holding byte T-1 and the last word before it
  // (the 12 bytes start at most 11 bytes before the beat)
  reg [15:0]     t_now;
  reg [15:0]     tm1;
  reg [15:0]     tm1_beat;
  reg [WB:0]     icv_o;
  reg [BW+127:0] icv_win;
  always @* begin
    t_now = b_first_q ? b_data_q[BW-17 -: 16] : t_q;
    tm1 = t_now - 16'd1;
    tm1_beat = tm1 >> WB;
    icv_o = {1'b0, tm1[WB-1:0]} + ICV_OFF;
    icv_win = {prev_q, b_data_q};
  end

  // the beat's words, realigned: word i = the last rot bytes of the word
  // before it (the previous beat's last word for i = 0), then the first
  // 16-rot bytes of word i
  reg [BW+127:0] ext;
  reg [BW-1:0]   words;
  integer wk;
  always @* begin
    ext = {prev_q, b_data_q};
    for (wk = 0; wk < SW; wk = wk + 1)
      words[BW-1-128*wk -: 128] = realign(ext[BW+127-128*wk -: 128], ext[BW-1-128*wk -: 128], rot_now);
  end

  always @* begin
    pkt_d = pkt_q;
    ctx_d = ctx_q;
    desc_d = desc_q;
    b_v_d = 1'b0;
    b_data_d = b_data_q;
    b_first_d = b_first_q;
    b_last_d = b_last_q;
    b_idx_d = b_idx_q;
    idx_d = idx_q;
    prev_d = prev_q;
    rot_d = rot_q;
    t_d = t_q;
    flush_d = 1'b0;
    flush_w_d = flush_w_q;
    hdr_v_d = hdr_v_q && !hdr_take_i;
    hdr_d = hdr_q;
    in_we_o = {SW{1'b0}};
    in_word_o = b_idx_q[6:0] << (WB - 4);
    in_wd_o = words;
    picv_we_o = 1'b0;
    picv_o = icv_win[BW+127-8*icv_o -: 96];
    done_o = 1'b0;

    // stage A: accept a beat
    if (accept) begin
      b_v_d = 1'b1;
      b_data_d = s_req_data_i;
      b_last_d = s_req_last_i;
      b_first_d = !pkt_q;
      if (!pkt_q) begin
        ctx_d = ctx_id_i;
        desc_d = s_req_desc_i;
        b_idx_d = 12'd0;
        idx_d = 12'd1;
      end else begin
        b_idx_d = idx_q;
        idx_d = idx_q + 12'd1;
      end
      pkt_d = !s_req_last_i;
    end

    // stage B: write the beat's word, capture header and ICV
    if (b_v_q) begin
      in_we_o = {SW{1'b1}};
      prev_d = b_data_q[127:0];
      rot_d = rot_now;
      t_d = t_now;
      if (b_idx_q < HB)
        hdr_d[767-BW*b_idx_q[2:0] -: BW] = b_data_q;
      if (b_idx_q == HB - 12'd1 || (b_last_q && b_idx_q < HB - 12'd1))
        hdr_v_d = 1'b1;
      if (tm1_beat == {4'd0, b_idx_q})
        picv_we_o = 1'b1;
      if (b_last_q) begin
        if (flush_need) begin
          flush_d = 1'b1;
          flush_w_d = (b_idx_q[6:0] + 7'd1) << (WB - 4);
        end else begin
          done_o = 1'b1;
        end
      end
    end

    // the word after the last beat
    if (flush_q) begin
      in_we_o = {SW{1'b0}};
      in_we_o[0] = 1'b1;
      in_word_o = flush_w_q;
      in_wd_o = {BW{1'b0}};
      in_wd_o[BW-1 -: 128] = realign(prev_q, 128'd0, rot_q);
      done_o = 1'b1;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      pkt_q <= 1'b0;
      b_v_q <= 1'b0;
      flush_q <= 1'b0;
      hdr_v_q <= 1'b0;
    end else begin
      pkt_q <= pkt_d;
      b_v_q <= b_v_d;
      flush_q <= flush_d;
      hdr_v_q <= hdr_v_d;
    end
    ctx_q <= ctx_d;
    desc_q <= desc_d;
    b_data_q <= b_data_d;
    b_first_q <= b_first_d;
    b_last_q <= b_last_d;
    b_idx_q <= b_idx_d;
    idx_q <= idx_d;
    prev_q <= prev_d;
    rot_q <= rot_d;
    t_q <= t_d;
    flush_w_q <= flush_w_d;
    hdr_q <= hdr_d;
  end

  assign in_ctx_o = ctx_q;
  assign picv_ctx_o = ctx_q;
  assign done_ctx_o = ctx_q;
  assign hdr_valid_o = hdr_v_q;
  assign hdr_o = hdr_q;
  assign hdr_desc_o = desc_q;
  assign hdr_ctx_o = ctx_q;

endmodule
`default_nettype wire
