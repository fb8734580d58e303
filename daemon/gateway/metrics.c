// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - autovpnd's Prometheus metrics: GET /metrics on an opt-in
 * listener (--metrics ADDR:PORT), libmicrohttpd without a thread of its
 * own, its epoll fd in the daemon's loop, so a scrape reads the daemon's
 * state as the control socket does, lock-free. Text exposition 0.0.4:
 * counters end in _total, times are seconds, loss a ratio 0-1.
 *
 * Per path state changes and per peer handshakes are not counted by the
 * rest of the daemon; a sampler here (a timer every quarter probe
 * interval, running only with the listener) counts how often a path's
 * last-change time and a peer's key time moved. Two changes of one path
 * within one sample period count once.
 *
 * A scrape renders at most once per SCRAPE_CACHE_MAX_AGE_MS: the scrapes
 * in between get the last body (base/scrape_cache.h says why).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <microhttpd.h>

#include "base/clock.h"
#include "base/endpoint.h"
#include "base/log.h"
#include "base/prom.h"
#include "base/scrape_cache.h"
#include "gateway.h"
#include "metrics.h"

_Static_assert(METRICS_MAX_PATHS == GW_MAX_PATHS, "path ids differ");
_Static_assert(METRICS_HS_RESULTS == GW_HS_N, "handshake results differ");

#define METRICS_MAX_CONNECTIONS 16u
#define METRICS_IDLE_S 5u
#define METRICS_SPARE_KPEERS 64 /* kernel peers beyond the daemon's (adopted ones) */

/* ---- the exposition (pure) ---- */

/* name{peer="P" (no closing brace: the caller adds labels and the value) */
static void peer_series(FILE *f, const char *name, const struct ctl_peer *p)
{
	fprintf(f, "%s{peer=\"", name);
	prom_label(f, p->name);
	fputc('"', f);
}

static void path_series(FILE *f, const char *name, const struct ctl_peer *p,
			const struct ctl_path *pa)
{
	peer_series(f, name, p);
	fprintf(f, ",local_uplink=\"wan%u\",remote_uplink=\"wan%u\"", pa->local_uplink + 1,
		pa->remote_uplink + 1);
}

static double secs(uint64_t ms)
{
	return (double)ms / 1000.0;
}

static const struct metrics_kpeer *kpeer_of(const struct metrics_snapshot *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_kpeers; i++)
		if (s->kpeers[i].id == id)
			return &s->kpeers[i];
	return NULL;
}

static void write_daemon(FILE *f, const struct metrics_snapshot *s)
{
	static const char *const hs_names[METRICS_HS_RESULTS] = {
		"accepted", "cookie_sent", "rate_limited", "bad_mac1", "dropped",
	};
	const struct ctl_status *st = s->st;
	static const char *const names[] = {
		"autovpnd_uplink_received_datagrams_total",
		"autovpnd_uplink_sent_datagrams_total",
		"autovpnd_uplink_receive_drops_total",
		"autovpnd_uplink_send_failures_total",
	};
	static const char *const helps[] = {
		"Datagrams received on the uplink's socket (control messages).",
		"Datagrams the daemon sent on the uplink's socket.",
		"Datagrams received on the uplink's socket and dropped.",
		"Datagrams the kernel refused to send.",
	};

	prom_head(f, "autovpnd_info", "gauge",
		  "Always 1: the gateway's name, interface, role and config version as labels.");
	fputs("autovpnd_info{gateway=\"", f);
	prom_label(f, st->name);
	fputs("\",interface=\"", f);
	prom_label(f, st->interface);
	fprintf(f, "\",role=\"%s\",config_version=\"%016llx\"} 1\n", st->role,
		(unsigned long long)st->config_version);
	prom_head(f, "autovpnd_uptime_seconds", "gauge", "Seconds since the daemon started.");
	fprintf(f, "autovpnd_uptime_seconds %.3f\n", secs(st->uptime_ms));
	prom_head(f, "autovpnd_kernel_counters_ok", "gauge",
		  "1 if the kernel's peer counters could be read for this scrape.");
	fprintf(f, "autovpnd_kernel_counters_ok %d\n", s->kernel_ok ? 1 : 0);

	prom_head(f, "autovpnd_registry_connected", "gauge",
		  "1 if the registry answered within 6 keepalive intervals on any uplink.");
	for (uint32_t r = 0; r < st->n_registries && r < 2; r++) {
		fprintf(f, "autovpnd_registry_connected{registry=\"%u\",address=\"", r + 1);
		prom_label(f, st->registries[r].address);
		fprintf(f, "\"} %d\n", st->registries[r].connected ? 1 : 0);
	}
	prom_head(f, "autovpnd_registry_last_contact_age_seconds", "gauge",
		  "Seconds since the registry's last answer (registries ever heard from).");
	for (uint32_t r = 0; r < st->n_registries && r < 2; r++) {
		if (st->registries[r].last_contact_ms == CTL_NEVER)
			continue;
		fprintf(f, "autovpnd_registry_last_contact_age_seconds{registry=\"%u\",address=\"",
			r + 1);
		prom_label(f, st->registries[r].address);
		fprintf(f, "\"} %.3f\n", secs(st->registries[r].last_contact_ms));
	}
	prom_head(f, "autovpnd_uplink_registry_connected", "gauge",
		  "1 if the registry answers on this uplink.");
	for (uint32_t u = 0; u < st->n_uplinks && u < 2; u++)
		for (uint32_t r = 0; r < st->n_registries && r < 2; r++)
			fprintf(f,
				"autovpnd_uplink_registry_connected{uplink=\"%s\",registry=\"%u\"} %d\n",
				st->uplinks[u].name, r + 1,
				st->uplinks[u].reg[r].connected ? 1 : 0);
	prom_head(f, "autovpnd_uplink_info", "gauge",
		  "Always 1: the uplink's device, NAT type and high-port echo result as labels.");
	for (uint32_t u = 0; u < st->n_uplinks && u < 2; u++) {
		const struct ctl_uplink *up = &st->uplinks[u];

		fprintf(f, "autovpnd_uplink_info{uplink=\"%s\",device=\"", up->name);
		prom_label(f, up->device);
		fputs("\",nat=\"", f);
		prom_label(f, up->nat);
		fputs("\",highport_echo=\"", f);
		prom_label(f, up->highport);
		fputs("\"} 1\n", f);
	}
	for (unsigned int c = 0; c < 4; c++) {
		prom_head(f, names[c], "counter", helps[c]);
		for (uint32_t u = 0; u < st->n_uplinks && u < 2; u++) {
			const struct metrics_uplink_counts *k = &s->uplinks[u];
			uint64_t v = c == 0 ? k->rx :
				     c == 1 ? k->tx :
				     c == 2 ? k->rx_dropped :
					      k->tx_failed;

			fprintf(f, "%s{uplink=\"%s\"} %llu\n", names[c], st->uplinks[u].name,
				(unsigned long long)v);
		}
	}
	prom_head(f, "autovpnd_handshake_messages_total", "counter",
		  "Handshake messages received, by what became of them (enum gw_hs_result).");
	for (unsigned int r = 0; r < METRICS_HS_RESULTS; r++)
		fprintf(f, "autovpnd_handshake_messages_total{result=\"%s\"} %llu\n", hs_names[r],
			(unsigned long long)s->hs_results[r]);
}

static void write_peers(FILE *f, const struct metrics_snapshot *s)
{
	const struct ctl_status *st = s->st;
	static const char *const states[] = { "connecting", "up", "down" };

	prom_head(f, "autovpnd_peer_up", "gauge", "1 if the peer has a path up and a usable key.");
	for (uint32_t i = 0; i < st->n_peers; i++) {
		peer_series(f, "autovpnd_peer_up", &st->peers[i]);
		fprintf(f, ",role=\"%s\"} %d\n", st->peers[i].role,
			!strcmp(st->peers[i].state, "up"));
	}
	prom_head(f, "autovpnd_peer_state", "gauge", "1 for the peer's current state, else 0.");
	for (uint32_t i = 0; i < st->n_peers; i++)
		for (unsigned int k = 0; k < 3; k++) {
			peer_series(f, "autovpnd_peer_state", &st->peers[i]);
			fprintf(f, ",state=\"%s\"} %d\n", states[k],
				!strcmp(st->peers[i].state, states[k]));
		}
	prom_head(f, "autovpnd_peer_key_age_seconds", "gauge",
		  "Seconds since the peer's current key was installed (peers with a key).");
	for (uint32_t i = 0; i < st->n_peers; i++) {
		if (st->peers[i].handshake_ms == CTL_NEVER)
			continue;
		peer_series(f, "autovpnd_peer_key_age_seconds", &st->peers[i]);
		fprintf(f, "} %.3f\n", secs(st->peers[i].handshake_ms));
	}
	if (s->extra) {
		prom_head(f, "autovpnd_peer_handshakes_total", "counter",
			  "Handshakes completed with the peer (keys installed).");
		for (uint32_t i = 0; i < st->n_peers; i++) {
			peer_series(f, "autovpnd_peer_handshakes_total", &st->peers[i]);
			fprintf(f, "} %llu\n", (unsigned long long)s->extra[i].handshakes);
		}
	}
	if (!s->kernel_ok)
		return;
	{
		/* The kernel's per-peer counters: each a uint64_t of struct metrics_kpeer. */
		static const struct {
			const char *name, *help;
			size_t off;
		} kc[] = {
			{ "autovpnd_peer_receive_packets_total",
			  "Packets received from the peer (the kernel's count, inner packets).",
			  offsetof(struct metrics_kpeer, rx_packets) },
			{ "autovpnd_peer_receive_bytes_total",
			  "Bytes received from the peer (the kernel's count, inner packets).",
			  offsetof(struct metrics_kpeer, rx_bytes) },
			{ "autovpnd_peer_transmit_packets_total",
			  "Packets sent to the peer (the kernel's count, inner packets).",
			  offsetof(struct metrics_kpeer, tx_packets) },
			{ "autovpnd_peer_transmit_bytes_total",
			  "Bytes sent to the peer (the kernel's count, inner packets).",
			  offsetof(struct metrics_kpeer, tx_bytes) },
			{ "autovpnd_peer_receive_ce_marks_total",
			  "Packets from the peer the kernel marked CE (ECN): they waited in its decrypt queues.",
			  offsetof(struct metrics_kpeer, rx_ce_marks) },
			{ "autovpnd_peer_transmit_ce_marks_total",
			  "Packets to the peer the kernel marked CE (ECN): they waited in its encrypt queues.",
			  offsetof(struct metrics_kpeer, tx_ce_marks) },
		};

		for (size_t c = 0; c < sizeof(kc) / sizeof(kc[0]); c++) {
			prom_head(f, kc[c].name, "counter", kc[c].help);
			for (uint32_t i = 0; i < st->n_peers; i++) {
				const struct metrics_kpeer *k = kpeer_of(s, st->peers[i].id);
				uint64_t v;

				if (!k)
					continue;
				memcpy(&v, (const char *)k + kc[c].off, sizeof(v));
				peer_series(f, kc[c].name, &st->peers[i]);
				fprintf(f, "} %llu\n", (unsigned long long)v);
			}
		}
	}
	prom_head(f, "autovpnd_peer_drops_total", "counter",
		  "Packets of the peer the kernel dropped, by reason.");
	for (uint32_t i = 0; i < st->n_peers; i++) {
		const struct metrics_kpeer *k = kpeer_of(s, st->peers[i].id);

		if (!k || !k->has_drops)
			continue;
		for (unsigned int r = 1; r < __AUTOVPN_DROP_MAX; r++) {
			peer_series(f, "autovpnd_peer_drops_total", &st->peers[i]);
			fprintf(f, ",reason=\"%s\"} %llu\n", avpnl_drop_name(r),
				(unsigned long long)k->drops[r]);
		}
	}
}

enum path_value { PV_RTT, PV_JITTER, PV_LOSS, PV_CHANGE_AGE };

static void write_path_gauge(FILE *f, const struct metrics_snapshot *s, const char *name,
			     const char *help, enum path_value what)
{
	const struct ctl_status *st = s->st;

	prom_head(f, name, "gauge", help);
	for (uint32_t i = 0; i < st->n_peers; i++)
		for (uint32_t k = 0; k < st->peers[i].n_paths; k++) {
			const struct ctl_path *pa = &st->peers[i].paths[k];

			/* RTT and jitter exist once a probe was answered. */
			if ((what == PV_RTT || what == PV_JITTER) && !pa->rtt_us)
				continue;
			if (what == PV_CHANGE_AGE && pa->changed_ms == CTL_NEVER)
				continue;
			path_series(f, name, &st->peers[i], pa);
			switch (what) {
			case PV_RTT:
				fprintf(f, "} %.6f\n", pa->rtt_us / 1e6);
				break;
			case PV_JITTER:
				fprintf(f, "} %.6f\n", pa->jitter_us / 1e6);
				break;
			case PV_LOSS:
				fprintf(f, "} %.4f\n", pa->loss / 10000.0);
				break;
			case PV_CHANGE_AGE:
				fprintf(f, "} %.3f\n", secs(pa->changed_ms));
				break;
			}
		}
}

static void write_paths(FILE *f, const struct metrics_snapshot *s)
{
	const struct ctl_status *st = s->st;
	static const char *const states[] = { "idle", "punching", "up", "down" };

	prom_head(f, "autovpnd_path_state", "gauge", "1 for the path's current state, else 0.");
	for (uint32_t i = 0; i < st->n_peers; i++)
		for (uint32_t k = 0; k < st->peers[i].n_paths; k++)
			for (unsigned int j = 0; j < 4; j++) {
				path_series(f, "autovpnd_path_state", &st->peers[i],
					    &st->peers[i].paths[k]);
				fprintf(f, ",state=\"%s\"} %d\n", states[j],
					!strcmp(st->peers[i].paths[k].state, states[j]));
			}
	write_path_gauge(f, s, "autovpnd_path_rtt_seconds",
			 "Last round-trip time sample of the path's probes.", PV_RTT);
	write_path_gauge(f, s, "autovpnd_path_jitter_seconds",
			 "Jitter of the path's probe RTT (RFC 3550 smoothing).", PV_JITTER);
	write_path_gauge(f, s, "autovpnd_path_loss_ratio",
			 "Share of the last 100 probes of the path not answered (0-1).", PV_LOSS);
	write_path_gauge(f, s, "autovpnd_path_last_change_age_seconds",
			 "Seconds since the path last changed state.", PV_CHANGE_AGE);
	if (s->extra) {
		static const char *const n[] = { "autovpnd_path_probes_sent_total",
						 "autovpnd_path_probe_replies_total",
						 "autovpnd_path_state_changes_total" };
		static const char *const h[] = {
			"Probes sent on the path.",
			"Authentic probe replies received on the path.",
			"Times the path changed state (idle, punching, up, down).",
		};

		for (unsigned int c = 0; c < 3; c++) {
			prom_head(f, n[c], "counter", h[c]);
			for (uint32_t i = 0; i < st->n_peers; i++)
				for (uint32_t k = 0; k < st->peers[i].n_paths; k++) {
					const struct ctl_path *pa = &st->peers[i].paths[k];
					uint64_t v;

					if (pa->id >= METRICS_MAX_PATHS)
						continue;
					v = c == 0 ? s->extra[i].paths[pa->id].probes_sent :
					    c == 1 ? s->extra[i].paths[pa->id].replies :
						     s->extra[i].paths[pa->id].state_changes;
					path_series(f, n[c], &st->peers[i], pa);
					fprintf(f, "} %llu\n", (unsigned long long)v);
				}
		}
	}
	if (!s->kernel_ok)
		return;
	{
		static const char *const n[] = { "autovpnd_path_receive_packets_total",
						 "autovpnd_path_receive_bytes_total",
						 "autovpnd_path_transmit_packets_total",
						 "autovpnd_path_transmit_bytes_total" };
		static const char *const h[] = {
			"Packets received on the path (the kernel's count).",
			"Bytes received on the path (the kernel's count).",
			"Packets sent on the path (the kernel's count).",
			"Bytes sent on the path (the kernel's count).",
		};

		for (unsigned int c = 0; c < 4; c++) {
			prom_head(f, n[c], "counter", h[c]);
			for (uint32_t i = 0; i < st->n_peers; i++) {
				const struct metrics_kpeer *kp = kpeer_of(s, st->peers[i].id);

				for (uint32_t k = 0; kp && k < st->peers[i].n_paths; k++) {
					const struct ctl_path *pa = &st->peers[i].paths[k];

					for (unsigned int j = 0; j < kp->n_paths; j++) {
						uint64_t v;

						if (kp->paths[j].id != pa->id)
							continue;
						v = c == 0 ? kp->paths[j].rx_packets :
						    c == 1 ? kp->paths[j].rx_bytes :
						    c == 2 ? kp->paths[j].tx_packets :
							     kp->paths[j].tx_bytes;
						path_series(f, n[c], &st->peers[i], pa);
						fprintf(f, "} %llu\n", (unsigned long long)v);
					}
				}
			}
		}
	}
}

static void write_routes(FILE *f, const struct metrics_snapshot *s)
{
	static const char *const kinds[] = { "direct", "transit", "relay", "default", "none" };
	const struct ctl_status *st = s->st;

	prom_head(f, "autovpnd_routes", "gauge",
		  "VPN prefixes by the route decision taken for them.");
	for (unsigned int k = 0; k < 5; k++) {
		uint32_t n = 0;

		for (uint32_t i = 0; i < st->n_routes; i++)
			n += !strcmp(st->routes[i].decision, kinds[k]);
		fprintf(f, "autovpnd_routes{decision=\"%s\"} %u\n", kinds[k], n);
	}
}

int metrics_write(FILE *f, const struct metrics_snapshot *s)
{
	write_daemon(f, s);
	write_peers(f, s);
	write_paths(f, s);
	write_routes(f, s);
	return ferror(f) ? -EIO : 0;
}

/* ---- the listener and the sampler ---- */

struct metrics {
	struct gw *gw;
	struct MHD_Daemon *mhd;
	int mhd_fd;
	struct loop_timer http_timer, sample_timer;
	struct scrape_cache cache; /* at most one render per SCRAPE_CACHE_MAX_AGE_MS */
};

/* Counts what moved since the last sample (see the top of the file). */
static void on_sample(struct loop *l, struct loop_timer *t, void *arg)
{
	struct gw *gw = arg;

	for (uint32_t i = 0; i < gw->n_peers; i++) {
		struct gw_peer *p = gw->peers[i];

		for (unsigned int k = 0; k < GW_MAX_PATHS; k++)
			if (p->paths[k].changed_ms != p->metrics_changed_seen[k]) {
				p->metrics_changed_seen[k] = p->paths[k].changed_ms;
				p->metrics_path_changes[k]++;
			}
		if (p->key_ms != p->metrics_key_seen) {
			p->metrics_key_seen = p->key_ms;
			p->metrics_handshakes++;
		}
	}
}

static int take_kpeer(const struct avpnl_peer *ap, void *arg)
{
	struct metrics_snapshot *s = arg;
	struct metrics_kpeer *k;

	/* More peers than there was room for (added meanwhile): left out. */
	if (s->n_kpeers == s->st->n_peers + METRICS_SPARE_KPEERS)
		return 0;
	k = (struct metrics_kpeer *)&s->kpeers[s->n_kpeers++];
	memset(k, 0, sizeof(*k));
	k->id = ap->id;
	k->has_drops = ap->set & AVPNL_PEER_STATS;
	k->rx_packets = ap->rx_packets;
	k->rx_bytes = ap->rx_bytes;
	k->tx_packets = ap->tx_packets;
	k->tx_bytes = ap->tx_bytes;
	k->rx_ce_marks = ap->rx_ce_marks;
	k->tx_ce_marks = ap->tx_ce_marks;
	memcpy(k->drops, ap->drops, sizeof(k->drops));
	for (size_t j = 0; j < ap->n_paths && k->n_paths < METRICS_MAX_PATHS; j++) {
		k->paths[k->n_paths].id = ap->paths[j].id;
		k->paths[k->n_paths].rx_packets = ap->paths[j].rx_packets;
		k->paths[k->n_paths].rx_bytes = ap->paths[j].rx_bytes;
		k->paths[k->n_paths].tx_packets = ap->paths[j].tx_packets;
		k->paths[k->n_paths].tx_bytes = ap->paths[j].tx_bytes;
		k->n_paths++;
	}
	return 0;
}

/* The exposition of the daemon's state now, in a malloc'd buffer. */
static int metrics_scrape(struct gw *gw, char **out, size_t *len)
{
	struct metrics_snapshot s;
	struct ctl_status st;
	struct metrics_peer_extra *extra = NULL;
	struct metrics_kpeer *kp = NULL;
	FILE *f;
	int err;

	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	on_sample(gw->loop, NULL, gw); /* count what moved just now too */
	err = ctlserver_status(gw, &st);
	if (err)
		return err;
	s.st = &st;
	extra = calloc(st.n_peers ? st.n_peers : 1, sizeof(*extra));
	kp = calloc(st.n_peers + METRICS_SPARE_KPEERS, sizeof(*kp));
	err = -ENOMEM;
	if (!extra || !kp)
		goto out;
	for (uint32_t i = 0; i < st.n_peers && i < gw->n_peers; i++) {
		const struct gw_peer *p = gw->peers[i];

		extra[i].handshakes = p->metrics_handshakes;
		for (unsigned int k = 0; k < GW_MAX_PATHS; k++) {
			extra[i].paths[k].probes_sent = p->paths[k].probes_sent;
			extra[i].paths[k].replies = p->paths[k].replies;
			extra[i].paths[k].state_changes = p->metrics_path_changes[k];
		}
	}
	s.extra = extra;
	s.kpeers = kp;
	s.kernel_ok = gw->nl && !avpnl_peer_dump(gw->nl, gw->ifindex, take_kpeer, &s);
	memcpy(s.hs_results, gw->hs_results, sizeof(s.hs_results));
	for (unsigned int u = 0; u < gw->n_uplinks && u < 2; u++) {
		s.uplinks[u].rx = gw->uplinks[u].rx;
		s.uplinks[u].tx = gw->uplinks[u].tx;
		s.uplinks[u].rx_dropped = gw->uplinks[u].rx_dropped;
		s.uplinks[u].tx_failed = gw->uplinks[u].tx_failed;
	}
	f = open_memstream(out, len);
	if (!f)
		goto out;
	err = metrics_write(f, &s);
	if (fclose(f) && !err)
		err = -EIO;
	if (err) {
		free(*out);
		*out = NULL;
	}
out:
	free(extra);
	free(kp);
	ctl_status_free(&st);
	return err;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	static const char msg[] = "see /metrics\n";
	struct metrics *m = cls;
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	char *buf = NULL;
	size_t len = 0;

	if (strcmp(method, "GET")) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
	} else if (!(resp = scrape_cache_get(&m->cache, clock_mono_ms(),
					     SCRAPE_CACHE_MAX_AGE_MS))) {
		/* Stamped when done: a slow render still leaves a second without one. */
		if (metrics_scrape(m->gw, &buf, &len) ||
		    !(resp = scrape_cache_put(&m->cache, buf, len, clock_mono_ms())))
			code = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	/* The body is the cache's, one response shared by every connection. */
	if (code == MHD_HTTP_OK)
		return MHD_queue_response(c, code, resp);
	resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void http_run(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG t;

	MHD_run(m->mhd);
	if (MHD_get_timeout(m->mhd, &t) != MHD_YES || t > 1000)
		t = 1000;
	loop_timer_start(m->gw->loop, &m->http_timer, t, 0);
}

static void on_http_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	http_run(arg);
}

static void on_http_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	http_run(arg);
}

int metrics_start(struct gw *gw)
{
	const char *listen = gw->opts.metrics_listen;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	struct endpoint ep;
	struct metrics *m;
	const char *why;
	unsigned int flags = MHD_USE_EPOLL;
	uint64_t period = gw->opts.probe_ms / 4;
	int err;

	if (!listen)
		return 0;
	if (endpoint_parse(listen, &ep, &why)) {
		log_msg(LOG_ERR, "--metrics %s: %s", listen, why);
		return -EINVAL;
	}
	endpoint_to_sockaddr(&ep, &ss);
	if (ep.addr.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->gw = gw;
	m->mhd = MHD_start_daemon(flags, ep.port, NULL, NULL, handler, m, MHD_OPTION_SOCK_ADDR, &ss,
				  MHD_OPTION_CONNECTION_LIMIT, METRICS_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, METRICS_IDLE_S, MHD_OPTION_END);
	if (!m->mhd) {
		log_msg(LOG_ERR, "metrics: cannot listen on %s", listen);
		free(m);
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	err = info ? loop_add_fd(gw->loop, info->epoll_fd, EPOLLIN, on_http_fd, m) : -EIO;
	if (err) {
		MHD_stop_daemon(m->mhd);
		free(m);
		return err;
	}
	m->mhd_fd = info->epoll_fd;
	gw->metrics = m;
	loop_timer_init(&m->http_timer, on_http_timer, m);
	loop_timer_init(&m->sample_timer, on_sample, gw);
	if ((err = loop_timer_start(gw->loop, &m->http_timer, 1000, 0)) ||
	    (err = loop_timer_start(gw->loop, &m->sample_timer, period, period))) {
		metrics_stop(gw);
		return err;
	}
	log_msg(LOG_INFO, "metrics on http://%s/metrics", listen);
	return 0;
}

void metrics_config_changed(struct gw *gw)
{
	if (gw->metrics)
		scrape_cache_free(&gw->metrics->cache);
}

void metrics_stop(struct gw *gw)
{
	struct metrics *m = gw->metrics;

	if (!m)
		return;
	loop_timer_stop(gw->loop, &m->sample_timer);
	loop_timer_stop(gw->loop, &m->http_timer);
	loop_del_fd(gw->loop, m->mhd_fd);
	MHD_stop_daemon(m->mhd);
	scrape_cache_free(&m->cache);
	free(m);
	gw->metrics = NULL;
}
