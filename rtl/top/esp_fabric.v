`default_nettype none
// esp_fabric — the ESP fabric as a board instantiates it: the host's
// AXI4-Lite register block (esp_csr) wired to the ESP engine (esp_engine),
// with the engine's request and completion streams as AXI4-Stream style
// ports for the DMA front end (a later issue).  Usage and register map:
// docs/rtl-esp-engine.md, sections "Stream interface" and "CSR block".
//
//   s_axil_*  ──► esp_csr ──sa_wr_*/sa_rd_*──► esp_engine
//                   ▲  counters, irq causes        │
//                   └──── request/completion ◄─────┤
//   s_axis_req_* ─────────────────────────────────►│
//   m_axis_cpl_* ◄─────────────────────────────────┘
//
// Streams (one packet per request, one completion per request, in request
// order; STREAM_BYTES per beat, byte 0 of the packet in the top byte of
// tdata):
// - request: s_axis_req_tuser_i is the request descriptor
//   {cookie[63:0], slot[31:0], in_len[15:0], out_cap[15:0], op[7:0], iv[127:0]},
//   sampled with the first beat only; ceil(in_len/STREAM_BYTES) beats (one when
//   in_len is 0), tlast on the final one.
// - completion: m_axis_cpl_tuser_o is the completion record
//   {cookie[63:0], slot[31:0], spi[31:0], seq[31:0], out_len[15:0], status[7:0], flags[7:0]},
//   the same on every beat of the completion; ceil(out_len/STREAM_BYTES) beats (one
//   zero beat when out_len is 0), bytes past out_len zero.
// There is no tkeep: lengths travel in the descriptor and the record.
//
// CSR events: the first accepted beat of a request counts in CNT_SUBMIT;
// the first accepted beat of a completion counts in CNT_CPL and
// CNT_STATUS(status) and raises the interrupt causes CPL, SOFT / HARD (from
// the record's flags) and ERR (status DEVICE).  SA commands raise SA_DONE
// (and ERR when the engine refused the SA), state reads ST_DONE.  The
// engine's state-load test hook (sa_wr_load_i) is tied off: a host can
// only add, update and delete SAs.
//
// Capability registers (SA_SLOTS, N_CTX, CIPHER_LANES, PIPELINED) report
// this module's parameters, which are the engine's.
module esp_fabric #(
  parameter PIPELINED = 1,      // crypto cores unrolled (1, Alveo) or iterative (0, Zynq-7000)
  parameter SA_SLOTS = 64,      // SA table entries (<= ESPFAB_SA_SLOTS_MAX)
  parameter N_CTX = 8,          // packets in flight (a power of two)
  parameter CIPHER_LANES = 1,   // parallel AES/DES lanes (a power of two, N_CTX / CIPHER_LANES >= 2)
  parameter STREAM_BYTES = 16,  // bytes per stream beat: 16 (Zynq) or 32 (Alveo)
  parameter AXIL_ADDR_W = 16    // AXI4-Lite address bits (10..31; the map ends below 0x400)
) (
  input  wire                      clk_i,
  input  wire                      rst_ni,              // synchronous, active low
  // AXI4-Lite slave: the host's register window
  input  wire                      s_axil_awvalid_i,
  output wire                      s_axil_awready_o,
  input  wire [AXIL_ADDR_W-1:0]    s_axil_awaddr_i,
  input  wire                      s_axil_wvalid_i,
  output wire                      s_axil_wready_o,
  input  wire [31:0]               s_axil_wdata_i,
  input  wire [3:0]                s_axil_wstrb_i,
  output wire                      s_axil_bvalid_o,
  input  wire                      s_axil_bready_i,
  output wire [1:0]                s_axil_bresp_o,
  input  wire                      s_axil_arvalid_i,
  output wire                      s_axil_arready_o,
  input  wire [AXIL_ADDR_W-1:0]    s_axil_araddr_i,
  output wire                      s_axil_rvalid_o,
  input  wire                      s_axil_rready_i,
  output wire [31:0]               s_axil_rdata_o,
  output wire [1:0]                s_axil_rresp_o,
  // request stream (from the DMA)
  input  wire                      s_axis_req_tvalid_i,
  output wire                      s_axis_req_tready_o,
  input  wire [8*STREAM_BYTES-1:0] s_axis_req_tdata_i,
  input  wire                      s_axis_req_tlast_i,
  input  wire [263:0]              s_axis_req_tuser_i,  // request descriptor, with the first beat
  // completion stream (to the DMA)
  output wire                      m_axis_cpl_tvalid_o,
  input  wire                      m_axis_cpl_tready_i,
  output wire [8*STREAM_BYTES-1:0] m_axis_cpl_tdata_o,
  output wire                      m_axis_cpl_tlast_o,
  output wire [191:0]              m_axis_cpl_tuser_o,  // completion record, on every beat
  // interrupt: level, active high, while IRQ_STATUS is not zero
  output wire                      irq_o
);

  // ---- engine <-> CSR
  wire           sa_wr_valid, sa_wr_ready, sa_wr_keep_state, sa_wr_clear, sa_wr_err;
  wire [31:0]    sa_wr_slot;
  wire [1087:0]  sa_wr_sa;
  wire           sa_rd_valid, sa_rd_ready, sa_rd_done;
  wire [31:0]    sa_rd_slot;
  wire [2175:0]  sa_rd_state;

  // ---- first beats of requests and completions (the CSR's events)
  wire req_fire = s_axis_req_tvalid_i && s_axis_req_tready_o;
  wire cpl_fire = m_axis_cpl_tvalid_o && m_axis_cpl_tready_i;
  reg  req_mid_q, req_mid_d;   // a request's first beat has been taken, tlast not yet
  reg  cpl_mid_q, cpl_mid_d;   // a completion's first beat has been taken, tlast not yet

  always @* begin
    req_mid_d = req_mid_q;
    cpl_mid_d = cpl_mid_q;
    if (req_fire)
      req_mid_d = !s_axis_req_tlast_i;
    if (cpl_fire)
      cpl_mid_d = !m_axis_cpl_tlast_o;
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      req_mid_q <= 1'b0;
      cpl_mid_q <= 1'b0;
    end else begin
      req_mid_q <= req_mid_d;
      cpl_mid_q <= cpl_mid_d;
    end
  end

  esp_engine #(
    .PIPELINED(PIPELINED),
    .SA_SLOTS(SA_SLOTS),
    .N_CTX(N_CTX),
    .CIPHER_LANES(CIPHER_LANES),
    .STREAM_BYTES(STREAM_BYTES)
  ) u_engine (
    .clk_i(clk_i),
    .rst_ni(rst_ni),
    .s_req_valid_i(s_axis_req_tvalid_i),
    .s_req_ready_o(s_axis_req_tready_o),
    .s_req_data_i(s_axis_req_tdata_i),
    .s_req_last_i(s_axis_req_tlast_i),
    .s_req_desc_i(s_axis_req_tuser_i),
    .m_cpl_valid_o(m_axis_cpl_tvalid_o),
    .m_cpl_ready_i(m_axis_cpl_tready_i),
    .m_cpl_data_o(m_axis_cpl_tdata_o),
    .m_cpl_last_o(m_axis_cpl_tlast_o),
    .m_cpl_rec_o(m_axis_cpl_tuser_o),
    .sa_wr_valid_i(sa_wr_valid),
    .sa_wr_ready_o(sa_wr_ready),
    .sa_wr_slot_i(sa_wr_slot),
    .sa_wr_sa_i(sa_wr_sa),
    .sa_wr_keep_state_i(sa_wr_keep_state),
    .sa_wr_clear_i(sa_wr_clear),
    .sa_wr_load_i(1'b0),           // test hook, not reachable from the host
    .sa_wr_state_i({2176{1'b0}}),
    .sa_wr_err_o(sa_wr_err),
    .sa_rd_valid_i(sa_rd_valid),
    .sa_rd_ready_o(sa_rd_ready),
    .sa_rd_slot_i(sa_rd_slot),
    .sa_rd_done_o(sa_rd_done),
    .sa_rd_state_o(sa_rd_state)
  );

  esp_csr #(
    .ADDR_W(AXIL_ADDR_W),
    .SA_SLOTS(SA_SLOTS),
    .N_CTX(N_CTX),
    .CIPHER_LANES(CIPHER_LANES),
    .PIPELINED(PIPELINED),
    .STREAM_BYTES(STREAM_BYTES),
    .N_QUEUES(0)
  ) u_csr (
    .clk_i(clk_i),
    .rst_ni(rst_ni),
    .s_axil_awvalid_i(s_axil_awvalid_i),
    .s_axil_awready_o(s_axil_awready_o),
    .s_axil_awaddr_i(s_axil_awaddr_i),
    .s_axil_wvalid_i(s_axil_wvalid_i),
    .s_axil_wready_o(s_axil_wready_o),
    .s_axil_wdata_i(s_axil_wdata_i),
    .s_axil_wstrb_i(s_axil_wstrb_i),
    .s_axil_bvalid_o(s_axil_bvalid_o),
    .s_axil_bready_i(s_axil_bready_i),
    .s_axil_bresp_o(s_axil_bresp_o),
    .s_axil_arvalid_i(s_axil_arvalid_i),
    .s_axil_arready_o(s_axil_arready_o),
    .s_axil_araddr_i(s_axil_araddr_i),
    .s_axil_rvalid_o(s_axil_rvalid_o),
    .s_axil_rready_i(s_axil_rready_i),
    .s_axil_rdata_o(s_axil_rdata_o),
    .s_axil_rresp_o(s_axil_rresp_o),
    .sa_wr_valid_o(sa_wr_valid),
    .sa_wr_ready_i(sa_wr_ready),
    .sa_wr_slot_o(sa_wr_slot),
    .sa_wr_sa_o(sa_wr_sa),
    .sa_wr_keep_state_o(sa_wr_keep_state),
    .sa_wr_clear_o(sa_wr_clear),
    .sa_wr_err_i(sa_wr_err),
    .sa_rd_valid_o(sa_rd_valid),
    .sa_rd_ready_i(sa_rd_ready),
    .sa_rd_slot_o(sa_rd_slot),
    .sa_rd_done_i(sa_rd_done),
    .sa_rd_state_i(sa_rd_state),
    .req_valid_i(req_fire && !req_mid_q),
    .cpl_valid_i(cpl_fire && !cpl_mid_q),
    .cpl_status_i(m_axis_cpl_tuser_o[15:8]),
    .cpl_flags_i(m_axis_cpl_tuser_o[7:0]),
    /* verilator lint_off PINCONNECTEMPTY */  // no DMA here: its register window is unmapped
    .dma_wr_o(),
    .dma_waddr_o(),
    .dma_wdata_o(),
    .dma_wstrb_o(),
    .dma_raddr_o(),
    /* verilator lint_on PINCONNECTEMPTY */
    .dma_rdata_i(32'd0),
    .irq_o(irq_o)
  );

endmodule
`default_nettype wire
