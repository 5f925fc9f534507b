/*
 * espfab_dev_cycles (driver/espfab.h): the device's fabric clock through
 * libespfab, which espfab-bench --engine sim divides bytes by.
 *
 * The clock tested is the in-process C model's (sim engine, device=inproc:
 * fm_cycles, advanced by every register access and by the waits inside
 * espfab_poll).  espfab-simd's clock is the same op on the other bus
 * (simd_cycles: the cycle count of the platform's last answer); the smoke
 * test tests/e2e/bench_sim_smoke.sh reads it through espfab-bench.
 *
 * Cases: 1 engines without a clock (sw, model) answer -ENOTSUP and 0;
 * 2 NULL arguments; 3 the model's clock has run by the time open returns
 * and stands still while the host does not touch the device; 4 it advances
 * while a packet is processed, by at least the model's fixed cost per
 * request; 5 a bus without a cycles op, and 6 one that reports 0 (uio,
 * xrt), give -ENOTSUP through the driver.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine_sim.h"
#include "espfab.h"
#include "fabric_bus.h"
#include "fabric_drv.h"
#include "fabric_model.h"

static espfab_dev *open_engine(const char *name, const char *params)
{
	espfab_open_opts o = { .sa_slots = 4, .queue_depth = 16, .iv_seeded = true, .iv_seed = 5,
			       .params = params };
	espfab_dev *dev = NULL;
	if (espfab_open(name, &o, &dev))
		fail_msg("open %s: %s", name, espfab_open_error());
	return dev;
}

/* 1 */
static void test_no_clock(void **s)
{
	(void)s;
	static const char *const names[] = { "sw", "model" };
	for (size_t i = 0; i < 2; i++) {
		espfab_dev *dev = open_engine(names[i], NULL);
		uint64_t c = 12345;
		assert_int_equal(espfab_dev_cycles(dev, &c), -ENOTSUP);
		assert_int_equal(c, 0);
		espfab_close(dev);
	}
}

/* 2 */
static void test_null(void **s)
{
	(void)s;
	uint64_t c;
	assert_int_equal(espfab_dev_cycles(NULL, &c), -EINVAL);
	espfab_dev *dev = open_engine("sim", "device=inproc");
	assert_int_equal(espfab_dev_cycles(dev, NULL), -EINVAL);
	espfab_close(dev);
}

static void one_packet(espfab_dev *dev)
{
	espfab_sa_t sa;
	memset(&sa, 0, sizeof sa);
	sa.spi = 0x100;
	sa.dir = ESPFAB_DIR_OUT;
	sa.mode = ESPFAB_MODE_TUNNEL;
	sa.cipher = ESPFAB_CIPHER_AES;
	sa.enc_key_len = 16;
	sa.auth = ESPFAB_AUTH_SHA1;
	sa.auth_key_len = 20;
	sa.encap = ESPFAB_ENCAP_NONE;
	sa.tun_src = 0x0a000001;
	sa.tun_dst = 0x0a000002;
	memset(sa.enc_key, 0x11, 16);
	memset(sa.auth_key, 0x22, 20);
	assert_int_equal(espfab_sa_add(dev, 0, &sa), 0);

	static uint8_t in[200], out[ESPFAB_MAX_FRAME];
	memset(in, 0x5a, sizeof in);
	in[0] = 0x45;
	in[2] = 0;
	in[3] = sizeof in;
	in[8] = 64;
	in[9] = 17;
	espfab_op op = { .slot = 0, .in = in, .in_len = sizeof in, .out = out, .out_cap = sizeof out };
	espfab_cpl cpl;
	assert_int_equal(espfab_process_one(dev, &op, &cpl), 0);
	assert_int_equal(cpl.status, ESPFAB_STATUS_OK);
}

/* 3, 4 */
static void test_inproc_clock(void **s)
{
	(void)s;
	espfab_dev *dev = open_engine("sim", "device=inproc");
	uint64_t c0 = 0, c1 = 0, c2 = 0;
	assert_int_equal(espfab_dev_cycles(dev, &c0), 0);
	assert_true(c0 > 0); /* identification and queue set-up took register accesses */
	assert_int_equal(espfab_dev_cycles(dev, &c1), 0);
	assert_int_equal(c1, c0); /* the host computing costs no fabric time */
	one_packet(dev);
	assert_int_equal(espfab_dev_cycles(dev, &c2), 0);
	/* SA programming and the request: at least fm_config's default
	 * req_cycles (40) for the request alone */
	assert_true(c2 >= c1 + 40);
	espfab_close(dev);
}

/* 5, 6: fabric_drv over the in-process bus with the cycles op replaced. */
static uint64_t zero_cycles(void *priv)
{
	(void)priv;
	return 0;
}

static void drv_with_cycles_op(uint64_t (*op)(void *))
{
	struct fabric_drv_params p;
	struct fabric_bus *bus = NULL;
	struct fabric_drv *d = NULL;
	static struct fabric_bus_ops ops;
	char why[200] = "";

	fabric_drv_params_default(&p);
	assert_int_equal(sim_inproc_bus_open(&bus, fabric_drv_dma_bytes(8, &p), NULL, 0, NULL), 0);
	ops = *bus->ops;
	ops.cycles = op;
	bus->ops = &ops;
	if (fabric_drv_open(&d, bus, &p, 4, 8, why, sizeof why))
		fail_msg("fabric_drv_open: %s", why);
	uint64_t c = 99;
	assert_int_equal(fabric_drv_cycles(d, &c), -ENOTSUP);
	assert_int_equal(c, 0);
	fabric_drv_close(d);
}

static void test_bus_without_clock(void **s)
{
	(void)s;
	drv_with_cycles_op(NULL);
	drv_with_cycles_op(zero_cycles);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_clock),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_inproc_clock),
		cmocka_unit_test(test_bus_without_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
