/*
 * esp_engine_harness.h — shared by tests/rtl/tb_esp_engine.cpp (the
 * verification testbench) and tests/rtl/bench_esp_engine.cpp (the
 * cycle-counting throughput harness).
 *
 * What lives here:
 *   - the C golden model (hls/esp) linked as C, wrapped as Model: an SA
 *     table, contexts and states exactly as the engine keeps them;
 *   - Gen: a second model used only to make inbound packets (an outbound
 *     twin of each inbound SA whose sequence number the generator sets);
 *   - Harness: drives module esp_engine through its stream ports
 *     (docs/rtl-esp-engine.md) cycle by cycle, computes every request's
 *     expected completion and output on a mirror Model at submission time
 *     (request order = the sequential model's order), and checks each
 *     completion as it streams out;
 *   - random IPv4 packets and byte helpers.
 *
 * Port names are in one block of macros below (PORT_*), the only place that
 * knows them.  Records cross the ports as the doc says: descriptor
 * { cookie, slot, in_len, out_cap, op, iv } and completion
 * { cookie, slot, spi, seq, out_len, status, flags } as packed numeric
 * fields, data beats and sa / sa_state records with byte 0 in the most
 * significant byte.
 */
#ifndef ESP_ENGINE_HARNESS_H
#define ESP_ENGINE_HARNESS_H

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "Vesp_engine.h"
#include "verilated.h"

/* The generated contract header asserts its layout with C11 _Static_assert. */
#ifndef _Static_assert
#define _Static_assert static_assert
#endif
extern "C" {
#include "espfab_contract.h"
#include "esp/esp.h"
}

/* ---- the engine's ports (docs/rtl-esp-engine.md) --------------------------- */

#define PORT_CLK clk_i
#define PORT_RST_N rst_ni
#define PORT_REQ_VALID s_req_valid_i
#define PORT_REQ_READY s_req_ready_o
#define PORT_REQ_DATA s_req_data_i
#define PORT_REQ_LAST s_req_last_i
#define PORT_REQ_DESC s_req_desc_i
#define PORT_CPL_VALID m_cpl_valid_o
#define PORT_CPL_READY m_cpl_ready_i
#define PORT_CPL_DATA m_cpl_data_o
#define PORT_CPL_LAST m_cpl_last_o
#define PORT_CPL_REC m_cpl_rec_o
#define PORT_SAW_VALID sa_wr_valid_i
#define PORT_SAW_READY sa_wr_ready_o
#define PORT_SAW_SLOT sa_wr_slot_i
#define PORT_SAW_SA sa_wr_sa_i
#define PORT_SAW_KEEP sa_wr_keep_state_i
#define PORT_SAW_CLEAR sa_wr_clear_i
#define PORT_SAW_LOAD sa_wr_load_i
#define PORT_SAW_STATE sa_wr_state_i
#define PORT_SAW_ERR sa_wr_err_o
#define PORT_SAR_VALID sa_rd_valid_i
#define PORT_SAR_READY sa_rd_ready_o
#define PORT_SAR_SLOT sa_rd_slot_i
#define PORT_SAR_DONE sa_rd_done_o
#define PORT_SAR_STATE sa_rd_state_o

/* Widths of the packed records (bits).  The beat is the engine's
 * STREAM_BYTES (16 or 32), read off the verilated port: Verilator stores a
 * port of N > 64 bits as N/32 32-bit words. */
enum : unsigned {
	DESC_BITS = 64 + 32 + 16 + 16 + 8 + 128,
	REC_BITS = 64 + 32 + 32 + 32 + 16 + 8 + 8,
	BEAT_BYTES = (unsigned)sizeof(Vesp_engine::PORT_REQ_DATA),
	BEAT_BITS = BEAT_BYTES * 8,
	SA_BITS = ESPFAB_SA_BYTES * 8,
	STATE_BITS = ESPFAB_SA_STATE_BYTES * 8,
};
static_assert(BEAT_BYTES == 16 || BEAT_BYTES == 32, "esp_engine STREAM_BYTES is 16 or 32");
static_assert(sizeof(Vesp_engine::PORT_CPL_DATA) == BEAT_BYTES, "request and completion beats differ");

/* ---- bit fields of Verilator port values ------------------------------------ */

template <std::size_t N> static inline void pset(VlWide<N> &w, unsigned lsb, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;
		uint32_t m = 1u << (b % 32);
		if ((v >> i) & 1)
			w[b / 32] |= m;
		else
			w[b / 32] &= ~m;
	}
}

template <std::size_t N> static inline uint64_t pget(const VlWide<N> &w, unsigned lsb, unsigned width)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;
		v |= (uint64_t)((w[b / 32] >> (b % 32)) & 1) << i;
	}
	return v;
}

template <class T> static inline void pset(T &p, unsigned lsb, unsigned width, uint64_t v)
{
	uint64_t m = (width >= 64 ? ~0ull : ((1ull << width) - 1)) << lsb;
	p = (T)(((uint64_t)p & ~m) | ((v << lsb) & m));
}

template <class T> static inline uint64_t pget(const T &p, unsigned lsb, unsigned width)
{
	uint64_t v = (uint64_t)p >> lsb;
	return width >= 64 ? v : v & ((1ull << width) - 1);
}

/* bytes[0..n) into a total_bits wide value, byte 0 in the top byte. */
template <class W> static inline void pset_bytes(W &w, unsigned total_bits, const uint8_t *bytes, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pset(w, total_bits - 8 * (i + 1), 8, bytes[i]);
}

template <class W> static inline void pget_bytes(const W &w, unsigned total_bits, uint8_t *bytes, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		bytes[i] = (uint8_t)pget(w, total_bits - 8 * (i + 1), 8);
}

/* ---- deterministic randomness ----------------------------------------------- */

struct Rng {
	uint64_t s;
	explicit Rng(uint64_t seed = 1) : s(seed) {}
	uint64_t next()
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	unsigned below(unsigned n) { return n ? (unsigned)(next() % n) : 0; } /* 0..n-1 */
	unsigned range(unsigned lo, unsigned hi) { return lo + below(hi - lo + 1); } /* lo..hi */
	bool chance(double p) { return (double)(next() >> 11) * (1.0 / 9007199254740992.0) < p; }
	void bytes(uint8_t *p, size_t n)
	{
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)next();
	}
};

/* ---- bytes ---------------------------------------------------------------- */

static inline unsigned rd16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) << 16 | rd16(p + 2); }
static inline void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static inline void ip_fix_checksum(uint8_t *h)
{
	unsigned hl = (h[0] & 15u) * 4;
	uint32_t s = 0;
	h[10] = h[11] = 0;
	for (unsigned i = 0; i + 1 < hl; i += 2)
		s += rd16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	wr16(h + 10, ~s & 0xffff);
}

static inline unsigned cipher_block(uint8_t cipher) { return cipher == ESPFAB_CIPHER_AES ? 16 : 8; }

/* A random IPv4 packet: header of hl bytes (options past 20), payload of
 * plen bytes, random TOS/ID/flags/TTL/protocol, valid checksum; `extra`
 * link-layer bytes after the total length. */
static inline std::vector<uint8_t> make_ipv4(Rng &r, unsigned hl, unsigned plen, unsigned extra = 0)
{
	static const uint8_t protos[] = { 6, 17, 1, 47, 50, 4, 132 };
	unsigned tot = hl + plen;
	std::vector<uint8_t> p(tot + extra);
	r.bytes(p.data(), p.size());
	p[0] = (uint8_t)(0x40 | hl / 4);
	wr16(&p[2], tot);
	p[6] = (uint8_t)(r.below(2) ? 0x40 : 0);
	p[7] = 0;
	if (r.below(8) == 0)
		wr16(&p[6], 0x2000 | r.below(0x2000) | (r.below(2) ? 0x4000 : 0));
	p[8] = (uint8_t)(1 + r.below(255));
	p[9] = r.below(3) ? protos[r.below(sizeof protos)] : (uint8_t)r.next();
	ip_fix_checksum(p.data());
	return p;
}

/* ---- the golden model ---------------------------------------------------- */

struct Model {
	espfab_sa_t *sa;
	esp_ctx_t *ctx;
	espfab_sa_state_t *st;

	Model()
	{
		sa = (espfab_sa_t *)calloc(ESPFAB_SA_SLOTS_MAX, sizeof *sa);
		ctx = (esp_ctx_t *)calloc(ESPFAB_SA_SLOTS_MAX, sizeof *ctx);
		st = (espfab_sa_state_t *)calloc(ESPFAB_SA_SLOTS_MAX, sizeof *st);
		if (!sa || !ctx || !st) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	~Model()
	{
		free(sa);
		free(ctx);
		free(st);
	}
	Model(const Model &) = delete;
	Model &operator=(const Model &) = delete;

	/* The slot as the engine keeps it after sa_wr (keep_state: update),
	 * as the model engine's sa_write does it: refused (false, nothing
	 * changed) if esp_sa_setup refuses; stored as valid otherwise. */
	bool write(uint32_t slot, const espfab_sa_t &s, bool keep)
	{
		esp_ctx_t c;
		if (esp_sa_setup(&s, &c) != 0)
			return false;
		ctx[slot] = c;
		sa[slot] = s;
		sa[slot].valid = 1;
		if (!keep)
			memset(&st[slot], 0, sizeof st[slot]);
		return true;
	}
	void clear(uint32_t slot)
	{
		memset(&sa[slot], 0, sizeof sa[slot]);
		memset(&ctx[slot], 0, sizeof ctx[slot]);
		memset(&st[slot], 0, sizeof st[slot]);
	}
	/* One request; out receives exactly cpl.out_len bytes. */
	espfab_cpl_t run(const espfab_req_t &req, const uint8_t *in, size_t in_avail, std::vector<uint8_t> &out)
	{
		static uint8_t ib[ESPFAB_MAX_FRAME], ob[ESPFAB_MAX_FRAME];
		espfab_cpl_t c;
		memset(ib, 0, sizeof ib);
		memcpy(ib, in, in_avail < sizeof ib ? in_avail : sizeof ib);
		memset(&c, 0, sizeof c);
		esp_top(sa, ctx, st, &req, ib, ob, &c);
		out.assign(ob, ob + c.out_len);
		return c;
	}
};

/* Inbound packets for an inbound SA: an outbound twin of it in a private
 * model (same index as the inbound SA's slot), its sequence number set by
 * the caller.  Also builds packets from arbitrary plaintext (valid ICV). */
struct Gen {
	Model m;

	void bind(uint32_t slot, espfab_sa_t s)
	{
		s.dir = ESPFAB_DIR_OUT;
		s.valid = 1;
		s.life_soft_kb = 0;
		s.life_hard_kb = 0;
		if (!m.write(slot, s, false)) {
			fprintf(stderr, "gen: esp_sa_setup refused the SA\n");
			exit(2);
		}
	}
	/* ESP packet for inner packet `in` with sequence number seq (>= 1). */
	std::vector<uint8_t> encap(Rng &r, uint32_t slot, uint32_t seq, const std::vector<uint8_t> &in)
	{
		espfab_req_t q;
		memset(&q, 0, sizeof q);
		q.slot = slot;
		q.op = ESPFAB_OP_ENCAP;
		q.in_len = (uint16_t)in.size();
		q.out_cap = ESPFAB_MAX_FRAME;
		r.bytes(q.iv, sizeof q.iv);
		m.st[slot].seq = seq - 1;
		std::vector<uint8_t> out;
		espfab_cpl_t c = m.run(q, in.data(), in.size(), out);
		if (c.status != ESPFAB_STATUS_OK || c.seq != seq) {
			fprintf(stderr, "gen: encap seq %u: status %s\n", seq, espfab_status_name(c.status));
			exit(2);
		}
		return out;
	}
	/* Outer header hdr (hl bytes; protocol, length, checksum set here), the
	 * SA's UDP header, SPI, seq, random IV, CBC(pt), ICV over it all. */
	std::vector<uint8_t> wrap(Rng &r, uint32_t slot, const uint8_t *hdr, unsigned hl, uint32_t seq, const uint8_t *pt,
				  unsigned ptlen)
	{
		static uint8_t ptb[ESPFAB_MAX_FRAME], ct[ESPFAB_MAX_FRAME], msg[ESPFAB_MAX_FRAME];
		const espfab_sa_t &s = m.sa[slot];
		const bool udp = s.encap == ESPFAB_ENCAP_UDP;
		const unsigned B = cipher_block(s.cipher);
		const unsigned E = hl + (udp ? 8 : 0);
		const unsigned alen = 8 + B + ptlen;
		const unsigned tot = E + alen + ESPFAB_ICV_LEN;
		uint8_t iv[ESPFAB_IV_MAX], dig[HMAC_MAX_DIGEST];
		std::vector<uint8_t> p(tot);
		memcpy(p.data(), hdr, hl);
		p[9] = udp ? 17 : 50;
		wr16(&p[2], tot);
		ip_fix_checksum(p.data());
		if (udp) {
			wr16(&p[hl], s.sport);
			wr16(&p[hl + 2], s.dport);
			wr16(&p[hl + 4], tot - hl);
			wr16(&p[hl + 6], 0);
		}
		r.bytes(iv, sizeof iv);
		memset(ptb, 0, sizeof ptb);
		memcpy(ptb, pt, ptlen);
		cbc_encrypt(&m.ctx[slot].cbc, iv, ptb, ct, ptlen);
		memset(msg, 0, sizeof msg);
		wr32(msg, s.spi);
		wr32(msg + 4, seq);
		memcpy(msg + 8, iv, B);
		memcpy(msg + 8 + B, ct, ptlen);
		hmac_compute(&m.ctx[slot].mac, msg, alen, dig);
		memcpy(&p[E], msg, alen);
		memcpy(&p[E + alen], dig, ESPFAB_ICV_LEN);
		return p;
	}
};

/* ---- requests and their expectations -------------------------------------- */

struct Job {
	uint64_t id = 0;
	espfab_req_t req{};
	std::vector<uint8_t> in; /* exactly req.in_len bytes */
	espfab_cpl_t exp{};
	std::vector<uint8_t> exp_out;
	int intent = -1;	 /* status the generator meant, -1 = any */
	std::string what;	 /* category, for reports */
	bool check_bytes = true; /* compare output bytes (bench samples) */
	int tag = -1;		 /* the caller's (coverage) */
	uint64_t t_sent = 0;	 /* cycle of the first beat */
	uint64_t t_done = 0;	 /* cycle of the completion's last beat */
};

struct Stats {
	uint64_t requests = 0;	 /* completions checked */
	uint64_t mismatches = 0; /* completions that differed */
	uint64_t protocol = 0;	 /* framing / handshake errors */
	uint64_t state_reads = 0, state_mismatches = 0;
	uint64_t sa_writes = 0;
	uint64_t sa_write_errors = 0; /* sa_wr_err_o differed from the model engine */
	uint64_t gen_miss = 0; /* the model did not give the status the generator meant */
	uint64_t status[ESPFAB_STATUS_SLOTS] = {};
	uint64_t bytes_in = 0, bytes_out = 0;
	uint64_t same_sa_overlap = 0; /* requests started while one of the same SA was in flight */
	uint64_t max_in_flight = 0;   /* requests started and not completed, at most */
};

/* ---- the harness ------------------------------------------------------------- */

class Harness {
      public:
	VerilatedContext *vctx;
	Vesp_engine *top;
	Model mirror; /* what the engine must hold */
	Stats st;
	Rng rng;  /* content: cookies, IVs, filler bytes */
	Rng trng; /* timing: gaps, back-pressure, don't-care inputs (so a seed
		   * gives the same requests whatever the engine's timing) */
	uint64_t cycle = 0;
	uint64_t next_id = 1;

	/* knobs */
	double p_gap = 0.0;   /* chance of an idle cycle before a request beat */
	double p_ready = 1.0; /* chance m_cpl_ready_i is high in a cycle */
	unsigned max_queue = 64; /* requests submitted but not yet started */
	unsigned max_report = 20;
	uint64_t hang_cycles = 400000;
	bool verbose = false;
	bool compare_state_on_read = true;
	/* called with every checked job (bench statistics) */
	void (*on_done)(void *, const Job &) = nullptr;
	void *on_done_arg = nullptr;

	/* cycle accounting: what the testbench was waiting for */
	enum { W_QUEUE, W_SLOT, W_SAW, W_SAR, W_DRAIN, W_OTHER, W_N };
	int waiting = W_OTHER;
	uint64_t cycles_by[W_N] = {};

	std::deque<Job *> send_q; /* submitted, not all beats accepted */
	std::deque<Job *> wait_q; /* first beat accepted, completion pending */
	std::vector<int> inflight; /* per slot (< SA_SLOTS_MAX): submitted, not completed */

      private:
	/* request beat driver */
	unsigned tx_beat = 0;
	bool tx_presenting = false;
	/* completion receiver */
	bool rx_active = false;
	espfab_cpl_t rx_rec{};
	std::vector<uint8_t> rx_data;
	unsigned rx_beats = 0;
	/* SA port state machines */
	enum { P_IDLE, P_OFFER, P_WAIT, P_DONE } saw = P_IDLE, sar = P_IDLE;
	uint32_t saw_slot = 0, sar_slot = 0;
	bool saw_keep = false, saw_clear = false, saw_load = false, saw_err = false;
	uint8_t saw_bytes[ESPFAB_SA_BYTES];
	uint8_t saw_state[ESPFAB_SA_STATE_BYTES];
	uint8_t sar_bytes[ESPFAB_SA_STATE_BYTES];
	uint64_t last_progress = 0;
	unsigned reported = 0;

      public:
	Harness(uint64_t seed, int argc, char **argv)
		: rng(seed ^ 0xa5a5a5a5ull), trng(seed ^ 0x5a5a5a5a00000000ull), inflight(ESPFAB_SA_SLOTS_MAX, 0)
	{
		vctx = new VerilatedContext;
		vctx->commandArgs(argc, argv);
		vctx->randReset(2); /* registers start random: reset must cover them */
		vctx->randSeed((int)(seed & 0x7fffffff));
		top = new Vesp_engine{ vctx };
		top->PORT_CLK = 0;
		top->PORT_RST_N = 0;
		clear_inputs();
		for (int i = 0; i < 8; i++)
			raw_cycle();
		top->PORT_RST_N = 1;
		raw_cycle();
	}
	~Harness()
	{
		top->final();
		delete top;
		delete vctx;
	}

	void clear_inputs()
	{
		top->PORT_REQ_VALID = 0;
		top->PORT_REQ_LAST = 0;
		top->PORT_CPL_READY = 0;
		top->PORT_SAW_VALID = 0;
		top->PORT_SAW_KEEP = 0;
		top->PORT_SAW_CLEAR = 0;
		top->PORT_SAW_LOAD = 0;
		top->PORT_SAR_VALID = 0;
	}

	void raw_cycle()
	{
		top->PORT_CLK = 0;
		top->eval();
		top->PORT_CLK = 1;
		top->eval();
		cycle++;
	}

	/* printf-style report of a failure; counts toward max_report. */
	void report(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		if (reported++ >= max_report)
			return;
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "[cycle %llu] ", (unsigned long long)cycle);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}

	static const char *sname(unsigned s) { return espfab_status_name(s); }

	/* ---- submission --------------------------------------------------------- */

	/* Compute the expectation on the mirror (now, in request order) and
	 * queue the request for the engine. */
	Job *submit(Job *j)
	{
		while (send_q.size() >= max_queue)
			tick_as(W_QUEUE);
		j->id = next_id++;
		if (j->req.cookie == 0)
			j->req.cookie = (rng.next() & ~0xffffull) | (j->id & 0xffff);
		j->req.in_len = (uint16_t)j->in.size();
		j->exp = mirror.run(j->req, j->in.data(), j->in.size(), j->exp_out);
		if (j->intent >= 0 && j->exp.status != (unsigned)j->intent) {
			st.gen_miss++;
			if (verbose || st.gen_miss <= 5)
				fprintf(stderr, "note: generator meant %s for '%s' (slot %u), model says %s\n",
					sname((unsigned)j->intent), j->what.c_str(), j->req.slot, sname(j->exp.status));
		}
		if (j->req.slot < ESPFAB_SA_SLOTS_MAX)
			inflight[j->req.slot]++;
		send_q.push_back(j);
		return j;
	}

	/* A job with the fields most callers set. */
	Job *make_job(uint32_t slot, uint8_t op, std::vector<uint8_t> in, unsigned out_cap, const char *what,
		      int intent = -1)
	{
		Job *j = new Job;
		j->req.slot = slot;
		j->req.op = op;
		j->req.out_cap = (uint16_t)out_cap;
		rng.bytes(j->req.iv, sizeof j->req.iv);
		j->in = std::move(in);
		j->what = what;
		j->intent = intent;
		return j;
	}

	bool idle() const { return send_q.empty() && wait_q.empty() && !rx_active; }
	bool slot_idle(uint32_t slot) const { return slot >= ESPFAB_SA_SLOTS_MAX || inflight[slot] == 0; }

	void wait_slot_idle(uint32_t slot)
	{
		while (!slot_idle(slot))
			tick_as(W_SLOT);
	}
	void drain()
	{
		while (!idle())
			tick_as(W_DRAIN);
	}
	void tick_as(int w)
	{
		int keep = waiting;
		waiting = w;
		tick();
		waiting = keep;
	}

	/* ---- SA ports --------------------------------------------------------------- */

	/* The engine's SA_SLOTS (probe_sa_slots() finds it; 0 = unknown). */
	uint32_t sa_slots = 0;
	/* Chance that a write is issued while the slot's requests are still in
	 * flight (all started): the engine must apply it after them. */
	double p_write_in_flight = 0.8;

	enum WrKind { WR_SA, WR_CLEAR, WR_LOAD };

	/* One handshake on sa_wr; returns sa_wr_err_o once ready rises again.
	 * Waits until no request for slot is waiting to start, and (unless the
	 * dice say otherwise) until none is in flight.  No mirroring. */
	bool sa_write_raw(uint32_t slot, WrKind kind, const void *rec, bool keep)
	{
		if (trng.chance(p_write_in_flight))
			wait_slot_started(slot);
		else
			wait_slot_idle(slot);
		memset(saw_bytes, 0, sizeof saw_bytes);
		memset(saw_state, 0, sizeof saw_state);
		if (kind == WR_SA && rec)
			memcpy(saw_bytes, rec, sizeof saw_bytes);
		if (kind == WR_LOAD)
			memcpy(saw_state, rec, sizeof saw_state);
		/* what the engine must ignore: random bytes in the unused record */
		if (kind != WR_SA)
			rng.bytes(saw_bytes, sizeof saw_bytes);
		if (kind != WR_LOAD)
			rng.bytes(saw_state, sizeof saw_state);
		saw_slot = slot;
		saw_keep = keep;
		saw_clear = kind == WR_CLEAR;
		saw_load = kind == WR_LOAD;
		saw = P_OFFER;
		while (saw != P_DONE)
			tick_as(W_SAW);
		saw = P_IDLE;
		st.sa_writes++;
		return saw_err;
	}

	/* Program slot (keep: update; clear: delete) and mirror it; the engine's
	 * sa_wr_err_o must say what the model engine would.  Returns err. */
	bool sa_write(uint32_t slot, const espfab_sa_t *sa, bool keep, bool clear)
	{
		bool err = sa_write_raw(slot, clear ? WR_CLEAR : WR_SA, sa, keep);
		bool want_err;
		if (slot >= sa_slots) {
			want_err = true;
		} else if (clear) {
			want_err = false;
			mirror.clear(slot);
		} else {
			want_err = !mirror.write(slot, *sa, keep);
		}
		check_err(err, want_err, slot, clear ? "clear" : keep ? "update" : "add");
		return err;
	}

	/* The test hook: set slot's state; mirror it. */
	bool sa_load(uint32_t slot, const espfab_sa_state_t &state)
	{
		bool err = sa_write_raw(slot, WR_LOAD, &state, false);
		bool want_err = slot >= sa_slots;
		if (!want_err)
			mirror.st[slot] = state;
		check_err(err, want_err, slot, "load");
		return err;
	}

	void check_err(bool err, bool want, uint32_t slot, const char *what)
	{
		if (err == want)
			return;
		st.sa_write_errors++;
		report("sa_wr %s of slot %u: sa_wr_err_o %d, expected %d", what, slot, err, want);
	}

	/* Find SA_SLOTS with writes of a valid SA: the first slot refused. */
	void probe_sa_slots(const espfab_sa_t &sa)
	{
		uint32_t lo = 1, hi = ESPFAB_SA_SLOTS_MAX; /* slot lo-1 accepted, slot hi refused */
		if (!sa_write_raw(ESPFAB_SA_SLOTS_MAX, WR_SA, &sa, false))
			report("sa_wr to slot %u (>= SA_SLOTS_MAX) was accepted", ESPFAB_SA_SLOTS_MAX);
		if (sa_write_raw(0, WR_SA, &sa, false)) {
			fprintf(stderr, "FAIL: the engine refuses a valid SA in slot 0\n");
			exit(1);
		}
		sa_write_raw(0, WR_CLEAR, nullptr, false);
		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;
			if (sa_write_raw(mid, WR_SA, &sa, false)) {
				hi = mid;
			} else {
				sa_write_raw(mid, WR_CLEAR, nullptr, false);
				lo = mid + 1;
			}
		}
		sa_slots = lo;
		st.sa_writes = 0;
	}

	void wait_slot_started(uint32_t slot)
	{
		for (;;) {
			bool queued = false;
			for (const Job *j : send_q)
				queued |= j->req.slot == slot;
			if (!queued)
				return;
			tick_as(W_SLOT);
		}
	}

	/* Read slot's state through sa_rd (after its requests completed). */
	void sa_read(uint32_t slot, espfab_sa_state_t *out)
	{
		wait_slot_idle(slot);
		sar_slot = slot;
		sar = P_OFFER;
		while (sar != P_DONE)
			tick_as(W_SAR);
		sar = P_IDLE;
		memcpy(out, sar_bytes, sizeof *out);
	}

	/* Read and compare with the mirror byte for byte; true if equal. */
	bool check_state(uint32_t slot, const char *why)
	{
		espfab_sa_state_t got;
		sa_read(slot, &got);
		st.state_reads++;
		const espfab_sa_state_t &want = mirror.st[slot];
		if (memcmp(&got, &want, sizeof got) == 0)
			return true;
		st.state_mismatches++;
		if (reported < max_report) {
			report("SA state of slot %u differs (%s): seq %u/%u bytes %llu/%llu soft %u/%u hard %u/%u "
			       "(engine/model)",
			       slot, why, got.seq, want.seq, (unsigned long long)got.bytes,
			       (unsigned long long)want.bytes, got.soft_expired, want.soft_expired, got.hard_expired,
			       want.hard_expired);
			for (unsigned i = 0; i < ESPFAB_STATUS_SLOTS; i++)
				if (got.count[i] != want.count[i])
					fprintf(stderr, "    count[%s] %llu/%llu\n", sname(i),
						(unsigned long long)got.count[i], (unsigned long long)want.count[i]);
			for (unsigned i = 0; i < ESPFAB_REPLAY_WORDS; i++)
				if (got.replay[i] != want.replay[i])
					fprintf(stderr, "    replay[%u] %08x/%08x\n", i, got.replay[i], want.replay[i]);
			if (got.rsvd0 != want.rsvd0)
				fprintf(stderr, "    rsvd0 %04x/%04x\n", got.rsvd0, want.rsvd0);
		}
		return false;
	}

	/* ---- one clock cycle --------------------------------------------------------- */

	void tick()
	{
		cycles_by[waiting]++;
		/* inputs for this cycle */
		Job *tx = send_q.empty() ? nullptr : send_q.front();
		if (tx && !tx_presenting && p_gap > 0 && trng.chance(p_gap))
			tx = nullptr; /* an idle cycle between beats */
		if (tx) {
			tx_presenting = true;
			drive_beat(tx);
		} else {
			top->PORT_REQ_VALID = 0;
			top->PORT_REQ_LAST = 0;
		}
		top->PORT_CPL_READY = (p_ready >= 1.0 || trng.chance(p_ready)) ? 1 : 0;
		top->PORT_SAW_VALID = saw == P_OFFER;
		if (saw == P_OFFER) {
			pset(top->PORT_SAW_SLOT, 0, 32, saw_slot);
			pset_bytes(top->PORT_SAW_SA, SA_BITS, saw_bytes, ESPFAB_SA_BYTES);
			pset_bytes(top->PORT_SAW_STATE, STATE_BITS, saw_state, ESPFAB_SA_STATE_BYTES);
			top->PORT_SAW_KEEP = saw_keep;
			top->PORT_SAW_CLEAR = saw_clear;
			top->PORT_SAW_LOAD = saw_load;
		} else {
			/* outside a handshake the controls are don't-care: vary them */
			top->PORT_SAW_KEEP = trng.below(2);
			top->PORT_SAW_CLEAR = trng.below(2);
			top->PORT_SAW_LOAD = trng.below(2);
		}
		top->PORT_SAR_VALID = sar == P_OFFER;
		if (sar == P_OFFER)
			pset(top->PORT_SAR_SLOT, 0, 32, sar_slot);

		top->PORT_CLK = 0;
		top->eval();

		/* sample the handshakes of this cycle */
		const bool req_fire = top->PORT_REQ_VALID && top->PORT_REQ_READY;
		const bool cpl_fire = top->PORT_CPL_VALID && top->PORT_CPL_READY;
		const bool saw_fire = saw == P_OFFER && top->PORT_SAW_READY;
		const bool saw_ready = top->PORT_SAW_READY;
		const bool saw_err_now = top->PORT_SAW_ERR;
		const bool sar_fire = sar == P_OFFER && top->PORT_SAR_READY;
		const bool sar_resp = top->PORT_SAR_DONE;
		espfab_cpl_t rec{};
		uint8_t beat[BEAT_BYTES];
		bool last = false;
		if (cpl_fire) {
			rec = decode_rec();
			pget_bytes(top->PORT_CPL_DATA, BEAT_BITS, beat, BEAT_BYTES);
			last = top->PORT_CPL_LAST;
		}
		if ((sar == P_WAIT || sar_fire) && sar_resp)
			pget_bytes(top->PORT_SAR_STATE, STATE_BITS, sar_bytes, ESPFAB_SA_STATE_BYTES);

		top->PORT_CLK = 1;
		top->eval();
		cycle++;

		/* act on them */
		if (req_fire) {
			Job *j = send_q.front();
			if (tx_beat == 0) {
				j->t_sent = cycle;
				for (const Job *w : wait_q)
					if (w->req.slot == j->req.slot && j->req.slot < ESPFAB_SA_SLOTS_MAX) {
						st.same_sa_overlap++;
						break;
					}
				wait_q.push_back(j);
				if (wait_q.size() > st.max_in_flight)
					st.max_in_flight = wait_q.size();
			}
			tx_presenting = false;
			if (++tx_beat == nbeats(j->req.in_len)) {
				tx_beat = 0;
				send_q.pop_front();
				st.bytes_in += j->req.in_len;
			}
			last_progress = cycle;
		}
		if (cpl_fire) {
			rx_beat(rec, beat, last);
			last_progress = cycle;
		}
		if (saw == P_WAIT && saw_ready) { /* the setup has finished */
			saw = P_DONE;
			saw_err = saw_err_now;
			last_progress = cycle;
		}
		if (saw_fire) {
			saw = P_WAIT;
			last_progress = cycle;
		}
		if (sar == P_WAIT && sar_resp) {
			sar = P_DONE;
			last_progress = cycle;
		}
		if (sar_fire) {
			sar = sar_resp ? P_DONE : P_WAIT;
			last_progress = cycle;
		}
		if (cycle - last_progress > hang_cycles)
			hang();
	}

	static unsigned nbeats(unsigned len) { return len == 0 ? 1 : (len + BEAT_BYTES - 1) / BEAT_BYTES; }

      private:
	void drive_beat(const Job *j)
	{
		uint8_t b[BEAT_BYTES];
		const unsigned off = tx_beat * BEAT_BYTES;
		for (unsigned i = 0; i < BEAT_BYTES; i++)
			b[i] = off + i < j->in.size() ? j->in[off + i] : 0;
		top->PORT_REQ_VALID = 1;
		top->PORT_REQ_LAST = tx_beat + 1 == nbeats(j->req.in_len);
		pset_bytes(top->PORT_REQ_DATA, BEAT_BITS, b, BEAT_BYTES);
		if (tx_beat == 0) {
			auto &d = top->PORT_REQ_DESC;
			unsigned lsb = DESC_BITS;
			lsb -= 64, pset(d, lsb, 64, j->req.cookie);
			lsb -= 32, pset(d, lsb, 32, j->req.slot);
			lsb -= 16, pset(d, lsb, 16, j->req.in_len);
			lsb -= 16, pset(d, lsb, 16, j->req.out_cap);
			lsb -= 8, pset(d, lsb, 8, j->req.op);
			pset_bytes(d, 128, j->req.iv, ESPFAB_IV_MAX);
		} else {
			/* the descriptor only rides on the first beat: scramble it */
			auto &d = top->PORT_REQ_DESC;
			for (unsigned i = 0; i < DESC_BITS; i += 32)
				pset(d, i, DESC_BITS - i < 32 ? DESC_BITS - i : 32, trng.next());
		}
	}

	espfab_cpl_t decode_rec()
	{
		espfab_cpl_t c{};
		const auto &r = top->PORT_CPL_REC;
		unsigned lsb = REC_BITS;
		lsb -= 64, c.cookie = pget(r, lsb, 64);
		lsb -= 32, c.slot = (uint32_t)pget(r, lsb, 32);
		lsb -= 32, c.spi = (uint32_t)pget(r, lsb, 32);
		lsb -= 32, c.seq = (uint32_t)pget(r, lsb, 32);
		lsb -= 16, c.out_len = (uint16_t)pget(r, lsb, 16);
		lsb -= 8, c.status = (uint8_t)pget(r, lsb, 8);
		lsb -= 8, c.flags = (uint8_t)pget(r, lsb, 8);
		return c;
	}

	void rx_beat(const espfab_cpl_t &rec, const uint8_t *beat, bool last)
	{
		if (!rx_active) {
			rx_active = true;
			rx_rec = rec;
			rx_data.clear();
			rx_beats = 0;
		} else if (memcmp(&rec, &rx_rec, sizeof rec) != 0) {
			st.protocol++;
			report("completion record changed on beat %u of a completion (cookie %016llx)", rx_beats,
			       (unsigned long long)rx_rec.cookie);
		}
		rx_data.insert(rx_data.end(), beat, beat + BEAT_BYTES);
		rx_beats++;
		if (last || rx_beats > nbeats(ESPFAB_MAX_FRAME) + 1) {
			if (!last) {
				st.protocol++;
				report("completion stream: no tlast after %u beats", rx_beats);
			}
			rx_active = false;
			finish();
		}
	}

	void finish()
	{
		if (wait_q.empty()) {
			st.protocol++;
			report("completion with no request in flight (cookie %016llx status %u)",
			       (unsigned long long)rx_rec.cookie, rx_rec.status);
			return;
		}
		Job *j = wait_q.front();
		wait_q.pop_front();
		j->t_done = cycle;
		const espfab_cpl_t &e = j->exp, &g = rx_rec;
		std::string bad;
		char tmp[160];
		if (g.cookie != e.cookie)
			snprintf(tmp, sizeof tmp, " cookie %016llx/%016llx", (unsigned long long)g.cookie,
				 (unsigned long long)e.cookie), bad += tmp;
		if (g.slot != e.slot)
			snprintf(tmp, sizeof tmp, " slot %u/%u", g.slot, e.slot), bad += tmp;
		if (g.status != e.status)
			snprintf(tmp, sizeof tmp, " status %s/%s", sname(g.status), sname(e.status)), bad += tmp;
		if (g.spi != e.spi)
			snprintf(tmp, sizeof tmp, " spi %08x/%08x", g.spi, e.spi), bad += tmp;
		if (g.seq != e.seq)
			snprintf(tmp, sizeof tmp, " seq %u/%u", g.seq, e.seq), bad += tmp;
		if (g.out_len != e.out_len)
			snprintf(tmp, sizeof tmp, " out_len %u/%u", g.out_len, e.out_len), bad += tmp;
		if (g.flags != e.flags)
			snprintf(tmp, sizeof tmp, " flags %x/%x", g.flags, e.flags), bad += tmp;
		/* framing: ceil(out_len/BEAT_BYTES) beats, or one zero beat; zero fill */
		if (rx_beats != nbeats(g.out_len))
			snprintf(tmp, sizeof tmp, " beats %u (out_len %u wants %u)", rx_beats, g.out_len,
				 nbeats(g.out_len)), bad += tmp;
		for (size_t i = g.out_len; i < rx_data.size(); i++)
			if (rx_data[i] != 0) {
				snprintf(tmp, sizeof tmp, " fill byte %zu = %02x (past out_len %u)", i, rx_data[i],
					 g.out_len), bad += tmp;
				break;
			}
		if (j->check_bytes && e.status == ESPFAB_STATUS_OK && g.out_len == e.out_len) {
			for (size_t i = 0; i < e.out_len; i++)
				if (i >= rx_data.size() || rx_data[i] != j->exp_out[i]) {
					unsigned n = 0;
					for (size_t k = i; k < e.out_len; k++)
						n += k >= rx_data.size() || rx_data[k] != j->exp_out[k];
					snprintf(tmp, sizeof tmp, " bytes: first difference at %zu (%02x/%02x), %u differ", i,
						 i < rx_data.size() ? rx_data[i] : 0, j->exp_out[i], n), bad += tmp;
					break;
				}
		}
		st.requests++;
		st.status[e.status & 15]++;
		if (e.status == ESPFAB_STATUS_OK)
			st.bytes_out += e.out_len;
		if (!bad.empty()) {
			st.mismatches++;
			const espfab_sa_t &s = mirror.sa[j->req.slot < ESPFAB_SA_SLOTS_MAX ? j->req.slot : 0];
			report("request %llu '%s' slot %u op %u in_len %u out_cap %u [sa dir %u mode %u encap %u cipher %u/%u "
			       "auth %u win %u]: (engine/model)%s",
			       (unsigned long long)j->id, j->what.c_str(), j->req.slot, j->req.op, j->req.in_len,
			       j->req.out_cap, s.dir, s.mode, s.encap, s.cipher, s.enc_key_len, s.auth, s.replay_window,
			       bad.c_str());
			if (verbose)
				dump("input", j->in.data(), j->in.size());
		}
		if (j->req.slot < ESPFAB_SA_SLOTS_MAX)
			inflight[j->req.slot]--;
		if (on_done)
			on_done(on_done_arg, *j);
		delete j;
	}

	static void dump(const char *what, const uint8_t *p, size_t n)
	{
		fprintf(stderr, "    %s (%zu bytes):", what, n);
		for (size_t i = 0; i < n && i < 256; i++)
			fprintf(stderr, "%s%02x", i % 32 ? "" : "\n      ", p[i]);
		fprintf(stderr, "\n");
	}

	void hang()
	{
		fprintf(stderr,
			"[cycle %llu] engine made no progress for %llu cycles: %zu requests queued, %zu in flight, "
			"completion %s, sa_wr %d, sa_rd %d; s_req_ready %d m_cpl_valid %d sa_wr_ready %d sa_rd_ready %d\n",
			(unsigned long long)cycle, (unsigned long long)hang_cycles, send_q.size(), wait_q.size(),
			rx_active ? "half received" : "idle", (int)saw, (int)sar, (int)top->PORT_REQ_READY,
			(int)top->PORT_CPL_VALID, (int)top->PORT_SAW_READY, (int)top->PORT_SAR_READY);
		if (!wait_q.empty())
			fprintf(stderr, "  oldest in flight: request %llu '%s' slot %u in_len %u\n",
				(unsigned long long)wait_q.front()->id, wait_q.front()->what.c_str(),
				wait_q.front()->req.slot, wait_q.front()->req.in_len);
		fprintf(stderr, "FAIL: hang\n");
		exit(1);
	}
};

#endif
