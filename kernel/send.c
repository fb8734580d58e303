// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: transmit (DESIGN §2 "Transmit").
 *
 * av0 xmit -> route (prefix -> peer) -> MTU check -> GSO segmentation ->
 * IPv4 without DF above the MTU fragmented -> path for the flow -> current
 * key and a (key, path) counter -> DATA header
 * -> encrypt in place -> UDP through the path's uplink socket.
 *
 * No locks: everything is read under RCU, counters are atomic or per-cpu.
 * A packet in flight in an asynchronous cipher holds a reference on its peer
 * and key (see crypto.h); the path is part of the peer.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/security.h>
#include <linux/udp.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>
#include "crypto.h"

/* Outer IPv6 + UDP + DATA header, plus room for a link-layer header. */
#define AVPN_TX_HEADROOM \
	ALIGN(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + AUTOVPN_DATA_HDR_LEN + NET_SKB_PAD, 4)

/* The inner packet's length on the device, the peer and the path alike. */
static void avpn_tx_stats(struct avpn_dev *avpn, struct avpn_peer *peer, struct avpn_path *path,
			  unsigned int len, bool ce)
{
	struct avpn_peer_stats *ps = this_cpu_ptr(peer->stats);
	struct avpn_path_stats *st;

	dev_sw_netstats_tx_add(avpn->dev, 1, len);

	u64_stats_update_begin(&ps->syncp);
	u64_stats_inc(&ps->tx_packets);
	u64_stats_add(&ps->tx_bytes, len);
	if (ce)
		u64_stats_inc(&ps->tx_ce_marks);
	u64_stats_update_end(&ps->syncp);
	if (path->stats) {
		st = this_cpu_ptr(path->stats);
		u64_stats_update_begin(&st->syncp);
		u64_stats_inc(&st->tx_packets);
		u64_stats_add(&st->tx_bytes, len);
		u64_stats_update_end(&st->syncp);
	}
}

static int avpn_send4(struct avpn_dev *avpn, struct sock *sk, struct avpn_path *path,
		      const struct sockaddr_in *to, struct sk_buff *skb, u8 tos)
{
	struct flowi4 fl = {
		.saddr = inet_sk(sk)->inet_saddr,
		.daddr = to->sin_addr.s_addr,
		.fl4_dport = to->sin_port,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.flowi4_mark = sk->sk_mark,
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_oif = sk->sk_bound_dev_if,
	};
	struct net *net = sock_net(sk);
	struct rtable *rt;

	/* An IPv6 socket can send to IPv4 only if it is dual-stack and not
	 * bound to an IPv6 address (else inet_saddr is a placeholder).
	 */
	if (sk->sk_family == AF_INET6 &&
	    (ipv6_only_sock(sk) || !(ipv6_addr_any(&sk->sk_v6_rcv_saddr) ||
				     ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))))
		goto err;

	rt = dst_cache_get_ip4(&path->dst_cache, &fl.saddr);
	if (!rt) {
		security_sk_classify_flow(sk, flowi4_to_flowi_common(&fl));
		rt = ip_route_output_flow(net, &fl, sk);
		if (IS_ERR(rt))
			goto err;
		if (unlikely(rt->dst.dev == avpn->dev)) {
			/* The endpoint is routed into the tunnel itself. */
			ip_rt_put(rt);
			goto err;
		}
		dst_cache_set_ip4(&path->dst_cache, &rt->dst, fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel_xmit_skb(rt, sk, skb, fl.saddr, fl.daddr, tos, ip4_dst_hoplimit(&rt->dst), 0,
			    fl.fl4_sport, fl.fl4_dport, !net_eq(net, dev_net(avpn->dev)), false);
	return 0;
err:
	kfree_skb(skb);
	return -EHOSTUNREACH;
}

#if IS_ENABLED(CONFIG_IPV6)
static int avpn_send6(struct avpn_dev *avpn, struct sock *sk, struct avpn_path *path,
		      const struct sockaddr_in6 *to, struct sk_buff *skb, u8 tos)
{
	struct flowi6 fl = {
		.saddr = sk->sk_v6_rcv_saddr,
		.daddr = to->sin6_addr,
		.fl6_dport = to->sin6_port,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.flowi6_mark = sk->sk_mark,
		.flowi6_oif = to->sin6_scope_id ?: sk->sk_bound_dev_if,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct net *net = sock_net(sk);
	struct dst_entry *dst;

	if (sk->sk_family != AF_INET6)
		goto err;
	dst = dst_cache_get_ip6(&path->dst_cache, &fl.saddr);
	if (!dst) {
		security_sk_classify_flow(sk, flowi6_to_flowi_common(&fl));
		dst = ipv6_stub->ipv6_dst_lookup_flow(net, sk, &fl, NULL);
		if (IS_ERR(dst))
			goto err;
		if (unlikely(dst->dev == avpn->dev)) {
			dst_release(dst);
			goto err;
		}
		dst_cache_set_ip6(&path->dst_cache, dst, &fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &fl.saddr, &fl.daddr, tos,
			     ip6_dst_hoplimit(dst), 0, fl.fl6_sport, fl.fl6_dport, false);
	return 0;
err:
	kfree_skb(skb);
	return -EHOSTUNREACH;
}
#endif

/*
 * Make the encrypted packet a new packet of the uplink socket (as WireGuard
 * does before encapsulation): nothing of the inner packet's life on this
 * host may ride along. That is its route (udp_tunnel6_xmit_skb() would
 * overwrite the reference without releasing it), its conntrack entry (the
 * outer flow gets its own instead of being taken for the inner one), its
 * mark and priority (the socket's apply, as for any packet it sends), its
 * timestamp and extensions, and the inner header offsets. The flow hash is
 * kept, so the outer packets of one flow stay on one queue.
 */
static void avpn_tx_reset(struct sk_buff *skb, const struct sock *sk)
{
	u32 hash = skb->hash;
	u8 l4_hash = skb->l4_hash, sw_hash = skb->sw_hash;

	skb_scrub_packet(skb, true);
	memset(&skb->headers, 0, sizeof(skb->headers));
	skb->hash = hash;
	skb->l4_hash = l4_hash;
	skb->sw_hash = sw_hash;
	skb->mark = READ_ONCE(sk->sk_mark);
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->queue_mapping = 0;
	skb->nohdr = 0;
	skb->peeked = 0;
	skb->mac_len = 0;
#ifdef CONFIG_NET_SCHED
	skb->tc_index = 0;
#endif
	skb_reset_redirect(skb);
	skb->hdr_len = skb_headroom(skb);
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_reset_inner_headers(skb);
	/* Any checksum state of the inner packet is meaningless now. */
	skb->ip_summed = CHECKSUM_NONE;
}

/* Hand an encrypted DATA packet to the path's uplink socket. Consumes skb. */
static int avpn_send_skb(struct avpn_dev *avpn, struct avpn_path *path, struct sk_buff *skb,
			 u8 tos)
{
	struct avpn_endpoint *remote = rcu_dereference_bh(path->remote);
	struct avpn_uplink *uplink = NULL;
	u8 id = READ_ONCE(path->uplink);

	if (id < AUTOVPN_MAX_UPLINKS)
		uplink = rcu_dereference_bh(avpn->uplinks[id]);
	if (unlikely(!remote || !uplink || !uplink->sock || !uplink->sock->sk)) {
		kfree_skb(skb);
		return -ENOTCONN;
	}
	avpn_tx_reset(skb, uplink->sock->sk);
	/*
	 * No device: iptunnel_xmit_stats() would count the outer packet from
	 * its inner header offsets on it. avpn_tx_finish() counts the inner
	 * packet on av0 itself, as on the peer and path, and as receive does.
	 */
	skb->dev = NULL;
	if (remote->sa.sa_family == AF_INET)
		return avpn_send4(avpn, uplink->sock->sk, path, &remote->sin, skb, tos);
#if IS_ENABLED(CONFIG_IPV6)
	if (remote->sa.sa_family == AF_INET6)
		return avpn_send6(avpn, uplink->sock->sk, path, &remote->sin6, skb, tos);
#endif
	kfree_skb(skb);
	return -EAFNOSUPPORT;
}

void avpn_tx_finish(struct sk_buff *skb, int err)
{
	struct avpn_skb_cb *cb = avpn_cb(skb);
	struct avpn_peer *peer = cb->peer;
	struct avpn_dev *avpn = peer->avpn;
	struct avpn_path *path = &peer->paths[cb->path_id];
	unsigned int len;
	u8 tos = cb->tos;
	bool ce;

	avpn_key_put(cb->key);
	if (unlikely(err)) {
		avpn_count_drop(avpn, peer,
				err == -ENOMEM	 ? AUTOVPN_DROP_NOMEM :
				err == -ENOBUFS ? AUTOVPN_DROP_TX_BUSY :
						   AUTOVPN_DROP_XMIT);
		kfree_skb(skb);
		goto out;
	}
	len = skb->len - AUTOVPN_DATA_HDR_LEN - AUTOVPN_TAG_LEN;
	/*
	 * The queues' congestion signal (aqm.c; every packet feeds CoDel),
	 * by the inner ECN field (the outer one says ECT(0) for ECT and CE
	 * alike): an ECN-capable packet is marked, outside since the inner
	 * packet is sealed (the far end moves the mark in); a Not-ECT one is
	 * dropped (aqm_drop), its counter used, a gap the receiver's window
	 * accepts; a CE one passes.
	 */
	switch (avpn_aqm_congested(&peer->tx_queue, skb, cb->inner_ecn)) {
	case AVPN_AQM_DROP:
		avpn_count_drop(avpn, peer, AUTOVPN_DROP_TX_CONGESTION);
		kfree_skb(skb);
		goto out;
	case AVPN_AQM_MARK:
		ce = true;
		tos |= INET_ECN_CE;
		break;
	case AVPN_AQM_PASS:
		ce = false;
		break;
	}

	/*
	 * Also reached from an async completion: take our own RCU section,
	 * which also keeps the per-cpu counters below on this CPU.
	 */
	rcu_read_lock_bh();
	err = avpn_send_skb(avpn, path, skb, tos);
	if (unlikely(err))
		avpn_count_drop(avpn, peer,
				err == -ENOTCONN ? AUTOVPN_DROP_NO_PATH : AUTOVPN_DROP_XMIT);
	else
		avpn_tx_stats(avpn, peer, path, len, ce);
	rcu_read_unlock_bh();
out:
	avpn_peer_put(peer);
	dev_put(avpn->dev);
}

/* Encrypt and send one packet (no GSO) on path. Consumes skb. */
static void avpn_send_one(struct avpn_dev *avpn, struct avpn_peer *peer, struct avpn_path *path,
			  struct sk_buff *skb)
{
	enum autovpn_drop_reason reason;
	struct autovpn_data_hdr *hdr;
	struct avpn_skb_cb *cb;
	struct avpn_key *key;
	u8 path_id = path - peer->paths;
	u64 counter;
	u8 ds, tos;

	/* The receiver trusts the inner checksum (the AEAD covers it). */
	if (skb->ip_summed == CHECKSUM_PARTIAL && unlikely(skb_checksum_help(skb))) {
		reason = AUTOVPN_DROP_NOMEM;
		goto drop;
	}
	/*
	 * The outer header gets the inner DSCP, so the WAN can queue the
	 * tunnel's traffic by class as it would the bare traffic (as the
	 * kernel's IP tunnels do with "tos inherit"), and the ECN field
	 * encapsulated as RFC 6040 says (CE becomes ECT(0) outside).
	 */
	ds = ip_tunnel_get_dsfield(ip_hdr(skb), skb);
	tos = ip_tunnel_ecn_encap(ds, ip_hdr(skb), skb);

	if (unlikely(skb_cow_head(skb, AVPN_TX_HEADROOM))) {
		reason = AUTOVPN_DROP_NOMEM;
		goto drop;
	}
	key = avpn_key_for_tx(peer);
	if (unlikely(!key)) {
		reason = AUTOVPN_DROP_KEY_LIMIT;
		goto drop;
	}
	if (unlikely(!avpn_key_next_counter(key, path_id, &counter))) {
		avpn_key_put(key);
		reason = AUTOVPN_DROP_KEY_LIMIT;
		goto drop;
	}
	if (unlikely(!avpn_peer_get(peer))) {
		avpn_key_put(key);
		reason = AUTOVPN_DROP_NO_ROUTE;
		goto drop;
	}

	hdr = skb_push(skb, AUTOVPN_DATA_HDR_LEN);
	hdr->type = AUTOVPN_MSG_DATA;
	hdr->key_id = key->key_id;
	hdr->path_id = path_id;
	hdr->reserved = 0;
	hdr->receiver_index = htonl(READ_ONCE(peer->tx_index));
	hdr->counter = cpu_to_be64(counter);

	cb = avpn_cb(skb);
	cb->peer = peer;
	cb->key = key;
	cb->counter = counter;
	cb->path_id = path_id;
	cb->tos = tos;
	cb->inner_ecn = ds & INET_ECN_MASK;
	/* The packet may be sent after the device is unregistered: hold it
	 * (a per-cpu increment) until avpn_tx_finish().
	 */
	dev_hold(avpn->dev);
	avpn_queue_tx(peer, skb);
	return;

drop:
	avpn_count_drop(avpn, peer, reason);
	kfree_skb(skb);
}

/* The inner family, with skb->protocol and the network header set; 0 if not IP. */
static int avpn_tx_family(struct sk_buff *skb)
{
	skb_reset_network_header(skb);
	if (pskb_may_pull(skb, sizeof(struct iphdr)) && ip_hdr(skb)->version == 4 &&
	    skb->protocol == htons(ETH_P_IP))
		return AF_INET;
	if (pskb_may_pull(skb, sizeof(struct ipv6hdr)) && ipv6_hdr(skb)->version == 6 &&
	    skb->protocol == htons(ETH_P_IPV6))
		return AF_INET6;
	return 0;
}

/* Non-GSO packet above the MTU that may not be fragmented: tell the sender. */
static bool avpn_too_big(struct sk_buff *skb, int family, unsigned int mtu)
{
	if (skb_is_gso(skb) || skb->len <= mtu)
		return false;
	if (family == AF_INET) {
		/* Without DF it is fragmented (avpn_xmit_one()). */
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return false;
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	} else {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	}
	return true;
}

/*
 * An IPv4 packet without DF that does not fit av0 (its route's MTU is locked
 * above av0's, or it is a GSO segment cut for a larger MTU, or a raw socket
 * sent it): fragment the inner packet to the MTU, as the stack does in front
 * of any device and the kernel's IP tunnels do for their inner packets, and
 * encapsulate each fragment. The outer packets then fit the uplink and are
 * never fragmented themselves: outer fragments are what NATs and firewalls
 * drop, and the far gateway would have to reassemble them, unauthenticated,
 * before it could check a single tag. The far LAN's host reassembles.
 * Consumes skb.
 *
 * IP options are copied into every fragment as they are (the device does not
 * parse them; ip_options_fragment() needs the options the input path
 * compiled, which an skb at xmit no longer carries in its control block).
 */
static void avpn_fragment4(struct avpn_dev *avpn, struct avpn_peer *peer, struct avpn_path *path,
			   struct sk_buff *skb, unsigned int mtu)
{
	enum autovpn_drop_reason reason = AUTOVPN_DROP_INNER;
	struct ip_frag_state state;
	struct sk_buff *frag;
	unsigned int hlen;

	hlen = ip_hdr(skb)->ihl * 4;
	if (unlikely(hlen < sizeof(struct iphdr) || !pskb_may_pull(skb, hlen) ||
		     ntohs(ip_hdr(skb)->tot_len) != skb->len || mtu < hlen + 8))
		goto drop;
	/* Fragments are copies: the checksum must be final before (as
	 * ip_do_fragment() does).
	 */
	if (skb->ip_summed == CHECKSUM_PARTIAL && unlikely(skb_checksum_help(skb))) {
		reason = AUTOVPN_DROP_NOMEM;
		goto drop;
	}
	/* Room in each fragment for everything avpn_send_one() puts in front. */
	ip_frag_init(skb, hlen, AVPN_TX_HEADROOM, mtu - hlen, false, &state);
	while (state.left > 0) {
		frag = ip_frag_next(skb, &state);
		if (IS_ERR(frag)) {
			/* The fragments sent so far are lost with it: the
			 * receiver's reassembly times out, as for any loss.
			 */
			reason = AUTOVPN_DROP_NOMEM;
			goto drop;
		}
		avpn_send_one(avpn, peer, path, frag);
	}
	consume_skb(skb);
	return;

drop:
	avpn_count_drop(avpn, peer, reason);
	kfree_skb(skb);
}

/* One packet (no GSO) that passed the MTU check: fragmented, or as it is. */
static void avpn_xmit_one(struct avpn_dev *avpn, struct avpn_peer *peer, struct avpn_path *path,
			  struct sk_buff *skb, int family, unsigned int mtu)
{
	if (family == AF_INET && unlikely(skb->len > mtu) &&
	    !(ip_hdr(skb)->frag_off & htons(IP_DF)))
		avpn_fragment4(avpn, peer, path, skb, mtu);
	else
		avpn_send_one(avpn, peer, path, skb);
}

netdev_tx_t avpn_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct avpn_dev *avpn = netdev_priv(dev);
	enum autovpn_drop_reason reason;
	struct avpn_peer *peer = NULL;
	struct sk_buff *segs, *next;
	struct avpn_path *path;
	const void *daddr;
	unsigned int mtu;
	int family;

	rcu_read_lock_bh();
	family = avpn_tx_family(skb);
	if (unlikely(!family)) {
		reason = AUTOVPN_DROP_INNER;
		goto drop;
	}
	daddr = family == AF_INET ? (const void *)&ip_hdr(skb)->daddr :
				    (const void *)&ipv6_hdr(skb)->daddr;
	peer = avpn_trie_lookup(&avpn->routes, family, daddr);
	if (peer)
		peer = avpn_peer_get(peer);
	if (unlikely(!peer)) {
		if (family == AF_INET)
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
		else
			icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
		reason = AUTOVPN_DROP_NO_ROUTE;
		goto drop;
	}
	mtu = READ_ONCE(dev->mtu);
	if (unlikely(avpn_too_big(skb, family, mtu))) {
		reason = AUTOVPN_DROP_TOO_BIG;
		goto drop;
	}
	/*
	 * One path per flow: chosen on the whole packet, before segmenting. A
	 * peer without a transmit index (no handshake yet) has no usable path:
	 * its receiver could not find it.
	 */
	path = READ_ONCE(peer->tx_index) ? avpn_path_select(peer, skb) : NULL;
	if (unlikely(!path)) {
		reason = AUTOVPN_DROP_NO_PATH;
		goto drop;
	}

	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			reason = AUTOVPN_DROP_NOMEM;
			goto drop;
		}
		consume_skb(skb);
		skb = segs;
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		avpn_xmit_one(avpn, peer, path, skb, family, mtu);
	}
	avpn_peer_put(peer);
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;

drop:
	avpn_count_drop(avpn, peer, reason);
	kfree_skb(skb);
	if (peer)
		avpn_peer_put(peer);
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;
}
