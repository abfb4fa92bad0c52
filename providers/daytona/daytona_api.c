#include "daytona_api.h"
#include "daytona_internal.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DT_MAX_HEADERS 16
#define DT_MAX_REFUSED 5	/* connect failures in a row */

struct daytona_client {
	char *api_url;
	char *target;
	char *headers[8];	/* NULL-terminated */
};

static const char *dt_env(const char *v, const char *name, bool no_env)
{
	const char *e;

	if (v && *v)
		return v;
	if (no_env)
		return NULL;
	e = getenv(name);
	return e && *e ? e : NULL;
}

struct daytona_client *daytona_client_new(const struct daytona_config *cfg,
					  struct rv_err *err)
{
	bool ne = cfg->no_env;
	const char *url = dt_env(cfg->api_url, "DAYTONA_API_URL", ne);
	const char *key = dt_env(cfg->api_key, "DAYTONA_API_KEY", ne);
	const char *jwt = dt_env(cfg->jwt, "DAYTONA_JWT_TOKEN", ne);
	const char *org = dt_env(cfg->org_id, "DAYTONA_ORGANIZATION_ID", ne);
	const char *target = dt_env(cfg->target, "DAYTONA_TARGET", ne);
	struct daytona_client *c;
	size_t h = 0;

	if (!key && !(jwt && org)) {
		rv_errf(err, RV_ERR_CONFIG,
			"no Daytona credentials: set DAYTONA_API_KEY (or "
			"DAYTONA_JWT_TOKEN with DAYTONA_ORGANIZATION_ID) and "
			"DAYTONA_API_URL (default %s)", DAYTONA_DEFAULT_API_URL);
		return NULL;
	}
	if (!url)
		url = DAYTONA_DEFAULT_API_URL;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		rv_errf(err, RV_ERR_CONFIG, "bad DAYTONA_API_URL '%s': "
			"expected http:// or https://", url);
		return NULL;
	}
	c = rv_xcalloc(1, sizeof(*c));
	c->api_url = dt_url_trim(url);
	c->target = rv_xstrdup(target);
	rv_redact_add(key ? key : jwt);
	c->headers[h++] = rv_xasprintf("Authorization: Bearer %s",
				       key ? key : jwt);
	if (!key)
		c->headers[h++] = rv_xasprintf("X-Daytona-Organization-ID: %s",
					       org);
	c->headers[h++] = rv_xstrdup("X-Daytona-Source: " DAYTONA_SOURCE);
	c->headers[h++] = rv_xstrdup("X-Daytona-SDK-Version: "
				     DAYTONA_SDK_VERSION);
	c->headers[h++] = rv_xstrdup("User-Agent: runeval/" RUNEVAL_VERSION);
	c->headers[h] = NULL;
	return c;
}

void daytona_client_free(struct daytona_client *c)
{
	if (!c)
		return;
	for (char **h = c->headers; *h; h++)
		free(*h);
	free(c->api_url);
	free(c->target);
	free(c);
}

const char *daytona_client_api_url(const struct daytona_client *c)
{
	return c->api_url;
}

const char *daytona_client_target(const struct daytona_client *c)
{
	return c->target;
}

const char *const *daytona_client_headers(const struct daytona_client *c)
{
	return (const char *const *)c->headers;
}

void daytona_sandbox_info_release(struct daytona_sandbox_info *s)
{
	free(s->id);
	free(s->name);
	free(s->state);
	free(s->error_reason);
	free(s->toolbox_proxy_url);
	free(s->job_label);
	memset(s, 0, sizeof(*s));
}

void daytona_sandbox_list_free(struct daytona_sandbox_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		daytona_sandbox_info_release(&v[i]);
	free(v);
}

/* --- requests -------------------------------------------------------- */

static void dt_record(const struct daytona_call *call, const char *op,
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
		snprintf(a->error, sizeof(a->error), "%s", e->msg);
	else if (resp->status >= 400)
		snprintf(a->error, sizeof(a->error), "HTTP %ld", resp->status);
}

bool dt_stopped(const struct daytona_call *call)
{
	return call && call->stop && *call->stop;
}

/* Sleep ms in short slices so that the stop flag is seen promptly. */
void dt_sleep_ms(long ms, const struct daytona_call *call)
{
	uint64_t end = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;

	for (;;) {
		uint64_t now = rv_now_ns();

		if (now >= end || dt_stopped(call))
			return;
		rv_sleep_ns(end - now > 20 * RV_NS_PER_MS ?
			    20 * RV_NS_PER_MS : end - now, NULL);
	}
}

uint64_t dt_deadline(const struct daytona_call *call,
			    uint64_t default_ms)
{
	if (call && call->deadline_ns)
		return call->deadline_ns;
	return rv_now_ns() + default_ms * RV_NS_PER_MS;
}

static enum rv_code dt_attempt(struct daytona_client *c,
			       const struct daytona_req *r, long timeout_ms,
			       struct rv_http_response *resp,
			       struct rv_err *err)
{
	const char *hdrs[DT_MAX_HEADERS];
	struct rv_http_request req = { 0 };
	struct rv_http_xfer *x;
	struct curl_mime *mime;
	enum rv_code rc;
	size_t n = 0;

	for (char **h = c->headers; *h; h++)
		hdrs[n++] = *h;
	if (r->json)
		hdrs[n++] = "Content-Type: application/json";
	if (!r->mime)
		hdrs[n++] = "Accept: application/json";
	hdrs[n] = NULL;
	req.method = r->method;
	req.url = r->url;
	req.headers = hdrs;
	req.body = r->json;
	req.body_len = r->json ? strlen(r->json) : 0;
	req.timeout_ms = timeout_ms;
	req.connect_timeout_ms = timeout_ms < 10000 ? timeout_ms : 10000;
	if (!r->mime)
		return rv_http_do(&req, resp, err);
	x = rv_http_xfer_new(&req, resp);
	mime = r->mime(rv_http_xfer_handle(x), r->mime_arg);
	curl_easy_setopt(rv_http_xfer_handle(x), CURLOPT_MIMEPOST, mime);
	rc = rv_http_xfer_finish(x, curl_easy_perform(rv_http_xfer_handle(x)),
				 err);
	rv_http_xfer_free(x);
	curl_mime_free(mime);
	return rc;
}

/*
 * Worth retrying at all?  Beyond rv_http_is_transient(): a connection
 * cut mid-exchange, and a 500, which a repeat of an idempotent request
 * cannot make worse; for a DAYTONA_ONCE request both are ambiguous (the
 * server may have acted), never blindly repeated.
 */
static bool dt_transient(enum rv_code rc, long status)
{
	if (rv_http_is_transient(rc, status))
		return true;
	return rc == RV_ERR_HTTP || (rc == RV_OK && status == 500);
}

static bool dt_surely_unprocessed(enum rv_code rc, long status)
{
	return rc == RV_ERR_CONNECT || (rc == RV_OK && status == 429);
}

enum rv_code daytona_request(struct daytona_client *c,
			     const struct daytona_req *r,
			     const struct daytona_call *call,
			     uint64_t default_deadline_ms,
			     struct rv_http_response *resp, bool *ambiguous,
			     struct rv_err *err)
{
	uint64_t deadline = dt_deadline(call, default_deadline_ms);
	bool idem = r->idem == DAYTONA_IDEMPOTENT;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code rc = RV_OK;
	unsigned refused = 0;

	if (ambiguous)
		*ambiguous = false;
	for (unsigned attempt = 0;; attempt++) {
		uint64_t now = rv_now_ns();
		long left_ms, wait, ra, tmo = r->timeout_ms ? r->timeout_ms :
			30000;

		if (dt_stopped(call))
			return rv_errf(err, RV_ERR_INTR, "%s: interrupted",
				       r->op);
		left_ms = now < deadline ? (long)((deadline - now) /
						  RV_NS_PER_MS) : 0;
		if (attempt > 0 && left_ms <= 0)
			break;
		if (left_ms < 1)
			left_ms = 1;
		rv_err_clear(&e);
		rc = dt_attempt(c, r, tmo < left_ms ? tmo : left_ms, resp, &e);
		dt_record(call, r->op, rc, resp, &e);
		if (!dt_transient(rc, resp->status))
			break;
		/* nobody listening: a few quick tries, not the whole deadline */
		refused = rc == RV_ERR_CONNECT ? refused + 1 : 0;
		if (refused >= DT_MAX_REFUSED)
			break;
		if (!idem && !dt_surely_unprocessed(rc, resp->status)) {
			if (ambiguous)
				*ambiguous = true;
			break;
		}
		wait = rv_backoff_ms(attempt, 50, 2000);
		ra = rc == RV_OK ? rv_http_retry_after_ms(resp) : -1;
		if (ra > wait)
			wait = ra;
		now = rv_now_ns();
		if (now + (uint64_t)wait * RV_NS_PER_MS >= deadline)
			break;
		dt_sleep_ms(wait, call);
	}
	if (rc != RV_OK && err)
		*err = e;
	return rc;
}

enum rv_code daytona_status_error(const struct rv_http_response *resp,
				  const char *what, struct rv_err *err)
{
	json_t *j = rv_json_parse(resp->body.data, resp->body.len, "", NULL);
	const char *m = NULL;
	enum rv_code code;
	char *msg, *red;

	if (j) {
		m = rv_json_str(j, "message");
		if (!m)
			m = rv_json_str(j, "error");
	}
	msg = m ? rv_xstrdup(m) : rv_xstrndup(resp->body.data,
					      resp->body.len > 200 ? 200 :
					      resp->body.len);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	red = rv_redact(msg);
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
	free(msg);
	json_decref(j);
	return code;
}

char *dt_url_trim(const char *url)
{
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	return rv_xstrndup(url, len);
}

enum rv_code dt_json_response(const struct rv_http_response *resp,
			      const char *what, json_t **out,
			      struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;

	*out = NULL;
	if (resp->status < 200 || resp->status > 299)
		return daytona_status_error(resp, what, err);
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

char *dt_url(const char *base, const char *id, const char *suffix)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_adds(&b, base);
	rv_http_urlencode(&b, id);
	rv_buf_adds(&b, suffix ? suffix : "");
	return rv_buf_detach(&b, NULL);
}
