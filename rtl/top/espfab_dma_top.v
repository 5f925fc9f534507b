`default_nettype none
// espfab_dma_top — the fabric with its DMA, as a board instantiates it
// when the host hands packets over rings in its memory (look-aside):
// the AXI4-Lite register block (esp_csr, with the DMA's queue registers
// behind it), the AXI4 master DMA (esp_dma) and the ESP engine
// (esp_engine).  esp_fabric stays the stream-level top (streams as ports);
// this one has no streams outside.  docs/rtl-dma.md.
//
//   s_axil_* ──► esp_csr ──sa_wr/sa_rd──► esp_engine
//                  │ dma_* registers        ▲ request   │ completion
//                  ▼                        │ stream    ▼ stream
//   m_axi_*  ◄──► esp_dma ──────────────────┘◄──────────┘
//   irq_o ◄── esp_csr        q_irq_o[q] ◄── esp_dma (moderated, per queue)
//
// CSR events come from the DMA, not the streams: CNT_SUBMIT counts
// descriptors read, CNT_CPL / CNT_STATUS and the causes CPL, SOFT, HARD,
// ERR count completion records written — including the ones the DMA
// decides itself (BAD_REQUEST for a bad descriptor, DEVICE after an AXI
// error), which never reach the engine.
module espfab_dma_top #(
  parameter PIPELINED = 1,      // crypto cores unrolled (1, Alveo) or iterative (0, Zynq-7000)
  parameter SA_SLOTS = 64,      // SA table entries (<= ESPFAB_SA_SLOTS_MAX)
  parameter N_CTX = 8,          // packets in flight in the engine (a power of two)
  parameter CIPHER_LANES = 1,   // parallel AES/DES lanes (a power of two, N_CTX / CIPHER_LANES >= 2)
  parameter STREAM_BYTES = 16,  // engine stream and AXI4 data bytes per beat: 16 (Zynq) or 32 (Alveo)
  parameter N_QUEUES = 4,       // DMA queues (1..ESPFAB_QUEUES_MAX)
  parameter AXIL_ADDR_W = 16    // AXI4-Lite address bits (11..31; the map ends below 0x600)
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
  // AXI4 master: host memory (one ID: tie AWID/ARID to 0; INCR bursts)
  output wire                      m_axi_awvalid_o,
  input  wire                      m_axi_awready_i,
  output wire [63:0]               m_axi_awaddr_o,
  output wire [7:0]                m_axi_awlen_o,
  output wire [2:0]                m_axi_awsize_o,
  output wire [1:0]                m_axi_awburst_o,
  output wire                      m_axi_wvalid_o,
  input  wire                      m_axi_wready_i,
  output wire [8*STREAM_BYTES-1:0] m_axi_wdata_o,
  output wire [STREAM_BYTES-1:0]   m_axi_wstrb_o,
  output wire                      m_axi_wlast_o,
  input  wire                      m_axi_bvalid_i,
  output wire                      m_axi_bready_o,
  input  wire [1:0]                m_axi_bresp_i,
  output wire                      m_axi_arvalid_o,
  input  wire                      m_axi_arready_i,
  output wire [63:0]               m_axi_araddr_o,
  output wire [7:0]                m_axi_arlen_o,
  output wire [2:0]                m_axi_arsize_o,
  output wire [1:0]                m_axi_arburst_o,
  input  wire                      m_axi_rvalid_i,
  output wire                      m_axi_rready_o,
  input  wire [8*STREAM_BYTES-1:0] m_axi_rdata_i,
  input  wire [1:0]                m_axi_rresp_i,
  input  wire                      m_axi_rlast_i,
  // interrupts: level, active high
  output wire                      irq_o,               // CSR causes (IRQ_STATUS != 0)
  output wire [N_QUEUES-1:0]       q_irq_o              // queue q's moderated interrupt (DMA_IRQ bit q)
);

  localparam W = 8 * STREAM_BYTES;

  wire           sa_wr_valid, sa_wr_ready, sa_wr_keep_state, sa_wr_clear, sa_wr_err;
  wire [31:0]    sa_wr_slot;
  wire [1087:0]  sa_wr_sa;
  wire           sa_rd_valid, sa_rd_ready, sa_rd_done;
  wire [31:0]    sa_rd_slot;
  wire [2175:0]  sa_rd_state;

  wire           dma_wr;
  wire [31:0]    dma_waddr, dma_wdata, dma_raddr, dma_rdata;
  wire [3:0]     dma_wstrb;
  wire           ev_req, ev_cpl;
  wire [7:0]     ev_status, ev_flags;

  wire           req_valid, req_ready, req_last;
  wire [W-1:0]   req_data;
  wire [263:0]   req_desc;
  wire           cpl_valid, cpl_ready, cpl_last;
  wire [W-1:0]   cpl_data;
  wire [191:0]   cpl_rec;

  esp_engine #(
    .PIPELINED(PIPELINED),
    .SA_SLOTS(SA_SLOTS),
    .N_CTX(N_CTX),
    .CIPHER_LANES(CIPHER_LANES),
    .STREAM_BYTES(STREAM_BYTES)
  ) u_engine (
    .clk_i(clk_i),
    .rst_ni(rst_ni),
    .s_req_valid_i(req_valid),
    .s_req_ready_o(req_ready),
    .s_req_data_i(req_data),
    .s_req_last_i(req_last),
    .s_req_desc_i(req_desc),
    .m_cpl_valid_o(cpl_valid),
    .m_cpl_ready_i(cpl_ready),
    .m_cpl_data_o(cpl_data),
    .m_cpl_last_o(cpl_last),
    .m_cpl_rec_o(cpl_rec),
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

  esp_dma #(
    .N_QUEUES(N_QUEUES),
    .STREAM_BYTES(STREAM_BYTES),
    .TRK_L2(N_CTX > 32 ? 7 : 6)
  ) u_dma (
    .clk_i(clk_i),
    .rst_ni(rst_ni),
    .reg_wr_i(dma_wr),
    .reg_waddr_i(dma_waddr),
    .reg_wdata_i(dma_wdata),
    .reg_wstrb_i(dma_wstrb),
    .reg_raddr_i(dma_raddr),
    .reg_rdata_o(dma_rdata),
    .m_axi_awvalid_o(m_axi_awvalid_o),
    .m_axi_awready_i(m_axi_awready_i),
    .m_axi_awaddr_o(m_axi_awaddr_o),
    .m_axi_awlen_o(m_axi_awlen_o),
    .m_axi_awsize_o(m_axi_awsize_o),
    .m_axi_awburst_o(m_axi_awburst_o),
    .m_axi_wvalid_o(m_axi_wvalid_o),
    .m_axi_wready_i(m_axi_wready_i),
    .m_axi_wdata_o(m_axi_wdata_o),
    .m_axi_wstrb_o(m_axi_wstrb_o),
    .m_axi_wlast_o(m_axi_wlast_o),
    .m_axi_bvalid_i(m_axi_bvalid_i),
    .m_axi_bready_o(m_axi_bready_o),
    .m_axi_bresp_i(m_axi_bresp_i),
    .m_axi_arvalid_o(m_axi_arvalid_o),
    .m_axi_arready_i(m_axi_arready_i),
    .m_axi_araddr_o(m_axi_araddr_o),
    .m_axi_arlen_o(m_axi_arlen_o),
    .m_axi_arsize_o(m_axi_arsize_o),
    .m_axi_arburst_o(m_axi_arburst_o),
    .m_axi_rvalid_i(m_axi_rvalid_i),
    .m_axi_rready_o(m_axi_rready_o),
    .m_axi_rdata_i(m_axi_rdata_i),
    .m_axi_rresp_i(m_axi_rresp_i),
    .m_axi_rlast_i(m_axi_rlast_i),
    .m_req_valid_o(req_valid),
    .m_req_ready_i(req_ready),
    .m_req_data_o(req_data),
    .m_req_last_o(req_last),
    .m_req_desc_o(req_desc),
    .s_cpl_valid_i(cpl_valid),
    .s_cpl_ready_o(cpl_ready),
    .s_cpl_data_i(cpl_data),
    .s_cpl_last_i(cpl_last),
    .s_cpl_rec_i(cpl_rec),
    .req_o(ev_req),
    .cpl_o(ev_cpl),
    .cpl_status_o(ev_status),
    .cpl_flags_o(ev_flags),
    .q_irq_o(q_irq_o)
  );

  esp_csr #(
    .ADDR_W(AXIL_ADDR_W),
    .SA_SLOTS(SA_SLOTS),
    .N_CTX(N_CTX),
    .CIPHER_LANES(CIPHER_LANES),
    .PIPELINED(PIPELINED),
    .STREAM_BYTES(STREAM_BYTES),
    .N_QUEUES(N_QUEUES)
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
    .req_valid_i(ev_req),
    .cpl_valid_i(ev_cpl),
    .cpl_status_i(ev_status),
    .cpl_flags_i(ev_flags),
    .dma_wr_o(dma_wr),
    .dma_waddr_o(dma_waddr),
    .dma_wdata_o(dma_wdata),
    .dma_wstrb_o(dma_wstrb),
    .dma_raddr_o(dma_raddr),
    .dma_rdata_i(dma_rdata),
    .irq_o(irq_o)
  );

endmodule
`default_nettype wire
