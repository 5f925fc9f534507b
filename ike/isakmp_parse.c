/*
 * ISAKMP datagram parsing: header checks, payload chain validation, then
 * table-driven decoding of each payload body.  See isakmp_msg.h for the
 * contract and docs/isakmp-wire.md for the error -> notify mapping.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isakmp_msg.h"

/* ---- error table ---------------------------------------------------------- */

static const struct {
	const char *name;
	uint16_t notify;
} err_tab[ISAKMP_E__COUNT] = {
	[ISAKMP_OK] = { "OK", 0 },
	[ISAKMP_E_ARG] = { "ARG", 0 },
	[ISAKMP_E_NATT_KEEPALIVE] = { "NATT_KEEPALIVE", 0 },
	[ISAKMP_E_NOT_IKE] = { "NOT_IKE", 0 },
	[ISAKMP_E_OVERSIZED] = { "OVERSIZED", 0 },
	[ISAKMP_E_SHORT_HEADER] = { "SHORT_HEADER", 0 },
	[ISAKMP_E_LEN_FIELD_SHORT] = { "LEN_FIELD_SHORT", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_LEN_EXCEEDS] = { "LEN_EXCEEDS", ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS },
	[ISAKMP_E_LEN_TRAILING] = { "LEN_TRAILING", ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS },
	[ISAKMP_E_MAJOR_VERSION] = { "MAJOR_VERSION", ISAKMP_N_INVALID_MAJOR_VERSION },
	[ISAKMP_E_MINOR_VERSION] = { "MINOR_VERSION", ISAKMP_N_INVALID_MINOR_VERSION },
	[ISAKMP_E_EXCHANGE] = { "EXCHANGE", ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE },
	[ISAKMP_E_FLAGS] = { "FLAGS", ISAKMP_N_INVALID_FLAGS },
	[ISAKMP_E_ICOOKIE_ZERO] = { "ICOOKIE_ZERO", ISAKMP_N_INVALID_COOKIE },
	[ISAKMP_E_RCOOKIE_ZERO] = { "RCOOKIE_ZERO", ISAKMP_N_INVALID_COOKIE },
	[ISAKMP_E_MESSAGE_ID] = { "MESSAGE_ID", ISAKMP_N_INVALID_MESSAGE_ID },
	[ISAKMP_E_EMPTY_ENCRYPTED] = { "EMPTY_ENCRYPTED", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_NOT_ENCRYPTED] = { "NOT_ENCRYPTED", 0 },
	[ISAKMP_E_PAYLOAD_TRUNCATED] = { "PAYLOAD_TRUNCATED", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_PAYLOAD_LEN] = { "PAYLOAD_LEN", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_PAYLOAD_OVERRUN] = { "PAYLOAD_OVERRUN", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_CHAIN_SHORT] = { "CHAIN_SHORT", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_CHAIN_TRAILING] = { "CHAIN_TRAILING", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_TOO_MANY_PAYLOADS] = { "TOO_MANY_PAYLOADS", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_CRITICAL_PAYLOAD] = { "CRITICAL_PAYLOAD", ISAKMP_N_INVALID_PAYLOAD_TYPE },
	[ISAKMP_E_PAYLOAD_CONTEXT] = { "PAYLOAD_CONTEXT", ISAKMP_N_INVALID_PAYLOAD_TYPE },
	[ISAKMP_E_DOI] = { "DOI", ISAKMP_N_DOI_NOT_SUPPORTED },
	[ISAKMP_E_SITUATION] = { "SITUATION", ISAKMP_N_SITUATION_NOT_SUPPORTED },
	[ISAKMP_E_NO_PROPOSALS] = { "NO_PROPOSALS", ISAKMP_N_BAD_PROPOSAL_SYNTAX },
	[ISAKMP_E_PROPOSAL_SYNTAX] = { "PROPOSAL_SYNTAX", ISAKMP_N_BAD_PROPOSAL_SYNTAX },
	[ISAKMP_E_TRANSFORM_COUNT] = { "TRANSFORM_COUNT", ISAKMP_N_BAD_PROPOSAL_SYNTAX },
	[ISAKMP_E_NESTED_OVERRUN] = { "NESTED_OVERRUN", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_TOO_MANY_PROPOSALS] = { "TOO_MANY_PROPOSALS", ISAKMP_N_NO_PROPOSAL_CHOSEN },
	[ISAKMP_E_TOO_MANY_TRANSFORMS] = { "TOO_MANY_TRANSFORMS", ISAKMP_N_NO_PROPOSAL_CHOSEN },
	[ISAKMP_E_TOO_MANY_ATTRS] = { "TOO_MANY_ATTRS", ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED },
	[ISAKMP_E_PROTOCOL_ID] = { "PROTOCOL_ID", ISAKMP_N_INVALID_PROTOCOL_ID },
	[ISAKMP_E_SPI_SIZE] = { "SPI_SIZE", ISAKMP_N_INVALID_SPI },
	[ISAKMP_E_ID_INFO] = { "ID_INFO", ISAKMP_N_INVALID_ID_INFORMATION },
	[ISAKMP_E_NONCE_LEN] = { "NONCE_LEN", ISAKMP_N_PAYLOAD_MALFORMED },
	[ISAKMP_E_BODY_MALFORMED] = { "BODY_MALFORMED", ISAKMP_N_PAYLOAD_MALFORMED },
};

const char *isakmp_err_name(enum isakmp_err e)
{
	return (unsigned)e < ISAKMP_E__COUNT && err_tab[e].name ? err_tab[e].name : "UNKNOWN";
}

uint16_t isakmp_err_notify(enum isakmp_err e)
{
	return (unsigned)e < ISAKMP_E__COUNT ? err_tab[e].notify : 0;
}

static enum isakmp_err fail(struct isakmp_msg *m, enum isakmp_err code, uint8_t ptype, size_t off, const char *fmt,
			    ...) __attribute__((format(printf, 5, 6)));
static enum isakmp_err fail(struct isakmp_msg *m, enum isakmp_err code, uint8_t ptype, size_t off, const char *fmt,
			    ...)
{
	va_list ap;
	m->err.code = code;
	m->err.notify = isakmp_err_notify(code);
	m->err.payload_type = ptype;
	m->err.offset = (uint32_t)off;
	va_start(ap, fmt);
	vsnprintf(m->err.reason, sizeof m->err.reason, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- names ---------------------------------------------------------------- */

const char *isakmp_exchange_name(uint8_t exch)
{
	switch (exch) {
	case ISAKMP_EXCH_BASE: return "Base";
	case ISAKMP_EXCH_IDPROT: return "Identity Protection (Main Mode)";
	case ISAKMP_EXCH_AUTH_ONLY: return "Authentication Only";
	case ISAKMP_EXCH_AGGRESSIVE: return "Aggressive";
	case ISAKMP_EXCH_INFO: return "Informational";
	case ISAKMP_EXCH_TRANSACTION: return "Transaction (Config Mode)";
	case ISAKMP_EXCH_QUICK: return "Quick Mode";
	case ISAKMP_EXCH_NEW_GROUP: return "New Group Mode";
	case ISAKMP_EXCH_ESPFAB_TED: return "espfab TED";
	default: return "UNKNOWN";
	}
}

static const struct {
	uint16_t type;
	const char *name;
} notify_names[] = {
	{ ISAKMP_N_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE" },
	{ ISAKMP_N_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED" },
	{ ISAKMP_N_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED" },
	{ ISAKMP_N_INVALID_COOKIE, "INVALID-COOKIE" },
	{ ISAKMP_N_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION" },
	{ ISAKMP_N_INVALID_MINOR_VERSION, "INVALID-MINOR-VERSION" },
	{ ISAKMP_N_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE" },
	{ ISAKMP_N_INVALID_FLAGS, "INVALID-FLAGS" },
	{ ISAKMP_N_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID" },
	{ ISAKMP_N_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID" },
	{ ISAKMP_N_INVALID_SPI, "INVALID-SPI" },
	{ ISAKMP_N_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID" },
	{ ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED" },
	{ ISAKMP_N_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN" },
	{ ISAKMP_N_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX" },
	{ ISAKMP_N_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED" },
	{ ISAKMP_N_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION" },
	{ ISAKMP_N_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION" },
	{ ISAKMP_N_INVALID_CERT_ENCODING, "INVALID-CERT-ENCODING" },
	{ ISAKMP_N_INVALID_CERTIFICATE, "INVALID-CERTIFICATE" },
	{ ISAKMP_N_CERT_TYPE_UNSUPPORTED, "CERT-TYPE-UNSUPPORTED" },
	{ ISAKMP_N_INVALID_CERT_AUTHORITY, "INVALID-CERT-AUTHORITY" },
	{ ISAKMP_N_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION" },
	{ ISAKMP_N_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED" },
	{ ISAKMP_N_INVALID_SIGNATURE, "INVALID-SIGNATURE" },
	{ ISAKMP_N_ADDRESS_NOTIFICATION, "ADDRESS-NOTIFICATION" },
	{ ISAKMP_N_NOTIFY_SA_LIFETIME, "NOTIFY-SA-LIFETIME" },
	{ ISAKMP_N_CERTIFICATE_UNAVAILABLE, "CERTIFICATE-UNAVAILABLE" },
	{ ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE" },
	{ ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, "UNEQUAL-PAYLOAD-LENGTHS" },
	{ ISAKMP_N_CONNECTED, "CONNECTED" },
	{ IPSEC_N_RESPONDER_LIFETIME, "RESPONDER-LIFETIME" },
	{ IPSEC_N_REPLAY_STATUS, "REPLAY-STATUS" },
	{ IPSEC_N_INITIAL_CONTACT, "INITIAL-CONTACT" },
	{ ISAKMP_N_DPD_R_U_THERE, "R-U-THERE" },
	{ ISAKMP_N_DPD_R_U_THERE_ACK, "R-U-THERE-ACK" },
};

const char *isakmp_notify_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof notify_names / sizeof notify_names[0]; i++)
		if (notify_names[i].type == type)
			return notify_names[i].name;
	return "UNKNOWN";
}

/* ---- payload table -------------------------------------------------------- */

typedef enum isakmp_err (*decode_fn)(struct isakmp_msg *m, struct isakmp_payload *p);

struct pdef {
	const char *name;
	uint16_t min_body;   /* fixed part after the generic header */
	bool nested_only;    /* P and T: valid only inside an SA payload */
	decode_fn decode;    /* NULL: opaque body */
};

static enum isakmp_err dec_sa(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_id(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_cert(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_nonce(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_n(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_d(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_natoa(struct isakmp_msg *m, struct isakmp_payload *p);
static enum isakmp_err dec_cfg(struct isakmp_msg *m, struct isakmp_payload *p);

static const struct pdef pdefs[256] = {
	[ISAKMP_NP_SA] = { "SA", 8, false, dec_sa },
	[ISAKMP_NP_P] = { "Proposal", 4, true, NULL },
	[ISAKMP_NP_T] = { "Transform", 4, true, NULL },
	[ISAKMP_NP_KE] = { "KE", 1, false, NULL },
	[ISAKMP_NP_ID] = { "ID", 4, false, dec_id },
	[ISAKMP_NP_CERT] = { "CERT", 1, false, dec_cert },
	[ISAKMP_NP_CR] = { "CR", 1, false, dec_cert },
	[ISAKMP_NP_HASH] = { "HASH", 1, false, NULL },
	[ISAKMP_NP_SIG] = { "SIG", 1, false, NULL },
	[ISAKMP_NP_NONCE] = { "NONCE", 0, false, dec_nonce },
	[ISAKMP_NP_N] = { "N", 8, false, dec_n },
	[ISAKMP_NP_D] = { "D", 8, false, dec_d },
	[ISAKMP_NP_VID] = { "VID", 0, false, NULL },
	[ISAKMP_NP_ATTR] = { "ATTR", 4, false, dec_cfg },
	[ISAKMP_NP_NATD] = { "NAT-D", 1, false, NULL },
	[ISAKMP_NP_NATOA] = { "NAT-OA", 4, false, dec_natoa },
	[ISAKMP_NP_NATD_DRAFT] = { "NAT-D (draft)", 1, false, NULL },
	[ISAKMP_NP_NATOA_DRAFT] = { "NAT-OA (draft)", 4, false, dec_natoa },
	[ISAKMP_NP_FRAG_CISCO] = { "FRAG (Cisco)", 0, false, NULL },
};

const char *isakmp_payload_name(uint8_t type)
{
	if (type == ISAKMP_NP_NONE)
		return "NONE";
	return pdefs[type].name ? pdefs[type].name : "UNKNOWN";
}

/* Offset of p within the message: the chain starts right after the 28-byte
 * header (also for a decrypted chain, which replaces the ciphertext there). */
static size_t off_of(const struct isakmp_msg *m, const uint8_t *p)
{
	return ISAKMP_HDR_LEN + (size_t)(p - m->chain);
}

/* ---- attributes ------------------------------------------------------------ */

/* Decode TV/TLV attributes filling c completely.  On success *n is the count. */
static enum isakmp_err attrs_run(struct cur *c, struct isakmp_attr_v *out, unsigned max, unsigned *n,
				 const uint8_t **bad)
{
	unsigned k = 0;
	while (cur_left(c) > 0) {
		const uint8_t *at = cur_pos(c);
		if (k == max) {
			*bad = at;
			*n = k;
			return ISAKMP_E_TOO_MANY_ATTRS;
		}
		uint16_t t = cur_u16(c);
		uint16_t lv = cur_u16(c);
		struct isakmp_attr_v a = { 0 };
		a.type = t & ISAKMP_ATTR_TYPE_MASK;
		if (t & ISAKMP_ATTR_AF) {
			a.tv = true;
			a.len = 2;
			a.data = at + 2;
			a.val = lv;
			a.val_ok = true;
		} else {
			a.len = lv;
			a.data = cur_bytes(c, lv);
			if (a.data && lv >= 1 && lv <= 8) {
				for (unsigned i = 0; i < lv; i++)
					a.val = a.val << 8 | a.data[i];
				a.val_ok = true;
			}
		}
		if (!cur_ok(c)) {
			*bad = at;
			*n = k;
			return ISAKMP_E_NESTED_OVERRUN;
		}
		out[k++] = a;
	}
	*n = k;
	return ISAKMP_OK;
}

enum isakmp_err isakmp_decode_attrs(const uint8_t *p, size_t len, struct isakmp_attr_v *out, unsigned max,
				    unsigned *n)
{
	const uint8_t *bad;
	unsigned dummy;
	if (!n)
		n = &dummy;
	*n = 0;
	if ((!p && len) || (!out && max))
		return ISAKMP_E_ARG;
	struct cur c = cur_make(p, len);
	return attrs_run(&c, out, max, n, &bad);
}

/* Attributes of the rest of c into the message's pool. */
static enum isakmp_err pool_attrs(struct isakmp_msg *m, struct isakmp_payload *p, struct cur *c, uint16_t *first,
				  uint16_t *count, const char *where)
{
	const uint8_t *bad = NULL;
	unsigned n = 0;
	*first = (uint16_t)m->nattrs;
	enum isakmp_err e = attrs_run(c, m->attrs + m->nattrs, ISAKMP_MAX_ATTRS - m->nattrs, &n, &bad);
	m->nattrs += n;
	*count = (uint16_t)n;
	if (e == ISAKMP_E_TOO_MANY_ATTRS)
		return fail(m, e, p->type, off_of(m, bad), "%s: more than %u attributes in the message", where,
			    ISAKMP_MAX_ATTRS);
	if (e != ISAKMP_OK)
		return fail(m, e, p->type, off_of(m, bad), "%s: attribute %u runs past its end", where, n + 1);
	return ISAKMP_OK;
}

/* ---- SA ------------------------------------------------------------------ */

static bool spi_size_ok(uint8_t proto, uint8_t size)
{
	switch (proto) {
	case ISAKMP_PROTO_ISAKMP: return size <= ISAKMP_SPI_MAX; /* ignored in phase 1 (RFC 2408 §3.5) */
	case ISAKMP_PROTO_AH:
	case ISAKMP_PROTO_ESP: return size == ISAKMP_SPI_SIZE_IPSEC;
	case ISAKMP_PROTO_IPCOMP: return size == 2 || size == 4;
	default: return false;
	}
}

static enum isakmp_err dec_transforms(struct isakmp_msg *m, struct isakmp_payload *p, struct isakmp_proposal_v *pr,
				      struct cur *pc)
{
	for (unsigned i = 0; i < pr->ntrans; i++) {
		const uint8_t *at = cur_pos(pc);
		if (cur_left(pc) == 0)
			return fail(m, ISAKMP_E_TRANSFORM_COUNT, p->type, off_of(m, at),
				    "proposal %u announces %u transforms, has %u", pr->pnum, pr->ntrans, i);
		if (m->ntrans == ISAKMP_MAX_TRANSFORMS)
			return fail(m, ISAKMP_E_TOO_MANY_TRANSFORMS, p->type, off_of(m, at),
				    "more than %u transforms in the message", ISAKMP_MAX_TRANSFORMS);
		uint8_t np = cur_u8(pc);
		(void)cur_u8(pc);
		uint16_t tlen = cur_u16(pc);
		uint8_t tnum = cur_u8(pc), tid = cur_u8(pc);
		(void)cur_u16(pc);
		if (!cur_ok(pc))
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at),
				    "proposal %u transform %u: header runs past the proposal", pr->pnum, i + 1);
		if (tlen < sizeof(struct isakmp_trans))
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at),
				    "proposal %u transform %u: length %u < 8", pr->pnum, i + 1, tlen);
		bool last = i + 1 == pr->ntrans;
		if (np != (last ? ISAKMP_NP_NONE : ISAKMP_NP_T))
			return fail(m, np == ISAKMP_NP_T || np == ISAKMP_NP_NONE ? ISAKMP_E_TRANSFORM_COUNT
										  : ISAKMP_E_PROPOSAL_SYNTAX,
				    p->type, off_of(m, at),
				    "proposal %u transform %u of %u: next payload %u", pr->pnum, i + 1, pr->ntrans, np);
		struct cur tc = cur_sub(pc, (size_t)tlen - sizeof(struct isakmp_trans));
		if (!cur_ok(&tc))
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at),
				    "proposal %u transform %u: length %u runs past the proposal", pr->pnum, i + 1,
				    tlen);
		struct isakmp_transform_v *t = &m->trans[m->ntrans++];
		t->tnum = tnum;
		t->tid = tid;
		enum isakmp_err e = pool_attrs(m, p, &tc, &t->attr_first, &t->nattrs, "transform");
		if (e != ISAKMP_OK)
			return e;
	}
	if (cur_left(pc) != 0)
		return fail(m, ISAKMP_E_TRANSFORM_COUNT, p->type, off_of(m, cur_pos(pc)),
			    "proposal %u: %zu bytes after its %u announced transforms", pr->pnum, cur_left(pc),
			    pr->ntrans);
	return ISAKMP_OK;
}

static enum isakmp_err dec_sa(struct isakmp_msg *m, struct isakmp_payload *p)
{
	struct cur c = cur_make(p->body, p->body_len);
	uint32_t doi = cur_u32(&c);
	uint32_t sit = cur_u32(&c);
	if (doi != ISAKMP_DOI_IPSEC)
		return fail(m, ISAKMP_E_DOI, p->type, off_of(m, p->body), "SA: DOI %u (only IPsec DOI 1)", doi);
	if (sit != IPSEC_SIT_IDENTITY_ONLY)
		return fail(m, ISAKMP_E_SITUATION, p->type, off_of(m, p->body) + 4,
			    "SA: situation 0x%x (only SIT_IDENTITY_ONLY)", sit);
	p->u.sa.doi = doi;
	p->u.sa.situation = sit;
	p->u.sa.prop_first = (uint16_t)m->nprops;
	p->u.sa.nprops = 0;
	uint8_t np = ISAKMP_NP_P;
	while (np == ISAKMP_NP_P) {
		const uint8_t *at = cur_pos(&c);
		if (cur_left(&c) == 0) {
			if (p->u.sa.nprops == 0)
				return fail(m, ISAKMP_E_NO_PROPOSALS, p->type, off_of(m, at), "SA without a proposal");
			return fail(m, ISAKMP_E_PROPOSAL_SYNTAX, p->type, off_of(m, at),
				    "SA: proposal %u says another follows, SA ends", p->u.sa.nprops);
		}
		if (m->nprops == ISAKMP_MAX_PROPOSALS)
			return fail(m, ISAKMP_E_TOO_MANY_PROPOSALS, p->type, off_of(m, at),
				    "more than %u proposals in the message", ISAKMP_MAX_PROPOSALS);
		np = cur_u8(&c);
		(void)cur_u8(&c);
		uint16_t plen = cur_u16(&c);
		struct isakmp_proposal_v pr = { 0 };
		pr.pnum = cur_u8(&c);
		pr.proto = cur_u8(&c);
		pr.spi_size = cur_u8(&c);
		pr.ntrans = cur_u8(&c);
		if (!cur_ok(&c))
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at),
				    "SA: proposal header runs past the SA payload");
		if (np != ISAKMP_NP_P && np != ISAKMP_NP_NONE)
			return fail(m, ISAKMP_E_PROPOSAL_SYNTAX, p->type, off_of(m, at),
				    "SA: proposal %u next payload %u (P or NONE expected)", pr.pnum, np);
		if (plen < sizeof(struct isakmp_prop))
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at), "SA: proposal %u length %u < 8",
				    pr.pnum, plen);
		struct cur pc = cur_sub(&c, (size_t)plen - sizeof(struct isakmp_prop));
		if (!cur_ok(&pc))
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at),
				    "SA: proposal %u length %u runs past the SA payload", pr.pnum, plen);
		if (pr.proto < ISAKMP_PROTO_ISAKMP || pr.proto > ISAKMP_PROTO_IPCOMP)
			return fail(m, ISAKMP_E_PROTOCOL_ID, p->type, off_of(m, at) + 5, "SA: proposal %u protocol %u",
				    pr.pnum, pr.proto);
		if (!spi_size_ok(pr.proto, pr.spi_size))
			return fail(m, ISAKMP_E_SPI_SIZE, p->type, off_of(m, at) + 6,
				    "SA: proposal %u SPI size %u for protocol %u", pr.pnum, pr.spi_size, pr.proto);
		pr.spi = cur_bytes(&pc, pr.spi_size);
		if (!pr.spi)
			return fail(m, ISAKMP_E_NESTED_OVERRUN, p->type, off_of(m, at) + 8,
				    "SA: proposal %u SPI runs past the proposal", pr.pnum);
		if (pr.ntrans == 0)
			return fail(m, ISAKMP_E_PROPOSAL_SYNTAX, p->type, off_of(m, at) + 7,
				    "SA: proposal %u has no transform", pr.pnum);
		pr.trans_first = (uint16_t)m->ntrans;
		m->props[m->nprops++] = pr;
		p->u.sa.nprops++;
		enum isakmp_err e = dec_transforms(m, p, &m->props[m->nprops - 1], &pc);
		if (e != ISAKMP_OK)
			return e;
	}
	if (cur_left(&c) != 0)
		return fail(m, ISAKMP_E_PROPOSAL_SYNTAX, p->type, off_of(m, cur_pos(&c)),
			    "SA: %zu bytes after the last proposal", cur_left(&c));
	return ISAKMP_OK;
}

/* ---- other bodies ---------------------------------------------------------- */

static enum isakmp_err dec_id(struct isakmp_msg *m, struct isakmp_payload *p)
{
	struct cur c = cur_make(p->body, p->body_len);
	p->u.id.type = cur_u8(&c);
	p->u.id.proto = cur_u8(&c);
	p->u.id.port = cur_u16(&c);
	p->u.id.data_len = (uint16_t)cur_left(&c);
	p->u.id.data = cur_bytes(&c, p->u.id.data_len);
	size_t want = 0; /* exact length, 0 = at least one byte */
	switch (p->u.id.type) {
	case IPSEC_ID_IPV4_ADDR: want = 4; break;
	case IPSEC_ID_IPV4_ADDR_SUBNET:
	case IPSEC_ID_IPV4_ADDR_RANGE: want = 8; break;
	case IPSEC_ID_IPV6_ADDR: want = 16; break;
	case IPSEC_ID_IPV6_ADDR_SUBNET:
	case IPSEC_ID_IPV6_ADDR_RANGE: want = 32; break;
	default: want = 0; break;
	}
	if (want ? p->u.id.data_len != want : p->u.id.data_len == 0)
		return fail(m, ISAKMP_E_ID_INFO, p->type, off_of(m, p->body), "ID type %u with %u data bytes",
			    p->u.id.type, p->u.id.data_len);
	return ISAKMP_OK;
}

static enum isakmp_err dec_cert(struct isakmp_msg *m, struct isakmp_payload *p)
{
	(void)m;
	p->u.cert.encoding = p->body[0]; /* min_body 1 */
	p->u.cert.data = p->body + 1;
	p->u.cert.data_len = (uint16_t)(p->body_len - 1);
	return ISAKMP_OK;
}

static enum isakmp_err dec_nonce(struct isakmp_msg *m, struct isakmp_payload *p)
{
	if (p->body_len < IKE_NONCE_MIN || p->body_len > IKE_NONCE_MAX)
		return fail(m, ISAKMP_E_NONCE_LEN, p->type, off_of(m, p->hdr), "nonce of %u bytes (8..256)",
			    p->body_len);
	return ISAKMP_OK;
}

static bool doi_ok_n(uint32_t doi) { return doi == ISAKMP_DOI_ISAKMP || doi == ISAKMP_DOI_IPSEC; }

static enum isakmp_err dec_n(struct isakmp_msg *m, struct isakmp_payload *p)
{
	struct cur c = cur_make(p->body, p->body_len);
	p->u.n.doi = cur_u32(&c);
	p->u.n.proto = cur_u8(&c);
	p->u.n.spi_size = cur_u8(&c);
	p->u.n.type = cur_u16(&c);
	if (!doi_ok_n(p->u.n.doi))
		return fail(m, ISAKMP_E_DOI, p->type, off_of(m, p->body), "N: DOI %u", p->u.n.doi);
	if (p->u.n.proto > ISAKMP_PROTO_IPCOMP)
		return fail(m, ISAKMP_E_PROTOCOL_ID, p->type, off_of(m, p->body) + 4, "N: protocol %u",
			    p->u.n.proto);
	if (p->u.n.spi_size > ISAKMP_SPI_MAX)
		return fail(m, ISAKMP_E_SPI_SIZE, p->type, off_of(m, p->body) + 5, "N: SPI size %u",
			    p->u.n.spi_size);
	p->u.n.spi = cur_bytes(&c, p->u.n.spi_size);
	if (!p->u.n.spi)
		return fail(m, ISAKMP_E_BODY_MALFORMED, p->type, off_of(m, p->body) + 8,
			    "N %s: SPI of %u bytes runs past the payload", isakmp_notify_name(p->u.n.type),
			    p->u.n.spi_size);
	p->u.n.data_len = (uint16_t)cur_left(&c);
	p->u.n.data = cur_bytes(&c, p->u.n.data_len);
	return ISAKMP_OK;
}

static enum isakmp_err dec_d(struct isakmp_msg *m, struct isakmp_payload *p)
{
	struct cur c = cur_make(p->body, p->body_len);
	p->u.d.doi = cur_u32(&c);
	p->u.d.proto = cur_u8(&c);
	p->u.d.spi_size = cur_u8(&c);
	p->u.d.nspi = cur_u16(&c);
	if (!doi_ok_n(p->u.d.doi))
		return fail(m, ISAKMP_E_DOI, p->type, off_of(m, p->body), "D: DOI %u", p->u.d.doi);
	if (p->u.d.proto < ISAKMP_PROTO_ISAKMP || p->u.d.proto > ISAKMP_PROTO_IPCOMP)
		return fail(m, ISAKMP_E_PROTOCOL_ID, p->type, off_of(m, p->body) + 4, "D: protocol %u",
			    p->u.d.proto);
	bool size_ok = p->u.d.proto == ISAKMP_PROTO_ISAKMP ? p->u.d.spi_size == ISAKMP_SPI_SIZE_ISAKMP
							   : spi_size_ok(p->u.d.proto, p->u.d.spi_size);
	if (!size_ok)
		return fail(m, ISAKMP_E_SPI_SIZE, p->type, off_of(m, p->body) + 5, "D: SPI size %u for protocol %u",
			    p->u.d.spi_size, p->u.d.proto);
	size_t need = (size_t)p->u.d.nspi * p->u.d.spi_size;
	if (p->u.d.nspi == 0 || need != cur_left(&c))
		return fail(m, ISAKMP_E_BODY_MALFORMED, p->type, off_of(m, p->body) + 6,
			    "D: %u SPIs of %u bytes in %zu bytes", p->u.d.nspi, p->u.d.spi_size, cur_left(&c));
	p->u.d.spis = cur_bytes(&c, need);
	return ISAKMP_OK;
}

static enum isakmp_err dec_natoa(struct isakmp_msg *m, struct isakmp_payload *p)
{
	struct cur c = cur_make(p->body, p->body_len);
	p->u.natoa.id_type = cur_u8(&c);
	cur_skip(&c, 3);
	size_t want = p->u.natoa.id_type == IPSEC_ID_IPV4_ADDR ? 4 : p->u.natoa.id_type == IPSEC_ID_IPV6_ADDR ? 16 : 0;
	if (want == 0)
		return fail(m, ISAKMP_E_ID_INFO, p->type, off_of(m, p->body), "NAT-OA: ID type %u",
			    p->u.natoa.id_type);
	if (cur_left(&c) != want)
		return fail(m, ISAKMP_E_BODY_MALFORMED, p->type, off_of(m, p->body) + 4,
			    "NAT-OA: %zu address bytes for ID type %u", cur_left(&c), p->u.natoa.id_type);
	p->u.natoa.addr_len = (uint8_t)want;
	p->u.natoa.addr = cur_bytes(&c, want);
	return ISAKMP_OK;
}

static enum isakmp_err dec_cfg(struct isakmp_msg *m, struct isakmp_payload *p)
{
	struct cur c = cur_make(p->body, p->body_len);
	p->u.cfg.type = cur_u8(&c);
	(void)cur_u8(&c);
	p->u.cfg.identifier = cur_u16(&c);
	return pool_attrs(m, p, &c, &p->u.cfg.attr_first, &p->u.cfg.nattrs, "attribute payload");
}

/* ---- the chain: validate all, then decode --------------------------------- */

static void reset_chain(struct isakmp_msg *m)
{
	m->npayloads = m->nunknown = 0;
	m->nprops = m->ntrans = m->nattrs = 0;
	m->chain = NULL;
	m->chain_len = m->pad_len = 0;
}

static enum isakmp_err parse_chain(struct isakmp_msg *m, const uint8_t *buf, size_t len, size_t max_pad)
{
	reset_chain(m);
	m->chain = buf;
	struct cur c = cur_make(buf, len);
	uint8_t np = m->first_np;

	/* 1. validate: every generic header, the chain's end, the count */
	while (np != ISAKMP_NP_NONE) {
		const uint8_t *at = cur_pos(&c);
		size_t left = cur_left(&c);
		if (m->npayloads == ISAKMP_MAX_PAYLOADS)
			return fail(m, ISAKMP_E_TOO_MANY_PAYLOADS, np, off_of(m, at), "more than %u payloads",
				    ISAKMP_MAX_PAYLOADS);
		if (left == 0)
			return fail(m, ISAKMP_E_CHAIN_SHORT, np, off_of(m, at),
				    "payload %u (%s) announced, message ends", m->npayloads + 1,
				    isakmp_payload_name(np));
		if (left < ISAKMP_GEN_LEN)
			return fail(m, ISAKMP_E_PAYLOAD_TRUNCATED, np, off_of(m, at),
				    "payload %u (%s): %zu bytes left for a 4-byte header", m->npayloads + 1,
				    isakmp_payload_name(np), left);
		uint8_t next = cur_u8(&c);
		uint8_t resv = cur_u8(&c);
		uint16_t plen = cur_u16(&c);
		if (plen < ISAKMP_GEN_LEN)
			return fail(m, ISAKMP_E_PAYLOAD_LEN, np, off_of(m, at), "payload %u (%s): length %u < 4",
				    m->npayloads + 1, isakmp_payload_name(np), plen);
		if ((size_t)plen > left)
			return fail(m, ISAKMP_E_PAYLOAD_OVERRUN, np, off_of(m, at),
				    "payload %u (%s): length %u runs past the end (%zu bytes left)",
				    m->npayloads + 1, isakmp_payload_name(np), plen, left);
		const struct pdef *d = &pdefs[np];
		if (!d->name) {
			if (resv & ISAKMP_GEN_CRITICAL)
				return fail(m, ISAKMP_E_CRITICAL_PAYLOAD, np, off_of(m, at),
					    "payload %u: unknown type %u marked critical", m->npayloads + 1, np);
			m->nunknown++;
		} else if (d->nested_only) {
			return fail(m, ISAKMP_E_PAYLOAD_CONTEXT, np, off_of(m, at),
				    "payload %u: %s outside an SA payload", m->npayloads + 1, d->name);
		} else if (plen - ISAKMP_GEN_LEN < d->min_body) {
			return fail(m, ISAKMP_E_PAYLOAD_LEN, np, off_of(m, at),
				    "payload %u (%s): length %u < %u", m->npayloads + 1, d->name, plen,
				    ISAKMP_GEN_LEN + d->min_body);
		}
		struct isakmp_payload *p = &m->pl[m->npayloads++];
		memset(p, 0, sizeof *p);
		p->type = np;
		p->reserved = resv;
		p->known = d->name != NULL;
		p->len = plen;
		p->offset = (uint32_t)off_of(m, at);
		p->hdr = at;
		p->body_len = (uint16_t)(plen - ISAKMP_GEN_LEN);
		p->body = cur_bytes(&c, p->body_len);
		np = next;
	}
	m->chain_len = cur_offset(&c);
	if (cur_left(&c) > max_pad)
		return fail(m, ISAKMP_E_CHAIN_TRAILING, 0, off_of(m, cur_pos(&c)),
			    "%zu bytes after the last payload (%s)", cur_left(&c),
			    m->npayloads ? isakmp_payload_name(m->pl[m->npayloads - 1].type) : "header");
	m->pad_len = cur_left(&c);

	/* 2. decode the bodies */
	for (unsigned i = 0; i < m->npayloads; i++) {
		struct isakmp_payload *p = &m->pl[i];
		decode_fn fn = pdefs[p->type].decode;
		if (p->known && fn) {
			enum isakmp_err e = fn(m, p);
			if (e != ISAKMP_OK)
				return e;
		}
	}
	return ISAKMP_OK;
}

/* ---- header ----------------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

enum isakmp_natt_kind isakmp_natt_classify(const uint8_t *dgram, size_t len)
{
	if (!dgram || len == 0)
		return ISAKMP_NATT_RUNT;
	if (len == 1)
		return dgram[0] == ISAKMP_NATT_KEEPALIVE_BYTE ? ISAKMP_NATT_KEEPALIVE : ISAKMP_NATT_RUNT;
	if (len < ISAKMP_NONESP_MARKER_LEN)
		return ISAKMP_NATT_RUNT;
	return all_zero(dgram, ISAKMP_NONESP_MARKER_LEN) ? ISAKMP_NATT_IKE : ISAKMP_NATT_ESP;
}

static bool exchange_supported(uint8_t x)
{
	switch (x) {
	case ISAKMP_EXCH_IDPROT:
	case ISAKMP_EXCH_AGGRESSIVE:
	case ISAKMP_EXCH_INFO:
	case ISAKMP_EXCH_TRANSACTION:
	case ISAKMP_EXCH_QUICK:
	case ISAKMP_EXCH_ESPFAB_TED: return true;
	default: return false;
	}
}

enum isakmp_err isakmp_parse(struct isakmp_msg *m, const uint8_t *dgram, size_t len, unsigned flags)
{
	if (!m)
		return ISAKMP_E_ARG;
	memset(&m->err, 0, sizeof m->err);
	reset_chain(m);
	m->encrypted = false;
	m->enc = NULL;
	m->enc_len = 0;
	m->raw = NULL;
	m->nonesp_marker = false;
	if (!dgram)
		return fail(m, ISAKMP_E_ARG, 0, 0, "no datagram");

	if (flags & ISAKMP_PARSE_NONESP_MARKER) {
		switch (isakmp_natt_classify(dgram, len)) {
		case ISAKMP_NATT_KEEPALIVE: return fail(m, ISAKMP_E_NATT_KEEPALIVE, 0, 0, "NAT-T keepalive");
		case ISAKMP_NATT_ESP:
			return fail(m, ISAKMP_E_NOT_IKE, 0, 0, "port 4500 datagram without non-ESP marker (ESP)");
		case ISAKMP_NATT_RUNT:
			return fail(m, ISAKMP_E_NOT_IKE, 0, 0, "port 4500 datagram of %zu bytes", len);
		case ISAKMP_NATT_IKE: break;
		}
		dgram += ISAKMP_NONESP_MARKER_LEN;
		len -= ISAKMP_NONESP_MARKER_LEN;
		m->nonesp_marker = true;
	}
	if (len > ISAKMP_MAX_MSG)
		return fail(m, ISAKMP_E_OVERSIZED, 0, 0, "datagram of %zu bytes (limit %u)", len, ISAKMP_MAX_MSG);
	if (len < ISAKMP_HDR_LEN)
		return fail(m, ISAKMP_E_SHORT_HEADER, 0, 0, "datagram of %zu bytes, header needs 28", len);

	struct cur c = cur_make(dgram, len);
	cur_copy(&c, m->icookie, ISAKMP_COOKIE_LEN);
	cur_copy(&c, m->rcookie, ISAKMP_COOKIE_LEN);
	m->first_np = cur_u8(&c);
	m->version = cur_u8(&c);
	m->exchange = cur_u8(&c);
	m->flags = cur_u8(&c);
	m->msgid = cur_u32(&c);
	m->length = cur_u32(&c);
	if (!cur_ok(&c)) /* cannot happen after the size check; kept as the one check */
		return fail(m, ISAKMP_E_SHORT_HEADER, 0, 0, "header unreadable");
	m->raw = dgram;

	if (m->length < ISAKMP_HDR_LEN)
		return fail(m, ISAKMP_E_LEN_FIELD_SHORT, 0, 24, "length field %u < 28", m->length);
	if (m->length > len)
		return fail(m, ISAKMP_E_LEN_EXCEEDS, 0, 24, "length field %u > datagram %zu", m->length, len);
	if (m->length < len)
		return fail(m, ISAKMP_E_LEN_TRAILING, 0, 24, "length field %u < datagram %zu", m->length, len);
	if (m->version >> 4 != 1)
		return fail(m, ISAKMP_E_MAJOR_VERSION, 0, 17, "major version %u", m->version >> 4);
	if ((m->version & 0x0f) != 0)
		return fail(m, ISAKMP_E_MINOR_VERSION, 0, 17, "minor version %u", m->version & 0x0f);
	bool supported = exchange_supported(m->exchange);
	if (!supported && !(flags & ISAKMP_PARSE_ANY_EXCHANGE))
		return fail(m, ISAKMP_E_EXCHANGE, 0, 18, "exchange type %u (%s)", m->exchange,
			    isakmp_exchange_name(m->exchange));
	if (m->flags & ~ISAKMP_FLAGS_KNOWN)
		return fail(m, ISAKMP_E_FLAGS, 0, 19, "flags 0x%02x", m->flags);
	if (all_zero(m->icookie, ISAKMP_COOKIE_LEN))
		return fail(m, ISAKMP_E_ICOOKIE_ZERO, 0, 0, "initiator cookie is zero");
	bool phase1 = m->exchange == ISAKMP_EXCH_IDPROT || m->exchange == ISAKMP_EXCH_AGGRESSIVE;
	bool rzero_ok = phase1 || !supported || m->exchange == ISAKMP_EXCH_ESPFAB_TED || (m->exchange == ISAKMP_EXCH_INFO && !(m->flags & ISAKMP_FLAG_E));
	if (!rzero_ok && all_zero(m->rcookie, ISAKMP_COOKIE_LEN))
		return fail(m, ISAKMP_E_RCOOKIE_ZERO, 0, 8, "responder cookie is zero in %s%s",
			    isakmp_exchange_name(m->exchange), m->flags & ISAKMP_FLAG_E ? " (encrypted)" : "");
	if (phase1 && m->msgid != 0)
		return fail(m, ISAKMP_E_MESSAGE_ID, 0, 20, "message ID 0x%08x in %s", m->msgid,
			    isakmp_exchange_name(m->exchange));
	if (m->exchange == ISAKMP_EXCH_QUICK && m->msgid == 0)
		return fail(m, ISAKMP_E_MESSAGE_ID, 0, 20, "message ID 0 in quick mode");

	const uint8_t *body = dgram + ISAKMP_HDR_LEN;
	size_t body_len = m->length - ISAKMP_HDR_LEN;
	if (m->flags & ISAKMP_FLAG_E) {
		m->encrypted = true;
		m->enc = body;
		m->enc_len = body_len;
		if (body_len == 0)
			return fail(m, ISAKMP_E_EMPTY_ENCRYPTED, 0, ISAKMP_HDR_LEN, "encrypted flag, no ciphertext");
		return ISAKMP_OK;
	}
	return parse_chain(m, body, body_len, 0);
}

enum isakmp_err isakmp_parse_decrypted(struct isakmp_msg *m, const uint8_t *plain, size_t len, size_t max_pad)
{
	if (!m)
		return ISAKMP_E_ARG;
	memset(&m->err, 0, sizeof m->err);
	if (!plain)
		return fail(m, ISAKMP_E_ARG, 0, 0, "no plaintext");
	if (!m->encrypted)
		return fail(m, ISAKMP_E_NOT_ENCRYPTED, 0, 19, "message was not encrypted");
	if (len > ISAKMP_MAX_MSG)
		return fail(m, ISAKMP_E_OVERSIZED, 0, ISAKMP_HDR_LEN, "plaintext of %zu bytes", len);
	return parse_chain(m, plain, len, max_pad);
}

/* ---- lookups ------------------------------------------------------------------ */

const struct isakmp_payload *isakmp_msg_find(const struct isakmp_msg *m, uint8_t type,
					     const struct isakmp_payload *prev)
{
	unsigned i = 0;
	if (prev) {
		if (prev < m->pl || prev >= m->pl + m->npayloads)
			return NULL;
		i = (unsigned)(prev - m->pl) + 1;
	}
	for (; i < m->npayloads; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

unsigned isakmp_msg_count(const struct isakmp_msg *m, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m->npayloads; i++)
		n += m->pl[i].type == type;
	return n;
}

const uint8_t *isakmp_msg_body(const struct isakmp_msg *m, uint8_t type, size_t *len)
{
	const struct isakmp_payload *p = isakmp_msg_find(m, type, NULL);
	if (len)
		*len = p ? p->body_len : 0;
	return p ? p->body : NULL;
}

const uint8_t *isakmp_msg_after(const struct isakmp_msg *m, const struct isakmp_payload *p, size_t *len)
{
	if (!p || p < m->pl || p >= m->pl + m->npayloads) {
		if (len)
			*len = 0;
		return NULL;
	}
	size_t end = (size_t)(p->hdr - m->chain) + p->len;
	if (len)
		*len = m->chain_len - end;
	return m->chain + end;
}

const struct isakmp_attr_v *isakmp_transform_attr(const struct isakmp_msg *m, const struct isakmp_transform_v *t,
						  uint16_t type)
{
	for (unsigned i = 0; i < t->nattrs; i++) {
		const struct isakmp_attr_v *a = isakmp_attr_at(m, (unsigned)t->attr_first + i);
		if (a && a->type == type)
			return a;
	}
	return NULL;
}
