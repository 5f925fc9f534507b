/*
 * ike_ted.c — Tunnel Endpoint Discovery (issue 7, docs/ted.md).
 *
 * Prober: the SADB's acquire for a `crypto map ... dynamic DYN discover`
 * entry lands in ike_ted_acquire: one probe per flow (entry, ACL line,
 * original destination) is sent as a packet of the protected flow itself
 * (IPv4 source = the original source, destination = the original
 * destination, UDP 500 -> 500) through params.send_ip, retried with
 * backoff and given up with a log line.  The reply (from the discovered
 * peer's UDP 500 to ours) starts main mode with that peer and queues quick
 * mode with the negotiated proxies: the pair is installed with the
 * template entry and the dynamic-map entry, which is what show crypto map
 * lists as `created from dynamic map`.
 *
 * Responder: the data path hands cleartext UDP-500 packets of protected
 * flows arriving on a crypto-map interface (check TUN) to
 * ike_ted_intercept; a probe whose proxies a discover-enabled dynamic map
 * covers is consumed and answered from this gateway's crypto-map address
 * to the address in the probe's first ID payload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

#define TED_RETRY_MS 1000u   /* first retransmission; doubled: 1, 2, 4 s */
#define TED_SENDS 3u         /* probes per discovery (at 0, 1, 3 s); given up 4 s after the last */
#define TED_HOLD_MS 10000u   /* after giving up: no new discovery for that flow */
#define TED_MAX_PROBES 32u   /* discoveries in progress (or held down) at once */
#define TED_PROBES_PER_S 10u /* new discoveries started per second, all flows */
#define TED_REPLIES_PER_S 20u /* replies sent per second (we answer unauthenticated packets) */

struct ike_probe {
	struct ike_probe *next;
	ike *k;
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint32_t conn_id;
	const ios_crypto_map *map;
	const ios_map_entry *entry, *dyn_entry;
	const ios_ace *ace;
	const ios_interface *ifc;
	uint32_t src, dst, local;
	struct sadb_selector lid, rid;
	unsigned sends;
	bool failed;
	evloop_timer timer;
	uint8_t pkt[256];
	size_t len;
};

/* ---- wire ------------------------------------------------------------------ */

static void be32w(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

size_t ike_ted_build(const struct ike_ted_msg *t, uint8_t *buf, size_t cap)
{
	static const uint8_t zero[ISAKMP_COOKIE_LEN];
	bool reply = memcmp(t->rcookie, zero, sizeof zero) != 0;
	struct isakmp_hdr_spec h = { .icookie = t->icookie, .rcookie = reply ? t->rcookie : NULL,
				     .exchange = ISAKMP_EXCH_ESPFAB_TED };
	struct isakmp_builder b;
	isakmp_build_init(&b, buf, cap, &h);
	const struct isakmp_vid_def *v = isakmp_vid_get(VID_ESPFAB_TED);
	isakmp_add_vid(&b, v->vid, v->len);
	uint8_t a[4], d1[8], d2[8];
	be32w(a, t->addr);
	struct isakmp_id_spec id = { IPSEC_ID_IPV4_ADDR, 17, 500, a, 4 };
	isakmp_add_id(&b, &id);
	ike_selector_to_id(&t->src, &id, d1);
	isakmp_add_id(&b, &id);
	ike_selector_to_id(&t->dst, &id, d2);
	isakmp_add_id(&b, &id);
	size_t len = 0;
	if (isakmp_build_finish(&b, &len) < 0)
		return 0;
	return len;
}

int ike_ted_decode(const struct isakmp_msg *m, struct ike_ted_msg *t, const char **why)
{
	memset(t, 0, sizeof *t);
	*why = NULL;
	if (m->exchange != ISAKMP_EXCH_ESPFAB_TED) {
		*why = "not a TED exchange";
		return -1;
	}
	if (m->flags & ISAKMP_FLAG_E) {
		*why = "encrypted";
		return -1;
	}
	bool vid = false;
	for (const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_NP_VID, NULL); p;
	     p = isakmp_msg_find(m, ISAKMP_NP_VID, p)) {
		const struct isakmp_vid_def *v = isakmp_vid_match(p->body, p->body_len);
		vid |= v && v->id == VID_ESPFAB_TED;
	}
	if (!vid) {
		*why = "no espfab TED vendor ID";
		return -1;
	}
	const struct isakmp_payload *id[3] = { NULL, NULL, NULL };
	id[0] = isakmp_msg_find(m, ISAKMP_NP_ID, NULL);
	id[1] = id[0] ? isakmp_msg_find(m, ISAKMP_NP_ID, id[0]) : NULL;
	id[2] = id[1] ? isakmp_msg_find(m, ISAKMP_NP_ID, id[1]) : NULL;
	if (!id[2] || isakmp_msg_count(m, ISAKMP_NP_ID) != 3) {
		*why = "needs exactly three ID payloads";
		return -1;
	}
	struct sadb_selector addr;
	if (id[0]->u.id.type != IPSEC_ID_IPV4_ADDR || ike_id_to_selector(id[0], &addr) < 0 || !addr.addr) {
		*why = "first ID is not an IPv4 address";
		return -1;
	}
	if (ike_id_to_selector(id[1], &t->src) < 0 || ike_id_to_selector(id[2], &t->dst) < 0) {
		*why = "proxy ID of an unsupported type";
		return -1;
	}
	t->addr = addr.addr;
	memcpy(t->icookie, m->icookie, sizeof t->icookie);
	memcpy(t->rcookie, m->rcookie, sizeof t->rcookie);
	return 0;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t ike_ted_ip(uint32_t src, uint32_t dst, const uint8_t *msg, size_t len, uint8_t *buf, size_t cap)
{
	size_t total = 28 + len;
	if (total > cap || total > 65535)
		return 0;
	memset(buf, 0, 28);
	buf[0] = 0x45;
	buf[2] = (uint8_t)(total >> 8), buf[3] = (uint8_t)total;
	uint16_t ipid = (uint16_t)ike_random32();
	buf[4] = (uint8_t)(ipid >> 8), buf[5] = (uint8_t)ipid;
	buf[8] = 64;
	buf[9] = 17;
	be32w(buf + 12, src);
	be32w(buf + 16, dst);
	uint16_t c = csum_fold(csum_add(0, buf, 20));
	buf[10] = (uint8_t)(c >> 8), buf[11] = (uint8_t)c;
	uint8_t *u = buf + 20;
	u[0] = 500 >> 8, u[1] = 500 & 0xff, u[2] = 500 >> 8, u[3] = 500 & 0xff;
	u[4] = (uint8_t)((8 + len) >> 8), u[5] = (uint8_t)(8 + len);
	memcpy(u + 8, msg, len);
	uint8_t ph[12];
	memcpy(ph, buf + 12, 8);
	ph[8] = 0, ph[9] = 17, ph[10] = u[4], ph[11] = u[5];
	c = csum_fold(csum_add(csum_add(0, ph, 12), u, 8 + len));
	if (!c)
		c = 0xffff;
	u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
	return total;
}

/* ---- text ------------------------------------------------------------------- */

static const char *sel_am(const struct sadb_selector *s, char *buf, size_t n)
{
	char a[16], m[16];
	snprintf(buf, n, "%s/%s", ike_ip(s->addr, a), ike_ip(s->mask, m));
	return buf;
}

static int id_type(const struct sadb_selector *s)
{
	return s->mask == 0xffffffffu ? IPSEC_ID_IPV4_ADDR : IPSEC_ID_IPV4_ADDR_SUBNET;
}

/* ---- prober ------------------------------------------------------------------ */

#define TED_DBG(p, fmt, ...) ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): " fmt, (p)->conn_id, ##__VA_ARGS__)

static void probe_free(ike *k, struct ike_probe *p)
{
	for (struct ike_probe **pp = &k->probes; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	evloop_timer_stop(k->p.loop, &p->timer);
	free(p);
}

void ike_ted_free(ike *k)
{
	while (k->probes)
		probe_free(k, k->probes);
}

static int probe_send(ike *k, struct ike_probe *p)
{
	int r = k->p.send_ip(k->p.send_ip_arg, p->pkt, p->len);
	p->sends++;
	if (r < 0) {
		TED_DBG(p, "sending peer discovery probe to %s failed: %s", ike_ipstr(p->dst), strerror(-r));
		return r;
	}
	k->st.ted_probes_tx++;
	k->st.tx++;
	TED_DBG(p, "sending packet to %s (I) PEER_DISCOVERY via %s:%s", ike_ipstr(p->dst),
		p->ifc ? p->ifc->name : "?", ike_ipstr(p->local));
	return 0;
}

static void probe_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)t;
	struct ike_probe *p = arg;
	ike *k = p->k;
	if (p->failed) { /* hold-down over: the flow may try again */
		probe_free(k, p);
		return;
	}
	if (p->sends < TED_SENDS) {
		TED_DBG(p, "retransmitting peer discovery probe to %s (%u of %u)", ike_ipstr(p->dst), p->sends + 1,
			TED_SENDS);
		k->st.retrans++;
		probe_send(k, p);
		/* 1 s, 2 s, then 4 s after the last probe before giving up */
		evloop_timer_start(l, &p->timer, (uint64_t)TED_RETRY_MS << (p->sends - 1), 0);
		return;
	}
	char s[16], d[16];
	k->st.ted_giveups++;
	elog_msg(ELOG_NOTICE, "CRYPTO", "IKMP_TED_NO_RESPONSE",
		 "Peer discovery for %s to %s (crypto map %s %u) got no response to %u probes: giving up",
		 ike_ip(p->src, s), ike_ip(p->dst, d), p->map->name, p->entry->seq, p->sends);
	TED_DBG(p, "deleting SA reason \"no response to peer discovery\" state (I) PEER_DISCOVERY (peer %s)",
		ike_ipstr(p->dst));
	p->failed = true;
	evloop_timer_start(l, &p->timer, TED_HOLD_MS, 0);
}

void ike_ted_acquire(ike *k, const ios_spd_result *r, const ios_flow *f)
{
	char s[16], d[16], b1[40], b2[40];
	if (!r->ace || !r->dyn_entry || !r->entry) {
		IKE_DBG0("peer discovery request without an ACL line: ignored");
		return;
	}
	size_t n = 0;
	for (struct ike_probe *p = k->probes; p; p = p->next, n++)
		if (p->entry == r->entry && p->ace == r->ace && p->dst == f->dst) {
			k->st.ted_limited++;
			IKE_DBG0("peer discovery for %s to %s %s: no new probe", ike_ip(f->src, s), ike_ip(f->dst, d),
				 p->failed ? "(held down after no response)" : "(one in progress)");
			return;
		}
	uint64_t now = evloop_now(k->p.loop);
	if (now - k->ted_window_ms >= 1000) {
		k->ted_window_ms = now;
		k->ted_in_window = 0;
	}
	if (n >= TED_MAX_PROBES || k->ted_in_window >= TED_PROBES_PER_S) {
		k->st.ted_limited++;
		IKE_DBG0("peer discovery for %s to %s: rate-limited (%zu in progress, %u started this second)",
			 ike_ip(f->src, s), ike_ip(f->dst, d), n, k->ted_in_window);
		return;
	}
	if (!k->p.send_ip) {
		IKE_DBG0("peer discovery for %s to %s: no way to send probes", ike_ip(f->src, s), ike_ip(f->dst, d));
		return;
	}
	const ios_interface *ifc = ike_map_interface(k->cfg, r->map);
	if (!ifc || !ifc->has_addr) {
		IKE_DBG0("peer discovery: crypto map %s is on no interface with an address", r->map->name);
		return;
	}
	struct ike_probe *p = calloc(1, sizeof *p);
	if (!p)
		return;
	k->ted_in_window++;
	p->k = k;
	p->conn_id = ike_new_conn_id(k);
	ike_random(p->icookie, sizeof p->icookie);
	p->map = r->map, p->entry = r->entry, p->dyn_entry = r->dyn_entry, p->ace = r->ace, p->ifc = ifc;
	p->src = f->src, p->dst = f->dst, p->local = ifc->addr;
	ike_ace_selectors(r->ace, &p->lid, &p->rid);
	evloop_timer_init(&p->timer, probe_timer, p);

	const ios_transform_set *ts = r->dyn_entry->n_tsets ? r->dyn_entry->tsets[0] : NULL;
	uint32_t life_s, life_kb;
	ios_entry_lifetime(k->cfg, r->dyn_entry, &life_s, &life_kb);
	struct sadb_selector me = { p->local, 0xffffffffu, 0, 0 };
	ike_ipsec_keng("tunnel discover request", "", "INBOUND", p->src, p->dst, &p->lid, &me, ts, life_s, life_kb, 0,
		       0, 0x4004);
	IKE_DBG0("received ke message (1/1)");
	IKE_DBG0("GOT A PEER DISCOVERY MESSAGE FROM THE SA MANAGER!!!");
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "src = %s to %s, protocol 3, transform %u, hmac %u", ike_ip(p->src, s),
		   ike_ip(p->dst, d), ts ? ike_esp_tid(ts->cipher) : 0, ts ? ike_esp_auth(ts->auth) : 0);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "proxy source is %s and my address (not used now) is %s",
		   sel_am(&p->lid, b1, sizeof b1), ike_ip(p->local, s));
	IKE_DBG0("local port %u, remote port %u", k->p.ike_port, 500u);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (%u): ID payload\n\tnext-payload : %u\n\ttype : %u\n\tprotocol : 17\n\tport : 500\n\tlength : 8",
		   p->conn_id, ISAKMP_NP_ID, IPSEC_ID_IPV4_ADDR);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "1st ID is %s", ike_ip(p->local, s));
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "2nd ID is %s", sel_am(&p->lid, b1, sizeof b1));
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "3rd ID is %s", sel_am(&p->rid, b2, sizeof b2));
	TED_DBG(p, "beginning peer discovery exchange");

	struct ike_ted_msg t;
	memset(&t, 0, sizeof t);
	memcpy(t.icookie, p->icookie, sizeof t.icookie);
	t.addr = p->local, t.src = p->lid, t.dst = p->rid;
	uint8_t msg[200];
	size_t ml = ike_ted_build(&t, msg, sizeof msg);
	p->len = ml ? ike_ted_ip(p->src, p->dst, msg, ml, p->pkt, sizeof p->pkt) : 0;
	if (!p->len) {
		TED_DBG(p, "cannot build the probe");
		free(p);
		return;
	}
	p->next = k->probes;
	k->probes = p;
	probe_send(k, p);
	evloop_timer_start(k->p.loop, &p->timer, TED_RETRY_MS, 0);
}

/* The reply, to our UDP 500. */
static void prober_reply(ike *k, const struct isakmp_msg *m, const netio_dgram *d)
{
	char b1[40], b2[40];
	struct ike_probe *p = NULL;
	for (struct ike_probe *q = k->probes; q; q = q->next)
		if (!q->failed && !memcmp(q->icookie, m->icookie, sizeof q->icookie))
			p = q;
	if (!p) {
		k->st.ted_ignored++;
		IKE_DBG0("received TED reply from %s that answers no probe of ours: dropped", ike_ipstr(d->peer));
		return;
	}
	TED_DBG(p, "received packet from %s (I) PEER_DISCOVERY", ike_ipstr(d->peer));
	struct ike_ted_msg t;
	const char *why;
	if (ike_ted_decode(m, &t, &why) < 0) {
		k->st.ted_ignored++;
		TED_DBG(p, "peer discovery reply from %s: %s: dropped", ike_ipstr(d->peer), why);
		return;
	}
	TED_DBG(p, "processing vendor id payload");
	TED_DBG(p, "speaking to another espfab TED peer!");
	TED_DBG(p, "processing ID payload. message ID = 0");
	if (t.addr != d->peer) {
		k->st.ted_ignored++;
		TED_DBG(p, "peer discovery reply from %s names %s as the peer: dropped (TED does not work through NAT)",
			ike_ipstr(d->peer), ike_ipstr(t.addr));
		return;
	}
	struct sadb_selector fs = { p->src, 0xffffffffu, 0, 0 }, fd = { p->dst, 0xffffffffu, 0, 0 };
	bool in_flow = (fs.addr & t.src.mask) == t.src.addr && (fd.addr & t.dst.mask) == t.dst.addr;
	if (!ike_ace_covers(p->ace, &t.src, &t.dst) || !in_flow) {
		k->st.ted_ignored++;
		TED_DBG(p, "peer discovery reply from %s: proxies %s to %s outside our ACL line or the flow: dropped",
			ike_ipstr(d->peer), sel_am(&t.src, b1, sizeof b1), sel_am(&t.dst, b2, sizeof b2));
		return;
	}
	k->st.ted_replies_rx++;
	TED_DBG(p, "received response to my peer discovery probe!");
	TED_DBG(p, "ted negotiated proxies:\n%u %s:%u, %s:%u", t.src.proto, sel_am(&t.src, b1, sizeof b1), t.src.port,
		sel_am(&t.dst, b2, sizeof b2), t.dst.port);
	TED_DBG(p, "initiating IKE to %s in response to probe.", ike_ipstr(t.addr));
	struct ike_qm_req req;
	memset(&req, 0, sizeof req);
	req.map = p->map;
	req.entry = p->entry;
	req.dyn_entry = p->dyn_entry;
	req.ifc = p->ifc;
	req.local_id = t.src;
	req.remote_id = t.dst;
	req.send_ids = true;
	int rc = ike_request(k, &req, t.addr);
	if (rc < 0 && rc != -EALREADY) {
		TED_DBG(p, "cannot negotiate with %s: %s", ike_ipstr(t.addr), strerror(-rc));
	} else {
		struct ike_sa *sa = ike_sa_find_peer(k, t.addr, false);
		TED_DBG(p, "created new SA after peer-discovery with %s%s", ike_ipstr(t.addr),
			sa ? "" : " (queued)");
	}
	TED_DBG(p, "deleting SA reason \"delete_me flag/throw\" state (I) PEER_DISCOVERY (peer %s)",
		ike_ipstr(p->dst));
	probe_free(k, p);
}

/* ---- responder ------------------------------------------------------------- */

/* narrower of two selectors when one contains the other */
static bool narrow(const struct sadb_selector *a, const struct sadb_selector *b, struct sadb_selector *out)
{
	uint32_t m = a->mask & b->mask;
	if ((a->addr & m) != (b->addr & m))
		return false;
	*out = (a->mask | b->mask) == a->mask ? *a : *b;
	return true;
}

/* src/dst: the probe's IPv4 addresses (the original flow).  true =
 * consumed (answered, or refused as a probe we will not answer but that
 * is ours to drop); false = not covered: the data path decides. */
static bool responder(ike *k, const struct isakmp_msg *m, uint32_t src, uint32_t dst)
{
	char b1[40], b2[40], b3[40], b4[40];
	k->st.ted_probes_rx++;
	uint32_t cid = ike_new_conn_id(k);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:0): received packet from %s (N) NEW SA", ike_ipstr(src));
	IKE_DBG0("local port %u, remote port %u", k->p.ike_port, 500u);
	struct ike_ted_msg t;
	const char *why;
	if (ike_ted_decode(m, &t, &why) < 0) {
		k->st.ted_ignored++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): peer discovery probe from %s: %s: ignored", cid,
			   ike_ipstr(src), why);
		return true;
	}
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): processing vendor id payload", cid);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): speaking to another espfab TED peer!", cid);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): processing ID payload. message ID = 0", cid);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (%u): %s src %s prot %u port %u", cid,
		   id_type(&t.src) == IPSEC_ID_IPV4_ADDR ? "ID_IPV4_ADDR" : "ID_IPV4_ADDR_SUBNET",
		   sel_am(&t.src, b1, sizeof b1), t.src.proto, t.src.port);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (%u): %s dst %s prot %u port %u", cid,
		   id_type(&t.dst) == IPSEC_ID_IPV4_ADDR ? "ID_IPV4_ADDR" : "ID_IPV4_ADDR_SUBNET",
		   sel_am(&t.dst, b2, sizeof b2), t.dst.proto, t.dst.port);
	/* a discover-enabled dynamic map whose ACL covers the mirror image:
	 * our side (local) = the probe's destination proxy */
	struct sadb_selector hs = { src, 0xffffffffu, 0, 0 }, hd = { dst, 0xffffffffu, 0, 0 };
	const ios_interface *ifc = NULL;
	struct sadb_selector nl, nr; /* negotiated: ours (local), the prober's (remote) */
	for (size_t i = 0; i < k->cfg->n_ifaces && !ifc; i++) {
		const ios_interface *x = &k->cfg->ifaces[i];
		if (!x->crypto_map || x->shutdown || !x->has_addr)
			continue;
		const ios_crypto_map *map = x->crypto_map;
		for (size_t e = 0; e < map->n_entries && !ifc; e++) {
			const ios_map_entry *me = &map->entries[e];
			if (!me->dynamic_ref || !me->discover || !me->dynmap)
				continue;
			for (size_t j = 0; j < me->dynmap->n_entries && !ifc; j++) {
				const ios_acl *acl = me->dynmap->entries[j].acl;
				/* the flow itself must be one the ACL protects (mirrored) */
				if (!acl || !ike_acl_allows(acl, &hd, &hs))
					continue;
				if (ike_acl_allows(acl, &t.dst, &t.src)) {
					nl = t.dst, nr = t.src;
					ifc = x;
					break;
				}
				/* else: the narrower of the prober's proxies and our ACL line's */
				for (size_t a = 0; a < acl->n_aces; a++) {
					const ios_ace *ace = &acl->aces[a];
					if (!ace->permit || !ike_ace_covers(ace, &hd, &hs))
						continue;
					struct sadb_selector al, ar;
					ike_ace_selectors(ace, &al, &ar);
					if (narrow(&al, &t.dst, &nl) && narrow(&ar, &t.src, &nr) &&
					    ike_acl_allows(acl, &nl, &nr))
						ifc = x;
					break;
				}
			}
		}
	}
	if (!ifc) {
		k->st.ted_ignored++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP,
			   "ISAKMP (0:%u): peer discovery probe from %s for %s to %s: no crypto map with discover covers it: ignored",
			   cid, ike_ipstr(t.addr), sel_am(&t.src, b1, sizeof b1), sel_am(&t.dst, b2, sizeof b2));
		return false;
	}
	uint64_t now = evloop_now(k->p.loop);
	if (now - k->ted_reply_window_ms >= 1000) {
		k->ted_reply_window_ms = now;
		k->ted_replies_in_window = 0;
	}
	if (k->ted_replies_in_window >= TED_REPLIES_PER_S) {
		k->st.ted_limited++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): peer discovery probe from %s: reply rate limit: dropped",
			   cid, ike_ipstr(t.addr));
		return true;
	}
	k->ted_replies_in_window++;
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): responding to peer discovery probe!", cid);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "peer's address is %s", ike_ipstr(t.addr));
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "src (him) %d, %s to dst (me) %d, %s", id_type(&nr),
		   sel_am(&nr, b3, sizeof b3), id_type(&nl), sel_am(&nl, b4, sizeof b4));
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): peer can handle TED V3: changing source to %s and dest to %s",
		   cid, ike_ipstr(ifc->addr), ike_ipstr(t.addr));
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (%u): ID payload\n\tnext-payload : %u\n\ttype : %u\n\tprotocol : 17\n\tport : 500\n\tlength : 8",
		   cid, ISAKMP_NP_ID, IPSEC_ID_IPV4_ADDR);
	struct ike_ted_msg rep;
	memset(&rep, 0, sizeof rep);
	memcpy(rep.icookie, t.icookie, sizeof rep.icookie);
	ike_random(rep.rcookie, sizeof rep.rcookie);
	rep.rcookie[0] |= 1; /* never all zero */
	rep.addr = ifc->addr;
	rep.src = nr; /* the prober's side first, as in the probe */
	rep.dst = nl;
	uint8_t msg[200];
	size_t ml = ike_ted_build(&rep, msg, sizeof msg);
	if (!ml)
		return true;
	int r = k->p.send(k->p.send_arg, 0, ifc->addr, t.addr, 500, msg, ml);
	if (r < 0) {
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): sending peer discovery reply to %s failed: %s", cid,
			   ike_ipstr(t.addr), strerror(-r));
	} else {
		k->st.ted_replies_tx++;
		k->st.tx++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%u): sending packet to %s (R) PEER_DISCOVERY", cid,
			   ike_ipstr(t.addr));
	}
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP,
		   "ISAKMP (0:%u): deleting SA reason \"delete_me flag/throw\" state (R) PEER_DISCOVERY (peer %s)", cid,
		   ike_ipstr(t.addr));
	return true;
}

/* A TED message that came to our UDP 500 socket: a reply to a probe of
 * ours, or a probe whose original destination is this gateway itself. */
void ike_ted_input(ike *k, struct isakmp_msg *m, const netio_dgram *d)
{
	static const uint8_t zero[ISAKMP_COOKIE_LEN];
	if (memcmp(m->rcookie, zero, sizeof zero))
		prober_reply(k, m, d);
	else if (!responder(k, m, d->peer, d->local))
		k->st.rx_bad++;
}

bool ike_ted_intercept(void *arg, const uint8_t *pkt, size_t len)
{
	ike *k = arg;
	if (len < 20)
		return false;
	size_t hl = (size_t)(pkt[0] & 15) * 4;
	if (hl < 20 || len < hl + 8 + ISAKMP_HDR_LEN || pkt[9] != 17)
		return false;
	const uint8_t *u = pkt + hl;
	if ((u[2] << 8 | u[3]) != 500)
		return false;
	size_t ulen = (size_t)(u[4] << 8 | u[5]);
	if (ulen < 8 || ulen > len - hl)
		return false;
	/* cheap test before parsing: our exchange type, responder cookie zero */
	const uint8_t *h = u + 8;
	static const uint8_t zero[ISAKMP_COOKIE_LEN];
	if (h[18] != ISAKMP_EXCH_ESPFAB_TED || memcmp(h + 8, zero, sizeof zero))
		return false;
	struct isakmp_msg *m = &k->msg;
	if (isakmp_parse(m, h, ulen - 8, 0) != ISAKMP_OK) {
		k->st.ted_ignored++;
		IKE_DBG0("malformed peer discovery probe from %s: %s: dropped", ike_ipstr((uint32_t)pkt[12] << 24 |
			 (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15]), m->err.reason);
		return true;
	}
	k->st.rx++;
	uint32_t src = (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 | (uint32_t)pkt[14] << 8 | pkt[15];
	uint32_t dst = (uint32_t)pkt[16] << 24 | (uint32_t)pkt[17] << 16 | (uint32_t)pkt[18] << 8 | pkt[19];
	return responder(k, m, src, dst);
}
