// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn-registry: the VPN registry ("the cloud").  See docs/protocol.md.
 *
 *   autovpn-registry -c ORG.CONF [-l ADDR[:PORT]]... [--http ADDR:PORT|off]
 *                    [--id N] [--keepalive-ms MS] [--max-clock-skew S]
 *                    [--check] [-v]
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sodium.h>

#include "base/endpoint.h"
#include "base/parse.h"
#include "daemon/registry/registry.h"

#define EV_SIG (REG_MAX_SOCKS + 1)
#define EV_INO (REG_MAX_SOCKS + 2)
#define EV_HTTP (REG_MAX_SOCKS + 3)

static int setup_watch(struct registry *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char *a = strdup(r->config_path), *b = strdup(r->config_path);
	sigset_t ss;

	if (!a || !b)
		return -1;
	r->config_dir = strdup(dirname(a));
	r->config_base = strdup(basename(b));
	free(a);
	free(b);
	/*
	 * Watch the directory, not the file: editors and `mv` replace the file
	 * (a new inode), which a watch on the old inode would never see.
	 */
	r->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->inofd < 0 || !r->config_dir || !r->config_base)
		return -1;
	r->inowd = inotify_add_watch(r->inofd, r->config_dir,
				     IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
	if (r->inowd < 0)
		log_warn("inotify on %s: %s (SIGHUP still works)", r->config_dir, strerror(errno));
	ev.data.u64 = EV_INO;
	epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->inofd, &ev);

	sigemptyset(&ss);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	r->sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		return -1;
	ev.data.u64 = EV_SIG;
	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->sigfd, &ev);
}

/* Returns 1 if an event names the config file. */
static int inotify_drain(struct registry *r)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int hit = 0;
	ssize_t n;

	while ((n = read(r->inofd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len && !strcmp(e->name, r->config_base))
				hit = 1;
			p += sizeof(*e) + e->len;
		}
	}
	return hit;
}

static void signals(struct registry *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading %s", r->config_path);
			reg_load_config(r, 0);
		} else {
			r->stop = 1;
		}
	}
}

static void loop(struct registry *r)
{
	struct epoll_event ev[16];

	while (!r->stop) {
		int t = http_timeout_ms(r), tp = reg_push_timeout_ms(r, clock_mono_ms()), n;

		if (t < 0 || t > 1000)
			t = 1000;
		if (tp >= 0 && tp < t)
			t = tp;
		int http_due;

		n = epoll_wait(r->epfd, ev, 16, t);
		if (n < 0 && errno != EINTR)
			break;
		/* MHD runs when its fd is ready or its timeout expired, not per batch. */
		http_due = n == 0;
		for (int i = 0; i < n; i++) {
			uint64_t k = ev[i].data.u64;

			if (k < REG_MAX_SOCKS)
				net_rx(r, (unsigned int)k);
			else if (k == EV_SIG)
				signals(r);
			else if (k == EV_INO && inotify_drain(r))
				reg_load_config(r, 0);
			else if (k == EV_HTTP)
				http_due = 1;
		}
		/* Pushes go out between receive batches, a bounded number at a time. */
		reg_push_run(r, clock_mono_ms());
		if (http_due)
			http_run(r);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: autovpn-registry -c ORG.CONF [options]\n"
		"  -c, --config FILE        org config (reloaded on SIGHUP and on change)\n"
		"  -l, --listen ADDR[:PORT] UDP listen address, repeatable (default 0.0.0.0:%d)\n"
		"      --http ADDR:PORT|off JSON API address (default: org config status-listen)\n"
		"      --id N               registry id, distinct per registry (default random)\n"
		"      --keepalive-ms MS    keepalive interval gateways must use (default %d)\n"
		"      --max-clock-skew S   first-contact freshness window, 0 = off (default %d)\n"
		"      --check              validate the config and exit\n"
		"  -v, --verbose\n",
		REG_DEFAULT_PORT, REG_DEFAULT_KEEPALIVE_MS, REG_DEFAULT_SKEW_S);
}

static int bad_value(const char *opt, const char *v, const char *range)
{
	fprintf(stderr, "autovpn-registry: bad value for --%s: '%s' (want %s)\n", opt, v, range);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "http", required_argument, NULL, 'H' },
		{ "id", required_argument, NULL, 'i' },
		{ "keepalive-ms", required_argument, NULL, 'k' },
		{ "max-clock-skew", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct registry reg;
	struct registry *r = &reg;
	const char *listen[REG_MAX_SOCKS];
	unsigned int n_listen = 0;
	int c, check = 0, rc = 1;
	char buf[ENDPOINT_STRLEN];

	log_open("autovpn-registry", LOG_DEFAULT_LEVEL, false);
	r->keepalive_ms = REG_DEFAULT_KEEPALIVE_MS;
	r->max_skew_s = REG_DEFAULT_SKEW_S;
	r->epfd = r->sigfd = r->inofd = -1;
	while ((c = getopt_long(argc, argv, "c:l:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r->config_path = optarg;
			break;
		case 'l':
			if (n_listen == REG_MAX_SOCKS) {
				fprintf(stderr, "too many -l\n");
				return 2;
			}
			listen[n_listen++] = optarg;
			break;
		case 'H':
			r->http_listen = optarg;
			break;
		case 'i':
			if (parse_u32(optarg, 1, UINT32_MAX, &r->id))
				return bad_value("id", optarg, "1..4294967295");
			break;
		case 'k':
			if (parse_u32(optarg, 10, 3600000, &r->keepalive_ms))
				return bad_value("keepalive-ms", optarg, "10..3600000");
			break;
		case 's':
			if (parse_u32(optarg, 0, 86400 * 365, &r->max_skew_s))
				return bad_value("max-clock-skew", optarg, "0..31536000 seconds");
			break;
		case 'C':
			check = 1;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!r->config_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (seal_init()) {
		fprintf(stderr, "libsodium init failed\n");
		return 1;
	}
	if (!r->id)
		r->id = randombytes_random() | 1;
	for (unsigned int i = 0; i < VIEW_CACHE_SLOTS; i++)
		r->views[i].net = UINT32_MAX;
	if (reg_load_config(r, 1))
		return 1;
	if (check)
		return 0;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0 || setup_watch(r))
		goto out;
	if (!n_listen)
		listen[n_listen++] = "0.0.0.0:9350";
	for (unsigned int i = 0; i < n_listen; i++)
		if (net_open(r, listen[i]))
			goto out;
	if (!r->http_listen)
		r->http_listen = endpoint_format(&r->cfg->status_listen, buf, sizeof(buf));
	if (strcmp(r->http_listen, "off")) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_HTTP };

		if (http_start(r, r->http_listen) ||
		    epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->mhd_fd, &ev))
			goto out;
	}
	log_info("registry id %u ready, keepalive %u ms", r->id, r->keepalive_ms);
	loop(r);
	log_info("exiting");
	rc = 0;
out:
	http_stop(r);
	net_close(r);
	reg_views_clear(r);
	if (r->cfg) {
		gw_free_all(r->gws, (uint32_t)r->cfg->n_networks);
		orgconf_free(r->cfg);
	}
	free(r->hash);
	free(r->hub_spokes_off);
	free(r->hub_spokes);
	free(r->hubs);
	free(r->config_dir);
	free(r->config_base);
	return rc;
}
