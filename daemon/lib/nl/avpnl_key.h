/* SPDX-License-Identifier: GPL-2.0 */
/*
 * avpnl_key.h - the DATA keys of a peer: KEY_NEW into a slot, KEY_SWAP,
 * KEY_DEL. 0 or a negative errno, as avpnl.h describes.
 *
 * Key material passed in struct avpnl_key is copied into the netlink message
 * and the message buffer is wiped before it is freed; callers wipe their own
 * copies (avpnl_key_wipe()).
 */
#ifndef AVPN_NL_AVPNL_KEY_H
#define AVPN_NL_AVPNL_KEY_H

#include <stdint.h>

#include "nl/avpnl.h"

enum {
	AVPNL_KEY_REKEY_PACKETS = 1U << 0,
	AVPNL_KEY_LIMIT_PACKETS = 1U << 1,
	AVPNL_KEY_REKEY_SECS = 1U << 2,
	AVPNL_KEY_LIFETIME_SECS = 1U << 3,
	AVPNL_KEY_AGE = 1U << 4,	/* get */
	AVPNL_KEY_TX_PACKETS = 1U << 5, /* get */
};

struct avpnl_key {
	uint8_t slot; /* enum autovpn_key_slot */
	uint8_t id;
	unsigned int set; /* AVPNL_KEY_* */
	uint8_t enc_key[AUTOVPN_KEY_LEN], enc_salt[AUTOVPN_SALT_LEN];
	uint8_t dec_key[AUTOVPN_KEY_LEN], dec_salt[AUTOVPN_SALT_LEN];
	uint64_t rekey_packets, limit_packets;
	uint32_t rekey_secs, lifetime_secs;
	uint32_t age_secs;   /* get */
	uint64_t tx_packets; /* get */
};

int avpnl_key_new(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, const struct avpnl_key *k);
int avpnl_key_swap(struct avpnl *h, uint32_t ifindex, uint32_t peer_id);
int avpnl_key_del(struct avpnl *h, uint32_t ifindex, uint32_t peer_id, uint8_t slot);
/* Wipes the key material in @k. */
void avpnl_key_wipe(struct avpnl_key *k);
/* "current", "previous", "next", NULL if out of range. */
const char *avpnl_key_slot_name(unsigned int slot);

#endif /* AVPN_NL_AVPNL_KEY_H */
