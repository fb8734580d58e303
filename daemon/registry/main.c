// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn-registry: the VPN registry ("the cloud").  See docs/protocol.md.
 *
 *   autovpn-registry -c ORG.CONF --id 1|2 [-l ADDR[:PORT]]... [--http ADDR:PORT|off]
 *                    [--keepalive-ms MS] [--max-clock-skew S] [--echo-port PORT]
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
#include <sodium.h>

#include "base/endpoint.h"
#include "base/parse.h"
#include "registry.h"

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct registry *r = arg;

	if (signo == SIGHUP) {
		log_info("SIGHUP: reloading %s", r->config_path);
		reload_config(r, 0);
	} else {
		loop_stop(l);
	}
}

/* Reloads if an inotify event names the config file. */
static void on_inotify(struct loop *l, int fd, uint32_t events, void *arg)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct registry *r = arg;
	int hit = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len && !strcmp(e->name, r->config_base))
				hit = 1;
			p += sizeof(*e) + e->len;
		}
	}
	if (hit)
		reload_config(r, 0);
}

/* Pushes go out between receive batches, a bounded number at a time. */
static int prepare(struct loop *l, void *arg)
{
	struct registry *r = arg;

	push_run(r, clock_mono_ms());
	return push_timeout_ms(r, clock_mono_ms());
}

static int setup_watch(struct registry *r)
{
	char *a = strdup(r->config_path), *b = strdup(r->config_path);
	int ret;

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	r->config_dir = strdup(dirname(a));
	r->config_base = strdup(basename(b));
	free(a);
	free(b);
	if (!r->config_dir || !r->config_base)
		return -ENOMEM;
	/*
	 * Watch the directory, not the file: editors and `mv` replace the file
	 * (a new inode), which a watch on the old inode would never see.
	 */
	r->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->inofd < 0)
		return -errno;
	r->inowd = inotify_add_watch(r->inofd, r->config_dir,
				     IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
	if (r->inowd < 0)
		log_warn("inotify on %s: %s (SIGHUP still works)", r->config_dir, strerror(errno));
	ret = loop_add_fd(r->loop, r->inofd, EPOLLIN, on_inotify, r);
	if (ret)
		return ret;
	signal(SIGPIPE, SIG_IGN);
	ret = loop_add_signal(r->loop, SIGHUP, on_signal, r);
	if (!ret)
		ret = loop_add_signal(r->loop, SIGINT, on_signal, r);
	if (!ret)
		ret = loop_add_signal(r->loop, SIGTERM, on_signal, r);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: autovpn-registry -c ORG.CONF [options]\n"
		"  -c, --config FILE        org config (reloaded on SIGHUP and on change)\n"
		"  -l, --listen ADDR[:PORT] UDP listen address, repeatable (default 0.0.0.0:%d)\n"
		"      --http ADDR:PORT|off JSON API address (default: org config status-listen)\n"
		"      --id 1|2             which registry this is: gateways list the registries'\n"
		"                           addresses in this order (required to run)\n"
		"      --keepalive-ms MS    keepalive interval gateways must use (default %d)\n"
		"      --max-clock-skew S   clock window for counters, 0 = off (default %d)\n"
		"      --echo-port PORT     also answer the gateways' high-port echo on PORT\n"
		"                           (32768-61000) of every listen address (default off)\n"
		"      --check              validate the config and exit\n"
		"  -v, --verbose\n"
		"  -h, --help               this text\n",
		NET_DEFAULT_PORT, PROTO_DEFAULT_KEEPALIVE_MS, REGISTRY_DEFAULT_SKEW_S);
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
		{ "echo-port", required_argument, NULL, 'e' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct registry reg;
	struct registry *r = &reg;
	const char *listen[NET_MAX_SOCKS];
	unsigned int n_listen = 0;
	int c, check = 0, rc = 1;
	char buf[ENDPOINT_STRLEN];

	loop_defer_signal(SIGHUP); /* "reload", once the loop reads it (setup_watch()) */
	log_open("autovpn-registry", LOG_DEFAULT_LEVEL, false);
	r->keepalive_ms = PROTO_DEFAULT_KEEPALIVE_MS;
	r->max_skew_s = REGISTRY_DEFAULT_SKEW_S;
	r->inofd = -1;
	while ((c = getopt_long(argc, argv, "c:l:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r->config_path = optarg;
			break;
		case 'l':
			if (n_listen == NET_MAX_SOCKS) {
				fprintf(stderr, "too many -l\n");
				return 2;
			}
			listen[n_listen++] = optarg;
			break;
		case 'H':
			r->http_listen = optarg;
			break;
		case 'i':
			if (parse_u32(optarg, 1, REGISTRY_MAX_ID, &r->id))
				return bad_value("id", optarg, "1 or 2");
			break;
		case 'k':
			if (parse_u32(optarg, PROTO_MIN_KEEPALIVE_MS, PROTO_MAX_KEEPALIVE_MS,
				      &r->keepalive_ms))
				return bad_value("keepalive-ms", optarg, "10..3600000");
			break;
		case 's':
			if (parse_u32(optarg, 0, 86400 * 365, &r->max_skew_s))
				return bad_value("max-clock-skew", optarg, "0..31536000 seconds");
			break;
		case 'e': {
			uint32_t v;

			/* In the gateways' own port range: that is what it tests. */
			if (parse_u32(optarg, PROTO_ECHO_PORT_MIN, PROTO_ECHO_PORT_MAX, &v))
				return bad_value("echo-port", optarg, "32768..61000");
			r->echo_port = (uint16_t)v;
			break;
		}
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
	view_init(r);
	if (reload_config(r, 1))
		return 1;
	if (check)
		return 0;
	if (!r->id) {
		/*
		 * No default: two registries that both took one would each drop
		 * half of every gateway's messages, silently.
		 */
		fprintf(stderr, "autovpn-registry: --id 1 or --id 2 is required: the position of "
				"this registry's address in the gateways' [registry] list\n");
		return 2;
	}
	/*
	 * Random per start so that a restarted registry (whose clock may have
	 * gone back) never repeats a nonce; the low byte keeps the two
	 * registries apart, which share the key pair.
	 */
	r->sender_id = (randombytes_random() & ~0xffu) | r->id;
	if (loop_new(&r->loop) || setup_watch(r))
		goto out;
	loop_set_prepare(r->loop, prepare, r);
	if (!n_listen)
		listen[n_listen++] = "0.0.0.0:9350";
	for (unsigned int i = 0; i < n_listen; i++)
		if (net_open(r, listen[i]))
			goto out;
	if (!r->http_listen)
		r->http_listen = endpoint_format(&r->cfg->status_listen, buf, sizeof(buf));
	if (strcmp(r->http_listen, "off") && http_start(r, r->http_listen))
		goto out;
	log_info("registry id %u ready, keepalive %u ms", r->id, r->keepalive_ms);
	if (loop_run(r->loop))
		goto out;
	log_info("exiting");
	rc = 0;
out:
	http_stop(r);
	net_close(r);
	view_clear(r);
	if (r->cfg) {
		gwtable_free(r->gws, (uint32_t)r->cfg->n_networks);
		orgconf_free(r->cfg);
	}
	free(r->hash);
	free(r->hub_spokes_off);
	free(r->hub_spokes);
	free(r->hubs);
	if (r->inofd >= 0)
		close(r->inofd);
	loop_free(r->loop);
	free(r->config_dir);
	free(r->config_base);
	return rc;
}
