// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - the logger (see log.h).
 *
 * A stream message is formatted into one buffer and written with one
 * fwrite(), so lines of two processes sharing a log file do not interleave
 * within a line.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"

#define LOG_LINE_MAX 1024

static struct {
	const char *ident;
	int level;
	bool syslog;
	FILE *file; /* NULL = stderr */
} logger = {
	.ident = "autovpn",
	.level = LOG_DEFAULT_LEVEL,
};

void log_open(const char *ident, int level, bool to_syslog)
{
	log_close();
	logger.ident = ident;
	logger.level = level;
	if (to_syslog) {
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		logger.syslog = true;
	}
}

void log_close(void)
{
	if (logger.syslog)
		closelog();
	logger.syslog = false;
}

void log_set_level(int level)
{
	logger.level = level;
}

int log_get_level(void)
{
	return logger.level;
}

bool log_enabled(int level)
{
	return level <= logger.level;
}

void log_set_file(FILE *f)
{
	logger.file = f;
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	uint64_t ns;
	int n, m;

	if (!log_enabled(level))
		return;
	if (logger.syslog) {
		vsyslog(level, fmt, ap);
		return;
	}
	ns = clock_realtime_ns();
	n = snprintf(line, sizeof(line),
		     "%llu.%03llu %s: ", (unsigned long long)(ns / CLOCK_NS_PER_SEC),
		     (unsigned long long)(ns % CLOCK_NS_PER_SEC / 1000000), logger.ident);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	m = vsnprintf(line + n, sizeof(line) - 1 - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	/* A longer message is cut, not dropped. */
	n = (size_t)(n + m) >= sizeof(line) - 1 ? (int)sizeof(line) - 2 : n + m;
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, logger.file ? logger.file : stderr);
	fflush(logger.file ? logger.file : stderr);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
