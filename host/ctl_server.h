/*
 * ctl_server — espfabd's control socket: a unix stream socket speaking the
 * ctl_proto framing, one session per connection, every command run through
 * the cli table, debug/log lines streamed to sessions in `terminal monitor`.
 *
 * The socket is created mode 0600 (owner only: the control socket can turn
 * on debugging and, later, clear SAs).  A stale socket file (nobody
 * listening) is replaced; a live one (another daemon) or a non-socket file
 * at the path is an error.  Closing the server closes every session and
 * removes the socket file if it is still the one this server created.
 *
 * Sessions are served from the event loop and never block it: output is
 * queued and written as the peer reads.  A session whose queued output
 * passes CTL_SESSION_OUT_HIGH stops being read until it drains.  Log lines
 * for a monitor session that has more than CTL_MONITOR_BACKLOG queued are
 * dropped and counted; the session gets one line saying how many when it
 * catches up.  At most CTL_MAX_SESSIONS connections are served at once.
 *
 * It registers `terminal monitor` and `terminal no monitor` (IOS's names)
 * in the cli table it is given; the table must outlive the server.
 *
 * Ownership: the server owns its sessions and the listening socket; the
 * loop and the cli table remain the caller's.
 */
#ifndef ESPFAB_HOST_CTL_SERVER_H
#define ESPFAB_HOST_CTL_SERVER_H

#include <stddef.h>

#include "cli.h"
#include "evloop.h"

#define CTL_MAX_SESSIONS 32
#define CTL_SESSION_OUT_HIGH ((size_t)4 << 20)
#define CTL_MONITOR_BACKLOG ((size_t)1 << 20)

typedef struct ctl_server ctl_server;

/* 0, or a negative errno with a one-line reason in err. */
int ctl_server_open(evloop *loop, cli *table, const char *path, ctl_server **out, char *err, size_t err_len);
/* Accepts NULL. */
void ctl_server_close(ctl_server *s);

size_t ctl_server_sessions(const ctl_server *s);
const char *ctl_server_path(const ctl_server *s);

#endif /* ESPFAB_HOST_CTL_SERVER_H */
