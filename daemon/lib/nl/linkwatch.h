/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linkwatch.h - the host's link and address events (rtnetlink
 * RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR), for what the
 * kernel does to devices behind the daemon's back:
 *   - IPv4 drops every route through a device that goes down, without a
 *     route notification, so the VPN table of a daemon that only remembers
 *     what it installed (kroute.h) would stay empty after
 *     `ip link set av0 down; up`;
 *   - an uplink's device deleted and created again (PPPoE, LTE) has a new
 *     ifindex, which the uplink socket must be bound to anew once the
 *     device has its address.
 */
#ifndef AVPN_NL_LINKWATCH_H
#define AVPN_NL_LINKWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct linkwatch;

struct linkwatch_event {
	uint32_t ifindex; /* 0: events were lost (the socket's buffer overran) */
	const char *name; /* the device's name, or NULL (not in the event) */
	bool up;	  /* link: IFF_UP */
	bool gone;	  /* link: deleted */
	bool addr;	  /* not a link event: an address was added to the device */
};

typedef void (*linkwatch_fn)(void *arg, const struct linkwatch_event *ev);

/* A non-blocking socket in the link group. 0 or -errno. */
int linkwatch_open(struct linkwatch **out, linkwatch_fn fn, void *arg);
/*
 * Address events too (@on), or no longer: only while something waits for
 * an address, since every address change on the host (router
 * advertisements refresh IPv6 ones) would otherwise wake us. 0 or -errno.
 */
int linkwatch_addresses(struct linkwatch *w, bool on);
int linkwatch_fd(const struct linkwatch *w);
/* Reads what is waiting (call when linkwatch_fd() is readable). */
void linkwatch_input(struct linkwatch *w);
void linkwatch_close(struct linkwatch *w);

#endif /* AVPN_NL_LINKWATCH_H */
