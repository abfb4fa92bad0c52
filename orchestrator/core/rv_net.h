/*
 * rv_net: TCP ports of this host: whether something listens on one, and
 * a free one; and IPv4 CIDRs as network allow-lists write them.  Used by
 * local mode, the CLI, daytona-lite and tests; no state.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_NET_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_NET_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Does something accept TCP connections on 127.0.0.1:port (or [::1])?
 * The check that keeps runeval off someone else's server.
 */
bool rv_net_port_in_use(int port);

/* What rv_net_connect_probe() found. */
#define RV_NET_CONNECTS 1		/* the connection was made */
#define RV_NET_REFUSED 0		/* certainly refused */
#define RV_NET_UNKNOWN (-1)		/* some other error (no route) */
#define RV_NET_TIMEOUT (-2)		/* no answer within the time (a
					   listener whose queue is full) */

/*
 * A TCP connect to a (len bytes), made without blocking for more than
 * timeout_ms: a port someone holds without accepting must not hang the
 * caller for the kernel's two minutes.
 */
struct sockaddr;
int rv_net_connect_probe(const struct sockaddr *a, unsigned len,
			 int timeout_ms);

/* A TCP port that is free on 127.0.0.1 now (bound, then released), or -1. */
int rv_net_free_port(void);

/* What rv_net_cidr4() found wrong. */
#define RV_NET_CIDR_OK 0
#define RV_NET_CIDR_SYNTAX (-1)		/* not an IPv4 address[/prefix] */
#define RV_NET_CIDR_HOST_BITS (-2)	/* bits beyond the prefix set */

/*
 * Parse "a.b.c.d/n" (n 0..32) or a bare "a.b.c.d" (/32): *addr in host
 * byte order, *prefix.  Returns one of RV_NET_CIDR_*; with HOST_BITS,
 * *addr is the network the text probably meant (the bits cleared).
 */
int rv_net_cidr4(const char *s, uint32_t *addr, unsigned *prefix);

#endif
