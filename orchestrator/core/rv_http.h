/*
 * rv_http: the HTTP client every part of runeval uses (libcurl).
 *
 * One request, one response: rv_http_do() runs a request to completion.
 * For many requests on one event loop, rv_http_xfer_new() prepares a
 * libcurl easy handle that the caller adds to its own multi handle and
 * finishes with rv_http_xfer_finish().
 *
 * Connections: a request that names a pool (struct rv_http_pool, one per
 * client such as a provider) reuses that pool's keep-alive connections
 * and shares its DNS cache and TLS sessions: an easy handle is taken
 * from the pool for the request and given back after it, with its
 * connections still open (libcurl does not support one connection cache
 * shared by threads at once, so each handle keeps its own; DNS and TLS
 * sessions are shared through a locked share object).  Without a pool a
 * request opens its own connection.  rv_http_counts() tells how many
 * requests ran and how many connections they opened.
 *
 * TLS: servers are verified against the system's CA bundle, or the one
 * file rv_http_set_ca_file() names (--ca-cert, $RUNEVAL_CA_CERT).
 *
 * An HTTP status is not an error: any completed exchange returns RV_OK
 * with resp->status set.  Transport failures return RV_ERR_CONNECT
 * (refused, unreachable, DNS), RV_ERR_TIMEOUT, RV_ERR_LIMIT (response
 * larger than max_response), RV_ERR_CONFIG (a server certificate that is
 * not trusted, or a CA file that cannot be used: no retry helps),
 * RV_ERR_INTR (req->cancel raised, or req->on_body said stop) or
 * RV_ERR_HTTP, with the reason in err and
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

/* libcurl's receive buffer per transfer (its default is 16 kB): a larger
   answer takes more reads, not more memory */
#define RV_HTTP_RECV_BUFFER 4096L

struct rv_http_pool;

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
	struct rv_http_pool *pool;	/* reuse its connections, or NULL */
	/* stream the body of a 2xx answer here instead of into resp->body
	   (other statuses are still collected, for their error message);
	   returning false stops the transfer (RV_ERR_INTR) */
	bool (*on_body)(const char *data, size_t len, void *arg);
	void *on_body_arg;
	const volatile int *cancel;	/* stop the transfer when set
					   (RV_ERR_INTR; checked as data
					   arrives and about once a second
					   while none does), or NULL */
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

/*
 * Verify TLS servers against the certificates in path (PEM) instead of
 * the system's bundle; NULL goes back to the system's.  The file must be
 * readable: RV_ERR_CONFIG otherwise ("cannot read CA file '...': ...").
 * Call before threads start.
 */
enum rv_code rv_http_set_ca_file(const char *path, struct rv_err *err);
/* The file set above, or NULL (borrowed). */
const char *rv_http_ca_file(void);

/*
 * A pool of connections, DNS and TLS sessions for one client; safe to
 * use from several threads.  rv_http_pool_free() closes its connections
 * (NULL is fine).  At most RV_HTTP_POOL_IDLE handles wait idle in it.
 */
#define RV_HTTP_POOL_IDLE 16
struct rv_http_pool *rv_http_pool_new(void);
void rv_http_pool_free(struct rv_http_pool *pool);

/* Requests finished and connections they opened, in this process. */
struct rv_http_counts {
	unsigned long requests;
	unsigned long connects;
};

void rv_http_counts(struct rv_http_counts *out);

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

/*
 * Arm a finished transfer for another exchange of its request, on the
 * same handle with its options, headers and connections: cheaper than a
 * new transfer per request (no options reset and set again, no header
 * list built again).  The caller took the handle off its multi handle;
 * of req, only body and body_len may have changed (they are read again).
 * resp is emptied as by rv_http_xfer_new().
 */
void rv_http_xfer_again(struct rv_http_xfer *x);

/* Free the transfer (not the response).  Remove it from any multi first. */
void rv_http_xfer_free(struct rv_http_xfer *x);

/* Append percent-encoded s to b (RFC 3986 unreserved kept). */
void rv_http_urlencode(struct rv_buf *b, const char *s);

#endif
