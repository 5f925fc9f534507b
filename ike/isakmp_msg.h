/*
 * ISAKMP messages in and out: parse one datagram into a message that points
 * into the caller's buffer, and build one from simple structs.
 *
 * Parsing (isakmp_parse):
 *   1. optional NAT-T non-ESP marker (caller says the datagram came to 4500);
 *   2. header checks: size bounds, length field vs datagram, version,
 *      exchange type, flags, cookies, message ID;
 *   3. encrypted messages stop here: m->encrypted, the ciphertext is handed
 *      back in m->enc / m->enc_len; the caller decrypts it and calls
 *      isakmp_parse_decrypted() on the plaintext;
 *   4. the payload chain is validated as a whole first (every generic header,
 *      lengths, chain end, count, unknown and critical types), and only then
 *      are the bodies decoded (SA into proposals, transforms and attributes;
 *      ID, N, D, NAT-OA, CERT/CR, attribute payload into their fields).
 * Every failure returns one specific enum isakmp_err and fills m->err with
 * the notify message type to send back (0 when IKE defines none), the
 * offending payload type, the byte offset, and a one-line reason for the log.
 * Nothing outside [buf, buf+len) is ever read; the work is bounded by the
 * limits below, so no input can make the parser loop.
 *
 * Ownership: struct isakmp_msg is caller storage (about 12 KB: keep it off
 * small stacks).  Every pointer in it points into the datagram (or, after
 * isakmp_parse_decrypted, into the plaintext buffer), which must outlive the
 * use of the message.
 *
 * Building (struct isakmp_builder): start with the header fields, append
 * payloads in order, finish.  Next-payload fields and every length (payload,
 * proposal, transform, header) are filled in by the builder.  Errors are
 * sticky: an append that does not fit, a bad spec or too many payloads makes
 * every later call fail and isakmp_build_finish() return -1.
 */
#ifndef ESPFAB_IKE_ISAKMP_MSG_H
#define ESPFAB_IKE_ISAKMP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "isakmp_wire.h"

/* ---- limits -------------------------------------------------------------- */
/* Largest ISAKMP message accepted (after the non-ESP marker); the same bound
 * as strongSwan's default charon.max_packet.  Larger datagrams are dropped
 * before any field is read. */
#define ISAKMP_MAX_MSG 10000u
#define ISAKMP_MAX_PAYLOADS 32   /* top-level payloads per message */
#define ISAKMP_MAX_PROPOSALS 16  /* per message, all SA payloads together */
#define ISAKMP_MAX_TRANSFORMS 64 /* per message */
#define ISAKMP_MAX_ATTRS 256     /* per message: SA and attribute payloads together */

/* ---- errors -------------------------------------------------------------- */
enum isakmp_err {
	ISAKMP_OK = 0,
	/* datagram framing */
	ISAKMP_E_ARG,               /* NULL buffer or message (caller bug) */
	ISAKMP_E_NATT_KEEPALIVE,    /* 4500: the one-byte 0xFF NAT keepalive */
	ISAKMP_E_NOT_IKE,           /* 4500: no non-ESP marker (ESP, or garbage) */
	ISAKMP_E_OVERSIZED,         /* longer than ISAKMP_MAX_MSG */
	ISAKMP_E_SHORT_HEADER,      /* fewer than 28 bytes */
	/* header */
	ISAKMP_E_LEN_FIELD_SHORT,   /* length field < 28 */
	ISAKMP_E_LEN_EXCEEDS,       /* length field > datagram */
	ISAKMP_E_LEN_TRAILING,      /* length field < datagram */
	ISAKMP_E_MAJOR_VERSION,
	ISAKMP_E_MINOR_VERSION,
	ISAKMP_E_EXCHANGE,          /* exchange type not supported */
	ISAKMP_E_FLAGS,             /* unknown flag bits */
	ISAKMP_E_ICOOKIE_ZERO,
	ISAKMP_E_RCOOKIE_ZERO,      /* responder cookie zero where it must be set */
	ISAKMP_E_MESSAGE_ID,        /* phase 1 with message ID != 0, quick mode with 0 */
	ISAKMP_E_EMPTY_ENCRYPTED,   /* E flag with no ciphertext */
	ISAKMP_E_NOT_ENCRYPTED,     /* isakmp_parse_decrypted on a message without E */
	/* payload chain */
	ISAKMP_E_PAYLOAD_TRUNCATED, /* fewer than 4 bytes left for a generic header */
	ISAKMP_E_PAYLOAD_LEN,       /* payload length < 4 or < its type's fixed part */
	ISAKMP_E_PAYLOAD_OVERRUN,   /* payload length runs past the end */
	ISAKMP_E_CHAIN_SHORT,       /* next payload != NONE but the message ended */
	ISAKMP_E_CHAIN_TRAILING,    /* bytes after the payload whose next payload is NONE */
	ISAKMP_E_TOO_MANY_PAYLOADS,
	ISAKMP_E_CRITICAL_PAYLOAD,  /* unknown payload type with the critical bit */
	ISAKMP_E_PAYLOAD_CONTEXT,   /* proposal/transform outside an SA payload */
	/* payload bodies */
	ISAKMP_E_DOI,
	ISAKMP_E_SITUATION,
	ISAKMP_E_NO_PROPOSALS,      /* SA payload without a proposal */
	ISAKMP_E_PROPOSAL_SYNTAX,   /* next-payload inside SA/proposal not P/T/NONE, or 0 transforms */
	ISAKMP_E_TRANSFORM_COUNT,   /* proposal's transform count != transforms present */
	ISAKMP_E_NESTED_OVERRUN,    /* proposal/transform/attribute/SPI overruns its container */
	ISAKMP_E_TOO_MANY_PROPOSALS,
	ISAKMP_E_TOO_MANY_TRANSFORMS,
	ISAKMP_E_TOO_MANY_ATTRS,
	ISAKMP_E_PROTOCOL_ID,
	ISAKMP_E_SPI_SIZE,
	ISAKMP_E_ID_INFO,           /* ID data length wrong for its type */
	ISAKMP_E_NONCE_LEN,         /* nonce outside 8..256 bytes */
	ISAKMP_E_BODY_MALFORMED,    /* other inconsistent body (N/D/NAT-OA/CFG fields) */
	ISAKMP_E__COUNT
};

struct isakmp_perror {
	enum isakmp_err code;
	uint16_t notify;      /* RFC 2408 notify message type to send, 0 = none (drop) */
	uint8_t payload_type; /* payload being examined, 0 for the header */
	uint32_t offset;      /* byte offset in the message (after any marker) */
	char reason[160];     /* one line, no newline */
};

/* Static facts about an error code. */
const char *isakmp_err_name(enum isakmp_err e);    /* "PAYLOAD_OVERRUN" */
uint16_t isakmp_err_notify(enum isakmp_err e);     /* notify type or 0 */

/* ---- parsed message ------------------------------------------------------ */
struct isakmp_attr_v {
	uint16_t type;        /* without the AF bit */
	bool tv;              /* basic (TV) encoding */
	uint16_t len;         /* TLV: value length; TV: 2 */
	const uint8_t *data;  /* TLV: value bytes; TV: the 2 value bytes */
	uint64_t val;         /* TV value, or a 1..8-byte TLV value as an integer */
	bool val_ok;          /* val holds the value (false for TLV of 0 or > 8 bytes) */
};

struct isakmp_transform_v {
	uint8_t tnum, tid;
	uint16_t attr_first, nattrs; /* range in isakmp_msg.attrs */
};

struct isakmp_proposal_v {
	uint8_t pnum, proto, spi_size, ntrans;
	const uint8_t *spi;
	uint16_t trans_first;        /* ntrans entries in isakmp_msg.trans */
};

struct isakmp_payload {
	uint8_t type;         /* payload type as on the wire */
	uint8_t reserved;     /* the generic header's second byte */
	bool known;           /* false: unknown, non-critical, skipped */
	uint16_t len;         /* including the generic header */
	uint32_t offset;      /* of the generic header in the message (a decrypted chain counts from 28) */
	const uint8_t *hdr;   /* generic header */
	const uint8_t *body;  /* len - 4 bytes (e.g. SAi_b, IDii_b) */
	uint16_t body_len;
	union {
		struct { uint32_t doi, situation; uint16_t prop_first, nprops; } sa;
		struct { uint8_t type, proto; uint16_t port; const uint8_t *data; uint16_t data_len; } id;
		struct { uint8_t encoding; const uint8_t *data; uint16_t data_len; } cert; /* CERT, CR */
		struct {
			uint32_t doi;
			uint8_t proto, spi_size;
			uint16_t type;
			const uint8_t *spi, *data;
			uint16_t data_len;
		} n;
		struct { uint32_t doi; uint8_t proto, spi_size; uint16_t nspi; const uint8_t *spis; } d;
		struct { uint8_t id_type; uint8_t addr_len; const uint8_t *addr; } natoa;
		struct { uint8_t type; uint16_t identifier; uint16_t attr_first, nattrs; } cfg;
	} u;
};

struct isakmp_msg {
	/* header */
	uint8_t icookie[ISAKMP_COOKIE_LEN], rcookie[ISAKMP_COOKIE_LEN];
	uint8_t first_np, version, exchange, flags;
	uint32_t msgid, length;
	bool nonesp_marker;       /* the datagram carried the 4-byte marker */
	const uint8_t *raw;       /* the ISAKMP message (header first), length bytes */
	/* E flag: the ciphertext after the header */
	bool encrypted;
	const uint8_t *enc;
	size_t enc_len;
	/* payload chain (of raw, or of the plaintext given to isakmp_parse_decrypted) */
	const uint8_t *chain;     /* first generic header */
	size_t chain_len;         /* up to the end of the last payload */
	size_t pad_len;           /* plaintext bytes after the last payload (decrypted only) */
	unsigned npayloads, nunknown;
	struct isakmp_payload pl[ISAKMP_MAX_PAYLOADS];
	unsigned nprops, ntrans, nattrs;
	struct isakmp_proposal_v props[ISAKMP_MAX_PROPOSALS];
	struct isakmp_transform_v trans[ISAKMP_MAX_TRANSFORMS];
	struct isakmp_attr_v attrs[ISAKMP_MAX_ATTRS];
	struct isakmp_perror err;
};

/* isakmp_parse flags */
#define ISAKMP_PARSE_NONESP_MARKER 0x1 /* datagram came to port 4500: expect and strip the marker */
#define ISAKMP_PARSE_ANY_EXCHANGE 0x2  /* accept exchange types outside {2,4,5,6,32} (e.g. TED) */

/* Parse one UDP payload.  Returns ISAKMP_OK or the error also in m->err. */
enum isakmp_err isakmp_parse(struct isakmp_msg *m, const uint8_t *dgram, size_t len, unsigned flags);

/* Second step for an encrypted message: parse the payload chain of the
 * decrypted body (the chain starts with m->first_np).  Up to max_pad bytes
 * of padding may follow the last payload (m->pad_len tells how many).
 * plain must outlive the use of m. */
enum isakmp_err isakmp_parse_decrypted(struct isakmp_msg *m, const uint8_t *plain, size_t len,
				       size_t max_pad);

/* Decode a run of data attributes (TV/TLV), e.g. RESPONDER-LIFETIME notify
 * data.  Returns ISAKMP_OK, ISAKMP_E_NESTED_OVERRUN or ISAKMP_E_TOO_MANY_ATTRS. */
enum isakmp_err isakmp_decode_attrs(const uint8_t *p, size_t len, struct isakmp_attr_v *out, unsigned max,
				    unsigned *n);

/* First payload of a type after prev (NULL: from the start), or NULL. */
const struct isakmp_payload *isakmp_msg_find(const struct isakmp_msg *m, uint8_t type,
					     const struct isakmp_payload *prev);
unsigned isakmp_msg_count(const struct isakmp_msg *m, uint8_t type);
/* Body of the first payload of a type (SAi_b, IDii_b ...), or NULL. */
const uint8_t *isakmp_msg_body(const struct isakmp_msg *m, uint8_t type, size_t *len);
/* The chain bytes after payload p up to the end of the last payload (what
 * HASH(1)/HASH(2) of quick mode cover after the HASH payload). */
const uint8_t *isakmp_msg_after(const struct isakmp_msg *m, const struct isakmp_payload *p, size_t *len);
/* Attribute / transform of a parsed message by absolute index. */
static inline const struct isakmp_attr_v *isakmp_attr_at(const struct isakmp_msg *m, unsigned i)
{
	return i < m->nattrs ? &m->attrs[i] : NULL;
}
/* An attribute of a transform by type, or NULL. */
const struct isakmp_attr_v *isakmp_transform_attr(const struct isakmp_msg *m, const struct isakmp_transform_v *t,
						  uint16_t type);

/* Port 4500 datagram classification without parsing. */
enum isakmp_natt_kind { ISAKMP_NATT_IKE, ISAKMP_NATT_ESP, ISAKMP_NATT_KEEPALIVE, ISAKMP_NATT_RUNT };
enum isakmp_natt_kind isakmp_natt_classify(const uint8_t *dgram, size_t len);

/* Names for log lines ("SA", "Identity Protection (Main Mode)", "INVALID-COOKIE").
 * Unknown numbers give "UNKNOWN". */
const char *isakmp_payload_name(uint8_t type);
const char *isakmp_exchange_name(uint8_t exch);
const char *isakmp_notify_name(uint16_t type);

/* ---- builder ------------------------------------------------------------- */
/* Attribute encodings for the builder */
enum isakmp_attr_enc {
	ISAKMP_ENC_AUTO = 0, /* data given: TLV; value <= 0xffff: TV; else TLV of 4 bytes */
	ISAKMP_ENC_TV,       /* basic: value must fit 16 bits */
	ISAKMP_ENC_TLV,      /* variable: data/len, or the value in 4 bytes when data is NULL */
};

struct isakmp_attr_spec {
	uint16_t type;
	uint8_t enc;          /* enum isakmp_attr_enc */
	uint32_t val;
	const uint8_t *data;  /* TLV value bytes (len bytes); non-NULL with len 0 is an empty TLV
			       * (mode-config requests); NULL: the value is val */
	uint16_t len;
};

struct isakmp_transform_spec {
	uint8_t tnum, tid;
	uint8_t nattrs;
	const struct isakmp_attr_spec *attrs;
};

struct isakmp_proposal_spec {
	uint8_t pnum, proto, spi_size;
	uint8_t spi[ISAKMP_SPI_MAX];
	uint8_t ntrans;
	const struct isakmp_transform_spec *trans;
};

struct isakmp_sa_spec {
	uint32_t doi;        /* 0 is written as ISAKMP_DOI_IPSEC */
	uint32_t situation;  /* 0 is written as IPSEC_SIT_IDENTITY_ONLY */
	uint8_t nprops;
	const struct isakmp_proposal_spec *props;
};

struct isakmp_id_spec {
	uint8_t type, proto;
	uint16_t port;
	const uint8_t *data;
	uint16_t len;
};

struct isakmp_notify_spec {
	uint32_t doi;
	uint8_t proto, spi_size;
	uint16_t type;
	const uint8_t *spi;   /* spi_size bytes */
	const uint8_t *data;
	uint16_t data_len;
};

struct isakmp_delete_spec {
	uint32_t doi;
	uint8_t proto, spi_size;
	uint16_t nspi;
	const uint8_t *spis;  /* nspi * spi_size bytes */
};

struct isakmp_hdr_spec {
	const uint8_t *icookie, *rcookie; /* 8 bytes each; NULL = zero */
	uint8_t exchange, flags;
	uint32_t msgid;
	bool nonesp_marker;  /* prefix the 4-byte marker (sending to port 4500) */
};

struct isakmp_builder {
	struct wbuf w;
	size_t base;   /* offset of the ISAKMP header in the buffer */
	size_t np_at;  /* the next-payload byte the next append patches */
	bool finished;
	unsigned n;
	struct { uint8_t type; uint32_t off; uint16_t len; } pl[ISAKMP_MAX_PAYLOADS];
};

void isakmp_build_init(struct isakmp_builder *b, uint8_t *buf, size_t cap, const struct isakmp_hdr_spec *h);
/* Appends return a payload handle (>= 0) or -1 (error, sticky). */
int isakmp_add_sa(struct isakmp_builder *b, const struct isakmp_sa_spec *sa);
int isakmp_add_ke(struct isakmp_builder *b, const uint8_t *data, size_t len);
int isakmp_add_nonce(struct isakmp_builder *b, const uint8_t *data, size_t len);
int isakmp_add_id(struct isakmp_builder *b, const struct isakmp_id_spec *id);
/* data NULL: len zero bytes reserved, filled later through isakmp_build_body_mut. */
int isakmp_add_hash(struct isakmp_builder *b, const uint8_t *data, size_t len);
int isakmp_add_notify(struct isakmp_builder *b, const struct isakmp_notify_spec *n);
int isakmp_add_delete(struct isakmp_builder *b, const struct isakmp_delete_spec *d);
int isakmp_add_vid(struct isakmp_builder *b, const uint8_t *vid, size_t len);
int isakmp_add_natd(struct isakmp_builder *b, const uint8_t *hash, size_t len);
/* id_type IPSEC_ID_IPV4_ADDR (4 bytes) or IPSEC_ID_IPV6_ADDR (16 bytes). */
int isakmp_add_natoa(struct isakmp_builder *b, uint8_t id_type, const uint8_t *addr, size_t len);
int isakmp_add_cfg(struct isakmp_builder *b, uint8_t cfg_type, uint16_t identifier, const struct isakmp_attr_spec *attrs,
		   unsigned nattrs);
/* Any payload type with an opaque body (CERT, CR, SIG, private types ...).
 * reserved is the generic header's second byte (ISAKMP_GEN_CRITICAL ...). */
int isakmp_add_raw(struct isakmp_builder *b, uint8_t type, uint8_t reserved, const uint8_t *body, size_t len);

/* Fill in the header length.  *len (may be NULL) gets the datagram length
 * including any marker.  0 or -1. */
int isakmp_build_finish(struct isakmp_builder *b, size_t *len);
bool isakmp_build_ok(const struct isakmp_builder *b);

/* Body of an appended payload (SAi_b, IDii_b ...), NULL for a bad handle. */
const uint8_t *isakmp_build_body(const struct isakmp_builder *b, int handle, size_t *len);
uint8_t *isakmp_build_body_mut(struct isakmp_builder *b, int handle, size_t *len);
/* Message bytes after payload handle up to the current end. */
const uint8_t *isakmp_build_after(const struct isakmp_builder *b, int handle, size_t *len);

/* Encryption: after finish, the payload chain is at isakmp_build_chain().
 * The caller writes the ciphertext (ct_len bytes, at most *room) in its
 * place and calls isakmp_build_seal(), which sets the E flag and the header
 * length.  0 or -1. */
uint8_t *isakmp_build_chain(struct isakmp_builder *b, size_t *len, size_t *room);
int isakmp_build_seal(struct isakmp_builder *b, size_t ct_len, size_t *total);

#endif /* ESPFAB_IKE_ISAKMP_MSG_H */
