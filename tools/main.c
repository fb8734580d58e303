// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - `autovpn`: the table of subcommands. Each lives in its own file;
 * commands may be abbreviated to any unique prefix ("autovpn sh").
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "word.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "show", show_main,
	  "show devices, uplinks, peers, paths, keys and counters (and autovpnd's view)" },
	{ "diagnose", diagnose_main, "ask autovpnd what is wrong and how to fix it" },
	{ "set", set_main, "configure a device and its peers by hand" },
	{ "link", link_main, "create or delete an autovpn device" },
	{ "genkey", genkey_main, "generate a private key (or a DATA key with --data)" },
	{ "pubkey", genkey_pubkey_main, "print the public key of the private key on stdin" },
	{ "monitor", monitor_main, "print kernel events until interrupted" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: " TOOL_PROG " COMMAND [ARGUMENTS]\n\nCommands (unique prefixes work):\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'" TOOL_PROG " COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	const char *names[N_COMMANDS];
	size_t i;
	int c;

	if (argc < 2) {
		/* Like `wg`: no arguments shows the status. */
		return show_main(0, argv + 1);
	}
	if (tool_is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	c = word_match(argv[1], names, N_COMMANDS);
	if (c == WORD_AMBIGUOUS) {
		tool_error("ambiguous command '%s'", argv[1]);
		usage(stderr);
		return 1;
	}
	if (c < 0) {
		tool_error("unknown command '%s'", argv[1]);
		usage(stderr);
		return 1;
	}
	return commands[c].fn(argc - 2, argv + 2);
}
