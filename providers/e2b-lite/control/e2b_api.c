/* e2b-lite: the control plane (create, list, get, kill, timeouts). */
#include "e2b_lite.h"

#include "lite.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E2B_DEFAULT_TIMEOUT_S 15	/* the API's default; the SDK's 300 */
#define E2B_LIST_LIMIT 100

static json_t *e2b_iso(uint64_t wall_ns)
{
	char ts[40];

	return json_string(rv_wall_iso8601(wall_ns, ts, sizeof(ts)));
}

static const char *e2b_template(const struct lite_sandbox *sb)
{
	const char *t = rv_json_str(sb->extra, "templateID");

	return t ? t : "base";
}

/*
 * How long s seconds of a sandbox's timeout last: --interval-unit-ms is
 * the length of a minute of them (tests shrink time; 60000 is real time).
 */
static uint64_t e2b_span_ns(const struct lite *l, long s)
{
	return (uint64_t)s * (uint64_t)l->conf->interval_unit_ms *
		RV_NS_PER_MS / 60;
}

/* When a sandbox given s seconds from now ends. */
static uint64_t e2b_end_ns(const struct lite *l, long s)
{
	return rv_wall_ns() + e2b_span_ns(l, s);
}

/* E2B's two states; a sandbox still starting or failed is "running". */
static const char *e2b_state(const struct lite_sandbox *sb)
{
	return sb->state == LITE_STOPPED || sb->state == LITE_ARCHIVED ?
		"paused" : "running";
}

json_t *e2b_api_sandbox(const struct lite *l, const struct lite_sandbox *sb)
{
	char *domain = e2b_domain(l);
	const char *traffic = e2b_traffic_token(sb);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "sandboxID", sb->id,
			      "templateID", e2b_template(sb), "clientID",
			      "e2b-lite", "envdVersion", E2B_ENVD_VERSION,
			      "envdAccessToken", sb->token, "domain", domain);

	json_object_set_new(o, "trafficAccessToken", *traffic ?
			    json_string(traffic) : json_null());
	free(domain);
	return o;
}

/* ListedSandbox (detail: SandboxDetail, with the envd token). */
static json_t *e2b_listed(const struct lite *l, const struct lite_sandbox *sb,
			  bool detail)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:O,s:s,s:s}",
			      "sandboxID", sb->id, "templateID",
			      e2b_template(sb), "clientID", "e2b-lite",
			      "cpuCount", sb->cpu ? sb->cpu : 1,
			      "memoryMB", 512, "diskSizeMB", 1024,
			      "metadata", sb->labels, "state", e2b_state(sb),
			      "envdVersion", E2B_ENVD_VERSION);

	json_object_set_new(o, "startedAt", e2b_iso(sb->created_ns));
	json_object_set_new(o, "endAt", e2b_iso(sb->end_ns));
	if (detail) {
		char *domain = e2b_domain(l);

		json_object_set_new(o, "envdAccessToken",
				    json_string(sb->token));
		json_object_set_new(o, "domain", json_string(domain));
		json_object_set_new(o, "network", json_pack("{s:b}",
				    "allowPublicTraffic", sb->is_public));
		free(domain);
	}
	return o;
}

/* --- create ------------------------------------------------------------ */

/* A field that must be absent, null or false. */
static bool e2b_unsupported(const json_t *b, const char *key, char *why,
			    size_t size)
{
	json_t *v = json_object_get(b, key);

	if (!v || json_is_null(v) || json_is_false(v) ||
	    (json_is_array(v) && !json_array_size(v)))
		return true;
	snprintf(why, size, "%s is not supported by e2b-lite", key);
	return false;
}

/* An optional whole number of seconds in [0, E2B_MAX_TIMEOUT_S]. */
static bool e2b_seconds(const json_t *b, const char *key, long *out,
			char *why, size_t size)
{
	json_t *v = json_object_get(b, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > E2B_MAX_TIMEOUT_S) {
		snprintf(why, size, "%s must be a whole number of seconds from "
			 "0 to %d (24 hours)", key, E2B_MAX_TIMEOUT_S);
		return false;
	}
	*out = (long)json_integer_value(v);
	return true;
}

/* Apply a NewSandbox body to sb; false with why when it is invalid. */
static bool e2b_create_apply(struct lite_sandbox *sb, const json_t *b,
			     long *timeout, char *why, size_t size)
{
	json_t *v, *net = json_object_get(b, "network");
	const char *tpl;

	v = json_object_get(b, "templateID");
	tpl = json_string_value(v);
	if (!tpl || !*tpl || strlen(tpl) > 128) {
		snprintf(why, size, "templateID must be a non-empty string");
		return false;
	}
	json_object_set_new(sb->extra, "templateID", json_string(tpl));
	if (!e2b_seconds(b, "timeout", timeout, why, size))
		return false;
	if ((v = json_object_get(b, "metadata")) && !json_is_null(v)) {
		if (!lite_str_map(v, "metadata", false, why, size))
			return false;
		json_decref(sb->labels);
		sb->labels = json_deep_copy(v);
	}
	if ((v = json_object_get(b, "envVars")) && !json_is_null(v)) {
		if (!lite_str_map(v, "envVars", true, why, size))
			return false;
		json_decref(sb->env);
		sb->env = json_deep_copy(v);
	}
	if (net && !json_is_null(net) && !json_is_object(net)) {
		snprintf(why, size, "network must be an object");
		return false;
	}
	v = json_object_get(net, "allowPublicTraffic");
	if (v && !json_is_boolean(v)) {
		snprintf(why, size, "network.allowPublicTraffic must be a "
			 "boolean");
		return false;
	}
	sb->is_public = !json_is_false(v);
	v = json_object_get(b, "secure");
	if (v && !json_is_boolean(v)) {
		snprintf(why, size, "secure must be a boolean");
		return false;
	}
	return e2b_unsupported(b, "autoPause", why, size) &&
		e2b_unsupported(b, "volumeMounts", why, size);
}

static void e2b_rate_limited(struct lite_ctx *c)
{
	lite_fail(c, 429, "Rate limit exceeded, please try again later");
	rv_buf_addf(&c->resp->headers, "Retry-After: %ld\r\n",
		    c->l->conf->faults.retry_after_s);
}

static void e2b_create(struct lite_ctx *c)
{
	struct lite_faults *f = &c->l->conf->faults;
	struct lite_sandbox *sb = NULL;
	long timeout = E2B_DEFAULT_TIMEOUT_S;
	json_t *body;
	char why[300];

	if (lite_fault_hit(f, f->create_429_rate)) {
		e2b_rate_limited(c);
		return;
	}
	body = lite_ctx_body(c);
	if (!body)
		return;
	sb = lite_sandbox_new();
	sb->auto_stop = 0;		/* E2B sandboxes live until their end */
	sb->auto_delete = -1;
	if (!e2b_create_apply(sb, body, &timeout, why, sizeof(why))) {
		lite_fail(c, 400, "%s", why);
		goto out;
	}
	/* the timeout counts from when it runs, as E2B's does */
	sb->life_ns = e2b_span_ns(c->l, timeout);
	sb->end_ns = e2b_end_ns(c->l, timeout);
	if (!sb->is_public) {
		char token[LITE_TOKEN_LEN + 1];

		lite_random_token(token, LITE_TOKEN_LEN);
		json_object_set_new(sb->extra, "trafficAccessToken",
				    json_string(token));
	}
	if (!lite_life_admit(c->l, sb, why, sizeof(why))) {
		lite_fail(c, c->l->conf->spec->full_status, "%s", why);
		goto out;
	}
	lite_resp_park(c->l, c->resp, sb, LITE_WAIT_START, NULL);
	sb = NULL;
out:
	lite_sandbox_free(sb);
	json_decref(body);
}

/* --- list -------------------------------------------------------------- */

/*
 * The metadata filter "k=v&k2=v2", whose keys and values the SDK
 * encodes twice (encodeURIComponent, then URLSearchParams), as an
 * object; NULL when malformed.
 */
static json_t *e2b_metadata_filter(const char *q)
{
	json_t *f = json_object();

	while (q && *q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		char *k1, *v1, *k, *v;
		int bad;

		if (!eq || eq == q) {
			json_decref(f);
			return NULL;
		}
		k1 = lite_pct_decode(q, (size_t)(eq - q), true);
		v1 = lite_pct_decode(eq + 1, (size_t)(q + n - eq - 1), true);
		k = lite_pct_decode(k1, strlen(k1), false);
		v = lite_pct_decode(v1, strlen(v1), false);
		/* a key or value that is not UTF-8 is no filter to drop */
		bad = json_object_set_new(f, k, json_string(v));
		free(k1);
		free(v1);
		free(k);
		free(v);
		if (bad) {
			json_decref(f);
			return NULL;
		}
		q += n + (q[n] == '&');
	}
	return f;
}

static bool e2b_matches(const struct lite_sandbox *sb, const json_t *filter,
			const char *states)
{
	const char *k, *st = e2b_state(sb);
	size_t n = strlen(st);
	json_t *v;

	if (sb->state == LITE_DESTROYING || sb->state == LITE_DESTROYED)
		return false;
	json_object_foreach((json_t *)filter, k, v) {
		/* rv_json_str would read the dots of "runeval.job" as a path */
		const char *have = json_string_value(json_object_get(sb->labels,
								     k));

		if (!have || strcmp(have, json_string_value(v)))
			return false;
	}
	for (const char *p = states; p && *p;) {
		size_t m = strcspn(p, ",");

		if (m == n && !strncmp(p, st, n))
			return true;
		p += m + (p[m] == ',');
	}
	return !states || !*states;
}

static void e2b_list(struct lite_ctx *c, bool v2)
{
	char *meta = lite_query_get(c->req->query, "metadata");
	char *states = lite_query_get(c->req->query, "state");
	char *limit_s = lite_query_get(c->req->query, "limit");
	char *next_s = lite_query_get(c->req->query, "nextToken");
	json_t *filter = e2b_metadata_filter(meta), *items = json_array();
	long limit = E2B_LIST_LIMIT, skip = 0, index = 0;

	if (!filter || (limit_s && *limit_s &&
			!lite_parse_long(limit_s, 1, E2B_LIST_LIMIT, &limit)) ||
	    (next_s && *next_s &&
	     !lite_parse_long(next_s, 0, 1L << 30, &skip))) {
		lite_fail(c, 400, "invalid %s", !filter ? "metadata query" :
			  "limit or nextToken");
		goto out;
	}
	if (!v2) {
		free(states);
		states = rv_xstrdup("running");
		limit = 1L << 30;
	}
	for (struct lite_sandbox *sb = lite_store_first(c->l->store); sb;
	     sb = sb->next) {
		if (!e2b_matches(sb, filter, states) || index++ < skip)
			continue;
		if ((long)json_array_size(items) == limit) {
			rv_buf_addf(&c->resp->headers, "X-Next-Token: %ld\r\n",
				    index - 1);
			break;
		}
		json_array_append_new(items, e2b_listed(c->l, sb, false));
	}
	lite_resp_json(c->resp, 200, json_incref(items));
out:
	json_decref(items);
	json_decref(filter);
	free(meta);
	free(states);
	free(limit_s);
	free(next_s);
}

static void e2b_list_v1(struct lite_ctx *c)
{
	e2b_list(c, false);
}

static void e2b_list_v2(struct lite_ctx *c)
{
	e2b_list(c, true);
}

/* --- one sandbox ------------------------------------------------------- */

static void e2b_get(struct lite_ctx *c)
{
	lite_resp_json(c->resp, 200, e2b_listed(c->l, c->sb, true));
}

static void e2b_kill(struct lite_ctx *c)
{
	struct lite_sandbox *sb = c->sb;

	if (sb->busy)
		sb->desired = LITE_DESTROYED;	/* once its start is over */
	else
		lite_life_destroy(c->l, sb);
	lite_resp_park(c->l, c->resp, sb, LITE_WAIT_DESTROY, NULL);
}

/* The seconds field of a body; -1 after a 400. */
static long e2b_body_seconds(struct lite_ctx *c, const char *key)
{
	json_t *body = lite_ctx_body(c);
	long s = -1;
	char why[200];

	if (body && (!json_object_get(body, key) ||
		     !e2b_seconds(body, key, &s, why, sizeof(why))))
		lite_fail(c, 400, "%s", json_object_get(body, key) ? why :
			  "the body needs the number of seconds");
	json_decref(body);
	return c->resp->status == 400 ? -1 : s;
}

static void e2b_set_timeout(struct lite_ctx *c)
{
	long s = e2b_body_seconds(c, "timeout");

	if (s < 0)
		return;
	c->sb->end_ns = e2b_end_ns(c->l, s);
	lite_store_save(c->l->store, c->sb);
	lite_resp_json(c->resp, 204, NULL);
}

static void e2b_refresh(struct lite_ctx *c)
{
	long s = e2b_body_seconds(c, "duration");
	uint64_t end;

	if (s < 0)
		return;
	end = e2b_end_ns(c->l, s);
	if (end > c->sb->end_ns)
		c->sb->end_ns = end;
	lite_store_save(c->l->store, c->sb);
	lite_resp_json(c->resp, 204, NULL);
}

static void e2b_connect(struct lite_ctx *c)
{
	json_t *body = lite_ctx_body(c);
	long s = -1;
	char why[200];

	if (!body)
		return;
	if (!e2b_seconds(body, "timeout", &s, why, sizeof(why))) {
		lite_fail(c, 400, "%s", why);
	} else if (c->sb->state != LITE_STARTED) {
		lite_fail(c, 409, "sandbox %s is not running", c->sb->id);
	} else {
		if (s >= 0)
			c->sb->end_ns = e2b_end_ns(c->l, s);
		lite_resp_json(c->resp, 200, e2b_api_sandbox(c->l, c->sb));
	}
	json_decref(body);
}

static void e2b_pause(struct lite_ctx *c)
{
	lite_fail(c, 409, "pausing is not supported by e2b-lite");
}

static const struct lite_route e2b_routes[] = {
	{ "POST", "sandboxes", -1, e2b_create },
	{ "POST", "v2/sandboxes", -1, e2b_create },
	{ "GET", "sandboxes", -1, e2b_list_v1 },
	{ "GET", "v2/sandboxes", -1, e2b_list_v2 },
	{ "GET", "sandboxes/*", 1, e2b_get },
	{ "DELETE", "sandboxes/*", 1, e2b_kill },
	{ "POST", "sandboxes/*/timeout", 1, e2b_set_timeout },
	{ "POST", "sandboxes/*/refreshes", 1, e2b_refresh },
	{ "POST", "sandboxes/*/pause", 1, e2b_pause },
	{ "POST", "sandboxes/*/resume", 1, e2b_connect },
	{ "POST", "sandboxes/*/connect", 1, e2b_connect },
	{ "POST", "v2/sandboxes/*/connect", 2, e2b_connect },
};

void e2b_api_handle(struct lite *l, const struct lite_api_req *req,
		    struct lite_api_resp *resp)
{
	lite_route_run(l, e2b_routes, sizeof(e2b_routes) /
		       sizeof(e2b_routes[0]), "sandbox \"%s\" doesn't exist or "
		       "you don't have access to it", req, resp);
}
