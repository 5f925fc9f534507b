/* The technote repair pre-pass; see ios_repair.h and docs/ios-config.md
 * ("Configurations copied from technotes"). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ios_repair.h"

/* One line of the repaired document while it is being built. */
typedef struct rline {
	unsigned lineno;
	char *text;
	size_t len, cap;
	bool cmd;	  /* a command the next line may continue */
	bool from_prose;  /* split off the end of an annotation */
	unsigned annot;	  /* that annotation's first line */
	bool flat;	  /* from a line with a `!` run and other text */
} rline;

typedef struct rstate {
	const ios_doc *in;
	ios_diags *d;
	rline *v;
	size_t n, cap;
	bool oom;
} rstate;

/* Words of one source line: NUL-terminated copies and their offsets. */
typedef struct words {
	char *buf;
	char **v;
	size_t *off, *len;
	size_t n;
} words;

static void words_free(words *w)
{
	if (w->buf) {
		size_t total = 0;
		for (size_t i = 0; i < w->n; i++)
			total += w->len[i] + 1;
		memset(w->buf, 0, total); /* a line may hold a key */
	}
	free(w->buf);
	free(w->v);
	free(w->off);
	free(w->len);
	memset(w, 0, sizeof *w);
}

static int split_words(const char *s, words *w)
{
	size_t l = strlen(s), n = 0;
	memset(w, 0, sizeof *w);
	for (size_t i = 0; i < l;) {
		while (i < l && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < l)
			n++;
		while (i < l && s[i] != ' ' && s[i] != '\t')
			i++;
	}
	w->buf = malloc(l + 1);
	w->v = calloc(n + 1, sizeof *w->v);
	w->off = calloc(n + 1, sizeof *w->off);
	w->len = calloc(n + 1, sizeof *w->len);
	if (!w->buf || !w->v || !w->off || !w->len) {
		words_free(w);
		return -1;
	}
	char *b = w->buf;
	for (size_t i = 0; i < l;) {
		while (i < l && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= l)
			break;
		size_t st = i;
		while (i < l && s[i] != ' ' && s[i] != '\t')
			i++;
		w->off[w->n] = st;
		w->len[w->n] = i - st;
		w->v[w->n] = b;
		memcpy(b, s + st, i - st);
		b[i - st] = '\0';
		b += i - st + 1;
		w->n++;
	}
	return 0;
}

static bool all_bang(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if (*t != '!')
			return false;
	return true;
}

static bool annotation(const char *t)
{
	return !strncmp(t, "!---", 4);
}

/* A command as running-config prints it: lowercase keyword (or a sequence
 * number) that some mode's table knows. */
static size_t starts_cmd(const words *w, size_t j)
{
	if (j >= w->n)
		return 0;
	unsigned char c = (unsigned char)w->v[j][0];
	if (!islower(c) && !isdigit(c))
		return 0;
	return ios_config_command_words((const char *const *)w->v + j, w->n - j);
}

/* `access-` at the end of a line, `list ...` on the next: a command whose
 * first word was split at a hyphen. */
static bool starts_cmd_hyphen(const words *w, size_t j, const char *next)
{
	size_t l = strlen(w->v[j]);
	if (j + 1 != w->n || !next || l < 2 || w->v[j][l - 1] != '-' || !islower((unsigned char)w->v[j][0]))
		return false;
	char joined[128];
	if (l + strlen(next) >= sizeof joined)
		return false;
	memcpy(joined, w->v[j], l);
	memcpy(joined + l, next, strlen(next) + 1);
	const char *v[1] = { joined };
	return ios_config_command_words(v, 1) > 0;
}

static bool sentence_end(const char *t)
{
	size_t l = strlen(t);
	return l > 1 && t[l - 1] == '.';
}

/* A decoration of show running-config: passed through for the parser. */
static bool decoration(const char *s, const words *w)
{
	if (*s == ' ' || *s == '\t')
		return false; /* decorations are never indented */
	if (!strncmp(s, "Building configuration", 22) || !strncmp(s, "Current configuration", 21) ||
	    !strncmp(s, "Using ", 6))
		return true;
	const char *h = strchr(w->v[0], '#');
	if (!h || h == w->v[0])
		return false;
	for (const char *q = w->v[0]; q < h; q++)
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_' && *q != '.')
			return false;
	return true;
}

/* The first words of a command, for messages: at most three, never a word
 * after key/password/secret, control characters as '?'. */
static void head(const char *text, char *b, size_t len)
{
	words w;
	b[0] = '\0';
	if (split_words(text, &w))
		return;
	for (size_t k = 0; k < w.n && k < 3; k++) {
		size_t l = strlen(b);
		snprintf(b + l, len - l, "%s%.40s", k ? " " : "", w.v[k]);
		if (!strcasecmp(w.v[k], "key") || !strcasecmp(w.v[k], "password") || !strcasecmp(w.v[k], "secret"))
			break;
	}
	for (char *p = b; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	words_free(&w);
}

static const char *fname(const rstate *r)
{
	return r->in->name ? r->in->name : "config";
}

static rline *new_line(rstate *r, unsigned lineno, const char *s, size_t l)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 64;
		rline *v = realloc(r->v, nc * sizeof *v);
		if (!v) {
			r->oom = true;
			return NULL;
		}
		r->v = v, r->cap = nc;
	}
	rline *x = &r->v[r->n];
	memset(x, 0, sizeof *x);
	x->text = malloc(l + 1);
	if (!x->text) {
		r->oom = true;
		return NULL;
	}
	memcpy(x->text, s, l);
	x->text[l] = '\0';
	x->len = l, x->cap = l + 1;
	x->lineno = lineno;
	r->n++;
	return x;
}

static void append(rstate *r, rline *x, const char *s, size_t l, bool blank)
{
	size_t need = x->len + l + 2;
	if (need > x->cap) {
		char *t = malloc(need);
		if (!t) {
			r->oom = true;
			return;
		}
		memcpy(t, x->text, x->len + 1);
		memset(x->text, 0, x->len);
		free(x->text);
		x->text = t, x->cap = need;
	}
	if (blank)
		x->text[x->len++] = ' ';
	memcpy(x->text + x->len, s, l);
	x->len += l;
	x->text[x->len] = '\0';
}

enum seg { G_NONE, G_PROSE, G_CMD, G_JOIN, G_SEP, G_DEAD };

typedef struct lctx {
	rstate *r;
	const char *s;
	const words *w;
	unsigned lineno;
	long target; /* index of the command a continuation joins, or -1 */
	unsigned annot;
	bool flat;
	const char *next_first; /* the next line's first word, or NULL */
} lctx;

static void close_seg(lctx *c, enum seg m, size_t a, size_t b, bool from_prose, bool after_sep)
{
	rstate *r = c->r;
	if (a >= b)
		return;
	const char *s = c->s;
	size_t from = a ? c->w->off[a] : 0, to = c->w->off[b - 1] + c->w->len[b - 1];
	char h[160];
	if (m == G_CMD) {
		rline *x = new_line(r, c->lineno, s + from, to - from);
		if (!x)
			return;
		x->cmd = true;
		x->from_prose = from_prose;
		x->annot = c->annot;
		x->flat = c->flat;
		c->target = (long)(x - r->v);
		head(x->text, h, sizeof h);
		if (from_prose)
			ios_diag_add(r->d, IOS_SEV_WARNING, fname(r), c->lineno,
				     "technote: '%s' after a sentence of the annotation read as a command", h);
		else if (after_sep)
			ios_diag_add(r->d, IOS_SEV_WARNING, fname(r), c->lineno,
				     "technote: '%s' after '!' on the same line read as a separate command", h);
	} else if (m == G_JOIN && c->target >= 0) {
		rline *x = &r->v[c->target];
		bool hyphen = x->len && x->text[x->len - 1] == '-';
		from = c->w->off[a];
		append(r, x, s + from, to - from, !hyphen);
		head(x->text, h, sizeof h);
		if (hyphen)
			ios_diag_add(r->d, IOS_SEV_WARNING, fname(r), c->lineno,
				     "technote: joined to the word split at a hyphen on line %u ('%s')", x->lineno, h);
		else
			ios_diag_add(r->d, IOS_SEV_WARNING, fname(r), c->lineno,
				     "technote: cannot start a command; joined to the command on line %u ('%s')",
				     x->lineno, h);
	}
}

/* Split a command from a flattened `!` run at each repetition of its first
 * word (`line con 0 line aux 0`). */
static int emit_flat(rstate *r, ios_doc *out, const rline *x)
{
	words w;
	if (split_words(x->text, &w))
		return -1;
	size_t a = 0, parts = 0;
	int rc = 0;
	for (size_t j = 1; j <= w.n && !rc; j++) {
		if (j < w.n && strcasecmp(w.v[j], w.v[0]))
			continue;
		size_t from = a ? w.off[a] : 0, to = w.off[j - 1] + w.len[j - 1];
		rc = ios_doc_append(out, x->lineno, x->text + from, to - from);
		a = j;
		parts++;
	}
	if (!rc && parts > 1)
		ios_diag_add(r->d, IOS_SEV_WARNING, fname(r), x->lineno,
			     "technote: %zu '%.40s' commands run together; split at each '%.40s'", parts, w.v[0], w.v[0]);
	words_free(&w);
	return rc;
}

int ios_repair_doc(const ios_doc *in, ios_doc *out, ios_diags *d)
{
	rstate r = { .in = in, .d = d };
	if (ios_doc_init(out, in->name ? in->name : "config"))
		return -1;
	enum { S_NONE, S_PROSE, S_CMD } st = S_NONE;
	long target = -1;
	unsigned annot = 0;

	for (size_t k = 0; k < in->n && !r.oom; k++) {
		const char *s = in->lines[k].text;
		unsigned ln = in->lines[k].lineno;
		const char *t = s + strspn(s, " \t");
		if (!strncmp(t, "```", 3)) {
			ios_diag_add(d, IOS_SEV_WARNING, fname(&r), ln, "technote: Markdown fence line dropped");
			st = S_NONE, target = -1;
			continue;
		}
		words w;
		if (split_words(s, &w)) {
			r.oom = true;
			break;
		}
		if (w.n && decoration(s, &w)) {
			/* a show running-config flattened onto its prompt line (seed 002's
			 * table rows): one command per line cannot be recovered safely */
			size_t cfgw = 0;
			for (size_t j = 0; j < w.n && j < 3 && !cfgw; j++)
				if (strstr(w.v[j], "-config"))
					cfgw = j + 1;
			if (strchr(w.v[0], '#') && cfgw && w.n > cfgw) {
				ios_diag_add(d, IOS_SEV_ERROR, fname(&r), ln,
					     "technote: %zu more words after the prompt's show command: a configuration "
					     "flattened onto one line is not repaired (expected one command per line)",
					     w.n - cfgw);
				st = S_NONE, target = -1;
				words_free(&w);
				continue;
			}
		}
		if (!w.n || decoration(s, &w) || (w.n == 1 && all_bang(w.v[0]))) {
			if (!new_line(&r, ln, s, strlen(s)))
				r.oom = true;
			st = S_NONE, target = -1;
			words_free(&w);
			continue;
		}
		lctx c = { .r = &r, .s = s, .w = &w, .lineno = ln, .target = target, .annot = annot };
		words nw = { 0 };
		if (k + 1 < in->n && split_words(in->lines[k + 1].text, &nw)) {
			r.oom = true;
			words_free(&w);
			break;
		}
		if (nw.n)
			c.next_first = nw.v[0];
		for (size_t j = 0; j < w.n; j++)
			c.flat |= all_bang(w.v[j]);
		enum seg m;
		size_t j = 1, a = 0;
		bool from_prose = false, after_sep = false;
		bool hyphen_open = st == S_CMD && target >= 0 && r.v[target].len && r.v[target].text[r.v[target].len - 1] == '-';
		if (hyphen_open) {
			m = G_JOIN; /* a word split at a hyphen: always continued */
		} else if (annotation(w.v[0])) {
			m = G_PROSE, c.annot = ln;
		} else if (all_bang(w.v[0])) {
			m = G_SEP;
		} else if (starts_cmd(&w, 0)) {
			m = G_CMD;
		} else if (st == S_CMD && target >= 0) {
			m = G_JOIN;
		} else if (st == S_PROSE) {
			m = G_PROSE;
			ios_diag_add(d, IOS_SEV_WARNING, fname(&r), ln,
				     "technote: cannot start a command; read as the continuation of the annotation on line %u",
				     annot);
		} else {
			/* not ours to guess: the parser reports it */
			if (!new_line(&r, ln, s, strlen(s)))
				r.oom = true;
			st = S_NONE, target = -1;
			words_free(&w);
			words_free(&nw);
			continue;
		}
		for (; j < w.n && m != G_DEAD; j++) {
			const char *tok = w.v[j];
			if (all_bang(tok)) {
				close_seg(&c, m, a, j, from_prose, after_sep);
				m = G_SEP, a = j + 1;
				continue;
			}
			if (annotation(tok)) {
				close_seg(&c, m, a, j, from_prose, after_sep);
				if (m != G_PROSE)
					c.annot = ln;
				m = G_PROSE, a = j + 1;
				continue;
			}
			if (m == G_PROSE && sentence_end(w.v[j - 1]) &&
			    (starts_cmd(&w, j) || starts_cmd_hyphen(&w, j, c.next_first))) {
				m = G_CMD, a = j, from_prose = true, after_sep = false;
				continue;
			}
			if (m == G_SEP) {
				if (starts_cmd(&w, j)) {
					m = G_CMD, a = j, after_sep = true, from_prose = false;
					continue;
				}
				char h[160];
				head(s + w.off[j], h, sizeof h);
				ios_diag_add(d, IOS_SEV_ERROR, fname(&r), ln,
					     "technote: '%s' after '!' on the same line: expected a command or an annotation "
					     "(!---); not repaired",
					     h);
				m = G_DEAD;
			}
		}
		if (m != G_DEAD)
			close_seg(&c, m, a, w.n, from_prose, after_sep);
		target = c.target, annot = c.annot;
		if (m == G_PROSE)
			st = S_PROSE, target = -1;
		else if (m == G_CMD || m == G_JOIN)
			st = S_CMD;
		else
			st = S_NONE, target = -1;
		words_free(&w);
		words_free(&nw);
	}

	for (size_t i = 0; i < r.n && !r.oom; i++) {
		rline *x = &r.v[i];
		char h[160];
		if (x->from_prose && x->len && (x->text[x->len - 1] == '.' || x->text[x->len - 1] == ',')) {
			head(x->text, h, sizeof h);
			ios_diag_add(d, IOS_SEV_ERROR, fname(&r), x->lineno,
				     "technote: '%s' after a sentence of the annotation on line %u ends like a sentence: "
				     "expected a command; not repaired (make it a comment or a command)",
				     h, x->annot);
			continue;
		}
		if (x->cmd && x->flat) {
			if (emit_flat(&r, out, x))
				r.oom = true;
		} else if (ios_doc_append(out, x->lineno, x->text, x->len)) {
			r.oom = true;
		}
	}
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].text)
			memset(r.v[i].text, 0, r.v[i].len);
		free(r.v[i].text);
	}
	free(r.v);
	if (r.oom) {
		ios_doc_free(out);
		return -1;
	}
	return 0;
}

static int load_doc(ios_doc *doc, ios_config **out, ios_diags *d)
{
	ios_doc fixed;
	size_t errors = d->errors;
	if (ios_repair_doc(doc, &fixed, d)) {
		ios_diag_add(d, IOS_SEV_ERROR, doc->name ? doc->name : "config", 0, "out of memory");
		return -1;
	}
	int rc = ios_config_parse_doc(&fixed, out, d);
	ios_doc_free(&fixed);
	ios_diags_sort(d);
	if (d->errors != errors && *out) {
		ios_config_free(*out);
		*out = NULL;
		rc = -1;
	}
	return rc;
}

int ios_config_load_file_technote(const char *path, ios_config **out, ios_diags *d)
{
	ios_doc doc;
	char e[512];
	*out = NULL;
	if (ios_doc_read_file(&doc, path, e, sizeof e)) {
		ios_diag_add(d, IOS_SEV_ERROR, path, 0, "%s", e + (strncmp(e, path, strlen(path)) ? 0 : strlen(path) + 2));
		return -1;
	}
	int rc = load_doc(&doc, out, d);
	ios_doc_free(&doc);
	return rc;
}

int ios_config_parse_string_technote(const char *name, const char *text, ios_config **out, ios_diags *d)
{
	ios_doc doc;
	*out = NULL;
	if (ios_doc_from_string(&doc, name, text, strlen(text))) {
		ios_diag_add(d, IOS_SEV_ERROR, name, 0, "out of memory");
		return -1;
	}
	int rc = load_doc(&doc, out, d);
	ios_doc_free(&doc);
	return rc;
}
