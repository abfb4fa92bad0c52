/*
 * The daemon's HTTP server on lws: request lifecycle, routing and replies.
 *
 * lws 4.1 does not decode "Transfer-Encoding: chunked" request bodies: it
 * hands the raw chunked stream to LWS_CALLBACK_HTTP_BODY, assuming a
 * 100 MiB body.  We decode it ourselves (toolbox_multipart.c), treat the
 * last chunk as the end of the body and close the connection after the
 * reply ("Connection: close"), since lws still waits for the rest.
 */
#include "toolbox_http.h"
#include "toolbox_lws.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "toolbox_multipart.h"
#include "toolbox_srv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define TB_WRITE_CHUNK (32 * 1024)

enum tb_reply_kind {
	TB_REPLY_NONE, TB_REPLY_BUFFER, TB_REPLY_STREAM, TB_REPLY_PUSH,
};

struct tb_req {
	int refs;
	struct tb_server *srv;
	struct lws *wsi;		/* NULL once the client is gone */
	char method[8];
	char *path;
	char **args;			/* decoded "name=value" */
	int nargs;
	char *params[TB_MAX_PARAMS];
	char *hdr[TB_MAX_HEADERS];	/* the face's headers, in its order */
	char *content_type, *authorization;
	const struct tb_route *route;
	enum tb_body_kind body_kind;
	struct rv_buf body;
	bool has_body, chunked, too_big, bad_chunking, dispatched;
	struct tb_chunked ch;
	void *upload;
	void (*upload_free)(void *);
	/* the reply */
	enum tb_reply_kind reply;
	int status;
	bool close_after, headers_sent;
	char ctype[96];
	char *extra_headers;
	struct rv_buf out;
	struct tb_producer prod;
	uint64_t length, sent;
	bool push_closed;		/* TB_REPLY_PUSH: no more pushes */
	void (*on_gone)(void *arg);
	void *on_gone_arg;
};

struct tb_pss {
	struct tb_req *req;
	void *follow;
};

/* --- request ------------------------------------------------------------ */

struct tb_server *tb_req_server(const struct tb_req *r)
{
	return r->srv;
}

const char *tb_req_param(const struct tb_req *r, int i)
{
	return i >= 0 && i < TB_MAX_PARAMS ? r->params[i] : NULL;
}

const char *tb_req_query(const struct tb_req *r, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < r->nargs; i++)
		if (!strncmp(r->args[i], name, n) && r->args[i][n] == '=')
			return r->args[i] + n + 1;
	return NULL;
}

const char *tb_req_method(const struct tb_req *r)
{
	return r->method;
}

const char *tb_req_path(const struct tb_req *r)
{
	return r->path;
}

const char *tb_req_header(struct tb_req *r, const char *name)
{
	const char *const *h = r->srv->face->headers;
	size_t n = strlen(name);

	if (!strcmp(name, "content-type"))
		return r->content_type;
	if (!strcmp(name, "authorization"))
		return r->authorization;
	for (int i = 0; h && h[i] && i < TB_MAX_HEADERS; i++)
		if (!strncmp(h[i], name, n) && h[i][n] == ':')
			return r->hdr[i];
	return NULL;
}

const struct rv_buf *tb_req_body(const struct tb_req *r)
{
	return &r->body;
}

bool tb_req_gone(const struct tb_req *r)
{
	return !r->wsi;
}

void tb_req_on_gone(struct tb_req *r, void (*fn)(void *arg), void *arg)
{
	r->on_gone = fn;
	r->on_gone_arg = arg;
}

json_t *tb_req_json(struct tb_req *r)
{
	json_error_t je;
	json_t *v = json_loadb(r->body.data, r->body.len, 0, &je);

	if (!v || !json_is_object(v)) {
		tb_reply_error(r, 400, "INVALID_REQUEST_BODY",
			       "invalid body request: %s", v ?
			       "expected a JSON object" : je.text);
		json_decref(v);
		return NULL;
	}
	return v;
}

struct tb_req *tb_req_ref(struct tb_req *r)
{
	r->refs++;
	return r;
}

void *tb_req_upload(const struct tb_req *r)
{
	return r->upload;
}

void tb_req_set_upload(struct tb_req *r, void *state, void (*free_fn)(void *))
{
	r->upload = state;
	r->upload_free = free_fn;
}

static void tb_req_free_reply(struct tb_req *r)
{
	if (r->reply == TB_REPLY_STREAM && r->prod.free_fn)
		r->prod.free_fn(r->prod.arg);
	r->reply = TB_REPLY_NONE;
	memset(&r->prod, 0, sizeof(r->prod));
}

void tb_req_unref(struct tb_req *r)
{
	if (!r || --r->refs > 0)
		return;
	tb_req_free_reply(r);
	if (r->upload_free)
		r->upload_free(r->upload);
	free(r->path);
	for (int i = 0; i < r->nargs; i++)
		free(r->args[i]);
	free(r->args);
	for (int i = 0; i < TB_MAX_PARAMS; i++)
		free(r->params[i]);
	for (int i = 0; i < TB_MAX_HEADERS; i++)
		free(r->hdr[i]);
	free(r->content_type);
	free(r->authorization);
	free(r->extra_headers);
	rv_buf_release(&r->body);
	rv_buf_release(&r->out);
	free(r);
}

/* A header by lws token, malloc'ed, or NULL. */
static char *tb_hdr_token(struct lws *wsi, enum lws_token_indexes t)
{
	int n = lws_hdr_total_length(wsi, t);
	char *v;

	if (n <= 0)
		return NULL;
	v = rv_xmalloc((size_t)n + 1);
	if (lws_hdr_copy(wsi, v, n + 1, t) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

/* A custom header ("x-daytona-sdk-version:"), malloc'ed, or NULL. */
static char *tb_hdr_custom(struct lws *wsi, const char *name)
{
	int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));
	char *v;

	if (n <= 0)
		return NULL;
	v = rv_xmalloc((size_t)n + 1);
	if (lws_hdr_custom_copy(wsi, v, n + 1, name, (int)strlen(name)) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

static const struct {
	enum lws_token_indexes tok;
	const char *name;
} tb_methods[] = {
	{ WSI_TOKEN_GET_URI, "GET" },
	{ WSI_TOKEN_POST_URI, "POST" },
	{ WSI_TOKEN_DELETE_URI, "DELETE" },
	{ WSI_TOKEN_PUT_URI, "PUT" },
	{ WSI_TOKEN_PATCH_URI, "PATCH" },
	{ WSI_TOKEN_OPTIONS_URI, "OPTIONS" },
	{ WSI_TOKEN_HEAD_URI, "HEAD" },
};

static struct tb_req *tb_req_new(struct tb_server *s, struct lws *wsi,
				 const char *uri)
{
	const char *const *h = s->face->headers;
	struct tb_req *r = rv_xcalloc(1, sizeof(*r));
	char arg[4096];
	char *te;

	r->refs = 1;
	r->srv = s;
	r->wsi = wsi;
	r->path = rv_xstrdup(uri && *uri ? uri : "/");
	rv_buf_init(&r->body);
	rv_buf_init(&r->out);
	strcpy(r->method, "GET");
	for (size_t i = 0; i < sizeof(tb_methods) / sizeof(tb_methods[0]); i++)
		if (lws_hdr_total_length(wsi, tb_methods[i].tok) > 0) {
			strcpy(r->method, tb_methods[i].name);
			break;
		}
	for (int i = 0; lws_hdr_copy_fragment(wsi, arg, sizeof(arg),
					      WSI_TOKEN_HTTP_URI_ARGS, i) > 0;
	     i++) {
		r->args = rv_xreallocarray(r->args, (size_t)r->nargs + 1,
					   sizeof(*r->args));
		r->args[r->nargs++] = rv_xstrdup(arg);
	}
	for (int i = 0; h && h[i] && i < TB_MAX_HEADERS; i++)
		r->hdr[i] = tb_hdr_custom(wsi, h[i]);
	r->content_type = tb_hdr_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
	r->authorization = tb_hdr_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	te = tb_hdr_token(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
	r->chunked = te && strcasestr(te, "chunked");
	free(te);
	return r;
}

/* Does path match pattern?  Fills r->params from ":name" segments. */
static bool tb_route_match(struct tb_req *r, const char *pattern)
{
	const char *p = pattern, *s = r->path;
	int np = 0;

	while (*p && *s) {
		const char *pe = strchr(p + 1, '/'), *se = strchr(s + 1, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t sl = se ? (size_t)(se - s) : strlen(s);

		if (p[1] == ':' && sl > 1 && np < TB_MAX_PARAMS) {
			free(r->params[np]);
			r->params[np++] = rv_xstrndup(s + 1, sl - 1);
		} else if (pl != sl || strncmp(p, s, pl)) {
			return false;
		}
		p += pl;
		s += sl;
	}
	return !*p && !*s;
}

static const struct tb_route *tb_route_find(struct tb_req *r)
{
	const struct tb_route *const *tables = r->srv->face->routes;

	for (size_t t = 0; tables[t]; t++)
		for (const struct tb_route *rt = tables[t]; rt->pattern; rt++)
			if (!strcmp(rt->method, r->method) &&
			    tb_route_match(r, rt->pattern))
				return rt;
	return NULL;
}

/* --- replies ------------------------------------------------------------ */

static bool tb_reply_start(struct tb_req *r, int status, const char *ctype)
{
	if (r->reply != TB_REPLY_NONE)
		return false;	/* a handler answered twice: keep the first */
	r->status = status;
	snprintf(r->ctype, sizeof(r->ctype), "%s", ctype ? ctype : "");
	return true;
}

static void tb_reply_ready(struct tb_req *r)
{
	if (r->wsi)
		lws_callback_on_writable(r->wsi);
}

void tb_reply_data(struct tb_req *r, int status, const char *ctype,
		   const void *data, size_t len)
{
	if (!tb_reply_start(r, status, ctype))
		return;
	r->reply = TB_REPLY_BUFFER;
	rv_buf_reset(&r->out);
	rv_buf_add(&r->out, data, len);
	r->length = len;
	tb_reply_ready(r);
}

void tb_reply_empty(struct tb_req *r, int status)
{
	tb_reply_data(r, status, NULL, "", 0);
}

void tb_reply_json(struct tb_req *r, int status, json_t *body)
{
	char *s;

	if (!body) {
		tb_reply_empty(r, status);
		return;
	}
	s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (!s)
		rv_bug("toolbox: cannot serialise a reply");
	tb_reply_data(r, status, "application/json; charset=utf-8", s,
		      strlen(s));
	free(s);
}

const char *tb_status_code(int status)
{
	switch (status) {
	case 400: return "BAD_REQUEST";
	case 401: return "UNAUTHORIZED";
	case 403: return "FORBIDDEN";
	case 404: return "NOT_FOUND";
	case 408: return "REQUEST_TIMEOUT";
	case 409: return "CONFLICT";
	case 410: return "GONE";
	case 413: return "PAYLOAD_TOO_LARGE";
	case 422: return "UNPROCESSABLE_ENTITY";
	default: return "INTERNAL_SERVER_ERROR";
	}
}

void tb_reply_error(struct tb_req *r, int status, const char *code,
		    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tb_reply_json(r, status, r->srv->face->error_json(status, code, msg,
							  r->path, r->method));
}

void tb_reply_stream(struct tb_req *r, int status, const char *ctype,
		     const char *extra_headers, uint64_t length,
		     const struct tb_producer *prod)
{
	if (!tb_reply_start(r, status, ctype)) {
		if (prod->free_fn)
			prod->free_fn(prod->arg);
		return;
	}
	r->reply = TB_REPLY_STREAM;
	r->prod = *prod;
	r->length = length;
	free(r->extra_headers);
	r->extra_headers = extra_headers ? rv_xstrdup(extra_headers) : NULL;
	tb_reply_ready(r);
}

struct tb_fd_stream {
	int fd;
};

static ssize_t tb_fd_fill(void *arg, char *buf, size_t max)
{
	struct tb_fd_stream *s = arg;
	ssize_t n;

	do
		n = read(s->fd, buf, max);
	while (n < 0 && errno == EINTR);
	if (n == 0) {		/* the file shrank: keep the promised length */
		memset(buf, 0, max);
		n = (ssize_t)max;
	}
	return n;
}

static void tb_fd_free(void *arg)
{
	struct tb_fd_stream *s = arg;

	close(s->fd);
	free(s);
}

void tb_reply_fd(struct tb_req *r, int status, const char *ctype,
		 const char *extra_headers, int fd, uint64_t size)
{
	struct tb_fd_stream *s = rv_xcalloc(1, sizeof(*s));
	struct tb_producer prod = { tb_fd_fill, tb_fd_free, s };

	s->fd = fd;
	tb_reply_stream(r, status, ctype, extra_headers, size, &prod);
}

void tb_reply_open(struct tb_req *r, int status, const char *ctype,
		   const char *extra_headers)
{
	if (!tb_reply_start(r, status, ctype))
		return;
	r->reply = TB_REPLY_PUSH;
	r->close_after = true;	/* the body ends with the connection */
	rv_buf_reset(&r->out);
	free(r->extra_headers);
	r->extra_headers = extra_headers ? rv_xstrdup(extra_headers) : NULL;
	tb_reply_ready(r);
}

void tb_reply_push(struct tb_req *r, const void *data, size_t len)
{
	if (r->reply != TB_REPLY_PUSH || r->push_closed || !r->wsi || !len)
		return;
	rv_buf_add(&r->out, data, len);
	tb_reply_ready(r);
}

void tb_reply_close(struct tb_req *r)
{
	if (r->reply != TB_REPLY_PUSH)
		return;
	r->push_closed = true;
	tb_reply_ready(r);
}

size_t tb_reply_pending(const struct tb_req *r)
{
	return r->reply == TB_REPLY_PUSH ? r->out.len - r->sent : 0;
}

json_t *tb_json_bytes(const char *p, size_t len)
{
	struct rv_buf b = RV_BUF_INIT;
	json_t *v = json_stringn(p, len);

	if (v)
		return v;
	/* Go's encoding/json: each invalid byte becomes U+FFFD */
	for (size_t i = 0; i < len; ) {
		size_t n = rv_utf8_len(p + i, len - i, NULL);

		if (n) {
			rv_buf_add(&b, p + i, n);
			i += n;
		} else {
			rv_buf_adds(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	v = json_stringn(b.data, b.len);
	rv_buf_release(&b);
	if (!v)
		rv_bug("toolbox: utf-8 repair failed");
	return v;
}

/* --- the lws side ------------------------------------------------------- */

static int tb_body_bytes(void *arg, const char *data, size_t len)
{
	struct tb_req *r = arg;

	switch (r->body_kind) {
	case TB_BODY_NONE:
		break;
	case TB_BODY_BUFFER:
		if (r->body.len + len > TB_MAX_BODY)
			r->too_big = true;
		else
			rv_buf_add(&r->body, data, len);
		break;
	case TB_BODY_UPLOAD:
		r->route->upload->data(r, data, len);
		break;
	}
	return 0;
}

static void tb_dispatch(struct tb_req *r)
{
	if (r->dispatched)
		return;
	r->dispatched = true;
	if (r->bad_chunking)
		tb_reply_error(r, 400, NULL, "bad request: malformed chunked "
			       "request body");
	else if (r->too_big)
		tb_reply_error(r, 413, NULL, "request body larger than %u "
			       "bytes", TB_MAX_BODY);
	else if (!r->route)
		tb_reply_error(r, 404, NULL, "not found: no route for '%s %s'",
			       r->method, r->path);
	else
		r->route->fn(r);
}

static int tb_on_http(struct tb_server *s, struct tb_pss *pss,
		      struct lws *wsi, const char *uri)
{
	struct tb_req *r = tb_req_new(s, wsi, uri);
	char cl[32];
	bool has_cl = lws_hdr_copy(wsi, cl, sizeof(cl),
				   WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
	bool body_method = !strcmp(r->method, "POST") ||
		!strcmp(r->method, "PUT") || !strcmp(r->method, "PATCH");

	tb_req_unref(pss->req);
	pss->req = r;
	r->route = tb_route_find(r);
	r->body_kind = r->route ? r->route->body : TB_BODY_NONE;
	if (r->route && r->body_kind == TB_BODY_UPLOAD)
		r->route->upload->begin(r);
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	if (r->chunked) {
		r->close_after = true;
		return 0;
	}
	if (has_cl && (body_method || atoll(cl) > 0))
		return 0;	/* lws delivers the body, then COMPLETION */
	if (body_method)	/* no length: no body; lws would wait */
		r->close_after = true;
	tb_dispatch(r);
	return 0;
}

static int tb_on_body(struct tb_pss *pss, struct lws *wsi, const char *in,
		      size_t len)
{
	struct tb_req *r = pss->req;
	struct rv_err err = RV_ERR_INIT;
	size_t used;

	if (!r || r->dispatched)
		return 0;
	if (!r->chunked)
		return tb_body_bytes(r, in, len);
	if (tb_chunked_feed(&r->ch, in, len, &used, tb_body_bytes, r, &err))
		r->bad_chunking = true;
	if (r->ch.done || r->bad_chunking) {
		lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
		tb_dispatch(r);
	}
	return 0;
}

static int tb_write_headers(struct tb_req *r, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 2048];
	unsigned char *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof(buf) - 1;
	bool no_body = r->status == 204 || r->status == 304;

	if (lws_add_http_header_status(wsi, (unsigned)r->status, &p, end))
		return -1;
	if (r->ctype[0] && lws_add_http_header_by_token(wsi,
	    WSI_TOKEN_HTTP_CONTENT_TYPE, (unsigned char *)r->ctype,
	    (int)strlen(r->ctype), &p, end))
		return -1;
	if (!no_body && r->reply != TB_REPLY_PUSH &&
	    lws_add_http_header_content_length(wsi, r->length, &p, end))
		return -1;
	if (r->close_after && lws_add_http_header_by_token(wsi,
	    WSI_TOKEN_CONNECTION, (unsigned char *)"close", 5, &p, end))
		return -1;
	if (r->extra_headers) {
		size_t n = strlen(r->extra_headers);

		if ((size_t)(end - p) <= n)
			return -1;
		memcpy(p, r->extra_headers, n);
		p += n;
	}
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	r->headers_sent = true;
	return 0;
}

/* Write what was pushed; 1 when it is all out and the reply closed. */
static int tb_write_pushed(struct tb_req *r, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + TB_WRITE_CHUNK];
	size_t left = r->out.len - r->sent;
	size_t n = left > TB_WRITE_CHUNK ? TB_WRITE_CHUNK : left;

	if (n) {
		memcpy(buf + LWS_PRE, r->out.data + r->sent, n);
		if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP) != (int)n)
			return -1;
		r->sent += n;
	}
	if (r->sent == r->out.len) {
		rv_buf_reset(&r->out);
		r->sent = 0;
		return r->push_closed;
	}
	lws_callback_on_writable(wsi);
	return 0;
}

/* Write the next piece of the body; 1 when it is all out. */
static int tb_write_body(struct tb_req *r, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + TB_WRITE_CHUNK];
	uint64_t left = r->length - r->sent;
	size_t n = left > TB_WRITE_CHUNK ? TB_WRITE_CHUNK : (size_t)left;

	if (!left)
		return 1;
	if (r->reply == TB_REPLY_BUFFER) {
		memcpy(buf + LWS_PRE, r->out.data + r->sent, n);
	} else {
		ssize_t got = r->prod.fill(r->prod.arg, (char *)buf + LWS_PRE,
					   n);

		if (got <= 0 || (size_t)got > n)
			return -1;
		n = (size_t)got;
	}
	r->sent += n;
	if (lws_write(wsi, buf + LWS_PRE, n, r->sent == r->length ?
		      LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	return r->sent == r->length;
}

static int tb_on_writable(struct tb_pss *pss, struct lws *wsi)
{
	struct tb_req *r = pss->req;
	int done;
	bool close;

	if (!r || r->reply == TB_REPLY_NONE)
		return 0;
	if (!r->headers_sent) {
		if (tb_write_headers(r, wsi))
			return -1;
		done = r->reply == TB_REPLY_PUSH ? 0 : r->status == 204 ||
			r->status == 304 || !r->length;
		if (!done && r->reply == TB_REPLY_PUSH &&
		    !r->out.len && !r->push_closed)
			return 0;	/* wait for the first push */
	} else {
		done = r->reply == TB_REPLY_PUSH ? tb_write_pushed(r, wsi) :
			tb_write_body(r, wsi);
		if (done < 0)
			return -1;
		if (!done && r->reply == TB_REPLY_PUSH)
			return 0;	/* more when it is pushed */
	}
	if (!done) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	close = r->close_after;
	r->wsi = NULL;
	pss->req = NULL;
	tb_req_unref(r);
	if (close)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static void tb_on_closed(struct tb_server *s, struct tb_pss *pss)
{
	if (!pss)	/* closed before lws gave it per-session data */
		return;
	if (pss->req) {
		struct tb_req *r = pss->req;

		r->wsi = NULL;
		pss->req = NULL;
		if (r->on_gone) {
			void (*fn)(void *) = r->on_gone;

			r->on_gone = NULL;
			fn(r->on_gone_arg);
		}
		tb_req_unref(r);
	}
	if (pss->follow) {
		s->face->ws_closed(pss->follow);
		pss->follow = NULL;
	}
}

int tb_http_cb(struct lws *wsi, enum lws_callback_reasons reason,
		      void *user, void *in, size_t len)
{
	struct tb_pss *pss = user;
	struct tb_server *s = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return pss ? tb_on_http(s, pss, wsi, in) : -1;
	case LWS_CALLBACK_HTTP_BODY:
		return pss ? tb_on_body(pss, wsi, in, len) : -1;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!pss)
			return -1;
		if (pss->req && pss->req->chunked && !pss->req->ch.done)
			pss->req->too_big = true;
		if (pss->req)
			tb_dispatch(pss->req);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return pss ? tb_on_writable(pss, wsi) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_CLOSED:
		tb_on_closed(s, pss);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return s->face->ws_filter ? s->face->ws_filter(s, wsi) : -1;
	case LWS_CALLBACK_ESTABLISHED:
		return pss && s->face->ws_start ?
			s->face->ws_start(s, wsi, &pss->follow) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss && pss->follow ?
			s->face->ws_writable(wsi, pss->follow) : 0;
	case LWS_CALLBACK_RECEIVE:
		return 0;	/* nothing to say to us */
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols tb_protocols[] = {
	{ "http", tb_http_cb, sizeof(struct tb_pss), 4096, 0, NULL, 0 },
	{ "tb-fd", tb_watch_cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};
