/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autovpn: parallel crypto that keeps each peer's packets in order (queue.c).
 *
 * Every DATA packet goes on two queues at once: its peer's ordered queue for
 * its direction (struct avpn_pq: arrival order) and its device's crypt queue
 * for that direction (struct avpn_cq: any CPU takes the next packet). Once
 * its crypto is done, the peer's serial work for that direction finishes the
 * packets at the head of the ordered queue that are done, in order, on one
 * CPU per peer. docs/architecture.md says why this design.
 */
#ifndef _AVPN_QUEUE_H
#define _AVPN_QUEUE_H

#include <linux/atomic.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/inet_ecn.h>

/* Packets a crypt queue, and an ordered queue, hold at most. */
#define AVPN_MAX_QUEUED 1024

/* CoDel's state for one queue's congestion marks and drops (aqm.c); the consumer's. */
struct avpn_aqm {
	u32 first_above; /* when the wait will have been above target an interval; 0: below */
	u32 next;        /* while signalling: the time of the next mark or drop */
	u32 count, lastcount;
	bool marking;
};

/*
 * A peer's packets of one direction in arrival order: lock-free for any
 * number of producers (transmit and receive on every CPU), one consumer
 * (the peer's serial work).
 */
struct avpn_pq {
	struct sk_buff *head; /* last in; producers exchange it */
	struct sk_buff *tail; /* next out; the consumer's */
	struct sk_buff *peeked; /* taken off the list, not yet done; the consumer's */
	/* Stands in for a packet while the list is empty: only ->next is used. */
	struct {
		struct sk_buff *next, *prev;
	} stub;
	atomic_t count;
	struct avpn_aqm aqm; /* the consumer's */
};

struct avpn_cq;

struct avpn_cq_worker {
	struct work_struct work;
	struct avpn_cq *queue;
};

/* A device's packets waiting for encryption or decryption, any order. */
struct avpn_cq {
	struct ptr_ring ring;
	struct avpn_cq_worker __percpu *workers;
	int last_cpu; /* round robin; races are harmless */
	bool encrypt;
};

struct avpn_peer;

/* Module init/exit: the workqueues the crypt and the serial works run on. */
int avpn_queue_init(void);
void avpn_queue_exit(void);

/* Device setup (may sleep, may fail) and destructor (after the last packet). */
int avpn_cq_init(struct avpn_cq *q, bool encrypt);
void avpn_cq_destroy(struct avpn_cq *q);

/* Peer setup; the queues are empty when the peer is freed. */
void avpn_peer_queues_init(struct avpn_peer *peer);
void avpn_peer_queues_check_empty(struct avpn_peer *peer);

/*
 * The datapath's entry points (any context; the packet's avpn_skb_cb is
 * filled in and it holds references on its peer, its key and the device):
 * encrypt and send it, or decrypt and deliver it, in order with the peer's
 * other packets. Each consumes skb; every outcome ends in avpn_tx_finish()
 * or avpn_rx_finish().
 */
void avpn_queue_tx(struct avpn_peer *peer, struct sk_buff *skb);
void avpn_queue_rx(struct avpn_peer *peer, struct sk_buff *skb);

/* aqm.c: the queue clock (1.024 us units), stamped on packets as they are queued. */
u32 avpn_aqm_now(void);
/* What the queues' CoDel says about a packet leaving them (aqm.c). */
enum avpn_aqm_verdict {
	AVPN_AQM_PASS,
	AVPN_AQM_MARK, /* ECN-capable: set CE */
	AVPN_AQM_DROP, /* not ECN-capable, and aqm_drop is on: drop it */
};
/*
 * For avpn_tx_finish() and avpn_rx_finish(), with the packet's ordered
 * queue and its inner ECN field: mark it CE, drop it (counted as
 * AUTOVPN_DROP_{TX,RX}_CONGESTION) or pass it. Every packet finished in
 * order should come here, ECN-capable or not: they all feed the queue's
 * CoDel state.
 */
enum avpn_aqm_verdict avpn_aqm_congested(struct avpn_pq *q, struct sk_buff *skb, u8 ecn);
/* The serial work found the queue empty: whatever marking went on is over. */
void avpn_aqm_idle(struct avpn_pq *q);
/*
 * The algorithm itself, times in queue clock units; last: no packet is
 * queued behind this one; takes: the packet takes a signal (a mark or a
 * drop) if one is due; true if it does (selftest_aqm.c).
 */
bool avpn_aqm_mark(struct avpn_aqm *aqm, u32 now, u32 queued_at, bool last, bool takes,
		   unsigned int target_us, unsigned int interval_us);
/*
 * A packet with this ECN field (the inner one) and aqm_drop = drop: does
 * it take CoDel's signal; and, given whether it got one (signal) and
 * whether half a queue waits behind it (deep), what becomes of it.
 */
bool avpn_aqm_takes_signal(u8 ecn, bool drop);
enum avpn_aqm_verdict avpn_aqm_verdict(u8 ecn, bool drop, bool signal, bool deep);
/* selftest_aqm.c: 0 if it passes. Called by avpn_selftests(). */
int avpn_selftest_aqm(void);

#endif /* _AVPN_QUEUE_H */
