// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink: KEY_NEW / KEY_SWAP / KEY_DEL. The slot logic is key.c's;
 * here requests are parsed and checked completely before a key is created
 * (limits, key id, and that the material is new to the device: keyfp.c),
 * and key material is wiped from the stack once the transforms hold it.
 */
#include <linux/string.h>
#include <crypto/algapi.h>
#include <net/genetlink.h>
#include "netlink.h"

static int parse_keyconf(struct nlattr *nest, struct avpn_key_config *kc,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[AUTOVPN_KEY_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, AUTOVPN_KEY_A_MAX, nest, avpn_key_policy, extack);
	if (err)
		return err;
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_KEY_A_SLOT, "key needs a SLOT");
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_KEY_A_ID, "key needs an ID");
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_KEY_A_ENCRYPT_KEY, "key needs ENCRYPT_KEY");
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_KEY_A_ENCRYPT_SALT, "key needs ENCRYPT_SALT");
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_KEY_A_DECRYPT_KEY, "key needs DECRYPT_KEY");
	AVPN_NL_REQUIRE(extack, nest, tb, AUTOVPN_KEY_A_DECRYPT_SALT, "key needs DECRYPT_SALT");

	memset(kc, 0, sizeof(*kc));
	kc->slot = nla_get_u8(tb[AUTOVPN_KEY_A_SLOT]);
	kc->key_id = nla_get_u8(tb[AUTOVPN_KEY_A_ID]);
	memcpy(kc->enc_key, nla_data(tb[AUTOVPN_KEY_A_ENCRYPT_KEY]), AUTOVPN_KEY_LEN);
	memcpy(kc->enc_salt, nla_data(tb[AUTOVPN_KEY_A_ENCRYPT_SALT]), AUTOVPN_SALT_LEN);
	memcpy(kc->dec_key, nla_data(tb[AUTOVPN_KEY_A_DECRYPT_KEY]), AUTOVPN_KEY_LEN);
	memcpy(kc->dec_salt, nla_data(tb[AUTOVPN_KEY_A_DECRYPT_SALT]), AUTOVPN_SALT_LEN);
	if (tb[AUTOVPN_KEY_A_REKEY_PACKETS])
		kc->rekey_packets = nla_get_u64(tb[AUTOVPN_KEY_A_REKEY_PACKETS]);
	if (tb[AUTOVPN_KEY_A_LIMIT_PACKETS])
		kc->limit_packets = nla_get_u64(tb[AUTOVPN_KEY_A_LIMIT_PACKETS]);
	if (tb[AUTOVPN_KEY_A_REKEY_SECS])
		kc->rekey_secs = nla_get_u32(tb[AUTOVPN_KEY_A_REKEY_SECS]);
	if (tb[AUTOVPN_KEY_A_LIFETIME_SECS])
		kc->lifetime_secs = nla_get_u32(tb[AUTOVPN_KEY_A_LIFETIME_SECS]);
	/* Limits above the defaults are refused, with the reason (key.c). */
	return avpn_key_config_check(kc, extack);
}

/* The key id must be unique among the peer's keys (except the slot replaced). */
static int check_key_id(struct avpn_peer *peer, const struct avpn_key_config *kc,
			struct netlink_ext_ack *extack)
{
	int slot;

	for (slot = 0; slot < __AUTOVPN_KEY_SLOT_MAX; slot++) {
		struct avpn_key *k = rcu_dereference_protected(peer->keys[slot],
							       lockdep_is_held(&peer->avpn->lock));

		if (slot != kc->slot && k && k->key_id == kc->key_id) {
			NL_SET_ERR_MSG_MOD(extack, "key id already used by another slot of this peer");
			return -EEXIST;
		}
	}
	return 0;
}

/*
 * (key, nonce) uniqueness (keyfp.c): an AES key this device has seen, in
 * either direction of any key of any peer, would start its counters at 0
 * again. Both directions of one key must differ for the same reason: the
 * two gateways count from 0 with it. On success *fp holds both
 * fingerprints and room for them is reserved.
 */
static int check_key_material(struct avpn_dev *avpn, const struct avpn_key_config *kc, u64 fp[2],
			      struct netlink_ext_ack *extack)
{
	if (!crypto_memneq(kc->enc_key, kc->dec_key, AUTOVPN_KEY_LEN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "key material: ENCRYPT_KEY and DECRYPT_KEY are the same (nonces would repeat)");
		return -EINVAL;
	}
	fp[0] = avpn_keyfp_of(&avpn->keyfp, kc->enc_key);
	fp[1] = avpn_keyfp_of(&avpn->keyfp, kc->dec_key);
	if (avpn_keyfp_seen(&avpn->keyfp, fp[0]) || avpn_keyfp_seen(&avpn->keyfp, fp[1])) {
		NL_SET_ERR_MSG_MOD(extack,
				   "key material already installed on this device (nonces would repeat): a new key needs new material");
		return -EEXIST;
	}
	if (avpn_keyfp_reserve(&avpn->keyfp, 2)) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int avpn_nl_key_new(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct netlink_ext_ack *extack = info->extack;
	struct avpn_key_config kc;
	struct avpn_peer *peer;
	struct avpn_key *key;
	u64 fp[2];
	int err;

	peer = avpn_nl_peer_from_id(avpn, info->attrs[AUTOVPN_A_PEER_ID], extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	AVPN_NL_REQUIRE(extack, NULL, info->attrs, AUTOVPN_A_KEYCONF, "missing attribute: KEYCONF");
	err = parse_keyconf(info->attrs[AUTOVPN_A_KEYCONF], &kc, extack);
	if (!err)
		err = check_key_id(peer, &kc, extack);
	if (!err)
		err = check_key_material(avpn, &kc, fp, extack);
	if (err)
		goto out;
	key = avpn_key_create(peer, &kc);
	if (IS_ERR(key)) {
		err = PTR_ERR(key);
		NL_SET_ERR_MSG_MOD(extack, "could not create the key (AES-256-GCM transform)");
		goto out;
	}
	/* Checked above, under the same lock: cannot fail. */
	err = avpn_keys_install(peer, key, kc.slot, extack);
	if (WARN_ON_ONCE(err)) {
		avpn_key_put(key);
		goto out;
	}
	/* From now on this material is spent on this device. */
	avpn_keyfp_add(&avpn->keyfp, fp[0]);
	avpn_keyfp_add(&avpn->keyfp, fp[1]);
out:
	memzero_explicit(&kc, sizeof(kc));
	return err;
}

int avpn_nl_key_swap(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct avpn_peer *peer;

	peer = avpn_nl_peer_from_id(avpn, info->attrs[AUTOVPN_A_PEER_ID], info->extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	return avpn_keys_swap(peer, info->extack);
}

int avpn_nl_key_del(struct sk_buff *skb, struct genl_info *info)
{
	struct avpn_dev *avpn = info->user_ptr[0];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[AUTOVPN_KEY_A_MAX + 1];
	struct avpn_peer *peer;
	int err;

	peer = avpn_nl_peer_from_id(avpn, info->attrs[AUTOVPN_A_PEER_ID], extack);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	AVPN_NL_REQUIRE(extack, NULL, info->attrs, AUTOVPN_A_KEYCONF, "missing attribute: KEYCONF");
	err = nla_parse_nested(tb, AUTOVPN_KEY_A_MAX, info->attrs[AUTOVPN_A_KEYCONF], NULL, extack);
	if (err)
		return err;
	AVPN_NL_REQUIRE(extack, info->attrs[AUTOVPN_A_KEYCONF], tb, AUTOVPN_KEY_A_SLOT,
			"key needs a SLOT");
	return avpn_keys_delete(peer, nla_get_u8(tb[AUTOVPN_KEY_A_SLOT]), extack);
}
