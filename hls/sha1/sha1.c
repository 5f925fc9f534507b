/*
 * SHA-1 compression function (FIPS 180-4 section 6.1.2) — HLS kernel.
 * Owner: H1.
 *
 * Only the per-block compression and the chaining value live here; message
 * padding and length encoding are in hls/hmac/hmac.c so HMAC can resume
 * from precomputed inner/outer states.
 *
 * HLS: the 80 steps carry (a, b, c, d, e) from one step to the next, so one
 * message's blocks are serial (and so are its steps); the fabric keeps the
 * unit busy by interleaving blocks of different packets.  The message
 * schedule uses a 16-word circular window (W[t] = W[t mod 16]), which is
 * the shift register a hardware implementation keeps.
 *
 * Errors: none.
 */
#include "sha1.h"

static uint32_t rol32(uint32_t x, unsigned n)
{
#pragma HLS INLINE
	return (x << n) | (x >> ((32 - n) & 31));
}

void sha1_init(sha1_state_t *st)
{
	st->h[0] = 0x67452301u;
	st->h[1] = 0xefcdab89u;
	st->h[2] = 0x98badcfeu;
	st->h[3] = 0x10325476u;
	st->h[4] = 0xc3d2e1f0u;
}

void sha1_compress(sha1_state_t *st, const uint8_t block[SHA1_BLOCK])
{
	uint32_t w[16];
#pragma HLS ARRAY_PARTITION variable=w complete
	uint32_t a = st->h[0], b = st->h[1], c = st->h[2], d = st->h[3], e = st->h[4];
	unsigned t;

	LOAD: for (t = 0; t < 16; t++) {
#pragma HLS UNROLL
		w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
		       (uint32_t)block[4 * t + 2] << 8 | block[4 * t + 3];
	}

	/* Loop-carried (a..e) and W window: one step per iteration. */
	STEPS: for (t = 0; t < 80; t++) {
		uint32_t f, k, tmp, wt;
		if (t < 16) {
			wt = w[t];
		} else {
			wt = rol32(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
			w[t & 15] = wt;
		}
		if (t < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999u;
		} else if (t < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1u;
		} else if (t < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdcu;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6u;
		}
		tmp = rol32(a, 5) + f + e + k + wt;
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = tmp;
	}

	st->h[0] += a;
	st->h[1] += b;
	st->h[2] += c;
	st->h[3] += d;
	st->h[4] += e;
}

void sha1_output(const sha1_state_t *st, uint8_t out[SHA1_DIGEST])
{
	unsigned i;

	OUT: for (i = 0; i < 5; i++) {
#pragma HLS UNROLL
		out[4 * i] = (uint8_t)(st->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(st->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(st->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)st->h[i];
	}
}
