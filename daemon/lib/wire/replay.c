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
