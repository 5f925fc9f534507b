/*
 * ike_query.c — read-only snapshots of the ISAKMP SA database for show
 * commands that live outside ike/ (host/crypto_show.c: show crypto session).
 */
#include <string.h>

#include "ike_int.h"

size_t ike_sa_list(const ike *k, struct ike_sa_info *v, size_t max)
{
	size_t n = 0;
	for (const struct ike_sa *s = k->sas; s; s = s->next)
		if (!s->dead)
			n++;
	/* k->sas is newest first; fill oldest first, as IOS lists them */
	size_t i = n;
	for (const struct ike_sa *s = k->sas; s; s = s->next) {
		if (s->dead)
			continue;
		i--;
		if (i >= max || !v)
			continue;
		struct ike_sa_info *x = &v[i];
		memset(x, 0, sizeof *x);
		x->conn_id = s->conn_id;
		x->local = s->local;
		x->peer = s->peer;
		x->local_port = s->local_port;
		x->peer_port = s->peer_port;
		x->established = s->state == IKE_P1_COMPLETE;
		x->initiator = s->initiator;
		x->natt = s->natt;
		x->dpd = s->peer_dpd && k->cfg->dpd_interval;
		x->state = ike_p1_show_state(s->state);
		x->established_ms = x->established ? s->established_ms : 0;
		if (x->established && evloop_timer_armed(&s->life_timer))
			x->life_remaining = (uint32_t)(evloop_timer_remaining(k->p.loop, &s->life_timer) / 1000);
	}
	return n;
}
