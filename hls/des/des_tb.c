/*
 * des_tb — C-simulation testbench for the DES / 3DES kernel.  Owner: H1.
 *
 * Reads tests/vectors/des.txt (FIPS 81, SP 800-20) and tdes.txt (SP 800-67;
 * a 16-byte KEY is the two-key form K1 K2 K1) and checks every block in
 * both directions.  Usage: des_tb [vector-dir].  Exit status 0 only if every
 * check passed; the last line is a one-line summary.
 */
#include <stdio.h>
#include <string.h>

#include "vectors.h"
#include "des.h"

#define TB_MAX 64 /* bytes of plaintext per vector */

static unsigned passed, failed;

static void run_file(const char *dir, const char *name, int triple)
{
	vec_file *f = vec_open_named(dir, name);
	int rc;

	if (f == NULL) {
		failed++;
		return;
	}
	while ((rc = vec_next(f)) == 1) {
		uint8_t key[24], pt[TB_MAX], ct[TB_MAX], out[TB_MAX];
		size_t kl, pl, cl, i;
		des_ks_t ks;
		des3_ks_t ks3;
		int bad = 0;

		if (vec_bytes(f, "KEY", key, sizeof key, &kl) || vec_bytes(f, "PLAINTEXT", pt, sizeof pt, &pl) ||
		    vec_bytes(f, "CIPHERTEXT", ct, sizeof ct, &cl)) {
			failed++;
			continue;
		}
		if (pl != cl || pl == 0 || pl % DES_BLOCK || (triple ? kl != 16 && kl != 24 : kl != 8)) {
			vec_fail(f, "bad vector: key %zu, plaintext %zu, ciphertext %zu bytes", kl, pl, cl);
			failed++;
			continue;
		}
		if (triple) {
			if (kl == 16)
				memcpy(&key[16], &key[0], 8);
			des3_key_setup(key, &ks3);
		} else {
			des_key_setup(key, &ks);
		}
		for (i = 0; i < pl; i += DES_BLOCK) {
			if (triple)
				des3_encrypt_block(&ks3, &pt[i], &out[i]);
			else
				des_encrypt_block(&ks, &pt[i], &out[i]);
		}
		bad |= vec_check(f, "encrypt", out, ct, pl);
		for (i = 0; i < pl; i += DES_BLOCK) {
			if (triple)
				des3_decrypt_block(&ks3, &ct[i], &out[i]);
			else
				des_decrypt_block(&ks, &ct[i], &out[i]);
		}
		bad |= vec_check(f, "decrypt", out, pt, pl);
		if (bad)
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

	run_file(dir, "des.txt", 0);
	run_file(dir, "tdes.txt", 1);
	if (failed || passed == 0) {
		printf("des_tb: FAILED (%u vectors passed, %u failures)\n", passed, failed);
		return 1;
	}
	printf("des_tb: %u vectors passed\n", passed);
	return 0;
}
