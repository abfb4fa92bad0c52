/*
 * server: the task app's HTTP server (libwebsockets, one service thread)
 * with a pool of rollout workers.
 *
 * The service thread parses requests and answers everything but
 * /rollout itself (routes.h); a valid /rollout goes to a worker, whose
 * result comes back through lws_cancel_service().  So /health answers at
 * once however busy the workers are.  A client that hangs up cancels its
 * rollout.  The server borrows app for its whole life.
 */
#ifndef RUNEVAL_TASKAPP_SERVER_H
#define RUNEVAL_TASKAPP_SERVER_H

#include <signal.h>

#include "rv_err.h"

struct taskapp_app;
struct taskapp_server;

/* Bounds on clients (see README "The task app"). */
struct taskapp_server_limits {
	unsigned max_connections;	/* at once; idle ones shed first */
	unsigned head_timeout_s;	/* to send a whole request head */
};

#define TASKAPP_MAX_CONNECTIONS 1024
#define TASKAPP_HEAD_TIMEOUT_S 10

/*
 * Listen on host:port (port 0: any free port) and start the workers.
 * At most lim->max_connections clients at once (fewer when the
 * descriptor limit cannot fit them, with a warning): at the bound a new
 * connection displaces the one that has waited longest for a request
 * head, and is refused when all are busy.  RV_ERR_IO when the address
 * cannot be bound.
 */
enum rv_code taskapp_server_new(const struct taskapp_app *app,
				const char *host, int port,
				const struct taskapp_server_limits *lim,
				struct taskapp_server **out, struct rv_err *err);

/* The port actually listened on. */
int taskapp_server_port(const struct taskapp_server *s);

/* Serve until *stop becomes non-zero (see taskapp_server_wake()). */
void taskapp_server_run(struct taskapp_server *s, volatile sig_atomic_t *stop);

/* Wake the service loop; async-signal-safe. */
void taskapp_server_wake(struct taskapp_server *s);

/*
 * Cancel every rollout, join the workers, close every connection and
 * free.  NULL is fine.
 */
void taskapp_server_free(struct taskapp_server *s);

#endif
