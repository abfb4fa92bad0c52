/* lite_api: routing and the sandbox lifecycle endpoints. */
#include "lite_api_int.h"

#include "lite.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answer with a JSON value (stolen). */
void lite_reply(struct lite_ctx *c, int status, json_t *v)
{
	free(c->resp->body);
	c->resp->body = rv_json_dumps(v);
	c->resp->status = status;
	json_decref(v);
}

void lite_reply_dto(struct lite_ctx *c, struct lite_sandbox *sb)
{
	lite_reply(c, 200, lite_api_dto(c->l, sb, true));
}

static bool lite_parse_int(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && end != s && !*end;
}

void lite_park(struct lite_ctx *c, struct lite_sandbox *sb,
		      enum lite_wait wait)
{
	struct lite_api_resp *r = c->resp;

	r->wait = wait;
	snprintf(r->wait_id, sizeof(r->wait_id), "%s", sb->id);
	r->deadline_ns = rv_now_ns() +
		(uint64_t)c->l->conf->create_wait_ms * RV_NS_PER_MS;
	json_decref(r->snapshot);
	r->snapshot = lite_api_dto(c->l, sb, true);
	r->status = 200;
}

static bool lite_busy(struct lite_ctx *c, struct lite_sandbox *sb)
{
	if (!sb->busy)
		return false;
	lite_fail(c, 409, "Sandbox state change in progress");
	return true;
}

static void api_get(struct lite_ctx *c)
{
	lite_reply_dto(c, c->sb);
}

static void api_start(struct lite_ctx *c)
{
	struct lite_sandbox *sb = c->sb;

	if (lite_busy(c, sb))
		return;
	if (sb->state == LITE_STARTED) {
		lite_reply_dto(c, sb);
		return;
	}
	if (sb->state != LITE_STOPPED && sb->state != LITE_ARCHIVED &&
	    sb->state != LITE_ERROR) {
		lite_fail(c, 409, "Sandbox is in state '%s' and cannot be "
			  "started", lite_state_name(sb->state));
		return;
	}
	if (sb->state == LITE_ARCHIVED)
		lite_sandbox_set_state(c->l->store, sb, LITE_RESTORING, NULL);
	lite_life_start(c->l, sb);
	lite_park(c, sb, LITE_WAIT_START);
}

static void api_stop(struct lite_ctx *c)
{
	struct lite_sandbox *sb = c->sb;

	if (lite_busy(c, sb))
		return;
	if (sb->state == LITE_STOPPED || sb->state == LITE_ARCHIVED) {
		lite_reply_dto(c, sb);
		return;
	}
	lite_life_stop(c->l, sb);
	lite_park(c, sb, LITE_WAIT_STOP);
}

static void api_delete(struct lite_ctx *c)
{
	struct lite_sandbox *sb = c->sb;

	if (lite_busy(c, sb))
		return;
	lite_life_destroy(c->l, sb);
	lite_park(c, sb, LITE_WAIT_DESTROY);
}

static void api_archive(struct lite_ctx *c)
{
	struct lite_sandbox *sb = c->sb;

	if (lite_busy(c, sb))
		return;
	if (sb->state != LITE_STOPPED && sb->state != LITE_ARCHIVED) {
		lite_fail(c, 400, "Sandbox is not stopped");
		return;
	}
	sb->desired = LITE_ARCHIVED;
	lite_sandbox_set_state(c->l->store, sb, LITE_ARCHIVED, NULL);
	lite_reply_dto(c, sb);
}

static void api_recover(struct lite_ctx *c)
{
	if (c->sb->state != LITE_ERROR) {
		lite_fail(c, 400, "Sandbox is not in an error state");
		return;
	}
	c->sb->fault = LITE_FAULT_NONE;	/* an injected error is recovered */
	api_start(c);
}

static void api_preview_url(struct lite_ctx *c)
{
	long port;
	char *url;

	if (!lite_parse_int(c->seg[3], &port) || port < 1 || port > 65535) {
		lite_fail(c, 400, "Invalid port: must be between 1 and 65535");
		return;
	}
	url = lite_preview_url(c->l, c->sb->id, (int)port);
	lite_reply(c, 200, json_pack("{s:s, s:s, s:s}", "sandboxId",
				     c->sb->id, "url", url,
				     "token", c->sb->token));
	free(url);
}

/* A URL that opens one port without credentials, for a while. */
static void api_signed_preview_url(struct lite_ctx *c)
{
	char *v = lite_query_get(c->req->query, "expiresInSeconds");
	uint64_t now = rv_wall_ns();
	long port, secs = 60;
	char token[LITE_TOKEN_LEN + 1], *url;
	size_t i;
	json_t *u;

	if (!lite_parse_int(c->seg[3], &port) || port < 1 || port > 65535 ||
	    (v && *v && (!lite_parse_int(v, &secs) || secs < 1 ||
			 secs > 86400))) {
		lite_fail(c, 400, "Invalid port or expiresInSeconds");
		free(v);
		return;
	}
	free(v);
	/* forget the expired ones */
	json_array_foreach(c->sb->signed_urls, i, u) {
		if ((uint64_t)rv_json_int(u, "expiresNs", 0) <= now) {
			json_array_remove(c->sb->signed_urls, i);
			i--;
		}
	}
	lite_random_token(token, LITE_TOKEN_LEN);
	json_array_append_new(c->sb->signed_urls, json_pack(
		"{s:s, s:i, s:I}", "token", token, "port", (int)port,
		"expiresNs", (json_int_t)(now + (uint64_t)secs *
					  RV_NS_PER_SEC)));
	lite_store_save(c->l->store, c->sb);
	url = lite_preview_url(c->l, token, (int)port);
	lite_reply(c, 200, json_pack("{s:s, s:i, s:s, s:s}", "sandboxId",
				     c->sb->id, "port", (int)port, "token",
				     token, "url", url));
	free(url);
}

static void api_toolbox_url(struct lite_ctx *c)
{
	lite_reply(c, 200, json_pack("{s:s}", "url", c->l->toolbox_url));
}

static void api_interval(struct lite_ctx *c)
{
	const char *what = c->seg[2];
	long v;

	if (!lite_parse_int(c->seg[3], &v) ||
	    (v < 0 && strcmp(what, "autodelete"))) {
		lite_fail(c, 400, "Invalid interval '%s'", c->seg[3]);
		return;
	}
	if (!strcmp(what, "autostop"))
		c->sb->auto_stop = v;
	else if (!strcmp(what, "autoarchive"))
		c->sb->auto_archive = v;
	else if (!strcmp(what, "autodelete"))
		c->sb->auto_delete = v < 0 ? -1 : v;
	/* autopause: accepted, sandboxes here are never paused */
	c->sb->updated_ns = rv_wall_ns();
	lite_store_save(c->l->store, c->sb);
	lite_reply_dto(c, c->sb);
}

static void api_public(struct lite_ctx *c)
{
	if (strcmp(c->seg[3], "true") && strcmp(c->seg[3], "false")) {
		lite_fail(c, 400, "Invalid value '%s': expected true or false",
			  c->seg[3]);
		return;
	}
	c->sb->is_public = !strcmp(c->seg[3], "true");
	c->sb->updated_ns = rv_wall_ns();
	lite_store_save(c->l->store, c->sb);
	lite_reply_dto(c, c->sb);
}

static void api_activity(struct lite_ctx *c)
{
	lite_life_touch(c->sb);
	c->resp->status = 201;
}

static void api_config(struct lite_ctx *c)
{
	lite_reply(c, 200, json_pack("{s:s, s:s, s:s, s:s}",
				     "version", RUNEVAL_VERSION,
				     "proxyToolboxUrl", c->l->toolbox_url,
				     "defaultSnapshot", "daytona-lite",
				     "dashboardUrl", c->l->api_url));
}

static void api_list(struct lite_ctx *c)
{
	lite_api_list(c, false);
}

static void api_list_paged(struct lite_ctx *c)
{
	lite_api_list(c, true);
}

struct lite_route {
	const char *method;
	const char *pattern;	/* segments after /api; '*' is any one */
	bool names_sandbox;	/* seg[1] must be a known sandbox */
	void (*fn)(struct lite_ctx *c);
};

static const struct lite_route lite_routes[] = {
	{ "POST", "sandbox", false, lite_api_create },
	{ "GET", "sandbox", false, api_list },
	{ "GET", "sandbox/paginated", false, api_list_paged },
	{ "GET", "sandbox/*", true, api_get },
	{ "DELETE", "sandbox/*", true, api_delete },
	{ "POST", "sandbox/*/start", true, api_start },
	{ "POST", "sandbox/*/stop", true, api_stop },
	{ "POST", "sandbox/*/archive", true, api_archive },
	{ "POST", "sandbox/*/recover", true, api_recover },
	{ "GET", "sandbox/*/ports/*/preview-url", true, api_preview_url },
	{ "GET", "sandbox/*/ports/*/signed-preview-url", true,
	  api_signed_preview_url },
	{ "GET", "sandbox/*/toolbox-proxy-url", true, api_toolbox_url },
	{ "PUT", "sandbox/*/labels", true, lite_api_labels },
	{ "POST", "sandbox/*/autostop/*", true, api_interval },
	{ "POST", "sandbox/*/autoarchive/*", true, api_interval },
	{ "POST", "sandbox/*/autodelete/*", true, api_interval },
	{ "POST", "sandbox/*/autopause/*", true, api_interval },
	{ "POST", "sandbox/*/public/*", true, api_public },
	{ "POST", "sandbox/*/last-activity", true, api_activity },
	{ "GET", "config", false, api_config },
};

static bool lite_route_match(const struct lite_route *r, struct lite_ctx *c)
{
	const char *p = r->pattern;
	int i = 0;

	for (; *p; i++) {
		size_t n = strcspn(p, "/");

		if (i >= c->nseg)
			return false;
		if (!(n == 1 && *p == '*') &&
		    (strlen(c->seg[i]) != n || strncmp(c->seg[i], p, n)))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return i == c->nseg;
}

/* Split "/api/a/b%2Fc" into decoded segments; false when too many. */
static bool lite_split(struct lite_ctx *c, const char *path)
{
	const char *p = path + strlen("/api");

	while (*p == '/')
		p++;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (c->nseg == LITE_MAX_SEGS)
			return false;
		c->seg[c->nseg++] = lite_pct_decode(p, n, false);
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

void lite_api_handle(struct lite *l, const struct lite_api_req *req,
		     struct lite_api_resp *resp)
{
	struct lite_ctx c = { .l = l, .req = req, .resp = resp };

	resp->status = 200;
	if (lite_split(&c, req->path)) {
		lite_store_lock(l->store);
		for (size_t i = 0; i < sizeof(lite_routes) /
			     sizeof(lite_routes[0]); i++) {
			const struct lite_route *r = &lite_routes[i];

			if (!lite_route_match(r, &c))
				continue;
			if (strcmp(r->method, req->method))
				continue;
			if (r->names_sandbox) {
				c.sb = lite_store_find(l->store, c.seg[1]);
				if (!c.sb) {
					lite_fail(&c, 404, "Sandbox with ID "
						  "or name %s not found",
						  c.seg[1]);
					goto out;
				}
			}
			r->fn(&c);
			goto out;
		}
		lite_fail(&c, 404, "Cannot %s %s", req->method, req->path);
out:
		lite_store_unlock(l->store);
	} else {
		lite_fail(&c, 404, "Cannot %s %s", req->method, req->path);
	}
	for (int i = 0; i < c.nseg; i++)
		free(c.seg[i]);
}

bool lite_api_wait_poll(struct lite *l, struct lite_api_resp *resp,
			bool force)
{
	struct lite_sandbox *sb;
	bool done;

	if (resp->wait == LITE_WAIT_NONE)
		return true;
	lite_store_lock(l->store);
	sb = lite_store_find(l->store, resp->wait_id);
	if (sb && strcmp(sb->id, resp->wait_id))
		sb = NULL;	/* found by name: not ours */
	done = !sb || (resp->wait != LITE_WAIT_DESTROY && !sb->busy);
	if (done || force || rv_now_ns() >= resp->deadline_ns) {
		json_t *dto = sb ? lite_api_dto(l, sb, true) :
			json_incref(resp->snapshot);

		if (!sb) {
			json_object_set_new(dto, "state",
					    json_string("destroyed"));
			json_object_set_new(dto, "desiredState",
					    json_string("destroyed"));
		}
		free(resp->body);
		resp->body = rv_json_dumps(dto);
		resp->status = 200;
		resp->wait = LITE_WAIT_NONE;
		json_decref(dto);
		done = true;
	}
	lite_store_unlock(l->store);
	return done;
}
