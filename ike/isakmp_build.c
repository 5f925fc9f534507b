/*
 * ISAKMP message building: header, payloads appended in order with the
 * previous next-payload byte and every length back-patched.  See
 * isakmp_msg.h.
 */
#include <string.h>

#include "isakmp_msg.h"

#define HDR_NP_OFF 16
#define HDR_FLAGS_OFF 19
#define HDR_LEN_OFF 24

static void bad(struct isakmp_builder *b) { b->w.err = true; }

void isakmp_build_init(struct isakmp_builder *b, uint8_t *buf, size_t cap, const struct isakmp_hdr_spec *h)
{
	memset(b, 0, sizeof *b);
	wbuf_init(&b->w, buf, cap);
	if (!h) {
		bad(b);
		return;
	}
	if (h->nonesp_marker)
		wbuf_u32(&b->w, 0);
	b->base = wbuf_len(&b->w);
	wbuf_bytes(&b->w, h->icookie, ISAKMP_COOKIE_LEN);
	wbuf_bytes(&b->w, h->rcookie, ISAKMP_COOKIE_LEN);
	wbuf_u8(&b->w, ISAKMP_NP_NONE);
	wbuf_u8(&b->w, ISAKMP_VERSION_1_0);
	wbuf_u8(&b->w, h->exchange);
	wbuf_u8(&b->w, h->flags);
	wbuf_u32(&b->w, h->msgid);
	wbuf_u32(&b->w, 0); /* length: isakmp_build_finish */
	b->np_at = b->base + HDR_NP_OFF;
}

bool isakmp_build_ok(const struct isakmp_builder *b) { return wbuf_ok(&b->w); }

/* Open a payload: chain it to the previous one, write a generic header with
 * a zero length.  Returns the handle or -1. */
static int pl_begin(struct isakmp_builder *b, uint8_t type, uint8_t reserved)
{
	if (!wbuf_ok(&b->w) || b->finished || b->n == ISAKMP_MAX_PAYLOADS) {
		bad(b);
		return -1;
	}
	size_t off = wbuf_len(&b->w);
	wbuf_u8(&b->w, ISAKMP_NP_NONE);
	wbuf_u8(&b->w, reserved);
	wbuf_u16(&b->w, 0);
	if (!wbuf_ok(&b->w))
		return -1;
	wbuf_patch_u8(&b->w, b->np_at, type);
	b->np_at = off;
	b->pl[b->n].type = type;
	b->pl[b->n].off = (uint32_t)off;
	b->pl[b->n].len = 0;
	return (int)b->n++;
}

/* Patch the 16-bit length at off+2 with the bytes written since off. */
static void patch_len16(struct isakmp_builder *b, size_t off)
{
	size_t n = wbuf_len(&b->w) - off;
	if (n > 0xffff) {
		bad(b);
		return;
	}
	wbuf_patch_u16(&b->w, off + 2, (uint16_t)n);
}

static int pl_end(struct isakmp_builder *b, int h)
{
	if (h < 0 || !wbuf_ok(&b->w))
		return -1;
	patch_len16(b, b->pl[h].off);
	if (!wbuf_ok(&b->w))
		return -1;
	b->pl[h].len = (uint16_t)(wbuf_len(&b->w) - b->pl[h].off);
	return h;
}

static int opaque(struct isakmp_builder *b, uint8_t type, uint8_t reserved, const uint8_t *data, size_t len)
{
	if (!data && len) {
		bad(b);
		return -1;
	}
	int h = pl_begin(b, type, reserved);
	if (h < 0)
		return -1;
	wbuf_bytes(&b->w, data, len);
	return pl_end(b, h);
}

/* ---- attributes ---------------------------------------------------------- */

static void put_attr(struct isakmp_builder *b, const struct isakmp_attr_spec *a)
{
	uint16_t type = a->type & ISAKMP_ATTR_TYPE_MASK;
	uint8_t enc = a->enc;
	if (!a->data && a->len) {
		bad(b);
		return;
	}
	if (enc == ISAKMP_ENC_AUTO)
		enc = a->data ? ISAKMP_ENC_TLV : a->val <= 0xffff ? ISAKMP_ENC_TV : ISAKMP_ENC_TLV;
	switch (enc) {
	case ISAKMP_ENC_TV:
		if (a->data || a->val > 0xffff) {
			bad(b);
			return;
		}
		wbuf_u16(&b->w, (uint16_t)(type | ISAKMP_ATTR_AF));
		wbuf_u16(&b->w, (uint16_t)a->val);
		return;
	case ISAKMP_ENC_TLV:
		wbuf_u16(&b->w, type);
		if (a->data) {
			wbuf_u16(&b->w, a->len);
			wbuf_bytes(&b->w, a->data, a->len);
		} else {
			wbuf_u16(&b->w, 4);
			wbuf_u32(&b->w, a->val);
		}
		return;
	default: bad(b); return;
	}
}

static void put_attrs(struct isakmp_builder *b, const struct isakmp_attr_spec *attrs, unsigned n)
{
	if (n && !attrs) {
		bad(b);
		return;
	}
	for (unsigned i = 0; i < n && wbuf_ok(&b->w); i++)
		put_attr(b, &attrs[i]);
}

/* ---- payloads ------------------------------------------------------------ */

int isakmp_add_sa(struct isakmp_builder *b, const struct isakmp_sa_spec *sa)
{
	if (!sa || sa->nprops == 0 || !sa->props) {
		bad(b);
		return -1;
	}
	int h = pl_begin(b, ISAKMP_NP_SA, 0);
	if (h < 0)
		return -1;
	wbuf_u32(&b->w, sa->doi ? sa->doi : ISAKMP_DOI_IPSEC);
	wbuf_u32(&b->w, sa->situation ? sa->situation : IPSEC_SIT_IDENTITY_ONLY);
	for (unsigned i = 0; i < sa->nprops && wbuf_ok(&b->w); i++) {
		const struct isakmp_proposal_spec *p = &sa->props[i];
		if (p->spi_size > ISAKMP_SPI_MAX || p->ntrans == 0 || !p->trans) {
			bad(b);
			return -1;
		}
		size_t poff = wbuf_len(&b->w);
		wbuf_u8(&b->w, i + 1 < sa->nprops ? ISAKMP_NP_P : ISAKMP_NP_NONE);
		wbuf_u8(&b->w, 0);
		wbuf_u16(&b->w, 0);
		wbuf_u8(&b->w, p->pnum);
		wbuf_u8(&b->w, p->proto);
		wbuf_u8(&b->w, p->spi_size);
		wbuf_u8(&b->w, p->ntrans);
		wbuf_bytes(&b->w, p->spi, p->spi_size);
		for (unsigned j = 0; j < p->ntrans && wbuf_ok(&b->w); j++) {
			const struct isakmp_transform_spec *t = &p->trans[j];
			size_t toff = wbuf_len(&b->w);
			wbuf_u8(&b->w, j + 1 < p->ntrans ? ISAKMP_NP_T : ISAKMP_NP_NONE);
			wbuf_u8(&b->w, 0);
			wbuf_u16(&b->w, 0);
			wbuf_u8(&b->w, t->tnum);
			wbuf_u8(&b->w, t->tid);
			wbuf_u16(&b->w, 0);
			put_attrs(b, t->attrs, t->nattrs);
			if (wbuf_ok(&b->w))
				patch_len16(b, toff);
		}
		if (wbuf_ok(&b->w))
			patch_len16(b, poff);
	}
	return pl_end(b, h);
}

int isakmp_add_ke(struct isakmp_builder *b, const uint8_t *data, size_t len)
{
	return opaque(b, ISAKMP_NP_KE, 0, data, len);
}

int isakmp_add_nonce(struct isakmp_builder *b, const uint8_t *data, size_t len)
{
	return opaque(b, ISAKMP_NP_NONCE, 0, data, len);
}

int isakmp_add_hash(struct isakmp_builder *b, const uint8_t *data, size_t len)
{
	int h = pl_begin(b, ISAKMP_NP_HASH, 0);
	if (h < 0)
		return -1;
	wbuf_bytes(&b->w, data, len); /* NULL: zeros, filled in later */
	return pl_end(b, h);
}

int isakmp_add_vid(struct isakmp_builder *b, const uint8_t *vid, size_t len)
{
	return opaque(b, ISAKMP_NP_VID, 0, vid, len);
}

int isakmp_add_natd(struct isakmp_builder *b, const uint8_t *hash, size_t len)
{
	return opaque(b, ISAKMP_NP_NATD, 0, hash, len);
}

int isakmp_add_raw(struct isakmp_builder *b, uint8_t type, uint8_t reserved, const uint8_t *body, size_t len)
{
	return opaque(b, type, reserved, body, len);
}

int isakmp_add_id(struct isakmp_builder *b, const struct isakmp_id_spec *id)
{
	if (!id || (!id->data && id->len)) {
		bad(b);
		return -1;
	}
	int h = pl_begin(b, ISAKMP_NP_ID, 0);
	if (h < 0)
		return -1;
	wbuf_u8(&b->w, id->type);
	wbuf_u8(&b->w, id->proto);
	wbuf_u16(&b->w, id->port);
	wbuf_bytes(&b->w, id->data, id->len);
	return pl_end(b, h);
}

int isakmp_add_notify(struct isakmp_builder *b, const struct isakmp_notify_spec *n)
{
	if (!n || n->spi_size > ISAKMP_SPI_MAX || (n->spi_size && !n->spi) || (n->data_len && !n->data)) {
		bad(b);
		return -1;
	}
	int h = pl_begin(b, ISAKMP_NP_N, 0);
	if (h < 0)
		return -1;
	wbuf_u32(&b->w, n->doi);
	wbuf_u8(&b->w, n->proto);
	wbuf_u8(&b->w, n->spi_size);
	wbuf_u16(&b->w, n->type);
	wbuf_bytes(&b->w, n->spi, n->spi_size);
	wbuf_bytes(&b->w, n->data, n->data_len);
	return pl_end(b, h);
}

int isakmp_add_delete(struct isakmp_builder *b, const struct isakmp_delete_spec *d)
{
	if (!d || d->spi_size > ISAKMP_SPI_MAX || d->nspi == 0 || d->spi_size == 0 || !d->spis) {
		bad(b);
		return -1;
	}
	int h = pl_begin(b, ISAKMP_NP_D, 0);
	if (h < 0)
		return -1;
	wbuf_u32(&b->w, d->doi);
	wbuf_u8(&b->w, d->proto);
	wbuf_u8(&b->w, d->spi_size);
	wbuf_u16(&b->w, d->nspi);
	wbuf_bytes(&b->w, d->spis, (size_t)d->nspi * d->spi_size);
	return pl_end(b, h);
}

int isakmp_add_natoa(struct isakmp_builder *b, uint8_t id_type, const uint8_t *addr, size_t len)
{
	size_t want = id_type == IPSEC_ID_IPV4_ADDR ? 4 : id_type == IPSEC_ID_IPV6_ADDR ? 16 : 0;
	if (!addr || want == 0 || len != want) {
		bad(b);
		return -1;
	}
	int h = pl_begin(b, ISAKMP_NP_NATOA, 0);
	if (h < 0)
		return -1;
	wbuf_u8(&b->w, id_type);
	wbuf_bytes(&b->w, NULL, 3);
	wbuf_bytes(&b->w, addr, len);
	return pl_end(b, h);
}

int isakmp_add_cfg(struct isakmp_builder *b, uint8_t cfg_type, uint16_t identifier, const struct isakmp_attr_spec *attrs,
		   unsigned nattrs)
{
	int h = pl_begin(b, ISAKMP_NP_ATTR, 0);
	if (h < 0)
		return -1;
	wbuf_u8(&b->w, cfg_type);
	wbuf_u8(&b->w, 0);
	wbuf_u16(&b->w, identifier);
	put_attrs(b, attrs, nattrs);
	return pl_end(b, h);
}

/* ---- finishing, accessors, encryption ------------------------------------- */

int isakmp_build_finish(struct isakmp_builder *b, size_t *len)
{
	if (!wbuf_ok(&b->w) || b->finished) {
		bad(b);
		return -1;
	}
	size_t msg = wbuf_len(&b->w) - b->base;
	if (msg > ISAKMP_MAX_MSG) { /* never build what isakmp_parse refuses */
		bad(b);
		return -1;
	}
	wbuf_patch_u32(&b->w, b->base + HDR_LEN_OFF, (uint32_t)msg);
	if (!wbuf_ok(&b->w))
		return -1;
	b->finished = true;
	if (len)
		*len = wbuf_len(&b->w);
	return 0;
}

static bool handle_ok(const struct isakmp_builder *b, int h)
{
	return wbuf_ok(&b->w) && h >= 0 && (unsigned)h < b->n && b->pl[h].len >= ISAKMP_GEN_LEN;
}

const uint8_t *isakmp_build_body(const struct isakmp_builder *b, int handle, size_t *len)
{
	if (!handle_ok(b, handle)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = b->pl[handle].len - ISAKMP_GEN_LEN;
	return b->w.p + b->pl[handle].off + ISAKMP_GEN_LEN;
}

uint8_t *isakmp_build_body_mut(struct isakmp_builder *b, int handle, size_t *len)
{
	return (uint8_t *)isakmp_build_body(b, handle, len);
}

const uint8_t *isakmp_build_after(const struct isakmp_builder *b, int handle, size_t *len)
{
	if (!handle_ok(b, handle)) {
		if (len)
			*len = 0;
		return NULL;
	}
	size_t end = (size_t)b->pl[handle].off + b->pl[handle].len;
	if (len)
		*len = wbuf_len(&b->w) - end;
	return b->w.p + end;
}

uint8_t *isakmp_build_chain(struct isakmp_builder *b, size_t *len, size_t *room)
{
	size_t at = b->base + ISAKMP_HDR_LEN;
	if (!wbuf_ok(&b->w) || !b->finished) {
		if (len)
			*len = 0;
		if (room)
			*room = 0;
		return NULL;
	}
	if (len)
		*len = wbuf_len(&b->w) - at;
	if (room)
		*room = b->w.cap - at;
	return b->w.p + at;
}

int isakmp_build_seal(struct isakmp_builder *b, size_t ct_len, size_t *total)
{
	size_t at = b->base + ISAKMP_HDR_LEN;
	if (!wbuf_ok(&b->w) || !b->finished || ct_len == 0 || ct_len > b->w.cap - at ||
	    ct_len > ISAKMP_MAX_MSG - ISAKMP_HDR_LEN) {
		bad(b);
		return -1;
	}
	b->w.len = at + ct_len;
	b->w.p[b->base + HDR_FLAGS_OFF] |= ISAKMP_FLAG_E;
	wbuf_patch_u32(&b->w, b->base + HDR_LEN_OFF, (uint32_t)(ISAKMP_HDR_LEN + ct_len));
	b->n = 0; /* payload handles now point at ciphertext */
	if (total)
		*total = b->w.len;
	return wbuf_ok(&b->w) ? 0 : -1;
}
