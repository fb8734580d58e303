/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linkwatch.h - the host's link events (rtnetlink RTNLGRP_LINK), for what
 * the kernel does to a device behind the daemon's back: IPv4 drops every
 * route through a device that goes down, without a route notification,
 * so the VPN table of a daemon that only remembers what it installed
 * (kroute.h) would stay empty after `ip link set av0 down; up`.
 */
#ifndef AVPN_NL_LINKWATCH_H
#define AVPN_NL_LINKWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct linkwatch;

/*
 * A link event: device @ifindex, called @name (NULL if the event has no
 * name), is @up (IFF_UP), or @gone (deleted). @ifindex 0: events were lost
 * (the socket's buffer overran); anything may have changed.
 */
typedef void (*linkwatch_fn)(void *arg, uint32_t ifindex, const char *name, bool up, bool gone);

/* A non-blocking socket in the link group. 0 or -errno. */
int linkwatch_open(struct linkwatch **out, linkwatch_fn fn, void *arg);
int linkwatch_fd(const struct linkwatch *w);
/* Reads what is waiting (call when linkwatch_fd() is readable). */
void linkwatch_input(struct linkwatch *w);
void linkwatch_close(struct linkwatch *w);

#endif /* AVPN_NL_LINKWATCH_H */
