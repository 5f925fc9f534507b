/* espfabd pieces that need no network: command-line parsing (numbered
 * valid and usage-error cases with their messages), IOS uptime text, and
 * the built-in debug commands through the command table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "elog.h"
#include "espfabd.h"

#define MAXARG 16
struct args_case {
	int n;
	const char *argv[MAXARG];
	const char *err; /* NULL: valid */
};

#define BASE "espfabd", "--config", "r1.cfg", "--engine", "sw", "--socket", "/tmp/s"

static const struct args_case args_cases[] = {
	{ 1, { BASE }, NULL },
	{ 2, { BASE, "--ifmap", "FastEthernet0/0=eth0", "--ifmap", "FastEthernet0/1=eth1", "--foreground", "--no-apply" },
	  NULL },
	{ 3, { BASE, "--tun", "tun7", "--log", "/tmp/x.log" }, NULL },
	{ 4, { "espfabd", "--engine", "sw", "--socket", "/tmp/s" }, "--config FILE is required" },
	{ 5, { "espfabd", "--config", "r1.cfg", "--socket", "/tmp/s" }, "--engine is required (one of: sw, model" },
	{ 6, { "espfabd", "--config", "r1.cfg", "--engine", "sw" }, "--socket PATH is required" },
	{ 7, { "espfabd", "--config", "r1.cfg", "--engine", "xrt", "--socket", "/tmp/s" },
	  "--engine 'xrt': not an engine of this build (one of: sw, model" },
	{ 8, { BASE, "--ifmap", "eth0" }, "--ifmap 'eth0': expected IOSNAME=LINUXIF (e.g. FastEthernet0/0=eth0)" },
	{ 9, { BASE, "--ifmap", "=eth0" }, "--ifmap '=eth0': expected IOSNAME=LINUXIF" },
	{ 10, { BASE, "--ifmap", "Fa0/0=" }, "--ifmap 'Fa0/0=': expected IOSNAME=LINUXIF" },
	{ 11, { BASE, "--ifmap", "Fa0/0=averyveryverylongname" },
	  "--ifmap 'Fa0/0=averyveryverylongname': Linux interface name longer than 15 characters" },
	{ 12, { BASE, "--ifmap", "Fa0/0=eth0", "--ifmap", "FA0/0=eth1" }, "--ifmap: IOS interface 'FA0/0' is mapped twice" },
	{ 13, { BASE, "--ifmap", "Fa0/0=eth0", "--ifmap", "Fa0/1=eth0" },
	  "--ifmap: Linux interface 'eth0' is the target of both 'Fa0/0' and 'Fa0/1'" },
	{ 14, { BASE, "--ifmap", "Fa0/0=et/h0" }, "--ifmap 'Fa0/0=et/h0': blank, '/' or '=' in an interface name" },
	{ 15, { BASE, "--config", "other.cfg" }, "--config given twice" },
	{ 16, { BASE, "--bogus" }, "unknown option '--bogus'" },
	{ 17, { BASE, "--tun" }, "--tun needs an argument" },
	{ 18, { BASE, "extra" }, "unexpected argument 'extra'" },
	{ 19, { BASE, "--tun", "" }, "--tun '': expected an interface name of 1..15 characters" },
	{ 20, { "espfabd", "--config", "", "--engine", "sw", "--socket", "/tmp/s" }, "--config: empty argument" },
	{ 21, { BASE, "--foreground=yes" }, "unknown option '--foreground=yes'" },
};

static void test_args(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof args_cases / sizeof args_cases[0]; i++) {
		const struct args_case *c = &args_cases[i];
		char *argv[MAXARG + 1] = { 0 };
		int argc = 0;
		while (argc < MAXARG && c->argv[argc]) {
			argv[argc] = (char *)c->argv[argc];
			argc++;
		}
		struct espfabd_opts o;
		char err[256] = "";
		int r = espfabd_parse_args(argc, argv, &o, err, sizeof err);
		if (!c->err && r != 0)
			fail_msg("case %d: refused: %s", c->n, err);
		if (c->err && (r == 0 || strncmp(err, c->err, strlen(c->err)) != 0))
			fail_msg("case %d: \"%s\", expected \"%s\"", c->n, r ? err : "(accepted)", c->err);
	}
	/* what case 2 fills in */
	char *argv[] = { BASE, "--ifmap", "FastEthernet0/0=eth0", "--ifmap", "Fa0/1=eth1", "--no-apply", NULL };
	struct espfabd_opts o;
	char err[256];
	assert_int_equal(espfabd_parse_args(12, argv, &o, err, sizeof err), 0);
	assert_string_equal(o.config, "r1.cfg");
	assert_string_equal(o.engine, "sw");
	assert_string_equal(o.socket, "/tmp/s");
	assert_string_equal(o.tun, ESPFABD_DEFAULT_TUN);
	assert_int_equal(o.n_ifmap, 2);
	assert_string_equal(o.ifmap[0].ios, "FastEthernet0/0");
	assert_string_equal(o.ifmap[0].linux_if, "eth0");
	assert_string_equal(o.ifmap[1].ios, "Fa0/1");
	assert_true(o.no_apply);
	assert_false(o.foreground);
	char *help[] = { "espfabd", "--help", NULL };
	assert_int_equal(espfabd_parse_args(2, help, &o, err, sizeof err), 0);
	assert_true(o.help);
}

struct up_case {
	uint64_t sec;
	const char *want;
};
static const struct up_case up_cases[] = {
	{ 0, "0 minutes" },
	{ 59, "0 minutes" },
	{ 60, "1 minute" },
	{ 3600, "1 hour, 0 minutes" },
	{ 3660, "1 hour, 1 minute" },
	{ 2 * 86400 + 3 * 3600 + 4 * 60, "2 days, 3 hours, 4 minutes" },
	{ 7 * 86400 + 86400 + 120, "1 week, 1 day, 2 minutes" },
	{ 365 * 86400ull + 14 * 86400 + 5 * 3600, "1 year, 2 weeks, 5 hours, 0 minutes" },
	{ 3 * 365 * 86400ull + 59, "3 years, 0 minutes" },
};

static void test_uptime(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof up_cases / sizeof up_cases[0]; i++) {
		char buf[128];
		espfabd_uptime_text(up_cases[i].sec, buf, sizeof buf);
		if (strcmp(buf, up_cases[i].want) != 0)
			fail_msg("case %zu (%llu s): \"%s\", expected \"%s\"", i + 1,
				 (unsigned long long)up_cases[i].sec, buf, up_cases[i].want);
	}
	char small[12];
	espfabd_uptime_text(2 * 86400 + 3 * 3600, small, sizeof small);
	assert_true(strlen(small) < sizeof small);
}

struct ifname_case {
	int n;
	const char *full, *given;
	bool match;
};
static const struct ifname_case ifname_cases[] = {
	{ 1, "GigabitEthernet0/1", "GigabitEthernet0/1", true },
	{ 2, "GigabitEthernet0/1", "Gi0/1", true },
	{ 3, "GigabitEthernet0/1", "gig0/1", true },
	{ 4, "FastEthernet0/0", "fa0/0", true },
	{ 5, "FastEthernet0/0", "Fa0/1", false },
	{ 6, "FastEthernet0/0", "0/0", false },          /* no type */
	{ 7, "FastEthernet0/0", "FastEthernetX0/0", false }, /* longer type */
	{ 8, "Tunnel0", "tu0", true },
	{ 9, "Tunnel0", "Tunnel00", false },
	{ 10, "Ethernet0/0", "FastEthernet0/0", false },
	{ 11, "Loopback0", "Lo0", true },
	{ 12, "Vlan10", "vlan1", false },
};

static void test_ifname_match(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof ifname_cases / sizeof ifname_cases[0]; i++) {
		const struct ifname_case *c = &ifname_cases[i];
		if (espfabd_ifname_match(c->full, c->given) != c->match)
			fail_msg("case %d: %s vs %s: expected %s", c->n, c->full, c->given, c->match ? "match" : "no match");
	}
}

static void run(cli *t, const char *line, int want_status, const char *want)
{
	obuf out;
	obuf_init(&out, 0);
	int st = cli_exec(t, line, NULL, &out, NULL);
	if (st != want_status || strcmp(obuf_str(&out), want) != 0)
		fail_msg("\"%s\": %d \"%s\", expected %d \"%s\"", line, st, obuf_str(&out), want_status, want);
	obuf_free(&out);
}

static void test_debug_commands(void **s)
{
	(void)s;
	elog_reset();
	espfabd d;
	memset(&d, 0, sizeof d);
	assert_int_equal(cli_new(&d.cli), 0);
	assert_int_equal(espfabd_cmds_register(&d), 0);
	run(d.cli, "debug crypto isakmp", CLI_OK, "Crypto ISAKMP debugging is on\n");
	assert_true(elog_debug_on(ELOG_DBG_CRYPTO_ISAKMP));
	run(d.cli, "deb cry ipsec", CLI_OK, "Crypto IPSEC debugging is on\n");
	run(d.cli, "debug crypto e", CLI_OK, "Crypto Engine debugging is on\n");
	run(d.cli, "show debugging", CLI_OK,
	    "Cryptographic Subsystem:\n  Crypto ISAKMP debugging is on\n  Crypto Engine debugging is on\n"
	    "  Crypto IPSEC debugging is on\n");
	run(d.cli, "undebug crypto isakmp", CLI_OK, "Crypto ISAKMP debugging is off\n");
	assert_false(elog_debug_on(ELOG_DBG_CRYPTO_ISAKMP));
	run(d.cli, "no debug crypto engine", CLI_OK, "Crypto Engine debugging is off\n");
	run(d.cli, "sh deb", CLI_OK, "Cryptographic Subsystem:\n  Crypto IPSEC debugging is on\n");
	run(d.cli, "no debug all", CLI_OK, "All possible debugging has been turned off\n");
	assert_false(elog_debug_on(ELOG_DBG_CRYPTO_IPSEC));
	run(d.cli, "sh deb", CLI_OK, "");
	run(d.cli, "debug crypto i", CLI_AMBIGUOUS, "% Ambiguous command:  \"debug crypto i\"\n");
	run(d.cli, "debug", CLI_INCOMPLETE, "% Incomplete command.\n");
	cli_free(d.cli);
	elog_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_uptime),
		cmocka_unit_test(test_ifname_match),
		cmocka_unit_test(test_debug_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
