// SPDX-License-Identifier: GPL-2.0
/*
 * autovpnd - the autovpn gateway daemon (see gateway.h, docs/architecture.md).
 *
 *   autovpnd [-c FILE] [--check] [-f] [-v] [--metrics ADDR:PORT]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/autovpn.h>

#include "base/log.h"
#include "base/parse.h"
#include "gateway.h"
#include "wire/seal.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: autovpnd [OPTIONS]\n"
		"The autovpn gateway daemon: joins the organization's VPN with the\n"
		"registries named in its config and runs the tunnels in autovpn.ko.\n"
		"\n"
		"  -c, --config FILE       gateway config (default " GWCONF_DEFAULT_PATH ")\n"
		"      --check             validate the config, print every error, exit\n"
		"  -f, --foreground        log to stderr instead of syslog\n"
		"  -v, --verbose           debug log output\n"
		"      --probe-ms MS       path probe interval (default 1000, 100-10000)\n"
		"      --rekey-secs S      rekey interval (default 120, 5-120; for tests)\n"
		"      --rekey-packets N   rekey once a key has sent N packets, when the kernel\n"
		"                          says so (default 2^28, 1000-2^28; for tests)\n"
		"      --hysteresis-ms MS  how long a better route's peer must be up before\n"
		"                          traffic moves back to it (default 10000)\n"
		"      --metrics ADDR:PORT serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		"                          (default off)\n"
		"  -h, --help              this text\n"
		"\n"
		"Signals: SIGHUP reloads the config, SIGTERM stops (the interface keeps\n"
		"forwarding unless the config says on-exit = remove).\n");
}

enum { OPT_CHECK = 256, OPT_PROBE, OPT_REKEY, OPT_REKEY_PACKETS, OPT_HYST, OPT_METRICS };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "foreground", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "probe-ms", required_argument, NULL, OPT_PROBE },
	{ "rekey-secs", required_argument, NULL, OPT_REKEY },
	{ "rekey-packets", required_argument, NULL, OPT_REKEY_PACKETS },
	{ "hysteresis-ms", required_argument, NULL, OPT_HYST },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad_number(const char *opt, const char *arg)
{
	fprintf(stderr, "autovpnd: bad value for %s: '%s'\n", opt, arg);
	return 2;
}

int main(int argc, char **argv)
{
	struct gw gw;
	struct errlist errs;
	int c, err;

	loop_defer_signal(SIGHUP); /* "reload", once the loop reads it */
	memset(&gw, 0, sizeof(gw));
	gw.opts.conf_path = GWCONF_DEFAULT_PATH;
	gw.opts.probe_ms = GW_DEFAULT_PROBE_MS;
	gw.opts.rekey_secs = GW_DEFAULT_REKEY_SECS;
	gw.opts.hysteresis_ms = GW_DEFAULT_HYSTERESIS_MS;
	while ((c = getopt_long(argc, argv, "c:fvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			gw.opts.conf_path = optarg;
			break;
		case OPT_CHECK:
			gw.opts.check = true;
			break;
		case 'f':
			gw.opts.foreground = true;
			break;
		case 'v':
			gw.opts.verbose++;
			break;
		case OPT_PROBE:
			if (parse_u32(optarg, 100, 10000, &gw.opts.probe_ms))
				return bad_number("--probe-ms", optarg);
			break;
		case OPT_REKEY:
			if (parse_u32(optarg, 5, GW_DEFAULT_REKEY_SECS, &gw.opts.rekey_secs))
				return bad_number("--rekey-secs", optarg);
			break;
		case OPT_REKEY_PACKETS:
			if (parse_u32(optarg, 1000, (uint32_t)AUTOVPN_KEY_DEFAULT_REKEY_PACKETS,
				      &gw.opts.rekey_packets))
				return bad_number("--rekey-packets", optarg);
			break;
		case OPT_HYST:
			if (parse_u32(optarg, 0, 3600000, &gw.opts.hysteresis_ms))
				return bad_number("--hysteresis-ms", optarg);
			break;
		case OPT_METRICS:
			gw.opts.metrics_listen = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (seal_init()) {
		fprintf(stderr, "autovpnd: libsodium failed to initialise\n");
		return 1;
	}
	errlist_init(&errs);
	err = gwconf_load(gw.opts.conf_path, 0, &gw.conf, &errs);
	if (err) {
		errlist_print(&errs, stderr);
		errlist_free(&errs);
		return 1;
	}
	errlist_free(&errs);
	if (gw.opts.check) {
		printf("%s: OK\n", gw.opts.conf_path);
		gwconf_free(gw.conf);
		return 0;
	}
	log_open("autovpnd", gw.opts.verbose ? LOG_DEBUG : LOG_INFO, !gw.opts.foreground);
	err = gw_run(&gw);
	gwconf_free(gw.conf);
	log_close();
	return err ? 1 : 0;
}
