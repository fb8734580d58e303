/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock.h - the two clocks of userspace.
 *
 * Monotonic milliseconds for everything that measures or schedules (timers,
 * keepalive intervals, "last seen"): it never steps. Realtime nanoseconds
 * only where a time must mean the same to another host or survive a
 * restart (seal counters, freshness checks, log stamps).
 */
#ifndef AVPN_BASE_CLOCK_H
#define AVPN_BASE_CLOCK_H

#include <stdint.h>

#define CLOCK_NS_PER_SEC 1000000000ull

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t clock_mono_ms(void);
/* CLOCK_MONOTONIC in microseconds (probe round-trip times). */
uint64_t clock_mono_us(void);
/* CLOCK_REALTIME in nanoseconds since the epoch. */
uint64_t clock_realtime_ns(void);

#endif /* AVPN_BASE_CLOCK_H */
