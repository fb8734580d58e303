// SPDX-License-Identifier: GPL-2.0
/*
 * Uplinks: UDP sockets opened and bound by the daemon, handed to us by fd.
 *
 * We keep our own file reference (sockfd_lookup), so the socket outlives the
 * daemon and forwarding continues without it (DESIGN §2). Its encap_rcv is
 * hooked: DATA goes to avpn_udp_encap_recv(), everything else stays in the
 * socket for the daemon. On release we undo exactly what
 * setup_udp_tunnel_sock() did and only drop our file reference -- unlike
 * udp_tunnel_sock_release(), which would sock_release() a socket the daemon
 * may still be using.
 *
 * A replaced uplink is not let go at once: it stays hooked, "retiring", for
 * AVPN_UPLINK_RETIRE_MS. A restarted daemon binds its new socket to the
 * old one's port (SO_REUSEPORT) and steers the port's datagrams to the new
 * socket only once we have it (daemon/lib/base/udpsock.h): DATA that
 * reaches the old socket in between sat there unread when we unhooked it
 * at once, a few packets lost per restart. Retiring, it is decrypted as
 * always. Transmit only ever uses the current uplink; a detach or the
 * device's teardown lets both go at once. Until it goes, a retiring socket
 * cannot be handed in again (EBUSY, from avpn_uplink_hook()), and its port
 * stays bound.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>
#include <net/inet_sock.h>
#include "avpn.h"
#include "compat.h"

static void uplink_free_rcu(struct rcu_head *rcu)
{
	struct avpn_uplink *up = container_of(rcu, struct avpn_uplink, rcu);

	/* fput from softirq is deferred to a workqueue by the VFS. */
	sockfd_put(up->sock);
	kfree(up);
}

/* Unhook now; free after every encap_rcv/xmit that may still see it is done. */
static void uplink_release(struct avpn_uplink *up)
{
	avpn_uplink_unhook(up);
	/*
	 * encap_rcv runs under the UDP receive path's RCU read lock and xmit
	 * under rcu_read_lock_bh: after a grace period neither can still hold
	 * the pointer, and only then do we give up the socket.
	 */
	call_rcu(&up->rcu, uplink_free_rcu);
}

/* Under dev->lock: the retiring uplink @id (if any) goes now. */
static void uplink_retire_now(struct avpn_dev *avpn, u8 id)
{
	struct avpn_uplink *up = avpn->retiring[id];

	lockdep_assert_held(&avpn->lock);
	avpn->retiring[id] = NULL;
	if (up)
		uplink_release(up);
}

/*
 * Under dev->lock: lets the retiring uplinks whose time is up go, and arms
 * the work for the next one, so each retires AVPN_UPLINK_RETIRE_MS after its
 * own replacement, whichever order replacements and runs come in.
 */
static void uplink_retire_due(struct avpn_dev *avpn)
{
	unsigned long now = jiffies, next = 0;
	bool pending = false;
	int i;

	lockdep_assert_held(&avpn->lock);
	for (i = 0; i < AUTOVPN_MAX_UPLINKS; i++) {
		if (!avpn->retiring[i])
			continue;
		if (time_after_eq(now, avpn->retiring[i]->retire_at)) {
			uplink_retire_now(avpn, i);
		} else if (!pending || time_before(avpn->retiring[i]->retire_at, next)) {
			next = avpn->retiring[i]->retire_at;
			pending = true;
		}
	}
	if (pending)
		mod_delayed_work(system_power_efficient_wq, &avpn->retire_work,
				 next - now);
}

static void uplink_retire_work(struct work_struct *work)
{
	struct avpn_dev *avpn = container_of(to_delayed_work(work), struct avpn_dev, retire_work);

	mutex_lock(&avpn->lock);
	uplink_retire_due(avpn);
	mutex_unlock(&avpn->lock);
}

void avpn_uplinks_init(struct avpn_dev *avpn)
{
	INIT_DELAYED_WORK(&avpn->retire_work, uplink_retire_work);
}

void avpn_uplinks_flush(struct avpn_dev *avpn)
{
	/* Nothing retires after avpn_uplinks_release(): only a pending run to wait for. */
	cancel_delayed_work_sync(&avpn->retire_work);
}

struct avpn_uplink *avpn_uplink_prepare(struct avpn_dev *avpn, u8 id, int fd,
					struct netlink_ext_ack *extack)
{
	struct avpn_uplink *up, *cur;
	struct socket *sock;
	struct sock *sk;
	int err;

	lockdep_assert_held(&avpn->lock);
	if (id >= AUTOVPN_MAX_UPLINKS) {
		NL_SET_ERR_MSG_MOD(extack, "uplink id out of range");
		return ERR_PTR(-EINVAL);
	}
	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG_MOD(extack, "uplink fd is not an open socket");
		return ERR_PTR(err);
	}
	sk = sock->sk;
	if (!sk || sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_MOD(extack, "uplink fd is not an IPv4/IPv6 UDP socket");
		err = -EPROTOTYPE;
		goto err_put;
	}
	if (!inet_sk(sk)->inet_sport) {
		NL_SET_ERR_MSG_MOD(extack, "uplink socket is not bound to a port");
		err = -EDESTADDRREQ;
		goto err_put;
	}
	/*
	 * With UDP_GRO the stack may coalesce datagrams for the socket before
	 * encap_rcv sees them (kernels before upstream's "udp: do not accept
	 * non-tunnel GSO skbs landing in a tunnel"): several DATA packets in
	 * one skb, which no parser of single datagrams can take apart.
	 */
	if (avpn_udp_gro_enabled(sk)) {
		NL_SET_ERR_MSG_MOD(extack, "uplink socket has UDP_GRO set: clear it first");
		err = -EINVAL;
		goto err_put;
	}
	cur = rcu_dereference_protected(avpn->uplinks[id], lockdep_is_held(&avpn->lock));
	if (cur && cur->sock == sock) {
		/* Same socket again: nothing to change. */
		sockfd_put(sock);
		return NULL;
	}
	up = kzalloc(sizeof(*up), GFP_KERNEL);
	if (!up) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		err = -ENOMEM;
		goto err_put;
	}
	up->sock = sock;
	up->avpn = avpn;
	up->id = id;
	return up;

err_put:
	sockfd_put(sock);
	return ERR_PTR(err);
}

void avpn_uplink_discard(struct avpn_uplink *up)
{
	if (up) {
		sockfd_put(up->sock);
		kfree(up);
	}
}

int avpn_uplink_hook(struct avpn_uplink *up, struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = up,
		.encap_type = 1,
		.encap_rcv = avpn_udp_encap_recv,
	};
	struct sock *sk = up->sock->sk;

	lock_sock(sk);
	if (udp_sk(sk)->encap_type || udp_sk(sk)->encap_rcv || rcu_access_pointer(sk->sk_user_data)) {
		/* Ours, on any device: alive while we hold the socket's lock. */
		struct avpn_uplink *other = udp_sk(sk)->encap_rcv == avpn_udp_encap_recv ?
						    rcu_access_pointer(sk->sk_user_data) : NULL;
		bool retiring = other && other->retire_at;

		release_sock(sk);
		if (retiring)
			NL_SET_ERR_MSG_MOD(extack,
					   "uplink socket was just replaced and is still retiring (about " __stringify(AVPN_UPLINK_RETIRE_MS) " ms)");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "uplink socket is already used by an encapsulation (another uplink or tunnel)");
		return -EBUSY;
	}
	up->mc_loop = avpn_mc_loop(sk);
	setup_udp_tunnel_sock(sock_net(sk), up->sock, &cfg);
	release_sock(sk);
	return 0;
}

void avpn_uplink_unhook(struct avpn_uplink *up)
{
	struct sock *sk = up->sock->sk;

	lock_sock(sk);
	if (rcu_access_pointer(sk->sk_user_data) == up) {
		/* Undo setup_udp_tunnel_sock(); encap_enabled stays, harmlessly. */
		WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
		WRITE_ONCE(udp_sk(sk)->encap_type, 0);
		rcu_assign_sk_user_data(sk, NULL);
		avpn_set_mc_loop(sk, up->mc_loop);
		inet_dec_convert_csum(sk);
	}
	release_sock(sk);
}

void avpn_uplink_publish(struct avpn_dev *avpn, u8 id, struct avpn_uplink *up)
{
	struct avpn_uplink *old;
	struct avpn_peer *peer;
	int i;

	lockdep_assert_held(&avpn->lock);
	old = rcu_replace_pointer(avpn->uplinks[id], up, lockdep_is_held(&avpn->lock));
	/* One retiring uplink per id: the one before goes now. */
	uplink_retire_now(avpn, id);
	if (old && up) {
		/* Written under the socket's lock: avpn_uplink_hook() reads it. */
		lock_sock(old->sock->sk);
		old->retire_at = jiffies + msecs_to_jiffies(AVPN_UPLINK_RETIRE_MS) ?: 1;
		release_sock(old->sock->sk);
		avpn->retiring[id] = old;
		uplink_retire_due(avpn);
	} else if (old) {
		uplink_release(old);
	}
	/* Paths over this uplink must not reuse routes cached for the old socket. */
	list_for_each_entry(peer, &avpn->peer_list, list)
		for (i = 0; i < AUTOVPN_MAX_PATHS; i++)
			if (peer->paths[i].uplink == id)
				dst_cache_reset(&peer->paths[i].dst_cache);
}

void avpn_uplink_detach(struct avpn_dev *avpn, u8 id)
{
	avpn_uplink_publish(avpn, id, NULL);
}

void avpn_uplinks_release(struct avpn_dev *avpn)
{
	int i;

	for (i = 0; i < AUTOVPN_MAX_UPLINKS; i++)
		avpn_uplink_publish(avpn, i, NULL);
}
