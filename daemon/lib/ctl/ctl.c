// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the daemon <-> CLI codec and its client (see ctl.h).
 *
 * Each struct is described once, by a table of its members (name, JSON
 * kind, offset, size, capacity), and one walker encodes, decodes and frees
 * every struct from its table. The field names and the bounds therefore
 * cannot drift between encoder and decoder, and a member whose C type
 * changes either keeps working (the kind is derived with _Generic) or stops
 * compiling.
 */
#include <errno.h>
#include <json-c/json.h>
#include <net/if.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"
#include "ctl/ctl.h"

/* Our documents nest five deep; the rest is room for fields added later. */
#define CTL_MAX_DEPTH 16
#define CTL_READ_CHUNK (64u << 10)

enum ctl_kind {
	CTL_K_STR, /* char[size], NUL-terminated */
	CTL_K_BOOL,
	CTL_K_UINT,  /* unsigned integer of size bytes */
	CTL_K_INT,   /* signed integer of size bytes */
	CTL_K_AGE,   /* uint64_t milliseconds, CTL_NEVER as null */
	CTL_K_ARRAY, /* fixed array of max elements, count member or always full */
	CTL_K_LIST,  /* malloc'd array, count member */
};

struct ctl_struct;

struct ctl_field {
	const char *name;
	enum ctl_kind kind;
	size_t off;
	size_t size;	  /* string buffer, integer, or array element */
	size_t count_off; /* arrays: the uint32_t count; CTL_FULL: none, always max */
	uint32_t max;	  /* arrays: capacity */
	const struct ctl_struct *sub;
};

struct ctl_struct {
	const struct ctl_field *fields;
	unsigned int n;
};

#define CTL_FULL SIZE_MAX

#define CTL_M(T, m) (((T *)0)->m)
#define CTL_NELEM(T, m) (sizeof(CTL_M(T, m)) / sizeof(CTL_M(T, m)[0]))
/* No default case: a member of another type is a compile error. */
#define CTL_KIND(T, m) \
	_Generic(CTL_M(T, m), char *: CTL_K_STR, bool: CTL_K_BOOL, uint8_t: CTL_K_UINT, \
		 uint16_t: CTL_K_UINT, uint32_t: CTL_K_UINT, uint64_t: CTL_K_UINT,      \
		 int16_t: CTL_K_INT)
#define CTL_COUNT(T, c) _Generic(CTL_M(T, c), uint32_t : offsetof(T, c))

#define F(T, m)                                                            \
	{                                                                  \
		.name = #m, .kind = CTL_KIND(T, m), .off = offsetof(T, m), \
		.size = sizeof(CTL_M(T, m))                                \
	}
#define AGE(T, m)                                               \
	{                                                       \
		.name = #m,                                     \
		.kind = _Generic(CTL_M(T, m), uint64_t          \
				 : CTL_K_AGE),                  \
		.off = offsetof(T, m), .size = sizeof(uint64_t) \
	}
#define ARRAY(T, m, c, st)                                                    \
	{                                                                     \
		.name = #m, .kind = CTL_K_ARRAY, .off = offsetof(T, m),       \
		.size = sizeof(CTL_M(T, m)[0]), .count_off = CTL_COUNT(T, c), \
		.max = CTL_NELEM(T, m), .sub = &st                            \
	}
#define FULL_ARRAY(T, m, st)                                                                   \
	{                                                                                      \
		.name = #m, .kind = CTL_K_ARRAY, .off = offsetof(T, m),                        \
		.size = sizeof(CTL_M(T, m)[0]), .count_off = CTL_FULL, .max = CTL_NELEM(T, m), \
		.sub = &st                                                                     \
	}
#define LIST(T, m, c, st)                                                                      \
	{                                                                                      \
		.name = #m, .kind = CTL_K_LIST, .off = offsetof(T, m),                         \
		.size = sizeof(*CTL_M(T, m)), .count_off = CTL_COUNT(T, c), .max = UINT32_MAX, \
		.sub = &st                                                                     \
	}
#define STRUCT(name, ...)                                                \
	static const struct ctl_field name##_fields[] = { __VA_ARGS__ }; \
	static const struct ctl_struct name = { name##_fields,           \
						sizeof(name##_fields) / sizeof(name##_fields[0]) }

STRUCT(ctl_registry_st, F(struct ctl_registry, address), F(struct ctl_registry, connected),
       AGE(struct ctl_registry, last_contact_ms));

STRUCT(ctl_uplink_registry_st, F(struct ctl_uplink_registry, connected),
       F(struct ctl_uplink_registry, observed));

STRUCT(ctl_uplink_st, F(struct ctl_uplink, id), F(struct ctl_uplink, name),
       F(struct ctl_uplink, device), F(struct ctl_uplink, local), F(struct ctl_uplink, nat),
       F(struct ctl_uplink, mapped), F(struct ctl_uplink, highport),
       FULL_ARRAY(struct ctl_uplink, reg, ctl_uplink_registry_st));

STRUCT(ctl_endpoint_st, F(struct ctl_endpoint, uplink), F(struct ctl_endpoint, kind),
       F(struct ctl_endpoint, address));

STRUCT(ctl_path_st, F(struct ctl_path, id), F(struct ctl_path, local_uplink),
       F(struct ctl_path, remote_uplink), F(struct ctl_path, state), F(struct ctl_path, remote),
       F(struct ctl_path, reason), F(struct ctl_path, rtt_us), F(struct ctl_path, jitter_us),
       F(struct ctl_path, loss), AGE(struct ctl_path, changed_ms));

STRUCT(ctl_subnet_st, F(struct ctl_subnet, prefix), F(struct ctl_subnet, metric),
       F(struct ctl_subnet, flags));

STRUCT(ctl_peer_st, F(struct ctl_peer, name), F(struct ctl_peer, public_key),
       F(struct ctl_peer, id), F(struct ctl_peer, role), F(struct ctl_peer, hub_priority),
       F(struct ctl_peer, flags), F(struct ctl_peer, state), F(struct ctl_peer, reason),
       AGE(struct ctl_peer, handshake_ms), F(struct ctl_peer, key_id),
       ARRAY(struct ctl_peer, endpoints, n_endpoints, ctl_endpoint_st),
       ARRAY(struct ctl_peer, paths, n_paths, ctl_path_st),
       LIST(struct ctl_peer, subnets, n_subnets, ctl_subnet_st));

STRUCT(ctl_route_st, F(struct ctl_route, prefix), F(struct ctl_route, via),
       F(struct ctl_route, metric), F(struct ctl_route, decision), F(struct ctl_route, reason));

STRUCT(ctl_status_st, F(struct ctl_status, interface), F(struct ctl_status, name),
       F(struct ctl_status, public_key), F(struct ctl_status, role),
       F(struct ctl_status, config_version), F(struct ctl_status, uptime_ms),
       ARRAY(struct ctl_status, registries, n_registries, ctl_registry_st),
       ARRAY(struct ctl_status, uplinks, n_uplinks, ctl_uplink_st),
       LIST(struct ctl_status, peers, n_peers, ctl_peer_st),
       LIST(struct ctl_status, routes, n_routes, ctl_route_st));

STRUCT(ctl_finding_st, F(struct ctl_finding, severity), F(struct ctl_finding, subject),
       F(struct ctl_finding, cause), F(struct ctl_finding, fix));

STRUCT(ctl_diagnosis_st, LIST(struct ctl_diagnosis, findings, n_findings, ctl_finding_st));

#undef F
#undef AGE
#undef ARRAY
#undef FULL_ARRAY
#undef LIST
#undef STRUCT

/* ---- integers of any member size ---- */

static uint64_t ctl_get_uint(const void *p, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

static void ctl_put_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
	}
}

static int64_t ctl_get_int(const void *p, size_t size)
{
	switch (size) {
	case 1:
		return *(const int8_t *)p;
	case 2:
		return *(const int16_t *)p;
	case 4:
		return *(const int32_t *)p;
	default:
		return *(const int64_t *)p;
	}
}

/* Largest value of an unsigned member; 64-bit stops one short (see ctl.h). */
static uint64_t ctl_uint_max(size_t size)
{
	return size >= 8 ? UINT64_MAX - 1 : (UINT64_C(1) << (8 * size)) - 1;
}

static int64_t ctl_int_max(size_t size)
{
	return size >= 8 ? INT64_MAX - 1 : (INT64_C(1) << (8 * size - 1)) - 1;
}

/* ---- free ---- */

static void ctl_free_struct(const struct ctl_struct *st, void *base);

static uint32_t ctl_count(const struct ctl_field *f, const void *base)
{
	if (f->count_off == CTL_FULL)
		return f->max;
	return *(const uint32_t *)((const char *)base + f->count_off);
}

static void ctl_free_field(const struct ctl_field *f, void *base)
{
	char *p = (char *)base + f->off;
	uint32_t n;

	if (f->kind == CTL_K_ARRAY) {
		/* A count beyond capacity is garbage; never walk past the array. */
		n = ctl_count(f, base);
		for (uint32_t i = 0; i < n && i < f->max; i++)
			ctl_free_struct(f->sub, p + i * f->size);
	} else if (f->kind == CTL_K_LIST) {
		char *v = *(char **)p;

		n = ctl_count(f, base);
		for (uint32_t i = 0; v && i < n; i++)
			ctl_free_struct(f->sub, v + i * f->size);
		free(v);
		*(char **)p = NULL;
		*(uint32_t *)((char *)base + f->count_off) = 0;
	}
}

static void ctl_free_struct(const struct ctl_struct *st, void *base)
{
	for (unsigned int i = 0; i < st->n; i++)
		ctl_free_field(&st->fields[i], base);
}

/* ---- encode ---- */

static int ctl_enc_struct(const struct ctl_struct *st, const void *base, json_object **out);

/* Adds @v (consumed, may be NULL for null) as @key of @obj. */
static int ctl_add(json_object *obj, const char *key, json_object *v)
{
	/* json-c keeps the key pointer: our names are string literals. */
	if (json_object_object_add_ex(
		    obj, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int ctl_enc_array(const struct ctl_field *f, const char *v, uint32_t n, json_object **out)
{
	json_object *arr = json_object_new_array_ext((int)(n < 1024 ? n : 1024));
	int err;

	if (!arr)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		json_object *e;

		err = ctl_enc_struct(f->sub, v + i * f->size, &e);
		if (!err && json_object_array_add(arr, e)) {
			json_object_put(e);
			err = -ENOMEM;
		}
		if (err) {
			json_object_put(arr);
			return err;
		}
	}
	*out = arr;
	return 0;
}

static int ctl_enc_field(const struct ctl_field *f, const void *base, json_object **out)
{
	const char *p = (const char *)base + f->off;
	uint64_t u;
	uint32_t n;

	*out = NULL;
	switch (f->kind) {
	case CTL_K_STR: {
		size_t len = strnlen(p, f->size);

		if (len == f->size)
			return -EINVAL; /* unterminated: the decoder could not take it back */
		*out = json_object_new_string_len(p, (int)len);
		break;
	}
	case CTL_K_BOOL:
		*out = json_object_new_boolean(*(const bool *)p);
		break;
	case CTL_K_UINT:
		u = ctl_get_uint(p, f->size);
		if (u > ctl_uint_max(f->size))
			return -EINVAL;
		*out = json_object_new_uint64(u);
		break;
	case CTL_K_INT: {
		int64_t i = ctl_get_int(p, f->size);

		if (i > ctl_int_max(f->size) || i < -ctl_int_max(f->size) - 1)
			return -EINVAL;
		*out = json_object_new_int64(i);
		break;
	}
	case CTL_K_AGE:
		u = *(const uint64_t *)p;
		if (u == CTL_NEVER)
			return 0; /* null */
		*out = json_object_new_uint64(u);
		break;
	case CTL_K_ARRAY:
		n = ctl_count(f, base);
		if (n > f->max)
			return -EINVAL;
		return ctl_enc_array(f, p, n, out);
	case CTL_K_LIST:
		n = ctl_count(f, base);
		if (n && !*(char *const *)p)
			return -EINVAL;
		return ctl_enc_array(f, *(char *const *)p, n, out);
	}
	return *out ? 0 : -ENOMEM;
}

static int ctl_enc_struct(const struct ctl_struct *st, const void *base, json_object **out)
{
	json_object *obj = json_object_new_object();
	int err;

	if (!obj)
		return -ENOMEM;
	for (unsigned int i = 0; i < st->n; i++) {
		json_object *v;

		err = ctl_enc_field(&st->fields[i], base, &v);
		if (!err)
			err = ctl_add(obj, st->fields[i].name, v);
		if (err) {
			json_object_put(obj);
			return err;
		}
	}
	*out = obj;
	return 0;
}

static int ctl_to_json(const struct ctl_struct *st, const void *base, char **out)
{
	json_object *root;
	const char *s;
	size_t len;
	int err;

	*out = NULL;
	err = ctl_enc_struct(st, base, &root);
	if (err)
		return err;
	/* Plain: compact. No slash escape: prefixes read "10.0.0.0/8". */
	s = json_object_to_json_string_length(
		root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s) {
		*out = malloc(len + 1);
		if (*out)
			memcpy(*out, s, len + 1);
	}
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
}

int ctl_status_to_json(const struct ctl_status *s, char **out)
{
	return ctl_to_json(&ctl_status_st, s, out);
}

int ctl_diagnosis_to_json(const struct ctl_diagnosis *d, char **out)
{
	return ctl_to_json(&ctl_diagnosis_st, d, out);
}

/* ---- decode ---- */

static int ctl_dec_struct(const struct ctl_struct *st, json_object *obj, void *base);

/*
 * An integer, exactly: json-c stores negative numbers as int64 and large
 * positive ones as uint64, so the sign picks the getter that does not clamp.
 */
static bool ctl_json_int(json_object *v, bool *neg, int64_t *i, uint64_t *u)
{
	if (!json_object_is_type(v, json_type_int))
		return false; /* doubles, "1.0" and NaN included */
	*i = json_object_get_int64(v);
	*neg = *i < 0;
	*u = *neg ? 0 : json_object_get_uint64(v);
	return true;
}

static int ctl_dec_array(const struct ctl_field *f, json_object *v, char *elems, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		int err = ctl_dec_struct(f->sub, e, elems + i * f->size);

		if (err)
			return err;
	}
	return 0;
}

static int ctl_dec_field(const struct ctl_field *f, json_object *v, void *base)
{
	char *p = (char *)base + f->off;
	size_t alen;
	int64_t i;
	uint64_t u;
	bool neg;

	switch (f->kind) {
	case CTL_K_STR: {
		const char *s;
		int len;

		if (!json_object_is_type(v, json_type_string))
			return -EBADMSG;
		s = json_object_get_string(v);
		len = json_object_get_string_len(v);
		/* "\u0000" decodes to a NUL: such a string has no C form. */
		if (len < 0 || (size_t)len >= f->size || memchr(s, '\0', (size_t)len))
			return -EBADMSG;
		memcpy(p, s, (size_t)len);
		p[len] = '\0';
		return 0;
	}
	case CTL_K_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return -EBADMSG;
		*(bool *)p = json_object_get_boolean(v);
		return 0;
	case CTL_K_AGE:
		if (!v) {
			*(uint64_t *)p = CTL_NEVER;
			return 0;
		}
		/* Otherwise an integer below CTL_NEVER. */
		/* fall through */
	case CTL_K_UINT:
		if (!ctl_json_int(v, &neg, &i, &u) || neg || u > ctl_uint_max(f->size))
			return -EBADMSG;
		ctl_put_uint(p, f->size, u);
		return 0;
	case CTL_K_INT:
		if (!ctl_json_int(v, &neg, &i, &u))
			return -EBADMSG;
		if (neg ? i < -ctl_int_max(f->size) - 1 : u > (uint64_t)ctl_int_max(f->size))
			return -EBADMSG;
		/* Two's complement store of the member's width. */
		ctl_put_uint(p, f->size, neg ? (uint64_t)i : u);
		return 0;
	case CTL_K_ARRAY:
		if (!json_object_is_type(v, json_type_array))
			return -EBADMSG;
		alen = json_object_array_length(v);
		if (f->count_off == CTL_FULL ? alen != f->max : alen > f->max)
			return -EBADMSG;
		if (f->count_off != CTL_FULL)
			*(uint32_t *)((char *)base + f->count_off) = (uint32_t)alen;
		return ctl_dec_array(f, v, p, (uint32_t)alen);
	case CTL_K_LIST: {
		char *elems;

		if (!json_object_is_type(v, json_type_array))
			return -EBADMSG;
		alen = json_object_array_length(v);
		if (alen > f->max)
			return -EBADMSG;
		if (!alen)
			return 0;
		elems = calloc(alen, f->size);
		if (!elems)
			return -ENOMEM;
		/* Owned by base from here: the caller's free unwinds a failure. */
		*(char **)p = elems;
		*(uint32_t *)((char *)base + f->count_off) = (uint32_t)alen;
		return ctl_dec_array(f, v, elems, (uint32_t)alen);
	}
	}
	return -EBADMSG;
}

static int ctl_dec_struct(const struct ctl_struct *st, json_object *obj, void *base)
{
	if (!json_object_is_type(obj, json_type_object))
		return -EBADMSG;
	for (unsigned int i = 0; i < st->n; i++) {
		json_object *v;
		int err;

		/* Present is not non-NULL: a JSON null is a NULL value. */
		if (!json_object_object_get_ex(obj, st->fields[i].name, &v))
			return -EBADMSG;
		err = ctl_dec_field(&st->fields[i], v, base);
		if (err)
			return err;
	}
	return 0;
}

static int ctl_parse(const char *json, size_t len, json_object **out)
{
	struct json_tokener *tok;
	json_object *root;
	size_t end;
	int err = 0;

	*out = NULL;
	if (len > CTL_MAX_ANSWER)
		return -EMSGSIZE;
	tok = json_tokener_new_ex(CTL_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!root) {
		/* Also a cut document (json_tokener_continue) and a bare "null". */
		err = -EBADMSG;
#if JSON_C_VERSION_NUM >= 0x001100 /* 0.17 tells an allocation failure apart */
		if (json_tokener_get_error(tok) == json_tokener_error_memory)
			err = -ENOMEM;
#endif
	} else {
		/* One document: json-c stops after it, e.g. at an embedded NUL. */
		for (; end < len && !err; end++)
			if (!strchr(" \t\r\n", json[end]) || !json[end])
				err = -EBADMSG;
	}
	json_tokener_free(tok);
	if (err)
		json_object_put(root);
	else
		*out = root;
	return err;
}

static int ctl_from_json(const struct ctl_struct *st, const char *json, size_t len, void *base,
			 size_t size)
{
	json_object *root;
	int err;

	memset(base, 0, size);
	err = ctl_parse(json, len, &root);
	if (err)
		return err;
	err = ctl_dec_struct(st, root, base);
	json_object_put(root);
	if (err) {
		ctl_free_struct(st, base);
		memset(base, 0, size);
	}
	return err;
}

int ctl_status_from_json(const char *json, size_t len, struct ctl_status *s)
{
	return ctl_from_json(&ctl_status_st, json, len, s, sizeof(*s));
}

int ctl_diagnosis_from_json(const char *json, size_t len, struct ctl_diagnosis *d)
{
	return ctl_from_json(&ctl_diagnosis_st, json, len, d, sizeof(*d));
}

/* ---- allocation ---- */

int ctl_status_alloc(struct ctl_status *s, uint32_t n_peers, uint32_t n_routes)
{
	memset(s, 0, sizeof(*s));
	if (n_peers) {
		s->peers = calloc(n_peers, sizeof(*s->peers));
		if (!s->peers)
			return -ENOMEM;
	}
	if (n_routes) {
		s->routes = calloc(n_routes, sizeof(*s->routes));
		if (!s->routes) {
			free(s->peers);
			s->peers = NULL;
			return -ENOMEM;
		}
	}
	s->n_peers = n_peers;
	s->n_routes = n_routes;
	return 0;
}

int ctl_peer_alloc_subnets(struct ctl_peer *p, uint32_t n)
{
	struct ctl_subnet *v = NULL;

	if (n) {
		v = calloc(n, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	free(p->subnets);
	p->subnets = v;
	p->n_subnets = n;
	return 0;
}

void ctl_status_free(struct ctl_status *s)
{
	ctl_free_struct(&ctl_status_st, s);
	memset(s, 0, sizeof(*s));
}

/* Copies @src into @dst[size], cutting before a UTF-8 continuation byte. */
static void ctl_copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int ctl_diagnosis_add(struct ctl_diagnosis *d, const char *severity, const char *subject,
		      const char *cause, const char *fix)
{
	struct ctl_finding *v, *f;

	severity = severity ? severity : "";
	subject = subject ? subject : "";
	if (strlen(severity) >= sizeof(f->severity) || strlen(subject) >= sizeof(f->subject))
		return -ENAMETOOLONG;
	if (d->n_findings >= UINT32_MAX)
		return -EOVERFLOW;
	/* A diagnosis holds tens of findings: growing by one is cheap enough. */
	v = realloc(d->findings, (d->n_findings + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->findings = v;
	f = &v[d->n_findings];
	memset(f, 0, sizeof(*f));
	memcpy(f->severity, severity, strlen(severity) + 1);
	memcpy(f->subject, subject, strlen(subject) + 1);
	ctl_copy_text(f->cause, sizeof(f->cause), cause ? cause : "");
	ctl_copy_text(f->fix, sizeof(f->fix), fix ? fix : "");
	d->n_findings++;
	return 0;
}

void ctl_diagnosis_free(struct ctl_diagnosis *d)
{
	free(d->findings);
	memset(d, 0, sizeof(*d));
}

/* ---- client ---- */

/* What the kernel's dev_valid_name() accepts, so the path names one device. */
static bool ctl_ifname_ok(const char *name)
{
	size_t len = name ? strnlen(name, IFNAMSIZ) : 0;

	if (!len || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return !name[strcspn(name, "/: \t\n\v\f\r")];
}

int ctl_sock_path(const char *ifname, char *buf, size_t len)
{
	int n;

	if (!ctl_ifname_ok(ifname))
		return -EINVAL;
	n = snprintf(buf, len, "%s%s", CTL_SOCK_PREFIX, ifname);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* One printable line, room for its newline within CTL_MAX_REQUEST. */
static bool ctl_request_ok(const char *req)
{
	size_t len = req ? strnlen(req, CTL_MAX_REQUEST) : 0;

	if (!len || len >= CTL_MAX_REQUEST)
		return false;
	for (size_t i = 0; i < len; i++)
		if (req[i] < 0x20 || req[i] > 0x7e)
			return false;
	return true;
}

/* A socket timeout surfaces as EAGAIN; the caller wants to know it was one. */
static int ctl_errno(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
}

static int ctl_server_is_root(int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl))
		return -errno;
	return cred.uid == 0 ? 0 : -EPERM;
}

static int ctl_send_line(int fd, const char *req)
{
	char line[CTL_MAX_REQUEST];
	size_t len = (size_t)snprintf(line, sizeof(line), "%s\n", req), off = 0;

	while (off < len) {
		/* MSG_NOSIGNAL: a daemon that hangs up must not kill the CLI. */
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ctl_errno();
		off += (size_t)n;
	}
	/* The whole request is out; a server reading to EOF sees it end. */
	shutdown(fd, SHUT_WR);
	return 0;
}

/*
 * Waits until @fd is readable, at most until the answer's deadline: @t0 +
 * @timeout_ms plus 1 ms per CTL_ANSWER_BYTES_PER_MS of the @n bytes come,
 * the pace the daemon keeps for its answers (ctlserver.c). 0, -ETIMEDOUT
 * or -errno.
 */
static int ctl_wait_answer(int fd, uint64_t t0, unsigned int timeout_ms, size_t n)
{
	uint64_t end = t0 + timeout_ms + n / CTL_ANSWER_BYTES_PER_MS, now = clock_mono_ms();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	if (now >= end)
		return -ETIMEDOUT;
	r = poll(&pfd, 1, (int)(end - now > 60000 ? 60000 : end - now));
	if (r < 0 && errno != EINTR)
		return -errno;
	/* Ready, a hangup or error (the read says which), or time to look again. */
	return 0;
}

/*
 * The whole answer by one deadline from @t0, the start of the request, not
 * a timeout per read: a daemon that sends a byte now and then would keep
 * every read short and the tool waiting for CTL_MAX_ANSWER of them. What
 * has come is always read first: the deadline bounds the waiting, so a
 * tool that was not scheduled for a while still takes a whole answer.
 */
static int ctl_read_all(int fd, uint64_t t0, unsigned int timeout_ms, char **answer, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t r;
		int err;

		/* Room for a byte past the limit (to see it crossed) and a NUL. */
		if (cap - n < 2) {
			size_t ncap = cap ? 2 * cap : CTL_READ_CHUNK;
			char *nbuf;

			if (ncap > (size_t)CTL_MAX_ANSWER + 2)
				ncap = (size_t)CTL_MAX_ANSWER + 2;
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		r = recv(fd, buf + n, cap - n - 1, MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN) {
			err = ctl_wait_answer(fd, t0, timeout_ms, n);
			if (err) {
				free(buf);
				return err;
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/*
		 * A server that answered and closed with our request unread
		 * (autovpnd refusing a user that is not root) resets the
		 * connection, after the answer: that answer stands.
		 */
		if (r < 0 && errno == ECONNRESET && n)
			break;
		if (r < 0) {
			err = -errno;
			free(buf);
			return err;
		}
		if (!r)
			break;
		n += (size_t)r;
		if (n > CTL_MAX_ANSWER) {
			free(buf);
			return -EMSGSIZE;
		}
	}
	if (!n) {
		free(buf);
		return -ENODATA;
	}
	buf[n] = '\0';
	*answer = buf;
	*len = n;
	return 0;
}

int ctl_sockaddr(const char *path, struct sockaddr_un *sun)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, n);
	if (path[0] != '@')
		return (int)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	/* Abstract: a leading NUL, and the length says where the name ends. */
	sun->sun_path[0] = '\0';
	return (int)(offsetof(struct sockaddr_un, sun_path) + n);
}

int ctl_request_path(const char *path, const char *request, unsigned int timeout_ms, char **answer,
		     size_t *len)
{
	struct sockaddr_un sun;
	int alen;
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000 };
	uint64_t t0 = clock_mono_ms();
	int fd, err;

	*answer = NULL;
	*len = 0;
	/* A zero timeval would mean "wait forever", the opposite of a timeout. */
	if (!ctl_request_ok(request) || !path || !timeout_ms)
		return -EINVAL;
	alen = ctl_sockaddr(path, &sun);
	if (alen < 0)
		return alen;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The send timeout also bounds connect() on a unix socket whose
	 * backlog is full (the daemon is stuck). The answer has a deadline
	 * of its own (ctl_read_all()). */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		err = -errno;
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sun, (socklen_t)alen)) {
		err = errno == EINPROGRESS ? -ETIMEDOUT : ctl_errno();
		goto out;
	}
	/*
	 * The abstract namespace is open to every user of the network
	 * namespace: only a root listener is autovpnd.
	 */
	err = ctl_server_is_root(fd);
	if (err)
		goto out;
	err = ctl_send_line(fd, request);
	/* A daemon that refused us may have closed before reading: its answer is here. */
	if (!err || err == -EPIPE)
		err = ctl_read_all(fd, t0, timeout_ms, answer, len);
out:
	close(fd);
	return err;
}

int ctl_request(const char *ifname, const char *request, char **answer, size_t *len)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int err;

	*answer = NULL;
	*len = 0;
	err = ctl_sock_path(ifname, path, sizeof(path));
	if (err)
		return err;
	return ctl_request_path(path, request, CTL_TIMEOUT_MS, answer, len);
}
