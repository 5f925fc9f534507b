/* host/evloop.{c,h}: timer ordering (numbered table), equal deadlines,
 * stop/restart/free inside callbacks, periodic phase, many timers against a
 * reference order, fd watchers (deletion of a pending watcher), signals via
 * signalfd, and a short run on the real monotonic clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static evloop *new_loop(void)
{
	evloop *l;
	assert_int_equal(evloop_new(&l), 0);
	fake_now = 1000;
	evloop_set_clock(l, fake_clock, NULL);
	return l;
}

/* Record of fired timers. */
#define MAX_LOG 64
struct rec {
	int id[MAX_LOG];
	uint64_t at[MAX_LOG];
	int n;
};
static struct rec rec;

struct tt {
	evloop_timer t;
	int id;
};

static void record_cb(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct tt *x = arg;
	if (rec.n < MAX_LOG) {
		rec.id[rec.n] = x->id;
		rec.at[rec.n] = fake_now;
	}
	rec.n++;
}

/* Advance the fake clock to `to` in one step and run one iteration. */
static void advance(evloop *l, uint64_t to)
{
	fake_now = to;
	assert_true(evloop_run_once(l, 0) >= 0);
}

/* ---- 1: ordering table ---- */
struct order_case {
	int n;
	struct {
		uint64_t delay, period;
	} timers[6];
	int ntimers;
	uint64_t steps[6]; /* clock offsets to jump to, in order */
	int nsteps;
	const char *expect; /* ids fired, in order, as digits; '|' between steps */
};

static const struct order_case order_cases[] = {
	/* 1: three one-shots out of order, all due at once: by deadline */
	{ 1, { { 30, 0 }, { 10, 0 }, { 20, 0 } }, 3, { 100 }, 1, "231" },
	/* 2: fired step by step */
	{ 2, { { 30, 0 }, { 10, 0 }, { 20, 0 } }, 3, { 10, 20, 30 }, 3, "2|3|1" },
	/* 3: nothing before its deadline */
	{ 3, { { 50, 0 } }, 1, { 49, 50, 51 }, 3, "|1|" },
	/* 4: equal deadlines keep start order */
	{ 4, { { 5, 0 }, { 5, 0 }, { 5, 0 }, { 5, 0 } }, 4, { 5 }, 1, "1234" },
	/* 5: periodic 10 beside one-shot 15 */
	{ 5, { { 10, 10 }, { 15, 0 } }, 2, { 10, 15, 20, 30 }, 4, "1|2|1|1" },
	/* 6: periodic skips missed periods: one call at 35, next at 40 */
	{ 6, { { 10, 10 } }, 1, { 35, 39, 40 }, 3, "1||1" },
	/* 7: zero delay fires at the next iteration */
	{ 7, { { 0, 0 }, { 1, 0 } }, 2, { 0, 1 }, 2, "1|2" },
	/* 8: a periodic timer due at once with period 1 fires once per pass */
	{ 8, { { 0, 1 } }, 1, { 0, 0, 5 }, 3, "1||1" },
};

static void test_order_table(void **s)
{
	(void)s;
	for (size_t c = 0; c < sizeof order_cases / sizeof order_cases[0]; c++) {
		const struct order_case *oc = &order_cases[c];
		evloop *l = new_loop();
		uint64_t base = fake_now;
		struct tt tt[6];
		memset(&rec, 0, sizeof rec);
		for (int i = 0; i < oc->ntimers; i++) {
			tt[i].id = i + 1;
			evloop_timer_init(&tt[i].t, record_cb, &tt[i]);
			assert_int_equal(evloop_timer_start(l, &tt[i].t, oc->timers[i].delay, oc->timers[i].period), 0);
		}
		char got[128] = "";
		for (int st = 0; st < oc->nsteps; st++) {
			int before = rec.n;
			advance(l, base + oc->steps[st]);
			if (st)
				strcat(got, "|");
			for (int k = before; k < rec.n; k++) {
				char d[2] = { (char)('0' + rec.id[k]), 0 };
				strcat(got, d);
			}
		}
		if (strcmp(got, oc->expect) != 0)
			fail_msg("case %d: fired \"%s\", expected \"%s\"", oc->n, got, oc->expect);
		for (int i = 0; i < oc->ntimers; i++)
			evloop_timer_stop(l, &tt[i].t);
		assert_int_equal(evloop_timer_count(l), 0);
		evloop_free(l);
	}
}

/* ---- stop / restart / free in callbacks ---- */

struct pair {
	evloop_timer a, b;
	int fired_a, fired_b;
};

static void a_stops_b(evloop *l, evloop_timer *t, void *arg)
{
	(void)t;
	struct pair *p = arg;
	p->fired_a++;
	evloop_timer_stop(l, &p->b);
}

static void b_count(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	((struct pair *)arg)->fired_b++;
}

static void test_stop_other_in_callback(void **s)
{
	(void)s;
	evloop *l = new_loop();
	struct pair p = { 0 };
	evloop_timer_init(&p.a, a_stops_b, &p);
	evloop_timer_init(&p.b, b_count, &p);
	evloop_timer_start(l, &p.a, 10, 0);
	evloop_timer_start(l, &p.b, 10, 0); /* same deadline, after a */
	advance(l, fake_now + 10);
	assert_int_equal(p.fired_a, 1);
	assert_int_equal(p.fired_b, 0);
	assert_false(evloop_timer_armed(&p.b));
	advance(l, fake_now + 100);
	assert_int_equal(p.fired_b, 0);
	evloop_free(l);
}

static int self_stop_count;
static void periodic_self_stop(evloop *l, evloop_timer *t, void *arg)
{
	(void)arg;
	if (++self_stop_count == 3)
		evloop_timer_stop(l, t);
}

static void test_periodic_stops_itself(void **s)
{
	(void)s;
	evloop *l = new_loop();
	evloop_timer t;
	self_stop_count = 0;
	evloop_timer_init(&t, periodic_self_stop, NULL);
	evloop_timer_start(l, &t, 5, 5);
	for (int i = 1; i <= 10; i++)
		advance(l, 1000 + 5u * (uint64_t)i);
	assert_int_equal(self_stop_count, 3);
	assert_false(evloop_timer_armed(&t));
	evloop_free(l);
}

/* A heap-allocated object whose timer callback frees it (ASan checks that
 * the loop touches nothing afterwards). */
struct obj {
	evloop_timer t;
	int *freed;
};
static void free_me(evloop *l, evloop_timer *t, void *arg)
{
	struct obj *o = arg;
	evloop_timer_stop(l, t); /* no-op for one-shot, needed for periodic */
	(*o->freed)++;
	free(o);
}

static void test_free_in_callback(void **s)
{
	(void)s;
	evloop *l = new_loop();
	int freed = 0;
	for (int per = 0; per <= 1; per++) {
		struct obj *o = malloc(sizeof *o);
		assert_non_null(o);
		o->freed = &freed;
		evloop_timer_init(&o->t, free_me, o);
		evloop_timer_start(l, &o->t, 1, per ? 1 : 0);
	}
	advance(l, fake_now + 1);
	assert_int_equal(freed, 2);
	assert_int_equal(evloop_timer_count(l), 0);
	evloop_free(l);
}

static int restarts;
static void restart_self(evloop *l, evloop_timer *t, void *arg)
{
	(void)arg;
	if (++restarts < 3)
		assert_int_equal(evloop_timer_start(l, t, 0, 0), 0);
}

static void test_restart_in_callback(void **s)
{
	(void)s;
	evloop *l = new_loop();
	evloop_timer t;
	restarts = 0;
	evloop_timer_init(&t, restart_self, NULL);
	evloop_timer_start(l, &t, 0, 0);
	/* Each pass runs it once: a timer armed during a pass waits. */
	assert_int_equal(evloop_run_once(l, 0), 1);
	assert_int_equal(restarts, 1);
	assert_int_equal(evloop_run_once(l, 0), 1);
	assert_int_equal(evloop_run_once(l, 0), 1);
	assert_int_equal(restarts, 3);
	assert_int_equal(evloop_run_once(l, 0), 0);
	evloop_free(l);
}

static void test_restart_moves_deadline(void **s)
{
	(void)s;
	evloop *l = new_loop();
	struct tt a = { .id = 1 };
	memset(&rec, 0, sizeof rec);
	evloop_timer_init(&a.t, record_cb, &a);
	evloop_timer_start(l, &a.t, 10, 0);
	assert_int_equal(evloop_timer_remaining(l, &a.t), 10);
	fake_now += 5;
	evloop_timer_start(l, &a.t, 10, 0); /* re-arm: now due at +15 */
	assert_int_equal(evloop_timer_count(l), 1);
	advance(l, fake_now + 9);
	assert_int_equal(rec.n, 0);
	advance(l, fake_now + 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(evloop_timer_remaining(l, &a.t), 0);
	evloop_free(l);
}

/* ---- many timers against a reference ---- */

#define MANY 20000
struct many {
	evloop_timer t;
	uint64_t deadline;
	uint64_t start_order;
	int fired;
	bool cancelled;
};
static uint64_t last_deadline, last_order;
static int many_fired, many_bad;
static void many_cb(evloop *l, evloop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	struct many *m = arg;
	m->fired++;
	many_fired++;
	if (m->cancelled || fake_now < m->deadline)
		many_bad++;
	/* globally non-decreasing (deadline, start order) */
	if (m->deadline < last_deadline || (m->deadline == last_deadline && m->start_order < last_order))
		many_bad++;
	last_deadline = m->deadline;
	last_order = m->start_order;
}

static uint64_t rng = 0x1234567;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_many_timers(void **s)
{
	(void)s;
	evloop *l = new_loop();
	struct many *m = calloc(MANY, sizeof *m);
	assert_non_null(m);
	uint64_t base = fake_now;
	for (int i = 0; i < MANY; i++) {
		evloop_timer_init(&m[i].t, many_cb, &m[i]);
		uint64_t d = rnd() % 5000;
		m[i].deadline = base + d;
		m[i].start_order = (uint64_t)i;
		assert_int_equal(evloop_timer_start(l, &m[i].t, d, 0), 0);
	}
	/* restart a tenth (new deadline, new order) and cancel a third */
	int expect = MANY;
	for (int i = 0; i < MANY; i += 10) {
		uint64_t d = rnd() % 5000;
		m[i].deadline = base + d;
		m[i].start_order = (uint64_t)MANY + (uint64_t)i;
		evloop_timer_start(l, &m[i].t, d, 0);
	}
	for (int i = 0; i < MANY; i++) {
		if (rnd() % 3 == 0) {
			evloop_timer_stop(l, &m[i].t);
			evloop_timer_stop(l, &m[i].t); /* idempotent */
			m[i].cancelled = true;
			expect--;
		}
	}
	assert_int_equal(evloop_timer_count(l), (size_t)expect);
	last_deadline = 0;
	last_order = 0;
	many_fired = many_bad = 0;
	while (fake_now < base + 5000)
		advance(l, fake_now + 1 + rnd() % 97);
	assert_int_equal(many_bad, 0);
	assert_int_equal(many_fired, expect);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(m[i].fired, m[i].cancelled ? 0 : 1);
	assert_int_equal(evloop_timer_count(l), 0);
	free(m);
	evloop_free(l);
}

/* ---- fd watchers ---- */

struct fdt {
	evloop_fd *w[2];
	int fds[2][2];
	int called[2];
	unsigned events[2];
};

static void fd_cb_del_other(evloop *l, evloop_fd *w, int fd, unsigned events, void *arg)
{
	struct fdt *f = arg;
	int me = (w == f->w[0]) ? 0 : 1;
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	f->called[me]++;
	f->events[me] = events;
	evloop_fd_del(l, f->w[1 - me]); /* its event is pending in this wait */
}

static void test_fd_delete_pending(void **s)
{
	(void)s;
	evloop *l = new_loop();
	struct fdt f = { 0 };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pipe(f.fds[i]), 0);
		assert_int_equal(evloop_fd_add(l, f.fds[i][0], EVLOOP_IN, fd_cb_del_other, &f, &f.w[i]), 0);
		assert_int_equal(write(f.fds[i][1], "x", 1), 1);
	}
	assert_int_equal(evloop_run_once(l, 1000), 1);
	assert_int_equal(f.called[0] + f.called[1], 1);
	int me = f.called[0] ? 0 : 1;
	assert_int_equal(f.events[me], EVLOOP_IN);
	/* the survivor still works; the deleted one is never called */
	assert_int_equal(write(f.fds[0][1], "y", 1), 1);
	assert_int_equal(write(f.fds[1][1], "y", 1), 1);
	evloop_fd_del(l, f.w[me]);
	assert_int_equal(evloop_run_once(l, 0), 0);
	for (int i = 0; i < 2; i++) {
		close(f.fds[i][0]);
		close(f.fds[i][1]);
	}
	evloop_free(l);
}

static int hup_events;
static void fd_hup_cb(evloop *l, evloop_fd *w, int fd, unsigned events, void *arg)
{
	(void)fd;
	(void)arg;
	hup_events = (int)events;
	evloop_fd_del(l, w); /* delete itself */
}

static void test_fd_hangup_and_mod(void **s)
{
	(void)s;
	evloop *l = new_loop();
	int p[2];
	assert_int_equal(pipe(p), 0);
	evloop_fd *w;
	/* write end watched for OUT: writable at once */
	assert_int_equal(evloop_fd_add(l, p[1], EVLOOP_OUT, fd_hup_cb, NULL, &w), 0);
	assert_int_equal(evloop_run_once(l, 0), 1);
	assert_int_equal(hup_events, EVLOOP_OUT);
	/* read end watched with no events asked: hang-up still reported */
	assert_int_equal(evloop_fd_add(l, p[0], EVLOOP_IN, fd_hup_cb, NULL, &w), 0);
	assert_int_equal(evloop_fd_mod(l, w, 0), 0);
	close(p[1]);
	assert_int_equal(evloop_run_once(l, 1000), 1);
	assert_true(hup_events & EVLOOP_ERR);
	close(p[0]);
	assert_int_equal(evloop_fd_add(l, -1, EVLOOP_IN, fd_hup_cb, NULL, NULL), -EINVAL);
	evloop_free(l);
}

/* ---- signals ---- */

static int got_signo;
static void sig_cb(evloop *l, int signo, void *arg)
{
	(void)arg;
	got_signo = signo;
	evloop_stop(l);
}

static void test_signal(void **s)
{
	(void)s;
	evloop *l;
	assert_int_equal(evloop_new(&l), 0);
	assert_int_equal(evloop_signal_add(l, SIGUSR1, sig_cb, NULL), 0);
	assert_int_equal(evloop_signal_add(l, SIGUSR2, sig_cb, NULL), 0);
	assert_int_equal(evloop_signal_add(l, SIGKILL, sig_cb, NULL), -EINVAL);
	got_signo = 0;
	assert_int_equal(raise(SIGUSR2), 0); /* blocked: stays pending, no death */
	assert_int_equal(evloop_run(l), 0);
	assert_int_equal(got_signo, SIGUSR2);
	assert_true(evloop_stopped(l));
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	assert_true(sigismember(&cur, SIGUSR1));
	evloop_free(l);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	assert_false(sigismember(&cur, SIGUSR1));
	assert_false(sigismember(&cur, SIGUSR2));
}

/* ---- the real clock ---- */

struct real {
	evloop_timer t[3];
	uint64_t start, at[3];
	int order[3], n;
};
static void real_cb(evloop *l, evloop_timer *t, void *arg)
{
	struct real *r = arg;
	int i = (int)(t - r->t);
	r->at[i] = evloop_monotonic_ms();
	r->order[r->n++] = i;
	if (r->n == 3)
		evloop_stop(l);
}

static void test_real_clock(void **s)
{
	(void)s;
	evloop *l;
	assert_int_equal(evloop_new(&l), 0);
	struct real r = { .n = 0 };
	static const uint64_t delay[3] = { 60, 20, 40 };
	r.start = evloop_monotonic_ms();
	for (int i = 0; i < 3; i++) {
		evloop_timer_init(&r.t[i], real_cb, &r);
		evloop_timer_start(l, &r.t[i], delay[i], 0);
	}
	assert_int_equal(evloop_run(l), 0);
	assert_int_equal(r.order[0], 1);
	assert_int_equal(r.order[1], 2);
	assert_int_equal(r.order[2], 0);
	for (int i = 0; i < 3; i++)
		assert_true(r.at[i] - r.start >= delay[i]);
	evloop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_table),
		cmocka_unit_test(test_stop_other_in_callback),
		cmocka_unit_test(test_periodic_stops_itself),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_restart_in_callback),
		cmocka_unit_test(test_restart_moves_deadline),
		cmocka_unit_test(test_many_timers),
		cmocka_unit_test(test_fd_delete_pending),
		cmocka_unit_test(test_fd_hangup_and_mod),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_real_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
