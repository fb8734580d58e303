// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - the epoll event loop (see loop.h).
 *
 * Timers sit in a binary min-heap by due time (a hub has a few timers per
 * peer, thousands in all); each timer knows its heap slot, so stopping or
 * moving one is O(log n) without a search. File descriptors are few: a
 * list. An fd removed while a round is being dispatched may still have an
 * event in that round's batch, so its entry is only marked dead and freed
 * when the round ends.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "base/clock.h"
#include "base/loop.h"

#define LOOP_BATCH 64

struct loop_fd {
	int fd;
	bool dead;
	loop_fd_fn fn;
	void *arg;
	struct loop_fd *next;
};

struct loop_sig {
	loop_signal_fn fn;
	void *arg;
};

struct loop {
	int epfd;
	int sigfd;	  /* -1 until the first loop_add_signal() */
	sigset_t sigs;	  /* signals delivered through sigfd */
	sigset_t unblock; /* of those, the ones we blocked: unblocked by loop_free() */
	struct loop_sig sig[NSIG];
	struct loop_fd *fds;  /* live */
	struct loop_fd *dead; /* removed this round, freed at its end */
	struct loop_timer **heap;
	size_t n_timers, cap_timers;
	loop_prepare_fn prepare;
	void *prepare_arg;
	uint64_t now_ms;
	uint64_t timer_seq; /* loop_timer_start() calls so far */
	bool stop;
};

/* ---- timer heap ---- */

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (l->heap[parent]->due_ms <= t->due_ms)
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void sift_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n_timers)
			break;
		if (c + 1 < l->n_timers && l->heap[c + 1]->due_ms < l->heap[c]->due_ms)
			c++;
		if (t->due_ms <= l->heap[c]->due_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->slot - 1;
	struct loop_timer *last = l->heap[--l->n_timers];

	t->slot = 0;
	if (last == t)
		return;
	heap_set(l, i, last);
	if (i > 0 && l->heap[(i - 1) / 2]->due_ms > last->due_ms)
		sift_up(l, i);
	else
		sift_down(l, i);
}

/* Needs room: the caller made sure n_timers < cap_timers. */
static void heap_insert(struct loop *l, struct loop_timer *t)
{
	l->heap[l->n_timers] = t;
	sift_up(l, l->n_timers++);
}

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t delay_ms, uint64_t period_ms)
{
	if (t->slot) {
		heap_remove(l, t);
	} else if (l->n_timers == l->cap_timers) {
		size_t cap = l->cap_timers ? l->cap_timers * 2 : 16;
		struct loop_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap_timers = cap;
	}
	t->due_ms = clock_mono_ms() + delay_ms;
	t->period_ms = period_ms;
	t->seq = ++l->timer_seq;
	heap_insert(l, t);
	return 0;
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	if (t->slot)
		heap_remove(l, t);
}

bool loop_timer_running(const struct loop_timer *t)
{
	return t->slot != 0;
}

/*
 * Runs the timers that are due, each at most once a round: a timer
 * (re)started by a callback of this round waits for the next round, after
 * the fds had their turn, so a callback that restarts its own timer with no
 * delay cannot keep the loop here. (Such a timer at the top of the heap
 * holds back the due ones behind it by one round; the next round does not
 * sleep, as they are due.)
 */
static void run_timers(struct loop *l)
{
	uint64_t started = l->timer_seq;

	while (l->n_timers && l->heap[0]->due_ms <= l->now_ms && l->heap[0]->seq <= started) {
		struct loop_timer *t = l->heap[0];

		heap_remove(l, t);
		if (t->period_ms) {
			/* After a stall, skip the missed ticks instead of bursting. */
			t->due_ms += t->period_ms;
			if (t->due_ms <= l->now_ms)
				t->due_ms = l->now_ms + t->period_ms;
			heap_insert(l, t); /* the slot it left is free */
		}
		t->fn(l, t, t->arg);
	}
}

/* ---- file descriptors ---- */

static struct loop_fd *find_fd(struct loop *l, int fd, struct loop_fd ***link)
{
	struct loop_fd **p;

	for (p = &l->fds; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_fd *h;

	if (find_fd(l, fd, NULL))
		return -EEXIST;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->fn = fn;
	h->arg = arg;
	ev.data.ptr = h;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(h);
		return r;
	}
	h->next = l->fds;
	l->fds = h;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct loop_fd *h = find_fd(l, fd, NULL);
	struct epoll_event ev = { .events = events };

	if (!h)
		return -ENOENT;
	ev.data.ptr = h;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd **link, *h = find_fd(l, fd, &link);

	if (!h)
		return -ENOENT;
	/* Fails with EBADF if the caller closed it already: gone either way. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*link = h->next;
	h->dead = true;
	h->next = l->dead;
	l->dead = h;
	return 0;
}

static void free_list(struct loop_fd *h)
{
	while (h) {
		struct loop_fd *next = h->next;

		free(h);
		h = next;
	}
}

/* ---- signals ---- */

static void on_signalfd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		struct loop_sig *s;

		if (si.ssi_signo >= NSIG)
			continue;
		s = &l->sig[si.ssi_signo];
		if (s->fn)
			s->fn(l, (int)si.ssi_signo, s->arg);
	}
}

int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	sigset_t one, old;
	int fd, r;

	if (signo <= 0 || signo >= NSIG || !fn)
		return -EINVAL;
	if (l->sig[signo].fn)
		return -EEXIST;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, &old) < 0)
		return -errno;
	if (!sigismember(&old, signo))
		sigaddset(&l->unblock, signo);
	sigaddset(&l->sigs, signo);
	fd = signalfd(l->sigfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto undo;
	}
	if (l->sigfd < 0) {
		r = loop_add_fd(l, fd, EPOLLIN, on_signalfd, NULL);
		if (r) {
			close(fd);
			goto undo;
		}
		l->sigfd = fd;
	}
	l->sig[signo].fn = fn;
	l->sig[signo].arg = arg;
	return 0;
undo:
	sigdelset(&l->sigs, signo);
	if (sigismember(&l->unblock, signo)) {
		sigdelset(&l->unblock, signo);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
	}
	return r;
}

void loop_defer_signal(int signo)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, signo);
	sigprocmask(SIG_BLOCK, &one, NULL);
}

/* ---- the loop ---- */

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	l->sigfd = -1;
	sigemptyset(&l->sigs);
	sigemptyset(&l->unblock);
	l->now_ms = clock_mono_ms();
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	sigprocmask(SIG_UNBLOCK, &l->unblock, NULL);
	close(l->epfd);
	for (size_t i = 0; i < l->n_timers; i++)
		l->heap[i]->slot = 0;
	free(l->heap);
	free_list(l->fds);
	free_list(l->dead);
	free(l);
}

void loop_set_prepare(struct loop *l, loop_prepare_fn fn, void *arg)
{
	l->prepare = fn;
	l->prepare_arg = arg;
}

/* The shorter of two waits, -1 meaning forever. */
static int shorter(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[LOOP_BATCH];
	int wait = timeout_ms, n;

	if (l->prepare)
		wait = shorter(wait, l->prepare(l, l->prepare_arg));
	if (l->n_timers) {
		uint64_t now = clock_mono_ms(), due = l->heap[0]->due_ms;
		uint64_t left = due > now ? due - now : 0;

		wait = shorter(wait, left > INT_MAX ? INT_MAX : (int)left);
	}
	n = epoll_wait(l->epfd, ev, LOOP_BATCH, wait);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	l->now_ms = clock_mono_ms();
	for (int i = 0; i < n; i++) {
		struct loop_fd *h = ev[i].data.ptr;

		if (!h->dead)
			h->fn(l, h->fd, ev[i].events, h->arg);
	}
	run_timers(l);
	free_list(l->dead);
	l->dead = NULL;
	return 0;
}

int loop_run(struct loop *l)
{
	int r = 0;

	while (!l->stop && !r)
		r = loop_run_once(l, -1);
	l->stop = false;
	return r;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

bool loop_stopped(const struct loop *l)
{
	return l->stop;
}

uint64_t loop_now_ms(const struct loop *l)
{
	return l->now_ms;
}
