/*
 * MD5 compression function (RFC 1321 section 3.4) — HLS kernel.  Owner: H1.
 *
 * Only the per-block compression and the chaining value live here; message
 * padding and length encoding are in hls/hmac/hmac.c.  Words are
 * little-endian.
 *
 * HLS: the 64 steps carry (a, b, c, d), so blocks of one message and steps
 * of one block are serial; the fabric interleaves packets to keep the unit
 * busy.  The per-step constants (T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321
 * 3.4), rotation amounts and message word indices are constant tables, so
 * an unrolled step has fixed wiring.
 *
 * Errors: none.
 */
#include "md5.h"

static const uint32_t md5_t[64] = {
	0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu,
	0xf57c0fafu, 0x4787c62au, 0xa8304613u, 0xfd469501u,
	0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
	0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u,
	0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
	0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
	0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
	0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au,
	0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
	0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
	0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u,
	0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
	0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u,
	0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
	0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
	0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};

/* Left-rotation amounts, four per round. */
static const uint8_t md5_rot[4][4] = { { 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 } };

static uint32_t rol32(uint32_t x, unsigned n)
{
#pragma HLS INLINE
	return (x << n) | (x >> ((32 - n) & 31));
}

void md5_init(md5_state_t *st)
{
	st->h[0] = 0x67452301u;
	st->h[1] = 0xefcdab89u;
	st->h[2] = 0x98badcfeu;
	st->h[3] = 0x10325476u;
}

void md5_compress(md5_state_t *st, const uint8_t block[MD5_BLOCK])
{
	uint32_t x[16];
#pragma HLS ARRAY_PARTITION variable=x complete
	uint32_t a = st->h[0], b = st->h[1], c = st->h[2], d = st->h[3];
	unsigned i;

	LOAD: for (i = 0; i < 16; i++) {
#pragma HLS UNROLL
		x[i] = (uint32_t)block[4 * i] | (uint32_t)block[4 * i + 1] << 8 |
		       (uint32_t)block[4 * i + 2] << 16 | (uint32_t)block[4 * i + 3] << 24;
	}

	/* Loop-carried (a, b, c, d): one step per iteration. */
	STEPS: for (i = 0; i < 64; i++) {
		uint32_t f, tmp;
		unsigned g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (b & d) | (c & ~d);
			g = (5 * i + 1) & 15;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
		}
		tmp = d;
		d = c;
		c = b;
		b = b + rol32(a + f + md5_t[i] + x[g], md5_rot[i / 16][i % 4]);
		a = tmp;
	}

	st->h[0] += a;
	st->h[1] += b;
	st->h[2] += c;
	st->h[3] += d;
}

void md5_output(const md5_state_t *st, uint8_t out[MD5_DIGEST])
{
	unsigned i;

	OUT: for (i = 0; i < 4; i++) {
#pragma HLS UNROLL
		out[4 * i] = (uint8_t)st->h[i];
		out[4 * i + 1] = (uint8_t)(st->h[i] >> 8);
		out[4 * i + 2] = (uint8_t)(st->h[i] >> 16);
		out[4 * i + 3] = (uint8_t)(st->h[i] >> 24);
	}
}
