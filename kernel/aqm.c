// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: congestion marks and drops from the crypto queues (CoDel, RFC 8289).
 *
 * When the CPUs cannot encrypt (or decrypt) as fast as packets come, av0's
 * queues (queue.c) are the bottleneck's queue, and the device has no qdisc
 * (IFF_NO_QUEUE, as WireGuard's): a TCP flow fills them until they overflow
 * and loses a burst of packets. Instead, CoDel runs where each peer's
 * packets leave the queues, in its serial work (the only consumer of the
 * peer's ordered queue, so its state needs no lock), and marks CE what it
 * would drop if the packet is ECN-capable (ECT(0) or ECT(1)): on transmit in
 * the outer header (the far gateway moves the mark inward, RFC 6040), on
 * receive in the inner packet, after authentication. An endpoint that
 * negotiated ECN then slows down without losing its data packets. Packets
 * that are not ECN-capable cannot be marked: by default they are dropped
 * only when a queue is full. With aqm_drop=1 CoDel drops them instead, as
 * it and fq_codel do, counted as AUTOVPN_DROP_TX_CONGESTION or
 * _RX_CONGESTION; that includes an ECN flow's own Not-ECT packets (RFC
 * 3168 sends pure ACKs and retransmissions Not-ECT). It is off by default
 * because the wait includes a crypt worker's wakeup and there is one queue
 * per peer and direction, not one per flow as in fq_codel: on a busy host
 * a sparse stream's packets, a few queued at a time, waited past the
 * target for longer than an interval with no standing queue, and a
 * 100-per-second ping stream lost 126 packets to it in CI's
 * gw_dead_long.sh (at most 2 allowed). The drop comes when the packet
 * leaves the queues, after its crypto: the wait is only known then.
 *
 * The wait is a time, not a queue length, so it means the same at any
 * cipher speed: from when the packet entered the queues (avpn_skb_cb
 * .queued_at) to when it is finished, the wait for a crypt worker and the
 * wait behind the peer's earlier packets. Why CoDel and not a plain step
 * (mark whatever waited over 5 ms, as fq_codel's ce_threshold): with it,
 * one flow in the benchmark (TCG, ECN endpoints) ran at 0.9x WireGuard's
 * speed with the CPUs partly idle, against 1.3x with CoDel; likely, not
 * measured, because a worker's wakeup alone can take several ms on a busy
 * host, so the step marked flows that had no standing queue. CoDel
 * marks only once the wait has stayed above the target for a whole
 * interval, then more often, as interval / sqrt(count), until the wait
 * falls below the target or the queue drains. And, since the queue holds
 * only AVPN_MAX_QUEUED packets, which a fast datapath sends in less than
 * an interval, a packet with half a queue behind it is marked anyway
 * (AVPN_AQM_DEEP).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/timekeeping.h>
#include "crypto.h"

static unsigned int ecn_target_us = 5000;
module_param(ecn_target_us, uint, 0644);
MODULE_PARM_DESC(ecn_target_us, "CoDel target: the wait in the crypto queues above which ECN-capable packets get marked CE, and Not-ECT ones dropped (aqm_drop) (default: 5000 us; 0: never mark nor drop)");

static bool aqm_drop;
module_param(aqm_drop, bool, 0644);
MODULE_PARM_DESC(aqm_drop, "CoDel drops what it would mark when the packet is not ECN-capable, as fq_codel does (default: off: those are dropped only when a queue is full)");

static unsigned int ecn_interval_us = 100000;
module_param(ecn_interval_us, uint, 0644);
MODULE_PARM_DESC(ecn_interval_us, "CoDel interval: how long the wait must stay above the target before the first mark or drop (default: 100000 us; 0: every late packet after the first is marked, or dropped if Not-ECT with aqm_drop: a plain threshold)");

/* Microseconds in the queue clock's 1.024 us units, at most S32_MAX. */
static u32 aqm_units(unsigned int us)
{
	return min_t(u64, ((u64)us * NSEC_PER_USEC) >> 10, S32_MAX);
}

u32 avpn_aqm_now(void)
{
	return (u32)(ktime_get_mono_fast_ns() >> 10);
}

/* Signed, as codel_time_after(): times are u32 that go round in 73 minutes. */
static bool aqm_after_eq(u32 a, u32 b)
{
	return (s32)(a - b) >= 0;
}

/* t + interval / sqrt(count), the square root with 16 bits of fraction. */
static u32 aqm_control_law(u32 t, u32 interval, u32 count)
{
	return t + (u32)div64_u64((u64)interval << 16, int_sqrt64((u64)max(count, 1u) << 32));
}

/* Not congested (any more): the next wait above target starts an interval. */
static void aqm_reset(struct avpn_aqm *aqm)
{
	aqm->first_above = 0;
	aqm->marking = false;
}

bool avpn_aqm_mark(struct avpn_aqm *aqm, u32 now, u32 queued_at, bool last, bool takes,
		   unsigned int target_us, unsigned int interval_us)
{
	/* 16 intervals must fit the signed comparison below. */
	u32 target = aqm_units(target_us), interval = min(aqm_units(interval_us), S32_MAX / 16u);
	u32 delta;

	/*
	 * Below the target, or a clock a little behind on another CPU (no
	 * wait at all): not congested; leave the marking state. Nor when the
	 * queue is empty behind this packet (Linux's codel: a backlog of at
	 * most one packet): a burst whose every packet waited, say for a
	 * worker to wake, has drained, and is no standing queue.
	 */
	if (!target || (s32)(now - queued_at) < (s32)target || last) {
		aqm_reset(aqm);
		return false;
	}
	if (!aqm->first_above) {
		aqm->first_above = (now + interval) | 1; /* 0 means "not above" */
		return false;
	}
	/*
	 * A packet that does not take the signal (avpn_aqm_takes_signal():
	 * Not-ECT with aqm_drop=0) does not use it up: the next one that can
	 * take it does.
	 */
	if (!aqm->marking) {
		if (!aqm_after_eq(now, aqm->first_above) || !takes)
			return false;
		aqm->marking = true;
		/*
		 * Back soon after the last marking ended: start near the rate
		 * it had reached (RFC 8289 section 5.5, as Linux's codel).
		 */
		delta = aqm->count - aqm->lastcount;
		aqm->count = delta > 1 && !aqm_after_eq(now - aqm->next, 16 * interval) ? delta : 1;
		aqm->lastcount = aqm->count;
		aqm->next = aqm_control_law(now, interval, aqm->count);
		return true;
	}
	if (!aqm_after_eq(now, aqm->next) || !takes)
		return false;
	aqm->count++;
	/*
	 * From now, not from the mark's due time as RFC 8289 has it: after a
	 * stretch of packets that did not take the signal, the signals they
	 * did not take would otherwise all fall on the next ones that can.
	 */
	aqm->next = aqm_control_law(now, interval, aqm->count);
	return true;
}

/*
 * Packets queued behind one that make it marked whatever CoDel says. The
 * queue holds AVPN_MAX_QUEUED: in a fast datapath that is a few ms (1,024
 * packets of 1,420 bytes are 12 ms at 1 Gbit/s), less than CoDel's
 * interval, so a flow would fill it and lose packets before CoDel's first
 * mark. Half full gives a sender one round trip to slow down first.
 */
#define AVPN_AQM_DEEP (AVPN_MAX_QUEUED / 2)

void avpn_aqm_idle(struct avpn_pq *q)
{
	aqm_reset(&q->aqm);
}

bool avpn_aqm_takes_signal(u8 ecn, bool drop)
{
	/*
	 * ECT(0) and ECT(1) take it as a mark. CE has one already and uses
	 * the signal up without a change (fq_codel counts it marked), so that
	 * a stream of CE packets does not push every signal onto the few
	 * Not-ECT packets among them. Not-ECT takes it as a drop, with
	 * aqm_drop.
	 */
	return !INET_ECN_is_not_ect(ecn) || drop;
}

enum avpn_aqm_verdict avpn_aqm_verdict(u8 ecn, bool drop, bool signal, bool deep)
{
	if (INET_ECN_is_ce(ecn))
		return AVPN_AQM_PASS;
	if (INET_ECN_is_not_ect(ecn))
		return drop && signal ? AVPN_AQM_DROP : AVPN_AQM_PASS;
	return signal || deep ? AVPN_AQM_MARK : AVPN_AQM_PASS;
}

enum avpn_aqm_verdict avpn_aqm_congested(struct avpn_pq *q, struct sk_buff *skb, u8 ecn)
{
	struct avpn_skb_cb *cb = avpn_cb(skb);
	unsigned int target = READ_ONCE(ecn_target_us);
	int behind = atomic_read(&q->count);
	bool drop = READ_ONCE(aqm_drop);
	bool signal;

	/*
	 * Only where the peer's serial work finishes packets in order: the
	 * state is that consumer's alone. Inline crypto has no queue, and
	 * order=0 (tests only) finishes packets on any CPU.
	 */
	if (cb->how != AVPN_QUEUED_IN_ORDER)
		return AVPN_AQM_PASS;
	/*
	 * With aqm_drop, a Not-ECT packet takes CoDel's signal as a drop: one
	 * loss per signal instead of a burst when the queue overflows, and
	 * the ECN flows no longer take all of the signal for a queue that
	 * others keep standing. The half-queue rule stays the marks' own;
	 * whether drops there would spare 8 flows their overflow bursts was
	 * not measured.
	 */
	signal = avpn_aqm_mark(&q->aqm, avpn_aqm_now(), cb->queued_at, !behind,
			       avpn_aqm_takes_signal(ecn, drop), target,
			       READ_ONCE(ecn_interval_us));
	return avpn_aqm_verdict(ecn, drop, signal, target && behind >= AVPN_AQM_DEEP);
}
