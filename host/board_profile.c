/*
 * Board profiles: parser, listing, and the projection (board_profile.h,
 * docs/boards.md "Projection").
 */
#include "board_profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfab_contract.h"

enum kind { K_TEXT, K_REAL, K_UINT, K_BOOL };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
	bool optional;
	double min, max; /* K_REAL, K_UINT */
};

#define F(m) offsetof(board_profile, m)
static const struct key keys[] = {
	{ "board", K_TEXT, F(board), false, 0, 0 },
	{ "part", K_TEXT, F(part), false, 0, 0 },
	{ "fabric_clock_mhz", K_REAL, F(fabric_mhz), false, 1, 2000 },
	{ "host_link", K_TEXT, F(host_link), false, 0, 0 },
	{ "host_raw_gbytes_per_s", K_REAL, F(host_raw_gbytes), false, 0.001, 1000 },
	{ "host_efficiency", K_REAL, F(host_efficiency), false, 0.01, 1 },
	{ "host_shared_gbytes_per_s", K_REAL, F(host_shared_gbytes), true, 0, 1000 },
	{ "ports", K_UINT, F(ports), false, 1, 64 },
	{ "port_gbps", K_REAL, F(port_gbps), false, 0.001, 1000 },
	{ "port_kind", K_TEXT, F(port_kind), false, 0, 0 },
	{ "pipelined", K_BOOL, F(pipelined), false, 0, 1 },
	{ "sa_slots", K_UINT, F(sa_slots), false, 1, ESPFAB_SA_SLOTS_MAX },
	{ "n_ctx", K_UINT, F(n_ctx), false, 1, 1024 },
	{ "cipher_lanes", K_UINT, F(cipher_lanes), false, 1, 64 },
	{ "stream_bytes", K_UINT, F(stream_bytes), false, 16, 32 },
	{ "n_queues", K_UINT, F(n_queues), false, 1, ESPFAB_QUEUES_MAX },
	{ "instances", K_UINT, F(instances), false, 1, 64 },
};
#undef F
#define N_KEYS (sizeof keys / sizeof keys[0])

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

/* Parse one value into p according to k; 0 or -1 with a reason (no
 * location) in why. */
static int set_value(board_profile *p, const struct key *k, const char *v, char *why, size_t why_len)
{
	char *base = (char *)p + k->off;
	char *end;
	switch (k->kind) {
	case K_TEXT:
		if (!*v)
			return fail(why, why_len, "%s: empty value", k->name);
		if (strlen(v) >= BOARD_TEXT_MAX)
			return fail(why, why_len, "%s: value longer than %d characters", k->name, BOARD_TEXT_MAX - 1);
		strcpy(base, v);
		return 0;
	case K_REAL: {
		errno = 0;
		double d = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(d))
			return fail(why, why_len, "%s: '%s' is not a number", k->name, v);
		if (d < k->min || d > k->max)
			return fail(why, why_len, "%s: %g outside %g..%g", k->name, d, k->min, k->max);
		*(double *)(void *)base = d;
		return 0;
	}
	case K_UINT: {
		if (!isdigit((unsigned char)*v))
			return fail(why, why_len, "%s: '%s' is not a whole number", k->name, v);
		errno = 0;
		unsigned long u = strtoul(v, &end, 10);
		if (*end || errno)
			return fail(why, why_len, "%s: '%s' is not a whole number", k->name, v);
		if (u < k->min || u > k->max)
			return fail(why, why_len, "%s: %lu outside %.0f..%.0f", k->name, u, k->min, k->max);
		*(unsigned *)(void *)base = (unsigned)u;
		return 0;
	}
	case K_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
			*(bool *)(void *)base = true;
		else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
			*(bool *)(void *)base = false;
		else
			return fail(why, why_len, "%s: '%s' is not 0/1/yes/no/true/false", k->name, v);
		return 0;
	}
	return fail(why, why_len, "%s: internal error", k->name);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

int board_profile_parse(const char *text, size_t len, const char *fname, board_profile *p, char *err,
			size_t err_len)
{
	bool seen[N_KEYS] = { false };
	char line[512], why[200];
	unsigned lineno = 0;
	size_t pos = 0;

	memset(p, 0, sizeof *p);
	while (pos < len) {
		size_t n = 0;
		lineno++;
		while (pos < len && text[pos] != '\n') {
			if (n + 1 >= sizeof line)
				return fail(err, err_len, "%s:%u: line longer than %zu characters", fname, lineno,
					    sizeof line - 1);
			if (text[pos] == '\0')
				return fail(err, err_len, "%s:%u: NUL byte", fname, lineno);
			line[n++] = text[pos++];
		}
		pos++; /* the newline */
		line[n] = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			return fail(err, err_len, "%s:%u: expected 'key = value'", fname, lineno);
		*eq = 0;
		char *k = trim(s), *v = trim(eq + 1);
		size_t i;
		for (i = 0; i < N_KEYS; i++)
			if (!strcmp(keys[i].name, k))
				break;
		if (i == N_KEYS)
			return fail(err, err_len, "%s:%u: unknown key '%s'", fname, lineno, k);
		if (seen[i])
			return fail(err, err_len, "%s:%u: '%s' given twice", fname, lineno, k);
		seen[i] = true;
		if (set_value(p, &keys[i], v, why, sizeof why))
			return fail(err, err_len, "%s:%u: %s", fname, lineno, why);
	}
	for (size_t i = 0; i < N_KEYS; i++)
		if (!seen[i] && !keys[i].optional)
			return fail(err, err_len, "%s: missing key '%s'", fname, keys[i].name);
	/* The RTL's own parameter rules (rtl/top/espfab_dma_top.v). */
	if (!is_pow2(p->n_ctx) || !is_pow2(p->cipher_lanes) || p->n_ctx / p->cipher_lanes < 2)
		return fail(err, err_len, "%s: n_ctx and cipher_lanes must be powers of two with n_ctx / cipher_lanes >= 2",
			    fname);
	if (p->stream_bytes != 16 && p->stream_bytes != 32)
		return fail(err, err_len, "%s: stream_bytes must be 16 or 32", fname);
	return 0;
}

int board_profile_read(const char *path, board_profile *p, char *err, size_t err_len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(err, err_len, "%s: %s", path, strerror(errno));
	char buf[16384];
	size_t n = fread(buf, 1, sizeof buf, f);
	bool more = !feof(f) && fgetc(f) != EOF;
	bool bad = ferror(f);
	fclose(f);
	if (bad)
		return fail(err, err_len, "%s: read error", path);
	if (more)
		return fail(err, err_len, "%s: larger than %zu bytes", path, sizeof buf);
	const char *base = strrchr(path, '/');
	return board_profile_parse(buf, n, base ? base + 1 : path, p, err, err_len);
}

const char *board_profile_dir(void)
{
	const char *d = getenv("ESPFAB_BOARD_DIR");
	return d && *d ? d : "board/profiles";
}

static bool good_name(const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= BOARD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
			return false;
	return true;
}

int board_profile_load(const char *dir, const char *name, board_profile *p, char *err, size_t err_len)
{
	char path[4096];
	if (!good_name(name))
		return fail(err, err_len, "bad board name '%s' (letters, digits, '-', '_')", name);
	snprintf(path, sizeof path, "%s/%s.conf", dir, name);
	if (board_profile_read(path, p, err, err_len))
		return -1;
	snprintf(p->name, sizeof p->name, "%s", name);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int board_profile_list(const char *dir, char names[][BOARD_NAME_MAX], int max, char *err, size_t err_len)
{
	DIR *d = opendir(dir);
	if (!d)
		return fail(err, err_len, "%s: %s", dir, strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= 5 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		char stem[BOARD_NAME_MAX + 8];
		if (l - 5 >= BOARD_NAME_MAX)
			continue;
		memcpy(stem, e->d_name, l - 5);
		stem[l - 5] = 0;
		if (!good_name(stem))
			continue;
		if (n < max)
			strcpy(names[n], stem);
		n++;
	}
	closedir(d);
	qsort(names, (size_t)(n < max ? n : max), BOARD_NAME_MAX, cmp_name);
	return n;
}

const char *board_limit_name(enum board_limit l)
{
	switch (l) {
	case BOARD_LIMIT_ENGINE:
		return "engine";
	case BOARD_LIMIT_HOST:
		return "host link";
	case BOARD_LIMIT_PORT:
		return "port";
	}
	return "?";
}

static double wire_bytes(unsigned ip_bytes)
{
	unsigned payload = ip_bytes < BOARD_ETH_MIN_PAYLOAD ? BOARD_ETH_MIN_PAYLOAD : ip_bytes;
	return (double)payload + BOARD_ETH_HEADER + BOARD_ETH_FCS + BOARD_ETH_PREAMBLE_IFG;
}

int board_project(const board_profile *p, double bpc, unsigned plain_bytes, unsigned esp_bytes, enum board_dir dir,
		  board_projection *out)
{
	memset(out, 0, sizeof *out);
	if (!(bpc > 0) || !plain_bytes || !esp_bytes || !p->instances || !p->ports)
		return -1;
	unsigned in = dir == BOARD_ENCAP ? plain_bytes : esp_bytes;
	unsigned outb = dir == BOARD_ENCAP ? esp_bytes : plain_bytes;

	/* Engine: bytes per cycle of one instance, every instance busy. */
	out->engine_gbps = bpc * p->fabric_mhz * 1e6 * p->instances * 8 / 1e9;

	/* Host link: per packet the DMA reads in + a request slot and writes
	 * out + a completion slot; each direction has the usable bandwidth,
	 * and a shared memory (Zynq DDR) caps both together. */
	double usable = p->host_raw_gbytes * p->host_efficiency * 1e9;
	double rd = (double)in + ESPFAB_REQ_SLOT_BYTES, wr = (double)outb + ESPFAB_CPL_SLOT_BYTES;
	double pps = fmin(usable / rd, usable / wr);
	if (p->host_shared_gbytes > 0)
		pps = fmin(pps, p->host_shared_gbytes * 1e9 / (rd + wr));
	out->host_usable_gbytes = usable / 1e9;
	out->host_gbps = pps * plain_bytes * 8 / 1e9;

	/* Ports: half of the ports face each side (at least one per side, a
	 * one-port board carrying both on the same port's RX and TX); a flow
	 * enters one side's RX and leaves the other side's TX, so the larger
	 * of its two frames binds. */
	unsigned side = p->ports / 2 ? p->ports / 2 : 1;
	double frame = wire_bytes(in > outb ? in : outb);
	double port_pps = side * p->port_gbps * 1e9 / 8 / frame;
	out->port_gbps = port_pps * plain_bytes * 8 / 1e9;

	out->gbps = out->engine_gbps;
	out->limit = BOARD_LIMIT_ENGINE;
	if (out->host_gbps < out->gbps) {
		out->gbps = out->host_gbps;
		out->limit = BOARD_LIMIT_HOST;
	}
	if (out->port_gbps < out->gbps) {
		out->gbps = out->port_gbps;
		out->limit = BOARD_LIMIT_PORT;
	}
	return 0;
}

unsigned board_esp_tunnel_bytes(unsigned plain_bytes, unsigned block, unsigned iv_len, unsigned icv_len)
{
	if (!block)
		block = 4;
	unsigned body = plain_bytes + 2;
	body = (body + block - 1) / block * block;
	return 20 + 8 + iv_len + body + icv_len;
}
