/*
 * Co-simulation: the engine-level cases of tests/unit/test_fabric_drv.c
 * (random traffic against sw byte for byte, wrap-around, full ring,
 * moderation, SA update/delete with requests queued, BAD_REQUEST, hang and
 * reset via SIM_OP_FAULT, several threads each on its own DMA queue
 * (espfab_open_queue)) run through driver -> DMA -> RTL -> DMA ->
 * driver: the sim engine on espfab-simd-iterative --device rtl (the
 * Verilated espfab_dma_top in the SystemC platform, make sim).  Plus what
 * only a real platform process can do: it dies mid-traffic (EOF on the
 * socket).
 *
 * Needs the platform: found as the sim engine finds it ($ESPFAB_SIMD, or
 * BUILD/bin/espfab-simd-iterative).  When it is missing the program fails
 * (make cosim builds it first); COSIM_PARAMS overrides the parameters
 * (e.g. device=model for the platform's C-model mode).
 */
#define TEST_FABRIC_DRV_NO_MAIN
#define N_RANDOM 1200
#include "../unit/test_fabric_drv.c"

#include <signal.h>
#include <sys/wait.h>

/* The platform process dies with requests queued: EOF on its socket,
 * every request completes once (DEVICE where unanswered), then -EIO with
 * the reason. */
static void test_platform_dies(void **s)
{
	(void)s;
	espfab_dev *sim = open_sim(64, "ring_log2=6");
	espfab_sa_t o = make_sa(&sa_cases[2], ESPFAB_DIR_OUT, 0x66, 8);
	uint8_t in[500], out[30][CAP];
	espfab_op ops[30];
	espfab_cpl cpl[30];
	unsigned acc, got = 0;

	assert_int_equal(espfab_sa_add(sim, 0, &o), 0);
	make_ipv4(in, sizeof in);
	for (int i = 0; i < 30; i++)
		ops[i] = (espfab_op){ .slot = 0, .in = in, .in_len = sizeof in, .out = out[i], .out_cap = CAP,
				      .cookie = 300 + (uint64_t)i };
	assert_int_equal(espfab_submit(sim, ops, 30, &acc), 0);
	assert_int_equal(acc, 30);
	for (int spin = 0; got < 3 && spin < 100000; spin++) {
		int r = espfab_poll(sim, cpl + got, 3 - got);
		assert_true(r >= 0);
		got += (unsigned)r;
	}
	long pid = sim_bus_pid(fabric_drv_bus(espfab_engine_priv(sim)));
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	for (int spin = 0; got < 30 && spin < 100000; spin++) {
		int r = espfab_poll(sim, cpl + got, 30 - got);
		if (r < 0)
			break;
		got += (unsigned)r;
	}
	assert_int_equal(got, 30);
	unsigned dev_st = 0;
	for (unsigned i = 0; i < 30; i++) {
		assert_int_equal(cpl[i].cookie, 300 + i);
		assert_true(cpl[i].status == S(OK) || cpl[i].status == S(DEVICE));
		dev_st += cpl[i].status == S(DEVICE);
	}
	assert_true(dev_st > 0);
	assert_int_equal(espfab_poll(sim, cpl, 1), -EIO);
	if (!strstr(espfab_last_error(sim), "EOF"))
		fail_msg("last error '%s' does not name the EOF", espfab_last_error(sim));
	print_message("platform killed after 3 completions: %u of 30 DEVICE, then -EIO: %s\n", dev_st,
		      espfab_last_error(sim));
	espfab_close(sim); /* reaps the dead child */
}

int main(void)
{
	const char *env = getenv("COSIM_PARAMS");
	snprintf(sim_params, sizeof sim_params, "%s", env && *env ? env : "device=rtl");
	/* the platform must be there: this is the co-simulation stage */
	espfab_open_opts o = { .sa_slots = 4, .queue_depth = 4, .params = sim_params };
	espfab_dev *probe = NULL;
	if (espfab_open("sim", &o, &probe) != 0) {
		fprintf(stderr, "test_cosim: the sim engine does not open with '%s': %s\n", sim_params,
			espfab_open_error());
		return 1;
	}
	espfab_close(probe);
	printf("co-simulation on %s\n", sim_params);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_equivalence),
		cmocka_unit_test(test_full_ring),
		cmocka_unit_test(test_sa_change_inflight),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_moderation_engine),
		cmocka_unit_test(test_queues_threads),
		cmocka_unit_test(test_queues_limits),
		cmocka_unit_test(test_queues_reset),
		cmocka_unit_test(test_platform_dies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
