/*
 * CBC chaining over DES, 3DES and AES (SP 800-38A) — HLS kernel.
 *
 * cbc_key_setup runs once per SA (key schedules); cbc_encrypt / cbc_decrypt
 * run per packet.  CBC encryption is serial inside a packet (each block
 * needs the previous ciphertext); decryption is parallel.  In the fabric the
 * serial dependency is hidden by interleaving blocks of many packets
 * (DESIGN.md decision 6); this C model processes one packet at a time.
 *
 * cipher is ESPFAB_CIPHER_DES, _3DES or _AES (generated contract header).
 * len must be a multiple of the block length and at most ESPFAB_MAX_FRAME;
 * in and out may be the same buffer.
 * Errors: cbc_key_setup returns -1 for an unknown cipher or a key length the
 * cipher does not take (DES 8, 3DES 24, AES 16/24/32); 0 otherwise.
 */
#ifndef HLS_CBC_H
#define HLS_CBC_H

#include <stdint.h>

#include "espfab_contract.h"
#include "../aes/aes.h"
#include "../des/des.h"

typedef struct cbc_key {
	uint8_t cipher; /* enum espfab_cipher */
	aes_ks_t aes;
	des3_ks_t des;  /* DES uses k[0] only */
} cbc_key_t;

int cbc_key_setup(cbc_key_t *k, uint8_t cipher, const uint8_t key[ESPFAB_ENC_KEY_MAX], unsigned key_len);
/* Block (= IV) length of cipher: 8 or 16; 0 if unknown. */
unsigned cbc_block_len(uint8_t cipher);
void cbc_encrypt(const cbc_key_t *k, const uint8_t iv[ESPFAB_IV_MAX], const uint8_t in[ESPFAB_MAX_FRAME],
		 uint8_t out[ESPFAB_MAX_FRAME], unsigned len);
void cbc_decrypt(const cbc_key_t *k, const uint8_t iv[ESPFAB_IV_MAX], const uint8_t in[ESPFAB_MAX_FRAME],
		 uint8_t out[ESPFAB_MAX_FRAME], unsigned len);

#endif
