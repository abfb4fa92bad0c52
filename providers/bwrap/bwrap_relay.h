/*
 * bwrap_relay: the preview of a bwrap sandbox's port.
 *
 * The sandbox has a network namespace of its own with only loopback in
 * it, so nothing on this host reaches its ports.  A relay listens on
 * 127.0.0.1 (a free port) and carries each connection, byte for byte,
 * through the sandbox's port forwarder (the engine's forward socket:
 * "CONNECT <port>\n" answered "OK\n") to 127.0.0.1:<port> inside.  When
 * nothing listens there yet the client gets "502 Bad Gateway", as from
 * a provider's preview proxy.  One thread per relay, with every
 * connection on one poll loop.
 *
 * Ownership: bwrap_relay_start() copies what it needs; _stop() ends the
 * thread, closes every connection and frees.
 */
#ifndef RUNEVAL_PROVIDERS_BWRAP_BWRAP_RELAY_H
#define RUNEVAL_PROVIDERS_BWRAP_BWRAP_RELAY_H

#include "rv_err.h"

struct bwrap_relay;

/* Relay 127.0.0.1:<*local_port> to port through forward_sock. */
enum rv_code bwrap_relay_start(const char *forward_sock, int port,
			       struct bwrap_relay **out, int *local_port,
			       struct rv_err *err);
/* The port inside the sandbox that r reaches. */
int bwrap_relay_target(const struct bwrap_relay *r);
void bwrap_relay_stop(struct bwrap_relay *r);

#endif
