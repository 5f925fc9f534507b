/*
 * ike_main_mode.c — IKEv1 main mode with pre-shared keys (RFC 2409 §5),
 * initiator and responder, with NAT-T (RFC 3947: VIDs, NAT-D, the float to
 * 4500 before message 5).
 *
 *   I: MM1 SA, VIDs                     -> R   IKE_I_MM1 / IKE_R_MM1
 *   R: MM2 SA (chosen), VIDs            -> I   IKE_R_MM2 / IKE_I_MM2
 *   I: MM3 KE, Ni, VIDs, NAT-D x2       -> R   IKE_I_MM3 / IKE_R_MM3
 *   R: MM4 KE, Nr, VIDs, NAT-D x2       -> I   IKE_R_MM4 / IKE_I_MM4
 *   I: MM5* IDii, HASH_I [, N(INITIAL-CONTACT)]  (4500 if NAT)  IKE_I_MM5 / IKE_R_MM5
 *   R: MM6* IDir, HASH_R                -> I   IKE_P1_COMPLETE on both
 *
 * Every message that expects an answer is retransmitted (ike_sa.c); a
 * retransmitted request gets our last answer again (duplicate digest).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"

#define MAX_P1_TRANSFORMS 32

/* ---- helpers -------------------------------------------------------------- */

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

static void dbg_sent(const struct ike_sa *sa)
{
	IKE_DBG(sa, "sending packet to %s my_port %u peer_port %u (%s) %s", ike_ipstr(sa->peer), sa->local_port,
		sa->peer_port, role(sa), ike_p1_show_state(sa->state));
}

static void dbg_rcvd(const struct ike_sa *sa, const netio_dgram *d, uint16_t local_port)
{
	IKE_DBG(sa, "received packet from %s dport %u sport %u Global (%s) %s", ike_ipstr(d->peer), local_port,
		d->peer_port, role(sa), ike_p1_show_state(sa->state));
}

/* Send k->out as the SA's next message. */
static int mm_send(struct ike_sa *sa, size_t len, bool expect_reply)
{
	ike *k = sa->k;
	dbg_sent(sa);
	return ike_tx_send(k, &sa->tx, k->out, len, sa->natt, sa->local, sa->peer, sa->peer_port, expect_reply);
}

static void hdr(struct ike_sa *sa, struct isakmp_hdr_spec *h)
{
	static const uint8_t zero[8];
	*h = (struct isakmp_hdr_spec){ sa->icookie, memcmp(sa->rcookie, zero, 8) ? sa->rcookie : NULL,
				       ISAKMP_EXCH_IDPROT, 0, 0, false };
}

static void add_vid(struct isakmp_builder *b, enum isakmp_vid id)
{
	const struct isakmp_vid_def *d = isakmp_vid_get(id);
	if (d)
		isakmp_add_vid(b, d->vid, d->len);
}

static void process_vids(struct ike_sa *sa, const struct isakmp_msg *m)
{
	for (const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_NP_VID, NULL); p;
	     p = isakmp_msg_find(m, ISAKMP_NP_VID, p)) {
		IKE_DBG(sa, "processing vendor id payload");
		const struct isakmp_vid_def *d = isakmp_vid_match(p->body, p->body_len);
		if (!d) {
			IKE_DBG(sa, "vendor ID is unknown");
			continue;
		}
		switch (d->id) {
		case VID_CISCO_IOS:
			sa->peer_ios = true;
			IKE_DBG(sa, "speaking to another IOS box!");
			break;
		case VID_DPD:
			sa->peer_dpd = true;
			IKE_DBG(sa, "vendor ID is DPD");
			break;
		case VID_CISCO_UNITY:
			sa->peer_unity = true;
			IKE_DBG(sa, "vendor ID is Unity");
			break;
		case VID_NATT_RFC3947:
			sa->peer_natt_rfc = true;
			sa->natd_type = ISAKMP_NP_NATD;
			IKE_DBG(sa, "vendor ID is NAT-T RFC 3947");
			break;
		default: {
			uint8_t t = isakmp_vid_natd_payload(d->id);
			if (t && !sa->peer_natt_rfc && !sa->natd_type)
				sa->natd_type = t;
			IKE_DBG(sa, "vendor ID is %s", d->name);
		}
		}
	}
}

static int natd_hash(const struct ike_sa *sa, uint32_t addr, uint16_t port, uint8_t *out)
{
	uint8_t a[4], p[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	put32(a, addr);
	struct ike_chunk c[4] = { { sa->icookie, 8 }, { sa->rcookie, 8 }, { a, 4 }, { p, 2 } };
	return ike_hash(sa->hash, c, 4, out);
}

/* NAT-D payloads: the peer's address as we send to it, then ours. */
static void add_natd(struct ike_sa *sa, struct isakmp_builder *b)
{
	if (!sa->natd_type)
		return;
	uint8_t h[IKE_PRF_MAX];
	int n = natd_hash(sa, sa->peer, sa->peer_port, h);
	if (n > 0)
		isakmp_add_raw(b, sa->natd_type, 0, h, (size_t)n);
	n = natd_hash(sa, sa->local, sa->local_port, h);
	if (n > 0)
		isakmp_add_raw(b, sa->natd_type, 0, h, (size_t)n);
}

static void process_natd(struct ike_sa *sa, const struct isakmp_msg *m, uint32_t local, uint16_t local_port)
{
	if (!sa->natd_type)
		return;
	uint8_t me[IKE_PRF_MAX], him[IKE_PRF_MAX];
	int n = natd_hash(sa, local, local_port, me);
	if (natd_hash(sa, sa->peer, sa->peer_port, him) != n || n <= 0)
		return;
	unsigned i = 0;
	bool me_ok = false, him_ok = false;
	for (unsigned j = 0; j < m->npayloads; j++) {
		const struct isakmp_payload *p = &m->pl[j];
		if (p->type != ISAKMP_NP_NATD && p->type != ISAKMP_NP_NATD_DRAFT)
			continue;
		IKE_DBG0("received payload type %u", p->type);
		if (p->body_len == (size_t)n) {
			if (i == 0)
				me_ok = !memcmp(p->body, me, (size_t)n);
			else
				him_ok |= !memcmp(p->body, him, (size_t)n);
		}
		i++;
	}
	if (i < 2)
		return; /* peer sent none: no NAT-T */
	sa->nat_local = !me_ok;
	sa->nat_peer = !him_ok;
	if (sa->nat_local && sa->nat_peer)
		IKE_DBG(sa, "NAT found, both nodes inside NAT");
	else if (sa->nat_local)
		IKE_DBG(sa, "NAT found, the node inside NAT");
	else if (sa->nat_peer)
		IKE_DBG(sa, "NAT found, the peer is inside NAT");
	else
		IKE_DBG(sa, "NAT not found for self or peer");
}

static int check_ke_nonce(struct ike_sa *sa, const struct isakmp_msg *m, uint8_t *gx, uint8_t *nonce,
			  size_t *nonce_len)
{
	size_t kl = 0, nl = 0;
	const uint8_t *ke = isakmp_msg_body(m, ISAKMP_NP_KE, &kl);
	const uint8_t *no = isakmp_msg_body(m, ISAKMP_NP_NONCE, &nl);
	IKE_DBG(sa, "processing KE payload. message ID = 0");
	IKE_DBG(sa, "processing NONCE payload. message ID = 0");
	if (!ke || !no) {
		IKE_DBG(sa, "KE or NONCE payload missing");
		return -1;
	}
	if (kl != sa->gx_len || ike_dh_check_peer(sa->group, ke, kl) < 0) {
		IKE_DBG(sa, "KE payload of %zu bytes not acceptable for group %d", kl, sa->group);
		return -1;
	}
	if (nl < IKE_NONCE_MIN || nl > IKE_NONCE_MAX)
		return -1;
	memcpy(gx, ke, kl);
	memcpy(nonce, no, nl);
	*nonce_len = nl;
	return 0;
}

static int make_keys(struct ike_sa *sa)
{
	ike_keys_free(sa->keys);
	sa->keys = NULL;
	int r = ike_keys_new(&sa->keys, sa->hash, sa->encr, sa->key_bits);
	if (r < 0 || (r = ike_dh_new(&sa->keys->dh, sa->group)) < 0) {
		IKE_DBG(sa, "cannot set up keys: %s", ike_crypto_strerror(r));
		return -1;
	}
	sa->gx_len = ike_dh_group_len(sa->group);
	IKE_ENGINE("CryptoEngine0: generate alg parameter");
	uint8_t *mine = sa->initiator ? sa->gxi : sa->gxr;
	if (ike_dh_public(sa->keys->dh, mine, sizeof sa->gxi) < 0)
		return -1;
	return 0;
}

static int derive(struct ike_sa *sa)
{
	const uint8_t *peer_pub = sa->initiator ? sa->gxr : sa->gxi;
	int r = ike_keys_derive_psk(sa->keys, sa->initiator, (const uint8_t *)sa->psk->key, sa->psk->key_len, sa->ni,
				    sa->ni_len, sa->nr, sa->nr_len, peer_pub, sa->gx_len, sa->icookie, sa->rcookie);
	if (r < 0) {
		IKE_DBG(sa, "SKEYID derivation failed: %s", ike_crypto_strerror(r));
		return -1;
	}
	IKE_ENGINE("CRYPTO_ENGINE: Dh phase 1 status: 0");
	IKE_ENGINE("CryptoEngine0: create ISAKMP SKEYID for conn id %u", sa->conn_id);
	IKE_DBG(sa, "SKEYID state generated");
	ike_keylog_p1(sa);
	return 0;
}

static int add_my_id(struct ike_sa *sa, struct isakmp_builder *b, uint8_t addr[4])
{
	put32(addr, sa->local);
	struct isakmp_id_spec id = { IPSEC_ID_IPV4_ADDR, 17, sa->local_port, addr, 4 };
	IKE_DBG(sa, "SA is doing pre-shared key authentication using id type ID_IPV4_ADDR");
	IKE_DBG(sa, "ID payload next-payload : %u type : 1 address : %s protocol : 17 port : %u length : 12",
		ISAKMP_NP_HASH, ike_ipstr(sa->local), sa->local_port);
	return isakmp_add_id(b, &id);
}

static bool other_sa_with_peer(ike *k, const struct ike_sa *sa)
{
	for (struct ike_sa *s = k->sas; s; s = s->next)
		if (s != sa && s->peer == sa->peer && s->state == IKE_P1_COMPLETE)
			return true;
	for (struct ike_pair *p = k->pairs; p; p = p->next)
		if (p->peer == sa->peer)
			return true;
	return false;
}

/* INITIAL-CONTACT: the peer has rebooted; everything we had with it is stale. */
static void initial_contact(ike *k, struct ike_sa *sa)
{
	IKE_DBG(sa, "Process initial contact, bring down existing phase 1 and 2 SA's with local %s remote %s",
		ike_ipstr(sa->local), ike_ipstr(sa->peer));
	for (struct ike_sa *s = k->sas, *nx; s; s = nx) {
		nx = s->next;
		if (s != sa && s->peer == sa->peer)
			ike_sa_delete(s, "initial contact");
	}
	ike_pairs_forget_peer(k, sa->peer, sa->conn_id);
}

static void p1_done(struct ike_sa *sa)
{
	ike *k = sa->k;
	elog_msg(ELOG_INFO, "CRYPTO", "IKMP_SA_UP", "ISAKMP SA %u with %s is up (%s %s group %d, %s)", sa->conn_id,
		 ike_ipstr(sa->peer), ike_encr_name(sa->encr), ike_hash_name(sa->hash), sa->group,
		 sa->natt ? "NAT-T" : "no NAT");
	ike_sa_established(sa);
	(void)k;
}

/* ---- initiator ------------------------------------------------------------ */

int ike_mm_initiate(ike *k, uint32_t local, uint32_t peer, struct ike_sa **out)
{
	*out = NULL;
	const ios_keyring *kr = NULL;
	const ios_psk *psk = ios_psk_lookup(k->cfg, peer, &kr);
	if (!psk) {
		IKE_DBG0("No pre-shared key with %s!", ike_ipstr(peer));
		elog_msg(ELOG_NOTICE, "CRYPTO", "IKMP_MODE_FAILURE",
			 "Processing of Main mode failed with peer at %s: no pre-shared key", ike_ipstr(peer));
		return -ENOKEY;
	}
	if (!k->cfg->n_policies)
		return -EINVAL;
	struct ike_sa *sa = ike_sa_new(k, true, local, peer);
	if (!sa)
		return -ENOMEM;
	sa->psk = psk;
	IKE_DBG0("local port %u, remote port %u", k->p.ike_port, ISAKMP_PORT);
	IKE_DBG(sa, "found peer pre-shared key matching %s", ike_ipstr(peer));
	IKE_DBG(sa, "constructed NAT-T vendor-rfc3947 ID");
	IKE_DBG(sa, "constructed NAT-T vendor-07 ID");
	IKE_DBG(sa, "constructed NAT-T vendor-03 ID");
	IKE_DBG(sa, "constructed NAT-T vendor-02 ID");
	ike_sa_set_state(sa, IKE_I_MM1, "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM");
	IKE_DBG(sa, "beginning Main Mode exchange");

	struct isakmp_transform_spec t[MAX_P1_TRANSFORMS];
	struct isakmp_attr_spec a[MAX_P1_TRANSFORMS * 8];
	uint8_t life[MAX_P1_TRANSFORMS * 4];
	size_t nt = ike_p1_build(k->cfg, t, a, life, MAX_P1_TRANSFORMS);
	struct isakmp_proposal_spec p = { 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, (uint8_t)nt, t };
	struct isakmp_sa_spec sas = { 0, 0, 1, &p };
	struct isakmp_hdr_spec h;
	hdr(sa, &h);
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	int sah = isakmp_add_sa(&b, &sas);
	add_vid(&b, VID_NATT_RFC3947);
	add_vid(&b, VID_NATT_DRAFT_07);
	add_vid(&b, VID_NATT_DRAFT_03);
	add_vid(&b, VID_NATT_DRAFT_02N);
	size_t len = 0, bl = 0;
	const uint8_t *body = isakmp_build_body(&b, sah, &bl);
	if (isakmp_build_finish(&b, &len) < 0 || !body || !(sa->sai_b = malloc(bl))) {
		ike_sa_delete(sa, "cannot build main mode 1");
		return -ENOMEM;
	}
	memcpy(sa->sai_b, body, bl);
	sa->sai_len = bl;
	mm_send(sa, len, true);
	*out = sa;
	return 0;
}

/* MM2 in IKE_I_MM1: the responder's choice must be one of our policies. */
static int i_mm2(ike *k, struct ike_sa *sa, struct isakmp_msg *m)
{
	memcpy(sa->rcookie, m->rcookie, 8);
	ike_sa_set_state(sa, IKE_I_MM2, "IKE_MESG_FROM_PEER, IKE_MM_EXCH");
	IKE_DBG(sa, "processing SA payload. message ID = 0");
	struct ike_p1_offer o[2];
	int n = ike_p1_offers(m, isakmp_msg_find(m, ISAKMP_NP_SA, NULL), o, 2);
	if (n != 1) {
		IKE_DBG(sa, "responder's SA payload must carry one transform (got %d)", n);
		return -1;
	}
	IKE_DBG(sa, "found peer pre-shared key matching %s", ike_ipstr(sa->peer));
	const ios_isakmp_policy *pol = NULL;
	struct ike_p1_offer chk = o[0];
	chk.has_life_sec = false; /* the responder may answer with a lower or equal lifetime */
	if (ike_p1_select(k->cfg, &chk, 1, sa, &pol) < 0) {
		IKE_DBG(sa, "responder chose a transform we did not offer");
		return -1;
	}
	sa->policy = pol;
	sa->encr = o[0].encr;
	sa->key_bits = o[0].key_bits;
	sa->hash = o[0].hash;
	sa->group = o[0].group;
	sa->lifetime = o[0].has_life_sec && o[0].life_sec < pol->lifetime ? o[0].life_sec : pol->lifetime;
	process_vids(sa, m);
	if (make_keys(sa) < 0)
		return -1;
	sa->ni_len = IKE_OUR_NONCE_LEN;
	ike_random(sa->ni, sa->ni_len);

	struct isakmp_hdr_spec h;
	hdr(sa, &h);
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	isakmp_add_ke(&b, sa->gxi, sa->gx_len);
	isakmp_add_nonce(&b, sa->ni, sa->ni_len);
	add_vid(&b, VID_DPD);
	add_vid(&b, VID_CISCO_IOS);
	add_natd(sa, &b);
	size_t len = 0;
	if (isakmp_build_finish(&b, &len) < 0)
		return -1;
	ike_sa_set_state(sa, IKE_I_MM3, "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
	mm_send(sa, len, true);
	return 0;
}

static int i_mm4(ike *k, struct ike_sa *sa, struct isakmp_msg *m)
{
	ike_sa_set_state(sa, IKE_I_MM4, "IKE_MESG_FROM_PEER, IKE_MM_EXCH");
	if (check_ke_nonce(sa, m, sa->gxr, sa->nr, &sa->nr_len) < 0)
		return -1;
	IKE_DBG(sa, "found peer pre-shared key matching %s", ike_ipstr(sa->peer));
	if (derive(sa) < 0)
		return -1;
	process_vids(sa, m);
	process_natd(sa, m, sa->local, sa->local_port);
	if (sa->nat_local || sa->nat_peer) {
		sa->natt = true;
		sa->local_port = k->p.natt_port;
		sa->peer_port = ISAKMP_NATT_PORT;
	}
	ike_sa_set_state(sa, IKE_I_MM4, "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE");

	struct isakmp_hdr_spec h;
	hdr(sa, &h);
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	uint8_t addr[4];
	int idh = add_my_id(sa, &b, addr);
	size_t idl = 0;
	const uint8_t *idb = isakmp_build_body(&b, idh, &idl);
	uint8_t hi[IKE_PRF_MAX];
	int hl = idb ? ike_hash_i(sa->hash, sa->keys->skeyid, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->icookie,
				  sa->rcookie, sa->sai_b, sa->sai_len, idb, idl, hi)
		     : -1;
	if (hl < 0)
		return -1;
	isakmp_add_hash(&b, hi, (size_t)hl);
	if (!other_sa_with_peer(k, sa)) {
		uint8_t spi[16];
		memcpy(spi, sa->icookie, 8);
		memcpy(spi + 8, sa->rcookie, 8);
		struct isakmp_notify_spec n = { ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, 16, IPSEC_N_INITIAL_CONTACT, spi,
						NULL, 0 };
		IKE_DBG(sa, "sending INITIAL_CONTACT notify");
		isakmp_add_notify(&b, &n);
	}
	size_t len = 0;
	if (ike_seal(sa, &b, sa->keys->iv, &len) < 0)
		return -1;
	ike_sa_set_state(sa, IKE_I_MM5, "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
	mm_send(sa, len, true);
	return 0;
}

/* Check the peer's ID and HASH in a decrypted MM5/MM6. */
static int check_auth(struct ike_sa *sa, const struct isakmp_msg *m)
{
	const struct isakmp_payload *id = isakmp_msg_find(m, ISAKMP_NP_ID, NULL);
	const struct isakmp_payload *hp = isakmp_msg_find(m, ISAKMP_NP_HASH, NULL);
	IKE_DBG(sa, "processing ID payload. message ID = 0");
	if (!id || !hp) {
		IKE_DBG(sa, "ID or HASH payload missing");
		return -1;
	}
	if (id->u.id.type == IPSEC_ID_IPV4_ADDR && id->u.id.data_len == 4) {
		uint32_t a = (uint32_t)id->u.id.data[0] << 24 | (uint32_t)id->u.id.data[1] << 16 |
			     (uint32_t)id->u.id.data[2] << 8 | id->u.id.data[3];
		IKE_DBG(sa, "ID payload next-payload : %u type : 1 address : %s protocol : %u port : %u length : %u",
			ISAKMP_NP_HASH, ike_ipstr(a), id->u.id.proto, id->u.id.port, id->len);
	}
	IKE_DBG(sa, "processing HASH payload. message ID = 0");
	uint8_t want[IKE_PRF_MAX];
	int hl = sa->initiator ? ike_hash_r(sa->hash, sa->keys->skeyid, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len,
					    sa->icookie, sa->rcookie, sa->sai_b, sa->sai_len, id->body, id->body_len,
					    want)
			       : ike_hash_i(sa->hash, sa->keys->skeyid, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len,
					    sa->icookie, sa->rcookie, sa->sai_b, sa->sai_len, id->body, id->body_len,
					    want);
	if (hl < 0 || hp->body_len != (size_t)hl || !ike_hash_equal(want, hp->body, (size_t)hl)) {
		IKE_DBG(sa, "hash of the peer's identity does not match: probable pre-shared key mismatch");
		return -1;
	}
	IKE_DBG(sa, "SA authentication status: authenticated");
	IKE_DBG(sa, "SA has been authenticated with %s", ike_ipstr(sa->peer));
	return 0;
}

static int i_mm6(ike *k, struct ike_sa *sa, struct isakmp_msg *m)
{
	(void)k;
	uint8_t next_iv[IKE_BLOCK_MAX];
	if (ike_open(sa, m, sa->keys->iv, next_iv) < 0 || check_auth(sa, m) < 0) {
		ike_bad_message(k, sa->peer, NULL);
		return 2; /* not fatal: wait for a retransmission or give up by timer */
	}
	memcpy(sa->keys->iv, next_iv, sa->keys->block_len);
	ike_sa_set_state(sa, IKE_I_MM6, "IKE_MESG_FROM_PEER, IKE_MM_EXCH");
	ike_tx_clear(k, &sa->tx);
	ike_sa_set_state(sa, IKE_P1_COMPLETE, "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
	p1_done(sa);
	ike_qm_start_pending(sa);
	return 0;
}

/* ---- responder ------------------------------------------------------------ */

static void mm_fail(ike *k, struct ike_sa *sa, uint16_t notify, const char *why)
{
	char l[16];
	IKE_DBG(sa, "%s (local %s remote %s)", why, ike_ip(sa->local, l), ike_ipstr(sa->peer));
	elog_msg(ELOG_INFO, "CRYPTO", "IKMP_MODE_FAILURE", "Processing of Main mode failed with peer at %s",
		 ike_ipstr(sa->peer));
	if (notify)
		ike_notify_plain(k, sa->icookie, sa->rcookie, sa->local, sa->peer, sa->peer_port, sa->natt, notify);
	k->st.p1_failed++;
	ike_sa_delete(sa, why);
}

/* A peer the configuration names: a `set peer` of a crypto map or
 * dynamic-map entry, or the address of a host key (mask 255.255.255.255,
 * in any keyring).  Wildcard and subnet keys do not count. */
static bool peer_configured(const ios_config *cfg, uint32_t peer)
{
	for (int dyn = 0; dyn < 2; dyn++) {
		const ios_crypto_map *maps = dyn ? cfg->dynmaps : cfg->maps;
		size_t n = dyn ? cfg->n_dynmaps : cfg->n_maps;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < maps[i].n_entries; j++)
				for (size_t q = 0; q < maps[i].entries[j].n_peers; q++)
					if (maps[i].entries[j].peers[q] == peer)
						return true;
	}
	for (size_t i = 0; i < cfg->n_keyrings; i++)
		for (size_t j = 0; j < cfg->keyrings[i].n_keys; j++)
			if (cfg->keyrings[i].keys[j].mask == 0xffffffffu && cfg->keyrings[i].keys[j].addr == peer)
				return true;
	return false;
}

/* The global half-open budget is full and a configured peer's MM1 came
 * in: drop the oldest half-open responder SA of an address the
 * configuration does not name (docs/ike.md, Hostile input).  false if
 * there is none (the budget is all configured peers' and our own). */
static bool evict_stranger(ike *k, uint32_t for_peer)
{
	struct ike_sa *old = NULL;
	for (struct ike_sa *s = k->sas; s; s = s->next)
		if (!s->initiator && !s->dead && s->state != IKE_P1_COMPLETE && !peer_configured(k->cfg, s->peer) &&
		    (!old || s->created_ms <= old->created_ms))
			old = s;
	if (!old)
		return false;
	char b[16];
	elog_msg(ELOG_WARNING, "CRYPTO", "IKMP_HALF_OPEN_EVICT",
		 "main mode from configured peer %s: half-open ISAKMP SA %u with %s (%s) dropped to make room",
		 ike_ip(for_peer, b), old->conn_id, ike_ipstr(old->peer), ike_p1_show_state(old->state));
	ike_sa_delete(old, "half-open limit: room for a configured peer");
	return true;
}

void ike_mm_responder_new(ike *k, struct isakmp_msg *m, const netio_dgram *d, uint16_t local_port)
{
	unsigned all = ike_half_open(k, 0), per = ike_half_open(k, d->peer);
	if (all >= k->p.max_half_open && per < k->p.max_half_open_peer && peer_configured(k->cfg, d->peer))
		while (all >= k->p.max_half_open && evict_stranger(k, d->peer))
			all = ike_half_open(k, 0);
	if (all >= k->p.max_half_open || per >= k->p.max_half_open_peer) {
		k->st.half_open_drops++;
		uint64_t now = evloop_now(k->p.loop);
		if (now - k->halfopen_log_ms >= 1000 || !k->halfopen_log_ms) {
			k->halfopen_log_ms = now;
			elog_msg(ELOG_WARNING, "CRYPTO", "IKMP_HALF_OPEN_LIMIT",
				 "main mode from %s dropped: %u ISAKMP SAs in negotiation (limit %u, %u from this peer, limit %u)",
				 ike_ipstr(d->peer), all, k->p.max_half_open, per, k->p.max_half_open_peer);
		}
		return;
	}
	struct ike_sa *sa = ike_sa_new(k, false, d->local, d->peer);
	if (!sa)
		return;
	ike_sa_ref(sa);
	memcpy(sa->icookie, m->icookie, 8);
	sa->peer_port = d->peer_port;
	sa->local_port = local_port;
	sa->natt = local_port == k->p.natt_port;
	IKE_DBG(sa, "received packet from %s dport %u sport %u Global (N) NEW SA", ike_ipstr(d->peer), local_port,
		d->peer_port);
	IKE_DBG0("local port %u, remote port %u", local_port, d->peer_port);
	ike_sa_set_state(sa, IKE_R_MM1, "IKE_MESG_FROM_PEER, IKE_MM_EXCH");
	IKE_DBG(sa, "processing SA payload. message ID = 0");
	process_vids(sa, m);

	const struct isakmp_payload *sap = isakmp_msg_find(m, ISAKMP_NP_SA, NULL);
	struct ike_p1_offer o[MAX_P1_TRANSFORMS];
	int n = ike_p1_offers(m, sap, o, MAX_P1_TRANSFORMS);
	const ios_keyring *kr = NULL;
	sa->psk = ios_psk_lookup(k->cfg, d->peer, &kr);
	if (n <= 0) {
		mm_fail(k, sa, ISAKMP_N_BAD_PROPOSAL_SYNTAX, "no ISAKMP proposal in the SA payload");
		goto out;
	}
	if (!sa->psk) {
		IKE_DBG(sa, "No pre-shared key with %s!", ike_ipstr(d->peer));
		mm_fail(k, sa, ISAKMP_N_NO_PROPOSAL_CHOSEN, "phase 1 SA policy not acceptable! (no pre-shared key)");
		goto out;
	}
	IKE_DBG(sa, "found peer pre-shared key matching %s", ike_ipstr(d->peer));
	const ios_isakmp_policy *pol = NULL;
	int i = ike_p1_select(k->cfg, o, (size_t)n, sa, &pol);
	if (i < 0) {
		mm_fail(k, sa, ISAKMP_N_NO_PROPOSAL_CHOSEN, "phase 1 SA policy not acceptable!");
		goto out;
	}
	sa->policy = pol;
	sa->encr = o[i].encr;
	sa->key_bits = o[i].key_bits;
	sa->hash = o[i].hash;
	sa->group = o[i].group;
	sa->lifetime = o[i].has_life_sec ? o[i].life_sec : pol->lifetime;
	IKE_DBG(sa, "starting lifetime timer: %u", sa->lifetime);
	size_t bl = 0;
	const uint8_t *body = isakmp_msg_body(m, ISAKMP_NP_SA, &bl);
	if (!(sa->sai_b = malloc(bl)))
		goto out;
	memcpy(sa->sai_b, body, bl);
	sa->sai_len = bl;
	ike_digest(m->raw, m->length, sa->rx_digest);
	sa->have_rx = true;

	/* MM2: the chosen transform, attributes echoed as received */
	struct isakmp_attr_spec a[64];
	unsigned na = 0;
	for (unsigned j = 0; j < o[i].nattrs && na < 64; j++) {
		const struct isakmp_attr_v *v = &m->attrs[o[i].attr_first + j];
		a[na++] = v->tv ? (struct isakmp_attr_spec){ v->type, ISAKMP_ENC_TV, (uint32_t)v->val, NULL, 0 }
				: (struct isakmp_attr_spec){ v->type, ISAKMP_ENC_TLV, 0, v->data, v->len };
	}
	const struct isakmp_proposal_v *pv = &m->props[sap->u.sa.prop_first];
	struct isakmp_transform_spec t = { o[i].tnum, ISAKMP_KEY_IKE, (uint8_t)na, a };
	struct isakmp_proposal_spec p = { pv->pnum, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 1, &t };
	struct isakmp_sa_spec sas = { 0, 0, 1, &p };
	struct isakmp_hdr_spec h;
	hdr(sa, &h);
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	isakmp_add_sa(&b, &sas);
	if (sa->peer_natt_rfc) {
		IKE_DBG(sa, "constructed NAT-T vendor-rfc3947 ID");
		add_vid(&b, VID_NATT_RFC3947);
	} else if (sa->natd_type) {
		/* echo the newest draft VID the peer sent */
		const struct isakmp_vid_def *best = NULL;
		for (const struct isakmp_payload *vp = isakmp_msg_find(m, ISAKMP_NP_VID, NULL); vp;
		     vp = isakmp_msg_find(m, ISAKMP_NP_VID, vp)) {
			const struct isakmp_vid_def *dv = isakmp_vid_match(vp->body, vp->body_len);
			if (dv && isakmp_vid_natd_payload(dv->id) && (!best || dv->id > best->id))
				best = dv;
		}
		if (best)
			isakmp_add_vid(&b, best->vid, best->len);
	}
	size_t len = 0;
	if (isakmp_build_finish(&b, &len) < 0)
		goto out;
	ike_sa_set_state(sa, IKE_R_MM1, "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE");
	ike_sa_set_state(sa, IKE_R_MM2, "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
	mm_send(sa, len, true);
out:
	ike_sa_unref(sa);
}

static int r_mm3(ike *k, struct ike_sa *sa, struct isakmp_msg *m, const netio_dgram *d, uint16_t local_port)
{
	ike_sa_set_state(sa, IKE_R_MM3, "IKE_MESG_FROM_PEER, IKE_MM_EXCH");
	sa->gx_len = ike_dh_group_len(sa->group);
	if (check_ke_nonce(sa, m, sa->gxi, sa->ni, &sa->ni_len) < 0)
		return -1;
	IKE_DBG(sa, "found peer pre-shared key matching %s", ike_ipstr(sa->peer));
	if (make_keys(sa) < 0)
		return -1;
	sa->nr_len = IKE_OUR_NONCE_LEN;
	ike_random(sa->nr, sa->nr_len);
	if (derive(sa) < 0)
		return -1;
	process_vids(sa, m);
	process_natd(sa, m, d->local, local_port);
	ike_sa_set_state(sa, IKE_R_MM3, "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE");

	struct isakmp_hdr_spec h;
	hdr(sa, &h);
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	isakmp_add_ke(&b, sa->gxr, sa->gx_len);
	isakmp_add_nonce(&b, sa->nr, sa->nr_len);
	add_vid(&b, VID_DPD);
	add_vid(&b, VID_CISCO_IOS);
	add_natd(sa, &b);
	size_t len = 0;
	if (isakmp_build_finish(&b, &len) < 0)
		return -1;
	ike_sa_set_state(sa, IKE_R_MM4, "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
	mm_send(sa, len, true);
	return 0;
}

static int r_mm5(ike *k, struct ike_sa *sa, struct isakmp_msg *m, const netio_dgram *d, uint16_t local_port)
{
	uint8_t next_iv[IKE_BLOCK_MAX];
	if (ike_open(sa, m, sa->keys->iv, next_iv) < 0 || check_auth(sa, m) < 0) {
		ike_bad_message(k, sa->peer, NULL);
		return 2; /* keep the SA: a good retransmission may follow; the timer ends it otherwise */
	}
	memcpy(sa->keys->iv, next_iv, sa->keys->block_len);
	if (local_port == k->p.natt_port) {
		/* the initiator floated (RFC 3947 §4) */
		sa->natt = true;
		sa->local_port = local_port;
		sa->peer_port = d->peer_port;
	}
	ike_sa_set_state(sa, IKE_R_MM5, "IKE_MESG_FROM_PEER, IKE_MM_EXCH");
	for (const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_NP_N, NULL); p;
	     p = isakmp_msg_find(m, ISAKMP_NP_N, p))
		if (p->u.n.type == IPSEC_N_INITIAL_CONTACT) {
			IKE_DBG(sa, "processing NOTIFY INITIAL_CONTACT protocol %u", p->u.n.proto);
			initial_contact(k, sa);
		}

	struct isakmp_hdr_spec h;
	hdr(sa, &h);
	struct isakmp_builder b;
	isakmp_build_init(&b, k->out, sizeof k->out, &h);
	uint8_t addr[4];
	int idh = add_my_id(sa, &b, addr);
	size_t idl = 0;
	const uint8_t *idb = isakmp_build_body(&b, idh, &idl);
	uint8_t hr[IKE_PRF_MAX];
	int hl = idb ? ike_hash_r(sa->hash, sa->keys->skeyid, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->icookie,
				  sa->rcookie, sa->sai_b, sa->sai_len, idb, idl, hr)
		     : -1;
	if (hl < 0)
		return -1;
	isakmp_add_hash(&b, hr, (size_t)hl);
	size_t len = 0;
	if (ike_seal(sa, &b, sa->keys->iv, &len) < 0)
		return -1;
	ike_sa_set_state(sa, IKE_P1_COMPLETE, "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
	mm_send(sa, len, false); /* kept to answer a retransmitted MM5 */
	ike_sa_set_state(sa, IKE_P1_COMPLETE, "IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE");
	p1_done(sa);
	ike_qm_start_pending(sa);
	return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

void ike_mm_input(ike *k, struct ike_sa *sa, struct isakmp_msg *m, const netio_dgram *d, uint16_t local_port)
{
	if (sa->dead)
		return;
	dbg_rcvd(sa, d, local_port);
	uint8_t dg[IKE_DIGEST_LEN];
	ike_digest(m->raw, m->length, dg);
	if (sa->have_rx && !memcmp(dg, sa->rx_digest, sizeof dg)) {
		k->st.rx_dup++;
		IKE_DBG(sa, "phase 1 packet is a duplicate of a previous packet.");
		if (sa->tx.buf) {
			IKE_DBG(sa, "retransmitting due to retransmit phase 1");
			ike_tx_resend(k, &sa->tx);
		}
		return;
	}
	bool enc = m->encrypted;
	int r;
	switch (sa->state) {
	case IKE_I_MM1:
		r = enc ? 1 : i_mm2(k, sa, m);
		break;
	case IKE_I_MM3:
		r = enc ? 1 : i_mm4(k, sa, m);
		break;
	case IKE_I_MM5:
		r = enc ? i_mm6(k, sa, m) : 1;
		break;
	case IKE_R_MM2:
		r = enc ? 1 : r_mm3(k, sa, m, d, local_port);
		break;
	case IKE_R_MM4:
		r = enc ? r_mm5(k, sa, m, d, local_port) : 1;
		break;
	default:
		r = 1;
	}
	if (r == 0) {
		memcpy(sa->rx_digest, dg, sizeof dg);
		sa->have_rx = true;
		return;
	}
	if (r == 2)
		return; /* logged */
	if (r > 0) {
		IKE_DBG(sa, "main mode message not expected in state %s: dropped", ike_p1_state_name(sa->state));
		return;
	}
	/* a hard failure in our own processing, or a message that cannot be right */
	ike_bad_message(k, sa->peer, NULL);
	mm_fail(k, sa, ISAKMP_N_PAYLOAD_MALFORMED, "main mode failed");
}
