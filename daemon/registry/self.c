// SPDX-License-Identifier: GPL-2.0
/*
 * self.c - the SELF record of a register response: a gateway's own settings
 * from the org config (docs/protocol.md), so that a gateway is configured
 * with nothing but the registries' addresses and key. Built when an answer
 * needs it (page 0, register-only answers); checked for every network when a
 * config is loaded, since it must fit its PROTO_SELF_MAX bytes of a page.
 */
#include <errno.h>
#include <string.h>

#include "registry.h"

/* Index of config class @cls in out's classes, added on first use; -1 if full. */
static int class_slot(const struct orgconf *cfg, uint32_t cls, struct proto_self *out,
		      uint32_t *seen)
{
	const struct orgconf_perf_class *c = &cfg->classes[cls];
	struct proto_class *pc;

	for (unsigned int i = 0; i < out->n_classes; i++)
		if (seen[i] == cls)
			return (int)i;
	if (out->n_classes == PROTO_SELF_MAX_CLASSES)
		return -1;
	seen[out->n_classes] = cls;
	pc = &out->classes[out->n_classes];
	/* ORGCONF_MAX_NAME == PROTO_NAME_MAX: the name fits whole. */
	snprintf(pc->name, sizeof(pc->name), "%s", c->name);
	pc->max_latency_ms = c->max_latency_ms;
	pc->max_loss_bp = c->max_loss_bp;
	pc->max_jitter_ms = c->max_jitter_ms;
	return out->n_classes++;
}

int self_build(const struct orgconf *cfg, uint32_t net, struct proto_self *out)
{
	const struct orgconf_network *n = &cfg->networks[net];
	uint32_t seen[PROTO_SELF_MAX_CLASSES];

	/* Only what is used is set: this runs for every register-only answer. */
	out->flags = n->active_active ? PROTO_SELF_ACTIVE_ACTIVE : 0;
	out->purge_s = cfg->peer_purge_secs;
	out->n_manual = 0;
	if (n->nat_manual) {
		out->flags |= PROTO_SELF_MANUAL_NAT;
		for (size_t i = 0; i < n->n_nat_endpoints; i++)
			out->manual[out->n_manual++] = n->nat_endpoints[i];
	}
	out->n_classes = 0;
	out->n_prefs = 0;
	if (n->n_flow_prefs > PROTO_SELF_MAX_PREFS)
		return -E2BIG;
	for (size_t i = 0; i < n->n_flow_prefs; i++) {
		const struct orgconf_flow_pref *f = &n->flow_prefs[i];
		struct proto_flow_pref *p = &out->prefs[out->n_prefs++];

		p->fields = 0;
		p->uplink = (uint8_t)f->uplink; /* same numbering: any, wan1, wan2 */
		if (f->protocol) {
			p->fields |= PROTO_FP_PROTO;
			p->protocol = f->protocol;
		}
		if (f->has_src) {
			p->fields |= PROTO_FP_SRC;
			p->src = f->src;
		}
		if (f->has_dst) {
			p->fields |= PROTO_FP_DST;
			p->dst = f->dst;
		}
		/* 0-65535 is what the config makes of "any": no field then. */
		if (f->sport_lo || f->sport_hi != 65535) {
			p->fields |= PROTO_FP_SPORT;
			p->sport_lo = f->sport_lo;
			p->sport_hi = f->sport_hi;
		}
		if (f->dport_lo || f->dport_hi != 65535) {
			p->fields |= PROTO_FP_DPORT;
			p->dport_lo = f->dport_lo;
			p->dport_hi = f->dport_hi;
		}
		if (f->dscp >= 0) {
			p->fields |= PROTO_FP_DSCP;
			p->dscp = (uint8_t)f->dscp;
		}
		if (f->perf_class != ORGCONF_NO_INDEX) {
			int k = class_slot(cfg, f->perf_class, out, seen);

			if (k < 0)
				return -E2BIG;
			p->fields |= PROTO_FP_CLASS;
			p->class_idx = (uint8_t)k;
		}
	}
	return 0;
}

int self_check(const struct orgconf *cfg, struct errlist *errs)
{
	static struct proto_self m;
	int ret = 0;

	for (uint32_t i = 0; i < cfg->n_networks; i++) {
		const struct orgconf_network *n = &cfg->networks[i];
		ssize_t len = -E2BIG;

		if (!self_build(cfg, i, &m))
			len = proto_self_size(&m);
		if (len > 0 && len <= PROTO_SELF_MAX)
			continue;
		if (len == -EINVAL)
			errlist_add(errs, cfg->path, n->line,
				    "network \"%s\": its settings have no encoding for the gateway "
				    "(a bug: please report it)",
				    n->name);
		else
			errlist_add(
				errs, cfg->path, n->line,
				"network \"%s\": its flow-preference rules and the performance "
				"classes they use do not fit the %u bytes a gateway is sent them "
				"in (at most %u rules, %u classes): use fewer or shorter rules",
				n->name, PROTO_SELF_MAX, PROTO_SELF_MAX_PREFS,
				PROTO_SELF_MAX_CLASSES);
		ret = -EINVAL;
	}
	return ret;
}
