// SPDX-License-Identifier: GPL-2.0
/* path.c - hole punching, probing and measurements of one path (see path.h). */
#include <string.h>

#include "path.h"
#include "wire/proto.h"

const char *path_state_name(enum path_state s)
{
	switch (s) {
	case PATH_PUNCHING:
		return "punching";
	case PATH_UP:
		return "up";
	case PATH_DOWN:
		return "down";
	default:
		return "idle";
	}
}

bool path_is_up(const struct path *p)
{
	return p->state == PATH_UP;
}

uint8_t path_id(bool we_are_first, uint8_t lu, uint8_t ru)
{
	return (uint8_t)(we_are_first ? lu * 2 + ru : ru * 2 + lu);
}

void path_init(struct path *p, bool we_are_first, uint8_t lu, uint8_t ru)
{
	memset(p, 0, sizeof(*p));
	p->lu = lu;
	p->ru = ru;
	p->id = path_id(we_are_first, lu, ru);
	p->state = PATH_IDLE;
	p->reason = "no endpoint of the peer known yet";
}

static int set_state(struct path *p, enum path_state s, const char *why, uint64_t now_ms)
{
	p->reason = why;
	if (p->state == s)
		return 0;
	p->state = s;
	p->changed_ms = now_ms;
	if (s == PATH_PUNCHING || s == PATH_DOWN) {
		/* Probe everything now, and quickly for a while. */
		p->fast_left = PATH_FAST_PROBES;
		p->next_probe_ms = now_ms;
	}
	return PATH_CH_STATE;
}

/* Field by field: the structs' padding (and an IPv4 address's unused bytes) is not theirs. */
static bool same_candidates(const struct path_cand *a, const struct path_cand *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a[i].kind != b[i].kind || !endpoint_equal(&a[i].ep, &b[i].ep))
			return false;
	return true;
}

int path_set_candidates(struct path *p, const struct path_cand *c, unsigned int n, uint64_t now_ms)
{
	if (n > PATH_MAX_CAND)
		n = PATH_MAX_CAND;
	if (n == p->n_cand && same_candidates(p->cand, c, n))
		return 0;
	if (n)
		memcpy(p->cand, c, n * sizeof(*c));
	p->n_cand = (uint8_t)n;
	switch (p->state) {
	case PATH_UP:
		return 0; /* keep what works; the peer's probes tell us if it moved */
	case PATH_IDLE:
		if (!n && !p->has_learnt)
			return 0;
		return set_state(p, PATH_PUNCHING, "punching: probing the peer's endpoints",
				 now_ms);
	default:
		/* New addresses to try: start the quick probes over. */
		p->fast_left = PATH_FAST_PROBES;
		p->next_probe_ms = now_ms;
		return 0;
	}
}

static void send_one(struct path *p, const struct endpoint *ep, path_send_fn send, void *ctx)
{
	uint32_t seq = p->seq++;

	p->answered[(seq / 64) % 2] &= ~(1ull << (seq % 64));
	p->probes_sent++;
	send(ctx, p, ep, seq);
}

/* Every distinct address worth a probe while the path is not up. */
static void probe_all(struct path *p, path_send_fn send, void *ctx)
{
	struct endpoint sent[PATH_MAX_CAND + 2];
	unsigned int n = 0, i, j;

	for (i = 0; i < p->n_cand + 2u; i++) {
		const struct endpoint *ep;

		if (i < p->n_cand)
			ep = &p->cand[i].ep;
		else if (i == p->n_cand && p->has_remote)
			ep = &p->remote;
		else if (i == p->n_cand + 1u && p->has_learnt)
			ep = &p->learnt;
		else
			continue;
		for (j = 0; j < n && !endpoint_equal(&sent[j], ep); j++)
			;
		if (j < n)
			continue;
		sent[n++] = *ep;
		send_one(p, ep, send, ctx);
	}
}

static uint64_t last_heard(const struct path *p)
{
	return p->last_rx_ms > p->last_data_ms ? p->last_rx_ms : p->last_data_ms;
}

void path_saw_data(struct path *p, uint64_t rx_packets, uint64_t now_ms)
{
	if (rx_packets != p->data_rx) {
		p->data_rx = rx_packets;
		p->last_data_ms = now_ms;
	}
}

bool path_wants_data(const struct path *p, uint64_t now_ms, uint32_t probe_ms)
{
	/* Once a probe interval has passed unanswered; cheap before that. */
	return p->state == PATH_UP && now_ms - last_heard(p) > probe_ms + probe_ms / 2;
}

int path_tick(struct path *p, uint64_t now_ms, uint32_t probe_ms, path_send_fn send, void *ctx,
	      uint64_t *next_ms)
{
	uint64_t down_after = (uint64_t)PATH_DOWN_PROBES * probe_ms, next = UINT64_MAX;
	uint32_t interval;
	int ch = 0;

	if (p->state == PATH_IDLE) {
		*next_ms = UINT64_MAX;
		return 0;
	}
	if (p->state == PATH_UP && now_ms - last_heard(p) > down_after)
		ch |= set_state(p, PATH_DOWN, "down: probes unanswered, no data", now_ms);
	if (now_ms >= p->next_probe_ms) {
		if (p->state == PATH_UP) {
			send_one(p, &p->remote, send, ctx);
			if (p->check_learnt && !endpoint_equal(&p->learnt, &p->remote))
				send_one(p, &p->learnt, send, ctx);
		} else
			probe_all(p, send, ctx);
		interval = probe_ms;
		if (p->fast_left) {
			p->fast_left--;
			interval = probe_ms / 4 > 50 ? probe_ms / 4 : 50;
		}
		p->next_probe_ms = now_ms + interval;
	}
	next = p->next_probe_ms;
	if (p->state == PATH_UP && last_heard(p) + down_after + 1 < next)
		next = last_heard(p) + down_after + 1;
	*next_ms = next;
	return ch;
}

static uint8_t kind_of(const struct path *p, const struct endpoint *ep)
{
	for (unsigned int i = 0; i < p->n_cand; i++)
		if (endpoint_equal(&p->cand[i].ep, ep))
			return p->cand[i].kind;
	return PATH_KIND_LEARNT;
}

static int set_remote(struct path *p, const struct endpoint *ep)
{
	if (p->has_remote && endpoint_equal(&p->remote, ep))
		return 0;
	p->remote = *ep;
	p->has_remote = true;
	p->remote_kind = kind_of(p, ep);
	return PATH_CH_REMOTE;
}

int path_on_reply(struct path *p, const struct endpoint *src, const struct probe *pr,
		  uint64_t now_ms, uint64_t now_us)
{
	uint32_t age = p->seq - pr->seq, rtt;
	int ch = 0;

	/* Only answers to probes we sent recently (the bitmap covers 128). */
	if (pr->seq >= p->seq || age > 128 - PATH_DOWN_PROBES)
		return 0;
	/* ... and in this life (path.h: PATH_REPLY_MAX_US). */
	if (pr->sent_us > now_us || now_us - pr->sent_us >= PATH_REPLY_MAX_US)
		return 0;
	p->answered[(pr->seq / 64) % 2] |= 1ull << (pr->seq % 64);
	p->replies++;
	/*
	 * Once up, probes go to the remote, and to where the peer's probes
	 * come from while the remote is silent (path_on_probe): an answer
	 * from there moves the path (its NAT mapping changed). An answer from
	 * anywhere else is a late one to a punching probe: first answer won.
	 */
	if (p->state == PATH_UP && !endpoint_equal(src, &p->remote)) {
		if (!p->check_learnt || !p->has_learnt || !endpoint_equal(src, &p->learnt) ||
		    now_ms - p->last_rx_ms <= 1000)
			return 0;
	}
	p->check_learnt = false;
	p->last_rx_ms = now_ms;
	rtt = (uint32_t)(now_us - pr->sent_us);
	if (p->has_rtt) {
		uint32_t d = rtt > p->rtt_us ? rtt - p->rtt_us : p->rtt_us - rtt;

		/* RFC 3550 6.4.1: J += (|D| - J) / 16 */
		p->jitter_us = (uint32_t)((int64_t)p->jitter_us +
					  ((int64_t)d - (int64_t)p->jitter_us) / 16);
	}
	p->rtt_us = rtt;
	p->has_rtt = true;
	ch |= set_remote(p, src);
	if (p->state != PATH_UP) {
		p->loss_base = pr->seq;
		p->fast_left = 0;
		ch |= set_state(p, PATH_UP, "up: probes answered", now_ms);
	}
	return ch;
}

int path_on_probe(struct path *p, const struct endpoint *src, uint64_t now_ms)
{
	int ch = 0;

	p->learnt = *src;
	p->has_learnt = true;
	switch (p->state) {
	case PATH_IDLE:
		ch |= set_state(p, PATH_PUNCHING, "punching: the peer's probes arrive", now_ms);
		break;
	case PATH_UP:
		/*
		 * The peer's probes come from another address while our own
		 * go unanswered: its NAT mapping may have changed. Probe the
		 * new address now; its reply moves the path (path_on_reply).
		 * Not the probe itself: it may be a recording, replayed from
		 * anywhere. (While replies keep coming from the remote, a
		 * probe from a second address is the peer still punching.)
		 */
		if (!endpoint_equal(src, &p->remote) && now_ms - p->last_rx_ms > 1000) {
			p->check_learnt = true;
			p->next_probe_ms = now_ms;
		}
		break;
	default:
		/* Answer its hole with one of ours right away. */
		p->next_probe_ms = now_ms;
		break;
	}
	return ch;
}

uint16_t path_loss(const struct path *p)
{
	uint32_t end, start, n = 0, lost = 0;

	if (p->state != PATH_UP || p->seq < PATH_DOWN_PROBES)
		return 0;
	end = p->seq - PATH_DOWN_PROBES;
	start = end > PATH_LOSS_WINDOW ? end - PATH_LOSS_WINDOW : 0;
	if (start < p->loss_base)
		start = p->loss_base;
	for (uint32_t s = start; s < end; s++, n++)
		if (!(p->answered[(s / 64) % 2] & (1ull << (s % 64))))
			lost++;
	return n ? (uint16_t)((uint64_t)lost * 10000 / n) : 0;
}
