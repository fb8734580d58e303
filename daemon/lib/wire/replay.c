// SPDX-License-Identifier: GPL-2.0
/* replay.c - anti-replay window of sealed control messages (see replay.h). */
#include <errno.h>
#include <string.h>

#include "wire/replay.h"

int replay_check(const struct replay_window *w, uint64_t counter)
{
	uint64_t d;

	if (counter == 0)
		return -EINVAL; /* 0 marks an empty window; never a valid counter */
	if (counter > w->top)
		return 0;
	if (counter == w->top)
		return -EALREADY;
	d = w->top - counter;
	if (counter <= w->floor || d > REPLAY_LATE_NS)
		return -ESTALE;
	for (unsigned int i = 0; i < REPLAY_KEEP; i++)
		if (w->below[i] == d)
			return -EALREADY;
	return 0;
}

/* Remembers the accepted counter top - @d (0 < d <= REPLAY_LATE_NS). */
static void remember(struct replay_window *w, uint32_t d)
{
	unsigned int oldest = 0;

	for (unsigned int i = 0; i < REPLAY_KEEP; i++) {
		if (!w->below[i]) {
			w->below[i] = d;
			return;
		}
		if (w->below[i] > w->below[oldest])
			oldest = i;
	}
	/* Full: forget the oldest of them and it, keep the rest. */
	if (d > w->below[oldest]) {
		if (w->top - d > w->floor)
			w->floor = w->top - d;
		return;
	}
	if (w->top - w->below[oldest] > w->floor)
		w->floor = w->top - w->below[oldest];
	w->below[oldest] = d;
}

void replay_update(struct replay_window *w, uint64_t counter)
{
	uint64_t d;

	if (counter <= w->top) {
		remember(w, (uint32_t)(w->top - counter));
		return;
	}
	d = counter - w->top;
	/* New top: distances grow; what falls past the late bound is refused anyway. */
	for (unsigned int i = 0; i < REPLAY_KEEP; i++)
		if (w->below[i])
			w->below[i] =
				d + w->below[i] > REPLAY_LATE_NS ? 0 : (uint32_t)(d + w->below[i]);
	if (w->top && d <= REPLAY_LATE_NS) {
		w->top = counter;
		remember(w, (uint32_t)d);
		return;
	}
	w->top = counter;
}

int replay_state_check(const struct replay_state *st, uint32_t sid, uint64_t counter,
		       uint64_t now_ns, uint64_t skew_ns)
{
	uint64_t seen;

	if (counter == 0)
		return -EINVAL;
	if (skew_ns && counter > now_ns + skew_ns)
		return -ETIME;
	if (st->win.top && sid == st->sid)
		return replay_check(&st->win, counter);
	for (unsigned int i = 0; i < REPLAY_OLD_LIVES; i++)
		if (st->old[i] && st->old[i] == sid)
			return -ESTALE; /* a life that has ended does not come back */
	/* First contact, or a new life of the sender. */
	if (skew_ns && counter + skew_ns < now_ns)
		return -ETIME;
	seen = st->win.top > st->floor ? st->win.top : st->floor;
	if (counter > seen)
		return 0;
	/* What we saw ran ahead of our clock: its sender's clock was ahead. */
	if (skew_ns && seen > now_ns + REPLAY_AHEAD_NS)
		return 0;
	return -ESTALE;
}

void replay_state_update(struct replay_state *st, uint32_t sid, uint64_t counter)
{
	if (st->win.top && sid != st->sid) {
		if (st->win.top > st->floor)
			st->floor = st->win.top;
		for (unsigned int i = REPLAY_OLD_LIVES - 1; i > 0; i--)
			st->old[i] = st->old[i - 1];
		st->old[0] = st->sid;
		memset(&st->win, 0, sizeof(st->win));
	}
	st->sid = sid;
	replay_update(&st->win, counter);
}
