// SPDX-License-Identifier: GPL-2.0
/*
 * avpn-gwsim: N simulated gateways on 127.0.0.0/8, using the real protocol
 * code (proto, seal, regclient).  For tests and benchmarks only; it never
 * sends anywhere but loopback and always stops by itself.
 *
 *   avpn-gwsim keys --seed S --count N [--private]
 *                                   "index<TAB>public key[<TAB>private key]" lines
 *   avpn-gwsim pubkey KEYFILE                   public key of a private key file
 *   avpn-gwsim register -r ADDR:PORT [-r ADDR:PORT] -k REGISTRY_PUBKEY
 *              (--gw NAME=KEYFILE[,unfriendly][,silent][,echo-blocked])... | --seed S --count N
 *              [--timeout S] [--run S] [--wait-push S] [--quiet] [--record FILE] [--diag]
 *   avpn-gwsim load -r ADDR:PORT [-r ADDR:PORT] -k REGISTRY_PUBKEY --count N
 *              (--seed S | --keys FILE) [--duration S] [--window N]
 *              [--label L1,L2] [--register-timeout S]
 *              (GWSIM_SERVER_PIDS=P1,P2: measure the servers' CPU and RSS)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/key.h"
#include "gwsim.h"

#define MAX_GW 1000000

static void usage(void)
{
	fprintf(stderr,
		"usage: avpn-gwsim keys --seed S --count N [--private]\n"
		"       avpn-gwsim pubkey KEYFILE\n"
		"       avpn-gwsim register -r ADDR:PORT [-r ADDR:PORT] -k REGPUB\n"
		"                  (--gw NAME=KEYFILE[,unfriendly][,silent][,echo-blocked])... | --seed S --count N\n"
		"                  [--timeout S] [--run S] [--wait-push S] [--quiet]\n"
		"                  [--record FILE] [--diag]\n"
		"       avpn-gwsim load -r ADDR:PORT [-r ADDR:PORT] -k REGPUB --count N\n"
		"                  (--seed S | --keys FILE) [--duration S] [--window N]\n"
		"                  [--label L1,L2] [--register-timeout S]\n");
}

static int add_gw(struct sim *s, const char *spec)
{
	char buf[512], *eq, *opt, err[128];
	struct sim_gw *g;

	snprintf(buf, sizeof(buf), "%s", spec);
	eq = strchr(buf, '=');
	if (!eq || eq == buf || strlen(buf) - 1 > 63 + 400) {
		fprintf(stderr,
			"avpn-gwsim: --gw wants NAME=KEYFILE[,unfriendly][,silent][,echo-blocked]\n");
		return -1;
	}
	*eq++ = 0;
	g = &s->gw[s->n];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", buf);
	opt = strchr(eq, ',');
	if (opt)
		*opt++ = 0;
	while (opt && *opt) {
		char *next = strchr(opt, ',');

		if (next)
			*next++ = 0;
		if (!strcmp(opt, "unfriendly"))
			g->unfriendly = 1;
		else if (!strcmp(opt, "silent"))
			g->silent = 1;
		else if (!strcmp(opt, "echo-blocked"))
			g->echo_blocked = 1;
		else {
			fprintf(stderr, "avpn-gwsim: unknown gateway option '%s'\n", opt);
			return -1;
		}
		opt = next;
	}
	if (key_read_file_public(eq, g->sk, err, sizeof(err))) {
		fprintf(stderr, "avpn-gwsim: %s: %s\n", eq, err);
		return -1;
	}
	key_public(g->pk, g->sk);
	g->addr = sim_addr(s->n);
	g->fd[0] = g->fd[1] = -1;
	s->n++;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "registry", required_argument, NULL, 'r' },
		{ "registry-key", required_argument, NULL, 'k' },
		{ "gw", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "run", required_argument, NULL, 'R' },
		{ "wait-push", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "window", required_argument, NULL, 'w' },
		{ "label", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "private", no_argument, NULL, 'p' },
		{ "keys", required_argument, NULL, 'K' },
		{ "register-timeout", required_argument, NULL, 'T' },
		{ "record", required_argument, NULL, 'E' },
		{ "diag", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sim s;
	const char *cmd, *seed = NULL, *label = "registry", *keyfile = NULL;
	double timeout = 10, run = 0, wait_push = 0, duration = 5, reg_timeout = 120;
	int private = 0;
	unsigned long count = 0, window = 256;
	int c, quiet = 0, have_key = 0;

	if (argc < 2) {
		usage();
		return 2;
	}
	cmd = argv[1];
	if (seal_init())
		return 1;
	if (!strcmp(cmd, "pubkey") && argc == 3) {
		uint8_t sk[32], pk[32];
		char err[128], b64[KEY_B64_SIZE];

		if (key_read_file_public(argv[2], sk, err, sizeof(err))) {
			fprintf(stderr, "avpn-gwsim: %s: %s\n", argv[2], err);
			return 1;
		}
		key_public(pk, sk);
		key_to_base64(b64, pk);
		printf("%s\n", b64);
		return 0;
	}
	s.gw = calloc(1024, sizeof(*s.gw));
	if (!s.gw)
		return 1;
	optind = 2;
	while ((c = getopt_long(argc, argv, "r:k:q", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (s.n_reg == REGCLIENT_MAX_REG ||
			    sim_parse_loopback(optarg, &s.reg[s.n_reg]))
				return 2;
			s.n_reg++;
			break;
		case 'k':
			if (key_from_base64(s.registry_pk, optarg)) {
				fprintf(stderr, "avpn-gwsim: bad registry key\n");
				return 2;
			}
			have_key = 1;
			break;
		case 'g':
			if (s.n == 1024 || add_gw(&s, optarg))
				return 2;
			break;
		case 'S':
			seed = optarg;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'R':
			run = atof(optarg);
			break;
		case 'P':
			wait_push = atof(optarg);
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 'w':
			window = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			label = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'p':
			private
			= 1;
			break;
		case 'K':
			keyfile = optarg;
			break;
		case 'T':
			reg_timeout = atof(optarg);
			break;
		case 'E':
			s.record = optarg;
			break;
		case 'D':
			s.diag = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	/* Every mode is bounded in time. */
	if (timeout <= 0 || timeout > 600 || run < 0 || run > 600 || wait_push < 0 ||
	    wait_push > 600 || duration <= 0 || duration > 600 || !window || window > 65536 ||
	    reg_timeout <= 0 || reg_timeout > 600 || count > MAX_GW) {
		fprintf(stderr, "avpn-gwsim: option out of range (times <= 600 s, count <= %d)\n",
			MAX_GW);
		return 2;
	}
	if (!strcmp(cmd, "keys")) {
		if (!seed || !count) {
			usage();
			return 2;
		}
		for (uint32_t i = 0; i < count; i++) {
			uint8_t sk[32], pk[32];
			char b64[KEY_B64_SIZE], s64[KEY_B64_SIZE];

			sim_key(seed, i, sk, pk);
			key_to_base64(b64, pk);
			if (private) {
				/* Test keys only: lets `load --keys` skip recomputing them. */
				key_to_base64(s64, sk);
				printf("%u\t%s\t%s\n", i, b64, s64);
			} else {
				printf("%u\t%s\n", i, b64);
			}
		}
		return 0;
	}
	if (!s.n_reg || !have_key) {
		fprintf(stderr, "avpn-gwsim: need -r and -k\n");
		return 2;
	}
	if (!strcmp(cmd, "load")) {
		if ((!seed && !keyfile) || !count) {
			usage();
			return 2;
		}
		if (seed)
			setenv("GWSIM_SEED", seed, 1);
		s.n = (uint32_t)count;
		free(s.gw);
		s.gw = NULL;
		return sim_load(&s, duration, (unsigned int)window, label, reg_timeout, keyfile);
	}
	if (!strcmp(cmd, "register")) {
		if (seed && count) {
			if (count > 1024 - s.n) {
				fprintf(stderr,
					"avpn-gwsim: register mode: at most 1024 gateways\n");
				return 2;
			}
			for (uint32_t i = 0; i < count; i++) {
				struct sim_gw *g = &s.gw[s.n];

				snprintf(g->name, sizeof(g->name), "gw%u", i);
				sim_key(seed, i, g->sk, g->pk);
				g->addr = sim_addr(s.n);
				g->fd[0] = g->fd[1] = -1;
				s.n++;
			}
		}
		if (!s.n) {
			fprintf(stderr, "avpn-gwsim: no gateways\n");
			return 2;
		}
		return sim_register(&s, timeout, run, wait_push, !quiet);
	}
	usage();
	return 2;
}
