/*
 * rv_net: TCP ports of this host: whether something listens on one, and
 * a free one.  Used by local mode and by tests; no state, no errors.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_NET_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_NET_H

#include <stdbool.h>

/*
 * Does something accept TCP connections on 127.0.0.1:port (or [::1])?
 * The check that keeps runeval off someone else's server.
 */
bool rv_net_port_in_use(int port);

/* A TCP port that is free on 127.0.0.1 now (bound, then released), or -1. */
int rv_net_free_port(void);

#endif
