/*
 * sadb_int — the SADB's private state, shared by host/sadb.c (database,
 * engine slots, lifetimes, acquires), host/datapath.c (packets) and
 * host/sadb_show.c (show / clear / test commands); host/crypto_show.c
 * reads it (show crypto map / session, never writes).  Nothing else
 * includes it; IKE uses host/sadb.h only.
 *
 * Pairs ("ent") live in one list, newest first, and in two hash tables:
 * by inbound SPI (inbound ESP) and by pair id (delete, completions).  A
 * pair that is deleted while packets of it are still in the engine stays
 * allocated (refs > 0, dead = true) until their completions have been
 * polled; its engine slots are already emptied (keys wiped) but are not
 * handed to another pair before then, so an engine that completes
 * asynchronously can never apply a new SA to an old request.
 */
#ifndef ESPFAB_HOST_SADB_INT_H
#define ESPFAB_HOST_SADB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "obuf.h"
#include "sadb.h"

/* Counters per pair, as IOS keeps them (show crypto ipsec sa [detail]). */
struct sadb_counters {
	/* outbound */
	uint64_t encaps;	 /* #pkts encaps / encrypt / digest */
	uint64_t send_errors;	 /* every outbound packet that did not leave */
	uint64_t encaps_failed;	 /* engine refused it (LENGTH, PROTO, TOO_BIG, LIFETIME ...) */
	uint64_t seq_overflow;	 /* replay rollover (send) */
	uint64_t send_io_errors; /* the socket refused the ESP packet */
	uint64_t internal_send;	 /* DEVICE, BAD_REQUEST, NO_SA on our own slot */
	/* inbound */
	uint64_t decaps;	   /* #pkts decaps / decrypt / verify */
	uint64_t recv_errors;	   /* every inbound packet of this SA not delivered */
	uint64_t replay_failed;	   /* REPLAY + WINDOW */
	uint64_t verify_failed;	   /* AUTH */
	uint64_t invalid_len;	   /* LENGTH */
	uint64_t invalid_prot;	   /* PROTO */
	uint64_t decaps_failed;	   /* PAD, LIFETIME, TOO_BIG */
	uint64_t invalid_identity; /* decrypted, but the inner packet is not covered by the proxies */
	uint64_t internal_recv;	   /* DEVICE, BAD_REQUEST, NO_SA, TUN write failed */
};

struct sadb_ent {
	sadb *db;
	uint32_t id;
	struct sadb_pair p; /* our copy, keys included (wiped on delete) */
	uint32_t slot_in, slot_out;
	uint64_t installed_ms; /* loop clock */
	uint64_t soft_ms, hard_ms; /* lifetimes after install; 0 = none */
	uint32_t soft_kb;	   /* what the engine got as life_soft_kb */
	evloop_timer soft_t, hard_t;
	bool soft_done; /* hooks.expire(soft) was called (seconds or kilobytes) */
	bool dead;
	int refs; /* 1 for the list + 1 per packet in the engine */
	struct sadb_counters c;
	struct sadb_ent *next, *prev; /* all pairs, newest first */
	struct sadb_ent *spi_next, *id_next;
};

/* Device-wide data path counters (show crypto datapath): every drop has its
 * reason here or in a pair's counters. */
struct sadb_dp_stats {
	uint64_t out_pkts;	   /* packets read from the TUN */
	uint64_t out_malformed;	   /* not a well-formed IPv4 packet */
	uint64_t out_clear;	   /* SPD said CLEAR: forwarded in the clear */
	uint64_t out_clear_err;	   /* ... and the kernel refused it */
	uint64_t out_not_acl;	   /* routed into the TUN, but no crypto ACL covers it: dropped */
	uint64_t clear_ttl;	   /* to be sent on in the clear, TTL exceeded: dropped */
	uint64_t out_no_sa;	   /* protect, no SA: dropped (acquire) */
	uint64_t out_no_sa_dyn;	   /* dynamic entry, no SA: dropped (cannot initiate) */
	uint64_t acquires;	   /* hooks.acquire called */
	uint64_t acquires_limited; /* suppressed by the rate limit */
	uint64_t out_busy;	   /* no free buffer / engine queue full */
	uint64_t in_pkts;	   /* ESP (raw + UDP 4500) */
	uint64_t in_malformed;	   /* too short to carry an SPI */
	uint64_t in_no_sa;	   /* unknown SPI */
	uint64_t in_busy;
	uint64_t in_dead;	   /* the pair went away while its packets were in the engine */
	uint64_t out_dead;
	uint64_t clear_in;	   /* cleartext received on a crypto-map interface (check TUN) */
	uint64_t clear_in_drop;	   /* ... that the ACLs say must be protected: dropped */
	uint64_t clear_in_fwd;	   /* ... not covered: forwarded */
	uint64_t clear_in_ted;	   /* ... TED probes taken by IKE (docs/ted.md) */
	uint64_t engine_errors;	   /* espfab_submit / espfab_poll failed */
};

#define SADB_ACQ_SLOTS 64
#define SADB_ACQUIRE_INTERVAL_MS 2000u

struct sadb_acq {
	const ios_map_entry *entry;
	const ios_ace *ace;
	uint32_t dst; /* DISCOVER: the probe goes to the original destination */
	uint64_t last_ms;
	uint64_t drops; /* packets dropped for want of this SA (show ... detail: no sa (send)) */
	bool used;
};

struct dp_state; /* host/datapath.c */

struct sadb {
	evloop *loop;
	espfab_dev *dev;
	espfabd_io *io;
	const ios_config *cfg;
	struct sadb_hooks hooks;

	uint32_t n_slots;
	uint8_t *slot_used; /* 0 free, 1 in use (also while a dead pair holds it) */
	uint32_t slot_hint;

	struct sadb_ent *head;
	size_t n_pairs; /* live pairs */
	struct sadb_ent **by_spi, **by_id;
	uint32_t n_buckets; /* power of two */
	uint32_t next_id;

	struct sadb_acq acq[SADB_ACQ_SLOTS];
	struct sadb_dp_stats st;
	struct dp_state *dp;
	uint64_t rng; /* jitter (xorshift, seeded from getrandom) */
	bool test_hooks;
};

/* ---- sadb.c ---- */
struct sadb_ent *sadb_find_spi_in(sadb *db, uint32_t spi);
struct sadb_ent *sadb_find_id(sadb *db, uint32_t id);
/* Newest live pair installed for `entry` (and dyn_entry when not NULL)
 * whose proxies cover the outbound flow. */
struct sadb_ent *sadb_find_out(sadb *db, const ios_map_entry *entry, const ios_map_entry *dyn_entry,
			       const ios_flow *f);
/* Newest live pair from a dynamic entry covering the flow (searched before
 * the configuration, as IOS does). */
struct sadb_ent *sadb_find_dynamic(sadb *db, const ios_interface *ifc, const ios_flow *f);
bool sadb_sel_match(const struct sadb_selector *s, uint32_t addr, uint8_t proto, uint16_t port);
void sadb_ent_put(sadb *db, struct sadb_ent *e);
/* Engine completion flags of a pair's SA: soft / hard edges. */
void sadb_lifetime_flags(sadb *db, struct sadb_ent *e, uint8_t flags);
/* Rate-limited acquire; returns true if hooks.acquire was called. */
bool sadb_acquire(sadb *db, const ios_spd_result *r, const ios_flow *f);
/* Jitter fraction for the soft lifetime, in 1/1000 of the hard lifetime
 * (850..900). */
unsigned sadb_soft_permille(sadb *db);

/* ---- datapath.c ---- */
int dp_new(sadb *db);
void dp_free(sadb *db);
/* Hooks for espfabd_io (also called directly by unit tests). */
void dp_tun_rx(void *arg, const uint8_t *pkt, size_t len);
void dp_esp_rx(void *arg, const uint8_t *pkt, size_t len);
void dp_natt_esp_rx(void *arg, const uint8_t *esp, size_t len, const netio_dgram *m);
/* Cleartext from a crypto-map interface (the check TUN). */
void dp_clear_rx(void *arg, const uint8_t *pkt, size_t len);
/* Submit what is batched and poll every completion there is. */
void dp_flush(sadb *db);
/* Packets in the engine. */
unsigned dp_inflight(const sadb *db);
/* Policy rules for the pairs of dynamic-map entries without `match
 * address` (no ACL rule diverts their traffic): after a pair is installed
 * or deleted, add the rules live pairs' proxies need and remove the ones
 * no pair needs any more.  Nothing unless the rules were applied. */
void dp_dyn_rules_sync(sadb *db);
/* Parse an IPv4 packet's flow (ports for TCP/UDP, type/code for ICMP);
 * 0 or -1 when it is not a well-formed IPv4 packet. */
int dp_parse_flow(const uint8_t *pkt, size_t len, ios_flow *f);

/* Packets the kernel dropped at espfabd's raw ESP socket (0) or UDP 4500
 * socket (1) because the receive queue was full. */
uint64_t dp_kernel_drops(const sadb *db, int which);

/* Test sinks: with io == NULL, what would be sent goes here instead. */
struct dp_sinks {
	void (*esp_out)(void *arg, const uint8_t *pkt, size_t len);   /* espfabd_io_esp_send */
	void (*tun_out)(void *arg, const uint8_t *pkt, size_t len);   /* espfabd_io_tun_write */
	void (*clear_out)(void *arg, const uint8_t *pkt, size_t len); /* sent on in the clear */
	void *arg;
};
void dp_set_sinks(sadb *db, const struct dp_sinks *s);

/* ---- datapath_route.c: rtnetlink for policy routing (0 or -errno) ---- */
int dp_nl_rule(bool add, uint32_t pref, uint32_t table, uint32_t src, uint8_t src_len, uint32_t dst, uint8_t dst_len,
	       const char *iif, uint32_t fwmark);
/* `default dev OIF` in TABLE */
int dp_nl_route_dev(bool add, uint32_t table, int oif);
/* `DST/DST_LEN dev OIF src PREFSRC` in TABLE (add replaces the prefix's route) */
int dp_nl_route_src(bool add, uint32_t table, uint32_t dst, uint8_t dst_len, int oif, uint32_t prefsrc);
int dp_nl_set_mtu(int ifindex, uint32_t mtu);

/* "10.1.2.3" */
const char *sadb_ip_str(uint32_t a, char b[16]);

#endif /* ESPFAB_HOST_SADB_INT_H */
