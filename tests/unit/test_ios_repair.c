/*
 * The technote repair pre-pass (host/ios_repair.c, docs/ios-config.md
 * "Configurations copied from technotes").
 *
 * tests/configs/seed000-daphne.txt and seed000-fred.txt are byte-for-byte
 * copies of the `Daphne#show running-config` and `fred#show running-config`
 * blocks of ../shared/seeds/000_65c07fcf6fa98b91.txt (lines 95-171 and
 * 179-254; sha256 of the seed d62198e3...0ed), HTML-conversion damage
 * included.  Repaired, they must give the model of daphne.cfg / fred.cfg
 * (the same configurations written as clean IOS), with the repairs named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ios_config.h"
#include "ios_repair.h"

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

static void str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void entry_eq(const ios_map_entry *a, const ios_map_entry *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->dynamic_ref, b->dynamic_ref);
	str_eq(a->dynmap_name, b->dynmap_name);
	assert_int_equal(a->discover, b->discover);
	assert_int_equal(a->n_peers, b->n_peers);
	for (size_t i = 0; i < a->n_peers; i++)
		assert_int_equal(a->peers[i], b->peers[i]);
	assert_int_equal(a->n_tsets, b->n_tsets);
	for (size_t i = 0; i < a->n_tsets; i++)
		assert_string_equal(a->tset_names[i], b->tset_names[i]);
	str_eq(a->acl_name, b->acl_name);
	assert_int_equal(a->pfs_group, b->pfs_group);
	assert_int_equal(a->life_sec, b->life_sec);
	assert_int_equal(a->life_kb, b->life_kb);
}

static void maps_eq(const ios_crypto_map *a, size_t na, const ios_crypto_map *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_int_equal(a[i].n_entries, b[i].n_entries);
		for (size_t j = 0; j < a[i].n_entries; j++)
			entry_eq(&a[i].entries[j], &b[i].entries[j]);
	}
}

/* Everything but line numbers. */
static void model_eq(const ios_config *a, const ios_config *b)
{
	str_eq(a->hostname, b->hostname);
	str_eq(a->version, b->version);
	assert_int_equal(a->n_policies, b->n_policies);
	for (size_t i = 0; i < a->n_policies; i++) {
		const ios_isakmp_policy *p = &a->policies[i], *q = &b->policies[i];
		assert_int_equal(p->priority, q->priority);
		assert_int_equal(p->encr, q->encr);
		assert_int_equal(p->key_len, q->key_len);
		assert_int_equal(p->hash, q->hash);
		assert_int_equal(p->auth, q->auth);
		assert_int_equal(p->group, q->group);
		assert_int_equal(p->lifetime, q->lifetime);
	}
	assert_int_equal(a->n_keyrings, b->n_keyrings);
	for (size_t i = 0; i < a->n_keyrings; i++) {
		assert_string_equal(a->keyrings[i].name, b->keyrings[i].name);
		assert_int_equal(a->keyrings[i].n_keys, b->keyrings[i].n_keys);
		for (size_t j = 0; j < a->keyrings[i].n_keys; j++) {
			const ios_psk *k = &a->keyrings[i].keys[j], *l = &b->keyrings[i].keys[j];
			assert_int_equal(k->addr, l->addr);
			assert_int_equal(k->mask, l->mask);
			assert_int_equal(k->key_len, l->key_len);
			assert_memory_equal(k->key, l->key, k->key_len);
		}
	}
	assert_int_equal(a->n_tsets, b->n_tsets);
	for (size_t i = 0; i < a->n_tsets; i++) {
		const ios_transform_set *s = &a->tsets[i], *t = &b->tsets[i];
		assert_string_equal(s->name, t->name);
		assert_int_equal(s->cipher, t->cipher);
		assert_int_equal(s->enc_key_len, t->enc_key_len);
		assert_int_equal(s->auth, t->auth);
		assert_int_equal(s->mode, t->mode);
	}
	assert_int_equal(a->n_acls, b->n_acls);
	for (size_t i = 0; i < a->n_acls; i++) {
		assert_string_equal(a->acls[i].name, b->acls[i].name);
		assert_int_equal(a->acls[i].n_aces, b->acls[i].n_aces);
		for (size_t j = 0; j < a->acls[i].n_aces; j++) {
			ios_ace x = a->acls[i].aces[j], y = b->acls[i].aces[j];
			x.line = y.line = 0;
			assert_memory_equal(&x, &y, sizeof x);
		}
	}
	maps_eq(a->maps, a->n_maps, b->maps, b->n_maps);
	maps_eq(a->dynmaps, a->n_dynmaps, b->dynmaps, b->n_dynmaps);
	assert_int_equal(a->n_ifaces, b->n_ifaces);
	for (size_t i = 0; i < a->n_ifaces; i++) {
		const ios_interface *f = &a->ifaces[i], *g = &b->ifaces[i];
		assert_string_equal(f->name, g->name);
		assert_int_equal(f->has_addr, g->has_addr);
		assert_int_equal(f->addr, g->addr);
		assert_int_equal(f->mask, g->mask);
		str_eq(f->crypto_map_name, g->crypto_map_name);
		assert_int_equal(f->shutdown, g->shutdown);
	}
	assert_int_equal(a->n_routes, b->n_routes);
	for (size_t i = 0; i < a->n_routes; i++) {
		const ios_route *r = &a->routes[i], *s = &b->routes[i];
		assert_int_equal(r->prefix, s->prefix);
		assert_int_equal(r->mask, s->mask);
		assert_int_equal(r->has_nexthop, s->has_nexthop);
		assert_int_equal(r->nexthop, s->nexthop);
		str_eq(r->ifname, s->ifname);
		assert_int_equal(r->distance, s->distance);
	}
}

static void has(const ios_diags *d, const char *needle)
{
	if (!ios_diags_find(d, needle)) {
		dump(d);
		fail_msg("missing diagnostic: %s", needle);
	}
}

static void seed_case(const char *seed, const char *clean, const char *const *want, size_t n_want)
{
	char p1[512], p2[512];
	ios_diags d = { 0 }, dc = { 0 };
	ios_config *rep = NULL, *ref = NULL;
	/* strict: the seed text is refused */
	assert_int_equal(ios_config_load_file(config_path(seed, p1, sizeof p1), &rep, &d), -1);
	assert_true(d.errors > 0);
	ios_diags_free(&d);
	if (ios_config_load_file_technote(p1, &rep, &d)) {
		dump(&d);
		fail_msg("%s: refused after repair", seed);
	}
	if (ios_config_load_file(config_path(clean, p2, sizeof p2), &ref, &dc)) {
		dump(&dc);
		fail_msg("%s refused", clean);
	}
	model_eq(rep, ref);
	for (size_t i = 0; i < n_want; i++)
		has(&d, want[i]);
	for (size_t i = 0; i < d.n; i++) /* never a key in a message */
		assert_null(strstr(d.v[i].msg, "abc123"));
	ios_config_free(rep);
	ios_config_free(ref);
	ios_diags_free(&d);
	ios_diags_free(&dc);
}

static void test_seed000_daphne(void **s)
{
	(void)s;
	static const char *const want[] = {
		"seed000-daphne.txt:30: warning: technote: 'crypto isakmp policy' after a sentence of the annotation read as a command",
		"seed000-daphne.txt:31: warning: technote: cannot start a command; joined to the command on line 30 ('crypto isakmp policy')",
		"seed000-daphne.txt:36: warning: technote: 'crypto' after a sentence of the annotation read as a command",
		"seed000-daphne.txt:37: warning: technote: cannot start a command; joined to the command on line 36 ('crypto ipsec transform-set')",
		"seed000-daphne.txt:39: warning: technote: Markdown fence line dropped",
		"seed000-daphne.txt:41: warning: technote: Markdown fence line dropped",
		"seed000-daphne.txt:44: warning: technote: cannot start a command; read as the continuation of the annotation on line 43",
		"seed000-daphne.txt:44: warning: technote: 'crypto dynamic-map ted-map' after a sentence of the annotation read as a command",
		"seed000-daphne.txt:50: warning: technote: cannot start a command; read as the continuation of the annotation on line 49",
		"seed000-daphne.txt:50: warning: technote: 'crypto map tedtag' after a sentence of the annotation read as a command",
		"seed000-daphne.txt:51: warning: technote: cannot start a command; joined to the command on line 50 ('crypto map tedtag')",
		"seed000-daphne.txt:73: warning: technote: cannot start a command; joined to the command on line 72 ('access-list 101 permit')",
		"seed000-daphne.txt:76: warning: technote: 'line con 0' after '!' on the same line read as a separate command",
		"seed000-daphne.txt:76: warning: technote: 2 'line' commands run together; split at each 'line'",
		"seed000-daphne.txt:77: warning: technote: 'end' after '!' on the same line read as a separate command",
	};
	seed_case("seed000-daphne.txt", "daphne.cfg", want, sizeof want / sizeof want[0]);
}

static void test_seed000_fred(void **s)
{
	(void)s;
	static const char *const want[] = {
		"seed000-fred.txt:22: warning: technote: Markdown fence line dropped",
		"seed000-fred.txt:24: warning: technote: Markdown fence line dropped",
		"seed000-fred.txt:31: warning: technote: cannot start a command; read as the continuation of the annotation on line 30",
		"seed000-fred.txt:32: warning: technote: cannot start a command; read as the continuation of the annotation on line 30",
		"seed000-fred.txt:32: warning: technote: 'crypto isakmp policy' after a sentence of the annotation read as a command",
		"seed000-fred.txt:33: warning: technote: cannot start a command; joined to the command on line 32 ('crypto isakmp policy')",
		"seed000-fred.txt:38: warning: technote: 'crypto' after a sentence of the annotation read as a command",
		"seed000-fred.txt:39: warning: technote: cannot start a command; joined to the command on line 38 ('crypto ipsec transform-set')",
		"seed000-fred.txt:42: warning: technote: cannot start a command; read as the continuation of the annotation on line 41",
		"seed000-fred.txt:42: warning: technote: 'crypto dynamic-map ted-map' after a sentence of the annotation read as a command",
		"seed000-fred.txt:48: warning: technote: cannot start a command; read as the continuation of the annotation on line 47",
		"seed000-fred.txt:48: warning: technote: 'crypto map tedtag' after a sentence of the annotation read as a command",
		"seed000-fred.txt:49: warning: technote: cannot start a command; joined to the command on line 48 ('crypto map tedtag')",
		"seed000-fred.txt:70: warning: technote: 'access-' after a sentence of the annotation read as a command",
		"seed000-fred.txt:71: warning: technote: joined to the word split at a hyphen on line 70 ('access-list 101 permit')",
		"seed000-fred.txt:72: warning: technote: cannot start a command; joined to the command on line 70 ('access-list 101 permit')",
		"seed000-fred.txt:75: warning: technote: 'line con 0' after '!' on the same line read as a separate command",
		"seed000-fred.txt:75: warning: technote: 3 'line' commands run together; split at each 'line'",
		"seed000-fred.txt:76: warning: technote: cannot start a command; joined to the command on line 75 ('line con 0')",
		"seed000-fred.txt:76: warning: technote: 'end' after '!' on the same line read as a separate command",
	};
	seed_case("seed000-fred.txt", "fred.cfg", want, sizeof want / sizeof want[0]);
}

/* Parse text in technote mode; 0 or -1, with the diagnostics in d. */
static int tn(const char *text, ios_config **cfg, ios_diags *d)
{
	return ios_config_parse_string_technote("t.txt", text, cfg, d);
}

static const char BASE[] = "crypto isakmp policy 10\n authentication pre-share\n"
			   "crypto isakmp key k address 0.0.0.0 0.0.0.0\n"
			   "crypto ipsec transform-set ts esp-des esp-md5-hmac\n";

static void test_rules(void **s)
{
	(void)s;
	char buf[2048];
	ios_config *cfg;
	ios_diags d = { 0 };

	/* 1: fences are dropped, with a warning each */
	snprintf(buf, sizeof buf, "```\n%s```\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), 0);
	has(&d, "t.txt:1: warning: technote: Markdown fence line dropped");
	has(&d, "t.txt:6: warning: technote: Markdown fence line dropped");
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* 2: a command after an annotation's sentence, its number on the next line;
	 * the repaired command keeps the first line's number (5) */
	snprintf(buf, sizeof buf, "%s!--- Defines it. crypto map m\n10 ipsec-isakmp\n set peer 1.2.3.4\n"
		 " set transform-set ts\n match address 101\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), -1); /* ACL 101 is missing: the error is at line 6 */
	has(&d, "t.txt:5: warning: technote: 'crypto map m' after a sentence of the annotation read as a command");
	has(&d, "t.txt:6: warning: technote: cannot start a command; joined to the command on line 5 ('crypto map m')");
	has(&d, "t.txt:9: crypto map m 10: match address: no access list '101' is defined");
	ios_diags_free(&d);

	/* 3: an address wrapped onto the next line */
	snprintf(buf, sizeof buf, "%saccess-list 101 permit ip 10.0.0.0 0.0.0.255\n10.1.0.0 0.0.0.255\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), 0);
	has(&d, "t.txt:6: warning: technote: cannot start a command; joined to the command on line 5 ('access-list 101 permit')");
	assert_int_equal(cfg->acls[0].aces[0].dst, 0x0a010000);
	assert_int_equal(cfg->acls[0].aces[0].line, 5);
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* 4: a word split at a hyphen */
	snprintf(buf, sizeof buf, "%scrypto ipsec transform-\nset t2 esp-3des esp-sha-hmac\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), 0);
	has(&d, "t.txt:6: warning: technote: joined to the word split at a hyphen on line 5 ('crypto ipsec transform-set')");
	assert_non_null(ios_config_tset(cfg, "t2"));
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* 5: a `!` run with commands in it */
	snprintf(buf, sizeof buf, "%s! hostname r9 ! end\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), 0);
	has(&d, "t.txt:5: warning: technote: 'hostname r9' after '!' on the same line read as a separate command");
	assert_string_equal(cfg->hostname, "r9");
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* 6: an annotation over several lines, its continuation not a comment */
	snprintf(buf, sizeof buf, "%s!--- This annotation\ngoes on here. hostname r8\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), 0);
	has(&d, "t.txt:6: warning: technote: cannot start a command; read as the continuation of the annotation on line 5");
	assert_string_equal(cfg->hostname, "r8");
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* clean IOS is unchanged: no repair warning, the same model as strict */
	assert_int_equal(tn(BASE, &cfg, &d), 0);
	assert_null(ios_diags_find(&d, "technote"));
	ios_config_free(cfg);
	ios_diags_free(&d);
}

/* What stays an error. */
static void test_rules_errors(void **s)
{
	(void)s;
	char buf[2048];
	ios_config *cfg;
	ios_diags d = { 0 };

	/* a continuation with nothing to continue (after a `!` line) */
	snprintf(buf, sizeof buf, "%s!\n10.1.0.0 0.0.0.255\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), -1);
	assert_null(cfg);
	has(&d, "t.txt:6: crypto ipsec transform-set ts: unknown command '10.1.0.0'");
	assert_null(ios_diags_find(&d, "technote"));
	ios_diags_free(&d);

	/* an annotation whose tail reads like a command but ends a sentence */
	snprintf(buf, sizeof buf, "%s!--- Optional. hostname is set below.\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), -1);
	has(&d, "t.txt:5: technote: 'hostname is set' after a sentence of the annotation on line 5 ends like a "
		"sentence: expected a command; not repaired");
	ios_diags_free(&d);

	/* after `!` on the same line, neither a command nor an annotation */
	snprintf(buf, sizeof buf, "%s! the end\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), -1);
	has(&d, "t.txt:5: technote: 'the end' after '!' on the same line: expected a command or an annotation");
	ios_diags_free(&d);

	/* a join that does not parse stays an error, at the command's first line */
	snprintf(buf, sizeof buf, "%saccess-list 101 permit ip 10.0.0.0 0.0.0.255\n10.1.0.0\n", BASE);
	assert_int_equal(tn(buf, &cfg, &d), -1);
	has(&d, "t.txt:5: access-list 101");
	ios_diags_free(&d);

	/* a key never shows in a repair message */
	snprintf(buf, sizeof buf, "crypto isakmp policy 10\n authentication pre-share\n!--- Key. crypto isakmp key "
				  "s3cret\naddress 0.0.0.0 0.0.0.0\n");
	assert_int_equal(tn(buf, &cfg, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.v[i].msg, "s3cret"));
	has(&d, "t.txt:4: warning: technote: cannot start a command; joined to the command on line 3 ('crypto isakmp key')");
	ios_config_free(cfg);
	ios_diags_free(&d);

	/* a configuration flattened onto its prompt line (seed 002's table rows) */
	assert_int_equal(tn("R1#show running-config Building configuration... ! hostname R1 ! end |\n", &cfg, &d), -1);
	has(&d, "t.txt:1: technote: 8 more words after the prompt's show command: a configuration flattened onto one "
		"line is not repaired");
	ios_diags_free(&d);

	/* the line numbers of the repaired document */
	ios_doc src, out;
	const char *text = "!--- Defines it. crypto isakmp policy\n10\n```\n authentication pre-share\n";
	assert_int_equal(ios_doc_from_string(&src, "n.txt", text, strlen(text)), 0);
	assert_int_equal(ios_repair_doc(&src, &out, &d), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.lines[0].lineno, 1);
	assert_string_equal(out.lines[0].text, "crypto isakmp policy 10");
	assert_int_equal(out.lines[1].lineno, 4);
	ios_doc_free(&src);
	ios_doc_free(&out);
	ios_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed000_daphne),
		cmocka_unit_test(test_seed000_fred),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_rules_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
