/*
 * remote: what every HTTP provider shares (Daytona, E2B, Docker, ...).
 *
 *	struct remote_call call = { deadline, cancel, attempts };
 *	struct remote_req r = { "POST", url, "POST /sandbox", json,
 *				0, REMOTE_ONCE };
 *	rc = remote_request(headers, &r, &call, 60000, &resp, &ambiguous,
 *			    err);
 *	if (rc == RV_OK)
 *		rc = remote_json_response(&resp, "create sandbox", &j, err);
 *
 * One operation has one deadline (struct remote_call), a stop flag and
 * an attempt log (struct provider_attempts, which goes into
 * result.json).  remote_request() retries only transient failures:
 * connect errors, 429, 502/503/504, and for an idempotent request a
 * connection cut mid-exchange or a 500; with full-jitter exponential
 * backoff that honours Retry-After / Retry-After-Ms, inside the
 * deadline, and at most REMOTE_MAX_REFUSED refused connections or
 * REMOTE_MAX_SERVER_ERRORS 5xx answers in a row (nobody listening, or a
 * server that only errs, is not worth the whole deadline).  A step that starts
 * something (REMOTE_ONCE) is never blindly repeated: a failure that may
 * have reached the server stops the loop with *ambiguous set, and the
 * caller reconciles (looks the object up by its client-chosen name)
 * before trying again.  Every attempt is appended to call->log.
 *
 * Errors: the transport codes of rv_http; RV_ERR_INTR when the stop flag
 * is raised, also in the middle of an exchange (a long exec or upload is
 * cut short within about a second; a REMOTE_ONCE request cut short is
 * ambiguous).  remote_status_error() maps a non-2xx status: 401/403
 * RV_ERR_AUTH, 404 RV_ERR_NOTFOUND, 408/504 RV_ERR_TIMEOUT, 409
 * RV_ERR_CONFLICT, 429 RV_ERR_LIMIT, else RV_ERR_PROVIDER, with the
 * server's message (redacted, one line).
 *
 * A remote process's output goes into its local log file through the
 * core's redacting writer (rv_redact_stream in rv_redact.h).
 *
 * Thread-safe: nothing is shared between calls but the attempt log,
 * which belongs to one thread (struct provider_config.attempts), and the
 * provider's connection pool, which is locked.
 */
#ifndef RUNEVAL_PROVIDERS_REMOTE_H
#define RUNEVAL_PROVIDERS_REMOTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provider.h"
#include "rv_err.h"
#include "rv_redact.h"
#include "rv_http.h"

/* Refused connections in a row before remote_request() gives up. */
#define REMOTE_MAX_REFUSED 5
/* ... and at most this many server errors (5xx) in a row: a provider
   that only errs is down, and a job gives up in bounded time */
#define REMOTE_MAX_SERVER_ERRORS 10

/* A firm call (remote_call_firm) made once the job is stopping (its
   cancel flag set: a signal) gets at most this long: against an API that
   does not answer, cleanup is bounded, and what it could not delete is
   left to `runeval reap` (the journal keeps it). */
#define REMOTE_STOPPING_MS 10000L

/* The budget of one operation (may be NULL where a call is taken). */
struct remote_call {
	uint64_t deadline_ns;		/* monotonic; 0 = the op's default */
	const volatile int *stop;	/* abandon waits, retries and the
					   exchange in flight when set */
	struct provider_attempts *log;	/* may be NULL */
};

enum remote_idem {
	REMOTE_IDEMPOTENT,		/* safe to repeat after any failure */
	REMOTE_ONCE,			/* starts something: never repeated
					   after an ambiguous failure */
};

struct remote_req {
	const char *method;
	const char *url;
	const char *op;			/* for the attempt log */
	const char *json;		/* body, or NULL */
	long timeout_ms;		/* per attempt; 0 = 30 s */
	enum remote_idem idem;
	/* build a multipart body per attempt (uploads); NULL otherwise.
	   easy is the attempt's CURL handle; the mime is freed after it */
	struct curl_mime *(*mime)(void *easy, void *arg);
	void *mime_arg;
	struct rv_http_pool *pool;	/* keep-alive connections, or NULL */
	const char *unix_socket;	/* connect through this socket (the
					   URL's host is then only a name), or
					   NULL for TCP */
	const void *body;		/* a body that is not JSON (json NULL), */
	size_t body_len;
	const char *content_type;	/* and its type */
	/* stream a 2xx body (rv_http_request.on_body); such a request is
	   never repeated once its answer started */
	bool (*on_body)(const char *data, size_t len, void *arg);
	void *on_body_arg;
	const volatile int *cancel;	/* a stream's own stop flag: ends the
					   transfer when set; without it the
					   call's stop flag does */
};

/*
 * The connection pool of a provider (rv_http.h): one per provider table
 * and process, made on first use, shared by its threads and freed at
 * exit.  Every request of that provider (control plane, toolbox,
 * previews) should name it, so that one lifecycle reuses one keep-alive
 * connection per host and one TLS session.
 */
struct rv_http_pool *remote_pool(const struct provider_ops *ops);

/* A call for cfg (may be NULL): deadline now + ms, cfg's attempt log, and
   cfg's cancel flag as its stop flag. */
struct remote_call remote_call_for(const struct provider_config *cfg,
				   long ms);

/* The same without a stop flag: a signal does not cut it short (cleanup,
   teardown), but once cfg's cancel flag is set it gets at most
   REMOTE_STOPPING_MS. */
struct remote_call remote_call_firm(const struct provider_config *cfg,
				    long ms);

/* Has the call's stop flag been raised? */
bool remote_stopped(const struct remote_call *call);

/* Sleep ms in short slices, returning early when the call is stopped. */
void remote_sleep_ms(long ms, const struct remote_call *call);

/* call->deadline_ns, or now + default_ms. */
uint64_t remote_deadline(const struct remote_call *call, uint64_t default_ms);

/*
 * Run r with retries, sending headers ("Name: value", NULL-ended: the
 * client's credentials and identity) on every attempt.  RV_OK means an
 * HTTP response arrived (any status) in *resp; *ambiguous (may be NULL)
 * is set when a REMOTE_ONCE request failed in a way that may have
 * reached the server.
 */
enum rv_code remote_request(const char *const *headers,
			    const struct remote_req *r,
			    const struct remote_call *call,
			    uint64_t default_deadline_ms,
			    struct rv_http_response *resp, bool *ambiguous,
			    struct rv_err *err);

/* An error for a non-2xx response: message from the body, code by status. */
enum rv_code remote_status_error(const struct rv_http_response *resp,
				 const char *what, struct rv_err *err);

/*
 * A 2xx response's JSON body into *out (new reference), or an error for
 * the status (remote_status_error) or for a body that is not JSON.
 */
enum rv_code remote_json_response(const struct rv_http_response *resp,
				  const char *what, json_t **out,
				  struct rv_err *err);

/*
 * A streamed exchange on a thread of its own (a remote process's output
 * for as long as it runs): r is sent once, never repeated, and the body
 * of a 2xx answer goes to sink (on that thread) as it arrives; sink
 * returns false to stop taking it.  There is no deadline: the stream
 * ends when the server ends the body, the connection breaks, or
 * remote_stream_stop() is called.
 */
struct remote_stream;

struct remote_stream *remote_stream_start(const char *const *headers,
					  const struct remote_req *r,
					  bool (*sink)(const char *data,
						       size_t len, void *arg),
					  void *arg);

/* Has the exchange ended (the server ended the body, or it failed)? */
bool remote_stream_ended(struct remote_stream *s);

/*
 * Stop the exchange if it still runs, wait for its thread, record it in
 * call's attempt log (call may be NULL) and free s.  RV_OK when a 2xx
 * answer's body arrived whole before the stop; else the error (a non-2xx
 * answer's as remote_status_error() makes it).  NULL-safe.
 */
enum rv_code remote_stream_stop(struct remote_stream *s,
				const struct remote_call *call,
				struct rv_err *err);

/* --- what sandbox providers share --------------------------------------- */

/*
 * Open path for appending (NULL: a writer that drops the output) into
 * st, capped at limit bytes (0: no cap; rv_redact.h); RV_ERR_IO naming
 * the path when it cannot be (st holds nothing).
 */
enum rv_code remote_log_open(struct rv_redact_stream *st, const char *path,
			     unsigned long long limit, struct rv_err *err);

/* A local file to upload that cannot be read: RV_ERR_IO, at once. */
enum rv_code remote_upload_check(const char *tarball, struct rv_err *err);

/*
 * The error of an upload whose unpack (remote_unpack_command) exited
 * with code: output's tail, redacted.
 */
enum rv_code remote_unpack_error(const char *id, int code, const char *output,
				 struct rv_err *err);

/* --- commands a remote sandbox runs ----------------------------------- */

/* nbytes random bytes (at most 16) as lowercase hex into out[2n + 1]. */
void remote_rand_hex(char *out, size_t nbytes);

/*
 * Append cmd as a shell command: its argv as single-quoted words, or
 * "sh -c '<shell>'" (cwd and env are the caller's business).
 */
void remote_add_command(struct rv_buf *b, const struct provider_cmd *cmd);

/*
 * Append "export K='V'" and sep for each "K=V" of env (NULL-ended; an
 * entry whose name a shell cannot export, or without one, is skipped).
 */
void remote_add_exports(struct rv_buf *b, const char *const *env,
			const char *sep);

/*
 * A command's environment goes to the sandbox in a file, never in the
 * command's text (which providers record and echo back): make a fresh
 * path for it (/tmp/.runeval-env-<random>, malloc'ed, returned) and
 * append to b the start of the line that sources it and removes it
 * before the command runs.  The caller writes the exports
 * (remote_add_exports, "\n") at that path.
 */
char *remote_add_env_source(struct rv_buf *b);

/*
 * The command that checks that tarball (a file in the sandbox) has
 * SHA-256 sha256, unpacks it into dir (made) and removes it: the
 * provider_unpack_script with its three variables set.  It fails (and
 * unpacks nothing) on a wrong checksum.  malloc'ed.
 */
char *remote_unpack_command(const char *sha256, const char *tarball,
			    const char *dir);

/*
 * The setting v when it is set, else the environment variable name
 * (unless no_env); NULL when neither is set (empty counts as unset).
 */
const char *remote_env(const char *v, const char *name, bool no_env);

/*
 * The name a local file goes by in an upload (a multipart filename):
 * its base name, or for "/proc/self/fd/N" (an unlinked temporary file)
 * the base name it was made with; malloc'ed, never empty.
 */
char *remote_upload_name(const char *path);

/* url without its trailing slashes, malloc'ed. */
char *remote_url_trim(const char *url);

/* base + urlencode(id) + suffix (may be NULL), malloc'ed. */
char *remote_url(const char *base, const char *id, const char *suffix);

#endif
