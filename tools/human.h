/* SPDX-License-Identifier: GPL-2.0 */
/*
 * human.h - the units `autovpn show` and `diagnose` print for people:
 * durations and ages (milliseconds), round-trip times (microseconds) and
 * loss (1/10000), as the daemon reports them (lib/ctl). JSON keeps the raw
 * numbers; only text goes through here.
 *
 * Each writes a NUL-terminated string into buf[len] (cut if too small) and
 * returns buf, so it can be an argument of printf.
 */
#ifndef AVPN_TOOL_HUMAN_H
#define AVPN_TOOL_HUMAN_H

#include <stddef.h>
#include <stdint.h>

#define HUMAN_STRLEN 32 /* enough for every value of every function */

/* "350 ms", "42 s", "2 min 5 s", "1 h 3 min", "3 d 4 h": two units at most. */
char *human_duration(char *buf, size_t len, uint64_t ms);
/* human_duration() + " ago", or "never" for CTL_NEVER. */
char *human_age(char *buf, size_t len, uint64_t ms);
/* "850 us", "1.25 ms", "12.5 ms", "130 ms", "1.50 s". */
char *human_usecs(char *buf, size_t len, uint64_t us);
/* Loss in 1/10000: "0%", "0.05%", "0.5%", "12.5%", "100%". */
char *human_loss(char *buf, size_t len, uint32_t loss);

#endif /* AVPN_TOOL_HUMAN_H */
