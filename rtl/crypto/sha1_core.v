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
// unit, one step per cycle (sha1_stages, which holds groups of stages so
// that each module synthesis sees stays small).  A stage holds a block's
// working variables a..e, its 16-word message schedule window and a valid
// bit; the chaining value the block started from and its tag travel beside
// the stages in a shift register (hash_delay).  All stages hand over to
// the next together, every RPS cycles; stage 0 takes the request.  An
// output register adds the chaining value.
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

  // Largest divisor of n that is at most limit.
  function integer group_size;
    input integer n;
    input integer limit;
    integer d;
    begin
      group_size = 1;
      for (d = 2; d <= limit; d = d + 1) begin
        if (n % d == 0) begin
          group_size = d;
        end
      end
    end
  endfunction

  localparam RPS = (PIPELINED != 0) ? ROUNDS_PER_STAGE : 80;  // steps per stage
  localparam NST = 80 / RPS;                                  // number of stages
  localparam PH_W = (RPS > 1) ? $clog2(RPS) : 1;              // step-in-stage counter width
  localparam integer PH_LAST = RPS - 1;                       // last value of that counter
  // Stages per sha1_stages group: about eight steps' worth, dividing NST.
  localparam GS = group_size(NST, (RPS >= 8) ? 1 : 8 / RPS);
  localparam NG = NST / GS;                                   // number of groups

  generate
    if (RPS < 1 || RPS > 80 || (80 % RPS) != 0) begin : g_bad_param
      // Elaboration fails on purpose: ROUNDS_PER_STAGE must divide 80.
      sha1_core_ROUNDS_PER_STAGE_must_divide_80 u_bad ();
    end
  endgenerate

  // ---------------------------------------------------------------------
  // Step-in-stage counter: stage s runs step s * RPS + ph.  Stages hand
  // over (and stage 0 takes a request) in the cycles with ph == 0.  The
  // counter rests at 0 while the core is empty.
  wire [PH_W-1:0] ph;
  wire            ph_zero = (ph == {PH_W{1'b0}});
  wire            accept = in_valid_i & ph_zero;
  wire [NST-1:0]  v;        // valid bits of all stages

  assign in_ready_o = ph_zero;

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
          busy = busy | v[int_i];
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
  // Stage groups.  Link g is the input of group g (link 0: the request)
  // and the output of group g - 1.
  wire [NG:0]           link_v;
  wire [(NG+1)*160-1:0] link_st;
  wire [(NG+1)*512-1:0] link_w;

  assign link_v[0]            = accept;
  assign link_st[0 +: 160]    = in_state_i;
  assign link_w[0 +: 512]     = in_block_i;   // W[0..15], W[0] in the top word

  genvar grp;
  generate
    for (grp = 0; grp < NG; grp = grp + 1) begin : g_group
      sha1_stages #(
        .FIRST (grp * GS),
        .COUNT (GS),
        .RPS   (RPS),
        .PH_W  (PH_W)
      ) u_stages (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .ph_i   (ph),
        .ld_i   (ph_zero),
        .v_i    (link_v[grp]),
        .st_i   (link_st[grp*160 +: 160]),
        .w_i    (link_w[grp*512 +: 512]),
        .v_o    (v[grp*GS +: GS]),
        .st_o   (link_st[(grp+1)*160 +: 160]),
        .w_o    (link_w[(grp+1)*512 +: 512])
      );
      assign link_v[grp+1] = v[grp*GS + GS - 1];
    end
  endgenerate

  // ---------------------------------------------------------------------
  // Chaining value and tag of each block, carried beside the stages: a
  // delay line that moves at every hand-over, so its entry s belongs to
  // the block in stage s.  Segments of at most 16 entries (one SRL16 per
  // bit, and all full segments are the same module for synthesis).
  localparam CW   = 160 + TAG_W;                  // carried word: {chaining value, tag}
  localparam SEG  = 16;                          // entries per segment
  localparam NSEG = (NST + SEG - 1) / SEG;       // segments

  wire [(NSEG+1)*CW-1:0] link_c;

  assign link_c[0 +: CW] = {in_state_i, in_tag_i};

  genvar seg;
  generate
    for (seg = 0; seg < NSEG; seg = seg + 1) begin : g_carry
      hash_delay #(
        .W (CW),
        .D ((seg < NSEG - 1) ? SEG : NST - (NSEG - 1) * SEG)
      ) u_carry (
        .clk_i (clk_i),
        .en_i  (ph_zero),
        .d_i   (link_c[seg*CW +: CW]),
        .q_o   (link_c[(seg+1)*CW +: CW])
      );
    end
  endgenerate

  // ---------------------------------------------------------------------
  // Output: final addition once the last stage has run all its steps.
  wire [159:0] st_last = link_st[NG*160 +: 160];
  wire [159:0] h_last  = link_c[NSEG*CW + TAG_W +: 160];

  // The last stage's window is all zeros (no step reads it).
  wire unused_w_last = |link_w[NG*512 +: 512];

  reg              out_v_q;
  reg  [159:0]     out_st_q;
  reg  [TAG_W-1:0] out_tag_q;
  wire             out_v_d   = ph_zero & link_v[NG];
  wire [159:0]     out_st_d  = {st_last[159:128] + h_last[159:128],
                                st_last[127:96]  + h_last[127:96],
                                st_last[95:64]   + h_last[95:64],
                                st_last[63:32]   + h_last[63:32],
                                st_last[31:0]    + h_last[31:0]};
  wire [TAG_W-1:0] out_tag_d = link_c[NSEG*CW +: TAG_W];

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      out_v_q <= 1'b0;
    end else begin
      out_v_q <= out_v_d;
    end
  end

  always @(posedge clk_i) begin
    out_st_q  <= out_st_d;
    out_tag_q <= out_tag_d;
  end

  assign out_valid_o = out_v_q;
  assign out_state_o = out_st_q;
  assign out_tag_o   = out_tag_q;

endmodule
`default_nettype wire
