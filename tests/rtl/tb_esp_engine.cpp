/*
 * tb_esp_engine — Verilator testbench of rtl/esp/esp_engine.v against the
 * golden model (hls/esp esp_top), docs/rtl-esp-engine.md.
 *
 * Every request goes through the engine's stream ports and, in the same
 * order, through esp_top on a mirror of the engine's SA table; the
 * completion record and every output byte must match, and SA state read
 * back through sa_rd must match the mirror's record byte for byte.
 *
 * Phases (fixed seed, --seed to change):
 *   smoke     one AES-128/SHA-1 tunnel pair, a few packets, state check.
 *   matrix    every cipher (DES, 3DES, AES-128/192/256) x auth (MD5, SHA-1) x
 *             mode (tunnel, transport, both with UDP encapsulation), in
 *             groups of 8 transforms.  Per transform an outbound SA "O", an
 *             inbound SA "A" fed with O's own output (in order, out of
 *             order, duplicated) and an inbound SA "B" fed with generated
 *             packets: authentic, mutated and crafted for every status
 *             (AUTH, REPLAY, WINDOW, PAD, LENGTH, NO_SA, PROTO, TOO_BIG,
 *             BAD_REQUEST); outbound negatives on O; every bad request is
 *             followed by a good one on the same SA that must pass.
 *             Random SA updates (keep_state), re-adds and deletes, random
 *             state reads, random back-pressure on m_cpl_ready_i and gaps on
 *             s_req_valid_i.  Per group: hard lifetime on an outbound and an
 *             inbound SA (LIFETIME, then delete and re-add), sequence
 *             overflow (see below), bursts of packets of one inbound SA in
 *             flight together (duplicates, reordering, window edges).
 *   final     drain, read every SA's state, check status coverage.
 *
 * SEQ_OVERFLOW: the only route through the engine's ports is an inbound SA
 * that accepted sequence 0xfffffffe, updated with keep_state into the same
 * SA with direction OUT (the driver refuses such an update, decision 6, but
 * the engine's sa_wr port has no such rule).  --no-dirflip skips it.
 *
 * Exit status 0 only if nothing differed; the last line is the summary.
 */
#include "esp_engine_harness.h"

#include <algorithm>

#ifndef TB_PIPELINED
#define TB_PIPELINED 1
#endif

#define S(x) ESPFAB_STATUS_##x

/* ---- the transform matrix ---------------------------------------------------- */

struct CipherCase {
	const char *name;
	uint8_t cipher, klen;
};
static const CipherCase kCiphers[] = {
	{ "des", ESPFAB_CIPHER_DES, 8 },      { "3des", ESPFAB_CIPHER_3DES, 24 },
	{ "aes128", ESPFAB_CIPHER_AES, 16 }, { "aes192", ESPFAB_CIPHER_AES, 24 },
	{ "aes256", ESPFAB_CIPHER_AES, 32 },
};
struct AuthCase {
	const char *name;
	uint8_t auth, klen;
};
static const AuthCase kAuths[] = { { "md5", ESPFAB_AUTH_MD5, 16 }, { "sha1", ESPFAB_AUTH_SHA1, 20 } };
struct ModeCase {
	const char *name;
	uint8_t mode, encap;
};
static const ModeCase kModes[] = {
	{ "tunnel", ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	{ "transport", ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE },
	{ "tunnel-udp", ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
	{ "transport-udp", ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP },
};
enum { N_CIPHERS = 5, N_AUTHS = 2, N_MODES = 4, N_COMBOS = N_CIPHERS * N_AUTHS * N_MODES, GROUP = 8 };

struct Combo {
	const CipherCase *c;
	const AuthCase *a;
	const ModeCase *m;
	std::string name;
};

/* ---- options ------------------------------------------------------------------- */

struct Options {
	uint64_t seed = 0x7e5f00d5ull;
	uint64_t requests = 8000;
	bool dirflip = true;
	bool edge = true;
	bool verbose = false;
	unsigned max_report = 20;
};

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--seed N] [--requests N] [--no-dirflip] [--no-edge] [--verbose] [--max-report N]\n"
		"  --requests    requests in the matrix phase (default %llu for PIPELINED=%d)\n"
		"  --no-dirflip  skip the inbound->outbound keep_state update (SEQ_OVERFLOW is also reached\n"
		"                through the state-load hook)\n"
		"  --no-edge     skip SA records outside the driver's domain (odd enum values, key lengths)\n",
		argv0, (unsigned long long)Options().requests, TB_PIPELINED);
}

/* ---- testbench state ---------------------------------------------------------- */

struct Pkt {
	std::vector<uint8_t> esp;   /* encapsulated packet */
	std::vector<uint8_t> inner; /* what decap restores (T bytes) */
	uint32_t seq;
};

struct Pair {
	Combo co;
	uint32_t o, a, b; /* slots */
	espfab_sa_t sa;	  /* the transform (dir OUT); A and B are copies with dir IN */
	uint16_t win_a, win_b;
	std::deque<Pkt> pool_a;	   /* O's output not yet fed to A */
	std::deque<Pkt> recent_a;  /* fed to A (replays) */
	std::deque<Pkt> recent_b;  /* accepted by B (replays) */
};

class Tb {
      public:
	Options opt;
	Harness h;
	Gen gen;
	Rng r;
	std::vector<Combo> combos;
	std::vector<Pair> pairs;
	uint64_t cat_count[ESPFAB_STATUS_SLOTS] = {};
	std::vector<int> slot_tag = std::vector<int>(ESPFAB_SA_SLOTS_MAX, -1); /* combo * 2 + (inbound) */
	uint64_t tag_ok[N_COMBOS * 2] = {}, tag_all[N_COMBOS * 2] = {};

	static void on_done(void *arg, const Job &j)
	{
		Tb *t = (Tb *)arg;
		if (j.tag < 0)
			return;
		t->tag_all[j.tag]++;
		t->tag_ok[j.tag] += j.exp.status == ESPFAB_STATUS_OK;
	}
	unsigned slot_l_out, slot_l_in, slot_f, slot_empty, slot_extra;

	Tb(const Options &o, int argc, char **argv) : opt(o), h(o.seed, argc, argv), r(o.seed)
	{
		h.verbose = o.verbose;
		h.on_done = on_done;
		h.on_done_arg = this;
		h.max_report = o.max_report;
		h.hang_cycles = TB_PIPELINED ? 200000 : 2000000;
		for (const auto &c : kCiphers)
			for (const auto &a : kAuths)
				for (const auto &m : kModes)
					combos.push_back(Combo{ &c, &a, &m,
								std::string(c.name) + "-" + a.name + "-" + m.name });
		/* slots: 3 per pair (8 pairs), then lifetime, dirflip, an empty one */
		slot_l_out = 3 * GROUP;
		slot_l_in = slot_l_out + 1;
		slot_f = slot_l_out + 2;
		slot_extra = slot_l_out + 3;
		slot_empty = 0; /* SA_SLOTS - 1, once known */
	}

	/* ---- random SAs and packets -------------------------------------------------- */

	espfab_sa_t rand_sa(const Combo &co)
	{
		static const uint16_t windows[] = { 0, 32, 64, 64, 96, 128, 256, 1024, 1024 };
		espfab_sa_t s;
		memset(&s, 0, sizeof s);
		s.spi = (uint32_t)r.next() | 0x100;
		s.valid = 1;
		s.dir = ESPFAB_DIR_OUT;
		s.mode = co.m->mode;
		s.encap = co.m->encap;
		s.cipher = co.c->cipher;
		s.enc_key_len = co.c->klen;
		s.auth = co.a->auth;
		s.auth_key_len = co.a->klen;
		r.bytes(s.enc_key, s.enc_key_len);
		r.bytes(s.auth_key, s.auth_key_len);
		s.ttl = (uint8_t)(r.below(3) ? 0 : r.next());
		s.tun_src = (uint32_t)r.next();
		s.tun_dst = (uint32_t)r.next();
		s.sport = (uint16_t)(r.below(2) ? ESPFAB_UDP_ENCAP_PORT : r.next());
		s.dport = (uint16_t)(r.below(2) ? ESPFAB_UDP_ENCAP_PORT : r.next());
		s.replay_window = windows[r.below(sizeof windows / sizeof windows[0])];
		return s;
	}

	unsigned pick_plen()
	{
		static const uint16_t edges[] = { 0,  1,  2,  3,  5,  6,  7,  8,  13, 14, 15, 16,  17,  30,   31,   32,
						  33, 46, 47, 48, 49, 62, 63, 64, 65, 94, 95, 126, 127, 1398, 1400, 1500 };
		/* weighted to small packets (simulation time), all of 0..1500 covered */
		switch (r.below(40)) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			return edges[r.below(sizeof edges / sizeof edges[0])];
		case 6: case 7: case 8: case 9: case 10: case 11: case 12: case 13:
			return r.below(1501);
		case 14:
			return 1501 + r.below(500); /* near MAX_FRAME: some outputs are TOO_BIG */
		case 15: case 16: case 17: case 18:
			return r.below(400);
		default:
			return r.below(129);
		}
	}

	std::vector<uint8_t> inner(unsigned plen, bool allow_pad = true)
	{
		unsigned hl = r.below(5) == 0 ? 20 + 4 * (1 + r.below(10)) : 20;
		unsigned extra = allow_pad && r.below(10) == 0 ? 1 + r.below(16) : 0;
		if (hl + plen + extra > ESPFAB_MAX_FRAME)
			plen = ESPFAB_MAX_FRAME - hl - extra;
		return make_ipv4(r, hl, plen, extra);
	}

	/* in_len > MAX_FRAME: mostly just above, sometimes near 64 KiB */
	unsigned big_len() { return r.below(10) ? ESPFAB_MAX_FRAME + 1 + r.below(200) : 65535 - r.below(4000); }

	static unsigned ip_tot(const std::vector<uint8_t> &p) { return rd16(&p[2]); }
	static unsigned ip_hl(const std::vector<uint8_t> &p) { return (p[0] & 15u) * 4; }

	/* Output length of an encapsulation of inner packet p under sa. */
	static unsigned encap_len(const espfab_sa_t &sa, const std::vector<uint8_t> &p)
	{
		unsigned B = cipher_block(sa.cipher), T = ip_tot(p), H = ip_hl(p);
		bool tr = sa.mode == ESPFAB_MODE_TRANSPORT;
		unsigned plen = tr ? T - H : T;
		unsigned clen = plen + 2 + (B - (plen + 2) % B) % B;
		return (tr ? H : 20) + (sa.encap == ESPFAB_ENCAP_UDP ? 8 : 0) + 8 + B + clen + ESPFAB_ICV_LEN;
	}

	Job *submit(Job *j)
	{
		if (j->intent >= 0)
			cat_count[j->intent]++;
		if (j->req.slot < ESPFAB_SA_SLOTS_MAX)
			j->tag = slot_tag[j->req.slot];
		return h.submit(j);
	}

	/* ---- SA programming ---------------------------------------------------------- */

	void program_pair(Pair &p, bool keep)
	{
		espfab_sa_t o = p.sa, a = p.sa, b = p.sa;
		a.dir = b.dir = ESPFAB_DIR_IN;
		a.replay_window = p.win_a;
		b.replay_window = p.win_b;
		a.life_hard_kb = b.life_hard_kb = o.life_hard_kb = 0;
		h.sa_write(p.o, &o, keep, false);
		h.sa_write(p.a, &a, keep, false);
		h.sa_write(p.b, &b, keep, false);
		int ci = (int)(std::find_if(combos.begin(), combos.end(),
					    [&](const Combo &c) { return c.name == p.co.name; }) -
			       combos.begin());
		if (ci < N_COMBOS) {
			slot_tag[p.o] = 2 * ci;
			slot_tag[p.a] = slot_tag[p.b] = 2 * ci + 1;
		}
		gen.bind(p.b, p.sa);
		gen.bind(p.a, p.sa);
	}

	void new_pair_sa(Pair &p)
	{
		p.sa = rand_sa(p.co);
		p.sa.life_soft_kb = r.below(3) == 0 ? 4 + r.below(64) : 0;
		p.win_a = p.sa.replay_window;
		p.win_b = rand_sa(p.co).replay_window;
		p.pool_a.clear();
		p.recent_a.clear();
		p.recent_b.clear();
	}

	/* ---- outbound on O ------------------------------------------------------------- */

	/* A good encapsulation; its output goes to A's pool. */
	void encap_good(Pair &p, const char *what = "encap")
	{
		std::vector<uint8_t> in = inner(pick_plen());
		unsigned need = encap_len(p.sa, in);
		unsigned cap = ESPFAB_MAX_FRAME;
		switch (r.below(10)) {
		case 0: cap = need; break;
		case 1: cap = 0xffff; break;
		case 2: cap = need + r.below(100); break;
		}
		int intent = need <= ESPFAB_MAX_FRAME && need <= cap ? S(OK) : S(TOO_BIG);
		if (h.mirror.st[p.o].hard_expired)
			intent = S(LIFETIME);
		Job *j = submit(h.make_job(p.o, ESPFAB_OP_ENCAP, in, cap, what, intent));
		if (j->exp.status == S(OK)) {
			Pkt k;
			k.esp = j->exp_out;
			k.inner.assign(in.begin(), in.begin() + ip_tot(in));
			k.seq = j->exp.seq;
			p.pool_a.push_back(std::move(k));
			if (p.pool_a.size() > 48)
				p.pool_a.pop_front();
		}
	}

	/* One outbound negative, then a good packet. */
	void encap_negative(Pair &p)
	{
		std::vector<uint8_t> in = inner(r.below(400), false);
		unsigned cap = ESPFAB_MAX_FRAME;
		uint8_t op = ESPFAB_OP_ENCAP;
		int intent;
		const char *what;
		switch (r.below(12)) {
		case 0:
			in.resize(r.below(20));
			what = "encap: in_len < 20", intent = S(LENGTH);
			break;
		case 1:
			in[0] = (uint8_t)((r.range(0, 15) << 4) | (in[0] & 15));
			if ((in[0] >> 4) == 4)
				in[0] ^= 0x80;
			what = "encap: IP version", intent = S(PROTO);
			break;
		case 2:
			in[0] = (uint8_t)(0x40 | r.below(5));
			what = "encap: IHL < 5", intent = S(LENGTH);
			break;
		case 3:
			in.resize(ip_tot(in) - 1 - r.below(ip_tot(in) - 20));
			what = "encap: truncated (total length > in_len)", intent = S(LENGTH);
			break;
		case 4:
			if (ip_hl(in) == 20) { /* need options to have H > 20 */
				in = make_ipv4(r, 24 + 4 * r.below(9), r.below(100));
			}
			wr16(&in[2], 20 + r.below(ip_hl(in) - 20));
			ip_fix_checksum(in.data());
			what = "encap: total length < IHL*4", intent = S(LENGTH);
			break;
		case 5:
			cap = r.below(encap_len(p.sa, in));
			what = "encap: out_cap too small", intent = S(TOO_BIG);
			break;
		case 6:
			in = make_ipv4(r, 20, 2000 + r.below(29));
			cap = 0xffff;
			what = "encap: output > MAX_FRAME", intent = S(TOO_BIG);
			break;
		case 7:
			in.resize(big_len());
			what = "encap: in_len > MAX_FRAME", intent = S(TOO_BIG);
			break;
		case 8:
			op = ESPFAB_OP_DECAP;
			what = "encap SA, op DECAP", intent = S(BAD_REQUEST);
			break;
		case 9:
			op = (uint8_t)r.range(2, 255);
			what = "encap SA, unknown op", intent = S(BAD_REQUEST);
			break;
		case 10:
			in = inner(r.below(300), false);
			{
				unsigned extra = 1 + r.below(40);
				for (unsigned i = 0; i < extra; i++)
					in.push_back((uint8_t)r.next());
			}
			what = "encap: link padding", intent = S(OK);
			break;
		default:
			cap = encap_len(p.sa, in);
			what = "encap: out_cap exact", intent = S(OK);
			break;
		}
		if (h.mirror.st[p.o].hard_expired && intent != S(BAD_REQUEST) &&
		    !(intent == S(TOO_BIG) && in.size() > ESPFAB_MAX_FRAME))
			intent = S(LIFETIME);
		submit(h.make_job(p.o, op, in, cap, what, intent));
		encap_good(p, "encap after a bad request");
	}

	/* ---- inbound on A (O's own packets) ------------------------------------------ */

	void decap_a(Pair &p)
	{
		if (p.pool_a.empty())
			encap_good(p);
		if (p.pool_a.empty())
			return;
		Pkt k;
		unsigned pick = r.below(20);
		if (pick < 14 || p.pool_a.size() == 1) { /* in order */
			k = p.pool_a.front();
			p.pool_a.pop_front();
		} else if (pick < 17) { /* out of order */
			unsigned i = 1 + r.below((unsigned)p.pool_a.size() - 1);
			k = p.pool_a[i];
			p.pool_a.erase(p.pool_a.begin() + i);
		} else if (!p.recent_a.empty()) { /* again: REPLAY, WINDOW or (window 0) OK */
			k = p.recent_a[r.below((unsigned)p.recent_a.size())];
		} else {
			k = p.pool_a.front();
			p.pool_a.pop_front();
		}
		unsigned cap = ESPFAB_MAX_FRAME;
		switch (r.below(12)) {
		case 0: cap = (unsigned)k.inner.size(); break;
		case 1: cap = r.below((unsigned)k.inner.size()); break;
		case 2: cap = 0xffff; break;
		}
		submit(h.make_job(p.a, ESPFAB_OP_DECAP, k.esp, cap, "decap (O's output)"));
		p.recent_a.push_back(k);
		if (p.recent_a.size() > 16)
			p.recent_a.pop_front();
	}

	/* ---- inbound on B (generated) ---------------------------------------------- */

	uint32_t fresh_seq(const Pair &p)
	{
		uint32_t top = h.mirror.st[p.b].seq;
		uint32_t s = top + 1 + (r.below(4) ? 0 : r.below(r.below(8) ? 40 : 3000));
		return s < top ? top + 1 : s;
	}

	unsigned esp_off(const Pair &p, const std::vector<uint8_t> &pkt) const
	{
		return ip_hl(pkt) + (p.sa.encap == ESPFAB_ENCAP_UDP ? 8 : 0);
	}

	/* An authentic packet for B with sequence number seq; *orig gets the inner. */
	std::vector<uint8_t> b_packet(Pair &p, uint32_t seq, std::vector<uint8_t> *orig = nullptr, unsigned plen = ~0u)
	{
		std::vector<uint8_t> in = inner(plen == ~0u ? (r.below(2) ? r.below(200) : pick_plen()) : plen, false);
		if (encap_len(p.sa, in) > ESPFAB_MAX_FRAME)
			in = inner(r.below(600), false);
		if (orig)
			*orig = in;
		return gen.encap(r, p.b, seq, in);
	}

	void decap_b_good(Pair &p, const char *what)
	{
		std::vector<uint8_t> in;
		uint32_t seq = fresh_seq(p);
		std::vector<uint8_t> pkt = b_packet(p, seq, &in);
		Job *j = submit(h.make_job(p.b, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, what, S(OK)));
		if (j->exp.status == S(OK)) {
			Pkt k{ pkt, in, seq };
			p.recent_b.push_back(k);
			if (p.recent_b.size() > 8)
				p.recent_b.pop_front();
		}
	}

	/* Plaintext payload | 1..pad | pad | nh with extra_blocks more blocks. */
	std::vector<uint8_t> plain(const Pair &p, const uint8_t *payload, unsigned plen, uint8_t nh, unsigned extra_blocks)
	{
		unsigned B = cipher_block(p.sa.cipher);
		unsigned pad = (B - (plen + 2) % B) % B + extra_blocks * B;
		std::vector<uint8_t> pt(payload, payload + plen);
		for (unsigned i = 0; i < pad; i++)
			pt.push_back((uint8_t)(i + 1));
		pt.push_back((uint8_t)pad);
		pt.push_back(nh);
		return pt;
	}

	/* A packet with a valid ICV around plaintext pt. */
	std::vector<uint8_t> b_wrap(Pair &p, const std::vector<uint8_t> &in, uint32_t seq, const std::vector<uint8_t> &pt)
	{
		uint8_t hdr[60];
		unsigned hl;
		if (p.sa.mode == ESPFAB_MODE_TUNNEL) {
			memset(hdr, 0, 20);
			hdr[0] = 0x45;
			hdr[8] = 64;
			wr32(hdr + 12, p.sa.tun_src);
			wr32(hdr + 16, p.sa.tun_dst);
			hl = 20;
		} else {
			hl = ip_hl(in);
			memcpy(hdr, in.data(), hl);
		}
		return gen.wrap(r, p.b, hdr, hl, seq, pt.data(), (unsigned)pt.size());
	}

	void decap_b_negative(Pair &p)
	{
		const bool udp = p.sa.encap == ESPFAB_ENCAP_UDP;
		const bool tunnel = p.sa.mode == ESPFAB_MODE_TUNNEL;
		const unsigned B = cipher_block(p.sa.cipher);
		const uint32_t top = h.mirror.st[p.b].seq;
		const unsigned W = p.win_b;
		std::vector<uint8_t> in, pkt;
		unsigned cap = ESPFAB_MAX_FRAME;
		uint8_t op = ESPFAB_OP_DECAP;
		int intent = -1;
		const char *what = "?";
		uint32_t seq = fresh_seq(p);
		unsigned kind = r.below(24);
		switch (kind) {
		case 0: case 1: { /* a bit anywhere in IV, ciphertext or ICV */
			pkt = b_packet(p, seq);
			unsigned e = esp_off(p, pkt);
			pkt[e + 8 + r.below((unsigned)pkt.size() - e - 8)] ^= (uint8_t)(1u << r.below(8));
			what = "decap: flipped bit after the ESP header", intent = S(AUTH);
			break;
		}
		case 2: { /* a bit of the ICV */
			pkt = b_packet(p, seq);
			pkt[pkt.size() - 1 - r.below(ESPFAB_ICV_LEN)] ^= (uint8_t)(1u << r.below(8));
			what = "decap: flipped ICV bit", intent = S(AUTH);
			break;
		}
		case 3: /* replay of an accepted packet */
			if (p.recent_b.empty()) {
				pkt = b_packet(p, 1 + r.below(top ? top : 1));
				what = "decap: old sequence number";
			} else {
				const Pkt &k = p.recent_b[r.below((unsigned)p.recent_b.size())];
				pkt = k.esp;
				what = "decap: replayed packet";
				if (W != 0 && top - k.seq < W)
					intent = S(REPLAY);
				else if (W != 0)
					intent = S(WINDOW);
				else
					intent = S(OK);
			}
			break;
		case 4: /* sequence number 0 */
			pkt = b_packet(p, 1);
			wr32(&pkt[esp_off(p, pkt) + 4], 0);
			what = "decap: sequence 0", intent = S(WINDOW);
			break;
		case 5: /* left of the window */
			if (W != 0 && top > W) {
				uint32_t s = top - W - r.below(std::min<uint32_t>(top - W, 5));
				pkt = b_packet(p, s);
				what = "decap: left of the window", intent = S(WINDOW);
			} else {
				pkt = b_packet(p, top >= 1 && W != 0 ? top - r.below(std::min<uint32_t>(top, W)) : seq);
				what = "decap: inside the window";
			}
			break;
		case 6: case 7: { /* bad pad byte or pad length, authentic */
			std::vector<uint8_t> orig = inner(r.below(300), false);
			unsigned hl = ip_hl(orig), T = ip_tot(orig);
			const uint8_t *payload = tunnel ? orig.data() : orig.data() + hl;
			unsigned plen = tunnel ? T : T - hl;
			uint8_t nh = tunnel ? 4 : orig[9];
			unsigned extra = (B - (plen + 2) % B) % B == 0 ? 1 : r.below(3);
			std::vector<uint8_t> pt = plain(p, payload, plen, nh, extra);
			unsigned pad = pt[pt.size() - 2];
			if (kind == 6) {
				pt[plen + r.below(pad)] ^= (uint8_t)(1 + r.below(255));
				what = "decap: bad pad byte (valid ICV)";
			} else {
				unsigned L = (unsigned)pt.size();
				pt[L - 2] = (uint8_t)(L - 1 <= 255 ? L - 1 + r.below(256 - (L - 1)) : pad + B);
				what = "decap: pad length too long (valid ICV)";
				if (pt[L - 2] + 2u <= L) { /* claims more pad than 1..p: bad pad bytes */
					bool ok = true;
					for (unsigned i = 0; i < pt[L - 2]; i++)
						ok &= pt[L - 2 - pt[L - 2] + i] == (uint8_t)(i + 1);
					if (ok)
						what = "decap: pad length (valid ICV, accidentally good)";
				}
			}
			pkt = b_wrap(p, orig, seq, pt);
			intent = strstr(what, "accidentally") ? -1 : S(PAD);
			break;
		}
		case 8: { /* cut short, headers unchanged */
			pkt = b_packet(p, seq);
			pkt.resize(r.below((unsigned)pkt.size()));
			what = "decap: truncated", intent = S(LENGTH);
			break;
		}
		case 9: { /* cut short with consistent lengths, ESP length not a block multiple */
			pkt = b_packet(p, seq);
			unsigned hl = ip_hl(pkt);
			unsigned n = (unsigned)pkt.size() - 1 - r.below(B - 1);
			pkt.resize(n);
			wr16(&pkt[2], n);
			ip_fix_checksum(pkt.data());
			if (udp)
				wr16(&pkt[hl + 4], n - hl);
			what = "decap: ESP length not a block multiple", intent = S(LENGTH);
			break;
		}
		case 10: { /* too short for header, IV, one block and ICV */
			pkt = b_packet(p, seq, nullptr, 0);
			unsigned hl = ip_hl(pkt), e = esp_off(p, pkt);
			unsigned n = e + r.below(8 + 2 * B + ESPFAB_ICV_LEN);
			pkt.resize(n);
			wr16(&pkt[2], n);
			ip_fix_checksum(pkt.data());
			if (udp && n >= hl + 8)
				wr16(&pkt[hl + 4], n - hl);
			what = "decap: ESP too short", intent = S(LENGTH);
			break;
		}
		case 11: /* UDP length or IHL */
			pkt = b_packet(p, seq);
			if (udp) {
				unsigned hl = ip_hl(pkt);
				wr16(&pkt[hl + 4], rd16(&pkt[hl + 4]) + 1 + r.below(65535));
				what = "decap: UDP length", intent = S(LENGTH);
			} else {
				pkt[0] = (uint8_t)(0x40 | r.below(5));
				what = "decap: IHL < 5", intent = S(LENGTH);
			}
			break;
		case 12: /* wrong SPI */
			pkt = b_packet(p, seq);
			pkt[esp_off(p, pkt) + r.below(4)] ^= (uint8_t)(1u << r.below(8));
			what = "decap: wrong SPI", intent = S(NO_SA);
			break;
		case 13: /* IP version */
			pkt = b_packet(p, seq);
			pkt[0] = (uint8_t)(((4 + r.range(1, 15)) % 16) << 4 | (pkt[0] & 15));
			what = "decap: IP version", intent = S(PROTO);
			break;
		case 14: /* IP protocol */
			pkt = b_packet(p, seq);
			do
				pkt[9] = (uint8_t)r.next();
			while (pkt[9] == (udp ? 17 : 50));
			what = "decap: IP protocol", intent = S(PROTO);
			break;
		case 15: { /* UDP: non-ESP marker; tunnel: next header or inner header */
			if (udp && r.below(2)) {
				pkt = b_packet(p, seq);
				memset(&pkt[ip_hl(pkt) + 8], 0, 4);
				what = "decap: non-ESP marker", intent = S(PROTO);
				break;
			}
			std::vector<uint8_t> orig = inner(r.below(300), false);
			unsigned hl = ip_hl(orig), T = ip_tot(orig);
			if (!tunnel) { /* transport takes any next header */
				std::vector<uint8_t> pt = plain(p, orig.data() + hl, T - hl, (uint8_t)r.next(), r.below(3));
				pkt = b_wrap(p, orig, seq, pt);
				what = "decap: transport, any next header", intent = S(OK);
				break;
			}
			std::vector<uint8_t> pt = plain(p, orig.data(), T, 4, r.below(3));
			switch (r.below(5)) {
			case 0:
				do
					pt[pt.size() - 1] = (uint8_t)r.next();
				while (pt[pt.size() - 1] == 4);
				what = "decap: tunnel, next header not 4";
				break;
			case 1:
				pt[0] = (uint8_t)(0x60 | (pt[0] & 15));
				what = "decap: tunnel, inner version";
				break;
			case 2:
				pt[0] = (uint8_t)(0x40 | r.below(5));
				what = "decap: tunnel, inner IHL";
				break;
			case 3:
				wr16(&pt[2], T + 1 + r.below(100));
				what = "decap: tunnel, inner total length > payload";
				break;
			default:
				pt = plain(p, orig.data(), r.below(20), 4, r.below(3));
				what = "decap: tunnel, payload < 20 bytes";
				break;
			}
			pkt = b_wrap(p, orig, seq, pt);
			intent = S(PROTO);
			break;
		}
		case 16: { /* output buffer too small (the window still moves) */
			std::vector<uint8_t> orig;
			pkt = b_packet(p, seq, &orig);
			cap = r.below(ip_tot(orig));
			what = "decap: out_cap too small", intent = S(TOO_BIG);
			break;
		}
		case 17:
			pkt = b_packet(p, seq);
			op = ESPFAB_OP_ENCAP;
			what = "decap SA, op ENCAP", intent = S(BAD_REQUEST);
			break;
		case 18:
			pkt = b_packet(p, seq);
			op = (uint8_t)r.range(2, 255);
			what = "decap SA, unknown op", intent = S(BAD_REQUEST);
			break;
		case 19:
			pkt.resize(big_len());
			r.bytes(pkt.data(), pkt.size());
			what = "decap: in_len > MAX_FRAME", intent = S(TOO_BIG);
			break;
		case 20: /* link padding: fine */
			pkt = b_packet(p, seq);
			for (unsigned i = 1 + r.below(30); i > 0; i--)
				pkt.push_back((uint8_t)r.next());
			what = "decap: link padding", intent = S(OK);
			break;
		case 21: { /* more padding than needed, or TFC padding after the inner packet */
			std::vector<uint8_t> orig = inner(r.below(300), false);
			unsigned hl = ip_hl(orig), T = ip_tot(orig);
			if (tunnel && r.below(2)) {
				std::vector<uint8_t> body = orig;
				for (unsigned i = 1 + r.below(40); i > 0; i--)
					body.push_back((uint8_t)r.next());
				pkt = b_wrap(p, orig, seq, plain(p, body.data(), (unsigned)body.size(), 4, 0));
				what = "decap: tunnel, TFC padding";
			} else {
				std::vector<uint8_t> pt = tunnel ? plain(p, orig.data(), T, 4, 1 + r.below((255 - B) / B))
								 : plain(p, orig.data() + hl, T - hl, orig[9],
									 1 + r.below((255 - B) / B));
				pkt = b_wrap(p, orig, seq, pt);
				what = "decap: long padding";
			}
			intent = S(OK);
			break;
		}
		case 22:
			pkt = b_packet(p, seq);
			pkt.resize(r.below(20));
			what = "decap: in_len < 20", intent = S(LENGTH);
			break;
		default: { /* exact out_cap */
			std::vector<uint8_t> orig;
			pkt = b_packet(p, seq, &orig);
			cap = ip_tot(orig);
			what = "decap: out_cap exact", intent = S(OK);
			break;
		}
		}
		submit(h.make_job(p.b, op, pkt, cap, what, intent));
		decap_b_good(p, "decap after a bad request");
	}

	/* ---- other slots ------------------------------------------------------------- */

	void no_sa(Pair &p)
	{
		static const uint32_t far[] = { 1023, 1024, 4096, 0x10000, 0x7fffffff, 0xffffffff };
		uint32_t slot;
		switch (r.below(3)) {
		case 0: slot = slot_empty; break;
		case 1: slot = h.sa_slots + r.below(ESPFAB_SA_SLOTS_MAX + 1 - h.sa_slots); break;
		default: slot = far[r.below(6)]; break;
		}
		std::vector<uint8_t> pkt = b_packet(p, fresh_seq(p));
		uint8_t op = (uint8_t)(r.below(3) ? r.below(2) : r.next());
		submit(h.make_job(slot, op, pkt, ESPFAB_MAX_FRAME, "empty or out-of-range slot", S(NO_SA)));
		if (r.below(2))
			decap_b_good(p, "decap after NO_SA");
		else
			encap_good(p, "encap after NO_SA");
	}

	/* An update of a pair with keep_state: new keys on all three (A's pool
	 * is dropped), or new endpoints/ports/ttl/lifetimes/windows. */
	void update_pair(Pair &p)
	{
		if (r.below(3) == 0) {
			r.bytes(p.sa.enc_key, p.sa.enc_key_len);
			r.bytes(p.sa.auth_key, p.sa.auth_key_len);
			p.pool_a.clear();
			p.recent_a.clear();
			p.recent_b.clear();
		}
		espfab_sa_t x = rand_sa(p.co);
		p.sa.ttl = x.ttl;
		p.sa.tun_src = x.tun_src;
		p.sa.tun_dst = x.tun_dst;
		p.sa.sport = x.sport;
		p.sa.dport = x.dport;
		p.sa.life_soft_kb = r.below(2) ? 1 + r.below(64) : 0;
		if (r.below(2))
			p.win_a = x.replay_window;
		if (r.below(2))
			p.win_b = rand_sa(p.co).replay_window;
		program_pair(p, true);
		h.check_state(p.o, "after update");
		encap_good(p, "encap after update");
		decap_b_good(p, "decap after update");
	}

	/* Delete the pair's SAs, show NO_SA and zero state, add it fresh. */
	void recycle_pair(Pair &p)
	{
		bool del = r.below(2);
		if (del) {
			for (uint32_t s : { p.o, p.a, p.b })
				h.sa_write(s, nullptr, false, true);
			submit(h.make_job(p.o, ESPFAB_OP_ENCAP, inner(r.below(200)), ESPFAB_MAX_FRAME, "deleted SA",
					  S(NO_SA)));
			submit(h.make_job(p.b, ESPFAB_OP_DECAP, b_packet(p, fresh_seq(p)), ESPFAB_MAX_FRAME,
					  "deleted SA", S(NO_SA)));
			h.check_state(p.b, "after delete");
		}
		new_pair_sa(p);
		program_pair(p, false); /* add over an existing SA resets its state */
		h.check_state(p.a, del ? "after delete and add" : "after add over an SA");
		encap_good(p, "encap after add");
		decap_b_good(p, "decap after add");
	}

	/* Several packets of B (and others) back to back, completions held. */
	void burst(std::vector<Pair> &ps)
	{
		Pair &p = ps[r.below((unsigned)ps.size())];
		const uint32_t top = h.mirror.st[p.b].seq;
		const unsigned W = p.win_b;
		double keep_ready = h.p_ready;
		h.p_ready = 0.02;
		std::vector<uint32_t> seqs;
		uint32_t t = top;
		switch (r.below(4)) {
		case 0: /* duplicates in flight */
			seqs = { t + 5, t + 5, t + 3, t + 5, t + 3 };
			break;
		case 1: /* reordering in flight */
			seqs = { t + 4, t + 2, t + 3, t + 1, t + 2, t + 6, t + 5 };
			break;
		case 2: /* the window edge moves under packets in flight */
			seqs = { t + 1, t + W + 3, t + 2, t + 3, t + W + 2, t + 4 };
			break;
		default: /* a jump clears the window, then old ones */
			seqs = { t + 1, t + 2000, t + 2, t + 1001, t + 1000, t + 2000 - W, t + 2001 - W };
			break;
		}
		std::vector<Pkt> made;
		for (uint32_t s : seqs) {
			if (s == 0 || s < top)
				continue;
			bool dup = false;
			for (const Pkt &k : made)
				if (k.seq == s) {
					submit(h.make_job(p.b, ESPFAB_OP_DECAP, k.esp, ESPFAB_MAX_FRAME, "burst: duplicate"));
					dup = true;
					break;
				}
			if (dup)
				continue;
			std::vector<uint8_t> in;
			std::vector<uint8_t> pkt = b_packet(p, s, &in, r.below(200));
			made.push_back(Pkt{ pkt, in, s });
			submit(h.make_job(p.b, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "burst: same SA in flight"));
			if (r.below(3) == 0) { /* another SA interleaved */
				Pair &q = ps[r.below((unsigned)ps.size())];
				if (r.below(2))
					encap_good(q, "burst: other SA");
				else
					decap_a(q);
			}
		}
		/* the same A packet twice in a row */
		if (!p.pool_a.empty()) {
			Pkt k = p.pool_a.front();
			p.pool_a.pop_front();
			submit(h.make_job(p.a, ESPFAB_OP_DECAP, k.esp, ESPFAB_MAX_FRAME, "burst: A duplicate 1"));
			submit(h.make_job(p.a, ESPFAB_OP_DECAP, k.esp, ESPFAB_MAX_FRAME, "burst: A duplicate 2"));
		}
		for (unsigned i = 0; i < 150; i++)
			h.tick();
		h.p_ready = keep_ready;
		decap_b_good(p, "decap after a burst");
	}

	/* ---- per-group specials ---------------------------------------------------------- */

	/* Hard lifetime on an outbound and an inbound SA; then delete and re-add. */
	void lifetimes(const Combo &co)
	{
		espfab_sa_t o = rand_sa(co), in = o;
		o.life_soft_kb = 1;
		o.life_hard_kb = 2 + r.below(2);
		in.dir = ESPFAB_DIR_IN;
		in.life_soft_kb = r.below(2);
		in.life_hard_kb = 2 + r.below(2);
		h.sa_write(slot_l_out, &o, false, false);
		h.sa_write(slot_l_in, &in, false, false);
		gen.bind(slot_l_in, o);
		Pair &other = pairs[r.below((unsigned)pairs.size())];
		/* outbound until refused twice */
		unsigned refused = 0;
		for (unsigned n = 0; n < 60 && refused < 2; n++) {
			Job *j = submit(h.make_job(slot_l_out, ESPFAB_OP_ENCAP, inner(200 + r.below(600), false),
						   ESPFAB_MAX_FRAME, "lifetime: outbound"));
			refused += j->exp.status == S(LIFETIME);
		}
		if (refused < 2)
			fprintf(stderr, "note: outbound lifetime never reached\n");
		encap_good(other, "encap after LIFETIME elsewhere");
		/* inbound until refused twice */
		refused = 0;
		for (uint32_t seq = 1; seq < 60 && refused < 2; seq++) {
			std::vector<uint8_t> pkt = gen.encap(r, slot_l_in, seq, inner(200 + r.below(600), false));
			Job *j = submit(h.make_job(slot_l_in, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "lifetime: inbound"));
			refused += j->exp.status == S(LIFETIME);
		}
		if (refused < 2)
			fprintf(stderr, "note: inbound lifetime never reached\n");
		/* a request with in_len > MAX_FRAME on an expired SA: TOO_BIG comes first */
		std::vector<uint8_t> big(ESPFAB_MAX_FRAME + 1 + r.below(100));
		submit(h.make_job(slot_l_in, ESPFAB_OP_DECAP, big, ESPFAB_MAX_FRAME, "expired SA, in_len > MAX_FRAME",
				  S(TOO_BIG)));
		decap_b_good(other, "decap after LIFETIME elsewhere");
		h.check_state(slot_l_out, "after LIFETIME");
		h.check_state(slot_l_in, "after LIFETIME");
		/* an update keeps the expiry; delete and add clears it */
		o.life_hard_kb = 1000;
		h.sa_write(slot_l_out, &o, true, false);
		submit(h.make_job(slot_l_out, ESPFAB_OP_ENCAP, inner(100), ESPFAB_MAX_FRAME, "expired SA after update",
				  S(LIFETIME)));
		h.sa_write(slot_l_out, nullptr, false, true);
		submit(h.make_job(slot_l_out, ESPFAB_OP_ENCAP, inner(100), ESPFAB_MAX_FRAME, "deleted SA", S(NO_SA)));
		h.sa_write(slot_l_out, &o, false, false);
		submit(h.make_job(slot_l_out, ESPFAB_OP_ENCAP, inner(100, false), ESPFAB_MAX_FRAME, "re-added SA",
				  S(OK)));
		h.sa_write(slot_l_in, nullptr, false, true);
	}

	/* Outbound sequence numbers at the top, through the state-load hook
	 * and (dirflip) through an inbound SA that accepted 0xfffffffe and is
	 * then updated with keep_state into the same SA with direction OUT. */
	void seq_overflow(const Combo &co, bool dirflip)
	{
		espfab_sa_t s = rand_sa(co);
		espfab_sa_state_t z;
		memset(&z, 0, sizeof z);
		h.sa_write(slot_f, &s, false, false);
		z.seq = 0xfffffffeu;
		z.count[S(OK)] = r.next() >> 20;
		z.bytes = r.next() >> 30;
		h.sa_load(slot_f, z);
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300)), ESPFAB_MAX_FRAME, "encap seq 0xffffffff",
				  S(OK)));
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300)), ESPFAB_MAX_FRAME,
				  "encap past 0xffffffff", S(SEQ_OVERFLOW)));
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300)), 10, "encap past 0xffffffff, small cap",
				  S(SEQ_OVERFLOW)));
		std::vector<uint8_t> bad = inner(100);
		bad[0] = 0x55;
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, bad, ESPFAB_MAX_FRAME, "encap past 0xffffffff, bad IP version",
				  S(PROTO)));
		h.check_state(slot_f, "after SEQ_OVERFLOW (load)");
		encap_good(pairs[r.below((unsigned)pairs.size())], "encap after SEQ_OVERFLOW elsewhere");
		/* an update keeps the state: still at the top */
		s.ttl ^= 1;
		h.sa_write(slot_f, &s, true, false);
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300)), ESPFAB_MAX_FRAME,
				  "encap past 0xffffffff after update", S(SEQ_OVERFLOW)));
		/* loading a small number brings it back */
		z.seq = r.below(1000);
		h.sa_load(slot_f, z);
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300), false), ESPFAB_MAX_FRAME,
				  "encap after loading a small seq", S(OK)));

		/* inbound at the top */
		s.dir = ESPFAB_DIR_IN;
		s.replay_window = 64;
		h.sa_write(slot_f, &s, false, false);
		gen.bind(slot_f, s);
		std::vector<uint8_t> pkt = gen.encap(r, slot_f, 0xfffffffeu, inner(r.below(300), false));
		submit(h.make_job(slot_f, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "decap seq 0xfffffffe", S(OK)));
		pkt = gen.encap(r, slot_f, 0xffffffffu, inner(r.below(300), false));
		submit(h.make_job(slot_f, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "decap seq 0xffffffff", S(OK)));
		submit(h.make_job(slot_f, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "decap seq 0xffffffff again",
				  S(REPLAY)));
		pkt = gen.encap(r, slot_f, 0xffffffbfu, inner(r.below(300), false));
		submit(h.make_job(slot_f, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "decap left of the window at the top",
				  S(WINDOW)));
		if (opt.dirflip && dirflip) {
			h.sa_write(slot_f, &s, false, false);
			pkt = gen.encap(r, slot_f, 0xfffffffeu, inner(r.below(300), false));
			submit(h.make_job(slot_f, ESPFAB_OP_DECAP, pkt, ESPFAB_MAX_FRAME, "decap seq 0xfffffffe", S(OK)));
			s.dir = ESPFAB_DIR_OUT;
			h.sa_write(slot_f, &s, true, false);
			submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300)), ESPFAB_MAX_FRAME,
					  "dirflip: encap seq 0xffffffff", S(OK)));
			submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(r.below(300)), ESPFAB_MAX_FRAME,
					  "dirflip: encap past 0xffffffff", S(SEQ_OVERFLOW)));
			h.check_state(slot_f, "after SEQ_OVERFLOW (dirflip)");
		}
		h.sa_write(slot_f, nullptr, false, true);
		/* an SA record with valid = 0 is stored as valid */
		s = rand_sa(co);
		s.valid = 0;
		h.sa_write(slot_f, &s, false, false);
		submit(h.make_job(slot_f, ESPFAB_OP_ENCAP, inner(100, false), ESPFAB_MAX_FRAME,
				  "SA written with valid=0 (stored as valid)", S(OK)));
		h.sa_write(slot_f, nullptr, false, true);
	}

	/* A random, reachable-looking state for inbound SA slot: sequence,
	 * bitmap (bit 0 set, nothing at or past seq), byte count, counters. */
	espfab_sa_state_t rand_in_state(uint32_t slot)
	{
		espfab_sa_state_t z;
		memset(&z, 0, sizeof z);
		switch (r.below(4)) {
		case 0: z.seq = r.below(100); break;
		case 1: z.seq = r.below(5000); break;
		case 2: z.seq = (uint32_t)r.next() & 0x7fffffff; break;
		default: z.seq = 0xffff0000u - r.below(1u << 20); break;
		}
		for (unsigned w = 0; w < ESPFAB_REPLAY_WORDS; w++) {
			switch (r.below(4)) {
			case 0: z.replay[w] = 0; break;
			case 1: z.replay[w] = 0xffffffffu; break;
			default: z.replay[w] = (uint32_t)r.next(); break;
			}
		}
		for (uint32_t i = 0; i < ESPFAB_REPLAY_MAX; i++)
			if (z.seq == 0 || i >= z.seq)
				z.replay[i / 32] &= ~(1u << (i % 32));
		if (z.seq)
			z.replay[0] |= 1;
		const espfab_sa_t &sa = h.mirror.sa[slot];
		uint64_t soft = (uint64_t)sa.life_soft_kb * 1024;
		z.bytes = soft && r.below(2) ? soft - r.below(3000) : r.next() >> (24 + r.below(30));
		if (soft && z.bytes >= soft)
			z.soft_expired = 1;
		for (unsigned i = 0; i < ESPFAB_STATUS_SLOTS; i++)
			z.count[i] = r.below(4) == 0 ? 0 : r.below(50) == 0 ? ~0ull - r.below(3) : r.next() >> r.below(64);
		return z;
	}

	/* sa_wr refusals: slots past SA_SLOTS and SAs esp_sa_setup refuses
	 * leave everything unchanged; a request then still sees the old SA. */
	void refusals(Pair &p)
	{
		espfab_sa_t bad = p.sa;
		bad.dir = ESPFAB_DIR_IN;
		bad.replay_window = p.win_b;
		switch (r.below(7)) {
		case 0: bad.cipher = (uint8_t)(r.below(2) ? 0 : 4 + r.below(252)); break;
		case 1: bad.auth = (uint8_t)(r.below(2) ? 0 : 3 + r.below(253)); break;
		case 2:
			do
				bad.enc_key_len = (uint8_t)r.next();
			while (bad.enc_key_len == (bad.cipher == ESPFAB_CIPHER_DES ? 8 : 24) ||
			       (bad.cipher == ESPFAB_CIPHER_AES &&
				(bad.enc_key_len == 16 || bad.enc_key_len == 24 || bad.enc_key_len == 32)));
			break;
		case 3: bad.auth_key_len = 0; break;
		case 4: bad.auth_key_len = (uint8_t)(65 + r.below(191)); break;
		case 5: bad.cipher = ESPFAB_CIPHER_3DES, bad.enc_key_len = 16; break;
		default: bad.enc_key_len = (uint8_t)(33 + r.below(223)); break;
		}
		h.sa_write(p.b, &bad, r.below(2), false); /* must be refused */
		h.sa_write(h.sa_slots + r.below(ESPFAB_SA_SLOTS_MAX + 1 - h.sa_slots), &p.sa, false, false);
		h.sa_write(r.below(2) ? 0xffffffffu : h.sa_slots, nullptr, false, true);
		espfab_sa_state_t z;
		memset(&z, 0, sizeof z);
		h.sa_load(h.sa_slots + r.below(100), z);
		decap_b_good(p, "decap after a refused write");
		h.check_state(p.b, "after a refused write");
	}

	/* SA records outside the driver's domain that esp_sa_setup accepts:
	 * odd direction/mode/encapsulation values (the model treats the slot
	 * as empty: NO_SA, no counter), HMAC keys of any length 1..64, garbage
	 * past the key lengths and in reserved fields. */
	void edge_sas(const Combo &co)
	{
		const uint32_t so = slot_extra, si = slot_extra + 1;
		for (unsigned k = 0; k < 6; k++) {
			espfab_sa_t s = rand_sa(co);
			const char *what = "edge SA";
			switch (k) {
			case 0: s.dir = (uint8_t)(2 + r.below(254)), what = "SA with dir >= 2"; break;
			case 1: s.mode = (uint8_t)(2 + r.below(254)), what = "SA with mode >= 2"; break;
			case 2: s.encap = (uint8_t)(2 + r.below(254)), what = "SA with encap >= 2"; break;
			case 3:
				s.auth_key_len = (uint8_t)(1 + r.below(64));
				r.bytes(s.auth_key, sizeof s.auth_key);
				what = "SA with HMAC key length 1..64";
				break;
			case 4:
				r.bytes(s.enc_key + s.enc_key_len, sizeof s.enc_key - s.enc_key_len);
				r.bytes(s.auth_key + s.auth_key_len, sizeof s.auth_key - s.auth_key_len);
				what = "SA with garbage past the key lengths";
				break;
			default:
				s.rsvd0 = (uint8_t)r.next();
				s.rsvd1 = (uint32_t)r.next();
				s.valid = (uint8_t)r.next();
				what = "SA with garbage in reserved fields and valid";
				break;
			}
			if (k < 3) { /* accepted by esp_sa_setup, unusable: NO_SA without a counter */
				h.sa_write(so, &s, false, false);
				uint8_t op = (uint8_t)r.below(2);
				submit(h.make_job(so, op, op ? b_like(co) : inner(r.below(400)), ESPFAB_MAX_FRAME, what,
						  S(NO_SA)));
				h.check_state(so, what);
				continue;
			}
			espfab_sa_t t = s;
			t.dir = ESPFAB_DIR_IN;
			h.sa_write(so, &s, false, false);
			h.sa_write(si, &t, false, false);
			std::vector<uint8_t> in = inner(r.below(400), false);
			Job *j = submit(h.make_job(so, ESPFAB_OP_ENCAP, in, ESPFAB_MAX_FRAME, what, S(OK)));
			if (j->exp.status == S(OK))
				submit(h.make_job(si, ESPFAB_OP_DECAP, j->exp_out, ESPFAB_MAX_FRAME, what, S(OK)));
			h.check_state(so, what);
			h.check_state(si, what);
		}
		h.sa_write(so, nullptr, false, true);
		h.sa_write(si, nullptr, false, true);
	}

	/* Some ESP-looking packet (for requests whose status comes first). */
	std::vector<uint8_t> b_like(const Combo &)
	{
		std::vector<uint8_t> p = make_ipv4(r, 20, 8 + 16 + 32 + 12);
		p[9] = 50;
		ip_fix_checksum(p.data());
		return p;
	}

	/* ---- phases ---------------------------------------------------------------------- */

	void smoke()
	{
		Combo co{ &kCiphers[2], &kAuths[1], &kModes[0], "smoke" };
		pairs.assign(1, Pair{});
		Pair &p = pairs[0];
		p.co = co;
		p.o = 0, p.a = 1, p.b = 2;
		new_pair_sa(p);
		program_pair(p, false);
		for (int i = 0; i < 6; i++)
			encap_good(p, "smoke encap");
		for (int i = 0; i < 6; i++)
			decap_a(p);
		submit(h.make_job(p.o, ESPFAB_OP_ENCAP, {}, ESPFAB_MAX_FRAME, "encap, in_len 0", S(LENGTH)));
		submit(h.make_job(p.b, ESPFAB_OP_DECAP, {}, ESPFAB_MAX_FRAME, "decap, in_len 0", S(LENGTH)));
		submit(h.make_job(p.b, ESPFAB_OP_DECAP, {}, 0, "decap, in_len 0, out_cap 0", S(LENGTH)));
		submit(h.make_job(1000, 0, {}, 0, "in_len 0, empty slot", S(NO_SA)));
		encap_good(p, "encap after in_len 0");
		decap_b_good(p, "decap after in_len 0");
		h.drain();
		h.check_state(p.o, "smoke");
		h.check_state(p.a, "smoke");
		for (uint32_t s : { p.o, p.a, p.b })
			h.sa_write(s, nullptr, false, true);
	}

	void regime()
	{
		static const double ready[] = { 1.0, 1.0, 1.0, 0.9, 0.5, 0.1 };
		static const double gap[] = { 0.0, 0.0, 0.0, 0.05, 0.3, 0.7 };
		h.p_ready = ready[h.trng.below(6)];
		h.p_gap = gap[h.trng.below(6)];
	}

	void group(unsigned g, uint64_t budget)
	{
		pairs.clear();
		for (unsigned k = 0; k < GROUP; k++) {
			Pair p;
			p.co = combos[g * GROUP + k];
			p.o = 3 * k, p.a = 3 * k + 1, p.b = 3 * k + 2;
			new_pair_sa(p);
			pairs.push_back(p);
		}
		for (Pair &p : pairs)
			program_pair(p, false);
		/* every transform through both directions at least once */
		for (Pair &p : pairs) {
			std::vector<uint8_t> in = inner(r.below(1501), false);
			Job *j = submit(h.make_job(p.o, ESPFAB_OP_ENCAP, in, ESPFAB_MAX_FRAME, "first encap", S(OK)));
			if (j->exp.status == S(OK)) {
				p.pool_a.push_back(Pkt{ j->exp_out, std::vector<uint8_t>(in.begin(), in.begin() + ip_tot(in)),
							j->exp.seq });
				decap_a(p);
			}
		}
		uint64_t start = h.next_id;
		uint64_t next_regime = h.cycle + 2000;
		bool specials = false;
		while (h.next_id - start < budget) {
			if (h.cycle >= next_regime) {
				regime();
				next_regime = h.cycle + (h.p_ready < 0.5 || h.p_gap > 0.2 ? 300 + h.trng.below(1500) : 2000 + h.trng.below(8000));
			}
			if (!specials && h.next_id - start >= budget / 2) {
				/* SA-write-heavy cases, spread over the groups */
				specials = true;
				double pr = h.p_ready, pg = h.p_gap;
				h.p_ready = 1.0, h.p_gap = 0.0;
				if (g % 2 == 0)
					lifetimes(pairs[r.below(GROUP)].co);
				if (g % 2 == 1 || g + 1 == N_COMBOS / GROUP)
					seq_overflow(pairs[r.below(GROUP)].co, g == 1);
				if (opt.edge && (g == 2 || g == 4))
					edge_sas(pairs[r.below(GROUP)].co);
				h.p_ready = pr, h.p_gap = pg;
			}
			Pair &p = pairs[r.below(GROUP)];
			unsigned a = r.below(1000);
			if (a < 300)
				encap_good(p);
			else if (a < 560)
				decap_a(p);
			else if (a < 800)
				decap_b_negative(p);
			else if (a < 870)
				encap_negative(p);
			else if (a < 920)
				decap_b_good(p, "decap");
			else if (a < 945)
				no_sa(p);
			else if (a < 975)
				burst(pairs);
			/* SA writes wait for the engine to drain: keep them rare */
			else if (a < 979)
				update_pair(p);
			else if (a < 981)
				recycle_pair(p);
			else if (a < 985) {
				h.sa_load(p.b, rand_in_state(p.b));
				p.recent_b.clear();
				decap_b_good(p, "decap after a state load");
			} else if (a < 987)
				refusals(p);
			else if (a < 990)
				h.check_state(r.below(2) ? p.a : p.b, "random read");
			else
				encap_good(p);
		}
		h.drain();
		for (const Pair &p : pairs)
			for (uint32_t s : { p.o, p.a, p.b })
				h.check_state(s, "end of group");
		/* delete a few; the next group's adds replace the rest */
		for (unsigned k = 0; k < 3; k++) {
			uint32_t s = r.below(3 * GROUP);
			h.sa_write(s, nullptr, false, true);
			submit(h.make_job(s, (uint8_t)r.below(2), inner(r.below(100)), ESPFAB_MAX_FRAME, "deleted SA",
					  S(NO_SA)));
			h.check_state(s, "deleted");
		}
		for (int &t : slot_tag)
			t = -1;
	}

	int run()
	{
		h.probe_sa_slots(rand_sa(combos[r.below(N_COMBOS)]));
		if (h.sa_slots < slot_extra + 3) {
			fprintf(stderr, "FAIL: the engine takes SAs in slots 0..%u only; this testbench needs %u\n",
				h.sa_slots - 1, slot_extra + 3);
			return 1;
		}
		slot_empty = h.sa_slots - 1;
		if (opt.verbose)
			fprintf(stderr, "SA_SLOTS = %u (probed)\n", h.sa_slots);
		smoke();
		const unsigned groups = N_COMBOS / GROUP;
		/* DES and 3DES encryption is CBC-latency bound: fewer cycles per
		 * request go to the AES groups (weights sum to the group count) */
		static const double weight[N_COMBOS / GROUP] = { 0.7, 0.7, 1.2, 1.2, 1.2 };
		for (unsigned g = 0; g < groups; g++) {
			uint64_t before = h.st.requests;
			group(g, (uint64_t)(opt.requests / groups * weight[g]));
			if (opt.verbose)
				fprintf(stderr, "group %u done: %llu requests, cycle %llu\n", g,
					(unsigned long long)(h.st.requests - before), (unsigned long long)h.cycle);
		}
		h.drain();
		h.check_state(slot_empty, "never programmed");

		/* coverage: every status the model can produce here */
		std::vector<unsigned> need = { S(OK), S(AUTH), S(REPLAY), S(WINDOW), S(PAD), S(LENGTH), S(NO_SA),
					       S(LIFETIME), S(TOO_BIG), S(PROTO), S(BAD_REQUEST) };
		if (opt.dirflip)
			need.push_back(S(SEQ_OVERFLOW));
		std::string missing;
		for (unsigned s : need)
			if (h.st.status[s] == 0)
				missing += std::string(" ") + espfab_status_name(s);
		for (unsigned t = 0; t < N_COMBOS * 2; t++)
			if (tag_ok[t] == 0)
				missing += " " + combos[t / 2].name + (t % 2 ? "/decap-OK" : "/encap-OK");
		if (h.st.same_sa_overlap == 0)
			missing += " two-requests-of-one-SA-in-flight";
		if (!missing.empty())
			fprintf(stderr, "FAIL: never produced:%s\n", missing.c_str());
		if (opt.verbose)
			fprintf(stderr, "in flight: at most %llu requests; %llu started while another of the same SA was in flight\n",
				(unsigned long long)h.st.max_in_flight, (unsigned long long)h.st.same_sa_overlap);
		if (opt.verbose)
			fprintf(stderr, "cycles: queue full %llu, slot busy %llu, sa_wr %llu, sa_rd %llu, drain %llu, other %llu\n",
				(unsigned long long)h.cycles_by[Harness::W_QUEUE], (unsigned long long)h.cycles_by[Harness::W_SLOT],
				(unsigned long long)h.cycles_by[Harness::W_SAW], (unsigned long long)h.cycles_by[Harness::W_SAR],
				(unsigned long long)h.cycles_by[Harness::W_DRAIN], (unsigned long long)h.cycles_by[Harness::W_OTHER]);
		if (opt.verbose)
			for (unsigned t = 0; t < N_COMBOS * 2; t++)
				fprintf(stderr, "  %-28s %s %6llu requests, %6llu OK\n", combos[t / 2].name.c_str(),
					t % 2 ? "decap" : "encap", (unsigned long long)tag_all[t], (unsigned long long)tag_ok[t]);

		const Stats &s = h.st;
		const uint64_t bad = s.mismatches + s.protocol + s.state_mismatches + s.gen_miss + s.sa_write_errors;
		std::string counts;
		for (unsigned i = 0; i < ESPFAB_STATUS_SLOTS; i++)
			if (s.status[i]) {
				char t[48];
				snprintf(t, sizeof t, "%s%s=%llu", counts.empty() ? "" : " ", espfab_status_name(i),
					 (unsigned long long)s.status[i]);
				counts += t;
			}
		if (s.gen_miss)
			fprintf(stderr, "FAIL: %llu requests did not get the status the generator meant (tb bug)\n",
				(unsigned long long)s.gen_miss);
		printf("tb_esp_engine PIPELINED=%d STREAM_BYTES=%u: %llu requests, %llu mismatches, %llu/%llu state reads differ, "
		       "%llu/%llu SA writes with a wrong err, %llu stream errors, SA_SLOTS %u, %llu cycles, seed %#llx "
		       "(%s)\n",
		       TB_PIPELINED, (unsigned)BEAT_BYTES, (unsigned long long)s.requests, (unsigned long long)s.mismatches,
		       (unsigned long long)s.state_mismatches, (unsigned long long)s.state_reads,
		       (unsigned long long)s.sa_write_errors, (unsigned long long)s.sa_writes,
		       (unsigned long long)s.protocol, h.sa_slots, (unsigned long long)h.cycle,
		       (unsigned long long)opt.seed, counts.c_str());
		return bad == 0 && missing.empty() ? 0 : 1;
	}
};

int main(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto num = [&](uint64_t &v) {
			if (i + 1 >= argc) {
				usage(argv[0]);
				exit(2);
			}
			v = strtoull(argv[++i], nullptr, 0);
		};
		uint64_t v;
		if (a == "--seed")
			num(o.seed);
		else if (a == "--requests")
			num(o.requests);
		else if (a == "--max-report")
			num(v), o.max_report = (unsigned)v;
		else if (a == "--no-dirflip")
			o.dirflip = false;
		else if (a == "--no-edge")
			o.edge = false;
		else if (a == "--verbose" || a == "-v")
			o.verbose = true;
		else if (a.rfind("+verilator", 0) == 0)
			continue;
		else {
			usage(argv[0]);
			return 2;
		}
	}
	Tb tb(o, argc, argv);
	return tb.run();
}
