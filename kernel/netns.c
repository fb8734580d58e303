// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces that only the module keeps alive.
 *
 * An uplink holds its own file reference to the daemon's UDP socket (so the
 * tunnel outlives the daemon, DESIGN §2), and a user socket holds a
 * reference to its network namespace. When the device lives in that same
 * namespace, `ip netns del` after the daemon has gone leaves a cycle: the
 * namespace keeps the device, the device the socket, the socket the
 * namespace. Nothing would ever free them, nor a physical NIC moved into the
 * namespace, and the tunnel would go on forwarding in a namespace nobody can
 * reach. WireGuard does not meet this because its sockets are kernel
 * sockets that hold no namespace reference, closed by its pernet pre_exit;
 * a socket that a process created and may still share cannot be made so
 * (the namespace could then die under the process's descriptor), and
 * pre_exit never runs for a namespace we keep alive.
 *
 * So the module looks for namespaces it alone keeps alive, every
 * AVPN_NETNS_GC_SECS seconds while a device exists: an uplink socket is
 * held by the module alone when its file has no reference but ours (no
 * process has a descriptor, so none can get one), and its namespace is
 * abandoned when the references to it are exactly those sockets'. Then no
 * process, mount or descriptor can reach the namespace any more, and the
 * module detaches those uplinks as a daemon would (DEV_SET without FD): the
 * sockets close, the namespace is destroyed, and with it its devices (their
 * peers and keys), as after any namespace deletion. This is bookkeeping of
 * memory, not policy: a namespace that anyone can still reach is never
 * touched, whatever its state. A replaced uplink that is still retiring
 * (uplink.c) is not counted: it goes by itself within
 * AVPN_UPLINK_RETIRE_MS, and the next pass finds the namespace.
 *
 * Locking: avpn_devices_lock (the list) is taken before a device's lock,
 * never inside it; device registration and ndo_uninit take it under RTNL.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include "avpn.h"

#define AVPN_NETNS_GC_SECS 5

static LIST_HEAD(avpn_devices);
static DEFINE_MUTEX(avpn_devices_lock);

static void avpn_netns_gc(struct work_struct *work);
static DECLARE_DEFERRABLE_WORK(avpn_gc_work, avpn_netns_gc);

/* The namespace of an uplink socket that only we hold, else NULL. Under RCU. */
static struct net *sole_uplink_net(struct avpn_uplink *up)
{
	struct socket *sock = up ? up->sock : NULL;

	if (!sock || !sock->file || !sock->sk || file_count(sock->file) != 1)
		return NULL;
	return sock_net(sock->sk);
}

/* How many uplink sockets only we hold live in net. */
static long count_sole_in(struct net *net)
{
	struct avpn_dev *avpn;
	long n = 0;
	int i;

	lockdep_assert_held(&avpn_devices_lock);
	rcu_read_lock();
	list_for_each_entry(avpn, &avpn_devices, list)
		for (i = 0; i < AUTOVPN_MAX_UPLINKS; i++)
			if (sole_uplink_net(rcu_dereference(avpn->uplinks[i])) == net)
				n++;
	rcu_read_unlock();
	return n;
}

/* Detach every uplink of every device whose socket only we hold in net. */
static void release_sole_in(struct net *net)
{
	struct avpn_dev *avpn;
	int i;

	lockdep_assert_held(&avpn_devices_lock);
	list_for_each_entry(avpn, &avpn_devices, list) {
		mutex_lock(&avpn->lock);
		for (i = 0; i < AUTOVPN_MAX_UPLINKS && !avpn->dead; i++) {
			struct avpn_uplink *up = rcu_dereference_protected(
				avpn->uplinks[i], lockdep_is_held(&avpn->lock));

			if (sole_uplink_net(up) == net) {
				netdev_info(avpn->dev,
					    "uplink %d: its network namespace is only kept alive by this device: detached\n",
					    i);
				avpn_uplink_detach(avpn, i);
			}
		}
		mutex_unlock(&avpn->lock);
	}
}

static void avpn_netns_gc(struct work_struct *work)
{
	struct avpn_dev *avpn;
	struct net *net;
	int i;

	mutex_lock(&avpn_devices_lock);
again:
	list_for_each_entry(avpn, &avpn_devices, list) {
		for (i = 0; i < AUTOVPN_MAX_UPLINKS; i++) {
			rcu_read_lock();
			net = sole_uplink_net(rcu_dereference(avpn->uplinks[i]));
			/*
			 * Our sockets are references to net, so a count equal to
			 * theirs means nothing else refers to it. (The count can
			 * only grow through a reference someone still holds.)
			 */
			if (net && refcount_read(&net->ns.count) != count_sole_in(net))
				net = NULL;
			rcu_read_unlock();
			if (net) {
				/* Our sockets keep net alive until they are released. */
				release_sole_in(net);
				goto again;
			}
		}
	}
	if (!list_empty(&avpn_devices))
		queue_delayed_work(system_power_efficient_wq, &avpn_gc_work,
				   AVPN_NETNS_GC_SECS * HZ);
	mutex_unlock(&avpn_devices_lock);
}

void avpn_netns_add_dev(struct avpn_dev *avpn)
{
	mutex_lock(&avpn_devices_lock);
	if (list_empty(&avpn_devices))
		queue_delayed_work(system_power_efficient_wq, &avpn_gc_work,
				   AVPN_NETNS_GC_SECS * HZ);
	list_add_tail(&avpn->list, &avpn_devices);
	mutex_unlock(&avpn_devices_lock);
}

void avpn_netns_del_dev(struct avpn_dev *avpn)
{
	mutex_lock(&avpn_devices_lock);
	list_del_init(&avpn->list);
	mutex_unlock(&avpn_devices_lock);
}

/* Module exit, after every device is gone. */
void avpn_netns_uninit(void)
{
	cancel_delayed_work_sync(&avpn_gc_work);
}
