/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autovpn: what differs between the kernels the module builds for (6.1 and
 * newer, dkms.conf), in one place. Each shim is chosen by a symbol the
 * kernel's headers define, tested with #ifdef, so a stable kernel that got
 * a change backported takes the new path; a version is compared only where
 * the headers offer nothing to test. `make check-kbuild` builds the module
 * against every installed header tree (6.1 and the newest Debian offers).
 */
#ifndef _AVPN_COMPAT_H
#define _AVPN_COMPAT_H

#include <linux/version.h>
#include <linux/crypto.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>

/*
 * Joining a multicast group only with CAP_NET_ADMIN in the user namespace
 * that owns the socket's network namespace: GENL_MCAST_CAP_NET_ADMIN since
 * 6.7 (and in 6.1.y from 6.1.66); before, genl_bind() checked the same for
 * GENL_UNS_ADMIN_PERM in the group's flags (which it ignores since).
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define AVPN_MCGRP_NET_ADMIN GENL_MCAST_CAP_NET_ADMIN
#else
#define AVPN_MCGRP_NET_ADMIN GENL_UNS_ADMIN_PERM
#endif

/*
 * UDP_GRO set on a socket: a bit in udp_flags since 6.5 (6.1.y has the
 * conversion too), a bitfield before.
 */
#ifdef udp_test_bit
#define avpn_udp_gro_enabled(sk) udp_test_bit(GRO_ENABLED, sk)
#else
#define avpn_udp_gro_enabled(sk) (udp_sk(sk)->gro_enabled)
#endif

/* Lockless transmit (ndo_start_xmit takes no queue lock): a device flag since
 * 6.12, a feature bit before.
 */
#ifdef NETIF_F_LLTX
#define AVPN_F_LLTX NETIF_F_LLTX
static inline void avpn_set_lltx(struct net_device *dev) { }
#else
#define AVPN_F_LLTX 0
static inline void avpn_set_lltx(struct net_device *dev)
{
	dev->lltx = true;
}
#endif

/* <asm/unaligned.h> became <linux/unaligned.h> in 6.12. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* IP_MULTICAST_LOOP of a socket: a bit in inet->inet_flags since 6.6. */
#ifdef inet_test_bit
#define avpn_mc_loop(sk) inet_test_bit(MC_LOOP, sk)
#define avpn_set_mc_loop(sk, on) inet_assign_bit(MC_LOOP, sk, on)
#else
#define avpn_mc_loop(sk) (inet_sk(sk)->mc_loop)
#define avpn_set_mc_loop(sk, on) (inet_sk(sk)->mc_loop = (on))
#endif

/*
 * 6.2 split the genl operations into do and dump halves: pre_doit and
 * post_doit get a struct genl_split_ops, and a dump's attributes are in
 * genl_dumpit_info()->info. Nothing in the headers marks it: by version.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
typedef struct genl_split_ops avpn_genl_ops_t;
#define avpn_dumpit_attrs(cb) (genl_dumpit_info(cb)->info.attrs)
#else
typedef struct genl_ops avpn_genl_ops_t;
#define avpn_dumpit_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/*
 * 6.3 passes an async crypto completion its request's data pointer instead
 * of the request (crypto_completion_t). Callbacks are written
 * "static void f(AVPN_CRYPTO_CB_ARGS)" and find the data with
 * AVPN_CRYPTO_CB_DATA. By version, as above.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define AVPN_CRYPTO_CB_ARGS void *avpn_cb_data, int err
#define AVPN_CRYPTO_CB_DATA (avpn_cb_data)
#else
#define AVPN_CRYPTO_CB_ARGS struct crypto_async_request *avpn_cb_req, int err
#define AVPN_CRYPTO_CB_DATA (avpn_cb_req->data)
#endif

#endif /* _AVPN_COMPAT_H */
