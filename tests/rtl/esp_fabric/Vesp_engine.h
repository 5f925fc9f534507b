/*
 * tests/rtl/esp_fabric/Vesp_engine.h — lets tb_esp_fabric.cpp reuse the
 * engine harness (tests/rtl/esp_engine_harness.h) on module esp_fabric.
 *
 * The harness drives a Verilated esp_engine: it includes "Vesp_engine.h"
 * and uses class Vesp_engine with the engine's port names.  This directory
 * is on the include path of the esp_fabric testbench only
 * (scripts/verilate-tb.sh adds tests/rtl/TOP/ when it exists), so there
 * "Vesp_engine.h" is this adapter instead of a Verilator header: a class
 * with the engine's stream ports that forwards them, cycle by cycle, to the
 * Verilated esp_fabric (s_req_* -> s_axis_req_*, m_cpl_* -> m_axis_cpl_*,
 * descriptor and completion record as tuser).  The harness's stream
 * driver, expectations (esp_top on a mirror) and completion checks then run
 * unchanged against the top.
 *
 * The engine's SA ports (sa_wr_*, sa_rd_*) are not on esp_fabric: there the
 * AXI4-Lite register block drives them.  They exist here so the harness
 * compiles; they are inert (ready low), and the testbench never calls the
 * harness's sa_write / sa_read.  The testbench owns the AXI4-Lite side
 * through two hooks run in the harness's clock-low evaluation:
 * `drive` before the model evaluates (set the bus inputs for this cycle)
 * and `sample` after (see which handshakes happen at the coming edge).
 * The adapter also observes the streams' first beats (requests accepted,
 * completions with their status and flags) and irq_o, which is what the
 * CSR block counts and raises interrupts from.
 *
 * Harness and adapter share the clock protocol: inputs set, eval() with
 * clk_i low, handshakes sampled, eval() with clk_i high.
 */
#ifndef ESP_FABRIC_VESP_ENGINE_ADAPTER_H
#define ESP_FABRIC_VESP_ENGINE_ADAPTER_H

#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>

#include "Vesp_fabric.h"
#include "verilated.h"

class Vesp_engine {
	template <class T> using port_t = std::remove_cv_t<std::remove_reference_t<T>>;

      public:
	/* the Verilated top; the testbench's hooks reach its AXI4-Lite ports */
	Vesp_fabric fab;

	/* ---- esp_engine's port names, as the harness drives and reads them */
	CData clk_i = 0;
	CData rst_ni = 0;
	CData s_req_valid_i = 0;
	CData s_req_ready_o = 0;
	port_t<decltype(fab.s_axis_req_tdata_i)> s_req_data_i{};
	CData s_req_last_i = 0;
	port_t<decltype(fab.s_axis_req_tuser_i)> s_req_desc_i{};
	CData m_cpl_valid_o = 0;
	CData m_cpl_ready_i = 0;
	port_t<decltype(fab.m_axis_cpl_tdata_o)> m_cpl_data_o{};
	CData m_cpl_last_o = 0;
	port_t<decltype(fab.m_axis_cpl_tuser_o)> m_cpl_rec_o{};
	/* SA ports: inert (see above) */
	CData sa_wr_valid_i = 0, sa_wr_ready_o = 0, sa_wr_keep_state_i = 0, sa_wr_clear_i = 0, sa_wr_load_i = 0,
	      sa_wr_err_o = 0;
	IData sa_wr_slot_i = 0;
	VlWide<34> sa_wr_sa_i{};
	VlWide<68> sa_wr_state_i{};
	CData sa_rd_valid_i = 0, sa_rd_ready_o = 0, sa_rd_done_o = 0;
	IData sa_rd_slot_i = 0;
	VlWide<68> sa_rd_state_o{};

	/* ---- the testbench's side */
	std::function<void(Vesp_fabric &)> drive;  /* clock low, before eval: set AXI4-Lite inputs */
	std::function<void(Vesp_fabric &)> sample; /* clock low, after eval: handshakes at the coming edge */

	/* observed at the stream ports (first beats accepted) */
	uint64_t n_req = 0, n_cpl = 0;
	uint64_t n_status[256] = {};
	uint8_t flags_or = 0; /* completion flags seen since the testbench last cleared it */
	bool irq = false;	 /* irq_o in the last clock-low evaluation */
	uint64_t sa_port_misuse = 0; /* the harness drove sa_wr/sa_rd (it must not) */

	explicit Vesp_engine(VerilatedContext *c) : fab(c)
	{
		fab.clk_i = 0;
		fab.rst_ni = 0;
		fab.s_axil_awvalid_i = 0;
		fab.s_axil_wvalid_i = 0;
		fab.s_axil_bready_i = 0;
		fab.s_axil_arvalid_i = 0;
		fab.s_axil_rready_i = 0;
		fab.s_axis_req_tvalid_i = 0;
		fab.m_axis_cpl_tready_i = 0;
	}

	void eval()
	{
		fab.clk_i = clk_i;
		fab.rst_ni = rst_ni;
		if (!clk_i) {
			fab.s_axis_req_tvalid_i = s_req_valid_i;
			fab.s_axis_req_tdata_i = s_req_data_i;
			fab.s_axis_req_tlast_i = s_req_last_i;
			fab.s_axis_req_tuser_i = s_req_desc_i;
			fab.m_axis_cpl_tready_i = m_cpl_ready_i;
			if (drive)
				drive(fab);
		}
		fab.eval();
		s_req_ready_o = fab.s_axis_req_tready_o;
		m_cpl_valid_o = fab.m_axis_cpl_tvalid_o;
		m_cpl_data_o = fab.m_axis_cpl_tdata_o;
		m_cpl_last_o = fab.m_axis_cpl_tlast_o;
		m_cpl_rec_o = fab.m_axis_cpl_tuser_o;
		if (!clk_i) {
			observe();
			if (sample)
				sample(fab);
		}
	}

	void final() { fab.final(); }

      private:
	bool req_mid = false, cpl_mid = false;

	void observe()
	{
		irq = fab.irq_o;
		sa_port_misuse += sa_wr_valid_i || sa_rd_valid_i;
		if (!rst_ni) {
			req_mid = cpl_mid = false;
			return;
		}
		if (fab.s_axis_req_tvalid_i && fab.s_axis_req_tready_o) {
			n_req += !req_mid;
			req_mid = !fab.s_axis_req_tlast_i;
		}
		if (fab.m_axis_cpl_tvalid_o && fab.m_axis_cpl_tready_i) {
			if (!cpl_mid) {
				/* record {.., out_len[15:0], status[7:0], flags[7:0]}: the low word */
				const uint32_t lo = fab.m_axis_cpl_tuser_o[0];
				n_cpl++;
				n_status[(lo >> 8) & 0xff]++;
				flags_or |= (uint8_t)lo;
			}
			cpl_mid = !fab.m_axis_cpl_tlast_o;
		}
	}
};

#endif
