// SPDX-License-Identifier: GPL-2.0
/*
 * uplink.c - one UDP socket per uplink (DESIGN §2 "Sockets").
 *
 * The socket is bound to the uplink's device and address and to a source
 * port in 32768-61000 (or the configured fixed port), marked with the
 * daemon's fwmark so that its traffic never enters the tunnel, and handed
 * to the kernel by fd: the kernel consumes DATA arriving on it and sends
 * DATA from it. Everything else that arrives (registry answers, handshakes,
 * probes) is left in the socket for us, and we send those from it too, so
 * the NAT mapping the registries observe is exactly the one peers punch to.
 *
 * SO_REUSEPORT on every uplink socket is what lets a restarted daemon take
 * over: it binds a new socket to the same address and port (the old one is
 * still held by the kernel), hands it in, and the kernel lets the old one go
 * (after decrypting, for a moment, the DATA that still reaches it).
 * The port's datagrams are steered to the socket the kernel has, before
 * and after the hand-over (udpsock_reuseport_steer()), so none is lost.
 *
 * The same hand-over, for one uplink, replaces a socket whose device was
 * deleted and created again (uplink_on_link()): SO_BINDTODEVICE binds to
 * an ifindex, and the new device has another.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/udpsock.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_dev.h"
#include "nl/kroute.h"
#include "nl/linkwatch.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62 /* Linux 5.0 */
#endif

/*
 * A socket whose device came back is tried again after this, then after
 * twice as long each time, up to the max: a PPPoE link is up some seconds
 * before it has its address, and binding to a source address waits for it.
 */
#define REOPEN_RETRY_MS 1000
#define REOPEN_RETRY_MAX_MS 10000
/* After an address event (uplink_on_link()). */
#define REOPEN_ADDR_SETTLE_MS 100

/* Why a datagram was not for anyone (counted, never logged per packet). */
static void dropped(struct gw_uplink *u)
{
	u->rx_dropped++;
}

static void dispatch(struct gw *gw, struct gw_uplink *u, const struct endpoint *from,
		     const uint8_t *buf, size_t len)
{
	int reg;

	if (!len) {
		dropped(u);
		return;
	}
	switch (buf[0]) {
	case PROTO_T_HS_INIT:
	case PROTO_T_HS_RESP:
	case PROTO_T_COOKIE:
		keys_input(gw, u->id, from, buf, len);
		return;
	case PROTO_T_PROBE:
	case PROTO_T_PROBE_REPLY:
		prober_input(gw, u->id, from, buf, len);
		return;
	default:
		break;
	}
	/* Registry messages only from a registry's address and port. */
	if (proto_is_registry_type(buf[0])) {
		reg = registry_index(gw, from);
		if (reg >= 0) {
			registry_input(gw, u->id, (unsigned int)reg, buf, len);
			return;
		}
	}
	/* DATA reaches us only while a socket is not yet in the kernel. */
	dropped(u);
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct gw_uplink *u = arg;
	struct gw *gw = u->gw;
	uint8_t buf[PROTO_MAX_MSG + 1];
	unsigned int budget = 256;

	(void)l;
	(void)events;
	/* Bounded per wakeup, so a flood on one uplink cannot starve the loop. */
	while (budget--) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct endpoint from;
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error queued on the socket */
		u->rx++;
		if ((size_t)n > PROTO_MAX_MSG ||
		    endpoint_from_sockaddr(&from, (struct sockaddr *)&ss, sl)) {
			dropped(u);
			continue;
		}
		dispatch(gw, u, &from, buf, (size_t)n);
	}
}

int uplink_send(struct gw *gw, unsigned int ul, const struct endpoint *to, const uint8_t *msg,
		size_t len)
{
	struct gw_uplink *u;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (ul >= gw->n_uplinks)
		return -EINVAL;
	u = &gw->uplinks[ul];
	if (u->fd < 0 || to->addr.family != u->local.addr.family)
		return -EAFNOSUPPORT;
	sl = endpoint_to_sockaddr(to, &ss);
	if (sendto(u->fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0) {
		u->tx_failed++;
		return -errno;
	}
	u->tx++;
	return 0;
}

/* A free port in 32768-61000, by trying random ones (the range is large). */
static int open_random(const struct gwconf_uplink *c, struct endpoint *ep,
		       const struct udpsock_opts *o, char *err, size_t errlen)
{
	int fd = -EADDRINUSE;

	for (int tries = 0; tries < 64 && fd == -EADDRINUSE; tries++) {
		ep->port = (uint16_t)(GW_PORT_MIN +
				      randombytes_uniform(GW_PORT_MAX - GW_PORT_MIN + 1));
		fd = udpsock_open(ep, o, err, errlen);
	}
	(void)c;
	return fd;
}

/*
 * Opens uplink @u. @want (may be NULL) is the address and port an adopted
 * kernel socket has: bind the same, so NAT mappings stay. @why (may be
 * NULL): @want or nothing (the registry client and the paths know that
 * port), failing quietly with the reason there, where otherwise another
 * port is taken.
 */
static int uplink_open(struct gw *gw, struct gw_uplink *u, const struct endpoint *want, char *why,
		       size_t whylen)
{
	const struct gwconf_uplink *c = uplink_conf(gw, u);
	struct udpsock_opts o = {
		.dev = c->device,
		.mark = KROUTE_FWMARK,
		.reuseport = true,
	};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct endpoint ep;
	char err[160];
	int fd, ifindex = 0;

	memset(&ep, 0, sizeof(ep));
	if (c->has_source)
		ep.addr = c->source;
	else
		ep.addr.family = c->family;
	if (want && want->addr.family == ep.addr.family &&
	    (!c->has_source || addr_equal(&want->addr, &c->source)) &&
	    (!c->port || c->port == want->port)) {
		ep = *want;
		fd = udpsock_open(&ep, &o, err, sizeof(err));
		if (fd >= 0)
			goto bound;
		if (why) {
			snprintf(why, whylen, "%s", err);
			return fd;
		}
		log_msg(LOG_WARNING,
			"%s: cannot take over the running socket's port %u (%s): "
			"a new port means new NAT mappings",
			gwconf_uplink_name(u->id), want->port, err);
	} else if (why) {
		snprintf(why, whylen,
			 "the uplink's configured address or port is not the socket's");
		return -EINVAL;
	}
	if (c->port) {
		ep.port = c->port;
		fd = udpsock_open(&ep, &o, err, sizeof(err));
	} else {
		fd = open_random(c, &ep, &o, err, sizeof(err));
	}
	if (fd < 0) {
		log_msg(LOG_ERR, "%s: %s", gwconf_uplink_name(u->id), err);
		return fd;
	}
bound:
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    endpoint_from_sockaddr(&u->local, (struct sockaddr *)&ss, sl)) {
		close(fd);
		return -EIO;
	}
	/* Which device that is now (uplink_on_link() notices another). */
	sl = sizeof(ifindex);
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, &sl) < 0 || ifindex <= 0)
		ifindex = (int)if_nametoindex(c->device);
	u->dev_ifindex = (uint32_t)ifindex;
	u->fd = fd;
	return loop_add_fd(gw->loop, fd, EPOLLIN, on_readable, u);
}

static void on_reopen_timer(struct loop *l, struct loop_timer *t, void *arg);

int uplink_open_all(struct gw *gw)
{
	struct avpnl_dev dev;
	int err;

	/* Once (a reload stopped it: uplink_reopen_all()). */
	if (!loop_timer_running(&gw->uplink_timer))
		loop_timer_init(&gw->uplink_timer, on_reopen_timer, gw);
	memset(&dev, 0, sizeof(dev));
	/* An adopted device tells which ports its sockets have. */
	if (gw->ifindex && avpnl_dev_get(gw->nl, gw->ifindex, &dev))
		memset(&dev, 0, sizeof(dev));
	gw->n_uplinks = gw->conf->n_uplinks;
	/* All first: if one fails, closing them all must not close(0). */
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		memset(&gw->uplinks[i], 0, sizeof(gw->uplinks[i]));
		gw->uplinks[i].gw = gw;
		gw->uplinks[i].id = (uint8_t)i;
		gw->uplinks[i].fd = -1;
	}
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		struct gw_uplink *u = &gw->uplinks[i];
		const struct endpoint *want = NULL;

		for (size_t k = 0; k < dev.n_uplinks; k++)
			if (dev.uplinks[k].id == i && dev.uplinks[k].has_local)
				want = &dev.uplinks[k].local;
		err = uplink_open(gw, u, want, NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

int uplink_attach_all(struct gw *gw)
{
	struct avpnl_dev_set req;
	int err;

	memset(&req, 0, sizeof(req));
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		req.uplinks[req.n_uplinks].id = gw->uplinks[i].id;
		req.uplinks[req.n_uplinks++].fd = gw->uplinks[i].fd;
	}
	/* An uplink the config no longer has (a reload, or a restart over a
	 * device an older config set up) leaves the kernel too: else it keeps
	 * its own reference and sends on a socket nobody probes or reads. */
	for (unsigned int i = gw->n_uplinks; i < GW_MAX_UPLINKS; i++) {
		req.uplinks[req.n_uplinks].id = (uint8_t)i;
		req.uplinks[req.n_uplinks++].fd = -1;
	}
	err = avpnl_dev_set(gw->nl, gw->ifindex, &req);
	if (err) {
		log_msg(LOG_ERR, "%s: handing the uplink sockets to the kernel: %s", gw->ifname,
			avpnl_errmsg(gw->nl) ?: strerror(-err));
		return err;
	}
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		struct gw_uplink *u = &gw->uplinks[i];

		u->in_kernel = true;
		/* The module has it: the port's DATA is for it now (udpsock.h). */
		if (udpsock_reuseport_steer(u->fd, UDPSOCK_STEER_NEWEST) < 0)
			log_msg(LOG_ERR, "uplink %s: steering its port to the new socket: %s",
				uplink_conf(gw, u)->device, strerror(errno));
	}
	return 0;
}

/*
 * Reload: opens the uplinks of @nc next to the running ones (SO_REUSEPORT
 * lets a kept port be bound twice) and hands them to the kernel, and only
 * then closes the old ones. On failure (a device that does not exist, a
 * port taken or below 1024 without the capability) nothing changes: the
 * running sockets stay, and with them registration and handshakes, where
 * closing them first left the daemon without any while the kernel still
 * forwarded on its own references.
 */
/* The kernel keeps its own reference to an attached socket: forwarding
 * goes on after the daemon's is closed. */
static void uplinks_close(struct gw *gw, struct gw_uplink *u, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (u[i].fd < 0)
			continue;
		loop_del_fd(gw->loop, u[i].fd);
		close(u[i].fd);
		u[i].fd = -1;
	}
}

static void arm_reopen(struct gw *gw);

int uplink_reopen_all(struct gw *gw, struct gwconf *nc)
{
	struct gw_uplink old[GW_MAX_UPLINKS];
	unsigned int old_n = gw->n_uplinks;
	struct gwconf *oc = gw->conf;
	bool attached = false;
	int err;

	/* New sockets are bound to the devices as they are now. */
	loop_timer_stop(gw->loop, &gw->uplink_timer);
	memcpy(old, gw->uplinks, sizeof(old));
	/* uplink_close_all() below may only see the new sockets. */
	for (unsigned int i = 0; i < GW_MAX_UPLINKS; i++)
		gw->uplinks[i].fd = -1;
	gw->conf = nc;
	err = uplink_open_all(gw);
	if (!err) {
		err = uplink_attach_all(gw);
		attached = err != 0; /* the kernel may hold some new ones now */
	}
	if (err) {
		uplink_close_all(gw);
		memcpy(gw->uplinks, old, sizeof(old));
		gw->n_uplinks = old_n;
		gw->conf = oc;
		/* Give the kernel the running sockets back: a new one it kept
		 * would share the port (SO_REUSEPORT) and take half the
		 * datagrams meant for the daemon's. */
		if (attached && uplink_attach_all(gw))
			log_msg(LOG_ERR, "reload: the running uplinks could not be handed back to "
					 "the kernel");
		arm_reopen(gw);
		return err;
	}
	/* The kernel has the new sockets now: the old ones may go. */
	uplinks_close(gw, old, old_n);
	return 0;
}

void uplink_close_all(struct gw *gw)
{
	loop_timer_stop(gw->loop, &gw->uplink_timer);
	uplinks_close(gw, gw->uplinks, gw->n_uplinks);
}

/*
 * Replaces @u's socket with one bound to its device as it is now, on the
 * same address and port (the registry client and the paths know that one,
 * and the NAT mapping may survive), and hands it to the kernel; on any
 * failure the old one stays as it was and @why says what failed.
 */
static int reopen_one(struct gw *gw, struct gw_uplink *u, char *why, size_t whylen)
{
	struct endpoint old_local = u->local;
	uint32_t old_ifindex = u->dev_ifindex;
	struct avpnl_dev_set req;
	int old_fd = u->fd, err;

	u->fd = -1;
	err = uplink_open(gw, u, &old_local, why, whylen);
	if (err && u->fd >= 0) { /* bound, but not watched */
		close(u->fd);
		snprintf(why, whylen, "%s", strerror(-err));
	}
	if (!err) {
		memset(&req, 0, sizeof(req));
		req.uplinks[0].id = u->id;
		req.uplinks[0].fd = u->fd;
		req.n_uplinks = 1;
		err = avpnl_dev_set(gw->nl, gw->ifindex, &req);
		if (err) {
			snprintf(why, whylen, "handing it to the kernel: %s",
				 avpnl_errmsg(gw->nl) ?: strerror(-err));
			loop_del_fd(gw->loop, u->fd);
			close(u->fd);
		}
	}
	if (err) {
		u->fd = old_fd;
		u->local = old_local;
		u->dev_ifindex = old_ifindex;
		return err;
	}
	if (udpsock_reuseport_steer(u->fd, UDPSOCK_STEER_NEWEST) < 0)
		log_msg(LOG_ERR, "uplink %s: steering its port to the new socket: %s",
			uplink_conf(gw, u)->device, strerror(errno));
	loop_del_fd(gw->loop, old_fd);
	close(old_fd);
	return 0;
}

/* The timer at the earliest reopen due, or stopped if none is. */
static void arm_reopen(struct gw *gw)
{
	uint64_t next = 0, now = clock_mono_ms();

	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		uint64_t at = gw->uplinks[i].reopen_ms;

		if (at && (!next || at < next))
			next = at;
	}
	if (!next)
		loop_timer_stop(gw->loop, &gw->uplink_timer);
	else
		loop_timer_start(gw->loop, &gw->uplink_timer, next > now ? next - now : 0, 0);
	/* A try waits for an address: hear of addresses while one does. */
	if (gw->links && linkwatch_addresses(gw->links, next != 0))
		log_msg(LOG_WARNING, "address events: cannot %s them",
			next ? "listen to" : "stop listening to");
}

/*
 * One try. Said once per series at INFO (the device has no address yet:
 * what a PPPoE link looks like for seconds) or WARNING (anything else),
 * then at DEBUG, and at WARNING again when the wait reaches its maximum:
 * a device that never gets the configured source address must show.
 */
static void reopen_try(struct gw *gw, struct gw_uplink *u, uint64_t now)
{
	const char *dev = uplink_conf(gw, u)->device;
	char why[200] = "";
	uint32_t old;
	int err, level;

	if (!if_nametoindex(dev)) { /* gone again: its next creation says so */
		u->reopen_ms = 0;
		u->reopen_backoff_ms = 0;
		return;
	}
	err = reopen_one(gw, u, why, sizeof(why));
	if (!err) {
		log_msg(LOG_INFO,
			"uplink %s: the device is back (ifindex %u): a new socket on port %u", dev,
			u->dev_ifindex, u->local.port);
		u->reopen_ms = 0;
		u->reopen_backoff_ms = 0;
		return;
	}
	old = u->reopen_backoff_ms;
	u->reopen_backoff_ms = gw_backoff_next(old, REOPEN_RETRY_MS, REOPEN_RETRY_MAX_MS);
	u->reopen_ms = now + u->reopen_backoff_ms;
	if (!old)
		level = err == -EADDRNOTAVAIL || err == -ENODEV ? LOG_INFO : LOG_WARNING;
	else if (old < REOPEN_RETRY_MAX_MS && u->reopen_backoff_ms == REOPEN_RETRY_MAX_MS)
		level = LOG_WARNING; /* it has failed for a while: say it again */
	else
		level = LOG_DEBUG;
	log_msg(level,
		"uplink %s: no socket on the new device yet (%s); trying again in %u s, "
		"or when it gets an address",
		dev, why, u->reopen_backoff_ms / 1000);
}

static void on_reopen_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;
	uint64_t now = clock_mono_ms();

	(void)l, (void)t;
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		struct gw_uplink *u = &gw->uplinks[i];

		if (u->reopen_ms && u->reopen_ms <= now && u->fd >= 0)
			reopen_try(gw, u, now);
	}
	arm_reopen(gw);
}

/* A try in @delay_ms: the device is new, or it has just got an address. */
static void reopen_soon(struct gw *gw, struct gw_uplink *u, uint32_t delay_ms)
{
	u->reopen_ms = clock_mono_ms() + delay_ms;
	arm_reopen(gw);
}

void uplink_on_link(struct gw *gw, const struct linkwatch_event *ev)
{
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		struct gw_uplink *u = &gw->uplinks[i];
		const char *dev = uplink_conf(gw, u)->device;
		uint32_t now;

		if (u->fd < 0)
			continue;
		if (!ev->ifindex) { /* events were lost: look */
			now = if_nametoindex(dev);
			if (now && now != u->dev_ifindex)
				reopen_soon(gw, u, 0);
		} else if (ev->addr) {
			/*
			 * The new device's address, what a try waits for. Not at
			 * once: IPv4 announces an address before its local route
			 * is in (a notifier after the message), and bind() finds
			 * the address by that route. A failed try here waits no
			 * longer than 1 s for the next.
			 */
			if (u->reopen_ms && ev->ifindex != u->dev_ifindex &&
			    ev->ifindex == if_nametoindex(dev)) {
				if (u->reopen_backoff_ms > REOPEN_RETRY_MS / 2)
					u->reopen_backoff_ms = REOPEN_RETRY_MS / 2;
				reopen_soon(gw, u, REOPEN_ADDR_SETTLE_MS);
			}
		} else if (ev->gone && ev->ifindex == u->dev_ifindex) {
			log_msg(LOG_WARNING,
				"uplink %s: the device is gone; its socket is opened again when "
				"it is back",
				dev);
		} else if (!ev->gone && ev->name && !strcmp(ev->name, dev) &&
			   ev->ifindex != u->dev_ifindex) {
			if (!u->reopen_ms)
				log_msg(LOG_INFO,
					"uplink %s: the device was created again (ifindex %u, was "
					"%u)",
					dev, ev->ifindex, u->dev_ifindex);
			reopen_soon(gw, u, 0);
		}
	}
}
