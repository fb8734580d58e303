// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute policies and the operation table of the "autovpn" genl family.
 *
 * Every operation has its own top-level policy that lists only the
 * attributes it uses; the family is new (resv_start_op = 0), so the core
 * validates strictly: unknown or unlisted attributes, wrong lengths and
 * out-of-range values are refused with an extack message before a handler
 * runs. Nested attributes are validated through NLA_POLICY_NESTED.
 */
#include "netlink.h"

const struct nla_policy avpn_sockaddr_policy[AUTOVPN_SA_A_MAX + 1] = {
	[AUTOVPN_SA_A_IPV4] = { .type = NLA_BE32 },
	[AUTOVPN_SA_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[AUTOVPN_SA_A_PORT] = { .type = NLA_BE16 },
};

const struct nla_policy avpn_prefix_policy[AUTOVPN_PREFIX_A_MAX + 1] = {
	[AUTOVPN_PREFIX_A_IPV4] = { .type = NLA_BE32 },
	[AUTOVPN_PREFIX_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[AUTOVPN_PREFIX_A_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[AUTOVPN_PREFIX_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, AUTOVPN_PREFIX_F_REMOVE),
};

/* A list of prefixes: only PREFIX nests inside. */
static const struct nla_policy prefix_list_policy[AUTOVPN_PEER_A_MAX + 1] = {
	[AUTOVPN_PEER_A_PREFIX] = NLA_POLICY_NESTED(avpn_prefix_policy),
};

const struct nla_policy avpn_path_policy[AUTOVPN_PATH_A_MAX + 1] = {
	[AUTOVPN_PATH_A_ID] = NLA_POLICY_MAX(NLA_U8, AUTOVPN_MAX_PATHS - 1),
	[AUTOVPN_PATH_A_UPLINK] = NLA_POLICY_MAX(NLA_U8, AUTOVPN_MAX_UPLINKS - 1),
	[AUTOVPN_PATH_A_REMOTE] = NLA_POLICY_NESTED(avpn_sockaddr_policy),
	[AUTOVPN_PATH_A_STATE] = NLA_POLICY_MAX(NLA_U8, AUTOVPN_PATH_UP),
	[AUTOVPN_PATH_A_PRIORITY] = { .type = NLA_U8 },
	[AUTOVPN_PATH_A_CLASS_MASK] = { .type = NLA_U32 },
	[AUTOVPN_PATH_A_REMOVE] = { .type = NLA_FLAG },
};

static const struct nla_policy path_list_policy[AUTOVPN_PEER_A_MAX + 1] = {
	[AUTOVPN_PEER_A_PATH] = NLA_POLICY_NESTED(avpn_path_policy),
};

/* PEER_NEW / PEER_SET. */
const struct nla_policy avpn_peer_policy[AUTOVPN_PEER_A_MAX + 1] = {
	[AUTOVPN_PEER_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[AUTOVPN_PEER_A_RX_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	/* Receivers refuse index 0 (unset): nothing may be sent with it. */
	[AUTOVPN_PEER_A_TX_INDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[AUTOVPN_PEER_A_NAME] = { .type = NLA_NUL_STRING, .len = AUTOVPN_MAX_PEER_NAME - 1 },
	[AUTOVPN_PEER_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __AUTOVPN_PEER_F_ALL),
	[AUTOVPN_PEER_A_ROUTES] = NLA_POLICY_NESTED(prefix_list_policy),
	[AUTOVPN_PEER_A_ALLOWED] = NLA_POLICY_NESTED(prefix_list_policy),
	[AUTOVPN_PEER_A_PATHS] = NLA_POLICY_NESTED(path_list_policy),
};

/* PEER_DEL / PEER_GET: the peer is named by its id only. */
static const struct nla_policy peer_id_policy[AUTOVPN_PEER_A_MAX + 1] = {
	[AUTOVPN_PEER_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy avpn_key_policy[AUTOVPN_KEY_A_MAX + 1] = {
	[AUTOVPN_KEY_A_SLOT] = NLA_POLICY_MAX(NLA_U8, __AUTOVPN_KEY_SLOT_MAX - 1),
	[AUTOVPN_KEY_A_ID] = { .type = NLA_U8 },
	[AUTOVPN_KEY_A_ENCRYPT_KEY] = NLA_POLICY_EXACT_LEN(AUTOVPN_KEY_LEN),
	[AUTOVPN_KEY_A_ENCRYPT_SALT] = NLA_POLICY_EXACT_LEN(AUTOVPN_SALT_LEN),
	[AUTOVPN_KEY_A_DECRYPT_KEY] = NLA_POLICY_EXACT_LEN(AUTOVPN_KEY_LEN),
	[AUTOVPN_KEY_A_DECRYPT_SALT] = NLA_POLICY_EXACT_LEN(AUTOVPN_SALT_LEN),
	[AUTOVPN_KEY_A_REKEY_PACKETS] = NLA_POLICY_MIN(NLA_U64, 1),
	[AUTOVPN_KEY_A_LIMIT_PACKETS] = NLA_POLICY_MIN(NLA_U64, 1),
	[AUTOVPN_KEY_A_REKEY_SECS] = NLA_POLICY_MIN(NLA_U32, 1),
	[AUTOVPN_KEY_A_LIFETIME_SECS] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* KEY_DEL: only the slot. */
static const struct nla_policy key_slot_policy[AUTOVPN_KEY_A_MAX + 1] = {
	[AUTOVPN_KEY_A_SLOT] = NLA_POLICY_MAX(NLA_U8, __AUTOVPN_KEY_SLOT_MAX - 1),
};

static const struct nla_policy uplink_policy[AUTOVPN_UPLINK_A_MAX + 1] = {
	[AUTOVPN_UPLINK_A_ID] = NLA_POLICY_MAX(NLA_U8, AUTOVPN_MAX_UPLINKS - 1),
	[AUTOVPN_UPLINK_A_FD] = { .type = NLA_U32 },
};

#define DEV_ATTRS                                                                 \
	[AUTOVPN_A_IFINDEX] = { .type = NLA_U32 },                                \
	[AUTOVPN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }

static const struct nla_policy dev_new_policy[AUTOVPN_A_MAX + 1] = {
	[AUTOVPN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[AUTOVPN_A_MTU] = { .type = NLA_U32 },
};

static const struct nla_policy dev_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
};

static const struct nla_policy dev_set_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
	[AUTOVPN_A_UPLINK] = NLA_POLICY_NESTED(uplink_policy),
	[AUTOVPN_A_ACTIVE_ACTIVE] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy peer_set_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
	[AUTOVPN_A_PEER] = NLA_POLICY_NESTED(avpn_peer_policy),
};

static const struct nla_policy peer_id_req_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
	[AUTOVPN_A_PEER] = NLA_POLICY_NESTED(peer_id_policy),
};

static const struct nla_policy key_new_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
	[AUTOVPN_A_PEER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[AUTOVPN_A_KEYCONF] = NLA_POLICY_NESTED(avpn_key_policy),
};

static const struct nla_policy key_swap_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
	[AUTOVPN_A_PEER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy key_del_policy[AUTOVPN_A_MAX + 1] = {
	DEV_ATTRS,
	[AUTOVPN_A_PEER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[AUTOVPN_A_KEYCONF] = NLA_POLICY_NESTED(key_slot_policy),
};

/*
 * Every operation, reads included, needs CAP_NET_ADMIN in the user namespace
 * that owns the device's network namespace (GENL_UNS_ADMIN_PERM): a dump
 * shows endpoints, indexes, routes and key state, and a request holds the
 * device's lock while it runs. It also lets a containerised daemon manage
 * the devices of its own namespace.
 */
#define OP(_cmd, _policy, _flags)                                      \
	.cmd = (_cmd), .policy = (_policy), .maxattr = AUTOVPN_A_MAX, \
	.internal_flags = (_flags), .flags = GENL_UNS_ADMIN_PERM

static const struct genl_ops avpn_genl_ops[] = {
	{ OP(AUTOVPN_CMD_DEV_NEW, dev_new_policy, AVPN_NL_F_RTNL),
	  .doit = avpn_nl_dev_new },
	{ OP(AUTOVPN_CMD_DEV_DEL, dev_policy, AVPN_NL_F_DEV | AVPN_NL_F_RTNL),
	  .doit = avpn_nl_dev_del },
	{ OP(AUTOVPN_CMD_DEV_GET, dev_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_dev_get, .dumpit = avpn_nl_dev_dump },
	{ OP(AUTOVPN_CMD_DEV_SET, dev_set_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_dev_set },
	{ OP(AUTOVPN_CMD_PEER_NEW, peer_set_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_peer_new },
	{ OP(AUTOVPN_CMD_PEER_SET, peer_set_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_peer_set },
	{ OP(AUTOVPN_CMD_PEER_DEL, peer_id_req_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_peer_del },
	{ OP(AUTOVPN_CMD_PEER_GET, peer_id_req_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_peer_get, .dumpit = avpn_nl_peer_dump },
	{ OP(AUTOVPN_CMD_KEY_NEW, key_new_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_key_new },
	{ OP(AUTOVPN_CMD_KEY_SWAP, key_swap_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_key_swap },
	{ OP(AUTOVPN_CMD_KEY_DEL, key_del_policy, AVPN_NL_F_DEV),
	  .doit = avpn_nl_key_del },
};

/* Events name peers and keys: listeners need CAP_NET_ADMIN as requests do. */
static const struct genl_multicast_group avpn_mcgrps[] = {
	{ .name = AUTOVPN_MCGRP_EVENTS, .flags = AVPN_MCGRP_NET_ADMIN },
};

struct genl_family avpn_genl_family __ro_after_init = {
	.name = AUTOVPN_GENL_NAME,
	.version = AUTOVPN_GENL_VERSION,
	.maxattr = AUTOVPN_A_MAX,
	.netnsok = true,
	.pre_doit = avpn_nl_pre_doit,
	.post_doit = avpn_nl_post_doit,
	.module = THIS_MODULE,
	.ops = avpn_genl_ops,
	.n_ops = ARRAY_SIZE(avpn_genl_ops),
	.mcgrps = avpn_mcgrps,
	.n_mcgrps = ARRAY_SIZE(avpn_mcgrps),
};
