/*
 * test_crypto_show — show crypto map [tag] and show crypto session from the
 * configuration alone (no SADB, no IKE: nothing negotiated).  The live
 * outputs, with SAs up, are checked by tests/e2e/demo_two_site.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_show.h"

#ifndef CONFIG_DIR
#define CONFIG_DIR "tests/configs"
#endif

static ios_config *load(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", CONFIG_DIR, name);
	ios_config *cfg = NULL;
	ios_diags d = { 0 };
	int r = ios_config_load_file(path, &cfg, &d);
	ios_diags_free(&d);
	assert_int_equal(r, 0);
	return cfg;
}

static char *map_text(const ios_config *cfg, const char *tag)
{
	crypto_show *cs;
	assert_int_equal(crypto_show_new(cfg, NULL, NULL, &cs), 0);
	obuf o;
	obuf_init(&o, 1 << 20);
	crypto_show_map(cs, &o, tag);
	char *s = strdup(obuf_str(&o));
	obuf_free(&o);
	crypto_show_free(cs);
	return s;
}

/* 1. a static entry, nothing negotiated: every line, the first peer as current */
static void test_static_map(void **state)
{
	(void)state;
	ios_config *cfg = load("site-a.cfg");
	char *s = map_text(cfg, NULL);
	assert_string_equal(s, "Crypto Map \"SITES\" 10 ipsec-isakmp\n"
			       "        Description: to site B\n"
			       "        Peer = 192.0.2.2\n"
			       "        Extended IP access list TO-SITE-B\n"
			       "            access-list TO-SITE-B permit ip 10.10.0.0 0.0.255.255 10.20.0.0 0.0.255.255\n"
			       "        Current peer: 192.0.2.2\n"
			       "        Security association lifetime: 1000000 kilobytes/28800 seconds\n"
			       "        PFS (Y/N): Y\n"
			       "        DH group:  group14\n"
			       "        Transform sets={ AES-SHA, 3DES-SHA, }\n"
			       "        Interfaces using crypto map SITES:\n"
			       "                GigabitEthernet0/0\n");
	free(s);
	/* 2. tag filter: the same map by name, nothing for another name */
	s = map_text(cfg, "SITES");
	assert_non_null(strstr(s, "Crypto Map \"SITES\" 10 ipsec-isakmp\n"));
	free(s);
	s = map_text(cfg, "OTHER");
	assert_string_equal(s, "No crypto maps found.\n");
	free(s);
	ios_config_free(cfg);
}

/* 3. seed 000's dynamic template with discover, IOS default lifetimes */
static void test_dynamic_template(void **state)
{
	(void)state;
	ios_config *cfg = load("daphne.cfg");
	char *s = map_text(cfg, NULL);
	assert_string_equal(s, "Crypto Map \"tedtag\" 10 ipsec-isakmp\n"
			       "        Dynamic map template tag: ted-map\n"
			       "        Discover enabled\n"
			       "        Interfaces using crypto map tedtag:\n"
			       "                FastEthernet0/0\n");
	free(s);
	ios_config_free(cfg);
}

/* 4. show crypto session with nothing up: the header only */
static void test_session_empty(void **state)
{
	(void)state;
	ios_config *cfg = load("site-a.cfg");
	crypto_show *cs;
	assert_int_equal(crypto_show_new(cfg, NULL, NULL, &cs), 0);
	obuf o;
	obuf_init(&o, 1 << 20);
	crypto_show_session(cs, &o, false);
	assert_string_equal(obuf_str(&o), "Crypto session current status\n\n");
	obuf_reset(&o);
	crypto_show_session(cs, &o, true);
	assert_non_null(strstr(obuf_str(&o), "Code: C - IKE Configuration mode, D - Dead Peer Detection\n"));
	assert_null(strstr(obuf_str(&o), "Interface:"));
	obuf_free(&o);
	crypto_show_free(cs);
	ios_config_free(cfg);
}

/* 5. registration: the three commands, twice is -EEXIST */
static void test_register(void **state)
{
	(void)state;
	ios_config *cfg = load("site-a.cfg");
	cli *c;
	assert_int_equal(cli_new(&c), 0);
	crypto_show *cs, *cs2;
	assert_int_equal(crypto_show_register(c, cfg, NULL, NULL, &cs), 0);
	assert_true(crypto_show_register(c, cfg, NULL, NULL, &cs2) < 0);
	crypto_show_free(cs2);
	cli_free(c);
	crypto_show_free(cs);
	ios_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_map),
		cmocka_unit_test(test_dynamic_template),
		cmocka_unit_test(test_session_empty),
		cmocka_unit_test(test_register),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
