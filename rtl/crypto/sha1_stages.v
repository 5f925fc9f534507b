`default_nettype none
// sha1_stages — a group of COUNT consecutive stages of sha1_core (stages
// FIRST .. FIRST+COUNT-1), each running RPS SHA-1 steps (FIPS 180-4 6.1.2
// step 3) on its own round unit, one step per cycle.  sha1_core chains the
// groups; see its header for the protocol.  Grouping keeps the modules that
// synthesis handles at a few thousand flip-flops each.
//
// A stage holds a block's working variables a..e (a in [159:128]), its
// message schedule window W[t+1..t+16] after step t (W[t+1] in the top
// word; each step shifts the window by one word and appends
// W[t+16] = ROTL1(W[t+13] ^ W[t+8] ^ W[t+2] ^ W[t])), the chaining value the
// block started from, its tag and a valid bit.  In the cycles with
// ph_i == 0 every stage takes its predecessor's block and runs its first
// step on it; in the other cycles it runs step BASE + ph_i on its own
// block.  Window words that no later step reads are held at zero, so their
// registers disappear in synthesis.
module sha1_stages #(
  parameter FIRST = 0,   // index of the group's first stage in the core
  parameter COUNT = 1,   // stages in the group
  parameter RPS = 1,     // steps per stage (a divisor of 80)
  parameter PH_W = 1,    // width of ph_i
  parameter TAG_W = 16   // tag width
) (
  input  wire             clk_i,
  input  wire             rst_ni,  // synchronous, active low: clears the valid bits
  input  wire [PH_W-1:0]  ph_i,    // step within the stage; hand-over when 0 (ignored if RPS == 1)
  input  wire             v_i,     // the predecessor stage (or the request): valid,
  input  wire [159:0]     st_i,    //   a..e,
  input  wire [511:0]     w_i,     //   window,
  input  wire [159:0]     h_i,     //   chaining value,
  input  wire [TAG_W-1:0] tag_i,   //   tag
  output wire [COUNT-1:0] v_o,     // valid bits of the group's stages
  output wire [159:0]     st_o,    // the group's last stage: a..e,
  output wire [511:0]     w_o,     //   window,
  output wire [159:0]     h_o,     //   chaining value,
  output wire [TAG_W-1:0] tag_o    //   tag
);

  function [31:0] rotl1;
    input [31:0] x;
    begin
      rotl1 = {x[30:0], x[31]};
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

  // Step within the stage; a constant 0 with one step per stage.
  wire [PH_W-1:0] ph;
  generate
    if (RPS == 1) begin : g_one_step
      assign ph = {PH_W{1'b0}};
      // ph_i carries no information here.
      wire unused_ph = ^ph_i;
    end else begin : g_steps
      assign ph = ph_i;
    end
  endgenerate
  wire ph_zero = (ph == {PH_W{1'b0}});

  reg  [COUNT-1:0]       v_q;
  wire [COUNT-1:0]       v_d;
  reg  [COUNT*160-1:0]   st_q;
  wire [COUNT*160-1:0]   st_d;
  reg  [COUNT*512-1:0]   w_q;
  wire [COUNT*512-1:0]   w_d;
  reg  [COUNT*160-1:0]   h_q;
  wire [COUNT*160-1:0]   h_d;
  reg  [COUNT*TAG_W-1:0] tag_q;
  wire [COUNT*TAG_W-1:0] tag_d;

  genvar s;
  generate
    for (s = 0; s < COUNT; s = s + 1) begin : g_stage
      localparam integer BASE_I = (FIRST + s) * RPS;  // first step of this stage
      localparam [6:0]   BASE   = BASE_I[6:0];

      wire             v_prev;
      wire [159:0]     st_prev;
      wire [511:0]     w_prev;
      wire [159:0]     h_prev;
      wire [TAG_W-1:0] tag_prev;

      if (s == 0) begin : g_first
        assign v_prev   = v_i;
        assign st_prev  = st_i;
        assign w_prev   = w_i;
        assign h_prev   = h_i;
        assign tag_prev = tag_i;
      end else begin : g_next
        assign v_prev   = v_q[s-1];
        assign st_prev  = st_q[(s-1)*160 +: 160];
        assign w_prev   = w_q[(s-1)*512 +: 512];
        assign h_prev   = h_q[(s-1)*160 +: 160];
        assign tag_prev = tag_q[(s-1)*TAG_W +: TAG_W];
      end

      // This cycle's operands: the predecessor's block at a hand-over,
      // else the block this stage is working on.
      wire [159:0] st_src = ph_zero ? st_prev : st_q[s*160 +: 160];
      wire [511:0] w_src  = ph_zero ? w_prev  : w_q[s*512 +: 512];
      wire [6:0]   t      = BASE + {{(7-PH_W){1'b0}}, ph};

      assign st_d[s*160 +: 160] = sha1_step(t, st_src, w_src[511:480]);

      // Next window W[t+1..t+16].  Word k of it is W[t+1+k]; the last one
      // any step reads is W[79], so only the top LIVE = 79 - BASE words (at
      // most 16) are kept, the others are held at zero.
      localparam integer LIVE_I = (79 - BASE_I > 16) ? 16 : (79 - BASE_I);
      localparam [511:0] LIVE   = ~({512{1'b1}} >> (32 * LIVE_I));
      assign w_d[s*512 +: 512] = LIVE &
        {w_src[479:0],
         rotl1(w_src[95:64] ^ w_src[255:224] ^ w_src[447:416] ^ w_src[511:480])};

      assign h_d[s*160 +: 160]       = ph_zero ? h_prev   : h_q[s*160 +: 160];
      assign tag_d[s*TAG_W +: TAG_W] = ph_zero ? tag_prev : tag_q[s*TAG_W +: TAG_W];
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
    w_q   <= w_d;
    h_q   <= h_d;
    tag_q <= tag_d;
  end

  assign v_o   = v_q;
  assign st_o  = st_q[(COUNT-1)*160 +: 160];
  assign w_o   = w_q[(COUNT-1)*512 +: 512];
  assign h_o   = h_q[(COUNT-1)*160 +: 160];
  assign tag_o = tag_q[(COUNT-1)*TAG_W +: TAG_W];

endmodule
`default_nettype wire
