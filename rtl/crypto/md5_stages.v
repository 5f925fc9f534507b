`default_nettype none
// md5_stages — a group of COUNT consecutive stages of md5_core (stages
// FIRST .. FIRST+COUNT-1), each running RPS MD5 steps (RFC 1321 3.4) on its
// own round unit, one step per cycle.  md5_core chains the groups; see its
// header for the protocol.  Grouping keeps the modules that synthesis
// handles at a few thousand flip-flops each.
//
// A stage holds a block's working variables a..d (a in [127:96]), the
// message block (byte 0 in [511:504]; MD5 has no schedule, step i reads
// word X[g(i)], loaded little-endian) and a valid bit; the chaining value
// and the tag travel beside the stages (hash_delay in md5_core).  In the
// cycles with ld_i (ph_i == 0) every stage takes its predecessor's block and runs
// its first step on it; in the other cycles it runs step BASE + ph_i on
// its own block.  Message words that no later step reads are passed on as
// zero, so their registers disappear in synthesis.
module md5_stages #(
  parameter FIRST = 0,   // index of the group's first stage in the core
  parameter COUNT = 1,   // stages in the group
  parameter RPS = 1,     // steps per stage (a divisor of 64)
  parameter PH_W = 1     // width of ph_i
) (
  input  wire             clk_i,
  input  wire             rst_ni,  // synchronous, active low: clears the valid bits
  input  wire [PH_W-1:0]  ph_i,    // step within the stage (ignored if RPS == 1)
  input  wire             ld_i,    // hand-over: ph_i == 0 (ignored if RPS == 1)
  input  wire             v_i,     // the predecessor stage (or the request): valid,
  input  wire [127:0]     st_i,    //   a..d,
  input  wire [511:0]     blk_i,   //   message block
  output wire [COUNT-1:0] v_o,     // valid bits of the group's stages
  output wire [127:0]     st_o,    // the group's last stage: a..d,
  output wire [511:0]     blk_o    //   message block
);

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

  // Index g of the message word X[g] that step i reads (RFC 1321 3.4).
  function [3:0] md5_g;
    input [5:0] i;
    begin
      case (i[5:4])
        2'd0:    md5_g = i[3:0];
        2'd1:    md5_g = i[3:0] * 4'd5 + 4'd1;
        2'd2:    md5_g = i[3:0] * 4'd3 + 4'd5;
        default: md5_g = i[3:0] * 4'd7;
      endcase
    end
  endfunction

  // Word k of up to eight candidate words (word 0 in the low bits), as an
  // AND-OR choice.  (Yosys maps a variable part-select, and the same
  // choice written in an always block, to far more LUTs.)
  function [31:0] sel8;
    input [255:0] cands;
    input [2:0]   k;
    integer       q;
    begin
      sel8 = 32'h0;
      for (q = 0; q < 8; q = q + 1) begin
        if (k == q[2:0]) begin
          sel8 = sel8 | cands[q*32 +: 32];
        end
      end
    end
  endfunction

  // Round function of step i (F, G, H or I by i / 16).
  function [31:0] md5_f;
    input [1:0]  r;  // i / 16
    input [31:0] b, c, d;
    begin
      case (r)
        2'd0:    md5_f = (b & c) | (~b & d);   // F
        2'd1:    md5_f = (b & d) | (c & ~d);   // G
        2'd2:    md5_f = b ^ c ^ d;            // H
        default: md5_f = c ^ (b | ~d);         // I
      endcase
    end
  endfunction

  // Left rotation by n, one rotator stage per bit of n (wiring when n is
  // a constant).
  function [31:0] rotl32;
    input [31:0] x;
    input [4:0]  n;
    reg   [31:0] r;
    begin
      r = x;
      if (n[0]) r = {r[30:0], r[31]};
      if (n[1]) r = {r[29:0], r[31:30]};
      if (n[2]) r = {r[27:0], r[31:28]};
      if (n[3]) r = {r[23:0], r[31:24]};
      if (n[4]) r = {r[15:0], r[31:16]};
      rotl32 = r;
    end
  endfunction

  // Message word X[g] of a block (byte 0 in [511:504]): bytes 4g..4g+3,
  // little-endian.  Word g starts at bit 511 - 32g, i.e. it is bits
  // [32(15-g) +: 32], and 15 - g = ~g.  For a constant g.
  function [31:0] md5_x;
    input [511:0] blk;
    input [3:0]   gw;  // g
    reg   [31:0]  w;
    begin
      w = blk[{~gw, 5'b0} +: 32];
      md5_x = {w[7:0], w[15:8], w[23:16], w[31:24]};
    end
  endfunction

  // The same for a variable g, as an AND-OR choice (Yosys maps a variable
  // part-select poorly).
  function [31:0] md5_xv;
    input [511:0] blk;
    input [3:0]   gw;  // g
    reg   [31:0]  w;
    integer       q;
    begin
      w = 32'h0;
      for (q = 0; q < 16; q = q + 1) begin
        if (gw == q[3:0]) begin
          w = w | blk[511 - 32*q -: 32];
        end
      end
      md5_xv = {w[7:0], w[15:8], w[23:16], w[31:24]};
    end
  endfunction

  // One MD5 step with a variable step number (a stage running 16 or more
  // steps).  st: a in [127:96] .. d in [31:0].
  function [127:0] md5_step;
    input [5:0]   i;    // step number, 0..63
    input [127:0] st;   // a, b, c, d before the step
    input [31:0]  x;    // X[g(i)]
    reg   [31:0]  a, b, c, d, r;
    begin
      a = st[127:96];
      b = st[95:64];
      c = st[63:32];
      d = st[31:0];
      // r = ROTL(a + f + T[i] + X[g], s)
      r = rotl32(a + md5_f(i[5:4], b, c, d) + md5_t(i) + x, md5_s(i[5:4], i[1:0]));
      // a <- d, b <- b + r, c <- b, d <- c
      md5_step = {d, b + r, b, c};
    end
  endfunction

  // Mask of the block words some step from `first` on reads (word k in
  // bits [511-32k -: 32]).
  function [511:0] md5_live;
    input integer first;
    integer i, k;
    reg [15:0] used;
    begin
      used = 16'h0;
      for (i = first; i < 64; i = i + 1) begin
        used = used | (16'h1 << md5_g(i[5:0]));
      end
      md5_live = 512'h0;
      for (k = 0; k < 16; k = k + 1) begin
        md5_live = (md5_live << 32) | (used[k] ? 512'hffffffff : 512'h0);
      end
    end
  endfunction

  // Step within the stage and hand-over; constants with one step per
  // stage.  The hand-over comes in as its own port so that, as a clock
  // enable, it needs no inverter per register.
  wire [PH_W-1:0] ph;
  wire            ph_zero;
  generate
    if (RPS == 1) begin : g_one_step
      assign ph      = {PH_W{1'b0}};
      assign ph_zero = 1'b1;
      // ph_i and ld_i carry no information here.
      wire unused_ph = ^{ph_i, ld_i};
    end else begin : g_steps
      assign ph      = ph_i;
      assign ph_zero = ld_i;
    end
  endgenerate

  reg  [COUNT-1:0]       v_q;
  wire [COUNT-1:0]       v_d;
  reg  [COUNT*128-1:0]   st_q;
  wire [COUNT*128-1:0]   st_d;
  reg  [COUNT*512-1:0]   blk_q;
  wire [COUNT*512-1:0]   blk_d;
  wire [COUNT*512-1:0]   blk_out;  // blk_q with the words no later step reads as zero

  genvar s, p;
  generate
    for (s = 0; s < COUNT; s = s + 1) begin : g_stage
      localparam integer BASE_I = (FIRST + s) * RPS;  // first step of this stage
      localparam [5:0]   BASE   = BASE_I[5:0];
      // Words read after this stage's first step (by its own later steps
      // or by later stages).  The others are passed on as zero (a mask on
      // the register output keeps the load-or-hold shape that maps to a
      // clock enable), so their registers go away.
      localparam [511:0] LIVE   = md5_live(BASE_I + 1);

      wire             v_prev;
      wire [127:0]     st_prev;
      wire [511:0]     blk_prev;

      if (s == 0) begin : g_first
        assign v_prev   = v_i;
        assign st_prev  = st_i;
        assign blk_prev = blk_i;
      end else begin : g_next
        assign v_prev   = v_q[s-1];
        assign st_prev  = st_q[(s-1)*128 +: 128];
        assign blk_prev = blk_out[(s-1)*512 +: 512];
      end

      // This cycle's operands: the predecessor's block at a hand-over,
      // else the block this stage is working on.  The message word of the
      // first step comes from the predecessor, the others from this stage.
      wire [127:0] st_src  = ph_zero ? st_prev  : st_q[s*128 +: 128];
      wire [511:0] blk_own = blk_q[s*512 +: 512];

      if (RPS <= 8) begin : g_sel
        // Up to 8 steps per stage, all in one round (F, G, H or I): the
        // word, T and rotation of each step are constants, and the step
        // in progress picks among RPS candidates.
        localparam integer NP = 1 << PH_W;  // candidates, padded to a power of two
        localparam integer RND_I = BASE_I / 16;
        localparam [1:0]   RND   = RND_I[1:0];
        wire [NP*32-1:0] x_c, t_c, r_c;
        wire [31:0] a = st_src[127:96];
        wire [31:0] b = st_src[95:64];
        wire [31:0] c = st_src[63:32];
        wire [31:0] d = st_src[31:0];
        wire [255:0] x_8 = {{(256-NP*32){1'b0}}, x_c};  // candidates padded to eight
        wire [255:0] t_8 = {{(256-NP*32){1'b0}}, t_c};
        wire [255:0] r_8 = {{(256-NP*32){1'b0}}, r_c};
        wire [2:0]   ph3 = {{(3-PH_W){1'b0}}, ph};
        wire [31:0]  sum = a + md5_f(RND, b, c, d) + sel8(t_8, ph3) + sel8(x_8, ph3);

        for (p = 0; p < NP; p = p + 1) begin : g_cand
          if (p < RPS) begin : g_step
            localparam integer STEP_I = BASE_I + p;
            localparam [5:0]   STEP   = STEP_I[5:0];
            assign x_c[p*32 +: 32] = md5_x((p == 0) ? blk_prev : blk_own, md5_g(STEP));
            assign t_c[p*32 +: 32] = md5_t(STEP);
            assign r_c[p*32 +: 32] = rotl32(sum, md5_s(STEP[5:4], STEP[1:0]));
          end else begin : g_pad
            assign x_c[p*32 +: 32] = 32'h0;
            assign t_c[p*32 +: 32] = 32'h0;
            assign r_c[p*32 +: 32] = 32'h0;
          end
        end

        // a <- d, b <- b + ROTL(sum, s), c <- b, d <- c
        assign st_d[s*128 +: 128] = {d, b + sel8(r_8, ph3), b, c};
      end else begin : g_var
        wire [5:0]  i = BASE + {{(6-PH_W){1'b0}}, ph};
        wire [31:0] x = ph_zero ? md5_x(blk_prev, md5_g(BASE)) : md5_xv(blk_own, md5_g(i));
        assign st_d[s*128 +: 128] = md5_step(i, st_src, x);
      end
      assign blk_d[s*512 +: 512]     = ph_zero ? blk_prev : blk_own;
      assign blk_out[s*512 +: 512]   = LIVE & blk_q[s*512 +: 512];
      assign v_d[s]                  = ph_zero ? v_prev   : v_q[s];
    end
  endgenerate

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      v_q <= {COUNT{1'b0}};
    end else begin
      v_q <= v_d;
    end
  end

  always @(posedge clk_i) begin
    st_q  <= st_d;
    blk_q <= blk_d;
  end

  assign v_o   = v_q;
  assign st_o  = st_q[(COUNT-1)*128 +: 128];
  assign blk_o = blk_out[(COUNT-1)*512 +: 512];

endmodule
`default_nettype wire
