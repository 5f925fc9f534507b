/*
 * The IOS configuration parser (see ios_config.h for the API and
 * docs/ios-config.md for the subset and the decisions behind it).
 *
 * Shape: each line is tokenized (ios_doc.c), then dispatched through a table
 * of commands — the global table or the current sub-mode's.  A table entry
 * is handled (a function), ignored with a warning (with or without its
 * sub-mode block), accepted silently (show running-config decorations) or
 * refused with an error.  Which table is tried first follows IOS: an
 * indented line belongs to the current sub-mode and falls back to the global
 * table; an unindented line is global and falls back to the sub-mode (IOS
 * itself ignores indentation; show running-config indents sub-mode lines).
 *
 * Objects being edited are found again by key on every line (priority,
 * name, sequence number), never kept as pointers, because arrays move when
 * they grow.  Pointers between objects (crypto map -> transform set, ACL,
 * dynamic map; interface -> crypto map; route -> interface) are resolved in
 * one pass after the whole document is read, which is also where missing
 * references, incomplete entries and the crypto map ordering rule are
 * reported.
 *
 * Key material: `crypto isakmp key` and `pre-shared-key` tokens are copied
 * into the model and never passed to a diagnostic; everything freed that
 * held a key is wiped first.
 */
#include "ios_config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "espfab.h"

#define NAME_MAX_LEN 128
#define KEY_MAX_LEN 128

typedef enum mode {
	M_NONE,	   /* global configuration */
	M_SKIP,	   /* inside an ignored block (line vty, router ...): skip sub-lines */
	M_REFUSED, /* inside a refused block: its sub-lines were reported with it */
	M_POLICY,
	M_KEYRING,
	M_TSET,
	M_ENTRY, /* crypto map or dynamic-map entry */
	M_DYNREF, /* crypto map entry that references a dynamic map: no sub-commands */
	M_ACL,
	M_IFACE,
} mode_t_;

typedef struct parser {
	const ios_doc *doc;
	size_t li; /* index of the current line in doc */
	const char *file;
	ios_diags *d;
	ios_config *cfg;
	unsigned line;
	mode_t_ mode;
	char ctx[NAME_MAX_LEN + 64]; /* the sub-mode's header, for messages */
	/* key of the object the sub-mode edits */
	unsigned cur_num;
	char cur_name[NAME_MAX_LEN + 1];
	bool cur_dyn;
	/* a multi-line banner in progress: its delimiter */
	char banner_delim[3];
	unsigned banner_line;
	/* names of access lists that exist but are not extended (ignored) */
	char **other_acls;
	unsigned *other_acl_lines;
	size_t n_other_acls;
	bool ended;
	unsigned end_line, after_end;
	char qb[4][72];
	unsigned qi;
	bool oom;
} parser;

/* A cursor over one line's words. */
typedef struct cur {
	parser *p;
	ios_toks *t;
	size_t i;
	const char *ctx; /* what the message is about: "crypto isakmp policy 10" */
	char cb[NAME_MAX_LEN * 2 + 96]; /* storage for a composed ctx */
} cur;

static const char *setctx(cur *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *setctx(cur *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->cb, sizeof c->cb, fmt, ap);
	va_end(ap);
	c->ctx = c->cb;
	return c->cb;
}

/* ---- messages ------------------------------------------------------------ */

static void err(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err(parser *p, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	ios_diag_add(p->d, IOS_SEV_ERROR, p->file, p->line, "%s", b);
}

static void err_at(parser *p, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err_at(parser *p, unsigned line, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	ios_diag_add(p->d, IOS_SEV_ERROR, p->file, line, "%s", b);
}

static void warn(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(parser *p, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	ios_diag_add(p->d, IOS_SEV_WARNING, p->file, p->line, "%s", b);
}

static void warn_at(parser *p, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_at(parser *p, unsigned line, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	ios_diag_add(p->d, IOS_SEV_WARNING, p->file, line, "%s", b);
}

/* A token as shown in a message: quoted, at most 48 characters, control
 * characters as '?'; "end of line" for a missing token. */
static const char *got(parser *p, const char *tok)
{
	if (!tok)
		return "end of line";
	char *b = p->qb[p->qi++ % 4];
	size_t j = 0, n = strlen(tok);
	b[j++] = '\'';
	for (size_t i = 0; i < n && i < 48; i++)
		b[j++] = (unsigned char)tok[i] < 0x20 || tok[i] == 0x7f ? '?' : tok[i];
	if (n > 48) {
		memcpy(b + j, "...", 3);
		j += 3;
	}
	b[j++] = '\'';
	b[j] = '\0';
	return b;
}

static void *xrealloc(parser *p, void *v, size_t n, size_t sz)
{
	void *r = realloc(v, n * sz);
	if (!r)
		p->oom = true;
	return r;
}

static char *xstrdup(parser *p, const char *s)
{
	char *r = strdup(s);
	if (!r)
		p->oom = true;
	return r;
}

static void wipe_free(char *s)
{
	if (s) {
		espfab_wipe(s, strlen(s));
		free(s);
	}
}

/* ---- tokens ---------------------------------------------------------------- */

static const char *peek(cur *c)
{
	return c->i < c->t->n ? c->t->v[c->i] : NULL;
}

static const char *next(cur *c)
{
	return c->i < c->t->n ? c->t->v[c->i++] : NULL;
}

static bool is(const char *tok, const char *word)
{
	return tok && !strcasecmp(tok, word);
}

/* Consume the next word if it is `word`. */
static bool kw(cur *c, const char *word)
{
	if (is(peek(c), word)) {
		c->i++;
		return true;
	}
	return false;
}

/* The rest of the line from word i, as written. */
static const char *rest(cur *c)
{
	return c->i < c->t->n ? c->t->line + c->t->off[c->i] : "";
}

static bool dec(const char *s, uint64_t max, uint64_t *v)
{
	if (!s || !*s || strlen(s) > 10)
		return false;
	uint64_t x = 0;
	for (const char *q = s; *q; q++) {
		if (*q < '0' || *q > '9')
			return false;
		x = x * 10 + (uint64_t)(*q - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

static bool is_num(const char *s)
{
	uint64_t v;
	return dec(s, UINT32_MAX, &v);
}

static bool ipv4(const char *s, uint32_t *out)
{
	if (!s)
		return false;
	uint32_t a = 0;
	int parts = 0;
	const char *q = s;
	while (parts < 4) {
		if (*q < '0' || *q > '9')
			return false;
		unsigned v = 0, digits = 0;
		while (*q >= '0' && *q <= '9') {
			v = v * 10 + (unsigned)(*q - '0');
			if (++digits > 3)
				return false;
			q++;
		}
		if (v > 255)
			return false;
		a = a << 8 | v;
		parts++;
		if (parts < 4) {
			if (*q != '.')
				return false;
			q++;
		}
	}
	if (*q)
		return false;
	*out = a;
	return true;
}

static bool contiguous(uint32_t mask)
{
	return (~mask & (~mask + 1)) == 0;
}

static unsigned prefix_len(uint32_t mask)
{
	return (unsigned)__builtin_popcount(mask);
}

static void fmt_ip(uint32_t a, char b[16])
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static bool need_num(cur *c, const char *what, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const char *t = next(c);
	uint64_t v;
	if (!dec(t, hi, &v) || v < lo) {
		err(c->p, "%s: %s: expected %u-%u, got %s", c->ctx, what, lo, hi, got(c->p, t));
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool need_addr(cur *c, const char *what, uint32_t *out)
{
	const char *t = next(c);
	if (!ipv4(t, out)) {
		err(c->p, "%s: %s: expected an IPv4 address, got %s", c->ctx, what, got(c->p, t));
		return false;
	}
	return true;
}

static bool need_mask(cur *c, const char *what, uint32_t *out)
{
	const char *t = next(c);
	if (!ipv4(t, out) || !contiguous(*out)) {
		err(c->p, "%s: %s: expected a contiguous netmask, got %s", c->ctx, what, got(c->p, t));
		return false;
	}
	return true;
}

static bool need_end(cur *c)
{
	const char *t = peek(c);
	if (t) {
		err(c->p, "%s: expected end of line, got %s", c->ctx, got(c->p, t));
		return false;
	}
	return true;
}

/* One of the words in `alts` ("a|b|c"); returns its index or -1 after an
 * error naming `what`. */
static int need_choice(cur *c, const char *what, const char *alts)
{
	const char *t = next(c);
	if (t) {
		int idx = 0;
		const char *s = alts;
		for (;;) {
			const char *e = strchr(s, '|');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			if (strlen(t) == n && !strncasecmp(t, s, n))
				return idx;
			if (!e)
				break;
			s = e + 1;
			idx++;
		}
	}
	err(c->p, "%s: %s: expected %s, got %s", c->ctx, what, alts, got(c->p, t));
	return -1;
}

static bool valid_name(cur *c, const char *what, const char *t)
{
	if (!t) {
		err(c->p, "%s: %s: expected a name, got end of line", c->ctx, what);
		return false;
	}
	if (strlen(t) > NAME_MAX_LEN) {
		err(c->p, "%s: %s: expected a name of at most %d characters, got %s", c->ctx, what, NAME_MAX_LEN,
		    got(c->p, t));
		return false;
	}
	for (const char *q = t; *q; q++)
		if ((unsigned char)*q < 0x21 || *q == 0x7f) {
			err(c->p, "%s: %s: expected a printable name, got %s", c->ctx, what, got(c->p, t));
			return false;
		}
	return true;
}

/* ---- model objects -------------------------------------------------------- */

static ios_isakmp_policy *find_policy(ios_config *cfg, unsigned prio)
{
	for (size_t i = 0; i < cfg->n_policies; i++)
		if (cfg->policies[i].priority == prio)
			return &cfg->policies[i];
	return NULL;
}

static ios_keyring *find_keyring(ios_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_keyrings; i++)
		if (!strcmp(cfg->keyrings[i].name, name))
			return &cfg->keyrings[i];
	return NULL;
}

static ios_transform_set *find_tset(ios_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_tsets; i++)
		if (!strcmp(cfg->tsets[i].name, name))
			return &cfg->tsets[i];
	return NULL;
}

static ios_acl *find_acl(ios_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_acls; i++)
		if (!strcmp(cfg->acls[i].name, name))
			return &cfg->acls[i];
	return NULL;
}

static ios_crypto_map *find_map(ios_config *cfg, const char *name, bool dyn)
{
	ios_crypto_map *v = dyn ? cfg->dynmaps : cfg->maps;
	size_t n = dyn ? cfg->n_dynmaps : cfg->n_maps;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static ios_map_entry *find_entry(ios_crypto_map *m, unsigned seq)
{
	for (size_t i = 0; m && i < m->n_entries; i++)
		if (m->entries[i].seq == seq)
			return &m->entries[i];
	return NULL;
}

static ios_interface *find_iface(ios_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (!strcasecmp(cfg->ifaces[i].name, name))
			return &cfg->ifaces[i];
	return NULL;
}

static void free_psk(ios_psk *k)
{
	wipe_free(k->key);
	espfab_wipe(k, sizeof *k);
}

static void free_keyring(ios_keyring *kr)
{
	for (size_t i = 0; i < kr->n_keys; i++)
		free_psk(&kr->keys[i]);
	free(kr->keys);
	free(kr->name);
	memset(kr, 0, sizeof *kr);
}

static void free_entry(ios_map_entry *e)
{
	free(e->dynmap_name);
	for (size_t i = 0; i < e->n_tsets; i++)
		free(e->tset_names[i]);
	free(e->acl_name);
	free(e->description);
	memset(e, 0, sizeof *e);
}

static void free_map(ios_crypto_map *m)
{
	for (size_t i = 0; i < m->n_entries; i++)
		free_entry(&m->entries[i]);
	free(m->entries);
	free(m->name);
	memset(m, 0, sizeof *m);
}

static void free_acl(ios_acl *a)
{
	free(a->aces);
	free(a->name);
	memset(a, 0, sizeof *a);
}

static void free_iface(ios_interface *f)
{
	free(f->name);
	free(f->crypto_map_name);
	free(f->description);
	memset(f, 0, sizeof *f);
}

static void free_route(ios_route *r)
{
	free(r->ifname);
	free(r->name);
	memset(r, 0, sizeof *r);
}

/* Remove element i of an array of n elements of size sz. */
static void remove_at(void *v, size_t *n, size_t i, size_t sz)
{
	char *b = v;
	memmove(b + i * sz, b + (i + 1) * sz, (*n - i - 1) * sz);
	(*n)--;
}

void ios_config_free(ios_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->hostname);
	free(cfg->version);
	free(cfg->policies);
	for (size_t i = 0; i < cfg->n_keyrings; i++)
		free_keyring(&cfg->keyrings[i]);
	free(cfg->keyrings);
	for (size_t i = 0; i < cfg->n_tsets; i++)
		free(cfg->tsets[i].name);
	free(cfg->tsets);
	for (size_t i = 0; i < cfg->n_acls; i++)
		free_acl(&cfg->acls[i]);
	free(cfg->acls);
	for (size_t i = 0; i < cfg->n_maps; i++)
		free_map(&cfg->maps[i]);
	free(cfg->maps);
	for (size_t i = 0; i < cfg->n_dynmaps; i++)
		free_map(&cfg->dynmaps[i]);
	free(cfg->dynmaps);
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		free_iface(&cfg->ifaces[i]);
	free(cfg->ifaces);
	for (size_t i = 0; i < cfg->n_routes; i++)
		free_route(&cfg->routes[i]);
	free(cfg->routes);
	free(cfg);
}

/* ---- command tables ------------------------------------------------------- */

typedef void (*handler)(parser *p, cur *c, bool neg);

enum kind {
	K_RUN,		/* handled by fn */
	K_WARN,		/* accepted, ignored, warned about */
	K_WARN_BLOCK,	/* the same, and its sub-mode lines are skipped */
	K_SILENT,	/* accepted without a word (show running-config decorations) */
	K_REFUSE,	/* not implemented and security-relevant: error */
	K_REFUSE_BLOCK, /* the same, and its sub-mode lines are not reported again */
	K_EXIT,		/* leave the sub-mode */
};

typedef struct cmd {
	const char *words; /* matched word by word, without regard to case */
	uint8_t kind;
	handler fn;
	const char *why; /* for K_WARN / K_REFUSE messages */
} cmd;

/* Number of words of `words` matched by the line from position i, or 0. */
static size_t match_words(const ios_toks *t, size_t i, const char *words)
{
	size_t k = 0;
	const char *s = words;
	while (*s) {
		const char *e = strchr(s, ' ');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (i + k >= t->n || strlen(t->v[i + k]) != n || strncasecmp(t->v[i + k], s, n))
			return 0;
		k++;
		if (!e)
			break;
		s = e + 1;
	}
	return k;
}

static const cmd *lookup(const cmd *tab, const ios_toks *t, size_t i, size_t *nwords)
{
	for (const cmd *c = tab; c && c->words; c++) {
		size_t k = match_words(t, i, c->words);
		if (k) {
			*nwords = k;
			return c;
		}
	}
	return NULL;
}

/* ---- global commands ------------------------------------------------------ */

static void enter(parser *p, mode_t_ m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void enter(parser *p, mode_t_ m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->ctx, sizeof p->ctx, fmt, ap);
	va_end(ap);
	p->mode = m;
}

static bool valid_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || !isalpha((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static void h_hostname(parser *p, cur *c, bool neg)
{
	c->ctx = "hostname";
	if (neg) {
		free(p->cfg->hostname);
		p->cfg->hostname = xstrdup(p, "Router");
		return;
	}
	const char *t = next(c);
	if (!t || !valid_hostname(t)) {
		err(p, "hostname: expected a name (letters, digits, '-', '_'; at most 63; starting with a letter), "
		       "got %s",
		    got(p, t));
		return;
	}
	if (!need_end(c))
		return;
	free(p->cfg->hostname);
	p->cfg->hostname = xstrdup(p, t);
}

static void h_version(parser *p, cur *c, bool neg)
{
	(void)neg;
	const char *t = next(c);
	if (t) {
		free(p->cfg->version);
		p->cfg->version = xstrdup(p, t);
	}
}

/* interface TYPE-NUMBER, or TYPE NUMBER as IOS also accepts. */
static bool iface_name(cur *c, char *out, size_t len)
{
	const char *t = next(c);
	if (!t) {
		err(c->p, "%s: expected an interface name, got end of line", c->ctx);
		return false;
	}
	char b[NAME_MAX_LEN + 1];
	snprintf(b, sizeof b, "%s", t);
	const char *t2 = peek(c);
	if (!strpbrk(b, "0123456789") && t2 && isdigit((unsigned char)t2[0])) {
		snprintf(b, sizeof b, "%s%s", t, t2);
		c->i++;
	}
	/* letters, then a number part: FastEthernet0/0, Tunnel0, Gi0/0.100 */
	size_t i = 0, n = strlen(b);
	while (i < n && (isalpha((unsigned char)b[i]) || b[i] == '-'))
		i++;
	bool ok = i > 0 && i < n && isdigit((unsigned char)b[i]) && n <= 64;
	for (; ok && i < n; i++)
		if (!isdigit((unsigned char)b[i]) && !strchr("/.:", b[i]))
			ok = false;
	if (!ok) {
		err(c->p, "%s: expected an interface name such as FastEthernet0/0, got %s", c->ctx, got(c->p, t));
		return false;
	}
	snprintf(out, len, "%s", b);
	return true;
}

static void h_interface(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no interface" : "interface";
	char name[NAME_MAX_LEN + 1];
	if (!iface_name(c, name, sizeof name))
		return;
	if (kw(c, "point-to-point") || kw(c, "multipoint"))
		warn(p, "interface %s: sub-interface type ignored", name);
	if (!need_end(c))
		return;
	ios_config *cfg = p->cfg;
	ios_interface *f = find_iface(cfg, name);
	if (neg) {
		if (f) {
			free_iface(f);
			remove_at(cfg->ifaces, &cfg->n_ifaces, (size_t)(f - cfg->ifaces), sizeof *f);
		}
		return;
	}
	if (!f) {
		ios_interface *v = xrealloc(p, cfg->ifaces, cfg->n_ifaces + 1, sizeof *v);
		if (!v)
			return;
		cfg->ifaces = v;
		f = &v[cfg->n_ifaces];
		memset(f, 0, sizeof *f);
		f->name = xstrdup(p, name);
		f->line = p->line;
		if (!f->name)
			return;
		cfg->n_ifaces++;
	}
	snprintf(p->cur_name, sizeof p->cur_name, "%s", f->name);
	enter(p, M_IFACE, "interface %s", f->name);
}

/* ip route PREFIX MASK {NEXTHOP | IFNAME [NEXTHOP]} [DISTANCE] [tag N] [permanent] [name NAME] */
static void h_route(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no ip route" : "ip route";
	if (kw(c, "vrf")) {
		err(p, "%s vrf: refused: not implemented (VRFs change which traffic is routed where)", c->ctx);
		return;
	}
	ios_route r;
	memset(&r, 0, sizeof r);
	r.distance = 1;
	r.line = p->line;
	if (!need_addr(c, "prefix", &r.prefix) || !need_mask(c, "mask", &r.mask))
		return;
	if (r.prefix & ~r.mask) {
		char a[16], m[16];
		fmt_ip(r.prefix, a);
		fmt_ip(r.mask, m);
		err(p, "%s: prefix: %s has bits outside the mask %s (inconsistent address and mask)", c->ctx, a, m);
		return;
	}
	char ifname[NAME_MAX_LEN + 1] = "";
	const char *t = peek(c);
	if (t && ipv4(t, &r.nexthop)) {
		r.has_nexthop = true;
		c->i++;
	} else if (t && isalpha((unsigned char)t[0])) {
		if (!iface_name(c, ifname, sizeof ifname))
			return;
		t = peek(c);
		if (t && ipv4(t, &r.nexthop)) {
			r.has_nexthop = true;
			c->i++;
		}
	} else if (!neg || t) {
		err(p, "%s: expected a next-hop address or an interface, got %s", c->ctx, got(p, t));
		return;
	}
	while ((t = next(c))) {
		uint64_t v;
		if (dec(t, 255, &v) && v >= 1) {
			r.distance = (uint8_t)v;
		} else if (is(t, "tag")) {
			if (!need_num(c, "tag", 1, UINT32_MAX, &r.tag))
				goto fail;
		} else if (is(t, "permanent")) {
			r.permanent = true;
		} else if (is(t, "name")) {
			const char *n = next(c);
			if (!valid_name(c, "name", n))
				goto fail;
			free(r.name);
			r.name = xstrdup(p, n);
		} else if (is(t, "track")) {
			uint32_t tr;
			if (!need_num(c, "track", 1, 1000, &tr))
				goto fail;
			warn(p, "%s: track %u ignored (object tracking is not implemented)", c->ctx, tr);
		} else {
			err(p, "%s: expected a distance 1-255, tag, permanent, name or end of line, got %s", c->ctx,
			    got(p, t));
			goto fail;
		}
	}
	ios_config *cfg = p->cfg;
	if (neg) {
		for (size_t i = 0; i < cfg->n_routes;) {
			ios_route *x = &cfg->routes[i];
			bool same = x->prefix == r.prefix && x->mask == r.mask &&
				    (!r.has_nexthop || (x->has_nexthop && x->nexthop == r.nexthop)) &&
				    (!ifname[0] || (x->ifname && !strcasecmp(x->ifname, ifname)));
			if (same) {
				free_route(x);
				remove_at(cfg->routes, &cfg->n_routes, i, sizeof *x);
			} else {
				i++;
			}
		}
		goto fail; /* nothing to keep */
	}
	if (ifname[0]) {
		r.ifname = xstrdup(p, ifname);
		if (!r.ifname)
			goto fail;
	}
	ios_route *v = xrealloc(p, cfg->routes, cfg->n_routes + 1, sizeof *v);
	if (!v)
		goto fail;
	cfg->routes = v;
	v[cfg->n_routes++] = r;
	return;
fail:
	free_route(&r);
}

/* ---- access lists ---------------------------------------------------------- */

typedef struct named_num {
	const char *name;
	unsigned v;
} named_num;

static const named_num PROTOS[] = {
	{ "tcp", 6 },	{ "udp", 17 },	 { "icmp", 1 },	  { "gre", 47 }, { "esp", 50 }, { "ahp", 51 }, { "igmp", 2 },
	{ "eigrp", 88 }, { "ospf", 89 }, { "ipinip", 4 }, { "pim", 103 }, { "nos", 94 }, { "pcp", 108 }, { NULL, 0 },
};

static const named_num TCP_PORTS[] = {
	{ "bgp", 179 },	    { "chargen", 19 }, { "cmd", 514 },	  { "daytime", 13 }, { "discard", 9 },
	{ "domain", 53 },   { "echo", 7 },     { "exec", 512 },	  { "finger", 79 },  { "ftp", 21 },
	{ "ftp-data", 20 }, { "gopher", 70 },  { "hostname", 101 }, { "ident", 113 }, { "irc", 194 },
	{ "klogin", 543 },  { "kshell", 544 }, { "login", 513 },  { "lpd", 515 },    { "nntp", 119 },
	{ "pop2", 109 },    { "pop3", 110 },   { "smtp", 25 },	  { "sunrpc", 111 }, { "tacacs", 49 },
	{ "talk", 517 },    { "telnet", 23 },  { "time", 37 },	  { "uucp", 540 },   { "whois", 43 },
	{ "www", 80 },	    { NULL, 0 },
};

static const named_num UDP_PORTS[] = {
	{ "biff", 512 },     { "bootpc", 68 },	     { "bootps", 67 },	    { "discard", 9 },	   { "dnsix", 195 },
	{ "domain", 53 },    { "echo", 7 },	     { "isakmp", 500 },	    { "mobile-ip", 434 }, { "nameserver", 42 },
	{ "netbios-dgm", 138 }, { "netbios-ns", 137 }, { "netbios-ss", 139 }, { "non500-isakmp", 4500 },
	{ "ntp", 123 },	     { "rip", 520 },	     { "snmp", 161 },	    { "snmptrap", 162 },  { "sunrpc", 111 },
	{ "syslog", 514 },   { "tacacs", 49 },	     { "talk", 517 },	    { "tftp", 69 },	   { "time", 37 },
	{ "who", 513 },	     { "xdmcp", 177 },	     { NULL, 0 },
};

/* ICMP message names: type and code (-1 = any code). */
static const struct {
	const char *name;
	int type, code;
} ICMP_NAMES[] = {
	{ "echo-reply", 0, -1 },
	{ "unreachable", 3, -1 },
	{ "net-unreachable", 3, 0 },
	{ "host-unreachable", 3, 1 },
	{ "protocol-unreachable", 3, 2 },
	{ "port-unreachable", 3, 3 },
	{ "packet-too-big", 3, 4 },
	{ "administratively-prohibited", 3, 13 },
	{ "source-quench", 4, -1 },
	{ "redirect", 5, -1 },
	{ "echo", 8, -1 },
	{ "router-advertisement", 9, -1 },
	{ "router-solicitation", 10, -1 },
	{ "time-exceeded", 11, -1 },
	{ "ttl-exceeded", 11, 0 },
	{ "parameter-problem", 12, -1 },
	{ "timestamp-request", 13, -1 },
	{ "timestamp-reply", 14, -1 },
	{ "information-request", 15, -1 },
	{ "information-reply", 16, -1 },
	{ "mask-request", 17, -1 },
	{ "mask-reply", 18, -1 },
	{ "traceroute", 30, -1 },
	{ NULL, 0, 0 },
};

static bool lookup_num(const named_num *tab, const char *s, unsigned *v)
{
	for (; s && tab->name; tab++)
		if (!strcasecmp(tab->name, s)) {
			*v = tab->v;
			return true;
		}
	return false;
}

/* any | host A | A WILDCARD */
static bool ace_addr(cur *c, const char *what, uint32_t *addr, uint32_t *wild)
{
	const char *t = next(c);
	if (is(t, "any")) {
		*addr = 0;
		*wild = 0xffffffffu;
		return true;
	}
	if (is(t, "host")) {
		*wild = 0;
		return need_addr(c, what, addr);
	}
	if (is(t, "object-group") || is(t, "addrgroup")) {
		err(c->p, "%s: %s: %s: refused: not implemented (it decides which packets are protected)", c->ctx,
		    what, t);
		return false;
	}
	if (!ipv4(t, addr)) {
		err(c->p, "%s: %s: expected any, host A.B.C.D or A.B.C.D WILDCARD, got %s", c->ctx, what,
		    got(c->p, t));
		return false;
	}
	const char *w = next(c);
	if (!ipv4(w, wild)) {
		err(c->p, "%s: %s wildcard: expected a wildcard mask such as 0.0.0.255, got %s", c->ctx, what,
		    got(c->p, w));
		return false;
	}
	*addr &= ~*wild;
	return true;
}

static bool port_value(cur *c, const char *what, uint8_t proto, uint16_t *out)
{
	const char *t = next(c);
	uint64_t v;
	unsigned n;
	if (dec(t, 65535, &v)) {
		*out = (uint16_t)v;
		return true;
	}
	if (lookup_num(proto == 6 ? TCP_PORTS : UDP_PORTS, t, &n)) {
		*out = (uint16_t)n;
		return true;
	}
	err(c->p, "%s: %s: expected 0-65535 or a %s port name, got %s", c->ctx, what, proto == 6 ? "tcp" : "udp",
	    got(c->p, t));
	return false;
}

/* [eq P | neq P | lt P | gt P | range P1 P2] */
static bool ace_port(cur *c, const char *what, uint8_t proto, ios_port_match *m)
{
	static const char *const ops[] = { "eq", "neq", "lt", "gt", "range" };
	static const uint8_t opv[] = { IOS_PORT_EQ, IOS_PORT_NEQ, IOS_PORT_LT, IOS_PORT_GT, IOS_PORT_RANGE };
	const char *t = peek(c);
	for (size_t i = 0; i < 5; i++) {
		if (!is(t, ops[i]))
			continue;
		c->i++;
		m->op = opv[i];
		if (!port_value(c, what, proto, &m->lo))
			return false;
		m->hi = m->lo;
		if (m->op == IOS_PORT_RANGE) {
			if (!port_value(c, what, proto, &m->hi))
				return false;
			if (m->hi < m->lo) {
				err(c->p, "%s: %s: range %u %u: expected the lower port first", c->ctx, what, m->lo,
				    m->hi);
				return false;
			}
		}
		return true;
	}
	return true;
}

static const char *const ACE_REFUSED[] = {
	"established", "fragments", "precedence", "tos", "dscp", "time-range", "option", "ttl", "reflect",
	"match-any", "match-all", "ack", "fin", "psh", "rst", "syn", "urg", NULL,
};

/* PROTO SRC [PORTS] DST [PORTS] [ICMP-TYPE [CODE] | ICMP-NAME] [log|log-input] */
static bool parse_ace(cur *c, ios_ace *a)
{
	parser *p = c->p;
	const char *t = next(c);
	uint64_t v;
	unsigned n;
	a->icmp_type = a->icmp_code = -1;
	if (is(t, "ip")) {
		a->any_proto = true;
	} else if (lookup_num(PROTOS, t, &n)) {
		a->proto = (uint8_t)n;
	} else if (dec(t, 255, &v)) {
		a->proto = (uint8_t)v;
		a->any_proto = v == 0; /* IOS shows protocol 0 as ip */
	} else {
		err(p, "%s: protocol: expected ip, tcp, udp, icmp, gre, esp, ahp, another protocol name or 0-255, "
		       "got %s",
		    c->ctx, got(p, t));
		return false;
	}
	bool ports = !a->any_proto && (a->proto == 6 || a->proto == 17);
	if (!ace_addr(c, "source", &a->src, &a->src_wild))
		return false;
	if (ports && !ace_port(c, "source port", a->proto, &a->sport))
		return false;
	if (!ace_addr(c, "destination", &a->dst, &a->dst_wild))
		return false;
	if (ports && !ace_port(c, "destination port", a->proto, &a->dport))
		return false;
	if (!a->any_proto && a->proto == 1) {
		t = peek(c);
		if (dec(t, 255, &v)) {
			c->i++;
			a->icmp_type = (int16_t)v;
			if (dec(peek(c), 255, &v)) {
				c->i++;
				a->icmp_code = (int16_t)v;
			}
		} else {
			for (size_t i = 0; t && ICMP_NAMES[i].name; i++)
				if (!strcasecmp(t, ICMP_NAMES[i].name)) {
					a->icmp_type = (int16_t)ICMP_NAMES[i].type;
					a->icmp_code = (int16_t)ICMP_NAMES[i].code;
					c->i++;
					break;
				}
		}
	}
	while ((t = next(c))) {
		if (is(t, "log") || is(t, "log-input")) {
			a->log = true;
			continue;
		}
		for (size_t i = 0; ACE_REFUSED[i]; i++)
			if (is(t, ACE_REFUSED[i])) {
				err(p, "%s: %s: refused: not implemented (it changes which packets match)", c->ctx, t);
				return false;
			}
		const char *exp = ports && !a->sport.op && !a->dport.op ? "eq|neq|lt|gt|range, log or end of line"
				  : !a->any_proto && a->proto == 1 && a->icmp_type < 0 ? "an ICMP type or name, log or end of line"
								   : "log or end of line";
		err(p, "%s: expected %s, got %s", c->ctx, exp, got(p, t));
		return false;
	}
	return true;
}

static bool ace_equal(const ios_ace *a, const ios_ace *b)
{
	return a->permit == b->permit && a->any_proto == b->any_proto && a->proto == b->proto && a->src == b->src &&
	       a->src_wild == b->src_wild && a->dst == b->dst && a->dst_wild == b->dst_wild &&
	       !memcmp(&a->sport, &b->sport, sizeof a->sport) && !memcmp(&a->dport, &b->dport, sizeof a->dport) &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
}

/* Is `name` an extended list name: 100-199, 2000-2699, or a word? */
enum { ACL_EXTENDED, ACL_STANDARD_NUM, ACL_OTHER_NUM, ACL_BAD };
static int acl_name_kind(const char *name)
{
	uint64_t v;
	if (dec(name, UINT32_MAX, &v)) {
		if ((v >= 100 && v <= 199) || (v >= 2000 && v <= 2699))
			return ACL_EXTENDED;
		if ((v >= 1 && v <= 99) || (v >= 1300 && v <= 1999))
			return ACL_STANDARD_NUM;
		return ACL_OTHER_NUM;
	}
	return isalpha((unsigned char)name[0]) ? ACL_EXTENDED : ACL_BAD;
}

static ios_acl *get_acl(parser *p, const char *name, bool numbered)
{
	ios_config *cfg = p->cfg;
	ios_acl *a = find_acl(cfg, name);
	if (a)
		return a;
	ios_acl *v = xrealloc(p, cfg->acls, cfg->n_acls + 1, sizeof *v);
	if (!v)
		return NULL;
	cfg->acls = v;
	a = &v[cfg->n_acls];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(p, name);
	if (!a->name)
		return NULL;
	a->numbered = numbered;
	a->line = p->line;
	cfg->n_acls++;
	return a;
}

static void delete_acl(parser *p, const char *name)
{
	ios_acl *a = find_acl(p->cfg, name);
	if (a) {
		free_acl(a);
		remove_at(p->cfg->acls, &p->cfg->n_acls, (size_t)(a - p->cfg->acls), sizeof *a);
	}
}

static void note_other_acl(parser *p, const char *name)
{
	for (size_t i = 0; i < p->n_other_acls; i++)
		if (!strcmp(p->other_acls[i], name))
			return;
	char **v = xrealloc(p, p->other_acls, p->n_other_acls + 1, sizeof *v);
	if (!v)
		return;
	p->other_acls = v;
	unsigned *l = xrealloc(p, p->other_acl_lines, p->n_other_acls + 1, sizeof *l);
	if (!l)
		return;
	p->other_acl_lines = l;
	v[p->n_other_acls] = xstrdup(p, name);
	if (!v[p->n_other_acls])
		return;
	l[p->n_other_acls++] = p->line;
}

/* Insert an entry; seq 0 means "after the last, +10". */
static bool add_ace(parser *p, cur *c, ios_acl *acl, ios_ace *a, unsigned seq)
{
	if (!seq)
		seq = acl->n_aces ? acl->aces[acl->n_aces - 1].seq + 10 : 10;
	size_t at = acl->n_aces;
	for (size_t i = 0; i < acl->n_aces; i++) {
		if (acl->aces[i].seq == seq) {
			err(p, "%s: sequence number %u is already used (line %u)", c->ctx, seq, acl->aces[i].line);
			return false;
		}
		if (acl->aces[i].seq > seq && at == acl->n_aces)
			at = i;
	}
	ios_ace *v = xrealloc(p, acl->aces, acl->n_aces + 1, sizeof *v);
	if (!v)
		return false;
	acl->aces = v;
	memmove(&v[at + 1], &v[at], (acl->n_aces - at) * sizeof *v);
	a->seq = seq;
	a->line = p->line;
	v[at] = *a;
	acl->n_aces++;
	return true;
}

/* access-list N {permit|deny} ... | access-list N remark TEXT */
static void h_access_list(parser *p, cur *c, bool neg)
{
	const char *name = next(c);
	if (!name) {
		err(p, "%saccess-list: expected an access list number 100-199 or 2000-2699, got end of line",
		    neg ? "no " : "");
		return;
	}
	if (!is_num(name)) {
		warn(p, "%saccess-list %s: ignored (does not concern espfab)", neg ? "no " : "", got(p, name));
		return;
	}
	const char *ctx = setctx(c, "%saccess-list %s", neg ? "no " : "", name);
	int k = acl_name_kind(name);
	if (k != ACL_EXTENDED) {
		warn(p, "%s: ignored (%s access lists are not used by espfab; crypto maps take extended lists "
			"100-199, 2000-2699)",
		     ctx, k == ACL_STANDARD_NUM ? "standard" : "non-IP or unknown-type");
		note_other_acl(p, name);
		return;
	}
	if (neg) {
		if (peek(c))
			warn(p, "%s %s: deletes the whole access list, as IOS does", ctx, peek(c));
		delete_acl(p, name);
		return;
	}
	const char *t = next(c);
	if (is(t, "remark")) {
		get_acl(p, name, true);
		return;
	}
	if (is(t, "dynamic")) {
		err(p, "%s: dynamic: refused: not implemented (lock-and-key entries change which packets match)",
		    ctx);
		return;
	}
	if (!is(t, "permit") && !is(t, "deny")) {
		err(p, "%s: expected permit, deny or remark, got %s", ctx, got(p, t));
		return;
	}
	ios_ace a;
	memset(&a, 0, sizeof a);
	a.permit = is(t, "permit");
	if (!parse_ace(c, &a))
		return;
	ios_acl *acl = get_acl(p, name, true);
	if (acl)
		add_ace(p, c, acl, &a, 0);
}

static void h_ip_acl_ext(parser *p, cur *c, bool neg)
{
	const char *name = next(c);
	c->ctx = neg ? "no ip access-list extended" : "ip access-list extended";
	if (!valid_name(c, "name", name))
		return;
	if (acl_name_kind(name) != ACL_EXTENDED) {
		err(p, "%s: expected a name starting with a letter or a number 100-199 or 2000-2699, got %s", c->ctx,
		    got(p, name));
		return;
	}
	if (!need_end(c))
		return;
	if (neg) {
		delete_acl(p, name);
		return;
	}
	ios_acl *a = get_acl(p, name, is_num(name));
	if (!a)
		return;
	snprintf(p->cur_name, sizeof p->cur_name, "%s", name);
	enter(p, M_ACL, "ip access-list extended %s", name);
}

static void h_ip_acl_std(parser *p, cur *c, bool neg)
{
	const char *name = next(c);
	warn(p, "%sip access-list standard: ignored (standard access lists are not used by espfab; crypto maps "
		"take extended lists)",
	     neg ? "no " : "");
	if (name)
		note_other_acl(p, name);
	if (!neg)
		p->mode = M_SKIP;
}

/* In ip access-list extended NAME: [SEQ] permit|deny ..., remark, no SEQ, no permit ... */
static void s_acl_line(parser *p, cur *c, bool neg)
{
	ios_acl *acl = find_acl(p->cfg, p->cur_name);
	if (!acl)
		return;
	c->ctx = p->ctx;
	/* the table matched permit/deny: read it again here */
	if (c->i > 0 && (is(c->t->v[c->i - 1], "permit") || is(c->t->v[c->i - 1], "deny")))
		c->i--;
	uint32_t seq = 0;
	const char *t = peek(c);
	if (is_num(t)) {
		if (!need_num(c, "sequence number", 1, 2147483647, &seq))
			return;
		if (neg) {
			if (!need_end(c))
				return;
			for (size_t i = 0; i < acl->n_aces; i++)
				if (acl->aces[i].seq == seq) {
					remove_at(acl->aces, &acl->n_aces, i, sizeof acl->aces[0]);
					return;
				}
			warn(p, "%s: no %u: there is no entry with that sequence number", c->ctx, seq);
			return;
		}
	}
	t = next(c);
	if (is(t, "remark"))
		return;
	if (!is(t, "permit") && !is(t, "deny")) {
		err(p, "%s: expected [SEQUENCE] permit|deny|remark, got %s", c->ctx, got(p, t));
		return;
	}
	ios_ace a;
	memset(&a, 0, sizeof a);
	a.permit = is(t, "permit");
	if (!parse_ace(c, &a))
		return;
	if (neg) {
		for (size_t i = 0; i < acl->n_aces; i++)
			if (ace_equal(&acl->aces[i], &a)) {
				remove_at(acl->aces, &acl->n_aces, i, sizeof acl->aces[0]);
				return;
			}
		warn(p, "%s: no %s: no such entry", c->ctx, a.permit ? "permit" : "deny");
		return;
	}
	add_ace(p, c, acl, &a, seq);
}

/* ---- crypto isakmp -------------------------------------------------------- */

static void h_policy(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto isakmp policy" : "crypto isakmp policy";
	uint32_t prio;
	if (!need_num(c, "priority", 1, 10000, &prio) || !need_end(c))
		return;
	ios_config *cfg = p->cfg;
	ios_isakmp_policy *pol = find_policy(cfg, prio);
	if (neg) {
		if (pol)
			remove_at(cfg->policies, &cfg->n_policies, (size_t)(pol - cfg->policies), sizeof *pol);
		return;
	}
	if (!pol) {
		ios_isakmp_policy *v = xrealloc(p, cfg->policies, cfg->n_policies + 1, sizeof *v);
		if (!v)
			return;
		cfg->policies = v;
		size_t at = 0;
		while (at < cfg->n_policies && v[at].priority < prio)
			at++;
		memmove(&v[at + 1], &v[at], (cfg->n_policies - at) * sizeof *v);
		pol = &v[at];
		memset(pol, 0, sizeof *pol);
		pol->priority = prio;
		pol->encr = IOS_IKE_ENCR_DES;
		pol->key_len = 8;
		pol->hash = IOS_IKE_HASH_SHA;
		pol->auth = 0; /* IOS default rsa-sig: checked after parsing */
		pol->group = 1;
		pol->lifetime = 86400;
		pol->line = p->line;
		cfg->n_policies++;
	}
	p->cur_num = prio;
	enter(p, M_POLICY, "crypto isakmp policy %u", prio);
}

static void s_encr(parser *p, cur *c, bool neg)
{
	ios_isakmp_policy *pol = find_policy(p->cfg, p->cur_num);
	if (!pol)
		return;
	setctx(c, "%s: encr", p->ctx);
	if (neg) {
		pol->encr = IOS_IKE_ENCR_DES;
		pol->key_len = 8;
		return;
	}
	const char *t = next(c);
	if (is(t, "des")) {
		pol->encr = IOS_IKE_ENCR_DES;
		pol->key_len = 8;
	} else if (is(t, "3des")) {
		pol->encr = IOS_IKE_ENCR_3DES;
		pol->key_len = 24;
	} else if (is(t, "aes")) {
		const char *b = next(c);
		pol->encr = IOS_IKE_ENCR_AES;
		if (!b || is(b, "128"))
			pol->key_len = 16;
		else if (is(b, "192"))
			pol->key_len = 24;
		else if (is(b, "256"))
			pol->key_len = 32;
		else {
			err(p, "%s: encr: aes key size: expected 128, 192 or 256, got %s", p->ctx, got(p, b));
			return;
		}
	} else {
		err(p, "%s: encr: expected des|3des|aes, got %s", p->ctx, got(p, t));
		return;
	}
	need_end(c);
}

static void s_hash(parser *p, cur *c, bool neg)
{
	ios_isakmp_policy *pol = find_policy(p->cfg, p->cur_num);
	if (!pol)
		return;
	if (neg) {
		pol->hash = IOS_IKE_HASH_SHA;
		return;
	}
	c->ctx = p->ctx;
	int i = need_choice(c, "hash", "md5|sha");
	if (i < 0)
		return;
	setctx(c, "%s: hash", p->ctx);
	if (need_end(c))
		pol->hash = i == 0 ? IOS_IKE_HASH_MD5 : IOS_IKE_HASH_SHA;
}

static void s_auth(parser *p, cur *c, bool neg)
{
	ios_isakmp_policy *pol = find_policy(p->cfg, p->cur_num);
	if (!pol)
		return;
	if (neg) {
		pol->auth = 0; /* back to IOS's rsa-sig */
		return;
	}
	const char *t = next(c);
	if (is(t, "rsa-sig") || is(t, "rsa-encr") || is(t, "ecdsa-sig")) {
		err(p, "%s: authentication: %s: refused: not implemented (only pre-share is)", p->ctx, t);
		return;
	}
	if (!is(t, "pre-share")) {
		err(p, "%s: authentication: expected pre-share, got %s", p->ctx, got(p, t));
		return;
	}
	setctx(c, "%s: authentication", p->ctx);
	if (need_end(c))
		pol->auth = IOS_IKE_AUTH_PRE_SHARE;
}

static void s_group(parser *p, cur *c, bool neg)
{
	ios_isakmp_policy *pol = find_policy(p->cfg, p->cur_num);
	if (!pol)
		return;
	if (neg) {
		pol->group = 1;
		return;
	}
	c->ctx = p->ctx;
	int i = need_choice(c, "group", "1|2|5|14");
	static const uint8_t g[] = { 1, 2, 5, 14 };
	setctx(c, "%s: group", p->ctx);
	if (i >= 0 && need_end(c))
		pol->group = g[i];
}

static void s_lifetime(parser *p, cur *c, bool neg)
{
	ios_isakmp_policy *pol = find_policy(p->cfg, p->cur_num);
	if (!pol)
		return;
	if (neg) {
		pol->lifetime = 86400;
		return;
	}
	c->ctx = p->ctx;
	uint32_t v;
	if (!need_num(c, "lifetime", 60, 86400, &v))
		return;
	setctx(c, "%s: lifetime", p->ctx);
	if (need_end(c))
		pol->lifetime = v;
}

/* Add or replace (same address and mask) a key in a keyring. */
static void put_psk(parser *p, ios_keyring *kr, uint32_t addr, uint32_t mask, const char *key, bool no_xauth)
{
	ios_psk *k = NULL;
	for (size_t i = 0; i < kr->n_keys; i++)
		if (kr->keys[i].addr == addr && kr->keys[i].mask == mask)
			k = &kr->keys[i];
	if (k) {
		free_psk(k);
	} else {
		ios_psk *v = xrealloc(p, kr->keys, kr->n_keys + 1, sizeof *v);
		if (!v)
			return;
		kr->keys = v;
		k = &v[kr->n_keys];
		memset(k, 0, sizeof *k);
		k->key = xstrdup(p, key);
		if (!k->key)
			return;
		kr->n_keys++;
		goto fill;
	}
	k->key = xstrdup(p, key);
	if (!k->key) {
		remove_at(kr->keys, &kr->n_keys, (size_t)(k - kr->keys), sizeof *k);
		return;
	}
fill:
	k->key_len = strlen(key);
	k->addr = addr;
	k->mask = mask;
	k->no_xauth = no_xauth;
	k->line = p->line;
}

static void del_psk(ios_keyring *kr, uint32_t addr, uint32_t mask)
{
	for (size_t i = 0; i < kr->n_keys; i++)
		if (kr->keys[i].addr == addr && kr->keys[i].mask == mask) {
			free_psk(&kr->keys[i]);
			remove_at(kr->keys, &kr->n_keys, i, sizeof kr->keys[0]);
			return;
		}
}

/* A key token: never echoed. */
static bool key_ok(cur *c, const char *what, const char *key)
{
	if (!key) {
		err(c->p, "%s: %s: expected a key, got end of line", c->ctx, what);
		return false;
	}
	if (strlen(key) > KEY_MAX_LEN) {
		err(c->p, "%s: %s: expected a key of at most %d characters (key not shown)", c->ctx, what,
		    KEY_MAX_LEN);
		return false;
	}
	for (const char *q = key; *q; q++)
		if ((unsigned char)*q < 0x21 || *q == 0x7f) {
			err(c->p, "%s: %s: expected printable characters (key not shown)", c->ctx, what);
			return false;
		}
	return true;
}

/* address A [MASK]: MASK defaults to a host mask; A must lie on the mask.
 * quiet: a bad mask is not echoed (in a keyring the key may follow). */
static bool key_address(cur *c, uint32_t *addr, uint32_t *mask, bool quiet)
{
	const char *t = next(c);
	if (is(t, "ipv6")) {
		err(c->p, "%s: address ipv6: refused: not implemented (espfab is IPv4 only)", c->ctx);
		return false;
	}
	if (!ipv4(t, addr)) {
		err(c->p, "%s: address: expected an IPv4 address, got %s", c->ctx, got(c->p, t));
		return false;
	}
	*mask = 0xffffffffu;
	uint32_t m;
	if (ipv4(peek(c), &m)) { /* only a dotted quad: the next word may be a key */
		if (quiet && !contiguous(m)) {
			err(c->p, "%s: mask: expected a contiguous netmask, got a word that is not one (not shown)",
			    c->ctx);
			return false;
		}
		if (!need_mask(c, "mask", mask))
			return false;
	}
	if (*addr & ~*mask) {
		char a[16], m[16];
		fmt_ip(*addr, a);
		fmt_ip(*mask, m);
		err(c->p, "%s: address: %s has bits outside the mask %s", c->ctx, a, m);
		return false;
	}
	return true;
}

/* crypto isakmp key [0|6] KEY address A [MASK] [no-xauth] | ... hostname H */
static void h_isakmp_key(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto isakmp key" : "crypto isakmp key";
	const char *key = next(c);
	/* an encryption type before the key, unless that word is the key itself */
	if ((is(key, "0") || is(key, "6") || is(key, "7")) && peek(c) && !is(peek(c), "address") &&
	    !is(peek(c), "hostname")) {
		if (!is(key, "0")) {
			err(p, "%s: encryption type %s: not supported (give the key in clear text, type 0)", c->ctx,
			    key);
			return;
		}
		key = next(c);
	}
	if (!key_ok(c, "key", key))
		return;
	const char *t = next(c);
	if (is(t, "hostname")) {
		err(p, "%s: hostname: refused: not implemented (peers are identified by address)", c->ctx);
		return;
	}
	if (!is(t, "address")) {
		/* not echoed: a key with a blank in it would show its second half here */
		err(p, "%s: expected 'address' after the key, got %s", c->ctx, t ? "another word (not shown)" : "end of line");
		return;
	}
	uint32_t addr, mask;
	if (!key_address(c, &addr, &mask, false))
		return;
	bool no_xauth = kw(c, "no-xauth");
	if (!need_end(c))
		return;
	if (neg)
		del_psk(&p->cfg->keyrings[0], addr, mask);
	else
		put_psk(p, &p->cfg->keyrings[0], addr, mask, key, no_xauth);
}

/* crypto isakmp keepalive SECONDS [RETRY] [periodic|on-demand] */
static void h_keepalive(parser *p, cur *c, bool neg)
{
	c->ctx = "crypto isakmp keepalive";
	ios_config *cfg = p->cfg;
	if (neg) {
		cfg->dpd_interval = cfg->dpd_retry = 0;
		cfg->dpd_periodic = false;
		return;
	}
	uint32_t s, r = 2;
	if (!need_num(c, "seconds", 10, 3600, &s))
		return;
	if (is_num(peek(c)) && !need_num(c, "retry", 2, 60, &r))
		return;
	bool periodic = false;
	if (kw(c, "periodic"))
		periodic = true;
	else
		kw(c, "on-demand");
	if (!need_end(c))
		return;
	cfg->dpd_interval = s;
	cfg->dpd_retry = r;
	cfg->dpd_periodic = periodic;
}

static void h_nat_keepalive(parser *p, cur *c, bool neg)
{
	c->ctx = "crypto isakmp nat keepalive";
	if (neg) {
		p->cfg->natt_keepalive = 0;
		return;
	}
	uint32_t s;
	if (need_num(c, "seconds", 5, 3600, &s) && need_end(c))
		p->cfg->natt_keepalive = s;
}

static void h_identity(parser *p, cur *c, bool neg)
{
	c->ctx = "crypto isakmp identity";
	const char *t = next(c);
	if (neg || is(t, "address")) {
		need_end(c);
		return;
	}
	if (is(t, "hostname") || is(t, "dn")) {
		err(p, "%s: %s: refused: not implemented (espfab identifies itself by address)", c->ctx, t);
		return;
	}
	err(p, "%s: expected address, got %s", c->ctx, got(p, t));
}

/* crypto keyring NAME */
static void h_keyring(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto keyring" : "crypto keyring";
	const char *name = next(c);
	if (!valid_name(c, "name", name))
		return;
	if (kw(c, "vrf")) {
		err(p, "%s %s: vrf: refused: not implemented (VRF keyrings change which key a peer gets)", c->ctx,
		    name);
		return;
	}
	if (!need_end(c))
		return;
	if (!strcmp(name, IOS_DEFAULT_KEYRING)) {
		err(p, "%s: name: '%s' is the keyring of crypto isakmp key lines; expected another name", c->ctx, name);
		return;
	}
	ios_config *cfg = p->cfg;
	ios_keyring *kr = find_keyring(cfg, name);
	if (neg) {
		if (kr) {
			free_keyring(kr);
			remove_at(cfg->keyrings, &cfg->n_keyrings, (size_t)(kr - cfg->keyrings), sizeof *kr);
		}
		return;
	}
	if (!kr) {
		ios_keyring *v = xrealloc(p, cfg->keyrings, cfg->n_keyrings + 1, sizeof *v);
		if (!v)
			return;
		cfg->keyrings = v;
		kr = &v[cfg->n_keyrings];
		memset(kr, 0, sizeof *kr);
		kr->name = xstrdup(p, name);
		if (!kr->name)
			return;
		kr->line = p->line;
		cfg->n_keyrings++;
	}
	snprintf(p->cur_name, sizeof p->cur_name, "%s", name);
	enter(p, M_KEYRING, "crypto keyring %s", name);
}

/* pre-shared-key address A [MASK] key [0] KEY | no pre-shared-key address A [MASK] */
static void s_psk(parser *p, cur *c, bool neg)
{
	ios_keyring *kr = find_keyring(p->cfg, p->cur_name);
	const char *ctx = setctx(c, "%s: pre-shared-key", p->ctx);
	const char *t = next(c);
	if (is(t, "hostname")) {
		err(p, "%s: hostname: refused: not implemented (peers are identified by address)", ctx);
		return;
	}
	if (!is(t, "address")) {
		/* not echoed: the word could be a misplaced key */
		err(p, "%s: expected address, got %s", ctx, t ? "another word (not shown)" : "end of line");
		return;
	}
	uint32_t addr, mask;
	if (!key_address(c, &addr, &mask, true))
		return;
	if (neg) {
		if (kr)
			del_psk(kr, addr, mask);
		return;
	}
	t = next(c);
	if (!is(t, "key")) {
		err(p, "%s: expected key, got %s", ctx, t ? "another word (not shown)" : "end of line");
		return;
	}
	const char *key = next(c);
	if ((is(key, "0") || is(key, "6") || is(key, "7")) && peek(c)) {
		if (!is(key, "0")) {
			err(p, "%s: encryption type %s: not supported (give the key in clear text, type 0)", ctx, key);
			return;
		}
		key = next(c);
	}
	if (!key_ok(c, "key", key))
		return;
	if (peek(c)) {
		err(p, "%s: expected end of line after the key, got another word", ctx);
		return;
	}
	if (kr)
		put_psk(p, kr, addr, mask, key, false);
}

/* ---- crypto ipsec --------------------------------------------------------- */

/* crypto ipsec transform-set NAME TRANSFORM... */
static void h_tset(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto ipsec transform-set" : "crypto ipsec transform-set";
	const char *name = next(c);
	if (!valid_name(c, "name", name))
		return;
	ios_config *cfg = p->cfg;
	ios_transform_set *ts = find_tset(cfg, name);
	if (neg) {
		if (ts) {
			free(ts->name);
			remove_at(cfg->tsets, &cfg->n_tsets, (size_t)(ts - cfg->tsets), sizeof *ts);
		}
		return;
	}
	const char *ctx = setctx(c, "crypto ipsec transform-set %s", name);
	ios_transform_set n;
	memset(&n, 0, sizeof n);
	const char *t;
	bool any = false;
	while ((t = next(c))) {
		any = true;
		uint8_t cipher = 0, len = 0;
		if (is(t, "esp-des")) {
			cipher = ESPFAB_CIPHER_DES;
			len = 8;
		} else if (is(t, "esp-3des")) {
			cipher = ESPFAB_CIPHER_3DES;
			len = 24;
		} else if (is(t, "esp-aes")) {
			cipher = ESPFAB_CIPHER_AES;
			len = 16;
			const char *b = peek(c);
			if (is(b, "128") || is(b, "192") || is(b, "256")) {
				len = (uint8_t)(atoi(b) / 8);
				c->i++;
			} else if (is_num(b)) {
				err(p, "%s: esp-aes key size: expected 128, 192 or 256, got %s", ctx, got(p, b));
				return;
			}
		}
		if (cipher) {
			if (n.cipher) {
				err(p, "%s: %s: expected one encryption transform, got a second", ctx, t);
				return;
			}
			n.cipher = cipher;
			n.enc_key_len = len;
			continue;
		}
		uint8_t auth = is(t, "esp-md5-hmac") ? ESPFAB_AUTH_MD5 : is(t, "esp-sha-hmac") ? ESPFAB_AUTH_SHA1 : 0;
		if (auth) {
			if (n.auth) {
				err(p, "%s: %s: expected one authentication transform, got a second", ctx, t);
				return;
			}
			n.auth = auth;
			continue;
		}
		if (!strncasecmp(t, "esp-", 4) || !strncasecmp(t, "ah-", 3) || !strncasecmp(t, "comp-", 5)) {
			err(p, "%s: transform: %s: refused: not implemented (expected esp-des|esp-3des|esp-aes "
			       "[128|192|256] and esp-md5-hmac|esp-sha-hmac)",
			    ctx, t);
			return;
		}
		err(p, "%s: transform: expected esp-des|esp-3des|esp-aes [128|192|256] and esp-md5-hmac|esp-sha-hmac, "
		       "got %s",
		    ctx, got(p, t));
		return;
	}
	if (!any || !n.cipher || !n.auth) {
		err(p, "%s: expected one encryption transform (esp-des|esp-3des|esp-aes) and one authentication "
		       "transform (esp-md5-hmac|esp-sha-hmac), got %s",
		    ctx, !any ? "none" : !n.cipher ? "no encryption transform" : "no authentication transform");
		return;
	}
	if (!ts) {
		ios_transform_set *v = xrealloc(p, cfg->tsets, cfg->n_tsets + 1, sizeof *v);
		if (!v)
			return;
		cfg->tsets = v;
		ts = &v[cfg->n_tsets];
		memset(ts, 0, sizeof *ts);
		ts->name = xstrdup(p, name);
		if (!ts->name)
			return;
		ts->mode = ESPFAB_MODE_TUNNEL;
		ts->line = p->line;
		cfg->n_tsets++;
	}
	/* redefining a set changes its transforms and keeps its mode, as IOS does */
	ts->cipher = n.cipher;
	ts->enc_key_len = n.enc_key_len;
	ts->auth = n.auth;
	snprintf(p->cur_name, sizeof p->cur_name, "%s", name);
	enter(p, M_TSET, "crypto ipsec transform-set %s", name);
}

static void s_mode(parser *p, cur *c, bool neg)
{
	ios_transform_set *ts = find_tset(p->cfg, p->cur_name);
	if (!ts)
		return;
	if (neg) {
		ts->mode = ESPFAB_MODE_TUNNEL;
		return;
	}
	c->ctx = p->ctx;
	int i = need_choice(c, "mode", "tunnel|transport");
	if (i < 0)
		return;
	if (kw(c, "require")) {
		err(p, "%s: mode transport require: refused: not implemented", p->ctx);
		return;
	}
	setctx(c, "%s: mode", p->ctx);
	if (need_end(c))
		ts->mode = i == 0 ? ESPFAB_MODE_TUNNEL : ESPFAB_MODE_TRANSPORT;
}

/* seconds N | kilobytes N (ranges of IOS 12.4/15) */
static bool sa_lifetime(cur *c, uint32_t *sec, uint32_t *kb, bool neg)
{
	int i = need_choice(c, "lifetime", "seconds|kilobytes");
	if (i < 0)
		return false;
	if (neg) {
		if (i == 0)
			*sec = 0;
		else
			*kb = 0;
		return true;
	}
	if (i == 1 && is(peek(c), "disable")) {
		err(c->p, "%s: kilobytes disable: refused: not implemented (volume lifetimes are always enforced)",
		    c->ctx);
		return false;
	}
	uint32_t v;
	if (i == 0 ? !need_num(c, "seconds", 120, 2592000, &v) : !need_num(c, "kilobytes", 2560, UINT32_MAX, &v))
		return false;
	if (!need_end(c))
		return false;
	if (i == 0)
		*sec = v;
	else
		*kb = v;
	return true;
}

static void h_ipsec_life(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto ipsec security-association lifetime" : "crypto ipsec security-association lifetime";
	uint32_t s = p->cfg->ipsec_life_sec, k = p->cfg->ipsec_life_kb;
	if (!sa_lifetime(c, &s, &k, neg))
		return;
	p->cfg->ipsec_life_sec = s ? s : IOS_IPSEC_LIFE_SEC_DEFAULT;
	p->cfg->ipsec_life_kb = k ? k : IOS_IPSEC_LIFE_KB_DEFAULT;
}

/* ---- crypto map / dynamic-map --------------------------------------------- */

static ios_crypto_map *get_map(parser *p, const char *name, bool dyn)
{
	ios_config *cfg = p->cfg;
	ios_crypto_map *m = find_map(cfg, name, dyn);
	if (m)
		return m;
	ios_crypto_map **vp = dyn ? &cfg->dynmaps : &cfg->maps;
	size_t *np = dyn ? &cfg->n_dynmaps : &cfg->n_maps;
	ios_crypto_map *v = xrealloc(p, *vp, *np + 1, sizeof *v);
	if (!v)
		return NULL;
	*vp = v;
	m = &v[*np];
	memset(m, 0, sizeof *m);
	m->name = xstrdup(p, name);
	if (!m->name)
		return NULL;
	m->dynamic = dyn;
	m->line = p->line;
	(*np)++;
	return m;
}

static ios_map_entry *get_entry(parser *p, ios_crypto_map *m, unsigned seq, bool *created)
{
	*created = false;
	ios_map_entry *e = find_entry(m, seq);
	if (e)
		return e;
	ios_map_entry *v = xrealloc(p, m->entries, m->n_entries + 1, sizeof *v);
	if (!v)
		return NULL;
	m->entries = v;
	size_t at = 0;
	while (at < m->n_entries && v[at].seq < seq)
		at++;
	memmove(&v[at + 1], &v[at], (m->n_entries - at) * sizeof *v);
	e = &v[at];
	memset(e, 0, sizeof *e);
	e->seq = seq;
	e->line = p->line;
	m->n_entries++;
	*created = true;
	return e;
}

static void delete_map(parser *p, const char *name, bool dyn, bool has_seq, unsigned seq)
{
	ios_config *cfg = p->cfg;
	ios_crypto_map *m = find_map(cfg, name, dyn);
	if (!m)
		return;
	if (has_seq) {
		ios_map_entry *e = find_entry(m, seq);
		if (e) {
			free_entry(e);
			remove_at(m->entries, &m->n_entries, (size_t)(e - m->entries), sizeof *e);
		}
		if (m->n_entries)
			return;
	}
	free_map(m);
	if (dyn)
		remove_at(cfg->dynmaps, &cfg->n_dynmaps, (size_t)(m - cfg->dynmaps), sizeof *m);
	else
		remove_at(cfg->maps, &cfg->n_maps, (size_t)(m - cfg->maps), sizeof *m);
}

/* crypto map NAME SEQ [ipsec-isakmp] [dynamic DYN [discover]] */
static void h_map(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto map" : "crypto map";
	const char *name = next(c);
	if (!valid_name(c, "name", name))
		return;
	const char *t = peek(c);
	if (!t && neg) {
		delete_map(p, name, false, false, 0);
		return;
	}
	if (!is_num(t)) {
		if (t && (is(t, "local-address") || is(t, "isakmp-profile") || is(t, "client") || is(t, "isakmp") ||
			  is(t, "redundancy") || is(t, "gdoi")))
			err(p, "crypto map %s %s: refused: not implemented", name, t);
		else
			err(p, "crypto map %s: expected a sequence number 1-65535, got %s", name, got(p, t));
		return;
	}
	setctx(c, "crypto map %s", name);
	uint32_t seq;
	if (!need_num(c, "sequence number", 1, 65535, &seq))
		return;
	const char *ctx = setctx(c, "crypto map %s %u", name, seq);
	if (neg) {
		delete_map(p, name, false, true, seq);
		return;
	}
	t = next(c);
	if (t && !is(t, "ipsec-isakmp")) {
		if (is(t, "ipsec-manual") || is(t, "gdoi"))
			err(p, "%s: %s: refused: not implemented (only ipsec-isakmp entries are)", ctx, t);
		else
			err(p, "%s: expected ipsec-isakmp, got %s", ctx, got(p, t));
		return;
	}
	bool dynref = false, discover = false;
	const char *dyn = NULL;
	t = next(c);
	if (is(t, "dynamic")) {
		dyn = next(c);
		if (!valid_name(c, "dynamic", dyn))
			return;
		dynref = true;
		discover = kw(c, "discover");
		if (is(peek(c), "profile")) {
			err(p, "%s: discover profile: refused: not implemented", ctx);
			return;
		}
	} else if (is(t, "profile")) {
		err(p, "%s: profile: refused: not implemented (ISAKMP profiles are not)", ctx);
		return;
	} else if (t) {
		err(p, "%s: expected dynamic or end of line, got %s", ctx, got(p, t));
		return;
	}
	if (!need_end(c))
		return;
	ios_crypto_map *m = get_map(p, name, false);
	if (!m)
		return;
	bool created;
	ios_map_entry *e = get_entry(p, m, seq, &created);
	if (!e)
		return;
	if (!created && e->dynamic_ref != dynref) {
		err(p, "%s: the entry was defined at line %u as a %s entry; expected the same kind (or 'no crypto map "
		       "%s %u' first)",
		    ctx, e->line, e->dynamic_ref ? "dynamic" : "static", name, seq);
		return;
	}
	if (dynref) {
		e->dynamic_ref = true;
		free(e->dynmap_name);
		e->dynmap_name = xstrdup(p, dyn);
		e->discover = discover;
		e->line = p->line;
		enter(p, M_DYNREF, "%s", ctx);
	} else {
		enter(p, M_ENTRY, "%s", ctx);
	}
	snprintf(p->cur_name, sizeof p->cur_name, "%s", name);
	p->cur_num = seq;
	p->cur_dyn = false;
}

/* crypto dynamic-map NAME SEQ */
static void h_dynmap(parser *p, cur *c, bool neg)
{
	c->ctx = neg ? "no crypto dynamic-map" : "crypto dynamic-map";
	const char *name = next(c);
	if (!valid_name(c, "name", name))
		return;
	if (neg && !peek(c)) {
		delete_map(p, name, true, false, 0);
		return;
	}
	setctx(c, "crypto dynamic-map %s", name);
	uint32_t seq;
	if (!need_num(c, "sequence number", 1, 65535, &seq) || !need_end(c))
		return;
	if (neg) {
		delete_map(p, name, true, true, seq);
		return;
	}
	ios_crypto_map *m = get_map(p, name, true);
	bool created;
	if (!m || !get_entry(p, m, seq, &created))
		return;
	snprintf(p->cur_name, sizeof p->cur_name, "%s", name);
	p->cur_num = seq;
	p->cur_dyn = true;
	enter(p, M_ENTRY, "crypto dynamic-map %s %u", name, seq);
}

static ios_map_entry *cur_entry(parser *p)
{
	return find_entry(find_map(p->cfg, p->cur_name, p->cur_dyn), p->cur_num);
}

/* set peer A | no set peer [A] */
static void s_set_peer(parser *p, cur *c, bool neg)
{
	ios_map_entry *e = cur_entry(p);
	if (!e)
		return;
	const char *ctx = setctx(c, "%s: set peer", p->ctx);
	const char *t = next(c);
	uint32_t a;
	if (neg && !t) {
		e->n_peers = 0;
		return;
	}
	if (!ipv4(t, &a)) {
		if (t && (isalpha((unsigned char)t[0]) || strchr(t, '.') == NULL))
			err(p, "%s: expected an IPv4 address (peer host names are not implemented), got %s", ctx,
			    got(p, t));
		else
			err(p, "%s: expected an IPv4 address, got %s", ctx, got(p, t));
		return;
	}
	if (is(peek(c), "default") || is(peek(c), "dynamic")) {
		err(p, "%s: %s: refused: not implemented", ctx, peek(c));
		return;
	}
	if (!need_end(c))
		return;
	size_t i = 0;
	while (i < e->n_peers && e->peers[i] != a)
		i++;
	if (neg) {
		if (i < e->n_peers)
			remove_at(e->peers, &e->n_peers, i, sizeof e->peers[0]);
		return;
	}
	if (i < e->n_peers)
		return; /* already there, as IOS ignores a repeated peer */
	if (e->n_peers == IOS_MAX_PEERS) {
		err(p, "%s: expected at most %d peers per entry", ctx, IOS_MAX_PEERS);
		return;
	}
	if (!e->n_peers)
		e->peer_line = p->line;
	e->peers[e->n_peers++] = a;
}

/* set transform-set NAME... (replaces the list, as IOS does) */
static void s_set_tset(parser *p, cur *c, bool neg)
{
	ios_map_entry *e = cur_entry(p);
	if (!e)
		return;
	const char *ctx = setctx(c, "%s: set transform-set", p->ctx);
	for (size_t i = 0; i < e->n_tsets; i++) {
		free(e->tset_names[i]);
		e->tset_names[i] = NULL;
	}
	e->n_tsets = 0;
	if (neg)
		return;
	const char *t;
	if (!peek(c)) {
		err(p, "%s: expected one to %d transform set names, got end of line", ctx, IOS_MAX_TSETS);
		return;
	}
	while ((t = next(c))) {
		if (!valid_name(c, "name", t))
			goto fail;
		if (e->n_tsets == IOS_MAX_TSETS) {
			err(p, "%s: expected at most %d transform sets, got %s", ctx, IOS_MAX_TSETS, got(p, t));
			goto fail;
		}
		e->tset_names[e->n_tsets] = xstrdup(p, t);
		if (!e->tset_names[e->n_tsets])
			goto fail;
		e->n_tsets++;
	}
	e->tset_line = p->line;
	return;
fail: /* nothing half-set: the entry is then reported incomplete */
	for (size_t i = 0; i < e->n_tsets; i++) {
		free(e->tset_names[i]);
		e->tset_names[i] = NULL;
	}
	e->n_tsets = 0;
}

/* match address ACL */
static void s_match_addr(parser *p, cur *c, bool neg)
{
	ios_map_entry *e = cur_entry(p);
	if (!e)
		return;
	const char *ctx = setctx(c, "%s: match address", p->ctx);
	if (neg) {
		free(e->acl_name);
		e->acl_name = NULL;
		return;
	}
	const char *t = next(c);
	if (!t) {
		err(p, "%s: expected an access list number or name, got end of line", ctx);
		return;
	}
	if (!valid_name(c, "access list", t) || !need_end(c))
		return;
	free(e->acl_name);
	e->acl_name = xstrdup(p, t);
	e->acl_line = p->line;
}

/* set pfs [group1|group2|group5|group14] */
static void s_set_pfs(parser *p, cur *c, bool neg)
{
	ios_map_entry *e = cur_entry(p);
	if (!e)
		return;
	const char *ctx = setctx(c, "%s: set pfs", p->ctx);
	if (neg) {
		e->pfs_group = 0;
		return;
	}
	if (!peek(c)) {
		e->pfs_group = 1; /* IOS: group1 when none is named */
		return;
	}
	c->ctx = p->ctx;
	int i = need_choice(c, "set pfs", "group1|group2|group5|group14");
	static const uint8_t g[] = { 1, 2, 5, 14 };
	c->ctx = ctx;
	if (i >= 0 && need_end(c))
		e->pfs_group = g[i];
}

/* set security-association lifetime seconds|kilobytes N */
static void s_set_life(parser *p, cur *c, bool neg)
{
	ios_map_entry *e = cur_entry(p);
	if (!e)
		return;
	setctx(c, "%s: set security-association lifetime", p->ctx);
	sa_lifetime(c, &e->life_sec, &e->life_kb, neg);
}

static void s_entry_description(parser *p, cur *c, bool neg)
{
	ios_map_entry *e = cur_entry(p);
	if (!e)
		return;
	free(e->description);
	e->description = neg ? NULL : xstrdup(p, rest(c));
}

static void s_dynref(parser *p, cur *c, bool neg)
{
	(void)c;
	(void)neg;
	ios_map_entry *e = find_entry(find_map(p->cfg, p->cur_name, false), p->cur_num);
	err(p, "%s: an entry that references a dynamic map takes no sub-commands; expected them under crypto "
	       "dynamic-map %s",
	    p->ctx, e && e->dynmap_name ? e->dynmap_name : "");
}

/* ---- interface sub-commands ----------------------------------------------- */

static ios_interface *cur_iface(parser *p)
{
	return find_iface(p->cfg, p->cur_name);
}

/* ip address A M [secondary] | ip address dhcp | no ip address [A M [secondary]] */
static void s_ip_address(parser *p, cur *c, bool neg)
{
	ios_interface *f = cur_iface(p);
	if (!f)
		return;
	const char *ctx = setctx(c, "%s: ip address", p->ctx);
	if (neg && !peek(c)) {
		f->has_addr = f->dhcp = false;
		f->n_secondary = 0;
		return;
	}
	if (!neg && kw(c, "dhcp")) {
		while (peek(c)) {
			if (kw(c, "client-id") || kw(c, "hostname")) {
				if (!next(c)) {
					err(p, "%s dhcp: expected a value, got end of line", ctx);
					return;
				}
			} else {
				err(p, "%s dhcp: expected client-id, hostname or end of line, got %s", ctx,
				    got(p, peek(c)));
				return;
			}
		}
		f->dhcp = true;
		f->has_addr = false;
		return;
	}
	uint32_t a, m;
	const char *t = peek(c);
	if (!ipv4(t, &a)) {
		err(p, "%s: expected an IPv4 address or dhcp, got %s", ctx, got(p, t));
		return;
	}
	c->i++;
	if (!need_mask(c, "mask", &m))
		return;
	if (m == 0 || (prefix_len(m) < 31 && ((a & ~m) == 0 || (a & ~m) == ~m))) {
		char b[16], mm[16];
		fmt_ip(a, b);
		fmt_ip(m, mm);
		err(p, "%s: %s %s: expected a host address within the subnet (bad mask for the address)", ctx, b, mm);
		return;
	}
	bool sec = kw(c, "secondary");
	if (!need_end(c))
		return;
	if (neg) {
		for (size_t i = 0; sec && i < f->n_secondary; i++)
			if (f->sec_addr[i] == a && f->sec_mask[i] == m) {
				for (size_t j = i + 1; j < f->n_secondary; j++) {
					f->sec_addr[j - 1] = f->sec_addr[j];
					f->sec_mask[j - 1] = f->sec_mask[j];
				}
				f->n_secondary--;
				return;
			}
		if (!sec && f->has_addr && f->addr == a && f->mask == m)
			f->has_addr = false;
		return;
	}
	if (sec) {
		if (!f->has_addr && !f->dhcp) {
			err(p, "%s: secondary: expected a primary address first", ctx);
			return;
		}
		if (f->n_secondary == IOS_MAX_SECONDARY) {
			err(p, "%s: secondary: expected at most %d secondary addresses", ctx, IOS_MAX_SECONDARY);
			return;
		}
		f->sec_addr[f->n_secondary] = a;
		f->sec_mask[f->n_secondary++] = m;
		return;
	}
	f->has_addr = true;
	f->dhcp = false;
	f->addr = a;
	f->mask = m;
}

static void s_if_crypto_map(parser *p, cur *c, bool neg)
{
	ios_interface *f = cur_iface(p);
	if (!f)
		return;
	const char *ctx = setctx(c, "%s: crypto map", p->ctx);
	const char *t = next(c);
	if (neg) {
		free(f->crypto_map_name);
		f->crypto_map_name = NULL;
		return;
	}
	if (!t) {
		err(p, "%s: expected a crypto map name, got end of line", ctx);
		return;
	}
	if (!valid_name(c, "name", t))
		return;
	if (is(peek(c), "redundancy")) {
		err(p, "%s: redundancy: refused: not implemented", ctx);
		return;
	}
	if (!need_end(c))
		return;
	free(f->crypto_map_name);
	f->crypto_map_name = xstrdup(p, t);
	f->crypto_map_line = p->line;
}

static void s_shutdown(parser *p, cur *c, bool neg)
{
	c->ctx = p->ctx;
	ios_interface *f = cur_iface(p);
	if (f && need_end(c))
		f->shutdown = !neg;
}

static void s_if_description(parser *p, cur *c, bool neg)
{
	ios_interface *f = cur_iface(p);
	if (!f)
		return;
	free(f->description);
	f->description = neg ? NULL : xstrdup(p, rest(c));
}

static void s_ignore_quiet(parser *p, cur *c, bool neg)
{
	(void)p;
	(void)c;
	(void)neg;
}

/* ---- banner ---------------------------------------------------------------- */

/* banner [TYPE] Dtext...D, the text possibly over several lines; show
 * running-config writes the delimiter as ^C. */
static void h_banner(parser *p, cur *c, bool neg)
{
	if (neg)
		return;
	static const char *const types[] = { "exec", "incoming", "login", "motd", "prompt-timeout", "slip-ppp", NULL };
	for (size_t i = 0; types[i]; i++)
		if (kw(c, types[i]))
			break;
	const char *s = rest(c);
	warn(p, "banner: ignored (does not concern espfab)");
	if (!*s)
		return;
	size_t dl = !strncmp(s, "^C", 2) ? 2 : 1;
	memcpy(p->banner_delim, s, dl);
	p->banner_delim[dl] = '\0';
	if (strstr(s + dl, p->banner_delim))
		return; /* opened and closed on one line */
	p->banner_line = p->line;
}

/* ---- tables ----------------------------------------------------------------- */

#define NOT_ESPFAB "does not concern espfab"
#define ROUTING "routing protocols are not part of espfab"

static const cmd GLOBAL[] = {
	{ "hostname", K_RUN, h_hostname, NULL },
	{ "interface", K_RUN, h_interface, NULL },
	{ "ip route", K_RUN, h_route, NULL },
	{ "access-list", K_RUN, h_access_list, NULL },
	{ "ip access-list extended", K_RUN, h_ip_acl_ext, NULL },
	{ "ip access-list standard", K_RUN, h_ip_acl_std, NULL },
	{ "ip access-list", K_WARN, NULL, NOT_ESPFAB },
	{ "crypto isakmp policy", K_RUN, h_policy, NULL },
	{ "crypto isakmp key", K_RUN, h_isakmp_key, NULL },
	{ "crypto isakmp keepalive", K_RUN, h_keepalive, NULL },
	{ "crypto isakmp nat keepalive", K_RUN, h_nat_keepalive, NULL },
	{ "crypto isakmp identity", K_RUN, h_identity, NULL },
	{ "crypto keyring", K_RUN, h_keyring, NULL },
	{ "crypto ipsec transform-set", K_RUN, h_tset, NULL },
	{ "crypto ipsec security-association lifetime", K_RUN, h_ipsec_life, NULL },
	{ "crypto map", K_RUN, h_map, NULL },
	{ "crypto dynamic-map", K_RUN, h_dynmap, NULL },
	{ "version", K_SILENT, h_version, NULL },
	{ "banner", K_RUN, h_banner, NULL },
	/* refused: not implemented, and they change security */
	{ "crypto isakmp profile", K_REFUSE_BLOCK, NULL, "ISAKMP profiles are not implemented" },
	{ "crypto ipsec profile", K_REFUSE_BLOCK, NULL, "IPsec profiles (tunnel protection) are not implemented" },
	{ "crypto isakmp client", K_REFUSE_BLOCK, NULL, "client configuration groups (EzVPN, mode-config) are not implemented" },
	{ "crypto pki", K_REFUSE_BLOCK, NULL, "certificates are not implemented" },
	{ "crypto ca", K_REFUSE_BLOCK, NULL, "certificates are not implemented" },
	{ "crypto key", K_REFUSE, NULL, "RSA keys are not implemented" },
	{ "crypto", K_REFUSE_BLOCK, NULL, "espfab does not implement this crypto command" },
	{ "aaa", K_REFUSE, NULL, "AAA (XAUTH, authorization) is not implemented" },
	{ "tunnel-group", K_REFUSE_BLOCK, NULL, "ASA tunnel groups are not implemented" },
	{ "group-policy", K_REFUSE_BLOCK, NULL, "ASA group policies are not implemented" },
	{ "ip nhrp", K_REFUSE, NULL, "NHRP is not implemented yet" },
	{ "ip nat", K_REFUSE_BLOCK, NULL, "NAT is not implemented" },
	{ "ip inspect", K_REFUSE, NULL, "firewall inspection is not implemented" },
	{ "ip audit", K_REFUSE, NULL, "intrusion detection is not implemented" },
	{ "ip ips", K_REFUSE_BLOCK, NULL, "intrusion prevention is not implemented" },
	{ "ip vrf", K_REFUSE_BLOCK, NULL, "VRFs are not implemented" },
	{ "vrf", K_REFUSE_BLOCK, NULL, "VRFs are not implemented" },
	{ "zone", K_REFUSE_BLOCK, NULL, "zone-based firewalls are not implemented" },
	{ "zone-pair", K_REFUSE_BLOCK, NULL, "zone-based firewalls are not implemented" },
	{ "object-group", K_REFUSE_BLOCK, NULL, "object groups are not implemented" },
	{ "ip access-group", K_REFUSE, NULL, "access groups are not implemented" },
	/* ignored with a warning */
	{ "ip local pool", K_WARN, NULL, "address pools serve client configuration, which is not implemented" },
	{ "ip subnet-zero", K_WARN, NULL, NOT_ESPFAB },
	{ "ip classless", K_WARN, NULL, NOT_ESPFAB },
	{ "ip http", K_WARN, NULL, NOT_ESPFAB },
	{ "ip domain-lookup", K_WARN, NULL, NOT_ESPFAB },
	{ "ip domain lookup", K_WARN, NULL, NOT_ESPFAB },
	{ "ip domain-name", K_WARN, NULL, NOT_ESPFAB },
	{ "ip domain name", K_WARN, NULL, NOT_ESPFAB },
	{ "ip domain", K_WARN, NULL, NOT_ESPFAB },
	{ "ip name-server", K_WARN, NULL, NOT_ESPFAB },
	{ "ip host", K_WARN, NULL, NOT_ESPFAB },
	{ "ip cef", K_WARN, NULL, NOT_ESPFAB },
	{ "ip finger", K_WARN, NULL, NOT_ESPFAB },
	{ "ip source-route", K_WARN, NULL, NOT_ESPFAB },
	{ "ip bootp", K_WARN, NULL, NOT_ESPFAB },
	{ "ip forward-protocol", K_WARN, NULL, NOT_ESPFAB },
	{ "ip ssh", K_WARN, NULL, NOT_ESPFAB },
	{ "ip scp", K_WARN, NULL, NOT_ESPFAB },
	{ "ip ftp", K_WARN, NULL, NOT_ESPFAB },
	{ "ip tftp", K_WARN, NULL, NOT_ESPFAB },
	{ "ip tcp", K_WARN, NULL, NOT_ESPFAB },
	{ "ip telnet", K_WARN, NULL, NOT_ESPFAB },
	{ "ip multicast-routing", K_WARN, NULL, NOT_ESPFAB },
	{ "ip routing", K_WARN, NULL, NOT_ESPFAB },
	{ "ip default-gateway", K_WARN, NULL, "use ip route 0.0.0.0 0.0.0.0 instead" },
	{ "ip dhcp pool", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "ip dhcp", K_WARN, NULL, NOT_ESPFAB },
	{ "ip prefix-list", K_WARN, NULL, ROUTING },
	{ "ip sla", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "service", K_WARN, NULL, NOT_ESPFAB },
	{ "boot", K_WARN, NULL, NOT_ESPFAB },
	{ "enable", K_WARN, NULL, NOT_ESPFAB },
	{ "username", K_WARN_BLOCK, NULL, "local users serve logins and AAA, which espfab does not have" },
	{ "memory-size", K_WARN, NULL, NOT_ESPFAB },
	{ "logging", K_WARN, NULL, NOT_ESPFAB },
	{ "call", K_WARN, NULL, NOT_ESPFAB },
	{ "mgcp", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "snmp-server", K_WARN, NULL, NOT_ESPFAB },
	{ "snmp", K_WARN, NULL, NOT_ESPFAB },
	{ "ntp", K_WARN, NULL, NOT_ESPFAB },
	{ "clock", K_WARN, NULL, NOT_ESPFAB },
	{ "alias", K_WARN, NULL, NOT_ESPFAB },
	{ "scheduler", K_WARN, NULL, NOT_ESPFAB },
	{ "exception", K_WARN, NULL, NOT_ESPFAB },
	{ "cdp", K_WARN, NULL, NOT_ESPFAB },
	{ "lldp", K_WARN, NULL, NOT_ESPFAB },
	{ "security", K_WARN, NULL, NOT_ESPFAB },
	{ "login", K_WARN, NULL, NOT_ESPFAB },
	{ "multilink", K_WARN, NULL, NOT_ESPFAB },
	{ "vtp", K_WARN, NULL, NOT_ESPFAB },
	{ "spanning-tree", K_WARN, NULL, NOT_ESPFAB },
	{ "license", K_WARN, NULL, NOT_ESPFAB },
	{ "hw-module", K_WARN, NULL, NOT_ESPFAB },
	{ "ipv6", K_WARN, NULL, "espfab is IPv4 only" },
	{ "tacacs-server", K_WARN, NULL, "only used with aaa, which is refused" },
	{ "radius-server", K_WARN, NULL, "only used with aaa, which is refused" },
	{ "track", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "privilege", K_WARN, NULL, NOT_ESPFAB },
	{ "errdisable", K_WARN, NULL, NOT_ESPFAB },
	{ "line", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "router", K_WARN_BLOCK, NULL, ROUTING },
	{ "route-map", K_WARN_BLOCK, NULL, ROUTING },
	{ "key chain", K_WARN_BLOCK, NULL, ROUTING },
	{ "control-plane", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "dial-peer", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "controller", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "voice-port", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "voice-card", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "voice", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "gatekeeper", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "archive", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "redundancy", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "class-map", K_WARN_BLOCK, NULL, "QoS is not part of espfab" },
	{ "policy-map", K_WARN_BLOCK, NULL, "QoS is not part of espfab" },
	{ "event manager", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ "vlan", K_WARN_BLOCK, NULL, NOT_ESPFAB },
	{ NULL, 0, NULL, NULL },
};

static const cmd POLICY[] = {
	{ "encr", K_RUN, s_encr, NULL },
	{ "encryption", K_RUN, s_encr, NULL },
	{ "hash", K_RUN, s_hash, NULL },
	{ "authentication", K_RUN, s_auth, NULL },
	{ "group", K_RUN, s_group, NULL },
	{ "lifetime", K_RUN, s_lifetime, NULL },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const cmd KEYRING[] = {
	{ "pre-shared-key", K_RUN, s_psk, NULL },
	{ "description", K_RUN, s_ignore_quiet, NULL },
	{ "local-address", K_REFUSE, NULL, "keyrings bound to a local address are not implemented" },
	{ "rsa-pubkey", K_REFUSE_BLOCK, NULL, "RSA keys are not implemented" },
	{ "vrf", K_REFUSE, NULL, "VRFs are not implemented" },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const cmd TSET[] = {
	{ "mode", K_RUN, s_mode, NULL },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const cmd ENTRY[] = {
	{ "set peer", K_RUN, s_set_peer, NULL },
	{ "set transform-set", K_RUN, s_set_tset, NULL },
	{ "match address", K_RUN, s_match_addr, NULL },
	{ "set pfs", K_RUN, s_set_pfs, NULL },
	{ "set security-association lifetime", K_RUN, s_set_life, NULL },
	{ "description", K_RUN, s_entry_description, NULL },
	{ "set isakmp-profile", K_REFUSE, NULL, "ISAKMP profiles are not implemented" },
	{ "set security-association", K_REFUSE, NULL, "only lifetime is implemented" },
	{ "set reverse-route", K_REFUSE, NULL, "reverse route injection is not implemented" },
	{ "reverse-route", K_REFUSE, NULL, "reverse route injection is not implemented" },
	{ "set nat", K_REFUSE, NULL, "NAT demultiplexing is not implemented" },
	{ "set ip access-group", K_REFUSE, NULL, "per-entry access groups are not implemented" },
	{ "set identity", K_REFUSE, NULL, "identity restrictions are not implemented" },
	{ "set ikev2-profile", K_REFUSE, NULL, "IKEv2 is not implemented" },
	{ "qos pre-classify", K_WARN, NULL, "QoS is not part of espfab" },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const cmd DYNREF[] = {
	{ "set", K_RUN, s_dynref, NULL },
	{ "match", K_RUN, s_dynref, NULL },
	{ "reverse-route", K_RUN, s_dynref, NULL },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const cmd ACL[] = {
	{ "permit", K_RUN, s_acl_line, NULL },
	{ "deny", K_RUN, s_acl_line, NULL },
	{ "remark", K_RUN, s_ignore_quiet, NULL },
	{ "evaluate", K_REFUSE, NULL, "reflexive access lists are not implemented" },
	{ "dynamic", K_REFUSE, NULL, "lock-and-key entries are not implemented" },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

#define IF_IGNORED "does not concern espfab"

static const cmd IFACE[] = {
	{ "ip address", K_RUN, s_ip_address, NULL },
	{ "crypto map", K_RUN, s_if_crypto_map, NULL },
	{ "shutdown", K_RUN, s_shutdown, NULL },
	{ "description", K_RUN, s_if_description, NULL },
	{ "ip nhrp", K_REFUSE, NULL, "NHRP (DMVPN) is not implemented yet" },
	{ "tunnel", K_REFUSE, NULL, "GRE tunnel interfaces are not implemented yet" },
	{ "ip access-group", K_REFUSE, NULL, "interface access lists are not implemented" },
	{ "ip nat", K_REFUSE, NULL, "NAT is not implemented" },
	{ "ip policy", K_REFUSE, NULL, "policy routing is not implemented" },
	{ "ip verify", K_REFUSE, NULL, "unicast RPF is not implemented" },
	{ "ip inspect", K_REFUSE, NULL, "firewall inspection is not implemented" },
	{ "ip vrf", K_REFUSE, NULL, "VRFs are not implemented" },
	{ "vrf", K_REFUSE, NULL, "VRFs are not implemented" },
	{ "zone-member", K_REFUSE, NULL, "zone-based firewalls are not implemented" },
	{ "crypto", K_REFUSE, NULL, "only crypto map is implemented on interfaces" },
	{ "ip unnumbered", K_WARN, NULL, "not applied: espfab configures only ip address" },
	{ "duplex", K_WARN, NULL, IF_IGNORED },
	{ "speed", K_WARN, NULL, IF_IGNORED },
	{ "keepalive", K_WARN, NULL, IF_IGNORED },
	{ "media-type", K_WARN, NULL, IF_IGNORED },
	{ "full-duplex", K_WARN, NULL, IF_IGNORED },
	{ "half-duplex", K_WARN, NULL, IF_IGNORED },
	{ "negotiation", K_WARN, NULL, IF_IGNORED },
	{ "bandwidth", K_WARN, NULL, IF_IGNORED },
	{ "delay", K_WARN, NULL, IF_IGNORED },
	{ "load-interval", K_WARN, NULL, IF_IGNORED },
	{ "mtu", K_WARN, NULL, IF_IGNORED },
	{ "ip mtu", K_WARN, NULL, IF_IGNORED },
	{ "ip tcp", K_WARN, NULL, IF_IGNORED },
	{ "ip mroute-cache", K_WARN, NULL, IF_IGNORED },
	{ "ip route-cache", K_WARN, NULL, IF_IGNORED },
	{ "ip redirects", K_WARN, NULL, IF_IGNORED },
	{ "ip unreachables", K_WARN, NULL, IF_IGNORED },
	{ "ip proxy-arp", K_WARN, NULL, IF_IGNORED },
	{ "ip directed-broadcast", K_WARN, NULL, IF_IGNORED },
	{ "ip virtual-reassembly", K_WARN, NULL, IF_IGNORED },
	{ "ip helper-address", K_WARN, NULL, IF_IGNORED },
	{ "ip flow", K_WARN, NULL, IF_IGNORED },
	{ "ip ospf", K_WARN, NULL, ROUTING },
	{ "ip eigrp", K_WARN, NULL, ROUTING },
	{ "ip rip", K_WARN, NULL, ROUTING },
	{ "ip split-horizon", K_WARN, NULL, ROUTING },
	{ "ip hello-interval", K_WARN, NULL, ROUTING },
	{ "ip hold-time", K_WARN, NULL, ROUTING },
	{ "ip authentication", K_WARN, NULL, ROUTING },
	{ "ip summary-address", K_WARN, NULL, ROUTING },
	{ "ip pim", K_WARN, NULL, IF_IGNORED },
	{ "ip igmp", K_WARN, NULL, IF_IGNORED },
	{ "ipv6", K_WARN, NULL, "espfab is IPv4 only" },
	{ "cdp", K_WARN, NULL, IF_IGNORED },
	{ "mop", K_WARN, NULL, IF_IGNORED },
	{ "atm", K_WARN, NULL, IF_IGNORED },
	{ "clock", K_WARN, NULL, IF_IGNORED },
	{ "encapsulation", K_WARN, NULL, IF_IGNORED },
	{ "standby", K_WARN, NULL, IF_IGNORED },
	{ "hold-queue", K_WARN, NULL, IF_IGNORED },
	{ "carrier-delay", K_WARN, NULL, IF_IGNORED },
	{ "logging", K_WARN, NULL, IF_IGNORED },
	{ "snmp", K_WARN, NULL, IF_IGNORED },
	{ "service-policy", K_WARN, NULL, "QoS is not part of espfab" },
	{ "fair-queue", K_WARN, NULL, "QoS is not part of espfab" },
	{ "exit", K_EXIT, NULL, NULL },
	{ NULL, 0, NULL, NULL },
};

static const cmd *mode_table(mode_t_ m)
{
	switch (m) {
	case M_POLICY: return POLICY;
	case M_KEYRING: return KEYRING;
	case M_TSET: return TSET;
	case M_ENTRY: return ENTRY;
	case M_DYNREF: return DYNREF;
	case M_ACL: return ACL;
	case M_IFACE: return IFACE;
	default: return NULL;
	}
}

/* For the technote repair pass (host/ios_repair.c): how many words at v[0..n)
 * name a command of some mode, 0 when none does.  Every table counts (a
 * repair does not know the mode), and so do `no` forms, `end`, `exit` and a
 * sequence-numbered access-list entry (`10 permit ...`). */
size_t ios_config_command_words(const char *const *v, size_t n)
{
	static const cmd *const tabs[] = { GLOBAL, POLICY, KEYRING, TSET, ENTRY, DYNREF, ACL, IFACE };
	ios_toks t;
	memset(&t, 0, sizeof t);
	t.n = n < IOS_MAX_TOKENS ? n : IOS_MAX_TOKENS;
	for (size_t k = 0; k < t.n; k++)
		t.v[k] = (char *)v[k];
	if (!t.n)
		return 0;
	size_t base = is(t.v[0], "no") && t.n > 1 ? 1 : 0, nw;
	if (is(t.v[0], "end") || is(t.v[0], "exit"))
		return 1;
	if (is_num(t.v[base]) && t.n > base + 1 &&
	    (is(t.v[base + 1], "permit") || is(t.v[base + 1], "deny") || is(t.v[base + 1], "remark")))
		return base + 2;
	for (size_t k = 0; k < sizeof tabs / sizeof tabs[0]; k++)
		if (lookup(tabs[k], &t, base, &nw))
			return base + nw;
	return 0;
}

/* The words a message may quote for an unknown line: the first, or the first
 * two or three when the first is a prefix such as ip or crypto (never more:
 * a later word could be a secret). */
static void head_words(const ios_toks *t, size_t i, char *b, size_t len)
{
	size_t n = 1;
	if (i < t->n && (is(t->v[i], "ip") || is(t->v[i], "crypto") || is(t->v[i], "ipv6") || is(t->v[i], "set") ||
			 is(t->v[i], "match")))
		n = 2;
	if (n == 2 && i + 1 < t->n && is(t->v[i], "crypto") && (is(t->v[i + 1], "isakmp") || is(t->v[i + 1], "ipsec")))
		n = 3;
	b[0] = '\0';
	for (size_t k = 0; k < n && i + k < t->n; k++) {
		size_t l = strlen(b);
		snprintf(b + l, len - l, "%s%.40s", k ? " " : "", t->v[i + k]);
	}
}

/* Run one table entry. */
static void run(parser *p, const cmd *cm, cur *c, size_t nwords, bool neg, bool global)
{
	char words[96];
	snprintf(words, sizeof words, "%s%s", neg ? "no " : "", cm->words);
	c->i += nwords;
	switch (cm->kind) {
	case K_RUN:
		cm->fn(p, c, neg);
		return;
	case K_SILENT:
		if (cm->fn)
			cm->fn(p, c, neg);
		return;
	case K_WARN:
	case K_WARN_BLOCK:
		if (global)
			warn(p, "%s: ignored (%s)", words, cm->why);
		else
			warn(p, "%s: %s: ignored (%s)", p->ctx, words, cm->why);
		if (cm->kind == K_WARN_BLOCK && !neg)
			p->mode = M_SKIP;
		return;
	case K_REFUSE:
	case K_REFUSE_BLOCK:
		/* `no X` of a refused X outside crypto turns off something espfab does not have anyway */
		if (neg && global && strncmp(cm->words, "crypto", 6)) {
			warn(p, "%s: ignored (%s)", words, cm->why);
			return;
		}
		if (global) {
			char head[128];
			head_words(c->t, neg ? 1 : 0, head, sizeof head);
			err(p, "%s%s: refused: %s", neg ? "no " : "", head, cm->why);
		} else {
			err(p, "%s: %s: refused: %s", p->ctx, words, cm->why);
		}
		if (global && cm->kind == K_REFUSE_BLOCK)
			p->mode = M_REFUSED;
		return;
	case K_EXIT:
		p->mode = M_NONE;
		return;
	}
}

/* A line that is not configuration but part of show running-config output. */
static bool decoration(const ios_toks *t)
{
	if (!t->n)
		return false;
	const char *s = t->line + t->indent;
	if (!strcmp(s, "Building configuration...") || !strncmp(s, "Current configuration", 21) ||
	    !strncmp(s, "Using ", 6))
		return true;
	return false;
}

/* Router#show running-config (or sh run, show startup-config); a bare prompt. */
static int prompt_line(parser *p, const ios_toks *t)
{
	const char *hash = strchr(t->v[0], '#');
	if (!hash || hash == t->v[0] || t->indent)
		return 0;
	for (const char *q = t->v[0]; q < hash; q++)
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_' && *q != '.')
			return 0;
	const char *w[3] = { hash + 1, t->n > 1 ? t->v[1] : "", t->n > 2 ? t->v[2] : "" };
	if (!*w[0] && t->n > 1) {
		w[0] = t->v[1];
		w[1] = t->n > 2 ? t->v[2] : "";
		w[2] = t->n > 3 ? t->v[3] : "";
	}
	if (!*w[0])
		return 1;
	size_t l0 = strlen(w[0]), l1 = strlen(w[1]);
	bool show = l0 >= 2 && !strncasecmp(w[0], "show", l0);
	bool what = (l1 >= 3 && !strncasecmp(w[1], "running-config", l1)) ||
		    (l1 >= 3 && !strncasecmp(w[1], "startup-config", l1));
	if (show && what)
		return 1;
	char cmdw[112];
	snprintf(cmdw, sizeof cmdw, "%.48s%s%.48s", w[0], *w[1] ? " " : "", w[1]);
	err(p, "%.*s: expected show running-config after the prompt, got %s", (int)(hash - t->v[0] + 1), t->v[0],
	    got(p, cmdw));
	return -1;
}

static void parse_line(parser *p, const char *text)
{
	ios_toks t;
	if (ios_tokenize(text, &t)) {
		p->oom = true;
		return;
	}
	cur c = { .p = p, .t = &t, .ctx = "" };

	if (p->banner_line) {
		if (strstr(text, p->banner_delim))
			p->banner_line = 0;
		goto out;
	}
	if (t.comment || t.n == 0)
		goto out;
	if (p->ended) {
		if (!p->after_end++)
			warn(p, "text after 'end' (line %u) is ignored", p->end_line);
		goto out;
	}
	if (t.bad_char) {
		err(p, "line contains a control character; expected printable text");
		goto out;
	}
	if (t.too_many) {
		err(p, "%s: expected at most %d words on a line", got(p, t.v[0]), IOS_MAX_TOKENS);
		goto out;
	}
	if (!t.indent && (decoration(&t) || prompt_line(p, &t)))
		goto out;
	if (is(t.v[0], "end") && t.n == 1) {
		p->ended = true;
		p->end_line = p->line;
		goto out;
	}

	bool neg = is(t.v[0], "no") && t.n > 1;
	size_t base = neg ? 1 : 0, nw;
	const cmd *sub_tab = mode_table(p->mode);
	bool skipping = p->mode == M_SKIP || p->mode == M_REFUSED;

	if (t.indent && skipping)
		goto out;
	if (p->mode == M_ACL && is_num(t.v[base])) {
		c.i = base; /* [no] SEQUENCE ... in a named access list */
		s_acl_line(p, &c, neg);
		goto out;
	}
	if (t.indent || (sub_tab && !lookup(GLOBAL, &t, base, &nw))) {
		const cmd *cm = sub_tab ? lookup(sub_tab, &t, base, &nw) : NULL;
		if (cm) {
			run(p, cm, &c, base + nw, neg, false);
			goto out;
		}
	}
	const cmd *cm = lookup(GLOBAL, &t, base, &nw);
	if (cm) {
		size_t errors = p->d->errors;
		p->mode = M_NONE;
		run(p, cm, &c, base + nw, neg, true);
		/* a block whose first line failed: its indented lines are not reported again */
		if (p->d->errors != errors && p->mode == M_NONE)
			p->mode = M_REFUSED;
		goto out;
	}
	if (is(t.v[0], "exit") && t.n == 1) {
		if (p->mode == M_NONE)
			warn(p, "exit: ignored at the global level");
		p->mode = M_NONE;
		goto out;
	}
	if (skipping && !t.indent)
		goto out; /* an unindented sub-command of an ignored block */
	char head[128];
	head_words(&t, 0, head, sizeof head);
	if (sub_tab)
		err(p, "%s: unknown command '%s': expected a sub-command of this mode or a global command", p->ctx,
		    head);
	else
		err(p, "unknown command '%s': expected a global configuration command (see docs/ios-config.md)",
		    head);
out:
	ios_toks_free(&t);
}

/* ---- after the whole document ---------------------------------------------- */

static bool is_other_acl(parser *p, const char *name, unsigned *line)
{
	for (size_t i = 0; i < p->n_other_acls; i++)
		if (!strcmp(p->other_acls[i], name)) {
			*line = p->other_acl_lines[i];
			return true;
		}
	return false;
}

static void check_entry(parser *p, ios_crypto_map *m, ios_map_entry *e)
{
	ios_config *cfg = p->cfg;
	char ctx[NAME_MAX_LEN + 40];
	snprintf(ctx, sizeof ctx, "crypto %s %s %u", m->dynamic ? "dynamic-map" : "map", m->name, e->seq);
	if (e->dynamic_ref) {
		e->dynmap = find_map(cfg, e->dynmap_name, true);
		if (!e->dynmap) {
			err_at(p, e->line, "%s: dynamic: no crypto dynamic-map '%s' is defined", ctx, e->dynmap_name);
			return;
		}
		if (e->discover) {
			bool acl = false;
			for (size_t i = 0; i < e->dynmap->n_entries; i++)
				acl |= e->dynmap->entries[i].acl_name != NULL;
			if (!acl)
				warn_at(p, e->line,
					"%s: discover has no effect: no entry of dynamic map %s has a match address", ctx,
					e->dynmap_name);
		}
		return;
	}
	for (size_t i = 0; i < e->n_tsets; i++) {
		e->tsets[i] = find_tset(cfg, e->tset_names[i]);
		if (!e->tsets[i])
			err_at(p, e->tset_line, "%s: set transform-set: no transform set '%s' is defined", ctx,
			       e->tset_names[i]);
	}
	if (e->acl_name) {
		e->acl = find_acl(cfg, e->acl_name);
		unsigned line;
		if (e->acl && !e->acl->n_aces)
			warn_at(p, e->acl_line, "%s: match address: access list %s has no entries (matches nothing)",
				ctx, e->acl_name);
		if (!e->acl && is_other_acl(p, e->acl_name, &line))
			err_at(p, e->acl_line,
			       "%s: match address: access list %s (line %u) is not an extended IP access list; expected "
			       "one (100-199, 2000-2699 or ip access-list extended)",
			       ctx, e->acl_name, line);
		else if (!e->acl)
			err_at(p, e->acl_line, "%s: match address: no access list '%s' is defined", ctx, e->acl_name);
	}
	if (!m->dynamic) {
		char miss[96] = "";
		if (!e->n_peers)
			strcat(miss, ", set peer");
		if (!e->n_tsets)
			strcat(miss, ", set transform-set");
		if (!e->acl_name)
			strcat(miss, ", match address");
		if (miss[0])
			err_at(p, e->line, "%s: incomplete entry: expected%s", ctx, miss + 1);
		for (size_t i = 0; i < e->n_peers; i++)
			if (!ios_psk_lookup(cfg, e->peers[i], NULL)) {
				char a[16];
				fmt_ip(e->peers[i], a);
				warn_at(p, e->peer_line ? e->peer_line : e->line,
					"%s: set peer %s: no pre-shared key covers this peer (phase 1 will fail)", ctx, a);
			}
	} else if (!e->n_tsets) {
		err_at(p, e->line, "%s: incomplete entry: expected set transform-set", ctx);
	}
}

static void check_all(parser *p)
{
	ios_config *cfg = p->cfg;
	for (size_t i = 0; i < cfg->n_policies; i++)
		if (cfg->policies[i].auth != IOS_IKE_AUTH_PRE_SHARE)
			err_at(p, cfg->policies[i].line,
			       "crypto isakmp policy %u: authentication: expected 'authentication pre-share' (IOS's "
			       "default is rsa-sig, which espfab does not implement)",
			       cfg->policies[i].priority);
	for (size_t i = 0; i < cfg->n_dynmaps; i++)
		for (size_t j = 0; j < cfg->dynmaps[i].n_entries; j++)
			check_entry(p, &cfg->dynmaps[i], &cfg->dynmaps[i].entries[j]);
	for (size_t i = 0; i < cfg->n_maps; i++) {
		ios_crypto_map *m = &cfg->maps[i];
		unsigned first_dyn = 0, first_dyn_line = 0;
		for (size_t j = 0; j < m->n_entries; j++) {
			ios_map_entry *e = &m->entries[j];
			check_entry(p, m, e);
			if (e->dynamic_ref && !first_dyn) {
				first_dyn = e->seq;
				first_dyn_line = e->line;
			} else if (!e->dynamic_ref && first_dyn) {
				warn_at(p, e->line,
					"crypto map %s %u: static entry numbered above the dynamic entry %u (line %u): "
					"the dynamic entry is matched first and this entry's peer fails, as in IOS; "
					"give static entries lower sequence numbers",
					m->name, e->seq, first_dyn, first_dyn_line);
			}
		}
	}
	for (size_t i = 0; i < cfg->n_dynmaps; i++) {
		bool used = false;
		for (size_t j = 0; j < cfg->n_maps; j++)
			for (size_t k = 0; k < cfg->maps[j].n_entries; k++)
				used |= cfg->maps[j].entries[k].dynmap == &cfg->dynmaps[i];
		if (!used)
			warn_at(p, cfg->dynmaps[i].line, "crypto dynamic-map %s: not used by any crypto map",
				cfg->dynmaps[i].name);
	}
	unsigned first_use = 0;
	for (size_t i = 0; i < cfg->n_ifaces; i++) {
		ios_interface *f = &cfg->ifaces[i];
		if (!f->crypto_map_name)
			continue;
		f->crypto_map = find_map(cfg, f->crypto_map_name, false);
		if (!f->crypto_map) {
			err_at(p, f->crypto_map_line, "interface %s: crypto map: no crypto map '%s' is defined", f->name,
			       f->crypto_map_name);
			continue;
		}
		if (!first_use)
			first_use = f->crypto_map_line;
		if (!f->has_addr && !f->dhcp)
			warn_at(p, f->crypto_map_line,
				"interface %s: crypto map %s on an interface without an address (IKE has no local "
				"address)",
				f->name, f->crypto_map_name);
	}
	for (size_t i = 0; i < cfg->n_maps; i++) {
		bool used = false;
		for (size_t j = 0; j < cfg->n_ifaces; j++)
			used |= cfg->ifaces[j].crypto_map == &cfg->maps[i];
		if (!used)
			warn_at(p, cfg->maps[i].line, "crypto map %s: not applied to any interface", cfg->maps[i].name);
	}
	if (first_use && !cfg->n_policies)
		err_at(p, first_use,
		       "crypto map applied, but no crypto isakmp policy is configured; expected at least one "
		       "(IOS's default suite uses rsa-sig, which espfab does not implement)");
	for (size_t i = 0; i < cfg->n_routes; i++) {
		ios_route *r = &cfg->routes[i];
		if (!r->ifname || !strcasecmp(r->ifname, "Null0"))
			continue;
		r->iface = find_iface(cfg, r->ifname);
		if (!r->iface)
			err_at(p, r->line, "ip route: interface %s: expected an interface defined in this file",
			       r->ifname);
	}
}

int ios_config_parse_doc(const ios_doc *doc, ios_config **out, ios_diags *d)
{
	*out = NULL;
	size_t errors0 = d->errors;
	parser p;
	memset(&p, 0, sizeof p);
	p.doc = doc;
	p.file = doc->name ? doc->name : "<config>";
	p.d = d;
	ios_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg) {
		ios_diag_add(d, IOS_SEV_ERROR, p.file, 0, "out of memory");
		return -1;
	}
	p.cfg = cfg;
	cfg->file = xstrdup(&p, p.file);
	cfg->hostname = xstrdup(&p, "Router");
	cfg->ipsec_life_sec = IOS_IPSEC_LIFE_SEC_DEFAULT;
	cfg->ipsec_life_kb = IOS_IPSEC_LIFE_KB_DEFAULT;
	cfg->keyrings = calloc(1, sizeof *cfg->keyrings);
	if (cfg->keyrings) {
		cfg->keyrings[0].name = xstrdup(&p, IOS_DEFAULT_KEYRING);
		cfg->n_keyrings = 1;
	} else {
		p.oom = true;
	}

	for (p.li = 0; p.li < doc->n && !p.oom; p.li++) {
		p.line = doc->lines[p.li].lineno;
		parse_line(&p, doc->lines[p.li].text);
	}
	if (p.banner_line)
		err_at(&p, p.banner_line, "banner: expected a closing %s, got end of file", p.banner_delim);
	if (!p.oom)
		check_all(&p);
	if (p.oom)
		ios_diag_add(d, IOS_SEV_ERROR, p.file, 0, "out of memory");
	for (size_t i = 0; i < p.n_other_acls; i++)
		free(p.other_acls[i]);
	free(p.other_acls);
	free(p.other_acl_lines);
	espfab_wipe(p.qb, sizeof p.qb);
	ios_diags_sort(d);
	if (d->errors != errors0) {
		ios_config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

int ios_config_parse_string(const char *name, const char *text, ios_config **out, ios_diags *d)
{
	ios_doc doc;
	*out = NULL;
	if (ios_doc_from_string(&doc, name, text, strlen(text))) {
		ios_diag_add(d, IOS_SEV_ERROR, name, 0, "out of memory");
		return -1;
	}
	int rc = ios_config_parse_doc(&doc, out, d);
	ios_doc_free(&doc);
	return rc;
}

int ios_config_load_file(const char *path, ios_config **out, ios_diags *d)
{
	ios_doc doc;
	char e[512];
	*out = NULL;
	if (ios_doc_read_file(&doc, path, e, sizeof e)) {
		ios_diag_add(d, IOS_SEV_ERROR, path, 0, "%s", e + (strncmp(e, path, strlen(path)) ? 0 : strlen(path) + 2));
		return -1;
	}
	int rc = ios_config_parse_doc(&doc, out, d);
	ios_doc_free(&doc);
	return rc;
}
