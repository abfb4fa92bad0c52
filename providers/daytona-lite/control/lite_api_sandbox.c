/* lite_api: create (with its validation), list, labels. */
#include "lite_api_int.h"

#include "lite.h"
#include "lite_http.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <stdio.h>
#include <string.h>

static bool lite_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '/' || *s == 0x7f)
			return false;
	return true;
}

/* An optional integer field >= min; false with why when it is wrong. */
static bool lite_opt_int(const json_t *body, const char *key, long min,
			 long *out, char *why, size_t size)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > 100000000) {
		snprintf(why, size, "%s must be an integer not less than %ld",
			 key, min);
		return false;
	}
	*out = (long)json_integer_value(v);
	return true;
}

static bool lite_opt_str(const json_t *body, const char *key, char **out,
			 char *why, size_t size)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || !lite_name_ok(json_string_value(v))) {
		snprintf(why, size, "%s must be a non-empty string without "
			 "'/' or control characters", key);
		return false;
	}
	free(*out);
	*out = rv_xstrdup(json_string_value(v));
	return true;
}

static bool lite_create_resources(struct lite_sandbox *sb, const json_t *b,
				  char *why, size_t size)
{
	static const char *const keys[] = { "cpu", "gpu", "memory", "disk" };
	int *fields[] = { &sb->cpu, &sb->gpu, &sb->memory, &sb->disk };
	bool any = false;

	for (int i = 0; i < 4; i++) {
		long v = *fields[i];

		if (!lite_opt_int(b, keys[i], 0, &v, why, size))
			return false;
		any |= json_object_get(b, keys[i]) != NULL;
		*fields[i] = (int)v;
	}
	if (any && !sb->build_info) {
		snprintf(why, size, "Cannot specify Sandbox resources when "
			 "using a snapshot");
		return false;
	}
	return true;
}

/* networkBlockAll and networkAllowList (lite_net.h). */
static bool lite_create_network(struct lite_sandbox *sb, const json_t *b,
				char *why, size_t size)
{
	json_t *v = json_object_get(b, "networkBlockAll");

	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			snprintf(why, size, "networkBlockAll must be a boolean "
				 "value");
			return false;
		}
		sb->net_block_all = json_is_true(v);
	}
	v = json_object_get(b, "networkAllowList");
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		snprintf(why, size, "networkAllowList must be a string of "
			 "comma-separated CIDRs");
		return false;
	}
	return lite_net_parse(json_string_value(v), &sb->net_allow, why, size);
}

/* Apply a CreateSandbox body to sb; false with why when it is invalid. */
static bool lite_create_apply(struct lite_sandbox *sb, const json_t *b,
			      char *why, size_t size)
{
	json_t *v;
	long pause = 0;

	if (!lite_opt_str(b, "name", &sb->name, why, size) ||
	    !lite_opt_str(b, "snapshot", &sb->snapshot, why, size) ||
	    !lite_opt_str(b, "user", &sb->user, why, size) ||
	    !lite_opt_str(b, "target", &sb->target, why, size))
		return false;
	if ((v = json_object_get(b, "env")) && !json_is_null(v)) {
		if (!lite_str_map(v, "env", true, why, size))
			return false;
		json_decref(sb->env);
		sb->env = json_deep_copy(v);
	}
	if ((v = json_object_get(b, "labels")) && !json_is_null(v)) {
		if (!lite_str_map(v, "labels", false, why, size))
			return false;
		json_decref(sb->labels);
		sb->labels = json_deep_copy(v);
	}
	if ((v = json_object_get(b, "public")) && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			snprintf(why, size, "public must be a boolean value");
			return false;
		}
		sb->is_public = json_is_true(v);
	}
	if ((v = json_object_get(b, "buildInfo")) && !json_is_null(v)) {
		if (!json_is_object(v) ||
		    !json_is_string(json_object_get(v, "dockerfileContent"))) {
			snprintf(why, size, "buildInfo must be an object with "
				 "a dockerfileContent string");
			return false;
		}
		if (json_object_get(b, "snapshot")) {
			snprintf(why, size, "Cannot specify both a snapshot "
				 "and buildInfo");
			return false;
		}
		sb->build_info = json_deep_copy(v);
		free(sb->snapshot);
		sb->snapshot = rv_xstrdup("daytona-lite-build");
	}
	if (!lite_create_network(sb, b, why, size))
		return false;
	if ((v = json_object_get(b, "volumes")) && !json_is_null(v) &&
	    (!json_is_array(v) || json_array_size(v))) {
		snprintf(why, size, "volumes are not supported by "
			 "daytona-lite");
		return false;
	}
	return lite_create_resources(sb, b, why, size) &&
		lite_opt_int(b, "autoStopInterval", 0, &sb->auto_stop, why,
			     size) &&
		lite_opt_int(b, "autoArchiveInterval", 0, &sb->auto_archive,
			     why, size) &&
		lite_opt_int(b, "autoDeleteInterval", -100000000,
			     &sb->auto_delete, why, size) &&
		lite_opt_int(b, "autoPauseInterval", 0, &pause, why, size);
}

static void lite_rate_limited(struct lite_ctx *c)
{
	long s = c->l->conf->faults.retry_after_s;
	struct rv_buf *h = &c->resp->headers;

	lite_fail(c, 429, "ThrottlerException: Too Many Requests");
	rv_buf_addf(h, "X-RateLimit-Limit-sandbox-create: 300\r\n");
	rv_buf_addf(h, "X-RateLimit-Remaining-sandbox-create: 0\r\n");
	rv_buf_addf(h, "X-RateLimit-Reset-sandbox-create: %ld\r\n", s);
	rv_buf_addf(h, "Retry-After-sandbox-create: %ld\r\n", s);
}

static bool lite_name_taken(struct lite_ctx *c, const struct lite_sandbox *sb)
{
	for (struct lite_sandbox *x = lite_store_first(c->l->store); x;
	     x = x->next)
		if (!strcmp(x->name, sb->name) || !strcmp(x->id, sb->name))
			return true;
	return false;
}

void lite_api_create(struct lite_ctx *c)
{
	struct lite_faults *f = &c->l->conf->faults;
	struct lite_sandbox *sb = NULL;
	json_t *body = NULL;
	char why[300];

	if (lite_fault_hit(f, f->create_429_rate)) {
		lite_rate_limited(c);
		return;
	}
	body = lite_ctx_body(c);
	if (!body)
		goto out;
	sb = lite_sandbox_new();
	if (!lite_create_apply(sb, body, why, sizeof(why))) {
		lite_fail(c, 400, "%s", why);
		goto out;
	}
	if (sb->net_allow.n && !sb->net_block_all && !c->l->box.slirp) {
		lite_fail(c, 400, "networkAllowList needs slirp4netns on the "
			  "daytona-lite host (Debian package 'slirp4netns')");
		goto out;
	}
	if (lite_name_taken(c, sb)) {
		lite_fail(c, 409, "Sandbox with name %s already exists",
			  sb->name);
		goto out;
	}
	lite_random_token(sb->token, LITE_TOKEN_LEN);
	if (!lite_life_admit(c->l, sb, why, sizeof(why))) {
		lite_fail(c, c->l->conf->spec->full_status, "%s", why);
		goto out;
	}
	lite_park(c, sb, LITE_WAIT_START);
	sb = NULL;
out:
	lite_sandbox_free(sb);
	json_decref(body);
}

/* Does sb carry every label of filter? */
static bool lite_labels_match(const struct lite_sandbox *sb,
			      const json_t *filter)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)filter, k, v) {
		json_t *have = json_object_get(sb->labels, k);

		if (!have || !json_is_string(v) ||
		    strcmp(json_string_value(have), json_string_value(v)))
			return false;
	}
	return true;
}

/* Is sb's state among the comma-separated states (all when NULL)? */
static bool lite_state_listed(const struct lite_sandbox *sb,
			      const char *states)
{
	return !states || !*states ||
		lite_list_has(states, lite_state_name(sb->state));
}

/* A positive integer query parameter, or dflt; -1 when invalid. */
static long lite_query_long(const char *query, const char *name, long dflt,
			    long max)
{
	char *v = lite_query_get(query, name), *end;
	long n = dflt;

	if (v && *v) {
		n = strtol(v, &end, 10);
		if (*end || n < 0 || n > max)
			n = -1;
	}
	free(v);
	return n;
}

/* Every value of a repeatable parameter, comma-joined (malloc'ed). */
static char *lite_query_all(const char *query, const char *name)
{
	struct rv_buf b = RV_BUF_INIT;
	size_t nlen = strlen(name);

	for (const char *p = query; *p;) {
		size_t n = strcspn(p, "&");

		if (n > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			char *v = lite_pct_decode(p + nlen + 1, n - nlen - 1,
						  true);

			rv_buf_addf(&b, "%s%s", b.len ? "," : "", v);
			free(v);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return rv_buf_detach(&b, NULL);
}

/* The labels= filter as an object (new reference); NULL + 400 if bad. */
static json_t *lite_label_filter(struct lite_ctx *c)
{
	char *raw = lite_query_get(c->req->query, "labels");
	struct rv_err err = RV_ERR_INIT;
	json_t *f;
	char why[300];

	if (!raw || !*raw) {
		free(raw);
		return json_object();
	}
	f = rv_json_parse(raw, strlen(raw), "labels", &err);
	if (!f || !lite_str_map(f, "labels", false, why, sizeof(why))) {
		lite_fail(c, 400, "Invalid labels filter: %s", f ? why :
			  err.msg);
		json_decref(f);
		f = NULL;
	}
	free(raw);
	return f;
}

void lite_api_list(struct lite_ctx *c, bool paginated)
{
	const char *q = c->req->query;
	long limit = lite_query_long(q, "limit", 100, 1000);
	long page = lite_query_long(q, "page", 1, 1L << 30);
	long cursor = lite_query_long(q, "cursor", 0, 1L << 30);
	char *states = lite_query_all(q, "states");
	json_t *filter = NULL, *items = json_array();
	long index = 0, total = 0, skip;

	if (limit < 1 || page < 1 || cursor < 0) {
		lite_fail(c, 400, "Invalid %s", limit < 1 ? "limit" :
			  page < 1 ? "page" : "cursor");
		goto out;
	}
	filter = lite_label_filter(c);
	if (!filter)
		goto out;
	skip = paginated ? (page - 1) * limit : cursor;
	for (struct lite_sandbox *sb = lite_store_first(c->l->store); sb;
	     sb = sb->next) {
		if (!lite_labels_match(sb, filter) ||
		    !lite_state_listed(sb, states))
			continue;
		total++;
		if (index++ < skip || (long)json_array_size(items) >= limit)
			continue;
		json_array_append_new(items, lite_api_dto(c->l, sb, false));
	}
	if (paginated) {
		lite_reply(c, 200, json_pack("{s:O, s:I, s:I, s:I}", "items",
					     items, "total", (json_int_t)total,
					     "page", (json_int_t)page,
					     "totalPages", (json_int_t)
					     ((total + limit - 1) / limit)));
	} else {
		long next = skip + (long)json_array_size(items);

		lite_reply(c, 200, json_pack("{s:O, s:o}", "items", items,
					     "nextCursor", next < total ?
					     json_sprintf("%ld", next) :
					     json_null()));
	}
out:
	json_decref(items);
	json_decref(filter);
	free(states);
}

void lite_api_labels(struct lite_ctx *c)
{
	struct rv_err err = RV_ERR_INIT;
	json_t *body = rv_json_parse(c->req->body, c->req->body_len,
				     "request body", &err);
	json_t *labels = json_object_get(body, "labels");
	char why[300];

	if (!labels || !lite_str_map(labels, "labels", false, why,
				     sizeof(why))) {
		lite_fail(c, 400, "Invalid request body: %s", !body ? err.msg :
			  !labels ? "labels must be an object" : why);
		goto out;
	}
	json_decref(c->sb->labels);
	c->sb->labels = json_deep_copy(labels);
	lite_store_save(c->l->store, c->sb);
	lite_reply(c, 200, json_pack("{s:O}", "labels", c->sb->labels));
out:
	json_decref(body);
}
