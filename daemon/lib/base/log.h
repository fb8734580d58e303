/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - the one logger of the daemons.
 *
 * printf-style messages with a syslog level (LOG_ERR, LOG_WARNING, LOG_INFO,
 * LOG_DEBUG from <syslog.h>); messages above the configured level are
 * dropped. They go to stderr, one line each as
 *
 *   1733212345.123 autovpn-registry: config org.conf version ...: 3 networks
 *
 * (realtime seconds.milliseconds, the program's name), or to syslog, which
 * stamps them itself. Not thread-safe to configure; logging itself is one
 * write per message.
 */
#ifndef AVPN_BASE_LOG_H
#define AVPN_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

#define LOG_DEFAULT_LEVEL LOG_INFO

/*
 * Sets the name in every message (@ident must outlive the logger), the
 * level, and whether messages go to syslog (facility daemon) instead of
 * stderr. May be called again.
 */
void log_open(const char *ident, int level, bool to_syslog);
/* Back to stderr (closes syslog if it was open). */
void log_close(void);

void log_set_level(int level);
int log_get_level(void);
/* Whether a message at @level would be written (to skip costly formatting). */
bool log_enabled(int level);
/* Writes stream messages to @f instead of stderr (NULL: stderr again). */
void log_set_file(FILE *f);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* AVPN_BASE_LOG_H */
