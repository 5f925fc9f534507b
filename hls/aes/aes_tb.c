/*
 * aes_tb — C-simulation testbench for the AES kernel.  Owner: H1.
 *
 * Reads tests/vectors/aes.txt (FIPS 197) and checks every block in both
 * directions, then checks that aes_key_expand refuses bad key lengths.
 * Usage: aes_tb [vector-dir].  Exit status 0 only if every check passed;
 * the last line is a one-line summary.
 */
#include <stdio.h>

#include "vectors.h"
#include "aes.h"

static unsigned passed, failed;

static void run_file(const char *dir, const char *name)
{
	vec_file *f = vec_open_named(dir, name);
	int rc;

	if (f == NULL) {
		failed++;
		return;
	}
	while ((rc = vec_next(f)) == 1) {
		uint8_t key[32], pt[AES_BLOCK], ct[AES_BLOCK], out[AES_BLOCK];
		size_t kl, pl, cl;
		aes_ks_t ks;
		int bad = 0;

		if (vec_bytes(f, "KEY", key, sizeof key, &kl) || vec_bytes(f, "PLAINTEXT", pt, sizeof pt, &pl) ||
		    vec_bytes(f, "CIPHERTEXT", ct, sizeof ct, &cl)) {
			failed++;
			continue;
		}
		if (pl != AES_BLOCK || cl != AES_BLOCK || aes_key_expand(key, (unsigned)kl, &ks) != 0) {
			vec_fail(f, "bad vector: key %zu, plaintext %zu, ciphertext %zu bytes", kl, pl, cl);
			failed++;
			continue;
		}
		aes_encrypt_block(&ks, pt, out);
		bad |= vec_check(f, "encrypt", out, ct, AES_BLOCK);
		aes_decrypt_block(&ks, ct, out);
		bad |= vec_check(f, "decrypt", out, pt, AES_BLOCK);
		if (bad)
			failed++;
		else
			passed++;
	}
	if (rc < 0)
		failed++;
	vec_close(f);
}

/* aes_key_expand must refuse other lengths and leave a zeroed schedule. */
static void check_bad_lengths(void)
{
	static const unsigned lens[] = { 0, 8, 15, 17, 20, 23, 25, 31, 33, 64 };
	uint8_t key[32] = { 1, 2, 3 };
	unsigned i, r, b;

	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		aes_ks_t ks;
		int nonzero = 0;
		ks.rounds = 99;
		ks.rk[3][5] = 0x5a;
		if (aes_key_expand(key, lens[i], &ks) != -1) {
			printf("aes_tb: key length %u accepted\n", lens[i]);
			failed++;
			continue;
		}
		for (r = 0; r <= AES_MAX_ROUNDS; r++)
			for (b = 0; b < AES_BLOCK; b++)
				nonzero |= ks.rk[r][b];
		if (nonzero || ks.rounds != 0) {
			printf("aes_tb: schedule not zeroed after key length %u\n", lens[i]);
			failed++;
		}
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : NULL;

	run_file(dir, "aes.txt");
	check_bad_lengths();
	if (failed || passed == 0) {
		printf("aes_tb: FAILED (%u vectors passed, %u failures)\n", passed, failed);
		return 1;
	}
	printf("aes_tb: %u vectors passed\n", passed);
	return 0;
}
