/*
 * ike_sa.c — the ISAKMP SA database, sending with retransmission, phase-1
 * payload encryption around the builder/parser, and the input dispatch.
 * Design: docs/ike.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "ike_int.h"

/* ---- small helpers ------------------------------------------------------ */

const char *ike_ip(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

const char *ike_ipstr(uint32_t a)
{
	static char ring[8][16];
	static unsigned i;
	return ike_ip(a, ring[i++ & 7]);
}

void ike_random(void *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1) {
		/* RAND_bytes does not fail on a seeded Linux system; never send
		 * predictable values if it does */
		elog_msg(ELOG_CRIT, "CRYPTO", "RANDOM", "random generator failed");
		abort();
	}
}

uint32_t ike_random32(void)
{
	uint32_t v;
	ike_random(&v, sizeof v);
	return v;
}

void ike_digest(const uint8_t *msg, size_t len, uint8_t out[IKE_DIGEST_LEN])
{
	struct ike_chunk c = { msg, len };
	if (ike_hash(IKE_HASH_SHA1, &c, 1, out) < 0)
		memset(out, 0, IKE_DIGEST_LEN);
}

void ike_bad_message(ike *k, uint32_t peer, const char *why)
{
	k->st.rx_bad++;
	elog_msg(ELOG_WARNING, "CRYPTO", "IKMP_BAD_MESSAGE",
		 "IKE message from %s failed its sanity check or is malformed", ike_ipstr(peer));
	if (why)
		IKE_DBG0("%s", why);
}

/* ---- states ------------------------------------------------------------- */

const char *ike_p1_state_name(int st)
{
	static const char *const n[] = {
		[IKE_READY] = "IKE_READY",	 [IKE_I_MM1] = "IKE_I_MM1", [IKE_I_MM2] = "IKE_I_MM2",
		[IKE_I_MM3] = "IKE_I_MM3",	 [IKE_I_MM4] = "IKE_I_MM4", [IKE_I_MM5] = "IKE_I_MM5",
		[IKE_I_MM6] = "IKE_I_MM6",	 [IKE_R_MM1] = "IKE_R_MM1", [IKE_R_MM2] = "IKE_R_MM2",
		[IKE_R_MM3] = "IKE_R_MM3",	 [IKE_R_MM4] = "IKE_R_MM4", [IKE_R_MM5] = "IKE_R_MM5",
		[IKE_P1_COMPLETE] = "IKE_P1_COMPLETE", [IKE_DEST_SA] = "IKE_DEST_SA",
	};
	return st >= 0 && (size_t)st < sizeof n / sizeof n[0] && n[st] ? n[st] : "UNKNOWN";
}

/* The state `show crypto isakmp sa` and the "(I) MM_NO_STATE" of the
 * debug lines print: what has been sent so far. */
const char *ike_p1_show_state(int st)
{
	switch (st) {
	case IKE_READY:
	case IKE_I_MM1:
	case IKE_I_MM2:
	case IKE_R_MM1:
		return "MM_NO_STATE";
	case IKE_I_MM3:
	case IKE_I_MM4:
	case IKE_R_MM2:
	case IKE_R_MM3:
		return "MM_SA_SETUP";
	case IKE_I_MM5:
	case IKE_R_MM4:
	case IKE_R_MM5:
	case IKE_I_MM6:
		return "MM_KEY_EXCH";
	case IKE_P1_COMPLETE:
		return "QM_IDLE";
	default:
		return "MM_NO_STATE";
	}
}

const char *ike_qm_state_name(int st)
{
	static const char *const n[] = { "IKE_QM_READY", "IKE_QM_I_QM1", "IKE_QM_SPI_STARVE", "IKE_QM_R_QM2",
					 "IKE_QM_PHASE2_COMPLETE" };
	return st >= 0 && (size_t)st < sizeof n / sizeof n[0] ? n[st] : "UNKNOWN";
}

void ike_sa_set_state(struct ike_sa *sa, int st, const char *input)
{
	if (input)
		IKE_DBG(sa, "Input = %s", input);
	IKE_DBG(sa, "Old State = %s New State = %s", ike_p1_state_name(sa->state), ike_p1_state_name(st));
	sa->state = st;
}

void ike_qm_set_state(struct ike_qm *qm, int st, const char *input)
{
	if (input)
		IKE_DBG(qm->sa, "Node %u, Input = %s", qm->msgid, input);
	IKE_DBG(qm->sa, "Old State = %s New State = %s", ike_qm_state_name(qm->state), ike_qm_state_name(st));
	qm->state = st;
}

/* ---- sending ------------------------------------------------------------ */

static void tx_timer(evloop *l, evloop_timer *t, void *arg);
static void life_timer(evloop *l, evloop_timer *t, void *arg);
static void natka_timer(evloop *l, evloop_timer *t, void *arg);
static void soft_timer(evloop *l, evloop_timer *t, void *arg);

int ike_send_raw(ike *k, struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	int r = k->p.send(k->p.send_arg, sa->natt, sa->local, sa->peer, sa->peer_port, msg, len);
	k->st.tx++;
	return r;
}

void ike_tx_clear(ike *k, struct ike_tx *tx)
{
	evloop_timer_stop(k->p.loop, &tx->timer);
	free(tx->buf);
	tx->buf = NULL;
	tx->len = 0;
	tx->tries = 0;
	tx->expect_reply = false;
}

int ike_tx_send(ike *k, struct ike_tx *tx, const uint8_t *msg, size_t len, int natt, uint32_t local, uint32_t peer,
		uint16_t port, bool expect_reply)
{
	evloop_timer_stop(k->p.loop, &tx->timer);
	uint8_t *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	free(tx->buf);
	tx->buf = copy;
	tx->len = len;
	tx->natt = natt;
	tx->local = local;
	tx->peer = peer;
	tx->port = port;
	tx->tries = 0;
	tx->expect_reply = expect_reply;
	k->st.tx++;
	int r = k->p.send(k->p.send_arg, natt, local, peer, port, msg, len);
	if (expect_reply)
		evloop_timer_start(k->p.loop, &tx->timer, k->p.retrans_ms, 0);
	return r;
}

int ike_tx_resend(ike *k, struct ike_tx *tx)
{
	if (!tx->buf)
		return -ENOENT;
	k->st.tx++;
	return k->p.send(k->p.send_arg, tx->natt, tx->local, tx->peer, tx->port, tx->buf, tx->len);
}

/* Which exchange a retransmission timer belongs to. */
static void tx_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_sa *sa = arg;
	ike *k = sa->k;
	struct ike_tx *tx = &sa->tx;
	if (tx->tries >= k->p.retrans_max) {
		IKE_DBG(sa, "retransmission limit reached (%u)", tx->tries);
		elog_msg(ELOG_NOTICE, "CRYPTO", "IKMP_MODE_FAILURE",
			 "Processing of Main mode failed with peer at %s: no response after %u retransmissions",
			 ike_ipstr(sa->peer), tx->tries);
		k->st.p1_failed++;
		ike_sa_delete(sa, "Death by retransmission P1");
		return;
	}
	tx->tries++;
	k->st.retrans++;
	IKE_DBG(sa, "retransmitting phase 1 %s...", ike_p1_show_state(sa->state));
	IKE_DBG(sa, "incrementing error counter on sa, attempt %u of %u: retransmit phase 1", tx->tries,
		k->p.retrans_max);
	ike_tx_resend(k, tx);
	evloop_timer_start(k->p.loop, &tx->timer, (uint64_t)k->p.retrans_ms << (tx->tries < 4 ? tx->tries : 4), 0);
}

/* ---- encryption around the builder -------------------------------------- */

int ike_seal(struct ike_sa *sa, struct isakmp_builder *b, uint8_t *iv, size_t *total)
{
	struct ike_keys *ks = sa->keys;
	size_t plen = 0, room = 0;
	if (!b->finished && isakmp_build_finish(b, NULL) < 0)
		return -1;
	uint8_t *chain = isakmp_build_chain(b, &plen, &room);
	if (!chain || plen == 0)
		return -1;
	size_t ct = 0;
	if (ike_encrypt(ks->encr, ks->enc_key, ks->key_len, iv, iv, chain, plen, chain, room, &ct) < 0)
		return -1;
	return isakmp_build_seal(b, ct, total);
}

int ike_open(struct ike_sa *sa, struct isakmp_msg *m, const uint8_t *iv, uint8_t *next_iv)
{
	ike *k = sa->k;
	struct ike_keys *ks = sa->keys;
	if (!ks || !m->encrypted)
		return -1;
	int n = ike_decrypt(ks->encr, ks->enc_key, ks->key_len, iv, next_iv, m->enc, m->enc_len, k->plain,
			    sizeof k->plain);
	if (n < 0) {
		IKE_DBG(sa, "decryption failed: %s", ike_crypto_strerror(n));
		return -1;
	}
	enum isakmp_err e = isakmp_parse_decrypted(m, k->plain, (size_t)n, (size_t)n);
	if (e != ISAKMP_OK) {
		IKE_DBG(sa, "decrypted message is malformed: %s (%s)", isakmp_err_name(e), m->err.reason);
		return -1;
	}
	return 0;
}

/* ---- the database ------------------------------------------------------- */

uint32_t ike_new_conn_id(ike *k)
{
	for (;;) {
		uint32_t id = k->next_conn_id++;
		if (k->next_conn_id > 32767)
			k->next_conn_id = 1;
		if (!id)
			continue;
		bool used = false;
		for (struct ike_sa *s = k->sas; s; s = s->next)
			used |= s->conn_id == id;
		if (!used)
			return id;
	}
}

struct ike_sa *ike_sa_new(ike *k, bool initiator, uint32_t local, uint32_t peer)
{
	struct ike_sa *sa = calloc(1, sizeof *sa);
	if (!sa)
		return NULL;
	sa->refs = 1; /* the list's */
	sa->k = k;
	sa->conn_id = ike_new_conn_id(k);
	sa->initiator = initiator;
	sa->local = local;
	sa->peer = peer;
	sa->local_port = k->p.ike_port;
	sa->peer_port = ISAKMP_PORT;
	sa->created_ms = evloop_now(k->p.loop);
	evloop_timer_init(&sa->tx.timer, tx_timer, sa);
	evloop_timer_init(&sa->life_timer, life_timer, sa);
	evloop_timer_init(&sa->soft_timer, soft_timer, sa);
	evloop_timer_init(&sa->dpd_timer, ike_dpd_timer, sa);
	evloop_timer_init(&sa->natka_timer, natka_timer, sa);
	ike_random(initiator ? sa->icookie : sa->rcookie, ISAKMP_COOKIE_LEN);
	sa->next = k->sas;
	k->sas = sa;
	sa->linked = true;
	return sa;
}

struct ike_sa *ike_sa_ref(struct ike_sa *sa)
{
	if (sa)
		sa->refs++;
	return sa;
}

static void sa_free(struct ike_sa *sa)
{
	ike *k = sa->k;
	ike_tx_clear(k, &sa->tx);
	ike_keys_free(sa->keys);
	free(sa->sai_b);
	while (sa->pending) {
		struct ike_qm_req *r = sa->pending;
		sa->pending = r->next;
		free(r);
	}
	espfab_wipe(sa, sizeof *sa);
	free(sa);
}

void ike_sa_unref(struct ike_sa *sa)
{
	if (sa && --sa->refs == 0)
		sa_free(sa);
}

void ike_sa_delete(struct ike_sa *sa, const char *reason)
{
	if (!sa || sa->dead)
		return;
	ike *k = sa->k;
	IKE_DBG(sa, "deleting SA reason \"%s\" state (%s) %s (peer %s)", reason, sa->initiator ? "I" : "R",
		ike_p1_show_state(sa->state), ike_ipstr(sa->peer));
	if (sa->state != IKE_P1_COMPLETE)
		ike_sa_set_state(sa, IKE_DEST_SA, NULL);
	sa->dead = true;
	evloop_timer_stop(k->p.loop, &sa->tx.timer);
	evloop_timer_stop(k->p.loop, &sa->life_timer);
	evloop_timer_stop(k->p.loop, &sa->soft_timer);
	evloop_timer_stop(k->p.loop, &sa->dpd_timer);
	evloop_timer_stop(k->p.loop, &sa->natka_timer);
	while (sa->qms) {
		struct ike_qm *qm = sa->qms;
		sa->qms = qm->next;
		ike_qm_free(k, qm); /* drops qm's ref; the list's ref keeps sa alive */
	}
	if (sa->linked) {
		for (struct ike_sa **pp = &k->sas; *pp; pp = &(*pp)->next)
			if (*pp == sa) {
				*pp = sa->next;
				break;
			}
		sa->linked = false;
		ike_sa_unref(sa);
	}
}

struct ike_sa *ike_sa_find(ike *k, const uint8_t *icookie, const uint8_t *rcookie)
{
	static const uint8_t zero[ISAKMP_COOKIE_LEN];
	for (struct ike_sa *s = k->sas; s; s = s->next) {
		if (memcmp(s->icookie, icookie, ISAKMP_COOKIE_LEN))
			continue;
		if (!rcookie || !memcmp(rcookie, zero, ISAKMP_COOKIE_LEN) ||
		    !memcmp(s->rcookie, rcookie, ISAKMP_COOKIE_LEN))
			return s;
		/* our MM1 got its first answer: the responder cookie is new */
		if (s->initiator && s->state == IKE_I_MM1 && !memcmp(s->rcookie, zero, ISAKMP_COOKIE_LEN))
			return s;
	}
	return NULL;
}

struct ike_sa *ike_sa_find_peer(ike *k, uint32_t peer, bool established)
{
	struct ike_sa *best = NULL;
	for (struct ike_sa *s = k->sas; s; s = s->next) {
		if (s->peer != peer || s->dead)
			continue;
		if (established && (s->state != IKE_P1_COMPLETE || s->expiring))
			continue;
		if (!best || s->created_ms >= best->created_ms)
			best = s;
	}
	return best;
}

unsigned ike_half_open(const ike *k, uint32_t peer)
{
	unsigned n = 0;
	for (const struct ike_sa *s = k->sas; s; s = s->next)
		if (s->state != IKE_P1_COMPLETE && (!peer || s->peer == peer))
			n++;
	return n;
}

static void life_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_sa *sa = arg;
	IKE_DBG(sa, "SA lifetime of %u seconds expired", sa->lifetime);
	uint8_t spi[16];
	memcpy(spi, sa->icookie, 8);
	memcpy(spi + 8, sa->rcookie, 8);
	ike_info_send_delete(sa, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
	ike_sa_delete(sa, "IKE SA lifetime expired");
}

static void soft_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_sa *sa = arg;
	sa->expiring = true;
	IKE_DBG(sa, "SA soft lifetime reached: new quick modes will use a new ISAKMP SA");
}

void ike_sa_established(struct ike_sa *sa)
{
	ike *k = sa->k;
	sa->established_ms = evloop_now(k->p.loop);
	k->st.p1_done++;
	uint64_t life = (uint64_t)(sa->lifetime ? sa->lifetime : 86400) * 1000;
	evloop_timer_start(k->p.loop, &sa->life_timer, life, 0);
	evloop_timer_start(k->p.loop, &sa->soft_timer, life * 9 / 10, 0);
	ike_dpd_start(sa);
	/* NAT keepalives: once NAT-T is in use (NAT found on either side, as
	 * IOS decides) the mapping must not time out between ESP packets. */
	if (sa->natt && k->p.keepalive) {
		uint64_t iv = (uint64_t)ike_natt_keepalive_interval(k) * 1000;
		evloop_timer_start(k->p.loop, &sa->natka_timer, iv, iv);
	}
}

uint32_t ike_natt_keepalive_interval(const ike *k)
{
	return k->cfg->natt_keepalive ? k->cfg->natt_keepalive : 20;
}

static void natka_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_sa *sa = arg;
	ike *k = sa->k;
	if (sa->state != IKE_P1_COMPLETE || !k->p.keepalive)
		return;
	int r = k->p.keepalive(k->p.send_arg, sa->local, sa->peer, sa->peer_port);
	if (r == 0)
		k->st.natt_keepalive_tx++;
	IKE_DBG(sa, "NAT keepalive sent to %s:%u%s", ike_ipstr(sa->peer), sa->peer_port, r ? " (send failed)" : "");
}

unsigned ike_count_sa(const ike *k, bool established)
{
	unsigned n = 0;
	for (const struct ike_sa *s = k->sas; s; s = s->next)
		if ((s->state == IKE_P1_COMPLETE) == established)
			n++;
	return n;
}

const char *ike_peer_state(const ike *k, uint32_t peer)
{
	const struct ike_sa *best = NULL;
	for (const struct ike_sa *s = k->sas; s; s = s->next)
		if (s->peer == peer && (!best || s->created_ms >= best->created_ms))
			best = s;
	return best ? ike_p1_show_state(best->state) : NULL;
}

const struct ike_stats *ike_get_stats(const ike *k)
{
	return &k->st;
}

/* ---- life cycle --------------------------------------------------------- */

int ike_new(const struct ike_params *p, ike **out)
{
	*out = NULL;
	if (!p || !p->cfg || !p->loop || !p->send)
		return -EINVAL;
	if (ike_crypto_init() < 0)
		return -EIO;
	ike *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->p = *p;
	k->cfg = p->cfg;
	if (!k->p.retrans_ms)
		k->p.retrans_ms = 2000;
	if (!k->p.retrans_max)
		k->p.retrans_max = 5;
	if (!k->p.max_half_open)
		k->p.max_half_open = 256;
	if (!k->p.max_half_open_peer)
		k->p.max_half_open_peer = 16;
	if (!k->p.qm_linger_ms)
		k->p.qm_linger_ms = 10000;
	if (!k->p.ike_port)
		k->p.ike_port = ISAKMP_PORT;
	if (!k->p.natt_port)
		k->p.natt_port = ISAKMP_NATT_PORT;
	k->next_conn_id = 1;
	*out = k;
	return 0;
}

void ike_free(ike *k)
{
	if (!k)
		return;
	while (k->sas)
		ike_sa_delete(k->sas, "shutdown");
	ike_pairs_free(k);
	ike_ted_free(k);
	espfab_wipe(k->plain, sizeof k->plain);
	espfab_wipe(k->out, sizeof k->out);
	free(k);
}

/* ---- input -------------------------------------------------------------- */

void ike_input_hook(void *arg, uint16_t local_port, const uint8_t *msg, size_t len, const netio_dgram *m)
{
	ike_input(arg, local_port, msg, len, m);
}

void ike_input(ike *k, uint16_t local_port, const uint8_t *buf, size_t len, const netio_dgram *d)
{
	struct isakmp_msg *m = &k->msg;
	k->st.rx++;
	enum isakmp_err e = isakmp_parse(m, buf, len, 0);
	if (e != ISAKMP_OK) {
		IKE_DBG0("received packet from %s dport %u sport %u: %s (%s)", ike_ipstr(d->peer), local_port,
			 d->peer_port, isakmp_err_name(e), m->err.reason);
		ike_bad_message(k, d->peer, NULL);
		/* a notify only when the header was readable (cookies known) */
		if (m->err.notify && len >= ISAKMP_HDR_LEN && e >= ISAKMP_E_LEN_FIELD_SHORT &&
		    e != ISAKMP_E_ICOOKIE_ZERO)
			ike_notify_plain(k, buf, buf + 8, d->local, d->peer, d->peer_port,
					 local_port == k->p.natt_port, m->err.notify);
		return;
	}
	struct ike_sa *sa = ike_sa_find(k, m->icookie, m->rcookie);
	if (sa && sa->peer != d->peer && !sa->natt) {
		/* same cookies from another address: not ours (NAT-T may move the port, not the address) */
		IKE_DBG(sa, "packet from %s does not belong to this SA (peer %s)", ike_ipstr(d->peer),
			ike_ipstr(sa->peer));
		ike_bad_message(k, d->peer, NULL);
		return;
	}
	switch (m->exchange) {
	case ISAKMP_EXCH_IDPROT:
		if (!sa) {
			static const uint8_t zero[8];
			if (memcmp(m->rcookie, zero, 8)) {
				IKE_DBG0("received packet from %s dport %u sport %u: no SA for these cookies",
					 ike_ipstr(d->peer), local_port, d->peer_port);
				ike_notify_plain(k, m->icookie, m->rcookie, d->local, d->peer, d->peer_port,
						 local_port == k->p.natt_port, ISAKMP_N_INVALID_COOKIE);
				k->st.rx_bad++;
				return;
			}
			ike_mm_responder_new(k, m, d, local_port);
			return;
		}
		ike_sa_ref(sa);
		ike_mm_input(k, sa, m, d, local_port);
		ike_sa_unref(sa);
		return;
	case ISAKMP_EXCH_QUICK:
		if (!sa || sa->state != IKE_P1_COMPLETE) {
			IKE_DBG0("received quick mode from %s with no established ISAKMP SA", ike_ipstr(d->peer));
			ike_bad_message(k, d->peer, NULL);
			return;
		}
		ike_sa_ref(sa);
		ike_qm_input(k, sa, m);
		ike_sa_unref(sa);
		return;
	case ISAKMP_EXCH_ESPFAB_TED:
		ike_ted_input(k, m, d);
		return;
	case ISAKMP_EXCH_INFO:
		ike_sa_ref(sa);
		ike_info_input(k, sa, m, d);
		ike_sa_unref(sa);
		return;
	default:
		IKE_DBG0("received %s exchange from %s: not supported", isakmp_exchange_name(m->exchange),
			 ike_ipstr(d->peer));
		if (sa && sa->state == IKE_P1_COMPLETE)
			ike_info_send_notify(sa, ISAKMP_PROTO_ISAKMP, NULL, 0, ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, NULL,
					     0);
		else
			ike_notify_plain(k, m->icookie, m->rcookie, d->local, d->peer, d->peer_port,
					 local_port == k->p.natt_port, ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE);
		k->st.rx_bad++;
		return;
	}
}
