/*
 * The ESP kernel (hls/esp) through esp_top directly.  Owner: H2.
 *
 * Table-driven, numbered cases for everything docs/esp-semantics.md
 * specifies: replay window (checked after every step against a reference
 * bitmap built from the accepted sequence numbers), lifetimes, sequence
 * overflow, TOO_BIG, BAD_REQUEST, NO_SA, LENGTH at every prefix of valid
 * packets, PROTO, and round trips for every cipher x auth x mode with the
 * encapsulated bytes verified independently with OpenSSL (EVP decryption,
 * HMAC(), headers rebuilt from the page).  Every call also checks that the
 * kernel wrote nothing past out_len and nothing at all unless OK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "esp/esp.h"

#define MAXF ESPFAB_MAX_FRAME
#define S(x) ESPFAB_STATUS_##x
#define CANARY 0xee

static espfab_sa_t *g_sa;
static esp_ctx_t *g_ctx;
static espfab_sa_state_t *g_st;
static uint8_t *g_in, *g_out; /* exactly MAX_FRAME each: ASan sees any overrun */
static const uint8_t g_iv[ESPFAB_IV_MAX] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					     0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x0f };

/* ---- helpers ----------------------------------------------------------- */

static unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

static unsigned ipsum(const uint8_t *h, unsigned len)
{
	uint32_t s = 0;
	for (unsigned i = 0; i + 1 < len; i += 2)
		s += rd16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void fix_ipsum(uint8_t *h)
{
	unsigned hl = (h[0] & 15) * 4u;
	h[10] = h[11] = 0;
	wr16(h + 10, ipsum(h, hl));
}

/* IPv4 packet: hlen-byte header (NOP options past 20), total length tl,
 * protocol proto, payload pattern from seed; valid checksum. */
static void mk_ip(uint8_t *p, unsigned hlen, unsigned tl, uint8_t proto, uint8_t seed)
{
	memset(p, 0, hlen);
	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[1] = 0xb8;
	wr16(p + 2, tl);
	wr16(p + 4, 0xbeef);
	p[6] = 0x40 | 0x20; /* DF and MF: only DF may reach the outer header */
	p[7] = 0x05;
	p[8] = 33;
	p[9] = proto;
	wr32(p + 12, 0xc0a80101);
	wr32(p + 16, 0xc0a80202);
	for (unsigned i = 20; i < hlen; i++)
		p[i] = 1;
	for (unsigned i = hlen; i < tl; i++)
		p[i] = (uint8_t)(seed + i * 13);
	fix_ipsum(p);
}

static unsigned blk(uint8_t cipher)
{
	return cipher == ESPFAB_CIPHER_AES ? 16 : 8;
}

static espfab_sa_t mk_sa(uint32_t spi, uint8_t dir, uint8_t mode, uint8_t encap, uint8_t cipher, uint8_t klen,
			 uint8_t auth, uint16_t window)
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = spi;
	sa.valid = 1;
	sa.dir = dir;
	sa.mode = mode;
	sa.encap = encap;
	sa.cipher = cipher;
	sa.enc_key_len = klen;
	sa.auth = auth;
	sa.auth_key_len = auth == ESPFAB_AUTH_MD5 ? 16 : 20;
	sa.replay_window = window;
	sa.tun_src = 0x0a010203;
	sa.tun_dst = 0x0a040506;
	sa.sport = 4500;
	sa.dport = 4500;
	for (unsigned i = 0; i < sa.enc_key_len; i++)
		sa.enc_key[i] = (uint8_t)(spi * 7 + i * 29 + 1);
	for (unsigned i = 0; i < sa.auth_key_len; i++)
		sa.auth_key[i] = (uint8_t)(spi * 3 + i * 17 + 5);
	return sa;
}

static void put_sa(uint32_t slot, const espfab_sa_t *sa)
{
	g_sa[slot] = *sa;
	memset(&g_st[slot], 0, sizeof g_st[slot]);
	assert_int_equal(esp_sa_setup(sa, &g_ctx[slot]), 0);
}

/* The same SA outbound in out_slot and inbound in out_slot + 1. */
static void put_pair(uint32_t out_slot, espfab_sa_t sa)
{
	sa.dir = ESPFAB_DIR_OUT;
	put_sa(out_slot, &sa);
	sa.dir = ESPFAB_DIR_IN;
	put_sa(out_slot + 1, &sa);
}

static void clear_slot(uint32_t slot)
{
	memset(&g_sa[slot], 0, sizeof g_sa[slot]);
	memset(&g_ctx[slot], 0, sizeof g_ctx[slot]);
	memset(&g_st[slot], 0, sizeof g_st[slot]);
}

/* One request through esp_top.  Checks what holds for every completion:
 * cookie and slot echoed, out_len <= out_cap, out_len 0 unless OK, nothing
 * written past out_len.  Copies the output to out (may be NULL). */
static espfab_cpl_t run_op(uint32_t slot, uint8_t op, const uint8_t *in, unsigned in_len, uint8_t *out,
			   unsigned out_cap, const uint8_t *iv)
{
	espfab_req_t req;
	espfab_cpl_t cpl;
	memset(&req, 0, sizeof req);
	req.cookie = 0x1234567890abcdefull ^ slot;
	req.slot = slot;
	req.op = op;
	req.in_len = (uint16_t)in_len;
	req.out_cap = (uint16_t)out_cap;
	memcpy(req.iv, iv ? iv : g_iv, ESPFAB_IV_MAX);
	memset(g_in, 0, MAXF);
	if (in)
		memcpy(g_in, in, in_len < MAXF ? in_len : MAXF);
	memset(g_out, CANARY, MAXF);
	memset(&cpl, 0x5a, sizeof cpl);
	esp_top(g_sa, g_ctx, g_st, &req, g_in, g_out, &cpl);
	assert_true(cpl.cookie == req.cookie);
	assert_int_equal(cpl.slot, slot);
	assert_true(cpl.status != S(PENDING));
	if (cpl.status != S(OK))
		assert_int_equal(cpl.out_len, 0);
	assert_true(cpl.out_len <= out_cap && cpl.out_len <= MAXF);
	for (unsigned i = cpl.out_len; i < MAXF; i++)
		if (g_out[i] != CANARY)
			fail_msg("kernel wrote out[%u] past out_len %u (status %s)", i, cpl.out_len,
				 espfab_status_name(cpl.status));
	if (out && cpl.out_len)
		memcpy(out, g_out, cpl.out_len);
	return cpl;
}

static espfab_cpl_t run_slot(uint32_t slot, const uint8_t *in, unsigned in_len, uint8_t *out, unsigned out_cap)
{
	uint8_t op = g_sa[slot].dir == ESPFAB_DIR_IN ? ESPFAB_OP_DECAP : ESPFAB_OP_ENCAP;
	return run_op(slot, op, in, in_len, out, out_cap, NULL);
}

/* Encapsulate in through out_slot as sequence number seq; returns the length. */
static unsigned make_esp(uint32_t out_slot, uint32_t seq, const uint8_t *in, unsigned in_len, uint8_t *pkt)
{
	g_st[out_slot].seq = seq - 1;
	espfab_cpl_t c = run_slot(out_slot, in, in_len, pkt, MAXF);
	if (c.status != S(OK))
		fail_msg("make_esp: encap status %s", espfab_status_name(c.status));
	assert_int_equal(c.seq, seq);
	return c.out_len;
}

/* Offset of the ESP header in an encapsulated packet of SA sa. */
static unsigned esp_off(const uint8_t *pkt, const espfab_sa_t *sa)
{
	return (pkt[0] & 15) * 4u + (sa->encap == ESPFAB_ENCAP_UDP ? 8 : 0);
}

/* count[] of b equals a's except count[status] one higher. */
static void assert_counted(const espfab_sa_state_t *a, const espfab_sa_state_t *b, unsigned status, int cs)
{
	for (unsigned i = 0; i < ESPFAB_STATUS_SLOTS; i++) {
		uint64_t want = a->count[i] + (i == status ? 1 : 0);
		if (b->count[i] != want)
			fail_msg("case %d: count[%s] %llu, expected %llu", cs, espfab_status_name(i),
				 (unsigned long long)b->count[i], (unsigned long long)want);
	}
}

/* Everything but count[] unchanged. */
static void assert_state_kept(const espfab_sa_state_t *a, const espfab_sa_state_t *b, int cs)
{
	if (a->seq != b->seq || a->bytes != b->bytes || a->soft_expired != b->soft_expired ||
	    a->hard_expired != b->hard_expired || memcmp(a->replay, b->replay, sizeof a->replay))
		fail_msg("case %d: state changed (seq %u -> %u, bytes %llu -> %llu)", cs, a->seq, b->seq,
			 (unsigned long long)a->bytes, (unsigned long long)b->bytes);
}

static void expect(const espfab_cpl_t *c, unsigned status, int cs)
{
	if (c->status != status)
		fail_msg("case %d: status %s, expected %s", cs, espfab_status_name(c->status),
			 espfab_status_name(status));
}

/* ---- fixtures ------------------------------------------------------------ */

static OSSL_PROVIDER *prov_legacy, *prov_default;

static int group_setup(void **s)
{
	(void)s;
	g_sa = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *g_sa);
	g_ctx = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *g_ctx);
	g_st = calloc(ESPFAB_SA_SLOTS_MAX, sizeof *g_st);
	g_in = malloc(MAXF);
	g_out = malloc(MAXF);
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	return g_sa && g_ctx && g_st && g_in && g_out && prov_legacy && prov_default ? 0 : -1;
}

static int group_teardown(void **s)
{
	(void)s;
	free(g_sa);
	free(g_ctx);
	free(g_st);
	free(g_in);
	free(g_out);
	if (prov_legacy)
		OSSL_PROVIDER_unload(prov_legacy);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	return 0;
}

static int test_setup(void **s)
{
	(void)s;
	memset(g_sa, 0, ESPFAB_SA_SLOTS_MAX * sizeof *g_sa);
	memset(g_st, 0, ESPFAB_SA_SLOTS_MAX * sizeof *g_st);
	return 0;
}

/* ---- replay window ------------------------------------------------------- */

enum { CLEAN = 0, CORRUPT = 1 };

struct rstep {
	uint32_t seq;
	uint8_t corrupt; /* flip an ICV bit */
	uint8_t status;
};

struct rcase {
	uint16_t window;
	struct rstep steps[16];
};

#define END { 0, 0, 0xff }
static const struct rcase replay_cases[] = {
	/* 1: in order */
	{ 64, { { 1, CLEAN, S(OK) }, { 2, CLEAN, S(OK) }, { 3, CLEAN, S(OK) }, { 4, CLEAN, S(OK) }, END } },
	/* 2: duplicates */
	{ 64, { { 1, CLEAN, S(OK) }, { 1, CLEAN, S(REPLAY) }, { 2, CLEAN, S(OK) }, { 1, CLEAN, S(REPLAY) },
		{ 2, CLEAN, S(REPLAY) }, END } },
	/* 3: out of order inside the window */
	{ 64, { { 10, CLEAN, S(OK) }, { 5, CLEAN, S(OK) }, { 7, CLEAN, S(OK) }, { 5, CLEAN, S(REPLAY) },
		{ 9, CLEAN, S(OK) }, { 10, CLEAN, S(REPLAY) }, { 11, CLEAN, S(OK) }, { 5, CLEAN, S(REPLAY) },
		END } },
	/* 4: left edge of a 64-bit window */
	{ 64, { { 100, CLEAN, S(OK) }, { 37, CLEAN, S(OK) }, { 36, CLEAN, S(WINDOW) }, { 37, CLEAN, S(REPLAY) },
		{ 1, CLEAN, S(WINDOW) }, END } },
	/* 5: sequence number 0 */
	{ 64, { { 0, CLEAN, S(WINDOW) }, { 5, CLEAN, S(OK) }, { 0, CLEAN, S(WINDOW) }, END } },
	/* 6: a failed ICV updates nothing */
	{ 64, { { 5, CORRUPT, S(AUTH) }, { 5, CLEAN, S(OK) }, { 6, CORRUPT, S(AUTH) }, { 6, CLEAN, S(OK) },
		{ 200, CORRUPT, S(AUTH) }, { 7, CLEAN, S(OK) }, { 7, CORRUPT, S(REPLAY) }, END } },
	/* 7: 32-bit window, one word */
	{ 32, { { 40, CLEAN, S(OK) }, { 9, CLEAN, S(OK) }, { 8, CLEAN, S(WINDOW) }, { 9, CLEAN, S(REPLAY) },
		{ 41, CLEAN, S(OK) }, { 9, CLEAN, S(WINDOW) }, { 10, CLEAN, S(OK) }, END } },
	/* 8: bit positions across word boundaries */
	{ 128, { { 300, CLEAN, S(OK) }, { 269, CLEAN, S(OK) }, { 268, CLEAN, S(OK) }, { 267, CLEAN, S(OK) },
		 { 237, CLEAN, S(OK) }, { 236, CLEAN, S(OK) }, { 235, CLEAN, S(OK) }, { 173, CLEAN, S(OK) },
		 { 172, CLEAN, S(WINDOW) }, { 269, CLEAN, S(REPLAY) }, { 268, CLEAN, S(REPLAY) },
		 { 267, CLEAN, S(REPLAY) }, { 236, CLEAN, S(REPLAY) }, { 173, CLEAN, S(REPLAY) }, END } },
	/* 9: shifts by whole words and by odd amounts keep the bits */
	{ 128, { { 1, CLEAN, S(OK) }, { 2, CLEAN, S(OK) }, { 3, CLEAN, S(OK) }, { 35, CLEAN, S(OK) },
		 { 36, CLEAN, S(OK) }, { 100, CLEAN, S(OK) }, { 3, CLEAN, S(REPLAY) }, { 4, CLEAN, S(OK) },
		 { 2, CLEAN, S(REPLAY) }, { 129, CLEAN, S(OK) }, { 1, CLEAN, S(WINDOW) }, { 2, CLEAN, S(REPLAY) },
		 { 35, CLEAN, S(REPLAY) }, END } },
	/* 10: 1024-bit window, both edges */
	{ 1024, { { 2000, CLEAN, S(OK) }, { 977, CLEAN, S(OK) }, { 976, CLEAN, S(WINDOW) }, { 1000, CLEAN, S(OK) },
		  { 1000, CLEAN, S(REPLAY) }, { 977, CLEAN, S(REPLAY) }, { 2001, CLEAN, S(OK) },
		  { 977, CLEAN, S(WINDOW) }, { 978, CLEAN, S(OK) }, END } },
	/* 11: a jump of REPLAY_MAX or more clears the bitmap */
	{ 1024, { { 1, CLEAN, S(OK) }, { 2, CLEAN, S(OK) }, { 3000, CLEAN, S(OK) }, { 1977, CLEAN, S(OK) },
		  { 2, CLEAN, S(WINDOW) }, { 3000, CLEAN, S(REPLAY) }, { 4024, CLEAN, S(OK) },
		  { 3000, CLEAN, S(WINDOW) }, { 3001, CLEAN, S(OK) }, END } },
	/* 12: a jump of REPLAY_MAX - 1 keeps the oldest bit */
	{ 1024, { { 10, CLEAN, S(OK) }, { 1033, CLEAN, S(OK) }, { 10, CLEAN, S(REPLAY) }, { 11, CLEAN, S(OK) },
		  END } },
	/* 13: window 0: no replay check, the highest number is still tracked */
	{ 0, { { 5, CLEAN, S(OK) }, { 5, CLEAN, S(OK) }, { 3, CLEAN, S(OK) }, { 1, CLEAN, S(OK) },
	       { 10, CLEAN, S(OK) }, { 5, CLEAN, S(OK) }, { 0, CLEAN, S(WINDOW) }, { 5000, CLEAN, S(OK) },
	       { 1, CLEAN, S(OK) }, { 4999, CORRUPT, S(AUTH) }, END } },
	/* 14: sequence numbers near 2^32 */
	{ 64, { { 1, CLEAN, S(OK) }, { 0xfffffff0u, CLEAN, S(OK) }, { 0xffffffffu, CLEAN, S(OK) },
		{ 0xfffffff0u, CLEAN, S(REPLAY) }, { 1, CLEAN, S(WINDOW) }, { 0xffffffc1u, CLEAN, S(OK) },
		{ 0xffffffc0u, CLEAN, S(OK) }, { 0xffffffbfu, CLEAN, S(WINDOW) }, END } },
	/* 15: a window that is not a power of two */
	{ 96, { { 200, CLEAN, S(OK) }, { 105, CLEAN, S(OK) }, { 104, CLEAN, S(WINDOW) }, { 106, CLEAN, S(OK) },
		END } },
};

/* Reference bitmap: bit i set iff sequence top - i (>= 1) was accepted. */
static void ref_bitmap(const uint32_t *acc, unsigned n_acc, uint32_t top, uint32_t bm[ESPFAB_REPLAY_WORDS])
{
	memset(bm, 0, ESPFAB_REPLAY_WORDS * sizeof bm[0]);
	for (unsigned k = 0; k < n_acc; k++) {
		if (acc[k] > top || top - acc[k] >= ESPFAB_REPLAY_MAX)
			continue;
		uint32_t i = top - acc[k];
		bm[i / 32] |= 1u << (i % 32);
	}
}

static void test_replay_window(void **s)
{
	(void)s;
	uint8_t in[200], pkt[MAXF], out[MAXF];
	mk_ip(in, 20, 120, 17, 3);
	for (size_t ci = 0; ci < sizeof replay_cases / sizeof replay_cases[0]; ci++) {
		const struct rcase *rc = &replay_cases[ci];
		const int cs = (int)ci + 1;
		espfab_sa_t sa = mk_sa(0x7000 + (uint32_t)ci, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE,
				       ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, rc->window);
		put_pair(1, sa);
		uint32_t acc[32];
		unsigned n_acc = 0;
		uint32_t top = 0;
		for (unsigned si = 0; rc->steps[si].status != 0xff; si++) {
			const struct rstep *st = &rc->steps[si];
			unsigned len = make_esp(1, st->seq ? st->seq : 1, in, 120, pkt);
			unsigned e = esp_off(pkt, &sa);
			if (st->seq == 0)
				wr32(pkt + e + 4, 0);
			if (st->corrupt)
				pkt[len - 1] ^= 0x10;
			espfab_sa_state_t before = g_st[2];
			espfab_cpl_t c = run_slot(2, pkt, len, out, MAXF);
			if (c.status != st->status)
				fail_msg("case %d step %u (seq %u): %s, expected %s", cs, si + 1, st->seq,
					 espfab_status_name(c.status), espfab_status_name(st->status));
			assert_int_equal(c.seq, st->seq);
			assert_int_equal(c.spi, sa.spi);
			assert_counted(&before, &g_st[2], c.status, cs);
			if (c.status == S(OK)) {
				assert_int_equal(c.out_len, 120);
				assert_memory_equal(out, in, 120);
				acc[n_acc++] = st->seq;
				if (st->seq > top)
					top = st->seq;
			}
			uint32_t bm[ESPFAB_REPLAY_WORDS];
			ref_bitmap(acc, n_acc, top, bm);
			if (g_st[2].seq != top)
				fail_msg("case %d step %u: state.seq %u, expected %u", cs, si + 1, g_st[2].seq, top);
			for (unsigned w = 0; w < ESPFAB_REPLAY_WORDS; w++)
				if (g_st[2].replay[w] != bm[w])
					fail_msg("case %d step %u: replay[%u] %08x, expected %08x", cs, si + 1, w,
						 g_st[2].replay[w], bm[w]);
		}
	}
}

/* ---- lifetimes ----------------------------------------------------------- */

struct lstep {
	uint8_t status;
	uint8_t flags;
	uint64_t bytes; /* state.bytes after the step */
};

struct lcase {
	uint8_t dir;
	uint8_t mode;
	uint32_t soft_kb, hard_kb;
	unsigned tl; /* plaintext IP packet length */
	struct lstep steps[8];
};

static const struct lcase life_cases[] = {
	/* 1: outbound, soft then hard; the crossing packet is delivered */
	{ ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, 1, 2, 600,
	  { { S(OK), 0, 600 }, { S(OK), 1, 1200 }, { S(OK), 1, 1800 }, { S(OK), 3, 2400 },
	    { S(LIFETIME), 3, 2400 }, { S(LIFETIME), 3, 2400 }, { 0xff, 0, 0 } } },
	/* 2: inbound, soft == hard: both flags at once */
	{ ESPFAB_DIR_IN, ESPFAB_MODE_TUNNEL, 1, 1, 512,
	  { { S(OK), 0, 512 }, { S(OK), 3, 1024 }, { S(LIFETIME), 3, 1024 }, { 0xff, 0, 0 } } },
	/* 3: exactly on the soft limit sets the flag; no hard limit */
	{ ESPFAB_DIR_OUT, ESPFAB_MODE_TRANSPORT, 1, 0, 256,
	  { { S(OK), 0, 256 }, { S(OK), 0, 512 }, { S(OK), 0, 768 }, { S(OK), 1, 1024 }, { S(OK), 1, 1280 },
	    { 0xff, 0, 0 } } },
	/* 4: inbound transport counts the whole output packet */
	{ ESPFAB_DIR_IN, ESPFAB_MODE_TRANSPORT, 0, 1, 1000,
	  { { S(OK), 0, 1000 }, { S(OK), 2, 2000 }, { S(LIFETIME), 2, 2000 }, { 0xff, 0, 0 } } },
	/* 5: no lifetimes */
	{ ESPFAB_DIR_IN, ESPFAB_MODE_TUNNEL, 0, 0, 1500,
	  { { S(OK), 0, 1500 }, { S(OK), 0, 3000 }, { S(OK), 0, 4500 }, { 0xff, 0, 0 } } },
};

static void test_lifetime(void **s)
{
	(void)s;
	uint8_t in[MAXF], pkt[MAXF], out[MAXF];
	for (size_t ci = 0; ci < sizeof life_cases / sizeof life_cases[0]; ci++) {
		const struct lcase *lc = &life_cases[ci];
		const int cs = (int)ci + 1;
		espfab_sa_t sa = mk_sa(0x5100 + (uint32_t)ci, ESPFAB_DIR_OUT, lc->mode, ESPFAB_ENCAP_NONE,
				       ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_MD5, 64);
		sa.life_soft_kb = lc->soft_kb;
		sa.life_hard_kb = lc->hard_kb;
		put_pair(1, sa);
		const uint32_t slot = lc->dir == ESPFAB_DIR_OUT ? 1 : 2;
		if (lc->dir == ESPFAB_DIR_IN) /* the sender never expires here */
			g_sa[1].life_soft_kb = g_sa[1].life_hard_kb = 0;
		mk_ip(in, 20, lc->tl, 6, 9);
		for (unsigned si = 0; lc->steps[si].status != 0xff; si++) {
			const struct lstep *ls = &lc->steps[si];
			const uint8_t *pin = in;
			unsigned plen = lc->tl;
			if (lc->dir == ESPFAB_DIR_IN) {
				plen = make_esp(1, si + 1, in, lc->tl, pkt);
				pin = pkt;
			}
			espfab_sa_state_t before = g_st[slot];
			espfab_cpl_t c = run_slot(slot, pin, plen, out, MAXF);
			if (c.status != ls->status || c.flags != ls->flags)
				fail_msg("case %d step %u: %s flags %u, expected %s flags %u", cs, si + 1,
					 espfab_status_name(c.status), c.flags, espfab_status_name(ls->status),
					 ls->flags);
			assert_counted(&before, &g_st[slot], c.status, cs);
			if (g_st[slot].bytes != ls->bytes)
				fail_msg("case %d step %u: bytes %llu, expected %llu", cs, si + 1,
					 (unsigned long long)g_st[slot].bytes, (unsigned long long)ls->bytes);
			assert_int_equal(g_st[slot].soft_expired, ls->flags & 1);
			assert_int_equal(g_st[slot].hard_expired, (ls->flags >> 1) & 1);
			if (c.status == S(LIFETIME)) {
				assert_int_equal(c.out_len, 0);
				assert_int_equal(c.seq, 0);
				assert_state_kept(&before, &g_st[slot], cs);
			}
		}
	}
}

/* Failed packets count no bytes. */
static void test_lifetime_failures_not_counted(void **s)
{
	(void)s;
	uint8_t in[300], pkt[MAXF], out[MAXF];
	espfab_sa_t sa = mk_sa(0x5200, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_AES, 16,
			       ESPFAB_AUTH_SHA1, 64);
	sa.life_hard_kb = 1;
	put_pair(1, sa);
	g_sa[1].life_hard_kb = 0;
	mk_ip(in, 20, 300, 6, 1);
	unsigned len = make_esp(1, 1, in, 300, pkt);
	pkt[len - 2] ^= 1;
	for (int i = 0; i < 5; i++)
		assert_int_equal(run_slot(2, pkt, len, out, MAXF).status, S(AUTH));
	assert_int_equal(g_st[2].bytes, 0);
	assert_int_equal(g_st[2].count[S(AUTH)], 5);
	pkt[len - 2] ^= 1;
	assert_int_equal(run_slot(2, pkt, len, out, 10).status, S(TOO_BIG));
	assert_int_equal(g_st[2].bytes, 0);
	assert_int_equal(run_slot(2, pkt, len, out, MAXF).status, S(REPLAY));
	len = make_esp(1, 2, in, 300, pkt);
	assert_int_equal(run_slot(2, pkt, len, out, MAXF).status, S(OK));
	assert_int_equal(g_st[2].bytes, 300);
}

/* ---- sequence overflow --------------------------------------------------- */

static void test_seq_overflow(void **s)
{
	(void)s;
	uint8_t in[100], out[MAXF];
	espfab_sa_t sa = mk_sa(0x5300, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_DES, 8,
			       ESPFAB_AUTH_SHA1, 64);
	put_sa(1, &sa);
	mk_ip(in, 20, 100, 6, 1);

	/* 1: the last sequence number is still sent */
	g_st[1].seq = 0xfffffffeu;
	espfab_cpl_t c = run_slot(1, in, 100, out, MAXF);
	expect(&c, S(OK), 1);
	assert_int_equal(c.seq, 0xffffffffu);
	assert_int_equal(g_st[1].seq, 0xffffffffu);
	assert_int_equal(rd16(out + 4), 0xffff); /* outer ID */
	/* 2: the next would wrap */
	espfab_sa_state_t before = g_st[1];
	c = run_slot(1, in, 100, out, MAXF);
	expect(&c, S(SEQ_OVERFLOW), 2);
	assert_int_equal(c.seq, 0);
	assert_counted(&before, &g_st[1], S(SEQ_OVERFLOW), 2);
	assert_state_kept(&before, &g_st[1], 2);
	/* 3: IPv4 checks come first */
	c = run_slot(1, in, 19, out, MAXF);
	expect(&c, S(LENGTH), 3);
	/* 4: and overflow before TOO_BIG */
	c = run_slot(1, in, 100, out, 10);
	expect(&c, S(SEQ_OVERFLOW), 4);
	/* 5: an update-style state reset starts again at 1 */
	g_st[1].seq = 0;
	c = run_slot(1, in, 100, out, MAXF);
	expect(&c, S(OK), 5);
	assert_int_equal(c.seq, 1);
}

/* ---- TOO_BIG ------------------------------------------------------------- */

static void test_too_big(void **s)
{
	(void)s;
	static uint8_t in[MAXF + 16], pkt[MAXF], out[MAXF];
	espfab_sa_t sa = mk_sa(0x5400, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_AES, 16,
			       ESPFAB_AUTH_SHA1, 64);
	put_pair(1, sa);
	mk_ip(in, 20, 100, 6, 1);
	/* tunnel, AES: 20 + 8 + 16 + 112 + 12 = 168 */
	const unsigned need = 168;

	/* 1: one byte short: refused, sequence number not consumed */
	espfab_sa_state_t before = g_st[1];
	espfab_cpl_t c = run_slot(1, in, 100, out, need - 1);
	expect(&c, S(TOO_BIG), 1);
	assert_counted(&before, &g_st[1], S(TOO_BIG), 1);
	assert_state_kept(&before, &g_st[1], 1);
	/* 2: exactly enough */
	c = run_slot(1, in, 100, out, need);
	expect(&c, S(OK), 2);
	assert_int_equal(c.out_len, need);
	assert_int_equal(c.seq, 1);
	/* 3: out_cap 0 */
	c = run_slot(1, in, 100, out, 0);
	expect(&c, S(TOO_BIG), 3);

	/* 4: the largest packet that fits MAX_FRAME: 20+8+16+1984+12 = 2040 */
	mk_ip(in, 20, 1982, 6, 2);
	c = run_slot(1, in, 1982, pkt, 0xffff);
	expect(&c, S(OK), 4);
	assert_int_equal(c.out_len, 2040);
	unsigned len = c.out_len;
	c = run_slot(2, pkt, len, out, MAXF);
	expect(&c, S(OK), 4);
	assert_int_equal(c.out_len, 1982);
	assert_memory_equal(out, in, 1982);
	/* 5: one more byte needs another block: 2056 > MAX_FRAME */
	mk_ip(in, 20, 1983, 6, 2);
	c = run_slot(1, in, 1983, out, 0xffff);
	expect(&c, S(TOO_BIG), 5);
	/* 6: in_len above MAX_FRAME, both directions */
	mk_ip(in, 20, 100, 6, 1);
	c = run_op(1, ESPFAB_OP_ENCAP, in, MAXF + 1, out, MAXF, NULL);
	expect(&c, S(TOO_BIG), 6);
	c = run_op(2, ESPFAB_OP_DECAP, in, 0xffff, out, MAXF, NULL);
	expect(&c, S(TOO_BIG), 6);
	/* 7: a MAX_FRAME input is accepted as input (and is then too big) */
	mk_ip(in, 20, MAXF, 6, 2);
	c = run_slot(1, in, MAXF, out, 0xffff);
	expect(&c, S(TOO_BIG), 7);

	/* 8: inbound: refused after the window update */
	mk_ip(in, 20, 100, 6, 1);
	len = make_esp(1, 7, in, 100, pkt);
	before = g_st[2];
	c = run_slot(2, pkt, len, out, 99);
	expect(&c, S(TOO_BIG), 8);
	assert_int_equal(g_st[2].seq, 7);
	assert_int_equal(g_st[2].bytes, before.bytes);
	assert_counted(&before, &g_st[2], S(TOO_BIG), 8);
	c = run_slot(2, pkt, len, out, 100);
	expect(&c, S(REPLAY), 8);
	/* 9: inbound, exactly enough */
	len = make_esp(1, 8, in, 100, pkt);
	c = run_slot(2, pkt, len, out, 100);
	expect(&c, S(OK), 9);
}

/* ---- BAD_REQUEST and the order of the first checks ----------------------- */

static void test_bad_request(void **s)
{
	(void)s;
	static uint8_t in[MAXF + 16], out[MAXF];
	espfab_sa_t sa = mk_sa(0x5500, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_AES, 16,
			       ESPFAB_AUTH_MD5, 64);
	put_pair(1, sa);
	mk_ip(in, 20, 100, 6, 1);
	static const struct {
		uint32_t slot;
		uint8_t op;
		unsigned in_len;
		uint8_t hard; /* mark the slot hard-expired first */
		uint8_t status;
	} cases[] = {
		/* 1 */ { 2, ESPFAB_OP_ENCAP, 100, 0, S(BAD_REQUEST) },
		/* 2 */ { 1, ESPFAB_OP_DECAP, 100, 0, S(BAD_REQUEST) },
		/* 3 */ { 1, 2, 100, 0, S(BAD_REQUEST) },
		/* 4 */ { 2, 255, 100, 0, S(BAD_REQUEST) },
		/* 5 */ { 1, ESPFAB_OP_DECAP, MAXF + 1, 0, S(BAD_REQUEST) },
		/* 6 */ { 2, ESPFAB_OP_ENCAP, 100, 1, S(BAD_REQUEST) },
		/* 7 */ { 1, ESPFAB_OP_ENCAP, MAXF + 1, 1, S(TOO_BIG) },
		/* 8 */ { 1, ESPFAB_OP_ENCAP, 100, 1, S(LIFETIME) },
		/* 9 */ { 1, ESPFAB_OP_ENCAP, 100, 0, S(OK) },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const int cs = (int)i + 1;
		g_st[cases[i].slot].hard_expired = cases[i].hard;
		espfab_sa_state_t before = g_st[cases[i].slot];
		espfab_cpl_t c = run_op(cases[i].slot, cases[i].op, in, cases[i].in_len, out, MAXF, NULL);
		expect(&c, cases[i].status, cs);
		assert_counted(&before, &g_st[cases[i].slot], c.status, cs);
		if (c.status != S(OK))
			assert_state_kept(&before, &g_st[cases[i].slot], cs);
		assert_int_equal(c.flags, cases[i].hard ? 2 : 0);
		g_st[cases[i].slot].hard_expired = 0;
	}
}

/* ---- NO_SA --------------------------------------------------------------- */

static void test_no_sa(void **s)
{
	(void)s;
	uint8_t in[100], pkt[MAXF], out[MAXF];
	espfab_sa_t sa = mk_sa(0x5600, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_AES, 16,
			       ESPFAB_AUTH_SHA1, 64);
	put_pair(1, sa);
	espfab_sa_t other = sa;
	other.spi = 0x5601;
	other.dir = ESPFAB_DIR_IN;
	put_sa(3, &other);
	mk_ip(in, 20, 100, 6, 1);
	unsigned len = make_esp(1, 1, in, 100, pkt);
	espfab_cpl_t c;

	/* 1..3: out of range and empty: no counter anywhere */
	const uint32_t bad_slots[] = { ESPFAB_SA_SLOTS_MAX, 0xffffffffu, 5 };
	for (int i = 0; i < 3; i++) {
		espfab_sa_state_t before = g_st[5];
		c = run_op(bad_slots[i], ESPFAB_OP_DECAP, pkt, len, out, MAXF, NULL);
		expect(&c, S(NO_SA), i + 1);
		assert_int_equal(c.flags, 0);
		assert_int_equal(c.spi, 0);
		assert_int_equal(c.seq, 0);
		assert_memory_equal(&before, &g_st[5], sizeof before);
	}
	/* 4: empty slot with a nonsense op is still NO_SA */
	c = run_op(5, 99, pkt, len, out, MAXF, NULL);
	expect(&c, S(NO_SA), 4);
	/* 5: a slot cleared after use */
	clear_slot(4);
	c = run_op(4, ESPFAB_OP_ENCAP, in, 100, out, MAXF, NULL);
	expect(&c, S(NO_SA), 5);
	/* 6: wrong SPI: counted on the slot, window untouched, packet SPI reported */
	espfab_sa_state_t before = g_st[3];
	c = run_slot(3, pkt, len, out, MAXF);
	expect(&c, S(NO_SA), 6);
	assert_int_equal(c.spi, sa.spi);
	assert_counted(&before, &g_st[3], S(NO_SA), 6);
	assert_state_kept(&before, &g_st[3], 6);
	/* 7: the right slot accepts it */
	c = run_slot(2, pkt, len, out, MAXF);
	expect(&c, S(OK), 7);
}

/* ---- LENGTH --------------------------------------------------------------- */

struct cfg {
	uint8_t mode, encap, cipher, klen, auth;
};

static const struct cfg len_cfgs[] = {
	{ ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1 },
	{ ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5 },
	{ ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP, ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_MD5 },
	{ ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP, ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1 },
};

/* Status the page prescribes for a packet truncated to k bytes whose IPv4
 * (and UDP) lengths were rewritten to match: LENGTH when the ESP region is
 * malformed, otherwise AUTH (the ICV no longer matches). */
static unsigned truncated_status(unsigned k, unsigned h, int udp, unsigned B)
{
	unsigned e = h;
	if (udp) {
		if (k - h < 8)
			return S(LENGTH);
		e += 8;
	}
	unsigned L = k - e;
	if (L < 8 + 2 * B + 12 || (L - 8 - B - 12) % B)
		return S(LENGTH);
	return S(AUTH);
}

static void test_length_prefixes(void **s)
{
	(void)s;
	uint8_t in[200], pkt[MAXF], cut[MAXF], out[MAXF];
	for (size_t ci = 0; ci < sizeof len_cfgs / sizeof len_cfgs[0]; ci++) {
		const struct cfg *cf = &len_cfgs[ci];
		const int udp = cf->encap == ESPFAB_ENCAP_UDP;
		espfab_sa_t sa = mk_sa(0x5700 + (uint32_t)ci, ESPFAB_DIR_OUT, cf->mode, cf->encap, cf->cipher, cf->klen,
				       cf->auth, 64);
		put_pair(1, sa);
		mk_ip(in, 24, 77, 17, 4);
		unsigned len = make_esp(1, 1, in, 77, pkt);
		const unsigned h = (pkt[0] & 15) * 4u;
		espfab_sa_state_t before = g_st[2];

		/* in_len cut, headers untouched: always LENGTH */
		for (unsigned k = 0; k < len; k++) {
			espfab_cpl_t c = run_slot(2, pkt, k, out, MAXF);
			if (c.status != S(LENGTH))
				fail_msg("cfg %zu prefix %u/%u: %s, expected LENGTH", ci + 1, k, len,
					 espfab_status_name(c.status));
		}
		/* cut with IPv4 (and UDP) lengths rewritten to match */
		for (unsigned k = 0; k < len; k++) {
			memcpy(cut, pkt, k);
			unsigned want = S(LENGTH);
			if (k >= 20) {
				wr16(cut + 2, k);
				if (udp && k >= h + 6)
					wr16(cut + h + 4, k - h);
				want = k < h ? S(LENGTH) : truncated_status(k, h, udp, blk(cf->cipher));
			}
			espfab_cpl_t c = run_slot(2, cut, k, out, MAXF);
			if (c.status != want)
				fail_msg("cfg %zu rewritten prefix %u/%u: %s, expected %s", ci + 1, k, len,
					 espfab_status_name(c.status), espfab_status_name(want));
		}
		assert_state_kept(&before, &g_st[2], (int)ci + 1);
		/* the untouched packet still passes (nothing was consumed) */
		espfab_cpl_t c = run_slot(2, pkt, len, out, MAXF);
		expect(&c, S(OK), (int)ci + 1);
		assert_memory_equal(out, in, 77);

		/* outbound prefixes: LENGTH below the header or total length */
		for (unsigned k = 0; k < 77; k++) {
			c = run_slot(1, in, k, out, MAXF);
			if (c.status != S(LENGTH))
				fail_msg("cfg %zu outbound prefix %u: %s", ci + 1, k, espfab_status_name(c.status));
		}
	}
}

enum lmut { L_IHL4, L_TL_BELOW_IHL, L_TL_ABOVE_LEN, L_UDP_LEN_SHORT, L_UDP_LEN_LONG, L_ESP_ODD, L_LINK_PAD,
	    L_OUT_IHL4, L_OUT_TL_BELOW_IHL, L_OUT_TL_ABOVE, L_OUT_LINK_PAD };

static const struct {
	enum lmut m;
	uint8_t status;
} len_cases[] = {
	/* 1 */ { L_IHL4, S(LENGTH) },
	/* 2 */ { L_TL_BELOW_IHL, S(LENGTH) },
	/* 3 */ { L_TL_ABOVE_LEN, S(LENGTH) },
	/* 4 */ { L_UDP_LEN_SHORT, S(LENGTH) },
	/* 5 */ { L_UDP_LEN_LONG, S(LENGTH) },
	/* 6 */ { L_ESP_ODD, S(LENGTH) },
	/* 7 */ { L_LINK_PAD, S(OK) },
	/* 8 */ { L_OUT_IHL4, S(LENGTH) },
	/* 9 */ { L_OUT_TL_BELOW_IHL, S(LENGTH) },
	/* 10 */ { L_OUT_TL_ABOVE, S(LENGTH) },
	/* 11 */ { L_OUT_LINK_PAD, S(OK) },
};

static void test_length_cases(void **s)
{
	(void)s;
	uint8_t in[300], pkt[MAXF], ref[MAXF], out[MAXF];
	espfab_sa_t sa = mk_sa(0x5800, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP, ESPFAB_CIPHER_AES, 16,
			       ESPFAB_AUTH_SHA1, 64);
	for (size_t i = 0; i < sizeof len_cases / sizeof len_cases[0]; i++) {
		const int cs = (int)i + 1;
		put_pair(1, sa);
		mk_ip(in, 20, 100, 6, 1);
		unsigned len = make_esp(1, 1, in, 100, pkt);
		uint32_t slot = 2;
		uint8_t *p = pkt;
		unsigned plen = len;
		switch (len_cases[i].m) {
		case L_IHL4: pkt[0] = 0x44; break;
		case L_TL_BELOW_IHL: pkt[0] = 0x4f; wr16(pkt + 2, 40); break;
		case L_TL_ABOVE_LEN: wr16(pkt + 2, len + 1); break;
		case L_UDP_LEN_SHORT: wr16(pkt + 24, len - 21); break;
		case L_UDP_LEN_LONG: wr16(pkt + 24, len - 19); break;
		case L_ESP_ODD: /* one extra byte before the ICV: ESP region not block-aligned */
			memmove(pkt + len - 11, pkt + len - 12, 12);
			len++;
			plen = len;
			wr16(pkt + 2, len);
			wr16(pkt + 24, len - 20);
			break;
		case L_LINK_PAD: memset(pkt + len, 0xab, 30); plen = len + 30; break;
		case L_OUT_IHL4: slot = 1; p = in; plen = 100; in[0] = 0x44; break;
		case L_OUT_TL_BELOW_IHL: slot = 1; p = in; plen = 100; in[0] = 0x46; wr16(in + 2, 20); break;
		case L_OUT_TL_ABOVE: slot = 1; p = in; plen = 100; wr16(in + 2, 101); break;
		case L_OUT_LINK_PAD:
			slot = 1; p = in; plen = 130; memset(in + 100, 0xcd, 30);
			memcpy(ref, pkt, len); /* seq 1 of the same input, without padding */
			g_st[1].seq = 0;
			break;
		}
		espfab_sa_state_t before = g_st[slot];
		espfab_cpl_t c = run_slot(slot, p, plen, out, MAXF);
		expect(&c, len_cases[i].status, cs);
		assert_counted(&before, &g_st[slot], c.status, cs);
		if (c.status != S(OK))
			assert_state_kept(&before, &g_st[slot], cs);
		if (len_cases[i].m == L_LINK_PAD) {
			assert_int_equal(c.out_len, 100);
			assert_memory_equal(out, in, 100);
		}
		if (len_cases[i].m == L_OUT_LINK_PAD) {
			assert_int_equal(c.out_len, len);
			assert_memory_equal(out, ref, len);
		}
	}
}

/* ---- PROTO --------------------------------------------------------------- */

enum pmut { P_OUT_V6, P_IN_V6, P_IN_UDP_ON_ESP_SA, P_IN_ESP_ON_UDP_SA, P_IN_TCP, P_NON_ESP_MARKER,
	    P_TUN_NH_NOT_4, P_TUN_INNER_V6, P_TUN_INNER_SHORT, P_TUN_INNER_IHL4, P_TUN_INNER_TL_BIG,
	    P_TUN_INNER_TL_BELOW_IHL, P_TUN_TFC_TRAILER, P_TRANSPORT_ANY_NH };

static const struct {
	enum pmut m;
	uint8_t status;
} proto_cases[] = {
	/* 1 */ { P_OUT_V6, S(PROTO) },
	/* 2 */ { P_IN_V6, S(PROTO) },
	/* 3 */ { P_IN_UDP_ON_ESP_SA, S(PROTO) },
	/* 4 */ { P_IN_ESP_ON_UDP_SA, S(PROTO) },
	/* 5 */ { P_IN_TCP, S(PROTO) },
	/* 6 */ { P_NON_ESP_MARKER, S(PROTO) },
	/* 7 */ { P_TUN_NH_NOT_4, S(PROTO) },
	/* 8 */ { P_TUN_INNER_V6, S(PROTO) },
	/* 9 */ { P_TUN_INNER_SHORT, S(PROTO) },
	/* 10 */ { P_TUN_INNER_IHL4, S(PROTO) },
	/* 11 */ { P_TUN_INNER_TL_BIG, S(PROTO) },
	/* 12 */ { P_TUN_INNER_TL_BELOW_IHL, S(PROTO) },
	/* 13 */ { P_TUN_TFC_TRAILER, S(OK) },
	/* 14 */ { P_TRANSPORT_ANY_NH, S(OK) },
};

/* A transport-mode packet from slot 1 whose payload is `inner` with next
 * header nh, fed to an inbound tunnel SA with the same keys (slot 3): the
 * ICV verifies and the tunnel checks see exactly `inner`. */
static unsigned tunnel_payload(const uint8_t *inner, unsigned ilen, uint8_t nh, uint8_t *pkt, uint32_t seq)
{
	uint8_t carrier[MAXF];
	mk_ip(carrier, 20, 20 + ilen, nh, 0);
	memcpy(carrier + 20, inner, ilen);
	return make_esp(1, seq, carrier, 20 + ilen, pkt);
}

static void test_proto(void **s)
{
	(void)s;
	uint8_t in[300], inner[300], pkt[MAXF], out[MAXF];
	for (size_t i = 0; i < sizeof proto_cases / sizeof proto_cases[0]; i++) {
		const int cs = (int)i + 1;
		const enum pmut m = proto_cases[i].m;
		espfab_sa_t sa = mk_sa(0x5900, ESPFAB_DIR_OUT, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_AES,
				       16, ESPFAB_AUTH_SHA1, 64);
		if (m == P_IN_ESP_ON_UDP_SA || m == P_NON_ESP_MARKER)
			sa.encap = ESPFAB_ENCAP_UDP;
		if (m >= P_TUN_NH_NOT_4)
			sa.mode = ESPFAB_MODE_TRANSPORT;
		put_pair(1, sa);
		sa.dir = ESPFAB_DIR_IN;
		sa.mode = m == P_TRANSPORT_ANY_NH ? ESPFAB_MODE_TRANSPORT : ESPFAB_MODE_TUNNEL;
		put_sa(3, &sa);
		mk_ip(in, 20, 100, 6, 1);
		mk_ip(inner, 20, 60, 6, 2);
		uint32_t slot = 2;
		const uint8_t *p = pkt;
		unsigned len = 0;
		if (m < P_TUN_NH_NOT_4)
			len = make_esp(1, 1, in, 100, pkt);
		switch (m) {
		case P_OUT_V6: in[0] = 0x65; slot = 1; p = in; len = 100; break;
		case P_IN_V6: pkt[0] = 0x65; break;
		case P_IN_UDP_ON_ESP_SA: pkt[9] = 17; break;
		case P_IN_ESP_ON_UDP_SA: pkt[9] = 50; break;
		case P_IN_TCP: pkt[9] = 6; break;
		case P_NON_ESP_MARKER: memset(pkt + 28, 0, 4); break;
		case P_TUN_NH_NOT_4: slot = 3; len = tunnel_payload(inner, 60, 41, pkt, 1); break;
		case P_TUN_INNER_V6: slot = 3; inner[0] = 0x60; len = tunnel_payload(inner, 60, 4, pkt, 1); break;
		case P_TUN_INNER_SHORT: slot = 3; len = tunnel_payload(inner, 19, 4, pkt, 1); break;
		case P_TUN_INNER_IHL4: slot = 3; inner[0] = 0x44; len = tunnel_payload(inner, 60, 4, pkt, 1); break;
		case P_TUN_INNER_TL_BIG: slot = 3; wr16(inner + 2, 61); len = tunnel_payload(inner, 60, 4, pkt, 1); break;
		case P_TUN_INNER_TL_BELOW_IHL:
			slot = 3; inner[0] = 0x46; wr16(inner + 2, 20); len = tunnel_payload(inner, 60, 4, pkt, 1);
			break;
		case P_TUN_TFC_TRAILER: slot = 3; wr16(inner + 2, 40); len = tunnel_payload(inner, 60, 4, pkt, 1); break;
		case P_TRANSPORT_ANY_NH: slot = 3; len = tunnel_payload(inner, 60, 200, pkt, 1); break;
		}
		espfab_sa_state_t before = g_st[slot];
		espfab_cpl_t c = run_slot(slot, p, len, out, MAXF);
		expect(&c, proto_cases[i].status, cs);
		assert_counted(&before, &g_st[slot], c.status, cs);
		if (m >= P_TUN_NH_NOT_4) {
			/* checked after the ICV: the window has moved */
			assert_int_equal(g_st[slot].seq, 1);
			assert_int_equal(g_st[slot].replay[0], 1);
		} else if (c.status != S(OK)) {
			assert_state_kept(&before, &g_st[slot], cs);
		}
		if (m == P_TUN_TFC_TRAILER) {
			assert_int_equal(c.out_len, 40);
			assert_memory_equal(out, inner, 40);
		}
		if (m == P_TRANSPORT_ANY_NH) {
			assert_int_equal(c.out_len, 80);
			assert_int_equal(out[9], 200);
			assert_int_equal(ipsum(out, 20), 0);
			assert_memory_equal(out + 20, inner, 60);
		}
	}
}

/* ---- PAD ------------------------------------------------------------------ */

/* Build an inbound tunnel packet by hand with OpenSSL (valid ICV) around
 * the plaintext pt[0..plen), which the caller pads as it likes. */
static unsigned ossl_build(const espfab_sa_t *sa, uint32_t seq, const uint8_t *pt, unsigned plen, uint8_t *pkt);

static void test_pad(void **s)
{
	(void)s;
	uint8_t pt[MAXF], pkt[MAXF], out[MAXF], inner[100];
	espfab_sa_t sa = mk_sa(0x5a00, ESPFAB_DIR_IN, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE, ESPFAB_CIPHER_DES, 8,
			       ESPFAB_AUTH_MD5, 64);
	put_sa(2, &sa);
	mk_ip(inner, 20, 42, 6, 3);
	static const struct {
		uint8_t pad;     /* pad length byte */
		int8_t bad_at;   /* pad byte index made wrong, -1 none */
		uint8_t extra;   /* extra blocks of pad */
		uint8_t status;
	} cases[] = {
		/* 1 */ { 4, -1, 0, S(OK) },
		/* 2 */ { 4, 0, 0, S(PAD) },
		/* 3 */ { 4, 3, 0, S(PAD) },
		/* 4 */ { 12, -1, 1, S(OK) },   /* longer pad than needed is fine */
		/* 5 */ { 12, 11, 1, S(PAD) },
		/* 6 */ { 60, -1, 0, S(PAD) },  /* pad length beyond the plaintext */
		/* 7 */ { 49, -1, 0, S(PAD) },  /* p + 2 = 51 > 48 */
		/* 8 */ { 46, -1, 0, S(PAD) },  /* p + 2 = 48: fits, but pad bytes are the packet */
		/* 9 */ { 47, -1, 0, S(PAD) },  /* p + 2 = 49: one past the plaintext */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const int cs = (int)i + 1;
		/* 42 inner bytes + pad + 2 = 48 (pad 4) or 56 (pad 12) */
		unsigned plen = 42;
		memcpy(pt, inner, 42);
		unsigned np = cases[i].pad <= 12 ? cases[i].pad : (unsigned)(48 - 2 - 42);
		for (unsigned k = 0; k < np; k++)
			pt[plen + k] = (uint8_t)(k + 1);
		if (cases[i].bad_at >= 0)
			pt[plen + (unsigned)cases[i].bad_at] ^= 0x80;
		plen += np;
		pt[plen++] = cases[i].pad;
		pt[plen++] = 4;
		assert_int_equal(plen % 8, 0);
		unsigned len = ossl_build(&sa, (uint32_t)i + 1, pt, plen, pkt);
		espfab_sa_state_t before = g_st[2];
		espfab_cpl_t c = run_slot(2, pkt, len, out, MAXF);
		expect(&c, cases[i].status, cs);
		assert_counted(&before, &g_st[2], c.status, cs);
		assert_int_equal(g_st[2].seq, i + 1); /* PAD comes after the window update */
		if (c.status == S(OK)) {
			assert_int_equal(c.out_len, 42);
			assert_memory_equal(out, inner, 42);
		}
	}
}

/* ---- round trips and the OpenSSL cross-check ------------------------------ */

static const EVP_CIPHER *ossl_cipher(uint8_t cipher, unsigned klen)
{
	switch (cipher) {
	case ESPFAB_CIPHER_DES: return EVP_des_cbc();
	case ESPFAB_CIPHER_3DES: return EVP_des_ede3_cbc();
	default: return klen == 16 ? EVP_aes_128_cbc() : klen == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	}
}

static const EVP_MD *ossl_md(uint8_t auth)
{
	return auth == ESPFAB_AUTH_MD5 ? EVP_md5() : EVP_sha1();
}

static void ossl_cbc(const espfab_sa_t *sa, int enc, const uint8_t *iv, const uint8_t *in, unsigned len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	assert_non_null(c);
	assert_int_equal(EVP_CipherInit_ex(c, ossl_cipher(sa->cipher, sa->enc_key_len), NULL, sa->enc_key, iv, enc), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_CipherUpdate(c, out, &n, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(c, out + n, &m), 1);
	assert_int_equal(n + m, (int)len);
	EVP_CIPHER_CTX_free(c);
}

static unsigned ossl_build(const espfab_sa_t *sa, uint32_t seq, const uint8_t *pt, unsigned plen, uint8_t *pkt)
{
	const unsigned B = blk(sa->cipher);
	uint8_t iv[16];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	for (unsigned i = 0; i < B; i++)
		iv[i] = (uint8_t)(0x3c + 5 * i + seq);
	const unsigned total = 20 + 8 + B + plen + 12;
	mk_ip(pkt, 20, total, 50, 0);
	uint8_t *e = pkt + 20;
	wr32(e, sa->spi);
	wr32(e + 4, seq);
	memcpy(e + 8, iv, B);
	ossl_cbc(sa, 1, iv, pt, plen, e + 8 + B);
	assert_non_null(HMAC(ossl_md(sa->auth), sa->auth_key, sa->auth_key_len, e, 8 + B + plen, md, &mdlen));
	memcpy(e + 8 + B + plen, md, 12);
	return total;
}

/* Check an encapsulated packet against the page using only OpenSSL and the
 * input: outer headers rebuilt, ICV recomputed with HMAC(), ciphertext
 * decrypted with EVP and compared with payload | 1..p | p | nh. */
static void ossl_check(const espfab_sa_t *sa, const uint8_t *in, const uint8_t *pkt, unsigned len, uint32_t seq,
		       const char *what)
{
	const unsigned B = blk(sa->cipher);
	const int transport = sa->mode == ESPFAB_MODE_TRANSPORT, udp = sa->encap == ESPFAB_ENCAP_UDP;
	const unsigned H = (in[0] & 15) * 4u, T = rd16(in + 2);
	const unsigned poff = transport ? H : 0, plen = T - poff;
	const unsigned p = (B - (plen + 2) % B) % B, clen = plen + p + 2;
	const unsigned hdr = transport ? H : 20, esp_len = 8 + B + clen + 12;
	const unsigned total = hdr + (udp ? 8 : 0) + esp_len;
	uint8_t want[64], ptx[MAXF], dec[MAXF];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (len != total)
		fail_msg("%s: length %u, expected %u", what, len, total);
	/* outer IPv4 header */
	if (transport) {
		memcpy(want, in, H);
		want[9] = udp ? 17 : 50;
		wr16(want + 2, total);
	} else {
		memset(want, 0, 20);
		want[0] = 0x45;
		want[1] = in[1];
		wr16(want + 2, total);
		wr16(want + 4, seq & 0xffff);
		want[6] = in[6] & 0x40;
		want[8] = sa->ttl ? sa->ttl : 64;
		want[9] = udp ? 17 : 50;
		wr32(want + 12, sa->tun_src);
		wr32(want + 16, sa->tun_dst);
	}
	fix_ipsum(want);
	if (memcmp(pkt, want, hdr))
		fail_msg("%s: outer IPv4 header differs", what);
	const uint8_t *e = pkt + hdr;
	if (udp) {
		uint8_t u[8];
		wr16(u, sa->sport);
		wr16(u + 2, sa->dport);
		wr16(u + 4, 8 + esp_len);
		wr16(u + 6, 0);
		if (memcmp(e, u, 8))
			fail_msg("%s: UDP header differs", what);
		e += 8;
	}
	uint8_t eh[8];
	wr32(eh, sa->spi);
	wr32(eh + 4, seq);
	if (memcmp(e, eh, 8) || memcmp(e + 8, g_iv, B))
		fail_msg("%s: ESP header or IV differs", what);
	assert_non_null(HMAC(ossl_md(sa->auth), sa->auth_key, sa->auth_key_len, e, 8 + B + clen, md, &mdlen));
	if (memcmp(md, e + 8 + B + clen, 12))
		fail_msg("%s: ICV is not HMAC-96 of SPI..ciphertext", what);
	memcpy(ptx, in + poff, plen);
	for (unsigned i = 0; i < p; i++)
		ptx[plen + i] = (uint8_t)(i + 1);
	ptx[plen + p] = (uint8_t)p;
	ptx[plen + p + 1] = transport ? in[9] : 4;
	ossl_cbc(sa, 0, e + 8, e + 8 + B, clen, dec);
	if (memcmp(dec, ptx, clen))
		fail_msg("%s: decrypted payload/padding differs", what);
}

static const struct {
	uint8_t cipher, klen;
} ciphers[] = {
	{ ESPFAB_CIPHER_DES, 8 }, { ESPFAB_CIPHER_3DES, 24 }, { ESPFAB_CIPHER_AES, 16 },
	{ ESPFAB_CIPHER_AES, 24 }, { ESPFAB_CIPHER_AES, 32 },
};
static const uint8_t auths[] = { ESPFAB_AUTH_MD5, ESPFAB_AUTH_SHA1 };
static const struct {
	uint8_t mode, encap;
} modes[] = {
	{ ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	{ ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE },
	{ ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
	{ ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP },
};
static const struct {
	unsigned hlen, tl;
} sizes[] = { { 20, 20 }, { 20, 21 }, { 20, 39 }, { 20, 64 }, { 24, 333 }, { 60, 61 }, { 20, 1400 } };

static void test_round_trip_all(void **s)
{
	(void)s;
	uint8_t in[MAXF], pkt[MAXF], out[MAXF];
	char what[160];
	unsigned n = 0;
	for (size_t ci = 0; ci < sizeof ciphers / sizeof ciphers[0]; ci++)
		for (size_t ai = 0; ai < sizeof auths; ai++)
			for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
				espfab_sa_t sa = mk_sa(0x6000 + (uint32_t)(ci * 16 + ai * 4 + mi), ESPFAB_DIR_OUT,
						       modes[mi].mode, modes[mi].encap, ciphers[ci].cipher,
						       ciphers[ci].klen, auths[ai], 128);
				sa.ttl = (uint8_t)(mi * 50);
				put_pair(1, sa);
				for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
					const uint32_t seq = (uint32_t)si + 1;
					snprintf(what, sizeof what, "%s-%u/%s/%s%s/%u bytes",
						 espfab_cipher_name(ciphers[ci].cipher), ciphers[ci].klen * 8,
						 espfab_auth_name(auths[ai]), espfab_mode_name(modes[mi].mode),
						 modes[mi].encap ? "+UDP" : "", sizes[si].tl);
					mk_ip(in, sizes[si].hlen, sizes[si].tl, (uint8_t)(6 + si), (uint8_t)si);
					espfab_cpl_t c = run_slot(1, in, sizes[si].tl, pkt, MAXF);
					if (c.status != S(OK))
						fail_msg("%s: encap %s", what, espfab_status_name(c.status));
					assert_int_equal(c.seq, seq);
					assert_int_equal(c.spi, sa.spi);
					ossl_check(&sa, in, pkt, c.out_len, seq, what);
					espfab_cpl_t d = run_slot(2, pkt, c.out_len, out, MAXF);
					if (d.status != S(OK))
						fail_msg("%s: decap %s", what, espfab_status_name(d.status));
					if (d.out_len != sizes[si].tl || memcmp(out, in, sizes[si].tl))
						fail_msg("%s: decap does not restore the input", what);
					assert_int_equal(d.seq, seq);
					assert_int_equal(d.spi, sa.spi);
					n++;
				}
				assert_int_equal(g_st[1].count[S(OK)], sizeof sizes / sizeof sizes[0]);
				assert_int_equal(g_st[2].count[S(OK)], sizeof sizes / sizeof sizes[0]);
			}
	print_message("%u round trips checked against OpenSSL\n", n);
}

/* Decap of packets built by OpenSSL alone (the other direction). */
static void test_decap_openssl_built(void **s)
{
	(void)s;
	uint8_t inner[200], pt[MAXF], pkt[MAXF], out[MAXF];
	for (size_t ci = 0; ci < sizeof ciphers / sizeof ciphers[0]; ci++)
		for (size_t ai = 0; ai < sizeof auths; ai++) {
			espfab_sa_t sa = mk_sa(0x6100 + (uint32_t)(ci * 2 + ai), ESPFAB_DIR_IN, ESPFAB_MODE_TUNNEL,
					       ESPFAB_ENCAP_NONE, ciphers[ci].cipher, ciphers[ci].klen, auths[ai], 64);
			put_sa(2, &sa);
			const unsigned B = blk(sa.cipher);
			mk_ip(inner, 20, 99, 17, 7);
			unsigned p = (B - (99 + 2) % B) % B;
			memcpy(pt, inner, 99);
			for (unsigned i = 0; i < p; i++)
				pt[99 + i] = (uint8_t)(i + 1);
			pt[99 + p] = (uint8_t)p;
			pt[100 + p] = 4;
			unsigned len = ossl_build(&sa, 42, pt, 101 + p, pkt);
			espfab_cpl_t c = run_slot(2, pkt, len, out, MAXF);
			expect(&c, S(OK), (int)(ci * 2 + ai + 1));
			assert_int_equal(c.out_len, 99);
			assert_memory_equal(out, inner, 99);
			assert_int_equal(c.seq, 42);
		}
}

/* The key context holds no raw key and a bad SA is refused with ctx zeroed. */
static void test_sa_setup(void **s)
{
	(void)s;
	esp_ctx_t ctx, zero;
	memset(&zero, 0, sizeof zero);
	static const struct {
		uint8_t cipher, klen, auth, alen;
		int rc;
	} cases[] = {
		/* 1 */ { ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 20, 0 },
		/* 2 */ { ESPFAB_CIPHER_AES, 20, ESPFAB_AUTH_SHA1, 20, -1 },
		/* 3 */ { ESPFAB_CIPHER_DES, 16, ESPFAB_AUTH_MD5, 16, -1 },
		/* 4 */ { ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_MD5, 16, 0 },
		/* 5 */ { 0, 16, ESPFAB_AUTH_MD5, 16, -1 },
		/* 6 */ { ESPFAB_CIPHER_AES, 32, 0, 16, -1 },
		/* 7 */ { ESPFAB_CIPHER_AES, 32, 3, 16, -1 },
		/* 8 */ { ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_SHA1, 65, -1 },
		/* 9 */ { ESPFAB_CIPHER_3DES, 8, ESPFAB_AUTH_SHA1, 20, -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		espfab_sa_t sa = mk_sa(0x6200, ESPFAB_DIR_OUT, 0, 0, ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_SHA1, 0);
		sa.cipher = cases[i].cipher;
		sa.enc_key_len = cases[i].klen;
		sa.auth = cases[i].auth;
		sa.auth_key_len = cases[i].alen;
		memset(&ctx, 0x77, sizeof ctx);
		int rc = esp_sa_setup(&sa, &ctx);
		if (rc != cases[i].rc)
			fail_msg("case %zu: esp_sa_setup %d, expected %d", i + 1, rc, cases[i].rc);
		if (rc != 0 && memcmp(&ctx, &zero, sizeof ctx))
			fail_msg("case %zu: ctx not zeroed on failure", i + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sa_setup, test_setup),
		cmocka_unit_test_setup(test_replay_window, test_setup),
		cmocka_unit_test_setup(test_lifetime, test_setup),
		cmocka_unit_test_setup(test_lifetime_failures_not_counted, test_setup),
		cmocka_unit_test_setup(test_seq_overflow, test_setup),
		cmocka_unit_test_setup(test_too_big, test_setup),
		cmocka_unit_test_setup(test_bad_request, test_setup),
		cmocka_unit_test_setup(test_no_sa, test_setup),
		cmocka_unit_test_setup(test_length_prefixes, test_setup),
		cmocka_unit_test_setup(test_length_cases, test_setup),
		cmocka_unit_test_setup(test_proto, test_setup),
		cmocka_unit_test_setup(test_pad, test_setup),
		cmocka_unit_test_setup(test_round_trip_all, test_setup),
		cmocka_unit_test_setup(test_decap_openssl_built, test_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
