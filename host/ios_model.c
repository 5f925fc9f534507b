/*
 * Queries on a parsed IOS configuration (see ios_config.h): name lookups,
 * the pre-shared key for a peer, ACL matching and the SPD lookup that picks
 * the crypto map entry for an outbound packet.  Nothing here allocates.
 */
#include "ios_config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const ios_transform_set *ios_config_tset(const ios_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_tsets; i++)
		if (!strcmp(cfg->tsets[i].name, name))
			return &cfg->tsets[i];
	return NULL;
}

const ios_acl *ios_config_acl(const ios_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_acls; i++)
		if (!strcmp(cfg->acls[i].name, name))
			return &cfg->acls[i];
	return NULL;
}

const ios_crypto_map *ios_config_map(const ios_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_maps; i++)
		if (!strcmp(cfg->maps[i].name, name))
			return &cfg->maps[i];
	return NULL;
}

const ios_crypto_map *ios_config_dynmap(const ios_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_dynmaps; i++)
		if (!strcmp(cfg->dynmaps[i].name, name))
			return &cfg->dynmaps[i];
	return NULL;
}

const ios_interface *ios_config_interface(const ios_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_ifaces; i++)
		if (!strcasecmp(cfg->ifaces[i].name, name))
			return &cfg->ifaces[i];
	return NULL;
}

const ios_keyring *ios_config_keyring(const ios_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_keyrings; i++)
		if (!strcmp(cfg->keyrings[i].name, name))
			return &cfg->keyrings[i];
	return NULL;
}

/* Masks are contiguous, so a larger mask value is a longer prefix. */
const ios_psk *ios_keyring_lookup(const ios_keyring *kr, uint32_t peer)
{
	const ios_psk *best = NULL;
	for (size_t i = 0; kr && i < kr->n_keys; i++) {
		const ios_psk *k = &kr->keys[i];
		if ((peer & k->mask) == k->addr && (!best || k->mask > best->mask))
			best = k;
	}
	return best;
}

const ios_psk *ios_psk_lookup(const ios_config *cfg, uint32_t peer, const ios_keyring **from)
{
	const ios_psk *best = NULL;
	const ios_keyring *best_kr = NULL;
	for (size_t i = 0; cfg && i < cfg->n_keyrings; i++) {
		const ios_psk *k = ios_keyring_lookup(&cfg->keyrings[i], peer);
		if (k && (!best || k->mask > best->mask)) {
			best = k;
			best_kr = &cfg->keyrings[i];
		}
	}
	if (from)
		*from = best_kr;
	return best;
}

void ios_entry_lifetime(const ios_config *cfg, const ios_map_entry *e, uint32_t *sec, uint32_t *kb)
{
	*sec = e && e->life_sec ? e->life_sec : cfg->ipsec_life_sec;
	*kb = e && e->life_kb ? e->life_kb : cfg->ipsec_life_kb;
}

const char *ios_tset_text(const ios_transform_set *ts, char *buf, size_t len)
{
	const char *c = ts->cipher == ESPFAB_CIPHER_DES ? "esp-des" : ts->cipher == ESPFAB_CIPHER_3DES ? "esp-3des" : "esp-aes";
	const char *a = ts->auth == ESPFAB_AUTH_MD5 ? "esp-md5-hmac" : "esp-sha-hmac";
	if (ts->cipher == ESPFAB_CIPHER_AES && ts->enc_key_len != 16)
		snprintf(buf, len, "%s %u %s", c, ts->enc_key_len * 8u, a);
	else
		snprintf(buf, len, "%s %s", c, a);
	return buf;
}

static bool port_matches(const ios_port_match *m, uint16_t port)
{
	switch (m->op) {
	case IOS_PORT_ANY: return true;
	case IOS_PORT_EQ: return port == m->lo;
	case IOS_PORT_NEQ: return port != m->lo;
	case IOS_PORT_LT: return port < m->lo;
	case IOS_PORT_GT: return port > m->lo;
	case IOS_PORT_RANGE: return port >= m->lo && port <= m->hi;
	default: return false;
	}
}

bool ios_ace_matches(const ios_ace *a, const ios_flow *f)
{
	if (!a->any_proto && a->proto != f->proto)
		return false;
	if (((f->src ^ a->src) & ~a->src_wild) || ((f->dst ^ a->dst) & ~a->dst_wild))
		return false;
	if (a->any_proto)
		return true;
	if (a->proto == 6 || a->proto == 17)
		return port_matches(&a->sport, f->sport) && port_matches(&a->dport, f->dport);
	if (a->proto == 1) {
		if (a->icmp_type >= 0 && f->sport != (uint16_t)a->icmp_type)
			return false;
		if (a->icmp_code >= 0 && f->dport != (uint16_t)a->icmp_code)
			return false;
	}
	return true;
}

int ios_acl_match(const ios_acl *acl, const ios_flow *f, const ios_ace **hit)
{
	if (hit)
		*hit = NULL;
	for (size_t i = 0; acl && i < acl->n_aces; i++)
		if (ios_ace_matches(&acl->aces[i], f)) {
			if (hit)
				*hit = &acl->aces[i];
			return acl->aces[i].permit ? IOS_ACL_PERMIT : IOS_ACL_DENY;
		}
	return IOS_ACL_DENY;
}

int ios_spd_lookup(const ios_config *cfg, const ios_interface *ifc, const ios_flow *f, ios_spd_result *r)
{
	(void)cfg;
	memset(r, 0, sizeof *r);
	r->kind = IOS_SPD_CLEAR;
	const ios_crypto_map *m = ifc ? ifc->crypto_map : NULL;
	for (size_t i = 0; m && i < m->n_entries; i++) {
		const ios_map_entry *e = &m->entries[i];
		const ios_ace *ace;
		if (!e->dynamic_ref) {
			if (ios_acl_match(e->acl, f, &ace) != IOS_ACL_PERMIT)
				continue;
			*r = (ios_spd_result){ IOS_SPD_STATIC, m, e, NULL, e->acl, ace };
			return r->kind;
		}
		const ios_crypto_map *d = e->dynmap;
		for (size_t j = 0; d && j < d->n_entries; j++) {
			const ios_map_entry *de = &d->entries[j];
			if (!de->acl || ios_acl_match(de->acl, f, &ace) != IOS_ACL_PERMIT)
				continue;
			*r = (ios_spd_result){ e->discover ? IOS_SPD_DISCOVER : IOS_SPD_DYNAMIC, m, e, de, de->acl, ace };
			return r->kind;
		}
	}
	return r->kind;
}
