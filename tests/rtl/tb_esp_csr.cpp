// tb_esp_csr — self-checking Verilator testbench for rtl/csr/esp_csr.v, the
// AXI4-Lite register block (either build: -GPIPELINED=0 or =1; the other
// parameters at their defaults).
//
// Every offset, bit number and op code comes from the generated C header
// espfab_contract.h, while the RTL takes them from espfab_contract.vh: the
// checks below are the proof that driver and fabric read the same map.
//
// The bench plays two parts around the DUT:
//   - an AXI4-Lite master with independent AW/W/B/AR/R channels: each write
//     presents AW first, W first or both together (with gaps), B and R are
//     back-pressured at random, and several transactions may be queued at
//     once; it checks the slave's side of the protocol every cycle (no B or
//     R without a request, VALID held and payload stable until READY);
//   - an engine responder on sa_wr_* / sa_rd_* that behaves as
//     docs/rtl-esp-engine.md says esp_engine does (ready low while it works,
//     err valid once ready rises, done pulse, state held until the next
//     read), with configurable accept delays, random junk on err and state
//     while busy, and checks that the CSR holds valid and payload stable.
// Phases: identification against the header; SCRATCH/IRQ_ENABLE with byte
// strobes and every write ordering; SLVERR for unmapped offsets and writes to
// read-only registers; SA programming (ADD/UPDATE/DELETE: exact 1088-bit
// record, slot and flags at the engine; staging window zero after each
// commit; refused writes; rejected commands and window writes while a
// command waits; staging the next record while the engine works); state
// reads (exact 2176-bit record reassembled through the window, zero while
// busy, rejected second read, out-of-range slot); interrupts (every cause,
// RAW/STATUS/ENABLE, W1C, irq_o); completion counters (random events, exact
// 64-bit counts, carries across bit 32 with preloaded counters, the LO/HI
// latch); random concurrent traffic; a reset wipes the staging window.
// Prints one summary line; exits non-zero on any mismatch.
//
// Build: scripts/verilate-tb.sh BUILD OUT esp_csr tests/rtl/tb_esp_csr.cpp -GPIPELINED=1
// Run:   OUT/Vtb [+seed=N]
#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "Vesp_csr.h"
#include "Vesp_csr___024root.h"
#include "verilated.h"

// espfab_contract.h uses C11 _Static_assert.
#define _Static_assert static_assert
extern "C" {
#include "espfab_contract.h"
}

#ifndef TB_PIPELINED
#define TB_PIPELINED 1
#endif
// rtl-tests.sh defines TB_NAME for every -GNAME=VALUE it builds with
#ifndef TB_CIPHER_LANES
#define TB_CIPHER_LANES 1
#endif
#ifndef TB_STREAM_BYTES
#define TB_STREAM_BYTES 16
#endif

namespace {

// DUT parameters this bench is built with (esp_csr defaults, overrides from the build)
constexpr uint32_t P_SA_SLOTS = 64, P_N_CTX = 8, P_CIPHER_LANES = TB_CIPHER_LANES;

constexpr unsigned SA_WORDS = ESPFAB_SA_BYTES / 4;
constexpr unsigned ST_WORDS = ESPFAB_SA_STATE_BYTES / 4;
static_assert(ESPFAB_CSR_SA_WIN_COUNT == SA_WORDS, "SA window is one sa record");
static_assert(ESPFAB_CSR_ST_WIN_COUNT == ST_WORDS, "state window is one sa_state record");
static_assert(ESPFAB_CSR_CNT_STATUS_COUNT == 2 * ESPFAB_STATUS_SLOTS, "one lo/hi pair per status");

constexpr int OKAY = 0, SLVERR = 2;

uint64_t rng_state = 0x6573705f637372ull;

uint64_t rnd64()
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
unsigned rnd_below(unsigned n) { return (unsigned)(rnd64() % n); }

unsigned errors, checks;

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tb_esp_csr: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (++errors >= 30) {
		fprintf(stderr, "tb_esp_csr: too many errors, stopping\n");
		exit(1);
	}
}

#define CHECK_EQ(got, want, ...)                                                                          \
	do {                                                                                              \
		uint64_t g_ = (got), w_ = (want);                                                         \
		checks++;                                                                                 \
		if (g_ != w_) {                                                                           \
			char m_[200];                                                                     \
			snprintf(m_, sizeof m_, __VA_ARGS__);                                             \
			fail("%s: got 0x%" PRIx64 ", want 0x%" PRIx64, m_, g_, w_);                       \
		}                                                                                         \
	} while (0)

// Record byte o sits at bits [W-1-8o -: 8] of the engine bus.
template <std::size_t N> uint8_t bus_byte(const VlWide<N> &w, unsigned bits, unsigned o)
{
	unsigned p = bits - 8 - 8 * o;
	return (uint8_t)(w[p / 32] >> (p % 32));
}
template <std::size_t N> void bus_set_byte(VlWide<N> &w, unsigned bits, unsigned o, uint8_t v)
{
	unsigned p = bits - 8 - 8 * o;
	w[p / 32] = (w[p / 32] & ~(0xffu << (p % 32))) | (uint32_t)v << (p % 32);
}

uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

// ------------------------------------------------------------- AXI master

struct WrTx {
	uint32_t addr, data;
	uint8_t strb;
	int order;        // 0 both together, 1 AW first, 2 W first
	unsigned gap;     // cycles between the first channel's handshake and the second's valid
	bool aw_done = false, w_done = false, done = false;
	uint64_t first_done = 0;
	int resp = -1;
};
struct RdTx {
	uint32_t addr;
	bool ar_done = false, done = false;
	uint32_t data = 0;
	int resp = -1;
};

// ---------------------------------------------------------- engine model

struct SaWrite {
	uint32_t slot;
	uint8_t sa[ESPFAB_SA_BYTES];
	bool keep, clear;
};

struct Tb {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vesp_csr> m;
	uint64_t cycle = 0;

	// master
	std::deque<WrTx *> aw_q, w_q, b_q; // b_q: every write not yet answered, in order
	std::deque<RdTx *> ar_q, r_q;
	unsigned bready_pct = 70, rready_pct = 70;
	unsigned n_wr = 0, n_rd = 0, n_bstall = 0, n_rstall = 0;
	bool prev_bvalid = false, prev_rvalid = false;
	uint32_t prev_bresp = 0, prev_rdata = 0, prev_rresp = 0;
	unsigned aw_pend = 0, w_pend = 0, ar_pend = 0; // handshakes not yet answered

	// engine responder
	unsigned wr_accept_delay = 0; // cycles ready stays low once valid is seen
	unsigned wr_busy_cycles = 20; // cycles ready stays low after a write is accepted
	unsigned wr_hold = 0, wr_busy = 0; // wr_hold: cycles valid has waited
	bool wr_err = false;
	std::deque<SaWrite> wr_seen;
	bool prev_wr_valid = false;
	SaWrite prev_wr{};
	unsigned rd_accept_delay = 0, rd_busy_cycles = 17;
	unsigned rd_hold = 0, rd_busy = 0; // rd_hold: cycles valid has waited
	bool rd_pending = false;
	uint32_t rd_slot = 0;
	unsigned n_reads_served = 0;
	std::vector<uint32_t> rd_slots_seen;
	bool prev_rd_valid = false;
	uint32_t prev_rd_slot = 0;
	uint64_t sa_writes = 0, state_reads = 0;

	// event inputs: one entry per cycle
	struct Ev {
		bool req, cpl;
		uint8_t status, flags;
	};
	std::deque<Ev> ev_q;

	explicit Tb(VerilatedContext *c) : m(new Vesp_csr(c)) {}

	static bool wr_refused(uint32_t slot, const uint8_t *) { return slot >= P_SA_SLOTS; }

	// The engine's state record for a slot: a fixed pattern from the slot
	// and the read number, built through the C struct.
	static void state_for(uint32_t slot, unsigned nth, uint8_t out[ESPFAB_SA_STATE_BYTES])
	{
		espfab_sa_state_t st;
		memset(&st, 0, sizeof st);
		if (slot < P_SA_SLOTS) {
			uint64_t s = (uint64_t)slot * 0x1000193u + nth * 0x9e3779b9u + 1;
			auto nx = [&s]() {
				s ^= s << 13;
				s ^= s >> 7;
				s ^= s << 17;
				return s;
			};
			st.seq = (uint32_t)nx();
			st.soft_expired = nx() & 1;
			st.hard_expired = nx() & 1;
			st.bytes = nx();
			for (auto &c : st.count)
				c = nx();
			for (auto &r : st.replay)
				r = (uint32_t)nx();
		}
		memcpy(out, &st, sizeof st);
	}

	void eval_half(bool clk)
	{
		m->clk_i = clk;
		m->eval();
	}

	void reset(unsigned n = 3)
	{
		m->rst_ni = 0;
		for (unsigned i = 0; i < n; i++)
			step();
		m->rst_ni = 1;
		aw_q.clear();
		w_q.clear();
		b_q.clear();
		ar_q.clear();
		r_q.clear();
		aw_pend = w_pend = ar_pend = 0;
		prev_bvalid = prev_rvalid = false;
		wr_hold = wr_busy = rd_hold = rd_busy = 0;
		rd_pending = false;
		prev_wr_valid = prev_rd_valid = false;
	}

	void step()
	{
		bool in_reset = !m->rst_ni;
		// ---- master: drive the channels
		WrTx *aw = aw_q.empty() ? nullptr : aw_q.front();
		bool awv = false, wv = false;
		if (aw && !in_reset) {
			if (aw->order == 0 || aw->order == 1)
				awv = true;
			else
				awv = aw->w_done && cycle >= aw->first_done + aw->gap;
		}
		WrTx *w = w_q.empty() ? nullptr : w_q.front();
		if (w && !in_reset) {
			if (w->order == 0 || w->order == 2)
				wv = true;
			else
				wv = w->aw_done && cycle >= w->first_done + w->gap;
		}
		m->s_axil_awvalid_i = awv;
		m->s_axil_awaddr_i = awv ? aw->addr : (uint32_t)rnd64() & 0xffff;
		m->s_axil_wvalid_i = wv;
		m->s_axil_wdata_i = wv ? w->data : (uint32_t)rnd64();
		m->s_axil_wstrb_i = wv ? w->strb : (uint8_t)(rnd64() & 15);
		bool bready = rnd_below(100) < bready_pct;
		m->s_axil_bready_i = bready;
		RdTx *ar = ar_q.empty() ? nullptr : ar_q.front();
		bool arv = ar && !in_reset;
		m->s_axil_arvalid_i = arv;
		m->s_axil_araddr_i = arv ? ar->addr : (uint32_t)rnd64() & 0xffff;
		bool rready = rnd_below(100) < rready_pct;
		m->s_axil_rready_i = rready;

		// ---- engine responder: drive
		// (the CSR's valid outputs are registers: known before this cycle's inputs)
		m->sa_wr_ready_i = wr_busy == 0 && (!m->sa_wr_valid_o || wr_hold >= wr_accept_delay);
		m->sa_wr_err_i = wr_busy ? (rnd64() & 1) : wr_err;
		m->sa_rd_ready_i = !rd_pending && (!m->sa_rd_valid_o || rd_hold >= rd_accept_delay);
		m->sa_rd_done_i = 0;
		if (rd_pending && rd_busy == 0) {
			m->sa_rd_done_i = 1;
			uint8_t rec[ESPFAB_SA_STATE_BYTES];
			state_for(rd_slot, n_reads_served, rec);
			for (unsigned o = 0; o < ESPFAB_SA_STATE_BYTES; o++)
				bus_set_byte(m->sa_rd_state_i, 8 * ESPFAB_SA_STATE_BYTES, o, rec[o]);
		}

		// ---- events
		Ev ev{false, false, 0, 0};
		if (!ev_q.empty() && !in_reset) {
			ev = ev_q.front();
			ev_q.pop_front();
		}
		m->req_valid_i = ev.req;
		m->cpl_valid_i = ev.cpl;
		m->cpl_status_i = ev.cpl ? ev.status : (uint8_t)rnd64();
		m->cpl_flags_i = ev.cpl ? ev.flags : (uint8_t)rnd64();

		eval_half(false);

		// ---- sample the DUT before the edge (its outputs are registers)
		bool aw_hs = awv && m->s_axil_awready_o;
		bool w_hs = wv && m->s_axil_wready_o;
		bool bvalid = m->s_axil_bvalid_o, rvalid = m->s_axil_rvalid_o;
		bool b_hs = bvalid && bready, r_hs = rvalid && rready;
		bool ar_hs = arv && m->s_axil_arready_o;
		uint32_t bresp = m->s_axil_bresp_o, rdata = m->s_axil_rdata_o, rresp = m->s_axil_rresp_o;
		bool wr_valid = m->sa_wr_valid_o, wr_hs = wr_valid && m->sa_wr_ready_i;
		bool rd_valid = m->sa_rd_valid_o, rd_hs = rd_valid && m->sa_rd_ready_i;

		if (!in_reset) {
			// AXI slave rules
			if (prev_bvalid && !bvalid)
				fail("cycle %" PRIu64 ": BVALID dropped before BREADY", cycle);
			if (prev_bvalid && bvalid && bresp != prev_bresp)
				fail("cycle %" PRIu64 ": BRESP changed while BVALID waited", cycle);
			if (prev_rvalid && !rvalid)
				fail("cycle %" PRIu64 ": RVALID dropped before RREADY", cycle);
			if (prev_rvalid && rvalid && (rdata != prev_rdata || rresp != prev_rresp))
				fail("cycle %" PRIu64 ": RDATA/RRESP changed while RVALID waited", cycle);
			if (bvalid && (b_q.empty() || std::min(aw_pend, w_pend) == 0))
				fail("cycle %" PRIu64 ": BVALID without a complete write", cycle);
			if (rvalid && ar_pend == 0)
				fail("cycle %" PRIu64 ": RVALID without a read", cycle);
			if (bvalid && !bready)
				n_bstall++;
			if (rvalid && !rready)
				n_rstall++;
			// engine-side rules: valid and payload held until ready
			if (prev_wr_valid) {
				bool same = wr_valid && m->sa_wr_slot_o == prev_wr.slot && m->sa_wr_keep_state_o == prev_wr.keep &&
					    m->sa_wr_clear_o == prev_wr.clear;
				for (unsigned o = 0; same && o < ESPFAB_SA_BYTES; o++)
					same = bus_byte(m->sa_wr_sa_o, 8 * ESPFAB_SA_BYTES, o) == prev_wr.sa[o];
				if (!same)
					fail("cycle %" PRIu64 ": sa_wr_valid_o or its payload changed before sa_wr_ready_i", cycle);
			}
			if (prev_rd_valid && (!rd_valid || m->sa_rd_slot_o != prev_rd_slot))
				fail("cycle %" PRIu64 ": sa_rd_valid_o or its slot changed before sa_rd_ready_i", cycle);
		}

		SaWrite cur{};
		if (wr_valid) {
			cur.slot = m->sa_wr_slot_o;
			cur.keep = m->sa_wr_keep_state_o;
			cur.clear = m->sa_wr_clear_o;
			for (unsigned o = 0; o < ESPFAB_SA_BYTES; o++)
				cur.sa[o] = bus_byte(m->sa_wr_sa_o, 8 * ESPFAB_SA_BYTES, o);
		}
		uint32_t cur_rd_slot = m->sa_rd_slot_o;

		// ---- clock edge
		eval_half(true);
		cycle++;
		if (in_reset) {
			prev_bvalid = prev_rvalid = prev_wr_valid = prev_rd_valid = false;
			return;
		}

		// ---- master bookkeeping
		if (aw_hs) {
			aw->aw_done = true;
			if (!aw->w_done)
				aw->first_done = cycle;
			aw_q.pop_front();
			aw_pend++;
		}
		if (w_hs) {
			w->w_done = true;
			if (!w->aw_done || aw_hs)
				w->first_done = cycle;
			w_q.pop_front();
			w_pend++;
		}
		if (b_hs && !b_q.empty()) {
			WrTx *t = b_q.front();
			if (!t->aw_done || !t->w_done)
				fail("cycle %" PRIu64 ": B for a write whose AW or W was not taken", cycle);
			t->resp = (int)bresp;
			t->done = true;
			b_q.pop_front();
			aw_pend--;
			w_pend--;
		}
		if (ar_hs) {
			ar->ar_done = true;
			ar_q.pop_front();
			r_q.push_back(ar);
			ar_pend++;
		}
		if (r_hs && !r_q.empty()) {
			RdTx *t = r_q.front();
			t->data = rdata;
			t->resp = (int)rresp;
			t->done = true;
			r_q.pop_front();
			ar_pend--;
		}
		prev_bvalid = bvalid && !b_hs;
		prev_bresp = bresp;
		prev_rvalid = rvalid && !r_hs;
		prev_rdata = rdata;
		prev_rresp = rresp;

		// ---- engine responder bookkeeping
		if (wr_hs) {
			wr_seen.push_back(cur);
			wr_err = wr_refused(cur.slot, cur.sa);
			wr_busy = wr_busy_cycles;
			wr_hold = 0;
			sa_writes++;
			prev_wr_valid = false;
		} else {
			if (wr_busy)
				wr_busy--;
			wr_hold = wr_valid ? wr_hold + 1 : 0;
			prev_wr_valid = wr_valid;
			prev_wr = cur;
		}
		if (rd_pending && rd_busy == 0) {
			rd_pending = false; // done pulsed this cycle
			n_reads_served++;
		} else if (rd_busy) {
			rd_busy--;
		}
		if (rd_hs) {
			rd_pending = true;
			rd_slot = cur_rd_slot;
			rd_slots_seen.push_back(cur_rd_slot);
			rd_busy = rd_busy_cycles;
			rd_hold = 0;
			state_reads++;
			// junk on the state bus while the engine works (it rebuilds the record)
			for (unsigned i = 0; i < ST_WORDS; i++)
				m->sa_rd_state_i[i] = (uint32_t)rnd64();
			prev_rd_valid = false;
		} else {
			rd_hold = rd_valid ? rd_hold + 1 : 0;
			prev_rd_valid = rd_valid;
			prev_rd_slot = cur_rd_slot;
		}
	}

	void run_until(const std::function<bool()> &done, const char *what, unsigned limit = 5000)
	{
		for (unsigned i = 0; i < limit; i++) {
			if (done())
				return;
			step();
		}
		fail("timeout waiting for %s", what);
	}

	WrTx *post_wr(uint32_t addr, uint32_t data, uint8_t strb = 0xf, int order = -1)
	{
		WrTx *t = new WrTx;
		t->addr = addr;
		t->data = data;
		t->strb = strb;
		t->order = order < 0 ? (int)rnd_below(3) : order;
		t->gap = rnd_below(4);
		aw_q.push_back(t);
		w_q.push_back(t);
		b_q.push_back(t);
		n_wr++;
		return t;
	}
	RdTx *post_rd(uint32_t addr)
	{
		RdTx *t = new RdTx;
		t->addr = addr;
		ar_q.push_back(t);
		n_rd++;
		return t;
	}

	int wr(uint32_t addr, uint32_t data, uint8_t strb = 0xf, int order = -1)
	{
		WrTx *t = post_wr(addr, data, strb, order);
		run_until([t]() { return t->done; }, "a write response");
		int r = t->resp;
		if (t->done)
			delete t;
		return r;
	}
	void wr_ok(uint32_t addr, uint32_t data, uint8_t strb = 0xf)
	{
		int r = wr(addr, data, strb);
		CHECK_EQ(r, OKAY, "BRESP of write 0x%08x to 0x%04x", data, addr);
	}
	uint32_t rd(uint32_t addr, int *resp = nullptr)
	{
		RdTx *t = post_rd(addr);
		run_until([t]() { return t->done; }, "a read response");
		uint32_t d = t->data;
		if (resp)
			*resp = t->resp;
		if (t->done)
			delete t;
		return d;
	}
	uint32_t rd_ok(uint32_t addr)
	{
		int r = -1;
		uint32_t d = rd(addr, &r);
		CHECK_EQ(r, OKAY, "RRESP of read at 0x%04x", addr);
		return d;
	}
	void idle(unsigned n)
	{
		for (unsigned i = 0; i < n; i++)
			step();
	}
	uint32_t sa_status() { return rd_ok(ESPFAB_CSR_SA_STATUS); }
	void wait_sa_idle()
	{
		for (unsigned i = 0; i < 2000; i++)
			if (!(sa_status() >> ESPFAB_SA_STATUS_WR_BUSY & 1))
				return;
		fail("SA_STATUS WR_BUSY never fell");
	}
	void wait_rd_done()
	{
		for (unsigned i = 0; i < 200; i++) {
			uint32_t s = sa_status();
			if (!(s >> ESPFAB_SA_STATUS_RD_BUSY & 1)) {
				CHECK_EQ(s >> ESPFAB_SA_STATUS_RD_DONE & 1, 1, "RD_DONE once RD_BUSY fell");
				return;
			}
		}
		fail("SA_STATUS RD_BUSY never fell");
	}

	// counters: preload through the public cnt_q (counter i at bits [64i +: 64])
	void poke_counter(unsigned i, uint64_t v)
	{
		auto &c = m->rootp->esp_csr__DOT__cnt_q;
		c[2 * i] = (uint32_t)v;
		c[2 * i + 1] = (uint32_t)(v >> 32);
	}
};

uint32_t caps_from_header()
{
	return 1u << (ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_DES - 1) |
	       1u << (ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_3DES - 1) |
	       1u << (ESPFAB_CAPS_CIPHER_SHIFT + ESPFAB_CIPHER_AES - 1) |
	       1u << (ESPFAB_CAPS_AUTH_SHIFT + ESPFAB_AUTH_MD5 - 1) | 1u << (ESPFAB_CAPS_AUTH_SHIFT + ESPFAB_AUTH_SHA1 - 1) |
	       1u << (ESPFAB_CAPS_ENCAP_SHIFT + ESPFAB_ENCAP_UDP - 1);
}

void random_sa(uint8_t out[ESPFAB_SA_BYTES])
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = (uint32_t)rnd64();
	sa.valid = 1;
	sa.dir = rnd64() & 1;
	sa.mode = rnd64() & 1;
	sa.cipher = (uint8_t)(1 + rnd_below(3));
	sa.auth = (uint8_t)(1 + rnd_below(2));
	sa.enc_key_len = 16;
	sa.auth_key_len = sa.auth == ESPFAB_AUTH_MD5 ? 16 : 20;
	sa.encap = rnd64() & 1;
	sa.replay_window = 32 * (uint16_t)rnd_below(33);
	sa.ttl = (uint8_t)rnd64();
	sa.tun_src = (uint32_t)rnd64();
	sa.tun_dst = (uint32_t)rnd64();
	sa.sport = (uint16_t)rnd64();
	sa.dport = ESPFAB_UDP_ENCAP_PORT;
	sa.life_soft_kb = (uint32_t)rnd64();
	sa.life_hard_kb = (uint32_t)rnd64();
	for (auto &b : sa.enc_key)
		b = (uint8_t)rnd64();
	for (auto &b : sa.auth_key)
		b = (uint8_t)rnd64();
	memcpy(out, &sa, sizeof sa);
}

void stage_sa(Tb &tb, const uint8_t sa[ESPFAB_SA_BYTES], bool shuffled)
{
	// word i = bytes 4i..4i+3, byte 4i in bits 7:0 (the little-endian image)
	std::vector<unsigned> order(SA_WORDS);
	for (unsigned i = 0; i < SA_WORDS; i++)
		order[i] = i;
	if (shuffled)
		for (unsigned i = SA_WORDS - 1; i > 0; i--)
			std::swap(order[i], order[rnd_below(i + 1)]);
	for (unsigned i : order) {
		if (shuffled && rnd_below(4) == 0) {
			// in two halves through the byte strobes, over a junk first write
			tb.wr_ok(ESPFAB_CSR_SA_WIN(i), (uint32_t)rnd64());
			tb.wr_ok(ESPFAB_CSR_SA_WIN(i), le32(sa + 4 * i), 0x3);
			tb.wr_ok(ESPFAB_CSR_SA_WIN(i), le32(sa + 4 * i), 0xc);
		} else {
			tb.wr_ok(ESPFAB_CSR_SA_WIN(i), le32(sa + 4 * i));
		}
	}
}

void check_staging(Tb &tb, const uint8_t *want, const char *what)
{
	for (unsigned i = 0; i < SA_WORDS; i++)
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SA_WIN(i)), want ? le32(want + 4 * i) : 0, "%s: SA_WIN word %u", what, i);
}

// Commit with op and check what reached the engine.
void commit(Tb &tb, uint32_t slot, unsigned op, const uint8_t *sa, const char *what)
{
	size_t before = tb.wr_seen.size();
	tb.wr_ok(ESPFAB_CSR_SA_SLOT, slot);
	tb.wr_ok(ESPFAB_CSR_SA_CMD, op);
	uint32_t s = tb.sa_status();
	CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_REJECTED & 1, 0, "%s: WR_REJECTED after an accepted command", what);
	tb.wait_sa_idle();
	if (tb.wr_seen.size() != before + 1) {
		fail("%s: %zu engine writes, want 1", what, tb.wr_seen.size() - before);
		return;
	}
	const SaWrite &w = tb.wr_seen.back();
	CHECK_EQ(w.slot, slot, "%s: sa_wr_slot_o", what);
	CHECK_EQ(w.keep, op == ESPFAB_SA_OP_UPDATE, "%s: sa_wr_keep_state_o", what);
	CHECK_EQ(w.clear, op == ESPFAB_SA_OP_DELETE, "%s: sa_wr_clear_o", what);
	uint8_t zero[ESPFAB_SA_BYTES] = {0};
	const uint8_t *want = op == ESPFAB_SA_OP_DELETE ? zero : sa;
	checks++;
	if (memcmp(w.sa, want, ESPFAB_SA_BYTES) != 0) {
		unsigned o = 0;
		while (w.sa[o] == want[o])
			o++;
		fail("%s: sa_wr_sa_o differs from the record at byte %u (0x%02x, want 0x%02x)", what, o, w.sa[o], want[o]);
	}
	// field spot checks through the C layout
	espfab_sa_t got;
	memcpy(&got, w.sa, sizeof got);
	if (op != ESPFAB_SA_OP_DELETE) {
		espfab_sa_t exp;
		memcpy(&exp, sa, sizeof exp);
		CHECK_EQ(got.spi, exp.spi, "%s: spi at byte %d", what, ESPFAB_SA_OFF_SPI);
		CHECK_EQ(got.life_hard_kb, exp.life_hard_kb, "%s: life_hard_kb", what);
		CHECK_EQ(got.auth_key[19], exp.auth_key[19], "%s: auth_key[19]", what);
	}
	s = tb.sa_status();
	CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_ERROR & 1, Tb::wr_refused(slot, nullptr), "%s: WR_ERROR", what);
	check_staging(tb, nullptr, what);
}

void read_state(Tb &tb, uint32_t slot, const char *what)
{
	unsigned nth = tb.n_reads_served;
	tb.wr_ok(ESPFAB_CSR_ST_SLOT, slot);
	tb.wait_rd_done();
	CHECK_EQ(tb.rd_slots_seen.empty() ? ~0u : tb.rd_slots_seen.back(), slot, "%s: sa_rd_slot_o", what);
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ST_SLOT), slot, "%s: ST_SLOT reads back", what);
	uint8_t want[ESPFAB_SA_STATE_BYTES], got[ESPFAB_SA_STATE_BYTES];
	Tb::state_for(slot, nth, want);
	for (unsigned i = 0; i < ST_WORDS; i++) {
		uint32_t v = tb.rd_ok(ESPFAB_CSR_ST_WIN(i));
		for (unsigned k = 0; k < 4; k++)
			got[4 * i + k] = (uint8_t)(v >> 8 * k);
	}
	checks++;
	if (memcmp(got, want, sizeof got) != 0) {
		unsigned o = 0;
		while (got[o] == want[o])
			o++;
		fail("%s: state record differs at byte %u (0x%02x, want 0x%02x)", what, o, got[o], want[o]);
	}
	espfab_sa_state_t g, w;
	memcpy(&g, got, sizeof g);
	memcpy(&w, want, sizeof w);
	CHECK_EQ(g.seq, w.seq, "%s: seq", what);
	CHECK_EQ(g.bytes, w.bytes, "%s: bytes", what);
	CHECK_EQ(g.count[ESPFAB_STATUS_REPLAY], w.count[ESPFAB_STATUS_REPLAY], "%s: count[REPLAY]", what);
	CHECK_EQ(g.replay[ESPFAB_REPLAY_WORDS - 1], w.replay[ESPFAB_REPLAY_WORDS - 1], "%s: replay[last]", what);
}

uint64_t rd_counter(Tb &tb, uint32_t lo, uint32_t hi)
{
	uint64_t l = tb.rd_ok(lo);
	return (uint64_t)tb.rd_ok(hi) << 32 | l;
}

} // namespace

int main(int argc, char **argv)
{
	auto ctx = std::make_unique<VerilatedContext>();
	ctx->commandArgs(argc, argv);
	uint64_t seed = 1;
	const char *arg = ctx->commandArgsPlusMatch("seed=");
	if (arg && *arg)
		seed = std::strtoull(arg + 6, nullptr, 0);
	rng_state ^= seed * 0x2545f4914f6cdd1dull;

	Tb tb(ctx.get());
	tb.m->rst_ni = 0;
	tb.m->clk_i = 0;
	tb.reset(4);
	tb.idle(2);
	if (tb.m->irq_o)
		fail("irq_o high after reset");

	// ---- 1. identification: the header's values, read through the RTL
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ID), ESPFAB_DEVICE_ID, "ID");
	CHECK_EQ(ESPFAB_DEVICE_ID, 0x45535046u, "DEVICE_ID is 'ESPF'");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_VERSION), (uint32_t)ESPFAB_CONTRACT_VERSION_MAJOR << 16 | ESPFAB_CONTRACT_VERSION_MINOR,
		 "VERSION");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CAPS), caps_from_header(), "CAPS");
	CHECK_EQ(caps_from_header(), 0x10307u, "CAPS layout (bit0 DES, bit1 3DES, bit2 AES, bit8 MD5, bit9 SHA1, bit16 UDP)");
	uint32_t slots = tb.rd_ok(ESPFAB_CSR_SA_SLOTS);
	CHECK_EQ(slots, P_SA_SLOTS, "SA_SLOTS");
	CHECK_EQ(slots <= ESPFAB_SA_SLOTS_MAX, 1, "SA_SLOTS <= SA_SLOTS_MAX");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_N_CTX), P_N_CTX, "N_CTX");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CIPHER_LANES), P_CIPHER_LANES, "CIPHER_LANES");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_PIPELINED), TB_PIPELINED, "PIPELINED");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_STREAM_BYTES), TB_STREAM_BYTES, "STREAM_BYTES");
	// reset values
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SCRATCH), 0, "SCRATCH after reset");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_ENABLE), 0, "IRQ_ENABLE after reset");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_RAW), 0, "IRQ_RAW after reset");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SA_STATUS), 0, "SA_STATUS after reset");
	check_staging(tb, nullptr, "after reset");
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ST_WIN(0)), 0, "ST_WIN before any read");
	// address bits [1:0] are ignored
	CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ID + 2), ESPFAB_DEVICE_ID, "ID at offset +2");

	// ---- 2. SCRATCH: every write ordering, byte strobes, back-pressure
	{
		uint32_t model = 0;
		for (int order = 0; order < 3; order++)
			for (unsigned k = 0; k < 40; k++) {
				tb.bready_pct = 10 + rnd_below(91);
				tb.rready_pct = 10 + rnd_below(91);
				uint32_t d = (uint32_t)rnd64();
				uint8_t strb = k < 4 ? 0xf : (uint8_t)rnd_below(16);
				int r = tb.wr(ESPFAB_CSR_SCRATCH, d, strb, order);
				CHECK_EQ(r, OKAY, "SCRATCH write (order %d)", order);
				for (unsigned b = 0; b < 4; b++)
					if (strb >> b & 1)
						model = (model & ~(0xffu << 8 * b)) | (d & 0xffu << 8 * b);
				CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SCRATCH), model, "SCRATCH after write %u (order %d strb 0x%x)", k,
					 order, strb);
			}
		tb.bready_pct = tb.rready_pct = 70;
	}

	// ---- 3. SLVERR: unmapped offsets, writes to read-only registers
	{
		const uint32_t unmapped[] = {0x002c, 0x0050, 0x007c,
					     ESPFAB_CSR_SA_WIN_BASE + 4 * ESPFAB_CSR_SA_WIN_COUNT,
					     0x01fc, ESPFAB_CSR_ST_WIN_BASE + 4 * ESPFAB_CSR_ST_WIN_COUNT,
					     0x03fc, 0x0400, 0x1000, 0xfffc};
		for (uint32_t a : unmapped) {
			int r = -1;
			uint32_t d = tb.rd(a, &r);
			CHECK_EQ(r, SLVERR, "RRESP reading unmapped 0x%04x", a);
			CHECK_EQ(d, 0, "RDATA reading unmapped 0x%04x", a);
			CHECK_EQ(tb.wr(a, 0xffffffff), SLVERR, "BRESP writing unmapped 0x%04x", a);
		}
		const uint32_t ro[] = {ESPFAB_CSR_ID,        ESPFAB_CSR_VERSION,       ESPFAB_CSR_CAPS,
				       ESPFAB_CSR_SA_SLOTS,  ESPFAB_CSR_N_CTX,         ESPFAB_CSR_CIPHER_LANES,
				       ESPFAB_CSR_PIPELINED, ESPFAB_CSR_IRQ_RAW,       ESPFAB_CSR_SA_STATUS,
				       ESPFAB_CSR_CNT_CPL_LO, ESPFAB_CSR_CNT_SUBMIT_HI, ESPFAB_CSR_CNT_STATUS(5),
				       ESPFAB_CSR_ST_WIN(0), ESPFAB_CSR_ST_WIN(ESPFAB_CSR_ST_WIN_COUNT - 1)};
		for (uint32_t a : ro)
			CHECK_EQ(tb.wr(a, 0xffffffff), SLVERR, "BRESP writing read-only 0x%04x", a);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ID), ESPFAB_DEVICE_ID, "ID after writes to it");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SA_STATUS), 0, "SA_STATUS after writes to it");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_RAW), 0, "IRQ_RAW after writes to it");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_CPL_LO), 0, "CNT_CPL_LO after writes to it");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SA_CMD), 0, "SA_CMD reads 0");
		CHECK_EQ(tb.wr_seen.size(), 0, "no engine write from bus errors");
	}

	// ---- 4. SA programming
	uint8_t sa[ESPFAB_SA_BYTES], sa2[ESPFAB_SA_BYTES];
	{
		// ADD: in order, then UPDATE: shuffled with partial strobes
		random_sa(sa);
		stage_sa(tb, sa, false);
		check_staging(tb, sa, "staged record");
		commit(tb, 5, ESPFAB_SA_OP_ADD, sa, "ADD slot 5");
		random_sa(sa);
		stage_sa(tb, sa, true);
		check_staging(tb, sa, "staged record (shuffled)");
		commit(tb, 5, ESPFAB_SA_OP_UPDATE, sa, "UPDATE slot 5");
		// all-ones record: every bit of the bus
		memset(sa, 0xff, sizeof sa);
		stage_sa(tb, sa, false);
		commit(tb, P_SA_SLOTS - 1, ESPFAB_SA_OP_ADD, sa, "ADD all-ones");
		// single bits walking through every word
		for (unsigned i = 0; i < SA_WORDS; i++) {
			memset(sa, 0, sizeof sa);
			sa[4 * i + rnd_below(4)] = (uint8_t)(1u << rnd_below(8));
			stage_sa(tb, sa, false);
			commit(tb, i, ESPFAB_SA_OP_ADD, sa, "ADD walking bit");
		}
		// DELETE: the staged record is wiped, not sent
		random_sa(sa);
		stage_sa(tb, sa, false);
		commit(tb, 7, ESPFAB_SA_OP_DELETE, sa, "DELETE slot 7");
		// refused by the engine: slot out of range
		random_sa(sa);
		stage_sa(tb, sa, true);
		commit(tb, P_SA_SLOTS + 3, ESPFAB_SA_OP_ADD, sa, "ADD out of range");
		// the next good command clears WR_ERROR
		random_sa(sa);
		stage_sa(tb, sa, false);
		commit(tb, 1, ESPFAB_SA_OP_ADD, sa, "ADD after a refusal");

		// unknown ops: rejected, nothing sent, staging kept
		random_sa(sa);
		stage_sa(tb, sa, false);
		size_t n = tb.wr_seen.size();
		const uint32_t bad_ops[] = {0, ESPFAB_SA_OP_LIMIT, 0x100 | ESPFAB_SA_OP_ADD, 0xffffffff};
		for (uint32_t op : bad_ops) {
			tb.wr_ok(ESPFAB_CSR_SA_CMD, op);
			uint32_t s = tb.sa_status();
			CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_REJECTED & 1, 1, "WR_REJECTED after op 0x%x", op);
			CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_BUSY & 1, 0, "WR_BUSY after op 0x%x", op);
		}
		// op in byte 1 only: the unstrobed byte 0 reads as zero -> rejected
		tb.wr_ok(ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_ADD, 0x2);
		tb.idle(30);
		CHECK_EQ(tb.wr_seen.size(), n, "engine writes after rejected commands");
		check_staging(tb, sa, "staging after rejected commands");
		commit(tb, 2, ESPFAB_SA_OP_ADD, sa, "ADD after rejected commands");

		// the engine holds ready low (draining): window and command writes
		// while the command waits are rejected; the record sent is intact
		tb.wr_accept_delay = 150;
		tb.wr_busy_cycles = 2000;
		random_sa(sa);
		stage_sa(tb, sa, false);
		tb.wr_ok(ESPFAB_CSR_SA_SLOT, 9);
		tb.wr_ok(ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_ADD);
		uint32_t s = tb.sa_status();
		CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_BUSY & 1, 1, "WR_BUSY while the engine holds ready low");
		CHECK_EQ(tb.m->sa_wr_valid_o, 1, "sa_wr_valid_o while pending");
		tb.wr_ok(ESPFAB_CSR_SA_WIN(3), 0xdeadbeef);
		tb.wr_ok(ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_DELETE);
		tb.wr_ok(ESPFAB_CSR_SA_SLOT, 10); // SA_SLOT may change: the command latched 9
		s = tb.sa_status();
		CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_REJECTED & 1, 1, "WR_REJECTED for writes while pending");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SA_WIN(3)), le32(sa + 12), "SA_WIN word 3 unchanged while pending");
		// wait for the accept, then stage the next record while the engine works
		n = tb.wr_seen.size();
		tb.run_until([&]() { return tb.wr_seen.size() == n + 1; }, "the engine to accept");
		check_staging(tb, nullptr, "staging right after the accept");
		random_sa(sa2);
		stage_sa(tb, sa2, true);
		s = tb.sa_status();
		CHECK_EQ(s >> ESPFAB_SA_STATUS_WR_BUSY & 1, 1, "WR_BUSY while the engine sets up");
		tb.wr_ok(ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_ADD); // still busy: rejected
		tb.wait_sa_idle();
		{
			const SaWrite &w = tb.wr_seen.back();
			CHECK_EQ(w.slot, 9, "slot latched at the command");
			checks++;
			if (memcmp(w.sa, sa, sizeof sa) != 0)
				fail("record sent while window writes were rejected differs");
		}
		CHECK_EQ(tb.wr_seen.size(), n + 1, "one engine write for one accepted command");
		check_staging(tb, sa2, "record staged while the engine worked");
		tb.wr_accept_delay = 3;
		tb.wr_busy_cycles = 25;
		commit(tb, 11, ESPFAB_SA_OP_UPDATE, sa2, "UPDATE staged during setup");
		tb.wr_accept_delay = 0;
		tb.wr_busy_cycles = 20;
	}

	// ---- 5. state reads
	{
		read_state(tb, 5, "state slot 5");
		read_state(tb, 63, "state slot 63");
		read_state(tb, P_SA_SLOTS + 100, "state out of range"); // engine answers zero
		tb.rd_busy_cycles = 300;
		tb.rd_accept_delay = 5;
		unsigned nth = tb.n_reads_served;
		tb.wr_ok(ESPFAB_CSR_ST_SLOT, 12);
		uint32_t s = tb.sa_status();
		CHECK_EQ(s >> ESPFAB_SA_STATUS_RD_BUSY & 1, 1, "RD_BUSY during a read");
		CHECK_EQ(s >> ESPFAB_SA_STATUS_RD_DONE & 1, 0, "RD_DONE cleared by a new read");
		for (unsigned i = 0; i < 4; i++)
			CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ST_WIN(rnd_below(ST_WORDS))), 0, "ST_WIN while the read is busy");
		tb.wr_ok(ESPFAB_CSR_ST_SLOT, 13); // rejected
		s = tb.sa_status();
		CHECK_EQ(s >> ESPFAB_SA_STATUS_RD_REJECTED & 1, 1, "RD_REJECTED for ST_SLOT while busy");
		tb.wait_rd_done();
		CHECK_EQ(tb.rd_slots_seen.back(), 12, "slot of the accepted read");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ST_SLOT), 12, "ST_SLOT kept by the rejected write");
		uint8_t want[ESPFAB_SA_STATE_BYTES];
		Tb::state_for(12, nth, want);
		for (unsigned i = 0; i < ST_WORDS; i++)
			CHECK_EQ(tb.rd_ok(ESPFAB_CSR_ST_WIN(i)), le32(want + 4 * i), "ST_WIN word %u of slot 12", i);
		tb.rd_busy_cycles = 17;
		tb.rd_accept_delay = 0;
		read_state(tb, 0, "state slot 0");
		s = tb.sa_status();
		CHECK_EQ(s >> ESPFAB_SA_STATUS_RD_REJECTED & 1, 0, "RD_REJECTED cleared by an accepted read");
	}

	// ---- 6. interrupts
	{
		auto raw = [&]() { return tb.rd_ok(ESPFAB_CSR_IRQ_RAW); };
		const uint32_t all = (1u << ESPFAB_IRQ_LIMIT) - 1;
		// earlier phases left SA_DONE, ST_DONE and ERR pending
		uint32_t r = raw();
		CHECK_EQ(r, 1u << ESPFAB_IRQ_SA_DONE | 1u << ESPFAB_IRQ_ST_DONE | 1u << ESPFAB_IRQ_ERR,
			 "IRQ_RAW after SA commands and reads");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_STATUS), 0, "IRQ_STATUS with nothing enabled");
		CHECK_EQ(tb.m->irq_o, 0, "irq_o with nothing enabled");
		tb.wr_ok(ESPFAB_CSR_IRQ_STATUS, all);
		CHECK_EQ(raw(), 0, "IRQ_RAW after W1C of every cause");
		tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 0xffffffff);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_ENABLE), all, "IRQ_ENABLE keeps only defined causes");
		tb.idle(3);
		CHECK_EQ(tb.m->irq_o, 0, "irq_o with nothing pending");

		struct Cause {
			unsigned bit;
			const char *name;
		};
		const Cause causes[] = {{ESPFAB_IRQ_CPL, "CPL"},       {ESPFAB_IRQ_SOFT, "SOFT"},
					{ESPFAB_IRQ_HARD, "HARD"},     {ESPFAB_IRQ_ERR, "ERR"},
					{ESPFAB_IRQ_SA_DONE, "SA_DONE"}, {ESPFAB_IRQ_ST_DONE, "ST_DONE"}};
		for (const Cause &c : causes) {
			tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 1u << c.bit);
			uint32_t expect = 0;
			switch (c.bit) {
			case ESPFAB_IRQ_CPL:
				tb.ev_q.push_back({false, true, ESPFAB_STATUS_OK, 0});
				expect = 1u << ESPFAB_IRQ_CPL;
				break;
			case ESPFAB_IRQ_SOFT:
				tb.ev_q.push_back({false, true, ESPFAB_STATUS_OK, 1u << ESPFAB_CPLFLAG_SOFT_EXPIRED});
				expect = 1u << ESPFAB_IRQ_CPL | 1u << ESPFAB_IRQ_SOFT;
				break;
			case ESPFAB_IRQ_HARD:
				tb.ev_q.push_back({false, true, ESPFAB_STATUS_LIFETIME, 1u << ESPFAB_CPLFLAG_HARD_EXPIRED});
				expect = 1u << ESPFAB_IRQ_CPL | 1u << ESPFAB_IRQ_HARD;
				break;
			case ESPFAB_IRQ_ERR:
				tb.ev_q.push_back({false, true, ESPFAB_STATUS_DEVICE, 0});
				expect = 1u << ESPFAB_IRQ_CPL | 1u << ESPFAB_IRQ_ERR;
				break;
			case ESPFAB_IRQ_SA_DONE:
				tb.wr_ok(ESPFAB_CSR_SA_SLOT, 3);
				tb.wr_ok(ESPFAB_CSR_SA_CMD, ESPFAB_SA_OP_DELETE);
				tb.wait_sa_idle();
				expect = 1u << ESPFAB_IRQ_SA_DONE;
				break;
			default:
				tb.wr_ok(ESPFAB_CSR_ST_SLOT, 3);
				tb.wait_rd_done();
				expect = 1u << ESPFAB_IRQ_ST_DONE;
				break;
			}
			tb.idle(4);
			CHECK_EQ(raw(), expect, "IRQ_RAW after a %s cause", c.name);
			CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_STATUS), 1u << c.bit, "IRQ_STATUS with only %s enabled", c.name);
			CHECK_EQ(tb.m->irq_o, 1, "irq_o for %s", c.name);
			// disabling masks the line but keeps the cause pending
			tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 0);
			tb.idle(2);
			CHECK_EQ(tb.m->irq_o, 0, "irq_o with %s masked", c.name);
			CHECK_EQ(raw(), expect, "IRQ_RAW with %s masked", c.name);
			tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 1u << c.bit);
			tb.idle(2);
			CHECK_EQ(tb.m->irq_o, 1, "irq_o for %s unmasked again", c.name);
			// W1C of another bit leaves it; of its own bit clears it
			tb.wr_ok(ESPFAB_CSR_IRQ_STATUS, all & ~(1u << c.bit));
			CHECK_EQ(raw(), expect & (1u << c.bit), "IRQ_RAW after W1C of the other causes (%s)", c.name);
			tb.idle(2);
			CHECK_EQ(tb.m->irq_o, 1, "irq_o after W1C of other causes (%s)", c.name);
			tb.wr_ok(ESPFAB_CSR_IRQ_STATUS, 1u << c.bit, (uint8_t)(1u << (c.bit / 8)));
			CHECK_EQ(raw(), 0, "IRQ_RAW after W1C of %s", c.name);
			tb.idle(2);
			CHECK_EQ(tb.m->irq_o, 0, "irq_o after W1C of %s", c.name);
		}
		// an unstrobed byte clears nothing
		tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, all);
		tb.ev_q.push_back({false, true, ESPFAB_STATUS_OK, 3});
		tb.idle(4);
		tb.wr_ok(ESPFAB_CSR_IRQ_STATUS, all, 0xe);
		CHECK_EQ(raw(), 1u << ESPFAB_IRQ_CPL | 1u << ESPFAB_IRQ_SOFT | 1u << ESPFAB_IRQ_HARD,
			 "IRQ_RAW after W1C with byte 0 unstrobed");
		tb.wr_ok(ESPFAB_CSR_IRQ_STATUS, all);
		// IRQ_ENABLE with byte strobes
		tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 0, 0xe);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_ENABLE), all, "IRQ_ENABLE after a write with byte 0 unstrobed");
		tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 0);
	}

	// ---- 7. counters
	uint64_t model[ESPFAB_STATUS_SLOTS] = {0}, m_sub = 0, m_cpl = 0;
	// completions counted in phase 6
	model[ESPFAB_STATUS_OK] = 3;
	model[ESPFAB_STATUS_LIFETIME] = 1;
	model[ESPFAB_STATUS_DEVICE] = 1;
	m_cpl = 5;
	auto check_counters = [&](const char *what) {
		for (unsigned s = 0; s < ESPFAB_STATUS_SLOTS; s++)
			CHECK_EQ(rd_counter(tb, ESPFAB_CSR_CNT_STATUS(2 * s), ESPFAB_CSR_CNT_STATUS(2 * s + 1)), model[s],
				 "%s: CNT_STATUS[%s]", what, espfab_status_name(s));
		CHECK_EQ(rd_counter(tb, ESPFAB_CSR_CNT_SUBMIT_LO, ESPFAB_CSR_CNT_SUBMIT_HI), m_sub, "%s: CNT_SUBMIT", what);
		CHECK_EQ(rd_counter(tb, ESPFAB_CSR_CNT_CPL_LO, ESPFAB_CSR_CNT_CPL_HI), m_cpl, "%s: CNT_CPL", what);
	};
	{
		check_counters("after the interrupt phase");
		for (unsigned k = 0; k < 3000; k++) {
			Tb::Ev e{false, false, 0, 0};
			unsigned r = rnd_below(10);
			if (r < 7) {
				e.cpl = true;
				e.status = rnd_below(20) == 0 ? (uint8_t)(ESPFAB_STATUS_SLOTS + rnd_below(240))
							       : (uint8_t)rnd_below(ESPFAB_STATUS_SLOTS);
				e.flags = (uint8_t)rnd_below(4);
				if (e.status < ESPFAB_STATUS_SLOTS)
					model[e.status]++;
				m_cpl++;
			}
			if (r >= 3 && r < 9) {
				e.req = true;
				m_sub++;
			}
			tb.ev_q.push_back(e);
			// runs of one status back to back
			if (e.cpl && rnd_below(8) == 0)
				for (unsigned j = rnd_below(6); j > 0; j--) {
					tb.ev_q.push_back(e);
					if (e.status < ESPFAB_STATUS_SLOTS)
						model[e.status]++;
					m_cpl++;
					if (e.req)
						m_sub++;
				}
		}
		// read counters while events stream in: values only grow, pairs are consistent
		uint64_t last = 0;
		while (!tb.ev_q.empty()) {
			uint64_t v = rd_counter(tb, ESPFAB_CSR_CNT_CPL_LO, ESPFAB_CSR_CNT_CPL_HI);
			checks++;
			if (v < last || v > m_cpl)
				fail("CNT_CPL 0x%" PRIx64 " during traffic (last 0x%" PRIx64 ", final 0x%" PRIx64 ")", v, last,
				     m_cpl);
			last = v;
		}
		tb.idle(4);
		check_counters("after random events");

		// carries across bit 32, preloaded
		const unsigned s3 = ESPFAB_STATUS_REPLAY;
		model[s3] = 0x1fffffffeull;
		tb.poke_counter(s3, model[s3]);
		m_sub = 0xffffffffffffffffull;
		tb.poke_counter(ESPFAB_STATUS_SLOTS, m_sub);
		m_cpl = 0xfffffffdull;
		tb.poke_counter(ESPFAB_STATUS_SLOTS + 1, m_cpl);
		for (unsigned k = 0; k < 3; k++) {
			tb.ev_q.push_back({true, true, (uint8_t)s3, 0});
			model[s3]++;
			m_sub++;
			m_cpl++;
		}
		tb.idle(6);
		check_counters("after carries");
		CHECK_EQ(model[s3], 0x200000001ull, "model sanity");
		CHECK_EQ(m_sub, 2, "model sanity (wrap)");

		// the LO read latches HI: LO, then an increment that carries, then HI
		const unsigned s7 = ESPFAB_STATUS_LIFETIME;
		tb.poke_counter(s7, 0x5ffffffffull);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_STATUS(2 * s7)), 0xffffffffu, "LO before the carry");
		tb.ev_q.push_back({false, true, (uint8_t)s7, 0});
		tb.idle(4);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_STATUS(2 * s7 + 1)), 5, "HI latched by the LO read");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_STATUS(2 * s7 + 1)), 6, "HI read again: live value");
		model[s7] = 0x600000000ull;
		m_cpl++;
		// LO of one counter does not latch HI for another
		tb.poke_counter(ESPFAB_STATUS_PAD, 0x700000000ull);
		tb.rd_ok(ESPFAB_CSR_CNT_STATUS(2 * ESPFAB_STATUS_AUTH));
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_STATUS(2 * ESPFAB_STATUS_PAD + 1)), 7, "HI of another counter than the LO read");
		model[ESPFAB_STATUS_PAD] = 0x700000000ull;
		// submitted/completed pairs latch too
		tb.poke_counter(ESPFAB_STATUS_SLOTS + 1, 0x1ffffffffull);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_CPL_LO), 0xffffffffu, "CNT_CPL_LO before the carry");
		tb.ev_q.push_back({false, true, ESPFAB_STATUS_OK, 0});
		tb.idle(4);
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_CPL_HI), 1, "CNT_CPL_HI latched by the LO read");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_CNT_CPL_HI), 2, "CNT_CPL_HI live");
		model[ESPFAB_STATUS_OK]++;
		m_cpl = 0x200000000ull;
		tb.wr_ok(ESPFAB_CSR_IRQ_STATUS, 0xffffffff);
	}

	// ---- 8. random concurrent traffic: queued writes to the staging window
	// and SCRATCH, reads of constant registers, events, random back-pressure
	{
		uint32_t win[SA_WORDS] = {0};
		uint32_t scratch = tb.rd_ok(ESPFAB_CSR_SCRATCH);
		std::vector<RdTx *> reads;
		std::vector<uint32_t> want;
		std::vector<WrTx *> writes;
		for (unsigned k = 0; k < 1500; k++) {
			tb.bready_pct = 20 + rnd_below(81);
			tb.rready_pct = 20 + rnd_below(81);
			unsigned r = rnd_below(10);
			if (r < 4) {
				unsigned i = rnd_below(SA_WORDS);
				uint32_t d = (uint32_t)rnd64();
				uint8_t strb = (uint8_t)rnd_below(16);
				writes.push_back(tb.post_wr(ESPFAB_CSR_SA_WIN(i), d, strb));
				for (unsigned b = 0; b < 4; b++)
					if (strb >> b & 1)
						win[i] = (win[i] & ~(0xffu << 8 * b)) | (d & 0xffu << 8 * b);
			} else if (r < 5) {
				uint32_t d = (uint32_t)rnd64();
				writes.push_back(tb.post_wr(ESPFAB_CSR_SCRATCH, d));
				scratch = d;
			} else if (r < 9) {
				static const uint32_t consts[] = {ESPFAB_CSR_ID, ESPFAB_CSR_VERSION, ESPFAB_CSR_CAPS,
								  ESPFAB_CSR_SA_SLOTS};
				uint32_t a = consts[rnd_below(4)];
				reads.push_back(tb.post_rd(a));
				want.push_back(a == ESPFAB_CSR_ID        ? ESPFAB_DEVICE_ID
					       : a == ESPFAB_CSR_VERSION ? (uint32_t)ESPFAB_CONTRACT_VERSION_MAJOR << 16 |
									   ESPFAB_CONTRACT_VERSION_MINOR
					       : a == ESPFAB_CSR_CAPS    ? caps_from_header()
									 : P_SA_SLOTS);
			} else {
				tb.ev_q.push_back({true, true, ESPFAB_STATUS_AUTH, 0});
				model[ESPFAB_STATUS_AUTH]++;
				m_sub++;
				m_cpl++;
			}
			if (rnd_below(3) == 0)
				tb.step();
		}
		tb.run_until(
			[&]() {
				for (auto *w : writes)
					if (!w->done)
						return false;
				for (auto *r : reads)
					if (!r->done)
						return false;
				return tb.ev_q.empty();
			},
			"queued traffic", 200000);
		for (size_t i = 0; i < writes.size(); i++) {
			CHECK_EQ(writes[i]->resp, OKAY, "queued write %zu", i);
			delete writes[i];
		}
		for (size_t i = 0; i < reads.size(); i++) {
			CHECK_EQ(reads[i]->resp, OKAY, "queued read %zu", i);
			CHECK_EQ(reads[i]->data, want[i], "queued read %zu at 0x%04x", i, reads[i]->addr);
			delete reads[i];
		}
		tb.bready_pct = tb.rready_pct = 70;
		uint8_t bytes[ESPFAB_SA_BYTES];
		for (unsigned i = 0; i < SA_WORDS; i++)
			for (unsigned b = 0; b < 4; b++)
				bytes[4 * i + b] = (uint8_t)(win[i] >> 8 * b);
		check_staging(tb, bytes, "staging after queued traffic");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SCRATCH), scratch, "SCRATCH after queued traffic");
		tb.idle(4);
		check_counters("after queued traffic");
		commit(tb, 20, ESPFAB_SA_OP_ADD, bytes, "ADD after queued traffic");

		// ---- 9. a reset wipes a staged record and every register
		random_sa(sa);
		stage_sa(tb, sa, false);
		tb.wr_ok(ESPFAB_CSR_IRQ_ENABLE, 1);
		tb.reset(2);
		tb.idle(2);
		check_staging(tb, nullptr, "after a reset with a staged record");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_IRQ_ENABLE), 0, "IRQ_ENABLE after reset");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SCRATCH), 0, "SCRATCH after reset");
		CHECK_EQ(rd_counter(tb, ESPFAB_CSR_CNT_CPL_LO, ESPFAB_CSR_CNT_CPL_HI), 0, "CNT_CPL after reset");
		CHECK_EQ(tb.rd_ok(ESPFAB_CSR_SA_STATUS), 0, "SA_STATUS after reset");
	}

	std::printf("tb_esp_csr PIPELINED=%d: %s — %u checks, %u AXI writes, %u reads (%u B / %u R back-pressure "
		    "cycles), %" PRIu64 " SA writes and %" PRIu64 " state reads at the engine, %" PRIu64 " cycles, seed %" PRIu64
		    "\n",
		    TB_PIPELINED, errors ? "FAILED" : "passed", checks, tb.n_wr, tb.n_rd, tb.n_bstall, tb.n_rstall,
		    tb.sa_writes, tb.state_reads, tb.cycle, seed);
	return errors ? 1 : 0;
}
