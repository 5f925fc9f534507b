/*
 * elog — espfabd's logging: IOS-style timestamps, syslog severities, IOS
 * debug categories switched at run time, several sinks.
 *
 * Line format (what `service timestamps debug datetime msec` and `service
 * timestamps log datetime msec` give on IOS):
 *
 *   *Nov 24 06:02:07.123: %ESPFABD-5-START: espfabd started, engine sw
 *   *Nov 24 06:02:07.130: ISAKMP (0:1): received packet from 10.0.0.2 ...
 *
 * The time is the real-time clock in UTC (IOS without `clock timezone`),
 * month day hh:mm:ss.mmm with the day space-padded as IOS prints it.  The
 * leading '*' is IOS's "time is not authoritative" mark: it is printed when
 * the kernel says the clock is not synchronised (adjtimex() reports
 * TIME_ERROR), and left out when NTP (or PTP, chrony ...) keeps it in sync.
 * System messages carry IOS's %FACILITY-SEVERITY-MNEMONIC tag; debug lines
 * carry only the text, as IOS debug output does.
 *
 * Severities are the syslog ones IOS uses (0 emergencies .. 7 debugging).
 * Messages above the threshold (elog_set_level, default 7) are dropped.
 * Debug lines are gated by their category alone (`debug crypto isakmp` ...)
 * and have severity 7.
 *
 * Sinks: stderr, a log file (opened in append mode, reopened on request),
 * syslog(3), and subscribers — callbacks that receive each finished line
 * (espfabd's control sessions in `terminal monitor`).  A subscriber must not
 * log (lines it would produce are dropped, not recursed into).
 *
 * KEYS ARE NEVER LOGGED.  This module deliberately has no hex-dump or
 * key-formatting helper; callers must never pass key material, pre-shared
 * keys, SKEYID* or nonces used as keys to any elog function.  Print SPIs,
 * cookies, connection ids and lengths instead.
 *
 * The state is process-wide (espfabd is one thread, decision 7).
 */
#ifndef ESPFAB_HOST_ELOG_H
#define ESPFAB_HOST_ELOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "obuf.h"

/* Syslog severities, as IOS names them. */
enum elog_sev {
	ELOG_EMERG = 0,   /* emergencies */
	ELOG_ALERT = 1,   /* alerts */
	ELOG_CRIT = 2,    /* critical */
	ELOG_ERR = 3,     /* errors */
	ELOG_WARNING = 4, /* warnings */
	ELOG_NOTICE = 5,  /* notifications */
	ELOG_INFO = 6,    /* informational */
	ELOG_DEBUG = 7,   /* debugging */
};

/* Debug categories.  The order is the order of `show debugging`; to add
 * one, add it here and to the table in elog.c. */
enum elog_dbg {
	ELOG_DBG_CRYPTO_ISAKMP = 0, /* debug crypto isakmp */
	ELOG_DBG_CRYPTO_ENGINE,     /* debug crypto engine */
	ELOG_DBG_CRYPTO_IPSEC,      /* debug crypto ipsec */
	ELOG_DBG_COUNT
};

/* A system message: "%FACILITY-SEV-MNEMONIC: text". */
void elog_msg(int sev, const char *facility, const char *mnemonic, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void elog_vmsg(int sev, const char *facility, const char *mnemonic, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* A debug line of one category; dropped unless the category is on.  Use
 * ELOG_DEBUG() to skip formatting the arguments when it is off. */
void elog_debug(int cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool elog_debug_on(int cat);
#define ELOG_DEBUG(cat, ...)                          \
	do {                                          \
		if (elog_debug_on(cat))               \
			elog_debug((cat), __VA_ARGS__); \
	} while (0)

/* Debug switches.  elog_debug_set returns -EINVAL for an unknown category. */
int elog_debug_set(int cat, bool on);
void elog_debug_all_off(void);
/* "Crypto ISAKMP" — what `debug`/`show debugging` call the category. */
const char *elog_debug_name(int cat);
/* `show debugging`: the categories that are on, under their IOS headings
 * ("Cryptographic Subsystem:"), nothing when all are off. */
void elog_show_debugging(obuf *out);

/* Threshold for system messages (sev <= level are emitted). */
void elog_set_level(int level);

/* Sinks. */
void elog_set_stderr(bool on);
/* Open (or with NULL close) the log file; 0 or -errno. */
int elog_set_file(const char *path);
/* Reopen the log file (after rotation); 0 or -errno; 0 if none is set. */
int elog_reopen(void);
void elog_set_syslog(bool on, const char *ident);

typedef void (*elog_sub_fn)(const char *line, size_t len, void *arg);
/* Returns a subscription id (> 0) or -ENOSPC/-EINVAL. The line passed to
 * fn has no trailing newline. */
int elog_subscribe(elog_sub_fn fn, void *arg);
void elog_unsubscribe(int id);

/* Timestamp "*Nov 24 06:02:07.123: " for the given time; `synced` drops
 * the '*'.  Returns the length written (buf of at least 32 bytes). */
size_t elog_format_time(char *buf, size_t len, const struct timespec *rt, bool synced);
/* Whether the real-time clock counts as synchronised (the '*' rule);
 * checked at most every 10 s. */
bool elog_clock_synced(void);
/* Replace the clock (tests): now(arg) fills *rt and returns whether the
 * clock counts as synchronised.  NULL restores the real clock. */
void elog_set_clock(bool (*now)(struct timespec *rt, void *arg), void *arg);

/* Close the file and syslog, drop subscribers, turn debugs off, restore
 * defaults (stderr on, level 7). */
void elog_reset(void);

#endif /* ESPFAB_HOST_ELOG_H */
