/* remote: retries, deadlines, attempt log, errors and log follow (remote.h). */
#include "remote.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"
#include "rv_random.h"
#include "rv_redact.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REMOTE_MAX_HEADERS 24
#define REMOTE_MAX_POOLS 8

static struct {
	const struct provider_ops *ops;
	struct rv_http_pool *pool;
} remote_pools[REMOTE_MAX_POOLS];
static pthread_mutex_t remote_pools_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t remote_pools_pid;

/* At exit, in the process that made them (a forked child must not close
   its parent's TLS connections). */
static void remote_pools_free(void)
{
	if (getpid() != remote_pools_pid)
		return;
	for (size_t i = 0; i < REMOTE_MAX_POOLS; i++) {
		rv_http_pool_free(remote_pools[i].pool);
		remote_pools[i].pool = NULL;
		remote_pools[i].ops = NULL;
	}
}

struct rv_http_pool *remote_pool(const struct provider_ops *ops)
{
	struct rv_http_pool *p = NULL;
	size_t i;

	pthread_mutex_lock(&remote_pools_mu);
	if (remote_pools_pid != getpid()) {
		/* a fresh process (or a forked child): start afresh, leave
		   the parent's handles alone */
		if (!remote_pools_pid)
			atexit(remote_pools_free);
		memset(remote_pools, 0, sizeof(remote_pools));
		remote_pools_pid = getpid();
	}
	for (i = 0; i < REMOTE_MAX_POOLS && remote_pools[i].ops; i++)
		if (remote_pools[i].ops == ops)
			break;
	if (i < REMOTE_MAX_POOLS) {
		if (!remote_pools[i].ops) {
			remote_pools[i].ops = ops;
			remote_pools[i].pool = rv_http_pool_new();
		}
		p = remote_pools[i].pool;
	}
	pthread_mutex_unlock(&remote_pools_mu);
	return p;
}

struct remote_call remote_call_firm(const struct provider_config *cfg,
				    long ms)
{
	struct remote_call call = { 0 };

	if (cfg && cfg->cancel && *cfg->cancel && ms > REMOTE_STOPPING_MS)
		ms = REMOTE_STOPPING_MS;
	call.deadline_ns = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;
	call.log = cfg ? cfg->attempts : NULL;
	return call;
}

struct remote_call remote_call_for(const struct provider_config *cfg,
				   long ms)
{
	struct remote_call call = remote_call_firm(cfg, ms);

	call.stop = cfg ? cfg->cancel : NULL;
	return call;
}

static void remote_record(const struct remote_call *call, const char *op,
			  enum rv_code rc, const struct rv_http_response *resp,
			  const struct rv_err *e)
{
	struct provider_attempt *a;

	if (!call || !call->log)
		return;
	a = provider_attempts_add(call->log);
	snprintf(a->op, sizeof(a->op), "%s", op ? op : "");
	a->ms = rv_ns_to_ms(resp->elapsed_ns);
	a->status = resp->status;
	if (rc != RV_OK)
		snprintf(a->error, sizeof(a->error), "%.*s",
			 (int)sizeof(a->error) - 1, e->msg);
	else if (resp->status >= 400)
		snprintf(a->error, sizeof(a->error), "HTTP %ld", resp->status);
}

bool remote_stopped(const struct remote_call *call)
{
	return call && call->stop && *call->stop;
}

void remote_sleep_ms(long ms, const struct remote_call *call)
{
	uint64_t end = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;

	for (;;) {
		uint64_t now = rv_now_ns();

		if (now >= end || remote_stopped(call))
			return;
		rv_sleep_ns(end - now > 20 * RV_NS_PER_MS ?
			    20 * RV_NS_PER_MS : end - now, NULL);
	}
}

uint64_t remote_deadline(const struct remote_call *call, uint64_t default_ms)
{
	if (call && call->deadline_ns)
		return call->deadline_ns;
	return rv_now_ns() + default_ms * RV_NS_PER_MS;
}

/*
 * The request r makes, with the client's headers, its body's type
 * (JSON, or r->content_type for a raw body) and r's transport options.
 */
static void remote_http_request(const char *const *headers,
				const struct remote_req *r,
				const char *hdrs[REMOTE_MAX_HEADERS + 3],
				char ctype[128], struct rv_http_request *req)
{
	size_t n = 0;

	for (; headers && headers[n] && n < REMOTE_MAX_HEADERS; n++)
		hdrs[n] = headers[n];
	if (r->json || (r->body && r->content_type)) {
		snprintf(ctype, 128, "Content-Type: %s", r->json ?
			 "application/json" : r->content_type);
		hdrs[n++] = ctype;
	}
	/* a raw body is the other side's protocol: no JSON asked back */
	if (!r->mime && (r->json || !r->body))
		hdrs[n++] = "Accept: application/json";
	hdrs[n] = NULL;
	memset(req, 0, sizeof(*req));
	req->method = r->method;
	req->url = r->url;
	req->unix_socket = r->unix_socket;
	req->headers = hdrs;
	req->body = r->json ? (const void *)r->json : r->body;
	req->body_len = r->json ? strlen(r->json) : r->body_len;
	req->pool = r->pool;
	req->on_body = r->on_body;
	req->on_body_arg = r->on_body_arg;
	req->cancel = r->cancel;
}

static enum rv_code remote_attempt(const char *const *headers,
				   const struct remote_req *r,
				   const struct remote_call *call,
				   long timeout_ms,
				   struct rv_http_response *resp,
				   struct rv_err *err)
{
	const char *hdrs[REMOTE_MAX_HEADERS + 3];
	struct rv_http_request req;
	struct rv_http_xfer *x;
	struct curl_mime *mime = NULL;
	char ctype[128];
	enum rv_code rc;
	void *easy;

	remote_http_request(headers, r, hdrs, ctype, &req);
	/* a long exchange (an exec, an upload) ends when the call stops; a
	   stream with a stop flag of its own ends on that one */
	if (!req.cancel && call)
		req.cancel = call->stop;
	req.timeout_ms = timeout_ms;
	req.connect_timeout_ms = timeout_ms < 10000 ? timeout_ms : 10000;
	x = rv_http_xfer_new(&req, resp);
	easy = rv_http_xfer_handle(x);
	if (r->mime) {
		mime = r->mime(easy, r->mime_arg);
		curl_easy_setopt(easy, CURLOPT_MIMEPOST, mime);
	}
	rc = rv_http_xfer_finish(x, curl_easy_perform(easy), err);
	/* the mime first: the handle may go back to a pool */
	curl_easy_setopt(easy, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	rv_http_xfer_free(x);
	return rc;
}

/*
 * Worth retrying at all?  Beyond rv_http_is_transient(): a connection
 * cut mid-exchange, and a 500, which a repeat of an idempotent request
 * cannot make worse; for a REMOTE_ONCE request both are ambiguous (the
 * server may have acted), never blindly repeated.
 */
static bool remote_transient(enum rv_code rc, long status)
{
	if (rv_http_is_transient(rc, status))
		return true;
	return rc == RV_ERR_HTTP || (rc == RV_OK && status == 500);
}

static bool remote_surely_unprocessed(enum rv_code rc, long status)
{
	return rc == RV_ERR_CONNECT || (rc == RV_OK && status == 429);
}

enum rv_code remote_request(const char *const *headers,
			    const struct remote_req *r,
			    const struct remote_call *call,
			    uint64_t default_deadline_ms,
			    struct rv_http_response *resp, bool *ambiguous,
			    struct rv_err *err)
{
	uint64_t deadline = remote_deadline(call, default_deadline_ms);
	bool idem = r->idem == REMOTE_IDEMPOTENT;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc = RV_OK;
	unsigned refused = 0, failing = 0;

	if (ambiguous)
		*ambiguous = false;
	for (unsigned attempt = 0;; attempt++) {
		uint64_t now = rv_now_ns();
		long left_ms, wait, ra, tmo = r->timeout_ms ? r->timeout_ms :
			30000;

		if (remote_stopped(call))
			return rv_errf(err, RV_ERR_INTR, "%s: interrupted",
				       r->op);
		left_ms = now < deadline ? (long)((deadline - now) /
						  RV_NS_PER_MS) : 0;
		if (attempt > 0 && left_ms <= 0)
			break;
		if (left_ms < 1)
			left_ms = 1;
		rv_err_clear(&e);
		rc = remote_attempt(headers, r, call,
				    tmo < left_ms ? tmo : left_ms, resp, &e);
		if (rc != RV_OK && remote_stopped(call)) {
			/* cut short: it may have reached the server */
			rv_errf(&e, RV_ERR_INTR, "%s: interrupted", r->op);
			remote_record(call, r->op, RV_ERR_INTR, resp, &e);
			if (ambiguous)
				*ambiguous = !idem;
			rc = RV_ERR_INTR;
			break;
		}
		remote_record(call, r->op, rc, resp, &e);
		if (!remote_transient(rc, resp->status))
			break;
		/* nobody listening: a few quick tries, not the whole deadline */
		refused = rc == RV_ERR_CONNECT ? refused + 1 : 0;
		if (refused >= REMOTE_MAX_REFUSED)
			break;
		/* a server that only errs is down: not the whole deadline */
		failing = rc == RV_OK && resp->status >= 500 ? failing + 1 : 0;
		if (failing >= REMOTE_MAX_SERVER_ERRORS)
			break;
		if (!idem && !remote_surely_unprocessed(rc, resp->status)) {
			if (ambiguous)
				*ambiguous = true;
			break;
		}
		wait = rv_backoff_ms(attempt, 50, 2000);
		ra = rc == RV_OK ? rv_http_retry_after_ms(resp) : -1;
		if (ra > wait)
			wait = ra;
		/* in ms: a huge Retry-After must not wrap around */
		now = rv_now_ns();
		if (now >= deadline ||
		    (uint64_t)wait >= (deadline - now) / RV_NS_PER_MS)
			break;
		remote_sleep_ms(wait, call);
	}
	if (rc != RV_OK && err)
		*err = e;
	return rc;
}

/* What an error keeps of a body that says nothing in JSON. */
#define REMOTE_BODY_KEEP 200

enum rv_code remote_status_error(const struct rv_http_response *resp,
				 const char *what, struct rv_err *err)
{
	json_t *j = rv_json_parse(resp->body.data, resp->body.len, "", NULL);
	const char *m = NULL;
	enum rv_code code;
	char *red;

	if (j) {
		m = rv_json_str(j, "message");
		if (!m)
			m = rv_json_str(j, "error");
	}
	/* a body keeps its first REMOTE_BODY_KEEP bytes, cut after the
	   redaction (rv_redact_head: no secret shows at the cut) */
	red = m ? rv_redact(m) : rv_redact_head(resp->body.data,
						 resp->body.len,
						 REMOTE_BODY_KEEP);
	if (!m && strlen(red) > REMOTE_BODY_KEEP)
		red[REMOTE_BODY_KEEP] = '\0';
	for (char *p = red; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	switch (resp->status) {
	case 401: case 403: code = RV_ERR_AUTH; break;
	case 404: code = RV_ERR_NOTFOUND; break;
	case 408: case 504: code = RV_ERR_TIMEOUT; break;
	case 409: code = RV_ERR_CONFLICT; break;
	case 429: code = RV_ERR_LIMIT; break;
	default: code = RV_ERR_PROVIDER;
	}
	rv_errf(err, code, "%s: HTTP %ld%s%s", what, resp->status,
		*red ? ": " : "", red);
	free(red);
	json_decref(j);
	return code;
}

enum rv_code remote_json_response(const struct rv_http_response *resp,
				  const char *what, json_t **out,
				  struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;

	*out = NULL;
	if (resp->status < 200 || resp->status > 299)
		return remote_status_error(resp, what, err);
	*out = rv_json_parse(resp->body.data, resp->body.len,
			     "response body", &e);
	if (!*out) {
		rv_err_prefix(&e, "%s", what);
		if (err)
			*err = e;
		return e.code;
	}
	return RV_OK;
}

/* --- streams ---------------------------------------------------------- */

struct remote_stream {
	pthread_t thread;
	const char *hdrs[REMOTE_MAX_HEADERS + 3];
	char **owned;			/* copies of the headers */
	char ctype[128];
	struct rv_http_request req;
	struct remote_req r;		/* its strings: copies */
	char *url, *op, *body;
	struct rv_http_response resp;
	bool (*sink)(const char *data, size_t len, void *arg);
	void *arg;
	volatile int stop;
	volatile int ended;
	enum rv_code rc;
	struct rv_err err;
};

static bool remote_stream_sink(const char *data, size_t len, void *arg)
{
	struct remote_stream *s = arg;

	return !s->stop && s->sink(data, len, s->arg);
}

static void *remote_stream_main(void *arg)
{
	struct remote_stream *s = arg;

	s->rc = rv_http_do(&s->req, &s->resp, &s->err);
	__atomic_store_n(&s->ended, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct remote_stream *remote_stream_start(const char *const *headers,
					  const struct remote_req *r,
					  bool (*sink)(const char *data,
						       size_t len, void *arg),
					  void *arg)
{
	struct remote_stream *s = rv_xcalloc(1, sizeof(*s));
	size_t n = 0;

	while (headers && headers[n] && n < REMOTE_MAX_HEADERS)
		n++;
	s->owned = rv_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		s->owned[i] = rv_xstrdup(headers[i]);
	s->r = *r;
	s->r.url = s->url = rv_xstrdup(r->url);
	s->r.op = s->op = rv_xstrdup(r->op ? r->op : "");
	s->r.json = NULL;
	s->r.mime = NULL;
	if (r->body || r->json) {
		size_t len = r->body ? r->body_len : strlen(r->json);

		s->body = rv_xmalloc(len + 1);
		memcpy(s->body, r->body ? r->body : r->json, len);
		s->body[len] = '\0';
		s->r.body = s->body;
		s->r.body_len = len;
		if (!r->body)
			s->r.content_type = "application/json";
	}
	s->sink = sink;
	s->arg = arg;
	s->resp = (struct rv_http_response)RV_HTTP_RESPONSE_INIT;
	remote_http_request((const char *const *)s->owned, &s->r, s->hdrs,
			    s->ctype, &s->req);
	s->req.connect_timeout_ms = 10000;
	s->req.on_body = remote_stream_sink;
	s->req.on_body_arg = s;
	/* remote_stream_stop() ends it at once, even when nothing comes */
	s->req.cancel = &s->stop;
	if (pthread_create(&s->thread, NULL, remote_stream_main, s)) {
		s->rc = rv_errf(&s->err, RV_ERR_IO, "%s: cannot start a "
				"thread", s->op);
		s->ended = 1;
		s->thread = pthread_self();	/* nothing to join */
	}
	return s;
}

bool remote_stream_ended(struct remote_stream *s)
{
	return __atomic_load_n(&s->ended, __ATOMIC_ACQUIRE) != 0;
}

enum rv_code remote_stream_stop(struct remote_stream *s,
				const struct remote_call *call,
				struct rv_err *err)
{
	enum rv_code rc;
	bool stopped;

	if (!s)
		return RV_OK;
	stopped = !remote_stream_ended(s);
	s->stop = 1;
	if (!pthread_equal(s->thread, pthread_self()))
		pthread_join(s->thread, NULL);
	rc = s->rc;
	if (rc == RV_OK && (s->resp.status < 200 || s->resp.status > 299))
		rc = remote_status_error(&s->resp, s->op, &s->err);
	else if (stopped)
		rc = rv_errf(&s->err, RV_ERR_INTR, "%s: stopped", s->op);
	remote_record(call, s->op, rc == RV_ERR_INTR ? RV_OK : rc, &s->resp,
		      &s->err);
	if (rc != RV_OK && err)
		*err = s->err;
	for (char **h = s->owned; *h; h++)
		free(*h);
	free(s->owned);
	free(s->url);
	free(s->op);
	free(s->body);
	rv_http_response_release(&s->resp);
	free(s);
	return rc;
}

/* --- what sandbox providers share --------------------------------------- */

enum rv_code remote_log_open(struct rv_redact_stream *st, const char *path,
			     unsigned long long limit, struct rv_err *err)
{
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			     0644) : -1;

	rv_redact_stream_init(st, fd, limit);
	if (path && fd < 0)
		return rv_errf(err, RV_ERR_IO, "cannot open log '%s': %s", path,
			       strerror(errno));
	return RV_OK;
}

enum rv_code remote_upload_check(const char *tarball, struct rv_err *err)
{
	/* a missing file is no transient failure to retry for minutes */
	if (access(tarball, R_OK) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot upload '%s': %s",
			       tarball, strerror(errno));
	return RV_OK;
}

enum rv_code remote_unpack_error(const char *id, int code, const char *output,
				 struct rv_err *err)
{
	char *out = rv_redact(output);
	enum rv_code rc = rv_errf(err, RV_ERR_PROVIDER, "cannot unpack the "
				  "bundle in sandbox '%s' (checksum or tar "
				  "failed, exit %d): %.200s", id, code, out);

	free(out);
	return rc;
}

/* --- commands ---------------------------------------------------------- */

void remote_rand_hex(char *out, size_t nbytes)
{
	unsigned char r[16];

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	rv_random(r, nbytes);
	rv_hex(r, nbytes, out);
}

void remote_add_command(struct rv_buf *b, const struct provider_cmd *cmd)
{
	if (cmd->argv && cmd->argv[0]) {
		for (const char *const *a = cmd->argv; *a; a++) {
			if (a != cmd->argv)
				rv_buf_addch(b, ' ');
			rv_buf_add_shell_word(b, *a);
		}
	} else {
		rv_buf_adds(b, "sh -c ");
		rv_buf_add_shell_word(b, cmd->shell ? cmd->shell : "true");
	}
}

void remote_add_exports(struct rv_buf *b, const char *const *env,
			const char *sep)
{
	for (const char *const *e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		/* a name a shell cannot export would fail the command */
		if (!eq || !rv_shell_name_ok(*e, (size_t)(eq - *e)))
			continue;
		rv_buf_addf(b, "export %.*s=", (int)(eq - *e), *e);
		rv_buf_add_shell_word(b, eq + 1);
		rv_buf_adds(b, sep);
	}
}

char *remote_add_env_source(struct rv_buf *b)
{
	char rnd[17], *path;

	remote_rand_hex(rnd, 8);
	path = rv_xasprintf("/tmp/.runeval-env-%s", rnd);
	rv_buf_adds(b, ". ");
	rv_buf_add_shell_word(b, path);
	rv_buf_adds(b, " && rm -f ");
	rv_buf_add_shell_word(b, path);
	rv_buf_adds(b, " && ");
	return path;
}

char *remote_unpack_command(const char *sha256, const char *tarball,
			    const char *dir)
{
	struct rv_buf cmd = RV_BUF_INIT;

	/* check what arrived and unpack it: one round trip */
	rv_buf_adds(&cmd, "RV_SHA256=");
	rv_buf_add_shell_word(&cmd, sha256);
	rv_buf_adds(&cmd, "; RV_TAR=");
	rv_buf_add_shell_word(&cmd, tarball);
	rv_buf_adds(&cmd, "; RV_DIR=");
	rv_buf_add_shell_word(&cmd, dir);
	rv_buf_adds(&cmd, "; ");
	rv_buf_adds(&cmd, provider_unpack_script);
	return rv_buf_detach(&cmd, NULL);
}

const char *remote_env(const char *v, const char *name, bool no_env)
{
	const char *e;

	if (v && *v)
		return v;
	if (no_env)
		return NULL;
	e = getenv(name);
	return e && *e ? e : NULL;
}

char *remote_upload_name(const char *path)
{
	char target[4096], *slash;
	const char *base;
	ssize_t n;

	if (!strncmp(path, "/proc/self/fd/", 14) &&
	    (n = readlink(path, target, sizeof(target) - 1)) > 0) {
		static const char gone[] = " (deleted)";
		size_t gl = sizeof(gone) - 1;

		target[n] = '\0';
		if ((size_t)n > gl && !strcmp(target + n - gl, gone))
			target[n - gl] = '\0';
		slash = strrchr(target, '/');
		if (slash && slash[1])
			return rv_xstrdup(slash + 1);
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return rv_xstrdup(*base ? base : "upload");
}

char *remote_url_trim(const char *url)
{
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	return rv_xstrndup(url, len);
}

char *remote_url(const char *base, const char *id, const char *suffix)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_adds(&b, base);
	rv_http_urlencode(&b, id);
	rv_buf_adds(&b, suffix ? suffix : "");
	return rv_buf_detach(&b, NULL);
}
