/*
 * The fabric ring driver (driver/fabric_drv.c) and the sim engine on a
 * fabric: by default the in-process C model (sim/fabric_model.c), with
 * SIM_PARAMS below; tests/unit/test_cosim.c includes this file with the
 * parameters of espfab-simd (the Verilated RTL in the SystemC platform).
 *
 * Engine-level cases (espfab API, "sim" against "sw" with the same IV
 * seed, byte for byte): random traffic over every cipher x auth x mode
 * through a small ring (wrap-around, full ring and back-pressure), SA
 * update and delete with requests queued, BAD_REQUEST, hang and reset
 * with requests queued (each one completes exactly once, DEVICE where the
 * device never answered, then -EIO), moderation.
 * Driver-level cases (fabric_drv over the in-process bus, with a bus
 * wrapper that lies): identification and version checks, all-ones
 * registers, a device that never completes, parameter parsing, plaintext
 * left in the DMA region, moderation registers.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine_sim.h"
#include "espfab.h"
#include "espfab_engine.h"
#include "fabric_drv.h"
#include "fabric_model.h"
#include "sim_proto.h"

#ifndef SIM_PARAMS
#define SIM_PARAMS "device=inproc"
#endif
#ifndef N_RANDOM
#define N_RANDOM 2400 /* packets per direction in the random equivalence test */
#endif

static char sim_params[256];

#define S(x) ESPFAB_STATUS_##x

/* ---- helpers -------------------------------------------------------------- */

static uint64_t rng_state = 0x1234567;
static uint32_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static void make_ipv4(uint8_t *p, uint16_t len)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
	p[0] = 0x45;
	p[1] = 0;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40;
	p[7] = 0;
	p[8] = 64;
	p[9] = 17;
}

struct sa_case {
	uint8_t cipher, key_len, auth, mode, encap;
};
static const struct sa_case sa_cases[] = {
	{ ESPFAB_CIPHER_AES, 16, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	{ ESPFAB_CIPHER_AES, 32, ESPFAB_AUTH_MD5, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_NONE },
	{ ESPFAB_CIPHER_AES, 24, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_UDP },
	{ ESPFAB_CIPHER_3DES, 24, ESPFAB_AUTH_SHA1, ESPFAB_MODE_TUNNEL, ESPFAB_ENCAP_NONE },
	{ ESPFAB_CIPHER_DES, 8, ESPFAB_AUTH_MD5, ESPFAB_MODE_TRANSPORT, ESPFAB_ENCAP_UDP },
};
#define N_SA (sizeof sa_cases / sizeof sa_cases[0])

static espfab_sa_t make_sa(const struct sa_case *c, uint8_t dir, uint32_t spi, uint8_t key_seed)
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = spi;
	sa.dir = dir;
	sa.mode = c->mode;
	sa.cipher = c->cipher;
	sa.enc_key_len = c->key_len;
	sa.auth = c->auth;
	sa.auth_key_len = c->auth == ESPFAB_AUTH_SHA1 ? 20 : 16;
	sa.encap = c->encap;
	sa.replay_window = 64;
	sa.tun_src = 0x0a000001;
	sa.tun_dst = 0x0a000002;
	if (c->encap == ESPFAB_ENCAP_UDP)
		sa.sport = sa.dport = ESPFAB_UDP_ENCAP_PORT;
	for (int i = 0; i < 32; i++)
		sa.enc_key[i] = (uint8_t)(key_seed + 3 * i + 1);
	for (int i = 0; i < 64; i++)
		sa.auth_key[i] = (uint8_t)(key_seed ^ (0x80 + i));
	if (c->cipher != ESPFAB_CIPHER_AES) /* DES keys: avoid weak-key lookalikes */
		for (int i = 0; i < c->key_len; i++)
			sa.enc_key[i] = (uint8_t)(0x13 * (i + 1) + key_seed);
	return sa;
}

static espfab_dev *open_sim(uint32_t depth, const char *extra)
{
	char p[512];
	espfab_open_opts o = { .sa_slots = 16, .queue_depth = depth, .iv_seeded = true, .iv_seed = 77 };
	espfab_dev *dev = NULL;
	snprintf(p, sizeof p, "%s%s%s", sim_params, extra && *extra ? "," : "", extra ? extra : "");
	o.params = p;
	int rc = espfab_open("sim", &o, &dev);
	if (rc)
		fail_msg("open sim (%s): %s", p, espfab_open_error());
	return dev;
}

static espfab_dev *open_ref(const char *engine, uint32_t depth)
{
	espfab_open_opts o = { .sa_slots = 16, .queue_depth = depth, .iv_seeded = true, .iv_seed = 77 };
	espfab_dev *dev = NULL;
	assert_int_equal(espfab_open(engine, &o, &dev), 0);
	return dev;
}

/* Submit every op (in batches of 1..maxbatch) and collect every
 * completion, in order.  Returns completions collected (n unless the
 * device failed: then the rest of the DEVICE completions are in, too). */
static unsigned pump(espfab_dev *dev, const espfab_op *ops, unsigned n, espfab_cpl *cpls, unsigned maxbatch,
		     unsigned *enospc)
{
	unsigned sub = 0, got = 0;
	for (long spin = 0; got < n; spin++) {
		if (spin > 20000000L)
			fail_msg("pump: no progress (%u submitted, %u completed)", sub, got);
		if (sub < n) {
			unsigned k = 1 + rnd() % maxbatch, acc = 0;
			if (k > n - sub)
				k = n - sub;
			int rc = espfab_submit(dev, ops + sub, k, &acc);
			if (acc < k && enospc) /* the ring pushed back (fewer taken, or -ENOSPC) */
				(*enospc)++;
			if (rc == -EIO)
				return got; /* the caller checks the count */
			assert_true(rc == 0 || rc == -ENOSPC);
			sub += acc;
		}
		int r = espfab_poll(dev, cpls + got, n - got);
		if (r < 0)
			return got;
		got += (unsigned)r;
	}
	return got;
}

static void same_cpl(const espfab_cpl *a, const espfab_cpl *b, unsigned i)
{
	if (a->cookie != b->cookie || a->slot != b->slot || a->spi != b->spi || a->seq != b->seq ||
	    a->out_len != b->out_len || a->status != b->status || a->flags != b->flags)
		fail_msg("completion %u: sim {cookie %llu slot %u spi %x seq %u len %u %s flags %x} "
			 "ref {cookie %llu slot %u spi %x seq %u len %u %s flags %x}",
			 i, (unsigned long long)a->cookie, a->slot, a->spi, a->seq, a->out_len,
			 espfab_status_name(a->status), a->flags, (unsigned long long)b->cookie, b->slot, b->spi, b->seq,
			 b->out_len, espfab_status_name(b->status), b->flags);
}

#define CAP 2100
#define CANARY 0xa5

struct traffic {
	unsigned n;
	espfab_op *ops[2];
	espfab_cpl *cpl[2];
	uint8_t *in;   /* n * CAP */
	uint8_t *out[2];
};

static void traffic_alloc(struct traffic *t, unsigned n)
{
	t->n = n;
	t->in = calloc(n, CAP);
	assert_non_null(t->in);
	for (int k = 0; k < 2; k++) {
		t->ops[k] = calloc(n, sizeof *t->ops[k]);
		t->cpl[k] = calloc(n, sizeof *t->cpl[k]);
		t->out[k] = malloc((size_t)n * CAP);
		assert_non_null(t->ops[k]);
		assert_non_null(t->cpl[k]);
		assert_non_null(t->out[k]);
		memset(t->out[k], CANARY, (size_t)n * CAP);
	}
}

static void traffic_free(struct traffic *t)
{
	free(t->in);
	for (int k = 0; k < 2; k++) {
		free(t->ops[k]);
		free(t->cpl[k]);
		free(t->out[k]);
	}
}

static void traffic_op(struct traffic *t, unsigned i, uint32_t slot, const uint8_t *in, uint16_t len,
		       uint16_t out_cap)
{
	for (int k = 0; k < 2; k++)
		t->ops[k][i] = (espfab_op){ .slot = slot, .in = in, .in_len = len, .out = t->out[k] + (size_t)i * CAP,
					    .out_cap = out_cap, .cookie = 1000 + i };
}

/* sim (k = 0) and the reference (k = 1) give the same completions, the
 * same bytes, and sim writes nothing past out_len. */
static void traffic_compare(const struct traffic *t, unsigned got_sim, unsigned got_ref)
{
	assert_int_equal(got_sim, t->n);
	assert_int_equal(got_ref, t->n);
	for (unsigned i = 0; i < t->n; i++) {
		const espfab_cpl *a = &t->cpl[0][i], *b = &t->cpl[1][i];
		same_cpl(a, b, i);
		const uint8_t *oa = t->out[0] + (size_t)i * CAP, *ob = t->out[1] + (size_t)i * CAP;
		if (a->out_len && memcmp(oa, ob, a->out_len))
			fail_msg("completion %u: output bytes differ", i);
		for (unsigned j = a->out_len; j < CAP; j++)
			if (oa[j] != CANARY)
				fail_msg("completion %u: sim wrote byte %u past out_len %u", i, j, a->out_len);
	}
}

/* ---- engine level ------------------------------------------------------- */

/* Random traffic on every SA shape, encap then decap of the results, with
 * a 16-slot ring (15 in flight: wrap-around and full ring all the time)
 * and batches of up to 40; states compared at the end. */
static void test_random_equivalence(void **s)
{
	(void)s;
	espfab_dev *sim = open_sim(64, "ring_log2=4"), *ref = open_ref("sw", 64);
	struct traffic t, d;
	unsigned n = N_RANDOM, enospc = 0;
	struct fabric_drv_info info;

	for (unsigned k = 0; k < N_SA; k++) {
		espfab_sa_t o = make_sa(&sa_cases[k], ESPFAB_DIR_OUT, 0x100 + k, (uint8_t)k);
		espfab_sa_t in = make_sa(&sa_cases[k], ESPFAB_DIR_IN, 0x100 + k, (uint8_t)k);
		assert_int_equal(espfab_sa_add(sim, k, &o), 0);
		assert_int_equal(espfab_sa_add(ref, k, &o), 0);
		assert_int_equal(espfab_sa_add(sim, 8 + k, &in), 0);
		assert_int_equal(espfab_sa_add(ref, 8 + k, &in), 0);
	}
	traffic_alloc(&t, n);
	for (unsigned i = 0; i < n; i++) {
		uint16_t len = (uint16_t)(20 + rnd() % 1481);
		uint8_t *p = t.in + (size_t)i * CAP;
		make_ipv4(p, len);
		/* now and then: too small an output buffer, an empty slot */
		uint16_t cap = rnd() % 50 == 0 ? (uint16_t)(len / 2) : CAP;
		uint32_t slot = rnd() % 100 == 0 ? 7 : rnd() % N_SA;
		traffic_op(&t, i, slot, p, len, cap);
	}
	unsigned a = pump(sim, t.ops[0], n, t.cpl[0], 40, &enospc);
	unsigned b = pump(ref, t.ops[1], n, t.cpl[1], 40, NULL);
	traffic_compare(&t, a, b);
	assert_true(enospc > 0); /* the ring was full and pushed back */

	/* decap what came out, with some corrupted on the way */
	traffic_alloc(&d, n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = d.in + (size_t)i * CAP;
		uint16_t len = t.cpl[1][i].out_len;
		memcpy(p, t.out[1] + (size_t)i * CAP, len);
		if (len > 40 && rnd() % 20 == 0)
			p[20 + rnd() % (len - 20)] ^= 0x10;
		traffic_op(&d, i, 8 + t.cpl[1][i].slot % 8, p, len, CAP);
	}
	a = pump(sim, d.ops[0], n, d.cpl[0], 40, NULL);
	b = pump(ref, d.ops[1], n, d.cpl[1], 40, NULL);
	traffic_compare(&d, a, b);
	unsigned ok = 0;
	for (unsigned i = 0; i < n; i++)
		ok += d.cpl[0][i].status == S(OK);
	assert_true(ok > n / 2);

	for (uint32_t slot = 0; slot < 16; slot++) {
		espfab_sa_state_t x, y;
		int r1 = espfab_sa_state(sim, slot, &x), r2 = espfab_sa_state(ref, slot, &y);
		assert_int_equal(r1, r2);
		if (!r1 && memcmp(&x, &y, sizeof x))
			fail_msg("SA state of slot %u differs", slot);
	}
	fabric_drv_info_get(espfab_engine_priv(sim), &info);
	assert_int_equal(info.ring_slots, 16);
	assert_true(info.doorbells > 2 * n / 40);
	print_message("random: %u encap + %u decap on %s, identical to sw; %u times the ring was full, %llu doorbells, "
		      "%llu waits, %llu interrupts\n",
		      n, n, sim_params, enospc, (unsigned long long)info.doorbells, (unsigned long long)info.waits,
		      (unsigned long long)info.irqs);
	traffic_free(&t);
	traffic_free(&d);
	espfab_close(sim);
	espfab_close(ref);
}

/* Full ring: a 4-slot ring holds 3; the 4th is refused until a completion
 * is polled; completions in order. */
static void test_full_ring(void **s)
{
	(void)s;
	espfab_dev *sim = open_sim(100, "ring_log2=2");
	espfab_sa_t o = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 0x42, 1);
	uint8_t in[100], out[10][CAP];
	espfab_op ops[10];
	espfab_cpl cpl[10];
	unsigned acc;

	assert_int_equal(espfab_sa_add(sim, 0, &o), 0);
	make_ipv4(in, sizeof in);
	for (int i = 0; i < 10; i++)
		ops[i] = (espfab_op){ .slot = 0, .in = in, .in_len = sizeof in, .out = out[i], .out_cap = CAP,
				      .cookie = 50 + (uint64_t)i };
	assert_int_equal(espfab_submit(sim, ops, 10, &acc), 0);
	assert_int_equal(acc, 3);
	assert_int_equal(espfab_submit(sim, ops + 3, 7, &acc), -ENOSPC);
	assert_int_equal(acc, 0);
	unsigned got = 0, sub = 3;
	for (int spin = 0; got < 10 && spin < 100000; spin++) {
		int r = espfab_poll(sim, cpl + got, 10 - got);
		assert_true(r >= 0);
		got += (unsigned)r;
		if (sub < 10) {
			int rc = espfab_submit(sim, ops + sub, 10 - sub, &acc);
			assert_true(rc == 0 || rc == -ENOSPC);
			assert_true(acc <= 3);
			sub += acc;
		}
		assert_true(espfab_inflight(sim) <= 3);
	}
	assert_int_equal(got, 10);
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(cpl[i].cookie, 50 + i);
		assert_int_equal(cpl[i].status, S(OK));
		assert_int_equal(cpl[i].seq, i + 1);
	}
	espfab_close(sim);
}

/* SA update and delete with requests queued: ordered after the requests
 * submitted before them, exactly as on sw. */
static void test_sa_change_inflight(void **s)
{
	(void)s;
	espfab_dev *dev[2] = { open_sim(64, "ring_log2=6"), open_ref("sw", 64) };
	struct traffic t;
	unsigned got[2] = { 0, 0 };
	espfab_sa_t o = make_sa(&sa_cases[3], ESPFAB_DIR_OUT, 0x77, 9);

	traffic_alloc(&t, 40);
	for (unsigned i = 0; i < 40; i++) {
		uint8_t *p = t.in + (size_t)i * CAP;
		make_ipv4(p, (uint16_t)(60 + 17 * i));
		traffic_op(&t, i, 2, p, (uint16_t)(60 + 17 * i), CAP);
	}
	for (int k = 0; k < 2; k++) {
		unsigned acc;
		assert_int_equal(espfab_sa_add(dev[k], 2, &o), 0);
		assert_int_equal(espfab_submit(dev[k], t.ops[k], 12, &acc), 0);
		assert_int_equal(acc, 12);
		/* rekey with 12 queued */
		espfab_sa_t u = o;
		u.enc_key[3] ^= 0x5a;
		u.auth_key[7] ^= 0x33;
		assert_int_equal(espfab_sa_update(dev[k], 2, &u), 0);
		espfab_wipe(&u, sizeof u);
		assert_int_equal(espfab_submit(dev[k], t.ops[k] + 12, 12, &acc), 0);
		assert_int_equal(acc, 12);
		/* delete with 24 queued; later requests find no SA */
		assert_int_equal(espfab_sa_del(dev[k], 2), 0);
		assert_int_equal(espfab_submit(dev[k], t.ops[k] + 24, 8, &acc), 0);
		assert_int_equal(acc, 8);
		/* re-add: sequence restarts */
		assert_int_equal(espfab_sa_add(dev[k], 2, &o), 0);
		assert_int_equal(espfab_submit(dev[k], t.ops[k] + 32, 8, &acc), 0);
		assert_int_equal(acc, 8);
		for (int spin = 0; got[k] < 40 && spin < 1000000; spin++) {
			int r = espfab_poll(dev[k], t.cpl[k] + got[k], 40 - got[k]);
			assert_true(r >= 0);
			got[k] += (unsigned)r;
		}
	}
	traffic_compare(&t, got[0], got[1]);
	assert_int_equal(t.cpl[0][11].seq, 12);
	assert_int_equal(t.cpl[0][12].seq, 13); /* update kept the sequence */
	assert_int_equal(t.cpl[0][24].status, S(NO_SA));
	assert_int_equal(t.cpl[0][32].seq, 1);
	/* the rekey changed the bytes: the same plaintext length, other key */
	traffic_free(&t);
	espfab_close(dev[0]);
	espfab_close(dev[1]);
}

/* A descriptor the DMA refuses (in_len > MAX_FRAME) completes BAD_REQUEST
 * in ring order; the next request passes. */
static void test_bad_request(void **s)
{
	(void)s;
	espfab_dev *sim = open_sim(8, NULL);
	espfab_sa_t o = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 0x99, 3);
	static uint8_t big[3000], out[3][CAP];
	espfab_op ops[3];
	espfab_cpl cpl[3];
	unsigned acc, got = 0;

	assert_int_equal(espfab_sa_add(sim, 1, &o), 0);
	make_ipv4(big, 200);
	ops[0] = (espfab_op){ .slot = 1, .in = big, .in_len = 200, .out = out[0], .out_cap = CAP, .cookie = 1 };
	ops[1] = (espfab_op){ .slot = 1, .in = big, .in_len = sizeof big, .out = out[1], .out_cap = CAP, .cookie = 2 };
	ops[2] = (espfab_op){ .slot = 1, .in = big, .in_len = 200, .out = out[2], .out_cap = CAP, .cookie = 3 };
	assert_int_equal(espfab_submit(sim, ops, 3, &acc), 0);
	assert_int_equal(acc, 3);
	for (int spin = 0; got < 3 && spin < 100000; spin++) {
		int r = espfab_poll(sim, cpl + got, 3 - got);
		assert_true(r >= 0);
		got += (unsigned)r;
	}
	assert_int_equal(got, 3);
	assert_int_equal(cpl[0].status, S(OK));
	assert_int_equal(cpl[1].status, S(BAD_REQUEST));
	assert_int_equal(cpl[1].cookie, 2);
	assert_int_equal(cpl[1].out_len, 0);
	assert_int_equal(cpl[2].status, S(OK));
	assert_int_equal(cpl[2].seq, 2); /* the bad one did not touch the SA */
	espfab_close(sim);
}

/* Fault with requests queued: every request completes once (published
 * ones as the device said, the rest DEVICE), then -EIO everywhere. */
static void fault_case(uint32_t fault, const char *word, unsigned before)
{
	espfab_dev *sim = open_sim(64, "ring_log2=6,hang_budget=200000");
	espfab_sa_t o = make_sa(&sa_cases[1], ESPFAB_DIR_OUT, 0x55, 4);
	uint8_t in[300], out[40][CAP];
	espfab_op ops[40];
	espfab_cpl cpl[40];
	unsigned acc, got = 0;

	assert_int_equal(espfab_sa_add(sim, 0, &o), 0);
	make_ipv4(in, sizeof in);
	for (int i = 0; i < 40; i++)
		ops[i] = (espfab_op){ .slot = 0, .in = in, .in_len = sizeof in, .out = out[i], .out_cap = CAP,
				      .cookie = 700 + (uint64_t)i };
	assert_int_equal(espfab_submit(sim, ops, 40, &acc), 0);
	assert_int_equal(acc, 40);
	for (int spin = 0; got < before && spin < 100000; spin++) {
		int r = espfab_poll(sim, cpl + got, before - got);
		assert_true(r >= 0);
		got += (unsigned)r;
	}
	assert_int_equal(got, before);
	struct fabric_bus *bus = fabric_drv_bus(espfab_engine_priv(sim));
	assert_int_equal(sim_bus_fault(bus, fault), 0);
	int r = 0;
	for (int spin = 0; got < 40 && spin < 100000; spin++) {
		r = espfab_poll(sim, cpl + got, 40 - got);
		if (r < 0)
			break;
		got += (unsigned)r;
	}
	assert_int_equal(got, 40); /* nothing lost */
	unsigned dev_st = 0;
	for (unsigned i = 0; i < 40; i++) {
		assert_int_equal(cpl[i].cookie, 700 + i);
		if (cpl[i].status == S(DEVICE))
			dev_st++;
		else
			assert_int_equal(cpl[i].status, S(OK));
		if (i < before)
			assert_int_equal(cpl[i].status, S(OK));
	}
	assert_true(dev_st > 0);
	assert_int_equal(espfab_inflight(sim), 0);
	assert_int_equal(espfab_poll(sim, cpl, 1), -EIO);
	if (!strstr(espfab_last_error(sim), word))
		fail_msg("last error '%s' does not say '%s'", espfab_last_error(sim), word);
	assert_int_equal(espfab_submit(sim, ops, 1, &acc), -EIO);
	assert_int_equal(espfab_sa_add(sim, 5, &o), -EIO);
	print_message("fault %u after %u completions: %u of 40 DEVICE, then -EIO: %s\n", fault, before, dev_st,
		      espfab_last_error(sim));
	espfab_close(sim);
	/* a new handle works again (after a hang: once the device resumes) */
}

static void test_hang(void **s)
{
	(void)s;
	fault_case(SIM_FAULT_HANG, "hung", 0);
	fault_case(SIM_FAULT_HANG, "hung", 7);
}

static void test_reset(void **s)
{
	(void)s;
	fault_case(SIM_FAULT_RESET, "reset", 0);
	fault_case(SIM_FAULT_RESET, "reset", 13);
	/* and the next open on a fresh device works */
	espfab_dev *sim = open_sim(8, NULL);
	espfab_close(sim);
}

/* Moderation through the engine: interrupts counted by the driver. */
static void moderation_run(const char *extra, uint64_t *irqs, uint64_t *waits)
{
	espfab_dev *sim = open_sim(64, extra);
	espfab_sa_t o = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 0x31, 5);
	uint8_t in[64], out[64][CAP];
	espfab_op ops[64];
	espfab_cpl cpl[64];
	struct fabric_drv_info info;

	assert_int_equal(espfab_sa_add(sim, 0, &o), 0);
	make_ipv4(in, sizeof in);
	for (int i = 0; i < 64; i++)
		ops[i] = (espfab_op){ .slot = 0, .in = in, .in_len = sizeof in, .out = out[i], .out_cap = CAP,
				      .cookie = (uint64_t)i };
	assert_int_equal(pump(sim, ops, 64, cpl, 64, NULL), 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(cpl[i].status, S(OK));
	fabric_drv_info_get(espfab_engine_priv(sim), &info);
	*irqs = info.irqs;
	*waits = info.waits;
	espfab_close(sim);
}

static void test_moderation_engine(void **s)
{
	(void)s;
	uint64_t i_each, w_each, i_cnt, w_cnt, i_off, w_off;
	moderation_run("irq=1,irq_count=0,irq_timer=0", &i_each, &w_each);
	moderation_run("irq=1,irq_count=16,irq_timer=100000", &i_cnt, &w_cnt);
	moderation_run("irq=0", &i_off, &w_off);
	print_message("64 requests: every completion %llu irqs / %llu waits; count 16 %llu / %llu; polling %llu / %llu\n",
		      (unsigned long long)i_each, (unsigned long long)w_each, (unsigned long long)i_cnt,
		      (unsigned long long)w_cnt, (unsigned long long)i_off, (unsigned long long)w_off);
	assert_true(i_each >= 1);
	assert_true(i_cnt >= 1 && i_cnt <= 4); /* 64 / 16 */
	assert_true(i_cnt <= i_each);
	assert_int_equal(i_off, 0);
	assert_true(w_off >= 1);
}

/* ---- driver level (in-process bus; not with espfab-simd) ----------------- */
#ifndef TEST_FABRIC_DRV_NO_MAIN /* tests/cosim/test_cosim.c takes the engine level only */

/* A bus that forwards to the in-process one and can lie. */
struct liar {
	struct fabric_bus bus;
	struct fabric_bus *in;
	uint32_t id, version;     /* 0: pass through */
	uint32_t ones_from;       /* register reads at or after this count read 0xffffffff; 0 = never */
	uint32_t reads;
};

static int liar_rd(void *p, uint32_t off, uint32_t *v)
{
	struct liar *l = p;
	int rc = l->in->ops->rd32(l->in->priv, off, v);
	l->reads++;
	if (off == ESPFAB_CSR_ID && l->id)
		*v = l->id;
	if (off == ESPFAB_CSR_VERSION && l->version)
		*v = l->version;
	if (l->ones_from && l->reads >= l->ones_from)
		*v = 0xffffffffu;
	return rc;
}
static int liar_wr(void *p, uint32_t off, uint32_t v)
{
	struct liar *l = p;
	return l->in->ops->wr32(l->in->priv, off, v);
}
static int liar_wait(void *p, uint32_t mask, uint64_t budget, uint32_t *lines)
{
	struct liar *l = p;
	return l->in->ops->wait_irq(l->in->priv, mask, budget, lines);
}
static uint64_t liar_cycles(void *p)
{
	struct liar *l = p;
	return l->in->ops->cycles(l->in->priv);
}
static void liar_close(void *p)
{
	struct liar *l = p;
	l->in->ops->close(l->in->priv);
	free(l);
}
static const struct fabric_bus_ops liar_ops = { "liar", liar_rd, liar_wr, NULL, liar_wait, liar_cycles, liar_close, NULL };

static struct liar *liar_open(size_t bytes, const struct fm_config *cfg, struct fm **fm)
{
	struct liar *l = calloc(1, sizeof *l);
	assert_non_null(l);
	assert_int_equal(sim_inproc_bus_open(&l->in, bytes, cfg, 0, fm), 0);
	l->bus = (struct fabric_bus){ .ops = &liar_ops, .priv = l, .dma_va = l->in->dma_va, .dma_dev = l->in->dma_dev,
				      .dma_bytes = l->in->dma_bytes };
	return l;
}

static void test_open_checks(void **s)
{
	(void)s;
	struct fabric_drv_params p;
	struct fabric_drv *d;
	struct fabric_drv_info info;
	char why[256];
	struct liar *l;

	fabric_drv_params_default(&p);
	size_t bytes = fabric_drv_dma_bytes(100, &p);
	/* healthy */
	l = liar_open(bytes, NULL, NULL);
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 16, 100, why, sizeof why), 0);
	fabric_drv_info_get(d, &info);
	assert_int_equal(info.ring_slots, 128); /* smallest power of two holding 100 + 1 */
	assert_int_equal(info.stream_bytes, 16);
	assert_int_equal(info.n_queues, 4);
	assert_int_equal(info.version >> 16, ESPFAB_CONTRACT_VERSION_MAJOR);
	fabric_drv_close(d);
	/* not ours */
	l = liar_open(bytes, NULL, NULL);
	l->id = 0x12345678;
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 16, 100, why, sizeof why), -ENODEV);
	assert_non_null(strstr(why, "not an espfab fabric"));
	/* another contract major */
	l = liar_open(bytes, NULL, NULL);
	l->version = (ESPFAB_CONTRACT_VERSION_MAJOR + 1u) << 16;
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 16, 100, why, sizeof why), -ENODEV);
	assert_non_null(strstr(why, "contract version"));
	/* all ones: a dead device */
	l = liar_open(bytes, NULL, NULL);
	l->ones_from = 1;
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 16, 100, why, sizeof why), -EIO);
	assert_non_null(strstr(why, "does not answer"));
	/* region too small */
	l = liar_open(bytes / 2, NULL, NULL);
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 16, 100, why, sizeof why), -ENOMEM);
	assert_non_null(strstr(why, "DMA region"));
	/* a 32-byte stream is accepted too */
	struct fm_config c;
	fm_config_default(&c);
	c.stream_bytes = 32;
	c.sa_slots = 8;
	l = liar_open(bytes, &c, NULL);
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 16, 100, why, sizeof why), 0);
	fabric_drv_info_get(d, &info);
	assert_int_equal(info.stream_bytes, 32);
	assert_int_equal(info.sa_slots, 8);
	/* slots beyond the device's table are refused with a reason */
	espfab_sa_t o = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 1, 1);
	o.valid = 1; /* what espfab.c's normalisation sets */
	assert_int_equal(fabric_drv_sa_write(d, 9, &o, false), -ENOSPC);
	assert_non_null(strstr(fabric_drv_error(d), "beyond the device's 8 SA slots"));
	assert_int_equal(fabric_drv_sa_write(d, 7, &o, false), 0);
	fabric_drv_close(d);
}

/* Registers that read all ones mid-run: the device is declared hung. */
static void test_all_ones(void **s)
{
	(void)s;
	struct fabric_drv_params p;
	struct fabric_drv *d;
	char why[256];
	struct liar *l;
	struct fm *fm;
	espfab_req_t r;
	espfab_cpl_t c[2];
	uint8_t in[64], out[CAP];

	fabric_drv_params_default(&p);
	l = liar_open(fabric_drv_dma_bytes(8, &p), NULL, &fm);
	assert_int_equal(fabric_drv_open(&d, &l->bus, &p, 4, 8, why, sizeof why), 0);
	fm_hang(fm, true); /* nothing completes; the liar reads ones from now on */
	l->ones_from = l->reads + 1;
	make_ipv4(in, sizeof in);
	memset(&r, 0, sizeof r);
	r.cookie = 9;
	r.in_addr = (uintptr_t)in;
	r.in_len = sizeof in;
	r.out_addr = (uintptr_t)out;
	r.out_cap = CAP;
	assert_int_equal(fabric_drv_submit(d, &r, 1), 1);
	int got = 0;
	for (int i = 0; i < 10 && got == 0; i++)
		got = fabric_drv_poll(d, c, 2);
	assert_int_equal(got, 1);
	assert_int_equal(c[0].status, S(DEVICE));
	assert_int_equal(c[0].cookie, 9);
	assert_int_equal(fabric_drv_poll(d, c, 2), -EIO);
	assert_non_null(strstr(fabric_drv_error(d), "hung"));
	fabric_drv_close(d);
}

/* A device that answers but never completes: the hang budget. */
static void test_no_progress(void **s)
{
	(void)s;
	struct fabric_drv_params p;
	struct fabric_drv *d;
	struct fabric_bus *bus;
	struct fm_config c;
	char why[256];
	espfab_req_t r;
	espfab_cpl_t cpl;
	uint8_t in[64], out[CAP];

	fabric_drv_params_default(&p);
	p.poll_budget = 1000;
	p.hang_budget = 50000;
	fm_config_default(&c);
	c.req_cycles = 1000000000u;
	assert_int_equal(sim_inproc_bus_open(&bus, fabric_drv_dma_bytes(8, &p), &c, 0, NULL), 0);
	assert_int_equal(fabric_drv_open(&d, bus, &p, 4, 8, why, sizeof why), 0);
	make_ipv4(in, sizeof in);
	memset(&r, 0, sizeof r);
	r.cookie = 3;
	r.in_addr = (uintptr_t)in;
	r.in_len = sizeof in;
	r.out_addr = (uintptr_t)out;
	r.out_cap = CAP;
	assert_int_equal(fabric_drv_submit(d, &r, 1), 1);
	int got = 0, polls = 0;
	while (got == 0 && polls < 1000) {
		got = fabric_drv_poll(d, &cpl, 1);
		polls++;
	}
	assert_int_equal(got, 1);
	assert_int_equal(cpl.status, S(DEVICE));
	assert_int_equal(polls, 50); /* hang_budget / poll_budget */
	assert_non_null(strstr(fabric_drv_error(d), "no completion"));
	fabric_drv_close(d);
}

/* After completions are polled no plaintext stays in the DMA region, and
 * the SA staging window is wiped after a command. */
static void test_wipe(void **s)
{
	(void)s;
	struct fabric_drv_params p;
	struct fabric_drv *d;
	struct fabric_bus *bus;
	struct fm *fm;
	char why[256];
	espfab_req_t r;
	espfab_cpl_t cpl;
	uint8_t in[400], out[CAP];
	uint32_t v;

	fabric_drv_params_default(&p);
	assert_int_equal(sim_inproc_bus_open(&bus, fabric_drv_dma_bytes(8, &p), NULL, 0, &fm), 0);
	assert_int_equal(fabric_drv_open(&d, bus, &p, 4, 8, why, sizeof why), 0);
	espfab_sa_t o = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 0x10, 6);
	o.valid = 1;
	assert_int_equal(fabric_drv_sa_write(d, 1, &o, false), 0);
	for (unsigned i = 0; i < ESPFAB_CSR_SA_WIN_COUNT; i++) {
		assert_int_equal(fm_reg_read(fm, ESPFAB_CSR_SA_WIN(i), &v), 0);
		assert_int_equal(v, 0);
	}
	make_ipv4(in, sizeof in);
	memset(in + 20, 0xee, sizeof in - 20); /* a pattern to look for */
	memset(&r, 0, sizeof r);
	r.cookie = 1;
	r.slot = 1;
	r.in_addr = (uintptr_t)in;
	r.in_len = sizeof in;
	r.out_addr = (uintptr_t)out;
	r.out_cap = CAP;
	memset(r.iv, 0x3c, sizeof r.iv);
	assert_int_equal(fabric_drv_submit(d, &r, 1), 1);
	int got = 0;
	for (int i = 0; i < 100 && got == 0; i++)
		got = fabric_drv_poll(d, &cpl, 1);
	assert_int_equal(got, 1);
	assert_int_equal(cpl.status, S(OK));
	unsigned run = 0;
	for (size_t i = 0; i < bus->dma_bytes; i++) {
		run = bus->dma_va[i] == 0xee ? run + 1 : 0;
		if (run >= 16)
			fail_msg("plaintext left in the DMA region at %zu", i);
	}
	/* delete wipes the device's slot: a request now finds no SA */
	assert_int_equal(fabric_drv_sa_clear(d, 1), 0);
	assert_int_equal(fabric_drv_submit(d, &r, 1), 1);
	got = 0;
	for (int i = 0; i < 100 && got == 0; i++)
		got = fabric_drv_poll(d, &cpl, 1);
	assert_int_equal(got, 1);
	assert_int_equal(cpl.status, S(NO_SA));
	fabric_drv_close(d);
}

/* Moderation registers and their effect on the model's line. */
static void test_moderation_model(void **s)
{
	(void)s;
	struct fabric_drv_params p;
	struct fabric_drv *d;
	struct fabric_bus *bus;
	struct fm *fm;
	char why[256];
	espfab_req_t r[5];
	uint8_t in[64], out[5][CAP];
	uint32_t v;

	fabric_drv_params_default(&p);
	p.irq_count = 4;
	assert_int_equal(sim_inproc_bus_open(&bus, fabric_drv_dma_bytes(8, &p), NULL, 0, &fm), 0);
	assert_int_equal(fabric_drv_open(&d, bus, &p, 4, 8, why, sizeof why), 0);
	assert_int_equal(fm_reg_read(fm, ESPFAB_CSR_Q_IRQ_COUNT(0), &v), 0);
	assert_int_equal(v, 4);
	make_ipv4(in, sizeof in);
	for (int i = 0; i < 5; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].cookie = (uint64_t)i;
		r[i].slot = 3; /* empty: NO_SA, still a completion */
		r[i].in_addr = (uintptr_t)in;
		r[i].in_len = sizeof in;
		r[i].out_addr = (uintptr_t)out[i];
		r[i].out_cap = CAP;
	}
	/* count 4: no line after 3 completions, the line with the 4th */
	assert_int_equal(fabric_drv_submit(d, r, 3), 3);
	fm_run(fm, 1, 5000);
	assert_int_equal(fm_irq_lines(fm) & 1, 0);
	assert_int_equal(fabric_drv_submit(d, r + 3, 1), 1);
	fm_run(fm, 1, 5000);
	assert_int_equal(fm_irq_lines(fm) & 1, 1);
	assert_int_equal(fm_reg_write(fm, ESPFAB_CSR_DMA_IRQ, 1), 0);
	/* timer 300 at run time: the line 300 cycles after the completion */
	assert_int_equal(fabric_drv_set_moderation(d, 0, 300), 0);
	assert_int_equal(fm_reg_read(fm, ESPFAB_CSR_Q_IRQ_TIMER(0), &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(fabric_drv_submit(d, r + 4, 1), 1);
	uint64_t t0 = fm_cycles(fm);
	uint64_t ran = fm_run(fm, 1, 100000);
	assert_int_equal(fm_irq_lines(fm) & 1, 1);
	/* request cost: 40 + 4 input beats (no output: NO_SA), then 300 */
	assert_int_equal(ran, 40 + 4 + 300);
	assert_int_equal(fm_cycles(fm) - t0, ran);
	fabric_drv_close(d);
}

static void test_params(void **s)
{
	(void)s;
	struct fabric_drv_params p;
	char why[200];
	static const char *const ign[] = { "device", NULL };

	fabric_drv_params_default(&p);
	assert_int_equal(fabric_drv_params_parse(&p, "ring_log2=5,irq=0,irq_count=8,irq_timer=99,device=x", ign, why,
						 sizeof why),
			 0);
	assert_int_equal(p.ring_log2, 5);
	assert_false(p.irq);
	assert_int_equal(p.irq_count, 8);
	assert_int_equal(p.irq_timer, 99);
	static const struct {
		const char *s, *word;
	} bad[] = {
		{ "ring_log2=13", "ring_log2" }, { "ring_log2=0", "ring_log2" }, { "irq=2", "irq" },
		{ "irq_count=abc", "not a number" }, { "bogus=1", "unknown parameter 'bogus'" },
		{ "hang_budget", "not key=value" }, { "irq_timer=-1", "not a number" },
		{ "irq_count=4294967296", "32 bits" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = 0;
		assert_int_equal(fabric_drv_params_parse(&p, bad[i].s, ign, why, sizeof why), -EINVAL);
		if (!strstr(why, bad[i].word))
			fail_msg("'%s': reason '%s' lacks '%s'", bad[i].s, why, bad[i].word);
	}
	/* through espfab_open */
	espfab_dev *dev;
	espfab_open_opts o = { .params = "device=fpga" };
	assert_int_equal(espfab_open("sim", &o, &dev), -EINVAL);
	assert_non_null(strstr(espfab_open_error(), "device=fpga"));
	o.params = "x=1";
	assert_int_equal(espfab_open("sw", &o, &dev), -EINVAL);
	assert_non_null(strstr(espfab_open_error(), "takes no parameters"));
	o.params = "device=inproc,rd_latency=abc";
	assert_int_equal(espfab_open("sim", &o, &dev), -EINVAL);
	assert_non_null(strstr(espfab_open_error(), "rd_latency"));
	/* espfab-simd missing or not answering: clear reasons */
	const char *old = getenv("ESPFAB_SIMD");
	char *saved = old ? strdup(old) : NULL;
	setenv("ESPFAB_SIMD", "/nonexistent/espfab-simd", 1);
	o.params = "device=model";
	assert_int_equal(espfab_open("sim", &o, &dev), -ENOENT);
	assert_non_null(strstr(espfab_open_error(), "ESPFAB_SIMD=/nonexistent/espfab-simd"));
	setenv("ESPFAB_SIMD", "/bin/true", 1); /* exits at once: EOF on the socket */
	assert_int_equal(espfab_open("sim", &o, &dev), -EIO);
	assert_non_null(strstr(espfab_open_error(), "did not answer HELLO"));
	if (saved) {
		setenv("ESPFAB_SIMD", saved, 1);
		free(saved);
	} else {
		unsetenv("ESPFAB_SIMD");
	}
}

#endif /* TEST_FABRIC_DRV_NO_MAIN */

/* ---- several queues: a handle per thread (espfab_open_queue) ------------
 * engine level: also run by tests/cosim/test_cosim.c on the RTL */

#define MQ_MAX_WORKERS 4
#define MQ_PKTS 300     /* per worker and direction */
#define MQ_MAIN_MAX 400 /* SA churn rounds of the main thread at most */
#define MQ_MAIN_PKTS 3  /* its own packets per round */

static uint32_t xrnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

/* pump() for threads: no cmocka calls (they are not thread-safe); the
 * completions collected, or -1 with the reason in msg. */
static int mq_pump(espfab_dev *dev, const espfab_op *ops, unsigned n, espfab_cpl *cpls, uint64_t *rs, char *msg,
		   size_t msg_len)
{
	unsigned sub = 0, got = 0;
	for (long spin = 0; got < n; spin++) {
		if (spin > 20000000L) {
			snprintf(msg, msg_len, "no progress (%u submitted, %u completed)", sub, got);
			return -1;
		}
		if (sub < n) {
			unsigned k = 1 + xrnd(rs) % 24, acc = 0;
			if (k > n - sub)
				k = n - sub;
			int rc = espfab_submit(dev, ops + sub, k, &acc);
			if (rc && rc != -ENOSPC) {
				snprintf(msg, msg_len, "submit: %s: %s", strerror(-rc), espfab_last_error(dev));
				return -1;
			}
			sub += acc;
		}
		int r = espfab_poll(dev, cpls + got, n - got);
		if (r < 0) {
			snprintf(msg, msg_len, "poll: %s: %s", strerror(-r), espfab_last_error(dev));
			return -1;
		}
		got += (unsigned)r;
	}
	return (int)got;
}

struct mq_worker {
	pthread_t th;
	espfab_dev *h;         /* its own queue handle */
	unsigned w;
	uint32_t out_slot, in_slot;
	espfab_sa_t sa_out, sa_in;
	struct traffic enc, dec; /* k = 0: sim (this thread), k = 1: sw, done before */
	uint64_t rs;
	int got_enc, got_dec;
	char msg[300];
	volatile int *done;
};

static void *mq_worker_run(void *arg)
{
	struct mq_worker *x = arg;
	int rc;

	/* any handle may write SAs: each worker installs its own */
	if ((rc = espfab_sa_add(x->h, x->out_slot, &x->sa_out)) || (rc = espfab_sa_add(x->h, x->in_slot, &x->sa_in))) {
		snprintf(x->msg, sizeof x->msg, "sa_add: %s: %s", strerror(-rc), espfab_last_error(x->h));
		goto out;
	}
	x->got_enc = mq_pump(x->h, x->enc.ops[0], x->enc.n, x->enc.cpl[0], &x->rs, x->msg, sizeof x->msg);
	if (x->got_enc < 0)
		goto out;
	x->got_dec = mq_pump(x->h, x->dec.ops[0], x->dec.n, x->dec.cpl[0], &x->rs, x->msg, sizeof x->msg);
out:
	__atomic_add_fetch(x->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A worker's traffic: random packets on its outbound SA (now and then an
 * empty slot or a short buffer), the sw engine's results decapsulated on
 * its inbound SA (some corrupted); the sw side (k = 1) is run here, with
 * the IV stream of the handle's ordinal. */
static void mq_prepare(struct mq_worker *x, unsigned w, uint64_t ordinal)
{
	const struct sa_case *c = &sa_cases[w % N_SA];
	espfab_dev *ref = NULL;
	espfab_open_opts o = { .sa_slots = 16, .queue_depth = 64, .iv_seeded = true, .iv_seed = 77 + ordinal };

	x->w = w;
	x->out_slot = 2 * w;
	x->in_slot = 2 * w + 1;
	x->sa_out = make_sa(c, ESPFAB_DIR_OUT, 0x200 + w, (uint8_t)(40 + w));
	x->sa_in = make_sa(c, ESPFAB_DIR_IN, 0x200 + w, (uint8_t)(40 + w));
	x->rs = 0xabc0 + w;
	traffic_alloc(&x->enc, MQ_PKTS);
	traffic_alloc(&x->dec, MQ_PKTS);
	for (unsigned i = 0; i < MQ_PKTS; i++) {
		uint16_t len = (uint16_t)(20 + rnd() % 1481);
		uint8_t *p = x->enc.in + (size_t)i * CAP;
		make_ipv4(p, len);
		uint16_t cap = rnd() % 50 == 0 ? (uint16_t)(len / 2) : CAP;
		uint32_t slot = rnd() % 100 == 0 ? 13 : x->out_slot; /* 13: empty, NO_SA */
		traffic_op(&x->enc, i, slot, p, len, cap);
		for (int k = 0; k < 2; k++)
			x->enc.ops[k][i].cookie = ((uint64_t)(w + 1) << 32) | i;
	}
	assert_int_equal(espfab_open("sw", &o, &ref), 0);
	assert_int_equal(espfab_sa_add(ref, x->out_slot, &x->sa_out), 0);
	assert_int_equal(espfab_sa_add(ref, x->in_slot, &x->sa_in), 0);
	assert_int_equal(pump(ref, x->enc.ops[1], MQ_PKTS, x->enc.cpl[1], 24, NULL), MQ_PKTS);
	for (unsigned i = 0; i < MQ_PKTS; i++) {
		uint8_t *p = x->dec.in + (size_t)i * CAP;
		uint16_t len = x->enc.cpl[1][i].out_len;
		memcpy(p, x->enc.out[1] + (size_t)i * CAP, len);
		if (len > 40 && rnd() % 20 == 0)
			p[20 + rnd() % (len - 20)] ^= 0x10;
		traffic_op(&x->dec, i, x->in_slot, p, len, CAP);
		for (int k = 0; k < 2; k++)
			x->dec.ops[k][i].cookie = ((uint64_t)(w + 1) << 32) | (0x8000 + i);
	}
	assert_int_equal(pump(ref, x->dec.ops[1], MQ_PKTS, x->dec.cpl[1], 24, NULL), MQ_PKTS);
	espfab_close(ref);
}

/* The main thread's part: SA churn on slot 15 through its own handle
 * while the workers run, with a few packets of its own each round. */
struct mq_main {
	unsigned rounds;
	uint8_t in[MQ_MAIN_PKTS][400];
	espfab_op ops[2][MQ_MAIN_MAX * MQ_MAIN_PKTS];
	espfab_cpl cpl[2][MQ_MAIN_MAX * MQ_MAIN_PKTS];
	uint8_t (*out[2])[CAP];
	char msg[300];
};

static espfab_sa_t mq_main_sa(unsigned round)
{
	espfab_sa_t sa = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 0x777, (uint8_t)(round * 7));
	sa.tun_dst = 0x0a000100 + round; /* update may change endpoints and keys */
	return sa;
}

/* One round on engine handle dev (k = 0 sim, 1 sw): update, packets,
 * state, and every third round delete and add again.  0 or -1 with msg. */
static int mq_main_round(struct mq_main *m, espfab_dev *dev, int k, unsigned r)
{
	espfab_sa_t sa = mq_main_sa(r);
	espfab_sa_state_t st;
	uint64_t rs = 0; /* batch sizes do not matter for one 3-packet batch */
	int rc;

	if ((rc = espfab_sa_update(dev, 15, &sa))) {
		snprintf(m->msg, sizeof m->msg, "round %u: update: %s: %s", r, strerror(-rc), espfab_last_error(dev));
		return -1;
	}
	for (unsigned i = 0; i < MQ_MAIN_PKTS; i++) {
		unsigned j = r * MQ_MAIN_PKTS + i;
		m->ops[k][j] = (espfab_op){ .slot = 15, .in = m->in[i], .in_len = sizeof m->in[i], .out = m->out[k][j],
					    .out_cap = CAP, .cookie = 0xf0000000u + j };
	}
	if (mq_pump(dev, &m->ops[k][r * MQ_MAIN_PKTS], MQ_MAIN_PKTS, &m->cpl[k][r * MQ_MAIN_PKTS], &rs, m->msg,
		    sizeof m->msg) != MQ_MAIN_PKTS)
		return -1;
	if ((rc = espfab_sa_state(dev, 15, &st))) {
		snprintf(m->msg, sizeof m->msg, "round %u: state: %s", r, strerror(-rc));
		return -1;
	}
	if (r % 3 == 2) {
		espfab_sa_t fresh = mq_main_sa(r + 100);
		if ((rc = espfab_sa_del(dev, 15)) || (rc = espfab_sa_add(dev, 15, &fresh))) {
			snprintf(m->msg, sizeof m->msg, "round %u: del/add: %s: %s", r, strerror(-rc),
				 espfab_last_error(dev));
			return -1;
		}
	}
	return 0;
}

/* N threads, a queue handle each, random ESP traffic on their own SAs
 * while the main thread (queue 0) updates, deletes and re-adds another
 * SA and sends on it: every completion byte for byte as sw gives it with
 * the handle's IV stream, each thread exactly its own cookies in order,
 * every queue carried its traffic (the model's per-queue counts), the SA
 * states the same through another handle; handles closed parent first. */
static void test_queues_threads(void **s)
{
	(void)s;
	bool inproc = strstr(sim_params, "inproc") != NULL;
	/* the in-process model gets 5 queues (4 workers + main); the RTL has 4 */
	unsigned nw = inproc ? 4 : 3;
	char extra[96];
	snprintf(extra, sizeof extra, "%squeues=%u,ring_log2=4", inproc ? "inproc_queues=5," : "", nw + 1);
	espfab_dev *dev = open_sim(64, extra), *more = NULL;
	struct mq_worker x[MQ_MAX_WORKERS];
	struct mq_main *m = calloc(1, sizeof *m);
	volatile int done = 0;
	struct fabric_drv_info info;
	espfab_sa_t sa15 = mq_main_sa(1000);

	assert_non_null(m);
	memset(x, 0, sizeof x);
	for (int k = 0; k < 2; k++) {
		m->out[k] = calloc(MQ_MAIN_MAX * MQ_MAIN_PKTS, CAP);
		assert_non_null(m->out[k]);
	}
	for (unsigned i = 0; i < MQ_MAIN_PKTS; i++)
		make_ipv4(m->in[i], sizeof m->in[i]);
	for (unsigned w = 0; w < nw; w++) {
		mq_prepare(&x[w], w, w + 1);
		assert_int_equal(espfab_open_queue(dev, &x[w].h), 0);
		x[w].done = &done;
	}
	/* every queue is taken now */
	assert_int_equal(espfab_open_queue(dev, &more), -EBUSY);
	assert_null(more);
	char want[64];
	snprintf(want, sizeof want, "all %u queues in use", nw + 1);
	if (!strstr(espfab_last_error(dev), want))
		fail_msg("open_queue with every queue taken: '%s'", espfab_last_error(dev));
	assert_int_equal(espfab_sa_add(dev, 15, &sa15), 0);

	for (unsigned w = 0; w < nw; w++)
		assert_int_equal(pthread_create(&x[w].th, NULL, mq_worker_run, &x[w]), 0);
	int main_rc = 0;
	while (__atomic_load_n(&done, __ATOMIC_SEQ_CST) < (int)nw && m->rounds < MQ_MAIN_MAX && !main_rc)
		if (!(main_rc = mq_main_round(m, dev, 0, m->rounds)))
			m->rounds++;
	for (unsigned w = 0; w < nw; w++)
		pthread_join(x[w].th, NULL);
	if (main_rc)
		fail_msg("main thread: %s", m->msg);

	/* the main thread's rounds again on sw, with the parent's IV stream */
	espfab_dev *ref = open_ref("sw", 64);
	assert_int_equal(espfab_sa_add(ref, 15, &sa15), 0);
	for (unsigned r = 0; r < m->rounds; r++)
		if (mq_main_round(m, ref, 1, r))
			fail_msg("sw replay: %s", m->msg);
	for (unsigned j = 0; j < m->rounds * MQ_MAIN_PKTS; j++) {
		same_cpl(&m->cpl[0][j], &m->cpl[1][j], j);
		assert_int_equal(m->cpl[0][j].cookie, 0xf0000000u + j);
		assert_int_equal(m->cpl[0][j].status, S(OK));
		if (memcmp(m->out[0][j], m->out[1][j], m->cpl[0][j].out_len))
			fail_msg("main packet %u: output bytes differ", j);
	}
	espfab_close(ref);

	struct fm *fm = sim_bus_model(fabric_drv_bus(espfab_engine_priv(dev)));
	bool queue_seen[ESPFAB_QUEUES_MAX] = { false };
	fabric_drv_info_get(espfab_engine_priv(dev), &info);
	assert_int_equal(info.queue, 0);
	assert_int_equal(info.queues_open, nw + 1);
	queue_seen[0] = true;
	if (fm)
		assert_int_equal(fm_queue_completions(fm, 0), m->rounds * MQ_MAIN_PKTS);
	for (unsigned w = 0; w < nw; w++) {
		if (x[w].msg[0])
			fail_msg("worker %u: %s", w, x[w].msg);
		traffic_compare(&x[w].enc, (unsigned)x[w].got_enc, MQ_PKTS);
		traffic_compare(&x[w].dec, (unsigned)x[w].got_dec, MQ_PKTS);
		for (unsigned i = 0; i < MQ_PKTS; i++) {
			assert_int_equal(x[w].enc.cpl[0][i].cookie, ((uint64_t)(w + 1) << 32) | i);
			assert_int_equal(x[w].dec.cpl[0][i].cookie, ((uint64_t)(w + 1) << 32) | (0x8000 + i));
		}
		fabric_drv_info_get(espfab_engine_priv(x[w].h), &info);
		assert_false(queue_seen[info.queue]);
		queue_seen[info.queue] = true;
		assert_true(info.doorbells > 0);
		if (fm) /* this queue carried exactly this thread's requests */
			assert_int_equal(fm_queue_completions(fm, info.queue), 2 * MQ_PKTS);
		/* one SA table: the worker's SA state read through the parent */
		espfab_dev *r2 = NULL;
		espfab_open_opts o = { .sa_slots = 16, .queue_depth = 64, .iv_seeded = true, .iv_seed = 77 + w + 1 };
		espfab_sa_state_t a, b;
		assert_int_equal(espfab_open("sw", &o, &r2), 0);
		assert_int_equal(espfab_sa_add(r2, x[w].out_slot, &x[w].sa_out), 0);
		assert_int_equal(espfab_sa_add(r2, x[w].in_slot, &x[w].sa_in), 0);
		assert_int_equal(pump(r2, x[w].enc.ops[1], MQ_PKTS, x[w].enc.cpl[1], 24, NULL), MQ_PKTS);
		assert_int_equal(pump(r2, x[w].dec.ops[1], MQ_PKTS, x[w].dec.cpl[1], 24, NULL), MQ_PKTS);
		for (uint32_t slot = x[w].out_slot; slot <= x[w].in_slot; slot++) {
			assert_int_equal(espfab_sa_state(dev, slot, &a), 0);
			assert_int_equal(espfab_sa_state(r2, slot, &b), 0);
			if (memcmp(&a, &b, sizeof a))
				fail_msg("worker %u: SA state of slot %u differs from sw", w, slot);
		}
		espfab_close(r2);
	}
	print_message("queues: %u threads x %u encap + %u decap on their own queues, main thread %u SA rounds "
		      "(%u packets) on queue 0, all identical to sw\n",
		      nw, MQ_PKTS, MQ_PKTS, m->rounds, m->rounds * MQ_MAIN_PKTS);
	assert_true(m->rounds > 0);

	/* close the parent first: the device lives on for the other handles */
	espfab_close(dev);
	{
		espfab_cpl c;
		uint8_t out[CAP];
		espfab_op op = { .slot = x[0].out_slot, .in = x[0].enc.in, .in_len = 100, .out = out, .out_cap = CAP,
				 .cookie = 5 };
		x[0].enc.in[2] = 0;
		x[0].enc.in[3] = 100;
		assert_int_equal(espfab_process_one(x[0].h, &op, &c), 0);
		assert_int_equal(c.status, S(OK));
		assert_int_equal(c.cookie, 5);
	}
	for (unsigned w = 0; w < nw; w++) {
		espfab_close(x[w].h);
		traffic_free(&x[w].enc);
		traffic_free(&x[w].dec);
	}
	free(m->out[0]);
	free(m->out[1]);
	free(m);
}

/* How many queues: the engine parameter, the device's limit, running out,
 * reuse after close, engines without queues, a failed device. */
static void test_queues_limits(void **s)
{
	(void)s;
	espfab_open_opts o = { .sa_slots = 16, .queue_depth = 16, .iv_seeded = true, .iv_seed = 1 };
	espfab_dev *dev = NULL, *a = NULL, *b = NULL;
	char p[300];

	/* more than the device has (the in-process model: 4) */
	snprintf(p, sizeof p, "%s,queues=5", sim_params);
	o.params = p;
	assert_int_equal(espfab_open("sim", &o, &dev), -EINVAL);
	if (!strstr(espfab_open_error(), "queues=5: the device has 4 DMA queues"))
		fail_msg("queues=5: '%s'", espfab_open_error());
	o.params = "device=inproc,queues=9";
	assert_int_equal(espfab_open("sim", &o, &dev), -EINVAL);
	assert_non_null(strstr(espfab_open_error(), "queues: 9 is not 1..8"));
	o.params = "device=inproc,queues=0";
	assert_int_equal(espfab_open("sim", &o, &dev), -EINVAL);

	/* the default is one queue */
	dev = open_sim(16, "");
	assert_int_equal(espfab_open_queue(dev, &a), -EBUSY);
	assert_non_null(strstr(espfab_last_error(dev), "all 1 queue in use"));
	espfab_close(dev);

	/* two: one more handle, then none; a closed handle's queue is free again */
	dev = open_sim(16, "queues=2");
	assert_int_equal(espfab_open_queue(dev, &a), 0);
	assert_int_equal(espfab_open_queue(a, &b), -EBUSY);
	assert_non_null(strstr(espfab_last_error(a), "all 2 queues in use"));
	espfab_close(a);
	assert_int_equal(espfab_open_queue(dev, &b), 0);
	{
		struct fabric_drv_info info;
		fabric_drv_info_get(espfab_engine_priv(b), &info);
		assert_int_equal(info.queue, 1);
		assert_int_equal(info.queues, 2);
		assert_int_equal(info.queues_open, 2);
	}
	/* an SA added through one handle serves the other */
	espfab_sa_t sa = make_sa(&sa_cases[0], ESPFAB_DIR_OUT, 0x31, 3);
	uint8_t in[120], out[CAP];
	espfab_cpl c;
	make_ipv4(in, sizeof in);
	espfab_op op = { .slot = 3, .in = in, .in_len = sizeof in, .out = out, .out_cap = CAP, .cookie = 9 };
	assert_int_equal(espfab_sa_add(dev, 3, &sa), 0);
	assert_int_equal(espfab_sa_add(b, 3, &sa), -EBUSY); /* one table */
	assert_int_equal(espfab_process_one(b, &op, &c), 0);
	assert_int_equal(c.status, S(OK));
	assert_int_equal(c.seq, 1);
	assert_int_equal(espfab_process_one(dev, &op, &c), 0);
	assert_int_equal(c.seq, 2); /* the same SA */
	assert_int_equal(espfab_sa_del(b, 3), 0);
	assert_int_equal(espfab_process_one(dev, &op, &c), 0);
	assert_int_equal(c.status, S(NO_SA));

	/* a failed device gives no more queues */
	espfab_close(b);
	assert_int_equal(sim_bus_fault(fabric_drv_bus(espfab_engine_priv(dev)), SIM_FAULT_RESET), 0);
	assert_int_equal(espfab_open_queue(dev, &b), -EIO); /* checked before a queue is handed out */
	assert_null(b);
	assert_non_null(strstr(espfab_last_error(dev), "device was reset"));
	assert_int_equal(espfab_sa_add(dev, 3, &sa), -EIO);
	espfab_close(dev);

	/* engines without hardware queues */
	const char *noq[] = { "sw", "model" };
	for (int i = 0; i < 2; i++) {
		dev = open_ref(noq[i], 16);
		assert_int_equal(espfab_open_queue(dev, &a), -ENOTSUP);
		assert_null(a);
		if (!strstr(espfab_last_error(dev), "no hardware queues"))
			fail_msg("%s: '%s'", noq[i], espfab_last_error(dev));
		espfab_close(dev);
	}
	assert_int_equal(espfab_open_queue(NULL, &a), -EINVAL);
}

/* A device reset with requests queued on every queue, threads polling:
 * each thread gets every one of its requests back once, in order, as
 * the device completed it or DEVICE, then -EIO, on every queue. */
#define MQR_THREADS 4
#define MQR_REQS 60

struct mqr_worker {
	pthread_t th;
	espfab_dev *h;
	unsigned w;
	pthread_barrier_t *bar;
	uint8_t in[1400];
	uint8_t (*out)[CAP];
	espfab_cpl cpl[MQR_REQS];
	unsigned got, real_before;
	int last_rc, submit_rc, sa_rc;
	char msg[300];
};

static void *mqr_run(void *arg)
{
	struct mqr_worker *x = arg;
	espfab_op ops[MQR_REQS];
	unsigned acc = 0;

	for (unsigned i = 0; i < MQR_REQS; i++)
		ops[i] = (espfab_op){ .slot = x->w, .in = x->in, .in_len = sizeof x->in, .out = x->out[i],
				      .out_cap = CAP, .cookie = ((uint64_t)(x->w + 1) << 32) | i };
	int rc = espfab_submit(x->h, ops, MQR_REQS, &acc);
	if (rc || acc != MQR_REQS)
		snprintf(x->msg, sizeof x->msg, "submit: rc %d, %u taken: %s", rc, acc, espfab_last_error(x->h));
	/* mid-traffic: some completions each, then stop polling (the
	 * simulated device runs only in bus calls) */
	for (long spin = 0; !x->msg[0] && x->got < 2 && spin < 1000000; spin++) {
		int r = espfab_poll(x->h, x->cpl + x->got, 2 - x->got);
		if (r < 0)
			snprintf(x->msg, sizeof x->msg, "poll before the reset: %s", espfab_last_error(x->h));
		else
			x->got += (unsigned)r;
	}
	x->real_before = x->got;
	pthread_barrier_wait(x->bar); /* the main thread resets the device */
	pthread_barrier_wait(x->bar);
	for (long spin = 0; spin < 1000000; spin++) {
		int r = espfab_poll(x->h, x->cpl + x->got, MQR_REQS - x->got);
		if (r < 0) {
			x->last_rc = r;
			break;
		}
		x->got += (unsigned)r;
	}
	x->submit_rc = espfab_submit(x->h, ops, 1, &acc);
	espfab_sa_state_t st;
	x->sa_rc = espfab_sa_state(x->h, x->w, &st);
	return NULL;
}

static int mqr_reset(struct fabric_bus *bus, void *arg)
{
	(void)arg;
	return sim_bus_fault(bus, SIM_FAULT_RESET);
}

static void test_queues_reset(void **s)
{
	(void)s;
	espfab_dev *h[MQR_THREADS];
	struct mqr_worker *x = calloc(MQR_THREADS, sizeof *x);
	struct fabric_drv_info info;
	pthread_barrier_t bar;

	assert_non_null(x);
	h[0] = open_sim(64, "queues=4,ring_log2=7,hang_budget=200000");
	for (unsigned w = 1; w < MQR_THREADS; w++)
		assert_int_equal(espfab_open_queue(h[0], &h[w]), 0);
	assert_int_equal(pthread_barrier_init(&bar, NULL, MQR_THREADS + 1), 0);
	for (unsigned w = 0; w < MQR_THREADS; w++) {
		espfab_sa_t sa = make_sa(&sa_cases[w % N_SA], ESPFAB_DIR_OUT, 0x300 + w, (uint8_t)w);
		assert_int_equal(espfab_sa_add(h[w], w, &sa), 0);
		x[w].h = h[w];
		x[w].w = w;
		x[w].bar = &bar;
		x[w].out = calloc(MQR_REQS, CAP);
		assert_non_null(x[w].out);
		make_ipv4(x[w].in, sizeof x[w].in);
		assert_int_equal(pthread_create(&x[w].th, NULL, mqr_run, &x[w]), 0);
	}
	pthread_barrier_wait(&bar);
	struct fm *fm = sim_bus_model(fabric_drv_bus(espfab_engine_priv(h[0])));
	if (fm) /* every queue was under way */
		for (unsigned q = 0; q < MQR_THREADS; q++)
			assert_true(fm_queue_completions(fm, q) >= 2);
	int rc = fabric_drv_with_bus(espfab_engine_priv(h[0]), mqr_reset, NULL);
	pthread_barrier_wait(&bar);
	for (unsigned w = 0; w < MQR_THREADS; w++)
		pthread_join(x[w].th, NULL);
	pthread_barrier_destroy(&bar);
	assert_int_equal(rc, 0);
	for (unsigned w = 0; w < MQR_THREADS; w++) {
		unsigned dev_st = 0;
		if (x[w].msg[0])
			fail_msg("thread %u: %s", w, x[w].msg);
		assert_int_equal(x[w].got, MQR_REQS);
		for (unsigned i = 0; i < MQR_REQS; i++) {
			assert_int_equal(x[w].cpl[i].cookie, ((uint64_t)(w + 1) << 32) | i);
			assert_int_equal(x[w].cpl[i].slot, w);
			if (x[w].cpl[i].status == S(DEVICE))
				dev_st++;
			else
				assert_int_equal(x[w].cpl[i].status, S(OK));
			if (i < x[w].real_before)
				assert_int_equal(x[w].cpl[i].status, S(OK));
		}
		assert_true(dev_st > 0);
		assert_int_equal(x[w].last_rc, -EIO);
		assert_int_equal(x[w].submit_rc, -EIO);
		assert_int_equal(x[w].sa_rc, -EIO);
		if (!strstr(espfab_last_error(h[w]), "reset"))
			fail_msg("thread %u: '%s'", w, espfab_last_error(h[w]));
		/* one device, one failure: whichever queue found it, every handle
		 * gives its reason */
		fabric_drv_info_get(espfab_engine_priv(h[w]), &info);
		assert_true(info.failed);
		assert_string_equal(fabric_drv_error(espfab_engine_priv(h[w])), fabric_drv_error(espfab_engine_priv(h[0])));
		print_message("reset: queue %u: %u of %u DEVICE, then -EIO: %s\n", w, dev_st, MQR_REQS,
			      espfab_last_error(h[w]));
	}
	/* children first this time */
	for (unsigned w = MQR_THREADS; w-- > 0;) {
		espfab_close(h[w]);
		free(x[w].out);
	}
	free(x);
}

#ifndef TEST_FABRIC_DRV_NO_MAIN
int main(void)
{
	const char *env = getenv("SIM_PARAMS");
	snprintf(sim_params, sizeof sim_params, "%s", env && *env ? env : SIM_PARAMS);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_equivalence),
		cmocka_unit_test(test_full_ring),
		cmocka_unit_test(test_sa_change_inflight),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_moderation_engine),
		cmocka_unit_test(test_open_checks),
		cmocka_unit_test(test_all_ones),
		cmocka_unit_test(test_no_progress),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_moderation_model),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_queues_threads),
		cmocka_unit_test(test_queues_limits),
		cmocka_unit_test(test_queues_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
