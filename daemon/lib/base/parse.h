/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - strict parsing of numbers, booleans and durations, for command
 * lines and config files alike.
 *
 * No sign, no blanks, no trailing text: strtoul() would take " +1", "-1"
 * (as a huge number) and "010" (as octal); these refuse them. Every function
 * returns 0, -EINVAL (not a valid spelling) or -ERANGE (outside
 * [min, max]), and leaves *out alone on error.
 */
#ifndef AVPN_BASE_PARSE_H
#define AVPN_BASE_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Decimal ("010" is ten), or hexadecimal after "0x": for command lines. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_u8(const char *s, uint8_t min, uint8_t max, uint8_t *out);

/*
 * Plain decimal with one spelling per number (no leading zeros: "0" but not
 * "00" or "010"): for config files, where a value is read, not typed.
 */
int parse_dec_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* yes/on/true or no/off/false. */
int parse_bool(const char *s, bool *out);

/*
 * A duration in seconds: "3h", "90m", "1h30m", "45s", "1d", or a plain
 * number of seconds ("600"). Units d, h, m, s; every number but a lone one
 * needs its unit. On error @why (if not NULL) says why: "out of range" for
 * -ERANGE, which callers usually restate with their bounds.
 */
int parse_duration(const char *s, uint32_t min_s, uint32_t max_s, uint32_t *out, const char **why);

#endif /* AVPN_BASE_PARSE_H */
