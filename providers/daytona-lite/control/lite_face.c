/*
 * daytona-lite's face: which request goes where (/api, /toolbox/{id},
 * previews), who may reach a sandbox, and the answers to parked requests.
 */
#include "lite_api.h"

#include "lite.h"
#include "lite_creds.h"
#include "lite_srv.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Does the request carry the sandbox's preview token? */
static bool lite_has_token(const struct lite_conn *c,
			   const struct lite_sandbox *sb)
{
	const char *v = lite_head_get(&c->head, "x-daytona-preview-token");
	const char *q = strchr(c->head.target, '?');
	const char *cookie = lite_head_get(&c->head, "cookie");
	bool ok = v && lite_secret_eq(v, strlen(v), sb->token);

	if (!ok && q) {
		char *k = lite_query_get(q + 1, LITE_TOKEN_PARAM);

		ok = k && lite_secret_eq(k, strlen(k), sb->token);
		free(k);
	}
	if (!ok && cookie) {
		char *name = rv_xasprintf(LITE_TOKEN_COOKIE "%s", sb->id);
		size_t n = 0;
		const char *at = lite_cookie_get(cookie, name, &n);

		ok = at && lite_secret_eq(at, n, sb->token);
		free(name);
	}
	return ok;
}

static bool lite_has_key(const struct lite_conn *c)
{
	size_t klen = 0;
	const char *key = lite_conn_bearer(c, &klen);

	return key && lite_secret_eq(key, klen, c->srv->l->conf->api_key);
}

static bool lite_relay_auth(const struct lite_conn *c,
			    const struct lite_sandbox *sb, bool preview)
{
	if (lite_has_key(c))
		return true;
	if (preview && sb->is_public)
		return true;
	return lite_has_token(c, sb);
}

/* Which answer a sandbox in state st gives instead of relaying. */
static int lite_state_status(enum lite_state st)
{
	return st == LITE_CREATING || st == LITE_STARTING ||
		st == LITE_RESTORING ? 503 : 409;
}

/*
 * Check the sandbox and find its socket (token: a copy of its preview
 * token); NULL after answering c.
 */
static char *lite_relay_check(struct lite_conn *c, const char *id, int port,
			      char *token)
{
	struct lite *l = c->srv->l;
	struct lite_sandbox *sb;
	char *path = NULL;
	bool is_signed = false;

	lite_store_lock(l->store);
	sb = lite_store_find(l->store, id);
	if (!sb && port) {
		/* {port}-{signed token}.localhost needs no credentials */
		sb = lite_store_find_signed(l->store, id, port);
		is_signed = sb != NULL;
	}
	if (!sb) {
		lite_conn_error(c, 404, "Sandbox with ID or name %s not found",
				id);
	} else if (!is_signed && !lite_relay_auth(c, sb, port > 0)) {
		lite_conn_error(c, 401, "Unauthorized: send the API key as "
				"a Bearer token%s", port ? " or the preview "
				"token as X-Daytona-Preview-Token" : "");
	} else if (sb->state != LITE_STARTED) {
		lite_conn_error(c, lite_state_status(sb->state), "Sandbox %s "
				"is not running (state '%s')", sb->id,
				lite_state_name(sb->state));
	} else if (!port || lite_relay_port_ready(c, sb)) {
		const char *skip = lite_head_get(&c->head, "x-daytona-skip-"
						 "last-activity-update");

		if (!skip || strcasecmp(skip, "true"))
			lite_life_touch(sb);
		path = lite_box_socket(&l->box, sb->id, port > 0);
		memcpy(token, sb->token, sizeof(sb->token));
	}
	lite_store_unlock(l->store);
	return path;
}

static void lite_relay_sandbox(struct lite_conn *c, const char *id,
			       const char *target, int port)
{
	char token[LITE_TOKEN_LEN + 1] = "";
	char *path = lite_relay_check(c, id, port, token);
	const char *secrets[] = { c->srv->l->conf->api_key, token, NULL };
	char *clean;

	/* no path: c was answered, and its head (target's home) is gone */
	if (!path)
		return;
	/* the preview token's parameter stays here, the app's go on */
	clean = lite_target_without_param(target, LITE_TOKEN_PARAM);
	lite_relay_begin(c, path, port, clean, secrets, "toolbox");
	free(clean);
	free(path);
}

static void lite_relay_toolbox(struct lite_conn *c)
{
	const char *p = c->head.target + strlen("/toolbox/");
	size_t n = strcspn(p, "/?");
	char *id = lite_pct_decode(p, n, false);
	char *target = rv_xasprintf("%s%s", p[n] == '/' ? "" : "/", p + n);

	if (!n || strlen(id) >= LITE_ID_MAX)
		lite_conn_error(c, 404, "Sandbox with ID or name %s not found",
				id);
	else
		lite_relay_sandbox(c, id, target, 0);
	free(id);
	free(target);
}

static void lite_daytona_route(struct lite_conn *c)
{
	const struct lite *l = c->srv->l;
	const char *host = lite_head_get(&c->head, "host");
	const char *t = c->head.target;
	char id[LITE_ID_MAX];
	int port;

	if (host && lite_sandbox_host(l, host, &port, id, sizeof(id))) {
		lite_relay_sandbox(c, id, c->head.target, port);
	} else if (!strncmp(t, "/toolbox/", 9)) {
		lite_relay_toolbox(c);
	} else if (!strcmp(t, "/api") || !strncmp(t, "/api/", 5) ||
		   !strncmp(t, "/api?", 5)) {
		if (lite_has_key(c))
			lite_conn_api_begin(c, lite_api_handle);
		else
			lite_conn_error(c, 401, "Unauthorized");
	} else if (!strcmp(t, "/") && !strcmp(c->head.method, "GET")) {
		char *body = rv_xasprintf("{\"name\":\"daytona-lite\","
					  "\"version\":\"%s\",\"api\":\"%s\"}",
					  RUNEVAL_VERSION, l->api_url);

		lite_conn_respond(c, 200, NULL, body);
		free(body);
	} else {
		lite_conn_error(c, 404, "Cannot %s %s", c->head.method, t);
	}
}

/*
 * What of a request goes into the sandbox: no Authorization (whatever it
 * holds), no preview token header, no preview token cookie; the key and
 * token values are dropped wherever they are (lite_relay_sandbox).
 */
static const char *lite_daytona_header(const struct lite_conn *c,
				       const struct lite_header *h,
				       char **owned)
{
	(void)c;
	if (!strcasecmp(h->name, "authorization") ||
	    !strcasecmp(h->name, "proxy-authorization") ||
	    !strcasecmp(h->name, "x-daytona-preview-token"))
		return NULL;
	if (strcasecmp(h->name, "cookie"))
		return h->value;
	*owned = lite_cookie_without(h->value, LITE_TOKEN_COOKIE);
	return *owned;
}

/* A parked answer: the sandbox's DTO now, or as it was once gone. */
static void lite_daytona_answer(struct lite *l, struct lite_sandbox *sb,
				struct lite_api_resp *resp)
{
	json_t *dto = sb ? lite_api_dto(l, sb, true) :
		json_incref(resp->snapshot);

	if (!sb) {
		json_object_set_new(dto, "state", json_string("destroyed"));
		json_object_set_new(dto, "desiredState",
				    json_string("destroyed"));
	}
	lite_resp_json(resp, 200, dto);
}

static const struct lite_box_daemon lite_toolbox_daemon = {
	.prog = "daytona-lite",
	.cmd = "toolbox",
	.socket = "toolbox.sock",
	.user = "daytona",
	.home = "/home/daytona",
	.id_env = "DAYTONA_SANDBOX_ID",
	.env = (const char *const[]){ "DAYTONA_SANDBOX_USER=daytona", NULL },
};

const struct lite_face lite_daytona_face = {
	.name = "daytona-lite",
	.daemon = &lite_toolbox_daemon,
	.api_path = "/api",
	.route = lite_daytona_route,
	.error_body = lite_api_error_body,
	.answer = lite_daytona_answer,
	.relay_header = lite_daytona_header,
};

const struct lite_conf_spec lite_daytona_spec = {
	.prog = "daytona-lite",
	.env_prefix = "DAYTONA_LITE_",
	.key_env = "DAYTONA_API_KEY",
	.key_how = "the Bearer key",
	.url_env = (const char *const[]){ "DAYTONA_API_URL", NULL },
	.sdk = "the Daytona SDK",
	.what =
"A server that speaks the Daytona API on this machine: sandboxes are Linux\n"
"namespaces made with bubblewrap, each with a toolbox daemon inside.\n"
"Prints 'daytona-lite: API at http://HOST:PORT/api' (https:// with\n"
"--tls-cert) once it serves;\n"
"SIGTERM or SIGINT destroys every sandbox and exits.\n",
	.daemon = "daytona-lite toolbox --socket-dir DIR --home DIR "
		  "[--workdir DIR]",
	.port = 3986,
	.sandbox_uid = LITE_SANDBOX_UID,
	.interval_help = "length of one 'minute' of the auto-stop,\n"
"                           -archive and -delete intervals (default 60000;\n"
"                           tests use a few ms)",
	.full_status = 403,
};
