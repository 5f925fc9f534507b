/*
 * The cryptography of IKEv1 (ike/ike_crypto.c, ike/ike_dh.c) against
 * published vectors, recorded exchanges with a real peer, and OpenSSL used
 * directly as an independent oracle.
 *
 * Oracles, in the order the tests use them:
 *  - tests/vectors/ikev1_psk.txt: NIST CAVS/ACVP IKEv1 KDF values in the
 *    CAVS .rsp layout (read with the small parser below; sources in the
 *    file's header).
 *  - tests/vectors/hmac_md5.txt, hmac_sha1.txt: RFC 2202, through ike_prf.
 *  - tests/vectors/ikev1_exchanges.txt: a main-mode and an aggressive-mode
 *    PSK exchange (with quick mode) captured against a real responder,
 *    phase-1 secrets from another implementation's tests, and NSS's
 *    Appendix B / KEYMAT expansion answers (sources in the file's header).
 *  - OpenSSL: HMAC() and EVP_Digest in the default library context for every
 *    derivation on random inputs; EVP_PKEY DH derive (explicit p, g) for the
 *    Diffie-Hellman agreement; EVP ciphers (own library context with the
 *    legacy provider) for CBC; BN_get_rfc2409/3526_prime_* for the primes.
 *
 * Table-driven where there are cases; a failure names the table and case
 * number.  A fixed PRNG seed makes every run identical; ESPFAB_TEST_SEED
 * (decimal or 0x-hex) overrides it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/provider.h>

#include "ike_crypto.h"
#include "ike_dh.h"
#include "vectors.h"

#define DEFAULT_SEED 0x696b656372797074ull /* "ikecrypt" */
#define BIG 8192

static uint64_t seed = DEFAULT_SEED;
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rnd_range(unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rnd64() % ((uint64_t)hi - lo + 1));
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

static void rng_start(unsigned stream)
{
	rng_state = seed ^ ((uint64_t)stream << 56);
}

/* ---- helpers ------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode hex into out; returns the byte count or -1. */
static int unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		out[i] = (uint8_t)(a << 4 | b);
	}
	return (int)(n / 2);
}

static void expect_bytes(const char *what, unsigned idx, const uint8_t *got, const uint8_t *want, size_t n)
{
	if (memcmp(got, want, n) == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("%s: case %u (seed 0x%016llx): first difference at byte %zu of %zu: got %02x want %02x",
				 what, idx, (unsigned long long)seed, i, n, got[i], want[i]);
}

/* Concatenation buffer for the oracles. */
struct cat {
	uint8_t d[BIG];
	size_t n;
};

static void cat_reset(struct cat *c)
{
	c->n = 0;
}

static void cat_add(struct cat *c, const void *p, size_t n)
{
	assert_true(c->n + n <= sizeof c->d);
	if (n)
		memcpy(c->d + c->n, p, n);
	c->n += n;
}

static const EVP_MD *oracle_md(int hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return EVP_md5();
	case IKE_HASH_SHA1:
		return EVP_sha1();
	case IKE_HASH_SHA2_256:
		return EVP_sha256();
	}
	fail_msg("no oracle digest for hash %d", hash);
	return NULL;
}

/* HMAC in OpenSSL's default library context (not ike_crypto's). */
static size_t oracle_prf(int hash, const uint8_t *key, size_t klen, const struct cat *data, uint8_t *out)
{
	unsigned int n = 0;
	assert_non_null(HMAC(oracle_md(hash), key, (int)klen, data->d, data->n, out, &n));
	return n;
}

static size_t oracle_hash(int hash, const struct cat *data, uint8_t *out)
{
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(data->d, data->n, out, &n, oracle_md(hash), NULL), 1);
	return n;
}

/* K1 = prf(key, seed), Kn = prf(key, Kn-1 | seed) (chain = 1) or
 * Kn = prf(key, Kn-1) (chain = 0, Appendix B with seed 0x00). */
static void oracle_expand(int hash, const uint8_t *key, size_t klen, const uint8_t *sd, size_t sdn, int chain,
			  uint8_t *out, size_t len)
{
	static struct cat c;
	uint8_t k[64];
	size_t hl = 0, done = 0;
	while (done < len) {
		cat_reset(&c);
		if (done)
			cat_add(&c, k, hl);
		if (!done || chain)
			cat_add(&c, sd, sdn);
		hl = oracle_prf(hash, key, klen, &c, k);
		size_t t = len - done < hl ? len - done : hl;
		memcpy(out + done, k, t);
		done += t;
	}
}

/* ---- OpenSSL cipher oracle (own library context, legacy for DES) --------- */

static OSSL_LIB_CTX *oracle_lib;
static OSSL_PROVIDER *oracle_prov[2];

static int setup(void **state)
{
	(void)state;
	oracle_lib = OSSL_LIB_CTX_new();
	if (!oracle_lib)
		return -1;
	oracle_prov[0] = OSSL_PROVIDER_load(oracle_lib, "default");
	oracle_prov[1] = OSSL_PROVIDER_load(oracle_lib, "legacy");
	if (!oracle_prov[0] || !oracle_prov[1])
		return -1;
	return ike_crypto_init() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ike_crypto_cleanup();
	for (int i = 0; i < 2; i++)
		if (oracle_prov[i])
			OSSL_PROVIDER_unload(oracle_prov[i]);
	OSSL_LIB_CTX_free(oracle_lib);
	return 0;
}

static const char *oracle_cipher_name(int encr, size_t klen)
{
	if (encr == IKE_ENCR_DES_CBC)
		return "DES-CBC";
	if (encr == IKE_ENCR_3DES_CBC)
		return "DES-EDE3-CBC";
	return klen == 16 ? "AES-128-CBC" : klen == 24 ? "AES-192-CBC" : "AES-256-CBC";
}

static void oracle_cbc(int encr, const uint8_t *key, size_t klen, const uint8_t *iv, const uint8_t *in, size_t len,
		       uint8_t *out, int enc)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(oracle_lib, oracle_cipher_name(encr, klen), NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	assert_non_null(c);
	assert_non_null(x);
	assert_int_equal(EVP_CipherInit_ex2(x, c, key, iv, enc, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(x, 0), 1);
	assert_int_equal(EVP_CipherUpdate(x, out, &n, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(x, out + n, &m), 1);
	assert_int_equal(n + m, (int)len);
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
}

/* ---- 1. algorithm tables ------------------------------------------------- */

static void test_algorithms(void **state)
{
	static const struct {
		int hash;
		size_t len;
		const char *name;
	} hashes[] = {
		/* 1 */ { IKE_HASH_MD5, 16, "md5" },
		/* 2 */ { IKE_HASH_SHA1, 20, "sha" },
		/* 3 */ { IKE_HASH_SHA2_256, 32, "sha256" },
		/* 4 */ { 3, 0, "unknown" }, /* Tiger: not supported */
		/* 5 */ { 0, 0, "unknown" },
	};
	static const struct {
		int encr;
		unsigned bits;
		size_t key, block;
	} ciphers[] = {
		/* 1 */ { IKE_ENCR_DES_CBC, 0, 8, 8 },	   /* 2 */ { IKE_ENCR_DES_CBC, 64, 8, 8 },
		/* 3 */ { IKE_ENCR_DES_CBC, 128, 0, 8 },   /* 4 */ { IKE_ENCR_3DES_CBC, 0, 24, 8 },
		/* 5 */ { IKE_ENCR_3DES_CBC, 192, 24, 8 }, /* 6 */ { IKE_ENCR_3DES_CBC, 128, 0, 8 },
		/* 7 */ { IKE_ENCR_AES_CBC, 128, 16, 16 }, /* 8 */ { IKE_ENCR_AES_CBC, 192, 24, 16 },
		/* 9 */ { IKE_ENCR_AES_CBC, 256, 32, 16 }, /* 10 */ { IKE_ENCR_AES_CBC, 0, 0, 16 },
		/* 11 */ { IKE_ENCR_AES_CBC, 64, 0, 16 },  /* 12 */ { 2, 0, 0, 0 }, /* IDEA */
	};
	(void)state;
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		if (ike_hash_len(hashes[i].hash) != hashes[i].len || strcmp(ike_hash_name(hashes[i].hash), hashes[i].name))
			fail_msg("hash table case %zu", i + 1);
	}
	for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++) {
		if (ike_encr_key_len(ciphers[i].encr, ciphers[i].bits) != ciphers[i].key ||
		    ike_encr_block_len(ciphers[i].encr) != ciphers[i].block)
			fail_msg("cipher table case %zu", i + 1);
	}
	assert_string_equal(ike_encr_name(IKE_ENCR_3DES_CBC), "3des");
	assert_string_equal(ike_encr_name(99), "unknown");
	assert_string_equal(ike_dh_group_name(IKE_DH_GROUP14), "2048-bit MODP");
	assert_int_equal(ike_dh_group_len(3), 0);
	assert_null(ike_dh_group_prime_hex(3));
}

/* ---- 2. Diffie-Hellman --------------------------------------------------- */

static const struct {
	int group;
	size_t len;
	BIGNUM *(*openssl_prime)(BIGNUM *);
} dh_table[] = {
	/* 1 */ { IKE_DH_GROUP1, 96, BN_get_rfc2409_prime_768 },
	/* 2 */ { IKE_DH_GROUP2, 128, BN_get_rfc2409_prime_1024 },
	/* 3 */ { IKE_DH_GROUP5, 192, BN_get_rfc3526_prime_1536 },
	/* 4 */ { IKE_DH_GROUP14, 256, BN_get_rfc3526_prime_2048 },
};
#define N_DH (sizeof dh_table / sizeof dh_table[0])

static BIGNUM *group_p(int group)
{
	BIGNUM *p = NULL;
	assert_true(BN_hex2bn(&p, ike_dh_group_prime_hex(group)) > 0);
	return p;
}

static void test_dh_primes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_DH; i++) {
		BIGNUM *p = group_p(dh_table[i].group), *ref = dh_table[i].openssl_prime(NULL), *q = BN_new();
		BN_CTX *ctx = BN_CTX_new();
		assert_non_null(ref);
		if (BN_cmp(p, ref) != 0)
			fail_msg("dh table case %zu: prime differs from OpenSSL's", i + 1);
		assert_int_equal(ike_dh_group_len(dh_table[i].group), dh_table[i].len);
		assert_int_equal(BN_num_bytes(p), (int)dh_table[i].len);
		/* safe prime: p and (p-1)/2 prime, generator 2 */
		assert_int_equal(BN_check_prime(p, ctx, NULL), 1);
		assert_int_equal(BN_rshift1(q, p), 1);
		assert_int_equal(BN_check_prime(q, ctx, NULL), 1);
		BN_CTX_free(ctx);
		BN_free(q);
		BN_free(ref);
		BN_free(p);
	}
}

/* An OpenSSL DH key over the group (explicit p, g = 2). */
static EVP_PKEY *oracle_dh_key(int group, const uint8_t *pub, size_t publen)
{
	BIGNUM *p = group_p(group), *g = BN_new(), *y = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *key = NULL;

	assert_non_null(bld);
	assert_non_null(ctx);
	assert_int_equal(BN_set_word(g, 2), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g), 1);
	if (pub) {
		y = BN_bin2bn(pub, (int)publen, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y), 1);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	if (pub) {
		assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
		assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
	} else {
		EVP_PKEY *dom = NULL;
		EVP_PKEY_CTX *kctx;
		assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
		assert_int_equal(EVP_PKEY_fromdata(ctx, &dom, EVP_PKEY_KEY_PARAMETERS, params), 1);
		kctx = EVP_PKEY_CTX_new_from_pkey(NULL, dom, NULL);
		assert_non_null(kctx);
		assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
		assert_int_equal(EVP_PKEY_keygen(kctx, &key), 1);
		EVP_PKEY_CTX_free(kctx);
		EVP_PKEY_free(dom);
	}
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(y);
	BN_free(g);
	BN_free(p);
	return key;
}

static void oracle_dh_pub(EVP_PKEY *k, uint8_t *out, size_t len)
{
	BIGNUM *y = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PUB_KEY, &y), 1);
	assert_int_equal(BN_bn2binpad(y, out, (int)len), (int)len);
	BN_free(y);
}

/* OpenSSL's shared secret between priv and the peer's public value; pad
 * selects the zero-padded (1) or minimal (0) encoding.  Returns its length. */
static size_t oracle_dh_derive(EVP_PKEY *priv, int group, const uint8_t *peer, size_t len, uint8_t *out, int pad)
{
	EVP_PKEY *pk = oracle_dh_key(group, peer, len);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	size_t n = len;
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_dh_pad(ctx, pad), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, pk), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, out, &n), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return n;
}

static void test_dh_agreement_vs_openssl(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_DH; i++) {
		int group = dh_table[i].group;
		size_t len = dh_table[i].len;
		for (int round = 0; round < 3; round++) {
			uint8_t pa[IKE_DH_MAX_LEN], pb[IKE_DH_MAX_LEN], pc[IKE_DH_MAX_LEN];
			uint8_t s1[IKE_DH_MAX_LEN], s2[IKE_DH_MAX_LEN], s3[IKE_DH_MAX_LEN], s4[IKE_DH_MAX_LEN];
			ike_dh *a = NULL, *c = NULL;
			EVP_PKEY *b = oracle_dh_key(group, NULL, 0);

			assert_int_equal(ike_dh_new(&a, group), 0);
			assert_int_equal(ike_dh_new(&c, group), 0);
			assert_int_equal(ike_dh_group(a), group);
			assert_int_equal(ike_dh_public(a, pa, sizeof pa), (int)len);
			assert_int_equal(ike_dh_public(c, pc, sizeof pc), (int)len);
			oracle_dh_pub(b, pb, len);
			assert_int_equal(ike_dh_check_peer(group, pa, len), 0);
			/* ours with OpenSSL's */
			assert_int_equal(ike_dh_shared(a, pb, len, s1, sizeof s1), (int)len);
			assert_int_equal(oracle_dh_derive(b, group, pa, len, s2, 1), len);
			expect_bytes("g^xy ike vs OpenSSL derive", (unsigned)(i + 1), s1, s2, len);
			/* ours with ours */
			assert_int_equal(ike_dh_shared(a, pc, len, s3, sizeof s3), (int)len);
			assert_int_equal(ike_dh_shared(c, pa, len, s4, sizeof s4), (int)len);
			expect_bytes("g^xy ike a/c", (unsigned)(i + 1), s3, s4, len);
			if (memcmp(s1, s3, len) == 0)
				fail_msg("dh table case %zu: two peers gave the same secret", i + 1);
			ike_dh_free(a);
			ike_dh_free(c);
			EVP_PKEY_free(b);
		}
	}
}

/* Leading zero bytes: public values and shared secrets keep the prime's
 * length (RFC 2409 §5). */
static void test_dh_left_padding(void **state)
{
	const int group = IKE_DH_GROUP1;
	const size_t len = 96;
	uint8_t x = 2, pub[IKE_DH_MAX_LEN], want[IKE_DH_MAX_LEN], s[IKE_DH_MAX_LEN], o[IKE_DH_MAX_LEN];
	ike_dh *a = NULL;
	int found = 0;
	(void)state;

	/* x = 2: g^x = 4, 95 zero bytes then 04 */
	assert_int_equal(ike_dh_new_from_private(&a, group, &x, 1), 0);
	assert_int_equal(ike_dh_public(a, pub, sizeof pub), (int)len);
	memset(want, 0, len);
	want[len - 1] = 4;
	expect_bytes("g^2 left-padded", 1, pub, want, len);
	assert_int_equal(ike_dh_check_peer(group, pub, len), 0);
	ike_dh_free(a);

	/* Random key pairs until OpenSSL's minimal encoding of g^xy is shorter
	 * than the prime (about 1 in 256). */
	rng_start(2);
	for (int tries = 0; tries < 4000 && !found; tries++) {
		EVP_PKEY *b = oracle_dh_key(group, NULL, 0);
		uint8_t pb[IKE_DH_MAX_LEN];
		size_t n;
		assert_int_equal(ike_dh_new(&a, group), 0);
		assert_int_equal(ike_dh_public(a, pub, sizeof pub), (int)len);
		oracle_dh_pub(b, pb, len);
		n = oracle_dh_derive(b, group, pub, len, o, 0);
		if (n < len) {
			found = 1;
			assert_int_equal(ike_dh_shared(a, pb, len, s, sizeof s), (int)len);
			memset(want, 0, len - n);
			memcpy(want + len - n, o, n);
			expect_bytes("g^xy left-padded", 2, s, want, len);
		}
		ike_dh_free(a);
		EVP_PKEY_free(b);
	}
	assert_true(found);
}

static void test_dh_peer_validation(void **state)
{
	enum { ZERO, ONE, TWO, PM2, PM1, P, ALLFF, SHORT, LONG, NUL };
	static const struct {
		int kind;
		int want;
	} cases[] = {
		/* 1 */ { ZERO, -ERANGE }, /* 2 */ { ONE, -ERANGE }, /* 3 */ { TWO, 0 },	/* 4 */ { PM2, 0 },
		/* 5 */ { PM1, -ERANGE },  /* 6 */ { P, -ERANGE },   /* 7 */ { ALLFF, -ERANGE }, /* 8 */ { SHORT, -ERANGE },
		/* 9 */ { LONG, -ERANGE }, /* 10 */ { NUL, -ERANGE },
	};
	(void)state;
	for (size_t g = 0; g < N_DH; g++) {
		int group = dh_table[g].group;
		size_t len = dh_table[g].len;
		ike_dh *a = NULL;
		BIGNUM *p = group_p(group), *v = BN_new();
		assert_int_equal(ike_dh_new(&a, group), 0);
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			uint8_t y[IKE_DH_MAX_LEN + 1], out[IKE_DH_MAX_LEN], zero[IKE_DH_MAX_LEN] = { 0 };
			size_t ylen = len;
			const uint8_t *yp = y;
			memset(y, 0, sizeof y);
			switch (cases[i].kind) {
			case ZERO:
				break;
			case ONE:
				y[len - 1] = 1;
				break;
			case TWO:
				y[len - 1] = 2;
				break;
			case PM2:
			case PM1:
			case P:
				assert_non_null(BN_copy(v, p));
				assert_int_equal(BN_sub_word(v, cases[i].kind == PM2 ? 2 : cases[i].kind == PM1 ? 1 : 0), 1);
				assert_int_equal(BN_bn2binpad(v, y, (int)len), (int)len);
				break;
			case ALLFF:
				memset(y, 0xff, len);
				break;
			case SHORT:
				y[len - 2] = 2;
				ylen = len - 1;
				break;
			case LONG:
				y[len] = 2;
				ylen = len + 1;
				break;
			case NUL:
				yp = NULL;
				break;
			}
			int rc = ike_dh_check_peer(group, yp, ylen);
			if (rc != cases[i].want)
				fail_msg("peer table case %zu, group %d: check_peer %d, want %d", i + 1, group, rc,
					 cases[i].want);
			memset(out, 0xaa, sizeof out);
			rc = ike_dh_shared(a, yp, ylen, out, sizeof out);
			if (cases[i].want == 0) {
				assert_int_equal(rc, (int)len);
			} else {
				if (rc != cases[i].want)
					fail_msg("peer table case %zu, group %d: shared %d", i + 1, group, rc);
				if (memcmp(out, zero, len) != 0)
					fail_msg("peer table case %zu: output not zeroed on rejection", i + 1);
			}
		}
		assert_int_equal(ike_dh_shared(a, NULL, len, NULL, 0), -EINVAL);
		assert_int_equal(ike_dh_public(a, NULL, 0), -EINVAL);
		ike_dh_free(a);
		BN_free(v);
		BN_free(p);
	}
	assert_int_equal(ike_dh_check_peer(3, (const uint8_t *)"x", 1), -EINVAL);
}

static void test_dh_private_import(void **state)
{
	enum { X0, X1, X2, XPM2, XPM1, XLONG };
	static const struct {
		int kind;
		int want;
	} cases[] = {
		/* 1 */ { X0, -EINVAL }, /* 2 */ { X1, -EINVAL },	 /* 3 */ { X2, 0 },
		/* 4 */ { XPM2, 0 },	 /* 5 */ { XPM1, -EINVAL }, /* 6 */ { XLONG, -EINVAL },
	};
	(void)state;
	for (size_t g = 0; g < N_DH; g++) {
		int group = dh_table[g].group;
		size_t len = dh_table[g].len;
		BIGNUM *p = group_p(group);
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			uint8_t x[IKE_DH_MAX_LEN + 1];
			size_t xlen = len;
			ike_dh *d = (ike_dh *)&xlen; /* must be reset to NULL on failure */
			memset(x, 0, sizeof x);
			switch (cases[i].kind) {
			case X0:
				break;
			case X1:
				x[len - 1] = 1;
				break;
			case X2:
				x[len - 1] = 2;
				break;
			case XPM2:
			case XPM1: {
				BIGNUM *v = BN_dup(p);
				assert_int_equal(BN_sub_word(v, cases[i].kind == XPM2 ? 2 : 1), 1);
				assert_int_equal(BN_bn2binpad(v, x, (int)len), (int)len);
				BN_free(v);
				break;
			}
			case XLONG:
				x[len] = 5;
				xlen = len + 1;
				break;
			}
			int rc = ike_dh_new_from_private(&d, group, x, xlen);
			if (rc != cases[i].want)
				fail_msg("private table case %zu, group %d: %d, want %d", i + 1, group, rc, cases[i].want);
			if (rc != 0)
				assert_null(d);
			ike_dh_free(d);
		}
		BN_free(p);
	}
	{
		ike_dh *d = NULL;
		uint8_t x = 5;
		assert_int_equal(ike_dh_new(&d, 3), -EINVAL);
		assert_null(d);
		assert_int_equal(ike_dh_new(NULL, IKE_DH_GROUP2), -EINVAL);
		assert_int_equal(ike_dh_new_from_private(&d, 99, &x, 1), -EINVAL);
		assert_int_equal(ike_dh_new_from_private(&d, IKE_DH_GROUP2, NULL, 1), -EINVAL);
		ike_dh_free(NULL);
	}
}

/* ---- 3. CAVS-format vectors ------------------------------------------------ */

struct cavs_block {
	int hash;
	unsigned line;
	char count[16];
	uint8_t cky_i[8], cky_r[8], ni[512], nr[512], gxy[1024], psk[512];
	uint8_t skeyid[64], skeyid_d[64], skeyid_a[64], skeyid_e[64];
	int cky_i_n, cky_r_n, ni_n, nr_n, gxy_n, psk_n, skeyid_n, d_n, a_n, e_n;
	int hdr_gxy, hdr_ni, hdr_nr, hdr_psk; /* bits from the [.. length = ..] headers, -1 if none */
};

static void cavs_block_reset(struct cavs_block *b, int hash, const int *hdr)
{
	memset(b, 0, sizeof *b);
	b->hash = hash;
	b->cky_i_n = b->cky_r_n = b->ni_n = b->nr_n = b->gxy_n = b->psk_n = -1;
	b->skeyid_n = b->d_n = b->a_n = b->e_n = -1;
	b->hdr_gxy = hdr[0];
	b->hdr_ni = hdr[1];
	b->hdr_nr = hdr[2];
	b->hdr_psk = hdr[3];
}

/* Check one block; returns 1 if it was a PSK block. */
static int cavs_check(const struct cavs_block *b)
{
	uint8_t skeyid[IKE_PRF_MAX], d[IKE_PRF_MAX], a[IKE_PRF_MAX], e[IKE_PRF_MAX];
	size_t hl = ike_hash_len(b->hash);
	unsigned line = b->line;

	if (b->ni_n < 1 || b->nr_n < 1 || b->skeyid_n != (int)hl)
		fail_msg("ikev1_psk.txt:%u COUNT %s: Ni, Nr and SKEYID are required", line, b->count);
	if ((b->hdr_ni >= 0 && b->hdr_ni != 8 * b->ni_n) || (b->hdr_nr >= 0 && b->hdr_nr != 8 * b->nr_n) ||
	    (b->hdr_gxy >= 0 && b->gxy_n >= 0 && b->hdr_gxy != 8 * b->gxy_n) ||
	    (b->hdr_psk >= 0 && b->psk_n >= 0 && b->hdr_psk != 8 * b->psk_n))
		fail_msg("ikev1_psk.txt:%u COUNT %s: a value does not have its header's length", line, b->count);
	if (b->psk_n >= 0) {
		assert_int_equal(ike_skeyid_psk(b->hash, b->psk, (size_t)b->psk_n, b->ni, (size_t)b->ni_n, b->nr,
						(size_t)b->nr_n, skeyid),
				 (int)hl);
	} else {
		/* signature mode: SKEYID = prf(Ni_b | Nr_b, g^xy) */
		uint8_t key[1024];
		struct ike_chunk v = { b->gxy, (size_t)b->gxy_n };
		assert_true(b->gxy_n > 0);
		memcpy(key, b->ni, (size_t)b->ni_n);
		memcpy(key + b->ni_n, b->nr, (size_t)b->nr_n);
		assert_int_equal(ike_prf(b->hash, key, (size_t)(b->ni_n + b->nr_n), &v, 1, skeyid), (int)hl);
	}
	expect_bytes("CAVS SKEYID", line, skeyid, b->skeyid, hl);
	if (b->d_n >= 0 || b->a_n >= 0 || b->e_n >= 0) {
		if (b->d_n != (int)hl || b->a_n != (int)hl || b->e_n != (int)hl || b->cky_i_n != 8 || b->cky_r_n != 8 ||
		    b->gxy_n < 1)
			fail_msg("ikev1_psk.txt:%u COUNT %s: incomplete SKEYID_d/a/e block", line, b->count);
		assert_int_equal(ike_skeyid_dae(b->hash, skeyid, b->gxy, (size_t)b->gxy_n, b->cky_i, b->cky_r, d, a, e),
				 0);
		expect_bytes("CAVS SKEYID_d", line, d, b->skeyid_d, hl);
		expect_bytes("CAVS SKEYID_a", line, a, b->skeyid_a, hl);
		expect_bytes("CAVS SKEYID_e", line, e, b->skeyid_e, hl);
	}
	return b->psk_n >= 0;
}

static FILE *open_vector(const char *name, char *path, size_t cap)
{
	const char *env = getenv("ESPFAB_VECTORS");
	FILE *f = NULL;
	if (env && *env) {
		snprintf(path, cap, "%s/%s", env, name);
		f = fopen(path, "r");
	}
	if (!f) {
		snprintf(path, cap, "tests/vectors/%s", name);
		f = fopen(path, "r");
	}
	if (!f)
		fail_msg("%s: not found in $ESPFAB_VECTORS or tests/vectors", name);
	return f;
}

static void test_cavs_ikev1_psk(void **state)
{
	static struct cavs_block b;
	char path[512], line[4096];
	FILE *f = open_vector("ikev1_psk.txt", path, sizeof path);
	int hash = 0, in_block = 0, blocks = 0, psk_blocks = 0;
	int hdr[4] = { -1, -1, -1, -1 };
	unsigned lineno = 0;
	(void)state;

	for (;;) {
		char *s = fgets(line, sizeof line, f);
		lineno++;
		if (s) {
			size_t n = strlen(s);
			while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
				s[--n] = '\0';
			while (*s == ' ' || *s == '\t')
				s++;
		}
		if (!s || *s == '\0') { /* end of block */
			if (in_block) {
				psk_blocks += cavs_check(&b);
				blocks++;
				in_block = 0;
			}
			if (!s)
				break;
			continue;
		}
		if (*s == '#')
			continue;
		if (*s == '[') {
			char what[64];
			int bits;
			if (sscanf(s, "[%63[^=]= %d]", what, &bits) == 2) {
				size_t n = strlen(what);
				while (n && what[n - 1] == ' ')
					what[--n] = '\0';
				if (!strcmp(what, "g^xy length"))
					hdr[0] = bits;
				else if (!strcmp(what, "Ni length"))
					hdr[1] = bits;
				else if (!strcmp(what, "Nr length"))
					hdr[2] = bits;
				else if (!strcmp(what, "pre-shared-key length"))
					hdr[3] = bits;
				else
					fail_msg("%s:%u: unknown header %s", path, lineno, s);
			} else if (!strcmp(s, "[SHA-1]")) {
				hash = IKE_HASH_SHA1;
				hdr[0] = hdr[1] = hdr[2] = hdr[3] = -1;
			} else if (!strcmp(s, "[SHA-256]")) {
				hash = IKE_HASH_SHA2_256;
				hdr[0] = hdr[1] = hdr[2] = hdr[3] = -1;
			} else {
				fail_msg("%s:%u: unknown section %s", path, lineno, s);
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			fail_msg("%s:%u: expected NAME = value", path, lineno);
		char *name = s, *val = eq + 1;
		char *ne = eq;
		while (ne > name && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		*ne = '\0';
		while (*val == ' ' || *val == '\t')
			val++;
		if (!strcmp(name, "COUNT")) {
			if (in_block)
				fail_msg("%s:%u: COUNT inside a block", path, lineno);
			if (hash == 0)
				fail_msg("%s:%u: block before a [SHA-*] section", path, lineno);
			cavs_block_reset(&b, hash, hdr);
			b.line = lineno;
			snprintf(b.count, sizeof b.count, "%s", val);
			in_block = 1;
			continue;
		}
		if (!in_block)
			fail_msg("%s:%u: field outside a block", path, lineno);
		struct {
			const char *name;
			uint8_t *buf;
			size_t cap;
			int *n;
		} fields[] = {
			{ "CKY_I", b.cky_i, sizeof b.cky_i, &b.cky_i_n },
			{ "CKY_R", b.cky_r, sizeof b.cky_r, &b.cky_r_n },
			{ "Ni", b.ni, sizeof b.ni, &b.ni_n },
			{ "Nr", b.nr, sizeof b.nr, &b.nr_n },
			{ "g^xy", b.gxy, sizeof b.gxy, &b.gxy_n },
			{ "pre-shared-key", b.psk, sizeof b.psk, &b.psk_n },
			{ "SKEYID", b.skeyid, sizeof b.skeyid, &b.skeyid_n },
			{ "SKEYID_d", b.skeyid_d, sizeof b.skeyid_d, &b.d_n },
			{ "SKEYID_a", b.skeyid_a, sizeof b.skeyid_a, &b.a_n },
			{ "SKEYID_e", b.skeyid_e, sizeof b.skeyid_e, &b.e_n },
		};
		size_t k;
		for (k = 0; k < sizeof fields / sizeof fields[0]; k++)
			if (!strcmp(name, fields[k].name))
				break;
		if (k == sizeof fields / sizeof fields[0])
			fail_msg("%s:%u: unknown field %s", path, lineno, name);
		*fields[k].n = unhex(val, fields[k].buf, fields[k].cap);
		if (*fields[k].n < 0)
			fail_msg("%s:%u: bad hex in %s", path, lineno, name);
	}
	fclose(f);
	assert_int_equal(blocks, 5);
	assert_int_equal(psk_blocks, 3);
}

/* ---- 4. RFC 2202 through ike_prf -------------------------------------------- */

static void test_prf_rfc2202(void **state)
{
	static const struct {
		const char *file;
		int hash;
		int blocks;
	} files[] = { { "hmac_md5.txt", IKE_HASH_MD5, 7 }, { "hmac_sha1.txt", IKE_HASH_SHA1, 7 } };
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		vec_file *f = vec_open_named(NULL, files[i].file);
		int rc, n = 0;
		assert_non_null(f);
		while ((rc = vec_next(f)) == 1) {
			uint8_t key[256], data[256], want[64], got[64];
			size_t kl, dl, wl;
			struct ike_chunk v;
			assert_int_equal(vec_bytes(f, "KEY", key, sizeof key, &kl), 0);
			assert_int_equal(vec_bytes(f, "DATA", data, sizeof data, &dl), 0);
			assert_int_equal(vec_bytes(f, "DIGEST", want, sizeof want, &wl), 0);
			v.p = data;
			v.len = dl;
			assert_int_equal(ike_prf(files[i].hash, key, kl, &v, 1, got), (int)wl);
			assert_int_equal(vec_check(f, "ike_prf", got, want, wl), 0);
			n++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(n, files[i].blocks);
		vec_close(f);
	}
}

/* ---- 5. recorded and published exchanges --------------------------------- */

#define VB(f, name, buf, lenp) assert_int_equal(vec_bytes((f), (name), (buf), sizeof(buf), (lenp)), 0)

static unsigned long vu(vec_file *f, const char *name)
{
	unsigned long v = 0;
	assert_int_equal(vec_uint(f, name, &v), 0);
	return v;
}

static void test_phase1_secrets(void **state)
{
	vec_file *f = vec_open_named(NULL, "ikev1_exchanges.txt");
	int rc, n = 0;
	(void)state;
	assert_non_null(f);
	while ((rc = vec_next(f)) == 1) {
		if (strcmp(vec_section(f), "PHASE1_SECRETS"))
			continue;
		uint8_t psk[64], ci[8], cr[8], ni[256], nr[256], gxi[256], gxr[256], gxy[256], sai[512], idr[64];
		uint8_t w_s[32], w_d[32], w_a[32], w_e[32], w_ka[32], w_iv1[16], w_hr[32], msgid[4], w_iv2[16];
		uint8_t s[32], d[32], a[32], e[32], ka[32], iv[16], hr[32];
		size_t pskn, cin, crn, nin, nrn, gxin, gxrn, gxyn, sain, idrn, l;
		int hash = (int)vu(f, "HASH");
		size_t hl = ike_hash_len(hash);
		VB(f, "PSK", psk, &pskn);
		VB(f, "CKY_I", ci, &cin);
		VB(f, "CKY_R", cr, &crn);
		VB(f, "NI", ni, &nin);
		VB(f, "NR", nr, &nrn);
		VB(f, "GXI", gxi, &gxin);
		VB(f, "GXR", gxr, &gxrn);
		VB(f, "GXY", gxy, &gxyn);
		VB(f, "SAI_B", sai, &sain);
		VB(f, "IDIR_B", idr, &idrn);
		VB(f, "SKEYID", w_s, &l);
		VB(f, "SKEYID_D", w_d, &l);
		VB(f, "SKEYID_A", w_a, &l);
		VB(f, "SKEYID_E", w_e, &l);
		VB(f, "KA", w_ka, &l);
		assert_int_equal(l, 16);
		VB(f, "IV1", w_iv1, &l);
		VB(f, "HASH_R", w_hr, &l);
		assert_int_equal(cin, 8);
		assert_int_equal(crn, 8);

		assert_int_equal(ike_skeyid_psk(hash, psk, pskn, ni, nin, nr, nrn, s), (int)hl);
		assert_int_equal(vec_check(f, "SKEYID", s, w_s, hl), 0);
		assert_int_equal(ike_skeyid_dae(hash, s, gxy, gxyn, ci, cr, d, a, e), 0);
		assert_int_equal(vec_check(f, "SKEYID_d", d, w_d, hl), 0);
		assert_int_equal(vec_check(f, "SKEYID_a", a, w_a, hl), 0);
		assert_int_equal(vec_check(f, "SKEYID_e", e, w_e, hl), 0);
		assert_int_equal(ike_enc_key(hash, e, 16, ka), 0);
		assert_int_equal(vec_check(f, "Ka (AES-128)", ka, w_ka, 16), 0);
		assert_int_equal(ike_phase1_iv(hash, gxi, gxin, gxr, gxrn, 16, iv), 0);
		assert_int_equal(vec_check(f, "phase-1 IV", iv, w_iv1, 16), 0);
		assert_int_equal(ike_hash_r(hash, s, gxi, gxin, gxr, gxrn, ci, cr, sai, sain, idr, idrn, hr), (int)hl);
		assert_int_equal(vec_check(f, "HASH_R", hr, w_hr, hl), 0);
		assert_true(ike_hash_equal(hr, w_hr, hl));
		if (vec_has(f, "MSGID")) {
			VB(f, "MSGID", msgid, &l);
			VB(f, "IV2", w_iv2, &l);
			assert_int_equal(ike_phase2_iv(hash, iv, 16, msgid, iv), 0); /* in place */
			assert_int_equal(vec_check(f, "informational IV", iv, w_iv2, 16), 0);
		}
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2);
	vec_close(f);
}

static void test_appendix_b_and_keymat_expand(void **state)
{
	vec_file *f = vec_open_named(NULL, "ikev1_exchanges.txt");
	int rc, nb = 0, nq = 0;
	(void)state;
	assert_non_null(f);
	while ((rc = vec_next(f)) == 1) {
		int appb = !strcmp(vec_section(f), "APPENDIX_B"), quick = !strcmp(vec_section(f), "KEYMAT_EXPAND");
		if (!appb && !quick)
			continue;
		uint8_t key[64], sd[16], want[IKE_EXPAND_MAX], got[IKE_EXPAND_MAX];
		size_t kl, sdl = 0, wl;
		int hash = (int)vu(f, "HASH");
		size_t len = vu(f, "LEN");
		VB(f, "KEY", key, &kl);
		VB(f, "OKM", want, &wl);
		assert_int_equal(wl, len);
		assert_int_equal(kl, ike_hash_len(hash));
		if (appb) {
			assert_int_equal(ike_enc_key(hash, key, len, got), 0);
			assert_int_equal(vec_check(f, "Appendix B", got, want, len), 0);
			nb++;
		} else {
			struct ike_chunk c;
			VB(f, "SEED", sd, &sdl);
			c.p = sd;
			c.len = sdl;
			assert_int_equal(ike_keymat_expand(hash, key, kl, &c, 1, got, len), 0);
			assert_int_equal(vec_check(f, "KEYMAT expansion", got, want, len), 0);
			nq++;
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(nb, 6);
	assert_int_equal(nq, 6);
	vec_close(f);
}

/* A parsed ISAKMP payload. */
struct pl {
	uint8_t type;
	const uint8_t *p; /* generic header */
	size_t len;	  /* including the header */
};

/* Walk the payload chain that starts with type `first` at buf[0..len).
 * Returns the number of payloads; *end gets the offset after the last
 * (where padding starts). */
static size_t walk(const uint8_t *buf, size_t len, uint8_t first, struct pl *out, size_t max, size_t *end)
{
	size_t off = 0, n = 0;
	uint8_t type = first;
	while (type != 0) {
		assert_true(off + 4 <= len);
		assert_true(n < max);
		size_t pl = (size_t)buf[off + 2] << 8 | buf[off + 3];
		assert_true(pl >= 4 && off + pl <= len);
		out[n++] = (struct pl){ type, buf + off, pl };
		type = buf[off];
		off += pl;
	}
	*end = off;
	return n;
}

static const struct pl *find(const struct pl *v, size_t n, uint8_t type)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].type == type)
			return &v[i];
	fail_msg("payload type %u missing", type);
	return NULL;
}

enum { PL_SA = 1, PL_KE = 4, PL_ID = 5, PL_HASH = 8, PL_NONCE = 10 };
#define HDR 28

struct msg {
	uint8_t d[2048];
	size_t n;
};

static void load_msg(vec_file *f, const char *name, struct msg *m)
{
	assert_int_equal(vec_bytes(f, name, m->d, sizeof m->d, &m->n), 0);
	assert_true(m->n >= HDR);
	assert_int_equal((size_t)m->d[24] << 24 | (size_t)m->d[25] << 16 | (size_t)m->d[26] << 8 | m->d[27], m->n);
}

/* Payloads of a cleartext message. */
static size_t clear_payloads(const struct msg *m, struct pl *v, size_t max)
{
	size_t end;
	assert_int_equal(m->d[19] & 1, 0);
	return walk(m->d + HDR, m->n - HDR, m->d[16], v, max, &end);
}

/* Decrypt an encrypted message with iv; *iv becomes the last ciphertext
 * block.  The plaintext goes to out; returns the end of its payload chain.
 * If re_encrypt, ike_encrypt of the payload chain alone (zero padding) must
 * reproduce the captured ciphertext: the peer padded with zeros. */
static size_t decrypt_msg(const struct ike_keys *k, const struct msg *m, uint8_t *iv, uint8_t *out, struct pl *v,
			  size_t max, size_t *np, int re_encrypt, const char *what)
{
	uint8_t iv_in[IKE_BLOCK_MAX], ct[2048];
	size_t end, ctl = m->n - HDR, outl = 0;
	assert_int_equal(m->d[19] & 1, 1);
	memcpy(iv_in, iv, k->block_len);
	assert_int_equal(ike_decrypt(k->encr, k->enc_key, k->key_len, iv_in, iv, m->d + HDR, ctl, out, 2048), (int)ctl);
	expect_bytes(what, 0, iv, m->d + m->n - k->block_len, k->block_len); /* next IV = last block */
	*np = walk(out, ctl, m->d[16], v, max, &end);
	if (re_encrypt) {
		uint8_t next[IKE_BLOCK_MAX];
		assert_int_equal(ike_encrypt(k->encr, k->enc_key, k->key_len, iv_in, next, out, end, ct, sizeof ct, &outl),
				 0);
		assert_int_equal(outl, ctl);
		expect_bytes(what, 1, ct, m->d + HDR, ctl);
		expect_bytes(what, 2, next, iv, k->block_len);
	}
	return end;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Quick mode: M-ID from QM1, IV from the last phase-1 block, HASH(1..3),
 * then the child keys checked against the oracle. */
static void check_quick_mode(vec_file *f, const struct ike_keys *k)
{
	static struct msg q1, q2, q3;
	uint8_t p1[2048], p2[2048], p3[2048], iv[IKE_BLOCK_MAX], h[IKE_PRF_MAX];
	struct pl v1[16], v2[16], v3[4];
	size_t n1, n2, n3, e1, e2;
	const uint8_t *msgid;
	size_t hl = k->prf_len;

	load_msg(f, "QM1", &q1);
	load_msg(f, "QM2", &q2);
	load_msg(f, "QM3", &q3);
	assert_int_equal(q1.d[18], 32); /* quick mode */
	msgid = q1.d + 20;
	assert_memory_equal(q2.d + 20, msgid, 4);
	assert_memory_equal(q3.d + 20, msgid, 4);

	/* IV = hash(last phase-1 block | M-ID); chained through the exchange */
	assert_int_equal(ike_phase2_iv(k->hash, k->iv, k->block_len, msgid, iv), 0);
	e1 = decrypt_msg(k, &q1, iv, p1, v1, 16, &n1, 1, "QM1 (initiator)");
	e2 = decrypt_msg(k, &q2, iv, p2, v2, 16, &n2, 0, "QM2 (responder)");
	decrypt_msg(k, &q3, iv, p3, v3, 4, &n3, 1, "QM3 (initiator)");

	/* HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| IDci | IDcr]) */
	assert_int_equal(v1[0].type, PL_HASH);
	assert_int_equal(v1[0].len, 4 + hl);
	assert_int_equal(ike_qm_hash1(k->hash, k->skeyid_a, msgid, p1 + v1[0].len, e1 - v1[0].len, h), (int)hl);
	expect_bytes("HASH(1)", 0, h, v1[0].p + 4, hl);
	/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| IDs]) from the responder */
	const struct pl *ni = find(v1, n1, PL_NONCE), *nr = find(v2, n2, PL_NONCE);
	assert_int_equal(v2[0].type, PL_HASH);
	assert_int_equal(ike_qm_hash2(k->hash, k->skeyid_a, msgid, ni->p + 4, ni->len - 4, p2 + v2[0].len,
				      e2 - v2[0].len, h),
			 (int)hl);
	assert_true(ike_hash_equal(h, v2[0].p + 4, hl));
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	assert_int_equal(n3, 1);
	assert_int_equal(ike_qm_hash3(k->hash, k->skeyid_a, msgid, ni->p + 4, ni->len - 4, nr->p + 4, nr->len - 4, h),
			 (int)hl);
	expect_bytes("HASH(3)", 0, h, v3[0].p + 4, hl);

	/* SPIs: the SA body is DOI(4) situation(4) then the proposal payload:
	 * header(4) #(1) protocol(1) SPI size(1) #transforms(1) SPI */
	const uint8_t *prop1 = find(v1, n1, PL_SA)->p + 4 + 8, *prop2 = find(v2, n2, PL_SA)->p + 4 + 8;
	assert_int_equal(prop1[5], 3); /* ESP */
	assert_int_equal(prop1[6], 4);
	assert_int_equal(prop2[6], 4);
	uint32_t spi_i = be32(prop1 + 8), spi_r = be32(prop2 + 8);
	struct ike_child_keys in, out;
	/* we are the initiator: inbound is our SPI */
	assert_int_equal(ike_child_keys_derive(k->hash, k->skeyid_d, NULL, 0, 3, spi_i, spi_r, ni->p + 4, ni->len - 4,
					       nr->p + 4, nr->len - 4, 16, 20, &in, &out),
			 0);
	{
		static struct cat c;
		uint8_t km[36];
		cat_reset(&c);
		uint8_t proto = 3;
		cat_add(&c, &proto, 1);
		cat_add(&c, prop1 + 8, 4);
		cat_add(&c, ni->p + 4, ni->len - 4);
		cat_add(&c, nr->p + 4, nr->len - 4);
		oracle_expand(k->hash, k->skeyid_d, hl, c.d, c.n, 1, km, 36);
		assert_int_equal(in.spi, spi_i);
		expect_bytes("KEYMAT in enc", 0, in.enc, km, 16);
		expect_bytes("KEYMAT in auth", 0, in.auth, km + 16, 20);
		cat_reset(&c);
		cat_add(&c, &proto, 1);
		cat_add(&c, prop2 + 8, 4);
		cat_add(&c, ni->p + 4, ni->len - 4);
		cat_add(&c, nr->p + 4, nr->len - 4);
		oracle_expand(k->hash, k->skeyid_d, hl, c.d, c.n, 1, km, 36);
		assert_int_equal(out.spi, spi_r);
		expect_bytes("KEYMAT out enc", 0, out.enc, km, 16);
		expect_bytes("KEYMAT out auth", 0, out.auth, km + 16, 20);
	}
	ike_child_keys_wipe(&in);
	ike_child_keys_wipe(&out);
}

static struct ike_keys *recorded_keys(vec_file *f, uint8_t *psk, size_t *pskn)
{
	struct ike_keys *k = NULL;
	uint8_t x[256];
	size_t xl;
	assert_int_equal(ike_keys_new(&k, (int)vu(f, "HASH"), (int)vu(f, "ENCR"), (unsigned)vu(f, "KEY_BITS")), 0);
	VB(f, "DH_X", x, &xl);
	assert_int_equal(ike_dh_new_from_private(&k->dh, (int)vu(f, "GROUP"), x, xl), 0);
	assert_int_equal(vec_bytes(f, "PSK", psk, 64, pskn), 0);
	return k;
}

static void test_recorded_main_mode(void **state)
{
	static struct msg m1, m3, m4, m5, m6;
	vec_file *f = vec_open_named(NULL, "ikev1_exchanges.txt");
	int rc, n = 0;
	(void)state;
	assert_non_null(f);
	while ((rc = vec_next(f)) == 1) {
		if (strcmp(vec_section(f), "MAIN_MODE_PSK"))
			continue;
		uint8_t psk[64], mine[IKE_DH_MAX_LEN], p5[2048], p6[2048], h[IKE_PRF_MAX];
		size_t pskn, n1, n3, n4, n5, n6;
		struct pl v1[8], v3[8], v4[8], v5[8], v6[8];
		struct ike_keys *k = recorded_keys(f, psk, &pskn);
		size_t hl = k->prf_len;

		load_msg(f, "M1", &m1);
		load_msg(f, "M3", &m3);
		load_msg(f, "M4", &m4);
		load_msg(f, "M5", &m5);
		load_msg(f, "M6", &m6);
		n1 = clear_payloads(&m1, v1, 8);
		n3 = clear_payloads(&m3, v3, 8);
		n4 = clear_payloads(&m4, v4, 8);
		const struct pl *sa = find(v1, n1, PL_SA), *kei = find(v3, n3, PL_KE), *ker = find(v4, n4, PL_KE);
		const struct pl *ni = find(v3, n3, PL_NONCE), *nr = find(v4, n4, PL_NONCE);
		const uint8_t *cky_i = m4.d, *cky_r = m4.d + 8;
		int len = ike_dh_public(k->dh, mine, sizeof mine);
		assert_int_equal(len, 128);
		assert_int_equal(kei->len - 4, 128);
		expect_bytes("our g^xi = captured KE", 0, mine, kei->p + 4, 128);

		assert_int_equal(ike_keys_derive_psk(k, true, psk, pskn, ni->p + 4, ni->len - 4, nr->p + 4, nr->len - 4,
						     ker->p + 4, ker->len - 4, cky_i, cky_r),
				 0);
		/* message 5 (ours): IDii, HASH_I; re-encrypting reproduces the capture */
		decrypt_msg(k, &m5, k->iv, p5, v5, 8, &n5, 1, "main mode message 5");
		const struct pl *id5 = find(v5, n5, PL_ID), *h5 = find(v5, n5, PL_HASH);
		assert_int_equal(ike_hash_i(k->hash, k->skeyid, mine, 128, ker->p + 4, 128, cky_i, cky_r, sa->p + 4,
					    sa->len - 4, id5->p + 4, id5->len - 4, h),
				 (int)hl);
		expect_bytes("HASH_I", 0, h, h5->p + 4, hl);
		/* message 6 (the responder's): IDir, HASH_R */
		decrypt_msg(k, &m6, k->iv, p6, v6, 8, &n6, 0, "main mode message 6");
		const struct pl *id6 = find(v6, n6, PL_ID), *h6 = find(v6, n6, PL_HASH);
		assert_int_equal(ike_hash_r(k->hash, k->skeyid, mine, 128, ker->p + 4, 128, cky_i, cky_r, sa->p + 4,
					    sa->len - 4, id6->p + 4, id6->len - 4, h),
				 (int)hl);
		if (!ike_hash_equal(h, h6->p + 4, hl))
			fail_msg("HASH_R of the real responder does not verify");
		/* k->iv is now the last block of message 6 */
		expect_bytes("phase-1 IV after message 6", 0, k->iv, m6.d + m6.n - 16, 16);
		check_quick_mode(f, k);
		ike_keys_free(k);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 1);
	vec_close(f);
}

static void test_recorded_aggressive_mode(void **state)
{
	static struct msg m1, m2, m3;
	vec_file *f = vec_open_named(NULL, "ikev1_exchanges.txt");
	int rc, n = 0;
	(void)state;
	assert_non_null(f);
	while ((rc = vec_next(f)) == 1) {
		if (strcmp(vec_section(f), "AGGRESSIVE_MODE_PSK"))
			continue;
		uint8_t psk[64], mine[IKE_DH_MAX_LEN], h[IKE_PRF_MAX], iv1[IKE_BLOCK_MAX];
		size_t pskn, n1, n2, n3;
		struct pl v1[8], v2[12], v3[4];
		struct ike_keys *k = recorded_keys(f, psk, &pskn);
		size_t hl = k->prf_len;

		load_msg(f, "M1", &m1);
		load_msg(f, "M2", &m2);
		load_msg(f, "M3", &m3);
		assert_int_equal(m1.d[18], 4); /* aggressive */
		n1 = clear_payloads(&m1, v1, 8);
		n2 = clear_payloads(&m2, v2, 12);
		n3 = clear_payloads(&m3, v3, 4);
		const struct pl *sa = find(v1, n1, PL_SA), *kei = find(v1, n1, PL_KE), *ni = find(v1, n1, PL_NONCE);
		const struct pl *idi = find(v1, n1, PL_ID), *ker = find(v2, n2, PL_KE), *nr = find(v2, n2, PL_NONCE);
		const struct pl *idr = find(v2, n2, PL_ID), *hr = find(v2, n2, PL_HASH);
		const uint8_t *cky_i = m2.d, *cky_r = m2.d + 8;
		assert_int_equal(ike_dh_public(k->dh, mine, sizeof mine), 128);
		expect_bytes("our g^xi = captured KE", 1, mine, kei->p + 4, 128);

		assert_int_equal(ike_keys_derive_psk(k, true, psk, pskn, ni->p + 4, ni->len - 4, nr->p + 4, nr->len - 4,
						     ker->p + 4, ker->len - 4, cky_i, cky_r),
				 0);
		/* HASH_R from the responder, in the clear */
		assert_int_equal(ike_hash_r(k->hash, k->skeyid, mine, 128, ker->p + 4, 128, cky_i, cky_r, sa->p + 4,
					    sa->len - 4, idr->p + 4, idr->len - 4, h),
				 (int)hl);
		if (!ike_hash_equal(h, hr->p + 4, hl))
			fail_msg("aggressive HASH_R of the real responder does not verify");
		/* HASH_I (message 3, ours) */
		assert_int_equal(n3, 1);
		assert_int_equal(ike_hash_i(k->hash, k->skeyid, mine, 128, ker->p + 4, 128, cky_i, cky_r, sa->p + 4,
					    sa->len - 4, idi->p + 4, idi->len - 4, h),
				 (int)hl);
		expect_bytes("aggressive HASH_I", 0, h, v3[0].p + 4, hl);
		/* No encrypted phase-1 message: the phase-2 IV derives from the
		 * phase-1 IV itself. */
		assert_int_equal(ike_phase1_iv(k->hash, mine, 128, ker->p + 4, 128, 16, iv1), 0);
		expect_bytes("phase-1 IV", 0, k->iv, iv1, 16);
		check_quick_mode(f, k);
		ike_keys_free(k);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 1);
	vec_close(f);
}

/* ---- 6. every derivation against OpenSSL HMAC on random inputs ------------ */

static void test_derivations_vs_hmac(void **state)
{
	static const int hashes[] = { IKE_HASH_MD5, IKE_HASH_SHA1, IKE_HASH_SHA2_256 };
	static const struct {
		int encr;
		unsigned bits;
	} ciphers[] = { { IKE_ENCR_DES_CBC, 0 },   { IKE_ENCR_3DES_CBC, 0 }, { IKE_ENCR_AES_CBC, 128 },
			{ IKE_ENCR_AES_CBC, 192 }, { IKE_ENCR_AES_CBC, 256 } };
	static struct cat c;
	(void)state;
	rng_start(6);
	for (size_t hi = 0; hi < 3; hi++) {
		int hash = hashes[hi];
		size_t hl = ike_hash_len(hash);
		for (unsigned round = 0; round < 40; round++) {
			unsigned idx = (unsigned)(hi * 1000 + round);
			uint8_t psk[128], ni[256], nr[256], gxy[256], gxi[256], gxr[256], ci[8], cr[8], sai[300], id[64];
			uint8_t msgid[4], rest[300], gqm[256], spi[4], lastblk[16];
			size_t pskn = rnd_range(1, 100), nin = rnd_range(8, 256), nrn = rnd_range(8, 256);
			size_t gl = dh_table[rnd_range(0, 3)].len, sain = rnd_range(8, 300), idn = rnd_range(4, 64);
			size_t restn = rnd_range(1, 300), gqn = rnd_range(0, 1) ? gl : 0;
			uint8_t got[IKE_EXPAND_MAX], want[IKE_EXPAND_MAX], d[32], a[32], e[32], s[32];
			rnd_bytes(psk, pskn);
			rnd_bytes(ni, nin);
			rnd_bytes(nr, nrn);
			rnd_bytes(gxy, gl);
			rnd_bytes(gxi, gl);
			rnd_bytes(gxr, gl);
			rnd_bytes(ci, 8);
			rnd_bytes(cr, 8);
			rnd_bytes(sai, sain);
			rnd_bytes(id, idn);
			rnd_bytes(msgid, 4);
			rnd_bytes(rest, restn);
			rnd_bytes(gqm, gl);
			rnd_bytes(spi, 4);
			rnd_bytes(lastblk, 16);

			/* SKEYID */
			assert_int_equal(ike_skeyid_psk(hash, psk, pskn, ni, nin, nr, nrn, s), (int)hl);
			cat_reset(&c);
			cat_add(&c, ni, nin);
			cat_add(&c, nr, nrn);
			oracle_prf(hash, psk, pskn, &c, want);
			expect_bytes("SKEYID", idx, s, want, hl);
			/* SKEYID_d, _a, _e */
			assert_int_equal(ike_skeyid_dae(hash, s, gxy, gl, ci, cr, d, a, e), 0);
			uint8_t b = 0;
			cat_reset(&c);
			cat_add(&c, gxy, gl);
			cat_add(&c, ci, 8);
			cat_add(&c, cr, 8);
			cat_add(&c, &b, 1);
			oracle_prf(hash, s, hl, &c, want);
			expect_bytes("SKEYID_d", idx, d, want, hl);
			b = 1;
			cat_reset(&c);
			cat_add(&c, d, hl);
			cat_add(&c, gxy, gl);
			cat_add(&c, ci, 8);
			cat_add(&c, cr, 8);
			cat_add(&c, &b, 1);
			oracle_prf(hash, s, hl, &c, want);
			expect_bytes("SKEYID_a", idx, a, want, hl);
			b = 2;
			cat_reset(&c);
			cat_add(&c, a, hl);
			cat_add(&c, gxy, gl);
			cat_add(&c, ci, 8);
			cat_add(&c, cr, 8);
			cat_add(&c, &b, 1);
			oracle_prf(hash, s, hl, &c, want);
			expect_bytes("SKEYID_e", idx, e, want, hl);
			/* Appendix B for every cipher */
			for (size_t ci_ = 0; ci_ < sizeof ciphers / sizeof ciphers[0]; ci_++) {
				size_t kl = ike_encr_key_len(ciphers[ci_].encr, ciphers[ci_].bits);
				uint8_t zero = 0;
				assert_int_equal(ike_enc_key(hash, e, kl, got), 0);
				if (kl <= hl)
					memcpy(want, e, kl);
				else
					oracle_expand(hash, e, hl, &zero, 1, 0, want, kl);
				expect_bytes("Appendix B key", idx * 10 + (unsigned)ci_, got, want, kl);
			}
			/* phase-1 IV, phase-2 IV */
			for (size_t blk = 8; blk <= 16; blk += 8) {
				cat_reset(&c);
				cat_add(&c, gxi, gl);
				cat_add(&c, gxr, gl);
				oracle_hash(hash, &c, want);
				assert_int_equal(ike_phase1_iv(hash, gxi, gl, gxr, gl, blk, got), 0);
				expect_bytes("phase-1 IV", idx, got, want, blk);
				cat_reset(&c);
				cat_add(&c, lastblk, blk);
				cat_add(&c, msgid, 4);
				oracle_hash(hash, &c, want);
				assert_int_equal(ike_phase2_iv(hash, lastblk, blk, msgid, got), 0);
				expect_bytes("phase-2 IV", idx, got, want, blk);
			}
			/* HASH_I, HASH_R */
			cat_reset(&c);
			cat_add(&c, gxi, gl);
			cat_add(&c, gxr, gl);
			cat_add(&c, ci, 8);
			cat_add(&c, cr, 8);
			cat_add(&c, sai, sain);
			cat_add(&c, id, idn);
			oracle_prf(hash, s, hl, &c, want);
			assert_int_equal(ike_hash_i(hash, s, gxi, gl, gxr, gl, ci, cr, sai, sain, id, idn, got), (int)hl);
			expect_bytes("HASH_I", idx, got, want, hl);
			cat_reset(&c);
			cat_add(&c, gxr, gl);
			cat_add(&c, gxi, gl);
			cat_add(&c, cr, 8);
			cat_add(&c, ci, 8);
			cat_add(&c, sai, sain);
			cat_add(&c, id, idn);
			oracle_prf(hash, s, hl, &c, want);
			assert_int_equal(ike_hash_r(hash, s, gxi, gl, gxr, gl, ci, cr, sai, sain, id, idn, got), (int)hl);
			expect_bytes("HASH_R", idx, got, want, hl);
			/* quick mode / informational */
			cat_reset(&c);
			cat_add(&c, msgid, 4);
			cat_add(&c, rest, restn);
			oracle_prf(hash, a, hl, &c, want);
			assert_int_equal(ike_qm_hash1(hash, a, msgid, rest, restn, got), (int)hl);
			expect_bytes("HASH(1)", idx, got, want, hl);
			assert_int_equal(ike_info_hash(hash, a, msgid, rest, restn, got), (int)hl);
			expect_bytes("informational HASH", idx, got, want, hl);
			cat_reset(&c);
			cat_add(&c, msgid, 4);
			cat_add(&c, ni, nin);
			cat_add(&c, rest, restn);
			oracle_prf(hash, a, hl, &c, want);
			assert_int_equal(ike_qm_hash2(hash, a, msgid, ni, nin, rest, restn, got), (int)hl);
			expect_bytes("HASH(2)", idx, got, want, hl);
			b = 0;
			cat_reset(&c);
			cat_add(&c, &b, 1);
			cat_add(&c, msgid, 4);
			cat_add(&c, ni, nin);
			cat_add(&c, nr, nrn);
			oracle_prf(hash, a, hl, &c, want);
			assert_int_equal(ike_qm_hash3(hash, a, msgid, ni, nin, nr, nrn, got), (int)hl);
			expect_bytes("HASH(3)", idx, got, want, hl);
			/* KEYMAT with and without PFS, several lengths */
			{
				size_t kml = rnd_range(1, 200);
				uint8_t proto = (uint8_t)rnd_range(2, 4);
				cat_reset(&c);
				cat_add(&c, gqm, gqn);
				cat_add(&c, &proto, 1);
				cat_add(&c, spi, 4);
				cat_add(&c, ni, nin);
				cat_add(&c, nr, nrn);
				oracle_expand(hash, d, hl, c.d, c.n, 1, want, kml);
				assert_int_equal(ike_keymat(hash, d, gqn ? gqm : NULL, gqn, proto, spi, 4, ni, nin, nr, nrn,
							    got, kml),
						 0);
				expect_bytes("KEYMAT", idx, got, want, kml);
			}
			/* child keys: in with spi_in, out with spi_out, enc first */
			{
				uint32_t spi_in = (uint32_t)rnd64(), spi_out = (uint32_t)rnd64();
				size_t el = ike_encr_key_len(ciphers[round % 5].encr, ciphers[round % 5].bits);
				size_t al = round & 1 ? 20 : 16;
				struct ike_child_keys kin, kout;
				assert_int_equal(ike_child_keys_derive(hash, d, gqn ? gqm : NULL, gqn, 3, spi_in, spi_out, ni,
								       nin, nr, nrn, el, al, &kin, &kout),
						 0);
				for (int dir = 0; dir < 2; dir++) {
					uint32_t sp = dir ? spi_out : spi_in;
					const struct ike_child_keys *ck = dir ? &kout : &kin;
					uint8_t sb[4] = { (uint8_t)(sp >> 24), (uint8_t)(sp >> 16), (uint8_t)(sp >> 8),
							  (uint8_t)sp };
					uint8_t proto = 3;
					cat_reset(&c);
					cat_add(&c, gqm, gqn);
					cat_add(&c, &proto, 1);
					cat_add(&c, sb, 4);
					cat_add(&c, ni, nin);
					cat_add(&c, nr, nrn);
					oracle_expand(hash, d, hl, c.d, c.n, 1, want, el + al);
					assert_int_equal(ck->spi, sp);
					assert_int_equal(ck->enc_len, el);
					assert_int_equal(ck->auth_len, al);
					expect_bytes("child enc key", idx * 2 + (unsigned)dir, ck->enc, want, el);
					expect_bytes("child auth key", idx * 2 + (unsigned)dir, ck->auth, want + el, al);
				}
				ike_child_keys_wipe(&kin);
				ike_child_keys_wipe(&kout);
			}
		}
	}
}

/* ---- 7. whole phase-1 derivation, both sides ------------------------------- */

static void test_keys_derive_both_sides(void **state)
{
	static const struct {
		int hash, encr;
		unsigned bits;
		int group;
	} cases[] = {
		/* 1 */ { IKE_HASH_MD5, IKE_ENCR_DES_CBC, 0, IKE_DH_GROUP1 },
		/* 2 */ { IKE_HASH_SHA1, IKE_ENCR_3DES_CBC, 0, IKE_DH_GROUP2 },
		/* 3 */ { IKE_HASH_SHA1, IKE_ENCR_AES_CBC, 128, IKE_DH_GROUP14 },
		/* 4 */ { IKE_HASH_SHA1, IKE_ENCR_AES_CBC, 256, IKE_DH_GROUP5 },
		/* 5 */ { IKE_HASH_MD5, IKE_ENCR_3DES_CBC, 0, IKE_DH_GROUP5 },
		/* 6 */ { IKE_HASH_MD5, IKE_ENCR_AES_CBC, 192, IKE_DH_GROUP2 },
		/* 7 */ { IKE_HASH_SHA2_256, IKE_ENCR_AES_CBC, 256, IKE_DH_GROUP14 },
		/* 8 */ { IKE_HASH_SHA1, IKE_ENCR_DES_CBC, 0, IKE_DH_GROUP2 },
	};
	static struct cat c;
	(void)state;
	rng_start(7);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ike_keys *ki = NULL, *kr = NULL;
		uint8_t psk[32], ni[32], nr[32], ci[8], cr[8], pi[IKE_DH_MAX_LEN], pr[IKE_DH_MAX_LEN];
		uint8_t gxy[IKE_DH_MAX_LEN], want[IKE_EXPAND_MAX], s[32], d[32], a[32], e[32];
		size_t gl = ike_dh_group_len(cases[i].group);
		rnd_bytes(psk, sizeof psk);
		rnd_bytes(ni, sizeof ni);
		rnd_bytes(nr, sizeof nr);
		rnd_bytes(ci, 8);
		rnd_bytes(cr, 8);
		assert_int_equal(ike_keys_new(&ki, cases[i].hash, cases[i].encr, cases[i].bits), 0);
		assert_int_equal(ike_keys_new(&kr, cases[i].hash, cases[i].encr, cases[i].bits), 0);
		assert_int_equal(ike_dh_new(&ki->dh, cases[i].group), 0);
		assert_int_equal(ike_dh_new(&kr->dh, cases[i].group), 0);
		assert_int_equal(ike_dh_public(ki->dh, pi, sizeof pi), (int)gl);
		assert_int_equal(ike_dh_public(kr->dh, pr, sizeof pr), (int)gl);
		int rc1, rc2;
		for (;;) {
			rc1 = ike_keys_derive_psk(ki, true, psk, sizeof psk, ni, 32, nr, 32, pr, gl, ci, cr);
			rc2 = ike_keys_derive_psk(kr, false, psk, sizeof psk, ni, 32, nr, 32, pi, gl, ci, cr);
			if (rc1 != -EKEYREJECTED && rc2 != -EKEYREJECTED)
				break;
			rnd_bytes(ni, sizeof ni); /* a weak DES key (2^-52): new nonce */
		}
		assert_int_equal(rc1, 0);
		assert_int_equal(rc2, 0);
		/* both sides agree */
		assert_memory_equal(ki->skeyid, kr->skeyid, ki->prf_len);
		assert_memory_equal(ki->skeyid_d, kr->skeyid_d, ki->prf_len);
		assert_memory_equal(ki->skeyid_a, kr->skeyid_a, ki->prf_len);
		assert_memory_equal(ki->skeyid_e, kr->skeyid_e, ki->prf_len);
		assert_memory_equal(ki->enc_key, kr->enc_key, ki->key_len);
		assert_memory_equal(ki->iv, kr->iv, ki->block_len);
		assert_int_equal(ki->key_len, ike_encr_key_len(cases[i].encr, cases[i].bits));
		/* and match the step-by-step oracle */
		assert_int_equal(ike_dh_shared(ki->dh, pr, gl, gxy, sizeof gxy), (int)gl);
		cat_reset(&c);
		cat_add(&c, ni, 32);
		cat_add(&c, nr, 32);
		oracle_prf(cases[i].hash, psk, sizeof psk, &c, s);
		expect_bytes("SKEYID (derive_psk)", (unsigned)(i + 1), ki->skeyid, s, ki->prf_len);
		assert_int_equal(ike_skeyid_dae(cases[i].hash, s, gxy, gl, ci, cr, d, a, e), 0);
		expect_bytes("SKEYID_d (derive_psk)", (unsigned)(i + 1), ki->skeyid_d, d, ki->prf_len);
		expect_bytes("SKEYID_e (derive_psk)", (unsigned)(i + 1), ki->skeyid_e, e, ki->prf_len);
		cat_reset(&c);
		cat_add(&c, pi, gl);
		cat_add(&c, pr, gl);
		oracle_hash(cases[i].hash, &c, want);
		expect_bytes("phase-1 IV = hash(g^xi | g^xr)", (unsigned)(i + 1), ki->iv, want, ki->block_len);
		/* a different PSK gives different keys */
		{
			struct ike_keys *kx = NULL;
			uint8_t x[IKE_DH_MAX_LEN];
			assert_int_equal(ike_keys_new(&kx, cases[i].hash, cases[i].encr, cases[i].bits), 0);
			assert_int_equal(ike_dh_new(&kx->dh, cases[i].group), 0);
			psk[0] ^= 1;
			rc1 = ike_keys_derive_psk(kx, false, psk, sizeof psk, ni, 32, nr, 32, pi, gl, ci, cr);
			assert_true(rc1 == 0 || rc1 == -EKEYREJECTED);
			assert_memory_not_equal(kx->skeyid, ki->skeyid, ki->prf_len);
			/* a rejected peer value zeroes the secrets */
			memset(x, 0, gl);
			x[gl - 1] = 1;
			assert_int_equal(ike_keys_derive_psk(kx, false, psk, sizeof psk, ni, 32, nr, 32, x, gl, ci, cr),
					 -ERANGE);
			memset(want, 0, sizeof want);
			assert_memory_equal(kx->skeyid, want, sizeof kx->skeyid);
			assert_memory_equal(kx->enc_key, want, sizeof kx->enc_key);
			assert_non_null(kx->dh);
			ike_keys_free(kx);
		}
		ike_keys_free(ki);
		ike_keys_free(kr);
	}
}

/* ---- 8. CBC against OpenSSL ------------------------------------------------ */

static const struct {
	int encr;
	size_t key;
} cbc_table[] = {
	/* 1 */ { IKE_ENCR_DES_CBC, 8 },  /* 2 */ { IKE_ENCR_3DES_CBC, 24 }, /* 3 */ { IKE_ENCR_AES_CBC, 16 },
	/* 4 */ { IKE_ENCR_AES_CBC, 24 }, /* 5 */ { IKE_ENCR_AES_CBC, 32 },
};
#define N_CBC (sizeof cbc_table / sizeof cbc_table[0])

static void test_cbc_vs_openssl(void **state)
{
	(void)state;
	rng_start(8);
	for (size_t i = 0; i < N_CBC; i++) {
		int encr = cbc_table[i].encr;
		size_t kl = cbc_table[i].key, blk = ike_encr_block_len(encr);
		for (size_t len = 1; len <= 100; len++) {
			uint8_t key[32], iv[16], pt[128], padded[128], ct[128], want[128], next[16], back[128], buf[128];
			size_t padl = (len + blk - 1) / blk * blk, outl = 0;
			rnd_bytes(key, kl);
			rnd_bytes(iv, blk);
			rnd_bytes(pt, len);
			memcpy(padded, pt, len);
			memset(padded + len, 0, padl - len);
			oracle_cbc(encr, key, kl, iv, padded, padl, want, 1);
			assert_int_equal(ike_encrypt(encr, key, kl, iv, next, pt, len, ct, sizeof ct, &outl), 0);
			assert_int_equal(outl, padl);
			expect_bytes("CBC encrypt", (unsigned)(i * 1000 + len), ct, want, padl);
			expect_bytes("next IV = last ciphertext block", (unsigned)(i * 1000 + len), next, ct + padl - blk,
				     blk);
			/* decrypt recovers the plaintext and the zero padding */
			memset(next, 0, sizeof next);
			assert_int_equal(ike_decrypt(encr, key, kl, iv, next, ct, padl, back, sizeof back), (int)padl);
			expect_bytes("CBC decrypt", (unsigned)(i * 1000 + len), back, padded, padl);
			expect_bytes("decrypt next IV", (unsigned)(i * 1000 + len), next, ct + padl - blk, blk);
			/* in place, iv and next_iv the same buffer */
			uint8_t ivb[16];
			memcpy(buf, pt, len);
			memcpy(ivb, iv, blk);
			assert_int_equal(ike_encrypt(encr, key, kl, ivb, ivb, buf, len, buf, sizeof buf, &outl), 0);
			expect_bytes("CBC encrypt in place", (unsigned)(i * 1000 + len), buf, want, padl);
			memcpy(ivb, iv, blk);
			assert_int_equal(ike_decrypt(encr, key, kl, ivb, ivb, buf, padl, buf, sizeof buf), (int)padl);
			expect_bytes("CBC decrypt in place", (unsigned)(i * 1000 + len), buf, padded, padl);
			expect_bytes("in-place next IV", (unsigned)(i * 1000 + len), ivb, ct + padl - blk, blk);
		}
		/* chaining: two messages with next_iv = CBC over both at once */
		{
			uint8_t key[32], iv[16], a[64], b[48], ab[112], c1[64], c2[48], want[112], nx[16];
			size_t o1, o2;
			rnd_bytes(key, kl);
			rnd_bytes(iv, blk);
			rnd_bytes(a, sizeof a);
			rnd_bytes(b, sizeof b);
			memcpy(ab, a, 64);
			memcpy(ab + 64, b, 48);
			oracle_cbc(encr, key, kl, iv, ab, 112, want, 1);
			assert_int_equal(ike_encrypt(encr, key, kl, iv, nx, a, 64, c1, sizeof c1, &o1), 0);
			assert_int_equal(ike_encrypt(encr, key, kl, nx, nx, b, 48, c2, sizeof c2, &o2), 0);
			expect_bytes("chained message 1", (unsigned)(i + 1), c1, want, 64);
			expect_bytes("chained message 2", (unsigned)(i + 1), c2, want + 64, 48);
		}
	}
}

/* The receiver takes any padding: any count, any byte values. */
static void test_decrypt_accepts_any_padding(void **state)
{
	enum { ZEROS, RANDOM, ESP_STYLE, LAST_IS_COUNT, FULL_EXTRA_BLOCK };
	static const int styles[] = { ZEROS, RANDOM, ESP_STYLE, LAST_IS_COUNT, FULL_EXTRA_BLOCK };
	(void)state;
	rng_start(9);
	for (size_t i = 0; i < N_CBC; i++) {
		int encr = cbc_table[i].encr;
		size_t kl = cbc_table[i].key, blk = ike_encr_block_len(encr);
		for (size_t st = 0; st < sizeof styles / sizeof styles[0]; st++) {
			for (size_t body = 4; body <= 60; body += 4) { /* payload chains are 4-byte aligned */
				uint8_t key[32], iv[16], pt[128], ct[128], out[128];
				size_t pad = (blk - body % blk) % blk, total;
				if (styles[st] == FULL_EXTRA_BLOCK)
					pad += blk;
				if (styles[st] == LAST_IS_COUNT && pad == 0)
					pad = blk; /* racoon-style always pads at least one byte */
				total = body + pad;
				rnd_bytes(key, kl);
				rnd_bytes(iv, blk);
				rnd_bytes(pt, body);
				for (size_t j = 0; j < pad; j++) {
					switch (styles[st]) {
					case ZEROS:
						pt[body + j] = 0;
						break;
					case ESP_STYLE:
						pt[body + j] = (uint8_t)(j + 1);
						break;
					case LAST_IS_COUNT:
						pt[body + j] = (uint8_t)(j + 1 == pad ? pad - 1 : rnd64());
						break;
					default:
						pt[body + j] = (uint8_t)rnd64();
					}
				}
				oracle_cbc(encr, key, kl, iv, pt, total, ct, 1);
				assert_int_equal(ike_decrypt(encr, key, kl, iv, NULL, ct, total, out, sizeof out), (int)total);
				expect_bytes("padding accepted and left in place", (unsigned)(i * 100 + st * 10 + body), out,
					     pt, total);
			}
		}
	}
}

static void test_cbc_errors(void **state)
{
	uint8_t key[32] = { 1 }, iv[16] = { 2 }, buf[64] = { 3 }, out[64];
	size_t ol = 99;
	static const struct {
		int encr;
		size_t key, in, cap;
		int want_enc, want_dec;
	} cases[] = {
		/* 1 */ { IKE_ENCR_AES_CBC, 16, 0, 64, -EINVAL, -EBADMSG },
		/* 2 */ { IKE_ENCR_AES_CBC, 16, 15, 64, 0, -EBADMSG },
		/* 3 */ { IKE_ENCR_AES_CBC, 16, 8, 64, 0, -EBADMSG },
		/* 4 */ { IKE_ENCR_AES_CBC, 16, 17, 16, -EMSGSIZE, -EBADMSG },
		/* 5 */ { IKE_ENCR_AES_CBC, 16, 32, 16, -EMSGSIZE, -EMSGSIZE },
		/* 6 */ { IKE_ENCR_AES_CBC, 20, 16, 64, -EINVAL, -EINVAL },
		/* 7 */ { IKE_ENCR_DES_CBC, 16, 8, 64, -EINVAL, -EINVAL },
		/* 8 */ { IKE_ENCR_3DES_CBC, 24, 12, 64, 0, -EBADMSG },
		/* 9 */ { IKE_ENCR_3DES_CBC, 24, 16, 64, 0, 16 },
		/* 10 */ { 2, 8, 16, 64, -EINVAL, -EINVAL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = ike_encrypt(cases[i].encr, key, cases[i].key, iv, NULL, buf, cases[i].in, out, cases[i].cap, &ol);
		if (rc != cases[i].want_enc)
			fail_msg("cbc error table case %zu: encrypt %d, want %d", i + 1, rc, cases[i].want_enc);
		if (rc != 0)
			assert_int_equal(ol, 0);
		rc = ike_decrypt(cases[i].encr, key, cases[i].key, iv, NULL, buf, cases[i].in, out, cases[i].cap);
		if (rc != cases[i].want_dec)
			fail_msg("cbc error table case %zu: decrypt %d, want %d", i + 1, rc, cases[i].want_dec);
	}
	assert_int_equal(ike_encrypt(IKE_ENCR_AES_CBC, key, 16, NULL, NULL, buf, 16, out, 64, &ol), -EINVAL);
	assert_int_equal(ike_encrypt(IKE_ENCR_AES_CBC, key, 16, iv, NULL, buf, 16, out, 64, NULL), -EINVAL);
	assert_int_equal(ike_decrypt(IKE_ENCR_AES_CBC, NULL, 16, iv, NULL, buf, 16, out, 64), -EINVAL);
}

/* ---- 9. weak keys, argument checks, lifecycle, export ---------------------- */

static void test_des_weak_keys(void **state)
{
	static const char *const weak[] = {
		/* 1-4 weak */
		"0101010101010101", "fefefefefefefefe", "e0e0e0e0f1f1f1f1", "1f1f1f1f0e0e0e0e",
		/* 5-16 semi-weak */
		"011f011f010e010e", "1f011f010e010e01", "01e001e001f101f1", "e001e001f101f101", "01fe01fe01fe01fe",
		"fe01fe01fe01fe01", "1fe01fe00ef10ef1", "e01fe01ff10ef10e", "1ffe1ffe0efe0efe", "fe1ffe1ffe0efe0e",
		"e0fee0fef1fef1fe", "fee0fee0fef1fef1",
		/* 17-18: parity bits differ, still weak */
		"0000000000000000", "ffffffffffffffff",
	};
	static const char *const strong[] = { "0123456789abcdef", "133457799bbcdff1", "0e329232ea6d0d73",
					      "0101010101010102" };
	(void)state;
	for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
		uint8_t k[8];
		assert_int_equal(unhex(weak[i], k, 8), 8);
		if (!ike_des_key_weak(k))
			fail_msg("weak key table case %zu not detected", i + 1);
	}
	for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++) {
		uint8_t k[8];
		assert_int_equal(unhex(strong[i], k, 8), 8);
		if (ike_des_key_weak(k))
			fail_msg("strong key table case %zu flagged weak", i + 1);
	}
}

static void test_argument_checks(void **state)
{
	static const struct {
		int hash, encr;
		unsigned bits;
		int want;
	} newcases[] = {
		/* 1 */ { IKE_HASH_SHA1, IKE_ENCR_AES_CBC, 128, 0 },
		/* 2 */ { IKE_HASH_SHA1, IKE_ENCR_AES_CBC, 0, -EINVAL },
		/* 3 */ { 3, IKE_ENCR_AES_CBC, 128, -EINVAL },
		/* 4 */ { IKE_HASH_MD5, 9, 0, -EINVAL },
		/* 5 */ { IKE_HASH_MD5, IKE_ENCR_3DES_CBC, 168, -EINVAL },
	};
	uint8_t k20[20] = { 1 }, out[IKE_EXPAND_MAX], cky[8] = { 0 }, mid[4] = { 0 };
	struct ike_keys *k;
	(void)state;
	for (size_t i = 0; i < sizeof newcases / sizeof newcases[0]; i++) {
		k = (struct ike_keys *)&k20; /* must be reset */
		int rc = ike_keys_new(&k, newcases[i].hash, newcases[i].encr, newcases[i].bits);
		if (rc != newcases[i].want)
			fail_msg("keys_new table case %zu: %d", i + 1, rc);
		if (rc)
			assert_null(k);
		ike_keys_free(k);
	}
	ike_keys_free(NULL);
	ike_child_keys_wipe(NULL);
	assert_int_equal(ike_prf(IKE_HASH_SHA1, k20, 0, NULL, 0, out), -EINVAL);
	assert_int_equal(ike_prf(7, k20, 20, NULL, 0, out), -EINVAL);
	assert_int_equal(ike_prf(IKE_HASH_SHA1, k20, 20, NULL, 0, out), 20); /* prf of the empty string */
	assert_int_equal(ike_hash(IKE_HASH_MD5, NULL, 0, out), 16);
	assert_int_equal(ike_skeyid_psk(IKE_HASH_SHA1, k20, 20, k20, 0, k20, 8, out), -EINVAL);
	assert_int_equal(ike_skeyid_dae(IKE_HASH_SHA1, k20, k20, 0, cky, cky, out, out, out), -EINVAL);
	assert_int_equal(ike_enc_key(IKE_HASH_SHA1, k20, 0, out), -EINVAL);
	assert_int_equal(ike_enc_key(IKE_HASH_SHA1, k20, IKE_EXPAND_MAX + 1, out), -EINVAL);
	assert_int_equal(ike_phase1_iv(IKE_HASH_MD5, k20, 20, k20, 20, 32, out), -EINVAL); /* block > hash */
	assert_int_equal(ike_phase2_iv(IKE_HASH_SHA1, k20, 0, mid, out), -EINVAL);
	assert_int_equal(ike_keymat(IKE_HASH_SHA1, k20, NULL, 4, 3, cky, 4, k20, 8, k20, 8, out, 20), -EINVAL);
	assert_int_equal(ike_keymat(IKE_HASH_SHA1, k20, NULL, 0, 3, cky, 4, k20, 8, k20, 8, out, IKE_EXPAND_MAX + 1),
			 -EINVAL);
	assert_int_equal(ike_qm_hash1(IKE_HASH_SHA1, k20, mid, k20, 0, out), -EINVAL);
	{
		struct ike_child_keys a, b;
		assert_int_equal(ike_child_keys_derive(IKE_HASH_SHA1, k20, NULL, 0, 3, 1, 2, k20, 8, k20, 8,
						       IKE_ENC_KEY_MAX + 1, 20, &a, &b),
				 -EINVAL);
		assert_int_equal(ike_child_keys_derive(IKE_HASH_SHA1, k20, NULL, 0, 3, 1, 2, k20, 8, k20, 8, 0, 0, &a, &b),
				 -EINVAL);
	}
	assert_int_equal(ike_keys_new(&k, IKE_HASH_SHA1, IKE_ENCR_AES_CBC, 128), 0);
	/* no DH key pair yet */
	assert_int_equal(ike_keys_derive_psk(k, true, k20, 4, k20, 8, k20, 8, k20, 20, cky, cky), -EINVAL);
	ike_keys_free(k);
	/* strerror names every code */
	static const int codes[] = { 0, -EINVAL, -EMSGSIZE, -EBADMSG, -ERANGE, -EKEYREJECTED, -ENOMEM, -EIO };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		assert_string_not_equal(ike_crypto_strerror(codes[i]), "unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ike_crypto_strerror(codes[i]), ike_crypto_strerror(codes[j]));
	}
	assert_string_equal(ike_crypto_strerror(-12345), "unknown error");
	assert_true(ike_hash_equal("abcd", "abcd", 4));
	assert_false(ike_hash_equal("abcd", "abce", 4));
}

static void test_export_hex(void **state)
{
	struct ike_keys *k = NULL;
	struct ike_child_keys ck;
	char buf[1024], small[40];
	(void)state;
	assert_int_equal(ike_keys_new(&k, IKE_HASH_SHA1, IKE_ENCR_3DES_CBC, 0), 0);
	for (size_t i = 0; i < 20; i++) {
		k->skeyid[i] = (uint8_t)i;
		k->skeyid_d[i] = (uint8_t)(0x10 + i);
		k->skeyid_a[i] = (uint8_t)(0x20 + i);
		k->skeyid_e[i] = (uint8_t)(0x30 + i);
	}
	for (size_t i = 0; i < 24; i++)
		k->enc_key[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < 8; i++)
		k->iv[i] = (uint8_t)(0xf0 + i);
	int n = ike_keys_export_hex(k, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_string_equal(buf, "SKEYID=000102030405060708090a0b0c0d0e0f10111213\n"
				 "SKEYID_d=101112131415161718191a1b1c1d1e1f20212223\n"
				 "SKEYID_a=202122232425262728292a2b2c2d2e2f30313233\n"
				 "SKEYID_e=303132333435363738393a3b3c3d3e3f40414243\n"
				 "ENC_KEY=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7\n"
				 "IV=f0f1f2f3f4f5f6f7\n");
	assert_int_equal(ike_keys_export_hex(k, small, sizeof small), -EMSGSIZE);
	assert_string_equal(small, "");
	ike_keys_free(k);

	memset(&ck, 0, sizeof ck);
	ck.spi = 0xc6bf8b4d;
	ck.enc_len = 2;
	ck.auth_len = 3;
	ck.enc[0] = 0xde;
	ck.enc[1] = 0xad;
	ck.auth[2] = 0x01;
	n = ike_child_keys_export_hex(&ck, buf, sizeof buf);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "SPI=c6bf8b4d\nENC=dead\nAUTH=000001\n");
	ike_child_keys_wipe(&ck);
	assert_int_equal(ck.spi, 0);
	assert_int_equal(ck.enc_len, 0);
}

int main(void)
{
	const char *env = getenv("ESPFAB_TEST_SEED");
	if (env && *env)
		seed = strtoull(env, NULL, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_dh_primes),
		cmocka_unit_test(test_dh_agreement_vs_openssl),
		cmocka_unit_test(test_dh_left_padding),
		cmocka_unit_test(test_dh_peer_validation),
		cmocka_unit_test(test_dh_private_import),
		cmocka_unit_test(test_cavs_ikev1_psk),
		cmocka_unit_test(test_prf_rfc2202),
		cmocka_unit_test(test_phase1_secrets),
		cmocka_unit_test(test_appendix_b_and_keymat_expand),
		cmocka_unit_test(test_recorded_main_mode),
		cmocka_unit_test(test_recorded_aggressive_mode),
		cmocka_unit_test(test_derivations_vs_hmac),
		cmocka_unit_test(test_keys_derive_both_sides),
		cmocka_unit_test(test_cbc_vs_openssl),
		cmocka_unit_test(test_decrypt_accepts_any_padding),
		cmocka_unit_test(test_cbc_errors),
		cmocka_unit_test(test_des_weak_keys),
		cmocka_unit_test(test_argument_checks),
		cmocka_unit_test(test_export_hex),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
