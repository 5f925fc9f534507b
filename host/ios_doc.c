/*
 * IOS configuration documents, the line tokenizer and diagnostics (see
 * ios_doc.h).  Every buffer that held configuration text is wiped before it
 * is freed: the text carries pre-shared keys.
 */
#include "ios_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "espfab.h"

int ios_doc_init(ios_doc *doc, const char *name)
{
	memset(doc, 0, sizeof *doc);
	doc->name = strdup(name ? name : "<config>");
	return doc->name ? 0 : -1;
}

int ios_doc_append(ios_doc *doc, unsigned lineno, const char *text, size_t len)
{
	if (doc->n == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 64;
		ios_line *v = realloc(doc->lines, cap * sizeof *v);
		if (!v)
			return -1;
		doc->lines = v;
		doc->cap = cap;
	}
	char *s = malloc(len + 1);
	if (!s)
		return -1;
	for (size_t i = 0; i < len; i++)
		s[i] = text[i] ? text[i] : '\x01';
	s[len] = '\0';
	doc->lines[doc->n].lineno = lineno;
	doc->lines[doc->n].text = s;
	doc->n++;
	return 0;
}

int ios_doc_from_string(ios_doc *doc, const char *name, const char *text, size_t len)
{
	if (ios_doc_init(doc, name))
		return -1;
	if (len > IOS_DOC_MAX_BYTES)
		goto fail;
	size_t start = 0;
	unsigned lineno = 1;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i == len && start == len)
			break; /* no empty line after a final newline */
		size_t end = i;
		if (end > start && text[end - 1] == '\r')
			end--;
		if (ios_doc_append(doc, lineno, text + start, end - start))
			goto fail;
		lineno++;
		start = i + 1;
	}
	return 0;
fail:
	ios_doc_free(doc);
	return -1;
}

int ios_doc_read_file(ios_doc *doc, const char *path, char *err, size_t err_len)
{
	memset(doc, 0, sizeof *doc);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int rc = -1;
	if (!buf) {
		snprintf(err, err_len, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= IOS_DOC_MAX_BYTES + 1) {
				snprintf(err, err_len, "%s: larger than %u bytes", path, IOS_DOC_MAX_BYTES);
				goto out;
			}
			char *nb = malloc(cap * 2);
			if (!nb) {
				snprintf(err, err_len, "%s: out of memory", path);
				goto out;
			}
			memcpy(nb, buf, len);
			espfab_wipe(buf, len);
			free(buf);
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, err_len, "%s: read error", path);
		goto out;
	}
	if (len > IOS_DOC_MAX_BYTES) {
		snprintf(err, err_len, "%s: larger than %u bytes", path, IOS_DOC_MAX_BYTES);
		goto out;
	}
	if (ios_doc_from_string(doc, path, buf, len)) {
		snprintf(err, err_len, "%s: out of memory", path);
		goto out;
	}
	rc = 0;
out:
	if (buf) {
		espfab_wipe(buf, cap);
		free(buf);
	}
	fclose(f);
	return rc;
}

void ios_doc_free(ios_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n; i++) {
		espfab_wipe(doc->lines[i].text, strlen(doc->lines[i].text));
		free(doc->lines[i].text);
	}
	free(doc->lines);
	free(doc->name);
	memset(doc, 0, sizeof *doc);
}

int ios_tokenize(const char *line, ios_toks *t)
{
	memset(t, 0, sizeof *t);
	t->line = line;
	size_t len = strlen(line);
	t->buf = malloc(len + 1);
	if (!t->buf)
		return -1;
	t->buf_len = len + 1;
	memcpy(t->buf, line, len + 1);
	size_t i = 0;
	while (line[i] == ' ' || line[i] == '\t')
		i++;
	t->indent = (unsigned)i;
	t->comment = line[i] == '!';
	for (size_t j = 0; j < len; j++) {
		unsigned char c = (unsigned char)line[j];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			t->bad_char = true;
	}
	if (t->comment)
		return 0;
	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			t->buf[i++] = '\0';
		if (i >= len)
			break;
		if (t->n == IOS_MAX_TOKENS) {
			t->too_many = true;
			break;
		}
		t->v[t->n] = t->buf + i;
		t->off[t->n] = i;
		t->n++;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
	}
	return 0;
}

void ios_toks_free(ios_toks *t)
{
	if (!t)
		return;
	if (t->buf) {
		espfab_wipe(t->buf, t->buf_len);
		free(t->buf);
	}
	memset(t, 0, sizeof *t);
}

void ios_diag_add(ios_diags *d, ios_sev sev, const char *file, unsigned lineno, const char *fmt, ...)
{
	char body[512], full[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	const char *w = sev == IOS_SEV_WARNING ? "warning: " : "";
	if (lineno)
		snprintf(full, sizeof full, "%s:%u: %s%s", file, lineno, w, body);
	else
		snprintf(full, sizeof full, "%s: %s%s", file, w, body);
	if (sev == IOS_SEV_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		ios_diag *v = realloc(d->v, cap * sizeof *v);
		if (!v) {
			d->oom = true;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	char *m = strdup(full);
	if (!m) {
		d->oom = true;
		return;
	}
	d->v[d->n].sev = sev;
	d->v[d->n].lineno = lineno;
	d->v[d->n].msg = m;
	d->n++;
}

void ios_diags_sort(ios_diags *d)
{
	/* insertion sort: stable, and the list is nearly sorted already */
	for (size_t i = 1; i < d->n; i++) {
		ios_diag x = d->v[i];
		size_t j = i;
		while (j > 0 && d->v[j - 1].lineno > x.lineno) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

void ios_diags_print(const ios_diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->v[i].msg);
	if (d->oom)
		fprintf(f, "(some diagnostics were lost: out of memory)\n");
}

const ios_diag *ios_diags_find(const ios_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, needle))
			return &d->v[i];
	return NULL;
}

void ios_diags_free(ios_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	memset(d, 0, sizeof *d);
}
