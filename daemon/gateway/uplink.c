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
 */
#include <errno.h>
#include <sys/epoll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sodium.h>

#include "base/log.h"
#include "base/udpsock.h"
#include "gateway.h"
#include "nl/avpnl.h"
#include "nl/avpnl_dev.h"
#include "nl/kroute.h"

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
 * kernel socket has: bind the same, so NAT mappings stay.
 */
static int uplink_open(struct gw *gw, struct gw_uplink *u, const struct endpoint *want)
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
	int fd;

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
		log_msg(LOG_WARNING,
			"%s: cannot take over the running socket's port %u (%s): "
			"a new port means new NAT mappings",
			gwconf_uplink_name(u->id), want->port, err);
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
	u->fd = fd;
	return loop_add_fd(gw->loop, fd, EPOLLIN, on_readable, u);
}

int uplink_open_all(struct gw *gw)
{
	struct avpnl_dev dev;
	int err;

	memset(&dev, 0, sizeof(dev));
	/* An adopted device tells which ports its sockets have. */
	if (gw->ifindex && avpnl_dev_get(gw->nl, gw->ifindex, &dev))
		memset(&dev, 0, sizeof(dev));
	gw->n_uplinks = gw->conf->n_uplinks;
	for (unsigned int i = 0; i < gw->n_uplinks; i++) {
		struct gw_uplink *u = &gw->uplinks[i];
		const struct endpoint *want = NULL;

		memset(u, 0, sizeof(*u));
		u->gw = gw;
		u->id = (uint8_t)i;
		u->fd = -1;
		for (size_t k = 0; k < dev.n_uplinks; k++)
			if (dev.uplinks[k].id == i && dev.uplinks[k].has_local)
				want = &dev.uplinks[k].local;
		err = uplink_open(gw, u, want);
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

int uplink_reopen_all(struct gw *gw, struct gwconf *nc)
{
	struct gw_uplink old[GW_MAX_UPLINKS];
	unsigned int old_n = gw->n_uplinks;
	struct gwconf *oc = gw->conf;
	bool attached = false;
	int err;

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
		return err;
	}
	/* The kernel has the new sockets now: the old ones may go. */
	uplinks_close(gw, old, old_n);
	return 0;
}

void uplink_close_all(struct gw *gw)
{
	uplinks_close(gw, gw->uplinks, gw->n_uplinks);
}
