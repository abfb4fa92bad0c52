/* lite_relay's upstream side: the sandbox's answer, back to the client. */
#include "lite.h"
#include "lite_srv.h"
#include "rv_alloc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void lite_up_want_write(struct lite_up *u)
{
	if (u->wsi && lite_bq_len(&u->out))
		lws_callback_on_writable(u->wsi);
}

void lite_up_flow(struct lite_up *u)
{
	bool on = u->conn && u->state != LU_DONE &&
		lite_bq_len(&u->conn->out) < LITE_HIGH_WATER;

	if (u->wsi && on != u->rx_on) {
		lws_rx_flow_control(u->wsi, on);
		u->rx_on = on;
	}
}

void lite_up_detach(struct lite_up *u)
{
	if (u->conn)
		u->conn->up = NULL;
	u->conn = NULL;
	u->state = LU_DONE;
	if (u->wsi)
		lws_set_timeout(u->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
				LWS_TO_KILL_ASYNC);
}

void lite_relay_pump(struct lite_conn *c)
{
	struct lite_up *u = c->up;
	struct lite_bq *dst;
	size_t len = lite_bq_len(&c->in);
	ssize_t n;

	if (!u || !len)
		return;
	dst = u->state == LU_HANDSHAKE ? &u->pend : &u->out;
	if (c->state == LC_TUNNEL) {
		n = (ssize_t)len;
	} else if (!c->body.done) {
		n = lite_body_feed(&c->body, lite_bq_data(&c->in), len, NULL);
		if (n < 0) {
			lite_up_detach(u);
			lite_conn_error(c, 400, "malformed chunked body");
			return;
		}
	} else {
		return;		/* a pipelined request: after this one */
	}
	lite_bq_add(dst, lite_bq_data(&c->in), (size_t)n);
	lite_bq_consume(&c->in, (size_t)n);
	lite_up_want_write(u);
}

/* The sandbox could not answer: tell the client, if it is not too late. */
static void lite_up_fail(struct lite_up *u, int status, const char *msg)
{
	struct lite_conn *c = u->conn;

	lite_up_detach(u);
	if (!c)
		return;
	if (u->answered) {
		c->keep_alive = false;
		c->state = LC_DONE;
		lite_conn_want_write(c);
	} else {
		lite_conn_error(c, status, "%s", msg);
	}
	lite_conn_process(c);
}

/* The response is complete: the client connection goes on. */
static void lite_up_complete(struct lite_up *u)
{
	struct lite_conn *c = u->conn;

	if (u->rechunk)
		lite_bq_add(&c->out, "0\r\n\r\n", 5);
	lite_conn_want_write(c);
	lite_up_detach(u);
	if (!c->body.done)
		c->keep_alive = false;
	lite_conn_finish(c);
	lite_conn_process(c);
}

static void lite_up_body(struct lite_up *u, const char *p, size_t n)
{
	struct lite_conn *c = u->conn;
	struct rv_buf plain = RV_BUF_INIT;
	ssize_t k = lite_body_feed(&u->body, p, n, u->dechunk ? &plain : NULL);

	if (k < 0) {
		rv_buf_release(&plain);
		lite_up_fail(u, 502, "malformed chunked response");
		return;
	}
	if (u->dechunk) {
		lite_bq_add(&c->out, plain.data, plain.len);
	} else if (u->rechunk && k > 0) {
		char size[24];
		int m = snprintf(size, sizeof(size), "%zx\r\n", (size_t)k);

		lite_bq_add(&c->out, size, (size_t)m);
		lite_bq_add(&c->out, p, (size_t)k);
		lite_bq_add(&c->out, "\r\n", 2);
	} else {
		lite_bq_add(&c->out, p, (size_t)k);
	}
	rv_buf_release(&plain);
	lite_conn_want_write(c);
	lite_up_flow(u);
	if (u->body.done)
		lite_up_complete(u);
}

/* Send the response head on to the client; false when it was bad. */
static bool lite_up_answer(struct lite_up *u, const struct lite_head *h)
{
	struct lite_conn *c = u->conn;
	struct rv_buf b = RV_BUF_INIT;
	bool tunnel = h->status == 101;

	if (!tunnel && lite_body_init_response(&u->body, h,
					       u->head_request) < 0)
		return false;
	if (u->body.kind == LITE_BODY_EOF) {
		u->rechunk = c->head.minor >= 1 && c->keep_alive;
		c->keep_alive = u->rechunk;
	} else if (u->body.kind == LITE_BODY_CHUNKED && c->head.minor == 0) {
		u->dechunk = true;
		c->keep_alive = false;
	}
	rv_buf_addf(&b, "HTTP/1.1 %d %s\r\n", h->status, h->reason);
	for (size_t i = 0; i < h->nhdr; i++) {
		const char *name = h->hdr[i].name;

		if (!tunnel && (lite_header_is_hop(name) || (u->dechunk &&
		    !strcasecmp(name, "transfer-encoding"))))
			continue;
		rv_buf_addf(&b, "%s: %s\r\n", name, h->hdr[i].value);
	}
	if (u->rechunk)
		rv_buf_adds(&b, "Transfer-Encoding: chunked\r\n");
	if (!tunnel)
		rv_buf_addf(&b, "Connection: %s\r\n",
			    c->keep_alive ? "keep-alive" : "close");
	rv_buf_adds(&b, "\r\n");
	lite_bq_add(&c->out, b.data, b.len);
	rv_buf_release(&b);
	lite_conn_want_write(c);
	u->answered = true;
	u->state = tunnel ? LU_TUNNEL : LU_BODY;
	if (tunnel) {
		c->state = LC_TUNNEL;
		lite_conn_process(c);	/* client bytes already read */
	} else if (u->body.done) {
		lite_up_complete(u);	/* no body at all */
	}
	return true;
}

/* forward.sock's answer: "OK\n", or "ERR <reason>\n". */
static bool lite_up_handshake(struct lite_up *u)
{
	const char *p = lite_bq_data(&u->in);
	size_t len = lite_bq_len(&u->in);
	const char *nl = memchr(p, '\n', len);
	char msg[200];

	if (!nl) {
		if (len > 256)
			lite_up_fail(u, 502, "bad answer from the port "
				     "forwarder");
		return false;
	}
	if (nl - p >= 2 && !strncmp(p, "OK", 2)) {
		lite_bq_consume(&u->in, (size_t)(nl - p) + 1);
		lite_bq_add(&u->out, lite_bq_data(&u->pend),
			    lite_bq_len(&u->pend));
		lite_bq_release(&u->pend);
		u->state = LU_HEAD;
		lite_up_want_write(u);
		return true;
	}
	snprintf(msg, sizeof(msg), "nothing answers on port %d in the "
		 "sandbox (%.*s)", u->port, (int)(nl - p > 100 ? 100 : nl - p),
		 p);
	lite_up_fail(u, 502, msg);
	return false;
}

/* Parse what the sandbox sent so far; false when waiting for more. */
static bool lite_up_parse(struct lite_up *u)
{
	struct lite_head h;
	size_t used = 0;
	enum lite_parse rc;

	if (u->state == LU_HANDSHAKE)
		return lite_up_handshake(u);
	rc = lite_head_parse_response(&h, lite_bq_data(&u->in),
				      lite_bq_len(&u->in), &used);
	if (rc == LITE_PARSE_MORE)
		return false;
	if (rc != LITE_PARSE_OK) {
		lite_up_fail(u, 502, "malformed response from the sandbox");
		return false;
	}
	lite_bq_consume(&u->in, used);
	/* interim answers (100 Continue) were given to the client already */
	if (h.status < 200 && h.status != 101) {
		lite_head_release(&h);
		return true;
	}
	if (!lite_up_answer(u, &h)) {
		lite_head_release(&h);
		lite_up_fail(u, 502, "malformed response framing from the "
			     "sandbox");
		return false;
	}
	lite_head_release(&h);
	return true;
}

void lite_up_rx(struct lite_up *u, const char *p, size_t n)
{
	if (!u->conn)
		return;
	if (u->state == LU_TUNNEL) {
		lite_bq_add(&u->conn->out, p, n);
		lite_conn_want_write(u->conn);
		lite_up_flow(u);
		return;
	}
	if (u->state == LU_BODY) {
		lite_up_body(u, p, n);
		return;
	}
	lite_bq_add(&u->in, p, n);
	while (u->conn && (u->state == LU_HANDSHAKE || u->state == LU_HEAD))
		if (!lite_up_parse(u))
			return;
	/* what came after the head */
	if (u->conn && lite_bq_len(&u->in)) {
		struct lite_bq rest = u->in;

		u->in = (struct lite_bq){ RV_BUF_INIT, 0 };
		lite_up_rx(u, lite_bq_data(&rest), lite_bq_len(&rest));
		lite_bq_release(&rest);
	}
}

int lite_up_writeable(struct lite_up *u)
{
	struct lite_srv *srv = u->srv;
	size_t n = lite_bq_len(&u->out);

	if (!u->conn)
		return -1;
	if (!n)
		return 0;
	if (n > LITE_WRITE_CHUNK)
		n = LITE_WRITE_CHUNK;
	memcpy(srv->scratch + LWS_PRE, lite_bq_data(&u->out), n);
	if (lws_write(u->wsi, srv->scratch + LWS_PRE, n, LWS_WRITE_RAW) <
	    (int)n)
		return -1;
	lite_bq_consume(&u->out, n);
	lite_up_want_write(u);
	lite_conn_flow(u->conn);
	return 0;
}

void lite_up_closed(struct lite_up *u)
{
	struct lite_conn *c = u->conn;

	u->wsi = NULL;
	if (c && !u->srv->quit) {
		switch (u->state) {
		case LU_BODY:
			if (u->body.kind == LITE_BODY_EOF)
				lite_up_complete(u);
			else
				lite_up_fail(u, 502, "truncated response");
			break;
		case LU_TUNNEL:
			lite_up_detach(u);
			c->state = LC_DONE;
			lite_conn_want_write(c);
			break;
		default:
			lite_up_fail(u, 502, "the sandbox closed the "
				     "connection without answering");
		}
	}
	/* the client's connection, still open when the server quits (its
	   close comes later in the context's teardown), forgets u: it wrote
	   through the freed u then */
	if (u->conn)
		u->conn->up = NULL;
	lite_bq_release(&u->in);
	lite_bq_release(&u->out);
	lite_bq_release(&u->pend);
	free(u);
}
