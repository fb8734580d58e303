// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink: request plumbing, device operations and events.
 *
 * pre_doit resolves the device named by the request in the caller's netns
 * and takes its configuration lock (or RTNL for creation/deletion), so the
 * handlers validate and apply a request under one lock: each validates
 * everything and allocates what it needs first, then commits with steps that
 * cannot fail. A rejected request changes nothing.
 */
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include "netlink.h"

struct net_device *avpn_nl_get_dev(struct net *net, struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (attrs[AUTOVPN_A_IFINDEX]) {
		dev = dev_get_by_index(net, nla_get_u32(attrs[AUTOVPN_A_IFINDEX]));
		if (dev && attrs[AUTOVPN_A_IFNAME] &&
		    nla_strcmp(attrs[AUTOVPN_A_IFNAME], dev->name)) {
			dev_put(dev);
			NL_SET_ERR_MSG_MOD(extack, "IFINDEX and IFNAME name different interfaces");
			return ERR_PTR(-EINVAL);
		}
	} else if (attrs[AUTOVPN_A_IFNAME]) {
		dev = dev_get_by_name(net, nla_data(attrs[AUTOVPN_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG_MOD(extack, "missing attribute: IFINDEX or IFNAME");
		NL_SET_ERR_ATTR_MISS(extack, NULL, AUTOVPN_A_IFINDEX);
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG_MOD(extack, "no such interface");
		return ERR_PTR(-ENODEV);
	}
	if (dev->rtnl_link_ops != &avpn_link_ops) {
		dev_put(dev);
		NL_SET_ERR_MSG_MOD(extack, "interface is not an autovpn device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

int avpn_nl_pre_doit(const avpn_genl_ops_t *ops, struct sk_buff *skb, struct genl_info *info)
{
	bool rtnl = ops->internal_flags & AVPN_NL_F_RTNL;
	struct net_device *dev;
	struct avpn_dev *avpn;

	info->user_ptr[0] = NULL;
	if (rtnl)
		rtnl_lock();
	if (!(ops->internal_flags & AVPN_NL_F_DEV))
		return 0;
	dev = avpn_nl_get_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev)) {
		if (rtnl)
			rtnl_unlock();
		return PTR_ERR(dev);
	}
	avpn = netdev_priv(dev);
	if (!rtnl) {
		/* Lock order: RTNL, then dev->lock (ndo_uninit takes it under RTNL). */
		mutex_lock(&avpn->lock);
		if (avpn->dead) {
			mutex_unlock(&avpn->lock);
			dev_put(dev);
			NL_SET_ERR_MSG_MOD(info->extack, "interface is being deleted");
			return -ENODEV;
		}
	}
	info->user_ptr[0] = avpn;
	return 0;
}

void avpn_nl_post_doit(const avpn_genl_ops_t *ops, struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	bool rtnl = ops->internal_flags & AVPN_NL_F_RTNL;

	if (avpn) {
		if (!rtnl)
			mutex_unlock(&avpn->lock);
		dev_put(avpn->dev);
	}
	if (rtnl)
		rtnl_unlock();
}

/* ---- attribute helpers ---- */

int avpn_nl_put_sockaddr(struct sk_buff *skb, int type, const struct sockaddr *sa)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		if (nla_put_in_addr(skb, AUTOVPN_SA_A_IPV4, sin->sin_addr.s_addr) ||
		    nla_put_be16(skb, AUTOVPN_SA_A_PORT, sin->sin_port))
			goto cancel;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		if (nla_put_in6_addr(skb, AUTOVPN_SA_A_IPV6, &sin6->sin6_addr) ||
		    nla_put_be16(skb, AUTOVPN_SA_A_PORT, sin6->sin6_port))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Counters indexed by enum autovpn_drop_reason (type 0 is the padding type). */
int avpn_nl_put_drops(struct sk_buff *skb, int type, const u64 *drops)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int r;

	if (!nest)
		return -EMSGSIZE;
	for (r = 1; r <= AUTOVPN_DROP_MAX; r++) {
		if (nla_put_u64_64bit(skb, r, drops[r], AUTOVPN_DROP_UNSPEC)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

struct avpn_endpoint *avpn_nl_parse_endpoint(const struct nlattr *nest,
					     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[AUTOVPN_SA_A_MAX + 1];
	struct avpn_endpoint *ep;
	int err;

	err = nla_parse_nested(tb, AUTOVPN_SA_A_MAX, nest, avpn_sockaddr_policy, extack);
	if (err)
		return ERR_PTR(err);
	if (!!tb[AUTOVPN_SA_A_IPV4] == !!tb[AUTOVPN_SA_A_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "endpoint needs exactly one of IPV4 and IPV6");
		return ERR_PTR(-EINVAL);
	}
	if (!tb[AUTOVPN_SA_A_PORT] || !nla_get_be16(tb[AUTOVPN_SA_A_PORT])) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "endpoint needs a non-zero PORT");
		return ERR_PTR(-EINVAL);
	}
	ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	if (!ep) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		return ERR_PTR(-ENOMEM);
	}
	if (tb[AUTOVPN_SA_A_IPV4]) {
		ep->sin.sin_family = AF_INET;
		ep->sin.sin_addr.s_addr = nla_get_in_addr(tb[AUTOVPN_SA_A_IPV4]);
		ep->sin.sin_port = nla_get_be16(tb[AUTOVPN_SA_A_PORT]);
		if (ipv4_is_multicast(ep->sin.sin_addr.s_addr) || ipv4_is_zeronet(ep->sin.sin_addr.s_addr) ||
		    ipv4_is_lbcast(ep->sin.sin_addr.s_addr))
			goto bad_addr;
	} else {
		ep->sin6.sin6_family = AF_INET6;
		ep->sin6.sin6_addr = nla_get_in6_addr(tb[AUTOVPN_SA_A_IPV6]);
		ep->sin6.sin6_port = nla_get_be16(tb[AUTOVPN_SA_A_PORT]);
		if (ipv6_addr_any(&ep->sin6.sin6_addr) || ipv6_addr_is_multicast(&ep->sin6.sin6_addr))
			goto bad_addr;
	}
	return ep;

bad_addr:
	kfree(ep);
	NL_SET_ERR_MSG_ATTR(extack, nest, "endpoint address must be a unicast address");
	return ERR_PTR(-EINVAL);
}

/* ---- devices ---- */

static void dev_drops(struct avpn_dev *avpn, u64 *drops)
{
	unsigned int start;
	int cpu, r;

	memset(drops, 0, sizeof(u64) * __AUTOVPN_DROP_MAX);
	for_each_possible_cpu(cpu) {
		const struct avpn_dev_stats *s = per_cpu_ptr(avpn->stats, cpu);
		u64 v[__AUTOVPN_DROP_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (r = 0; r < __AUTOVPN_DROP_MAX; r++)
				v[r] = u64_stats_read(&s->drops[r]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (r = 0; r < __AUTOVPN_DROP_MAX; r++)
			drops[r] += v[r];
	}
}

static int put_uplinks(struct sk_buff *skb, struct avpn_dev *avpn)
{
	struct sockaddr_storage ss;
	struct nlattr *nest;
	int i;

	for (i = 0; i < AUTOVPN_MAX_UPLINKS; i++) {
		struct avpn_uplink *up =
			rcu_dereference_protected(avpn->uplinks[i], lockdep_is_held(&avpn->lock));

		if (!up)
			continue;
		nest = nla_nest_start(skb, AUTOVPN_A_UPLINK);
		if (!nest || nla_put_u8(skb, AUTOVPN_UPLINK_A_ID, i))
			return -EMSGSIZE;
		memset(&ss, 0, sizeof(ss));
		if (kernel_getsockname(up->sock, (struct sockaddr *)&ss) >= 0 &&
		    avpn_nl_put_sockaddr(skb, AUTOVPN_UPLINK_A_LOCAL, (struct sockaddr *)&ss))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* One device message. Under avpn->lock. */
static int fill_dev(struct sk_buff *skb, struct avpn_dev *avpn, u32 portid, u32 seq, int flags,
		    u8 cmd, struct netlink_callback *cb)
{
	u64 drops[__AUTOVPN_DROP_MAX];
	void *hdr;

	lockdep_assert_held(&avpn->lock);
	hdr = genlmsg_put(skb, portid, seq, &avpn_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	dev_drops(avpn, drops);
	if (nla_put_u32(skb, AUTOVPN_A_IFINDEX, avpn->dev->ifindex) ||
	    nla_put_string(skb, AUTOVPN_A_IFNAME, avpn->dev->name) ||
	    nla_put_u32(skb, AUTOVPN_A_MTU, READ_ONCE(avpn->dev->mtu)) ||
	    nla_put_u8(skb, AUTOVPN_A_ACTIVE_ACTIVE, READ_ONCE(avpn->active_active)) ||
	    nla_put_u32(skb, AUTOVPN_A_NPEERS, avpn->npeers) || put_uplinks(skb, avpn) ||
	    avpn_nl_put_drops(skb, AUTOVPN_A_STATS, drops)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int reply_dev(struct avpn_dev *avpn, struct genl_info *info, u8 cmd)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int err;

	if (!msg)
		return -ENOMEM;
	err = fill_dev(msg, avpn, info->snd_portid, info->snd_seq, 0, cmd, NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int avpn_nl_dev_new(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn;
	struct sk_buff *msg;
	u32 mtu = 0;
	int err;

	AVPN_NL_REQUIRE(info->extack, NULL, info->attrs, AUTOVPN_A_IFNAME,
			"missing attribute: IFNAME");
	if (info->attrs[AUTOVPN_A_MTU])
		mtu = nla_get_u32(info->attrs[AUTOVPN_A_MTU]);
	/*
	 * The reply tells the creator the ifindex (and the name, if it had a
	 * %d). Allocated first: once the device is registered, the request
	 * has succeeded and nothing may fail it any more.
	 */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory");
		return -ENOMEM;
	}
	avpn = avpn_dev_create(genl_info_net(info), nla_data(info->attrs[AUTOVPN_A_IFNAME]), mtu,
			       info->extack);
	if (IS_ERR(avpn)) {
		nlmsg_free(msg);
		return PTR_ERR(avpn);
	}
	mutex_lock(&avpn->lock);
	/* A new device (no peers, no uplinks) always fits NLMSG_GOODSIZE. */
	err = fill_dev(msg, avpn, info->snd_portid, info->snd_seq, 0, AUTOVPN_CMD_DEV_NEW, NULL);
	mutex_unlock(&avpn->lock);
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(msg);
		return 0;
	}
	/*
	 * A reply the requester cannot take (its receive buffer is full) is
	 * lost like any message to it; the device exists all the same, and
	 * the requester can find it by name.
	 */
	genlmsg_reply(msg, info);
	return 0;
}

int avpn_nl_dev_del(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];

	/* ndo_uninit tears down peers and uplinks; the device goes at rtnl_unlock. */
	unregister_netdevice(avpn->dev);
	return 0;
}

int avpn_nl_dev_get(struct sk_buff *skb, struct genl_info *info)
{
	return reply_dev(info->user_ptr[0], info, AUTOVPN_CMD_DEV_GET);
}

/* All autovpn devices of the caller's netns; cb->args[0] = devices already sent. */
int avpn_nl_dev_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	struct net_device *dev;
	long idx = 0, skip = cb->args[0];
	int err = 0;

	rtnl_lock();
	/* Devices added or removed between two calls: NLM_F_DUMP_INTR. */
	cb->seq = net->dev_base_seq;
	for_each_netdev(net, dev) {
		struct avpn_dev *avpn;

		if (dev->rtnl_link_ops != &avpn_link_ops)
			continue;
		if (idx++ < skip)
			continue;
		avpn = netdev_priv(dev);
		mutex_lock(&avpn->lock);
		err = avpn->dead ? 0 :
				   fill_dev(skb, avpn, NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI, AUTOVPN_CMD_DEV_GET, cb);
		mutex_unlock(&avpn->lock);
		if (err) {
			idx--;
			break;
		}
	}
	rtnl_unlock();
	cb->args[0] = idx;
	/* A message that filled up is continued in the next call. */
	if (err && !(err == -EMSGSIZE && skb->len))
		return err;
	return skb->len;
}

struct uplink_req {
	u8 id;
	int fd; /* -1: detach */
	struct avpn_uplink *up; /* prepared; NULL = no change */
	bool hooked;
};

static void uplinks_unwind(struct uplink_req *req, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (req[i].hooked)
			avpn_uplink_unhook(req[i].up);
		avpn_uplink_discard(req[i].up);
	}
}

int avpn_nl_dev_set(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct netlink_ext_ack *extack = info->extack;
	struct uplink_req req[AUTOVPN_MAX_UPLINKS];
	struct nlattr *tb[AUTOVPN_UPLINK_A_MAX + 1];
	struct nlattr *attr;
	int n = 0, i, rem, err;

	/* 1. Parse every uplink nest. */
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr), genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != AUTOVPN_A_UPLINK)
			continue;
		err = nla_parse_nested(tb, AUTOVPN_UPLINK_A_MAX, attr, NULL, extack);
		if (err)
			return err;
		AVPN_NL_REQUIRE(extack, attr, tb, AUTOVPN_UPLINK_A_ID, "uplink needs an ID");
		if (n == AUTOVPN_MAX_UPLINKS) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many uplinks in one request");
			return -EINVAL;
		}
		req[n].id = nla_get_u8(tb[AUTOVPN_UPLINK_A_ID]);
		for (i = 0; i < n; i++) {
			if (req[i].id == req[n].id) {
				NL_SET_ERR_MSG_ATTR(extack, attr, "uplink listed twice");
				return -EINVAL;
			}
		}
		req[n].fd = tb[AUTOVPN_UPLINK_A_FD] ? (int)nla_get_u32(tb[AUTOVPN_UPLINK_A_FD]) : -1;
		if (tb[AUTOVPN_UPLINK_A_FD] && req[n].fd < 0) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AUTOVPN_UPLINK_A_FD], "invalid fd");
			return -EBADF;
		}
		req[n].up = NULL;
		req[n].hooked = false;
		n++;
	}

	/* 2. Look up and check the sockets, then claim them; undo all on failure. */
	for (i = 0; i < n; i++) {
		if (req[i].fd < 0)
			continue;
		req[i].up = avpn_uplink_prepare(avpn, req[i].id, req[i].fd, extack);
		if (IS_ERR(req[i].up)) {
			err = PTR_ERR(req[i].up);
			req[i].up = NULL;
			goto err_unwind;
		}
	}
	for (i = 0; i < n; i++) {
		if (!req[i].up)
			continue;
		err = avpn_uplink_hook(req[i].up, extack);
		if (err)
			goto err_unwind;
		req[i].hooked = true;
	}

	/* 3. Commit: nothing below fails. */
	for (i = 0; i < n; i++) {
		if (req[i].fd >= 0 && !req[i].up)
			continue; /* the same socket again */
		avpn_uplink_publish(avpn, req[i].id, req[i].up);
	}
	if (info->attrs[AUTOVPN_A_ACTIVE_ACTIVE])
		WRITE_ONCE(avpn->active_active, nla_get_u8(info->attrs[AUTOVPN_A_ACTIVE_ACTIVE]));
	return 0;

err_unwind:
	uplinks_unwind(req, n);
	return err;
}

/* ---- events ---- */

void avpn_notify_key_event(struct avpn_peer *peer, u8 key_id, enum autovpn_event event)
{
	struct net_device *dev = peer->avpn->dev;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &avpn_genl_family, 0, AUTOVPN_CMD_EVENT);
	if (!hdr)
		goto err;
	if (nla_put_u8(msg, AUTOVPN_A_EVENT, event) ||
	    nla_put_u32(msg, AUTOVPN_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, AUTOVPN_A_IFNAME, dev->name) ||
	    nla_put_u32(msg, AUTOVPN_A_PEER_ID, peer->id) ||
	    nla_put_u8(msg, AUTOVPN_A_KEY_ID, key_id))
		goto err;
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&avpn_genl_family, dev_net(dev), msg, 0, 0, GFP_ATOMIC);
	return;
err:
	nlmsg_free(msg);
}

int __init avpn_genl_init(void)
{
	return genl_register_family(&avpn_genl_family);
}

void avpn_genl_uninit(void)
{
	genl_unregister_family(&avpn_genl_family);
}
