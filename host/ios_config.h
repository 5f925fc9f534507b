/*
 * The IOS configuration subset espfabd loads with --config FILE: a parser
 * and the typed model it produces.  The subset, its defaults, what is
 * warned about and what is refused are in docs/ios-config.md.
 *
 *   ios_config *cfg; ios_diags d = {0};
 *   if (ios_config_load_file("r1.cfg", &cfg, &d)) { ios_diags_print(&d, stderr); ... }
 *
 * Parsing reports every diagnostic it finds (not just the first), each with
 * file:line, the offending token and what was expected; it returns a model
 * only when there is no error (warnings do not stop it).  References (crypto
 * map -> transform set, ACL, dynamic map; interface -> crypto map; route ->
 * interface) are resolved after the whole file is read and reported with the
 * line of the reference.
 *
 * Addresses, masks and wildcards are IPv4 in host byte order.
 *
 * Ownership: ios_config owns everything reachable from it — names, arrays,
 * keys — and is read-only for callers; pointers into it (a transform set, an
 * ACL, a crypto map entry, a key) stay valid until ios_config_free(), which
 * wipes every pre-shared key before freeing it.  The caller owns ios_diags
 * (start it zeroed, free it with ios_diags_free()); messages never contain
 * key material.  ios_config_parse_doc() does not keep the document.
 */
#ifndef ESPFAB_HOST_IOS_CONFIG_H
#define ESPFAB_HOST_IOS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espfab_contract.h"
#include "ios_doc.h"

/* ---- ISAKMP (phase 1) --------------------------------------------------- */

/* Values are the RFC 2409 appendix A attribute values. */
enum ios_ike_encr { IOS_IKE_ENCR_DES = 1, IOS_IKE_ENCR_3DES = 5, IOS_IKE_ENCR_AES = 7 };
enum ios_ike_hash { IOS_IKE_HASH_MD5 = 1, IOS_IKE_HASH_SHA = 2 };
enum ios_ike_auth { IOS_IKE_AUTH_PRE_SHARE = 1 };

/* crypto isakmp policy N.  IOS defaults: des, sha, group 1, 86400 s;
 * IOS's default authentication is rsa-sig, which espfab does not implement,
 * so a policy without `authentication pre-share` is an error. */
typedef struct ios_isakmp_policy {
	unsigned priority; /* 1..10000, lower is tried first */
	uint8_t encr;	   /* enum ios_ike_encr */
	uint8_t key_len;   /* bytes: DES 8, 3DES 24, AES 16/24/32 */
	uint8_t hash;	   /* enum ios_ike_hash */
	uint8_t auth;	   /* IOS_IKE_AUTH_PRE_SHARE */
	uint8_t group;	   /* Diffie-Hellman group 1, 2, 5 or 14 */
	uint32_t lifetime; /* seconds, 60..86400 */
	unsigned line;	   /* of `crypto isakmp policy N` */
} ios_isakmp_policy;

/* One pre-shared key: `crypto isakmp key` or a keyring's pre-shared-key. */
typedef struct ios_psk {
	uint32_t addr, mask; /* contiguous mask; 0.0.0.0 0.0.0.0 is the wildcard */
	char *key;	     /* NUL-terminated, wiped by ios_config_free() */
	size_t key_len;
	bool no_xauth; /* `no-xauth` given (accepted; espfab does no XAUTH yet) */
	unsigned line;
} ios_psk;

#define IOS_DEFAULT_KEYRING "default"

/* keyrings[0] is always "default": the `crypto isakmp key` lines (IOS debug
 * calls it that).  The others are `crypto keyring NAME`, in file order. */
typedef struct ios_keyring {
	char *name;
	ios_psk *keys;
	size_t n_keys;
	unsigned line; /* 0 for the default keyring */
} ios_keyring;

/* ---- IPsec (phase 2) ---------------------------------------------------- */

/* crypto ipsec transform-set NAME: one ESP cipher and one ESP HMAC, in the
 * driver's terms. */
typedef struct ios_transform_set {
	char *name;
	uint8_t cipher;	     /* ESPFAB_CIPHER_DES | _3DES | _AES */
	uint8_t enc_key_len; /* bytes: 8, 24, or 16/24/32 for AES */
	uint8_t auth;	     /* ESPFAB_AUTH_MD5 | _SHA1 */
	uint8_t mode;	     /* ESPFAB_MODE_TUNNEL (IOS default) | ESPFAB_MODE_TRANSPORT */
	unsigned line;
} ios_transform_set;

#define IOS_IPSEC_LIFE_SEC_DEFAULT 3600u
#define IOS_IPSEC_LIFE_KB_DEFAULT 4608000u

/* ---- access lists ------------------------------------------------------- */

enum ios_port_op { IOS_PORT_ANY = 0, IOS_PORT_EQ, IOS_PORT_NEQ, IOS_PORT_LT, IOS_PORT_GT, IOS_PORT_RANGE };

typedef struct ios_port_match {
	uint8_t op;	 /* enum ios_port_op */
	uint16_t lo, hi; /* EQ/NEQ/LT/GT use lo; RANGE is lo..hi inclusive */
} ios_port_match;

typedef struct ios_ace {
	unsigned seq;		 /* 10, 20, ... unless given in a named ACL */
	bool permit;		 /* false: deny */
	bool any_proto;		 /* `ip` */
	uint8_t proto;		 /* when !any_proto */
	uint32_t src, src_wild;	 /* src has its wildcard bits cleared */
	uint32_t dst, dst_wild;
	ios_port_match sport, dport; /* tcp and udp only */
	int16_t icmp_type, icmp_code; /* icmp only; -1 = any */
	bool log;		 /* `log` / `log-input` (accepted, no effect yet) */
	unsigned line;
} ios_ace;

/* access-list N (100-199, 2000-2699) and ip access-list extended NAME share
 * one name space, as in IOS (`ip access-list extended 101` edits list 101). */
typedef struct ios_acl {
	char *name;
	bool numbered;
	ios_ace *aces; /* in sequence order */
	size_t n_aces;
	unsigned line; /* where the list was first defined */
} ios_acl;

/* What a packet offers to an ACL.  For ICMP, sport is the type and dport
 * the code; for protocols without ports both are ignored. */
typedef struct ios_flow {
	uint32_t src, dst;
	uint8_t proto;
	uint16_t sport, dport;
} ios_flow;

/* ---- crypto maps -------------------------------------------------------- */

#define IOS_MAX_PEERS 10
#define IOS_MAX_TSETS 6

/* One entry of a crypto map or of a crypto dynamic-map; both take the same
 * sub-commands.  A crypto map entry is either static (ipsec-isakmp with its
 * own peer/ACL/transform sets) or a reference to a dynamic map. */
typedef struct ios_map_entry {
	unsigned seq; /* 1..65535 */
	/* crypto map NAME SEQ ipsec-isakmp dynamic DYNNAME [discover] */
	bool dynamic_ref;
	char *dynmap_name;
	bool discover;
	const struct ios_crypto_map *dynmap; /* resolved after parsing */

	uint32_t peers[IOS_MAX_PEERS]; /* set peer, in order given (first = primary) */
	size_t n_peers;
	char *tset_names[IOS_MAX_TSETS];		  /* set transform-set, in order */
	const ios_transform_set *tsets[IOS_MAX_TSETS]; /* resolved */
	size_t n_tsets;
	char *acl_name;	    /* match address; NULL if none */
	const ios_acl *acl; /* resolved */
	uint8_t pfs_group;  /* set pfs: 1, 2, 5, 14; 0 = no PFS */
	uint32_t life_sec;  /* set security-association lifetime; 0 = global */
	uint32_t life_kb;
	char *description;
	unsigned line, tset_line, acl_line, peer_line;
} ios_map_entry;

typedef struct ios_crypto_map {
	char *name;
	bool dynamic; /* crypto dynamic-map */
	ios_map_entry *entries; /* sorted by seq */
	size_t n_entries;
	unsigned line; /* first line that named it */
} ios_crypto_map;

/* ---- interfaces and routes ---------------------------------------------- */

#define IOS_MAX_SECONDARY 8

typedef struct ios_interface {
	char *name; /* as IOS prints it: FastEthernet0/0 (lookups ignore case) */
	bool has_addr;
	uint32_t addr, mask;
	bool dhcp; /* ip address dhcp */
	uint32_t sec_addr[IOS_MAX_SECONDARY], sec_mask[IOS_MAX_SECONDARY];
	size_t n_secondary;
	char *crypto_map_name;
	const ios_crypto_map *crypto_map; /* resolved */
	unsigned crypto_map_line;
	bool shutdown;
	char *description;
	unsigned line;
} ios_interface;

typedef struct ios_route {
	uint32_t prefix, mask;
	bool has_nexthop;
	uint32_t nexthop;
	char *ifname;		     /* NULL unless an interface was named */
	const ios_interface *iface;  /* resolved */
	uint8_t distance;	     /* 1..255, default 1 */
	bool permanent;
	uint32_t tag;
	char *name;
	unsigned line;
} ios_route;

/* ---- the whole configuration -------------------------------------------- */

typedef struct ios_config {
	char *file;
	char *hostname; /* "Router" unless set */
	char *version;	/* `version 12.2`, or NULL */

	ios_isakmp_policy *policies; /* sorted by priority */
	size_t n_policies;
	ios_keyring *keyrings; /* [0] = IOS_DEFAULT_KEYRING */
	size_t n_keyrings;
	uint32_t dpd_interval, dpd_retry; /* crypto isakmp keepalive; 0 = off */
	bool dpd_periodic;
	uint32_t natt_keepalive; /* crypto isakmp nat keepalive; 0 = IOS default */

	ios_transform_set *tsets;
	size_t n_tsets;
	uint32_t ipsec_life_sec, ipsec_life_kb; /* crypto ipsec security-association lifetime */

	ios_acl *acls;
	size_t n_acls;
	ios_crypto_map *maps; /* crypto map, in order of first appearance */
	size_t n_maps;
	ios_crypto_map *dynmaps; /* crypto dynamic-map */
	size_t n_dynmaps;

	ios_interface *ifaces;
	size_t n_ifaces;
	ios_route *routes;
	size_t n_routes;
} ios_config;

/* Parse a document.  0 and *out set when there is no error (warnings may be
 * in d); -1 and *out = NULL otherwise.  Diagnostics are appended to d. */
int ios_config_parse_doc(const ios_doc *doc, ios_config **out, ios_diags *d);
/* Convenience wrappers: the same from a string, or from a file. */
int ios_config_parse_string(const char *name, const char *text, ios_config **out, ios_diags *d);
int ios_config_load_file(const char *path, ios_config **out, ios_diags *d);
/* Wipes every key, frees everything; accepts NULL. */
void ios_config_free(ios_config *cfg);

/* How many words at v[0..n) name a command of any mode (global or sub-mode,
 * `no` forms, end, exit, `SEQ permit|deny`), 0 if none: the technote repair
 * pass (host/ios_repair.h) uses it to tell a command from a continuation. */
size_t ios_config_command_words(const char *const *v, size_t n);

/* ---- lookups ------------------------------------------------------------ */

const ios_transform_set *ios_config_tset(const ios_config *cfg, const char *name);
const ios_acl *ios_config_acl(const ios_config *cfg, const char *name);
const ios_crypto_map *ios_config_map(const ios_config *cfg, const char *name);
const ios_crypto_map *ios_config_dynmap(const ios_config *cfg, const char *name);
/* Interface names compare without regard to case. */
const ios_interface *ios_config_interface(const ios_config *cfg, const char *name);
const ios_keyring *ios_config_keyring(const ios_config *cfg, const char *name);

/* The pre-shared key for a peer: the longest mask that covers peer, over
 * every keyring; on a tie the earlier keyring wins (default first, then
 * file order).  NULL if none.  *from (if not NULL) gets the keyring. */
const ios_psk *ios_psk_lookup(const ios_config *cfg, uint32_t peer, const ios_keyring **from);
/* The same within one keyring. */
const ios_psk *ios_keyring_lookup(const ios_keyring *kr, uint32_t peer);

/* Lifetimes in effect for an entry (its own, else the global ones). */
void ios_entry_lifetime(const ios_config *cfg, const ios_map_entry *e, uint32_t *sec, uint32_t *kb);

/* "esp-aes 256 esp-sha-hmac" as IOS prints a transform; returns buf. */
const char *ios_tset_text(const ios_transform_set *ts, char *buf, size_t len);

/* ---- ACL match and SPD lookup ------------------------------------------- */

enum ios_acl_result { IOS_ACL_DENY = 0, IOS_ACL_PERMIT = 1 };

/* First matching entry decides; no match is the implicit deny (*hit NULL).
 * hit may be NULL.  A NULL acl denies. */
int ios_acl_match(const ios_acl *acl, const ios_flow *f, const ios_ace **hit);
/* Does one entry match the flow (action aside)? */
bool ios_ace_matches(const ios_ace *ace, const ios_flow *f);

enum ios_spd_kind {
	IOS_SPD_CLEAR = 0,	/* no entry's ACL permits: send in the clear */
	IOS_SPD_STATIC,		/* a static entry: use or negotiate an SA with its peer */
	IOS_SPD_DISCOVER,	/* a dynamic entry with discover: TED probe if no SA */
	IOS_SPD_DYNAMIC,	/* a dynamic entry without discover: drop if no SA (cannot initiate) */
};

typedef struct ios_spd_result {
	int kind; /* enum ios_spd_kind */
	const ios_crypto_map *map;
	const ios_map_entry *entry;	/* the crypto map entry */
	const ios_map_entry *dyn_entry; /* the dynamic-map entry, for DISCOVER / DYNAMIC */
	const ios_acl *acl;
	const ios_ace *ace; /* the permit that matched */
} ios_spd_result;

/* The crypto map entry for an outbound packet on an interface, as IOS picks
 * it: entries in sequence order; a static entry matches when its ACL's first
 * matching line is a permit; a dynamic reference looks through its dynamic
 * map's entries (in sequence order) that have a match address.  A deny (or
 * no matching line) passes the packet on to the next entry.  Returns the
 * kind (also in r->kind); IOS_SPD_CLEAR when the interface has no crypto map
 * or nothing permits.  SAs that espfabd instantiated from dynamic entries
 * are espfabd's to search first; this is only the configuration.
 * For the inbound check (cleartext that should have been protected), pass
 * the flow with source and destination swapped. */
int ios_spd_lookup(const ios_config *cfg, const ios_interface *ifc, const ios_flow *f, ios_spd_result *r);

#endif /* ESPFAB_HOST_IOS_CONFIG_H */
