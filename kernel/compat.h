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
#include <linux/udp.h>
#include <net/genetlink.h>

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

#endif /* _AVPN_COMPAT_H */
