// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for daemon/lib/ctl/ctl.c: the status and diagnosis documents
 * round-trip member by member; the decoder refuses every cut, every
 * missing member, every wrong type and every value one past its bound
 * (found by walking the encoded documents, so a member added later is
 * covered without touching this file); the socket path and the client,
 * against a small server forked on a unix socket in a temporary directory.
 */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "ctl/ctl.h"
#include "ctl_eq.h"

#define SET(buf, ...)                                                           \
	do {                                                                    \
		int n_ = snprintf(buf, sizeof(buf), __VA_ARGS__);               \
		ck_assert_msg(n_ >= 0 && (size_t)n_ < sizeof(buf), "%s", #buf); \
	} while (0)

#define PK1 "K3ZlbGxvIHdvcmxkIQ0K3ZlbGxvIHdvcmxkIQ0K3Zk="
#define PK2 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* A realistic status with every member set, values distinct from one
 * another, strings JSON has to escape, and the extremes of some ranges. */
static void fill_full(struct ctl_status *s)
{
	struct ctl_peer *p;

	ck_assert_int_eq(ctl_status_alloc(s, 3, 2), 0);
	SET(s->interface, "av0");
	SET(s->name, "London - Finsbury \"HQ\" \\ M\xc3\xbcnchen/1\t\x01");
	SET(s->public_key, PK1);
	SET(s->role, "hub");
	s->config_version = 0xfedcba9876543210ull; /* above INT64_MAX */
	s->uptime_ms = 86400123;
	s->n_registries = 2;
	SET(s->registries[0].address, "192.0.2.1:9350");
	s->registries[0].connected = true;
	s->registries[0].last_contact_ms = 1234;
	SET(s->registries[1].address, "[2001:db8::1]:9351");
	s->registries[1].last_contact_ms = CTL_NEVER;
	s->n_uplinks = 2;
	for (unsigned int u = 0; u < 2; u++) {
		struct ctl_uplink *up = &s->uplinks[u];

		up->id = (uint8_t)(u + 1); /* distinct from the index */
		SET(up->name, "wan%u", u + 1);
		SET(up->device, u ? "ppp0" : "eth0");
		SET(up->local, "172.16.%u.2:%u", u, 51625 + u);
		SET(up->nat, u ? "unfriendly" : "friendly");
		SET(up->mapped, "198.51.100.%u:%u", 7 + u, 40000 + u);
		SET(up->highport, u ? "blocked" : "ok");
		up->reg[0].connected = !u;
		SET(up->reg[0].observed, "198.51.100.%u:%u", 7 + u, 40000 + u);
		up->reg[1].connected = u;
		SET(up->reg[1].observed, u ? "203.0.113.9:1" : "");
	}

	p = &s->peers[0];
	SET(p->name, "Paris");
	SET(p->public_key, PK2);
	p->id = 7;
	SET(p->role, "spoke");
	p->hub_priority = 2;
	p->flags = 0x05;
	SET(p->state, "up");
	SET(p->reason, "%s", "");
	p->handshake_ms = 4500;
	p->key_id = 3;
	p->n_endpoints = 5;
	for (unsigned int i = 0; i < 5; i++) {
		p->endpoints[i].uplink = (uint8_t)(i % 2);
		SET(p->endpoints[i].kind, i == 4 ? "manual" : i % 2 ? "private" : "public");
		SET(p->endpoints[i].address, i == 3 ? "[fd00::%u]:%u" : "10.9.%u.1:%u", i,
		    33000 + i);
	}
	p->n_paths = 4;
	for (unsigned int k = 0; k < 4; k++) {
		struct ctl_path *pa = &p->paths[k];

		pa->id = (uint8_t)(k + 10);
		pa->local_uplink = (uint8_t)(k / 2);
		pa->remote_uplink = (uint8_t)(k % 2 + 2);
		SET(pa->state, k == 3 ? "punching" : k ? "down" : "up");
		SET(pa->remote, "10.9.%u.1:%u", k, 33000 + k);
		if (k)
			SET(pa->reason, "no reply for 3 probe intervals (%u)", k);
		pa->rtt_us = 11000 + k;
		pa->jitter_us = 900 + k;
		pa->loss = (uint16_t)(17 + k);
		pa->changed_ms = k == 2 ? CTL_NEVER : 60000 + k;
	}
	ck_assert_int_eq(ctl_peer_alloc_subnets(p, 3), 0);
	for (unsigned int i = 0; i < 3; i++) {
		SET(p->subnets[i].prefix, i == 2 ? "fd00:%u::/48" : "10.%u.0.0/16", 20 + i);
		p->subnets[i].metric = (uint8_t)(100 + i);
		p->subnets[i].flags = (uint8_t)(1u << i);
	}

	p = &s->peers[1];
	SET(p->name, "Lyon");
	SET(p->public_key, PK1);
	p->id = 8;
	SET(p->role, "hub");
	SET(p->state, "down");
	SET(p->reason, "no path answers");
	p->handshake_ms = CTL_NEVER;
	p->key_id = -1;

	p = &s->peers[2];
	SET(p->name, "%s", "x");
	SET(p->public_key, "%s", "");
	p->id = UINT32_MAX;
	SET(p->role, "spoke");
	p->hub_priority = UINT8_MAX;
	p->flags = UINT8_MAX;
	SET(p->state, "connecting");
	SET(p->reason, "handshake \"sent\"");
	p->handshake_ms = 0;
	p->key_id = INT16_MIN;
	p->n_endpoints = 1;
	SET(p->endpoints[0].kind, "public");
	SET(p->endpoints[0].address, "203.0.113.77:61000");
	p->n_paths = 1;
	SET(p->paths[0].state, "idle");
	p->paths[0].rtt_us = UINT32_MAX;
	p->paths[0].loss = UINT16_MAX;
	p->paths[0].changed_ms = CTL_NEVER - 1;
	ck_assert_int_eq(ctl_peer_alloc_subnets(p, 1), 0);
	SET(p->subnets[0].prefix, "0.0.0.0/0");
	p->subnets[0].metric = UINT8_MAX;

	SET(s->routes[0].prefix, "10.20.0.0/16");
	SET(s->routes[0].via, "Paris");
	s->routes[0].metric = 100;
	SET(s->routes[0].decision, "direct");
	SET(s->routes[0].reason, "lowest metric, up");
	SET(s->routes[1].prefix, "10.30.0.0/16");
	SET(s->routes[1].via, "%s", "");
	SET(s->routes[1].decision, "none");
	SET(s->routes[1].reason, "no peer for it is up (2 candidates)");
}

/* @buf filled to its last byte with characters that need escaping too. */
static void fill_max_str(char *buf, size_t size, unsigned int seed)
{
	static const char set[] = "\"\\/\t\x01\x7f"
				  "ab{}[]:,\xc3\xbc";

	for (size_t i = 0; i + 1 < size; i++)
		buf[i] = set[(i + seed) % (sizeof(set) - 1)];
	buf[size - 1] = '\0';
}

#define MAXS(buf) fill_max_str(buf, sizeof(buf), seed++)

/* Every string, integer, age and fixed array at its upper bound. */
static void fill_max(struct ctl_status *s)
{
	unsigned int seed = 0;

	ck_assert_int_eq(ctl_status_alloc(s, 2, 1), 0);
	MAXS(s->interface);
	MAXS(s->name);
	MAXS(s->public_key);
	MAXS(s->role);
	s->config_version = UINT64_MAX - 1;
	s->uptime_ms = UINT64_MAX - 1;
	s->n_registries = 2;
	for (unsigned int r = 0; r < 2; r++) {
		MAXS(s->registries[r].address);
		s->registries[r].connected = true;
		s->registries[r].last_contact_ms = CTL_NEVER - 1;
	}
	s->n_uplinks = 2;
	for (unsigned int u = 0; u < 2; u++) {
		struct ctl_uplink *up = &s->uplinks[u];

		up->id = UINT8_MAX;
		MAXS(up->name);
		MAXS(up->device);
		MAXS(up->local);
		MAXS(up->nat);
		MAXS(up->mapped);
		MAXS(up->highport);
		for (unsigned int r = 0; r < 2; r++) {
			up->reg[r].connected = true;
			MAXS(up->reg[r].observed);
		}
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct ctl_peer *p = &s->peers[i];

		MAXS(p->name);
		MAXS(p->public_key);
		p->id = UINT32_MAX;
		MAXS(p->role);
		p->hub_priority = UINT8_MAX;
		p->flags = UINT8_MAX;
		MAXS(p->state);
		MAXS(p->reason);
		p->handshake_ms = CTL_NEVER - 1;
		p->key_id = INT16_MAX;
		p->n_endpoints = 5;
		for (unsigned int e = 0; e < 5; e++) {
			p->endpoints[e].uplink = UINT8_MAX;
			MAXS(p->endpoints[e].kind);
			MAXS(p->endpoints[e].address);
		}
		p->n_paths = 4;
		for (unsigned int k = 0; k < 4; k++) {
			struct ctl_path *pa = &p->paths[k];

			pa->id = pa->local_uplink = pa->remote_uplink = UINT8_MAX;
			MAXS(pa->state);
			MAXS(pa->remote);
			MAXS(pa->reason);
			pa->rtt_us = pa->jitter_us = UINT32_MAX;
			pa->loss = UINT16_MAX;
			pa->changed_ms = CTL_NEVER - 1;
		}
		ck_assert_int_eq(ctl_peer_alloc_subnets(p, 2), 0);
		for (unsigned int k = 0; k < 2; k++) {
			MAXS(p->subnets[k].prefix);
			p->subnets[k].metric = p->subnets[k].flags = UINT8_MAX;
		}
	}
	MAXS(s->routes[0].prefix);
	MAXS(s->routes[0].via);
	s->routes[0].metric = UINT8_MAX;
	MAXS(s->routes[0].decision);
	MAXS(s->routes[0].reason);
}

static void fill_diag(struct ctl_diagnosis *d)
{
	char cause[CTL_TEXT_MAX], fix[CTL_TEXT_MAX];

	memset(d, 0, sizeof(*d));
	ck_assert_int_eq(
		ctl_diagnosis_add(d, "ok", "registry", "registry 192.0.2.1:9350 answers", ""), 0);
	ck_assert_int_eq(ctl_diagnosis_add(d, "warn", "wan2", "NAT \"unfriendly\": ports\n1, 2",
					   "set nat-traversal = manual IP:PORT / forward one"),
			 0);
	fill_max_str(cause, sizeof(cause), 1);
	fill_max_str(fix, sizeof(fix), 2);
	ck_assert_int_eq(ctl_diagnosis_add(d, "error", "M\xc3\xbcnchen", cause, fix), 0);
}

/* Every finding's every string at its maximum length. */
static void fill_diag_max(struct ctl_diagnosis *d)
{
	struct ctl_finding f;
	unsigned int seed = 3;

	memset(d, 0, sizeof(*d));
	for (unsigned int i = 0; i < 2; i++) {
		MAXS(f.severity);
		MAXS(f.subject);
		MAXS(f.cause);
		MAXS(f.fix);
		ck_assert_int_eq(ctl_diagnosis_add(d, f.severity, f.subject, f.cause, f.fix), 0);
		ck_assert_str_eq(d->findings[i].cause, f.cause); /* not cut */
	}
}

/* ---- decoding through a common shape, for the generic walks ---- */

struct codec {
	const char *what;
	int (*dec)(const char *json, size_t len, void *out);
	void (*release)(void *out);
	const char *(*eq)(const void *a, const void *b);
	size_t size;
};

union decoded {
	struct ctl_status s;
	struct ctl_diagnosis d;
};

static int dec_status(const char *j, size_t n, void *o)
{
	return ctl_status_from_json(j, n, o);
}

static void free_status(void *o)
{
	ctl_status_free(o);
}

static const char *eq_status(const void *a, const void *b)
{
	return ctl_eq_status(a, b);
}

static int dec_diag(const char *j, size_t n, void *o)
{
	return ctl_diagnosis_from_json(j, n, o);
}

static void free_diag(void *o)
{
	ctl_diagnosis_free(o);
}

static const char *eq_diag(const void *a, const void *b)
{
	return ctl_eq_diagnosis(a, b);
}

static const struct codec status_codec = { "status", dec_status, free_status, eq_status,
					   sizeof(struct ctl_status) };
static const struct codec diag_codec = { "diagnosis", dec_diag, free_diag, eq_diag,
					 sizeof(struct ctl_diagnosis) };

static bool is_zero(const void *p, size_t n)
{
	static const union decoded zero;

	return !memcmp(p, &zero, n);
}

/* The decoder refuses @json[0..len) and leaves nothing allocated. */
static void expect_reject(const struct codec *c, const char *json, size_t len, const char *what)
{
	union decoded out;
	int err;

	memset(&out, 0xa5, sizeof(out)); /* the decoder must clear it */
	err = c->dec(json, len, &out);
	ck_assert_msg(err == -EBADMSG, "%s %s: got %d for %.*s", c->what, what, err,
		      (int)(len < 300 ? len : 300), json);
	ck_assert_msg(is_zero(&out, c->size), "%s %s: output not cleared", c->what, what);
}

static void expect_accept(const struct codec *c, const char *json, size_t len, const void *want,
			  const char *what)
{
	union decoded out;
	const char *diff;
	int err;

	err = c->dec(json, len, &out);
	ck_assert_msg(!err, "%s %s: got %d for %.*s", c->what, what, err,
		      (int)(len < 300 ? len : 300), json);
	diff = c->eq(want, &out);
	ck_assert_msg(!diff, "%s %s: %s differs", c->what, what, diff);
	c->release(&out);
}

static const char *tree_text(json_object *root)
{
	return json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
}

static void reject_tree(const struct codec *c, json_object *root, const char *what)
{
	const char *t = tree_text(root);

	expect_reject(c, t, strlen(t), what);
}

static void accept_tree(const struct codec *c, json_object *root, const void *want,
			const char *what)
{
	const char *t = tree_text(root);

	expect_accept(c, t, strlen(t), want, what);
}

/* Every member and array element of a parsed document, as a slot. */
struct slot {
	json_object *parent;
	char *key;  /* member name; NULL for an array element */
	size_t idx; /* array element index */
	char *name; /* the member, or for an element its array's member */
};

#define MAX_SLOTS 4096
static struct slot slots[MAX_SLOTS];
static unsigned int n_slots;

static void add_slot(json_object *parent, const char *key, size_t idx, const char *name)
{
	ck_assert_uint_lt(n_slots, MAX_SLOTS);
	slots[n_slots].parent = parent;
	slots[n_slots].key = key ? strdup(key) : NULL;
	slots[n_slots].idx = idx;
	slots[n_slots].name = strdup(name);
	n_slots++;
}

static void collect(json_object *node, const char *name)
{
	if (json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, k, v)
		{
			add_slot(node, k, 0, k);
			collect(v, k);
		}
	} else if (json_object_is_type(node, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(node); i++) {
			add_slot(node, NULL, i, name);
			collect(json_object_array_get_idx(node, i), name);
		}
	}
}

static void slots_free(void)
{
	for (unsigned int i = 0; i < n_slots; i++) {
		free(slots[i].key);
		free(slots[i].name);
	}
	n_slots = 0;
}

static json_object *slot_get(const struct slot *s)
{
	json_object *v = NULL;

	if (s->key)
		ck_assert(json_object_object_get_ex(s->parent, s->key, &v));
	else
		v = json_object_array_get_idx(s->parent, s->idx);
	return v;
}

/* Puts @v (consumed; NULL is JSON null) in the slot; returns the old value,
 * a reference the caller owns. */
static json_object *slot_swap(const struct slot *s, json_object *v)
{
	json_object *old = json_object_get(slot_get(s));

	if (s->key)
		ck_assert_int_eq(json_object_object_add(s->parent, s->key, v), 0);
	else
		ck_assert_int_eq(json_object_array_put_idx(s->parent, s->idx, v), 0);
	return old;
}

static void slot_restore(const struct slot *s, json_object *old)
{
	json_object_put(slot_swap(s, old));
}

static json_object *parse_doc(const char *json)
{
	json_object *root = json_tokener_parse(json);

	ck_assert_ptr_nonnull(root);
	n_slots = 0;
	collect(root, "");
	return root;
}

/* An age (null = never) takes an integer or null; everything else one type. */
static bool nullable(const struct slot *s)
{
	size_t n = strlen(s->name);

	return s->key && n > 3 && !strcmp(s->name + n - 3, "_ms") && strcmp(s->name, "uptime_ms");
}

static const char *slot_what(const struct slot *s, const char *change)
{
	static char buf[160];

	snprintf(buf, sizeof(buf), "%s %s[%zu] %s", s->key ? "member" : "element", s->name, s->idx,
		 change);
	return buf;
}

/* ---- round trips ---- */

static char *encode_status(const struct ctl_status *s)
{
	char *json = NULL;

	ck_assert_int_eq(ctl_status_to_json(s, &json), 0);
	ck_assert_ptr_nonnull(json);
	return json;
}

static void roundtrip_status(const struct ctl_status *s)
{
	struct ctl_status back;
	const char *diff;
	char *json = encode_status(s), *again;

	ck_assert_int_eq(ctl_status_from_json(json, strlen(json), &back), 0);
	diff = ctl_eq_status(s, &back);
	ck_assert_msg(!diff, "%s differs after the round trip", diff);
	/* The encoding is a function of the struct: the same text again. */
	again = encode_status(&back);
	ck_assert_str_eq(json, again);
	free(again);
	free(json);
	ctl_status_free(&back);
}

START_TEST(status_roundtrip_full)
{
	struct ctl_status s;
	char *json;

	fill_full(&s);
	roundtrip_status(&s);
	/* The schema is the member names; spot-check the forms ctl.h promises. */
	json = encode_status(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"registries\":[{\"address\":\"192.0.2.1:9350\","
					   "\"connected\":true,\"last_contact_ms\":1234}"));
	ck_assert_ptr_nonnull(strstr(json, "\"last_contact_ms\":null"));
	ck_assert_ptr_nonnull(strstr(json, "\"config_version\":18364758544493064720,"));
	ck_assert_ptr_nonnull(strstr(json, "\"key_id\":-32768,"));
	ck_assert_ptr_nonnull(strstr(json, "\"subnets\":[{\"prefix\":\"10.20.0.0/16\","
					   "\"metric\":100,\"flags\":1}"));
	ck_assert_ptr_nonnull(strstr(json, "\"reg\":[{\"connected\":true,"));
	ck_assert_ptr_null(strchr(json, '\n'));
	free(json);
	ctl_status_free(&s);
}
END_TEST

START_TEST(status_roundtrip_max)
{
	struct ctl_status s;

	fill_max(&s);
	roundtrip_status(&s);
	ctl_status_free(&s);
}
END_TEST

START_TEST(status_empty)
{
	static const char want[] =
		"{\"interface\":\"\",\"name\":\"\",\"public_key\":\"\",\"role\":\"\","
		"\"config_version\":0,\"uptime_ms\":0,\"registries\":[],\"uplinks\":[],"
		"\"peers\":[],\"routes\":[]}";
	struct ctl_status s, back;
	char *json;

	ck_assert_int_eq(ctl_status_alloc(&s, 0, 0), 0);
	ck_assert_ptr_null(s.peers);
	ck_assert_ptr_null(s.routes);
	json = encode_status(&s);
	ck_assert_str_eq(json, want);
	ck_assert_int_eq(ctl_status_from_json(json, strlen(json), &back), 0);
	ck_assert_ptr_null(ctl_eq_status(&s, &back));
	ck_assert_ptr_null(back.peers);
	ck_assert_ptr_null(back.routes);
	free(json);
	ctl_status_free(&back);
	ctl_status_free(&s);
}
END_TEST

START_TEST(diagnosis_roundtrip)
{
	struct ctl_diagnosis d, back, empty = { 0 };
	const char *diff;
	char *json, *again;

	fill_diag(&d);
	ck_assert_int_eq(ctl_diagnosis_to_json(&d, &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "{\"findings\":[{\"severity\":\"ok\",\"subject\":"
					   "\"registry\",\"cause\":\"registry 192.0.2.1:9350 "
					   "answers\",\"fix\":\"\"},"));
	ck_assert_int_eq(ctl_diagnosis_from_json(json, strlen(json), &back), 0);
	diff = ctl_eq_diagnosis(&d, &back);
	ck_assert_msg(!diff, "%s differs", diff);
	ck_assert_int_eq(ctl_diagnosis_to_json(&back, &again), 0);
	ck_assert_str_eq(json, again);
	free(again);
	free(json);
	ctl_diagnosis_free(&back);
	ctl_diagnosis_free(&d);

	ck_assert_int_eq(ctl_diagnosis_to_json(&empty, &json), 0);
	ck_assert_str_eq(json, "{\"findings\":[]}");
	ck_assert_int_eq(ctl_diagnosis_from_json(json, strlen(json), &back), 0);
	ck_assert_uint_eq(back.n_findings, 0);
	ck_assert_ptr_null(back.findings);
	free(json);
}
END_TEST

START_TEST(diagnosis_add)
{
	struct ctl_diagnosis d = { 0 };
	char long_text[2 * CTL_TEXT_MAX], name[CTL_NAME_MAX + 1];
	size_t n;

	/* A sentence too long is cut, never split inside a UTF-8 character:
	 * "ü" (2 bytes) straddles the last byte of the buffer. */
	memset(long_text, 'a', sizeof(long_text));
	long_text[CTL_TEXT_MAX - 2] = '\xc3';
	long_text[CTL_TEXT_MAX - 1] = '\xbc';
	long_text[sizeof(long_text) - 1] = '\0';
	ck_assert_int_eq(ctl_diagnosis_add(&d, "warn", "wan1", long_text, long_text + 10), 0);
	n = strlen(d.findings[0].cause);
	ck_assert_uint_eq(n, CTL_TEXT_MAX - 2);
	ck_assert(!memcmp(d.findings[0].cause, long_text, n));
	/* Shifted by 10 bytes the cut lands on plain ASCII: all that fits. */
	ck_assert_uint_eq(strlen(d.findings[0].fix), CTL_TEXT_MAX - 1);
	/* NULL is "". */
	ck_assert_int_eq(ctl_diagnosis_add(&d, "ok", NULL, "fine", NULL), 0);
	ck_assert_str_eq(d.findings[1].subject, "");
	ck_assert_str_eq(d.findings[1].fix, "");
	/* Names are not cut: that would name something else. */
	ck_assert_int_eq(ctl_diagnosis_add(&d, "critical", "x", "c", "f"), -ENAMETOOLONG);
	memset(name, 'n', sizeof(name));
	name[CTL_NAME_MAX] = '\0';
	ck_assert_int_eq(ctl_diagnosis_add(&d, "error", name, "c", "f"), -ENAMETOOLONG);
	name[CTL_NAME_MAX - 1] = '\0';
	ck_assert_int_eq(ctl_diagnosis_add(&d, "error", name, "c", "f"), 0);
	ck_assert_uint_eq(d.n_findings, 3);
	ck_assert_str_eq(d.findings[2].subject, name);
	ctl_diagnosis_free(&d);
	ck_assert_uint_eq(d.n_findings, 0);
	ck_assert_ptr_null(d.findings);
	ctl_diagnosis_free(&d); /* twice is harmless */
}
END_TEST

START_TEST(alloc_and_free)
{
	struct ctl_status s;

	memset(&s, 0, sizeof(s));
	ctl_status_free(&s); /* a zeroed status */
	ck_assert_int_eq(ctl_status_alloc(&s, 2, 3), 0);
	ck_assert_uint_eq(s.n_peers, 2);
	ck_assert_uint_eq(s.n_routes, 3);
	ck_assert_str_eq(s.routes[2].reason, "");
	ck_assert_int_eq(ctl_peer_alloc_subnets(&s.peers[1], 4), 0);
	ck_assert_uint_eq(s.peers[1].n_subnets, 4);
	/* Replacing frees the old array (LeakSanitizer would say otherwise). */
	ck_assert_int_eq(ctl_peer_alloc_subnets(&s.peers[1], 2), 0);
	ck_assert_uint_eq(s.peers[1].n_subnets, 2);
	ck_assert_int_eq(ctl_peer_alloc_subnets(&s.peers[0], 0), 0);
	ck_assert_ptr_null(s.peers[0].subnets);
	ctl_status_free(&s);
	ck_assert_uint_eq(s.n_peers, 0);
	ck_assert_ptr_null(s.peers);
	ctl_status_free(&s); /* twice is harmless */
}
END_TEST

START_TEST(encode_rejects_bad_structs)
{
	struct ctl_status s;
	struct ctl_diagnosis d = { .n_findings = 1 };
	char *json = (char *)1;

	fill_full(&s);
	s.n_registries = 3;
	ck_assert_int_eq(ctl_status_to_json(&s, &json), -EINVAL);
	ck_assert_ptr_null(json);
	s.n_registries = 2;
	s.peers[0].n_paths = 5;
	ck_assert_int_eq(ctl_status_to_json(&s, &json), -EINVAL);
	s.peers[0].n_paths = 4;
	memset(s.uplinks[1].nat, 'x', sizeof(s.uplinks[1].nat)); /* no NUL */
	ck_assert_int_eq(ctl_status_to_json(&s, &json), -EINVAL);
	s.uplinks[1].nat[0] = '\0';
	s.config_version = UINT64_MAX;
	ck_assert_int_eq(ctl_status_to_json(&s, &json), -EINVAL);
	s.config_version = 1;
	ck_assert_int_eq(ctl_status_to_json(&s, &json), 0);
	free(json);
	ctl_status_free(&s);
	/* A count with no array behind it. */
	ck_assert_int_eq(ctl_diagnosis_to_json(&d, &json), -EINVAL);
}
END_TEST

/* ---- what the decoder refuses ---- */

static void every_cut(const struct codec *c, const char *json)
{
	size_t len = strlen(json);

	for (size_t n = 0; n < len; n++) {
		/* An exact-size copy: reading past n is an ASan report. */
		char *cut = malloc(n ? n : 1);
		char what[32];

		memcpy(cut, json, n);
		snprintf(what, sizeof(what), "cut at %zu", n);
		expect_reject(c, cut, n, what);
		free(cut);
	}
}

START_TEST(every_truncation_rejected)
{
	struct ctl_status s;
	struct ctl_diagnosis d;
	char *json;

	fill_full(&s);
	json = encode_status(&s);
	every_cut(&status_codec, json);
	free(json);
	ctl_status_free(&s);

	fill_diag(&d);
	ck_assert_int_eq(ctl_diagnosis_to_json(&d, &json), 0);
	every_cut(&diag_codec, json);
	free(json);
	ctl_diagnosis_free(&d);
}
END_TEST

enum repl { R_STRING, R_INT, R_BOOL, R_DOUBLE, R_NULL, R_ARRAY, R_OBJECT, R_MAX };

static json_object *make_repl(enum repl r)
{
	switch (r) {
	case R_STRING:
		return json_object_new_string("7");
	case R_INT:
		return json_object_new_int(1);
	case R_BOOL:
		return json_object_new_boolean(1);
	case R_DOUBLE:
		return json_object_new_double(1.0); /* "1.0": integral, still not an integer */
	case R_NULL:
		return NULL;
	case R_ARRAY:
		return json_object_new_array();
	default:
		return json_object_new_object();
	}
}

static const enum json_type repl_type[R_MAX] = {
	json_type_string, json_type_int,   json_type_boolean, json_type_double,
	json_type_null,	  json_type_array, json_type_object,
};

/* Each member and element given each other JSON type, then each member
 * removed: all refused. Then an unknown member added to every object: all
 * accepted as the same struct. */
static void wrong_types(const struct codec *c, const char *json, const void *want)
{
	json_object *root = parse_doc(json);

	for (unsigned int i = 0; i < n_slots; i++) {
		const struct slot *s = &slots[i];
		enum json_type t = json_object_get_type(slot_get(s));

		for (enum repl r = 0; r < R_MAX; r++) {
			json_object *old;

			if (repl_type[r] == t || (nullable(s) && (repl_type[r] == json_type_int ||
								  repl_type[r] == json_type_null)))
				continue;
			old = slot_swap(s, make_repl(r));
			reject_tree(c, root, slot_what(s, json_type_to_name(repl_type[r])));
			slot_restore(s, old);
		}
		if (s->key) {
			json_object *old = json_object_get(slot_get(s));

			json_object_object_del(s->parent, s->key);
			reject_tree(c, root, slot_what(s, "missing"));
			ck_assert_int_eq(json_object_object_add(s->parent, s->key, old), 0);
		}
	}
	accept_tree(c, root, want, "unchanged");
	/* Forward compatibility: members we do not know are skipped. */
	for (unsigned int i = 0; i < n_slots; i++) {
		json_object *v = slot_get(&slots[i]);

		if (json_object_is_type(v, json_type_object))
			json_object_object_add(v, "added_later",
					       json_tokener_parse("[{\"x\":null}]"));
	}
	json_object_object_add(root, "added_later", json_object_new_int(1));
	accept_tree(c, root, want, "with unknown members");
	slots_free();
	json_object_put(root);
}

START_TEST(wrong_types_rejected)
{
	struct ctl_status s;
	struct ctl_diagnosis d;
	char *json;

	fill_full(&s);
	json = encode_status(&s);
	wrong_types(&status_codec, json, &s);
	free(json);
	ctl_status_free(&s);

	fill_diag(&d);
	ck_assert_int_eq(ctl_diagnosis_to_json(&d, &json), 0);
	wrong_types(&diag_codec, json, &d);
	free(json);
	ctl_diagnosis_free(&d);
}
END_TEST

static bool fixed_array(const char *name)
{
	static const char *const names[] = { "registries", "uplinks", "reg", "endpoints", "paths" };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* On the all-maximum document: every string one byte longer, every integer
 * one more (and below zero), every fixed array one element longer, all
 * refused. */
static void beyond_bounds(const struct codec *c, const char *json)
{
	json_object *root = parse_doc(json);

	for (unsigned int i = 0; i < n_slots; i++) {
		const struct slot *s = &slots[i];
		json_object *v = slot_get(s), *old;

		if (!s->key)
			continue;
		if (json_object_is_type(v, json_type_string)) {
			char *longer;

			ck_assert_int_gt(asprintf(&longer, "%sx", json_object_get_string(v)), 0);
			old = slot_swap(s, json_object_new_string(longer));
			reject_tree(c, root, slot_what(s, "one byte too long"));
			slot_restore(s, old);
			free(longer);
			/* No room for a C string's NUL inside. */
			old = slot_swap(s, json_object_new_string_len("a\0b", 3));
			reject_tree(c, root, slot_what(s, "with a NUL"));
			slot_restore(s, old);
		} else if (json_object_is_type(v, json_type_int)) {
			uint64_t u = json_object_get_uint64(v);

			ck_assert_int_ge(json_object_get_int64(v), 0);
			old = slot_swap(s, json_object_new_uint64(u + 1));
			reject_tree(c, root, slot_what(s, "one above its maximum"));
			slot_restore(s, old);
			if (strcmp(s->name, "key_id")) {
				old = slot_swap(s, json_object_new_int(-1));
				reject_tree(c, root, slot_what(s, "negative"));
				slot_restore(s, old);
			}
		} else if (json_object_is_type(v, json_type_array) && fixed_array(s->name)) {
			json_object *first = json_object_array_get_idx(v, 0);

			ck_assert_ptr_nonnull(first);
			ck_assert_int_eq(json_object_array_add(v, json_object_get(first)), 0);
			reject_tree(c, root, slot_what(s, "one element too many"));
			json_object_array_del_idx(v, json_object_array_length(v) - 1, 1);
			if (!strcmp(s->name, "reg")) {
				/* Always one entry per registry, two. */
				json_object_get(first);
				json_object_array_del_idx(v, 0, 1);
				reject_tree(c, root, slot_what(s, "one element short"));
				json_object_array_add(v, first);
			}
		}
	}
	slots_free();
	json_object_put(root);
}

START_TEST(beyond_bounds_rejected)
{
	struct ctl_status s;
	struct ctl_diagnosis d;
	char *json;

	fill_max(&s);
	json = encode_status(&s);
	beyond_bounds(&status_codec, json);
	free(json);
	ctl_status_free(&s);

	fill_diag_max(&d);
	ck_assert_int_eq(ctl_diagnosis_to_json(&d, &json), 0);
	beyond_bounds(&diag_codec, json);
	free(json);
	ctl_diagnosis_free(&d);
}
END_TEST

/* The empty status with @from replaced by @to. */
static char *empty_with(const char *from, const char *to)
{
	static const char doc[] =
		"{\"interface\":\"\",\"name\":\"\",\"public_key\":\"\",\"role\":\"\","
		"\"config_version\":0,\"uptime_ms\":0,\"registries\":[],\"uplinks\":[],"
		"\"peers\":[],\"routes\":[]}";
	const char *at = strstr(doc, from);
	char *out;

	ck_assert_ptr_nonnull(at);
	ck_assert_int_gt(asprintf(&out, "%.*s%s%s", (int)(at - doc), doc, to, at + strlen(from)),
			 0);
	return out;
}

static void text_case(const char *from, const char *to, bool ok)
{
	struct ctl_status s;
	char *json = empty_with(from, to);
	int err = ctl_status_from_json(json, strlen(json), &s);

	ck_assert_msg(ok ? !err : err == -EBADMSG, "%s: got %d", json, err);
	ctl_status_free(&s);
	free(json);
}

START_TEST(text_edge_cases)
{
	static const char *const not_documents[] = { "",  " ",	   "null", "[]",
						     "1", "\"x\"", "{}",   "{\"findings\":{}}" };
	struct ctl_status s;
	struct ctl_diagnosis d;
	char buf[512];

	for (unsigned int i = 0; i < sizeof(not_documents) / sizeof(not_documents[0]); i++) {
		expect_reject(&status_codec, not_documents[i], strlen(not_documents[i]),
			      not_documents[i]);
		expect_reject(&diag_codec, not_documents[i], strlen(not_documents[i]),
			      not_documents[i]);
	}
	/* Numbers json-c would clamp, or that are not integers. */
	text_case("\"config_version\":0", "\"config_version\":18446744073709551614", true);
	text_case("\"config_version\":0", "\"config_version\":18446744073709551615", false);
	text_case("\"config_version\":0", "\"config_version\":99999999999999999999", false);
	text_case("\"config_version\":0", "\"config_version\":-9223372036854775809", false);
	text_case("\"config_version\":0", "\"config_version\":1e3", false);
	text_case("\"config_version\":0", "\"config_version\":-0", true);
	text_case("\"config_version\":0", "\"config_version\":\"0\"", false);
	/* uptime is no age: never null. */
	text_case("\"uptime_ms\":0", "\"uptime_ms\":null", false);
	/* One document, whitespace after it allowed, nothing else. */
	text_case("\"routes\":[]}", "\"routes\":[]} \r\n\t", true);
	text_case("\"routes\":[]}", "\"routes\":[]} x", false);
	text_case("\"routes\":[]}", "\"routes\":[]}{}", false);
	text_case("\"routes\":[]}", "\"routes\":[],}", false);
	/* Bytes after an embedded NUL are still part of the input. */
	snprintf(buf, sizeof(buf), "{\"findings\":[]}");
	ck_assert_int_eq(ctl_diagnosis_from_json(buf, strlen(buf) + 2, &d), -EBADMSG);
	ck_assert_int_eq(ctl_diagnosis_from_json(buf, strlen(buf), &d), 0);
	/* Too large to be an answer: refused before a byte is read. */
	ck_assert_int_eq(ctl_status_from_json(buf, (size_t)CTL_MAX_ANSWER + 1, &s), -EMSGSIZE);
	ck_assert(is_zero(&s, sizeof(s)));
}
END_TEST

/* ---- socket path ---- */

START_TEST(sock_path)
{
	static const char *const bad[] = { "",	  ".",	  "..",	  "a/b",   "/",
					   "a b", "a\tb", "a\nb", "av0:1", "0123456789abcdef" };
	char buf[64];

	ck_assert_int_eq(ctl_sock_path("av0", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "@autovpn/av0");
	ck_assert_int_eq(ctl_sock_path("0123456789abcde", buf, sizeof(buf)), 0); /* 15 bytes */
	ck_assert_str_eq(buf, CTL_SOCK_PREFIX "0123456789abcde");
	ck_assert_int_eq(ctl_sock_path("...", buf, sizeof(buf)), 0);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ctl_sock_path(bad[i], buf, sizeof(buf)) == -EINVAL, "'%s'", bad[i]);
	ck_assert_int_eq(ctl_sock_path(NULL, buf, sizeof(buf)), -EINVAL);
	/* "@autovpn/av0" is 12 bytes + NUL. */
	ck_assert_int_eq(ctl_sock_path("av0", buf, 12), -ENAMETOOLONG);
	ck_assert_int_eq(ctl_sock_path("av0", buf, 13), 0);
}
END_TEST

/* ---- the client against a forked server ---- */

enum srv_mode {
	SRV_ANSWER,
	SRV_BIG,
	SRV_AT_MAX,
	SRV_OVER_MAX,
	SRV_HANG_UP,
	SRV_SILENT,
	SRV_TRICKLE,
	SRV_PACED,
	SRV_REFUSE
};

#define BIG_ANSWER (3u << 20)

struct srv {
	char dir[64];
	char path[108];
	pid_t pid;
	int hold; /* SRV_SILENT: the server waits until this closes */
};

static char pattern(size_t i)
{
	return (char)('a' + i % 23);
}

/*
 * Writes @n bytes of the pattern, 64 KiB at a time, @pause_ms after each;
 * errors ignored (the client may leave).
 */
static void srv_write_pattern(int fd, size_t n, unsigned int pause_ms)
{
	char chunk[65536];
	size_t off = 0;

	while (off < n) {
		size_t k = n - off < sizeof(chunk) ? n - off : sizeof(chunk), done = 0;

		for (size_t i = 0; i < k; i++)
			chunk[i] = pattern(off + i);
		while (done < k) {
			ssize_t w = send(fd, chunk + done, k - done, MSG_NOSIGNAL);

			if (w <= 0)
				return;
			done += (size_t)w;
		}
		off += k;
		if (pause_ms)
			unit_sleep_ms(pause_ms);
	}
}

/* The child: one connection; exit 0 iff the request was "status\n". */
static void srv_run(int lfd, enum srv_mode mode, int hold)
{
	char req[CTL_MAX_REQUEST + 1];
	size_t got = 0;
	int fd = accept(lfd, NULL, NULL);
	bool ok;

	if (fd < 0)
		_exit(3);
	if (mode == SRV_REFUSE) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/*
		 * autovpnd's refusal of a user that is not root, in the order
		 * that resets the connection: the answer and EOF first, then
		 * the close with the request unread in our queue.
		 */
		dprintf(fd, "{\"error\":\"permission denied: root only\"}\n");
		shutdown(fd, SHUT_WR);
		_exit(poll(&pfd, 1, 5000) == 1 ? 0 : 4);
	}
	/* The client shuts its side after the line: read to EOF. */
	while (got < sizeof(req) - 1) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req[got] = '\0';
	ok = !strcmp(req, "status\n");
	switch (mode) {
	case SRV_ANSWER:
		dprintf(fd, "{\"answer\":\"to %.*s\"}", (int)got - 1, req);
		break;
	case SRV_BIG:
		srv_write_pattern(fd, BIG_ANSWER, 0);
		break;
	case SRV_AT_MAX:
		srv_write_pattern(fd, CTL_MAX_ANSWER, 0);
		break;
	case SRV_OVER_MAX:
		srv_write_pattern(fd, (size_t)CTL_MAX_ANSWER + 1, 0);
		break;
	case SRV_HANG_UP:
	case SRV_REFUSE: /* answered above */
		break;
	case SRV_PACED:
		/* 4 MiB at 64 KiB per 25 ms (2.6 MB/s): about 1.6 s. */
		srv_write_pattern(fd, 4u << 20, 25);
		break;
	case SRV_TRICKLE: {
		struct pollfd h = { .fd = hold, .events = POLLIN };

		/* A byte every 20 ms, never the end, until told (or the client goes). */
		while (send(fd, "{", 1, MSG_NOSIGNAL) == 1 && poll(&h, 1, 20) == 0)
			;
		break;
	}
	case SRV_SILENT: {
		char c;

		/* Answers nothing and keeps the connection until told. */
		while (read(hold, &c, 1) > 0)
			;
		break;
	}
	}
	close(fd);
	_exit(ok ? 0 : 2);
}

static void srv_start(struct srv *s, enum srv_mode mode)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, hold[2];

	snprintf(s->dir, sizeof(s->dir), "/tmp/test_ctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/av0.sock", s->dir);
	memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	/* Listening before the fork: the client never races the server. */
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(pipe(hold), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (!s->pid) {
		/* Never outlives a failed test that did not connect or release it. */
		alarm(60);
		close(hold[1]);
		srv_run(lfd, mode, hold[0]);
	}
	close(hold[0]);
	close(lfd);
	s->hold = hold[1];
}

/* Lets the server go and checks it saw exactly "status\n". */
static void srv_stop(struct srv *s)
{
	int status;

	close(s->hold);
	ck_assert_int_eq(waitpid(s->pid, &status, 0), s->pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server status %#x", status);
	unlink(s->path);
	rmdir(s->dir);
}

static void check_pattern(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != pattern(i))
			ck_abort_msg("answer byte %zu differs", i);
}

START_TEST(request_answer)
{
	struct srv s;
	char *ans;
	size_t len;

	srv_start(&s, SRV_ANSWER);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 2000, &ans, &len), 0);
	ck_assert_str_eq(ans, "{\"answer\":\"to status\"}");
	ck_assert_uint_eq(len, strlen(ans));
	free(ans);
	srv_stop(&s);
}
END_TEST

START_TEST(request_big_answers)
{
	struct srv s;
	char *ans;
	size_t len;

	/* Several reads and buffer growths. */
	srv_start(&s, SRV_BIG);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 10000, &ans, &len), 0);
	ck_assert_uint_eq(len, BIG_ANSWER);
	ck_assert_int_eq(ans[len], '\0');
	check_pattern(ans, len);
	free(ans);
	srv_stop(&s);

	/* The limit itself is allowed ... */
	srv_start(&s, SRV_AT_MAX);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 10000, &ans, &len), 0);
	ck_assert_uint_eq(len, CTL_MAX_ANSWER);
	check_pattern(ans, len);
	free(ans);
	srv_stop(&s);

	/* ... one byte more is not. */
	srv_start(&s, SRV_OVER_MAX);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 10000, &ans, &len), -EMSGSIZE);
	ck_assert_ptr_null(ans);
	ck_assert_uint_eq(len, 0);
	srv_stop(&s);
}
END_TEST

/*
 * A server that answers and closes with the request unread resets the
 * connection: the client must still take the answer it read before the
 * reset (the tool said "hung up without an answer" instead).
 */
START_TEST(request_answer_then_reset)
{
	struct srv s;
	char *ans;
	size_t len;

	srv_start(&s, SRV_REFUSE);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 2000, &ans, &len), 0);
	ck_assert_str_eq(ans, "{\"error\":\"permission denied: root only\"}\n");
	free(ans);
	srv_stop(&s);
}
END_TEST

START_TEST(request_no_answer)
{
	struct srv s;
	char *ans;
	size_t len;

	srv_start(&s, SRV_HANG_UP);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 2000, &ans, &len), -ENODATA);
	ck_assert_ptr_null(ans);
	srv_stop(&s);

	/* The server holds the connection and says nothing: the answer's
	 * deadline ends it (the server is only released afterwards, so this
	 * cannot pass by the server closing early). */
	srv_start(&s, SRV_SILENT);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 200, &ans, &len), -ETIMEDOUT);
	ck_assert_ptr_null(ans);
	srv_stop(&s);
}
END_TEST

/*
 * A server that sends a byte every 20 ms and never ends: a timeout per
 * read never fires, and the client used to wait until the server let go.
 * The answer's deadline (300 ms, plus 1 ms per KiB come) gives up on it.
 * The bound is 10x the deadline: "at the deadline", not "never".
 */
START_TEST(request_trickled_answer)
{
	struct srv s;
	uint64_t t0, ms;
	char *ans;
	size_t len;

	srv_start(&s, SRV_TRICKLE);
	t0 = clock_mono_ms();
	ck_assert_int_eq(ctl_request_path(s.path, "status", 300, &ans, &len), -ETIMEDOUT);
	ms = clock_mono_ms() - t0;
	ck_assert_ptr_null(ans);
	ck_assert_uint_ge(ms, 299);
	ck_assert_uint_lt(ms, 3000);
	srv_stop(&s);

	/*
	 * ... while a large answer that keeps coming faster than 1 MB/s
	 * gets 1 ms more per 1,048 bytes: 4 MiB in about 1.6 s, past the
	 * 1,000 ms base, arrive whole (the pace is 2.5x what it needs, and
	 * the base leaves a second for a slow start).
	 */
	srv_start(&s, SRV_PACED);
	ck_assert_int_eq(ctl_request_path(s.path, "status", 1000, &ans, &len), 0);
	ck_assert_uint_eq(len, 4u << 20);
	check_pattern(ans, len);
	free(ans);
	srv_stop(&s);
}
END_TEST

START_TEST(request_listener_not_root)
{
	/*
	 * The abstract namespace is anyone's: a listener that is not root
	 * (a squatter) is not believed, whatever it would answer.
	 */
	char path[64];
	int ready[2], hold[2], status;
	char c, *ans;
	size_t len;
	pid_t pid;

	snprintf(path, sizeof(path), "@test_ctl.%d", (int)getpid());
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(hold), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct sockaddr_un sun;
		int alen, lfd, fd;

		alarm(60);
		close(hold[1]);
		close(ready[0]);
		if (!geteuid() && (setgid(65534) || setuid(65534)))
			_exit(3);
		alen = ctl_sockaddr(path, &sun);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (alen < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&sun, (socklen_t)alen) ||
		    listen(lfd, 1))
			_exit(4);
		if (write(ready[1], "r", 1) != 1)
			_exit(5);
		fd = accept(lfd, NULL, NULL);
		/* The client leaves without reading: no SIGPIPE for us. */
		if (fd >= 0)
			send(fd, "{}", 2, MSG_NOSIGNAL);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(ctl_request_path(path, "status", 2000, &ans, &len), -EPERM);
	ck_assert_ptr_null(ans);
	close(hold[1]);
	close(ready[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "listener status %#x", status);
}
END_TEST

START_TEST(request_no_daemon)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/test_ctl.XXXXXX", path[108], longpath[200], *ans = (char *)1;
	size_t len = 1;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/av0.sock", dir);
	ck_assert_int_eq(ctl_request_path(path, "status", 1000, &ans, &len), -ENOENT);
	ck_assert_ptr_null(ans);
	ck_assert_uint_eq(len, 0);
	/* A socket file left behind by a daemon that is gone. */
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(ctl_request_path(path, "status", 1000, &ans, &len), -ECONNREFUSED);
	unlink(path);
	rmdir(dir);

	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(ctl_request_path(longpath, "status", 1000, &ans, &len), -ENAMETOOLONG);
	ck_assert_int_eq(ctl_request("bad/name", "status", &ans, &len), -EINVAL);
	ck_assert_ptr_null(ans);
}
END_TEST

START_TEST(request_validated_first)
{
	char req[CTL_MAX_REQUEST + 1], *ans;
	size_t len;

	/* Checked before any connect: -EINVAL, not the path's -ENOENT. */
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", "", 1000, &ans, &len), -EINVAL);
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", "sta\ntus", 1000, &ans, &len),
			 -EINVAL);
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", "st\x01", 1000, &ans, &len),
			 -EINVAL);
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", "status", 0, &ans, &len), -EINVAL);
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", NULL, 1000, &ans, &len), -EINVAL);
	/* With its newline a request fills CTL_MAX_REQUEST at most. */
	memset(req, 'r', sizeof(req));
	req[CTL_MAX_REQUEST] = '\0';
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", req, 1000, &ans, &len), -EINVAL);
	req[CTL_MAX_REQUEST - 1] = '\0';
	ck_assert_int_eq(ctl_request_path("/nonexistent/x.sock", req, 1000, &ans, &len), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");

	tcase_add_test(tc, status_roundtrip_full);
	tcase_add_test(tc, status_roundtrip_max);
	tcase_add_test(tc, status_empty);
	tcase_add_test(tc, diagnosis_roundtrip);
	tcase_add_test(tc, diagnosis_add);
	tcase_add_test(tc, alloc_and_free);
	tcase_add_test(tc, encode_rejects_bad_structs);
	tcase_add_test(tc, every_truncation_rejected);
	tcase_add_test(tc, wrong_types_rejected);
	tcase_add_test(tc, beyond_bounds_rejected);
	tcase_add_test(tc, text_edge_cases);
	tcase_add_test(tc, sock_path);
	tcase_add_test(tc, request_answer);
	tcase_add_test(tc, request_big_answers);
	tcase_add_test(tc, request_answer_then_reset);
	tcase_add_test(tc, request_no_answer);
	tcase_add_test(tc, request_trickled_answer);
	tcase_add_test(tc, request_no_daemon);
	tcase_add_test(tc, request_listener_not_root);
	tcase_add_test(tc, request_validated_first);
	/* A cap for the slow sanitizer build, not a speed assertion. */
	tcase_set_timeout(tc, 120);
	return unit_run(s, tc);
}
