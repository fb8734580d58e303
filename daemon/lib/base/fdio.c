// SPDX-License-Identifier: GPL-2.0
/*
 * fdio.c - a deadline-bounded socket read (fdio.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "fdio.h"

/* Waits for @events on @fd until @deadline_ms: 0 when ready, -ETIMEDOUT, -errno. */
static int wait_for(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	uint64_t now = clock_mono_ms();
	int n;

	if (now >= deadline_ms)
		return -ETIMEDOUT;
	n = poll(&pfd, 1, (int)(deadline_ms - now > 60000 ? 60000 : deadline_ms - now));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	/* POLLERR / POLLHUP: the next call says what happened. */
	return 0;
}

ssize_t fdio_read_line(int fd, char *buf, size_t cap, uint64_t deadline_ms)
{
	size_t got = 0;
	int err;

	while (got < cap) {
		ssize_t n = recv(fd, buf + got, cap - got, MSG_DONTWAIT);

		if (n > 0) {
			got += (size_t)n;
			if (memchr(buf + got - (size_t)n, '\n', (size_t)n))
				break;
			continue;
		}
		if (!n)
			break; /* the writer closed */
		if (errno != EAGAIN && errno != EINTR)
			return got ? (ssize_t)got : -errno;
		err = wait_for(fd, POLLIN, deadline_ms);
		if (err)
			return got || err == -ETIMEDOUT ? (ssize_t)got : err;
	}
	return (ssize_t)got;
}
