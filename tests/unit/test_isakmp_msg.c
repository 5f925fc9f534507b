/* ike/isakmp_{parse,build,vid}.c and ike/cursor.h.
 *
 *  - cursors: bounds, sticky errors, sub-cursors, back-patching;
 *  - round trips build -> parse for every payload the builder makes (and
 *    CERT/CR/SIG/private types through isakmp_add_raw), SAi_b/IDii_b,
 *    the NAT-T marker, the encrypted two-step parse, HASH(1) coverage;
 *  - numbered hostile cases, each in a heap buffer of exactly its size (so
 *    ASan sees any read past it), each with its own error code and notify;
 *  - a mutation loop (bit flips, byte writes, truncations, length-field
 *    rewrites) over valid messages: any result but a crash is acceptable,
 *    and an accepted message must point only inside its buffer;
 *  - the vendor ID table against MD5 of the named strings (OpenSSL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cursor.h"
#include "isakmp_msg.h"
#include "isakmp_vid.h"

static const uint8_t CI[8] = { 0xd5, 0x61, 0x97, 0x78, 0x0d, 0x7b, 0xe3, 0xe5 };
static const uint8_t CR[8] = { 0x1b, 0x30, 0x1d, 0x2d, 0xe7, 0x10, 0xed, 0xa0 };

static struct isakmp_msg M; /* ~12 KB: static, not on the stack */

/* Parse from a heap copy of exactly len bytes (ASan catches over-reads).
 * The copy is kept until the next call so that M's pointers stay valid. */
static uint8_t *g_copy;
static enum isakmp_err parse_exact(const uint8_t *buf, size_t len, unsigned flags)
{
	free(g_copy);
	g_copy = malloc(len ? len : 1);
	assert_non_null(g_copy);
	if (len)
		memcpy(g_copy, buf, len);
	return isakmp_parse(&M, g_copy, len, flags);
}

/* ---- cursors ------------------------------------------------------------- */

static void test_cursor_reader(void **state)
{
	(void)state;
	const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct cur c = cur_make(b, sizeof b);
	assert_int_equal(cur_u8(&c), 1);
	assert_int_equal(cur_u16(&c), 0x0203);
	assert_int_equal(cur_u32(&c), 0x04050607u);
	assert_int_equal(cur_left(&c), 2);
	assert_true(cur_ok(&c));
	assert_int_equal(cur_u32(&c), 0); /* 2 left: fails, consumes nothing */
	assert_false(cur_ok(&c));
	assert_int_equal(cur_offset(&c), 7);
	assert_int_equal(cur_u8(&c), 0); /* sticky even though a byte remains */
	assert_null(cur_bytes(&c, 0));
	assert_int_equal(cur_left(&c), 0);

	c = cur_make(b, sizeof b);
	struct cur s = cur_sub(&c, 4);
	assert_true(cur_ok(&s));
	assert_int_equal(cur_left(&c), 5);
	assert_int_equal(cur_u32(&s), 0x01020304u);
	assert_int_equal(cur_u8(&s), 0);
	assert_false(cur_ok(&s));
	assert_true(cur_ok(&c)); /* the parent is not affected */
	struct cur s2 = cur_sub(&c, 6); /* 5 left */
	assert_false(cur_ok(&s2));
	assert_false(cur_ok(&c));
	assert_int_equal(cur_left(&s2), 0);

	uint8_t out[4] = { 9, 9, 9, 9 };
	c = cur_make(b, 3);
	assert_false(cur_copy(&c, out, 4));
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);

	c = cur_make(NULL, 0);
	assert_true(cur_ok(&c));
	assert_int_equal(cur_u8(&c), 0);
	assert_false(cur_ok(&c));
	c = cur_make(NULL, 5);
	assert_false(cur_ok(&c));
	assert_int_equal(cur_left(&c), 0);
}

static void test_cursor_writer(void **state)
{
	(void)state;
	uint8_t b[8];
	struct wbuf w;
	wbuf_init(&w, b, sizeof b);
	size_t at = wbuf_mark(&w);
	wbuf_u16(&w, 0);
	wbuf_u32(&w, 0xa1b2c3d4u);
	wbuf_patch_u16(&w, at, 0x1234);
	assert_true(wbuf_ok(&w));
	assert_int_equal(wbuf_len(&w), 6);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(b[1], 0x34);
	assert_int_equal(b[2], 0xa1);
	wbuf_patch_u32(&w, 4, 1); /* would write bytes 4..7, only 6 written */
	assert_false(wbuf_ok(&w));
	wbuf_init(&w, b, sizeof b);
	wbuf_bytes(&w, NULL, 7);
	assert_int_equal(b[6], 0);
	wbuf_u16(&w, 1); /* does not fit */
	assert_false(wbuf_ok(&w));
	assert_int_equal(wbuf_len(&w), 7);
	wbuf_u8(&w, 1); /* sticky although it would fit */
	assert_int_equal(wbuf_len(&w), 7);
	assert_int_equal(wbuf_room(&w), 0);
}

/* ---- sample messages ------------------------------------------------------- */

/* Main mode message 1 the way IOS proposes: AES-128/SHA/PSK/group 14/86400 s
 * (duration as 4-byte TLV), then 3DES/MD5/PSK/group 2/28800 s (TV). */
static const struct isakmp_attr_spec p1_t1[] = {
	{ IKE_ATTR_ENCRYPTION, 0, IKE_ENCR_AES_CBC, NULL, 0 },
	{ IKE_ATTR_KEY_LENGTH, 0, 128, NULL, 0 },
	{ IKE_ATTR_HASH, 0, IKE_HASH_SHA, NULL, 0 },
	{ IKE_ATTR_AUTH_METHOD, 0, IKE_AUTH_PSK, NULL, 0 },
	{ IKE_ATTR_GROUP_DESC, 0, IKE_GROUP_MODP2048, NULL, 0 },
	{ IKE_ATTR_LIFE_TYPE, 0, IKE_LIFE_SECONDS, NULL, 0 },
	{ IKE_ATTR_LIFE_DURATION, 0, 86400, NULL, 0 },
};
static const struct isakmp_attr_spec p1_t2[] = {
	{ IKE_ATTR_ENCRYPTION, ISAKMP_ENC_TV, IKE_ENCR_3DES_CBC, NULL, 0 },
	{ IKE_ATTR_HASH, ISAKMP_ENC_TV, IKE_HASH_MD5, NULL, 0 },
	{ IKE_ATTR_AUTH_METHOD, ISAKMP_ENC_TV, IKE_AUTH_PSK, NULL, 0 },
	{ IKE_ATTR_GROUP_DESC, ISAKMP_ENC_TV, IKE_GROUP_MODP1024, NULL, 0 },
	{ IKE_ATTR_LIFE_TYPE, ISAKMP_ENC_TV, IKE_LIFE_SECONDS, NULL, 0 },
	{ IKE_ATTR_LIFE_DURATION, ISAKMP_ENC_TLV, 28800, NULL, 0 },
};
static const struct isakmp_transform_spec p1_trans[] = {
	{ 1, ISAKMP_KEY_IKE, 7, p1_t1 },
	{ 2, ISAKMP_KEY_IKE, 6, p1_t2 },
};
static const struct isakmp_proposal_spec p1_prop[] = { { 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 2, p1_trans } };
static const struct isakmp_sa_spec p1_sa = { ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY, 1, p1_prop };

static size_t build_mm1(uint8_t *buf, size_t cap, bool marker, int *sa_handle)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, NULL, ISAKMP_EXCH_IDPROT, 0, 0, marker };
	isakmp_build_init(&b, buf, cap, &h);
	int sa = isakmp_add_sa(&b, &p1_sa);
	assert_true(sa >= 0);
	if (sa_handle)
		*sa_handle = sa;
	const enum isakmp_vid v[] = { VID_NATT_RFC3947, VID_NATT_DRAFT_07, VID_NATT_DRAFT_03, VID_NATT_DRAFT_02N,
				      VID_DPD, VID_CISCO_UNITY, VID_XAUTH, VID_FRAGMENTATION, VID_CISCO_IOS };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		const struct isakmp_vid_def *d = isakmp_vid_get(v[i]);
		assert_non_null(d);
		assert_true(isakmp_add_vid(&b, d->vid, d->len) >= 0);
	}
	size_t len = 0;
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	return len;
}

/* Quick mode message 1: HASH(1), SA (ESP, two proposals), NONCE, KE, IDci,
 * IDcr, NAT-OA x2. */
static const uint8_t kb4608000[4] = { 0x00, 0x46, 0x50, 0x00 };
static const struct isakmp_attr_spec qm_t1[] = {
	{ IPSEC_ATTR_LIFE_TYPE, 0, IPSEC_LIFE_SECONDS, NULL, 0 },
	{ IPSEC_ATTR_LIFE_DURATION, 0, 3600, NULL, 0 },
	{ IPSEC_ATTR_LIFE_TYPE, 0, IPSEC_LIFE_KILOBYTES, NULL, 0 },
	{ IPSEC_ATTR_LIFE_DURATION, 0, 0, kb4608000, 4 },
	{ IPSEC_ATTR_ENCAP_MODE, 0, IPSEC_ENCAP_UDP_TUNNEL, NULL, 0 },
	{ IPSEC_ATTR_AUTH_ALG, 0, IPSEC_AUTH_HMAC_SHA, NULL, 0 },
	{ IPSEC_ATTR_KEY_LENGTH, 0, 256, NULL, 0 },
	{ IPSEC_ATTR_GROUP_DESC, 0, IKE_GROUP_MODP1024, NULL, 0 },
};
static const struct isakmp_attr_spec qm_t2[] = {
	{ IPSEC_ATTR_ENCAP_MODE, 0, IPSEC_ENCAP_UDP_TUNNEL_DRAFT, NULL, 0 },
	{ IPSEC_ATTR_AUTH_ALG, 0, IPSEC_AUTH_HMAC_MD5, NULL, 0 },
};
static const struct isakmp_transform_spec qm_trans1[] = { { 1, ESP_AES, 8, qm_t1 } };
static const struct isakmp_transform_spec qm_trans2[] = { { 1, ESP_3DES, 2, qm_t2 }, { 2, ESP_DES, 2, qm_t2 } };
static const struct isakmp_proposal_spec qm_prop[] = {
	{ 1, ISAKMP_PROTO_ESP, 4, { 0xa4, 0x79, 0x0f, 0xa0 }, 1, qm_trans1 },
	{ 2, ISAKMP_PROTO_ESP, 4, { 0xf8, 0x00, 0xd6, 0x1f }, 2, qm_trans2 },
};
static const struct isakmp_sa_spec qm_sa = { 0, 0, 2, qm_prop };

static uint8_t pattern[512];

static size_t build_qm1(uint8_t *buf, size_t cap, int *hash_h)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_QUICK, 0, 0x18674d28u, false };
	isakmp_build_init(&b, buf, cap, &h);
	int hh = isakmp_add_hash(&b, NULL, 20);
	assert_true(isakmp_add_sa(&b, &qm_sa) >= 0);
	assert_true(isakmp_add_nonce(&b, pattern, 20) >= 0);
	assert_true(isakmp_add_ke(&b, pattern + 20, 128) >= 0);
	const uint8_t sub[8] = { 13, 13, 13, 0, 255, 255, 255, 0 };
	const uint8_t rng[8] = { 12, 12, 12, 1, 12, 12, 12, 99 };
	struct isakmp_id_spec id1 = { IPSEC_ID_IPV4_ADDR_SUBNET, 0, 0, sub, 8 };
	struct isakmp_id_spec id2 = { IPSEC_ID_IPV4_ADDR_RANGE, 17, 500, rng, 8 };
	assert_true(isakmp_add_id(&b, &id1) >= 0);
	assert_true(isakmp_add_id(&b, &id2) >= 0);
	const uint8_t oa4[4] = { 192, 168, 1, 5 };
	uint8_t oa6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	oa6[15] = 1;
	assert_true(isakmp_add_natoa(&b, IPSEC_ID_IPV4_ADDR, oa4, 4) >= 0);
	assert_true(isakmp_add_natoa(&b, IPSEC_ID_IPV6_ADDR, oa6, 16) >= 0);
	size_t len = 0;
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	if (hash_h)
		*hash_h = hh;
	return len;
}

static size_t build_info(uint8_t *buf, size_t cap)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_INFO, 0, 0x01020304u, false };
	isakmp_build_init(&b, buf, cap, &h);
	uint8_t spi16[16];
	memcpy(spi16, CI, 8);
	memcpy(spi16 + 8, CR, 8);
	const uint8_t seq[4] = { 0, 0, 0x12, 0x34 };
	struct isakmp_notify_spec dpd = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, ISAKMP_N_DPD_R_U_THERE, spi16, seq, 4 };
	const uint8_t life[] = { 0x80, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x0e, 0x10 };
	const uint8_t espspi[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct isakmp_notify_spec rl = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ESP, 4, IPSEC_N_RESPONDER_LIFETIME,
					 espspi, life, sizeof life };
	struct isakmp_notify_spec ic = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, IPSEC_N_INITIAL_CONTACT, spi16,
					 NULL, 0 };
	const uint8_t spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct isakmp_delete_spec d_esp = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ESP, 4, 2, spis };
	struct isakmp_delete_spec d_ike = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, 1, spi16 };
	assert_true(isakmp_add_hash(&b, pattern, 16) >= 0);
	assert_true(isakmp_add_notify(&b, &dpd) >= 0);
	assert_true(isakmp_add_notify(&b, &rl) >= 0);
	assert_true(isakmp_add_notify(&b, &ic) >= 0);
	assert_true(isakmp_add_delete(&b, &d_esp) >= 0);
	assert_true(isakmp_add_delete(&b, &d_ike) >= 0);
	size_t len = 0;
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	return len;
}

static size_t build_cfg(uint8_t *buf, size_t cap, bool marker)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_TRANSACTION, 0, 0x7a7a7a7au, marker };
	isakmp_build_init(&b, buf, cap, &h);
	const uint8_t empty = 0;
	const char *ver = "espfab 1.0";
	const struct isakmp_attr_spec a[] = {
		{ MODECFG_INTERNAL_IP4_ADDRESS, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_INTERNAL_IP4_NETMASK, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_INTERNAL_IP4_DNS, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_APPLICATION_VERSION, 0, 0, (const uint8_t *)ver, (uint16_t)strlen(ver) },
		{ UNITY_SAVE_PASSWD, ISAKMP_ENC_TV, 0, NULL, 0 },
		{ XAUTH_STATUS, ISAKMP_ENC_TV, 1, NULL, 0 },
	};
	assert_true(isakmp_add_hash(&b, pattern, 20) >= 0);
	assert_true(isakmp_add_cfg(&b, ISAKMP_CFG_REQUEST, 0x1234, a, 6) >= 0);
	size_t len = 0;
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	return len;
}

/* ---- round trips ------------------------------------------------------------ */

static void check_attr(unsigned i, uint16_t type, bool tv, uint64_t val)
{
	const struct isakmp_attr_v *a = isakmp_attr_at(&M, i);
	assert_non_null(a);
	assert_int_equal(a->type, type);
	assert_int_equal(a->tv, tv);
	assert_true(a->val_ok);
	assert_int_equal(a->val, val);
}

static void test_roundtrip_main_mode(void **state)
{
	(void)state;
	uint8_t buf[2048];
	int sah;
	size_t len = build_mm1(buf, sizeof buf, false, &sah);
	assert_int_equal(parse_exact(buf, len, 0), ISAKMP_OK);
	assert_memory_equal(M.icookie, CI, 8);
	assert_int_equal(M.exchange, ISAKMP_EXCH_IDPROT);
	assert_int_equal(M.version, 0x10);
	assert_int_equal(M.length, len);
	assert_false(M.encrypted);
	assert_int_equal(M.npayloads, 10);
	assert_int_equal(M.nunknown, 0);
	assert_int_equal(M.pl[0].type, ISAKMP_NP_SA);
	for (unsigned i = 1; i < 10; i++)
		assert_int_equal(M.pl[i].type, ISAKMP_NP_VID);
	const struct isakmp_payload *sa = &M.pl[0];
	assert_int_equal(sa->u.sa.doi, 1);
	assert_int_equal(sa->u.sa.situation, 1);
	assert_int_equal(sa->u.sa.nprops, 1);
	const struct isakmp_proposal_v *p = &M.props[sa->u.sa.prop_first];
	assert_int_equal(p->pnum, 1);
	assert_int_equal(p->proto, ISAKMP_PROTO_ISAKMP);
	assert_int_equal(p->spi_size, 0);
	assert_int_equal(p->ntrans, 2);
	const struct isakmp_transform_v *t1 = &M.trans[p->trans_first], *t2 = t1 + 1;
	assert_int_equal(t1->tnum, 1);
	assert_int_equal(t1->tid, ISAKMP_KEY_IKE);
	assert_int_equal(t1->nattrs, 7);
	check_attr(t1->attr_first + 0, IKE_ATTR_ENCRYPTION, true, IKE_ENCR_AES_CBC);
	check_attr(t1->attr_first + 1, IKE_ATTR_KEY_LENGTH, true, 128);
	check_attr(t1->attr_first + 4, IKE_ATTR_GROUP_DESC, true, 14);
	check_attr(t1->attr_first + 6, IKE_ATTR_LIFE_DURATION, false, 86400); /* auto: 4-byte TLV */
	assert_int_equal(isakmp_attr_at(&M, t1->attr_first + 6)->len, 4);
	assert_int_equal(t2->nattrs, 6);
	check_attr(t2->attr_first + 0, IKE_ATTR_ENCRYPTION, true, IKE_ENCR_3DES_CBC);
	check_attr(t2->attr_first + 5, IKE_ATTR_LIFE_DURATION, false, 28800); /* forced TLV */
	assert_non_null(isakmp_transform_attr(&M, t2, IKE_ATTR_HASH));
	assert_int_equal(isakmp_transform_attr(&M, t2, IKE_ATTR_HASH)->val, IKE_HASH_MD5);
	assert_null(isakmp_transform_attr(&M, t2, IKE_ATTR_KEY_LENGTH));

	/* SAi_b: the builder's and the parser's views agree with the wire */
	size_t bl = 0, pl = 0;
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, NULL, ISAKMP_EXCH_IDPROT, 0, 0, false };
	uint8_t buf2[2048];
	isakmp_build_init(&b, buf2, sizeof buf2, &h);
	int hs = isakmp_add_sa(&b, &p1_sa);
	const uint8_t *bb = isakmp_build_body(&b, hs, &bl);
	const uint8_t *pb = isakmp_msg_body(&M, ISAKMP_NP_SA, &pl);
	assert_non_null(bb);
	assert_non_null(pb);
	assert_int_equal(bl, pl);
	assert_int_equal(bl, sa->len - 4);
	assert_memory_equal(bb, pb, bl);
	assert_memory_equal(pb, buf + 32, pl); /* header 28 + generic header 4 */

	/* VIDs come back and are recognised */
	const enum isakmp_vid want[] = { VID_NATT_RFC3947, VID_NATT_DRAFT_07, VID_NATT_DRAFT_03, VID_NATT_DRAFT_02N,
					 VID_DPD, VID_CISCO_UNITY, VID_XAUTH, VID_FRAGMENTATION, VID_CISCO_IOS };
	const struct isakmp_payload *v = NULL;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		v = isakmp_msg_find(&M, ISAKMP_NP_VID, v);
		assert_non_null(v);
		const struct isakmp_vid_def *d = isakmp_vid_match(v->body, v->body_len);
		assert_non_null(d);
		assert_int_equal(d->id, want[i]);
		assert_int_equal(v->body_len, d->len);
	}
	assert_null(isakmp_msg_find(&M, ISAKMP_NP_VID, v));
	assert_int_equal(isakmp_msg_count(&M, ISAKMP_NP_VID), 9);
}

static void test_roundtrip_quick_mode(void **state)
{
	(void)state;
	uint8_t buf[2048];
	int hh;
	size_t len = build_qm1(buf, sizeof buf, &hh);
	assert_int_equal(parse_exact(buf, len, 0), ISAKMP_OK);
	assert_int_equal(M.msgid, 0x18674d28u);
	assert_memory_equal(M.rcookie, CR, 8);
	const uint8_t types[] = { ISAKMP_NP_HASH, ISAKMP_NP_SA, ISAKMP_NP_NONCE, ISAKMP_NP_KE,
				  ISAKMP_NP_ID, ISAKMP_NP_ID, ISAKMP_NP_NATOA, ISAKMP_NP_NATOA };
	assert_int_equal(M.npayloads, sizeof types);
	for (unsigned i = 0; i < sizeof types; i++)
		assert_int_equal(M.pl[i].type, types[i]);
	assert_int_equal(M.pl[0].body_len, 20);
	const struct isakmp_payload *sa = &M.pl[1];
	assert_int_equal(sa->u.sa.nprops, 2);
	const struct isakmp_proposal_v *p1 = &M.props[sa->u.sa.prop_first], *p2 = p1 + 1;
	assert_int_equal(p1->proto, ISAKMP_PROTO_ESP);
	assert_int_equal(p1->spi_size, 4);
	assert_memory_equal(p1->spi, "\xa4\x79\x0f\xa0", 4);
	assert_int_equal(p1->ntrans, 1);
	const struct isakmp_transform_v *t = &M.trans[p1->trans_first];
	assert_int_equal(t->tid, ESP_AES);
	assert_int_equal(t->nattrs, 8);
	check_attr(t->attr_first + 1, IPSEC_ATTR_LIFE_DURATION, true, 3600);
	check_attr(t->attr_first + 3, IPSEC_ATTR_LIFE_DURATION, false, 4608000);
	check_attr(t->attr_first + 4, IPSEC_ATTR_ENCAP_MODE, true, IPSEC_ENCAP_UDP_TUNNEL);
	check_attr(t->attr_first + 6, IPSEC_ATTR_KEY_LENGTH, true, 256);
	assert_int_equal(p2->pnum, 2);
	assert_int_equal(p2->ntrans, 2);
	assert_int_equal(M.trans[p2->trans_first].tid, ESP_3DES);
	assert_int_equal(M.trans[p2->trans_first + 1].tid, ESP_DES);
	check_attr(M.trans[p2->trans_first].attr_first, IPSEC_ATTR_ENCAP_MODE, true, IPSEC_ENCAP_UDP_TUNNEL_DRAFT);
	assert_int_equal(M.pl[2].body_len, 20);
	assert_memory_equal(M.pl[2].body, pattern, 20);
	assert_int_equal(M.pl[3].body_len, 128);
	const struct isakmp_payload *id1 = &M.pl[4], *id2 = &M.pl[5];
	assert_int_equal(id1->u.id.type, IPSEC_ID_IPV4_ADDR_SUBNET);
	assert_int_equal(id1->u.id.data_len, 8);
	assert_memory_equal(id1->u.id.data, "\x0d\x0d\x0d\x00\xff\xff\xff\x00", 8);
	assert_int_equal(id2->u.id.type, IPSEC_ID_IPV4_ADDR_RANGE);
	assert_int_equal(id2->u.id.proto, 17);
	assert_int_equal(id2->u.id.port, 500);
	assert_int_equal(M.pl[6].u.natoa.id_type, IPSEC_ID_IPV4_ADDR);
	assert_int_equal(M.pl[6].u.natoa.addr_len, 4);
	assert_memory_equal(M.pl[6].u.natoa.addr, "\xc0\xa8\x01\x05", 4);
	assert_int_equal(M.pl[7].u.natoa.addr_len, 16);

	/* HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr]): the
	 * builder and the parser give the same bytes after the HASH payload,
	 * and the reserved HASH body can be filled in place. */
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_QUICK, 0, 0x18674d28u, false };
	uint8_t buf2[2048];
	size_t len2 = build_qm1(buf2, sizeof buf2, NULL);
	assert_int_equal(len2, len);
	isakmp_build_init(&b, buf2, sizeof buf2, &h);
	int h2 = isakmp_add_hash(&b, NULL, 20);
	assert_true(isakmp_add_sa(&b, &qm_sa) >= 0);
	size_t al = 0, pl = 0;
	const uint8_t *ab = isakmp_build_after(&b, h2, &al);
	const uint8_t *pa = isakmp_msg_after(&M, &M.pl[0], &pl);
	assert_int_equal(al, M.pl[1].len); /* so far only the SA follows */
	assert_int_equal(ab[0], ISAKMP_NP_NONE); /* last payload so far; NONCE on the wire */
	assert_int_equal(pa[0], ISAKMP_NP_NONCE);
	assert_memory_equal(ab + 1, pa + 1, al - 1);
	assert_int_equal(pl, len - 28 - 24);
	size_t hl = 0;
	uint8_t *hb = isakmp_build_body_mut(&b, h2, &hl);
	assert_int_equal(hl, 20);
	memset(hb, 0xab, hl);
	assert_int_equal(buf2[28 + 4], 0xab);
	(void)hh;
}

static void test_roundtrip_informational(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t len = build_info(buf, sizeof buf);
	assert_int_equal(parse_exact(buf, len, 0), ISAKMP_OK);
	assert_int_equal(M.npayloads, 6);
	const struct isakmp_payload *n = isakmp_msg_find(&M, ISAKMP_NP_N, NULL);
	assert_non_null(n);
	assert_int_equal(n->u.n.type, ISAKMP_N_DPD_R_U_THERE);
	assert_int_equal(n->u.n.doi, 1);
	assert_int_equal(n->u.n.proto, ISAKMP_PROTO_ISAKMP);
	assert_int_equal(n->u.n.spi_size, 16);
	assert_memory_equal(n->u.n.spi, CI, 8);
	assert_memory_equal(n->u.n.spi + 8, CR, 8);
	assert_int_equal(n->u.n.data_len, 4);
	assert_memory_equal(n->u.n.data, "\x00\x00\x12\x34", 4);
	n = isakmp_msg_find(&M, ISAKMP_NP_N, n);
	assert_int_equal(n->u.n.type, IPSEC_N_RESPONDER_LIFETIME);
	assert_int_equal(n->u.n.proto, ISAKMP_PROTO_ESP);
	assert_memory_equal(n->u.n.spi, "\xde\xad\xbe\xef", 4);
	struct isakmp_attr_v la[4];
	unsigned k = 0;
	assert_int_equal(isakmp_decode_attrs(n->u.n.data, n->u.n.data_len, la, 4, &k), ISAKMP_OK);
	assert_int_equal(k, 2);
	assert_int_equal(la[0].type, IPSEC_ATTR_LIFE_TYPE);
	assert_int_equal(la[0].val, IPSEC_LIFE_SECONDS);
	assert_false(la[1].tv);
	assert_int_equal(la[1].val, 3600);
	assert_int_equal(isakmp_decode_attrs(n->u.n.data, n->u.n.data_len, la, 1, &k), ISAKMP_E_TOO_MANY_ATTRS);
	assert_int_equal(isakmp_decode_attrs(n->u.n.data, n->u.n.data_len - 1, la, 4, &k), ISAKMP_E_NESTED_OVERRUN);
	n = isakmp_msg_find(&M, ISAKMP_NP_N, n);
	assert_int_equal(n->u.n.type, IPSEC_N_INITIAL_CONTACT);
	assert_int_equal(n->u.n.data_len, 0);
	const struct isakmp_payload *d = isakmp_msg_find(&M, ISAKMP_NP_D, NULL);
	assert_int_equal(d->u.d.proto, ISAKMP_PROTO_ESP);
	assert_int_equal(d->u.d.nspi, 2);
	assert_int_equal(d->u.d.spi_size, 4);
	assert_memory_equal(d->u.d.spis, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	d = isakmp_msg_find(&M, ISAKMP_NP_D, d);
	assert_int_equal(d->u.d.proto, ISAKMP_PROTO_ISAKMP);
	assert_int_equal(d->u.d.spi_size, 16);
	assert_int_equal(d->u.d.nspi, 1);
	assert_string_equal(isakmp_notify_name(ISAKMP_N_DPD_R_U_THERE_ACK), "R-U-THERE-ACK");
	assert_string_equal(isakmp_notify_name(IPSEC_N_INITIAL_CONTACT), "INITIAL-CONTACT");
	assert_string_equal(isakmp_notify_name(4242), "UNKNOWN");
}

static void test_roundtrip_cfg_and_raw(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t len = build_cfg(buf, sizeof buf, false);
	assert_int_equal(parse_exact(buf, len, 0), ISAKMP_OK);
	const struct isakmp_payload *a = isakmp_msg_find(&M, ISAKMP_NP_ATTR, NULL);
	assert_non_null(a);
	assert_int_equal(a->u.cfg.type, ISAKMP_CFG_REQUEST);
	assert_int_equal(a->u.cfg.identifier, 0x1234);
	assert_int_equal(a->u.cfg.nattrs, 6);
	const struct isakmp_attr_v *v = isakmp_attr_at(&M, a->u.cfg.attr_first);
	assert_int_equal(v[0].type, MODECFG_INTERNAL_IP4_ADDRESS);
	assert_false(v[0].tv);
	assert_int_equal(v[0].len, 0);
	assert_false(v[0].val_ok);
	assert_int_equal(v[3].type, MODECFG_APPLICATION_VERSION);
	assert_int_equal(v[3].len, 10);
	assert_memory_equal(v[3].data, "espfab 1.0", 10);
	assert_false(v[3].val_ok); /* 10 bytes: not an integer */
	assert_int_equal(v[4].type, UNITY_SAVE_PASSWD);
	assert_true(v[4].tv);
	assert_int_equal(v[5].val, 1);

	/* IDs of every type, CERT, CR, SIG, an unknown non-critical payload */
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_IDPROT, 0, 0, false };
	isakmp_build_init(&b, buf, sizeof buf, &h);
	const uint8_t a4[4] = { 11, 11, 11, 1 };
	uint8_t a6[32] = { 0x20, 0x01 };
	struct isakmp_id_spec ids[] = {
		{ IPSEC_ID_IPV4_ADDR, 17, 500, a4, 4 },
		{ IPSEC_ID_FQDN, 0, 0, (const uint8_t *)"vpn.example.com", 15 },
		{ IPSEC_ID_USER_FQDN, 0, 0, (const uint8_t *)"user@example.com", 16 },
		{ IPSEC_ID_KEY_ID, 0, 0, (const uint8_t *)"testgroup", 9 },
		{ IPSEC_ID_IPV6_ADDR, 0, 0, a6, 16 },
		{ IPSEC_ID_IPV6_ADDR_SUBNET, 0, 0, a6, 32 },
		{ IPSEC_ID_DER_ASN1_DN, 0, 0, (const uint8_t *)"\x30\x00", 2 },
	};
	int h_id0 = -1;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		int hi = isakmp_add_id(&b, &ids[i]);
		assert_true(hi >= 0);
		if (i == 0)
			h_id0 = hi;
	}
	const uint8_t cert[] = { ISAKMP_CERT_X509_SIG, 0x30, 0x82, 0x01, 0x00 };
	assert_true(isakmp_add_raw(&b, ISAKMP_NP_CERT, 0, cert, sizeof cert) >= 0);
	assert_true(isakmp_add_raw(&b, ISAKMP_NP_CR, 0, cert, 1) >= 0);
	assert_true(isakmp_add_raw(&b, ISAKMP_NP_SIG, 0, pattern, 40) >= 0);
	assert_true(isakmp_add_raw(&b, 239, 0, pattern, 3) >= 0); /* private, like IOS TED */
	assert_true(isakmp_add_natd(&b, pattern, 20) >= 0);
	assert_true(isakmp_add_raw(&b, ISAKMP_NP_NATD_DRAFT, 0, pattern, 16) >= 0);
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	size_t idl = 0;
	const uint8_t *idb = isakmp_build_body(&b, h_id0, &idl);
	assert_int_equal(idl, 8);
	assert_memory_equal(idb, "\x01\x11\x01\xf4\x0b\x0b\x0b\x01", 8); /* IDii_b */

	assert_int_equal(parse_exact(buf, len, 0), ISAKMP_OK);
	assert_int_equal(M.npayloads, 13);
	assert_int_equal(M.nunknown, 1);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		assert_int_equal(M.pl[i].type, ISAKMP_NP_ID);
		assert_int_equal(M.pl[i].u.id.type, ids[i].type);
		assert_int_equal(M.pl[i].u.id.proto, ids[i].proto);
		assert_int_equal(M.pl[i].u.id.port, ids[i].port);
		assert_int_equal(M.pl[i].u.id.data_len, ids[i].len);
		assert_memory_equal(M.pl[i].u.id.data, ids[i].data, ids[i].len);
	}
	size_t pidl = 0;
	assert_memory_equal(isakmp_msg_body(&M, ISAKMP_NP_ID, &pidl), idb, 8);
	assert_int_equal(pidl, 8);
	assert_int_equal(M.pl[7].u.cert.encoding, ISAKMP_CERT_X509_SIG);
	assert_int_equal(M.pl[7].u.cert.data_len, 4);
	assert_int_equal(M.pl[8].type, ISAKMP_NP_CR);
	assert_int_equal(M.pl[8].u.cert.data_len, 0);
	assert_int_equal(M.pl[9].body_len, 40);
	assert_int_equal(M.pl[10].type, 239);
	assert_false(M.pl[10].known);
	assert_int_equal(M.pl[11].type, ISAKMP_NP_NATD);
	assert_true(M.pl[12].known);
	assert_string_equal(isakmp_payload_name(ISAKMP_NP_NATD_DRAFT), "NAT-D (draft)");
	assert_string_equal(isakmp_payload_name(239), "UNKNOWN");
}

static void test_nonesp_marker(void **state)
{
	(void)state;
	uint8_t buf[2048];
	size_t len = build_mm1(buf, sizeof buf, true, NULL);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	assert_int_equal(isakmp_natt_classify(buf, len), ISAKMP_NATT_IKE);
	assert_int_equal(parse_exact(buf, len, ISAKMP_PARSE_NONESP_MARKER), ISAKMP_OK);
	assert_true(M.nonesp_marker);
	assert_int_equal(M.length, len - 4);
	assert_int_equal(M.npayloads, 10);
	/* the same bytes read as port-500 traffic: fields shifted by 4, refused */
	assert_int_not_equal(parse_exact(buf, len, 0), ISAKMP_OK);
	/* the message without the marker on 4500: its cookie looks like an SPI */
	assert_int_equal(parse_exact(buf + 4, len - 4, ISAKMP_PARSE_NONESP_MARKER), ISAKMP_E_NOT_IKE);
	assert_int_equal(M.err.notify, 0);
	const uint8_t ka = 0xff;
	assert_int_equal(isakmp_natt_classify(&ka, 1), ISAKMP_NATT_KEEPALIVE);
	assert_int_equal(parse_exact(&ka, 1, ISAKMP_PARSE_NONESP_MARKER), ISAKMP_E_NATT_KEEPALIVE);
	assert_int_equal(isakmp_natt_classify(buf, 3), ISAKMP_NATT_RUNT);
	assert_int_equal(parse_exact(buf, 3, ISAKMP_PARSE_NONESP_MARKER), ISAKMP_E_NOT_IKE);
	/* marker and nothing else */
	assert_int_equal(parse_exact(buf, 4, ISAKMP_PARSE_NONESP_MARKER), ISAKMP_E_SHORT_HEADER);
	/* round trip of a transaction message on 4500 */
	len = build_cfg(buf, sizeof buf, true);
	assert_int_equal(parse_exact(buf, len, ISAKMP_PARSE_NONESP_MARKER), ISAKMP_OK);
	assert_int_equal(M.exchange, ISAKMP_EXCH_TRANSACTION);
}

/* "Encrypt" by XOR with a key stream after padding to 8 bytes; the parser
 * must hand the ciphertext back untouched and parse the plaintext later. */
static void test_encrypted_two_step(void **state)
{
	(void)state;
	uint8_t buf[2048];
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_IDPROT, 0, 0, false };
	isakmp_build_init(&b, buf, sizeof buf, &h);
	const uint8_t a4[4] = { 11, 11, 11, 1 };
	struct isakmp_id_spec id = { IPSEC_ID_IPV4_ADDR, 17, 500, a4, 4 };
	assert_true(isakmp_add_id(&b, &id) >= 0);
	assert_true(isakmp_add_hash(&b, pattern, 20) >= 0);
	struct isakmp_notify_spec ic = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 0, IPSEC_N_INITIAL_CONTACT, NULL, NULL,
					 0 };
	assert_true(isakmp_add_notify(&b, &ic) >= 0);
	size_t len;
	assert_int_equal(isakmp_build_seal(&b, 8, NULL), -1); /* not finished: refused, sticky */
	isakmp_build_init(&b, buf, sizeof buf, &h);
	assert_true(isakmp_add_id(&b, &id) >= 0);
	assert_true(isakmp_add_hash(&b, pattern, 20) >= 0);
	assert_true(isakmp_add_notify(&b, &ic) >= 0);
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	size_t plen = 0, room = 0;
	uint8_t *chain = isakmp_build_chain(&b, &plen, &room);
	assert_non_null(chain);
	assert_int_equal(plen, 12 + 24 + 12);
	uint8_t plain[128];
	memcpy(plain, chain, plen);
	size_t padded = (plen + 7) & ~(size_t)7;
	if (padded == plen)
		padded += 8;
	memset(plain + plen, 0, padded - plen);
	plain[padded - 1] = (uint8_t)(padded - plen - 1);
	for (size_t i = 0; i < padded; i++)
		chain[i] = plain[i] ^ (uint8_t)(0x5a + i);
	size_t total = 0;
	assert_int_equal(isakmp_build_seal(&b, padded, &total), 0);
	assert_int_equal(total, 28 + padded);
	assert_null(isakmp_build_body(&b, 0, NULL)); /* handles are gone */

	assert_int_equal(parse_exact(buf, total, 0), ISAKMP_OK);
	assert_true(M.encrypted);
	assert_int_equal(M.flags & ISAKMP_FLAG_E, ISAKMP_FLAG_E);
	assert_int_equal(M.first_np, ISAKMP_NP_ID);
	assert_int_equal(M.enc_len, padded);
	assert_int_equal(M.npayloads, 0);
	uint8_t dec[128];
	for (size_t i = 0; i < M.enc_len; i++)
		dec[i] = M.enc[i] ^ (uint8_t)(0x5a + i);
	assert_int_equal(isakmp_parse_decrypted(&M, dec, M.enc_len, 16), ISAKMP_OK);
	assert_int_equal(M.npayloads, 3);
	assert_int_equal(M.pad_len, padded - plen);
	assert_int_equal(M.chain_len, plen);
	assert_int_equal(M.pl[0].u.id.port, 500);
	assert_int_equal(M.pl[0].offset, 28);
	assert_int_equal(M.pl[2].u.n.type, IPSEC_N_INITIAL_CONTACT);
	size_t al = 0;
	isakmp_msg_after(&M, &M.pl[1], &al); /* up to the chain's end, not the padding */
	assert_int_equal(al, 12);
	/* padding above the caller's bound */
	assert_int_equal(isakmp_parse_decrypted(&M, dec, M.enc_len, padded - plen - 1), ISAKMP_E_CHAIN_TRAILING);
	/* garbage plaintext (wrong key): an error, not a crash */
	assert_int_not_equal(isakmp_parse_decrypted(&M, M.enc, M.enc_len, 16), ISAKMP_OK);
	/* second step on a plaintext message */
	size_t l2 = build_info(buf, sizeof buf);
	assert_int_equal(parse_exact(buf, l2, 0), ISAKMP_OK);
	assert_int_equal(isakmp_parse_decrypted(&M, dec, 8, 8), ISAKMP_E_NOT_ENCRYPTED);
}

static void test_builder_errors(void **state)
{
	(void)state;
	uint8_t buf[4096];
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, NULL, ISAKMP_EXCH_IDPROT, 0, 0, false };

	isakmp_build_init(&b, buf, 40, &h); /* room for header + 12 bytes */
	assert_int_equal(isakmp_add_nonce(&b, pattern, 8), 0);
	assert_int_equal(isakmp_add_nonce(&b, pattern, 8), -1); /* does not fit */
	assert_false(isakmp_build_ok(&b));
	assert_int_equal(isakmp_add_vid(&b, pattern, 0), -1); /* sticky */
	assert_int_equal(isakmp_build_finish(&b, NULL), -1);

	isakmp_build_init(&b, buf, sizeof buf, &h);
	for (int i = 0; i < ISAKMP_MAX_PAYLOADS; i++)
		assert_int_equal(isakmp_add_vid(&b, pattern, 4), i);
	assert_int_equal(isakmp_add_vid(&b, pattern, 4), -1);

	isakmp_build_init(&b, buf, sizeof buf, &h);
	struct isakmp_attr_spec tv_big = { IKE_ATTR_LIFE_DURATION, ISAKMP_ENC_TV, 70000, NULL, 0 };
	struct isakmp_transform_spec t = { 1, ISAKMP_KEY_IKE, 1, &tv_big };
	struct isakmp_proposal_spec p = { 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 1, &t };
	struct isakmp_sa_spec sa = { 0, 0, 1, &p };
	assert_int_equal(isakmp_add_sa(&b, &sa), -1);

	isakmp_build_init(&b, buf, sizeof buf, &h);
	struct isakmp_sa_spec none = { 0, 0, 0, NULL };
	assert_int_equal(isakmp_add_sa(&b, &none), -1);
	isakmp_build_init(&b, buf, sizeof buf, &h);
	assert_int_equal(isakmp_add_natoa(&b, IPSEC_ID_FQDN, pattern, 4), -1);
	isakmp_build_init(&b, buf, sizeof buf, &h);
	struct isakmp_delete_spec d0 = { 1, ISAKMP_PROTO_ESP, 4, 0, pattern };
	assert_int_equal(isakmp_add_delete(&b, &d0), -1);
	isakmp_build_init(&b, buf, sizeof buf, &h);
	assert_int_equal(isakmp_add_ke(&b, NULL, 5), -1);

	/* finish twice; append after finish */
	isakmp_build_init(&b, buf, sizeof buf, &h);
	assert_int_equal(isakmp_add_vid(&b, pattern, 4), 0);
	size_t len = 0;
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	assert_int_equal(len, 36);
	assert_int_equal(isakmp_add_vid(&b, pattern, 4), -1);
	assert_int_equal(isakmp_build_finish(&b, NULL), -1);

	/* never builds what the parser refuses */
	static uint8_t big[ISAKMP_MAX_MSG + 100], zeros[ISAKMP_MAX_MSG];
	isakmp_build_init(&b, big, sizeof big, &h);
	assert_true(isakmp_add_vid(&b, zeros, ISAKMP_MAX_MSG - 28 - 4 + 1) >= 0);
	assert_int_equal(isakmp_build_finish(&b, NULL), -1);
	isakmp_build_init(&b, big, sizeof big, &h);
	assert_true(isakmp_add_vid(&b, zeros, ISAKMP_MAX_MSG - 28 - 4) >= 0);
	assert_int_equal(isakmp_build_finish(&b, &len), 0);
	assert_int_equal(len, ISAKMP_MAX_MSG);
	assert_int_equal(parse_exact(big, len, 0), ISAKMP_OK);
}

/* ---- hostile cases ----------------------------------------------------------- */

/* An independent raw writer for inputs the builder refuses to make. */
struct raw {
	uint8_t b[12288];
	size_t n;
};
static void r_u8(struct raw *r, unsigned v) { r->b[r->n++] = (uint8_t)v; }
static void r_u16(struct raw *r, unsigned v) { r_u8(r, v >> 8); r_u8(r, v); }
static void r_u32(struct raw *r, uint32_t v) { r_u16(r, v >> 16); r_u16(r, v & 0xffff); }
static void r_bytes(struct raw *r, const void *p, size_t n)
{
	if (p)
		memcpy(r->b + r->n, p, n);
	else
		memset(r->b + r->n, 0, n);
	r->n += n;
}
static void r_hdr(struct raw *r, unsigned np, unsigned exch, unsigned flags, uint32_t msgid)
{
	r->n = 0;
	r_bytes(r, CI, 8);
	r_bytes(r, CR, 8);
	r_u8(r, np);
	r_u8(r, 0x10);
	r_u8(r, exch);
	r_u8(r, flags);
	r_u32(r, msgid);
	r_u32(r, 0);
}
static void r_fix(struct raw *r) /* header length = bytes written */
{
	r->b[24] = (uint8_t)(r->n >> 24);
	r->b[25] = (uint8_t)(r->n >> 16);
	r->b[26] = (uint8_t)(r->n >> 8);
	r->b[27] = (uint8_t)r->n;
}
static void r_gen(struct raw *r, unsigned np, unsigned resv, unsigned len)
{
	r_u8(r, np);
	r_u8(r, resv);
	r_u16(r, len);
}
static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* An SA payload (as the only payload) whose proposal part is given raw. */
static void r_sa(struct raw *r, const uint8_t *props, size_t n, uint32_t doi, uint32_t sit)
{
	r_hdr(r, ISAKMP_NP_SA, ISAKMP_EXCH_IDPROT, 0, 0);
	r_gen(r, 0, 0, (unsigned)(4 + 8 + n));
	r_u32(r, doi);
	r_u32(r, sit);
	r_bytes(r, props, n);
	r_fix(r);
}

/* A proposal with the given transform count byte and k transforms of 12 bytes
 * (one TV attribute each). */
static size_t mk_prop(uint8_t *out, unsigned np, unsigned proto, unsigned spi_size, unsigned ntrans_field,
		      unsigned k)
{
	struct raw r = { .n = 0 };
	r_gen(&r, np, 0, 0);
	r_u8(&r, 1);
	r_u8(&r, proto);
	r_u8(&r, spi_size);
	r_u8(&r, ntrans_field);
	r_bytes(&r, pattern, spi_size);
	for (unsigned i = 0; i < k; i++) {
		r_gen(&r, i + 1 < k ? ISAKMP_NP_T : ISAKMP_NP_NONE, 0, 12);
		r_u8(&r, i + 1);
		r_u8(&r, proto == ISAKMP_PROTO_ISAKMP ? ISAKMP_KEY_IKE : ESP_3DES);
		r_u16(&r, 0);
		r_u16(&r, 0x8000 | IKE_ATTR_ENCRYPTION);
		r_u16(&r, IKE_ENCR_3DES_CBC);
	}
	put16(r.b + 2, (unsigned)r.n);
	memcpy(out, r.b, r.n);
	return r.n;
}

struct hcase {
	int no;
	const char *what;
	enum isakmp_err want;
	uint16_t notify;
	unsigned flags;
};

/* Writes case no's bytes into r. */
static void make_case(int no, struct raw *r)
{
	uint8_t tmp[8192];
	size_t n;
	r->n = 0;
	switch (no) {
	case 1: /* truncated header */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		r->n = 20;
		break;
	case 2: /* length field 27 */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		put32(r->b + 24, 27);
		break;
	case 3: /* length field 0 */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		put32(r->b + 24, 0);
		break;
	case 4: /* length field > datagram (datagram cut short) */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL) - 10;
		break;
	case 5: /* length field < datagram (bytes after the message) */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL) + 3;
		break;
	case 6: case 7: case 8: /* payload length 0, 1, 3 */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, no == 6 ? 0 : no == 7 ? 1 : 3);
		r_bytes(r, pattern, 12);
		r_fix(r);
		break;
	case 9: /* payload length past the end */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, 4 + 16 + 1);
		r_bytes(r, pattern, 16);
		r_fix(r);
		break;
	case 10: /* chain announces another payload, message ends */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, ISAKMP_NP_VID, 0, 20);
		r_bytes(r, pattern, 16);
		r_fix(r);
		break;
	case 11: /* chain ends before the end of the message */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, 20);
		r_bytes(r, pattern, 16);
		r_gen(r, 0, 0, 20);
		r_bytes(r, pattern, 16);
		r_fix(r);
		break;
	case 12: /* 300 tiny payloads */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		for (int i = 0; i < 300; i++)
			r_gen(r, i + 1 < 300 ? ISAKMP_NP_VID : 0, 0, 4);
		r_fix(r);
		break;
	case 13: /* SA with 0 proposals */
		r_sa(r, NULL, 0, 1, 1);
		break;
	case 14: /* proposal announces 3 transforms, has 2 */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 3, 2);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 15: /* proposal announces 1 transform, has 2 */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 2);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 16: /* proposal length overruns the SA payload */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		put16(tmp + 2, (unsigned)n + 4);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 17: /* transform length overruns the proposal */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		put16(tmp + 8 + 2, 13);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 18: /* TLV attribute length overruns the transform */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		put16(tmp + 16, IKE_ATTR_LIFE_DURATION); /* AF clear: TLV, length 5 follows */
		put16(tmp + 18, 5);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 19: /* unknown payload type, critical */
	case 20: /* unknown payload type, not critical: skipped */
		r_hdr(r, 99, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, ISAKMP_NP_VID, no == 19 ? ISAKMP_GEN_CRITICAL : 0, 8);
		r_bytes(r, pattern, 4);
		r_gen(r, 0, 0, 20);
		r_bytes(r, pattern, 16);
		r_fix(r);
		break;
	case 21: /* oversized datagram */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, ISAKMP_MAX_MSG + 1 - 28);
		r_bytes(r, NULL, ISAKMP_MAX_MSG + 1 - 28 - 4);
		r_fix(r);
		break;
	case 22: /* major version 2 (an IKEv2 message) */
	case 23: /* minor version 1 */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		r->b[17] = no == 22 ? 0x20 : 0x11;
		break;
	case 24: /* unknown exchange type 7 */
	case 25: /* new group mode: known, not supported */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		r->b[18] = no == 24 ? 7 : ISAKMP_EXCH_NEW_GROUP;
		break;
	case 26: /* unknown flag bit */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		r->b[19] = 0x08;
		break;
	case 27: /* initiator cookie zero */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		memset(r->b, 0, 8);
		break;
	case 28: /* responder cookie zero in quick mode */
		r->n = build_qm1(r->b, sizeof r->b, NULL);
		memset(r->b + 8, 0, 8);
		break;
	case 29: /* responder cookie zero in an encrypted informational */
		r_hdr(r, ISAKMP_NP_HASH, ISAKMP_EXCH_INFO, ISAKMP_FLAG_E, 5);
		memset(r->b + 8, 0, 8);
		r_bytes(r, pattern, 32);
		r_fix(r);
		break;
	case 30: /* main mode with a message ID */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		put32(r->b + 20, 1);
		break;
	case 31: /* quick mode with message ID 0 */
		r->n = build_qm1(r->b, sizeof r->b, NULL);
		put32(r->b + 20, 0);
		break;
	case 32: /* proposal payload at top level */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		r_hdr(r, ISAKMP_NP_P, ISAKMP_EXCH_IDPROT, 0, 0);
		r_bytes(r, tmp, n);
		r_fix(r);
		break;
	case 33: /* SA with DOI 2 */
	case 34: /* SA with situation SECRECY */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		r_sa(r, tmp, n, no == 33 ? 2 : 1, no == 33 ? 1 : IPSEC_SIT_SECRECY);
		break;
	case 35: /* proposal protocol 9 */
		n = mk_prop(tmp, 0, 9, 0, 1, 1);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 36: /* ESP proposal with a 3-byte SPI */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ESP, 3, 1, 1);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 37: /* SPI longer than the proposal */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		tmp[6] = 16;
		put16(tmp + 2, 8 + 4);
		r_sa(r, tmp, 8 + 4, 1, 1);
		break;
	case 38: /* proposal with 0 transforms */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 0, 0);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 39: /* transform next-payload neither T nor NONE */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 2, 2);
		tmp[8] = ISAKMP_NP_KE;
		r_sa(r, tmp, n, 1, 1);
		break;
	case 40: /* proposal next-payload KE */
		n = mk_prop(tmp, ISAKMP_NP_KE, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 41: /* last proposal says another follows */
		n = mk_prop(tmp, ISAKMP_NP_P, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 42: /* 3 bytes after the last proposal */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		memset(tmp + n, 0, 3);
		r_sa(r, tmp, n + 3, 1, 1);
		break;
	case 43: /* 17 proposals */
		n = 0;
		for (int i = 0; i < 17; i++)
			n += mk_prop(tmp + n, i < 16 ? ISAKMP_NP_P : 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 44: /* 65 transforms in one proposal */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 65, 65);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 45: /* 257 attributes in one transform */
		n = mk_prop(tmp, 0, ISAKMP_PROTO_ISAKMP, 0, 1, 1);
		for (int i = 0; i < 256; i++) {
			put16(tmp + n, 0x8000 | IKE_ATTR_HASH);
			put16(tmp + n + 2, 1);
			n += 4;
		}
		put16(tmp + 2, (unsigned)n);
		put16(tmp + 8 + 2, (unsigned)n - 8);
		r_sa(r, tmp, n, 1, 1);
		break;
	case 46: /* IPV4_ADDR ID with 5 data bytes */
		r_hdr(r, ISAKMP_NP_ID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, 4 + 4 + 5);
		r_u8(r, IPSEC_ID_IPV4_ADDR);
		r_u8(r, 17);
		r_u16(r, 500);
		r_bytes(r, pattern, 5);
		r_fix(r);
		break;
	case 47: /* FQDN ID without data */
		r_hdr(r, ISAKMP_NP_ID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, 8);
		r_u8(r, IPSEC_ID_FQDN);
		r_u8(r, 0);
		r_u16(r, 0);
		r_fix(r);
		break;
	case 48: /* 4-byte nonce */
		r_hdr(r, ISAKMP_NP_NONCE, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, 0, 0, 8);
		r_bytes(r, pattern, 4);
		r_fix(r);
		break;
	case 49: /* delete: 3 SPIs announced, 2 present */
		r_hdr(r, ISAKMP_NP_D, ISAKMP_EXCH_INFO, 0, 1);
		r_gen(r, 0, 0, 12 + 8);
		r_u32(r, 1);
		r_u8(r, ISAKMP_PROTO_ESP);
		r_u8(r, 4);
		r_u16(r, 3);
		r_bytes(r, pattern, 8);
		r_fix(r);
		break;
	case 50: /* notify: 16-byte SPI announced, 4 bytes present */
		r_hdr(r, ISAKMP_NP_N, ISAKMP_EXCH_INFO, 0, 1);
		r_gen(r, 0, 0, 12 + 4);
		r_u32(r, 1);
		r_u8(r, ISAKMP_PROTO_ISAKMP);
		r_u8(r, 16);
		r_u16(r, ISAKMP_N_DPD_R_U_THERE);
		r_bytes(r, pattern, 4);
		r_fix(r);
		break;
	case 51: /* notify shorter than its fixed part */
		r_hdr(r, ISAKMP_NP_N, ISAKMP_EXCH_INFO, 0, 1);
		r_gen(r, 0, 0, 8);
		r_u32(r, 1);
		r_fix(r);
		break;
	case 52: /* encrypted flag without ciphertext */
		r_hdr(r, ISAKMP_NP_HASH, ISAKMP_EXCH_IDPROT, ISAKMP_FLAG_E, 0);
		r_fix(r);
		break;
	case 53: /* 2 bytes left where a payload header must be */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		r_gen(r, ISAKMP_NP_VID, 0, 8);
		r_bytes(r, pattern, 4);
		r_u16(r, 0);
		r_fix(r);
		break;
	case 54: /* NAT-OA with ID type FQDN */
		r_hdr(r, ISAKMP_NP_NATOA, ISAKMP_EXCH_QUICK, 0, 9);
		r_gen(r, 0, 0, 12);
		r_u8(r, IPSEC_ID_FQDN);
		r_bytes(r, NULL, 3);
		r_bytes(r, pattern, 4);
		r_fix(r);
		break;
	case 55: /* port 4500 datagram that is ESP */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		break;
	case 56: /* NAT keepalive */
		r->b[0] = 0xff;
		r->n = 1;
		break;
	case 57: /* delete of an ISAKMP SA with a 4-byte SPI */
		r_hdr(r, ISAKMP_NP_D, ISAKMP_EXCH_INFO, 0, 1);
		r_gen(r, 0, 0, 12 + 4);
		r_u32(r, 1);
		r_u8(r, ISAKMP_PROTO_ISAKMP);
		r_u8(r, 4);
		r_u16(r, 1);
		r_bytes(r, pattern, 4);
		r_fix(r);
		break;
	case 58: /* attribute payload with a truncated attribute */
		r_hdr(r, ISAKMP_NP_ATTR, ISAKMP_EXCH_TRANSACTION, 0, 1);
		r_gen(r, 0, 0, 4 + 4 + 3);
		r_u8(r, ISAKMP_CFG_REPLY);
		r_u8(r, 0);
		r_u16(r, 7);
		r_bytes(r, pattern, 3);
		r_fix(r);
		break;
	case 59: /* a chain of 4-byte payloads (no loop possible, bounded) */
		r_hdr(r, ISAKMP_NP_VID, ISAKMP_EXCH_IDPROT, 0, 0);
		for (int i = 0; i < ISAKMP_MAX_PAYLOADS; i++)
			r_gen(r, ISAKMP_NP_VID, 0, 4);
		r_fix(r);
		break;
	case 60: /* main mode from the responder with a zero responder cookie: allowed */
		r->n = build_mm1(r->b, sizeof r->b, false, NULL);
		break;
	default: fail_msg("no case %d", no);
	}
}

static const struct hcase hcases[] = {
	{ 1, "truncated header", ISAKMP_E_SHORT_HEADER, 0, 0 },
	{ 2, "length field 27", ISAKMP_E_LEN_FIELD_SHORT, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 3, "length field 0", ISAKMP_E_LEN_FIELD_SHORT, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 4, "length > datagram", ISAKMP_E_LEN_EXCEEDS, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, 0 },
	{ 5, "length < datagram", ISAKMP_E_LEN_TRAILING, ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, 0 },
	{ 6, "payload length 0", ISAKMP_E_PAYLOAD_LEN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 7, "payload length 1", ISAKMP_E_PAYLOAD_LEN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 8, "payload length 3", ISAKMP_E_PAYLOAD_LEN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 9, "payload past the end", ISAKMP_E_PAYLOAD_OVERRUN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 10, "chain continues past the end", ISAKMP_E_CHAIN_SHORT, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 11, "chain ends before the end", ISAKMP_E_CHAIN_TRAILING, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 12, "300 tiny payloads", ISAKMP_E_TOO_MANY_PAYLOADS, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 13, "SA with 0 proposals", ISAKMP_E_NO_PROPOSALS, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 14, "3 transforms announced, 2 present", ISAKMP_E_TRANSFORM_COUNT, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 15, "1 transform announced, 2 present", ISAKMP_E_TRANSFORM_COUNT, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 16, "proposal overruns SA", ISAKMP_E_NESTED_OVERRUN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 17, "transform overruns proposal", ISAKMP_E_NESTED_OVERRUN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 18, "attribute overruns transform", ISAKMP_E_NESTED_OVERRUN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 19, "unknown critical payload", ISAKMP_E_CRITICAL_PAYLOAD, ISAKMP_N_INVALID_PAYLOAD_TYPE, 0 },
	{ 20, "unknown non-critical payload skipped", ISAKMP_OK, 0, 0 },
	{ 21, "oversized datagram", ISAKMP_E_OVERSIZED, 0, 0 },
	{ 22, "major version 2", ISAKMP_E_MAJOR_VERSION, ISAKMP_N_INVALID_MAJOR_VERSION, 0 },
	{ 23, "minor version 1", ISAKMP_E_MINOR_VERSION, ISAKMP_N_INVALID_MINOR_VERSION, 0 },
	{ 24, "exchange type 7", ISAKMP_E_EXCHANGE, ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, 0 },
	{ 25, "new group mode", ISAKMP_E_EXCHANGE, ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, 0 },
	{ 26, "unknown flag", ISAKMP_E_FLAGS, ISAKMP_N_INVALID_FLAGS, 0 },
	{ 27, "initiator cookie zero", ISAKMP_E_ICOOKIE_ZERO, ISAKMP_N_INVALID_COOKIE, 0 },
	{ 28, "responder cookie zero in quick mode", ISAKMP_E_RCOOKIE_ZERO, ISAKMP_N_INVALID_COOKIE, 0 },
	{ 29, "responder cookie zero, encrypted info", ISAKMP_E_RCOOKIE_ZERO, ISAKMP_N_INVALID_COOKIE, 0 },
	{ 30, "main mode with message ID", ISAKMP_E_MESSAGE_ID, ISAKMP_N_INVALID_MESSAGE_ID, 0 },
	{ 31, "quick mode with message ID 0", ISAKMP_E_MESSAGE_ID, ISAKMP_N_INVALID_MESSAGE_ID, 0 },
	{ 32, "proposal at top level", ISAKMP_E_PAYLOAD_CONTEXT, ISAKMP_N_INVALID_PAYLOAD_TYPE, 0 },
	{ 33, "DOI 2", ISAKMP_E_DOI, ISAKMP_N_DOI_NOT_SUPPORTED, 0 },
	{ 34, "situation SECRECY", ISAKMP_E_SITUATION, ISAKMP_N_SITUATION_NOT_SUPPORTED, 0 },
	{ 35, "protocol 9", ISAKMP_E_PROTOCOL_ID, ISAKMP_N_INVALID_PROTOCOL_ID, 0 },
	{ 36, "ESP SPI of 3 bytes", ISAKMP_E_SPI_SIZE, ISAKMP_N_INVALID_SPI, 0 },
	{ 37, "SPI longer than the proposal", ISAKMP_E_NESTED_OVERRUN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 38, "proposal with 0 transforms", ISAKMP_E_PROPOSAL_SYNTAX, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 39, "transform next payload KE", ISAKMP_E_PROPOSAL_SYNTAX, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 40, "proposal next payload KE", ISAKMP_E_PROPOSAL_SYNTAX, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 41, "last proposal says more", ISAKMP_E_PROPOSAL_SYNTAX, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 42, "bytes after the last proposal", ISAKMP_E_PROPOSAL_SYNTAX, ISAKMP_N_BAD_PROPOSAL_SYNTAX, 0 },
	{ 43, "17 proposals", ISAKMP_E_TOO_MANY_PROPOSALS, ISAKMP_N_NO_PROPOSAL_CHOSEN, 0 },
	{ 44, "65 transforms", ISAKMP_E_TOO_MANY_TRANSFORMS, ISAKMP_N_NO_PROPOSAL_CHOSEN, 0 },
	{ 45, "257 attributes", ISAKMP_E_TOO_MANY_ATTRS, ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, 0 },
	{ 46, "IPV4_ADDR ID of 5 bytes", ISAKMP_E_ID_INFO, ISAKMP_N_INVALID_ID_INFORMATION, 0 },
	{ 47, "empty FQDN ID", ISAKMP_E_ID_INFO, ISAKMP_N_INVALID_ID_INFORMATION, 0 },
	{ 48, "4-byte nonce", ISAKMP_E_NONCE_LEN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 49, "delete SPI count", ISAKMP_E_BODY_MALFORMED, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 50, "notify SPI overrun", ISAKMP_E_BODY_MALFORMED, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 51, "notify below its fixed part", ISAKMP_E_PAYLOAD_LEN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 52, "encrypted flag, no ciphertext", ISAKMP_E_EMPTY_ENCRYPTED, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 53, "2 bytes for a payload header", ISAKMP_E_PAYLOAD_TRUNCATED, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 54, "NAT-OA with FQDN", ISAKMP_E_ID_INFO, ISAKMP_N_INVALID_ID_INFORMATION, 0 },
	{ 55, "ESP on port 4500", ISAKMP_E_NOT_IKE, 0, ISAKMP_PARSE_NONESP_MARKER },
	{ 56, "NAT keepalive", ISAKMP_E_NATT_KEEPALIVE, 0, ISAKMP_PARSE_NONESP_MARKER },
	{ 57, "ISAKMP delete with 4-byte SPI", ISAKMP_E_SPI_SIZE, ISAKMP_N_INVALID_SPI, 0 },
	{ 58, "truncated mode-config attribute", ISAKMP_E_NESTED_OVERRUN, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 59, "32 empty payloads then one more", ISAKMP_E_TOO_MANY_PAYLOADS, ISAKMP_N_PAYLOAD_MALFORMED, 0 },
	{ 60, "main mode 1, responder cookie zero", ISAKMP_OK, 0, 0 },
};

static void test_hostile_cases(void **state)
{
	(void)state;
	static struct raw r;
	int failures = 0;
	for (size_t i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
		const struct hcase *c = &hcases[i];
		make_case(c->no, &r);
		enum isakmp_err e = parse_exact(r.b, r.n, c->flags);
		bool ok = e == c->want && M.err.notify == c->notify && isakmp_err_notify(e) == c->notify;
		if (e != ISAKMP_OK)
			ok = ok && M.err.code == e && M.err.reason[0] != '\0';
		if (!ok) {
			print_error("case %d (%s): got %s notify %u \"%s\", want %s notify %u\n", c->no, c->what,
				    isakmp_err_name(e), M.err.notify, M.err.reason, isakmp_err_name(c->want), c->notify);
			failures++;
		}
	}
	if (getenv("ISAKMP_SHOW_REASONS")) {
		for (size_t i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
			make_case(hcases[i].no, &r);
			enum isakmp_err e = parse_exact(r.b, r.n, hcases[i].flags);
			printf("%2d %-40s %-20s %5u @%-4u %s\n", hcases[i].no, hcases[i].what, isakmp_err_name(e),
			       M.err.notify, M.err.offset, M.err.reason);
		}
	}
	/* case 20 in detail: the unknown payload is listed, not decoded */
	make_case(20, &r);
	assert_int_equal(parse_exact(r.b, r.n, 0), ISAKMP_OK);
	assert_int_equal(M.npayloads, 2);
	assert_int_equal(M.nunknown, 1);
	assert_int_equal(M.pl[0].type, 99);
	assert_false(M.pl[0].known);
	/* case 24 passes with ISAKMP_PARSE_ANY_EXCHANGE (TED probes) */
	make_case(24, &r);
	assert_int_equal(parse_exact(r.b, r.n, ISAKMP_PARSE_ANY_EXCHANGE), ISAKMP_OK);
	/* every error code has a name */
	for (int e = 0; e < ISAKMP_E__COUNT; e++)
		assert_string_not_equal(isakmp_err_name((enum isakmp_err)e), "UNKNOWN");
	assert_int_equal(failures, 0);
}

/* ---- mutation loop ------------------------------------------------------------ */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
	return n == 0 || (p >= base && p <= base + len && n <= (size_t)(base + len - p));
}

/* An accepted message only points into its buffer and stays in its limits. */
static void check_invariants(const uint8_t *base, size_t len)
{
	assert_true(M.npayloads <= ISAKMP_MAX_PAYLOADS);
	assert_true(M.nprops <= ISAKMP_MAX_PROPOSALS);
	assert_true(M.ntrans <= ISAKMP_MAX_TRANSFORMS);
	assert_true(M.nattrs <= ISAKMP_MAX_ATTRS);
	for (unsigned i = 0; i < M.npayloads; i++) {
		const struct isakmp_payload *p = &M.pl[i];
		assert_true(inside(p->hdr, p->len, base, len));
		assert_true(inside(p->body, p->body_len, base, len));
		if (p->type == ISAKMP_NP_SA && p->known) {
			assert_true(p->u.sa.prop_first + p->u.sa.nprops <= M.nprops);
			for (unsigned k = 0; k < p->u.sa.nprops; k++) {
				const struct isakmp_proposal_v *pr = &M.props[p->u.sa.prop_first + k];
				assert_true(inside(pr->spi, pr->spi_size, p->body, p->body_len));
				assert_true(pr->trans_first + pr->ntrans <= M.ntrans);
			}
		}
		if (p->type == ISAKMP_NP_N)
			assert_true(inside(p->u.n.data, p->u.n.data_len, p->body, p->body_len));
	}
	for (unsigned i = 0; i < M.nattrs; i++)
		assert_true(inside(M.attrs[i].data, M.attrs[i].len, base, len));
}

static void test_mutation_loop(void **state)
{
	(void)state;
	static uint8_t seeds[6][2048];
	size_t slen[6];
	unsigned sflags[6] = { 0, 0, 0, ISAKMP_PARSE_NONESP_MARKER, 0, ISAKMP_PARSE_NONESP_MARKER };
	slen[0] = build_mm1(seeds[0], sizeof seeds[0], false, NULL);
	slen[1] = build_qm1(seeds[1], sizeof seeds[1], NULL);
	slen[2] = build_info(seeds[2], sizeof seeds[2]);
	slen[3] = build_cfg(seeds[3], sizeof seeds[3], true);
	static struct raw r;
	make_case(20, &r);
	memcpy(seeds[4], r.b, r.n);
	slen[4] = r.n;
	slen[5] = build_mm1(seeds[5], sizeof seeds[5], true, NULL);

	const unsigned iters = getenv("ISAKMP_FUZZ_ITERS") ? (unsigned)atoi(getenv("ISAKMP_FUZZ_ITERS")) : 30000;
	unsigned accepted = 0, per_code[ISAKMP_E__COUNT] = { 0 };
	uint8_t work[2048 + 8];
	for (unsigned it = 0; it < iters; it++) {
		unsigned s = rnd() % 6;
		size_t len = slen[s];
		memcpy(work, seeds[s], len);
		unsigned nmut = 1 + rnd() % 4;
		for (unsigned k = 0; k < nmut; k++) {
			switch (rnd() % 6) {
			case 0: work[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 1: work[rnd() % len] = (uint8_t)rnd(); break;
			case 2: len = rnd() % (len + 1); break;
			case 3: { /* a 16-bit length-looking field somewhere */
				if (len >= 2) {
					size_t at = rnd() % (len - 1);
					put16(work + at, rnd() % 3 ? rnd() % 64 : rnd() & 0xffff);
				}
				break;
			}
			case 4: /* keep the header length consistent so the chain gets parsed */
				if (len >= 28u + (sflags[s] ? 4u : 0u))
					put32(work + 24 + (sflags[s] ? 4 : 0), (uint32_t)(len - (sflags[s] ? 4 : 0)));
				break;
			case 5: /* extend by random bytes */
				if (len + 8 <= sizeof work - 8) {
					for (int j = 0; j < 8; j++)
						work[len + (size_t)j] = (uint8_t)rnd();
					len += 8;
				}
				break;
			}
			if (len == 0)
				break;
		}
		enum isakmp_err e = parse_exact(work, len, sflags[s]);
		assert_true((unsigned)e < ISAKMP_E__COUNT);
		per_code[e]++;
		if (e == ISAKMP_OK) {
			accepted++;
			check_invariants(g_copy + (M.nonesp_marker ? 4 : 0), len - (M.nonesp_marker ? 4 : 0));
		} else {
			assert_int_equal(M.err.code, e);
		}
		/* random plaintext through the second step as well */
		if (e == ISAKMP_OK && M.encrypted) {
			uint8_t *pt = malloc(M.enc_len);
			memcpy(pt, M.enc, M.enc_len);
			if (isakmp_parse_decrypted(&M, pt, M.enc_len, rnd() % 32) == ISAKMP_OK)
				check_invariants(pt, M.enc_len);
			free(pt);
		}
	}
	/* the loop reached deep into the parser, not only the header checks */
	unsigned deep = per_code[ISAKMP_E_NESTED_OVERRUN] + per_code[ISAKMP_E_PAYLOAD_OVERRUN] +
			per_code[ISAKMP_E_TRANSFORM_COUNT] + per_code[ISAKMP_E_PROPOSAL_SYNTAX];
	printf("mutation loop: %u inputs, %u accepted, %u failed deep in the payloads\n", iters, accepted, deep);
	if (iters >= 10000) {
		assert_true(accepted > iters / 50);
		assert_true(deep > iters / 50);
	}
}

/* ---- vendor IDs ------------------------------------------------------------------ */

static void md5(const void *p, size_t n, uint8_t out[16])
{
	unsigned int len = 0;
	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_md5(), NULL), 1);
	assert_int_equal(len, 16);
}

static void test_vendor_ids(void **state)
{
	(void)state;
	size_t n = 0;
	const struct isakmp_vid_def *t = isakmp_vid_table(&n);
	assert_int_equal(n, VID__COUNT - 1);
	unsigned hashed = 0;
	for (size_t i = 0; i < n; i++) {
		const struct isakmp_vid_def *d = &t[i];
		assert_int_equal(isakmp_vid_get(d->id), d);
		assert_true(d->match >= 4 && d->match <= d->len && d->len <= ISAKMP_VID_MAX);
		assert_int_equal(isakmp_vid_match(d->vid, d->len), d); /* no entry shadows another */
		assert_null(isakmp_vid_match(d->vid, d->match - 1u));
		if (d->md5_of) {
			uint8_t h[16];
			md5(d->md5_of, strlen(d->md5_of), h);
			assert_true(d->md5_len >= 8 && d->md5_len <= 16);
			if (memcmp(h, d->vid, d->md5_len) != 0)
				fail_msg("VID %s is not MD5(\"%s\")", d->name, d->md5_of);
			hashed++;
		}
	}
	assert_int_equal(hashed, n - 2); /* all but DPD and Cisco IOS */
	/* the published constant of RFC 3706 */
	const uint8_t dpd[16] = { 0xAF, 0xCA, 0xD7, 0x13, 0x68, 0xA1, 0xF1, 0xC9,
				  0x6B, 0x86, 0x96, 0xFC, 0x77, 0x57, 0x01, 0x00 };
	assert_int_equal(isakmp_vid_match(dpd, 16)->id, VID_DPD);
	/* Unity is MD5("CISCO-UNITY") with its last two bytes replaced by the version */
	uint8_t u[16];
	md5("CISCO-UNITY", 11, u);
	assert_int_equal(u[14], 0x02);
	assert_int_equal(u[15], 0xd4);
	u[14] = 1;
	u[15] = 1; /* version 1.1 still matches */
	assert_int_equal(isakmp_vid_match(u, 16)->id, VID_CISCO_UNITY);
	/* IKE fragmentation with other capability bits, and without any */
	uint8_t f[20];
	md5("FRAGMENTATION", 13, f);
	memcpy(f + 16, "\xc0\0\0\0", 4);
	assert_int_equal(isakmp_vid_match(f, 20)->id, VID_FRAGMENTATION);
	assert_int_equal(isakmp_vid_match(f, 16)->id, VID_FRAGMENTATION);
	/* the -02 draft with and without the newline are different VIDs */
	uint8_t d2[16];
	md5("draft-ietf-ipsec-nat-t-ike-02\n", 30, d2);
	assert_int_equal(isakmp_vid_match(d2, 16)->id, VID_NATT_DRAFT_02N);
	md5("draft-ietf-ipsec-nat-t-ike-09", 29, d2);
	assert_null(isakmp_vid_match(d2, 16));
	assert_null(isakmp_vid_match(NULL, 0));
	assert_int_equal(isakmp_vid_natd_payload(VID_NATT_RFC3947), ISAKMP_NP_NATD);
	assert_int_equal(isakmp_vid_natd_payload(VID_NATT_DRAFT_02N), ISAKMP_NP_NATD_DRAFT);
	assert_int_equal(isakmp_vid_natd_payload(VID_DPD), 0);
}

static int teardown(void **state)
{
	(void)state;
	free(g_copy);
	g_copy = NULL;
	return 0;
}

int main(void)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_reader),
		cmocka_unit_test(test_cursor_writer),
		cmocka_unit_test_teardown(test_roundtrip_main_mode, teardown),
		cmocka_unit_test_teardown(test_roundtrip_quick_mode, teardown),
		cmocka_unit_test_teardown(test_roundtrip_informational, teardown),
		cmocka_unit_test_teardown(test_roundtrip_cfg_and_raw, teardown),
		cmocka_unit_test_teardown(test_nonesp_marker, teardown),
		cmocka_unit_test_teardown(test_encrypted_two_step, teardown),
		cmocka_unit_test_teardown(test_builder_errors, teardown),
		cmocka_unit_test_teardown(test_hostile_cases, teardown),
		cmocka_unit_test_teardown(test_mutation_loop, teardown),
		cmocka_unit_test(test_vendor_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
