/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prom.h - the two pieces of Prometheus text exposition (format 0.0.4)
 * that both metrics endpoints (the registry's and autovpnd's) write.
 */
#ifndef AVPN_BASE_PROM_H
#define AVPN_BASE_PROM_H

#include <stdio.h>

/* A label value: backslash, double quote and newline escaped. NULL is "". */
void prom_label(FILE *f, const char *s);
/* The "# HELP" and "# TYPE" lines of a metric family. */
void prom_head(FILE *f, const char *name, const char *type, const char *help);

#endif /* AVPN_BASE_PROM_H */
