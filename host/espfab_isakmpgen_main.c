/*
 * espfab-isakmpgen — write a pcap of ISAKMP messages built by ike/ (the
 * builder), for an independent decoder (tshark) to check.
 *
 *   espfab-isakmpgen -o OUT.pcap [--list]
 *
 * The corpus is fixed and deterministic: main mode 1/2/3, an encrypted main
 * mode 5 on UDP 4500 with the non-ESP marker, aggressive mode 1 with XAUTH
 * authentication and a KEY_ID identity, quick mode 1 (plaintext, on 4500)
 * with ESP proposals, UDP-encapsulation modes, IDs and NAT-OA, informational
 * messages with DPD R-U-THERE / R-U-THERE-ACK, INITIAL-CONTACT,
 * RESPONDER-LIFETIME, deletes and an error notify, a mode-config request,
 * and a plaintext message with every ID type, CERT, CR and SIG.  What each
 * frame holds is asserted by tests/e2e/isakmp_tshark.sh.
 *
 * Every message is parsed back with isakmp_parse before it is written; a
 * message our own parser refuses is an error (exit 1).
 *
 * --list prints one line per frame: number, UDP port, exchange type and the
 * payload types in order as our parser sees them (the e2e test compares it
 * with tshark's view).
 *
 * Output: classic pcap, little-endian, microseconds, linktype RAW (101),
 * IPv4 + UDP with correct checksums, 10.0.0.1 <-> 10.0.0.2.
 *
 * Exit status: 0 written; 1 a message failed or the file could not be
 * written; 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp_msg.h"
#include "isakmp_vid.h"
#include "pcap.h"

#define PROG "espfab-isakmpgen"

static const uint8_t CI[8] = { 0xd5, 0x61, 0x97, 0x78, 0x0d, 0x7b, 0xe3, 0xe5 };
static const uint8_t CR[8] = { 0x1b, 0x30, 0x1d, 0x2d, 0xe7, 0x10, 0xed, 0xa0 };
static const uint8_t IP_I[4] = { 10, 0, 0, 1 };
static const uint8_t IP_R[4] = { 10, 0, 0, 2 };

static uint8_t pattern[512];
static struct isakmp_msg M;

struct frame {
	bool from_r;  /* responder -> initiator */
	bool natt;    /* UDP 4500 with the non-ESP marker */
	uint8_t b[4096];
	size_t len;
};

static int failures;

static void die_build(const char *what)
{
	fprintf(stderr, PROG ": building %s failed\n", what);
	failures++;
}

static void add_vids(struct isakmp_builder *b, const enum isakmp_vid *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct isakmp_vid_def *d = isakmp_vid_get(v[i]);
		if (d)
			isakmp_add_vid(b, d->vid, d->len);
	}
}

/* ---- the corpus ------------------------------------------------------------ */

static const struct isakmp_attr_spec p1_aes[] = {
	{ IKE_ATTR_ENCRYPTION, 0, IKE_ENCR_AES_CBC, NULL, 0 },
	{ IKE_ATTR_KEY_LENGTH, 0, 128, NULL, 0 },
	{ IKE_ATTR_HASH, 0, IKE_HASH_SHA, NULL, 0 },
	{ IKE_ATTR_AUTH_METHOD, 0, IKE_AUTH_PSK, NULL, 0 },
	{ IKE_ATTR_GROUP_DESC, 0, IKE_GROUP_MODP2048, NULL, 0 },
	{ IKE_ATTR_LIFE_TYPE, 0, IKE_LIFE_SECONDS, NULL, 0 },
	{ IKE_ATTR_LIFE_DURATION, 0, 86400, NULL, 0 }, /* 4-byte TLV, as IOS sends it */
};
static const struct isakmp_attr_spec p1_3des[] = {
	{ IKE_ATTR_ENCRYPTION, 0, IKE_ENCR_3DES_CBC, NULL, 0 },
	{ IKE_ATTR_HASH, 0, IKE_HASH_MD5, NULL, 0 },
	{ IKE_ATTR_AUTH_METHOD, 0, IKE_AUTH_PSK, NULL, 0 },
	{ IKE_ATTR_GROUP_DESC, 0, IKE_GROUP_MODP1024, NULL, 0 },
	{ IKE_ATTR_LIFE_TYPE, 0, IKE_LIFE_SECONDS, NULL, 0 },
	{ IKE_ATTR_LIFE_DURATION, 0, 28800, NULL, 0 }, /* TV */
};
static const struct isakmp_attr_spec p1_xauth[] = {
	{ IKE_ATTR_ENCRYPTION, 0, IKE_ENCR_3DES_CBC, NULL, 0 },
	{ IKE_ATTR_HASH, 0, IKE_HASH_SHA, NULL, 0 },
	{ IKE_ATTR_AUTH_METHOD, 0, IKE_AUTH_XAUTH_INIT_PSK, NULL, 0 },
	{ IKE_ATTR_GROUP_DESC, 0, IKE_GROUP_MODP1024, NULL, 0 },
	{ IKE_ATTR_LIFE_TYPE, 0, IKE_LIFE_SECONDS, NULL, 0 },
	{ IKE_ATTR_LIFE_DURATION, 0, 86400, NULL, 0 },
};

static void mm1(struct frame *f)
{
	const struct isakmp_transform_spec t[] = { { 1, ISAKMP_KEY_IKE, 7, p1_aes }, { 2, ISAKMP_KEY_IKE, 6, p1_3des } };
	const struct isakmp_proposal_spec p[] = { { 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 2, t } };
	const struct isakmp_sa_spec sa = { 0, 0, 1, p };
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, NULL, ISAKMP_EXCH_IDPROT, 0, 0, false };
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	isakmp_add_sa(&b, &sa);
	const enum isakmp_vid v[] = { VID_NATT_RFC3947, VID_NATT_DRAFT_07, VID_NATT_DRAFT_03, VID_NATT_DRAFT_02N,
				      VID_NATT_DRAFT_02, VID_DPD, VID_CISCO_UNITY, VID_XAUTH, VID_FRAGMENTATION,
				      VID_CISCO_IOS, VID_CISCO_VPN3000, VID_STRONGSWAN };
	add_vids(&b, v, sizeof v / sizeof v[0]);
	if (isakmp_build_finish(&b, &f->len))
		die_build("main mode 1");
}

static void mm2(struct frame *f)
{
	const struct isakmp_transform_spec t[] = { { 1, ISAKMP_KEY_IKE, 7, p1_aes } };
	const struct isakmp_proposal_spec p[] = { { 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 1, t } };
	const struct isakmp_sa_spec sa = { 0, 0, 1, p };
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_IDPROT, 0, 0, false };
	f->from_r = true;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	isakmp_add_sa(&b, &sa);
	const enum isakmp_vid v[] = { VID_NATT_RFC3947, VID_DPD };
	add_vids(&b, v, 2);
	if (isakmp_build_finish(&b, &f->len))
		die_build("main mode 2");
}

static void mm3(struct frame *f)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_IDPROT, 0, 0, false };
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	isakmp_add_ke(&b, pattern, 256);
	isakmp_add_nonce(&b, pattern + 256, 20);
	isakmp_add_natd(&b, pattern + 300, 20);
	isakmp_add_natd(&b, pattern + 320, 20);
	if (isakmp_build_finish(&b, &f->len))
		die_build("main mode 3");
}

static void mm5_encrypted(struct frame *f)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_IDPROT, 0, 0, true };
	f->natt = true;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	const uint8_t a[4] = { 10, 0, 0, 1 };
	struct isakmp_id_spec id = { IPSEC_ID_IPV4_ADDR, 17, 4500, a, 4 };
	isakmp_add_id(&b, &id);
	isakmp_add_hash(&b, pattern, 20);
	size_t plen = 0, room = 0;
	if (isakmp_build_finish(&b, NULL) || !isakmp_build_chain(&b, &plen, &room)) {
		die_build("main mode 5");
		return;
	}
	/* stand-in ciphertext (IKE crypto lives elsewhere): 48 opaque bytes */
	uint8_t *ct = isakmp_build_chain(&b, &plen, &room);
	for (size_t i = 0; i < 48; i++)
		ct[i] = (uint8_t)(0xa5 ^ i * 13);
	if (isakmp_build_seal(&b, 48, &f->len))
		die_build("main mode 5 (seal)");
}

static void am1(struct frame *f)
{
	const struct isakmp_transform_spec t[] = { { 1, ISAKMP_KEY_IKE, 6, p1_xauth } };
	const struct isakmp_proposal_spec p[] = { { 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 1, t } };
	const struct isakmp_sa_spec sa = { 0, 0, 1, p };
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, NULL, ISAKMP_EXCH_AGGRESSIVE, 0, 0, false };
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	isakmp_add_sa(&b, &sa);
	isakmp_add_ke(&b, pattern, 128);
	isakmp_add_nonce(&b, pattern + 128, 20);
	struct isakmp_id_spec id = { IPSEC_ID_KEY_ID, 17, 500, (const uint8_t *)"testgroup", 9 };
	isakmp_add_id(&b, &id);
	const enum isakmp_vid v[] = { VID_XAUTH, VID_DPD, VID_FRAGMENTATION, VID_NATT_DRAFT_02N, VID_CISCO_UNITY };
	add_vids(&b, v, sizeof v / sizeof v[0]);
	if (isakmp_build_finish(&b, &f->len))
		die_build("aggressive mode 1");
}

static void qm1(struct frame *f)
{
	static const uint8_t kb[4] = { 0x00, 0x46, 0x50, 0x00 }; /* 4608000 */
	const struct isakmp_attr_spec a1[] = {
		{ IPSEC_ATTR_LIFE_TYPE, 0, IPSEC_LIFE_SECONDS, NULL, 0 },
		{ IPSEC_ATTR_LIFE_DURATION, 0, 3600, NULL, 0 },
		{ IPSEC_ATTR_LIFE_TYPE, 0, IPSEC_LIFE_KILOBYTES, NULL, 0 },
		{ IPSEC_ATTR_LIFE_DURATION, 0, 0, kb, 4 },
		{ IPSEC_ATTR_ENCAP_MODE, 0, IPSEC_ENCAP_UDP_TUNNEL, NULL, 0 },
		{ IPSEC_ATTR_AUTH_ALG, 0, IPSEC_AUTH_HMAC_SHA, NULL, 0 },
		{ IPSEC_ATTR_KEY_LENGTH, 0, 256, NULL, 0 },
		{ IPSEC_ATTR_GROUP_DESC, 0, IKE_GROUP_MODP1024, NULL, 0 },
	};
	const struct isakmp_attr_spec a2[] = {
		{ IPSEC_ATTR_ENCAP_MODE, 0, IPSEC_ENCAP_UDP_TRANSPORT_DRAFT, NULL, 0 },
		{ IPSEC_ATTR_AUTH_ALG, 0, IPSEC_AUTH_HMAC_MD5, NULL, 0 },
	};
	const struct isakmp_transform_spec t1[] = { { 1, ESP_AES, 8, a1 } };
	const struct isakmp_transform_spec t2[] = { { 1, ESP_3DES, 2, a2 }, { 2, ESP_DES, 2, a2 } };
	const struct isakmp_proposal_spec p[] = {
		{ 1, ISAKMP_PROTO_ESP, 4, { 0xa4, 0x79, 0x0f, 0xa0 }, 1, t1 },
		{ 2, ISAKMP_PROTO_ESP, 4, { 0xf8, 0x00, 0xd6, 0x1f }, 2, t2 },
	};
	const struct isakmp_sa_spec sa = { 0, 0, 2, p };
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_QUICK, 0, 409419560u, true };
	f->natt = true;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	isakmp_add_hash(&b, pattern, 20);
	isakmp_add_sa(&b, &sa);
	isakmp_add_nonce(&b, pattern + 20, 20);
	isakmp_add_ke(&b, pattern + 40, 128);
	const uint8_t sub[8] = { 13, 13, 13, 0, 255, 255, 255, 0 };
	const uint8_t rng[8] = { 12, 12, 12, 1, 12, 12, 12, 99 };
	struct isakmp_id_spec i1 = { IPSEC_ID_IPV4_ADDR_SUBNET, 0, 0, sub, 8 };
	struct isakmp_id_spec i2 = { IPSEC_ID_IPV4_ADDR_RANGE, 17, 500, rng, 8 };
	isakmp_add_id(&b, &i1);
	isakmp_add_id(&b, &i2);
	const uint8_t oa[4] = { 192, 168, 1, 5 };
	isakmp_add_natoa(&b, IPSEC_ID_IPV4_ADDR, oa, 4);
	if (isakmp_build_finish(&b, &f->len))
		die_build("quick mode 1");
}

static void dpd(struct frame *f, uint16_t type, uint32_t seq, bool from_r)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_INFO, 0, 0x11223344u + seq, false };
	f->from_r = from_r;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	uint8_t spi[16], s[4] = { (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq };
	memcpy(spi, CI, 8);
	memcpy(spi + 8, CR, 8);
	struct isakmp_notify_spec n = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, type, spi, s, 4 };
	isakmp_add_hash(&b, pattern, 20);
	isakmp_add_notify(&b, &n);
	if (isakmp_build_finish(&b, &f->len))
		die_build("DPD");
}

static void info_delete(struct frame *f)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_INFO, 0, 0x55667788u, false };
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	uint8_t spi16[16];
	memcpy(spi16, CI, 8);
	memcpy(spi16 + 8, CR, 8);
	struct isakmp_notify_spec ic = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, IPSEC_N_INITIAL_CONTACT, spi16,
					 NULL, 0 };
	const uint8_t life[] = { 0x80, 0x01, 0x00, 0x01, 0x80, 0x02, 0x0e, 0x10 }; /* seconds, 3600 */
	const uint8_t espspi[4] = { 0xa4, 0x79, 0x0f, 0xa0 };
	struct isakmp_notify_spec rl = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ESP, 4, IPSEC_N_RESPONDER_LIFETIME,
					 espspi, life, sizeof life };
	const uint8_t spis[8] = { 0xa4, 0x79, 0x0f, 0xa0, 0xf8, 0x00, 0xd6, 0x1f };
	struct isakmp_delete_spec d1 = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ESP, 4, 2, spis };
	struct isakmp_delete_spec d2 = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, 1, spi16 };
	isakmp_add_hash(&b, pattern, 20);
	isakmp_add_notify(&b, &ic);
	isakmp_add_notify(&b, &rl);
	isakmp_add_delete(&b, &d1);
	isakmp_add_delete(&b, &d2);
	if (isakmp_build_finish(&b, &f->len))
		die_build("informational (delete)");
}

static void info_error(struct frame *f)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, NULL, ISAKMP_EXCH_INFO, 0, 0x0badcafeu, false };
	f->from_r = true;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	const uint8_t bad_type = 99;
	struct isakmp_notify_spec n = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 0, ISAKMP_N_INVALID_PAYLOAD_TYPE, NULL,
					&bad_type, 1 };
	isakmp_add_notify(&b, &n);
	if (isakmp_build_finish(&b, &f->len))
		die_build("informational (error)");
}

static void cfg_request(struct frame *f)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_TRANSACTION, 0, 0x7a7a7a7au, true };
	f->natt = true;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	static const uint8_t empty = 0;
	static const char ver[] = "Cisco Systems VPN Client 5.0.07.0290:WinNT";
	const struct isakmp_attr_spec a[] = {
		{ MODECFG_INTERNAL_IP4_ADDRESS, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_INTERNAL_IP4_NETMASK, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_INTERNAL_IP4_DNS, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_INTERNAL_IP4_NBNS, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ UNITY_DEF_DOMAIN, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ UNITY_SPLIT_INCLUDE, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ UNITY_PFS, ISAKMP_ENC_TLV, 0, &empty, 0 },
		{ MODECFG_APPLICATION_VERSION, 0, 0, (const uint8_t *)ver, sizeof ver - 1 },
	};
	isakmp_add_hash(&b, pattern, 20);
	isakmp_add_cfg(&b, ISAKMP_CFG_REQUEST, 0x4f21, a, sizeof a / sizeof a[0]);
	if (isakmp_build_finish(&b, &f->len))
		die_build("mode-config request");
}

/* A throw-away self-signed certificate (CN=espfab-test, P-256, made with
 * openssl req -x509) so that tshark's X.509 dissector has a real one to
 * decode; its key was never kept. */
static const uint8_t test_cert_der[] = {
	0x30, 0x82, 0x01, 0x6d, 0x30, 0x82, 0x01, 0x14, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01,
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x16, 0x31, 0x14,
	0x30, 0x12, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0b, 0x65, 0x73, 0x70, 0x66, 0x61, 0x62, 0x2d,
	0x74, 0x65, 0x73, 0x74, 0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x31, 0x32, 0x34, 0x30, 0x36,
	0x31, 0x38, 0x33, 0x34, 0x5a, 0x17, 0x0d, 0x33, 0x36, 0x31, 0x31, 0x32, 0x31, 0x30, 0x36, 0x31,
	0x38, 0x33, 0x34, 0x5a, 0x30, 0x16, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c,
	0x0b, 0x65, 0x73, 0x70, 0x66, 0x61, 0x62, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x30, 0x59, 0x30, 0x13,
	0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xbd, 0x12, 0x11, 0xbc, 0x36, 0x3f, 0xba, 0x99, 0xd8,
	0x17, 0x0b, 0x23, 0xaf, 0x99, 0x99, 0xfe, 0x47, 0xc6, 0x99, 0x2a, 0x58, 0x85, 0x2c, 0x06, 0x5a,
	0xf6, 0xd8, 0x28, 0x0a, 0x85, 0xb0, 0x12, 0x9a, 0xaf, 0x4c, 0xbb, 0xca, 0x6b, 0x26, 0x3c, 0xca,
	0x82, 0x55, 0xa7, 0x12, 0x3b, 0xab, 0x71, 0x7f, 0x69, 0x03, 0x22, 0xe2, 0x30, 0x99, 0x01, 0x54,
	0x3f, 0x74, 0x41, 0x84, 0x38, 0xf1, 0x4d, 0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55,
	0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0x4a, 0xda, 0xe8, 0x3f, 0x90, 0xb8, 0xae, 0x0c, 0xd0, 0x4e,
	0x9d, 0x63, 0x04, 0xa1, 0x5f, 0x8b, 0xfb, 0xb2, 0x2e, 0x4c, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d,
	0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0x4a, 0xda, 0xe8, 0x3f, 0x90, 0xb8, 0xae, 0x0c, 0xd0,
	0x4e, 0x9d, 0x63, 0x04, 0xa1, 0x5f, 0x8b, 0xfb, 0xb2, 0x2e, 0x4c, 0x30, 0x0f, 0x06, 0x03, 0x55,
	0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30, 0x0a, 0x06, 0x08,
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x03, 0x47, 0x00, 0x30, 0x44, 0x02, 0x20, 0x13,
	0xc7, 0x61, 0xef, 0x22, 0x64, 0x5b, 0x58, 0xe7, 0x79, 0x8c, 0x0c, 0xa1, 0x3b, 0x77, 0xf5, 0x54,
	0xb7, 0x7c, 0x73, 0xe7, 0x83, 0x10, 0xa9, 0x00, 0x55, 0xcb, 0x1c, 0x0a, 0x0f, 0xc7, 0x5e, 0x02,
	0x20, 0x18, 0xbc, 0x3a, 0xa4, 0x3b, 0x9b, 0x7e, 0x77, 0x91, 0x04, 0x47, 0xfe, 0x86, 0xc0, 0x89,
	0xfb, 0x8b, 0xb0, 0xb1, 0x9a, 0xc7, 0x3d, 0x25, 0x15, 0xa2, 0x28, 0x1a, 0x13, 0x36, 0x51, 0xa6,
	0x53,
};

static void ids_and_certs(struct frame *f)
{
	struct isakmp_builder b;
	struct isakmp_hdr_spec h = { CI, CR, ISAKMP_EXCH_IDPROT, 0, 0, false };
	f->from_r = true;
	isakmp_build_init(&b, f->b, sizeof f->b, &h);
	struct isakmp_id_spec fq = { IPSEC_ID_FQDN, 17, 500, (const uint8_t *)"vpn.example.com", 15 };
	struct isakmp_id_spec uf = { IPSEC_ID_USER_FQDN, 0, 0, (const uint8_t *)"user@example.com", 16 };
	isakmp_add_id(&b, &fq);
	isakmp_add_id(&b, &uf);
	isakmp_add_hash(&b, pattern, 20);
	uint8_t cert[1 + sizeof test_cert_der];
	cert[0] = ISAKMP_CERT_X509_SIG;
	memcpy(cert + 1, test_cert_der, sizeof test_cert_der);
	isakmp_add_raw(&b, ISAKMP_NP_CERT, 0, cert, sizeof cert);
	isakmp_add_raw(&b, ISAKMP_NP_CR, 0, cert, 1);
	isakmp_add_raw(&b, ISAKMP_NP_SIG, 0, pattern, 64);
	struct isakmp_notify_spec ic = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 0, IPSEC_N_INITIAL_CONTACT, NULL, NULL,
					 0 };
	isakmp_add_notify(&b, &ic);
	if (isakmp_build_finish(&b, &f->len))
		die_build("identities and certificates");
}

/* ---- IPv4/UDP framing -------------------------------------------------------- */

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t frame_ip(const struct frame *f, unsigned id, uint8_t *out)
{
	const uint8_t *src = f->from_r ? IP_R : IP_I, *dst = f->from_r ? IP_I : IP_R;
	uint16_t port = f->natt ? ISAKMP_NATT_PORT : ISAKMP_PORT;
	size_t ulen = 8 + f->len, tlen = 20 + ulen;
	uint8_t *ip = out, *udp = out + 20;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tlen >> 8);
	ip[3] = (uint8_t)tlen;
	ip[4] = (uint8_t)(id >> 8);
	ip[5] = (uint8_t)id;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	uint16_t hc = csum_fold(csum_add(0, ip, 20));
	ip[10] = (uint8_t)(hc >> 8);
	ip[11] = (uint8_t)hc;
	udp[0] = (uint8_t)(port >> 8);
	udp[1] = (uint8_t)port;
	udp[2] = (uint8_t)(port >> 8);
	udp[3] = (uint8_t)port;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, f->b, f->len);
	uint8_t pseudo[12] = { 0 };
	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	uint16_t uc = csum_fold(csum_add(csum_add(0, pseudo, 12), udp, ulen));
	if (uc == 0)
		uc = 0xffff;
	udp[6] = (uint8_t)(uc >> 8);
	udp[7] = (uint8_t)uc;
	return tlen;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -o OUT.pcap [--list]\n"
		   "Writes a fixed corpus of ISAKMP messages built by espfab (UDP 500 and 4500).\n");
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	bool list = false;
	static const struct option opts[] = { { "list", no_argument, NULL, 'l' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'l': list = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!out || optind != argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);

	static struct frame fr[12];
	memset(fr, 0, sizeof fr);
	mm1(&fr[0]);
	mm2(&fr[1]);
	mm3(&fr[2]);
	mm5_encrypted(&fr[3]);
	am1(&fr[4]);
	qm1(&fr[5]);
	dpd(&fr[6], ISAKMP_N_DPD_R_U_THERE, 0x5a5a0001u, false);
	dpd(&fr[7], ISAKMP_N_DPD_R_U_THERE_ACK, 0x5a5a0001u, true);
	info_delete(&fr[8]);
	info_error(&fr[9]);
	cfg_request(&fr[10]);
	ids_and_certs(&fr[11]);
	const size_t nfr = sizeof fr / sizeof fr[0];

	/* our own parser must accept everything we send */
	for (size_t i = 0; i < nfr && !failures; i++) {
		enum isakmp_err e = isakmp_parse(&M, fr[i].b, fr[i].len, fr[i].natt ? ISAKMP_PARSE_NONESP_MARKER : 0);
		if (e != ISAKMP_OK) {
			fprintf(stderr, PROG ": frame %zu refused by isakmp_parse: %s (%s)\n", i + 1, isakmp_err_name(e),
				M.err.reason);
			failures++;
			break;
		}
		if (list) {
			printf("%zu %u %u", i + 1, fr[i].natt ? ISAKMP_NATT_PORT : ISAKMP_PORT, M.exchange);
			if (M.encrypted)
				printf(" E");
			for (unsigned k = 0; k < M.npayloads; k++)
				printf(" %u", M.pl[k].type);
			printf("\n");
		}
	}
	if (failures)
		return 1;

	FILE *fp = fopen(out, "wb");
	if (!fp) {
		perror(out);
		return 1;
	}
	pcap_writer w;
	pcap_info info = { .version_major = 2, .version_minor = 4, .snaplen = 65535, .linktype = PCAP_LINKTYPE_RAW };
	int rc = pcap_writer_open(&w, fp, &info);
	static uint8_t pkt[4096 + 28];
	for (size_t i = 0; i < nfr && rc == 0; i++) {
		size_t n = frame_ip(&fr[i], (unsigned)(0x1000 + i), pkt);
		rc = pcap_writer_put(&w, 1700000000u + (uint32_t)i, 0, pkt, (uint32_t)n, (uint32_t)n);
	}
	if (rc == 0)
		rc = pcap_writer_finish(&w);
	if (rc != 0)
		fprintf(stderr, PROG ": %s: %s\n", out, w.err);
	if (fclose(fp) != 0 && rc == 0) {
		perror(out);
		rc = -1;
	}
	return rc == 0 ? 0 : 1;
}
