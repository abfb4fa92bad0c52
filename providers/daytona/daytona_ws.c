#include "daytona_ws.h"

#include "rv_alloc.h"
#include "rv_http.h"
#include "rv_clock.h"
#include "rv_dl.h"

#include <ctype.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS_CONNECT_TRIES 6

/* libwebsockets is loaded on first use: local mode never needs it (rv_dl.h) */
#define WS_LWS_FUNCS(X) \
	X(lws_add_http_header_by_name) X(lws_callback_http_dummy) \
	X(lws_cancel_service) X(lws_client_connect_via_info) \
	X(lws_context_destroy) X(lws_create_context) \
	X(lws_get_opaque_user_data) X(lws_parse_uri) X(lws_service) \
	X(lws_set_log_level) X(lws_set_opaque_user_data)

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

struct daytona_follow {
	pthread_t thread;
	pthread_mutex_t lock;
	struct lws_context *ctx;	/* made and used by the thread */
	atomic_int stop;
	atomic_int ended;
	bool connected;			/* the upgrade succeeded once */
	bool closed;			/* the current connection is over */
	char *url;			/* owned, cut up by lws_parse_uri */
	const char *prot, *addr, *path;
	char *full_path, *host;
	int port;
	char **headers;			/* "Name: value" copies */
	struct daytona_demux demux;
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
		f->connected = true;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		daytona_demux_feed(&f->demux, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		ws_set_error(f, "connection failed", in ? (const char *)in :
			     NULL);
		f->closed = true;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		f->closed = true;
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		f->closed = true;
		sym_lws_set_opaque_user_data(wsi, NULL);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols ws_protocols[] = {
	{ "daytona-logs", ws_callback, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void ws_connect(struct daytona_follow *f)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = f->ctx;
	ci.address = f->addr;
	ci.port = f->port;
	ci.path = f->full_path;
	ci.host = f->host;
	ci.origin = f->host;
	ci.ssl_connection = !strcmp(f->prot, "wss") ? LCCSCF_USE_SSL : 0;
	ci.protocol = NULL;	/* the daemon expects no subprotocol */
	ci.local_protocol_name = ws_protocols[0].name;
	ci.opaque_user_data = f;
	f->closed = false;
	if (!sym_lws_client_connect_via_info(&ci)) {
		ws_set_error(f, "connection failed", NULL);
		f->closed = true;
	}
}

/*
 * The context, on the follower's thread: TLS set-up (loading the CA
 * store) costs about 150 ms and is done only for wss://.
 */
static bool ws_make_context(struct daytona_follow *f)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	if (!strcmp(f->prot, "wss")) {
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		/* --ca-cert: the same trust as every HTTPS request */
		info.client_ssl_ca_filepath = rv_http_ca_file();
	}
	info.fd_limit_per_thread = 16;
	ctx = sym_lws_create_context(&info);
	pthread_mutex_lock(&f->lock);
	f->ctx = ctx;
	pthread_mutex_unlock(&f->lock);
	if (!ctx)
		ws_set_error(f, "cannot create a websocket context", NULL);
	return ctx != NULL;
}

static void *ws_thread(void *arg)
{
	struct daytona_follow *f = arg;
	unsigned tries = 0;

	if (!ws_make_context(f))
		goto out;
	while (!atomic_load(&f->stop)) {
		ws_connect(f);
		while (!f->closed && !atomic_load(&f->stop))
			sym_lws_service(f->ctx, 0);
		/* the stream ended; retry only a failed first connection */
		if (f->connected || ++tries >= WS_CONNECT_TRIES)
			break;
		rv_sleep_ns((50ULL << tries) * RV_NS_PER_MS, NULL);
		if (!atomic_load(&f->stop))
			rv_err_clear(&f->err);
	}
	if (f->connected)
		rv_err_clear(&f->err);
out:
	atomic_store(&f->ended, 1);
	return NULL;
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
	if (f->ctx)
		sym_lws_context_destroy(f->ctx);
	for (char **h = f->headers; h && *h; h++)
		free(*h);
	free(f->headers);
	free(f->url);
	free(f->full_path);
	free(f->host);
	pthread_mutex_destroy(&f->lock);
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
	size_t n = 0;

	if (rv_dl_load(&ws_lws, "following the logs", err) != RV_OK)
		return NULL;
	f = rv_xcalloc(1, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	daytona_demux_init(&f->demux, sink, arg);
	while (headers && headers[n])
		n++;
	f->headers = rv_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		f->headers[i] = rv_xstrdup(headers[i]);
	if (!ws_parse(f, ws_url, err))
		goto fail;
	sym_lws_set_log_level(LLL_ERR, NULL);
	if (pthread_create(&f->thread, NULL, ws_thread, f)) {
		rv_errf(err, RV_ERR_INTERNAL, "cannot start the log follower");
		goto fail;
	}
	return f;
fail:
	ws_free(f);
	return NULL;
}

bool daytona_follow_ended(struct daytona_follow *f)
{
	return atomic_load(&f->ended);
}

enum rv_code daytona_follow_stop(struct daytona_follow *f,
				 struct rv_err *err)
{
	enum rv_code rc;

	if (!f)
		return RV_OK;
	atomic_store(&f->stop, 1);
	pthread_mutex_lock(&f->lock);
	if (f->ctx)
		sym_lws_cancel_service(f->ctx);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	daytona_demux_finish(&f->demux);
	rc = f->err.code;
	if (rc != RV_OK && err)
		*err = f->err;
	ws_free(f);
	return rc;
}
