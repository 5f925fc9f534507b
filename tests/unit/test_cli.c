/* host/cli.{c,h}: IOS command matching as a numbered table — full words,
 * abbreviations, case, ambiguity, the invalid-input marker column,
 * incomplete commands, parameters (number ranges, addresses, words), extra
 * words, exact-over-prefix — plus the exact error texts and registration
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static char last_argv[512];
static int last_id;
static void *last_session;

static int handler(const cli_call *c, obuf *out)
{
	last_id = (int)(intptr_t)c->arg;
	last_session = c->session;
	last_argv[0] = '\0';
	for (int i = 0; i < c->argc; i++) {
		if (i)
			strcat(last_argv, " ");
		strcat(last_argv, c->argv[i]);
	}
	obuf_printf(out, "ran %d\n", last_id);
	return last_id == 99 ? -1 : 0; /* id 99 fails */
}

static const char *const commands[] = {
	/* id = index + 1 */
	"show version",                        /* 1 */
	"show debugging",                      /* 2 */
	"show crypto isakmp sa",               /* 3 */
	"show crypto isakmp sa detail",        /* 4 */
	"show crypto ipsec sa",                /* 5 */
	"show crypto ipsec sa peer A.B.C.D",   /* 6 */
	"show crypto map",                     /* 7 */
	"show crypto map tag WORD",            /* 8 */
	"clear crypto isakmp",                 /* 9 */
	"clear crypto isakmp <1-32767>",       /* 10 */
	"debug crypto isakmp",                 /* 11 */
	"debug crypto ipsec",                  /* 12 */
	"debug crypto engine",                 /* 13 */
	"undebug all",                         /* 14 */
	"no debug all",                        /* 15 */
	"show clock",                          /* 16 */
	"show crypto engine connections active", /* 17 */
	"show ip route",                       /* 18 */
	"show ipv6 route",                     /* 19 */
	"clear crypto session remote A.B.C.D", /* 20 */
	"clear crypto session",                /* 21 */
};

struct match_case {
	int n;
	const char *line;
	int status;
	int id;           /* handler that ran (CLI_OK / CLI_FAILED) */
	const char *argv; /* words it got */
	int col;          /* marker column (CLI_INVALID) */
};

#define OK CLI_OK
#define AMB CLI_AMBIGUOUS
#define INV CLI_INVALID
#define INC CLI_INCOMPLETE

static const struct match_case cases[] = {
	{ 1, "show version", OK, 1, "show version", -1 },
	{ 2, "sh ver", OK, 1, "show version", -1 },
	{ 3, "SH VER", OK, 1, "show version", -1 },
	{ 4, "s v", OK, 1, "show version", -1 },
	{ 5, "sh cry isa sa", OK, 3, "show crypto isakmp sa", -1 },
	{ 6, "sh cry isa sa det", OK, 4, "show crypto isakmp sa detail", -1 },
	{ 7, "sh c", AMB, 0, NULL, -1 },          /* clock, crypto */
	{ 8, "sh cry i sa", AMB, 0, NULL, -1 },   /* isakmp, ipsec */
	{ 9, "sh cry isakmp foo", INV, 0, NULL, 14 },
	{ 10, "sh cry isa sx", INV, 0, NULL, 12 }, /* 's' is right, 'x' is not */
	{ 11, "show crypto", INC, 0, NULL, -1 },
	{ 12, "show crypto ipsec sa peer 10.0.0.1", OK, 6, "show crypto ipsec sa peer 10.0.0.1", -1 },
	{ 13, "show crypto ipsec sa peer 10.0.0.256", INV, 0, NULL, 26 },
	{ 14, "show crypto ipsec sa peer 10.0.0", INV, 0, NULL, 26 },
	{ 15, "clear crypto isakmp 5", OK, 10, "clear crypto isakmp 5", -1 },
	{ 16, "clear crypto isakmp 32767", OK, 10, "clear crypto isakmp 32767", -1 },
	{ 17, "clear crypto isakmp 32768", INV, 0, NULL, 20 },
	{ 18, "clear crypto isakmp 0", INV, 0, NULL, 20 },
	{ 19, "show crypto map tag mymap", OK, 8, "show crypto map tag mymap", -1 },
	{ 20, "show crypto map tag", INC, 0, NULL, -1 },
	{ 21, "show version extra", INV, 0, NULL, 13 },
	{ 22, "", OK, 0, NULL, -1 },
	{ 23, "   \t ", OK, 0, NULL, -1 },
	{ 24, "deb cry isa", OK, 11, "debug crypto isakmp", -1 },
	{ 25, "u all", OK, 14, "undebug all", -1 },
	{ 26, "no deb al", OK, 15, "no debug all", -1 },
	{ 27, "sh crypto eng conn act", OK, 17, "show crypto engine connections active", -1 },
	{ 28, "showx version", INV, 0, NULL, 4 },
	{ 29, "\tsh\tver  ", OK, 1, "show version", -1 },
	{ 30, "foo", INV, 0, NULL, 0 },
	{ 31, "sh cry isakmp sa detail extra", INV, 0, NULL, 24 },
	{ 32, "show ip route", OK, 18, "show ip route", -1 },  /* exact "ip" beats "ipv6" */
	{ 33, "sh ipv rou", OK, 19, "show ipv6 route", -1 },
	{ 34, "sh i route", AMB, 0, NULL, -1 },
	{ 35, "d", INC, 0, NULL, -1 }, /* "debug" is the only d-word: not ambiguous */
	{ 36, "clear crypto session", OK, 21, "clear crypto session", -1 },
	{ 37, "cle cry sess rem 192.0.2.1", OK, 20, "clear crypto session remote 192.0.2.1", -1 },
	{ 38, "clear crypto session remote", INC, 0, NULL, -1 },
	{ 39, "debug crypto", INC, 0, NULL, -1 },
	{ 40, "  sh  cry  isakmp  x", INV, 0, NULL, 19 }, /* columns count the blanks typed */
	{ 41, "show crypto isakmp sa detailed", INV, 0, NULL, 28 },
	{ 42, "clear crypto isakmp 5x", INV, 0, NULL, 20 },
};

static cli *table(void)
{
	cli *t;
	assert_int_equal(cli_new(&t), 0);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		assert_int_equal(cli_register(t, commands[i], handler, (void *)(intptr_t)(i + 1)), 0);
	return t;
}

static void test_match_table(void **s)
{
	(void)s;
	cli *t = table();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct match_case *c = &cases[i];
		int want = c->status, want_id = c->id;
		const char *want_argv = c->argv;
		obuf out;
		obuf_init(&out, 0);
		last_id = 0;
		int col = -2;
		int st = cli_exec(t, c->line, NULL, &out, &col);
		if (st != want)
			fail_msg("case %d \"%s\": status %d, expected %d; output:\n%s", c->n, c->line, st, want,
				 obuf_str(&out));
		if (last_id != want_id)
			fail_msg("case %d: handler %d ran, expected %d", c->n, last_id, want_id);
		if (want_argv && strcmp(last_argv, want_argv) != 0)
			fail_msg("case %d: argv \"%s\", expected \"%s\"", c->n, last_argv, want_argv);
		if (col != c->col)
			fail_msg("case %d \"%s\": marker column %d, expected %d", c->n, c->line, col, c->col);
		if (st == INV) {
			/* the caret line has exactly col blanks before '^' */
			const char *nl = strchr(obuf_str(&out), '\n');
			assert_non_null(nl);
			int k = 0;
			while (nl[1 + k] == ' ')
				k++;
			if (k != col || nl[1 + k] != '^')
				fail_msg("case %d: caret at %d, expected %d:\n%s", c->n, k, col, obuf_str(&out));
		}
		obuf_free(&out);
	}
	cli_free(t);
}

static void expect_text(cli *t, const char *line, int status, const char *text)
{
	obuf out;
	obuf_init(&out, 0);
	int st = cli_exec(t, line, NULL, &out, NULL);
	if (st != status || strcmp(obuf_str(&out), text) != 0)
		fail_msg("\"%s\": status %d, output:\n%s\nexpected status %d, output:\n%s", line, st, obuf_str(&out),
			 status, text);
	obuf_free(&out);
}

static void test_error_texts(void **s)
{
	(void)s;
	cli *t = table();
	expect_text(t, "  sh c  ", AMB, "% Ambiguous command:  \"sh c\"\n");
	expect_text(t, "show crypto", INC, "% Incomplete command.\n");
	expect_text(t, "sh cry isa sx", INV,
		    "sh cry isa sx\n"
		    "            ^\n"
		    "% Invalid input detected at '^' marker.\n");
	expect_text(t, "\tsh\tfoo \t", INV,
		    " sh foo\n"
		    "    ^\n"
		    "% Invalid input detected at '^' marker.\n");
	expect_text(t, "show version", OK, "ran 1\n");
	cli_free(t);
}

static void test_handler_failure_and_session(void **s)
{
	(void)s;
	cli *t;
	assert_int_equal(cli_new(&t), 0);
	assert_int_equal(cli_register(t, "clear crypto sa", handler, (void *)(intptr_t)99), 0);
	obuf out;
	obuf_init(&out, 0);
	int session;
	assert_int_equal(cli_exec(t, "clear crypto sa", &session, &out, NULL), CLI_FAILED);
	assert_string_equal(obuf_str(&out), "ran 99\n");
	assert_ptr_equal(last_session, &session);
	obuf_free(&out);
	cli_free(t);
}

static void test_too_many_words(void **s)
{
	(void)s;
	cli *t = table();
	char line[400] = "show version";
	for (int i = 0; i < CLI_MAX_WORDS; i++)
		strcat(line, " x");
	obuf out;
	obuf_init(&out, 0);
	int col;
	assert_int_equal(cli_exec(t, line, NULL, &out, &col), CLI_INVALID);
	assert_int_equal(col, 13); /* the first extra word */
	obuf_free(&out);
	cli_free(t);
}

static void test_register_errors(void **s)
{
	(void)s;
	cli *t;
	assert_int_equal(cli_new(&t), 0);
	assert_int_equal(cli_register(t, "show version", handler, NULL), 0);
	assert_int_equal(cli_register(t, "show  version ", handler, NULL), -EEXIST);
	assert_int_equal(cli_register(t, "Show thing", handler, NULL), -EINVAL);
	assert_int_equal(cli_register(t, "show <5-1>", handler, NULL), -EINVAL);
	assert_int_equal(cli_register(t, "show <1-x>", handler, NULL), -EINVAL);
	assert_int_equal(cli_register(t, "show <1-4294967296>", handler, NULL), -EINVAL);
	assert_int_equal(cli_register(t, "show -x", handler, NULL), -EINVAL);
	assert_int_equal(cli_register(t, "", handler, NULL), -EINVAL);
	assert_int_equal(cli_register(t, "show x", NULL, NULL), -EINVAL);
	/* an inner node may become a command of its own */
	assert_int_equal(cli_register(t, "show crypto map tag WORD", handler, NULL), 0);
	assert_int_equal(cli_register(t, "show crypto map", handler, NULL), 0);
	assert_int_equal(cli_register(t, "show crypto map tag WORD", handler, NULL), -EEXIST);
	assert_int_equal(cli_register(t, "show <0-4294967295>", handler, NULL), 0);
	obuf out;
	obuf_init(&out, 0);
	cli_list(t, &out);
	assert_string_equal(obuf_str(&out), "show <0-4294967295>\nshow crypto map\nshow crypto map tag WORD\n"
					    "show version\n");
	obuf_reset(&out);
	/* keywords beat parameters: "version" is the keyword, 7 the number */
	assert_int_equal(cli_exec(t, "show ver", NULL, &out, NULL), CLI_OK);
	assert_int_equal(cli_exec(t, "show 4294967295", NULL, &out, NULL), CLI_OK);
	obuf_free(&out);
	cli_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_error_texts),
		cmocka_unit_test(test_handler_failure_and_session),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_register_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
