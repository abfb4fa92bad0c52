#include "daytona_toolbox.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_http.h"
#include "rv_json.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One toolbox request; the parts of it that differ between operations. */
struct tb_op {
	const char *method;
	char *url;			/* owned */
	const char *op;			/* for the attempt log */
	char *json;			/* owned body, or NULL */
	enum remote_idem idem;
	long timeout_ms;
	uint64_t default_deadline_ms;
	const char *what;		/* error context */
};

static void tb_op_release(struct tb_op *o)
{
	free(o->url);
	free(o->json);
}

/*
 * Run o.  RV_OK with *status set for any response (the caller decides
 * which statuses are fine); *body gets the parsed JSON of a 2xx response
 * when body is not NULL and the response has one.
 */
static enum rv_code tb_run(struct daytona_client *c, struct tb_op *o,
			   const struct remote_call *call, long *status,
			   json_t **body, bool *ambiguous, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = o->method, .url = o->url,
				 .op = o->op, .json = o->json,
				 .idem = o->idem, .timeout_ms = o->timeout_ms };
	enum rv_code rc;

	if (body)
		*body = NULL;
	rc = daytona_request(c, &r, call, o->default_deadline_ms ?
			     o->default_deadline_ms : 60000, &resp, ambiguous,
			     err);
	if (rc != RV_OK) {
		rv_err_prefix(err, "%s", o->what);
		goto out;
	}
	*status = resp.status;
	if (resp.status >= 200 && resp.status <= 299 && body && resp.body.len)
		rc = remote_json_response(&resp, o->what, body, err);
	else if (resp.status >= 300 && resp.status != 404 &&
		 resp.status != 408 && resp.status != 409)
		rc = remote_status_error(&resp, o->what, err);
out:
	rv_http_response_release(&resp);
	return rc;
}

/* A status the operation cannot use: 404 is RV_ERR_NOTFOUND. */
static enum rv_code tb_status_error(const struct tb_op *o, long status,
				    struct rv_err *err)
{
	return rv_errf(err, status == 404 ? RV_ERR_NOTFOUND : RV_ERR_PROVIDER,
		       "%s: HTTP %ld", o->what, status);
}

static struct curl_mime *tb_upload_mime(void *easy, void *arg)
{
	const char *const *paths = arg;		/* local, remote, name */
	curl_mime *m = curl_mime_init(easy);
	curl_mimepart *p = curl_mime_addpart(m);

	curl_mime_name(p, "files[0].path");
	curl_mime_data(p, paths[1], CURL_ZERO_TERMINATED);
	p = curl_mime_addpart(m);
	curl_mime_name(p, "files[0].file");
	/* streamed from the file as it is sent, never read whole */
	curl_mime_filedata(p, paths[0]);
	curl_mime_filename(p, paths[2]);
	curl_mime_type(p, "application/octet-stream");
	return m;
}

enum rv_code daytona_upload_file(struct daytona_client *c, const char *tb,
				 const char *local, const char *remote,
				 const struct remote_call *call,
				 struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *name = remote_upload_name(local);
	const char *paths[3] = { local, remote, name };
	struct remote_req r = { .method = "POST",
				 .op = "POST /files/bulk-upload",
				 .idem = REMOTE_IDEMPOTENT,
				 .timeout_ms = 600000, .mime = tb_upload_mime,
				 .mime_arg = (void *)paths };
	char *what = rv_xasprintf("cannot upload '%s'", local);
	enum rv_code rc;

	r.url = rv_xasprintf("%s/files/bulk-upload", tb);
	rc = daytona_request(c, &r, call, 600000, &resp, NULL, err);
	if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
	else if (resp.status < 200 || resp.status > 299)
		rc = remote_status_error(&resp, what, err);
	rv_http_response_release(&resp);
	free((char *)r.url);
	free(what);
	free(name);
	return rc;
}

void daytona_exec_result_release(struct daytona_exec_result *r)
{
	free(r->output);
	r->output = NULL;
	r->exit_code = 0;
}

enum rv_code daytona_execute(struct daytona_client *c, const char *tb,
			     const char *command, const char *cwd,
			     int timeout_s, bool idempotent,
			     const struct remote_call *call,
			     struct daytona_exec_result *out,
			     struct rv_err *err)
{
	struct tb_op o = { .method = "POST", .op = "POST /process/execute",
			   .what = "cannot run a command in the sandbox" };
	json_t *b = json_pack("{s:s}", "command", command), *j = NULL;
	enum rv_code rc;
	long status = 0;
	bool ambiguous;

	if (cwd)
		json_object_set_new(b, "cwd", json_string(cwd));
	if (timeout_s > 0)
		json_object_set_new(b, "timeout", json_integer(timeout_s));
	o.json = rv_json_dumps(b);
	o.url = rv_xasprintf("%s/process/execute", tb);
	o.idem = idempotent ? REMOTE_IDEMPOTENT : REMOTE_ONCE;
	o.timeout_ms = timeout_s > 0 ? timeout_s * 1000L + 5000 : 3600000;
	o.default_deadline_ms = (uint64_t)o.timeout_ms + 60000;
	rc = tb_run(c, &o, call, &status, &j, &ambiguous, err);
	if (rc == RV_OK && ambiguous)
		rc = rv_errf(err, RV_ERR_PROVIDER, "%s: HTTP %ld, and the "
			     "command may have run", o.what, status);
	else if (rc == RV_OK && status == 408)
		rc = rv_errf(err, RV_ERR_TIMEOUT, "command timed out after "
			     "%d s in the sandbox", timeout_s);
	else if (rc == RV_OK && (status < 200 || status > 299))
		rc = rv_errf(err, RV_ERR_PROVIDER, "%s: HTTP %ld", o.what,
			     status);
	else if (rc == RV_OK && !json_is_object(j))
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no JSON object in the "
			     "response", o.what);
	if (rc == RV_OK) {
		const char *res = rv_json_str(j, "result");

		daytona_exec_result_release(out);
		out->exit_code = (int)rv_json_int(j, "exitCode",
						  rv_json_int(j, "code", -1));
		out->output = rv_xstrdup(res ? res : "");
	}
	json_decref(j);
	json_decref(b);
	tb_op_release(&o);
	return rc;
}

static char *tb_session_url(const char *tb, const char *sid,
			    const char *suffix)
{
	char *base = rv_xasprintf("%s/process/session/", tb);
	char *url = remote_url(base, sid, suffix);

	free(base);
	return url;
}

enum rv_code daytona_session_create(struct daytona_client *c, const char *tb,
				    const char *sid,
				    const struct remote_call *call,
				    struct rv_err *err)
{
	struct tb_op o = { .method = "POST", .op = "POST /process/session",
			   .idem = REMOTE_IDEMPOTENT,
			   .what = "cannot create a session" };
	json_t *b = json_pack("{s:s}", "sessionId", sid);
	enum rv_code rc;
	long status = 0;

	o.json = rv_json_dumps(b);
	o.url = rv_xasprintf("%s/process/session", tb);
	rc = tb_run(c, &o, call, &status, NULL, NULL, err);
	if (rc == RV_OK && status == 404)
		rc = tb_status_error(&o, status, err);
	json_decref(b);
	tb_op_release(&o);
	return rc;	/* 409: it exists, which is what we want */
}

/* After an ambiguous exec: the id of a command 'command' in the session. */
static enum rv_code tb_find_command(struct daytona_client *c, const char *tb,
				    const char *sid, const char *command,
				    const struct remote_call *call,
				    char **cmd_id, struct rv_err *err)
{
	struct tb_op o = { .method = "GET", .op = "GET /process/session/{sid}",
			   .idem = REMOTE_IDEMPOTENT,
			   .what = "cannot look up the session" };
	json_t *j = NULL, *cmds, *it;
	enum rv_code rc;
	long status = 0;
	size_t i;

	o.url = tb_session_url(tb, sid, NULL);
	rc = tb_run(c, &o, call, &status, &j, NULL, err);
	if (rc == RV_OK && status != 200)
		rc = rv_errf(err, RV_ERR_NOTFOUND, "%s: HTTP %ld", o.what,
			     status);
	if (rc != RV_OK)
		goto out;
	rc = RV_ERR_NOTFOUND;
	cmds = json_object_get(j, "commands");
	json_array_foreach(cmds, i, it) {
		const char *cmd = rv_json_str(it, "command");
		const char *id = rv_json_str(it, "id");

		if (cmd && id && !strcmp(cmd, command)) {
			*cmd_id = rv_xstrdup(id);
			rc = RV_OK;
		}
	}
out:
	json_decref(j);
	tb_op_release(&o);
	return rc;
}

enum rv_code daytona_session_exec_async(struct daytona_client *c,
					const char *tb, const char *sid,
					const char *command,
					const struct remote_call *call,
					char **cmd_id, struct rv_err *err)
{
	struct tb_op o = { .method = "POST",
			   .op = "POST /process/session/{sid}/exec",
			   .idem = REMOTE_ONCE,
			   .what = "cannot start a command in the session" };
	json_t *b = json_pack("{s:s,s:b}", "command", command, "runAsync", 1);
	json_t *j = NULL;
	enum rv_code rc;
	long status = 0;
	bool ambiguous = false;

	*cmd_id = NULL;
	o.json = rv_json_dumps(b);
	o.url = tb_session_url(tb, sid, "/exec");
	for (unsigned round = 0;; round++) {
		struct rv_err e2 = RV_ERR_INIT;
		enum rv_code found;

		json_decref(j);
		rc = tb_run(c, &o, call, &status, &j, &ambiguous, err);
		if (!ambiguous)
			break;
		/* it may be running: adopt it rather than start a second */
		found = tb_find_command(c, tb, sid, command, call, cmd_id,
					&e2);
		if (found == RV_OK) {
			rv_err_clear(err);
			rc = RV_OK;
			goto out;
		}
		if (found != RV_ERR_NOTFOUND || round >= 3 ||
		    remote_stopped(call)) {
			if (rc == RV_OK)
				rc = rv_errf(err, RV_ERR_PROVIDER, "%s: HTTP "
					     "%ld", o.what, status);
			goto out;
		}
		/* it never started: starting it now is safe */
		remote_sleep_ms(rv_backoff_ms(round, 50, 1000), call);
	}
	if (rc == RV_OK && (status < 200 || status > 299))
		rc = tb_status_error(&o, status, err);
	if (rc == RV_OK && !rv_json_str(j, "cmdId"))
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no 'cmdId' in the "
			     "response", o.what);
	if (rc == RV_OK)
		*cmd_id = rv_xstrdup(rv_json_str(j, "cmdId"));
out:
	json_decref(j);
	json_decref(b);
	tb_op_release(&o);
	return rc;
}

static char *tb_command_url(const char *tb, const char *sid, const char *cid,
			    const char *suffix)
{
	char *s = rv_xasprintf("/command/%s%s", cid, suffix ? suffix : "");
	char *url = tb_session_url(tb, sid, s);

	free(s);
	return url;
}

enum rv_code daytona_command_status(struct daytona_client *c, const char *tb,
				    const char *sid, const char *cid,
				    const struct remote_call *call,
				    bool *done, int *exit_code,
				    struct rv_err *err)
{
	struct tb_op o = { .method = "GET",
			   .op = "GET /process/session/{sid}/command/{cid}",
			   .idem = REMOTE_IDEMPOTENT,
			   .what = "cannot get the command status" };
	json_t *j = NULL, *ec;
	enum rv_code rc;
	long status = 0;

	*done = false;
	o.url = tb_command_url(tb, sid, cid, NULL);
	rc = tb_run(c, &o, call, &status, &j, NULL, err);
	if (rc == RV_OK && status != 200)
		rc = tb_status_error(&o, status, err);
	ec = json_object_get(j, "exitCode");
	if (rc == RV_OK && json_is_integer(ec)) {
		*done = true;
		*exit_code = (int)json_integer_value(ec);
	}
	json_decref(j);
	tb_op_release(&o);
	return rc;
}

enum rv_code daytona_command_logs(struct daytona_client *c, const char *tb,
				  const char *sid, const char *cid,
				  const struct remote_call *call,
				  char **out_stdout, char **out_stderr,
				  struct rv_err *err)
{
	struct tb_op o = { .method = "GET",
			   .op = "GET /process/session/{sid}/command/{cid}/logs",
			   .idem = REMOTE_IDEMPOTENT,
			   .what = "cannot get the command logs" };
	enum rv_code rc;
	json_t *j = NULL;
	long status = 0;

	*out_stdout = *out_stderr = NULL;
	o.url = tb_command_url(tb, sid, cid, "/logs");
	rc = tb_run(c, &o, call, &status, &j, NULL, err);
	if (rc == RV_OK && status != 200)
		rc = tb_status_error(&o, status, err);
	if (rc == RV_OK && !json_is_object(j))
		rc = rv_errf(err, RV_ERR_PROTO, "%s: not a JSON object",
			     o.what);
	if (rc == RV_OK) {
		const char *so = rv_json_str(j, "stdout");
		const char *se = rv_json_str(j, "stderr");

		*out_stdout = rv_xstrdup(so ? so : "");
		*out_stderr = rv_xstrdup(se ? se : "");
	}
	json_decref(j);
	tb_op_release(&o);
	return rc;
}

enum rv_code daytona_session_delete(struct daytona_client *c, const char *tb,
				    const char *sid,
				    const struct remote_call *call,
				    struct rv_err *err)
{
	struct tb_op o = { .method = "DELETE",
			   .op = "DELETE /process/session/{sid}",
			   .idem = REMOTE_IDEMPOTENT,
			   .what = "cannot delete the session" };
	enum rv_code rc;
	long status = 0;

	o.url = tb_session_url(tb, sid, NULL);
	rc = tb_run(c, &o, call, &status, NULL, NULL, err);
	tb_op_release(&o);
	return rc;	/* 404: already gone */
}

char *daytona_logs_ws_url(const char *tb, const char *sid, const char *cid)
{
	char *http = tb_command_url(tb, sid, cid, "/logs?follow=true");
	char *ws;

	if (!strncmp(http, "https://", 8))
		ws = rv_xasprintf("wss://%s", http + 8);
	else if (!strncmp(http, "http://", 7))
		ws = rv_xasprintf("ws://%s", http + 7);
	else
		ws = rv_xstrdup(http);
	free(http);
	return ws;
}
