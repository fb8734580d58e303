/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diagnose.h - `autovpn diagnose [IFACE] [--json]`: autovpnd's findings
 * (lib/ctl's diagnosis: severity, subject, cause, fix) for people, and the
 * exit status scripts test.
 */
#ifndef AVPN_TOOL_DIAGNOSE_H
#define AVPN_TOOL_DIAGNOSE_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl/ctl.h"

/* Exit statuses of `autovpn diagnose`. */
#define DIAGNOSE_EXIT_OK 0	  /* no finding of severity "error" */
#define DIAGNOSE_EXIT_ERROR 1	  /* at least one */
#define DIAGNOSE_EXIT_NO_ANSWER 2 /* the daemon could not be asked (or bad usage) */

/* DIAGNOSE_EXIT_ERROR if any finding has severity "error", else _OK. */
int diagnose_exit_status(const struct ctl_diagnosis *d);

/*
 * Text to @f: each finding "SEVERITY subject: cause" and, unless it is "ok"
 * or has none, "    fix: ..." below it; then a count per severity.
 * Colour codes only with @color.
 */
void diagnose_print(FILE *f, const struct ctl_diagnosis *d, bool color);

#endif /* AVPN_TOOL_DIAGNOSE_H */
