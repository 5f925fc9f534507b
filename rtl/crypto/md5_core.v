`default_nettype none
// md5_core — MD5 compression function (RFC 1321 section 3.4): one chaining
// value and one 64-byte block in, the next chaining value out, final
// addition included.  Padding and length encoding are the caller's.
// Bit-exact model: hls/md5/md5.c md5_compress (out = compress(in)).
//
// Byte order: byte 0 of the block is in in_block_i[511:504], as on every
// bus of the fabric.  MD5 loads its message words little-endian; the core
// does that itself: X[k] = bytes 4k..4k+3 with byte 4k least significant.
// in_state_i/out_state_o carry h0 (MD5's A) in [127:96] .. h3 (D) in [31:0]
// as numeric word values (hls md5_state_t h[0..3]); the digest bytes are
// those words little-endian, which is the consumer's business.
//
// Structure: NST = 64 / RPS stages, each running RPS steps on its own round
// unit (function md5_step), one step per cycle.  A stage holds a block's
// working variables a..d, the message block (MD5 has no schedule: step i
// reads word X[g(i)]), the chaining value it started from, its tag and a
// valid bit.  All stages hand over to the next together, every RPS cycles;
// stage 0 takes the request.  An output register adds the chaining value.
//
//   PIPELINED=1, ROUNDS_PER_STAGE=1: 64 stages; in_ready_o is always 1 and a
//     block can enter every cycle.
//   PIPELINED=1, ROUNDS_PER_STAGE=R (a power of two up to 64): 64/R stages;
//     while blocks are in flight in_ready_o is high one cycle in R (a new
//     block every R cycles, i.e. 64/R bytes per cycle); when the core is
//     empty in_ready_o stays high.
//   PIPELINED=0: one stage, one round unit; in_ready_o is low while a block
//     is in its 64 steps (a new block every 64 cycles at most).
//
// Latency (every configuration): a request accepted in cycle c (in_valid_i
// and in_ready_o high) produces its one-cycle out_valid_o pulse in cycle
// c + 65 (64 steps, then the final addition).  Results leave in request
// order.  There is no output back-pressure (docs/rtl-conventions.md).
// in_ready_o does not depend on in_valid_i.  out_state_o/out_tag_o are only
// meaningful while out_valid_o is high.
//
// Reset (rst_ni, synchronous) clears the valid bits and the step counter:
// requests in flight are dropped.  Data registers are not reset.
module md5_core #(
  // 1: pipelined (64/ROUNDS_PER_STAGE stages); 0: one round unit, 64 cycles per block.
  parameter PIPELINED /*verilator public*/ = 1,
  // Width of the opaque tag carried with each request.
  parameter TAG_W = 16,
  // PIPELINED=1 only: steps per stage (1, 2, 4, 8, 16, 32 or 64); a new
  // block every ROUNDS_PER_STAGE cycles.  Ignored when PIPELINED=0.
  parameter ROUNDS_PER_STAGE /*verilator public*/ = 1
) (
  input  wire             clk_i,
  input  wire             rst_ni,       // synchronous reset, active low
  input  wire             in_valid_i,
  output wire             in_ready_o,
  input  wire [127:0]     in_state_i,   // chaining value, h0 in [127:96]
  input  wire [511:0]     in_block_i,   // message block, byte 0 in [511:504]
  input  wire [TAG_W-1:0] in_tag_i,
  output wire             out_valid_o,
  output wire [127:0]     out_state_o,  // next chaining value, h0 in [127:96]
  output wire [TAG_W-1:0] out_tag_o
);

  localparam RPS = (PIPELINED != 0) ? ROUNDS_PER_STAGE : 64;  // steps per stage
  localparam NST = 64 / RPS;                                  // number of stages
  localparam PH_W = (RPS > 1) ? $clog2(RPS) : 1;              // step-in-stage counter width
  localparam integer PH_LAST = RPS - 1;                       // last value of that counter
  // Stages with a block register of their own.  With one step per stage the
  // last stage reads its word from its predecessor's register.
  localparam NB = (RPS > 1) ? NST : NST - 1;

  generate
    if (RPS < 1 || RPS > 64 || (64 % RPS) != 0) begin : g_bad_param
      // Elaboration fails on purpose: ROUNDS_PER_STAGE must divide 64.
      md5_core_ROUNDS_PER_STAGE_must_divide_64 u_bad ();
    end
  endgenerate

  // T[i] = floor(2^32 * abs(sin(i + 1))), RFC 1321 section 3.4.
  function [31:0] md5_t;
    input [5:0] i;
    begin
      case (i)
        6'd0:  md5_t = 32'hd76aa478;  6'd1:  md5_t = 32'he8c7b756;
        6'd2:  md5_t = 32'h242070db;  6'd3:  md5_t = 32'hc1bdceee;
        6'd4:  md5_t = 32'hf57c0faf;  6'd5:  md5_t = 32'h4787c62a;
        6'd6:  md5_t = 32'ha8304613;  6'd7:  md5_t = 32'hfd469501;
        6'd8:  md5_t = 32'h698098d8;  6'd9:  md5_t = 32'h8b44f7af;
        6'd10: md5_t = 32'hffff5bb1;  6'd11: md5_t = 32'h895cd7be;
        6'd12: md5_t = 32'h6b901122;  6'd13: md5_t = 32'hfd987193;
        6'd14: md5_t = 32'ha679438e;  6'd15: md5_t = 32'h49b40821;
        6'd16: md5_t = 32'hf61e2562;  6'd17: md5_t = 32'hc040b340;
        6'd18: md5_t = 32'h265e5a51;  6'd19: md5_t = 32'he9b6c7aa;
        6'd20: md5_t = 32'hd62f105d;  6'd21: md5_t = 32'h02441453;
        6'd22: md5_t = 32'hd8a1e681;  6'd23: md5_t = 32'he7d3fbc8;
        6'd24: md5_t = 32'h21e1cde6;  6'd25: md5_t = 32'hc33707d6;
        6'd26: md5_t = 32'hf4d50d87;  6'd27: md5_t = 32'h455a14ed;
        6'd28: md5_t = 32'ha9e3e905;  6'd29: md5_t = 32'hfcefa3f8;
        6'd30: md5_t = 32'h676f02d9;  6'd31: md5_t = 32'h8d2a4c8a;
        6'd32: md5_t = 32'hfffa3942;  6'd33: md5_t = 32'h8771f681;
        6'd34: md5_t = 32'h6d9d6122;  6'd35: md5_t = 32'hfde5380c;
        6'd36: md5_t = 32'ha4beea44;  6'd37: md5_t = 32'h4bdecfa9;
        6'd38: md5_t = 32'hf6bb4b60;  6'd39: md5_t = 32'hbebfbc70;
        6'd40: md5_t = 32'h289b7ec6;  6'd41: md5_t = 32'heaa127fa;
        6'd42: md5_t = 32'hd4ef3085;  6'd43: md5_t = 32'h04881d05;
        6'd44: md5_t = 32'hd9d4d039;  6'd45: md5_t = 32'he6db99e5;
        6'd46: md5_t = 32'h1fa27cf8;  6'd47: md5_t = 32'hc4ac5665;
        6'd48: md5_t = 32'hf4292244;  6'd49: md5_t = 32'h432aff97;
        6'd50: md5_t = 32'hab9423a7;  6'd51: md5_t = 32'hfc93a039;
        6'd52: md5_t = 32'h655b59c3;  6'd53: md5_t = 32'h8f0ccc92;
        6'd54: md5_t = 32'hffeff47d;  6'd55: md5_t = 32'h85845dd1;
        6'd56: md5_t = 32'h6fa87e4f;  6'd57: md5_t = 32'hfe2ce6e0;
        6'd58: md5_t = 32'ha3014314;  6'd59: md5_t = 32'h4e0811a1;
        6'd60: md5_t = 32'hf7537e82;  6'd61: md5_t = 32'hbd3af235;
        6'd62: md5_t = 32'h2ad7d2bb;  default: md5_t = 32'heb86d391;
      endcase
    end
  endfunction

  // Left-rotation amount of step i: four per round (RFC 1321 3.4), chosen
  // by the round r = i / 16 and k = i mod 4.
  function [4:0] md5_s;
    input [1:0] r;
    input [1:0] k;
    begin
      case ({r, k})
        4'h0: md5_s = 5'd7;   4'h1: md5_s = 5'd12;
        4'h2: md5_s = 5'd17;  4'h3: md5_s = 5'd22;
        4'h4: md5_s = 5'd5;   4'h5: md5_s = 5'd9;
        4'h6: md5_s = 5'd14;  4'h7: md5_s = 5'd20;
        4'h8: md5_s = 5'd4;   4'h9: md5_s = 5'd11;
        4'ha: md5_s = 5'd16;  4'hb: md5_s = 5'd23;
        4'hc: md5_s = 5'd6;   4'hd: md5_s = 5'd10;
        4'he: md5_s = 5'd15;  default: md5_s = 5'd21;
      endcase
    end
  endfunction

  // One MD5 step.  st: a in [127:96] .. d in [31:0]; blk: the message
  // block, byte 0 in [511:504].  A function rather than a submodule so
  // that synthesis, which keeps the hierarchy, folds the word choice, T and
  // the rotation of a stage whose step number is a constant.
  function [127:0] md5_step;
    input [5:0]   i;    // step number, 0..63
    input [127:0] st;   // a, b, c, d before the step
    input [511:0] blk;
    reg   [31:0]  a, b, c, d, f, w, x, r;
    reg   [3:0]   j, g;
    reg   [4:0]   sh;
    begin
      a = st[127:96];
      b = st[95:64];
      c = st[63:32];
      d = st[31:0];
      j = i[3:0];
      case (i[5:4])
        2'd0: begin
          f = (b & c) | (~b & d);   // F
          g = j;
        end
        2'd1: begin
          f = (b & d) | (c & ~d);   // G
          g = j * 4'd5 + 4'd1;
        end
        2'd2: begin
          f = b ^ c ^ d;            // H
          g = j * 4'd3 + 4'd5;
        end
        default: begin
          f = c ^ (b | ~d);         // I
          g = j * 4'd7;
        end
      endcase
      // X[g]: bytes 4g..4g+3, little-endian.  Word g starts at bit
      // 511 - 32g, i.e. bits [32(15-g) +: 32] and 15 - g = ~g.
      w = blk[{~g, 5'b0} +: 32];
      x = {w[7:0], w[15:8], w[23:16], w[31:24]};
      // r = ROTL(a + f + T[i] + X[g], s), one rotator stage per bit of s
      r = a + f + md5_t(i) + x;
      sh = md5_s(i[5:4], i[1:0]);
      if (sh[0]) r = {r[30:0], r[31]};
      if (sh[1]) r = {r[29:0], r[31:30]};
      if (sh[2]) r = {r[27:0], r[31:28]};
      if (sh[3]) r = {r[23:0], r[31:24]};
      if (sh[4]) r = {r[15:0], r[31:16]};
      // a <- d, b <- b + r, c <- b, d <- c
      md5_step = {d, b + r, b, c};
    end
  endfunction

  // ---------------------------------------------------------------------
  // Step-in-stage counter: all stages run step BASE + ph, BASE = s * RPS.
  // Stages hand over (and stage 0 takes a request) in the cycles with
  // ph == 0.  The counter rests at 0 while the core is empty.
  wire [PH_W-1:0] ph;
  wire            ph_zero = (ph == {PH_W{1'b0}});
  wire            accept = in_valid_i & ph_zero;

  assign in_ready_o = ph_zero;

  // Per-stage registers, stage s in slice s.
  reg  [NST-1:0]       v_q;
  wire [NST-1:0]       v_d;
  reg  [NST*128-1:0]   st_q;   // a..d
  wire [NST*128-1:0]   st_d;
  // The message block.  Words no later step reads are removed by synthesis.
  reg  [NB*512-1:0]    blk_q;
  wire [NB*512-1:0]    blk_d;
  reg  [NST*128-1:0]   h_q;    // chaining value the block started from
  wire [NST*128-1:0]   h_d;
  reg  [NST*TAG_W-1:0] tag_q;
  wire [NST*TAG_W-1:0] tag_d;

  reg                  out_v_q;
  wire                 out_v_d;
  reg  [127:0]         out_st_q;
  wire [127:0]         out_st_d;
  reg  [TAG_W-1:0]     out_tag_q;
  wire [TAG_W-1:0]     out_tag_d;

  generate
    if (RPS == 1) begin : g_no_phase
      assign ph = 1'b0;
    end else begin : g_phase
      reg  [PH_W-1:0] ph_q;
      reg  [PH_W-1:0] ph_d;
      reg             busy;   // a block will be in a stage after this cycle
      integer         int_i;  // loop index of the busy reduction

      always @* begin
        busy = accept;
        for (int_i = 0; int_i < NST - 1; int_i = int_i + 1) begin
          busy = busy | v_q[int_i];
        end
        ph_d = ph_q;
        if (ph_q == PH_LAST[PH_W-1:0]) begin
          ph_d = {PH_W{1'b0}};
        end else if (!ph_zero || busy) begin
          ph_d = ph_q + 1'b1;
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          ph_q <= {PH_W{1'b0}};
        end else begin
          ph_q <= ph_d;
        end
      end

      assign ph = ph_q;
    end
  endgenerate

  // ---------------------------------------------------------------------
  // Stages.
  genvar s;
  generate
    for (s = 0; s < NST; s = s + 1) begin : g_stage
      localparam integer BASE_I = s * RPS;      // first step of this stage
      localparam [5:0]   BASE   = BASE_I[5:0];

      wire             v_prev;
      wire [127:0]     st_prev;
      wire [511:0]     blk_prev;
      wire [127:0]     h_prev;
      wire [TAG_W-1:0] tag_prev;

      if (s == 0) begin : g_first
        assign v_prev   = accept;
        assign st_prev  = in_state_i;
        assign blk_prev = in_block_i;
        assign h_prev   = in_state_i;
        assign tag_prev = in_tag_i;
      end else begin : g_next
        assign v_prev   = v_q[s-1];
        assign st_prev  = st_q[(s-1)*128 +: 128];
        assign blk_prev = blk_q[(s-1)*512 +: 512];
        assign h_prev   = h_q[(s-1)*128 +: 128];
        assign tag_prev = tag_q[(s-1)*TAG_W +: TAG_W];
      end

      // Operands of this cycle's step: the predecessor's block at a
      // hand-over, else the block this stage is working on.
      wire [511:0] blk_src;
      if (s < NB) begin : g_blk
        assign blk_src = ph_zero ? blk_prev : blk_q[s*512 +: 512];
        assign blk_d[s*512 +: 512] = blk_src;
      end else begin : g_last
        assign blk_src = blk_prev;
      end

      wire [127:0] st_src = ph_zero ? st_prev : st_q[s*128 +: 128];
      wire [5:0]   idx = BASE + {{(6-PH_W){1'b0}}, ph};

      assign st_d[s*128 +: 128] = md5_step(idx, st_src, blk_src);

      assign h_d[s*128 +: 128]       = ph_zero ? h_prev   : h_q[s*128 +: 128];
      assign tag_d[s*TAG_W +: TAG_W] = ph_zero ? tag_prev : tag_q[s*TAG_W +: TAG_W];

      assign v_d[s] = ph_zero ? v_prev : v_q[s];
    end
  endgenerate

  // ---------------------------------------------------------------------
  // Output: final addition once the last stage has run all its steps.
  wire [127:0] st_last = st_q[(NST-1)*128 +: 128];
  wire [127:0] h_last  = h_q[(NST-1)*128 +: 128];

  assign out_v_d   = ph_zero & v_q[NST-1];
  assign out_st_d  = {st_last[127:96] + h_last[127:96],
                      st_last[95:64]  + h_last[95:64],
                      st_last[63:32]  + h_last[63:32],
                      st_last[31:0]   + h_last[31:0]};
  assign out_tag_d = tag_q[(NST-1)*TAG_W +: TAG_W];

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      v_q     <= {NST{1'b0}};
      out_v_q <= 1'b0;
    end else begin
      v_q     <= v_d;
      out_v_q <= out_v_d;
    end
  end

  always @(posedge clk_i) begin
    st_q      <= st_d;
    blk_q     <= blk_d;
    h_q       <= h_d;
    tag_q     <= tag_d;
    out_st_q  <= out_st_d;
    out_tag_q <= out_tag_d;
  end

  assign out_valid_o = out_v_q;
  assign out_state_o = out_st_q;
  assign out_tag_o   = out_tag_q;

endmodule
`default_nettype wire
