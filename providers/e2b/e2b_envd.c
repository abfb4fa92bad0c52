/* e2b_envd: files and processes through envd (Connect as JSON). */
#include "e2b_envd.h"

#include "rv_alloc.h"
#include "rv_json.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E2B_FRAME_END 0x02
#define E2B_MAX_FRAME (64u << 20)

void e2b_frames_release(struct e2b_frames *f)
{
	rv_buf_release(&f->pending);
}

/* The signal Go's ProcessState names ("killed", "terminated"), or 0. */
static int e2b_signal_named(const char *name)
{
	for (int sig = 1; sig < 65; sig++) {
		const char *d = sigdescr_np(sig);

		if (d && !strcasecmp(d, name))
			return sig;
	}
	return 0;
}

/* The end event: an exit status, or "signal: killed". */
static void e2b_end_event(struct e2b_proc_events *ev, const json_t *end)
{
	const char *status = rv_json_str(end, "status");
	int sig = 0;

	ev->exit_code = (int)rv_json_int(end, "exitCode", -1);
	if (!json_is_true(json_object_get(end, "exited")) && status &&
	    !strncmp(status, "signal: ", 8))
		sig = e2b_signal_named(status + 8);
	if (sig) {
		ev->term_signal = sig;
		ev->exit_code = 128 + sig;
	}
	/* last: another thread may read the rest once it sees this */
	__atomic_store_n(&ev->ended, true, __ATOMIC_RELEASE);
}

static void e2b_data_event(struct e2b_proc_events *ev, const json_t *data)
{
	static const char *const streams[] = { "stdout", "stderr" };
	struct rv_buf b = RV_BUF_INIT;

	for (size_t i = 0; i < 2; i++) {
		const char *v = rv_json_str(data, streams[i]);

		if (v && rv_buf_add_unbase64(&b, v, strlen(v)) && b.len &&
		    ev->output)
			ev->output(b.data, b.len, ev->arg);
		rv_buf_reset(&b);
	}
	rv_buf_release(&b);
}

/* One envelope's message. */
static void e2b_message(struct e2b_proc_events *ev, unsigned flags,
			const json_t *msg)
{
	const json_t *event = json_object_get(msg, "event");

	if (flags & E2B_FRAME_END) {
		const json_t *e = json_object_get(msg, "error");

		ev->closed = true;
		if (e) {
			snprintf(ev->error_code, sizeof(ev->error_code), "%s",
				 rv_json_str(e, "code") ? rv_json_str(e, "code")
				 : "unknown");
			snprintf(ev->error, sizeof(ev->error), "%s",
				 rv_json_str(e, "message") ?
				 rv_json_str(e, "message") : "");
		}
		return;
	}
	if (json_object_get(event, "start")) {
		long long pid = rv_json_int(json_object_get(event, "start"),
					    "pid", 0);

		/* a pid is what a signal names later: a positive one only */
		if (pid > 0 && pid <= 0x7fffffff)
			__atomic_store_n(&ev->pid, (pid_t)pid,
					 __ATOMIC_RELEASE);
	} else if (json_object_get(event, "data"))
		e2b_data_event(ev, json_object_get(event, "data"));
	else if (json_object_get(event, "end") && !ev->ended)
		/* a process ends once: a second end event (a forged one)
		   must not change the status the first one gave */
		e2b_end_event(ev, json_object_get(event, "end"));
}

void e2b_frames_feed(struct e2b_frames *f, const char *p, size_t n,
		     struct e2b_proc_events *ev)
{
	size_t off = 0;

	if (f->bad || ev->closed)
		return;		/* nothing counts after the end */
	rv_buf_add(&f->pending, p, n);
	while (f->pending.len - off >= 5) {
		const unsigned char *h = (const unsigned char *)f->pending.data +
			off;
		size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 |
			(size_t)h[3] << 8 | h[4];
		json_t *msg;

		if (len > E2B_MAX_FRAME) {
			f->bad = true;
			break;
		}
		if (f->pending.len - off - 5 < len)
			break;
		msg = json_loadb(f->pending.data + off + 5, len, 0, NULL);
		if (!msg) {
			f->bad = true;
			break;
		}
		e2b_message(ev, h[0], msg);
		json_decref(msg);
		off += 5 + len;
		if (ev->closed) {
			off = f->pending.len;
			break;
		}
	}
	if (f->bad) {
		snprintf(ev->error_code, sizeof(ev->error_code), "internal");
		snprintf(ev->error, sizeof(ev->error), "a malformed Connect "
			 "envelope");
		ev->closed = true;
		rv_buf_reset(&f->pending);
		return;
	}
	memmove(f->pending.data, f->pending.data + off, f->pending.len - off);
	rv_buf_truncate(&f->pending, f->pending.len - off);
}

enum rv_code e2b_proc_error(const struct e2b_proc_events *ev,
			    const char *what, struct rv_err *err)
{
	if (!strcmp(ev->error_code, "deadline_exceeded"))
		return rv_errf(err, RV_ERR_TIMEOUT, "%s: timed out (%s)", what,
			       ev->error);
	if (!strcmp(ev->error_code, "not_found"))
		return rv_errf(err, RV_ERR_NOTFOUND, "%s: %s", what, ev->error);
	if (ev->error_code[0])
		return rv_errf(err, RV_ERR_PROVIDER, "%s: %s: %s", what,
			       ev->error_code, ev->error);
	return rv_errf(err, RV_ERR_PROTO, "%s: the process's stream ended "
		       "before its end", what);
}

/* --- requests to envd ------------------------------------------------- */

/* A request to envd's path: its URL and headers (free both). */
static char *e2b_envd_url(const struct e2b_client *c,
			  const struct e2b_sandbox_info *s, const char *path,
			  char ***headers)
{
	char *base = e2b_port_url(c, s, E2B_ENVD_PORT);
	char *url = rv_xasprintf("%s%s", base, path);

	*headers = e2b_port_headers(c, s, E2B_ENVD_PORT);
	free(base);
	return url;
}

struct e2b_part {
	const char *remote, *local, *data;
	size_t len;
};

static struct curl_mime *e2b_part_mime(void *easy, void *arg)
{
	const struct e2b_part *p = arg;
	curl_mime *m = curl_mime_init(easy);
	curl_mimepart *part = curl_mime_addpart(m);

	curl_mime_name(part, "file");
	if (p->local)
		curl_mime_filedata(part, p->local);
	else
		curl_mime_data(part, p->data, p->len);
	curl_mime_filename(part, p->remote);
	curl_mime_type(part, "application/octet-stream");
	return m;
}

enum rv_code e2b_envd_write(const struct e2b_client *c,
			    const struct e2b_sandbox_info *s,
			    const char *remote, const char *local,
			    const char *data, size_t len,
			    const struct remote_call *call,
			    struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct e2b_part part = { remote, local, data, len };
	struct rv_buf path = RV_BUF_INIT;
	char **headers, *url, *what;
	struct remote_req r = { .method = "POST", .op = "POST envd /files",
				.pool = e2b_client_pool(c),
				.timeout_ms = 600000, .mime = e2b_part_mime,
				.mime_arg = &part };
	enum rv_code rc;

	rv_buf_adds(&path, "/files?path=");
	rv_http_urlencode(&path, remote);
	url = e2b_envd_url(c, s, path.data, &headers);
	r.url = url;
	what = rv_xasprintf("cannot write '%s' in sandbox '%s'", remote, s->id);
	rc = remote_request((const char *const *)headers, &r, call, 600000,
			    &resp, NULL, err);
	if (rc == RV_OK && (resp.status < 200 || resp.status > 299))
		rc = remote_status_error(&resp, what, err);
	rv_http_response_release(&resp);
	e2b_headers_free(headers);
	rv_buf_release(&path);
	free(what);
	free(url);
	return rc;
}

/* The Start request's envelope for "/bin/sh -c line" in cwd. */
static struct rv_buf e2b_start_envelope(const char *line, const char *cwd)
{
	struct rv_buf b = RV_BUF_INIT;
	json_t *msg = json_pack("{s:{s:s,s:[s,s]},s:b}", "process", "cmd",
				"/bin/sh", "args", "-c", line, "stdin", 0);
	char *text;
	size_t n;

	if (cwd)
		json_object_set_new(json_object_get(msg, "process"), "cwd",
				    json_string(cwd));
	text = rv_json_dumps(msg);
	n = strlen(text);
	rv_buf_addch(&b, 0);
	rv_buf_addch(&b, (char)(n >> 24));
	rv_buf_addch(&b, (char)(n >> 16));
	rv_buf_addch(&b, (char)(n >> 8));
	rv_buf_addch(&b, (char)n);
	rv_buf_add(&b, text, n);
	free(text);
	json_decref(msg);
	return b;
}

/* Start's headers: envd's, and for a deadline Connect-Timeout-Ms. */
static char **e2b_start_headers(const struct e2b_client *c,
				const struct e2b_sandbox_info *s,
				long timeout_ms, char **url)
{
	char **h, **more;
	size_t n = 0;

	*url = e2b_envd_url(c, s, "/process.Process/Start", &h);
	while (h[n])
		n++;
	more = rv_xreallocarray(h, n + 4, sizeof(char *));
	more[n++] = rv_xstrdup("Connect-Protocol-Version: 1");
	more[n++] = timeout_ms > 0 ?
		rv_xasprintf("Connect-Timeout-Ms: %ld", timeout_ms) :
		rv_xstrdup("Keepalive-Ping-Interval: 30");
	more[n] = NULL;
	return more;
}

enum rv_code e2b_envd_run(const struct e2b_client *c,
			  const struct e2b_sandbox_info *s, const char *line,
			  const char *cwd, long timeout_ms,
			  const struct remote_call *call,
			  struct e2b_proc_events *ev, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_buf body = e2b_start_envelope(line, cwd);
	struct e2b_frames fr = { RV_BUF_INIT, false };
	char *url, **headers = e2b_start_headers(c, s, timeout_ms, &url);
	char *what = rv_xasprintf("exec in sandbox '%s'", s->id);
	/* the server's deadline ends it first: the answer says so */
	struct remote_req r = { .method = "POST", .url = url,
				.op = "POST envd /process.Process/Start",
				.pool = e2b_client_pool(c),
				.body = body.data, .body_len = body.len,
				.content_type = "application/connect+json",
				.idem = REMOTE_ONCE,
				.timeout_ms = timeout_ms > 0 ?
					timeout_ms + 30000 : 24L * 3600000 };
	enum rv_code rc;

	rc = remote_request((const char *const *)headers, &r, call,
			    (uint64_t)r.timeout_ms, &resp, NULL, err);
	/* what arrived counts, also when the exchange was cut (its pid) */
	e2b_frames_feed(&fr, resp.body.data, resp.body.len, ev);
	if (rc == RV_OK && (resp.status < 200 || resp.status > 299))
		rc = remote_status_error(&resp, what, err);
	else if (rc == RV_OK && !ev->ended)
		rc = e2b_proc_error(ev, what, err);
	e2b_frames_release(&fr);
	rv_http_response_release(&resp);
	rv_buf_release(&body);
	e2b_headers_free(headers);
	free(what);
	free(url);
	return rc;
}

static bool e2b_follow_sink(const char *data, size_t len, void *arg)
{
	struct e2b_follow *f = arg;

	e2b_frames_feed(&f->frames, data, len, &f->ev);
	return true;
}

struct remote_stream *e2b_envd_follow(const struct e2b_client *c,
				      const struct e2b_sandbox_info *s,
				      const char *line, const char *cwd,
				      struct e2b_follow *f)
{
	struct rv_buf body = e2b_start_envelope(line, cwd);
	char *url, **headers = e2b_start_headers(c, s, 0, &url);
	struct remote_req r = { .method = "POST", .url = url,
				.op = "POST envd /process.Process/Start",
				.pool = e2b_client_pool(c),
				.body = body.data, .body_len = body.len,
				.content_type = "application/connect+json",
				.idem = REMOTE_ONCE };
	struct remote_stream *st;

	st = remote_stream_start((const char *const *)headers, &r,
				 e2b_follow_sink, f);
	rv_buf_release(&body);
	e2b_headers_free(headers);
	free(url);
	return st;
}

enum rv_code e2b_envd_signal(const struct e2b_client *c,
			     const struct e2b_sandbox_info *s, pid_t pid,
			     int sig, const struct remote_call *call,
			     struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char **headers, *url = e2b_envd_url(c, s,
					    "/process.Process/SendSignal",
					    &headers);
	char *body = rv_xasprintf("{\"process\":{\"pid\":%d},\"signal\":"
				  "\"%s\"}", (int)pid, sig == SIGKILL ?
				  "SIGNAL_SIGKILL" : "SIGNAL_SIGTERM");
	char *what = rv_xasprintf("cannot signal process %d in sandbox '%s'",
				  (int)pid, s->id);
	struct remote_req r = { .method = "POST", .url = url, .json = body,
				.op = "POST envd /process.Process/SendSignal",
				.pool = e2b_client_pool(c) };
	enum rv_code rc;

	rc = remote_request((const char *const *)headers, &r, call, 30000,
			    &resp, NULL, err);
	if (rc == RV_OK && (resp.status < 200 || resp.status > 299))
		rc = remote_status_error(&resp, what, err);
	rv_http_response_release(&resp);
	e2b_headers_free(headers);
	free(what);
	free(body);
	free(url);
	return rc;
}
