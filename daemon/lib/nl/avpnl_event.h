/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl_event.h - the kernel's notifications on the "events" multicast
 * group (key-rekey, key-expired, ...). 0 or a negative errno, as avpnl.h
 * describes.
 */
#ifndef AVPN_NL_AVPNL_EVENT_H
#define AVPN_NL_AVPNL_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "nl/avpnl.h"

struct avpnl_event {
	uint8_t type; /* enum autovpn_event */
	uint32_t ifindex;
	uint32_t peer_id;
	bool has_key_id;
	uint8_t key_id;
};

/*
 * Subscribes @h to the events group. Use a handle dedicated to events (as
 * notifications arrive between replies otherwise): avpnl_open() a second one.
 */
int avpnl_event_subscribe(struct avpnl *h);
/* The socket to poll() (or add to an event loop) for POLLIN. */
int avpnl_event_fd(const struct avpnl *h);
/*
 * Blocks until at least one notification arrived (unless the socket was made
 * non-blocking), calls @cb for each. A non-zero return from @cb is returned.
 * -ENOBUFS: the socket overflowed, and the kernel drops every notification
 * (silently) until the queue has been read empty; what they said has to be
 * read from the state (a dump) after that. (libnl reports a failed
 * allocation while receiving alike.)
 */
typedef int (*avpnl_event_cb)(const struct avpnl_event *ev, void *arg);
int avpnl_event_recv(struct avpnl *h, avpnl_event_cb cb, void *arg);

#endif /* AVPN_NL_AVPNL_EVENT_H */
