/*
 * toolbox_http: requests, routes and replies of an in-sandbox daemon
 * (the Daytona toolbox, envd).
 *
 * The lws callback (toolbox_http.c) turns each HTTP transaction into a
 * struct tb_req, finds its route in the face's tables, collects the body
 * the route asks for and calls the handler.  A handler answers with one
 * tb_reply_*() call, now or later: a handler that has to wait (a command
 * running) keeps a reference with tb_req_ref() and replies when it is
 * done.  Replies to a request whose client went away are dropped
 * silently.  A streamed reply (tb_reply_open) has no length: its body is
 * pushed as it is made and ends, with the connection, at
 * tb_reply_close().
 *
 * Error replies have the face's shape (struct tb_face.error_json).
 */
#ifndef RUNEVAL_PROVIDERS_LITE_TOOLBOX_HTTP_H
#define RUNEVAL_PROVIDERS_LITE_TOOLBOX_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rv_buf.h"

struct lws;
struct tb_server;
struct tb_req;

enum tb_body_kind {
	TB_BODY_NONE,		/* ignore any body */
	TB_BODY_BUFFER,		/* collect it (up to TB_MAX_BODY) */
	TB_BODY_UPLOAD,		/* stream it to the route's data hook */
};

#define TB_MAX_BODY (32u << 20)
#define TB_MAX_PARAMS 4

typedef void (*tb_handler_fn)(struct tb_req *r);

/*
 * A TB_BODY_UPLOAD route's body: begin runs when the head was read, then
 * data with each piece of the (dechunked) body.
 */
struct tb_upload_body {
	void (*begin)(struct tb_req *r);
	int (*data)(struct tb_req *r, const char *p, size_t n);
};

struct tb_route {
	const char *method;
	const char *pattern;	/* "/process/session/:sid/exec" */
	tb_handler_fn fn;	/* once the body is complete */
	enum tb_body_kind body;
	const struct tb_upload_body *upload;	/* TB_BODY_UPLOAD, else NULL */
};

/* --- the request ---------------------------------------------------------- */

struct tb_server *tb_req_server(const struct tb_req *r);
/* The i-th ":name" segment of the route pattern (decoded). */
const char *tb_req_param(const struct tb_req *r, int i);
/* A query argument (decoded) or NULL. */
const char *tb_req_query(const struct tb_req *r, const char *name);
const char *tb_req_method(const struct tb_req *r);
const char *tb_req_path(const struct tb_req *r);
/*
 * A request header value or NULL: content-type, authorization, or one
 * the face lists (name lowercase, without the colon).
 */
const char *tb_req_header(struct tb_req *r, const char *name);
/* The body so far (TB_BODY_BUFFER: all of it once the handler runs). */
const struct rv_buf *tb_req_body(const struct tb_req *r);
/* The body parsed as a JSON object; replies 400 itself and returns NULL. */
json_t *tb_req_json(struct tb_req *r);

/* Keep r alive past the handler; every ref needs one unref. */
struct tb_req *tb_req_ref(struct tb_req *r);
void tb_req_unref(struct tb_req *r);

/* Per-request state for TB_BODY_UPLOAD routes. */
void *tb_req_upload(const struct tb_req *r);
void tb_req_set_upload(struct tb_req *r, void *state, void (*free_fn)(void *));

/* Has the client gone (nothing written will arrive)? */
bool tb_req_gone(const struct tb_req *r);
/*
 * Call fn(arg) once when the client goes away before the reply is over
 * (one hook per request; NULL fn removes it).
 */
void tb_req_on_gone(struct tb_req *r, void (*fn)(void *arg), void *arg);

/* --- replies ------------------------------------------------------------ */

/* JSON body (reference stolen; NULL: no body). */
void tb_reply_json(struct tb_req *r, int status, json_t *body);
void tb_reply_data(struct tb_req *r, int status, const char *ctype,
		   const void *data, size_t len);
/* No body at all (201, 204). */
void tb_reply_empty(struct tb_req *r, int status);
/*
 * The face's error body (struct tb_face.error_json); code NULL picks the
 * standard code for status.
 */
void tb_reply_error(struct tb_req *r, int status, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The standard error code of status: "NOT_FOUND", ... */
const char *tb_status_code(int status);

/*
 * A body of exactly length bytes produced by fill(arg, buf, max), which
 * returns the bytes written (0 only when done, < 0 to abort the
 * connection).  free_fn(arg) runs when the reply is over, however it
 * ends.  extra_headers: "name: value\r\n" lines or NULL.
 */
struct tb_producer {
	ssize_t (*fill)(void *arg, char *buf, size_t max);
	void (*free_fn)(void *arg);
	void *arg;
};
void tb_reply_stream(struct tb_req *r, int status, const char *ctype,
		     const char *extra_headers, uint64_t length,
		     const struct tb_producer *prod);

/*
 * A reply of the size bytes of file fd (from its current offset), which
 * the reply owns and closes.  A file that shrinks meanwhile is padded
 * with zeros: the promised length is kept.
 */
void tb_reply_fd(struct tb_req *r, int status, const char *ctype,
		 const char *extra_headers, int fd, uint64_t size);

/*
 * A streamed reply: the head now, a body pushed piece by piece with
 * tb_reply_push() and ended with tb_reply_close(), after which the
 * connection closes (the body has no length).  Pushes to a client that
 * has gone are dropped.
 */
void tb_reply_open(struct tb_req *r, int status, const char *ctype,
		   const char *extra_headers);
void tb_reply_push(struct tb_req *r, const void *data, size_t len);
void tb_reply_close(struct tb_req *r);
/* Bytes pushed but not yet written to the client. */
size_t tb_reply_pending(const struct tb_req *r);

/* A JSON string from bytes that may not be UTF-8 (bad bytes -> U+FFFD). */
json_t *tb_json_bytes(const char *p, size_t len);

#endif
