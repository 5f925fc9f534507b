/*
 * IKEv1 cryptography on OpenSSL 3.  See ike_crypto.h for the API and
 * docs/ike-crypto.md for what each function computes and where the RFCs
 * say so.
 *
 * One private OSSL_LIB_CTX with the "default" and "legacy" providers holds
 * the fetched digests, ciphers and the HMAC EVP_MAC for the life of the
 * process (or until ike_crypto_cleanup).  Contexts are created per call:
 * IKE does a few dozen of these operations per exchange, nothing here is on
 * the data path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "ike_crypto.h"

/* ---- algorithm tables ------------------------------------------------------ */

struct hash_def {
	int id;
	size_t len;
	const char *name;  /* IOS-style name */
	const char *ossl;  /* OpenSSL digest name */
};

static const struct hash_def hash_defs[] = {
	{ IKE_HASH_MD5, 16, "md5", "MD5" },
	{ IKE_HASH_SHA1, 20, "sha", "SHA1" },
	{ IKE_HASH_SHA2_256, 32, "sha256", "SHA2-256" },
};
#define N_HASH (sizeof hash_defs / sizeof hash_defs[0])

/* One entry per (algorithm, key length) OpenSSL cipher. */
struct cipher_def {
	int id;
	size_t key_len;
	size_t block;
	const char *name;
	const char *ossl;
};

static const struct cipher_def cipher_defs[] = {
	{ IKE_ENCR_DES_CBC, 8, 8, "des", "DES-CBC" },
	{ IKE_ENCR_3DES_CBC, 24, 8, "3des", "DES-EDE3-CBC" },
	{ IKE_ENCR_AES_CBC, 16, 16, "aes", "AES-128-CBC" },
	{ IKE_ENCR_AES_CBC, 24, 16, "aes", "AES-192-CBC" },
	{ IKE_ENCR_AES_CBC, 32, 16, "aes", "AES-256-CBC" },
};
#define N_CIPHER (sizeof cipher_defs / sizeof cipher_defs[0])

static struct {
	bool ready;
	OSSL_LIB_CTX *lib;
	OSSL_PROVIDER *prov_default;
	OSSL_PROVIDER *prov_legacy; /* NULL if not installed: DES unavailable */
	EVP_MD *md[N_HASH];
	EVP_CIPHER *cipher[N_CIPHER]; /* NULL where the provider lacks it */
	EVP_MAC *hmac;
} lib;

static const struct hash_def *hash_def(int hash, size_t *idx)
{
	for (size_t i = 0; i < N_HASH; i++)
		if (hash_defs[i].id == hash) {
			if (idx)
				*idx = i;
			return &hash_defs[i];
		}
	return NULL;
}

static const struct cipher_def *cipher_def(int encr, size_t key_len, size_t *idx)
{
	for (size_t i = 0; i < N_CIPHER; i++)
		if (cipher_defs[i].id == encr && cipher_defs[i].key_len == key_len) {
			if (idx)
				*idx = i;
			return &cipher_defs[i];
		}
	return NULL;
}

/* ---- library ------------------------------------------------------------------ */

void ike_crypto_cleanup(void)
{
	for (size_t i = 0; i < N_HASH; i++)
		EVP_MD_free(lib.md[i]);
	for (size_t i = 0; i < N_CIPHER; i++)
		EVP_CIPHER_free(lib.cipher[i]);
	EVP_MAC_free(lib.hmac);
	if (lib.prov_legacy)
		OSSL_PROVIDER_unload(lib.prov_legacy);
	if (lib.prov_default)
		OSSL_PROVIDER_unload(lib.prov_default);
	OSSL_LIB_CTX_free(lib.lib);
	memset(&lib, 0, sizeof lib);
}

int ike_crypto_init(void)
{
	if (lib.ready)
		return 0;
	lib.lib = OSSL_LIB_CTX_new();
	if (!lib.lib)
		goto fail;
	lib.prov_default = OSSL_PROVIDER_load(lib.lib, "default");
	if (!lib.prov_default)
		goto fail;
	lib.prov_legacy = OSSL_PROVIDER_load(lib.lib, "legacy"); /* may be NULL */
	if (!lib.prov_legacy)
		ERR_clear_error(); /* not an error until DES is used */
	for (size_t i = 0; i < N_HASH; i++) {
		lib.md[i] = EVP_MD_fetch(lib.lib, hash_defs[i].ossl, NULL);
		if (!lib.md[i])
			goto fail;
	}
	for (size_t i = 0; i < N_CIPHER; i++) {
		lib.cipher[i] = EVP_CIPHER_fetch(lib.lib, cipher_defs[i].ossl, NULL);
		if (!lib.cipher[i] && cipher_defs[i].id != IKE_ENCR_DES_CBC)
			goto fail;
		if (!lib.cipher[i])
			ERR_clear_error(); /* DES without the legacy provider */
	}
	lib.hmac = EVP_MAC_fetch(lib.lib, "HMAC", NULL);
	if (!lib.hmac)
		goto fail;
	lib.ready = true;
	return 0;
fail:
	ike_crypto_cleanup();
	return -EIO;
}

const char *ike_crypto_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -EINVAL:
		return "invalid argument or unsupported algorithm";
	case -EMSGSIZE:
		return "output buffer too small";
	case -EBADMSG:
		return "ciphertext length is not a non-zero multiple of the cipher block";
	case -ERANGE:
		return "Diffie-Hellman public value rejected (length or range)";
	case -EKEYREJECTED:
		return "derived DES key is weak or semi-weak";
	case -ENOMEM:
		return "out of memory";
	case -EIO:
		return "OpenSSL operation failed (algorithm or provider missing?)";
	default:
		return "unknown error";
	}
}

/* ---- algorithms ------------------------------------------------------------------ */

size_t ike_hash_len(int hash)
{
	const struct hash_def *h = hash_def(hash, NULL);
	return h ? h->len : 0;
}

const char *ike_hash_name(int hash)
{
	const struct hash_def *h = hash_def(hash, NULL);
	return h ? h->name : "unknown";
}

size_t ike_encr_block_len(int encr)
{
	for (size_t i = 0; i < N_CIPHER; i++)
		if (cipher_defs[i].id == encr)
			return cipher_defs[i].block;
	return 0;
}

size_t ike_encr_key_len(int encr, unsigned key_bits)
{
	switch (encr) {
	case IKE_ENCR_DES_CBC:
		return (key_bits == 0 || key_bits == 64) ? 8 : 0;
	case IKE_ENCR_3DES_CBC:
		return (key_bits == 0 || key_bits == 192) ? 24 : 0;
	case IKE_ENCR_AES_CBC:
		return (key_bits == 128 || key_bits == 192 || key_bits == 256) ? key_bits / 8 : 0;
	default:
		return 0;
	}
}

const char *ike_encr_name(int encr)
{
	for (size_t i = 0; i < N_CIPHER; i++)
		if (cipher_defs[i].id == encr)
			return cipher_defs[i].name;
	return "unknown";
}

/* ---- primitives ---------------------------------------------------------------- */

int ike_hash(int hash, const struct ike_chunk *v, size_t n, uint8_t *out)
{
	size_t idx;
	const struct hash_def *h = hash_def(hash, &idx);
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	int ok;

	if (!h || !out || (n && !v))
		return -EINVAL;
	if (ike_crypto_init() != 0)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex2(ctx, lib.md[idx], NULL) == 1;
	for (size_t i = 0; ok && i < n; i++)
		if (v[i].len)
			ok = v[i].p && EVP_DigestUpdate(ctx, v[i].p, v[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == h->len;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out, h->len);
		return -EIO;
	}
	return (int)h->len;
}

int ike_prf(int hash, const uint8_t *key, size_t key_len, const struct ike_chunk *v, size_t n, uint8_t *out)
{
	const struct hash_def *h = hash_def(hash, NULL);
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t len = 0;
	int ok;

	if (!h || !out || !key || key_len == 0 || (n && !v))
		return -EINVAL;
	if (ike_crypto_init() != 0)
		return -EIO;
	ctx = EVP_MAC_CTX_new(lib.hmac);
	if (!ctx)
		return -ENOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)h->ossl, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, key, key_len, params) == 1;
	for (size_t i = 0; ok && i < n; i++)
		if (v[i].len)
			ok = v[i].p && EVP_MAC_update(ctx, v[i].p, v[i].len) == 1;
	ok = ok && EVP_MAC_final(ctx, out, &len, h->len) == 1 && len == h->len;
	EVP_MAC_CTX_free(ctx); /* cleanses the keyed state */
	if (!ok) {
		OPENSSL_cleanse(out, h->len);
		return -EIO;
	}
	return (int)h->len;
}

bool ike_hash_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* The 4 weak and 12 semi-weak DES keys (FIPS 74 / Schneier, as RFC 2409
 * Appendix A refers to), with odd parity. */
static const uint8_t des_weak[16][8] = {
	{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01 }, { 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE },
	{ 0xE0, 0xE0, 0xE0, 0xE0, 0xF1, 0xF1, 0xF1, 0xF1 }, { 0x1F, 0x1F, 0x1F, 0x1F, 0x0E, 0x0E, 0x0E, 0x0E },
	{ 0x01, 0x1F, 0x01, 0x1F, 0x01, 0x0E, 0x01, 0x0E }, { 0x1F, 0x01, 0x1F, 0x01, 0x0E, 0x01, 0x0E, 0x01 },
	{ 0x01, 0xE0, 0x01, 0xE0, 0x01, 0xF1, 0x01, 0xF1 }, { 0xE0, 0x01, 0xE0, 0x01, 0xF1, 0x01, 0xF1, 0x01 },
	{ 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE }, { 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01, 0xFE, 0x01 },
	{ 0x1F, 0xE0, 0x1F, 0xE0, 0x0E, 0xF1, 0x0E, 0xF1 }, { 0xE0, 0x1F, 0xE0, 0x1F, 0xF1, 0x0E, 0xF1, 0x0E },
	{ 0x1F, 0xFE, 0x1F, 0xFE, 0x0E, 0xFE, 0x0E, 0xFE }, { 0xFE, 0x1F, 0xFE, 0x1F, 0xFE, 0x0E, 0xFE, 0x0E },
	{ 0xE0, 0xFE, 0xE0, 0xFE, 0xF1, 0xFE, 0xF1, 0xFE }, { 0xFE, 0xE0, 0xFE, 0xE0, 0xFE, 0xF1, 0xFE, 0xF1 },
};

/* Equal ignoring the parity (low) bit of each byte. */
static bool des_same(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;
	for (int i = 0; i < 8; i++)
		d |= (uint8_t)((a[i] ^ b[i]) & 0xFE);
	return d == 0;
}

bool ike_des_key_weak(const uint8_t key[8])
{
	for (size_t i = 0; i < 16; i++)
		if (des_same(key, des_weak[i]))
			return true;
	return false;
}

/* A DES key must not be weak; a 3DES key must have no weak part and no
 * two adjacent equal parts (which would reduce it to single DES). */
static bool encr_key_weak(int encr, const uint8_t *key)
{
	if (encr == IKE_ENCR_DES_CBC)
		return ike_des_key_weak(key);
	if (encr == IKE_ENCR_3DES_CBC)
		return ike_des_key_weak(key) || ike_des_key_weak(key + 8) || ike_des_key_weak(key + 16) ||
		       des_same(key, key + 8) || des_same(key + 8, key + 16);
	return false;
}

/* ---- phase 1 ------------------------------------------------------------------- */

int ike_skeyid_psk(int hash, const uint8_t *psk, size_t psk_len, const uint8_t *ni_b, size_t ni_len,
		   const uint8_t *nr_b, size_t nr_len, uint8_t *skeyid)
{
	const struct ike_chunk v[] = { { ni_b, ni_len }, { nr_b, nr_len } };
	if (!ni_b || !nr_b || ni_len == 0 || nr_len == 0)
		return -EINVAL;
	return ike_prf(hash, psk, psk_len, v, 2, skeyid);
}

int ike_skeyid_dae(int hash, const uint8_t *skeyid, const uint8_t *gxy, size_t gxy_len,
		   const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN], uint8_t *skeyid_d,
		   uint8_t *skeyid_a, uint8_t *skeyid_e)
{
	static const uint8_t zero = 0, one = 1, two = 2;
	size_t len = ike_hash_len(hash);
	int rc;

	if (len == 0 || !skeyid || !gxy || gxy_len == 0 || !cky_i || !cky_r || !skeyid_d || !skeyid_a || !skeyid_e)
		return -EINVAL;
	{
		const struct ike_chunk v[] = {
			{ gxy, gxy_len }, { cky_i, IKE_COOKIE_LEN }, { cky_r, IKE_COOKIE_LEN }, { &zero, 1 }
		};
		rc = ike_prf(hash, skeyid, len, v, 4, skeyid_d);
	}
	if (rc >= 0) {
		const struct ike_chunk v[] = { { skeyid_d, len }, { gxy, gxy_len }, { cky_i, IKE_COOKIE_LEN },
					       { cky_r, IKE_COOKIE_LEN }, { &one, 1 } };
		rc = ike_prf(hash, skeyid, len, v, 5, skeyid_a);
	}
	if (rc >= 0) {
		const struct ike_chunk v[] = { { skeyid_a, len }, { gxy, gxy_len }, { cky_i, IKE_COOKIE_LEN },
					       { cky_r, IKE_COOKIE_LEN }, { &two, 1 } };
		rc = ike_prf(hash, skeyid, len, v, 5, skeyid_e);
	}
	if (rc < 0) {
		OPENSSL_cleanse(skeyid_d, len);
		OPENSSL_cleanse(skeyid_a, len);
		OPENSSL_cleanse(skeyid_e, len);
		return rc;
	}
	return 0;
}

/* out[0..out_len) = K1 | K2 | ... with K1 = prf(key, seed),
 * Kn = prf(key, Kn-1 | seed) when chain_seed, else Kn = prf(key, Kn-1).
 * Shared by Appendix B (seed 0x00, no seed after K1) and KEYMAT (seed
 * repeated). */
static int prf_expand(int hash, const uint8_t *key, size_t key_len, const struct ike_chunk *seed, size_t nseed,
		      bool chain_seed, uint8_t *out, size_t out_len)
{
	size_t hlen = ike_hash_len(hash);
	uint8_t k[IKE_PRF_MAX];
	struct ike_chunk v[8];
	size_t done = 0;
	int rc = 0;

	if (hlen == 0 || !key || key_len == 0 || (nseed && !seed) || nseed + 1 > sizeof v / sizeof v[0] || !out ||
	    out_len == 0 || out_len > IKE_EXPAND_MAX)
		return -EINVAL;
	while (done < out_len) {
		size_t n = 0;
		if (done > 0)
			v[n++] = (struct ike_chunk){ k, hlen };
		if (done == 0 || chain_seed)
			for (size_t i = 0; i < nseed; i++)
				v[n++] = seed[i];
		rc = ike_prf(hash, key, key_len, v, n, k);
		if (rc < 0)
			break;
		size_t take = out_len - done < hlen ? out_len - done : hlen;
		memcpy(out + done, k, take);
		done += take;
	}
	OPENSSL_cleanse(k, sizeof k);
	if (rc < 0) {
		OPENSSL_cleanse(out, out_len);
		return rc;
	}
	return 0;
}

int ike_enc_key(int hash, const uint8_t *skeyid_e, size_t key_len, uint8_t *key)
{
	static const uint8_t zero = 0;
	const struct ike_chunk seed = { &zero, 1 };
	size_t hlen = ike_hash_len(hash);

	if (hlen == 0 || !skeyid_e || !key || key_len == 0 || key_len > IKE_EXPAND_MAX)
		return -EINVAL;
	if (key_len <= hlen) {
		memcpy(key, skeyid_e, key_len);
		return 0;
	}
	return prf_expand(hash, skeyid_e, hlen, &seed, 1, false, key, key_len);
}

int ike_phase1_iv(int hash, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr, size_t gxr_len,
		  size_t block_len, uint8_t *iv)
{
	const struct ike_chunk v[] = { { gxi, gxi_len }, { gxr, gxr_len } };
	uint8_t h[IKE_PRF_MAX];
	size_t hlen = ike_hash_len(hash);
	int rc;

	if (hlen == 0 || !gxi || !gxr || gxi_len == 0 || gxr_len == 0 || !iv || block_len == 0 || block_len > hlen)
		return -EINVAL;
	rc = ike_hash(hash, v, 2, h);
	if (rc >= 0)
		memcpy(iv, h, block_len);
	OPENSSL_cleanse(h, sizeof h);
	return rc < 0 ? rc : 0;
}

int ike_phase2_iv(int hash, const uint8_t *last_block, size_t block_len, const uint8_t msgid[IKE_MSGID_LEN],
		  uint8_t *iv)
{
	const struct ike_chunk v[] = { { last_block, block_len }, { msgid, IKE_MSGID_LEN } };
	uint8_t h[IKE_PRF_MAX];
	size_t hlen = ike_hash_len(hash);
	int rc;

	if (hlen == 0 || !last_block || !msgid || !iv || block_len == 0 || block_len > hlen)
		return -EINVAL;
	rc = ike_hash(hash, v, 2, h);
	if (rc >= 0)
		memcpy(iv, h, block_len);
	OPENSSL_cleanse(h, sizeof h);
	return rc < 0 ? rc : 0;
}

/* prf(SKEYID, g^xa | g^xb | CKY-A | CKY-B | SAi_b | ID_b) */
static int auth_hash(int hash, const uint8_t *skeyid, const uint8_t *ga, size_t ga_len, const uint8_t *gb,
		     size_t gb_len, const uint8_t *cka, const uint8_t *ckb, const uint8_t *sai_b, size_t sai_len,
		     const uint8_t *id_b, size_t id_len, uint8_t *out)
{
	size_t hlen = ike_hash_len(hash);
	const struct ike_chunk v[] = { { ga, ga_len },		 { gb, gb_len }, { cka, IKE_COOKIE_LEN },
				       { ckb, IKE_COOKIE_LEN }, { sai_b, sai_len }, { id_b, id_len } };

	if (hlen == 0 || !skeyid || !ga || !gb || !cka || !ckb || !sai_b || !id_b || ga_len == 0 || gb_len == 0 ||
	    sai_len == 0 || id_len == 0)
		return -EINVAL;
	return ike_prf(hash, skeyid, hlen, v, 6, out);
}

int ike_hash_i(int hash, const uint8_t *skeyid, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	       size_t gxr_len, const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN],
	       const uint8_t *sai_b, size_t sai_len, const uint8_t *idii_b, size_t idii_len, uint8_t *out)
{
	return auth_hash(hash, skeyid, gxi, gxi_len, gxr, gxr_len, cky_i, cky_r, sai_b, sai_len, idii_b, idii_len,
			 out);
}

int ike_hash_r(int hash, const uint8_t *skeyid, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	       size_t gxr_len, const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN],
	       const uint8_t *sai_b, size_t sai_len, const uint8_t *idir_b, size_t idir_len, uint8_t *out)
{
	return auth_hash(hash, skeyid, gxr, gxr_len, gxi, gxi_len, cky_r, cky_i, sai_b, sai_len, idir_b, idir_len,
			 out);
}

/* ---- quick mode, informational ------------------------------------------------------ */

int ike_qm_hash1(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *rest,
		 size_t rest_len, uint8_t *out)
{
	const struct ike_chunk v[] = { { msgid, IKE_MSGID_LEN }, { rest, rest_len } };
	size_t hlen = ike_hash_len(hash);

	if (hlen == 0 || !skeyid_a || !msgid || !rest || rest_len == 0)
		return -EINVAL;
	return ike_prf(hash, skeyid_a, hlen, v, 2, out);
}

int ike_info_hash(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *rest,
		  size_t rest_len, uint8_t *out)
{
	return ike_qm_hash1(hash, skeyid_a, msgid, rest, rest_len, out);
}

int ike_qm_hash2(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *ni_b,
		 size_t ni_len, const uint8_t *rest, size_t rest_len, uint8_t *out)
{
	const struct ike_chunk v[] = { { msgid, IKE_MSGID_LEN }, { ni_b, ni_len }, { rest, rest_len } };
	size_t hlen = ike_hash_len(hash);

	if (hlen == 0 || !skeyid_a || !msgid || !ni_b || ni_len == 0 || !rest || rest_len == 0)
		return -EINVAL;
	return ike_prf(hash, skeyid_a, hlen, v, 3, out);
}

int ike_qm_hash3(int hash, const uint8_t *skeyid_a, const uint8_t msgid[IKE_MSGID_LEN], const uint8_t *ni_b,
		 size_t ni_len, const uint8_t *nr_b, size_t nr_len, uint8_t *out)
{
	static const uint8_t zero = 0;
	const struct ike_chunk v[] = { { &zero, 1 }, { msgid, IKE_MSGID_LEN }, { ni_b, ni_len }, { nr_b, nr_len } };
	size_t hlen = ike_hash_len(hash);

	if (hlen == 0 || !skeyid_a || !msgid || !ni_b || ni_len == 0 || !nr_b || nr_len == 0)
		return -EINVAL;
	return ike_prf(hash, skeyid_a, hlen, v, 4, out);
}

int ike_keymat_expand(int hash, const uint8_t *key, size_t key_len, const struct ike_chunk *seed, size_t nseed,
		      uint8_t *out, size_t out_len)
{
	return prf_expand(hash, key, key_len, seed, nseed, true, out, out_len);
}

int ike_keymat(int hash, const uint8_t *skeyid_d, const uint8_t *gqm_xy, size_t gqm_len, uint8_t protocol,
	       const uint8_t *spi, size_t spi_len, const uint8_t *ni_b, size_t ni_len, const uint8_t *nr_b,
	       size_t nr_len, uint8_t *out, size_t out_len)
{
	size_t hlen = ike_hash_len(hash);
	struct ike_chunk seed[5];
	size_t n = 0;

	if (hlen == 0 || !skeyid_d || (gqm_len && !gqm_xy) || !spi || spi_len == 0 || !ni_b || ni_len == 0 ||
	    !nr_b || nr_len == 0 || !out || out_len == 0)
		return -EINVAL;
	if (gqm_len)
		seed[n++] = (struct ike_chunk){ gqm_xy, gqm_len };
	seed[n++] = (struct ike_chunk){ &protocol, 1 };
	seed[n++] = (struct ike_chunk){ spi, spi_len };
	seed[n++] = (struct ike_chunk){ ni_b, ni_len };
	seed[n++] = (struct ike_chunk){ nr_b, nr_len };
	return prf_expand(hash, skeyid_d, hlen, seed, n, true, out, out_len);
}

void ike_child_keys_wipe(struct ike_child_keys *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof *k);
}

static int child_one(int hash, const uint8_t *skeyid_d, const uint8_t *gqm_xy, size_t gqm_len, uint8_t protocol,
		     uint32_t spi, const uint8_t *ni_b, size_t ni_len, const uint8_t *nr_b, size_t nr_len,
		     size_t enc_len, size_t auth_len, struct ike_child_keys *k)
{
	uint8_t spi_b[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8), (uint8_t)spi };
	uint8_t km[IKE_ENC_KEY_MAX + IKE_AUTH_KEY_MAX];
	int rc;

	rc = ike_keymat(hash, skeyid_d, gqm_xy, gqm_len, protocol, spi_b, 4, ni_b, ni_len, nr_b, nr_len, km,
			enc_len + auth_len);
	if (rc == 0) {
		k->spi = spi;
		k->enc_len = enc_len;
		k->auth_len = auth_len;
		memcpy(k->enc, km, enc_len);
		memcpy(k->auth, km + enc_len, auth_len);
	}
	OPENSSL_cleanse(km, sizeof km);
	return rc;
}

int ike_child_keys_derive(int hash, const uint8_t *skeyid_d, const uint8_t *gqm_xy, size_t gqm_len,
			  uint8_t protocol, uint32_t spi_in, uint32_t spi_out, const uint8_t *ni_b, size_t ni_len,
			  const uint8_t *nr_b, size_t nr_len, size_t enc_len, size_t auth_len,
			  struct ike_child_keys *in, struct ike_child_keys *out)
{
	int rc;

	if (!in || !out || enc_len > IKE_ENC_KEY_MAX || auth_len > IKE_AUTH_KEY_MAX || enc_len + auth_len == 0)
		return -EINVAL;
	ike_child_keys_wipe(in);
	ike_child_keys_wipe(out);
	rc = child_one(hash, skeyid_d, gqm_xy, gqm_len, protocol, spi_in, ni_b, ni_len, nr_b, nr_len, enc_len,
		       auth_len, in);
	if (rc == 0)
		rc = child_one(hash, skeyid_d, gqm_xy, gqm_len, protocol, spi_out, ni_b, ni_len, nr_b, nr_len,
			       enc_len, auth_len, out);
	if (rc != 0) {
		ike_child_keys_wipe(in);
		ike_child_keys_wipe(out);
	}
	return rc;
}

/* ---- phase-1 payload encryption -------------------------------------------------------- */

/* CBC over buf[0..len) in place, len a multiple of the block.  0 or -errno. */
static int cbc_inplace(int encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *buf, size_t len,
		       int enc)
{
	size_t idx;
	const struct cipher_def *c = cipher_def(encr, key_len, &idx);
	EVP_CIPHER_CTX *ctx;
	int n = 0, m = 0, ok;

	if (!c || !key || len > (size_t)0x7fffffff)
		return -EINVAL;
	if (ike_crypto_init() != 0 || !lib.cipher[idx])
		return -EIO; /* DES without the legacy provider */
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_CipherInit_ex2(ctx, lib.cipher[idx], key, iv, enc, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) == 1 &&
	     EVP_CipherFinal_ex(ctx, buf + n, &m) == 1 && (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(ctx); /* cleanses the key schedule */
	return ok ? 0 : -EIO;
}

int ike_encrypt(int encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *next_iv,
		const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t blk = ike_encr_block_len(encr);
	uint8_t iv0[IKE_BLOCK_MAX];
	size_t padded;
	int rc;

	if (out_len)
		*out_len = 0;
	if (blk == 0 || !cipher_def(encr, key_len, NULL) || !iv || !in || in_len == 0 || !out || !out_len)
		return -EINVAL;
	padded = (in_len + blk - 1) / blk * blk;
	if (cap < padded)
		return -EMSGSIZE;
	memcpy(iv0, iv, blk);
	if (out != in)
		memmove(out, in, in_len);
	memset(out + in_len, 0, padded - in_len);
	rc = cbc_inplace(encr, key, key_len, iv0, out, padded, 1);
	if (rc != 0) {
		OPENSSL_cleanse(out, padded);
		return rc;
	}
	if (next_iv)
		memcpy(next_iv, out + padded - blk, blk);
	*out_len = padded;
	return 0;
}

int ike_decrypt(int encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *next_iv,
		const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	size_t blk = ike_encr_block_len(encr);
	uint8_t iv0[IKE_BLOCK_MAX], last[IKE_BLOCK_MAX];
	int rc;

	if (blk == 0 || !cipher_def(encr, key_len, NULL) || !iv || !in || !out)
		return -EINVAL;
	if (in_len == 0 || in_len % blk != 0)
		return -EBADMSG;
	if (cap < in_len)
		return -EMSGSIZE;
	memcpy(iv0, iv, blk);
	memcpy(last, in + in_len - blk, blk); /* before an in-place decryption overwrites it */
	if (out != in)
		memmove(out, in, in_len);
	rc = cbc_inplace(encr, key, key_len, iv0, out, in_len, 0);
	if (rc != 0) {
		OPENSSL_cleanse(out, in_len);
		return rc;
	}
	if (next_iv)
		memcpy(next_iv, last, blk);
	return (int)in_len;
}

/* ---- ISAKMP SA secrets ---------------------------------------------------------------- */

int ike_keys_new(struct ike_keys **out, int hash, int encr, unsigned key_bits)
{
	struct ike_keys *k;
	size_t hlen = ike_hash_len(hash), klen = ike_encr_key_len(encr, key_bits);

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (hlen == 0 || klen == 0)
		return -EINVAL;
	k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->hash = hash;
	k->encr = encr;
	k->prf_len = hlen;
	k->key_len = klen;
	k->block_len = ike_encr_block_len(encr);
	*out = k;
	return 0;
}

static void keys_wipe_secrets(struct ike_keys *k)
{
	OPENSSL_cleanse(k->skeyid, sizeof k->skeyid);
	OPENSSL_cleanse(k->skeyid_d, sizeof k->skeyid_d);
	OPENSSL_cleanse(k->skeyid_a, sizeof k->skeyid_a);
	OPENSSL_cleanse(k->skeyid_e, sizeof k->skeyid_e);
	OPENSSL_cleanse(k->enc_key, sizeof k->enc_key);
	OPENSSL_cleanse(k->iv, sizeof k->iv);
}

void ike_keys_free(struct ike_keys *k)
{
	if (!k)
		return;
	ike_dh_free(k->dh);
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

int ike_keys_derive_psk(struct ike_keys *k, bool initiator, const uint8_t *psk, size_t psk_len,
			const uint8_t *ni_b, size_t ni_len, const uint8_t *nr_b, size_t nr_len,
			const uint8_t *peer_pub, size_t peer_len, const uint8_t cky_i[IKE_COOKIE_LEN],
			const uint8_t cky_r[IKE_COOKIE_LEN])
{
	uint8_t gxy[IKE_DH_MAX_LEN], mine[IKE_DH_MAX_LEN];
	const uint8_t *gxi, *gxr;
	int glen, rc;

	if (!k || !k->dh || !psk || psk_len == 0 || !ni_b || !nr_b || !cky_i || !cky_r)
		return -EINVAL;
	keys_wipe_secrets(k);
	glen = ike_dh_shared(k->dh, peer_pub, peer_len, gxy, sizeof gxy);
	if (glen < 0)
		return glen;
	rc = ike_dh_public(k->dh, mine, sizeof mine);
	if (rc < 0)
		goto out;
	gxi = initiator ? mine : peer_pub;
	gxr = initiator ? peer_pub : mine;
	rc = ike_skeyid_psk(k->hash, psk, psk_len, ni_b, ni_len, nr_b, nr_len, k->skeyid);
	if (rc < 0)
		goto out;
	rc = ike_skeyid_dae(k->hash, k->skeyid, gxy, (size_t)glen, cky_i, cky_r, k->skeyid_d, k->skeyid_a,
			    k->skeyid_e);
	if (rc < 0)
		goto out;
	rc = ike_enc_key(k->hash, k->skeyid_e, k->key_len, k->enc_key);
	if (rc < 0)
		goto out;
	if (encr_key_weak(k->encr, k->enc_key)) {
		rc = -EKEYREJECTED;
		goto out;
	}
	rc = ike_phase1_iv(k->hash, gxi, (size_t)glen, gxr, (size_t)glen, k->block_len, k->iv);
out:
	OPENSSL_cleanse(gxy, sizeof gxy);
	if (rc < 0) {
		keys_wipe_secrets(k);
		return rc;
	}
	return 0;
}

/* ---- test-oracle export ------------------------------------------------------------------ */

static int put_hex(char *buf, size_t cap, size_t *pos, const char *name, const uint8_t *v, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	size_t need = strlen(name) + 1 + 2 * n + 1;

	if (*pos + need + 1 > cap)
		return -EMSGSIZE;
	*pos += (size_t)snprintf(buf + *pos, cap - *pos, "%s=", name);
	for (size_t i = 0; i < n; i++) {
		buf[(*pos)++] = hexd[v[i] >> 4];
		buf[(*pos)++] = hexd[v[i] & 15];
	}
	buf[(*pos)++] = '\n';
	buf[*pos] = '\0';
	return 0;
}

int ike_keys_export_hex(const struct ike_keys *k, char *buf, size_t cap)
{
	size_t pos = 0;
	int rc;

	if (!k || !buf || cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	rc = put_hex(buf, cap, &pos, "SKEYID", k->skeyid, k->prf_len);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "SKEYID_d", k->skeyid_d, k->prf_len);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "SKEYID_a", k->skeyid_a, k->prf_len);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "SKEYID_e", k->skeyid_e, k->prf_len);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "ENC_KEY", k->enc_key, k->key_len);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "IV", k->iv, k->block_len);
	if (rc != 0) {
		OPENSSL_cleanse(buf, cap);
		buf[0] = '\0';
		return rc;
	}
	return (int)pos;
}

int ike_child_keys_export_hex(const struct ike_child_keys *k, char *buf, size_t cap)
{
	uint8_t spi_b[4];
	size_t pos = 0;
	int rc;

	if (!k || !buf || cap == 0 || k->enc_len > IKE_ENC_KEY_MAX || k->auth_len > IKE_AUTH_KEY_MAX)
		return -EINVAL;
	buf[0] = '\0';
	spi_b[0] = (uint8_t)(k->spi >> 24);
	spi_b[1] = (uint8_t)(k->spi >> 16);
	spi_b[2] = (uint8_t)(k->spi >> 8);
	spi_b[3] = (uint8_t)k->spi;
	rc = put_hex(buf, cap, &pos, "SPI", spi_b, 4);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "ENC", k->enc, k->enc_len);
	if (rc == 0)
		rc = put_hex(buf, cap, &pos, "AUTH", k->auth, k->auth_len);
	if (rc != 0) {
		OPENSSL_cleanse(buf, cap);
		buf[0] = '\0';
		return rc;
	}
	return (int)pos;
}
