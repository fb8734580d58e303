// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: receive (DESIGN §2 "Receive").
 *
 * encap_rcv of an uplink socket -> DATA? (else leave it in the socket for
 * the daemon) -> header checks -> peer by receiver index -> a path of the
 * peer with that id -> key by key id ->
 * decrypt -> replay window of (key, path) -> inner IPv4/IPv6 -> inner source
 * in the peer's allowed sources -> ECN decapsulation -> GRO cells.
 *
 * Everything here is remote input: every check drops and counts, nothing
 * warns. The replay window is consulted only after authentication, so forged
 * packets cannot move it.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/udp.h>
#include "crypto.h"

static void avpn_rx_stats(struct avpn_peer *peer, struct avpn_path *path, unsigned int len,
			  bool ce)
{
	struct avpn_peer_stats *ps = this_cpu_ptr(peer->stats);
	struct avpn_path_stats *st;

	u64_stats_update_begin(&ps->syncp);
	u64_stats_inc(&ps->rx_packets);
	u64_stats_add(&ps->rx_bytes, len);
	if (ce)
		u64_stats_inc(&ps->rx_ce_marks);
	u64_stats_update_end(&ps->syncp);
	if (path->stats) {
		st = this_cpu_ptr(path->stats);
		u64_stats_update_begin(&st->syncp);
		u64_stats_inc(&st->rx_packets);
		u64_stats_add(&st->rx_bytes, len);
		u64_stats_update_end(&st->syncp);
	}
}

/* The (key, path) replay window, allocated on first use (most keys use one path). */
static struct avpn_replay *avpn_replay_of(struct avpn_key *key, u8 path_id)
{
	struct avpn_replay *r, *old;

	r = rcu_dereference_raw(key->replay[path_id]);
	if (likely(r))
		return r;
	r = kmalloc(sizeof(*r), GFP_ATOMIC);
	if (unlikely(!r))
		return NULL;
	avpn_replay_init(r);
	old = cmpxchg((struct avpn_replay __force **)&key->replay[path_id], NULL, r);
	if (old) {
		/* Another CPU installed one first. */
		kfree(r);
		return old;
	}
	return r;
}

/*
 * Check the decrypted inner packet (skb->data is its first byte), trim it to
 * its own length and set skb->protocol. Returns the family or 0.
 */
static int avpn_inner_check(struct sk_buff *skb, const void **saddr)
{
	unsigned int len;

	if (!pskb_may_pull(skb, 1))
		return 0;
	switch (skb->data[0] >> 4) {
	case 4: {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return 0;
		iph = (const struct iphdr *)skb->data;
		len = ntohs(iph->tot_len);
		if (iph->ihl < 5 || len < iph->ihl * 4 || len > skb->len || pskb_trim(skb, len))
			return 0;
		iph = (const struct iphdr *)skb->data;
		*saddr = &iph->saddr;
		skb->protocol = htons(ETH_P_IP);
		return AF_INET;
	}
	case 6: {
		const struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return 0;
		ip6h = (const struct ipv6hdr *)skb->data;
		len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
		/* payload_len 0 is a jumbogram: never sent through a tunnel. */
		if (!ip6h->payload_len || len > skb->len || pskb_trim(skb, len))
			return 0;
		ip6h = (const struct ipv6hdr *)skb->data;
		*saddr = &ip6h->saddr;
		skb->protocol = htons(ETH_P_IPV6);
		return AF_INET6;
	}
	}
	return 0;
}

/*
 * Make the decrypted packet look freshly received on our device (as
 * WireGuard does): forget everything about the outer packet, its hash too
 * (the inner flow is hashed on its own headers when needed).
 */
static void avpn_rx_reset(struct sk_buff *skb, struct net_device *dev)
{
	__be16 protocol = skb->protocol;

	skb_scrub_packet(skb, true);
	memset(&skb->headers, 0, sizeof(skb->headers));
	skb->queue_mapping = 0;
	skb->nohdr = 0;
	skb->peeked = 0;
	skb->mac_len = 0;
#ifdef CONFIG_NET_SCHED
	skb->tc_index = 0;
#endif
	skb_reset_redirect(skb);
	skb->hdr_len = skb_headroom(skb);
	skb->dev = dev;
	skb->protocol = protocol;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_probe_transport_header(skb);
	skb_reset_inner_headers(skb);
	/* The AEAD authenticated every byte: no need to verify checksums. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
}

/*
 * RFC 6040 decapsulation: a congestion mark (CE) a WAN queue set on the
 * outer header moves to the inner packet; an inner packet that is not
 * ECN-capable cannot carry it and is dropped (false). After avpn_rx_reset():
 * the network header is the inner one.
 */
static bool avpn_rx_ecn(struct sk_buff *skb, u8 outer)
{
	return INET_ECN_decapsulate(skb, outer, ip_tunnel_get_dsfield(ip_hdr(skb), skb)) != 2;
}

void avpn_rx_finish(struct sk_buff *skb, int err)
{
	struct avpn_skb_cb *cb = avpn_cb(skb);
	struct avpn_peer *peer = cb->peer;
	struct avpn_key *key = cb->key;
	struct avpn_dev *avpn = peer->avpn;
	struct avpn_path *path = &peer->paths[cb->path_id];
	enum autovpn_drop_reason reason;
	struct avpn_replay *replay;
	const void *saddr;
	unsigned int len;
	int family;
	bool ce;

	/* Also reached from an async completion: take our own RCU section. */
	rcu_read_lock_bh();
	if (unlikely(err)) {
		reason = err == -EBADMSG ? AUTOVPN_DROP_AUTH :
			 err == -ENOMEM	 ? AUTOVPN_DROP_NOMEM :
			 err == -ENOBUFS ? AUTOVPN_DROP_RX_BUSY :
					   AUTOVPN_DROP_MALFORMED;
		goto drop;
	}
	/*
	 * Removed while the packet waited in the queues: its allowed sources
	 * are gone with it, and so is the trust they stood for.
	 */
	if (unlikely(READ_ONCE(peer->dead))) {
		reason = AUTOVPN_DROP_NO_PEER;
		goto drop;
	}
	replay = avpn_replay_of(key, cb->path_id);
	if (unlikely(!replay)) {
		reason = AUTOVPN_DROP_NOMEM;
		goto drop;
	}
	if (unlikely(!avpn_replay_check(replay, cb->counter))) {
		reason = AUTOVPN_DROP_REPLAY;
		goto drop;
	}

	/* Strip header and tag: the inner packet remains. */
	__skb_pull(skb, AUTOVPN_DATA_HDR_LEN);
	if (unlikely(pskb_trim(skb, skb->len - AUTOVPN_TAG_LEN))) {
		reason = AUTOVPN_DROP_NOMEM;
		goto drop;
	}
	family = avpn_inner_check(skb, &saddr);
	if (unlikely(!family)) {
		reason = AUTOVPN_DROP_INNER;
		goto drop;
	}
	if (unlikely(!avpn_trie_lookup(&peer->allowed, family, saddr))) {
		/*
		 * The peer may have been removed since the check above, and its
		 * allowed sources freed: that is no spoofing. Pairs with the
		 * smp_wmb() in peer_release().
		 */
		smp_rmb();
		reason = READ_ONCE(peer->dead) ? AUTOVPN_DROP_NO_PEER : AUTOVPN_DROP_SOURCE;
		goto drop;
	}

	len = skb->len;
	avpn_rx_reset(skb, avpn->dev);
	if (unlikely(!avpn_rx_ecn(skb, cb->tos))) {
		reason = AUTOVPN_DROP_INNER;
		goto drop;
	}
	/*
	 * The queues' congestion signal (aqm.c; every packet feeds CoDel, and
	 * cb survives the reset), by the inner ECN field after decapsulation:
	 * an ECN-capable packet is marked, a Not-ECT one dropped (aqm_drop),
	 * a CE one (from the outer header, or from its sender's path) passes.
	 */
	switch (avpn_aqm_congested(&peer->rx_queue, skb, ip_tunnel_get_dsfield(ip_hdr(skb), skb))) {
	case AVPN_AQM_DROP:
		reason = AUTOVPN_DROP_RX_CONGESTION;
		goto drop;
	case AVPN_AQM_MARK:
		ce = true;
		INET_ECN_set_ce(skb);
		break;
	case AVPN_AQM_PASS:
		ce = false;
		break;
	}
	avpn_rx_stats(peer, path, len, ce);
	dev_sw_netstats_rx_add(avpn->dev, len);
	gro_cells_receive(&avpn->gro_cells, skb);
	goto out;

drop:
	avpn_count_drop(avpn, peer, reason);
	kfree_skb(skb);
out:
	rcu_read_unlock_bh();
	avpn_key_put(key);
	avpn_peer_put(peer);
	dev_put(avpn->dev);
}

int avpn_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	const unsigned int off = sizeof(struct udphdr);
	struct avpn_peer *peer = NULL;
	enum autovpn_drop_reason reason;
	struct autovpn_data_hdr hdr;
	struct avpn_uplink *uplink;
	struct avpn_dev *avpn;
	struct avpn_skb_cb *cb;
	struct avpn_key *key;

	/* skb->data is the UDP header. Not DATA: the daemon's business. */
	if (!pskb_may_pull(skb, off + 1) || skb->data[off] != AUTOVPN_MSG_DATA)
		return 1;
	/*
	 * Coalesced datagrams: only if the daemon set UDP_GRO after attaching
	 * (refused before, uplink.c) on a kernel that hands aggregates to
	 * encapsulation sockets. Not one DATA packet: dropped and counted.
	 */
	if (unlikely(skb_is_gso(skb))) {
		rcu_read_lock_bh();
		uplink = rcu_dereference_sk_user_data(sk);
		if (uplink)
			avpn_count_drop(uplink->avpn, NULL, AUTOVPN_DROP_MALFORMED);
		rcu_read_unlock_bh();
		kfree_skb(skb);
		return 0;
	}

	rcu_read_lock_bh();
	uplink = rcu_dereference_sk_user_data(sk);
	if (unlikely(!uplink)) {
		/* Being detached: nobody to deliver to. */
		rcu_read_unlock_bh();
		kfree_skb(skb);
		return 0;
	}
	avpn = uplink->avpn;

	/* A DATA packet carries at least one byte of inner packet. */
	if (skb->len < off + AUTOVPN_DATA_HDR_LEN + AUTOVPN_TAG_LEN + 1 ||
	    !pskb_may_pull(skb, off + AUTOVPN_DATA_HDR_LEN)) {
		reason = AUTOVPN_DROP_MALFORMED;
		goto drop;
	}
	memcpy(&hdr, skb->data + off, sizeof(hdr));
	if (hdr.reserved || hdr.path_id >= AUTOVPN_MAX_PATHS) {
		reason = AUTOVPN_DROP_MALFORMED;
		goto drop;
	}
	peer = avpn_peer_by_index(avpn, ntohl(hdr.receiver_index));
	if (unlikely(!peer)) {
		reason = AUTOVPN_DROP_NO_PEER;
		goto drop;
	}
	/*
	 * Path ids are shared by both ends: a packet is counted on our path of
	 * its id and has its replay window per (key, path id). One we have not
	 * configured (whatever its state) is nobody's path.
	 */
	if (unlikely(!smp_load_acquire(&peer->paths[hdr.path_id].configured))) {
		reason = AUTOVPN_DROP_PATH;
		goto drop;
	}
	key = avpn_key_for_rx(peer, hdr.key_id);
	if (unlikely(!key)) {
		reason = AUTOVPN_DROP_NO_KEY;
		goto drop;
	}
	/*
	 * Until avpn_rx_finish(), which runs after the queues. Taken
	 * inside the RCU section: the uplink, and with it the device pointer,
	 * is only known to be valid here (device teardown releases uplinks and
	 * waits for a grace period before the device can go). The section
	 * also covers the device's crypt queue in avpn_queue_rx(), which
	 * outlives the packet (it may be delivered, and the device's last
	 * reference dropped, before avpn_queue_rx() returns).
	 */
	dev_hold(avpn->dev);

	__skb_pull(skb, off);
	cb = avpn_cb(skb);
	cb->peer = peer;
	cb->key = key;
	cb->counter = be64_to_cpu(hdr.counter);
	cb->path_id = hdr.path_id;
	/* The outer header's ECN field, for decapsulation (RFC 6040). */
	cb->tos = ip_hdr(skb)->version == 4 ? ipv4_get_dsfield(ip_hdr(skb)) :
					      ipv6_get_dsfield(ipv6_hdr(skb));
	avpn_queue_rx(peer, skb);
	rcu_read_unlock_bh();
	return 0;

drop:
	avpn_count_drop(avpn, peer, reason);
	if (peer)
		avpn_peer_put(peer);
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return 0;
}
