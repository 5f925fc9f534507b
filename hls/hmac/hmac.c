/*
 * HMAC-MD5 / HMAC-SHA1 (RFC 2104) and plain MD5 / SHA-1 hashing — HLS
 * kernel.  Owner: H1.
 *
 * This file owns message padding and length encoding (FIPS 180-4 5.1.1,
 * RFC 1321 3.1-3.2) on top of the compression functions in hls/sha1 and
 * hls/md5.  The chaining value of either hash is kept in five 32-bit words
 * (MD5 uses the first four).
 *
 * hmac_key_setup compresses (K ^ ipad) and (K ^ opad) once per SA and keeps
 * only the two chaining values; hmac_compute resumes from them, so per
 * packet it hashes ceil((len + 9) / 64) blocks for the inner hash and one
 * block for the outer hash.  The encoded message length counts the 64-byte
 * key block that was compressed ahead of the message.
 *
 * HLS: blocks of one message are serial (each needs the previous chaining
 * value); the fabric interleaves packets.  Building a padded block is a
 * byte stream with no loop-carried dependency (II=1).  Every loop has a
 * constant bound: a message is at most ESPFAB_MAX_FRAME bytes, so at most
 * HASH_MAX_BLOCKS blocks.
 *
 * Errors: hmac_key_setup returns -1 (and zeroes *k) for an unknown alg, a
 * key longer than 64 bytes (RFC 2104 would hash it first; IPsec keys are 16
 * or 20 bytes, and a caller may do that with hash_digest) or a NULL key with
 * non-zero length.  Lengths above ESPFAB_MAX_FRAME are clamped to it (the
 * result is then not the hash of the whole input; callers never pass
 * more).  For an unknown alg hmac_compute and hash_digest write 20 zero
 * bytes.
 */
#include <stddef.h>

#include "hmac.h"
#include "../md5/md5.h"
#include "../sha1/sha1.h"

/* Blocks of a padded message of at most ESPFAB_MAX_FRAME bytes: data, the
 * 0x80 byte and the 8-byte length. */
#define HASH_MAX_BLOCKS ((ESPFAB_MAX_FRAME + 9 + HMAC_BLOCK - 1) / HMAC_BLOCK)

static int alg_known(uint8_t alg)
{
#pragma HLS INLINE
	return alg == ESPFAB_AUTH_MD5 || alg == ESPFAB_AUTH_SHA1;
}

unsigned hmac_digest_len(uint8_t alg)
{
	if (alg == ESPFAB_AUTH_MD5)
		return MD5_DIGEST;
	if (alg == ESPFAB_AUTH_SHA1)
		return SHA1_DIGEST;
	return 0;
}

/* Overwrite n bytes of key material so the compiler cannot drop it. */
static void wipe(void *p, size_t n)
{
#ifndef __SYNTHESIS__
	volatile uint8_t *v = (volatile uint8_t *)p;
	while (n--)
		*v++ = 0;
#else
	(void)p;
	(void)n;
#endif
}

static void chain_init(uint8_t alg, uint32_t h[5])
{
	unsigned i;

	if (alg == ESPFAB_AUTH_SHA1) {
		sha1_state_t s;
		sha1_init(&s);
		INIT_SHA1: for (i = 0; i < 5; i++)
			h[i] = s.h[i];
	} else {
		md5_state_t s;
		md5_init(&s);
		INIT_MD5: for (i = 0; i < 4; i++)
			h[i] = s.h[i];
		h[4] = 0;
	}
}

static void chain_compress(uint8_t alg, uint32_t h[5], const uint8_t block[HMAC_BLOCK])
{
	unsigned i;

	if (alg == ESPFAB_AUTH_SHA1) {
		sha1_state_t s;
		GET_SHA1: for (i = 0; i < 5; i++)
			s.h[i] = h[i];
		sha1_compress(&s, block);
		PUT_SHA1: for (i = 0; i < 5; i++)
			h[i] = s.h[i];
	} else {
		md5_state_t s;
		GET_MD5: for (i = 0; i < 4; i++)
			s.h[i] = h[i];
		md5_compress(&s, block);
		PUT_MD5: for (i = 0; i < 4; i++)
			h[i] = s.h[i];
	}
}

static void chain_output(uint8_t alg, const uint32_t h[5], uint8_t out[HMAC_MAX_DIGEST])
{
	unsigned i;

	if (alg == ESPFAB_AUTH_SHA1) {
		sha1_state_t s;
		OUT_SHA1: for (i = 0; i < 5; i++)
			s.h[i] = h[i];
		sha1_output(&s, out);
	} else {
		md5_state_t s;
		OUT_MD5: for (i = 0; i < 4; i++)
			s.h[i] = h[i];
		md5_output(&s, out);
	}
}

/* Hash msg[0..len) onto chaining value h, which already covers `prefix`
 * bytes (0, or 64 for an HMAC key block), pad, and write the digest. */
static void hash_tail(uint8_t alg, uint32_t h[5], const uint8_t *msg, unsigned len, unsigned prefix,
		      uint8_t out[HMAC_MAX_DIGEST])
{
	uint8_t blk[HMAC_BLOCK];
	unsigned nblocks, b, i;
	uint64_t bits;

	if (len > ESPFAB_MAX_FRAME)
		len = ESPFAB_MAX_FRAME;
	nblocks = (len + 9 + HMAC_BLOCK - 1) / HMAC_BLOCK;
	bits = ((uint64_t)prefix + len) * 8;

	/* Loop-carried chaining value: serial over the message's blocks. */
	BLOCKS: for (b = 0; b < HASH_MAX_BLOCKS; b++) {
		if (b >= nblocks)
			break;
		FILL: for (i = 0; i < HMAC_BLOCK; i++) {
#pragma HLS PIPELINE II=1
			unsigned pos = b * HMAC_BLOCK + i;
			uint8_t v = 0;
			if (pos < len)
				v = msg[pos];
			else if (pos == len)
				v = 0x80;
			else if (b == nblocks - 1 && i >= HMAC_BLOCK - 8)
				v = alg == ESPFAB_AUTH_SHA1 ? (uint8_t)(bits >> (8 * (HMAC_BLOCK - 1 - i)))
							   : (uint8_t)(bits >> (8 * (i - (HMAC_BLOCK - 8))));
			blk[i] = v;
		}
		chain_compress(alg, h, blk);
	}
	chain_output(alg, h, out);
}

static void zero_digest(uint8_t out[HMAC_MAX_DIGEST])
{
	unsigned i;

	ZERO: for (i = 0; i < HMAC_MAX_DIGEST; i++)
		out[i] = 0;
}

void hash_digest(uint8_t alg, const uint8_t msg[ESPFAB_MAX_FRAME], unsigned len, uint8_t out[HMAC_MAX_DIGEST])
{
	uint32_t h[5];

	if (!alg_known(alg)) {
		zero_digest(out);
		return;
	}
	chain_init(alg, h);
	hash_tail(alg, h, msg, len, 0, out);
}

int hmac_key_setup(hmac_key_t *k, uint8_t alg, const uint8_t *key, unsigned key_len)
{
	uint8_t ipad[HMAC_BLOCK], opad[HMAC_BLOCK];
	uint32_t h[5];
	unsigned i;

	k->alg = 0;
	CLEAR: for (i = 0; i < 5; i++) {
		k->inner[i] = 0;
		k->outer[i] = 0;
	}
	if (!alg_known(alg) || key_len > HMAC_BLOCK)
		return -1;
#ifndef __SYNTHESIS__
	/* Software callers only: an interface pointer is never NULL in the
	 * fabric, and HLS does not compare interface pointers. */
	if (key == NULL && key_len != 0)
		return -1;
#endif

	PADS: for (i = 0; i < HMAC_BLOCK; i++) {
#pragma HLS PIPELINE II=1
		uint8_t kb = i < key_len ? key[i] : 0;
		ipad[i] = kb ^ 0x36;
		opad[i] = kb ^ 0x5c;
	}
	chain_init(alg, h);
	chain_compress(alg, h, ipad);
	COPY_INNER: for (i = 0; i < 5; i++)
		k->inner[i] = h[i];
	chain_init(alg, h);
	chain_compress(alg, h, opad);
	COPY_OUTER: for (i = 0; i < 5; i++)
		k->outer[i] = h[i];
	k->alg = alg;

	wipe(ipad, sizeof ipad);
	wipe(opad, sizeof opad);
	wipe(h, sizeof h);
	return 0;
}

void hmac_compute(const hmac_key_t *k, const uint8_t msg[ESPFAB_MAX_FRAME], unsigned len,
		  uint8_t out[HMAC_MAX_DIGEST])
{
	uint8_t inner[HMAC_MAX_DIGEST];
	uint32_t h[5];
	unsigned i;

	if (!alg_known(k->alg)) {
		zero_digest(out);
		return;
	}
	COPY_INNER: for (i = 0; i < 5; i++)
		h[i] = k->inner[i];
	hash_tail(k->alg, h, msg, len, HMAC_BLOCK, inner);
	COPY_OUTER: for (i = 0; i < 5; i++)
		h[i] = k->outer[i];
	hash_tail(k->alg, h, inner, hmac_digest_len(k->alg), HMAC_BLOCK, out);
}
