// SPDX-License-Identifier: GPL-2.0
/*
 * looprecv.c - a line read from a socket by the event loop (looprecv.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "looprecv.h"

struct looprecv {
	struct loop *loop;
	int fd;
	bool watched; /* fd is in the loop */
	size_t cap, len;
	struct loop_timer deadline;
	looprecv_done_fn done;
	void *arg;
	char buf[]; /* cap + 1: the line and its NUL */
};

static void finish(struct looprecv *r, int err)
{
	loop_timer_stop(r->loop, &r->deadline);
	if (r->watched)
		loop_del_fd(r->loop, r->fd);
	r->buf[r->len] = '\0';
	r->done(r, r->fd, r->buf, r->len, err, r->arg);
	free(r);
}

/* Takes what the socket holds now: 1 when the line is complete, 0 for more later, -errno. */
static int pull(struct looprecv *r)
{
	while (r->len < r->cap) {
		ssize_t n = recv(r->fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);

		if (n > 0) {
			r->len += (size_t)n;
			/* Past the newline: the caller sees it, and decides. */
			if (memchr(r->buf + r->len - (size_t)n, '\n', (size_t)n))
				return 1;
			continue;
		}
		if (!n)
			return 1; /* the writer closed */
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
	return 1;
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct looprecv *r = arg;
	int ret = pull(r);

	(void)l, (void)fd, (void)events;
	if (ret)
		finish(r, ret > 0 ? 0 : ret);
}

static void on_deadline(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l, (void)t;
	finish(arg, -ETIMEDOUT);
}

int looprecv_line(struct loop *l, int fd, size_t cap, uint64_t timeout_ms, looprecv_done_fn done,
		  void *arg, struct looprecv **out)
{
	struct looprecv *r = cap < SIZE_MAX - sizeof(*r) ? calloc(1, sizeof(*r) + cap + 1) : NULL;
	int ret;

	*out = NULL;
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->loop = l;
	r->fd = fd;
	r->cap = cap;
	r->done = done;
	r->arg = arg;
	loop_timer_init(&r->deadline, on_deadline, r);
	ret = pull(r);
	if (ret) {
		finish(r, ret > 0 ? 0 : ret);
		return 0;
	}
	ret = loop_add_fd(l, fd, EPOLLIN, on_readable, r);
	if (!ret) {
		r->watched = true;
		ret = loop_timer_start(l, &r->deadline, timeout_ms, 0);
	}
	if (ret) {
		/* The caller hears -errno instead of @done. */
		loop_timer_stop(l, &r->deadline);
		if (r->watched)
			loop_del_fd(l, fd);
		close(fd);
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void looprecv_cancel(struct looprecv *r)
{
	finish(r, -ECANCELED);
}
