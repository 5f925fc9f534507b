/*
 * md5_tb — C-simulation testbench for the MD5 compression kernel.
 * Owner: H1.
 *
 * The kernel is compression only, so this testbench does the RFC 1321
 * padding itself (0x80, zeros, 64-bit little-endian bit length) and checks
 * the digests of tests/vectors/md5.txt.  hmac_tb checks the kernel-side
 * padding in hls/hmac/hmac.c against the same file.
 * Usage: md5_tb [vector-dir].  Exit status 0 only if every vector
 * passed; the last line is a one-line summary.
 */
#include <stdio.h>
#include <string.h>

#include "vectors.h"
#include "md5.h"

#define TB_MAX 4096 /* message bytes per vector */

static unsigned passed, failed;

/* Testbench-side padding around the kernel's compression function. */
static void tb_hash(const uint8_t *msg, size_t len, uint8_t out[MD5_DIGEST])
{
	md5_state_t st;
	uint8_t blk[MD5_BLOCK];
	uint64_t bits = (uint64_t)len * 8;
	size_t off = 0, r;
	int i;

	md5_init(&st);
	for (; len - off >= MD5_BLOCK; off += MD5_BLOCK)
		md5_compress(&st, &msg[off]);
	r = len - off;
	memcpy(blk, &msg[off], r);
	blk[r++] = 0x80;
	if (r > MD5_BLOCK - 8) {
		memset(&blk[r], 0, MD5_BLOCK - r);
		md5_compress(&st, blk);
		r = 0;
	}
	memset(&blk[r], 0, MD5_BLOCK - 8 - r);
	for (i = 0; i < 8; i++)
		blk[MD5_BLOCK - 8 + i] = (uint8_t)(bits >> (8 * i));
	md5_compress(&st, blk);
	md5_output(&st, out);
}

int main(int argc, char **argv)
{
	static uint8_t msg[TB_MAX];
	const char *dir = argc > 1 ? argv[1] : NULL;
	vec_file *f = vec_open_named(dir, "md5.txt");
	int rc = -1;

	if (f != NULL) {
		while ((rc = vec_next(f)) == 1) {
			uint8_t md[MD5_DIGEST], out[MD5_DIGEST];
			size_t ml, dl;

			if (vec_bytes(f, "MSG", msg, sizeof msg, &ml) || vec_bytes(f, "MD", md, sizeof md, &dl)) {
				failed++;
				continue;
			}
			if (dl != MD5_DIGEST) {
				vec_fail(f, "bad vector: digest %zu bytes", dl);
				failed++;
				continue;
			}
			tb_hash(msg, ml, out);
			if (vec_check(f, "digest", out, md, MD5_DIGEST))
				failed++;
			else
				passed++;
		}
		vec_close(f);
	}
	if (rc < 0 || failed || passed == 0) {
		printf("md5_tb: FAILED (%u vectors passed, %u failures)\n", passed, failed + (rc < 0));
		return 1;
	}
	printf("md5_tb: %u vectors passed\n", passed);
	return 0;
}
