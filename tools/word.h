/* SPDX-License-Identifier: GPL-2.0 */
/*
 * word.h - unique-prefix matching of objects and verbs ("autovpn sh"), as
 * every subcommand parses its words. Numbers: base/parse.h.
 */
#ifndef AVPN_TOOL_WORD_H
#define AVPN_TOOL_WORD_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define WORD_UNKNOWN (-ENOENT)
#define WORD_AMBIGUOUS (-ENOTUNIQ)

/*
 * Index of @arg in @words[0..n-1]: an exact match, else the only word that
 * starts with @arg. WORD_UNKNOWN (-ENOENT) or WORD_AMBIGUOUS (-ENOTUNIQ)
 * otherwise.
 */
int word_match(const char *arg, const char *const *words, size_t n);

#endif /* AVPN_TOOL_WORD_H */
