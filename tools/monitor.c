// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.c - `autovpn monitor [IFACE]`: one line per kernel event from the
 * "events" multicast group until killed, flushed at once so scripts that
 * read a pipe see each event as it happens:
 *   key-rekey av0 peer 1 key 2
 *   key-expired av0 peer 1 key 2
 *   events-lost        (the socket overflowed: the kernel dropped some)
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "nl/avpnl_event.h"
#include "tool.h"

struct mon {
	uint32_t ifindex; /* 0 = every device */
};

static const char *event_name(uint8_t type, char *buf, size_t len)
{
	switch (type) {
	case AUTOVPN_EVENT_KEY_REKEY:
		return "key-rekey";
	case AUTOVPN_EVENT_KEY_EXPIRED:
		return "key-expired";
	default:
		snprintf(buf, len, "event-%u", type);
		return buf;
	}
}

/*
 * Each line goes out at once, for a script reading a pipe. -EPIPE if it
 * cannot: a code netlink receives never return (see avpnl.c).
 */
static int end_line(void)
{
	putchar('\n');
	return fflush(stdout) ? -EPIPE : 0;
}

static int on_event(const struct avpnl_event *ev, void *arg)
{
	const struct mon *m = arg;
	char name[IF_NAMESIZE], tbuf[16];

	if (m->ifindex && ev->ifindex != m->ifindex)
		return 0;
	if (!if_indextoname(ev->ifindex, name))
		snprintf(name, sizeof(name), "if%u", ev->ifindex);
	printf("%s %s peer %u", event_name(ev->type, tbuf, sizeof(tbuf)), name, ev->peer_id);
	if (ev->has_key_id)
		printf(" key %u", ev->key_id);
	return end_line();
}

int monitor_main(int argc, char **argv)
{
	struct mon m = { 0 };
	struct avpnl *h;
	int r;

	if (argc >= 1 && tool_is_help(argv[0])) {
		printf("Usage: " TOOL_PROG " monitor [IFACE]\n"
		       "Prints kernel events, one per line, until interrupted:\n"
		       "  key-rekey IFACE peer ID key KID     (rekey threshold reached)\n"
		       "  key-expired IFACE peer ID key KID   (key hit a hard limit)\n"
		       "  events-lost                         (more came than fit; some are gone)\n");
		return 0;
	}
	if (argc > 1)
		return tool_error("monitor: unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		m.ifindex = tool_ifindex(argv[0]);
		if (!m.ifindex)
			return 1;
	}
	h = tool_open();
	if (!h)
		return 1;
	r = avpnl_event_subscribe(h);
	if (r) {
		r = tool_nl_error(h, r, "subscribing to events");
		goto out;
	}
	for (;;) {
		r = avpnl_event_recv(h, on_event, &m);
		if (r == -ENOBUFS) { /* the kernel dropped what did not fit: say so, go on */
			printf("events-lost");
			r = end_line();
		}
		if (r == -EPIPE) {
			r = tool_error("writing output");
			break;
		}
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			r = tool_nl_error(h, r, NULL);
			break;
		}
	}
out:
	avpnl_close(h);
	return r;
}
