/*
 * e2b_lite: e2b-lite's face (struct lite_face, lite.h) on the engine
 * daytona-lite runs on: E2B's control plane, and the edge proxy that
 * reaches envd and the sandboxes' ports (docs/e2b-api.md).
 *
 * Routing of a request, as E2B's proxy does it:
 *   Host {port}-{id}.{domain}            sandbox id, port
 *   E2b-Sandbox-Id + E2b-Sandbox-Port    the same, for any other Host
 *   anything else                        the control plane (X-API-Key)
 * Port 49983 is envd (X-Access-Token: the sandbox's envdAccessToken; GET
 * /health needs none); any other port is relayed to the sandbox's
 * loopback, and needs e2b-traffic-access-token when the sandbox was
 * created with network.allowPublicTraffic false.  Credentials of
 * e2b-lite's (the API key, the sandbox's tokens) never reach a sandbox.
 *
 * Control plane (JSON; errors {code, message}):
 *   POST /sandboxes, POST /v2/sandboxes    create: 201 once running
 *   GET /sandboxes, GET /v2/sandboxes      list (metadata, state, limit,
 *                                          nextToken / X-Next-Token)
 *   GET /sandboxes/{id}                    SandboxDetail
 *   DELETE /sandboxes/{id}                 kill: 204 once gone, 404
 *   POST /sandboxes/{id}/timeout           {timeout}: ends then; 204
 *   POST /sandboxes/{id}/refreshes         {duration}: extends; 204
 *   POST /v2/sandboxes/{id}/connect        a running sandbox's tokens
 *   GET /health
 */
#ifndef RUNEVAL_PROVIDERS_E2B_LITE_CONTROL_E2B_LITE_H
#define RUNEVAL_PROVIDERS_E2B_LITE_CONTROL_E2B_LITE_H

#include <jansson.h>
#include <stdbool.h>

#include "lite_conf.h"
#include "lite_route.h"
#include "lite_store.h"

struct lite;
struct lite_conn;

#define E2B_ENVD_PORT 49983
#define E2B_ENVD_VERSION "0.5.7"
#define E2B_MAX_TIMEOUT_S 86400		/* 24 h, E2B Pro's limit */

/* e2b-lite's face and command line (main.c, tests). */
extern const struct lite_face e2b_lite_face;
extern const struct lite_conf_spec e2b_lite_spec;

/* Answer an API request (store unlocked; the key was checked). */
void e2b_api_handle(struct lite *l, const struct lite_api_req *req,
		    struct lite_api_resp *resp);

/* The Sandbox object a create or connect answers with (store locked). */
json_t *e2b_api_sandbox(const struct lite *l, const struct lite_sandbox *sb);

/* The traffic token of sb, or "" for a public sandbox (store locked). */
const char *e2b_traffic_token(const struct lite_sandbox *sb);

/* The base domain sandboxes are reached at: "localhost:PORT". */
char *e2b_domain(const struct lite *l);

/* An error body in E2B's shape: {code, message} (malloc'ed). */
char *e2b_error_body(const char *path, int status, const char *msg);

#endif
