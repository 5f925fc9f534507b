/*
 * Every published vector file in tests/vectors/ through the hls/ kernels,
 * each value also re-derived with OpenSSL so a mistyped vector fails loudly
 * (a wrong vector would need the same typo in the kernel and in OpenSSL to
 * pass).  Plus the vector reader's own behaviour on good and malformed
 * input.  Owner: H1.
 *
 * Table-driven: one row per file with its checker and the exact number of
 * blocks it must hold (a truncated or emptied file fails).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "vectors.h"
#include "aes/aes.h"
#include "cbc/cbc.h"
#include "des/des.h"
#include "hmac/hmac.h"
#include "md5/md5.h"
#include "sha1/sha1.h"

#define MAXV ESPFAB_MAX_FRAME

/* ---- OpenSSL oracles ------------------------------------------------- */

/* Run cipher over len bytes (no padding).  0 on success. */
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

static const EVP_MD *ossl_md(uint8_t alg)
{
	return alg == ESPFAB_AUTH_MD5 ? EVP_md5() : EVP_sha1();
}

static const EVP_CIPHER *ossl_aes_ecb(size_t kl)
{
	return kl == 16 ? EVP_aes_128_ecb() : kl == 24 ? EVP_aes_192_ecb() : kl == 32 ? EVP_aes_256_ecb() : NULL;
}

static const EVP_CIPHER *ossl_aes_cbc(size_t kl)
{
	return kl == 16 ? EVP_aes_128_cbc() : kl == 24 ? EVP_aes_192_cbc() : kl == 32 ? EVP_aes_256_cbc() : NULL;
}

/* ---- per-file checkers: 0 if the block passed, -1 (reported) if not -- */

struct bufs {
	uint8_t key[256], iv[32], a[MAXV], b[MAXV], out[MAXV], ref[MAXV];
	size_t kl, ivl, al, bl;
};

static int check_aes(vec_file *f, struct bufs *v)
{
	aes_ks_t ks;
	int bad = 0;

	if (vec_bytes(f, "KEY", v->key, 32, &v->kl) || vec_bytes(f, "PLAINTEXT", v->a, AES_BLOCK, &v->al) ||
	    vec_bytes(f, "CIPHERTEXT", v->b, AES_BLOCK, &v->bl))
		return -1;
	if (v->al != AES_BLOCK || v->bl != AES_BLOCK || aes_key_expand(v->key, (unsigned)v->kl, &ks) != 0) {
		vec_fail(f, "malformed AES vector");
		return -1;
	}
	aes_encrypt_block(&ks, v->a, v->out);
	bad |= vec_check(f, "kernel encrypt", v->out, v->b, AES_BLOCK);
	aes_decrypt_block(&ks, v->b, v->out);
	bad |= vec_check(f, "kernel decrypt", v->out, v->a, AES_BLOCK);
	if (ossl_cipher(ossl_aes_ecb(v->kl), v->key, NULL, v->a, AES_BLOCK, v->ref, 1) != 0) {
		vec_fail(f, "OpenSSL AES failed");
		return -1;
	}
	bad |= vec_check(f, "OpenSSL encrypt (vector typo?)", v->ref, v->b, AES_BLOCK);
	return bad;
}

static int check_des_common(vec_file *f, struct bufs *v, int triple)
{
	des_ks_t ks;
	des3_ks_t ks3;
	size_t i;
	int bad = 0;

	if (vec_bytes(f, "KEY", v->key, 24, &v->kl) || vec_bytes(f, "PLAINTEXT", v->a, 64, &v->al) ||
	    vec_bytes(f, "CIPHERTEXT", v->b, 64, &v->bl))
		return -1;
	if (v->al != v->bl || v->al == 0 || v->al % DES_BLOCK || (triple ? v->kl != 16 && v->kl != 24 : v->kl != 8)) {
		vec_fail(f, "malformed DES vector");
		return -1;
	}
	if (triple && v->kl == 16)
		memcpy(&v->key[16], &v->key[0], 8); /* K3 = K1 */
	if (triple)
		des3_key_setup(v->key, &ks3);
	else
		des_key_setup(v->key, &ks);
	for (i = 0; i < v->al; i += DES_BLOCK) {
		if (triple)
			des3_encrypt_block(&ks3, &v->a[i], &v->out[i]);
		else
			des_encrypt_block(&ks, &v->a[i], &v->out[i]);
	}
	bad |= vec_check(f, "kernel encrypt", v->out, v->b, v->al);
	for (i = 0; i < v->al; i += DES_BLOCK) {
		if (triple)
			des3_decrypt_block(&ks3, &v->b[i], &v->out[i]);
		else
			des_decrypt_block(&ks, &v->b[i], &v->out[i]);
	}
	bad |= vec_check(f, "kernel decrypt", v->out, v->a, v->al);
	if (ossl_cipher(triple ? EVP_des_ede3_ecb() : EVP_des_ecb(), v->key, NULL, v->a, v->al, v->ref, 1) != 0) {
		vec_fail(f, "OpenSSL DES failed");
		return -1;
	}
	bad |= vec_check(f, "OpenSSL encrypt (vector typo?)", v->ref, v->b, v->al);
	return bad;
}

static int check_des(vec_file *f, struct bufs *v)
{
	return check_des_common(f, v, 0);
}

static int check_tdes(vec_file *f, struct bufs *v)
{
	return check_des_common(f, v, 1);
}

static int check_cbc(vec_file *f, struct bufs *v)
{
	const char *name = vec_text(f, "CIPHER");
	const EVP_CIPHER *oc = NULL;
	uint8_t cipher = 0, iv[ESPFAB_IV_MAX] = { 0 }, key[ESPFAB_ENC_KEY_MAX] = { 0 };
	cbc_key_t k;
	int bad = 0;

	if (vec_bytes(f, "KEY", v->key, 32, &v->kl) || vec_bytes(f, "IV", v->iv, 16, &v->ivl) ||
	    vec_bytes(f, "PLAINTEXT", v->a, MAXV, &v->al) || vec_bytes(f, "CIPHERTEXT", v->b, MAXV, &v->bl))
		return -1;
	if (name && strcmp(name, "AES") == 0) {
		cipher = ESPFAB_CIPHER_AES;
		oc = ossl_aes_cbc(v->kl);
	} else if (name && strcmp(name, "DES") == 0) {
		cipher = ESPFAB_CIPHER_DES;
		oc = EVP_des_cbc();
	} else if (name && strcmp(name, "3DES") == 0) {
		cipher = ESPFAB_CIPHER_3DES;
		oc = EVP_des_ede3_cbc();
	}
	memcpy(key, v->key, v->kl);
	memcpy(iv, v->iv, v->ivl);
	if (cipher == 0 || v->ivl != cbc_block_len(cipher) || v->al != v->bl || v->al % v->ivl ||
	    cbc_key_setup(&k, cipher, key, (unsigned)v->kl) != 0) {
		vec_fail(f, "malformed CBC vector");
		return -1;
	}
	cbc_encrypt(&k, iv, v->a, v->out, (unsigned)v->al);
	bad |= vec_check(f, "kernel encrypt", v->out, v->b, v->al);
	cbc_decrypt(&k, iv, v->b, v->out, (unsigned)v->bl);
	bad |= vec_check(f, "kernel decrypt", v->out, v->a, v->al);
	if (ossl_cipher(oc, key, iv, v->a, v->al, v->ref, 1) != 0) {
		vec_fail(f, "OpenSSL CBC failed");
		return -1;
	}
	bad |= vec_check(f, "OpenSSL encrypt (vector typo?)", v->ref, v->b, v->al);
	return bad;
}

static int check_hash(vec_file *f, struct bufs *v, uint8_t alg)
{
	unsigned dl = hmac_digest_len(alg), n = 0;
	int bad = 0;

	if (vec_bytes(f, "MSG", v->a, MAXV, &v->al) || vec_bytes(f, "MD", v->b, HMAC_MAX_DIGEST, &v->bl))
		return -1;
	if (v->bl != dl) {
		vec_fail(f, "malformed hash vector");
		return -1;
	}
	hash_digest(alg, v->a, (unsigned)v->al, v->out);
	bad |= vec_check(f, "kernel hash_digest", v->out, v->b, dl);
	if (EVP_Digest(v->a, v->al, v->ref, &n, ossl_md(alg), NULL) != 1 || n != dl) {
		vec_fail(f, "OpenSSL digest failed");
		return -1;
	}
	bad |= vec_check(f, "OpenSSL digest (vector typo?)", v->ref, v->b, dl);
	return bad;
}

static int check_md5(vec_file *f, struct bufs *v)
{
	return check_hash(f, v, ESPFAB_AUTH_MD5);
}

static int check_sha1(vec_file *f, struct bufs *v)
{
	return check_hash(f, v, ESPFAB_AUTH_SHA1);
}

static int check_hmac(vec_file *f, struct bufs *v, uint8_t alg)
{
	unsigned dl = hmac_digest_len(alg), n = 0;
	uint8_t d96[HMAC_MAX_DIGEST], hashed[HMAC_MAX_DIGEST], key[MAXV] = { 0 };
	size_t d96l = 0, kl;
	hmac_key_t k;
	int bad = 0;

	if (vec_bytes(f, "KEY", v->key, sizeof v->key, &v->kl) || vec_bytes(f, "DATA", v->a, MAXV, &v->al) ||
	    vec_bytes(f, "DIGEST", v->b, HMAC_MAX_DIGEST, &v->bl) ||
	    (vec_has(f, "DIGEST96") && vec_bytes(f, "DIGEST96", d96, sizeof d96, &d96l)))
		return -1;
	if (v->bl != dl || (vec_has(f, "DIGEST96") && d96l != ESPFAB_ICV_LEN)) {
		vec_fail(f, "malformed HMAC vector");
		return -1;
	}
	memcpy(key, v->key, v->kl);
	kl = v->kl;
	if (kl > HMAC_BLOCK) {
		/* Refused as documented; RFC 2104 hashes a long key first. */
		if (hmac_key_setup(&k, alg, key, (unsigned)kl) != -1) {
			vec_fail(f, "hmac_key_setup accepted a %zu-byte key", kl);
			bad = -1;
		}
		hash_digest(alg, key, (unsigned)kl, hashed);
		memset(key, 0, sizeof key);
		memcpy(key, hashed, dl);
		kl = dl;
	}
	if (hmac_key_setup(&k, alg, key, (unsigned)kl) != 0) {
		vec_fail(f, "hmac_key_setup refused a %zu-byte key", kl);
		return -1;
	}
	hmac_compute(&k, v->a, (unsigned)v->al, v->out);
	bad |= vec_check(f, "kernel HMAC", v->out, v->b, dl);
	if (d96l)
		bad |= vec_check(f, "kernel HMAC-96", v->out, d96, d96l);
	/* OpenSSL gets the raw (possibly long) key and hashes it itself. */
	if (HMAC(ossl_md(alg), v->key, (int)v->kl, v->a, v->al, v->ref, &n) == NULL || n != dl) {
		vec_fail(f, "OpenSSL HMAC failed");
		return -1;
	}
	bad |= vec_check(f, "OpenSSL HMAC (vector typo?)", v->ref, v->b, dl);
	if (d96l)
		bad |= vec_check(f, "OpenSSL HMAC-96 (vector typo?)", v->ref, d96, d96l);
	return bad;
}

static int check_hmac_md5(vec_file *f, struct bufs *v)
{
	return check_hmac(f, v, ESPFAB_AUTH_MD5);
}

static int check_hmac_sha1(vec_file *f, struct bufs *v)
{
	return check_hmac(f, v, ESPFAB_AUTH_SHA1);
}

struct vec_case {
	const char *file;
	int (*check)(vec_file *f, struct bufs *v);
	unsigned blocks; /* exact number of vectors the file holds */
};

static const struct vec_case vec_cases[] = {
	{ "aes.txt", check_aes, 4 },
	{ "cbc.txt", check_cbc, 4 },
	{ "des.txt", check_des, 19 },
	{ "tdes.txt", check_tdes, 4 },
	{ "sha1.txt", check_sha1, 5 },
	{ "md5.txt", check_md5, 9 },
	{ "hmac_md5.txt", check_hmac_md5, 7 },
	{ "hmac_sha1.txt", check_hmac_sha1, 7 },
};

static void test_vector_file(void **state)
{
	const struct vec_case *c = *state;
	struct bufs *v = calloc(1, sizeof *v);
	vec_file *f;
	unsigned blocks = 0, failures = 0;
	int rc;

	assert_non_null(v);
	f = vec_open_named(NULL, c->file);
	assert_non_null(f);
	while ((rc = vec_next(f)) == 1) {
		blocks++;
		if (c->check(f, v) != 0)
			failures++;
	}
	assert_int_equal(rc, 0);
	vec_close(f);
	free(v);
	assert_int_equal(failures, 0);
	assert_int_equal(blocks, c->blocks);
}

/* ---- the reader itself ----------------------------------------------- */

/* Write text to a fresh temporary file; returns its path (static buffer). */
static const char *temp_file(const char *text)
{
	static char path[64];
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/espfab_vec_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void test_reader_good(void **state)
{
	const char *path = temp_file("# comment\r\n"
				     "[ONE]\r\n"
				     "KEY = 0aFF\r\n"
				     "  # indented comment inside a block\n"
				     "MSG =\n"
				     "COUNT = 42\n"
				     "\n\n"
				     "KEY = 01\n"
				     "[TWO]\n"
				     "KEY=  beef  \n"
				     "TEXT = free text, here\n");
	uint8_t buf[8];
	size_t n = 99;
	unsigned long u = 0;
	vec_file *f;

	(void)state;
	f = vec_open(path);
	assert_non_null(f);

	assert_int_equal(vec_next(f), 1);
	assert_string_equal(vec_section(f), "ONE");
	assert_int_equal(vec_line(f), 3);
	assert_int_equal(vec_bytes(f, "KEY", buf, sizeof buf, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], 0x0a);
	assert_int_equal(buf[1], 0xff);
	assert_int_equal(vec_bytes(f, "MSG", buf, sizeof buf, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(vec_uint(f, "COUNT", &u), 0);
	assert_int_equal(u, 42);
	assert_true(vec_has(f, "KEY"));
	assert_false(vec_has(f, "IV"));
	assert_null(vec_text(f, "IV"));

	/* a section line right after a block ends it; the section applies to
	 * the next block */
	assert_int_equal(vec_next(f), 1);
	assert_string_equal(vec_section(f), "ONE");
	assert_int_equal(vec_line(f), 9);
	assert_int_equal(vec_bytes(f, "KEY", buf, sizeof buf, &n), 0);
	assert_int_equal(n, 1);

	/* last block without a trailing blank line */
	assert_int_equal(vec_next(f), 1);
	assert_string_equal(vec_section(f), "TWO");
	assert_int_equal(vec_bytes(f, "KEY", buf, sizeof buf, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], 0xbe);
	assert_int_equal(buf[1], 0xef);
	assert_string_equal(vec_text(f, "TEXT"), "free text, here");

	assert_int_equal(vec_next(f), 0);
	assert_int_equal(vec_next(f), 0);
	vec_close(f);
	unlink(path);
}

/* Malformed input: vec_next fails and names file:line. */
struct bad_case {
	const char *text;
	unsigned line;
	const char *what;
};

static const struct bad_case bad_cases[] = {
	{ "KEY = 00\nno equals sign here\n", 2, "expected NAME = value" },
	{ "# c\nKEY = 00\nKEY = 01\n", 3, "given twice" },
	{ "\n[OPEN\nKEY = 00\n", 2, "section line" },
	{ "[A] trailing\n", 1, "section line" },
	{ " = 00\n", 1, "empty field name" },
	{ "K-Y = 00\n", 1, "bad character" },
};

static void test_reader_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const char *path = temp_file(bad_cases[i].text);
		char where[96];
		vec_file *f = vec_open(path);
		int rc;

		assert_non_null(f);
		while ((rc = vec_next(f)) == 1)
			;
		assert_int_equal(rc, -1);
		snprintf(where, sizeof where, "%s:%u", path, bad_cases[i].line);
		assert_non_null(strstr(vec_error(f), where));
		assert_non_null(strstr(vec_error(f), bad_cases[i].what));
		vec_close(f);
		unlink(path);
	}
}

/* Bad field values: vec_bytes / vec_uint fail and name the field's line. */
static void test_reader_bad_values(void **state)
{
	const char *path = temp_file("A = 0g\nB = 123\nC = 000102\nD = 12x\nE = 99999999999999999999999\n");
	uint8_t buf[2];
	size_t n = 5;
	unsigned long u;
	char where[96];
	vec_file *f = vec_open(path);

	(void)state;
	assert_non_null(f);
	assert_int_equal(vec_next(f), 1);
	assert_int_equal(vec_bytes(f, "A", buf, sizeof buf, &n), -1);
	snprintf(where, sizeof where, "%s:1", path);
	assert_non_null(strstr(vec_error(f), where));
	assert_int_equal(vec_bytes(f, "B", buf, sizeof buf, &n), -1);
	assert_non_null(strstr(vec_error(f), "odd number"));
	assert_int_equal(vec_bytes(f, "C", buf, sizeof buf, &n), -1);
	snprintf(where, sizeof where, "%s:3", path);
	assert_non_null(strstr(vec_error(f), where));
	assert_int_equal(vec_bytes(f, "Z", buf, sizeof buf, &n), -1);
	assert_non_null(strstr(vec_error(f), "missing"));
	assert_int_equal(vec_uint(f, "D", &u), -1);
	assert_int_equal(vec_uint(f, "E", &u), -1);
	assert_non_null(strstr(vec_error(f), "too large"));
	assert_int_equal(vec_uint(f, "B", &u), 0);
	assert_int_equal(u, 123);
	vec_close(f);
	unlink(path);

	assert_null(vec_open("/nonexistent/espfab/vectors.txt"));
	assert_null(vec_open_named("/nonexistent", "no-such-file.txt"));
}

static OSSL_PROVIDER *prov_legacy, *prov_default;

static int setup_providers(void **state)
{
	(void)state;
	/* Single DES lives in OpenSSL 3's legacy provider. */
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	return prov_legacy && prov_default ? 0 : -1;
}

static int teardown_providers(void **state)
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
	struct CMUnitTest tests[sizeof vec_cases / sizeof vec_cases[0] + 3];
	size_t i, n = 0;

	for (i = 0; i < sizeof vec_cases / sizeof vec_cases[0]; i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_vector_file, (void *)&vec_cases[i]);
		t.name = vec_cases[i].file;
		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reader_good);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reader_malformed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reader_bad_values);
	return _cmocka_run_group_tests("vectors", tests, n, setup_providers, teardown_providers);
}
