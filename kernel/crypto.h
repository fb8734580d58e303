/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autovpn: AES-256-GCM over skbs, in place (crypto.c).
 *
 * A packet in the crypto API may finish later in another context (async
 * implementations), so everything its continuation needs travels in skb->cb,
 * including the references on the peer and key (and on the net_device, taken
 * by the caller) that keep them alive across that gap. The continuation (avpn_encrypt_done in send.c, avpn_decrypt_done
 * in receive.c) is called exactly once per packet handed to avpn_encrypt() /
 * avpn_decrypt(), synchronously or from the completion callback, and owns the
 * skb and both references from then on.
 */
#ifndef _AVPN_CRYPTO_H
#define _AVPN_CRYPTO_H

#include <linux/skbuff.h>
#include "avpn.h"

struct avpn_skb_cb {
	struct avpn_peer *peer; /* referenced */
	struct avpn_key *key;   /* referenced */
	void *tmp;              /* aead_request, iv and scatterlist, while in crypto */
	u64 counter;
	u8 path_id;
	u8 tos;                 /* outer DS field: to set (transmit), as received */
};

static inline struct avpn_skb_cb *avpn_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct avpn_skb_cb) > sizeof_field(struct sk_buff, cb));
	return (struct avpn_skb_cb *)skb->cb;
}

/*
 * skb->data is the DATA header (already written: it is the AAD) followed by
 * the plaintext; tailroom for the tag is made here. Uses key, path_id and
 * counter from avpn_cb(skb). Ends in avpn_encrypt_done().
 */
void avpn_encrypt(struct sk_buff *skb);
/*
 * skb->data is the DATA header, followed by ciphertext and tag (the caller
 * checked the length and pulled the header). Ends in avpn_decrypt_done().
 */
void avpn_decrypt(struct sk_buff *skb);

/* Continuations: err is 0, -EBADMSG (authentication failed) or another error. */
void avpn_encrypt_done(struct sk_buff *skb, int err);
void avpn_decrypt_done(struct sk_buff *skb, int err);

#endif /* _AVPN_CRYPTO_H */
