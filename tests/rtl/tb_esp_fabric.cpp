/*
 * tb_esp_fabric — Verilator testbench of rtl/top/esp_fabric.v, the ESP
 * engine behind its AXI4-Lite register block, as a host and a DMA see it
 * (docs/rtl-esp-engine.md, "Top: esp_fabric").
 *
 * Two masters around the DUT:
 *   - the host, on AXI4-Lite only: identification registers, SAs staged in
 *     SA_WIN as the little-endian image of an espfab_sa_t and committed with
 *     SA_CMD (ADD / UPDATE / DELETE), state read back through ST_SLOT /
 *     ST_WIN as an espfab_sa_state_t, counters, interrupts;
 *   - the DMA side, on the request / completion streams: the engine
 *     harness (tests/rtl/esp_engine_harness.h) through the adapter in
 *     tests/rtl/esp_fabric/Vesp_engine.h.  Every request also runs through
 *     esp_top (hls/esp) on the harness's mirror, in request order; every
 *     completion record and output byte must match.
 * The host's SA commands are mirrored into the same model when they take
 * effect (after the slot's earlier requests, as the engine applies them).
 *
 * Phases (a few hundred requests; --seed to vary):
 *   ident     ID, VERSION, CAPS against the C header; SA_SLOTS, N_CTX,
 *             CIPHER_LANES, PIPELINED against the build; SCRATCH.
 *   traffic   six transforms covering DES, 3DES, AES-128/192/256, MD5,
 *             SHA-1, tunnel/transport, with and without UDP encapsulation:
 *             an outbound and an inbound SA each (all added through the
 *             CSR), encap and decap with back-pressure and gaps, replays
 *             (REPLAY), corrupted ICVs (AUTH), an unknown op (BAD_REQUEST),
 *             a slot past SA_SLOTS (NO_SA); outbound SA updates with
 *             keep_state and state read-back through ST_WIN mid-traffic.
 *   lifetime  an SA with soft and hard byte lifetimes: SOFT and HARD raised
 *             by the completions that carry the flags, IRQ_STATUS / RAW /
 *             ENABLE and irq_o, write-1-to-clear, HARD again on the next
 *             (LIFETIME) completion; delete and re-add resets it.
 *   refused   an invalid SA and a slot past SA_SLOTS: WR_ERROR and ERR,
 *             slot unchanged; unknown SA_CMD ops: WR_REJECTED.
 *   delete    SA_CMD DELETE, then a packet for the slot: NO_SA; its state
 *             reads zero.
 *   final     every SA's state through ST_WIN; CNT_SUBMIT, CNT_CPL and
 *             CNT_STATUS against the handshakes seen on the streams;
 *             IRQ_RAW against every cause raised; status coverage.
 *
 * Exit status 0 only if nothing differed; the last line is the summary.
 */
#include "esp_engine_harness.h" /* with the adapter: Vesp_engine wraps Vesp_fabric */

#include <cinttypes>

#ifndef TB_PIPELINED
#define TB_PIPELINED 1
#endif
/* esp_fabric's parameters in this build: verilate-tb.sh defines TB_NAME for
 * every -GNAME=VALUE override; the others are esp_fabric's defaults */
#ifndef TB_SA_SLOTS
#define TB_SA_SLOTS 64
#endif
#ifndef TB_N_CTX
#define TB_N_CTX 8
#endif
#ifndef TB_CIPHER_LANES
#define TB_CIPHER_LANES 1
#endif

#ifdef TB_STREAM_BYTES
static_assert(sizeof(Vesp_engine::s_req_data_i) == TB_STREAM_BYTES, "request beat is STREAM_BYTES wide");
#endif

#define S(x) ESPFAB_STATUS_##x
#define IRQ(x) (1u << ESPFAB_IRQ_##x)
#define SA_ST(x) (1u << ESPFAB_SA_STATUS_##x)

static_assert(ESPFAB_CSR_SA_WIN_COUNT * 4 == sizeof(espfab_sa_t), "SA_WIN is one sa record");
static_assert(ESPFAB_CSR_ST_WIN_COUNT * 4 == sizeof(espfab_sa_state_t), "ST_WIN is one sa_state record");
static_assert(ESPFAB_CSR_CNT_STATUS_COUNT == 2 * ESPFAB_STATUS_SLOTS, "one lo/hi pair per status");

/* ---- AXI4-Lite master: one transaction at a time -------------------------------- */

struct Axil {
	Rng rng;
	unsigned ready_pct = 80; /* chance BREADY / RREADY is high in a cycle */
	bool busy = false;
	bool wr = false;
	uint32_t addr = 0, data = 0;
	uint8_t strb = 0xf;
	bool w_first = false; /* writes: W before AW (else AW before W, or both together) */
	unsigned gap = 0;     /* cycles the second channel waits after the first's handshake; 0: together */
	unsigned wait = 0;
	bool aw_done = false, w_done = false, a_done = false;
	uint32_t rdata = 0;
	unsigned resp = 0;
	uint64_t protocol = 0; /* responses without a request */

	explicit Axil(uint64_t seed) : rng(seed) {}

	void start(bool is_wr, uint32_t a, uint32_t d, uint8_t s = 0xf)
	{
		busy = true;
		wr = is_wr;
		addr = a;
		data = d;
		strb = s;
		aw_done = w_done = a_done = false;
		/* AW and W together, or one of them a few cycles first */
		gap = wait = rng.below(3) ? 0 : rng.range(1, 3);
		w_first = rng.below(2);
	}

	void drive(Vesp_fabric &f)
	{
		bool aw = false, w = false, ar = false;
		if (busy && wr) {
			const bool first_done = w_first ? w_done : aw_done;
			const bool second_go = gap == 0 || (first_done && wait == 0);
			aw = !aw_done && (w_first ? second_go : true);
			w = !w_done && (w_first ? true : second_go);
		}
		if (busy && !wr)
			ar = !a_done;
		f.s_axil_awvalid_i = aw;
		f.s_axil_awaddr_i = addr;
		f.s_axil_wvalid_i = w;
		f.s_axil_wdata_i = data;
		f.s_axil_wstrb_i = strb;
		f.s_axil_arvalid_i = ar;
		f.s_axil_araddr_i = addr;
		f.s_axil_bready_i = rng.below(100) < ready_pct;
		f.s_axil_rready_i = rng.below(100) < ready_pct;
	}

	void sample(Vesp_fabric &f)
	{
		if (busy && wr && wait > 0 && (w_first ? w_done : aw_done))
			wait--;
		if (f.s_axil_awvalid_i && f.s_axil_awready_o)
			aw_done = true;
		if (f.s_axil_wvalid_i && f.s_axil_wready_o)
			w_done = true;
		if (f.s_axil_arvalid_i && f.s_axil_arready_o)
			a_done = true;
		if (f.s_axil_bvalid_o && f.s_axil_bready_i) {
			if (busy && wr && aw_done && w_done) {
				resp = f.s_axil_bresp_o;
				busy = false;
			} else {
				protocol++;
			}
		}
		if (f.s_axil_rvalid_o && f.s_axil_rready_i) {
			if (busy && !wr && a_done) {
				resp = f.s_axil_rresp_o;
				rdata = f.s_axil_rdata_o;
				busy = false;
			} else {
				protocol++;
			}
		}
	}
};

/* ---- options ------------------------------------------------------------------- */

struct Options {
	uint64_t seed = 0xfab01ull;
	unsigned requests = 240; /* traffic phase */
	bool verbose = false;
};

/* ---- transforms ----------------------------------------------------------------- */

struct Xform {
	const char *name;
	uint8_t cipher, klen, auth, alen, mode, encap;
};
static const Xform kXforms[] = {
	{ "aes128-sha1-tunnel", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	{ "3des-md5-transport", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_MD5, 16, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE },
	{ "des-sha1-tunnel-udp", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
	{ "aes256-md5-transport-udp", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_MD5, 16, ESPFAB_MODE_TRANSPORT,
	  ESPFAB_ENCAP_UDP },
	{ "aes192-sha1-transport", ESPFAB_CIPHER_AES, 24, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TRANSPORT,
	  ESPFAB_ENCAP_NONE },
	{ "3des-sha1-tunnel-udp", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 20, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
};
enum { N_XFORMS = sizeof kXforms / sizeof kXforms[0] };

struct Pair {
	const Xform *x;
	espfab_sa_t sa; /* outbound; the inbound SA is a copy with dir IN */
	uint32_t o, i;	/* slots */
	uint32_t seq = 0; /* last sequence number generated for the inbound SA */
	std::deque<std::vector<uint8_t>> sent; /* inbound packets already submitted (replays) */
};

/* ---- the testbench ---------------------------------------------------------------- */

class Tb {
      public:
	Options opt;
	Harness h;
	Vesp_engine &ad; /* the adapter (h.top) */
	Gen gen;
	Rng r;
	Axil bus;
	std::vector<Pair> pairs;
	uint32_t sa_slots = 0;
	uint32_t exp_raw = 0; /* IRQ_RAW as the causes raised so far say */
	uint32_t irq_en = 0;
	uint64_t seen_cpl = 0, seen_device = 0;
	uint64_t fails = 0, checks = 0;
	uint64_t sa_cmds = 0, st_reads = 0, irq_checks = 0, bus_ops = 0;

	Tb(const Options &o, int argc, char **argv)
		: opt(o), h(o.seed, argc, argv), ad(*h.top), r(o.seed ^ 0xfab), bus(o.seed ^ 0xb005)
	{
		h.verbose = o.verbose;
		h.hang_cycles = TB_PIPELINED ? 200000 : 2000000;
		h.p_ready = 0.85;
		h.p_gap = 0.05;
		ad.drive = [this](Vesp_fabric &f) { bus.drive(f); };
		ad.sample = [this](Vesp_fabric &f) { bus.sample(f); };
	}

	void fail(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		fails++;
		if (fails > 30)
			return;
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "[cycle %llu] tb_esp_fabric: ", (unsigned long long)h.cycle);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	void expect(uint64_t got, uint64_t want, const char *what)
	{
		checks++;
		if (got != want)
			fail("%s: got %#" PRIx64 ", want %#" PRIx64, what, got, want);
	}

	/* ---- host bus --------------------------------------------------------------------- */

	unsigned xfer(bool is_wr, uint32_t a, uint32_t d)
	{
		bus.start(is_wr, a, d);
		uint64_t t0 = h.cycle;
		while (bus.busy) {
			h.tick();
			if (h.cycle - t0 > 1000) {
				fail("AXI4-Lite %s of %#x: no response in 1000 cycles", is_wr ? "write" : "read", a);
				exit(1);
			}
		}
		bus_ops++;
		return bus.resp;
	}
	uint32_t rd(uint32_t a)
	{
		if (xfer(false, a, 0) != 0)
			fail("read of %#x: response %u, want OKAY", a, bus.resp);
		return bus.rdata;
	}
	void wr(uint32_t a, uint32_t d)
	{
		if (xfer(true, a, d) != 0)
			fail("write of %#x: response %u, want OKAY", a, bus.resp);
	}

	/* ---- interrupts ------------------------------------------------------------------- */

	/* Fold the causes the completions raised since the last call into exp_raw. */
	void collect()
	{
		if (ad.n_cpl != seen_cpl)
			exp_raw |= IRQ(CPL);
		if (ad.flags_or & (1u << ESPFAB_CPLFLAG_SOFT_EXPIRED))
			exp_raw |= IRQ(SOFT);
		if (ad.flags_or & (1u << ESPFAB_CPLFLAG_HARD_EXPIRED))
			exp_raw |= IRQ(HARD);
		if (ad.n_status[S(DEVICE)] != seen_device)
			exp_raw |= IRQ(ERR);
		seen_cpl = ad.n_cpl;
		seen_device = ad.n_status[S(DEVICE)];
		ad.flags_or = 0;
	}
	/* Every request completed and the CSR has seen it. */
	void settle()
	{
		h.drain();
		for (int k = 0; k < 4; k++)
			h.tick();
		collect();
	}
	void check_irq(const char *when)
	{
		char what[160];
		settle();
		irq_checks++;
		snprintf(what, sizeof what, "IRQ_RAW (%s)", when);
		expect(rd(ESPFAB_CSR_IRQ_RAW), exp_raw, what);
		snprintf(what, sizeof what, "IRQ_STATUS (%s)", when);
		expect(rd(ESPFAB_CSR_IRQ_STATUS), exp_raw & irq_en, what);
		snprintf(what, sizeof what, "IRQ_ENABLE (%s)", when);
		expect(rd(ESPFAB_CSR_IRQ_ENABLE), irq_en, what);
		snprintf(what, sizeof what, "irq_o (%s)", when);
		expect(ad.irq, (exp_raw & irq_en) != 0, what);
	}
	void irq_clear(uint32_t bits)
	{
		settle();
		wr(ESPFAB_CSR_IRQ_STATUS, bits);
		exp_raw &= ~bits;
	}
	void irq_enable(uint32_t bits)
	{
		wr(ESPFAB_CSR_IRQ_ENABLE, bits);
		irq_en = bits;
	}

	/* ---- SA commands and state reads through the CSR ------------------------------------ */

	/* Stage sa (unless DELETE), commit op to slot, wait for the engine; mirror
	 * it and check WR_ERROR against the model engine.  Returns WR_ERROR. */
	bool sa_cmd(uint32_t slot, const espfab_sa_t *sa, uint32_t op)
	{
		const char *what = op == ESPFAB_SA_OP_ADD ? "ADD" : op == ESPFAB_SA_OP_UPDATE ? "UPDATE" : "DELETE";
		/* the slot's earlier requests must have started (the engine then
		 * applies the command after them, as the mirror does) */
		if (r.chance(0.7))
			h.wait_slot_started(slot);
		else
			h.wait_slot_idle(slot);
		if (op != ESPFAB_SA_OP_DELETE) {
			uint32_t w[ESPFAB_CSR_SA_WIN_COUNT];
			memcpy(w, sa, sizeof w);
			for (unsigned k = 0; k < ESPFAB_CSR_SA_WIN_COUNT; k++)
				wr(ESPFAB_CSR_SA_WIN(k), w[k]);
		}
		wr(ESPFAB_CSR_SA_SLOT, slot);
		wr(ESPFAB_CSR_SA_CMD, op);
		uint32_t s;
		uint64_t t0 = h.cycle;
		do {
			s = rd(ESPFAB_CSR_SA_STATUS);
			if (h.cycle - t0 > h.hang_cycles) {
				fail("SA_CMD %s of slot %u: WR_BUSY for %llu cycles", what, slot,
				     (unsigned long long)h.hang_cycles);
				exit(1);
			}
		} while (s & SA_ST(WR_BUSY));
		sa_cmds++;
		if (s & SA_ST(WR_REJECTED))
			fail("SA_CMD %s of slot %u: WR_REJECTED", what, slot);
		const bool err = s & SA_ST(WR_ERROR);
		exp_raw |= IRQ(SA_DONE) | (err ? IRQ(ERR) : 0);
		/* no key left in the staging window */
		if (op != ESPFAB_SA_OP_DELETE && r.chance(0.3))
			for (unsigned k = 0; k < ESPFAB_CSR_SA_WIN_COUNT; k++)
				expect(rd(ESPFAB_CSR_SA_WIN(k)), 0, "SA_WIN after the engine took the record");
		bool want;
		if (slot >= sa_slots) {
			want = true;
		} else if (op == ESPFAB_SA_OP_DELETE) {
			want = false;
			h.mirror.clear(slot);
		} else {
			want = !h.mirror.write(slot, *sa, op == ESPFAB_SA_OP_UPDATE);
		}
		if (err != want)
			fail("SA_CMD %s of slot %u: WR_ERROR %d, the model engine says %d", what, slot, err, want);
		return err;
	}

	/* Read slot's sa_state through ST_SLOT / ST_WIN (after its requests). */
	void st_read(uint32_t slot, espfab_sa_state_t *out)
	{
		h.wait_slot_idle(slot);
		wr(ESPFAB_CSR_ST_SLOT, slot);
		uint32_t s;
		uint64_t t0 = h.cycle;
		do {
			s = rd(ESPFAB_CSR_SA_STATUS);
			if (h.cycle - t0 > h.hang_cycles) {
				fail("ST_SLOT %u: RD_DONE not set after %llu cycles", slot,
				     (unsigned long long)h.hang_cycles);
				exit(1);
			}
		} while (!(s & SA_ST(RD_DONE)));
		if (s & (SA_ST(RD_REJECTED) | SA_ST(RD_BUSY)))
			fail("ST_SLOT %u: SA_STATUS %#x after the read", slot, s);
		exp_raw |= IRQ(ST_DONE);
		uint32_t w[ESPFAB_CSR_ST_WIN_COUNT];
		for (unsigned k = 0; k < ESPFAB_CSR_ST_WIN_COUNT; k++)
			w[k] = rd(ESPFAB_CSR_ST_WIN(k));
		memcpy(out, w, sizeof *out);
		st_reads++;
	}

	void check_state(uint32_t slot, const char *why)
	{
		espfab_sa_state_t got, want;
		st_read(slot, &got);
		if (slot < sa_slots)
			want = h.mirror.st[slot];
		else
			memset(&want, 0, sizeof want);
		checks++;
		if (memcmp(&got, &want, sizeof got) == 0)
			return;
		fail("ST_WIN of slot %u (%s) differs from the model: seq %u/%u bytes %llu/%llu soft %u/%u hard %u/%u",
		     slot, why, got.seq, want.seq, (unsigned long long)got.bytes, (unsigned long long)want.bytes,
		     got.soft_expired, want.soft_expired, got.hard_expired, want.hard_expired);
		for (unsigned k = 0; k < ESPFAB_STATUS_SLOTS; k++)
			if (got.count[k] != want.count[k])
				fprintf(stderr, "    count[%s] %llu/%llu\n", espfab_status_name(k),
					(unsigned long long)got.count[k], (unsigned long long)want.count[k]);
		for (unsigned k = 0; k < ESPFAB_REPLAY_WORDS; k++)
			if (got.replay[k] != want.replay[k])
				fprintf(stderr, "    replay[%u] %08x/%08x\n", k, got.replay[k], want.replay[k]);
	}

	uint64_t rd64(uint32_t lo, uint32_t hi)
	{
		uint64_t v = rd(lo);
		return v | (uint64_t)rd(hi) << 32;
	}

	/* ---- packets -------------------------------------------------------------------------- */

	espfab_sa_t make_sa(const Xform &x)
	{
		espfab_sa_t s;
		memset(&s, 0, sizeof s);
		s.spi = (uint32_t)r.next() | 0x100;
		s.valid = 1;
		s.dir = ESPFAB_DIR_OUT;
		s.mode = x.mode;
		s.encap = x.encap;
		s.cipher = x.cipher;
		s.enc_key_len = x.klen;
		s.auth = x.auth;
		s.auth_key_len = x.alen;
		r.bytes(s.enc_key, s.enc_key_len);
		r.bytes(s.auth_key, s.auth_key_len);
		s.ttl = (uint8_t)(r.below(2) ? 0 : 1 + r.below(255));
		s.tun_src = (uint32_t)r.next();
		s.tun_dst = (uint32_t)r.next();
		s.sport = ESPFAB_UDP_ENCAP_PORT;
		s.dport = (uint16_t)(r.below(2) ? ESPFAB_UDP_ENCAP_PORT : 1024 + r.below(60000));
		s.replay_window = 64;
		return s;
	}

	unsigned pick_plen()
	{
		switch (r.below(10)) {
		case 0:
			return r.below(1400);
		case 1: case 2:
			return r.below(300);
		default:
			return r.below(100);
		}
	}

	std::vector<uint8_t> inner(unsigned plen) { return make_ipv4(r, r.below(6) ? 20 : 24 + 4 * r.below(4), plen); }

	Job *encap(uint32_t slot, unsigned plen, const char *what, int intent = -1)
	{
		return h.submit(h.make_job(slot, ESPFAB_OP_ENCAP, inner(plen), ESPFAB_MAX_FRAME, what, intent));
	}

	void decap(Pair &p)
	{
		std::vector<uint8_t> pkt;
		const char *what;
		int intent = -1;
		unsigned k = r.below(12);
		if (k == 0 && !p.sent.empty()) {
			pkt = p.sent[r.below((unsigned)p.sent.size())];
			what = "decap: replay", intent = S(REPLAY);
		} else {
			pkt = gen.encap(r, p.i, ++p.seq, inner(pick_plen()));
			what = "decap";
			if (k == 1) {
				pkt[pkt.size() - 1 - r.below(ESPFAB_ICV_LEN)] ^= (uint8_t)(1u << r.below(8));
				what = "decap: ICV corrupted", intent = S(AUTH);
			} else {
				p.sent.push_back(pkt);
				if (p.sent.size() > 16)
					p.sent.pop_front();
			}
		}
		h.submit(h.make_job(p.i, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, what, intent));
	}

	/* ---- phases --------------------------------------------------------------------------- */

	void phase_ident()
	{
		expect(rd(ESPFAB_CSR_ID), ESPFAB_DEVICE_ID, "ID");
		expect(rd(ESPFAB_CSR_VERSION), ESPFAB_CONTRACT_VERSION_MAJOR << 16 | ESPFAB_CONTRACT_VERSION_MINOR,
		       "VERSION");
		uint32_t caps = 0;
		for (unsigned c : { ESPFAB_CIPHER_DES, ESPFAB_CIPHER_3DES, ESPFAB_CIPHER_AES })
			caps |= 1u << (ESPFAB_CAPS_CIPHER_SHIFT + c - 1);
		for (unsigned a : { ESPFAB_AUTH_MD5, ESPFAB_AUTH_SHA1 })
			caps |= 1u << (ESPFAB_CAPS_AUTH_SHIFT + a - 1);
		caps |= 1u << (ESPFAB_CAPS_ENCAP_SHIFT + ESPFAB_ENCAP_UDP - 1);
		expect(rd(ESPFAB_CSR_CAPS), caps, "CAPS");
		sa_slots = rd(ESPFAB_CSR_SA_SLOTS);
		expect(sa_slots, TB_SA_SLOTS, "SA_SLOTS");
		expect(rd(ESPFAB_CSR_N_CTX), TB_N_CTX, "N_CTX");
		expect(rd(ESPFAB_CSR_CIPHER_LANES), TB_CIPHER_LANES, "CIPHER_LANES");
		expect(rd(ESPFAB_CSR_PIPELINED), TB_PIPELINED, "PIPELINED");
		wr(ESPFAB_CSR_SCRATCH, 0x5a5aa5a5u);
		expect(rd(ESPFAB_CSR_SCRATCH), 0x5a5aa5a5u, "SCRATCH");
		h.sa_slots = sa_slots;
		if (sa_slots < 2 * N_XFORMS + 2 || sa_slots > ESPFAB_SA_SLOTS_MAX) {
			fail("SA_SLOTS %u: this bench needs %u..%u", sa_slots, 2 * N_XFORMS + 2, ESPFAB_SA_SLOTS_MAX);
			exit(1);
		}
		check_irq("after reset");
	}

	void phase_traffic()
	{
		irq_enable(IRQ(SOFT) | IRQ(HARD) | IRQ(ERR));
		for (unsigned k = 0; k < N_XFORMS; k++) {
			Pair p;
			p.x = &kXforms[k];
			p.sa = make_sa(*p.x);
			p.o = 2 * k;
			p.i = 2 * k + 1;
			espfab_sa_t in = p.sa;
			in.dir = ESPFAB_DIR_IN;
			sa_cmd(p.o, &p.sa, ESPFAB_SA_OP_ADD);
			sa_cmd(p.i, &in, ESPFAB_SA_OP_ADD);
			gen.bind(p.i, p.sa);
			pairs.push_back(p);
		}
		check_irq("after the SAs were added");
		for (unsigned n = 0; n < opt.requests; n++) {
			Pair &p = pairs[r.below(N_XFORMS)];
			switch (r.below(40)) {
			case 0:
				h.submit(h.make_job(p.o, 2 + r.below(250), inner(r.below(64)), ESPFAB_MAX_FRAME,
						    "unknown op", S(BAD_REQUEST)));
				break;
			case 1:
				encap(sa_slots + r.below(ESPFAB_SA_SLOTS_MAX - sa_slots), r.below(64),
				      "slot past SA_SLOTS", S(NO_SA));
				break;
			case 2: {
				/* same SA, new outer header fields, state kept */
				p.sa.ttl = (uint8_t)(1 + r.below(255));
				p.sa.tun_dst = (uint32_t)r.next();
				sa_cmd(p.o, &p.sa, ESPFAB_SA_OP_UPDATE);
				break;
			}
			case 3:
				check_state(r.below(2) ? p.o : p.i, "mid-traffic");
				break;
			default:
				if (r.below(2))
					encap(p.o, pick_plen(), "encap", S(OK));
				else
					decap(p);
			}
		}
		check_irq("after traffic");
	}

	void phase_lifetime()
	{
		const uint32_t slot = 2 * N_XFORMS;
		espfab_sa_t sa = make_sa(kXforms[0]);
		sa.life_soft_kb = 1;
		sa.life_hard_kb = 2;
		irq_clear(0x3f);
		irq_enable(IRQ(HARD));
		sa_cmd(slot, &sa, ESPFAB_SA_OP_ADD);
		check_irq("lifetime SA added");
		bool soft = false, hard = false;
		for (unsigned n = 0; n < 16 && !hard; n++) {
			Job *j = encap(slot, 580, "lifetime: encap", S(OK));
			const uint8_t flags = j->exp.flags; /* j is freed once checked */
			settle();
			soft |= flags & (1u << ESPFAB_CPLFLAG_SOFT_EXPIRED);
			hard |= flags & (1u << ESPFAB_CPLFLAG_HARD_EXPIRED);
			if (soft)
				expect(exp_raw & IRQ(SOFT), IRQ(SOFT), "SOFT raised by a completion with SOFT_EXPIRED");
			check_irq(hard ? "hard lifetime reached" : soft ? "soft lifetime reached" : "lifetime SA");
		}
		if (!soft || !hard) {
			fail("lifetime SA: soft %d hard %d after 16 packets", soft, hard);
			return;
		}
		expect(ad.irq, 1, "irq_o with HARD pending and enabled");
		/* write 1 to clear: only HARD is enabled, so the line falls */
		irq_clear(IRQ(HARD));
		check_irq("HARD cleared");
		expect(ad.irq, 0, "irq_o after HARD was cleared");
		/* the next packet gets LIFETIME; its completion carries the flag again */
		encap(slot, 100, "lifetime: after hard", S(LIFETIME));
		check_irq("LIFETIME completion");
		expect(exp_raw & IRQ(HARD), IRQ(HARD), "HARD raised again by the LIFETIME completion");
		irq_clear(0x3f);
		check_irq("all cleared");
		check_state(slot, "hard-expired");
		/* delete and re-add: a fresh lifetime */
		sa_cmd(slot, nullptr, ESPFAB_SA_OP_DELETE);
		check_state(slot, "deleted");
		sa_cmd(slot, &sa, ESPFAB_SA_OP_ADD);
		encap(slot, 100, "lifetime: re-added", S(OK));
		check_irq("re-added");
		check_state(slot, "re-added");
	}

	void phase_refused()
	{
		const uint32_t slot = 2 * N_XFORMS + 1;
		irq_enable(IRQ(ERR) | IRQ(HARD));
		check_irq("refused: before");
		espfab_sa_t bad = make_sa(kXforms[1]);
		bad.cipher = 7;
		if (!sa_cmd(slot, &bad, ESPFAB_SA_OP_ADD))
			fail("an SA with cipher 7 was accepted");
		check_irq("refused SA");
		expect(exp_raw & IRQ(ERR), IRQ(ERR), "ERR raised by a refused SA");
		expect(ad.irq, 1, "irq_o with ERR pending and enabled");
		irq_clear(IRQ(ERR));
		check_irq("ERR cleared");
		espfab_sa_t good = make_sa(kXforms[2]);
		if (!sa_cmd(sa_slots, &good, ESPFAB_SA_OP_ADD))
			fail("ADD to slot SA_SLOTS (%u) was accepted", sa_slots);
		if (!sa_cmd(sa_slots + 3, &good, ESPFAB_SA_OP_UPDATE))
			fail("UPDATE of slot SA_SLOTS + 3 was accepted");
		check_irq("refused slots");
		irq_clear(IRQ(ERR));
		/* the last slot is a slot */
		if (sa_cmd(sa_slots - 1, &good, ESPFAB_SA_OP_ADD))
			fail("ADD to slot SA_SLOTS - 1 (%u) was refused", sa_slots - 1);
		encap(sa_slots - 1, 40, "last slot", S(OK));
		check_state(sa_slots - 1, "last slot");
		sa_cmd(sa_slots - 1, nullptr, ESPFAB_SA_OP_DELETE);
		/* the slot is still empty */
		encap(slot, 40, "refused slot: encap", S(NO_SA));
		check_state(slot, "after a refused ADD");
		/* unknown ops are ignored and flagged */
		for (uint32_t op : { 0u, 4u, 0x101u }) {
			wr(ESPFAB_CSR_SA_CMD, op);
			uint32_t s = rd(ESPFAB_CSR_SA_STATUS);
			expect(s & (SA_ST(WR_REJECTED) | SA_ST(WR_BUSY)), SA_ST(WR_REJECTED), "SA_CMD with an unknown op");
		}
		check_irq("unknown SA_CMD ops");
	}

	void phase_delete()
	{
		Pair &p = pairs[0];
		sa_cmd(p.o, nullptr, ESPFAB_SA_OP_DELETE);
		encap(p.o, r.below(200), "deleted outbound SA", S(NO_SA));
		decap(p); /* the inbound SA still works */
		sa_cmd(p.i, nullptr, ESPFAB_SA_OP_DELETE);
		h.submit(h.make_job(p.i, ESPFAB_OP_DECAP, gen.encap(r, p.i, ++p.seq, inner(60)), ESPFAB_MAX_FRAME,
				    "deleted inbound SA", S(NO_SA)));
		check_state(p.o, "deleted");
		check_state(p.i, "deleted");
		/* another pair keeps going */
		encap(pairs[1].o, 64, "after deletes", S(OK));
		decap(pairs[1]);
	}

	int phase_final()
	{
		settle();
		for (const Pair &p : pairs) {
			check_state(p.o, "final");
			check_state(p.i, "final");
		}
		check_irq("final");
		/* counters against the handshakes the adapter saw */
		expect(rd64(ESPFAB_CSR_CNT_SUBMIT_LO, ESPFAB_CSR_CNT_SUBMIT_HI), ad.n_req, "CNT_SUBMIT");
		expect(rd64(ESPFAB_CSR_CNT_CPL_LO, ESPFAB_CSR_CNT_CPL_HI), ad.n_cpl, "CNT_CPL");
		for (unsigned s = 0; s < ESPFAB_STATUS_SLOTS; s++) {
			char what[64];
			snprintf(what, sizeof what, "CNT_STATUS(%s)", espfab_status_name(s));
			expect(rd64(ESPFAB_CSR_CNT_STATUS(2 * s), ESPFAB_CSR_CNT_STATUS(2 * s + 1)), ad.n_status[s], what);
		}
		/* ... and the streams against the harness */
		expect(ad.n_req, h.next_id - 1, "requests accepted on the stream vs submitted");
		expect(ad.n_cpl, h.st.requests, "completions on the stream vs checked");
		expect(bus.protocol, 0, "AXI4-Lite responses without a request");
		expect(ad.sa_port_misuse, 0, "harness drove the engine's SA ports");
		std::string missing;
		for (unsigned s : { S(OK), S(AUTH), S(REPLAY), S(NO_SA), S(LIFETIME), S(BAD_REQUEST) })
			if (ad.n_status[s] == 0)
				missing += std::string(" ") + espfab_status_name(s);
		if (!missing.empty())
			fail("statuses never seen:%s", missing.c_str());

		const Stats &s = h.st;
		std::string counts;
		for (unsigned k = 0; k < ESPFAB_STATUS_SLOTS; k++)
			if (s.status[k]) {
				char t[48];
				snprintf(t, sizeof t, "%s%s=%llu", counts.empty() ? "" : " ", espfab_status_name(k),
					 (unsigned long long)s.status[k]);
				counts += t;
			}
		const uint64_t bad = fails + s.mismatches + s.protocol + s.gen_miss;
		printf("tb_esp_fabric PIPELINED=%d: %llu requests, %llu mismatches, %llu stream errors, %llu SA commands, "
		       "%llu state reads, %llu irq checks, %llu AXI4-Lite transfers, %llu/%llu checks failed, "
		       "%llu cycles, seed %#llx (%s)\n",
		       TB_PIPELINED, (unsigned long long)s.requests, (unsigned long long)s.mismatches,
		       (unsigned long long)s.protocol, (unsigned long long)sa_cmds, (unsigned long long)st_reads,
		       (unsigned long long)irq_checks, (unsigned long long)bus_ops, (unsigned long long)fails,
		       (unsigned long long)checks, (unsigned long long)h.cycle, (unsigned long long)opt.seed,
		       counts.c_str());
		return bad == 0 ? 0 : 1;
	}

	int run()
	{
		phase_ident();
		phase_traffic();
		phase_lifetime();
		phase_refused();
		phase_delete();
		return phase_final();
	}
};

int main(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if ((a == "--seed" || a == "--requests") && i + 1 < argc) {
			uint64_t v = strtoull(argv[++i], nullptr, 0);
			if (a == "--seed")
				o.seed = v;
			else
				o.requests = (unsigned)v;
		} else if (a == "--verbose" || a == "-v") {
			o.verbose = true;
		} else if (a.rfind("+verilator", 0) == 0) {
			continue;
		} else {
			fprintf(stderr, "usage: %s [--seed N] [--requests N] [--verbose]\n", argv[0]);
			return 2;
		}
	}
	Tb tb(o, argc, argv);
	return tb.run();
}
