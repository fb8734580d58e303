/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink internals shared by netlink.c (family, devices, events),
 * netlink_peer.c and netlink_key.c.
 */
#ifndef _AVPN_NETLINK_H
#define _AVPN_NETLINK_H

#include <net/genetlink.h>
#include "avpn.h"
#include "compat.h"

extern struct genl_family avpn_genl_family;

/* genl_ops.internal_flags: what pre_doit prepares. */
#define AVPN_NL_F_DEV 0x1  /* resolve the device, hold it; take dev->lock unless RTNL */
#define AVPN_NL_F_RTNL 0x2 /* take RTNL (device creation and deletion) */

/* Fail with an extack message (and the missing attribute) if tb[type] is absent. */
#define AVPN_NL_REQUIRE(extack, nest, tb, type, msg)                    \
	do {                                                            \
		if (!(tb)[type]) {                                      \
			NL_SET_ERR_MSG_MOD(extack, msg);                \
			NL_SET_ERR_ATTR_MISS(extack, nest, type);       \
			return -EINVAL;                                 \
		}                                                       \
	} while (0)

/* Policies (netlink_policy.c). */
extern const struct nla_policy avpn_sockaddr_policy[AUTOVPN_SA_A_MAX + 1];
extern const struct nla_policy avpn_prefix_policy[AUTOVPN_PREFIX_A_MAX + 1];
extern const struct nla_policy avpn_path_policy[AUTOVPN_PATH_A_MAX + 1];
extern const struct nla_policy avpn_peer_policy[AUTOVPN_PEER_A_MAX + 1];
extern const struct nla_policy avpn_key_policy[AUTOVPN_KEY_A_MAX + 1];

int avpn_nl_pre_doit(const avpn_genl_ops_t *ops, struct sk_buff *skb, struct genl_info *info);
void avpn_nl_post_doit(const avpn_genl_ops_t *ops, struct sk_buff *skb, struct genl_info *info);

/* The device of a request (IFINDEX or IFNAME), referenced; ERR_PTR on failure. */
struct net_device *avpn_nl_get_dev(struct net *net, struct nlattr **attrs,
				   struct netlink_ext_ack *extack);

/* Attribute output helpers (netlink.c). */
int avpn_nl_put_sockaddr(struct sk_buff *skb, int type, const struct sockaddr *sa);
int avpn_nl_put_drops(struct sk_buff *skb, int type, const u64 *drops);

/* Parse an endpoint nest into a freshly allocated avpn_endpoint. */
struct avpn_endpoint *avpn_nl_parse_endpoint(const struct nlattr *nest,
					     struct netlink_ext_ack *extack);

/* Handlers. */
int avpn_nl_dev_new(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_dev_del(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_dev_get(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_dev_dump(struct sk_buff *skb, struct netlink_callback *cb);
int avpn_nl_dev_set(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_peer_new(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_peer_set(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_peer_del(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_peer_get(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_peer_dump(struct sk_buff *skb, struct netlink_callback *cb);
int avpn_nl_key_new(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_key_swap(struct sk_buff *skb, struct genl_info *info);
int avpn_nl_key_del(struct sk_buff *skb, struct genl_info *info);

/* Peer helpers used by the key handlers (netlink_peer.c). */
struct avpn_peer *avpn_nl_peer_from_id(struct avpn_dev *avpn, const struct nlattr *attr,
				       struct netlink_ext_ack *extack);

#endif /* _AVPN_NETLINK_H */
