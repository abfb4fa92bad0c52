/* An in-sandbox daemon's entry point: options, sockets, signals, the loop. */
#include "toolbox_srv.h"

#include "lite_unix.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "toolbox_forward.h"
#include "toolbox_http.h"
#include "toolbox_lws.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TB_SHUTDOWN_WAIT_MS 1000

struct tb_opts {
	const char *socket_dir, *home, *workdir;
	int toolbox_fd, forward_fd, ready_fd;	/* inherited, or -1 */
};

/* A descriptor number from the command line; false when it is not one. */
static bool tb_parse_fd(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 3 || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* 0 ok, 1 help printed, 2 usage error (printed). */
static int tb_parse(const struct tb_face *face, const char *default_home,
		    int argc, char **argv, struct tb_opts *o)
{
	static const struct option longopts[] = {
		{ "socket-dir", required_argument, NULL, 's' },
		{ "home", required_argument, NULL, 'H' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "toolbox-fd", required_argument, NULL, 't' },
		{ "forward-fd", required_argument, NULL, 'f' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->socket_dir = optarg; break;
		case 'H': o->home = optarg; break;
		case 'w': o->workdir = optarg; break;
		case 't':
		case 'f':
		case 'r':
			if (!tb_parse_fd(optarg, c == 't' ? &o->toolbox_fd :
					 c == 'f' ? &o->forward_fd :
					 &o->ready_fd)) {
				rv_error("invalid descriptor '%s'", optarg);
				return 2;
			}
			break;
		case 'h': fputs(face->usage, stdout); return 1;
		default: fputs(face->usage, stderr); return 2;
		}
	}
	if (!o->home)
		o->home = default_home;
	if (optind < argc || (!o->socket_dir &&
			       (o->toolbox_fd < 0 || o->forward_fd < 0))) {
		rv_error("--socket-dir, or --toolbox-fd and --forward-fd, "
			 "are required");
		fputs(face->usage, stderr);
		return 2;
	}
	if (!o->workdir)
		o->workdir = o->home;
	return 0;
}

static char *tb_pick_shell(void)
{
	static const char *const shells[] = { "/usr/bin/bash", "/bin/bash",
					      "/bin/sh" };

	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (access(shells[i], X_OK) == 0)
			return rv_xstrdup(shells[i]);
	return rv_xstrdup("/bin/sh");
}

static int tb_on_signal(struct tb_watch *w, int fd, void *arg)
{
	struct tb_server *s = arg;
	struct signalfd_siginfo si;

	(void)w;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			tb_child_reap(s);
		else
			s->stopping = true;
	}
	tb_child_reap(s);	/* SIGCHLDs coalesce */
	return 0;
}

/* Say that both sockets serve: DIR/ready, or a line on the ready fd. */
static enum rv_code tb_write_ready(const struct tb_server *s, int ready_fd,
				   struct rv_err *err)
{
	char *tmp, *path;
	FILE *f;
	enum rv_code rc = RV_OK;

	if (!s->socket_dir) {
		if (ready_fd >= 0 &&
		    (rv_write_all(ready_fd, "ready\n", 6) < 0 ||
		     close(ready_fd) < 0))
			return rv_errf(err, RV_ERR_IO, "cannot report ready: "
				       "%s", strerror(errno));
		return RV_OK;
	}
	tmp = rv_xasprintf("%s/.ready.tmp", s->socket_dir);
	path = rv_xasprintf("%s/ready", s->socket_dir);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) ||
	    rename(tmp, path) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", path,
			     strerror(errno));
	free(tmp);
	free(path);
	return rc;
}

/* The listening socket has connections: hand each to lws. */
static int tb_on_accept(struct tb_watch *w, int fd, void *arg)
{
	struct tb_server *s = arg;

	(void)w;
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (c < 0)
			return errno == EAGAIN || errno == EINTR ||
				errno == ECONNABORTED || errno == EMFILE ||
				errno == ENFILE ? 0 : -1;
		/* on failure lws has closed c */
		lws_adopt_socket_vhost(s->vhost, c);
	}
}

/* The lws context and the daemon's vhost serving the listening socket lfd. */
static enum rv_code tb_listen(struct tb_server *s, int lfd, struct rv_err *err)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		LWS_SERVER_OPTION_DISABLE_IPV6;
	info.user = s;
	info.timeout_secs = 60;
	info.max_http_header_data = 16384;
	info.max_http_header_pool = 64;
	info.pt_serv_buf_size = 64 * 1024;	/* bigger reads: faster uploads */
	s->ctx = lws_create_context(&info);
	if (!s->ctx) {
		close(lfd);
		return rv_errf(err, RV_ERR_IO, "cannot create the lws context");
	}
	/* no listener of its own: connections are accepted here, adopted */
	info.options = 0;
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = tb_protocols;
	info.vhost_name = "toolbox";
	info.keepalive_timeout = 60;
	s->vhost = lws_create_vhost(s->ctx, &info);
	if (!s->vhost) {
		close(lfd);
		return rv_errf(err, RV_ERR_IO, "cannot create the daemon's "
			       "vhost");
	}
	if (!tb_watch_new(s, lfd, tb_on_accept, NULL, NULL, s))
		return rv_errf(err, RV_ERR_IO, "cannot watch the daemon's "
			       "socket");
	return RV_OK;
}

/* Is fd a listening unix stream socket?  Then keep it from our children. */
static bool tb_listening_fd(int fd)
{
	struct stat st;
	int v = 0;
	socklen_t len = sizeof(v);

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0 || !v)
		return false;
	return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

/* The two listening sockets: made in DIR, or inherited and checked. */
static enum rv_code tb_sockets(const struct tb_server *s,
			       const struct tb_opts *o, int fds[2],
			       struct rv_err *err)
{
	const char *const names[] = { s->face->socket, "forward.sock" };

	for (int i = 0; i < 2; i++) {
		char *path;

		if (!o->socket_dir) {
			fds[i] = i ? o->forward_fd : o->toolbox_fd;
			if (!tb_listening_fd(fds[i]))
				return rv_errf(err, RV_ERR_USAGE,
					       "descriptor %d is not a "
					       "listening socket", fds[i]);
			continue;
		}
		path = rv_xasprintf("%s/%s", o->socket_dir, names[i]);
		fds[i] = lite_unix_listen(path, 128);
		if (fds[i] < 0) {
			rv_errf(err, RV_ERR_IO, "cannot listen on '%s': %s",
				path, strerror(errno));
			free(path);
			return RV_ERR_IO;
		}
		free(path);
	}
	return RV_OK;
}

static enum rv_code tb_start(struct tb_server *s, const struct tb_opts *o,
			     struct rv_err *err)
{
	const char *roots[] = { o->home, "/tmp" };
	char tmpl[] = "/tmp/.lite-daemon-XXXXXX";
	int fds[2] = { -1, -1 };
	sigset_t set;
	int sfd;
	enum rv_code rc;

	if (o->ready_fd >= 0)
		fcntl(o->ready_fd, F_SETFD, FD_CLOEXEC);
	if (chdir(o->workdir) < 0)
		return rv_errf(err, RV_ERR_USAGE, "cannot enter '%s': %s",
			       o->workdir, strerror(errno));
	s->home = rv_xstrdup(o->home);
	s->workdir = rv_xstrdup(o->workdir);
	s->socket_dir = o->socket_dir ? rv_xstrdup(o->socket_dir) : NULL;
	s->shell = tb_pick_shell();
	tb_roots_init(&s->roots, o->workdir, roots, 2);
	if (!mkdtemp(tmpl))
		return rv_errf(err, RV_ERR_IO, "cannot make a state directory: "
			       "%s", strerror(errno));
	s->state_dir = rv_xstrdup(tmpl);

	/* signals arrive through a signalfd; every thread blocks them */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return rv_errf(err, RV_ERR_IO, "signalfd: %s", strerror(errno));

	rc = tb_sockets(s, o, fds, err);
	if (!rc)
		rc = tb_forward_start(fds[1], err);
	if (!rc) {
		rc = tb_listen(s, fds[0], err);
		fds[0] = -1;	/* tb_listen's now */
	}
	if (!rc && !tb_watch_new(s, sfd, tb_on_signal, NULL, NULL, s))
		rc = rv_errf(err, RV_ERR_IO, "cannot watch signals");
	else if (rc)
		close(sfd);
	if (!rc && s->face->start)
		rc = s->face->start(s, err);
	if (rc) {
		if (fds[0] >= 0)
			close(fds[0]);
		return rc;
	}
	return tb_write_ready(s, o->ready_fd, err);
}

static void tb_wake(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/* Kill what is still running and give the loop a moment to reap it. */
static void tb_shutdown(struct tb_server *s)
{
	lws_sorted_usec_list_t tick;
	int waited = 0;

	if (s->face->shutdown)
		s->face->shutdown(s);
	tb_children_kill(s);
	memset(&tick, 0, sizeof(tick));
	while (s->children && waited < TB_SHUTDOWN_WAIT_MS) {
		lws_sul_schedule(s->ctx, 0, &tick, tb_wake, 20 * LWS_US_PER_MS);
		lws_service(s->ctx, 0);
		waited += 20;
	}
	lws_sul_cancel(&tick);
}

static void tb_cleanup(struct tb_server *s)
{
	struct rv_err err = RV_ERR_INIT;
	const char *const names[] = { s->face->socket, "forward.sock", "ready" };

	if (s->ctx)
		lws_context_destroy(s->ctx);
	for (size_t i = 0; s->socket_dir && i < 3; i++) {
		char *p = rv_xasprintf("%s/%s", s->socket_dir, names[i]);

		unlink(p);
		free(p);
	}
	if (s->state_dir)
		rv_remove_tree(s->state_dir, &err);
	tb_roots_release(&s->roots);
	free(s->home);
	free(s->workdir);
	free(s->socket_dir);
	free(s->state_dir);
	free(s->shell);
}

int tb_daemon_main(const struct tb_face *face, const char *default_home,
		   int argc, char **argv)
{
	struct tb_opts o = { NULL, NULL, NULL, -1, -1, -1 };
	struct tb_server s;
	struct rv_err err = RV_ERR_INIT;
	int rc;

	memset(&s, 0, sizeof(s));
	s.face = face;
	rv_log_set_prog(face->prog);
	rc = tb_parse(face, default_home, argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	lws_set_log_level(LLL_ERR, NULL);
	if (tb_start(&s, &o, &err)) {
		rv_error("%s", err.msg);
		tb_cleanup(&s);
		return 1;
	}
	while (!s.stopping)
		if (lws_service(s.ctx, 0) < 0)
			break;
	tb_shutdown(&s);
	tb_cleanup(&s);
	return 0;
}
