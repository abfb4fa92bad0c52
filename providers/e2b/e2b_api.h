/*
 * e2b_api: a client of E2B's control plane and of the way to its
 * sandboxes (docs/e2b-api.md), on providers/remote.h.
 *
 * A struct e2b_client holds the API URL, the X-API-Key header and where
 * sandbox ports are reached; it is immutable after e2b_client_new() and
 * may be shared by threads.  Every operation takes a struct remote_call
 * (may be NULL): its deadline, stop flag and attempt log.  Retries are
 * remote_request()'s: transient failures only, and a create is never
 * blindly repeated (the caller reconciles by the sandbox's name, which
 * runeval keeps in the metadata as runeval.name).
 *
 * A sandbox's port P is reached at E2B_SANDBOX_URL with the headers
 * E2b-Sandbox-Id and E2b-Sandbox-Port: P when that is set, else at
 * {scheme}://{P}-{id}.{domain}: the domain the create answered with, else
 * E2B_DOMAIN (default e2b.app); https unless the API URL is http (an
 * offline or self-hosted E2B).  envd is port 49983 and needs the
 * sandbox's X-Access-Token; other ports of a private sandbox need its
 * e2b-traffic-access-token.  Every token is registered with
 * rv_redact_add() when it is learnt.
 *
 * Errors: RV_ERR_CONFIG (no key, a bad URL), and those of remote.h:
 * RV_ERR_AUTH (401/403), RV_ERR_NOTFOUND (404), RV_ERR_LIMIT (429), ...,
 * RV_ERR_PROTO for a body that is not the documented JSON.  Messages
 * never contain credentials.
 */
#ifndef RUNEVAL_PROVIDERS_E2B_E2B_API_H
#define RUNEVAL_PROVIDERS_E2B_E2B_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "remote.h"
#include "rv_err.h"

#define E2B_DEFAULT_API_URL "https://api.e2b.app"
#define E2B_DEFAULT_DOMAIN "e2b.app"
#define E2B_ENVD_PORT 49983
#define E2B_META_NAME "runeval.name"	/* the client-chosen name */

/* Credentials and endpoints; NULL fields fall back to the environment. */
struct e2b_config {
	const char *api_url;	/* $E2B_API_URL, else the default */
	const char *api_key;	/* $E2B_API_KEY */
	const char *domain;	/* $E2B_DOMAIN, else e2b.app */
	const char *sandbox_url;	/* $E2B_SANDBOX_URL, or none */
	bool no_env;		/* do not read the environment */
	struct rv_http_pool *pool;	/* keep-alive connections for every
					   request (the provider's), or NULL */
};

struct e2b_client;

/*
 * A client for cfg.  Without an API key fails with RV_ERR_CONFIG and a
 * message naming E2B_API_KEY and E2B_API_URL.
 */
struct e2b_client *e2b_client_new(const struct e2b_config *cfg,
				  struct rv_err *err);
void e2b_client_free(struct e2b_client *c);
const char *e2b_client_api_url(const struct e2b_client *c);
/* The connection pool every request of c uses (borrowed), or NULL. */
struct rv_http_pool *e2b_client_pool(const struct e2b_client *c);

/* What the API says about one sandbox; every string malloc'ed or NULL. */
struct e2b_sandbox_info {
	char *id;
	char *name;		/* metadata runeval.name */
	char *job;		/* metadata runeval.job */
	char *state;		/* "running", "paused" */
	char *domain;		/* where its ports are, or NULL */
	char *envd_token;	/* X-Access-Token for envd */
	char *traffic_token;	/* for its ports, when private */
	double started_ms;	/* startedAt and endAt, ms since the epoch */
	double end_ms;		/* on the server's clock; 0 when not said */
};

void e2b_sandbox_info_release(struct e2b_sandbox_info *s);
void e2b_sandbox_list_free(struct e2b_sandbox_info *v, size_t n);

struct e2b_create_opts {
	const char *template_id;	/* "base" when NULL */
	long timeout_s;			/* its lifetime */
	const char *const *env;		/* "K=V" (envVars), or NULL */
	json_t *metadata;		/* object of strings (borrowed) */
	bool private_traffic;		/* ports need the traffic token */
};

/*
 * POST /sandboxes: 201 once it runs.  *ambiguous (may be NULL) says that
 * a failure may have made one anyway (look it up by name).
 */
enum rv_code e2b_create(struct e2b_client *c, const struct e2b_create_opts *o,
			const struct remote_call *call,
			struct e2b_sandbox_info *out, bool *ambiguous,
			struct rv_err *err);

/* GET /sandboxes/{id}, with its envd token; RV_ERR_NOTFOUND on 404. */
enum rv_code e2b_get(struct e2b_client *c, const char *id,
		     const struct remote_call *call,
		     struct e2b_sandbox_info *out, struct rv_err *err);

/*
 * POST /sandboxes/{id}/timeout: the sandbox now ends timeout_s from now
 * (E2B kills it then, whatever it is doing).  Idempotent.
 */
enum rv_code e2b_set_timeout(struct e2b_client *c, const char *id,
			     long timeout_s, const struct remote_call *call,
			     struct rv_err *err);

/*
 * DELETE /sandboxes/{id}, then confirmed (GET answers 404).  A sandbox
 * already gone is success.
 */
enum rv_code e2b_kill(struct e2b_client *c, const char *id,
		      const struct remote_call *call, struct rv_err *err);

/*
 * Every sandbox whose metadata key=value (value NULL: every sandbox with
 * a runeval.job), page by page.  *out has *n entries (free with
 * e2b_sandbox_list_free); their tokens are not listed.
 */
enum rv_code e2b_list(struct e2b_client *c, const char *key,
		      const char *value, const struct remote_call *call,
		      struct e2b_sandbox_info **out, size_t *n,
		      struct rv_err *err);

/* The URL of port in sandbox s, no final '/' (malloc'ed). */
char *e2b_port_url(const struct e2b_client *c,
		   const struct e2b_sandbox_info *s, int port);

/*
 * The headers a request to port of s needs ("Name: value", NULL-ended,
 * malloc'ed; free with e2b_headers_free): E2b-Sandbox-Id and
 * E2b-Sandbox-Port (the proxy routes by them when the host is not the
 * sandbox's), and its envd or traffic token.
 */
char **e2b_port_headers(const struct e2b_client *c,
			const struct e2b_sandbox_info *s, int port);
void e2b_headers_free(char **h);

#endif
