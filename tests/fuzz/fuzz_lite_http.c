/*
 * fuzz_lite_http: bytes a client sends to daytona-lite, and bytes a
 * sandbox's app answers through its relay (providers/lite/lite_http.c):
 * request and response heads, Content-Length and chunked bodies, several
 * requests pipelined on one connection.
 *
 * The requests are framed the way the server's connection loop does it
 * (daytona-lite/control/lite_server.c, lite_conn_head: an incremental
 * lite_head_end, then lite_head_parse_request, then the body), once with
 * the input whole and once fed in pieces: both must see the same
 * messages.
 */
#include "fuzz.h"

#include "lite_http.h"
#include "rv_buf.h"

#include <stdbool.h>

struct fuzz_conn {
	struct rv_buf in;	/* received, not consumed */
	size_t scan;		/* head bytes already looked at */
	bool have_head, stopped;
	struct lite_body body;
	struct rv_buf log;	/* what was framed, to compare */
};

static void fuzz_conn_consume(struct fuzz_conn *c, size_t n)
{
	FUZZ_CHECK(n <= c->in.len);
	memmove(c->in.data, c->in.data + n, c->in.len - n);
	rv_buf_truncate(&c->in, c->in.len - n);
}

static void fuzz_log_head(struct fuzz_conn *c, const struct lite_head *h)
{
	rv_buf_addf(&c->log, "head %s %s 1.%d\n", h->method, h->target,
		    h->minor);
	for (size_t i = 0; i < h->nhdr; i++)
		rv_buf_addf(&c->log, "  %s=%s\n", h->hdr[i].name,
			    h->hdr[i].value);
}

/* A head at the start of c->in: false when more bytes are needed. */
static bool fuzz_conn_head(struct fuzz_conn *c)
{
	struct lite_head h;
	size_t end, used = 0;
	enum lite_parse rc;
	int brc;

	end = lite_head_end(c->in.data, c->in.len,
			    c->scan > 3 ? c->scan - 3 : 0);
	FUZZ_CHECK(end == lite_head_end(c->in.data, c->in.len, 0));
	if (!end) {
		c->scan = c->in.len;
		if (c->in.len >= LITE_HEAD_MAX) {
			rv_buf_adds(&c->log, "431\n");
			c->stopped = true;
		}
		return false;
	}
	c->scan = 0;
	rc = lite_head_parse_request(&h, c->in.data, c->in.len, &used);
	if (rc == LITE_PARSE_MORE) {
		fuzz_conn_consume(c, end);
		return c->in.len > 0;
	}
	if (rc != LITE_PARSE_OK) {
		rv_buf_addf(&c->log, "bad %d\n", rc);
		c->stopped = true;
		return false;
	}
	FUZZ_CHECK(used >= end && used <= c->in.len);
	fuzz_log_head(c, &h);
	brc = lite_body_init_request(&c->body, &h);
	/* what the server asks of a head besides framing */
	(void)lite_head_has_token(&h, "connection", "close");
	(void)lite_head_get(&h, "x-daytona-preview-token");
	for (size_t i = 0; i < h.nhdr; i++)
		(void)lite_header_is_hop(h.hdr[i].name);
	lite_head_release(&h);
	fuzz_conn_consume(c, used);
	if (brc < 0) {
		rv_buf_addf(&c->log, "framing %d\n", brc);
		c->stopped = true;
		return false;
	}
	rv_buf_addf(&c->log, "body %d\n", (int)c->body.kind);
	c->have_head = true;
	return true;
}

/* Body bytes at the start of c->in: false when more are needed. */
static bool fuzz_conn_body(struct fuzz_conn *c)
{
	ssize_t n = lite_body_feed(&c->body, c->in.data, c->in.len, &c->log);

	if (n < 0) {
		rv_buf_adds(&c->log, "\nbad chunk\n");
		c->stopped = true;
		return false;
	}
	FUZZ_CHECK((size_t)n <= c->in.len);
	fuzz_conn_consume(c, (size_t)n);
	if (!c->body.done)
		return false;
	rv_buf_adds(&c->log, "\nend\n");
	c->have_head = false;
	return c->in.len > 0;
}

static void fuzz_conn_feed(struct fuzz_conn *c, const uint8_t *p, size_t n)
{
	bool more = true;

	if (c->stopped)
		return;
	rv_buf_add(&c->in, p, n);
	while (more && !c->stopped)
		more = c->have_head ? fuzz_conn_body(c) : fuzz_conn_head(c);
}

/* The log of the requests framed from data fed in pieces (or whole). */
static void fuzz_requests(const uint8_t *data, size_t size, bool pieces,
			  struct rv_buf *log)
{
	struct fuzz_conn c;
	struct fuzz_split sp;
	size_t off = 0, n;

	memset(&c, 0, sizeof(c));
	rv_buf_init(&c.in);
	rv_buf_init(&c.log);
	fuzz_split_init(&sp, data, size);
	while (off < size) {
		n = pieces ? fuzz_split_next(&sp, size - off) : size - off;
		fuzz_conn_feed(&c, data + off, n);
		off += n;
	}
	rv_buf_release(&c.in);
	*log = c.log;
}

/* The same data as an answer from a sandbox's app (the relay's side). */
static void fuzz_response(const uint8_t *data, size_t size)
{
	struct lite_head h;
	struct lite_body b;
	size_t used = 0;

	if (lite_head_parse_response(&h, (const char *)data, size, &used) !=
	    LITE_PARSE_OK)
		return;
	FUZZ_CHECK(used <= size && h.status >= 100 && h.status <= 999);
	if (lite_body_init_response(&b, &h, false) == 0)
		(void)lite_body_feed(&b, (const char *)data + used,
				     size - used, NULL);
	lite_head_release(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_buf whole, pieces;

	fuzz_requests(data, size, false, &whole);
	fuzz_requests(data, size, true, &pieces);
	fuzz_same(&whole, &pieces, "requests");
	fuzz_response(data, size);
	return 0;
}
