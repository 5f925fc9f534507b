/*
 * Cross-engine equivalence: the "sw" engine (OpenSSL) and the "model" engine
 * (hls/ golden model) must give the same bytes, completions and SA state for
 * the same SAs, requests and IVs (docs/esp-semantics.md).  One cmocka test
 * per cipher x auth x mode x encapsulation, fixed seeds.
 *
 * Per test, both engines are opened with the same iv_seed and get the same
 * SAs: an outbound SA, inbound SA "A" that only ever sees genuine packets,
 * inbound SA "B" that also sees mutated and crafted ones.  Then:
 *  (a) random inner IPv4 packets are encapsulated on both engines; outputs,
 *      completions and states must be identical;
 *  (b) the output must equal a packet assembled here from the semantics
 *      page with plain EVP + HMAC, using the IV read back from the packet;
 *  (c) genuine packets, reordered and duplicated inside the window, decap on
 *      A to the original packet (duplicates: REPLAY, or OK with window 0);
 *      on B the same packets are mixed with bit flips, truncations, trailing
 *      bytes and packets crafted with valid ICVs but bad padding, wrong next
 *      header or bad inner headers; both engines must agree on every status,
 *      output and state, and crafted packets with a fresh sequence number
 *      must get the status the page prescribes.
 * Every request also checks that no engine writes past out_cap.
 *
 * Ownership: each test opens and closes its own two devices; the reference
 * algorithms live in a test-owned OpenSSL library context (group setup).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "espfab.h"
#include "espfab_engine.h"

/* ---- the matrix -------------------------------------------------------- */

struct cipher_case {
	const char *name;
	uint8_t cipher, key_len;
	const char *evp; /* reference cipher (2-key 3DES expanded here) */
	unsigned blk;
};

static const struct cipher_case ciphers[] = {
	{ "des", ESPFAB_CIPHER_DES, 8, "DES-CBC", 8 },
	{ "3des", ESPFAB_CIPHER_3DES, 24, "DES-EDE3-CBC", 8 },
	{ "3des2k", ESPFAB_CIPHER_3DES, 16, "DES-EDE3-CBC", 8 },
	{ "aes128", ESPFAB_CIPHER_AES, 16, "AES-128-CBC", 16 },
	{ "aes192", ESPFAB_CIPHER_AES, 24, "AES-192-CBC", 16 },
	{ "aes256", ESPFAB_CIPHER_AES, 32, "AES-256-CBC", 16 },
};
#define N_CIPHERS (sizeof ciphers / sizeof ciphers[0])

struct auth_case {
	const char *name;
	uint8_t auth, key_len;
	const char *md;
};

static const struct auth_case auths[] = {
	{ "md5", ESPFAB_AUTH_MD5, 16, "MD5" },
	{ "sha1", ESPFAB_AUTH_SHA1, 20, "SHA1" },
};
#define N_AUTHS (sizeof auths / sizeof auths[0])

struct mode_case {
	const char *name;
	uint8_t mode, encap;
};

static const struct mode_case modes[] = {
	{ "tunnel", ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	{ "transport", ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE },
	{ "tunnel-udp", ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
	{ "transport-udp", ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP },
};
#define N_MODES (sizeof modes / sizeof modes[0])

#define N_COMBOS (N_CIPHERS * N_AUTHS * N_MODES)

struct combo {
	const struct cipher_case *c;
	const struct auth_case *a;
	const struct mode_case *m;
	unsigned index, cidx, aidx;
	char name[64];
};

static struct combo combos[N_COMBOS];
static struct CMUnitTest tests[N_COMBOS + 1];

/* Packets per test: DES and 3DES are slow in the model (and under ASan). */
#define BATCHES_AES 50
#define BATCHES_DES 20
#define BATCH_MAX 8

enum { SLOT_OUT = 1, SLOT_A = 2, SLOT_B = 3, SLOT_EMPTY = 6 };
enum { E_SW, E_MODEL, N_ENG };
static const char *const eng_names[N_ENG] = { "sw", "model" };

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rnd(unsigned n) /* 0 .. n-1 */
{
	return n ? (unsigned)(rnd64() % n) : 0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

/* ---- failure context ----------------------------------------------------- */

static char where[160];

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			print_error("%s: ", where);                         \
			print_error(__VA_ARGS__);                           \
			print_error("\n");                                  \
			fail();                                             \
		}                                                          \
	} while (0)

/* ---- byte helpers -------------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void ipv4_checksum(uint8_t *h, unsigned hl)
{
	unsigned long sum = 0;
	h[10] = h[11] = 0;
	for (unsigned i = 0; i < hl; i += 2)
		sum += get16(h + i);
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	put16(h + 10, ~sum & 0xffff);
}

/* ---- the reference (plain EVP + HMAC, from the semantics page) ---------- */

static OSSL_LIB_CTX *ref_lib;
static OSSL_PROVIDER *ref_prov[2];
static EVP_CIPHER *ref_cipher[N_CIPHERS];
static EVP_MD *ref_md[N_AUTHS];

struct ref_sa {
	const struct combo *co;
	espfab_sa_t sa;      /* as given to the engines */
	uint8_t enc_key[32]; /* 3DES two-key expanded to K1 K2 K1 */
};

/* CBC-encrypt len bytes (block multiple) under iv. */
static void ref_cbc(const struct ref_sa *r, const uint8_t *iv, const uint8_t *in, uint8_t *out, int len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, ref_cipher[r->co->cidx], r->enc_key, iv, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &l1, in, len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + l1, &l2), 1);
	assert_int_equal(l1 + l2, len);
	EVP_CIPHER_CTX_free(ctx);
}

static void ref_icv(const struct ref_sa *r, const uint8_t *data, size_t len, uint8_t *icv)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const EVP_MD *m = ref_md[r->co->aidx];
	assert_non_null(HMAC(m, r->sa.auth_key, r->sa.auth_key_len, data, len, md, &mdlen));
	memcpy(icv, md, ESPFAB_ICV_LEN);
}

/*
 * Wrap plaintext pt (already padded, a block multiple) into a full packet:
 * IPv4 header (hdr, hl bytes: protocol, total length and checksum are set
 * here), UDP header if the SA says so, SPI, seq, IV, ciphertext, ICV.
 */
static unsigned ref_wrap(const struct ref_sa *r, const uint8_t *hdr, unsigned hl, uint32_t seq, const uint8_t *iv,
			 const uint8_t *pt, unsigned ptlen, uint8_t *out)
{
	const espfab_sa_t *sa = &r->sa;
	bool udp = sa->encap == ESPFAB_ENCAP_UDP;
	unsigned B = r->co->c->blk;
	unsigned esp_off = hl + (udp ? 8 : 0);
	unsigned esplen = 8 + B + ptlen + ESPFAB_ICV_LEN;
	unsigned total = esp_off + esplen;
	uint8_t *esp = out + esp_off;

	memcpy(out, hdr, hl);
	out[9] = udp ? 17 : 50;
	put16(out + 2, total);
	ipv4_checksum(out, hl);
	if (udp) {
		put16(out + hl, sa->sport);
		put16(out + hl + 2, sa->dport);
		put16(out + hl + 4, 8 + esplen);
		put16(out + hl + 6, 0);
	}
	put32(esp, sa->spi);
	put32(esp + 4, seq);
	memcpy(esp + 8, iv, B);
	ref_cbc(r, iv, pt, esp + 8 + B, (int)ptlen);
	ref_icv(r, esp, 8 + B + ptlen, esp + 8 + B + ptlen);
	return total;
}

/* Plaintext trailer per RFC 4303: payload | 1..p | p | nh, extra_blocks
 * more blocks of padding than the minimum.  Returns the length. */
static unsigned ref_plain(const struct ref_sa *r, const uint8_t *payload, unsigned plen, uint8_t nh,
			  unsigned extra_blocks, uint8_t *pt)
{
	unsigned B = r->co->c->blk;
	unsigned p = (B - (plen + 2) % B) % B + extra_blocks * B;
	memcpy(pt, payload, plen);
	for (unsigned i = 0; i < p; i++)
		pt[plen + i] = (uint8_t)(i + 1);
	pt[plen + p] = (uint8_t)p;
	pt[plen + p + 1] = nh;
	return plen + p + 2;
}

/* The expected ENCAP output for packet in (total length tot) with seq and iv. */
static unsigned ref_encap(const struct ref_sa *r, const uint8_t *in, uint32_t seq, const uint8_t *iv, uint8_t *out)
{
	static uint8_t pt[ESPFAB_MAX_FRAME + 64];
	const espfab_sa_t *sa = &r->sa;
	unsigned tot = get16(in + 2), hl = (in[0] & 15u) * 4;
	uint8_t hdr[60];
	unsigned ptlen, hlen;

	if (sa->mode == ESPFAB_MODE_TUNNEL) {
		memset(hdr, 0, 20);
		hdr[0] = 0x45;
		hdr[1] = in[1];
		put16(hdr + 4, seq & 0xffff);
		hdr[6] = in[6] & 0x40;
		hdr[8] = sa->ttl ? sa->ttl : 64;
		put32(hdr + 12, sa->tun_src);
		put32(hdr + 16, sa->tun_dst);
		hlen = 20;
		ptlen = ref_plain(r, in, tot, 4, 0, pt);
	} else {
		memcpy(hdr, in, hl);
		hlen = hl;
		ptlen = ref_plain(r, in + hl, tot - hl, in[9], 0, pt);
	}
	return ref_wrap(r, hdr, hlen, seq, iv, pt, ptlen, out);
}

/* ---- random inner packets ----------------------------------------------- */

struct pkt {
	uint8_t b[ESPFAB_MAX_FRAME];
	uint16_t len; /* bytes handed to the engine */
	uint16_t tot; /* IPv4 total length */
};

static void make_inner(struct pkt *p)
{
	static const uint8_t protos[] = { 6, 17, 1, 47, 50, 4, 132 };
	unsigned hl = rnd(4) == 0 ? 20 + 4 * (1 + rnd(10)) : 20;
	unsigned plen = rnd(4) == 0 ? rnd(65) : rnd(1501);
	unsigned tot = hl + plen;

	rnd_bytes(p->b, tot);
	p->b[0] = (uint8_t)(0x40 | hl / 4);
	p->b[1] = rnd(2) ? (uint8_t)rnd64() : 0;
	put16(p->b + 2, tot);
	p->b[6] = (uint8_t)(rnd(2) ? 0x40 : 0);
	p->b[7] = 0;
	if (rnd(8) == 0) /* a fragment: MF and an offset the engines must copy */
		put16(p->b + 6, 0x2000 | rnd(0x2000));
	p->b[8] = (uint8_t)(1 + rnd(255));
	p->b[9] = rnd(3) ? protos[rnd(sizeof protos)] : (uint8_t)rnd64();
	ipv4_checksum(p->b, hl);
	p->tot = (uint16_t)tot;
	p->len = (uint16_t)tot;
	if (rnd(8) == 0) { /* link-layer padding the engines must ignore */
		unsigned extra = 1 + rnd(16);
		rnd_bytes(p->b + tot, extra);
		p->len = (uint16_t)(tot + extra);
	}
}

/* ---- running one request on both engines -------------------------------- */

/* Statuses seen, per slot, over the whole run (printed at the end so a
 * weakened generator shows up as missing coverage). */
static unsigned long seen_status[8][ESPFAB_STATUS_SLOTS];

struct bench {
	const struct combo *co;
	espfab_dev *dev[N_ENG];
	struct ref_sa ref;
	uint16_t win_b; /* B's replay window */
	uint64_t cookie;
	uint8_t out[N_ENG][ESPFAB_MAX_FRAME + 64];
};

#define GUARD 64

static void check_states(struct bench *b, uint32_t slot)
{
	espfab_sa_state_t st[N_ENG];
	for (int e = 0; e < N_ENG; e++) {
		memset(&st[e], 0xa5, sizeof st[e]);
		CHECK(espfab_sa_state(b->dev[e], slot, &st[e]) == 0, "sa_state %s slot %u", eng_names[e], slot);
	}
	if (memcmp(&st[0], &st[1], sizeof st[0]) != 0) {
		print_error("%s: slot %u state differs: seq %u/%u bytes %llu/%llu soft %u/%u hard %u/%u\n", where,
			    slot, st[0].seq, st[1].seq, (unsigned long long)st[0].bytes,
			    (unsigned long long)st[1].bytes, st[0].soft_expired, st[1].soft_expired,
			    st[0].hard_expired, st[1].hard_expired);
		for (int i = 0; i < ESPFAB_STATUS_SLOTS; i++)
			if (st[0].count[i] != st[1].count[i])
				print_error("  count[%s] %llu/%llu\n", espfab_status_name((unsigned)i),
					    (unsigned long long)st[0].count[i], (unsigned long long)st[1].count[i]);
		for (int i = 0; i < ESPFAB_REPLAY_WORDS; i++)
			if (st[0].replay[i] != st[1].replay[i])
				print_error("  replay[%d] %08x/%08x\n", i, st[0].replay[i], st[1].replay[i]);
		fail();
	}
}

/* Run one request on both engines; the completions, outputs (when OK),
 * and the slot's state must agree.  Returns sw's completion; the output is
 * in b->out[E_SW]. */
static espfab_cpl run_both(struct bench *b, uint32_t slot, const uint8_t *in, unsigned in_len, unsigned out_cap)
{
	espfab_cpl c[N_ENG];
	b->cookie++;
	for (int e = 0; e < N_ENG; e++) {
		espfab_op op = { .slot = slot, .in = in, .in_len = (uint16_t)in_len, .out = b->out[e],
				 .out_cap = (uint16_t)out_cap, .cookie = b->cookie };
		memset(b->out[e], 0xee, sizeof b->out[e]);
		memset(&c[e], 0x5a, sizeof c[e]);
		int rc = espfab_process_one(b->dev[e], &op, &c[e]);
		CHECK(rc == 0, "%s: process_one returned %d (%s)", eng_names[e], rc, espfab_last_error(b->dev[e]));
		for (unsigned i = out_cap; i < out_cap + GUARD; i++)
			CHECK(b->out[e][i] == 0xee, "%s wrote past out_cap %u at %u", eng_names[e], out_cap, i);
	}
	CHECK(c[0].cookie == b->cookie && c[1].cookie == b->cookie, "cookie");
	CHECK(c[0].status == c[1].status, "status sw %s model %s (slot %u, in_len %u, cap %u)",
	      espfab_status_name(c[0].status), espfab_status_name(c[1].status), slot, in_len, out_cap);
	CHECK(c[0].slot == c[1].slot && c[0].slot == slot, "slot %u/%u", c[0].slot, c[1].slot);
	CHECK(c[0].spi == c[1].spi, "spi sw %08x model %08x (status %s)", c[0].spi, c[1].spi,
	      espfab_status_name(c[0].status));
	CHECK(c[0].seq == c[1].seq, "seq sw %u model %u (status %s)", c[0].seq, c[1].seq,
	      espfab_status_name(c[0].status));
	CHECK(c[0].out_len == c[1].out_len, "out_len sw %u model %u", c[0].out_len, c[1].out_len);
	CHECK(c[0].flags == c[1].flags, "flags sw %x model %x", c[0].flags, c[1].flags);
	if (c[0].status == ESPFAB_STATUS_OK) {
		CHECK(c[0].out_len > 0 && c[0].out_len <= out_cap, "out_len %u cap %u", c[0].out_len, out_cap);
		CHECK(memcmp(b->out[0], b->out[1], c[0].out_len) == 0, "outputs differ (%u bytes)", c[0].out_len);
	} else {
		CHECK(c[0].out_len == 0, "out_len %u on %s", c[0].out_len, espfab_status_name(c[0].status));
	}
	check_states(b, slot);
	seen_status[slot & 7][c[0].status & 15]++;
	return c[0];
}

/* ---- setting up one test ------------------------------------------------- */

static void bench_open(struct bench *b, const struct combo *co)
{
	espfab_sa_t *sa = &b->ref.sa;
	memset(b, 0, sizeof *b);
	b->co = co;
	b->ref.co = co;
	rng_state = 0x5eed0000ull + co->index * 0x1000193ull;

	espfab_open_opts o = { .sa_slots = 8, .queue_depth = 4, .iv_seeded = true, .iv_seed = rnd64() };
	for (int e = 0; e < N_ENG; e++) {
		int rc = espfab_open(eng_names[e], &o, &b->dev[e]);
		CHECK(rc == 0, "open %s: %d %s", eng_names[e], rc, espfab_open_error());
	}

	sa->spi = (uint32_t)rnd64() | 0x100;
	sa->mode = co->m->mode;
	sa->encap = co->m->encap;
	sa->cipher = co->c->cipher;
	sa->enc_key_len = co->c->key_len;
	sa->auth = co->a->auth;
	sa->auth_key_len = co->a->key_len;
	rnd_bytes(sa->enc_key, sa->enc_key_len);
	rnd_bytes(sa->auth_key, sa->auth_key_len);
	sa->ttl = (uint8_t)(rnd(2) ? 0 : rnd64());
	sa->tun_src = (uint32_t)rnd64() | 1;
	sa->tun_dst = (uint32_t)rnd64() | 1;
	if (sa->encap == ESPFAB_ENCAP_UDP) {
		sa->sport = rnd(2) ? ESPFAB_UDP_ENCAP_PORT : (uint16_t)(1 + rnd(65535));
		sa->dport = rnd(2) ? ESPFAB_UDP_ENCAP_PORT : (uint16_t)(1 + rnd(65535));
	}
	memcpy(b->ref.enc_key, sa->enc_key, sa->enc_key_len);
	if (sa->cipher == ESPFAB_CIPHER_3DES && sa->enc_key_len == 16)
		memcpy(b->ref.enc_key + 16, sa->enc_key, 8);

	static const uint16_t windows[] = { 0, 32, 64, 1024 };
	espfab_sa_t out = *sa, in_a = *sa, in_b = *sa;
	out.dir = ESPFAB_DIR_OUT;
	out.life_soft_kb = rnd(2) ? 4 + rnd(16) : 0; /* soft expiry shows in flags */
	in_a.dir = ESPFAB_DIR_IN;
	in_a.replay_window = windows[rnd(4)];
	in_b.dir = ESPFAB_DIR_IN;
	in_b.replay_window = windows[rnd(4)];
	in_b.life_soft_kb = rnd(2) ? 2 + rnd(8) : 0;
	in_b.life_hard_kb = rnd(3) == 0 ? 12 + rnd(16) : 0; /* B may run out */
	for (int e = 0; e < N_ENG; e++) {
		CHECK(espfab_sa_add(b->dev[e], SLOT_OUT, &out) == 0, "%s add out: %s", eng_names[e],
		      espfab_last_error(b->dev[e]));
		CHECK(espfab_sa_add(b->dev[e], SLOT_A, &in_a) == 0, "%s add A: %s", eng_names[e],
		      espfab_last_error(b->dev[e]));
		CHECK(espfab_sa_add(b->dev[e], SLOT_B, &in_b) == 0, "%s add B: %s", eng_names[e],
		      espfab_last_error(b->dev[e]));
	}
	b->ref.sa.replay_window = in_a.replay_window; /* what A enforces */
	b->win_b = in_b.replay_window;
}

static void bench_close(struct bench *b)
{
	for (int e = 0; e < N_ENG; e++)
		espfab_close(b->dev[e]);
}

/* ---- (a) + (b): encapsulation ------------------------------------------- */

static unsigned encap_one(struct bench *b, const struct pkt *p, uint8_t *esp)
{
	static uint8_t want[ESPFAB_MAX_FRAME + 64];
	const espfab_sa_t *sa = &b->ref.sa;
	unsigned B = b->co->c->blk;
	espfab_sa_state_t before;
	CHECK(espfab_sa_state(b->dev[E_SW], SLOT_OUT, &before) == 0, "state");

	if (rnd(16) == 0) { /* too small a buffer: TOO_BIG, sequence not consumed */
		unsigned cap = rnd(p->tot + 30u); /* every ESP output is >= tot + 30 */
		espfab_cpl c = run_both(b, SLOT_OUT, p->b, p->len, cap);
		espfab_sa_state_t after;
		CHECK(c.status == ESPFAB_STATUS_TOO_BIG, "cap %u: %s", cap, espfab_status_name(c.status));
		CHECK(espfab_sa_state(b->dev[E_SW], SLOT_OUT, &after) == 0, "state");
		CHECK(after.seq == before.seq, "TOO_BIG consumed a sequence number");
	}

	espfab_cpl c = run_both(b, SLOT_OUT, p->b, p->len, ESPFAB_MAX_FRAME);
	CHECK(c.status == ESPFAB_STATUS_OK, "encap: %s", espfab_status_name(c.status));
	CHECK(c.seq == before.seq + 1, "encap seq %u after %u", c.seq, before.seq);
	CHECK(c.spi == sa->spi, "encap spi");

	/* (b) the reference, with the IV the engine used. */
	unsigned esp_off = (sa->mode == ESPFAB_MODE_TUNNEL ? 20 : (p->b[0] & 15u) * 4) +
			   (sa->encap == ESPFAB_ENCAP_UDP ? 8 : 0);
	CHECK(c.out_len >= esp_off + 8 + B, "encap output too short: %u", c.out_len);
	const uint8_t *iv = b->out[E_SW] + esp_off + 8;
	unsigned n = ref_encap(&b->ref, p->b, c.seq, iv, want);
	CHECK(n == c.out_len, "reference length %u, engine %u", n, c.out_len);
	for (unsigned i = 0; i < n; i++)
		CHECK(want[i] == b->out[E_SW][i], "reference differs at byte %u: want %02x got %02x", i, want[i],
		      b->out[E_SW][i]);
	memcpy(esp, b->out[E_SW], n);
	return n;
}

/* ---- (c): decapsulation --------------------------------------------------- */

/* A genuine packet on A: first delivery restores the original, repeats are
 * REPLAY (window on) or OK again (window off). */
static void decap_genuine_a(struct bench *b, const uint8_t *esp, unsigned len, const struct pkt *orig, bool first)
{
	espfab_cpl c = run_both(b, SLOT_A, esp, len, ESPFAB_MAX_FRAME);
	if (!first && b->ref.sa.replay_window != 0) {
		CHECK(c.status == ESPFAB_STATUS_REPLAY, "duplicate on A: %s", espfab_status_name(c.status));
		return;
	}
	CHECK(c.status == ESPFAB_STATUS_OK, "genuine on A (%s): %s", first ? "first" : "again",
	      espfab_status_name(c.status));
	CHECK(c.spi == b->ref.sa.spi, "decap spi");
	CHECK(c.out_len == orig->tot, "decap length %u, original %u", c.out_len, orig->tot);
	CHECK(memcmp(b->out[E_SW], orig->b, orig->tot) == 0, "decap does not restore the original packet");
}

enum craft {
	CR_BAD_PAD_BYTE, /* PAD */
	CR_PAD_TOO_LONG, /* PAD: p + 2 > plaintext */
	CR_PAD_ALL,      /* p + 2 == plaintext: empty payload; tunnel PROTO, transport OK */
	CR_BIG_PAD,      /* extra pad blocks: OK */
	CR_NH,           /* random next header: tunnel PROTO unless 4, transport OK */
	CR_INNER_VER,    /* tunnel: inner version 6 -> PROTO */
	CR_INNER_IHL,    /* tunnel: inner IHL 4 -> PROTO */
	CR_INNER_LONG,   /* tunnel: inner total length > payload -> PROTO */
	CR_INNER_SHORT,  /* tunnel: inner total length < payload (TFC padding) -> OK */
	CR_N
};

/* Build an authentic (valid ICV) packet for B with a defect in the
 * plaintext; *want receives the status if seq is fresh. */
static unsigned craft(struct bench *b, const struct pkt *orig, uint32_t seq, uint8_t *out, uint8_t *want)
{
	static uint8_t pt[ESPFAB_MAX_FRAME + 64];
	const struct ref_sa *r = &b->ref;
	bool tunnel = r->sa.mode == ESPFAB_MODE_TUNNEL;
	unsigned B = b->co->c->blk;
	unsigned hl = (orig->b[0] & 15u) * 4;
	const uint8_t *payload = tunnel ? orig->b : orig->b + hl;
	unsigned plen = tunnel ? orig->tot : orig->tot - hl;
	uint8_t nh = tunnel ? 4 : orig->b[9];
	uint8_t hdr[60], iv[16];
	unsigned ptlen, extra = 0;
	enum craft k = (enum craft)rnd(CR_N);

	if (!tunnel && k >= CR_INNER_VER)
		k = CR_NH;
	if (k == CR_BIG_PAD) /* p stays <= 255 */
		extra = 1 + rnd((255 - B) / B);
	if (k == CR_BAD_PAD_BYTE && (B - (plen + 2) % B) % B == 0) /* need p >= 1 */
		extra = 1;
	ptlen = ref_plain(r, payload, plen, nh, extra, pt);
	*want = ESPFAB_STATUS_OK;
	switch (k) {
	case CR_BAD_PAD_BYTE: {
		unsigned p = pt[ptlen - 2];
		pt[plen + rnd(p)] ^= (uint8_t)(1 + rnd(255));
		*want = ESPFAB_STATUS_PAD;
		break;
	}
	case CR_PAD_TOO_LONG:
		if (ptlen - 1 <= 255) {
			pt[ptlen - 2] = (uint8_t)(ptlen - 1 + rnd(256 - (ptlen - 1)));
		} else { /* not expressible in one byte: claim more pad than there is 1..p */
			pt[ptlen - 2] = (uint8_t)(pt[ptlen - 2] + B);
		}
		*want = ESPFAB_STATUS_PAD;
		break;
	case CR_PAD_ALL:
		/* Only expressible when ptlen - 2 <= 255: redo with an empty payload. */
		ptlen = ref_plain(r, payload, 0, nh, rnd(4), pt);
		*want = tunnel ? ESPFAB_STATUS_PROTO : ESPFAB_STATUS_OK;
		break;
	case CR_BIG_PAD:
		if (tunnel && plen < 20)
			*want = ESPFAB_STATUS_PROTO;
		break;
	case CR_NH:
		pt[ptlen - 1] = (uint8_t)rnd64();
		*want = tunnel && pt[ptlen - 1] != 4 ? ESPFAB_STATUS_PROTO : ESPFAB_STATUS_OK;
		break;
	case CR_INNER_VER:
		pt[0] = (uint8_t)(0x60 | (pt[0] & 15));
		*want = ESPFAB_STATUS_PROTO;
		break;
	case CR_INNER_IHL:
		pt[0] = 0x44;
		*want = ESPFAB_STATUS_PROTO;
		break;
	case CR_INNER_LONG:
		put16(pt + 2, plen + 1 + rnd(100));
		*want = ESPFAB_STATUS_PROTO;
		break;
	case CR_INNER_SHORT: {
		unsigned ihl = (pt[0] & 15u) * 4;
		put16(pt + 2, ihl + rnd(plen - ihl + 1));
		break;
	}
	case CR_N:
		break;
	}
	if (tunnel) {
		memset(hdr, 0, 20);
		hdr[0] = 0x45;
		hdr[8] = 64;
		put32(hdr + 12, r->sa.tun_src);
		put32(hdr + 16, r->sa.tun_dst);
		hl = 20;
	} else {
		memcpy(hdr, orig->b, hl);
	}
	rnd_bytes(iv, sizeof iv);
	return ref_wrap(r, hdr, hl, seq, iv, pt, ptlen, out);
}

/* Damage a genuine packet in one of several ways; returns the length to
 * hand to the engine. */
static unsigned mutate(const struct bench *b, uint8_t *p, unsigned len)
{
	unsigned hl = (p[0] & 15u) * 4;
	bool udp = b->ref.sa.encap == ESPFAB_ENCAP_UDP;
	switch (rnd(8)) {
	case 0: case 1: /* one bit anywhere */
		p[rnd(len)] ^= (uint8_t)(1u << rnd(8));
		return len;
	case 2: /* one bit in the ESP part (ICV territory) */
		p[hl + rnd(len - hl)] ^= (uint8_t)(1u << rnd(8));
		return len;
	case 3: /* cut short, headers unchanged */
		return rnd(len);
	case 4: { /* cut short with consistent IP and UDP lengths */
		unsigned n = hl + rnd(len - hl);
		put16(p + 2, n);
		if (udp && n >= hl + 8)
			put16(p + hl + 4, n - hl);
		return n;
	}
	case 5: { /* link padding after the packet: harmless */
		unsigned extra = 1 + rnd(20);
		rnd_bytes(p + len, extra);
		return len + extra;
	}
	case 6: /* sequence number 0 or near the top */
		put32(p + hl + (udp ? 8 : 0) + 4, rnd(2) ? 0 : get32(p + hl + (udp ? 8 : 0) + 4) + rnd(3));
		return len;
	default: /* header damage: version, IHL, protocol, UDP length, marker */
		switch (rnd(5)) {
		case 0: p[0] = (uint8_t)((rnd(16) << 4) | (p[0] & 15)); break;
		case 1: p[0] = (uint8_t)(0x40 | rnd(16)); break;
		case 2: p[9] = (uint8_t)rnd64(); break;
		case 3: if (udp) put16(p + hl + 4, rnd(65536)); break;
		default: if (udp) memset(p + hl + 8, 0, 4); break;
		}
		return len;
	}
}

static uint8_t state_flags(struct bench *b, uint32_t slot, uint32_t *top)
{
	espfab_sa_state_t st;
	CHECK(espfab_sa_state(b->dev[E_SW], slot, &st) == 0, "state");
	*top = st.seq;
	return st.hard_expired;
}

static void decap_b(struct bench *b, const uint8_t *esp, unsigned len, const struct pkt *orig)
{
	static uint8_t m[ESPFAB_MAX_FRAME + 64];
	uint32_t top;
	/* Sometimes a buffer around the output size: TOO_BIG below it, and at or
	 * above it the engine must cope with a buffer smaller than the plaintext. */
	unsigned cap = rnd(6) == 0 ? orig->tot + 20 - rnd(40) : ESPFAB_MAX_FRAME;

	switch (rnd(4)) {
	case 0: { /* mutated copy */
		memcpy(m, esp, len);
		unsigned n = mutate(b, m, len);
		snprintf(where + strlen(where), 24, " mut");
		run_both(b, SLOT_B, m, n, cap);
		break;
	}
	case 1: { /* crafted, authentic */
		uint8_t want;
		bool expired = state_flags(b, SLOT_B, &top);
		uint32_t w = b->win_b, seq;
		switch (rnd(12)) {
		case 0: case 3: /* just behind the top */
			seq = top - rnd(top < 40 ? top : 40);
			break;
		case 1: case 4: /* at the left edge of the window */
			seq = top - w + 1 - rnd(3);
			break;
		case 2: /* far ahead: the bitmap shifts by up to twice its size */
			seq = top + 1 + rnd(2 * ESPFAB_REPLAY_MAX + 64);
			break;
		default:
			seq = top + 1 + rnd(3);
			break;
		}
		if (seq == 0 || seq > top + 5000) /* wrapped below 1 */
			seq = 1 + rnd(3);
		unsigned n = craft(b, orig, seq, m, &want);
		snprintf(where + strlen(where), 24, " craft");
		espfab_cpl c = run_both(b, SLOT_B, m, n, ESPFAB_MAX_FRAME);
		if (seq > top && !expired)
			CHECK(c.status == want, "crafted packet: want %s got %s", espfab_status_name(want),
			      espfab_status_name(c.status));
		break;
	}
	default: /* the genuine packet, maybe into a small buffer */
		snprintf(where + strlen(where), 24, " genuine");
		run_both(b, SLOT_B, esp, len, cap);
		break;
	}
}

/* ---- one test ------------------------------------------------------------ */

static void test_combo(void **state)
{
	const struct combo *co = *state;
	static struct bench b;
	static struct pkt orig[BATCH_MAX];
	static uint8_t esp[BATCH_MAX][ESPFAB_MAX_FRAME + 64];
	static unsigned esp_len[BATCH_MAX];
	unsigned batches = co->c->blk == 8 ? BATCHES_DES : BATCHES_AES;

	snprintf(where, sizeof where, "%s setup", co->name);
	bench_open(&b, co);
	for (unsigned bt = 0; bt < batches; bt++) {
		unsigned k = 1 + rnd(BATCH_MAX);
		for (unsigned i = 0; i < k; i++) {
			snprintf(where, sizeof where, "%s batch %u encap %u", co->name, bt, i);
			make_inner(&orig[i]);
			esp_len[i] = encap_one(&b, &orig[i], esp[i]);
		}
		/* Deliver in a random order with random duplicates. */
		unsigned order[BATCH_MAX * 2], n = 0;
		bool seen[BATCH_MAX] = { false };
		for (unsigned i = 0; i < k; i++)
			order[n++] = i;
		for (unsigned i = k; i > 1; i--) {
			unsigned j = rnd(i), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (unsigned i = 0, dups = rnd(3); i < dups; i++)
			order[n++] = order[rnd(k)];
		for (unsigned i = 0; i < n; i++) {
			unsigned x = order[i];
			snprintf(where, sizeof where, "%s batch %u decap A #%u", co->name, bt, x);
			decap_genuine_a(&b, esp[x], esp_len[x], &orig[x], !seen[x]);
			seen[x] = true;
			snprintf(where, sizeof where, "%s batch %u decap B #%u", co->name, bt, x);
			decap_b(&b, esp[x], esp_len[x], &orig[x]);
		}
		/* An empty slot answers NO_SA on both. */
		snprintf(where, sizeof where, "%s batch %u empty slot", co->name, bt);
		espfab_cpl c[N_ENG];
		for (int e = 0; e < N_ENG; e++) {
			espfab_op op = { .slot = SLOT_EMPTY, .in = esp[0], .in_len = (uint16_t)esp_len[0],
					 .out = b.out[e], .out_cap = ESPFAB_MAX_FRAME, .cookie = 1 };
			int rc = espfab_process_one(b.dev[e], &op, &c[e]);
			/* The common layer may refuse an empty slot itself. */
			if (rc == 0)
				CHECK(c[e].status == ESPFAB_STATUS_NO_SA, "%s empty slot: %s", eng_names[e],
				      espfab_status_name(c[e].status));
		}
	}
	snprintf(where, sizeof where, "%s final states", co->name);
	check_states(&b, SLOT_OUT);
	check_states(&b, SLOT_A);
	check_states(&b, SLOT_B);
	bench_close(&b);
}

/* ---- requests the public API cannot make, straight to the engines --------- */

/*
 * The common layer derives op from the SA and bounds in_len by its type, so
 * BAD_REQUEST, in_len > MAX_FRAME and out-of-range slots only reach an engine
 * through its ops table.  Both engines get the same descriptors.
 */
struct direct_case {
	const char *what;
	uint32_t slot;
	uint8_t op;
	uint16_t in_len;
	uint8_t want;
};

enum { D_OUT = 0, D_IN = 1, D_EMPTY = 2, D_SLOTS = 4 };

static const struct direct_case direct_cases[] = {
	{ "decap on an outbound SA", D_OUT, ESPFAB_OP_DECAP, 100, ESPFAB_STATUS_BAD_REQUEST },
	{ "encap on an inbound SA", D_IN, ESPFAB_OP_ENCAP, 100, ESPFAB_STATUS_BAD_REQUEST },
	{ "unknown op, outbound SA", D_OUT, 7, 100, ESPFAB_STATUS_BAD_REQUEST },
	{ "unknown op, inbound SA", D_IN, 2, 100, ESPFAB_STATUS_BAD_REQUEST },
	{ "in_len above MAX_FRAME, encap", D_OUT, ESPFAB_OP_ENCAP, ESPFAB_MAX_FRAME + 1, ESPFAB_STATUS_TOO_BIG },
	{ "in_len above MAX_FRAME, decap", D_IN, ESPFAB_OP_DECAP, ESPFAB_MAX_FRAME + 1, ESPFAB_STATUS_TOO_BIG },
	{ "empty slot", D_EMPTY, ESPFAB_OP_ENCAP, 100, ESPFAB_STATUS_NO_SA },
	{ "slot beyond the table", D_SLOTS + 3, ESPFAB_OP_ENCAP, 100, ESPFAB_STATUS_NO_SA },
	{ "slot beyond SA_SLOTS_MAX", ESPFAB_SA_SLOTS_MAX + 5, ESPFAB_OP_DECAP, 100, ESPFAB_STATUS_NO_SA },
	{ "a good encap", D_OUT, ESPFAB_OP_ENCAP, 1000, ESPFAB_STATUS_OK },
	{ "a second good encap (hard lifetime 1 KB crossed)", D_OUT, ESPFAB_OP_ENCAP, 1000, ESPFAB_STATUS_OK },
	{ "encap after the hard lifetime", D_OUT, ESPFAB_OP_ENCAP, 1000, ESPFAB_STATUS_LIFETIME },
	{ "bad request after the hard lifetime", D_OUT, ESPFAB_OP_DECAP, 1000, ESPFAB_STATUS_BAD_REQUEST },
	{ "too big after the hard lifetime", D_OUT, ESPFAB_OP_ENCAP, ESPFAB_MAX_FRAME + 1, ESPFAB_STATUS_TOO_BIG },
};

static void test_direct_ops(void **state)
{
	(void)state;
	static const struct espfab_engine_ops *const eng[N_ENG] = { &espfab_engine_sw, &espfab_engine_model };
	static uint8_t in[ESPFAB_MAX_FRAME + 16], out[N_ENG][ESPFAB_MAX_FRAME + 16];
	void *priv[N_ENG];
	char why[128];
	espfab_sa_t sa;

	memset(&sa, 0, sizeof sa);
	sa.spi = 0x4242;
	sa.valid = 1;
	sa.cipher = ESPFAB_CIPHER_AES;
	sa.enc_key_len = 16;
	sa.auth = ESPFAB_AUTH_SHA1;
	sa.auth_key_len = 20;
	sa.replay_window = 64;
	sa.tun_src = 0x0a000001;
	sa.tun_dst = 0x0a000002;
	sa.life_soft_kb = 1;
	sa.life_hard_kb = 1;
	for (int i = 0; i < 32; i++)
		sa.enc_key[i] = (uint8_t)(3 * i + 1);
	for (int i = 0; i < 64; i++)
		sa.auth_key[i] = (uint8_t)(7 * i + 5);
	memset(in, 0x11, sizeof in);
	in[0] = 0x45;
	put16(in + 2, 1000);

	for (int e = 0; e < N_ENG; e++) {
		snprintf(where, sizeof where, "direct %s", eng_names[e]);
		CHECK(eng[e]->open(&priv[e], D_SLOTS, 4, why, sizeof why) == 0, "open: %s", why);
		espfab_sa_t o = sa, i = sa;
		o.dir = ESPFAB_DIR_OUT;
		i.dir = ESPFAB_DIR_IN;
		CHECK(eng[e]->sa_write(priv[e], D_OUT, &o, false) == 0, "sa_write out");
		CHECK(eng[e]->sa_write(priv[e], D_IN, &i, false) == 0, "sa_write in");
	}
	for (size_t k = 0; k < sizeof direct_cases / sizeof direct_cases[0]; k++) {
		const struct direct_case *dc = &direct_cases[k];
		espfab_cpl_t c[N_ENG];
		snprintf(where, sizeof where, "direct case %zu (%s)", k + 1, dc->what);
		for (int e = 0; e < N_ENG; e++) {
			espfab_req_t r;
			memset(&r, 0, sizeof r);
			r.cookie = 1000 + k;
			r.in_addr = (uint64_t)(uintptr_t)in;
			r.out_addr = (uint64_t)(uintptr_t)out[e];
			r.slot = dc->slot;
			r.in_len = dc->in_len;
			r.out_cap = ESPFAB_MAX_FRAME;
			r.op = dc->op;
			memset(r.iv, 0x3c, sizeof r.iv);
			memset(&c[e], 0x77, sizeof c[e]);
			c[e].status = ESPFAB_STATUS_PENDING;
			CHECK(eng[e]->submit(priv[e], &r, 1) == 1, "%s submit", eng_names[e]);
			CHECK(eng[e]->poll(priv[e], &c[e], 1) == 1, "%s poll", eng_names[e]);
			CHECK(c[e].status == dc->want, "%s: want %s got %s", eng_names[e], espfab_status_name(dc->want),
			      espfab_status_name(c[e].status));
			CHECK(c[e].cookie == r.cookie && c[e].slot == r.slot, "%s cookie/slot", eng_names[e]);
		}
		CHECK(memcmp(&c[0], &c[1], sizeof c[0]) == 0,
		      "completions differ: spi %08x/%08x seq %u/%u out_len %u/%u flags %x/%x", c[0].spi, c[1].spi,
		      c[0].seq, c[1].seq, c[0].out_len, c[1].out_len, c[0].flags, c[1].flags);
		if (c[0].status == ESPFAB_STATUS_OK)
			CHECK(memcmp(out[0], out[1], c[0].out_len) == 0, "outputs differ");
		for (uint32_t slot = D_OUT; slot <= D_IN; slot++) {
			espfab_sa_state_t st[N_ENG];
			for (int e = 0; e < N_ENG; e++) {
				memset(&st[e], 0, sizeof st[e]);
				CHECK(eng[e]->sa_read_state(priv[e], slot, &st[e]) == 0, "%s state", eng_names[e]);
			}
			CHECK(memcmp(&st[0], &st[1], sizeof st[0]) == 0, "state of slot %u differs", slot);
		}
	}
	for (int e = 0; e < N_ENG; e++)
		eng[e]->close(priv[e]);
}

/* ---- group setup --------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	ref_lib = OSSL_LIB_CTX_new();
	if (!ref_lib)
		return -1;
	ref_prov[0] = OSSL_PROVIDER_load(ref_lib, "default");
	ref_prov[1] = OSSL_PROVIDER_load(ref_lib, "legacy");
	if (!ref_prov[0] || !ref_prov[1])
		return -1;
	for (size_t i = 0; i < N_CIPHERS; i++)
		if (!(ref_cipher[i] = EVP_CIPHER_fetch(ref_lib, ciphers[i].evp, NULL)))
			return -1;
	for (size_t i = 0; i < N_AUTHS; i++)
		if (!(ref_md[i] = EVP_MD_fetch(ref_lib, auths[i].md, NULL)))
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CIPHERS; i++)
		EVP_CIPHER_free(ref_cipher[i]);
	for (size_t i = 0; i < N_AUTHS; i++)
		EVP_MD_free(ref_md[i]);
	for (int i = 0; i < 2; i++)
		if (ref_prov[i])
			OSSL_PROVIDER_unload(ref_prov[i]);
	OSSL_LIB_CTX_free(ref_lib);
	return 0;
}

int main(void)
{
	unsigned n = 0;
	for (size_t c = 0; c < N_CIPHERS; c++)
		for (size_t a = 0; a < N_AUTHS; a++)
			for (size_t m = 0; m < N_MODES; m++, n++) {
				struct combo *co = &combos[n];
				co->c = &ciphers[c];
				co->a = &auths[a];
				co->m = &modes[m];
				co->index = n;
				co->cidx = (unsigned)c;
				co->aidx = (unsigned)a;
				snprintf(co->name, sizeof co->name, "%s-%s-%s", co->c->name, co->a->name, co->m->name);
				tests[n] = (struct CMUnitTest){ .name = co->name, .test_func = test_combo,
								 .initial_state = co };
			}
	tests[n] = (struct CMUnitTest){ .name = "direct_ops", .test_func = test_direct_ops };
	int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
	static const char *const slot_names[8] = { [SLOT_OUT] = "out", [SLOT_A] = "A", [SLOT_B] = "B" };
	for (unsigned sl = 0; sl < 8; sl++) {
		if (!slot_names[sl])
			continue;
		printf("statuses on %s:", slot_names[sl]);
		for (unsigned st = 0; st < ESPFAB_STATUS_SLOTS; st++)
			if (seen_status[sl][st])
				printf(" %s=%lu", espfab_status_name(st), seen_status[sl][st]);
		printf("\n");
	}
	return failed;
}
