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

#define PROG "autovpn"

int cmd_show(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_link(int argc, char **argv);
int cmd_genkey(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* True for "-h", "--help" and "help". */
bool is_help(const char *arg);

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
