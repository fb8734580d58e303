// SPDX-License-Identifier: GPL-2.0
/* linkwatch.c - the host's link events (see linkwatch.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl/linkwatch.h"

#define LINKWATCH_RCVBUF (1 << 20)

struct linkwatch {
	struct nl_sock *sk;
	bool addresses; /* in the address groups (linkwatch_addresses()) */
	linkwatch_fn fn;
	void *arg;
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct linkwatch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct linkwatch_event ev = { 0 };
	const struct ifinfomsg *ifi;
	const struct ifaddrmsg *ifa;
	struct nlattr *a;
	char name[IFNAMSIZ];

	if (h->nlmsg_type == RTM_NEWADDR && nlmsg_datalen(h) >= (int)sizeof(*ifa)) {
		ifa = nlmsg_data(h);
		ev.ifindex = ifa->ifa_index;
		ev.addr = true;
		if (ev.ifindex)
			w->fn(w->arg, &ev);
		return NL_OK;
	}
	if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
	    nlmsg_datalen(h) < (int)sizeof(*ifi))
		return NL_OK;
	ifi = nlmsg_data(h);
	a = nlmsg_find_attr(h, sizeof(*ifi), IFLA_IFNAME);
	if (a) {
		nla_strlcpy(name, a, sizeof(name));
		ev.name = name;
	}
	ev.ifindex = ifi->ifi_index > 0 ? (uint32_t)ifi->ifi_index : 0;
	ev.up = ifi->ifi_flags & IFF_UP;
	ev.gone = h->nlmsg_type == RTM_DELLINK;
	if (ev.ifindex)
		w->fn(w->arg, &ev);
	return NL_OK;
}

int linkwatch_open(struct linkwatch **out, linkwatch_fn fn, void *arg)
{
	struct linkwatch *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	w->sk = nl_socket_alloc();
	if (!w->sk) {
		free(w);
		return -ENOMEM;
	}
	/* Notifications are unsolicited: sequence number 0. */
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	e = nl_connect(w->sk, NETLINK_ROUTE);
	if (!e)
		e = nl_socket_add_membership(w->sk, RTNLGRP_LINK);
	if (!e)
		e = nl_socket_set_nonblocking(w->sk);
	/* Room for a burst (many devices at once): an overrun costs a full
	 * read of the routing tables (route.c). Past rmem_max where we may. */
	if (!e) {
		nl_socket_set_buffer_size(w->sk, LINKWATCH_RCVBUF, 0);
		setsockopt(nl_socket_get_fd(w->sk), SOL_SOCKET, SO_RCVBUFFORCE,
			   &(int){ LINKWATCH_RCVBUF }, sizeof(int));
	}
	if (e) {
		nl_socket_free(w->sk);
		free(w);
		return -EIO;
	}
	*out = w;
	return 0;
}

int linkwatch_addresses(struct linkwatch *w, bool on)
{
	int e;

	if (w->addresses == on)
		return 0;
	e = on ? nl_socket_add_memberships(w->sk, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0) :
		 nl_socket_drop_memberships(w->sk, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0);
	if (e < 0)
		return -EIO;
	w->addresses = on;
	return 0;
}

int linkwatch_fd(const struct linkwatch *w)
{
	return nl_socket_get_fd(w->sk);
}

void linkwatch_input(struct linkwatch *w)
{
	int e = nl_recvmsgs_default(w->sk);

	/* Nothing (more) waiting is fine; anything else lost events. */
	if (e < 0 && e != -NLE_AGAIN)
		w->fn(w->arg, &(struct linkwatch_event){ 0 });
}

void linkwatch_close(struct linkwatch *w)
{
	if (!w)
		return;
	nl_socket_free(w->sk);
	free(w);
}
