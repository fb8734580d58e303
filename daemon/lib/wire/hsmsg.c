// SPDX-License-Identifier: GPL-2.0
/* Codec of HS_INIT, HS_RESP, COOKIE and their payloads; layout in hsmsg.h. */
#include <errno.h>
#include <string.h>

#include "wire/hsmsg.h"

#define TAI64_BASE ((1ull << 62) + 10) /* TAI64 label of 1970-01-01 TAI - 10 s */
#define NSEC_PER_SEC 1000000000ull

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Type byte plus three reserved zero bytes: one word, checked at once. */
static int check_hdr(const uint8_t *msg, size_t len, size_t want, uint8_t type)
{
	if (!msg || len != want || msg[0] != type || msg[1] || msg[2] || msg[3])
		return -EINVAL;
	return 0;
}

static void put_hdr(uint8_t *out, uint8_t type)
{
	out[0] = type;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
}

int hsmsg_type(const uint8_t *msg, size_t len)
{
	if (!msg || len < 4)
		return -EINVAL;
	switch (msg[0]) {
	case HSMSG_INIT:
	case HSMSG_RESP:
	case HSMSG_COOKIE:
		return msg[0];
	}
	return -EINVAL;
}

int hsmsg_receiver_index(const uint8_t *msg, size_t len, uint32_t *index)
{
	if (!check_hdr(msg, len, HSMSG_RESP_LEN, HSMSG_RESP))
		*index = get32(msg + 8);
	else if (!check_hdr(msg, len, HSMSG_COOKIE_LEN, HSMSG_COOKIE))
		*index = get32(msg + 4);
	else
		return -EINVAL;
	return *index ? 0 : -EINVAL;
}

int hsmsg_init_decode(const uint8_t *msg, size_t len, struct hsmsg_init *m)
{
	const uint8_t *p = msg + 8;

	if (check_hdr(msg, len, HSMSG_INIT_LEN, HSMSG_INIT))
		return -EINVAL;
	m->sender_index = get32(msg + 4);
	if (!m->sender_index)
		return -EINVAL;
	memcpy(m->noise, p, sizeof(m->noise));
	p += sizeof(m->noise);
	memcpy(m->mac1, p, HSMSG_MAC_LEN);
	memcpy(m->mac2, p + HSMSG_MAC_LEN, HSMSG_MAC_LEN);
	return 0;
}

void hsmsg_init_encode(const struct hsmsg_init *m, uint8_t out[HSMSG_INIT_LEN])
{
	uint8_t *p = out + 8;

	put_hdr(out, HSMSG_INIT);
	put32(out + 4, m->sender_index);
	memcpy(p, m->noise, sizeof(m->noise));
	p += sizeof(m->noise);
	memcpy(p, m->mac1, HSMSG_MAC_LEN);
	memcpy(p + HSMSG_MAC_LEN, m->mac2, HSMSG_MAC_LEN);
}

int hsmsg_resp_decode(const uint8_t *msg, size_t len, struct hsmsg_resp *m)
{
	const uint8_t *p = msg + 12;

	if (check_hdr(msg, len, HSMSG_RESP_LEN, HSMSG_RESP))
		return -EINVAL;
	m->sender_index = get32(msg + 4);
	m->receiver_index = get32(msg + 8);
	if (!m->sender_index || !m->receiver_index)
		return -EINVAL;
	memcpy(m->noise, p, sizeof(m->noise));
	p += sizeof(m->noise);
	memcpy(m->mac1, p, HSMSG_MAC_LEN);
	memcpy(m->mac2, p + HSMSG_MAC_LEN, HSMSG_MAC_LEN);
	return 0;
}

void hsmsg_resp_encode(const struct hsmsg_resp *m, uint8_t out[HSMSG_RESP_LEN])
{
	uint8_t *p = out + 12;

	put_hdr(out, HSMSG_RESP);
	put32(out + 4, m->sender_index);
	put32(out + 8, m->receiver_index);
	memcpy(p, m->noise, sizeof(m->noise));
	p += sizeof(m->noise);
	memcpy(p, m->mac1, HSMSG_MAC_LEN);
	memcpy(p + HSMSG_MAC_LEN, m->mac2, HSMSG_MAC_LEN);
}

int hsmsg_cookie_decode(const uint8_t *msg, size_t len, struct hsmsg_cookie *m)
{
	if (check_hdr(msg, len, HSMSG_COOKIE_LEN, HSMSG_COOKIE))
		return -EINVAL;
	m->receiver_index = get32(msg + 4);
	if (!m->receiver_index)
		return -EINVAL;
	memcpy(m->nonce, msg + 8, sizeof(m->nonce));
	memcpy(m->enc, msg + 8 + sizeof(m->nonce), sizeof(m->enc));
	return 0;
}

void hsmsg_cookie_encode(const struct hsmsg_cookie *m, uint8_t out[HSMSG_COOKIE_LEN])
{
	put_hdr(out, HSMSG_COOKIE);
	put32(out + 4, m->receiver_index);
	memcpy(out + 8, m->nonce, sizeof(m->nonce));
	memcpy(out + 8 + sizeof(m->nonce), m->enc, sizeof(m->enc));
}

static bool ts_zero(const uint8_t ts[HSMSG_TS_LEN])
{
	static const uint8_t zero[HSMSG_TS_LEN];

	return !memcmp(ts, zero, HSMSG_TS_LEN);
}

/* key id, three reserved bytes, rx index: the common head of both payloads. */
static int payload_head(const uint8_t *p, uint8_t *key_id, uint32_t *rx_index)
{
	if (p[1] || p[2] || p[3])
		return -EINVAL;
	*key_id = p[0];
	*rx_index = get32(p + 4);
	return *rx_index ? 0 : -EINVAL;
}

int hsmsg_init_payload_decode(const uint8_t *p, size_t len, struct hsmsg_init_payload *m)
{
	if (!p || len != HSMSG_INIT_PAYLOAD_LEN || payload_head(p, &m->key_id, &m->rx_index) ||
	    !hsmsg_tai64n_valid(p + 8))
		return -EINVAL;
	memcpy(m->timestamp, p + 8, HSMSG_TS_LEN);
	return 0;
}

void hsmsg_init_payload_encode(const struct hsmsg_init_payload *m,
			       uint8_t out[HSMSG_INIT_PAYLOAD_LEN])
{
	out[0] = m->key_id;
	out[1] = out[2] = out[3] = 0;
	put32(out + 4, m->rx_index);
	memcpy(out + 8, m->timestamp, HSMSG_TS_LEN);
}

int hsmsg_resp_payload_decode(const uint8_t *p, size_t len, struct hsmsg_resp_payload *m)
{
	if (!p || len != HSMSG_RESP_PAYLOAD_LEN || payload_head(p, &m->key_id, &m->rx_index) ||
	    (!ts_zero(p + 8) && !hsmsg_tai64n_valid(p + 8)))
		return -EINVAL;
	memcpy(m->superseded, p + 8, HSMSG_TS_LEN);
	return 0;
}

void hsmsg_resp_payload_encode(const struct hsmsg_resp_payload *m,
			       uint8_t out[HSMSG_RESP_PAYLOAD_LEN])
{
	out[0] = m->key_id;
	out[1] = out[2] = out[3] = 0;
	put32(out + 4, m->rx_index);
	memcpy(out + 8, m->superseded, HSMSG_TS_LEN);
}

void hsmsg_tai64n(uint8_t out[HSMSG_TS_LEN], uint64_t wall_ns)
{
	uint64_t nsec = wall_ns % NSEC_PER_SEC;

	put64(out, TAI64_BASE + wall_ns / NSEC_PER_SEC);
	put32(out + 8, (uint32_t)(nsec & ~(uint64_t)(HSMSG_TS_GRANULE_NS - 1)));
}

void hsmsg_tai64n_next(uint8_t ts[HSMSG_TS_LEN])
{
	uint64_t nsec = get32(ts + 8) + (uint64_t)HSMSG_TS_GRANULE_NS;

	if (nsec >= NSEC_PER_SEC) {
		put64(ts, get64(ts) + 1);
		nsec = 0;
	}
	put32(ts + 8, (uint32_t)nsec);
}

int hsmsg_tai64n_cmp(const uint8_t a[HSMSG_TS_LEN], const uint8_t b[HSMSG_TS_LEN])
{
	/* Big-endian seconds then nanoseconds: byte order is time order. */
	return memcmp(a, b, HSMSG_TS_LEN);
}

bool hsmsg_tai64n_valid(const uint8_t ts[HSMSG_TS_LEN])
{
	/* Labels below 2^62 are before 1970 (TAI64 "negative" times). */
	return get64(ts) >= (1ull << 62) && get32(ts + 8) < NSEC_PER_SEC;
}
