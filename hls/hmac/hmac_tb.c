/*
 * hmac_tb — C-simulation testbench for the HMAC kernel.  Owner: H1.
 *
 * Checks hmac_key_setup + hmac_compute against RFC 2202 (hmac_md5.txt,
 * hmac_sha1.txt), including the truncated 96-bit values, and hash_digest
 * (the kernel's own padding) against md5.txt and sha1.txt.  RFC 2202 cases
 * with an 80-byte key: hmac_key_setup must refuse the raw key (-1); the
 * HMAC is then computed with H(key) as RFC 2104 prescribes.
 * Usage: hmac_tb [vector-dir].  Exit status 0 only if every vector passed;
 * the last line is a one-line summary.
 */
#include <stdio.h>
#include <string.h>

#include "vectors.h"
#include "hmac.h"

#define TB_KEY_MAX 256

static unsigned passed, failed;

static void run_hmac(const char *dir, const char *name, uint8_t alg)
{
	static uint8_t data[ESPFAB_MAX_FRAME];
	vec_file *f = vec_open_named(dir, name);
	const unsigned dlen = hmac_digest_len(alg);
	int rc;

	if (f == NULL) {
		failed++;
		return;
	}
	while ((rc = vec_next(f)) == 1) {
		uint8_t key[TB_KEY_MAX], want[HMAC_MAX_DIGEST], w96[HMAC_MAX_DIGEST], out[HMAC_MAX_DIGEST];
		size_t kl, ml, wl, w96l = 0;
		hmac_key_t k;
		int bad = 0;

		if (vec_bytes(f, "KEY", key, sizeof key, &kl) || vec_bytes(f, "DATA", data, sizeof data, &ml) ||
		    vec_bytes(f, "DIGEST", want, sizeof want, &wl) ||
		    (vec_has(f, "DIGEST96") && vec_bytes(f, "DIGEST96", w96, sizeof w96, &w96l))) {
			failed++;
			continue;
		}
		if (wl != dlen || (vec_has(f, "DIGEST96") && w96l != 12)) {
			vec_fail(f, "bad vector: digest %zu bytes, DIGEST96 %zu bytes", wl, w96l);
			failed++;
			continue;
		}
		if (kl > HMAC_BLOCK) {
			/* Long key: refused, then hashed first (RFC 2104). */
			uint8_t kbuf[ESPFAB_MAX_FRAME] = { 0 };
			if (hmac_key_setup(&k, alg, key, (unsigned)kl) != -1) {
				vec_fail(f, "hmac_key_setup accepted a %zu-byte key", kl);
				bad = 1;
			}
			memcpy(kbuf, key, kl);
			hash_digest(alg, kbuf, (unsigned)kl, key);
			kl = dlen;
		}
		if (hmac_key_setup(&k, alg, key, (unsigned)kl) != 0) {
			vec_fail(f, "hmac_key_setup refused a %zu-byte key", kl);
			failed++;
			continue;
		}
		memset(out, 0, sizeof out);
		hmac_compute(&k, data, (unsigned)ml, out);
		bad |= vec_check(f, "HMAC", out, want, dlen);
		if (w96l)
			bad |= vec_check(f, "HMAC-96", out, w96, w96l);
		if (bad)
			failed++;
		else
			passed++;
	}
	if (rc < 0)
		failed++;
	vec_close(f);
}

static void run_hash(const char *dir, const char *name, uint8_t alg)
{
	static uint8_t msg[ESPFAB_MAX_FRAME];
	vec_file *f = vec_open_named(dir, name);
	int rc;

	if (f == NULL) {
		failed++;
		return;
	}
	while ((rc = vec_next(f)) == 1) {
		uint8_t md[HMAC_MAX_DIGEST], out[HMAC_MAX_DIGEST];
		size_t ml, dl;

		if (vec_bytes(f, "MSG", msg, sizeof msg, &ml) || vec_bytes(f, "MD", md, sizeof md, &dl)) {
			failed++;
			continue;
		}
		if (dl != hmac_digest_len(alg)) {
			vec_fail(f, "bad vector: digest %zu bytes", dl);
			failed++;
			continue;
		}
		hash_digest(alg, msg, (unsigned)ml, out);
		if (vec_check(f, "hash_digest", out, md, dl))
			failed++;
		else
			passed++;
	}
	if (rc < 0)
		failed++;
	vec_close(f);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;

	run_hmac(dir, "hmac_md5.txt", ESPFAB_AUTH_MD5);
	run_hmac(dir, "hmac_sha1.txt", ESPFAB_AUTH_SHA1);
	run_hash(dir, "md5.txt", ESPFAB_AUTH_MD5);
	run_hash(dir, "sha1.txt", ESPFAB_AUTH_SHA1);
	if (failed || passed == 0) {
		printf("hmac_tb: FAILED (%u vectors passed, %u failures)\n", passed, failed);
		return 1;
	}
	printf("hmac_tb: %u vectors passed\n", passed);
	return 0;
}
