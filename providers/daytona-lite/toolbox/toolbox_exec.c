/*
 * POST /process/execute: run one command to completion (reference §6.2).
 *
 * As the Daytona daemon does, the command text is fed on stdin to the
 * user's shell, in its own process group, with stdout and stderr merged
 * into one pipe.  The reply is sent when the shell has exited and the
 * pipe is at EOF, like the daemon's, except that a background process
 * that keeps the pipe open gets only TB_EXEC_GRACE_MS more (the daemon
 * would wait for it): "server &" does not hang the request, and what it
 * writes later is read and dropped.  A timeout SIGKILLs the process
 * group and answers 408.
 */
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_session.h"
#include "toolbox_srv.h"

#include "lite_box.h"
#include "rv_alloc.h"
#include "rv_fs.h"
#include "toolbox_lws.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TB_EXEC_GRACE_MS 1000

struct tb_exec {
	struct tb_server *srv;
	struct tb_req *req;
	pid_t pid;
	struct tb_watch *out;	/* NULL once the pipe is closed */
	struct rv_buf output;
	bool exited, timed_out, replied;
	bool code_run;		/* answer as process/code-run */
	int status;
	lws_sorted_usec_list_t timer;	/* the timeout, then the grace */
};

static void tb_exec_maybe_free(struct tb_exec *x)
{
	if (!x->replied || x->out)
		return;
	lws_sul_cancel(&x->timer);
	rv_buf_release(&x->output);
	free(x);
}

/* Read what the pipe has now; -1 at EOF or error. */
static int tb_exec_drain(struct tb_exec *x, int fd)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			if (!x->replied && x->output.len + (size_t)n <=
			    TB_MAX_OUTPUT)
				rv_buf_add(&x->output, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? 0 : -1;
	}
}

static int tb_exec_on_read(struct tb_watch *w, int fd, void *arg)
{
	(void)w;
	return tb_exec_drain(arg, fd);
}

/* Answer with what the command did; the pipe may stay open. */
static void tb_exec_reply(struct tb_exec *x)
{
	struct tb_req *r = x->req;

	lws_sul_cancel(&x->timer);
	if (x->timed_out)
		tb_reply_error(r, 408, "REQUEST_TIMEOUT",
			       "request timeout: command execution timeout");
	else if (x->code_run)
		tb_reply_json(r, 200, json_pack("{s:i,s:o,s:{}}", "exitCode",
						 tb_exit_code(x->status), "result",
						 tb_json_bytes(x->output.data,
							       x->output.len),
						 "artifacts"));
	else
		tb_reply_json(r, 200, json_pack("{s:i,s:o}", "exitCode",
						 tb_exit_code(x->status), "result",
						 tb_json_bytes(x->output.data,
							       x->output.len)));
	tb_req_unref(r);
	x->req = NULL;
	x->replied = true;
	rv_buf_release(&x->output);
}

static void tb_exec_on_close(struct tb_watch *w, void *arg)
{
	struct tb_exec *x = arg;

	(void)w;
	x->out = NULL;
	if (x->exited && !x->replied)
		tb_exec_reply(x);
	tb_exec_maybe_free(x);
}

static void tb_exec_on_grace(lws_sorted_usec_list_t *sul)
{
	struct tb_exec *x = lws_container_of(sul, struct tb_exec, timer);

	if (!x->replied)
		tb_exec_reply(x);	/* a background process holds the pipe */
}

static void tb_exec_on_exit(void *arg, pid_t pid, int status)
{
	struct tb_exec *x = arg;

	(void)pid;
	x->exited = true;
	x->status = status;
	lws_sul_cancel(&x->timer);
	if (x->out && tb_exec_drain(x, tb_watch_fd(x->out)) == 0) {
		lws_sul_schedule(x->srv->ctx, 0, &x->timer, tb_exec_on_grace,
				 TB_EXEC_GRACE_MS * LWS_US_PER_MS);
		return;		/* EOF or the grace, whichever comes first */
	}
	tb_exec_reply(x);
	tb_exec_maybe_free(x);
}

static void tb_exec_on_timeout(lws_sorted_usec_list_t *sul)
{
	struct tb_exec *x = lws_container_of(sul, struct tb_exec, timer);

	x->timed_out = true;
	kill(-x->pid, SIGKILL);
}

/* "K=V" strings from an "envs" object; 400 on a bad key or value. */
static char **tb_exec_envs(struct tb_req *r, json_t *envs)
{
	char why[300], **list = tb_env_from_json(envs, why, sizeof(why));

	if (!list)
		tb_reply_error(r, 400, NULL, "bad request: %s", why);
	return list;
}

/* A memfd holding the command text, positioned at 0, or -1. */
static int tb_exec_stdin(const char *command)
{
	int fd = memfd_create("command", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (rv_write_all(fd, command, strlen(command)) < 0) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Start the shell; replies itself on failure.  true when running. */
static bool tb_exec_start(struct tb_exec *x, const char *command,
			  const char *cwd, char **envs)
{
	struct tb_server *s = x->srv;
	char *argv[] = { s->shell, NULL };
	char **envp = envs[0] ? tb_env_merge(envs) : NULL;
	int in = tb_exec_stdin(command), pipefd[2] = { -1, -1 };
	struct tb_spawn sp = { argv, envp, cwd ? cwd : s->workdir, in, -1, -1 };
	struct rv_err err = RV_ERR_INIT;
	bool ok = false;

	if (in < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		tb_reply_json(x->req, 200, json_pack("{s:i,s:s}", "exitCode",
			      -1, "result", strerror(errno)));
		goto out;
	}
	sp.fd_out = sp.fd_err = pipefd[1];
	if (tb_spawn(&sp, &x->pid, &err)) {
		tb_reply_json(x->req, 200, json_pack("{s:i,s:s}", "exitCode",
			      -1, "result", err.msg));
		goto out;
	}
	x->out = tb_watch_new(s, pipefd[0], tb_exec_on_read, NULL,
			      tb_exec_on_close, x);
	pipefd[0] = -1;
	tb_child_track(s, x->pid, tb_exec_on_exit, x);
	ok = true;
out:
	if (in >= 0)
		close(in);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	tb_env_free(envp);
	return ok;
}

/* Run command as execute and code-run do; replies itself. */
static void tb_exec_launch(struct tb_req *r, const char *command,
			   const char *cwd, json_t *jenvs, json_t *jtimeout,
			   bool code_run)
{
	json_int_t timeout = json_integer_value(jtimeout);
	char **envs;
	struct tb_exec *x;

	if (jtimeout && !json_is_null(jtimeout) && (!json_is_integer(jtimeout) ||
						    timeout < 0)) {
		tb_reply_error(r, 400, "INVALID_REQUEST_BODY", "invalid body "
			       "request: 'timeout' must be a number of seconds");
		return;
	}
	envs = tb_exec_envs(r, jenvs);
	if (!envs)
		return;
	x = rv_xcalloc(1, sizeof(*x));
	x->srv = tb_req_server(r);
	x->req = tb_req_ref(r);
	x->code_run = code_run;
	rv_buf_init(&x->output);
	if (!tb_exec_start(x, command, cwd && *cwd ? cwd : NULL, envs)) {
		tb_req_unref(r);
		free(x);
	} else if (timeout > 0) {
		if (timeout > 366 * 86400)
			timeout = 366 * 86400;
		lws_sul_schedule(x->srv->ctx, 0, &x->timer, tb_exec_on_timeout,
				 (lws_usec_t)timeout * LWS_US_PER_SEC);
	}
	tb_env_free(envs);
}

static void tb_execute(struct tb_req *r)
{
	json_t *body = tb_req_json(r);
	const char *command;

	if (!body)
		return;
	command = json_string_value(json_object_get(body, "command"));
	if (!command || !command[strspn(command, " \t\r\n")])
		tb_reply_error(r, 400, NULL, "bad request: command cannot be "
			       "empty or whitespace-only");
	else
		tb_exec_launch(r, command, json_string_value(json_object_get(
			       body, "cwd")), json_object_get(body, "envs"),
			       json_object_get(body, "timeout"), false);
	json_decref(body);
}

/*
 * The shell command the daemon runs for code in language (reference
 * §6.1 process/code-run): base64-decoded into the interpreter's stdin,
 * argv joined with spaces, as the daemon does.  NULL: unsupported.
 */
static char *tb_code_command(const char *language, const char *code,
			     json_t *argv)
{
	static const char js_prefix[] = "process.argv.splice(1, 1);\n";
	struct rv_buf src = RV_BUF_INIT, args = RV_BUF_INIT;
	char *b64, *cmd = NULL;
	size_t i;
	json_t *a;
	int n;

	if (!language || !*language)
		language = "python";
	if (strcmp(language, "python"))
		rv_buf_adds(&src, js_prefix);
	rv_buf_adds(&src, code);
	json_array_foreach(argv, i, a)
		if (json_is_string(a))
			rv_buf_addf(&args, " %s", json_string_value(a));
	b64 = rv_xmalloc(src.len * 4 / 3 + 8);
	n = lws_b64_encode_string(src.data, (int)src.len, b64,
				  (int)(src.len * 4 / 3 + 8));
	if (n < 0)
		rv_bug("toolbox: base64 buffer too small");
	if (!strcmp(language, "python"))
		cmd = rv_xasprintf("printf '%%s' '%s' | base64 -d | python3 -u -%s",
				   b64, args.data);
	else if (!strcmp(language, "javascript"))
		cmd = rv_xasprintf("printf '%%s' '%s' | base64 -d | node -%s",
				   b64, args.data);
	else if (!strcmp(language, "typescript"))
		cmd = rv_xasprintf("_f=/tmp/dtn_$$.ts; printf '%%s' '%s' | "
				   "base64 -d > \"$_f\"; npm_config_loglevel="
				   "error npx ts-node -T --ignore-diagnostics 5107 "
				   "-O '{\"module\":\"CommonJS\"}' \"$_f\"%s; "
				   "_dtn_ec=$?; rm -f \"$_f\"; exit $_dtn_ec", b64,
				   args.data);
	free(b64);
	rv_buf_release(&src);
	rv_buf_release(&args);
	return cmd;
}

static void tb_code_run(struct tb_req *r)
{
	json_t *body = tb_req_json(r);
	const char *code, *language;
	char *cmd;

	if (!body)
		return;
	code = json_string_value(json_object_get(body, "code"));
	language = json_string_value(json_object_get(body, "language"));
	if (!code) {
		tb_reply_error(r, 400, "INVALID_REQUEST_BODY", "invalid body "
			       "request: 'code' is required");
	} else if (!(cmd = tb_code_command(language, code,
					   json_object_get(body, "argv")))) {
		tb_reply_error(r, 400, NULL, "bad request: unsupported "
			       "language: %s", language);
	} else {
		tb_exec_launch(r, cmd, NULL, json_object_get(body, "envs"),
			       json_object_get(body, "timeout"), true);
		free(cmd);
	}
	json_decref(body);
}

/* the process routes; sessions are in toolbox_session.c */
const struct tb_route tb_routes_process[] = {
	{ "POST", "/process/execute", tb_execute, TB_BODY_BUFFER, NULL },
	{ "POST", "/process/code-run", tb_code_run, TB_BODY_BUFFER, NULL },
	{ "GET", "/process/session", tb_session_list, TB_BODY_NONE, NULL },
	{ "POST", "/process/session", tb_session_create, TB_BODY_BUFFER, NULL },
	{ "GET", "/process/session/:sid", tb_session_get, TB_BODY_NONE, NULL },
	{ "DELETE", "/process/session/:sid", tb_session_delete, TB_BODY_NONE, NULL },
	{ "POST", "/process/session/:sid/exec", tb_session_exec,
	  TB_BODY_BUFFER, NULL },
	{ "GET", "/process/session/:sid/command/:cid", tb_session_command,
	  TB_BODY_NONE, NULL },
	{ "GET", "/process/session/:sid/command/:cid/logs", tb_session_logs,
	  TB_BODY_NONE, NULL },
	{ NULL, NULL, NULL, TB_BODY_NONE, NULL },
};
