/*
 * Parse an SA written in `ip xfrm state` vocabulary into espfab_sa_t.
 *
 *   src A.B.C.D dst A.B.C.D [proto esp] spi N [mode tunnel|transport]
 *   enc ALG 0xKEY   (cbc(des) 8 bytes, cbc(des3_ede) 24 or 16 bytes,
 *                    cbc(aes) 16/24/32 bytes; the name may carry quotes)
 *   auth ALG 0xKEY | auth-trunc ALG 0xKEY 96
 *                   (hmac(md5) 16 bytes, hmac(sha1) 20 bytes; both mean the
 *                    96-bit truncation ESP uses, as the kernel does)
 *   [encap espinudp SPORT DPORT [OA]] [replay-window N] [reqid N]
 *   [flag NAME...]  (noecn decap-dscp nopmtudisc wildrecv icmp af-unspec
 *                    align4; accepted and ignored; esn is refused)
 *   espfab extensions: [lifetime-kb SOFT HARD] [ttl N]
 *
 * spi, reqid, ports and counts are decimal or 0x hex.  mode defaults to
 * transport (as in iproute2).  src and dst become tun_src / tun_dst for
 * either direction (they are the outer packet's addresses).  The direction
 * is the caller's (encap -> ESPFAB_DIR_OUT, decap -> ESPFAB_DIR_IN).
 *
 * After parsing, the SA is validated with espfab_sa_check().
 *
 * Errors: return -1 and write one line, no newline, to err:
 * "<token>: <what was expected>", where <token> is the word that is wrong
 * (or the keyword whose value is wrong or missing).  Key bytes are never
 * written into err.  On error *sa is wiped.
 *
 * Keys: the caller owns *sa and must espfab_wipe() it when done; the
 * parser wipes its own temporary copies (including its copy of `text`).
 */
#ifndef ESPFAB_HOST_XFRM_SA_H
#define ESPFAB_HOST_XFRM_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espfab.h"

#define XFRM_SA_ERR_LEN 256

/* What the SA string says beyond espfab_sa_t. */
typedef struct xfrm_sa_extra {
	uint32_t reqid;
	bool has_reqid;
	uint32_t encap_oa;   /* encap original address, 0 if none */
	uint32_t flags;      /* XFRM_SA_FLAG_* seen */
} xfrm_sa_extra;

#define XFRM_SA_FLAG_NOECN 0x01
#define XFRM_SA_FLAG_DECAP_DSCP 0x02
#define XFRM_SA_FLAG_NOPMTUDISC 0x04
#define XFRM_SA_FLAG_WILDRECV 0x08
#define XFRM_SA_FLAG_ICMP 0x10
#define XFRM_SA_FLAG_AF_UNSPEC 0x20
#define XFRM_SA_FLAG_ALIGN4 0x40

/* Tokens as separate words (argv style). extra may be NULL. */
int xfrm_sa_parse_argv(int argc, const char *const *argv, uint8_t dir, espfab_sa_t *sa, xfrm_sa_extra *extra,
		       char *err, size_t err_len);
/* One string, split at blanks; double or single quotes group words. */
int xfrm_sa_parse(const char *text, uint8_t dir, espfab_sa_t *sa, xfrm_sa_extra *extra, char *err,
		  size_t err_len);

/* Parse dotted-quad IPv4 into a host-order integer.  0 or -1. */
int xfrm_parse_ipv4(const char *s, uint32_t *out);
/* Unsigned decimal or 0x hex, at most max.  0 or -1. */
int xfrm_parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif /* ESPFAB_HOST_XFRM_SA_H */
