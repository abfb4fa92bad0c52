/*
 * lite_api: the Daytona control plane (everything under /api).
 *
 * lite_api_handle() turns one request into a response, on the server
 * thread, without blocking: a request that must wait for a transition
 * (create and start wait for started, stop for stopped, delete for
 * destroyed, each at most conf->create_wait_ms) comes back with
 * resp->wait set, and the server polls lite_api_wait_poll() whenever a
 * sandbox changes until it answers.  Error bodies have the shape of
 * Daytona's NestJS API: {path, timestamp, statusCode, error, message}.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_API_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lite_store.h"
#include "rv_buf.h"

struct lite;
struct lite_head;

struct lite_api_req {
	const char *method;
	const char *path;	/* full path, "/api/sandbox/x" (no query) */
	const char *query;	/* after '?', or "" */
	const char *body;
	size_t body_len;
};

enum lite_wait {
	LITE_WAIT_NONE,
	LITE_WAIT_START,	/* until the start job is over */
	LITE_WAIT_STOP,		/* until the stop job is over */
	LITE_WAIT_DESTROY,	/* until the sandbox is gone */
};

struct lite_api_resp {
	int status;
	struct rv_buf headers;	/* extra "Name: value\r\n" lines */
	char *body;		/* JSON text (malloc'ed), or NULL */
	enum lite_wait wait;	/* not NONE: not answered yet */
	char wait_id[LITE_ID_MAX];
	uint64_t deadline_ns;	/* monotonic: answer by then regardless */
	json_t *snapshot;	/* DELETE: the DTO to answer with once gone */
};

#define LITE_API_RESP_INIT { 0, RV_BUF_INIT, NULL, LITE_WAIT_NONE, "", 0, \
			     NULL }

/* Answer req (or make resp wait).  The API key was checked already. */
void lite_api_handle(struct lite *l, const struct lite_api_req *req,
		     struct lite_api_resp *resp);

/*
 * Is a waiting response ready (or force: answer now)?  Then fills status
 * and body, clears wait and returns true.
 */
bool lite_api_wait_poll(struct lite *l, struct lite_api_resp *resp,
			bool force);

void lite_api_resp_release(struct lite_api_resp *resp);

/* An error answer in Daytona's shape; path is the request path. */
void lite_api_error(struct lite_api_resp *resp, const char *path, int status,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The reason phrase of an HTTP status ("Not Found"). */
const char *lite_http_reason(int status);

/* The Sandbox DTO (full: with env, volumes, buildInfo), store locked. */
json_t *lite_api_dto(const struct lite *l, const struct lite_sandbox *sb,
		     bool full);

/*
 * Percent-decode the query parameter name of query (the first one), or
 * NULL when absent.  malloc'ed.
 */
char *lite_query_get(const char *query, const char *name);

/* Percent-decode s[0..n) (and '+' to ' ' if plus_is_space), malloc'ed. */
char *lite_pct_decode(const char *s, size_t n, bool plus_is_space);

#endif
