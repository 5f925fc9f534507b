`default_nettype none
// esp_dma — the fabric's look-aside DMA: request and completion rings in
// host memory, read and written through one AXI4 master, in front of the
// ESP engine's request and completion streams.  Ring layout, register
// sequence, ordering rules, moderation and errors: docs/rtl-dma.md.
//
// Per queue q (N_QUEUES of them, registers in the contract's `regmap csr`
// windows Q_CTRL .. Q_IRQ_TIMER, word q):
//   request ring   RQ_BASE, 2^RQ_SIZE slots of REQ_SLOT_BYTES (a contract
//                  req record each); the host writes slots and then the
//                  doorbell RQ_PI (next slot it will fill).
//   completion ring CQ_BASE, the same number of slots of CPL_SLOT_BYTES (a
//                  contract cpl record each, then zeros): the completion
//                  of request slot i goes to completion slot i.  Behind the
//                  last slot (CQ_BASE + 32 * 2^RQ_SIZE) the DMA writes the
//                  index block: u32 CQ_PI, u32 RQ_CI.
//
// Data path (one AXI ID, so reads and writes each complete in order):
//   fetch    round-robin over enabled queues with RQ_PI != fetch index:
//            one 64-byte descriptor read per request, prefetched (up to
//            DESC_DEPTH outstanding or held).
//   check    a descriptor read that failed completes DEVICE; in_len >
//            MAX_FRAME or an in_addr/out_addr not aligned to STREAM_BYTES
//            completes BAD_REQUEST; neither reaches the engine.
//   read     the packet, in bursts split at 4 KB boundaries, into the
//            packet FIFO (store and forward: a packet goes to the engine
//            only once all its beats are in, so a read error never
//            reaches the engine — the packet is dropped and completes
//            DEVICE).  in_len 0 is sent as the engine's one empty beat.
//   engine   request stream: descriptor + beats; the completion stream
//            returns in request order; a tracking FIFO remembers each
//            request's queue, slot and out_addr (and carries the
//            DMA-decided completions in order with the engine's).
//   write    output bytes to out_addr (bursts split at 4 KB, last beat
//            strobed to out_len), then — once the output's write
//            responses are back — the completion record (status DEVICE,
//            out_len 0 if an output write failed).  When a record's write
//            response is back, CQ_PI advances; the index block is then
//            written to host memory; when that write is acknowledged the
//            completions count toward the queue's interrupt moderation.
//            One owner of AW/W at a time (record, index block, output
//            bytes, in that priority); the next owner is granted in the
//            cycle the previous one's last W beat goes, with its AW, so a
//            transaction costs its beats + 1 cycle.  While output bytes
//            wait, a queue's index write-back is held until 8 completions
//            (fewer on rings under 32 slots) are unpublished; with no
//            output waiting it goes at once.
//
// Byte order: AXI data is little-endian (byte at the lowest address in
// bits 7:0); the engine's beats carry byte 0 in the top byte, so beats are
// byte-reversed between the two.  AXI data width = 8 * STREAM_BYTES.
module esp_dma #(
  parameter N_QUEUES = 4,       // queues (1..QUEUES_MAX)
  parameter STREAM_BYTES = 16,  // engine stream and AXI4 data bytes per beat: 16 or 32
  parameter TRK_L2 = 6          // log2 of requests between the streamer and the completion writer (>= engine N_CTX + 2)
) (
  input  wire                       clk_i,
  input  wire                       rst_ni,            // synchronous, active low
  // register window (from esp_csr's dma_* port)
  input  wire                       reg_wr_i,
  input  wire [31:0]                reg_waddr_i,
  input  wire [31:0]                reg_wdata_i,
  input  wire [3:0]                 reg_wstrb_i,
  input  wire [31:0]                reg_raddr_i,
  output reg  [31:0]                reg_rdata_o,
  // AXI4 master (single ID, INCR bursts, full-width beats)
  output wire                       m_axi_awvalid_o,
  input  wire                       m_axi_awready_i,
  output wire [63:0]                m_axi_awaddr_o,
  output wire [7:0]                 m_axi_awlen_o,
  output wire [2:0]                 m_axi_awsize_o,
  output wire [1:0]                 m_axi_awburst_o,
  output reg                        m_axi_wvalid_o,
  input  wire                       m_axi_wready_i,
  output reg  [8*STREAM_BYTES-1:0]  m_axi_wdata_o,
  output reg  [STREAM_BYTES-1:0]    m_axi_wstrb_o,
  output reg                        m_axi_wlast_o,
  input  wire                       m_axi_bvalid_i,
  output wire                       m_axi_bready_o,
  /* verilator lint_off UNUSEDSIGNAL */  // bit 0 tells OKAY from EXOKAY and SLVERR from DECERR: both errors are one
  input  wire [1:0]                 m_axi_bresp_i,
  /* verilator lint_on UNUSEDSIGNAL */
  output wire                       m_axi_arvalid_o,
  input  wire                       m_axi_arready_i,
  output wire [63:0]                m_axi_araddr_o,
  output wire [7:0]                 m_axi_arlen_o,
  output wire [2:0]                 m_axi_arsize_o,
  output wire [1:0]                 m_axi_arburst_o,
  input  wire                       m_axi_rvalid_i,
  output wire                       m_axi_rready_o,
  input  wire [8*STREAM_BYTES-1:0]  m_axi_rdata_i,
  /* verilator lint_off UNUSEDSIGNAL */  // bit 0: as for bresp
  input  wire [1:0]                 m_axi_rresp_i,
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire                       m_axi_rlast_i,
  // engine request stream (esp_engine s_req_*)
  output reg                        m_req_valid_o,
  input  wire                       m_req_ready_i,
  output reg  [8*STREAM_BYTES-1:0]  m_req_data_o,
  output reg                        m_req_last_o,
  output wire [263:0]               m_req_desc_o,
  // engine completion stream (esp_engine m_cpl_*)
  input  wire                       s_cpl_valid_i,
  output reg                        s_cpl_ready_o,
  input  wire [8*STREAM_BYTES-1:0]  s_cpl_data_i,
  input  wire                       s_cpl_last_i,
  input  wire [191:0]               s_cpl_rec_i,
  // events for esp_csr's counters and interrupt causes
  output reg                        req_o,             // pulse: a descriptor was read
  output reg                        cpl_o,             // pulse: a completion record is being written
  output reg  [7:0]                 cpl_status_o,
  output reg  [7:0]                 cpl_flags_o,
  // per-queue moderated interrupts: level, while the queue's DMA_IRQ bit is set
  output wire [N_QUEUES-1:0]        q_irq_o
);

  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam NQ = N_QUEUES;
  localparam SB = STREAM_BYTES;
  localparam DW = 8 * SB;
  localparam SZ = SB == 32 ? 5 : 4;                     // log2 bytes per beat
  localparam DESC_BEATS = ESPFAB_REQ_SLOT_BYTES / SB;
  localparam CPL_BEATS = ESPFAB_CPL_SLOT_BYTES / SB;
  // Sizes that let a read latency of a few hundred cycles (PCIe) still run the
  // engine at its stream rate: bytes in flight = rate x latency (docs/rtl-dma.md).
  localparam DF_L2 = SB == 32 ? 9 : 10;                 // packet FIFO: 16 KB = 11 largest packets
  localparam DF_DEPTH = 1 << DF_L2;
  localparam DESC_L2 = 4;                               // descriptors prefetched
  localparam DESC_DEPTH = 1 << DESC_L2;
  localparam RT_L2 = 5;                                 // read bursts outstanding
  localparam BT_L2 = 5;                                 // write bursts outstanding
  localparam IW = 12;                                   // ring index bits (RING_LOG2_MAX)
  localparam integer DESC_LEN_I = DESC_BEATS - 1;
  localparam integer CPL_LEN_I = CPL_BEATS - 1;
  localparam [7:0] DESC_LEN = DESC_LEN_I[7:0];          // AxLEN of a descriptor read
  localparam [7:0] CPL_LEN = CPL_LEN_I[7:0];            // AxLEN of a completion record write
  localparam [7:0] ST_OK = ESPFAB_STATUS_OK[7:0];
  localparam [7:0] ST_DEVICE = ESPFAB_STATUS_DEVICE[7:0];
  localparam [7:0] ST_BADREQ = ESPFAB_STATUS_BAD_REQUEST[7:0];
  localparam [15:0] MAXF = ESPFAB_MAX_FRAME[15:0];
  localparam [7:0] L2MIN = ESPFAB_RING_LOG2_MIN[7:0];
  localparam [7:0] L2MAX = ESPFAB_RING_LOG2_MAX[7:0];

  generate
    if (NQ < 1 || NQ > ESPFAB_QUEUES_MAX || (SB != 16 && SB != 32) || ESPFAB_QUEUES_MAX != 8 ||
        ESPFAB_RING_LOG2_MAX != IW || ESPFAB_REQ_SLOT_BYTES != 64 || ESPFAB_CPL_SLOT_BYTES != 32 ||
        ESPFAB_REQ_BYTES > 64 || ESPFAB_CPL_BYTES != 24 || (ESPFAB_CSR_Q_CTRL_BASE % 32) != 0 ||
        (ESPFAB_CSR_Q_STATUS_BASE % 32) != 0 || (ESPFAB_CSR_RQ_BASE_LO_BASE % 32) != 0 ||
        (ESPFAB_CSR_RQ_BASE_HI_BASE % 32) != 0 || (ESPFAB_CSR_RQ_SIZE_BASE % 32) != 0 ||
        (ESPFAB_CSR_RQ_PI_BASE % 32) != 0 || (ESPFAB_CSR_RQ_CI_BASE % 32) != 0 ||
        (ESPFAB_CSR_CQ_BASE_LO_BASE % 32) != 0 || (ESPFAB_CSR_CQ_BASE_HI_BASE % 32) != 0 ||
        (ESPFAB_CSR_CQ_PI_BASE % 32) != 0 || (ESPFAB_CSR_Q_IRQ_COUNT_BASE % 32) != 0 ||
        (ESPFAB_CSR_Q_IRQ_TIMER_BASE % 32) != 0 || ESPFAB_REQ_OFF_IV != 40 || ESPFAB_REQ_OFF_OP != 32) begin : g_bad_param
      // Elaboration fails on purpose: parameters or contract layout this
      // module does not implement (windows of 8 words, 32-byte aligned).
      esp_dma_bad_parameters u_bad ();
    end
  endgenerate

  // ---------------------------------------------------------------- helpers
  function [DW-1:0] bswap(input [DW-1:0] x);  // byte k <-> byte SB-1-k
    integer b;
    begin
      for (b = 0; b < SB; b = b + 1)
        bswap[8*b +: 8] = x[8*(SB-1-b) +: 8];
    end
  endfunction

  function [IW-1:0] lmask(input [3:0] l2);  // slots - 1
    lmask = {IW{1'b1}} >> (IW - l2);
  endfunction

  // engine beats of len bytes (one for 0); len <= MAX_FRAME here, so the
  // bits above 12 are zero
  /* verilator lint_off UNUSEDSIGNAL */
  function [8:0] beats_of(input [15:0] len);
    beats_of = len == 16'd0 ? 9'd1 : {1'b0, len[SZ+7:SZ]} + {8'd0, len[SZ-1:0] != 0};
  endfunction

  // beats until the next 4 KB boundary (an address aligned to the beat)
  function [9:0] to4k(input [63:0] a);
    to4k = {{(SZ - 2){1'b0}}, ~a[11:SZ]} + 10'd1;
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // completions a queue's index write-back may lag while output bytes wait (>= 1, < slots)
  function [IW-1:0] pi_lag(input [3:0] l2);
    pi_lag = l2 >= 4'd5 ? 12'd8 : 12'd1 << (l2 - 4'd2);
  endfunction

  function [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    merge = {strb[3] ? data[31:24] : old[31:24], strb[2] ? data[23:16] : old[23:16],
             strb[1] ? data[15:8] : old[15:8], strb[0] ? data[7:0] : old[7:0]};
  endfunction

  // ---------------------------------------------------------------- per-queue registers (flattened, queue q at [W*q +: W])
  reg [7:0]        en_q, en_d;          // Q_CTRL ENABLE
  reg [7:0]        irqen_q, irqen_d;    // Q_CTRL IRQ_EN
  reg [7:0]        qerr_q, qerr_d;      // Q_STATUS ERR
  reg [7:0]        rstrej_q, rstrej_d;  // Q_STATUS RESET_REJECTED
  reg [7:0]        irqf_q, irqf_d;      // DMA_IRQ
  reg [64*NQ-1:0]  rqb_q, rqb_d;        // request ring base (bits 5:0 zero)
  reg [64*NQ-1:0]  cqb_q, cqb_d;        // completion ring base
  reg [4*NQ-1:0]   l2_q, l2_d;          // log2 slots
  reg [IW*NQ-1:0]  pi_q, pi_d;          // doorbell
  reg [IW*NQ-1:0]  fi_q, fi_d;          // next descriptor to fetch
  reg [IW*NQ-1:0]  ci_q, ci_d;          // descriptors read
  reg [IW*NQ-1:0]  cpi_q, cpi_d;        // completion records acknowledged
  reg [IW*NQ-1:0]  wbi_q, wbi_d;        // CQ_PI value last sent to host memory
  reg [IW*NQ-1:0]  hpi_q, hpi_d;        // CQ_PI value acknowledged in host memory
  reg [16*NQ-1:0]  icnt_q, icnt_d;      // Q_IRQ_COUNT (16 bits kept)
  reg [32*NQ-1:0]  itmr_q, itmr_d;      // Q_IRQ_TIMER
  reg [16*NQ-1:0]  pend_q, pend_d;      // completions in host memory, not yet signalled (saturating)
  reg [32*NQ-1:0]  tmr_q, tmr_d;        // cycles since the first of them
  reg [1:0]        derr_q, derr_d;      // DMA_ERR

  // ---------------------------------------------------------------- read side state
  reg              ar_valid_q, ar_valid_d;   // AR channel register
  reg [63:0]       ar_addr_q, ar_addr_d;
  reg [7:0]        ar_len_q, ar_len_d;
  reg [2:0]        rr_q, rr_d;               // last queue granted a descriptor fetch
  reg [DESC_L2:0]  dcnt_q, dcnt_d;           // descriptor reads outstanding
  reg [DF_L2:0]    dfree_q, dfree_d;         // packet FIFO beats neither held nor reserved
  reg [DW*DESC_BEATS-1:0] dbuf_q, dbuf_d;    // descriptor being assembled
  reg [1:0]        dbeat_q, dbeat_d;
  reg              dberr_q, dberr_d;
  reg              perr_q, perr_d;           // read error in the packet being read
  reg              da_act_q, da_act_d;       // packet read bursts to issue
  reg [63:0]       da_addr_q, da_addr_d;
  reg [8:0]        da_left_q, da_left_d;
  reg [8:0]        st_beat_q, st_beat_d;     // streamer: beats of the head packet done

  // ---------------------------------------------------------------- write side state
  localparam [1:0] OWN_NONE = 2'd0, OWN_REC = 2'd1, OWN_PI = 2'd2, OWN_DATA = 2'd3;
  reg              aw_valid_q, aw_valid_d;   // AW channel register
  reg [63:0]       aw_addr_q, aw_addr_d;
  reg [7:0]        aw_len_q, aw_len_d;
  reg [1:0]        own_q, own_d;             // who drives W
  reg [255:0]      rw_data_q, rw_data_d;     // REC / PI beats
  reg [1:0]        rw_beat_q, rw_beat_d;
  reg              burst_q, burst_d;         // DATA: a burst's AW is loaded, its W beats not all sent
  reg [8:0]        wb_left_q, wb_left_d;     // DATA: W beats left in the burst
  reg [8:0]        dw_left_q, dw_left_d;     // DATA: beats of the packet without an AW yet
  reg [63:0]       dw_addr_q, dw_addr_d;
  reg              sink_q, sink_d;           // consuming a completion with no output bytes
  reg              berr_q, berr_d;           // write error in the packet being acknowledged

  // ---------------------------------------------------------------- FIFOs
  // (count_o is left open where nothing needs the fill level)
  /* verilator lint_off PINCONNECTEMPTY */
  // read tags: {data, last of packet, queue}
  wire [4:0]  rt_dout;
  wire        rt_empty, rt_full;
  reg         rt_push, rt_pop;
  reg  [4:0]  rt_din;
  esp_dma_fifo #(.W(5), .DEPTH_L2(RT_L2)) u_rtag (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(rt_push), .din_i(rt_din), .pop_i(rt_pop),
    .dout_o(rt_dout), .empty_o(rt_empty), .full_o(rt_full), .count_o());

  // descriptors: {q, idx, err, cookie, in_addr, out_addr, slot, in_len, out_cap, op, iv}
  localparam DQW = 3 + IW + 1 + 64 + 64 + 64 + 32 + 16 + 16 + 8 + 128;
  wire [DQW-1:0] dq_dout;
  wire           dq_empty, dq_full;
  wire [DESC_L2:0] dq_count;
  reg            dq_push, dq_pop;
  reg  [DQW-1:0] dq_din;
  esp_dma_fifo #(.W(DQW), .DEPTH_L2(DESC_L2)) u_desc (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(dq_push), .din_i(dq_din), .pop_i(dq_pop),
    .dout_o(dq_dout), .empty_o(dq_empty), .full_o(dq_full), .count_o(dq_count));

  // packets to stream: {local, status, q, idx, cookie, out_addr, slot, in_len, out_cap, op, iv}
  localparam IQW = 1 + 8 + 3 + IW + 64 + 64 + 32 + 16 + 16 + 8 + 128;
  wire [IQW-1:0] iq_dout;
  wire           iq_empty, iq_full;
  reg            iq_push, iq_pop;
  reg  [IQW-1:0] iq_din;
  esp_dma_fifo #(.W(IQW), .DEPTH_L2(3)) u_info (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(iq_push), .din_i(iq_din), .pop_i(iq_pop),
    .dout_o(iq_dout), .empty_o(iq_empty), .full_o(iq_full), .count_o());

  // packet beats (as read: little-endian lanes)
  wire [DW-1:0] df_dout;
  wire          df_empty, df_full;
  reg           df_push, df_pop;
  esp_dma_fifo #(.W(DW), .DEPTH_L2(DF_L2)) u_data (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(df_push), .din_i(m_axi_rdata_i), .pop_i(df_pop),
    .dout_o(df_dout), .empty_o(df_empty), .full_o(df_full), .count_o());

  // packets completely read: {read error}
  /* verilator lint_off UNUSEDSIGNAL */  // cannot fill: one entry per read burst, at most RT_L2 of them
  wire pd_full;
  /* verilator lint_on UNUSEDSIGNAL */
  wire pd_dout, pd_empty;
  reg  pd_push, pd_pop, pd_din;
  esp_dma_fifo #(.W(1), .DEPTH_L2(RT_L2)) u_pdone (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(pd_push), .din_i(pd_din), .pop_i(pd_pop),
    .dout_o(pd_dout), .empty_o(pd_empty), .full_o(pd_full), .count_o());

  // requests in flight, in request order: {local, status, q, idx, out_addr, cookie, slot}
  localparam TQW = 1 + 8 + 3 + IW + 64 + 64 + 32;
  wire [TQW-1:0] tq_dout;
  wire           tq_empty, tq_full;
  reg            tq_push, tq_pop;
  reg  [TQW-1:0] tq_din;
  esp_dma_fifo #(.W(TQW), .DEPTH_L2(TRK_L2)) u_trk (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(tq_push), .din_i(tq_din), .pop_i(tq_pop),
    .dout_o(tq_dout), .empty_o(tq_empty), .full_o(tq_full), .count_o());

  // completion records to write: {q, idx, has output bytes, record (engine bus order)}
  localparam CQW = 3 + IW + 1 + 192;
  wire [CQW-1:0] cq_dout;
  wire           cq_empty, cq_full;
  reg            cq_push, cq_pop;
  reg  [CQW-1:0] cq_din;
  esp_dma_fifo #(.W(CQW), .DEPTH_L2(3)) u_crec (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(cq_push), .din_i(cq_din), .pop_i(cq_pop),
    .dout_o(cq_dout), .empty_o(cq_empty), .full_o(cq_full), .count_o());

  // write tags: {kind (OWN_*), last of packet, q, index written (PI)}
  localparam BTW = 2 + 1 + 3 + IW;
  wire [BTW-1:0] bt_dout;
  wire           bt_empty, bt_full;
  reg            bt_push, bt_pop;
  reg  [BTW-1:0] bt_din;
  esp_dma_fifo #(.W(BTW), .DEPTH_L2(BT_L2)) u_btag (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(bt_push), .din_i(bt_din), .pop_i(bt_pop),
    .dout_o(bt_dout), .empty_o(bt_empty), .full_o(bt_full), .count_o());

  // output written: {write error}
  /* verilator lint_off UNUSEDSIGNAL */  // cannot fill: one entry per write burst, at most BT_L2 of them
  wire dd_full;
  /* verilator lint_on UNUSEDSIGNAL */
  wire dd_dout, dd_empty;
  reg  dd_push, dd_pop, dd_din;
  esp_dma_fifo #(.W(1), .DEPTH_L2(BT_L2)) u_ddone (
    .clk_i(clk_i), .rst_ni(rst_ni), .push_i(dd_push), .din_i(dd_din), .pop_i(dd_pop),
    .dout_o(dd_dout), .empty_o(dd_empty), .full_o(dd_full), .count_o());

  /* verilator lint_on PINCONNECTEMPTY */

  // ---------------------------------------------------------------- FIFO heads as fields
  wire [2:0]    h_q      = dq_dout[DQW-1 -: 3];
  wire [IW-1:0] h_idx    = dq_dout[DQW-4 -: IW];
  wire          h_err    = dq_dout[DQW-4-IW];
  wire [63:0]   h_cookie = dq_dout[DQW-5-IW -: 64];
  wire [63:0]   h_inaddr = dq_dout[DQW-69-IW -: 64];
  wire [63:0]   h_oaddr  = dq_dout[DQW-133-IW -: 64];
  wire [199:0]  h_tail   = dq_dout[199:0];           // slot, in_len, out_cap, op, iv
  wire [15:0]   h_inlen  = dq_dout[199-32 -: 16];

  wire          i_local  = iq_dout[IQW-1];
  wire [7:0]    i_status = iq_dout[IQW-2 -: 8];
  wire [2:0]    i_q      = iq_dout[IQW-10 -: 3];
  wire [IW-1:0] i_idx    = iq_dout[IQW-13 -: IW];
  wire [63:0]   i_cookie = iq_dout[IQW-13-IW -: 64];
  wire [63:0]   i_oaddr  = iq_dout[IQW-77-IW -: 64];
  wire [31:0]   i_slot   = iq_dout[199 -: 32];
  wire [15:0]   i_inlen  = iq_dout[167 -: 16];
  wire [167:0]  i_rest   = iq_dout[167:0];           // in_len, out_cap, op, iv

  wire          t_local  = tq_dout[TQW-1];
  wire [7:0]    t_status = tq_dout[TQW-2 -: 8];
  wire [2:0]    t_q      = tq_dout[TQW-10 -: 3];
  wire [IW-1:0] t_idx    = tq_dout[TQW-13 -: IW];
  wire [63:0]   t_oaddr  = tq_dout[TQW-13-IW -: 64];
  wire [95:0]   t_cs     = tq_dout[95:0];            // cookie, slot

  wire [2:0]    c_q      = cq_dout[CQW-1 -: 3];
  wire [IW-1:0] c_idx    = cq_dout[CQW-4 -: IW];
  wire          c_data   = cq_dout[CQW-4-IW];
  wire [191:0]  c_rec    = cq_dout[191:0];

  wire          rt_data  = rt_dout[4];
  wire          rt_last  = rt_dout[3];
  wire [2:0]    rt_q     = rt_dout[2:0];

  wire [1:0]    bt_kind  = bt_dout[BTW-1 -: 2];
  wire          bt_last  = bt_dout[BTW-3];
  wire [2:0]    bt_q     = bt_dout[BTW-4 -: 3];
  wire [IW-1:0] bt_val   = bt_dout[IW-1:0];

  // the engine's completion record {cookie, slot, spi, seq, out_len, status, flags}
  wire [15:0]   e_outlen = s_cpl_rec_i[31:16];
  wire [7:0]    e_status = s_cpl_rec_i[15:8];

  assign m_req_desc_o = {i_cookie, i_slot, i_rest};

  // ---------------------------------------------------------------- logic
  reg [DW*DESC_BEATS-1:0] dimg;
  reg            h_bad;
  reg [9:0]      blen;        // beats of the next read / write burst
  /* verilator lint_off UNUSEDSIGNAL */  // bits above DF_L2 are zero
  reg [15:0]     dfree16;     // dfree_q widened
  /* verilator lint_on UNUSEDSIGNAL */
  reg            desc_go, data_go;
  reg [2:0]      sel_q;
  reg            sel_ok;
  reg [2:0]      qq;
  reg            rec_go, pi_go, data_grant;
  reg            w_fin;       // the W owner's last beat goes this cycle
  reg            data_ok;     // output bytes could be granted
  reg [IW-1:0]   lag;         // completions acknowledged but not yet in the index block
  reg [2:0]      pi_sel;
  reg [IW-1:0]   delta;
  reg [16:0]     pend_n;
  reg            fire;
  reg [3:0]      l2w;
  reg [SB-1:0]   last_strb;
  reg [191:0]    rec_out;
  reg [31:0]     wtmp;
  integer        i, k;

  always @* begin
    en_d = en_q; irqen_d = irqen_q; qerr_d = qerr_q; rstrej_d = rstrej_q; irqf_d = irqf_q;
    rqb_d = rqb_q; cqb_d = cqb_q; l2_d = l2_q; pi_d = pi_q; fi_d = fi_q; ci_d = ci_q;
    cpi_d = cpi_q; wbi_d = wbi_q; hpi_d = hpi_q; icnt_d = icnt_q; itmr_d = itmr_q;
    pend_d = pend_q; tmr_d = tmr_q; derr_d = derr_q;
    ar_valid_d = ar_valid_q; ar_addr_d = ar_addr_q; ar_len_d = ar_len_q; rr_d = rr_q;
    dcnt_d = dcnt_q; dfree_d = dfree_q; dbuf_d = dbuf_q; dbeat_d = dbeat_q; dberr_d = dberr_q;
    perr_d = perr_q; da_act_d = da_act_q; da_addr_d = da_addr_q; da_left_d = da_left_q;
    st_beat_d = st_beat_q;
    aw_valid_d = aw_valid_q; aw_addr_d = aw_addr_q; aw_len_d = aw_len_q; own_d = own_q;
    rw_data_d = rw_data_q; rw_beat_d = rw_beat_q; burst_d = burst_q; wb_left_d = wb_left_q;
    dw_left_d = dw_left_q; dw_addr_d = dw_addr_q; sink_d = sink_q; berr_d = berr_q;
    rt_push = 1'b0; rt_pop = 1'b0; rt_din = 5'd0;
    dq_push = 1'b0; dq_pop = 1'b0; dq_din = {DQW{1'b0}};
    iq_push = 1'b0; iq_pop = 1'b0; iq_din = {IQW{1'b0}};
    df_push = 1'b0; df_pop = 1'b0;
    pd_push = 1'b0; pd_pop = 1'b0; pd_din = 1'b0;
    tq_push = 1'b0; tq_pop = 1'b0; tq_din = {TQW{1'b0}};
    cq_push = 1'b0; cq_pop = 1'b0; cq_din = {CQW{1'b0}};
    bt_push = 1'b0; bt_pop = 1'b0; bt_din = {BTW{1'b0}};
    dd_push = 1'b0; dd_pop = 1'b0; dd_din = 1'b0;
    m_req_valid_o = 1'b0; m_req_data_o = {DW{1'b0}}; m_req_last_o = 1'b0;
    s_cpl_ready_o = 1'b0;
    m_axi_wvalid_o = 1'b0; m_axi_wdata_o = {DW{1'b0}}; m_axi_wstrb_o = {SB{1'b1}}; m_axi_wlast_o = 1'b0;
    req_o = 1'b0; cpl_o = 1'b0; cpl_status_o = 8'd0; cpl_flags_o = 8'd0;
    dimg = {(DW*DESC_BEATS){1'b0}}; h_bad = 1'b0; blen = 10'd0; dfree16 = 16'd0;
    desc_go = 1'b0; data_go = 1'b0; sel_q = 3'd0; sel_ok = 1'b0; qq = 3'd0;
    rec_go = 1'b0; pi_go = 1'b0; data_grant = 1'b0; pi_sel = 3'd0; w_fin = 1'b0; data_ok = 1'b0;
    lag = {IW{1'b0}};
    delta = {IW{1'b0}}; pend_n = 17'd0; fire = 1'b0; l2w = 4'd0; last_strb = {SB{1'b1}};
    rec_out = 192'd0;
    wtmp = 32'd0;

    // ================================================================ read side
    // ---- AR channel: packet bursts first, then descriptor prefetch
    if (ar_valid_q && m_axi_arready_i)
      ar_valid_d = 1'b0;
    if (!ar_valid_d && !rt_full) begin
      if (da_act_q) begin
        blen = {1'b0, da_left_q};
        if (to4k(da_addr_q) < blen) blen = to4k(da_addr_q);
        dfree16 = {{(15 - DF_L2){1'b0}}, dfree_q};
        if (dfree16 < {6'd0, blen}) blen = dfree16[9:0];
        data_go = blen != 10'd0;
      end
      if (data_go) begin
        ar_valid_d = 1'b1;
        ar_addr_d = da_addr_q;
        ar_len_d = blen[7:0] - 8'd1;
        rt_push = 1'b1;
        rt_din = {1'b1, blen[8:0] == da_left_q, 3'd0};
        da_addr_d = da_addr_q + ({54'd0, blen} << SZ);
        da_left_d = da_left_q - blen[8:0];
        dfree16 = {{(15 - DF_L2){1'b0}}, dfree_q} - {6'd0, blen};
        dfree_d = dfree16[DF_L2:0];
        if (blen[8:0] == da_left_q)
          da_act_d = 1'b0;
      end else if ({1'b0, dcnt_q} + {1'b0, dq_count} < DESC_DEPTH) begin
        // round robin: the first candidate after the last granted queue
        for (k = 1; k <= NQ; k = k + 1) begin
          i = {29'd0, rr_q} + k;
          if (i >= NQ) i = i - NQ;
          if (!sel_ok && en_q[i] && pi_q[IW*i +: IW] != fi_q[IW*i +: IW]) begin
            sel_ok = 1'b1;
            sel_q = i[2:0];
          end
        end
        if (sel_ok) begin
          desc_go = 1'b1;
          ar_valid_d = 1'b1;
          ar_addr_d = rqb_q[64*sel_q +: 64] + {46'd0, fi_q[IW*sel_q +: IW], 6'd0};
          ar_len_d = DESC_LEN;
          rt_push = 1'b1;
          rt_din = {1'b0, 1'b1, sel_q};
          fi_d[IW*sel_q +: IW] = (fi_q[IW*sel_q +: IW] + 1'b1) & lmask(l2_q[4*sel_q +: 4]);
          rr_d = sel_q;
        end
      end
    end
    dcnt_d = dcnt_q + {{DESC_L2{1'b0}}, desc_go};

    // ---- R channel: descriptors into the descriptor FIFO, packet beats into the packet FIFO
    if (m_axi_rvalid_i && m_axi_rready_o) begin
      if (m_axi_rresp_i[1]) begin
        derr_d[ESPFAB_DMAERR_RD] = 1'b1;
        qerr_d[rt_q] = 1'b1;
      end
      if (!rt_data) begin
        dbuf_d[DW*dbeat_q +: DW] = m_axi_rdata_i;
        dbeat_d = dbeat_q + 2'd1;
        dberr_d = dberr_q | m_axi_rresp_i[1];
        if (m_axi_rlast_i) begin
          dimg = dbuf_q;
          dimg[DW*(DESC_BEATS-1) +: DW] = m_axi_rdata_i;
          dq_push = 1'b1;
          // req record: cookie@0 in_addr@8 out_addr@16 slot@24 in_len@28 out_cap@30 op@32 iv@40
          for (k = 0; k < 16; k = k + 1)
            dq_din[127-8*k -: 8] = dimg[320+8*k +: 8];   // iv byte 0 in the top byte
          dq_din[DQW-1 -: 3] = rt_q;
          dq_din[DQW-4 -: IW] = ci_q[IW*rt_q +: IW];
          dq_din[DQW-4-IW] = dberr_q | m_axi_rresp_i[1];
          dq_din[DQW-5-IW -: 64] = dimg[63:0];
          dq_din[DQW-69-IW -: 64] = dimg[127:64];
          dq_din[DQW-133-IW -: 64] = dimg[191:128];
          dq_din[199 -: 32] = dimg[223:192];
          dq_din[167 -: 16] = dimg[239:224];
          dq_din[151 -: 16] = dimg[255:240];
          dq_din[135 -: 8] = dimg[263:256];
          ci_d[IW*rt_q +: IW] = (ci_q[IW*rt_q +: IW] + 1'b1) & lmask(l2_q[4*rt_q +: 4]);
          dcnt_d = dcnt_d - {{DESC_L2{1'b0}}, 1'b1};
          dbeat_d = 2'd0;
          dberr_d = 1'b0;
          rt_pop = 1'b1;
          req_o = 1'b1;
        end
      end else begin
        df_push = 1'b1;
        perr_d = perr_q | m_axi_rresp_i[1];
        if (m_axi_rlast_i) begin
          rt_pop = 1'b1;
          if (rt_last) begin
            pd_push = 1'b1;
            pd_din = perr_q | m_axi_rresp_i[1];
            perr_d = 1'b0;
          end
        end
      end
    end

    // ---- check a descriptor: to the streamer (as a local completion if bad), start its reads
    h_bad = h_err || h_inlen > MAXF || h_inaddr[SZ-1:0] != 0 || h_oaddr[SZ-1:0] != 0;
    if (!dq_empty && !da_act_q && !iq_full) begin
      dq_pop = 1'b1;
      iq_push = 1'b1;
      iq_din = {h_bad, h_err ? ST_DEVICE : ST_BADREQ, h_q, h_idx, h_cookie, h_oaddr, h_tail};
      if (!h_bad && h_inlen != 16'd0) begin
        da_act_d = 1'b1;
        da_addr_d = h_inaddr;
        da_left_d = beats_of(h_inlen);
      end
    end

    // ---- streamer: packets to the engine, local completions and dropped packets to the tracker
    tq_din = {i_local, i_status, i_q, i_idx, i_oaddr, i_cookie, i_slot};
    if (!iq_empty) begin
      if (i_local) begin
        if (!tq_full) begin
          tq_push = 1'b1;
          iq_pop = 1'b1;
        end
      end else if (i_inlen == 16'd0) begin
        m_req_valid_o = !tq_full;
        m_req_last_o = 1'b1;
        if (m_req_valid_o && m_req_ready_i) begin
          tq_push = 1'b1;
          iq_pop = 1'b1;
        end
      end else if (!pd_empty && pd_dout) begin
        // read error: drop the beats, complete DEVICE without the engine
        if (st_beat_q + 9'd1 != beats_of(i_inlen)) begin
          df_pop = 1'b1;
          st_beat_d = st_beat_q + 9'd1;
        end else if (!tq_full) begin
          df_pop = 1'b1;
          st_beat_d = 9'd0;
          pd_pop = 1'b1;
          iq_pop = 1'b1;
          tq_push = 1'b1;
          tq_din[TQW-1 -: 9] = {1'b1, ST_DEVICE};
        end
      end else if (!pd_empty) begin
        m_req_valid_o = !df_empty && (st_beat_q != 9'd0 || !tq_full);
        m_req_data_o = bswap(df_dout);
        m_req_last_o = st_beat_q + 9'd1 == beats_of(i_inlen);
        if (m_req_valid_o && m_req_ready_i) begin
          df_pop = 1'b1;
          tq_push = st_beat_q == 9'd0;
          if (m_req_last_o) begin
            st_beat_d = 9'd0;
            pd_pop = 1'b1;
            iq_pop = 1'b1;
          end else begin
            st_beat_d = st_beat_q + 9'd1;
          end
        end
      end
    end
    if (df_pop)
      dfree_d = dfree_d + {{DF_L2{1'b0}}, 1'b1};

    // ================================================================ write side
    if (aw_valid_q && m_axi_awready_i)
      aw_valid_d = 1'b0;

    // ---- B channel
    if (m_axi_bvalid_i && m_axi_bready_o) begin
      bt_pop = 1'b1;
      if (m_axi_bresp_i[1]) begin
        derr_d[ESPFAB_DMAERR_WR] = 1'b1;
        qerr_d[bt_q] = 1'b1;
      end
      case (bt_kind)
        OWN_DATA: begin
          berr_d = berr_q | m_axi_bresp_i[1];
          if (bt_last) begin
            dd_push = 1'b1;
            dd_din = berr_q | m_axi_bresp_i[1];
            berr_d = 1'b0;
          end
        end
        OWN_REC:
          cpi_d[IW*bt_q +: IW] = (cpi_q[IW*bt_q +: IW] + 1'b1) & lmask(l2_q[4*bt_q +: 4]);
        default: begin  // OWN_PI: the index block is in host memory
          delta = (bt_val - hpi_q[IW*bt_q +: IW]) & lmask(l2_q[4*bt_q +: 4]);
          hpi_d[IW*bt_q +: IW] = bt_val;
        end
      endcase
    end

    // ---- completion walker: the tracker's head meets the engine's completion stream
    rec_out = {t_cs[95:32], t_cs[31:0], 32'd0, 32'd0, 16'd0, t_status, 8'd0};
    if (!tq_empty && t_local) begin
      if (!cq_full) begin
        tq_pop = 1'b1;
        cq_push = 1'b1;
        cq_din = {t_q, t_idx, 1'b0, rec_out};
      end
    end else if (!tq_empty && sink_q) begin
      s_cpl_ready_o = 1'b1;
      if (s_cpl_valid_i && s_cpl_last_i) begin
        sink_d = 1'b0;
        tq_pop = 1'b1;
        cq_push = 1'b1;
        cq_din = {t_q, t_idx, 1'b0, s_cpl_rec_i};
      end
    end else if (!tq_empty && own_q != OWN_DATA && s_cpl_valid_i && !cq_full &&
                 (e_status != ST_OK || e_outlen == 16'd0)) begin
      // no output bytes: take the one (or every) beat
      s_cpl_ready_o = 1'b1;
      if (s_cpl_last_i) begin
        tq_pop = 1'b1;
        cq_push = 1'b1;
        cq_din = {t_q, t_idx, 1'b0, s_cpl_rec_i};
      end else begin
        sink_d = 1'b1;
      end
    end

    // ---- W channel
    case (own_q)
      OWN_REC, OWN_PI: begin
        m_axi_wvalid_o = 1'b1;
        m_axi_wdata_o = rw_data_q[DW*rw_beat_q +: DW];
        m_axi_wstrb_o = own_q == OWN_PI ? {{(SB - 8){1'b0}}, 8'hff} : {SB{1'b1}};
        m_axi_wlast_o = own_q == OWN_PI || rw_beat_q == CPL_LEN[1:0];
        if (m_axi_wready_i) begin
          rw_beat_d = rw_beat_q + 2'd1;
          if (m_axi_wlast_o) begin
            own_d = OWN_NONE;
            w_fin = 1'b1;
          end
        end
      end
      OWN_DATA: begin
        // next burst's AW once the previous one's W beats are out
        if (!burst_q && dw_left_q != 9'd0 && !aw_valid_q && !bt_full) begin
          blen = {1'b0, dw_left_q};
          if (to4k(dw_addr_q) < blen) blen = to4k(dw_addr_q);
          aw_valid_d = 1'b1;
          aw_addr_d = dw_addr_q;
          aw_len_d = blen[7:0] - 8'd1;
          bt_push = 1'b1;
          bt_din = {OWN_DATA, blen[8:0] == dw_left_q, t_q, {IW{1'b0}}};
          dw_left_d = dw_left_q - blen[8:0];
          dw_addr_d = dw_addr_q + ({54'd0, blen} << SZ);
          wb_left_d = blen[8:0];
          burst_d = 1'b1;
        end
        if (burst_q) begin
          for (k = 0; k < SB; k = k + 1)
            last_strb[k] = e_outlen[SZ-1:0] == 0 || k < e_outlen[SZ-1:0];
          m_axi_wvalid_o = s_cpl_valid_i;
          m_axi_wdata_o = bswap(s_cpl_data_i);
          m_axi_wlast_o = wb_left_q == 9'd1;
          m_axi_wstrb_o = (wb_left_q == 9'd1 && dw_left_q == 9'd0) ? last_strb : {SB{1'b1}};
          s_cpl_ready_o = m_axi_wready_i;
          if (s_cpl_valid_i && m_axi_wready_i) begin
            wb_left_d = wb_left_q - 9'd1;
            if (wb_left_q == 9'd1) begin
              burst_d = 1'b0;
              if (dw_left_q == 9'd0) begin  // the packet's last beat (the engine's tlast)
                own_d = OWN_NONE;
                w_fin = 1'b1;
                tq_pop = 1'b1;
                cq_push = 1'b1;
                cq_din = {t_q, t_idx, 1'b1, s_cpl_rec_i};
              end
            end
          end
        end
      end
      default: ;
    endcase

    // ---- write port grants: records, then index write-backs, then output bytes.  Granted when
    // the port is idle or in the cycle its owner's last W beat goes (w_fin), so the next owner's
    // AW is out the cycle after the previous owner's last beat.  Output bytes are not granted in
    // the cycle a packet's own last beat goes (the tracker's head and the completion stream
    // still show that packet).
    if ((own_q == OWN_NONE || w_fin) && !aw_valid_q && !bt_full) begin
      if (!cq_empty && (!c_data || !dd_empty)) begin
        rec_go = 1'b1;
      end else begin
        // an index write-back waits behind output bytes until PI_LAG(l2) completions are
        // unpublished (8, fewer on rings under 32 slots); it goes at once when no output is waiting
        data_ok = own_q != OWN_DATA && !tq_empty && !t_local && !sink_q && s_cpl_valid_i && !cq_full &&
                  e_status == ST_OK && e_outlen != 16'd0;
        for (k = NQ - 1; k >= 0; k = k - 1) begin
          lag = (cpi_q[IW*k +: IW] - wbi_q[IW*k +: IW]) & lmask(l2_q[4*k +: 4]);
          if (lag != {IW{1'b0}} && (!data_ok || lag >= pi_lag(l2_q[4*k +: 4]))) begin
            pi_go = 1'b1;
            pi_sel = k[2:0];
          end
        end
        if (!pi_go && data_ok)
          data_grant = 1'b1;
      end
    end
    if (rec_go) begin
      cq_pop = 1'b1;
      rec_out = c_rec;
      if (c_data) begin
        dd_pop = 1'b1;
        if (dd_dout) begin
          rec_out[31:16] = 16'd0;   // out_len
          rec_out[15:8] = ST_DEVICE;
        end
      end
      // little-endian cpl record: cookie, slot, spi, seq, out_len, status, flags, then zeros
      rw_data_d = {64'd0, rec_out[7:0], rec_out[15:8], rec_out[31:16], rec_out[63:32], rec_out[95:64],
                   rec_out[127:96], rec_out[191:128]};
      rw_beat_d = 2'd0;
      own_d = OWN_REC;
      aw_valid_d = 1'b1;
      aw_addr_d = cqb_q[64*c_q +: 64] + {47'd0, c_idx, 5'd0};
      aw_len_d = CPL_LEN;
      bt_push = 1'b1;
      bt_din = {OWN_REC, 1'b1, c_q, c_idx};
      cpl_o = 1'b1;
      cpl_status_o = rec_out[15:8];
      cpl_flags_o = rec_out[7:0];
    end
    if (pi_go) begin
      l2w = l2_q[4*pi_sel +: 4];
      rw_data_d = {192'd0, {(32 - IW){1'b0}}, ci_q[IW*pi_sel +: IW], {(32 - IW){1'b0}}, cpi_q[IW*pi_sel +: IW]};
      rw_beat_d = 2'd0;
      own_d = OWN_PI;
      aw_valid_d = 1'b1;
      aw_addr_d = cqb_q[64*pi_sel +: 64] + (({52'd0, lmask(l2w)} + 64'd1) << 5);
      aw_len_d = 8'd0;
      wbi_d[IW*pi_sel +: IW] = cpi_q[IW*pi_sel +: IW];
      bt_push = 1'b1;
      bt_din = {OWN_PI, 1'b1, pi_sel, cpi_q[IW*pi_sel +: IW]};
    end
    if (data_grant) begin
      // the packet's first burst's AW goes with the grant
      own_d = OWN_DATA;
      blen = {1'b0, beats_of(e_outlen)};
      if (to4k(t_oaddr) < blen) blen = to4k(t_oaddr);
      aw_valid_d = 1'b1;
      aw_addr_d = t_oaddr;
      aw_len_d = blen[7:0] - 8'd1;
      bt_push = 1'b1;
      bt_din = {OWN_DATA, blen[8:0] == beats_of(e_outlen), t_q, {IW{1'b0}}};
      dw_left_d = beats_of(e_outlen) - blen[8:0];
      dw_addr_d = t_oaddr + ({54'd0, blen} << SZ);
      wb_left_d = blen[8:0];
      burst_d = 1'b1;
    end

    // ================================================================ per-queue moderation
    for (k = 0; k < NQ; k = k + 1) begin
      pend_n = {1'b0, pend_q[16*k +: 16]};
      if (m_axi_bvalid_i && m_axi_bready_o && bt_kind == OWN_PI && bt_q == k[2:0])
        pend_n = pend_n + {5'd0, delta};
      if (pend_n[16])
        pend_n = 17'h0ffff;
      fire = irqen_q[k] && pend_n != 17'd0 &&
             ((icnt_q[16*k +: 16] == 16'd0 && itmr_q[32*k +: 32] == 32'd0) ||
              (icnt_q[16*k +: 16] != 16'd0 && pend_n[15:0] >= icnt_q[16*k +: 16]) ||
              (itmr_q[32*k +: 32] != 32'd0 && tmr_q[32*k +: 32] >= itmr_q[32*k +: 32]));
      if (fire || !irqen_q[k]) begin
        irqf_d[k] = irqf_q[k] | fire;
        pend_d[16*k +: 16] = 16'd0;
        tmr_d[32*k +: 32] = 32'd0;
      end else begin
        pend_d[16*k +: 16] = pend_n[15:0];
        tmr_d[32*k +: 32] = pend_n == 17'd0 ? 32'd0 : tmr_q[32*k +: 32] + 32'd1;
      end
    end

    // ================================================================ register writes
    if (reg_wr_i) begin
      qq = reg_waddr_i[4:2];
      // write 1 to clear what was pending; an event of this cycle stays
      if (reg_waddr_i == ESPFAB_CSR_DMA_ERR && reg_wstrb_i[0])
        derr_d = (derr_q & ~reg_wdata_i[1:0]) | (derr_d & ~derr_q);
      if (reg_waddr_i == ESPFAB_CSR_DMA_IRQ && reg_wstrb_i[0])
        irqf_d = (irqf_q & ~reg_wdata_i[7:0]) | (irqf_d & ~irqf_q);
      if ({29'd0, qq} < NQ) begin
        case ({5'd0, reg_waddr_i[31:5]})
          ESPFAB_CSR_Q_CTRL_BASE >> 5: if (reg_wstrb_i[0]) begin
            en_d[qq] = reg_wdata_i[ESPFAB_QCTRL_ENABLE];
            irqen_d[qq] = reg_wdata_i[ESPFAB_QCTRL_IRQ_EN];
            if (reg_wdata_i[ESPFAB_QCTRL_RESET]) begin
              if (!en_q[qq] && !reg_wdata_i[ESPFAB_QCTRL_ENABLE] && fi_q[IW*qq +: IW] == hpi_q[IW*qq +: IW] &&
                  wbi_q[IW*qq +: IW] == hpi_q[IW*qq +: IW]) begin
                rstrej_d[qq] = 1'b0;
                qerr_d[qq] = 1'b0;
                irqf_d[qq] = 1'b0;
                pi_d[IW*qq +: IW] = {IW{1'b0}};
                fi_d[IW*qq +: IW] = {IW{1'b0}};
                ci_d[IW*qq +: IW] = {IW{1'b0}};
                cpi_d[IW*qq +: IW] = {IW{1'b0}};
                wbi_d[IW*qq +: IW] = {IW{1'b0}};
                hpi_d[IW*qq +: IW] = {IW{1'b0}};
                pend_d[16*qq +: 16] = 16'd0;
                tmr_d[32*qq +: 32] = 32'd0;
              end else begin
                rstrej_d[qq] = 1'b1;
              end
            end
          end
          ESPFAB_CSR_RQ_BASE_LO_BASE >> 5:
            rqb_d[64*qq +: 32] = merge(rqb_q[64*qq +: 32], reg_wdata_i, reg_wstrb_i) & 32'hffffffc0;
          ESPFAB_CSR_RQ_BASE_HI_BASE >> 5:
            rqb_d[64*qq + 32 +: 32] = merge(rqb_q[64*qq + 32 +: 32], reg_wdata_i, reg_wstrb_i);
          ESPFAB_CSR_CQ_BASE_LO_BASE >> 5:
            cqb_d[64*qq +: 32] = merge(cqb_q[64*qq +: 32], reg_wdata_i, reg_wstrb_i) & 32'hffffffc0;
          ESPFAB_CSR_CQ_BASE_HI_BASE >> 5:
            cqb_d[64*qq + 32 +: 32] = merge(cqb_q[64*qq + 32 +: 32], reg_wdata_i, reg_wstrb_i);
          ESPFAB_CSR_RQ_SIZE_BASE >> 5: if (reg_wstrb_i[0]) begin
            if (reg_wdata_i[7:0] < L2MIN)
              l2_d[4*qq +: 4] = L2MIN[3:0];
            else if (reg_wdata_i[7:0] > L2MAX)
              l2_d[4*qq +: 4] = L2MAX[3:0];
            else
              l2_d[4*qq +: 4] = reg_wdata_i[3:0];
          end
          ESPFAB_CSR_RQ_PI_BASE >> 5:
          begin
            wtmp = merge({20'd0, pi_q[IW*qq +: IW]}, reg_wdata_i, reg_wstrb_i);
            pi_d[IW*qq +: IW] = wtmp[IW-1:0] & lmask(l2_q[4*qq +: 4]);
          end
          ESPFAB_CSR_Q_IRQ_COUNT_BASE >> 5: begin
            wtmp = merge({16'd0, icnt_q[16*qq +: 16]}, reg_wdata_i, reg_wstrb_i);
            icnt_d[16*qq +: 16] = wtmp[31:16] != 16'd0 ? 16'hffff : wtmp[15:0];
          end
          ESPFAB_CSR_Q_IRQ_TIMER_BASE >> 5:
            itmr_d[32*qq +: 32] = merge(itmr_q[32*qq +: 32], reg_wdata_i, reg_wstrb_i);
          default: ;
        endcase
      end
    end
  end

  // ---------------------------------------------------------------- register reads
  reg [2:0] rq;
  always @* begin
    reg_rdata_o = 32'd0;
    rq = reg_raddr_i[4:2];
    if (reg_raddr_i == ESPFAB_CSR_DMA_ERR)
      reg_rdata_o = {30'd0, derr_q};
    else if (reg_raddr_i == ESPFAB_CSR_DMA_IRQ)
      reg_rdata_o = {24'd0, irqf_q};
    else if ({29'd0, rq} < NQ) begin
      case ({5'd0, reg_raddr_i[31:5]})
        ESPFAB_CSR_Q_CTRL_BASE >> 5:
          reg_rdata_o = ({31'd0, en_q[rq]} << ESPFAB_QCTRL_ENABLE) | ({31'd0, irqen_q[rq]} << ESPFAB_QCTRL_IRQ_EN);
        ESPFAB_CSR_Q_STATUS_BASE >> 5:
          reg_rdata_o = ({31'd0, en_q[rq]} << ESPFAB_QSTATUS_ENABLED) |
                        ({31'd0, fi_q[IW*rq +: IW] != hpi_q[IW*rq +: IW] || wbi_q[IW*rq +: IW] != hpi_q[IW*rq +: IW]}
                         << ESPFAB_QSTATUS_BUSY) |
                        ({31'd0, qerr_q[rq]} << ESPFAB_QSTATUS_ERR) |
                        ({31'd0, rstrej_q[rq]} << ESPFAB_QSTATUS_RESET_REJECTED);
        ESPFAB_CSR_RQ_BASE_LO_BASE >> 5: reg_rdata_o = rqb_q[64*rq +: 32];
        ESPFAB_CSR_RQ_BASE_HI_BASE >> 5: reg_rdata_o = rqb_q[64*rq + 32 +: 32];
        ESPFAB_CSR_RQ_SIZE_BASE >> 5: reg_rdata_o = {28'd0, l2_q[4*rq +: 4]};
        ESPFAB_CSR_RQ_PI_BASE >> 5: reg_rdata_o = {20'd0, pi_q[IW*rq +: IW]};
        ESPFAB_CSR_RQ_CI_BASE >> 5: reg_rdata_o = {20'd0, ci_q[IW*rq +: IW]};
        ESPFAB_CSR_CQ_BASE_LO_BASE >> 5: reg_rdata_o = cqb_q[64*rq +: 32];
        ESPFAB_CSR_CQ_BASE_HI_BASE >> 5: reg_rdata_o = cqb_q[64*rq + 32 +: 32];
        ESPFAB_CSR_CQ_PI_BASE >> 5: reg_rdata_o = {20'd0, cpi_q[IW*rq +: IW]};
        ESPFAB_CSR_Q_IRQ_COUNT_BASE >> 5: reg_rdata_o = {16'd0, icnt_q[16*rq +: 16]};
        ESPFAB_CSR_Q_IRQ_TIMER_BASE >> 5: reg_rdata_o = itmr_q[32*rq +: 32];
        default: ;
      endcase
    end
  end

  // ---------------------------------------------------------------- registers
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      en_q <= 8'd0;
      irqen_q <= 8'd0;
      qerr_q <= 8'd0;
      rstrej_q <= 8'd0;
      irqf_q <= 8'd0;
      rqb_q <= {(64*NQ){1'b0}};
      cqb_q <= {(64*NQ){1'b0}};
      l2_q <= {NQ{4'd4}};
      pi_q <= {(IW*NQ){1'b0}};
      fi_q <= {(IW*NQ){1'b0}};
      ci_q <= {(IW*NQ){1'b0}};
      cpi_q <= {(IW*NQ){1'b0}};
      wbi_q <= {(IW*NQ){1'b0}};
      hpi_q <= {(IW*NQ){1'b0}};
      icnt_q <= {(16*NQ){1'b0}};
      itmr_q <= {(32*NQ){1'b0}};
      pend_q <= {(16*NQ){1'b0}};
      tmr_q <= {(32*NQ){1'b0}};
      derr_q <= 2'd0;
      ar_valid_q <= 1'b0;
      rr_q <= 3'd0;
      dcnt_q <= {(DESC_L2 + 1){1'b0}};
      dfree_q <= DF_DEPTH[DF_L2:0];
      dbeat_q <= 2'd0;
      dberr_q <= 1'b0;
      perr_q <= 1'b0;
      da_act_q <= 1'b0;
      st_beat_q <= 9'd0;
      aw_valid_q <= 1'b0;
      own_q <= OWN_NONE;
      burst_q <= 1'b0;
      sink_q <= 1'b0;
      berr_q <= 1'b0;
    end else begin
      en_q <= en_d;
      irqen_q <= irqen_d;
      qerr_q <= qerr_d;
      rstrej_q <= rstrej_d;
      irqf_q <= irqf_d;
      rqb_q <= rqb_d;
      cqb_q <= cqb_d;
      l2_q <= l2_d;
      pi_q <= pi_d;
      fi_q <= fi_d;
      ci_q <= ci_d;
      cpi_q <= cpi_d;
      wbi_q <= wbi_d;
      hpi_q <= hpi_d;
      icnt_q <= icnt_d;
      itmr_q <= itmr_d;
      pend_q <= pend_d;
      tmr_q <= tmr_d;
      derr_q <= derr_d;
      ar_valid_q <= ar_valid_d;
      rr_q <= rr_d;
      dcnt_q <= dcnt_d;
      dfree_q <= dfree_d;
      dbeat_q <= dbeat_d;
      dberr_q <= dberr_d;
      perr_q <= perr_d;
      da_act_q <= da_act_d;
      st_beat_q <= st_beat_d;
      aw_valid_q <= aw_valid_d;
      own_q <= own_d;
      burst_q <= burst_d;
      sink_q <= sink_d;
      berr_q <= berr_d;
    end
    // datapath registers, qualified by the valid bits above
    ar_addr_q <= ar_addr_d;
    ar_len_q <= ar_len_d;
    dbuf_q <= dbuf_d;
    da_addr_q <= da_addr_d;
    da_left_q <= da_left_d;
    aw_addr_q <= aw_addr_d;
    aw_len_q <= aw_len_d;
    rw_data_q <= rw_data_d;
    rw_beat_q <= rw_beat_d;
    wb_left_q <= wb_left_d;
    dw_left_q <= dw_left_d;
    dw_addr_q <= dw_addr_d;
  end

  assign m_axi_arvalid_o = ar_valid_q;
  assign m_axi_araddr_o = ar_addr_q;
  assign m_axi_arlen_o = ar_len_q;
  assign m_axi_arsize_o = SZ[2:0];
  assign m_axi_arburst_o = 2'b01;  // INCR
  assign m_axi_rready_o = !rt_empty && (rt_data ? !df_full : !dq_full);
  assign m_axi_awvalid_o = aw_valid_q;
  assign m_axi_awaddr_o = aw_addr_q;
  assign m_axi_awlen_o = aw_len_q;
  assign m_axi_awsize_o = SZ[2:0];
  assign m_axi_awburst_o = 2'b01;  // INCR
  assign m_axi_bready_o = !bt_empty;
  assign q_irq_o = irqf_q[NQ-1:0];

endmodule
`default_nettype wire
