/* libespfab common layer through the public API, on every engine: opening,
 * SA validation (numbered cases), add/update/delete rules, queue accounting,
 * deterministic IVs, device counters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "espfab.h"

static espfab_sa_t good_sa(uint8_t dir)
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = 0x1000;
	sa.dir = dir;
	sa.mode = ESPFAB_MODE_TUNNEL;
	sa.cipher = ESPFAB_CIPHER_AES;
	sa.enc_key_len = 16;
	sa.auth = ESPFAB_AUTH_SHA1;
	sa.auth_key_len = 20;
	sa.replay_window = 64;
	sa.tun_src = 0x0a000001;
	sa.tun_dst = 0x0a000002;
	for (int i = 0; i < 32; i++)
		sa.enc_key[i] = (uint8_t)(i + 1);
	for (int i = 0; i < 64; i++)
		sa.auth_key[i] = (uint8_t)(0x80 + i);
	return sa;
}

/* A minimal valid IPv4/UDP packet of total length len (no checksum needed
 * by the engines). */
static void make_ipv4(uint8_t *p, uint16_t len, uint8_t fill)
{
	memset(p, fill, len);
	p[0] = 0x45;
	p[1] = 0;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, "\x0d\x0d\x0d\x0d\x0c\x0c\x0c\x0d", 8);
}

/* ---- SA validation, numbered --------------------------------------- */

enum mut { M_NONE, M_DIR, M_MODE, M_ENCAP, M_CIPHER, M_DES_KEY, M_3DES_KEY, M_3DES_2KEY, M_AES_KEY,
	   M_AES24, M_AES32, M_AUTH, M_MD5_KEY, M_SHA_KEY, M_WIN_ODD, M_WIN_BIG, M_WIN_MAX, M_LIFE,
	   M_NO_TUN, M_NO_TUN_IN, M_UDP_NOPORT, M_UDP_OK };

struct check_case {
	enum mut m;
	int rc;           /* expected espfab_sa_check result */
	const char *word; /* must appear in the reason */
};

static const struct check_case check_cases[] = {
	/* 1 */ { M_NONE, 0, NULL },
	/* 2 */ { M_DIR, -EINVAL, "dir" },
	/* 3 */ { M_MODE, -EINVAL, "mode" },
	/* 4 */ { M_ENCAP, -EINVAL, "encap" },
	/* 5 */ { M_CIPHER, -EINVAL, "cipher" },
	/* 6 */ { M_DES_KEY, -EINVAL, "DES takes an 8-byte key" },
	/* 7 */ { M_3DES_KEY, -EINVAL, "3DES" },
	/* 8 */ { M_3DES_2KEY, 0, NULL },
	/* 9 */ { M_AES_KEY, -EINVAL, "AES takes a 16, 24 or 32-byte key" },
	/* 10 */ { M_AES24, 0, NULL },
	/* 11 */ { M_AES32, 0, NULL },
	/* 12 */ { M_AUTH, -EINVAL, "auth" },
	/* 13 */ { M_MD5_KEY, -EINVAL, "HMAC-MD5-96 takes a 16-byte key" },
	/* 14 */ { M_SHA_KEY, -EINVAL, "HMAC-SHA1-96 takes a 20-byte key" },
	/* 15 */ { M_WIN_ODD, -EINVAL, "replay_window" },
	/* 16 */ { M_WIN_BIG, -EINVAL, "replay_window" },
	/* 17 */ { M_WIN_MAX, 0, NULL },
	/* 18 */ { M_LIFE, -EINVAL, "life_soft_kb" },
	/* 19 */ { M_NO_TUN, -EINVAL, "tun_src" },
	/* 20 */ { M_NO_TUN_IN, 0, NULL },
	/* 21 */ { M_UDP_NOPORT, -EINVAL, "ports" },
	/* 22 */ { M_UDP_OK, 0, NULL },
};

static void apply(espfab_sa_t *sa, enum mut m)
{
	switch (m) {
	case M_NONE: break;
	case M_DIR: sa->dir = 2; break;
	case M_MODE: sa->mode = 7; break;
	case M_ENCAP: sa->encap = 9; break;
	case M_CIPHER: sa->cipher = 0; break;
	case M_DES_KEY: sa->cipher = ESPFAB_CIPHER_DES; sa->enc_key_len = 16; break;
	case M_3DES_KEY: sa->cipher = ESPFAB_CIPHER_3DES; sa->enc_key_len = 8; break;
	case M_3DES_2KEY: sa->cipher = ESPFAB_CIPHER_3DES; sa->enc_key_len = 16; break;
	case M_AES_KEY: sa->enc_key_len = 20; break;
	case M_AES24: sa->enc_key_len = 24; break;
	case M_AES32: sa->enc_key_len = 32; break;
	case M_AUTH: sa->auth = 3; break;
	case M_MD5_KEY: sa->auth = ESPFAB_AUTH_MD5; sa->auth_key_len = 20; break;
	case M_SHA_KEY: sa->auth_key_len = 16; break;
	case M_WIN_ODD: sa->replay_window = 100; break;
	case M_WIN_BIG: sa->replay_window = 2048; break;
	case M_WIN_MAX: sa->replay_window = 1024; break;
	case M_LIFE: sa->life_soft_kb = 10; sa->life_hard_kb = 5; break;
	case M_NO_TUN: sa->tun_dst = 0; break;
	case M_NO_TUN_IN: sa->dir = ESPFAB_DIR_IN; sa->tun_dst = 0; sa->tun_src = 0; break;
	case M_UDP_NOPORT: sa->encap = ESPFAB_ENCAP_UDP; sa->sport = 4500; break;
	case M_UDP_OK: sa->encap = ESPFAB_ENCAP_UDP; sa->sport = 4500; sa->dport = 4500; break;
	}
}

static void test_sa_check_cases(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
		const struct check_case *c = &check_cases[i];
		espfab_sa_t sa = good_sa(ESPFAB_DIR_OUT);
		char why[200] = "";
		apply(&sa, c->m);
		int rc = espfab_sa_check(&sa, why, sizeof why);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d, expected %d (%s)", i + 1, rc, c->rc, why);
		if (c->word && !strstr(why, c->word))
			fail_msg("case %zu: reason '%s' does not name '%s'", i + 1, why, c->word);
	}
}

/* ---- opening ---------------------------------------------------------- */

static void test_open_unknown(void **s)
{
	(void)s;
	espfab_dev *dev = (espfab_dev *)1;
	assert_int_equal(espfab_open("fpga9000", NULL, &dev), -ENOENT);
	assert_null(dev);
	assert_non_null(strstr(espfab_open_error(), "fpga9000"));
	assert_non_null(strstr(espfab_open_error(), "sw"));
	espfab_open_opts o = { .sa_slots = ESPFAB_SA_SLOTS_MAX + 1 };
	assert_int_equal(espfab_open("sw", &o, &dev), -EINVAL);
	espfab_close(NULL);
}

/* ---- per engine -------------------------------------------------------- */

static void each_engine(void (*fn)(const char *engine))
{
	for (const char *const *e = espfab_engines(); *e; e++) {
		/* a board engine (uio) opens only on its board: -ENODEV here */
		espfab_dev *dev = NULL;
		if (espfab_open(*e, NULL, &dev) == -ENODEV) {
			print_message("engine %s does not open here (%s); skipped\n", *e, espfab_open_error());
			continue;
		}
		espfab_close(dev);
		fn(*e);
	}
}

static void slots_rules(const char *engine)
{
	espfab_open_opts o = { .sa_slots = 4 };
	espfab_dev *dev;
	assert_int_equal(espfab_open(engine, &o, &dev), 0);
	assert_string_equal(espfab_engine_name(dev), engine);
	assert_int_equal(espfab_sa_slots(dev), 4);
	espfab_sa_t sa = good_sa(ESPFAB_DIR_OUT);

	assert_int_equal(espfab_sa_add(dev, 4, &sa), -EINVAL);
	assert_non_null(strstr(espfab_last_error(dev), "out of range"));
	assert_int_equal(espfab_sa_add(dev, 0, &sa), 0);
	assert_int_equal(espfab_sa_add(dev, 0, &sa), -EBUSY);
	assert_int_equal(espfab_sa_update(dev, 1, &sa), -ENOENT);
	espfab_sa_t other = sa;
	other.spi = 0x2000;
	assert_int_equal(espfab_sa_update(dev, 0, &other), -EINVAL);
	other = sa;
	other.cipher = ESPFAB_CIPHER_3DES;
	other.enc_key_len = 24;
	assert_int_equal(espfab_sa_update(dev, 0, &other), -EINVAL);
	sa.enc_key_len = 3;
	assert_int_equal(espfab_sa_add(dev, 1, &sa), -EINVAL);
	assert_non_null(strstr(espfab_last_error(dev), "enc_key_len"));
	espfab_sa_state_t st;
	assert_int_equal(espfab_sa_state(dev, 1, &st), -ENOENT);
	assert_int_equal(espfab_sa_del(dev, 1), -ENOENT);
	assert_int_equal(espfab_sa_del(dev, 0), 0);
	assert_int_equal(espfab_sa_state(dev, 0, &st), -ENOENT);
	espfab_close(dev);
}

static void test_slots(void **s)
{
	(void)s;
	each_engine(slots_rules);
}

/* Update keeps the sequence number; delete refuses traffic afterwards. */
static void update_delete(const char *engine)
{
	espfab_dev *dev;
	assert_int_equal(espfab_open(engine, NULL, &dev), 0);
	espfab_sa_t sa = good_sa(ESPFAB_DIR_OUT);
	assert_int_equal(espfab_sa_add(dev, 3, &sa), 0);
	uint8_t in[100], out[300];
	make_ipv4(in, sizeof in, 0x11);
	espfab_op op = { .slot = 3, .in = in, .in_len = sizeof in, .out = out, .out_cap = sizeof out };
	espfab_cpl cpl;
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(espfab_process_one(dev, &op, &cpl), 0);
		assert_int_equal(cpl.status, ESPFAB_STATUS_OK);
		assert_int_equal(cpl.seq, i);
	}
	sa.enc_key[0] ^= 0xff;
	sa.life_hard_kb = 100;
	assert_int_equal(espfab_sa_update(dev, 3, &sa), 0);
	assert_int_equal(espfab_process_one(dev, &op, &cpl), 0);
	assert_int_equal(cpl.status, ESPFAB_STATUS_OK);
	assert_int_equal(cpl.seq, 4);
	espfab_sa_state_t st;
	assert_int_equal(espfab_sa_state(dev, 3, &st), 0);
	assert_int_equal(st.seq, 4);
	assert_int_equal(st.count[ESPFAB_STATUS_OK], 4);
	assert_int_equal(st.bytes, 4 * sizeof in);

	assert_int_equal(espfab_sa_del(dev, 3), 0);
	assert_int_equal(espfab_process_one(dev, &op, &cpl), 0);
	assert_int_equal(cpl.status, ESPFAB_STATUS_NO_SA);
	assert_int_equal(cpl.out_len, 0);
	/* Re-adding starts from sequence 1 again. */
	assert_int_equal(espfab_sa_add(dev, 3, &sa), 0);
	assert_int_equal(espfab_process_one(dev, &op, &cpl), 0);
	assert_int_equal(cpl.seq, 1);

	espfab_dev_counters c;
	espfab_dev_counters_get(dev, &c);
	assert_int_equal(c.submitted, 6);
	assert_int_equal(c.completed, 6);
	assert_int_equal(c.count[ESPFAB_STATUS_OK], 5);
	assert_int_equal(c.count[ESPFAB_STATUS_NO_SA], 1);
	espfab_close(dev);
}

static void test_update_delete(void **s)
{
	(void)s;
	each_engine(update_delete);
}

/* Collect exactly n completions: asynchronous engines (sim) may hand them
 * out over several polls; a bounded number of polls, then the test fails. */
static int poll_n(espfab_dev *dev, espfab_cpl *cpl, int n)
{
	int got = 0;
	for (int spin = 0; got < n && spin < 1000000; spin++) {
		int r = espfab_poll(dev, cpl + got, (unsigned)(n - got));
		if (r < 0)
			return r;
		got += r;
	}
	return got;
}

/* Queue: no more than queue_depth in flight; each accepted request gets
 * exactly one completion, in order. */
static void queue_accounting(const char *engine)
{
	espfab_open_opts o = { .queue_depth = 5 };
	espfab_dev *dev;
	assert_int_equal(espfab_open(engine, &o, &dev), 0);
	espfab_sa_t sa = good_sa(ESPFAB_DIR_OUT);
	assert_int_equal(espfab_sa_add(dev, 0, &sa), 0);
	uint8_t in[64], out[12][200];
	make_ipv4(in, sizeof in, 0x22);
	espfab_op ops[12];
	for (int i = 0; i < 12; i++)
		ops[i] = (espfab_op){ .slot = 0, .in = in, .in_len = sizeof in, .out = out[i],
				      .out_cap = sizeof out[i], .cookie = 100 + (uint64_t)i };
	unsigned acc;
	assert_int_equal(espfab_submit(dev, ops, 12, &acc), 0);
	assert_int_equal(acc, 5);
	assert_int_equal(espfab_inflight(dev), 5);
	assert_int_equal(espfab_submit(dev, ops + 5, 7, &acc), -ENOSPC);
	assert_int_equal(acc, 0);
	espfab_cpl cpl[12];
	assert_int_equal(poll_n(dev, cpl, 2), 2);
	assert_int_equal(cpl[0].cookie, 100);
	assert_int_equal(cpl[1].cookie, 101);
	assert_int_equal(espfab_submit(dev, ops + 5, 7, &acc), 0);
	assert_int_equal(acc, 2);
	int got = poll_n(dev, cpl, 5);
	assert_int_equal(got, 5);
	assert_int_equal(espfab_poll(dev, cpl + 5, 7), 0);
	for (int i = 0; i < got; i++) {
		assert_int_equal(cpl[i].cookie, 102 + (uint64_t)i);
		assert_int_equal(cpl[i].seq, 3 + (uint32_t)i);
	}
	assert_int_equal(espfab_inflight(dev), 0);
	/* NULL buffer with a length is a caller bug, refused whole. */
	espfab_op bad = { .slot = 0, .in = NULL, .in_len = 10 };
	assert_int_equal(espfab_submit(dev, &bad, 1, &acc), -EINVAL);
	espfab_close(dev);
}

static void test_queue(void **s)
{
	(void)s;
	each_engine(queue_accounting);
}

/* Seeded IVs are deterministic and differ per packet; unseeded ones differ
 * between two handles. */
static void encap_two(const char *engine, const espfab_open_opts *o, uint8_t out[2][200])
{
	espfab_dev *dev;
	assert_int_equal(espfab_open(engine, o, &dev), 0);
	espfab_sa_t sa = good_sa(ESPFAB_DIR_OUT);
	assert_int_equal(espfab_sa_add(dev, 0, &sa), 0);
	uint8_t in[80];
	make_ipv4(in, sizeof in, 0x33);
	for (int i = 0; i < 2; i++) {
		espfab_op op = { .slot = 0, .in = in, .in_len = sizeof in, .out = out[i], .out_cap = 200 };
		espfab_cpl cpl;
		assert_int_equal(espfab_process_one(dev, &op, &cpl), 0);
		assert_int_equal(cpl.status, ESPFAB_STATUS_OK);
	}
	espfab_close(dev);
}

static void ivs(const char *engine)
{
	uint8_t a[2][200], b[2][200];
	espfab_open_opts seeded = { .iv_seeded = true, .iv_seed = 42 };
	encap_two(engine, &seeded, a);
	encap_two(engine, &seeded, b);
	/* IV sits after 20 (outer IP) + 8 (ESP header) bytes. */
	assert_memory_equal(a[0] + 28, b[0] + 28, 16);
	assert_memory_not_equal(a[0] + 28, a[1] + 28, 16);
	encap_two(engine, NULL, a);
	encap_two(engine, NULL, b);
	assert_memory_not_equal(a[0] + 28, b[0] + 28, 16);
}

static void test_ivs(void **s)
{
	(void)s;
	each_engine(ivs);
}

int main(void)
{
	/* The sim engine runs here on the in-process C model of the fabric
	 * unless ESPFAB_SIM says otherwise (device=model|rtl: espfab-simd). */
	setenv("ESPFAB_SIM", "device=inproc", 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_check_cases),
		cmocka_unit_test(test_open_unknown),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_update_delete),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_ivs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
