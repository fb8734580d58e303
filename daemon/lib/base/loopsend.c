// SPDX-License-Identifier: GPL-2.0
/*
 * loopsend.c - a buffer written to a socket by the event loop (loopsend.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopsend.h"

struct loopsend {
	struct loop *loop;
	int fd;
	bool watched; /* fd is in the loop */
	char *buf;
	size_t len, off;
	struct loop_timer deadline;
	loopsend_done_fn done;
	void *arg;
};

static void finish(struct loopsend *s, int err)
{
	loopsend_done_fn done = s->done;
	void *arg = s->arg;

	loop_timer_stop(s->loop, &s->deadline);
	if (s->watched)
		loop_del_fd(s->loop, s->fd);
	close(s->fd);
	free(s->buf);
	if (done)
		done(s, err, arg);
	free(s);
}

/* Writes what the socket takes now: 1 when all is written, 0 for more later, -errno. */
static int push(struct loopsend *s)
{
	while (s->off < s->len) {
		ssize_t n =
			send(s->fd, s->buf + s->off, s->len - s->off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			s->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return n < 0 ? -errno : -EIO;
	}
	return 1;
}

static void on_writable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct loopsend *s = arg;
	int r = push(s);

	(void)l, (void)fd, (void)events;
	if (r)
		finish(s, r > 0 ? 0 : r);
}

static void on_deadline(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l, (void)t;
	finish(arg, -ETIMEDOUT);
}

int loopsend_start(struct loop *l, int fd, char *buf, size_t len, uint64_t timeout_ms,
		   loopsend_done_fn done, void *arg, struct loopsend **out)
{
	struct loopsend *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s) {
		close(fd);
		free(buf);
		return -ENOMEM;
	}
	s->loop = l;
	s->fd = fd;
	s->buf = buf;
	s->len = len;
	s->done = done;
	s->arg = arg;
	loop_timer_init(&s->deadline, on_deadline, s);
	r = push(s);
	if (r) {
		finish(s, r > 0 ? 0 : r);
		return 0;
	}
	r = loop_add_fd(l, fd, EPOLLOUT, on_writable, s);
	if (!r) {
		s->watched = true;
		r = loop_timer_start(l, &s->deadline, timeout_ms, 0);
	}
	if (r) {
		s->done = NULL; /* the caller hears -errno instead */
		finish(s, r);
		return r;
	}
	*out = s;
	return 0;
}

void loopsend_cancel(struct loopsend *s)
{
	finish(s, -ECANCELED);
}
