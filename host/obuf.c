/* obuf — growable buffer with a sticky error; see obuf.h. */
#include "obuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void obuf_init(obuf *b, size_t limit)
{
	memset(b, 0, sizeof *b);
	b->limit = limit ? limit : OBUF_DEFAULT_LIMIT;
}

void obuf_free(obuf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void obuf_reset(obuf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* Make room for n more bytes plus the NUL; 0 or sets err. */
static int reserve(obuf *b, size_t n)
{
	if (b->err)
		return -1;
	size_t limit = b->limit ? b->limit : OBUF_DEFAULT_LIMIT;
	if (n > limit - b->len) {
		b->err = -EMSGSIZE;
		return -1;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->err = -ENOMEM;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void obuf_append(obuf *b, const void *p, size_t n)
{
	if (reserve(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void obuf_puts(obuf *b, const char *s)
{
	obuf_append(b, s, strlen(s));
}

void obuf_vprintf(obuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	if (reserve(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void obuf_printf(obuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	obuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void obuf_truncate(obuf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->p[len] = '\0';
}

void obuf_consume(obuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = '\0';
}
