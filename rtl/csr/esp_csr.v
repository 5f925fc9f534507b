`default_nettype none
// esp_csr — AXI4-Lite control/status registers of the ESP engine.
//
// The register map is the contract's `regmap csr` (contract/espfab.contract);
// every offset, bit number and op code below comes from the generated
// espfab_contract.vh, the same source as the driver's espfab_contract.h.
// Usage sequences are in docs/rtl-esp-engine.md, section "CSR block".
//
// Bus: 32-bit AXI4-Lite slave.  AW and W are taken independently (either
// may come first, each into its own holding register); the write happens
// once both are held and the B channel is free, and B is held until bready.
// One read is held (AR) while the previous answer waits on R.  Byte strobes
// apply to every storage register; a command register (SA_CMD) sees the
// unstrobed bytes as zero.  Responses: OKAY, or SLVERR for an unmapped
// offset and for a write to a read-only register (the write has no effect).
// Address bits [1:0] are ignored.
//
// DMA (N_QUEUES > 0, rtl/dma/esp_dma.v): DMA_ERR, DMA_IRQ and the per-queue
// windows (Q_CTRL .. Q_IRQ_TIMER) are the DMA's registers.  This block
// decodes them, answers SLVERR for writes to the read-only ones (Q_STATUS,
// RQ_CI, CQ_PI), forwards writes as a dma_wr_o pulse and takes read data
// from dma_rdata_i for dma_raddr_o.  With N_QUEUES = 0 they are unmapped.
//
// Engine side (esp_engine's ports, docs/rtl-esp-engine.md):
// - SA programming: SA_CMD ADD/UPDATE/DELETE raises sa_wr_valid_o with the
//   staged record (SA_WIN, 34 words) on sa_wr_sa_o, the slot latched from
//   SA_SLOT, keep_state (UPDATE) or clear (DELETE).  The staging registers
//   are wiped in the cycle the engine accepts the write (DELETE wipes them
//   at the command, so the record sent with clear is all zero): no key stays
//   in the CSR block after a commit.  SA_STATUS WR_BUSY stays set until
//   sa_wr_ready_i rises again after the write; sa_wr_err_i is then sampled
//   into WR_ERROR.  While the command waits for the engine to accept it,
//   SA_WIN writes and further SA_CMD writes are ignored (WR_REJECTED); once
//   accepted, the next record may be staged while the engine still works.
// - State read: writing ST_SLOT raises sa_rd_valid_o; after sa_rd_done_i
//   ST_WIN shows sa_rd_state_i, which the engine holds until the next read
//   (its documented contract), so the 2176-bit record is not copied here.
//   ST_WIN reads zero unless RD_DONE.
//
// Counters: 64-bit, by completion status (statuses >= STATUS_SLOTS are
// counted only in the total), requests accepted and completions.  Events
// are registered once, then one shared incrementer updates the status
// counter (at most one completion per cycle).  Reading a LO word latches
// the counter's HI word; the next HI read of the same counter returns the
// latched value, so LO then HI is a consistent 64-bit pair.
//
// Interrupts: causes (enum irq) latch into a pending register (IRQ_RAW);
// IRQ_STATUS reads pending & IRQ_ENABLE and clears with write-1; irq_o is
// the registered OR of pending & enable (level, active high).
//
// Byte order: word i of SA_WIN / ST_WIN is bytes 4i..4i+3 of the contract
// record with byte 4i in bits [7:0] (the record's little-endian image read
// as u32 words); on the engine bus record byte o is at [W-1-8o -: 8].
module esp_csr #(
  parameter ADDR_W = 16,       // AXI address bits (10..31; the map ends below 0x400)
  parameter SA_SLOTS = 64,     // reported in SA_SLOTS: the engine's SA table size
  parameter N_CTX = 8,         // reported in N_CTX: the engine's packets in flight
  parameter CIPHER_LANES = 1,  // reported in CIPHER_LANES: the engine's cipher lanes
  parameter PIPELINED = 1,     // reported in PIPELINED: 1 unrolled cores, 0 iterative
  parameter STREAM_BYTES = 16, // reported in STREAM_BYTES: the engine's bytes per stream beat
  parameter N_QUEUES = 0       // reported in N_QUEUES: DMA queues; 0 = no DMA (its registers answer SLVERR)
) (
  input  wire              clk_i,
  input  wire              rst_ni,             // synchronous, active low
  // AXI4-Lite slave
  input  wire              s_axil_awvalid_i,
  output wire              s_axil_awready_o,
  /* verilator lint_off UNUSEDSIGNAL */  // address bits [1:0]: registers are whole words
  input  wire [ADDR_W-1:0] s_axil_awaddr_i,
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire              s_axil_wvalid_i,
  output wire              s_axil_wready_o,
  input  wire [31:0]       s_axil_wdata_i,
  input  wire [3:0]        s_axil_wstrb_i,
  output wire              s_axil_bvalid_o,
  input  wire              s_axil_bready_i,
  output wire [1:0]        s_axil_bresp_o,
  input  wire              s_axil_arvalid_i,
  output wire              s_axil_arready_o,
  /* verilator lint_off UNUSEDSIGNAL */  // address bits [1:0]: registers are whole words
  input  wire [ADDR_W-1:0] s_axil_araddr_i,
  /* verilator lint_on UNUSEDSIGNAL */
  output wire              s_axil_rvalid_o,
  input  wire              s_axil_rready_i,
  output wire [31:0]       s_axil_rdata_o,
  output wire [1:0]        s_axil_rresp_o,
  // engine: SA programming (esp_engine sa_wr_*; tie its sa_wr_load_i low)
  output wire              sa_wr_valid_o,
  input  wire              sa_wr_ready_i,
  output wire [31:0]       sa_wr_slot_o,
  output wire [1087:0]     sa_wr_sa_o,         // contract sa record, byte o at [1087-8o -: 8]
  output wire              sa_wr_keep_state_o,
  output wire              sa_wr_clear_o,
  input  wire              sa_wr_err_i,
  // engine: SA state read (esp_engine sa_rd_*)
  output wire              sa_rd_valid_o,
  input  wire              sa_rd_ready_i,
  output wire [31:0]       sa_rd_slot_o,
  input  wire              sa_rd_done_i,
  input  wire [2175:0]     sa_rd_state_i,      // contract sa_state record, byte o at [2175-8o -: 8]
  // engine events
  input  wire              req_valid_i,        // one-cycle pulse per request accepted (first beat)
  input  wire              cpl_valid_i,        // one-cycle pulse per completion (first beat)
  input  wire [7:0]        cpl_status_i,       // enum status, with cpl_valid_i
  input  wire [7:0]        cpl_flags_i,        // enum cplflag bits, with cpl_valid_i
  // DMA register window (N_QUEUES > 0): DMA_ERR, DMA_IRQ and the Q_/RQ_/CQ_
  // windows are forwarded; writes to its read-only registers answer SLVERR here
  output wire              dma_wr_o,           // one-cycle pulse: write dma_wdata_o to dma_waddr_o
  output wire [31:0]       dma_waddr_o,        // byte offset (word aligned)
  output wire [31:0]       dma_wdata_o,
  output wire [3:0]        dma_wstrb_o,
  output wire [31:0]       dma_raddr_o,        // byte offset of the read being answered
  input  wire [31:0]       dma_rdata_i,        // combinational read data for dma_raddr_o
  output wire              irq_o
);

  // The contract include defines every shared constant; this module uses
  // a few.  Its include guard would leave every module but the first of a
  // compilation without them, hence the undef.
  /* verilator lint_off UNUSEDPARAM */
  `undef ESPFAB_CONTRACT_VH
  `include "espfab_contract.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam SAW = 8 * ESPFAB_SA_BYTES;         // sa record bits
  localparam STW = 8 * ESPFAB_SA_STATE_BYTES;   // sa_state record bits
  localparam NSA = ESPFAB_CSR_SA_WIN_COUNT;     // SA_WIN words
  localparam NST = ESPFAB_CSR_ST_WIN_COUNT;     // ST_WIN words
  // interrupt causes: one above the largest cause this block raises
  localparam IRQ_M0 = ESPFAB_IRQ_CPL > ESPFAB_IRQ_SOFT ? ESPFAB_IRQ_CPL : ESPFAB_IRQ_SOFT;
  localparam IRQ_M1 = ESPFAB_IRQ_HARD > ESPFAB_IRQ_ERR ? ESPFAB_IRQ_HARD : ESPFAB_IRQ_ERR;
  localparam IRQ_M2 = ESPFAB_IRQ_SA_DONE > ESPFAB_IRQ_ST_DONE ? ESPFAB_IRQ_SA_DONE : ESPFAB_IRQ_ST_DONE;
  localparam IRQ_M3 = IRQ_M0 > IRQ_M1 ? IRQ_M0 : IRQ_M1;
  localparam NIRQ = (IRQ_M3 > IRQ_M2 ? IRQ_M3 : IRQ_M2) + 1;
  localparam NSTAT = ESPFAB_STATUS_SLOTS;       // per-status counters
  localparam C_SUB = NSTAT;                     // counter index: requests accepted
  localparam C_CPL = NSTAT + 1;                 // counter index: completions
  localparam NCNT = NSTAT + 2;

  // the DMA's registers: the two global ones and the per-queue windows
  localparam integer DMA_LO = ESPFAB_CSR_Q_CTRL_BASE;
  localparam integer DMA_HI = ESPFAB_CSR_Q_IRQ_TIMER_BASE + 4 * ESPFAB_CSR_Q_IRQ_TIMER_COUNT;

  localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10;
  localparam [1:0] S_IDLE = 2'd0, S_REQ = 2'd1, S_WAIT = 2'd2;

  localparam [31:0] CAPS =
      (32'd1 << (ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_DES - 1)) |
      (32'd1 << (ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_3DES - 1)) |
      (32'd1 << (ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_AES - 1)) |
      (32'd1 << (ESPFAB_CAPS_AUTH_SHIFT + ESPFAB_AUTH_MD5 - 1)) |
      (32'd1 << (ESPFAB_CAPS_AUTH_SHIFT + ESPFAB_AUTH_SHA1 - 1)) |
      (32'd1 << (ESPFAB_CAPS_ENCAP_SHIFT + ESPFAB_ENCAP_UDP - 1));

  generate
    if (SAW != 1088 || STW != 2176 || NSA * 32 != SAW || NST * 32 != STW || NSTAT > 16 ||
        ESPFAB_CSR_CNT_STATUS_COUNT != 2 * NSTAT || NIRQ > 8 || ADDR_W < 10 || ADDR_W > 31 ||
        (ADDR_W < 31 && ESPFAB_CSR_ST_WIN_BASE + 4 * NST > (1 << ADDR_W)) ||
        N_QUEUES > ESPFAB_QUEUES_MAX || (N_QUEUES > 0 && ADDR_W < 31 && DMA_HI > (1 << ADDR_W))) begin : g_bad_param
      // Elaboration fails on purpose: the ports no longer match the
      // contract's records, or the map does not fit the address width.
      esp_csr_bad_parameters u_bad ();
    end
  endgenerate

  function [31:0] bswap32(input [31:0] x);
    bswap32 = {x[7:0], x[15:8], x[23:16], x[31:24]};
  endfunction

  // byte-strobed update of a 32-bit register (a mux per byte: maps to FF enables)
  function [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    merge = {strb[3] ? data[31:24] : old[31:24], strb[2] ? data[23:16] : old[23:16],
             strb[1] ? data[15:8] : old[15:8], strb[0] ? data[7:0] : old[7:0]};
  endfunction

  // ---------------------------------------------------------------- state
  reg              aw_full_q, aw_full_d;
  reg [ADDR_W-3:0] aw_addr_q, aw_addr_d;
  reg              w_full_q, w_full_d;
  reg [31:0]       w_data_q, w_data_d;
  reg [3:0]        w_strb_q, w_strb_d;
  reg              b_valid_q, b_valid_d;
  reg [1:0]        b_resp_q, b_resp_d;
  reg              ar_full_q, ar_full_d;
  reg [ADDR_W-3:0] ar_addr_q, ar_addr_d;
  reg              r_valid_q, r_valid_d;
  reg [31:0]       r_data_q, r_data_d;
  reg [1:0]        r_resp_q, r_resp_d;

  reg [31:0]       scratch_q, scratch_d;
  reg [NIRQ-1:0]   irq_en_q, irq_en_d;
  reg [NIRQ-1:0]   irq_pend_q, irq_pend_d;
  reg              irq_q, irq_d;

  reg [31:0]       sa_slot_q, sa_slot_d;       // SA_SLOT
  reg [SAW-1:0]    stage_q, stage_d;           // SA_WIN, in engine bus order
  reg [1:0]        wr_st_q, wr_st_d;
  reg [31:0]       wr_slot_q, wr_slot_d;       // slot of the command in progress
  reg              wr_keep_q, wr_keep_d;
  reg              wr_clear_q, wr_clear_d;
  reg              wr_err_q, wr_err_d;
  reg              wr_rej_q, wr_rej_d;

  reg [31:0]       st_slot_q, st_slot_d;       // ST_SLOT
  reg [1:0]        rd_st_q, rd_st_d;
  reg              rd_done_q, rd_done_d;
  reg              rd_rej_q, rd_rej_d;

  reg              req_q, cpl_q;               // registered events
  reg [7:0]        cpl_status_q;
  reg [7:0]        cpl_flags_q;
  // counter i at [64*i +: 64]; public so a testbench can preload values
  // near a 32-bit carry (a comment to every tool but Verilator)
  reg [64*NCNT-1:0] cnt_q /* verilator public_flat_rw */;
  reg [64*NCNT-1:0] cnt_d;
  reg [31:0]       snap_q, snap_d;             // HI word latched by a LO read
  reg [4:0]        snap_idx_q, snap_idx_d;
  reg              snap_vld_q, snap_vld_d;

  // ---------------------------------------------------------------- bus
  wire aw_take = s_axil_awvalid_i && !aw_full_q;
  wire w_take = s_axil_wvalid_i && !w_full_q;
  wire wr_fire = aw_full_q && w_full_q && !b_valid_q;
  wire ar_take = s_axil_arvalid_i && !ar_full_q;
  wire rd_fire = ar_full_q && !r_valid_q;

  // word-aligned offsets as 32-bit values for comparison with the map
  wire [31:0] wa = {{(32 - ADDR_W){1'b0}}, aw_addr_q, 2'b00};
  wire [31:0] ra = {{(32 - ADDR_W){1'b0}}, ar_addr_q, 2'b00};
  wire [31:0] wbits = merge(32'd0, w_data_q, w_strb_q);   // unstrobed bytes as zero

  // window hits and word indexes
  // (only the low bits of an offset index its window; the range checks
  // below use the whole address)
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] wa_sa_off = wa - ESPFAB_CSR_SA_WIN_BASE;
  wire [31:0] ra_sa_off = ra - ESPFAB_CSR_SA_WIN_BASE;
  wire [31:0] ra_st_off = ra - ESPFAB_CSR_ST_WIN_BASE;
  wire [31:0] ra_cnt_off = ra - ESPFAB_CSR_CNT_STATUS_BASE;
  /* verilator lint_on UNUSEDSIGNAL */
  wire        wa_in_sa = wa >= ESPFAB_CSR_SA_WIN_BASE && wa < ESPFAB_CSR_SA_WIN_BASE + 4 * NSA;
  wire        wa_in_ro_win = (wa >= ESPFAB_CSR_ST_WIN_BASE && wa < ESPFAB_CSR_ST_WIN_BASE + 4 * NST) ||
                             (wa >= ESPFAB_CSR_CNT_STATUS_BASE &&
                              wa < ESPFAB_CSR_CNT_STATUS_BASE + 4 * ESPFAB_CSR_CNT_STATUS_COUNT);
  wire        ra_in_sa = ra >= ESPFAB_CSR_SA_WIN_BASE && ra < ESPFAB_CSR_SA_WIN_BASE + 4 * NSA;
  wire        ra_in_st = ra >= ESPFAB_CSR_ST_WIN_BASE && ra < ESPFAB_CSR_ST_WIN_BASE + 4 * NST;
  wire        ra_in_cnt = ra >= ESPFAB_CSR_CNT_STATUS_BASE &&
                          ra < ESPFAB_CSR_CNT_STATUS_BASE + 4 * ESPFAB_CSR_CNT_STATUS_COUNT;
  wire        wa_in_dma = N_QUEUES > 0 &&
                          (wa == ESPFAB_CSR_DMA_ERR || wa == ESPFAB_CSR_DMA_IRQ || (wa >= DMA_LO && wa < DMA_HI));
  wire        wa_dma_ro = (wa >= ESPFAB_CSR_Q_STATUS_BASE && wa < ESPFAB_CSR_Q_STATUS_BASE + 4 * ESPFAB_QUEUES_MAX) ||
                          (wa >= ESPFAB_CSR_RQ_CI_BASE && wa < ESPFAB_CSR_RQ_CI_BASE + 4 * ESPFAB_QUEUES_MAX) ||
                          (wa >= ESPFAB_CSR_CQ_PI_BASE && wa < ESPFAB_CSR_CQ_PI_BASE + 4 * ESPFAB_QUEUES_MAX);
  wire        ra_in_dma = N_QUEUES > 0 &&
                          (ra == ESPFAB_CSR_DMA_ERR || ra == ESPFAB_CSR_DMA_IRQ || (ra >= DMA_LO && ra < DMA_HI));
  wire [6:0]  wa_sa_idx = wa_sa_off[8:2];
  wire [6:0]  ra_sa_idx = ra_sa_off[8:2];
  wire [6:0]  ra_st_idx = ra_st_off[8:2];
  wire [4:0]  ra_cnt_idx = ra_cnt_off[6:2];

  // records as little-endian 32-bit words (word i = bytes 4i..4i+3)
  wire [32*NSA-1:0] sa_words;
  wire [32*NST-1:0] st_words;
  genvar gi;
  generate
    for (gi = 0; gi < NSA; gi = gi + 1) begin : g_sa_words
      assign sa_words[32*gi +: 32] = bswap32(stage_q[SAW-1-32*gi -: 32]);
    end
    for (gi = 0; gi < NST; gi = gi + 1) begin : g_st_words
      assign st_words[32*gi +: 32] = bswap32(sa_rd_state_i[STW-1-32*gi -: 32]);
    end
  endgenerate

  wire [31:0] sa_status = ({31'd0, wr_st_q != S_IDLE} << ESPFAB_SA_STATUS_WR_BUSY) |
                          ({31'd0, wr_err_q} << ESPFAB_SA_STATUS_WR_ERROR) |
                          ({31'd0, wr_rej_q} << ESPFAB_SA_STATUS_WR_REJECTED) |
                          ({31'd0, rd_st_q != S_IDLE} << ESPFAB_SA_STATUS_RD_BUSY) |
                          ({31'd0, rd_done_q} << ESPFAB_SA_STATUS_RD_DONE) |
                          ({31'd0, rd_rej_q} << ESPFAB_SA_STATUS_RD_REJECTED);

  // ---------------------------------------------------------------- logic
  reg              cnt_rd;        // read of a counter word
  reg [4:0]        cnt_rd_idx;
  reg              cnt_rd_hi;
  reg [63:0]       cnt_rd_val;
  reg [63:0]       cnt_inc;
  reg [NIRQ-1:0]   irq_ev;
  reg [NIRQ-1:0]   irq_clr;
  reg [31:0]       cmd_op;
  reg              stage_wipe;
  reg              dma_wr;
  integer i, k;

  always @* begin
    aw_full_d = aw_full_q;
    aw_addr_d = aw_addr_q;
    w_full_d = w_full_q;
    w_data_d = w_data_q;
    w_strb_d = w_strb_q;
    b_valid_d = b_valid_q;
    b_resp_d = b_resp_q;
    ar_full_d = ar_full_q;
    ar_addr_d = ar_addr_q;
    r_valid_d = r_valid_q;
    r_data_d = r_data_q;
    r_resp_d = r_resp_q;
    scratch_d = scratch_q;
    irq_en_d = irq_en_q;
    sa_slot_d = sa_slot_q;
    stage_d = stage_q;
    wr_st_d = wr_st_q;
    wr_slot_d = wr_slot_q;
    wr_keep_d = wr_keep_q;
    wr_clear_d = wr_clear_q;
    wr_err_d = wr_err_q;
    wr_rej_d = wr_rej_q;
    st_slot_d = st_slot_q;
    rd_st_d = rd_st_q;
    rd_done_d = rd_done_q;
    rd_rej_d = rd_rej_q;
    snap_d = snap_q;
    snap_idx_d = snap_idx_q;
    snap_vld_d = snap_vld_q;
    irq_ev = {NIRQ{1'b0}};
    irq_clr = {NIRQ{1'b0}};
    cmd_op = wbits;
    stage_wipe = 1'b0;
    dma_wr = 1'b0;
    cnt_rd = 1'b0;
    cnt_rd_idx = 5'd0;
    cnt_rd_hi = 1'b0;

    // ---- AXI channels
    if (aw_take) begin
      aw_full_d = 1'b1;
      aw_addr_d = s_axil_awaddr_i[ADDR_W-1:2];
    end
    if (w_take) begin
      w_full_d = 1'b1;
      w_data_d = s_axil_wdata_i;
      w_strb_d = s_axil_wstrb_i;
    end
    if (b_valid_q && s_axil_bready_i)
      b_valid_d = 1'b0;
    if (ar_take) begin
      ar_full_d = 1'b1;
      ar_addr_d = s_axil_araddr_i[ADDR_W-1:2];
    end
    if (r_valid_q && s_axil_rready_i)
      r_valid_d = 1'b0;

    // ---- engine handshakes (before the bus write, which may start a new command)
    case (wr_st_q)
      S_REQ: if (sa_wr_ready_i) begin
        wr_st_d = S_WAIT;
        stage_wipe = 1'b1;
      end
      S_WAIT: if (sa_wr_ready_i) begin
        wr_st_d = S_IDLE;
        wr_err_d = sa_wr_err_i;
        irq_ev[ESPFAB_IRQ_SA_DONE] = 1'b1;
        irq_ev[ESPFAB_IRQ_ERR] = sa_wr_err_i;
      end
      default: wr_st_d = S_IDLE;
    endcase
    case (rd_st_q)
      S_REQ: if (sa_rd_ready_i) rd_st_d = S_WAIT;
      S_WAIT: if (sa_rd_done_i) begin
        rd_st_d = S_IDLE;
        rd_done_d = 1'b1;
        irq_ev[ESPFAB_IRQ_ST_DONE] = 1'b1;
      end
      default: rd_st_d = S_IDLE;
    endcase

    // ---- register write
    if (wr_fire) begin
      aw_full_d = 1'b0;
      w_full_d = 1'b0;
      b_valid_d = 1'b1;
      b_resp_d = RESP_OKAY;
      if (wa_in_sa) begin
        if (wr_st_q == S_REQ) begin
          wr_rej_d = 1'b1;
        end else begin
          // word i byte k is record byte 4i+k
          for (i = 0; i < NSA; i = i + 1)
            for (k = 0; k < 4; k = k + 1)
              if (wa_sa_idx == i[6:0] && w_strb_q[k])
                stage_d[SAW-1-8*(4*i+k) -: 8] = w_data_q[8*k +: 8];
        end
      end else if (wa_in_ro_win) begin
        b_resp_d = RESP_SLVERR;
      end else if (wa_in_dma) begin
        if (wa_dma_ro)
          b_resp_d = RESP_SLVERR;
        else
          dma_wr = 1'b1;
      end else begin
        case (wa)
          ESPFAB_CSR_SCRATCH: scratch_d = merge(scratch_q, w_data_q, w_strb_q);
          ESPFAB_CSR_IRQ_STATUS: irq_clr = wbits[NIRQ-1:0];
          ESPFAB_CSR_IRQ_ENABLE: if (w_strb_q[0]) irq_en_d = w_data_q[NIRQ-1:0];  // causes fit byte 0
          ESPFAB_CSR_SA_SLOT: sa_slot_d = merge(sa_slot_q, w_data_q, w_strb_q);
          ESPFAB_CSR_SA_CMD: begin
            if (wr_st_q != S_IDLE ||
                (cmd_op != ESPFAB_SA_OP_ADD && cmd_op != ESPFAB_SA_OP_UPDATE && cmd_op != ESPFAB_SA_OP_DELETE)) begin
              wr_rej_d = 1'b1;
            end else begin
              wr_rej_d = 1'b0;
              wr_err_d = 1'b0;
              wr_st_d = S_REQ;
              wr_slot_d = sa_slot_q;
              wr_keep_d = cmd_op == ESPFAB_SA_OP_UPDATE;
              wr_clear_d = cmd_op == ESPFAB_SA_OP_DELETE;
              stage_wipe = cmd_op == ESPFAB_SA_OP_DELETE;
            end
          end
          ESPFAB_CSR_ST_SLOT: begin
            if (rd_st_q != S_IDLE) begin
              rd_rej_d = 1'b1;
            end else begin
              rd_rej_d = 1'b0;
              rd_done_d = 1'b0;
              rd_st_d = S_REQ;
              st_slot_d = merge(st_slot_q, w_data_q, w_strb_q);
            end
          end
          default: b_resp_d = RESP_SLVERR;  // read-only or unmapped
        endcase
      end
    end
    if (stage_wipe)
      stage_d = {SAW{1'b0}};

    // ---- register read
    if (rd_fire) begin
      ar_full_d = 1'b0;
      r_valid_d = 1'b1;
      r_resp_d = RESP_OKAY;
      r_data_d = 32'd0;
      if (ra_in_sa) begin
        r_data_d = sa_words[32*ra_sa_idx +: 32];
      end else if (ra_in_st) begin
        r_data_d = rd_done_q ? st_words[32*ra_st_idx +: 32] : 32'd0;
      end else if (ra_in_dma) begin
        r_data_d = dma_rdata_i;
      end else if (ra_in_cnt) begin
        cnt_rd = 1'b1;
        cnt_rd_idx = {1'b0, ra_cnt_idx[4:1]};
        cnt_rd_hi = ra_cnt_idx[0];
      end else begin
        case (ra)
          ESPFAB_CSR_ID: r_data_d = ESPFAB_DEVICE_ID;
          ESPFAB_CSR_VERSION: r_data_d = ESPFAB_CONTRACT_VERSION;
          ESPFAB_CSR_CAPS: r_data_d = CAPS;
          ESPFAB_CSR_SA_SLOTS: r_data_d = SA_SLOTS;
          ESPFAB_CSR_N_CTX: r_data_d = N_CTX;
          ESPFAB_CSR_CIPHER_LANES: r_data_d = CIPHER_LANES;
          ESPFAB_CSR_PIPELINED: r_data_d = PIPELINED;
          ESPFAB_CSR_SCRATCH: r_data_d = scratch_q;
          ESPFAB_CSR_STREAM_BYTES: r_data_d = STREAM_BYTES;
          ESPFAB_CSR_N_QUEUES: r_data_d = N_QUEUES;
          ESPFAB_CSR_IRQ_STATUS: r_data_d = {{(32 - NIRQ){1'b0}}, irq_pend_q & irq_en_q};
          ESPFAB_CSR_IRQ_ENABLE: r_data_d = {{(32 - NIRQ){1'b0}}, irq_en_q};
          ESPFAB_CSR_IRQ_RAW: r_data_d = {{(32 - NIRQ){1'b0}}, irq_pend_q};
          ESPFAB_CSR_SA_SLOT: r_data_d = sa_slot_q;
          ESPFAB_CSR_SA_CMD: r_data_d = 32'd0;
          ESPFAB_CSR_SA_STATUS: r_data_d = sa_status;
          ESPFAB_CSR_ST_SLOT: r_data_d = st_slot_q;
          ESPFAB_CSR_CNT_SUBMIT_LO, ESPFAB_CSR_CNT_SUBMIT_HI: begin
            cnt_rd = 1'b1;
            cnt_rd_idx = C_SUB[4:0];
            cnt_rd_hi = ra == ESPFAB_CSR_CNT_SUBMIT_HI;
          end
          ESPFAB_CSR_CNT_CPL_LO, ESPFAB_CSR_CNT_CPL_HI: begin
            cnt_rd = 1'b1;
            cnt_rd_idx = C_CPL[4:0];
            cnt_rd_hi = ra == ESPFAB_CSR_CNT_CPL_HI;
          end
          default: r_resp_d = RESP_SLVERR;
        endcase
      end
    end
    cnt_rd_val = 64'd0;
    for (i = 0; i < NCNT; i = i + 1)
      if (cnt_rd_idx == i[4:0])
        cnt_rd_val = cnt_q[64*i +: 64];
    if (cnt_rd) begin
      if (!cnt_rd_hi) begin
        r_data_d = cnt_rd_val[31:0];
        snap_d = cnt_rd_val[63:32];
        snap_idx_d = cnt_rd_idx;
        snap_vld_d = 1'b1;
      end else begin
        r_data_d = (snap_vld_q && snap_idx_q == cnt_rd_idx) ? snap_q : cnt_rd_val[63:32];
        snap_vld_d = 1'b0;
      end
    end

    // ---- counters: one shared incrementer for the status counters
    cnt_d = cnt_q;
    cnt_inc = 64'd0;
    for (i = 0; i < NSTAT; i = i + 1)
      if (cpl_status_q == i[7:0])
        cnt_inc = cnt_q[64*i +: 64];
    cnt_inc = cnt_inc + 64'd1;
    for (i = 0; i < NSTAT; i = i + 1)
      if (cpl_q && cpl_status_q == i[7:0])
        cnt_d[64*i +: 64] = cnt_inc;
    if (req_q)
      cnt_d[64*C_SUB +: 64] = cnt_q[64*C_SUB +: 64] + 64'd1;
    if (cpl_q)
      cnt_d[64*C_CPL +: 64] = cnt_q[64*C_CPL +: 64] + 64'd1;

    // ---- interrupts: a new cause wins over a clear in the same cycle
    irq_ev[ESPFAB_IRQ_CPL] = cpl_q;
    irq_ev[ESPFAB_IRQ_SOFT] = cpl_q && cpl_flags_q[ESPFAB_CPLFLAG_SOFT_EXPIRED];
    irq_ev[ESPFAB_IRQ_HARD] = cpl_q && cpl_flags_q[ESPFAB_CPLFLAG_HARD_EXPIRED];
    if (cpl_q && {24'd0, cpl_status_q} == ESPFAB_STATUS_DEVICE)
      irq_ev[ESPFAB_IRQ_ERR] = 1'b1;
    irq_pend_d = (irq_pend_q & ~irq_clr) | irq_ev;
    irq_d = |(irq_pend_q & irq_en_q);
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      aw_full_q <= 1'b0;
      w_full_q <= 1'b0;
      b_valid_q <= 1'b0;
      ar_full_q <= 1'b0;
      r_valid_q <= 1'b0;
      scratch_q <= 32'd0;
      irq_en_q <= {NIRQ{1'b0}};
      irq_pend_q <= {NIRQ{1'b0}};
      irq_q <= 1'b0;
      sa_slot_q <= 32'd0;
      stage_q <= {SAW{1'b0}};
      wr_st_q <= S_IDLE;
      wr_err_q <= 1'b0;
      wr_rej_q <= 1'b0;
      st_slot_q <= 32'd0;
      rd_st_q <= S_IDLE;
      rd_done_q <= 1'b0;
      rd_rej_q <= 1'b0;
      req_q <= 1'b0;
      cpl_q <= 1'b0;
      cnt_q <= {64*NCNT{1'b0}};
      snap_vld_q <= 1'b0;
    end else begin
      aw_full_q <= aw_full_d;
      w_full_q <= w_full_d;
      b_valid_q <= b_valid_d;
      ar_full_q <= ar_full_d;
      r_valid_q <= r_valid_d;
      scratch_q <= scratch_d;
      irq_en_q <= irq_en_d;
      irq_pend_q <= irq_pend_d;
      irq_q <= irq_d;
      sa_slot_q <= sa_slot_d;
      stage_q <= stage_d;
      wr_st_q <= wr_st_d;
      wr_err_q <= wr_err_d;
      wr_rej_q <= wr_rej_d;
      st_slot_q <= st_slot_d;
      rd_st_q <= rd_st_d;
      rd_done_q <= rd_done_d;
      rd_rej_q <= rd_rej_d;
      req_q <= req_valid_i;
      cpl_q <= cpl_valid_i;
      cnt_q <= cnt_d;
      snap_vld_q <= snap_vld_d;
    end
    // datapath registers, qualified by the valid bits above
    aw_addr_q <= aw_addr_d;
    w_data_q <= w_data_d;
    w_strb_q <= w_strb_d;
    b_resp_q <= b_resp_d;
    ar_addr_q <= ar_addr_d;
    r_data_q <= r_data_d;
    r_resp_q <= r_resp_d;
    wr_slot_q <= wr_slot_d;
    wr_keep_q <= wr_keep_d;
    wr_clear_q <= wr_clear_d;
    cpl_status_q <= cpl_status_i;
    cpl_flags_q <= cpl_flags_i;
    snap_q <= snap_d;
    snap_idx_q <= snap_idx_d;
  end

  assign s_axil_awready_o = !aw_full_q;
  assign s_axil_wready_o = !w_full_q;
  assign s_axil_bvalid_o = b_valid_q;
  assign s_axil_bresp_o = b_resp_q;
  assign s_axil_arready_o = !ar_full_q;
  assign s_axil_rvalid_o = r_valid_q;
  assign s_axil_rdata_o = r_data_q;
  assign s_axil_rresp_o = r_resp_q;

  assign sa_wr_valid_o = wr_st_q == S_REQ;
  assign sa_wr_slot_o = wr_slot_q;
  assign sa_wr_sa_o = stage_q;
  assign sa_wr_keep_state_o = wr_keep_q;
  assign sa_wr_clear_o = wr_clear_q;

  assign sa_rd_valid_o = rd_st_q == S_REQ;
  assign sa_rd_slot_o = st_slot_q;

  assign irq_o = irq_q;

  assign dma_wr_o = dma_wr;
  assign dma_waddr_o = wa;
  assign dma_wdata_o = w_data_q;
  assign dma_wstrb_o = w_strb_q;
  assign dma_raddr_o = ra;

endmodule
`default_nettype wire
