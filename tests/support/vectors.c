/*
 * Test-vector file reader (see vectors.h for the format).  Owner: H1.
 *
 * One block of fields is held in memory at a time; values are copied to the
 * heap and freed when the next block is read.  Errors are reported as
 * "path:line: message" on stderr and kept in f->err.
 */
#include "vectors.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC_LINE_MAX   16384 /* bytes per line, newline included */
#define VEC_FIELDS_MAX 32
#define VEC_NAME_MAX   32
#define VEC_SECTION_MAX 64
#define VEC_PATH_MAX   512

struct vec_field {
	char name[VEC_NAME_MAX];
	char *text;
	unsigned line;
};

struct vec_file {
	FILE *fp;
	char path[VEC_PATH_MAX];
	unsigned lineno;                  /* lines read so far */
	char section[VEC_SECTION_MAX];    /* section of the current block */
	char pending[VEC_SECTION_MAX];    /* section read while ending a block */
	int have_pending;
	struct vec_field fields[VEC_FIELDS_MAX];
	unsigned nfields;
	unsigned block_line;
	char err[VEC_PATH_MAX + VEC_SECTION_MAX + 576];
	char buf[VEC_LINE_MAX];
};

static void vreport(vec_file *f, unsigned line, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (f->section[0])
		snprintf(f->err, sizeof f->err, "%s:%u [%s]: %s", f->path, line, f->section, msg);
	else
		snprintf(f->err, sizeof f->err, "%s:%u: %s", f->path, line, msg);
	fprintf(stderr, "%s\n", f->err);
}

static int report(vec_file *f, unsigned line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int report(vec_file *f, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(f, line, fmt, ap);
	va_end(ap);
	return -1;
}

void vec_fail(vec_file *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(f, f->block_line, fmt, ap);
	va_end(ap);
}

static void hex_into(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && o + 3 < cap; i++) {
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 15];
	}
	if (i < n && o + 4 < cap) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
}

int vec_check(vec_file *f, const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
	char g[136], w[136];
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			break;
	if (i == n)
		return 0;
	hex_into(g, sizeof g, got, n);
	hex_into(w, sizeof w, want, n);
	vec_fail(f, "%s differs at byte %zu of %zu: got %s want %s", what, i, n, g, w);
	return -1;
}

static void clear_block(vec_file *f)
{
	unsigned i;

	for (i = 0; i < f->nfields; i++) {
		free(f->fields[i].text);
		f->fields[i].text = NULL;
	}
	f->nfields = 0;
	f->block_line = 0;
}

vec_file *vec_open(const char *path)
{
	vec_file *f;

	if (path == NULL) {
		fprintf(stderr, "vectors: no path\n");
		return NULL;
	}
	f = calloc(1, sizeof *f);
	if (f == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		return NULL;
	}
	if (strlen(path) >= sizeof f->path) {
		fprintf(stderr, "%s: path too long\n", path);
		free(f);
		return NULL;
	}
	strcpy(f->path, path);
	f->fp = fopen(path, "r");
	if (f->fp == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		free(f);
		return NULL;
	}
	return f;
}

static int try_dir(const char *dir, const char *name, char *out, size_t cap)
{
	FILE *fp;
	int n = dir ? snprintf(out, cap, "%s/%s", dir, name) : snprintf(out, cap, "%s", name);

	if (n < 0 || (size_t)n >= cap)
		return 0;
	fp = fopen(out, "r");
	if (fp == NULL)
		return 0;
	fclose(fp);
	return 1;
}

vec_file *vec_open_named(const char *dir, const char *name)
{
	char path[VEC_PATH_MAX];
	const char *env = getenv("ESPFAB_VECTORS");

	if (name == NULL) {
		fprintf(stderr, "vectors: no file name\n");
		return NULL;
	}
	if ((dir && try_dir(dir, name, path, sizeof path)) || (env && *env && try_dir(env, name, path, sizeof path)) ||
	    try_dir("tests/vectors", name, path, sizeof path) || try_dir(NULL, name, path, sizeof path))
		return vec_open(path);
	fprintf(stderr, "%s: not found in %s%s$ESPFAB_VECTORS, tests/vectors or the current directory\n", name,
		dir ? dir : "", dir ? ", " : "");
	return NULL;
}

void vec_close(vec_file *f)
{
	if (f == NULL)
		return;
	clear_block(f);
	if (f->fp)
		fclose(f->fp);
	free(f);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Parse one "NAME = value" line into the current block. */
static int add_field(vec_file *f, char *s)
{
	char *eq = strchr(s, '='), *name, *value, *copy;
	struct vec_field *fld;
	size_t n, i;

	if (eq == NULL)
		return report(f, f->lineno, "expected NAME = value, [SECTION], # comment or a blank line");
	*eq = '\0';
	name = trim(s);
	value = trim(eq + 1);
	n = strlen(name);
	if (n == 0)
		return report(f, f->lineno, "empty field name");
	if (n >= VEC_NAME_MAX)
		return report(f, f->lineno, "field name longer than %d characters", VEC_NAME_MAX - 1);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return report(f, f->lineno, "bad character '%c' in field name", name[i]);
	if (vec_has(f, name))
		return report(f, f->lineno, "field %s given twice in one block", name);
	if (f->nfields == VEC_FIELDS_MAX)
		return report(f, f->lineno, "more than %d fields in one block", VEC_FIELDS_MAX);
	copy = malloc(strlen(value) + 1);
	if (copy == NULL)
		return report(f, f->lineno, "out of memory");
	strcpy(copy, value);
	fld = &f->fields[f->nfields++];
	memcpy(fld->name, name, n + 1);
	fld->text = copy;
	fld->line = f->lineno;
	if (f->nfields == 1)
		f->block_line = f->lineno;
	return 0;
}

int vec_next(vec_file *f)
{
	if (f == NULL || f->fp == NULL)
		return -1;
	clear_block(f);
	f->err[0] = '\0';
	if (f->have_pending) {
		memcpy(f->section, f->pending, sizeof f->section);
		f->have_pending = 0;
	}
	for (;;) {
		char *s;
		size_t n;

		if (fgets(f->buf, sizeof f->buf, f->fp) == NULL) {
			if (ferror(f->fp))
				return report(f, f->lineno, "read error");
			return f->nfields > 0 ? 1 : 0;
		}
		f->lineno++;
		n = strlen(f->buf);
		if (n == sizeof f->buf - 1 && f->buf[n - 1] != '\n' && !feof(f->fp))
			return report(f, f->lineno, "line longer than %d bytes", VEC_LINE_MAX - 2);
		s = trim(f->buf);
		if (*s == '\0') {
			if (f->nfields > 0)
				return 1;
			continue;
		}
		if (*s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			size_t len;
			if (end == NULL || end[1] != '\0')
				return report(f, f->lineno, "section line must be [NAME]");
			len = (size_t)(end - s - 1);
			if (len >= VEC_SECTION_MAX)
				return report(f, f->lineno, "section name longer than %d characters", VEC_SECTION_MAX - 1);
			if (f->nfields > 0) {
				memcpy(f->pending, s + 1, len);
				f->pending[len] = '\0';
				f->have_pending = 1;
				return 1;
			}
			memcpy(f->section, s + 1, len);
			f->section[len] = '\0';
			continue;
		}
		if (add_field(f, s) != 0)
			return -1;
	}
}

const char *vec_path(const vec_file *f)
{
	return f->path;
}

const char *vec_section(const vec_file *f)
{
	return f->section;
}

unsigned vec_line(const vec_file *f)
{
	return f->block_line;
}

const char *vec_error(const vec_file *f)
{
	return f->err;
}

static const struct vec_field *find(const vec_file *f, const char *name)
{
	unsigned i;

	for (i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

int vec_has(const vec_file *f, const char *name)
{
	return find(f, name) != NULL;
}

const char *vec_text(const vec_file *f, const char *name)
{
	const struct vec_field *fld = find(f, name);

	return fld ? fld->text : NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vec_bytes(vec_file *f, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	const struct vec_field *fld = find(f, name);
	size_t n, i;

	if (len)
		*len = 0;
	if (fld == NULL)
		return report(f, f->block_line, "field %s missing", name);
	n = strlen(fld->text);
	if (n % 2)
		return report(f, fld->line, "%s: odd number of hex digits", name);
	if (n / 2 > cap)
		return report(f, fld->line, "%s: %zu bytes, more than the %zu expected", name, n / 2, cap);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(fld->text[2 * i]), lo = hexval(fld->text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return report(f, fld->line, "%s: not a hex digit at column %zu", name, 2 * i + (hi < 0 ? 1 : 2));
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	if (len)
		*len = n / 2;
	return 0;
}

int vec_uint(vec_file *f, const char *name, unsigned long *v)
{
	const struct vec_field *fld = find(f, name);
	unsigned long x = 0;
	const char *p;

	if (fld == NULL)
		return report(f, f->block_line, "field %s missing", name);
	if (fld->text[0] == '\0')
		return report(f, fld->line, "%s: empty number", name);
	for (p = fld->text; *p; p++) {
		if (*p < '0' || *p > '9')
			return report(f, fld->line, "%s: not a decimal number", name);
		if (x > (~0UL - 9) / 10)
			return report(f, fld->line, "%s: number too large", name);
		x = x * 10 + (unsigned long)(*p - '0');
	}
	*v = x;
	return 0;
}
