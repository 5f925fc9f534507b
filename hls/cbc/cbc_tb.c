/*
 * cbc_tb — C-simulation testbench for the CBC kernel.  Owner: H1.
 *
 * Reads tests/vectors/cbc.txt (SP 800-38A F.2 AES, FIPS 81 DES) and checks
 * every vector encrypting and decrypting, both into a separate buffer and
 * in place (in == out).  Usage: cbc_tb [vector-dir].  Exit status 0 only if
 * every vector passed; the last line is a one-line summary.
 */
#include <stdio.h>
#include <string.h>

#include "vectors.h"
#include "cbc.h"

static unsigned passed, failed;

static uint8_t cipher_of(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "AES") == 0)
		return ESPFAB_CIPHER_AES;
	if (strcmp(name, "DES") == 0)
		return ESPFAB_CIPHER_DES;
	if (strcmp(name, "3DES") == 0)
		return ESPFAB_CIPHER_3DES;
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t pt[ESPFAB_MAX_FRAME], ct[ESPFAB_MAX_FRAME], out[ESPFAB_MAX_FRAME];
	const char *dir = argc > 1 ? argv[1] : NULL;
	vec_file *f = vec_open_named(dir, "cbc.txt");
	int rc = -1;

	if (f != NULL) {
		while ((rc = vec_next(f)) == 1) {
			uint8_t key[ESPFAB_ENC_KEY_MAX] = { 0 }, iv[ESPFAB_IV_MAX] = { 0 };
			uint8_t cipher = cipher_of(vec_text(f, "CIPHER"));
			size_t kl, ivl, pl, cl;
			cbc_key_t k;
			int bad = 0;

			if (vec_bytes(f, "KEY", key, sizeof key, &kl) || vec_bytes(f, "IV", iv, sizeof iv, &ivl) ||
			    vec_bytes(f, "PLAINTEXT", pt, sizeof pt, &pl) ||
			    vec_bytes(f, "CIPHERTEXT", ct, sizeof ct, &cl)) {
				failed++;
				continue;
			}
			if (cipher == 0 || ivl != cbc_block_len(cipher) || pl != cl || pl % ivl ||
			    cbc_key_setup(&k, cipher, key, (unsigned)kl) != 0) {
				vec_fail(f, "bad vector: cipher %s, key %zu, IV %zu, plaintext %zu, ciphertext %zu bytes",
					 vec_text(f, "CIPHER") ? vec_text(f, "CIPHER") : "(none)", kl, ivl, pl, cl);
				failed++;
				continue;
			}
			cbc_encrypt(&k, iv, pt, out, (unsigned)pl);
			bad |= vec_check(f, "encrypt", out, ct, pl);
			cbc_decrypt(&k, iv, ct, out, (unsigned)cl);
			bad |= vec_check(f, "decrypt", out, pt, pl);
			memcpy(out, pt, pl);
			cbc_encrypt(&k, iv, out, out, (unsigned)pl);
			bad |= vec_check(f, "encrypt in place", out, ct, pl);
			cbc_decrypt(&k, iv, out, out, (unsigned)cl);
			bad |= vec_check(f, "decrypt in place", out, pt, pl);
			if (bad)
				failed++;
			else
				passed++;
		}
		vec_close(f);
	}
	if (rc < 0 || failed || passed == 0) {
		printf("cbc_tb: FAILED (%u vectors passed, %u failures)\n", passed, failed + (rc < 0));
		return 1;
	}
	printf("cbc_tb: %u vectors passed\n", passed);
	return 0;
}
