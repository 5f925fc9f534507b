/*
 * DES and 3DES-EDE block ciphers (FIPS 46-3, SP 800-67) — HLS kernel.
 *
 * Key schedules are computed once per SA.  3DES is E(K3, D(K2, E(K1, x)))
 * for encryption; the two-key form is the three-key form with K3 = K1 (the
 * driver expands a 16-byte key to 24 bytes).  Parity bits are ignored.
 * Blocks are 8 bytes, big-endian bit numbering as in FIPS 46-3.
 */
#ifndef HLS_DES_H
#define HLS_DES_H

#include <stdint.h>

#define DES_BLOCK 8

typedef struct des_ks {
	uint32_t sk[16][2]; /* 48-bit subkeys, 16 rounds (layout private to des.c) */
} des_ks_t;

typedef struct des3_ks {
	des_ks_t k[3];
} des3_ks_t;

void des_key_setup(const uint8_t key[8], des_ks_t *ks);
void des_encrypt_block(const des_ks_t *ks, const uint8_t in[DES_BLOCK], uint8_t out[DES_BLOCK]);
void des_decrypt_block(const des_ks_t *ks, const uint8_t in[DES_BLOCK], uint8_t out[DES_BLOCK]);

void des3_key_setup(const uint8_t key[24], des3_ks_t *ks);
void des3_encrypt_block(const des3_ks_t *ks, const uint8_t in[DES_BLOCK], uint8_t out[DES_BLOCK]);
void des3_decrypt_block(const des3_ks_t *ks, const uint8_t in[DES_BLOCK], uint8_t out[DES_BLOCK]);

#endif
