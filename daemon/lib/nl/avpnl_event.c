// SPDX-License-Identifier: GPL-2.0
/* avpnl_event.c - the kernel's notifications (see avpnl_event.h). */
#include <errno.h>
#include <string.h>

#include <netlink/genl/ctrl.h>

#include "nl/avpnl_event.h"
#include "nl/avpnl_priv.h"

int avpnl_event_subscribe(struct avpnl *h)
{
	int grp;

	h->has_msg = false;
	grp = genl_ctrl_resolve_grp(h->sk, AUTOVPN_GENL_NAME, AUTOVPN_MCGRP_EVENTS);
	if (grp < 0)
		return avpnl_local_err(h, grp, "resolving the events group");
	/*
	 * Notifications are unsolicited: no sequence numbers to match (also
	 * disabled per receive in avpnl_event_recv(), which uses its own cb).
	 */
	nl_socket_disable_seq_check(h->sk);
	grp = nl_socket_add_membership(h->sk, grp);
	if (grp < 0)
		return avpnl_local_err(h, grp, "joining the events group");
	return 0;
}

int avpnl_event_fd(const struct avpnl *h)
{
	return nl_socket_get_fd(h->sk);
}

struct ev_ctx {
	struct avpnl *h;
	avpnl_event_cb cb;
	void *arg;
	int ret;
};

static int ev_valid(struct nl_msg *msg, void *arg)
{
	struct ev_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g;
	struct nlattr *tb[AUTOVPN_A_MAX + 1];
	struct avpnl_event ev;

	if (c->ret || nlh->nlmsg_type != c->h->family || !genlmsg_valid_hdr(nlh, 0))
		return NL_OK;
	g = nlmsg_data(nlh);
	if (g->cmd != AUTOVPN_CMD_EVENT ||
	    nla_parse(tb, AUTOVPN_A_MAX, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), NULL) < 0)
		return NL_OK;
	memset(&ev, 0, sizeof(ev));
	if (!avpnl_get_u8(tb[AUTOVPN_A_EVENT], &ev.type))
		return NL_OK;
	avpnl_get_u32(tb[AUTOVPN_A_IFINDEX], &ev.ifindex);
	avpnl_get_u32(tb[AUTOVPN_A_PEER_ID], &ev.peer_id);
	ev.has_key_id = avpnl_get_u8(tb[AUTOVPN_A_KEY_ID], &ev.key_id);
	c->ret = c->cb(&ev, c->arg);
	return NL_OK;
}

/* Notifications carry sequence number 0: accept them all. */
static int ev_seq_ok(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

int avpnl_event_recv(struct avpnl *h, avpnl_event_cb cb, void *arg)
{
	struct ev_ctx c = { .h = h, .cb = cb, .arg = arg };
	struct nl_cb *ncb;
	int r;

	h->has_msg = false;
	ncb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ncb)
		return -ENOMEM;
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, ev_valid, &c);
	nl_cb_set(ncb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, ev_seq_ok, NULL);
	r = nl_recvmsgs(h->sk, ncb);
	nl_cb_put(ncb);
	/* libnl reports recvmsg()'s ENOBUFS, the socket's overflow, so. */
	if (r == -NLE_NOMEM) {
		avpnl_set_msg(h, "receiving events: the socket overflowed, events were lost");
		return -ENOBUFS;
	}
	if (r < 0)
		return avpnl_local_err(h, r, "receiving events");
	return c.ret;
}
