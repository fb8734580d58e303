/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay.h - sliding anti-replay window over the last 64 counters of one
 * sender of sealed control messages (seal.h).
 *
 * replay_check() says whether a counter would be accepted, without changing
 * anything: call it before the (expensive) open, and replay_update() only
 * after the message proved authentic, so forgeries cannot move the window.
 * (The kernel's window for DATA packets is a different one, 8192 wide, in
 * kernel/replay.c.)
 */
#ifndef AVPN_WIRE_REPLAY_H
#define AVPN_WIRE_REPLAY_H

#include <stdint.h>

#define REPLAY_WINDOW 64

struct replay_window {
	uint64_t top;	 /* highest counter accepted; 0 = nothing yet */
	uint64_t bitmap; /* bit i set: counter top - i was seen */
};

/*
 * 0 if @counter is new; -EALREADY if it was seen, -ESTALE if it is older
 * than the window, -EINVAL for 0 (which marks an empty window).
 */
int replay_check(const struct replay_window *w, uint64_t counter);
void replay_update(struct replay_window *w, uint64_t counter);

#endif /* AVPN_WIRE_REPLAY_H */
