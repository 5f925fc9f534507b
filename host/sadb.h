/*
 * sadb — espfabd's IPsec SA database and the boundary between IKE (ike/)
 * and the data path (host/datapath.c).
 *
 * IKE negotiates; the SADB installs, owns, counts and expires.  The call
 * shape follows strongSwan's kernel_ipsec_add_sa_t: one flat struct per SA
 * pair (inbound + outbound, as quick mode produces them), copied on install.
 *
 *   IKE  --sadb_install(pair)-->  SADB  --espfab_sa_add x2-->  engine slots
 *   IKE  --sadb_delete(id)--->    SADB  --espfab_sa_del x2-->  (keys wiped)
 *   data path: TUN packet, SPD says "protect", no SA   --hooks.acquire-->  IKE
 *   SADB timers / engine byte-lifetime flags           --hooks.expire--->  IKE
 *
 * Ownership: the SADB copies every field of struct sadb_pair it keeps; the
 * caller wipes its own copy (sadb_pair_wipe) after sadb_install returns.
 * Keys live in the SADB only until the pair is deleted (engine slots are
 * wiped by espfab_sa_del, the SADB's copy by espfab_wipe).
 *
 * Errors: 0 or a negative errno (-EEXIST an inbound SPI already in use,
 * -ENOSPC no free engine slot, -EINVAL a field the engine refuses — the
 * reason is in the log line the SADB writes, -ENOENT no such pair).
 */
#ifndef ESPFAB_HOST_SADB_H
#define ESPFAB_HOST_SADB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espfab.h"
#include "espfabd_io.h"
#include "evloop.h"
#include "ios_config.h"
#include "obuf.h"

/* A proxy identity (quick-mode ID payload) as a selector: address and
 * mask (host order; a host is mask 0xffffffff), IP protocol (0 = any),
 * port (0 = any). */
struct sadb_selector {
	uint32_t addr, mask;
	uint8_t proto;
	uint16_t port;
};

/* One negotiated SA pair, everything the data path and `show crypto ipsec
 * sa` need.  Addresses host order. */
struct sadb_pair {
	/* where it came from */
	const ios_crypto_map *map;     /* the crypto map applied on the interface */
	const ios_map_entry *entry;    /* the map entry (for a dynamic map: the map's
	                                  `dynamic` entry) */
	const ios_map_entry *dyn_entry; /* the dynamic-map entry used, or NULL */
	const ios_interface *ifc;      /* the crypto-map interface */
	uint32_t ike_conn_id;          /* the ISAKMP SA that negotiated it */

	/* outer addresses and NAT-T: ports 0 = plain ESP (IP protocol 50),
	 * else UDP-encapsulated ESP between these ports (RFC 3948) */
	uint32_t local, peer;
	uint16_t local_port, peer_port;

	/* proxy identities: what the pair protects */
	struct sadb_selector local_id, remote_id;

	uint32_t spi_in, spi_out;      /* host order */
	uint8_t mode;                  /* ESPFAB_MODE_TUNNEL / _TRANSPORT */
	uint8_t cipher, auth;          /* ESPFAB_CIPHER_*, ESPFAB_AUTH_* */
	uint8_t enc_key_len, auth_key_len;
	uint8_t enc_in[ESPFAB_ENC_KEY_MAX], auth_in[ESPFAB_AUTH_KEY_MAX];
	uint8_t enc_out[ESPFAB_ENC_KEY_MAX], auth_out[ESPFAB_AUTH_KEY_MAX];
	uint16_t replay_window;        /* bits; 0 = off.  IOS default 64 */
	uint8_t pfs_group;             /* 0 = no PFS; shown in show crypto map / ipsec sa */

	uint32_t life_seconds;         /* hard lifetime, 0 = none */
	uint32_t life_kb;              /* hard lifetime in kilobytes, 0 = none */
};

/* Why a pair goes away (debug lines and the IKE side's delete decision). */
enum sadb_reason {
	SADB_DEL_IKE = 0,    /* the IKE side asked (peer's delete, rekey done) */
	SADB_DEL_CLEAR,      /* clear crypto sa */
	SADB_DEL_EXPIRED,    /* hard lifetime (seconds or kilobytes) */
	SADB_DEL_SHUTDOWN,   /* espfabd stops */
};

typedef struct sadb sadb;

/* What the SADB asks of the IKE side.  All may be NULL. */
struct sadb_hooks {
	/* Outbound traffic the SPD says to protect found no SA.  `r` is the
	 * SPD result (STATIC or DISCOVER: negotiate / probe; the packet was
	 * dropped, as IOS drops the first packets), `f` the packet's flow.
	 * The SADB rate-limits acquires per (entry, flow's selector pair). */
	void (*acquire)(void *arg, const ios_spd_result *r, const ios_flow *f);
	/* A pair reached its soft lifetime (hard = false: negotiate a
	 * replacement) or is gone (hard = true: the SADB already deleted it;
	 * tell the peer).  spi_in/spi_out identify it to the peer. */
	void (*expire)(void *arg, uint32_t pair_id, uint32_t spi_in, uint32_t spi_out, bool hard);
	void *arg;
	/* TED (docs/ted.md): cleartext UDP to port 500 arrived in the check
	 * TUN (a packet of a protected flow crossing this gateway).  true:
	 * it was a discovery probe and is consumed (dropped here); false:
	 * the data path handles it as any other cleartext. */
	bool (*probe)(void *arg, const uint8_t *pkt, size_t len);
	/* `show crypto engine connections active`: print the IKE side's own
	 * rows (one per ISAKMP SA, IOS prints them first: conn-ids below the
	 * IPsec ones) in the table's columns.  NULL: none. */
	void (*engine_rows)(void *arg, obuf *out);
};

/* Create the SADB (and its data path state) on espfabd's loop, engine,
 * packet sockets and parsed configuration; all four stay the caller's and
 * must outlive the SADB.  io may be NULL (unit tests: nothing is sent).
 * 0 or a negative errno. */
int sadb_new(evloop *loop, espfab_dev *dev, espfabd_io *io, const ios_config *cfg, sadb **out);
/* Delete every pair (SADB_DEL_SHUTDOWN: the hooks are not called), wipe
 * every key and free.  Accepts NULL. */
void sadb_free(sadb *db);
/* Set (copy) the IKE side's hooks; NULL clears them. */
void sadb_set_hooks(sadb *db, const struct sadb_hooks *h);

/* A fresh random inbound SPI (>= 256) not in use; 0 if none could be found. */
uint32_t sadb_new_spi(sadb *db);

/* Install both directions in the engine.  *pair_id (may be NULL) names the
 * pair for sadb_delete and the hooks. */
int sadb_install(sadb *db, const struct sadb_pair *p, uint32_t *pair_id);
int sadb_delete(sadb *db, uint32_t pair_id, enum sadb_reason why);
/* Delete the pair whose inbound or outbound SPI is `spi` with peer `peer`
 * (a delete payload names the SPI of its sender's inbound SA = our outbound
 * SPI; either matches).  -ENOENT if none. */
int sadb_delete_spi(sadb *db, uint32_t peer, uint32_t spi, enum sadb_reason why);
/* Delete every pair negotiated by ISAKMP SA ike_conn_id (0 = every pair). */
int sadb_delete_all(sadb *db, uint32_t ike_conn_id, enum sadb_reason why);

/* Send a whole IPv4 packet past the policy rules (the cleartext socket,
 * fwmark set; the main table routes it).  TED probes.  0 or -errno. */
int sadb_send_ip(sadb *db, const uint8_t *pkt, size_t len);

/* Wipe the key fields of a caller's copy. */
void sadb_pair_wipe(struct sadb_pair *p);

#endif /* ESPFAB_HOST_SADB_H */
