/* espfabd built-in commands: show version, show debugging, show clock,
 * debug / no debug / undebug; with --test-hooks the benchmark's
 * `test crypto initiate all` (scripts/bench-ike.sh).  The `show crypto …` and `clear crypto …`
 * commands belong to the modules that own the data; they register them
 * with cli_register(d->cli, …) the same way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "elog.h"
#include "espfabd.h"
#include "ike.h"

size_t espfabd_uptime_text(uint64_t s, char *buf, size_t len)
{
	static const struct {
		const char *name;
		uint64_t sec;
	} unit[] = { { "year", 365 * 86400ull }, { "week", 7 * 86400ull }, { "day", 86400 }, { "hour", 3600 },
		     { "minute", 60 } };
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof unit / sizeof unit[0]; i++) {
		uint64_t v = s / unit[i].sec;
		s %= unit[i].sec;
		bool last = i + 1 == sizeof unit / sizeof unit[0];
		if (!v && !last)
			continue;
		int n = snprintf(buf + o, len - o, "%s%llu %s%s", o ? ", " : "", (unsigned long long)v, unit[i].name,
				 v == 1 ? "" : "s");
		if (n < 0 || (size_t)n >= len - o)
			return strlen(buf);
		o += (size_t)n;
	}
	return o;
}

static int cmd_show_version(const cli_call *c, obuf *out)
{
	espfabd *d = c->arg;
	char up[128];
	uint64_t now = evloop_monotonic_ms();
	espfabd_uptime_text((now - d->start_ms) / 1000, up, sizeof up);
	obuf_printf(out, "espfab Software (espfabd), Version %s\n", ESPFABD_VERSION);
	obuf_printf(out, "Engine: %s, %u SA slots\n", espfab_engine_name(d->dev), espfab_sa_slots(d->dev));
	obuf_printf(out, "%s uptime is %s\n", d->hostname, up);
	obuf_printf(out, "espfabd process %ld, control socket %s, %zu session%s\n", (long)getpid(), d->socket_path,
		    ctl_server_sessions(d->ctl), ctl_server_sessions(d->ctl) == 1 ? "" : "s");
	obuf_printf(out, "Configuration: %s\n", d->config_state);
	if (d->opt.n_ifmap) {
		obuf_puts(out, "Interface map:");
		for (size_t i = 0; i < d->opt.n_ifmap; i++)
			obuf_printf(out, "%s %s=%s", i ? "," : "", d->opt.ifmap[i].ios, d->opt.ifmap[i].linux_if);
		obuf_printf(out, "%s\n", d->opt.no_apply ? " (--no-apply: addresses and routes left alone)" : "");
	}
	espfabd_io_show(&d->io, out);
	return 0;
}

static int cmd_show_debugging(const cli_call *c, obuf *out)
{
	(void)c;
	elog_show_debugging(out);
	return 0;
}

static int cmd_show_clock(const cli_call *c, obuf *out)
{
	(void)c;
	/* IOS: "*06:02:07.123 UTC Tue Nov 24 2026", '*' as in log lines */
	static const char *const wd[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	obuf_printf(out, "%s%02d:%02d:%02d.%03ld UTC %s %s %d %d\n", elog_clock_synced() ? "" : "*", tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, wd[tm.tm_wday % 7], mon[tm.tm_mon % 12], tm.tm_mday,
		    tm.tm_year + 1900);
	return 0;
}

/* Categories by their `debug crypto …` keyword. */
static const struct {
	const char *kw;
	int cat;
} crypto_dbg[] = {
	{ "isakmp", ELOG_DBG_CRYPTO_ISAKMP },
	{ "ipsec", ELOG_DBG_CRYPTO_IPSEC },
	{ "engine", ELOG_DBG_CRYPTO_ENGINE },
};

static int cmd_debug(const cli_call *c, obuf *out)
{
	/* "debug crypto X", "no debug crypto X", "undebug crypto X" */
	bool on = strcmp(c->argv[0], "debug") == 0;
	const char *kw = c->argv[c->argc - 1];
	for (size_t i = 0; i < sizeof crypto_dbg / sizeof crypto_dbg[0]; i++) {
		if (strcmp(kw, crypto_dbg[i].kw) == 0) {
			elog_debug_set(crypto_dbg[i].cat, on);
			obuf_printf(out, "%s debugging is %s\n", elog_debug_name(crypto_dbg[i].cat), on ? "on" : "off");
			return 0;
		}
	}
	obuf_printf(out, "%% Unknown debug category '%s'\n", kw);
	return -1;
}

static int cmd_undebug_all(const cli_call *c, obuf *out)
{
	(void)c;
	elog_debug_all_off();
	obuf_puts(out, "All possible debugging has been turned off\n");
	return 0;
}

/* TEST ONLY (--test-hooks): `test crypto initiate MAP SEQ` for every static
 * entry with a peer of every crypto map attached to an interface, in one
 * command, so the IKE benchmark (scripts/bench-ike.sh, docs/benchmarks.md)
 * starts N negotiations at once instead of spawning N espfabctl. */
static int cmd_test_initiate_all(const cli_call *c, obuf *out)
{
	espfabd *d = c->arg;
	if (!d->ike || !d->cfg) {
		obuf_puts(out, "% IKE is not running\n");
		return -1;
	}
	unsigned started = 0, failed = 0;
	for (size_t i = 0; i < d->cfg->n_ifaces; i++) {
		const ios_crypto_map *m = d->cfg->ifaces[i].crypto_map;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = d->cfg->ifaces[j].crypto_map == m;
		for (size_t e = 0; m && !seen && e < m->n_entries; e++) {
			if (m->entries[e].dynamic_ref || !m->entries[e].n_peers)
				continue;
			if (ike_initiate_entry(d->ike, m->name, m->entries[e].seq) < 0)
				failed++;
			else
				started++;
		}
	}
	obuf_printf(out, "Negotiation started for %u crypto map entries", started);
	if (failed)
		obuf_printf(out, " (%u refused)", failed);
	obuf_puts(out, "\n");
	return failed && !started ? -1 : 0;
}

int espfabd_cmds_register(espfabd *d)
{
	static const char *const prefixes[] = { "debug crypto ", "no debug crypto ", "undebug crypto " };
	int r = 0;
	r = r ? r : cli_register(d->cli, "show version", cmd_show_version, d);
	r = r ? r : cli_register(d->cli, "show debugging", cmd_show_debugging, d);
	r = r ? r : cli_register(d->cli, "show clock", cmd_show_clock, d);
	r = r ? r : cli_register(d->cli, "undebug all", cmd_undebug_all, d);
	r = r ? r : cli_register(d->cli, "no debug all", cmd_undebug_all, d);
	if (d->opt.test_hooks)
		r = r ? r : cli_register(d->cli, "test crypto initiate all", cmd_test_initiate_all, d);
	for (size_t p = 0; p < 3 && !r; p++) {
		for (size_t i = 0; i < sizeof crypto_dbg / sizeof crypto_dbg[0] && !r; i++) {
			char syn[64];
			snprintf(syn, sizeof syn, "%s%s", prefixes[p], crypto_dbg[i].kw);
			r = cli_register(d->cli, syn, cmd_debug, d);
		}
	}
	return r;
}
