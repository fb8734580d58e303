// SPDX-License-Identifier: GPL-2.0
/*
 * show_print.c - `autovpn show` in text and JSON: one device of the print
 * model (merge.h) through the print layer, so both outputs come from the
 * same calls. The kernel's fields keep the names they always had; the
 * daemon's are merged in next to them under the names docs/tools.md lists.
 */
#include <stdio.h>
#include <string.h>

#include "human.h"
#include "merge.h"
#include "print.h"
#include "show.h"
#include "wire/proto.h"

/* ---- helpers ---- */

/* Terminal columns of a UTF-8 string, near enough: its non-continuation bytes. */
static int show_print_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Text: @v in @c, then spaces up to @width columns (colour codes take none). */
static void show_print_padded(enum print_color c, const char *v, int width)
{
	int pad = width - show_print_cols(v);

	print_text_color(c, "%s", v);
	if (pad > 0)
		print_text("%*s", pad, "");
}

static enum print_color show_print_state_color(const char *state)
{
	if (!strcmp(state, "up") || !strcmp(state, "friendly") || !strcmp(state, "ok"))
		return PRINT_GREEN;
	if (!strcmp(state, "down") || !strcmp(state, "blocked") || !strcmp(state, "none"))
		return PRINT_RED;
	if (!strcmp(state, "unfriendly") || !strcmp(state, "connecting") ||
	    !strcmp(state, "punching"))
		return PRINT_YELLOW;
	return PRINT_PLAIN;
}

/* Text: names of the set bits of @flags, ", "-separated after @lead. */
static void show_print_flags(const char *lead, unsigned int flags, const char *const *names,
			     unsigned int n)
{
	bool any = false;

	for (unsigned int i = 0; i < n; i++) {
		if (!(flags & (1u << i)) || !names[i])
			continue;
		print_text("%s%s", any ? ", " : lead, names[i]);
		any = true;
	}
}

/*
 * A reason after its state: JSON as it is; text in parentheses, without
 * the state the daemon's reasons start with ("up: probes answered").
 */
static void show_print_reason(const char *state, const char *reason)
{
	size_t n = strlen(state);

	print_str("reason", NULL, reason);
	if (!strncmp(reason, state, n) && reason[n] == ':' && reason[n + 1] == ' ')
		reason += n + 2;
	if (reason[0])
		print_text_color(PRINT_PLAIN, " (%s)", reason);
}

/* ---- the kernel's parts ---- */

static void show_print_drops(const char *indent, const uint64_t *d)
{
	char fmt[64];
	bool any = false;
	unsigned int i;

	print_obj_open("drops");
	print_text("%sdrops: ", indent);
	for (i = 1; i < __AUTOVPN_DROP_MAX; i++) {
		const char *name = avpnl_drop_name(i);

		/* Text lists only what happened; JSON always has every reason. */
		snprintf(fmt, sizeof(fmt), "%s%s %%s", any ? ", " : "", name);
		print_u64(name, d[i] ? fmt : NULL, d[i]);
		any |= d[i] != 0;
	}
	if (!any)
		print_text("none");
	print_text("\n");
	print_obj_close();
}

/* The crypto queues' congestion marks; text only once there are some. */
static void show_print_ce_marks(const struct avpnl_peer *k)
{
	bool any = k->rx_ce_marks || k->tx_ce_marks;

	if (any)
		print_text("  congestion marks (ECN CE): ");
	print_u64("rx_ce_marks", any ? "%s received, " : NULL, k->rx_ce_marks);
	print_u64("tx_ce_marks", any ? "%s sent\n" : NULL, k->tx_ce_marks);
}

static void show_print_prefixes(const char *key, const char *label,
				const struct avpnl_peer_prefix *arr, size_t n)
{
	char buf[PREFIX_STRLEN];
	size_t i;

	print_text("  %s: ", label);
	print_arr_open(key, ", ");
	for (i = 0; i < n; i++)
		print_str(NULL, "%s", prefix_format(&arr[i].prefix, buf, sizeof(buf)));
	print_arr_close();
	print_text("\n");
}

static void show_print_transfer(const char *indent, uint64_t rxp, uint64_t rxb, uint64_t txp,
				uint64_t txb)
{
	print_text("%stransfer: ", indent);
	print_u64("rx_packets", "%s packets", rxp);
	print_bytes("rx_bytes", " (%s) received, ", rxb);
	print_u64("tx_packets", "%s packets", txp);
	print_bytes("tx_bytes", " (%s) sent\n", txb);
}

static void show_print_key(const struct avpnl_key *k)
{
	const char *slot = avpnl_key_slot_name(k->slot);

	print_obj_open(NULL);
	print_str("slot", "  key %s: ", slot ? slot : "?");
	print_u64("id", "id %s", k->id);
	print_u64("age_secs", ", age %s s", k->age_secs);
	print_u64("tx_packets", ", %s packets sent\n", k->tx_packets);
	print_obj_close();
}

/* ---- paths: the kernel's line, then the daemon's probe line ---- */

static void show_print_kpath(const struct avpnl_peer_path *pa, char *ep, size_t eplen)
{
	bool up = pa->state == AUTOVPN_PATH_UP;

	print_u64("uplink", "uplink %s", pa->uplink);
	if (pa->set & AVPNL_PEER_PATH_REMOTE)
		endpoint_format(&pa->remote, ep, eplen);
	print_str("endpoint", " -> %s", (pa->set & AVPNL_PEER_PATH_REMOTE) ? ep : "(none)");
	print_str_color(up ? PRINT_GREEN : PRINT_RED, "state", ", %s", up ? "up" : "down");
	print_u64("priority", ", priority %s", pa->priority);
	print_u64("class_mask", ", class-mask %s\n", pa->class_mask);
}

static void show_print_dpath(const struct ctl_path *d, const char *kernel_ep)
{
	char buf[HUMAN_STRLEN];
	bool measured = d->rtt_us || !strcmp(d->state, "up");

	print_text("    probes: ");
	print_str_color(show_print_state_color(d->state), "probe_state", "%s", d->state);
	print_age("changed_ms", NULL, d->changed_ms);
	if (d->changed_ms != CTL_NEVER)
		print_text(" for %s", human_duration(buf, sizeof(buf), d->changed_ms));
	show_print_reason(d->state, d->reason);
	print_u64("local_uplink", NULL, d->local_uplink);
	print_u64("remote_uplink", ", to peer uplink %s", d->remote_uplink);
	/* The kernel's line has the address already, unless they differ. */
	print_str("remote", d->remote[0] && strcmp(d->remote, kernel_ep) ? ", remote %s" : NULL,
		  d->remote);
	print_u64("rtt_us", NULL, d->rtt_us);
	print_u64("jitter_us", NULL, d->jitter_us);
	print_u64("loss", NULL, d->loss);
	if (measured) {
		print_text(", rtt %s", human_usecs(buf, sizeof(buf), d->rtt_us));
		print_text(", jitter %s", human_usecs(buf, sizeof(buf), d->jitter_us));
		print_text(", loss %s", human_loss(buf, sizeof(buf), d->loss));
	}
	print_text("\n");
}

static void show_print_path(const struct merge_path *p)
{
	char ep[CTL_EP_MAX] = ""; /* >= ENDPOINT_STRLEN */

	print_obj_open(NULL);
	print_u64("id", "  path %s: ", p->id);
	if (p->k) {
		show_print_kpath(p->k, ep, sizeof(ep));
	} else {
		/* Punching: the daemon has no remote to give the kernel yet. */
		snprintf(ep, sizeof(ep), "%s", p->d->remote);
		print_text("uplink %u -> ", p->d->local_uplink);
		print_text_color(PRINT_PLAIN, "%s (not in the kernel)\n", ep[0] ? ep : "(none)");
	}
	if (p->d)
		show_print_dpath(p->d, ep);
	if (p->disagree[0]) {
		print_text("    ");
		print_str_color(PRINT_RED, "disagreement", "kernel and autovpnd disagree: %s",
				p->disagree);
		print_text("\n");
	}
	if (p->k)
		show_print_transfer("    ", p->k->rx_packets, p->k->rx_bytes, p->k->tx_packets,
				    p->k->tx_bytes);
	print_obj_close();
}

/* ---- peers ---- */

static void show_print_endpoints(const struct ctl_peer *d)
{
	print_text("  endpoints: ");
	print_arr_open("endpoints", NULL);
	for (uint32_t i = 0; i < d->n_endpoints; i++) {
		const struct ctl_endpoint *e = &d->endpoints[i];

		print_obj_open(NULL);
		print_str("kind", i ? ", %s " : "%s ", e->kind);
		print_str("address", "%s", e->address);
		print_u64("uplink", " (uplink %s)", e->uplink);
		print_obj_close();
	}
	print_arr_close();
	print_text("%s\n", d->n_endpoints ? "" : "(none)");
}

static void show_print_subnets(const struct ctl_peer *d)
{
	static const char *const names[] = { "route", "allowed", "default", "transit" };

	print_text("  subnets: ");
	print_arr_open("subnets", NULL);
	for (uint32_t i = 0; i < d->n_subnets; i++) {
		const struct ctl_subnet *s = &d->subnets[i];

		print_obj_open(NULL);
		print_str("prefix", i ? ", %s" : "%s", s->prefix);
		print_u64("metric", " (metric %s", s->metric);
		print_u64("flags", NULL, s->flags);
		show_print_flags(", ", s->flags, names, 4);
		print_text(")");
		print_obj_close();
	}
	print_arr_close();
	print_text("%s\n", d->n_subnets ? "" : "(none)");
}

/* The daemon's part of a peer, before the kernel's counters. */
static void show_print_dpeer(const struct ctl_peer *d)
{
	static const char *const names[] = { NULL, "default-route", "exit-hub", "active-active" };

	print_text("  state: ");
	print_str_color(show_print_state_color(d->state), "state", "%s", d->state);
	show_print_reason(d->state, d->reason);
	print_text("\n");
	print_str("role", "  role: %s", d->role);
	print_u64("hub_priority", d->hub_priority ? ", hub priority %s" : NULL, d->hub_priority);
	print_u64("flags", NULL, d->flags);
	show_print_flags(", ", d->flags, names, 4);
	print_text("\n");
	print_str("public_key", d->public_key[0] ? "  public key: %s\n" : NULL, d->public_key);
	show_print_endpoints(d);
	print_age("handshake_ms", "  latest handshake: %s", d->handshake_ms);
	print_s64("key_id", d->key_id >= 0 ? ", key %s" : NULL, d->key_id);
	print_text("\n");
	show_print_subnets(d);
}

static void show_print_kpeer(const struct avpnl_peer *k)
{
	print_u64("rx_index", "  rx-index: %s\n", k->rx_index);
	print_u64("tx_index", "  tx-index: %s\n", k->tx_index);
	show_print_transfer("  ", k->rx_packets, k->rx_bytes, k->tx_packets, k->tx_bytes);
	show_print_ce_marks(k);
	show_print_drops("  ", k->drops);
	show_print_prefixes("routes", "routes", k->routes, k->n_routes);
	show_print_prefixes("allowed", "allowed", k->allowed, k->n_allowed);
}

static void show_print_peer(const struct merge_peer *p)
{
	size_t i;

	print_obj_open(NULL);
	print_text("\n");
	print_u64("id", "peer: %s", p->id);
	print_str("name", p->name[0] ? " (%s)" : NULL, p->name);
	print_text("\n");
	if (!p->k)
		print_text("  (known to autovpnd, not in the kernel)\n");
	if (p->d)
		show_print_dpeer(p->d);
	if (p->k) {
		show_print_kpeer(p->k);
	} else {
		/* The kernel's arrays exist for every peer: empty here. */
		print_arr_open("routes", NULL);
		print_arr_close();
		print_arr_open("allowed", NULL);
		print_arr_close();
	}
	print_arr_open("paths", NULL);
	for (i = 0; i < p->n_paths; i++)
		show_print_path(&p->paths[i]);
	print_arr_close();
	print_arr_open("keys", NULL);
	for (i = 0; p->k && i < p->k->n_keys; i++)
		show_print_key(&p->k->keys[i]);
	print_arr_close();
	print_obj_close();
}

/* ---- the device ---- */

static void show_print_daemon(const struct merge_dev *m)
{
	const struct ctl_status *d = m->d;
	char buf[HUMAN_STRLEN];

	if (m->daemon == MERGE_DAEMON_ABSENT) {
		print_str("daemon", NULL, "not running");
		print_text_color(PRINT_YELLOW, "  %s\n", m->daemon_msg);
		return;
	}
	if (m->daemon == MERGE_DAEMON_ERROR) {
		print_str("daemon", NULL, "error");
		print_str("daemon_error", NULL, m->daemon_msg);
		print_text_color(PRINT_RED, "  %s\n", m->daemon_msg);
		return;
	}
	print_str("daemon", NULL, "running");
	print_str("gateway", "  gateway: %s", d->name);
	print_str("role", " (%s)", d->role);
	print_u64("config_version", ", config version %s", d->config_version);
	print_u64("uptime_ms", NULL, d->uptime_ms);
	print_text(", up %s\n", human_duration(buf, sizeof(buf), d->uptime_ms));
	print_str("public_key", "  public key: %s\n", d->public_key);
}

static void show_print_registries(const struct ctl_status *d)
{
	print_arr_open("registries", NULL);
	for (uint32_t r = 0; r < d->n_registries; r++) {
		const struct ctl_registry *reg = &d->registries[r];

		print_obj_open(NULL);
		print_str("address", "  registry %s: ", reg->address);
		print_bool("connected", NULL, reg->connected);
		print_text_color(reg->connected ? PRINT_GREEN : PRINT_RED, "%s",
				 reg->connected ? "connected" : "disconnected");
		print_age("last_contact_ms", ", last contact %s\n", reg->last_contact_ms);
		print_obj_close();
	}
	print_arr_close();
}

/* The daemon's part of an uplink: its NAT and what each registry sees. */
static void show_print_duplink(const struct ctl_uplink *u, const struct ctl_status *d)
{
	print_text("    nat: ");
	print_str_color(show_print_state_color(u->nat), "nat", "%s", u->nat);
	print_str("mapped", u->mapped[0] ? ", public %s" : NULL, u->mapped);
	print_text(", high ports ");
	print_str_color(show_print_state_color(u->highport), "highport", "%s\n", u->highport);
	print_arr_open("registries", NULL);
	for (uint32_t r = 0; r < d->n_registries && r < 2; r++) {
		const struct ctl_uplink_registry *ur = &u->reg[r];

		print_obj_open(NULL);
		print_str("address", "    registry %s: ", d->registries[r].address);
		print_bool("connected", NULL, ur->connected);
		print_text_color(ur->connected ? PRINT_GREEN : PRINT_RED, "%s",
				 ur->connected ? "connected" : "disconnected");
		print_str("observed", ur->observed[0] ? ", sees %s" : NULL, ur->observed);
		print_text("\n");
		print_obj_close();
	}
	print_arr_close();
}

static void show_print_uplink(const struct merge_uplink *u, const struct ctl_status *d)
{
	char buf[ENDPOINT_STRLEN];

	print_obj_open(NULL);
	print_u64("id", "  uplink %s: ", u->id);
	if (u->k && u->k->has_local)
		print_str("local", "%s", endpoint_format(&u->k->local, buf, sizeof(buf)));
	else if (u->d && u->d->local[0])
		print_str("local", "%s", u->d->local);
	else
		print_text("(no address)");
	if (u->d) {
		print_str("name", " (%s", u->d->name);
		print_str("device", u->d->device[0] ? " on %s" : NULL, u->d->device);
		print_text(")");
	}
	if (!u->k)
		print_text(" (not in the kernel)");
	print_text("\n");
	if (u->d)
		show_print_duplink(u->d, d);
	print_obj_close();
}

/* The daemon's route decisions, one aligned line each. */
static void show_print_routes(const struct merge_dev *m)
{
	int wp = 0, wv = 1, wd = 0;
	char metric[16];
	size_t i;

	for (i = 0; i < m->n_routes; i++) {
		const struct ctl_route *r = m->routes[i];

		wp = wp > show_print_cols(r->prefix) ? wp : show_print_cols(r->prefix);
		wv = wv > show_print_cols(r->via) ? wv : show_print_cols(r->via);
		wd = wd > show_print_cols(r->decision) ? wd : show_print_cols(r->decision);
	}
	print_text("\nroutes:%s\n", m->n_routes ? "" : " (none)");
	print_arr_open("routes", NULL);
	for (i = 0; i < m->n_routes; i++) {
		const struct ctl_route *r = m->routes[i];

		print_obj_open(NULL);
		print_str("prefix", NULL, r->prefix);
		print_str("via", NULL, r->via);
		print_u64("metric", NULL, r->metric);
		print_str("decision", NULL, r->decision);
		print_text("  ");
		show_print_padded(PRINT_PLAIN, r->prefix, wp);
		print_text("  via ");
		show_print_padded(PRINT_YELLOW, r->via[0] ? r->via : "-", wv);
		snprintf(metric, sizeof(metric), "%u", r->metric);
		print_text("  metric ");
		show_print_padded(PRINT_PLAIN, r->via[0] ? metric : "-", 3);
		print_text("  ");
		show_print_padded(show_print_state_color(r->decision), r->decision, wd);
		print_str("reason", r->reason[0] ? "  %s" : NULL, r->reason);
		print_text("\n");
		print_obj_close();
	}
	print_arr_close();
}

void show_print(const struct merge_dev *m, bool first)
{
	const struct avpnl_dev *k = m->k;
	size_t i;

	print_obj_open(NULL);
	if (!first)
		print_text("\n");
	print_str_color(PRINT_GREEN, "name", "interface: %s\n", k->ifname);
	show_print_daemon(m);
	print_u64("ifindex", "  ifindex: %s\n", k->ifindex);
	print_u64("mtu", "  mtu: %s\n", k->mtu);
	print_bool("active_active", "  active-active: %s\n", k->active_active);
	if (m->d)
		show_print_registries(m->d);
	print_arr_open("uplinks", NULL);
	for (i = 0; i < m->n_uplinks; i++)
		show_print_uplink(&m->uplinks[i], m->d);
	print_arr_close();
	show_print_drops("  ", k->drops);
	print_arr_open("peers", NULL);
	for (i = 0; i < m->n_peers; i++)
		show_print_peer(&m->peers[i]);
	print_arr_close();
	if (m->d)
		show_print_routes(m);
	print_obj_close();
}
