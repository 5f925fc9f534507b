/*
 * simd_main.cpp — espfab-simd, the SystemC virtual platform process
 * (docs/sim.md, protocol in sim_proto.h):
 *
 *   espfab-simd --sock FD --mem-fd FD --mem-bytes N --device rtl|model
 *               [--rd-latency C] [--wr-latency C] [--trace FILE.vcd]
 *
 * One process per simulated device: SystemC elaborates once per process,
 * so every open of libespfab's `sim` engine gets a fresh platform.  The
 * server blocks in recv() on the SOCK_SEQPACKET socket, runs the simulation
 * only inside a request, and answers each struct sim_req with one struct
 * sim_rsp.  EOF on the socket (or SIM_OP_QUIT) ends the process with 0.
 *
 * Inside the simulation a host thread (Platform::host_thread) carries out
 * one request at a time and calls sc_pause(); sc_main runs sc_start() with
 * a bound so a platform bug cannot spin forever.
 */
#include "platform.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sc_core;

namespace espsim {

/* ---- HostMem --------------------------------------------------------------------- */

HostMem::HostMem(sc_module_name n, uint8_t *b, uint64_t sz, unsigned rl, unsigned wl)
	: sc_module(n), sock("sock"), base(b), bytes(sz), rd_lat(rl), wr_lat(wl)
{
	sock.register_b_transport(this, &HostMem::b_transport);
}

void HostMem::b_transport(tlm::tlm_generic_payload &t, sc_time &delay)
{
	const uint64_t a = t.get_address();
	const uint64_t n = t.get_data_length();
	if (a < SIM_MEM_BASE || a - SIM_MEM_BASE > bytes || n > bytes - (a - SIM_MEM_BASE) ||
	    t.get_streaming_width() < n) {
		t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
		return;
	}
	uint8_t *p = base + (a - SIM_MEM_BASE);
	uint8_t *d = t.get_data_ptr();
	if (t.is_read()) {
		memcpy(d, p, n);
		delay += rd_lat * SIM_PERIOD;
	} else if (t.is_write()) {
		const uint8_t *be = t.get_byte_enable_ptr();
		const unsigned bel = t.get_byte_enable_length();
		if (!be)
			memcpy(p, d, n);
		else
			for (uint64_t i = 0; i < n; i++)
				if (be[i % bel] == TLM_BYTE_ENABLED)
					p[i] = d[i];
		delay += wr_lat * SIM_PERIOD;
	}
	t.set_response_status(tlm::TLM_OK_RESPONSE);
}

/* ---- Device base ----------------------------------------------------------------- */

Device::Device(sc_module_name n) : sc_module(n), bar("bar"), mem("mem"), clk("clk"), rst_n("rst_n"), irq("irq")
{
	bar.register_b_transport(this, &Device::bar_entry);
}

/* ---- Platform -------------------------------------------------------------------- */

class Platform : public sc_module {
      public:
	SC_HAS_PROCESS(Platform);

	enum Kind { CMD_NONE, CMD_RD, CMD_WR, CMD_RUN, CMD_RESET, CMD_IDLE };
	struct Cmd {
		Kind kind = CMD_NONE;
		uint32_t off = 0, val = 0;
		uint32_t mask = 0;
		uint64_t budget = 0;
		/* results */
		bool done = false;
		int status = 0;
		uint64_t ran = 0;
	};

	sc_signal<bool> clk{ "clk" }, dev_clk{ "dev_clk" }, rst_n{ "rst_n" };
	sc_signal<uint32_t> irq{ "irq" };
	tlm_utils::simple_initiator_socket<Platform> host{ "host" };
	HostMem mem;
	Device *dev;
	bool hung = false;
	/* whole clock periods since the platform started */
	static uint64_t cycles() { return sc_time_stamp().value() / SIM_PERIOD.value(); }

	Platform(sc_module_name n, Device *d, uint8_t *base, uint64_t bytes, unsigned rl, unsigned wl)
		: sc_module(n), mem("hostmem", base, bytes, rl, wl), dev(d)
	{
		host.bind(dev->bar);
		dev->mem.bind(mem.sock);
		dev->clk(dev_clk);
		dev->rst_n(rst_n);
		dev->irq(irq);
		rst_n.write(false);
		SC_THREAD(clock_thread);
		SC_THREAD(host_thread);
	}

	/* Run one command to completion (sc_main side). Returns false if the
	 * platform did not finish it within `bound` cycles (a platform bug). */
	bool execute(Cmd &c, uint64_t bound)
	{
		cmd = c;
		cmd.done = false;
		pending = true;
		go.notify(SC_ZERO_TIME);
		sc_start((double)(bound + 4) * SIM_PERIOD);
		c = cmd;
		return cmd.done;
	}

	void trace(sc_trace_file *tf)
	{
		sc_trace(tf, clk, "clk");
		sc_trace(tf, dev_clk, "dev_clk");
		sc_trace(tf, rst_n, "rst_n");
		sc_trace(tf, irq, "irq");
		dev->trace(tf);
	}

      private:
	Cmd cmd;
	bool pending = false; /* a command waits (go may fire before the thread first waits on it) */
	sc_event go;

	void clock_thread()
	{
		const sc_time half = SIM_PERIOD / 2;
		for (;;) {
			clk.write(true);
			if (!hung)
				dev_clk.write(true);
			wait(half);
			clk.write(false);
			dev_clk.write(false);
			wait(half);
		}
	}

	int reg(bool write, uint32_t off, uint32_t *val)
	{
		tlm::tlm_generic_payload p;
		sc_time d = SC_ZERO_TIME;
		p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
		p.set_address(off);
		p.set_data_ptr(reinterpret_cast<unsigned char *>(val));
		p.set_data_length(4);
		p.set_streaming_width(4);
		p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
		host->b_transport(p, d);
		return p.is_response_ok() ? 0 : -EIO;
	}

	void host_thread()
	{
		for (;;) {
			if (!pending)
				wait(go);
			pending = false;
			/* every command ends at a clock edge (a register handshake, an
			 * interrupt line or a run's end), so this one starts at one: its
			 * cycle counts are whole and a RUN in chunks loses nothing */
			const uint64_t c0 = cycles();
			switch (cmd.kind) {
			case CMD_RD:
				cmd.status = reg(false, cmd.off, &cmd.val);
				break;
			case CMD_WR:
				cmd.status = reg(true, cmd.off, &cmd.val);
				break;
			case CMD_RUN: {
				const sc_time end = sc_time_stamp() + (double)cmd.budget * SIM_PERIOD;
				while (!(cmd.mask && (irq.read() & cmd.mask)) && sc_time_stamp() < end)
					wait(end - sc_time_stamp(), irq.value_changed_event());
				cmd.status = 0;
				break;
			}
			case CMD_RESET:
				hung = false;
				rst_n.write(false);
				for (int i = 0; i < 16; i++)
					wait(clk.posedge_event());
				rst_n.write(true);
				wait(clk.posedge_event());
				cmd.status = 0;
				break;
			default:
				cmd.status = 0;
				break;
			}
			cmd.ran = cycles() - c0;
			cmd.done = true;
			sc_pause();
		}
	}
};

} // namespace espsim

using namespace espsim;

namespace {

const uint64_t RUN_MAX = 1ull << 44;
const uint64_t RUN_CHUNK = 1ull << 16; /* cycles between checks that the engine is still there */

/* the engine closed its end (a request during a RUN is its own mistake: ignored here) */
bool peer_gone(int fd)
{
	struct pollfd p = { fd, POLLRDHUP, 0 };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

void usage(const char *why)
{
	fprintf(stderr,
		"espfab-simd: %s\n"
		"usage: espfab-simd --sock FD --mem-fd FD --mem-bytes N --device rtl|model\n"
		"                   [--rd-latency CYCLES] [--wr-latency CYCLES] [--trace FILE.vcd]\n"
		"  the SystemC virtual platform of the espfab fabric (built: %s); normally started by\n"
		"  libespfab's sim engine, see docs/sim.md and sim/sim_proto.h\n",
		why, rtl_config());
	exit(2);
}

bool parse_u64(const char *s, uint64_t *v)
{
	if (!s || !*s || *s == '-')
		return false;
	char *e;
	errno = 0;
	unsigned long long x = strtoull(s, &e, 0);
	if (errno || *e)
		return false;
	*v = x;
	return true;
}

/* send one response; false if the peer is gone */
bool reply(int fd, const sim_rsp &r)
{
	for (;;) {
		ssize_t n = send(fd, &r, sizeof r, MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof r)
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		return false;
	}
}

} // namespace

int sc_main(int argc, char **argv)
{
	uint64_t sock = UINT64_MAX, memfd = UINT64_MAX, mem_bytes = 0, rd_lat = 0, wr_lat = 0;
	const char *device = nullptr, *trace = nullptr;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		uint64_t *num = nullptr;
		if (!strcmp(a, "--sock"))
			num = &sock;
		else if (!strcmp(a, "--mem-fd"))
			num = &memfd;
		else if (!strcmp(a, "--mem-bytes"))
			num = &mem_bytes;
		else if (!strcmp(a, "--rd-latency"))
			num = &rd_lat;
		else if (!strcmp(a, "--wr-latency"))
			num = &wr_lat;
		else if (!strcmp(a, "--device")) {
			if (!v)
				usage("--device needs rtl or model");
			device = v;
			i++;
			continue;
		} else if (!strcmp(a, "--trace")) {
			if (!v)
				usage("--trace needs a file name");
			trace = v;
			i++;
			continue;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage("help");
		else {
			std::string m = std::string("unknown argument '") + a + "'";
			usage(m.c_str());
		}
		if (!parse_u64(v, num)) {
			std::string m = std::string(a) + " needs a non-negative number, got '" + (v ? v : "") + "'";
			usage(m.c_str());
		}
		i++;
	}
	if (sock > INT_MAX)
		usage("--sock FD is required");
	if (memfd > INT_MAX)
		usage("--mem-fd FD is required");
	if (!mem_bytes)
		usage("--mem-bytes N (> 0) is required");
	if (!device)
		usage("--device rtl|model is required");
	if (strcmp(device, "rtl") && strcmp(device, "model"))
		usage((std::string("--device must be rtl or model, not '") + device + "'").c_str());
	if (rd_lat > 100000 || wr_lat > 100000)
		usage("latencies are at most 100000 cycles");
	int so_type = 0;
	socklen_t sl = sizeof so_type;
	if (getsockopt((int)sock, SOL_SOCKET, SO_TYPE, &so_type, &sl) != 0 || so_type != SOCK_SEQPACKET) {
		fprintf(stderr, "espfab-simd: --sock %d is not a SOCK_SEQPACKET socket: %s\n", (int)sock,
			so_type ? "wrong type" : strerror(errno));
		return 2;
	}
	struct stat st;
	if (fstat((int)memfd, &st) != 0) {
		fprintf(stderr, "espfab-simd: --mem-fd %d: %s\n", (int)memfd, strerror(errno));
		return 2;
	}
	if ((uint64_t)st.st_size < mem_bytes) {
		fprintf(stderr, "espfab-simd: --mem-fd %d holds %lld bytes, fewer than --mem-bytes %llu\n", (int)memfd,
			(long long)st.st_size, (unsigned long long)mem_bytes);
		return 2;
	}
	void *m = mmap(nullptr, mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, (int)memfd, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "espfab-simd: mmap of --mem-fd %d (%llu bytes): %s\n", (int)memfd,
			(unsigned long long)mem_bytes, strerror(errno));
		return 2;
	}

	std::string err;
	Device *dev = !strcmp(device, "rtl") ? make_rtl_device("dev", &err) : make_model_device("dev", &err);
	if (!dev) {
		fprintf(stderr, "espfab-simd: %s\n", err.c_str());
		return 2;
	}
	Platform *pf = new Platform("platform", dev, (uint8_t *)m, mem_bytes, (unsigned)rd_lat, (unsigned)wr_lat);
	sc_trace_file *tf = nullptr;
	if (trace) {
		std::string t = trace;
		if (t.size() > 4 && t.compare(t.size() - 4, 4, ".vcd") == 0)
			t.resize(t.size() - 4); /* SystemC appends .vcd */
		tf = sc_create_vcd_trace_file(t.c_str());
		if (!tf) {
			fprintf(stderr, "espfab-simd: cannot create trace %s\n", trace);
			return 2;
		}
		pf->trace(tf);
	}

	/* power-on reset, as SIM_FAULT_RESET does */
	Platform::Cmd c;
	c.kind = Platform::CMD_RESET;
	if (!pf->execute(c, 64)) {
		fprintf(stderr, "espfab-simd: power-on reset did not finish\n");
		return 1;
	}

	int rc = 0;
	for (;;) {
		sim_req q;
		uint8_t buf[sizeof q + 1];
		ssize_t n = recv((int)sock, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "espfab-simd: recv: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		if (n == 0)
			break; /* the engine closed its end */
		sim_rsp r;
		memset(&r, 0, sizeof r);
		bool quit = false;
		if ((size_t)n != sizeof q) {
			r.status = -EINVAL;
			goto answer;
		}
		memcpy(&q, buf, sizeof q);
		c = Platform::Cmd();
		switch (q.op) {
		case SIM_OP_HELLO:
			r.val = SIM_PROTO_VERSION;
			r.arg = mem_bytes;
			r.status = q.arg0 == SIM_PROTO_VERSION ? 0 : -EINVAL;
			break;
		case SIM_OP_REG_READ:
		case SIM_OP_REG_WRITE:
			if ((q.arg0 & 3) || q.arg0 >= 0x10000u || (q.op == SIM_OP_REG_WRITE && q.arg1 > 0xffffffffull)) {
				r.status = -EINVAL;
				break;
			}
			c.kind = q.op == SIM_OP_REG_READ ? Platform::CMD_RD : Platform::CMD_WR;
			c.off = q.arg0;
			c.val = (uint32_t)q.arg1;
			if (!pf->execute(c, SIM_REG_TIMEOUT + 16)) {
				fprintf(stderr, "espfab-simd: register access 0x%x did not end (platform bug)\n", q.arg0);
				rc = 1;
				goto out;
			}
			r.status = c.status;
			r.val = c.kind == Platform::CMD_RD ? c.val : 0;
			if (c.status && c.kind == Platform::CMD_RD)
				r.val = 0xffffffffu;
			break;
		case SIM_OP_RUN:
			if (q.arg1 > 0xffffffffull) {
				r.status = -EINVAL;
				break;
			}
			{
				/* "forever" (e.g. UINT64_MAX) is 2^44 cycles: SystemC time must not overflow.
				 * In chunks, so an engine that died mid-RUN does not leave us spinning. */
				const uint64_t budget = q.arg2 < RUN_MAX ? q.arg2 : RUN_MAX;
				const uint64_t c0 = Platform::cycles();
				uint64_t ran = 0;
				for (;;) {
					c = Platform::Cmd();
					c.kind = Platform::CMD_RUN;
					c.mask = (uint32_t)q.arg1;
					c.budget = budget - ran < RUN_CHUNK ? budget - ran : RUN_CHUNK;
					if (!pf->execute(c, c.budget + 16)) {
						fprintf(stderr, "espfab-simd: run did not end (platform bug)\n");
						rc = 1;
						goto out;
					}
					ran = Platform::cycles() - c0;
					if ((c.mask & pf->irq.read()) || ran >= budget)
						break;
					if (peer_gone((int)sock))
						goto out; /* as EOF */
				}
				r.val = (uint32_t)(ran > 0xffffffffull ? 0xffffffffull : ran);
				r.arg = ran;
			}
			break;
		case SIM_OP_FAULT:
			switch (q.arg0) {
			case SIM_FAULT_NONE:
				break;
			case SIM_FAULT_HANG:
				pf->hung = true;
				break;
			case SIM_FAULT_RESUME:
				pf->hung = false;
				break;
			case SIM_FAULT_RESET:
				c.kind = Platform::CMD_RESET;
				if (!pf->execute(c, 64)) {
					fprintf(stderr, "espfab-simd: reset did not end (platform bug)\n");
					rc = 1;
					goto out;
				}
				break;
			default:
				r.status = -EINVAL;
			}
			break;
		case SIM_OP_STATS:
			r.val = (uint32_t)dev->rd_beats();
			r.arg = dev->wr_beats();
			break;
		case SIM_OP_QUIT:
			quit = true;
			break;
		default:
			r.status = -EINVAL;
		}
	answer:
		r.cycles = Platform::cycles();
		r.irq = pf->irq.read();
		if (!reply((int)sock, r))
			break; /* the engine is gone: same as EOF */
		if (quit)
			break;
	}
out:
	if (dev->violations())
		fprintf(stderr, "espfab-simd: %llu AXI4 protocol violations\n", (unsigned long long)dev->violations());
	if (tf)
		sc_close_vcd_trace_file(tf);
	sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING); /* no "stopped by user" */
	sc_stop();
	return rc;
}

int main(int argc, char **argv)
{
	/* stdout/stderr belong to the engine's process: no SystemC banner */
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
	return sc_core::sc_elab_and_sim(argc, argv);
}
