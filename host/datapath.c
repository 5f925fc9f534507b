/*
 * datapath — packets through the SADB and the engine; see host/datapath.h
 * and docs/datapath.md.
 *
 * Buffers: DP_INFLIGHT fixed buffers (input copy + output), each used by at
 * most one request from submit until its completion is polled (libespfab's
 * ownership rule).  The request's cookie is the buffer index; the buffer
 * holds a reference to its pair, so a pair deleted meanwhile stays
 * allocated (and its slots unused) until its last completion.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "datapath.h"
#include "elog.h"
#include "sadb_int.h"

#define DP_INFLIGHT 256
#define DP_BATCH 32
#define DP_UDP_HDR 28 /* IPv4 + UDP header rebuilt in front of UDP-encapsulated ESP */
#define DP_RCVBUF (4 << 20) /* receive buffer of the ESP sockets */
#define DP_LOG_INTERVAL_MS 60000u /* IOS rate-limits its %CRYPTO-4 packet messages */

struct dp_buf {
	struct sadb_ent *e;
	uint16_t in_len;
	uint8_t op;
	int next_free;
	uint8_t in[ESPFAB_MAX_FRAME];
	uint8_t out[ESPFAB_MAX_FRAME];
};

enum { LOG_INV_SPI, LOG_NOT_IPSEC, LOG_REPLAY, LOG_MAC, LOG_IDENT, LOG_N };

struct dp_rule { /* one policy rule we installed, to remove it again */
	uint32_t pref, table, src, dst, fwmark;
	uint8_t src_len, dst_len;
	char iif[NETIO_IFNAMSIZ];
	bool ours; /* dyn rules: installed by us (not already one of rules[]) */
};

/* A crypto-map interface and its Linux interface (--ifmap). */
struct dp_ifc {
	const ios_interface *ifc;
	char linux_if[NETIO_IFNAMSIZ];
};

struct dp_state {
	struct dp_buf *buf;
	int free_head;
	unsigned inflight;
	espfab_op batch[DP_BATCH];
	unsigned n_batch;
	evloop_timer kick, poll;
	struct dp_sinks sinks;
	uint64_t log_last[LOG_N];
	uint64_t log_suppressed[LOG_N];

	/* espfabd wiring (datapath_start) */
	bool started;
	int clear_fd;	    /* raw IPPROTO_RAW socket with SO_MARK: cleartext sent on */
	int check_fd;	    /* the cleartext-check TUN */
	evloop_fd *check_w;
	char check_name[NETIO_IFNAMSIZ];
	bool applied;	    /* rules and routes installed: remove at stop */
	struct dp_rule *rules;
	size_t n_rules;
	/* rules for pairs of dynamic-map entries without an ACL (dp_dyn_rules_sync) */
	struct dp_rule *dyn;
	size_t n_dyn;
	struct dp_ifc *ifcs;
	size_t n_ifcs;
	/* routes `DST dev <tun> src ADDR` in DP_TABLE_OUT for the gateway's own
	 * traffic (local_rules_for_map) */
	struct dp_lroute {
		uint32_t dst;
		uint8_t dst_len;
	} *lroutes;
	size_t n_lroutes;
	int tun_ifindex, check_ifindex;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A rate-limited system message: the first at once, then one per interval
 * with the number left out. */
static bool log_ok(sadb *db, int which)
{
	struct dp_state *dp = db->dp;
	uint64_t now = evloop_now(db->loop);
	if (dp->log_last[which] && now - dp->log_last[which] < DP_LOG_INTERVAL_MS) {
		dp->log_suppressed[which]++;
		return false;
	}
	dp->log_last[which] = now ? now : 1;
	return true;
}

/* ---- setup ---- */

static void kick_cb(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	dp_flush(arg);
}

int dp_new(sadb *db)
{
	struct dp_state *dp = calloc(1, sizeof *dp);
	if (!dp)
		return -ENOMEM;
	dp->buf = calloc(DP_INFLIGHT, sizeof *dp->buf);
	if (!dp->buf) {
		free(dp);
		return -ENOMEM;
	}
	for (int i = 0; i < DP_INFLIGHT; i++)
		dp->buf[i].next_free = i + 1 < DP_INFLIGHT ? i + 1 : -1;
	dp->free_head = 0;
	dp->clear_fd = dp->check_fd = -1;
	evloop_timer_init(&dp->kick, kick_cb, db);
	evloop_timer_init(&dp->poll, kick_cb, db);
	db->dp = dp;
	return 0;
}

void dp_set_sinks(sadb *db, const struct dp_sinks *s)
{
	if (s)
		db->dp->sinks = *s;
	else
		memset(&db->dp->sinks, 0, sizeof db->dp->sinks);
}

unsigned dp_inflight(const sadb *db)
{
	return db->dp->inflight + db->dp->n_batch;
}

static void buf_release(sadb *db, int i)
{
	struct dp_state *dp = db->dp;
	struct dp_buf *b = &dp->buf[i];
	if (b->e)
		sadb_ent_put(db, b->e);
	b->e = NULL;
	espfab_wipe(b->in, b->in_len); /* plaintext does not linger */
	b->next_free = dp->free_head;
	dp->free_head = i;
}

void dp_free(sadb *db)
{
	struct dp_state *dp = db->dp;
	if (!dp)
		return;
	datapath_stop(db);
	evloop_timer_stop(db->loop, &dp->kick);
	evloop_timer_stop(db->loop, &dp->poll);
	/* Drain: what is batched is dropped (its pair reference released),
	 * what is in the engine is polled out; a bounded number of tries. */
	for (unsigned i = 0; i < dp->n_batch; i++)
		buf_release(db, (int)dp->batch[i].cookie);
	dp->n_batch = 0;
	espfab_cpl cpl[64];
	for (int tries = 0; dp->inflight && tries < 100000; tries++) {
		int n = espfab_poll(db->dev, cpl, 64);
		if (n < 0)
			break;
		for (int k = 0; k < n; k++) {
			buf_release(db, (int)cpl[k].cookie);
			dp->inflight--;
		}
	}
	for (int i = 0; i < DP_INFLIGHT; i++) /* a failed device: release what is left */
		if (dp->buf[i].e)
			sadb_ent_put(db, dp->buf[i].e), dp->buf[i].e = NULL;
	espfab_wipe(dp->buf, DP_INFLIGHT * sizeof *dp->buf);
	free(dp->buf);
	free(dp);
	db->dp = NULL;
}

/* ---- parsing ---- */

int dp_parse_flow(const uint8_t *p, size_t len, ios_flow *f)
{
	memset(f, 0, sizeof *f);
	if (len < 20 || (p[0] >> 4) != 4)
		return -1;
	size_t hl = (size_t)(p[0] & 15) * 4, tot = rd16(p + 2);
	if (hl < 20 || tot < hl || tot > len)
		return -1;
	f->src = rd32(p + 12);
	f->dst = rd32(p + 16);
	f->proto = p[9];
	bool first_frag = (rd16(p + 6) & 0x1fff) == 0;
	const uint8_t *l4 = p + hl;
	size_t l4len = tot - hl;
	if (first_frag && (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) && l4len >= 4) {
		f->sport = rd16(l4);
		f->dport = rd16(l4 + 2);
	} else if (first_frag && f->proto == IPPROTO_ICMP && l4len >= 2) {
		f->sport = l4[0];
		f->dport = l4[1];
	}
	return 0;
}

/* ---- sending ---- */

static void send_esp(sadb *db, struct sadb_ent *e, const uint8_t *pkt, size_t len)
{
	struct dp_state *dp = db->dp;
	int r = 0;
	if (db->io)
		r = espfabd_io_esp_send(db->io, pkt, len);
	else if (dp->sinks.esp_out)
		dp->sinks.esp_out(dp->sinks.arg, pkt, len);
	if (r < 0) {
		e->c.send_errors++;
		e->c.send_io_errors++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, "CRYPTO_ENGINE: conn id %u: sending %zu-byte ESP packet failed: %s",
			   2000u + e->slot_out, len, strerror(-r));
	} else {
		e->c.encaps++;
	}
}

static int send_tun(sadb *db, const uint8_t *pkt, size_t len)
{
	struct dp_state *dp = db->dp;
	if (db->io)
		return espfabd_io_tun_write(db->io, pkt, len);
	if (dp->sinks.tun_out)
		dp->sinks.tun_out(dp->sinks.arg, pkt, len);
	return 0;
}

static int send_clear(sadb *db, const uint8_t *pkt, size_t len)
{
	struct dp_state *dp = db->dp;
	if (dp->clear_fd >= 0) {
		struct sockaddr_in to = { .sin_family = AF_INET };
		memcpy(&to.sin_addr, pkt + 16, 4);
		ssize_t n = sendto(dp->clear_fd, pkt, len, 0, (struct sockaddr *)&to, sizeof to);
		return n < 0 ? -errno : 0;
	}
	if (dp->sinks.clear_out) {
		dp->sinks.clear_out(dp->sinks.arg, pkt, len);
		return 0;
	}
	return -ENOTCONN;
}

/* ---- engine ---- */

static void on_completion(sadb *db, const espfab_cpl *c);

void dp_flush(sadb *db)
{
	struct dp_state *dp = db->dp;
	if (dp->n_batch) {
		unsigned acc = 0;
		int r = espfab_submit(db->dev, dp->batch, dp->n_batch, &acc);
		if (r < 0 && r != -ENOSPC) {
			db->st.engine_errors++;
			elog_msg(ELOG_ERR, "CRYPTO", "ENGINE", "engine %s: submit failed: %s", espfab_engine_name(db->dev),
				 espfab_last_error(db->dev));
		}
		dp->inflight += acc;
		for (unsigned i = acc; i < dp->n_batch; i++) {
			struct dp_buf *b = &dp->buf[dp->batch[i].cookie];
			if (b->op == ESPFAB_OP_ENCAP) {
				db->st.out_busy++;
				b->e->c.send_errors++;
			} else {
				db->st.in_busy++;
				b->e->c.recv_errors++;
			}
			buf_release(db, (int)dp->batch[i].cookie);
		}
		dp->n_batch = 0;
	}
	espfab_cpl cpl[64];
	while (dp->inflight) {
		int n = espfab_poll(db->dev, cpl, 64);
		if (n < 0) {
			db->st.engine_errors++;
			elog_msg(ELOG_ERR, "CRYPTO", "ENGINE", "engine %s: poll failed: %s", espfab_engine_name(db->dev),
				 espfab_last_error(db->dev));
			break;
		}
		if (n == 0)
			break;
		for (int k = 0; k < n; k++) {
			dp->inflight--;
			on_completion(db, &cpl[k]);
		}
	}
	/* an engine that completes later (a board): poll again shortly */
	if (dp->inflight && !evloop_timer_armed(&dp->poll))
		evloop_timer_start(db->loop, &dp->poll, 1, 0);
}

/* Queue one request; the buffer already holds the input. */
static void enqueue(sadb *db, int bi, uint32_t slot)
{
	struct dp_state *dp = db->dp;
	struct dp_buf *b = &dp->buf[bi];
	espfab_op *op = &dp->batch[dp->n_batch++];
	op->slot = slot;
	op->in = b->in;
	op->in_len = b->in_len;
	op->out = b->out;
	op->out_cap = sizeof b->out;
	op->cookie = (uint64_t)bi;
	if (dp->n_batch == DP_BATCH)
		dp_flush(db);
	else if (!evloop_timer_armed(&dp->kick))
		evloop_timer_start(db->loop, &dp->kick, 0, 0);
}

static int buf_get(sadb *db, struct sadb_ent *e, uint8_t op)
{
	struct dp_state *dp = db->dp;
	if (dp->free_head < 0) {
		dp_flush(db); /* completions free buffers */
		if (dp->free_head < 0)
			return -1;
	}
	int i = dp->free_head;
	struct dp_buf *b = &dp->buf[i];
	dp->free_head = b->next_free;
	b->e = e;
	e->refs++;
	b->op = op;
	return i;
}

static const char *ipstr(uint32_t a, char b[16])
{
	return sadb_ip_str(a, b);
}

static void cpl_encap(sadb *db, struct dp_buf *b, const espfab_cpl *c)
{
	struct sadb_ent *e = b->e;
	if (c->status == ESPFAB_STATUS_OK) {
		send_esp(db, e, b->out, c->out_len);
		return;
	}
	e->c.send_errors++;
	switch (c->status) {
	case ESPFAB_STATUS_SEQ_OVERFLOW:
		e->c.seq_overflow++;
		break;
	case ESPFAB_STATUS_DEVICE:
	case ESPFAB_STATUS_BAD_REQUEST:
	case ESPFAB_STATUS_NO_SA:
		e->c.internal_send++;
		break;
	default:
		e->c.encaps_failed++;
		break;
	}
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, "CRYPTO_ENGINE: encrypt: conn id %u, spi 0x%08X: %s (%s), packet dropped",
		   2000u + e->slot_out, e->p.spi_out, espfab_status_name(c->status), espfab_status_text(c->status));
}

static void cpl_decap(sadb *db, struct dp_buf *b, const espfab_cpl *c)
{
	struct sadb_ent *e = b->e;
	char s[16], d[16];
	if (c->status != ESPFAB_STATUS_OK) {
		e->c.recv_errors++;
		switch (c->status) {
		case ESPFAB_STATUS_REPLAY:
		case ESPFAB_STATUS_WINDOW:
			e->c.replay_failed++;
			if (log_ok(db, LOG_REPLAY))
				elog_msg(ELOG_WARNING, "CRYPTO", "PKT_REPLAY_ERR",
					 "decrypt: replay check failed connection id=%u, sequence number=%u", 2000u + e->slot_in,
					 c->seq);
			break;
		case ESPFAB_STATUS_AUTH:
			e->c.verify_failed++;
			if (log_ok(db, LOG_MAC))
				elog_msg(ELOG_WARNING, "CRYPTO", "RECVD_PKT_MAC_ERR",
					 "decrypt: mac verify failed for connection id=%u sequence number=%u",
					 2000u + e->slot_in, c->seq);
			break;
		case ESPFAB_STATUS_LENGTH:
			e->c.invalid_len++;
			break;
		case ESPFAB_STATUS_PROTO:
			e->c.invalid_prot++;
			break;
		case ESPFAB_STATUS_DEVICE:
		case ESPFAB_STATUS_BAD_REQUEST:
		case ESPFAB_STATUS_NO_SA:
			e->c.internal_recv++;
			break;
		default:
			e->c.decaps_failed++;
			break;
		}
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, "CRYPTO_ENGINE: decrypt: conn id %u, spi 0x%08X, seq %u: %s (%s), packet dropped",
			   2000u + e->slot_in, e->p.spi_in, c->seq, espfab_status_name(c->status),
			   espfab_status_text(c->status));
		return;
	}
	/* RFC 4301 5.2: the inner packet must be one the SA's proxies cover. */
	ios_flow f;
	if (dp_parse_flow(b->out, c->out_len, &f) < 0 || !sadb_sel_match(&e->p.remote_id, f.src, f.proto, f.sport) ||
	    !sadb_sel_match(&e->p.local_id, f.dst, f.proto, f.dport)) {
		e->c.recv_errors++;
		e->c.invalid_identity++;
		if (log_ok(db, LOG_IDENT))
			elog_msg(ELOG_WARNING, "CRYPTO", "RECVD_PKT_INV_IDENT",
				 "decrypt: packet has invalid identity for destaddr=%s, prot=%u, spi=0x%08X, srcaddr=%s",
				 ipstr(f.dst, d), f.proto, e->p.spi_in, ipstr(f.src, s));
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: decrypted packet %s -> %s proto %u on spi 0x%08X is outside the SA's proxies: dropped",
			   ipstr(f.src, s), ipstr(f.dst, d), f.proto, e->p.spi_in);
		return;
	}
	int r = send_tun(db, b->out, c->out_len);
	if (r < 0) {
		e->c.recv_errors++;
		e->c.internal_recv++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, "CRYPTO_ENGINE: conn id %u: TUN write failed: %s", 2000u + e->slot_in,
			   strerror(-r));
		return;
	}
	e->c.decaps++;
}

static void on_completion(sadb *db, const espfab_cpl *c)
{
	struct dp_state *dp = db->dp;
	if (c->cookie >= DP_INFLIGHT)
		return; /* cannot happen: every cookie is a buffer index */
	int bi = (int)c->cookie;
	struct dp_buf *b = &dp->buf[bi];
	struct sadb_ent *e = b->e;
	if (e->dead) {
		db->st.in_dead += b->op == ESPFAB_OP_DECAP;
		db->st.out_dead += b->op == ESPFAB_OP_ENCAP;
	} else {
		if (b->op == ESPFAB_OP_ENCAP)
			cpl_encap(db, b, c);
		else
			cpl_decap(db, b, c);
		sadb_lifetime_flags(db, e, c->flags); /* may delete the pair */
	}
	buf_release(db, bi);
}

/* ---- outbound ---- */

/* The crypto-map interfaces in configuration order; the first whose SPD
 * says "protect" decides (docs/datapath.md: one crypto-map interface is
 * the normal case; with several, traffic is not told apart by route). */
static int spd_lookup(sadb *db, const ios_flow *f, ios_spd_result *r, const ios_interface **ifc)
{
	memset(r, 0, sizeof *r);
	*ifc = NULL;
	for (size_t i = 0; i < db->cfg->n_ifaces; i++) {
		const ios_interface *x = &db->cfg->ifaces[i];
		if (!x->crypto_map || x->shutdown)
			continue;
		if (!*ifc)
			*ifc = x;
		if (ios_spd_lookup(db->cfg, x, f, r) != IOS_SPD_CLEAR) {
			*ifc = x;
			return r->kind;
		}
	}
	return IOS_SPD_CLEAR;
}

/* Could the policy rules have diverted this flow?  They cover the source
 * and destination prefixes of every permit line of the crypto ACLs
 * (datapath_start); a packet outside them was routed into the TUN by a
 * route, not by espfab. */
static uint8_t wild_plen(uint32_t wild);
static uint32_t plen_mask(uint8_t len) { return len ? ~0u << (32 - len) : 0; }

/* Call fn on every permit line of the ACLs a crypto map uses (its static
 * entries and the entries with `match address` of the dynamic maps it
 * references), in order; stops at and returns the first non-zero result. */
static int map_permits(const ios_crypto_map *map, int (*fn)(const ios_ace *ace, void *arg), void *arg)
{
	for (size_t i = 0; i < map->n_entries; i++) {
		const ios_map_entry *me = &map->entries[i];
		const ios_map_entry *list = me;
		size_t n = 1;
		if (me->dynamic_ref) {
			if (!me->dynmap)
				continue;
			list = me->dynmap->entries;
			n = me->dynmap->n_entries;
		}
		for (size_t k = 0; k < n; k++) {
			const ios_acl *acl = list[k].acl;
			for (size_t a = 0; acl && a < acl->n_aces; a++) {
				if (!acl->aces[a].permit)
					continue;
				int r = fn(&acl->aces[a], arg);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

static int ace_covers(const ios_ace *x, void *arg)
{
	const ios_flow *f = arg;
	uint32_t sm = plen_mask(wild_plen(x->src_wild)), dm = plen_mask(wild_plen(x->dst_wild));
	return (f->src & sm) == (x->src & sm) && (f->dst & dm) == (x->dst & dm);
}

static bool acl_prefix_covers(const ios_crypto_map *map, const ios_flow *f)
{
	return map_permits(map, ace_covers, (void *)f) != 0;
}

static bool diverted(sadb *db, const ios_flow *f)
{
	for (size_t i = 0; i < db->cfg->n_ifaces; i++)
		if (db->cfg->ifaces[i].crypto_map && acl_prefix_covers(db->cfg->ifaces[i].crypto_map, f))
			return true;
	return false;
}

/* Send a packet on in the clear, as the router it is: TTL decremented
 * (so a route that leads back into the TUN cannot loop forever). */
static void forward_clear(sadb *db, const uint8_t *pkt, size_t len, bool inbound)
{
	char s[16], d[16];
	if (pkt[8] <= 1) {
		db->st.clear_ttl++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: cleartext packet from %s to %s: TTL exceeded, dropped",
			   ipstr(rd32(pkt + 12), s), ipstr(rd32(pkt + 16), d));
		return;
	}
	static uint8_t buf[65536]; /* one thread (decision 7) */
	size_t n = len < sizeof buf ? len : sizeof buf;
	memcpy(buf, pkt, n);
	buf[8]--;
	/* RFC 1624 incremental checksum update for the TTL byte */
	uint32_t sum = (uint16_t)~rd16(buf + 10) + (uint16_t)~((uint16_t)(pkt[8] << 8)) + (uint16_t)(buf[8] << 8);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	wr16(buf + 10, (uint16_t)~sum);
	int r = send_clear(db, buf, n);
	if (r < 0) {
		db->st.out_clear_err++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: sending a cleartext packet on failed: %s", strerror(-r));
	}
	if (inbound)
		db->st.clear_in_fwd++;
	else
		db->st.out_clear++;
}

static void encap(sadb *db, struct sadb_ent *e, const uint8_t *pkt, size_t len)
{
	int bi = buf_get(db, e, ESPFAB_OP_ENCAP);
	if (bi < 0) {
		db->st.out_busy++;
		e->c.send_errors++;
		return;
	}
	struct dp_buf *b = &db->dp->buf[bi];
	size_t n = len < sizeof b->in ? len : sizeof b->in; /* longer: the engine says LENGTH/TOO_BIG */
	memcpy(b->in, pkt, n);
	b->in_len = (uint16_t)n;
	enqueue(db, bi, e->slot_out);
}

void dp_tun_rx(void *arg, const uint8_t *pkt, size_t len)
{
	sadb *db = arg;
	char s[16], d[16];
	db->st.out_pkts++;
	ios_flow f;
	if (dp_parse_flow(pkt, len, &f) < 0) {
		db->st.out_malformed++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: malformed IPv4 packet (%zu bytes) from the TUN: dropped", len);
		return;
	}
	const ios_interface *ifc = NULL;
	struct sadb_ent *e = sadb_find_dynamic(db, NULL, &f);
	if (e) {
		encap(db, e, pkt, len);
		return;
	}
	ios_spd_result r;
	int kind = spd_lookup(db, &f, &r, &ifc);
	if (kind == IOS_SPD_CLEAR) {
		if (!diverted(db, &f)) {
			db->st.out_not_acl++;
			ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
				   "IPSEC: packet from %s to %s, proto %u, %zu bytes: dropped, not covered by any crypto map ACL (routed into the TUN)",
				   ipstr(f.src, s), ipstr(f.dst, d), f.proto, len);
			return;
		}
		forward_clear(db, pkt, len, false);
		return;
	}
	e = sadb_find_out(db, r.entry, kind == IOS_SPD_STATIC ? NULL : r.dyn_entry, &f);
	if (e) {
		encap(db, e, pkt, len);
		return;
	}
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: no SA for %s -> %s proto %u (crypto map %s %u): packet dropped%s",
		   ipstr(f.src, s), ipstr(f.dst, d), f.proto, r.map ? r.map->name : "?", r.entry ? r.entry->seq : 0,
		   kind == IOS_SPD_DYNAMIC ? " (dynamic entry: the peer must initiate)" : "");
	if (kind == IOS_SPD_DYNAMIC) {
		db->st.out_no_sa_dyn++;
		return;
	}
	db->st.out_no_sa++;
	sadb_acquire(db, &r, &f);
}

/* ---- inbound ---- */

static void decap(sadb *db, uint32_t spi, const uint8_t *hdr, size_t hdr_len, const uint8_t *rest, size_t rest_len,
		  uint32_t src, uint32_t dst, uint16_t sport)
{
	char s[16], d[16];
	struct sadb_ent *e = sadb_find_spi_in(db, spi);
	if (!e) {
		db->st.in_no_sa++;
		if (log_ok(db, LOG_INV_SPI))
			elog_msg(ELOG_WARNING, "CRYPTO", "RECVD_PKT_INV_SPI",
				 "decaps: rec'd IPSEC packet has invalid spi for destaddr=%s, prot=50, spi=0x%X(%u), srcaddr=%s",
				 ipstr(dst, d), spi, spi, ipstr(src, s));
		if (sport)
			ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
				   "IPSEC: UDP-encapsulated ESP from %s:%u, SPI 0x%08X, %zu bytes: dropped, unknown SPI",
				   ipstr(src, s), sport, spi, rest_len);
		else
			ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
				   "IPSEC: ESP packet from %s to %s, SPI 0x%08X, %zu bytes: dropped, unknown SPI",
				   ipstr(src, s), ipstr(dst, d), spi, hdr_len);
		return;
	}
	int bi = buf_get(db, e, ESPFAB_OP_DECAP);
	if (bi < 0) {
		db->st.in_busy++;
		e->c.recv_errors++;
		return;
	}
	struct dp_buf *b = &db->dp->buf[bi];
	size_t n = hdr_len + rest_len;
	if (n > sizeof b->in) { /* the engine refuses it: LENGTH / TOO_BIG, counted there */
		n = sizeof b->in;
		if (rest_len > n - hdr_len)
			rest_len = n - hdr_len;
	}
	memcpy(b->in, hdr, hdr_len);
	if (rest_len)
		memcpy(b->in + hdr_len, rest, rest_len);
	b->in_len = (uint16_t)(hdr_len + rest_len);
	enqueue(db, bi, e->slot_in);
}

void dp_esp_rx(void *arg, const uint8_t *pkt, size_t len)
{
	sadb *db = arg;
	db->st.in_pkts++;
	size_t hl = len >= 20 ? (size_t)(pkt[0] & 15) * 4 : 0;
	if (hl < 20 || len < hl + 8) {
		db->st.in_malformed++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: runt ESP packet (%zu bytes): dropped", len);
		return;
	}
	decap(db, rd32(pkt + hl), pkt, len, NULL, 0, rd32(pkt + 12), rd32(pkt + 16), 0);
}

void dp_natt_esp_rx(void *arg, const uint8_t *esp, size_t len, const netio_dgram *m)
{
	sadb *db = arg;
	db->st.in_pkts++;
	if (len < 8 || len > 65535 - DP_UDP_HDR) {
		db->st.in_malformed++;
		return;
	}
	/* the engine decapsulates IPv4 + UDP + ESP: rebuild the headers the
	 * socket took off (ports as received; NAT may have changed them) */
	uint8_t h[DP_UDP_HDR];
	memset(h, 0, sizeof h);
	h[0] = 0x45;
	wr16(h + 2, (uint16_t)(len + DP_UDP_HDR));
	h[8] = 64;
	h[9] = IPPROTO_UDP;
	wr32(h + 12, m->peer);
	wr32(h + 16, m->local);
	wr16(h + 20, m->peer_port);
	wr16(h + 22, NETIO_NATT_PORT);
	wr16(h + 24, (uint16_t)(len + 8));
	decap(db, rd32(esp), h, sizeof h, esp, len, m->peer, m->local, m->peer_port ? m->peer_port : 1);
}

/* Cleartext that arrived on a crypto-map interface (policy rules route it
 * to the check TUN): IOS drops what its ACLs say must come protected. */
void dp_clear_rx(void *arg, const uint8_t *pkt, size_t len)
{
	sadb *db = arg;
	char s[16], d[16];
	db->st.clear_in++;
	ios_flow f, m;
	if (dp_parse_flow(pkt, len, &f) < 0) {
		db->st.out_malformed++;
		return;
	}
	/* TED (docs/ted.md): a discovery probe travels as a packet of the
	 * protected flow (original source and destination, UDP 500); IKE
	 * takes it here, as it passes, instead of it being dropped below */
	size_t hl = (size_t)(pkt[0] & 15) * 4;
	if (f.proto == IPPROTO_UDP && f.dport == 500 && len >= hl + 8 && db->hooks.probe &&
	    db->hooks.probe(db->hooks.arg, pkt, len)) {
		db->st.clear_in_ted++;
		return;
	}
	m = f; /* mirrored: as if we were sending it back */
	m.src = f.dst, m.dst = f.src, m.sport = f.dport, m.dport = f.sport;
	if (f.proto == IPPROTO_ICMP)
		m.sport = f.sport, m.dport = f.dport;
	ios_spd_result r;
	const ios_interface *ifc;
	if (sadb_find_dynamic(db, NULL, &m) || spd_lookup(db, &m, &r, &ifc) != IOS_SPD_CLEAR) {
		db->st.clear_in_drop++;
		if (log_ok(db, LOG_NOT_IPSEC))
			elog_msg(ELOG_WARNING, "CRYPTO", "RECVD_PKT_NOT_IPSEC",
				 "Rec'd packet not an IPSEC packet. (ip) vrf/dest_addr= /%s, src_addr= %s, prot= %u",
				 ipstr(f.dst, d), ipstr(f.src, s), f.proto);
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: cleartext %s -> %s proto %u must be protected: dropped",
			   ipstr(f.src, s), ipstr(f.dst, d), f.proto);
		return;
	}
	forward_clear(db, pkt, len, true);
}

int sadb_send_ip(sadb *db, const uint8_t *pkt, size_t len)
{
	if (!db || len < 20)
		return -EINVAL;
	return send_clear(db, pkt, len);
}

uint64_t dp_kernel_drops(const sadb *db, int which)
{
	/* SO_MEMINFO: the kernel's count of packets it dropped for this
	 * socket (receive queue full) */
	int fd = -1;
	if (db->io)
		fd = which == 0 ? db->io->esp_fd : which == 1 ? db->io->udp_fd[1] : -1;
	if (fd < 0)
		return 0;
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t l = sizeof mi;
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &l) < 0 || l < sizeof mi)
		return 0;
	return mi[SK_MEMINFO_DROPS];
}

/* ---- wiring into espfabd (datapath_start / datapath_stop) ---- */

static void check_ready(evloop *l, evloop_fd *w, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)w;
	(void)ev;
	sadb *db = arg;
	static uint8_t pkt[65536]; /* one thread (decision 7) */
	for (int i = 0; i < 64; i++) {
		ssize_t n = read(fd, pkt, sizeof pkt);
		if (n <= 0)
			return;
		if (n < 20 || (pkt[0] >> 4) != 4)
			continue; /* IPv6 noise: IPv6 is off on it, but be sure */
		dp_clear_rx(db, pkt, (size_t)n);
	}
}

/* The prefix an ACL address/wildcard pair lies in: the leading bits the
 * wildcard leaves fixed (a non-contiguous wildcard widens the prefix). */
static uint8_t wild_plen(uint32_t wild)
{
	uint8_t n = 0;
	while (n < 32 && !(wild & (0x80000000u >> n)))
		n++;
	return n;
}

static int add_rule(struct dp_state *dp, uint32_t pref, uint32_t table, uint32_t src, uint8_t sl, uint32_t dst,
		    uint8_t dl, const char *iif, uint32_t mark)
{
	uint32_t sm = plen_mask(sl), dm = plen_mask(dl);
	src &= sm, dst &= dm;
	for (size_t i = 0; i < dp->n_rules; i++) { /* the same rule once */
		struct dp_rule *x = &dp->rules[i];
		if (x->table == table && x->src == src && x->src_len == sl && x->dst == dst && x->dst_len == dl &&
		    x->fwmark == mark && strcmp(x->iif, iif ? iif : "") == 0)
			return 0;
	}
	struct dp_rule *nr = realloc(dp->rules, (dp->n_rules + 1) * sizeof *nr);
	if (!nr)
		return -ENOMEM;
	dp->rules = nr;
	struct dp_rule *x = &nr[dp->n_rules];
	memset(x, 0, sizeof *x);
	x->pref = pref, x->table = table, x->src = src, x->src_len = sl, x->dst = dst, x->dst_len = dl;
	x->fwmark = mark;
	snprintf(x->iif, sizeof x->iif, "%s", iif ? iif : "");
	int r = dp_nl_rule(true, pref, table, src, sl, dst, dl, iif, mark);
	if (r == 0)
		dp->n_rules++;
	return r;
}

/* Every permit line of the ACLs a crypto map uses: local -> remote into
 * the TUN, remote -> local arriving on IIF into the check TUN. */
struct map_rules_ctx {
	struct dp_state *dp;
	const char *iif;
	uint32_t *pref_out, *pref_in;
};

static int ace_rules(const ios_ace *ace, void *arg)
{
	struct map_rules_ctx *c = arg;
	uint8_t sl = wild_plen(ace->src_wild), dl = wild_plen(ace->dst_wild);
	int r = add_rule(c->dp, (*c->pref_out)++, DP_TABLE_OUT, ace->src, sl, ace->dst, dl, NULL, 0);
	if (r == 0)
		r = add_rule(c->dp, (*c->pref_in)++, DP_TABLE_CHECK, ace->dst, dl, ace->src, sl, c->iif, 0);
	return r < 0 ? r : 0;
}

static int rules_for_map(struct dp_state *dp, const ios_crypto_map *map, const char *iif, uint32_t *pref_out,
			 uint32_t *pref_in)
{
	struct map_rules_ctx c = { dp, iif, pref_out, pref_in };
	return map_permits(map, ace_rules, &c);
}

/* Traffic the gateway originates itself (IOS protects it when the ACL
 * covers it: on IOS its source is the crypto-map interface's address, e.g.
 * a transport-mode ACL `permit ip host OWN host PEER`).  A socket that is
 * not bound has no source at its route lookup (0.0.0.0): the rule `from
 * SRC to DST` cannot match, and the packet would leave in the clear by the
 * main table.  For every permit line whose source prefix covers the
 * crypto-map interface's address ADDR: a route `DST dev <tun> src ADDR` in
 * DP_TABLE_OUT (the kernel then picks ADDR as the source, so the packet is
 * the ACL's) and the rule `iif lo from 0.0.0.0/32 to DST` into that table
 * (only lookups of local sockets without a source: `iif lo` is the host's
 * own output, and espfabd's own marked packets took the fwmark rule
 * before).  A DST already routed for another line or interface keeps the
 * first source.  The table is espfab's: a route left by a killed espfabd
 * is replaced; DST `any` gives the default route the source. */
#define DP_LOCAL_PREF (DP_RULE_PREF + 301u)
struct local_rules_ctx {
	struct dp_state *dp;
	uint32_t addr;
	int tun_ifindex;
	uint32_t *pref;
};

static int ace_local_rules(const ios_ace *ace, void *arg)
{
	struct local_rules_ctx *c = arg;
	struct dp_state *dp = c->dp;
	uint8_t dl = wild_plen(ace->dst_wild);
	uint32_t sm = plen_mask(wild_plen(ace->src_wild));
	if ((c->addr & sm) != (ace->src & sm))
		return 0;
	uint32_t dst = ace->dst & plen_mask(dl);
	bool have = false;
	for (size_t j = 0; j < dp->n_lroutes && !have; j++)
		have = dp->lroutes[j].dst == dst && dp->lroutes[j].dst_len == dl;
	if (!have) {
		struct dp_lroute *nr = realloc(dp->lroutes, (dp->n_lroutes + 1) * sizeof *nr);
		if (!nr)
			return -ENOMEM;
		dp->lroutes = nr;
		int r = dp_nl_route_src(true, DP_TABLE_OUT, dst, dl, c->tun_ifindex, c->addr);
		if (r < 0)
			return r;
		nr[dp->n_lroutes].dst = dst, nr[dp->n_lroutes].dst_len = dl;
		dp->n_lroutes++;
	}
	int r = add_rule(dp, *c->pref, DP_TABLE_OUT, 0, 32, dst, dl, "lo", 0);
	if (r < 0)
		return r;
	(*c->pref)++;
	return 0;
}

static int local_rules_for_map(struct dp_state *dp, const ios_crypto_map *map, uint32_t addr, int tun_ifindex,
			       uint32_t *pref)
{
	struct local_rules_ctx c = { dp, addr, tun_ifindex, pref };
	return map_permits(map, ace_local_rules, &c);
}

/* Pairs of dynamic-map entries without `match address` (a hub's `crypto
 * dynamic-map DYN 10 / set transform-set ...`): no ACL line gave a rule at
 * start-up, so the traffic the peer negotiated would leave in the clear by
 * the main table (and cleartext from the peer's side would be forwarded
 * unchecked).  While such a pair is up its proxies get the two rules an ACL
 * line would have: local -> remote into the TUN, and remote -> local
 * arriving on the crypto-map interface into the check TUN.  A rule equal to
 * one installed at start-up is not added twice; a rule goes when no live
 * pair needs it.  Entries with an ACL are covered by its rules already
 * (quick mode accepts only proxies inside it). */
#define DP_DYN_PREF_OUT (DP_RULE_PREF + 401u)
#define DP_DYN_PREF_IN (DP_RULE_PREF + 901u)

static bool rule_eq(const struct dp_rule *a, const struct dp_rule *b)
{
	return a->table == b->table && a->src == b->src && a->src_len == b->src_len && a->dst == b->dst &&
	       a->dst_len == b->dst_len && a->fwmark == b->fwmark && strcmp(a->iif, b->iif) == 0;
}

static size_t dyn_wanted(sadb *db, struct dp_rule *want, size_t cap)
{
	struct dp_state *dp = db->dp;
	size_t n = 0;
	for (struct sadb_ent *e = db->head; e; e = e->next) {
		if (e->dead || !e->p.dyn_entry || e->p.dyn_entry->acl)
			continue;
		const char *iif = NULL;
		for (size_t i = 0; i < dp->n_ifcs && !iif; i++)
			if (dp->ifcs[i].ifc == e->p.ifc)
				iif = dp->ifcs[i].linux_if;
		if (!iif && dp->n_ifcs == 1)
			iif = dp->ifcs[0].linux_if;
		uint8_t ll = wild_plen(~e->p.local_id.mask), rl = wild_plen(~e->p.remote_id.mask);
		uint32_t lm = plen_mask(ll), rm = plen_mask(rl);
		struct dp_rule r[2];
		memset(r, 0, sizeof r);
		r[0].pref = DP_DYN_PREF_OUT, r[0].table = DP_TABLE_OUT;
		r[0].src = e->p.local_id.addr & lm, r[0].src_len = ll, r[0].dst = e->p.remote_id.addr & rm, r[0].dst_len = rl;
		r[1].pref = DP_DYN_PREF_IN, r[1].table = DP_TABLE_CHECK;
		r[1].src = r[0].dst, r[1].src_len = rl, r[1].dst = r[0].src, r[1].dst_len = ll;
		if (iif)
			snprintf(r[1].iif, sizeof r[1].iif, "%s", iif);
		for (int k = 0; k < (iif ? 2 : 1); k++) {
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = rule_eq(&want[j], &r[k]);
			if (!dup && n < cap)
				want[n++] = r[k];
		}
	}
	return n;
}

void dp_dyn_rules_sync(sadb *db)
{
	struct dp_state *dp = db->dp;
	if (!dp || !dp->applied)
		return;
	size_t cap = 2 * db->n_pairs + 2;
	struct dp_rule *want = calloc(cap, sizeof *want);
	if (!want)
		return;
	size_t nw = dyn_wanted(db, want, cap);
	char s[16], d[16];
	/* rules no live pair needs */
	for (size_t i = 0; i < dp->n_dyn;) {
		bool keep = false;
		for (size_t j = 0; j < nw && !keep; j++)
			keep = rule_eq(&dp->dyn[i], &want[j]);
		if (keep) {
			i++;
			continue;
		}
		struct dp_rule *x = &dp->dyn[i];
		if (x->ours)
			dp_nl_rule(false, x->pref, x->table, x->src, x->src_len, x->dst, x->dst_len, x->iif, 0);
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: policy rule from %s/%u to %s/%u%s%s (table %u) removed: no dynamic SA needs it",
			   ipstr(x->src, s), x->src_len, ipstr(x->dst, d), x->dst_len, x->iif[0] ? " iif " : "", x->iif,
			   x->table);
		dp->dyn[i] = dp->dyn[--dp->n_dyn];
	}
	/* rules new pairs need */
	for (size_t j = 0; j < nw; j++) {
		bool have = false;
		for (size_t i = 0; i < dp->n_dyn && !have; i++)
			have = rule_eq(&dp->dyn[i], &want[j]);
		if (have)
			continue;
		struct dp_rule *nd = realloc(dp->dyn, (dp->n_dyn + 1) * sizeof *nd);
		if (!nd)
			break;
		dp->dyn = nd;
		struct dp_rule *x = &nd[dp->n_dyn];
		*x = want[j];
		bool dup = false; /* one of the start-up rules already */
		for (size_t i = 0; i < dp->n_rules && !dup; i++)
			dup = rule_eq(&dp->rules[i], x);
		int r = dup ? 0 : dp_nl_rule(true, x->pref, x->table, x->src, x->src_len, x->dst, x->dst_len, x->iif, 0);
		if (r < 0 && r != -EEXIST) {
			elog_msg(ELOG_WARNING, "ESPFABD", "DATAPATH",
				 "policy rule from %s/%u to %s/%u (table %u) for a dynamic SA: %s: its traffic is not diverted",
				 ipstr(x->src, s), x->src_len, ipstr(x->dst, d), x->dst_len, x->table, strerror(-r));
			continue;
		}
		x->ours = !dup && r == 0;
		dp->n_dyn++;
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC: policy rule from %s/%u to %s/%u%s%s (table %u) for a dynamic SA%s",
			   ipstr(x->src, s), x->src_len, ipstr(x->dst, d), x->dst_len, x->iif[0] ? " iif " : "", x->iif,
			   x->table, x->ours ? "" : " (already there)");
	}
	free(want);
}

int datapath_start(sadb *db, const struct espfabd_ifmap *map, size_t n_map, bool apply, char *err, size_t err_len)
{
	struct dp_state *dp = db->dp;
	espfabd_io *io = db->io;
	int r;
	if (!io) {
		snprintf(err, err_len, "data path: no packet sockets");
		return -1;
	}
	int mark = DP_FWMARK, rcvbuf = DP_RCVBUF;
	int *fds[] = { &io->esp_fd, &io->udp_fd[0], &io->udp_fd[1] };
	for (size_t i = 0; i < 3; i++) {
		if (*fds[i] >= 0 && setsockopt(*fds[i], SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
			snprintf(err, err_len, "data path: SO_MARK: %s", strerror(errno));
			return -1;
		}
		/* bursts of ESP arrive faster than one loop pass reads them:
		 * a deep receive queue (the kernel's drops are shown anyway) */
		if (*fds[i] >= 0 && i != 1 &&
		    setsockopt(*fds[i], SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
			setsockopt(*fds[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	}
	dp->clear_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
	if (dp->clear_fd < 0 || setsockopt(dp->clear_fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) {
		snprintf(err, err_len, "data path: raw socket for cleartext: %s", strerror(errno));
		goto fail;
	}
	char want[NETIO_IFNAMSIZ];
	snprintf(want, sizeof want, "%.*sc", NETIO_IFNAMSIZ - 2, io->tun_name);
	r = netio_tun_open(want, dp->check_name);
	if (r < 0) {
		snprintf(err, err_len, "data path: TUN device '%s': %s", want, strerror(-r));
		goto fail;
	}
	dp->check_fd = r;
	char path[96];
	snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dp->check_name);
	FILE *f = fopen(path, "we");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	dp->check_ifindex = netio_link_index(dp->check_name);
	r = dp->check_ifindex < 0 ? dp->check_ifindex : netio_link_set_up(dp->check_ifindex, true);
	if (r < 0 || (r = evloop_fd_add(db->loop, dp->check_fd, EVLOOP_IN, check_ready, db, &dp->check_w)) < 0) {
		snprintf(err, err_len, "data path: TUN device '%s': %s", dp->check_name, strerror(-r));
		goto fail;
	}
	io->tun_rx = dp_tun_rx;
	io->tun_arg = db;
	io->esp_rx = dp_esp_rx;
	io->esp_arg = db;
	io->natt_esp_rx = dp_natt_esp_rx;
	io->natt_esp_arg = db;
	dp->started = true;
	if (!apply)
		return 0;

	dp->applied = true;
	if ((r = dp_nl_set_mtu(io->tun_ifindex, DP_TUN_MTU)) < 0) {
		snprintf(err, err_len, "data path: MTU %u on %s: %s", DP_TUN_MTU, io->tun_name, strerror(-r));
		goto fail;
	}
	f = fopen("/proc/sys/net/ipv4/ip_forward", "r+e");
	if (f) {
		int c = fgetc(f);
		if (c == '0') {
			rewind(f);
			fputs("1\n", f);
			elog_msg(ELOG_NOTICE, "ESPFABD", "FORWARD", "IPv4 forwarding switched on (a router forwards)");
		}
		fclose(f);
	}
	if ((r = dp_nl_route_dev(true, DP_TABLE_OUT, io->tun_ifindex)) < 0 ||
	    (r = dp_nl_route_dev(true, DP_TABLE_CHECK, dp->check_ifindex)) < 0) {
		snprintf(err, err_len, "data path: routes in tables %u/%u: %s", DP_TABLE_OUT, DP_TABLE_CHECK,
			 strerror(-r));
		goto fail;
	}
	if ((r = add_rule(dp, DP_RULE_PREF, RT_TABLE_MAIN, 0, 0, 0, 0, NULL, DP_FWMARK)) < 0) {
		snprintf(err, err_len, "data path: fwmark rule: %s", strerror(-r));
		goto fail;
	}
	uint32_t pref_out = DP_RULE_PREF + 1, pref_in = DP_RULE_PREF + 501, pref_local = DP_LOCAL_PREF;
	for (size_t i = 0; i < db->cfg->n_ifaces; i++) {
		const ios_interface *x = &db->cfg->ifaces[i];
		if (!x->crypto_map)
			continue;
		const char *linux_if = NULL;
		for (size_t k = 0; k < n_map && !linux_if; k++)
			if (espfabd_ifname_match(x->name, map[k].ios))
				linux_if = map[k].linux_if;
		if (!linux_if) {
			elog_msg(ELOG_WARNING, "ESPFABD", "DATAPATH",
				 "interface %s has crypto map %s but no --ifmap: its traffic is not diverted", x->name,
				 x->crypto_map->name);
			continue;
		}
		struct dp_ifc *ni = realloc(dp->ifcs, (dp->n_ifcs + 1) * sizeof *ni);
		if (!ni) {
			snprintf(err, err_len, "data path: out of memory");
			goto fail;
		}
		dp->ifcs = ni;
		ni[dp->n_ifcs].ifc = x;
		snprintf(ni[dp->n_ifcs].linux_if, sizeof ni[dp->n_ifcs].linux_if, "%s", linux_if);
		dp->n_ifcs++;
		if ((r = rules_for_map(dp, x->crypto_map, linux_if, &pref_out, &pref_in)) < 0) {
			snprintf(err, err_len, "data path: policy rules for crypto map %s: %s", x->crypto_map->name,
				 strerror(-r));
			goto fail;
		}
		if (x->has_addr && (r = local_rules_for_map(dp, x->crypto_map, x->addr, io->tun_ifindex, &pref_local)) < 0) {
			snprintf(err, err_len, "data path: rules for the gateway's own traffic, crypto map %s: %s",
				 x->crypto_map->name, strerror(-r));
			goto fail;
		}
	}
	elog_msg(ELOG_INFO, "ESPFABD", "DATAPATH", "%zu policy rules: crypto ACL traffic -> %s, cleartext check -> %s",
		 dp->n_rules, io->tun_name, dp->check_name);
	return 0;
fail:
	datapath_stop(db);
	return -1;
}

void datapath_stop(sadb *db)
{
	struct dp_state *dp = db->dp;
	if (!dp)
		return;
	if (dp->applied) {
		for (size_t i = dp->n_dyn; i-- > 0;) {
			struct dp_rule *x = &dp->dyn[i];
			if (x->ours)
				dp_nl_rule(false, x->pref, x->table, x->src, x->src_len, x->dst, x->dst_len, x->iif, 0);
		}
		for (size_t i = dp->n_rules; i-- > 0;) {
			struct dp_rule *x = &dp->rules[i];
			dp_nl_rule(false, x->pref, x->table, x->src, x->src_len, x->dst, x->dst_len, x->iif, x->fwmark);
		}
		for (size_t i = 0; db->io && i < dp->n_lroutes; i++)
			dp_nl_route_src(false, DP_TABLE_OUT, dp->lroutes[i].dst, dp->lroutes[i].dst_len,
					db->io->tun_ifindex, 0);
		if (db->io)
			dp_nl_route_dev(false, DP_TABLE_OUT, db->io->tun_ifindex);
		if (dp->check_ifindex > 0)
			dp_nl_route_dev(false, DP_TABLE_CHECK, dp->check_ifindex);
		dp->applied = false;
	}
	free(dp->rules);
	dp->rules = NULL;
	dp->n_rules = 0;
	free(dp->dyn);
	dp->dyn = NULL;
	dp->n_dyn = 0;
	free(dp->ifcs);
	dp->ifcs = NULL;
	dp->n_ifcs = 0;
	free(dp->lroutes);
	dp->lroutes = NULL;
	dp->n_lroutes = 0;
	if (dp->check_w)
		evloop_fd_del(db->loop, dp->check_w);
	dp->check_w = NULL;
	if (dp->check_fd >= 0)
		close(dp->check_fd);
	if (dp->clear_fd >= 0)
		close(dp->clear_fd);
	dp->check_fd = dp->clear_fd = -1;
	if (dp->started && db->io) {
		db->io->tun_rx = NULL;
		db->io->esp_rx = NULL;
		db->io->natt_esp_rx = NULL;
	}
	dp->started = false;
}
