/* envd: Connect RPC as JSON over HTTP/1.1 (envelopes, errors, bytes). */
#include "envd.h"

#include "rv_alloc.h"
#include "rv_json.h"
#include "toolbox_http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENVD_MAX_MESSAGE (16u << 20)

static const struct {
	const char *text;
	int status;
} envd_codes[] = {
#define ENVD_CODE_ROW_(name, text, status) { text, status },
	ENVD_CODE_MAP(ENVD_CODE_ROW_)
#undef ENVD_CODE_ROW_
};

void envd_frame(struct rv_buf *out, unsigned char flags, const json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n = text ? strlen(text) : 0;
	unsigned char head[5] = { flags, (unsigned char)(n >> 24),
				  (unsigned char)(n >> 16),
				  (unsigned char)(n >> 8), (unsigned char)n };

	if (!text)
		rv_bug("envd: cannot serialise a message");
	rv_buf_add(out, head, sizeof(head));
	rv_buf_add(out, text, n);
	free(text);
}

/* The JSON message of a stream request's one envelope, or NULL + why. */
static json_t *envd_unframe(const struct rv_buf *body, char *why, size_t size)
{
	const unsigned char *p = (const unsigned char *)body->data;
	size_t len;

	if (body->len < 5) {
		snprintf(why, size, "the request is not a Connect envelope");
		return NULL;
	}
	len = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 |
		p[4];
	if (p[0] & 0x01) {
		snprintf(why, size, "compressed messages are not supported");
		return NULL;
	}
	if (len > ENVD_MAX_MESSAGE || len != body->len - 5) {
		snprintf(why, size, "the envelope's length (%zu) is not the "
			 "body's (%zu)", len, body->len - 5);
		return NULL;
	}
	return rv_json_parse(body->data + 5, len, "message", NULL);
}

json_t *envd_rpc_request(struct tb_req *r, bool stream)
{
	const struct rv_buf *body = tb_req_body(r);
	const char *ctype = tb_req_header(r, "content-type");
	const char *want = stream ? "application/connect+json" :
		"application/json";
	char why[200] = "";
	json_t *msg = NULL;

	if (!ctype || strncasecmp(ctype, want, strlen(want)) ||
	    (ctype[strlen(want)] && ctype[strlen(want)] != ';'))
		snprintf(why, sizeof(why), "content type '%s' is not '%s' "
			 "(only Connect's JSON codec is served)",
			 ctype ? ctype : "", want);
	else if (stream)
		msg = envd_unframe(body, why, sizeof(why));
	else
		msg = body->len ? rv_json_parse(body->data, body->len,
						"message", NULL) : json_object();
	if (!msg && !why[0])
		snprintf(why, sizeof(why), "the message is not JSON");
	if (msg && !json_is_object(msg)) {
		json_decref(msg);
		msg = NULL;
		snprintf(why, sizeof(why), "the message is not a JSON object");
	}
	if (!msg)
		envd_rpc_error(r, stream, ENVD_INVALID_ARGUMENT, "%s", why);
	return msg;
}

void envd_rpc_reply(struct tb_req *r, json_t *msg)
{
	tb_reply_json(r, 200, msg);
}

void envd_stream_open(struct tb_req *r)
{
	tb_reply_open(r, 200, "application/connect+json", NULL);
}

void envd_stream_send(struct tb_req *r, const json_t *msg)
{
	struct rv_buf b = RV_BUF_INIT;

	envd_frame(&b, 0, msg);
	tb_reply_push(r, b.data, b.len);
	rv_buf_release(&b);
}

void envd_stream_end(struct tb_req *r, enum envd_code code,
		     const char *error)
{
	struct rv_buf b = RV_BUF_INIT;
	json_t *end = error ? json_pack("{s:{s:s,s:s}}", "error", "code",
					envd_codes[code].text, "message",
					error) : json_object();

	envd_frame(&b, ENVD_FRAME_END, end);
	tb_reply_push(r, b.data, b.len);
	tb_reply_close(r);
	rv_buf_release(&b);
	json_decref(end);
}

void envd_rpc_error(struct tb_req *r, bool stream, enum envd_code code,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (stream) {
		envd_stream_open(r);
		envd_stream_end(r, code, msg);
		return;
	}
	tb_reply_json(r, envd_codes[code].status, json_pack("{s:s,s:s}",
		      "code", envd_codes[code].text, "message", msg));
}

bool envd_json_pid(const json_t *v, pid_t *pid)
{
	json_int_t n;
	char *end;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v)) {
		/* proto3 JSON may quote integers; all digits, nothing else */
		const char *s = json_string_value(v);

		if (*s < '0' || *s > '9')
			return false;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno || *end)
			return false;
	} else {
		return false;
	}
	if (n <= 0 || n > 0x7fffffff)
		return false;
	*pid = (pid_t)n;
	return true;
}

json_t *envd_json_bytes(const char *p, size_t n)
{
	struct rv_buf b = RV_BUF_INIT;
	json_t *v;

	rv_buf_add_base64(&b, p, n);
	v = json_stringn(b.data, b.len);
	rv_buf_release(&b);
	return v;
}

bool envd_json_unbytes(const json_t *v, struct rv_buf *out)
{
	if (!v || json_is_null(v))
		return true;	/* proto3: absent bytes are empty */
	return json_is_string(v) && rv_buf_add_unbase64(out,
			json_string_value(v), json_string_length(v));
}
