// SPDX-License-Identifier: GPL-2.0
/*
 * uplink_retire: what the module does with an uplink socket it replaced.
 *
 * The module keeps a replaced socket hooked for AVPN_UPLINK_RETIRE_MS
 * ("retiring", kernel/uplink.c), so DATA still reaching it (a port shared
 * through SO_REUSEPORT before the daemon steers it) is decrypted. While it
 * is hooked, handing it in again is refused (EBUSY); a detach or the
 * device's deletion lets it go at once. Two sockets on IP:PORT
 * (SO_REUSEPORT, as autovpnd binds them):
 *
 *   detach    S1 in, S2 replaces it, the uplink is detached: S1 can be
 *             handed in again at once (the detach let both go)
 *   refused   S2 replaces S1 (now retiring); S1 handed in again at once:
 *             the kernel's answer, and how long after the replacement
 *   released  then S1 tried every 20 ms until taken: how long after the
 *             replacement (never before the retiring time is up)
 *   deleted   on a device of our own, DEVICE2: S2 replaces S1, S1 is
 *             refused (so it is retiring), DEVICE2 is deleted at once, and
 *             S1 must be free for IFACE right after
 *
 * Steps whose point is "at once" are tried again (3 times) if a stalled
 * guest made them take 400 ms or more: the retiring time could have been
 * up, and then they would prove nothing either way.
 *
 * usage: uplink_retire IFACE DEVICE2 UPLINK IP:PORT
 * output: one line per step, "STEP key=value ...", or "ERROR ...".
 */
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/endpoint.h"
#include "base/udpsock.h"
#include "nl/avpnl.h"
#include "nl/avpnl_dev.h"

static struct avpnl *nl;
static uint32_t ifindex;
static uint8_t uplink;

/* Hands @fd in as the uplink (-1: detach); 0 or -errno, the reason in *why. */
static int attach_to(uint32_t dev, int fd, const char **why)
{
	int err = avpnl_dev_set_uplink(nl, dev, uplink, fd);

	*why = err ? (avpnl_errmsg(nl) ?: strerror(-err)) : "";
	return err;
}

static int attach(int fd, const char **why)
{
	return attach_to(ifindex, fd, why);
}

/* Like attach_to(), but a failure ends the program. */
static void must_attach_to(const char *step, uint32_t dev, int fd)
{
	const char *why;

	if (attach_to(dev, fd, &why)) {
		printf("ERROR %s: %s\n", step, why);
		exit(1);
	}
}

static void must_attach(const char *step, int fd)
{
	must_attach_to(step, ifindex, fd);
}

/* A step that needed to be quick was not: try it again. */
static bool stalled(int rc, long long ms)
{
	return rc != -EBUSY && ms >= 400;
}

int main(int argc, char **argv)
{
	struct udpsock_opts o = { .reuseport = true };
	struct endpoint ep;
	char err[256];
	const char *why;
	long long t0, t;
	int s1, s2, rc, try;
	uint32_t dev2;

	if (argc != 5 || endpoint_parse(argv[4], &ep, &why)) {
		fprintf(stderr, "usage: uplink_retire IFACE DEVICE2 UPLINK IP:PORT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ifindex = if_nametoindex(argv[1]);
	uplink = (uint8_t)atoi(argv[3]);
	if (!ifindex || avpnl_open(&nl)) {
		printf("ERROR no device %s or no netlink\n", argv[1]);
		return 1;
	}
	s1 = udpsock_open(&ep, &o, err, sizeof(err));
	s2 = s1 < 0 ? -1 : udpsock_open(&ep, &o, err, sizeof(err));
	if (s1 < 0 || s2 < 0) {
		printf("ERROR %s\n", err);
		return 1;
	}

	must_attach("detach: S1", s1);
	must_attach("detach: S2", s2);
	must_attach("detach: detach", -1);
	rc = attach(s1, &why);
	printf("DETACH rc=%d why=%s\n", rc, rc ? why : "-");

	for (try = 1;; try++) {
		must_attach("refused: detach", -1);
		must_attach("refused: S1", s1);
		t0 = (long long)clock_mono_ms();
		must_attach("refused: S2", s2);
		rc = attach(s1, &why);
		t = (long long)clock_mono_ms();
		if (!stalled(rc, t - t0) || try == 3)
			break;
	}
	printf("REFUSED rc=%d after_ms=%lld tries=%d why=%s\n", rc, t - t0, try, rc ? why : "-");

	while ((rc = attach(s1, &why)) == -EBUSY && (long long)clock_mono_ms() - t0 < 10000)
		usleep(20 * 1000);
	printf("RELEASED rc=%d after_ms=%lld why=%s\n", rc, (long long)clock_mono_ms() - t0, rc ? why : "-");

	must_attach("deleted: detach", -1);
	for (try = 1;; try++) {
		rc = avpnl_dev_new(nl, argv[2], 0, &dev2);
		if (rc) {
			printf("ERROR deleted: creating %s: %s\n", argv[2], avpnl_errmsg(nl) ?: strerror(-rc));
			return 1;
		}
		must_attach_to("deleted: S1", dev2, s1);
		t0 = (long long)clock_mono_ms();
		must_attach_to("deleted: S2", dev2, s2);
		rc = attach_to(dev2, s1, &why);
		t = (long long)clock_mono_ms();
		if (avpnl_dev_del(nl, dev2)) {
			printf("ERROR deleted: deleting %s: %s\n", argv[2], avpnl_errmsg(nl) ?: "?");
			return 1;
		}
		if (!stalled(rc, t - t0) || try == 3)
			break;
		must_attach("deleted: free S1 and S2", -1);
	}
	/* Refused just before the deletion (retiring), taken right after. */
	printf("DELETED refused_rc=%d after_ms=%lld tries=%d reattach_rc=%d\n", rc, t - t0, try,
	       attach(s1, &why));
	avpnl_close(nl);
	return 0;
}
