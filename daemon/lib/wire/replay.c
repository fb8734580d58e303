// SPDX-License-Identifier: GPL-2.0
/* replay.c - anti-replay window of sealed control messages (see replay.h). */
#include <errno.h>

#include "wire/replay.h"

int replay_check(const struct replay_window *w, uint64_t counter)
{
	uint64_t d;

	if (counter == 0)
		return -EINVAL; /* 0 marks an empty window; never a valid counter */
	if (counter > w->top)
		return 0;
	d = w->top - counter;
	if (d >= REPLAY_WINDOW)
		return -ESTALE;
	return (w->bitmap >> d) & 1 ? -EALREADY : 0;
}

void replay_update(struct replay_window *w, uint64_t counter)
{
	uint64_t d;

	if (counter > w->top) {
		d = counter - w->top;
		w->bitmap = d >= REPLAY_WINDOW ? 0 : w->bitmap << d;
		w->bitmap |= 1;
		w->top = counter;
		return;
	}
	d = w->top - counter;
	if (d < REPLAY_WINDOW)
		w->bitmap |= 1ull << d;
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
		st->win.top = 0;
		st->win.bitmap = 0;
	}
	st->sid = sid;
	replay_update(&st->win, counter);
}
