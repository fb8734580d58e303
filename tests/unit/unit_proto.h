/* SPDX-License-Identifier: GPL-2.0 */
/* Shorthands of the wire-layer tests (test_proto.c, test_regclient.c). */
#ifndef AVPN_TESTS_UNIT_PROTO_H
#define AVPN_TESTS_UNIT_PROTO_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire/proto.h"

/* a.b.c.d:port */
static inline struct endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct endpoint e = { .addr = { .family = AF_INET, .bytes = { a, b, c, d } } };

	e.port = port;
	return e;
}

/* a.b.c.0/plen as a subnet record with PROTO_SUB_* @flags */
static inline struct proto_subnet sub4(uint8_t a, uint8_t b, uint8_t c, uint8_t plen, uint8_t flags)
{
	struct proto_subnet s = {
		.prefix = { .addr = { .family = AF_INET, .bytes = { a, b, c, 0 } }, .len = plen },
		.flags = flags,
	};

	return s;
}

/*
 * A SELF record with a bit of everything: active-active, manual NAT on two
 * uplinks, two classes, three flow preferences.
 */
static inline void self_sample(struct proto_self *m)
{
	memset(m, 0, sizeof(*m));
	m->flags = PROTO_SELF_ACTIVE_ACTIVE | PROTO_SELF_MANUAL_NAT;
	m->purge_s = 3 * 3600;
	m->n_manual = 2;
	m->manual[0] = ep4(203, 0, 113, 10, 51625);
	m->manual[1] = ep4(203, 0, 113, 11, 51626);
	m->n_classes = 2;
	snprintf(m->classes[0].name, sizeof(m->classes[0].name), "VoIP");
	m->classes[0].max_latency_ms = 150;
	m->classes[0].max_loss_bp = 100;
	m->classes[0].max_jitter_ms = 30;
	snprintf(m->classes[1].name, sizeof(m->classes[1].name), "Interactive video");
	m->classes[1].max_latency_ms = PROTO_LIMIT_NONE;
	m->classes[1].max_loss_bp = 200;
	m->classes[1].max_jitter_ms = PROTO_LIMIT_NONE;
	m->n_prefs = 3;
	m->prefs[0] = (struct proto_flow_pref){ .fields = PROTO_FP_PROTO | PROTO_FP_SRC |
							  PROTO_FP_DSCP | PROTO_FP_CLASS,
						.uplink = PROTO_FP_UPLINK_WAN1,
						.protocol = 17,
						.src = sub4(10, 0, 20, 24, 0).prefix,
						.dscp = 46,
						.class_idx = 0 };
	m->prefs[1] =
		(struct proto_flow_pref){ .fields = PROTO_FP_PROTO | PROTO_FP_DST | PROTO_FP_DPORT,
					  .uplink = PROTO_FP_UPLINK_WAN2,
					  .protocol = 6,
					  .dst = sub4(10, 100, 0, 16, 0).prefix,
					  .dport_lo = 443,
					  .dport_hi = 443 };
	m->prefs[2] = (struct proto_flow_pref){ .fields = PROTO_FP_PROTO | PROTO_FP_DPORT |
							  PROTO_FP_CLASS,
						.uplink = PROTO_FP_UPLINK_ANY,
						.protocol = 17,
						.dport_lo = 3478,
						.dport_hi = 3481,
						.class_idx = 1 };
}

#endif
