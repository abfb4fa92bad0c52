/*
 * e2b-lite's face: the edge proxy's routing (by Host or by the
 * E2b-Sandbox-Id/-Port headers), who may reach envd and the ports, and
 * the answers to parked creates and kills.
 */
#include "e2b_lite.h"

#include "lite.h"
#include "lite_srv.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *e2b_error_body(const char *path, int status, const char *msg)
{
	json_t *o = json_pack("{s:i,s:s}", "code", status, "message", msg);
	char *body = rv_json_dumps(o);

	(void)path;
	json_decref(o);
	return body;
}

char *e2b_domain(const struct lite *l)
{
	return rv_xasprintf("%s:%d", l->conf->domain, l->port);
}

const char *e2b_traffic_token(const struct lite_sandbox *sb)
{
	const char *t = rv_json_str(sb->extra, "trafficAccessToken");

	return t ? t : "";
}

/*
 * The value of header name when the request has exactly one; NULL when
 * it has none, and "" (never equal to a secret) when it has several.
 */
static const char *e2b_header_once(const struct lite_conn *c,
				   const char *name)
{
	const char *v = NULL;

	for (size_t i = 0; i < c->head.nhdr; i++) {
		if (strcasecmp(c->head.hdr[i].name, name))
			continue;
		if (v)
			return "";
		v = c->head.hdr[i].value;
	}
	return v;
}

static bool e2b_has(const struct lite_conn *c, const char *header,
		    const char *secret)
{
	const char *v = e2b_header_once(c, header);

	return v && lite_secret_eq(v, strlen(v), secret);
}

/* What the sandbox's port answers the proxy with when it cannot relay. */
static void e2b_proxy_error(struct lite_conn *c, int status, const char *id,
			    const char *msg)
{
	json_t *o = json_pack("{s:i,s:s,s:s}", "code", status, "message", msg,
			      "sandboxId", id);
	char *body = rv_json_dumps(o);

	c->keep_alive = false;
	lite_conn_respond(c, status, NULL, body);
	free(body);
	json_decref(o);
}

/* Is this envd's health probe (which needs no token)? */
static bool e2b_is_health(const struct lite_conn *c)
{
	return !strcmp(c->head.method, "GET") &&
		(!strcmp(c->head.target, "/health") ||
		 !strncmp(c->head.target, "/health?", 8));
}

/*
 * Check the sandbox and who asks, and find the socket that reaches port;
 * NULL after answering c.  secrets gets copies of the sandbox's tokens.
 */
static char *e2b_sandbox_socket(struct lite_conn *c, const char *id, int port,
				char tokens[2][LITE_TOKEN_LEN + 1])
{
	struct lite *l = c->srv->l;
	struct lite_sandbox *sb;
	char *path = NULL;

	lite_store_lock(l->store);
	sb = lite_store_find(l->store, id);
	if (sb && strcmp(sb->id, id))
		sb = NULL;	/* ids only */
	if (!sb || sb->state != LITE_STARTED) {
		e2b_proxy_error(c, 502, id, sb ? "The sandbox is not running" :
				"The sandbox was not found");
	} else if (port == E2B_ENVD_PORT && !e2b_is_health(c) &&
		   !e2b_has(c, "x-access-token", sb->token)) {
		lite_conn_error(c, 401, "invalid or missing X-Access-Token "
				"for envd of sandbox %s", sb->id);
	} else if (port != E2B_ENVD_PORT && !sb->is_public &&
		   !e2b_has(c, "e2b-traffic-access-token",
			    e2b_traffic_token(sb))) {
		lite_conn_error(c, 403, "sandbox %s is private: send its "
				"e2b-traffic-access-token", sb->id);
	} else if (port == E2B_ENVD_PORT || lite_relay_port_ready(c, sb)) {
		path = lite_box_socket(&l->box, sb->id,
				       port != E2B_ENVD_PORT);
		snprintf(tokens[0], LITE_TOKEN_LEN + 1, "%s", sb->token);
		snprintf(tokens[1], LITE_TOKEN_LEN + 1, "%s",
			 e2b_traffic_token(sb));
	}
	lite_store_unlock(l->store);
	return path;
}

static void e2b_relay(struct lite_conn *c, const char *id, int port)
{
	char tokens[2][LITE_TOKEN_LEN + 1] = { "", "" };
	char *path = e2b_sandbox_socket(c, id, port, tokens);
	const char *secrets[] = { c->srv->l->conf->api_key, tokens[0],
				  tokens[1], NULL };

	if (path)
		lite_relay_begin(c, path, port == E2B_ENVD_PORT ? 0 : port,
				 c->head.target, secrets, "envd");
	free(path);
}

/* The E2b-Sandbox-Id/-Port pair; false after answering a bad one. */
static bool e2b_header_target(struct lite_conn *c, char *id, size_t size,
			      int *port)
{
	const char *sid = e2b_header_once(c, "e2b-sandbox-id");
	const char *sport = e2b_header_once(c, "e2b-sandbox-port");
	long p = 0;

	if (!sid || !*sid || strlen(sid) >= size ||
	    strspn(sid, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(sid) || !sport ||
	    !lite_parse_long(sport, 1, 65535, &p)) {
		lite_conn_error(c, 400, "E2b-Sandbox-Id must name a sandbox "
				"and E2b-Sandbox-Port a port (1-65535)");
		return false;
	}
	snprintf(id, size, "%s", sid);
	*port = (int)p;
	return true;
}

static void e2b_route(struct lite_conn *c)
{
	struct lite *l = c->srv->l;
	const char *host = lite_head_get(&c->head, "host");
	char id[LITE_ID_MAX];
	int port;

	if (host && lite_sandbox_host(l, host, &port, id, sizeof(id))) {
		e2b_relay(c, id, port);
	} else if (lite_head_get(&c->head, "e2b-sandbox-id")) {
		if (e2b_header_target(c, id, sizeof(id), &port))
			e2b_relay(c, id, port);
	} else if (e2b_is_health(c)) {
		lite_conn_respond(c, 200, NULL, "{\"status\":\"ok\"}");
	} else if (e2b_has(c, "x-api-key", l->conf->api_key)) {
		lite_conn_api_begin(c, e2b_api_handle);
	} else {
		lite_conn_error(c, 401, "Invalid API key: send it as "
				"X-API-Key");
	}
}

/*
 * The proxy's own headers stay outside; the app's Authorization and
 * X-API-Key go on (the key and tokens of e2b-lite's are dropped wherever
 * they are, see e2b_relay).
 */
static const char *e2b_header(const struct lite_conn *c,
			      const struct lite_header *h, char **owned)
{
	(void)c;
	(void)owned;
	if (!strcasecmp(h->name, "e2b-traffic-access-token") ||
	    !strcasecmp(h->name, "x-access-token") ||
	    !strcasecmp(h->name, "e2b-sandbox-id") ||
	    !strcasecmp(h->name, "e2b-sandbox-port") ||
	    !strcasecmp(h->name, "proxy-authorization"))
		return NULL;
	return h->value;
}

/* A parked create (201 once running) or kill (204 once gone). */
static void e2b_answer(struct lite *l, struct lite_sandbox *sb,
		       struct lite_api_resp *resp)
{
	char *err = NULL;
	int status = 500;

	if (resp->wait == LITE_WAIT_DESTROY) {
		if (!sb) {
			lite_resp_json(resp, 204, NULL);
			return;
		}
		err = rv_xasprintf("sandbox %s is still being killed", sb->id);
	} else if (!sb) {
		err = rv_xstrdup("the sandbox was killed while it started");
	} else if (sb->state == LITE_STARTED) {
		lite_resp_json(resp, 201, e2b_api_sandbox(l, sb));
		return;
	} else if (sb->state == LITE_ERROR) {
		err = rv_xasprintf("failed to create sandbox: %s",
				   sb->error_reason ? sb->error_reason :
				   "it did not start");
	} else {
		status = 504;
		err = rv_xasprintf("sandbox %s did not start within %ld ms",
				   sb->id, l->conf->create_wait_ms);
	}
	/* a sandbox that did not start is not E2B's to keep */
	if (sb && sb->state != LITE_STARTED && !sb->busy)
		lite_life_destroy(l, sb);
	else if (sb && sb->state != LITE_STARTED)
		sb->desired = LITE_DESTROYED;
	free(resp->body);
	resp->body = e2b_error_body(NULL, status, err);
	resp->status = status;
	free(err);
}

static const struct lite_box_daemon e2b_envd_daemon = {
	.prog = "e2b-lite",
	.cmd = "envd",
	.socket = "envd.sock",
	.user = "user",
	.home = "/home/user",
	.id_env = "E2B_SANDBOX_ID",
	.env = (const char *const[]){ "E2B_SANDBOX=true", NULL },
};

const struct lite_face e2b_lite_face = {
	.name = "e2b-lite",
	.daemon = &e2b_envd_daemon,
	.api_path = "",
	.route = e2b_route,
	.error_body = e2b_error_body,
	.answer = e2b_answer,
	.relay_header = e2b_header,
};

const struct lite_conf_spec e2b_lite_spec = {
	.prog = "e2b-lite",
	.env_prefix = "E2B_LITE_",
	.key_env = "E2B_API_KEY",
	.key_how = "the X-API-Key",
	.url_env = (const char *const[]){ "E2B_API_URL", "E2B_SANDBOX_URL",
					  NULL },
	.sdk = "the E2B SDK",
	.what =
"A server that speaks E2B's API on this machine: its control plane, the\n"
"envd daemon in each sandbox (Connect RPC as JSON over HTTP/1.1) and the\n"
"proxy to the sandboxes' ports (by Host {port}-{id}.DOMAIN or by the\n"
"E2b-Sandbox-Id and E2b-Sandbox-Port headers).  Sandboxes are Linux\n"
"namespaces made with bubblewrap.  Prints 'e2b-lite: API at\n"
"http://HOST:PORT' (https:// with --tls-cert) once it serves: its\n"
"E2B_API_URL and E2B_SANDBOX_URL.  SIGTERM or SIGINT destroys every\n"
"sandbox and exits.\n",
	.daemon = "e2b-lite envd --socket-dir DIR --home DIR [--workdir DIR]",
	.port = 3987,
	.sandbox_uid = LITE_SANDBOX_UID + LITE_SANDBOX_UID_STEP,
	.interval_help = "length of one 'minute' of sandbox timeouts\n"
"                           (default 60000; tests use a few ms)",
	.full_status = 429,
};
