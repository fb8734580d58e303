/* SPDX-License-Identifier: GPL-2.0 */
/*
 * words.h - the small pieces of command-line parsing every subcommand uses:
 * unique-prefix matching of objects and verbs ("autovpn sh") and strict
 * number parsing (no sign, no trailing garbage, range-checked).
 */
#ifndef AVPN_TOOL_WORDS_H
#define AVPN_TOOL_WORDS_H

#include <stddef.h>
#include <stdint.h>

#define WORD_UNKNOWN (-1)
#define WORD_AMBIGUOUS (-2)

/*
 * Index of @arg in @words[0..n-1]: an exact match, else the only word that
 * starts with @arg. WORD_UNKNOWN or WORD_AMBIGUOUS otherwise.
 */
int word_match(const char *arg, const char *const *words, size_t n);

/*
 * Decimal, or hexadecimal with a 0x prefix; min <= value <= max.
 * Returns 0, or -EINVAL (not a number) / -ERANGE (out of range).
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_u8(const char *s, uint8_t min, uint8_t max, uint8_t *out);

#endif /* AVPN_TOOL_WORDS_H */
