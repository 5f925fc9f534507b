/*
 * Randomised equivalence of every hls/ crypto primitive with OpenSSL
 * (libcrypto 3): AES-128/192/256 ECB blocks and CBC, DES and 3DES (three-key
 * and two-key K1 K2 K1) ECB blocks and CBC, CBC in place, SHA-1 / MD5
 * hash_digest, HMAC-MD5 / HMAC-SHA1; plus the documented refusals of the key
 * setup functions.  Owner: H1.
 *
 * A fixed PRNG seed makes every run identical; a failure prints the case
 * (seed, index, lengths) so it can be replayed.  ESPFAB_TEST_SEED (decimal
 * or 0x-hex) overrides the seed for exploratory runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "aes/aes.h"
#include "cbc/cbc.h"
#include "des/des.h"
#include "hmac/hmac.h"

#define DEFAULT_SEED 0x6573706661620001ull
#define MAXF ESPFAB_MAX_FRAME

static uint64_t seed = DEFAULT_SEED;
static uint64_t rng_state;

/* splitmix64 */
static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static unsigned rnd_range(unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rnd64() % ((uint64_t)hi - lo + 1));
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

/* Each test restarts the PRNG from the seed and its own stream number, so
 * tests can run alone or in any order with the same cases. */
static void rng_start(unsigned stream)
{
	rng_state = seed ^ ((uint64_t)stream << 56);
}

static void expect_same(const char *what, unsigned idx, size_t len, const uint8_t *got, const uint8_t *want, size_t n)
{
	if (memcmp(got, want, n) == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			fail_msg("%s: case %u (seed 0x%016llx, length %zu): first difference at byte %zu: "
				 "got %02x want %02x",
				 what, idx, (unsigned long long)seed, len, i, got[i], want[i]);
		}
}

static int ossl_cipher(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len,
		       uint8_t *out, int enc)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	if (x == NULL || c == NULL)
		return -1;
	ok = EVP_CipherInit_ex(x, c, NULL, key, iv, enc) == 1 && EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
	     EVP_CipherUpdate(x, out, &n, in, (int)len) == 1 && EVP_CipherFinal_ex(x, out + n, &m) == 1 &&
	     (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

/* Working buffers, on the heap (large). */
struct work {
	uint8_t in[MAXF], out[MAXF], ref[MAXF], tmp[MAXF];
};

static int setup_work(void **state)
{
	*state = calloc(1, sizeof(struct work));
	return *state ? 0 : -1;
}

static int teardown_work(void **state)
{
	free(*state);
	return 0;
}

/* ---- block ciphers, one block at a time ------------------------------- */

struct ecb_case {
	const char *name;
	unsigned key_len;   /* bytes given to the kernel */
	int two_key;        /* 3DES: 16 random bytes expanded to K1 K2 K1 */
	const EVP_CIPHER *(*ossl)(void);
	unsigned keys;      /* random keys */
	unsigned blocks;    /* random blocks per key */
};

static const struct ecb_case ecb_cases[] = {
	{ "AES-128", 16, 0, EVP_aes_128_ecb, 200, 4 },
	{ "AES-192", 24, 0, EVP_aes_192_ecb, 200, 4 },
	{ "AES-256", 32, 0, EVP_aes_256_ecb, 200, 4 },
	{ "DES", 8, 0, EVP_des_ecb, 300, 4 },
	{ "3DES", 24, 0, EVP_des_ede3_ecb, 200, 4 },
	{ "3DES two-key", 24, 1, EVP_des_ede3_ecb, 200, 4 },
};

static void test_ecb_blocks(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof ecb_cases / sizeof ecb_cases[0]; c++) {
		const struct ecb_case *t = &ecb_cases[c];
		int aes = t->ossl == EVP_aes_128_ecb || t->ossl == EVP_aes_192_ecb || t->ossl == EVP_aes_256_ecb;
		unsigned bl = aes ? AES_BLOCK : DES_BLOCK;

		rng_start(1 + (unsigned)c);
		for (unsigned k = 0; k < t->keys; k++) {
			uint8_t key[32], in[16], out[16], ref[16], back[16];
			aes_ks_t aks;
			des_ks_t dks;
			des3_ks_t d3ks;

			rnd_bytes(key, sizeof key);
			if (t->two_key)
				memcpy(&key[16], &key[0], 8);
			if (aes)
				assert_int_equal(aes_key_expand(key, t->key_len, &aks), 0);
			else if (t->key_len == 8)
				des_key_setup(key, &dks);
			else
				des3_key_setup(key, &d3ks);
			for (unsigned b = 0; b < t->blocks; b++) {
				rnd_bytes(in, bl);
				if (aes)
					aes_encrypt_block(&aks, in, out);
				else if (t->key_len == 8)
					des_encrypt_block(&dks, in, out);
				else
					des3_encrypt_block(&d3ks, in, out);
				assert_int_equal(ossl_cipher(t->ossl(), key, NULL, in, bl, ref, 1), 0);
				expect_same(t->name, k, bl, out, ref, bl);
				/* decrypt a random block (not just our own output) */
				if (aes)
					aes_decrypt_block(&aks, in, out);
				else if (t->key_len == 8)
					des_decrypt_block(&dks, in, out);
				else
					des3_decrypt_block(&d3ks, in, out);
				assert_int_equal(ossl_cipher(t->ossl(), key, NULL, in, bl, ref, 0), 0);
				expect_same(t->name, k, bl, out, ref, bl);
				/* and round trip */
				if (aes)
					aes_encrypt_block(&aks, out, back);
				else if (t->key_len == 8)
					des_encrypt_block(&dks, out, back);
				else
					des3_encrypt_block(&d3ks, out, back);
				expect_same(t->name, k, bl, back, in, bl);
			}
		}
	}
}

/* ---- CBC over random packet lengths -------------------------------------- */

struct cbc_case {
	const char *name;
	uint8_t cipher;
	unsigned key_len;
	int two_key;
	const EVP_CIPHER *(*ossl)(void);
	unsigned packets;
};

static const struct cbc_case cbc_cases[] = {
	{ "AES-128-CBC", ESPFAB_CIPHER_AES, 16, 0, EVP_aes_128_cbc, 120 },
	{ "AES-192-CBC", ESPFAB_CIPHER_AES, 24, 0, EVP_aes_192_cbc, 120 },
	{ "AES-256-CBC", ESPFAB_CIPHER_AES, 32, 0, EVP_aes_256_cbc, 120 },
	{ "DES-CBC", ESPFAB_CIPHER_DES, 8, 0, EVP_des_cbc, 120 },
	{ "3DES-CBC", ESPFAB_CIPHER_3DES, 24, 0, EVP_des_ede3_cbc, 120 },
	{ "3DES-CBC two-key", ESPFAB_CIPHER_3DES, 24, 1, EVP_des_ede3_cbc, 120 },
};

static void test_cbc(void **state)
{
	struct work *w = *state;

	for (size_t c = 0; c < sizeof cbc_cases / sizeof cbc_cases[0]; c++) {
		const struct cbc_case *t = &cbc_cases[c];
		unsigned bl = cbc_block_len(t->cipher);

		rng_start(16 + (unsigned)c);
		for (unsigned p = 0; p < t->packets; p++) {
			uint8_t key[ESPFAB_ENC_KEY_MAX], iv[ESPFAB_IV_MAX];
			/* first packets hit the edges: 0, one block, the maximum */
			unsigned len = p == 0 ? 0 : p == 1 ? bl : p == 2 ? MAXF : bl * rnd_range(0, MAXF / bl);
			cbc_key_t k;

			rnd_bytes(key, sizeof key);
			rnd_bytes(iv, sizeof iv);
			if (t->two_key)
				memcpy(&key[16], &key[0], 8);
			rnd_bytes(w->in, len);
			assert_int_equal(cbc_key_setup(&k, t->cipher, key, t->key_len), 0);
			assert_int_equal(k.cipher, t->cipher);

			/* encrypt, separate buffers */
			cbc_encrypt(&k, iv, w->in, w->out, len);
			assert_int_equal(ossl_cipher(t->ossl(), key, iv, w->in, len, w->ref, 1), 0);
			expect_same(t->name, p, len, w->out, w->ref, len);
			/* encrypt in place */
			memcpy(w->tmp, w->in, len);
			cbc_encrypt(&k, iv, w->tmp, w->tmp, len);
			expect_same(t->name, p, len, w->tmp, w->ref, len);

			/* decrypt random bytes, separate buffers */
			cbc_decrypt(&k, iv, w->in, w->out, len);
			assert_int_equal(ossl_cipher(t->ossl(), key, iv, w->in, len, w->ref, 0), 0);
			expect_same(t->name, p, len, w->out, w->ref, len);
			/* decrypt in place */
			memcpy(w->tmp, w->in, len);
			cbc_decrypt(&k, iv, w->tmp, w->tmp, len);
			expect_same(t->name, p, len, w->tmp, w->ref, len);
		}
	}
}

/* len 0 touches nothing; bytes past the last whole block are untouched. */
static void test_cbc_partial_and_empty(void **state)
{
	struct work *w = *state;
	uint8_t key[ESPFAB_ENC_KEY_MAX] = { 1 }, iv[ESPFAB_IV_MAX] = { 2 };
	cbc_key_t k;

	assert_int_equal(cbc_key_setup(&k, ESPFAB_CIPHER_AES, key, 16), 0);
	memset(w->out, 0xa5, 64);
	memset(w->in, 0x11, 64);
	cbc_encrypt(&k, iv, w->in, w->out, 0);
	cbc_decrypt(&k, iv, w->in, w->out, 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(w->out[i], 0xa5);
	cbc_encrypt(&k, iv, w->in, w->out, 20); /* one whole block + 4 bytes */
	assert_int_equal(ossl_cipher(EVP_aes_128_cbc(), key, iv, w->in, 16, w->ref, 1), 0);
	assert_memory_equal(w->out, w->ref, 16);
	for (int i = 16; i < 64; i++)
		assert_int_equal(w->out[i], 0xa5);
}

/* ---- hashes and HMAC ------------------------------------------------------ */

struct mac_case {
	const char *name;
	uint8_t alg;
	const EVP_MD *(*md)(void);
	unsigned cases;
};

static const struct mac_case mac_cases[] = {
	{ "MD5", ESPFAB_AUTH_MD5, EVP_md5, 400 },
	{ "SHA1", ESPFAB_AUTH_SHA1, EVP_sha1, 400 },
};

/* Message length for case i: every length 0..130 (both padding edges of
 * the first two blocks), the top of the range, then random. */
static unsigned msg_len(unsigned i)
{
	if (i <= 130)
		return i;
	if (i <= 130 + 12)
		return MAXF - (i - 131);
	return rnd_range(0, MAXF);
}

static void test_hash_digest(void **state)
{
	struct work *w = *state;

	for (size_t c = 0; c < sizeof mac_cases / sizeof mac_cases[0]; c++) {
		const struct mac_case *t = &mac_cases[c];
		unsigned dl = hmac_digest_len(t->alg);

		rng_start(32 + (unsigned)c);
		for (unsigned i = 0; i < t->cases; i++) {
			unsigned len = msg_len(i), n = 0;
			uint8_t out[HMAC_MAX_DIGEST], ref[EVP_MAX_MD_SIZE];

			rnd_bytes(w->in, len);
			hash_digest(t->alg, w->in, len, out);
			assert_int_equal(EVP_Digest(w->in, len, ref, &n, t->md(), NULL), 1);
			assert_int_equal(n, dl);
			expect_same(t->name, i, len, out, ref, dl);
		}
	}
}

static void test_hmac(void **state)
{
	struct work *w = *state;

	for (size_t c = 0; c < sizeof mac_cases / sizeof mac_cases[0]; c++) {
		const struct mac_case *t = &mac_cases[c];
		unsigned dl = hmac_digest_len(t->alg);

		rng_start(48 + (unsigned)c);
		for (unsigned i = 0; i < t->cases; i++) {
			unsigned len = msg_len(i), n = 0;
			/* key lengths: 0, 1, 16, 20, 64 first, then random 1..64 */
			static const unsigned first_keys[] = { 0, 1, 16, 20, 63, 64 };
			unsigned kl = i < 6 ? first_keys[i] : rnd_range(1, HMAC_BLOCK);
			uint8_t key[HMAC_BLOCK], out[HMAC_MAX_DIGEST], ref[EVP_MAX_MD_SIZE];
			hmac_key_t k;

			rnd_bytes(key, sizeof key);
			rnd_bytes(w->in, len);
			assert_int_equal(hmac_key_setup(&k, t->alg, key, kl), 0);
			assert_int_equal(k.alg, t->alg);
			hmac_compute(&k, w->in, len, out);
			assert_non_null(HMAC(t->md(), key, (int)kl, w->in, len, ref, &n));
			assert_int_equal(n, dl);
			expect_same(t->name, i, len, out, ref, dl);
			/* the context is reusable: same message, same MAC */
			memset(out, 0, sizeof out);
			hmac_compute(&k, w->in, len, out);
			expect_same(t->name, i, len, out, ref, dl);
		}
	}
}

/* ---- documented refusals and small functions ------------------------------ */

static void test_key_setup_refusals(void **state)
{
	uint8_t key[128] = { 0x42 };
	hmac_key_t hk;
	cbc_key_t ck;
	aes_ks_t aks;
	struct {
		uint8_t cipher;
		unsigned len;
		int rc;
	} cbc_keys[] = {
		{ ESPFAB_CIPHER_DES, 8, 0 },   { ESPFAB_CIPHER_DES, 7, -1 },  { ESPFAB_CIPHER_DES, 16, -1 },
		{ ESPFAB_CIPHER_3DES, 24, 0 }, { ESPFAB_CIPHER_3DES, 16, -1 }, { ESPFAB_CIPHER_3DES, 8, -1 },
		{ ESPFAB_CIPHER_AES, 16, 0 },  { ESPFAB_CIPHER_AES, 24, 0 },   { ESPFAB_CIPHER_AES, 32, 0 },
		{ ESPFAB_CIPHER_AES, 8, -1 },  { ESPFAB_CIPHER_AES, 20, -1 },  { ESPFAB_CIPHER_AES, 0, -1 },
		{ 0, 16, -1 },                 { ESPFAB_CIPHER_LIMIT, 16, -1 }, { 0xff, 8, -1 },
	};
	struct {
		uint8_t alg;
		unsigned len;
		int rc;
	} mac_keys[] = {
		{ ESPFAB_AUTH_MD5, 16, 0 },  { ESPFAB_AUTH_MD5, 64, 0 },   { ESPFAB_AUTH_MD5, 65, -1 },
		{ ESPFAB_AUTH_SHA1, 20, 0 }, { ESPFAB_AUTH_SHA1, 80, -1 }, { ESPFAB_AUTH_SHA1, 128, -1 },
		{ 0, 16, -1 },               { ESPFAB_AUTH_LIMIT, 20, -1 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cbc_keys / sizeof cbc_keys[0]; i++) {
		memset(&ck, 0x5a, sizeof ck);
		assert_int_equal(cbc_key_setup(&ck, cbc_keys[i].cipher, key, cbc_keys[i].len), cbc_keys[i].rc);
		assert_int_equal(ck.cipher, cbc_keys[i].rc == 0 ? cbc_keys[i].cipher : 0);
	}
	for (size_t i = 0; i < sizeof mac_keys / sizeof mac_keys[0]; i++) {
		memset(&hk, 0x5a, sizeof hk);
		assert_int_equal(hmac_key_setup(&hk, mac_keys[i].alg, key, mac_keys[i].len), mac_keys[i].rc);
		if (mac_keys[i].rc != 0) {
			assert_int_equal(hk.alg, 0);
			for (int j = 0; j < 5; j++) {
				assert_int_equal(hk.inner[j], 0);
				assert_int_equal(hk.outer[j], 0);
			}
		}
	}
	assert_int_equal(hmac_key_setup(&hk, ESPFAB_AUTH_SHA1, NULL, 20), -1);
	assert_int_equal(aes_key_expand(key, 17, &aks), -1);
	assert_int_equal(aks.rounds, 0);

	assert_int_equal(cbc_block_len(ESPFAB_CIPHER_DES), 8);
	assert_int_equal(cbc_block_len(ESPFAB_CIPHER_3DES), 8);
	assert_int_equal(cbc_block_len(ESPFAB_CIPHER_AES), 16);
	assert_int_equal(cbc_block_len(0), 0);
	assert_int_equal(cbc_block_len(ESPFAB_CIPHER_LIMIT), 0);
	assert_int_equal(hmac_digest_len(ESPFAB_AUTH_MD5), 16);
	assert_int_equal(hmac_digest_len(ESPFAB_AUTH_SHA1), 20);
	assert_int_equal(hmac_digest_len(0), 0);
	assert_int_equal(hmac_digest_len(ESPFAB_AUTH_LIMIT), 0);
}

/* An unknown alg yields 20 zero bytes rather than stale memory. */
static void test_unknown_alg_output(void **state)
{
	struct work *w = *state;
	uint8_t out[HMAC_MAX_DIGEST];
	hmac_key_t k;

	memset(&k, 0, sizeof k);
	memset(out, 0xee, sizeof out);
	hash_digest(0, w->in, 10, out);
	for (int i = 0; i < HMAC_MAX_DIGEST; i++)
		assert_int_equal(out[i], 0);
	memset(out, 0xee, sizeof out);
	hmac_compute(&k, w->in, 10, out);
	for (int i = 0; i < HMAC_MAX_DIGEST; i++)
		assert_int_equal(out[i], 0);
}

static OSSL_PROVIDER *prov_legacy, *prov_default;

static int setup_group(void **state)
{
	const char *s = getenv("ESPFAB_TEST_SEED");

	(void)state;
	if (s && *s)
		seed = strtoull(s, NULL, 0);
	/* Single DES lives in OpenSSL 3's legacy provider. */
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	if (prov_legacy == NULL || prov_default == NULL) {
		fprintf(stderr, "cannot load the OpenSSL legacy/default providers\n");
		return -1;
	}
	printf("seed 0x%016llx\n", (unsigned long long)seed);
	return 0;
}

static int teardown_group(void **state)
{
	(void)state;
	if (prov_legacy)
		OSSL_PROVIDER_unload(prov_legacy);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecb_blocks),
		cmocka_unit_test_setup_teardown(test_cbc, setup_work, teardown_work),
		cmocka_unit_test_setup_teardown(test_cbc_partial_and_empty, setup_work, teardown_work),
		cmocka_unit_test_setup_teardown(test_hash_digest, setup_work, teardown_work),
		cmocka_unit_test_setup_teardown(test_hmac, setup_work, teardown_work),
		cmocka_unit_test(test_key_setup_refusals),
		cmocka_unit_test_setup_teardown(test_unknown_alg_output, setup_work, teardown_work),
	};
	return cmocka_run_group_tests_name("primitives_openssl", tests, setup_group, teardown_group);
}
