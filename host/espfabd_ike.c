/*
 * espfabd_ike.c — wires the IKE module (ike/ike.h) into espfabd: datagrams
 * from UDP 500/4500 go to ike_input, IKE sends through espfabd_io, the
 * SADB's acquire/expire hooks call IKE, and the IKE commands join the
 * command table.  docs/ike.md.
 */
#include <errno.h>

#include "elog.h"
#include "espfabd.h"
#include "ike.h"
#include "sadb.h"

static int send_io(void *arg, int natt, uint32_t local, uint32_t peer, uint16_t peer_port, const uint8_t *msg,
		   size_t len)
{
	return espfabd_io_ike_send(arg, natt, local, peer, peer_port, msg, len);
}

static int keepalive_io(void *arg, uint32_t local, uint32_t peer, uint16_t peer_port)
{
	return espfabd_io_natt_keepalive(arg, local, peer, peer_port);
}

static int send_ip_io(void *arg, const uint8_t *pkt, size_t len)
{
	return sadb_send_ip(arg, pkt, len);
}

int espfabd_ike_start(espfabd *d)
{
	struct ike_params p = { .cfg = d->cfg, .loop = d->loop, .db = d->sadb, .send = send_io, .send_arg = &d->io,
				.debug_keys = d->opt.debug_keys, .keepalive = keepalive_io,
				.send_ip = d->sadb ? send_ip_io : NULL, .send_ip_arg = d->sadb };
	if (d->opt.debug_keys)
		elog_msg(ELOG_WARNING, "ESPFAB", "DEBUG_KEYS",
			 "exporting negotiated keys to %s (--debug-keys: test oracle only, never in production)",
			 d->opt.debug_keys);
	int r = ike_new(&p, &d->ike);
	if (r < 0)
		return r;
	if ((r = ike_register_cli(d->ike, d->cli, d->opt.test_hooks)) < 0)
		return r;
	d->io.ike_rx = ike_input_hook;
	d->io.ike_arg = d->ike;
	if (d->sadb) {
		struct sadb_hooks h;
		ike_sadb_hooks(d->ike, &h);
		sadb_set_hooks(d->sadb, &h);
	}
	return 0;
}

void espfabd_ike_stop(espfabd *d)
{
	d->io.ike_rx = NULL;
	d->io.ike_arg = NULL;
	if (d->sadb) {
		struct sadb_hooks h = { 0 };
		sadb_set_hooks(d->sadb, &h);
	}
	ike_free(d->ike);
	d->ike = NULL;
}
