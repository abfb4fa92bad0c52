/*
 * health: wait until the task app answers GET /health with 200.
 *
 * health_wait() is the mode_health_fn every mode uses (arg is a struct
 * health_wait).  It polls with an adaptive interval that grows with the
 * time already waited, so a fast app is seen within a millisecond and a
 * slow one costs little: while nothing listens on a loopback URL a plain
 * connect() probe every 0.25 ms + 0.4% of the time waited (at most
 * 10 ms); once something answers, GET /health every 1 ms + 2% (at most
 * 250 ms).  Through a remote preview (any other URL: each probe is a
 * round trip through the provider's proxy) it waits half the time
 * already waited, 5 ms to 1 s: a dozen probes in the first 300 ms.  The
 * probes reuse one keep-alive connection and the preview's pool (DNS,
 * TLS sessions).  Outcomes:
 *   200                       healthy (and our process is still alive)
 *   refused, 502, 503, other  not yet
 *   401/403, or 400 with an "unauthorised" error
 *                             key mismatch: RV_ERR_AUTH at once
 *   the app's process exited  RV_ERR_CHILD with its status; the tail of
 *                             its log goes to hw->log_tail
 *   deadline                  RV_ERR_TIMEOUT naming the last answer
 *   cancel                    RV_ERR_INTR
 */
#ifndef RUNEVAL_ORCHESTRATOR_HEALTH_H
#define RUNEVAL_ORCHESTRATOR_HEALTH_H

#include <stdbool.h>

#include "rv_err.h"

struct mode_app;

#define HEALTH_LOG_TAIL_BYTES 2048

struct health_wait {
	/* in */
	const char *api_key;		/* sent as X-API-Key, or NULL */
	long timeout_ms;
	const volatile int *cancel;
	int wake_fd;			/* readable on cancel, or -1 */
	bool recheck;			/* the app was healthy before (its
					   messages say so) */
	/* out */
	unsigned attempts;
	char *log_tail;			/* malloc'ed when the app exited */
};

/* Release hw's outputs. */
void health_wait_release(struct health_wait *hw);

/* A mode_health_fn: arg is a struct health_wait. */
enum rv_code health_wait(struct mode_app *app, void *arg,
			 struct rv_err *err);

#endif
