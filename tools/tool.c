// SPDX-License-Identifier: GPL-2.0
/* tool.c - error reporting and setup shared by the subcommands. */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

bool tool_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

int tool_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int tool_nl_error(const struct avpnl *h, int err, const char *ctx)
{
	const char *msg = avpnl_errmsg(h);

	if (!msg)
		msg = strerror(-err);
	if (ctx)
		return tool_error("%s: %s", ctx, msg);
	return tool_error("%s", msg);
}

struct avpnl *tool_open(void)
{
	struct avpnl *h;
	int r;

	r = avpnl_open(&h);
	if (r == -ENOENT) {
		tool_error("the autovpn generic netlink family is not available "
			   "(is the autovpn module loaded?)");
		return NULL;
	}
	if (r) {
		tool_error("cannot open a generic netlink socket: %s", strerror(-r));
		return NULL;
	}
	return h;
}

uint32_t tool_ifindex(const char *ifname)
{
	unsigned int idx = if_nametoindex(ifname);

	if (!idx)
		tool_error("cannot find device \"%s\"", ifname);
	return idx;
}
