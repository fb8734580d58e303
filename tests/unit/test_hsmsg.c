// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake message codec (daemon/lib/wire/hsmsg.c): exact layout, one
 * accepted encoding (every truncation, extension, wrong type, reserved bit
 * and zero index rejected), payloads, TAI64N timestamps.
 */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "wire/hsmsg.h"
#include "unit.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

START_TEST(sizes)
{
	ck_assert_int_eq(HSMSG_INIT_LEN, 156);
	ck_assert_int_eq(HSMSG_RESP_LEN, 112);
	ck_assert_int_eq(HSMSG_COOKIE_LEN, 64);
	ck_assert_int_eq(HSMSG_INIT_NOISE_LEN, 116);
	ck_assert_int_eq(HSMSG_RESP_NOISE_LEN, 68);
	/* No answer is larger than what it answers (no amplification). */
	ck_assert_int_lt(HSMSG_RESP_LEN, HSMSG_INIT_LEN);
	ck_assert_int_lt(HSMSG_COOKIE_LEN, HSMSG_RESP_LEN);
}
END_TEST

START_TEST(init_layout_roundtrip)
{
	struct hsmsg_init m, d;
	uint8_t buf[HSMSG_INIT_LEN], again[HSMSG_INIT_LEN];

	m.sender_index = 0x01020304;
	fill(m.noise, sizeof(m.noise), 1);
	fill(m.mac1, 16, 2);
	fill(m.mac2, 16, 3);
	hsmsg_init_encode(&m, buf);
	ck_assert_mem_eq(buf, "\x02\x00\x00\x00\x01\x02\x03\x04", 8);
	ck_assert_mem_eq(buf + 8, m.noise, 116);
	ck_assert_mem_eq(buf + 124, m.mac1, 16);
	ck_assert_mem_eq(buf + 140, m.mac2, 16);
	ck_assert_int_eq(hsmsg_init_decode(buf, sizeof(buf), &d), 0);
	ck_assert_mem_eq(&d, &m, sizeof(m));
	hsmsg_init_encode(&d, again);
	ck_assert_mem_eq(again, buf, sizeof(buf));
	ck_assert_int_eq(hsmsg_type(buf, sizeof(buf)), HSMSG_INIT);
}
END_TEST

START_TEST(resp_layout_roundtrip)
{
	struct hsmsg_resp m, d;
	uint8_t buf[HSMSG_RESP_LEN], again[HSMSG_RESP_LEN];
	uint32_t idx;

	m.sender_index = 0xa1a2a3a4;
	m.receiver_index = 0xb1b2b3b4;
	fill(m.noise, sizeof(m.noise), 4);
	fill(m.mac1, 16, 5);
	fill(m.mac2, 16, 6);
	hsmsg_resp_encode(&m, buf);
	ck_assert_mem_eq(buf, "\x03\x00\x00\x00\xa1\xa2\xa3\xa4\xb1\xb2\xb3\xb4", 12);
	ck_assert_mem_eq(buf + 12, m.noise, 68);
	ck_assert_mem_eq(buf + 80, m.mac1, 16);
	ck_assert_mem_eq(buf + 96, m.mac2, 16);
	ck_assert_int_eq(hsmsg_resp_decode(buf, sizeof(buf), &d), 0);
	ck_assert_mem_eq(&d, &m, sizeof(m));
	hsmsg_resp_encode(&d, again);
	ck_assert_mem_eq(again, buf, sizeof(buf));
	ck_assert_int_eq(hsmsg_receiver_index(buf, sizeof(buf), &idx), 0);
	ck_assert_uint_eq(idx, 0xb1b2b3b4);
}
END_TEST

START_TEST(cookie_layout_roundtrip)
{
	struct hsmsg_cookie m, d;
	uint8_t buf[HSMSG_COOKIE_LEN], again[HSMSG_COOKIE_LEN];
	uint32_t idx;

	m.receiver_index = 42;
	fill(m.nonce, sizeof(m.nonce), 7);
	fill(m.enc, sizeof(m.enc), 8);
	hsmsg_cookie_encode(&m, buf);
	ck_assert_mem_eq(buf, "\x04\x00\x00\x00\x00\x00\x00\x2a", 8);
	ck_assert_mem_eq(buf + 8, m.nonce, 24);
	ck_assert_mem_eq(buf + 32, m.enc, 32);
	ck_assert_int_eq(hsmsg_cookie_decode(buf, sizeof(buf), &d), 0);
	ck_assert_mem_eq(&d, &m, sizeof(m));
	hsmsg_cookie_encode(&d, again);
	ck_assert_mem_eq(again, buf, sizeof(buf));
	ck_assert_int_eq(hsmsg_receiver_index(buf, sizeof(buf), &idx), 0);
	ck_assert_uint_eq(idx, 42);
}
END_TEST

typedef int (*decode_fn)(const uint8_t *, size_t, void *);

/* Wrappers: calling through a cast function pointer would be undefined. */
static int dec_init(const uint8_t *p, size_t n, void *out)
{
	return hsmsg_init_decode(p, n, out);
}

static int dec_resp(const uint8_t *p, size_t n, void *out)
{
	return hsmsg_resp_decode(p, n, out);
}

static int dec_cookie(const uint8_t *p, size_t n, void *out)
{
	return hsmsg_cookie_decode(p, n, out);
}

/*
 * Every length but the right one, every wrong type byte, every reserved bit
 * and a zero index at @zero_off..+4 (and @zero_off2 if non-zero) are rejected.
 */
static void reject_all(decode_fn dec, const uint8_t *good, size_t len, size_t zero_off,
		       size_t zero_off2)
{
	uint8_t buf[HSMSG_MAX_LEN + 8];
	union {
		struct hsmsg_init i;
		struct hsmsg_resp r;
		struct hsmsg_cookie c;
	} out;
	size_t i;
	int t, b;

	ck_assert_int_eq(dec(good, len, &out), 0);
	for (i = 0; i < len + 8; i++) {
		if (i == len)
			continue;
		memcpy(buf, good, len);
		memset(buf + len, 0, 8);
		ck_assert_int_eq(dec(buf, i, &out), -EINVAL);
	}
	ck_assert_int_eq(dec(NULL, len, &out), -EINVAL);
	for (t = 0; t < 256; t++) {
		if (t == good[0])
			continue;
		memcpy(buf, good, len);
		buf[0] = (uint8_t)t;
		ck_assert_int_eq(dec(buf, len, &out), -EINVAL);
	}
	for (i = 1; i < 4; i++) {
		for (b = 0; b < 8; b++) {
			memcpy(buf, good, len);
			buf[i] ^= (uint8_t)(1 << b);
			ck_assert_int_eq(dec(buf, len, &out), -EINVAL);
		}
	}
	memcpy(buf, good, len);
	memset(buf + zero_off, 0, 4);
	ck_assert_int_eq(dec(buf, len, &out), -EINVAL);
	if (zero_off2) {
		memcpy(buf, good, len);
		memset(buf + zero_off2, 0, 4);
		ck_assert_int_eq(dec(buf, len, &out), -EINVAL);
	}
}

START_TEST(reject_malformed)
{
	struct hsmsg_init mi = { .sender_index = 1 };
	struct hsmsg_resp mr = { .sender_index = 1, .receiver_index = 2 };
	struct hsmsg_cookie mc = { .receiver_index = 3 };
	uint8_t bi[HSMSG_INIT_LEN], br[HSMSG_RESP_LEN], bc[HSMSG_COOKIE_LEN];
	uint32_t idx;

	hsmsg_init_encode(&mi, bi);
	hsmsg_resp_encode(&mr, br);
	hsmsg_cookie_encode(&mc, bc);
	reject_all(dec_init, bi, sizeof(bi), 4, 0);
	reject_all(dec_resp, br, sizeof(br), 4, 8);
	reject_all(dec_cookie, bc, sizeof(bc), 4, 0);

	/* The peek at the receiver index is as strict, and never for HS_INIT. */
	ck_assert_int_eq(hsmsg_receiver_index(bi, sizeof(bi), &idx), -EINVAL);
	ck_assert_int_eq(hsmsg_receiver_index(br, sizeof(br) - 1, &idx), -EINVAL);
	ck_assert_int_eq(hsmsg_receiver_index(bc, sizeof(bc) + 1, &idx), -EINVAL);
	br[3] = 1;
	ck_assert_int_eq(hsmsg_receiver_index(br, sizeof(br), &idx), -EINVAL);
	memset(bc + 4, 0, 4);
	ck_assert_int_eq(hsmsg_receiver_index(bc, sizeof(bc), &idx), -EINVAL);

	ck_assert_int_eq(hsmsg_type(bi, 3), -EINVAL);
	ck_assert_int_eq(hsmsg_type(NULL, 10), -EINVAL);
	bi[0] = 1; /* DATA is the kernel's */
	ck_assert_int_eq(hsmsg_type(bi, sizeof(bi)), -EINVAL);
	bi[0] = 16; /* registry messages are not handshakes */
	ck_assert_int_eq(hsmsg_type(bi, sizeof(bi)), -EINVAL);
}
END_TEST

START_TEST(payloads)
{
	struct hsmsg_init_payload ip = { .key_id = 0x85, .rx_index = 0x11223344 }, ip2;
	struct hsmsg_resp_payload rp = { .key_id = 0x05, .rx_index = 0x55667788 }, rp2;
	uint8_t b[HSMSG_INIT_PAYLOAD_LEN], c[HSMSG_RESP_PAYLOAD_LEN], again[20];
	size_t i;

	hsmsg_tai64n(ip.timestamp, 1700000000ull * 1000000000ull);
	hsmsg_init_payload_encode(&ip, b);
	ck_assert_mem_eq(b, "\x85\x00\x00\x00\x11\x22\x33\x44", 8);
	ck_assert_mem_eq(b + 8, ip.timestamp, 12);
	ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), 0);
	ck_assert_uint_eq(ip2.key_id, ip.key_id);
	ck_assert_uint_eq(ip2.rx_index, ip.rx_index);
	ck_assert_mem_eq(ip2.timestamp, ip.timestamp, 12);
	hsmsg_init_payload_encode(&ip2, again);
	ck_assert_mem_eq(again, b, sizeof(b));

	/* the superseded timestamp may be zero (none) or a timestamp */
	memset(rp.superseded, 0, sizeof(rp.superseded));
	hsmsg_resp_payload_encode(&rp, c);
	ck_assert_int_eq(hsmsg_resp_payload_decode(c, sizeof(c), &rp2), 0);
	ck_assert_uint_eq(rp2.rx_index, 0x55667788);
	ck_assert_uint_eq(rp2.key_id, 5);
	memcpy(rp.superseded, ip.timestamp, 12);
	hsmsg_resp_payload_encode(&rp, c);
	ck_assert_int_eq(hsmsg_resp_payload_decode(c, sizeof(c), &rp2), 0);
	ck_assert_mem_eq(rp2.superseded, ip.timestamp, 12);
	hsmsg_resp_payload_encode(&rp2, again);
	ck_assert_mem_eq(again, c, sizeof(c));

	for (i = 0; i < 25; i++) {
		if (i == sizeof(b))
			continue;
		ck_assert_int_eq(hsmsg_init_payload_decode(b, i, &ip2), -EINVAL);
		ck_assert_int_eq(hsmsg_resp_payload_decode(c, i, &rp2), -EINVAL);
	}
	for (i = 1; i < 4; i++) {
		b[i] = 1;
		c[i] = 0x80;
		ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), -EINVAL);
		ck_assert_int_eq(hsmsg_resp_payload_decode(c, sizeof(c), &rp2), -EINVAL);
		b[i] = 0;
		c[i] = 0;
	}
	/* zero receive index: the kernel refuses it, so does the decoder */
	memset(b + 4, 0, 4);
	memset(c + 4, 0, 4);
	ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), -EINVAL);
	ck_assert_int_eq(hsmsg_resp_payload_decode(c, sizeof(c), &rp2), -EINVAL);
	hsmsg_init_payload_encode(&ip, b);
	hsmsg_resp_payload_encode(&rp, c);
	/* an initiation always has a timestamp */
	memset(b + 8, 0, 12);
	ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), -EINVAL);
	/* nanoseconds >= 10^9 */
	hsmsg_init_payload_encode(&ip, b);
	memcpy(b + 16, "\x3b\x9a\xca\x00", 4);
	memcpy(c + 16, "\x3b\x9a\xca\x00", 4);
	ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), -EINVAL);
	ck_assert_int_eq(hsmsg_resp_payload_decode(c, sizeof(c), &rp2), -EINVAL);
	memcpy(b + 16, "\x3b\x9a\xc9\xff", 4);
	ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), 0);
	/* a label below 2^62 */
	b[8] = 0x3f;
	ck_assert_int_eq(hsmsg_init_payload_decode(b, sizeof(b), &ip2), -EINVAL);
}
END_TEST

START_TEST(tai64n)
{
	uint8_t a[12], b[12];
	uint64_t t = 1700000000ull * 1000000000ull + 123456789;

	hsmsg_tai64n(a, t);
	/* 2^62 + 10 + 1700000000 = 0x400000006553f10a; 123456789 down to 7 * 2^24 */
	ck_assert_mem_eq(a, "\x40\x00\x00\x00\x65\x53\xf1\x0a\x07\x00\x00\x00", 12);
	ck_assert(hsmsg_tai64n_valid(a));
	/* the same granule gives the same stamp; the next one a greater one */
	hsmsg_tai64n(b, t - 123456789 + 7 * 16777216);
	ck_assert_int_eq(hsmsg_tai64n_cmp(a, b), 0);
	hsmsg_tai64n(b, t - 123456789 + 8 * 16777216);
	ck_assert_int_lt(hsmsg_tai64n_cmp(a, b), 0);
	hsmsg_tai64n_next(a);
	ck_assert_int_eq(hsmsg_tai64n_cmp(a, b), 0);
	/* next() carries into the seconds */
	hsmsg_tai64n(a, 1700000000ull * 1000000000ull + 999999999);
	ck_assert_mem_eq(a + 8, "\x3b\x00\x00\x00", 4);
	hsmsg_tai64n_next(a);
	ck_assert_mem_eq(a, "\x40\x00\x00\x00\x65\x53\xf1\x0b\x00\x00\x00\x00", 12);
	/* seconds dominate nanoseconds */
	hsmsg_tai64n(a, 5ull * 1000000000ull + 999000000);
	hsmsg_tai64n(b, 6ull * 1000000000ull);
	ck_assert_int_lt(hsmsg_tai64n_cmp(a, b), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hsmsg");
	TCase *tc = tcase_create("hsmsg");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, init_layout_roundtrip);
	tcase_add_test(tc, resp_layout_roundtrip);
	tcase_add_test(tc, cookie_layout_roundtrip);
	tcase_add_test(tc, reject_malformed);
	tcase_add_test(tc, payloads);
	tcase_add_test(tc, tai64n);
	return unit_run(s, tc);
}
