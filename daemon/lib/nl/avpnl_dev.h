/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl_dev.h - autovpn devices: DEV_NEW, DEV_DEL, DEV_GET (and dump),
 * DEV_SET (the active-active flag, uplink sockets attached by fd). 0 or a
 * negative errno, as avpnl.h describes.
 */
#ifndef AVPN_NL_AVPNL_DEV_H
#define AVPN_NL_AVPNL_DEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "nl/avpnl.h"

struct avpnl_dev_uplink {
	uint8_t id;
	bool has_local;
	struct endpoint local; /* bound address of its socket (get) */
};

struct avpnl_dev {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE]; /* empty if the kernel did not say */
	uint32_t mtu;		  /* 0 if the kernel did not say */
	bool active_active;
	uint32_t npeers;
	size_t n_uplinks;
	struct avpnl_dev_uplink uplinks[AUTOVPN_MAX_UPLINKS];
	bool has_stats;
	uint64_t drops[__AUTOVPN_DROP_MAX]; /* index = enum autovpn_drop_reason */
};

/* @mtu 0 = the module's default. @ifindex may be NULL. */
int avpnl_dev_new(struct avpnl *h, const char *ifname, uint32_t mtu, uint32_t *ifindex);
int avpnl_dev_del(struct avpnl *h, uint32_t ifindex);
int avpnl_dev_get(struct avpnl *h, uint32_t ifindex, struct avpnl_dev *out);
/* Calls @cb for every autovpn device in the netns; a non-zero return stops. */
typedef int (*avpnl_dev_cb)(const struct avpnl_dev *dev, void *arg);
int avpnl_dev_dump(struct avpnl *h, avpnl_dev_cb cb, void *arg);

/* One DEV_SET request: optional flag change and uplink attach/detach. */
struct avpnl_dev_uplink_set {
	uint8_t id;
	int fd; /* bound UDP socket, or -1 to detach */
};

struct avpnl_dev_set {
	bool set_active_active;
	bool active_active;
	size_t n_uplinks;
	struct avpnl_dev_uplink_set uplinks[AUTOVPN_MAX_UPLINKS];
};

int avpnl_dev_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_dev_set *req);
/* Shorthands for a single change. */
int avpnl_dev_set_uplink(struct avpnl *h, uint32_t ifindex, uint8_t id, int fd);
int avpnl_dev_set_flags(struct avpnl *h, uint32_t ifindex, bool active_active);

#endif /* AVPN_NL_AVPNL_DEV_H */
