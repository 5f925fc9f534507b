`default_nettype none
// sha1_core — SHA-1 compression function (FIPS 180-4 section 6.1.2): one
// chaining value and one 64-byte block in, the next chaining value out,
// final addition included.  Padding and length encoding are the caller's.
// Bit-exact model: hls/sha1/sha1.c sha1_compress (out = compress(in)).
//
// Byte order: byte 0 of the block is in in_block_i[511:504]; SHA-1 loads
// words big-endian, so W_0 = in_block_i[511:480].  in_state_i/out_state_o
// carry h0 in [159:128] .. h4 in [31:0] as numeric word values (hls
// sha1_state_t h[0..4]).
//
// Structure: NST = 80 / RPS stages, each running RPS steps on its own round
// unit (function sha1_step), one step per cycle.  A stage holds a block's working
// variables a..e, its message schedule window W[t..t+15] (W[t] in the top
// word; every step shifts the window by one word and appends
// W[t+16] = ROTL1(W[t+13] ^ W[t+8] ^ W[t+2] ^ W[t])), the chaining value the
// block started from, its tag and a valid bit.  All stages hand over to the
// next together, every RPS cycles; stage 0 takes the request.  An output
// register adds the chaining value.
//
//   PIPELINED=1, ROUNDS_PER_STAGE=1: 80 stages; in_ready_o is always 1 and a
//     block can enter every cycle.
//   PIPELINED=1, ROUNDS_PER_STAGE=R (a divisor of 80): 80/R stages; while
//     blocks are in flight in_ready_o is high one cycle in R (a new block
//     every R cycles, i.e. 64/R bytes per cycle); when the core is empty
//     in_ready_o stays high.
//   PIPELINED=0: one stage, one round unit; in_ready_o is low while a block
//     is in its 80 steps (a new block every 80 cycles at most).
//
// Latency (every configuration): a request accepted in cycle c (in_valid_i
// and in_ready_o high) produces its one-cycle out_valid_o pulse in cycle
// c + 81 (80 steps, then the final addition).  Results leave in request
// order.  There is no output back-pressure (docs/rtl-conventions.md).
// in_ready_o does not depend on in_valid_i.  out_state_o/out_tag_o are only
// meaningful while out_valid_o is high.
//
// Reset (rst_ni, synchronous) clears the valid bits and the step counter:
// requests in flight are dropped.  Data registers are not reset.
module sha1_core #(
  // 1: pipelined (80/ROUNDS_PER_STAGE stages); 0: one round unit, 80 cycles per block.
  parameter PIPELINED /*verilator public*/ = 1,
  // Width of the opaque tag carried with each request.
  parameter TAG_W = 16,
  // PIPELINED=1 only: steps per stage (1, 2, 4, 5, 8, 10, 16, 20, 40 or 80);
  // a new block every ROUNDS_PER_STAGE cycles.  Ignored when PIPELINED=0.
  parameter ROUNDS_PER_STAGE /*verilator public*/ = 1
) (
  input  wire             clk_i,
  input  wire             rst_ni,       // synchronous reset, active low
  input  wire             in_valid_i,
  output wire             in_ready_o,
  input  wire [159:0]     in_state_i,   // chaining value, h0 in [159:128]
  input  wire [511:0]     in_block_i,   // message block, byte 0 in [511:504]
  input  wire [TAG_W-1:0] in_tag_i,
  output wire             out_valid_o,
  output wire [159:0]     out_state_o,  // next chaining value, h0 in [159:128]
  output wire [TAG_W-1:0] out_tag_o
);

  localparam RPS = (PIPELINED != 0) ? ROUNDS_PER_STAGE : 80;  // steps per stage
  localparam NST = 80 / RPS;                                  // number of stages
  localparam PH_W = (RPS > 1) ? $clog2(RPS) : 1;              // step-in-stage counter width
  localparam integer PH_LAST = RPS - 1;                       // last value of that counter
  // Stages with a window register of their own.  With one step per stage the
  // last stage only needs W[79] from its predecessor's window.
  localparam NW = (RPS > 1) ? NST : NST - 1;

  generate
    if (RPS < 1 || RPS > 80 || (80 % RPS) != 0) begin : g_bad_param
      // Elaboration fails on purpose: ROUNDS_PER_STAGE must divide 80.
      sha1_core_ROUNDS_PER_STAGE_must_divide_80 u_bad ();
    end
  endgenerate

  function [31:0] rotl1;
    input [31:0] x;
    begin
      rotl1 = {x[30:0], x[31]};
    end
  endfunction

  // One SHA-1 step (FIPS 180-4 6.1.2 step 3).  st: a in [159:128] .. e in
  // [31:0].  A function rather than a submodule so that synthesis, which
  // keeps the hierarchy, folds the f_t/K_t choice of a stage whose step
  // number is a constant.
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
  reg  [NST*160-1:0]   st_q;   // a..e
  wire [NST*160-1:0]   st_d;
  // W[t..t+15], W[t] in the top word.  Words past W[79] are never read;
  // synthesis removes their registers.
  reg  [NW*512-1:0]    w_q;
  wire [NW*512-1:0]    w_d;
  reg  [NST*160-1:0]   h_q;    // chaining value the block started from
  wire [NST*160-1:0]   h_d;
  reg  [NST*TAG_W-1:0] tag_q;
  wire [NST*TAG_W-1:0] tag_d;

  reg                  out_v_q;
  wire                 out_v_d;
  reg  [159:0]         out_st_q;
  wire [159:0]         out_st_d;
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
      localparam [6:0]   BASE   = BASE_I[6:0];

      wire             v_prev;
      wire [159:0]     st_prev;
      wire [159:0]     h_prev;
      wire [TAG_W-1:0] tag_prev;

      if (s == 0) begin : g_first
        assign v_prev   = accept;
        assign st_prev  = in_state_i;
        assign h_prev   = in_state_i;
        assign tag_prev = in_tag_i;
      end else begin : g_next
        assign v_prev   = v_q[s-1];
        assign st_prev  = st_q[(s-1)*160 +: 160];
        assign h_prev   = h_q[(s-1)*160 +: 160];
        assign tag_prev = tag_q[(s-1)*TAG_W +: TAG_W];
      end

      // Operands of this cycle's step: the predecessor's block at a
      // hand-over, else the block this stage is working on.
      wire [31:0] w_t;  // W[BASE + ph]
      if (s < NW) begin : g_win
        wire [511:0] w_prev;
        wire [511:0] w_src;
        if (s == 0) begin : g_first
          assign w_prev = in_block_i;
        end else begin : g_next
          assign w_prev = w_q[(s-1)*512 +: 512];
        end
        assign w_src = ph_zero ? w_prev : w_q[s*512 +: 512];
        assign w_t   = w_src[511:480];
        assign w_d[s*512 +: 512] =
          {w_src[479:0],
           rotl1(w_src[95:64] ^ w_src[255:224] ^ w_src[447:416] ^ w_src[511:480])};
      end else begin : g_last
        // One step per stage, last stage: only W[79] is needed.
        assign w_t = w_q[(s-1)*512 + 480 +: 32];
      end

      wire [159:0] st_src = ph_zero ? st_prev : st_q[s*160 +: 160];
      wire [6:0]   idx = BASE + {{(7-PH_W){1'b0}}, ph};

      assign st_d[s*160 +: 160] = sha1_step(idx, st_src, w_t);

      assign h_d[s*160 +: 160]       = ph_zero ? h_prev   : h_q[s*160 +: 160];
      assign tag_d[s*TAG_W +: TAG_W] = ph_zero ? tag_prev : tag_q[s*TAG_W +: TAG_W];

      assign v_d[s] = ph_zero ? v_prev : v_q[s];
    end
  endgenerate

  // ---------------------------------------------------------------------
  // Output: final addition once the last stage has run all its steps.
  wire [159:0] st_last = st_q[(NST-1)*160 +: 160];
  wire [159:0] h_last  = h_q[(NST-1)*160 +: 160];

  assign out_v_d   = ph_zero & v_q[NST-1];
  assign out_st_d  = {st_last[159:128] + h_last[159:128],
                      st_last[127:96]  + h_last[127:96],
                      st_last[95:64]   + h_last[95:64],
                      st_last[63:32]   + h_last[63:32],
                      st_last[31:0]    + h_last[31:0]};
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
    w_q       <= w_d;
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
