// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/base/loop.c: fd callbacks, removal during a
 * round, timers (order, periodic, stop, restart, a heap of many), signals
 * through the signalfd, the prepare hook. Assertions are about order and
 * counts, and lower bounds of elapsed time (a timer never fires early);
 * never about how fast the machine is. A watchdog timer bounds every run.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "base/clock.h"
#include "base/loop.h"

static struct loop *new_loop(void)
{
	struct loop *l;

	ck_assert_int_eq(loop_new(&l), 0);
	return l;
}

static void on_watchdog(struct loop *l, struct loop_timer *t, void *arg)
{
	ck_abort_msg("watchdog: the loop did not finish in time");
}

/* Starts a 10 s watchdog: a run that hangs fails instead. */
static void watchdog(struct loop *l, struct loop_timer *t)
{
	loop_timer_init(t, on_watchdog, NULL);
	ck_assert_int_eq(loop_timer_start(l, t, 10000, 0), 0);
}

/* ---- fds ---- */

struct fd_ctx {
	int calls;
	uint32_t events;
	int other; /* fd to remove when called, or -1 */
};

static void on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct fd_ctx *c = arg;
	char b;

	c->calls++;
	c->events = events;
	ck_assert_int_eq(read(fd, &b, 1), 1);
	if (c->other >= 0)
		ck_assert_int_eq(loop_del_fd(l, c->other), 0);
}

START_TEST(fd_ready)
{
	struct loop *l = new_loop();
	struct fd_ctx c = { .other = -1 };
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(loop_add_fd(l, p[0], EPOLLIN, on_fd, &c), 0);
	ck_assert_int_eq(loop_add_fd(l, p[0], EPOLLIN, on_fd, &c), -EEXIST);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 5000), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert(c.events & EPOLLIN);
	/* Nothing more to read: a short wait returns without a call. */
	ck_assert_int_eq(loop_run_once(l, 10), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(loop_mod_fd(l, p[0], EPOLLIN), 0);
	ck_assert_int_eq(loop_del_fd(l, p[0]), 0);
	ck_assert_int_eq(loop_del_fd(l, p[0]), -ENOENT);
	ck_assert_int_eq(loop_mod_fd(l, p[0], EPOLLIN), -ENOENT);
	/* Removed: its data is not delivered any more. */
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 10), 0);
	ck_assert_int_eq(c.calls, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}
END_TEST

/*
 * Two fds ready in the same round, each callback removes (and closes) the
 * other: exactly one runs, and the removed one's pending event is not
 * delivered to freed memory (ASan would see it).
 */
START_TEST(fd_removed_in_round)
{
	struct loop *l = new_loop();
	struct fd_ctx a = { 0 }, b = { 0 };
	int p[2], q[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	a.other = q[0];
	b.other = p[0];
	ck_assert_int_eq(loop_add_fd(l, p[0], EPOLLIN, on_fd, &a), 0);
	ck_assert_int_eq(loop_add_fd(l, q[0], EPOLLIN, on_fd, &b), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(write(q[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(l, 5000), 0);
	ck_assert_int_eq(a.calls + b.calls, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}
END_TEST

/* ---- timers ---- */

struct order {
	int seen[2048];
	int n;
	int stop_after;
};

struct tmr {
	struct loop_timer t;
	struct order *o;
	int id;
	struct tmr *victim; /* stopped when this one fires */
};

static void on_tmr(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tmr *m = arg;

	m->o->seen[m->o->n++] = m->id;
	if (m->victim)
		loop_timer_stop(l, &m->victim->t);
	if (m->o->n == m->o->stop_after)
		loop_stop(l);
}

static void tmr_init(struct tmr *m, struct order *o, int id)
{
	memset(m, 0, sizeof(*m));
	m->o = o;
	m->id = id;
	loop_timer_init(&m->t, on_tmr, m);
}

START_TEST(timer_order)
{
	struct loop *l = new_loop();
	struct order o = { .stop_after = 3 };
	struct tmr a, b, c;
	struct tmr *by_due[3] = { &a, &b, &c }, *tmp;
	struct loop_timer wd;
	uint64_t t0;

	watchdog(l, &wd);
	tmr_init(&a, &o, 1);
	tmr_init(&b, &o, 2);
	tmr_init(&c, &o, 3);
	t0 = clock_mono_ms();
	ck_assert_int_eq(loop_timer_start(l, &a.t, 30, 0), 0);
	ck_assert_int_eq(loop_timer_start(l, &b.t, 10, 0), 0);
	ck_assert_int_eq(loop_timer_start(l, &c.t, 20, 0), 0);
	ck_assert(loop_timer_running(&a.t));
	/*
	 * Started 30, 10 and 20 ms from now, so due in the order b, c, a,
	 * unless this thread lost the CPU for 10 ms or more between two starts
	 * (a loaded CI machine): the deadlines the loop set say which order is
	 * right, and it must be the deadlines' order either way.
	 */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (by_due[j]->t.due_ms < by_due[i]->t.due_ms ||
			    (by_due[j]->t.due_ms == by_due[i]->t.due_ms &&
			     by_due[j]->t.seq < by_due[i]->t.seq)) {
				tmp = by_due[i];
				by_due[i] = by_due[j];
				by_due[j] = tmp;
			}
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(o.n, 3);
	ck_assert_int_eq(o.seen[0], by_due[0]->id);
	ck_assert_int_eq(o.seen[1], by_due[1]->id);
	ck_assert_int_eq(o.seen[2], by_due[2]->id);
	ck_assert_uint_ge(clock_mono_ms() - t0, 30);
	ck_assert(!loop_timer_running(&a.t)); /* one-shot: done */
	loop_timer_stop(l, &wd);
	loop_free(l);
}
END_TEST

START_TEST(timer_periodic)
{
	struct loop *l = new_loop();
	struct order o = { .stop_after = 5 };
	struct tmr a;
	struct loop_timer wd;
	uint64_t t0;

	watchdog(l, &wd);
	tmr_init(&a, &o, 1);
	t0 = clock_mono_ms();
	ck_assert_int_eq(loop_timer_start(l, &a.t, 5, 5), 0);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(o.n, 5);
	ck_assert(loop_timer_running(&a.t)); /* periodic: still armed */
	ck_assert_uint_ge(clock_mono_ms() - t0, 25);
	loop_timer_stop(l, &a.t);
	ck_assert(!loop_timer_running(&a.t));
	loop_timer_stop(l, &wd);
	loop_free(l);
}
END_TEST

/* Two timers due in the same round, each stopping the other: one fires. */
START_TEST(timer_stopped_in_round)
{
	struct loop *l = new_loop();
	struct order o = { 0 };
	struct tmr a, b;

	tmr_init(&a, &o, 1);
	tmr_init(&b, &o, 2);
	a.victim = &b;
	b.victim = &a;
	ck_assert_int_eq(loop_timer_start(l, &a.t, 5, 0), 0);
	ck_assert_int_eq(loop_timer_start(l, &b.t, 5, 0), 0);
	/* Bounded: the timers are due after 5 ms; 4 rounds of up to 100 ms. */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(loop_run_once(l, 100), 0);
	ck_assert_int_eq(o.n, 1);
	ck_assert(!loop_timer_running(&a.t) && !loop_timer_running(&b.t));
	loop_free(l);
}
END_TEST

/* A restart moves a running timer; a restart with no delay runs once a round. */
static void on_again(struct loop *l, struct loop_timer *t, void *arg)
{
	(*(int *)arg)++;
	ck_assert_int_eq(loop_timer_start(l, t, 0, 0), 0);
}

START_TEST(timer_restart)
{
	struct loop *l = new_loop();
	struct order o = { .stop_after = 2 };
	struct tmr a, b;
	struct loop_timer again, wd;
	int n = 0;

	watchdog(l, &wd);
	tmr_init(&a, &o, 1);
	tmr_init(&b, &o, 2);
	ck_assert_int_eq(loop_timer_start(l, &a.t, 5, 0), 0);
	ck_assert_int_eq(loop_timer_start(l, &b.t, 20, 0), 0);
	ck_assert_int_eq(loop_timer_start(l, &a.t, 40, 0), 0); /* moved behind b */
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(o.seen[0], 2);
	ck_assert_int_eq(o.seen[1], 1);

	loop_timer_init(&again, on_again, &n);
	ck_assert_int_eq(loop_timer_start(l, &again, 0, 0), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(loop_run_once(l, 1000), 0);
	ck_assert_int_eq(n, 3);
	loop_timer_stop(l, &again);
	loop_timer_stop(l, &wd);
	loop_free(l);
}
END_TEST

/* Many timers, a third stopped again: the rest fire in due order. */
START_TEST(timer_heap)
{
	enum { N = 600 };
	struct loop *l = new_loop();
	struct order *o = calloc(1, sizeof(*o));
	struct tmr *m = calloc(N, sizeof(*m));
	uint64_t *due = calloc(N, sizeof(*due));
	struct loop_timer wd;
	int stopped = 0;

	ck_assert(o && m && due);
	srandom(6);
	watchdog(l, &wd);
	for (int i = 0; i < N; i++) {
		tmr_init(&m[i], o, i);
		ck_assert_int_eq(loop_timer_start(l, &m[i].t, (uint64_t)(random() % 40), 0), 0);
		due[i] = m[i].t.due_ms;
	}
	for (int i = 0; i < N; i += 3) {
		loop_timer_stop(l, &m[i].t);
		stopped++;
	}
	o->stop_after = N - stopped;
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(o->n, N - stopped);
	for (int k = 0; k < o->n; k++) {
		ck_assert_int_ne(o->seen[k] % 3, 0);
		if (k)
			ck_assert_uint_le(due[o->seen[k - 1]], due[o->seen[k]]);
	}
	loop_timer_stop(l, &wd);
	loop_free(l);
	free(o);
	free(m);
	free(due);
}
END_TEST

/* ---- signals ---- */

static void on_sig(struct loop *l, int signo, void *arg)
{
	*(int *)arg = signo;
}

START_TEST(signal_delivery)
{
	struct loop *l = new_loop();
	sigset_t now;
	int got = 0;

	ck_assert_int_eq(loop_add_signal(l, SIGUSR1, on_sig, &got), 0);
	ck_assert_int_eq(loop_add_signal(l, SIGUSR1, on_sig, &got), -EEXIST);
	ck_assert_int_eq(loop_add_signal(l, 0, on_sig, &got), -EINVAL);
	ck_assert_int_eq(loop_add_signal(l, SIGUSR2, on_sig, &got), 0);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	ck_assert(sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2));
	/* Blocked: it waits in the signalfd instead of killing us. */
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(loop_run_once(l, 5000), 0);
	ck_assert_int_eq(got, SIGUSR1);
	got = 0;
	ck_assert_int_eq(kill(getpid(), SIGUSR2), 0);
	ck_assert_int_eq(loop_run_once(l, 5000), 0);
	ck_assert_int_eq(got, SIGUSR2);
	loop_free(l);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	ck_assert(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
}
END_TEST

/* ---- prepare hook ---- */

static int prepare_calls;

static int on_prepare(struct loop *l, void *arg)
{
	prepare_calls++;
	if (prepare_calls == 3)
		loop_stop(l);
	return *(int *)arg;
}

START_TEST(prepare_hook)
{
	struct loop *l = new_loop();
	struct loop_timer wd;
	int wish = 0;
	uint64_t t0;

	watchdog(l, &wd);
	prepare_calls = 0;
	loop_set_prepare(l, on_prepare, &wish);
	/* Nothing to wait for, and the hook says "don't sleep": rounds go on. */
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_int_eq(prepare_calls, 3);
	ck_assert(!loop_stopped(l));
	/* The hook bounds the wait even with nothing else to wake up for. */
	wish = 20;
	t0 = clock_mono_ms();
	ck_assert_int_eq(loop_run_once(l, -1), 0);
	ck_assert_int_eq(prepare_calls, 4);
	ck_assert_uint_ge(clock_mono_ms() - t0, 19);
	ck_assert_uint_ge(loop_now_ms(l), t0);
	loop_set_prepare(l, NULL, NULL);
	loop_timer_stop(l, &wd);
	loop_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, fd_ready);
	tcase_add_test(tc, fd_removed_in_round);
	tcase_add_test(tc, timer_order);
	tcase_add_test(tc, timer_periodic);
	tcase_add_test(tc, timer_stopped_in_round);
	tcase_add_test(tc, timer_restart);
	tcase_add_test(tc, timer_heap);
	tcase_add_test(tc, signal_delivery);
	tcase_add_test(tc, prepare_hook);
	return unit_run(s, tc);
}
