/* SPDX-License-Identifier: GPL-2.0 */
/* Shorthands of the wire-layer tests (test_proto.c, test_regclient.c). */
#ifndef AVPN_TESTS_UNIT_PROTO_H
#define AVPN_TESTS_UNIT_PROTO_H

#include <stdint.h>

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

#endif
