// SPDX-License-Identifier: GPL-2.0
/*
 * orgconf_flow.c - `flow-preference = field=value ...` lines.
 *
 *   flow-preference = proto=udp dst=10.0.20.0/24 dport=5060-5061 dscp=EF uplink=wan1 class=VoIP
 *
 * Fields (all optional, each at most once): proto, src, dst, sport, dport,
 * dscp, uplink, class; at least one of uplink (wan1|wan2) or class must be
 * given, and ports need proto=tcp|udp|sctp. A class name with blanks is
 * quoted: class="Video calls".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, qsort_r, strndup */
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/parse.h"
#include "conf/orgconf_priv.h"

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{ "icmp", 1 }, { "tcp", 6 },	 { "udp", 17 },	  { "gre", 47 },
	{ "esp", 50 }, { "icmpv6", 58 }, { "sctp", 132 },
};

static int parse_proto(const char *v, uint8_t *out)
{
	uint32_t n;
	size_t i;

	if (!strcmp(v, "any")) {
		*out = 0;
		return 0;
	}
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(v, protos[i].name)) {
			*out = protos[i].num;
			return 0;
		}
	}
	if (parse_dec_u32(v, 0, 255, &n) || n == 0)
		return -EINVAL;
	*out = (uint8_t)n;
	return 0;
}

static int parse_ports(const char *v, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	const char *dash;
	uint32_t a, b;

	if (!strcmp(v, "any")) {
		*lo = 0;
		*hi = 65535;
		return 0;
	}
	dash = strchr(v, '-');
	if (!dash) {
		if (parse_dec_u32(v, 0, 65535, &a))
			return -EINVAL;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	if ((size_t)(dash - v) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, (size_t)(dash - v));
	buf[dash - v] = '\0';
	if (parse_dec_u32(buf, 0, 65535, &a) || parse_dec_u32(dash + 1, 0, 65535, &b) || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* 0-63, or a PHB name: EF, CS0-CS7, AF11-AF43 */
static int parse_dscp(const char *v, int16_t *out)
{
	uint32_t n;

	if (!strcmp(v, "any")) {
		*out = -1;
		return 0;
	}
	if (!strcasecmp(v, "ef")) {
		*out = 46;
		return 0;
	}
	if (!strncasecmp(v, "cs", 2) && v[2] >= '0' && v[2] <= '7' && !v[3]) {
		*out = (int16_t)((v[2] - '0') * 8);
		return 0;
	}
	if (!strncasecmp(v, "af", 2) && v[2] >= '1' && v[2] <= '4' && v[3] >= '1' && v[3] <= '3' &&
	    !v[4]) {
		*out = (int16_t)((v[2] - '0') * 8 + (v[3] - '0') * 2);
		return 0;
	}
	if (parse_dec_u32(v, 0, 63, &n))
		return -EINVAL;
	*out = (int16_t)n;
	return 0;
}

static int parse_side(const char *v, bool *has, struct prefix *p, const char **why)
{
	if (!strcmp(v, "any")) {
		*has = false;
		return 0;
	}
	*has = true;
	return prefix_parse(v, p, why);
}

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, F_DSCP, F_UPLINK, F_CLASS, F_MAX };
static const char *const field_names[F_MAX] = {
	"proto", "src", "dst", "sport", "dport", "dscp", "uplink", "class",
};

int orgconf_add_flow_pref(struct orgconf_state *st, struct orgconf_network *n,
			  struct orgconf_net_extra *x, const char *value)
{
	struct orgconf_flow_pref fp;
	bool seen[F_MAX] = { false };
	const char *p = value, *why;
	char *class_name = NULL;
	void *np;

	memset(&fp, 0, sizeof(fp));
	fp.sport_hi = fp.dport_hi = 65535;
	fp.dscp = -1;
	fp.perf_class = ORGCONF_NO_INDEX;

	while (*p) {
		char val[160];
		const char *eq, *vend;
		size_t klen, vlen;
		int f;

		eq = p + strcspn(p, "= \t");
		if (*eq != '=' || eq == p) {
			orgconf_err(st, st->lineno,
				    "flow-preference: expected field=value, got '%.*s'",
				    (int)strcspn(p, " \t"), p);
			goto fail;
		}
		klen = (size_t)(eq - p);
		for (f = 0; f < F_MAX; f++)
			if (strlen(field_names[f]) == klen && !strncmp(p, field_names[f], klen))
				break;
		if (f == F_MAX) {
			orgconf_err(st, st->lineno,
				    "flow-preference: unknown field '%.*s' (expected proto, src, "
				    "dst, sport, dport, dscp, uplink, class)",
				    (int)klen, p);
			goto fail;
		}
		if (seen[f]) {
			orgconf_err(st, st->lineno, "flow-preference: field '%s' given twice",
				    field_names[f]);
			goto fail;
		}
		seen[f] = true;
		p = eq + 1;
		if (*p == '"') {
			vend = strchr(p + 1, '"');
			if (!vend) {
				orgconf_err(st, st->lineno,
					    "flow-preference: missing closing '\"'");
				goto fail;
			}
			p++;
			vlen = (size_t)(vend - p);
			vend++;
		} else {
			vlen = strcspn(p, " \t");
			vend = p + vlen;
		}
		if (vlen >= sizeof(val) || (!vlen && f != F_CLASS)) {
			orgconf_err(st, st->lineno, "flow-preference: bad value for '%s'",
				    field_names[f]);
			goto fail;
		}
		memcpy(val, p, vlen);
		val[vlen] = '\0';
		why = NULL;
		switch (f) {
		case F_PROTO:
			if (parse_proto(val, &fp.protocol))
				why = "expected any, tcp, udp, icmp, icmpv6, gre, esp, sctp or 1-255";
			break;
		case F_SRC:
			if (parse_side(val, &fp.has_src, &fp.src, &why) && !why)
				why = "bad CIDR";
			break;
		case F_DST:
			if (parse_side(val, &fp.has_dst, &fp.dst, &why) && !why)
				why = "bad CIDR";
			break;
		case F_SPORT:
			if (parse_ports(val, &fp.sport_lo, &fp.sport_hi))
				why = "expected any, PORT or LOW-HIGH";
			break;
		case F_DPORT:
			if (parse_ports(val, &fp.dport_lo, &fp.dport_hi))
				why = "expected any, PORT or LOW-HIGH";
			break;
		case F_DSCP:
			if (parse_dscp(val, &fp.dscp))
				why = "expected any, 0-63, EF, CSn or AFxy";
			break;
		case F_UPLINK:
			if (!strcmp(val, "wan1"))
				fp.uplink = ORGCONF_UPLINK_WAN1;
			else if (!strcmp(val, "wan2"))
				fp.uplink = ORGCONF_UPLINK_WAN2;
			else if (!strcmp(val, "any"))
				fp.uplink = ORGCONF_UPLINK_ANY;
			else
				why = "expected wan1, wan2 or any";
			break;
		case F_CLASS:
			if (!orgconf_valid_name(val, &why))
				break;
			class_name = strdup(val);
			if (!class_name) {
				st->errs->oom = true;
				return -ENOMEM;
			}
			break;
		}
		if (why) {
			orgconf_err(st, st->lineno, "flow-preference: bad %s '%s': %s",
				    field_names[f], val, why);
			goto fail;
		}
		p = vend;
		if (*p && *p != ' ' && *p != '\t') {
			orgconf_err(st, st->lineno,
				    "flow-preference: expected a blank after '%s' value",
				    field_names[f]);
			goto fail;
		}
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (fp.has_src && fp.has_dst && fp.src.addr.family != fp.dst.addr.family) {
		orgconf_err(st, st->lineno,
			    "flow-preference: src and dst are of different IP versions");
		goto fail;
	}
	if ((seen[F_SPORT] || seen[F_DPORT]) &&
	    !(fp.protocol == 6 || fp.protocol == 17 || fp.protocol == 132) &&
	    !(fp.sport_lo == 0 && fp.sport_hi == 65535 && fp.dport_lo == 0 &&
	      fp.dport_hi == 65535)) {
		orgconf_err(st, st->lineno, "flow-preference: ports need proto=tcp, udp or sctp");
		goto fail;
	}
	if (fp.uplink == ORGCONF_UPLINK_ANY && !class_name) {
		orgconf_err(st, st->lineno,
			    "flow-preference: nothing to prefer; "
			    "give uplink=wan1|wan2 and/or class=");
		goto fail;
	}
	if (n->n_flow_prefs >= ORGCONF_MAX_FLOW_PREFS) {
		orgconf_err(st, st->lineno, "too many flow-preference entries (max %u)",
			    ORGCONF_MAX_FLOW_PREFS);
		goto fail;
	}
	np = realloc(x->class_refs, (n->n_flow_prefs + 1) * sizeof(*x->class_refs));
	if (!np)
		goto nomem;
	x->class_refs = np;
	np = realloc(n->flow_prefs, (n->n_flow_prefs + 1) * sizeof(*n->flow_prefs));
	if (!np)
		goto nomem;
	n->flow_prefs = np;
	x->class_refs[n->n_flow_prefs].name = class_name;
	x->class_refs[n->n_flow_prefs].line = st->lineno;
	x->class_refs[n->n_flow_prefs].flag = false;
	n->flow_prefs[n->n_flow_prefs++] = fp;
	return 0;
nomem:
	st->errs->oom = true;
fail:
	free(class_name);
	return -EINVAL;
}
