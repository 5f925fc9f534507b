/*
 * Engine "sw": ESP on OpenSSL 3 EVP, written from docs/esp-semantics.md
 * independently of the hls/ golden model (tests compare the two byte for
 * byte).  Synchronous: submit() transforms each request at once and queues
 * its completion (driver/sync_engine.h); poll() hands them back in order.
 *
 * Ownership: open() allocates one struct sw_dev holding a private OpenSSL
 * library context (providers "default" and "legacy" — the latter for single
 * DES — loaded into it for as long as the device is open), the algorithms
 * fetched once, the SA slots and the completion queue; close() frees it all.
 * Each slot owns a keyed EVP_CIPHER_CTX (padding off; per packet only the IV
 * is reset) and the HMAC inner/outer digest states after absorbing
 * key^ipad / key^opad (per packet they are copied into one scratch context).
 * The slot keeps its own SA copy with the key bytes wiped as soon as the
 * contexts are keyed; the contexts are freed (OpenSSL cleanses them) on
 * sa_clear, on sa_write before replacement, and on close.
 *
 * Errors: open returns -ENOMEM, -EINVAL (bad depth) or -EIO (provider or
 * algorithm missing) with a reason in `why`; sa_write returns -EINVAL for an
 * SA this engine cannot key, -ENOMEM, -EIO; sa_clear/sa_read_state return
 * -EINVAL (slot out of range) or -ENOENT (empty slot).  Per-packet problems
 * are completion statuses; an OpenSSL failure inside a packet is DEVICE.
 *
 * Where the semantics page leaves room, this engine does (see the report of
 * the engine's author; the equivalence test pins these down):
 *  - ENCAP completions carry the SA's SPI once the op matched the SA's
 *    direction; BAD_REQUEST completions carry SPI 0 (as the model does).
 *  - ENCAP `seq` is reported once assigned (after the SEQ_OVERFLOW check),
 *    also when TOO_BIG follows and the number is not consumed.
 *  - DECAP `spi` and `seq` are both reported once the ESP region passed its
 *    length check (so a SPI mismatch reports the packet's SPI and sequence).
 *  - The replay bitmap is maintained for window 0 as for any window; bit d is
 *    set only if d < REPLAY_MAX.
 *  - For UDP encapsulation the non-ESP marker check reads four bytes only if
 *    the UDP payload has them; a shorter payload fails the ESP length check.
 *  - `flags` is filled in on every completion for a non-empty slot.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "espfab_engine.h"
#include "sync_engine.h"

enum sw_cipher_idx { SW_DES, SW_3DES, SW_AES128, SW_AES192, SW_AES256, SW_CIPHERS };
enum sw_md_idx { SW_MD5, SW_SHA1, SW_MDS };

static const char *const sw_cipher_names[SW_CIPHERS] = {
	"DES-CBC", "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
};
static const char *const sw_md_names[SW_MDS] = { "MD5", "SHA1" };

struct sw_slot {
	bool used;
	uint8_t blk;          /* cipher block = IV length */
	espfab_sa_t sa;       /* key bytes wiped once the contexts are keyed */
	espfab_sa_state_t st;
	EVP_CIPHER_CTX *cctx; /* keyed for the SA's direction, padding off */
	EVP_MD_CTX *ictx;     /* hash state after key ^ ipad */
	EVP_MD_CTX *octx;     /* hash state after key ^ opad */
};

struct sw_dev {
	OSSL_LIB_CTX *lib;
	OSSL_PROVIDER *prov_default;
	OSSL_PROVIDER *prov_legacy;
	EVP_CIPHER *cipher[SW_CIPHERS];
	EVP_MD *md[SW_MDS];
	EVP_MD_CTX *work; /* per-packet HMAC scratch */
	uint32_t nslots;
	struct sw_slot *slots;
	struct sync_queue q;
	uint8_t scratch[ESPFAB_MAX_FRAME]; /* plaintext when out_cap is too small */
};

/* ---- byte helpers ---------------------------------------------------- */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Write the IPv4 header checksum of the hlen-byte header at h. */
static void ip_set_checksum(uint8_t *h, unsigned hlen)
{
	uint32_t sum = 0;
	h[10] = h[11] = 0;
	for (unsigned i = 0; i + 1 < hlen; i += 2)
		sum += rd16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(h + 10, (uint16_t)~sum);
}

/* IPv4 header checks shared by both directions (doc: "IPv4 header checks").
 * On OK *tot and *hl receive the total length and header length. */
static uint8_t ip_check(const uint8_t *p, unsigned len, unsigned *tot, unsigned *hl)
{
	if (len < 20)
		return ESPFAB_STATUS_LENGTH;
	if (p[0] >> 4 != 4)
		return ESPFAB_STATUS_PROTO;
	unsigned h = (p[0] & 0x0fu) * 4u;
	unsigned t = rd16(p + 2);
	if (h < 20 || t < h || t > len)
		return ESPFAB_STATUS_LENGTH;
	*tot = t;
	*hl = h;
	return ESPFAB_STATUS_OK;
}

/* ---- crypto ------------------------------------------------------------ */

/* HMAC-96 of data[0..len) with the slot's precomputed states. */
static int sw_icv(struct sw_dev *d, const struct sw_slot *s, const uint8_t *data, size_t len,
		  uint8_t icv[ESPFAB_ICV_LEN])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int ok = EVP_MD_CTX_copy_ex(d->work, s->ictx) && EVP_DigestUpdate(d->work, data, len) &&
		 EVP_DigestFinal_ex(d->work, md, &mdlen) && EVP_MD_CTX_copy_ex(d->work, s->octx) &&
		 EVP_DigestUpdate(d->work, md, mdlen) && EVP_DigestFinal_ex(d->work, md, &mdlen) &&
		 mdlen >= ESPFAB_ICV_LEN;
	if (ok)
		memcpy(icv, md, ESPFAB_ICV_LEN);
	return ok ? 0 : -1;
}

/* CBC over len bytes (a multiple of the block) from in to out (may be equal)
 * with the slot's key, direction fixed at sa_write, and this iv. */
static int sw_cbc(const struct sw_slot *s, const uint8_t *iv, const uint8_t *in, uint8_t *out, int len)
{
	int outl = 0;
	if (!EVP_CipherInit_ex(s->cctx, NULL, NULL, NULL, iv, -1))
		return -1;
	if (!EVP_CipherUpdate(s->cctx, out, &outl, in, len) || outl != len)
		return -1;
	return 0;
}

/* ---- replay window ------------------------------------------------------ */

static bool replay_bit(const uint32_t *w, uint32_t d)
{
	return d < ESPFAB_REPLAY_MAX && (w[d / 32] >> (d % 32) & 1u);
}

static void replay_set(uint32_t *w, uint32_t d)
{
	if (d < ESPFAB_REPLAY_MAX)
		w[d / 32] |= 1u << (d % 32);
}

/* Shift the REPLAY_MAX-bit map towards higher bit numbers by n. */
static void replay_shift(uint32_t *w, uint32_t n)
{
	if (n >= ESPFAB_REPLAY_MAX) {
		memset(w, 0, ESPFAB_REPLAY_WORDS * sizeof *w);
		return;
	}
	unsigned ws = n / 32, bs = n % 32;
	for (int i = ESPFAB_REPLAY_WORDS - 1; i >= 0; i--) {
		int src = i - (int)ws;
		uint32_t v = 0;
		if (src >= 0) {
			v = w[src] << bs;
			if (bs && src >= 1)
				v |= w[src - 1] >> (32 - bs);
		}
		w[i] = v;
	}
}

/* ---- outbound ---------------------------------------------------------- */

static uint8_t sw_encap(struct sw_dev *d, struct sw_slot *s, const espfab_req_t *r, espfab_cpl_t *c)
{
	const espfab_sa_t *sa = &s->sa;
	const uint8_t *in = (const uint8_t *)(uintptr_t)r->in_addr;
	uint8_t *out = (uint8_t *)(uintptr_t)r->out_addr;
	unsigned tot, hl;
	uint8_t st = ip_check(in, r->in_len, &tot, &hl);
	if (st != ESPFAB_STATUS_OK)
		return st;
	if (s->st.seq == UINT32_MAX)
		return ESPFAB_STATUS_SEQ_OVERFLOW;
	uint32_t seq = s->st.seq + 1;
	c->seq = seq;

	bool tunnel = sa->mode == ESPFAB_MODE_TUNNEL;
	bool udp = sa->encap == ESPFAB_ENCAP_UDP;
	const uint8_t *pl = tunnel ? in : in + hl;
	unsigned plen = tunnel ? tot : tot - hl;
	uint8_t nh = tunnel ? 4 : in[9];
	unsigned B = s->blk;
	unsigned pad = (B - (plen + 2) % B) % B;
	unsigned ctlen = plen + pad + 2;
	unsigned iphl = tunnel ? 20 : hl;
	unsigned prefix = iphl + (udp ? 8 : 0);
	unsigned esplen = 8 + B + ctlen + ESPFAB_ICV_LEN;
	unsigned outlen = prefix + esplen;
	if (outlen > r->out_cap || outlen > ESPFAB_MAX_FRAME)
		return ESPFAB_STATUS_TOO_BIG;

	uint8_t *esp = out + prefix;
	uint8_t *ct = esp + 8 + B;
	wr32(esp, sa->spi);
	wr32(esp + 4, seq);
	memcpy(esp + 8, r->iv, B);
	memcpy(ct, pl, plen);
	for (unsigned i = 0; i < pad; i++)
		ct[plen + i] = (uint8_t)(i + 1);
	ct[plen + pad] = (uint8_t)pad;
	ct[plen + pad + 1] = nh;
	if (sw_cbc(s, r->iv, ct, ct, (int)ctlen) != 0 || sw_icv(d, s, esp, 8 + B + ctlen, ct + ctlen) != 0)
		return ESPFAB_STATUS_DEVICE;

	if (udp) {
		uint8_t *u = out + iphl;
		wr16(u, sa->sport);
		wr16(u + 2, sa->dport);
		wr16(u + 4, (uint16_t)(8 + esplen));
		wr16(u + 6, 0);
	}
	if (tunnel) {
		out[0] = 0x45;
		out[1] = in[1];
		wr16(out + 4, (uint16_t)(seq & 0xffff));
		out[6] = in[6] & 0x40;
		out[7] = 0;
		out[8] = sa->ttl ? sa->ttl : 64;
		wr32(out + 12, sa->tun_src);
		wr32(out + 16, sa->tun_dst);
	} else {
		memcpy(out, in, hl);
	}
	out[9] = udp ? 17 : 50;
	wr16(out + 2, (uint16_t)outlen);
	ip_set_checksum(out, iphl);

	s->st.seq = seq;
	s->st.bytes += tot;
	c->out_len = (uint16_t)outlen;
	return ESPFAB_STATUS_OK;
}

/* ---- inbound ----------------------------------------------------------- */

/* Inner IPv4 header of a tunnel-mode payload; every failure is PROTO. */
static uint8_t inner_check(const uint8_t *p, unsigned len, unsigned *tot)
{
	if (len < 20 || p[0] >> 4 != 4)
		return ESPFAB_STATUS_PROTO;
	unsigned h = (p[0] & 0x0fu) * 4u;
	unsigned t = rd16(p + 2);
	if (h < 20 || t < h || t > len)
		return ESPFAB_STATUS_PROTO;
	*tot = t;
	return ESPFAB_STATUS_OK;
}

static uint8_t sw_decap(struct sw_dev *d, struct sw_slot *s, const espfab_req_t *r, espfab_cpl_t *c)
{
	const espfab_sa_t *sa = &s->sa;
	const uint8_t *in = (const uint8_t *)(uintptr_t)r->in_addr;
	uint8_t *out = (uint8_t *)(uintptr_t)r->out_addr;
	unsigned tot, hl;
	uint8_t st = ip_check(in, r->in_len, &tot, &hl);
	if (st != ESPFAB_STATUS_OK)
		return st;
	bool udp = sa->encap == ESPFAB_ENCAP_UDP;
	if (in[9] != (udp ? 17 : 50))
		return ESPFAB_STATUS_PROTO;
	const uint8_t *esp = in + hl;
	unsigned L = tot - hl;
	if (udp) {
		if (L < 8 || rd16(esp + 4) != L)
			return ESPFAB_STATUS_LENGTH;
		esp += 8;
		L -= 8;
		if (L >= 4 && rd32(esp) == 0)
			return ESPFAB_STATUS_PROTO;
	}
	unsigned B = s->blk;
	if (L < 8 + 2 * B + ESPFAB_ICV_LEN || (L - 8 - B - ESPFAB_ICV_LEN) % B != 0)
		return ESPFAB_STATUS_LENGTH;
	uint32_t spi = rd32(esp), seq = rd32(esp + 4);
	c->spi = spi;
	c->seq = seq;
	if (spi != sa->spi)
		return ESPFAB_STATUS_NO_SA;
	if (seq == 0)
		return ESPFAB_STATUS_WINDOW;
	uint32_t top = s->st.seq;
	if (sa->replay_window != 0 && seq <= top) {
		uint32_t dist = top - seq;
		if (dist >= sa->replay_window)
			return ESPFAB_STATUS_WINDOW;
		if (replay_bit(s->st.replay, dist))
			return ESPFAB_STATUS_REPLAY;
	}
	unsigned ctlen = L - 8 - B - ESPFAB_ICV_LEN;
	uint8_t icv[ESPFAB_ICV_LEN];
	if (sw_icv(d, s, esp, 8 + B + ctlen, icv) != 0)
		return ESPFAB_STATUS_DEVICE;
	if (CRYPTO_memcmp(icv, esp + 8 + B + ctlen, ESPFAB_ICV_LEN) != 0)
		return ESPFAB_STATUS_AUTH;
	if (seq > top) {
		replay_shift(s->st.replay, seq - top);
		replay_set(s->st.replay, 0);
		s->st.seq = seq;
	} else {
		replay_set(s->st.replay, top - seq);
	}

	bool tunnel = sa->mode == ESPFAB_MODE_TUNNEL;
	unsigned prefix = tunnel ? 0 : hl;
	uint8_t *pt = (unsigned)r->out_cap >= prefix + ctlen ? out + prefix : d->scratch;
	if (sw_cbc(s, esp + 8, esp + 8 + B, pt, (int)ctlen) != 0)
		return ESPFAB_STATUS_DEVICE;
	unsigned pad = pt[ctlen - 2];
	uint8_t nh = pt[ctlen - 1];
	if (pad + 2 > ctlen)
		return ESPFAB_STATUS_PAD;
	unsigned plen = ctlen - pad - 2;
	for (unsigned i = 0; i < pad; i++)
		if (pt[plen + i] != (uint8_t)(i + 1))
			return ESPFAB_STATUS_PAD;

	unsigned outlen;
	if (tunnel) {
		if (nh != 4)
			return ESPFAB_STATUS_PROTO;
		st = inner_check(pt, plen, &outlen);
		if (st != ESPFAB_STATUS_OK)
			return st;
		if (outlen > r->out_cap)
			return ESPFAB_STATUS_TOO_BIG;
		if (pt != out)
			memcpy(out, pt, outlen);
	} else {
		outlen = hl + plen;
		if (outlen > r->out_cap)
			return ESPFAB_STATUS_TOO_BIG;
		if (pt != out + hl)
			memcpy(out + hl, pt, plen);
		memcpy(out, in, hl);
		out[9] = nh;
		wr16(out + 2, (uint16_t)outlen);
		ip_set_checksum(out, hl);
	}
	s->st.bytes += outlen;
	c->out_len = (uint16_t)outlen;
	return ESPFAB_STATUS_OK;
}

/* ---- one request ------------------------------------------------------- */

static void sw_process(struct sw_dev *d, const espfab_req_t *r, espfab_cpl_t *c)
{
	memset(c, 0, sizeof *c);
	c->cookie = r->cookie;
	c->slot = r->slot;
	if (r->slot >= d->nslots || !d->slots[r->slot].used) {
		c->status = ESPFAB_STATUS_NO_SA;
		return;
	}
	struct sw_slot *s = &d->slots[r->slot];
	const espfab_sa_t *sa = &s->sa;
	uint8_t st;
	bool encap = r->op == ESPFAB_OP_ENCAP && sa->dir == ESPFAB_DIR_OUT;
	bool decap = r->op == ESPFAB_OP_DECAP && sa->dir == ESPFAB_DIR_IN;
	if (encap)
		c->spi = sa->spi;
	if (!encap && !decap)
		st = ESPFAB_STATUS_BAD_REQUEST;
	else if (r->in_len > ESPFAB_MAX_FRAME)
		st = ESPFAB_STATUS_TOO_BIG;
	else if (s->st.hard_expired)
		st = ESPFAB_STATUS_LIFETIME;
	else if (encap)
		st = sw_encap(d, s, r, c);
	else
		st = sw_decap(d, s, r, c);

	if (st == ESPFAB_STATUS_OK) {
		if (sa->life_soft_kb && s->st.bytes >= (uint64_t)sa->life_soft_kb * 1024)
			s->st.soft_expired = 1;
		if (sa->life_hard_kb && s->st.bytes >= (uint64_t)sa->life_hard_kb * 1024)
			s->st.hard_expired = 1;
	} else {
		c->out_len = 0;
	}
	s->st.count[st] += 1;
	c->status = st;
	c->flags = (uint8_t)((s->st.soft_expired ? 1u << ESPFAB_CPLFLAG_SOFT_EXPIRED : 0) |
			     (s->st.hard_expired ? 1u << ESPFAB_CPLFLAG_HARD_EXPIRED : 0));
}

/* ---- SA slots ---------------------------------------------------------- */

static void slot_free_ctx(struct sw_slot *s)
{
	EVP_CIPHER_CTX_free(s->cctx); /* cleanses the key schedule */
	EVP_MD_CTX_free(s->ictx);     /* digest contexts are freed cleared */
	EVP_MD_CTX_free(s->octx);
	s->cctx = NULL;
	s->ictx = s->octx = NULL;
}

static int pick_cipher(const espfab_sa_t *sa, unsigned *idx, uint8_t *blk)
{
	switch (sa->cipher) {
	case ESPFAB_CIPHER_DES:
		*idx = SW_DES;
		*blk = 8;
		return sa->enc_key_len == 8 ? 0 : -EINVAL;
	case ESPFAB_CIPHER_3DES:
		*idx = SW_3DES;
		*blk = 8;
		return sa->enc_key_len == 24 ? 0 : -EINVAL;
	case ESPFAB_CIPHER_AES:
		*blk = 16;
		switch (sa->enc_key_len) {
		case 16: *idx = SW_AES128; return 0;
		case 24: *idx = SW_AES192; return 0;
		case 32: *idx = SW_AES256; return 0;
		default: return -EINVAL;
		}
	default:
		return -EINVAL;
	}
}

/* Key fresh contexts for sa into *s (cctx/ictx/octx); on failure none are
 * left allocated. */
static int slot_key(struct sw_dev *d, const espfab_sa_t *sa, struct sw_slot *s)
{
	unsigned ci, mi;
	uint8_t ipad[128], opad[128];
	int rc = pick_cipher(sa, &ci, &s->blk);
	if (rc != 0)
		return rc;
	if (sa->auth == ESPFAB_AUTH_MD5)
		mi = SW_MD5;
	else if (sa->auth == ESPFAB_AUTH_SHA1)
		mi = SW_SHA1;
	else
		return -EINVAL;
	int bs = EVP_MD_get_block_size(d->md[mi]);
	if (bs <= 0 || (size_t)bs > sizeof ipad || sa->auth_key_len > bs || sa->auth_key_len > ESPFAB_AUTH_KEY_MAX ||
	    sa->dir >= ESPFAB_DIR_LIMIT)
		return -EINVAL;

	rc = -ENOMEM;
	s->cctx = EVP_CIPHER_CTX_new();
	s->ictx = EVP_MD_CTX_new();
	s->octx = EVP_MD_CTX_new();
	if (!s->cctx || !s->ictx || !s->octx)
		goto out;
	rc = -EIO;
	if (!EVP_CipherInit_ex(s->cctx, d->cipher[ci], NULL, sa->enc_key, NULL, sa->dir == ESPFAB_DIR_OUT) ||
	    !EVP_CIPHER_CTX_set_padding(s->cctx, 0))
		goto out;
	memset(ipad, 0x36, (size_t)bs);
	memset(opad, 0x5c, (size_t)bs);
	for (unsigned i = 0; i < sa->auth_key_len; i++) {
		ipad[i] ^= sa->auth_key[i];
		opad[i] ^= sa->auth_key[i];
	}
	if (!EVP_DigestInit_ex(s->ictx, d->md[mi], NULL) || !EVP_DigestUpdate(s->ictx, ipad, (size_t)bs) ||
	    !EVP_DigestInit_ex(s->octx, d->md[mi], NULL) || !EVP_DigestUpdate(s->octx, opad, (size_t)bs))
		goto out;
	rc = 0;
out:
	espfab_wipe(ipad, sizeof ipad);
	espfab_wipe(opad, sizeof opad);
	if (rc != 0)
		slot_free_ctx(s);
	return rc;
}

static int sw_sa_write(void *priv, uint32_t slot, const espfab_sa_t *sa, bool keep_state)
{
	struct sw_dev *d = priv;
	if (slot >= d->nslots || !sa)
		return -EINVAL;
	struct sw_slot *s = &d->slots[slot];
	struct sw_slot fresh = { 0 };
	int rc = slot_key(d, sa, &fresh);
	if (rc != 0)
		return rc;
	fresh.used = true;
	fresh.sa = *sa;
	espfab_wipe(fresh.sa.enc_key, sizeof fresh.sa.enc_key);
	espfab_wipe(fresh.sa.auth_key, sizeof fresh.sa.auth_key);
	if (keep_state && s->used)
		fresh.st = s->st;
	slot_free_ctx(s);
	espfab_wipe(s, sizeof *s);
	*s = fresh;
	return 0;
}

static int sw_sa_clear(void *priv, uint32_t slot)
{
	struct sw_dev *d = priv;
	if (slot >= d->nslots)
		return -EINVAL;
	struct sw_slot *s = &d->slots[slot];
	if (!s->used)
		return -ENOENT;
	slot_free_ctx(s);
	espfab_wipe(s, sizeof *s);
	return 0;
}

static int sw_sa_read_state(void *priv, uint32_t slot, espfab_sa_state_t *st)
{
	struct sw_dev *d = priv;
	if (slot >= d->nslots || !st)
		return -EINVAL;
	if (!d->slots[slot].used)
		return -ENOENT;
	*st = d->slots[slot].st;
	return 0;
}

/* ---- queue ------------------------------------------------------------- */

static int sw_submit(void *priv, const espfab_req_t *reqs, unsigned n)
{
	struct sw_dev *d = priv;
	unsigned room = sync_queue_space(&d->q);
	unsigned take = n < room ? n : room;
	for (unsigned i = 0; i < take; i++) {
		espfab_cpl_t c;
		sw_process(d, &reqs[i], &c);
		sync_queue_push(&d->q, &c);
	}
	return (int)take;
}

static int sw_poll(void *priv, espfab_cpl_t *cpls, unsigned max)
{
	struct sw_dev *d = priv;
	return (int)sync_queue_pop(&d->q, cpls, max);
}

/* ---- open / close ------------------------------------------------------ */

static void sw_close(void *priv)
{
	struct sw_dev *d = priv;
	if (!d)
		return;
	if (d->slots) {
		for (uint32_t i = 0; i < d->nslots; i++)
			slot_free_ctx(&d->slots[i]);
		espfab_wipe(d->slots, (size_t)d->nslots * sizeof *d->slots);
		free(d->slots);
	}
	sync_queue_fini(&d->q);
	EVP_MD_CTX_free(d->work);
	for (unsigned i = 0; i < SW_CIPHERS; i++)
		EVP_CIPHER_free(d->cipher[i]);
	for (unsigned i = 0; i < SW_MDS; i++)
		EVP_MD_free(d->md[i]);
	if (d->prov_legacy)
		OSSL_PROVIDER_unload(d->prov_legacy);
	if (d->prov_default)
		OSSL_PROVIDER_unload(d->prov_default);
	OSSL_LIB_CTX_free(d->lib);
	espfab_wipe(d->scratch, sizeof d->scratch);
	free(d);
}

static int sw_open(void **priv, uint32_t slots, uint32_t depth, char *why, size_t why_len)
{
	int rc = -ENOMEM;
	struct sw_dev *d = calloc(1, sizeof *d);
	*priv = NULL;
	if (!d) {
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
	if (slots == 0 || slots > ESPFAB_SA_SLOTS_MAX) {
		rc = -EINVAL;
		snprintf(why, why_len, "slot count %u out of range", slots);
		goto fail;
	}
	d->nslots = slots;
	d->slots = calloc(slots, sizeof *d->slots);
	if (!d->slots) {
		snprintf(why, why_len, "out of memory for %u SA slots", slots);
		goto fail;
	}
	rc = sync_queue_init(&d->q, depth);
	if (rc != 0) {
		snprintf(why, why_len, "queue depth %u: %s", depth, rc == -EINVAL ? "out of range" : "out of memory");
		goto fail;
	}
	rc = -EIO;
	d->lib = OSSL_LIB_CTX_new();
	if (!d->lib) {
		snprintf(why, why_len, "OpenSSL library context");
		goto fail;
	}
	d->prov_default = OSSL_PROVIDER_load(d->lib, "default");
	d->prov_legacy = OSSL_PROVIDER_load(d->lib, "legacy");
	if (!d->prov_default || !d->prov_legacy) {
		snprintf(why, why_len, "OpenSSL provider \"%s\" not available",
			 d->prov_default ? "legacy" : "default");
		goto fail;
	}
	for (unsigned i = 0; i < SW_CIPHERS; i++) {
		d->cipher[i] = EVP_CIPHER_fetch(d->lib, sw_cipher_names[i], NULL);
		if (!d->cipher[i]) {
			snprintf(why, why_len, "OpenSSL cipher %s not available", sw_cipher_names[i]);
			goto fail;
		}
	}
	for (unsigned i = 0; i < SW_MDS; i++) {
		d->md[i] = EVP_MD_fetch(d->lib, sw_md_names[i], NULL);
		if (!d->md[i]) {
			snprintf(why, why_len, "OpenSSL digest %s not available", sw_md_names[i]);
			goto fail;
		}
	}
	d->work = EVP_MD_CTX_new();
	if (!d->work) {
		rc = -ENOMEM;
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
	*priv = d;
	return 0;
fail:
	sw_close(d);
	return rc;
}

const struct espfab_engine_ops espfab_engine_sw = {
	.name = "sw",
	.summary = "ESP in software on OpenSSL 3 (EVP), one request at a time",
	.open = sw_open,
	.close = sw_close,
	.sa_write = sw_sa_write,
	.sa_clear = sw_sa_clear,
	.sa_read_state = sw_sa_read_state,
	.submit = sw_submit,
	.poll = sw_poll,
};
