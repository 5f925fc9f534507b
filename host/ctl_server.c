/* ctl_server — the control socket; see ctl_server.h and ctl_proto.h. */
#include "ctl_server.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "elog.h"

struct session {
	struct ctl_server *srv;
	int fd;
	evloop_fd *w;
	ctl_decoder dec;
	obuf out;
	bool monitor;
	bool eof;      /* the peer will send no more; close once drained */
	bool dead;     /* close at the end of the current callback */
	uint64_t dropped;
	struct session *prev, *next;
};

struct ctl_server {
	evloop *loop;
	cli *table;
	int fd;
	evloop_fd *w;
	char *path;
	dev_t dev;
	ino_t ino;
	struct session *sessions;
	size_t n_sessions;
	int sub_id;
};

static void session_close(struct session *se)
{
	struct ctl_server *s = se->srv;
	evloop_fd_del(s->loop, se->w);
	close(se->fd);
	if (se->prev)
		se->prev->next = se->next;
	else
		s->sessions = se->next;
	if (se->next)
		se->next->prev = se->prev;
	s->n_sessions--;
	ctl_decoder_free(&se->dec);
	obuf_free(&se->out);
	free(se);
}

/* Which events to wait for, given the queue. */
static void session_arm(struct session *se)
{
	unsigned ev = 0;
	if (!se->eof && se->out.len < CTL_SESSION_OUT_HIGH)
		ev |= EVLOOP_IN;
	if (se->out.len)
		ev |= EVLOOP_OUT;
	if (evloop_fd_mod(se->srv->loop, se->w, ev) < 0)
		se->dead = true;
}

/* Write what the socket takes now. */
static void session_flush(struct session *se)
{
	while (se->out.len) {
		ssize_t n = send(se->fd, se->out.p, se->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				se->dead = true;
			break;
		}
		obuf_consume(&se->out, (size_t)n);
	}
	if (obuf_error(&se->out))
		se->dead = true; /* out of memory for its output: give up on it */
	if (!se->out.len && se->eof)
		se->dead = true;
}

static void run_command(struct session *se, const uint8_t *p, size_t len)
{
	obuf text;
	obuf_init(&text, CTL_MAX_FRAME - 1);
	int status;
	if (memchr(p, '\0', len)) {
		obuf_puts(&text, "% Invalid input: NUL byte in the command\n");
		status = CLI_INVALID;
	} else {
		char *line = strndup((const char *)p, len);
		if (!line) {
			se->dead = true;
			obuf_free(&text);
			return;
		}
		status = cli_exec(se->srv->table, line, se, &text, NULL);
		free(line);
	}
	if (obuf_error(&text)) {
		obuf_reset(&text);
		obuf_puts(&text, "% Output too large or out of memory\n");
		status = CLI_FAILED;
	}
	ctl_resp_append(&se->out, status == CLI_OK ? CTL_STATUS_OK : CTL_STATUS_ERROR, obuf_str(&text), text.len);
	obuf_free(&text);
}

static void session_ready(evloop *loop, evloop_fd *w, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)w;
	struct session *se = arg;
	if ((events & EVLOOP_IN) && !se->eof) {
		uint8_t buf[16384];
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0) {
			se->eof = true;
		} else if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				se->dead = true;
		} else if (ctl_decoder_feed(&se->dec, buf, (size_t)n) < 0) {
			se->dead = true;
		} else {
			ctl_frame f;
			int r;
			while (!se->dead && (r = ctl_decoder_next(&se->dec, &f)) == 1)
				run_command(se, f.payload, f.len);
			if (r < 0)
				se->dead = true; /* protocol error: hang up */
		}
	} else if (events & EVLOOP_ERR) {
		se->dead = true;
	}
	if (!se->dead)
		session_flush(se);
	if (se->dead) {
		session_close(se);
		return;
	}
	session_arm(se);
}

static void on_accept(evloop *loop, evloop_fd *w, int fd, unsigned events, void *arg)
{
	(void)w;
	(void)events;
	struct ctl_server *s = arg;
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				elog_msg(ELOG_WARNING, "ESPFABD", "CTL", "control socket accept: %s", strerror(errno));
			return;
		}
		if (s->n_sessions >= CTL_MAX_SESSIONS) {
			elog_msg(ELOG_WARNING, "ESPFABD", "CTL", "control session refused: %d sessions open",
				 CTL_MAX_SESSIONS);
			close(c);
			continue;
		}
		struct session *se = calloc(1, sizeof *se);
		if (!se) {
			close(c);
			continue;
		}
		se->srv = s;
		se->fd = c;
		ctl_decoder_init(&se->dec, CTL_MAX_CMD, "C");
		obuf_init(&se->out, 0);
		if (evloop_fd_add(loop, c, EVLOOP_IN, session_ready, se, &se->w) < 0) {
			ctl_decoder_free(&se->dec);
			close(c);
			free(se);
			continue;
		}
		se->next = s->sessions;
		if (s->sessions)
			s->sessions->prev = se;
		s->sessions = se;
		s->n_sessions++;
	}
}

/* Log subscriber: queue one 'L' frame per monitor session.  Never writes or
 * closes here (this may run inside any callback, even a session's own). */
static void on_log_line(const char *line, size_t len, void *arg)
{
	struct ctl_server *s = arg;
	for (struct session *se = s->sessions; se; se = se->next) {
		if (!se->monitor || se->dead)
			continue;
		if (se->out.len > CTL_MONITOR_BACKLOG) {
			se->dropped++;
			continue;
		}
		if (se->dropped) {
			char note[128];
			int n = snprintf(note, sizeof note,
					 "%%ESPFABD-4-MONITOR_DROP: %llu log lines dropped: this session reads too slowly",
					 (unsigned long long)se->dropped);
			ctl_frame_append(&se->out, CTL_T_LOG, note, (size_t)n);
			se->dropped = 0;
		}
		ctl_frame_append(&se->out, CTL_T_LOG, line, len);
		session_arm(se);
	}
}

static int cmd_terminal_monitor(const cli_call *c, obuf *out)
{
	(void)out;
	struct session *se = c->session;
	if (!se) {
		obuf_puts(out, "% terminal monitor needs a control session\n");
		return -1;
	}
	se->monitor = c->argc == 2; /* "terminal monitor" vs "terminal no monitor" */
	return 0;
}

static int sock_path_set(struct sockaddr_un *sa, const char *path, char *err, size_t err_len)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof sa->sun_path) {
		snprintf(err, err_len, "socket path '%s': empty or longer than %zu bytes", path,
			 sizeof sa->sun_path - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

/* A file at path: remove it if it is a socket nobody listens on. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t err_len)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (snprintf(err, err_len, "socket path '%s': %s", path, strerror(errno)), -errno);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_len, "socket path '%s' exists and is not a socket", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	int e = errno;
	close(fd);
	if (r == 0) {
		snprintf(err, err_len, "socket path '%s' is in use by a running daemon", path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, err_len, "socket path '%s': %s", path, strerror(e));
		return -e;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, err_len, "socket path '%s': cannot remove stale socket: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int ctl_server_open(evloop *loop, cli *table, const char *path, ctl_server **out, char *err, size_t err_len)
{
	*out = NULL;
	struct sockaddr_un sa;
	int r = sock_path_set(&sa, path, err, err_len);
	if (r < 0)
		return r;
	r = clear_stale(path, &sa, err, err_len);
	if (r < 0)
		return r;
	struct ctl_server *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	s->loop = loop;
	s->table = table;
	s->sub_id = -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		r = -errno;
		snprintf(err, err_len, "control socket: %s", strerror(errno));
		goto fail;
	}
	mode_t old = umask(0177);
	r = bind(s->fd, (struct sockaddr *)&sa, sizeof sa);
	int e = errno;
	umask(old);
	if (r < 0) {
		r = -e;
		snprintf(err, err_len, "socket path '%s': bind: %s", path, strerror(e));
		goto fail;
	}
	struct stat st;
	if (chmod(path, 0600) < 0 || stat(path, &st) < 0 || listen(s->fd, 16) < 0) {
		r = -errno;
		snprintf(err, err_len, "socket path '%s': %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	r = evloop_fd_add(loop, s->fd, EVLOOP_IN, on_accept, s, &s->w);
	/* The handler uses only the session, never its arg, so a table that
	 * outlives one server can serve the next (-EEXIST is fine). */
	if (r == 0)
		r = cli_register(table, "terminal monitor", cmd_terminal_monitor, NULL);
	if (r == 0 || r == -EEXIST)
		r = cli_register(table, "terminal no monitor", cmd_terminal_monitor, NULL);
	if (r == -EEXIST)
		r = 0;
	if (r == 0) {
		s->sub_id = elog_subscribe(on_log_line, s);
		if (s->sub_id < 0)
			r = s->sub_id;
	}
	if (r < 0) {
		snprintf(err, err_len, "control socket setup: %s", strerror(-r));
		unlink(path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	evloop_fd_del(loop, s->w);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
	return r;
}

void ctl_server_close(ctl_server *s)
{
	if (!s)
		return;
	if (s->sub_id > 0)
		elog_unsubscribe(s->sub_id);
	while (s->sessions)
		session_close(s->sessions);
	evloop_fd_del(s->loop, s->w);
	close(s->fd);
	/* remove the file only if it is still ours */
	struct stat st;
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	free(s);
}

size_t ctl_server_sessions(const ctl_server *s)
{
	return s->n_sessions;
}

const char *ctl_server_path(const ctl_server *s)
{
	return s->path;
}
