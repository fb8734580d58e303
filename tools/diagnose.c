// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose.c - `autovpn diagnose [IFACE] [--json]`: asks IFACE's autovpnd
 * for its findings (the daemon's diagnose.c works them out from what it
 * and the registry know) and prints them, problems with their fix:
 *
 *   ERROR registry: registry 192.0.2.2:9350 does not answer: ...
 *       fix: allow outbound UDP from this gateway to ...
 *   OK    San Jose: tunnel to San Jose is up
 *
 * The exit status tells scripts the outcome without parsing (diagnose.h).
 */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ask.h"
#include "diagnose.h"
#include "nl/avpnl_dev.h"
#include "print.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: " TOOL_PROG " diagnose [IFACE] [--json]\n"
		   "\n"
		   "Asks autovpnd for IFACE (default: the only autovpn device) what is wrong\n"
		   "and prints each finding as \"SEVERITY subject: cause\", with the fix on the\n"
		   "next line; findings that are ok take one line. --json prints autovpnd's\n"
		   "document ({\"findings\":[{\"severity\",\"subject\",\"cause\",\"fix\"}]}).\n"
		   "\n"
		   "Exit status: 0 no finding of severity error, 1 at least one,\n"
		   "2 autovpnd could not be asked (not running, refused, no answer).\n");
}

int diagnose_exit_status(const struct ctl_diagnosis *d)
{
	for (uint32_t i = 0; i < d->n_findings; i++)
		if (!strcmp(d->findings[i].severity, "error"))
			return DIAGNOSE_EXIT_ERROR;
	return DIAGNOSE_EXIT_OK;
}

/* @s with control characters as '?': the daemon's strings come from
 * configs and must not drive the terminal. */
static void diagnose_puts(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static const char *diagnose_color(const char *severity)
{
	if (!strcmp(severity, "error"))
		return "\033[1;31m";
	if (!strcmp(severity, "warn"))
		return "\033[1;33m";
	if (!strcmp(severity, "ok"))
		return "\033[1;32m";
	return "\033[1m";
}

static void diagnose_count(FILE *f, unsigned int n, const char *one, const char *many, bool *first)
{
	if (!n)
		return;
	fprintf(f, "%s%u %s", *first ? "" : ", ", n, n == 1 ? one : many);
	*first = false;
}

void diagnose_print(FILE *f, const struct ctl_diagnosis *d, bool color)
{
	unsigned int n_err = 0, n_warn = 0, n_ok = 0, n_other = 0;
	bool first = true;

	for (uint32_t i = 0; i < d->n_findings; i++) {
		const struct ctl_finding *x = &d->findings[i];
		bool ok = !strcmp(x->severity, "ok");
		char sev[sizeof(x->severity)];
		size_t k;

		for (k = 0; x->severity[k]; k++)
			sev[k] = (char)toupper((unsigned char)x->severity[k]);
		sev[k] = '\0';
		n_err += !strcmp(x->severity, "error");
		n_warn += !strcmp(x->severity, "warn");
		n_ok += ok;
		if (color)
			fputs(diagnose_color(x->severity), f);
		diagnose_puts(f, sev);
		if (color)
			fputs("\033[0m", f);
		/* Pad to the widest severity: the subjects line up. */
		fprintf(f, "%*s", k < 5 ? (int)(6 - k) : 1, "");
		diagnose_puts(f, x->subject);
		fputs(": ", f);
		diagnose_puts(f, x->cause);
		fputc('\n', f);
		if (!ok && x->fix[0]) {
			fputs("    fix: ", f);
			diagnose_puts(f, x->fix);
			fputc('\n', f);
		}
	}
	n_other = d->n_findings - n_err - n_warn - n_ok;
	diagnose_count(f, n_err, "error", "errors", &first);
	diagnose_count(f, n_warn, "warning", "warnings", &first);
	diagnose_count(f, n_ok, "ok", "ok", &first);
	diagnose_count(f, n_other, "other", "other", &first);
	fprintf(f, "%s\n", first ? "no findings" : "");
}

static void diagnose_json(const struct ctl_diagnosis *d)
{
	print_begin(true, false);
	print_obj_open(NULL);
	print_arr_open("findings", NULL);
	for (uint32_t i = 0; i < d->n_findings; i++) {
		print_obj_open(NULL);
		print_str("severity", NULL, d->findings[i].severity);
		print_str("subject", NULL, d->findings[i].subject);
		print_str("cause", NULL, d->findings[i].cause);
		print_str("fix", NULL, d->findings[i].fix);
		print_obj_close();
	}
	print_arr_close();
	print_obj_close();
}

/* The default IFACE: the only autovpn device. */
struct diagnose_devs {
	unsigned int n;
	char names[4][IF_NAMESIZE];
};

static int diagnose_dev(const struct avpnl_dev *dev, void *arg)
{
	struct diagnose_devs *ds = arg;

	if (ds->n < 4) {
		if (dev->ifname[0])
			snprintf(ds->names[ds->n], IF_NAMESIZE, "%s", dev->ifname);
		else if (!if_indextoname(dev->ifindex, ds->names[ds->n]))
			snprintf(ds->names[ds->n], IF_NAMESIZE, "if%u", dev->ifindex);
	}
	ds->n++;
	return 0;
}

static int diagnose_default(char *ifname)
{
	struct diagnose_devs ds = { 0 };
	struct avpnl *h = tool_open();
	int r;

	if (!h)
		return -ENOENT;
	r = avpnl_dev_dump(h, diagnose_dev, &ds);
	if (r)
		tool_nl_error(h, r, "listing devices");
	avpnl_close(h);
	if (r)
		return r;
	if (ds.n == 1) {
		memcpy(ifname, ds.names[0], IF_NAMESIZE);
		return 0;
	}
	if (!ds.n)
		tool_error("no autovpn device: autovpnd is not running");
	else
		tool_error("%u autovpn devices (%s, %s%s): name one", ds.n, ds.names[0],
			   ds.names[1], ds.n > 2 ? ", ..." : "");
	return -ENOENT;
}

int diagnose_main(int argc, char **argv)
{
	char dflt[IF_NAMESIZE], msg[ASK_MSG_MAX];
	struct ctl_diagnosis d;
	const char *ifname = NULL;
	bool json = false;
	int ret;

	for (int i = 0; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (argv[i][0] == '-' || ifname) {
			tool_error("unexpected argument '%s'", argv[i]);
			usage(stderr);
			return DIAGNOSE_EXIT_NO_ANSWER;
		} else {
			ifname = argv[i];
		}
	}
	if (!ifname) {
		if (diagnose_default(dflt))
			return DIAGNOSE_EXIT_NO_ANSWER;
		ifname = dflt;
	}
	if (ask_diagnosis(ifname, &d, msg, sizeof(msg))) {
		tool_error("%s", msg);
		return DIAGNOSE_EXIT_NO_ANSWER;
	}
	if (json)
		diagnose_json(&d);
	else
		diagnose_print(stdout, &d, isatty(STDOUT_FILENO));
	ret = diagnose_exit_status(&d);
	ctl_diagnosis_free(&d);
	if (json ? print_end() : (fflush(stdout) || ferror(stdout))) {
		tool_error("writing output: %s", strerror(EIO));
		return DIAGNOSE_EXIT_NO_ANSWER;
	}
	return ret;
}
