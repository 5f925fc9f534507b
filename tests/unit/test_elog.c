/* host/elog.{c,h}: IOS timestamps (numbered cases), the system message tag,
 * severity threshold, debug categories on/off and `show debugging` text,
 * subscribers (and that a subscriber cannot recurse), one line per message,
 * the log file and its reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elog.h"

struct ts_case {
	int n;
	time_t sec;
	long nsec;
	bool synced;
	const char *want;
};

static const struct ts_case ts_cases[] = {
	/* the seed's "*Mar  1 02:07:18.862: " (day space-padded) */
	{ 1, 5105238, 862000000, false, "*Mar  1 02:07:18.862: " }, /* 1970-03-01 */
	{ 2, 5105238, 862999999, true, "Mar  1 02:07:18.862: " },
	{ 3, 0, 0, false, "*Jan  1 00:00:00.000: " },
	{ 4, 1795490400, 5000000, false, "*Nov 24 03:20:00.005: " }, /* 2026-11-24 */
	{ 5, 1798761599, 999000000, true, "Dec 31 23:59:59.999: " },  /* 2026-12-31 */
};

static void test_timestamps(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof ts_cases / sizeof ts_cases[0]; i++) {
		const struct ts_case *c = &ts_cases[i];
		struct timespec ts = { .tv_sec = c->sec, .tv_nsec = c->nsec };
		char buf[64];
		size_t n = elog_format_time(buf, sizeof buf, &ts, c->synced);
		if (strcmp(buf, c->want) != 0 || n != strlen(c->want))
			fail_msg("case %d: \"%s\", expected \"%s\"", c->n, buf, c->want);
	}
}

/* A fixed clock and a subscriber that collects lines. */
static bool fixed_clock(struct timespec *rt, void *arg)
{
	(void)arg;
	rt->tv_sec = 5105238;
	rt->tv_nsec = 862000000;
	return false;
}

static char lines[16][1100];
static int n_lines;
static void collect(const char *line, size_t len, void *arg)
{
	(void)arg;
	assert_int_equal(strlen(line), len);
	if (n_lines < 16)
		snprintf(lines[n_lines], sizeof lines[0], "%s", line);
	n_lines++;
	/* a subscriber that logs must not recurse (or deadlock) */
	elog_msg(ELOG_ERR, "TEST", "RECURSE", "from a subscriber");
}

static int setup(void **s)
{
	(void)s;
	elog_reset();
	elog_set_stderr(false);
	elog_set_clock(fixed_clock, NULL);
	n_lines = 0;
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	elog_reset();
	return 0;
}

static void test_messages_and_threshold(void **s)
{
	(void)s;
	int id = elog_subscribe(collect, NULL);
	assert_true(id > 0);
	elog_msg(ELOG_NOTICE, "ESPFABD", "START", "espfabd started, engine %s", "sw");
	assert_int_equal(n_lines, 1);
	assert_string_equal(lines[0], "*Mar  1 02:07:18.862: %ESPFABD-5-START: espfabd started, engine sw");
	elog_set_level(ELOG_WARNING);
	elog_msg(ELOG_NOTICE, "X", "Y", "dropped");
	elog_msg(ELOG_WARNING, "X", "Y", "kept");
	assert_int_equal(n_lines, 2);
	assert_string_equal(lines[1], "*Mar  1 02:07:18.862: %X-4-Y: kept");
	/* one message, one line */
	elog_msg(ELOG_ERR, "X", "Y", "a\nb\n");
	assert_string_equal(lines[2], "*Mar  1 02:07:18.862: %X-3-Y: a b");
	/* long messages are cut, marked, still one line */
	char big[3000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	elog_msg(ELOG_ERR, "X", "Y", "%s", big);
	assert_int_equal(n_lines, 4);
	size_t len = strlen(lines[3]);
	assert_true(len < 1100 && len > 1000);
	assert_memory_equal(lines[3] + len - 3, "...", 3);
	elog_unsubscribe(id);
	elog_msg(ELOG_ERR, "X", "Y", "nobody listens");
	assert_int_equal(n_lines, 4);
}

static void test_debug_categories(void **s)
{
	(void)s;
	elog_subscribe(collect, NULL);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP: off, not seen");
	assert_int_equal(n_lines, 0);
	obuf out;
	obuf_init(&out, 0);
	elog_show_debugging(&out);
	assert_string_equal(obuf_str(&out), "");

	assert_int_equal(elog_debug_set(ELOG_DBG_CRYPTO_ISAKMP, true), 0);
	assert_int_equal(elog_debug_set(ELOG_DBG_CRYPTO_IPSEC, true), 0);
	assert_int_equal(elog_debug_set(ELOG_DBG_COUNT, true), -EINVAL);
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ISAKMP, "ISAKMP (0:%d): received packet from %s dport 500 sport 500", 1, "10.0.0.2");
	ELOG_DEBUG(ELOG_DBG_CRYPTO_ENGINE, "CryptoEngine0: not on");
	assert_int_equal(n_lines, 1);
	assert_string_equal(lines[0], "*Mar  1 02:07:18.862: ISAKMP (0:1): received packet from 10.0.0.2 dport 500 sport 500");

	/* the seed's order: ISAKMP, Engine, IPSEC */
	elog_debug_set(ELOG_DBG_CRYPTO_ENGINE, true);
	obuf_reset(&out);
	elog_show_debugging(&out);
	assert_string_equal(obuf_str(&out), "Cryptographic Subsystem:\n"
					    "  Crypto ISAKMP debugging is on\n"
					    "  Crypto Engine debugging is on\n"
					    "  Crypto IPSEC debugging is on\n");
	elog_debug_set(ELOG_DBG_CRYPTO_ISAKMP, false);
	obuf_reset(&out);
	elog_show_debugging(&out);
	assert_string_equal(obuf_str(&out), "Cryptographic Subsystem:\n"
					    "  Crypto Engine debugging is on\n"
					    "  Crypto IPSEC debugging is on\n");
	elog_debug_all_off();
	obuf_reset(&out);
	elog_show_debugging(&out);
	assert_string_equal(obuf_str(&out), "");
	assert_string_equal(elog_debug_name(ELOG_DBG_CRYPTO_IPSEC), "Crypto IPSEC");
	/* debug lines ignore the severity threshold (IOS: debug is its own switch) */
	elog_set_level(ELOG_ERR);
	elog_debug_set(ELOG_DBG_CRYPTO_ENGINE, true);
	elog_debug(ELOG_DBG_CRYPTO_ENGINE, "CryptoEngine0: generate alg parameter");
	assert_int_equal(n_lines, 2);
	obuf_free(&out);
}

static void test_file_and_reopen(void **s)
{
	(void)s;
	char path[] = "/tmp/test_elog_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(elog_set_file(path), 0);
	elog_msg(ELOG_NOTICE, "A", "B", "one");
	char moved[64];
	snprintf(moved, sizeof moved, "%s.1", path);
	assert_int_equal(rename(path, moved), 0); /* log rotation */
	elog_msg(ELOG_NOTICE, "A", "B", "two"); /* still into the moved file */
	assert_int_equal(elog_reopen(), 0);
	elog_msg(ELOG_NOTICE, "A", "B", "three");
	assert_int_equal(elog_set_file(NULL), 0);
	char buf[512];
	FILE *f = fopen(moved, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, "*Mar  1 02:07:18.862: %A-5-B: one\n*Mar  1 02:07:18.862: %A-5-B: two\n");
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, "*Mar  1 02:07:18.862: %A-5-B: three\n");
	unlink(path);
	unlink(moved);
	assert_int_equal(elog_set_file("/nonexistent-dir/x.log"), -2);
}

static void test_real_clock_shape(void **s)
{
	(void)s;
	elog_set_clock(NULL, NULL);
	elog_subscribe(collect, NULL);
	elog_msg(ELOG_INFO, "A", "B", "x");
	/* "[*]Mon dd hh:mm:ss.mmm: %A-6-B: x" */
	const char *l = lines[0];
	if (*l == '*')
		l++;
	assert_int_equal(strlen(l), strlen("Nov 24 06:02:07.123: %A-6-B: x"));
	assert_true(l[3] == ' ' && l[9] == ':' && l[12] == ':' && l[15] == '.' && l[19] == ':');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test_setup_teardown(test_messages_and_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debug_categories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_clock_shape, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
