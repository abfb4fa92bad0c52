/*
 * lite_server: daytona-lite's HTTP front, on libwebsockets.
 *
 * One thread serves every connection with libwebsockets in raw mode and
 * daytona-lite's own HTTP/1.1 framing (lite_http), so that requests to a
 * sandbox are relayed byte for byte (every header, chunked bodies,
 * WebSocket upgrades) and streamed both ways with back-pressure:
 *
 *   /api/...                      control plane (lite_api), Bearer API key
 *   /toolbox/{id}/...             relayed to the sandbox's toolbox.sock
 *   Host: {port}-{id}.localhost   relayed to port inside the sandbox
 *                                 through its forward.sock
 *
 * Blocking work runs on lite_jobs threads; this thread never waits.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_SERVER_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_SERVER_H

#include "rv_err.h"

struct lite;

/*
 * Listen on l->conf's address, print "daytona-lite: API at URL" on
 * stdout, and serve until SIGTERM, SIGINT or SIGHUP (which the caller
 * must have blocked in every thread beforehand).  Returns when a signal
 * came, with every connection closed; RV_ERR_IO when it cannot listen.
 */
enum rv_code lite_server_run(struct lite *l, struct rv_err *err);

#endif
