/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ask.h - asking IFACE's autovpnd what it knows (lib/ctl's client and
 * codec), with one line for people for each way that can fail. `show`
 * merges the answer into the kernel's view; `diagnose` prints it.
 *
 * Errors (0 or a negative errno, with a message in msg[len]):
 *   -ECONNREFUSED, -ENOENT  no daemon listens for IFACE (ask_absent())
 *   -EREMOTEIO              the daemon answered {"error": "..."}
 *                           (e.g. "permission denied: root only")
 *   -EBADMSG                the answer is neither the document nor an error
 *   -ECONNRESET             the daemon hung up: it refuses a user that is not
 *                           root before reading the request, and the reset
 *                           loses its refusal (the message says so then)
 *   -ETIMEDOUT, ...         lib/ctl's client errors
 */
#ifndef AVPN_TOOL_ASK_H
#define AVPN_TOOL_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/ctl.h"

#define ASK_MSG_MAX (CTL_TEXT_MAX + 64)

/* True for the errors that mean "autovpnd is not running for IFACE". */
bool ask_absent(int err);

/* *s / *d is overwritten; free it with ctl_*_free() on success only. */
int ask_status(const char *ifname, struct ctl_status *s, char *msg, size_t len);
int ask_diagnosis(const char *ifname, struct ctl_diagnosis *d, char *msg, size_t len);

/*
 * The pure halves: decode the daemon's answer ans[0..n), or tell its error
 * apart (-EREMOTEIO, msg "autovpnd: <its error>") from a malformed answer
 * (-EBADMSG).
 */
int ask_decode_status(const char *ans, size_t n, struct ctl_status *s, char *msg, size_t len);
int ask_decode_diagnosis(const char *ans, size_t n, struct ctl_diagnosis *d, char *msg, size_t len);

#endif /* AVPN_TOOL_ASK_H */
