/*
 * The cryptography of IKEv1 with pre-shared keys (RFC 2409), on OpenSSL 3:
 * the prf, the phase-1 key schedule (SKEYID, SKEYID_d/_a/_e, the
 * Appendix B encryption key), the phase-1 and phase-2 CBC IVs, HASH_I /
 * HASH_R, the quick-mode and informational HASHes, KEYMAT for the child
 * SAs, and phase-1 payload encryption (DES, 3DES, AES-CBC).  Diffie-Hellman
 * is in ike_dh.h.  docs/ike-crypto.md says what each function computes,
 * with the RFC sections.
 *
 * Conventions
 *  - Algorithms are named by their IKEv1 attribute values (RFC 2409
 *    Appendix A, IANA "IPSEC Hash / Encryption Algorithm"): hash 1 MD5,
 *    2 SHA, 4 SHA2-256; encryption 1 DES-CBC, 5 3DES-CBC, 7 AES-CBC (with a
 *    Key Length attribute of 128, 192 or 256).  The prf is HMAC of the
 *    negotiated hash (RFC 2409 §4: no prf attribute means HMAC of the hash).
 *  - Every output buffer is at least as long as the value written: the
 *    hash/prf output (ike_hash_len), the cipher block (ike_encr_block_len),
 *    or the length given.  IKE_PRF_MAX, IKE_BLOCK_MAX and
 *    IKE_ENC_KEY_MAX bound them all.
 *  - Return values: functions that output one hash or prf value (ike_hash,
 *    ike_prf, ike_skeyid_psk, ike_hash_i/_r, ike_qm_hash1/2/3,
 *    ike_info_hash) return its length, ike_decrypt the plaintext length,
 *    the export functions the string length; everything else returns 0.
 *    Errors are a negative errno value:
 *      -EINVAL   unsupported algorithm, NULL or zero-length input that must
 *                have content, length out of range
 *      -EMSGSIZE output buffer too small
 *      -EBADMSG  ciphertext that is empty or not a multiple of the block
 *      -ERANGE   Diffie-Hellman peer value rejected (from ike_dh)
 *      -EKEYREJECTED a derived DES/3DES key is weak or semi-weak
 *      -ENOMEM, -EIO (an OpenSSL failure, e.g. the legacy provider that
 *                single DES needs is missing)
 *    ike_crypto_strerror() names them.  On error, outputs holding secrets
 *    are zeroed.
 *  - Secrets: struct ike_keys and struct ike_child_keys hold key material;
 *    ike_keys_free / ike_child_keys_wipe clear it with OPENSSL_cleanse.
 *    Intermediate buffers are cleansed before they are released.  Nothing
 *    here logs or prints a key; ike_keys_export_hex and
 *    ike_child_keys_export_hex exist only as a test oracle (and for the
 *    explicit "export keys for tshark" test hook) and must never be wired
 *    to ordinary logging or debug output.
 *  - Hashes received from a peer are compared with ike_hash_equal
 *    (CRYPTO_memcmp, constant time).
 *
 * The first call initialises a private OpenSSL library context with the
 * "default" and "legacy" providers (the latter for single DES, as
 * driver/engine_sw.c does) and fetches the algorithms once.  The daemon is
 * single-threaded; a threaded program calls ike_crypto_init() before
 * starting threads.  ike_crypto_cleanup() releases it all (tests call it so
 * the leak checker sees a clean exit).
 */
#ifndef ESPFAB_IKE_CRYPTO_H
#define ESPFAB_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_dh.h"

enum ike_hash_alg {
	IKE_HASH_MD5 = 1,
	IKE_HASH_SHA1 = 2,
	IKE_HASH_SHA2_256 = 4,
};

enum ike_encr_alg {
	IKE_ENCR_DES_CBC = 1,
	IKE_ENCR_3DES_CBC = 5,
	IKE_ENCR_AES_CBC = 7,
};

#define IKE_PRF_MAX 32     /* longest hash / prf output (SHA2-256) */
#define IKE_BLOCK_MAX 16   /* longest cipher block (AES) */
#define IKE_ENC_KEY_MAX 32 /* longest cipher key (AES-256) */
#define IKE_AUTH_KEY_MAX 32 /* longest ESP/AH integrity key kept in ike_child_keys */
#define IKE_COOKIE_LEN 8
#define IKE_MSGID_LEN 4
#define IKE_EXPAND_MAX 512 /* longest Appendix B / KEYMAT expansion produced */

/* One piece of a concatenation a | b | c fed to a hash or prf. */
struct ike_chunk {
	const void *p;
	size_t len;
};

/* ---- library ------------------------------------------------------------ */

/* 0, or -EIO if the OpenSSL default provider or an algorithm is missing.
 * A missing legacy provider is not an error here; DES then fails with -EIO
 * when used. */
int ike_crypto_init(void);
void ike_crypto_cleanup(void);
const char *ike_crypto_strerror(int rc);

/* ---- algorithms ---------------------------------------------------------- */

size_t ike_hash_len(int hash);       /* 16, 20, 32; 0 if unsupported */
const char *ike_hash_name(int hash); /* "md5", "sha", "sha256"; "unknown" */
size_t ike_encr_block_len(int encr); /* 8 or 16; 0 if unsupported */
/* Key bytes for the cipher and its Key Length attribute (in bits): DES 8
 * and 3DES 24 take key_bits 0 (or their own size, 64 / 192); AES takes
 * 128, 192 or 256.  0 for anything else. */
size_t ike_encr_key_len(int encr, unsigned key_bits);
const char *ike_encr_name(int encr); /* "des", "3des", "aes"; "unknown" */

/* ---- primitives ---------------------------------------------------------- */

/* hash(v[0] | v[1] | ...); returns ike_hash_len(hash) or an error. */
int ike_hash(int hash, const struct ike_chunk *v, size_t n, uint8_t *out);
/* prf(key, v[0] | v[1] | ...) = HMAC-hash; key_len > 0.  Returns
 * ike_hash_len(hash) or an error. */
int ike_prf(int hash, const uint8_t *key, size_t key_len, const struct ike_chunk *v, size_t n, uint8_t *out);
/* Constant-time equality of two n-byte values (CRYPTO_memcmp). */
bool ike_hash_equal(const void *a, const void *b, size_t n);
/* True if the 8-byte DES key is one of the 4 weak or 12 semi-weak keys
 * (parity bits ignored). */
bool ike_des_key_weak(const uint8_t key[8]);

/* ---- phase 1 key schedule (RFC 2409 §5, Appendix B) ----------------------- */

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b)   (RFC 2409 §5, pre-shared keys).
 * Returns ike_hash_len(hash) or an error. */
int ike_skeyid_psk(int hash, const uint8_t *psk, size_t psk_len, const uint8_t *ni_b, size_t ni_len,
		   const uint8_t *nr_b, size_t nr_len, uint8_t *skeyid);
/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 * skeyid is ike_hash_len(hash) bytes; g^xy as ike_dh_shared wrote it.
 * Returns 0 or an error (the outputs zeroed). */
int ike_skeyid_dae(int hash, const uint8_t *skeyid, const uint8_t *gxy, size_t gxy_len,
		   const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN], uint8_t *skeyid_d,
		   uint8_t *skeyid_a, uint8_t *skeyid_e);
/* The phase-1 cipher key from SKEYID_e (Appendix B): its first key_len
 * bytes if it is long enough, else the first key_len bytes of K1 | K2 | ...
 * with K1 = prf(SKEYID_e, 0x00), Kn = prf(SKEYID_e, Kn-1).  key_len up to
 * IKE_EXPAND_MAX (a cipher needs at most IKE_ENC_KEY_MAX). */
int ike_enc_key(int hash, const uint8_t *skeyid_e, size_t key_len, uint8_t *key);
/* Phase-1 IV = hash(g^xi | g^xr) truncated to block_len (Appendix B). */
int ike_phase1_iv(int hash, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr, size_t gxr_len,
		  size_t block_len, uint8_t *iv);
/* IV of a phase-2 (quick mode) or informational exchange =
 * hash(last phase-1 CBC block | M-ID) truncated to block_len (Appendix B).
 * last_block is the final ciphertext block of the last phase-1 message
 * (ike_keys.iv once phase 1 is over). */
int ike_phase2_iv(int hash, const uint8_t *last_block, size_t block_len, const uint8_t msgid[IKE_MSGID_LEN],
		  uint8_t *iv);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * (RFC 2409 §5).  SAi_b is the body of the initiator's SA payload (from the
 * DOI field on, without the generic header), ID*_b the ID payload body. */
int ike_hash_i(int hash, const uint8_t *skeyid, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	       size_t gxr_len, const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN],
	       const uint8_t *sai_b, size_t sai_len, const uint8_t *idii_b, size_t idii_len, uint8_t *out);
int ike_hash_r(int hash, const uint8_t *skeyid, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	       size_t gxr_len, const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN],
	       const uint8_t *sai_b, size_t sai_len, const uint8_t *idir_b, size_t idir_len, uint8_t *out);

/* ---- quick mode and informational (RFC 2409 §5.5, §5.7) ------------------- */

/* HASH(1) = prf(SKEYID_a, M-ID | rest), where rest is the message after the
 * HASH payload up to the end of the payload chain (SA | Ni [| KE] [| IDci |
 * IDcr], generic headers included, padding excluded).  The informational
 * HASH(1) = prf(SKEYID_a, M-ID | N/D) is the same computation. */
int ike_qm_hash1(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *rest,
		 size_t rest_len, uint8_t *out);
int ike_info_hash(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *rest,
		  size_t rest_len, uint8_t *out);
/* HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest)   (rest: SA | Nr [| KE] [| IDs]) */
int ike_qm_hash2(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *ni_b,
		 size_t ni_len, const uint8_t *rest, size_t rest_len, uint8_t *out);
/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
int ike_qm_hash3(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *ni_b,
		 size_t ni_len, const uint8_t *nr_b, size_t nr_len, uint8_t *out);

/* KEYMAT for one SA, expanded to out_len bytes:
 *   K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 *   KEYMAT = K1 | K2 | ...
 * g(qm)^xy is given only with PFS (gqm_len 0 / NULL otherwise).  protocol
 * is the IPsec protocol ID (3 = ESP), spi the SPI as on the wire (4 bytes
 * for ESP), Ni_b / Nr_b the quick-mode nonces, initiator's first. */
/* The KEYMAT expansion itself, for any seed: K1 = prf(key, seed),
 * Kn = prf(key, Kn-1 | seed), out = first out_len (<= IKE_EXPAND_MAX)
 * bytes of K1 | K2 | ...  ike_keymat is this with key SKEYID_d and seed
 * [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b. */
int ike_keymat_expand(int hash, const uint8_t *key, size_t key_len, const struct ike_chunk *seed, size_t nseed,
		      uint8_t *out, size_t out_len);
int ike_keymat(int hash, const uint8_t *skeyid_d, const uint8_t *gqm_xy, size_t gqm_len, uint8_t protocol,
	       const uint8_t *spi, size_t spi_len, const uint8_t *ni_b, size_t ni_len, const uint8_t *nr_b,
	       size_t nr_len, uint8_t *out, size_t out_len);

/* The keys of one child SA: KEYMAT (RFC 2409 §5.5) split into the
 * encryption key first and the integrity key next, the order in which
 * IKEv1 implementations (strongSwan, racoon, Cisco IOS) take ESP keys from
 * it. */
struct ike_child_keys {
	uint32_t spi; /* host order; the SPI the KEYMAT was computed with */
	size_t enc_len;
	size_t auth_len;
	uint8_t enc[IKE_ENC_KEY_MAX];
	uint8_t auth[IKE_AUTH_KEY_MAX];
};

/* Both SAs of a quick-mode exchange.  spi_in is the SPI we chose (in our
 * own proposal or answer: the peer sends to us with it), spi_out the SPI
 * the peer chose.  Each SA's KEYMAT uses its own SPI and the same
 * Ni_b | Nr_b (initiator's nonce first, whichever side we are).
 * enc_len / auth_len: e.g. 16 + 20 for AES-128 with HMAC-SHA1-96. */
int ike_child_keys_derive(int hash, const uint8_t *skeyid_d, const uint8_t *gqm_xy, size_t gqm_len,
			  uint8_t protocol, uint32_t spi_in, uint32_t spi_out, const uint8_t *ni_b, size_t ni_len,
			  const uint8_t *nr_b, size_t nr_len, size_t enc_len, size_t auth_len,
			  struct ike_child_keys *in, struct ike_child_keys *out);
void ike_child_keys_wipe(struct ike_child_keys *k);

/* ---- phase-1 payload encryption (RFC 2409 Appendix B, RFC 2408 §3.1) ------ */

/* Encrypt in_len (> 0) bytes with CBC.  The plaintext is padded with zero
 * bytes up to the next multiple of the block (none if already aligned);
 * *out_len gets the padded length, which is also the ciphertext length the
 * ISAKMP header must count.  out may equal in if cap allows the padding.
 * iv is the IV to use; if next_iv is not NULL it receives the last
 * ciphertext block, the IV of the next message in the same exchange
 * (next_iv may be the same buffer as iv). */
int ike_encrypt(int encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *next_iv,
		const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *out_len);
/* Decrypt in_len bytes (a non-zero multiple of the block, else -EBADMSG).
 * The whole plaintext, padding included, is written to out (out may equal
 * in); the padding is not interpreted: receivers accept any number of
 * padding bytes of any value after the payload chain, whose own lengths
 * say where it ends.  next_iv as for ike_encrypt; a caller that commits the
 * IV only once the message is authenticated passes a scratch buffer.
 * Returns in_len or an error. */
int ike_decrypt(int encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *next_iv,
		const uint8_t *in, size_t in_len, uint8_t *out, size_t cap);

/* ---- the secrets of one ISAKMP SA ---------------------------------------- */

struct ike_keys {
	int hash;         /* IKE_HASH_* (prf = HMAC of it) */
	int encr;         /* IKE_ENCR_* */
	size_t prf_len;   /* bytes of every SKEYID* */
	size_t key_len;   /* bytes of enc_key */
	size_t block_len; /* cipher block = IV length */
	uint8_t skeyid[IKE_PRF_MAX];
	uint8_t skeyid_d[IKE_PRF_MAX];
	uint8_t skeyid_a[IKE_PRF_MAX];
	uint8_t skeyid_e[IKE_PRF_MAX];
	uint8_t enc_key[IKE_ENC_KEY_MAX];
	/* Phase-1 CBC IV: hash(g^xi | g^xr) after derivation, then the last
	 * ciphertext block of each phase-1 message (the owner passes it as
	 * iv/next_iv to ike_encrypt / ike_decrypt).  After phase 1 it is the
	 * "last phase-1 CBC block" every phase-2 IV is derived from. */
	uint8_t iv[IKE_BLOCK_MAX];
	ike_dh *dh; /* our DH key pair; owned, freed and wiped by ike_keys_free */
};

/* Allocate for the negotiated algorithms (key_bits: the Key Length
 * attribute, see ike_encr_key_len).  k->dh starts NULL; the owner creates
 * it with ike_dh_new(&k->dh, group).  0, -EINVAL or -ENOMEM. */
int ike_keys_new(struct ike_keys **out, int hash, int encr, unsigned key_bits);
/* OPENSSL_cleanse everything, free the DH key pair and the struct; NULL
 * accepted. */
void ike_keys_free(struct ike_keys *k);

/* The whole phase-1 derivation for pre-shared keys, once both KE and nonce
 * payloads are known: validate the peer's public value and compute g^xy
 * with k->dh, then SKEYID, SKEYID_d/_a/_e, enc_key and the phase-1 IV
 * (k->iv).  initiator says which side we are (g^xi is the initiator's
 * public value).  g^xy is wiped before returning.  -EKEYREJECTED if the
 * DES/3DES key is weak.  On error every secret in k is zeroed (k->dh is
 * kept). */
int ike_keys_derive_psk(struct ike_keys *k, bool initiator, const uint8_t *psk, size_t psk_len,
			const uint8_t *ni_b, size_t ni_len, const uint8_t *nr_b, size_t nr_len,
			const uint8_t *peer_pub, size_t peer_len, const uint8_t cky_i[IKE_COOKIE_LEN],
			const uint8_t cky_r[IKE_COOKIE_LEN]);

/* TEST ORACLE ONLY.  Write the phase-1 secrets as lines "SKEYID=<hex>",
 * "SKEYID_d=", "SKEYID_a=", "SKEYID_e=", "ENC_KEY=", "IV=" into buf (NUL
 * terminated).  For tests and the explicit key export that tshark
 * decryption in the end-to-end tests needs; never for logs.  Returns the
 * string length or -EMSGSIZE / -EINVAL. */
int ike_keys_export_hex(const struct ike_keys *k, char *buf, size_t cap);
/* TEST ORACLE ONLY, as above: "SPI=<8 hex digits>", "ENC=<hex>",
 * "AUTH=<hex>" lines. */
int ike_child_keys_export_hex(const struct ike_child_keys *k, char *buf, size_t cap);

#endif
