`default_nettype none
// sha1_stages — a group of COUNT consecutive stages of sha1_core (stages
// FIRST .. FIRST+COUNT-1), each running RPS SHA-1 steps (FIPS 180-4 6.1.2
// step 3) on its own round unit, one step per cycle.  sha1_core chains the
// groups; see its header for the protocol.  Grouping keeps the modules that
// synthesis handles at a few thousand flip-flops each.
//
// A stage holds a block's working variables a..e (a in [159:128]), its
// message schedule window (W[t..t+15] before step t; W[t+16] =
// ROTL1(W[t+13] ^ W[t+8] ^ W[t+2] ^ W[t])) and a valid bit; the chaining
// value and the tag travel beside the stages (hash_delay in sha1_core).
// In the cycles with ld_i (ph_i == 0) every stage takes its predecessor's block
// and runs its first step on it; in the other cycles it runs step
// BASE + ph_i on its own block.  Window words that no step reads (past
// W[79]) are passed on as zero, so their registers disappear in synthesis.
module sha1_stages #(
  parameter FIRST = 0,   // index of the group's first stage in the core
  parameter COUNT = 1,   // stages in the group
  parameter RPS = 1,     // steps per stage (a divisor of 80)
  parameter PH_W = 1     // width of ph_i
) (
  input  wire             clk_i,
  input  wire             rst_ni,  // synchronous, active low: clears the valid bits
  input  wire [PH_W-1:0]  ph_i,    // step within the stage (ignored if RPS == 1)
  input  wire             ld_i,    // hand-over: ph_i == 0 (ignored if RPS == 1)
  input  wire             v_i,     // the predecessor stage (or the request): valid,
  input  wire [159:0]     st_i,    //   a..e,
  input  wire [511:0]     w_i,     //   window
  output wire [COUNT-1:0] v_o,     // valid bits of the group's stages
  output wire [159:0]     st_o,    // the group's last stage: a..e,
  output wire [511:0]     w_o      //   window
);

  function [31:0] rotl1;
    input [31:0] x;
    begin
      rotl1 = {x[30:0], x[31]};
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

  // One SHA-1 step.  A function (inlined) so that synthesis folds the
  // f_t/K_t choice where the step number is a constant.
  function [159:0] sha1_step;
    input [6:0]   t;   // step number, 0..79
    input [159:0] st;  // a, b, c, d, e before the step
    input [31:0]  w;   // W_t
    reg   [31:0]  a, b, c, d, e, f, k, tmp;
    begin
      a = st[159:128];
      b = st[127:96];
      c = st[95:64];
      d = st[63:32];
      e = st[31:0];
      if (t < 7'd20) begin
        f = (b & c) | (~b & d);            // Ch
        k = 32'h5a827999;
      end else if (t < 7'd40) begin
        f = b ^ c ^ d;                     // Parity
        k = 32'h6ed9eba1;
      end else if (t < 7'd60) begin
        f = (b & c) | (b & d) | (c & d);   // Maj
        k = 32'h8f1bbcdc;
      end else begin
        f = b ^ c ^ d;                     // Parity
        k = 32'hca62c1d6;
      end
      tmp = {a[26:0], a[31:27]} + f + e + k + w;
      // a <- T, b <- a, c <- ROTL30(b), d <- c, e <- d
      sha1_step = {tmp, a, b[1:0], b[31:2], c, d};
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
  reg  [COUNT*160-1:0]   st_q;
  wire [COUNT*160-1:0]   st_d;
  // Window each stage hands to the next: W[BASE+RPS .. BASE+RPS+15],
  // valid once the stage has run all its steps.
  wire [COUNT*512-1:0]   w_out;

  genvar s, p;
  generate
    for (s = 0; s < COUNT; s = s + 1) begin : g_stage
      localparam integer BASE_I = (FIRST + s) * RPS;  // first step of this stage
      localparam [6:0]   BASE   = BASE_I[6:0];

      wire             v_prev;
      wire [159:0]     st_prev;
      wire [511:0]     w_prev;

      if (s == 0) begin : g_first
        assign v_prev   = v_i;
        assign st_prev  = st_i;
        assign w_prev   = w_i;
      end else begin : g_next
        assign v_prev   = v_q[s-1];
        assign st_prev  = st_q[(s-1)*160 +: 160];
        assign w_prev   = w_out[(s-1)*512 +: 512];
      end

      // This cycle's operands: the predecessor's block at a hand-over,
      // else the block this stage is working on.
      wire [159:0] st_src = ph_zero ? st_prev : st_q[s*160 +: 160];
      wire [6:0]   t      = BASE + {{(7-PH_W){1'b0}}, ph};
      wire [31:0]  w_t;  // W[t]

      assign st_d[s*160 +: 160] = sha1_step(t, st_src, w_t);

      if (RPS == 1 || RPS > 8) begin : g_shift
        // Shifting window: after step t, w_q holds W[t+1..t+16] (W[t+1] in
        // the top word); each step shifts by one word and appends W[t+16].
        // W[79] is the last word any step reads, so only the top
        // LIVE = 79 - BASE words (at most 16) are kept, the others are
        // held at zero.  With one step per stage this is pure wiring; a
        // stage running several steps pays a 2:1 choice per window bit.
        localparam integer LIVE_I = (79 - BASE_I > 16) ? 16 : (79 - BASE_I);
        localparam [511:0] LIVE   = ~({512{1'b1}} >> (32 * LIVE_I));
        reg  [511:0] w_q;
        wire [511:0] w_src = ph_zero ? w_prev : w_q;
        wire [511:0] w_d   = LIVE &
          {w_src[479:0],
           rotl1(w_src[95:64] ^ w_src[255:224] ^ w_src[447:416] ^ w_src[511:480])};

        always @(posedge clk_i) begin
          w_q <= w_d;
        end

        assign w_t = w_src[511:480];
        assign w_out[s*512 +: 512] = w_q;
      end else begin : g_index
        // Indexed window for 2..8 steps per stage: win_q takes W[BASE+1 ..
        // BASE+15] at the hand-over and then holds it; step BASE+p writes
        // W[BASE+16+p] into word p of new_q.  Every register bit is either
        // loaded or held (a clock enable), and the operands of step BASE+p
        // are chosen among RPS words.  Words past W[79] are read as zero
        // (masks on the register outputs, which keep the load-or-hold
        // shape that maps to clock enables), so their registers go away.
        localparam integer NP = 1 << PH_W;  // operand candidates, padded to a power of two
        localparam integer LIVE_I = (79 - BASE_I > 15) ? 15 : (79 - BASE_I);
        localparam [479:0] WIN_LIVE = ~({480{1'b1}} >> (32 * LIVE_I));
        reg  [479:0]       win_q;  // W[BASE+1 .. BASE+15], W[BASE+1] in the top word
        reg  [RPS*32-1:0]  new_q;  // W[BASE+16 .. BASE+15+RPS], W[BASE+16] in the top word
        wire [479:0]       win_d = ph_zero ? w_prev[479:0] : win_q;
        wire [RPS*32-1:0]  new_d;
        wire [RPS*32-1:0]  new_live;
        // Word k of all_w is W[BASE+1+k], k = 0 .. 14+RPS.
        wire [(15+RPS)*32-1:0] all_w = {WIN_LIVE & win_q, new_live & new_q};
        // Candidates for the operands W[t], W[t+2], W[t+8], W[t+13] of step
        // t = BASE+p: at p == 0 from the predecessor (this stage loads in
        // the same cycle), else from this stage.
        wire [NP*32-1:0] c0, c2, c8, c13;
        wire [31:0]      op0, op2, op8, op13;  // the candidates of the step in progress
        wire [31:0]      w_new;
        wire [2:0]       ph3 = {{(3-PH_W){1'b0}}, ph};

        for (p = 0; p < NP; p = p + 1) begin : g_cand
          if (p == 0) begin : g_prev
            assign c0[0 +: 32]  = w_prev[511 - 32*0  -: 32];
            assign c2[0 +: 32]  = w_prev[511 - 32*2  -: 32];
            assign c8[0 +: 32]  = w_prev[511 - 32*8  -: 32];
            assign c13[0 +: 32] = w_prev[511 - 32*13 -: 32];
          end else if (p < RPS) begin : g_own
            // W[BASE+p+j] is word p+j-1 of all_w.
            assign c0[p*32 +: 32]  = all_w[(15+RPS-(p-1))*32-1    -: 32];
            assign c2[p*32 +: 32]  = all_w[(15+RPS-(p+1))*32-1    -: 32];
            assign c8[p*32 +: 32]  = all_w[(15+RPS-(p+7))*32-1    -: 32];
            assign c13[p*32 +: 32] = all_w[(15+RPS-(p+12))*32-1   -: 32];
          end else begin : g_pad
            assign c0[p*32 +: 32]  = 32'h0;
            assign c2[p*32 +: 32]  = 32'h0;
            assign c8[p*32 +: 32]  = 32'h0;
            assign c13[p*32 +: 32] = 32'h0;
          end
        end

        assign op0  = sel8({{(256-NP*32){1'b0}}, c0},  ph3);
        assign op2  = sel8({{(256-NP*32){1'b0}}, c2},  ph3);
        assign op8  = sel8({{(256-NP*32){1'b0}}, c8},  ph3);
        assign op13 = sel8({{(256-NP*32){1'b0}}, c13}, ph3);
        assign w_new = rotl1(op13 ^ op8 ^ op2 ^ op0);  // W[t+16]
        assign w_t   = op0;

        for (p = 0; p < RPS; p = p + 1) begin : g_new
          localparam [PH_W-1:0] PV = p;
          assign new_live[(RPS-p)*32-1 -: 32] = {32{(BASE_I + 16 + p <= 79)}};
          assign new_d[(RPS-p)*32-1 -: 32] = (ph == PV) ? w_new : new_q[(RPS-p)*32-1 -: 32];
        end

        always @(posedge clk_i) begin
          win_q <= win_d;
          new_q <= new_d;
        end

        // W[BASE+RPS .. BASE+RPS+15]: words RPS-1 .. RPS+14 of all_w.
        assign w_out[s*512 +: 512] = all_w[511:0];
      end

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
  end

  assign v_o   = v_q;
  assign st_o  = st_q[(COUNT-1)*160 +: 160];
  assign w_o   = w_out[(COUNT-1)*512 +: 512];

endmodule
`default_nettype wire
