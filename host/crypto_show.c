/*
 * crypto_show.c — show crypto map, show crypto session [detail]
 * (host/crypto_show.h).  The configuration says what is configured, the
 * SADB (sadb_int.h, read only) which pairs are up with which peers and
 * their counters, the IKE module (ike_sa_list) which ISAKMP SAs exist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_show.h"
#include "sadb_int.h"

struct crypto_show {
	const ios_config *cfg;
	sadb *db;
	ike *k;
};

int crypto_show_new(const ios_config *cfg, sadb *db, ike *k, crypto_show **out)
{
	*out = NULL;
	if (!cfg)
		return -EINVAL;
	crypto_show *cs = calloc(1, sizeof *cs);
	if (!cs)
		return -ENOMEM;
	cs->cfg = cfg;
	cs->db = db;
	cs->k = k;
	*out = cs;
	return 0;
}

void crypto_show_free(crypto_show *cs)
{
	free(cs);
}

static const char *ip(uint32_t a, char b[16])
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

/* Live pairs, oldest first (the SADB list is newest first). */
static size_t live_pairs(const sadb *db, struct sadb_ent ***out)
{
	*out = NULL;
	if (!db)
		return 0;
	size_t n = 0;
	for (struct sadb_ent *e = db->head; e; e = e->next)
		if (!e->dead)
			n++;
	if (!n)
		return 0;
	struct sadb_ent **v = calloc(n, sizeof *v);
	if (!v)
		return 0;
	size_t i = n;
	for (struct sadb_ent *e = db->head; e; e = e->next)
		if (!e->dead)
			v[--i] = e;
	*out = v;
	return n;
}

/* ---- show crypto map ---------------------------------------------------- */

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ahp";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

static void addr_wild(obuf *o, uint32_t a, uint32_t w)
{
	char b[16], c[16];
	if (w == 0)
		obuf_printf(o, " host %s", ip(a, b));
	else if (w == 0xffffffffu)
		obuf_puts(o, " any");
	else
		obuf_printf(o, " %s %s", ip(a, b), ip(w, c));
}

static void port_match(obuf *o, const ios_port_match *m)
{
	static const char *ops[] = { "", "eq", "neq", "lt", "gt", "range" };
	if (m->op == IOS_PORT_ANY || m->op > IOS_PORT_RANGE)
		return;
	if (m->op == IOS_PORT_RANGE)
		obuf_printf(o, " range %u %u", m->lo, m->hi);
	else
		obuf_printf(o, " %s %u", ops[m->op], m->lo);
}

static void ace_line(obuf *o, const char *acl_name, const ios_ace *a)
{
	char pb[8];
	obuf_printf(o, "            access-list %s %s %s", acl_name, a->permit ? "permit" : "deny",
		    a->any_proto ? "ip" : proto_name(a->proto, pb, sizeof pb));
	addr_wild(o, a->src, a->src_wild);
	port_match(o, &a->sport);
	addr_wild(o, a->dst, a->dst_wild);
	port_match(o, &a->dport);
	if (!a->any_proto && a->proto == 1 && a->icmp_type >= 0) {
		obuf_printf(o, " %d", a->icmp_type);
		if (a->icmp_code >= 0)
			obuf_printf(o, " %d", a->icmp_code);
	}
	if (a->log)
		obuf_puts(o, " log");
	obuf_puts(o, "\n");
}

static void tsets_line(obuf *o, const ios_map_entry *e)
{
	obuf_puts(o, "        Transform sets={ ");
	for (size_t i = 0; i < e->n_tsets; i++)
		obuf_printf(o, "%s, ", e->tsets[i] ? e->tsets[i]->name : e->tset_names[i]);
	obuf_puts(o, "}\n");
}

static void life_pfs(obuf *o, const ios_config *cfg, const ios_map_entry *e, uint8_t pfs)
{
	uint32_t sec, kb;
	ios_entry_lifetime(cfg, e, &sec, &kb);
	obuf_printf(o, "        Security association lifetime: %u kilobytes/%u seconds\n", kb, sec);
	obuf_printf(o, "        PFS (Y/N): %s\n", pfs ? "Y" : "N");
	if (pfs)
		obuf_printf(o, "        DH group:  group%u\n", pfs);
}

/* A selector as an ACL address ("host A", "any", "A W"). */
static void sel_wild(obuf *o, const struct sadb_selector *s)
{
	addr_wild(o, s->addr & s->mask, ~s->mask);
	if (s->port)
		obuf_printf(o, " eq %u", s->port);
}

void crypto_show_map(const crypto_show *cs, obuf *out, const char *tag)
{
	const ios_config *cfg = cs->cfg;
	struct sadb_ent **v;
	size_t n = live_pairs(cs->db, &v);
	char a[16];
	size_t shown = 0;
	for (size_t m = 0; m < cfg->n_maps; m++) {
		const ios_crypto_map *map = &cfg->maps[m];
		if (tag && strcmp(tag, map->name))
			continue;
		for (size_t i = 0; i < map->n_entries; i++) {
			const ios_map_entry *e = &map->entries[i];
			if (i || shown)
				obuf_puts(out, "\n");
			obuf_printf(out, "Crypto Map \"%s\" %u ipsec-isakmp\n", map->name, e->seq);
			if (e->dynamic_ref) {
				obuf_printf(out, "        Dynamic map template tag: %s\n", e->dynmap_name);
				if (e->discover)
					obuf_puts(out, "        Discover enabled\n");
				/* the entries IOS creates from the dynamic map, one per
				 * peer with SAs up, numbered after the template's */
				unsigned next_seq = e->seq + 1;
				for (size_t k = 0; k < n; k++) {
					const struct sadb_ent *p = v[k];
					if (p->p.entry != e || !p->p.dyn_entry)
						continue;
					bool seen = false;
					for (size_t j = 0; j < k && !seen; j++)
						seen = v[j]->p.entry == e && v[j]->p.dyn_entry && v[j]->p.peer == p->p.peer;
					if (seen)
						continue;
					const ios_map_entry *d = p->p.dyn_entry;
					char pb[8];
					obuf_printf(out, "\nCrypto Map \"%s\" %u ipsec-isakmp\n", map->name, next_seq++);
					obuf_printf(out, "        Peer = %s\n", ip(p->p.peer, a));
					obuf_puts(out, "        Extended IP access list \n");
					for (size_t j = k; j < n; j++) {
						const struct sadb_ent *q = v[j];
						if (q->p.entry != e || q->p.dyn_entry != d || q->p.peer != p->p.peer)
							continue;
						obuf_printf(out, "            access-list  permit %s",
							    q->p.local_id.proto ? proto_name(q->p.local_id.proto, pb, sizeof pb) : "ip");
						sel_wild(out, &q->p.local_id);
						sel_wild(out, &q->p.remote_id);
						obuf_puts(out, "\n");
					}
					obuf_printf(out, "            dynamic (created from dynamic map %s/%u)\n", e->dynmap_name,
						    d->seq);
					obuf_printf(out, "        Current peer: %s\n", ip(p->p.peer, a));
					life_pfs(out, cfg, d, d->pfs_group);
					tsets_line(out, d);
				}
			} else {
				if (e->description)
					obuf_printf(out, "        Description: %s\n", e->description);
				for (size_t k = 0; k < e->n_peers; k++)
					obuf_printf(out, "        Peer = %s\n", ip(e->peers[k], a));
				if (e->acl) {
					obuf_printf(out, "        Extended IP access list %s\n", e->acl->name);
					for (size_t k = 0; k < e->acl->n_aces; k++)
						ace_line(out, e->acl->name, &e->acl->aces[k]);
				} else {
					obuf_puts(out, "        No matching address list set.\n");
				}
				/* the peer of the newest pair up for this entry, else the first configured */
				const struct sadb_ent *cur = NULL;
				for (size_t k = 0; k < n; k++)
					if (v[k]->p.entry == e && !v[k]->p.dyn_entry)
						cur = v[k];
				if (cur)
					obuf_printf(out, "        Current peer: %s\n", ip(cur->p.peer, a));
				else if (e->n_peers)
					obuf_printf(out, "        Current peer: %s\n", ip(e->peers[0], a));
				life_pfs(out, cfg, e, e->pfs_group);
				tsets_line(out, e);
			}
		}
		obuf_printf(out, "        Interfaces using crypto map %s:\n", map->name);
		for (size_t k = 0; k < cfg->n_ifaces; k++)
			if (cfg->ifaces[k].crypto_map == map)
				obuf_printf(out, "                %s\n", cfg->ifaces[k].name);
		shown++;
	}
	if (!shown)
		obuf_puts(out, "No crypto maps found.\n");
	free(v);
}

/* ---- show crypto session ------------------------------------------------ */

struct session {
	const ios_interface *ifc;
	uint32_t peer, local;
	uint16_t peer_port;
	const struct ike_sa_info *ike; /* the newest established one, else the newest */
	size_t n_pairs;
	uint64_t first_ms; /* earliest install / phase-1 completion (uptime) */
};

static const ios_interface *ifc_by_addr(const ios_config *cfg, uint32_t local)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].has_addr && cfg->ifaces[i].addr == local)
			return &cfg->ifaces[i];
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].crypto_map)
			return &cfg->ifaces[i];
	return NULL;
}

static struct session *session_get(struct session *s, size_t *ns, const ios_interface *ifc, uint32_t peer)
{
	for (size_t i = 0; i < *ns; i++)
		if (s[i].ifc == ifc && s[i].peer == peer)
			return &s[i];
	struct session *x = &s[(*ns)++];
	memset(x, 0, sizeof *x);
	x->ifc = ifc;
	x->peer = peer;
	return x;
}

static void flow_sel(obuf *o, const struct sadb_selector *s)
{
	char a[16], m[16];
	if (s->mask == 0xffffffffu)
		obuf_printf(o, " host %s", ip(s->addr, a));
	else
		obuf_printf(o, " %s/%s", ip(s->addr & s->mask, a), ip(s->mask, m));
	if (s->port)
		obuf_printf(o, " port %u", s->port);
}

static void hms(char *buf, size_t len, uint64_t sec)
{
	snprintf(buf, len, "%02u:%02u:%02u", (unsigned)(sec / 3600), (unsigned)(sec / 60 % 60), (unsigned)(sec % 60));
}

static bool same_flow(const struct sadb_ent *a, const struct sadb_ent *b)
{
	return !memcmp(&a->p.local_id, &b->p.local_id, sizeof a->p.local_id) &&
	       !memcmp(&a->p.remote_id, &b->p.remote_id, sizeof a->p.remote_id);
}

static void life_left(const sadb *db, const struct sadb_ent *e, bool in, unsigned long long *kb,
		      unsigned long long *sec)
{
	espfab_sa_state_t st;
	memset(&st, 0, sizeof st);
	espfab_sa_state(db->dev, in ? e->slot_in : e->slot_out, &st);
	uint64_t used = st.bytes / 1024;
	*kb = e->p.life_kb > used ? e->p.life_kb - used : 0;
	*sec = evloop_timer_armed(&e->hard_t) ? (evloop_timer_remaining(db->loop, &e->hard_t) + 999) / 1000 : 0;
}

static void session_block(const crypto_show *cs, obuf *o, const struct session *s, struct sadb_ent **v, size_t n,
			  bool detail, uint64_t now)
{
	char a[16], b[16];
	const struct ike_sa_info *ik = s->ike;
	const char *status = s->n_pairs ? (ik && ik->established ? "UP-ACTIVE" : "UP-NO-IKE")
			      : ik && ik->established ? "UP-IDLE"
			      : ik			  ? "DOWN-NEGOTIATING"
							  : "DOWN";
	obuf_printf(o, "Interface: %s\n", s->ifc ? s->ifc->name : "<none>");
	if (detail && s->first_ms) {
		char up[16];
		hms(up, sizeof up, now > s->first_ms ? (now - s->first_ms) / 1000 : 0);
		obuf_printf(o, "Uptime: %s\n", up);
	}
	obuf_printf(o, "Session status: %s\n", status);
	obuf_printf(o, "Peer: %s port %u%s\n", ip(s->peer, a), s->peer_port ? s->peer_port : 500,
		    detail ? " fvrf: (none) ivrf: (none)" : "");
	if (detail) {
		obuf_printf(o, "      Phase1_id: %s\n", ip(s->peer, a));
		obuf_puts(o, "      Desc: (none)\n");
	}
	if (ik) {
		obuf_printf(o, "  IKEv1 SA: local %s/%u remote %s/%u %s\n", ip(ik->local, a),
			    ik->local_port ? ik->local_port : 500, ip(ik->peer, b), ik->peer_port ? ik->peer_port : 500,
			    ik->established ? "Active" : "Inactive");
		if (detail) {
			char cap[8] = "", life[16] = "";
			size_t c = 0;
			if (ik->dpd)
				cap[c++] = 'D';
			if (ik->natt)
				cap[c++] = 'N';
			cap[c] = 0;
			if (ik->life_remaining)
				hms(life, sizeof life, ik->life_remaining);
			obuf_printf(o, "          Capabilities:%s connid:%u lifetime:%s\n", c ? cap : "(none)", ik->conn_id,
				    life);
		}
	}
	bool *done = n ? calloc(n, sizeof *done) : NULL;
	for (size_t k = 0; k < n && done; k++) {
		const struct sadb_ent *e = v[k];
		if (done[k] || e->p.ifc != s->ifc || e->p.peer != s->peer)
			continue;
		/* one flow: every live pair with these proxies (the newest last) */
		struct sadb_counters c;
		memset(&c, 0, sizeof c);
		size_t np = 0;
		const struct sadb_ent *newest = e;
		for (size_t j = k; j < n; j++) {
			const struct sadb_ent *q = v[j];
			if (done[j] || q->p.ifc != s->ifc || q->p.peer != s->peer || !same_flow(e, q))
				continue;
			done[j] = true;
			np++;
			newest = q;
			c.decaps += q->c.decaps;
			c.encaps += q->c.encaps;
			c.recv_errors += q->c.recv_errors;
			c.send_errors += q->c.send_errors;
		}
		/* IOS prints the protocol as a number: "permit 47 host ..." */
		if (e->p.local_id.proto)
			obuf_printf(o, "  IPSEC FLOW: permit %u", e->p.local_id.proto);
		else
			obuf_puts(o, "  IPSEC FLOW: permit ip");
		flow_sel(o, &e->p.local_id);
		flow_sel(o, &e->p.remote_id);
		obuf_puts(o, "\n");
		obuf_printf(o, "        Active SAs: %zu, origin: %s\n", 2 * np, e->p.dyn_entry ? "dynamic crypto map" : "crypto map");
		if (detail) {
			unsigned long long kb, sec;
			life_left(cs->db, newest, true, &kb, &sec);
			obuf_printf(o, "        Inbound:  #pkts dec'ed %llu drop %llu life (KB/Sec) %llu/%llu\n",
				    (unsigned long long)c.decaps, (unsigned long long)c.recv_errors, kb, sec);
			life_left(cs->db, newest, false, &kb, &sec);
			obuf_printf(o, "        Outbound: #pkts enc'ed %llu drop %llu life (KB/Sec) %llu/%llu\n",
				    (unsigned long long)c.encaps, (unsigned long long)c.send_errors, kb, sec);
		}
	}
	free(done);
	obuf_puts(o, "\n");
}

void crypto_show_session(const crypto_show *cs, obuf *out, bool detail)
{
	const ios_config *cfg = cs->cfg;
	struct sadb_ent **v;
	size_t n = live_pairs(cs->db, &v);
	size_t ni = cs->k ? ike_sa_list(cs->k, NULL, 0) : 0;
	struct ike_sa_info *iv = ni ? calloc(ni, sizeof *iv) : NULL;
	if (iv)
		ni = ike_sa_list(cs->k, iv, ni);
	else
		ni = 0;
	struct session *s = n + ni ? calloc(n + ni, sizeof *s) : NULL;
	size_t ns = 0;
	uint64_t now = cs->db ? evloop_now(cs->db->loop) : 0;
	for (size_t i = 0; i < n && s; i++) {
		struct session *x = session_get(s, &ns, v[i]->p.ifc, v[i]->p.peer);
		x->local = v[i]->p.local;
		x->peer_port = v[i]->p.peer_port;
		x->n_pairs++;
		if (!x->first_ms || v[i]->installed_ms < x->first_ms)
			x->first_ms = v[i]->installed_ms;
	}
	for (size_t i = 0; i < ni && s; i++) { /* oldest first: a later established one wins */
		struct session *x = session_get(s, &ns, ifc_by_addr(cfg, iv[i].local), iv[i].peer);
		if (!x->ike || iv[i].established || !x->ike->established)
			x->ike = &iv[i];
		if (!x->local)
			x->local = iv[i].local;
		if (!x->peer_port)
			x->peer_port = iv[i].peer_port;
		if (iv[i].established_ms && (!x->first_ms || iv[i].established_ms < x->first_ms))
			x->first_ms = iv[i].established_ms;
	}
	obuf_puts(out, "Crypto session current status\n\n");
	if (detail)
		obuf_puts(out, "Code: C - IKE Configuration mode, D - Dead Peer Detection\n"
			       "K - Keepalives, N - NAT-traversal, T - cTCP encapsulation\n"
			       "X - IKE Extended Authentication, F - IKE Fragmentation\n\n");
	/* interfaces in configuration order, then sessions without one */
	for (size_t i = 0; i <= cfg->n_ifaces; i++) {
		const ios_interface *ifc = i < cfg->n_ifaces ? &cfg->ifaces[i] : NULL;
		for (size_t k = 0; k < ns; k++)
			if (s[k].ifc == ifc)
				session_block(cs, out, &s[k], v, n, detail, now);
	}
	free(s);
	free(iv);
	free(v);
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_show_map(const cli_call *c, obuf *out)
{
	crypto_show_map(c->arg, out, c->argc == 5 ? c->argv[4] : NULL);
	return 0;
}

static int cmd_show_session(const cli_call *c, obuf *out)
{
	crypto_show_session(c->arg, out, c->argc == 4);
	return 0;
}

int crypto_show_register(cli *c, const ios_config *cfg, sadb *db, ike *k, crypto_show **out)
{
	int r = crypto_show_new(cfg, db, k, out);
	if (r < 0)
		return r;
	r = cli_register(c, "show crypto map", cmd_show_map, *out);
	r = r ? r : cli_register(c, "show crypto map tag WORD", cmd_show_map, *out);
	r = r ? r : cli_register(c, "show crypto session", cmd_show_session, *out);
	r = r ? r : cli_register(c, "show crypto session detail", cmd_show_session, *out);
	return r < 0 ? r : 0;
}
