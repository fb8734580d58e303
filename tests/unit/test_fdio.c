// SPDX-License-Identifier: GPL-2.0
/*
 * The deadline-bounded read of a request line (daemon/lib/base/fdio.c), on
 * unix stream socketpairs, as autovpnd's control socket uses it: a line
 * read up to its newline, its cap, the writer's close; a writer that
 * trickles bytes without a newline (which with a timeout per call, as
 * SO_RCVTIMEO gives, would hold the reader 20 s), or sends nothing: the
 * read returns what came at its deadline. The elapsed-time bounds are 10x
 * the deadlines: they separate "at the deadline" from seconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fdio.h"
#include "unit.h"

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

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

START_TEST(read_line_stops_at_newline_or_cap)
{
	char buf[64];
	int sv[2];
	ssize_t n;

	pair(sv);
	ck_assert_int_eq(send(sv[1], "status\n", 7, 0), 7);
	n = fdio_read_line(sv[0], buf, sizeof(buf), clock_mono_ms() + 1000);
	ck_assert_int_eq(n, 7);
	ck_assert(!memcmp(buf, "status\n", 7));
	/* No newline, more than fits: it stops at the cap. */
	{
		char many[100];

		memset(many, 'b', sizeof(many));
		ck_assert_int_eq(send(sv[1], many, sizeof(many), 0), (ssize_t)sizeof(many));
		n = fdio_read_line(sv[0], buf, 16, clock_mono_ms() + 1000);
		ck_assert_int_eq(n, 16);
	}
	/* The writer closes after a part: what came (the rest of the 'b's). */
	close(sv[1]);
	n = fdio_read_line(sv[0], buf, sizeof(buf), clock_mono_ms() + 1000);
	ck_assert_int_eq(n, 64);
	n = fdio_read_line(sv[0], buf, sizeof(buf), clock_mono_ms() + 1000);
	ck_assert_int_eq(n, 20);
	n = fdio_read_line(sv[0], buf, sizeof(buf), clock_mono_ms() + 1000);
	ck_assert_int_eq(n, 0);
	close(sv[0]);
}
END_TEST

START_TEST(read_line_gives_up_on_trickling_or_silent_writer)
{
	struct trickle t = { 0 };
	char buf[4096];
	pthread_t th;
	uint64_t t0, ms;
	int sv[2];
	ssize_t n;

	pair(sv);
	/* Silent: nothing at the deadline. */
	t0 = clock_mono_ms();
	n = fdio_read_line(sv[0], buf, sizeof(buf), t0 + 200);
	ms = clock_mono_ms() - t0;
	ck_assert_int_eq(n, 0);
	ck_assert_uint_ge(ms, 199);
	ck_assert_uint_lt(ms, 2000);
	/* A byte every 5 ms and never a newline: 4096 bytes would take 20 s. */
	t.fd = sv[1];
	ck_assert_int_eq(pthread_create(&th, NULL, trickle_writer, &t), 0);
	t0 = clock_mono_ms();
	n = fdio_read_line(sv[0], buf, sizeof(buf), t0 + 300);
	ms = clock_mono_ms() - t0;
	atomic_store(&t.stop, 1);
	pthread_join(th, NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, (ssize_t)sizeof(buf));
	ck_assert_uint_ge(ms, 299);
	ck_assert_uint_lt(ms, 3000);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdio");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, read_line_stops_at_newline_or_cap);
	tcase_add_test(tc, read_line_gives_up_on_trickling_or_silent_writer);
	return unit_run(s, tc);
}
