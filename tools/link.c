// SPDX-License-Identifier: GPL-2.0
/*
 * link.c - `autovpn link add IFACE [mtu N]` / `autovpn link del IFACE`:
 * devices through genl (DEV_NEW/DEV_DEL); `ip link add IFACE type autovpn`
 * does the same through rtnetlink.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/parse.h"
#include "nl/avpnl_dev.h"
#include "tool.h"
#include "word.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " TOOL_PROG " link add IFACE [mtu N]\n"
		   "       " TOOL_PROG " link del IFACE\n");
}

static int link_add(int argc, char **argv)
{
	struct avpnl *h;
	uint32_t mtu = 0, idx = 0;
	int i, r;

	if (argc < 1)
		return tool_error("link add: missing interface name");
	if (!argv[0][0] || strlen(argv[0]) >= IF_NAMESIZE || strchr(argv[0], '/'))
		return tool_error("bad interface name '%s'", argv[0]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "mtu"))
			return tool_error("link add: unknown word '%s'", argv[i]);
		if (++i >= argc)
			return tool_error("'mtu' needs a value");
		r = parse_u32(argv[i], 68, 65535, &mtu);
		if (r)
			return tool_error("mtu '%s' is %s (68-65535)", argv[i],
					  r == -ERANGE ? "out of range" : "not a number");
	}
	h = tool_open();
	if (!h)
		return 1;
	r = avpnl_dev_new(h, argv[0], mtu, &idx);
	if (r)
		r = tool_nl_error(h, r, argv[0]);
	avpnl_close(h);
	return r;
}

static int link_del(int argc, char **argv)
{
	struct avpnl *h;
	uint32_t idx;
	int r;

	if (argc != 1)
		return tool_error(argc ? "link del: takes one interface name" :
					 "link del: missing interface name");
	idx = tool_ifindex(argv[0]);
	if (!idx)
		return 1;
	h = tool_open();
	if (!h)
		return 1;
	r = avpnl_dev_del(h, idx);
	if (r)
		r = tool_nl_error(h, r, argv[0]);
	avpnl_close(h);
	return r;
}

int link_main(int argc, char **argv)
{
	static const char *const verbs[] = { "add", "del", "delete", "help" };
	int v;

	if (argc < 1) {
		tool_error("link: add or del?");
		usage(stderr);
		return 1;
	}
	if (tool_is_help(argv[0])) {
		usage(stdout);
		return 0;
	}
	v = word_match(argv[0], verbs, 4);
	switch (v) {
	case 0:
		return link_add(argc - 1, argv + 1);
	case 1:
	case 2:
		return link_del(argc - 1, argv + 1);
	case WORD_AMBIGUOUS:
		/* "d"/"de" is del or delete: the same verb. */
		if (!strncmp(argv[0], "del", strlen(argv[0])))
			return link_del(argc - 1, argv + 1);
		/* fall through */
	default:
		tool_error("link: unknown verb '%s'", argv[0]);
		usage(stderr);
		return 1;
	}
}
