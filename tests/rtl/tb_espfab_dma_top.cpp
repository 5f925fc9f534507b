/*
 * tb_espfab_dma_top — Verilator testbench of rtl/top/espfab_dma_top.v: the
 * ESP engine behind its DMA (rtl/dma/esp_dma.v) and register block, as a
 * host sees it (docs/rtl-dma.md).
 *
 * Around the DUT:
 *   - host memory answering the AXI4 master: random AR/AW/W readiness,
 *     random read and write-response latency, R gaps; address ranges that
 *     answer SLVERR (reads or writes) on demand; DECERR outside memory;
 *   - an AXI4-Lite master (one transaction at a time) for the registers;
 *   - a "driver" in C++: per queue a request ring and a completion ring in
 *     host memory, descriptors written, completion slots pre-written
 *     PENDING, doorbells (RQ_PI), completions taken by polling the index
 *     block the DMA writes behind the completion ring.
 * Every request's expectation comes from esp_top (hls/esp, through the
 * engine harness's Model) at submission; each queue uses its own SAs, so
 * per-SA order is ring order whatever the DMA's round robin does.
 * Completion records and output bytes are compared byte for byte, and the
 * bytes past out_len must be untouched.
 *
 * Phases: ident; queues and SAs; traffic (random packets on random SAs on
 * four queues with rings of 8..64 slots: wrap-around, full rings, bad
 * descriptors, read and write error responses); moderation (count and
 * timer observed exactly); drain + reset of a queue; a descriptor read
 * error (DEVICE, the next request passes); counters; then a
 * throughput run (1400-byte AES-SHA1 encap, one queue, memory latency 40
 * cycles) reported in bytes/cycle beside the stream bound.
 *
 * Exit status 0 only if nothing differed; the last line is the summary.
 */
#include "esp_engine_harness.h" /* Model, Gen, Rng (Vesp_engine is an inert shim here) */

#include <map>

#ifndef TB_PIPELINED
#define TB_PIPELINED 1
#endif
#ifndef TB_N_QUEUES
#define TB_N_QUEUES 4
#endif

enum : unsigned { SB = (unsigned)sizeof(Vespfab_dma_top::m_axi_rdata_i) };
static_assert(SB == 16 || SB == 32, "AXI data is STREAM_BYTES wide");
#ifdef TB_STREAM_BYTES
static_assert(SB == TB_STREAM_BYTES, "AXI data is STREAM_BYTES wide");
#endif

#define S(x) ESPFAB_STATUS_##x

static uint64_t g_fail = 0;
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	if (g_fail++ < 25) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "FAIL: ");
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

/* ---- AXI data words: little-endian lanes (byte k in bits 8k+7:8k) ----------------- */
template <class W> static void lanes_set(W &w, const uint8_t *b)
{
	for (unsigned k = 0; k < SB; k++) {
		uint32_t &x = w[k / 4];
		x = (x & ~(0xffu << 8 * (k % 4))) | (uint32_t)b[k] << 8 * (k % 4);
	}
}
template <class W> static uint8_t lane_get(const W &w, unsigned k) { return (uint8_t)(w[k / 4] >> 8 * (k % 4)); }
static bool strb_get(uint64_t s, unsigned k) { return (s >> k) & 1; }
template <class T> static uint64_t strb_val(const T &s) { return (uint64_t)s; }

/* ---- host memory ---------------------------------------------------------------- */
struct Range {
	uint64_t lo, hi;
};

struct Mem {
	static constexpr uint64_t BASE = 0x100000000ull; /* above 4 GB: the high address bits matter */
	std::vector<uint8_t> m = std::vector<uint8_t>(8u << 20, 0);
	std::vector<Range> bad_rd, bad_wr;
	bool in(uint64_t a, uint64_t n) const { return a >= BASE && a + n <= BASE + m.size(); }
	uint8_t *p(uint64_t a) { return &m[a - BASE]; }
	static bool hit(const std::vector<Range> &v, uint64_t a, uint64_t n)
	{
		for (const Range &r : v)
			if (a < r.hi && r.lo < a + n)
				return true;
		return false;
	}
	uint32_t rd32(uint64_t a) { uint32_t v; memcpy(&v, p(a), 4); return v; }
};

struct RdJob {
	uint64_t addr;
	unsigned beats, done = 0;
	uint64_t t;
};
struct WrJob {
	uint64_t addr;
	unsigned beats, done = 0;
	bool err = false;
};
struct BJob {
	uint64_t t;
	unsigned resp;
};

/* ---- the testbench -------------------------------------------------------------- */
struct DJob {
	espfab_req_t req{};
	std::vector<uint8_t> in;
	espfab_cpl_t exp{};
	std::vector<uint8_t> exp_out;
	bool local = false;     /* completed by the DMA alone: no model */
	bool skip_cookie = false;
	int poison = 0; /* 1: read range, 2: write range */
	Range prange{};
	const char *what = "";
};

struct Queue {
	uint64_t rq, cq;	     /* ring bases */
	unsigned l2 = 4;
	unsigned head = 0, tail = 0; /* host: next slot to fill, next completion to take */
	unsigned rung = 0;	     /* head as last written to RQ_PI */
	std::map<unsigned, DJob *> jobs; /* by slot */
	uint32_t o_slot = 0, i_slot = 0; /* SAs */
	uint32_t seq = 0;
	uint64_t done = 0, irqs = 0, full_seen = 0;
	uint64_t last_irq = 0;
	unsigned size() const { return 1u << l2; }
	unsigned qi = 0;
};

class Tb {
      public:
	VerilatedContext *vctx;
	Vespfab_dma_top *d;
	Mem mem;
	Rng r, t;
	Model mirror;
	Gen gen;
	uint64_t cycle = 0;
	unsigned lat_lo = 0, lat_hi = 30;   /* read latency (AR to first R beat), cycles */
	unsigned blat_lo = 0, blat_hi = 30; /* write-response latency (last W beat to B), cycles */
	unsigned p_ready = 70; /* % AR/AW/W ready, R valid, per cycle */
	std::deque<RdJob> rq;
	std::deque<WrJob> wq;
	std::deque<BJob> bq;
	bool r_presenting = false, b_presenting = false;
	Queue q[TB_N_QUEUES];
	bool irq_prev[TB_N_QUEUES] = {};
	uint64_t irq_edge[TB_N_QUEUES] = {};
	uint64_t n_done = 0, n_local = 0, n_dev = 0, n_bad = 0;
	uint64_t status_seen[16] = {};
	uint64_t last_progress = 0;

	Tb(uint64_t seed, int argc, char **argv) : r(seed), t(seed ^ 0x77)
	{
		vctx = new VerilatedContext;
		vctx->commandArgs(argc, argv);
		vctx->randReset(2);
		d = new Vespfab_dma_top{ vctx };
		d->rst_ni = 0;
		d->s_axil_awvalid_i = d->s_axil_wvalid_i = d->s_axil_arvalid_i = 0;
		d->s_axil_bready_i = d->s_axil_rready_i = 0;
		for (int i = 0; i < 8; i++)
			tick();
		d->rst_ni = 1;
		tick();
	}
	~Tb()
	{
		d->final();
		delete d;
		delete vctx;
	}

	bool dice(unsigned pct) { return t.below(100) < pct; }

	/* one clock: memory model outputs, eval low, sample handshakes, eval high */
	void tick()
	{
		/* read data */
		if (!r_presenting && !rq.empty() && rq.front().t <= cycle && dice(p_ready))
			r_presenting = true;
		d->m_axi_rvalid_i = r_presenting;
		if (r_presenting) {
			RdJob &j = rq.front();
			uint64_t a = j.addr + (uint64_t)j.done * SB;
			uint8_t b[32] = {};
			unsigned resp = 0;
			if (!mem.in(a, SB))
				resp = 3;
			else {
				memcpy(b, mem.p(a), SB);
				if (Mem::hit(mem.bad_rd, a, SB))
					resp = 2;
			}
			lanes_set(d->m_axi_rdata_i, b);
			d->m_axi_rresp_i = resp;
			d->m_axi_rlast_i = j.done + 1 == j.beats;
		}
		d->m_axi_arready_i = dice(p_ready);
		d->m_axi_awready_i = dice(p_ready);
		d->m_axi_wready_i = !wq.empty() && dice(p_ready);
		if (!b_presenting && !bq.empty() && bq.front().t <= cycle)
			b_presenting = true;
		d->m_axi_bvalid_i = b_presenting;
		d->m_axi_bresp_i = b_presenting ? bq.front().resp : 0;

		d->clk_i = 0;
		d->eval();
		const bool ar = d->m_axi_arvalid_o && d->m_axi_arready_i;
		const bool rf = d->m_axi_rvalid_i && d->m_axi_rready_o;
		const bool aw = d->m_axi_awvalid_o && d->m_axi_awready_i;
		const bool wf = d->m_axi_wvalid_o && d->m_axi_wready_i;
		const bool bf = d->m_axi_bvalid_i && d->m_axi_bready_o;
		RdJob nr{ d->m_axi_araddr_o, (unsigned)d->m_axi_arlen_o + 1u, 0, cycle + t.range(lat_lo, lat_hi) };
		WrJob nw{ d->m_axi_awaddr_o, (unsigned)d->m_axi_awlen_o + 1u };
		if (ar && (d->m_axi_arsize_o != (SB == 32 ? 5 : 4) || d->m_axi_arburst_o != 1 ||
			   (nr.addr & 0xfff) + nr.beats * SB > 0x1000))
			fail("AR %llx len %u size %u burst %u: not a full-width INCR burst inside 4 KB",
			     (unsigned long long)nr.addr, nr.beats, d->m_axi_arsize_o, d->m_axi_arburst_o);
		if (aw && ((nw.addr & 0xfff) + nw.beats * SB > 0x1000 || d->m_axi_awburst_o != 1))
			fail("AW %llx len %u crosses 4 KB", (unsigned long long)nw.addr, nw.beats);
		if (wf) {
			WrJob &j = wq.front();
			uint64_t a = j.addr + (uint64_t)j.done * SB;
			uint64_t s = strb_val(d->m_axi_wstrb_o);
			if (!mem.in(a, SB))
				j.err = true;
			else {
				if (Mem::hit(mem.bad_wr, a, SB))
					j.err = true;
				for (unsigned k = 0; k < SB; k++)
					if (strb_get(s, k) && !Mem::hit(mem.bad_wr, a + k, 1))
						*mem.p(a + k) = lane_get(d->m_axi_wdata_o, k);
			}
			if ((bool)d->m_axi_wlast_o != (j.done + 1 == j.beats))
				fail("WLAST %d on beat %u of %u", d->m_axi_wlast_o, j.done, j.beats);
		}
		d->clk_i = 1;
		d->eval();
		cycle++;
		if (ar)
			rq.push_back(nr);
		if (rf) {
			if (++rq.front().done == rq.front().beats)
				rq.pop_front();
			r_presenting = false;
			last_progress = cycle;
		}
		if (wf) {
			WrJob &j = wq.front();
			if (++j.done == j.beats) {
				bq.push_back({ cycle + t.range(blat_lo, blat_hi), j.err ? 2u : 0u });
				wq.pop_front();
			}
			last_progress = cycle;
		}
		if (aw)
			wq.push_back(nw);
		if (bf) {
			bq.pop_front();
			b_presenting = false;
		}
		for (unsigned k = 0; k < TB_N_QUEUES; k++) {
			bool v = (d->q_irq_o >> k) & 1;
			if (v && !irq_prev[k]) {
				q[k].irqs++;
				irq_edge[k] = cycle;
			}
			irq_prev[k] = v;
		}
		if (cycle - last_progress > 200000) {
			fprintf(stderr, "FAIL: no progress for 200000 cycles (cycle %llu)\n", (unsigned long long)cycle);
			exit(1);
		}
	}

	/* ---- AXI4-Lite master ---- */
	unsigned wr(uint32_t a, uint32_t v)
	{
		bool awd = false, wd = false;
		d->s_axil_awaddr_i = a;
		d->s_axil_wdata_i = v;
		d->s_axil_wstrb_i = 0xf;
		d->s_axil_bready_i = 1;
		unsigned resp = 0;
		for (;;) {
			d->s_axil_awvalid_i = !awd;
			d->s_axil_wvalid_i = !wd;
			d->clk_i = 0;
			d->eval();
			bool a1 = d->s_axil_awvalid_i && d->s_axil_awready_o, w1 = d->s_axil_wvalid_i && d->s_axil_wready_o;
			bool b1 = d->s_axil_bvalid_o;
			resp = d->s_axil_bresp_o;
			awd |= a1;
			wd |= w1;
			tick_keep();
			if (b1)
				break;
		}
		d->s_axil_awvalid_i = d->s_axil_wvalid_i = 0;
		return resp;
	}
	uint32_t rd(uint32_t a, unsigned *resp = nullptr)
	{
		bool ad = false;
		d->s_axil_araddr_i = a;
		d->s_axil_rready_i = 1;
		uint32_t v = 0;
		for (;;) {
			d->s_axil_arvalid_i = !ad;
			d->clk_i = 0;
			d->eval();
			ad |= d->s_axil_arvalid_i && d->s_axil_arready_o;
			bool r1 = d->s_axil_rvalid_o;
			v = d->s_axil_rdata_o;
			if (resp)
				*resp = d->s_axil_rresp_o;
			tick_keep();
			if (r1)
				break;
		}
		d->s_axil_arvalid_i = 0;
		return v;
	}
	/* tick() after an eval that already saw the bus inputs (the memory inputs are re-driven) */
	void tick_keep() { tick(); }

	void expect(uint64_t got, uint64_t want, const char *what)
	{
		if (got != want)
			fail("%s: %llu (0x%llx), expected %llu (0x%llx)", what, (unsigned long long)got,
			     (unsigned long long)got, (unsigned long long)want, (unsigned long long)want);
	}

	/* ---- SAs ---- */
	espfab_sa_t make_sa(uint8_t cipher, uint8_t klen, uint8_t auth, uint8_t mode, uint8_t encap)
	{
		espfab_sa_t s;
		memset(&s, 0, sizeof s);
		s.spi = (uint32_t)r.next() | 0x100;
		s.valid = 1;
		s.dir = ESPFAB_DIR_OUT;
		s.mode = mode;
		s.encap = encap;
		s.cipher = cipher;
		s.enc_key_len = klen;
		s.auth = auth;
		s.auth_key_len = auth == ESPFAB_AUTH_SHA1 ? 20 : 16;
		r.bytes(s.enc_key, klen);
		r.bytes(s.auth_key, s.auth_key_len);
		s.tun_src = (uint32_t)r.next();
		s.tun_dst = (uint32_t)r.next();
		s.sport = s.dport = ESPFAB_UDP_ENCAP_PORT;
		s.replay_window = 64;
		return s;
	}
	void sa_add(uint32_t slot, const espfab_sa_t &s)
	{
		uint32_t w[ESPFAB_CSR_SA_WIN_COUNT];
		memcpy(w, &s, sizeof w);
		for (unsigned i = 0; i < ESPFAB_CSR_SA_WIN_COUNT; i++)
			wr(ESPFAB_CSR_SA_WIN(i), w[i]);
		wr(ESPFAB_CSR_SA_SLOT, slot);
		wr(ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_ADD);
		while (rd(ESPFAB_CSR_SA_STATUS) & (1u << ESPFAB_SA_STATUS_WR_BUSY))
			;
		if (rd(ESPFAB_CSR_SA_STATUS) & (1u << ESPFAB_SA_STATUS_WR_ERROR))
			fail("SA slot %u refused", slot);
		mirror.write(slot, s, false);
	}

	/* ---- queues ---- */
	void q_setup(unsigned k, unsigned l2, unsigned icount, unsigned itimer, bool irq)
	{
		Queue &Q = q[k];
		if (!Q.jobs.empty())
			fail("queue %u set up with requests outstanding", k);
		wr(ESPFAB_CSR_Q_CTRL(k), 0);
		/* the host has every completion, but the last index write's response may still be on its way:
		 * RESET is refused while BUSY (docs/rtl-dma.md), so a driver waits for it to fall */
		while (rd(ESPFAB_CSR_Q_STATUS(k)) & (1u << ESPFAB_QSTATUS_BUSY))
			tick();
		wr(ESPFAB_CSR_Q_CTRL(k), 1u << ESPFAB_QCTRL_RESET);
		expect(rd(ESPFAB_CSR_Q_STATUS(k)) & (1u << ESPFAB_QSTATUS_RESET_REJECTED), 0, "RESET rejected");
		Q.qi = k;
		Q.l2 = l2;
		Q.rq = Mem::BASE + 0x10000 * (k + 1);
		Q.cq = Mem::BASE + 0x100000 + 0x10000 * k + 0x40 * k;
		Q.head = Q.tail = Q.rung = 0;
		wr(ESPFAB_CSR_RQ_BASE_LO(k), (uint32_t)Q.rq);
		wr(ESPFAB_CSR_RQ_BASE_HI(k), (uint32_t)(Q.rq >> 32));
		wr(ESPFAB_CSR_CQ_BASE_LO(k), (uint32_t)Q.cq);
		wr(ESPFAB_CSR_CQ_BASE_HI(k), (uint32_t)(Q.cq >> 32));
		wr(ESPFAB_CSR_RQ_SIZE(k), l2);
		expect(rd(ESPFAB_CSR_RQ_SIZE(k)), l2, "RQ_SIZE");
		wr(ESPFAB_CSR_Q_IRQ_COUNT(k), icount);
		wr(ESPFAB_CSR_Q_IRQ_TIMER(k), itimer);
		memset(mem.p(Q.cq + 32 * Q.size()), 0, 8);
		wr(ESPFAB_CSR_Q_CTRL(k), 1u << ESPFAB_QCTRL_ENABLE | (irq ? 1u << ESPFAB_QCTRL_IRQ_EN : 0));
	}

	uint64_t in_addr(unsigned k, unsigned s) { return Mem::BASE + 0x200000 + ((uint64_t)k * 64 + s) * 0x2000; }
	uint64_t out_addr(unsigned k, unsigned s) { return Mem::BASE + 0x600000 + ((uint64_t)k * 64 + s) * 0x1000; }

	bool full(unsigned k) { return ring_free_(q[k].head, q[k].tail, q[k].size()) == 0; }
	static unsigned ring_free_(unsigned h, unsigned tl, unsigned n) { return n - 1 - ((h + n - tl) % n); }

	/* Write job j into queue k's next slot (no doorbell). */
	void post(unsigned k, DJob *j, unsigned in_off = 0, unsigned out_off = 0)
	{
		Queue &Q = q[k];
		unsigned s = Q.head;
		j->req.in_len = (uint16_t)j->in.size();
		if (!j->req.cookie)
			j->req.cookie = r.next();
		if (!j->req.in_addr)
			j->req.in_addr = in_addr(k, s) + in_off;
		if (!j->req.out_addr)
			j->req.out_addr = out_addr(k, s) + out_off;
		if (j->in.size() && mem.in(j->req.in_addr, j->in.size()))
			memcpy(mem.p(j->req.in_addr), j->in.data(), j->in.size());
		memset(mem.p(out_addr(k, s)), 0xa5, 0x1000);
		if (!j->local)
			j->exp = mirror.run(j->req, j->in.data(), j->in.size(), j->exp_out);
		else
			j->exp.cookie = j->req.cookie;
		memcpy(mem.p(Q.rq + 64ull * s), &j->req, sizeof j->req);
		espfab_cpl_t pend{};
		pend.status = S(PENDING);
		memcpy(mem.p(Q.cq + 32ull * s), &pend, sizeof pend);
		Q.jobs[s] = j;
		Q.head = (s + 1) % Q.size();
	}
	void ring(unsigned k)
	{
		if (q[k].rung != q[k].head)
			wr(ESPFAB_CSR_RQ_PI(k), q[k].head);
		q[k].rung = q[k].head;
	}

	/* Take queue k's completions the index block says are there. */
	unsigned reap(unsigned k)
	{
		Queue &Q = q[k];
		uint32_t pi = mem.rd32(Q.cq + 32ull * Q.size());
		unsigned n = 0;
		while (Q.tail != pi) {
			unsigned s = Q.tail;
			DJob *j = Q.jobs[s];
			espfab_cpl_t c;
			memcpy(&c, mem.p(Q.cq + 32ull * s), sizeof c);
			check(k, s, j, c);
			if (j->poison) {
				auto &v = j->poison == 1 ? mem.bad_rd : mem.bad_wr;
				for (size_t i = 0; i < v.size(); i++)
					if (v[i].lo == j->prange.lo) {
						v.erase(v.begin() + (long)i);
						break;
					}
			}
			Q.jobs.erase(s);
			delete j;
			Q.tail = (s + 1) % Q.size();
			Q.done++;
			n++;
		}
		return n;
	}

	void check(unsigned k, unsigned s, const DJob *j, const espfab_cpl_t &c)
	{
		n_done++;
		status_seen[c.status & 15]++;
		const espfab_cpl_t &e = j->exp;
		bool bad = (!j->skip_cookie && (c.cookie != e.cookie || c.slot != e.slot)) || c.status != e.status ||
			   c.spi != e.spi || c.seq != e.seq || c.out_len != e.out_len || c.flags != e.flags;
		if (bad) {
			fail("queue %u slot %u '%s': cookie %llx/%llx slot %u/%u status %s/%s spi %x/%x seq %u/%u out_len "
			     "%u/%u flags %x/%x (DMA/model)",
			     k, s, j->what, (unsigned long long)c.cookie, (unsigned long long)e.cookie, c.slot, e.slot,
			     espfab_status_name(c.status), espfab_status_name(e.status), c.spi, e.spi, c.seq, e.seq,
			     c.out_len, e.out_len, c.flags, e.flags);
			return;
		}
		const uint8_t *o = mem.p(j->req.out_addr);
		if (e.out_len && memcmp(o, j->exp_out.data(), e.out_len) != 0)
			fail("queue %u slot %u '%s': output bytes differ from the model", k, s, j->what);
		for (unsigned i = e.out_len; e.status != S(DEVICE) && i < e.out_len + SB && i < 0x800; i++)
			if (o[i] != 0xa5) {
				fail("queue %u slot %u '%s': byte %u past out_len %u written", k, s, j->what, i, e.out_len);
				break;
			}
	}

	void service()
	{
		for (unsigned k = 0; k < TB_N_QUEUES; k++) {
			reap(k);
			if (irq_prev[k])
				wr(ESPFAB_CSR_DMA_IRQ, 1u << k);
		}
		tick();
	}

	void drain_all()
	{
		for (;;) {
			bool busy = false;
			for (unsigned k = 0; k < TB_N_QUEUES; k++) {
				ring(k);
				busy |= q[k].head != q[k].tail;
			}
			if (!busy)
				return;
			service();
		}
	}

	/* ---- requests ---- */
	std::vector<uint8_t> inner(unsigned plen) { return make_ipv4(r, 20, plen); }
	unsigned pick_plen()
	{
		switch (r.below(6)) {
		case 0: return r.below(64);
		case 1: return 1300 + r.below(100);
		default: return r.below(1400);
		}
	}

	DJob *job_encap(unsigned k, unsigned plen)
	{
		DJob *j = new DJob;
		j->req.slot = q[k].o_slot;
		j->req.op = ESPFAB_OP_ENCAP;
		j->req.out_cap = ESPFAB_MAX_FRAME;
		r.bytes(j->req.iv, sizeof j->req.iv);
		j->in = inner(plen);
		j->what = "encap";
		return j;
	}
	DJob *job_decap(unsigned k, unsigned plen)
	{
		DJob *j = new DJob;
		j->req.slot = q[k].i_slot;
		j->req.op = ESPFAB_OP_DECAP;
		j->req.out_cap = ESPFAB_MAX_FRAME;
		j->in = gen.encap(r, q[k].i_slot, ++q[k].seq, inner(plen));
		j->what = "decap";
		return j;
	}
	DJob *job_local(DJob *j, const char *what, uint8_t status)
	{
		j->local = true;
		j->what = what;
		j->exp = espfab_cpl_t{};
		j->exp.status = status;
		j->exp.slot = j->req.slot;
		return j;
	}

	/* One random request on queue k (ring not full). */
	void random_request(unsigned k)
	{
		unsigned in_off = SB * r.below(2048 / SB), out_off = SB * r.below(2048 / SB);
		DJob *j;
		unsigned pick = r.below(100);
		if (pick < 44) {
			j = job_encap(k, pick_plen());
		} else if (pick < 45) { /* descriptor read answered SLVERR on one beat: DEVICE, engine not reached */
			j = job_local(job_encap(k, 100), "descriptor read error", S(DEVICE));
			j->poison = 1;
			uint64_t b = q[k].rq + 64ull * q[k].head + SB * r.below(64 / SB);
			j->prange = { b, b + SB };
			mem.bad_rd.push_back(j->prange);
			n_dev++;
		} else if (pick < 90) {
			j = job_decap(k, pick_plen());
		} else if (pick < 92) { /* in_len > MAX_FRAME */
			j = job_encap(k, 0);
			j->in.assign(ESPFAB_MAX_FRAME + 1 + r.below(100), 0x11);
			job_local(j, "in_len > MAX_FRAME", S(BAD_REQUEST));
			n_bad++;
		} else if (pick < 94) { /* misaligned in_addr */
			j = job_encap(k, 100);
			j->req.in_addr = in_addr(k, q[k].head) + 1 + r.below(SB - 1);
			job_local(j, "misaligned in_addr", S(BAD_REQUEST));
			n_bad++;
		} else if (pick < 95) { /* zero length: the engine's answer (LENGTH) */
			j = job_encap(k, 0);
			j->in.clear();
			j->what = "zero length";
		} else if (pick < 96) { /* out_cap too small: TOO_BIG from the engine */
			j = job_encap(k, 200);
			j->req.out_cap = (uint16_t)r.below(100);
			j->what = "small out_cap";
		} else if (pick < 98) { /* read error on the packet */
			j = job_decap(k, 300);
			job_local(j, "read error", S(DEVICE));
			q[k].seq--; /* the engine never sees it: the twin's seq is reused */
			j->poison = 1;
			j->prange = { in_addr(k, q[k].head) + in_off + 64, in_addr(k, q[k].head) + in_off + 80 };
			mem.bad_rd.push_back(j->prange);
			n_dev++;
		} else { /* write error on the output */
			j = job_encap(k, 400);
			j->what = "write error";
			j->poison = 2;
			j->prange = { out_addr(k, q[k].head) + out_off + 96, out_addr(k, q[k].head) + out_off + 97 };
			mem.bad_wr.push_back(j->prange);
			post(k, j, in_off, out_off);
			j->exp.status = S(DEVICE);
			j->exp.out_len = 0;
			j->exp_out.clear();
			n_dev++;
			return;
		}
		post(k, j, in_off, out_off);
	}

	/* ================================================================ phases */
	void phase_ident()
	{
		expect(rd(ESPFAB_CSR_ID), ESPFAB_DEVICE_ID, "ID");
		expect(rd(ESPFAB_CSR_STREAM_BYTES), SB, "STREAM_BYTES");
		expect(rd(ESPFAB_CSR_N_QUEUES), TB_N_QUEUES, "N_QUEUES");
		expect(rd(ESPFAB_CSR_PIPELINED), TB_PIPELINED, "PIPELINED");
		unsigned resp = 0;
		rd(ESPFAB_CSR_Q_STATUS(0), &resp);
		expect(resp, 0, "RRESP Q_STATUS");
		expect(wr(ESPFAB_CSR_CQ_PI(0), 1), 2, "BRESP writing CQ_PI (read-only)");
		expect(rd(ESPFAB_CSR_Q_CTRL(TB_N_QUEUES)), 0, "Q_CTRL past N_QUEUES");
		wr(ESPFAB_CSR_RQ_SIZE(0), 99);
		expect(rd(ESPFAB_CSR_RQ_SIZE(0)), ESPFAB_RING_LOG2_MAX, "RQ_SIZE clamped");
	}

	void phase_setup()
	{
		static const uint8_t ciphers[][2] = { { ESPFAB_CIPHER_AES, 16 }, { ESPFAB_CIPHER_3DES, 24 },
						      { ESPFAB_CIPHER_DES, 8 }, { ESPFAB_CIPHER_AES, 32 } };
		for (unsigned k = 0; k < TB_N_QUEUES; k++) {
			espfab_sa_t s = make_sa(ciphers[k % 4][0], ciphers[k % 4][1],
						k % 2 ? ESPFAB_AUTH_MD5 : ESPFAB_AUTH_SHA1,
						k % 3 ? ESPFAB_MODE_TUNNEL : ESPFAB_MODE_TRANSPORT,
						k == 2 ? ESPFAB_ENCAP_UDP : ESPFAB_ENCAP_NONE);
			q[k].o_slot = 2 * k;
			q[k].i_slot = 2 * k + 1;
			sa_add(q[k].o_slot, s);
			espfab_sa_t in = s;
			in.dir = ESPFAB_DIR_IN;
			sa_add(q[k].i_slot, in);
			gen.bind(q[k].i_slot, s);
		}
		/* rings of 8, 16, 32, 64 slots; moderation: count, timer, both, none */
		q_setup(0, 3, 4, 0, true);
		q_setup(1, 4, 0, 300, true);
		q_setup(2, 5, 8, 2000, true);
		for (unsigned k = 3; k < TB_N_QUEUES; k++)
			q_setup(k, 6, 0, 0, false);
	}

	void phase_traffic(unsigned n)
	{
		for (unsigned i = 0; i < n; i++) {
			unsigned k = r.below(TB_N_QUEUES);
			while (full(k)) {
				q[k].full_seen++;
				ring(k);
				service();
			}
			random_request(k);
			if (r.below(3) == 0)
				ring(k);
			if (r.below(4) == 0)
				service();
		}
		drain_all();
		mem.bad_rd.clear();
		mem.bad_wr.clear();
		uint32_t err = rd(ESPFAB_CSR_DMA_ERR);
		expect(err, (n_dev ? 3u : 0u) & err, "DMA_ERR");
		if (n_dev && err != 3)
			fail("DMA_ERR %x after read and write errors", err);
		wr(ESPFAB_CSR_DMA_ERR, 3);
		expect(rd(ESPFAB_CSR_DMA_ERR), 0, "DMA_ERR after write-1-to-clear");
	}

	/* count moderation (queue 0: 4) and timer moderation (queue 1: 300 cycles), exactly */
	void phase_moderation()
	{
		for (int i = 0; i < 50; i++)
			service();
		q_setup(0, 3, 4, 0, true); /* fresh moderation state */
		q_setup(1, 4, 0, 300, true);
		wr(ESPFAB_CSR_DMA_IRQ, 3);
		uint64_t i0 = q[0].irqs;
		for (int n = 0; n < 3; n++)
			post(0, job_encap(0, 100));
		ring(0);
		for (int c = 0; c < 3000; c++)
			service();
		expect(q[0].irqs, i0, "queue 0 interrupts after 3 completions (count 4)");
		post(0, job_encap(0, 100));
		ring(0);
		for (int c = 0; c < 3000 && q[0].irqs == i0; c++)
			service();
		expect(q[0].irqs, i0 + 1, "queue 0 interrupts after the 4th completion");
		/* timer: one completion, then the interrupt TIMER cycles after its index reached memory */
		uint64_t i1 = q[1].irqs;
		uint32_t pi0 = mem.rd32(q[1].cq + 32ull * q[1].size());
		post(1, job_encap(1, 60));
		ring(1);
		uint64_t t_pi = 0;
		while (q[1].irqs == i1 && cycle < 1000000) {
			tick();
			if (!t_pi && mem.rd32(q[1].cq + 32ull * q[1].size()) != pi0)
				t_pi = cycle;
		}
		uint64_t dt = irq_edge[1] - t_pi;
		printf("moderation: count 4 -> 1 interrupt after the 4th completion; timer 300 -> interrupt %llu cycles "
		       "after the index write (write response latency %u..%u)\n",
		       (unsigned long long)dt, blat_lo, blat_hi);
		if (dt < 300 || dt > 300 + blat_hi + 8)
			fail("timer moderation: interrupt %llu cycles after the index write, expected 300..%u",
			     (unsigned long long)dt, 300 + blat_hi + 8);
		drain_all();
	}

	/* disable queue 3 with requests queued, drain, reset, restart */
	void phase_drain_reset()
	{
		const unsigned k = TB_N_QUEUES - 1;
		Queue &Q = q[k];
		for (unsigned n = 0; n < Q.size() - 1; n++)
			post(k, job_encap(k, 800));
		ring(k);
		for (int c = 0; c < 40; c++)
			tick();
		wr(ESPFAB_CSR_Q_CTRL(k), 0);
		while (rd(ESPFAB_CSR_Q_STATUS(k)) & (1u << ESPFAB_QSTATUS_BUSY))
			service();
		uint32_t ci = rd(ESPFAB_CSR_RQ_CI(k)), cpi = rd(ESPFAB_CSR_CQ_PI(k));
		reap(k);
		expect(cpi, ci, "after draining: CQ_PI = RQ_CI");
		expect(Q.tail, cpi, "completions in host memory after draining");
		printf("drain: %u of %u queued requests fetched and completed before the queue stopped\n", cpi,
		       Q.size() - 1);
		/* the driver fails the rest; the mirror must forget their sequence numbers: rebuild the SA */
		unsigned failed = 0;
		for (auto &kv : Q.jobs) {
			failed++;
			delete kv.second;
		}
		Q.jobs.clear();
		wr(ESPFAB_CSR_Q_CTRL(k), 1u << ESPFAB_QCTRL_RESET);
		expect(rd(ESPFAB_CSR_Q_STATUS(k)) & (1u << ESPFAB_QSTATUS_RESET_REJECTED), 0, "RESET rejected");
		Q.head = Q.tail = Q.rung = 0;
		expect(rd(ESPFAB_CSR_RQ_PI(k)) | rd(ESPFAB_CSR_RQ_CI(k)) | rd(ESPFAB_CSR_CQ_PI(k)), 0, "indices after RESET");
		/* requests never fetched consumed no sequence numbers on the engine, but the mirror ran them */
		(void)failed;
		/* the mirror also counted bytes and count[OK]: read the engine's state to realign */
		wr(ESPFAB_CSR_ST_SLOT, Q.o_slot);
		while (!(rd(ESPFAB_CSR_SA_STATUS) & (1u << ESPFAB_SA_STATUS_RD_DONE)))
			;
		uint32_t w[ESPFAB_CSR_ST_WIN_COUNT];
		for (unsigned i = 0; i < ESPFAB_CSR_ST_WIN_COUNT; i++)
			w[i] = rd(ESPFAB_CSR_ST_WIN(i));
		memcpy(&mirror.st[Q.o_slot], w, sizeof w);
		q_setup(k, 2, 0, 0, false);
		for (unsigned n = 0; n < 10; n++) {
			while (full(k)) {
				ring(k);
				service();
			}
			post(k, job_encap(k, pick_plen()));
		}
		drain_all();
		expect(Q.done >= 10, 1, "queue restarted after RESET");
	}

	/* a descriptor whose read is answered SLVERR completes DEVICE (cookie and slot as read, nothing
	 * else, engine not reached: the SA's sequence number does not move) and the next request passes */
	void phase_desc_error()
	{
		const unsigned k = 0;
		q_setup(k, 3, 0, 0, false);
		wr(ESPFAB_CSR_DMA_ERR, 3);
		const uint64_t ok0 = status_seen[S(OK)], dev0 = status_seen[S(DEVICE)];
		DJob *a = job_local(job_encap(k, 200), "descriptor read error (phase)", S(DEVICE));
		a->poison = 1;
		a->prange = { q[k].rq + 64ull * q[k].head, q[k].rq + 64ull * q[k].head + 16 }; /* the cookie's beat */
		mem.bad_rd.push_back(a->prange);
		post(k, a);
		DJob *b = job_encap(k, 300);
		b->what = "request after a descriptor read error";
		post(k, b);
		ring(k);
		drain_all();
		expect(status_seen[S(DEVICE)] - dev0, 1, "DEVICE completions after a descriptor read error");
		expect(status_seen[S(OK)] - ok0, 1, "OK completions of the request after it");
		expect(rd(ESPFAB_CSR_DMA_ERR), 1u << ESPFAB_DMAERR_RD, "DMA_ERR after a descriptor read error");
		expect((rd(ESPFAB_CSR_Q_STATUS(k)) >> ESPFAB_QSTATUS_ERR) & 1, 1, "Q_STATUS.ERR after a descriptor read error");
		wr(ESPFAB_CSR_DMA_ERR, 3);
		printf("descriptor read error: request completed DEVICE (cookie and slot as read), the next one OK; "
		       "DMA_ERR.RD and Q_STATUS.ERR set\n");
	}

	void phase_counters()
	{
		uint32_t sub = rd(ESPFAB_CSR_CNT_SUBMIT_LO), cpl = rd(ESPFAB_CSR_CNT_CPL_LO);
		expect(sub, cpl, "CNT_SUBMIT = CNT_CPL when idle");
		expect(cpl, n_done, "CNT_CPL = completions taken");
	}

	/* throughput: 1400-byte AES-SHA1 encap on queue 0 (64 slots), memory always ready, latency 40 */
	void phase_bench(unsigned npkts)
	{
		p_ready = 100;
		lat_lo = lat_hi = blat_lo = blat_hi = 40;
		q_setup(0, 6, 32, 0, true);
		espfab_sa_t s = make_sa(ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE);
		sa_add(q[0].o_slot, s);
		uint64_t t0 = 0, bytes = 0;
		unsigned sent = 0;
		while (sent < npkts || q[0].head != q[0].tail) {
			while (sent < npkts && !full(0)) {
				DJob *j = job_encap(0, 1380);
				post(0, j);
				sent++;
				bytes += 1400;
			}
			if (!t0)
				t0 = cycle;
			ring(0);
			reap(0);
			tick();
		}
		uint64_t dt = cycle - t0;
		unsigned beats = (1400 + 20 + 8 + 16 + 12 + 16 + SB - 1) / SB; /* tunnel: 1464 ESP bytes */
		printf("bench: %u x 1400-byte esp-aes esp-sha-hmac encap through the DMA: %llu cycles, %.2f bytes/cycle; "
		       "stream bound 1400/%u = %.2f (DMA at %.0f%% of it)\n",
		       npkts, (unsigned long long)dt, (double)bytes / dt, beats, 1400.0 / beats,
		       100.0 * ((double)bytes / dt) / (1400.0 / beats));
	}
};

#ifndef TB_NO_MAIN /* tests/rtl/bench_espfab_dma_top.cpp reuses the Tb class */
int main(int argc, char **argv)
{
	uint64_t seed = 0xd3a5eedull;
	unsigned requests = 600, bench = 256;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
			requests = (unsigned)strtoul(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--bench") && i + 1 < argc)
			bench = (unsigned)strtoul(argv[++i], nullptr, 0);
	}
	Tb tb(seed, argc, argv);
	tb.phase_ident();
	tb.phase_setup();
	tb.phase_traffic(requests);
	tb.phase_moderation();
	tb.phase_drain_reset();
	tb.phase_desc_error();
	tb.phase_counters();
	uint64_t full = 0, irqs = 0;
	for (unsigned k = 0; k < TB_N_QUEUES; k++)
		full += tb.q[k].full_seen, irqs += tb.q[k].irqs;
	printf("traffic: %llu completions (%llu bad descriptors, %llu AXI errors), rings found full %llu times, "
	       "%llu queue interrupts; statuses:",
	       (unsigned long long)tb.n_done, (unsigned long long)tb.n_bad, (unsigned long long)tb.n_dev,
	       (unsigned long long)full, (unsigned long long)irqs);
	for (unsigned s = 0; s < 16; s++)
		if (tb.status_seen[s])
			printf(" %s %llu", espfab_status_name(s), (unsigned long long)tb.status_seen[s]);
	printf("\n");
	if (bench)
		tb.phase_bench(bench);
	printf("tb_espfab_dma_top: %s (%llu cycles, %llu failures)\n", g_fail ? "FAIL" : "PASS",
	       (unsigned long long)tb.cycle, (unsigned long long)g_fail);
	return g_fail ? 1 : 0;
}
#endif
