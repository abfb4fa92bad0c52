/* The sandbox lifecycle half of the Daytona client (see daytona_api.h). */
#include "daytona_api.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DT_CREATE_DEADLINE_MS 120000
#define DT_WAIT_DEADLINE_MS 120000
#define DT_DELETE_DEADLINE_MS 120000
#define DT_POLL_FIRST_MS 10
#define DT_POLL_MAX_MS 1000
#define DT_POLL_GRACE_MS 5000

static char *dt_strdup_json(const json_t *v, const char *key)
{
	const char *s = rv_json_str(v, key);

	return s ? rv_xstrdup(s) : NULL;
}

static enum rv_code dt_parse_info(const json_t *j, const char *what,
				  struct daytona_sandbox_info *out,
				  struct rv_err *err)
{
	const char *job;

	if (!json_is_object(j) || !rv_json_str(j, "id"))
		return rv_errf(err, RV_ERR_PROTO, "%s: response has no "
			       "sandbox 'id'", what);
	if (provider_check_id(rv_json_str(j, "id"), what, err) != RV_OK)
		return err->code;
	daytona_sandbox_info_release(out);
	out->id = dt_strdup_json(j, "id");
	out->name = dt_strdup_json(j, "name");
	out->state = dt_strdup_json(j, "state");
	out->error_reason = dt_strdup_json(j, "errorReason");
	out->toolbox_proxy_url = dt_strdup_json(j, "toolboxProxyUrl");
	job = json_string_value(json_object_get(json_object_get(j, "labels"),
						"runeval.job"));
	out->job_label = rv_xstrdup(job);
	if (!out->state)
		out->state = rv_xstrdup("unknown");
	return RV_OK;
}

static char *dt_sandbox_url(struct daytona_client *c, const char *id,
			    const char *suffix)
{
	char *base = rv_xasprintf("%s/sandbox/", daytona_client_api_url(c));
	char *url = remote_url(base, id, suffix);

	free(base);
	return url;
}

enum rv_code daytona_get(struct daytona_client *c, const char *id_or_name,
			 const struct remote_call *call,
			 struct daytona_sandbox_info *out, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "GET", .op = "GET /sandbox/{id}" };
	char *what = rv_xasprintf("cannot get sandbox '%s'", id_or_name);
	enum rv_code rc;
	json_t *j = NULL;

	r.url = dt_sandbox_url(c, id_or_name, NULL);
	rc = daytona_request(c, &r, call, 30000, &resp, NULL, err);
	if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
	else
		rc = remote_json_response(&resp, what, &j, err);
	if (rc == RV_OK)
		rc = dt_parse_info(j, what, out, err);
	json_decref(j);
	rv_http_response_release(&resp);
	free((char *)r.url);
	free(what);
	return rc;
}

/* "K=V" list into an object (split at the first '='). */
static json_t *dt_kv_object(const char *const *kv)
{
	json_t *o = json_object();

	for (; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		char *k;

		if (!eq)
			continue;
		k = rv_xstrndup(*kv, (size_t)(eq - *kv));
		json_object_set_new(o, k, json_string(eq + 1));
		free(k);
	}
	return o;
}

static char *dt_create_body(struct daytona_client *c,
			    const struct daytona_create_opts *o)
{
	json_t *b = json_object();
	const char *target = daytona_client_target(c);
	char *s;

	json_object_set_new(b, "name", json_string(o->name));
	if (o->snapshot)
		json_object_set_new(b, "snapshot", json_string(o->snapshot));
	if (o->image) {
		char *df = rv_xasprintf("FROM %s\n", o->image);

		json_object_set_new(b, "buildInfo",
				    json_pack("{s:s}", "dockerfileContent", df));
		free(df);
	}
	json_object_set_new(b, "env", dt_kv_object(o->env));
	json_object_set_new(b, "labels", dt_kv_object(o->labels));
	json_object_set_new(b, "public", json_false());
	if (target)
		json_object_set_new(b, "target", json_string(target));
	if (o->auto_stop_min >= 0)
		json_object_set_new(b, "autoStopInterval",
				    json_integer(o->auto_stop_min));
	if (o->auto_delete_min >= 0)
		json_object_set_new(b, "autoDeleteInterval",
				    json_integer(o->auto_delete_min));
	/* as the SDK sends them: a boolean, and one comma-separated string */
	if (o->network_block_all)
		json_object_set_new(b, "networkBlockAll", json_true());
	if (o->network_allow && o->network_allow[0]) {
		struct rv_buf l = RV_BUF_INIT;

		for (const char *const *cidr = o->network_allow; *cidr; cidr++)
			rv_buf_addf(&l, "%s%s", cidr == o->network_allow ?
				    "" : ",", *cidr);
		json_object_set_new(b, "networkAllowList", json_string(l.data));
		rv_buf_release(&l);
	}
	s = rv_json_dumps(b);
	json_decref(b);
	return s;
}

/*
 * After an ambiguous failure (or 409) of a create: did the sandbox get
 * made?  RV_OK with out filled, RV_ERR_NOTFOUND, or another error.
 */
static enum rv_code dt_reconcile(struct daytona_client *c, const char *name,
				 const struct remote_call *call,
				 struct daytona_sandbox_info *out,
				 struct rv_err *err)
{
	enum rv_code rc = daytona_get(c, name, call, out, err);

	if (rc == RV_OK && out->name && strcmp(out->name, name))
		rc = rv_errf(err, RV_ERR_PROVIDER, "sandbox '%s' has name "
			     "'%s', not '%s'", out->id, out->name, name);
	return rc;
}

/*
 * A create may have happened and we could not find out (interrupted, or
 * the API kept failing): delete by name, whatever the stop flag says,
 * for a minute, or REMOTE_STOPPING_MS once it is set.
 */
static enum rv_code dt_delete_unsure(struct daytona_client *c,
				     const char *name,
				     const struct remote_call *call)
{
	struct remote_call firm = { 0 };
	long ms = call && call->stop && *call->stop ? REMOTE_STOPPING_MS :
		60000;

	firm.deadline_ns = rv_now_ns() + (uint64_t)ms * RV_NS_PER_MS;
	firm.log = call ? call->log : NULL;
	return daytona_delete(c, name, &firm, NULL);
}

enum rv_code daytona_create(struct daytona_client *c,
			    const struct daytona_create_opts *o,
			    const struct remote_call *call,
			    struct daytona_sandbox_info *out,
			    struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "POST", .op = "POST /sandbox",
				 .idem = REMOTE_ONCE, .timeout_ms = 90000 };
	struct remote_call sub = { 0 };
	const char *what = "cannot create sandbox";
	enum rv_code rc;
	json_t *j = NULL;
	bool ambiguous, unsure = false;

	if (!o->name || !*o->name)
		rv_bug("daytona_create without a name");
	if (call)
		sub = *call;
	sub.deadline_ns = remote_deadline(call, DT_CREATE_DEADLINE_MS);
	r.url = rv_xasprintf("%s/sandbox", daytona_client_api_url(c));
	r.json = dt_create_body(c, o);
	for (int round = 0;; round++) {
		rc = daytona_request(c, &r, &sub, 0, &resp, &ambiguous, err);
		if (rc == RV_OK && resp.status != 409 && !ambiguous) {
			rc = remote_json_response(&resp, what, &j, err);
			if (rc == RV_OK)
				rc = dt_parse_info(j, what, out, err);
			break;
		}
		if (rc != RV_OK && !ambiguous) {
			rv_err_prefix(err, "%s", what);
			break;
		}
		/* maybe made: look it up by name before trying again */
		rc = dt_reconcile(c, o->name, &sub, out, err);
		if (rc != RV_ERR_NOTFOUND || round >= 4 ||
		    rv_now_ns() >= sub.deadline_ns) {
			unsure = rc != RV_OK && rc != RV_ERR_NOTFOUND;
			break;
		}
		remote_sleep_ms(rv_backoff_ms((unsigned)round, 100, 2000), &sub);
	}
	if (unsure && dt_delete_unsure(c, o->name, call) != RV_OK)
		rv_errf(err, RV_ERR_PROVIDER, "cannot create sandbox '%s', and "
			"cannot tell whether it exists (run 'runeval reap')",
			o->name);
	json_decref(j);
	rv_http_response_release(&resp);
	free((char *)r.url);
	free((char *)r.json);
	return rc;
}

/*
 * One poll of a wait: it may run a little past the wait's deadline, so
 * that the last look (made at the deadline) gets a real answer.
 */
static struct remote_call dt_poll_call(const struct remote_call *wait)
{
	struct remote_call poll = *wait;
	uint64_t floor = rv_now_ns() + DT_POLL_GRACE_MS * RV_NS_PER_MS;

	if (poll.deadline_ns < floor)
		poll.deadline_ns = floor;
	return poll;
}

/* The adaptive poll: each wait 1.5 times the last, up to DT_POLL_MAX_MS. */
static double dt_poll_next(double interval_ms)
{
	return interval_ms * 1.5 > DT_POLL_MAX_MS ? DT_POLL_MAX_MS :
		interval_ms * 1.5;
}

static bool dt_state_is(const struct daytona_sandbox_info *s, const char *st)
{
	return s->state && !strcmp(s->state, st);
}

enum rv_code daytona_wait_started(struct daytona_client *c, const char *id,
				  const struct remote_call *call,
				  struct daytona_sandbox_info *out,
				  struct rv_err *err)
{
	struct daytona_sandbox_info s = { 0 };
	struct remote_call sub = { 0 };
	uint64_t start = rv_now_ns();
	double interval = DT_POLL_FIRST_MS;
	enum rv_code rc;

	if (call)
		sub = *call;
	sub.deadline_ns = remote_deadline(call, DT_WAIT_DEADLINE_MS);
	for (;;) {
		struct remote_call poll = dt_poll_call(&sub);
		uint64_t now;

		rc = daytona_get(c, id, &poll, &s, err);
		if (rc != RV_OK)
			break;
		if (dt_state_is(&s, "started"))
			break;
		if (dt_state_is(&s, "error") || dt_state_is(&s, "build_failed")) {
			rc = rv_errf(err, RV_ERR_PROVIDER, "sandbox '%s' failed "
				     "to start: state '%s': %s", id, s.state,
				     s.error_reason ? s.error_reason :
				     "no reason given");
			break;
		}
		if (dt_state_is(&s, "destroyed") ||
		    dt_state_is(&s, "destroying")) {
			rc = rv_errf(err, RV_ERR_PROVIDER, "sandbox '%s' was "
				     "destroyed while starting", id);
			break;
		}
		now = rv_now_ns();
		if (remote_stopped(call)) {
			rc = rv_errf(err, RV_ERR_INTR, "interrupted while "
				     "waiting for sandbox '%s'", id);
			break;
		}
		if (now >= sub.deadline_ns) {
			rc = rv_errf(err, RV_ERR_TIMEOUT, "sandbox '%s' not "
				     "started after %.1f s (state '%s')", id,
				     (double)(now - start) / RV_NS_PER_SEC,
				     s.state);
			break;
		}
		if (now + (uint64_t)interval * RV_NS_PER_MS > sub.deadline_ns)
			interval = (double)(sub.deadline_ns - now) /
				RV_NS_PER_MS + 1;
		remote_sleep_ms((long)interval, &sub);
		interval = dt_poll_next(interval);
	}
	if (out) {
		daytona_sandbox_info_release(out);
		*out = s;
	} else {
		daytona_sandbox_info_release(&s);
	}
	return rc;
}

/* Poll until the sandbox is gone (404) or 'destroyed'. */
static enum rv_code dt_confirm_gone(struct daytona_client *c, const char *id,
				    const struct remote_call *call,
				    struct rv_err *err)
{
	struct daytona_sandbox_info s = { 0 };
	double interval = DT_POLL_FIRST_MS;
	enum rv_code rc;

	for (;;) {
		struct remote_call poll = dt_poll_call(call);

		rc = daytona_get(c, id, &poll, &s, err);
		if (rc == RV_ERR_NOTFOUND) {
			rv_err_clear(err);
			rc = RV_OK;
			break;
		}
		if (rc != RV_OK)
			break;
		if (dt_state_is(&s, "destroyed"))
			break;
		if (rv_now_ns() >= call->deadline_ns) {
			rc = rv_errf(err, RV_ERR_TIMEOUT, "sandbox '%s' still "
				     "in state '%s' after delete", id, s.state);
			break;
		}
		remote_sleep_ms((long)interval, call);
		interval = dt_poll_next(interval);
	}
	daytona_sandbox_info_release(&s);
	return rc;
}

enum rv_code daytona_delete(struct daytona_client *c, const char *id,
			    const struct remote_call *call,
			    struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "DELETE",
				 .op = "DELETE /sandbox/{id}" };
	char *what = rv_xasprintf("cannot delete sandbox '%s'", id);
	struct remote_call sub = { 0 };
	enum rv_code rc;

	if (call)
		sub = *call;
	sub.deadline_ns = remote_deadline(call, DT_DELETE_DEADLINE_MS);
	r.url = dt_sandbox_url(c, id, NULL);
	for (unsigned round = 0;; round++) {
		rc = daytona_request(c, &r, &sub, 0, &resp, NULL, err);
		if (rc != RV_OK) {
			rv_err_prefix(err, "%s", what);
			goto out;
		}
		if (resp.status == 404)
			goto out;	/* already gone */
		if (resp.status != 409)
			break;
		/* a state change in progress: wait and ask again */
		if (rv_now_ns() >= sub.deadline_ns || remote_stopped(&sub))
			break;
		remote_sleep_ms(100 + rv_backoff_ms(round, 50, 1000), &sub);
	}
	if (resp.status < 200 || resp.status > 299) {
		rc = remote_status_error(&resp, what, err);
		goto out;
	}
	rc = dt_confirm_gone(c, id, &sub, err);
	if (rc != RV_OK)
		rv_err_prefix(err, "%s", what);
out:
	rv_http_response_release(&resp);
	free((char *)r.url);
	free(what);
	return rc;
}

static enum rv_code dt_list_page(struct daytona_client *c, const char *url,
				 const struct remote_call *call,
				 const char *key, const char *value,
				 struct daytona_sandbox_info **v, size_t *n,
				 char **next, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "GET", .url = url,
				 .op = "GET /sandbox" };
	const char *what = "cannot list sandboxes";
	json_t *j = NULL, *items, *it;
	enum rv_code rc;
	size_t i;

	*next = NULL;
	rc = daytona_request(c, &r, call, 60000, &resp, NULL, err);
	if (rc != RV_OK) {
		rv_err_prefix(err, "%s", what);
		goto out;
	}
	rc = remote_json_response(&resp, what, &j, err);
	if (rc != RV_OK)
		goto out;
	items = json_is_array(j) ? j : json_object_get(j, "items");
	if (!json_is_array(items)) {
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no 'items' array", what);
		goto out;
	}
	json_array_foreach(items, i, it) {
		struct daytona_sandbox_info s = { 0 };
		const char *lv = json_string_value(json_object_get(
				json_object_get(it, "labels"), key));

		/* the server filters too; an older one may not */
		if (!lv || (value && strcmp(lv, value)))
			continue;
		if (dt_parse_info(it, what, &s, NULL) != RV_OK)
			continue;
		*v = rv_xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = s;
	}
	if (json_is_object(j) && rv_json_str(j, "nextCursor") &&
	    *rv_json_str(j, "nextCursor"))
		*next = rv_xstrdup(rv_json_str(j, "nextCursor"));
out:
	json_decref(j);
	rv_http_response_release(&resp);
	return rc;
}

enum rv_code daytona_list(struct daytona_client *c, const char *key,
			  const char *value, const struct remote_call *call,
			  struct daytona_sandbox_info **out, size_t *n,
			  struct rv_err *err)
{
	enum rv_code rc = RV_OK;
	char *cursor = NULL;
	int pages = 0;

	*out = NULL;
	*n = 0;
	do {
		struct rv_buf url = RV_BUF_INIT;
		char *next = NULL;

		rv_buf_addf(&url, "%s/sandbox?limit=100", daytona_client_api_url(c));
		if (value) {
			json_t *l = json_pack("{s:s}", key, value);
			char *ls = rv_json_dumps(l);

			rv_buf_adds(&url, "&labels=");
			rv_http_urlencode(&url, ls);
			free(ls);
			json_decref(l);
		}
		if (cursor) {
			rv_buf_adds(&url, "&cursor=");
			rv_http_urlencode(&url, cursor);
		}
		rc = dt_list_page(c, url.data, call, key, value, out, n, &next,
				  err);
		rv_buf_release(&url);
		free(cursor);
		cursor = next;
	} while (rc == RV_OK && cursor && ++pages < 1000);
	free(cursor);
	if (rc != RV_OK) {
		daytona_sandbox_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

enum rv_code daytona_toolbox_base(struct daytona_client *c,
				  const struct daytona_sandbox_info *s,
				  const struct remote_call *call, char **out,
				  struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "GET",
				 .op = "GET /sandbox/{id}/toolbox-proxy-url" };
	const char *what = "cannot get the toolbox URL";
	const char *base = s->toolbox_proxy_url;
	enum rv_code rc = RV_OK;
	json_t *j = NULL;
	char *trimmed;

	*out = NULL;
	if (!base || !*base) {
		r.url = dt_sandbox_url(c, s->id, "/toolbox-proxy-url");
		rc = daytona_request(c, &r, call, 30000, &resp, NULL, err);
		if (rc == RV_OK)
			rc = remote_json_response(&resp, what, &j, err);
		if (rc == RV_OK && !(base = rv_json_str(j, "url")))
			rc = rv_errf(err, RV_ERR_PROTO, "%s: no 'url'", what);
		if (rc != RV_OK)
			goto out;
	}
	trimmed = remote_url_trim(base);
	*out = rv_xasprintf("%s/%s", trimmed, s->id);
	free(trimmed);
out:
	json_decref(j);
	rv_http_response_release(&resp);
	free((char *)r.url);
	return rc;
}

enum rv_code daytona_preview(struct daytona_client *c, const char *id,
			     int port, const struct remote_call *call,
			     char **url, char **token, struct rv_err *err)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct remote_req r = { .method = "GET",
				 .op = "GET /sandbox/{id}/ports/{port}/preview-url" };
	const char *what = "cannot get the preview URL";
	char suffix[48];
	const char *u, *t;
	enum rv_code rc;
	json_t *j = NULL;

	*url = *token = NULL;
	snprintf(suffix, sizeof(suffix), "/ports/%d/preview-url", port);
	r.url = dt_sandbox_url(c, id, suffix);
	rc = daytona_request(c, &r, call, 30000, &resp, NULL, err);
	if (rc == RV_OK)
		rc = remote_json_response(&resp, what, &j, err);
	if (rc != RV_OK)
		goto out;
	u = rv_json_str(j, "url");
	t = rv_json_str(j, "token");
	if (!u || !*u) {
		rc = rv_errf(err, RV_ERR_PROTO, "%s: no 'url'", what);
		goto out;
	}
	if (t && provider_check_header_value(t, "token", what, err) != RV_OK) {
		rc = err->code;
		goto out;
	}
	rv_redact_add(t);
	*url = remote_url_trim(u);
	*token = rv_xstrdup(t);
out:
	json_decref(j);
	rv_http_response_release(&resp);
	free((char *)r.url);
	return rc;
}
