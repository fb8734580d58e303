/* SPDX-License-Identifier: GPL-2.0 */
/*
 * looprecv.h - one line read from a stream socket by the event loop: what
 * has come is taken at once, the rest whenever the socket is readable
 * again, so a writer that is slow, or sends a byte now and then, costs the
 * loop nothing while it waits. One deadline for the whole line (not a
 * timeout per call, which such a writer never triggers) bounds how long
 * the socket is watched. The read's twin on the way out: loopsend.h.
 */
#ifndef AVPN_BASE_LOOPRECV_H
#define AVPN_BASE_LOOPRECV_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct looprecv;

/*
 * Called once at the end, @fd out of the loop and the caller's again (to
 * answer on, or to close); @r freed on return (a name to compare, not to
 * cancel). @line holds the @len bytes that came, NUL-terminated, valid
 * during the call only; a line ends at or after its first '\n' (one
 * recv() may take more, up to @cap). @err: 0 when a '\n' came, the
 * writer closed (@len may be 0) or @cap bytes came; -ETIMEDOUT at the
 * deadline, -ECANCELED, or -errno of a failed read, with what had come.
 */
typedef void (*looprecv_done_fn)(struct looprecv *r, int fd, const char *line, size_t len, int err,
				 void *arg);

/*
 * Reads a line of at most @cap bytes from @fd (a non-blocking stream
 * socket, which passes to the read, also on failure) within @timeout_ms.
 * 0 with *@out set to the read (NULL if it ended at once: @done was
 * called before this returned), or -errno (@fd closed, @done not called).
 */
int looprecv_line(struct loop *l, int fd, size_t cap, uint64_t timeout_ms, looprecv_done_fn done,
		  void *arg, struct looprecv **out);
/* Ends a read now (@done gets -ECANCELED, and the socket). */
void looprecv_cancel(struct looprecv *r);

#endif /* AVPN_BASE_LOOPRECV_H */
