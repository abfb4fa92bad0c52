/*
 * lite_launch: an offline provider server (daytona-lite, ...) for one job.
 *
 *	struct lite_launch l = LITE_LAUNCH_INIT;
 *	if (lite_launch_start(&l, "daytona-lite", &err) == RV_OK)
 *		... l.api_url, l.api_key ...
 *	lite_launch_stop(&l);
 *
 * `runeval --daytona --lite` runs the job through the real client and API
 * against a server started here: on a free loopback port, with a private
 * state directory (under $TMPDIR) and a fresh random key, both of which
 * go when it stops.  The server is found next to runeval's own binary,
 * then in PATH.  It gets PR_SET_PDEATHSIG, so a runeval killed with
 * SIGKILL still takes it (and, through its own shutdown, every sandbox it
 * made) down.  Its log goes to <state dir>/server.log, which the error of
 * a failed start quotes.
 *
 * Errors: RV_ERR_CONFIG (no such server binary), RV_ERR_CHILD (it exited
 * or never said where it serves), RV_ERR_TIMEOUT.  The key is registered
 * with rv_redact_add().
 */
#ifndef RUNEVAL_ORCHESTRATOR_LITE_LAUNCH_H
#define RUNEVAL_ORCHESTRATOR_LITE_LAUNCH_H

#include <sys/types.h>

#include "rv_err.h"

struct lite_launch {
	const char *server;	/* "daytona-lite", borrowed */
	pid_t pid;		/* 0: not running */
	char *dir;		/* private state directory */
	char *api_url;		/* what it printed */
	char *api_key;		/* secret */
};

#define LITE_LAUNCH_INIT { NULL, 0, NULL, NULL, NULL }

/* Start server and wait (at most timeout) until it says where it serves. */
enum rv_code lite_launch_start(struct lite_launch *l, const char *server,
			       struct rv_err *err);

/*
 * SIGTERM (the server destroys its sandboxes), up to 60 s, then SIGKILL;
 * remove the state directory.  Safe on a never-started l; idempotent.
 */
void lite_launch_stop(struct lite_launch *l);

#endif
