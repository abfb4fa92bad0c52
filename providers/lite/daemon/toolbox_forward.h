/*
 * toolbox_forward: the raw port forwarder behind forward.sock.
 *
 * A client connects to the unix socket and writes "CONNECT <port>\n"
 * (within 10 s).  The forwarder connects to 127.0.0.1:<port>, falling back
 * to [::1]:<port>, answers "OK\n" and copies bytes both ways until both
 * sides are done (half-closes are passed on).  On failure it answers
 * "ERR <reason>\n" ("ERR refused" when nothing listens, "ERR bad request"
 * for a malformed line) and closes.
 *
 * It runs on threads of its own (one accept thread, one per connection),
 * independent of the lws loop.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_TOOLBOX_FORWARD_H
#define RUNEVAL_PROVIDERS_LITE_TOOLBOX_FORWARD_H

#include "rv_err.h"

/*
 * Serve the connections of the listening unix socket fd (blocking; the
 * forwarder owns it from now on).
 */
enum rv_code tb_forward_start(int fd, struct rv_err *err);

/* The reply to a CONNECT line for port: "OK\n" or "ERR ...\n".  *fd is
 * the connected socket when OK (exposed for tests). */
const char *tb_forward_connect(const char *line, int *fd);

#endif
