/*
 * HMAC-MD5 / HMAC-SHA1 (RFC 2104) from precomputed inner and outer states —
 * HLS kernel.
 *
 * hmac_key_setup runs once per SA: it compresses (key ^ ipad) and
 * (key ^ opad) and keeps only the two chaining values, so per packet the
 * engine hashes the message plus one block for the outer hash.  The raw key
 * is not kept.  Also offers plain hashing (hash_digest) for tests.
 *
 * alg is ESPFAB_AUTH_MD5 or ESPFAB_AUTH_SHA1 (generated contract header).
 * Messages are at most ESPFAB_MAX_FRAME bytes.
 * Errors: hmac_key_setup returns -1 for an unknown alg or a key longer than
 * one block (64 bytes); 0 otherwise.
 */
#ifndef HLS_HMAC_H
#define HLS_HMAC_H

#include <stdint.h>

#include "espfab_contract.h"

#define HMAC_MAX_DIGEST 20
#define HMAC_BLOCK 64

typedef struct hmac_key {
	uint8_t alg;        /* enum espfab_auth */
	uint32_t inner[5];  /* chaining value after (key ^ ipad) */
	uint32_t outer[5];  /* chaining value after (key ^ opad) */
} hmac_key_t;

int hmac_key_setup(hmac_key_t *k, uint8_t alg, const uint8_t *key, unsigned key_len);
/* Full HMAC of msg[0..len); writes 16 (MD5) or 20 (SHA1) bytes. */
void hmac_compute(const hmac_key_t *k, const uint8_t msg[ESPFAB_MAX_FRAME], unsigned len,
		  uint8_t out[HMAC_MAX_DIGEST]);
/* Digest length of alg (16 or 20), 0 if unknown. */
unsigned hmac_digest_len(uint8_t alg);
/* Plain hash of msg (len <= ESPFAB_MAX_FRAME), for tests and key hashing. */
void hash_digest(uint8_t alg, const uint8_t msg[ESPFAB_MAX_FRAME], unsigned len, uint8_t out[HMAC_MAX_DIGEST]);

#endif
