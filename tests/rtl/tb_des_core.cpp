// tb_des_core — self-checking Verilator testbench for rtl/crypto/des_core.v
// (either build: -GPIPELINED=0 or =1; TAG_W at its default of 16).
//
// Every request's expected result is computed by the HLS model (hls/des,
// the golden reference) and by OpenSSL, which must agree with each other
// before the core is compared.  Phases:
//   1. reset; a single request tells the build apart (in_ready_o low while
//      busy: iterative) — an optional argument PIPELINED=0|1 makes a
//      mismatch with the expected build an error;
//   2. every vector of tests/vectors/des.txt and tdes.txt in both directions
//      (des.txt also as 3DES with K1 = K2 = K3, and two-key tdes entries
//      with K3 = K1), issued back to back;
//   3. structured cases: each single plaintext bit and each single key bit
//      (the SP 800-20 variable-text/variable-key patterns, all of them),
//      the weak and semi-weak keys, all-zero/all-one blocks;
//   4. random requests back to back (every cycle for the pipelined build,
//      whenever in_ready_o is high for the iterative one), each with its
//      own random key, direction, DES/3DES choice and tag; 3DES keys are
//      sometimes two-key (K3 = K1) or K1 = K2; single-DES requests carry
//      random K2/K3 the core must ignore;
//   5. random requests with random idle gaps, requests offered while the
//      core is busy (held until accepted), random data on the inputs while
//      in_valid_i is low, and resets in the middle of traffic (with
//      requests offered during reset, which must be dropped); after each
//      reset nothing stale may come out and the core must work again.
// Checks on every cycle: results come out in request order with their tags,
// exactly at the fixed latency (pipelined: 48 cycles; iterative: 16 for DES,
// 48 for 3DES), never without a request; in_ready_o is always 1 in the
// pipelined build and, in the iterative one, low exactly while a request is
// in progress.  Exits non-zero on any mismatch; prints one summary line.
//
// Build: scripts/verilate-tb.sh BUILD OUT des_core tests/rtl/tb_des_core.cpp -GPIPELINED=1
// Run:   OUT/Vtb [PIPELINED=0|1] [SEED=n]
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "Vdes_core.h"
#include "verilated.h"

extern "C" {
#include "des/des.h"
#include "vectors.h"
}

namespace {

constexpr unsigned LAT_PIPE = 48, LAT_DES = 16, LAT_3DES = 48;

struct Req {
	uint8_t key[24]; // K1 K2 K3 as the core sees them
	uint8_t blk[8];
	bool dec = false, triple = false;
	uint16_t tag = 0;
	uint8_t want[8]; // expected result
	std::string what; // for messages
};

struct InFlight {
	Req r;
	uint64_t accepted; // cycle the request was accepted in
};

uint64_t rng_state = 0x7462646573636f72ull;

uint64_t rnd64()
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

unsigned rnd_below(unsigned n) { return (unsigned)(rnd64() % n); }

void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

std::string hex(const uint8_t *p, size_t n)
{
	std::string s;
	char b[3];
	for (size_t i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%02x", p[i]);
		s += b;
	}
	return s;
}

// ----------------------------------------------------------------- references

EVP_CIPHER *ossl_des, *ossl_des3;
OSSL_PROVIDER *prov_legacy, *prov_default;

bool ossl_block(const Req &r, uint8_t out[8])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c && EVP_CipherInit_ex(c, r.triple ? ossl_des3 : ossl_des, nullptr, r.key, nullptr, !r.dec) &&
			EVP_CIPHER_CTX_set_padding(c, 0) && EVP_CipherUpdate(c, out, &n, r.blk, 8) && n == 8;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

void hls_block(const Req &r, uint8_t out[8])
{
	if (r.triple) {
		des3_ks_t ks;
		des3_key_setup(r.key, &ks);
		(r.dec ? des3_decrypt_block : des3_encrypt_block)(&ks, r.blk, out);
	} else {
		des_ks_t ks;
		des_key_setup(r.key, &ks);
		(r.dec ? des_decrypt_block : des_encrypt_block)(&ks, r.blk, out);
	}
}

unsigned errors;

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tb_des_core: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (++errors >= 20) {
		fprintf(stderr, "tb_des_core: too many errors, stopping\n");
		exit(1);
	}
}

// Fill r.want from the HLS model after checking it against OpenSSL.
void expect(Req &r)
{
	uint8_t o[8];
	hls_block(r, r.want);
	if (!ossl_block(r, o))
		fail("%s: OpenSSL failed", r.what.c_str());
	else if (memcmp(o, r.want, 8) != 0)
		fail("%s: HLS model %s differs from OpenSSL %s (key %s block %s %s %s)", r.what.c_str(),
		     hex(r.want, 8).c_str(), hex(o, 8).c_str(), hex(r.key, 24).c_str(), hex(r.blk, 8).c_str(),
		     r.triple ? "3DES" : "DES", r.dec ? "dec" : "enc");
}

// ----------------------------------------------------------------------- DUT

struct Tb {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vdes_core> m;
	uint64_t cycle = 0;
	bool pipelined = true;
	bool armed = false; // a reset edge has happened: outputs are defined
	std::deque<InFlight> fly;
	uint64_t busy_until = 0; // iterative: first cycle in_ready_o may be high again
	unsigned passed = 0;
	unsigned dropped = 0; // requests lost to a reset in traffic
	unsigned lat_min = ~0u, lat_max = 0;

	unsigned latency(const Req &r) const { return pipelined ? LAT_PIPE : r.triple ? LAT_3DES : LAT_DES; }

	void drive(bool valid, const Req *r)
	{
		m->in_valid_i = valid;
		if (r) {
			for (int w = 0; w < 6; w++) {
				const uint8_t *p = &r->key[20 - 4 * w];
				m->in_key_i[w] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			}
			m->in_block_i = be64(r->blk);
			m->in_decrypt_i = r->dec;
			m->in_triple_i = r->triple;
			m->in_tag_i = r->tag;
		} else {
			// Idle: random junk the core must ignore.
			for (int w = 0; w < 6; w++)
				m->in_key_i[w] = (uint32_t)rnd64();
			m->in_block_i = rnd64();
			m->in_decrypt_i = rnd64() & 1;
			m->in_triple_i = rnd64() & 1;
			m->in_tag_i = (uint16_t)rnd64();
		}
	}

	// One clock cycle.  r (may be null) is offered if valid; returns true if
	// it was accepted.  With reset low nothing is accepted and everything in
	// flight is lost.
	bool step(bool valid, const Req *r, bool reset = false)
	{
		drive(valid && r, r);
		m->rst_ni = !reset;
		m->clk_i = 0;
		m->eval();

		bool ready = m->in_ready_o;
		if (!reset && armed) {
			if (pipelined && !ready)
				fail("cycle %llu: in_ready_o low in the pipelined build", (unsigned long long)cycle);
			if (!pipelined && ready != (cycle >= busy_until))
				fail("cycle %llu: in_ready_o %d, expected %d", (unsigned long long)cycle, ready,
				     cycle >= busy_until);
		}
		if (!armed) {
			// Before the first reset edge the registers hold anything.
		} else if (m->out_valid_o) {
			if (fly.empty()) {
				fail("cycle %llu: out_valid_o with no request in flight (block %016llx tag %04x)",
				     (unsigned long long)cycle, (unsigned long long)m->out_block_o, (unsigned)m->out_tag_o);
			} else {
				InFlight f = fly.front();
				fly.pop_front();
				unsigned lat = (unsigned)(cycle - f.accepted);
				uint64_t got = m->out_block_o, want = be64(f.r.want);
				if (got != want || m->out_tag_o != f.r.tag || lat != latency(f.r))
					fail("%s: %s %s key %s in %s: got %016llx tag %04x latency %u, want %016llx tag "
					     "%04x latency %u",
					     f.r.what.c_str(), f.r.triple ? "3DES" : "DES", f.r.dec ? "dec" : "enc",
					     hex(f.r.key, f.r.triple ? 24 : 8).c_str(), hex(f.r.blk, 8).c_str(),
					     (unsigned long long)got, (unsigned)m->out_tag_o, lat, (unsigned long long)want,
					     f.r.tag, latency(f.r));
				else
					passed++;
				lat_min = lat < lat_min ? lat : lat_min;
				lat_max = lat > lat_max ? lat : lat_max;
			}
		} else if (!fly.empty() && cycle > fly.front().accepted + latency(fly.front().r)) {
			fail("%s: no result at cycle %llu (accepted in %llu)", fly.front().r.what.c_str(),
			     (unsigned long long)cycle, (unsigned long long)fly.front().accepted);
			fly.pop_front();
		}

		bool acc = !reset && valid && r && ready;
		if (acc) {
			fly.push_back({ *r, cycle });
			busy_until = cycle + latency(*r);
		}

		m->clk_i = 1;
		m->eval();
		cycle++;
		if (reset) {
			armed = true;
			dropped += (unsigned)fly.size();
			fly.clear();
			busy_until = cycle; // idle after reset
		}
		return acc;
	}

	// Offer r until accepted (gap: chance in 1/gap per cycle of an idle
	// cycle first; 0 = none).
	void issue(const Req &r, unsigned gap = 0)
	{
		while (gap && rnd_below(gap) == 0)
			step(false, nullptr);
		while (!step(true, &r)) {
		}
	}

	void drain()
	{
		unsigned n = 0;
		while (!fly.empty() && n++ < 200)
			step(false, nullptr);
		if (!fly.empty())
			fail("%zu results never came out", fly.size());
		for (int i = 0; i < 60; i++) // nothing else may follow
			step(false, nullptr);
	}

	void reset(unsigned cycles)
	{
		for (unsigned i = 0; i < cycles; i++) {
			Req junk;
			rnd_bytes(junk.key, 24);
			rnd_bytes(junk.blk, 8);
			junk.tag = (uint16_t)rnd64();
			step(rnd64() & 1, &junk, true); // offered during reset: dropped
		}
	}
};

// ------------------------------------------------------------------ requests

uint16_t next_tag()
{
	return (uint16_t)rnd64();
}

Req make(const uint8_t *k, size_t klen, const uint8_t blk[8], bool dec, bool triple, const std::string &what)
{
	Req r;
	if (triple) {
		memcpy(r.key, k, 16);
		memcpy(r.key + 16, klen == 24 ? k + 16 : k, 8); // two-key form: K3 = K1
	} else {
		memcpy(r.key, k, 8);
		rnd_bytes(r.key + 8, 16); // ignored by single DES
	}
	memcpy(r.blk, blk, 8);
	r.dec = dec;
	r.triple = triple;
	r.tag = next_tag();
	r.what = what;
	expect(r);
	return r;
}

Req random_req()
{
	Req r;
	rnd_bytes(r.key, 24);
	rnd_bytes(r.blk, 8);
	r.triple = rnd64() & 1;
	r.dec = rnd64() & 1;
	if (r.triple) {
		switch (rnd_below(8)) {
		case 0: memcpy(r.key + 16, r.key, 8); break; // two-key
		case 1: memcpy(r.key + 8, r.key, 8); break; // K1 = K2: DES with K3
		case 2: memcpy(r.key + 8, r.key + 16, 8); break; // K2 = K3: DES with K1
		default: break;
		}
	}
	r.tag = next_tag();
	r.what = "random";
	expect(r);
	return r;
}

// Vector file: every block of every entry, both directions.  single: des.txt
// (run as DES and as 3DES with the key three times); else tdes.txt.
unsigned run_vectors(Tb &tb, const char *name, bool single)
{
	vec_file *f = vec_open_named(nullptr, name);
	if (!f) {
		fail("cannot open %s", name);
		return 0;
	}
	unsigned entries = 0;
	int rc;
	while ((rc = vec_next(f)) == 1) {
		uint8_t key[24], pt[64], ct[64];
		size_t kl, pl, cl;
		if (vec_bytes(f, "KEY", key, sizeof key, &kl) || vec_bytes(f, "PLAINTEXT", pt, sizeof pt, &pl) ||
		    vec_bytes(f, "CIPHERTEXT", ct, sizeof ct, &cl) || pl != cl || pl % 8 ||
		    (single ? kl != 8 : kl != 16 && kl != 24)) {
			fail("%s:%u: bad entry", name, vec_line(f));
			continue;
		}
		entries++;
		uint8_t k3[24];
		if (single) {
			memcpy(k3, key, 8);
			memcpy(k3 + 8, key, 8);
			memcpy(k3 + 16, key, 8);
		}
		for (size_t b = 0; b < pl; b += 8)
			for (int dec = 0; dec < 2; dec++)
				for (int as3 = 0; as3 < (single ? 2 : 1); as3++) {
					char what[96];
					snprintf(what, sizeof what, "%s:%u [%s] block %zu%s", name, vec_line(f),
						 vec_section(f), b / 8, as3 ? " as 3DES K1=K2=K3" : "");
					Req r = single && !as3 ? make(key, 8, dec ? ct + b : pt + b, dec, false, what)
						: single       ? make(k3, 24, dec ? ct + b : pt + b, dec, true, what)
							       : make(key, kl, dec ? ct + b : pt + b, dec, true, what);
					// The published answer, independently of the models.
					if (memcmp(r.want, dec ? pt + b : ct + b, 8) != 0)
						fail("%s: models give %s, the file says %s", what, hex(r.want, 8).c_str(),
						     hex(dec ? pt + b : ct + b, 8).c_str());
					tb.issue(r);
				}
	}
	if (rc < 0)
		fail("%s: %s", name, vec_error(f));
	vec_close(f);
	return entries;
}

void run_structured(Tb &tb)
{
	uint8_t zero[8] = { 0 }, ones[8], k[24], blk[8];
	memset(ones, 0xff, 8);
	// SP 800-20 variable plaintext: key 0101..01, each plaintext bit.
	for (int i = 0; i < 64; i++) {
		memset(k, 0x01, 8);
		memset(blk, 0, 8);
		blk[i / 8] = (uint8_t)(0x80 >> (i % 8));
		for (int dec = 0; dec < 2; dec++)
			tb.issue(make(k, 8, blk, dec, false, "variable plaintext bit " + std::to_string(i + 1)));
	}
	// Variable key: each non-parity key bit, plaintext zero; in 3DES each
	// key position in turn.
	for (int i = 0; i < 64; i++) {
		if (i % 8 == 7)
			continue;
		memset(k, 0x01, 24);
		k[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
		for (int dec = 0; dec < 2; dec++)
			tb.issue(make(k, 8, zero, dec, false, "variable key bit " + std::to_string(i + 1)));
		for (int pos = 0; pos < 3; pos++) {
			memset(k, 0x01, 24);
			k[8 * pos + i / 8] ^= (uint8_t)(0x80 >> (i % 8));
			for (int dec = 0; dec < 2; dec++)
				tb.issue(make(k, 24, zero, dec, true,
					      "3DES K" + std::to_string(pos + 1) + " bit " + std::to_string(i + 1)));
		}
	}
	// Weak and semi-weak keys (with parity), all-zero and all-one blocks.
	static const uint64_t weak[] = {
		0x0101010101010101ull, 0xfefefefefefefefeull, 0xe0e0e0e0f1f1f1f1ull, 0x1f1f1f1f0e0e0e0eull,
		0x01fe01fe01fe01feull, 0xfe01fe01fe01fe01ull, 0x1fe01fe00ef10ef1ull, 0xe01fe01ff10ef10eull,
		0x01e001e001f101f1ull, 0xe001e001f101f101ull, 0x1ffe1ffe0efe0efeull, 0xfe1ffe1ffe0efe0eull,
		0x011f011f010e010eull, 0x1f011f010e010e01ull, 0xe0fee0fef1fef1feull, 0xfee0fee0fef1fef1ull,
		0x0000000000000000ull, 0xffffffffffffffffull,
	};
	for (uint64_t w : weak) {
		for (int i = 0; i < 8; i++)
			k[i] = (uint8_t)(w >> (56 - 8 * i));
		for (const uint8_t *b : { zero, ones })
			for (int dec = 0; dec < 2; dec++) {
				tb.issue(make(k, 8, b, dec, false, "weak key " + hex(k, 8)));
				memcpy(k + 8, k, 8);
				memcpy(k + 16, k, 8);
				tb.issue(make(k, 24, b, dec, true, "weak key x3 " + hex(k, 8)));
			}
	}
}

} // namespace

int main(int argc, char **argv)
{
	int want_pipe = -1;
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "PIPELINED=", 10))
			want_pipe = atoi(argv[i] + 10);
		else if (!strncmp(argv[i], "SEED=", 5))
			rng_state = strtoull(argv[i] + 5, nullptr, 0);
	}

	prov_legacy = OSSL_PROVIDER_load(nullptr, "legacy");
	prov_default = OSSL_PROVIDER_load(nullptr, "default");
	ossl_des = EVP_CIPHER_fetch(nullptr, "DES-ECB", nullptr);
	ossl_des3 = EVP_CIPHER_fetch(nullptr, "DES-EDE3-ECB", nullptr);
	if (!prov_legacy || !prov_default || !ossl_des || !ossl_des3) {
		fprintf(stderr, "tb_des_core: OpenSSL DES not available (legacy provider)\n");
		return 1;
	}

	Tb tb;
	tb.ctx = std::make_unique<VerilatedContext>();
	tb.ctx->randReset(2); // registers without reset start random
	tb.ctx->commandArgs(argc, argv);
	tb.m = std::make_unique<Vdes_core>(tb.ctx.get());

	// 1. Reset, then tell the build apart by in_ready_o after one request.
	tb.reset(3);
	{
		uint8_t k[8] = { 0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1 };
		uint8_t b[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
		Req r = make(k, 8, b, false, false, "probe");
		tb.m->in_valid_i = 1;
		tb.drive(true, &r);
		tb.m->rst_ni = 1;
		tb.m->clk_i = 0;
		tb.m->eval();
		if (!tb.m->in_ready_o)
			fail("in_ready_o low after reset");
		tb.m->clk_i = 1;
		tb.m->eval();
		tb.drive(false, nullptr);
		tb.m->clk_i = 0;
		tb.m->eval();
		tb.pipelined = tb.m->in_ready_o;
		tb.m->clk_i = 1;
		tb.m->eval();
		tb.cycle += 2;
		if (want_pipe >= 0 && want_pipe != (int)tb.pipelined)
			fail("expected the PIPELINED=%d build, the core behaves as PIPELINED=%d", want_pipe, tb.pipelined);
		tb.reset(2); // the probe is dropped
	}

	// 2. Published vectors.
	unsigned ent = run_vectors(tb, "des.txt", true);
	ent += run_vectors(tb, "tdes.txt", false);
	if (ent < 20)
		fail("only %u vector entries read", ent);
	tb.drain();

	// 3. Structured cases.
	run_structured(tb);
	tb.drain();

	// 4. Back to back.
	const unsigned n_b2b = tb.pipelined ? 20000 : 8000;
	for (unsigned i = 0; i < n_b2b; i++)
		tb.issue(random_req());
	tb.drain();

	// 5. Random gaps, busy offers, resets in the middle of traffic.
	const unsigned n_gap = tb.pipelined ? 20000 : 8000;
	unsigned resets = 0;
	for (unsigned i = 0; i < n_gap; i++) {
		if (i % (n_gap / 8) == n_gap / 16) {
			// Reset with requests in flight (pipelined: ~half the pipe full).
			tb.reset(1 + rnd_below(3));
			resets++;
		}
		tb.issue(random_req(), i % 3 ? 4 : 2);
	}
	tb.drain();
	if (tb.dropped == 0)
		fail("no reset hit a request in flight");

	tb.m->final();
	EVP_CIPHER_free(ossl_des);
	EVP_CIPHER_free(ossl_des3);
	OSSL_PROVIDER_unload(prov_legacy);
	OSSL_PROVIDER_unload(prov_default);

	if (errors || tb.passed == 0) {
		printf("tb_des_core PIPELINED=%d: FAILED (%u errors, %u blocks passed)\n", tb.pipelined, errors,
		       tb.passed);
		return 1;
	}
	if (tb.lat_min == tb.lat_max)
		printf("tb_des_core PIPELINED=%d: %u blocks passed, latency %u (%u resets in traffic, %u in-flight requests dropped, %llu cycles)\n",
		       tb.pipelined, tb.passed, tb.lat_min, resets, tb.dropped, (unsigned long long)tb.cycle);
	else
		printf("tb_des_core PIPELINED=%d: %u blocks passed, latency %u (DES) / %u (3DES) (%u resets in "
		       "traffic, %u in-flight requests dropped, %llu cycles)\n",
		       tb.pipelined, tb.passed, tb.lat_min, tb.lat_max, resets, tb.dropped, (unsigned long long)tb.cycle);
	return 0;
}
