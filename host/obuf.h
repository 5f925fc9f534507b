/*
 * obuf — a growable byte buffer with a sticky error flag, for text that
 * handlers print (show output, log lines) and for frames queued on a socket.
 *
 * Appending never fails loudly: when memory runs out or the buffer would
 * pass its limit, the append is dropped, `err` is set (-ENOMEM or
 * -EMSGSIZE) and stays set; callers check obuf_error() once at the end
 * (FRR's zbuf pattern, for writing).  Contents are always NUL-terminated
 * after at least one append, so obuf_str() can be printed directly.
 *
 * Ownership: the obuf owns its storage; obuf_free() releases it and wipes
 * nothing (never put key material into an obuf).
 */
#ifndef ESPFAB_HOST_OBUF_H
#define ESPFAB_HOST_OBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct obuf {
	char *p;
	size_t len;   /* bytes held, excluding the terminating NUL */
	size_t cap;   /* allocated bytes */
	size_t limit; /* maximum len; 0 = OBUF_DEFAULT_LIMIT */
	int err;      /* 0, -ENOMEM or -EMSGSIZE; sticky */
} obuf;

#define OBUF_DEFAULT_LIMIT ((size_t)64 << 20)

/* An empty buffer with the given limit (0 = default). */
void obuf_init(obuf *b, size_t limit);
void obuf_free(obuf *b);
/* Empty the buffer and clear the error; keeps the storage. */
void obuf_reset(obuf *b);

void obuf_append(obuf *b, const void *p, size_t n);
void obuf_puts(obuf *b, const char *s);
void obuf_printf(obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void obuf_vprintf(obuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Cut the contents back to len bytes (no-op if already shorter). */
void obuf_truncate(obuf *b, size_t len);
/* Remove the first n bytes (n > len empties the buffer). */
void obuf_consume(obuf *b, size_t n);

static inline const char *obuf_str(const obuf *b) { return b->p ? b->p : ""; }
static inline int obuf_error(const obuf *b) { return b->err; }

#endif /* ESPFAB_HOST_OBUF_H */
