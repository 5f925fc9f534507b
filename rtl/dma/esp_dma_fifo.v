`default_nettype none
// esp_dma_fifo — synchronous first-word-fall-through FIFO for the DMA.
//
// push_i writes din_i when not full; pop_i removes the head (dout_o, valid
// while !empty_o) when not empty.  Push and pop may happen in one cycle.
// count_o is the number of entries held.  Storage is an array read
// combinationally at the head (distributed RAM / registers); the DMA's
// deep packet FIFO is the one place a board may want block RAM with a
// registered read instead (docs/rtl-dma.md, "Resources").
module esp_dma_fifo #(
  parameter W = 8,      // entry bits
  parameter DEPTH_L2 = 3 // log2 of the entries (>= 1)
) (
  input  wire              clk_i,
  input  wire              rst_ni,  // synchronous, active low: empties the FIFO
  input  wire              push_i,
  input  wire [W-1:0]      din_i,
  input  wire              pop_i,
  output wire [W-1:0]      dout_o,
  output wire              empty_o,
  output wire              full_o,
  output wire [DEPTH_L2:0] count_o
);
  localparam DEPTH = 1 << DEPTH_L2;

  reg [W-1:0]        mem_q [0:DEPTH-1];
  reg [DEPTH_L2-1:0] wp_q, rp_q;
  reg [DEPTH_L2:0]   cnt_q;

  wire do_push = push_i && cnt_q != DEPTH[DEPTH_L2:0];
  wire do_pop = pop_i && cnt_q != 0;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wp_q <= {DEPTH_L2{1'b0}};
      rp_q <= {DEPTH_L2{1'b0}};
      cnt_q <= {(DEPTH_L2 + 1){1'b0}};
    end else begin
      if (do_push)
        wp_q <= wp_q + 1'b1;
      if (do_pop)
        rp_q <= rp_q + 1'b1;
      cnt_q <= cnt_q + {{DEPTH_L2{1'b0}}, do_push} - {{DEPTH_L2{1'b0}}, do_pop};
    end
    // storage: datapath, no reset
    if (do_push)
      mem_q[wp_q] <= din_i;
  end

  assign dout_o = mem_q[rp_q];
  assign empty_o = cnt_q == 0;
  assign full_o = cnt_q == DEPTH[DEPTH_L2:0];
  assign count_o = cnt_q;
endmodule
`default_nettype wire
