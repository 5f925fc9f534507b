/*
 * CBC chaining over DES, 3DES and AES (SP 800-38A section 6.2) — HLS
 * kernel.  Owner: H1.
 *
 * cbc_key_setup builds the key schedule once per SA; cbc_encrypt and
 * cbc_decrypt run per packet.  in and out may be the same buffer: each
 * input block is copied to a local block before its output is written.
 *
 * HLS: encryption is serial inside a packet — block i's cipher input is
 * P[i] ^ C[i-1], a loop-carried dependency through the whole cipher — so
 * the encrypt loops are not pipelined; the fabric keeps the cipher pipeline
 * full by interleaving blocks of different packets (DESIGN.md decision 6).
 * Decryption has no such dependency (C[i-1] is an input, not a result), so
 * the decrypt loops are pipelined with II=1.  Loops run to the constant
 * bound ESPFAB_MAX_FRAME / block and stop early at the packet's length.
 *
 * Errors: cbc_key_setup returns -1 (and zeroes *k) for an unknown cipher or
 * a key length it does not take (DES 8, 3DES 24, AES 16/24/32).  The packet
 * functions do nothing for a zeroed or unknown key; they process only whole
 * blocks of len, clamped to ESPFAB_MAX_FRAME (callers pass a multiple of the
 * block length; trailing bytes of another len are left untouched).
 */
#include "cbc.h"

#define AES_BLOCKS_MAX (ESPFAB_MAX_FRAME / AES_BLOCK)
#define DES_BLOCKS_MAX (ESPFAB_MAX_FRAME / DES_BLOCK)

unsigned cbc_block_len(uint8_t cipher)
{
	if (cipher == ESPFAB_CIPHER_DES || cipher == ESPFAB_CIPHER_3DES)
		return DES_BLOCK;
	if (cipher == ESPFAB_CIPHER_AES)
		return AES_BLOCK;
	return 0;
}

static void cbc_key_clear(cbc_key_t *k)
{
	unsigned i, j, r;

	k->cipher = 0;
	AES_R: for (r = 0; r < AES_MAX_ROUNDS + 1; r++)
		AES_B: for (i = 0; i < AES_BLOCK; i++)
			k->aes.rk[r][i] = 0;
	k->aes.rounds = 0;
	DES_K: for (j = 0; j < 3; j++)
		DES_R: for (r = 0; r < 16; r++) {
			k->des.k[j].sk[r][0] = 0;
			k->des.k[j].sk[r][1] = 0;
		}
}

int cbc_key_setup(cbc_key_t *k, uint8_t cipher, const uint8_t key[ESPFAB_ENC_KEY_MAX], unsigned key_len)
{
	cbc_key_clear(k);
	if (cipher == ESPFAB_CIPHER_DES && key_len == 8) {
		des_key_setup(key, &k->des.k[0]);
	} else if (cipher == ESPFAB_CIPHER_3DES && key_len == 24) {
		des3_key_setup(key, &k->des);
	} else if (cipher == ESPFAB_CIPHER_AES && (key_len == 16 || key_len == 24 || key_len == 32)) {
		if (aes_key_expand(key, key_len, &k->aes) != 0)
			return -1;
	} else {
		return -1;
	}
	k->cipher = cipher;
	return 0;
}

/* DES or 3DES on one block, as the key says. */
static void des_any_block(const cbc_key_t *k, int encrypt, const uint8_t in[DES_BLOCK], uint8_t out[DES_BLOCK])
{
#pragma HLS INLINE
	if (k->cipher == ESPFAB_CIPHER_3DES) {
		if (encrypt)
			des3_encrypt_block(&k->des, in, out);
		else
			des3_decrypt_block(&k->des, in, out);
	} else {
		if (encrypt)
			des_encrypt_block(&k->des.k[0], in, out);
		else
			des_decrypt_block(&k->des.k[0], in, out);
	}
}

static unsigned whole_blocks(unsigned len, unsigned bl)
{
#pragma HLS INLINE
	if (len > ESPFAB_MAX_FRAME)
		len = ESPFAB_MAX_FRAME;
	return len / bl;
}

void cbc_encrypt(const cbc_key_t *k, const uint8_t iv[ESPFAB_IV_MAX], const uint8_t in[ESPFAB_MAX_FRAME],
		 uint8_t out[ESPFAB_MAX_FRAME], unsigned len)
{
	unsigned b, i, n;

	if (k->cipher == ESPFAB_CIPHER_AES) {
		uint8_t chain[AES_BLOCK], x[AES_BLOCK];
#pragma HLS ARRAY_PARTITION variable=chain complete
#pragma HLS ARRAY_PARTITION variable=x complete
		n = whole_blocks(len, AES_BLOCK);
		AES_IV: for (i = 0; i < AES_BLOCK; i++)
			chain[i] = iv[i];
		/* Loop-carried: block b needs ciphertext b-1 (serial). */
		AES_ENC: for (b = 0; b < AES_BLOCKS_MAX; b++) {
			if (b >= n)
				break;
			AES_XIN: for (i = 0; i < AES_BLOCK; i++)
				x[i] = in[b * AES_BLOCK + i] ^ chain[i];
			aes_encrypt_block(&k->aes, x, chain);
			AES_OUT: for (i = 0; i < AES_BLOCK; i++)
				out[b * AES_BLOCK + i] = chain[i];
		}
	} else if (k->cipher == ESPFAB_CIPHER_DES || k->cipher == ESPFAB_CIPHER_3DES) {
		uint8_t chain[DES_BLOCK], x[DES_BLOCK];
#pragma HLS ARRAY_PARTITION variable=chain complete
#pragma HLS ARRAY_PARTITION variable=x complete
		n = whole_blocks(len, DES_BLOCK);
		DES_IV: for (i = 0; i < DES_BLOCK; i++)
			chain[i] = iv[i];
		/* Loop-carried: block b needs ciphertext b-1 (serial). */
		DES_ENC: for (b = 0; b < DES_BLOCKS_MAX; b++) {
			if (b >= n)
				break;
			DES_XIN: for (i = 0; i < DES_BLOCK; i++)
				x[i] = in[b * DES_BLOCK + i] ^ chain[i];
			des_any_block(k, 1, x, chain);
			DES_OUT: for (i = 0; i < DES_BLOCK; i++)
				out[b * DES_BLOCK + i] = chain[i];
		}
	}
}

void cbc_decrypt(const cbc_key_t *k, const uint8_t iv[ESPFAB_IV_MAX], const uint8_t in[ESPFAB_MAX_FRAME],
		 uint8_t out[ESPFAB_MAX_FRAME], unsigned len)
{
	unsigned b, i, n;

	if (k->cipher == ESPFAB_CIPHER_AES) {
		uint8_t prev[AES_BLOCK], c[AES_BLOCK], p[AES_BLOCK];
#pragma HLS ARRAY_PARTITION variable=prev complete
#pragma HLS ARRAY_PARTITION variable=c complete
#pragma HLS ARRAY_PARTITION variable=p complete
		n = whole_blocks(len, AES_BLOCK);
		AES_IV: for (i = 0; i < AES_BLOCK; i++)
			prev[i] = iv[i];
		/* No loop-carried dependency through the cipher: prev is the
		 * previous input block. */
		AES_DEC: for (b = 0; b < AES_BLOCKS_MAX; b++) {
#pragma HLS PIPELINE II=1
			if (b >= n)
				break;
			AES_CIN: for (i = 0; i < AES_BLOCK; i++)
				c[i] = in[b * AES_BLOCK + i];
			aes_decrypt_block(&k->aes, c, p);
			AES_OUT: for (i = 0; i < AES_BLOCK; i++) {
				out[b * AES_BLOCK + i] = p[i] ^ prev[i];
				prev[i] = c[i];
			}
		}
	} else if (k->cipher == ESPFAB_CIPHER_DES || k->cipher == ESPFAB_CIPHER_3DES) {
		uint8_t prev[DES_BLOCK], c[DES_BLOCK], p[DES_BLOCK];
#pragma HLS ARRAY_PARTITION variable=prev complete
#pragma HLS ARRAY_PARTITION variable=c complete
#pragma HLS ARRAY_PARTITION variable=p complete
		n = whole_blocks(len, DES_BLOCK);
		DES_IV: for (i = 0; i < DES_BLOCK; i++)
			prev[i] = iv[i];
		/* No loop-carried dependency through the cipher. */
		DES_DEC: for (b = 0; b < DES_BLOCKS_MAX; b++) {
#pragma HLS PIPELINE II=1
			if (b >= n)
				break;
			DES_CIN: for (i = 0; i < DES_BLOCK; i++)
				c[i] = in[b * DES_BLOCK + i];
			des_any_block(k, 0, c, p);
			DES_OUT: for (i = 0; i < DES_BLOCK; i++) {
				out[b * DES_BLOCK + i] = p[i] ^ prev[i];
				prev[i] = c[i];
			}
		}
	}
}
