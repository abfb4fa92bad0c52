/*
 * lite_server: the HTTP front of daytona-lite and e2b-lite, on
 * libwebsockets.
 *
 * One thread serves every connection with libwebsockets in raw mode and
 * the servers' own HTTP/1.1 framing (lite_http), so that requests to a
 * sandbox are relayed byte for byte (every header, chunked bodies,
 * WebSocket upgrades) and streamed both ways with back-pressure.  What a
 * request reaches is the face's choice (struct lite_face.route):
 * daytona-lite serves /api/..., relays /toolbox/{id}/... to the
 * sandbox's toolbox and Host {port}-{id}.localhost to the port; e2b-lite
 * serves its control plane at / and relays by Host or by the
 * E2b-Sandbox-Id/-Port headers to envd or the port.
 *
 * Blocking work runs on lite_jobs threads; this thread never waits.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_SERVER_H
#define RUNEVAL_PROVIDERS_LITE_LITE_SERVER_H

#include "rv_err.h"

struct lite;

/*
 * Listen on l->conf's address, print "<name>: API at URL" on stdout, and
 * serve until SIGTERM, SIGINT or SIGHUP (which the caller must have
 * blocked in every thread beforehand).  Returns when a signal came, with
 * every connection closed; RV_ERR_IO when it cannot listen.
 */
enum rv_code lite_server_run(struct lite *l, struct rv_err *err);

#endif
