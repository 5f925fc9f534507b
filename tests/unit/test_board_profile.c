/* Board profiles: parser errors with file:line, the shipped profiles, and
 * the projection — each limit in a case built to bind, expectations
 * computed by hand in the comments (docs/boards.md "Projection"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "board_profile.h"

#define GOOD                                                                                                   \
	"board = Test board\n"                                                                                 \
	"part = xc-test\n"                                                                                     \
	"fabric_clock_mhz = 100   # comment after a value\n"                                                   \
	"host_link = test link\n"                                                                              \
	"host_raw_gbytes_per_s = 10\n"                                                                         \
	"host_efficiency = 1\n"                                                                                \
	"ports = 2\n"                                                                                          \
	"port_gbps = 100\n"                                                                                    \
	"port_kind = test\n"                                                                                   \
	"pipelined = yes\n"                                                                                    \
	"sa_slots = 64\n"                                                                                      \
	"n_ctx = 8\n"                                                                                          \
	"cipher_lanes = 1\n"                                                                                   \
	"stream_bytes = 16\n"                                                                                  \
	"n_queues = 4\n"                                                                                       \
	"instances = 1\n"

static int parse(const char *text, board_profile *p, char *err)
{
	return board_profile_parse(text, strlen(text), "t.conf", p, err, BOARD_ERR_LEN);
}

static void test_parse_good(void **state)
{
	(void)state;
	board_profile p;
	char err[BOARD_ERR_LEN] = "";
	assert_int_equal(parse("# header\n\n" GOOD, &p, err), 0);
	assert_string_equal(p.board, "Test board");
	assert_string_equal(p.part, "xc-test");
	assert_true(p.fabric_mhz == 100);
	assert_true(p.pipelined);
	assert_int_equal(p.n_ctx, 8);
	assert_int_equal(p.ports, 2);
	assert_true(p.host_shared_gbytes == 0); /* optional, absent */
}

/* Each error: the text, the exact message. */
static void test_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		/* 1 */ { "board = x\nbogus = 1\n", "t.conf:2: unknown key 'bogus'" },
		/* 2 */ { "# c\n\nboard x\n", "t.conf:3: expected 'key = value'" },
		/* 3 */ { "fabric_clock_mhz = fast\n", "t.conf:1: fabric_clock_mhz: 'fast' is not a number" },
		/* 4 */ { "ports = 2\nports = 3\n", "t.conf:2: 'ports' given twice" },
		/* 5 */ { "ports = -1\n", "t.conf:1: ports: '-1' is not a whole number" },
		/* 6 */ { "ports = 0\n", "t.conf:1: ports: 0 outside 1..64" },
		/* 7 */ { "host_efficiency = 1.5\n", "t.conf:1: host_efficiency: 1.5 outside 0.01..1" },
		/* 8 */ { "pipelined = maybe\n", "t.conf:1: pipelined: 'maybe' is not 0/1/yes/no/true/false" },
		/* 9 */ { "board =\n", "t.conf:1: board: empty value" },
		/* 10 */ { "board = x\n", "t.conf: missing key 'part'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		board_profile p;
		char err[BOARD_ERR_LEN] = "";
		assert_int_equal(parse(cases[i].text, &p, err), -1);
		if (strcmp(err, cases[i].msg)) {
			print_error("case %zu: got '%s', want '%s'\n", i + 1, err, cases[i].msg);
			fail();
		}
	}
	/* 11: the RTL's parameter rule, after every key is there */
	char text[2048];
	snprintf(text, sizeof text, "%s", GOOD);
	char *n = strstr(text, "n_ctx = 8");
	memcpy(n, "n_ctx = 6", 9);
	board_profile p;
	char err[BOARD_ERR_LEN];
	assert_int_equal(parse(text, &p, err), -1);
	assert_string_equal(err, "t.conf: n_ctx and cipher_lanes must be powers of two with n_ctx / cipher_lanes >= 2");
}

/* The shipped profiles parse and list in order (tests run from the root). */
static void test_shipped_profiles(void **state)
{
	(void)state;
	char names[8][BOARD_NAME_MAX], err[BOARD_ERR_LEN] = "";
	int n = board_profile_list("board/profiles", names, 8, err, sizeof err);
	if (n < 0)
		print_error("%s\n", err);
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "u250");
	assert_string_equal(names[1], "u280");
	assert_string_equal(names[2], "zc706");
	assert_string_equal(names[3], "zcu102");
	for (int i = 0; i < n; i++) {
		board_profile p;
		if (board_profile_load("board/profiles", names[i], &p, err, sizeof err)) {
			print_error("%s\n", err);
			fail();
		}
		assert_string_equal(p.name, names[i]);
	}
	board_profile p;
	assert_int_equal(board_profile_load("board/profiles", "nope", &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "board/profiles/nope.conf: "));
	assert_int_equal(board_profile_load("board/profiles", "../x", &p, err, sizeof err), -1);
}

static board_profile base(void)
{
	board_profile p;
	char err[BOARD_ERR_LEN];
	assert_int_equal(parse(GOOD, &p, err), 0);
	return p; /* 100 MHz, 1 instance, 10 GB/s per direction at 100 %, 2 x 100 Gb/s */
}

#define NEAR(a, b) assert_true((a) > (b) - 0.01 && (a) < (b) + 0.01)

/* Engine binds: bpc 10.  plain 1000, esp 1064, encap.
 *   engine 10 * 100e6 * 1 * 8                        =  8.000 Gb/s
 *   host   rd 1000+64 = 1064, wr 1064+32 = 1096; 10e9/1096 = 9.1241 Mpps * 8000 = 72.99 Gb/s
 *   port   one port per side; frame 1064+38 = 1102; 100e9/8/1102 = 11.343 Mpps * 8000 = 90.74 Gb/s */
static void test_engine_binds(void **state)
{
	(void)state;
	board_profile p = base();
	board_projection r;
	assert_int_equal(board_project(&p, 10, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.engine_gbps, 8.0);
	NEAR(r.host_gbps, 72.99);
	NEAR(r.port_gbps, 90.74);
	NEAR(r.gbps, 8.0);
	assert_int_equal(r.limit, BOARD_LIMIT_ENGINE);
	assert_string_equal(board_limit_name(r.limit), "engine");
}

/* Host link binds: bpc 100 (engine 80 Gb/s), otherwise as above: 72.99.
 * Decap of the same packet: rd 1064+64 = 1128, wr 1000+32 = 1032;
 * 10e9/1128 = 8.8652 Mpps * 8000 = 70.92 Gb/s.
 * Shared memory of 5 GB/s, encap: 5e9/(1064+1096) = 2.3148 Mpps * 8000 = 18.52 Gb/s. */
static void test_host_binds(void **state)
{
	(void)state;
	board_profile p = base();
	board_projection r;
	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.engine_gbps, 80.0);
	NEAR(r.gbps, 72.99);
	assert_int_equal(r.limit, BOARD_LIMIT_HOST);
	assert_string_equal(board_limit_name(r.limit), "host link");
	NEAR(r.host_usable_gbytes, 10.0);

	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_DECAP, &r), 0);
	NEAR(r.host_gbps, 70.92);
	assert_int_equal(r.limit, BOARD_LIMIT_HOST);

	p.host_shared_gbytes = 5;
	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.host_gbps, 18.52);
	assert_int_equal(r.limit, BOARD_LIMIT_HOST);

	/* Efficiency scales it: 50 % of 10 GB/s, encap: 5e9/1096 * 8000 = 36.50 */
	p.host_shared_gbytes = 0;
	p.host_efficiency = 0.5;
	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.host_gbps, 36.50);
}

/* Port binds: ports 2 x 10 Gb/s.  frame 1102: 10e9/8/1102 = 1.1343 Mpps * 8000 = 9.07 Gb/s.
 * 4 ports (2 per side): 18.15.  A 40-byte packet is padded to 46: frame 84;
 * esp 96 -> frame 134; 10e9/8/134 = 9.3284 Mpps * 320 bits = 2.985 Gb/s. */
static void test_port_binds(void **state)
{
	(void)state;
	board_profile p = base();
	p.port_gbps = 10;
	board_projection r;
	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.port_gbps, 9.07);
	assert_int_equal(r.limit, BOARD_LIMIT_PORT);
	assert_string_equal(board_limit_name(r.limit), "port");

	p.ports = 4;
	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.port_gbps, 18.15);

	p.ports = 1; /* one port: both sides on it, same figure as 2 */
	assert_int_equal(board_project(&p, 100, 1000, 1064, BOARD_ENCAP, &r), 0);
	NEAR(r.port_gbps, 9.07);

	assert_int_equal(board_project(&p, 100, 40, 96, BOARD_DECAP, &r), 0);
	NEAR(r.port_gbps, 2.985);
	/* the plain side alone (both sizes 40): frame 84; 10e9/8/84 = 14.881 Mpps * 320 = 4.762 */
	assert_int_equal(board_project(&p, 100, 40, 40, BOARD_DECAP, &r), 0);
	NEAR(r.port_gbps, 4.762);
}

/* ESP sizes and argument checks.  1400 plaintext, AES (16, IV 16), SHA1-96 (12):
 * 1402 -> 1408; 20 + 8 + 16 + 1408 + 12 = 1464.  3DES (8, IV 8): 1402 -> 1408; 20+8+8+1408+12 = 1456. */
static void test_esp_sizes_and_args(void **state)
{
	(void)state;
	assert_int_equal(board_esp_tunnel_bytes(1400, 16, 16, 12), 1464);
	assert_int_equal(board_esp_tunnel_bytes(1400, 8, 8, 12), 1456);
	assert_int_equal(board_esp_tunnel_bytes(64, 16, 16, 12), 20 + 8 + 16 + 80 + 12);
	board_profile p = base();
	board_projection r;
	assert_int_equal(board_project(&p, 0, 1000, 1064, BOARD_ENCAP, &r), -1);
	assert_int_equal(board_project(&p, 1, 0, 1064, BOARD_ENCAP, &r), -1);
	assert_int_equal(board_project(&p, 1, 1000, 0, BOARD_ENCAP, &r), -1);
}

/* The U250 profile at the bench-rtl-dma figure (27.448 bytes/cycle,
 * 1400-byte AES-SHA1 encap, docs/rtl-dma.md):
 *   engine 27.448 * 300e6 * 2 * 8 = 131.75 Gb/s
 *   host   usable 15.75 * 0.8 = 12.6 GB/s; wr 1464 + 32 = 1496 binds:
 *          12.6e9/1496 = 8.4225 Mpps * 11200 bits = 94.33 Gb/s
 *   port   frame 1464 + 38 = 1502: 100e9/8/1502 = 8.3222 Mpps * 11200 = 93.21 Gb/s -> port */
static void test_u250_example(void **state)
{
	(void)state;
	board_profile p;
	char err[BOARD_ERR_LEN];
	assert_int_equal(board_profile_load("board/profiles", "u250", &p, err, sizeof err), 0);
	board_projection r;
	assert_int_equal(board_project(&p, 27.448, 1400, board_esp_tunnel_bytes(1400, 16, 16, 12), BOARD_ENCAP, &r),
			 0);
	NEAR(r.engine_gbps, 131.75);
	NEAR(r.host_gbps, 94.33);
	NEAR(r.port_gbps, 93.21);
	assert_int_equal(r.limit, BOARD_LIMIT_PORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_shipped_profiles),
		cmocka_unit_test(test_engine_binds),
		cmocka_unit_test(test_host_binds),
		cmocka_unit_test(test_port_binds),
		cmocka_unit_test(test_esp_sizes_and_args),
		cmocka_unit_test(test_u250_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
