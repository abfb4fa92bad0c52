/*
 * lite_route: the API requests of an offline server (daytona-lite,
 * e2b-lite) and their answers.
 *
 * The front (lite_server) reads an API request whole and hands it to the
 * face's handler as a struct lite_api_req; the handler fills a struct
 * lite_api_resp on the server thread without blocking.  An answer that
 * must wait for a transition (a create waits until the sandbox has
 * started, a delete until it is gone) is parked with lite_resp_park():
 * the server polls lite_resp_wait_poll() whenever a sandbox changes until
 * it is ready, and the face's answer hook then writes it.
 *
 * Routing: a face describes its endpoints as a table of struct
 * lite_route ("sandbox/{*}/start", with '*' matching one decoded path
 * segment) and lite_route_run() finds the one a request names, looks up
 * the sandbox a route names, and calls it with the store locked.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_ROUTE_H
#define RUNEVAL_PROVIDERS_LITE_LITE_ROUTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lite_store.h"
#include "rv_buf.h"

struct lite;

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
	json_t *snapshot;	/* the face's view of the sandbox when parked */
};

#define LITE_API_RESP_INIT { 0, RV_BUF_INIT, NULL, LITE_WAIT_NONE, "", 0, \
			     NULL }

void lite_api_resp_release(struct lite_api_resp *resp);

/* Answer with a JSON value (stolen; NULL: no body). */
void lite_resp_json(struct lite_api_resp *resp, int status, json_t *v);

/* An error answer in the face's shape; path is the request path. */
void lite_resp_error(const struct lite *l, struct lite_api_resp *resp,
		     const char *path, int status, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Make resp wait for the transition sb just began, at most
 * conf->create_wait_ms; snapshot (stolen, may be NULL) is kept for the
 * answer once sb is gone.
 */
void lite_resp_park(const struct lite *l, struct lite_api_resp *resp,
		    const struct lite_sandbox *sb, enum lite_wait wait,
		    json_t *snapshot);

/*
 * Is a waiting response ready (or force: answer now)?  Then the face's
 * answer hook fills status and body, wait is cleared and it returns true.
 */
bool lite_resp_wait_poll(struct lite *l, struct lite_api_resp *resp,
			 bool force);

/* --- routing ----------------------------------------------------------- */

#define LITE_MAX_SEGS 8

/* One API request being answered (handlers run with the store locked). */
struct lite_ctx {
	struct lite *l;
	const struct lite_api_req *req;
	struct lite_api_resp *resp;
	char *seg[LITE_MAX_SEGS];	/* decoded path segments after the
					   face's API path */
	int nseg;
	struct lite_sandbox *sb;	/* the sandbox the route names */
};

struct lite_route {
	const char *method;
	const char *pattern;	/* segments after the API path; '*' is any
				   one */
	int sb_seg;		/* the segment that names a sandbox that must
				   exist, or -1 */
	void (*fn)(struct lite_ctx *c);
};

/*
 * Answer req with the route of routes[0..n) it matches (404 with
 * not_found, a printf format taking the sandbox's name, when the sandbox
 * it names is unknown; "Cannot METHOD PATH" when no route matches).
 */
void lite_route_run(struct lite *l, const struct lite_route *routes,
		    size_t n, const char *not_found,
		    const struct lite_api_req *req,
		    struct lite_api_resp *resp);

/* An error answer to c's request. */
#define lite_fail(c, status, ...) \
	lite_resp_error((c)->l, (c)->resp, (c)->req->path, status, \
			__VA_ARGS__)

/* --- request helpers --------------------------------------------------- */

/* The reason phrase of an HTTP status ("Not Found"). */
const char *lite_http_reason(int status);

/*
 * Percent-decode the query parameter name of query (the first one), or
 * NULL when absent.  malloc'ed.
 */
char *lite_query_get(const char *query, const char *name);

/* Percent-decode s[0..n) (and '+' to ' ' if plus_is_space), malloc'ed. */
char *lite_pct_decode(const char *s, size_t n, bool plus_is_space);

/* s as a whole decimal number in [min, max]; false otherwise. */
bool lite_parse_long(const char *s, long min, long max, long *out);

/*
 * Is v an object whose values are all strings (with keys that are valid
 * environment variable names when env_names)?  why says what is not.
 */
bool lite_str_map(const json_t *v, const char *field, bool env_names,
		  char *why, size_t size);

/* The request body as a JSON object (empty body: {}); NULL after a 400. */
json_t *lite_ctx_body(struct lite_ctx *c);

#endif
