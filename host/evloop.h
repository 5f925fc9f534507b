/*
 * evloop — espfabd's single-threaded event loop (DESIGN.md decision 7):
 * epoll for file descriptors, a binary min-heap of timers on the monotonic
 * clock, and signals delivered through a signalfd.
 *
 * One iteration (evloop_run_once): wait in epoll_wait until a watched fd is
 * ready, the earliest timer is due or the caller's timeout passes; run the
 * fd callbacks of that wait; then run every timer that is due, earliest
 * deadline first (equal deadlines in the order they were started).  A timer
 * started or re-armed while timers are being run waits for the next
 * iteration, so a callback can never keep one pass going forever.
 *
 * Callbacks may do anything to the loop: add or remove watchers (including
 * their own and ones whose events are already pending in the same wait —
 * removal is deferred, a removed watcher is never called again), start and
 * stop timers (including the one running), stop the loop.
 *
 * Time: milliseconds of CLOCK_MONOTONIC.  Tests may replace the clock with
 * evloop_set_clock().
 *
 * Ownership: the loop owns fd watchers (evloop_fd, freed by evloop_fd_del or
 * evloop_free) but not the fds themselves: remove the watcher before closing
 * its fd.  Timers are owned by the caller (embed an evloop_timer in your
 * object); stop a timer before freeing its memory.  A callback may free the
 * object holding the running timer once it has stopped it (or, for a
 * one-shot timer, without stopping it: it is no longer armed when called).
 *
 * Signals: evloop_signal_add blocks the signal with sigprocmask and reads it
 * from the loop's signalfd, so handlers run as ordinary callbacks (no
 * async-signal restrictions).  evloop_free restores the previous mask.  The
 * process must be single-threaded (it is: decision 7).
 *
 * Errors: functions returning int return 0 or a negative errno value.
 */
#ifndef ESPFAB_HOST_EVLOOP_H
#define ESPFAB_HOST_EVLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evloop evloop;
typedef struct evloop_fd evloop_fd;
typedef struct evloop_timer evloop_timer;

/* Event bits for watchers and callbacks. */
#define EVLOOP_IN 0x1u  /* readable (or a listening socket has a connection) */
#define EVLOOP_OUT 0x2u /* writable */
#define EVLOOP_ERR 0x4u /* error or hang-up; reported whether asked for or not */

typedef void (*evloop_fd_cb)(evloop *loop, evloop_fd *w, int fd, unsigned events, void *arg);
typedef void (*evloop_timer_cb)(evloop *loop, evloop_timer *t, void *arg);
typedef void (*evloop_signal_cb)(evloop *loop, int signo, void *arg);

/* Caller-owned timer.  Fields are private to evloop.c. */
struct evloop_timer {
	uint64_t deadline; /* ms, loop clock */
	uint64_t period;   /* ms; 0 = one-shot */
	uint64_t seq;      /* start order, breaks ties between equal deadlines */
	size_t heap_idx;   /* position in the heap; EVLOOP_TIMER_IDLE when not armed */
	evloop_timer_cb cb;
	void *arg;
};
#define EVLOOP_TIMER_IDLE ((size_t)-1)

int evloop_new(evloop **out);
/* Frees watchers, disarms timers (their memory is the callers'), closes the
 * epoll and signal fds and restores the signal mask.  Accepts NULL. */
void evloop_free(evloop *loop);

/* Watch fd for `events` (EVLOOP_IN|EVLOOP_OUT).  *out (may be NULL) receives
 * the watcher handle for evloop_fd_mod / evloop_fd_del. */
int evloop_fd_add(evloop *loop, int fd, unsigned events, evloop_fd_cb cb, void *arg, evloop_fd **out);
int evloop_fd_mod(evloop *loop, evloop_fd *w, unsigned events);
/* Stop watching and free the watcher (deferred if called from a callback).
 * Accepts NULL.  Does not close the fd. */
void evloop_fd_del(evloop *loop, evloop_fd *w);

/* Timers.  init once; start arms (or re-arms) the timer to fire after
 * delay_ms and then, if period_ms != 0, every period_ms (a periodic timer
 * keeps its phase: next deadline = previous deadline + period, skipping
 * periods already missed).  stop disarms; it is idempotent. */
void evloop_timer_init(evloop_timer *t, evloop_timer_cb cb, void *arg);
int evloop_timer_start(evloop *loop, evloop_timer *t, uint64_t delay_ms, uint64_t period_ms);
void evloop_timer_stop(evloop *loop, evloop_timer *t);
static inline bool evloop_timer_armed(const evloop_timer *t) { return t->heap_idx != EVLOOP_TIMER_IDLE; }
/* Milliseconds until an armed timer fires (0 if due); 0 if not armed. */
uint64_t evloop_timer_remaining(evloop *loop, const evloop_timer *t);
size_t evloop_timer_count(const evloop *loop);

/* Deliver signo through the loop (one callback per signal number; adding it
 * again replaces the callback). */
int evloop_signal_add(evloop *loop, int signo, evloop_signal_cb cb, void *arg);

/* Run until a callback calls evloop_stop(); 0, or a negative errno if
 * epoll fails.  After evloop_stop() the current iteration runs no further
 * callbacks. */
int evloop_run(evloop *loop);
/* One iteration, waiting at most timeout_ms (-1: until an fd or timer).
 * Returns the number of callbacks run (>= 0) or a negative errno. */
int evloop_run_once(evloop *loop, int timeout_ms);
void evloop_stop(evloop *loop);
bool evloop_stopped(const evloop *loop);

/* The loop's clock (monotonic ms unless replaced). */
uint64_t evloop_now(evloop *loop);
/* Replace the clock (tests).  now == NULL restores CLOCK_MONOTONIC. */
void evloop_set_clock(evloop *loop, uint64_t (*now)(void *arg), void *arg);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t evloop_monotonic_ms(void);

#endif /* ESPFAB_HOST_EVLOOP_H */
