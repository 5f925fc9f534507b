/*
 * espfabctl — talk to a running espfabd over its control socket.
 *
 *   espfabctl --socket PATH [--timeout SECONDS] COMMAND WORDS...
 *   espfabctl --socket PATH monitor
 *
 * The words are joined with blanks and sent as one IOS exec command
 * ("show crypto isakmp sa", abbreviations as in IOS: "sh cry isa sa").  The
 * daemon's answer is printed on stdout; an IOS error ("% Invalid input
 * detected at '^' marker." and the like) is printed on stderr.
 * `monitor` turns on `terminal monitor` for this session and prints every
 * log and debug line espfabd emits until interrupted (SIGINT/SIGTERM) or
 * until espfabd closes the connection.
 *
 * Exit status: 0 the command succeeded (or monitor ended); 1 espfabd
 * reported an error for the command; 2 usage error, cannot connect,
 * protocol error or timeout (default 30 s).
 *
 * The protocol is in host/ctl_proto.h.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "obuf.h"

#define PROG "espfabctl"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --socket PATH [--timeout SECONDS] COMMAND WORDS...\n"
		   "       " PROG " --socket PATH monitor\n"
		   "\n"
		   "Runs one IOS exec command in espfabd (e.g. show crypto isakmp sa, sh ver,\n"
		   "debug crypto isakmp, undebug all); `monitor` streams log and debug lines.\n"
		   "Exit status: 0 ok, 1 the command failed, 2 usage/connection error.\n");
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read frames until a response arrives.  timeout_ms < 0: no timeout.
 * Log frames are printed as they come.  Returns the response status
 * (0/1) with the text printed, or 2 after printing a reason; 3 when
 * interrupted by a signal; 4 when the daemon closed the connection. */
static int read_until_response(int fd, ctl_decoder *d, long long timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	for (;;) {
		ctl_frame f;
		int r;
		while ((r = ctl_decoder_next(d, &f)) == 1) {
			if (f.type == CTL_T_LOG) {
				fwrite(f.payload, 1, f.len, stdout);
				fputc('\n', stdout);
				fflush(stdout);
				continue;
			}
			/* CTL_T_RESP: status byte, then text */
			FILE *out = f.payload[0] == CTL_STATUS_OK ? stdout : stderr;
			fwrite(f.payload + 1, 1, f.len - 1, out);
			fflush(out);
			return f.payload[0] == CTL_STATUS_OK ? 0 : 1;
		}
		if (r < 0)
			return fail("protocol error from espfabd: %s", strerror(-r));
		if (interrupted)
			return 3;
		int wait = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			if (left <= 0)
				return fail("no answer from espfabd within %lld s", timeout_ms / 1000);
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int p = poll(&pfd, 1, wait);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll: %s", strerror(errno));
		}
		if (p == 0)
			continue;
		char buf[65536];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("reading from espfabd: %s", strerror(errno));
		}
		if (n == 0)
			return 4;
		if (ctl_decoder_feed(d, buf, (size_t)n) < 0)
			return fail("protocol error from espfabd: response too large");
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	long timeout_s = 30;
	int c;
	/* '+': stop at the first command word, so words are never options */
	while ((c = getopt_long(argc, argv, "+s:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 't': {
			char *end;
			errno = 0;
			timeout_s = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || timeout_s < 1 || timeout_s > 86400)
				return fail("--timeout: expected seconds 1..86400, got '%s'", optarg);
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path)
		return fail("--socket PATH is required (the path espfabd was started with)");
	if (optind >= argc)
		return fail("no command given (try: show version)");

	bool monitor = argc - optind == 1 && strcmp(argv[optind], "monitor") == 0;
	obuf line;
	obuf_init(&line, CTL_MAX_CMD);
	if (monitor) {
		obuf_puts(&line, "terminal monitor");
	} else {
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				obuf_puts(&line, " ");
			obuf_puts(&line, argv[i]);
		}
	}
	if (obuf_error(&line)) {
		obuf_free(&line);
		return fail("command longer than %u bytes", CTL_MAX_CMD);
	}

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1;
	if (strlen(path) >= sizeof sa.sun_path) {
		obuf_free(&line);
		return fail("socket path '%s' is too long", path);
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		obuf_free(&line);
		if (fd >= 0)
			close(fd);
		return fail("cannot connect to espfabd at %s: %s", path, strerror(e));
	}

	struct sigaction act;
	memset(&act, 0, sizeof act);
	act.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);

	obuf frame;
	obuf_init(&frame, 0);
	ctl_frame_append(&frame, CTL_T_CMD, line.p, line.len);
	int r = write_all(fd, frame.p, frame.len);
	obuf_free(&frame);
	obuf_free(&line);
	if (r < 0) {
		close(fd);
		return fail("sending to espfabd: %s", strerror(-r));
	}

	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_FRAME, "RL");
	int st = read_until_response(fd, &d, timeout_s * 1000);
	if (st == 4)
		st = fail("espfabd closed the connection without answering");
	else if (st == 3)
		st = fail("interrupted");
	if (monitor && st == 0) {
		st = read_until_response(fd, &d, -1); /* only log lines will come */
		if (st == 3) {
			st = 0;
		} else if (st == 4) {
			fprintf(stderr, PROG ": espfabd closed the connection\n");
			st = 0;
		} else if (st < 2) {
			st = fail("unexpected response while monitoring");
		}
	}
	ctl_decoder_free(&d);
	close(fd);
	return st;
}
