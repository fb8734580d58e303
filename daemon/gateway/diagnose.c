// SPDX-License-Identifier: GPL-2.0
/* diagnose.c - findings from a status snapshot (see diagnose.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "diagnose.h"

#define ADD(d, sev, subj, ...)                                         \
	do {                                                           \
		char cause_[2 * CTL_TEXT_MAX], fix_[2 * CTL_TEXT_MAX]; \
		int e_;                                                \
		diag_fmt(cause_, fix_, __VA_ARGS__);                   \
		e_ = ctl_diagnosis_add(d, sev, subj, cause_, fix_);    \
		if (e_)                                                \
			return e_;                                     \
	} while (0)

static void diag_fmt(char *cause, char *fix, const char *c, const char *f)
{
	snprintf(cause, 2 * CTL_TEXT_MAX, "%s", c);
	snprintf(fix, 2 * CTL_TEXT_MAX, "%s", f);
}

static int registries(const struct ctl_status *s, struct ctl_diagnosis *d)
{
	unsigned int up = 0;
	char cause[2 * CTL_TEXT_MAX], fix[2 * CTL_TEXT_MAX];

	for (unsigned int r = 0; r < s->n_registries; r++)
		up += s->registries[r].connected;
	for (unsigned int r = 0; r < s->n_registries; r++) {
		const struct ctl_registry *reg = &s->registries[r];

		if (reg->connected) {
			snprintf(cause, sizeof(cause), "registry %s answers", reg->address);
			ADD(d, "ok", "registry", cause, "");
			continue;
		}
		snprintf(
			cause, sizeof(cause), "registry %s does not answer: %s", reg->address,
			up ? "only this one is unreachable, so something blocks its address or port" :
			     "an upstream firewall blocks outbound UDP to ports 9350-9381 or its replies");
		snprintf(fix, sizeof(fix),
			 "allow outbound UDP from this gateway to %s (ports 9350-9381) and the "
			 "return traffic on the upstream firewall",
			 reg->address);
		ADD(d, "error", "registry", cause, fix);
	}
	return 0;
}

/* "198.18.3.2:40000" -> address and port parts. */
static void split_ep(const char *ep, char *addr, size_t alen, const char **port)
{
	const char *colon = strrchr(ep, ':');
	size_t n = colon ? (size_t)(colon - ep) : strlen(ep);

	snprintf(addr, alen, "%.*s", (int)n, ep);
	*port = colon ? colon + 1 : "";
}

static int uplinks(const struct ctl_status *s, struct ctl_diagnosis *d)
{
	char cause[2 * CTL_TEXT_MAX], fix[2 * CTL_TEXT_MAX];

	for (unsigned int u = 0; u < s->n_uplinks; u++) {
		const struct ctl_uplink *up = &s->uplinks[u];
		char a0[CTL_EP_MAX], a1[CTL_EP_MAX];
		const char *p0, *p1;

		if (!strcmp(up->nat, "unfriendly")) {
			split_ep(up->reg[0].observed, a0, sizeof(a0), &p0);
			split_ep(up->reg[1].observed, a1, sizeof(a1), &p1);
			if (strcmp(a0, a1))
				snprintf(
					cause, sizeof(cause),
					"NAT unfriendly: the registries see different public addresses "
					"(%s, %s): a load balancer spreads this gateway over several IPs",
					a0, a1);
			else
				snprintf(
					cause, sizeof(cause),
					"NAT unfriendly: the upstream NAT rewrites the source port per "
					"destination (%s, %s)",
					p0, p1);
			snprintf(
				fix, sizeof(fix),
				"map the gateway to one public address and port, or forward a fixed "
				"UDP port to it and set nat-traversal = manual IP:PORT for this network");
			ADD(d, "warn", up->name, cause, fix);
		} else if (!strcmp(up->nat, "friendly") || !strcmp(up->nat, "manual")) {
			snprintf(cause, sizeof(cause), "NAT %s: %s is seen as %s", up->nat,
				 up->local, up->mapped[0] ? up->mapped : "(not seen yet)");
			ADD(d, "ok", up->name, cause, "");
		}
		if (!strcmp(up->highport, "blocked")) {
			snprintf(
				cause, sizeof(cause),
				"outbound UDP to ports 32768-61000 is blocked upstream of %s: peers "
				"cannot be reached",
				up->name);
			ADD(d, "error", up->name, cause,
			    "allow outbound UDP to destination ports 32768-61000 (and replies) on this "
			    "gateway's upstream firewall");
		}
	}
	return 0;
}

/* Whether any / every reported uplink's high-port echo is @echo. */
static bool echo_any(const struct proto_diag_resp *r, uint8_t echo)
{
	for (unsigned int u = 0; u < r->n_uplinks; u++)
		if (r->uplinks[u].echo == echo)
			return true;
	return false;
}

/*
 * The forwarded endpoints of a peer behind manual port forwarding (the
 * registry gives them as its public ones), "a, b" in @buf; false if it has
 * none.
 */
static bool manual_endpoints(const struct proto_diag_resp *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int u = 0; u < r->n_uplinks && n < len; u++) {
		char ep[CTL_EP_MAX];

		if (r->uplinks[u].nat != PROTO_NAT_MANUAL ||
		    r->uplinks[u].pub.addr.family == AF_UNSPEC)
			continue;
		endpoint_format(&r->uplinks[u].pub, ep, sizeof(ep));
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", ep);
	}
	return buf[0] != 0;
}

static bool our_highport_blocked(const struct ctl_status *s)
{
	bool blocked = s->n_uplinks > 0;

	for (unsigned int u = 0; u < s->n_uplinks; u++)
		blocked &= !strcmp(s->uplinks[u].highport, "blocked");
	return blocked;
}

/*
 * A peer with endpoints whose probes go unanswered: which side blocks,
 * from our own echo and what the peer reports via the registry (r).
 */
static int unreachable(const struct ctl_status *s, const struct ctl_peer *p,
		       const struct proto_diag_resp *r, struct ctl_diagnosis *d)
{
	char cause[2 * CTL_TEXT_MAX], fix[2 * CTL_TEXT_MAX], eps[2 * CTL_EP_MAX + 4];

	if (our_highport_blocked(s)) {
		snprintf(cause, sizeof(cause),
			 "%s does not answer: this gateway's upstream blocks outbound UDP to ports "
			 "32768-61000 (its high-port echo gets no answer), so the block is on "
			 "this side",
			 p->name);
		ADD(d, "error", p->name, cause,
		    "allow outbound UDP to destination ports 32768-61000 (and replies) on this "
		    "gateway's upstream firewall");
		return 0;
	}
	if (r && r->status == PROTO_DIAG_OK && !r->connected) {
		if (r->last_seen_s == PROTO_DIAG_NONE)
			snprintf(cause, sizeof(cause),
				 "%s does not answer, and the registry has not heard from it "
				 "since it started: it is offline or cannot reach the registries",
				 p->name);
		else
			snprintf(cause, sizeof(cause),
				 "%s does not answer, and the registry last heard from it %u s "
				 "ago: it is offline or cannot reach the registries",
				 p->name, r->last_seen_s);
		snprintf(fix, sizeof(fix),
			 "check that %s runs and that its upstream lets UDP 9350-9381 out",
			 p->name);
		ADD(d, "error", p->name, cause, fix);
		return 0;
	}
	/* Peers reach it only through its forward: that is the first suspect,
	 * whatever its outbound (high-port echo) can do. */
	if (r && r->status == PROTO_DIAG_OK && manual_endpoints(r, eps, sizeof(eps))) {
		snprintf(cause, sizeof(cause),
			 "%s does not answer on its manually forwarded endpoint %s: the port "
			 "forward on its upstream does not reach it, or a firewall there drops "
			 "UDP to that port",
			 p->name, eps);
		snprintf(fix, sizeof(fix),
			 "check that %s's upstream forwards UDP %s to the gateway's uplink "
			 "address and port, and lets that traffic in",
			 p->name, eps);
		ADD(d, "error", p->name, cause, fix);
		return 0;
	}
	if (r && r->status == PROTO_DIAG_OK && echo_any(r, PROTO_ECHO_BLOCKED) &&
	    !echo_any(r, PROTO_ECHO_OK)) {
		snprintf(cause, sizeof(cause),
			 "%s does not answer: it reports that its upstream blocks outbound UDP "
			 "to ports 32768-61000 (its high-port echo gets no answer), so the "
			 "block is on %s's side",
			 p->name, p->name);
		snprintf(fix, sizeof(fix),
			 "allow outbound UDP to destination ports 32768-61000 (and replies) on "
			 "%s's upstream firewall",
			 p->name);
		ADD(d, "error", p->name, cause, fix);
		return 0;
	}
	if (r && r->status == PROTO_DIAG_OK && echo_any(r, PROTO_ECHO_OK)) {
		snprintf(cause, sizeof(cause),
			 "%s does not answer, although both sides can send UDP to ports "
			 "32768-61000: a firewall or NAT drops the probes on their way in, on "
			 "one side",
			 p->name);
		snprintf(fix, sizeof(fix),
			 "check for inbound filters other than connection tracking on both "
			 "gateways' upstream (replies to outbound UDP must be let in); "
			 "`autovpn diagnose` on %s tells its view",
			 p->name);
		ADD(d, "error", p->name, cause, fix);
		return 0;
	}
	snprintf(cause, sizeof(cause),
		 "%s does not answer on any of its endpoints: a firewall on one side "
		 "blocks UDP between ports 32768-61000",
		 p->name);
	snprintf(fix, sizeof(fix),
		 "allow outbound UDP to destination ports 32768-61000 (and replies) on "
		 "both gateways' upstream firewalls");
	ADD(d, "error", p->name, cause, fix);
	return 0;
}

static int peers(const struct ctl_status *s, const struct proto_diag_resp *const *remote,
		 struct ctl_diagnosis *d)
{
	char cause[2 * CTL_TEXT_MAX], fix[2 * CTL_TEXT_MAX];
	int err;

	for (uint32_t i = 0; i < s->n_peers; i++) {
		const struct ctl_peer *p = &s->peers[i];
		bool punched = false;

		if (!strcmp(p->state, "up")) {
			snprintf(cause, sizeof(cause), "tunnel to %s is up", p->name);
			ADD(d, "ok", p->name, cause, "");
			continue;
		}
		if (!p->n_endpoints) {
			snprintf(
				cause, sizeof(cause),
				"%s is not registered: the registries know no address of it (it is "
				"offline, or its firewall blocks UDP 9350-9381)",
				p->name);
			snprintf(fix, sizeof(fix),
				 "check that %s runs and can reach the registries on UDP 9350-9381",
				 p->name);
			ADD(d, "error", p->name, cause, fix);
			continue;
		}
		for (uint32_t k = 0; k < p->n_paths; k++)
			punched |= !strcmp(p->paths[k].state, "up");
		if (!punched) {
			err = unreachable(s, p, remote ? remote[i] : NULL, d);
			if (err)
				return err;
		} else {
			snprintf(cause, sizeof(cause),
				 "%s answers probes but the tunnel is not up: %s", p->name,
				 p->reason);
			ADD(d, "warn", p->name, cause,
			    "wait a few seconds; if it stays, check both gateways' logs for handshake "
			    "errors (keys, registry config)");
		}
	}
	return 0;
}

int diagnose(const struct ctl_status *s, const struct proto_diag_resp *const *remote,
	     struct ctl_diagnosis *d)
{
	int err = registries(s, d);

	if (!err)
		err = uplinks(s, d);
	if (!err)
		err = peers(s, remote, d);
	return err;
}
