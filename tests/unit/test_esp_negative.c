/*
 * Inbound and outbound failures through the public libespfab API, on every
 * engine in espfab_engines() that opens.  Owner: H2.
 *
 * Packets are built here with OpenSSL alone (EVP CBC + HMAC()), so a
 * packet can carry a valid ICV around a deliberately wrong padding.  For
 * each SA shape (cipher x auth x mode x encapsulation, including the
 * two-key 3DES form the driver expands) and each failure the test checks:
 * the status, out_len 0, the output buffer untouched (see process() for
 * the one allowance), the slot's
 * count[status] one higher with every other counter (count[OK] included)
 * unchanged, and the device counter for that status one higher.
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

#include "espfab.h"

#define S(x) ESPFAB_STATUS_##x
#define MAXF ESPFAB_MAX_FRAME
#define CANARY 0xa5

struct shape {
	const char *name;
	uint8_t cipher, klen, auth, mode, encap;
};

static const struct shape shapes[] = {
	/* 1 */ { "AES-128/SHA1 tunnel", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	/* 2 */ { "3DES-2key/MD5 transport", ESPFAB_CIPHER_3DES, 16, ESPFAB_AUTH_MD5, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE },
	/* 3 */ { "DES/SHA1 tunnel+UDP", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
	/* 4 */ { "AES-256/MD5 transport+UDP", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_MD5, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP },
	/* 5 */ { "3DES/SHA1 tunnel", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
};

/* ---- packet construction with OpenSSL only ------------------------------- */

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

static void fix_ipsum(uint8_t *h)
{
	unsigned hl = (h[0] & 15) * 4u;
	uint32_t s = 0;
	h[10] = h[11] = 0;
	for (unsigned i = 0; i < hl; i += 2)
		s += rd16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	wr16(h + 10, ~s & 0xffff);
}

static void mk_ip(uint8_t *p, unsigned tl, uint8_t proto, uint8_t seed)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	wr16(p + 2, tl);
	wr16(p + 4, 0x4242);
	p[8] = 64;
	p[9] = proto;
	wr32(p + 12, 0xc0a80a01);
	wr32(p + 16, 0xc0a80b02);
	for (unsigned i = 20; i < tl; i++)
		p[i] = (uint8_t)(seed ^ (i * 11));
	fix_ipsum(p);
}

static espfab_sa_t shape_sa(const struct shape *sh, uint32_t spi, uint8_t dir)
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = spi;
	sa.dir = dir;
	sa.mode = sh->mode;
	sa.encap = sh->encap;
	sa.cipher = sh->cipher;
	sa.enc_key_len = sh->klen;
	sa.auth = sh->auth;
	sa.auth_key_len = sh->auth == ESPFAB_AUTH_MD5 ? 16 : 20;
	sa.replay_window = 64;
	sa.tun_src = 0x0a000001;
	sa.tun_dst = 0x0a000002;
	sa.sport = 4500;
	sa.dport = 4500;
	for (unsigned i = 0; i < sa.enc_key_len; i++)
		sa.enc_key[i] = (uint8_t)(0x21 + 7 * i + spi);
	for (unsigned i = 0; i < sa.auth_key_len; i++)
		sa.auth_key[i] = (uint8_t)(0x90 + 3 * i + spi);
	return sa;
}

static const EVP_CIPHER *ossl_cipher(const espfab_sa_t *sa)
{
	switch (sa->cipher) {
	case ESPFAB_CIPHER_DES: return EVP_des_cbc();
	case ESPFAB_CIPHER_3DES: return sa->enc_key_len == 16 ? EVP_des_ede_cbc() : EVP_des_ede3_cbc();
	default:
		return sa->enc_key_len == 16 ? EVP_aes_128_cbc()
		       : sa->enc_key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	}
}

enum pad_kind { PAD_GOOD, PAD_BAD_BYTE, PAD_BAD_LEN };

/* An inbound packet for sa carrying the IPv4 packet inner[0..tl) with
 * sequence seq; padding as asked; valid ICV.  Returns its length. */
static unsigned build_esp(const espfab_sa_t *sa, uint32_t seq, const uint8_t *inner, unsigned tl,
			  enum pad_kind pk, uint8_t *pkt)
{
	const unsigned B = sa->cipher == ESPFAB_CIPHER_AES ? 16 : 8;
	const int transport = sa->mode == ESPFAB_MODE_TRANSPORT, udp = sa->encap == ESPFAB_ENCAP_UDP;
	const unsigned poff = transport ? 20 : 0, plen = tl - poff;
	unsigned p = (B - (plen + 2) % B) % B;
	uint8_t pt[MAXF], iv[16];
	if (p < 2)
		p += B; /* room for a wrong pad byte in every case */
	memcpy(pt, inner + poff, plen);
	for (unsigned i = 0; i < p; i++)
		pt[plen + i] = (uint8_t)(i + 1);
	pt[plen + p] = (uint8_t)p;
	pt[plen + p + 1] = transport ? inner[9] : 4;
	if (pk == PAD_BAD_BYTE)
		pt[plen + p / 2] ^= 0x40;
	if (pk == PAD_BAD_LEN)
		pt[plen + p] = (uint8_t)(plen + p + 1); /* p + 2 > plaintext length */
	const unsigned clen = plen + p + 2;
	for (unsigned i = 0; i < B; i++)
		iv[i] = (uint8_t)(seq * 31 + i);

	const unsigned hdr = 20 + (udp ? 8 : 0);
	const unsigned total = hdr + 8 + B + clen + 12;
	memcpy(pkt, transport ? inner : (const uint8_t *)"\x45\x00\x00\x00\x00\x01\x40\x00\x40\x32", 10);
	if (transport)
		memcpy(pkt + 10, inner + 10, 10);
	else {
		memset(pkt + 10, 0, 10);
		wr32(pkt + 12, 0x0a000002);
		wr32(pkt + 16, 0x0a000001);
	}
	wr16(pkt + 2, total);
	pkt[9] = udp ? 17 : 50;
	fix_ipsum(pkt);
	if (udp) {
		wr16(pkt + 20, 4500);
		wr16(pkt + 22, 4500);
		wr16(pkt + 24, total - 20);
		wr16(pkt + 26, 0);
	}
	uint8_t *e = pkt + hdr;
	wr32(e, sa->spi);
	wr32(e + 4, seq);
	memcpy(e + 8, iv, B);

	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, ossl_cipher(sa), NULL, sa->enc_key, iv), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, e + 8 + B, &n, pt, (int)clen), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, e + 8 + B + n, &m), 1);
	assert_int_equal(n + m, (int)clen);
	EVP_CIPHER_CTX_free(c);

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	assert_non_null(HMAC(sa->auth == ESPFAB_AUTH_MD5 ? EVP_md5() : EVP_sha1(), sa->auth_key, sa->auth_key_len, e,
			     8 + B + clen, md, &mdlen));
	memcpy(e + 8 + B + clen, md, 12);
	return total;
}

/* ---- one request and its bookkeeping ------------------------------------- */

struct ctx {
	espfab_dev *dev;
	const char *engine;
	const struct shape *sh;
};

/* Process one packet on slot and check status, output and counters.  For
 * OK the output must equal want[0..want_len). */
static void process(const struct ctx *x, uint32_t slot, const uint8_t *in, unsigned len, unsigned status,
		    const uint8_t *want, unsigned want_len, const char *what)
{
	static uint8_t out[MAXF];
	espfab_sa_state_t before, after;
	espfab_dev_counters dbefore, dafter;
	espfab_cpl cpl;
	espfab_op op = { .slot = slot, .in = in, .in_len = (uint16_t)len, .out = out, .out_cap = MAXF,
			 .cookie = 0xfeed0000u + slot };

	assert_int_equal(espfab_sa_state(x->dev, slot, &before), 0);
	espfab_dev_counters_get(x->dev, &dbefore);
	memset(out, CANARY, sizeof out);
	memset(&cpl, 0, sizeof cpl);
	assert_int_equal(espfab_process_one(x->dev, &op, &cpl), 0);
	assert_int_equal(espfab_sa_state(x->dev, slot, &after), 0);
	espfab_dev_counters_get(x->dev, &dafter);

	if (cpl.status != status)
		fail_msg("%s / %s / %s: status %s, expected %s", x->engine, x->sh->name, what,
			 espfab_status_name(cpl.status), espfab_status_name(status));
	assert_true(cpl.cookie == op.cookie);
	if (status == S(OK)) {
		if (cpl.out_len != want_len || memcmp(out, want, want_len))
			fail_msg("%s / %s / %s: output differs", x->engine, x->sh->name, what);
	} else {
		if (cpl.out_len != 0)
			fail_msg("%s / %s / %s: out_len %u on failure", x->engine, x->sh->name, what, cpl.out_len);
		/* The page requires out_len 0.  Failures found before decryption
		 * must leave the buffer alone on every engine; after decryption
		 * (PAD, PROTO) an engine may have used it as scratch (sw decrypts
		 * in place), but the model never writes unless OK. */
		const int strict = (status != S(PAD) && status != S(PROTO)) || !strcmp(x->engine, "model");
		for (unsigned i = 0; strict && i < MAXF; i++)
			if (out[i] != CANARY)
				fail_msg("%s / %s / %s: output byte %u written on failure", x->engine, x->sh->name,
					 what, i);
	}
	for (unsigned i = 0; i < ESPFAB_STATUS_SLOTS; i++) {
		uint64_t want_n = before.count[i] + (i == status);
		if (after.count[i] != want_n)
			fail_msg("%s / %s / %s: count[%s] %llu, expected %llu", x->engine, x->sh->name, what,
				 espfab_status_name(i), (unsigned long long)after.count[i],
				 (unsigned long long)want_n);
		if (dafter.count[i] != dbefore.count[i] + (i == status))
			fail_msg("%s / %s / %s: device count[%s] not incremented once", x->engine, x->sh->name,
				 what, espfab_status_name(i));
	}
}

/* ---- the cases -------------------------------------------------------------- */

enum { SLOT_IN = 3, SLOT_LIFE_IN = 4, SLOT_LIFE_OUT = 5 };

static void negative_cases(const struct ctx *x, unsigned shape_no)
{
	uint8_t inner[MAXF], pkt[MAXF], cut[MAXF];
	const uint32_t spi = 0x30000 + shape_no;
	const espfab_sa_t sa = shape_sa(x->sh, spi, ESPFAB_DIR_IN);
	const unsigned tl = 90;
	unsigned len;

	assert_int_equal(espfab_sa_add(x->dev, SLOT_IN, &sa), 0);
	mk_ip(inner, tl, 17, (uint8_t)shape_no);

	/* 1: a good packet passes (the builder agrees with the engine) */
	len = build_esp(&sa, 1, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len, S(OK), inner, tl, "1 good packet");

	/* 2: flipped ICV bit -> AUTH (and seq 2 stays unused) */
	len = build_esp(&sa, 2, inner, tl, PAD_GOOD, pkt);
	pkt[len - 5] ^= 0x08;
	process(x, SLOT_IN, pkt, len, S(AUTH), NULL, 0, "2 flipped ICV bit");
	/* 3: flipped ciphertext bit -> AUTH */
	pkt[len - 5] ^= 0x08;
	pkt[len - 20] ^= 0x01;
	process(x, SLOT_IN, pkt, len, S(AUTH), NULL, 0, "3 flipped ciphertext bit");
	pkt[len - 20] ^= 0x01;
	process(x, SLOT_IN, pkt, len, S(OK), inner, tl, "3b repaired packet");

	/* 4: replayed sequence number -> REPLAY */
	len = build_esp(&sa, 1, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len, S(REPLAY), NULL, 0, "4 replay");

	/* 5: left of the window -> WINDOW */
	len = build_esp(&sa, 100, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len, S(OK), inner, tl, "5a jump to 100");
	len = build_esp(&sa, 36, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len, S(WINDOW), NULL, 0, "5 left of window");
	len = build_esp(&sa, 37, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len, S(OK), inner, tl, "5b left edge inside");

	/* 6: valid ICV around bad pad bytes -> PAD */
	len = build_esp(&sa, 101, inner, tl, PAD_BAD_BYTE, pkt);
	process(x, SLOT_IN, pkt, len, S(PAD), NULL, 0, "6 bad pad byte");
	/* 7: valid ICV around an impossible pad length -> PAD */
	len = build_esp(&sa, 102, inner, tl, PAD_BAD_LEN, pkt);
	process(x, SLOT_IN, pkt, len, S(PAD), NULL, 0, "7 bad pad length");
	/* PAD comes after the window update: the same number is now a replay */
	process(x, SLOT_IN, pkt, len, S(REPLAY), NULL, 0, "7b replay of the PAD packet");

	/* 8: truncated packet -> LENGTH (in_len short of the IPv4 length) */
	len = build_esp(&sa, 103, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len - 1, S(LENGTH), NULL, 0, "8 truncated by one byte");
	/* 9: truncated with the lengths rewritten: ESP region not block-aligned */
	memcpy(cut, pkt, len - 3);
	wr16(cut + 2, len - 3);
	if (sa.encap == ESPFAB_ENCAP_UDP)
		wr16(cut + 24, len - 3 - 20);
	process(x, SLOT_IN, cut, len - 3, S(LENGTH), NULL, 0, "9 truncated, lengths fixed");
	/* 10: only the IPv4 header */
	wr16(cut + 2, 20);
	process(x, SLOT_IN, cut, 20, S(LENGTH), NULL, 0,
		"10 header only");
	process(x, SLOT_IN, pkt, len, S(OK), inner, tl, "10b untruncated");

	/* 11: unknown SPI -> NO_SA, counted on the slot */
	espfab_sa_t other = sa;
	other.spi = spi + 0x100;
	len = build_esp(&other, 104, inner, tl, PAD_GOOD, pkt);
	process(x, SLOT_IN, pkt, len, S(NO_SA), NULL, 0, "11 unknown SPI");

	/* 12: hard lifetime reached -> LIFETIME (inbound) */
	espfab_sa_t life = sa;
	life.spi = spi + 0x200;
	life.life_soft_kb = 1;
	life.life_hard_kb = 1;
	assert_int_equal(espfab_sa_add(x->dev, SLOT_LIFE_IN, &life), 0);
	mk_ip(inner, 600, 6, 1);
	len = build_esp(&life, 1, inner, 600, PAD_GOOD, pkt);
	process(x, SLOT_LIFE_IN, pkt, len, S(OK), inner, 600, "12a 600 bytes");
	len = build_esp(&life, 2, inner, 600, PAD_GOOD, pkt);
	process(x, SLOT_LIFE_IN, pkt, len, S(OK), inner, 600, "12b crossing the hard limit");
	espfab_sa_state_t st;
	assert_int_equal(espfab_sa_state(x->dev, SLOT_LIFE_IN, &st), 0);
	assert_int_equal(st.hard_expired, 1);
	assert_int_equal(st.bytes, 1200);
	len = build_esp(&life, 3, inner, 600, PAD_GOOD, pkt);
	process(x, SLOT_LIFE_IN, pkt, len, S(LIFETIME), NULL, 0, "12 hard lifetime, inbound");
	assert_int_equal(espfab_sa_state(x->dev, SLOT_LIFE_IN, &st), 0);
	assert_int_equal(st.seq, 2);

	/* 13: hard lifetime reached -> LIFETIME (outbound) */
	life = shape_sa(x->sh, spi + 0x300, ESPFAB_DIR_OUT);
	life.life_hard_kb = 1;
	assert_int_equal(espfab_sa_add(x->dev, SLOT_LIFE_OUT, &life), 0);
	static uint8_t enc[MAXF];
	espfab_cpl cpl;
	for (int i = 0; i < 2; i++) {
		espfab_op op = { .slot = SLOT_LIFE_OUT, .in = inner, .in_len = 600, .out = enc, .out_cap = MAXF };
		assert_int_equal(espfab_process_one(x->dev, &op, &cpl), 0);
		assert_int_equal(cpl.status, S(OK));
	}
	assert_int_equal(cpl.flags, 1u << ESPFAB_CPLFLAG_HARD_EXPIRED);
	process(x, SLOT_LIFE_OUT, inner, 600, S(LIFETIME), NULL, 0, "13 hard lifetime, outbound");

	assert_int_equal(espfab_sa_del(x->dev, SLOT_IN), 0);
	assert_int_equal(espfab_sa_del(x->dev, SLOT_LIFE_IN), 0);
	assert_int_equal(espfab_sa_del(x->dev, SLOT_LIFE_OUT), 0);
}

/* An empty slot: NO_SA, nothing delivered, device counter only. */
static void empty_slot(const struct ctx *x)
{
	static uint8_t in[100], out[MAXF];
	espfab_dev_counters before, after;
	espfab_cpl cpl;
	mk_ip(in, 100, 6, 0);
	espfab_dev_counters_get(x->dev, &before);
	memset(out, CANARY, sizeof out);
	espfab_op op = { .slot = 7, .in = in, .in_len = 100, .out = out, .out_cap = MAXF };
	assert_int_equal(espfab_process_one(x->dev, &op, &cpl), 0);
	assert_int_equal(cpl.status, S(NO_SA));
	assert_int_equal(cpl.out_len, 0);
	for (unsigned i = 0; i < MAXF; i++)
		assert_int_equal(out[i], CANARY);
	espfab_dev_counters_get(x->dev, &after);
	assert_int_equal(after.count[S(NO_SA)], before.count[S(NO_SA)] + 1);
	assert_int_equal(after.count[S(OK)], before.count[S(OK)]);
}

static void test_negative_every_engine(void **s)
{
	(void)s;
	unsigned opened = 0;
	int model_seen = 0;
	for (const char *const *e = espfab_engines(); *e; e++) {
		espfab_open_opts o = { .sa_slots = 16, .queue_depth = 8 };
		espfab_dev *dev = NULL;
		if (espfab_open(*e, &o, &dev) != 0) {
			print_message("engine %s does not open here (%s); skipped\n", *e, espfab_open_error());
			continue;
		}
		opened++;
		if (!strcmp(*e, "model"))
			model_seen = 1;
		for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
			struct ctx x = { dev, *e, &shapes[i] };
			negative_cases(&x, i + 1);
		}
		struct ctx x = { dev, *e, &shapes[0] };
		empty_slot(&x);
		espfab_close(dev);
		print_message("engine %s: %zu SA shapes x 13 failure cases passed\n", *e,
			      sizeof shapes / sizeof shapes[0]);
	}
	assert_true(model_seen);
	assert_true(opened >= 1);
}

static OSSL_PROVIDER *prov_legacy, *prov_default;

static int group_setup(void **s)
{
	(void)s;
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	return prov_legacy && prov_default ? 0 : -1;
}

static int group_teardown(void **s)
{
	(void)s;
	if (prov_legacy)
		OSSL_PROVIDER_unload(prov_legacy);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	return 0;
}

int main(void)
{
	/* The sim engine runs here on the in-process C model of the fabric
	 * unless ESPFAB_SIM says otherwise (device=model|rtl: espfab-simd). */
	setenv("ESPFAB_SIM", "device=inproc", 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_every_engine),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
