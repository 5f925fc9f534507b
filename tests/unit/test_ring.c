/* Ring arithmetic (driver/ring.h) and the synchronous completion queue
 * (driver/sync_engine.c): numbered cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ring.h"
#include "sync_engine.h"

struct ring_case {
	uint32_t head, tail, size, used, free_;
};

static const struct ring_case ring_cases[] = {
	/* 1 */ { 0, 0, 8, 0, 7 },
	/* 2 */ { 7, 0, 8, 7, 0 },  /* full: one slot stays free */
	/* 3 */ { 0, 1, 8, 7, 0 },  /* full across the wrap */
	/* 4 */ { 3, 5, 8, 6, 1 },
	/* 5 */ { 5, 3, 8, 2, 5 },
	/* 6 */ { 2, 2, 5, 0, 4 },  /* not a power of two */
	/* 7 */ { 1, 2, 5, 4, 0 },
	/* 8 */ { 0, 0, 2, 0, 1 },  /* smallest ring: one entry */
	/* 9 */ { 1, 0, 2, 1, 0 },
};

static void test_ring_used_free(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof ring_cases / sizeof ring_cases[0]; i++) {
		const struct ring_case *c = &ring_cases[i];
		assert_int_equal(ring_used(c->head, c->tail, c->size), c->used);
		assert_int_equal(ring_free(c->head, c->tail, c->size), c->free_);
	}
}

static void test_ring_next(void **s)
{
	(void)s;
	assert_int_equal(ring_next(0, 1, 8), 1);
	assert_int_equal(ring_next(7, 1, 8), 0);
	assert_int_equal(ring_next(6, 5, 8), 3);
	assert_int_equal(ring_next(4, 0, 5), 4);
	assert_int_equal(ring_next(4, 5, 5), 4);
}

static espfab_cpl_t cpl_with(uint64_t cookie)
{
	espfab_cpl_t c = { 0 };
	c.cookie = cookie;
	return c;
}

static void test_queue_order_and_full(void **s)
{
	(void)s;
	struct sync_queue q;
	espfab_cpl_t out[8];

	assert_int_equal(sync_queue_init(&q, 0), -22);
	assert_int_equal(sync_queue_init(&q, 3), 0);
	assert_int_equal(sync_queue_space(&q), 3);
	/* Wrap the ring several times; order must be kept and nothing lost. */
	uint64_t next_in = 0, next_out = 0;
	for (int round = 0; round < 10; round++) {
		while (sync_queue_space(&q)) {
			espfab_cpl_t c = cpl_with(next_in++);
			sync_queue_push(&q, &c);
		}
		unsigned n = sync_queue_pop(&q, out, (unsigned)(round % 3) + 1);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(out[i].cookie, next_out++);
	}
	unsigned n = sync_queue_pop(&q, out, 8);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(out[i].cookie, next_out++);
	assert_int_equal(next_in, next_out);
	assert_int_equal(sync_queue_pop(&q, out, 8), 0);
	sync_queue_fini(&q);
	sync_queue_fini(&q); /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_used_free),
		cmocka_unit_test(test_ring_next),
		cmocka_unit_test(test_queue_order_and_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
