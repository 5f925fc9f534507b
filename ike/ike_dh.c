/*
 * MODP Diffie-Hellman for IKEv1 (groups 1, 2, 5, 14).  See ike_dh.h.
 *
 * The primes are the RFCs' hexadecimal values (RFC 2409 §6.1 and §6.2,
 * RFC 3526 §2 and §3); the unit test compares them with OpenSSL's own
 * copies (BN_get_rfc2409_prime_*, BN_get_rfc3526_prime_*) and checks that
 * p and (p-1)/2 are prime.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "ike_dh.h"

struct dh_group_def {
	int id;
	size_t len; /* bytes */
	const char *name;
	const char *prime_hex;
};

static const struct dh_group_def dh_groups[] = {
	{ IKE_DH_GROUP1, 96, "768-bit MODP",
	  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	  "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	  "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF" },
	{ IKE_DH_GROUP2, 128, "1024-bit MODP",
	  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	  "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	  "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF" },
	{ IKE_DH_GROUP5, 192, "1536-bit MODP",
	  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	  "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	  "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	  "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	  "9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF" },
	{ IKE_DH_GROUP14, 256, "2048-bit MODP",
	  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	  "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	  "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	  "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	  "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	  "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	  "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF" },
};

#define DH_GENERATOR 2

struct ike_dh {
	const struct dh_group_def *g;
	BIGNUM *x;                    /* private exponent, secure heap, consttime */
	uint8_t pub[IKE_DH_MAX_LEN]; /* g^x, left-padded to g->len */
};

static const struct dh_group_def *group_def(int group)
{
	for (size_t i = 0; i < sizeof dh_groups / sizeof dh_groups[0]; i++)
		if (dh_groups[i].id == group)
			return &dh_groups[i];
	return NULL;
}

size_t ike_dh_group_len(int group)
{
	const struct dh_group_def *g = group_def(group);
	return g ? g->len : 0;
}

const char *ike_dh_group_prime_hex(int group)
{
	const struct dh_group_def *g = group_def(group);
	return g ? g->prime_hex : NULL;
}

const char *ike_dh_group_name(int group)
{
	const struct dh_group_def *g = group_def(group);
	return g ? g->name : "unknown";
}

int ike_dh_group(const ike_dh *dh)
{
	return dh ? dh->g->id : 0;
}

/* p as a BIGNUM; NULL on allocation failure. */
static BIGNUM *group_prime(const struct dh_group_def *g)
{
	BIGNUM *p = NULL;
	if (BN_hex2bn(&p, g->prime_hex) == 0)
		return NULL;
	return p;
}

/* r = base^x mod p with the constant-time ladder.  1 on success. */
static int modexp(BIGNUM *r, const BIGNUM *base, const BIGNUM *x, const BIGNUM *p, BN_CTX *ctx)
{
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	int ok = mont != NULL && BN_MONT_CTX_set(mont, p, ctx) == 1 &&
		 BN_mod_exp_mont_consttime(r, base, x, p, ctx, mont) == 1;
	BN_MONT_CTX_free(mont);
	return ok;
}

/* Compute dh->pub from dh->x.  0 or -EIO/-ENOMEM. */
static int compute_public(ike_dh *dh)
{
	int rc = -ENOMEM;
	BN_CTX *ctx = BN_CTX_secure_new();
	BIGNUM *p = group_prime(dh->g);
	BIGNUM *gen = BN_new();
	BIGNUM *y = BN_new();

	if (!ctx || !p || !gen || !y)
		goto out;
	rc = -EIO;
	if (BN_set_word(gen, DH_GENERATOR) != 1 || !modexp(y, gen, dh->x, p, ctx))
		goto out;
	if (BN_bn2binpad(y, dh->pub, (int)dh->g->len) != (int)dh->g->len)
		goto out;
	rc = 0;
out:
	BN_free(y);
	BN_free(gen);
	BN_free(p);
	BN_CTX_free(ctx);
	return rc;
}

static ike_dh *dh_alloc(const struct dh_group_def *g)
{
	ike_dh *dh = calloc(1, sizeof *dh);
	if (!dh)
		return NULL;
	dh->g = g;
	dh->x = BN_secure_new();
	if (!dh->x) {
		free(dh);
		return NULL;
	}
	BN_set_flags(dh->x, BN_FLG_CONSTTIME);
	return dh;
}

void ike_dh_free(ike_dh *dh)
{
	if (!dh)
		return;
	BN_clear_free(dh->x);
	OPENSSL_cleanse(dh, sizeof *dh);
	free(dh);
}

int ike_dh_new(ike_dh **out, int group)
{
	const struct dh_group_def *g = group_def(group);
	BIGNUM *p = NULL, *range = NULL;
	ike_dh *dh = NULL;
	int rc = -EINVAL;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!g)
		goto fail;
	rc = -ENOMEM;
	dh = dh_alloc(g);
	p = group_prime(g);
	range = BN_new();
	if (!dh || !p || !range)
		goto fail;
	/* x uniform in [2, p-2]: draw from [0, p-4] and add 2. */
	rc = -EIO;
	if (BN_copy(range, p) == NULL || BN_sub_word(range, 3) != 1 || BN_priv_rand_range(dh->x, range) != 1 ||
	    BN_add_word(dh->x, 2) != 1)
		goto fail;
	rc = compute_public(dh);
	if (rc != 0)
		goto fail;
	BN_free(range);
	BN_free(p);
	*out = dh;
	return 0;
fail:
	BN_free(range);
	BN_free(p);
	ike_dh_free(dh);
	return rc;
}

int ike_dh_new_from_private(ike_dh **out, int group, const uint8_t *x, size_t xlen)
{
	const struct dh_group_def *g = group_def(group);
	BIGNUM *p = NULL;
	ike_dh *dh = NULL;
	int rc = -EINVAL;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!g || !x || xlen == 0 || xlen > g->len)
		goto fail;
	rc = -ENOMEM;
	dh = dh_alloc(g);
	p = group_prime(g);
	if (!dh || !p)
		goto fail;
	if (!BN_bin2bn(x, (int)xlen, dh->x))
		goto fail;
	/* 2 <= x <= p-2 */
	if (BN_sub_word(p, 2) != 1)
		goto fail;
	rc = -EINVAL;
	if (BN_cmp(dh->x, BN_value_one()) <= 0 || BN_cmp(dh->x, p) > 0)
		goto fail;
	rc = compute_public(dh);
	if (rc != 0)
		goto fail;
	BN_free(p);
	*out = dh;
	return 0;
fail:
	BN_free(p);
	ike_dh_free(dh);
	return rc;
}

int ike_dh_public(const ike_dh *dh, uint8_t *out, size_t cap)
{
	if (!dh || !out || cap < dh->g->len)
		return -EINVAL;
	memcpy(out, dh->pub, dh->g->len);
	return (int)dh->g->len;
}

/* Parse and range-check y; on success *yp owns the value.  0, -ERANGE,
 * -EINVAL, -ENOMEM. */
static int peer_value(const struct dh_group_def *g, const BIGNUM *p, const uint8_t *y, size_t ylen, BIGNUM **yp)
{
	BIGNUM *v, *pm1;
	int rc;

	*yp = NULL;
	if (!y || ylen != g->len)
		return -ERANGE;
	v = BN_bin2bn(y, (int)ylen, NULL);
	pm1 = BN_dup(p);
	if (!v || !pm1 || BN_sub_word(pm1, 1) != 1) {
		BN_free(v);
		BN_free(pm1);
		return -ENOMEM;
	}
	rc = (BN_cmp(v, BN_value_one()) > 0 && BN_cmp(v, pm1) < 0) ? 0 : -ERANGE;
	BN_free(pm1);
	if (rc == 0)
		*yp = v;
	else
		BN_free(v);
	return rc;
}

int ike_dh_check_peer(int group, const uint8_t *y, size_t ylen)
{
	const struct dh_group_def *g = group_def(group);
	BIGNUM *p, *v = NULL;
	int rc;

	if (!g)
		return -EINVAL;
	p = group_prime(g);
	if (!p)
		return -ENOMEM;
	rc = peer_value(g, p, y, ylen, &v);
	BN_free(v);
	BN_free(p);
	return rc;
}

int ike_dh_shared(const ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t cap)
{
	BN_CTX *ctx = NULL;
	BIGNUM *p = NULL, *y = NULL, *z = NULL;
	int rc = -EINVAL;

	if (!dh || !out || cap < dh->g->len)
		return -EINVAL;
	memset(out, 0, dh->g->len);
	rc = -ENOMEM;
	ctx = BN_CTX_secure_new();
	p = group_prime(dh->g);
	z = BN_secure_new();
	if (!ctx || !p || !z)
		goto out;
	rc = peer_value(dh->g, p, peer, peer_len, &y);
	if (rc != 0)
		goto out;
	rc = -EIO;
	if (!modexp(z, y, dh->x, p, ctx))
		goto out;
	if (BN_bn2binpad(z, out, (int)dh->g->len) != (int)dh->g->len)
		goto out;
	rc = (int)dh->g->len;
out:
	if (rc < 0)
		OPENSSL_cleanse(out, dh->g->len);
	BN_clear_free(z);
	BN_free(y);
	BN_free(p);
	BN_CTX_free(ctx);
	return rc;
}
