/*
 * lite_srv: the HTTP front's connections, for lite_server.c, lite_up.c,
 * lite_relay.c and the faces' routes.
 *
 * A client connection (struct lite_conn) reads one request head at a
 * time; the face's route answers it (lite_conn_respond,
 * lite_conn_error), reads it as an API request (lite_conn_api_begin) or
 * relays it (lite_relay_begin): a relayed request gets an upstream
 * connection (struct lite_up) to a unix socket of the sandbox.  Each
 * struct lives as long as its libwebsockets connection: the close
 * callback frees it and unlinks it from its peer.  Everything here runs
 * on the server thread.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_SRV_H
#define RUNEVAL_PROVIDERS_LITE_LITE_SRV_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "lite_http.h"
#include "lite_route.h"
#include "rv_buf.h"
#include "rv_connq.h"

struct lite;

/* Queues above this stop reading from the other side. */
#define LITE_HIGH_WATER (256 * 1024)
#define LITE_WRITE_CHUNK (64 * 1024)
/* seconds a closing connection reads on, waiting for the client to close */
#define LITE_LINGER_S 2

/* A byte queue: appended at the end, consumed from the front. */
struct lite_bq {
	struct rv_buf b;
	size_t off;
};

static inline size_t lite_bq_len(const struct lite_bq *q)
{
	return q->b.len - q->off;
}

static inline const char *lite_bq_data(const struct lite_bq *q)
{
	return q->b.data + q->off;
}

void lite_bq_add(struct lite_bq *q, const void *p, size_t n);
void lite_bq_consume(struct lite_bq *q, size_t n);
void lite_bq_release(struct lite_bq *q);

enum lite_kind { LITE_K_CLIENT = 1, LITE_K_UP, LITE_K_SIGNAL };

enum lite_conn_state {
	LC_HEAD,	/* reading a request head */
	LC_BODY,	/* reading an API request body */
	LC_DELAY,	/* injected latency before routing */
	LC_WAIT,	/* API answer waits for a transition */
	LC_RELAY,	/* request relayed to the sandbox */
	LC_TUNNEL,	/* after 101: bytes both ways */
	LC_DONE,	/* close once out is written */
	LC_LINGER,	/* out written, write side shut: discard input until
			   the client closes (or a short timeout), so that
			   unread request bytes do not reset the connection
			   before the client has read the answer */
};

struct lite_srv {
	enum lite_kind kind;	/* LITE_K_SIGNAL: the signalfd's opaque */
	struct lite *l;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct lite_conn *parked;	/* LC_DELAY and LC_WAIT conns */
	lws_sorted_usec_list_t sul_tick, sul_park;
	uint64_t park_due;	/* when sul_park fires (0 = not set) */
	int sigfd;
	bool quit;
	struct rv_connq conns;	/* clients; idle ones are shed first */
	int head_timeout_s;	/* to receive a whole request head */
	unsigned char scratch[LWS_PRE + LITE_WRITE_CHUNK];
};

struct lite_up;

/* A face's API: answer req (store unlocked; see lite_route.h). */
typedef void (*lite_api_fn)(struct lite *l, const struct lite_api_req *req,
			    struct lite_api_resp *resp);

struct lite_conn {
	enum lite_kind kind;
	struct lite_srv *srv;
	struct lws *wsi;
	enum lite_conn_state state;
	struct lite_bq in, out;
	size_t scan;		/* head-end search resumes here */
	struct lite_head head;
	bool have_head;
	struct lite_body body;	/* the request's body */
	struct rv_buf api_body;	/* decoded, for the API */
	lite_api_fn api_fn;	/* LC_BODY: who answers it */
	bool keep_alive;	/* after this exchange */
	bool rx_on;
	uint64_t due_ns;	/* LC_DELAY: go on then */
	struct lite_api_resp resp;	/* LC_WAIT */
	bool parked;
	struct lite_conn *next_parked;
	struct lite_up *up;
	struct rv_connq_node node;	/* in srv->conns */
	bool head_started;	/* bytes of the next head arrived */
};

enum lite_up_state {
	LU_HANDSHAKE,	/* forward.sock: waiting for "OK" */
	LU_HEAD,	/* reading the response head */
	LU_BODY,	/* relaying the response body */
	LU_TUNNEL,	/* after 101 */
	LU_DONE,
};

struct lite_up {
	enum lite_kind kind;
	struct lite_srv *srv;
	struct lite_conn *conn;	/* NULL once the client is gone */
	struct lws *wsi;
	enum lite_up_state state;
	struct lite_bq in, out;
	struct lite_bq pend;	/* request bytes held until the handshake */
	struct lite_body body;	/* the response's body */
	bool head_request;	/* a HEAD: no response body */
	bool rechunk;		/* EOF body sent to the client chunked */
	bool dechunk;		/* chunked body sent to an HTTP/1.0 client */
	bool answered;		/* a response head went to the client */
	bool rx_on;
	int port;		/* preview: the port in the sandbox */
};

/* lite_server.c */
void lite_conn_park(struct lite_conn *c);
void lite_conn_unpark(struct lite_conn *c);
/* Route a request whose head was read (after any injected delay). */
void lite_conn_route(struct lite_conn *c);
/*
 * Read the request's body (up to conf->max_body, else 413) and answer it
 * with fn.  The face has checked the credentials.
 */
void lite_conn_api_begin(struct lite_conn *c, lite_api_fn fn);
/* Send the API answer in c->resp. */
void lite_conn_api_reply(struct lite_conn *c);
void lite_conn_want_write(struct lite_conn *c);
void lite_conn_flow(struct lite_conn *c);
void lite_conn_process(struct lite_conn *c);
/*
 * Queue a whole response: body is JSON (or NULL for none), headers extra
 * "Name: value\r\n" lines (or NULL); then lite_conn_finish().
 */
void lite_conn_respond(struct lite_conn *c, int status, const char *headers,
		       const char *body);
/* The same with an error body in the face's shape. */
void lite_conn_error(struct lite_conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The request's response is complete: next request or close. */
void lite_conn_finish(struct lite_conn *c);
/* The Bearer token of the request, or NULL (borrowed from the head). */
const char *lite_conn_bearer(const struct lite_conn *c, size_t *len);
bool lite_secret_eq(const char *a, size_t alen, const char *b);

/* lite_srv_loop.c: arm the timer for the earliest parked deadline */
void lite_park_schedule(struct lite_srv *srv);

/* lite_relay.c */
/*
 * Relay c's request to the unix socket path of a sandbox, with target as
 * its request target: to its daemon (port 0) or through its port
 * forwarder to port.  The request head loses its hop-by-hop headers,
 * every header the face calls secret and every header whose value
 * contains one of secrets (NULL-ended: the server's key, the sandbox's
 * tokens; those shorter than 8 characters are not looked for).  what
 * names the other end in errors ("toolbox").
 */
void lite_relay_begin(struct lite_conn *c, const char *path, int port,
		      const char *target, const char *const *secrets,
		      const char *what);
/*
 * May c reach port of sandbox sb now?  Answers 502 (and returns false)
 * while --fault-preview-502-ms says the port must fail, or 502/503/504
 * when --fault-preview-5xx-rate draws a proxy error.  Store locked.
 */
bool lite_relay_port_ready(struct lite_conn *c, const struct lite_sandbox *sb);
/* Move request body bytes from the client to the upstream. */
void lite_relay_pump(struct lite_conn *c);
void lite_up_rx(struct lite_up *u, const char *p, size_t n);
int lite_up_writeable(struct lite_up *u);
void lite_up_closed(struct lite_up *u);
void lite_up_flow(struct lite_up *u);
/* Unlink from the client and let libwebsockets close the socket. */
void lite_up_detach(struct lite_up *u);
/*
 * Parse "{port}-{id}.{domain}[:N]" (id in lowercase); false when host is
 * not one.
 */
bool lite_preview_host(const char *host, const char *domain, int *port,
		       char *id, size_t size);
/*
 * Is host one of l's sandbox hosts: "{port}-{id}.{domain}" for the
 * served domain (--domain), and with the default domain either of
 * "localhost" and LITE_TLS_PREVIEW_DOMAIN, whichever the scheme (a
 * client that named the other form still reaches the sandbox)?
 */
bool lite_sandbox_host(const struct lite *l, const char *host, int *port,
		       char *id, size_t size);

#endif
