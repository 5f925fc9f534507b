/*
 * crypto_show — the show commands that join the configuration, the SADB and
 * the IKE SAs (IOS formats of ../shared/seeds 000 and 003):
 *
 *   show crypto map [tag NAME]       every crypto map entry as configured, the
 *                                    current peer of each, the entries created
 *                                    from dynamic maps, the interfaces using it
 *   show crypto session [detail]     one session per (interface, peer): status,
 *                                    the IKE SA, each IPsec flow with its SAs
 *                                    (detail: uptime, capabilities, counters,
 *                                    remaining lifetimes)
 *
 *   crypto_show *cs;
 *   crypto_show_register(cli, cfg, sadb, ike, &cs);   // ike may be NULL
 *   ...
 *   crypto_show_free(cs);                             // after the cli is gone
 *
 * docs/datapath.md ("Show formats") says which fields come from where.
 */
#ifndef ESPFAB_HOST_CRYPTO_SHOW_H
#define ESPFAB_HOST_CRYPTO_SHOW_H

#include "cli.h"
#include "ike.h"
#include "ios_config.h"
#include "obuf.h"
#include "sadb.h"

typedef struct crypto_show crypto_show;

/* Register the commands; *out receives the context the commands point at
 * (free it with crypto_show_free after the command table is freed).
 * 0 or a negative errno. */
int crypto_show_register(cli *c, const ios_config *cfg, sadb *db, ike *k, crypto_show **out);
void crypto_show_free(crypto_show *cs); /* NULL accepted */

/* The outputs themselves (tests call them without a command table). */
void crypto_show_map(const crypto_show *cs, obuf *out, const char *tag); /* tag NULL = every map */
void crypto_show_session(const crypto_show *cs, obuf *out, bool detail);

/* For tests: a context without registering anything. */
int crypto_show_new(const ios_config *cfg, sadb *db, ike *k, crypto_show **out);

#endif /* ESPFAB_HOST_CRYPTO_SHOW_H */
