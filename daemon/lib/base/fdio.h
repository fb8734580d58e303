/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdio.h - a whole read on a non-blocking stream socket, bounded by one
 * deadline. SO_RCVTIMEO bounds each call only: a peer that sends a byte now
 * and then keeps every call short and the caller for as long as it likes.
 * autovpnd reads its control clients' requests on its only thread, so a
 * client gets a deadline, not a timeout per call. (Answers go out through
 * the event loop: loopsend.h.)
 */
#ifndef AVPN_BASE_FDIO_H
#define AVPN_BASE_FDIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads from the socket @fd into @buf until it holds a '\n', @cap bytes
 * have come, the writer has closed, or @deadline_ms has passed. Returns
 * the bytes read (what came, also when the time ran out: 0 for nothing,
 * whether by the deadline or a close), or -errno when reading failed
 * before anything came.
 */
ssize_t fdio_read_line(int fd, char *buf, size_t cap, uint64_t deadline_ms);

#endif /* AVPN_BASE_FDIO_H */
