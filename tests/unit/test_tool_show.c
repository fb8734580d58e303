// SPDX-License-Identifier: GPL-2.0
/*
 * test_tool_show.c - `autovpn show` without a kernel or a daemon: a kernel
 * view and a daemon status built by hand are merged into the print model
 * (merge.c) and printed as text, JSON and dump (show_print.c,
 * show_dump.c); the units of the text (human.c). Linked from
 * build/libtool.a, run by `make check-tool`.
 */
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "human.h"
#include "merge.h"
#include "print.h"
#include "show.h"
#include "wire/proto.h"

/* ---- fixtures ---- */

static struct endpoint ep(const char *s)
{
	struct endpoint e;
	const char *why;

	ck_assert_msg(!endpoint_parse(s, &e, &why), "endpoint %s", s);
	return e;
}

static void add_prefix(struct avpnl_peer *p, const char *s, bool allowed)
{
	struct prefix pfx;
	const char *why;

	ck_assert(!prefix_parse(s, &pfx, &why));
	ck_assert(!(allowed ? avpnl_peer_add_allowed(p, &pfx, false) :
			      avpnl_peer_add_route(p, &pfx, false)));
}

static void kpath(struct avpnl_peer *p, uint8_t id, uint8_t uplink, const char *remote, bool up)
{
	struct avpnl_peer_path *pa = &p->paths[p->n_paths++];

	memset(pa, 0, sizeof(*pa));
	pa->id = id;
	pa->uplink = uplink;
	pa->set = AVPNL_PEER_PATH_UPLINK | AVPNL_PEER_PATH_REMOTE | AVPNL_PEER_PATH_STATE;
	pa->remote = ep(remote);
	pa->state = up ? AUTOVPN_PATH_UP : AUTOVPN_PATH_DOWN;
	pa->rx_packets = 10 + id;
	pa->tx_packets = 20 + id;
}

/*
 * The kernel: av0 with uplink 0, peers 1 "San Jose" (paths 0 and 2, a
 * key), 3 "manual" (made by hand, unknown to the daemon). Peers in id
 * order, as show.c sorts them.
 */
static void kernel_view(struct show_view *v)
{
	struct avpnl_peer *p;

	memset(v, 0, sizeof(*v));
	snprintf(v->dev.ifname, sizeof(v->dev.ifname), "av0");
	v->dev.ifindex = 5;
	v->dev.mtu = 1420;
	v->dev.n_uplinks = 1;
	v->dev.uplinks[0] = (struct avpnl_dev_uplink){ .id = 0, .has_local = true };
	v->dev.uplinks[0].local = ep("172.16.1.2:40000");
	v->dev.drops[AUTOVPN_DROP_NO_ROUTE] = 3;
	v->peers = calloc(2, sizeof(*v->peers));
	ck_assert_ptr_nonnull(v->peers);
	v->n_peers = v->cap_peers = 2;

	p = &v->peers[0];
	p->id = 1;
	snprintf(p->name, sizeof(p->name), "San Jose");
	p->rx_index = 11;
	p->tx_index = 22;
	p->rx_packets = 100;
	p->rx_bytes = 2048;
	p->tx_ce_marks = 5;
	add_prefix(p, "10.100.0.0/16", false);
	add_prefix(p, "10.100.0.0/16", true);
	kpath(p, 0, 0, "198.51.100.2:40000", true);
	kpath(p, 2, 1, "198.51.100.2:40000", false);
	p->n_keys = 1;
	p->keys[0] =
		(struct avpnl_key){ .slot = AUTOVPN_KEY_SLOT_CURRENT, .id = 3, .age_secs = 42 };

	p = &v->peers[1];
	p->id = 3;
	snprintf(p->name, sizeof(p->name), "manual");
	p->rx_index = 33;
}

static void dpath(struct ctl_peer *p, uint8_t id, const char *state, const char *remote,
		  uint32_t rtt, uint16_t loss)
{
	struct ctl_path *c = &p->paths[p->n_paths++];

	c->id = id;
	c->local_uplink = id / 2;
	c->remote_uplink = id % 2;
	snprintf(c->state, sizeof(c->state), "%s", state);
	snprintf(c->remote, sizeof(c->remote), "%s", remote);
	snprintf(c->reason, sizeof(c->reason), "%s",
		 !strcmp(state, "up") ? "up: probes answered" : "no probe reply for 3 s");
	c->rtt_us = rtt;
	c->jitter_us = rtt / 10;
	c->loss = loss;
	c->changed_ms = 125000;
}

/*
 * The daemon: two registries, uplinks 0 (friendly) and 1 (unfriendly, not
 * in the kernel), peers 7 "Paris" (not in the kernel yet) and 1 "San Jose"
 * (listed out of order on purpose), three route decisions out of order.
 */
static void daemon_status(struct ctl_status *s)
{
	struct ctl_peer *p;
	struct ctl_uplink *u;

	ck_assert(!ctl_status_alloc(s, 2, 3));
	snprintf(s->interface, sizeof(s->interface), "av0");
	snprintf(s->name, sizeof(s->name), "London - Finsbury");
	snprintf(s->public_key, sizeof(s->public_key), "%043d=", 0);
	snprintf(s->role, sizeof(s->role), "spoke");
	s->config_version = 7;
	s->uptime_ms = 3 * 3600000 + 5 * 60000;
	s->n_registries = 2;
	snprintf(s->registries[0].address, CTL_EP_MAX, "192.0.2.1:9350");
	s->registries[0].connected = true;
	s->registries[0].last_contact_ms = 2000;
	snprintf(s->registries[1].address, CTL_EP_MAX, "192.0.2.2:9350");
	s->registries[1].last_contact_ms = CTL_NEVER;

	s->n_uplinks = 2;
	u = &s->uplinks[0];
	u->id = 0;
	snprintf(u->name, sizeof(u->name), "wan1");
	snprintf(u->device, sizeof(u->device), "eth0");
	snprintf(u->local, sizeof(u->local), "172.16.1.2:40000");
	snprintf(u->nat, sizeof(u->nat), "friendly");
	snprintf(u->mapped, sizeof(u->mapped), "203.0.113.7:40000");
	snprintf(u->highport, sizeof(u->highport), "ok");
	u->reg[0].connected = true;
	snprintf(u->reg[0].observed, CTL_EP_MAX, "203.0.113.7:40000");
	u = &s->uplinks[1];
	u->id = 1;
	snprintf(u->name, sizeof(u->name), "wan2");
	snprintf(u->device, sizeof(u->device), "eth1");
	snprintf(u->local, sizeof(u->local), "172.17.1.2:40001");
	snprintf(u->nat, sizeof(u->nat), "unfriendly");
	snprintf(u->highport, sizeof(u->highport), "unknown");

	p = &s->peers[0];
	snprintf(p->name, sizeof(p->name), "Paris");
	p->id = 7;
	snprintf(p->role, sizeof(p->role), "spoke");
	snprintf(p->state, sizeof(p->state), "connecting");
	snprintf(p->reason, sizeof(p->reason), "punching");
	p->handshake_ms = CTL_NEVER;
	p->key_id = -1;
	p->n_endpoints = 1;
	p->endpoints[0] = (struct ctl_endpoint){ .uplink = 0, .kind = "public" };
	snprintf(p->endpoints[0].address, CTL_EP_MAX, "198.51.100.9:41000");
	dpath(p, 0, "punching", "", 0, 0);

	p = &s->peers[1];
	snprintf(p->name, sizeof(p->name), "San Jose");
	snprintf(p->public_key, sizeof(p->public_key), "%043d=", 1);
	p->id = 1;
	snprintf(p->role, sizeof(p->role), "hub");
	p->hub_priority = 1;
	p->flags = PROTO_PEER_DEFAULT_ROUTE;
	snprintf(p->state, sizeof(p->state), "up");
	snprintf(p->reason, sizeof(p->reason), "up: a path answers and keys are in place");
	p->handshake_ms = 42000;
	p->key_id = 3;
	p->n_endpoints = 2;
	p->endpoints[0] = (struct ctl_endpoint){ .uplink = 0, .kind = "public" };
	snprintf(p->endpoints[0].address, CTL_EP_MAX, "198.51.100.2:40000");
	p->endpoints[1] = (struct ctl_endpoint){ .uplink = 0, .kind = "private" };
	snprintf(p->endpoints[1].address, CTL_EP_MAX, "10.1.0.2:40000");
	dpath(p, 0, "up", "198.51.100.2:40000", 12345, 50);
	dpath(p, 1, "punching", "", 0, 0);
	ck_assert(!ctl_peer_alloc_subnets(p, 1));
	snprintf(p->subnets[0].prefix, CTL_PREFIX_MAX, "10.100.0.0/16");
	p->subnets[0].metric = 10;
	p->subnets[0].flags = PROTO_SUB_ROUTE | PROTO_SUB_ALLOWED;

	snprintf(s->routes[0].prefix, CTL_PREFIX_MAX, "10.200.0.0/16");
	snprintf(s->routes[0].decision, 12, "none");
	snprintf(s->routes[0].reason, CTL_TEXT_MAX, "no peer for it is up (1 candidate)");
	snprintf(s->routes[1].prefix, CTL_PREFIX_MAX, "10.100.0.0/16");
	snprintf(s->routes[1].via, CTL_NAME_MAX, "San Jose");
	s->routes[1].metric = 10;
	snprintf(s->routes[1].decision, 12, "direct");
	snprintf(s->routes[1].reason, CTL_TEXT_MAX, "lowest metric, up");
	snprintf(s->routes[2].prefix, CTL_PREFIX_MAX, "10.60.0.0/16");
	snprintf(s->routes[2].via, CTL_NAME_MAX, "San Jose");
	s->routes[2].metric = 20;
	snprintf(s->routes[2].decision, 12, "transit");
	snprintf(s->routes[2].reason, CTL_TEXT_MAX, "Paris is connecting: next best");
}

/* A view with its daemon: 0 = running, else ask_status()'s error. */
static void make_view(struct show_view *v, int daemon_err, const char *msg)
{
	kernel_view(v);
	v->daemon_err = daemon_err;
	snprintf(v->daemon_msg, sizeof(v->daemon_msg), "%s", msg);
	if (!daemon_err)
		daemon_status(&v->daemon);
}

static void free_view(struct show_view *v)
{
	for (size_t i = 0; i < v->n_peers; i++)
		avpnl_peer_clear(&v->peers[i]);
	free(v->peers);
	ctl_status_free(&v->daemon);
}

/* ---- output capture: stdout into a string ---- */

enum fmt { TEXT, JSON, DUMP };

static char *render(const struct show_view *v, enum fmt f)
{
	struct merge_dev m;
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	char *out;
	long len;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(merge_dev_build(&m, v), 0);
	fflush(stdout);
	ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
	if (f == DUMP) {
		show_dump(&m);
	} else {
		print_begin(f == JSON, false);
		print_obj_open(NULL);
		print_arr_open("interfaces", NULL);
		show_print(&m, true);
		print_arr_close();
		print_obj_close();
		ck_assert_int_eq(print_end(), 0);
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	merge_dev_free(&m);
	len = ftell(tmp);
	out = calloc(1, (size_t)len + 1);
	rewind(tmp);
	ck_assert_int_eq(fread(out, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return out;
}

static void has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return;
		p++;
	}
	ck_abort_msg("no line '%s' in:\n%s", line, text);
}

/* The JSON value at a path of keys and indexes: "interfaces/0/peers/1/state". */
static json_object *jpath(json_object *root, const char *path)
{
	char buf[256], *save = NULL, *t;
	json_object *o = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (t = strtok_r(buf, "/", &save); t && o; t = strtok_r(NULL, "/", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(t));
		else if (!json_object_object_get_ex(o, t, &o))
			return NULL;
	}
	return o;
}

static void jstr(json_object *root, const char *path, const char *want)
{
	json_object *o = jpath(root, path);

	ck_assert_msg(o && json_object_is_type(o, json_type_string), "%s: not a string", path);
	ck_assert_str_eq(json_object_get_string(o), want);
}

static void jint(json_object *root, const char *path, int64_t want)
{
	json_object *o = jpath(root, path);

	ck_assert_msg(o && json_object_is_type(o, json_type_int), "%s: not an integer", path);
	ck_assert_int_eq(json_object_get_int64(o), want);
}

static void jbool(json_object *root, const char *path, bool want)
{
	json_object *o = jpath(root, path);

	ck_assert_msg(o && json_object_is_type(o, json_type_boolean), "%s: not a bool", path);
	ck_assert_int_eq(json_object_get_boolean(o), want);
}

/* Present and null (json-c: the key exists, its value is NULL). */
static void jnull(json_object *root, const char *path)
{
	char parent[256];
	const char *slash = strrchr(path, '/');
	json_object *o, *v = (json_object *)1;

	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	o = jpath(root, parent);
	ck_assert_msg(o && json_object_object_get_ex(o, slash + 1, &v) && !v, "%s: not null", path);
}

static void jabsent(json_object *root, const char *path)
{
	ck_assert_msg(!jpath(root, path), "%s: present", path);
}

static size_t jlen(json_object *root, const char *path)
{
	json_object *o = jpath(root, path);

	ck_assert_msg(o && json_object_is_type(o, json_type_array), "%s: not an array", path);
	return json_object_array_length(o);
}

static json_object *render_json(const struct show_view *v)
{
	char *out = render(v, JSON);
	json_object *root = json_tokener_parse(out);

	ck_assert_msg(root, "not JSON: %s", out);
	free(out);
	return root;
}

/* ---- human units ---- */

START_TEST(human_durations)
{
	char b[HUMAN_STRLEN];

	ck_assert_str_eq(human_duration(b, sizeof(b), 0), "0 ms");
	ck_assert_str_eq(human_duration(b, sizeof(b), 350), "350 ms");
	ck_assert_str_eq(human_duration(b, sizeof(b), 999), "999 ms");
	ck_assert_str_eq(human_duration(b, sizeof(b), 1000), "1 s");
	ck_assert_str_eq(human_duration(b, sizeof(b), 42999), "42 s");
	ck_assert_str_eq(human_duration(b, sizeof(b), 60000), "1 min");
	ck_assert_str_eq(human_duration(b, sizeof(b), 125000), "2 min 5 s");
	ck_assert_str_eq(human_duration(b, sizeof(b), 3600000 + 30000), "1 h");
	ck_assert_str_eq(human_duration(b, sizeof(b), 3 * 3600000 + 5 * 60000 + 7000), "3 h 5 min");
	ck_assert_str_eq(human_duration(b, sizeof(b), 2 * 86400000ULL + 4 * 3600000), "2 d 4 h");
	ck_assert_str_eq(human_duration(b, sizeof(b), 400 * 86400000ULL), "400 d");
	/* The largest age that is not CTL_NEVER still prints (and fits). */
	human_duration(b, sizeof(b), CTL_NEVER - 1);
	ck_assert_int_lt(strlen(b), HUMAN_STRLEN - 1);
	/* Cut, not overrun. */
	ck_assert_str_eq(human_duration(b, 4, 125000), "2 m");
}
END_TEST

START_TEST(human_ages)
{
	char b[HUMAN_STRLEN];

	ck_assert_str_eq(human_age(b, sizeof(b), CTL_NEVER), "never");
	ck_assert_str_eq(human_age(b, sizeof(b), 0), "0 ms ago");
	ck_assert_str_eq(human_age(b, sizeof(b), 42000), "42 s ago");
	ck_assert_str_eq(human_age(b, sizeof(b), 3 * 60000 + 1), "3 min ago");
}
END_TEST

START_TEST(human_rtt)
{
	char b[HUMAN_STRLEN];

	ck_assert_str_eq(human_usecs(b, sizeof(b), 0), "0 us");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 850), "850 us");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 1250), "1.25 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 12345), "12.3 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 130400), "130 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 1500000), "1.50 s");
	/* Rounding never makes a fourth digit. */
	ck_assert_str_eq(human_usecs(b, sizeof(b), 9994), "9.99 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 9995), "10.0 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 99949), "99.9 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 99950), "100 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 999499), "999 ms");
	ck_assert_str_eq(human_usecs(b, sizeof(b), 999500), "1.00 s");
	ck_assert_str_eq(human_usecs(b, sizeof(b), UINT32_MAX), "4294.97 s");
}
END_TEST

START_TEST(human_losses)
{
	char b[HUMAN_STRLEN];

	ck_assert_str_eq(human_loss(b, sizeof(b), 0), "0%");
	ck_assert_str_eq(human_loss(b, sizeof(b), 5), "0.05%");
	ck_assert_str_eq(human_loss(b, sizeof(b), 50), "0.5%");
	ck_assert_str_eq(human_loss(b, sizeof(b), 1250), "12.5%");
	ck_assert_str_eq(human_loss(b, sizeof(b), 1234), "12.34%");
	ck_assert_str_eq(human_loss(b, sizeof(b), 10000), "100%");
	ck_assert_str_eq(human_loss(b, sizeof(b), 65535), "655.35%");
}
END_TEST

/* ---- merging ---- */

START_TEST(merge_matches_by_id)
{
	struct show_view v;
	struct merge_dev m;

	make_view(&v, 0, "");
	ck_assert_int_eq(merge_dev_build(&m, &v), 0);
	ck_assert_int_eq(m.daemon, MERGE_DAEMON_RUNNING);
	ck_assert_ptr_eq(m.d, &v.daemon);

	/* Uplinks: the kernel's 0 and the daemon's 0 and 1, by id. */
	ck_assert_uint_eq(m.n_uplinks, 2);
	ck_assert_ptr_eq(m.uplinks[0].k, &v.dev.uplinks[0]);
	ck_assert_ptr_eq(m.uplinks[0].d, &v.daemon.uplinks[0]);
	ck_assert_uint_eq(m.uplinks[1].id, 1);
	ck_assert_ptr_null(m.uplinks[1].k);
	ck_assert_ptr_eq(m.uplinks[1].d, &v.daemon.uplinks[1]);

	/* Peers: kernel order first (1 matched, 3 kernel only), then 7. */
	ck_assert_uint_eq(m.n_peers, 3);
	ck_assert_uint_eq(m.peers[0].id, 1);
	ck_assert_ptr_eq(m.peers[0].k, &v.peers[0]);
	ck_assert_ptr_eq(m.peers[0].d, &v.daemon.peers[1]);
	ck_assert_str_eq(m.peers[0].name, "San Jose");
	ck_assert_uint_eq(m.peers[1].id, 3);
	ck_assert_ptr_nonnull(m.peers[1].k);
	ck_assert_ptr_null(m.peers[1].d);
	ck_assert_uint_eq(m.peers[2].id, 7);
	ck_assert_ptr_null(m.peers[2].k);
	ck_assert_ptr_eq(m.peers[2].d, &v.daemon.peers[0]);
	ck_assert_str_eq(m.peers[2].name, "Paris");

	/* Paths of peer 1: kernel 0 and 2, daemon 0 and 1 -> 0 (both), 1, 2. */
	ck_assert_uint_eq(m.peers[0].n_paths, 3);
	ck_assert_uint_eq(m.peers[0].paths[0].id, 0);
	ck_assert_ptr_nonnull(m.peers[0].paths[0].k);
	ck_assert_ptr_eq(m.peers[0].paths[0].d, &v.daemon.peers[1].paths[0]);
	ck_assert_uint_eq(m.peers[0].paths[1].id, 1);
	ck_assert_ptr_null(m.peers[0].paths[1].k);
	ck_assert_ptr_nonnull(m.peers[0].paths[1].d);
	ck_assert_uint_eq(m.peers[0].paths[2].id, 2);
	ck_assert_ptr_nonnull(m.peers[0].paths[2].k);
	ck_assert_ptr_null(m.peers[0].paths[2].d);

	/* Routes in address order, not the daemon's. */
	ck_assert_uint_eq(m.n_routes, 3);
	ck_assert_str_eq(m.routes[0]->prefix, "10.60.0.0/16");
	ck_assert_str_eq(m.routes[1]->prefix, "10.100.0.0/16");
	ck_assert_str_eq(m.routes[2]->prefix, "10.200.0.0/16");
	merge_dev_free(&m);
	free_view(&v);
}
END_TEST

START_TEST(merge_without_daemon)
{
	struct show_view v;
	struct merge_dev m;

	make_view(&v, -ECONNREFUSED, "autovpnd is not running for av0");
	ck_assert_int_eq(merge_dev_build(&m, &v), 0);
	ck_assert_int_eq(m.daemon, MERGE_DAEMON_ABSENT);
	ck_assert_ptr_null(m.d);
	ck_assert_str_eq(m.daemon_msg, "autovpnd is not running for av0");
	ck_assert_uint_eq(m.n_uplinks, 1);
	ck_assert_uint_eq(m.n_peers, 2);
	ck_assert_uint_eq(m.peers[0].n_paths, 2);
	ck_assert_ptr_null(m.peers[0].paths[0].d);
	ck_assert_uint_eq(m.n_routes, 0);
	merge_dev_free(&m);
	free_view(&v);

	make_view(&v, -EREMOTEIO, "autovpnd: permission denied: root only");
	ck_assert_int_eq(merge_dev_build(&m, &v), 0);
	ck_assert_int_eq(m.daemon, MERGE_DAEMON_ERROR);
	ck_assert_ptr_null(m.d);
	merge_dev_free(&m);
	free_view(&v);
}
END_TEST

START_TEST(merge_empty)
{
	struct show_view v;
	struct merge_dev m;

	/* A device with nothing, and a daemon with nothing: no allocation trouble. */
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(merge_dev_build(&m, &v), 0);
	ck_assert_uint_eq(m.n_peers + m.n_uplinks + m.n_routes, 0);
	merge_dev_free(&m);
}
END_TEST

START_TEST(merge_unnamed_kernel_peer)
{
	struct show_view v;
	struct merge_dev m;

	make_view(&v, 0, "");
	v.peers[0].name[0] = '\0'; /* the daemon's name says who it is */
	ck_assert_int_eq(merge_dev_build(&m, &v), 0);
	ck_assert_str_eq(m.peers[0].name, "San Jose");
	ck_assert_str_eq(m.peers[1].name, "manual");
	merge_dev_free(&m);
	free_view(&v);
}
END_TEST

/* ---- text ---- */

START_TEST(text_with_daemon)
{
	struct show_view v;
	char *t;

	make_view(&v, 0, "");
	t = render(&v, TEXT);
	has_line(t, "interface: av0");
	has_line(t, "  gateway: London - Finsbury (spoke), config version 7, up 3 h 5 min");
	has_line(t, "  registry 192.0.2.1:9350: connected, last contact 2 s ago");
	has_line(t, "  registry 192.0.2.2:9350: disconnected, last contact never");
	has_line(t, "  uplink 0: 172.16.1.2:40000 (wan1 on eth0)");
	has_line(t, "    nat: friendly, public 203.0.113.7:40000, high ports ok");
	has_line(t, "    registry 192.0.2.1:9350: connected, sees 203.0.113.7:40000");
	has_line(t, "    registry 192.0.2.2:9350: disconnected");
	has_line(t, "  uplink 1: 172.17.1.2:40001 (wan2 on eth1) (not in the kernel)");
	has_line(t, "    nat: unfriendly, high ports unknown");
	has_line(t, "  drops: no_route 3");
	/* The kernel's lines stay as they were. */
	has_line(t, "peer: 1 (San Jose)");
	has_line(t, "  state: up (a path answers and keys are in place)");
	has_line(t, "  role: hub, hub priority 1, default-route");
	has_line(t, "  endpoints: public 198.51.100.2:40000 (uplink 0), "
		    "private 10.1.0.2:40000 (uplink 0)");
	has_line(t, "  latest handshake: 42 s ago, key 3");
	has_line(t, "  subnets: 10.100.0.0/16 (metric 10, route, allowed)");
	has_line(t, "  rx-index: 11");
	has_line(t, "  path 0: uplink 0 -> 198.51.100.2:40000, up, priority 0, class-mask 0");
	has_line(t,
		 "    probes: up for 2 min 5 s (probes answered), to peer uplink 0, rtt 12.3 ms, "
		 "jitter 1.23 ms, loss 0.5%");
	has_line(t, "  path 1: uplink 0 -> (none) (not in the kernel)");
	has_line(t,
		 "    probes: punching for 2 min 5 s (no probe reply for 3 s), to peer uplink 1");
	has_line(t, "  path 2: uplink 1 -> 198.51.100.2:40000, down, priority 0, class-mask 0");
	has_line(t, "  key current: id 3, age 42 s, 0 packets sent");
	has_line(t, "peer: 3 (manual)");
	has_line(t, "peer: 7 (Paris)");
	has_line(t, "  (known to autovpnd, not in the kernel)");
	has_line(t, "  state: connecting (punching)");
	has_line(t, "  latest handshake: never");
	has_line(t, "  subnets: (none)");
	/* Route decisions aligned in columns. */
	has_line(t, "routes:");
	has_line(t, "  10.60.0.0/16   via San Jose  metric 20   transit  Paris is connecting: "
		    "next best");
	has_line(t, "  10.100.0.0/16  via San Jose  metric 10   direct   lowest metric, up");
	has_line(t, "  10.200.0.0/16  via -         metric -    none     no peer for it is up "
		    "(1 candidate)");
	ck_assert_ptr_null(strchr(t, '\033')); /* no colour when told so */
	free(t);
	free_view(&v);
}
END_TEST

START_TEST(text_without_daemon)
{
	struct show_view v;
	char *t;

	make_view(&v, -ECONNREFUSED, "autovpnd is not running for av0");
	t = render(&v, TEXT);
	has_line(t, "interface: av0");
	has_line(t, "  autovpnd is not running for av0");
	has_line(t, "  uplink 0: 172.16.1.2:40000");
	has_line(t, "  path 0: uplink 0 -> 198.51.100.2:40000, up, priority 0, class-mask 0");
	/* Congestion marks: a line for the peer that has some, only for it. */
	has_line(t, "  congestion marks (ECN CE): 0 received, 5 sent");
	ck_assert_ptr_null(strstr(strstr(t, "congestion marks") + 1, "congestion marks"));
	ck_assert_ptr_null(strstr(t, "probes:"));
	ck_assert_ptr_null(strstr(t, "routes:\n"));
	ck_assert_ptr_null(strstr(t, "registry"));
	ck_assert_ptr_null(strstr(t, "state:"));
	free(t);
	free_view(&v);

	make_view(&v, -EREMOTEIO, "autovpnd: permission denied: root only");
	t = render(&v, TEXT);
	has_line(t, "  autovpnd: permission denied: root only");
	free(t);
	free_view(&v);
}
END_TEST

START_TEST(text_control_characters)
{
	struct show_view v;
	char *t;

	/* Names come from configs: no escape sequence reaches the terminal. */
	make_view(&v, 0, "");
	snprintf(v.daemon.peers[0].reason, CTL_TEXT_MAX, "a\033[2Jb\nc");
	t = render(&v, TEXT);
	has_line(t, "  state: connecting (a?[2Jb?c)");
	ck_assert_ptr_null(strchr(t, '\033'));
	free(t);
	free_view(&v);
}
END_TEST

/* ---- JSON: jq-friendly names ---- */

START_TEST(json_with_daemon)
{
	struct show_view v;
	json_object *j;

	make_view(&v, 0, "");
	j = render_json(&v);
	jstr(j, "interfaces/0/name", "av0");
	jstr(j, "interfaces/0/daemon", "running");
	jabsent(j, "interfaces/0/daemon_error");
	jstr(j, "interfaces/0/gateway", "London - Finsbury");
	jstr(j, "interfaces/0/role", "spoke");
	jint(j, "interfaces/0/config_version", 7);
	jint(j, "interfaces/0/uptime_ms", 3 * 3600000 + 5 * 60000);
	/* .registries[].connected */
	ck_assert_uint_eq(jlen(j, "interfaces/0/registries"), 2);
	jbool(j, "interfaces/0/registries/0/connected", true);
	jint(j, "interfaces/0/registries/0/last_contact_ms", 2000);
	jbool(j, "interfaces/0/registries/1/connected", false);
	jnull(j, "interfaces/0/registries/1/last_contact_ms");
	/* .uplinks[].nat, the kernel's local, the daemon's per registry */
	ck_assert_uint_eq(jlen(j, "interfaces/0/uplinks"), 2);
	jint(j, "interfaces/0/uplinks/0/id", 0);
	jstr(j, "interfaces/0/uplinks/0/local", "172.16.1.2:40000");
	jstr(j, "interfaces/0/uplinks/0/nat", "friendly");
	jstr(j, "interfaces/0/uplinks/0/mapped", "203.0.113.7:40000");
	jstr(j, "interfaces/0/uplinks/0/highport", "ok");
	jstr(j, "interfaces/0/uplinks/0/name", "wan1");
	jstr(j, "interfaces/0/uplinks/0/device", "eth0");
	ck_assert_uint_eq(jlen(j, "interfaces/0/uplinks/0/registries"), 2);
	jstr(j, "interfaces/0/uplinks/0/registries/0/address", "192.0.2.1:9350");
	jbool(j, "interfaces/0/uplinks/0/registries/0/connected", true);
	jstr(j, "interfaces/0/uplinks/0/registries/0/observed", "203.0.113.7:40000");
	jstr(j, "interfaces/0/uplinks/0/registries/1/observed", "");
	jstr(j, "interfaces/0/uplinks/1/nat", "unfriendly");
	jstr(j, "interfaces/0/uplinks/1/local", "172.17.1.2:40001");
	/* .peers[] | select(.name == "San Jose") | .state */
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers"), 3);
	jint(j, "interfaces/0/peers/0/id", 1);
	jstr(j, "interfaces/0/peers/0/name", "San Jose");
	jstr(j, "interfaces/0/peers/0/state", "up");
	jstr(j, "interfaces/0/peers/0/reason", "up: a path answers and keys are in place");
	jstr(j, "interfaces/0/peers/0/role", "hub");
	jint(j, "interfaces/0/peers/0/hub_priority", 1);
	jint(j, "interfaces/0/peers/0/flags", PROTO_PEER_DEFAULT_ROUTE);
	jint(j, "interfaces/0/peers/0/handshake_ms", 42000);
	jint(j, "interfaces/0/peers/0/key_id", 3);
	jstr(j, "interfaces/0/peers/0/endpoints/1/kind", "private");
	jstr(j, "interfaces/0/peers/0/endpoints/1/address", "10.1.0.2:40000");
	jint(j, "interfaces/0/peers/0/endpoints/1/uplink", 0);
	jstr(j, "interfaces/0/peers/0/subnets/0/prefix", "10.100.0.0/16");
	jint(j, "interfaces/0/peers/0/subnets/0/metric", 10);
	/* The kernel's fields are still there under their names. */
	jint(j, "interfaces/0/peers/0/rx_index", 11);
	jint(j, "interfaces/0/peers/0/rx_packets", 100);
	jint(j, "interfaces/0/peers/0/rx_ce_marks", 0);
	jint(j, "interfaces/0/peers/0/tx_ce_marks", 5);
	jint(j, "interfaces/0/peers/1/tx_ce_marks", 0); /* JSON always has them */
	jstr(j, "interfaces/0/peers/0/routes/0", "10.100.0.0/16");
	jint(j, "interfaces/0/peers/0/keys/0/id", 3);
	/* Paths: the kernel's state next to the daemon's probe_state. */
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers/0/paths"), 3);
	jstr(j, "interfaces/0/peers/0/paths/0/state", "up");
	jstr(j, "interfaces/0/peers/0/paths/0/endpoint", "198.51.100.2:40000");
	jint(j, "interfaces/0/peers/0/paths/0/tx_packets", 20);
	jstr(j, "interfaces/0/peers/0/paths/0/probe_state", "up");
	jstr(j, "interfaces/0/peers/0/paths/0/remote", "198.51.100.2:40000");
	jint(j, "interfaces/0/peers/0/paths/0/rtt_us", 12345);
	jint(j, "interfaces/0/peers/0/paths/0/jitter_us", 1234);
	jint(j, "interfaces/0/peers/0/paths/0/loss", 50);
	jint(j, "interfaces/0/peers/0/paths/0/changed_ms", 125000);
	jint(j, "interfaces/0/peers/0/paths/0/local_uplink", 0);
	jint(j, "interfaces/0/peers/0/paths/0/remote_uplink", 0);
	jint(j, "interfaces/0/peers/0/paths/1/id", 1);
	jabsent(j, "interfaces/0/peers/0/paths/1/state");
	jstr(j, "interfaces/0/peers/0/paths/1/probe_state", "punching");
	jstr(j, "interfaces/0/peers/0/paths/1/reason", "no probe reply for 3 s");
	jstr(j, "interfaces/0/peers/0/paths/2/state", "down");
	jabsent(j, "interfaces/0/peers/0/paths/2/probe_state");
	/* A kernel peer the daemon does not know: no daemon fields. */
	jstr(j, "interfaces/0/peers/1/name", "manual");
	jabsent(j, "interfaces/0/peers/1/state");
	/* A daemon peer not in the kernel: its fields, and empty kernel arrays. */
	jint(j, "interfaces/0/peers/2/id", 7);
	jstr(j, "interfaces/0/peers/2/state", "connecting");
	jnull(j, "interfaces/0/peers/2/handshake_ms");
	jint(j, "interfaces/0/peers/2/key_id", -1);
	jabsent(j, "interfaces/0/peers/2/rx_index");
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers/2/routes"), 0);
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers/2/allowed"), 0);
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers/2/keys"), 0);
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers/2/paths"), 1);
	/* Route decisions, in address order. */
	ck_assert_uint_eq(jlen(j, "interfaces/0/routes"), 3);
	jstr(j, "interfaces/0/routes/0/prefix", "10.60.0.0/16");
	jstr(j, "interfaces/0/routes/0/via", "San Jose");
	jint(j, "interfaces/0/routes/0/metric", 20);
	jstr(j, "interfaces/0/routes/0/decision", "transit");
	jstr(j, "interfaces/0/routes/0/reason", "Paris is connecting: next best");
	jstr(j, "interfaces/0/routes/2/via", "");
	jstr(j, "interfaces/0/routes/2/decision", "none");
	json_object_put(j);
	free_view(&v);
}
END_TEST

/*
 * A path the kernel has otherwise than autovpnd put it there is flagged,
 * in text and JSON; one that agrees, or a difference autovpnd intends
 * (a punching path not yet in the kernel), is not.
 */
START_TEST(disagreements)
{
	struct ctl_peer *sj;
	struct show_view v;
	json_object *j;
	char *t;

	make_view(&v, 0, "");
	sj = &v.daemon.peers[1]; /* San Jose: kernel paths 0 (up) and 2, daemon's 0 and 1 */
	t = render(&v, TEXT);
	has_line(t, "    kernel and autovpnd disagree: in the kernel, unknown to autovpnd");
	ck_assert_ptr_null(strstr(t, "disagree: the kernel"));
	ck_assert_ptr_null(strstr(t, "for it, the kernel no path"));
	free(t);
	j = render_json(&v);
	jabsent(j, "interfaces/0/peers/0/paths/0/disagreement");
	jabsent(j, "interfaces/0/peers/0/paths/1/disagreement");
	jstr(j, "interfaces/0/peers/0/paths/2/disagreement", "in the kernel, unknown to autovpnd");
	jabsent(j, "interfaces/0/peers/2/paths/0/disagreement"); /* Paris: not in the kernel */
	json_object_put(j);

	/* Another remote, and a path with a remote the kernel lacks. */
	snprintf(sj->paths[0].remote, CTL_EP_MAX, "198.51.100.3:41000");
	snprintf(sj->paths[1].remote, CTL_EP_MAX, "198.51.100.2:40001");
	t = render(&v, TEXT);
	has_line(t, "    kernel and autovpnd disagree: the kernel sends to 198.51.100.2:40000, "
		    "autovpnd's remote is 198.51.100.3:41000");
	has_line(t, "    kernel and autovpnd disagree: autovpnd has 198.51.100.2:40001 for it, "
		    "the kernel no path");
	free(t);

	/* Another uplink. */
	snprintf(sj->paths[0].remote, CTL_EP_MAX, "198.51.100.2:40000");
	sj->paths[0].local_uplink = 1;
	t = render(&v, TEXT);
	has_line(t, "    kernel and autovpnd disagree: the kernel sends on uplink 0, autovpnd on "
		    "uplink 1");
	free(t);

	/* Up in the kernel while the probes say down. */
	sj->paths[0].local_uplink = 0;
	snprintf(sj->paths[0].state, sizeof(sj->paths[0].state), "down");
	t = render(&v, TEXT);
	has_line(t, "    kernel and autovpnd disagree: up in the kernel, down for autovpnd");
	free(t);

	/* Down in the kernel while path and peer are up: flagged... */
	snprintf(sj->paths[0].state, sizeof(sj->paths[0].state), "up");
	v.peers[0].paths[0].state = AUTOVPN_PATH_DOWN;
	t = render(&v, TEXT);
	has_line(t, "    kernel and autovpnd disagree: down in the kernel, up for autovpnd");
	free(t);
	/* ...but not while the peer has no usable key: then down is right, */
	snprintf(sj->state, sizeof(sj->state), "down");
	t = render(&v, TEXT);
	ck_assert_ptr_null(strstr(t, "down in the kernel"));
	free(t);
	/* and up would be wrong. */
	v.peers[0].paths[0].state = AUTOVPN_PATH_UP;
	t = render(&v, TEXT);
	has_line(t, "    kernel and autovpnd disagree: up in the kernel, but the peer is down for "
		    "autovpnd");
	free(t);

	/* A kernel path autovpnd has no remote for (it would remove it). */
	snprintf(sj->state, sizeof(sj->state), "up");
	sj->paths[0].remote[0] = '\0';
	t = render(&v, TEXT);
	has_line(t,
		 "    kernel and autovpnd disagree: in the kernel, autovpnd has no remote for it");
	free(t);
	free_view(&v);
}
END_TEST

START_TEST(json_without_daemon)
{
	struct show_view v;
	json_object *j;

	make_view(&v, -ECONNREFUSED, "autovpnd is not running for av0");
	j = render_json(&v);
	jstr(j, "interfaces/0/daemon", "not running");
	jabsent(j, "interfaces/0/daemon_error");
	jabsent(j, "interfaces/0/registries");
	jabsent(j, "interfaces/0/routes");
	jabsent(j, "interfaces/0/gateway");
	jabsent(j, "interfaces/0/uplinks/0/nat");
	jabsent(j, "interfaces/0/peers/0/state");
	jabsent(j, "interfaces/0/peers/0/paths/0/probe_state");
	jstr(j, "interfaces/0/peers/0/paths/0/state", "up");
	ck_assert_uint_eq(jlen(j, "interfaces/0/peers"), 2);
	json_object_put(j);
	free_view(&v);

	make_view(&v, -EREMOTEIO, "autovpnd: permission denied: root only");
	j = render_json(&v);
	jstr(j, "interfaces/0/daemon", "error");
	jstr(j, "interfaces/0/daemon_error", "autovpnd: permission denied: root only");
	json_object_put(j);
	free_view(&v);
}
END_TEST

/* ---- dump ---- */

/* The lines of @text whose first field is @type, one per call (static). */
static const char *dump_line(const char *text, const char *type, int nth)
{
	static char line[1024];
	size_t tl = strlen(type);
	const char *p = text;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > tl && !strncmp(p, type, tl) && p[tl] == '\t' && !nth--) {
			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			return line;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

static int fields(const char *line)
{
	int n = 1;

	for (; *line; line++)
		n += *line == '\t';
	return n;
}

START_TEST(dump_columns)
{
	static const struct {
		const char *type;
		int n;
	} cols[] = {
		{ "interface", 7 }, { "uplink", 13 }, { "drops", 21 },	{ "peer", 18 },
		{ "path", 21 },	    { "key", 7 },     { "gateway", 7 }, { "registry", 5 },
		{ "endpoint", 6 },  { "subnet", 6 },  { "route", 7 },
	};
	struct show_view v;
	const char *l;
	char *t;

	/* Every record type has one column count, daemon or not. */
	for (int d = 0; d < 2; d++) {
		make_view(&v, d ? -ECONNREFUSED : 0, "not running");
		t = render(&v, DUMP);
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
			for (int k = 0; (l = dump_line(t, cols[i].type, k)); k++)
				ck_assert_msg(fields(l) == cols[i].n, "%s: %d fields: %s",
					      cols[i].type, fields(l), l);
		if (d) {
			/* Without a daemon: the daemon's records do not appear. */
			ck_assert_ptr_null(dump_line(t, "gateway", 0));
			ck_assert_ptr_null(dump_line(t, "route", 0));
			ck_assert_str_eq(dump_line(t, "interface", 0),
					 "interface\tav0\t5\t1420\toff\t2\tnot-running");
			ck_assert_str_eq(dump_line(t, "peer", 0),
					 "peer\tav0\t1\tSan Jose\t11\t22\t100\t2048\t0\t0\t"
					 "10.100.0.0/16\t10.100.0.0/16\t(none)\t(none)\t(none)\t"
					 "(none)\t(none)\t(none)");
		}
		free(t);
		free_view(&v);
	}
}
END_TEST

START_TEST(dump_with_daemon)
{
	struct show_view v;
	char *t;

	make_view(&v, 0, "");
	t = render(&v, DUMP);
	ck_assert_str_eq(dump_line(t, "interface", 0), "interface\tav0\t5\t1420\toff\t2\trunning");
	ck_assert_str_eq(dump_line(t, "gateway", 0),
			 "gateway\tav0\tLondon - Finsbury\tspoke\t7\t11100000\t"
			 "0000000000000000000000000000000000000000000=");
	ck_assert_str_eq(dump_line(t, "registry", 0), "registry\tav0\t192.0.2.1:9350\tyes\t2000");
	ck_assert_str_eq(dump_line(t, "registry", 1), "registry\tav0\t192.0.2.2:9350\tno\tnever");
	ck_assert_str_eq(dump_line(t, "uplink", 0),
			 "uplink\tav0\t0\t172.16.1.2:40000\twan1\teth0\tfriendly\t"
			 "203.0.113.7:40000\tok\tyes\t203.0.113.7:40000\tno\t(none)");
	ck_assert_str_eq(dump_line(t, "peer", 0),
			 "peer\tav0\t1\tSan Jose\t11\t22\t100\t2048\t0\t0\t10.100.0.0/16\t"
			 "10.100.0.0/16\tup\thub\t1\t42000\t3\t"
			 "up: a path answers and keys are in place");
	ck_assert_str_eq(dump_line(t, "peer", 2),
			 "peer\tav0\t7\tParis\t(none)\t(none)\t(none)\t(none)\t(none)\t(none)\t"
			 "(none)\t(none)\tconnecting\tspoke\t0\tnever\t(none)\tpunching");
	ck_assert_str_eq(dump_line(t, "endpoint", 1),
			 "endpoint\tav0\t1\t0\tprivate\t10.1.0.2:40000");
	ck_assert_str_eq(dump_line(t, "subnet", 0), "subnet\tav0\t1\t10.100.0.0/16\t10\t3");
	ck_assert_str_eq(dump_line(t, "path", 0),
			 "path\tav0\t1\t0\t0\t198.51.100.2:40000\tup\t0\t0\t10\t0\t20\t0\t"
			 "up\t0\t198.51.100.2:40000\t12345\t1234\t50\t125000\tup: probes answered");
	ck_assert_str_eq(dump_line(t, "path", 1),
			 "path\tav0\t1\t1\t(none)\t(none)\t(none)\t(none)\t(none)\t(none)\t"
			 "(none)\t(none)\t(none)\tpunching\t1\t(none)\t0\t0\t0\t125000\t"
			 "no probe reply for 3 s");
	ck_assert_str_eq(dump_line(t, "route", 0),
			 "route\tav0\t10.60.0.0/16\tSan Jose\t20\ttransit\t"
			 "Paris is connecting: next best");
	ck_assert_str_eq(dump_line(t, "route", 2), "route\tav0\t10.200.0.0/16\t(none)\t0\tnone\t"
						   "no peer for it is up (1 candidate)");
	free(t);
	free_view(&v);
}
END_TEST

START_TEST(dump_tabs_in_strings)
{
	struct show_view v;
	char *t;

	/* A tab or newline in a string would shift every later column. */
	make_view(&v, 0, "");
	snprintf(v.daemon.routes[1].reason, CTL_TEXT_MAX, "a\tb\nc");
	t = render(&v, DUMP);
	ck_assert_str_eq(dump_line(t, "route", 1),
			 "route\tav0\t10.100.0.0/16\tSan Jose\t10\tdirect\ta b c");
	free(t);
	free_view(&v);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tool_show");
	TCase *tc = tcase_create("show");

	tcase_add_test(tc, human_durations);
	tcase_add_test(tc, human_ages);
	tcase_add_test(tc, human_rtt);
	tcase_add_test(tc, human_losses);
	tcase_add_test(tc, merge_matches_by_id);
	tcase_add_test(tc, merge_without_daemon);
	tcase_add_test(tc, merge_empty);
	tcase_add_test(tc, merge_unnamed_kernel_peer);
	tcase_add_test(tc, text_with_daemon);
	tcase_add_test(tc, text_without_daemon);
	tcase_add_test(tc, text_control_characters);
	tcase_add_test(tc, json_with_daemon);
	tcase_add_test(tc, json_without_daemon);
	tcase_add_test(tc, disagreements);
	tcase_add_test(tc, dump_columns);
	tcase_add_test(tc, dump_with_daemon);
	tcase_add_test(tc, dump_tabs_in_strings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
