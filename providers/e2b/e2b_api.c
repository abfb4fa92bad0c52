/* e2b_api: E2B's control plane and the URLs of sandbox ports. */
#include "e2b_api.h"

#include "provider.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rv_redact.h"
#include "rv_term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define E2B_KILL_DEADLINE_MS 120000

struct e2b_client {
	char *api_url;
	char *domain;
	char *sandbox_url;	/* or NULL */
	const char *scheme;	/* of sandbox ports: "http" or "https" */
	char *headers[4];	/* NULL-terminated */
	struct rv_http_pool *pool;	/* the provider's, borrowed */
};

/* A host name, and a port: E2B_DOMAIN, or an answer's domain. */
static bool e2b_host_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") ==
		strlen(s);
}

struct e2b_client *e2b_client_new(const struct e2b_config *cfg,
				  struct rv_err *err)
{
	bool ne = cfg->no_env;
	const char *url = remote_env(cfg->api_url, "E2B_API_URL", ne);
	const char *key = remote_env(cfg->api_key, "E2B_API_KEY", ne);
	const char *domain = remote_env(cfg->domain, "E2B_DOMAIN", ne);
	const char *sburl = remote_env(cfg->sandbox_url, "E2B_SANDBOX_URL",
				       ne);
	struct e2b_client *c;

	if (!key) {
		rv_errf(err, RV_ERR_CONFIG, "no E2B credentials: set "
			"E2B_API_KEY and E2B_API_URL (default %s), or add "
			"'--lite' to run against e2b-lite, an offline E2B on "
			"this machine", E2B_DEFAULT_API_URL);
		return NULL;
	}
	if (!url)
		url = E2B_DEFAULT_API_URL;
	if ((strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) ||
	    (sburl && strncmp(sburl, "http://", 7) &&
	     strncmp(sburl, "https://", 8))) {
		rv_errf(err, RV_ERR_CONFIG, "bad %s '%s': expected http:// or "
			"https://", sburl && strncmp(sburl, "http", 4) ?
			"E2B_SANDBOX_URL" : "E2B_API_URL", sburl &&
			strncmp(sburl, "http", 4) ? sburl : url);
		return NULL;
	}
	if (domain && !e2b_host_ok(domain)) {
		rv_errf(err, RV_ERR_CONFIG, "bad E2B_DOMAIN '%s': a host name "
			"(and port) only", domain);
		return NULL;
	}
	c = rv_xcalloc(1, sizeof(*c));
	c->api_url = remote_url_trim(url);
	c->domain = rv_xstrdup(domain ? domain : E2B_DEFAULT_DOMAIN);
	c->sandbox_url = sburl ? remote_url_trim(sburl) : NULL;
	c->scheme = strncmp(c->api_url, "http://", 7) ? "https" : "http";
	c->pool = cfg->pool;
	rv_redact_add(key);
	c->headers[0] = rv_xasprintf("X-API-Key: %s", key);
	c->headers[1] = rv_xstrdup("User-Agent: runeval/" RUNEVAL_VERSION);
	c->headers[2] = NULL;
	return c;
}

void e2b_client_free(struct e2b_client *c)
{
	if (!c)
		return;
	for (char **h = c->headers; *h; h++)
		free(*h);
	free(c->api_url);
	free(c->domain);
	free(c->sandbox_url);
	free(c);
}

const char *e2b_client_api_url(const struct e2b_client *c)
{
	return c->api_url;
}

struct rv_http_pool *e2b_client_pool(const struct e2b_client *c)
{
	return c->pool;
}

void e2b_sandbox_info_release(struct e2b_sandbox_info *s)
{
	free(s->id);
	free(s->name);
	free(s->job);
	free(s->state);
	free(s->domain);
	free(s->envd_token);
	free(s->traffic_token);
	memset(s, 0, sizeof(*s));
}

void e2b_sandbox_list_free(struct e2b_sandbox_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e2b_sandbox_info_release(&v[i]);
	free(v);
}

static char *e2b_dup(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && *v ? rv_xstrdup(v) : NULL;
}

/*
 * A time the API gives ("2026-12-06T05:07:25.213Z", UTC) in ms since
 * the epoch; 0 when it is absent or not such a time.
 */
static double e2b_time_ms(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	struct tm tm = { 0 };
	double frac = 0;
	int n = 0;
	time_t t;

	if (!v || sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
			 &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			 &tm.tm_sec, &n) != 6 || n != 19)
		return 0;
	if (v[n] == '.') {
		char *end;

		frac = strtod(v + n, &end);
		n = (int)(end - v);
	}
	if (strcmp(v + n, "Z") || tm.tm_mon < 1 || tm.tm_mon > 12)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return t < 0 ? 0 : ((double)t + frac) * 1000.0;
}

/*
 * An answer's sandbox id and domain make the host name of its ports
 * (e2b_port_url): the id one DNS label, the domain host names (and a
 * port), nothing that could move the request elsewhere ('@', '/', ...);
 * its tokens become header values.
 */
static bool e2b_answer_id_ok(const json_t *o, const char *what,
			     struct rv_err *err)
{
	const char *id = json_string_value(json_object_get(o, "sandboxID"));

	if (!id)
		return !rv_errf(err, RV_ERR_PROTO, "%s: the answer names no "
				"sandboxID", what);
	if (provider_check_id(id, what, err) != RV_OK)
		return false;
	if (strchr(id, '.') || strchr(id, '_'))
		return !rv_errf(err, RV_ERR_PROTO, "%s: the sandboxID '%s' is "
				"no host name label: refused", what, id);
	return true;
}

static bool e2b_answer_domain_tokens_ok(const json_t *o, const char *what,
					struct rv_err *err)
{
	const char *domain = json_string_value(json_object_get(o, "domain"));
	const char *token[] = {
		json_string_value(json_object_get(o, "envdAccessToken")),
		json_string_value(json_object_get(o, "trafficAccessToken")),
	};

	if (domain && !e2b_host_ok(domain)) {
		char *q = rv_term_safe(domain);

		rv_errf(err, RV_ERR_PROTO, "%s: the answer's domain '%.80s' "
			"is no host name: refused", what, q);
		free(q);
		return false;
	}
	for (int i = 0; i < 2; i++)
		if (token[i] && provider_check_header_value(token[i],
				i ? "trafficAccessToken" : "envdAccessToken",
				what, err) != RV_OK)
			return false;
	return true;
}

/*
 * A Sandbox, SandboxDetail or ListedSandbox; false when it is none.  A
 * listed one (listed) needs a good id only: its domain and tokens,
 * which nothing takes from a listing, are kept only when good, so that
 * an odd one can still be reaped by its id.
 */
static bool e2b_parse_sandbox(const json_t *o, struct e2b_sandbox_info *s,
			      const char *what, bool listed,
			      struct rv_err *err)
{
	json_t *meta = json_object_get(o, "metadata");
	bool whole;

	memset(s, 0, sizeof(*s));
	if (!e2b_answer_id_ok(o, what, err))
		return false;
	whole = e2b_answer_domain_tokens_ok(o, what, listed ? NULL : err);
	if (!whole && !listed)
		return false;
	s->id = e2b_dup(o, "sandboxID");
	s->name = e2b_dup(meta, E2B_META_NAME);
	s->job = e2b_dup(meta, PROVIDER_LABEL_JOB);
	s->state = e2b_dup(o, "state");
	s->domain = whole ? e2b_dup(o, "domain") : NULL;
	s->envd_token = whole ? e2b_dup(o, "envdAccessToken") : NULL;
	s->traffic_token = whole ? e2b_dup(o, "trafficAccessToken") : NULL;
	s->started_ms = e2b_time_ms(o, "startedAt");
	s->end_ms = e2b_time_ms(o, "endAt");
	rv_redact_add(s->envd_token);
	rv_redact_add(s->traffic_token);
	return true;
}

/* "{api}/sandboxes/{id}" with the id encoded, malloc'ed. */
static char *e2b_sandbox_url(const struct e2b_client *c, const char *id)
{
	char *base = rv_xasprintf("%s/sandboxes/", c->api_url);
	char *url = remote_url(base, id, NULL);

	free(base);
	return url;
}

/* remote_request() with the client's headers; JSON out on a 2xx. A
 * transport failure says what was being done, as an HTTP one does. */
static enum rv_code e2b_call(struct e2b_client *c, const struct remote_req *r,
			     const struct remote_call *call, const char *what,
			     json_t **out, bool *ambiguous,
			     struct rv_http_response *resp, struct rv_err *err)
{
	struct remote_req pooled = *r;
	enum rv_code rc;

	pooled.pool = c->pool;
	rc = remote_request((const char *const *)c->headers, &pooled, call,
			    60000, resp, ambiguous, err);

	if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
	else if (out)
		rc = remote_json_response(resp, what, out, err);
	else if (resp->status < 200 || resp->status > 299)
		rc = remote_status_error(resp, what, err);
	return rc;
}

enum rv_code e2b_create(struct e2b_client *c, const struct e2b_create_opts *o,
			const struct remote_call *call,
			struct e2b_sandbox_info *out, bool *ambiguous,
			struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	const char *what = "cannot create sandbox";
	json_t *body = json_pack("{s:s,s:I,s:O,s:b,s:{s:b}}", "templateID",
				 o->template_id ? o->template_id : "base",
				 "timeout", (json_int_t)o->timeout_s,
				 "metadata", o->metadata, "secure", 1,
				 "network", "allowPublicTraffic",
				 !o->private_traffic);
	json_t *env = json_object(), *j = NULL;
	char *text, *url = rv_xasprintf("%s/sandboxes", c->api_url);
	struct remote_req r = { .method = "POST", .url = url,
				.op = "POST /sandboxes", .idem = REMOTE_ONCE,
				.timeout_ms = 120000 };
	enum rv_code rc;

	for (const char *const *e = o->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char *k;

		if (!eq || eq == *e)
			continue;
		k = rv_xstrndup(*e, (size_t)(eq - *e));
		json_object_set_new(env, k, json_string(eq + 1));
		free(k);
	}
	json_object_set_new(body, "envVars", env);
	text = rv_json_dumps(body);
	r.json = text;
	rc = e2b_call(c, &r, call, what, &j, ambiguous, &resp, err);
	if (rc == RV_OK && !e2b_parse_sandbox(j, out, what, false, err))
		rc = RV_ERR_PROTO;
	json_decref(j);
	json_decref(body);
	rv_http_response_release(&resp);
	free(text);
	free(url);
	return rc;
}

enum rv_code e2b_get(struct e2b_client *c, const char *id,
		     const struct remote_call *call,
		     struct e2b_sandbox_info *out, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *url = e2b_sandbox_url(c, id);
	char *what = rv_xasprintf("cannot get sandbox '%s'", id);
	struct remote_req r = { .method = "GET", .url = url,
				.op = "GET /sandboxes/{id}" };
	enum rv_code rc;
	json_t *j = NULL;

	rc = e2b_call(c, &r, call, what, &j, NULL, &resp, err);
	if (rc == RV_OK && !e2b_parse_sandbox(j, out, what, false, err))
		rc = RV_ERR_PROTO;
	json_decref(j);
	rv_http_response_release(&resp);
	free(what);
	free(url);
	return rc;
}

enum rv_code e2b_set_timeout(struct e2b_client *c, const char *id,
			     long timeout_s, const struct remote_call *call,
			     struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *base = e2b_sandbox_url(c, id);
	char *url = rv_xasprintf("%s/timeout", base);
	char *what = rv_xasprintf("cannot set the timeout of sandbox '%s'",
				  id);
	char *body = rv_xasprintf("{\"timeout\":%ld}", timeout_s);
	struct remote_req r = { .method = "POST", .url = url, .json = body,
				.op = "POST /sandboxes/{id}/timeout" };
	enum rv_code rc;

	rc = e2b_call(c, &r, call, what, NULL, NULL, &resp, err);
	rv_http_response_release(&resp);
	free(body);
	free(what);
	free(url);
	free(base);
	return rc;
}

enum rv_code e2b_kill(struct e2b_client *c, const char *id,
		      const struct remote_call *call, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_call sub = { 0 };
	char *url = e2b_sandbox_url(c, id);
	char *what = rv_xasprintf("cannot kill sandbox '%s'", id);
	struct remote_req r = { .method = "DELETE", .url = url,
				.op = "DELETE /sandboxes/{id}" };
	struct e2b_sandbox_info info = { 0 };
	enum rv_code rc;

	sub = call ? *call : sub;
	sub.deadline_ns = remote_deadline(call, E2B_KILL_DEADLINE_MS);
	rc = e2b_call(c, &r, &sub, what, NULL, NULL, &resp, err);
	if (rc == RV_ERR_NOTFOUND)
		rc = RV_OK;	/* already gone */
	/* confirmed: a kill answers once it is done, a GET must say 404 */
	for (long wait = 10; rc == RV_OK; wait = wait < 500 ? wait * 2 : 500) {
		rc = e2b_get(c, id, &sub, &info, err);
		e2b_sandbox_info_release(&info);
		if (rc == RV_ERR_NOTFOUND) {
			rv_err_clear(err);
			rc = RV_OK;
			break;
		}
		if (rc == RV_OK && rv_now_ns() >= sub.deadline_ns)
			rc = rv_errf(err, RV_ERR_TIMEOUT, "%s: still there "
				     "after the kill", what);
		else if (rc == RV_OK)
			remote_sleep_ms(wait, &sub);
	}
	rv_http_response_release(&resp);
	free(what);
	free(url);
	return rc;
}

/* "k=v" as the SDK sends it: each side encoded twice, then the pair. */
static void e2b_metadata_query(struct rv_buf *q, const char *key,
			       const char *value)
{
	struct rv_buf inner = RV_BUF_INIT, once = RV_BUF_INIT;

	rv_http_urlencode(&once, key);
	rv_http_urlencode(&inner, once.data);
	rv_buf_addch(&inner, '=');
	rv_buf_reset(&once);
	rv_http_urlencode(&once, value);
	rv_http_urlencode(&inner, once.data);
	rv_buf_adds(q, "&metadata=");
	rv_http_urlencode(q, inner.data);
	rv_buf_release(&inner);
	rv_buf_release(&once);
}

/* One page of the list into *v; *next: the next page's token or NULL. */
static enum rv_code e2b_list_page(struct e2b_client *c, const char *key,
				  const char *value, const char *token,
				  const struct remote_call *call,
				  struct e2b_sandbox_info **v, size_t *n,
				  char **next, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	const char *what = "cannot list sandboxes";
	struct rv_err e = RV_ERR_INIT;	/* of one listed sandbox */
	struct rv_buf url = RV_BUF_INIT;
	struct remote_req r = { .method = "GET", .op = "GET /v2/sandboxes" };
	enum rv_code rc;
	json_t *j = NULL, *it;
	size_t i;

	rv_buf_addf(&url, "%s/v2/sandboxes?limit=100", c->api_url);
	if (key && value)
		e2b_metadata_query(&url, key, value);
	if (token) {
		rv_buf_adds(&url, "&nextToken=");
		rv_http_urlencode(&url, token);
	}
	r.url = url.data;
	*next = NULL;
	rc = e2b_call(c, &r, call, what, &j, NULL, &resp, err);
	if (rc == RV_OK && !json_is_array(j))
		rc = rv_errf(err, RV_ERR_PROTO, "%s: the answer is not a list",
			     what);
	json_array_foreach(rc == RV_OK ? j : NULL, i, it) {
		struct e2b_sandbox_info s;

		if (!e2b_parse_sandbox(it, &s, "a listed sandbox", true, &e)) {
			/* one odd sandbox of the account stops no listing
			   (nor a reap): it is left out, said */
			rv_warn("left out of the listing: %s", e.msg);
			e = (struct rv_err)RV_ERR_INIT;
			continue;
		}
		/* no value to filter by: runeval's, by their job */
		if (!value && !s.job) {
			e2b_sandbox_info_release(&s);
			continue;
		}
		*v = rv_xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = s;
	}
	if (rc == RV_OK)
		*next = rv_http_header(&resp, "x-next-token");
	json_decref(j);
	rv_http_response_release(&resp);
	rv_buf_release(&url);
	return rc;
}

enum rv_code e2b_list(struct e2b_client *c, const char *key,
		      const char *value, const struct remote_call *call,
		      struct e2b_sandbox_info **out, size_t *n,
		      struct rv_err *err)
{
	enum rv_code rc;
	char *token = NULL, *next = NULL;
	unsigned pages = 0;

	*out = NULL;
	*n = 0;
	do {
		rc = e2b_list_page(c, key, value, token, call, out, n, &next,
				   err);
		free(token);
		token = next && *next ? next : NULL;
		if (!token)
			free(next);
	} while (rc == RV_OK && token && ++pages < 1000);
	free(token);
	if (rc != RV_OK) {
		e2b_sandbox_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

char *e2b_port_url(const struct e2b_client *c,
		   const struct e2b_sandbox_info *s, int port)
{
	if (c->sandbox_url)
		return rv_xstrdup(c->sandbox_url);
	return rv_xasprintf("%s://%d-%s.%s", c->scheme, port, s->id,
			    s->domain ? s->domain : c->domain);
}

char **e2b_port_headers(const struct e2b_client *c,
			const struct e2b_sandbox_info *s, int port)
{
	char **h = rv_xcalloc(5, sizeof(char *));
	size_t n = 0;

	/* the proxy routes by them when the host is not the sandbox's */
	h[n++] = rv_xasprintf("E2b-Sandbox-Id: %s", s->id);
	h[n++] = rv_xasprintf("E2b-Sandbox-Port: %d", port);
	if (port == E2B_ENVD_PORT && s->envd_token)
		h[n++] = rv_xasprintf("X-Access-Token: %s", s->envd_token);
	else if (port != E2B_ENVD_PORT && s->traffic_token)
		h[n++] = rv_xasprintf("e2b-traffic-access-token: %s",
				      s->traffic_token);
	(void)c;
	return h;
}

void e2b_headers_free(char **h)
{
	for (char **p = h; p && *p; p++)
		free(*p);
	free(h);
}
