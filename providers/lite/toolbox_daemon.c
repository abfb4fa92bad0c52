/* An in-sandbox daemon's entry point: options, sockets, signals, the loop. */
#include "toolbox_srv.h"

#include "rv_alloc.h"
#include "rv_log.h"
#include "toolbox_forward.h"
#include "toolbox_http.h"
#include "toolbox_lws.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define TB_SHUTDOWN_WAIT_MS 1000

struct tb_opts {
	const char *socket_dir, *home, *workdir;
};

/* 0 ok, 1 help printed, 2 usage error (printed). */
static int tb_parse(const struct tb_face *face, const char *default_home,
		    int argc, char **argv, struct tb_opts *o)
{
	static const struct option longopts[] = {
		{ "socket-dir", required_argument, NULL, 's' },
		{ "home", required_argument, NULL, 'H' },
		{ "workdir", required_argument, NULL, 'w' },
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
		case 'h': fputs(face->usage, stdout); return 1;
		default: fputs(face->usage, stderr); return 2;
		}
	}
	if (!o->home)
		o->home = default_home;
	if (optind < argc || !o->socket_dir) {
		rv_error("--socket-dir is required");
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

static enum rv_code tb_write_ready(const struct tb_server *s,
				   struct rv_err *err)
{
	char *tmp = rv_xasprintf("%s/.ready.tmp", s->socket_dir);
	char *path = rv_xasprintf("%s/ready", s->socket_dir);
	FILE *f = fopen(tmp, "w");
	enum rv_code rc = RV_OK;

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) ||
	    rename(tmp, path) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", path,
			     strerror(errno));
	free(tmp);
	free(path);
	return rc;
}

/* The lws context with the daemon's vhost on DIR/<face socket>. */
static enum rv_code tb_listen(struct tb_server *s, struct rv_err *err)
{
	struct lws_context_creation_info info;
	char *sock = rv_xasprintf("%s/%s", s->socket_dir, s->face->socket);
	enum rv_code rc = RV_OK;

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
		free(sock);
		return rv_errf(err, RV_ERR_IO, "cannot create the lws context");
	}
	unlink(sock);
	info.options = LWS_SERVER_OPTION_UNIX_SOCK;
	info.iface = sock;
	info.port = 0;
	info.protocols = tb_protocols;
	info.vhost_name = "toolbox";
	info.keepalive_timeout = 60;
	s->vhost = lws_create_vhost(s->ctx, &info);
	if (!s->vhost)
		rc = rv_errf(err, RV_ERR_IO, "cannot listen on '%s'", sock);
	free(sock);
	return rc;
}

static enum rv_code tb_start(struct tb_server *s, const struct tb_opts *o,
			     struct rv_err *err)
{
	const char *roots[] = { o->home, "/tmp" };
	char tmpl[] = "/tmp/.lite-daemon-XXXXXX";
	char *fwd;
	sigset_t set;
	int sfd;
	enum rv_code rc;

	if (strlen(o->socket_dir) > 90)
		return rv_errf(err, RV_ERR_USAGE, "socket dir '%s' is too long "
			       "for a unix socket path", o->socket_dir);
	if (chdir(o->workdir) < 0)
		return rv_errf(err, RV_ERR_USAGE, "cannot enter '%s': %s",
			       o->workdir, strerror(errno));
	s->home = rv_xstrdup(o->home);
	s->workdir = rv_xstrdup(o->workdir);
	s->socket_dir = rv_xstrdup(o->socket_dir);
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

	fwd = rv_xasprintf("%s/forward.sock", s->socket_dir);
	rc = tb_forward_start(fwd, err);
	free(fwd);
	if (!rc)
		rc = tb_listen(s, err);
	if (!rc && !tb_watch_new(s, sfd, tb_on_signal, NULL, NULL, s))
		rc = rv_errf(err, RV_ERR_IO, "cannot watch signals");
	else if (rc)
		close(sfd);
	if (!rc && s->face->start)
		rc = s->face->start(s, err);
	return rc ? rc : tb_write_ready(s, err);
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
		tb_remove_tree(s->state_dir, &err);
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
	struct tb_opts o = { NULL, NULL, NULL };
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
