/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire.h - big-endian helpers and a bounds-checked reader/writer for the
 * message codecs (proto.c, seal.c, and the gateway's handshake messages).
 * A reader or writer that runs past its end sets .err (-EBADMSG for a
 * reader: the message is too short; -EMSGSIZE for a writer: it does not
 * fit) and stays there; callers check once at the end instead of after
 * every field, and may set .err themselves (-EINVAL for a field they
 * cannot encode, -EBADMSG for one they refuse to decode).
 */
#ifndef AVPN_WIRE_WIRE_H
#define AVPN_WIRE_WIRE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void wire_put64(uint8_t *p, uint64_t v)
{
	wire_put32(p, v >> 32);
	wire_put32(p + 4, (uint32_t)v);
}

static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t wire_get64(const uint8_t *p)
{
	return (uint64_t)wire_get32(p) << 32 | wire_get32(p + 4);
}

struct wire_w {
	uint8_t *p;
	size_t len, cap;
	int err; /* 0 or a negative errno */
};

struct wire_r {
	const uint8_t *p;
	size_t len, off;
	int err; /* 0 or a negative errno */
};

static inline uint8_t *wire_w_take(struct wire_w *w, size_t n)
{
	uint8_t *q;

	if (w->err || n > w->cap - w->len) {
		if (!w->err)
			w->err = -EMSGSIZE;
		return NULL;
	}
	q = w->p + w->len;
	w->len += n;
	return q;
}

static inline void wire_w8(struct wire_w *w, uint8_t v)
{
	uint8_t *q = wire_w_take(w, 1);

	if (q)
		*q = v;
}

static inline void wire_w16(struct wire_w *w, uint16_t v)
{
	uint8_t *q = wire_w_take(w, 2);

	if (q)
		wire_put16(q, v);
}

static inline void wire_w32(struct wire_w *w, uint32_t v)
{
	uint8_t *q = wire_w_take(w, 4);

	if (q)
		wire_put32(q, v);
}

static inline void wire_w64(struct wire_w *w, uint64_t v)
{
	uint8_t *q = wire_w_take(w, 8);

	if (q)
		wire_put64(q, v);
}

static inline void wire_wbytes(struct wire_w *w, const void *src, size_t n)
{
	uint8_t *q = wire_w_take(w, n);

	if (q && n)
		memcpy(q, src, n);
}

static inline const uint8_t *wire_r_take(struct wire_r *r, size_t n)
{
	const uint8_t *q;

	if (r->err || n > r->len - r->off) {
		if (!r->err)
			r->err = -EBADMSG;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline uint8_t wire_r8(struct wire_r *r)
{
	const uint8_t *q = wire_r_take(r, 1);

	return q ? *q : 0;
}

static inline uint16_t wire_r16(struct wire_r *r)
{
	const uint8_t *q = wire_r_take(r, 2);

	return q ? wire_get16(q) : 0;
}

static inline uint32_t wire_r32(struct wire_r *r)
{
	const uint8_t *q = wire_r_take(r, 4);

	return q ? wire_get32(q) : 0;
}

static inline uint64_t wire_r64(struct wire_r *r)
{
	const uint8_t *q = wire_r_take(r, 8);

	return q ? wire_get64(q) : 0;
}

static inline void wire_rbytes(struct wire_r *r, void *dst, size_t n)
{
	const uint8_t *q = wire_r_take(r, n);

	if (q && n)
		memcpy(dst, q, n);
	else if (n)
		memset(dst, 0, n);
}

#endif /* AVPN_WIRE_WIRE_H */
