/*
 * AES-128/192/256 block cipher (FIPS 197) — HLS kernel.
 *
 * Key expansion runs once per SA (aes_key_expand); block encryption and
 * decryption run per block.  Synthesizable subset: fixed-size arrays, fixed
 * loop bounds, no dynamic memory.  Byte order: state bytes in FIPS 197 input
 * order (in[0] is s[0][0]).
 *
 * Errors: aes_key_expand returns 0, or -1 for a key length other than 16,
 * 24 or 32 (the schedule is then zeroed).
 */
#ifndef HLS_AES_H
#define HLS_AES_H

#include <stdint.h>

#define AES_BLOCK 16
#define AES_MAX_ROUNDS 14

typedef struct aes_ks {
	uint8_t rk[AES_MAX_ROUNDS + 1][AES_BLOCK]; /* round keys, encryption order */
	uint8_t rounds;                            /* 10, 12 or 14 */
} aes_ks_t;

int aes_key_expand(const uint8_t key[32], unsigned key_len, aes_ks_t *ks);
void aes_encrypt_block(const aes_ks_t *ks, const uint8_t in[AES_BLOCK], uint8_t out[AES_BLOCK]);
void aes_decrypt_block(const aes_ks_t *ks, const uint8_t in[AES_BLOCK], uint8_t out[AES_BLOCK]);

#endif
