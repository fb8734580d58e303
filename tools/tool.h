/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tool.h - what the subcommands of `autovpn` share: their entry points (the
 * table is in main.c) and error reporting.
 *
 * Every subcommand returns the process exit status: 0, or 1 after printing
 * "Error: ..." to stderr (the kernel's extack message when there is one).
 */
#ifndef AVPN_TOOL_TOOL_H
#define AVPN_TOOL_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "nl/avpnl.h"

#define TOOL_PROG "autovpn"

int show_main(int argc, char **argv);
int set_main(int argc, char **argv);
int link_main(int argc, char **argv);
int genkey_main(int argc, char **argv);
int genkey_pubkey_main(int argc, char **argv);
int monitor_main(int argc, char **argv);
/* Exit status 0, 1 or 2 (diagnose.h), not the 0/1 of the others. */
int diagnose_main(int argc, char **argv);

/* True for "-h", "--help" and "help". */
bool tool_is_help(const char *arg);

/* Prints "Error: " + message to stderr; returns 1. */
int tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Reports a failed avpnl request: "Error: CTX: <extack or strerror>".
 * @ctx may be NULL. Returns 1.
 */
int tool_nl_error(const struct avpnl *h, int err, const char *ctx);
/* avpnl_open() with a helpful message; NULL after printing it. */
struct avpnl *tool_open(void);
/* if_nametoindex() with "Error: cannot find device" on failure; 0 then. */
uint32_t tool_ifindex(const char *ifname);

#endif /* AVPN_TOOL_TOOL_H */
