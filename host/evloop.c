/* evloop — epoll + timer heap + signalfd; see evloop.h. */
#include "evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64

struct evloop_fd {
	int fd;
	unsigned events;
	evloop_fd_cb cb;
	void *arg;
	bool dead;                      /* deleted; freed after the current dispatch */
	struct evloop_fd *prev, *next;  /* all live watchers */
	struct evloop_fd *next_dead;
};

struct evloop {
	int epfd;
	bool stop;

	struct evloop_fd *fds;          /* live watchers */
	struct evloop_fd *dead;         /* deleted, not yet freed */

	evloop_timer **heap;
	size_t n_timers, heap_cap;
	uint64_t timer_seq;

	uint64_t (*now_fn)(void *);
	void *now_arg;

	int sigfd;
	evloop_fd *sigw;
	sigset_t sigmask, old_mask;
	bool mask_saved;
	struct {
		evloop_signal_cb cb;
		void *arg;
	} sig[_NSIG];
};

uint64_t evloop_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t evloop_now(evloop *loop)
{
	return loop->now_fn ? loop->now_fn(loop->now_arg) : evloop_monotonic_ms();
}

void evloop_set_clock(evloop *loop, uint64_t (*now)(void *arg), void *arg)
{
	loop->now_fn = now;
	loop->now_arg = arg;
}

int evloop_new(evloop **out)
{
	*out = NULL;
	evloop *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		free(l);
		return -e;
	}
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	*out = l;
	return 0;
}

static void free_dead(evloop *l)
{
	while (l->dead) {
		struct evloop_fd *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
}

void evloop_free(evloop *l)
{
	if (!l)
		return;
	while (l->fds)
		evloop_fd_del(l, l->fds);
	free_dead(l);
	for (size_t i = 0; i < l->n_timers; i++)
		l->heap[i]->heap_idx = EVLOOP_TIMER_IDLE;
	free(l->heap);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->mask_saved)
		sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	close(l->epfd);
	free(l);
}

/* ---- fd watchers ---- */

static uint32_t to_epoll(unsigned ev)
{
	return ((ev & EVLOOP_IN) ? EPOLLIN : 0u) | ((ev & EVLOOP_OUT) ? EPOLLOUT : 0u);
}

int evloop_fd_add(evloop *l, int fd, unsigned events, evloop_fd_cb cb, void *arg, evloop_fd **out)
{
	if (out)
		*out = NULL;
	if (fd < 0 || !cb)
		return -EINVAL;
	struct evloop_fd *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(w);
		return -e;
	}
	w->next = l->fds;
	if (l->fds)
		l->fds->prev = w;
	l->fds = w;
	if (out)
		*out = w;
	return 0;
}

int evloop_fd_mod(evloop *l, evloop_fd *w, unsigned events)
{
	if (!w || w->dead)
		return -EINVAL;
	if (w->events == events)
		return 0;
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void evloop_fd_del(evloop *l, evloop_fd *w)
{
	if (!w || w->dead)
		return;
	/* The fd may already be closed by a careless caller; the watcher
	 * goes away all the same. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	if (w->prev)
		w->prev->next = w->next;
	else
		l->fds = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next_dead = l->dead;
	l->dead = w;
}

/* ---- timers: binary min-heap on (deadline, seq) ---- */

static bool earlier(const evloop_timer *a, const evloop_timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(evloop *l, size_t i, evloop_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void sift_up(evloop *l, size_t i)
{
	evloop_timer *t = l->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!earlier(t, l->heap[p]))
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void sift_down(evloop *l, size_t i)
{
	evloop_timer *t = l->heap[i];
	size_t n = l->n_timers;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && earlier(l->heap[c + 1], l->heap[c]))
			c++;
		if (!earlier(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(evloop *l, evloop_timer *t)
{
	size_t i = t->heap_idx;
	size_t last = --l->n_timers;
	t->heap_idx = EVLOOP_TIMER_IDLE;
	if (i == last)
		return;
	heap_set(l, i, l->heap[last]);
	if (i > 0 && earlier(l->heap[i], l->heap[(i - 1) / 2]))
		sift_up(l, i);
	else
		sift_down(l, i);
}

static int heap_insert(evloop *l, evloop_timer *t)
{
	if (l->n_timers == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : 16;
		evloop_timer **h = realloc(l->heap, cap * sizeof *h);
		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->heap_cap = cap;
	}
	heap_set(l, l->n_timers++, t);
	sift_up(l, t->heap_idx);
	return 0;
}

void evloop_timer_init(evloop_timer *t, evloop_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof *t);
	t->heap_idx = EVLOOP_TIMER_IDLE;
	t->cb = cb;
	t->arg = arg;
}

int evloop_timer_start(evloop *l, evloop_timer *t, uint64_t delay_ms, uint64_t period_ms)
{
	if (!t->cb)
		return -EINVAL;
	if (evloop_timer_armed(t))
		heap_remove(l, t);
	t->deadline = evloop_now(l) + delay_ms;
	t->period = period_ms;
	t->seq = l->timer_seq++;
	return heap_insert(l, t);
}

void evloop_timer_stop(evloop *l, evloop_timer *t)
{
	if (evloop_timer_armed(t))
		heap_remove(l, t);
}

uint64_t evloop_timer_remaining(evloop *l, const evloop_timer *t)
{
	if (!evloop_timer_armed(t))
		return 0;
	uint64_t now = evloop_now(l);
	return t->deadline > now ? t->deadline - now : 0;
}

size_t evloop_timer_count(const evloop *l)
{
	return l->n_timers;
}

/* Run every timer due at `now` that was armed before this pass began. */
static int run_timers(evloop *l)
{
	uint64_t now = evloop_now(l);
	uint64_t pass = l->timer_seq;
	int ran = 0;
	while (l->n_timers && !l->stop) {
		evloop_timer *t = l->heap[0];
		if (t->deadline > now || t->seq >= pass)
			break;
		heap_remove(l, t);
		if (t->period) {
			/* Re-arm before the callback, so the callback may stop
			 * it or free it; keep the phase, skip missed periods. */
			uint64_t next = t->deadline + t->period;
			if (next <= now)
				next += ((now - next) / t->period + 1) * t->period;
			t->deadline = next;
			t->seq = l->timer_seq++;
			if (heap_insert(l, t) < 0)
				t->heap_idx = EVLOOP_TIMER_IDLE; /* out of memory: it stops */
		}
		t->cb(l, t, t->arg);
		ran++;
	}
	return ran;
}

/* ---- signals ---- */

static void signal_ready(evloop *l, evloop_fd *w, int fd, unsigned events, void *arg)
{
	(void)w;
	(void)events;
	(void)arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		int signo = (int)si.ssi_signo;
		if (signo > 0 && signo < _NSIG && l->sig[signo].cb)
			l->sig[signo].cb(l, signo, l->sig[signo].arg);
	}
}

int evloop_signal_add(evloop *l, int signo, evloop_signal_cb cb, void *arg)
{
	if (signo <= 0 || signo >= _NSIG || !cb || signo == SIGKILL || signo == SIGSTOP)
		return -EINVAL;
	sigset_t mask = l->sigmask;
	sigaddset(&mask, signo);
	/* Block first, so the signal can no longer take its default action,
	 * then let the signalfd report it. */
	sigset_t old;
	if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
		return -errno;
	int fd = signalfd(l->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -e;
	}
	if (l->sigfd < 0) {
		l->sigfd = fd;
		int r = evloop_fd_add(l, fd, EVLOOP_IN, signal_ready, NULL, &l->sigw);
		if (r < 0) {
			close(fd);
			l->sigfd = -1;
			sigprocmask(SIG_SETMASK, &old, NULL);
			return r;
		}
	}
	if (!l->mask_saved) {
		l->old_mask = old;
		l->mask_saved = true;
	}
	l->sigmask = mask;
	l->sig[signo].cb = cb;
	l->sig[signo].arg = arg;
	return 0;
}

/* ---- running ---- */

int evloop_run_once(evloop *l, int timeout_ms)
{
	l->stop = false;
	int wait = timeout_ms;
	if (l->n_timers) {
		uint64_t now = evloop_now(l), dl = l->heap[0]->deadline;
		uint64_t until = dl > now ? dl - now : 0;
		if (until > (uint64_t)INT32_MAX)
			until = INT32_MAX;
		if (wait < 0 || (uint64_t)wait > until)
			wait = (int)until;
	}
	struct epoll_event ev[MAX_EVENTS];
	int n = epoll_wait(l->epfd, ev, MAX_EVENTS, wait);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	int ran = 0;
	for (int i = 0; i < n && !l->stop; i++) {
		struct evloop_fd *w = ev[i].data.ptr;
		if (w->dead)
			continue;
		unsigned e = 0;
		if (ev[i].events & EPOLLIN)
			e |= EVLOOP_IN;
		if (ev[i].events & EPOLLOUT)
			e |= EVLOOP_OUT;
		if (ev[i].events & (EPOLLERR | EPOLLHUP))
			e |= EVLOOP_ERR;
		w->cb(l, w, w->fd, e, w->arg);
		ran++;
	}
	free_dead(l);
	ran += run_timers(l);
	free_dead(l);
	return ran;
}

int evloop_run(evloop *l)
{
	do {
		int r = evloop_run_once(l, -1);
		if (r < 0)
			return r;
	} while (!l->stop);
	return 0;
}

void evloop_stop(evloop *l)
{
	l->stop = true;
}

bool evloop_stopped(const evloop *l)
{
	return l->stop;
}
