// SPDX-License-Identifier: GPL-2.0
/* probe.c - the PROBE / PROBE_REPLY body codec (see probe.h). */
#include <errno.h>

#include "wire/probe.h"
#include "wire/proto.h"
#include "wire/wire.h"

ssize_t probe_encode(uint8_t *buf, size_t cap, const struct probe *p)
{
	struct wire_w w = { buf, 0, cap, 0 };

	wire_w8(&w, p->src_uplink);
	wire_w8(&w, p->dst_uplink);
	wire_w8(&w, p->key_id);
	wire_w8(&w, 0);
	wire_w32(&w, p->seq);
	wire_w64(&w, p->sent_us);
	return w.err ? -EMSGSIZE : (ssize_t)w.len;
}

int probe_decode(const uint8_t *buf, size_t len, struct probe *p)
{
	struct wire_r r = { buf, len, 0, 0 };
	uint8_t flags;

	p->src_uplink = wire_r8(&r);
	p->dst_uplink = wire_r8(&r);
	p->key_id = wire_r8(&r);
	flags = wire_r8(&r);
	p->seq = wire_r32(&r);
	p->sent_us = wire_r64(&r);
	if (r.err || r.off != len || flags || p->src_uplink >= PROTO_MAX_UPLINKS ||
	    p->dst_uplink >= PROTO_MAX_UPLINKS)
		return -EBADMSG;
	return 0;
}
