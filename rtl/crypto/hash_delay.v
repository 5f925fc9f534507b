`default_nettype none
// hash_delay — a shift register of D words of W bits that moves when en_i
// is high: q_o is the word d_i carried D moves earlier.  sha1_core and
// md5_core carry each block's chaining value and tag beside their stages
// in it (one move per stage hand-over).  No reset and no logic between the
// registers, so synthesis maps it to shift-register LUTs (SRL16E/SRLC32E,
// whose clock enable takes en_i).
module hash_delay #(
  parameter W = 1,  // word width (bits)
  parameter D = 1   // depth (moves from d_i to q_o)
) (
  input  wire         clk_i,
  input  wire         en_i,  // move by one word
  input  wire [W-1:0] d_i,
  output wire [W-1:0] q_o
);

  reg  [W*D-1:0] sr_q;  // word 0 (newest) in the low bits
  wire [W*D-1:0] sr_d;

  generate
    if (D == 1) begin : g_one
      assign sr_d = en_i ? d_i : sr_q;
    end else begin : g_chain
      assign sr_d = en_i ? {sr_q[W*(D-1)-1:0], d_i} : sr_q;
    end
  endgenerate

  always @(posedge clk_i) begin
    sr_q <= sr_d;
  end

  assign q_o = sr_q[W*D-1 -: W];

endmodule
`default_nettype wire
