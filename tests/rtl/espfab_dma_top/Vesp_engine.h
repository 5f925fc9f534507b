/*
 * tests/rtl/espfab_dma_top/Vesp_engine.h — lets tb_espfab_dma_top.cpp use
 * the golden-model parts of tests/rtl/esp_engine_harness.h (Model, Gen,
 * Rng, make_ipv4, byte helpers) without an esp_engine to drive.
 *
 * The harness includes "Vesp_engine.h" and compiles its stream Harness
 * against class Vesp_engine's port names.  On this testbench's include
 * path only (scripts/verilate-tb.sh adds tests/rtl/TOP/), this header is
 * that class: inert members with the engine's port names and widths (the
 * beat is the top's STREAM_BYTES, read off its AXI data port), so the
 * Harness compiles but is never instantiated.  The testbench drives
 * Vespfab_dma_top itself, as a host with its memory.
 */
#ifndef ESPFAB_DMA_TOP_VESP_ENGINE_SHIM_H
#define ESPFAB_DMA_TOP_VESP_ENGINE_SHIM_H

#include <type_traits>

#include "Vespfab_dma_top.h"
#include "verilated.h"

class Vesp_engine {
	template <class T> using port_t = std::remove_cv_t<std::remove_reference_t<T>>;

      public:
	CData clk_i = 0, rst_ni = 0;
	CData s_req_valid_i = 0, s_req_ready_o = 0, s_req_last_i = 0;
	port_t<decltype(Vespfab_dma_top::m_axi_rdata_i)> s_req_data_i{};
	VlWide<9> s_req_desc_i{};
	CData m_cpl_valid_o = 0, m_cpl_ready_i = 0, m_cpl_last_o = 0;
	port_t<decltype(Vespfab_dma_top::m_axi_wdata_o)> m_cpl_data_o{};
	VlWide<6> m_cpl_rec_o{};
	CData sa_wr_valid_i = 0, sa_wr_ready_o = 0, sa_wr_keep_state_i = 0, sa_wr_clear_i = 0, sa_wr_load_i = 0,
	      sa_wr_err_o = 0;
	IData sa_wr_slot_i = 0;
	VlWide<34> sa_wr_sa_i{};
	VlWide<68> sa_wr_state_i{};
	CData sa_rd_valid_i = 0, sa_rd_ready_o = 0, sa_rd_done_o = 0;
	IData sa_rd_slot_i = 0;
	VlWide<68> sa_rd_state_o{};

	explicit Vesp_engine(VerilatedContext *) {}
	void eval() {}
	void final() {}
};

#endif
