/*
 * docker_attach: bytes into a container's stdin as it starts.
 *
 * A container created with OpenStdin and StdinOnce reads its stdin from
 * whoever attaches: POST /containers/{id}/attach?stream=1&stdin=1 with
 * "Upgrade: tcp", after which the connection is a raw pipe into it (no
 * framing for stdin), whose end (shutdown of our side) closes its stdin.
 * Attached before the start, nothing is lost; what is written waits in
 * the engine until the container's first process reads it.  This is how
 * the app goes in with the start, unpacked by the container's own tar,
 * instead of a PUT /archive (which costs the engine a mount and a
 * process, some 75 ms, however small the archive).
 *
 * libcurl does not hand over an upgraded connection, so this speaks
 * HTTP/1.1 on the unix socket itself.  Errors: RV_ERR_CONNECT (nobody
 * at the socket), RV_ERR_PROVIDER (the engine refused: its status and
 * message), RV_ERR_TIMEOUT, RV_ERR_INTR (call->stop), RV_ERR_IO.
 */
#ifndef RUNEVAL_PROVIDERS_DOCKER_DOCKER_ATTACH_H
#define RUNEVAL_PROVIDERS_DOCKER_DOCKER_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "docker_api.h"

struct docker_stdin;

/* Attach to id's stdin (the answer read; the attempt logged). */
enum rv_code docker_stdin_open(struct docker_client *c, const char *id,
			       const struct remote_call *call,
			       struct docker_stdin **out, struct rv_err *err);

/*
 * Write the n parts (borrowed until docker_stdin_finish) in a thread of
 * its own, then end the stream.  First, in that thread, prep(arg) (NULL:
 * none), which may fill parts: it runs while the caller starts the
 * container, and its failure ends the stream with nothing written.
 */
void docker_stdin_send(struct docker_stdin *s, const struct rv_buf *const *parts,
		       size_t n, enum rv_code (*prep)(void *arg), void *arg);

/* Wait until prep has run (up to call's deadline): its result. */
enum rv_code docker_stdin_prepared(struct docker_stdin *s,
				   const struct remote_call *call);

/* Has it all been written (or failed)?  Never blocks. */
bool docker_stdin_sent(struct docker_stdin *s);

/*
 * Wait for the writing to end (up to call's deadline; now: not at all),
 * log it as an attempt, close and free s.  NULL is fine (RV_OK).
 */
enum rv_code docker_stdin_finish(struct docker_stdin *s, bool now,
				 const struct remote_call *call,
				 struct rv_err *err);

#endif
