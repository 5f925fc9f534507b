/*
 * ike_info.c — informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7):
 * notify and delete, both ways; DPD (RFC 3706) R-U-THERE / R-U-THERE-ACK.
 *
 * On an established ISAKMP SA every informational message is encrypted
 * and carries HASH(1) = prf(SKEYID_a, M-ID | N/D) first; its IV is
 * hash(last phase-1 block | M-ID).  Before phase 1 is done, errors go out
 * in the clear (rate-limited: unauthenticated answers must not become an
 * amplifier) and unauthenticated notifies received are only logged, except
 * that an answer to our own MM1 (the only thing that carried our cookie)
 * ends that negotiation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

#define NOTIFY_PER_SECOND 20

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ike_notify_plain(ike *k, const uint8_t *icookie, const uint8_t *rcookie, uint32_t local, uint32_t peer,
		      uint16_t port, int natt, uint16_t type)
{
	uint64_t now = evloop_now(k->p.loop);
	if (now - k->notify_window_ms >= 1000 || !k->notify_window_ms) {
		k->notify_window_ms = now ? now : 1;
		k->notify_in_window = 0;
	}
	if (++k->notify_in_window > NOTIFY_PER_SECOND)
		return;
	struct isakmp_hdr_spec h = { icookie, rcookie, ISAKMP_EXCH_INFO, 0, 0, false };
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	uint8_t spi[16];
	memcpy(spi, icookie, 8);
	memcpy(spi + 8, rcookie, 8);
	struct isakmp_notify_spec n = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, type, spi, NULL, 0 };
	isakmp_add_notify(&b, &n);
	size_t len = 0;
	if (isakmp_build_finish(&b, &len) < 0)
		return;
	IKE_DBG0("sending notify %s to %s", isakmp_notify_name(type), ike_ipstr(peer));
	k->st.tx++;
	k->p.send(k->p.send_arg, natt, local, peer, port, k->out, len);
}

/* Build and send one encrypted informational message holding one N or D. */
static int info_send(struct ike_sa *sa, const struct isakmp_notify_spec *n, const struct isakmp_delete_spec *d)
{
	ike *k = sa->k;
	if (!sa->keys || sa->state != IKE_P1_COMPLETE)
		return -ENOTCONN;
	uint32_t msgid;
	do
		msgid = ike_random32();
	while (!msgid);
	uint8_t mid[4], iv[IKE_BLOCK_MAX];
	put32(mid, msgid);
	if (ike_phase2_iv(sa->hash, sa->keys->iv, sa->keys->block_len, mid, iv) < 0)
		return -EIO;
	struct isakmp_hdr_spec h = { sa->icookie, sa->rcookie, ISAKMP_EXCH_INFO, 0, msgid, false };
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	int hh = isakmp_add_hash(&b, NULL, sa->keys->prf_len);
	if (n)
		isakmp_add_notify(&b, n);
	if (d)
		isakmp_add_delete(&b, d);
	if (isakmp_build_finish(&b, NULL) < 0)
		return -EMSGSIZE;
	size_t rl = 0, hl = 0;
	const uint8_t *rest = isakmp_build_after(&b, hh, &rl);
	uint8_t *hb = isakmp_build_body_mut(&b, hh, &hl);
	uint8_t out[IKE_PRF_MAX];
	int r = rest && hb ? ike_info_hash(sa->hash, sa->keys->skeyid_a, mid, rest, rl, out) : -1;
	if (r < 0 || (size_t)r != hl)
		return -EIO;
	memcpy(hb, out, hl);
	size_t len = 0;
	if (ike_seal(sa, &b, iv, &len) < 0)
		return -EIO;
	IKE_DBG(sa, "sending packet to %s my_port %u peer_port %u (%s) QM_IDLE", ike_ipstr(sa->peer), sa->local_port,
		sa->peer_port, sa->initiator ? "I" : "R");
	return ike_send_raw(k, sa, k->out, len);
}

int ike_info_send_notify(struct ike_sa *sa, uint8_t proto, const uint8_t *spi, uint8_t spi_size, uint16_t type,
			 const uint8_t *data, uint16_t data_len)
{
	uint8_t ck[16];
	if (proto == ISAKMP_PROTO_ISAKMP && !spi) {
		memcpy(ck, sa->icookie, 8);
		memcpy(ck + 8, sa->rcookie, 8);
		spi = ck;
		spi_size = 16;
	}
	struct isakmp_notify_spec n = { ISAKMP_DOI_IPSEC, proto, spi_size, type, spi, data, data_len };
	IKE_DBG(sa, "sending notify %s", isakmp_notify_name(type));
	return info_send(sa, &n, NULL);
}

int ike_info_send_delete(struct ike_sa *sa, uint8_t proto, const uint8_t *spis, uint8_t spi_size, uint16_t nspi)
{
	struct isakmp_delete_spec d = { ISAKMP_DOI_IPSEC, proto, spi_size, nspi, spis };
	if (proto == ISAKMP_PROTO_ESP && spi_size == 4)
		IKE_DBG(sa, "sending delete for ESP spi 0x%08X", get32(spis));
	else
		IKE_DBG(sa, "purging SA., sa=%u: sending ISAKMP delete", sa->conn_id);
	int r = info_send(sa, NULL, &d);
	if (r == 0)
		sa->k->st.deletes_tx++;
	return r;
}

/* ---- DPD ------------------------------------------------------------------- */

void ike_dpd_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_sa *sa = arg;
	ike *k = sa->k;
	const ios_config *cfg = k->cfg;
	if (sa->dpd_outstanding) {
		if (++sa->dpd_missed > 5) {
			elog_msg(ELOG_NOTICE, "CRYPTO", "IKMP_PEER_DEAD",
				 "peer %s is not responding to DPD: ISAKMP SA %u and its IPsec SAs deleted",
				 ike_ipstr(sa->peer), sa->conn_id);
			ike_pairs_forget_peer(k, sa->peer, 0);
			ike_sa_delete(sa, "DPD: peer dead");
			return;
		}
	}
	uint8_t seq[4];
	put32(seq, ++sa->dpd_seq);
	IKE_DBG(sa, "DPD/R_U_THERE sent to %s, sequence %u", ike_ipstr(sa->peer), sa->dpd_seq);
	ike_info_send_notify(sa, ISAKMP_PROTO_ISAKMP, NULL, 0, ISAKMP_N_DPD_R_U_THERE, seq, 4);
	sa->dpd_outstanding = true;
	uint32_t next = sa->dpd_outstanding && sa->dpd_missed ? cfg->dpd_retry : cfg->dpd_interval;
	evloop_timer_start(k->p.loop, &sa->dpd_timer, (uint64_t)(next ? next : 2) * 1000, 0);
}

void ike_dpd_start(struct ike_sa *sa)
{
	const ios_config *cfg = sa->k->cfg;
	if (!cfg->dpd_interval || !sa->peer_dpd || !cfg->dpd_periodic)
		return; /* on-demand DPD (no periodic): we only answer */
	evloop_timer_start(sa->k->p.loop, &sa->dpd_timer, (uint64_t)cfg->dpd_interval * 1000, 0);
}

/* ---- receiving -------------------------------------------------------------- */

static void process_delete(ike *k, struct ike_sa *sa, const struct isakmp_payload *p)
{
	k->st.deletes_rx++;
	if (p->u.d.proto == ISAKMP_PROTO_ISAKMP && p->u.d.spi_size == 16) {
		for (unsigned i = 0; i < p->u.d.nspi; i++) {
			const uint8_t *c = p->u.d.spis + 16 * i;
			struct ike_sa *x = ike_sa_find(k, c, c + 8);
			if (x && x->peer == sa->peer) {
				IKE_DBG(sa, "processing delete for ISAKMP SA %u", x->conn_id);
				ike_sa_delete(x, "peer deleted it");
			}
		}
		return;
	}
	if (p->u.d.proto == ISAKMP_PROTO_ESP && p->u.d.spi_size == 4) {
		for (unsigned i = 0; i < p->u.d.nspi; i++) {
			uint32_t spi = get32(p->u.d.spis + 4 * i);
			IKE_DBG(sa, "processing delete for ESP spi 0x%08X from %s", spi, ike_ipstr(sa->peer));
			/* a quick mode still in progress for it (the peer could not
			 * install the pair): it ends, no more retransmissions */
			for (struct ike_qm *q = sa->qms; q; q = q->next)
				if (!q->done && (q->spi_in == spi || q->spi_out == spi)) {
					IKE_DBG(sa, "peer deleted spi 0x%08X: quick mode node %u ends", spi, q->msgid);
					elog_msg(ELOG_INFO, "CRYPTO", "IKMP_MODE_FAILURE",
						 "Processing of Quick mode failed with peer at %s: peer deleted spi 0x%08X",
						 ike_ipstr(sa->peer), spi);
					ike_tx_clear(k, &q->tx);
					evloop_timer_start(k->p.loop, &q->linger, k->p.qm_linger_ms, 0);
					q->done = true;
					k->st.p2_failed++;
				}
			for (struct ike_pair **pp = &k->pairs; *pp; pp = &(*pp)->next) {
				struct ike_pair *x = *pp;
				if (x->peer == sa->peer && (x->spi_out == spi || x->spi_in == spi)) {
					*pp = x->next;
					free(x);
					break;
				}
			}
			if (k->p.db && sadb_delete_spi(k->p.db, sa->peer, spi, SADB_DEL_IKE) < 0)
				IKE_DBG(sa, "no SA pair with spi 0x%08X", spi);
		}
		return;
	}
	IKE_DBG(sa, "delete for protocol %u ignored", p->u.d.proto);
}

static void process_notify(ike *k, struct ike_sa *sa, const struct isakmp_payload *p, uint32_t msgid)
{
	uint16_t t = p->u.n.type;
	switch (t) {
	case ISAKMP_N_DPD_R_U_THERE:
		k->st.dpd_rx++;
		if (p->u.n.data_len == 4) {
			IKE_DBG(sa, "received DPD/R_U_THERE from peer %s, sequence 0x%08X", ike_ipstr(sa->peer),
				get32(p->u.n.data));
			IKE_DBG(sa, "DPD/R_U_THERE_ACK sent to peer %s", ike_ipstr(sa->peer));
			ike_info_send_notify(sa, ISAKMP_PROTO_ISAKMP, NULL, 0, ISAKMP_N_DPD_R_U_THERE_ACK, p->u.n.data, 4);
			k->st.dpd_ack_tx++;
		}
		return;
	case ISAKMP_N_DPD_R_U_THERE_ACK:
		if (p->u.n.data_len == 4 && get32(p->u.n.data) == sa->dpd_seq) {
			IKE_DBG(sa, "received DPD/R_U_THERE_ACK from peer %s, sequence %u", ike_ipstr(sa->peer),
				sa->dpd_seq);
			sa->dpd_outstanding = false;
			sa->dpd_missed = 0;
			if (evloop_timer_armed(&sa->dpd_timer))
				evloop_timer_start(k->p.loop, &sa->dpd_timer, (uint64_t)k->cfg->dpd_interval * 1000, 0);
		}
		return;
	case IPSEC_N_INITIAL_CONTACT:
		IKE_DBG(sa, "processing NOTIFY INITIAL_CONTACT protocol %u (informational): ignored", p->u.n.proto);
		return;
	default:
		break;
	}
	IKE_DBG(sa, "processing NOTIFY %s protocol %u spi_size %u message ID = %u", isakmp_notify_name(t),
		p->u.n.proto, p->u.n.spi_size, msgid);
	if (t < 16384) {
		elog_msg(ELOG_INFO, "CRYPTO", "IKMP_NOTIFY", "peer %s sent notify %s (%u)", ike_ipstr(sa->peer),
			 isakmp_notify_name(t), t);
		/* an error about a quick mode in progress ends it */
		if (p->u.n.proto == ISAKMP_PROTO_ESP && p->u.n.spi_size == 4) {
			uint32_t spi = get32(p->u.n.spi);
			for (struct ike_qm *q = sa->qms; q; q = q->next)
				if (!q->done && (q->spi_in == spi || q->spi_out == spi)) {
					evloop_timer_stop(k->p.loop, &q->tx.timer);
					evloop_timer_start(k->p.loop, &q->linger, 0, 0);
					q->done = true;
					k->st.p2_failed++;
				}
		}
	}
}

void ike_info_input(ike *k, struct ike_sa *sa, struct isakmp_msg *m, const netio_dgram *d)
{
	if (!sa) {
		if (!m->encrypted)
			for (unsigned i = 0; i < m->npayloads; i++)
				if (m->pl[i].type == ISAKMP_NP_N)
					IKE_DBG0("received unauthenticated notify %s from %s without an SA: ignored",
						 isakmp_notify_name(m->pl[i].u.n.type), ike_ipstr(d->peer));
		return;
	}
	if (!m->encrypted || sa->state != IKE_P1_COMPLETE) {
		if (m->encrypted) {
			IKE_DBG(sa, "encrypted informational before phase 1 completed: dropped");
			return;
		}
		for (unsigned i = 0; i < m->npayloads; i++) {
			if (m->pl[i].type != ISAKMP_NP_N)
				continue;
			uint16_t t = m->pl[i].u.n.type;
			IKE_DBG(sa, "Notify has no hash. Rejected unless it ends our own main mode: %s",
				isakmp_notify_name(t));
			elog_msg(ELOG_INFO, "CRYPTO", "IKMP_NOTIFY", "peer %s sent notify %s (%u) during main mode",
				 ike_ipstr(d->peer), isakmp_notify_name(t), t);
			if (sa->initiator && sa->state == IKE_I_MM1 && t < 16384) {
				k->st.p1_failed++;
				elog_msg(ELOG_INFO, "CRYPTO", "IKMP_MODE_FAILURE",
					 "Processing of Main mode failed with peer at %s: %s", ike_ipstr(sa->peer),
					 isakmp_notify_name(t));
				ike_sa_delete(sa, "peer refused main mode");
				return;
			}
		}
		return;
	}
	uint8_t mid[4], iv[IKE_BLOCK_MAX], next[IKE_BLOCK_MAX];
	put32(mid, m->msgid);
	if (ike_phase2_iv(sa->hash, sa->keys->iv, sa->keys->block_len, mid, iv) < 0 || ike_open(sa, m, iv, next) < 0) {
		ike_bad_message(k, d->peer, "informational message does not decrypt");
		return;
	}
	if (m->npayloads < 1 || m->pl[0].type != ISAKMP_NP_HASH) {
		ike_bad_message(k, d->peer, "informational message without HASH");
		return;
	}
	size_t rl = 0;
	const uint8_t *rest = isakmp_msg_after(m, &m->pl[0], &rl);
	uint8_t want[IKE_PRF_MAX];
	int hl = ike_info_hash(sa->hash, sa->keys->skeyid_a, mid, rest, rl, want);
	if (hl < 0 || m->pl[0].body_len != (size_t)hl || !ike_hash_equal(want, m->pl[0].body, (size_t)hl)) {
		ike_bad_message(k, d->peer, "informational HASH does not match");
		return;
	}
	IKE_DBG(sa, "received packet from %s dport %u sport %u Global (%s) QM_IDLE", ike_ipstr(d->peer),
		sa->local_port, d->peer_port, sa->initiator ? "I" : "R");
	ike_sa_ref(sa);
	for (unsigned i = 1; i < m->npayloads && !sa->dead; i++) {
		const struct isakmp_payload *p = &m->pl[i];
		if (p->type == ISAKMP_NP_D)
			process_delete(k, sa, p);
		else if (p->type == ISAKMP_NP_N)
			process_notify(k, sa, p, m->msgid);
	}
	ike_sa_unref(sa);
}
