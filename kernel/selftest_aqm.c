// SPDX-License-Identifier: GPL-2.0
/*
 * autovpn: self-test of the queues' CoDel marks and drops (aqm.c), run at module
 * load by avpn_selftests() (debug builds or selftest=1).
 */
#include "avpn.h"

/*
 * Target 1,024 us and interval 10,240 us: 1,000 and 10,000 queue clock
 * units (1.024 us each), so the script reads in round numbers.
 */
#define T_US 1024
#define I_US 10240

struct aqm_step {
	u32 now, wait; /* queue clock units; queued_at = now - wait */
	bool last;     /* nothing queued behind it */
	bool takes;    /* it takes a signal (ECN-capable, or Not-ECT with aqm_drop) */
	bool mark;
};

/*
 * Signals (marks or drops) at now + interval / sqrt(count): 10000, 7071,
 * 5773, 5000, 4472, 4082, ... Each is checked one unit early too (none),
 * so the control law is pinned from both sides.
 */
static const struct aqm_step aqm_script[] = {
	{ 0, 500, false, true, false }, /* below the target */
	{ 100, 2000, false, true, false }, /* above: the interval starts (ends 10101) */
	{ 5000, 2000, false, true, false }, /* still within the interval */
	{ 10101, 2000, false, false, false }, /* due, but does not take it (Not-ECT, aqm_drop=0): not used up */
	{ 10102, 2000, false, true, true }, /* count 1, next at 10102 + 10000 */
	{ 20101, 2000, false, true, false }, /* one short of next */
	{ 20102, 2000, false, true, true }, /* count 2: next + 10000 / sqrt(2) = 27173 */
	{ 27172, 2000, false, true, false },
	{ 27173, 2000, false, false, false }, /* not taken again */
	{ 27174, 2000, false, true, true }, /* count 3, next at 27174 + 5773 */
	{ 32946, 2000, false, true, false },
	{ 32947, 2000, false, true, true }, /* count 4, next + 5000 */
	{ 37946, 2000, false, true, false },
	{ 37947, 2000, false, true, true }, /* count 5, next + 4472 = 42419 */
	{ 42418, 2000, false, true, false },
	/* late (only packets that do not take it meanwhile): one mark, the next from now */
	{ 60000, 2000, false, true, true },
	{ 60001, 2000, false, true, false }, /* not a second one */
	{ 64081, 2000, false, true, false },
	{ 64082, 2000, false, true, true }, /* count 7 */
	{ 64100, 500, false, true, false }, /* below: marking ends */
	{ 65000, 2000, false, true, false }, /* above again: a new interval (ends 75001) */
	/* back within 16 intervals of the last mark: count 7 - 1 = 6 */
	{ 75001, 2000, false, true, true },
	{ 80000, -100, false, true, false }, /* a clock behind on another CPU: no wait */
	{ 80100, 2000, false, true, false }, /* and that ended the marking: interval ends 90101 */
	{ 90101, 2000, false, true, true }, /* count 6 - 6 = 0 since the last start: from 1 */
	/* the clock goes round (U32_MAX - 100 + 10000 = 9899): no matter */
	{ U32_MAX - 100, 500, false, true, false },
	{ U32_MAX - 100, 2000, false, true, false },
	{ 9898, 2000, false, true, false },
	{ 9899, 2000, false, true, true },
	{ 9950, 2000, true, true, false }, /* the queue drained behind a late packet: no mark */
	{ 9960, 2000, false, true, false }, /* a new interval (ends 19961) */
	{ 19960, 2000, false, true, false },
	{ 19961, 2000, false, true, true },
};

/*
 * What becomes of a packet, by its ECN field: whether it takes a signal
 * without and with aqm_drop, and its verdict for each (aqm_drop, signal,
 * deep) as the index 4 * drop + 2 * signal + deep. P pass, M mark, D drop.
 */
static const struct {
	u8 ecn;
	bool takes[2];
	char verdict[9];
} aqm_verdicts[] = {
	{ INET_ECN_NOT_ECT, { false, true }, "PPPPPPDD" }, /* dropped only with aqm_drop */
	{ INET_ECN_ECT_0, { true, true }, "PMMMPMMM" },
	{ INET_ECN_ECT_1, { true, true }, "PMMMPMMM" },
	{ INET_ECN_CE, { true, true }, "PPPPPPPP" }, /* never marked again, never dropped */
	/* The DSCP bits do not matter. */
	{ 0xb8 | INET_ECN_NOT_ECT, { false, true }, "PPPPPPDD" },
	{ 0xb8 | INET_ECN_ECT_0, { true, true }, "PMMMPMMM" },
	{ 0xb8 | INET_ECN_CE, { true, true }, "PPPPPPPP" },
};

static int aqm_selftest_verdicts(void)
{
	static const char name[] = { [AVPN_AQM_PASS] = 'P', [AVPN_AQM_MARK] = 'M',
				     [AVPN_AQM_DROP] = 'D' };
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(aqm_verdicts); i++) {
		u8 ecn = aqm_verdicts[i].ecn;

		for (k = 0; k < 2; k++)
			if (avpn_aqm_takes_signal(ecn, k) != aqm_verdicts[i].takes[k]) {
				pr_err("autovpn: aqm self-test: ecn 0x%02x aqm_drop %u takes %d\n",
				       ecn, k, !aqm_verdicts[i].takes[k]);
				return -EINVAL;
			}
		for (k = 0; k < 8; k++) {
			enum avpn_aqm_verdict v = avpn_aqm_verdict(ecn, k & 4, k & 2, k & 1);

			if (v >= ARRAY_SIZE(name) || name[v] != aqm_verdicts[i].verdict[k]) {
				pr_err("autovpn: aqm self-test: ecn 0x%02x drop %d signal %d deep %d: verdict %d, want %c\n",
				       ecn, !!(k & 4), !!(k & 2), k & 1, v, aqm_verdicts[i].verdict[k]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int avpn_selftest_aqm(void)
{
	struct avpn_aqm aqm = {};
	unsigned int i;
	bool mark;

	for (i = 0; i < ARRAY_SIZE(aqm_script); i++) {
		const struct aqm_step *s = &aqm_script[i];

		mark = avpn_aqm_mark(&aqm, s->now, s->now - s->wait, s->last, s->takes, T_US, I_US);
		if (mark != s->mark) {
			pr_err("autovpn: aqm self-test step %u (now %u, wait %d): mark %d, want %d\n",
			       i, s->now, (int)s->wait, mark, s->mark);
			return -EINVAL;
		}
	}
	/* A target of 0 never marks, however long the wait. */
	memset(&aqm, 0, sizeof(aqm));
	for (i = 0; i < 4; i++)
		if (avpn_aqm_mark(&aqm, 1000000 * i, 0, false, true, 0, I_US)) {
			pr_err("autovpn: aqm self-test: marked with target 0\n");
			return -EINVAL;
		}
	/* An interval of 0: every late packet after the first (a threshold). */
	memset(&aqm, 0, sizeof(aqm));
	if (avpn_aqm_mark(&aqm, 100, 0, false, true, T_US, 0) ||
	    avpn_aqm_mark(&aqm, 1200, 100, false, true, T_US, 0) ||
	    !avpn_aqm_mark(&aqm, 1300, 200, false, true, T_US, 0) ||
	    !avpn_aqm_mark(&aqm, 1301, 200, false, true, T_US, 0)) {
		pr_err("autovpn: aqm self-test: interval 0 is not a plain threshold\n");
		return -EINVAL;
	}
	return aqm_selftest_verdicts();
}
