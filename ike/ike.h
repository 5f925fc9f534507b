/*
 * ike — espfabd's IKEv1 control plane: the ISAKMP SA database, main mode
 * and quick mode (both roles, pre-shared keys), informational exchanges
 * (delete, notify, DPD), NAT-T (RFC 3947), retransmission and lifetimes.
 * docs/ike.md describes the state machines, timers, limits and interop.
 *
 * This is the only header espfabd (or a test) needs:
 *
 *   struct ike_params p = { .cfg = cfg, .loop = loop, .db = sadb,
 *                           .send = my_send, .send_arg = io };
 *   ike *k; ike_new(&p, &k);
 *   d->io.ike_rx = ike_input_hook; d->io.ike_arg = k;   // datagrams in
 *   ike_sadb_hooks(k, &hooks);                           // acquire / expire
 *   ike_register_cli(k, cli);                            // show/clear commands
 *   ...
 *   ike_free(k);                                         // wipes every key
 *
 * Everything runs on the caller's event loop (single thread).  Packets go
 * out through params.send (espfabd: espfabd_io_ike_send), SA pairs go to
 * the SADB through host/sadb.h (sadb_install, sadb_delete_spi, ...).
 *
 * Ownership: ike keeps pointers into params.cfg (policies, keys, crypto
 * map entries); the configuration must outlive the ike.  ike_free deletes
 * every ISAKMP SA (without telling peers), wipes every key it holds and
 * frees everything; it does not delete SA pairs from the SADB (espfabd
 * shuts the SADB down itself).
 */
#ifndef ESPFAB_IKE_IKE_H
#define ESPFAB_IKE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "evloop.h"
#include "ios_config.h"
#include "netio.h"
#include "obuf.h"
#include "sadb.h"

typedef struct ike ike;

/* Send one ISAKMP message (without the non-ESP marker; natt != 0 means
 * "from port 4500 with the marker", as espfabd_io_ike_send does).  local
 * and peer host order.  0 or -errno. */
typedef int (*ike_send_fn)(void *arg, int natt, uint32_t local, uint32_t peer, uint16_t peer_port,
			   const uint8_t *msg, size_t len);

/* Send one NAT-keepalive (RFC 3948 section 2.3: the single byte 0xFF) from
 * local:4500 to peer:peer_port.  0 or -errno. */
typedef int (*ike_keepalive_fn)(void *arg, uint32_t local, uint32_t peer, uint16_t peer_port);

struct ike_params {
	const ios_config *cfg; /* required */
	evloop *loop;          /* required */
	sadb *db;              /* where SA pairs go (may be NULL in tests that stop at phase 1) */
	ike_send_fn send;      /* required */
	void *send_arg;
	/* Tuning (0 = default). */
	uint32_t retrans_ms;     /* first retransmission interval, doubled each time (default 2000) */
	unsigned retrans_max;    /* retransmissions before giving up (default 5, as IOS) */
	unsigned max_half_open;  /* ISAKMP SAs in negotiation at once (default 256) */
	unsigned max_half_open_peer; /* ... per peer address (default 16) */
	uint32_t qm_linger_ms;   /* how long a finished quick mode is kept to answer retransmissions (default 10000) */
	uint16_t ike_port, natt_port; /* the ports we listen on (default 500 / 4500) */
	/* Test oracle only (espfabd --debug-keys FILE, needs --test-hooks):
	 * append the phase-1 encryption key and every ESP key to this file in
	 * tshark's uat formats (ike/ike_keylog.c, docs/ike.md).  NULL = off. */
	const char *debug_keys;
	/* NAT keepalives (espfabd: espfabd_io_natt_keepalive, with send_arg);
	 * NULL = never sent.  Interval: `crypto isakmp nat keepalive N`, else
	 * 20 s; on every established ISAKMP SA that floated to 4500. */
	ike_keepalive_fn keepalive;
	/* TED (docs/ted.md): send a whole IPv4 packet (the discovery probe,
	 * whose source is the original packet's) past the policy rules;
	 * espfabd: sadb_send_ip.  NULL = discovery cannot probe. */
	int (*send_ip)(void *arg, const uint8_t *pkt, size_t len);
	void *send_ip_arg;
};

/* 0, -EINVAL (missing parameter) or -ENOMEM. */
int ike_new(const struct ike_params *p, ike **out);
void ike_free(ike *k); /* NULL accepted */

/* A datagram from UDP 500 or 4500 (marker already stripped on 4500, as
 * espfabd_io delivers it).  local_port is the port it arrived on. */
void ike_input(ike *k, uint16_t local_port, const uint8_t *msg, size_t len, const netio_dgram *m);
/* The same with the signature of espfabd_io's ike_rx hook (arg = ike). */
void ike_input_hook(void *arg, uint16_t local_port, const uint8_t *msg, size_t len, const netio_dgram *m);

/* Fill the SADB hooks (acquire, expire, arg) that point at this ike. */
void ike_sadb_hooks(ike *k, struct sadb_hooks *h);
/* The hooks themselves (arg = ike), for callers that wire them by hand. */
void ike_acquire(void *arg, const ios_spd_result *r, const ios_flow *f);
void ike_expire(void *arg, uint32_t pair_id, uint32_t spi_in, uint32_t spi_out, bool hard);

/* Start negotiation for a crypto map entry as an acquire would: main mode
 * to the entry's first peer (if no ISAKMP SA), then quick mode with the
 * proxies of the ACL's first permit line.  Returns 0 or -errno (-ENOENT:
 * no such static entry, -EINVAL: the entry has no peer or no permit).
 * Used by the test-only command `test crypto initiate MAP SEQ`. */
int ike_initiate_entry(ike *k, const char *map_name, unsigned seq);

/* Commands: show crypto isakmp sa [detail], clear crypto isakmp [ID];
 * with test_hooks also the test-only `test crypto initiate MAP SEQ`
 * (docs/ike.md). */
int ike_register_cli(ike *k, cli *c, bool test_hooks);

/* Output of `show crypto isakmp sa` / `... detail`. */
void ike_show_sa(ike *k, obuf *out, bool detail);
/* clear crypto isakmp [conn_id]: delete (and tell the peer); 0 = all.
 * Returns the number deleted. */
int ike_clear(ike *k, uint32_t conn_id);

/* Counters and lookups for tests and show commands. */
struct ike_stats {
	uint64_t rx, rx_bad, rx_dup, tx, retrans;
	uint64_t p1_done, p1_failed, p2_done, p2_failed;
	uint64_t half_open_drops, pairs_installed, deletes_rx, deletes_tx;
	uint64_t dpd_rx, dpd_ack_tx;
	uint64_t natt_keepalive_tx;
	/* TED (docs/ted.md) */
	uint64_t ted_probes_tx, ted_replies_rx, ted_probes_rx, ted_replies_tx;
	uint64_t ted_ignored, ted_giveups, ted_limited;
};
const struct ike_stats *ike_get_stats(const ike *k);
/* Established ISAKMP SAs (QM_IDLE) and ones in negotiation. */
unsigned ike_count_sa(const ike *k, bool established);
/* "QM_IDLE", "MM_NO_STATE", ... of the SA with a peer (the newest), or NULL. */
const char *ike_peer_state(const ike *k, uint32_t peer);

/* A read-only snapshot of one ISAKMP SA, for show commands outside ike/
 * (show crypto session).  Addresses host order; times on the loop clock. */
struct ike_sa_info {
	uint32_t conn_id;
	uint32_t local, peer;
	uint16_t local_port, peer_port; /* 500, or 4500 after the NAT-T float */
	bool established;               /* QM_IDLE (phase 1 complete) */
	bool initiator, natt, dpd;      /* dpd: the peer does DPD and keepalives are configured */
	const char *state;              /* "QM_IDLE", "MM_NO_STATE", ... (static) */
	uint64_t established_ms;        /* 0 while negotiating */
	uint32_t life_remaining;        /* seconds; 0 = unknown / not established */
};
/* Fill up to max entries (oldest first), return how many SAs there are
 * (dead ones left out).  v may be NULL with max 0 to count. */
size_t ike_sa_list(const ike *k, struct ike_sa_info *v, size_t max);

/* ---- Tunnel Endpoint Discovery (ike/ike_ted.c, docs/ted.md) ---------- */

/* One TED message: probe (rcookie all zero) or reply.  addr: the sender's
 * IKE address (prober: its crypto-map interface; responder: its own);
 * src/dst: the proxies, the prober's side first in both messages. */
struct ike_ted_msg {
	uint8_t icookie[8], rcookie[8];
	uint32_t addr;
	struct sadb_selector src, dst;
};
/* The ISAKMP message (header, VID, ID x 3) into buf; its length or 0. */
size_t ike_ted_build(const struct ike_ted_msg *t, uint8_t *buf, size_t cap);
/* Parse one (after isakmp_parse): 0 or -1 with *why. */
struct isakmp_msg;
int ike_ted_decode(const struct isakmp_msg *m, struct ike_ted_msg *t, const char **why);
/* IPv4 + UDP 500 -> 500 around msg (checksums filled); length or 0. */
size_t ike_ted_ip(uint32_t src, uint32_t dst, const uint8_t *msg, size_t len, uint8_t *buf, size_t cap);
/* The SADB's probe hook: a cleartext IPv4 packet from the check TUN;
 * true if it was a TED probe this gateway consumed (answered or refused
 * as a probe), false to let the data path treat it as any cleartext. */
bool ike_ted_intercept(void *arg, const uint8_t *pkt, size_t len);

#endif /* ESPFAB_IKE_IKE_H */
