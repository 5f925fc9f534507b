/* cli — IOS-style command table and matcher; see cli.h. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_KEYWORD, K_NUM, K_IPV4, K_WORD }; /* parameter order = match order */

struct node {
	enum kind kind;
	char *kw;          /* K_KEYWORD: the keyword; parameters: their syntax */
	uint32_t lo, hi;   /* K_NUM */
	cli_fn fn;
	void *arg;
	char *syntax;      /* full syntax, for cli_list */
	struct node **kids;
	size_t n_kids;
};

struct cli {
	struct node root;
};

int cli_new(cli **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->n_kids; i++) {
		node_free(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->kw);
	free(n->syntax);
}

void cli_free(cli *t)
{
	if (!t)
		return;
	node_free(&t->root);
	free(t);
}

/* ---- words ---- */

struct word {
	const char *p;
	size_t len;
	size_t col; /* offset in the line */
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split at blanks; returns the count or -1 if more than max. */
static int split(const char *s, struct word *w, int max)
{
	int n = 0;
	size_t i = 0;
	for (;;) {
		while (s[i] && blank(s[i]))
			i++;
		if (!s[i])
			return n;
		if (n == max)
			return -1;
		w[n].p = s + i;
		w[n].col = i;
		while (s[i] && !blank(s[i]))
			i++;
		w[n].len = (size_t)(s + i - w[n].p);
		n++;
	}
}

static bool parse_u32(const char *p, size_t len, uint32_t *v)
{
	if (len == 0 || len > 10)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	if (x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool is_ipv4(const char *p, size_t len)
{
	int parts = 0;
	size_t i = 0;
	while (parts < 4) {
		size_t j = i;
		unsigned v = 0;
		while (j < len && isdigit((unsigned char)p[j]) && j - i < 3)
			v = v * 10 + (unsigned)(p[j++] - '0');
		if (j == i || v > 255 || (j < len && isdigit((unsigned char)p[j])))
			return false;
		parts++;
		if (parts == 4)
			return j == len;
		if (j >= len || p[j] != '.')
			return false;
		i = j + 1;
	}
	return false;
}

/* ---- registration ---- */

static bool same_kind(const struct node *n, enum kind k, const char *kw, size_t len, uint32_t lo, uint32_t hi)
{
	if (n->kind != k)
		return false;
	if (k == K_KEYWORD)
		return strlen(n->kw) == len && memcmp(n->kw, kw, len) == 0;
	if (k == K_NUM)
		return n->lo == lo && n->hi == hi;
	return true;
}

/* Classify one syntax word; -EINVAL if it is none of the forms. */
static int syntax_word(const struct word *w, enum kind *k, uint32_t *lo, uint32_t *hi)
{
	if (w->len == 4 && memcmp(w->p, "WORD", 4) == 0) {
		*k = K_WORD;
		return 0;
	}
	if (w->len == 7 && memcmp(w->p, "A.B.C.D", 7) == 0) {
		*k = K_IPV4;
		return 0;
	}
	if (w->p[0] == '<') {
		const char *dash = memchr(w->p, '-', w->len);
		if (!dash || w->p[w->len - 1] != '>')
			return -EINVAL;
		if (!parse_u32(w->p + 1, (size_t)(dash - w->p - 1), lo) ||
		    !parse_u32(dash + 1, (size_t)(w->p + w->len - 1 - dash - 1), hi) || *lo > *hi)
			return -EINVAL;
		*k = K_NUM;
		return 0;
	}
	for (size_t i = 0; i < w->len; i++) {
		char c = w->p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || ((c == '-' || c == '_') && i > 0);
		if (!ok)
			return -EINVAL;
	}
	*k = K_KEYWORD;
	return 0;
}

int cli_register(cli *t, const char *syntax, cli_fn fn, void *arg)
{
	if (!t || !syntax || !fn)
		return -EINVAL;
	struct word w[CLI_MAX_WORDS];
	int n = split(syntax, w, CLI_MAX_WORDS);
	if (n <= 0)
		return -EINVAL;
	enum kind kinds[CLI_MAX_WORDS];
	uint32_t lo[CLI_MAX_WORDS] = { 0 }, hi[CLI_MAX_WORDS] = { 0 };
	for (int i = 0; i < n; i++)
		if (syntax_word(&w[i], &kinds[i], &lo[i], &hi[i]))
			return -EINVAL;
	/* Find the path; check before creating anything, so a refused
	 * registration leaves the table unchanged. */
	struct node *cur = &t->root;
	int i = 0;
	for (; i < n; i++) {
		struct node *next = NULL;
		for (size_t k = 0; k < cur->n_kids; k++)
			if (same_kind(cur->kids[k], kinds[i], w[i].p, w[i].len, lo[i], hi[i]))
				next = cur->kids[k];
		if (!next)
			break;
		cur = next;
	}
	if (i == n && cur->fn)
		return -EEXIST;
	char *syn = NULL;
	{
		/* normalised syntax: single blanks */
		size_t len = 0;
		for (int j = 0; j < n; j++)
			len += w[j].len + 1;
		syn = malloc(len);
		if (!syn)
			return -ENOMEM;
		size_t o = 0;
		for (int j = 0; j < n; j++) {
			memcpy(syn + o, w[j].p, w[j].len);
			o += w[j].len;
			syn[o++] = j + 1 < n ? ' ' : '\0';
		}
	}
	for (; i < n; i++) {
		struct node *nn = calloc(1, sizeof *nn);
		struct node **kids = nn ? realloc(cur->kids, (cur->n_kids + 1) * sizeof *kids) : NULL;
		char *kw = kids ? strndup(w[i].p, w[i].len) : NULL;
		if (!kw) {
			/* Nodes created so far stay as inner nodes without a
			 * handler: harmless (they lead to "Incomplete"). */
			if (kids)
				cur->kids = kids;
			free(nn);
			free(syn);
			return -ENOMEM;
		}
		nn->kind = kinds[i];
		nn->kw = kw;
		nn->lo = lo[i];
		nn->hi = hi[i];
		cur->kids = kids;
		/* parameters after keywords, in match order; keep insertion
		 * order otherwise */
		size_t pos = cur->n_kids;
		while (pos > 0 && cur->kids[pos - 1]->kind > nn->kind)
			pos--;
		memmove(&cur->kids[pos + 1], &cur->kids[pos], (cur->n_kids - pos) * sizeof *kids);
		cur->kids[pos] = nn;
		cur->n_kids++;
		cur = nn;
	}
	cur->fn = fn;
	cur->arg = arg;
	cur->syntax = syn;
	return 0;
}

/* ---- matching ---- */

static size_t common_prefix(const char *a, size_t alen, const char *b)
{
	size_t i = 0;
	while (i < alen && b[i] && tolower((unsigned char)a[i]) == b[i])
		i++;
	return i;
}

static bool accepts(const struct node *n, const struct word *w)
{
	uint32_t v;
	switch (n->kind) {
	case K_NUM:
		return parse_u32(w->p, w->len, &v) && v >= n->lo && v <= n->hi;
	case K_IPV4:
		return is_ipv4(w->p, w->len);
	case K_WORD:
		return true;
	case K_KEYWORD:
		break;
	}
	return false;
}

static void print_line(obuf *out, const char *line)
{
	size_t len = strlen(line);
	while (len && blank(line[len - 1]))
		len--;
	for (size_t i = 0; i < len; i++) {
		char c = line[i] == '\t' ? ' ' : line[i];
		obuf_append(out, &c, 1);
	}
	obuf_puts(out, "\n");
}

static void print_trimmed(obuf *out, const char *line)
{
	size_t b = 0, e = strlen(line);
	while (b < e && blank(line[b]))
		b++;
	while (e > b && blank(line[e - 1]))
		e--;
	obuf_append(out, line + b, e - b);
}

int cli_exec(cli *t, const char *line, void *session, obuf *out, int *col)
{
	if (col)
		*col = -1;
	struct word w[CLI_MAX_WORDS + 1];
	int n = split(line, w, CLI_MAX_WORDS + 1);
	if (n == 0)
		return CLI_OK;
	if (n < 0)
		n = CLI_MAX_WORDS + 1; /* the extra word is reported invalid */
	struct node *cur = &t->root;
	char *argv[CLI_MAX_WORDS + 1] = { 0 };
	int status = CLI_OK;
	int i;
	for (i = 0; i < n; i++) {
		struct node *exact = NULL, *pref = NULL, *param = NULL;
		int n_pref = 0;
		size_t best = 0;
		if (i < CLI_MAX_WORDS) {
			for (size_t k = 0; k < cur->n_kids; k++) {
				struct node *c = cur->kids[k];
				if (c->kind != K_KEYWORD) {
					if (!param && accepts(c, &w[i]))
						param = c;
					continue;
				}
				size_t cp = common_prefix(w[i].p, w[i].len, c->kw);
				if (cp > best)
					best = cp;
				if (cp == w[i].len) {
					if (c->kw[cp] == '\0')
						exact = c;
					pref = c;
					n_pref++;
				}
			}
		}
		struct node *next = exact ? exact : n_pref == 1 ? pref : n_pref == 0 ? param : NULL;
		if (!next && n_pref > 1) {
			status = CLI_AMBIGUOUS;
			obuf_puts(out, "% Ambiguous command:  \"");
			print_trimmed(out, line);
			obuf_puts(out, "\"\n");
			goto done;
		}
		if (!next) {
			status = CLI_INVALID;
			size_t c = w[i].col + best;
			if (col)
				*col = (int)c;
			print_line(out, line);
			for (size_t s = 0; s < c; s++)
				obuf_puts(out, " ");
			obuf_puts(out, "^\n% Invalid input detected at '^' marker.\n");
			goto done;
		}
		argv[i] = next->kind == K_KEYWORD ? strdup(next->kw) : strndup(w[i].p, w[i].len);
		if (!argv[i]) {
			status = CLI_FAILED;
			obuf_puts(out, "% Out of memory\n");
			goto done;
		}
		cur = next;
	}
	if (!cur->fn) {
		status = CLI_INCOMPLETE;
		obuf_puts(out, "% Incomplete command.\n");
		goto done;
	}
	cli_call call = { .argc = n, .argv = (const char *const *)argv, .line = line, .arg = cur->arg,
			  .session = session };
	if (cur->fn(&call, out) != 0)
		status = CLI_FAILED;
done:
	for (int k = 0; k < n && k <= CLI_MAX_WORDS; k++)
		free(argv[k]);
	return status;
}

/* ---- listing ---- */

static void collect(const struct node *n, const char **v, size_t *count, size_t cap)
{
	if (n->fn && *count < cap)
		v[(*count)++] = n->syntax;
	for (size_t i = 0; i < n->n_kids; i++)
		collect(n->kids[i], v, count, cap);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cli_list(const cli *t, obuf *out)
{
	const char *v[1024];
	size_t count = 0;
	collect(&t->root, v, &count, sizeof v / sizeof v[0]);
	qsort(v, count, sizeof v[0], cmp_str);
	for (size_t i = 0; i < count; i++)
		obuf_printf(out, "%s\n", v[i]);
}
