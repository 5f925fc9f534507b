/*
 * ISAKMP / IKEv1 wire format: structures and numbers only.
 *
 * Sources: RFC 2408 (ISAKMP), RFC 2407 (IPsec DOI), RFC 2409 (IKE),
 * RFC 3947 (NAT-T), RFC 3706 (DPD), draft-dukes-ike-mode-cfg /
 * draft-ietf-ipsec-isakmp-xauth (attribute payload, XAUTH), and the
 * IANA "ISAKMP" and "IPsec" registries.
 *
 * Every multi-byte field is big-endian on the wire.  The structs are packed
 * and describe the fixed part of each payload; the parser never casts a
 * received buffer to them (it reads fields through the bounded cursor of
 * cursor.h), they exist so that sizes and offsets are written down once and
 * checked by the compiler.  Variable parts (SPI, data, attributes) follow the
 * fixed part.
 */
#ifndef ESPFAB_IKE_ISAKMP_WIRE_H
#define ESPFAB_IKE_ISAKMP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define ISAKMP_PORT 500
#define ISAKMP_NATT_PORT 4500
/* RFC 3948 §2.2: IKE on port 4500 starts with four zero bytes where ESP has
 * its SPI (which is never zero). */
#define ISAKMP_NONESP_MARKER_LEN 4
/* RFC 3948 §2.3: a NAT-keepalive is one byte 0xFF. */
#define ISAKMP_NATT_KEEPALIVE_BYTE 0xffu

#define ISAKMP_COOKIE_LEN 8
#define ISAKMP_VERSION_1_0 0x10 /* major 1 (high nibble), minor 0 */

/* ---- header (RFC 2408 §3.1) ---------------------------------------------- */
struct isakmp_hdr {
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	uint8_t next_payload;
	uint8_t version;  /* MjVer << 4 | MnVer */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;  /* whole message including this header */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_hdr) == 28, "ISAKMP header is 28 bytes");
_Static_assert(offsetof(struct isakmp_hdr, next_payload) == 16, "next payload at 16");
_Static_assert(offsetof(struct isakmp_hdr, msgid) == 20, "message ID at 20");
_Static_assert(offsetof(struct isakmp_hdr, length) == 24, "length at 24");
#define ISAKMP_HDR_LEN 28u

/* Exchange types (RFC 2408 §3.1, RFC 2409 §9, mode-cfg draft) */
#define ISAKMP_EXCH_NONE 0
#define ISAKMP_EXCH_BASE 1
#define ISAKMP_EXCH_IDPROT 2 /* main mode */
#define ISAKMP_EXCH_AUTH_ONLY 3
#define ISAKMP_EXCH_AGGRESSIVE 4
#define ISAKMP_EXCH_INFO 5
#define ISAKMP_EXCH_TRANSACTION 6 /* mode-config, XAUTH */
#define ISAKMP_EXCH_QUICK 32
#define ISAKMP_EXCH_NEW_GROUP 33
/* espfab's Tunnel Endpoint Discovery exchange (docs/ted.md): RFC 2408's
 * private-use range 240..255; probe and reply, unencrypted. */
#define ISAKMP_EXCH_ESPFAB_TED 243

/* Header flags (RFC 2408 §3.1) */
#define ISAKMP_FLAG_E 0x01 /* encryption: payloads after the header are encrypted */
#define ISAKMP_FLAG_C 0x02 /* commit */
#define ISAKMP_FLAG_A 0x04 /* authentication only */
#define ISAKMP_FLAGS_KNOWN (ISAKMP_FLAG_E | ISAKMP_FLAG_C | ISAKMP_FLAG_A)

/* ---- generic payload header (RFC 2408 §3.2) ------------------------------ */
struct isakmp_gen {
	uint8_t next_payload;
	uint8_t reserved; /* bit 7 is the critical bit (as in IKEv2), see docs/isakmp-wire.md */
	uint16_t length;  /* whole payload including this header */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_gen) == 4, "generic payload header is 4 bytes");
#define ISAKMP_GEN_LEN 4u
#define ISAKMP_GEN_CRITICAL 0x80

/* Payload types (RFC 2408 §3.1, IANA ISAKMP "Next Payload Types") */
#define ISAKMP_NP_NONE 0
#define ISAKMP_NP_SA 1
#define ISAKMP_NP_P 2 /* proposal: only inside an SA payload */
#define ISAKMP_NP_T 3 /* transform: only inside a proposal */
#define ISAKMP_NP_KE 4
#define ISAKMP_NP_ID 5
#define ISAKMP_NP_CERT 6
#define ISAKMP_NP_CR 7
#define ISAKMP_NP_HASH 8
#define ISAKMP_NP_SIG 9
#define ISAKMP_NP_NONCE 10
#define ISAKMP_NP_N 11
#define ISAKMP_NP_D 12
#define ISAKMP_NP_VID 13
#define ISAKMP_NP_ATTR 14 /* mode-config / XAUTH attribute payload */
#define ISAKMP_NP_NATD 20  /* RFC 3947 */
#define ISAKMP_NP_NATOA 21 /* RFC 3947 */
#define ISAKMP_NP_NATD_DRAFT 130  /* draft-ietf-ipsec-nat-t-ike-02/03 (private range) */
#define ISAKMP_NP_NATOA_DRAFT 131
#define ISAKMP_NP_FRAG_CISCO 132  /* Cisco IKE fragmentation (opaque here) */

/* ---- SA payload (RFC 2408 §3.4, RFC 2407 §4.6.1) ------------------------- */
struct isakmp_sa {
	struct isakmp_gen h;
	uint32_t doi;
	uint32_t situation; /* IPsec DOI: 32-bit bitmap; only SIT_IDENTITY_ONLY has no further fields */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_sa) == 12, "SA payload fixed part is 12 bytes");

#define ISAKMP_DOI_ISAKMP 0
#define ISAKMP_DOI_IPSEC 1
#define IPSEC_SIT_IDENTITY_ONLY 0x01
#define IPSEC_SIT_SECRECY 0x02
#define IPSEC_SIT_INTEGRITY 0x04

/* ---- proposal (RFC 2408 §3.5) --------------------------------------------- */
struct isakmp_prop {
	struct isakmp_gen h; /* next payload: P (more proposals) or NONE */
	uint8_t pnum;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t ntrans;
	/* SPI (spi_size bytes), then ntrans transform payloads */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_prop) == 8, "proposal fixed part is 8 bytes");

/* Protocol IDs (RFC 2407 §4.4.1) */
#define ISAKMP_PROTO_ISAKMP 1
#define ISAKMP_PROTO_AH 2
#define ISAKMP_PROTO_ESP 3
#define ISAKMP_PROTO_IPCOMP 4

#define ISAKMP_SPI_SIZE_ISAKMP 16 /* icookie | rcookie (D and N payloads), or 0 in SA proposals */
#define ISAKMP_SPI_SIZE_IPSEC 4
#define ISAKMP_SPI_SIZE_IPCOMP 2  /* CPI; 4 is allowed too (RFC 2407 §4.4.1.3) */
#define ISAKMP_SPI_MAX 16

/* ---- transform (RFC 2408 §3.6) -------------------------------------------- */
struct isakmp_trans {
	struct isakmp_gen h; /* next payload: T (more transforms) or NONE */
	uint8_t tnum;
	uint8_t tid;
	uint16_t reserved2;
	/* SA attributes */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_trans) == 8, "transform fixed part is 8 bytes");

/* Transform IDs */
#define ISAKMP_KEY_IKE 1 /* phase 1 (RFC 2407 §4.4.2) */
#define ESP_DES_IV64 1   /* ESP (RFC 2407 §4.4.4) */
#define ESP_DES 2
#define ESP_3DES 3
#define ESP_RC5 4
#define ESP_IDEA 5
#define ESP_CAST 6
#define ESP_BLOWFISH 7
#define ESP_3IDEA 8
#define ESP_DES_IV32 9
#define ESP_RC4 10
#define ESP_NULL 11
#define ESP_AES 12       /* RFC 3602 */
#define AH_MD5 2         /* AH (RFC 2407 §4.4.3) */
#define AH_SHA 3
#define IPCOMP_OUI 1     /* IPCOMP (RFC 2407 §4.4.5) */
#define IPCOMP_DEFLATE 2
#define IPCOMP_LZS 3

/* ---- data attributes (RFC 2408 §3.3) -------------------------------------- */
struct isakmp_attr {
	uint16_t type;    /* AF bit (0x8000) set: TV, the next field is the value */
	uint16_t len_val; /* TV: value; TLV: length of the value that follows */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_attr) == 4, "attribute header is 4 bytes");
#define ISAKMP_ATTR_AF 0x8000u
#define ISAKMP_ATTR_TYPE_MASK 0x7fffu

/* Phase-1 attribute types (RFC 2409 Appendix A) */
#define IKE_ATTR_ENCRYPTION 1
#define IKE_ATTR_HASH 2
#define IKE_ATTR_AUTH_METHOD 3
#define IKE_ATTR_GROUP_DESC 4
#define IKE_ATTR_GROUP_TYPE 5
#define IKE_ATTR_GROUP_PRIME 6
#define IKE_ATTR_GROUP_GEN_ONE 7
#define IKE_ATTR_GROUP_GEN_TWO 8
#define IKE_ATTR_GROUP_CURVE_A 9
#define IKE_ATTR_GROUP_CURVE_B 10
#define IKE_ATTR_LIFE_TYPE 11
#define IKE_ATTR_LIFE_DURATION 12
#define IKE_ATTR_PRF 13
#define IKE_ATTR_KEY_LENGTH 14
#define IKE_ATTR_FIELD_SIZE 15
#define IKE_ATTR_GROUP_ORDER 16

/* Phase-1 values */
#define IKE_ENCR_DES_CBC 1
#define IKE_ENCR_IDEA_CBC 2
#define IKE_ENCR_BLOWFISH_CBC 3
#define IKE_ENCR_RC5_CBC 4
#define IKE_ENCR_3DES_CBC 5
#define IKE_ENCR_CAST_CBC 6
#define IKE_ENCR_AES_CBC 7 /* RFC 3602 */
#define IKE_HASH_MD5 1
#define IKE_HASH_SHA 2
#define IKE_HASH_TIGER 3
#define IKE_HASH_SHA2_256 4
#define IKE_HASH_SHA2_384 5
#define IKE_HASH_SHA2_512 6
#define IKE_AUTH_PSK 1
#define IKE_AUTH_DSS 2
#define IKE_AUTH_RSA_SIG 3
#define IKE_AUTH_RSA_ENC 4
#define IKE_AUTH_RSA_ENC_REV 5
#define IKE_AUTH_XAUTH_INIT_PSK 65001 /* draft-beaulieu-ike-xauth */
#define IKE_AUTH_XAUTH_RESP_PSK 65002
#define IKE_GROUP_MODP768 1
#define IKE_GROUP_MODP1024 2
#define IKE_GROUP_MODP1536 5
#define IKE_GROUP_MODP2048 14
#define IKE_GROUP_MODP3072 15
#define IKE_GROUP_MODP4096 16
#define IKE_LIFE_SECONDS 1
#define IKE_LIFE_KILOBYTES 2

/* Phase-2 (IPsec DOI) attribute types (RFC 2407 §4.5) */
#define IPSEC_ATTR_LIFE_TYPE 1
#define IPSEC_ATTR_LIFE_DURATION 2
#define IPSEC_ATTR_GROUP_DESC 3
#define IPSEC_ATTR_ENCAP_MODE 4
#define IPSEC_ATTR_AUTH_ALG 5
#define IPSEC_ATTR_KEY_LENGTH 6
#define IPSEC_ATTR_KEY_ROUNDS 7
#define IPSEC_ATTR_COMP_DICT_SIZE 8
#define IPSEC_ATTR_COMP_PRIV_ALG 9

/* Phase-2 values */
#define IPSEC_LIFE_SECONDS 1
#define IPSEC_LIFE_KILOBYTES 2
#define IPSEC_ENCAP_TUNNEL 1
#define IPSEC_ENCAP_TRANSPORT 2
#define IPSEC_ENCAP_UDP_TUNNEL 3           /* RFC 3947 */
#define IPSEC_ENCAP_UDP_TRANSPORT 4        /* RFC 3947 */
#define IPSEC_ENCAP_UDP_TUNNEL_DRAFT 61443 /* draft-ietf-ipsec-nat-t-ike-00..08 */
#define IPSEC_ENCAP_UDP_TRANSPORT_DRAFT 61444
#define IPSEC_AUTH_HMAC_MD5 1
#define IPSEC_AUTH_HMAC_SHA 2
#define IPSEC_AUTH_DES_MAC 3
#define IPSEC_AUTH_KPDK 4
#define IPSEC_AUTH_HMAC_SHA2_256 5

/* ---- ID payload (RFC 2408 §3.8 with the IPsec DOI fields of RFC 2407 §4.6.2) */
struct isakmp_id {
	struct isakmp_gen h;
	uint8_t id_type;
	uint8_t proto; /* IP protocol, 0 = any */
	uint16_t port; /* 0 = any */
	/* identification data */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_id) == 8, "ID payload fixed part is 8 bytes");

#define IPSEC_ID_IPV4_ADDR 1
#define IPSEC_ID_FQDN 2
#define IPSEC_ID_USER_FQDN 3
#define IPSEC_ID_IPV4_ADDR_SUBNET 4
#define IPSEC_ID_IPV6_ADDR 5
#define IPSEC_ID_IPV6_ADDR_SUBNET 6
#define IPSEC_ID_IPV4_ADDR_RANGE 7
#define IPSEC_ID_IPV6_ADDR_RANGE 8
#define IPSEC_ID_DER_ASN1_DN 9
#define IPSEC_ID_DER_ASN1_GN 10
#define IPSEC_ID_KEY_ID 11

/* ---- CERT and CR (RFC 2408 §3.9, §3.10) ----------------------------------- */
struct isakmp_cert {
	struct isakmp_gen h;
	uint8_t encoding; /* CR: certificate type requested */
	/* certificate data / certificate authority */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_cert) == 5, "CERT/CR fixed part is 5 bytes");
#define ISAKMP_CERT_PKCS7 1
#define ISAKMP_CERT_PGP 2
#define ISAKMP_CERT_DNS_SIGNED 3
#define ISAKMP_CERT_X509_SIG 4
#define ISAKMP_CERT_X509_KE 5
#define ISAKMP_CERT_KERBEROS 6
#define ISAKMP_CERT_CRL 7
#define ISAKMP_CERT_ARL 8
#define ISAKMP_CERT_SPKI 9
#define ISAKMP_CERT_X509_ATTR 10

/* HASH (§3.11), SIG (§3.12), NONCE (§3.13), KE (§3.7), VID (§3.16) and
 * NAT-D (RFC 3947 §3.2) are a generic header followed by opaque data. */
#define IKE_NONCE_MIN 8   /* RFC 2409 §5: nonce length 8..256 */
#define IKE_NONCE_MAX 256

/* ---- notification (RFC 2408 §3.14) ---------------------------------------- */
struct isakmp_notify {
	struct isakmp_gen h;
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	/* SPI (spi_size bytes), notification data */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_notify) == 12, "N payload fixed part is 12 bytes");

/* Error types (RFC 2408 §3.14.1) */
#define ISAKMP_N_INVALID_PAYLOAD_TYPE 1
#define ISAKMP_N_DOI_NOT_SUPPORTED 2
#define ISAKMP_N_SITUATION_NOT_SUPPORTED 3
#define ISAKMP_N_INVALID_COOKIE 4
#define ISAKMP_N_INVALID_MAJOR_VERSION 5
#define ISAKMP_N_INVALID_MINOR_VERSION 6
#define ISAKMP_N_INVALID_EXCHANGE_TYPE 7
#define ISAKMP_N_INVALID_FLAGS 8
#define ISAKMP_N_INVALID_MESSAGE_ID 9
#define ISAKMP_N_INVALID_PROTOCOL_ID 10
#define ISAKMP_N_INVALID_SPI 11
#define ISAKMP_N_INVALID_TRANSFORM_ID 12
#define ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED 13
#define ISAKMP_N_NO_PROPOSAL_CHOSEN 14
#define ISAKMP_N_BAD_PROPOSAL_SYNTAX 15
#define ISAKMP_N_PAYLOAD_MALFORMED 16
#define ISAKMP_N_INVALID_KEY_INFORMATION 17
#define ISAKMP_N_INVALID_ID_INFORMATION 18
#define ISAKMP_N_INVALID_CERT_ENCODING 19
#define ISAKMP_N_INVALID_CERTIFICATE 20
#define ISAKMP_N_CERT_TYPE_UNSUPPORTED 21
#define ISAKMP_N_INVALID_CERT_AUTHORITY 22
#define ISAKMP_N_INVALID_HASH_INFORMATION 23
#define ISAKMP_N_AUTHENTICATION_FAILED 24
#define ISAKMP_N_INVALID_SIGNATURE 25
#define ISAKMP_N_ADDRESS_NOTIFICATION 26
#define ISAKMP_N_NOTIFY_SA_LIFETIME 27
#define ISAKMP_N_CERTIFICATE_UNAVAILABLE 28
#define ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE 29
#define ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS 30
/* Status types */
#define ISAKMP_N_CONNECTED 16384
#define IPSEC_N_RESPONDER_LIFETIME 24576 /* RFC 2407 §4.6.3 */
#define IPSEC_N_REPLAY_STATUS 24577
#define IPSEC_N_INITIAL_CONTACT 24578
#define ISAKMP_N_DPD_R_U_THERE 36136     /* RFC 3706 */
#define ISAKMP_N_DPD_R_U_THERE_ACK 36137

/* ---- delete (RFC 2408 §3.15) ---------------------------------------------- */
struct isakmp_delete {
	struct isakmp_gen h;
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t nspi;
	/* nspi SPIs of spi_size bytes each */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_delete) == 12, "D payload fixed part is 12 bytes");

/* ---- NAT-OA (RFC 3947 §5.2) ----------------------------------------------- */
struct isakmp_natoa {
	struct isakmp_gen h;
	uint8_t id_type; /* IPSEC_ID_IPV4_ADDR or IPSEC_ID_IPV6_ADDR */
	uint8_t reserved[3];
	/* 4 or 16 address bytes */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_natoa) == 8, "NAT-OA fixed part is 8 bytes");

/* ---- attribute payload: mode-config / XAUTH (draft-dukes-ike-mode-cfg §3.2) */
struct isakmp_cfg {
	struct isakmp_gen h;
	uint8_t type;
	uint8_t reserved;
	uint16_t identifier;
	/* data attributes (same TV/TLV format as SA attributes) */
} __attribute__((packed));
_Static_assert(sizeof(struct isakmp_cfg) == 8, "attribute payload fixed part is 8 bytes");

#define ISAKMP_CFG_REQUEST 1
#define ISAKMP_CFG_REPLY 2
#define ISAKMP_CFG_SET 3
#define ISAKMP_CFG_ACK 4

/* Mode-config attributes */
#define MODECFG_INTERNAL_IP4_ADDRESS 1
#define MODECFG_INTERNAL_IP4_NETMASK 2
#define MODECFG_INTERNAL_IP4_DNS 3
#define MODECFG_INTERNAL_IP4_NBNS 4
#define MODECFG_INTERNAL_ADDRESS_EXPIRY 5
#define MODECFG_INTERNAL_IP4_DHCP 6
#define MODECFG_APPLICATION_VERSION 7
#define MODECFG_INTERNAL_IP6_ADDRESS 8
#define MODECFG_INTERNAL_IP6_NETMASK 9
#define MODECFG_INTERNAL_IP6_DNS 10
#define MODECFG_INTERNAL_IP6_NBNS 11
#define MODECFG_INTERNAL_IP6_DHCP 12
#define MODECFG_INTERNAL_IP4_SUBNET 13
#define MODECFG_SUPPORTED_ATTRIBUTES 14
#define MODECFG_INTERNAL_IP6_SUBNET 15
/* XAUTH attributes (draft-beaulieu-ike-xauth-02) */
#define XAUTH_TYPE 16520
#define XAUTH_USER_NAME 16521
#define XAUTH_USER_PASSWORD 16522
#define XAUTH_PASSCODE 16523
#define XAUTH_MESSAGE 16524
#define XAUTH_CHALLENGE 16525
#define XAUTH_DOMAIN 16526
#define XAUTH_STATUS 16527
#define XAUTH_NEXT_PIN 16528
#define XAUTH_ANSWER 16529
/* Cisco Unity attributes */
#define UNITY_BANNER 28672
#define UNITY_SAVE_PASSWD 28673
#define UNITY_DEF_DOMAIN 28674
#define UNITY_SPLIT_DNS_NAME 28675
#define UNITY_SPLIT_INCLUDE 28676
#define UNITY_NATT_PORT 28677
#define UNITY_LOCAL_LAN 28678
#define UNITY_PFS 28679
#define UNITY_FW_TYPE 28680
#define UNITY_BACKUP_SERVERS 28681
#define UNITY_DDNS_HOSTNAME 28682

#endif /* ESPFAB_IKE_ISAKMP_WIRE_H */
