/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kroute.h - the gateway's routes, rules and link state in the host's
 * routing (rtnetlink, libnl-route): the OS side of the VPN.
 *
 * VPN prefixes live in their own routing table (never `main`), each as
 * `PREFIX dev av0` with protocol KROUTE_PROTO, and three policy rules per
 * address family send traffic there (DESIGN §5):
 *
 *   KROUTE_PRIO_MARK    fwmark KROUTE_FWMARK lookup main
 *                       the daemon's own sockets carry the mark: registry
 *                       traffic, handshakes, probes and the kernel's
 *                       encapsulated packets always leave directly, also
 *                       in full tunnel
 *   KROUTE_PRIO_LOCAL   lookup main suppress_prefixlength 0
 *                       the gateway's local subnets (and anything more
 *                       specific than a default in main) stay outside the
 *                       tunnel; main's default route is ignored here
 *   KROUTE_PRIO_VPN     lookup TABLE
 *
 * kroute_sync() makes the table hold exactly a given set of prefixes,
 * changing only the difference, in batches (many requests per send, only
 * the last acknowledged, the kernel's errors collected with it), so a hub
 * with 10,000 peers is programmed in one pass. Errors: 0 or a negative errno.
 */
#ifndef AVPN_NL_KROUTE_H
#define AVPN_NL_KROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/prefix.h"

#define KROUTE_FWMARK 0x9350u
#define KROUTE_PROTO 93 /* rtm_protocol of our routes (RTPROT_* above 4 are free) */
#define KROUTE_PRIO_MARK 9350
#define KROUTE_PRIO_LOCAL 9351
#define KROUTE_PRIO_VPN 9352

struct kroute;

int kroute_open(struct kroute **out);
void kroute_close(struct kroute *kr);
/* The last kernel error message (the prefix, extack or errno text) or NULL. */
const char *kroute_errmsg(const struct kroute *kr);
/*
 * Whether the kernel has IPv6 policy routing: false once kroute_rules_add()
 * found it refuses IPv6 rules (EAFNOSUPPORT: ipv6.disable=1). Then the rules
 * are IPv4's only and kroute_sync() leaves IPv6 prefixes out; kroute_count()
 * counts what is installed.
 */
bool kroute_ipv6(const struct kroute *kr);
/*
 * Sets the socket's receive buffer (SO_RCVBUF, so at most rmem_max) and
 * sizes batches to it. kroute_open asks for 1 MiB, past rmem_max if it may;
 * tests use this to run with what an unprivileged socket gets.
 */
int kroute_set_rcvbuf(struct kroute *kr, int bytes);

/* ip link set IFINDEX up. */
int kroute_link_up(struct kroute *kr, uint32_t ifindex);
/* The rules above for @table, v4 and v6 (replacing ours if present). */
int kroute_rules_add(struct kroute *kr, uint32_t table);
int kroute_rules_del(struct kroute *kr, uint32_t table);
/*
 * Makes @table hold exactly prefixes[0..n) via @ifindex (routes of ours
 * only: other protocols' routes in the table are left alone). The first
 * call reads what the table has (a restarted daemon adopts its routes).
 * Returns 0, or the first error (the rest is still attempted).
 */
int kroute_sync(struct kroute *kr, uint32_t table, uint32_t ifindex, const struct prefix *prefixes,
		uint32_t n);
/*
 * What the table holds may have changed behind our back (the device went
 * down, and the kernel dropped its routes): the next kroute_sync() reads
 * it again instead of trusting what it installed.
 */
void kroute_forget(struct kroute *kr);
/* Removes every route of ours from @table. */
int kroute_flush(struct kroute *kr, uint32_t table);
/* Prefixes currently installed by kroute_sync (sorted). */
uint32_t kroute_count(const struct kroute *kr);

#endif /* AVPN_NL_KROUTE_H */
