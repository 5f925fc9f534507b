/*
 * espfabd — the daemon's private header: its state, its options, and the
 * built-in commands.  Architecture and usage: docs/espfabd.md.
 *
 * Modules plug in through three things espfabd owns:
 *   d->loop   the event loop (fds, timers; host/evloop.h)
 *   d->cli    the command table: cli_register(d->cli, "show crypto isakmp sa",
 *             fn, arg) adds a command reachable from espfabctl (host/cli.h)
 *   d->io     the packet sockets and their hooks (host/espfabd_io.h)
 * and log through host/elog.h (debug lines under their `debug` category).
 */
#ifndef ESPFAB_HOST_ESPFABD_H
#define ESPFAB_HOST_ESPFABD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "ctl_server.h"
#include "espfab.h"
#include "espfabd_io.h"
#include "evloop.h"
#include "ios_config.h"
#include "netio.h"

#define ESPFABD_VERSION "0.1"
#define ESPFABD_MAX_IFMAP 64
#define ESPFABD_IOS_IFNAME_MAX 64
#define ESPFABD_DEFAULT_TUN "espfab0"

/* --ifmap IOSNAME=LINUXIF */
struct espfabd_ifmap {
	char ios[ESPFABD_IOS_IFNAME_MAX]; /* as given; compared without regard to case */
	char linux_if[NETIO_IFNAMSIZ];
	int ifindex; /* resolved at start-up */
};

struct espfabd_opts {
	const char *config;  /* --config FILE (required) */
	bool config_technote; /* --config-technote: ios_repair_doc() first (docs/ios-config.md) */
	const char *engine;  /* --engine NAME (required) */
	const char *socket;  /* --socket PATH (required) */
	const char *tun;     /* --tun NAME (default espfab0) */
	const char *log;     /* --log FILE */
	bool foreground;     /* --foreground */
	bool no_apply;       /* --no-apply */
	bool test_hooks;     /* --test-hooks: test oracle commands (docs/datapath.md) */
	const char *debug_keys; /* --debug-keys FILE: export negotiated keys (tests only, needs --test-hooks; docs/ike.md) */
	struct espfabd_ifmap ifmap[ESPFABD_MAX_IFMAP];
	size_t n_ifmap;
	bool help, version;  /* --help / --version: print and exit 0 */
};

/* Parse the command line (argv[0] is the program).  0, or -1 with a
 * one-line message (no program name, no newline) in err. */
int espfabd_parse_args(int argc, char **argv, struct espfabd_opts *o, char *err, size_t err_len);
void espfabd_usage(FILE *f);

typedef struct espfabd {
	struct espfabd_opts opt;
	char *socket_path; /* absolute */
	char *log_path;    /* absolute or NULL */

	evloop *loop;
	cli *cli;
	ctl_server *ctl;
	espfab_dev *dev;
	espfabd_io io;

	ios_config *cfg;   /* parsed --config; owned, freed by espfabd_config_free */
	struct sadb *sadb; /* SA database and data path (host/sadb.h, host/datapath.h) */
	struct ike *ike;   /* IKEv1 (ike/ike.h), started by espfabd_ike_start */

	uint64_t start_ms; /* monotonic */
	char hostname[64];
	char config_state[256]; /* one line for show version */
} espfabd;

/* --config (host/espfabd_config.c): load parses it into d->cfg (0, or -1
 * with the parser's FILE:LINE errors printed on stderr and a summary in
 * err; warnings are logged); apply sets the mapped Linux interfaces'
 * state and addresses and installs the static routes, unless --no-apply
 * (0, or -1 with the reason in err); free wipes and frees d->cfg. */
int espfabd_config_load(espfabd *d, char *err, size_t err_len);
int espfabd_config_apply(espfabd *d, char *err, size_t err_len);
void espfabd_config_free(espfabd *d);
/* Does `given` name the IOS interface `full`?  Case-insensitive, and the
 * type may be abbreviated as IOS allows: "Gi0/1", "gig0/1" and
 * "GigabitEthernet0/1" all name GigabitEthernet0/1. */
bool espfabd_ifname_match(const char *full, const char *given);
/* The --ifmap entry for a configured IOS interface name, or NULL. */
const struct espfabd_ifmap *espfabd_ifmap_find(const espfabd *d, const char *ios_name);

/* IKE (host/espfabd_ike.c): create it on d->cfg/d->loop/d->sadb, hook it
 * to d->io's UDP 500/4500 and to the SADB's acquire/expire, register its
 * commands.  0 or -errno.  stop undoes it all (NULL-safe). */
int espfabd_ike_start(espfabd *d);
void espfabd_ike_stop(espfabd *d);

/* Register show version, show debugging, show clock, debug/undebug. */
int espfabd_cmds_register(espfabd *d);

/* IOS's uptime text: "1 week, 2 days, 3 hours, 4 minutes" (units that are
 * zero are left out; minutes always shown). */
size_t espfabd_uptime_text(uint64_t seconds, char *buf, size_t len);

#endif /* ESPFAB_HOST_ESPFABD_H */
