/*
 * datapath — espfabd's user-space ESP data path on top of the SADB
 * (host/sadb.h).  Design, choices and counters: docs/datapath.md.
 *
 *   TUN (protected traffic the kernel routed to it by policy rules)
 *        -> IPv4 5-tuple -> SA search / ios_spd_lookup on the crypto-map
 *           interface -> CLEAR: sent on in the clear (marked raw socket)
 *                        protect + pair: engine ENCAP -> ESP out
 *                        protect, no pair: dropped, counted, acquire
 *   raw ESP / UDP 4500 ESP -> SPI -> engine DECAP -> proxy check -> TUN
 *   check TUN (cleartext that arrived on a crypto-map interface)
 *        -> the ACLs say it must be protected: dropped, counted, logged
 *           (%CRYPTO-4-RECVD_PKT_NOT_IPSEC); else sent on in the clear
 *
 * The engine is used asynchronously: requests are batched while the
 * sockets are read and submitted from a zero-delay timer of the loop (or
 * when a batch is full); completions are polled there too, and again every
 * millisecond while some are outstanding.  At most DP_INFLIGHT packets are
 * in the engine; beyond that packets are dropped and counted.
 */
#ifndef ESPFAB_HOST_DATAPATH_H
#define ESPFAB_HOST_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "espfabd.h"
#include "sadb.h"

/* Policy routing (see docs/datapath.md): table numbers, rule priorities and
 * the firewall mark of espfabd's own packets. */
#define DP_TABLE_OUT 58864u   /* default dev <tun>: traffic to protect */
#define DP_TABLE_CHECK 58865u /* default dev <tun>c: cleartext to check */
#define DP_RULE_PREF 1000u    /* fwmark rule; ACL rules follow it */
#define DP_FWMARK 0xe5f0u
#define DP_TUN_MTU 1400u      /* room for the largest ESP overhead (73 bytes) */

/* Hook the data path into espfabd: io hooks, the cleartext-check TUN, and
 * (when apply) the policy rules and routes that divert the crypto ACLs'
 * traffic into the TUN, the TUN MTU and IPv4 forwarding.  The map names
 * the Linux interface of each crypto-map interface.  0, or -1 with a
 * one-line reason in err. */
int datapath_start(sadb *db, const struct espfabd_ifmap *map, size_t n_map, bool apply, char *err, size_t err_len);
/* Remove the rules and routes again (when they were applied) and unhook. */
void datapath_stop(sadb *db);

/* show crypto ipsec sa [detail], show crypto engine connections active,
 * show crypto datapath, clear crypto sa [counters]; with test_hooks also
 * the test oracle commands `test crypto ipsec sa-install|sa-delete …`
 * (docs/datapath.md: for tests only, not a product feature). */
int sadb_cmds_register(sadb *db, cli *t, bool test_hooks);

#endif /* ESPFAB_HOST_DATAPATH_H */
