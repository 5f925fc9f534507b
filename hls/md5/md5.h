/*
 * MD5 compression (RFC 1321) — HLS kernel.  As for SHA-1, padding and length
 * encoding live in hmac.c.  Words are little-endian.
 */
#ifndef HLS_MD5_H
#define HLS_MD5_H

#include <stdint.h>

#define MD5_BLOCK 64
#define MD5_DIGEST 16

typedef struct md5_state {
	uint32_t h[4];
} md5_state_t;

void md5_init(md5_state_t *st);
void md5_compress(md5_state_t *st, const uint8_t block[MD5_BLOCK]);
/* Serialise the chaining value little-endian. */
void md5_output(const md5_state_t *st, uint8_t out[MD5_DIGEST]);

#endif
