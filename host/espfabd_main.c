/*
 * espfabd — the espfab control-plane daemon (issue 6; docs/espfabd.md).
 *
 *   espfabd --config FILE --engine sw|model --socket PATH
 *           [--ifmap IOSNAME=LINUXIF ...] [--tun NAME] [--log FILE]
 *           [--foreground] [--no-apply]
 *
 * One thread, one event loop (DESIGN.md decision 7).  Start-up, in order:
 * options; --log; --ifmap interfaces resolved; --config loaded; (unless
 * --foreground) fork into the background; the ESP engine opened through
 * libespfab; signals; the command table and the control socket; the TUN
 * device and the packet sockets; the configuration applied to Linux.  Any
 * failure before the loop runs prints one line on stderr and exits 1; the
 * background parent exits only once the child is serving (0) or has failed
 * (1), so the socket is usable when espfabd returns.
 *
 * The configuration is parsed by host/ios_config (errors: FILE:LINE lines on
 * stderr, exit 1) and applied as described in host/espfabd_config.c.
 *
 * SIGTERM and SIGINT stop the loop; everything is closed, the control
 * socket removed, the TUN device disappears, the engine wipes its keys,
 * exit 0.  SIGHUP reopens the --log file; configuration reload is reserved
 * for later and not done.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto_show.h"
#include "datapath.h"
#include "elog.h"
#include "espfabd.h"
#include "sadb.h"

#define PROG "espfabd"

static int stop_signal;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	size_t n = strlen(cwd) + 1 + strlen(path) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", cwd, path);
	return p;
}

static void on_stop(evloop *l, int signo, void *arg)
{
	(void)arg;
	stop_signal = signo;
	evloop_stop(l);
}

static void on_hup(evloop *l, int signo, void *arg)
{
	(void)l;
	(void)signo;
	(void)arg;
	int r = elog_reopen();
	if (r < 0)
		elog_msg(ELOG_ERR, "ESPFABD", "LOGFILE", "reopening the log file: %s", strerror(-r));
	elog_msg(ELOG_NOTICE, "ESPFABD", "SIGHUP",
		 "SIGHUP: log file reopened; configuration reload is reserved and not implemented");
}

/* Fork; the parent waits for the child's verdict on a pipe and exits with
 * it.  Returns the write end (child) or -1. */
static int background(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail("pipe: %s", strerror(errno)), -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno)), -1;
	if (pid > 0) {
		close(p[1]);
		char c;
		ssize_t n;
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1 && c == '0')
			_exit(0);
		int st;
		waitpid(pid, &st, 0); /* it has printed why */
		_exit(1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

static void detach(int ready_fd, bool have_log)
{
	if (chdir("/") < 0) {
		/* not fatal */
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	elog_set_stderr(false);
	if (!have_log)
		elog_set_syslog(true, PROG);
	ssize_t w = write(ready_fd, "0", 1);
	(void)w;
	close(ready_fd);
}

int main(int argc, char **argv)
{
	espfabd d;
	memset(&d, 0, sizeof d);
	char err[512];
	if (espfabd_parse_args(argc, argv, &d.opt, err, sizeof err)) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	if (d.opt.help) {
		espfabd_usage(stdout);
		return 0;
	}
	if (d.opt.version) {
		printf(PROG " %s (espfab)\n", ESPFABD_VERSION);
		return 0;
	}
	d.start_ms = evloop_monotonic_ms();
	snprintf(d.hostname, sizeof d.hostname, "Router"); /* IOS's default until a configuration names it */
	signal(SIGPIPE, SIG_IGN);

	int rc = 1, r;
	crypto_show *cshow = NULL; /* show crypto map / session */
	d.socket_path = absolute(d.opt.socket);
	d.log_path = d.opt.log ? absolute(d.opt.log) : NULL;
	if (!d.socket_path || (d.opt.log && !d.log_path)) {
		fail("out of memory or no current directory");
		goto out;
	}
	elog_set_stderr(true);
	if (d.log_path && (r = elog_set_file(d.log_path)) < 0) {
		fail("--log %s: %s", d.opt.log, strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < d.opt.n_ifmap; i++) {
		struct espfabd_ifmap *m = &d.opt.ifmap[i];
		m->ifindex = netio_link_index(m->linux_if);
		if (m->ifindex < 0) {
			fail("--ifmap %s=%s: no Linux interface '%s'", m->ios, m->linux_if, m->linux_if);
			goto out;
		}
	}
	if (espfabd_config_load(&d, err, sizeof err)) {
		fail("%s", err);
		goto out;
	}

	int ready_fd = -1;
	if (!d.opt.foreground && (ready_fd = background()) < 0)
		goto out;

	if ((r = espfab_open(d.opt.engine, NULL, &d.dev)) < 0) {
		fail("engine '%s': %s", d.opt.engine, espfab_open_error());
		goto out;
	}
	if ((r = evloop_new(&d.loop)) < 0) {
		fail("event loop: %s", strerror(-r));
		goto out;
	}
	if ((r = evloop_signal_add(d.loop, SIGTERM, on_stop, &d)) < 0 ||
	    (r = evloop_signal_add(d.loop, SIGINT, on_stop, &d)) < 0 ||
	    (r = evloop_signal_add(d.loop, SIGHUP, on_hup, &d)) < 0) {
		fail("signals: %s", strerror(-r));
		goto out;
	}
	if ((r = cli_new(&d.cli)) < 0 || (r = espfabd_cmds_register(&d)) < 0) {
		fail("command table: %s", strerror(-r));
		goto out;
	}
	if (ctl_server_open(d.loop, d.cli, d.socket_path, &d.ctl, err, sizeof err) < 0) {
		fail("%s", err);
		goto out;
	}
	if (espfabd_io_open(&d.io, d.loop, d.opt.tun, NETIO_IKE_PORT, NETIO_NATT_PORT, err, sizeof err) < 0) {
		fail("%s", err);
		goto out;
	}
	if (espfabd_config_apply(&d, err, sizeof err) < 0) {
		fail("%s", err);
		goto out;
	}
	if ((r = sadb_new(d.loop, d.dev, &d.io, d.cfg, &d.sadb)) < 0 ||
	    (r = sadb_cmds_register(d.sadb, d.cli, d.opt.test_hooks)) < 0) {
		fail("SA database: %s", strerror(-r));
		goto out;
	}
	if (datapath_start(d.sadb, d.opt.ifmap, d.opt.n_ifmap, !d.opt.no_apply, err, sizeof err) < 0) {
		fail("%s", err);
		goto out;
	}
	if ((r = espfabd_ike_start(&d)) < 0) {
		fail("IKE: %s", strerror(-r));
		goto out;
	}
	if ((r = crypto_show_register(d.cli, d.cfg, d.sadb, d.ike, &cshow)) < 0) {
		fail("command table: %s", strerror(-r));
		goto out;
	}
	if (ready_fd >= 0)
		detach(ready_fd, d.log_path != NULL);

	elog_msg(ELOG_NOTICE, "ESPFABD", "START", "espfabd %s started: engine %s, TUN %s, control socket %s",
		 ESPFABD_VERSION, espfab_engine_name(d.dev), d.io.tun_name, d.socket_path);
	r = evloop_run(d.loop);
	if (r < 0) {
		elog_msg(ELOG_ERR, "ESPFABD", "LOOP", "event loop failed: %s", strerror(-r));
	} else {
		elog_msg(ELOG_NOTICE, "ESPFABD", "STOP", "espfabd stopping on %s", strsignal(stop_signal));
		rc = 0;
	}
out:
	espfabd_ike_stop(&d);    /* wipes every IKE key */
	sadb_free(d.sadb); /* removes the policy rules, wipes every SA key */
	espfabd_io_close(&d.io);
	ctl_server_close(d.ctl); /* removes the socket file */
	cli_free(d.cli);
	crypto_show_free(cshow);
	espfab_close(d.dev);     /* wipes every key the engine holds */
	evloop_free(d.loop);
	espfabd_config_free(&d); /* wipes the pre-shared keys */
	elog_reset();
	free(d.socket_path);
	free(d.log_path);
	return rc;
}
