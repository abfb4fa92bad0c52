/* Sessions: one shell each, fed command wrappers on its stdin. */
#include "toolbox_session.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "toolbox.h"
#include "toolbox_http.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TB_KILL_GRACE_MS 500

struct tb_session {
	struct tb_session *next;
	int refs;
	struct tb_server *srv;
	char *id;
	char *dir;
	pid_t pid;		/* the shell (and its pgid); 0 when not running */
	struct tb_watch *w_in;	/* the shell's stdin: command wrappers */
	struct tb_watch *w_note; /* the shell's stdout: S/E notes */
	struct rv_buf pending;	/* wrapper text not written yet */
	struct rv_buf note;	/* a partial note line */
	struct tb_cmd *cmds, **tail;
	bool deleted;
};

static void tb_session_unref(struct tb_session *s)
{
	if (!s || --s->refs > 0)
		return;
	rv_buf_release(&s->pending);
	rv_buf_release(&s->note);
	free(s->id);
	free(s->dir);
	free(s);
}

static struct tb_session *tb_session_find(struct tb_server *srv,
					  const char *id)
{
	for (struct tb_session *s = srv->sessions; s; s = s->next)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

static struct tb_cmd *tb_session_cmd(struct tb_session *s, const char *cid)
{
	for (struct tb_cmd *c = s->cmds; c; c = c->next)
		if (!strcmp(c->id, cid))
			return c;
	return NULL;
}

struct tb_cmd *tb_cmd_find(struct tb_server *srv, const char *sid,
			   const char *cid, const char **why)
{
	struct tb_session *s = sid ? tb_session_find(srv, sid) : NULL;
	struct tb_cmd *c = s && cid ? tb_session_cmd(s, cid) : NULL;

	*why = !s ? "not found: session not found" :
		!c ? "not found: command not found" : NULL;
	return c;
}

/* --- the shell ---------------------------------------------------------- */

static void tb_session_note(struct tb_session *s, char *line)
{
	char cid[64];
	int rc;
	struct tb_cmd *c;

	if (sscanf(line, "S %63s", cid) == 1 && (c = tb_session_cmd(s, cid)))
		c->started = true;
	else if (sscanf(line, "E %63s %d", cid, &rc) == 2 &&
		 (c = tb_session_cmd(s, cid)))
		tb_cmd_finish(c, rc);
}

/* Read and act on every note the shell has written; -1 at EOF. */
static int tb_session_read_notes(struct tb_session *s, int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && errno == EAGAIN ? 0 : -1;
		rv_buf_add(&s->note, buf, (size_t)n);
		while ((nl = memchr(s->note.data, '\n', s->note.len))) {
			size_t len = (size_t)(nl - s->note.data) + 1;

			*nl = '\0';
			tb_session_note(s, s->note.data);
			memmove(s->note.data, s->note.data + len,
				s->note.len - len);
			rv_buf_truncate(&s->note, s->note.len - len);
		}
	}
}

static int tb_session_on_note(struct tb_watch *w, int fd, void *arg)
{
	(void)w;
	return tb_session_read_notes(arg, fd);
}

/* Write pending wrapper text; ask for POLLOUT when the pipe is full. */
static int tb_session_flush(struct tb_watch *w, int fd, void *arg)
{
	struct tb_session *s = arg;

	return tb_watch_flush(w, fd, &s->pending);	/* -1: shell gone */
}

static void tb_session_on_close(struct tb_watch *w, void *arg)
{
	struct tb_session *s = arg;

	if (s->w_in == w)
		s->w_in = NULL;
	if (s->w_note == w)
		s->w_note = NULL;
	tb_session_unref(s);
}

/* The shell exited: commands it did not finish end with its status. */
static void tb_session_on_exit(void *arg, pid_t pid, int status)
{
	struct tb_session *s = arg;

	(void)pid;
	s->pid = 0;
	if (s->w_note)
		tb_session_read_notes(s, tb_watch_fd(s->w_note));
	tb_watch_close(s->w_in);
	tb_watch_close(s->w_note);
	s->w_in = s->w_note = NULL;	/* a new shell gets new ones */
	rv_buf_reset(&s->pending);
	for (struct tb_cmd *c = s->cmds; c; c = c->next)
		if (!c->finished)
			tb_cmd_finish(c, c->started ? tb_exit_code(status) : -1);
	tb_session_unref(s);
}

static enum rv_code tb_session_spawn(struct tb_session *s, struct rv_err *err)
{
	struct tb_server *srv = s->srv;
	char *argv[] = { srv->shell, NULL };
	int in[2], note[2], null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct tb_spawn sp = { argv, NULL, srv->workdir, -1, -1, null };
	enum rv_code rc;

	if (pipe2(in, O_CLOEXEC) < 0) {
		close(null);
		return rv_errf(err, RV_ERR_IO, "pipe: %s", strerror(errno));
	}
	if (pipe2(note, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		close(null);
		return rv_errf(err, RV_ERR_IO, "pipe: %s", strerror(errno));
	}
	sp.fd_in = in[0];
	sp.fd_out = note[1];
	rc = tb_spawn(&sp, &s->pid, err);
	close(in[0]);
	close(note[1]);
	close(null);
	if (rc) {
		close(in[1]);
		close(note[0]);
		s->pid = 0;
		return rc;
	}
	s->refs += 3;	/* the two watches and the child */
	s->w_in = tb_watch_new(srv, in[1], NULL, tb_session_flush,
			       tb_session_on_close, s);
	s->w_note = tb_watch_new(srv, note[0], tb_session_on_note, NULL,
				 tb_session_on_close, s);
	s->refs -= !s->w_in + !s->w_note;
	tb_child_track(srv, s->pid, tb_session_on_exit, s);
	return RV_OK;
}

/* Remove session s from the server, kill its shell and end its commands. */
static void tb_session_kill(struct tb_session *s, unsigned grace_ms)
{
	struct tb_cmd *c, *next;
	struct rv_err err = RV_ERR_INIT;

	for (struct tb_session **pp = &s->srv->sessions; *pp;
	     pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->deleted = true;
	if (s->pid) {
		tb_child_untrack(s->srv, s->pid);
		tb_kill_tree(s->srv, s->pid, grace_ms);
		s->pid = 0;
		tb_session_unref(s);	/* the child's reference */
	}
	tb_watch_close(s->w_in);
	tb_watch_close(s->w_note);
	for (c = s->cmds; c; c = next) {
		next = c->next;
		tb_cmd_detach(c);
		tb_cmd_unref(c);
	}
	s->cmds = NULL;
	rv_remove_tree(s->dir, &err);
	tb_session_unref(s);
}

void tb_sessions_destroy(struct tb_server *srv)
{
	while (srv->sessions)
		tb_session_kill(srv->sessions, 0);
}

/* --- routes ------------------------------------------------------------- */

static json_t *tb_cmd_json(const struct tb_cmd *c)
{
	json_t *v = json_pack("{s:s,s:s}", "id", c->id, "command", c->command);

	if (c->finished)
		json_object_set_new(v, "exitCode", json_integer(c->exit_code));
	return v;
}

static json_t *tb_session_json(const struct tb_session *s)
{
	json_t *cmds = json_array();

	for (const struct tb_cmd *c = s->cmds; c; c = c->next)
		json_array_append_new(cmds, tb_cmd_json(c));
	return json_pack("{s:s,s:o}", "sessionId", s->id, "commands", cmds);
}

void tb_session_create(struct tb_req *r)
{
	struct tb_server *srv = tb_req_server(r);
	json_t *body = tb_req_json(r);
	const char *id;
	struct tb_session *s;
	struct rv_err err = RV_ERR_INIT;

	if (!body)
		return;
	id = json_string_value(json_object_get(body, "sessionId"));
	if (!id || !*id) {
		tb_reply_error(r, 400, "INVALID_REQUEST_BODY", "invalid body "
			       "request: 'sessionId' is required");
	} else if (!strcmp(id, "entrypoint")) {
		tb_reply_error(r, 400, NULL, "bad request: provided session ID "
			       "is reserved and cannot be created/overridden");
	} else if (tb_session_find(srv, id)) {
		tb_reply_error(r, 409, NULL, "conflict: session already exists");
	} else {
		s = rv_xcalloc(1, sizeof(*s));
		s->refs = 1;
		s->srv = srv;
		s->id = rv_xstrdup(id);
		s->dir = rv_xasprintf("%s/s%lu", srv->state_dir,
				      srv->next_id++);
		s->tail = &s->cmds;
		rv_buf_init(&s->pending);
		rv_buf_init(&s->note);
		if (mkdir(s->dir, 0700) < 0 || tb_session_spawn(s, &err)) {
			tb_reply_error(r, 500, NULL, "cannot start the session "
				       "shell: %s", err.msg[0] ? err.msg :
				       strerror(errno));
			rmdir(s->dir);
			tb_session_unref(s);
		} else {
			s->next = srv->sessions;
			srv->sessions = s;
			tb_reply_empty(r, 201);
		}
	}
	json_decref(body);
}

void tb_session_list(struct tb_req *r)
{
	json_t *list = json_array();

	for (struct tb_session *s = tb_req_server(r)->sessions; s; s = s->next)
		json_array_append_new(list, tb_session_json(s));
	tb_reply_json(r, 200, list);
}

static struct tb_session *tb_session_or_404(struct tb_req *r)
{
	struct tb_session *s = tb_session_find(tb_req_server(r),
					       tb_req_param(r, 0));

	if (!s)
		tb_reply_error(r, 404, NULL, "not found: session not found");
	return s;
}

void tb_session_get(struct tb_req *r)
{
	struct tb_session *s = tb_session_or_404(r);

	if (s)
		tb_reply_json(r, 200, tb_session_json(s));
}

void tb_session_delete(struct tb_req *r)
{
	struct tb_session *s = tb_session_or_404(r);

	if (!s)
		return;
	if (!strcmp(s->id, "entrypoint")) {
		tb_reply_error(r, 400, NULL, "bad request: can't delete "
			       "entrypoint session");
		return;
	}
	tb_session_kill(s, TB_KILL_GRACE_MS);
	tb_reply_empty(r, 204);
}

/* Queue the wrapper that runs c in the shell and reports its end. */
static void tb_session_queue(struct tb_session *s, struct tb_cmd *c)
{
	rv_buf_addf(&s->pending, "printf 'S %%s\\n' %s; { . '%s/cmd.sh'; } "
		    "</dev/null >'%s/out' 2>'%s/err'; printf 'E %%s %%d\\n' "
		    "%s \"$?\"\n", c->id, c->dir, c->dir, c->dir, c->id);
	if (s->w_in)
		tb_session_flush(s->w_in, tb_watch_fd(s->w_in), s);
}

void tb_session_exec(struct tb_req *r)
{
	struct tb_session *s = tb_session_or_404(r);
	json_t *body = s ? tb_req_json(r) : NULL;
	const char *command;
	struct tb_cmd *c;
	struct rv_err err = RV_ERR_INIT;

	if (!body)
		return;
	command = json_string_value(json_object_get(body, "command"));
	if (!command || !command[strspn(command, " \t\r\n")]) {
		tb_reply_error(r, 400, NULL, "bad request: command cannot be "
			       "empty");
	} else if (!s->pid && tb_session_spawn(s, &err)) {
		tb_reply_error(r, 500, NULL, "cannot restart the session "
			       "shell: %s", err.msg);
	} else if (!(c = tb_cmd_new(s->srv, s, s->dir, command, &err))) {
		tb_reply_error(r, 500, NULL, "failed to execute command: %s",
			       err.msg);
	} else {
		*s->tail = c;
		s->tail = &c->next;
		if (json_is_true(json_object_get(body, "runAsync")) ||
		    json_is_true(json_object_get(body, "async"))) {
			tb_reply_json(r, 202, json_pack("{s:s,s:n,s:n,s:n,s:n}",
				      "cmdId", c->id, "output", "stdout",
				      "stderr", "exitCode"));
		} else {
			c->waiter = tb_req_ref(r);
		}
		tb_session_queue(s, c);
	}
	json_decref(body);
}

void tb_session_command(struct tb_req *r)
{
	const char *why;
	struct tb_cmd *c = tb_cmd_find(tb_req_server(r), tb_req_param(r, 0),
				       tb_req_param(r, 1), &why);

	if (!c)
		tb_reply_error(r, 404, NULL, "%s", why);
	else
		tb_reply_json(r, 200, tb_cmd_json(c));
}

void tb_session_logs(struct tb_req *r)
{
	const char *why;
	struct tb_cmd *c = tb_cmd_find(tb_req_server(r), tb_req_param(r, 0),
				       tb_req_param(r, 1), &why);
	const struct rv_buf *log;
	struct rv_buf out = RV_BUF_INIT, err = RV_BUF_INIT;

	if (!c) {
		tb_reply_error(r, 404, NULL, "%s", why);
		return;
	}
	log = &c->log.data;
	switch (tb_req_out_format(r)) {
	case TB_OUT_SPLIT:
		tb_log_demux(log->data, log->len, &out, &err);
		tb_reply_json(r, 200, json_pack("{s:o,s:o,s:o}", "output",
			      tb_json_bytes(log->data, log->len), "stdout",
			      tb_json_bytes(out.data, out.len), "stderr",
			      tb_json_bytes(err.data, err.len)));
		break;
	case TB_OUT_RAW:
		tb_reply_data(r, 200, "text/plain; charset=utf-8", log->data,
			      log->len);
		break;
	case TB_OUT_COMBINED:
		tb_log_strip(log->data, log->len, &out);
		tb_reply_data(r, 200, "text/plain; charset=utf-8", out.data,
			      out.len);
		break;
	}
	rv_buf_release(&out);
	rv_buf_release(&err);
}
