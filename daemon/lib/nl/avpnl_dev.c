// SPDX-License-Identifier: GPL-2.0
/* avpnl_dev.c - autovpn devices over generic netlink (see avpnl_dev.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nl/avpnl_dev.h"
#include "nl/avpnl_priv.h"

static int parse_dev(struct avpnl *h, struct nlmsghdr *nlh, struct avpnl_dev *d)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a;
	uint8_t aa = 0;
	int rem;

	memset(d, 0, sizeof(*d));
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		switch (nla_type(a)) {
		case AUTOVPN_A_IFINDEX:
			avpnl_get_u32(a, &d->ifindex);
			break;
		case AUTOVPN_A_IFNAME:
			snprintf(d->ifname, sizeof(d->ifname), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
			break;
		case AUTOVPN_A_MTU:
			avpnl_get_u32(a, &d->mtu);
			break;
		case AUTOVPN_A_ACTIVE_ACTIVE:
			if (avpnl_get_u8(a, &aa))
				d->active_active = aa != 0;
			break;
		case AUTOVPN_A_NPEERS:
			avpnl_get_u32(a, &d->npeers);
			break;
		case AUTOVPN_A_STATS:
			d->has_stats = true;
			avpnl_parse_drops(a, d->drops);
			break;
		case AUTOVPN_A_UPLINK: {
			struct nlattr *tb[AUTOVPN_UPLINK_A_MAX + 1];
			struct avpnl_dev_uplink *u;

			if (d->n_uplinks >= AUTOVPN_MAX_UPLINKS ||
			    avpnl_parse_nested(tb, AUTOVPN_UPLINK_A_MAX, a) < 0)
				break;
			u = &d->uplinks[d->n_uplinks];
			memset(u, 0, sizeof(*u));
			if (!avpnl_get_u8(tb[AUTOVPN_UPLINK_A_ID], &u->id))
				break;
			if (tb[AUTOVPN_UPLINK_A_LOCAL])
				u->has_local = !avpnl_parse_sockaddr(tb[AUTOVPN_UPLINK_A_LOCAL],
								     &u->local);
			d->n_uplinks++;
			break;
		}
		default:
			break;
		}
	}
	if (!d->ifindex) {
		avpnl_set_msg(h, "device reply without ifindex");
		return -EPROTO;
	}
	return 0;
}

struct dev_new_ctx {
	uint32_t ifindex;
};

static int dev_new_valid(struct avpnl *h, struct nlmsghdr *nlh, void *arg)
{
	struct dev_new_ctx *c = arg;
	struct avpnl_dev d;

	if (!parse_dev(h, nlh, &d))
		c->ifindex = d.ifindex;
	h->has_msg = false;
	return 0;
}

int avpnl_dev_new(struct avpnl *h, const char *ifname, uint32_t mtu, uint32_t *ifindex)
{
	struct dev_new_ctx c = { 0 };
	struct nl_msg *msg;
	int r;

	msg = avpnl_req_new(h, AUTOVPN_CMD_DEV_NEW, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, AUTOVPN_A_IFNAME, ifname) < 0 ||
	    (mtu && nla_put_u32(msg, AUTOVPN_A_MTU, mtu) < 0))
		return avpnl_put_failed(h, msg);
	r = avpnl_transact(h, msg, dev_new_valid, &c);
	if (r)
		return r;
	/* The kernel may or may not answer with the new device. */
	if (!c.ifindex)
		c.ifindex = if_nametoindex(ifname);
	if (ifindex)
		*ifindex = c.ifindex;
	return 0;
}

static int simple_dev_req(struct avpnl *h, uint8_t cmd, uint32_t ifindex)
{
	struct nl_msg *msg;

	msg = avpnl_req_new(h, cmd, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		return avpnl_put_failed(h, msg);
	return avpnl_transact(h, msg, NULL, NULL);
}

int avpnl_dev_del(struct avpnl *h, uint32_t ifindex)
{
	return simple_dev_req(h, AUTOVPN_CMD_DEV_DEL, ifindex);
}

struct dev_get_ctx {
	struct avpnl_dev *out;
	bool got;
	avpnl_dev_cb cb;
	void *arg;
	int stop;
};

static int dev_get_valid(struct avpnl *h, struct nlmsghdr *nlh, void *arg)
{
	struct dev_get_ctx *c = arg;
	struct avpnl_dev d;
	int r;

	r = parse_dev(h, nlh, &d);
	if (r)
		return r;
	if (c->out) {
		*c->out = d;
		c->got = true;
		return 0;
	}
	if (!c->stop)
		c->stop = c->cb(&d, c->arg);
	return 0;
}

int avpnl_dev_get(struct avpnl *h, uint32_t ifindex, struct avpnl_dev *out)
{
	struct dev_get_ctx c = { .out = out };
	struct nl_msg *msg;
	int r;

	msg = avpnl_req_new(h, AUTOVPN_CMD_DEV_GET, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		return avpnl_put_failed(h, msg);
	r = avpnl_transact(h, msg, dev_get_valid, &c);
	if (r)
		return r;
	if (!c.got) {
		avpnl_set_msg(h, "no reply to DEV_GET");
		return -EPROTO;
	}
	return 0;
}

int avpnl_dev_dump(struct avpnl *h, avpnl_dev_cb cb, void *arg)
{
	struct dev_get_ctx c = { .cb = cb, .arg = arg };
	struct nl_msg *msg;
	int r;

	msg = avpnl_req_new(h, AUTOVPN_CMD_DEV_GET, NLM_F_DUMP, 0);
	if (!msg)
		return -ENOMEM;
	r = avpnl_transact(h, msg, dev_get_valid, &c);
	return r ? r : c.stop;
}

int avpnl_dev_set(struct avpnl *h, uint32_t ifindex, const struct avpnl_dev_set *req)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	size_t i;

	msg = avpnl_req_new(h, AUTOVPN_CMD_DEV_SET, 0, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0)
		return avpnl_put_failed(h, msg);
	if (req->set_active_active &&
	    nla_put_u8(msg, AUTOVPN_A_ACTIVE_ACTIVE, req->active_active ? 1 : 0) < 0)
		return avpnl_put_failed(h, msg);
	for (i = 0; i < req->n_uplinks && i < AUTOVPN_MAX_UPLINKS; i++) {
		const struct avpnl_dev_uplink_set *u = &req->uplinks[i];

		if (avpnl_nest_open(msg, AUTOVPN_A_UPLINK, &nest) ||
		    nla_put_u8(msg, AUTOVPN_UPLINK_A_ID, u->id) < 0 ||
		    (u->fd >= 0 && nla_put_u32(msg, AUTOVPN_UPLINK_A_FD, (uint32_t)u->fd) < 0))
			return avpnl_put_failed(h, msg);
		nla_nest_end(msg, nest);
	}
	return avpnl_transact(h, msg, NULL, NULL);
}

int avpnl_dev_set_uplink(struct avpnl *h, uint32_t ifindex, uint8_t id, int fd)
{
	struct avpnl_dev_set req = { .n_uplinks = 1, .uplinks = { { .id = id, .fd = fd } } };

	return avpnl_dev_set(h, ifindex, &req);
}

int avpnl_dev_set_flags(struct avpnl *h, uint32_t ifindex, bool active_active)
{
	struct avpnl_dev_set req = { .set_active_active = true, .active_active = active_active };

	return avpnl_dev_set(h, ifindex, &req);
}
