/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diagnose.h - `autovpn diagnose`: the reference document's troubleshooting
 * section as a function of what the daemon knows (a ctl_status snapshot).
 * Pure, so every finding is unit-tested (tests/unit/test_gateway_diagnose.c).
 *
 * Each finding names a cause and its fix in one sentence each:
 *   - registry unreachable on UDP 9350-9381 (one or both registries),
 *   - NAT unfriendly (port rewritten per destination, or addresses spread
 *     over several public IPs) and what to do about it,
 *   - a peer that is not registered (the registry knows no endpoint of it),
 *   - a peer whose endpoints do not answer (outbound UDP 32768-61000
 *     blocked by a firewall on one side), and which side: what the peer
 *     reports about itself through the registry (DIAG: its registry
 *     connectivity and its own high-port echo) against ours,
 * and "ok" lines for what works, so the output reads as a checklist.
 */
#ifndef AVPN_GATEWAY_DIAGNOSE_H
#define AVPN_GATEWAY_DIAGNOSE_H

#include "ctl/ctl.h"
#include "wire/proto.h"

/*
 * remote[i] is what a registry last said peer s->peers[i] reports (NULL,
 * or remote itself NULL: nothing known).
 */
int diagnose(const struct ctl_status *s, const struct proto_diag_resp *const *remote,
	     struct ctl_diagnosis *d);

#endif /* AVPN_GATEWAY_DIAGNOSE_H */
