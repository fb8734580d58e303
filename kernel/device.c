// SPDX-License-Identifier: GPL-2.0
/*
 * The autovpn net_device: setup, creation (rtnl_link_ops and genl DEV_NEW),
 * statistics and teardown.
 *
 * Teardown happens in ndo_uninit, which every unregistration path goes
 * through (ip link del, genl DEV_DEL, netns exit, rtnl_link_unregister at
 * module unload) after the device is closed and transmit has drained. The
 * remaining memory (stats, GRO cells, crypt queues) goes in priv_destructor,
 * once the last device reference (every queued packet holds one) is gone.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>
#include "avpn.h"
#include "compat.h"

/* Room for the outer headers (IPv6 is the larger) in front of the inner packet. */
#define AVPN_HEADROOM (LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
		       AUTOVPN_DATA_HDR_LEN)
#define AVPN_MIN_MTU 68
/* Largest inner packet whose IPv4 outer packet still fits 64 KiB. */
#define AVPN_MAX_MTU (IP_MAX_MTU - AVPN_OVERHEAD_V4)

/* Like WireGuard: let GSO super-packets reach ndo_start_xmit (segmented there). */
#define AVPN_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | NETIF_F_GSO | \
		       NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static const struct device_type avpn_device_type = { .name = AUTOVPN_LINK_KIND };

static bool drop_is_tx(int reason)
{
	switch (reason) {
	case AUTOVPN_DROP_NO_ROUTE:
	case AUTOVPN_DROP_NO_PATH:
	case AUTOVPN_DROP_KEY_LIMIT:
	case AUTOVPN_DROP_TOO_BIG:
	case AUTOVPN_DROP_XMIT:
	case AUTOVPN_DROP_TX_BUSY:
	case AUTOVPN_DROP_TX_CONGESTION:
		return true;
	}
	return false;
}

void avpn_count_drop(struct avpn_dev *avpn, struct avpn_peer *peer,
		     enum autovpn_drop_reason reason)
{
	unsigned long flags;

	if (WARN_ON_ONCE(reason <= AUTOVPN_DROP_UNSPEC || reason > AUTOVPN_DROP_MAX))
		return;
	if (avpn) {
		struct avpn_dev_stats *s = get_cpu_ptr(avpn->stats);

		flags = u64_stats_update_begin_irqsave(&s->syncp);
		u64_stats_inc(&s->drops[reason]);
		u64_stats_update_end_irqrestore(&s->syncp, flags);
		put_cpu_ptr(avpn->stats);
	}
	if (peer) {
		struct avpn_peer_stats *s = get_cpu_ptr(peer->stats);

		flags = u64_stats_update_begin_irqsave(&s->syncp);
		u64_stats_inc(&s->drops[reason]);
		u64_stats_update_end_irqrestore(&s->syncp, flags);
		put_cpu_ptr(peer->stats);
	}
}

static void avpn_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *st)
{
	struct avpn_dev *avpn = netdev_priv(dev);
	unsigned int start;
	int cpu, r;

	dev_get_tstats64(dev, st);
	for_each_possible_cpu(cpu) {
		const struct avpn_dev_stats *s = per_cpu_ptr(avpn->stats, cpu);
		u64 rx, tx;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			rx = tx = 0;
			for (r = 1; r <= AUTOVPN_DROP_MAX; r++) {
				if (drop_is_tx(r))
					tx += u64_stats_read(&s->drops[r]);
				else
					rx += u64_stats_read(&s->drops[r]);
			}
		} while (u64_stats_fetch_retry(&s->syncp, start));
		st->rx_dropped += rx;
		st->tx_dropped += tx;
	}
}

/* Tear down all configuration; the device is closed, xmit has drained. */
static void avpn_uninit(struct net_device *dev)
{
	struct avpn_dev *avpn = netdev_priv(dev);

	/* Before dev->lock: netns.c takes its list lock first. */
	avpn_netns_del_dev(avpn);
	mutex_lock(&avpn->lock);
	/* Requests that resolved the device before unregistration now fail. */
	avpn->dead = true;
	avpn_uplinks_release(avpn);
	avpn_peer_remove_all(avpn);
	mutex_unlock(&avpn->lock);
	avpn_uplinks_flush(avpn);
}

static const struct net_device_ops avpn_netdev_ops = {
	.ndo_uninit = avpn_uninit,
	.ndo_start_xmit = avpn_xmit,
	.ndo_get_stats64 = avpn_get_stats64,
};

static void avpn_free_priv(struct avpn_dev *avpn)
{
	avpn_cq_destroy(&avpn->encrypt_queue);
	avpn_cq_destroy(&avpn->decrypt_queue);
	avpn_keyfp_destroy(&avpn->keyfp);
	gro_cells_destroy(&avpn->gro_cells);
	free_percpu(avpn->stats);
	free_percpu(avpn->dev->tstats);
	xa_destroy(&avpn->peers_xa);
	mutex_destroy(&avpn->lock);
}

/* Runs after unregistration, once nothing references the device. */
static void avpn_destruct(struct net_device *dev)
{
	avpn_free_priv(netdev_priv(dev));
}

static void avpn_setup(struct net_device *dev)
{
	struct avpn_dev *avpn = netdev_priv(dev);

	dev->netdev_ops = &avpn_netdev_ops;
	dev->header_ops = &ip_tunnel_header_ops;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = AVPN_HEADROOM;
	dev->needed_tailroom = AUTOVPN_TAG_LEN;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->features |= AVPN_F_LLTX | AVPN_FEATURES;
	avpn_set_lltx(dev);
	dev->hw_features |= AVPN_FEATURES;
	dev->hw_enc_features |= AVPN_FEATURES;
	dev->mtu = AUTOVPN_DEFAULT_MTU;
	dev->min_mtu = AVPN_MIN_MTU;
	dev->max_mtu = AVPN_MAX_MTU;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &avpn_device_type);
	/* Keep the dst of the inner packet: ICMP "too big" replies need it. */
	netif_keep_dst(dev);

	memset(avpn, 0, sizeof(*avpn));
	avpn->dev = dev;
}

/* Allocate the private state and register; the common part of both creators. */
static int avpn_register(struct net_device *dev, struct netlink_ext_ack *extack)
{
	struct avpn_dev *avpn = netdev_priv(dev);
	int ret = -ENOMEM;

	ASSERT_RTNL();
	mutex_init(&avpn->lock);
	avpn_uplinks_init(avpn);
	hash_init(avpn->peers_by_index);
	INIT_LIST_HEAD(&avpn->peer_list);
	INIT_LIST_HEAD(&avpn->list);
	xa_init(&avpn->peers_xa);
	avpn_trie_init(&avpn->routes);
	avpn_keyfp_init(&avpn->keyfp);
	avpn->dump_gen = 1;
	avpn->active_active = true;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		goto err;
	avpn->stats = netdev_alloc_pcpu_stats(struct avpn_dev_stats);
	if (!avpn->stats)
		goto err_tstats;
	ret = gro_cells_init(&avpn->gro_cells, dev);
	if (ret)
		goto err_stats;
	ret = avpn_cq_init(&avpn->encrypt_queue, true);
	if (ret)
		goto err_gro;
	ret = avpn_cq_init(&avpn->decrypt_queue, false);
	if (ret)
		goto err_queues;
	ret = register_netdevice(dev);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "could not register the device");
		goto err_queues;
	}
	/*
	 * Set only now so that a failing register_netdevice() does not call it
	 * and the unwinding above stays the only cleanup.
	 */
	dev->priv_destructor = avpn_destruct;
	avpn_netns_add_dev(avpn);
	return 0;

err_queues:
	/* Both were zeroed by avpn_setup(): destroying an unset one is a no-op. */
	avpn_cq_destroy(&avpn->decrypt_queue);
	avpn_cq_destroy(&avpn->encrypt_queue);
err_gro:
	gro_cells_destroy(&avpn->gro_cells);
err_stats:
	free_percpu(avpn->stats);
err_tstats:
	free_percpu(dev->tstats);
err:
	avpn_keyfp_destroy(&avpn->keyfp);
	xa_destroy(&avpn->peers_xa);
	mutex_destroy(&avpn->lock);
	return ret;
}

static int avpn_newlink(struct net *src_net, struct net_device *dev, struct nlattr *tb[],
			struct nlattr *data[], struct netlink_ext_ack *extack)
{
	return avpn_register(dev, extack);
}

struct rtnl_link_ops avpn_link_ops __read_mostly = {
	.kind = AUTOVPN_LINK_KIND,
	.priv_size = sizeof(struct avpn_dev),
	.setup = avpn_setup,
	.newlink = avpn_newlink,
};

struct avpn_dev *avpn_dev_create(struct net *net, const char *name, u32 mtu,
				 struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int ret;

	ASSERT_RTNL();
	if (!dev_valid_name(name)) {
		NL_SET_ERR_MSG_MOD(extack, "invalid interface name");
		return ERR_PTR(-EINVAL);
	}
	if (mtu && (mtu < AVPN_MIN_MTU || mtu > AVPN_MAX_MTU)) {
		NL_SET_ERR_MSG_MOD(extack, "MTU out of range");
		return ERR_PTR(-EINVAL);
	}
	dev = alloc_netdev(sizeof(struct avpn_dev), name, NET_NAME_USER, avpn_setup);
	if (!dev) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		return ERR_PTR(-ENOMEM);
	}
	dev_net_set(dev, net);
	dev->rtnl_link_ops = &avpn_link_ops;
	if (mtu)
		dev->mtu = mtu;
	ret = avpn_register(dev, extack);
	if (ret) {
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack, "an interface with this name already exists");
		free_netdev(dev);
		return ERR_PTR(ret);
	}
	return netdev_priv(dev);
}

int avpn_device_init(void)
{
	return rtnl_link_register(&avpn_link_ops);
}

/* Deletes every autovpn device in every netns (through ndo_uninit). */
void avpn_device_uninit(void)
{
	rtnl_link_unregister(&avpn_link_ops);
}
