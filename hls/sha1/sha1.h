/*
 * SHA-1 compression (FIPS 180-4) — HLS kernel.  The compression function is
 * the hardware unit; padding and length encoding live in hmac.c so that HMAC
 * can start from precomputed inner/outer states.
 */
#ifndef HLS_SHA1_H
#define HLS_SHA1_H

#include <stdint.h>

#define SHA1_BLOCK 64
#define SHA1_DIGEST 20

typedef struct sha1_state {
	uint32_t h[5];
} sha1_state_t;

void sha1_init(sha1_state_t *st);
void sha1_compress(sha1_state_t *st, const uint8_t block[SHA1_BLOCK]);
/* Serialise the chaining value big-endian. */
void sha1_output(const sha1_state_t *st, uint8_t out[SHA1_DIGEST]);

#endif
