/* host/ctl_server.{c,h} with a client in the same process: commands and
 * responses, IOS errors as error responses, pipelining, terminal monitor on
 * and off, a protocol violation closing the session, stale/live/foreign
 * socket files, the socket's mode and removal, the session limit, and a
 * monitor session too slow to read (lines dropped and counted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "ctl_proto.h"
#include "ctl_server.h"
#include "elog.h"
#include "evloop.h"

struct fx {
	evloop *loop;
	cli *table;
	ctl_server *srv;
	char dir[64];
	char path[128];
};

static int h_echo(const cli_call *c, obuf *out)
{
	for (int i = 0; i < c->argc; i++)
		obuf_printf(out, "%s%s", i ? " " : "", c->argv[i]);
	obuf_puts(out, "\n");
	return 0;
}

static int h_log(const cli_call *c, obuf *out)
{
	(void)c;
	elog_msg(ELOG_NOTICE, "TEST", "LOG", "logged by a command");
	obuf_puts(out, "done\n");
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	elog_reset();
	elog_set_stderr(false);
	assert_int_equal(evloop_new(&f->loop), 0);
	assert_int_equal(cli_new(&f->table), 0);
	assert_int_equal(cli_register(f->table, "show version", h_echo, NULL), 0);
	assert_int_equal(cli_register(f->table, "show clock", h_echo, NULL), 0);
	assert_int_equal(cli_register(f->table, "show crypto map", h_echo, NULL), 0);
	assert_int_equal(cli_register(f->table, "debug log", h_log, NULL), 0);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_ctl_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/ctl.sock", f->dir);
	char err[256];
	assert_int_equal(ctl_server_open(f->loop, f->table, f->path, &f->srv, err, sizeof err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ctl_server_close(f->srv);
	cli_free(f->table);
	evloop_free(f->loop);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	elog_reset();
	return 0;
}

static int client(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static void send_cmd(int fd, const char *cmd)
{
	obuf o;
	obuf_init(&o, 0);
	ctl_frame_append(&o, CTL_T_CMD, cmd, strlen(cmd));
	assert_int_equal(send(fd, o.p, o.len, 0), (ssize_t)o.len);
	obuf_free(&o);
}

/* Run the loop and read until `want` frames of type t arrive (other types
 * are counted in *other).  Returns what arrived; text of the last in buf. */
static int pump(struct fx *f, int fd, ctl_decoder *d, char t, int want, char *buf, size_t cap, int *status,
		int *other, int max_iter)
{
	int got = 0;
	for (int it = 0; it < max_iter && got < want; it++) {
		evloop_run_once(f->loop, 5);
		uint8_t b[65536];
		ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
		if (n == 0)
			return -1; /* closed */
		if (n > 0)
			assert_int_equal(ctl_decoder_feed(d, b, (size_t)n), 0);
		ctl_frame fr;
		while (got < want && ctl_decoder_next(d, &fr) == 1) {
			if (fr.type != t) {
				if (other)
					(*other)++;
				continue;
			}
			got++;
			if (t == CTL_T_RESP) {
				*status = fr.payload[0];
				snprintf(buf, cap, "%.*s", (int)fr.len - 1, (const char *)fr.payload + 1);
			} else if (buf) {
				snprintf(buf, cap, "%.*s", (int)fr.len, (const char *)fr.payload);
			}
		}
	}
	return got;
}

static void roundtrip(struct fx *f, int fd, ctl_decoder *d, const char *cmd, int want_status, const char *want)
{
	send_cmd(fd, cmd);
	char text[4096];
	int status = -1;
	assert_int_equal(pump(f, fd, d, CTL_T_RESP, 1, text, sizeof text, &status, NULL, 400), 1);
	if (status != want_status || strcmp(text, want) != 0)
		fail_msg("\"%s\": status %d \"%s\", expected %d \"%s\"", cmd, status, text, want_status, want);
}

static void test_commands(void **state)
{
	struct fx *f = *state;
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	int fd = client(f->path);
	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_FRAME, "RL");
	roundtrip(f, fd, &d, "sh ver", CTL_STATUS_OK, "show version\n");
	roundtrip(f, fd, &d, "sh c", CTL_STATUS_ERROR, "% Ambiguous command:  \"sh c\"\n");
	roundtrip(f, fd, &d, "sh x", CTL_STATUS_ERROR, "sh x\n   ^\n% Invalid input detected at '^' marker.\n");
	roundtrip(f, fd, &d, "", CTL_STATUS_OK, "");
	assert_int_equal(ctl_server_sessions(f->srv), 1);
	/* three pipelined commands: three responses in order */
	obuf o;
	obuf_init(&o, 0);
	ctl_frame_append(&o, CTL_T_CMD, "show clock", 10);
	ctl_frame_append(&o, CTL_T_CMD, "show", 4);
	ctl_frame_append(&o, CTL_T_CMD, "show version", 12);
	assert_int_equal(send(fd, o.p, o.len, 0), (ssize_t)o.len);
	obuf_free(&o);
	char text[256];
	int status;
	assert_int_equal(pump(f, fd, &d, CTL_T_RESP, 1, text, sizeof text, &status, NULL, 400), 1);
	assert_string_equal(text, "show clock\n");
	assert_int_equal(pump(f, fd, &d, CTL_T_RESP, 1, text, sizeof text, &status, NULL, 400), 1);
	assert_string_equal(text, "% Incomplete command.\n");
	assert_int_equal(status, CTL_STATUS_ERROR);
	assert_int_equal(pump(f, fd, &d, CTL_T_RESP, 1, text, sizeof text, &status, NULL, 400), 1);
	assert_string_equal(text, "show version\n");
	/* a NUL byte in a command is refused, the session lives on */
	send_cmd(fd, "show");
	assert_int_equal(send(fd, "\0\0\0\x03" "Cs\0v", 8, 0), 8);
	assert_int_equal(pump(f, fd, &d, CTL_T_RESP, 2, text, sizeof text, &status, NULL, 400), 2);
	assert_int_equal(status, CTL_STATUS_ERROR);
	assert_string_equal(text, "% Invalid input: NUL byte in the command\n");
	close(fd);
	for (int i = 0; i < 10 && ctl_server_sessions(f->srv); i++)
		evloop_run_once(f->loop, 5);
	assert_int_equal(ctl_server_sessions(f->srv), 0);
	ctl_decoder_free(&d);
}

static void test_monitor(void **state)
{
	struct fx *f = *state;
	int a = client(f->path), b = client(f->path);
	ctl_decoder da, db;
	ctl_decoder_init(&da, CTL_MAX_FRAME, "RL");
	ctl_decoder_init(&db, CTL_MAX_FRAME, "RL");
	roundtrip(f, a, &da, "term mon", CTL_STATUS_OK, "");
	roundtrip(f, b, &db, "show version", CTL_STATUS_OK, "show version\n");
	/* a command that logs: the monitor sees the line, the other does not */
	int other = 0;
	char line[512];
	send_cmd(b, "debug log");
	char text[256];
	int status;
	assert_int_equal(pump(f, b, &db, CTL_T_RESP, 1, text, sizeof text, &status, &other, 400), 1);
	assert_int_equal(other, 0);
	assert_int_equal(pump(f, a, &da, CTL_T_LOG, 1, line, sizeof line, NULL, NULL, 400), 1);
	assert_non_null(strstr(line, ": %TEST-5-LOG: logged by a command"));
	/* the monitor's own command output and its log line both arrive */
	send_cmd(a, "debug log");
	other = 0;
	assert_int_equal(pump(f, a, &da, CTL_T_RESP, 1, text, sizeof text, &status, &other, 400), 1);
	assert_string_equal(text, "done\n");
	assert_int_equal(other, 1);
	roundtrip(f, a, &da, "terminal no monitor", CTL_STATUS_OK, "");
	elog_msg(ELOG_NOTICE, "TEST", "LOG", "not monitored");
	assert_int_equal(pump(f, a, &da, CTL_T_LOG, 1, line, sizeof line, NULL, NULL, 20), 0);
	close(a);
	close(b);
	ctl_decoder_free(&da);
	ctl_decoder_free(&db);
}

static void test_protocol_error_closes(void **state)
{
	struct fx *f = *state;
	int fd = client(f->path);
	/* a command frame larger than CTL_MAX_CMD */
	uint8_t hdr[5] = { 0, 0, 0x20, 0, 'C' };
	assert_int_equal(send(fd, hdr, 5, 0), 5);
	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_FRAME, "RL");
	assert_int_equal(pump(f, fd, &d, CTL_T_RESP, 1, NULL, 0, NULL, NULL, 100), -1);
	close(fd);
	/* an unknown frame type */
	fd = client(f->path);
	assert_int_equal(send(fd, "\0\0\0\0Z", 5, 0), 5);
	assert_int_equal(pump(f, fd, &d, CTL_T_RESP, 1, NULL, 0, NULL, NULL, 100), -1);
	close(fd);
	ctl_decoder_free(&d);
	evloop_run_once(f->loop, 0);
	assert_int_equal(ctl_server_sessions(f->srv), 0);
}

static void test_socket_files(void **state)
{
	struct fx *f = *state;
	char err[256];
	ctl_server *s2;
	/* live: another server answers there */
	assert_int_equal(ctl_server_open(f->loop, f->table, f->path, &s2, err, sizeof err), -EADDRINUSE);
	assert_non_null(strstr(err, "in use"));
	/* not a socket */
	char p2[160];
	snprintf(p2, sizeof p2, "%s/plain", f->dir);
	int fd = open(p2, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(ctl_server_open(f->loop, f->table, p2, &s2, err, sizeof err), -EEXIST);
	assert_non_null(strstr(err, "not a socket"));
	unlink(p2);
	/* stale: a socket file nobody listens on is replaced */
	snprintf(p2, sizeof p2, "%s/stale", f->dir);
	int st = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, p2);
	assert_int_equal(bind(st, (struct sockaddr *)&sa, sizeof sa), 0);
	close(st);
	assert_int_equal(ctl_server_open(f->loop, f->table, p2, &s2, err, sizeof err), 0);
	struct stat sb;
	assert_int_equal(stat(p2, &sb), 0);
	/* closing removes the file */
	ctl_server_close(s2);
	assert_int_equal(stat(p2, &sb), -1);
	/* ... but not one that is no longer ours */
	assert_int_equal(ctl_server_open(f->loop, f->table, p2, &s2, err, sizeof err), 0);
	unlink(p2);
	fd = open(p2, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ctl_server_close(s2);
	assert_int_equal(stat(p2, &sb), 0);
	unlink(p2);
	/* a path too long for sun_path */
	char longp[200];
	memset(longp, 'a', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	assert_int_equal(ctl_server_open(f->loop, f->table, longp, &s2, err, sizeof err), -ENAMETOOLONG);
	/* a directory that does not exist */
	assert_true(ctl_server_open(f->loop, f->table, "/nonexistent-dir/x.sock", &s2, err, sizeof err) < 0);
	assert_non_null(strstr(err, "/nonexistent-dir/x.sock"));
}

static void test_session_limit(void **state)
{
	struct fx *f = *state;
	int fds[CTL_MAX_SESSIONS + 1];
	for (int i = 0; i <= CTL_MAX_SESSIONS; i++) {
		fds[i] = client(f->path);
		evloop_run_once(f->loop, 0);
	}
	for (int i = 0; i < 5; i++)
		evloop_run_once(f->loop, 1);
	assert_int_equal(ctl_server_sessions(f->srv), CTL_MAX_SESSIONS);
	/* the last one was hung up on */
	char c;
	assert_int_equal(recv(fds[CTL_MAX_SESSIONS], &c, 1, 0), 0);
	/* the first still works */
	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_FRAME, "RL");
	roundtrip(f, fds[0], &d, "sh ver", CTL_STATUS_OK, "show version\n");
	ctl_decoder_free(&d);
	for (int i = 0; i <= CTL_MAX_SESSIONS; i++)
		close(fds[i]);
}

static void test_slow_monitor(void **state)
{
	struct fx *f = *state;
	int fd = client(f->path);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	ctl_decoder d;
	ctl_decoder_init(&d, CTL_MAX_FRAME, "RL");
	roundtrip(f, fd, &d, "terminal monitor", CTL_STATUS_OK, "");
	/* 30000 lines of ~120 bytes while the client does not read */
	enum { LINES = 30000 };
	for (int i = 0; i < LINES; i++) {
		elog_msg(ELOG_INFO, "TEST", "FLOOD", "line %06d %s", i,
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		if (i % 1000 == 0)
			evloop_run_once(f->loop, 0);
	}
	/* a last line after the backlog clears carries the drop note first */
	int lines = 0, notes = 0, last = -1;
	bool sent_tail = false;
	for (int it = 0; it < 20000; it++) {
		evloop_run_once(f->loop, 0);
		uint8_t b[65536];
		ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
		if (n > 0)
			assert_int_equal(ctl_decoder_feed(&d, b, (size_t)n), 0);
		ctl_frame fr;
		while (ctl_decoder_next(&d, &fr) == 1) {
			assert_int_equal(fr.type, CTL_T_LOG);
			if (memmem(fr.payload, fr.len, "MONITOR_DROP", 12))
				notes++;
			else if (memmem(fr.payload, fr.len, "TAIL", 4))
				last = 1;
			else
				lines++;
		}
		if (n <= 0 && !sent_tail) {
			elog_msg(ELOG_INFO, "TEST", "TAIL", "TAIL");
			sent_tail = true;
		}
		if (last == 1)
			break;
	}
	assert_int_equal(last, 1);
	assert_int_equal(notes, 1);
	assert_true(lines < LINES);
	assert_true(lines > 1000);
	close(fd);
	ctl_decoder_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_error_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_monitor, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
