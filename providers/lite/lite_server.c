#include "lite_server.h"

#include "lite.h"
#include "lite_creds.h"
#include "lite_srv.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define LITE_KEEPALIVE_IDLE_S 300

void lite_bq_add(struct lite_bq *q, const void *p, size_t n)
{
	rv_buf_add(&q->b, p, n);
}

void lite_bq_consume(struct lite_bq *q, size_t n)
{
	q->off += n;
	if (q->off >= q->b.len) {
		rv_buf_reset(&q->b);
		q->off = 0;
	} else if (q->off > 65536 && q->off > q->b.len / 2) {
		memmove(q->b.data, q->b.data + q->off, q->b.len - q->off);
		rv_buf_truncate(&q->b, q->b.len - q->off);
		q->off = 0;
	}
}

void lite_bq_release(struct lite_bq *q)
{
	rv_buf_release(&q->b);
	q->off = 0;
}

bool lite_secret_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	unsigned char d = 0;

	if (!b[0] || alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

const char *lite_conn_bearer(const struct lite_conn *c, size_t *len)
{
	const char *v = NULL;

	/* two Authorization headers: which one counts is anybody's guess */
	for (size_t i = 0; i < c->head.nhdr; i++) {
		if (strcasecmp(c->head.hdr[i].name, "authorization"))
			continue;
		if (v)
			return NULL;
		v = c->head.hdr[i].value;
	}
	return lite_bearer_token(v, len);
}

void lite_conn_want_write(struct lite_conn *c)
{
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

void lite_conn_flow(struct lite_conn *c)
{
	size_t up_q = c->up ? lite_bq_len(&c->up->out) +
		lite_bq_len(&c->up->pend) : 0;
	bool on;

	switch (c->state) {
	case LC_HEAD:
	case LC_BODY:
		on = lite_bq_len(&c->out) < LITE_HIGH_WATER;
		break;
	case LC_RELAY:
		on = c->up && !c->body.done && up_q < LITE_HIGH_WATER;
		break;
	case LC_TUNNEL:
		on = c->up && up_q < LITE_HIGH_WATER;
		break;
	case LC_LINGER:
		on = true;	/* read and discard until the client closes */
		break;
	default:
		on = false;
	}
	if (on != c->rx_on && c->wsi) {
		lws_rx_flow_control(c->wsi, on);
		c->rx_on = on;
	}
}

void lite_conn_park(struct lite_conn *c)
{
	if (!c->parked) {
		c->parked = true;
		c->next_parked = c->srv->parked;
		c->srv->parked = c;
	}
	lite_park_schedule(c->srv);
}

void lite_conn_unpark(struct lite_conn *c)
{
	if (!c->parked)
		return;
	for (struct lite_conn **pp = &c->srv->parked; *pp;
	     pp = &(*pp)->next_parked) {
		if (*pp == c) {
			*pp = c->next_parked;
			break;
		}
	}
	c->parked = false;
	c->next_parked = NULL;
}

void lite_conn_respond(struct lite_conn *c, int status, const char *headers,
		       const char *body)
{
	struct rv_buf h = RV_BUF_INIT;
	size_t blen = body ? strlen(body) : 0;

	if (!c->body.done)
		c->keep_alive = false;	/* unread body: cannot go on */
	rv_buf_addf(&h, "HTTP/1.1 %d %s\r\nServer: %s/%s\r\n",
		    status, lite_http_reason(status), c->srv->l->face->name,
		    RUNEVAL_VERSION);
	if (body)
		rv_buf_adds(&h, "Content-Type: application/json; "
			    "charset=utf-8\r\n");
	if (status != 204 && status != 304)
		rv_buf_addf(&h, "Content-Length: %zu\r\n", blen);
	rv_buf_addf(&h, "Connection: %s\r\n%s\r\n",
		    c->keep_alive ? "keep-alive" : "close",
		    headers ? headers : "");
	lite_bq_add(&c->out, h.data, h.len);
	if (blen && (!c->have_head || strcmp(c->head.method, "HEAD")))
		lite_bq_add(&c->out, body, blen);
	rv_buf_release(&h);
	lite_conn_want_write(c);
	lite_conn_finish(c);
}

void lite_conn_error(struct lite_conn *c, int status, const char *fmt, ...)
{
	char msg[512], *body;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	body = c->srv->l->face->error_body(c->have_head ? c->head.target :
					   "/", status, msg);
	lite_conn_respond(c, status, NULL, body);
	free(body);
}

void lite_conn_finish(struct lite_conn *c)
{
	if (c->have_head)
		lite_head_release(&c->head);
	c->have_head = false;
	rv_buf_reset(&c->api_body);
	/* done with a request: the first to go when connections run out */
	rv_connq_wait(&c->srv->conns, &c->node);
	if (!c->keep_alive) {
		c->state = LC_DONE;
		lite_conn_want_write(c);
	} else {
		/* idle, or already reading the next (pipelined) head */
		c->state = LC_HEAD;
		c->head_started = lite_bq_len(&c->in) > 0;
		if (c->wsi)
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
					c->head_started ?
					c->srv->head_timeout_s :
					LITE_KEEPALIVE_IDLE_S);
	}
	lite_conn_flow(c);
}

void lite_conn_api_reply(struct lite_conn *c)
{
	lite_conn_respond(c, c->resp.status ? c->resp.status : 200,
			  c->resp.headers.data, c->resp.body);
	lite_api_resp_release(&c->resp);
	c->resp = (struct lite_api_resp)LITE_API_RESP_INIT;
}

static void lite_conn_api_run(struct lite_conn *c)
{
	struct lite *l = c->srv->l;
	char *path = rv_xstrdup(c->head.target);
	char *q = strchr(path, '?');
	struct lite_api_req req = {
		.method = c->head.method, .path = path, .query = "",
		.body = c->api_body.data, .body_len = c->api_body.len,
	};

	if (q) {
		*q = '\0';
		req.query = q + 1;
	}
	c->api_fn(l, &req, &c->resp);
	free(path);
	if (c->resp.wait != LITE_WAIT_NONE &&
	    !lite_resp_wait_poll(l, &c->resp, false)) {
		c->state = LC_WAIT;
		lite_conn_park(c);
		return;
	}
	lite_conn_api_reply(c);
}

static bool lite_conn_api_body(struct lite_conn *c)
{
	size_t max = c->srv->l->conf->max_body;

	if (!c->body.done) {
		ssize_t n = lite_body_feed(&c->body, lite_bq_data(&c->in),
					   lite_bq_len(&c->in), &c->api_body);

		if (n < 0) {
			lite_conn_error(c, 400, "malformed chunked body");
			return true;
		}
		lite_bq_consume(&c->in, (size_t)n);
		if (c->api_body.len > max) {
			lite_conn_error(c, 413, "request body larger than %zu "
					"bytes", max);
			return true;
		}
		if (!c->body.done)
			return false;
	}
	lite_conn_api_run(c);
	return true;
}

void lite_conn_api_begin(struct lite_conn *c, lite_api_fn fn)
{
	struct lite_conf *conf = c->srv->l->conf;

	if (c->body.kind == LITE_BODY_LENGTH &&
	    c->body.length > conf->max_body) {
		lite_conn_error(c, 413, "request body larger than %zu bytes",
				conf->max_body);
		return;
	}
	if (!c->body.done && c->head.minor == 1 &&
	    lite_head_has_token(&c->head, "expect", "100-continue")) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		lite_bq_add(&c->out, cont, sizeof(cont) - 1);
		lite_conn_want_write(c);
	}
	rv_buf_reset(&c->api_body);
	c->api_fn = fn;
	c->state = LC_BODY;
}

void lite_conn_route(struct lite_conn *c)
{
	c->srv->l->face->route(c);
}

/* A request head was read: faults first, then route. */
static void lite_conn_dispatch(struct lite_conn *c)
{
	struct lite_faults *f = &c->srv->l->conf->faults;
	long lat;

	if (lite_fault_hit(f, f->http_5xx_rate)) {
		static const int codes[] = { 500, 502, 503 };
		int s = codes[(int)(lite_fault_uniform(f) * 3) % 3];

		lite_conn_error(c, s, "simulated server error "
				"(%s --fault-5xx-rate)", c->srv->l->face->name);
		return;
	}
	lat = lite_fault_latency_ms(f);
	if (lat > 0) {
		c->state = LC_DELAY;
		c->due_ns = rv_now_ns() + (uint64_t)lat * RV_NS_PER_MS;
		lite_conn_park(c);
		return;
	}
	lite_conn_route(c);
}

/* Read a request head if there is a whole one; false when not yet. */
static bool lite_conn_head(struct lite_conn *c)
{
	const char *p = lite_bq_data(&c->in);
	size_t len = lite_bq_len(&c->in), used = 0, end;
	enum lite_parse rc;
	int brc;

	if (!len)
		return false;
	end = lite_head_end(p, len, c->scan > 3 ? c->scan - 3 : 0);
	if (!end) {
		c->scan = len;
		if (len < LITE_HEAD_MAX)
			return false;
		c->keep_alive = false;
		lite_conn_error(c, 431, "request head larger than %d bytes",
				LITE_HEAD_MAX);
		return true;
	}
	c->scan = 0;
	rc = lite_head_parse_request(&c->head, p, len, &used);
	if (rc == LITE_PARSE_MORE) {
		lite_bq_consume(&c->in, end);	/* only empty lines */
		return lite_bq_len(&c->in) > 0;
	}
	c->body = (struct lite_body){ .done = false };
	if (rc != LITE_PARSE_OK) {
		c->keep_alive = false;
		lite_conn_error(c, rc == LITE_PARSE_TOO_BIG ? 431 : 400,
				"malformed request head");
		return true;
	}
	lite_bq_consume(&c->in, used);
	c->have_head = true;
	c->head_started = false;
	rv_connq_busy(&c->srv->conns, &c->node);
	if (c->wsi)
		lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	c->keep_alive = c->head.minor >= 1 ?
		!lite_head_has_token(&c->head, "connection", "close") :
		lite_head_has_token(&c->head, "connection", "keep-alive");
	brc = lite_body_init_request(&c->body, &c->head);
	if (brc < 0) {
		c->body.done = false;
		lite_conn_error(c, brc == -2 ? 501 : 400, brc == -2 ?
				"transfer coding not supported" :
				"invalid message framing headers");
		return true;
	}
	lite_conn_dispatch(c);
	return true;
}

void lite_conn_process(struct lite_conn *c)
{
	bool more = true;

	while (more) {
		switch (c->state) {
		case LC_HEAD:
			more = lite_conn_head(c);
			break;
		case LC_BODY:
			more = lite_conn_api_body(c);
			break;
		case LC_RELAY:
		case LC_TUNNEL:
			lite_relay_pump(c);
			more = false;
			break;
		default:
			more = false;
		}
	}
	lite_conn_flow(c);
}
