/*
 * ike_proposal.c — phase-1 and phase-2 proposals: what espfabd offers
 * (from `crypto isakmp policy` and the crypto map entry's transform sets),
 * how it decodes an offer, and how it matches one the way IOS does, with
 * IOS's debug lines ("Checking ISAKMP transform 1 against priority 10
 * policy", "atts are acceptable.").  Also the proxy identities: ACL lines
 * <-> selectors <-> ID payloads.
 */
#include <stdio.h>
#include <string.h>

#include "ike_int.h"

/* ---- phase 1 ------------------------------------------------------------ */

static uint32_t attr_u32(const struct isakmp_attr_v *a, bool *ok)
{
	if (!a->val_ok || a->val > 0xffffffffu) {
		*ok = false;
		return 0;
	}
	return (uint32_t)a->val;
}

int ike_p1_offers(const struct isakmp_msg *m, const struct isakmp_payload *sa, struct ike_p1_offer *o, size_t max)
{
	if (!sa || sa->type != ISAKMP_NP_SA || sa->u.sa.nprops == 0)
		return -1;
	const struct isakmp_proposal_v *p = &m->props[sa->u.sa.prop_first];
	if (p->proto != ISAKMP_PROTO_ISAKMP)
		return -1;
	size_t n = 0;
	for (unsigned i = 0; i < p->ntrans && n < max; i++) {
		const struct isakmp_transform_v *t = &m->trans[p->trans_first + i];
		struct ike_p1_offer *x = &o[n++];
		memset(x, 0, sizeof *x);
		x->tnum = t->tnum;
		x->attr_first = t->attr_first;
		x->nattrs = t->nattrs;
		if (t->tid != ISAKMP_KEY_IKE)
			x->unknown_attr = true;
		uint16_t life_type = 0;
		for (unsigned j = 0; j < t->nattrs; j++) {
			const struct isakmp_attr_v *a = &m->attrs[t->attr_first + j];
			bool ok = true;
			uint32_t v = attr_u32(a, &ok);
			switch (a->type) {
			case IKE_ATTR_ENCRYPTION: x->encr = (uint16_t)v; break;
			case IKE_ATTR_HASH: x->hash = (uint16_t)v; break;
			case IKE_ATTR_AUTH_METHOD: x->auth = (uint16_t)v; break;
			case IKE_ATTR_GROUP_DESC: x->group = (uint16_t)v; break;
			case IKE_ATTR_KEY_LENGTH: x->key_bits = (uint16_t)v; break;
			case IKE_ATTR_LIFE_TYPE: life_type = (uint16_t)v; break;
			case IKE_ATTR_LIFE_DURATION:
				if (life_type == IKE_LIFE_SECONDS) {
					x->life_sec = v;
					x->has_life_sec = true;
				} else if (life_type == IKE_LIFE_KILOBYTES) {
					x->life_kb = v;
				} else {
					ok = false;
				}
				break;
			default:
				ok = false;
			}
			if (!ok)
				x->unknown_attr = true;
		}
	}
	return (int)n;
}

static const char *p1_encr_name(unsigned e)
{
	switch (e) {
	case IKE_ENCR_DES_CBC: return "DES-CBC";
	case IKE_ENCR_3DES_CBC: return "3DES-CBC";
	case IKE_ENCR_AES_CBC: return "AES-CBC";
	default: return "unknown";
	}
}

int ike_p1_check_policy(const ios_isakmp_policy *pol, const struct ike_p1_offer *o, const char **why)
{
	const char *w = NULL;
	if (o->unknown_attr)
		w = "Unsupported attribute or value offered!";
	else if (o->encr != pol->encr)
		w = "Encryption algorithm offered does not match policy!";
	else if (o->encr == IKE_ENCR_AES_CBC && o->key_bits != pol->key_len * 8u)
		w = "Key length offered does not match policy!";
	else if (o->hash != pol->hash)
		w = "Hash algorithm offered does not match policy!";
	else if (o->auth != pol->auth)
		w = "Preshared authentication offered but does not match policy!";
	else if (o->group != pol->group)
		w = "Diffie-Hellman group offered does not match policy!";
	else if (o->has_life_sec && o->life_sec > pol->lifetime)
		w = "Life duration offered is greater than policy!";
	if (why)
		*why = w;
	return w ? -1 : 0;
}

static void p1_offer_debug(const struct ike_p1_offer *o)
{
	if (!elog_debug_on(ELOG_DBG_CRYPTO_ISAKMP))
		return;
	IKE_DBG0("      encryption %s", p1_encr_name(o->encr));
	if (o->key_bits)
		IKE_DBG0("      keylength of %u", o->key_bits);
	IKE_DBG0("      hash %s", o->hash == IKE_HASH_SHA ? "SHA" : o->hash == IKE_HASH_MD5 ? "MD5" : "unknown");
	IKE_DBG0("      %s group %u", o->group == 1 ? "default" : "", o->group);
	IKE_DBG0("      auth %s", o->auth == IKE_AUTH_PSK ? "pre-share" : "unsupported");
	if (o->has_life_sec) {
		IKE_DBG0("      life type in seconds");
		IKE_DBG0("      life duration (VPI) of 0x%x 0x%x 0x%x 0x%x", o->life_sec >> 24, (o->life_sec >> 16) & 255,
			 (o->life_sec >> 8) & 255, o->life_sec & 255);
	}
}

int ike_p1_select(const ios_config *cfg, const struct ike_p1_offer *o, size_t n, const struct ike_sa *sa,
		  const ios_isakmp_policy **pol)
{
	for (size_t p = 0; p < cfg->n_policies; p++) {
		const ios_isakmp_policy *pl = &cfg->policies[p];
		for (size_t i = 0; i < n; i++) {
			IKE_DBG(sa, "Checking ISAKMP transform %u against priority %u policy", o[i].tnum, pl->priority);
			p1_offer_debug(&o[i]);
			const char *why = NULL;
			unsigned next = i + 1 < n ? ISAKMP_NP_T : ISAKMP_NP_NONE;
			if (ike_p1_check_policy(pl, &o[i], &why) == 0) {
				IKE_DBG(sa, "atts are acceptable. Next payload is %u", next);
				*pol = pl;
				return (int)i;
			}
			IKE_DBG(sa, "%s", why);
			IKE_DBG(sa, "atts are not acceptable. Next payload is %u", next);
		}
	}
	*pol = NULL;
	return -1;
}

size_t ike_p1_build(const ios_config *cfg, struct isakmp_transform_spec *t, struct isakmp_attr_spec *a,
		    uint8_t *life_buf, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_policies && n < max && n < 255; i++) {
		const ios_isakmp_policy *pl = &cfg->policies[i];
		struct isakmp_attr_spec *x = &a[n * 8];
		uint8_t k = 0;
		x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_ENCRYPTION, ISAKMP_ENC_TV, pl->encr, NULL, 0 };
		if (pl->encr == IKE_ENCR_AES_CBC)
			x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_KEY_LENGTH, ISAKMP_ENC_TV, pl->key_len * 8u, NULL,
							    0 };
		x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_HASH, ISAKMP_ENC_TV, pl->hash, NULL, 0 };
		x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_GROUP_DESC, ISAKMP_ENC_TV, pl->group, NULL, 0 };
		x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_AUTH_METHOD, ISAKMP_ENC_TV, pl->auth, NULL, 0 };
		x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_LIFE_TYPE, ISAKMP_ENC_TV, IKE_LIFE_SECONDS, NULL, 0 };
		/* IOS sends the duration as a 4-byte variable attribute ("(VPI) of 0x0 0x1 0x51 0x80") */
		uint8_t *lb = life_buf + n * 4;
		lb[0] = (uint8_t)(pl->lifetime >> 24);
		lb[1] = (uint8_t)(pl->lifetime >> 16);
		lb[2] = (uint8_t)(pl->lifetime >> 8);
		lb[3] = (uint8_t)pl->lifetime;
		x[k++] = (struct isakmp_attr_spec){ IKE_ATTR_LIFE_DURATION, ISAKMP_ENC_TLV, 0, lb, 4 };
		t[n] = (struct isakmp_transform_spec){ (uint8_t)(n + 1), ISAKMP_KEY_IKE, k, x };
		n++;
	}
	return n;
}

/* ---- phase 2 ------------------------------------------------------------ */

uint8_t ike_esp_tid(uint8_t cipher)
{
	switch (cipher) {
	case ESPFAB_CIPHER_DES: return ESP_DES;
	case ESPFAB_CIPHER_3DES: return ESP_3DES;
	case ESPFAB_CIPHER_AES: return ESP_AES;
	default: return 0;
	}
}

uint16_t ike_esp_auth(uint8_t auth)
{
	switch (auth) {
	case ESPFAB_AUTH_MD5: return IPSEC_AUTH_HMAC_MD5;
	case ESPFAB_AUTH_SHA1: return IPSEC_AUTH_HMAC_SHA;
	default: return 0;
	}
}

size_t ike_esp_auth_key_len(uint8_t auth)
{
	return auth == ESPFAB_AUTH_MD5 ? 16 : auth == ESPFAB_AUTH_SHA1 ? 20 : 0;
}

uint16_t ike_encap_mode(uint8_t mode, bool natt)
{
	if (mode == ESPFAB_MODE_TRANSPORT)
		return natt ? IPSEC_ENCAP_UDP_TRANSPORT : IPSEC_ENCAP_TRANSPORT;
	return natt ? IPSEC_ENCAP_UDP_TUNNEL : IPSEC_ENCAP_TUNNEL;
}

int ike_p2_offers(const struct isakmp_msg *m, const struct isakmp_payload *sa, struct ike_p2_offer *o, size_t max)
{
	if (!sa || sa->type != ISAKMP_NP_SA)
		return -1;
	size_t n = 0;
	for (unsigned pi = 0; pi < sa->u.sa.nprops; pi++) {
		const struct isakmp_proposal_v *p = &m->props[sa->u.sa.prop_first + pi];
		/* a bundle (several protocols under one proposal number) is not supported */
		bool bundle = false;
		for (unsigned pj = 0; pj < sa->u.sa.nprops; pj++)
			if (pj != pi && m->props[sa->u.sa.prop_first + pj].pnum == p->pnum)
				bundle = true;
		if (p->proto != ISAKMP_PROTO_ESP || p->spi_size != 4 || bundle)
			continue;
		uint32_t spi = (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 | (uint32_t)p->spi[2] << 8 | p->spi[3];
		for (unsigned i = 0; i < p->ntrans && n < max; i++) {
			const struct isakmp_transform_v *t = &m->trans[p->trans_first + i];
			struct ike_p2_offer *x = &o[n++];
			memset(x, 0, sizeof *x);
			x->pnum = p->pnum;
			x->tnum = t->tnum;
			x->tid = t->tid;
			x->spi = spi;
			x->attr_first = t->attr_first;
			x->nattrs = t->nattrs;
			uint16_t life_type = 0;
			for (unsigned j = 0; j < t->nattrs; j++) {
				const struct isakmp_attr_v *a = &m->attrs[t->attr_first + j];
				bool ok = true;
				uint32_t v = attr_u32(a, &ok);
				switch (a->type) {
				case IPSEC_ATTR_LIFE_TYPE: life_type = (uint16_t)v; break;
				case IPSEC_ATTR_LIFE_DURATION:
					if (life_type == IPSEC_LIFE_SECONDS) {
						x->life_sec = v;
						x->has_life_sec = true;
					} else if (life_type == IPSEC_LIFE_KILOBYTES) {
						x->life_kb = v;
						x->has_life_kb = true;
					} else {
						ok = false;
					}
					break;
				case IPSEC_ATTR_GROUP_DESC: x->group = (uint16_t)v; break;
				case IPSEC_ATTR_ENCAP_MODE: x->encap = (uint16_t)v; break;
				case IPSEC_ATTR_AUTH_ALG: x->auth = (uint16_t)v; break;
				case IPSEC_ATTR_KEY_LENGTH: x->key_bits = (uint16_t)v; break;
				default: ok = false;
				}
				if (!ok)
					x->unknown_attr = true;
			}
		}
	}
	return (int)n;
}

static bool encap_ok(uint16_t offered, uint8_t mode, bool natt)
{
	if (offered == 0) /* not given: tunnel (IOS's default) */
		return mode == ESPFAB_MODE_TUNNEL && !natt;
	if (mode == ESPFAB_MODE_TUNNEL)
		return natt ? (offered == IPSEC_ENCAP_UDP_TUNNEL || offered == IPSEC_ENCAP_UDP_TUNNEL_DRAFT)
			    : offered == IPSEC_ENCAP_TUNNEL;
	return natt ? (offered == IPSEC_ENCAP_UDP_TRANSPORT || offered == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT)
		    : offered == IPSEC_ENCAP_TRANSPORT;
}

int ike_p2_check_tset(const ios_transform_set *ts, const struct ike_p2_offer *o, bool natt, uint8_t pfs_group,
		      const char **why)
{
	const char *w = NULL;
	unsigned bits = o->key_bits ? o->key_bits : (o->tid == ESP_AES ? 128u : 0u);
	if (o->unknown_attr)
		w = "unsupported attribute";
	else if (o->tid != ike_esp_tid(ts->cipher))
		w = "transform mismatch";
	else if (ts->cipher == ESPFAB_CIPHER_AES && bits != ts->enc_key_len * 8u)
		w = "key length mismatch";
	else if (o->auth != ike_esp_auth(ts->auth))
		w = "authenticator mismatch";
	else if (!encap_ok(o->encap, ts->mode, natt))
		w = "encapsulation mode mismatch";
	else if (pfs_group && o->group != pfs_group)
		w = "PFS group mismatch";
	else if (o->group && !ike_dh_group_len(o->group))
		w = "PFS group not supported";
	if (why)
		*why = w;
	return w ? -1 : 0;
}

static const char *esp_tid_name(unsigned tid)
{
	switch (tid) {
	case ESP_DES: return "ESP_DES";
	case ESP_3DES: return "ESP_3DES";
	case ESP_AES: return "ESP_AES";
	case ESP_NULL: return "ESP_NULL";
	default: return "ESP_UNKNOWN";
	}
}

static void p2_offer_debug(const struct ike_sa *sa, const struct ike_p2_offer *o)
{
	if (!elog_debug_on(ELOG_DBG_CRYPTO_ISAKMP))
		return;
	IKE_DBG(sa, "Checking IPSec proposal %u", o->pnum);
	IKE_DBG0("transform %u, %s", o->tnum, esp_tid_name(o->tid));
	IKE_DBG0("  attributes in transform:");
	if (o->encap)
		IKE_DBG0("     encaps is %u (%s)", o->encap,
			 o->encap == 1 ? "Tunnel" : o->encap == 2 ? "Transport" :
			 o->encap == 3 || o->encap == 61443 ? "Tunnel-UDP" : "Transport-UDP");
	if (o->has_life_sec) {
		IKE_DBG0("     SA life type in seconds");
		IKE_DBG0("     SA life duration (basic) of %u", o->life_sec);
	}
	if (o->has_life_kb) {
		IKE_DBG0("     SA life type in kilobytes");
		IKE_DBG0("     SA life duration (VPI) of 0x%x 0x%x 0x%x 0x%x", o->life_kb >> 24, (o->life_kb >> 16) & 255,
			 (o->life_kb >> 8) & 255, o->life_kb & 255);
	}
	if (o->auth)
		IKE_DBG0("     authenticator is %s", o->auth == IPSEC_AUTH_HMAC_MD5 ? "HMAC-MD5" :
			 o->auth == IPSEC_AUTH_HMAC_SHA ? "HMAC-SHA" : "unsupported");
	if (o->key_bits)
		IKE_DBG0("     key length is %u", o->key_bits);
	if (o->group)
		IKE_DBG0("     group is %u", o->group);
}

int ike_p2_select(const ios_map_entry *e, uint8_t pfs_group, const struct ike_p2_offer *o, size_t n, bool natt,
		  const struct ike_sa *sa, const ios_transform_set **ts)
{
	for (size_t i = 0; i < n; i++) {
		p2_offer_debug(sa, &o[i]);
		for (size_t t = 0; t < e->n_tsets; t++) {
			const char *why = NULL;
			if (!e->tsets[t])
				continue;
			if (ike_p2_check_tset(e->tsets[t], &o[i], natt, pfs_group, &why) == 0) {
				IKE_DBG(sa, "atts are acceptable.");
				*ts = e->tsets[t];
				return (int)i;
			}
			IKE_IPSEC("(validate_proposal): transform set %s: %s", e->tsets[t]->name, why);
		}
		IKE_DBG(sa, "atts not acceptable.");
	}
	*ts = NULL;
	return -1;
}

/* ---- proxies ------------------------------------------------------------ */

static void port_sel(const ios_port_match *pm, uint16_t *port)
{
	*port = pm->op == IOS_PORT_EQ ? pm->lo : 0;
}

void ike_ace_selectors(const ios_ace *ace, struct sadb_selector *src, struct sadb_selector *dst)
{
	memset(src, 0, sizeof *src);
	memset(dst, 0, sizeof *dst);
	src->addr = ace->src;
	src->mask = ~ace->src_wild;
	dst->addr = ace->dst;
	dst->mask = ~ace->dst_wild;
	src->proto = dst->proto = ace->any_proto ? 0 : ace->proto;
	if (!ace->any_proto && (ace->proto == 6 || ace->proto == 17)) {
		port_sel(&ace->sport, &src->port);
		port_sel(&ace->dport, &dst->port);
	}
}

static bool addr_in(uint32_t a, uint32_t amask, uint32_t net, uint32_t wild)
{
	uint32_t m = ~wild;
	return (amask & m) == m && (a & m) == (net & m);
}

static bool port_in(const ios_port_match *pm, uint16_t port)
{
	switch (pm->op) {
	case IOS_PORT_ANY: return true;
	case IOS_PORT_EQ: return port == pm->lo;
	default: return false; /* ranges cannot be proposed as one ID */
	}
}

bool ike_ace_covers(const ios_ace *ace, const struct sadb_selector *local, const struct sadb_selector *remote)
{
	if (!addr_in(local->addr, local->mask, ace->src, ace->src_wild) ||
	    !addr_in(remote->addr, remote->mask, ace->dst, ace->dst_wild))
		return false;
	if (ace->any_proto)
		return true;
	if (local->proto != ace->proto || remote->proto != ace->proto)
		return false;
	if (ace->proto == 6 || ace->proto == 17)
		return port_in(&ace->sport, local->port) && port_in(&ace->dport, remote->port);
	return true;
}

bool ike_acl_allows(const ios_acl *acl, const struct sadb_selector *local, const struct sadb_selector *remote)
{
	if (!acl)
		return false;
	for (size_t i = 0; i < acl->n_aces; i++)
		if (ike_ace_covers(&acl->aces[i], local, remote))
			return acl->aces[i].permit;
	return false;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int ike_id_to_selector(const struct isakmp_payload *id, struct sadb_selector *s)
{
	memset(s, 0, sizeof *s);
	s->proto = id->u.id.proto;
	s->port = id->u.id.port;
	switch (id->u.id.type) {
	case IPSEC_ID_IPV4_ADDR:
		if (id->u.id.data_len != 4)
			return -1;
		s->addr = be32(id->u.id.data);
		s->mask = 0xffffffffu;
		return 0;
	case IPSEC_ID_IPV4_ADDR_SUBNET:
		if (id->u.id.data_len != 8)
			return -1;
		s->mask = be32(id->u.id.data + 4);
		s->addr = be32(id->u.id.data) & s->mask;
		return 0;
	case IPSEC_ID_IPV4_ADDR_RANGE: {
		if (id->u.id.data_len != 8)
			return -1;
		uint32_t lo = be32(id->u.id.data), hi = be32(id->u.id.data + 4);
		uint32_t span = lo ^ hi;
		/* only a range that is a whole prefix */
		if (hi < lo || (span & (span + 1)) || (lo & span))
			return -1;
		s->addr = lo;
		s->mask = ~span;
		return 0;
	}
	default:
		return -1;
	}
}

void ike_selector_to_id(const struct sadb_selector *s, struct isakmp_id_spec *id, uint8_t data[8])
{
	uint32_t a = s->addr & s->mask;
	data[0] = (uint8_t)(a >> 24);
	data[1] = (uint8_t)(a >> 16);
	data[2] = (uint8_t)(a >> 8);
	data[3] = (uint8_t)a;
	data[4] = (uint8_t)(s->mask >> 24);
	data[5] = (uint8_t)(s->mask >> 16);
	data[6] = (uint8_t)(s->mask >> 8);
	data[7] = (uint8_t)s->mask;
	bool host = s->mask == 0xffffffffu;
	*id = (struct isakmp_id_spec){ host ? IPSEC_ID_IPV4_ADDR : IPSEC_ID_IPV4_ADDR_SUBNET, s->proto, s->port, data,
				       (uint16_t)(host ? 4 : 8) };
}

const char *ike_selector_text(const struct sadb_selector *s, char *buf, size_t len)
{
	char a[16], m[16];
	snprintf(buf, len, "%s/%s/%u/%u", ike_ip(s->addr, a), ike_ip(s->mask, m), s->proto, s->port);
	return buf;
}

static const char *keng_proxy(const struct sadb_selector *s, char *buf, size_t len)
{
	char a[16], m[16];
	/* IOS: address/mask/protocol/port (type=1 host, 4 subnet) */
	snprintf(buf, len, "%s/%s/%u/%u (type=%d)", ike_ip(s->addr, a), ike_ip(s->mask, m), s->proto, s->port,
		 s->mask == 0xffffffffu ? 1 : 4);
	return buf;
}

void ike_ipsec_keng(const char *fn, const char *what, const char *dir, uint32_t local, uint32_t peer,
		    const struct sadb_selector *lid, const struct sadb_selector *rid, const ios_transform_set *ts,
		    uint32_t life_s, uint32_t life_kb, uint32_t spi, unsigned conn_id, unsigned flags)
{
	if (!elog_debug_on(ELOG_DBG_CRYPTO_IPSEC))
		return;
	char l[16], r[16], lp[64], rp[64], t[48];
	unsigned keysize = ts->cipher == ESPFAB_CIPHER_AES ? ts->enc_key_len * 8u : 0;
	elog_debug(ELOG_DBG_CRYPTO_IPSEC,
		   "IPSEC(%s): %s, (key eng. msg.) %s local= %s, remote= %s, local_proxy= %s, remote_proxy= %s, "
		   "protocol= ESP, transform= %s , lifedur= %us and %ukb, spi= 0x%X(%u), conn_id= %u, keysize= %u, "
		   "flags= 0x%X",
		   fn, what, dir, ike_ip(local, l), ike_ip(peer, r), keng_proxy(lid, lp, sizeof lp),
		   keng_proxy(rid, rp, sizeof rp), ios_tset_text(ts, t, sizeof t), life_s, life_kb, spi, spi, conn_id,
		   keysize, flags);
}
