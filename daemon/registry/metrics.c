// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - GET /metrics: the registry's state in the Prometheus text
 * exposition format 0.0.4 (docs/protocol.md, "Metrics"), for scraping next
 * to the JSON API. Everything is read from the same state the JSON views
 * read: the registry's counters (struct registry_stats) as *_total
 * counters, and per gateway its registry connectivity, per uplink its NAT
 * type and high-port echo result as labels of an info metric, and the path
 * status it reported. Ages are seconds, RTT seconds, loss a ratio (0-1).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "base/prom.h"
#include "registry.h"

static void metrics_u64(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void metrics_gw(FILE *f, const char *name, const struct orgconf_network *n)
{
	fprintf(f, "%s{gateway=\"", name);
	prom_label(f, n->name);
	fputc('"', f);
}

static const char *metrics_uplink(unsigned int u)
{
	return u ? "wan2" : "wan1";
}

static void metrics_counters(struct registry *r, FILE *f)
{
	const struct registry_stats *s = &r->st;
	static const struct {
		const char *reason;
		size_t off;
	} drops[] = {
		{ "short", offsetof(struct registry_stats, drop_short) },
		{ "type", offsetof(struct registry_stats, drop_type) },
		{ "misdirected", offsetof(struct registry_stats, drop_misdirected) },
		{ "unknown_key", offsetof(struct registry_stats, drop_unknown_key) },
		{ "bad_key", offsetof(struct registry_stats, drop_no_key) },
		{ "replay", offsetof(struct registry_stats, drop_replay) },
		{ "stale", offsetof(struct registry_stats, drop_stale) },
		{ "auth", offsetof(struct registry_stats, drop_auth) },
		{ "malformed", offsetof(struct registry_stats, drop_malformed) },
	};

	metrics_u64(f, "autovpn_registry_datagrams_received_total", "counter",
		    "UDP datagrams received, valid or not.", s->rx);
	metrics_u64(f, "autovpn_registry_datagrams_sent_total", "counter",
		    "UDP datagrams sent (answers and pushes).", s->tx);
	metrics_u64(f, "autovpn_registry_send_failures_total", "counter",
		    "UDP datagrams the kernel refused to send.", s->tx_fail);
	metrics_u64(f, "autovpn_registry_registrations_total", "counter",
		    "Authentic REG_REQ messages answered.", s->registers);
	metrics_u64(f, "autovpn_registry_keepalives_total", "counter",
		    "Authentic KEEPALIVE messages answered.", s->keepalives);
	metrics_u64(f, "autovpn_registry_peer_pages_total", "counter", "Pages of peer lists sent.",
		    s->pages);
	metrics_u64(f, "autovpn_registry_pushes_total", "counter", "PUSH messages sent.",
		    s->pushes);
	metrics_u64(f, "autovpn_registry_echoes_total", "counter",
		    "High-port ECHO requests answered.", s->echoes);
	metrics_u64(f, "autovpn_registry_diag_requests_total", "counter",
		    "DIAG_REQ questions answered.", s->diags);
	metrics_u64(f, "autovpn_registry_reloads_total", "counter",
		    "Org config reloads that took effect.", s->reloads);
	metrics_u64(f, "autovpn_registry_reload_failures_total", "counter",
		    "Org config reloads that were rejected.", s->reload_failures);
	metrics_u64(f, "autovpn_registry_http_connections_cut_total", "counter",
		    "HTTP connections cut for being too slow.", http_cut_count(r));
	metrics_u64(f, "autovpn_registry_http_reload_cut_total", "counter",
		    "Streamed HTTP answers cut by a config reload.", s->http_reload_cut);
	prom_head(f, "autovpn_registry_drops_total", "counter",
		  "Datagrams dropped without an answer, by reason.");
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		fprintf(f, "autovpn_registry_drops_total{reason=\"%s\"} %llu\n", drops[i].reason,
			(unsigned long long)*(const uint64_t *)((const char *)s + drops[i].off));
	metrics_u64(f, "autovpn_registry_pushes_pending", "gauge",
		    "Gateways with a push waiting to be sent.",
		    (uint64_t)r->push_pending + r->peers_pending);
}

static void metrics_gateways(struct registry *r, FILE *f, uint64_t now)
{
	const struct orgconf *c = r->cfg;
	uint32_t n = (uint32_t)c->n_networks;

	prom_head(f, "autovpn_registry_gateway_connected", "gauge",
		  "1 if the gateway was heard from within 6 keepalive intervals.");
	for (uint32_t i = 0; i < n; i++) {
		metrics_gw(f, "autovpn_registry_gateway_connected", &c->networks[i]);
		fprintf(f, ",mode=\"%s\"} %d\n", orgconf_mode_name(c->networks[i].mode),
			gwtable_connected(r, &r->gws[i], now));
	}
	prom_head(f, "autovpn_registry_gateway_last_seen_age_seconds", "gauge",
		  "Seconds since the gateway's last message (registered gateways only).");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t last = 0;

		for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++)
			if (r->gws[i].ul[u].last_ms > last)
				last = r->gws[i].ul[u].last_ms;
		if (!last)
			continue;
		metrics_gw(f, "autovpn_registry_gateway_last_seen_age_seconds", &c->networks[i]);
		fprintf(f, "} %.3f\n", (double)(now - last) / 1000.0);
	}
	prom_head(f, "autovpn_registry_uplink_connected", "gauge",
		  "1 if the uplink was heard from within 6 keepalive intervals.");
	for (uint32_t i = 0; i < n; i++)
		for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
			const struct gwtable_uplink *gu = &r->gws[i].ul[u];

			if (!gu->last_ms)
				continue;
			metrics_gw(f, "autovpn_registry_uplink_connected", &c->networks[i]);
			fprintf(f, ",uplink=\"%s\"} %d\n", metrics_uplink(u),
				gwtable_uplink_connected(r, gu, now));
		}
	prom_head(f, "autovpn_registry_uplink_last_seen_age_seconds", "gauge",
		  "Seconds since the uplink's last message.");
	for (uint32_t i = 0; i < n; i++)
		for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
			const struct gwtable_uplink *gu = &r->gws[i].ul[u];

			if (!gu->last_ms)
				continue;
			metrics_gw(f, "autovpn_registry_uplink_last_seen_age_seconds",
				   &c->networks[i]);
			fprintf(f, ",uplink=\"%s\"} %.3f\n", metrics_uplink(u),
				(double)(now - gu->last_ms) / 1000.0);
		}
	prom_head(f, "autovpn_registry_uplink_info", "gauge",
		  "Always 1: the uplink's NAT type and high-port echo result as labels.");
	for (uint32_t i = 0; i < n; i++)
		for (unsigned int u = 0; u < PROTO_MAX_UPLINKS; u++) {
			const struct gwtable_uplink *gu = &r->gws[i].ul[u];
			/* Manual port forwarding is a config fact, whatever was measured. */
			uint8_t nat = c->networks[i].nat_manual ? PROTO_NAT_MANUAL : gu->nat;

			if (!gu->last_ms)
				continue;
			metrics_gw(f, "autovpn_registry_uplink_info", &c->networks[i]);
			fprintf(f, ",uplink=\"%s\",nat=\"%s\",highport_echo=\"%s\"} 1\n",
				metrics_uplink(u), proto_nat_name(nat), proto_echo_name(gu->echo));
		}
}

/* One family of per-path samples; what picks the value from a report. */
enum metrics_path_value { MP_UP, MP_RTT, MP_JITTER, MP_LOSS, MP_AGE };

static void metrics_paths(struct registry *r, FILE *f, uint64_t now, const char *name,
			  const char *help, enum metrics_path_value what)
{
	const struct orgconf *c = r->cfg;

	prom_head(f, name, "gauge", help);
	for (uint32_t i = 0; i < c->n_networks; i++) {
		const struct gwtable_paths *ps = r->gws[i].paths;

		for (uint32_t k = 0; ps && k < ps->n; k++) {
			const struct gwtable_path *p = &ps->v[k];

			metrics_gw(f, name, &c->networks[i]);
			fputs(",peer=\"", f);
			prom_label(f, c->networks[p->peer].name);
			fprintf(f, "\",local_uplink=\"%s\",remote_uplink=\"%s\"} ",
				metrics_uplink(p->lu), metrics_uplink(p->ru));
			switch (what) {
			case MP_UP:
				fprintf(f, "%d\n", p->up ? 1 : 0);
				break;
			case MP_RTT:
				fprintf(f, "%.6f\n", p->rtt_us / 1e6);
				break;
			case MP_JITTER:
				fprintf(f, "%.6f\n", p->jitter_us / 1e6);
				break;
			case MP_LOSS:
				fprintf(f, "%.4f\n", p->loss / 10000.0);
				break;
			case MP_AGE:
				fprintf(f, "%.3f\n", (double)(now - p->at_ms) / 1000.0);
				break;
			}
		}
	}
}

int metrics_write(struct registry *r, FILE *f, uint64_t now)
{
	uint32_t reg = 0, conn = 0;

	prom_head(f, "autovpn_registry_info", "gauge",
		  "Always 1: the registry's id, org name and config version as labels.");
	fprintf(f, "autovpn_registry_info{registry_id=\"%u\",org=\"", r->id);
	prom_label(f, r->cfg->name);
	fprintf(f, "\",config_version=\"%016llx\"} 1\n", (unsigned long long)r->cfg->version);
	prom_head(f, "autovpn_registry_keepalive_interval_seconds", "gauge",
		  "Keepalive interval the gateways are told to use.");
	fprintf(f, "autovpn_registry_keepalive_interval_seconds %.3f\n", r->keepalive_ms / 1000.0);
	for (uint32_t i = 0; i < r->cfg->n_networks; i++) {
		reg += r->gws[i].registered;
		conn += (uint32_t)gwtable_connected(r, &r->gws[i], now);
	}
	metrics_u64(f, "autovpn_registry_gateways", "gauge", "Gateways in the org config.",
		    r->cfg->n_networks);
	metrics_u64(f, "autovpn_registry_gateways_registered", "gauge",
		    "Gateways that registered since the registry started.", reg);
	metrics_u64(f, "autovpn_registry_gateways_connected", "gauge",
		    "Gateways heard from within 6 keepalive intervals.", conn);
	metrics_counters(r, f);
	metrics_gateways(r, f, now);
	metrics_paths(r, f, now, "autovpn_registry_path_up",
		      "1 if the gateway reported the path to the peer up.", MP_UP);
	metrics_paths(r, f, now, "autovpn_registry_path_rtt_seconds",
		      "Round-trip time of the path's probes as the gateway reported it.", MP_RTT);
	metrics_paths(r, f, now, "autovpn_registry_path_jitter_seconds",
		      "RTT jitter of the path's probes (RFC 3550) as the gateway reported it.",
		      MP_JITTER);
	metrics_paths(r, f, now, "autovpn_registry_path_loss_ratio",
		      "Probe loss of the path (0-1) as the gateway reported it.", MP_LOSS);
	metrics_paths(r, f, now, "autovpn_registry_path_report_age_seconds",
		      "Seconds since the gateway last reported the path.", MP_AGE);
	return ferror(f) ? -EIO : 0;
}
