/*
 * envd: processes (process.Process).
 *
 * Start spawns a process in its own process group with pipes for stdout
 * and stderr (and stdin when asked) and streams its events to the Start
 * call and to every Connect call that follows it: start {pid}, data
 * {stdout|stderr: base64}, end {exitCode, exited, status}.  The end comes
 * once the process has exited and both pipes are at EOF, or
 * ENVD_EXIT_GRACE_MS after the exit when a background process keeps them
 * open (envd would wait for it).  A stream whose client goes away just
 * stops following; the process runs on.  A stream whose Connect-Timeout-
 * Ms passes ends with deadline_exceeded, and for the Start stream the
 * process is killed too, as envd does.  Keepalive-Ping-Interval (s) asks
 * for a keepalive event that often.  SendSignal signals the whole group.
 */
#include "envd.h"

#include "rv_alloc.h"
#include "toolbox_http.h"
#include "toolbox_srv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENVD_EXIT_GRACE_MS 1000
#define ENVD_MAX_PENDING (8u << 20)	/* unsent output per stream */

struct envd_proc;

/* One stream following a process. */
struct envd_sub {
	struct envd_sub *next;
	struct envd_proc *p;
	struct tb_req *req;		/* a reference */
	bool owner;			/* the Start call: its deadline kills */
	bool dropped;			/* too slow a reader: output dropped */
	long keepalive_ms;
	lws_sorted_usec_list_t deadline, keepalive;
};

struct envd_proc {
	struct envd_proc *next;
	struct tb_server *srv;
	int refs;			/* the table, each open watch */
	pid_t pid;
	char *tag;
	json_t *config;			/* {cmd, args, envs, cwd} */
	int in_fd;			/* stdin pipe, -1 */
	struct rv_buf in_q;		/* stdin bytes not written yet */
	bool close_in;			/* close stdin once in_q is out */
	struct tb_watch *w_in, *w_out, *w_err;
	bool exited, ended;
	int status;
	lws_sorted_usec_list_t grace;
	struct envd_sub *subs;
};

static struct envd_proc **envd_procs(struct tb_server *s)
{
	return (struct envd_proc **)&s->app;
}

static void envd_proc_unref(struct envd_proc *p)
{
	if (--p->refs > 0)
		return;
	lws_sul_cancel(&p->grace);
	if (p->in_fd >= 0 && !p->w_in)
		close(p->in_fd);
	rv_buf_release(&p->in_q);
	json_decref(p->config);
	free(p->tag);
	free(p);
}

/*
 * The running process a ProcessSelector names: by pid, else by tag.  NULL
 * after answering r: invalid_argument for a bad selector, else not_found.
 */
static struct envd_proc *envd_find(struct tb_req *r, bool stream,
				   const json_t *sel)
{
	struct tb_server *s = tb_req_server(r);
	const json_t *pid = json_object_get(sel, "pid");
	const char *tag = json_string_value(json_object_get(sel, "tag"));
	pid_t want = 0;

	if ((pid && !envd_json_pid(pid, &want)) || (!pid && !tag)) {
		envd_rpc_error(r, stream, ENVD_INVALID_ARGUMENT, "process "
			       "must name a pid (a positive integer) or a "
			       "tag");
		return NULL;
	}
	for (struct envd_proc *p = *envd_procs(s); p; p = p->next)
		if (!p->ended && ((want && p->pid == want) ||
				  (!want && tag && p->tag &&
				   !strcmp(p->tag, tag))))
			return p;
	envd_rpc_error(r, stream, ENVD_NOT_FOUND, "process not found");
	return NULL;
}

/* --- streams ----------------------------------------------------------- */

static void envd_sub_free(struct envd_sub *sub)
{
	struct envd_proc *p = sub->p;

	for (struct envd_sub **pp = &p->subs; *pp; pp = &(*pp)->next)
		if (*pp == sub) {
			*pp = sub->next;
			break;
		}
	lws_sul_cancel(&sub->deadline);
	lws_sul_cancel(&sub->keepalive);
	tb_req_on_gone(sub->req, NULL, NULL);
	tb_req_unref(sub->req);
	free(sub);
}

static void envd_send_event(struct envd_sub *sub, json_t *event)
{
	json_t *msg = json_pack("{s:O}", "event", event);

	if (tb_reply_pending(sub->req) > ENVD_MAX_PENDING) {
		sub->dropped = true;	/* a reader that does not read */
	} else {
		envd_stream_send(sub->req, msg);
	}
	json_decref(msg);
}

static void envd_broadcast(struct envd_proc *p, json_t *event)
{
	for (struct envd_sub *sub = p->subs; sub; sub = sub->next)
		envd_send_event(sub, event);
	json_decref(event);
}

static void envd_on_gone(void *arg)
{
	envd_sub_free(arg);	/* the process runs on */
}

static void envd_on_keepalive(lws_sorted_usec_list_t *sul)
{
	struct envd_sub *sub = lws_container_of(sul, struct envd_sub,
						keepalive);
	json_t *ka = json_pack("{s:{}}", "keepalive");

	envd_send_event(sub, ka);
	json_decref(ka);
	lws_sul_schedule(sub->p->srv->ctx, 0, &sub->keepalive,
			 envd_on_keepalive,
			 (lws_usec_t)sub->keepalive_ms * LWS_US_PER_MS);
}

static void envd_on_deadline(lws_sorted_usec_list_t *sul)
{
	struct envd_sub *sub = lws_container_of(sul, struct envd_sub,
						deadline);
	struct envd_proc *p = sub->p;

	if (sub->owner && !p->exited)
		kill(p->pid, SIGKILL);	/* envd ends what its Start began */
	envd_stream_end(sub->req, ENVD_DEADLINE_EXCEEDED,
			"context deadline exceeded");
	envd_sub_free(sub);
}

/* A header holding a count of units as a number; dflt when absent/bad. */
static long envd_header_long(struct tb_req *r, const char *name, long dflt)
{
	const char *v = tb_req_header(r, name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	n = strtol(v, &end, 10);
	return *end || n < 0 ? dflt : n;
}

/* Follow p on r's stream: the start event now, the rest as it comes. */
static void envd_subscribe(struct envd_proc *p, struct tb_req *r, bool owner)
{
	struct envd_sub *sub = rv_xcalloc(1, sizeof(*sub));
	long timeout_ms = envd_header_long(r, "connect-timeout-ms", 0);
	long ka_s = envd_header_long(r, "keepalive-ping-interval", 0);
	json_t *start = json_pack("{s:{s:i}}", "start", "pid", (int)p->pid);

	sub->p = p;
	sub->req = tb_req_ref(r);
	sub->owner = owner;
	sub->next = p->subs;
	p->subs = sub;
	tb_req_on_gone(r, envd_on_gone, sub);
	envd_stream_open(r);
	envd_send_event(sub, start);
	json_decref(start);
	if (timeout_ms > 0)
		lws_sul_schedule(p->srv->ctx, 0, &sub->deadline,
				 envd_on_deadline,
				 (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	if (ka_s > 0) {
		sub->keepalive_ms = ka_s > 3600 ? 3600000 : ka_s * 1000;
		lws_sul_schedule(p->srv->ctx, 0, &sub->keepalive,
				 envd_on_keepalive,
				 (lws_usec_t)sub->keepalive_ms * LWS_US_PER_MS);
	}
}

/* --- the process's life ------------------------------------------------ */

/* Go's ProcessState: exit code, Exited() and String(). */
static json_t *envd_end_event(int status)
{
	char text[64];

	if (WIFEXITED(status)) {
		snprintf(text, sizeof(text), "exit status %d",
			 WEXITSTATUS(status));
		return json_pack("{s:{s:i,s:b,s:s}}", "end", "exitCode",
				 WEXITSTATUS(status), "exited", 1, "status",
				 text);
	}
	/* Go's names are glibc's descriptions, lowercase: "killed" */
	snprintf(text, sizeof(text), "signal: %s",
		 sigdescr_np(WTERMSIG(status)) ? sigdescr_np(WTERMSIG(status)) :
		 "unknown");
	text[8] = (char)tolower((unsigned char)text[8]);
	return json_pack("{s:{s:i,s:b,s:s}}", "end", "exitCode", -1,
			 "exited", 0, "status", text);
}

/* The process is over: every stream gets the end, then it is forgotten. */
static void envd_end(struct envd_proc *p)
{
	struct envd_proc **pp;

	if (p->ended)
		return;
	p->ended = true;
	lws_sul_cancel(&p->grace);
	envd_broadcast(p, envd_end_event(p->status));
	while (p->subs) {
		envd_stream_end(p->subs->req, 0, NULL);
		envd_sub_free(p->subs);
	}
	tb_watch_close(p->w_out);
	tb_watch_close(p->w_err);
	tb_watch_close(p->w_in);
	for (pp = envd_procs(p->srv); *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			envd_proc_unref(p);
			break;
		}
}

static void envd_on_grace(lws_sorted_usec_list_t *sul)
{
	envd_end(lws_container_of(sul, struct envd_proc, grace));
}

static void envd_maybe_end(struct envd_proc *p)
{
	if (p->exited && !p->w_out && !p->w_err)
		envd_end(p);
}

static void envd_on_exit(void *arg, pid_t pid, int status)
{
	struct envd_proc *p = arg;

	(void)pid;
	p->exited = true;
	p->status = status;
	if (p->w_out || p->w_err)
		lws_sul_schedule(p->srv->ctx, 0, &p->grace, envd_on_grace,
				 ENVD_EXIT_GRACE_MS * LWS_US_PER_MS);
	envd_maybe_end(p);
	envd_proc_unref(p);	/* the child's reference */
}

/* Read a pipe until it is empty; -1 at EOF or error. */
static int envd_read(struct envd_proc *p, int fd, const char *stream)
{
	char buf[32768];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			if (!p->ended)
				envd_broadcast(p, json_pack("{s:{s:o}}", "data",
					stream, envd_json_bytes(buf,
								(size_t)n)));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? 0 : -1;
	}
}

static int envd_on_out(struct tb_watch *w, int fd, void *arg)
{
	(void)w;
	return envd_read(arg, fd, "stdout");
}

static int envd_on_err(struct tb_watch *w, int fd, void *arg)
{
	struct envd_proc *p = arg;

	(void)w;
	if (p->w_out)	/* both ready: stdout first is the better guess */
		envd_read(p, tb_watch_fd(p->w_out), "stdout");
	return envd_read(p, fd, "stderr");
}

static void envd_on_close(struct tb_watch *w, void *arg)
{
	struct envd_proc *p = arg;

	if (p->w_out == w)
		p->w_out = NULL;
	if (p->w_err == w)
		p->w_err = NULL;
	if (p->w_in == w) {
		p->w_in = NULL;
		p->in_fd = -1;	/* closed with the watch */
	}
	envd_maybe_end(p);
	envd_proc_unref(p);
}

/* Write queued stdin; close it when asked and everything is out. */
static int envd_on_writable(struct tb_watch *w, int fd, void *arg)
{
	struct envd_proc *p = arg;

	if (tb_watch_flush(w, fd, &p->in_q) < 0)
		return -1;	/* the reader is gone */
	return p->close_in && !p->in_q.len ? -1 : 0;
}

/* --- Start ------------------------------------------------------------- */

/* argv[0] made absolute through PATH (envd runs cmd as exec.Command). */
static char *envd_which(const char *cmd)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/'))
		return rv_xstrdup(cmd);
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = rv_xasprintf("%.*s/%s", (int)n, p, cmd);

		if (n && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n + (p[n] == ':');
	}
	return rv_xstrdup(cmd);
}

struct envd_spawn {
	char **argv, **envp;
	char *cwd;
	int pipes[3][2];	/* stdin, stdout, stderr */
};

static void envd_spawn_release(struct envd_spawn *sp)
{
	tb_env_free(sp->argv);
	tb_env_free(sp->envp);
	free(sp->cwd);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 2; j++)
			if (sp->pipes[i][j] >= 0)
				close(sp->pipes[i][j]);
}

/* Check the ProcessConfig and build what spawning it needs. */
static bool envd_spawn_prepare(struct tb_req *r, const json_t *cfg,
			       bool want_stdin, struct envd_spawn *sp)
{
	struct tb_server *s = tb_req_server(r);
	const char *cmd = json_string_value(json_object_get(cfg, "cmd"));
	const json_t *args = json_object_get(cfg, "args");
	const char *cwd = json_string_value(json_object_get(cfg, "cwd"));
	char why[300], **envs;
	size_t i, n = json_array_size(args);
	json_t *a;

	if (!cmd || !*cmd || (args && !json_is_array(args))) {
		envd_rpc_error(r, true, ENVD_INVALID_ARGUMENT, "process.cmd "
			       "must be a string and process.args an array");
		return false;
	}
	sp->argv = rv_xcalloc(n + 2, sizeof(char *));
	sp->argv[0] = envd_which(cmd);
	json_array_foreach(args, i, a) {
		if (!json_is_string(a)) {
			envd_rpc_error(r, true, ENVD_INVALID_ARGUMENT,
				       "process.args[%zu] is not a string", i);
			return false;
		}
		sp->argv[i + 1] = rv_xstrdup(json_string_value(a));
	}
	envs = tb_env_from_json(json_object_get(cfg, "envs"), why,
				sizeof(why));
	if (!envs) {
		envd_rpc_error(r, true, ENVD_INVALID_ARGUMENT, "%s", why);
		return false;
	}
	sp->envp = tb_env_merge(envs);
	tb_env_free(envs);
	sp->cwd = envd_path(s, cwd && *cwd ? cwd : s->home, why, sizeof(why));
	if (!sp->cwd) {
		envd_rpc_error(r, true, ENVD_INVALID_ARGUMENT, "cwd: %s", why);
		return false;
	}
	for (int k = 0; k < 3; k++) {
		if (k == 0 && !want_stdin)
			continue;
		if (pipe2(sp->pipes[k], O_CLOEXEC) < 0) {
			envd_rpc_error(r, true, ENVD_INTERNAL, "pipe: %s",
				       strerror(errno));
			return false;
		}
	}
	return true;
}

static struct envd_proc *envd_proc_new(struct tb_server *s, pid_t pid,
				       const json_t *cfg, const char *tag)
{
	struct envd_proc *p = rv_xcalloc(1, sizeof(*p));
	json_t *envs = json_object_get(cfg, "envs");
	json_t *cwd = json_object_get(cfg, "cwd");

	p->srv = s;
	p->refs = 2;		/* the table and the child */
	p->pid = pid;
	p->in_fd = -1;
	p->tag = tag ? rv_xstrdup(tag) : NULL;
	p->config = json_pack("{s:O,s:O,s:O}", "cmd", json_object_get(cfg,
			      "cmd"), "args", json_object_get(cfg, "args") ?
			      json_object_get(cfg, "args") : json_array(),
			      "envs", json_is_object(envs) ? envs :
			      json_object());
	if (json_is_string(cwd))
		json_object_set(p->config, "cwd", cwd);
	p->next = *envd_procs(s);
	*envd_procs(s) = p;
	return p;
}

/* Watch fd for p (the watch holds a reference); false when it cannot. */
static bool envd_watch(struct envd_proc *p, struct tb_watch **slot, int fd,
		       tb_watch_fn on_read, tb_watch_fn on_write)
{
	p->refs++;
	*slot = tb_watch_new(p->srv, fd, on_read, on_write, envd_on_close, p);
	if (!*slot)
		p->refs--;
	return *slot != NULL;
}

void envd_proc_start(struct tb_req *r)
{
	struct tb_server *s = tb_req_server(r);
	struct envd_spawn sp = { .pipes = { { -1, -1 }, { -1, -1 },
					    { -1, -1 } } };
	struct tb_spawn ts = { 0 };
	struct rv_err err = RV_ERR_INIT;
	json_t *msg = envd_rpc_request(r, true), *cfg;
	const char *tag;
	struct envd_proc *p;
	bool want_stdin;
	int null_in = -1;
	pid_t pid;

	if (!msg || !envd_user_ok(r, true))
		goto out;
	cfg = json_object_get(msg, "process");
	tag = json_string_value(json_object_get(msg, "tag"));
	want_stdin = json_is_true(json_object_get(msg, "stdin"));
	if (json_object_get(msg, "pty") && !json_is_null(json_object_get(msg,
								       "pty"))) {
		envd_rpc_error(r, true, ENVD_UNIMPLEMENTED, "pty processes "
			       "are not supported by e2b-lite");
		goto out;
	}
	if (!json_is_object(cfg)) {
		envd_rpc_error(r, true, ENVD_INVALID_ARGUMENT, "process is "
			       "required");
		goto out;
	}
	if (!envd_spawn_prepare(r, cfg, want_stdin, &sp))
		goto out;
	null_in = want_stdin ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
	ts.argv = sp.argv;
	ts.envp = sp.envp;
	ts.cwd = sp.cwd;
	ts.fd_in = want_stdin ? sp.pipes[0][0] : null_in;
	ts.fd_out = sp.pipes[1][1];
	ts.fd_err = sp.pipes[2][1];
	if (tb_spawn(&ts, &pid, &err)) {
		envd_rpc_error(r, true, ENVD_INVALID_ARGUMENT, "%s", err.msg);
		goto out;
	}
	p = envd_proc_new(s, pid, cfg, tag);
	tb_child_track(s, pid, envd_on_exit, p);
	envd_watch(p, &p->w_out, sp.pipes[1][0], envd_on_out, NULL);
	envd_watch(p, &p->w_err, sp.pipes[2][0], envd_on_err, NULL);
	sp.pipes[1][0] = sp.pipes[2][0] = -1;	/* the watches' now */
	if (want_stdin) {
		p->in_fd = sp.pipes[0][1];
		sp.pipes[0][1] = -1;
		if (!envd_watch(p, &p->w_in, p->in_fd, NULL, envd_on_writable))
			p->in_fd = -1;	/* closed by the failed watch */
	}
	envd_subscribe(p, r, true);
out:
	if (null_in >= 0)
		close(null_in);
	envd_spawn_release(&sp);
	json_decref(msg);
}

/* --- the other calls --------------------------------------------------- */

void envd_proc_connect(struct tb_req *r)
{
	json_t *msg = envd_rpc_request(r, true);
	struct envd_proc *p;

	if (!msg)
		return;
	p = envd_find(r, true, json_object_get(msg, "process"));
	if (p)
		envd_subscribe(p, r, false);
	json_decref(msg);
}

void envd_proc_list(struct tb_req *r)
{
	json_t *msg = envd_rpc_request(r, false), *list;

	if (!msg)
		return;
	list = json_array();
	for (struct envd_proc *p = *envd_procs(tb_req_server(r)); p;
	     p = p->next) {
		json_t *info;

		if (p->ended)
			continue;
		info = json_pack("{s:O,s:i}", "config", p->config, "pid",
				 (int)p->pid);
		if (p->tag)
			json_object_set_new(info, "tag", json_string(p->tag));
		json_array_append_new(list, info);
	}
	envd_rpc_reply(r, json_pack("{s:o}", "processes", list));
	json_decref(msg);
}

/* The live process a unary call names; NULL after answering r. */
static struct envd_proc *envd_target(struct tb_req *r, const json_t *msg)
{
	struct envd_proc *p = envd_find(r, false,
					json_object_get(msg, "process"));

	if (p && p->exited) {
		envd_rpc_error(r, false, ENVD_NOT_FOUND, "process not found");
		return NULL;
	}
	return p;
}

void envd_proc_signal(struct tb_req *r)
{
	json_t *msg = envd_rpc_request(r, false), *sig;
	struct envd_proc *p;
	int signo = 0;

	if (!msg)
		return;
	sig = json_object_get(msg, "signal");
	if (json_is_integer(sig))
		signo = (int)json_integer_value(sig);
	else if (json_is_string(sig))
		signo = !strcmp(json_string_value(sig), "SIGNAL_SIGKILL") ?
			SIGKILL : !strcmp(json_string_value(sig),
					  "SIGNAL_SIGTERM") ? SIGTERM : 0;
	if (signo != SIGKILL && signo != SIGTERM) {
		envd_rpc_error(r, false, ENVD_INVALID_ARGUMENT, "signal must "
			       "be SIGNAL_SIGTERM or SIGNAL_SIGKILL");
		goto out;
	}
	if (!(p = envd_target(r, msg)))
		goto out;
	kill(-p->pid, signo);
	envd_rpc_reply(r, json_object());
out:
	json_decref(msg);
}

void envd_proc_input(struct tb_req *r)
{
	json_t *msg = envd_rpc_request(r, false), *in;
	struct envd_proc *p;
	size_t before;

	if (!msg || !(p = envd_target(r, msg)))
		goto out;
	in = json_object_get(msg, "input");
	if (json_object_get(in, "pty")) {
		envd_rpc_error(r, false, ENVD_UNIMPLEMENTED, "pty input is "
			       "not supported by e2b-lite");
		goto out;
	}
	if (!p->w_in || p->close_in) {
		envd_rpc_error(r, false, ENVD_FAILED_PRECONDITION, "the "
			       "process's stdin is not open");
		goto out;
	}
	before = p->in_q.len;
	if (!envd_json_unbytes(json_object_get(in, "stdin"), &p->in_q)) {
		envd_rpc_error(r, false, ENVD_INVALID_ARGUMENT, "input.stdin "
			       "is not base64");
		goto out;
	}
	if (p->in_q.len > before)
		tb_watch_want_write(p->w_in);
	envd_rpc_reply(r, json_object());
out:
	json_decref(msg);
}

void envd_proc_close_stdin(struct tb_req *r)
{
	json_t *msg = envd_rpc_request(r, false);
	struct envd_proc *p;

	if (!msg || !(p = envd_target(r, msg)))
		goto out;
	if (p->w_in) {
		p->close_in = true;
		tb_watch_want_write(p->w_in);
	}
	envd_rpc_reply(r, json_object());
out:
	json_decref(msg);
}

void envd_proc_shutdown(struct tb_server *s)
{
	while (*envd_procs(s)) {
		struct envd_proc *p = *envd_procs(s);

		kill(-p->pid, SIGKILL);
		p->status = SIGKILL;	/* as if it were reaped so */
		envd_end(p);
	}
}
