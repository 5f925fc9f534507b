/* elog — IOS-style logging and debug categories; see elog.h. */
#include "elog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <syslog.h>
#include <unistd.h>

#define ELOG_LINE_MAX 1024
#define MAX_SUBS 32
#define SYNC_RECHECK_MS 10000

static const struct {
	const char *heading; /* `show debugging` group */
	const char *name;    /* "Crypto ISAKMP" */
} dbg_table[ELOG_DBG_COUNT] = {
	[ELOG_DBG_CRYPTO_ISAKMP] = { "Cryptographic Subsystem:", "Crypto ISAKMP" },
	[ELOG_DBG_CRYPTO_ENGINE] = { "Cryptographic Subsystem:", "Crypto Engine" },
	[ELOG_DBG_CRYPTO_IPSEC] = { "Cryptographic Subsystem:", "Crypto IPSEC" },
};

static struct {
	bool dbg[ELOG_DBG_COUNT];
	int level;
	bool to_stderr;
	FILE *file;
	char *file_path;
	bool to_syslog;
	struct {
		elog_sub_fn fn;
		void *arg;
		int id;
	} subs[MAX_SUBS];
	int next_sub_id;
	bool emitting;
	bool (*now)(struct timespec *, void *);
	void *now_arg;
	bool synced;
	uint64_t synced_checked_ms;
	bool synced_valid;
} st = { .level = ELOG_DEBUG, .to_stderr = true, .next_sub_id = 1 };

/* ---- time ---- */

size_t elog_format_time(char *buf, size_t len, const struct timespec *rt, bool synced)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t t = rt->tv_sec;
	gmtime_r(&t, &tm);
	int n = snprintf(buf, len, "%s%s %2d %02d:%02d:%02d.%03ld: ", synced ? "" : "*", mon[tm.tm_mon % 12],
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rt->tv_nsec / 1000000L);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

bool elog_clock_synced(void)
{
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	uint64_t ms = (uint64_t)mono.tv_sec * 1000u + (uint64_t)mono.tv_nsec / 1000000u;
	if (!st.synced_valid || ms - st.synced_checked_ms >= SYNC_RECHECK_MS) {
		struct timex tx;
		memset(&tx, 0, sizeof tx);
		int r = adjtimex(&tx);
		st.synced = r >= 0 && r != TIME_ERROR;
		st.synced_checked_ms = ms;
		st.synced_valid = true;
	}
	return st.synced;
}

static bool real_clock(struct timespec *rt, void *arg)
{
	(void)arg;
	clock_gettime(CLOCK_REALTIME, rt);
	return elog_clock_synced();
}

void elog_set_clock(bool (*now)(struct timespec *rt, void *arg), void *arg)
{
	st.now = now;
	st.now_arg = arg;
}

/* ---- sinks ---- */

static void emit(int sev, char *line, size_t len, size_t text_off)
{
	if (st.emitting)
		return; /* a sink or subscriber tried to log: drop, do not recurse */
	st.emitting = true;
	if (st.to_stderr) {
		line[len] = '\n';
		ssize_t w = write(STDERR_FILENO, line, len + 1);
		(void)w;
		line[len] = '\0';
	}
	if (st.file) {
		fwrite(line, 1, len, st.file);
		fputc('\n', st.file);
		fflush(st.file);
	}
	if (st.to_syslog)
		syslog(LOG_DAEMON | (sev & 7), "%s", line + text_off);
	for (int i = 0; i < MAX_SUBS; i++)
		if (st.subs[i].fn)
			st.subs[i].fn(line, len, st.subs[i].arg);
	st.emitting = false;
}

/* Build "<time><prefix><text>" and emit it. */
static void vlog(int sev, const char *prefix, const char *fmt, va_list ap)
{
	char line[ELOG_LINE_MAX + 2]; /* room for '\n' and NUL */
	struct timespec rt;
	bool synced = st.now ? st.now(&rt, st.now_arg) : real_clock(&rt, NULL);
	size_t n = elog_format_time(line, ELOG_LINE_MAX, &rt, synced);
	size_t text_off = n;
	if (prefix) {
		int k = snprintf(line + n, ELOG_LINE_MAX - n, "%s", prefix);
		if (k > 0)
			n += (size_t)k < ELOG_LINE_MAX - n ? (size_t)k : ELOG_LINE_MAX - n - 1;
	}
	int k = vsnprintf(line + n, ELOG_LINE_MAX - n, fmt, ap);
	if (k < 0)
		k = 0;
	if ((size_t)k >= ELOG_LINE_MAX - n) {
		n = ELOG_LINE_MAX - 1;
		memcpy(line + n - 3, "...", 3); /* truncated */
	} else {
		n += (size_t)k;
	}
	/* one message, one line: a stray newline would forge a log line */
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	emit(sev, line, n, text_off);
}

void elog_vmsg(int sev, const char *facility, const char *mnemonic, const char *fmt, va_list ap)
{
	if (sev < 0)
		sev = 0;
	if (sev > ELOG_DEBUG)
		sev = ELOG_DEBUG;
	if (sev > st.level)
		return;
	char prefix[96];
	snprintf(prefix, sizeof prefix, "%%%s-%d-%s: ", facility, sev, mnemonic);
	vlog(sev, prefix, fmt, ap);
}

void elog_msg(int sev, const char *facility, const char *mnemonic, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	elog_vmsg(sev, facility, mnemonic, fmt, ap);
	va_end(ap);
}

bool elog_debug_on(int cat)
{
	return cat >= 0 && cat < ELOG_DBG_COUNT && st.dbg[cat];
}

void elog_debug(int cat, const char *fmt, ...)
{
	if (!elog_debug_on(cat))
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(ELOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

int elog_debug_set(int cat, bool on)
{
	if (cat < 0 || cat >= ELOG_DBG_COUNT)
		return -EINVAL;
	st.dbg[cat] = on;
	return 0;
}

void elog_debug_all_off(void)
{
	memset(st.dbg, 0, sizeof st.dbg);
}

const char *elog_debug_name(int cat)
{
	return cat >= 0 && cat < ELOG_DBG_COUNT ? dbg_table[cat].name : "?";
}

void elog_show_debugging(obuf *out)
{
	const char *heading = NULL;
	for (int c = 0; c < ELOG_DBG_COUNT; c++) {
		if (!st.dbg[c])
			continue;
		if (!heading || strcmp(heading, dbg_table[c].heading) != 0) {
			heading = dbg_table[c].heading;
			obuf_printf(out, "%s\n", heading);
		}
		obuf_printf(out, "  %s debugging is on\n", dbg_table[c].name);
	}
}

void elog_set_level(int level)
{
	st.level = level < 0 ? 0 : level > ELOG_DEBUG ? ELOG_DEBUG : level;
}

void elog_set_stderr(bool on)
{
	st.to_stderr = on;
}

static int open_file(void)
{
	FILE *f = fopen(st.file_path, "ae");
	if (!f)
		return -errno;
	if (st.file)
		fclose(st.file);
	st.file = f;
	return 0;
}

int elog_set_file(const char *path)
{
	if (st.file) {
		fclose(st.file);
		st.file = NULL;
	}
	free(st.file_path);
	st.file_path = NULL;
	if (!path)
		return 0;
	st.file_path = strdup(path);
	if (!st.file_path)
		return -ENOMEM;
	return open_file();
}

int elog_reopen(void)
{
	return st.file_path ? open_file() : 0;
}

void elog_set_syslog(bool on, const char *ident)
{
	if (on && !st.to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && st.to_syslog)
		closelog();
	st.to_syslog = on;
}

int elog_subscribe(elog_sub_fn fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	for (int i = 0; i < MAX_SUBS; i++) {
		if (!st.subs[i].fn) {
			st.subs[i].fn = fn;
			st.subs[i].arg = arg;
			st.subs[i].id = st.next_sub_id++;
			if (st.next_sub_id <= 0)
				st.next_sub_id = 1;
			return st.subs[i].id;
		}
	}
	return -ENOSPC;
}

void elog_unsubscribe(int id)
{
	for (int i = 0; i < MAX_SUBS; i++)
		if (st.subs[i].fn && st.subs[i].id == id)
			memset(&st.subs[i], 0, sizeof st.subs[i]);
}

void elog_reset(void)
{
	elog_set_file(NULL);
	elog_set_syslog(false, NULL);
	memset(st.subs, 0, sizeof st.subs);
	elog_debug_all_off();
	st.level = ELOG_DEBUG;
	st.to_stderr = true;
	st.now = NULL;
	st.now_arg = NULL;
	st.synced_valid = false;
}
