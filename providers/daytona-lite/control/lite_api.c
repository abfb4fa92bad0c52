/* lite_api: routing and the sandbox lifecycle endpoints. */
#include "lite_api_int.h"

#include "lite.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answer with a JSON value (stolen). */
void lite_reply(struct lite_ctx *c, int status, json_t *v)
{
	lite_resp_json(c->resp, status, v);
}

void lite_reply_dto(struct lite_ctx *c, struct lite_sandbox *sb)
{
	lite_reply(c, 200, lite_api_dto(c->l, sb, true));
}

static bool lite_parse_int(const char *s, long *out)
{
	return lite_parse_long(s, LONG_MIN, LONG_MAX, out);
}

void lite_park(struct lite_ctx *c, struct lite_sandbox *sb,
	       enum lite_wait wait)
{
	lite_resp_park(c->l, c->resp, sb, wait, lite_api_dto(c->l, sb, true));
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

static const struct lite_route lite_routes[] = {
	{ "POST", "sandbox", -1, lite_api_create },
	{ "GET", "sandbox", -1, api_list },
	{ "GET", "sandbox/paginated", -1, api_list_paged },
	{ "GET", "sandbox/*", 1, api_get },
	{ "DELETE", "sandbox/*", 1, api_delete },
	{ "POST", "sandbox/*/start", 1, api_start },
	{ "POST", "sandbox/*/stop", 1, api_stop },
	{ "POST", "sandbox/*/archive", 1, api_archive },
	{ "POST", "sandbox/*/recover", 1, api_recover },
	{ "GET", "sandbox/*/ports/*/preview-url", 1, api_preview_url },
	{ "GET", "sandbox/*/ports/*/signed-preview-url", 1,
	  api_signed_preview_url },
	{ "GET", "sandbox/*/toolbox-proxy-url", 1, api_toolbox_url },
	{ "PUT", "sandbox/*/labels", 1, lite_api_labels },
	{ "POST", "sandbox/*/autostop/*", 1, api_interval },
	{ "POST", "sandbox/*/autoarchive/*", 1, api_interval },
	{ "POST", "sandbox/*/autodelete/*", 1, api_interval },
	{ "POST", "sandbox/*/autopause/*", 1, api_interval },
	{ "POST", "sandbox/*/public/*", 1, api_public },
	{ "POST", "sandbox/*/last-activity", 1, api_activity },
	{ "GET", "config", -1, api_config },
};

void lite_api_handle(struct lite *l, const struct lite_api_req *req,
		     struct lite_api_resp *resp)
{
	lite_route_run(l, lite_routes, sizeof(lite_routes) /
		       sizeof(lite_routes[0]),
		       "Sandbox with ID or name %s not found", req, resp);
}
