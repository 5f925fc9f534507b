/*
 * Bounded byte cursors for protocol parsing and building (the FRR zbuf
 * pattern).
 *
 * Reader (struct cur): every get checks that the bytes exist before touching
 * them.  The first failure sets a sticky error flag; from then on every get
 * returns 0 / NULL and touches nothing, so a parser reads a whole structure
 * and checks cur_ok() once at the end.  A sub-cursor covers the next n bytes
 * of its parent (the parent moves past them); reading past the sub-cursor's
 * end fails the sub-cursor only -- the caller checks both.
 *
 * Writer (struct wbuf): appends into a caller buffer of fixed capacity with
 * the same sticky error; wbuf_mark() remembers an offset whose length field
 * is back-patched later with wbuf_patch_*().  Nothing is ever written past
 * the capacity.
 *
 * All multi-byte values are big-endian (network order).  Both cursors borrow
 * the caller's memory.
 */
#ifndef ESPFAB_IKE_CURSOR_H
#define ESPFAB_IKE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- reader -------------------------------------------------------------- */

struct cur {
	const uint8_t *p; /* start of the window */
	size_t len;       /* bytes in the window */
	size_t off;       /* bytes consumed */
	bool err;         /* sticky: a read went past the end */
};

/* A NULL buffer gives an empty window (in error if len was not 0); the
 * window then points at a static empty string so that no pointer arithmetic
 * is ever done on NULL. */
static inline struct cur cur_make(const void *p, size_t len)
{
	struct cur c = { p ? (const uint8_t *)p : (const uint8_t *)"", p ? len : 0, 0, p == NULL && len != 0 };
	return c;
}

static inline bool cur_ok(const struct cur *c) { return !c->err; }
static inline size_t cur_left(const struct cur *c) { return c->err ? 0 : c->len - c->off; }
static inline size_t cur_offset(const struct cur *c) { return c->off; }
/* Pointer to the next unread byte (valid for cur_left() bytes). */
static inline const uint8_t *cur_pos(const struct cur *c) { return c->p + c->off; }

/* true if n more bytes exist; otherwise sets the sticky error. */
static inline bool cur_need(struct cur *c, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		return false;
	}
	return true;
}

static inline uint8_t cur_u8(struct cur *c)
{
	if (!cur_need(c, 1))
		return 0;
	return c->p[c->off++];
}

static inline uint16_t cur_u16(struct cur *c)
{
	if (!cur_need(c, 2))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 2;
	return (uint16_t)((unsigned)q[0] << 8 | q[1]);
}

static inline uint32_t cur_u32(struct cur *c)
{
	if (!cur_need(c, 4))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

/* n bytes in place (NULL on failure; for n == 0 the current position). */
static inline const uint8_t *cur_bytes(struct cur *c, size_t n)
{
	if (!cur_need(c, n))
		return NULL;
	const uint8_t *q = c->p + c->off;
	c->off += n;
	return q;
}

/* Copy n bytes out; on failure dst is zeroed. */
static inline bool cur_copy(struct cur *c, void *dst, size_t n)
{
	const uint8_t *q = cur_bytes(c, n);
	if (!q) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, q, n);
	return true;
}

static inline void cur_skip(struct cur *c, size_t n) { (void)cur_bytes(c, n); }

/* A cursor over the next n bytes; the parent moves past them.  If fewer than
 * n bytes are left, both the parent and the returned cursor are in error. */
static inline struct cur cur_sub(struct cur *c, size_t n)
{
	const uint8_t *q = cur_bytes(c, n);
	struct cur s = { q ? q : c->p, q ? n : 0, 0, q == NULL };
	return s;
}

/* ---- writer -------------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err; /* sticky: a write did not fit, or a patch was out of range */
};

static inline void wbuf_init(struct wbuf *w, void *buf, size_t cap)
{
	w->p = (uint8_t *)buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->err = false;
}

static inline bool wbuf_ok(const struct wbuf *w) { return !w->err; }
static inline size_t wbuf_len(const struct wbuf *w) { return w->len; }
static inline size_t wbuf_room(const struct wbuf *w) { return w->err ? 0 : w->cap - w->len; }
static inline size_t wbuf_mark(const struct wbuf *w) { return w->len; }

/* n bytes at the end, to be filled by the caller (NULL on failure). */
static inline uint8_t *wbuf_reserve(struct wbuf *w, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	uint8_t *q = w->p + w->len;
	w->len += n;
	return q;
}

static inline void wbuf_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *q = wbuf_reserve(w, 1);
	if (q)
		q[0] = v;
}

static inline void wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *q = wbuf_reserve(w, 2);
	if (q) {
		q[0] = (uint8_t)(v >> 8);
		q[1] = (uint8_t)v;
	}
}

static inline void wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *q = wbuf_reserve(w, 4);
	if (q) {
		q[0] = (uint8_t)(v >> 24);
		q[1] = (uint8_t)(v >> 16);
		q[2] = (uint8_t)(v >> 8);
		q[3] = (uint8_t)v;
	}
}

/* Append n bytes from src, or n zero bytes when src is NULL. */
static inline void wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *q = wbuf_reserve(w, n);
	if (!q || n == 0)
		return;
	if (src)
		memcpy(q, src, n);
	else
		memset(q, 0, n);
}

/* Back-patch an already written field at offset at. */
static inline void wbuf_patch_u8(struct wbuf *w, size_t at, uint8_t v)
{
	if (w->err || at >= w->len) {
		w->err = true;
		return;
	}
	w->p[at] = v;
}

static inline void wbuf_patch_u16(struct wbuf *w, size_t at, uint16_t v)
{
	if (w->err || at > w->len || w->len - at < 2) {
		w->err = true;
		return;
	}
	w->p[at] = (uint8_t)(v >> 8);
	w->p[at + 1] = (uint8_t)v;
}

static inline void wbuf_patch_u32(struct wbuf *w, size_t at, uint32_t v)
{
	if (w->err || at > w->len || w->len - at < 4) {
		w->err = true;
		return;
	}
	w->p[at] = (uint8_t)(v >> 24);
	w->p[at + 1] = (uint8_t)(v >> 16);
	w->p[at + 2] = (uint8_t)(v >> 8);
	w->p[at + 3] = (uint8_t)v;
}

#endif /* ESPFAB_IKE_CURSOR_H */
