/*
 * signals: two-stage SIGINT/SIGTERM handling.
 *
 * The first signal sets signals_stop (dispatch stops, in-flight work is
 * cancelled, teardown runs, partial results are written, exit 130) and
 * makes signals_fd() readable, so an event loop wakes at once.  Later
 * signals are acknowledged on stderr and change nothing: teardown is
 * never skipped.
 */
#ifndef RUNEVAL_ORCHESTRATOR_SIGNALS_H
#define RUNEVAL_ORCHESTRATOR_SIGNALS_H

#include <signal.h>

/* Non-zero after the first SIGINT/SIGTERM (pass as a cancel flag). */
extern volatile int signals_stop;

/* Install the handlers (and ignore SIGPIPE), then unblock SIGINT and
   SIGTERM (blocked by a parent that started us).  Idempotent. */
void signals_install(void);

/* Readable once a signal arrived; -1 before signals_install(). */
int signals_fd(void);

/* The signal that stopped us (0 if none), for messages. */
int signals_first(void);

/* What the first signal prints (a whole line, static; a job's says that
   the results are written), for a command that writes none. */
void signals_set_first_message(const char *msg);

#endif
