/* host/ios_config.{c,h}, host/ios_doc.{c,h}: the IOS configuration parser.
 *
 * - the seed configurations (TED: Daphne and Fred; the S2 spoke; the S2 hub
 *   as printed, which is refused; an L2L hub; two static sites) parse to the
 *   expected model;
 * - numbered error cases: each error path, with the exact message and line,
 *   and no key material in any message;
 * - numbered warning cases: accepted with the exact warning;
 * - negation (`no` forms), show running-config decorations, banners, the
 *   document hook a repair pass will use, and key lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ios_config.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void dump(const ios_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "    %s\n", d->v[i].msg);
}

static const char *config_path(const char *name, char *buf, size_t len)
{
	const char *dir = getenv("ESPFAB_TEST_CONFIGS");
	snprintf(buf, len, "%s/%s", dir ? dir : "tests/configs", name);
	return buf;
}

static ios_config *load_ok(const char *name, ios_diags *d)
{
	char path[512];
	ios_config *cfg = NULL;
	if (ios_config_load_file(config_path(name, path, sizeof path), &cfg, d)) {
		dump(d);
		fail_msg("%s: refused with %zu errors", name, d->errors);
	}
	return cfg;
}

static size_t count_sev(const ios_diags *d, ios_sev sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].sev == sev;
	return n;
}

/* ---- the seed configurations ------------------------------------------------ */

/* What S1 (TED) needs from each router's config. */
static void check_ted(const ios_config *cfg, const char *host, uint32_t outside, uint32_t inside, uint32_t nh,
		      uint32_t local_net, uint32_t remote_net)
{
	assert_string_equal(cfg->hostname, host);
	assert_string_equal(cfg->version, "12.2");
	/* crypto isakmp policy 10 / authentication pre-share: IOS defaults otherwise */
	assert_int_equal(cfg->n_policies, 1);
	const ios_isakmp_policy *pol = &cfg->policies[0];
	assert_int_equal(pol->priority, 10);
	assert_int_equal(pol->encr, IOS_IKE_ENCR_DES);
	assert_int_equal(pol->key_len, 8);
	assert_int_equal(pol->hash, IOS_IKE_HASH_SHA);
	assert_int_equal(pol->auth, IOS_IKE_AUTH_PRE_SHARE);
	assert_int_equal(pol->group, 1);
	assert_int_equal(pol->lifetime, 86400);
	/* crypto isakmp key abc123 address 0.0.0.0 0.0.0.0 */
	assert_int_equal(cfg->n_keyrings, 1);
	assert_string_equal(cfg->keyrings[0].name, "default");
	assert_int_equal(cfg->keyrings[0].n_keys, 1);
	const ios_keyring *kr;
	const ios_psk *k = ios_psk_lookup(cfg, IP(11, 11, 11, 2), &kr);
	assert_non_null(k);
	assert_ptr_equal(kr, &cfg->keyrings[0]);
	assert_string_equal(k->key, "abc123");
	assert_int_equal(k->key_len, 6);
	assert_int_equal(k->addr, 0);
	assert_int_equal(k->mask, 0);
	assert_ptr_equal(ios_psk_lookup(cfg, IP(1, 2, 3, 4), NULL), k);
	/* transform-set ted-transforms esp-des esp-md5-hmac, tunnel */
	const ios_transform_set *ts = ios_config_tset(cfg, "ted-transforms");
	assert_non_null(ts);
	assert_int_equal(ts->cipher, ESPFAB_CIPHER_DES);
	assert_int_equal(ts->enc_key_len, 8);
	assert_int_equal(ts->auth, ESPFAB_AUTH_MD5);
	assert_int_equal(ts->mode, ESPFAB_MODE_TUNNEL);
	char b[64];
	assert_string_equal(ios_tset_text(ts, b, sizeof b), "esp-des esp-md5-hmac");
	/* lifetimes the seed's quick mode shows: 3600 s, 4608000 KB */
	uint32_t sec, kb;
	/* crypto dynamic-map ted-map 10 */
	const ios_crypto_map *dm = ios_config_dynmap(cfg, "ted-map");
	assert_non_null(dm);
	assert_true(dm->dynamic);
	assert_int_equal(dm->n_entries, 1);
	const ios_map_entry *de = &dm->entries[0];
	assert_int_equal(de->seq, 10);
	assert_int_equal(de->n_tsets, 1);
	assert_ptr_equal(de->tsets[0], ts);
	assert_string_equal(de->acl_name, "101");
	assert_ptr_equal(de->acl, ios_config_acl(cfg, "101"));
	assert_int_equal(de->n_peers, 0);
	assert_int_equal(de->pfs_group, 0);
	ios_entry_lifetime(cfg, de, &sec, &kb);
	assert_int_equal(sec, 3600);
	assert_int_equal(kb, 4608000);
	/* crypto map tedtag 10 ipsec-isakmp dynamic ted-map discover */
	const ios_crypto_map *m = ios_config_map(cfg, "tedtag");
	assert_non_null(m);
	assert_false(m->dynamic);
	assert_int_equal(m->n_entries, 1);
	assert_int_equal(m->entries[0].seq, 10);
	assert_true(m->entries[0].dynamic_ref);
	assert_true(m->entries[0].discover);
	assert_ptr_equal(m->entries[0].dynmap, dm);
	/* access-list 101 permit ip LOCAL 0.0.0.255 REMOTE 0.0.0.255 */
	const ios_acl *acl = ios_config_acl(cfg, "101");
	assert_non_null(acl);
	assert_true(acl->numbered);
	assert_int_equal(acl->n_aces, 1);
	const ios_ace *a = &acl->aces[0];
	assert_true(a->permit);
	assert_true(a->any_proto);
	assert_int_equal(a->src, local_net);
	assert_int_equal(a->src_wild, 0xff);
	assert_int_equal(a->dst, remote_net);
	assert_int_equal(a->dst_wild, 0xff);
	/* interfaces and the default route */
	assert_int_equal(cfg->n_ifaces, 2);
	const ios_interface *out = ios_config_interface(cfg, "FastEthernet0/0");
	assert_non_null(out);
	assert_ptr_equal(ios_config_interface(cfg, "fastethernet0/0"), out);
	assert_true(out->has_addr);
	assert_int_equal(out->addr, outside);
	assert_int_equal(out->mask, 0xffffff00u);
	assert_ptr_equal(out->crypto_map, m);
	assert_false(out->shutdown);
	const ios_interface *in = ios_config_interface(cfg, "FastEthernet0/1");
	assert_non_null(in);
	assert_int_equal(in->addr, inside);
	assert_null(in->crypto_map);
	assert_int_equal(cfg->n_routes, 1);
	assert_int_equal(cfg->routes[0].prefix, 0);
	assert_int_equal(cfg->routes[0].mask, 0);
	assert_true(cfg->routes[0].has_nexthop);
	assert_int_equal(cfg->routes[0].nexthop, nh);
	assert_int_equal(cfg->routes[0].distance, 1);
	/* the SPD: a host behind this router pings one behind the peer -> TED */
	ios_flow f = { local_net + 14, remote_net + 13, 1, 8, 0 };
	ios_spd_result r;
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_DISCOVER);
	assert_ptr_equal(r.map, m);
	assert_ptr_equal(r.entry, &m->entries[0]);
	assert_ptr_equal(r.dyn_entry, de);
	assert_ptr_equal(r.ace, a);
	f.dst = IP(8, 8, 8, 8);
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_CLEAR);
	assert_null(r.entry);
	f.dst = remote_net + 13;
	assert_int_equal(ios_spd_lookup(cfg, in, &f, &r), IOS_SPD_CLEAR);
}

static void test_seed_ted_daphne_fred(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = load_ok("daphne.cfg", &d);
	check_ted(cfg, "Daphne", IP(11, 11, 11, 1), IP(13, 13, 13, 13), IP(11, 11, 11, 2), IP(13, 13, 13, 0),
		  IP(12, 12, 12, 0));
	/* service x3, boot, enable, memory-size, ip subnet-zero, no ip domain-lookup,
	 * duplex/speed x2 each, ip classless, ip http server, line x3 */
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 17);
	assert_non_null(ios_diags_find(&d, "tests/configs/daphne.cfg:14: warning: enable: ignored"));
	assert_non_null(ios_diags_find(&d, "daphne.cfg:48: warning: interface FastEthernet0/0: duplex: ignored"));
	assert_null(ios_diags_find(&d, "cisco")); /* the enable password is not echoed */
	ios_config_free(cfg);
	ios_diags_free(&d);

	cfg = load_ok("fred.cfg", &d);
	check_ted(cfg, "fred", IP(11, 11, 11, 2), IP(12, 12, 12, 12), IP(11, 11, 11, 1), IP(12, 12, 12, 0),
		  IP(13, 13, 13, 0));
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 15);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

static void test_seed_s2_spoke(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = load_ok("s2-spoke.cfg", &d);
	assert_string_equal(cfg->hostname, "Spoke");
	assert_int_equal(cfg->n_policies, 1);
	assert_int_equal(cfg->policies[0].encr, IOS_IKE_ENCR_3DES);
	assert_int_equal(cfg->policies[0].key_len, 24);
	assert_int_equal(cfg->policies[0].hash, IOS_IKE_HASH_SHA);
	assert_int_equal(cfg->policies[0].group, 2);
	/* crypto isakmp key cisco123 address 10.48.67.181: a host mask */
	const ios_psk *k = ios_psk_lookup(cfg, IP(10, 48, 67, 181), NULL);
	assert_non_null(k);
	assert_string_equal(k->key, "cisco123");
	assert_int_equal(k->mask, 0xffffffffu);
	assert_null(ios_psk_lookup(cfg, IP(10, 48, 67, 182), NULL));
	const ios_transform_set *ts = ios_config_tset(cfg, "myset");
	assert_int_equal(ts->cipher, ESPFAB_CIPHER_3DES);
	assert_int_equal(ts->enc_key_len, 24);
	assert_int_equal(ts->auth, ESPFAB_AUTH_SHA1);
	const ios_crypto_map *m = ios_config_map(cfg, "mymap");
	assert_int_equal(m->n_entries, 1);
	const ios_map_entry *e = &m->entries[0];
	assert_false(e->dynamic_ref);
	assert_int_equal(e->n_peers, 1);
	assert_int_equal(e->peers[0], IP(10, 48, 67, 181));
	assert_ptr_equal(e->tsets[0], ts);
	assert_ptr_equal(e->acl, ios_config_acl(cfg, "100"));
	/* ip address dhcp on the outside */
	const ios_interface *out = ios_config_interface(cfg, "FastEthernet0/0");
	assert_true(out->dhcp);
	assert_false(out->has_addr);
	assert_ptr_equal(out->crypto_map, m);
	assert_string_equal(out->description, "Outside interface");
	const ios_interface *atm = ios_config_interface(cfg, "ATM1/0");
	assert_true(atm->shutdown);
	assert_false(atm->has_addr);
	assert_int_equal(cfg->n_ifaces, 3);
	/* 10.2.0.0/16 -> 10.1.0.0/16 goes to the hub */
	ios_flow f = { IP(10, 2, 2, 10), IP(10, 1, 1, 10), 6, 40000, 80 };
	ios_spd_result r;
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_STATIC);
	assert_ptr_equal(r.entry, e);
	assert_null(r.dyn_entry);
	f.dst = IP(10, 3, 0, 1);
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_CLEAR);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 22);
	assert_null(ios_diags_find(&d, "cisco")); /* `password cisco` under line vty is not echoed */
	ios_config_free(cfg);
	ios_diags_free(&d);
}

/* The hub as the technote prints it: AAA, a client configuration group and
 * ISAKMP profiles are refused, each at its line; their sub-lines are not
 * reported again; nothing else is an error. */
static void test_seed_s2_hub_refused(void **s)
{
	(void)s;
	char path[512];
	ios_diags d = { 0 };
	ios_config *cfg = (ios_config *)1;
	assert_int_equal(ios_config_load_file(config_path("s2-hub.cfg", path, sizeof path), &cfg, &d), -1);
	assert_null(cfg);
	static const struct {
		unsigned line;
		const char *msg;
	} want[] = {
		{ 14, "aaa: refused: AAA (XAUTH, authorization) is not implemented" },
		{ 17, "aaa: refused: AAA (XAUTH, authorization) is not implemented" },
		{ 18, "aaa: refused: AAA (XAUTH, authorization) is not implemented" },
		{ 19, "aaa: refused: AAA (XAUTH, authorization) is not implemented" },
		{ 37, "crypto isakmp client: refused: client configuration groups (EzVPN, mode-config) are not "
		      "implemented" },
		{ 47, "crypto isakmp profile: refused: ISAKMP profiles are not implemented" },
		{ 53, "crypto isakmp profile: refused: ISAKMP profiles are not implemented" },
		{ 67, "crypto dynamic-map dynmap 5: set isakmp-profile: refused: ISAKMP profiles are not implemented" },
		{ 70, "crypto dynamic-map dynmap 10: set isakmp-profile: refused: ISAKMP profiles are not implemented" },
	};
	size_t k = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (d.v[i].sev != IOS_SEV_ERROR)
			continue;
		char exp[800];
		assert_true(k < sizeof want / sizeof want[0]);
		snprintf(exp, sizeof exp, "%s:%u: %s", path, want[k].line, want[k].msg);
		if (strcmp(d.v[i].msg, exp))
			fail_msg("error %zu: '%s', expected '%s'", k, d.v[i].msg, exp);
		k++;
	}
	assert_int_equal(k, sizeof want / sizeof want[0]);
	assert_null(ios_diags_find(&d, "cisco321"));
	assert_null(ios_diags_find(&d, "0201024E070A0E2649"));
	ios_diags_free(&d);
}

static void test_seed_s2_hub_l2l(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = load_ok("s2-hub-l2l.cfg", &d);
	assert_int_equal(d.warnings, 0);
	assert_int_equal(cfg->n_keyrings, 2);
	const ios_keyring *spokes = ios_config_keyring(cfg, "spokes"), *kr;
	assert_non_null(spokes);
	assert_int_equal(spokes->n_keys, 2);
	/* most specific mask wins */
	const ios_psk *k = ios_psk_lookup(cfg, IP(172, 16, 77, 10), &kr);
	assert_string_equal(k->key, "static-peer-key");
	assert_ptr_equal(kr, spokes);
	k = ios_psk_lookup(cfg, IP(10, 100, 2, 102), &kr);
	assert_string_equal(k->key, "cisco123");
	assert_ptr_equal(ios_keyring_lookup(spokes, IP(10, 100, 2, 102)), k);
	assert_null(ios_keyring_lookup(&cfg->keyrings[0], IP(10, 100, 2, 102)));
	/* the seed's numbering: static 10 before dynamic 60000 */
	const ios_crypto_map *m = ios_config_map(cfg, "mymap");
	assert_int_equal(m->n_entries, 2);
	assert_int_equal(m->entries[0].seq, 10);
	assert_false(m->entries[0].dynamic_ref);
	assert_int_equal(m->entries[1].seq, 60000);
	assert_true(m->entries[1].dynamic_ref);
	assert_false(m->entries[1].discover);
	assert_ptr_equal(m->entries[1].dynmap, ios_config_dynmap(cfg, "dynmap"));
	assert_null(m->entries[1].dynmap->entries[0].acl);
	const ios_interface *out = ios_config_interface(cfg, "FastEthernet0/0");
	ios_flow f = { IP(10, 1, 2, 3), IP(10, 3, 0, 1), 17, 53, 53 };
	ios_spd_result r;
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_STATIC);
	assert_int_equal(r.entry->seq, 10);
	f.dst = IP(10, 4, 0, 1); /* the dynamic entry has no ACL: it only answers */
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_CLEAR);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

static void check_site(const ios_config *cfg, uint32_t outside, uint32_t peer, uint32_t local_net, uint32_t remote_net)
{
	assert_int_equal(cfg->n_policies, 2);
	const ios_isakmp_policy *p = cfg->policies;
	assert_int_equal(p[0].priority, 10);
	assert_int_equal(p[0].encr, IOS_IKE_ENCR_AES);
	assert_int_equal(p[0].key_len, 16);
	assert_int_equal(p[0].group, 14);
	assert_int_equal(p[0].lifetime, 28800);
	assert_int_equal(p[1].priority, 20);
	assert_int_equal(p[1].encr, IOS_IKE_ENCR_3DES);
	assert_int_equal(p[1].group, 2);
	assert_int_equal(p[1].lifetime, 86400);
	assert_int_equal(cfg->dpd_interval, 10);
	assert_int_equal(cfg->dpd_retry, 3);
	assert_true(cfg->dpd_periodic);
	assert_string_equal(ios_psk_lookup(cfg, peer, NULL)->key, "site-ab-secret");
	assert_int_equal(cfg->ipsec_life_sec, 28800);
	assert_int_equal(cfg->ipsec_life_kb, 4608000);
	const ios_crypto_map *m = ios_config_map(cfg, "SITES");
	const ios_map_entry *e = &m->entries[0];
	assert_int_equal(e->n_tsets, 2);
	assert_string_equal(e->tsets[0]->name, "AES-SHA");
	assert_int_equal(e->tsets[0]->cipher, ESPFAB_CIPHER_AES);
	assert_int_equal(e->tsets[0]->enc_key_len, 16);
	assert_string_equal(e->tsets[1]->name, "3DES-SHA");
	assert_int_equal(e->pfs_group, 14);
	uint32_t sec, kb;
	ios_entry_lifetime(cfg, e, &sec, &kb);
	assert_int_equal(sec, 28800);
	assert_int_equal(kb, 1000000);
	assert_int_equal(e->peers[0], peer);
	assert_false(e->acl->numbered);
	const ios_interface *out = ios_config_interface(cfg, "GigabitEthernet0/0");
	assert_int_equal(out->addr, outside);
	assert_int_equal(cfg->n_routes, 2);
	assert_ptr_equal(cfg->routes[1].iface, out);
	assert_int_equal(cfg->routes[1].nexthop, peer);
	assert_int_equal(cfg->routes[1].prefix, remote_net);
	ios_flow f = { local_net + 5, remote_net + 7, 6, 1234, 22 };
	ios_spd_result r;
	assert_int_equal(ios_spd_lookup(cfg, out, &f, &r), IOS_SPD_STATIC);
	/* the inbound check: the peer's traffic, mirrored, is what this map protects */
	ios_flow back = { f.dst, f.src, 6, 22, 1234 };
	ios_flow mirrored = { back.dst, back.src, back.proto, back.dport, back.sport };
	assert_int_equal(ios_spd_lookup(cfg, out, &mirrored, &r), IOS_SPD_STATIC);
}

static void test_two_sites(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *a = load_ok("site-a.cfg", &d);
	ios_config *b = load_ok("site-b.cfg", &d);
	assert_int_equal(d.n, 0);
	check_site(a, IP(192, 0, 2, 1), IP(192, 0, 2, 2), IP(10, 10, 0, 0), IP(10, 20, 0, 0));
	check_site(b, IP(192, 0, 2, 2), IP(192, 0, 2, 1), IP(10, 20, 0, 0), IP(10, 10, 0, 0));
	/* what A sends into the tunnel is what B's map protects, mirrored */
	ios_flow f = { IP(10, 10, 1, 1), IP(10, 20, 1, 1), 1, 8, 0 }, m = { f.dst, f.src, 1, 8, 0 };
	assert_int_equal(ios_acl_match(ios_config_acl(a, "TO-SITE-B"), &f, NULL), IOS_ACL_PERMIT);
	assert_int_equal(ios_acl_match(ios_config_acl(b, "TO-SITE-A"), &m, NULL), IOS_ACL_PERMIT);
	ios_config_free(a);
	ios_config_free(b);
	ios_diags_free(&d);
}

/* ---- errors ----------------------------------------------------------------- */

#define POL "crypto isakmp policy 10\n authentication pre-share\n"
#define TS "crypto ipsec transform-set T esp-aes esp-sha-hmac\n"
#define ACL101 "access-list 101 permit ip 10.0.0.0 0.0.0.255 10.1.0.0 0.0.0.255\n"
#define KEY "crypto isakmp key SECRETKEY address 0.0.0.0 0.0.0.0\n"
/* a complete, applied static map; a case appends to it */
#define BASE POL TS ACL101 KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 101\ninterface Fa0/0\n ip address 1.1.1.2 255.255.255.0\n crypto map M\n"
#define BL 12 /* lines in BASE */

struct err_case {
	int n;
	const char *text;
	unsigned line;	 /* of the error below */
	const char *msg; /* one of the errors, exactly, after "t.cfg:LINE: " */
	unsigned errors; /* how many errors in all (0: 1) */
};

static const struct err_case errs[] = {
	/* lexer, decorations, unknown commands */
	{ 1, "hostname a\x01" "b\n", 1, "line contains a control character; expected printable text", 0 },
	{ 2, "Router#show crypto map\n", 1, "Router#: expected show running-config after the prompt, got 'show crypto'", 0 },
	{ 3, "router-x 1\n", 1, "unknown command 'router-x': expected a global configuration command (see docs/ios-config.md)", 0 },
	{ 4, "interface Fa0/0\n frobnicate 1\n", 2, "interface Fa0/0: unknown command 'frobnicate': expected a sub-command of this mode or a global command", 0 },
	{ 5, "banner motd ^C\nhello\n", 1, "banner: expected a closing ^C, got end of file", 0 },
	{ 6, "ip frobnicate\n", 1, "unknown command 'ip frobnicate': expected a global configuration command (see docs/ios-config.md)", 0 },
	/* hostname, interface */
	{ 10, "hostname 1abc\n", 1, "hostname: expected a name (letters, digits, '-', '_'; at most 63; starting with a letter), got '1abc'", 0 },
	{ 11, "hostname a b\n", 1, "hostname: expected end of line, got 'b'", 0 },
	{ 12, "interface\n", 1, "interface: expected an interface name, got end of line", 0 },
	{ 13, "interface 0/0\n", 1, "interface: expected an interface name such as FastEthernet0/0, got '0/0'", 0 },
	{ 14, "interface Fa0/0\n ip address 10.0.0.0 255.255.255.0\n", 2, "interface Fa0/0: ip address: 10.0.0.0 255.255.255.0: expected a host address within the subnet (bad mask for the address)", 0 },
	{ 15, "interface Fa0/0\n ip address 10.0.0.1 255.0.255.0\n", 2, "interface Fa0/0: ip address: mask: expected a contiguous netmask, got '255.0.255.0'", 0 },
	{ 16, "interface Fa0/0\n ip address foo\n", 2, "interface Fa0/0: ip address: expected an IPv4 address or dhcp, got 'foo'", 0 },
	{ 17, "interface Fa0/0\n ip address 10.0.0.1 255.255.255.0 secondary\n", 2, "interface Fa0/0: ip address: secondary: expected a primary address first", 0 },
	{ 18, "interface Fa0/0\n crypto map\n", 2, "interface Fa0/0: crypto map: expected a crypto map name, got end of line", 0 },
	{ 19, POL "interface Fa0/0\n ip address 1.1.1.2 255.255.255.0\n crypto map NOPE\n", 5, "interface Fa0/0: crypto map: no crypto map 'NOPE' is defined", 0 },
	{ 20, "interface Tunnel0\n ip nhrp map 10.1.1.254 172.16.10.1\n", 2, "interface Tunnel0: ip nhrp: refused: NHRP (DMVPN) is not implemented yet", 0 },
	{ 21, "interface Tunnel0\n tunnel source Ethernet0/0\n", 2, "interface Tunnel0: tunnel: refused: GRE tunnel interfaces are not implemented yet", 0 },
	{ 22, "interface Fa0/0\n ip access-group 101 in\n", 2, "interface Fa0/0: ip access-group: refused: interface access lists are not implemented", 0 },
	{ 23, "interface Fa0/0\n shutdown now\n", 2, "interface Fa0/0: expected end of line, got 'now'", 0 },
	{ 24, "interface Fa0/0\n ip address dhcp frob\n", 2, "interface Fa0/0: ip address dhcp: expected client-id, hostname or end of line, got 'frob'", 0 },
	/* ip route */
	{ 30, "ip route 10.0.0.1 255.255.255.0 1.2.3.4\n", 1, "ip route: prefix: 10.0.0.1 has bits outside the mask 255.255.255.0 (inconsistent address and mask)", 0 },
	{ 31, "ip route 10.0.0.0 255.255.255.0\n", 1, "ip route: expected a next-hop address or an interface, got end of line", 0 },
	{ 32, "ip route 10.0.0.0 255.255.255.0 1.2.3.4 foo\n", 1, "ip route: expected a distance 1-255, tag, permanent, name or end of line, got 'foo'", 0 },
	{ 33, "ip route vrf X 10.0.0.0 255.0.0.0 1.2.3.4\n", 1, "ip route vrf: refused: not implemented (VRFs change which traffic is routed where)", 0 },
	{ 34, "ip route 10.0.0.0 255.0.0.0 Serial0/0\n", 1, "ip route: interface Serial0/0: expected an interface defined in this file", 0 },
	{ 35, "ip route 10.0.0.0 255.0.0.255 1.2.3.4\n", 1, "ip route: mask: expected a contiguous netmask, got '255.0.0.255'", 0 },
	{ 36, "ip route 300.0.0.0 255.0.0.0 1.2.3.4\n", 1, "ip route: prefix: expected an IPv4 address, got '300.0.0.0'", 0 },
	{ 37, "ip route 10.0.0.0 255.0.0.0 1.2.3.4 tag 0\n", 1, "ip route: tag: expected 1-4294967295, got '0'", 0 },
	/* access lists */
	{ 40, "access-list 101 permit blah any any\n", 1, "access-list 101: protocol: expected ip, tcp, udp, icmp, gre, esp, ahp, another protocol name or 0-255, got 'blah'", 0 },
	{ 41, "access-list 101 permit ip 10.0.0.0 any\n", 1, "access-list 101: source wildcard: expected a wildcard mask such as 0.0.0.255, got 'any'", 0 },
	{ 42, "access-list 101 permit ip foo any\n", 1, "access-list 101: source: expected any, host A.B.C.D or A.B.C.D WILDCARD, got 'foo'", 0 },
	{ 43, "access-list 101 permit tcp any any eq foo\n", 1, "access-list 101: destination port: expected 0-65535 or a tcp port name, got 'foo'", 0 },
	{ 44, "access-list 101 permit tcp any any range 90 80\n", 1, "access-list 101: destination port: range 90 80: expected the lower port first", 0 },
	{ 45, "access-list 101 permit tcp any any established\n", 1, "access-list 101: established: refused: not implemented (it changes which packets match)", 0 },
	{ 46, "access-list 101 permit ip any any eq 80\n", 1, "access-list 101: expected log or end of line, got 'eq'", 0 },
	{ 47, "access-list 101 foo\n", 1, "access-list 101: expected permit, deny or remark, got 'foo'", 0 },
	{ 48, "access-list 101 dynamic D permit ip any any\n", 1, "access-list 101: dynamic: refused: not implemented (lock-and-key entries change which packets match)", 0 },
	{ 49, "access-list\n", 1, "access-list: expected an access list number 100-199 or 2000-2699, got end of line", 0 },
	{ 50, "ip access-list extended 10\n", 1, "ip access-list extended: expected a name starting with a letter or a number 100-199 or 2000-2699, got '10'", 0 },
	{ 51, "ip access-list extended X\n 10 permit ip any any\n 10 deny ip any any\n", 3, "ip access-list extended X: sequence number 10 is already used (line 2)", 0 },
	{ 52, "ip access-list extended X\n bogus\n", 2, "ip access-list extended X: unknown command 'bogus': expected a sub-command of this mode or a global command", 0 },
	{ 53, "ip access-list extended X\n evaluate R\n", 2, "ip access-list extended X: evaluate: refused: reflexive access lists are not implemented", 0 },
	{ 54, "access-list 101 permit ip host any\n", 1, "access-list 101: source: expected an IPv4 address, got 'any'", 0 },
	{ 55, "access-list 101 permit ip object-group G any\n", 1, "access-list 101: source: object-group: refused: not implemented (it decides which packets are protected)", 0 },
	{ 56, "access-list 101 permit icmp any any echo foo\n", 1, "access-list 101: expected log or end of line, got 'foo'", 0 },
	{ 57, "ip access-list extended X\n 0 permit ip any any\n", 2, "ip access-list extended X: sequence number: expected 1-2147483647, got '0'", 0 },
	{ 58, "access-list 101 permit udp any any lt\n", 1, "access-list 101: destination port: expected 0-65535 or a udp port name, got end of line", 0 },
	{ 59, "access-list 101 permit tcp any eq www host\n", 1, "access-list 101: destination: expected an IPv4 address, got end of line", 0 },
	{ 60, "access-list 101 permit ip any any tos 4\n", 1, "access-list 101: tos: refused: not implemented (it changes which packets match)", 0 },
	{ 61, "access-list 101 permit tcp any any foo\n", 1, "access-list 101: expected eq|neq|lt|gt|range, log or end of line, got 'foo'", 0 },
	{ 62, "access-list 101 permit 256 any any\n", 1, "access-list 101: protocol: expected ip, tcp, udp, icmp, gre, esp, ahp, another protocol name or 0-255, got '256'", 0 },
	/* references from a crypto map */
	{ 65, POL TS KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 102\n", 8, "crypto map M 10: match address: no access list '102' is defined", 0 },
	{ 66, POL TS KEY "access-list 10 permit any\ncrypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 10\n", 9, "crypto map M 10: match address: access list 10 (line 5) is not an extended IP access list; expected one (100-199, 2000-2699 or ip access-list extended)", 0 },
	{ 67, POL ACL101 KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T nope\n match address 101\n", 7, "crypto map M 10: set transform-set: no transform set 'T' is defined", 2 },
	{ 68, "crypto map M 10 ipsec-isakmp dynamic D\n", 1, "crypto map M 10: dynamic: no crypto dynamic-map 'D' is defined", 0 },
	/* crypto isakmp policy */
	{ 70, "crypto isakmp policy 0\n encr aes\n", 1, "crypto isakmp policy: priority: expected 1-10000, got '0'", 0 },
	{ 71, "crypto isakmp policy 10\n encr blowfish\n authentication pre-share\n", 2, "crypto isakmp policy 10: encr: expected des|3des|aes, got 'blowfish'", 0 },
	{ 72, "crypto isakmp policy 10\n encr aes 512\n authentication pre-share\n", 2, "crypto isakmp policy 10: encr: aes key size: expected 128, 192 or 256, got '512'", 0 },
	{ 73, "crypto isakmp policy 10\n hash sha256\n authentication pre-share\n", 2, "crypto isakmp policy 10: hash: expected md5|sha, got 'sha256'", 0 },
	{ 74, "crypto isakmp policy 10\n authentication rsa-sig\n", 1, "crypto isakmp policy 10: authentication: expected 'authentication pre-share' (IOS's default is rsa-sig, which espfab does not implement)", 2 },
	{ 75, "crypto isakmp policy 10\n authentication pre-share\ncrypto isakmp policy 20\n encr 3des\n", 3, "crypto isakmp policy 20: authentication: expected 'authentication pre-share' (IOS's default is rsa-sig, which espfab does not implement)", 0 },
	{ 76, "crypto isakmp policy 10\n authentication pre-share\n group 15\n", 3, "crypto isakmp policy 10: group: expected 1|2|5|14, got '15'", 0 },
	{ 77, "crypto isakmp policy 10\n authentication pre-share\n lifetime 10\n", 3, "crypto isakmp policy 10: lifetime: expected 60-86400, got '10'", 0 },
	{ 78, "crypto isakmp policy 10\n authentication pre-share\n encr des extra\n", 3, "crypto isakmp policy 10: encr: expected end of line, got 'extra'", 0 },
	{ 79, "crypto isakmp policy 10\n authentication pre-share x\n", 1, "crypto isakmp policy 10: authentication: expected 'authentication pre-share' (IOS's default is rsa-sig, which espfab does not implement)", 2 },
	{ 80, "crypto isakmp policy 10\n authentication rsa-encr\n", 2, "crypto isakmp policy 10: authentication: rsa-encr: refused: not implemented (only pre-share is)", 2 },
	{ 81, "crypto isakmp policy 10\n authentication pre-share\n hash\n", 3, "crypto isakmp policy 10: hash: expected md5|sha, got end of line", 0 },
	{ 82, "crypto isakmp policy 10\n authentication pre-share\n lifetime 60 s\n", 3, "crypto isakmp policy 10: lifetime: expected end of line, got 's'", 0 },
	/* crypto isakmp key */
	{ 85, "crypto isakmp key SECRETKEY address 1.2.3.4 255.0.0.0\n", 1, "crypto isakmp key: address: 1.2.3.4 has bits outside the mask 255.0.0.0", 0 },
	{ 86, "crypto isakmp key SECRETKEY hostname peer.example.com\n", 1, "crypto isakmp key: hostname: refused: not implemented (peers are identified by address)", 0 },
	{ 87, "crypto isakmp key SECRETKEY\n", 1, "crypto isakmp key: expected 'address' after the key, got end of line", 0 },
	{ 88, "crypto isakmp key SECRET KEY address 1.2.3.4\n", 1, "crypto isakmp key: expected 'address' after the key, got another word (not shown)", 0 },
	{ 89, "crypto isakmp key 6 SECRETKEY address 1.2.3.4\n", 1, "crypto isakmp key: encryption type 6: not supported (give the key in clear text, type 0)", 0 },
	{ 90, "crypto isakmp key\n", 1, "crypto isakmp key: key: expected a key, got end of line", 0 },
	{ 91, "crypto isakmp key SECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEYSECRETKEY address 1.2.3.4\n", 1, "crypto isakmp key: key: expected a key of at most 128 characters (key not shown)", 0 },
	{ 92, "crypto isakmp key SECRETKEY address ipv6 ::1/128\n", 1, "crypto isakmp key: address ipv6: refused: not implemented (espfab is IPv4 only)", 0 },
	{ 93, "crypto isakmp key SECRETKEY address 1.2.3.4 255.255.255.255 foo\n", 1, "crypto isakmp key: expected end of line, got 'foo'", 0 },
	{ 94, "crypto isakmp key SECRETKEY address 1.2.3.x\n", 1, "crypto isakmp key: address: expected an IPv4 address, got '1.2.3.x'", 0 },
	{ 95, "crypto isakmp key SECRETKEY address 1.2.3.0 255.255.0.255\n", 1, "crypto isakmp key: mask: expected a contiguous netmask, got '255.255.0.255'", 0 },
	{ 96, "crypto isakmp identity hostname\n", 1, "crypto isakmp identity: hostname: refused: not implemented (espfab identifies itself by address)", 0 },
	{ 97, "crypto isakmp keepalive 5\n", 1, "crypto isakmp keepalive: seconds: expected 10-3600, got '5'", 0 },
	{ 98, "crypto isakmp nat keepalive 1\n", 1, "crypto isakmp nat keepalive: seconds: expected 5-3600, got '1'", 0 },
	{ 99, "crypto isakmp keepalive 10 1\n", 1, "crypto isakmp keepalive: retry: expected 2-60, got '1'", 0 },
	/* crypto keyring */
	{ 100, "crypto keyring default\n", 1, "crypto keyring: name: 'default' is the keyring of crypto isakmp key lines; expected another name", 0 },
	{ 101, "crypto keyring K vrf V\n", 1, "crypto keyring K: vrf: refused: not implemented (VRF keyrings change which key a peer gets)", 0 },
	{ 102, "crypto keyring K\n pre-shared-key hostname h key SECRETKEY\n", 2, "crypto keyring K: pre-shared-key: hostname: refused: not implemented (peers are identified by address)", 0 },
	{ 103, "crypto keyring K\n pre-shared-key address 1.2.3.4 SECRETKEY\n", 2, "crypto keyring K: pre-shared-key: expected key, got another word (not shown)", 0 },
	{ 104, "crypto keyring K\n pre-shared-key address 1.2.3.4 key\n", 2, "crypto keyring K: pre-shared-key: key: expected a key, got end of line", 0 },
	{ 105, "crypto keyring K\n pre-shared-key address 1.2.3.4 key SECRETKEY extra\n", 2, "crypto keyring K: pre-shared-key: expected end of line after the key, got another word", 0 },
	{ 106, "crypto keyring K\n pre-shared-key SECRETKEY\n", 2, "crypto keyring K: pre-shared-key: expected address, got another word (not shown)", 0 },
	{ 107, "crypto keyring K\n local-address Fa0/0\n", 2, "crypto keyring K: local-address: refused: keyrings bound to a local address are not implemented", 0 },
	{ 109, "crypto keyring K\n pre-shared-key address 1.2.3.4 10.20.30.40\n", 2, "crypto keyring K: pre-shared-key: mask: expected a contiguous netmask, got a word that is not one (not shown)", 0 },
	{ 108, "crypto keyring K\n pre-shared-key address 1.2.3.4 key 6 SECRETKEY\n", 2, "crypto keyring K: pre-shared-key: encryption type 6: not supported (give the key in clear text, type 0)", 0 },
	/* transform sets and IPsec lifetimes */
	{ 110, "crypto ipsec transform-set T esp-aes esp-sha256-hmac\n", 1, "crypto ipsec transform-set T: transform: esp-sha256-hmac: refused: not implemented (expected esp-des|esp-3des|esp-aes [128|192|256] and esp-md5-hmac|esp-sha-hmac)", 0 },
	{ 111, "crypto ipsec transform-set T esp-des\n", 1, "crypto ipsec transform-set T: expected one encryption transform (esp-des|esp-3des|esp-aes) and one authentication transform (esp-md5-hmac|esp-sha-hmac), got no authentication transform", 0 },
	{ 112, "crypto ipsec transform-set T esp-des esp-3des esp-sha-hmac\n", 1, "crypto ipsec transform-set T: esp-3des: expected one encryption transform, got a second", 0 },
	{ 113, "crypto ipsec transform-set T esp-md5-hmac esp-sha-hmac esp-des\n", 1, "crypto ipsec transform-set T: esp-sha-hmac: expected one authentication transform, got a second", 0 },
	{ 114, "crypto ipsec transform-set T esp-aes 512 esp-sha-hmac\n", 1, "crypto ipsec transform-set T: esp-aes key size: expected 128, 192 or 256, got '512'", 0 },
	{ 115, "crypto ipsec transform-set T foo\n", 1, "crypto ipsec transform-set T: transform: expected esp-des|esp-3des|esp-aes [128|192|256] and esp-md5-hmac|esp-sha-hmac, got 'foo'", 0 },
	{ 116, "crypto ipsec transform-set T\n", 1, "crypto ipsec transform-set T: expected one encryption transform (esp-des|esp-3des|esp-aes) and one authentication transform (esp-md5-hmac|esp-sha-hmac), got none", 0 },
	{ 117, "crypto ipsec transform-set T ah-sha-hmac\n", 1, "crypto ipsec transform-set T: transform: ah-sha-hmac: refused: not implemented (expected esp-des|esp-3des|esp-aes [128|192|256] and esp-md5-hmac|esp-sha-hmac)", 0 },
	{ 118, TS " mode beet\n", 2, "crypto ipsec transform-set T: mode: expected tunnel|transport, got 'beet'", 0 },
	{ 119, TS " mode transport require\n", 2, "crypto ipsec transform-set T: mode transport require: refused: not implemented", 0 },
	{ 120, "crypto ipsec security-association lifetime seconds 10\n", 1, "crypto ipsec security-association lifetime: seconds: expected 120-2592000, got '10'", 0 },
	{ 121, "crypto ipsec security-association lifetime days 1\n", 1, "crypto ipsec security-association lifetime: lifetime: expected seconds|kilobytes, got 'days'", 0 },
	{ 122, "crypto ipsec security-association replay window-size 128\n", 1, "crypto ipsec security-association: refused: espfab does not implement this crypto command", 0 },
	{ 123, "crypto ipsec security-association lifetime kilobytes disable\n", 1, "crypto ipsec security-association lifetime: kilobytes disable: refused: not implemented (volume lifetimes are always enforced)", 0 },
	{ 124, "crypto ipsec security-association lifetime kilobytes 100\n", 1, "crypto ipsec security-association lifetime: kilobytes: expected 2560-4294967295, got '100'", 0 },
	{ 125, "crypto ipsec transform-set T esp-null esp-sha-hmac\n", 1, "crypto ipsec transform-set T: transform: esp-null: refused: not implemented (expected esp-des|esp-3des|esp-aes [128|192|256] and esp-md5-hmac|esp-sha-hmac)", 0 },
	/* crypto map and dynamic-map */
	{ 130, "crypto map M\n", 1, "crypto map M: expected a sequence number 1-65535, got end of line", 0 },
	{ 131, "crypto map M 70000\n", 1, "crypto map M: sequence number: expected 1-65535, got '70000'", 0 },
	{ 132, "crypto map M 10 ipsec-manual\n", 1, "crypto map M 10: ipsec-manual: refused: not implemented (only ipsec-isakmp entries are)", 0 },
	{ 133, "crypto map M 10 foo\n", 1, "crypto map M 10: expected ipsec-isakmp, got 'foo'", 0 },
	{ 134, "crypto map M 10 ipsec-isakmp foo\n", 1, "crypto map M 10: expected dynamic or end of line, got 'foo'", 0 },
	{ 135, "crypto map M local-address Fa0/0\n", 1, "crypto map M local-address: refused: not implemented", 0 },
	{ 136, "crypto map M 10 ipsec-isakmp profile P\n", 1, "crypto map M 10: profile: refused: not implemented (ISAKMP profiles are not)", 0 },
	{ 137, BASE "crypto dynamic-map D 10\n set transform-set T\ncrypto map M 10 ipsec-isakmp dynamic D\n", BL + 3, "crypto map M 10: the entry was defined at line 6 as a static entry; expected the same kind (or 'no crypto map M 10' first)", 0 },
	{ 138, "crypto map M 10 ipsec-isakmp dynamic D\n set peer 1.2.3.4\n", 1, "crypto map M 10: dynamic: no crypto dynamic-map 'D' is defined", 2 },
	{ 139, POL TS KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n", 5, "crypto map M 10: incomplete entry: expected set transform-set, match address", 0 },
	{ 140, "crypto dynamic-map D 10\n match address 101\n" ACL101, 1, "crypto dynamic-map D 10: incomplete entry: expected set transform-set", 0 },
	{ 141, BASE "crypto map M 20 ipsec-isakmp\n set peer hub.example.com\n", BL + 2, "crypto map M 20: set peer: expected an IPv4 address (peer host names are not implemented), got 'hub.example.com'", 2 },
	{ 142, BASE "crypto map M 10 ipsec-isakmp\n set peer 1.2.3.4 default\n", BL + 2, "crypto map M 10: set peer: default: refused: not implemented", 0 },
	{ 143, BASE "crypto map M 10\n set peer 1.0.0.1\n set peer 1.0.0.2\n set peer 1.0.0.3\n set peer 1.0.0.4\n set peer 1.0.0.5\n set peer 1.0.0.6\n set peer 1.0.0.7\n set peer 1.0.0.8\n set peer 1.0.0.9\n set peer 1.0.0.10\n", BL + 11, "crypto map M 10: set peer: expected at most 10 peers per entry", 0 },
	{ 144, BASE "crypto map M 10\n set transform-set a b c d e f g\n", BL + 2, "crypto map M 10: set transform-set: expected at most 6 transform sets, got 'g'", 2 },
	{ 145, BASE "crypto map M 10\n set transform-set\n", BL + 2, "crypto map M 10: set transform-set: expected one to 6 transform set names, got end of line", 2 },
	{ 146, BASE "crypto map M 10\n match address\n", BL + 2, "crypto map M 10: match address: expected an access list number or name, got end of line", 0 },
	{ 147, BASE "crypto map M 10\n set pfs group3\n", BL + 2, "crypto map M 10: set pfs: expected group1|group2|group5|group14, got 'group3'", 0 },
	{ 148, BASE "crypto map M 10\n set security-association lifetime seconds 5\n", BL + 2, "crypto map M 10: set security-association lifetime: seconds: expected 120-2592000, got '5'", 0 },
	{ 149, BASE "crypto map M 10\n set isakmp-profile P\n", BL + 2, "crypto map M 10: set isakmp-profile: refused: ISAKMP profiles are not implemented", 0 },
	{ 150, BASE "crypto map M 10\n set security-association level per-host\n", BL + 2, "crypto map M 10: set security-association: refused: only lifetime is implemented", 0 },
	{ 151, BASE "crypto map M 10\n reverse-route static\n", BL + 2, "crypto map M 10: reverse-route: refused: reverse route injection is not implemented", 0 },
	{ 152, "crypto dynamic-map D\n", 1, "crypto dynamic-map D: sequence number: expected 1-65535, got end of line", 0 },
	{ 153, "crypto dynamic-map D 10 extra\n", 1, "crypto dynamic-map D: expected end of line, got 'extra'", 0 },
	{ 154, TS ACL101 KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 101\ninterface Fa0/0\n ip address 1.1.1.2 255.255.255.0\n crypto map M\n", 10, "crypto map applied, but no crypto isakmp policy is configured; expected at least one (IOS's default suite uses rsa-sig, which espfab does not implement)", 0 },
	{ 155, BASE "crypto map M 10\n set frobnicate\n", BL + 2, "crypto map M 10: unknown command 'set frobnicate': expected a sub-command of this mode or a global command", 0 },
	{ 156, BASE "crypto map M 10\n set peer 1.2.3.4 5\n", BL + 2, "crypto map M 10: set peer: expected end of line, got '5'", 0 },
	{ 157, BASE "crypto dynamic-map D 10\n set transform-set T\ncrypto map M 20 ipsec-isakmp dynamic D\n set peer 1.2.3.4\n", BL + 4, "crypto map M 20: an entry that references a dynamic map takes no sub-commands; expected them under crypto dynamic-map D", 0 },
	/* refused global commands */
	{ 160, "crypto isakmp profile P\n match identity address 0.0.0.0\n keyring K\n", 1, "crypto isakmp profile: refused: ISAKMP profiles are not implemented", 0 },
	{ 161, "crypto ipsec profile P\n set transform-set T\n", 1, "crypto ipsec profile: refused: IPsec profiles (tunnel protection) are not implemented", 0 },
	{ 162, "aaa new-model\n", 1, "aaa: refused: AAA (XAUTH, authorization) is not implemented", 0 },
	{ 163, "tunnel-group EZ type remote-access\ntunnel-group EZ ipsec-attributes\n pre-shared-key SECRETKEY\n", 1, "tunnel-group: refused: ASA tunnel groups are not implemented", 2 },
	{ 164, "crypto pki trustpoint TP\n enrollment url http://ca\n", 1, "crypto pki: refused: certificates are not implemented", 0 },
	{ 165, "crypto frobnicate\n", 1, "crypto frobnicate: refused: espfab does not implement this crypto command", 0 },
	{ 166, "crypto isakmp aggressive-mode disable\n", 1, "crypto isakmp aggressive-mode: refused: espfab does not implement this crypto command", 0 },
	{ 167, "no crypto isakmp enable\n", 1, "no crypto isakmp enable: refused: espfab does not implement this crypto command", 0 },
	{ 168, "ip nat inside source list 1 interface Fa0/0 overload\n", 1, "ip nat: refused: NAT is not implemented", 0 },
	/* a block whose first line failed: its sub-lines are not reported again */
	{ 170, "crypto isakmp policy 0\n encr aes\n hash foo\n", 1, "crypto isakmp policy: priority: expected 1-10000, got '0'", 0 },
	{ 171, "crypto map M 10 ipsec-manual\n set peer 1.1.1.1\n set session-key inbound esp 256 cipher SECRETKEY\n", 1, "crypto map M 10: ipsec-manual: refused: not implemented (only ipsec-isakmp entries are)", 0 },
};

static void test_errors(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		const struct err_case *c = &errs[i];
		ios_diags d = { 0 };
		ios_config *cfg = (ios_config *)1;
		int rc = ios_config_parse_string("t.cfg", c->text, &cfg, &d);
		char want[600];
		snprintf(want, sizeof want, "t.cfg:%u: %s", c->line, c->msg);
		bool found = false;
		for (size_t k = 0; k < d.n; k++)
			found |= d.v[k].sev == IOS_SEV_ERROR && !strcmp(d.v[k].msg, want);
		if (rc != -1 || cfg || !found || d.errors != (c->errors ? c->errors : 1u)) {
			dump(&d);
			fail_msg("error case %d: rc %d, %zu errors, expected '%s' (%u errors)", c->n, rc, d.errors, want,
				 c->errors ? c->errors : 1u);
		}
		for (size_t k = 0; k < d.n; k++)
			if (strstr(d.v[k].msg, "SECRET") || strchr(d.v[k].msg, '\n'))
				fail_msg("error case %d: key material or newline in '%s'", c->n, d.v[k].msg);
		ios_diags_free(&d);
	}
}

/* The message format the issue gives as its example, to the letter. */
static void test_error_format(void **s)
{
	(void)s;
	const char *text = "!\n!\nhostname r1\n!\n!\n!\n!\n!\n!\n!\ncrypto isakmp policy 10\n encr blowfish\n"
			   " authentication pre-share\nend\n";
	ios_diags d = { 0 };
	ios_config *cfg;
	assert_int_equal(ios_config_parse_string("r1.cfg", text, &cfg, &d), -1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].sev, IOS_SEV_ERROR);
	assert_int_equal(d.v[0].lineno, 12);
	assert_string_equal(d.v[0].msg, "r1.cfg:12: crypto isakmp policy 10: encr: expected des|3des|aes, got 'blowfish'");
	ios_diags_free(&d);

	/* every diagnostic is reported, in line order, not just the first */
	text = "hostname 9\ncrypto isakmp policy 10\n hash sha512\n group 3\ncrypto map M 10 ipsec-isakmp\n"
	       " set transform-set NOPE\nbogus\n";
	assert_int_equal(ios_config_parse_string("r1.cfg", text, &cfg, &d), -1);
	assert_int_equal(d.errors, 7);
	for (size_t i = 1; i < d.n; i++)
		assert_true(d.v[i - 1].lineno <= d.v[i].lineno);
	static const char *const want[] = {
		"r1.cfg:1: hostname: expected a name",
		"r1.cfg:2: crypto isakmp policy 10: authentication: expected 'authentication pre-share'",
		"r1.cfg:3: crypto isakmp policy 10: hash: expected md5|sha, got 'sha512'",
		"r1.cfg:4: crypto isakmp policy 10: group: expected 1|2|5|14, got '3'",
		"r1.cfg:5: crypto map M 10: incomplete entry: expected set peer, match address",
		"r1.cfg:6: crypto map M 10: set transform-set: no transform set 'NOPE' is defined",
		"r1.cfg:7: crypto map M 10: unknown command 'bogus'",
	};
	size_t k = 0;
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].sev == IOS_SEV_ERROR) {
			if (strncmp(d.v[i].msg, want[k], strlen(want[k])))
				fail_msg("error %zu: '%s', expected '%s...'", k, d.v[i].msg, want[k]);
			k++;
		}
	ios_diags_free(&d);
}

/* ---- warnings ------------------------------------------------------------- */

struct warn_case {
	int n;
	const char *text;
	unsigned line;
	const char *msg; /* after "t.cfg:LINE: warning: " */
};

static const struct warn_case warns[] = {
	{ 1, BASE "crypto dynamic-map D 10\n set transform-set T\ncrypto map M 5 ipsec-isakmp dynamic D\n", 6, "crypto map M 10: static entry numbered above the dynamic entry 5 (line 15): the dynamic entry is matched first and this entry's peer fails, as in IOS; give static entries lower sequence numbers" },
	{ 2, BASE "crypto dynamic-map D 10\n set transform-set T\ncrypto map M 20 ipsec-isakmp dynamic D discover\n", BL + 3, "crypto map M 20: discover has no effect: no entry of dynamic map D has a match address" },
	{ 3, BASE "crypto dynamic-map D 10\n set transform-set T\n", BL + 1, "crypto dynamic-map D: not used by any crypto map" },
	{ 4, BASE "crypto map N 10\n set peer 1.1.1.1\n set transform-set T\n match address 101\n", BL + 1, "crypto map N: not applied to any interface" },
	{ 5, POL TS ACL101 "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 101\ninterface Fa0/0\n ip address 1.1.1.2 255.255.255.0\n crypto map M\n", 6, "crypto map M 10: set peer 1.1.1.1: no pre-shared key covers this peer (phase 1 will fail)" },
	{ 6, POL TS KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address E\nip access-list extended E\ninterface Fa0/0\n crypto map M\n", 8, "crypto map M 10: match address: access list E has no entries (matches nothing)" },
	{ 7, POL TS KEY "crypto map M 10 ipsec-isakmp\n set peer 1.1.1.1\n set transform-set T\n match address 101\ninterface Fa0/0\n crypto map M\n" ACL101, 10, "interface Fa0/0: crypto map M on an interface without an address (IKE has no local address)" },
	{ 8, BASE "access-list 150 permit ip any any\nno access-list 150 permit ip any any\n", BL + 2, "no access-list 150 permit: deletes the whole access list, as IOS does" },
	{ 9, BASE "end\nhostname x\nhostname y\n", BL + 2, "text after 'end' (line 13) is ignored" },
	{ 10, BASE "exit\nexit\n", BL + 2, "exit: ignored at the global level" }, /* the first leaves interface mode */
	{ 11, BASE "access-list 10 permit 10.0.0.0 0.0.0.255\n", BL + 1, "access-list 10: ignored (standard access lists are not used by espfab; crypto maps take extended lists 100-199, 2000-2699)" },
	{ 12, BASE "ip route 10.0.0.0 255.0.0.0 1.1.1.1 track 5\n", BL + 1, "ip route: track 5 ignored (object tracking is not implemented)" },
	{ 13, BASE "ip access-list extended X\n permit ip any any\n no 30\n", BL + 3, "ip access-list extended X: no 30: there is no entry with that sequence number" },
	{ 14, BASE "ip access-list standard S\n permit 10.0.0.0 0.0.0.255\n", BL + 1, "ip access-list standard: ignored (standard access lists are not used by espfab; crypto maps take extended lists)" },
	{ 15, BASE "router eigrp 1\n network 10.0.0.0\n", BL + 1, "router: ignored (routing protocols are not part of espfab)" },
	{ 16, BASE "interface Fa0/0\n duplex full\n", BL + 2, "interface Fa0/0: duplex: ignored (does not concern espfab)" },
	{ 17, BASE "no aaa new-model\n", BL + 1, "no aaa: ignored (AAA (XAUTH, authorization) is not implemented)" },
	{ 18, BASE "ip local pool ippool 10.5.5.1 10.5.5.254\n", BL + 1, "ip local pool: ignored (address pools serve client configuration, which is not implemented)" },
	{ 19, BASE "interface Gi0/0.100 point-to-point\n", BL + 1, "interface Gi0/0.100: sub-interface type ignored" },
	{ 20, BASE "username admin privilege 15 secret 5 $1$SECRETHASH\n", BL + 1, "username: ignored (local users serve logins and AAA, which espfab does not have)" },
	{ 21, BASE "enable secret 5 $1$SECRETHASH\n", BL + 1, "enable: ignored (does not concern espfab)" },
	{ 22, BASE "banner motd ^C\nWelcome\n!\n^C\n", BL + 1, "banner: ignored (does not concern espfab)" },
	{ 23, BASE "crypto map M 10\n qos pre-classify\n", BL + 2, "crypto map M 10: qos pre-classify: ignored (QoS is not part of espfab)" },
	{ 24, BASE "ip access-list extended X\n permit ip any any\n no deny ip any any\n", BL + 3, "ip access-list extended X: no deny: no such entry" },
};

static void test_warnings(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof warns / sizeof warns[0]; i++) {
		const struct warn_case *c = &warns[i];
		ios_diags d = { 0 };
		ios_config *cfg = NULL;
		int rc = ios_config_parse_string("t.cfg", c->text, &cfg, &d);
		char want[600];
		snprintf(want, sizeof want, "t.cfg:%u: warning: %s", c->line, c->msg);
		bool found = false;
		for (size_t k = 0; k < d.n; k++)
			found |= !strcmp(d.v[k].msg, want);
		if (rc || !cfg || !found || d.errors) {
			dump(&d);
			fail_msg("warning case %d: rc %d, %zu errors, expected '%s'", c->n, rc, d.errors, want);
		}
		for (size_t k = 0; k < d.n; k++)
			if (strstr(d.v[k].msg, "SECRET"))
				fail_msg("warning case %d: secret in '%s'", c->n, d.v[k].msg);
		ios_config_free(cfg);
		ios_diags_free(&d);
	}
}

/* ---- accepted forms -------------------------------------------------------- */

static ios_config *parse_ok(const char *text, ios_diags *d)
{
	ios_config *cfg = NULL;
	if (ios_config_parse_string("t.cfg", text, &cfg, d)) {
		dump(d);
		fail_msg("refused: %s", text);
	}
	return cfg;
}

static void test_policy_forms(void **s)
{
	(void)s;
	static const struct {
		int n;
		const char *body;
		uint8_t encr, key_len, hash, group;
		uint32_t life;
	} cases[] = {
		{ 1, "", IOS_IKE_ENCR_DES, 8, IOS_IKE_HASH_SHA, 1, 86400 },
		{ 2, " encr 3des\n hash md5\n group 2\n lifetime 3600\n", IOS_IKE_ENCR_3DES, 24, IOS_IKE_HASH_MD5, 2, 3600 },
		{ 3, " encr aes\n group 5\n", IOS_IKE_ENCR_AES, 16, IOS_IKE_HASH_SHA, 5, 86400 },
		{ 4, " encr aes 192\n group 14\n", IOS_IKE_ENCR_AES, 24, IOS_IKE_HASH_SHA, 14, 86400 },
		{ 5, " encryption aes 256\n", IOS_IKE_ENCR_AES, 32, IOS_IKE_HASH_SHA, 1, 86400 },
		{ 6, " ENCR AES 128\n HASH MD5\n", IOS_IKE_ENCR_AES, 16, IOS_IKE_HASH_MD5, 1, 86400 },
		/* `no` forms return to the IOS defaults */
		{ 7, " encr aes\n hash md5\n group 14\n lifetime 600\n no encr\n no hash\n no group\n no lifetime\n",
		  IOS_IKE_ENCR_DES, 8, IOS_IKE_HASH_SHA, 1, 86400 },
		/* unindented sub-commands are taken as IOS takes them */
		{ 8, "encr 3des\ngroup 2\n", IOS_IKE_ENCR_3DES, 24, IOS_IKE_HASH_SHA, 2, 86400 },
		{ 9, " lifetime 60\n exit\n", IOS_IKE_ENCR_DES, 8, IOS_IKE_HASH_SHA, 1, 60 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, "crypto isakmp policy 7\n authentication pre-share\n%s", cases[i].body);
		ios_diags d = { 0 };
		ios_config *cfg = parse_ok(text, &d);
		const ios_isakmp_policy *p = &cfg->policies[0];
		if (cfg->n_policies != 1 || p->encr != cases[i].encr || p->key_len != cases[i].key_len ||
		    p->hash != cases[i].hash || p->group != cases[i].group || p->lifetime != cases[i].life ||
		    p->auth != IOS_IKE_AUTH_PRE_SHARE || d.n)
			fail_msg("policy case %d: encr %u/%u hash %u group %u life %u, %zu diagnostics", cases[i].n,
				 p->encr, p->key_len, p->hash, p->group, p->lifetime, d.n);
		ios_config_free(cfg);
		ios_diags_free(&d);
	}
	/* sorted by priority whatever the order in the file; re-entering edits */
	ios_diags d = { 0 };
	ios_config *cfg = parse_ok("crypto isakmp policy 30\n authentication pre-share\ncrypto isakmp policy 5\n"
				   " authentication pre-share\ncrypto isakmp policy 100\n authentication pre-share\n"
				   "crypto isakmp policy 30\n group 2\nno crypto isakmp policy 100\n",
				   &d);
	assert_int_equal(cfg->n_policies, 2);
	assert_int_equal(cfg->policies[0].priority, 5);
	assert_int_equal(cfg->policies[1].priority, 30);
	assert_int_equal(cfg->policies[1].group, 2);
	assert_int_equal(cfg->policies[1].line, 1);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

static void test_transform_sets(void **s)
{
	(void)s;
	static const struct {
		int n;
		const char *line;
		uint8_t cipher, len, auth, mode;
		const char *text;
	} cases[] = {
		{ 1, "esp-des esp-md5-hmac", ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5, 0, "esp-des esp-md5-hmac" },
		{ 2, "esp-3des esp-sha-hmac", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 0, "esp-3des esp-sha-hmac" },
		{ 3, "esp-aes esp-sha-hmac", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 0, "esp-aes esp-sha-hmac" },
		{ 4, "esp-aes 128 esp-md5-hmac", ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_MD5, 0, "esp-aes esp-md5-hmac" },
		{ 5, "esp-aes 192 esp-sha-hmac", ESPFAB_CIPHER_AES, 24, ESPFAB_AUTH_SHA1, 0, "esp-aes 192 esp-sha-hmac" },
		{ 6, "esp-aes 256 esp-sha-hmac", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_SHA1, 0, "esp-aes 256 esp-sha-hmac" },
		/* authentication first */
		{ 7, "esp-sha-hmac esp-aes 256", ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_SHA1, 0, "esp-aes 256 esp-sha-hmac" },
		{ 8, "esp-3des esp-sha-hmac\n mode transport", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 1,
		  "esp-3des esp-sha-hmac" },
		{ 9, "esp-3des esp-sha-hmac\n mode transport\n mode tunnel", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 0,
		  "esp-3des esp-sha-hmac" },
		{ 10, "esp-3des esp-sha-hmac\n mode transport\n no mode", ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, 0,
		  "esp-3des esp-sha-hmac" },
		/* redefinition changes the transforms and keeps the mode */
		{ 11, "esp-des esp-md5-hmac\n mode transport\ncrypto ipsec transform-set X esp-aes esp-sha-hmac",
		  ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, 1, "esp-aes esp-sha-hmac" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "crypto ipsec transform-set X %s\n", cases[i].line);
		ios_diags d = { 0 };
		ios_config *cfg = parse_ok(text, &d);
		const ios_transform_set *ts = ios_config_tset(cfg, "X");
		char b[64];
		uint8_t mode = cases[i].mode ? ESPFAB_MODE_TRANSPORT : ESPFAB_MODE_TUNNEL;
		if (cfg->n_tsets != 1 || !ts || ts->cipher != cases[i].cipher || ts->enc_key_len != cases[i].len ||
		    ts->auth != cases[i].auth || ts->mode != mode || strcmp(ios_tset_text(ts, b, sizeof b), cases[i].text))
			fail_msg("transform case %d", cases[i].n);
		ios_config_free(cfg);
		ios_diags_free(&d);
	}
}

static void test_map_entries(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = parse_ok(POL TS KEY ACL101
				   "crypto ipsec transform-set U esp-3des esp-md5-hmac\n"
				   "crypto map M 30 ipsec-isakmp\n"
				   " set peer 1.1.1.1\n set peer 2.2.2.2\n set peer 1.1.1.1\n"
				   " set transform-set T\n set transform-set U T\n"
				   " match address 101\n"
				   " set pfs\n"
				   " set security-association lifetime seconds 900\n"
				   " set security-association lifetime kilobytes 10000\n"
				   " description to the peers\n"
				   "crypto map M 10\n"
				   " set peer 3.3.3.3\n set transform-set T\n match address 101\n set pfs group5\n"
				   " no set peer 3.3.3.3\n set peer 4.4.4.4\n no set pfs\n"
				   "crypto dynamic-map D 20\n set transform-set U\n set pfs group2\n"
				   "crypto dynamic-map D 10\n set transform-set T\n"
				   "crypto map M 40 ipsec-isakmp dynamic D discover\n"
				   "crypto map M 50 ipsec-isakmp dynamic D\n"
				   "crypto map M 50 ipsec-isakmp dynamic D discover\n"
				   "crypto map M 60 ipsec-isakmp dynamic D\n"
				   "no crypto map M 60\n"
				   "crypto ipsec security-association lifetime kilobytes 20000\n"
				   "interface Fa0/0\n ip address 1.1.1.2 255.255.255.0\n crypto map M\n",
				   &d);
	const ios_crypto_map *m = ios_config_map(cfg, "M");
	assert_int_equal(m->n_entries, 4);
	assert_int_equal(m->entries[0].seq, 10);
	assert_int_equal(m->entries[1].seq, 30);
	assert_int_equal(m->entries[2].seq, 40);
	assert_int_equal(m->entries[3].seq, 50);
	const ios_map_entry *e10 = &m->entries[0], *e30 = &m->entries[1];
	assert_int_equal(e10->n_peers, 1);
	assert_int_equal(e10->peers[0], IP(4, 4, 4, 4));
	assert_int_equal(e10->pfs_group, 0);
	/* several peers in order, a repeat ignored; the last set transform-set wins */
	assert_int_equal(e30->n_peers, 2);
	assert_int_equal(e30->peers[0], IP(1, 1, 1, 1));
	assert_int_equal(e30->peers[1], IP(2, 2, 2, 2));
	assert_int_equal(e30->n_tsets, 2);
	assert_string_equal(e30->tsets[0]->name, "U");
	assert_string_equal(e30->tsets[1]->name, "T");
	assert_int_equal(e30->pfs_group, 1);
	assert_string_equal(e30->description, "to the peers");
	uint32_t sec, kb;
	ios_entry_lifetime(cfg, e30, &sec, &kb);
	assert_int_equal(sec, 900);
	assert_int_equal(kb, 10000);
	ios_entry_lifetime(cfg, e10, &sec, &kb);
	assert_int_equal(sec, 3600);
	assert_int_equal(kb, 20000);
	/* re-entering a dynamic reference updates it */
	assert_true(m->entries[2].discover);
	assert_true(m->entries[3].discover);
	const ios_crypto_map *dm = ios_config_dynmap(cfg, "D");
	assert_int_equal(dm->n_entries, 2);
	assert_int_equal(dm->entries[0].seq, 10);
	assert_int_equal(dm->entries[1].seq, 20);
	assert_int_equal(dm->entries[1].pfs_group, 2);
	/* entry 40 (discover, dynamic map without ACL) gets a warning */
	assert_non_null(ios_diags_find(&d, "discover has no effect"));
	ios_config_free(cfg);
	ios_diags_free(&d);
}

/* `no` forms of what is supported. */
static void test_negation(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = parse_ok(BASE
				   "hostname R9\nno hostname\n"
				   "crypto isakmp key other address 2.2.2.0 255.255.255.0\n"
				   "no crypto isakmp key other address 2.2.2.0 255.255.255.0\n"
				   "crypto isakmp key 0 typed-zero address 3.3.3.3 no-xauth\n"
				   "crypto keyring K\n pre-shared-key address 4.4.4.4 key k4\n"
				   " pre-shared-key address 5.5.5.5 key 0 k5\n no pre-shared-key address 4.4.4.4\n"
				   "crypto keyring K2\nno crypto keyring K2\n"
				   "crypto ipsec transform-set V esp-des esp-md5-hmac\nno crypto ipsec transform-set V\n"
				   "crypto ipsec security-association lifetime seconds 600\n"
				   "no crypto ipsec security-association lifetime seconds\n"
				   "crypto isakmp keepalive 20\nno crypto isakmp keepalive\n"
				   "crypto dynamic-map D 10\n set transform-set T\nno crypto dynamic-map D\n"
				   "crypto map N 10\n set peer 1.1.1.1\n set transform-set T\n match address 101\n"
				   "no crypto map N\n"
				   "ip access-list extended A\n permit tcp any any eq 22\n permit udp any any\n"
				   " no permit tcp any any eq 22\n 5 deny ip host 1.2.3.4 any\n no 20\n"
				   "access-list 150 permit ip any any\nno access-list 150\n"
				   "ip access-list extended B\nno ip access-list extended B\n"
				   "interface Fa0/1\n ip address 9.9.9.1 255.255.255.0\n ip address 9.9.8.1 255.255.255.0 secondary\n"
				   " ip address 9.9.7.1 255.255.255.0 secondary\n no ip address 9.9.8.1 255.255.255.0 secondary\n"
				   " shutdown\n no shutdown\n description x\n no description\n"
				   "interface Loopback0\n ip address 8.8.8.8 255.255.255.255\nno interface Loopback0\n"
				   "interface Fa0/2\n ip address 7.7.7.1 255.255.255.0\n crypto map M\n no crypto map\n no ip address\n"
				   "ip route 10.0.0.0 255.0.0.0 1.1.1.1\nip route 10.0.0.0 255.0.0.0 1.1.1.3 200\n"
				   "ip route 11.0.0.0 255.0.0.0 Fa0/1 9.9.9.9 name backup permanent tag 7\n"
				   "ip route 12.0.0.0 255.0.0.0 Null0\n"
				   "no ip route 10.0.0.0 255.0.0.0 1.1.1.1\n",
				   &d);
	assert_string_equal(cfg->hostname, "Router");
	assert_int_equal(cfg->keyrings[0].n_keys, 2);
	const ios_psk *k = ios_psk_lookup(cfg, IP(3, 3, 3, 3), NULL);
	assert_string_equal(k->key, "typed-zero");
	assert_true(k->no_xauth);
	assert_int_equal(ios_psk_lookup(cfg, IP(2, 2, 2, 9), NULL)->mask, 0); /* the /24 key is gone */
	const ios_keyring *kr = ios_config_keyring(cfg, "K");
	assert_int_equal(kr->n_keys, 1);
	assert_string_equal(kr->keys[0].key, "k5");
	assert_null(ios_config_keyring(cfg, "K2"));
	assert_null(ios_config_tset(cfg, "V"));
	assert_int_equal(cfg->ipsec_life_sec, 3600);
	assert_int_equal(cfg->dpd_interval, 0);
	assert_null(ios_config_dynmap(cfg, "D"));
	assert_null(ios_config_map(cfg, "N"));
	const ios_acl *a = ios_config_acl(cfg, "A");
	assert_int_equal(a->n_aces, 1);
	assert_int_equal(a->aces[0].seq, 5);
	assert_false(a->aces[0].permit);
	assert_null(ios_config_acl(cfg, "150"));
	assert_null(ios_config_acl(cfg, "B"));
	const ios_interface *f = ios_config_interface(cfg, "FastEthernet0/1");
	assert_null(f); /* names are kept as written: Fa0/1 */
	f = ios_config_interface(cfg, "fa0/1");
	assert_non_null(f);
	assert_int_equal(f->addr, IP(9, 9, 9, 1));
	assert_int_equal(f->n_secondary, 1);
	assert_int_equal(f->sec_addr[0], IP(9, 9, 7, 1));
	assert_false(f->shutdown);
	assert_null(f->description);
	assert_null(ios_config_interface(cfg, "Loopback0"));
	f = ios_config_interface(cfg, "Fa0/2");
	assert_null(f->crypto_map);
	assert_false(f->has_addr);
	assert_int_equal(cfg->n_routes, 3);
	assert_int_equal(cfg->routes[0].nexthop, IP(1, 1, 1, 3));
	assert_int_equal(cfg->routes[0].distance, 200);
	assert_string_equal(cfg->routes[1].ifname, "Fa0/1");
	assert_ptr_equal(cfg->routes[1].iface, ios_config_interface(cfg, "Fa0/1"));
	assert_int_equal(cfg->routes[1].nexthop, IP(9, 9, 9, 9));
	assert_string_equal(cfg->routes[1].name, "backup");
	assert_true(cfg->routes[1].permanent);
	assert_int_equal(cfg->routes[1].tag, 7);
	assert_string_equal(cfg->routes[2].ifname, "Null0");
	assert_null(cfg->routes[2].iface);
	assert_false(cfg->routes[2].has_nexthop);
	assert_int_equal(d.errors, 0);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

/* show running-config decorations, interface-name forms, banners, blank
 * and CRLF lines, `end`. */
static void test_decorations(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = parse_ok("R1#show running-config\r\nBuilding configuration...\r\n\r\n"
				   "Current configuration : 1426 bytes\r\n!\r\n! Last configuration change at 10:00\r\n"
				   "version 12.4\r\nbanner motd ^CHello^C\r\nbanner login ^C\r\nmulti\r\nline !\r\n^C\r\n"
				   "banner exec #one-line#\r\n"
				   "interface FastEthernet 0/0\r\n ip address 10.0.0.1 255.255.255.0\r\n"
				   "\tspeed 100\r\nhostname R1\r\nend\r\nR1#\r\n",
				   &d);
	assert_string_equal(cfg->version, "12.4");
	assert_string_equal(cfg->hostname, "R1");
	assert_non_null(ios_config_interface(cfg, "FastEthernet0/0"));
	assert_int_equal(d.errors, 0);
	assert_int_equal(count_sev(&d, IOS_SEV_WARNING), 5); /* 3 banners, speed, text after end */
	assert_non_null(ios_diags_find(&d, "t.cfg:16: warning: interface FastEthernet0/0: speed: ignored"));
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* prompts in other spellings */
	static const char *const ok[] = { "R#sh run\n", "R# show running-config\n", "R#show startup-config\n",
					  "r-1.x#\n", "R#show run | begin crypto\n" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		cfg = parse_ok(ok[i], &d);
		assert_int_equal(d.n, 0);
		ios_config_free(cfg);
	}
	/* an empty document is a valid, empty configuration */
	cfg = parse_ok("", &d);
	assert_string_equal(cfg->hostname, "Router");
	assert_int_equal(cfg->n_keyrings, 1);
	assert_int_equal(cfg->ipsec_life_kb, 4608000);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

/* A repair pass (issue 7) rebuilds a document line by line and keeps the
 * source line numbers; diagnostics point at them. */
static void test_doc_hook(void **s)
{
	(void)s;
	ios_doc src, fixed;
	const char *text = "!--- Defines the IKE policy. crypto isakmp policy\n10\n authentication pre-share\n"
			   " group 3\n";
	assert_int_equal(ios_doc_from_string(&src, "seed.txt", text, strlen(text)), 0);
	assert_int_equal(src.n, 4);
	assert_int_equal(src.lines[1].lineno, 2);
	assert_string_equal(src.lines[1].text, "10");
	/* a stand-in repair: the command swallowed by the comment, joined with its tail */
	assert_int_equal(ios_doc_init(&fixed, src.name), 0);
	assert_int_equal(ios_doc_append(&fixed, 1, "crypto isakmp policy 10", 23), 0);
	for (size_t i = 2; i < src.n; i++)
		assert_int_equal(ios_doc_append(&fixed, src.lines[i].lineno, src.lines[i].text, strlen(src.lines[i].text)), 0);
	ios_diags d = { 0 };
	ios_config *cfg;
	assert_int_equal(ios_config_parse_doc(&fixed, &cfg, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg, "seed.txt:4: crypto isakmp policy 10: group: expected 1|2|5|14, got '3'");
	ios_diags_free(&d);
	/* unrepaired, the same text fails differently */
	assert_int_equal(ios_config_parse_doc(&src, &cfg, &d), -1);
	assert_non_null(ios_diags_find(&d, "seed.txt:2: unknown command '10'"));
	ios_diags_free(&d);
	ios_doc_free(&src);
	ios_doc_free(&fixed);
	ios_doc_free(NULL);

	/* tokens: offsets, indentation, comments, too many words */
	ios_toks t;
	assert_int_equal(ios_tokenize("  description  two  words", &t), 0);
	assert_int_equal(t.indent, 2);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[1], "two");
	assert_int_equal(t.off[1], 15);
	ios_toks_free(&t);
	assert_int_equal(ios_tokenize(" ! a comment", &t), 0);
	assert_true(t.comment);
	assert_int_equal(t.n, 0);
	ios_toks_free(&t);
	char many[400] = "";
	for (int i = 0; i < 70; i++)
		strcat(many, "w ");
	assert_int_equal(ios_tokenize(many, &t), 0);
	assert_true(t.too_many);
	ios_toks_free(&t);
	assert_int_equal(ios_config_parse_string("t.cfg", many, &cfg, &d), -1);
	assert_string_equal(d.v[0].msg, "t.cfg:1: 'w': expected at most 64 words on a line");
	ios_diags_free(&d);

	/* a missing file */
	assert_int_equal(ios_config_load_file("/nonexistent/r1.cfg", &cfg, &d), -1);
	assert_null(cfg);
	assert_string_equal(d.v[0].msg, "/nonexistent/r1.cfg: cannot open: No such file or directory");
	ios_diags_free(&d);
	ios_config_free(NULL);
	ios_diags_free(NULL);
}

/* Most specific mask wins across keyrings; a tie goes to the earlier one. */
static void test_psk_lookup(void **s)
{
	(void)s;
	ios_diags d = { 0 };
	ios_config *cfg = parse_ok("crypto isakmp key wild address 0.0.0.0 0.0.0.0\n"
				   "crypto isakmp key net24 address 10.0.0.0 255.255.255.0\n"
				   "crypto keyring A\n pre-shared-key address 10.0.0.0 255.255.255.0 key a24\n"
				   " pre-shared-key address 10.0.0.0 255.255.255.128 key a25\n"
				   "crypto keyring B\n pre-shared-key address 10.0.0.7 key b32\n"
				   " pre-shared-key address 0.0.0.0 0.0.0.0 key bwild\n"
				   "crypto isakmp key replaced address 10.0.0.0 255.255.255.0\n",
				   &d);
	static const struct {
		int n;
		uint32_t peer;
		const char *key, *ring;
	} cases[] = {
		{ 1, IP(10, 0, 0, 7), "b32", "B" },
		{ 2, IP(10, 0, 0, 8), "a25", "A" },
		{ 3, IP(10, 0, 0, 200), "replaced", "default" }, /* /24 in default and A: default first */
		{ 4, IP(10, 0, 1, 1), "wild", "default" },	 /* /0 in default and B */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const ios_keyring *kr;
		const ios_psk *k = ios_psk_lookup(cfg, cases[i].peer, &kr);
		if (!k || strcmp(k->key, cases[i].key) || strcmp(kr->name, cases[i].ring))
			fail_msg("psk case %d: got %s from %s", cases[i].n, k ? k->key : "-", k ? kr->name : "-");
	}
	assert_int_equal(cfg->keyrings[0].n_keys, 2);
	ios_config_free(cfg);
	ios_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_ted_daphne_fred),
		cmocka_unit_test(test_seed_s2_spoke),
		cmocka_unit_test(test_seed_s2_hub_refused),
		cmocka_unit_test(test_seed_s2_hub_l2l),
		cmocka_unit_test(test_two_sites),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_policy_forms),
		cmocka_unit_test(test_transform_sets),
		cmocka_unit_test(test_map_entries),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_decorations),
		cmocka_unit_test(test_doc_hook),
		cmocka_unit_test(test_psk_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
