// SPDX-License-Identifier: GPL-2.0
/* print.c - text and JSON output from the same calls (see print.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "human.h"
#include "print.h"

#define MAX_DEPTH 16

struct frame {
	json_object *obj;
	bool array;
	const char *sep; /* text lists */
	unsigned int count;
};

static struct {
	bool json, color;
	json_object *root;
	int depth;
	struct frame st[MAX_DEPTH];
} pr;

bool print_is_json(void)
{
	return pr.json;
}

void print_begin(bool json, bool color)
{
	memset(&pr, 0, sizeof(pr));
	pr.json = json;
	pr.color = color && !json;
	pr.depth = -1;
}

static struct frame *top(void)
{
	return pr.depth >= 0 ? &pr.st[pr.depth] : NULL;
}

/* Attaches @v under @key in the current object, or appends it to the array. */
static void attach(const char *key, json_object *v)
{
	struct frame *f = top();

	if (!v)
		return;
	if (!f) {
		if (!pr.root)
			pr.root = v;
		else
			json_object_put(v);
		return;
	}
	if (f->array)
		json_object_array_add(f->obj, v);
	else
		json_object_object_add(f->obj, key ? key : "?", v);
}

static void push(json_object *obj, bool array, const char *sep)
{
	if (pr.depth + 1 >= MAX_DEPTH)
		return;
	pr.depth++;
	pr.st[pr.depth] = (struct frame){ .obj = obj, .array = array, .sep = sep };
}

void print_obj_open(const char *key)
{
	json_object *o = NULL;

	if (pr.json) {
		o = json_object_new_object();
		attach(key, json_object_get(o));
		json_object_put(o); /* the parent holds it now */
	}
	push(o, false, NULL);
}

void print_obj_close(void)
{
	if (pr.depth >= 0)
		pr.depth--;
}

void print_arr_open(const char *key, const char *sep)
{
	json_object *a = NULL;

	if (pr.json) {
		a = json_object_new_array();
		attach(key, json_object_get(a));
		json_object_put(a);
	}
	push(a, true, sep);
}

void print_arr_close(void)
{
	struct frame *f = top();

	if (f && !pr.json && f->sep && !f->count)
		fputs("(none)", stdout);
	print_obj_close();
}

/* Text mode: separator before the second and later items of a text list. */
static void text_item(void)
{
	struct frame *f = top();

	if (f && f->array && f->sep) {
		if (f->count)
			fputs(f->sep, stdout);
		f->count++;
	}
}

static const char *color_code(enum print_color c)
{
	switch (c) {
	case PRINT_BOLD:
		return "\033[1m";
	case PRINT_GREEN:
		return "\033[1;32m";
	case PRINT_YELLOW:
		return "\033[1;33m";
	case PRINT_RED:
		return "\033[1;31m";
	default:
		return "";
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (pr.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/*
 * Text: a copy of @v with control characters as '?', or NULL if it has
 * none. Names and reasons come from configs (kernel peer names, the
 * daemon's strings): none of them may move the cursor or recolour a
 * terminal, nor break a line. JSON escapes them itself.
 */
static char *text_clean(const char *v)
{
	char *c, *p;

	for (p = (char *)v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			break;
	if (!*p)
		return NULL;
	c = strdup(v);
	for (p = c; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

void print_str_color(enum print_color c, const char *key, const char *fmt, const char *v)
{
	char *clean, *colored = NULL;

	if (pr.json) {
		attach(key, json_object_new_string(v));
		return;
	}
	if (!fmt)
		return;
	text_item();
	clean = text_clean(v);
	if (clean)
		v = clean;
	if (pr.color && c != PRINT_PLAIN) {
		if (asprintf(&colored, "%s%s\033[0m", color_code(c), v) < 0)
			colored = NULL; /* then plain */
		else
			v = colored;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	printf(fmt, v);
#pragma GCC diagnostic pop
	free(colored);
	free(clean);
}

void print_str(const char *key, const char *fmt, const char *v)
{
	print_str_color(PRINT_PLAIN, key, fmt, v);
}

void print_u64(const char *key, const char *fmt, uint64_t v)
{
	char buf[24];

	if (pr.json) {
		attach(key, json_object_new_uint64(v));
		return;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	print_str(key, fmt, buf);
}

void print_bool(const char *key, const char *fmt, bool v)
{
	if (pr.json) {
		attach(key, json_object_new_boolean(v));
		return;
	}
	print_str(key, fmt, v ? "on" : "off");
}

void print_bytes(const char *key, const char *fmt, uint64_t v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	char buf[32];
	int u = -1;

	if (pr.json) {
		attach(key, json_object_new_uint64(v));
		return;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, sizeof(buf), "%llu B", (unsigned long long)v);
	else
		snprintf(buf, sizeof(buf), "%.2f %s", d, units[u]);
	print_str(key, fmt, buf);
}

void print_s64(const char *key, const char *fmt, int64_t v)
{
	char buf[24];

	if (pr.json) {
		attach(key, json_object_new_int64(v));
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	print_str(key, fmt, buf);
}

void print_age(const char *key, const char *fmt, uint64_t ms)
{
	char buf[HUMAN_STRLEN];

	if (pr.json) {
		/* json-c has no null object: a NULL value is written as null. */
		struct frame *f = top();

		if (ms != CTL_NEVER)
			attach(key, json_object_new_uint64(ms));
		else if (f && f->array)
			json_object_array_add(f->obj, NULL);
		else if (f)
			json_object_object_add(f->obj, key ? key : "?", NULL);
		return;
	}
	print_str(key, fmt, human_age(buf, sizeof(buf), ms));
}

void print_text_color(enum print_color c, const char *fmt, const char *v)
{
	if (pr.json)
		return;
	print_str_color(c, NULL, fmt, v);
}

void print_abort(void)
{
	json_object_put(pr.root);
	pr.root = NULL;
	pr.depth = -1;
}

int print_end(void)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	int r = 0;

	if (pr.json && pr.root) {
		flags |= isatty(STDOUT_FILENO) ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;
		if (puts(json_object_to_json_string_ext(pr.root, flags)) < 0)
			r = -EIO;
		json_object_put(pr.root);
		pr.root = NULL;
	}
	if (fflush(stdout) || ferror(stdout))
		r = -EIO;
	return r;
}
