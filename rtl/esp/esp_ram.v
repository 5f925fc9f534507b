`default_nettype none
// esp_ram — simple dual-port RAM used for every buffer and table of the ESP
// engine: one write port with per-lane write enables, one read port.
//
// Written in the shape Yosys (memory_libmap) and Vivado infer: a reg array,
// one clocked write process, and either a registered read (ASYNC_RD=0, block
// RAM: rd_o shows mem[ra_i] of the previous cycle) or a combinational read
// (ASYNC_RD=1, distributed RAM).  A read of the address written in the same
// cycle returns the old word (registered read); the engine never relies on
// it.  Contents are not reset.
module esp_ram #(
  parameter DW = 128,     // word width in bits (a multiple of WE_W)
  parameter AW = 7,       // address width: 2**AW words
  parameter WE_W = 1,     // write-enable lanes, each DW/WE_W bits wide
  parameter ASYNC_RD = 0  // 0: registered read (block RAM); 1: combinational read (distributed RAM)
) (
  input  wire            clk_i,
  input  wire            we_i,   // write wa_i with wd_i where wbe_i is set
  input  wire [WE_W-1:0] wbe_i,
  input  wire [AW-1:0]   wa_i,
  input  wire [DW-1:0]   wd_i,
  input  wire [AW-1:0]   ra_i,
  output wire [DW-1:0]   rd_o
);

  localparam LW = DW / WE_W;  // bits per write-enable lane

  reg [DW-1:0] mem [0:(1<<AW)-1];

  integer ri;
  always @(posedge clk_i) begin
    if (we_i) begin
      for (ri = 0; ri < WE_W; ri = ri + 1)
        if (wbe_i[ri]) mem[wa_i][ri*LW +: LW] <= wd_i[ri*LW +: LW];
    end
  end

  generate
    if (ASYNC_RD != 0) begin : g_async
      assign rd_o = mem[ra_i];
    end else begin : g_sync
      reg [DW-1:0] rd_q;
      always @(posedge clk_i) rd_q <= mem[ra_i];
      assign rd_o = rd_q;
    end
  endgenerate

endmodule
`default_nettype wire
