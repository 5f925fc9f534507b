/*
 * espfab-bench — ESP throughput of one libespfab engine on one core, next to
 * the serial cipher + HMAC bound that `openssl speed` measures on the same
 * machine.  See docs/benchmarks.md for what is measured and how to read it.
 *
 * Everything goes through the public API (espfab.h): SAs are installed with
 * espfab_sa_add, packets are pushed with espfab_submit in batches and
 * collected with espfab_poll.  Throughput counts the plaintext IPv4 packet
 * bytes (the `size` column), whichever direction is measured.
 *
 * Engine sim is measured in fabric cycles, not wall time: bytes per cycle
 * of the simulated device (espfab_dev_cycles) over a steady window with the
 * ring kept full, projected onto board profiles (--board, board_project in
 * host/board_profile.h).  docs/benchmarks.md, "Fabric through the DMA".
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "board_profile.h"
#include "espfab.h"

#define MAX_SIZES 32
#define MAX_NOTES 16
#define MAX_BOARDS 16
#define DEFAULT_SIM_PACKETS 1024
#define DEFAULT_SECONDS 0.3
#define DEFAULT_BATCH 64
#define RING_MIN 256
/* A measurement that got less of its CPU than this (other load on the core)
 * is repeated: engine rows up to ATTEMPTS times, openssl runs up to
 * OSSL_ATTEMPTS times; the least disturbed attempt is kept and flagged if it
 * is still below the threshold. */
#define QUIET_SHARE 0.95
#define ATTEMPTS 3
#define OSSL_ATTEMPTS 2

/* ---- transforms ---------------------------------------------------------- */

struct xform {
	const char *ios;   /* IOS transform-set spelling, also the JSON "transform" */
	const char *name;  /* short spelling for --transforms */
	const char *cname; /* cipher part of the short name */
	const char *aname; /* auth part of the short name */
	uint8_t cipher, enc_key_len, auth, auth_key_len;
	unsigned key_bits; /* effective cipher key bits, as IOS names them */
	const char *ossl_cipher, *ossl_digest;
	bool ossl_legacy; /* the cipher lives in OpenSSL 3's legacy provider */
};

#define XF(ios, c, a, cipher, klen, bits, auth, alen, oc, od, leg)                                       \
	{ ios, c "-" a, c, a, ESPFAB_CIPHER_##cipher, klen, ESPFAB_AUTH_##auth, alen, bits, oc, od, leg }

static const struct xform xforms[] = {
	XF("esp-des esp-md5-hmac", "des", "md5", DES, 8, 56, MD5, 16, "des-cbc", "md5", true),
	XF("esp-des esp-sha-hmac", "des", "sha1", DES, 8, 56, SHA1, 20, "des-cbc", "sha1", true),
	XF("esp-3des esp-md5-hmac", "3des", "md5", 3DES, 24, 168, MD5, 16, "des-ede3-cbc", "md5", false),
	XF("esp-3des esp-sha-hmac", "3des", "sha1", 3DES, 24, 168, SHA1, 20, "des-ede3-cbc", "sha1", false),
	XF("esp-aes esp-md5-hmac", "aes128", "md5", AES, 16, 128, MD5, 16, "aes-128-cbc", "md5", false),
	XF("esp-aes esp-sha-hmac", "aes128", "sha1", AES, 16, 128, SHA1, 20, "aes-128-cbc", "sha1", false),
	XF("esp-aes 256 esp-md5-hmac", "aes256", "md5", AES, 32, 256, MD5, 16, "aes-256-cbc", "md5", false),
	XF("esp-aes 256 esp-sha-hmac", "aes256", "sha1", AES, 32, 256, SHA1, 20, "aes-256-cbc", "sha1", false),
};
#define N_XFORMS (sizeof xforms / sizeof xforms[0])

/* ---- small helpers ------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time (user + system) this process has used. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_fill(uint64_t *s, uint8_t *p, size_t n)
{
	while (n) {
		uint64_t v = rng_next(s);
		size_t k = n < 8 ? n : 8;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned ip_csum(const uint8_t *h, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* A valid IPv4/UDP packet of exactly `len` (>= 20) bytes.  Below 28 bytes
 * there is no room for a UDP header and the packet is a bare IPv4 header
 * plus payload with protocol 253 (RFC 3692 experimentation). */
static void make_packet(uint8_t *p, unsigned len, unsigned id, uint64_t *rng)
{
	memset(p, 0, 20);
	rng_fill(rng, p + 20, len - 20);
	p[0] = 0x45;
	put16(p + 2, len);
	put16(p + 4, id & 0xffff);
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = len >= 28 ? 17 : 253;
	p[12] = 10, p[13] = 1, p[14] = 0, p[15] = 1;
	p[16] = 10, p[17] = 2, p[18] = (uint8_t)(id >> 8), p[19] = (uint8_t)id;
	put16(p + 10, ip_csum(p, 20));
	if (len >= 28) {
		put16(p + 20, 1024 + (id & 0x3ff));
		put16(p + 22, 5001);
		put16(p + 24, len - 20);
		put16(p + 26, 0);
	}
}

/* ---- the openssl speed bound --------------------------------------------- */

struct ossl_entry {
	char algo[24]; /* cipher name, or "hmac-" + digest */
	unsigned size;
	bool decrypt;
	bool ok;
	double rate;  /* bytes per second */
	double share; /* CPU time / wall time of the openssl process */
	char why[160];
};

struct ossl_cache {
	bool disabled;      /* --no-openssl, or the command is missing */
	char disabled_why[160];
	struct ossl_entry *e;
	size_t n, cap;
	char notes[MAX_NOTES][200];
	size_t n_notes;
};

static void add_note(struct ossl_cache *c, const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < c->n_notes; i++)
		if (!strcmp(c->notes[i], buf))
			return;
	if (c->n_notes < MAX_NOTES)
		snprintf(c->notes[c->n_notes++], sizeof c->notes[0], "%s", buf);
}

/* Run `openssl speed` with argv; on success store the "+F:" rate (bytes/s of
 * the measured buffer size).  Returns 0, 127 if the command is missing, or
 * -1 with a reason in why. */
static int run_speed(char *const argv[], double *rate, double *share, char *why, size_t why_len)
{
	double t0 = now_s();
	int fd[2];
	if (pipe(fd)) {
		snprintf(why, why_len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		snprintf(why, why_len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	char out[16384];
	size_t used = 0;
	for (;;) {
		ssize_t r = read(fd[0], out + used, sizeof out - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		used += (size_t)r;
		if (used == sizeof out - 1) { /* drain the rest, keep the start */
			char junk[4096];
			while (read(fd[0], junk, sizeof junk) > 0)
				;
			break;
		}
	}
	out[used] = 0;
	close(fd[0]);
	int st = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	double wall = now_s() - t0;
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
		     (double)ru.ru_stime.tv_usec * 1e-6;
	*share = wall > 0 ? cpu / wall : 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(why, why_len, "the openssl command was not found");
		return 127;
	}
	/* Machine-readable result line: +F:<n>:<name>:<bytes per second> */
	double found = -1;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "+F:", 3)) {
			char *colon = strrchr(line, ':');
			char *end;
			double v = strtod(colon + 1, &end);
			if (end != colon + 1 && v > 0)
				found = v;
		} else if (line[0] != '+' && !why[0]) {
			/* first complaint, kept in case there is no result */
			snprintf(why, why_len, "%s", line);
		}
	}
	if (found > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		why[0] = 0;
		*rate = found;
		return 0;
	}
	char first[120];
	snprintf(first, sizeof first, "%s", why[0] ? why : "no result line");
	if (WIFEXITED(st))
		snprintf(why, why_len, "exit %d: %s", WEXITSTATUS(st), first);
	else
		snprintf(why, why_len, "killed by signal %d", WTERMSIG(st));
	return -1;
}

/* Rate of `algo` over `size`-byte buffers, from the cache or a fresh run.
 * hmac: algo is a digest name; otherwise an EVP cipher name. */
static const struct ossl_entry *ossl_rate(struct ossl_cache *c, const char *algo, bool hmac, bool legacy,
					  bool decrypt, unsigned size)
{
	char key[24];
	snprintf(key, sizeof key, "%s%s", hmac ? "hmac-" : "", algo);
	if (hmac)
		decrypt = false; /* verification is the same computation */
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].algo, key) && c->e[i].size == size && c->e[i].decrypt == decrypt)
			return &c->e[i];
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct ossl_entry *e = realloc(c->e, cap * sizeof *e);
		if (!e)
			return NULL;
		c->e = e;
		c->cap = cap;
	}
	struct ossl_entry *e = &c->e[c->n++];
	memset(e, 0, sizeof *e);
	snprintf(e->algo, sizeof e->algo, "%s", key);
	e->size = size;
	e->decrypt = decrypt;

	char bytes[16];
	snprintf(bytes, sizeof bytes, "%u", size);
	char *argv[16];
	int a = 0;
	argv[a++] = "openssl";
	argv[a++] = "speed";
	argv[a++] = "-mr";
	argv[a++] = "-elapsed"; /* wall clock, like the engine measurement */
	argv[a++] = "-seconds";
	argv[a++] = "1";
	argv[a++] = "-bytes";
	argv[a++] = bytes;
	if (legacy && !hmac) {
		argv[a++] = "-provider";
		argv[a++] = "legacy";
		argv[a++] = "-provider";
		argv[a++] = "default";
	}
	if (decrypt)
		argv[a++] = "-decrypt";
	argv[a++] = hmac ? "-hmac" : "-evp";
	argv[a++] = (char *)algo;
	argv[a] = NULL;

	if (c->disabled) {
		snprintf(e->why, sizeof e->why, "%s", c->disabled_why);
		return e;
	}
	/* An algorithm that failed at one size is not retried at the others. */
	for (size_t i = 0; i + 1 < c->n; i++) {
		if (!strcmp(c->e[i].algo, key) && c->e[i].decrypt == decrypt && !c->e[i].ok) {
			snprintf(e->why, sizeof e->why, "%s", c->e[i].why);
			return e;
		}
	}
	int rc = 0;
	for (int attempt = 0; attempt < OSSL_ATTEMPTS; attempt++) {
		double rate = 0, share = 0;
		char why[sizeof e->why] = "";
		rc = run_speed(argv, &rate, &share, why, sizeof why);
		if (rc) {
			snprintf(e->why, sizeof e->why, "%s", why);
			break;
		}
		if (share > e->share) { /* keep the least disturbed run */
			e->rate = rate;
			e->share = share;
		}
		if (share >= QUIET_SHARE)
			break;
	}
	if (rc == 127) {
		c->disabled = true;
		snprintf(c->disabled_why, sizeof c->disabled_why, "%s", e->why);
		add_note(c, "openssl bound n/a: %s", e->why);
	} else if (rc) {
		add_note(c, "openssl bound n/a for %s%s: openssl speed %s", key, decrypt ? " (decrypt)" : "",
			 e->why);
	} else {
		e->ok = true;
	}
	return e;
}

/* Serial cipher + HMAC bound in Gbps of `size`-byte packets, or NAN.
 * *share: the smaller CPU share of the two openssl runs. */
static double ossl_bound_gbps(struct ossl_cache *c, const struct xform *x, bool decap, unsigned size,
			      double *share)
{
	*share = NAN;
	if (c->disabled)
		return NAN;
	const struct ossl_entry *ci = ossl_rate(c, x->ossl_cipher, false, x->ossl_legacy, decap, size);
	if (!ci || !ci->ok)
		return NAN;
	const struct ossl_entry *mac = ossl_rate(c, x->ossl_digest, true, false, false, size);
	if (!mac || !mac->ok)
		return NAN;
	double bytes_per_s = 1.0 / (1.0 / ci->rate + 1.0 / mac->rate);
	*share = fmin(ci->share, mac->share);
	return bytes_per_s * 8 / 1e9;
}

static void openssl_version(char *buf, size_t len)
{
	FILE *f = popen("openssl version 2>/dev/null", "r");
	snprintf(buf, len, "not available");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (pclose(f) != 0)
		snprintf(buf, len, "not available");
}

/* ---- one measurement ----------------------------------------------------- */

struct ring {
	unsigned n;
	uint8_t *in, *out, *esp;
	size_t in_stride;
	uint16_t *lens;
	espfab_op *ops;
	espfab_cpl *cpls;
};

struct row {
	const struct xform *x;
	unsigned size;
	bool decap;
	double gbps, pps, seconds;
	uint64_t packets;
	double bound_gbps; /* NAN if unknown */
	double share;       /* CPU time / wall time of the measured interval */
	double bound_share; /* the same for the openssl runs behind the bound */
	int attempts;
	bool failed;
	char why[240];
	/* engine sim: fabric cycles instead of wall time */
	bool sim;
	double bpc;       /* plaintext bytes per fabric cycle, steady window */
	double bpc_cold;  /* the same from the first doorbell to the last completion */
	uint64_t cycles;  /* cycles of the steady window (packets: its completions) */
	char config[48];  /* espfab-simd configuration that was measured */
	const board_profile *board; /* NULL: no projection */
	board_projection proj;
	bool config_matches; /* the board's engine parameters are the config's */
};

struct bench {
	espfab_dev *dev;
	const char *engine;
	double seconds, warmup;
	unsigned batch;
	uint64_t rng;
	uint32_t spi;
	bool slot_used[2];
	double last_share; /* CPU share of the last pump() */
	uint64_t most_done; /* most packets any pump() of this row completed */
	bool sim;           /* measure fabric cycles (pump_cycles) */
	uint64_t sim_warm, sim_packets; /* completions before the window, in it */
};

static void make_sa(espfab_sa_t *sa, const struct xform *x, uint8_t dir, uint32_t spi, const uint8_t *ek,
		    const uint8_t *ak)
{
	memset(sa, 0, sizeof *sa);
	sa->spi = spi;
	sa->dir = dir;
	sa->mode = ESPFAB_MODE_TUNNEL;
	sa->cipher = x->cipher;
	sa->auth = x->auth;
	sa->enc_key_len = x->enc_key_len;
	sa->auth_key_len = x->auth_key_len;
	sa->encap = ESPFAB_ENCAP_NONE;
	sa->replay_window = 0; /* inbound: no anti-replay, so the ring can be replayed */
	sa->tun_src = 0xc0000201; /* 192.0.2.1 */
	sa->tun_dst = 0xc6336401; /* 198.51.100.1 */
	memcpy(sa->enc_key, ek, x->enc_key_len);
	memcpy(sa->auth_key, ak, x->auth_key_len);
}

static int install(struct bench *b, uint32_t slot, const espfab_sa_t *sa, char *why, size_t len)
{
	if (b->slot_used[slot]) {
		espfab_sa_del(b->dev, slot);
		b->slot_used[slot] = false;
	}
	int rc = espfab_sa_add(b->dev, slot, sa);
	if (rc) {
		snprintf(why, len, "espfab_sa_add: %s", espfab_last_error(b->dev));
		return rc;
	}
	b->slot_used[slot] = true;
	return 0;
}

/* Push ring r through the device for `secs` of wall time, or exactly once
 * round the ring when one_pass.  Every completion must be OK and, if
 * expect_len != 0, carry that many output bytes. */
static int pump(struct bench *b, struct ring *r, double secs, bool one_pass, unsigned expect_len,
		uint64_t *packets, double *elapsed, char *why, size_t why_len)
{
	espfab_dev *dev = b->dev;
	unsigned idx = 0, batch = b->batch;
	uint64_t sent = 0, done = 0;
	bool stop = false;
	double t0 = now_s(), deadline = t0 + secs, t = t0, c0 = cpu_s();

	while (!stop || espfab_inflight(dev)) {
		/* Keep at most one ring's worth in flight so no output buffer is
		 * reused before its completion is polled. */
		if (!stop && espfab_inflight(dev) + batch <= r->n) {
			unsigned k = r->n - idx < batch ? r->n - idx : batch, acc = 0;
			if (one_pass && k > r->n - sent)
				k = (unsigned)(r->n - sent);
			int rc = espfab_submit(dev, r->ops + idx, k, &acc);
			if (rc && rc != -ENOSPC) {
				snprintf(why, why_len, "espfab_submit: %s", espfab_last_error(dev));
				return -1;
			}
			idx = (idx + acc) % r->n;
			sent += acc;
		}
		int got = espfab_poll(dev, r->cpls, r->n);
		if (got < 0) {
			snprintf(why, why_len, "espfab_poll: %s", espfab_last_error(dev));
			return -1;
		}
		for (int i = 0; i < got; i++) {
			const espfab_cpl *c = &r->cpls[i];
			if (c->status != ESPFAB_STATUS_OK) {
				snprintf(why, why_len, "packet %llu: status %s", (unsigned long long)(done + i),
					 espfab_status_name(c->status));
				/* drain what is still queued before giving up */
				while (espfab_inflight(dev) && espfab_poll(dev, r->cpls, r->n) >= 0)
					;
				return -1;
			}
			if (expect_len && c->out_len != expect_len) {
				snprintf(why, why_len, "packet %llu: %u output bytes, expected %u",
					 (unsigned long long)(done + i), c->out_len, expect_len);
				while (espfab_inflight(dev) && espfab_poll(dev, r->cpls, r->n) >= 0)
					;
				return -1;
			}
		}
		done += (unsigned)got;
		t = now_s();
		if (!stop && (one_pass ? sent >= r->n : t >= deadline))
			stop = true;
	}
	*packets = done;
	if (done > b->most_done)
		b->most_done = done;
	*elapsed = t - t0;
	b->last_share = *elapsed > 0 ? (cpu_s() - c0) / *elapsed : 1;
	return 0;
}

/* Engine sim: keep the ring full and count fabric cycles.  The window opens
 * at the first poll that has seen `warm` completions and closes at the
 * first that has seen warm + meas; both ends are read at the same kind of
 * event (a poll that returned completions), requests are still being
 * submitted at both, so ramp-up (empty pipeline) and drain (nothing more
 * submitted) fall outside it.  The cold figure spans the first doorbell
 * (the clock read just before the first espfab_submit) to the poll that
 * returned the last completion.  Every completion must be OK with
 * expect_len output bytes. */
struct cyc_result {
	uint64_t win_packets, win_cycles; /* steady window */
	uint64_t all_packets, all_cycles; /* first doorbell to last completion */
	double seconds;                   /* wall time of the simulation */
};

static int pump_cycles(struct bench *b, struct ring *r, unsigned expect_len, uint64_t warm, uint64_t meas,
		       struct cyc_result *res, char *why, size_t why_len)
{
	espfab_dev *dev = b->dev;
	unsigned idx = 0, batch = b->batch;
	uint64_t done = 0, c_first = 0, c_now = 0, c0 = 0, d0 = 0;
	bool started = false, in_window = false, stop = false;
	double t0 = now_s();
	int rc;

	memset(res, 0, sizeof *res);
	while (!stop || espfab_inflight(dev)) {
		if (!stop && espfab_inflight(dev) + batch <= r->n) {
			unsigned k = r->n - idx < batch ? r->n - idx : batch, acc = 0;
			if (!started && (rc = espfab_dev_cycles(dev, &c_first))) {
				snprintf(why, why_len, "espfab_dev_cycles: %s", strerror(-rc));
				return -1;
			}
			started = true;
			rc = espfab_submit(dev, r->ops + idx, k, &acc);
			if (rc && rc != -ENOSPC) {
				snprintf(why, why_len, "espfab_submit: %s", espfab_last_error(dev));
				return -1;
			}
			idx = (idx + acc) % r->n;
		}
		int got = espfab_poll(dev, r->cpls, r->n);
		if (got < 0) {
			snprintf(why, why_len, "espfab_poll: %s", espfab_last_error(dev));
			return -1;
		}
		for (int i = 0; i < got; i++) {
			const espfab_cpl *c = &r->cpls[i];
			if (c->status != ESPFAB_STATUS_OK || (expect_len && c->out_len != expect_len)) {
				if (c->status != ESPFAB_STATUS_OK)
					snprintf(why, why_len, "packet %llu: status %s", (unsigned long long)(done + i),
						 espfab_status_name(c->status));
				else
					snprintf(why, why_len, "packet %llu: %u output bytes, expected %u",
						 (unsigned long long)(done + i), c->out_len, expect_len);
				while (espfab_inflight(dev) && espfab_poll(dev, r->cpls, r->n) >= 0)
					;
				return -1;
			}
		}
		if (got <= 0)
			continue;
		done += (unsigned)got;
		if ((rc = espfab_dev_cycles(dev, &c_now))) {
			snprintf(why, why_len, "espfab_dev_cycles: %s", strerror(-rc));
			return -1;
		}
		if (!in_window && done >= warm) {
			in_window = true;
			c0 = c_now;
			d0 = done;
		} else if (in_window && !stop && done >= warm + meas) {
			stop = true;
			res->win_packets = done - d0;
			res->win_cycles = c_now - c0;
		}
	}
	res->all_packets = done;
	res->all_cycles = c_now - c_first;
	res->seconds = now_s() - t0;
	if (done > b->most_done)
		b->most_done = done;
	if (!res->win_cycles || !res->all_cycles) {
		snprintf(why, why_len, "the device clock did not advance (%llu completions)", (unsigned long long)done);
		return -1;
	}
	return 0;
}

static void ring_ops(struct ring *r, uint32_t slot, const uint8_t *in, size_t in_stride, const uint16_t *lens)
{
	for (unsigned i = 0; i < r->n; i++) {
		r->ops[i] = (espfab_op){ .slot = slot,
					 .in = in + (size_t)i * in_stride,
					 .in_len = lens[i],
					 .out = r->out + (size_t)i * ESPFAB_MAX_FRAME,
					 .out_cap = ESPFAB_MAX_FRAME,
					 .cookie = i };
	}
}

/* Decap the first min(n, most_done) outputs of ring r on a sw device with
 * inbound SA `sa` and compare with the plaintext ring. */
static int sw_check_encap(struct bench *b, struct ring *r, const espfab_sa_t *sa, unsigned size, char *why,
			  size_t why_len)
{
	espfab_dev *sw = NULL;
	espfab_open_opts oo = { .sa_slots = 1, .queue_depth = 1 };
	static uint8_t plain[ESPFAB_MAX_FRAME];
	int rc = -1;

	if (espfab_open("sw", &oo, &sw)) {
		snprintf(why, why_len, "sw engine for the cross-check: %s", espfab_open_error());
		return -1;
	}
	if (espfab_sa_add(sw, 0, sa)) {
		snprintf(why, why_len, "sw cross-check espfab_sa_add: %s", espfab_last_error(sw));
		goto out;
	}
	for (unsigned i = 0; i < r->n && i < b->most_done; i++) {
		const uint8_t *o = r->out + (size_t)i * ESPFAB_MAX_FRAME;
		espfab_op op = { .slot = 0, .in = o, .in_len = (uint16_t)((unsigned)o[2] << 8 | o[3]), .out = plain,
				 .out_cap = sizeof plain };
		espfab_cpl c = { 0 };
		if (espfab_process_one(sw, &op, &c) || c.status != ESPFAB_STATUS_OK || c.out_len != size ||
		    memcmp(plain, r->in + (size_t)i * r->in_stride, size)) {
			snprintf(why, why_len, "encap output %u does not decrypt on sw to its packet (status %s)", i,
				 espfab_status_name(c.status));
			goto out;
		}
	}
	rc = 0;
out:
	espfab_close(sw);
	return rc;
}

static void measure(struct bench *b, struct ring *r, struct row *row)
{
	const struct xform *x = row->x;
	uint8_t ek[ESPFAB_ENC_KEY_MAX], ak[ESPFAB_AUTH_KEY_MAX];
	espfab_sa_t sa;
	uint64_t pk;
	double el;
	uint16_t *lens = r->lens;

	row->sim = b->sim;
	rng_fill(&b->rng, ek, sizeof ek);
	rng_fill(&b->rng, ak, sizeof ak);
	uint32_t spi = b->spi++;

	/* Plaintext ring: n distinct packets of exactly `size` bytes. */
	r->in_stride = (row->size + 63) & ~63u;
	for (unsigned i = 0; i < r->n; i++) {
		make_packet(r->in + (size_t)i * r->in_stride, row->size, i, &b->rng);
		lens[i] = (uint16_t)row->size;
	}
	make_sa(&sa, x, ESPFAB_DIR_OUT, spi, ek, ak);
	if (install(b, 0, &sa, row->why, sizeof row->why))
		goto fail;
	ring_ops(r, 0, r->in, r->in_stride, lens);

	if (row->decap) {
		/* Encrypt the ring once, keep the ESP packets, and replay them into
		 * an inbound SA with replay_window 0 (no anti-replay check). */
		if (pump(b, r, 0, true, 0, &pk, &el, row->why, sizeof row->why))
			goto fail;
		if (pk != r->n) {
			snprintf(row->why, sizeof row->why, "pre-encryption produced %llu packets, expected %u",
				 (unsigned long long)pk, r->n);
			goto fail;
		}
		/* With one pass and in-flight <= n the i-th completion is op i. */
		for (unsigned i = 0; i < r->n; i++) {
			size_t len;
			const uint8_t *o = r->out + (size_t)i * ESPFAB_MAX_FRAME;
			len = (size_t)o[2] << 8 | o[3];
			memcpy(r->esp + (size_t)i * ESPFAB_MAX_FRAME, o, len);
			lens[i] = (uint16_t)len;
		}
		make_sa(&sa, x, ESPFAB_DIR_IN, spi, ek, ak);
		if (install(b, 1, &sa, row->why, sizeof row->why))
			goto fail;
		ring_ops(r, 1, r->esp, ESPFAB_MAX_FRAME, lens);
	}
	b->most_done = 0;
	if (!b->sim) { /* sim keeps the keys for the sw cross-check below */
		espfab_wipe(&sa, sizeof sa);
		espfab_wipe(ek, sizeof ek);
		espfab_wipe(ak, sizeof ak);
	}

	/* Every completion is checked for status OK and its length: decap gives
	 * back the SIZE-byte packet; encap gives outer IPv4 + SPI/seq + IV +
	 * CBC(payload | pad | pad length | next header) + ICV. */
	unsigned blk = x->cipher == ESPFAB_CIPHER_AES ? 16 : 8;
	unsigned expect = row->decap ? row->size
				     : 20 + 8 + blk + (row->size + 2 + blk - 1) / blk * blk + ESPFAB_ICV_LEN;
	if (b->sim) {
		struct cyc_result cr;
		if (pump_cycles(b, r, expect, b->sim_warm, b->sim_packets, &cr, row->why, sizeof row->why))
			goto fail;
		row->packets = cr.win_packets;
		row->cycles = cr.win_cycles;
		row->bpc = (double)cr.win_packets * row->size / (double)cr.win_cycles;
		row->bpc_cold = (double)cr.all_packets * row->size / (double)cr.all_cycles;
		row->seconds = cr.seconds;
		row->share = 1; /* cycles do not depend on the load of this machine */
		row->gbps = row->pps = NAN;
		goto check_decap;
	}
	if (pump(b, r, b->warmup, false, expect, &pk, &el, row->why, sizeof row->why))
		goto fail;
	row->share = -1;
	for (row->attempts = 1; row->attempts <= ATTEMPTS; row->attempts++) {
		uint64_t p1;
		double e1;
		if (pump(b, r, b->seconds, false, expect, &p1, &e1, row->why, sizeof row->why))
			goto fail;
		if (b->last_share > row->share) { /* keep the least disturbed attempt */
			pk = p1;
			el = e1;
			row->share = b->last_share;
		}
		if (b->last_share >= QUIET_SHARE)
			break;
	}
	if (row->attempts > ATTEMPTS)
		row->attempts = ATTEMPTS;
check_decap:
	/* Decap: every pump starts at ring entry 0, so entries below most_done
	 * were decrypted at least once and their output buffers must now hold
	 * the original plaintext packet. */
	for (unsigned i = 0; row->decap && i < r->n && i < b->most_done; i++) {
		if (memcmp(r->out + (size_t)i * ESPFAB_MAX_FRAME, r->in + (size_t)i * r->in_stride, row->size)) {
			snprintf(row->why, sizeof row->why, "decap output %u differs from the original packet", i);
			goto fail;
		}
	}
	/* Sim encap: every ESP packet left in the ring decrypts, on the sw
	 * engine, to the packet it was made from (IVs differ between engines,
	 * so the ciphertext itself is not compared). */
	if (row->sim && !row->decap) {
		make_sa(&sa, x, ESPFAB_DIR_IN, spi, ek, ak);
		if (sw_check_encap(b, r, &sa, row->size, row->why, sizeof row->why))
			goto fail;
	}
	if (row->sim) {
		espfab_wipe(&sa, sizeof sa);
		espfab_wipe(ek, sizeof ek);
		espfab_wipe(ak, sizeof ak);
		return;
	}
	row->packets = pk;
	row->seconds = el;
	row->pps = el > 0 ? (double)pk / el : 0;
	row->gbps = row->pps * row->size * 8 / 1e9;
	return;
fail:
	espfab_wipe(&sa, sizeof sa);
	espfab_wipe(ek, sizeof ek);
	espfab_wipe(ak, sizeof ak);
	row->failed = true;
}

/* ---- output -------------------------------------------------------------- */

static void cpu_model(char *buf, size_t len)
{
	snprintf(buf, len, "unknown CPU");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "model name", 10) || !strncmp(line, "Hardware", 8)) {
			char *v = strchr(line, ':');
			if (!v)
				continue;
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, "\n")] = 0;
			snprintf(buf, len, "%s", v);
			break;
		}
	}
	fclose(f);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v, const char *fmt)
{
	if (isnan(v))
		fputs("null", f);
	else
		fprintf(f, fmt, v);
}

static bool row_disturbed(const struct row *r)
{
	return r->share < QUIET_SHARE || (!isnan(r->bound_share) && r->bound_share < QUIET_SHARE);
}

static int write_json(const char *path, const char *engine, const struct row *rows, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "espfab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fputs("[", f);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (r->failed)
			continue;
		double pct = isnan(r->bound_gbps) ? NAN : 100.0 * r->gbps / r->bound_gbps;
		fprintf(f, "%s\n  {\"engine\":", first ? "" : ",");
		json_str(f, engine);
		fputs(",\"transform\":", f);
		json_str(f, r->x->ios);
		fprintf(f, ",\"key_bits\":%u,\"size\":%u,\"direction\":\"%s\",\"gbps\":", r->x->key_bits, r->size,
			r->decap ? "decap" : "encap");
		json_num(f, r->gbps, "%.4f");
		fputs(",\"pps\":", f);
		json_num(f, r->pps, "%.0f");
		fputs(",\"openssl_bound_gbps\":", f);
		json_num(f, r->bound_gbps, "%.4f");
		fputs(",\"pct_of_bound\":", f);
		json_num(f, pct, "%.1f");
		fprintf(f, ",\"packets\":%llu,\"seconds\":%.4f,\"cpu_share\":", (unsigned long long)r->packets,
			r->seconds);
		json_num(f, r->sim ? NAN : r->share, "%.3f");
		fputs(",\"bound_cpu_share\":", f);
		json_num(f, r->bound_share, "%.3f");
		fprintf(f, ",\"disturbed\":%s", row_disturbed(r) ? "true" : "false");
		/* fabric figures (engine sim); null on engines measured in wall time */
		fputs(",\"bytes_per_cycle\":", f);
		json_num(f, r->sim ? r->bpc : NAN, "%.4f");
		fputs(",\"board\":", f);
		if (r->board)
			json_str(f, r->board->name);
		else
			fputs("null", f);
		fputs(",\"projected_gbps\":", f);
		json_num(f, r->board ? r->proj.gbps : NAN, "%.4f");
		fputs(",\"limit\":", f);
		if (r->board)
			json_str(f, board_limit_name(r->proj.limit));
		else
			fputs("null", f);
		fputs(",\"config\":", f);
		if (r->sim)
			json_str(f, r->config);
		else
			fputs("null", f);
		if (r->sim) {
			fprintf(f, ",\"bytes_per_cycle_cold\":%.4f,\"cycles\":%llu", r->bpc_cold,
				(unsigned long long)r->cycles);
			if (r->board)
				fprintf(f,
					",\"engine_gbps\":%.4f,\"host_gbps\":%.4f,\"port_gbps\":%.4f,\"fabric_mhz\":%g,"
					"\"instances\":%u,\"config_matches_board\":%s",
					r->proj.engine_gbps, r->proj.host_gbps, r->proj.port_gbps, r->board->fabric_mhz,
					r->board->instances, r->config_matches ? "true" : "false");
		}
		fputs("}", f);
		first = false;
	}
	fputs(first ? "]\n" : "\n]\n", f);
	if (fclose(f)) {
		fprintf(stderr, "espfab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Engine sim rows: bytes per cycle, and the projection when there is a board. */
static void print_sim_row(const struct row *r)
{
	char tf[32], cfg[56];
	snprintf(tf, sizeof tf, "%s", r->x->ios);
	snprintf(cfg, sizeof cfg, "%.48s%s", r->config, r->board && !r->config_matches ? "*" : "");
	if (r->failed) {
		printf("%-11s %-7s %-25s %5u %-5s  FAILED: %s\n", cfg, r->board ? r->board->name : "-", tf, r->size,
		       r->decap ? "decap" : "encap", r->why);
	} else if (!r->board) {
		printf("%-11s %-7s %-25s %5u %-5s %7.3f %7.3f\n", cfg, "-", tf, r->size, r->decap ? "decap" : "encap",
		       r->bpc, r->bpc_cold);
	} else {
		printf("%-11s %-7s %-25s %5u %-5s %7.3f %7.3f %9.2f  %-9s %8.2f %8.2f %8.2f\n", cfg, r->board->name, tf,
		       r->size, r->decap ? "decap" : "encap", r->bpc, r->bpc_cold, r->proj.gbps,
		       board_limit_name(r->proj.limit), r->proj.engine_gbps, r->proj.host_gbps, r->proj.port_gbps);
	}
	fflush(stdout);
}

static void print_row(const char *engine, const struct row *r)
{
	if (r->sim || (r->failed && r->board)) {
		print_sim_row(r);
		return;
	}
	char tf[32], bound[16], pct[16], gbps[16];
	snprintf(tf, sizeof tf, "%s", r->x->ios);
	if (r->failed) {
		printf("%-6s %-25s %4u %5u %-5s  FAILED: %s\n", engine, tf, r->x->key_bits, r->size,
		       r->decap ? "decap" : "encap", r->why);
		fflush(stdout);
		return;
	}
	if (isnan(r->bound_gbps)) {
		snprintf(bound, sizeof bound, "n/a");
		snprintf(pct, sizeof pct, "n/a");
	} else {
		snprintf(bound, sizeof bound, "%.3f%s", r->bound_gbps, r->bound_share < QUIET_SHARE ? "*" : "");
		snprintf(pct, sizeof pct, "%.1f%s", 100.0 * r->gbps / r->bound_gbps, row_disturbed(r) ? "*" : "");
	}
	snprintf(gbps, sizeof gbps, "%.3f%s", r->gbps, r->share < QUIET_SHARE ? "*" : "");
	printf("%-6s %-25s %4u %5u %-5s %8s %9.1f %11s %7s\n", engine, tf, r->x->key_bits, r->size,
	       r->decap ? "decap" : "encap", gbps, r->pps / 1e3, bound, pct);
	fflush(stdout);
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: espfab-bench --engine NAME [options]\n"
		"\n"
		"ESP throughput of one libespfab engine on one core, beside the serial\n"
		"cipher + HMAC bound from `openssl speed` on this machine.  Gbps and\n"
		"packets/s count plaintext IPv4 packets of exactly SIZE bytes.\n"
		"\n"
		"  --engine NAME       engine to open (this build has:");
	for (const char *const *e = espfab_engines(); *e; e++)
		fprintf(f, " %s", *e);
	for (const char *const *e = espfab_engines_not_built(); *e; e++)
		fprintf(f, "; %s", *e);
	fprintf(f, ")\n"
		"  --json FILE         also write the rows as a JSON array to FILE\n"
		"  --sizes LIST        IPv4 packet sizes in bytes, comma-separated (64,512,1400)\n"
		"  --transforms LIST   comma-separated; each item one of\n"
		"                        des-md5 des-sha1 3des-md5 3des-sha1\n"
		"                        aes128-md5 aes128-sha1 aes256-md5 aes256-sha1,\n"
		"                      an IOS spelling (\"esp-aes 256 esp-sha-hmac\"), a cipher\n"
		"                      (des, 3des, aes128, aes256) or an HMAC (md5, sha1)\n"
		"                      for all its pairs; default: all eight\n"
		"  --direction D       encap (default), decap or both\n"
		"  --seconds S         measured wall time per row (default %.1f)\n"
		"  --warmup S          untimed warm-up per row (default S/6, at most 0.1)\n"
		"  --batch N           requests per espfab_submit (default %d)\n"
		"  --cpu N             pin to CPU N (default: the CPU we start on; -1: do not pin)\n"
		"  --no-openssl        skip the `openssl speed` bound columns\n"
		"  --params STR        engine parameters (espfab_open_opts.params), e.g. for sim\n"
		"                      \"config=pipelined,rd_latency=100\"\n"
		"\n"
		"Engine sim counts fabric cycles of the simulated device, not wall time:\n"
		"plaintext bytes per cycle with the ring kept full, over a window of\n"
		"completions after a warm-up of one ring (docs/benchmarks.md).\n"
		"  --board LIST        project bytes/cycle onto board profiles (repeatable,\n"
		"                      comma-separated; all = every profile in %s);\n"
		"                      each board's engine parameters pick the espfab-simd\n"
		"                      configuration (pipelined=1: pipelined, else iterative)\n"
		"                      unless --params names config=\n"
		"  --packets N         completions in the measured window (default %d)\n"
		"  -h, --help          this text\n",
		DEFAULT_SECONDS, DEFAULT_BATCH, board_profile_dir(), DEFAULT_SIM_PACKETS);
}

static int parse_sizes(const char *s, unsigned *sizes, size_t *n)
{
	char *copy = strdup(s), *save = NULL;
	*n = 0;
	if (!copy)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(t, &end, 10);
		/* Tunnel-mode ESP adds at most 20+8+16+17+12 = 73 bytes. */
		if (errno || *end || v < 20 || v > ESPFAB_MAX_FRAME - 80 || *n == MAX_SIZES) {
			fprintf(stderr, "espfab-bench: bad size '%s' (20..%d, at most %d sizes)\n", t,
				ESPFAB_MAX_FRAME - 80, MAX_SIZES);
			free(copy);
			return -1;
		}
		sizes[(*n)++] = (unsigned)v;
	}
	free(copy);
	return *n ? 0 : -1;
}

static void lower_trim(char *s)
{
	char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	memmove(s, p, strlen(p) + 1);
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static int parse_transforms(const char *s, bool *sel)
{
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -1;
	memset(sel, 0, N_XFORMS * sizeof *sel);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char want[64];
		lower_trim(t);
		/* aliases: "aes" is AES-128, "sha" is SHA-1 */
		if (!strcmp(t, "aes") || !strcmp(t, "aes-md5") || !strcmp(t, "aes-sha") || !strcmp(t, "aes-sha1"))
			snprintf(want, sizeof want, "aes128%s", t + 3);
		else
			snprintf(want, sizeof want, "%s", t);
		size_t wl = strlen(want);
		if (wl >= 3 && !strcmp(want + wl - 3, "sha") && wl + 1 < sizeof want)
			strcat(want, "1");
		bool hit = false;
		for (size_t i = 0; i < N_XFORMS; i++) {
			const struct xform *x = &xforms[i];
			if (!strcmp(want, x->name) || !strcmp(t, x->ios) || !strcmp(want, x->cname) ||
			    !strcmp(want, x->aname)) {
				sel[i] = true;
				hit = true;
			}
		}
		if (!hit) {
			fprintf(stderr, "espfab-bench: unknown transform '%s' (see --help)\n", t);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

/* ---- engine sim: boards and platform configurations ---------------------- */

/* The value of `key` in a "key=value,key=value" string; false if absent. */
static bool param_get(const char *s, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	for (const char *p = s; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(out, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Add the profiles named in `list` (comma-separated; "all": every profile
 * in board_profile_dir()), skipping ones already there. */
static int add_boards(const char *list, board_profile *boards, size_t *n)
{
	char names[MAX_BOARDS * 2][BOARD_NAME_MAX], err[BOARD_ERR_LEN];
	char *copy = strdup(list), *save = NULL;
	const char *dir = board_profile_dir();
	int rc = 0;

	if (!copy)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		int cnt = 1;
		lower_trim(t);
		if (!strcmp(t, "all")) {
			cnt = board_profile_list(dir, names, MAX_BOARDS * 2, err, sizeof err);
			if (cnt < 0) {
				fprintf(stderr, "espfab-bench: --board all: %s\n", err);
				rc = -1;
				break;
			}
			if (cnt == 0 || cnt > MAX_BOARDS * 2) {
				fprintf(stderr, "espfab-bench: --board all: %d profiles in %s\n", cnt, dir);
				rc = -1;
				break;
			}
		} else {
			snprintf(names[0], sizeof names[0], "%.*s", BOARD_NAME_MAX - 1, t);
		}
		for (int i = 0; i < cnt && !rc; i++) {
			bool have = false;
			for (size_t j = 0; j < *n; j++)
				have |= !strcmp(boards[j].name, names[i]);
			if (have)
				continue;
			if (*n == MAX_BOARDS) {
				fprintf(stderr, "espfab-bench: at most %d boards\n", MAX_BOARDS);
				rc = -1;
			} else if (board_profile_load(dir, names[i], &boards[*n], err, sizeof err)) {
				fprintf(stderr, "espfab-bench: --board %s: %s\n", names[i], err);
				rc = -1;
			} else {
				(*n)++;
			}
		}
	}
	free(copy);
	return rc;
}

/* Engine parameters of the espfab-simd configurations (scripts/build-simd.sh)
 * that decide throughput, to compare with a board's. */
static const struct sim_config {
	const char *name;
	bool pipelined;
	unsigned n_ctx, cipher_lanes, stream_bytes;
} sim_configs[] = {
	{ "iterative", false, 4, 1, 16 },
	{ "pipelined", true, 64, 2, 32 },
};

static bool config_matches(const char *config, const board_profile *p)
{
	/* board-NAME is built from NAME's profile (scripts/build-simd.sh) */
	if (!strncmp(config, "board-", 6))
		return !strcasecmp(config + 6, p->name);
	for (size_t i = 0; i < sizeof sim_configs / sizeof sim_configs[0]; i++) {
		const struct sim_config *c = &sim_configs[i];
		if (!strcmp(c->name, config))
			return c->pipelined == p->pipelined && c->n_ctx == p->n_ctx &&
			       c->cipher_lanes == p->cipher_lanes && c->stream_bytes == p->stream_bytes;
	}
	return false;
}

/* The configuration the sim engine will really run when asked for `asked`
 * ("": whatever params, ESPFAB_SIM or the engine's default say):
 * ESPFAB_SIMD, when set, names the binary whatever config= says. */
static void sim_config_name(const char *asked, const char *params, char *out, size_t len)
{
	const char *env = getenv("ESPFAB_SIMD");
	if (env && *env) {
		char real[4096];
		const char *path = realpath(env, real) ? real : env;
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		snprintf(out, len, "%.47s", strncmp(base, "espfab-simd-", 12) ? base : base + 12);
		return;
	}
	if (*asked)
		snprintf(out, len, "%s", asked);
	else if (!param_get(params, "config", out, len) && !param_get(getenv("ESPFAB_SIM"), "config", out, len))
		snprintf(out, len, "iterative");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "engine", required_argument, NULL, 'e' },  { "json", required_argument, NULL, 'j' },
		{ "sizes", required_argument, NULL, 's' },   { "transforms", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 'S' }, { "warmup", required_argument, NULL, 'W' },
		{ "direction", required_argument, NULL, 'd' }, { "batch", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },     { "no-openssl", no_argument, NULL, 'n' },
		{ "board", required_argument, NULL, 'B' },   { "params", required_argument, NULL, 'P' },
		{ "packets", required_argument, NULL, 'N' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static board_profile boards[MAX_BOARDS];
	size_t n_boards = 0;
	const char *params = NULL;
	long sim_packets = DEFAULT_SIM_PACKETS;
	const char *engine = NULL, *json = NULL;
	unsigned sizes[MAX_SIZES] = { 64, 512, 1400 };
	size_t n_sizes = 3;
	bool sel[N_XFORMS];
	bool do_encap = true, do_decap = false, no_openssl = false;
	double seconds = DEFAULT_SECONDS, warmup = -1, d;
	long cpu = -2, batch = DEFAULT_BATCH;
	int opt;

	for (size_t i = 0; i < N_XFORMS; i++)
		sel[i] = true;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'e':
			engine = optarg;
			break;
		case 'j':
			json = optarg;
			break;
		case 's':
			if (parse_sizes(optarg, sizes, &n_sizes))
				return 2;
			break;
		case 't':
			if (parse_transforms(optarg, sel))
				return 2;
			break;
		case 'S':
			if (parse_double(optarg, 0.001, 3600, &seconds)) {
				fprintf(stderr, "espfab-bench: --seconds wants a number in 0.001..3600\n");
				return 2;
			}
			break;
		case 'W':
			if (parse_double(optarg, 0, 60, &d)) {
				fprintf(stderr, "espfab-bench: --warmup wants a number in 0..60\n");
				return 2;
			}
			warmup = d;
			break;
		case 'd':
			if (!strcmp(optarg, "encap"))
				do_encap = true, do_decap = false;
			else if (!strcmp(optarg, "decap"))
				do_encap = false, do_decap = true;
			else if (!strcmp(optarg, "both"))
				do_encap = true, do_decap = true;
			else {
				fprintf(stderr, "espfab-bench: --direction is encap, decap or both\n");
				return 2;
			}
			break;
		case 'b':
			batch = strtol(optarg, &end, 10);
			if (*end || batch < 1 || batch > 1024) {
				fprintf(stderr, "espfab-bench: --batch wants 1..1024\n");
				return 2;
			}
			break;
		case 'c':
			cpu = strtol(optarg, &end, 10);
			if (*end || cpu < -1 || cpu >= CPU_SETSIZE) {
				fprintf(stderr, "espfab-bench: --cpu wants a CPU number or -1\n");
				return 2;
			}
			break;
		case 'n':
			no_openssl = true;
			break;
		case 'B':
			if (add_boards(optarg, boards, &n_boards))
				return 2;
			break;
		case 'P':
			params = optarg;
			break;
		case 'N':
			sim_packets = strtol(optarg, &end, 10);
			if (*end || sim_packets < 1 || sim_packets > 100000000) {
				fprintf(stderr, "espfab-bench: --packets wants 1..100000000\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !engine) {
		if (optind < argc)
			fprintf(stderr, "espfab-bench: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "espfab-bench: --engine is required\n");
		usage(stderr);
		return 2;
	}
	if (warmup < 0)
		warmup = fmin(seconds / 6, 0.1);
	bool sim = !strcmp(engine, "sim");
	if (n_boards && !sim) {
		fprintf(stderr, "espfab-bench: --board projects fabric cycles: it needs --engine sim\n");
		return 2;
	}

	/* One core: pin ourselves (and the openssl children, which inherit the
	 * mask) to a single CPU. */
	char pinned[48] = "not pinned";
	if (cpu == -2)
		cpu = sched_getcpu();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) == 0)
			snprintf(pinned, sizeof pinned, "pinned to CPU %ld", cpu);
		else
			snprintf(pinned, sizeof pinned, "not pinned (CPU %ld: %s)", cpu, strerror(errno));
	}

	struct ring r = { 0 };
	r.n = RING_MIN > 4 * (unsigned)batch ? RING_MIN : 4 * (unsigned)batch;
	r.n = (r.n + (unsigned)batch - 1) / (unsigned)batch * (unsigned)batch;

	struct bench b = { .engine = engine, .seconds = seconds, .warmup = warmup, .batch = (unsigned)batch,
			   .rng = 0x6573706661622d62ULL, .spi = 0x10000, .sim = sim, .sim_warm = r.n,
			   .sim_packets = (uint64_t)sim_packets };

	/* Groups of rows measured on one open device.  Engine sim with boards:
	 * one group per espfab-simd configuration the boards ask for (or the
	 * one --params names); otherwise a single group. */
	char explicit_cfg[48] = "", group_cfg[MAX_BOARDS][48];
	size_t n_groups = 1, board_group[MAX_BOARDS];
	group_cfg[0][0] = 0;
	if (sim && n_boards && !param_get(params, "config", explicit_cfg, sizeof explicit_cfg)) {
		n_groups = 0;
		for (size_t i = 0; i < n_boards; i++) {
			const char *want = boards[i].pipelined ? "pipelined" : "iterative";
			size_t g = 0;
			while (g < n_groups && strcmp(group_cfg[g], want))
				g++;
			if (g == n_groups)
				snprintf(group_cfg[n_groups++], sizeof group_cfg[0], "%s", want);
			board_group[i] = g;
		}
	} else {
		for (size_t i = 0; i < n_boards; i++)
			board_group[i] = 0;
	}

	r.in = malloc((size_t)r.n * ((ESPFAB_MAX_FRAME + 63) & ~63u));
	r.out = malloc((size_t)r.n * ESPFAB_MAX_FRAME);
	r.esp = malloc((size_t)r.n * ESPFAB_MAX_FRAME);
	r.ops = calloc(r.n, sizeof *r.ops);
	r.cpls = calloc(r.n, sizeof *r.cpls);
	r.lens = calloc(r.n, sizeof *r.lens);
	size_t n_rows = 0;
	for (size_t i = 0; i < N_XFORMS; i++)
		n_rows += sel[i] ? n_sizes * ((do_encap ? 1 : 0) + (do_decap ? 1 : 0)) : 0;
	n_rows *= n_boards ? n_boards : 1;
	struct row *rows = calloc(n_rows ? n_rows : 1, sizeof *rows);
	if (!r.in || !r.out || !r.esp || !r.ops || !r.cpls || !r.lens || !rows) {
		fprintf(stderr, "espfab-bench: out of memory\n");
		return 1;
	}
	memset(r.out, 0, (size_t)r.n * ESPFAB_MAX_FRAME); /* fault the pages in now */
	memset(r.esp, 0, (size_t)r.n * ESPFAB_MAX_FRAME);

	/* Open group 0 now so a refused open fails before any output. */
	char open_params[1024], config[48] = "";
	size_t g = 0;
#define OPEN_GROUP()                                                                                          \
	do {                                                                                                  \
		if (group_cfg[g][0])                                                                          \
			snprintf(open_params, sizeof open_params, "config=%.47s%s%.900s", group_cfg[g],             \
				 params && *params ? "," : "", params && *params ? params : "");              \
		else                                                                                          \
			snprintf(open_params, sizeof open_params, "%.1000s", params ? params : "");               \
		if (sim)                                                                                      \
			sim_config_name(group_cfg[g], params, config, sizeof config);                        \
		espfab_open_opts oo = { .sa_slots = 2, .queue_depth = r.n, .params = open_params };          \
		memset(b.slot_used, 0, sizeof b.slot_used);                                                   \
		if (espfab_open(engine, &oo, &b.dev)) {                                                       \
			fprintf(stderr, "espfab-bench: %s\n", espfab_open_error());                          \
			return 1;                                                                             \
		}                                                                                             \
	} while (0)
	OPEN_GROUP();

	struct ossl_cache oc = { 0 };
	char cpu_name[256], ossl_ver[128], date[64];
	cpu_model(cpu_name, sizeof cpu_name);
	if (sim) {
		oc.disabled = true;
		snprintf(oc.disabled_why, sizeof oc.disabled_why, "not measured for engine sim");
		snprintf(ossl_ver, sizeof ossl_ver, "not run (engine sim counts fabric cycles)");
	} else if (no_openssl) {
		oc.disabled = true;
		snprintf(oc.disabled_why, sizeof oc.disabled_why, "--no-openssl given");
		add_note(&oc, "openssl bound n/a: --no-openssl given");
		snprintf(ossl_ver, sizeof ossl_ver, "not run");
	} else {
		openssl_version(ossl_ver, sizeof ossl_ver);
	}
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));

	printf("# espfab-bench %s, engine %s, %s\n", date, engine, pinned);
	char load[64] = "?";
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (fgets(load, sizeof load, lf)) {
			/* keep the three averages */
			char *sp = load;
			for (int f = 0; f < 3 && sp; f++)
				sp = strchr(sp + 1, ' ');
			if (sp)
				*sp = 0;
			load[strcspn(load, "\n")] = 0;
		}
		fclose(lf);
	}
	printf("# CPU: %s (%ld online), load average %s\n", cpu_name, sysconf(_SC_NPROCESSORS_ONLN), load);
	if (sim) {
		printf("# fabric cycles of the simulated device (espfab-simd CONFIG%s%s), not wall time: the host\n"
		       "# is infinitely fast between register accesses; tunnel mode, %u-request ring kept full\n"
		       "# (batches of %u); window = %llu completions after %llu warm-up ones, both ends read at\n"
		       "# a poll that returned completions while requests were still being submitted\n",
		       params && *params ? ", --params " : "", params && *params ? params : "", r.n, b.batch,
		       (unsigned long long)b.sim_packets, (unsigned long long)b.sim_warm);
		printf("# B/cyc = plaintext IP bytes per fabric cycle in the window; cold = first doorbell to last\n"
		       "# completion; Gbps = min(engine, host link, port) of board_project (docs/boards.md), each\n"
		       "# in Gbps of plaintext; config* = the board's engine parameters differ from the config's\n");
		printf("%-11s %-7s %-25s %5s %-5s %7s %7s %9s  %-9s %8s %8s %8s\n", "config", "board", "transform",
		       "size", "dir", "B/cyc", "cold", "proj Gbps", "limit", "engine", "host", "port");
	} else {
		printf("# OpenSSL: %s\n", ossl_ver);
		printf("# tunnel mode, %u-packet ring, batches of %u, %.2f s per row after %.2f s warm-up;\n",
		       r.n, b.batch, seconds, warmup);
		printf("# Gbps and kpps count the plaintext IPv4 packet (SIZE bytes, header included);\n");
		printf("# bound = 1/(1/cipher + 1/hmac) from `openssl speed -elapsed` at SIZE bytes\n");
		printf("%-6s %-25s %4s %5s %-5s %8s %9s %11s %7s\n", "engine", "transform", "bits", "size", "dir",
		       "Gbps", "kpps", "bound Gbps", "% bound");
	}

	size_t k = 0;
	int failures = 0;
	for (g = 0; g < n_groups; g++) {
		if (g)
			OPEN_GROUP();
		for (size_t i = 0; i < N_XFORMS; i++) {
			if (!sel[i])
				continue;
			for (size_t s = 0; s < n_sizes; s++) {
				for (int dir = 0; dir < 2; dir++) {
					if ((dir == 0 && !do_encap) || (dir == 1 && !do_decap))
						continue;
					struct row m = { .x = &xforms[i], .size = sizes[s], .decap = dir == 1,
							 .bound_gbps = NAN, .bound_share = NAN };
					snprintf(m.config, sizeof m.config, "%s", config);
					if (!sim)
						m.bound_gbps = ossl_bound_gbps(&oc, m.x, m.decap, m.size, &m.bound_share);
					measure(&b, &r, &m);
					if (m.failed)
						failures++;
					if (!n_boards) {
						rows[k] = m;
						print_row(engine, &rows[k++]);
						continue;
					}
					unsigned blk = m.x->cipher == ESPFAB_CIPHER_AES ? 16 : 8;
					unsigned esp = board_esp_tunnel_bytes(m.size, blk, blk, ESPFAB_ICV_LEN);
					for (size_t bi = 0; bi < n_boards; bi++) {
						if (board_group[bi] != g)
							continue;
						struct row *row = &rows[k++];
						*row = m;
						row->board = &boards[bi];
						row->config_matches = config_matches(config, row->board);
						if (!m.failed &&
						    board_project(row->board, m.bpc, m.size, esp,
								  m.decap ? BOARD_DECAP : BOARD_ENCAP, &row->proj)) {
							row->failed = true;
							snprintf(row->why, sizeof row->why, "board_project refused %.4f B/cycle",
								 m.bpc);
							failures++;
						}
						if (!row->failed) {
							row->gbps = row->proj.gbps;
							row->pps = row->proj.gbps * 1e9 / 8 / m.size;
						}
						print_row(engine, row);
					}
				}
			}
		}
		espfab_close(b.dev);
		b.dev = NULL;
	}
#undef OPEN_GROUP
	if (sim && n_boards) {
		int mism = 0;
		for (size_t i = 0; i < k; i++)
			mism += !rows[i].config_matches;
		if (mism)
			printf("# note: * = %d row(s) measured on a configuration whose engine parameters (pipelined,\n"
			       "#       n_ctx, cipher_lanes, stream_bytes) differ from the board's profile\n",
			       mism);
	}
	int disturbed = 0;
	for (size_t i = 0; i < k; i++)
		disturbed += !rows[i].failed && row_disturbed(&rows[i]);
	if (disturbed)
		printf("# note: * = %d row(s) where the engine or openssl got under %.0f%% of its CPU even after\n"
		       "#       retries (other load on this core); treat those figures as unreliable\n",
		       disturbed, QUIET_SHARE * 100);
	for (size_t i = 0; i < oc.n_notes; i++)
		printf("# note: %s\n", oc.notes[i]);

	int rc = failures ? 1 : 0;
	if (json && write_json(json, engine, rows, n_rows))
		rc = 1;
	if (failures)
		fprintf(stderr, "espfab-bench: %d row(s) failed\n", failures);

	free(oc.e);
	free(rows);
	free(r.in);
	free(r.out);
	free(r.esp);
	free(r.ops);
	free(r.cpls);
	free(r.lens);
	return rc;
}
