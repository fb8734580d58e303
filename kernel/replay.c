// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: receive anti-replay window, one per (key, path).
 *
 * A ring of bits indexed by counter (RFC 6479, as WireGuard's counter.c):
 * moving the window forward only clears the words it skips over, so the
 * cost per packet is constant however far the counter jumps. The window is
 * consulted only after the packet authenticated, so a forged counter cannot
 * move it.
 */
#include "avpn.h"

#define WORD_BITS BITS_PER_LONG

void avpn_replay_init(struct avpn_replay *r)
{
	spin_lock_init(&r->lock);
	r->top = 0;
	memset(r->bitmap, 0, sizeof(r->bitmap));
}

/*
 * Counters are stored shifted by one ("pos" = counter + 1) so that top == 0
 * means "nothing seen yet" and top is the highest position accepted.
 */
bool avpn_replay_check(struct avpn_replay *r, u64 counter)
{
	u64 pos, word, cur, n, i;
	bool fresh = false;

	/* The sender never gets anywhere near this (key limits); refuse it so
	 * that pos cannot wrap.
	 */
	if (unlikely(counter >= U64_MAX - 1))
		return false;
	pos = counter + 1;

	spin_lock_bh(&r->lock);
	/* Older than the window: cannot tell whether it was seen. */
	if (r->top > AUTOVPN_REPLAY_WINDOW && pos < r->top - AUTOVPN_REPLAY_WINDOW)
		goto out;

	word = pos / WORD_BITS;
	if (pos > r->top) {
		/* Move forward: clear the words between the old top and pos. */
		cur = r->top / WORD_BITS;
		n = min_t(u64, word - cur, AVPN_REPLAY_WORDS);
		for (i = 1; i <= n; i++)
			r->bitmap[(cur + i) % AVPN_REPLAY_WORDS] = 0;
		r->top = pos;
	}
	fresh = !__test_and_set_bit(pos % WORD_BITS, &r->bitmap[word % AVPN_REPLAY_WORDS]);
out:
	spin_unlock_bh(&r->lock);
	return fresh;
}
