/*
 * sha1_tb — C-simulation testbench for the SHA1 compression kernel.
 * Owner: H1.
 *
 * The kernel is compression only, so this testbench does the FIPS 180
 * padding itself (0x80, zeros, 64-bit big-endian bit length) and checks
 * the digests of tests/vectors/sha1.txt.  hmac_tb checks the kernel-side
 * padding in hls/hmac/hmac.c against the same file.
 * Usage: sha1_tb [vector-dir].  Exit status 0 only if every vector
 * passed; the last line is a one-line summary.
 */
#include <stdio.h>
#include <string.h>

#include "vectors.h"
#include "sha1.h"

#define TB_MAX 4096 /* message bytes per vector */

static unsigned passed, failed;

/* Testbench-side padding around the kernel's compression function. */
static void tb_hash(const uint8_t *msg, size_t len, uint8_t out[SHA1_DIGEST])
{
	sha1_state_t st;
	uint8_t blk[SHA1_BLOCK];
	uint64_t bits = (uint64_t)len * 8;
	size_t off = 0, r;
	int i;

	sha1_init(&st);
	for (; len - off >= SHA1_BLOCK; off += SHA1_BLOCK)
		sha1_compress(&st, &msg[off]);
	r = len - off;
	memcpy(blk, &msg[off], r);
	blk[r++] = 0x80;
	if (r > SHA1_BLOCK - 8) {
		memset(&blk[r], 0, SHA1_BLOCK - r);
		sha1_compress(&st, blk);
		r = 0;
	}
	memset(&blk[r], 0, SHA1_BLOCK - 8 - r);
	for (i = 0; i < 8; i++)
		blk[SHA1_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_compress(&st, blk);
	sha1_output(&st, out);
}

int main(int argc, char **argv)
{
	static uint8_t msg[TB_MAX];
	const char *dir = argc > 1 ? argv[1] : NULL;
	vec_file *f = vec_open_named(dir, "sha1.txt");
	int rc = -1;

	if (f != NULL) {
		while ((rc = vec_next(f)) == 1) {
			uint8_t md[SHA1_DIGEST], out[SHA1_DIGEST];
			size_t ml, dl;

			if (vec_bytes(f, "MSG", msg, sizeof msg, &ml) || vec_bytes(f, "MD", md, sizeof md, &dl)) {
				failed++;
				continue;
			}
			if (dl != SHA1_DIGEST) {
				vec_fail(f, "bad vector: digest %zu bytes", dl);
				failed++;
				continue;
			}
			tb_hash(msg, ml, out);
			if (vec_check(f, "digest", out, md, SHA1_DIGEST))
				failed++;
			else
				passed++;
		}
		vec_close(f);
	}
	if (rc < 0 || failed || passed == 0) {
		printf("sha1_tb: FAILED (%u vectors passed, %u failures)\n", passed, failed + (rc < 0));
		return 1;
	}
	printf("sha1_tb: %u vectors passed\n", passed);
	return 0;
}
