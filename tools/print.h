/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - one print layer for text and JSON (as iproute2's json_print).
 *
 * Callers describe the output once: every value has a JSON key and a text
 * format. In JSON mode the values build one json-c document, printed by
 * print_end(); in text mode the formats are printed as they come (with colour
 * when print_begin() was told so). So the two outputs cannot drift apart.
 *
 * A NULL text format means "JSON only"; print_text() is text only. Keys are
 * ignored inside arrays.
 */
#ifndef AVPN_TOOL_PRINT_H
#define AVPN_TOOL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum print_color {
	PRINT_PLAIN,
	PRINT_BOLD,
	PRINT_GREEN,  /* interface names, path up */
	PRINT_YELLOW, /* peers */
	PRINT_RED,    /* path down, drops */
};

void print_begin(bool json, bool color);
/* Prints the JSON document (JSON mode). Returns 0 or -EIO. */
int print_end(void);
/* Drops the JSON document unprinted (an error after print_begin()). */
void print_abort(void);
bool print_is_json(void);

void print_obj_open(const char *key);
void print_obj_close(void);
/*
 * An array. @sep non-NULL: a text list of scalars, printed inline with @sep
 * between items and "(none)" when empty; NULL: an array of objects that
 * print their own text.
 */
void print_arr_open(const char *key, const char *sep);
void print_arr_close(void);

void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_str(const char *key, const char *fmt, const char *v);
void print_str_color(enum print_color c, const char *key, const char *fmt, const char *v);
void print_u64(const char *key, const char *fmt, uint64_t v);
/* Text: "on"/"off" through a %s format; JSON: true/false. */
void print_bool(const char *key, const char *fmt, bool v);
/* Text: human units ("1.50 MiB") through a %s format; JSON: the number. */
void print_bytes(const char *key, const char *fmt, uint64_t v);
void print_s64(const char *key, const char *fmt, int64_t v);
/*
 * An age in milliseconds (lib/ctl): text "42 s ago" or "never" through a %s
 * format (human.h); JSON: the number, or null for CTL_NEVER.
 */
void print_age(const char *key, const char *fmt, uint64_t ms);
/* Text only, @v coloured (on a terminal) through a %s format. */
void print_text_color(enum print_color c, const char *fmt, const char *v);

#endif /* AVPN_TOOL_PRINT_H */
