// SPDX-License-Identifier: GPL-2.0
/*
 * A request line read by the event loop (daemon/lib/base/looprecv.c), as
 * autovpnd reads its control clients, on unix stream socketpairs:
 *
 *  - a line that is there already ends the read before looprecv_line()
 *    returns, at its newline, and the socket comes back open;
 *  - a line that comes in parts, later: read by the loop, up to its
 *    newline; at the cap without one; at the writer's close;
 *  - a writer that sends a byte every 5 ms and never a newline (20 s'
 *    worth, and never a timeout per call), or nothing: given up at the
 *    deadline with what came, while the loop keeps running its timers;
 *  - the socket handed back is out of the loop (the callback can watch
 *    it again, as autovpnd does to send its answer), its deadline stopped;
 *  - a read cancelled: -ECANCELED, and the socket handed back.
 *
 * Elapsed-time bounds are 10x the deadline: they separate "at the
 * deadline" from "never", not milliseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/loop.h"
#include "base/looprecv.h"
#include "unit.h"

static struct loop *l;
static int done_calls, done_err, done_fd;
static struct looprecv *done_handle;
static char done_line[8192];
static size_t done_len;

static void on_done(struct looprecv *r, int fd, const char *line, size_t len, int err, void *arg)
{
	(void)arg;
	done_calls++;
	done_err = err;
	done_fd = fd;
	done_handle = r;
	done_len = len;
	ck_assert_uint_lt(len, sizeof(done_line));
	memcpy(done_line, line, len + 1); /* its NUL too */
}

static void setup(void)
{
	ck_assert_int_eq(loop_new(&l), 0);
	done_calls = 0;
	done_err = 1;
	done_fd = -1;
	done_handle = NULL;
	done_len = 0;
}

static void teardown(void)
{
	loop_free(l);
}

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

/* Runs the loop until the read is done or @limit_ms passed. */
static void run_until_done(unsigned int limit_ms)
{
	uint64_t end = clock_mono_ms() + limit_ms;

	while (!done_calls && clock_mono_ms() < end)
		ck_assert_int_eq(loop_run_once(l, 50), 0);
}

static void send_str(int fd, const char *s)
{
	ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* The socket handed back is open: the caller can still answer on it. */
static void assert_open(int fd)
{
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
}

START_TEST(line_there_already)
{
	struct looprecv *r = (void *)1;
	int sv[2];

	pair(sv);
	send_str(sv[1], "status\n");
	ck_assert_int_eq(looprecv_line(l, sv[0], 64, 1000, on_done, NULL, &r), 0);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
	ck_assert_uint_eq(done_len, 7);
	ck_assert_str_eq(done_line, "status\n");
	ck_assert_int_eq(done_fd, sv[0]);
	assert_open(done_fd);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(line_in_parts_newline_cap_close)
{
	struct looprecv *r;
	int sv[2];

	/* In two parts: the loop reads the second, up to the newline. */
	pair(sv);
	send_str(sv[1], "diag");
	ck_assert_int_eq(looprecv_line(l, sv[0], 64, 1000, on_done, NULL, &r), 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(done_calls, 0);
	ck_assert_int_eq(loop_run_once(l, 0), 0);
	ck_assert_int_eq(done_calls, 0);
	send_str(sv[1], "nose\n");
	run_until_done(2000);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
	ck_assert_str_eq(done_line, "diagnose\n");
	ck_assert_ptr_eq(done_handle, r);
	assert_open(done_fd);
	close(sv[0]);
	close(sv[1]);

	/* No newline, more than fits: it stops at the cap. */
	teardown();
	setup();
	pair(sv);
	ck_assert_int_eq(looprecv_line(l, sv[0], 16, 1000, on_done, NULL, &r), 0);
	send_str(sv[1], "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	run_until_done(2000);
	ck_assert_int_eq(done_err, 0);
	ck_assert_uint_eq(done_len, 16);
	ck_assert_str_eq(done_line, "bbbbbbbbbbbbbbbb");
	close(sv[0]);
	close(sv[1]);

	/* The writer closes after a part: what came. */
	teardown();
	setup();
	pair(sv);
	ck_assert_int_eq(looprecv_line(l, sv[0], 64, 1000, on_done, NULL, &r), 0);
	send_str(sv[1], "stat");
	close(sv[1]);
	run_until_done(2000);
	ck_assert_int_eq(done_err, 0);
	ck_assert_str_eq(done_line, "stat");
	close(sv[0]);
}
END_TEST

struct trickle {
	int fd;
	atomic_int stop;
	size_t bytes;
};

/* Sends an 'a' every 5 ms. */
static void *trickle_writer(void *arg)
{
	struct trickle *t = arg;

	while (!atomic_load(&t->stop)) {
		if (send(t->fd, "a", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
			t->bytes++;
		unit_sleep_ms(5);
	}
	return NULL;
}

static int ticks;
static void on_tick(struct loop *lp, struct loop_timer *t, void *arg)
{
	(void)lp, (void)t, (void)arg;
	ticks++;
}

START_TEST(trickling_or_silent_writer_given_up_loop_runs_on)
{
	struct trickle t = { 0 };
	struct loop_timer tick;
	struct looprecv *r;
	uint64_t t0, ms;
	pthread_t th;
	int sv[2];

	/* Silent: nothing at the deadline. */
	pair(sv);
	t0 = clock_mono_ms();
	ck_assert_int_eq(looprecv_line(l, sv[0], 4096, 200, on_done, NULL, &r), 0);
	ck_assert_ptr_nonnull(r);
	run_until_done(10000);
	ms = clock_mono_ms() - t0;
	ck_assert_int_eq(done_err, -ETIMEDOUT);
	ck_assert_uint_eq(done_len, 0);
	ck_assert_uint_ge(ms, 199);
	ck_assert_uint_lt(ms, 2000);
	assert_open(done_fd);
	close(sv[0]);
	close(sv[1]);

	/* A byte every 5 ms and never a newline: 4096 bytes would take 20 s. */
	done_calls = 0;
	ticks = 0;
	pair(sv);
	t.fd = sv[1];
	loop_timer_init(&tick, on_tick, NULL);
	ck_assert_int_eq(loop_timer_start(l, &tick, 20, 20), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, trickle_writer, &t), 0);
	t0 = clock_mono_ms();
	ck_assert_int_eq(looprecv_line(l, sv[0], 4096, 300, on_done, NULL, &r), 0);
	run_until_done(10000);
	ms = clock_mono_ms() - t0;
	loop_timer_stop(l, &tick);
	atomic_store(&t.stop, 1);
	pthread_join(th, NULL);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, -ETIMEDOUT);
	ck_assert_uint_gt(done_len, 0);
	ck_assert_uint_lt(done_len, 4096);
	ck_assert_uint_ge(ms, 299);
	ck_assert_uint_lt(ms, 3000);
	/*
	 * The loop ran its 20 ms timer meanwhile: a few ticks at least (a
	 * blocking read or write allows none or one; a bound that grows with
	 * the time taken fails on a host that stalls: missed ticks are skipped).
	 */
	ck_assert_int_ge(ticks, 3);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * The socket handed back is out of the loop, so the callback can watch it
 * again at once, as autovpnd does to send its answer (loopsend).
 */
static int rewatch_err = 1;
static void on_writable(struct loop *lp, int fd, uint32_t events, void *arg)
{
	(void)lp, (void)fd, (void)events, (void)arg;
}

static void on_done_rewatch(struct looprecv *r, int fd, const char *line, size_t len, int err,
			    void *arg)
{
	on_done(r, fd, line, len, err, arg);
	rewatch_err = loop_add_fd(l, fd, EPOLLOUT, on_writable, NULL);
}

START_TEST(socket_handed_back_can_be_watched_again)
{
	struct looprecv *r;
	int sv[2];

	pair(sv);
	ck_assert_int_eq(looprecv_line(l, sv[0], 64, 1000, on_done_rewatch, NULL, &r), 0);
	ck_assert_ptr_nonnull(r);
	send_str(sv[1], "status\n");
	run_until_done(2000);
	ck_assert_int_eq(done_err, 0);
	ck_assert_int_eq(rewatch_err, 0);
	ck_assert_int_eq(loop_del_fd(l, sv[0]), 0);
	/* Its deadline is stopped too: running the loop past it calls nothing. */
	done_calls = 0;
	unit_sleep_ms(1100);
	ck_assert_int_eq(loop_run_once(l, 0), 0);
	ck_assert_int_eq(done_calls, 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(cancelled)
{
	struct looprecv *r;
	int sv[2];

	pair(sv);
	send_str(sv[1], "sta");
	ck_assert_int_eq(looprecv_line(l, sv[0], 64, 1000, on_done, NULL, &r), 0);
	ck_assert_ptr_nonnull(r);
	looprecv_cancel(r);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, -ECANCELED);
	ck_assert_str_eq(done_line, "sta");
	ck_assert_int_eq(done_fd, sv[0]);
	assert_open(done_fd);
	/* Out of the loop: more data wakes nobody. */
	send_str(sv[1], "tus\n");
	ck_assert_int_eq(loop_run_once(l, 50), 0);
	ck_assert_int_eq(done_calls, 1);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("looprecv");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, line_there_already);
	tcase_add_test(tc, line_in_parts_newline_cap_close);
	tcase_add_test(tc, trickling_or_silent_writer_given_up_loop_runs_on);
	tcase_add_test(tc, socket_handed_back_can_be_watched_again);
	tcase_add_test(tc, cancelled);
	return unit_run(s, tc);
}
