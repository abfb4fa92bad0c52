/*
 * toolbox_http: requests, routes and replies of the toolbox API.
 *
 * The lws callback (toolbox_http.c) turns each HTTP transaction into a
 * struct tb_req, finds its route, collects the body the route asks for
 * and calls the handler.  A handler answers with one tb_reply_*() call,
 * now or later: a handler that has to wait (a command running) keeps a
 * reference with tb_req_ref() and replies when it is done.  Replies to a
 * request whose client went away are dropped silently.
 *
 * Error replies have the daemon's shape (reference §8.1):
 *   {"statusCode","message","code","timestamp","path","method","source"}
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_HTTP_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_TOOLBOX_TOOLBOX_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rv_buf.h"
#include "toolbox_log.h"

struct lws;
struct tb_server;
struct tb_req;

enum tb_body_kind {
	TB_BODY_NONE,		/* ignore any body */
	TB_BODY_BUFFER,		/* collect it (up to TB_MAX_BODY) */
	TB_BODY_UPLOAD,		/* stream it to the bulk-upload parser */
};

#define TB_MAX_BODY (32u << 20)
#define TB_MAX_PARAMS 4

typedef void (*tb_handler_fn)(struct tb_req *r);

struct tb_route {
	const char *method;
	const char *pattern;	/* "/process/session/:sid/exec" */
	tb_handler_fn fn;
	enum tb_body_kind body;
};

/* --- the request ---------------------------------------------------------- */

struct tb_server *tb_req_server(const struct tb_req *r);
/* The i-th ":name" segment of the route pattern (decoded). */
const char *tb_req_param(const struct tb_req *r, int i);
/* A query argument (decoded) or NULL. */
const char *tb_req_query(const struct tb_req *r, const char *name);
/* A request header value (lowercase name) or NULL; kept for the request. */
const char *tb_req_header(struct tb_req *r, const char *name);
/* The output format the client's SDK version asks for. */
enum tb_out_fmt tb_req_out_format(struct tb_req *r);
/* The body parsed as a JSON object; replies 400 itself and returns NULL. */
json_t *tb_req_json(struct tb_req *r);

/* Keep r alive past the handler; every ref needs one unref. */
struct tb_req *tb_req_ref(struct tb_req *r);
void tb_req_unref(struct tb_req *r);

/* Per-request state for TB_BODY_UPLOAD routes (toolbox_upload.c). */
void *tb_req_upload(const struct tb_req *r);
void tb_req_set_upload(struct tb_req *r, void *state, void (*free_fn)(void *));

/* --- replies ------------------------------------------------------------ */

/* JSON body (reference stolen; NULL: no body). */
void tb_reply_json(struct tb_req *r, int status, json_t *body);
void tb_reply_data(struct tb_req *r, int status, const char *ctype,
		   const void *data, size_t len);
/* No body at all (201, 204). */
void tb_reply_empty(struct tb_req *r, int status);
/*
 * The daemon's error body; code NULL picks the standard code for status
 * ("NOT_FOUND", ...).  tb_error_json() is the object alone (new
 * reference), for errors inside other replies.
 */
json_t *tb_error_json(int status, const char *code, const char *msg,
		      const char *path, const char *method);
void tb_reply_error(struct tb_req *r, int status, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

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

/* A JSON string from bytes that may not be UTF-8 (bad bytes -> U+FFFD). */
json_t *tb_json_bytes(const char *p, size_t len);

/* --- the routes (one table per module) ------------------------------------ */

extern const struct tb_route tb_routes_process[];
extern const struct tb_route tb_routes_files[];
extern const struct tb_route tb_routes_misc[];

/* Bulk-upload body streaming (toolbox_upload.c). */
void tb_upload_begin(struct tb_req *r);
int tb_upload_data(struct tb_req *r, const char *data, size_t len);

/* WebSocket log follow (toolbox_ws.c); wsi is the upgraded connection. */
int tb_follow_filter(struct tb_server *s, struct lws *wsi);
int tb_follow_start(struct tb_server *s, struct lws *wsi, void **slot);
int tb_follow_writable(struct lws *wsi, void *follow);
void tb_follow_closed(void *follow);

#endif
