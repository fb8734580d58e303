// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: self-test of the anti-replay window (replay.c), run at module load
 * by avpn_selftests() (debug builds or selftest=1).
 */
#include <linux/slab.h>
#include "avpn.h"

#define W AUTOVPN_REPLAY_WINDOW

struct replay_case {
	u64 counter;
	bool fresh;
};

/* One scripted run: the verdict expected for each counter, in order. */
static const struct replay_case replay_script[] = {
	{ 0, true },          { 0, false },         { 1, true },          { 1, false },
	{ 9, true },          { 8, true },          { 7, true },          { 7, false },
	/* word boundaries */
	{ 63, true },         { 64, true },         { 65, true },         { 63, false },
	{ 128, true },        { 127, true },        { 128, false },       { 2, true },
	/* window edge: with W + 128 the newest, 128 .. W + 127 are inside */
	{ W + 128, true },    { 128, false },       { 127, false },       { W + 127, true },
	{ 129, true },        { 129, false },       { W + 128, false },
	/* far jump: everything before falls out of the window */
	{ 5 * W, true },      { 4 * W, true },      { 4 * W - 1, false }, { 4 * W, false },
	{ 5 * W - 1, true },  { 5 * W + 1, true },  { 4 * W + 1, true },  { 4 * W + 1, false },
	/* jump of exactly one ring, then of one word */
	{ 6 * W + 64, true }, { 5 * W + 64, true }, { 5 * W + 63, false },
	{ 6 * W + 128, true }, { 5 * W + 128, true }, { 5 * W + 127, false },
	/* the top of the counter space is refused, never wraps */
	{ U64_MAX, false },   { U64_MAX - 1, false }, { U64_MAX - 2, true }, { U64_MAX - 2, false },
	{ U64_MAX - 3, true },
};

static int replay_script_run(struct avpn_replay *r)
{
	unsigned int i;

	avpn_replay_init(r);
	for (i = 0; i < ARRAY_SIZE(replay_script); i++) {
		if (avpn_replay_check(r, replay_script[i].counter) != replay_script[i].fresh) {
			pr_err("autovpn: replay selftest step %u (counter %llu) failed\n", i,
			       replay_script[i].counter);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Reordering: every counter of a window delivered newest first, then in a
 * scrambled order with duplicates; each is accepted exactly once and the one
 * just below the window never.
 */
static int replay_reorder_run(struct avpn_replay *r)
{
	u64 base = 3 * W + 17, top = base + W, c;
	unsigned int i;

	avpn_replay_init(r);
	if (!avpn_replay_check(r, top))
		return -EINVAL;
	for (c = top - 1; c + 1 > base; c--)
		if (!avpn_replay_check(r, c))
			return -EINVAL;
	if (avpn_replay_check(r, base - 1))
		return -EINVAL;
	for (c = base; c <= top; c++)
		if (avpn_replay_check(r, c))
			return -EINVAL;

	/* Stride 7 is coprime to W: a permutation of 0 .. W - 1. */
	avpn_replay_init(r);
	for (i = 0; i < W; i++) {
		c = (u64)(i * 7) % W;
		if (!avpn_replay_check(r, c) || avpn_replay_check(r, c))
			return -EINVAL;
	}
	for (c = 0; c < W; c++)
		if (avpn_replay_check(r, c))
			return -EINVAL;
	return 0;
}

int avpn_selftest_replay(void)
{
	struct avpn_replay *r;
	int ret;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	ret = replay_script_run(r);
	if (!ret) {
		ret = replay_reorder_run(r);
		if (ret)
			pr_err("autovpn: replay selftest (reordering) failed\n");
	}
	kfree(r);
	if (!ret)
		pr_info("autovpn: replay selftest passed\n");
	return ret;
}
