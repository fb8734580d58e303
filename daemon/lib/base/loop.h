/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loop.h - one epoll event loop per daemon: file descriptors, timers on the
 * monotonic clock, and signals through a signalfd, all dispatched from one
 * thread, so the state they touch needs no locks.
 *
 * A round of the loop: wait (until an fd is ready, the next timer is due,
 * or what the prepare hook allows), call the callbacks of the ready fds,
 * run the timers that are due, call the prepare hook, wait again. Callbacks
 * may add and remove fds and start and stop timers, also their own.
 *
 * Errors: 0 or a negative errno.
 */
#ifndef AVPN_BASE_LOOP_H
#define AVPN_BASE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_fn)(struct loop *l, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_fn)(struct loop *l, struct loop_timer *t, void *arg);
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *arg);
/* Returns the longest the loop may sleep, in ms: -1 = no limit, 0 = not at all. */
typedef int (*loop_prepare_fn)(struct loop *l, void *arg);

/*
 * A timer lives in its owner's struct; the loop only links it. Initialise
 * it once with loop_timer_init(), stop it before freeing it.
 */
struct loop_timer {
	uint64_t due_ms;    /* clock_mono_ms() when it fires next */
	uint64_t period_ms; /* 0 = one-shot */
	loop_timer_fn fn;
	void *arg;
	size_t slot;  /* position in the loop's heap + 1; 0 = not running */
	uint64_t seq; /* when it was (re)started, in loop_timer_start() calls */
};

int loop_new(struct loop **out);
/*
 * Closes the loop's own descriptors (not those added with loop_add_fd) and
 * unblocks the signals it took over. Running timers are forgotten.
 */
void loop_free(struct loop *l);

/* @events: EPOLLIN etc. One callback per fd; -EEXIST if @fd is known. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
/* Forgets @fd (the caller closes it); safe from any callback. -ENOENT if unknown. */
int loop_del_fd(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg);
/*
 * (Re)starts @t: first after @delay_ms, then every @period_ms (0 = once).
 * A running timer is moved. -ENOMEM if the heap cannot grow.
 */
int loop_timer_start(struct loop *l, struct loop_timer *t, uint64_t delay_ms, uint64_t period_ms);
/* Stops @t if it runs; a stopped timer is not called any more. */
void loop_timer_stop(struct loop *l, struct loop_timer *t);
bool loop_timer_running(const struct loop_timer *t);

/*
 * Delivers @signo to @fn through the loop's signalfd instead of a signal
 * handler; the signal is blocked for the process (the daemons have one
 * thread). -EEXIST if @signo already has a callback.
 */
int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);
/*
 * Blocks @signo for the process before any loop exists, so that one sent in
 * a daemon's first moments waits for loop_add_signal() instead of taking its
 * default action (SIGHUP's kills: a reload asked for by a configuration run
 * right after the start stopped the daemon). Call first thing in main(),
 * before any thread starts, so that threads inherit the mask.
 */
void loop_defer_signal(int signo);

/* Called once per round before the loop waits (NULL: none). */
void loop_set_prepare(struct loop *l, loop_prepare_fn fn, void *arg);

/* Runs rounds until loop_stop(). 0, or -errno if waiting failed. */
int loop_run(struct loop *l);
/* One round, waiting at most @timeout_ms (-1: as long as needed). */
int loop_run_once(struct loop *l, int timeout_ms);
/* Makes loop_run() return after the current round. */
void loop_stop(struct loop *l);
bool loop_stopped(const struct loop *l);

/* clock_mono_ms() as read when the current round woke up. */
uint64_t loop_now_ms(const struct loop *l);

#endif /* AVPN_BASE_LOOP_H */
