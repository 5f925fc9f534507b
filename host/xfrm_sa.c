/*
 * `ip xfrm state`-style SA parser (see xfrm_sa.h for the grammar and the
 * error contract).  Keys are decoded into a local buffer, checked against
 * the algorithm's lengths and copied into the SA; the local buffer and the
 * tokenised copy of the input are wiped before returning.
 */
#include "xfrm_sa.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 96

static const char KEYWORDS[] = "src, dst, proto, spi, mode, enc, auth, auth-trunc, encap, replay-window, reqid, "
			       "flag, lifetime-kb or ttl";

typedef struct parser {
	int argc;
	const char *const *argv;
	int pos;
	char *err;
	size_t err_len;
	bool failed;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
	va_list ap;
	if (p->failed)
		return -1;
	va_start(ap, fmt);
	if (p->err && p->err_len)
		vsnprintf(p->err, p->err_len, fmt, ap);
	va_end(ap);
	p->failed = true;
	return -1;
}

/* Next word as the value of keyword kw; NULL (and an error naming kw) if
 * the input ends here. */
static const char *value(parser *p, const char *kw, const char *expected)
{
	if (p->pos >= p->argc) {
		fail(p, "%s: missing value (expected %s)", kw, expected);
		return NULL;
	}
	return p->argv[p->pos++];
}

/* A token that might be key material (0x and at least 16 hex digits, the
 * shortest key) is not echoed in messages. */
static const char *shown(const char *tok)
{
	if ((tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) && strlen(tok) >= 18)
		return "<hex value>";
	return tok;
}

int xfrm_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (!s || !*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -1;
	}
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (v > (max - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int xfrm_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t a = 0;

	if (!s)
		return -1;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || v > 255)
				return -1;
			s++;
		}
		if (!digits)
			return -1;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	*out = a;
	return 0;
}

/* Algorithm name without surrounding quotes, into buf. */
static const char *unquote(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return buf;
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

/* Decode a 0x-prefixed hex key into key[0..max); *len gets the byte count.
 * `name` (the algorithm) is what messages call the key. */
static int parse_key(parser *p, const char *name, const char *s, uint8_t *key, size_t max, size_t *len)
{
	if (!(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return fail(p, "%s key: expected 0x followed by hex digits", name);
	s += 2;
	size_t digits = strlen(s);
	if (digits == 0)
		return fail(p, "%s key: expected 0x followed by hex digits", name);
	for (size_t i = 0; i < digits; i++)
		if (hexval(s[i]) < 0)
			return fail(p, "%s key: character %zu is not a hex digit", name, i + 3);
	if (digits % 2)
		return fail(p, "%s key: odd number of hex digits (%zu)", name, digits);
	if (digits / 2 > max)
		return fail(p, "%s key: %zu bytes is longer than any key espfab takes", name, digits / 2);
	for (size_t i = 0; i < digits / 2; i++)
		key[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	*len = digits / 2;
	return 0;
}

static int parse_enc(parser *p, espfab_sa_t *sa)
{
	char name[48];
	uint8_t key[ESPFAB_AUTH_KEY_MAX];
	size_t len = 0;
	const char *alg = value(p, "enc", "an algorithm: cbc(des), cbc(des3_ede) or cbc(aes)");
	if (!alg)
		return -1;
	unquote(alg, name, sizeof name);
	const char *want;
	if (!strcmp(name, "cbc(des)")) {
		sa->cipher = ESPFAB_CIPHER_DES;
		want = "8 bytes";
	} else if (!strcmp(name, "cbc(des3_ede)")) {
		sa->cipher = ESPFAB_CIPHER_3DES;
		want = "24 bytes (or 16 for two-key 3DES)";
	} else if (!strcmp(name, "cbc(aes)")) {
		sa->cipher = ESPFAB_CIPHER_AES;
		want = "16, 24 or 32 bytes";
	} else {
		return fail(p, "%s: unknown enc algorithm (expected cbc(des), cbc(des3_ede) or cbc(aes))", shown(name));
	}
	const char *k = value(p, name, "a key: 0x followed by hex digits");
	if (!k || parse_key(p, name, k, key, sizeof key, &len))
		goto out;
	bool ok = (sa->cipher == ESPFAB_CIPHER_DES && len == 8) ||
		  (sa->cipher == ESPFAB_CIPHER_3DES && (len == 24 || len == 16)) ||
		  (sa->cipher == ESPFAB_CIPHER_AES && (len == 16 || len == 24 || len == 32));
	if (!ok) {
		fail(p, "%s key: %zu bytes; %s takes %s", name, len, name, want);
		goto out;
	}
	memcpy(sa->enc_key, key, len);
	sa->enc_key_len = (uint8_t)len;
out:
	espfab_wipe(key, sizeof key);
	return p->failed ? -1 : 0;
}

/* auth ALG KEY, or auth-trunc ALG KEY BITS when trunc. */
static int parse_auth(parser *p, espfab_sa_t *sa, bool trunc)
{
	const char *kw = trunc ? "auth-trunc" : "auth";
	char name[48];
	uint8_t key[ESPFAB_AUTH_KEY_MAX];
	size_t len = 0, want;
	const char *alg = value(p, kw, "an algorithm: hmac(md5) or hmac(sha1)");
	if (!alg)
		return -1;
	unquote(alg, name, sizeof name);
	if (!strcmp(name, "hmac(md5)")) {
		sa->auth = ESPFAB_AUTH_MD5;
		want = 16;
	} else if (!strcmp(name, "hmac(sha1)")) {
		sa->auth = ESPFAB_AUTH_SHA1;
		want = 20;
	} else {
		return fail(p, "%s: unknown %s algorithm (expected hmac(md5) or hmac(sha1))", shown(name), kw);
	}
	const char *k = value(p, name, "a key: 0x followed by hex digits");
	if (!k || parse_key(p, name, k, key, sizeof key, &len))
		goto out;
	if (len != want) {
		fail(p, "%s key: %zu bytes; %s takes %zu bytes", name, len, name, want);
		goto out;
	}
	if (trunc) {
		uint64_t bits;
		const char *b = value(p, "auth-trunc", "the truncation length in bits: 96");
		if (!b)
			goto out;
		if (xfrm_parse_uint(b, 0xffffffffu, &bits) || bits != 96) {
			fail(p, "%s: unsupported truncation length (expected 96)", shown(b));
			goto out;
		}
	}
	memcpy(sa->auth_key, key, len);
	sa->auth_key_len = (uint8_t)len;
out:
	espfab_wipe(key, sizeof key);
	return p->failed ? -1 : 0;
}

static int parse_number(parser *p, const char *kw, const char *what, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = value(p, kw, what);
	if (!v)
		return -1;
	if (xfrm_parse_uint(v, max, out) || *out < min)
		return fail(p, "%s: expected %s", shown(v), what);
	return 0;
}

static int parse_addr(parser *p, const char *kw, uint32_t *out)
{
	const char *v = value(p, kw, "an IPv4 address A.B.C.D");
	if (!v)
		return -1;
	if (xfrm_parse_ipv4(v, out))
		return fail(p, "%s: expected an IPv4 address A.B.C.D for %s", shown(v), kw);
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} FLAGS[] = {
	{ "noecn", XFRM_SA_FLAG_NOECN },	   { "decap-dscp", XFRM_SA_FLAG_DECAP_DSCP },
	{ "nopmtudisc", XFRM_SA_FLAG_NOPMTUDISC }, { "wildrecv", XFRM_SA_FLAG_WILDRECV },
	{ "icmp", XFRM_SA_FLAG_ICMP },		   { "af-unspec", XFRM_SA_FLAG_AF_UNSPEC },
	{ "align4", XFRM_SA_FLAG_ALIGN4 },
};

static int flag_bit(const char *s, uint32_t *bit)
{
	for (size_t i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; i++)
		if (!strcmp(s, FLAGS[i].name)) {
			*bit = FLAGS[i].bit;
			return 0;
		}
	return -1;
}

/* flag NAME [NAME...]: at least one; the list ends at the first word that
 * is not a flag name (it is then parsed as a keyword). */
static int parse_flags(parser *p, xfrm_sa_extra *x)
{
	const char *expected = "noecn, decap-dscp, nopmtudisc, wildrecv, icmp, af-unspec or align4";
	const char *v = value(p, "flag", expected);
	uint32_t bit;
	if (!v)
		return -1;
	for (bool first = true;; first = false) {
		if (!strcmp(v, "esn"))
			return fail(p, "esn: extended sequence numbers are not supported");
		if (flag_bit(v, &bit)) {
			if (first)
				return fail(p, "%s: unknown flag (expected %s)", shown(v), expected);
			p->pos--; /* not a flag: give it back */
			return 0;
		}
		x->flags |= bit;
		if (p->pos >= p->argc)
			return 0;
		v = p->argv[p->pos++];
	}
}

int xfrm_sa_parse_argv(int argc, const char *const *argv, uint8_t dir, espfab_sa_t *sa, xfrm_sa_extra *extra,
		       char *err, size_t err_len)
{
	parser p = { .argc = argc, .argv = argv, .err = err, .err_len = err_len };
	xfrm_sa_extra xlocal;
	xfrm_sa_extra *x = extra ? extra : &xlocal;
	bool seen_src = false, seen_dst = false, seen_spi = false, seen_enc = false, seen_auth = false;
	bool seen_proto = false, seen_mode = false, seen_encap = false, seen_window = false, seen_life = false;
	bool seen_ttl = false;
	uint64_t n;

	memset(sa, 0, sizeof *sa);
	memset(x, 0, sizeof *x);
	if (err && err_len)
		err[0] = 0;
	sa->valid = 1;
	sa->dir = dir;
	sa->mode = ESPFAB_MODE_TRANSPORT;
	sa->encap = ESPFAB_ENCAP_NONE;

#define ONCE(flag, kw)                                          \
	do {                                                    \
		if (flag) {                                     \
			fail(&p, "%s: given twice", kw);        \
			goto out;                               \
		}                                               \
		flag = true;                                    \
	} while (0)

	while (!p.failed && p.pos < p.argc) {
		const char *tok = argv[p.pos++];
		if (!strcmp(tok, "src")) {
			ONCE(seen_src, tok);
			parse_addr(&p, tok, &sa->tun_src);
		} else if (!strcmp(tok, "dst")) {
			ONCE(seen_dst, tok);
			parse_addr(&p, tok, &sa->tun_dst);
		} else if (!strcmp(tok, "proto")) {
			ONCE(seen_proto, tok);
			const char *v = value(&p, tok, "esp");
			if (v && strcmp(v, "esp") && strcmp(v, "50"))
				fail(&p, "%s: unsupported proto (expected esp)", shown(v));
		} else if (!strcmp(tok, "spi")) {
			ONCE(seen_spi, tok);
			if (!parse_number(&p, tok, "an SPI 1..0xffffffff (decimal or 0x hex)", 1, 0xffffffffu, &n))
				sa->spi = (uint32_t)n;
		} else if (!strcmp(tok, "mode")) {
			ONCE(seen_mode, tok);
			const char *v = value(&p, tok, "tunnel or transport");
			if (v && !strcmp(v, "tunnel"))
				sa->mode = ESPFAB_MODE_TUNNEL;
			else if (v && !strcmp(v, "transport"))
				sa->mode = ESPFAB_MODE_TRANSPORT;
			else if (v)
				fail(&p, "%s: unsupported mode (expected tunnel or transport)", shown(v));
		} else if (!strcmp(tok, "enc")) {
			ONCE(seen_enc, tok);
			parse_enc(&p, sa);
		} else if (!strcmp(tok, "auth") || !strcmp(tok, "auth-trunc")) {
			ONCE(seen_auth, tok);
			parse_auth(&p, sa, tok[4] == '-');
		} else if (!strcmp(tok, "encap")) {
			ONCE(seen_encap, tok);
			const char *v = value(&p, tok, "espinudp SPORT DPORT [OA]");
			if (!v)
				break;
			if (strcmp(v, "espinudp")) {
				fail(&p, "%s: unsupported encap type (expected espinudp)", shown(v));
				break;
			}
			if (parse_number(&p, "encap espinudp", "a source port 1..65535", 1, 65535, &n))
				break;
			sa->sport = (uint16_t)n;
			if (parse_number(&p, "encap espinudp", "a destination port 1..65535", 1, 65535, &n))
				break;
			sa->dport = (uint16_t)n;
			sa->encap = ESPFAB_ENCAP_UDP;
			/* Optional original address: consumed only if it is one. */
			if (p.pos < p.argc && !xfrm_parse_ipv4(argv[p.pos], &x->encap_oa))
				p.pos++;
		} else if (!strcmp(tok, "replay-window")) {
			ONCE(seen_window, tok);
			if (parse_number(&p, tok, "a window 0..1024 bits, a multiple of 32", 0, 0xffffffffu, &n))
				break;
			if (n > ESPFAB_REPLAY_MAX || n % 32)
				fail(&p, "%s: expected a window of 0..%d bits, a multiple of 32", argv[p.pos - 1],
				     ESPFAB_REPLAY_MAX);
			else
				sa->replay_window = (uint16_t)n;
		} else if (!strcmp(tok, "reqid")) {
			ONCE(x->has_reqid, tok);
			if (!parse_number(&p, tok, "a reqid 0..0xffffffff", 0, 0xffffffffu, &n))
				x->reqid = (uint32_t)n;
		} else if (!strcmp(tok, "flag")) {
			parse_flags(&p, x);
		} else if (!strcmp(tok, "lifetime-kb")) {
			ONCE(seen_life, tok);
			if (parse_number(&p, tok, "SOFT and HARD byte lifetimes in kilobytes", 0, 0xffffffffu, &n))
				break;
			sa->life_soft_kb = (uint32_t)n;
			if (parse_number(&p, tok, "the HARD byte lifetime in kilobytes", 0, 0xffffffffu, &n))
				break;
			sa->life_hard_kb = (uint32_t)n;
			if (sa->life_hard_kb && sa->life_soft_kb > sa->life_hard_kb)
				fail(&p, "lifetime-kb: soft %u is above hard %u", sa->life_soft_kb, sa->life_hard_kb);
		} else if (!strcmp(tok, "ttl")) {
			ONCE(seen_ttl, tok);
			if (!parse_number(&p, tok, "a TTL 0..255 (0 means 64)", 0, 255, &n))
				sa->ttl = (uint8_t)n;
		} else {
			fail(&p, "%s: unknown token (expected %s)", shown(tok), KEYWORDS);
		}
	}
#undef ONCE
	if (p.failed)
		goto out;
	if (!seen_src)
		fail(&p, "src: missing (the SA needs src A.B.C.D)");
	else if (!seen_dst)
		fail(&p, "dst: missing (the SA needs dst A.B.C.D)");
	else if (!seen_spi)
		fail(&p, "spi: missing (the SA needs spi N)");
	else if (!seen_enc)
		fail(&p, "enc: missing (the SA needs enc ALG 0xKEY)");
	else if (!seen_auth)
		fail(&p, "auth: missing (the SA needs auth ALG 0xKEY or auth-trunc ALG 0xKEY 96)");
	if (!p.failed) {
		char why[192];
		if (espfab_sa_check(sa, why, sizeof why))
			fail(&p, "%s", why);
	}
out:
	if (p.failed) {
		espfab_wipe(sa, sizeof *sa);
		return -1;
	}
	return 0;
}

int xfrm_sa_parse(const char *text, uint8_t dir, espfab_sa_t *sa, xfrm_sa_extra *extra, char *err,
		  size_t err_len)
{
	size_t n = strlen(text);
	char *buf = malloc(n + 1);
	const char *tokens[MAX_TOKENS];
	int count = 0, rc = -1;

	memset(sa, 0, sizeof *sa);
	if (!buf) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	/* Split into buf: words separated by blanks; quotes group and are
	 * removed. */
	char *w = buf;
	const char *s = text;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		if (count == MAX_TOKENS) {
			snprintf(err, err_len, "%s: too many words (at most %d)", shown(tokens[count - 1]),
				 MAX_TOKENS);
			goto out;
		}
		tokens[count++] = w;
		char quote = 0;
		while (*s && (quote || !(*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))) {
			if (!quote && (*s == '"' || *s == '\'')) {
				quote = *s++;
			} else if (quote && *s == quote) {
				quote = 0;
				s++;
			} else {
				*w++ = *s++;
			}
		}
		*w++ = 0;
		if (quote) {
			snprintf(err, err_len, "%c: unterminated quote", quote);
			goto out;
		}
	}
	rc = xfrm_sa_parse_argv(count, tokens, dir, sa, extra, err, err_len);
out:
	espfab_wipe(buf, n + 1);
	free(buf);
	if (rc)
		espfab_wipe(sa, sizeof *sa);
	return rc;
}
