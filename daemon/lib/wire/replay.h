/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay.h - anti-replay window of one sender of sealed control messages
 * (seal.h).
 *
 * replay_check() says whether a counter would be accepted, without changing
 * anything: call it before the (expensive) open, and replay_update() only
 * after the message proved authentic, so forgeries cannot move the window.
 * (The kernel's window for DATA packets is a different one, 8192 wide, in
 * kernel/replay.c.)
 *
 * Counters are the sender's clock in nanoseconds, so a window of counter
 * values (a bitmap below the newest) would take a message that a newer one
 * overtook only if it were a few nanoseconds older. Overtaking is normal
 * here: a gateway's two uplinks, or its echo and main sockets, send to one
 * registry in the same tick, and whichever path is faster arrives first.
 * So the window is one of messages instead: it remembers the newest counter
 * and the REPLAY_KEEP highest accepted ones below it (as distances, which the late bound
 * keeps under 2^32 ns), and takes a counter below the newest once if it is
 * above every counter it had to forget (floor) and at most REPLAY_LATE_NS
 * older than the newest. Every accepted counter is the newest, remembered,
 * at or below the floor, or too late, so none is ever taken twice.
 */
#ifndef AVPN_WIRE_REPLAY_H
#define AVPN_WIRE_REPLAY_H

#include <stdint.h>

#define REPLAY_KEEP 8		     /* a sender's messages in flight at once: a few */
#define REPLAY_LATE_NS 2000000000ull /* how far a message may fall behind a newer one */

struct replay_window {
	uint64_t top;		     /* highest counter accepted; 0 = nothing yet */
	uint64_t floor;		     /* highest counter forgotten while not too late */
	uint32_t below[REPLAY_KEEP]; /* top minus counters accepted below it; 0 = free */
};

/*
 * 0 if @counter is new; -EALREADY if it was seen, -ESTALE if it is older
 * than the window, -EINVAL for 0 (which marks an empty window).
 */
int replay_check(const struct replay_window *w, uint64_t counter);
void replay_update(struct replay_window *w, uint64_t counter);

/*
 * Replay state of one sender across its lives (issue 9 #17).
 *
 * A sealed counter is the sender's wall clock in nanoseconds, so a sender
 * whose clock ran ahead leaves a window in the future: once its clock is put
 * right, everything it sends looks old, and a plain window locks it out
 * until real time catches up (forever with clock checks off). Every life of
 * a sender has its own random seal sender id (a process start; regclient
 * also starts a new life when its clock steps back), so the receiver keeps
 * the window per life and decides what a new life may do:
 *
 *  - nothing, from any life, may be more than @skew ahead of the receiver's
 *    clock: a window can never run further ahead than that;
 *  - the current life: the window decides (replay_check);
 *  - an ended life (the last REPLAY_OLD_LIVES are remembered): nothing;
 *  - a new life must be fresh: within @skew of the receiver's clock, as a
 *    first contact; and newer than anything seen before, unless what was
 *    seen before is ahead of the receiver's clock by more than
 *    REPLAY_AHEAD_NS: that can only come from a sender clock that ran ahead,
 *    and a correct clock could not get past it for up to @skew.
 *
 * So a gateway whose clock was ahead recovers with its next life at once,
 * and a recorded message is never accepted twice, nor one of an ended life.
 * What remains: while a sender's clock runs ahead, a recording of a life
 * older than the remembered ones, if fresh by the clock, is accepted once,
 * and ends the real current life (REPLAY_OLD_LIVES says what that takes).
 * With @skew 0 there are no clock checks and no recovery: a new life must
 * be newer than anything seen.
 */
/*
 * 8, not 2: an attacker needs a recording of a life older than all of them,
 * and with it, while the sender's clock runs ahead, would end the real
 * current life (its messages then count as an ended life's until it
 * restarts): that takes 9 lives of the sender within the clock window.
 */
#define REPLAY_OLD_LIVES 8
#define REPLAY_AHEAD_NS 2000000000ull /* clocks disagreeing by less are normal */

struct replay_state {
	struct replay_window win;	/* of the current life; top 0 = nothing seen */
	uint64_t floor;			/* highest counter of the ended lives */
	uint32_t sid;			/* the current life's sender id */
	uint32_t old[REPLAY_OLD_LIVES]; /* the lives before, most recent first */
};

/*
 * 0 if (sid, counter) is new at the receiver's wall clock now_ns; -EALREADY
 * (seen), -ESTALE (too old, or of an ended life), -ETIME (outside the clock
 * window), -EINVAL (counter 0). Changes nothing: call replay_state_update()
 * once the message proved authentic.
 */
int replay_state_check(const struct replay_state *st, uint32_t sid, uint64_t counter,
		       uint64_t now_ns, uint64_t skew_ns);
void replay_state_update(struct replay_state *st, uint32_t sid, uint64_t counter);

#endif /* AVPN_WIRE_REPLAY_H */
