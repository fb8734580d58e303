/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autovpn: AES-256-GCM over skbs, in place (crypto.c).
 *
 * A packet in the crypto API may finish later in another context (async
 * implementations), so everything its continuation needs travels in skb->cb,
 * including the references on the peer and key (and on the net_device, taken
 * by the caller) that keep them alive across that gap. The continuation
 * (avpn_encrypt_done / avpn_decrypt_done, queue.c) is called exactly once per
 * packet handed to avpn_encrypt() / avpn_decrypt(), synchronously or from the
 * completion callback; it marks the packet done on its peer's ordered queue,
 * whose serial work ends it in avpn_tx_finish() (send.c) or avpn_rx_finish()
 * (receive.c), which own the skb and its references from then on.
 */
#ifndef _AVPN_CRYPTO_H
#define _AVPN_CRYPTO_H

#include <linux/skbuff.h>
#include "avpn.h"

/* How a packet went through crypto (queue.c). */
enum avpn_queued {
	AVPN_INLINE,          /* in the sending/receiving context */
	AVPN_QUEUED,          /* on a crypt queue, finished as soon as done */
	AVPN_QUEUED_IN_ORDER, /* also on its peer's ordered queue */
};

struct avpn_skb_cb {
	struct avpn_peer *peer; /* referenced */
	struct avpn_key *key;   /* referenced */
	void *tmp;              /* aead_request, iv and scatterlist, while in crypto */
	u64 counter;
	atomic_t state;         /* 0 until crypto is done (queue.c) */
	int err;                /* crypto's result, once state is set */
	u8 how;                 /* enum avpn_queued: where crypto's end goes */
	u8 path_id;
	u8 tos;                 /* outer DS field: to set (transmit), as received */
	u8 inner_ecn;           /* transmit: the inner packet's ECN field (aqm.c) */
	u32 queued_at;          /* when it entered the queues, in 1.024 us (queue.c) */
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

/*
 * The end of a packet, in its peer's order: send it (transmit) or check and
 * deliver it (receive); err != 0 drops and counts it (-ENOBUFS: the queues
 * were full). Any context; they take their own RCU section.
 */
void avpn_tx_finish(struct sk_buff *skb, int err);
void avpn_rx_finish(struct sk_buff *skb, int err);

#endif /* _AVPN_CRYPTO_H */
