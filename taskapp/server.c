/*
 * server: libwebsockets glue.  One struct conn per connection (lws
 * keeps it across keep-alive requests, so it is reset per request); one
 * struct server_job per rollout handed to the pool.
 *
 * Threads: everything here runs on the service thread except job_run()
 * (a worker), which touches only its job and, under s->lock, the done
 * list.  A job belongs to the service thread until submitted, to its
 * worker until it is on the done list, and to the service thread again
 * after; job->conn is only touched on the service thread.
 */
#include "server.h"

#include "app.h"
#include "info.h"
#include "pool.h"
#include "rollout.h"
#include "routes.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_connq.h"
#include "rv_json.h"
#include "rv_log.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SERVER_MAX_QUERY 256
#define SERVER_CHUNK 16384

struct conn;

struct server_job {
	struct taskapp_pool_item item;		/* first: the pool's view */
	struct taskapp_server *srv;
	struct conn *conn;			/* NULL once it hung up */
	struct taskapp_rollout_req req;
	volatile int cancel;
	json_t *resp;				/* the worker's result */
	struct server_job *next_done;
	struct server_job *prev, *next;		/* live jobs */
};

struct conn {
	struct lws *wsi;
	enum taskapp_route route;
	enum taskapp_method method;
	struct rv_buf body;
	bool body_over;
	struct server_job *job;
	/* the reply being written */
	bool replying, headers_sent;
	bool close_after;	/* lws still expects a body: close instead */
	int status;
	const char *hname;	/* one extra header ("allow:"), or NULL */
	const char *hvalue;
	char *out;
	size_t out_len, out_off;
};

/* A client connection, from accept to close (the wsi's opaque data). */
struct server_peer {
	struct rv_connq_node node;
	struct lws *wsi;
};

struct taskapp_server {
	const struct taskapp_app *app;
	struct lws_context *ctx;
	int port;
	struct rv_connq conns;			/* service thread only */
	struct taskapp_pool *pool;
	struct server_job *live;		/* service thread only */
	unsigned long long done_count;
	pthread_mutex_t lock;			/* guards done */
	struct server_job *done;
};

static void conn_reset(struct conn *c)
{
	rv_buf_release(&c->body);
	free(c->out);
	c->out = NULL;
	c->body_over = false;
	c->replying = c->headers_sent = c->close_after = false;
	c->out_len = c->out_off = 0;
	c->hname = c->hvalue = NULL;
}

/*
 * Start answering with status, body (taken) and an optional extra header
 * (static strings); the rest on writable.
 */
static void conn_reply_h(struct conn *c, int status, json_t *body,
			 const char *hname, const char *hvalue)
{
	c->out = rv_json_dumps(body);
	json_decref(body);
	c->out_len = strlen(c->out);
	c->out_off = 0;
	c->status = status;
	c->hname = hname;
	c->hvalue = hvalue;
	c->replying = true;
	c->headers_sent = false;
	lws_callback_on_writable(c->wsi);
}

static void conn_reply(struct conn *c, int status, json_t *body)
{
	conn_reply_h(c, status, body, NULL, NULL);
}

static void conn_reply_r(struct conn *c, struct taskapp_reply *r)
{
	conn_reply_h(c, r->status, r->body, r->allow ? "allow:" : NULL, r->allow);
	r->body = NULL;
}

static int conn_write_headers(struct conn *c)
{
	uint8_t buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start;
	uint8_t *end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(c->wsi, (unsigned)c->status,
					"application/json", c->out_len, &p, end))
		return -1;
	if (c->hname && lws_add_http_header_by_name(c->wsi,
			(const unsigned char *)c->hname,
			(const unsigned char *)c->hvalue,
			(int)strlen(c->hvalue), &p, end))
		return -1;
	if (lws_finalize_write_http_header(c->wsi, start, &p, end))
		return -1;
	c->headers_sent = true;
	return 0;
}

/*
 * A client connected: count it; at the bound close the connection that
 * has waited longest for a request head, or refuse this one when every
 * connection is busy with a request.  -1 refuses.
 */
static int peer_new(struct taskapp_server *s, struct lws *wsi)
{
	struct server_peer *p = rv_xcalloc(1, sizeof(*p));
	struct server_peer *victim;
	bool refuse;

	victim = rv_connq_add(&s->conns, &p->node, p, &refuse);
	if (refuse) {
		free(p);
		return -1;
	}
	/* now: its headers go to the new one, and nothing can revive it */
	if (victim)
		lws_set_timeout(victim->wsi, PENDING_TIMEOUT_USER_OK,
				LWS_TO_KILL_SYNC);
	p->wsi = wsi;
	lws_set_opaque_user_data(wsi, p);
	return 0;
}

/* wsi waits for a request head (true) or is busy with one (false). */
static void peer_waiting(struct lws *wsi, bool waiting)
{
	struct taskapp_server *s = lws_context_user(lws_get_context(wsi));
	struct server_peer *p = lws_get_opaque_user_data(wsi);

	if (!p)
		return;
	if (waiting)
		rv_connq_wait(&s->conns, &p->node);
	else
		rv_connq_busy(&s->conns, &p->node);
}

static void peer_gone(struct taskapp_server *s, struct lws *wsi)
{
	struct server_peer *p = lws_get_opaque_user_data(wsi);

	if (!p)
		return;
	rv_connq_remove(&s->conns, &p->node);
	lws_set_opaque_user_data(wsi, NULL);
	free(p);
}

/* One writable turn: headers, then the body in chunks. */
static int conn_writable(struct conn *c)
{
	uint8_t buf[LWS_PRE + SERVER_CHUNK];
	struct lws *wsi;
	size_t n;
	int final;

	if (!c->replying)
		return 0;
	if (!c->headers_sent) {
		if (conn_write_headers(c))
			return -1;
		if (c->method != TASKAPP_HEAD && c->out_len) {
			lws_callback_on_writable(c->wsi);
			return 0;
		}
		c->out_off = c->out_len;
	} else {
		n = c->out_len - c->out_off;
		if (n > SERVER_CHUNK)
			n = SERVER_CHUNK;
		final = c->out_off + n == c->out_len;
		memcpy(buf + LWS_PRE, c->out + c->out_off, n);
		if (lws_write(c->wsi, buf + LWS_PRE, n, final ?
			      LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
			return -1;
		c->out_off += n;
		if (!final) {
			lws_callback_on_writable(c->wsi);
			return 0;
		}
	}
	if (c->close_after)
		return -1;
	conn_reset(c);
	wsi = c->wsi;	/* c may be freed with the transaction */
	if (lws_http_transaction_completed(wsi))
		return -1;
	peer_waiting(wsi, true);	/* kept alive: waits for a head */
	return 0;
}

/* A request header's value (malloc'ed), or NULL when absent. */
static char *conn_header(struct lws *wsi, const char *custom, int token)
{
	int len = custom ? lws_hdr_custom_length(wsi, custom, (int)strlen(custom)) :
		lws_hdr_total_length(wsi, (enum lws_token_indexes)token);
	char *v;

	if (len <= 0)
		return NULL;
	v = rv_xmalloc((size_t)len + 1);
	if ((custom ? lws_hdr_custom_copy(wsi, v, len + 1, custom,
					  (int)strlen(custom)) :
	     lws_hdr_copy(wsi, v, len + 1, (enum lws_token_indexes)token)) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

static enum taskapp_method conn_method(struct lws *wsi)
{
	char *uri;
	int len;

	switch (lws_http_get_uri_and_method(wsi, &uri, &len)) {
	case LWSHUMETH_GET:
		return TASKAPP_GET;
	case LWSHUMETH_HEAD:
		return TASKAPP_HEAD;
	case LWSHUMETH_POST:
		return TASKAPP_POST;
	default:
		return TASKAPP_OTHER;
	}
}

static size_t conn_query(struct lws *wsi, char **q)
{
	char buf[1024];
	size_t n = 0;

	while (n < SERVER_MAX_QUERY &&
	       lws_hdr_copy_fragment(wsi, buf, sizeof(buf),
				     WSI_TOKEN_HTTP_URI_ARGS, (int)n) > 0)
		q[n++] = rv_xstrdup(buf);
	return n;
}

static void server_load(struct taskapp_server *s, struct taskapp_load *l)
{
	taskapp_pool_load(s->pool, &l->running, &l->queued);
	l->done = s->done_count;
}

static void conn_get(struct taskapp_server *s, struct conn *c)
{
	struct taskapp_reply r = { 0 };
	struct taskapp_load load;
	char *q[SERVER_MAX_QUERY];
	size_t nq = conn_query(c->wsi, q);

	server_load(s, &load);
	taskapp_route_get(s->app, c->route, q, nq, &load, &r);
	conn_reply_r(c, &r);
	for (size_t i = 0; i < nq; i++)
		free(q[i]);
}

static int conn_body_done(struct taskapp_server *s, struct conn *c);

/*
 * A POST without Content-Length: HTTP/1.1 says the body is empty unless
 * it is chunked, which we do not take.  lws would wait for a body, so
 * answer now and close after.
 */
static void conn_no_length(struct taskapp_server *s, struct conn *c,
			   struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
		conn_reply(c, 411, taskapp_error_body("length_required",
			"send the body with a Content-Length"));
	else
		conn_body_done(s, c);
}

/* LWS_CALLBACK_HTTP: the headers are in. */
static int conn_http(struct taskapp_server *s, struct lws *wsi, struct conn *c,
		     const char *path)
{
	struct taskapp_auth_headers h;
	struct taskapp_reply r;
	char *cl = conn_header(wsi, NULL, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	long long content_length = cl ? atoll(cl) : -1;
	bool answered;

	conn_reset(c);
	c->wsi = wsi;
	c->method = conn_method(wsi);
	h.x_api_key = conn_header(wsi, "x-api-key:", 0);
	h.x_api_keys = conn_header(wsi, "x-api-keys:", 0);
	h.authorization = conn_header(wsi, NULL, WSI_TOKEN_HTTP_AUTHORIZATION);
	answered = taskapp_route_begin(s->app, c->method, path, &h,
				       content_length, &c->route, &r);
	free((char *)h.x_api_key);
	free((char *)h.x_api_keys);
	free((char *)h.authorization);
	free(cl);
	if (answered)
		conn_reply_r(c, &r);
	else if (c->method != TASKAPP_POST)
		conn_get(s, c);
	else if (content_length < 0)
		conn_no_length(s, c, wsi);
	/* POST: the body follows (lws discards it after an early answer) */
	if (c->method == TASKAPP_POST && content_length < 0)
		c->close_after = true;
	return 0;
}

static int conn_body(struct conn *c, const void *data, size_t len)
{
	if (c->replying)
		return 0;
	if (c->body.len + len > TASKAPP_MAX_BODY)
		c->body_over = true;
	else
		rv_buf_add(&c->body, data, len);
	return 0;
}

/* One line per rollout in the app's log (what runeval keeps). */
static void job_log(const struct server_job *j)
{
	const char *id = j->req.trace_id ? j->req.trace_id : "";
	char safe[65];
	size_t n = 0;
	double reward = -1, ms = 0;
	const char *status = json_string_value(json_object_get(j->resp,
							       "success_status"));
	const char *detail = json_string_value(json_object_get(j->resp,
							       "status_detail"));

	for (; id[n] && n < sizeof(safe) - 1; n++)	/* client text: printable */
		safe[n] = id[n] >= 0x20 && id[n] < 0x7f ? id[n] : '?';
	safe[n] = '\0';
	rv_json_num(j->resp, "reward_info.outcome_reward", &reward);
	rv_json_num(j->resp, "reward_info.details.latency_ms", &ms);
	rv_info("rollout '%s' seed %lld policy %s: reward %.3g, %s (%.150s), "
		"%.0f ms", safe, j->req.seed, taskapp_policy_name(j->req.policy),
		reward, status ? status : "?", detail ? detail : "", ms);
}

static void job_run(struct taskapp_pool_item *item, unsigned slot)
{
	struct server_job *j = (struct server_job *)item;
	struct taskapp_server *s = j->srv;

	if (!j->cancel) {
		j->resp = taskapp_rollout_run(s->app, &j->req, slot, &j->cancel);
		job_log(j);
	}
	pthread_mutex_lock(&s->lock);
	j->next_done = s->done;
	s->done = j;
	pthread_mutex_unlock(&s->lock);
	lws_cancel_service(s->ctx);
}

static void job_free(struct taskapp_server *s, struct server_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		s->live = j->next;
	if (j->next)
		j->next->prev = j->prev;
	taskapp_rollout_req_release(&j->req);
	json_decref(j->resp);
	free(j);
}

static void conn_rollout(struct taskapp_server *s, struct conn *c)
{
	struct server_job *j = rv_xcalloc(1, sizeof(*j));
	json_t *detail;

	unsigned running, queued;

	if (!taskapp_rollout_parse(c->body.data, c->body.len, &j->req, &detail)) {
		free(j);
		conn_reply(c, 422, json_pack("{s:o}", "detail", detail));
		return;
	}
	taskapp_pool_load(s->pool, &running, &queued);
	if (queued >= TASKAPP_MAX_QUEUE) {
		taskapp_rollout_req_release(&j->req);
		free(j);
		conn_reply_h(c, 503, taskapp_error_body("busy", "too many "
			     "rollouts are waiting; retry later"),
			     "retry-after:", "1");
		return;
	}
	j->item.run = job_run;
	j->srv = s;
	j->conn = c;
	j->next = s->live;
	if (s->live)
		s->live->prev = j;
	s->live = j;
	c->job = j;
	if (!taskapp_pool_submit(s->pool, &j->item)) {
		c->job = NULL;
		job_free(s, j);
		conn_reply(c, 503, taskapp_error_body("shutting_down",
			"the task app is stopping"));
	}
}

/* LWS_CALLBACK_HTTP_BODY_COMPLETION */
static int conn_body_done(struct taskapp_server *s, struct conn *c)
{
	if (c->replying)
		return 0;	/* answered early; lws discarded the body */
	if (c->body_over)
		conn_reply(c, 413, taskapp_error_body("payload_too_large",
			"request body is larger than 1 MiB"));
	else if (c->route == TASKAPP_ROUTE_ROLLOUT)
		conn_rollout(s, c);
	else
		conn_reply(c, 200, json_pack("{s:b, s:s}", "ok", 1, "service",
					     TASKAPP_SERVICE));
	return 0;
}

/* Deliver finished rollouts (service thread). */
static void server_drain(struct taskapp_server *s)
{
	struct server_job *j, *next;

	pthread_mutex_lock(&s->lock);
	j = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	for (; j; j = next) {
		next = j->next_done;
		s->done_count++;
		if (j->conn) {
			j->conn->job = NULL;
			if (j->resp) {
				conn_reply(j->conn, 200, j->resp);
				j->resp = NULL;
			} else {
				conn_reply(j->conn, 503, taskapp_error_body(
					"shutting_down", "the task app is "
					"stopping"));
			}
		}
		job_free(s, j);
	}
}

static int server_cb(struct lws *wsi, enum lws_callback_reasons reason,
		     void *user, void *in, size_t len)
{
	struct taskapp_server *s = lws_context_user(lws_get_context(wsi));
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		return s ? peer_new(s, wsi) : 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (s)
			peer_gone(s, wsi);
		return 0;
	case LWS_CALLBACK_HTTP:
		peer_waiting(wsi, false);
		return conn_http(s, wsi, c, in ? (const char *)in : "/");
	case LWS_CALLBACK_HTTP_BODY:
		return conn_body(c, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return conn_body_done(s, c);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c ? conn_writable(c) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		if (c && c->job) {
			c->job->conn = NULL;
			c->job->cancel = 1;
			c->job = NULL;
		}
		if (c)
			conn_reset(c);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (s)
			server_drain(s);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols server_protocols[] = {
	{ "http", server_cb, sizeof(struct conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

enum rv_code taskapp_server_new(const struct taskapp_app *app,
				const char *host, int port,
				const struct taskapp_server_limits *lim,
				struct taskapp_server **out, struct rv_err *err)
{
	struct taskapp_server *s = rv_xcalloc(1, sizeof(*s));
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	unsigned max;

	*out = NULL;
	s->app = app;
	pthread_mutex_init(&s->lock, NULL);
	/* lws gets room for a burst of new ones while shed ones close */
	max = rv_connq_fit(lim->max_connections, 2, 256);
	if (max < lim->max_connections)
		rv_warn("at most %u connections fit the descriptor limit "
			"(--max-connections %u)", max, lim->max_connections);
	rv_connq_init(&s->conns, max);
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = host;
	info.protocols = server_protocols;
	info.user = s;
	info.server_string = "taskapp";
	info.timeout_secs = 30;
	info.keepalive_timeout = 30;
	/* a head must be whole this long after its connection took headers */
	info.timeout_secs_ah_idle = lim->head_timeout_s;
	info.fd_limit_per_thread = 2 * max + 64;
	/* headers for every connection lws may hold: none waits for them */
	info.max_http_header_pool2 = info.fd_limit_per_thread;
	info.max_http_header_data = 16384;
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	if (!strchr(host, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	lws_set_log_level(LLL_ERR, NULL);
	s->ctx = lws_create_context(&info);
	if (!s->ctx) {
		free(s);
		return rv_errf(err, RV_ERR_INTERNAL, "cannot create the HTTP "
			       "server context");
	}
	vh = lws_create_vhost(s->ctx, &info);
	/* an address of no interface here: lws would wait for one */
	if (!vh || lws_get_vhost_listen_port(vh) <= 0) {
		lws_context_destroy(s->ctx);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return rv_errf(err, RV_ERR_IO, "cannot listen on '%s' port %d",
			       host, port);
	}
	s->port = lws_get_vhost_listen_port(vh);
	s->pool = taskapp_pool_new(app->workers);
	*out = s;
	return RV_OK;
}

int taskapp_server_port(const struct taskapp_server *s)
{
	return s->port;
}

void taskapp_server_run(struct taskapp_server *s, volatile sig_atomic_t *stop)
{
	while (!*stop)
		if (lws_service(s->ctx, 0) < 0)
			break;
}

void taskapp_server_wake(struct taskapp_server *s)
{
	if (s && s->ctx)
		lws_cancel_service(s->ctx);
}

void taskapp_server_free(struct taskapp_server *s)
{
	if (!s)
		return;
	for (struct server_job *j = s->live; j; j = j->next)
		j->cancel = 1;
	taskapp_pool_free(s->pool);	/* every job is on the done list now */
	for (struct server_job *j = s->live; j; j = j->next)
		if (j->conn) {
			j->conn->job = NULL;
			j->conn = NULL;
		}
	while (s->live)
		job_free(s, s->live);
	s->done = NULL;
	lws_context_destroy(s->ctx);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
