/*
 * sadb — espfabd's IPsec SA database: install, look up, count, expire and
 * delete SA pairs, each as two engine slots.  Interface: host/sadb.h;
 * private state: host/sadb_int.h; packets: host/datapath.c; show/clear:
 * host/sadb_show.c; the whole design: docs/datapath.md.
 *
 * Lifetimes (IOS semantics):
 *   seconds    a hard timer at life_seconds and a soft timer at 85-90 % of
 *              it (90 % less a random 0-5 %, drawn per pair, so two peers
 *              that installed together do not rekey at the same instant).
 *              Soft: hooks.expire(hard = false) once.  Hard: the pair is
 *              deleted, then hooks.expire(hard = true).
 *   kilobytes  the engine counts plaintext bytes per SA: life_hard_kb =
 *              life_kb, life_soft_kb = the same fraction of it.  A
 *              completion's SOFT_EXPIRED / HARD_EXPIRED flag (sticky) is
 *              acted on at its first appearance, exactly as the timers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "elog.h"
#include "sadb_int.h"

const char *sadb_ip_str(uint32_t a, char b[16])
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

static uint64_t rng_next(sadb *db)
{
	uint64_t x = db->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return db->rng = x;
}

unsigned sadb_soft_permille(sadb *db)
{
	return 900u - (unsigned)(rng_next(db) % 51u);
}

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* ---- construction ---- */

int sadb_new(evloop *loop, espfab_dev *dev, espfabd_io *io, const ios_config *cfg, sadb **out)
{
	*out = NULL;
	if (!loop || !dev || !cfg)
		return -EINVAL;
	sadb *db = calloc(1, sizeof *db);
	if (!db)
		return -ENOMEM;
	db->loop = loop;
	db->dev = dev;
	db->io = io;
	db->cfg = cfg;
	db->n_slots = espfab_sa_slots(dev);
	db->slot_used = calloc(db->n_slots ? db->n_slots : 1, 1);
	db->n_buckets = 64;
	while (db->n_buckets < db->n_slots)
		db->n_buckets <<= 1;
	db->by_spi = calloc(db->n_buckets, sizeof *db->by_spi);
	db->by_id = calloc(db->n_buckets, sizeof *db->by_id);
	db->next_id = 1;
	if (getrandom(&db->rng, sizeof db->rng, 0) != (ssize_t)sizeof db->rng || !db->rng)
		db->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)evloop_monotonic_ms();
	int r = -ENOMEM;
	if (!db->slot_used || !db->by_spi || !db->by_id || (r = dp_new(db)) < 0) {
		free(db->slot_used);
		free(db->by_spi);
		free(db->by_id);
		free(db);
		return r;
	}
	*out = db;
	return 0;
}

void sadb_set_hooks(sadb *db, const struct sadb_hooks *h)
{
	if (h)
		db->hooks = *h;
	else
		memset(&db->hooks, 0, sizeof db->hooks);
}

void sadb_pair_wipe(struct sadb_pair *p)
{
	if (!p)
		return;
	espfab_wipe(p->enc_in, sizeof p->enc_in);
	espfab_wipe(p->auth_in, sizeof p->auth_in);
	espfab_wipe(p->enc_out, sizeof p->enc_out);
	espfab_wipe(p->auth_out, sizeof p->auth_out);
}

/* ---- hash tables ---- */

static struct sadb_ent **spi_bucket(sadb *db, uint32_t spi)
{
	return &db->by_spi[hash32(spi) & (db->n_buckets - 1)];
}

static struct sadb_ent **id_bucket(sadb *db, uint32_t id)
{
	return &db->by_id[hash32(id) & (db->n_buckets - 1)];
}

struct sadb_ent *sadb_find_spi_in(sadb *db, uint32_t spi)
{
	for (struct sadb_ent *e = *spi_bucket(db, spi); e; e = e->spi_next)
		if (e->p.spi_in == spi)
			return e;
	return NULL;
}

struct sadb_ent *sadb_find_id(sadb *db, uint32_t id)
{
	for (struct sadb_ent *e = *id_bucket(db, id); e; e = e->id_next)
		if (e->id == id)
			return e;
	return NULL;
}

static void unhash(sadb *db, struct sadb_ent *e)
{
	for (struct sadb_ent **pp = spi_bucket(db, e->p.spi_in); *pp; pp = &(*pp)->spi_next)
		if (*pp == e) {
			*pp = e->spi_next;
			break;
		}
	for (struct sadb_ent **pp = id_bucket(db, e->id); *pp; pp = &(*pp)->id_next)
		if (*pp == e) {
			*pp = e->id_next;
			break;
		}
	e->spi_next = e->id_next = NULL;
}

uint32_t sadb_new_spi(sadb *db)
{
	for (int tries = 0; tries < 64; tries++) {
		uint32_t spi;
		if (getrandom(&spi, sizeof spi, 0) != (ssize_t)sizeof spi)
			spi = (uint32_t)rng_next(db);
		if (spi < 256)
			continue;
		if (!sadb_find_spi_in(db, spi))
			return spi;
	}
	return 0;
}

/* ---- selectors ---- */

bool sadb_sel_match(const struct sadb_selector *s, uint32_t addr, uint8_t proto, uint16_t port)
{
	if ((addr & s->mask) != (s->addr & s->mask))
		return false;
	if (s->proto && s->proto != proto)
		return false;
	if (s->port && s->port != port)
		return false;
	return true;
}

static bool covers_out(const struct sadb_ent *e, const ios_flow *f)
{
	return sadb_sel_match(&e->p.local_id, f->src, f->proto, f->sport) &&
	       sadb_sel_match(&e->p.remote_id, f->dst, f->proto, f->dport);
}

struct sadb_ent *sadb_find_out(sadb *db, const ios_map_entry *entry, const ios_map_entry *dyn_entry,
			       const ios_flow *f)
{
	for (struct sadb_ent *e = db->head; e; e = e->next) {
		if (e->dead || e->p.entry != entry)
			continue;
		if (dyn_entry && e->p.dyn_entry != dyn_entry)
			continue;
		if (covers_out(e, f))
			return e; /* newest first: during a rekey the new pair wins */
	}
	return NULL;
}

struct sadb_ent *sadb_find_dynamic(sadb *db, const ios_interface *ifc, const ios_flow *f)
{
	for (struct sadb_ent *e = db->head; e; e = e->next)
		if (!e->dead && e->p.dyn_entry && (!ifc || e->p.ifc == ifc) && covers_out(e, f))
			return e;
	return NULL;
}

/* ---- engine slots ---- */

static int slot_alloc(sadb *db, uint32_t *slot)
{
	for (uint32_t i = 0; i < db->n_slots; i++) {
		uint32_t s = (db->slot_hint + i) % db->n_slots;
		if (!db->slot_used[s]) {
			db->slot_used[s] = 1;
			db->slot_hint = (s + 1) % db->n_slots;
			*slot = s;
			return 0;
		}
	}
	return -ENOSPC;
}

static void fill_sa(espfab_sa_t *sa, const struct sadb_pair *p, bool in, uint32_t soft_kb)
{
	memset(sa, 0, sizeof *sa);
	sa->valid = 1;
	sa->dir = in ? ESPFAB_DIR_IN : ESPFAB_DIR_OUT;
	sa->spi = in ? p->spi_in : p->spi_out;
	sa->mode = p->mode;
	sa->cipher = p->cipher;
	sa->auth = p->auth;
	sa->enc_key_len = p->enc_key_len;
	sa->auth_key_len = p->auth_key_len;
	memcpy(sa->enc_key, in ? p->enc_in : p->enc_out, p->enc_key_len);
	memcpy(sa->auth_key, in ? p->auth_in : p->auth_out, p->auth_key_len);
	sa->replay_window = in ? p->replay_window : 0;
	sa->tun_src = in ? p->peer : p->local;
	sa->tun_dst = in ? p->local : p->peer;
	if (p->local_port || p->peer_port) {
		sa->encap = ESPFAB_ENCAP_UDP;
		sa->sport = in ? p->peer_port : p->local_port;
		sa->dport = in ? p->local_port : p->peer_port;
	}
	sa->life_hard_kb = p->life_kb;
	sa->life_soft_kb = soft_kb;
}

/* ---- lifetimes ---- */

static void expire_soft(sadb *db, struct sadb_ent *e, const char *what)
{
	if (e->soft_done || e->dead)
		return;
	e->soft_done = true;
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC(sa_soft_expire): pair %u, spi in 0x%08X out 0x%08X: soft %s lifetime reached",
		   e->id, e->p.spi_in, e->p.spi_out, what);
	if (db->hooks.expire)
		db->hooks.expire(db->hooks.arg, e->id, e->p.spi_in, e->p.spi_out, false);
}

static void soft_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct sadb_ent *e = arg;
	expire_soft(e->db, e, "seconds");
}

static void hard_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct sadb_ent *e = arg;
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC(sa_hard_expire): pair %u, spi in 0x%08X out 0x%08X: hard seconds lifetime reached",
		   e->id, e->p.spi_in, e->p.spi_out);
	sadb_delete(e->db, e->id, SADB_DEL_EXPIRED);
}

void sadb_lifetime_flags(sadb *db, struct sadb_ent *e, uint8_t flags)
{
	if (e->dead)
		return;
	if (flags & (1u << ESPFAB_CPLFLAG_HARD_EXPIRED)) {
		ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
			   "IPSEC(sa_hard_expire): pair %u, spi in 0x%08X out 0x%08X: hard kilobyte lifetime reached", e->id,
			   e->p.spi_in, e->p.spi_out);
		sadb_delete(db, e->id, SADB_DEL_EXPIRED);
	} else if (flags & (1u << ESPFAB_CPLFLAG_SOFT_EXPIRED)) {
		expire_soft(db, e, "kilobyte");
	}
}

/* ---- install / delete ---- */

static const char *reason_text(enum sadb_reason why)
{
	switch (why) {
	case SADB_DEL_IKE:
		return "IKE";
	case SADB_DEL_CLEAR:
		return "clear crypto sa";
	case SADB_DEL_EXPIRED:
		return "lifetime expired";
	case SADB_DEL_SHUTDOWN:
		return "shutdown";
	}
	return "?";
}

int sadb_install(sadb *db, const struct sadb_pair *p, uint32_t *pair_id)
{
	char a[16], b[16], why[160];
	if (pair_id)
		*pair_id = 0;
	if (!p || p->spi_in < 256 || p->spi_out < 256) {
		elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL", "SA pair refused: SPI below 256 (reserved, RFC 4303)");
		return -EINVAL;
	}
	if (sadb_find_spi_in(db, p->spi_in)) {
		elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL", "SA pair with %s refused: inbound SPI 0x%08X already in use",
			 sadb_ip_str(p->peer, a), p->spi_in);
		return -EEXIST;
	}
	struct sadb_ent *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->p = *p;
	unsigned pm = sadb_soft_permille(db);
	e->soft_kb = p->life_kb ? (uint32_t)((uint64_t)p->life_kb * pm / 1000u) : 0;
	if (p->life_kb && !e->soft_kb)
		e->soft_kb = 1;
	espfab_sa_t sa;
	int r;
	for (int dir = 0; dir < 2; dir++) {
		fill_sa(&sa, p, dir == 0, e->soft_kb);
		r = espfab_sa_check(&sa, why, sizeof why);
		if (r < 0) {
			espfab_wipe(&sa, sizeof sa);
			elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL", "SA pair with %s (spi 0x%08X) refused: %s",
				 sadb_ip_str(p->peer, a), dir == 0 ? p->spi_in : p->spi_out, why);
			goto fail;
		}
		espfab_wipe(&sa, sizeof sa);
	}
	uint32_t s_in = 0, s_out = 0;
	if ((r = slot_alloc(db, &s_in)) == 0 && (r = slot_alloc(db, &s_out)) < 0)
		db->slot_used[s_in] = 0;
	if (r < 0) {
		elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL",
			 "SA pair with %s refused: no free engine slot (%u slots, %zu pairs)", sadb_ip_str(p->peer, a),
			 db->n_slots, db->n_pairs);
		goto fail;
	}
	e->slot_in = s_in;
	e->slot_out = s_out;
	fill_sa(&sa, p, true, e->soft_kb);
	r = espfab_sa_add(db->dev, s_in, &sa);
	espfab_wipe(&sa, sizeof sa);
	if (r < 0) {
		elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL", "engine refused inbound SA 0x%08X: %s", p->spi_in,
			 espfab_last_error(db->dev));
		db->slot_used[s_in] = db->slot_used[s_out] = 0;
		goto fail;
	}
	fill_sa(&sa, p, false, e->soft_kb);
	r = espfab_sa_add(db->dev, s_out, &sa);
	espfab_wipe(&sa, sizeof sa);
	if (r < 0) {
		elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL", "engine refused outbound SA 0x%08X: %s", p->spi_out,
			 espfab_last_error(db->dev));
		espfab_sa_del(db->dev, s_in);
		db->slot_used[s_in] = db->slot_used[s_out] = 0;
		goto fail;
	}

	e->id = db->next_id++;
	if (!db->next_id)
		db->next_id = 1;
	e->refs = 1;
	e->installed_ms = evloop_now(db->loop);
	e->db = db;
	evloop_timer_init(&e->soft_t, soft_timer, e);
	evloop_timer_init(&e->hard_t, hard_timer, e);
	if (p->life_seconds) {
		e->hard_ms = (uint64_t)p->life_seconds * 1000u;
		e->soft_ms = e->hard_ms * pm / 1000u;
		evloop_timer_start(db->loop, &e->soft_t, e->soft_ms, 0);
		evloop_timer_start(db->loop, &e->hard_t, e->hard_ms, 0);
	}
	e->next = db->head;
	if (db->head)
		db->head->prev = e;
	db->head = e;
	struct sadb_ent **sb = spi_bucket(db, p->spi_in), **ib = id_bucket(db, e->id);
	e->spi_next = *sb;
	*sb = e;
	e->id_next = *ib;
	*ib = e;
	db->n_pairs++;
	if (pair_id)
		*pair_id = e->id;
	if (p->dyn_entry)
		dp_dyn_rules_sync(db);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
		   "IPSEC(create_sa): sa created, (sa) sa_dest= %s, sa_prot= 50, sa_spi= 0x%08X(%u), sa_trans= %s%s, "
		   "sa_conn_id= %u",
		   sadb_ip_str(p->local, a), p->spi_in, p->spi_in, espfab_cipher_name(p->cipher),
		   espfab_auth_name(p->auth), 2000u + s_in);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC,
		   "IPSEC(create_sa): sa created, (sa) sa_dest= %s, sa_prot= 50, sa_spi= 0x%08X(%u), sa_trans= %s%s, "
		   "sa_conn_id= %u",
		   sadb_ip_str(p->peer, b), p->spi_out, p->spi_out, espfab_cipher_name(p->cipher),
		   espfab_auth_name(p->auth), 2000u + s_out);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, "CRYPTO_ENGINE: pair %u: slot %u (in, spi 0x%08X), slot %u (out, spi 0x%08X)%s",
		   e->id, s_in, p->spi_in, s_out, p->spi_out, p->local_port ? ", UDP-encapsulated" : "");
	return 0;

fail:
	espfab_wipe(&e->p, sizeof e->p);
	free(e);
	return r;
}

void sadb_ent_put(sadb *db, struct sadb_ent *e)
{
	if (--e->refs > 0)
		return;
	db->slot_used[e->slot_in] = 0;
	db->slot_used[e->slot_out] = 0;
	espfab_wipe(&e->p, sizeof e->p);
	free(e);
}

static void ent_delete(sadb *db, struct sadb_ent *e, enum sadb_reason why)
{
	char a[16];
	e->dead = true;
	evloop_timer_stop(db->loop, &e->soft_t);
	evloop_timer_stop(db->loop, &e->hard_t);
	unhash(db, e);
	if (e->prev)
		e->prev->next = e->next;
	else
		db->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->next = e->prev = NULL;
	db->n_pairs--;
	espfab_sa_del(db->dev, e->slot_in); /* the engine wipes its copies */
	espfab_sa_del(db->dev, e->slot_out);
	uint32_t id = e->id, si = e->p.spi_in, so = e->p.spi_out;
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC(delete_sa): deleting SA, (sa) sa_dest= %s, sa_prot= 50, sa_spi= 0x%08X(%u) (%s)",
		   sadb_ip_str(e->p.local, a), si, si, reason_text(why));
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC(delete_sa): deleting SA, (sa) sa_dest= %s, sa_prot= 50, sa_spi= 0x%08X(%u) (%s)",
		   sadb_ip_str(e->p.peer, a), so, so, reason_text(why));
	/* keys: wipe our copy now, even if packets keep the struct alive */
	bool dyn = e->p.dyn_entry != NULL;
	sadb_pair_wipe(&e->p);
	sadb_ent_put(db, e);
	if (dyn)
		dp_dyn_rules_sync(db);
	if ((why == SADB_DEL_EXPIRED || why == SADB_DEL_CLEAR) && db->hooks.expire)
		db->hooks.expire(db->hooks.arg, id, si, so, true);
}

int sadb_delete(sadb *db, uint32_t pair_id, enum sadb_reason why)
{
	struct sadb_ent *e = sadb_find_id(db, pair_id);
	if (!e)
		return -ENOENT;
	ent_delete(db, e, why);
	return 0;
}

int sadb_delete_spi(sadb *db, uint32_t peer, uint32_t spi, enum sadb_reason why)
{
	for (struct sadb_ent *e = db->head; e; e = e->next)
		if (e->p.peer == peer && (e->p.spi_in == spi || e->p.spi_out == spi)) {
			ent_delete(db, e, why);
			return 0;
		}
	return -ENOENT;
}

int sadb_delete_all(sadb *db, uint32_t ike_conn_id, enum sadb_reason why)
{
	/* Hooks may delete or install pairs: collect the ids first. */
	size_t n = 0;
	for (struct sadb_ent *e = db->head; e; e = e->next)
		n += !ike_conn_id || e->p.ike_conn_id == ike_conn_id;
	if (!n)
		return 0;
	uint32_t *ids = malloc(n * sizeof *ids);
	if (!ids)
		return -ENOMEM;
	size_t k = 0;
	for (struct sadb_ent *e = db->head; e && k < n; e = e->next)
		if (!ike_conn_id || e->p.ike_conn_id == ike_conn_id)
			ids[k++] = e->id;
	for (size_t i = 0; i < k; i++)
		sadb_delete(db, ids[i], why);
	free(ids);
	return (int)k;
}

void sadb_free(sadb *db)
{
	if (!db)
		return;
	while (db->head)
		ent_delete(db, db->head, SADB_DEL_SHUTDOWN);
	dp_free(db); /* drains the engine: dead pairs' last references go */
	free(db->slot_used);
	free(db->by_spi);
	free(db->by_id);
	espfab_wipe(db, sizeof *db);
	free(db);
}

/* ---- acquires ---- */

bool sadb_acquire(sadb *db, const ios_spd_result *r, const ios_flow *f)
{
	uint64_t now = evloop_now(db->loop);
	uint32_t dst = r->kind == IOS_SPD_DISCOVER ? f->dst : 0;
	struct sadb_acq *slot = NULL, *oldest = &db->acq[0];
	for (size_t i = 0; i < SADB_ACQ_SLOTS; i++) {
		struct sadb_acq *a = &db->acq[i];
		if (a->used && a->entry == r->entry && a->ace == r->ace && a->dst == dst) {
			slot = a;
			break;
		}
		if (!a->used || (oldest->used && a->last_ms < oldest->last_ms))
			oldest = a;
	}
	if (!slot) {
		slot = oldest;
		memset(slot, 0, sizeof *slot);
		slot->used = true;
		slot->entry = r->entry;
		slot->ace = r->ace;
		slot->dst = dst;
	} else if (now - slot->last_ms < SADB_ACQUIRE_INTERVAL_MS) {
		slot->drops++;
		db->st.acquires_limited++;
		return false;
	}
	slot->drops++;
	slot->last_ms = now;
	db->st.acquires++;
	char s[16], d[16];
	ELOG_DEBUG(ELOG_DBG_CRYPTO_IPSEC, "IPSEC(sa_request): , (key eng. msg.) OUTBOUND %s, src_proxy= %s, dest_proxy= %s, protocol= %u, crypto map %s %u",
		   r->kind == IOS_SPD_DISCOVER ? "discover" : "local", sadb_ip_str(f->src, s), sadb_ip_str(f->dst, d),
		   f->proto, r->map ? r->map->name : "?", r->entry ? r->entry->seq : 0);
	if (db->hooks.acquire)
		db->hooks.acquire(db->hooks.arg, r, f);
	return true;
}
