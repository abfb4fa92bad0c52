/* lite_route: API answers, parked answers, routing, request helpers. */
#include "lite_route.h"

#include "lite.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lite_api_resp_release(struct lite_api_resp *resp)
{
	rv_buf_release(&resp->headers);
	free(resp->body);
	json_decref(resp->snapshot);
	resp->body = NULL;
	resp->snapshot = NULL;
}

void lite_resp_json(struct lite_api_resp *resp, int status, json_t *v)
{
	free(resp->body);
	resp->body = v ? rv_json_dumps(v) : NULL;
	resp->status = status;
	json_decref(v);
}

void lite_resp_error(const struct lite *l, struct lite_api_resp *resp,
		     const char *path, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(resp->body);
	resp->body = l->face->error_body(path ? path : "/", status, msg);
	resp->status = status;
	resp->wait = LITE_WAIT_NONE;
}

void lite_resp_park(const struct lite *l, struct lite_api_resp *resp,
		    const struct lite_sandbox *sb, enum lite_wait wait,
		    json_t *snapshot)
{
	resp->wait = wait;
	snprintf(resp->wait_id, sizeof(resp->wait_id), "%s", sb->id);
	resp->deadline_ns = rv_now_ns() +
		(uint64_t)l->conf->create_wait_ms * RV_NS_PER_MS;
	json_decref(resp->snapshot);
	resp->snapshot = snapshot;
	resp->status = 200;
}

bool lite_resp_wait_poll(struct lite *l, struct lite_api_resp *resp,
			 bool force)
{
	struct lite_sandbox *sb;
	bool done;

	if (resp->wait == LITE_WAIT_NONE)
		return true;
	lite_store_lock(l->store);
	sb = lite_store_find(l->store, resp->wait_id);
	if (sb && strcmp(sb->id, resp->wait_id))
		sb = NULL;	/* found by name: not ours */
	/* a start is over when its job is and the sandbox no longer starts
	   (one that is stuck starting waits out the deadline) */
	done = !sb || (resp->wait != LITE_WAIT_DESTROY && !sb->busy &&
		       (resp->wait != LITE_WAIT_START ||
			(sb->state != LITE_CREATING &&
			 sb->state != LITE_STARTING &&
			 sb->state != LITE_RESTORING)));
	if (done || force || rv_now_ns() >= resp->deadline_ns) {
		l->face->answer(l, sb, resp);
		resp->wait = LITE_WAIT_NONE;
		done = true;
	}
	lite_store_unlock(l->store);
	return done;
}

/* --- routing ----------------------------------------------------------- */

static bool lite_route_match(const struct lite_route *r,
			     const struct lite_ctx *c)
{
	const char *p = r->pattern;
	int i = 0;

	for (; *p; i++) {
		size_t n = strcspn(p, "/");

		if (i >= c->nseg)
			return false;
		if (!(n == 1 && *p == '*') &&
		    (strlen(c->seg[i]) != n || strncmp(c->seg[i], p, n)))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return i == c->nseg;
}

/* Split the path after prefix into decoded segments; false: too many. */
static bool lite_split(struct lite_ctx *c, const char *path,
		       const char *prefix)
{
	const char *p = path;

	if (!strncmp(p, prefix, strlen(prefix)))
		p += strlen(prefix);
	while (*p == '/')
		p++;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (c->nseg == LITE_MAX_SEGS)
			return false;
		c->seg[c->nseg++] = lite_pct_decode(p, n, false);
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

void lite_route_run(struct lite *l, const struct lite_route *routes,
		    size_t n, const char *not_found,
		    const struct lite_api_req *req,
		    struct lite_api_resp *resp)
{
	struct lite_ctx c = { .l = l, .req = req, .resp = resp };
	const struct lite_route *r = NULL;

	resp->status = 200;
	if (lite_split(&c, req->path, l->face->api_path))
		for (size_t i = 0; i < n && !r; i++)
			if (lite_route_match(&routes[i], &c) &&
			    !strcmp(routes[i].method, req->method))
				r = &routes[i];
	lite_store_lock(l->store);
	if (!r) {
		lite_fail(&c, 404, "Cannot %s %s", req->method, req->path);
	} else if (r->sb_seg >= 0 &&
		   !(c.sb = lite_store_find(l->store, c.seg[r->sb_seg]))) {
		/* not_found is the face's constant format */
		lite_fail(&c, 404, not_found, c.seg[r->sb_seg]);
	} else {
		r->fn(&c);
	}
	lite_store_unlock(l->store);
	for (int i = 0; i < c.nseg; i++)
		free(c.seg[i]);
}

/* --- request helpers --------------------------------------------------- */

const char *lite_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 400 ? "OK" : "Error";
	}
}

char *lite_pct_decode(const char *s, size_t n, bool plus_is_space)
{
	char *out = rv_xmalloc(n + 1), *d = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+' && plus_is_space) {
			*d++ = ' ';
		} else if (s[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			*d++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	return out;
}

char *lite_query_get(const char *query, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p && *p) {
		size_t n = strcspn(p, "&");

		if (n >= nlen && !strncmp(p, name, nlen) &&
		    (p[nlen] == '=' || n == nlen)) {
			const char *v = p[nlen] == '=' ? p + nlen + 1 : p + n;
			/* form encoding: '+' is a space */
			return lite_pct_decode(v, (size_t)(p + n - v), true);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return NULL;
}

bool lite_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool lite_str_map(const json_t *v, const char *field, bool env_names,
		  char *why, size_t size)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v)) {
		snprintf(why, size, "%s must be an object", field);
		return false;
	}
	json_object_foreach((json_t *)v, k, x) {
		if (!json_is_string(x)) {
			snprintf(why, size, "%s.%s must be a string", field, k);
			return false;
		}
		if (env_names && !lite_env_name_ok(k)) {
			snprintf(why, size, "%s key '%s' is not a valid "
				 "environment variable name", field, k);
			return false;
		}
	}
	return true;
}

json_t *lite_ctx_body(struct lite_ctx *c)
{
	struct rv_err err = RV_ERR_INIT;
	json_t *body = c->req->body_len ? rv_json_parse(c->req->body,
						       c->req->body_len,
						       "request body", &err) :
		json_object();

	if (!body || !json_is_object(body)) {
		lite_fail(c, 400, "Invalid request body: %s", body ?
			  "expected a JSON object" : err.msg);
		json_decref(body);
		return NULL;
	}
	return body;
}
