/*
 * rv_http: the HTTP client every part of runeval uses (libcurl).
 *
 * One request, one response: rv_http_do() runs a request to completion.
 * For many requests on one event loop, rv_http_xfer_new() prepares a
 * libcurl easy handle that the caller adds to its own multi handle and
 * finishes with rv_http_xfer_finish().
 *
 * An HTTP status is not an error: any completed exchange returns RV_OK
 * with resp->status set.  Transport failures return RV_ERR_CONNECT
 * (refused, unreachable, DNS), RV_ERR_TIMEOUT, RV_ERR_LIMIT (response
 * larger than max_response) or RV_ERR_HTTP, with the reason in err and
 * in resp->error.  Messages never contain header values, so tokens stay
 * out of them.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_HTTP_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "rv_buf.h"
#include "rv_err.h"

#define RV_HTTP_DEFAULT_MAX_RESPONSE (64u << 20)

struct rv_http_request {
	const char *method;		/* NULL means GET (or POST with a body) */
	const char *url;
	const char *unix_socket;	/* connect through this socket, or NULL */
	const char *const *headers;	/* NULL-terminated "Name: value" list */
	const void *body;
	size_t body_len;
	long timeout_ms;		/* whole exchange; 0 = no limit */
	long connect_timeout_ms;	/* 0 = libcurl's default */
	size_t max_response;		/* 0 = RV_HTTP_DEFAULT_MAX_RESPONSE */
	/* or NULL: the body of a 2xx answer goes here as it arrives, not
	   into resp->body (any other answer's body is still kept there);
	   false stops the exchange (RV_ERR_HTTP) */
	bool (*on_body)(const char *data, size_t len, void *arg);
	void *on_body_arg;
};

struct rv_http_response {
	long status;			/* 0 when no response arrived */
	struct rv_buf body;
	struct rv_buf headers;		/* raw header block of the final response */
	uint64_t elapsed_ns;		/* monotonic, request start to finish */
	char error[256];		/* transport failure text, or "" */
};

#define RV_HTTP_RESPONSE_INIT { 0, RV_BUF_INIT, RV_BUF_INIT, 0, "" }

/* Call once per process before threads start (curl_global_init). */
void rv_http_global_init(void);

enum rv_code rv_http_do(const struct rv_http_request *req,
			struct rv_http_response *resp, struct rv_err *err);

void rv_http_response_release(struct rv_http_response *resp);

/*
 * Value of response header name (case-insensitive), malloc'ed and
 * trimmed, or NULL.
 */
char *rv_http_header(const struct rv_http_response *resp, const char *name);

/*
 * How long the server asked us to wait before retrying, in ms: the
 * largest of Retry-After and every Retry-After-<throttler> header
 * (seconds) and Retry-After-Ms (milliseconds), or -1 when there is none
 * (values too large to count in ms are ignored).
 */
long rv_http_retry_after_ms(const struct rv_http_response *resp);

/*
 * Is this outcome worth retrying?  Connect errors and timeouts before a
 * response, and statuses 429, 502, 503, 504.
 */
bool rv_http_is_transient(enum rv_code rc, long status);

/*
 * Full-jitter exponential backoff: a random delay in [0, min(cap,
 * base * 2^attempt)] ms.  attempt starts at 0.
 */
long rv_backoff_ms(unsigned attempt, long base_ms, long cap_ms);

/* --- for callers that run their own curl multi loop ------------------ */

struct rv_http_xfer;

/*
 * Prepare a transfer.  req and its strings must stay valid until
 * rv_http_xfer_free(); resp is filled as data arrives.
 */
struct rv_http_xfer *rv_http_xfer_new(const struct rv_http_request *req,
				      struct rv_http_response *resp);

/* The libcurl easy handle (a CURL *) to add to a multi handle. */
void *rv_http_xfer_handle(struct rv_http_xfer *x);

/*
 * Record the outcome of a finished transfer (curl_code is the CURLcode
 * from CURLMSG_DONE) into its response; returns as rv_http_do().
 */
enum rv_code rv_http_xfer_finish(struct rv_http_xfer *x, int curl_code,
				 struct rv_err *err);

/* Free the transfer (not the response).  Remove it from any multi first. */
void rv_http_xfer_free(struct rv_http_xfer *x);

/* Append percent-encoded s to b (RFC 3986 unreserved kept). */
void rv_http_urlencode(struct rv_buf *b, const char *s);

#endif
