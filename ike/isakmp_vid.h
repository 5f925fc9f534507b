/*
 * Vendor IDs (RFC 2408 §3.16) that espfab recognises and sends: the ones the
 * seed traces show (NAT-T RFC 3947 and drafts, DPD, Cisco Unity, XAUTH,
 * IKE fragmentation, Cisco IOS, Cisco VPN 3000/ASA) plus strongSwan's.
 *
 * Most are the MD5 of a known string, sometimes truncated or with version /
 * capability bytes replacing or following the hash; def->md5_of names the
 * string and tests/unit/test_isakmp_msg.c recomputes every one.  The others
 * (DPD, Cisco IOS) are published constants without a known preimage.
 *
 * Matching compares the first def->match bytes; the VID may be longer
 * (Unity/DPD carry major/minor version in bytes 14..15, fragmentation a
 * 4-byte capability word after the hash, IOS and VPN 3000 trailing bytes).
 */
#ifndef ESPFAB_IKE_ISAKMP_VID_H
#define ESPFAB_IKE_ISAKMP_VID_H

#include <stddef.h>
#include <stdint.h>

enum isakmp_vid {
	VID_UNKNOWN = 0,
	VID_NATT_RFC3947,
	VID_NATT_DRAFT_00,
	VID_NATT_DRAFT_01,
	VID_NATT_DRAFT_02,
	VID_NATT_DRAFT_02N, /* the -02 draft's own text hashes the name with a trailing "\n" */
	VID_NATT_DRAFT_03,
	VID_NATT_DRAFT_04,
	VID_NATT_DRAFT_05,
	VID_NATT_DRAFT_06,
	VID_NATT_DRAFT_07,
	VID_NATT_DRAFT_08,
	VID_DPD,            /* RFC 3706 */
	VID_CISCO_UNITY,
	VID_XAUTH,
	VID_FRAGMENTATION,  /* Cisco IKE fragmentation */
	VID_CISCO_IOS,      /* "speaking to another IOS box" */
	VID_CISCO_VPN3000,  /* Altiga / VPN 3000 / ASA gateway */
	VID_STRONGSWAN,
	VID_ESPFAB_TED,     /* espfab's TED probe/reply (docs/ted.md) */
	VID__COUNT
};

#define ISAKMP_VID_MAX 20

struct isakmp_vid_def {
	enum isakmp_vid id;
	const char *name;       /* for log lines */
	const char *md5_of;     /* preimage of the MD5 the VID starts with, or NULL */
	uint8_t md5_len;        /* bytes of that MD5 the VID carries */
	uint8_t len;            /* bytes espfab sends */
	uint8_t match;          /* leading bytes compared on receipt */
	uint8_t vid[ISAKMP_VID_MAX];
};

/* The definition of a received VID, or NULL when unknown. */
const struct isakmp_vid_def *isakmp_vid_match(const uint8_t *vid, size_t len);
/* The definition of a known VID (what to send), or NULL. */
const struct isakmp_vid_def *isakmp_vid_get(enum isakmp_vid id);
/* The whole table (for tests). */
const struct isakmp_vid_def *isakmp_vid_table(size_t *n);
/* NAT-T drafts and RFC: the NAT-D/NAT-OA payload numbers they imply.
 * RFC 3947 -> 20/21; drafts 02..08 -> 130/131 (draft-ietf-ipsec-nat-t-ike-02
 * onwards used the private numbers until the RFC).  0 for non-NAT-T VIDs. */
uint8_t isakmp_vid_natd_payload(enum isakmp_vid id);

#endif /* ESPFAB_IKE_ISAKMP_VID_H */
