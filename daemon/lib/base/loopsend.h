/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loopsend.h - a buffer written to a stream socket by the event loop, then
 * the socket closed: what fits at once, the rest whenever the socket is
 * writable again, so a reader that is slow, or reads a byte now and then,
 * costs the loop nothing while it waits. A deadline for the whole transfer
 * (not a timeout per call, which such a reader never triggers) bounds how
 * long the buffer is kept.
 */
#ifndef AVPN_BASE_LOOPSEND_H
#define AVPN_BASE_LOOPSEND_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct loopsend;

/*
 * Called once at the end, socket closed and buffer freed, @s freed on
 * return (a name to compare, nothing more; not to cancel): 0 (all
 * written), -ETIMEDOUT, -ECANCELED or -errno.
 */
typedef void (*loopsend_done_fn)(struct loopsend *s, int err, void *arg);

/*
 * Sends @len bytes of @buf (malloc'd) to @fd (a non-blocking stream
 * socket) within @timeout_ms; @buf and @fd pass to it, also on failure.
 * At the end it closes @fd, frees @buf and itself, and calls @done (if not
 * NULL) with @arg, possibly before returning. 0 with *@out set to the
 * transfer (NULL if it ended at once), or -errno (@done not called).
 */
int loopsend_start(struct loop *l, int fd, char *buf, size_t len, uint64_t timeout_ms,
		   loopsend_done_fn done, void *arg, struct loopsend **out);
/* Ends a transfer now (@done gets -ECANCELED). */
void loopsend_cancel(struct loopsend *s);

#endif /* AVPN_BASE_LOOPSEND_H */
