/*
 * model_device.cpp — `--device model`, the fast functional mode: the
 * behavioural C model of the fabric (sim/fabric_model.{c,h}: CSR block,
 * SA table, DMA queues with rings in host memory, hls/ esp_top as the
 * engine) as a platform Device, so the server and the protocol are the
 * same as for the RTL.
 *
 *   - Clock: fm_step(f, 1) at every posedge of the device clock, so a
 *     hung device (clock held) does not advance and the interrupt lines
 *     change on clock edges exactly as the platform's RUN expects.
 *   - Registers: an access completes at the second device clock edge
 *     after it starts (about an AXI4-Lite handshake); with the clock held
 *     it gives up after SIM_REG_TIMEOUT platform cycles like the RTL
 *     bridge (GENERIC_ERROR, data 0xffffffff).  fm_reg_* -EIO (SLVERR)
 *     becomes GENERIC_ERROR.
 *   - DMA: the model's dma_read/dma_write callbacks are TLM transactions
 *     into HostMem (DECERR outside it → the callback fails → the model's
 *     AXI error handling).  The model is functional, not cycle-accurate:
 *     the latency HostMem annotates is not applied.  STATS beats are the
 *     bytes moved divided by the stream width, rounded up per access.
 *   - Reset: fm_reset when rst_n falls.
 * The model is built with this binary's Verilate-time parameters, so its
 * identification registers read as the RTL's do.
 */
#include "platform.h"

extern "C" {
#include "fabric_model.h"
}

#include <cstdio>

using namespace sc_core;

namespace espsim {

namespace {

class ModelDevice : public Device {
      public:
	SC_HAS_PROCESS(ModelDevice);

	/* c: the model's parameters; its DMA callbacks are set here */
	ModelDevice(sc_module_name n, struct fm_config c) : Device(n), sb(c.stream_bytes)
	{
		c.dma_read = dma_read;
		c.dma_write = dma_write;
		c.dma_ctx = this;
		fm = fm_open(&c);
		SC_METHOD(tick);
		sensitive << clk.pos();
		dont_initialize();
	}
	~ModelDevice() override { fm_close(fm); }
	bool ok() const { return fm != nullptr; }

	static int dma_read(void *ctx, uint64_t addr, void *buf, size_t len)
	{
		return static_cast<ModelDevice *>(ctx)->dma(false, addr, buf, len);
	}
	static int dma_write(void *ctx, uint64_t addr, const void *buf, size_t len)
	{
		return static_cast<ModelDevice *>(ctx)->dma(true, addr, const_cast<void *>(buf), len);
	}

	void bar_b_transport(tlm::tlm_generic_payload &t, sc_time &delay) override
	{
		wait(delay);
		delay = SC_ZERO_TIME;
		if (t.get_data_length() != 4 || (t.get_address() & 3) || t.get_address() >= 0x10000u) {
			t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
			return;
		}
		uint32_t *v = reinterpret_cast<uint32_t *>(t.get_data_ptr());
		const sc_time limit = sc_time_stamp() + SIM_REG_TIMEOUT * SIM_PERIOD;
		const uint32_t a = (uint32_t)t.get_address();
		unsigned edges = 0;
		int rc = 0;
		while (edges < 2 && sc_time_stamp() < limit) {
			wait(limit - sc_time_stamp(), clk.posedge_event());
			if (!clk.posedge())
				continue;
			/* the access takes effect at the first edge; the answer comes with the
			 * second, when tick() has published the lines it changed (DMA_IRQ w1c) */
			if (++edges == 1)
				rc = t.is_write() ? fm_reg_write(fm, a, *v) : fm_reg_read(fm, a, v);
		}
		if (edges < 2) {
			if (!t.is_write())
				*v = 0xffffffffu;
			t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
			return;
		}
		t.set_response_status(rc == 0 ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
	}

	uint64_t rd_beats() const override { return n_rd; }
	uint64_t wr_beats() const override { return n_wr; }

      private:
	struct fm *fm = nullptr;
	const unsigned sb;
	bool in_reset = false;
	uint64_t n_rd = 0, n_wr = 0;

	int dma(bool write, uint64_t addr, void *buf, size_t len)
	{
		tlm::tlm_generic_payload p;
		sc_time d = SC_ZERO_TIME;
		p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
		p.set_address(addr);
		p.set_data_ptr(static_cast<unsigned char *>(buf));
		p.set_data_length((unsigned)len);
		p.set_streaming_width((unsigned)len);
		p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
		mem->b_transport(p, d);
		(write ? n_wr : n_rd) += (len + sb - 1) / sb;
		return p.is_response_ok() ? 0 : -1;
	}

	void tick()
	{
		if (!rst_n.read()) {
			if (!in_reset)
				fm_reset(fm);
			in_reset = true;
		} else {
			in_reset = false;
			fm_step(fm, 1);
		}
		irq.write(fm_irq_lines(fm));
	}
};

} // namespace

Device *make_model_device(const char *name, std::string *err)
{
	struct fm_config c;
	fm_config_default(&c);
	c.sa_slots = SIM_SA_SLOTS;
	c.n_queues = SIM_N_QUEUES;
	c.stream_bytes = SIM_STREAM_BYTES;
	c.n_ctx = SIM_N_CTX;
	c.cipher_lanes = SIM_CIPHER_LANES;
	c.pipelined = SIM_PIPELINED;
	ModelDevice *d = new ModelDevice(name, c);
	if (!d->ok()) {
		*err = "--device model: fm_open refused this build's parameters";
		return nullptr; /* an elaborated module stays; the process exits anyway */
	}
	return d;
}

} // namespace espsim
