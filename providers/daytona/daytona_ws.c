#include "daytona_ws.h"

#include "rv_alloc.h"
#include "rv_http.h"
#include "rv_clock.h"
#include "rv_dl.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_CONNECT_TRIES 6

/* libwebsockets is loaded on first use: local mode never needs it (rv_dl.h) */
#define WS_LWS_FUNCS(X) \
	X(lws_add_http_header_by_name) X(lws_callback_http_dummy) \
	X(lws_cancel_service) X(lws_client_connect_via_info) \
	X(lws_context_destroy) X(lws_create_context) \
	X(lws_get_opaque_user_data) X(lws_parse_uri) \
	X(lws_service) X(lws_set_log_level) X(lws_set_opaque_user_data) \
	X(lws_set_timeout) X(lws_sul_cancel) X(lws_sul_schedule)

WS_LWS_FUNCS(RV_DL_DECLARE)

static const struct rv_dl_sym ws_lws_syms[] = {
	WS_LWS_FUNCS(RV_DL_ENTRY)
};

static struct rv_dl_lib ws_lws =
	RV_DL_LIB("libwebsockets.so.17", "libwebsockets17", ws_lws_syms);

/* --- the marker demuxer ----------------------------------------------- */

void daytona_demux_init(struct daytona_demux *d,
			void (*sink)(enum daytona_stream, const char *,
				     size_t, void *), void *arg)
{
	memset(d, 0, sizeof(*d));
	d->sink = sink;
	d->arg = arg;
}

static void demux_emit(struct daytona_demux *d, const unsigned char *p,
		       size_t len)
{
	if (len && d->stream != DAYTONA_STREAM_NONE)
		d->sink(d->stream, (const char *)p, len, d->arg);
}

/* Scan buf[0..n): emit runs, switch at markers, hold a marker's start. */
static void demux_scan(struct daytona_demux *d, const unsigned char *buf,
		       size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char b = buf[i];

		if (b != 1 && b != 2) {
			i++;
			continue;
		}
		if (n - i >= 3) {
			if (buf[i + 1] == b && buf[i + 2] == b) {
				demux_emit(d, buf + run, i - run);
				d->stream = (enum daytona_stream)b;
				i += 3;
				run = i;
				continue;
			}
		} else if (n - i == 1 || buf[i + 1] == b) {
			/* 1 or 2 bytes left that may start a marker */
			demux_emit(d, buf + run, i - run);
			d->nheld = n - i;
			memcpy(d->held, buf + i, d->nheld);
			return;
		}
		i++;
	}
	demux_emit(d, buf + run, n - run);
}

void daytona_demux_feed(struct daytona_demux *d, const void *data,
			size_t len)
{
	unsigned char *joint;
	size_t held = d->nheld;

	if (!held) {
		demux_scan(d, data, len);
		return;
	}
	/* a marker may straddle the frames: scan held + new together */
	d->nheld = 0;
	joint = rv_xmalloc(held + len);
	memcpy(joint, d->held, held);
	memcpy(joint + held, data, len);
	demux_scan(d, joint, held + len);
	free(joint);
}

void daytona_demux_finish(struct daytona_demux *d)
{
	size_t n = d->nheld;

	d->nheld = 0;
	demux_emit(d, d->held, n);
}

/* --- the follower ----------------------------------------------------- */

/*
 * Every follower of one kind (ws:// or wss://) is served by one hub: one
 * lws context on one service thread, made when the first follower starts
 * and ended when the last one stops.  A job's sandboxes share it: one
 * thread for all their logs, and over wss:// one load of the CA store
 * (about 150 ms of CPU), not one per sandbox.
 *
 * Threads: lws and every connection are the hub thread's.  Other threads
 * add a follower or ask it to stop under hub->lock and wake the hub
 * (lws_cancel_service); it acts on that in ws_hub_tend().  hub->lock
 * guards the list and the followers' state; lws calls back on the hub
 * thread without it held, and it is never held while calling into lws
 * in a way that may call back.  A follower the hub has released is no
 * longer touched by it and is freed by daytona_follow_stop().
 */
struct ws_hub {
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* a follower released, a hub gone */
	pthread_t thread;
	bool tls;
	bool running;			/* the thread was started */
	bool quit;			/* the last follower stopped */
	bool failed;			/* its context could not be made */
	struct lws_context *ctx;	/* made, used and freed by the thread */
	struct daytona_follow *list;	/* the followers it has not released */
	size_t users;			/* started and not yet stopped */
};

static struct ws_hub ws_hubs[2] = {
	{ .lock = PTHREAD_MUTEX_INITIALIZER,
	  .changed = PTHREAD_COND_INITIALIZER, .tls = false },
	{ .lock = PTHREAD_MUTEX_INITIALIZER,
	  .changed = PTHREAD_COND_INITIALIZER, .tls = true },
};

struct daytona_follow {
	struct ws_hub *hub;
	struct daytona_follow *next;	/* in hub->list */
	struct daytona_follow *todo;	/* ws_hub_tend()'s own list */
	lws_sorted_usec_list_t retry;	/* a failed first connection's */
	struct lws *wsi;		/* the current connection, or NULL */
	unsigned tries;
	bool fresh;			/* not connected yet */
	bool trying;			/* a connection attempt is live */
	bool connecting;		/* inside lws_client_connect_via_info */
	bool waiting;			/* a retry is scheduled */
	bool stop;			/* daytona_follow_stop() was called */
	bool ended;			/* the stream is over */
	bool released;			/* the hub is done with it */
	bool connected;			/* the upgrade succeeded once */
	char *url;			/* owned, cut up by lws_parse_uri */
	const char *prot, *addr, *path;
	char *full_path, *host;
	int port;
	char **headers;			/* "Name: value" copies */
	struct daytona_demux demux;	/* the hub thread's */
	struct rv_err err;
};

static void ws_set_error(struct daytona_follow *f, const char *what,
			 const char *why)
{
	if (f->err.code == RV_OK)
		rv_errf(&f->err, RV_ERR_CONNECT, "cannot follow the logs at "
			"'%s': %s%s%s", f->full_path, what, why ? ": " : "",
			why ? why : "");
}

static int ws_add_headers(struct daytona_follow *f, struct lws *wsi,
			  unsigned char **p, unsigned char *end)
{
	for (char **h = f->headers; *h; h++) {
		const char *colon = strchr(*h, ':');
		char name[96];
		const char *v;
		size_t nl;

		if (!colon || (nl = (size_t)(colon - *h)) + 2 > sizeof(name))
			continue;
		for (size_t i = 0; i < nl; i++)
			name[i] = (char)tolower((unsigned char)(*h)[i]);
		name[nl] = ':';
		name[nl + 1] = '\0';
		v = colon + 1;
		while (*v == ' ')
			v++;
		if (sym_lws_add_http_header_by_name(wsi, (unsigned char *)name,
						(const unsigned char *)v,
						(int)strlen(v), p, end))
			return -1;
	}
	return 0;
}

/* Off the hub's list; daytona_follow_stop() may free it from now on. */
static void ws_release(struct daytona_follow *f)
{
	struct ws_hub *h = f->hub;

	for (struct daytona_follow **pp = &h->list; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	f->released = true;
	f->ended = true;
	pthread_cond_broadcast(&h->changed);
}

static void ws_connect(struct daytona_follow *f);

static void ws_retry_due(lws_sorted_usec_list_t *sul)
{
	struct daytona_follow *f = (struct daytona_follow *)
		(void *)((char *)sul - offsetof(struct daytona_follow, retry));
	struct ws_hub *h = f->hub;
	bool go;

	pthread_mutex_lock(&h->lock);
	f->waiting = false;
	go = !f->stop;
	if (go)
		rv_err_clear(&f->err);
	else
		ws_release(f);
	pthread_mutex_unlock(&h->lock);
	if (go)
		ws_connect(f);
}

/*
 * The current connection is over (lock held, hub thread).  A failed
 * first connection is retried a few times, with backoff; after that
 * the stream has ended.  f may be released (and then freed) on return.
 */
static void ws_over(struct daytona_follow *f)
{
	struct ws_hub *h = f->hub;

	f->trying = false;
	f->wsi = NULL;
	if (f->stop) {
		if (!f->connecting)	/* ws_connect releases it on return */
			ws_release(f);
	} else if (f->connected || ++f->tries >= WS_CONNECT_TRIES) {
		if (f->connected)
			rv_err_clear(&f->err);
		f->ended = true;
	} else {
		f->waiting = true;
		sym_lws_sul_schedule(h->ctx, 0, &f->retry, ws_retry_due,
				     (lws_usec_t)(50u << f->tries) * 1000);
	}
}

/* The callback of a connection that is over: f is forgotten first. */
static int ws_callback_over(struct daytona_follow *f, struct lws *wsi,
			    const char *what, const char *why)
{
	struct ws_hub *h = f->hub;

	sym_lws_set_opaque_user_data(wsi, NULL);
	pthread_mutex_lock(&h->lock);
	if (what)
		ws_set_error(f, what, why);
	else if (!f->connected)
		ws_set_error(f, "closed before the upgrade", NULL);
	if (f->trying)
		ws_over(f);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Has f been asked to stop?  Its connection then closes. */
static bool ws_stopping(struct daytona_follow *f, bool connected)
{
	bool stop;

	pthread_mutex_lock(&f->hub->lock);
	if (connected)
		f->connected = true;
	stop = f->stop;
	pthread_mutex_unlock(&f->hub->lock);
	return stop;
}

/*
 * lws calls back on the hub thread.  A wake-up (EVENT_WAIT_CANCELLED)
 * needs nothing here: lws_service() returns after it and ws_hub_main()
 * tends the hub before servicing again.
 */
static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct daytona_follow *f = sym_lws_get_opaque_user_data(wsi);

	if (!f)
		return sym_lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return ws_add_headers(f, wsi, (unsigned char **)in,
				      *(unsigned char **)in + len);
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		return ws_stopping(f, true) ? -1 : 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (ws_stopping(f, false))
			return -1;
		daytona_demux_feed(&f->demux, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		return ws_callback_over(f, wsi, "connection failed",
					in ? (const char *)in : NULL);
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		return ws_callback_over(f, wsi, NULL, NULL);
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols ws_protocols[] = {
	{ "daytona-logs", ws_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* A connection attempt, on the hub thread, the lock not held. */
static void ws_connect(struct daytona_follow *f)
{
	struct ws_hub *h = f->hub;
	struct lws_client_connect_info ci;
	struct lws *wsi;

	memset(&ci, 0, sizeof(ci));
	ci.context = h->ctx;
	ci.address = f->addr;
	ci.port = f->port;
	ci.path = f->full_path;
	ci.host = f->host;
	ci.origin = f->host;
	ci.ssl_connection = h->tls ? LCCSCF_USE_SSL : 0;
	ci.protocol = NULL;	/* the daemon expects no subprotocol */
	ci.local_protocol_name = ws_protocols[0].name;
	ci.opaque_user_data = f;
	pthread_mutex_lock(&h->lock);
	f->trying = true;
	f->connecting = true;
	pthread_mutex_unlock(&h->lock);
	/* it may fail at once, calling back (WSI_DESTROY) before it
	   returns; f is not released meanwhile, even if stopped */
	wsi = sym_lws_client_connect_via_info(&ci);
	pthread_mutex_lock(&h->lock);
	f->connecting = false;
	if (f->trying && wsi) {
		f->wsi = wsi;
	} else if (f->trying) {
		ws_set_error(f, "connection failed", NULL);
		ws_over(f);
	} else if (f->stop && !f->released) {
		ws_release(f);
	}
	pthread_mutex_unlock(&h->lock);
}

/*
 * What other threads asked for, on the hub thread between two passes of
 * lws_service(): connect the new followers, close the stopped ones'
 * connections (asked again each time: lws's handshake re-arms the timer
 * that a kill uses), release the stopped ones that have none.
 * lws_client_connect_via_info() is called with the lock let go.
 */
static void ws_hub_tend(struct ws_hub *h)
{
	struct daytona_follow *f, *next, *connect = NULL, *kill = NULL;

	pthread_mutex_lock(&h->lock);
	for (f = h->list; f; f = next) {
		next = f->next;
		if (f->stop && f->wsi) {
			f->todo = kill;
			kill = f;
		} else if (f->stop && !f->trying) {
			if (f->waiting)
				sym_lws_sul_cancel(&f->retry);
			f->waiting = false;
			ws_release(f);
		} else if (f->fresh) {
			f->fresh = false;
			f->todo = connect;
			connect = f;
		}
	}
	/* only this thread ends a connection: f->wsi stays valid */
	for (f = kill; f; f = f->todo)
		sym_lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK,
				    LWS_TO_KILL_ASYNC);
	pthread_mutex_unlock(&h->lock);
	for (f = connect; f; f = next) {
		next = f->todo;
		ws_connect(f);
	}
}

/*
 * The context: TLS set-up (loading the CA store) costs about 150 ms and
 * is done only for wss://.
 */
static struct lws_context *ws_hub_context(struct ws_hub *h)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	if (h->tls) {
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		/* --ca-cert: the same trust as every HTTPS request */
		info.client_ssl_ca_filepath = rv_http_ca_file();
	}
	info.fd_limit_per_thread = 1024;
	return sym_lws_create_context(&info);
}

/* Every follower on the list fails (lock held). */
static void ws_hub_fail_all(struct ws_hub *h)
{
	while (h->list) {
		ws_set_error(h->list, "cannot create a websocket context",
			     NULL);
		ws_release(h->list);
	}
}

static void *ws_hub_main(void *arg)
{
	struct ws_hub *h = arg;
	struct lws_context *ctx = ws_hub_context(h);

	pthread_mutex_lock(&h->lock);
	h->ctx = ctx;
	if (!ctx) {
		h->failed = true;
		ws_hub_fail_all(h);
		while (!h->quit)
			pthread_cond_wait(&h->changed, &h->lock);
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	while (!h->quit) {
		pthread_mutex_unlock(&h->lock);
		ws_hub_tend(h);
		sym_lws_service(ctx, 0);
		pthread_mutex_lock(&h->lock);
	}
	h->ctx = NULL;
	pthread_mutex_unlock(&h->lock);
	sym_lws_context_destroy(ctx);
	return NULL;
}

/* Join f to its hub, starting the hub when it has no thread (lock held). */
static bool ws_hub_join(struct ws_hub *h, struct daytona_follow *f,
			struct rv_err *err)
{
	while (h->quit)		/* the last follower's stop is ending it */
		pthread_cond_wait(&h->changed, &h->lock);
	if (!h->running) {
		h->failed = false;
		if (pthread_create(&h->thread, NULL, ws_hub_main, h)) {
			rv_errf(err, RV_ERR_INTERNAL, "cannot start the log "
				"follower");
			return false;
		}
		h->running = true;
	}
	f->hub = h;
	f->fresh = true;
	f->next = h->list;
	h->list = f;
	h->users++;
	if (h->failed) {
		ws_set_error(f, "cannot create a websocket context", NULL);
		ws_release(f);
	} else if (h->ctx) {
		sym_lws_cancel_service(h->ctx);
	}
	return true;
}

static bool ws_parse(struct daytona_follow *f, const char *ws_url,
		     struct rv_err *err)
{
	f->url = rv_xstrdup(ws_url);
	if (sym_lws_parse_uri(f->url, &f->prot, &f->addr, &f->port, &f->path) ||
	    (strcmp(f->prot, "ws") && strcmp(f->prot, "wss"))) {
		rv_errf(err, RV_ERR_CONFIG, "bad log stream URL '%s'", ws_url);
		return false;
	}
	f->full_path = rv_xasprintf("/%s", f->path);
	if ((!strcmp(f->prot, "ws") && f->port == 80) ||
	    (!strcmp(f->prot, "wss") && f->port == 443))
		f->host = rv_xstrdup(f->addr);
	else
		f->host = rv_xasprintf("%s:%d", f->addr, f->port);
	return true;
}

static void ws_free(struct daytona_follow *f)
{
	for (char **h = f->headers; h && *h; h++)
		free(*h);
	free(f->headers);
	free(f->url);
	free(f->full_path);
	free(f->host);
	free(f);
}

struct daytona_follow *daytona_follow_start(const char *ws_url,
					    const char *const *headers,
					    void (*sink)(enum daytona_stream,
							 const char *, size_t,
							 void *),
					    void *arg, struct rv_err *err)
{
	struct daytona_follow *f;
	struct ws_hub *h;
	size_t n = 0;
	bool ok;

	if (rv_dl_load(&ws_lws, "following the logs", err) != RV_OK)
		return NULL;
	f = rv_xcalloc(1, sizeof(*f));
	daytona_demux_init(&f->demux, sink, arg);
	while (headers && headers[n])
		n++;
	f->headers = rv_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		f->headers[i] = rv_xstrdup(headers[i]);
	if (!ws_parse(f, ws_url, err)) {
		ws_free(f);
		return NULL;
	}
	sym_lws_set_log_level(LLL_ERR, NULL);
	h = &ws_hubs[!strcmp(f->prot, "wss")];
	pthread_mutex_lock(&h->lock);
	ok = ws_hub_join(h, f, err);
	pthread_mutex_unlock(&h->lock);
	if (!ok) {
		ws_free(f);
		return NULL;
	}
	return f;
}

bool daytona_follow_ended(struct daytona_follow *f)
{
	bool ended;

	pthread_mutex_lock(&f->hub->lock);
	ended = f->ended;
	pthread_mutex_unlock(&f->hub->lock);
	return ended;
}

enum rv_code daytona_follow_stop(struct daytona_follow *f,
				 struct rv_err *err)
{
	struct ws_hub *h;
	enum rv_code rc;
	bool last;

	if (!f)
		return RV_OK;
	h = f->hub;
	pthread_mutex_lock(&h->lock);
	f->stop = true;
	if (h->ctx)
		sym_lws_cancel_service(h->ctx);
	while (!f->released)
		pthread_cond_wait(&h->changed, &h->lock);
	last = --h->users == 0;
	if (last) {
		h->quit = true;
		if (h->ctx)
			sym_lws_cancel_service(h->ctx);
		pthread_cond_broadcast(&h->changed);
	}
	pthread_mutex_unlock(&h->lock);
	if (last) {
		pthread_join(h->thread, NULL);
		pthread_mutex_lock(&h->lock);
		h->running = false;
		h->quit = false;
		pthread_cond_broadcast(&h->changed);
		pthread_mutex_unlock(&h->lock);
	}
	daytona_demux_finish(&f->demux);
	rc = f->err.code;
	if (rc != RV_OK && err)
		*err = f->err;
	ws_free(f);
	return rc;
}
