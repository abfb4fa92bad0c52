/*
 * daytona_api: a client of the Daytona control-plane API (libcurl via
 * rv_http, jansson), following docs/daytona-api.md sections 1-4, 7, 8, 11.
 *
 * A struct daytona_client holds the base URL and the request headers the
 * official SDK sends; it is immutable after daytona_client_new() and may be
 * shared by threads.  Every operation takes a struct remote_call (may be
 * NULL) giving its overall deadline, a stop flag and an attempt log.
 *
 * Retries: only transient failures (connect errors, 429, 502/503/504, and
 * for idempotent requests a reset connection or a 500), with full-jitter
 * backoff that honours Retry-After-*, inside the call's deadline; at most
 * a few refused connections in a row.  A create is
 * never blindly repeated: it carries a client-chosen unique name, and
 * after an ambiguous failure the client looks the name up before trying
 * again.  Every attempt goes to call->log.
 *
 * Errors: RV_ERR_CONFIG (no credentials), RV_ERR_AUTH (401/403),
 * RV_ERR_NOTFOUND (404), RV_ERR_PROVIDER (other statuses, a sandbox in
 * 'error'/'build_failed'), RV_ERR_TIMEOUT (deadline), RV_ERR_INTR (stop
 * flag), RV_ERR_PROTO (a body that is not the documented JSON), and the
 * transport codes of rv_http.  Messages never contain credentials.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_API_H
#define RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provider.h"
#include "remote.h"
#include "rv_err.h"

#define DAYTONA_DEFAULT_API_URL "https://app.daytona.io/api"
#define DAYTONA_SDK_VERSION "0.218.0"
#define DAYTONA_SOURCE "runeval"

/* Credentials and endpoint; NULL fields fall back to the environment. */
struct daytona_config {
	const char *api_url;	/* $DAYTONA_API_URL, else the default */
	const char *api_key;	/* $DAYTONA_API_KEY */
	const char *jwt;	/* $DAYTONA_JWT_TOKEN (used without api_key) */
	const char *org_id;	/* $DAYTONA_ORGANIZATION_ID (required with jwt) */
	const char *target;	/* $DAYTONA_TARGET, may stay NULL */
	bool no_env;		/* do not read the environment */
	struct rv_http_pool *pool;	/* connections to reuse (borrowed,
					   outlives the client), or NULL */
};

struct daytona_client;

/*
 * A client for cfg.  Registers the credentials with rv_redact_add().
 * Without an API key (or a JWT and organization id) fails with
 * RV_ERR_CONFIG and a message naming DAYTONA_API_KEY and DAYTONA_API_URL.
 */
struct daytona_client *daytona_client_new(const struct daytona_config *cfg,
					  struct rv_err *err);
void daytona_client_free(struct daytona_client *c);

/* Borrowed, valid while c lives. */
const char *daytona_client_api_url(const struct daytona_client *c);
const char *daytona_client_target(const struct daytona_client *c);
/* The connection pool of every request of c (borrowed), or NULL. */
struct rv_http_pool *daytona_client_pool(const struct daytona_client *c);
/* NULL-terminated "Name: value" list the SDK sends on every request. */
const char *const *daytona_client_headers(const struct daytona_client *c);

/* What the API says about one sandbox; every string malloc'ed or NULL. */
struct daytona_sandbox_info {
	char *id;
	char *name;
	char *state;
	char *error_reason;
	char *toolbox_proxy_url;
	char *job_label;	/* labels["runeval.job"] */
};

void daytona_sandbox_info_release(struct daytona_sandbox_info *s);

struct daytona_create_opts {
	const char *name;		/* client-chosen, unique; required */
	const char *snapshot;		/* or NULL */
	const char *image;		/* "FROM <image>" build, or NULL */
	const char *const *env;		/* "K=V" list, NULL-terminated, or NULL */
	const char *const *labels;	/* "k=v" list, NULL-terminated, or NULL */
	int auto_stop_min;		/* < 0: not sent */
	int auto_delete_min;		/* < 0: not sent */
	const char *const *network_allow;	/* CIDRs, NULL-ended, or NULL:
					   networkAllowList not sent */
	bool network_block_all;		/* networkBlockAll: true */
};

/*
 * POST /sandbox.  On success out has at least id and state (maybe not
 * 'started' yet).  Ambiguous failures are reconciled by GET-by-name.
 */
enum rv_code daytona_create(struct daytona_client *c,
			    const struct daytona_create_opts *o,
			    const struct remote_call *call,
			    struct daytona_sandbox_info *out,
			    struct rv_err *err);

/* GET /sandbox/{idOrName}; RV_ERR_NOTFOUND on 404. */
enum rv_code daytona_get(struct daytona_client *c, const char *id_or_name,
			 const struct remote_call *call,
			 struct daytona_sandbox_info *out, struct rv_err *err);

/*
 * Poll until 'started' (adaptive: ~10 ms first, growing to 1 s).  Fails at
 * once on 'error'/'build_failed' with errorReason (RV_ERR_PROVIDER), and
 * with RV_ERR_TIMEOUT at call->deadline_ns.  It never deletes: the caller
 * decides.  out (may be NULL) gets the last state seen.
 */
enum rv_code daytona_wait_started(struct daytona_client *c, const char *id,
				  const struct remote_call *call,
				  struct daytona_sandbox_info *out,
				  struct rv_err *err);

/*
 * DELETE /sandbox/{id}, retried on 409 and transient failures, then
 * confirmed: GET until 404 or state 'destroyed'.  A sandbox that is
 * already gone is success.  Default deadline 120 s.
 */
enum rv_code daytona_delete(struct daytona_client *c, const char *id,
			    const struct remote_call *call,
			    struct rv_err *err);

/*
 * Every sandbox whose label key=value (value NULL: any value), following
 * the cursor.  *out is an array of *n entries; free with
 * daytona_sandbox_list_free().
 */
enum rv_code daytona_list(struct daytona_client *c, const char *key,
			  const char *value, const struct remote_call *call,
			  struct daytona_sandbox_info **out, size_t *n,
			  struct rv_err *err);
void daytona_sandbox_list_free(struct daytona_sandbox_info *v, size_t n);

/*
 * The toolbox base URL of a sandbox: toolboxProxyUrl + "/" + id, asking
 * GET /sandbox/{id}/toolbox-proxy-url when the DTO has none.  *out
 * malloc'ed.
 */
enum rv_code daytona_toolbox_base(struct daytona_client *c,
				  const struct daytona_sandbox_info *s,
				  const struct remote_call *call, char **out,
				  struct rv_err *err);

/*
 * GET /sandbox/{id}/ports/{port}/preview-url: *url and *token malloc'ed;
 * the token is registered with rv_redact_add().
 */
enum rv_code daytona_preview(struct daytona_client *c, const char *id,
			     int port, const struct remote_call *call,
			     char **url, char **token, struct rv_err *err);

/* --- the shared request machinery (daytona_toolbox.c uses it) -------- */

/* remote_request() with the client's credentials and identity headers. */
enum rv_code daytona_request(struct daytona_client *c,
			     const struct remote_req *r,
			     const struct remote_call *call,
			     uint64_t default_deadline_ms,
			     struct rv_http_response *resp, bool *ambiguous,
			     struct rv_err *err);

#endif
