/*
 * ike_quick_mode.c — IKEv1 quick mode (RFC 2409 §5.5), initiator and
 * responder, with and without PFS; KEYMAT into SA pairs for the SADB;
 * the SADB's acquire and expire hooks.
 *
 *   I: QM1* HASH(1), SA, Ni [, KE] [, IDci, IDcr]        IKE_QM_I_QM1
 *   R: QM2* HASH(2), SA, Nr [, KE] [, IDci, IDcr] [, N(RESPONDER-LIFETIME)]
 *                                                        IKE_QM_SPI_STARVE -> IKE_QM_R_QM2
 *   I: QM3* HASH(3)                                      IKE_QM_PHASE2_COMPLETE on both
 *
 * The initiator installs the pair when QM2 checks out (before QM3 leaves),
 * the responder when QM3 does, as IOS does.  A finished exchange lingers
 * (qm_linger_ms) so a retransmitted QM2 gets QM3 again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const char *role(const struct ike_sa *sa)
{
	return sa->initiator ? "I" : "R";
}

const ios_interface *ike_map_interface(const ios_config *cfg, const ios_crypto_map *map)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].crypto_map == map)
			return &cfg->ifaces[i];
	return NULL;
}

/* The entry whose settings (transform sets, PFS, lifetimes) apply. */
static const ios_map_entry *settings(const struct ike_qm_req *r)
{
	return r->dyn_entry ? r->dyn_entry : r->entry;
}

/* ---- life cycle ----------------------------------------------------------- */

static void qm_tx_timer(evloop *l, evloop_timer *t, void *arg);
static void qm_linger_timer(evloop *l, evloop_timer *t, void *arg);

static struct ike_qm *qm_new(struct ike_sa *sa, bool initiator, uint32_t msgid)
{
	struct ike_qm *qm = calloc(1, sizeof *qm);
	if (!qm)
		return NULL;
	qm->sa = ike_sa_ref(sa);
	qm->initiator = initiator;
	qm->msgid = msgid;
	evloop_timer_init(&qm->tx.timer, qm_tx_timer, qm);
	evloop_timer_init(&qm->linger, qm_linger_timer, qm);
	qm->next = sa->qms;
	sa->qms = qm;
	uint8_t mid[4];
	put32(mid, msgid);
	ike_phase2_iv(sa->hash, sa->keys->iv, sa->keys->block_len, mid, qm->iv);
	return qm;
}

void ike_qm_free(ike *k, struct ike_qm *qm)
{
	if (!qm)
		return;
	ike_tx_clear(k, &qm->tx);
	evloop_timer_stop(k->p.loop, &qm->linger);
	ike_dh_free(qm->dh);
	struct ike_sa *sa = qm->sa;
	espfab_wipe(qm, sizeof *qm);
	free(qm);
	ike_sa_unref(sa);
}

/* Unlink from the SA and free. */
static void qm_delete(struct ike_qm *qm, bool error, const char *reason)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	IKE_DBG(sa, "deleting node %u error %s reason \"%s\"", qm->msgid, error ? "TRUE" : "FALSE", reason);
	for (struct ike_qm **pp = &sa->qms; *pp; pp = &(*pp)->next)
		if (*pp == qm) {
			*pp = qm->next;
			break;
		}
	ike_qm_free(k, qm);
}

static void qm_linger_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_qm *qm = arg;
	IKE_DBG(qm->sa, "purging node %u", qm->msgid);
	qm_delete(qm, false, "quick mode done (linger)");
}

static void qm_fail(struct ike_qm *qm, uint16_t notify, const char *why)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	k->st.p2_failed++;
	elog_msg(ELOG_INFO, "CRYPTO", "IKMP_MODE_FAILURE", "Processing of Quick mode failed with peer at %s: %s",
		 ike_ipstr(sa->peer), why);
	if (notify) {
		uint8_t spi[4];
		put32(spi, qm->initiator ? qm->spi_in : qm->spi_out);
		ike_info_send_notify(sa, ISAKMP_PROTO_ESP, spi, 4, notify, NULL, 0);
	}
	qm_delete(qm, true, why);
}

/* The SA pair could not be installed (install() logged why: no free
 * engine slot, ...).  The exchange ends here, cleanly for both sides: an
 * ISAKMP delete for the pair (our inbound SPI, the one the peer sends to)
 * tells the peer to drop what it installed or to stop waiting (a
 * responder retransmitting QM2 ends that quick mode, ike_info.c); this
 * node stops retransmitting and lingers, done, so that a retransmission
 * already on its way is a duplicate and not a bad message; the linger
 * timer frees it. */
static void qm_refused(struct ike_qm *qm)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	k->st.p2_failed++;
	elog_msg(ELOG_INFO, "CRYPTO", "IKMP_MODE_FAILURE",
		 "Processing of Quick mode failed with peer at %s: SA pair not installed, delete for spi 0x%08X sent",
		 ike_ipstr(sa->peer), qm->spi_in);
	uint8_t spi[4];
	put32(spi, qm->spi_in);
	ike_info_send_delete(sa, ISAKMP_PROTO_ESP, spi, 4, 1);
	ike_tx_clear(k, &qm->tx);
	qm->done = true;
	IKE_DBG(sa, "deleting node %u error TRUE reason \"SA pair not installed (await)\"", qm->msgid);
	evloop_timer_start(k->p.loop, &qm->linger, k->p.qm_linger_ms, 0);
}

static void qm_tx_timer(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct ike_qm *qm = arg;
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	if (qm->tx.tries >= k->p.retrans_max) {
		IKE_DBG(sa, "retransmission limit reached for node %u", qm->msgid);
		k->st.p2_failed++;
		elog_msg(ELOG_INFO, "CRYPTO", "IKMP_MODE_FAILURE",
			 "Processing of Quick mode failed with peer at %s: no response after %u retransmissions",
			 ike_ipstr(sa->peer), qm->tx.tries);
		qm_delete(qm, true, "Death by retransmission P2");
		return;
	}
	qm->tx.tries++;
	k->st.retrans++;
	IKE_DBG(sa, "retransmitting phase 2 %u %s ...", qm->msgid, ike_qm_state_name(qm->state));
	ike_tx_resend(k, &qm->tx);
	evloop_timer_start(k->p.loop, &qm->tx.timer, (uint64_t)k->p.retrans_ms << (qm->tx.tries < 4 ? qm->tx.tries : 4), 0);
}

static int qm_send(struct ike_qm *qm, size_t len, bool expect)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	IKE_DBG(sa, "sending packet to %s my_port %u peer_port %u (%s) QM_IDLE", ike_ipstr(sa->peer), sa->local_port,
		sa->peer_port, role(sa));
	return ike_tx_send(k, &qm->tx, k->out, len, sa->natt, sa->local, sa->peer, sa->peer_port, expect);
}

/* Fill a HASH payload reserved at handle h: prf(SKEYID_a, M-ID [| Ni_b] | rest). */
static int fill_hash(struct ike_sa *sa, struct isakmp_builder *b, int h, uint32_t msgid, const uint8_t *ni,
		     size_t ni_len)
{
	uint8_t mid[4];
	put32(mid, msgid);
	size_t rl = 0, hl = 0;
	const uint8_t *rest = isakmp_build_after(b, h, &rl);
	uint8_t *hb = isakmp_build_body_mut(b, h, &hl);
	if (!rest || !hb)
		return -1;
	uint8_t out[IKE_PRF_MAX];
	int n = ni ? ike_qm_hash2(sa->hash, sa->keys->skeyid_a, mid, ni, ni_len, rest, rl, out)
		   : ike_qm_hash1(sa->hash, sa->keys->skeyid_a, mid, rest, rl, out);
	if (n < 0 || (size_t)n != hl)
		return -1;
	memcpy(hb, out, hl);
	return 0;
}

/* Check HASH(1)/HASH(2) of a decrypted quick-mode message. */
static int check_hash12(struct ike_sa *sa, const struct isakmp_msg *m, const uint8_t *ni, size_t ni_len)
{
	if (m->npayloads < 1 || m->pl[0].type != ISAKMP_NP_HASH)
		return -1;
	IKE_DBG(sa, "processing HASH payload. message ID = %u", m->msgid);
	uint8_t mid[4];
	put32(mid, m->msgid);
	size_t rl = 0;
	const uint8_t *rest = isakmp_msg_after(m, &m->pl[0], &rl);
	uint8_t want[IKE_PRF_MAX];
	int n = ni ? ike_qm_hash2(sa->hash, sa->keys->skeyid_a, mid, ni, ni_len, rest, rl, want)
		   : ike_qm_hash1(sa->hash, sa->keys->skeyid_a, mid, rest, rl, want);
	if (n < 0 || m->pl[0].body_len != (size_t)n || !ike_hash_equal(want, m->pl[0].body, (size_t)n))
		return -1;
	return 0;
}

/* ---- SA pairs --------------------------------------------------------------- */

void ike_pairs_free(ike *k)
{
	while (k->pairs) {
		struct ike_pair *p = k->pairs;
		k->pairs = p->next;
		free(p);
	}
}

static struct ike_pair *pair_find(ike *k, uint32_t pair_id)
{
	for (struct ike_pair *p = k->pairs; p; p = p->next)
		if (p->pair_id == pair_id)
			return p;
	return NULL;
}

static void pair_remove(ike *k, struct ike_pair *x)
{
	for (struct ike_pair **pp = &k->pairs; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			free(x);
			return;
		}
}

void ike_pairs_forget_peer(ike *k, uint32_t peer, uint32_t except_conn_id)
{
	for (struct ike_pair *p = k->pairs, *nx; p; p = nx) {
		nx = p->next;
		if (p->peer != peer || p->conn_id == except_conn_id)
			continue;
		if (k->p.db)
			sadb_delete(k->p.db, p->pair_id, SADB_DEL_IKE);
		pair_remove(k, p);
	}
}

static int install(struct ike_qm *qm)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	const ios_transform_set *ts = qm->tset;
	size_t enc_len = ts->enc_key_len, auth_len = ike_esp_auth_key_len(ts->auth);
	uint8_t gqm[IKE_DH_MAX_LEN];
	int gl = 0;
	if (qm->pfs_group) {
		gl = ike_dh_shared(qm->dh, qm->peer_ke, qm->peer_ke_len, gqm, sizeof gqm);
		if (gl < 0)
			return -1;
	}
	struct ike_child_keys in, out;
	int r = ike_child_keys_derive(sa->hash, sa->keys->skeyid_d, gl ? gqm : NULL, (size_t)gl, ISAKMP_PROTO_ESP,
				      qm->spi_in, qm->spi_out, qm->ni, qm->ni_len, qm->nr, qm->nr_len, enc_len,
				      auth_len, &in, &out);
	espfab_wipe(gqm, sizeof gqm);
	if (r < 0) {
		IKE_DBG(sa, "KEYMAT derivation failed: %s", ike_crypto_strerror(r));
		return -1;
	}
	struct sadb_pair p;
	memset(&p, 0, sizeof p);
	p.map = qm->req.map;
	p.entry = qm->req.entry;
	p.dyn_entry = qm->req.dyn_entry;
	p.ifc = qm->req.ifc;
	p.ike_conn_id = sa->conn_id;
	p.local = sa->local;
	p.peer = sa->peer;
	if (sa->natt) {
		p.local_port = sa->local_port;
		p.peer_port = sa->peer_port;
	}
	p.local_id = qm->req.local_id;
	p.remote_id = qm->req.remote_id;
	p.spi_in = qm->spi_in;
	p.spi_out = qm->spi_out;
	p.mode = ts->mode;
	p.cipher = ts->cipher;
	p.auth = ts->auth;
	p.enc_key_len = (uint8_t)enc_len;
	p.auth_key_len = (uint8_t)auth_len;
	memcpy(p.enc_in, in.enc, enc_len);
	memcpy(p.auth_in, in.auth, auth_len);
	memcpy(p.enc_out, out.enc, enc_len);
	memcpy(p.auth_out, out.auth, auth_len);
	ike_child_keys_wipe(&in);
	ike_child_keys_wipe(&out);
	p.replay_window = 64;
	p.pfs_group = (uint8_t)qm->pfs_group;
	p.life_seconds = qm->life_sec;
	p.life_kb = qm->life_kb;

	char lb[64], rb[64];
	IKE_DBG(sa, "Creating IPSec SAs");
	IKE_DBG0("        inbound SA from %s to %s (proxy %s to %s)", ike_ipstr(sa->peer), ike_ipstr(sa->local),
		 ike_selector_text(&p.remote_id, rb, sizeof rb), ike_selector_text(&p.local_id, lb, sizeof lb));
	IKE_DBG0("        has spi 0x%08X and conn_id %u", qm->spi_in, sa->conn_id);
	IKE_DBG0("        lifetime of %u seconds", qm->life_sec);
	IKE_DBG0("        lifetime of %u kilobytes", qm->life_kb);
	IKE_DBG0("        outbound SA from %s to %s (proxy %s to %s)", ike_ipstr(sa->local), ike_ipstr(sa->peer), lb, rb);
	IKE_DBG0("        has spi 0x%08X and conn_id %u", qm->spi_out, sa->conn_id);
	IKE_DBG0("        lifetime of %u seconds", qm->life_sec);
	IKE_DBG0("        lifetime of %u kilobytes", qm->life_kb);

	ike_keylog_pair(k, &p);
	/* IOS's key engine messages; the engine's conn ids (2000 + slot)
	 * are chosen by sadb_install, whose create_sa lines carry them. */
	IKE_IPSEC("(key_engine): got a queue event...");
	ike_ipsec_keng("initialize_sas", "", "INBOUND", sa->local, sa->peer, &p.local_id, &p.remote_id, ts, p.life_seconds,
		       p.life_kb, p.spi_in, 0, 0x4);
	ike_ipsec_keng("initialize_sas", "", "OUTBOUND", sa->local, sa->peer, &p.local_id, &p.remote_id, ts,
		       p.life_seconds, p.life_kb, p.spi_out, 0, 0xC);
	uint32_t id = 0;
	r = k->p.db ? sadb_install(k->p.db, &p, &id) : -ENODEV;
	sadb_pair_wipe(&p);
	if (r < 0) {
		elog_msg(ELOG_ERR, "CRYPTO", "IPSEC_SA_INSTALL",
			 "SA pair with %s (spi in 0x%08X out 0x%08X) could not be installed: %s", ike_ipstr(sa->peer),
			 qm->spi_in, qm->spi_out, strerror(-r));
		return -1;
	}
	qm->pair_id = id;
	k->st.pairs_installed++;
	struct ike_pair *rec = calloc(1, sizeof *rec);
	if (rec) {
		rec->pair_id = id;
		rec->spi_in = qm->spi_in;
		rec->spi_out = qm->spi_out;
		rec->local = sa->local;
		rec->peer = sa->peer;
		rec->conn_id = sa->conn_id;
		rec->initiator = qm->initiator;
		rec->req = qm->req;
		rec->req.next = NULL;
		rec->req.rekey_of = 0;
		rec->next = k->pairs;
		k->pairs = rec;
	}
	return 0;
}

static void qm_done(struct ike_qm *qm)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	k->st.p2_done++;
	qm->done = true;
	ike_qm_set_state(qm, IKE_QM_PHASE2_COMPLETE, "IKE_MSG_FROM_PEER, IKE_QM_EXCH");
	IKE_DBG(sa, "deleting node %u error FALSE reason \"quick mode done (await)\"", qm->msgid);
	evloop_timer_start(k->p.loop, &qm->linger, k->p.qm_linger_ms, 0);
}

/* ---- initiator -------------------------------------------------------------- */

struct p2_build {
	struct isakmp_proposal_spec props[IOS_MAX_TSETS];
	struct isakmp_transform_spec trans[IOS_MAX_TSETS];
	struct isakmp_attr_spec attrs[IOS_MAX_TSETS][10];
	uint8_t kb[4];
};

static void add_p2_attrs(struct isakmp_attr_spec *a, uint8_t *n, const ios_transform_set *ts, bool natt,
			 uint32_t sec, const uint8_t kb[4], int pfs)
{
	uint8_t k = 0;
	a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_ENCAP_MODE, ISAKMP_ENC_TV, ike_encap_mode(ts->mode, natt), NULL,
					    0 };
	a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_LIFE_TYPE, ISAKMP_ENC_TV, IPSEC_LIFE_SECONDS, NULL, 0 };
	a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_LIFE_DURATION, ISAKMP_ENC_AUTO, sec, NULL, 0 };
	a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_LIFE_TYPE, ISAKMP_ENC_TV, IPSEC_LIFE_KILOBYTES, NULL, 0 };
	a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_LIFE_DURATION, ISAKMP_ENC_TLV, 0, kb, 4 };
	a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_AUTH_ALG, ISAKMP_ENC_TV, ike_esp_auth(ts->auth), NULL, 0 };
	if (ts->cipher == ESPFAB_CIPHER_AES)
		a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_KEY_LENGTH, ISAKMP_ENC_TV, ts->enc_key_len * 8u, NULL,
						    0 };
	if (pfs)
		a[k++] = (struct isakmp_attr_spec){ IPSEC_ATTR_GROUP_DESC, ISAKMP_ENC_TV, (uint32_t)pfs, NULL, 0 };
	*n = k;
}

static bool same_req(const struct ike_qm_req *a, const struct ike_qm_req *b)
{
	return a->entry == b->entry && !memcmp(&a->local_id, &b->local_id, sizeof a->local_id) &&
	       !memcmp(&a->remote_id, &b->remote_id, sizeof a->remote_id);
}

int ike_qm_initiate(struct ike_sa *sa, const struct ike_qm_req *req)
{
	ike *k = sa->k;
	for (struct ike_qm *q = sa->qms; q; q = q->next)
		if (q->initiator && !q->done && same_req(&q->req, req))
			return -EALREADY;
	const ios_map_entry *e = settings(req);
	if (!e || !e->n_tsets)
		return -EINVAL;
	uint32_t msgid;
	do
		msgid = ike_random32();
	while (!msgid);
	struct ike_qm *qm = qm_new(sa, true, msgid);
	if (!qm)
		return -ENOMEM;
	qm->req = *req;
	qm->req.next = NULL;
	qm->pfs_group = e->pfs_group;
	ios_entry_lifetime(k->cfg, e, &qm->life_sec, &qm->life_kb);
	qm->spi_in = k->p.db ? sadb_new_spi(k->p.db) : 0;
	if (!qm->spi_in) {
		qm_delete(qm, true, "no SPI");
		return -ENOSPC;
	}
	qm->ni_len = IKE_OUR_NONCE_LEN;
	ike_random(qm->ni, qm->ni_len);
	uint8_t ke[IKE_DH_MAX_LEN];
	int kl = 0;
	if (qm->pfs_group && (ike_dh_new(&qm->dh, qm->pfs_group) < 0 ||
			      (kl = ike_dh_public(qm->dh, ke, sizeof ke)) < 0)) {
		qm_delete(qm, true, "PFS key generation failed");
		return -EIO;
	}
	IKE_DBG(sa, "beginning Quick Mode exchange, M-ID of %u", msgid);
	IKE_DBG(sa, "asking for 1 spis from ipsec");
	IKE_IPSEC("(key_engine): got a queue event...");
	IKE_IPSEC("(spi_response): getting spi %u for SA from %s to %s for prot 3", qm->spi_in, ike_ipstr(sa->local),
		  ike_ipstr(sa->peer));

	struct p2_build pb;
	put32(pb.kb, qm->life_kb);
	uint8_t spi[4];
	put32(spi, qm->spi_in);
	uint8_t np = 0;
	for (size_t i = 0; i < e->n_tsets && i < IOS_MAX_TSETS; i++) {
		if (!e->tsets[i])
			continue;
		uint8_t na = 0;
		add_p2_attrs(pb.attrs[np], &na, e->tsets[i], sa->natt, qm->life_sec, pb.kb, qm->pfs_group);
		pb.trans[np] = (struct isakmp_transform_spec){ 1, ike_esp_tid(e->tsets[i]->cipher), na, pb.attrs[np] };
		pb.props[np] = (struct isakmp_proposal_spec){ (uint8_t)(np + 1), ISAKMP_PROTO_ESP, 4, { 0 }, 1,
							      &pb.trans[np] };
		memcpy(pb.props[np].spi, spi, 4);
		np++;
	}
	struct isakmp_sa_spec sas = { 0, 0, np, pb.props };
	struct isakmp_hdr_spec h = { sa->icookie, sa->rcookie, ISAKMP_EXCH_QUICK, 0, msgid, false };
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	int hh = isakmp_add_hash(&b, NULL, sa->keys->prf_len);
	isakmp_add_sa(&b, &sas);
	isakmp_add_nonce(&b, qm->ni, qm->ni_len);
	if (kl > 0)
		isakmp_add_ke(&b, ke, (size_t)kl);
	uint8_t d1[8], d2[8];
	struct isakmp_id_spec i1, i2;
	ike_selector_to_id(&qm->req.local_id, &i1, d1);
	ike_selector_to_id(&qm->req.remote_id, &i2, d2);
	isakmp_add_id(&b, &i1);
	isakmp_add_id(&b, &i2);
	qm->req.send_ids = true;
	size_t len = 0;
	if (isakmp_build_finish(&b, NULL) < 0 || fill_hash(sa, &b, hh, msgid, NULL, 0) < 0 ||
	    ike_seal(sa, &b, qm->iv, &len) < 0) {
		qm_delete(qm, true, "cannot build quick mode 1");
		return -EIO;
	}
	ike_qm_set_state(qm, IKE_QM_I_QM1, "IKE_MSG_INTERNAL, IKE_INIT_QM");
	qm_send(qm, len, true);
	return 0;
}

void ike_qm_start_pending(struct ike_sa *sa)
{
	while (sa->pending && !sa->dead) {
		struct ike_qm_req *r = sa->pending;
		sa->pending = r->next;
		ike_qm_initiate(sa, r);
		free(r);
	}
}

int ike_request(ike *k, const struct ike_qm_req *req, uint32_t peer)
{
	struct ike_sa *sa = ike_sa_find_peer(k, peer, true);
	if (sa)
		return ike_qm_initiate(sa, req);
	/* phase 1 in progress with that peer: queue behind it */
	for (struct ike_sa *s = k->sas; s; s = s->next) {
		if (s->peer != peer || s->dead || s->state == IKE_P1_COMPLETE)
			continue;
		for (struct ike_qm_req *q = s->pending; q; q = q->next)
			if (same_req(q, req))
				return -EALREADY;
		sa = s;
		break;
	}
	if (!sa) {
		uint32_t local = req->ifc && req->ifc->has_addr ? req->ifc->addr : 0;
		int r = ike_mm_initiate(k, local, peer, &sa);
		if (r < 0)
			return r;
	}
	struct ike_qm_req *q = malloc(sizeof *q);
	if (!q)
		return -ENOMEM;
	*q = *req;
	q->next = NULL;
	struct ike_qm_req **pp = &sa->pending;
	while (*pp)
		pp = &(*pp)->next;
	*pp = q;
	return 0;
}

/* QM2 in IKE_QM_I_QM1. */
static int i_qm2(struct ike_qm *qm, struct isakmp_msg *m)
{
	struct ike_sa *sa = qm->sa;
	ike *k = sa->k;
	if (check_hash12(sa, m, qm->ni, qm->ni_len) < 0)
		return -1;
	IKE_DBG(sa, "processing SA payload. message ID = %u", m->msgid);
	struct ike_p2_offer o[2];
	int n = ike_p2_offers(m, isakmp_msg_find(m, ISAKMP_NP_SA, NULL), o, 2);
	if (n != 1) {
		qm_fail(qm, ISAKMP_N_BAD_PROPOSAL_SYNTAX, "responder's SA must carry one ESP transform");
		return 1;
	}
	const ios_map_entry *e = settings(&qm->req);
	const ios_transform_set *ts = NULL;
	size_t ti = 0;
	for (size_t i = 0; i < e->n_tsets; i++) {
		if (!e->tsets[i])
			continue;
		ti++;
		if (ti == o[0].pnum || (o[0].pnum == 0 && ti == 1)) {
			ts = e->tsets[i];
			break;
		}
	}
	const char *why = "proposal number not offered";
	if (!ts || ike_p2_check_tset(ts, &o[0], sa->natt, (uint8_t)qm->pfs_group, &why) < 0) {
		/* the number did not fit: accept any transform set we offered that matches */
		ts = NULL;
		for (size_t i = 0; i < e->n_tsets && !ts; i++)
			if (e->tsets[i] && ike_p2_check_tset(e->tsets[i], &o[0], sa->natt, (uint8_t)qm->pfs_group, &why) == 0)
				ts = e->tsets[i];
		if (!ts) {
			qm_fail(qm, ISAKMP_N_NO_PROPOSAL_CHOSEN, why);
			return 1;
		}
	}
	IKE_DBG(sa, "atts are acceptable.");
	ike_ipsec_keng("validate_proposal_request", "proposal part #1", "INBOUND", sa->local, sa->peer,
		       &qm->req.local_id, &qm->req.remote_id, ts, 0, 0, 0, 0, 0x4);
	qm->tset = ts;
	qm->encap = o[0].encap;
	qm->spi_out = o[0].spi;
	if (o[0].has_life_sec && o[0].life_sec && o[0].life_sec < qm->life_sec)
		qm->life_sec = o[0].life_sec;
	if (o[0].has_life_kb && o[0].life_kb && o[0].life_kb < qm->life_kb)
		qm->life_kb = o[0].life_kb;
	size_t nl = 0, kl = 0;
	const uint8_t *nr = isakmp_msg_body(m, ISAKMP_NP_NONCE, &nl);
	const uint8_t *ke = isakmp_msg_body(m, ISAKMP_NP_KE, &kl);
	IKE_DBG(sa, "processing NONCE payload. message ID = %u", m->msgid);
	if (!nr) {
		qm_fail(qm, ISAKMP_N_PAYLOAD_MALFORMED, "no nonce");
		return 1;
	}
	memcpy(qm->nr, nr, nl);
	qm->nr_len = nl;
	if (qm->pfs_group) {
		if (!ke || ike_dh_check_peer(qm->pfs_group, ke, kl) < 0) {
			qm_fail(qm, ISAKMP_N_INVALID_KEY_INFORMATION, "PFS KE missing or invalid");
			return 1;
		}
		memcpy(qm->peer_ke, ke, kl);
		qm->peer_ke_len = kl;
	}
	/* IDs, if the responder sent them, must be ours echoed */
	const struct isakmp_payload *id1 = isakmp_msg_find(m, ISAKMP_NP_ID, NULL);
	const struct isakmp_payload *id2 = id1 ? isakmp_msg_find(m, ISAKMP_NP_ID, id1) : NULL;
	if (id1) {
		struct sadb_selector s1, s2;
		IKE_DBG(sa, "processing ID payload. message ID = %u", m->msgid);
		IKE_DBG(sa, "processing ID payload. message ID = %u", m->msgid);
		if (!id2 || ike_id_to_selector(id1, &s1) < 0 || ike_id_to_selector(id2, &s2) < 0 ||
		    s1.addr != qm->req.local_id.addr || s1.mask != qm->req.local_id.mask ||
		    s2.addr != qm->req.remote_id.addr || s2.mask != qm->req.remote_id.mask) {
			qm_fail(qm, ISAKMP_N_INVALID_ID_INFORMATION, "responder changed the proxy identities");
			return 1;
		}
	}
	for (const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_NP_N, NULL); p;
	     p = isakmp_msg_find(m, ISAKMP_NP_N, p)) {
		if (p->u.n.type != IPSEC_N_RESPONDER_LIFETIME)
			continue;
		struct isakmp_attr_v a[16];
		unsigned na = 0;
		if (isakmp_decode_attrs(p->u.n.data, p->u.n.data_len, a, 16, &na) != ISAKMP_OK)
			continue;
		uint16_t lt = 0;
		for (unsigned i = 0; i < na; i++) {
			if (a[i].type == IPSEC_ATTR_LIFE_TYPE)
				lt = (uint16_t)a[i].val;
			else if (a[i].type == IPSEC_ATTR_LIFE_DURATION && a[i].val_ok && a[i].val) {
				if (lt == IPSEC_LIFE_SECONDS && a[i].val < qm->life_sec)
					qm->life_sec = (uint32_t)a[i].val;
				if (lt == IPSEC_LIFE_KILOBYTES && a[i].val < qm->life_kb)
					qm->life_kb = (uint32_t)a[i].val;
			}
		}
		IKE_DBG(sa, "processing RESPONDER_LIFETIME: %u seconds, %u kilobytes", qm->life_sec, qm->life_kb);
	}
	if (install(qm) < 0) {
		qm_refused(qm);
		return 0; /* this QM2 was processed: a retransmission of it is a duplicate */
	}
	/* QM3 */
	struct isakmp_hdr_spec h = { sa->icookie, sa->rcookie, ISAKMP_EXCH_QUICK, 0, qm->msgid, false };
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	uint8_t mid[4], h3[IKE_PRF_MAX];
	put32(mid, qm->msgid);
	int hl = ike_qm_hash3(sa->hash, sa->keys->skeyid_a, mid, qm->ni, qm->ni_len, qm->nr, qm->nr_len, h3);
	isakmp_add_hash(&b, h3, hl > 0 ? (size_t)hl : 0);
	size_t len = 0;
	if (hl < 0 || ike_seal(sa, &b, qm->iv, &len) < 0)
		return -1;
	qm_send(qm, len, false);
	qm_done(qm);
	return 0;
}

/* ---- responder -------------------------------------------------------------- */

/* The crypto map entry that accepts these proxies from this peer. */
static int find_entry(ike *k, struct ike_sa *sa, struct ike_qm_req *r)
{
	const ios_config *cfg = k->cfg;
	const ios_interface *ifc = NULL;
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].crypto_map && cfg->ifaces[i].has_addr && cfg->ifaces[i].addr == sa->local)
			ifc = &cfg->ifaces[i];
	if (!ifc)
		for (size_t i = 0; i < cfg->n_ifaces && !ifc; i++)
			if (cfg->ifaces[i].crypto_map)
				ifc = &cfg->ifaces[i];
	if (!ifc)
		return -1;
	const ios_crypto_map *map = ifc->crypto_map;
	for (size_t i = 0; i < map->n_entries; i++) {
		const ios_map_entry *e = &map->entries[i];
		if (!e->dynamic_ref) {
			bool peer_ok = false;
			for (size_t j = 0; j < e->n_peers; j++)
				peer_ok |= e->peers[j] == sa->peer;
			if (!peer_ok || !ike_acl_allows(e->acl, &r->local_id, &r->remote_id))
				continue;
			r->map = map;
			r->entry = e;
			r->dyn_entry = NULL;
			r->ifc = ifc;
			return 0;
		}
		const ios_crypto_map *dm = e->dynmap;
		for (size_t j = 0; dm && j < dm->n_entries; j++) {
			const ios_map_entry *de = &dm->entries[j];
			bool peer_ok = de->n_peers == 0;
			for (size_t x = 0; x < de->n_peers; x++)
				peer_ok |= de->peers[x] == sa->peer;
			if (!peer_ok || (de->acl && !ike_acl_allows(de->acl, &r->local_id, &r->remote_id)))
				continue;
			r->map = map;
			r->entry = e;
			r->dyn_entry = de;
			r->ifc = ifc;
			return 0;
		}
	}
	return -1;
}

static void r_qm1(ike *k, struct ike_sa *sa, struct isakmp_msg *m)
{
	struct ike_qm *qm = qm_new(sa, false, m->msgid);
	if (!qm)
		return;
	IKE_DBG0("set new node %u to QM_IDLE", m->msgid);
	uint8_t next_iv[IKE_BLOCK_MAX];
	if (ike_open(sa, m, qm->iv, next_iv) < 0 || check_hash12(sa, m, NULL, 0) < 0) {
		IKE_DBG(sa, "quick mode 1 does not decrypt or its HASH(1) is wrong");
		ike_bad_message(k, sa->peer, NULL);
		qm_delete(qm, true, "bad HASH(1)");
		return;
	}
	memcpy(qm->iv, next_iv, sa->keys->block_len);
	ike_digest(m->raw, m->length, qm->rx_digest);
	qm->have_rx = true;
	IKE_DBG(sa, "processing SA payload. message ID = %u", m->msgid);
	const struct isakmp_payload *sap = isakmp_msg_find(m, ISAKMP_NP_SA, NULL);
	struct ike_p2_offer o[ISAKMP_MAX_TRANSFORMS];
	int n = ike_p2_offers(m, sap, o, ISAKMP_MAX_TRANSFORMS);
	size_t nl = 0, kl = 0;
	const uint8_t *ni = isakmp_msg_body(m, ISAKMP_NP_NONCE, &nl);
	const uint8_t *ke = isakmp_msg_body(m, ISAKMP_NP_KE, &kl);
	const struct isakmp_payload *id1 = isakmp_msg_find(m, ISAKMP_NP_ID, NULL);
	const struct isakmp_payload *id2 = id1 ? isakmp_msg_find(m, ISAKMP_NP_ID, id1) : NULL;
	if (n <= 0 || !ni) {
		qm_fail(qm, n <= 0 ? ISAKMP_N_NO_PROPOSAL_CHOSEN : ISAKMP_N_PAYLOAD_MALFORMED,
			"no ESP proposal or no nonce");
		return;
	}
	IKE_DBG(sa, "processing NONCE payload. message ID = %u", m->msgid);
	memcpy(qm->ni, ni, nl);
	qm->ni_len = nl;
	struct ike_qm_req *r = &qm->req;
	if (id1) {
		IKE_DBG(sa, "processing ID payload. message ID = %u", m->msgid);
		IKE_DBG(sa, "processing ID payload. message ID = %u", m->msgid);
		if (!id2 || ike_id_to_selector(id1, &r->remote_id) < 0 || ike_id_to_selector(id2, &r->local_id) < 0) {
			qm_fail(qm, ISAKMP_N_INVALID_ID_INFORMATION, "proxy identities not supported");
			return;
		}
		r->send_ids = true;
	} else {
		r->local_id = (struct sadb_selector){ sa->local, 0xffffffffu, 0, 0 };
		r->remote_id = (struct sadb_selector){ sa->peer, 0xffffffffu, 0, 0 };
	}
	char lb[64], rb[64];
	ike_selector_text(&r->local_id, lb, sizeof lb);
	ike_selector_text(&r->remote_id, rb, sizeof rb);
	if (find_entry(k, sa, r) < 0) {
		IKE_IPSEC("(validate_transform_proposal): proxy identities not supported (local %s remote %s)", lb, rb);
		qm_fail(qm, ISAKMP_N_INVALID_ID_INFORMATION, "proxy identities not supported");
		return;
	}
	const ios_map_entry *e = settings(r);
	const ios_transform_set *ts = NULL;
	int i = ike_p2_select(e, e->pfs_group, o, (size_t)n, sa->natt, sa, &ts);
	if (i < 0) {
		IKE_IPSEC("(validate_transform_proposal): transform proposal not supported for identity: crypto map %s %u, "
			  "peer %s",
			  r->map->name, r->entry->seq, ike_ipstr(sa->peer));
		qm_fail(qm, ISAKMP_N_NO_PROPOSAL_CHOSEN, "no acceptable transform");
		return;
	}
	ike_ipsec_keng("validate_proposal_request", "proposal part #1", "INBOUND", sa->local, sa->peer, &r->local_id,
		       &r->remote_id, ts, 0, 0, 0, 0, 0x4);
	qm->tset = ts;
	qm->encap = o[i].encap;
	qm->spi_out = o[i].spi;
	qm->pfs_group = o[i].group;
	if (qm->pfs_group && (!ke || ike_dh_check_peer(qm->pfs_group, ke, kl) < 0)) {
		qm_fail(qm, ISAKMP_N_INVALID_KEY_INFORMATION, "PFS requested but KE missing or invalid");
		return;
	}
	if (!qm->pfs_group && ke) {
		qm_fail(qm, ISAKMP_N_INVALID_PAYLOAD_TYPE, "KE without a PFS group");
		return;
	}
	if (ke) {
		memcpy(qm->peer_ke, ke, kl);
		qm->peer_ke_len = kl;
	}
	uint32_t sec = 0, kb = 0;
	ios_entry_lifetime(k->cfg, e, &sec, &kb);
	qm->life_sec = o[i].has_life_sec && o[i].life_sec && o[i].life_sec <= sec ? o[i].life_sec : sec;
	qm->life_kb = o[i].has_life_kb && o[i].life_kb && o[i].life_kb <= kb ? o[i].life_kb : kb;
	qm->lowered = (o[i].has_life_sec && o[i].life_sec > sec) || (o[i].has_life_kb && o[i].life_kb > kb);
	IKE_DBG(sa, "asking for 1 spis from ipsec");
	ike_qm_set_state(qm, IKE_QM_SPI_STARVE, "IKE_MSG_FROM_PEER, IKE_QM_EXCH");
	qm->spi_in = k->p.db ? sadb_new_spi(k->p.db) : 0;
	if (!qm->spi_in) {
		qm_fail(qm, ISAKMP_N_NO_PROPOSAL_CHOSEN, "no inbound SPI available");
		return;
	}
	IKE_IPSEC("(key_engine): got a queue event...");
	IKE_IPSEC("(spi_response): getting spi %u for SA from %s to %s for prot 3", qm->spi_in, ike_ipstr(sa->local),
		  ike_ipstr(sa->peer));
	qm->nr_len = IKE_OUR_NONCE_LEN;
	ike_random(qm->nr, qm->nr_len);
	uint8_t myke[IKE_DH_MAX_LEN];
	int mykl = 0;
	if (qm->pfs_group && (ike_dh_new(&qm->dh, qm->pfs_group) < 0 ||
			      (mykl = ike_dh_public(qm->dh, myke, sizeof myke)) < 0)) {
		qm_fail(qm, ISAKMP_N_NO_PROPOSAL_CHOSEN, "PFS key generation failed");
		return;
	}

	/* QM2: the chosen proposal with our SPI, attributes echoed */
	struct isakmp_attr_spec a[32];
	uint8_t na = 0;
	for (unsigned j = 0; j < o[i].nattrs && na < 32; j++) {
		const struct isakmp_attr_v *v = &m->attrs[o[i].attr_first + j];
		a[na++] = v->tv ? (struct isakmp_attr_spec){ v->type, ISAKMP_ENC_TV, (uint32_t)v->val, NULL, 0 }
				: (struct isakmp_attr_spec){ v->type, ISAKMP_ENC_TLV, 0, v->data, v->len };
	}
	struct isakmp_transform_spec t = { o[i].tnum, o[i].tid, na, a };
	struct isakmp_proposal_spec p = { o[i].pnum, ISAKMP_PROTO_ESP, 4, { 0 }, 1, &t };
	put32(p.spi, qm->spi_in);
	struct isakmp_sa_spec sas = { 0, 0, 1, &p };
	struct isakmp_hdr_spec h = { sa->icookie, sa->rcookie, ISAKMP_EXCH_QUICK, 0, qm->msgid, false };
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	int hh = isakmp_add_hash(&b, NULL, sa->keys->prf_len);
	isakmp_add_sa(&b, &sas);
	isakmp_add_nonce(&b, qm->nr, qm->nr_len);
	if (mykl > 0)
		isakmp_add_ke(&b, myke, (size_t)mykl);
	if (id1) {
		/* echo IDci and IDcr as received */
		struct isakmp_id_spec e1 = { id1->u.id.type, id1->u.id.proto, id1->u.id.port, id1->u.id.data,
					     id1->u.id.data_len };
		struct isakmp_id_spec e2 = { id2->u.id.type, id2->u.id.proto, id2->u.id.port, id2->u.id.data,
					     id2->u.id.data_len };
		isakmp_add_id(&b, &e1);
		isakmp_add_id(&b, &e2);
	}
	uint8_t lifes[24];
	if (qm->lowered) {
		/* RFC 2407 4.6.3.1: SA life type and duration pairs, basic type + 4-byte duration */
		uint32_t v[2] = { qm->life_sec, qm->life_kb };
		for (int j = 0; j < 2; j++) {
			uint8_t *q = lifes + 12 * j;
			q[0] = 0x80;
			q[1] = IPSEC_ATTR_LIFE_TYPE;
			q[2] = 0;
			q[3] = j ? IPSEC_LIFE_KILOBYTES : IPSEC_LIFE_SECONDS;
			q[4] = 0;
			q[5] = IPSEC_ATTR_LIFE_DURATION;
			q[6] = 0;
			q[7] = 4;
			put32(q + 8, v[j]);
		}
		uint8_t spi[4];
		put32(spi, qm->spi_in);
		struct isakmp_notify_spec nn = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ESP, 4, IPSEC_N_RESPONDER_LIFETIME, spi,
						 lifes, sizeof lifes };
		IKE_DBG(sa, "sending RESPONDER_LIFETIME notify: %u seconds, %u kilobytes", qm->life_sec, qm->life_kb);
		isakmp_add_notify(&b, &nn);
	}
	size_t len = 0;
	if (isakmp_build_finish(&b, NULL) < 0 || fill_hash(sa, &b, hh, qm->msgid, qm->ni, qm->ni_len) < 0 ||
	    ike_seal(sa, &b, qm->iv, &len) < 0) {
		qm_fail(qm, 0, "cannot build quick mode 2");
		return;
	}
	qm_send(qm, len, true);
	ike_qm_set_state(qm, IKE_QM_R_QM2, "IKE_MSG_FROM_IPSEC, IKE_SPI_REPLY");
}

static void r_qm3(ike *k, struct ike_qm *qm, struct isakmp_msg *m)
{
	struct ike_sa *sa = qm->sa;
	uint8_t next_iv[IKE_BLOCK_MAX];
	if (ike_open(sa, m, qm->iv, next_iv) < 0 || m->npayloads < 1 || m->pl[0].type != ISAKMP_NP_HASH) {
		ike_bad_message(k, sa->peer, "quick mode 3 does not decrypt");
		return;
	}
	uint8_t mid[4], want[IKE_PRF_MAX];
	put32(mid, qm->msgid);
	int hl = ike_qm_hash3(sa->hash, sa->keys->skeyid_a, mid, qm->ni, qm->ni_len, qm->nr, qm->nr_len, want);
	if (hl < 0 || m->pl[0].body_len != (size_t)hl || !ike_hash_equal(want, m->pl[0].body, (size_t)hl)) {
		ike_bad_message(k, sa->peer, "quick mode 3: HASH(3) does not match");
		return;
	}
	memcpy(qm->iv, next_iv, sa->keys->block_len);
	ike_digest(m->raw, m->length, qm->rx_digest);
	ike_tx_clear(k, &qm->tx);
	if (install(qm) < 0) {
		qm_refused(qm);
		return;
	}
	qm_done(qm);
}

void ike_qm_input(ike *k, struct ike_sa *sa, struct isakmp_msg *m)
{
	IKE_DBG(sa, "received packet from %s dport %u sport %u Global (%s) QM_IDLE", ike_ipstr(sa->peer),
		sa->local_port, sa->peer_port, role(sa));
	if (!m->encrypted) {
		ike_bad_message(k, sa->peer, "quick mode message not encrypted");
		return;
	}
	struct ike_qm *qm = NULL;
	for (struct ike_qm *q = sa->qms; q; q = q->next)
		if (q->msgid == m->msgid)
			qm = q;
	if (!qm) {
		r_qm1(k, sa, m);
		return;
	}
	uint8_t dg[IKE_DIGEST_LEN];
	ike_digest(m->raw, m->length, dg);
	if (qm->have_rx && !memcmp(dg, qm->rx_digest, sizeof dg)) {
		k->st.rx_dup++;
		IKE_DBG(sa, "phase 2 packet is a duplicate of a previous packet.");
		if (qm->tx.buf) {
			IKE_DBG(sa, "retransmitting due to retransmit phase 2");
			ike_tx_resend(k, &qm->tx);
		}
		return;
	}
	if (qm->done) {
		IKE_DBG(sa, "quick mode message for finished node %u: dropped", qm->msgid);
		return;
	}
	if (qm->initiator && qm->state == IKE_QM_I_QM1) {
		uint8_t next_iv[IKE_BLOCK_MAX];
		if (ike_open(sa, m, qm->iv, next_iv) < 0) {
			ike_bad_message(k, sa->peer, "quick mode 2 does not decrypt");
			return;
		}
		uint8_t save[IKE_BLOCK_MAX];
		memcpy(save, qm->iv, sizeof save);
		memcpy(qm->iv, next_iv, sa->keys->block_len);
		int r = i_qm2(qm, m);
		if (r < 0) {
			memcpy(qm->iv, save, sizeof save);
			ike_bad_message(k, sa->peer, "quick mode 2: HASH(2) does not match");
			return;
		}
		if (r == 0) {
			memcpy(qm->rx_digest, dg, sizeof dg);
			qm->have_rx = true;
		}
		return;
	}
	if (!qm->initiator && qm->state == IKE_QM_R_QM2) {
		r_qm3(k, qm, m);
		return;
	}
	IKE_DBG(sa, "quick mode message for node %u in state %s: dropped", qm->msgid, ike_qm_state_name(qm->state));
}

/* ---- SADB hooks --------------------------------------------------------------- */

void ike_acquire(void *arg, const ios_spd_result *r, const ios_flow *f)
{
	ike *k = arg;
	if (r && r->kind == IOS_SPD_DISCOVER && f) {
		ike_ted_acquire(k, r, f);
		return;
	}
	if (!r || r->kind != IOS_SPD_STATIC || !r->entry || !r->ace) {
		IKE_DBG0("acquire for a %s entry: not negotiated here",
			 r && r->kind == IOS_SPD_DISCOVER ? "discover (TED)" : "dynamic");
		return;
	}
	if (!r->entry->n_peers) {
		IKE_DBG0("crypto map %s %u has no peer", r->map->name, r->entry->seq);
		return;
	}
	struct ike_qm_req req;
	memset(&req, 0, sizeof req);
	req.map = r->map;
	req.entry = r->entry;
	req.ifc = ike_map_interface(k->cfg, r->map);
	ike_ace_selectors(r->ace, &req.local_id, &req.remote_id);
	IKE_DBG0("received ke message (1/1) for crypto map %s %u", r->map->name, r->entry->seq);
	int rc = ike_request(k, &req, r->entry->peers[0]);
	if (rc < 0 && rc != -EALREADY)
		IKE_DBG0("cannot negotiate with %s: %s", ike_ipstr(r->entry->peers[0]), strerror(-rc));
}

void ike_expire(void *arg, uint32_t pair_id, uint32_t spi_in, uint32_t spi_out, bool hard)
{
	ike *k = arg;
	struct ike_pair *p = pair_find(k, pair_id);
	IKE_IPSEC("(sa_expire): pair %u spi in 0x%08X out 0x%08X %s", pair_id, spi_in, spi_out,
		  hard ? "hard lifetime: deleted" : "soft lifetime: rekey");
	if (!p)
		return;
	if (!hard) {
		struct ike_qm_req req = p->req;
		req.rekey_of = pair_id;
		uint32_t peer = p->peer;
		ike_request(k, &req, peer);
		return;
	}
	struct ike_sa *sa = ike_sa_find_peer(k, p->peer, true);
	if (!sa)
		sa = ike_sa_find_peer(k, p->peer, false);
	if (sa && sa->state == IKE_P1_COMPLETE) {
		uint8_t spi[4];
		put32(spi, p->spi_in);
		ike_info_send_delete(sa, ISAKMP_PROTO_ESP, spi, 4, 1);
	}
	pair_remove(k, p);
}

void ike_sadb_hooks(ike *k, struct sadb_hooks *h)
{
	h->acquire = ike_acquire;
	h->expire = ike_expire;
	h->probe = ike_ted_intercept;
	h->engine_rows = ike_engine_rows;
	h->arg = k;
}

int ike_initiate_entry(ike *k, const char *map_name, unsigned seq)
{
	const ios_crypto_map *map = ios_config_map(k->cfg, map_name);
	if (!map)
		return -ENOENT;
	for (size_t i = 0; i < map->n_entries; i++) {
		const ios_map_entry *e = &map->entries[i];
		if (e->seq != seq)
			continue;
		if (e->dynamic_ref)
			return -ENOENT;
		if (!e->n_peers || !e->acl)
			return -EINVAL;
		const ios_ace *ace = NULL;
		for (size_t j = 0; j < e->acl->n_aces && !ace; j++)
			if (e->acl->aces[j].permit)
				ace = &e->acl->aces[j];
		if (!ace)
			return -EINVAL;
		ios_spd_result r = { IOS_SPD_STATIC, map, e, NULL, e->acl, ace };
		struct ike_qm_req req;
		memset(&req, 0, sizeof req);
		req.map = map;
		req.entry = e;
		req.ifc = ike_map_interface(k->cfg, map);
		(void)r;
		ike_ace_selectors(ace, &req.local_id, &req.remote_id);
		int rc = ike_request(k, &req, e->peers[0]);
		return rc == -EALREADY ? 0 : rc;
	}
	return -ENOENT;
}
