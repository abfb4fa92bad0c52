/* lite_server: the libwebsockets loop, timers, signals, writes. */
#include "lite_server.h"

#include "lite.h"
#include "lite_srv.h"
#include "lite_tls.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

static void lite_parked_run(struct lite_srv *srv);

static void lite_on_park_timer(lws_sorted_usec_list_t *sul)
{
	struct lite_srv *srv = lws_container_of(sul, struct lite_srv,
						 sul_park);

	srv->park_due = 0;
	lite_parked_run(srv);
}

static uint64_t lite_conn_due(const struct lite_conn *c)
{
	return c->state == LC_DELAY ? c->due_ns : c->resp.deadline_ns;
}

void lite_park_schedule(struct lite_srv *srv)
{
	uint64_t due = 0, now = rv_now_ns();

	for (struct lite_conn *c = srv->parked; c; c = c->next_parked)
		if (!due || lite_conn_due(c) < due)
			due = lite_conn_due(c);
	if (!due || due == srv->park_due)
		return;
	srv->park_due = due;
	lws_sul_schedule(srv->ctx, 0, &srv->sul_park, lite_on_park_timer,
			 due > now ? (lws_usec_t)((due - now) / 1000) + 1 : 1);
}

/* Answer or move on every parked conn whose time or outcome has come. */
static void lite_parked_run(struct lite_srv *srv)
{
	struct lite_conn *list = srv->parked;
	uint64_t now = rv_now_ns();

	srv->parked = NULL;
	while (list) {
		struct lite_conn *c = list;

		list = c->next_parked;
		c->next_parked = NULL;
		c->parked = false;
		if (c->state == LC_DELAY && now >= c->due_ns) {
			lite_conn_route(c);
			lite_conn_process(c);
		} else if (c->state == LC_WAIT &&
			   lite_resp_wait_poll(srv->l, &c->resp, false)) {
			lite_conn_api_reply(c);
			lite_conn_process(c);
		} else {
			c->parked = true;
			c->next_parked = srv->parked;
			srv->parked = c;
		}
	}
	lite_park_schedule(srv);
}

static void lite_on_tick(lws_sorted_usec_list_t *sul)
{
	struct lite_srv *srv = lws_container_of(sul, struct lite_srv,
						 sul_tick);

	lite_life_tick(srv->l);
	lite_parked_run(srv);
	lws_sul_schedule(srv->ctx, 0, &srv->sul_tick, lite_on_tick,
			 (lws_usec_t)lite_life_tick_ms(srv->l) * 1000);
}

/*
 * Close after the answer: shut the write side and read what the client
 * still sends (an oversized body the answer refused, say) until it
 * closes.  Closing with unread input would make the kernel send a reset,
 * which can reach the client before it has read the answer.
 */
static int lite_conn_linger(struct lite_conn *c)
{
	if (shutdown(lws_get_socket_fd(c->wsi), SHUT_WR) < 0)
		return -1;
	c->state = LC_LINGER;
	lite_bq_release(&c->in);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LITE_LINGER_S);
	lite_conn_flow(c);
	return 0;
}

static int lite_conn_writeable(struct lite_conn *c)
{
	size_t n = lite_bq_len(&c->out);

	if (c->state == LC_LINGER)
		return 0;
	if (!n)
		return c->state == LC_DONE ? lite_conn_linger(c) : 0;
	if (n > LITE_WRITE_CHUNK)
		n = LITE_WRITE_CHUNK;
	memcpy(c->srv->scratch + LWS_PRE, lite_bq_data(&c->out), n);
	if (lws_write(c->wsi, c->srv->scratch + LWS_PRE, n,
		      LWS_WRITE_RAW) < (int)n)
		return -1;
	lite_bq_consume(&c->out, n);
	if (lite_bq_len(&c->out) || c->state == LC_DONE)
		lws_callback_on_writable(c->wsi);
	lite_conn_flow(c);
	if (c->up)
		lite_up_flow(c->up);
	return 0;
}

static void lite_conn_closed(struct lite_conn *c)
{
	rv_connq_remove(&c->srv->conns, &c->node);
	lite_conn_unpark(c);
	if (c->up && !c->srv->quit)
		lite_up_detach(c->up);
	else if (c->up)
		c->up->conn = NULL;
	if (c->have_head)
		lite_head_release(&c->head);
	lite_bq_release(&c->in);
	lite_bq_release(&c->out);
	rv_buf_release(&c->api_body);
	lite_api_resp_release(&c->resp);
	free(c);
}

static void lite_on_signal(struct lite_srv *srv)
{
	struct signalfd_siginfo si;

	if (read(srv->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
	    !srv->l->conf->quiet)
		rv_info("signal %u: destroying every sandbox and exiting",
			si.ssi_signo);
	srv->quit = true;
	lws_cancel_service(srv->ctx);
}

/*
 * A client connected: count it, and at the bound make room by closing
 * the connection that has waited longest for a request head; when all
 * are busy with requests, refuse the new one.  It has head_timeout_s to
 * send its head.
 */
static int lite_conn_new(struct lite_srv *srv, struct lws *wsi)
{
	struct lite_conn *c = rv_xcalloc(1, sizeof(*c));
	struct lite_conn *victim;
	bool refuse;

	victim = rv_connq_add(&srv->conns, &c->node, c, &refuse);
	if (refuse) {
		free(c);
		return -1;
	}
	/* now, before anything it reads could give it a new deadline */
	if (victim)
		lws_set_timeout(victim->wsi, PENDING_TIMEOUT_USER_OK,
				LWS_TO_KILL_SYNC);
	c->kind = LITE_K_CLIENT;
	c->srv = srv;
	c->wsi = wsi;
	c->rx_on = true;
	c->keep_alive = true;
	c->head_started = true;
	lws_set_opaque_user_data(wsi, c);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, srv->head_timeout_s);
	return 0;
}

static int lite_callback(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct lite_srv *srv = lws_context_user(lws_get_context(wsi));
	enum lite_kind *kind = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		if (!kind) {
			return lite_conn_new(srv, wsi);
		} else if (*kind == LITE_K_UP) {
			((struct lite_up *)kind)->wsi = wsi;
		}
		return 0;
	case LWS_CALLBACK_RAW_RX:
		if (!kind)
			return -1;
		if (*kind == LITE_K_UP) {
			lite_up_rx((struct lite_up *)kind, in, len);
		} else {
			struct lite_conn *c = (struct lite_conn *)kind;

			if (c->state == LC_LINGER)
				return 0;	/* discarded */
			/* the deadline of a head runs from its first byte */
			if (c->state == LC_HEAD && !c->head_started) {
				c->head_started = true;
				lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK,
						srv->head_timeout_s);
			}
			lite_bq_add(&c->in, in, len);
			lite_conn_process(c);
		}
		return 0;
	case LWS_CALLBACK_RAW_WRITEABLE:
		if (!kind)
			return -1;
		if (*kind == LITE_K_UP)
			return lite_up_writeable((struct lite_up *)kind);
		return lite_conn_writeable((struct lite_conn *)kind);
	case LWS_CALLBACK_RAW_CLOSE:
		if (kind && *kind == LITE_K_UP)
			lite_up_closed((struct lite_up *)kind);
		else if (kind)
			lite_conn_closed((struct lite_conn *)kind);
		lws_set_opaque_user_data(wsi, NULL);
		return 0;
	case LWS_CALLBACK_RAW_RX_FILE:
		if (kind && *kind == LITE_K_SIGNAL)
			lite_on_signal(srv);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (srv && srv->ctx)
			lite_parked_run(srv);
		return 0;
	default:
		return 0;
	}
	(void)user;
}

static const struct lws_protocols lite_protocols[] = {
	{ "lite", lite_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void lite_srv_wake(void *arg)
{
	lws_cancel_service(arg);
}

static void lite_lws_log(int level, const char *line)
{
	char buf[512];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	rv_warn("libwebsockets: %s", buf);
	(void)level;
}

static enum rv_code lite_srv_start(struct lite_srv *srv, struct lite *l,
				   struct rv_err *err)
{
	struct lws_context_creation_info info;
	lws_sock_file_fd_type fd;
	lws_adopt_desc_t ad;
	sigset_t sigs;
	unsigned max;

	memset(&info, 0, sizeof(info));
	info.port = l->conf->port;
	/* an address, not an interface name; "" listens everywhere */
	info.iface = !strcmp(l->conf->host, "localhost") ? "127.0.0.1" :
		!strcmp(l->conf->host, "0.0.0.0") || !l->conf->host[0] ? NULL :
		l->conf->host;
	info.pt_serv_buf_size = 64 * 1024;	/* bytes per read */
	info.protocols = lite_protocols;
	info.options = LWS_SERVER_OPTION_ONLY_RAW;
	if (!strchr(l->conf->host, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.user = srv;
	/* a relayed request takes two descriptors: client and sandbox */
	max = rv_connq_fit((unsigned)l->conf->max_connections, 2, 256);
	if (max < (unsigned)l->conf->max_connections)
		rv_warn("at most %u connections fit the descriptor limit "
			"(--max-connections %ld)", max,
			l->conf->max_connections);
	rv_connq_init(&srv->conns, max);
	srv->head_timeout_s = (int)l->conf->head_timeout_s;
	info.fd_limit_per_thread = 2 * max + 64;
	/* the listener's connections only: the relay's upstreams are
	   plain sockets adopted without TLS */
	lite_tls_apply(&info, l->conf->tls_cert, l->conf->tls_key);
	lws_set_log_level(LLL_ERR, lite_lws_log);
	srv->ctx = lws_create_context(&info);
	if (!srv->ctx)
		return rv_errf(err, RV_ERR_IO, "cannot listen on '%s:%d'",
			       l->conf->host, l->conf->port);
	srv->vh = lws_get_vhost_by_name(srv->ctx, "default");
	lite_set_port(l, srv->vh ? lws_get_vhost_listen_port(srv->vh) :
		      l->conf->port);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	srv->sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	memset(&ad, 0, sizeof(ad));
	fd.filefd = srv->sigfd;
	ad.vh = srv->vh;
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd = fd;
	ad.vh_prot_name = "lite";
	ad.opaque = &srv->kind;
	if (srv->sigfd < 0 || !lws_adopt_descriptor_vhost_via_info(&ad))
		return rv_errf(err, RV_ERR_IO, "cannot watch signals: %s",
			       strerror(errno));
	return RV_OK;
}

/* No --api-key: say where the key is and how clients are pointed here. */
static void lite_print_key_hint(const struct lite *l)
{
	const struct lite_conf_spec *spec = l->conf->spec;

	printf("%s: no --api-key given; its key is in '%s/api-key'.  Point "
	       "runeval (or %s) here with:\n  export", spec->prog,
	       l->state_dir, spec->sdk);
	for (const char *const *v = spec->url_env; *v; v++)
		printf(" %s=%s", *v, l->api_url);
	printf(" %s=\"$(cat '%s/api-key')\"\n", spec->key_env, l->state_dir);
}

enum rv_code lite_server_run(struct lite *l, struct rv_err *err)
{
	struct lite_srv *srv = rv_xcalloc(1, sizeof(*srv));
	enum rv_code rc;

	srv->kind = LITE_K_SIGNAL;
	srv->l = l;
	srv->sigfd = -1;
	rc = lite_srv_start(srv, l, err);
	if (rc)
		goto out;
	lite_set_wake(l, lite_srv_wake, srv->ctx);
	lws_sul_schedule(srv->ctx, 0, &srv->sul_tick, lite_on_tick,
			 (lws_usec_t)lite_life_tick_ms(l) * 1000);
	printf("%s: API at %s\n", l->face->name, l->api_url);
	if (l->conf->api_key_generated)
		lite_print_key_hint(l);
	fflush(stdout);
	while (!srv->quit)
		if (lws_service(srv->ctx, 0) < 0)
			break;
out:
	lite_set_wake(l, NULL, NULL);
	if (srv->ctx)
		lws_context_destroy(srv->ctx);
	else if (srv->sigfd >= 0)
		close(srv->sigfd);	/* else lws closed it */
	free(srv);
	return rc;
}
