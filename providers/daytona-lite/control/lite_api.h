/*
 * lite_api: daytona-lite's face (struct lite_face, lite.h) on the shared
 * engine: the Daytona control plane under /api, and which requests are
 * relayed to a sandbox's toolbox or ports.
 *
 * lite_api_handle() turns one API request into a response, on the server
 * thread, without blocking: a request that must wait for a transition
 * (create and start wait for started, stop for stopped, delete for
 * destroyed, each at most conf->create_wait_ms) is parked (lite_route.h).
 * Error bodies have the shape of Daytona's NestJS API: {path, timestamp,
 * statusCode, error, message}.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_API_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_API_H

#include <jansson.h>
#include <stdbool.h>

#include "lite_conf.h"
#include "lite_route.h"
#include "lite_store.h"

struct lite;

/* The query parameter and the cookie prefix that carry a preview token. */
#define LITE_TOKEN_PARAM "DAYTONA_SANDBOX_AUTH_KEY"
#define LITE_TOKEN_COOKIE "daytona-sandbox-auth-"

/* daytona-lite's face and command line (main.c, tests). */
extern const struct lite_face lite_daytona_face;
extern const struct lite_conf_spec lite_daytona_spec;

/* Answer req (or park resp).  The API key was checked already. */
void lite_api_handle(struct lite *l, const struct lite_api_req *req,
		     struct lite_api_resp *resp);

/* The Sandbox DTO (full: with env, volumes, buildInfo), store locked. */
json_t *lite_api_dto(const struct lite *l, const struct lite_sandbox *sb,
		     bool full);

/* An error body in Daytona's shape (malloc'ed): the face's error_body. */
char *lite_api_error_body(const char *path, int status, const char *msg);

#endif
