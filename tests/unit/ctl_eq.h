/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_eq.h - member-by-member equality of lib/ctl structs, for the round
 * trips of tests/unit/test_ctl.c and tests/fuzz/fuzz_ctl.c. Written out by
 * hand rather than from ctl.c's field tables, so a member the codec forgets
 * shows up as a difference. Each returns NULL when equal, else the name of
 * the first member that differs.
 */
#ifndef AVPN_TESTS_CTL_EQ_H
#define AVPN_TESTS_CTL_EQ_H

#include <string.h>

#include "ctl/ctl.h"

#define CTL_EQ_STR(a, b, m)                 \
	do {                                \
		if (strcmp((a)->m, (b)->m)) \
			return #m;          \
	} while (0)
#define CTL_EQ_NUM(a, b, m)           \
	do {                          \
		if ((a)->m != (b)->m) \
			return #m;    \
	} while (0)

static inline const char *ctl_eq_peer(const struct ctl_peer *a, const struct ctl_peer *b)
{
	CTL_EQ_STR(a, b, name);
	CTL_EQ_STR(a, b, public_key);
	CTL_EQ_NUM(a, b, id);
	CTL_EQ_STR(a, b, role);
	CTL_EQ_NUM(a, b, hub_priority);
	CTL_EQ_NUM(a, b, flags);
	CTL_EQ_STR(a, b, state);
	CTL_EQ_STR(a, b, reason);
	CTL_EQ_NUM(a, b, handshake_ms);
	CTL_EQ_NUM(a, b, key_id);
	CTL_EQ_NUM(a, b, n_endpoints);
	for (uint32_t i = 0; i < a->n_endpoints && i < 5; i++) {
		CTL_EQ_NUM(a, b, endpoints[i].uplink);
		CTL_EQ_STR(a, b, endpoints[i].kind);
		CTL_EQ_STR(a, b, endpoints[i].address);
	}
	CTL_EQ_NUM(a, b, n_paths);
	for (uint32_t i = 0; i < a->n_paths && i < 4; i++) {
		CTL_EQ_NUM(a, b, paths[i].id);
		CTL_EQ_NUM(a, b, paths[i].local_uplink);
		CTL_EQ_NUM(a, b, paths[i].remote_uplink);
		CTL_EQ_STR(a, b, paths[i].state);
		CTL_EQ_STR(a, b, paths[i].remote);
		CTL_EQ_STR(a, b, paths[i].reason);
		CTL_EQ_NUM(a, b, paths[i].rtt_us);
		CTL_EQ_NUM(a, b, paths[i].jitter_us);
		CTL_EQ_NUM(a, b, paths[i].loss);
		CTL_EQ_NUM(a, b, paths[i].changed_ms);
	}
	CTL_EQ_NUM(a, b, n_subnets);
	for (uint32_t i = 0; i < a->n_subnets; i++) {
		CTL_EQ_STR(a, b, subnets[i].prefix);
		CTL_EQ_NUM(a, b, subnets[i].metric);
		CTL_EQ_NUM(a, b, subnets[i].flags);
	}
	return NULL;
}

static inline const char *ctl_eq_status(const struct ctl_status *a, const struct ctl_status *b)
{
	CTL_EQ_STR(a, b, interface);
	CTL_EQ_STR(a, b, name);
	CTL_EQ_STR(a, b, public_key);
	CTL_EQ_STR(a, b, role);
	CTL_EQ_NUM(a, b, config_version);
	CTL_EQ_NUM(a, b, uptime_ms);
	CTL_EQ_NUM(a, b, n_registries);
	for (uint32_t i = 0; i < a->n_registries && i < 2; i++) {
		CTL_EQ_STR(a, b, registries[i].address);
		CTL_EQ_NUM(a, b, registries[i].connected);
		CTL_EQ_NUM(a, b, registries[i].last_contact_ms);
	}
	CTL_EQ_NUM(a, b, n_uplinks);
	for (uint32_t i = 0; i < a->n_uplinks && i < 2; i++) {
		CTL_EQ_NUM(a, b, uplinks[i].id);
		CTL_EQ_STR(a, b, uplinks[i].name);
		CTL_EQ_STR(a, b, uplinks[i].device);
		CTL_EQ_STR(a, b, uplinks[i].local);
		CTL_EQ_STR(a, b, uplinks[i].nat);
		CTL_EQ_STR(a, b, uplinks[i].mapped);
		CTL_EQ_STR(a, b, uplinks[i].highport);
		for (unsigned int r = 0; r < 2; r++) {
			CTL_EQ_NUM(a, b, uplinks[i].reg[r].connected);
			CTL_EQ_STR(a, b, uplinks[i].reg[r].observed);
		}
	}
	CTL_EQ_NUM(a, b, n_peers);
	for (uint32_t i = 0; i < a->n_peers; i++) {
		const char *d = ctl_eq_peer(&a->peers[i], &b->peers[i]);

		if (d)
			return d;
	}
	CTL_EQ_NUM(a, b, n_routes);
	for (uint32_t i = 0; i < a->n_routes; i++) {
		CTL_EQ_STR(a, b, routes[i].prefix);
		CTL_EQ_STR(a, b, routes[i].via);
		CTL_EQ_NUM(a, b, routes[i].metric);
		CTL_EQ_STR(a, b, routes[i].decision);
		CTL_EQ_STR(a, b, routes[i].reason);
	}
	return NULL;
}

static inline const char *ctl_eq_diagnosis(const struct ctl_diagnosis *a,
					   const struct ctl_diagnosis *b)
{
	CTL_EQ_NUM(a, b, n_findings);
	for (uint32_t i = 0; i < a->n_findings; i++) {
		CTL_EQ_STR(a, b, findings[i].severity);
		CTL_EQ_STR(a, b, findings[i].subject);
		CTL_EQ_STR(a, b, findings[i].cause);
		CTL_EQ_STR(a, b, findings[i].fix);
	}
	return NULL;
}

#undef CTL_EQ_STR
#undef CTL_EQ_NUM

#endif /* AVPN_TESTS_CTL_EQ_H */
