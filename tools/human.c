// SPDX-License-Identifier: GPL-2.0
/* human.c - durations, ages, round-trip times and loss for text output. */
#include <stdio.h>

#include "ctl/ctl.h"
#include "human.h"

static const struct {
	const char *name;
	uint64_t ms;
} human_units[] = {
	{ "d", 86400000 },
	{ "h", 3600000 },
	{ "min", 60000 },
	{ "s", 1000 },
};

#define HUMAN_N_UNITS (sizeof(human_units) / sizeof(human_units[0]))

char *human_duration(char *buf, size_t len, uint64_t ms)
{
	unsigned int i;
	uint64_t rest;

	if (ms < 1000) {
		snprintf(buf, len, "%llu ms", (unsigned long long)ms);
		return buf;
	}
	/* The largest unit that fits, then the next one if it is not zero:
	 * "1 h 3 min", not "1 h 3 min 7 s" (nobody reads the seconds). */
	for (i = 0; human_units[i].ms > ms; i++)
		;
	rest = ms % human_units[i].ms;
	if (i + 1 < HUMAN_N_UNITS && rest >= human_units[i + 1].ms)
		snprintf(buf, len, "%llu %s %llu %s", (unsigned long long)(ms / human_units[i].ms),
			 human_units[i].name, (unsigned long long)(rest / human_units[i + 1].ms),
			 human_units[i + 1].name);
	else
		snprintf(buf, len, "%llu %s", (unsigned long long)(ms / human_units[i].ms),
			 human_units[i].name);
	return buf;
}

char *human_age(char *buf, size_t len, uint64_t ms)
{
	char d[HUMAN_STRLEN];

	if (ms == CTL_NEVER)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%s ago", human_duration(d, sizeof(d), ms));
	return buf;
}

char *human_usecs(char *buf, size_t len, uint64_t us)
{
	/* Three significant digits at most: jitter of 0.04 ms is noise. The
	 * bounds are where rounding would carry into a fourth digit
	 * ("9.999 ms" is "10.0 ms", not "10.00 ms"). */
	if (us < 1000)
		snprintf(buf, len, "%llu us", (unsigned long long)us);
	else if (us < 9995)
		snprintf(buf, len, "%.2f ms", (double)us / 1000);
	else if (us < 99950)
		snprintf(buf, len, "%.1f ms", (double)us / 1000);
	else if (us < 999500)
		snprintf(buf, len, "%llu ms", (unsigned long long)((us + 500) / 1000));
	else
		snprintf(buf, len, "%.2f s", (double)us / 1000000);
	return buf;
}

char *human_loss(char *buf, size_t len, uint32_t loss)
{
	unsigned int whole = loss / 100, frac = loss % 100;

	/* Integer arithmetic: "0.05%" must not print as "0.050000001%". */
	if (!frac)
		snprintf(buf, len, "%u%%", whole);
	else if (frac % 10 == 0)
		snprintf(buf, len, "%u.%u%%", whole, frac / 10);
	else
		snprintf(buf, len, "%u.%02u%%", whole, frac);
	return buf;
}
