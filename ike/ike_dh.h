/*
 * Diffie-Hellman over the MODP groups IKEv1 negotiates: group 1 (768-bit,
 * RFC 2409 §6.1), group 2 (1024-bit, RFC 2409 §6.2), group 5 (1536-bit,
 * RFC 3526 §2) and group 14 (2048-bit, RFC 3526 §3); generator 2 for all.
 * The group numbers are the IKEv1 "Group Description" attribute values
 * (RFC 2409 Appendix A, IANA).
 *
 * Every value on the wire is big-endian and exactly as long as the prime
 * (ike_dh_group_len): public values are left-padded with zeros
 * (RFC 2409 §5: "MUST be the length of the negotiated Diffie-Hellman group
 * enforced, if necessary, by pre-pending the value with zeros"), and so is
 * the shared secret g^xy, which is what SKEYID_d/_a/_e and KEYMAT hash.
 *
 * Arithmetic is OpenSSL BIGNUM (constant-time modular exponentiation with
 * the private exponent flagged BN_FLG_CONSTTIME).  The private exponent x is
 * uniform in [2, p-2], held in a BIGNUM from BN_secure_new and destroyed
 * with BN_clear_free.
 *
 * Ownership: ike_dh_new* allocate; ike_dh_free (NULL accepted) wipes and
 * frees.  Nothing here prints or logs a value.
 *
 * Errors (negative errno values): -EINVAL unsupported group, bad length of
 * an argument or output buffer too small; -ERANGE a peer public value that
 * is not exactly the prime's length or not in 1 < y < p-1; -ENOMEM;
 * -EIO an OpenSSL failure (random generator, arithmetic).
 */
#ifndef ESPFAB_IKE_DH_H
#define ESPFAB_IKE_DH_H

#include <stddef.h>
#include <stdint.h>

/* IKEv1 Group Description values. */
enum ike_dh_group_id {
	IKE_DH_GROUP1 = 1,   /* MODP 768  */
	IKE_DH_GROUP2 = 2,   /* MODP 1024 */
	IKE_DH_GROUP5 = 5,   /* MODP 1536 */
	IKE_DH_GROUP14 = 14, /* MODP 2048 */
};

/* Longest prime supported, in bytes. */
#define IKE_DH_MAX_LEN 256

typedef struct ike_dh ike_dh;

/* Length of the group's prime in bytes (96, 128, 192, 256); 0 if the group
 * is not supported. */
size_t ike_dh_group_len(int group);
/* The prime as upper-case hex without separators (as printed in the RFCs);
 * NULL if the group is not supported. */
const char *ike_dh_group_prime_hex(int group);
/* "768-bit MODP" etc.; "unknown" for an unsupported group. */
const char *ike_dh_group_name(int group);

/* Generate a fresh key pair.  0, -EINVAL, -ENOMEM or -EIO. */
int ike_dh_new(ike_dh **out, int group);
/* Key pair from a given private exponent (big-endian, any length up to the
 * prime's; 2 <= x <= p-2).  For tests and oracles that replay a recorded
 * exchange; the daemon always uses ike_dh_new.  0, -EINVAL, -ENOMEM, -EIO. */
int ike_dh_new_from_private(ike_dh **out, int group, const uint8_t *x, size_t xlen);
/* Wipe and free; NULL is accepted. */
void ike_dh_free(ike_dh *dh);

int ike_dh_group(const ike_dh *dh);
/* Our public value g^x mod p, written as exactly ike_dh_group_len bytes.
 * cap must be at least that.  Returns the length written, or -EINVAL. */
int ike_dh_public(const ike_dh *dh, uint8_t *out, size_t cap);

/* Validate a peer's public value: exactly the prime's length and
 * 1 < y < p-1 (RFC 2409 §5 length rule; the range check rejects 0, 1 and
 * p-1, the values that force a known shared secret).  0, -EINVAL
 * (unsupported group) or -ERANGE. */
int ike_dh_check_peer(int group, const uint8_t *y, size_t ylen);

/* Shared secret g^xy = y^x mod p after ike_dh_check_peer, written as
 * exactly ike_dh_group_len bytes (left-padded).  Returns the length
 * written, -ERANGE for a bad peer value, -EINVAL, -ENOMEM or -EIO.  On any
 * error out is zeroed. */
int ike_dh_shared(const ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t cap);

#endif
