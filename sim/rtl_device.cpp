/*
 * rtl_device.cpp — the Verilated espfab_dma_top (verilator --sc) as a
 * platform Device, behind two pin-level bridges:
 *
 *   BarBridge  TLM target (32-bit register accesses) → AXI4-Lite master
 *              handshake on s_axil_*; one access at a time, in the caller's
 *              thread; OKAY → TLM OK, SLVERR → GENERIC_ERROR, DECERR →
 *              ADDRESS_ERROR; no response within SIM_REG_TIMEOUT platform
 *              cycles → GENERIC_ERROR with data 0xffffffff.
 *   AxiBridge  AXI4 slave on m_axi_* → TLM transactions into HostMem: one
 *              TLM read per AR burst (data due rd_lat cycles after the
 *              AR handshake), one TLM write per AW burst when its last W
 *              beat arrives (B due wr_lat cycles later), byte enables from
 *              WSTRB.  Checks every burst as tests/rtl/tb_espfab_dma_top
 *              does (full-width INCR, never across 4 KB, WLAST on the last
 *              beat) and reports violations on stderr, counted.
 *
 * Both sample handshakes at posedges of the device clock with the values
 * settled before the edge and drive their outputs right after it, like
 * registered logic.  The parameters are the Verilate-time ones
 * (SIM_STREAM_BYTES etc., from scripts/build-simd.sh).
 */
#include "platform.h"

#include "Vespfab_dma_top.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

#ifndef SIM_STREAM_BYTES
#error "SIM_STREAM_BYTES: build through scripts/build-simd.sh"
#endif

using namespace sc_core;

namespace espsim {

namespace {

constexpr unsigned SB = SIM_STREAM_BYTES;
constexpr unsigned SB_LOG2 = SB == 32 ? 5 : 4;
static_assert(SB == 16 || SB == 32, "the AXI4 data width is STREAM_BYTES");
typedef sc_dt::sc_bv<8 * SB> data_t;

struct RdJob {
	uint64_t addr;
	unsigned beats, done;
	uint64_t due; /* device cycle of the first beat */
	unsigned resp;
	std::vector<uint8_t> data;
};
struct WrJob {
	uint64_t addr;
	unsigned beats, done;
	std::vector<uint8_t> data, be;
};
struct BJob {
	uint64_t due;
	unsigned resp;
};

class RtlDevice : public Device {
      public:
	SC_HAS_PROCESS(RtlDevice);

	explicit RtlDevice(sc_module_name n) : Device(n), top("espfab_dma_top")
	{
		top.clk_i(clk);
		top.rst_ni(rst_n);
#define B(p) top.p(p)
		B(s_axil_awvalid_i); B(s_axil_awready_o); B(s_axil_awaddr_i);
		B(s_axil_wvalid_i); B(s_axil_wready_o); B(s_axil_wdata_i); B(s_axil_wstrb_i);
		B(s_axil_bvalid_o); B(s_axil_bready_i); B(s_axil_bresp_o);
		B(s_axil_arvalid_i); B(s_axil_arready_o); B(s_axil_araddr_i);
		B(s_axil_rvalid_o); B(s_axil_rready_i); B(s_axil_rdata_o); B(s_axil_rresp_o);
		B(m_axi_awvalid_o); B(m_axi_awready_i); B(m_axi_awaddr_o); B(m_axi_awlen_o);
		B(m_axi_awsize_o); B(m_axi_awburst_o);
		B(m_axi_wvalid_o); B(m_axi_wready_i); B(m_axi_wdata_o); B(m_axi_wstrb_o); B(m_axi_wlast_o);
		B(m_axi_bvalid_i); B(m_axi_bready_o); B(m_axi_bresp_i);
		B(m_axi_arvalid_o); B(m_axi_arready_i); B(m_axi_araddr_o); B(m_axi_arlen_o);
		B(m_axi_arsize_o); B(m_axi_arburst_o);
		B(m_axi_rvalid_i); B(m_axi_rready_o); B(m_axi_rdata_i); B(m_axi_rresp_i); B(m_axi_rlast_i);
		B(irq_o); B(q_irq_o);
#undef B
		SC_METHOD(axi_slave);
		sensitive << clk.pos();
		dont_initialize();
		SC_METHOD(irq_lines);
		sensitive << irq_o << q_irq_o;
	}

	/* ---- BAR: AXI4-Lite master, one access at a time ---- */
	void bar_b_transport(tlm::tlm_generic_payload &t, sc_time &delay) override
	{
		wait(delay);
		delay = SC_ZERO_TIME;
		if (t.get_data_length() != 4 || (t.get_address() & 3) || t.get_address() >= 0x10000u) {
			t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
			return;
		}
		uint32_t *v = reinterpret_cast<uint32_t *>(t.get_data_ptr());
		const uint32_t a = (uint32_t)t.get_address();
		const sc_time limit = sc_time_stamp() + SIM_REG_TIMEOUT * SIM_PERIOD;
		unsigned resp = 0;
		bool answered = false;
		if (t.is_write()) {
			s_axil_awaddr_i.write(a);
			s_axil_wdata_i.write(*v);
			s_axil_wstrb_i.write(0xf);
			s_axil_awvalid_i.write(true);
			s_axil_wvalid_i.write(true);
			s_axil_bready_i.write(true);
			while (sc_time_stamp() < limit) {
				wait(limit - sc_time_stamp(), clk.posedge_event());
				if (!clk.posedge() && sc_time_stamp() >= limit)
					break;
				/* the values before this edge: a handshake happened at it */
				if (s_axil_awvalid_i.read() && s_axil_awready_o.read())
					s_axil_awvalid_i.write(false);
				if (s_axil_wvalid_i.read() && s_axil_wready_o.read())
					s_axil_wvalid_i.write(false);
				if (s_axil_bvalid_o.read() && s_axil_bready_i.read()) {
					resp = s_axil_bresp_o.read();
					answered = true;
					break;
				}
			}
			/* a hung device never saw the valids (its clock was held) */
			s_axil_awvalid_i.write(false);
			s_axil_wvalid_i.write(false);
			s_axil_bready_i.write(false);
		} else {
			s_axil_araddr_i.write(a);
			s_axil_arvalid_i.write(true);
			s_axil_rready_i.write(true);
			while (sc_time_stamp() < limit) {
				wait(limit - sc_time_stamp(), clk.posedge_event());
				if (!clk.posedge() && sc_time_stamp() >= limit)
					break;
				if (s_axil_arvalid_i.read() && s_axil_arready_o.read())
					s_axil_arvalid_i.write(false);
				if (s_axil_rvalid_o.read() && s_axil_rready_i.read()) {
					resp = s_axil_rresp_o.read();
					*v = s_axil_rdata_o.read();
					answered = true;
					break;
				}
			}
			s_axil_arvalid_i.write(false);
			s_axil_rready_i.write(false);
		}
		if (!answered) {
			if (!t.is_write())
				*v = 0xffffffffu;
			t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
		} else if (resp == 3)
			t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
		else if (resp != 0)
			t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
		else
			t.set_response_status(tlm::TLM_OK_RESPONSE);
	}

	uint64_t rd_beats() const override { return n_rd; }
	uint64_t wr_beats() const override { return n_wr; }
	uint64_t violations() const override { return n_viol; }

	void trace(sc_trace_file *tf) override
	{
#define T(s) sc_trace(tf, s, std::string(name()) + "." #s)
		T(s_axil_awvalid_i); T(s_axil_awready_o); T(s_axil_awaddr_i); T(s_axil_wvalid_i);
		T(s_axil_wready_o); T(s_axil_wdata_i); T(s_axil_bvalid_o); T(s_axil_bresp_o);
		T(s_axil_arvalid_i); T(s_axil_arready_o); T(s_axil_araddr_i); T(s_axil_rvalid_o);
		T(s_axil_rdata_o); T(s_axil_rresp_o);
		T(m_axi_awvalid_o); T(m_axi_awready_i); T(m_axi_awaddr_o); T(m_axi_awlen_o);
		T(m_axi_wvalid_o); T(m_axi_wready_i); T(m_axi_wlast_o); T(m_axi_wstrb_o);
		T(m_axi_bvalid_i); T(m_axi_bready_o); T(m_axi_bresp_i);
		T(m_axi_arvalid_o); T(m_axi_arready_i); T(m_axi_araddr_o); T(m_axi_arlen_o);
		T(m_axi_rvalid_i); T(m_axi_rready_o); T(m_axi_rlast_i); T(m_axi_rresp_i);
		T(irq_o); T(q_irq_o);
#undef T
	}

      private:
	Vespfab_dma_top top;

	sc_signal<bool> s_axil_awvalid_i{ "s_axil_awvalid_i" }, s_axil_awready_o{ "s_axil_awready_o" };
	sc_signal<uint32_t> s_axil_awaddr_i{ "s_axil_awaddr_i" };
	sc_signal<bool> s_axil_wvalid_i{ "s_axil_wvalid_i" }, s_axil_wready_o{ "s_axil_wready_o" };
	sc_signal<uint32_t> s_axil_wdata_i{ "s_axil_wdata_i" }, s_axil_wstrb_i{ "s_axil_wstrb_i" };
	sc_signal<bool> s_axil_bvalid_o{ "s_axil_bvalid_o" }, s_axil_bready_i{ "s_axil_bready_i" };
	sc_signal<uint32_t> s_axil_bresp_o{ "s_axil_bresp_o" };
	sc_signal<bool> s_axil_arvalid_i{ "s_axil_arvalid_i" }, s_axil_arready_o{ "s_axil_arready_o" };
	sc_signal<uint32_t> s_axil_araddr_i{ "s_axil_araddr_i" };
	sc_signal<bool> s_axil_rvalid_o{ "s_axil_rvalid_o" }, s_axil_rready_i{ "s_axil_rready_i" };
	sc_signal<uint32_t> s_axil_rdata_o{ "s_axil_rdata_o" }, s_axil_rresp_o{ "s_axil_rresp_o" };

	sc_signal<bool> m_axi_awvalid_o{ "m_axi_awvalid_o" }, m_axi_awready_i{ "m_axi_awready_i" };
	sc_signal<uint64_t> m_axi_awaddr_o{ "m_axi_awaddr_o" };
	sc_signal<uint32_t> m_axi_awlen_o{ "m_axi_awlen_o" }, m_axi_awsize_o{ "m_axi_awsize_o" },
		m_axi_awburst_o{ "m_axi_awburst_o" };
	sc_signal<bool> m_axi_wvalid_o{ "m_axi_wvalid_o" }, m_axi_wready_i{ "m_axi_wready_i" };
	sc_signal<data_t> m_axi_wdata_o{ "m_axi_wdata_o" };
	sc_signal<uint32_t> m_axi_wstrb_o{ "m_axi_wstrb_o" };
	sc_signal<bool> m_axi_wlast_o{ "m_axi_wlast_o" };
	sc_signal<bool> m_axi_bvalid_i{ "m_axi_bvalid_i" }, m_axi_bready_o{ "m_axi_bready_o" };
	sc_signal<uint32_t> m_axi_bresp_i{ "m_axi_bresp_i" };
	sc_signal<bool> m_axi_arvalid_o{ "m_axi_arvalid_o" }, m_axi_arready_i{ "m_axi_arready_i" };
	sc_signal<uint64_t> m_axi_araddr_o{ "m_axi_araddr_o" };
	sc_signal<uint32_t> m_axi_arlen_o{ "m_axi_arlen_o" }, m_axi_arsize_o{ "m_axi_arsize_o" },
		m_axi_arburst_o{ "m_axi_arburst_o" };
	sc_signal<bool> m_axi_rvalid_i{ "m_axi_rvalid_i" }, m_axi_rready_o{ "m_axi_rready_o" };
	sc_signal<data_t> m_axi_rdata_i{ "m_axi_rdata_i" };
	sc_signal<uint32_t> m_axi_rresp_i{ "m_axi_rresp_i" };
	sc_signal<bool> m_axi_rlast_i{ "m_axi_rlast_i" };
	sc_signal<bool> irq_o{ "irq_o" };
	sc_signal<uint32_t> q_irq_o{ "q_irq_o" };

	/* AXI4 slave state */
	uint64_t cyc = 0; /* device clock posedges */
	std::deque<RdJob> rq;
	std::deque<WrJob> wq;
	std::deque<BJob> bq;
	uint64_t n_rd = 0, n_wr = 0, n_viol = 0;
	static constexpr size_t MAX_OUTSTANDING = 64; /* bursts per direction the memory accepts */

	void violation(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		n_viol++;
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "espfab-simd: AXI4 PROTOCOL VIOLATION at cycle %llu: ", (unsigned long long)cyc);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}

	static void bv_to_bytes(const data_t &w, uint8_t *b)
	{
		for (unsigned k = 0; k < SB / 4; k++) {
			uint32_t x = (uint32_t)w.get_word((int)k);
			memcpy(b + 4 * k, &x, 4); /* little-endian lanes: byte k in bits 8k+7:8k */
		}
	}
	static data_t bytes_to_bv(const uint8_t *b)
	{
		data_t w;
		for (unsigned k = 0; k < SB / 4; k++) {
			uint32_t x;
			memcpy(&x, b + 4 * k, 4);
			w.set_word((int)k, x);
		}
		return w;
	}

	unsigned tlm_to_resp(const tlm::tlm_generic_payload &p)
	{
		if (p.is_response_ok())
			return 0;
		return p.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE ? 3 : 2;
	}

	bool burst_ok(const char *ch, uint64_t addr, unsigned beats, unsigned size, unsigned burst)
	{
		bool ok = true;
		if (size != SB_LOG2) {
			violation("%s %llx: size %u, not the full %u-byte width", ch, (unsigned long long)addr, size, SB);
			ok = false;
		}
		if (burst != 1) {
			violation("%s %llx: burst type %u, not INCR", ch, (unsigned long long)addr, burst);
			ok = false;
		}
		if (addr % SB) {
			violation("%s %llx: not aligned to the %u-byte beat", ch, (unsigned long long)addr, SB);
			ok = false;
		}
		if ((addr & 0xfff) + (uint64_t)beats * SB > 0x1000) {
			violation("%s %llx len %u: crosses a 4 KB boundary", ch, (unsigned long long)addr, beats);
			ok = false;
		}
		return ok;
	}

	void reset_bus()
	{
		rq.clear();
		wq.clear();
		bq.clear();
		m_axi_arready_i.write(false);
		m_axi_awready_i.write(false);
		m_axi_wready_i.write(false);
		m_axi_rvalid_i.write(false);
		m_axi_bvalid_i.write(false);
	}

	/* Clocked: sample the handshakes of this edge, then drive the next cycle. */
	void axi_slave()
	{
		cyc++;
		if (!rst_n.read()) {
			reset_bus();
			return;
		}
		const bool ar = m_axi_arvalid_o.read() && m_axi_arready_i.read();
		const bool rf = m_axi_rvalid_i.read() && m_axi_rready_o.read();
		const bool aw = m_axi_awvalid_o.read() && m_axi_awready_i.read();
		const bool wf = m_axi_wvalid_o.read() && m_axi_wready_i.read();
		const bool bf = m_axi_bvalid_i.read() && m_axi_bready_o.read();

		if (rf) {
			n_rd++;
			if (++rq.front().done == rq.front().beats)
				rq.pop_front();
		}
		if (bf)
			bq.pop_front();
		if (wf) {
			n_wr++;
			WrJob &j = wq.front();
			uint8_t b[SB];
			bv_to_bytes(m_axi_wdata_o.read(), b);
			const uint32_t s = m_axi_wstrb_o.read();
			for (unsigned k = 0; k < SB; k++) {
				j.data[j.done * SB + k] = b[k];
				j.be[j.done * SB + k] = (s >> k) & 1 ? 0xff : 0;
			}
			const bool last = j.done + 1 == j.beats;
			if (m_axi_wlast_o.read() != last)
				violation("WLAST %d on beat %u of %u (AW %llx)", (int)m_axi_wlast_o.read(), j.done, j.beats,
					  (unsigned long long)j.addr);
			if (++j.done == j.beats) {
				tlm::tlm_generic_payload p;
				sc_time d = SC_ZERO_TIME;
				p.set_command(tlm::TLM_WRITE_COMMAND);
				p.set_address(j.addr);
				p.set_data_ptr(j.data.data());
				p.set_data_length((unsigned)j.data.size());
				p.set_streaming_width((unsigned)j.data.size());
				p.set_byte_enable_ptr(j.be.data());
				p.set_byte_enable_length((unsigned)j.be.size());
				p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
				mem->b_transport(p, d);
				bq.push_back({ cyc + (uint64_t)(d / SIM_PERIOD), tlm_to_resp(p) });
				wq.pop_front();
			}
		}
		if (aw) {
			WrJob j;
			j.addr = m_axi_awaddr_o.read();
			j.beats = m_axi_awlen_o.read() + 1u;
			j.done = 0;
			burst_ok("AW", j.addr, j.beats, m_axi_awsize_o.read(), m_axi_awburst_o.read());
			j.data.assign((size_t)j.beats * SB, 0);
			j.be.assign((size_t)j.beats * SB, 0);
			wq.push_back(std::move(j));
		}
		if (ar) {
			RdJob j;
			j.addr = m_axi_araddr_o.read();
			j.beats = m_axi_arlen_o.read() + 1u;
			j.done = 0;
			burst_ok("AR", j.addr, j.beats, m_axi_arsize_o.read(), m_axi_arburst_o.read());
			j.data.assign((size_t)j.beats * SB, 0);
			tlm::tlm_generic_payload p;
			sc_time d = SC_ZERO_TIME;
			p.set_command(tlm::TLM_READ_COMMAND);
			p.set_address(j.addr);
			p.set_data_ptr(j.data.data());
			p.set_data_length((unsigned)j.data.size());
			p.set_streaming_width((unsigned)j.data.size());
			p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
			mem->b_transport(p, d);
			j.resp = tlm_to_resp(p);
			j.due = cyc + (uint64_t)(d / SIM_PERIOD);
			rq.push_back(std::move(j));
		}

		/* next cycle's outputs */
		m_axi_arready_i.write(rq.size() < MAX_OUTSTANDING);
		m_axi_awready_i.write(wq.size() + bq.size() < MAX_OUTSTANDING);
		m_axi_wready_i.write(!wq.empty());
		const bool rv = !rq.empty() && rq.front().due <= cyc;
		m_axi_rvalid_i.write(rv);
		if (rv) {
			const RdJob &j = rq.front();
			m_axi_rdata_i.write(bytes_to_bv(&j.data[(size_t)j.done * SB]));
			m_axi_rresp_i.write(j.resp);
			m_axi_rlast_i.write(j.done + 1 == j.beats);
		}
		const bool bv = !bq.empty() && bq.front().due <= cyc;
		m_axi_bvalid_i.write(bv);
		m_axi_bresp_i.write(bv ? bq.front().resp : 0);
	}

	void irq_lines() { irq.write((q_irq_o.read() & 0x7fffffffu) | (irq_o.read() ? SIM_IRQ_CSR : 0)); }
};

} // namespace

Device *make_rtl_device(const char *name, std::string *)
{
	return new RtlDevice(name);
}

const char *rtl_config()
{
	return SIM_CONFIG;
}

} // namespace espsim
