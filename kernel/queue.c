// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: parallel crypto that keeps each peer's packets in order.
 *
 * Without it a packet is encrypted in ndo_start_xmit and decrypted in the
 * softirq of its uplink socket, so one flow, or one path (RSS pins an outer
 * 5-tuple to one core), never uses more than one CPU for its crypto. Here,
 * as in WireGuard, a packet goes on two queues at once:
 *
 *   the peer's ordered queue     in arrival order, one per peer and direction
 *   the device's crypt queue     any order; a worker on every CPU takes the
 *                                next packet and encrypts or decrypts it
 *
 * A packet whose crypto is done (in the worker, or later in an asynchronous
 * cipher's completion) is marked done and its peer's serial work scheduled.
 * The serial work takes the packets at the head of the ordered queue for as
 * long as they are done (256 at most, then it queues itself again), and
 * finishes them one by one: transmit sends them
 * (avpn_tx_finish), receive checks replay and source and passes them up
 * through the GRO cells (avpn_rx_finish). It runs on one CPU per peer, so
 * what leaves av0 for a peer, and what av0 delivers from it, keeps the order
 * in which it arrived; the workqueue never runs one work item twice at once.
 *
 * Lifetimes need no waiting: a queued packet holds its peer, key and device;
 * a scheduled serial work holds its peer (taken when queue_work succeeds,
 * dropped at the end of the run), so removing a peer only unpublishes it
 * and its packets drain by themselves. A device's crypt workers are
 * cancelled in its destructor, which runs after its last packet is gone.
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include "crypto.h"

/*
 * inline_crypto=1: the datapath as it was before these queues, for
 * comparison (make bench measures both in one run, as modes av0 and avi):
 * encrypt in ndo_start_xmit, decrypt in the uplink's softirq, on the CPU
 * that carries the packet. May change at any time: each packet remembers
 * how it was queued (avpn_skb_cb.how).
 */
static bool inline_crypto;
module_param(inline_crypto, bool, 0644);
MODULE_PARM_DESC(inline_crypto, "encrypt/decrypt on the CPU that carries each packet, without queues (default: off)");

/*
 * order=0, for tests only: the crypt queues without the ordered queues, so
 * each packet is finished on the CPU that decrypted or encrypted it, as soon
 * as it is. tests/net/crypto_order.sh shows with it that its floods really
 * are reordered by parallel crypto, so that its in-order checks could fail.
 */
static bool order = true;
module_param(order, bool, 0444);
MODULE_PARM_DESC(order, "keep each peer's packets in order (default: on; off only to test that it matters)");

static struct workqueue_struct *avpn_crypt_wq, *avpn_serial_wq;

/* ---- the ordered queue: Vyukov's intrusive MPSC list, skb->next links ---- */

#define AVPN_PQ_STUB(q) ((struct sk_buff *)&(q)->stub)

static void pq_init(struct avpn_pq *q)
{
	/* The stub stands in for a packet: its ->next must be where skb's is. */
	BUILD_BUG_ON(offsetof(struct sk_buff, next) != offsetof(typeof(q->stub), next));
	q->stub.next = NULL;
	q->head = AVPN_PQ_STUB(q);
	q->tail = AVPN_PQ_STUB(q);
	q->peeked = NULL;
	atomic_set(&q->count, 0);
	memset(&q->aqm, 0, sizeof(q->aqm));
}

static void pq_link(struct avpn_pq *q, struct sk_buff *skb)
{
	struct sk_buff *prev;

	WRITE_ONCE(skb->next, NULL);
	/* Orders the packet's contents (its control block) before its link. */
	prev = xchg_release(&q->head, skb);
	/*
	 * Between the exchange and this store the list is cut at prev: the
	 * consumer sees the end there and comes back later (pq_pop()).
	 */
	smp_store_release(&prev->next, skb);
}

/* False if the queue is full (the packet is not on it). */
static bool pq_push(struct avpn_pq *q, struct sk_buff *skb)
{
	if (!atomic_add_unless(&q->count, 1, AVPN_MAX_QUEUED))
		return false;
	pq_link(q, skb);
	return true;
}

/* The consumer only. NULL if empty, or if a producer has not linked yet. */
static struct sk_buff *pq_pop(struct avpn_pq *q)
{
	struct sk_buff *tail = q->tail, *next = smp_load_acquire(&tail->next);

	if (tail == AVPN_PQ_STUB(q)) {
		if (!next)
			return NULL;
		q->tail = next;
		tail = next;
		next = smp_load_acquire(&next->next);
	}
	if (!next) {
		if (tail != READ_ONCE(q->head))
			return NULL;
		/* tail is the last packet: put the stub behind it to take it. */
		pq_link(q, AVPN_PQ_STUB(q));
		next = smp_load_acquire(&tail->next);
		if (!next)
			return NULL;
	}
	q->tail = next;
	atomic_dec(&q->count);
	skb_mark_not_on_list(tail);
	return tail;
}

/*
 * The consumer only: the oldest packet, kept aside while it is not done.
 * A packet whose producer is still linking it is not seen yet; its own
 * completion schedules the consumer again.
 */
static struct sk_buff *pq_peek(struct avpn_pq *q)
{
	if (!q->peeked)
		q->peeked = pq_pop(q);
	return q->peeked;
}

static void tx_serial_work(struct work_struct *work);
static void rx_serial_work(struct work_struct *work);

void avpn_peer_queues_init(struct avpn_peer *peer)
{
	pq_init(&peer->tx_queue);
	pq_init(&peer->rx_queue);
	INIT_WORK(&peer->tx_work, tx_serial_work);
	INIT_WORK(&peer->rx_work, rx_serial_work);
	peer->serial_cpu = nr_cpu_ids;
}

void avpn_peer_queues_check_empty(struct avpn_peer *peer)
{
	/* Every packet holds its peer: none can be queued at its free. */
	WARN_ON_ONCE(atomic_read(&peer->tx_queue.count) || peer->tx_queue.peeked ||
		     atomic_read(&peer->rx_queue.count) || peer->rx_queue.peeked);
}

/* ---- the serial works ---- */

/* The peer's CPU: the (id mod n)-th online CPU, kept while it stays online. */
static int serial_cpu(struct avpn_peer *peer)
{
	int cpu = READ_ONCE(peer->serial_cpu);
	unsigned int n;

	if (likely(cpu < nr_cpu_ids && cpu_online(cpu)))
		return cpu;
	n = peer->id % num_online_cpus();
	for_each_online_cpu(cpu)
		if (!n--)
			break;
	if (cpu >= nr_cpu_ids)
		cpu = raw_smp_processor_id();
	WRITE_ONCE(peer->serial_cpu, cpu);
	return cpu;
}

/*
 * Queue a peer's serial work with the peer reference the caller took for
 * it; a work that is queued already holds one of its own.
 */
static void serial_queue_held(struct avpn_peer *peer, struct work_struct *work)
{
	if (!queue_work_on(serial_cpu(peer), avpn_serial_wq, work))
		avpn_peer_put(peer);
}

/*
 * A packet is done (err is its crypto's result): publish that, then make
 * sure the serial work runs after it. The packet holds the peer until the
 * serial work has finished it, which may happen on another CPU as soon as
 * the state is set: hold the peer across queue_work. A queued work keeps
 * that reference until its run ends.
 *
 * Once the state is set, nothing holds the device or the module any more:
 * the packet may be finished, its device deleted and rmmod under way before
 * queue_work is called (an async cipher's completion runs here, outside any
 * work of ours). The RCU section is what module exit waits for before it
 * destroys the workqueue (avpn_queue_exit()).
 */
static void mark_done(struct avpn_peer *peer, struct sk_buff *skb, int err,
		      struct work_struct *work)
{
	struct avpn_skb_cb *cb = avpn_cb(skb);

	rcu_read_lock();
	refcount_inc(&peer->refcnt);
	cb->err = err;
	atomic_set_release(&cb->state, 1);
	serial_queue_held(peer, work);
	rcu_read_unlock();
}

/* How many packets a serial run finishes between chances for softirqs to run. */
#define AVPN_SERIAL_BATCH 64
/*
 * And in all, before it goes to the back of its CPU's worklist: the serial
 * works are concurrency-managed, so while one runs, no other work item of
 * that CPU's pool does (other peers' serial works, and everyone else's
 * system_wq items). A peer under a steady flood would keep its run going
 * for as long as the flood lasts.
 */
#define AVPN_SERIAL_BUDGET 256

static void serial_run(struct avpn_peer *peer, struct avpn_pq *q, struct work_struct *work,
		       void (*finish)(struct sk_buff *skb, int err))
{
	struct sk_buff *skb;
	unsigned int n = 0;

	local_bh_disable();
	while ((skb = pq_peek(q))) {
		if (!atomic_read_acquire(&avpn_cb(skb)->state))
			break;
		q->peeked = NULL;
		finish(skb, avpn_cb(skb)->err);
		if (++n == AVPN_SERIAL_BUDGET) {
			/*
			 * Run again later, with a reference of its own, as
			 * mark_done() does; if a packet marked done since
			 * this run began queued it already, that will do.
			 */
			refcount_inc(&peer->refcnt);
			serial_queue_held(peer, work);
			break;
		}
		if (n % AVPN_SERIAL_BATCH == 0) {
			/* Deliver what the GRO cells gathered; let others run. */
			local_bh_enable();
			cond_resched();
			local_bh_disable();
		}
	}
	/* Drained: a congestion episode is over, however it ended (aqm.c). */
	if (!skb)
		avpn_aqm_idle(q);
	local_bh_enable();
	/* The reference this run was queued with (mark_done(), or the run before). */
	avpn_peer_put(peer);
}

static void tx_serial_work(struct work_struct *work)
{
	struct avpn_peer *peer = container_of(work, struct avpn_peer, tx_work);

	serial_run(peer, &peer->tx_queue, work, avpn_tx_finish);
}

static void rx_serial_work(struct work_struct *work)
{
	struct avpn_peer *peer = container_of(work, struct avpn_peer, rx_work);

	serial_run(peer, &peer->rx_queue, work, avpn_rx_finish);
}

/* Crypto continuations (crypto.h): synchronous, or an async completion. */
void avpn_encrypt_done(struct sk_buff *skb, int err)
{
	struct avpn_peer *peer = avpn_cb(skb)->peer;

	if (avpn_cb(skb)->how != AVPN_QUEUED_IN_ORDER)
		avpn_tx_finish(skb, err);
	else
		mark_done(peer, skb, err, &peer->tx_work);
}

void avpn_decrypt_done(struct sk_buff *skb, int err)
{
	struct avpn_peer *peer = avpn_cb(skb)->peer;

	if (avpn_cb(skb)->how != AVPN_QUEUED_IN_ORDER)
		avpn_rx_finish(skb, err);
	else
		mark_done(peer, skb, err, &peer->rx_work);
}

/* ---- the crypt queues ---- */

/* Packets a crypt worker takes off the ring at once (one consumer lock). */
#define AVPN_CQ_BATCH 8

static void cq_work(struct work_struct *work)
{
	struct avpn_cq *q = container_of(work, struct avpn_cq_worker, work)->queue;
	struct sk_buff *batch[AVPN_CQ_BATCH];
	int i, n;

	while ((n = ptr_ring_consume_batched_bh(&q->ring, (void **)batch, AVPN_CQ_BATCH))) {
		for (i = 0; i < n; i++) {
			if (q->encrypt)
				avpn_encrypt(batch[i]);
			else
				avpn_decrypt(batch[i]);
		}
		cond_resched();
	}
}

int avpn_cq_init(struct avpn_cq *q, bool encrypt)
{
	int cpu, ret;

	q->encrypt = encrypt;
	q->last_cpu = -1;
	q->workers = alloc_percpu(struct avpn_cq_worker);
	if (!q->workers)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct avpn_cq_worker *w = per_cpu_ptr(q->workers, cpu);

		w->queue = q;
		INIT_WORK(&w->work, cq_work);
	}
	ret = ptr_ring_init(&q->ring, AVPN_MAX_QUEUED, GFP_KERNEL);
	if (ret) {
		free_percpu(q->workers);
		q->workers = NULL;
	}
	return ret;
}

void avpn_cq_destroy(struct avpn_cq *q)
{
	int cpu;

	if (!q->workers)
		return;
	/* A worker may still be looking at the ring it emptied. */
	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(q->workers, cpu)->work);
	/* Every packet held the device: none is left. */
	WARN_ON_ONCE(!ptr_ring_empty(&q->ring));
	ptr_ring_cleanup(&q->ring, NULL);
	free_percpu(q->workers);
	q->workers = NULL;
}

/* The next online CPU after the last one used: packets go round all CPUs. */
static int cq_next_cpu(struct avpn_cq *q)
{
	int cpu = cpumask_next(READ_ONCE(q->last_cpu), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(q->last_cpu, cpu);
	return cpu;
}

static void queue_crypt(struct avpn_cq *cq, struct avpn_pq *pq, struct avpn_peer *peer,
			struct sk_buff *skb, struct work_struct *serial,
			void (*finish)(struct sk_buff *skb, int err))
{
	struct avpn_skb_cb *cb = avpn_cb(skb);
	int cpu;

	atomic_set(&cb->state, 0);
	cb->tmp = NULL;
	cb->how = order ? AVPN_QUEUED_IN_ORDER : AVPN_QUEUED;
	cb->queued_at = avpn_aqm_now();
	if (!order) {
		if (unlikely(ptr_ring_produce_bh(&cq->ring, skb)))
			finish(skb, -ENOBUFS);
		goto wake;
	}
	if (unlikely(!pq_push(pq, skb))) {
		/* The peer has AVPN_MAX_QUEUED packets waiting: not this one. */
		finish(skb, -ENOBUFS);
		return;
	}
	/* On the peer's queue now: every outcome goes through the serial work. */
	if (unlikely(ptr_ring_produce_bh(&cq->ring, skb))) {
		mark_done(peer, skb, -ENOBUFS, serial);
		return;
	}
	/*
	 * skb may be finished and freed by now; the device is not (ndo_uninit
	 * waits for transmit and receive to stop before its destructor can run).
	 */
wake:
	cpu = cq_next_cpu(cq);
	queue_work_on(cpu, avpn_crypt_wq, &per_cpu_ptr(cq->workers, cpu)->work);
}

void avpn_queue_tx(struct avpn_peer *peer, struct sk_buff *skb)
{
	if (READ_ONCE(inline_crypto)) {
		avpn_cb(skb)->how = AVPN_INLINE;
		avpn_encrypt(skb);
		return;
	}
	queue_crypt(&peer->avpn->encrypt_queue, &peer->tx_queue, peer, skb, &peer->tx_work,
		    avpn_tx_finish);
}

void avpn_queue_rx(struct avpn_peer *peer, struct sk_buff *skb)
{
	if (READ_ONCE(inline_crypto)) {
		avpn_cb(skb)->how = AVPN_INLINE;
		avpn_decrypt(skb);
		return;
	}
	queue_crypt(&peer->avpn->decrypt_queue, &peer->rx_queue, peer, skb, &peer->rx_work,
		    avpn_rx_finish);
}

int avpn_queue_init(void)
{
	/*
	 * Both bound to CPUs, so that a work queued on a CPU runs there, and
	 * usable under memory pressure, since packets sit in these queues.
	 * The crypt works are CPU-intensive: the cipher does not hold back
	 * the other work items of its CPU. The serial works are short and
	 * many (one per active peer and direction): concurrency-managed, they
	 * run one after the other on a CPU instead of a kworker each.
	 */
	avpn_crypt_wq = alloc_workqueue("autovpn-crypt", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	if (!avpn_crypt_wq)
		return -ENOMEM;
	avpn_serial_wq = alloc_workqueue("autovpn-serial", WQ_MEM_RECLAIM, 0);
	if (!avpn_serial_wq) {
		destroy_workqueue(avpn_crypt_wq);
		return -ENOMEM;
	}
	return 0;
}

void avpn_queue_exit(void)
{
	/*
	 * Every device is gone, so no packet is left, but an async cipher's
	 * completion may still be inside mark_done(), about to queue a serial
	 * work: wait for it.
	 */
	synchronize_rcu();
	/* Runs what is still queued: serial works that only drop their peer. */
	destroy_workqueue(avpn_serial_wq);
	/* Every device's destructor cancelled its crypt works. */
	destroy_workqueue(avpn_crypt_wq);
}
