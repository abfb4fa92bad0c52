/* docker_exec: commands in a container (see docker_exec.h). */
#include "docker_exec.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_random.h"
#include "rv_redact.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dx_follow_end(struct docker_spawn *s, long ms);

#define DX_START_BODY "{\"Detach\":false,\"Tty\":false}"
#define DX_FOREVER_MS (7L * 24 * 3600 * 1000)

struct docker_spawn {
	struct docker_client *c;	/* borrowed: the sandbox's */
	char *exec_id;
	char *pidfile;
	char *log_path;
	struct rv_redact_stream log;	/* to the log file (fd -1: none) */
	struct docker_demux demux;
	pthread_t thread;
	bool threaded;
	bool followed;			/* the thread ran: it finished the log */
	volatile int stop;		/* ends the follow */
	int done;			/* the follow ended (atomic) */
	enum rv_code rc;		/* how, set before done */
	struct rv_err err;
	bool killed;
	bool boot;			/* the container's main process:
					   exec_id is the container's id */
	size_t seen;			/* bytes of output so far */
	int no_tar;			/* atomic: DOCKER_NO_TAR_LINE came */
};

/* "/tmp/.runeval-<hex>.pid": where a command's shell notes its pid. */
static char *dx_pidfile(void)
{
	unsigned char r[8];
	char hex[17];

	rv_random(r, sizeof(r));
	return rv_xasprintf("/tmp/.runeval-%s.pid", rv_hex(r, sizeof(r), hex));
}

/*
 * The exec's command: a shell that notes its pid (the group's id) and
 * becomes the command.  A failed note (no /tmp) only costs the kill.
 */
static json_t *dx_cmd(const struct provider_cmd *cmd, const char *pidfile)
{
	char *prog = rv_xasprintf("{ echo $$ >%s; } 2>/dev/null; exec %s",
				  pidfile, cmd->argv && cmd->argv[0] ?
				  "\"$@\"" : "/bin/sh -c \"$1\"");
	json_t *a = json_pack("[s, s, s, s]", "/bin/sh", "-c", prog, "sh");

	if (cmd->argv && cmd->argv[0])
		for (const char *const *p = cmd->argv; *p; p++)
			json_array_append_new(a, json_string(*p));
	else
		json_array_append_new(a, json_string(cmd->shell ? cmd->shell :
						     "true"));
	free(prog);
	return a;
}

/* POST /containers/{id}/exec: *exec_id. */
static enum rv_code dx_create(struct docker_client *c, const char *id,
			      json_t *argv, const struct provider_cmd *cmd,
			      const struct remote_call *call, char **exec_id,
			      struct rv_err *err)
{
	struct remote_req r = { .method = "POST",
				 .op = "POST /containers/{id}/exec" };
	json_t *b = json_pack("{s:b, s:b, s:b, s:b, s:O}", "AttachStdin", 0,
			      "AttachStdout", 1, "AttachStderr", 1, "Tty", 0,
			      "Cmd", argv);
	json_t *env = json_array(), *j = NULL;
	char *path = remote_url("/containers/", id, "/exec");
	char *what = rv_xasprintf("cannot run a command in container '%s'",
				  id);
	enum rv_code rc;

	for (const char *const *e = cmd->env; e && *e; e++)
		json_array_append_new(env, json_string(*e));
	json_object_set_new(b, "Env", env);
	if (cmd->cwd)
		json_object_set_new(b, "WorkingDir", json_string(cmd->cwd));
	r.json = rv_json_dumps(b);
	*exec_id = NULL;
	rc = docker_call_json(c, path, &r, call, what, &j, err);
	if (rc == RV_OK && !rv_json_str(j, "Id"))
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no exec 'Id'", what);
	if (rc == RV_OK)
		*exec_id = rv_xstrdup(rv_json_str(j, "Id"));
	json_decref(j);
	json_decref(b);
	free((char *)r.json);
	free(path);
	free(what);
	return rc;
}

/* GET /exec/{id}/json. */
static enum rv_code dx_inspect(struct docker_client *c, const char *exec_id,
			       const struct remote_call *call, bool *running,
			       int *exit_code, long *pid, struct rv_err *err)
{
	struct remote_req r = { .method = "GET", .op = "GET /exec/{id}/json" };
	char *path = remote_url("/exec/", exec_id, "/json");
	json_t *j = NULL, *code;
	enum rv_code rc;

	rc = docker_call_json(c, path, &r, call, "cannot inspect a command",
			      &j, err);
	if (rc == RV_OK) {
		code = json_object_get(j, "ExitCode");
		*running = rv_json_bool(j, "Running", false);
		*exit_code = json_is_integer(code) ?
			(int)json_integer_value(code) : -1;
		*pid = (long)rv_json_int(j, "Pid", 0);
	}
	json_decref(j);
	free(path);
	return rc;
}

static bool dx_on_body(const char *data, size_t len, void *arg)
{
	docker_demux_feed(arg, data, len);
	return true;
}

/* POST /exec/{id}/start: the output streams into d until the end. */
static enum rv_code dx_start(struct docker_client *c, const char *exec_id,
			     struct docker_demux *d, long timeout_ms,
			     const volatile int *cancel,
			     const struct remote_call *call,
			     struct rv_err *err)
{
	struct remote_req r = { .method = "POST",
				 .op = "POST /exec/{id}/start",
				 .json = DX_START_BODY, .idem = REMOTE_ONCE,
				 .timeout_ms = timeout_ms,
				 .on_body = dx_on_body, .on_body_arg = d,
				 .cancel = cancel };
	char *path = remote_url("/exec/", exec_id, "/start");
	enum rv_code rc;

	rc = docker_call_json(c, path, &r, call, "cannot start a command",
			      NULL, err);
	free(path);
	return rc;
}

static void dx_drop(int stream, const char *data, size_t len, void *arg)
{
	(void)stream, (void)data, (void)len, (void)arg;
}

/* Signal the group whose leader's pid is in pidfile. */
static enum rv_code dx_signal(struct docker_client *c, const char *id,
			      const char *pidfile, const char *sig,
			      const struct remote_call *call,
			      struct rv_err *err)
{
	char *sh = rv_xasprintf("p=$(cat %s 2>/dev/null) && [ -n \"$p\" ] && "
				"kill -s %s -- -\"$p\" 2>/dev/null; exit 0",
				pidfile, sig);
	const char *const argv[] = { "/bin/sh", "-c", sh, NULL };
	json_t *a = json_pack("[s, s, s]", argv[0], argv[1], argv[2]);
	struct provider_cmd cmd = { .argv = argv };
	struct docker_demux d;
	char *eid = NULL;
	enum rv_code rc;

	docker_demux_init(&d, dx_drop, NULL);
	rc = dx_create(c, id, a, &cmd, call, &eid, err);
	if (rc == RV_OK)
		rc = dx_start(c, eid, &d, 30000, NULL, call, err);
	json_decref(a);
	free(eid);
	free(sh);
	return rc;
}

/* The last DOCKER_EXEC_OUTPUT_MAX bytes of what a command printed. */
static void dx_keep_output(int stream, const char *data, size_t len,
			   void *arg)
{
	struct rv_buf *b = arg;

	(void)stream;
	rv_buf_add(b, data, len);
	if (b->len > 2 * DOCKER_EXEC_OUTPUT_MAX) {
		size_t drop = b->len - DOCKER_EXEC_OUTPUT_MAX;

		memmove(b->data, b->data + drop, b->len - drop);
		rv_buf_truncate(b, b->len - drop);
	}
}

enum rv_code docker_exec_run(struct docker_client *c, const char *id,
			     const struct provider_cmd *cmd,
			     const struct remote_call *call, int *exit_code,
			     struct rv_buf *out, struct rv_err *err)
{
	char *pidfile = dx_pidfile(), *eid = NULL;
	json_t *argv = dx_cmd(cmd, pidfile);
	struct remote_call firm = remote_call_firm(NULL, 30000);
	struct docker_demux d;
	bool running = true;
	enum rv_code rc;
	long pid;

	*exit_code = -1;
	docker_demux_init(&d, dx_keep_output, out);
	rc = dx_create(c, id, argv, cmd, call, &eid, err);
	if (rc != RV_OK)
		goto out;
	rc = dx_start(c, eid, &d, cmd->timeout_ms > 0 ? cmd->timeout_ms :
		      DX_FOREVER_MS, NULL, call, err);
	if (rc == RV_ERR_TIMEOUT || rc == RV_ERR_INTR) {
		/* it may run on: end it (even after a signal) */
		firm.log = call ? call->log : NULL;
		dx_signal(c, id, pidfile, "KILL", &firm, NULL);
		if (rc == RV_ERR_TIMEOUT)
			rv_errf(err, rc, "command timed out after %.1f s in "
				"container '%s'", cmd->timeout_ms / 1000.0, id);
		goto out;
	}
	if (rc != RV_OK)
		goto out;
	/* the stream ends a moment before the engine notes the exit */
	for (unsigned i = 0; running && i < 250; i++) {
		rc = dx_inspect(c, eid, call, &running, exit_code, &pid, err);
		if (rc != RV_OK || !running)
			break;
		remote_sleep_ms(i < 50 ? 2 : 20, call);
	}
	if (rc == RV_OK && running)
		rc = rv_errf(err, RV_ERR_PROTO, "command in container '%s' "
			     "closed its output but still runs", id);
out:
	json_decref(argv);
	free(pidfile);
	free(eid);
	return rc;
}

/* --- in the background ------------------------------------------------- */

static void dx_log_sink(int stream, const char *data, size_t len, void *arg)
{
	struct docker_spawn *s = arg;

	(void)stream;	/* one file, both streams in arrival order */
	if (s->boot && s->seen == 0 && len >= strlen(DOCKER_NO_TAR_LINE) &&
	    !memcmp(data, DOCKER_NO_TAR_LINE, strlen(DOCKER_NO_TAR_LINE)))
		__atomic_store_n(&s->no_tar, 1, __ATOMIC_RELEASE);
	s->seen += len;
	rv_redact_stream_write(&s->log, data, len);
}

/* GET /containers/{id}/logs?follow=1: the main process's output, from
   its start, until the container stops. */
static enum rv_code dx_logs(struct docker_client *c, const char *id,
			    struct docker_demux *d, const volatile int *cancel,
			    const struct remote_call *call,
			    struct rv_err *err)
{
	struct remote_req r = { .method = "GET",
				 .op = "GET /containers/{id}/logs",
				 .idem = REMOTE_ONCE,
				 .timeout_ms = DX_FOREVER_MS,
				 .on_body = dx_on_body, .on_body_arg = d,
				 .cancel = cancel };
	char *path = remote_url("/containers/", id,
				"/logs?follow=1&stdout=1&stderr=1");
	enum rv_code rc;

	rc = docker_call_json(c, path, &r, call, "cannot follow the app's "
			      "output", NULL, err);
	free(path);
	return rc;
}

static void *dx_follow(void *arg)
{
	struct docker_spawn *s = arg;
	/* no attempt log: that belongs to the sandbox's thread */
	struct remote_call call = remote_call_firm(NULL, DX_FOREVER_MS);
	struct rv_err e = RV_ERR_INIT;

	if (s->boot)
		s->rc = dx_logs(s->c, s->exec_id, &s->demux, &s->stop, &call,
				&e);
	else
		s->rc = dx_start(s->c, s->exec_id, &s->demux, DX_FOREVER_MS,
				 &s->stop, &call, &e);
	s->err = e;
	rv_redact_stream_finish(&s->log);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool dx_done(struct docker_spawn *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) != 0;
}

enum rv_code docker_exec_spawn(struct docker_client *c, const char *id,
			       const struct provider_cmd *cmd,
			       const struct remote_call *call,
			       struct docker_spawn **out, struct rv_err *err)
{
	struct docker_spawn *s = rv_xcalloc(1, sizeof(*s));
	struct provider_cmd sh = *cmd;
	bool running = false;
	int code = -1;
	long pid = 0;
	json_t *argv;
	enum rv_code rc;

	*out = NULL;
	sh.argv = NULL;		/* a shell command: cmd->shell */
	s->c = c;
	s->pidfile = dx_pidfile();
	s->log_path = cmd->log_path ? rv_xstrdup(cmd->log_path) : NULL;
	/* a log that cannot be written fails the start before it happens */
	rc = remote_log_open(&s->log, s->log_path, cmd->log_limit, err);
	docker_demux_init(&s->demux, dx_log_sink, s);
	if (rc != RV_OK)
		goto fail;
	argv = dx_cmd(&sh, s->pidfile);
	rc = dx_create(c, id, argv, &sh, call, &s->exec_id, err);
	json_decref(argv);
	if (rc != RV_OK)
		goto fail;
	if (pthread_create(&s->thread, NULL, dx_follow, s) != 0) {
		rc = rv_errf(err, RV_ERR_INTERNAL, "cannot start a thread to "
			     "follow the app's output");
		goto fail;
	}
	s->threaded = s->followed = true;
	/* running once the engine has a pid for it (or it already ended) */
	for (unsigned i = 0;; i++) {
		rc = dx_inspect(c, s->exec_id, call, &running, &code, &pid,
				err);
		if (rc != RV_OK || running || pid > 0 || code >= 0)
			break;
		if (dx_done(s)) {
			rc = s->rc != RV_OK ? s->rc : rv_errf(err,
				RV_ERR_PROTO, "the app's command ended "
				"without starting");
			if (s->rc != RV_OK && err)
				*err = s->err;
			break;
		}
		if (remote_stopped(call) ||
		    rv_now_ns() >= remote_deadline(call, 60000)) {
			rc = rv_errf(err, remote_stopped(call) ? RV_ERR_INTR :
				     RV_ERR_TIMEOUT, "the app's command in "
				     "container '%s' did not start", id);
			break;
		}
		remote_sleep_ms(i < 50 ? 2 : 20, call);
	}
	if (rc != RV_OK)
		goto fail;
	*out = s;
	return RV_OK;
fail:
	docker_spawn_free(s);
	return rc;
}

/* --- the container's main process ------------------------------------ */

char *docker_boot_script(const struct provider_cmd *cmd, const char *file,
			 size_t *len)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_adds(&b, "rm -f ");
	rv_buf_add_shell_word(&b, file);
	rv_buf_addch(&b, '\n');
	if (cmd->cwd) {
		rv_buf_adds(&b, "cd ");
		rv_buf_add_shell_word(&b, cmd->cwd);
		rv_buf_adds(&b, " || exit 127\n");
	}
	for (const char *const *e = cmd->env; e && *e; e++) {
		rv_buf_adds(&b, "export ");
		rv_buf_add_shell_word(&b, *e);
		rv_buf_addch(&b, '\n');
	}
	/* TERM (or INT) goes to the whole group, once; the shell stays
	   to give the command's status as the container's */
	rv_buf_adds(&b, "trap 'trap \"\" TERM INT; kill -TERM 0 2>/dev/null' "
		    "TERM INT\n");
	if (cmd->argv && cmd->argv[0]) {
		for (const char *const *a = cmd->argv; *a; a++) {
			rv_buf_add_shell_word(&b, *a);
			rv_buf_addch(&b, ' ');
		}
	} else {
		rv_buf_adds(&b, "/bin/sh -c ");
		rv_buf_add_shell_word(&b, cmd->shell ? cmd->shell : "true");
	}
	rv_buf_adds(&b, " &\np=$!\n"
		    "while :; do wait \"$p\"; c=$?; "
		    "kill -0 \"$p\" 2>/dev/null || break; done\n"
		    "exit \"$c\"\n");
	return rv_buf_detach(&b, len);
}

enum rv_code docker_boot_spawn(struct docker_client *c, const char *id,
			       const struct provider_cmd *cmd,
			       struct docker_spawn **out, struct rv_err *err)
{
	struct docker_spawn *s = rv_xcalloc(1, sizeof(*s));
	enum rv_code rc;

	*out = NULL;
	s->c = c;
	s->boot = true;
	s->exec_id = rv_xstrdup(id);
	s->log_path = cmd->log_path ? rv_xstrdup(cmd->log_path) : NULL;
	rc = remote_log_open(&s->log, s->log_path, cmd->log_limit, err);
	docker_demux_init(&s->demux, dx_log_sink, s);
	if (rc != RV_OK) {
		docker_spawn_free(s);
		return rc;
	}
	*out = s;
	return RV_OK;
}

bool docker_spawn_no_tar(struct docker_spawn *s)
{
	return __atomic_load_n(&s->no_tar, __ATOMIC_ACQUIRE) != 0;
}

void docker_boot_follow(struct docker_spawn *s)
{
	dx_follow_end(s, 0);	/* a former follow (a start again) */
	s->stop = 0;
	__atomic_store_n(&s->done, 0, __ATOMIC_RELEASE);
	docker_demux_init(&s->demux, dx_log_sink, s);
	if (pthread_create(&s->thread, NULL, dx_follow, s) == 0)
		s->threaded = s->followed = true;
}

static enum rv_code dx_boot_status(struct docker_client *c,
				   struct docker_spawn *s,
				   const struct remote_call *call,
				   bool *running, int *exit_code,
				   struct rv_err *err)
{
	struct docker_container ct = { 0 };
	enum rv_code rc = docker_inspect(c, s->exec_id, 0, call, &ct, err);

	if (rc == RV_OK) {
		*running = ct.running || (ct.state &&
					  !strcmp(ct.state, "created"));
		*exit_code = *running ? -1 : ct.exit_code;
	}
	docker_container_release(&ct);
	/* ended: its output is all in the log before anyone reads it */
	if (rc == RV_OK && !*running)
		dx_follow_end(s, 1000);
	return rc;
}

/* POST /containers/{id}/kill?signal=sig; not running or gone is fine. */
static enum rv_code dx_boot_signal(struct docker_client *c, const char *id,
				   const char *sig,
				   const struct remote_call *call,
				   struct rv_err *err)
{
	struct remote_req r = { .method = "POST",
				 .op = "POST /containers/{id}/kill" };
	char *suffix = rv_xasprintf("/kill?signal=%s", sig);
	char *path = remote_url("/containers/", id, suffix);
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc;

	rc = docker_call_json(c, path, &r, call, "cannot stop the app", NULL,
			      &e);
	if (rc == RV_ERR_CONFLICT || rc == RV_ERR_NOTFOUND)
		rc = RV_OK;
	else if (rc != RV_OK && err)
		*err = e;
	free(path);
	free(suffix);
	return rc;
}

enum rv_code docker_exec_status(struct docker_client *c,
				struct docker_spawn *s,
				const struct remote_call *call, bool *running,
				int *exit_code, struct rv_err *err)
{
	long pid;

	*running = false;
	*exit_code = -1;
	if (s->killed)
		return RV_OK;
	if (s->boot)
		return dx_boot_status(c, s, call, running, exit_code, err);
	return dx_inspect(c, s->exec_id, call, running, exit_code, &pid, err);
}

/* Let the follow end by itself for up to ms, then make it. */
static void dx_follow_end(struct docker_spawn *s, long ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;

	if (!s->threaded)
		return;
	while (!dx_done(s) && rv_now_ns() < end)
		rv_sleep_ns(2 * RV_NS_PER_MS, NULL);
	s->stop = 1;
	pthread_join(s->thread, NULL);
	s->threaded = false;
}

/* SIGsig to s: its group (an exec) or the container (a main process). */
static enum rv_code dx_kill(struct docker_client *c, const char *id,
			    struct docker_spawn *s, const char *sig,
			    const struct remote_call *call, struct rv_err *err)
{
	return s->boot ? dx_boot_signal(c, id, sig, call, err) :
		dx_signal(c, id, s->pidfile, sig, call, err);
}

enum rv_code docker_exec_kill(struct docker_client *c, const char *id,
			      struct docker_spawn *s, long grace_ms,
			      const struct remote_call *call,
			      struct rv_err *err)
{
	uint64_t end = rv_now_ns() + (uint64_t)grace_ms * RV_NS_PER_MS;
	bool running = true;
	int code;
	long pid;
	enum rv_code rc;

	if (s->killed)
		return RV_OK;
	rc = dx_kill(c, id, s, "TERM", call, err);
	while (rc == RV_OK && !dx_done(s) && rv_now_ns() < end) {
		rc = s->boot ? dx_boot_status(c, s, call, &running, &code,
					      err) :
			dx_inspect(c, s->exec_id, call, &running, &code, &pid,
				   err);
		if (rc == RV_ERR_NOTFOUND && s->boot) {
			rv_err_clear(err);	/* gone with its container */
			rc = RV_OK;
			running = false;
		}
		if (rc != RV_OK || !running)
			break;
		rv_sleep_ns(10 * RV_NS_PER_MS, NULL);
	}
	if (rc == RV_OK && running && !dx_done(s))
		rc = dx_kill(c, id, s, "KILL", call, err);
	/* the output closes with the group; a child that kept it open
	   does not hold teardown */
	dx_follow_end(s, 1000);
	s->killed = true;
	return rc;
}

void docker_spawn_gone(struct docker_spawn *s)
{
	dx_follow_end(s, 1000);
	s->killed = true;
}

const char *docker_spawn_log_path(const struct docker_spawn *s)
{
	return s->log_path;
}

long long docker_spawn_log_tail(struct docker_spawn *s, size_t max,
				struct rv_buf *out)
{
	return s->log_path ? rv_redact_stream_read_tail(&s->log, s->log_path,
							max, out) : 0;
}

void docker_spawn_free(struct docker_spawn *s)
{
	if (!s)
		return;
	dx_follow_end(s, 0);
	if (!s->followed)
		rv_redact_stream_finish(&s->log);
	if (s->log.fd >= 0)
		close(s->log.fd);
	rv_redact_stream_release(&s->log);
	free(s->exec_id);
	free(s->pidfile);
	free(s->log_path);
	free(s);
}
