// SPDX-License-Identifier: GPL-2.0
/* avpnl_key.c - DATA keys of a peer over generic netlink (see avpnl_key.h). */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "nl/avpnl_key.h"
#include "nl/avpnl_priv.h"

void avpnl_key_wipe(struct avpnl_key *k)
{
	sodium_memzero(k->enc_key, sizeof(k->enc_key));
	sodium_memzero(k->enc_salt, sizeof(k->enc_salt));
	sodium_memzero(k->dec_key, sizeof(k->dec_key));
	sodium_memzero(k->dec_salt, sizeof(k->dec_salt));
}

static struct nl_msg *key_req(struct avpnl *h, uint8_t cmd, uint32_t ifindex, uint32_t peer_id)
{
	struct nl_msg *msg = avpnl_req_new(h, cmd, 0, 0);

	if (!msg)
		return NULL;
	if (nla_put_u32(msg, AUTOVPN_A_IFINDEX, ifindex) < 0 ||
	    nla_put_u32(msg, AUTOVPN_A_PEER_ID, peer_id) < 0) {
		avpnl_put_failed(h, msg);
		return NULL;
	}
	return msg;
}

int avpnl_key_new(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, const struct avpnl_key *k)
{
	struct nl_msg *msg = key_req(h, AUTOVPN_CMD_KEY_NEW, ifindex, peer_id);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	if (avpnl_nest_open(msg, AUTOVPN_A_KEYCONF, &nest) ||
	    nla_put_u8(msg, AUTOVPN_KEY_A_SLOT, k->slot) < 0 ||
	    nla_put_u8(msg, AUTOVPN_KEY_A_ID, k->id) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_ENCRYPT_KEY, AUTOVPN_KEY_LEN, k->enc_key) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_ENCRYPT_SALT, AUTOVPN_SALT_LEN, k->enc_salt) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_DECRYPT_KEY, AUTOVPN_KEY_LEN, k->dec_key) < 0 ||
	    nla_put(msg, AUTOVPN_KEY_A_DECRYPT_SALT, AUTOVPN_SALT_LEN, k->dec_salt) < 0)
		return avpnl_put_failed(h, msg);
	if ((k->set & AVPNL_KEY_REKEY_PACKETS) &&
	    nla_put_u64(msg, AUTOVPN_KEY_A_REKEY_PACKETS, k->rekey_packets) < 0)
		return avpnl_put_failed(h, msg);
	if ((k->set & AVPNL_KEY_LIMIT_PACKETS) &&
	    nla_put_u64(msg, AUTOVPN_KEY_A_LIMIT_PACKETS, k->limit_packets) < 0)
		return avpnl_put_failed(h, msg);
	if ((k->set & AVPNL_KEY_REKEY_SECS) &&
	    nla_put_u32(msg, AUTOVPN_KEY_A_REKEY_SECS, k->rekey_secs) < 0)
		return avpnl_put_failed(h, msg);
	if ((k->set & AVPNL_KEY_LIFETIME_SECS) &&
	    nla_put_u32(msg, AUTOVPN_KEY_A_LIFETIME_SECS, k->lifetime_secs) < 0)
		return avpnl_put_failed(h, msg);
	nla_nest_end(msg, nest);
	return avpnl_transact(h, msg, NULL, NULL);
}

int avpnl_key_swap(struct avpnl *h, uint32_t ifindex, uint32_t peer_id)
{
	struct nl_msg *msg = key_req(h, AUTOVPN_CMD_KEY_SWAP, ifindex, peer_id);

	if (!msg)
		return -ENOMEM;
	return avpnl_transact(h, msg, NULL, NULL);
}

int avpnl_key_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, uint8_t slot)
{
	struct nl_msg *msg = key_req(h, AUTOVPN_CMD_KEY_DEL, ifindex, peer_id);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	if (avpnl_nest_open(msg, AUTOVPN_A_KEYCONF, &nest) ||
	    nla_put_u8(msg, AUTOVPN_KEY_A_SLOT, slot) < 0)
		return avpnl_put_failed(h, msg);
	nla_nest_end(msg, nest);
	return avpnl_transact(h, msg, NULL, NULL);
}

int avpnl_key_parse(const struct nlattr *nest, struct avpnl_key *k)
{
	struct nlattr *tb[AUTOVPN_KEY_A_MAX + 1];

	memset(k, 0, sizeof(*k));
	if (avpnl_parse_nested(tb, AUTOVPN_KEY_A_MAX, nest) < 0)
		return -EINVAL;
	if (!avpnl_get_u8(tb[AUTOVPN_KEY_A_SLOT], &k->slot) ||
	    !avpnl_get_u8(tb[AUTOVPN_KEY_A_ID], &k->id))
		return -EINVAL;
	if (avpnl_get_u64(tb[AUTOVPN_KEY_A_REKEY_PACKETS], &k->rekey_packets))
		k->set |= AVPNL_KEY_REKEY_PACKETS;
	if (avpnl_get_u64(tb[AUTOVPN_KEY_A_LIMIT_PACKETS], &k->limit_packets))
		k->set |= AVPNL_KEY_LIMIT_PACKETS;
	if (avpnl_get_u32(tb[AUTOVPN_KEY_A_REKEY_SECS], &k->rekey_secs))
		k->set |= AVPNL_KEY_REKEY_SECS;
	if (avpnl_get_u32(tb[AUTOVPN_KEY_A_LIFETIME_SECS], &k->lifetime_secs))
		k->set |= AVPNL_KEY_LIFETIME_SECS;
	if (avpnl_get_u32(tb[AUTOVPN_KEY_A_AGE_SECS], &k->age_secs))
		k->set |= AVPNL_KEY_AGE;
	if (avpnl_get_u64(tb[AUTOVPN_KEY_A_TX_PACKETS], &k->tx_packets))
		k->set |= AVPNL_KEY_TX_PACKETS;
	return 0;
}

const char *avpnl_key_slot_name(unsigned int slot)
{
	static const char *const names[__AUTOVPN_KEY_SLOT_MAX] = {
		[AUTOVPN_KEY_SLOT_CURRENT] = "current",
		[AUTOVPN_KEY_SLOT_PREVIOUS] = "previous",
		[AUTOVPN_KEY_SLOT_NEXT] = "next",
	};

	return slot < __AUTOVPN_KEY_SLOT_MAX ? names[slot] : NULL;
}
