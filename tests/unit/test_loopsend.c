// SPDX-License-Identifier: GPL-2.0
/*
 * A buffer sent by the event loop (daemon/lib/base/loopsend.c), as
 * autovpnd sends its control answers, on unix stream socketpairs:
 *
 *  - a short answer goes at once (done before loopsend_start returns) and
 *    the socket is closed behind it;
 *  - 4 MiB to a reader that keeps up arrive whole and in order;
 *  - 4 MiB to a reader taking 2 KiB every 50 ms (100 s' worth) are given
 *    up at the deadline, and meanwhile the loop keeps running its timers
 *    (a write that blocked, even one with a timeout per call, would not);
 *  - a reader that has gone, before the start or while the loop waits:
 *    -EPIPE, and no SIGPIPE;
 *  - a transfer cancelled: -ECANCELED, and the reader sees the close.
 *
 * Elapsed-time bounds are 10x the deadline: they separate "at the
 * deadline" from "never", not milliseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/loop.h"
#include "base/loopsend.h"
#include "unit.h"

#define BIG (4u << 20)

static struct loop *l;
static int done_calls, done_err;
static struct loopsend *done_handle;

static void on_done(struct loopsend *s, int err, void *arg)
{
	(void)arg;
	done_calls++;
	done_err = err;
	done_handle = s;
}

static void setup(void)
{
	ck_assert_int_eq(loop_new(&l), 0);
	done_calls = 0;
	done_err = 1;
	done_handle = NULL;
}

static void teardown(void)
{
	loop_free(l);
}

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static char *pattern(size_t len)
{
	char *b = malloc(len);

	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (char)(i * 7 % 251);
	return b;
}

struct reader {
	int fd;
	unsigned int chunk, pause_ms; /* pause 0: as fast as it can */
	atomic_int stop;
	size_t bytes;
	int bad; /* a byte out of the pattern */
	int eof;
};

static void *read_side(void *arg)
{
	struct reader *r = arg;
	char buf[65536];

	while (!atomic_load(&r->stop)) {
		ssize_t n = recv(r->fd, buf, r->chunk < sizeof(buf) ? r->chunk : sizeof(buf),
				 MSG_DONTWAIT);

		if (n > 0) {
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] != (char)((r->bytes + (size_t)i) * 7 % 251))
					r->bad = 1;
			r->bytes += (size_t)n;
		} else if (!n) {
			r->eof = 1;
			break;
		}
		unit_sleep_ms(r->pause_ms ? r->pause_ms : (n > 0 ? 0 : 1));
	}
	return NULL;
}

/* Runs the loop until the transfer is done or @limit_ms passed. */
static void run_until_done(unsigned int limit_ms)
{
	uint64_t end = clock_mono_ms() + limit_ms;

	while (!done_calls && clock_mono_ms() < end)
		ck_assert_int_eq(loop_run_once(l, 50), 0);
}

START_TEST(short_answer_at_once)
{
	struct loopsend *s = (void *)1;
	char got[16];
	int sv[2];

	pair(sv);
	ck_assert_int_eq(
		loopsend_start(l, sv[0], strdup("{\"a\":1}\n"), 8, 1000, on_done, NULL, &s), 0);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
	ck_assert_int_eq(recv(sv[1], got, sizeof(got), 0), 8);
	ck_assert(!memcmp(got, "{\"a\":1}\n", 8));
	ck_assert_int_eq(recv(sv[1], got, sizeof(got), 0), 0); /* closed behind it */
	close(sv[1]);
}
END_TEST

START_TEST(big_answer_to_reader_that_keeps_up)
{
	struct reader r = { .chunk = 65536 };
	struct loopsend *s;
	pthread_t th;
	int sv[2];

	pair(sv);
	r.fd = sv[1];
	ck_assert_int_eq(pthread_create(&th, NULL, read_side, &r), 0);
	ck_assert_int_eq(loopsend_start(l, sv[0], pattern(BIG), BIG, 20000, on_done, NULL, &s), 0);
	run_until_done(20000);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
	if (s)
		ck_assert_ptr_eq(done_handle, s);
	pthread_join(th, NULL); /* it stops at the close */
	ck_assert_int_eq(r.eof, 1);
	ck_assert_uint_eq(r.bytes, BIG);
	ck_assert_int_eq(r.bad, 0);
	close(sv[1]);
}
END_TEST

static int ticks;
static void on_tick(struct loop *lp, struct loop_timer *t, void *arg)
{
	(void)lp, (void)t, (void)arg;
	ticks++;
}

START_TEST(slow_reader_given_up_loop_runs_on)
{
	struct reader r = { .chunk = 2048, .pause_ms = 50 };
	struct loop_timer tick;
	struct loopsend *s;
	uint64_t t0, ms;
	pthread_t th;
	int sv[2];

	pair(sv);
	r.fd = sv[1];
	ticks = 0;
	loop_timer_init(&tick, on_tick, NULL);
	ck_assert_int_eq(loop_timer_start(l, &tick, 20, 20), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, read_side, &r), 0);
	t0 = clock_mono_ms();
	ck_assert_int_eq(loopsend_start(l, sv[0], pattern(BIG), BIG, 300, on_done, NULL, &s), 0);
	ck_assert_ptr_nonnull(s);
	run_until_done(10000);
	ms = clock_mono_ms() - t0;
	loop_timer_stop(l, &tick);
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, -ETIMEDOUT);
	ck_assert_ptr_eq(done_handle, s);
	ck_assert_uint_ge(ms, 299);
	ck_assert_uint_lt(ms, 3000);
	ck_assert_uint_gt(r.bytes, 0);
	ck_assert_uint_lt(r.bytes, BIG);
	ck_assert_int_eq(r.bad, 0);
	/*
	 * The loop ran its 20 ms timer meanwhile: a few ticks at least (a
	 * blocking read or write allows none or one; a bound that grows with
	 * the time taken fails on a host that stalls: missed ticks are skipped).
	 */
	ck_assert_int_ge(ticks, 3);
	close(sv[1]);
}
END_TEST

START_TEST(reader_gone_epipe)
{
	struct loopsend *s;
	int sv[2];

	/* Gone before the start: the first send says so. */
	pair(sv);
	close(sv[1]);
	ck_assert_int_eq(loopsend_start(l, sv[0], pattern(BIG), BIG, 1000, on_done, NULL, &s), 0);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, -EPIPE);
	/* Gone while the loop waits for room: the loop's wakeup ends it. */
	done_calls = 0;
	pair(sv);
	ck_assert_int_eq(loopsend_start(l, sv[0], pattern(BIG), BIG, 5000, on_done, NULL, &s), 0);
	ck_assert_ptr_nonnull(s);
	close(sv[1]);
	run_until_done(5000);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, -EPIPE);
	ck_assert_ptr_eq(done_handle, s);
}
END_TEST

START_TEST(cancel_closes)
{
	struct loopsend *s;
	char c;
	int sv[2];

	pair(sv);
	ck_assert_int_eq(loopsend_start(l, sv[0], pattern(BIG), BIG, 10000, on_done, NULL, &s), 0);
	ck_assert_ptr_nonnull(s); /* nobody reads: it waits */
	ck_assert_int_eq(done_calls, 0);
	loopsend_cancel(s);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, -ECANCELED);
	ck_assert_ptr_eq(done_handle, s);
	/* What was sent is there, then the close. */
	while (recv(sv[1], &c, 1, 0) == 1)
		;
	ck_assert_int_eq(recv(sv[1], &c, 1, 0), 0);
	close(sv[1]);
	/* Nothing of it is left in the loop. */
	ck_assert_int_eq(loop_run_once(l, 10), 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("loopsend");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, short_answer_at_once);
	tcase_add_test(tc, big_answer_to_reader_that_keeps_up);
	tcase_add_test(tc, slow_reader_given_up_loop_runs_on);
	tcase_add_test(tc, reader_gone_epipe);
	tcase_add_test(tc, cancel_closes);
	return unit_run(su, tc);
}
